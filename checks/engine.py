"""The facade every adapter calls: check a claim or a link, ingest sources, run the review queue.

Orchestration only: the judging is in :mod:`checks.claims`, :mod:`checks.match`,
:mod:`checks.evidence`, :mod:`checks.stance` and :mod:`checks.verdict`; review decisions in
:mod:`checks.review`; storage behind :class:`~checks.store.base.Store`. Matching is CPU-bound and
the store synchronous: the sync ``check_text`` does that part, and the async methods
(``acheck_text``, ``acheck_url``, ``aingest``) add the network (fact-check APIs, fetching links
and sources) and run the CPU part in a worker thread, so an event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from checks import claims as claims_mod
from checks.claims import validate_claim
from checks.errors import CheckError, InputError, ReviewConflict, ReviewNotFound
from checks.events import CheckEvent, Events
from checks.evidence import Audience, found_claims, matches
from checks.extract import extract_html
from checks.fetch import HTML, Fetcher, validate_url
from checks.ingest import (
    IngestReport,
    Lease,
    Progress,
    SplitPool,
    fetch_settings,
    ingest_all,
    store_doc,
)
from checks.match import MatchSettings, find_matches
from checks.models import (
    AskRef,
    CheckResult,
    FoundClaim,
    GuildConfig,
    LinkCheckResult,
    ModeratorVerdict,
    ReviewAction,
    ReviewEntry,
    ReviewItem,
    ReviewState,
    Source,
    SourceStatus,
    StoredAnswer,
    Verdict,
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
from checks.sources.config import FactCheckApiSource, SourcesFile, load_sources
from checks.sources.factcheck_api import normalise_query, search_factchecks
from checks.stance import StanceSettings
from checks.store import open_store
from checks.store.base import Store
from checks.verdict import VerdictSettings
from checks.verdict import decide as tally

__all__ = ["Engine", "EngineSettings", "open_store"]

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class EngineSettings:
    """Every number the engine's stages use, grouped by stage."""

    match: MatchSettings = field(default_factory=MatchSettings)
    stance: StanceSettings = field(default_factory=StanceSettings)
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    max_matches: int = 5  # matches shown in one answer
    moderator_weight: float = 3.0  # a server's moderator verdict, before the fact-check boost
    # processes that split articles into claims while ingesting (0: threads only)
    ingest_processes: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))


def _in_thread(
    method: Callable[Concatenate[Store, _P], _R],
) -> Callable[Concatenate[Engine, _P], Coroutine[Any, Any, _R]]:
    """An async engine method that calls the store method of the same signature in a worker
    thread (the stores are synchronous), looked up on ``engine.store`` at call time."""
    name = method.__name__

    async def call(self: Engine, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await asyncio.to_thread(getattr(self.store, name), *args, **kwargs)

    call.__name__, call.__doc__ = name, method.__doc__
    return call


class Engine:
    """One store and one sources configuration, and everything adapters do with them."""

    def __init__(
        self,
        store: Store,
        config: SourcesFile | None = None,
        settings: EngineSettings | None = None,
    ) -> None:
        self.store = store
        self.config = config or SourcesFile()
        self.settings = settings or EngineSettings()
        self.events = Events()
        self._splitters = SplitPool(self.settings.ingest_processes)
        self._weights = {s.name: s.weight for s in self.config.sources}
        self._enabled = frozenset(s.name for s in self.config.enabled())

    @classmethod
    def open(cls, db: str | Path, sources: str | Path, *, read_only: bool | None = None) -> Engine:
        """An engine on the store ``db`` names, with the sources file ``sources``."""
        config = load_sources(sources)
        return cls(open_store(db, read_only=read_only), config)

    def close(self) -> None:
        """Stop ingestion's worker processes and close the store."""
        self._splitters.close()
        self.store.close()

    def fetcher(self) -> Fetcher:
        """A new HTTP client with this configuration's limits; close it when done."""
        return Fetcher(fetch_settings(self.config.fetch), on_fetch=self.events.fetch)

    # the store's own answers, off the event loop
    guild_config = _in_thread(Store.get_guild)
    set_guild_config = _in_thread(Store.put_guild)
    answer = _in_thread(Store.get_answer)
    answer_posted = _in_thread(Store.set_answer_message)
    review_audit = _in_thread(Store.review_audit)
    review_asks = _in_thread(Store.review_asks)
    review_followed_up = _in_thread(Store.review_followed_up)
    review_stats = _in_thread(Store.review_stats)

    def claim_count(self) -> int:
        """How many claims are stored (blocking: from async code, call it in a thread)."""
        return self.store.claim_count()

    def queue_depth(self) -> dict[str, int]:
        """Review items by state, all servers together (blocking, like :meth:`claim_count`)."""
        counts: dict[str, int] = self.store.review_stats(None)["counts"]
        return counts

    # ------------------------------------------------------------------ checking

    def check_text(
        self,
        text: str,
        *,
        exclude_sources: Sequence[str] = (),
        stance: StanceSettings | None = None,
        guild_id: int | None = None,
    ) -> CheckResult:
        """Check one claim against what is stored (no network).

        ``stance`` overrides the thresholds (a server's own "suggest" and "sure" bands);
        ``guild_id`` adds that server's moderator verdicts as the first evidence."""
        return self._check(validate_claim(text), exclude_sources, stance, guild_id)

    def _check(
        self,
        claim: str,
        exclude_sources: Sequence[str],
        stance: StanceSettings | None,
        guild_id: int | None,
    ) -> CheckResult:
        """``check_text`` for a claim already validated."""
        feats = claims_mod.features(claim)
        scored = find_matches(
            self.store, claim, feats, self.settings.match, exclude_sources=exclude_sources
        )
        found = matches(
            scored,
            feats,
            Audience(self._enabled, guild_id),
            stance=stance or self.settings.stance,
            weights=self._weights,
            moderator_weight=self.settings.moderator_weight,
        )
        result = tally(found, self.settings.verdict)
        return CheckResult(
            claim=claim,
            verdict=result.verdict,
            matches=tuple(found[: self.settings.max_matches]),
            agreeing=result.agreeing,
            conflicting=result.conflicting,
            confidence=result.confidence,
            voices=result.voices,
        )

    async def _ask_factcheck_apis(self, claim: str, fetcher: Fetcher) -> None:
        """Ask each configured fact-check API about the claim (cached), storing what it says."""
        apis = [s for s in self.config.enabled() if isinstance(s, FactCheckApiSource)]
        query = normalise_query(claim)
        now = datetime.now(UTC)

        async def one(cfg: FactCheckApiSource) -> None:
            asked = await asyncio.to_thread(self.store.api_cached_at, cfg.name, query)
            if asked and now - asked < timedelta(minutes=cfg.cache_minutes):
                return
            try:
                docs = await search_factchecks(fetcher, cfg, claim)
            except CheckError as exc:
                log.warning("fact-check API %s failed: %s", cfg.name, exc)
                await asyncio.to_thread(self.store.record_ingest, cfg.name, error=str(exc), at=now)
                return
            for doc in docs:
                await asyncio.to_thread(store_doc, self.store, cfg.name, doc)
            await asyncio.to_thread(self.store.api_cache_put, cfg.name, query, now)
            await asyncio.to_thread(self.store.record_ingest, cfg.name, error=None, at=now)

        await asyncio.gather(*(one(cfg) for cfg in apis))

    def _report(
        self, surface: str, kind: str, verdict: Verdict, started: float, matches: int
    ) -> None:
        check_id = uuid.uuid4().hex[:12]
        seconds = time.monotonic() - started
        log.info(
            "check %s surface=%s kind=%s verdict=%s duration_ms=%d",
            check_id,
            surface,
            kind,
            verdict.value,
            seconds * 1000,
            extra={
                "check_id": check_id,
                "surface": surface,
                "kind": kind,
                "verdict": verdict.value,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        self.events.check(CheckEvent(check_id, surface, verdict.value, seconds, matches, kind))

    async def acheck_text(
        self,
        text: str,
        *,
        exclude_sources: Sequence[str] = (),
        fetcher: Fetcher | None = None,
        stance: StanceSettings | None = None,
        guild_id: int | None = None,
        surface: str = "api",
    ) -> CheckResult:
        """Check one claim, asking live fact-check APIs first when any are configured."""
        started = time.monotonic()
        result = await self._acheck(text, exclude_sources, fetcher, stance, guild_id)
        log.debug("checked claim %r", result.claim)
        self._report(surface, "claim", result.verdict, started, len(result.matches))
        return result

    async def _acheck(
        self,
        text: str,
        exclude_sources: Sequence[str],
        fetcher: Fetcher | None,
        stance: StanceSettings | None,
        guild_id: int | None,
    ) -> CheckResult:
        claim = validate_claim(text)
        if any(isinstance(s, FactCheckApiSource) for s in self.config.enabled()):
            f = fetcher or self.fetcher()
            try:
                await self._ask_factcheck_apis(claim, f)
            finally:
                if fetcher is None:
                    await f.aclose()
        return await asyncio.to_thread(self._check, claim, exclude_sources, stance, guild_id)

    async def acheck_url(
        self,
        url: str,
        *,
        max_claims: int | None = None,
        stance: StanceSettings | None = None,
        guild_id: int | None = None,
        surface: str = "api",
    ) -> LinkCheckResult:
        """Fetch a page safely, pick its most check-worthy claims and check each.

        A page already ingested is checked against the *other* sources only."""
        started = time.monotonic()
        url = url.strip()
        validate_url(url)
        async with self.fetcher() as fetcher:
            result = await fetcher.get(url, accept=HTML)
            page = await asyncio.to_thread(extract_html, result.text(), url=result.url)
            if not page.text.strip():
                raise InputError(f"{url}: no article text found on the page")
            known = None
            for candidate in filter(None, (page.canonical_url, result.url, url)):
                if known := await asyncio.to_thread(self.store.find_article, candidate):
                    break
            exclude = [known.source] if known else []
            found = await asyncio.to_thread(claims_mod.split_claims, page.text, title=page.title)
            limit = max_claims or self.config.check.link_claims
            chosen = sorted(found, key=lambda c: (-claims_mod.worthiness(c), c.position))[:limit]
            answers = [
                await self._acheck(c.text, exclude, fetcher, stance, guild_id)
                for c in sorted(chosen, key=lambda c: c.position)
            ]
        link = LinkCheckResult(
            url=result.url,
            title=page.title or result.url,
            verdict=_overall(answers),
            claims=tuple(answers),
            known_source=known.source if known else None,
        )
        log.debug("checked link %s", link.url)
        self._report(surface, "link", link.verdict, started, sum(len(a.matches) for a in answers))
        return link

    # ------------------------------------------------------------------ servers and answers

    def stance_for(self, guild: GuildConfig) -> StanceSettings:
        """The stance thresholds a server chose."""
        return replace(
            self.settings.stance, suggest=guild.suggest, sure=max(guild.sure, guild.suggest)
        )

    async def record_answer(
        self,
        result: CheckResult | LinkCheckResult,
        *,
        surface: str,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | None = None,
    ) -> int:
        """Keep an answer so that its buttons (sources, dispute) work after a restart."""
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
    def answer_result(answer: StoredAnswer) -> CheckResult | LinkCheckResult:
        """The full result an answer was rendered from."""
        if answer.result.get("kind") == "link":
            return LinkCheckResult.model_validate(answer.result["model"])
        return CheckResult.model_validate(answer.result["model"])

    async def dispute(
        self, answer_id: int, user_id: int | None, reason: str
    ) -> list[tuple[ReviewItem, bool]]:
        """A member says an answer is wrong: keep the reason and queue the claim(s) for review.

        Returns the review items (and whether each is new); none outside a server."""
        reason = " ".join(claims_mod.clean_text(reason).split())
        if not reason:
            raise InputError("the reason is empty")
        if len(reason) > 1000:
            raise InputError(f"the reason is too long ({len(reason):,} characters; at most 1,000)")
        answer = await self.answer(answer_id)
        if answer is None:
            raise InputError(f"answer {answer_id} is not known")
        await asyncio.to_thread(self.store.add_dispute, answer_id, user_id, reason)
        if answer.guild_id is None:
            return []
        result = self.answer_result(answer)
        claims = [result] if isinstance(result, CheckResult) else claims_to_review(result)
        ask = AskRef(
            channel_id=answer.channel_id,
            message_id=answer.message_id,
            answer_id=answer.id,
            user_id=answer.user_id,
        )
        return [
            await self.enqueue_review(
                claim,
                guild_id=answer.guild_id,
                triggers=["member dispute"],
                actor_id=user_id,
                reason=reason,
                ask=ask,
            )
            for claim in claims
        ]

    # ------------------------------------------------------------------ review queue

    async def review_answer(
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
            await self.enqueue_review(claim, guild_id=guild_id, triggers=triggers, ask=ask)
            for claim in claims
            if (triggers := review_triggers(claim, guild))
        ]

    async def enqueue_review(
        self,
        result: CheckResult,
        *,
        guild_id: int,
        triggers: Sequence[str],
        actor_id: int | None = None,
        ask: AskRef | None = None,
        reason: str | None = None,
    ) -> tuple[ReviewItem, bool]:
        """Put a claim in the server's queue, or join the item already there for it."""
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

    async def review_item(self, item_id: int, *, guild_id: int | None) -> ReviewItem:
        """One item of the server's queue (any server's when ``guild_id`` is None)."""
        item = await asyncio.to_thread(self.store.review_get, item_id)
        if item is None or (guild_id is not None and item.guild_id != guild_id):
            raise ReviewNotFound(
                f"there is no review item #{item_id} in this server", item_id=item_id
            )
        return item

    async def review_act(
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
        item = await self.review_item(item_id, guild_id=guild_id)
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
        weight = min(self.settings.moderator_weight, 10)
        self.store.sync_sources([Source(name=source, kind="moderators", weight=weight)])
        store_doc(self.store, source, moderator_doc(item, now=now))

    async def review_list(
        self, *, guild_id: int | None, state: ReviewState | None = None, limit: int = 25
    ) -> list[ReviewItem]:
        """A server's items (all servers' when ``guild_id`` is None), newest first."""
        states = [state.value] if state else []
        return await asyncio.to_thread(
            lambda: self.store.review_list(guild_id=guild_id, states=states, limit=limit)
        )

    async def review_posted(
        self, item: ReviewItem, *, channel_id: int | None, message_id: int | None
    ) -> None:
        """Note where the card for this version of the item was posted."""
        await asyncio.to_thread(
            lambda: self.store.review_set_post(
                item.id, channel_id=channel_id, message_id=message_id, version=item.version
            )
        )

    def export_claimreview(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Resolved moderator verdicts as schema.org ClaimReview JSON-LD objects."""
        return claimreview(
            self.store.review_list(guild_id=guild_id, states=["resolved"], limit=100_000)
        )

    # ------------------------------------------------------------------ sources

    async def aingest(
        self,
        progress: Progress | None = None,
        *,
        only_due: bool = False,
        stop: asyncio.Event | None = None,
        holder: str | None = None,
        lease_seconds: float = 120.0,
    ) -> IngestReport:
        """Ingest the sources; ``stop`` ends it early after the article being stored.

        ``holder`` names this worker: sources are then taken under a lease, so that several
        workers sharing a store never ingest the same source at once."""
        lease = Lease(self.store, holder, lease_seconds) if holder else None
        async with self.fetcher() as fetcher:
            return await ingest_all(
                self.store,
                self.config,
                progress,
                only_due=only_due,
                fetcher=fetcher,
                stop=stop,
                events=self.events,
                lease=lease,
                cpu=self._splitters,
            )

    def ingest(self, progress: Progress | None = None, *, only_due: bool = False) -> IngestReport:
        """Ingest from synchronous code (the CLI, tests): runs :meth:`aingest` to completion."""
        return asyncio.run(self.aingest(progress, only_due=only_due))

    async def search_claims(self, query: str, *, limit: int = 10) -> list[FoundClaim]:
        """Stored claims about ``query``, most relevant first (the HTTP API's claim search)."""
        text = validate_claim(query)

        def run() -> list[FoundClaim]:
            feats = claims_mod.features(text)
            scored = find_matches(self.store, text, feats, self.settings.match)
            return found_claims(scored, Audience(self._enabled), limit=limit)

        return await asyncio.to_thread(run)

    def sources(self) -> list[SourceStatus]:
        """Configured sources with what the store knows of them (counts, last ingest, errors)."""
        stored = {s.name: s for s in self.store.source_status()}
        empty = SourceStatus(name="", kind="", weight=0.0)
        return [
            stored.get(cfg.name, empty).model_copy(
                update={"name": cfg.name, "kind": cfg.kind, "weight": cfg.weight}
            )
            for cfg in self.config.sources
        ]


def _overall(answers: Sequence[CheckResult]) -> Verdict:
    """A link's verdict from its claims': one way, or mixed when they pull both ways."""
    verdicts = {a.verdict for a in answers}
    disputed = Verdict.DISPUTED in verdicts
    supported = Verdict.SUPPORTED in verdicts
    if (disputed and supported) or Verdict.MIXED in verdicts:
        return Verdict.MIXED
    if disputed:
        return Verdict.DISPUTED
    if supported:
        return Verdict.SUPPORTED
    return Verdict.UNVERIFIED
