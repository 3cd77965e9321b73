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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks import claims as claims_mod
from checks.claims import validate_claim
from checks.errors import InputError
from checks.events import CheckEvent, Events
from checks.evidence import Audience, found_claims, matches
from checks.ingest import (
    IngestReport,
    Lease,
    Progress,
    SplitPool,
    ask_factcheck_apis,
    configured_status,
    fetch_settings,
    ingest_all,
)
from checks.match import MatchSettings, find_matches
from checks.models import (
    CheckResult,
    FoundClaim,
    GuildConfig,
    LinkCheckResult,
    SourceStatus,
    Verdict,
)
from checks.queue import Answers, ReviewQueue, in_thread
from checks.queue import delegate as _via
from checks.sources.config import FactCheckApiSource, SourcesFile, load_sources
from checks.stance import StanceSettings
from checks.store import open_store
from checks.store.base import Store
from checks.verdict import VerdictSettings
from checks.verdict import decide as tally

if TYPE_CHECKING:  # the HTTP client loads when a link is checked or a source is fetched
    from checks.fetch import Fetcher

__all__ = ["Engine", "EngineSettings", "open_store"]

log = logging.getLogger(__name__)


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


class Engine:
    """One store and one sources configuration, and everything adapters do with them.

    Checking and ingesting are here; the review queue is ``engine.reviews`` (a
    :class:`~checks.queue.ReviewQueue`) and kept answers ``engine.answers`` (an
    :class:`~checks.queue.Answers`), also reachable under the engine's own method names."""

    def __init__(
        self,
        store: Store,
        config: SourcesFile | None = None,
        settings: EngineSettings | None = None,
    ) -> None:
        self.config = config or SourcesFile()
        self.settings = settings or EngineSettings()
        self.events = Events()
        self.reviews = ReviewQueue(store, moderator_weight=self.settings.moderator_weight)
        self.answers = Answers(store, self.reviews)
        self.store = store
        self._splitters = SplitPool(self.settings.ingest_processes)
        self._weights = {s.name: s.weight for s in self.config.sources}
        self._enabled = frozenset(s.name for s in self.config.enabled())

    @property
    def store(self) -> Store:
        """Where claims, answers and the review queue are kept."""
        return self._store

    @store.setter
    def store(self, store: Store) -> None:
        self._store = self.reviews.store = self.answers.store = store

    @classmethod
    def open(cls, db: str | Path, sources: str | Path, *, read_only: bool | None = None) -> Engine:
        """An engine on the store ``db`` names, with the sources file ``sources``."""
        return cls(open_store(db, read_only=read_only), load_sources(sources))

    def close(self) -> None:
        """Stop ingestion's worker processes and close the store."""
        self._splitters.close()
        self.store.close()

    def fetcher(self) -> Fetcher:
        """A new HTTP client with this configuration's limits; close it when done."""
        from checks.fetch import Fetcher

        return Fetcher(fetch_settings(self.config.fetch), on_fetch=self.events.fetch)

    guild_config = in_thread(Store.get_guild)
    set_guild_config = in_thread(Store.put_guild)

    def claim_count(self) -> int:
        """How many claims are stored (blocking: from async code, call it in a thread)."""
        return self.store.claim_count()

    def vector_backlog(self) -> int:
        """How many claims still await their vector (blocking, like :meth:`claim_count`)."""
        return self.store.vector_backlog()

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
            text=claim,
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

    def _report(
        self, surface: str, kind: str, verdict: Verdict, started: float, matches: int
    ) -> None:
        """Log one finished check (one line, with its fields for JSON logs) and count it."""
        check_id = uuid.uuid4().hex[:12]
        seconds = time.monotonic() - started
        fields: dict[str, Any] = {"check_id": check_id, "surface": surface, "kind": kind}
        fields |= {"verdict": verdict.value, "duration_ms": round(seconds * 1000, 1)}
        line = "check %(check_id)s surface=%(surface)s kind=%(kind)s verdict=%(verdict)s"
        log.info(line + " duration_ms=%(duration_ms)d", fields, extra=fields)
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
        if apis := [s for s in self.config.enabled() if isinstance(s, FactCheckApiSource)]:
            f = fetcher or self.fetcher()
            try:
                await ask_factcheck_apis(self.store, apis, claim, f)
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
        from checks.extract import extract_html
        from checks.fetch import HTML, validate_url

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

    # ------------------------------------------------------------------ servers, answers, reviews

    def stance_for(self, guild: GuildConfig) -> StanceSettings:
        """The stance thresholds a server chose."""
        return replace(
            self.settings.stance, suggest=guild.suggest, sure=max(guild.sure, guild.suggest)
        )

    # the names adapters call (see Answers and ReviewQueue for what each does)
    record_answer = _via("answers", Answers.record)
    answer = _via("answers", Answers.get)
    answer_posted = _via("answers", Answers.posted)
    answer_result = staticmethod(Answers.result)
    dispute = _via("answers", Answers.dispute)
    review_answer = _via("reviews", ReviewQueue.queue_answer)
    enqueue_review = _via("reviews", ReviewQueue.enqueue)
    review_item = _via("reviews", ReviewQueue.item)
    review_act = _via("reviews", ReviewQueue.act)
    review_list = _via("reviews", ReviewQueue.list_items)
    review_audit = _via("reviews", ReviewQueue.audit)
    review_asks = _via("reviews", ReviewQueue.asks)
    review_followed_up = _via("reviews", ReviewQueue.followed_up)
    review_posted = _via("reviews", ReviewQueue.posted)
    review_stats = _via("reviews", ReviewQueue.stats)
    export_claimreview = _via("reviews", ReviewQueue.export)
    queue_depth = _via("reviews", ReviewQueue.depth)

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
        return configured_status(self.config, self.store)


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
