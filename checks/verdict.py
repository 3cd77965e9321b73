"""Weigh the stances of several sources into one verdict.

Each source speaks once, through its most relevant agreeing or conflicting match; its voice
counts ``weight × relevance``. Only agreement → Supported; only conflict → Disputed; both → the
side that outweighs the other by ``dominance`` wins, otherwise Mixed. No agreeing or conflicting
match at all → Unverified: related claims are shown but never turned into a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checks.models import Match, SourceVoice, Stance, Verdict

__all__ = ["Tally", "VerdictSettings", "decide"]


@dataclass(frozen=True, slots=True)
class VerdictSettings:
    """How voices are weighed."""

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


def decide(matches: Sequence[Match], settings: VerdictSettings | None = None) -> Tally:
    """One verdict from the judged matches of every source."""
    s = settings or VerdictSettings()
    voice: dict[str, tuple[Stance, float]] = {}
    voices: list[SourceVoice] = []
    # fact-checks speak first; then the most relevant match of each source
    ordered = sorted(matches, key=lambda m: (m.citation.review is None, -m.score))
    for m in ordered:
        if m.stance is Stance.RELATED or m.citation.source in voice or m.citation.weight <= 0:
            continue  # a weight of 0 means the source is heard but never counted
        boost = s.factcheck_boost if m.citation.review else 1.0
        voice[m.citation.source] = (m.stance, m.citation.weight * m.score * boost)
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
    agree = {src: w for src, (st, w) in voice.items() if st is Stance.AGREES}
    conflict = {src: w for src, (st, w) in voice.items() if st is Stance.CONFLICTS}
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
    # confidence: how one-sided the evidence is, times how strong the best voice is
    best = max(w for _, w in voice.values())
    margin = abs(a - c) / (a + c) if verdict is not Verdict.MIXED else 0.0
    strength = min(1.0, best)
    confidence = strength * (margin if verdict is not Verdict.MIXED else 0.5)
    return Tally(verdict, agreeing, conflicting, round(confidence, 3), tuple(voices))
