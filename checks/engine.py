"""The facade every adapter calls: check a claim or a link, ingest sources, list sources.

Matching is CPU-bound and the store synchronous: the sync ``check_text`` does that part, and the
async methods (``acheck_text``, ``acheck_url``, ``aingest``) add the network (fact-check APIs,
fetching links and sources) and run the CPU part in a worker thread, so an event loop is never
blocked. Adapters call the async methods; ``check_text`` serves tests and batch tools.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from checks import claims as claims_mod
from checks.errors import CheckError, InputError, ReviewConflict, ReviewNotFound
from checks.events import CheckEvent, Events
from checks.extract import extract_html
from checks.fetch import HTML, Fetcher, validate_url
from checks.ingest import IngestReport, Lease, Progress, fetch_settings, ingest_all, store_doc
from checks.match import MatchSettings, find_matches
from checks.models import (
    AuditEntry,
    CheckResult,
    Citation,
    Claim,
    GuildConfig,
    LinkCheckResult,
    Match,
    ModeratorVerdict,
    Review,
    ReviewAction,
    ReviewAsk,
    ReviewItem,
    ReviewState,
    Source,
    SourceStatus,
    Stance,
    StoredAnswer,
    Verdict,
)
from checks.review import (
    MODERATOR_SOURCE_LABEL,
    claim_key,
    is_moderator_source,
    moderator_source,
    next_state,
    review_triggers,
    verdict_rating,
)
from checks.sources.config import FactCheckApiSource, SourcesFile, load_sources
from checks.sources.docs import Doc
from checks.sources.factcheck_api import normalise_query, search_factchecks
from checks.stance import StanceSettings, judge
from checks.store.base import Store
from checks.verdict import VerdictSettings, decide

__all__ = ["Engine", "EngineSettings", "open_store", "validate_claim"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    match: MatchSettings = field(default_factory=MatchSettings)
    stance: StanceSettings = field(default_factory=StanceSettings)
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    max_matches: int = 5  # matches shown in one answer
    moderator_weight: float = 3.0  # a server's moderator verdict, before the fact-check boost
    # processes that split articles into claims while ingesting (0: threads only)
    ingest_processes: int = field(default_factory=lambda: min(os.cpu_count() or 1, 4))


POOL_AFTER = 20  # articles split in threads before worker processes are started


def open_store(db: str | Path, *, read_only: bool | None = None) -> Store:
    """Open the store a ``--db`` value names: a SQLite file path, or a ``postgresql://`` DSN."""
    from checks.store.postgres import PostgresStore, is_postgres_dsn

    if isinstance(db, str) and is_postgres_dsn(db):
        return PostgresStore(db)
    from checks.store.sqlite import SQLiteStore

    return SQLiteStore(db, read_only=read_only)


def validate_claim(text: str) -> str:
    """The claim cleaned for checking, or an :class:`InputError` saying why it cannot be."""
    if not isinstance(text, str):
        raise InputError("the claim must be text")
    limit = claims_mod.MAX_CLAIM_CHARS
    if len(text) > 20 * limit:
        raise InputError(f"the claim is too long ({len(text):,} characters; at most {limit:,})")
    cleaned = " ".join(claims_mod.clean_text(text).split())
    if not cleaned:
        raise InputError("the claim is empty")
    if len(cleaned) > limit:
        raise InputError(f"the claim is too long ({len(cleaned):,} characters; at most {limit:,})")
    if not any(c.isalpha() for c in cleaned):
        raise InputError("the claim has no words to check")
    return cleaned


def is_link(text: str) -> bool:
    t = text.strip()
    return t.lower().startswith(("http://", "https://")) and " " not in t


def worthiness(claim: Claim) -> float:
    """How much a sentence gives to check: figures, dates, stance words, names, a speaker."""
    f = claim.features
    score = min(len(f.quantities), 2) * 1.5 + min(len(f.dates), 1)
    score += 1.0 if f.polarity else 0.0
    score += min(len(f.entities), 3) * 0.5 + (0.5 if f.speaker else 0.0)
    words = len(claim.text.split())
    if words > 45:
        score -= 1.0  # long sentences carry several claims and match poorly
    return score


class Engine:
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
        self._pool: ProcessPoolExecutor | None = None
        self._split_count = 0
        self._weights = {s.name: s.weight for s in self.config.sources}
        self._enabled = {s.name for s in self.config.enabled()}

    @classmethod
    def open(cls, db: str | Path, sources: str | Path, *, read_only: bool | None = None) -> Engine:
        config = load_sources(sources)
        return cls(open_store(db, read_only=read_only), config)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self.store.close()

    def _cpu_pool(self) -> Executor | None:
        """Worker processes for splitting articles into claims (CPU-bound; the GIL would
        otherwise make ingestion single-core). Made on first use, kept until close()."""
        if self.settings.ingest_processes <= 0:
            return None
        self._split_count += 1
        if self._pool is None and self._split_count <= POOL_AFTER:
            return None  # a handful of articles: starting processes would cost more
        if self._pool is None:
            try:
                ctx = multiprocessing.get_context("spawn")  # no lingering server if we are killed
                self._pool = ProcessPoolExecutor(
                    self.settings.ingest_processes,
                    mp_context=ctx,
                    initializer=_die_with_parent,
                    initargs=(os.getpid(),),
                )
            except (OSError, ValueError) as exc:
                log.warning("no worker processes for ingestion (%s); using threads", exc)
                self.settings = replace(self.settings, ingest_processes=0)
                return None
        return self._pool

    def fetcher(self) -> Fetcher:
        """A new HTTP client with this configuration's limits; close it when done."""
        return Fetcher(fetch_settings(self.config.fetch), on_fetch=self.events.fetch)

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
        claim = validate_claim(text)
        feats = claims_mod.features(claim)
        scored = find_matches(
            self.store, claim, feats, self.settings.match, exclude_sources=exclude_sources
        )
        matches: list[Match] = []
        for sc in scored:
            c = sc.candidate
            moderators = guild_id is not None and c.source == moderator_source(guild_id)
            if is_moderator_source(c.source) and not moderators:
                continue  # another server's moderators
            if self._enabled and c.source not in self._enabled and not moderators:
                continue  # stored earlier by a source no longer configured
            verdict_of_match, notes = judge(
                feats,
                c.claim.features,
                sc.relevance,
                review=c.claim.review,
                settings=stance or self.settings.stance,
            )
            matches.append(
                Match(
                    claim_id=c.claim.id or 0,
                    text=c.claim.text,
                    score=round(sc.relevance, 4),
                    stance=verdict_of_match,
                    notes=notes,
                    citation=Citation(
                        source=MODERATOR_SOURCE_LABEL if moderators else c.source,
                        title=c.title,
                        url=c.claim.review.url if c.claim.review else c.url,
                        published=c.published.isoformat() if c.published else None,
                        quote=c.claim.text,
                        weight=self.settings.moderator_weight
                        if moderators
                        else self._weights.get(c.source, c.weight),
                        review=c.claim.review,
                    ),
                )
            )
        # moderators' verdicts, then fact-checks, then agreeing and conflicting matches, then
        # related ones
        matches.sort(
            key=lambda m: (
                m.citation.source != MODERATOR_SOURCE_LABEL,
                m.citation.review is None or m.stance is Stance.RELATED,
                m.stance is Stance.RELATED,
                -m.score,
            )
        )
        tally = decide(matches, self.settings.verdict)
        return CheckResult(
            claim=claim,
            verdict=tally.verdict,
            matches=tuple(matches[: self.settings.max_matches]),
            agreeing=tally.agreeing,
            conflicting=tally.conflicting,
            confidence=tally.confidence,
            voices=tally.voices,
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

        if apis:
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
        result = await self._acheck_text(
            text,
            exclude_sources=exclude_sources,
            fetcher=fetcher,
            stance=stance,
            guild_id=guild_id,
        )
        log.debug("checked claim %r", result.claim)
        self._report(surface, "claim", result.verdict, started, len(result.matches))
        return result

    async def _acheck_text(
        self,
        text: str,
        *,
        exclude_sources: Sequence[str],
        fetcher: Fetcher | None,
        stance: StanceSettings | None,
        guild_id: int | None,
    ) -> CheckResult:
        claim = validate_claim(text)
        if any(isinstance(s, FactCheckApiSource) for s in self.config.enabled()):
            own = fetcher is None
            f = fetcher or self.fetcher()
            try:
                await self._ask_factcheck_apis(claim, f)
            finally:
                if own:
                    await f.aclose()
        return await asyncio.to_thread(
            self.check_text,
            claim,
            exclude_sources=exclude_sources,
            stance=stance,
            guild_id=guild_id,
        )

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
            for candidate in (page.canonical_url, result.url, url):
                if candidate:
                    known = await asyncio.to_thread(self.store.find_article, candidate)
                    if known:
                        break
            exclude = [known.source] if known else []
            found = await asyncio.to_thread(claims_mod.split_claims, page.text, title=page.title)
            limit = max_claims or self.config.check.link_claims
            chosen = sorted(found, key=lambda c: (-worthiness(c), c.position))[:limit]
            chosen.sort(key=lambda c: c.position)
            answers = []
            for c in chosen:
                answers.append(
                    await self._acheck_text(
                        c.text,
                        exclude_sources=exclude,
                        fetcher=fetcher,
                        stance=stance,
                        guild_id=guild_id,
                    )
                )
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

    async def guild_config(self, guild_id: int) -> GuildConfig:
        return await asyncio.to_thread(self.store.get_guild, guild_id)

    async def set_guild_config(self, guild_id: int, config: GuildConfig) -> None:
        await asyncio.to_thread(self.store.put_guild, guild_id, config)

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
        claim = result.claim if isinstance(result, CheckResult) else result.url
        return await asyncio.to_thread(
            lambda: self.store.add_answer(
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                surface=surface,
                claim=claim,
                verdict=result.verdict.value,
                result={
                    "kind": "claim" if isinstance(result, CheckResult) else "link",
                    "model": result.model_dump(mode="json"),
                },
            )
        )

    async def answer_posted(self, answer_id: int, message_id: int) -> None:
        await asyncio.to_thread(self.store.set_answer_message, answer_id, message_id)

    async def answer(self, answer_id: int) -> StoredAnswer | None:
        return await asyncio.to_thread(self.store.get_answer, answer_id)

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
        items: list[tuple[ReviewItem, bool]] = []
        if answer.guild_id is not None:
            result = self.answer_result(answer)
            claims = [result] if isinstance(result, CheckResult) else _claims_to_review(result)
            ask = {
                "channel_id": answer.channel_id,
                "message_id": answer.message_id,
                "answer_id": answer.id,
                "user_id": answer.user_id,
            }
            for claim in claims:
                items.append(
                    await self.enqueue_review(
                        claim,
                        guild_id=answer.guild_id,
                        triggers=["member dispute"],
                        actor_id=user_id,
                        reason=reason,
                        ask=ask,
                    )
                )
        return items

    # ------------------------------------------------------------------ review queue

    async def review_answer(
        self,
        result: CheckResult | LinkCheckResult,
        guild: GuildConfig,
        *,
        guild_id: int,
        ask: dict[str, Any] | None = None,
    ) -> list[tuple[ReviewItem, bool]]:
        """Queue an answer if it needs moderators (disputed, mixed, unsure); [] if not."""
        out = []
        claims = [result] if isinstance(result, CheckResult) else list(result.claims)
        for claim in claims:
            triggers = review_triggers(claim, guild)
            if triggers:
                out.append(
                    await self.enqueue_review(claim, guild_id=guild_id, triggers=triggers, ask=ask)
                )
        return out

    async def enqueue_review(
        self,
        result: CheckResult,
        *,
        guild_id: int,
        triggers: list[str],
        actor_id: int | None = None,
        ask: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> tuple[ReviewItem, bool]:
        """Put a claim in the server's queue, or join the item already there for it."""
        return await asyncio.to_thread(
            lambda: self.store.review_upsert(
                guild_id=guild_id,
                claim=result.claim,
                claim_key=claim_key(result.claim),
                bot_verdict=result.verdict.value,
                result=result.model_dump(mode="json"),
                triggers=triggers,
                actor_id=actor_id,
                ask=ask,
                reason=reason,
            )
        )

    async def review_item(self, item_id: int, *, guild_id: int | None) -> ReviewItem:
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
        target = next_state(item.id, item.state, action)
        now = datetime.now(UTC)
        note = " ".join(claims_mod.clean_text(note or "").split())[:1000] or None
        url = (url or "").strip() or None
        if url is not None:
            validate_url(url)  # a moderator's source must be an http(s) link
        updates: dict[str, Any] = {}
        detail: dict[str, Any] = {}
        if action is ReviewAction.ASSIGN:
            updates = {"assignee": actor_id}
            detail = {"assignee": actor_id, "previous": item.assignee}
        elif action in (ReviewAction.CONFIRM, ReviewAction.OVERRIDE):
            if action is ReviewAction.OVERRIDE and verdict is None:
                raise InputError("an override needs a verdict")
            ruling = verdict_rating(verdict if verdict is not None else item.bot_verdict)
            updates = {
                "resolution": "confirmed" if action is ReviewAction.CONFIRM else "overridden",
                "moderator_verdict": ruling,
                "moderator_note": note,
                "moderator_url": url,
                "decided_by": actor_id,
                "decided_at": now.isoformat(timespec="seconds"),
            }
            detail = {"verdict": ruling, "note": note, "url": url}
        elif action is ReviewAction.DISMISS:
            updates = {
                "decided_by": actor_id,
                "decided_at": now.isoformat(timespec="seconds"),
                "moderator_note": note,
            }
            detail = {"note": note}
        elif action is ReviewAction.REOPEN:
            updates = {
                "resolution": None,
                "moderator_verdict": None,
                "moderator_note": None,
                "moderator_url": None,
                "decided_by": None,
                "decided_at": None,
                "assignee": None,
            }
            detail = {"previous_verdict": item.moderator_verdict}
        new = await asyncio.to_thread(
            lambda: self.store.review_transition(
                item.id,
                expected_version=item.version,
                to_state=target.value,
                updates=updates,
                actor_id=actor_id,
                action=action.value,
                detail=detail,
            )
        )
        if new is None:
            raise ReviewConflict(
                f"item #{item.id} was changed by another moderator just now; nothing was changed",
                item_id=item.id,
            )
        if new.state is ReviewState.RESOLVED:
            await asyncio.to_thread(self._store_moderator_verdict, new)
        elif item.state is ReviewState.RESOLVED:
            await asyncio.to_thread(
                self.store.remove_article, moderator_source(new.guild_id), _review_key(new)
            )
        return new

    def _store_moderator_verdict(self, item: ReviewItem) -> None:
        """Keep a resolution as this server's fact-check: the first evidence next time."""
        source = moderator_source(item.guild_id)
        self.store.sync_sources(
            [Source(name=source, kind="moderators", weight=min(self.settings.moderator_weight, 10))]
        )
        day = (item.decided_at or datetime.now(UTC)).date()
        review = Review(
            claim_reviewed=item.claim,
            rating=item.moderator_verdict or "Unverified",
            reviewer=MODERATOR_SOURCE_LABEL,
            url=item.moderator_url or _review_url(item),
            date=day.isoformat(),
        )
        doc = Doc(
            url=_review_url(item),
            canonical_url=_review_key(item),
            title=f"Moderator review #{item.id}"
            + (f": {item.moderator_note}" if item.moderator_note else ""),
            text=item.claim,
            published=day,
            reviews=(review,),
        )
        store_doc(self.store, source, doc)

    async def review_list(
        self, *, guild_id: int | None, state: ReviewState | None = None, limit: int = 25
    ) -> list[ReviewItem]:
        states = [state.value] if state else []
        return await asyncio.to_thread(
            lambda: self.store.review_list(guild_id=guild_id, states=states, limit=limit)
        )

    async def review_audit(self, item_id: int) -> list[AuditEntry]:
        return await asyncio.to_thread(self.store.review_audit, item_id)

    async def review_asks(self, item_id: int) -> list[ReviewAsk]:
        return await asyncio.to_thread(self.store.review_asks, item_id)

    async def review_followed_up(self, ask_id: int, message_id: int) -> bool:
        return await asyncio.to_thread(self.store.review_followed_up, ask_id, message_id)

    async def review_posted(
        self, item: ReviewItem, *, channel_id: int | None, message_id: int | None
    ) -> None:
        await asyncio.to_thread(
            lambda: self.store.review_set_post(
                item.id, channel_id=channel_id, message_id=message_id, version=item.version
            )
        )

    async def review_stats(self, guild_id: int | None) -> dict[str, Any]:
        return await asyncio.to_thread(self.store.review_stats, guild_id)

    def export_claimreview(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Resolved moderator verdicts as schema.org ClaimReview JSON-LD objects."""
        items = self.store.review_list(guild_id=guild_id, states=["resolved"], limit=100_000)
        out = []
        for item in sorted(items, key=lambda i: i.id):
            review: dict[str, Any] = {
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "claimReviewed": item.claim,
                "reviewRating": {
                    "@type": "Rating",
                    "alternateName": item.moderator_verdict or "Unverified",
                },
                "author": {
                    "@type": "Organization",
                    "name": f"Moderators of Discord server {item.guild_id}",
                },
                "datePublished": (item.decided_at or item.updated_at).date().isoformat(),
                "url": item.moderator_url or _review_url(item),
                "itemReviewed": {"@type": "Claim", "text": item.claim},
                "identifier": f"crosscheck-review-{item.guild_id}-{item.id}",
            }
            if item.moderator_note:
                review["reviewBody"] = item.moderator_note
                review["reviewRating"]["ratingExplanation"] = item.moderator_note
            out.append(review)
        return out

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
                cpu=self._cpu_pool,
            )

    def ingest(self, progress: Progress | None = None, *, only_due: bool = False) -> IngestReport:
        """Ingest from synchronous code (the CLI, tests): runs :meth:`aingest` to completion."""
        return asyncio.run(self.aingest(progress, only_due=only_due))

    async def search_claims(self, query: str, *, limit: int = 10) -> list[dict[str, Any]]:
        """Stored claims about ``query``, most relevant first (the HTTP API's claim search)."""
        text = validate_claim(query)
        feats = claims_mod.features(text)

        def run() -> list[dict[str, Any]]:
            scored = find_matches(self.store, text, feats, self.settings.match)
            out = []
            for sc in scored:
                c = sc.candidate
                hidden = self._enabled and c.source not in self._enabled
                if is_moderator_source(c.source) or hidden:
                    continue
                out.append(
                    {
                        "text": c.claim.text,
                        "score": round(sc.relevance, 4),
                        "source": c.source,
                        "title": c.title,
                        "url": c.url,
                        "published": c.published.isoformat() if c.published else None,
                        "factcheck": c.claim.review.model_dump() if c.claim.review else None,
                    }
                )
            return out[:limit]

        return await asyncio.to_thread(run)

    def sources(self) -> list[SourceStatus]:
        """Configured sources with what the store knows of them (counts, last ingest, errors)."""
        stored = {s.name: s for s in self.store.source_status()}
        out = []
        for cfg in self.config.sources:
            st = stored.get(cfg.name)
            out.append(
                SourceStatus(
                    name=cfg.name,
                    kind=cfg.kind,
                    weight=cfg.weight,
                    articles=st.articles if st else 0,
                    claims=st.claims if st else 0,
                    last_ingest=st.last_ingest if st else None,
                    last_success=st.last_success if st else None,
                    last_error=st.last_error if st else None,
                )
            )
        return out


def _overall(answers: Sequence[CheckResult]) -> Verdict:
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


def _review_key(item: ReviewItem) -> str:
    """The stored verdict's fixed identity (its card may move; this does not)."""
    return f"crosscheck://review/{item.guild_id}/{item.id}"


def _review_url(item: ReviewItem) -> str:
    """Where a decision can be seen: the review card in Discord, or a stable local id."""
    if item.post_channel_id and item.post_message_id:
        return (
            f"https://discord.com/channels/{item.guild_id}/{item.post_channel_id}/"
            f"{item.post_message_id}"
        )
    return f"crosscheck://review/{item.guild_id}/{item.id}"


def _claims_to_review(link: LinkCheckResult) -> list[CheckResult]:
    """A disputed link answer: its claims that sources spoke about, or else its first claim."""
    spoken = [c for c in link.claims if c.verdict is not Verdict.UNVERIFIED]
    return spoken or list(link.claims[:1])


def _die_with_parent(parent: int) -> None:
    """In a worker process: end when the process that started it ends, even by SIGKILL (the
    pool's queues would otherwise keep an orphaned worker waiting forever). Linux only."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(0)
