"""The moderator review queue: which answers need review, the state machine, and the verdicts.

States::

    open ──assign──▶ in_review ──confirm/override──▶ resolved
      │  ╲                 │  ╲
      │   ╲─confirm/override─╲──dismiss──▶ dismissed
      └──────dismiss──────────┘
    resolved / dismissed ──reopen──▶ open          (in_review ──assign──▶ in_review: reassign)

The store applies a transition only if the item is still at the version the moderator saw, so of
two moderators pressing at once exactly one wins and the other is told. No Discord types here.
"""

from __future__ import annotations

import re
import unicodedata

from checks.errors import IllegalTransition
from checks.models import (
    CheckResult,
    GuildConfig,
    ModeratorVerdict,
    ReviewAction,
    ReviewState,
    Stance,
    Verdict,
)

__all__ = [
    "MODERATOR_SOURCE_LABEL",
    "claim_key",
    "is_moderator_source",
    "moderator_source",
    "next_state",
    "review_triggers",
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
    best = max((m.score for m in result.matches), default=0.0)
    decided = any(m.stance is not Stance.RELATED for m in result.matches)
    if result.matches and guild.suggest <= best < guild.sure and not decided:
        reasons.append("uncertain")
    return reasons


def verdict_rating(verdict: ModeratorVerdict | Verdict | str) -> str:
    """The ClaimReview rating a moderator decision is stored under."""
    value = verdict.value if isinstance(verdict, ModeratorVerdict | Verdict) else str(verdict)
    return value[:1].upper() + value[1:]


def moderator_source(guild_id: int) -> str:
    return f"{MODERATOR_SOURCE_LABEL} [{guild_id}]"


def is_moderator_source(name: str) -> bool:
    return name.startswith(MODERATOR_SOURCE_LABEL + " [")
