"""The storage contract every store implements (SQLite embedded, PostgreSQL for scale-out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from checks.models import (
    Article,
    AuditEntry,
    Claim,
    GuildConfig,
    ReviewAsk,
    ReviewDecision,
    ReviewEntry,
    ReviewItem,
    ReviewStats,
    Source,
    SourceStatus,
    StoredAnswer,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = ["AddResult", "Candidate", "Store", "StoredArticle"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored claim found by full-text search, with what a citation needs."""

    claim: Claim
    lexical: float  # the index's own relevance (higher is better), comparable within one query
    source: str
    weight: float
    title: str
    url: str
    published: date | None
    # the claim's matcher terms as stored at ingest (None for claims stored before they were)
    terms: frozenset[str] | None = None
    # cosine of the claim's vector with the query's (found by vector search; else None)
    cosine: float | None = None
    # the claim's parse (ClaimParse JSON) stored by the enrichment work, only when made by the
    # current extractor version (else None: it is parsed again at check time)
    frame: str | None = None


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article already in the store (enough to recognise a link to it)."""

    id: int
    source: str
    url: str
    canonical_url: str
    title: str


@dataclass(frozen=True, slots=True)
class AddResult:
    """What storing one article did."""

    article_id: int
    added: bool  # False when the same article (URL and content) was already stored
    claims: int  # claims stored by this call


@runtime_checkable
class Store(Protocol):
    """What the engine needs from storage. Implementations are thread-safe."""

    path: str
    # query terms are taken while their claims add up to at most this many postings (the
    # matcher uses the smaller of this and its own setting): a store's retrieval cost
    posting_budget: int

    def sync_sources(self, sources: list[Source]) -> None:
        """Record the configured sources (name, kind, weight); unknown names are kept."""

    def add_article(self, article: Article, claims: list[Claim]) -> AddResult:
        """Store an article and its claims in one transaction; idempotent on URL + content."""

    def has_article(self, source: str, canonical_url: str, content_hash: str) -> bool:
        """Whether this source already stored this article with this content."""

    def record_ingest(self, source: str, *, error: str | None, at: datetime) -> None:
        """Note an ingest attempt: success when ``error`` is None."""

    def search(
        self, terms: list[str], *, limit: int, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
        """Claims whose indexed terms match any of ``terms``, best first."""

    def find_article(self, url: str, source: str | None = None) -> StoredArticle | None:
        """The stored article whose URL or canonical URL is ``url`` (of ``source``, if given)."""

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        """The (ETag, Last-Modified) last seen for ``url``, for a conditional GET."""

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Keep the validators a response for ``url`` came with."""

    def api_cached_at(self, source: str, query: str) -> datetime | None:
        """When a fact-check API was last asked ``query`` (None: never)."""

    def api_cache_put(self, source: str, query: str, at: datetime) -> None:
        """Note that a fact-check API was asked ``query`` at ``at``."""

    def get_guild(self, guild_id: int) -> GuildConfig:
        """A server's settings (defaults when it has none stored)."""

    def put_guild(self, guild_id: int, config: GuildConfig) -> None:
        """Replace a server's settings."""

    def add_answer(
        self,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | None,
        surface: str,
        claim: str,
        verdict: str,
        result: dict[str, Any],
    ) -> int:
        """Keep an answer the bot gave; its id goes into the answer's buttons."""

    def set_answer_message(self, answer_id: int, message_id: int) -> None:
        """Note the message an answer was posted as."""

    def get_answer(self, answer_id: int) -> StoredAnswer | None:
        """A kept answer (None when unknown)."""

    def add_dispute(self, answer_id: int, user_id: int | None, reason: str) -> int:
        """Keep a member's reason for disputing an answer; the dispute's id."""

    def disputes_for(self, answer_id: int) -> list[tuple[int | None, str]]:
        """The (user id, reason) of each dispute of an answer, oldest first."""

    def remove_article(self, source: str, canonical_url: str) -> bool:
        """Delete one stored article and its claims (a withdrawn moderator verdict)."""

    def article_urls(self, source: str) -> list[str]:
        """The canonical URL of every article ``source`` has stored."""

    # the review queue: items, where they were asked, their audit trail

    def review_upsert(self, entry: ReviewEntry) -> tuple[ReviewItem, bool]:
        """The item for this claim (created when new, demand raised when not), atomically,
        with where it was asked and the dispute reason; and whether it is new."""

    def review_get(self, item_id: int) -> ReviewItem | None:
        """One review item (None when unknown)."""

    def review_list(
        self, *, guild_id: int | None = None, states: Sequence[str] = (), limit: int = 50
    ) -> list[ReviewItem]:
        """Review items, newest first, of one server and in ``states`` when given."""

    def review_transition(
        self, item_id: int, decision: ReviewDecision, *, expected_version: int
    ) -> ReviewItem | None:
        """Apply a decision only if the item is still at ``expected_version`` (else None),
        recording it in the audit trail."""

    def review_set_post(
        self, item_id: int, *, channel_id: int | None, message_id: int | None, version: int
    ) -> None:
        """Note where an item's review card is (a card is not a decision: no new version)."""

    def review_audit(self, item_id: int) -> list[AuditEntry]:
        """An item's history, oldest first."""

    def review_asks(self, item_id: int) -> list[ReviewAsk]:
        """Where an item's claim was asked, oldest first."""

    def review_followed_up(self, ask_id: int, message_id: int) -> bool:
        """Claim an ask for its follow-up with 0 (False when already claimed), then set the
        real message id the same way."""

    def review_stats(self, guild_id: int | None = None) -> ReviewStats:
        """Items by state and the oldest pending item's time, of one server or all."""

    def lease_source(self, source: str, holder: str, ttl_s: float) -> bool:
        """Take or extend ``holder``'s lease on a source; False while another's is live."""

    def release_source(self, source: str, holder: str) -> None:
        """End ``holder``'s lease on a source (another's is left alone)."""

    def last_success(self, source: str) -> datetime | None:
        """When the source was last ingested without error."""

    def term_frequencies(self, terms: list[str]) -> dict[str, int]:
        """How many claims contain each term (for dropping terms too common to help)."""

    # enrichment: slower work on stored claims (their vectors), queued and done in batches

    def pending_enrichment(
        self, limit: int, *, task: str = "embed", holder: str = "", lease_s: float = 300.0
    ) -> list[tuple[int, str]]:
        """Up to ``limit`` (claim id, text) awaiting ``task``, leased to ``holder`` for
        ``lease_s`` seconds (others skip them meanwhile; the same holder gets them again)."""

    def enrichment_backlog(self, task: str = "embed") -> int:
        """How many claims await ``task``."""

    def vector_backlog(self) -> int:
        """How many claims have no vector yet (they are found by their words only)."""

    def vector_model(self) -> str | None:
        """The embedder name the stored vectors were made with (None: none stored yet)."""

    def put_vectors(self, model: str, items: Sequence[tuple[int, np.ndarray]]) -> int:
        """Store claims' unit vectors made by ``model`` and take them off the backlog; vectors
        of a different model replace all stored ones (every claim is queued again)."""

    def put_frames(self, items: Sequence[tuple[int, str]], version: int) -> int:
        """Store claims' parses (``ClaimParse.to_json()``) made by extractor ``version``,
        replacing older ones; claims deleted meanwhile are skipped. Returns how many were given."""

    def nearest(
        self, model: str, vector: np.ndarray, k: int, *, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
        """The ``k`` claims whose vectors are nearest ``vector``, nearest first, with their
        ``cosine``; [] when no vectors of ``model`` are stored."""

    def cosines(self, model: str, vector: np.ndarray, claim_ids: Sequence[int]) -> dict[int, float]:
        """Cosine of ``vector`` with each given claim's stored vector, where it has one."""

    def claim_count(self) -> int:
        """How many claims are stored."""

    def approx_claim_count(self) -> int:
        """A cheap estimate of ``claim_count`` (for ranking; exactness not needed)."""

    def source_status(self) -> list[SourceStatus]:
        """Every source the store knows, with its counts and ingest health."""

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""
