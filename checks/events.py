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
    check_id: str
    surface: str  # cli, slash, menu, watch, api
    verdict: str
    seconds: float
    matches: int
    kind: str = "claim"  # or "link"


@dataclass(frozen=True, slots=True)
class IngestEvent:
    source: str
    added: int
    claims: int
    errors: int
    seconds: float


@dataclass(frozen=True, slots=True)
class FetchEvent:
    host: str
    seconds: float
    status: int | None  # None when no response arrived
    ok: bool


class Subscriber(Protocol):
    def on_check(self, event: CheckEvent) -> None: ...
    def on_ingest(self, event: IngestEvent) -> None: ...
    def on_fetch(self, event: FetchEvent) -> None: ...


@dataclass
class Events:
    subscribers: list[Subscriber] = field(default_factory=list)

    def subscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.append(subscriber)

    def _emit(self, name: str, event: object) -> None:
        for s in self.subscribers:
            try:
                getattr(s, name)(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", s, name)

    def check(self, event: CheckEvent) -> None:
        self._emit("on_check", event)

    def ingest(self, event: IngestEvent) -> None:
        self._emit("on_ingest", event)

    def fetch(self, event: FetchEvent) -> None:
        self._emit("on_fetch", event)
