"""What a source yields: documents to store, or the error that stopped one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from checks.models import Review

__all__ = ["Doc", "DocError", "Finalize"]


@dataclass(frozen=True, slots=True)
class Doc:
    """One article (or fact-check page) ready to be split into claims and stored."""

    url: str
    canonical_url: str
    title: str
    text: str
    published: date | None = None
    reviews: tuple[Review, ...] = ()  # ClaimReview fact-checks carried by the page


@dataclass(frozen=True, slots=True)
class DocError:
    """A document that could not be read; the source goes on with the others."""

    url: str
    error: str


@dataclass(frozen=True, slots=True)
class Finalize:
    """Yielded last by a source: run ``action`` once every document before it is stored (e.g.
    remember a feed's ETag, so that "unchanged" never hides an article not yet stored)."""

    action: Callable[[], Awaitable[None]]
