"""Related reading, as every surface shows it.

An answer's matches come in two tiers. *Judged* matches reached the matcher's relevance floor and
were compared with the claim (they agree, conflict, or are related). *Related reading* is below
that floor: sentences about the same subject that do not restate the claim (a study's finding
for a claim about its question). They are never judged and never move the verdict; the answer
shows them last, under :data:`READING_LABEL`, so that nobody reads them as agreement or conflict.

This module is free of Discord so the CLI and the web API use it without loading discord.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from checks.models import CheckResult, LinkCheckResult, Match

__all__ = ["READING_LABEL", "READING_TAG", "answer_json", "is_reading", "split_reading"]

READING_LABEL = "Related reading — about the same subject, not judged"
READING_TAG = "reading"  # the one-word tag beside a related-reading match


def is_reading(m: Match) -> bool:
    """Whether ``m`` is related reading (found below the judging floor, never judged)."""
    return m.reading


def split_reading(matches: Sequence[Match]) -> tuple[list[Match], list[Match]]:
    """(judged matches, related reading), each in the answer's order."""
    judged = [m for m in matches if not is_reading(m)]
    reading = [m for m in matches if is_reading(m)]
    return judged, reading


def answer_json(result: CheckResult | LinkCheckResult) -> dict[str, Any]:
    """``result.to_json()``: every match says ``"related_reading": true`` when it is related
    reading (shown to read, never judged), ``false`` when it was judged."""
    return result.to_json()
