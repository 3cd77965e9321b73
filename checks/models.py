"""Pydantic models shared by the engine and its adapters.

Values (quantities, notes, citations, matches, results) are frozen; records that the store
assigns ids to (articles, claims) are plain models.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Article",
    "AskRef",
    "AuditEntry",
    "Bound",
    "CheckResult",
    "Citation",
    "Claim",
    "ClaimFeatures",
    "DateRef",
    "FoundClaim",
    "GuildConfig",
    "LinkCheckResult",
    "Match",
    "ModeratorVerdict",
    "Note",
    "NoteKind",
    "Quantity",
    "Review",
    "ReviewAction",
    "ReviewAsk",
    "ReviewChanges",
    "ReviewDecision",
    "ReviewEntry",
    "ReviewItem",
    "ReviewState",
    "ReviewStats",
    "Source",
    "SourceStatus",
    "SourceVoice",
    "Stance",
    "StoredAnswer",
    "Verdict",
]


class _Value(BaseModel):
    # "at least 30,000" has no upper bound: keep infinity as JSON's Infinity, not null
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")


class Bound(StrEnum):
    """How a figure is meant: exactly, roughly, as a ceiling or as a floor."""

    EXACT = "exact"
    ABOUT = "about"
    AT_MOST = "at_most"
    AT_LEAST = "at_least"
    VAGUE = "vague"  # "several thousand", "dozens"


class Quantity(_Value):
    """A number with the thing it counts: "at most 30,000 men" → 30000, at_most, "man"."""

    value: float
    bound: Bound = Bound.EXACT
    unit: str | None = None  # normalised counted thing ("troop", "mile"); None when unknown
    text: str  # the words as written
    low: float  # the interval the figure allows
    high: float

    def overlaps(self, other: Quantity) -> bool:
        """Whether the two figures' intervals share any value."""
        return self.low <= other.high and other.low <= self.high

    def display(self) -> str:
        """The figure as written."""
        return self.text


class DateRef(_Value):
    """A date or part of one mentioned in a sentence."""

    text: str
    year: int | None = None
    month: int | None = None
    day: int | None = None


class ClaimFeatures(_Value):
    """What a sentence says beyond its words: figures, dates, polarity, speaker, entities."""

    quantities: tuple[Quantity, ...] = ()
    dates: tuple[DateRef, ...] = ()
    polarity: int = 0  # +1 approving/affirming, -1 rejecting/denying, 0 no stance word
    polar_word: str | None = None  # the word that set the polarity ("rules out", "welcome")
    negated: bool = False  # a negator ("not", "never", "no") governs the sentence
    speaker: str | None = None  # who said it, when attributed
    entities: tuple[str, ...] = ()  # canonical keys of places, people, organisations
    topic: tuple[str, ...] = ()  # places and organisations named by the article's title

    @property
    def all_entities(self) -> tuple[str, ...]:
        """The sentence's entities, then its article title's."""
        return self.entities + tuple(t for t in self.topic if t not in self.entities)


class Source(_Value):
    """A configured source as the engine sees it."""

    name: str
    kind: str
    weight: float = Field(default=1.0, ge=0.0, le=10.0)


class SourceStatus(BaseModel):
    """What the store knows about a source: counts and ingest health."""

    name: str
    kind: str
    weight: float
    articles: int = 0
    claims: int = 0
    last_ingest: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None


class Article(BaseModel):
    """One ingested document."""

    id: int | None = None
    source: str
    url: str
    canonical_url: str
    title: str
    published: date | None = None
    text: str
    content_hash: str


_FALSE_RATINGS = re.compile(
    r"\b(false|fake|fabricated|incorrect|wrong|pants on fire|hoax|scam|baseless|debunked|disputed|"
    r"misleading|distorted|manipulated|altered|doctored|satire|no evidence|unsupported|"
    r"not true|untrue|inaccurate|exaggerated|mostly false|four pinocchios|three pinocchios)\b",
    re.IGNORECASE,
)
_TRUE_RATINGS = re.compile(
    r"^\s*(true|correct|accurate|mostly true|mostly correct|confirmed|verified|legit|real|"
    r"supported|"
    r"geppetto checkmark)\s*[.!]?\s*$",
    re.IGNORECASE,
)


class Review(_Value):
    """A published fact-check of a claim (schema.org ClaimReview fields)."""

    claim_reviewed: str
    rating: str  # the textual rating as published: "False", "Mostly true", "Misleading"
    reviewer: str  # who published the fact-check
    url: str
    date: str | None = None
    claimant: str | None = None  # who made the reviewed claim
    rating_value: float | None = None
    best_rating: float | None = None
    worst_rating: float | None = None

    @property
    def truth(self) -> int:
        """+1 rated true, -1 rated false or misleading, 0 mixed or unknown."""
        if self.rating_value is not None and self.best_rating is not None:
            worst = self.worst_rating if self.worst_rating is not None else 1.0
            span = self.best_rating - worst
            if span > 0:
                share = (self.rating_value - worst) / span
                if share >= 0.75:
                    return 1
                if share <= 0.25:
                    return -1
        if _TRUE_RATINGS.match(self.rating):
            return 1
        if _FALSE_RATINGS.search(self.rating):
            return -1
        return 0


class Claim(BaseModel):
    """One check-worthy sentence, kept with where it came from so it can be quoted exactly."""

    id: int | None = None
    article_id: int | None = None
    position: int  # index of the sentence among the article's claims
    start: int  # character offsets into the article text
    end: int
    text: str
    features: ClaimFeatures = ClaimFeatures()
    review: Review | None = None  # set when the claim is a published fact-check's subject


class Stance(StrEnum):
    """What one stored claim does to the checked one."""

    AGREES = "agrees"
    CONFLICTS = "conflicts"
    RELATED = "related"


class Verdict(StrEnum):
    """The answer to a check, across sources."""

    SUPPORTED = "supported"
    DISPUTED = "disputed"
    MIXED = "mixed"
    UNVERIFIED = "unverified"

    @property
    def label(self) -> str:
        """The verdict as shown to people."""
        return self.value.capitalize()


class NoteKind(StrEnum):
    """What a stance note is about."""

    QUANTITY = "quantity"
    DATE = "date"
    POLARITY = "polarity"
    SPEAKER = "speaker"
    SAME = "same"  # a feature both sides share ("both say 10,000 troops")
    FACTCHECK = "factcheck"  # a published fact-check rated the claim


class Note(_Value):
    """Why a stance was taken, in one short sentence."""

    kind: NoteKind
    text: str
    conflict: bool = False
    source_says: str | None = None  # what the source says instead, in a few words ("10,000 troops")


class Citation(_Value):
    """Where a stored claim came from; ``quote`` is the exact sentence from the article."""

    source: str
    title: str
    url: str
    published: str | None = None
    quote: str
    weight: float = 1.0
    review: Review | None = None  # the fact-check this citation is, when it is one

    @property
    def weight_class(self) -> str:
        """The citation's source weight in words: high, medium or low."""
        if self.weight >= 0.75:
            return "high"
        if self.weight >= 0.4:
            return "medium"
        return "low"


class Match(_Value):
    """One stored claim relevant to the checked claim, with the stance it takes."""

    claim_id: int
    text: str
    score: float  # relevance in [0, 1]
    stance: Stance
    notes: tuple[Note, ...] = ()
    citation: Citation
    confidence: float | None = None  # calibrated probability the stance is right (None: unrated)
    reading: bool = False  # related reading: below the judging floor, shown, never judged


class SourceVoice(_Value):
    """What one source says about a claim, for "Agrees: … · Conflicts: … (says 25,000)"."""

    name: str
    stance: Stance
    weight: float
    says: str | None = None
    rating: str | None = None  # a fact-check's rating, when the voice is one
    reviewer: str | None = None

    @property
    def weight_class(self) -> str:
        """The source's weight in words: high, medium or low."""
        return "high" if self.weight >= 0.75 else "medium" if self.weight >= 0.4 else "low"

    def label(self) -> str:
        """The source's name with its rating or what it says."""
        extra = (
            f"rated “{self.rating}”" if self.rating else f"says {self.says}" if self.says else ""
        )
        return f"{self.name} ({extra})" if extra else self.name


class CheckResult(_Value):
    """The answer to one check; ``to_json`` is the stable machine-readable shape."""

    claim: str
    verdict: Verdict
    matches: tuple[Match, ...] = ()
    agreeing: tuple[str, ...] = ()  # source names
    conflicting: tuple[str, ...] = ()
    confidence: float = 0.0  # in [0, 1]
    voices: tuple[SourceVoice, ...] = ()  # one per source that agrees or conflicts

    def cross_reference(self) -> str:
        """ "Agrees: Sample Wire, Example Gazette · Conflicts: Daily Example (says 25,000)"."""
        parts = []
        for stance, word in ((Stance.AGREES, "Agrees"), (Stance.CONFLICTS, "Conflicts")):
            names = [v.label() for v in self.voices if v.stance is stance]
            if names:
                parts.append(f"{word}: " + ", ".join(names))
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The stable machine-readable shape of the answer (CLI --json, HTTP API)."""
        return {
            "claim": self.claim,
            "verdict": self.verdict.value,
            "confidence": round(self.confidence, 3),
            "agreeing_sources": list(self.agreeing),
            "conflicting_sources": list(self.conflicting),
            "summary": self.cross_reference(),
            "sources": [
                {
                    "name": v.name,
                    "stance": v.stance.value,
                    "weight": v.weight,
                    "weight_class": v.weight_class,
                    "says": v.says,
                    "rating": v.rating,
                    "reviewer": v.reviewer,
                }
                for v in self.voices
            ],
            "matches": [
                {
                    "text": m.text,
                    "score": round(m.score, 4) if math.isfinite(m.score) else 0.0,
                    "stance": m.stance.value,
                    "notes": [n.text for n in m.notes],
                    "related_reading": m.reading,
                    "citation": {
                        "source": m.citation.source,
                        "title": m.citation.title,
                        "url": m.citation.url,
                        "published": m.citation.published,
                        "quote": m.citation.quote,
                        "weight": m.citation.weight,
                        "factcheck": m.citation.review.model_dump() if m.citation.review else None,
                    },
                }
                for m in self.matches
            ],
        }


class FoundClaim(_Value):
    """A stored claim the claim search found (no stance: nothing was asked to be checked)."""

    text: str
    score: float  # relevance in [0, 1]
    source: str
    title: str
    url: str
    published: str | None = None
    factcheck: Review | None = None  # the fact-check this claim is the subject of, if any


class LinkCheckResult(_Value):
    """The answer to a link: its most check-worthy claims, each checked, and a summary."""

    url: str
    title: str
    verdict: Verdict  # overall: disputed or supported when the claims lean one way
    claims: tuple[CheckResult, ...] = ()
    known_source: str | None = None  # the source that already stored this article

    def summary(self) -> str:
        """How many claims were checked, by verdict."""
        counts: dict[Verdict, int] = {}
        for c in self.claims:
            counts[c.verdict] = counts.get(c.verdict, 0) + 1
        parts = [f"{n} {v.value}" for v, n in counts.items()]
        return f"{len(self.claims)} claim(s) checked: " + ", ".join(parts) if parts else "no claims"

    def to_json(self) -> dict[str, Any]:
        """The stable machine-readable shape of the link's answer."""
        return {
            "url": self.url,
            "title": self.title,
            "verdict": self.verdict.value,
            "known_source": self.known_source,
            "summary": self.summary(),
            "claims": [c.to_json() for c in self.claims],
        }


class GuildConfig(BaseModel):
    """One Discord server's settings, kept in the store (the engine knows no Discord types)."""

    model_config = ConfigDict(extra="ignore")

    watched_channels: list[int] = Field(default_factory=list)
    review_channel: int | None = None
    modlog_channel: int | None = None
    moderator_role: int | None = None
    visibility: str = Field(default="public", pattern="^(public|ephemeral)$")
    suggest: float = Field(default=0.45, ge=0.0, le=1.0)  # relevance to compare at all
    sure: float = Field(default=0.7, ge=0.0, le=1.0)  # relevance for a fact-check rating to carry
    auto_answer_confidence: float = Field(default=0.6, ge=0.0, le=1.0)  # watched channels


class StoredAnswer(BaseModel):
    """An answer the bot gave, kept so its buttons work after a restart."""

    id: int
    guild_id: int | None
    channel_id: int | None
    message_id: int | None
    user_id: int | None
    surface: str
    claim: str
    verdict: Verdict
    result: dict[str, Any]
    created_at: datetime


class ReviewState(StrEnum):
    """Where an item is in the review queue."""

    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class ReviewAction(StrEnum):
    """What happened to an item (decisions, and askings recorded in its audit)."""

    CREATE = "create"
    ASSIGN = "assign"
    CONFIRM = "confirm"
    OVERRIDE = "override"
    DISMISS = "dismiss"
    REOPEN = "reopen"
    ASK = "ask"  # the claim was asked again
    DISPUTE = "dispute"  # a member added a reason


class ModeratorVerdict(StrEnum):
    """What moderators may rule (the Override modal's choices)."""

    SUPPORTED = "Supported"
    DISPUTED = "Disputed"
    FALSE = "False"
    MISLEADING = "Misleading"
    UNVERIFIED = "Unverified"


class ReviewItem(BaseModel):
    """A claim in a server's moderator review queue."""

    id: int
    guild_id: int
    claim: str
    claim_key: str
    state: ReviewState
    resolution: str | None = None  # "confirmed" | "overridden" when resolved
    bot_verdict: Verdict
    result: dict[str, Any] = Field(default_factory=dict)  # the bot's answer (CheckResult JSON)
    triggers: list[str] = Field(default_factory=list)  # why it entered: disputed, mixed, ...
    demand: int = 1  # how often it was asked or disputed
    assignee: int | None = None
    moderator_verdict: str | None = None
    moderator_note: str | None = None
    moderator_url: str | None = None
    decided_by: int | None = None
    decided_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    post_channel_id: int | None = None
    post_message_id: int | None = None
    posted_version: int | None = None

    @property
    def pending(self) -> bool:
        """Whether the item still waits for a decision."""
        return self.state in (ReviewState.OPEN, ReviewState.IN_REVIEW)


class ReviewStats(BaseModel):
    """How a review queue is doing: its items by state, and the oldest one still waiting."""

    counts: dict[str, int] = Field(default_factory=dict)  # state value → items
    oldest_pending: datetime | None = None  # when the oldest open or in-review item was made


class AuditEntry(BaseModel):
    """One line of an item's history: who did what, when, and the states before and after."""

    item_id: int
    actor_id: int | None
    action: ReviewAction
    from_state: ReviewState | None
    to_state: ReviewState
    detail: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class ReviewAsk(BaseModel):
    """Where a claim in the queue was asked (and answered), for the follow-up."""

    id: int
    item_id: int
    guild_id: int
    channel_id: int | None
    message_id: int | None  # the bot's answer message
    answer_id: int | None
    user_id: int | None
    ephemeral: bool = False
    followup_message_id: int | None = None
    created_at: datetime


class AskRef(_Value):
    """Where a claim in the review queue was asked: the answer message to follow up on."""

    channel_id: int | None = None
    message_id: int | None = None  # the bot's answer message
    answer_id: int | None = None
    user_id: int | None = None
    ephemeral: bool = False  # only the asker saw the answer


class ReviewEntry(_Value):
    """A claim entering a server's review queue, or asked or disputed again."""

    guild_id: int
    claim: str
    claim_key: str  # two askings of the same claim share it (checks.review.claim_key)
    bot_verdict: Verdict
    result: dict[str, Any]  # the bot's answer (CheckResult JSON)
    triggers: tuple[str, ...]  # why it is queued: disputed, mixed, uncertain, member dispute
    actor_id: int | None = None
    ask: AskRef | None = None
    reason: str | None = None  # a member's dispute reason, for the audit trail


class ReviewChanges(_Value):
    """The fields of a review item a decision sets. Only the fields given are written, so
    ``ReviewChanges(assignee=None)`` clears the assignee and leaves the rest alone."""

    assignee: int | None = None
    resolution: str | None = None  # "confirmed" | "overridden"
    moderator_verdict: str | None = None
    moderator_note: str | None = None
    moderator_url: str | None = None
    decided_by: int | None = None
    decided_at: datetime | None = None

    def written(self) -> dict[str, Any]:
        """The given fields, as the store writes them (times as ISO text)."""
        return {
            k: v.isoformat(timespec="seconds") if isinstance(v, datetime) else v
            for k, v in self.model_dump(exclude_unset=True).items()
        }


class ReviewDecision(_Value):
    """One moderator decision, worked out before it is applied (see checks.review.decide)."""

    action: ReviewAction
    to_state: ReviewState
    actor_id: int | None
    changes: ReviewChanges = ReviewChanges()
    detail: dict[str, Any] = Field(default_factory=dict)  # what the audit trail records
