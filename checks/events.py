"""What the engine reports as it works, for metrics and logs kept by the adapters.

The engine calls these hooks; an adapter (the web surface's Prometheus metrics, say) subscribes.
A failing subscriber is logged and never breaks a check or an ingest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["CheckEvent", "Events", "FetchEvent", "IngestEvent", "Subscriber"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckEvent:
    """One finished check, for metrics."""

    check_id: str
    surface: str  # cli, slash, menu, watch, api
    verdict: str
    seconds: float
    matches: int
    kind: str = "claim"  # or "link"


@dataclass(frozen=True, slots=True)
class IngestEvent:
    """One source ingested, for metrics."""

    source: str
    added: int
    claims: int
    errors: int
    seconds: float


@dataclass(frozen=True, slots=True)
class FetchEvent:
    """One HTTP fetch, for metrics."""

    host: str
    seconds: float
    status: int | None  # None when no response arrived
    ok: bool


class Subscriber(Protocol):
    """Something that listens to events (the metrics of bot/web.py)."""

    def on_check(self, event: CheckEvent) -> None:
        """A check finished."""

    def on_ingest(self, event: IngestEvent) -> None:
        """A source was ingested."""

    def on_fetch(self, event: FetchEvent) -> None:
        """A fetch finished."""


@dataclass
class Events:
    """Where the engine reports what it did; a failing subscriber is logged, never raised."""

    subscribers: list[Subscriber] = field(default_factory=list)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Send the events to ``subscriber`` too."""
        self.subscribers.append(subscriber)

    def _emit(self, name: str, event: object) -> None:
        for s in self.subscribers:
            try:
                getattr(s, name)(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", s, name)

    def check(self, event: CheckEvent) -> None:
        """Report a finished check."""
        self._emit("on_check", event)

    def ingest(self, event: IngestEvent) -> None:
        """Report an ingested source."""
        self._emit("on_ingest", event)

    def fetch(self, event: FetchEvent) -> None:
        """Report a finished fetch."""
        self._emit("on_fetch", event)
