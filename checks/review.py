"""The moderator review queue: which answers need review, the state machine, and the verdicts.

States::

    open ──assign──▶ in_review ──confirm/override──▶ resolved
      │  ╲                 │  ╲
      │   ╲─confirm/override─╲──dismiss──▶ dismissed
      └──────dismiss──────────┘
    resolved / dismissed ──reopen──▶ open          (in_review ──assign──▶ in_review: reassign)

The store applies a transition only if the item is still at the version the moderator saw, so of
two moderators pressing at once exactly one wins and the other is told. No Discord types here.

Everything here is pure (no store, no network): :func:`decide` works out what a moderator's
action changes, :func:`moderator_doc` the document a resolution is kept as (this server's own
fact-check, the first evidence next time), and :func:`claimreview` the schema.org export.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from checks.claims import clean_text
from checks.errors import IllegalTransition, InputError
from checks.models import (
    CheckResult,
    GuildConfig,
    LinkCheckResult,
    ModeratorVerdict,
    Review,
    ReviewAction,
    ReviewChanges,
    ReviewDecision,
    ReviewItem,
    ReviewState,
    Stance,
    Verdict,
)
from checks.sources.docs import Doc

__all__ = [
    "MODERATOR_SOURCE_LABEL",
    "claim_key",
    "claimreview",
    "claims_to_review",
    "decide",
    "is_moderator_source",
    "moderator_doc",
    "moderator_source",
    "next_state",
    "review_key",
    "review_triggers",
    "review_url",
    "verdict_rating",
]

MODERATOR_SOURCE_LABEL = "Reviewed by this server's moderators"

_TRANSITIONS: dict[tuple[ReviewState, ReviewAction], ReviewState] = {
    (ReviewState.OPEN, ReviewAction.ASSIGN): ReviewState.IN_REVIEW,
    (ReviewState.IN_REVIEW, ReviewAction.ASSIGN): ReviewState.IN_REVIEW,
    (ReviewState.OPEN, ReviewAction.CONFIRM): ReviewState.RESOLVED,
    (ReviewState.IN_REVIEW, ReviewAction.CONFIRM): ReviewState.RESOLVED,
    (ReviewState.OPEN, ReviewAction.OVERRIDE): ReviewState.RESOLVED,
    (ReviewState.IN_REVIEW, ReviewAction.OVERRIDE): ReviewState.RESOLVED,
    (ReviewState.OPEN, ReviewAction.DISMISS): ReviewState.DISMISSED,
    (ReviewState.IN_REVIEW, ReviewAction.DISMISS): ReviewState.DISMISSED,
    (ReviewState.RESOLVED, ReviewAction.REOPEN): ReviewState.OPEN,
    (ReviewState.DISMISSED, ReviewAction.REOPEN): ReviewState.OPEN,
}

_STATE_WORDS = {
    ReviewState.OPEN: "open",
    ReviewState.IN_REVIEW: "in review",
    ReviewState.RESOLVED: "already resolved",
    ReviewState.DISMISSED: "dismissed",
}


def next_state(item_id: int, state: ReviewState, action: ReviewAction) -> ReviewState:
    """The state ``action`` leads to, or IllegalTransition with a message for the moderator."""
    target = _TRANSITIONS.get((state, action))
    if target is None:
        raise IllegalTransition(
            f"item #{item_id} is {_STATE_WORDS[state]}: it cannot be {_past(action)}",
            item_id=item_id,
            state=state.value,
            action=action.value,
        )
    return target


def _past(action: ReviewAction) -> str:
    return {
        ReviewAction.ASSIGN: "assigned",
        ReviewAction.CONFIRM: "confirmed",
        ReviewAction.OVERRIDE: "overridden",
        ReviewAction.DISMISS: "dismissed",
        ReviewAction.REOPEN: "reopened (only resolved or dismissed items can be)",
    }.get(action, action.value)


def claim_key(claim: str) -> str:
    """Two askings of the same claim share a key: case, accents, punctuation and spacing aside."""
    text = unicodedata.normalize("NFKD", claim.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())[:500]


def review_triggers(result: CheckResult, guild: GuildConfig) -> list[str]:
    """Why an answer should go to moderators: disputed, mixed, or an unsure best match."""
    reasons = []
    if result.verdict is Verdict.DISPUTED:
        reasons.append("disputed")
    if result.verdict is Verdict.MIXED:
        reasons.append("mixed")
    judged = [m for m in result.matches if not m.reading]  # related reading never asks for review
    best = max((m.score for m in judged), default=0.0)
    decided = any(m.stance is not Stance.RELATED for m in judged)
    if judged and guild.suggest <= best < guild.sure and not decided:
        reasons.append("uncertain")
    return reasons


def verdict_rating(verdict: ModeratorVerdict | Verdict | str) -> str:
    """The ClaimReview rating a moderator decision is stored under."""
    value = verdict.value if isinstance(verdict, ModeratorVerdict | Verdict) else str(verdict)
    return value[:1].upper() + value[1:]


def moderator_source(guild_id: int) -> str:
    """The source name a server's moderator verdicts are stored under."""
    return f"{MODERATOR_SOURCE_LABEL} [{guild_id}]"


def is_moderator_source(name: str) -> bool:
    """Whether a source name is some server's moderator verdicts."""
    return name.startswith(MODERATOR_SOURCE_LABEL + " [")


def claims_to_review(link: LinkCheckResult) -> list[CheckResult]:
    """A disputed link answer: its claims that sources spoke about, or else its first claim."""
    spoken = [c for c in link.claims if c.verdict is not Verdict.UNVERIFIED]
    return spoken or list(link.claims[:1])


def decide(
    item: ReviewItem,
    action: ReviewAction,
    *,
    actor_id: int | None,
    now: datetime,
    verdict: ModeratorVerdict | None = None,
    note: str | None = None,
    url: str | None = None,
) -> ReviewDecision:
    """What ``action`` on ``item`` changes and records, or a ReviewError/InputError saying why
    it cannot be taken. The store applies it only if the item is still at ``item.version``."""
    target = next_state(item.id, item.state, action)
    note = " ".join(clean_text(note or "").split())[:1000] or None
    url = (url or "").strip() or None
    if url is not None:
        from checks.fetch import validate_url

        validate_url(url)  # a moderator's source must be an http(s) link
    decided_at = now.replace(microsecond=0)
    changes = ReviewChanges()
    detail: dict[str, Any] = {}
    if action is ReviewAction.ASSIGN:
        changes = ReviewChanges(assignee=actor_id)
        detail = {"assignee": actor_id, "previous": item.assignee}
    elif action in (ReviewAction.CONFIRM, ReviewAction.OVERRIDE):
        if action is ReviewAction.OVERRIDE and verdict is None:
            raise InputError("an override needs a verdict")
        ruling = verdict_rating(verdict if verdict is not None else item.bot_verdict)
        changes = ReviewChanges(
            resolution="confirmed" if action is ReviewAction.CONFIRM else "overridden",
            moderator_verdict=ruling,
            moderator_note=note,
            moderator_url=url,
            decided_by=actor_id,
            decided_at=decided_at,
        )
        detail = {"verdict": ruling, "note": note, "url": url}
    elif action is ReviewAction.DISMISS:
        changes = ReviewChanges(decided_by=actor_id, decided_at=decided_at, moderator_note=note)
        detail = {"note": note}
    elif action is ReviewAction.REOPEN:
        changes = ReviewChanges(
            resolution=None,
            moderator_verdict=None,
            moderator_note=None,
            moderator_url=None,
            decided_by=None,
            decided_at=None,
            assignee=None,
        )
        detail = {"previous_verdict": item.moderator_verdict}
    return ReviewDecision(
        action=action, to_state=target, actor_id=actor_id, changes=changes, detail=detail
    )


def review_key(item: ReviewItem) -> str:
    """The stored verdict's fixed identity (its card may move; this does not)."""
    return f"crosscheck://review/{item.guild_id}/{item.id}"


def review_url(item: ReviewItem) -> str:
    """Where a decision can be seen: the review card in Discord, or a stable local id."""
    if item.post_channel_id and item.post_message_id:
        return (
            f"https://discord.com/channels/{item.guild_id}/{item.post_channel_id}/"
            f"{item.post_message_id}"
        )
    return review_key(item)


def moderator_doc(item: ReviewItem, *, now: datetime) -> Doc:
    """A resolved item as the document it is stored as: the claim, reviewed by the server's
    moderators, under :func:`review_key` (so reopening can remove it again)."""
    day = (item.decided_at or now).date()
    review = Review(
        claim_reviewed=item.claim,
        rating=item.moderator_verdict or "Unverified",
        reviewer=MODERATOR_SOURCE_LABEL,
        url=item.moderator_url or review_url(item),
        date=day.isoformat(),
    )
    note = f": {item.moderator_note}" if item.moderator_note else ""
    return Doc(
        url=review_url(item),
        canonical_url=review_key(item),
        title=f"Moderator review #{item.id}{note}",
        text=item.claim,
        published=day,
        reviews=(review,),
    )


def claimreview(items: list[ReviewItem]) -> list[dict[str, Any]]:
    """Resolved items as schema.org ClaimReview JSON-LD objects, oldest first."""
    out = []
    for item in sorted(items, key=lambda i: i.id):
        rating: dict[str, Any] = {
            "@type": "Rating",
            "alternateName": item.moderator_verdict or "Unverified",
        }
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "claimReviewed": item.claim,
            "reviewRating": rating,
            "author": {
                "@type": "Organization",
                "name": f"Moderators of Discord server {item.guild_id}",
            },
            "datePublished": (item.decided_at or item.updated_at).date().isoformat(),
            "url": item.moderator_url or review_url(item),
            "itemReviewed": {"@type": "Claim", "text": item.claim},
            "identifier": f"crosscheck-review-{item.guild_id}-{item.id}",
        }
        if item.moderator_note:
            review["reviewBody"] = item.moderator_note
            rating["ratingExplanation"] = item.moderator_note
        out.append(review)
    return out
