"""The review queue and the kept answers, as the engine runs them against a store.

:mod:`checks.review` decides (pure functions); this module applies those decisions to the store
and keeps what follows from them: a resolved item becomes the server's own fact-check, a
reopened one is withdrawn. The engine exposes both as ``engine.reviews`` and ``engine.answers``.
Stores are synchronous, so every call here runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from checks.claims import clean_text
from checks.errors import InputError, ReviewConflict, ReviewNotFound
from checks.ingest import store_doc
from checks.models import (
    AskRef,
    CheckResult,
    GuildConfig,
    LinkCheckResult,
    ModeratorVerdict,
    ReviewAction,
    ReviewEntry,
    ReviewItem,
    ReviewState,
    Source,
    StoredAnswer,
)
from checks.review import (
    claim_key,
    claimreview,
    claims_to_review,
    decide,
    moderator_doc,
    moderator_source,
    review_key,
    review_triggers,
)
from checks.store.base import Store

__all__ = ["Answers", "ReviewQueue", "delegate", "in_thread"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _HasStore(Protocol):
    store: Store


_S = TypeVar("_S", bound=_HasStore)


def in_thread(
    method: Callable[Concatenate[Store, _P], _R],
) -> Callable[Concatenate[_S, _P], Coroutine[Any, Any, _R]]:
    """An async method calling the store method of the same signature in a worker thread, on
    the owner's ``store`` as it is at call time (instead of a hand-written copy per method)."""
    name = method.__name__

    async def call(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await asyncio.to_thread(getattr(self.store, name), *args, **kwargs)

    call.__name__, call.__doc__ = name, method.__doc__
    return call


def delegate(
    part: str, method: Callable[Concatenate[Any, _P], _R]
) -> Callable[Concatenate[Any, _P], _R]:
    """A method that is ``method`` of its owner's attribute ``part`` (the engine's old names
    for ``engine.reviews.act`` and the like), with ``method``'s signature and docstring."""

    def call(self: Any, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return method(getattr(self, part), *args, **kwargs)

    call.__name__, call.__doc__ = method.__name__, method.__doc__
    return call


class ReviewQueue:
    """Each server's moderator review queue: queueing, decisions, cards, export."""

    def __init__(self, store: Store, *, moderator_weight: float) -> None:
        self.store = store
        self.moderator_weight = moderator_weight  # a moderator verdict's weight as evidence

    audit = in_thread(Store.review_audit)
    asks = in_thread(Store.review_asks)
    followed_up = in_thread(Store.review_followed_up)
    stats = in_thread(Store.review_stats)

    async def queue_answer(
        self,
        result: CheckResult | LinkCheckResult,
        guild: GuildConfig,
        *,
        guild_id: int,
        ask: AskRef | None = None,
    ) -> list[tuple[ReviewItem, bool]]:
        """Queue an answer if it needs moderators (disputed, mixed, unsure); [] if not."""
        claims = [result] if isinstance(result, CheckResult) else list(result.claims)
        return [
            await self.enqueue(claim, guild_id=guild_id, triggers=triggers, ask=ask)
            for claim in claims
            if (triggers := review_triggers(claim, guild))
        ]

    async def enqueue(
        self,
        result: CheckResult,
        *,
        guild_id: int,
        triggers: Sequence[str],
        actor_id: int | None = None,
        ask: AskRef | None = None,
        reason: str | None = None,
    ) -> tuple[ReviewItem, bool]:
        """Put a claim in the server's queue, or join the item already there for it; and
        whether the item is new."""
        entry = ReviewEntry(
            guild_id=guild_id,
            claim=result.claim,
            claim_key=claim_key(result.claim),
            bot_verdict=result.verdict,
            result=result.model_dump(mode="json"),
            triggers=tuple(triggers),
            actor_id=actor_id,
            ask=ask,
            reason=reason,
        )
        return await asyncio.to_thread(self.store.review_upsert, entry)

    async def item(self, item_id: int, *, guild_id: int | None) -> ReviewItem:
        """One item of the server's queue (any server's when ``guild_id`` is None)."""
        item = await asyncio.to_thread(self.store.review_get, item_id)
        if item is None or (guild_id is not None and item.guild_id != guild_id):
            raise ReviewNotFound(
                f"there is no review item #{item_id} in this server", item_id=item_id
            )
        return item

    async def act(
        self,
        item_id: int,
        action: ReviewAction,
        *,
        guild_id: int | None,
        actor_id: int | None,
        verdict: ModeratorVerdict | None = None,
        note: str | None = None,
        url: str | None = None,
    ) -> ReviewItem:
        """One moderator decision. Illegal moves and lost races raise ReviewError subclasses."""
        item = await self.item(item_id, guild_id=guild_id)
        now = datetime.now(UTC)
        decision = decide(
            item, action, actor_id=actor_id, now=now, verdict=verdict, note=note, url=url
        )
        new = await asyncio.to_thread(
            lambda: self.store.review_transition(item.id, decision, expected_version=item.version)
        )
        if new is None:
            raise ReviewConflict(
                f"item #{item.id} was changed by another moderator just now; nothing was changed",
                item_id=item.id,
            )
        if new.state is ReviewState.RESOLVED:
            await asyncio.to_thread(self._keep_verdict, new, now)
        elif item.state is ReviewState.RESOLVED:
            source = moderator_source(new.guild_id)
            await asyncio.to_thread(self.store.remove_article, source, review_key(new))
        return new

    def _keep_verdict(self, item: ReviewItem, now: datetime) -> None:
        """Keep a resolution as this server's fact-check: the first evidence next time."""
        source = moderator_source(item.guild_id)
        weight = min(self.moderator_weight, 10)
        self.store.sync_sources([Source(name=source, kind="moderators", weight=weight)])
        store_doc(self.store, source, moderator_doc(item, now=now))

    async def list_items(
        self, *, guild_id: int | None, state: ReviewState | None = None, limit: int = 25
    ) -> list[ReviewItem]:
        """A server's items (all servers' when ``guild_id`` is None), newest first."""
        states = [state.value] if state else []
        return await asyncio.to_thread(
            lambda: self.store.review_list(guild_id=guild_id, states=states, limit=limit)
        )

    async def posted(
        self, item: ReviewItem, *, channel_id: int | None, message_id: int | None
    ) -> None:
        """Note where the card for this version of the item was posted."""
        await asyncio.to_thread(
            lambda: self.store.review_set_post(
                item.id, channel_id=channel_id, message_id=message_id, version=item.version
            )
        )

    def export(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Resolved moderator verdicts as schema.org ClaimReview JSON-LD (blocking)."""
        items = self.store.review_list(guild_id=guild_id, states=["resolved"], limit=100_000)
        return claimreview(items)

    def depth(self) -> dict[str, int]:
        """Items by state, all servers together (blocking: for a metrics scrape)."""
        return self.store.review_stats(None).counts


class Answers:
    """The answers the bot gave, kept so their buttons work after a restart; and disputes."""

    def __init__(self, store: Store, reviews: ReviewQueue) -> None:
        self.store = store
        self.reviews = reviews

    get = in_thread(Store.get_answer)
    posted = in_thread(Store.set_answer_message)

    async def record(
        self,
        result: CheckResult | LinkCheckResult,
        *,
        surface: str,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | None = None,
    ) -> int:
        """Keep an answer; its id goes into the answer's buttons."""
        link = isinstance(result, LinkCheckResult)
        kept = {"kind": "link" if link else "claim", "model": result.model_dump(mode="json")}
        return await asyncio.to_thread(
            lambda: self.store.add_answer(
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                surface=surface,
                claim=result.url if isinstance(result, LinkCheckResult) else result.claim,
                verdict=result.verdict.value,
                result=kept,
            )
        )

    @staticmethod
    def result(answer: StoredAnswer) -> CheckResult | LinkCheckResult:
        """The full result an answer was rendered from."""
        if answer.result.get("kind") == "link":
            return LinkCheckResult.model_validate(answer.result["model"])
        return CheckResult.model_validate(answer.result["model"])

    async def dispute(
        self, answer_id: int, user_id: int | None, reason: str
    ) -> list[tuple[ReviewItem, bool]]:
        """A member says an answer is wrong: keep the reason and queue the claim(s) for review.

        Returns the review items (and whether each is new); none outside a server."""
        reason = " ".join(clean_text(reason).split())
        if not reason:
            raise InputError("the reason is empty")
        if len(reason) > 1000:
            raise InputError(f"the reason is too long ({len(reason):,} characters; at most 1,000)")
        answer = await self.get(answer_id)
        if answer is None:
            raise InputError(f"answer {answer_id} is not known")
        await asyncio.to_thread(self.store.add_dispute, answer_id, user_id, reason)
        if answer.guild_id is None:
            return []
        result = self.result(answer)
        claims = [result] if isinstance(result, CheckResult) else claims_to_review(result)
        ask = AskRef(
            channel_id=answer.channel_id,
            message_id=answer.message_id,
            answer_id=answer.id,
            user_id=answer.user_id,
        )
        return [
            await self.reviews.enqueue(
                claim,
                guild_id=answer.guild_id,
                triggers=["member dispute"],
                actor_id=user_id,
                reason=reason,
                ask=ask,
            )
            for claim in claims
        ]
