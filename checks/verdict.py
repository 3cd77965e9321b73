"""Weigh the stances of several sources into one verdict.

Each source speaks once, through its most relevant agreeing or conflicting match; its voice
counts ``weight × relevance``. Only agreement → Supported; only conflict → Disputed; both → the
side that outweighs the other by ``dominance`` wins, otherwise Mixed. No agreeing or conflicting
match at all → Unverified: related claims are shown but never turned into a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checks.models import Match, Stance, Verdict

__all__ = ["Tally", "VerdictSettings", "decide"]


@dataclass(frozen=True, slots=True)
class VerdictSettings:
    dominance: float = 2.0  # one side must outweigh the other this many times to win outright


@dataclass(frozen=True, slots=True)
class Tally:
    verdict: Verdict
    agreeing: tuple[str, ...]
    conflicting: tuple[str, ...]
    confidence: float


def decide(matches: Sequence[Match], settings: VerdictSettings | None = None) -> Tally:
    s = settings or VerdictSettings()
    voice: dict[str, tuple[Stance, float]] = {}
    for m in sorted(matches, key=lambda m: m.score, reverse=True):
        if m.stance is Stance.RELATED or m.citation.source in voice:
            continue
        voice[m.citation.source] = (m.stance, m.citation.weight * m.score)
    agree = {src: w for src, (st, w) in voice.items() if st is Stance.AGREES}
    conflict = {src: w for src, (st, w) in voice.items() if st is Stance.CONFLICTS}
    a, c = sum(agree.values()), sum(conflict.values())
    agreeing = tuple(sorted(agree, key=lambda k: -agree[k]))
    conflicting = tuple(sorted(conflict, key=lambda k: -conflict[k]))
    if a <= 0 and c <= 0:
        return Tally(Verdict.UNVERIFIED, agreeing, conflicting, 0.0)
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
    return Tally(verdict, agreeing, conflicting, round(confidence, 3))
