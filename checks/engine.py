"""The facade every adapter calls: check a claim, ingest sources, list sources.

The engine is synchronous at its core (SQLite and matching are CPU-bound); the ``a*`` methods
run the same work in a worker thread so an event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from checks import claims as claims_mod
from checks.errors import InputError
from checks.ingest import IngestReport, Progress, ingest_all
from checks.match import MatchSettings, find_matches
from checks.models import CheckResult, Citation, Match, SourceStatus, Stance
from checks.sources.config import SourcesFile, load_sources
from checks.stance import StanceSettings, judge
from checks.store.base import Store
from checks.verdict import VerdictSettings, decide

__all__ = ["Engine", "EngineSettings", "open_store"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    match: MatchSettings = field(default_factory=MatchSettings)
    stance: StanceSettings = field(default_factory=StanceSettings)
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    max_matches: int = 5  # matches shown in one answer


def open_store(db: str | Path, *, read_only: bool | None = None) -> Store:
    """Open the store a ``--db`` value names (a SQLite file path)."""
    from checks.store.sqlite import SQLiteStore

    return SQLiteStore(db, read_only=read_only)


def validate_claim(text: str) -> str:
    """The claim cleaned for checking, or an :class:`InputError` saying why it cannot be."""
    if not isinstance(text, str):
        raise InputError("the claim must be text")
    if len(text) > 20 * claims_mod.MAX_CLAIM_CHARS:
        raise InputError(
            f"the claim is too long ({len(text):,} characters; at most "
            f"{claims_mod.MAX_CLAIM_CHARS:,})"
        )
    cleaned = " ".join(claims_mod.clean_text(text).split())
    if not cleaned:
        raise InputError("the claim is empty")
    if len(cleaned) > claims_mod.MAX_CLAIM_CHARS:
        raise InputError(
            f"the claim is too long ({len(cleaned):,} characters; at most "
            f"{claims_mod.MAX_CLAIM_CHARS:,})"
        )
    if not any(c.isalpha() for c in cleaned):
        raise InputError("the claim has no words to check")
    return cleaned


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
        self._weights = {s.name: s.weight for s in self.config.sources}
        self._enabled = {s.name for s in self.config.enabled()}

    @classmethod
    def open(cls, db: str | Path, sources: str | Path, *, read_only: bool | None = None) -> Engine:
        config = load_sources(sources)
        return cls(open_store(db, read_only=read_only), config)

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ checking

    def check_text(self, text: str) -> CheckResult:
        claim = validate_claim(text)
        feats = claims_mod.features(claim)
        scored = find_matches(self.store, claim, feats, self.settings.match)
        matches: list[Match] = []
        for sc in scored:
            c = sc.candidate
            if self._enabled and c.source not in self._enabled:
                continue  # stored earlier by a source no longer configured
            stance, notes = judge(
                feats, c.claim.features, sc.relevance, settings=self.settings.stance
            )
            weight = self._weights.get(c.source, c.weight)
            matches.append(
                Match(
                    claim_id=c.claim.id or 0,
                    text=c.claim.text,
                    score=round(sc.relevance, 4),
                    stance=stance,
                    notes=notes,
                    citation=Citation(
                        source=c.source,
                        title=c.title,
                        url=c.url,
                        published=c.published.isoformat() if c.published else None,
                        quote=c.claim.text,
                        weight=weight,
                    ),
                )
            )
        order = {Stance.CONFLICTS: 0, Stance.AGREES: 0, Stance.RELATED: 1}
        matches.sort(key=lambda m: (order[m.stance], -m.score))
        tally = decide(matches, self.settings.verdict)
        return CheckResult(
            claim=claim,
            verdict=tally.verdict,
            matches=tuple(matches[: self.settings.max_matches]),
            agreeing=tally.agreeing,
            conflicting=tally.conflicting,
            confidence=tally.confidence,
        )

    async def acheck_text(self, text: str) -> CheckResult:
        return await asyncio.to_thread(self.check_text, text)

    # ------------------------------------------------------------------ sources

    def ingest(self, progress: Progress | None = None) -> IngestReport:
        return ingest_all(self.store, self.config, progress)

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
