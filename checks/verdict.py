"""Weigh the stances of several sources into one verdict.

Each source speaks once, through its strongest voice: a published fact-check (or a moderator's
verdict) first, then its most confident agreeing or conflicting match (the stance model's
calibrated ``confidence``; a match judged without one counts its relevance). Its voice counts
``weight × confidence`` (× ``factcheck_boost`` for a fact-check). Only agreement → Supported;
only conflict → Disputed; both → the side that outweighs the other by ``dominance`` wins,
otherwise Mixed. No agreeing or conflicting match at all → Unverified: related claims are shown
as evidence to read, never turned into a guess. Related reading (a match whose relevance is below
the matcher's floor, ``checks.match.is_related_reading``) never speaks, whatever stance a server's
own thresholds gave it.

The answer's ``confidence`` is the probability that the winning side is right, from its voices
alone: ``1 − Π (1 − min(weight, 1) · confidence)`` over the winning side's sources (one fully
trusted source: exactly its calibrated confidence; a source of weight 0.5 vouches for half of
it), times the share of the weight the winning side holds when the other side speaks too. Mixed
answers get half of the stronger side's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checks.match import is_related_reading
from checks.models import Match, SourceVoice, Stance, Verdict

__all__ = ["Tally", "VerdictSettings", "decide"]


@dataclass(frozen=True, slots=True)
class VerdictSettings:
    """How voices are weighed (one server's numbers may differ)."""

    dominance: float = 2.0  # one side must outweigh the other this many times to win outright
    factcheck_boost: float = 2.0  # a published fact-check counts this many times its source weight


@dataclass(frozen=True, slots=True)
class Tally:
    """The verdict, who agreed and who conflicted, and how sure the answer is."""

    verdict: Verdict
    agreeing: tuple[str, ...]
    conflicting: tuple[str, ...]
    confidence: float
    voices: tuple[SourceVoice, ...] = ()


def _sure(m: Match) -> float:
    """How sure the match's stance is: its calibrated confidence, else its relevance."""
    p = m.confidence if m.confidence is not None else m.score
    return min(1.0, max(0.0, p))


def _combined(voices: Sequence[tuple[float, float]]) -> float:
    """P(at least one of independent voices is right): (weight, confidence) pairs."""
    miss = 1.0
    for weight, p in voices:
        miss *= 1.0 - min(1.0, weight) * p
    return 1.0 - miss


def decide(matches: Sequence[Match], settings: VerdictSettings | None = None) -> Tally:
    """One verdict from the judged matches of every source."""
    s = settings or VerdictSettings()
    voice: dict[str, tuple[Stance, float, float, float]] = {}  # stance, vote, weight, sure
    voices: list[SourceVoice] = []
    # fact-checks speak first; then the most confident match of each source
    ordered = sorted(
        (m for m in matches if m.stance is not Stance.RELATED and not is_related_reading(m.score)),
        key=lambda m: (m.citation.review is None, -_sure(m), -m.score),
    )
    for m in ordered:
        if m.citation.source in voice or m.citation.weight <= 0:
            continue  # a weight of 0 means the source is heard but never counted
        boost = s.factcheck_boost if m.citation.review else 1.0
        sure = _sure(m)
        voice[m.citation.source] = (
            m.stance,
            m.citation.weight * sure * boost,
            m.citation.weight,
            sure,
        )
        says = next((n.source_says for n in m.notes if n.conflict and n.source_says), None)
        review = m.citation.review
        voices.append(
            SourceVoice(
                name=m.citation.source,
                stance=m.stance,
                weight=m.citation.weight,
                says=says if m.stance is Stance.CONFLICTS else None,
                rating=review.rating if review else None,
                reviewer=review.reviewer if review else None,
            )
        )
    voices.sort(key=lambda v: -voice[v.name][1])  # the weightiest voice first
    agree = {src: v for src, (st, v, _, _) in voice.items() if st is Stance.AGREES}
    conflict = {src: v for src, (st, v, _, _) in voice.items() if st is Stance.CONFLICTS}
    a, c = sum(agree.values()), sum(conflict.values())
    agreeing = tuple(sorted(agree, key=lambda k: -agree[k]))
    conflicting = tuple(sorted(conflict, key=lambda k: -conflict[k]))
    if a <= 0 and c <= 0:
        return Tally(Verdict.UNVERIFIED, agreeing, conflicting, 0.0, tuple(voices))
    if c <= 0:
        verdict = Verdict.SUPPORTED
    elif a <= 0:
        verdict = Verdict.DISPUTED
    elif a >= s.dominance * c:
        verdict = Verdict.SUPPORTED
    elif c >= s.dominance * a:
        verdict = Verdict.DISPUTED
    else:
        verdict = Verdict.MIXED
    side_a = _combined([(w, p) for st, _, w, p in voice.values() if st is Stance.AGREES])
    side_c = _combined([(w, p) for st, _, w, p in voice.values() if st is Stance.CONFLICTS])
    if verdict is Verdict.SUPPORTED:
        confidence = side_a * a / (a + c)
    elif verdict is Verdict.DISPUTED:
        confidence = side_c * c / (a + c)
    else:
        confidence = 0.5 * max(side_a, side_c)
    return Tally(verdict, agreeing, conflicting, round(confidence, 3), tuple(voices))
