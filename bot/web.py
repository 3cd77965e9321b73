"""The operator surface: /healthz, /readyz, /metrics, and the JSON API (/v1/check, /v1/claims).

It runs in the bot's own event loop (or alone under ``crosscheck serve``). Readiness asks each
dependency for real: the store answers a query, the Discord gateway is connected, every source
was ingested recently enough, the review backlog is not rotting.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from checks.engine import Engine, is_link
from checks.errors import BlockedURLError, CheckError, FetchError, InputError, StoreError
from checks.events import CheckEvent, FetchEvent, IngestEvent
from checks.models import ReviewState
from checks.sources.config import FactCheckApiSource

__all__ = [
    "MAX_BODY",
    "DiscordStatus",
    "Metrics",
    "WebState",
    "create_app",
    "start_web",
]

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a JSON request larger than this is refused with 413
STORE_TIMEOUT = 5.0  # seconds the readiness store query may take
BACKLOG_MAX_AGE = timedelta(days=7)  # an open review item older than this fails readiness


class Metrics:
    """Prometheus metrics of one process (its own registry, so tests can make many)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.checks = Counter(
            "crosscheck_checks_total", "Checks answered", ["verdict", "surface"], registry=r
        )
        self.check_seconds = Histogram(
            "crosscheck_check_seconds",
            "Time to answer a check",
            ["surface"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.matches = Histogram(
            "crosscheck_matches_per_check",
            "Matches found per check",
            buckets=(0, 1, 2, 3, 5, 10, 20),
            registry=r,
        )
        self.ingest_articles = Counter(
            "crosscheck_ingest_articles_total", "Articles stored", ["source"], registry=r
        )
        self.ingest_errors = Counter(
            "crosscheck_ingest_errors_total", "Ingest problems", ["source"], registry=r
        )
        self.fetch_seconds = Histogram(
            "crosscheck_fetch_seconds",
            "HTTP fetch latency",
            ["outcome"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.rate_limited = Counter(
            "crosscheck_rate_limited_total", "Checks refused by rate limits", ["scope"], registry=r
        )
        self.gateway_latency = Gauge(
            "crosscheck_discord_gateway_latency_seconds",
            "Discord gateway heartbeat latency",
            registry=r,
        )

    # checks.events subscriber
    def on_check(self, event: CheckEvent) -> None:
        self.checks.labels(event.verdict, event.surface).inc()
        self.check_seconds.labels(event.surface).observe(event.seconds)
        self.matches.observe(event.matches)

    def on_ingest(self, event: IngestEvent) -> None:
        self.ingest_articles.labels(event.source).inc(event.added)
        if event.errors:
            self.ingest_errors.labels(event.source).inc(event.errors)

    def on_fetch(self, event: FetchEvent) -> None:
        self.fetch_seconds.labels("ok" if event.ok else "error").observe(event.seconds)


class _QueueCollector:
    """Review queue depth by state, read from the store at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Any:
        family = GaugeMetricFamily(
            "crosscheck_review_queue_depth", "Review items by state", labels=["state"]
        )
        try:
            counts = self.engine.store.review_stats(None)["counts"]
        except CheckError:
            counts = {}
        for state in ReviewState:
            family.add_metric([state.value], counts.get(state.value, 0))
        yield family


@dataclass
class DiscordStatus:
    """What readiness knows of the Discord connection (None in ``crosscheck serve``)."""

    connected: Callable[[], bool]
    latency: Callable[[], float]
    shards: Callable[[], int]


@dataclass
class WebState:
    engine: Engine
    metrics: Metrics
    api_token: str | None = None
    discord: DiscordStatus | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    in_flight: int = 0
    accepting: bool = True
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()


STATE: web.AppKey[WebState] = web.AppKey("crosscheck", WebState)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, default=str))


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


# ------------------------------------------------------------------------------- health


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process and its event loop respond."""
    return _json({"status": "ok"})


async def _store_entry(state: WebState) -> dict[str, Any]:
    started = time.monotonic()
    try:
        claims = await asyncio.wait_for(
            asyncio.to_thread(state.engine.store.claim_count), STORE_TIMEOUT
        )
    except (CheckError, TimeoutError, OSError) as exc:
        return {"healthy": False, "error": str(exc) or type(exc).__name__}
    return {
        "healthy": True,
        "claims": claims,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
    }


def _discord_entry(state: WebState) -> dict[str, Any]:
    if state.discord is None:
        return {"healthy": True, "configured": False}
    connected = state.discord.connected()
    latency = state.discord.latency()
    entry: dict[str, Any] = {
        "healthy": connected,
        "configured": True,
        "connected": connected,
        "latency_ms": round(latency * 1000, 1) if latency == latency and latency < 1e6 else None,
        "shards": state.discord.shards(),
    }
    if not connected:
        entry["error"] = "not connected to the Discord gateway"
    return entry


async def _ingestion_entry(state: WebState) -> dict[str, Any]:
    try:
        statuses = await asyncio.to_thread(state.engine.sources)
    except CheckError as exc:
        return {"healthy": False, "error": str(exc)}
    now = datetime.now(UTC)
    configs = {s.name: s for s in state.engine.config.enabled()}
    sources = {}
    healthy = True
    for s in statuses:
        cfg = configs.get(s.name)
        if cfg is None or isinstance(cfg, FactCheckApiSource):
            continue
        window = timedelta(minutes=2 * cfg.refresh_minutes)
        if s.last_success is not None:
            stale = now - s.last_success > window
        else:  # never succeeded: fine while the process is young
            stale = now - state.started > window
        sources[s.name] = {
            "healthy": not stale,
            "stale": stale,
            "last_success": s.last_success,
            "last_ingest": s.last_ingest,
            "last_error": s.last_error,
        }
        healthy = healthy and not stale
    return {"healthy": healthy, "sources": sources}


async def _backlog_entry(state: WebState) -> dict[str, Any]:
    try:
        stats = await asyncio.to_thread(state.engine.store.review_stats, None)
    except CheckError as exc:
        return {"healthy": False, "error": str(exc)}
    counts = stats["counts"]
    oldest = stats.get("oldest_pending")
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else None
    healthy = age is None or age <= BACKLOG_MAX_AGE.total_seconds()
    entry = {
        "healthy": healthy,
        "open": counts.get("open", 0),
        "in_review": counts.get("in_review", 0),
        "oldest_pending_age_s": round(age) if age is not None else None,
    }
    if not healthy:
        entry["error"] = f"an item has waited longer than {BACKLOG_MAX_AGE.days} days"
    return entry


async def readyz(request: web.Request) -> web.Response:
    """Readiness: one entry per dependency; 503 naming the failing ones."""
    state = request.app[STATE]

    async def bounded(name: str, probe: Awaitable[dict[str, Any]]) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(probe, STORE_TIMEOUT)
        except TimeoutError:
            return {"healthy": False, "error": f"{name} did not answer within {STORE_TIMEOUT:g}s"}

    store, ingestion, backlog = await asyncio.gather(
        bounded("the store", _store_entry(state)),
        bounded("the store", _ingestion_entry(state)),
        bounded("the store", _backlog_entry(state)),
    )
    checks = {
        "store": store,
        "discord": _discord_entry(state),
        "ingestion": ingestion,
        "review_backlog": backlog,
    }
    if not state.accepting:
        checks["process"] = {"healthy": False, "error": "shutting down"}
    failing = sorted(k for k, v in checks.items() if not v["healthy"])
    body = {"status": "ready" if not failing else "unready", "failing": failing, "checks": checks}
    return _json(body, status=200 if not failing else 503)


async def metrics(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if state.discord is not None:
        latency = state.discord.latency()
        if latency == latency and latency < 1e6:  # not NaN or inf before the first heartbeat
            state.metrics.gateway_latency.set(latency)
    # collecting reads the store (queue depth): off the event loop
    body = await asyncio.to_thread(generate_latest, state.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


# ------------------------------------------------------------------------------- JSON API


@web.middleware
async def _guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """API auth, shutdown refusal and in-flight counting for /v1/*; JSON errors everywhere."""
    state = request.app[STATE]
    if not request.path.startswith("/v1/"):
        return await handler(request)
    if not state.api_token:
        return _error(404, "the API is disabled: set CROSSCHECK_API_TOKEN to enable it")
    given = request.headers.get("Authorization", "")
    if given[:7].lower() == "bearer ":  # the scheme is case-insensitive (RFC 7235)
        given = "Bearer " + given[7:]
    expected = f"Bearer {state.api_token}"
    if not hmac.compare_digest(given.encode(), expected.encode()):
        response = _json({"error": "missing or wrong bearer token"}, status=401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="crosscheck"'
        return response
    if not state.accepting:
        return _error(503, "shutting down")
    state.in_flight += 1
    state.idle.clear()
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"request body larger than {MAX_BODY:,} bytes")
    except web.HTTPException as exc:  # wrong method or path: still a JSON error
        response = _error(exc.status, exc.reason)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    finally:
        state.in_flight -= 1
        if state.in_flight == 0:
            state.idle.set()


def _map_error(exc: CheckError) -> web.Response:
    if isinstance(exc, BlockedURLError):
        return _error(400, exc.message)
    if isinstance(exc, FetchError):
        return _error(502, exc.message)
    if isinstance(exc, InputError):
        return _error(400, exc.message)
    if isinstance(exc, StoreError):
        return _error(503, "the store is unavailable")
    return _error(500, exc.message)


async def api_check(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, f"request body larger than {MAX_BODY:,} bytes")
    raw = await request.read()
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return _error(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        return _error(400, 'send a JSON object: {"claim": "..."} or {"url": "..."}')
    claim, url = body.get("claim"), body.get("url")
    unknown = set(body) - {"claim", "url", "guild_id"}
    if unknown:
        return _error(400, f"unknown field(s): {', '.join(sorted(unknown))}")
    if (claim is None) == (url is None):
        return _error(400, 'give exactly one of "claim" or "url"')
    if not isinstance(claim if claim is not None else url, str):
        return _error(400, '"claim" and "url" must be strings')
    guild = body.get("guild_id")
    if guild is not None and not isinstance(guild, int):
        return _error(400, '"guild_id" must be an integer')
    try:
        if url is not None:
            if not is_link(url):
                return _error(400, '"url" must be an http(s) link')
            link = await state.engine.acheck_url(url, guild_id=guild, surface="api")
            return _json(link.to_json())
        result = await state.engine.acheck_text(str(claim), guild_id=guild, surface="api")
        return _json(result.to_json())
    except CheckError as exc:
        return _map_error(exc)


async def api_claims(request: web.Request) -> web.Response:
    state = request.app[STATE]
    query = request.query.get("q", "")
    try:
        limit = int(request.query.get("limit", "10"))
    except ValueError:
        return _error(400, '"limit" must be a whole number')
    if not 1 <= limit <= 50:
        return _error(400, '"limit" must be between 1 and 50')
    try:
        found = await state.engine.search_claims(query, limit=limit)
    except CheckError as exc:
        return _map_error(exc)
    return _json({"query": query, "claims": found})


def openapi_document() -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    errors = {
        str(code): {"description": text, "content": {"application/json": {"schema": error}}}
        for code, text in (
            (400, "malformed request or uncheckable claim"),
            (401, "missing or wrong bearer token"),
            (413, "request body too large"),
            (502, "the linked page could not be fetched"),
        )
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Crosscheck API",
            "version": "1",
            "description": "The same answers as `crosscheck check --json`. Enabled only when "
            "CROSSCHECK_API_TOKEN is set; send it as `Authorization: Bearer <token>`.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "string"}},
                    "required": ["error"],
                },
                "CheckRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "claim": {"type": "string", "maxLength": 2000},
                        "url": {"type": "string", "format": "uri"},
                        "guild_id": {"type": "integer"},
                    },
                },
                "Answer": {
                    "type": "object",
                    "description": "A claim answer (see README: JSON answer) or, for a url, "
                    "{url, title, verdict, known_source, summary, claims: [Answer]}",
                    "properties": {
                        "claim": {"type": "string"},
                        "url": {"type": "string"},
                        "verdict": {
                            "type": "string",
                            "enum": ["supported", "disputed", "mixed", "unverified"],
                        },
                        "matches": {"type": "array", "items": {"type": "object"}},
                        "claims": {"type": "array", "items": {"type": "object"}},
                    },
                    "required": ["verdict"],
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/check": {
                "post": {
                    "summary": "Check a claim or a link",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CheckRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "the answer",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Answer"}
                                }
                            },
                        },
                        **errors,
                    },
                }
            },
            "/v1/claims": {
                "get": {
                    "summary": "Search stored claims",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "matching stored claims",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "400": errors["400"],
                        "401": errors["401"],
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "security": [],
                    "responses": {"200": {"description": "alive"}},
                }
            },
            "/readyz": {
                "get": {
                    "summary": "Readiness per dependency",
                    "security": [],
                    "responses": {
                        "200": {"description": "ready"},
                        "503": {"description": "a dependency is failing"},
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "security": [],
                    "responses": {"200": {"description": "text exposition format"}},
                }
            },
        },
    }


async def openapi(request: web.Request) -> web.Response:
    return _json(openapi_document())


def create_app(state: WebState) -> web.Application:
    app = web.Application(middlewares=[_guard], client_max_size=MAX_BODY)
    app[STATE] = state
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_post("/v1/check", api_check)
    app.router.add_get("/v1/claims", api_claims)
    return app


async def start_web(
    state: WebState, *, host: str, port: int, shutdown_timeout: float = 10.0
) -> web.AppRunner:
    """Serve the app; returns the runner (``await runner.cleanup()`` to stop, which waits at
    most ``shutdown_timeout`` for open requests)."""
    runner = web.AppRunner(
        create_app(state), access_log=None, handle_signals=False, shutdown_timeout=shutdown_timeout
    )
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    log.warning("web surface on http://%s:%s (healthz, readyz, metrics)", host, bound)
    return runner
