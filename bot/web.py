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
from typing import Annotated, Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from bot.reading import answer_json
from checks.claims import MAX_CLAIM_CHARS, is_link
from checks.engine import Engine
from checks.errors import BlockedURLError, CheckError, FetchError, InputError, StoreError
from checks.events import CheckEvent, FetchEvent, IngestEvent
from checks.models import FoundClaim, ReviewState, Verdict
from checks.sources.config import FactCheckApiSource

__all__ = [
    "MAX_BODY",
    "ROUTES",
    "Answer",
    "CheckRequest",
    "ClaimQuery",
    "ClaimsFound",
    "DiscordStatus",
    "Error",
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
            counts = self.engine.queue_depth()
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
    # what /v1 answers while the API is off (a worker serves none even with a token set)
    api_off: str = "the API is disabled: set CROSSCHECK_API_TOKEN to enable it"
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
        claims = await asyncio.wait_for(asyncio.to_thread(state.engine.claim_count), STORE_TIMEOUT)
        # claims still without a vector: found by their words only until the backlog is worked
        # off (informative; a backlog does not make the process unready)
        backlog = await asyncio.wait_for(
            asyncio.to_thread(state.engine.vector_backlog), STORE_TIMEOUT
        )
    except (CheckError, TimeoutError, OSError) as exc:
        return {"healthy": False, "error": str(exc) or type(exc).__name__}
    return {
        "healthy": True,
        "claims": claims,
        "awaiting_vectors": backlog,
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
        stats = await state.engine.review_stats(None)
    except CheckError as exc:
        return {"healthy": False, "error": str(exc)}
    counts = stats.counts
    oldest = stats.oldest_pending
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else None
    healthy = age is None or age <= BACKLOG_MAX_AGE.total_seconds()
    entry: dict[str, Any] = {
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
    """API auth, shutdown refusal and in-flight counting for /v1/*; JSON errors everywhere,
    engine errors (CheckError) included."""
    try:
        if not request.path.startswith("/v1/"):
            return await handler(request)
        return await _api(request, handler)
    except web.HTTPException as exc:  # wrong method or path, anywhere: still a JSON error
        if exc.status < 400:
            raise
        response = _error(exc.status, exc.reason)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except (ConnectionError, asyncio.CancelledError):
        raise  # the client left: the server's log says so in one line (_ServerLog)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return _error(500, "internal error")


def _bearer_matches(given: str, token: str) -> bool:
    """Whether an ``Authorization`` value carries ``token``, in constant time. A header that is
    not valid UTF-8 (decoded with surrogates) is compared as the bytes it was."""
    if given[:7].lower() == "bearer ":  # the scheme is case-insensitive (RFC 7235)
        given = "Bearer " + given[7:]
    sent = given.encode("utf-8", "surrogateescape")
    return hmac.compare_digest(sent, f"Bearer {token}".encode())


async def _api(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    state = request.app[STATE]
    if not state.api_token:
        return _error(404, state.api_off)
    try:
        allowed = _bearer_matches(request.headers.get("Authorization", ""), state.api_token)
    except UnicodeError:  # not even bytes (a lone surrogate that no byte decodes to)
        allowed = False
    if not allowed:
        response = _json({"error": "missing or wrong bearer token"}, status=401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="crosscheck"'
        return response
    if not state.accepting:
        return _error(503, "shutting down")
    state.in_flight += 1
    state.idle.clear()
    try:
        return await handler(request)
    except CheckError as exc:  # the one place an engine error becomes an HTTP answer
        return _map_error(exc)
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"request body larger than {MAX_BODY:,} bytes")
    finally:
        state.in_flight -= 1
        if state.in_flight == 0:
            state.idle.set()


def _map_error(exc: CheckError) -> web.Response:
    """An engine error as an HTTP status and one line."""
    if isinstance(exc, BlockedURLError):
        return _error(400, exc.message)
    if isinstance(exc, FetchError):
        return _error(502, exc.message)
    if isinstance(exc, InputError):
        return _error(400, exc.message)
    if isinstance(exc, StoreError):
        return _error(503, "the store is unavailable")
    return _error(500, exc.message)


# ------------------------------------------------------------------------------- request models


class CheckRequest(BaseModel):
    """A claim or a link to check, in a Discord server's settings when ``guild_id`` is given.
    Exactly one of ``claim`` or ``url``; any other field is refused."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"oneOf": [{"required": ["claim"]}, {"required": ["url"]}]},
    )

    claim: Annotated[str, Field(max_length=MAX_CLAIM_CHARS)] | SkipJsonSchema[None] = Field(
        None, description="a claim, in a sentence or two"
    )
    url: str | SkipJsonSchema[None] = Field(
        None, description="an http(s) link to an article", json_schema_extra={"format": "uri"}
    )
    guild_id: int | SkipJsonSchema[None] = Field(
        None, description="answer with this Discord server's settings and moderator verdicts"
    )

    @field_validator("url")
    @classmethod
    def _web_link(cls, url: str | None) -> str | None:
        if url is not None and not is_link(url):
            raise PydanticCustomError("not_a_link", '"url" must be an http(s) link')
        return url.strip() if url is not None else None

    @model_validator(mode="after")
    def _exactly_one(self) -> CheckRequest:
        if (self.claim is None) == (self.url is None):
            raise PydanticCustomError("exactly_one", 'give exactly one of "claim" or "url"')
        return self


class ClaimQuery(BaseModel):
    """The query string of a claim search."""

    q: str = Field(description="words to search the stored claims for")
    limit: int = Field(10, ge=1, le=50, description="at most this many claims")


class Answer(BaseModel):
    """A claim's answer (README: JSON answer), or a link's: its url, title, verdict,
    known_source and summary, with one claim answer per checked claim in ``claims``."""

    verdict: Verdict
    claim: str | SkipJsonSchema[None] = None
    url: str | SkipJsonSchema[None] = None
    summary: str | SkipJsonSchema[None] = None
    matches: list[dict[str, Any]] | SkipJsonSchema[None] = None
    claims: list[dict[str, Any]] | SkipJsonSchema[None] = None


class ClaimsFound(BaseModel):
    """Stored claims matching a search, best first."""

    query: str
    claims: list[FoundClaim]


class Error(BaseModel):
    """Every error of the API: one line saying what went wrong."""

    error: str


_SHAPE = 'send a JSON object: {"claim": "..."} or {"url": "..."}'


def _problem(exc: ValidationError) -> str:
    """One line saying what is wrong with a request (its first problem)."""
    errors = exc.errors(include_url=False)
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return f"unknown field(s): {', '.join(unknown)}"
    first = errors[0]
    kind, ctx = first["type"], first.get("ctx") or {}
    name = f'"{first["loc"][0]}"' if first["loc"] else "the request"
    if kind == "model_type":
        return _SHAPE
    if kind == "missing":
        return f"{name} is required"
    if kind == "string_type":
        return f"{name} must be a string"
    if kind.startswith("int_"):
        return f"{name} must be an integer"
    if kind == "string_too_long":
        return f"{name} is too long (at most {ctx['max_length']:,} characters)"
    if kind == "greater_than_equal":
        return f"{name} must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"{name} must be at most {ctx['le']}"
    return str(first["msg"])  # our own errors (PydanticCustomError) say it all


# ------------------------------------------------------------------------------- handlers


async def api_check(request: web.Request) -> web.Response:
    """Check a claim or a link: the same answer as ``crosscheck check --json``."""
    state = request.app[STATE]
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _error(413, f"request body larger than {MAX_BODY:,} bytes")
    raw = await request.read()
    try:
        body = json.loads(raw or b"null")
    except RecursionError:
        return _error(400, "the JSON is nested too deeply")
    except ValueError:
        return _error(400, "the body is not valid JSON")
    try:
        ask = CheckRequest.model_validate(body)
    except ValidationError as exc:
        return _error(400, _problem(exc))
    if ask.url is not None:
        link = await state.engine.acheck_url(ask.url, guild_id=ask.guild_id, surface="api")
        return _json(answer_json(link))
    assert ask.claim is not None
    result = await state.engine.acheck_text(ask.claim, guild_id=ask.guild_id, surface="api")
    return _json(answer_json(result))


async def api_claims(request: web.Request) -> web.Response:
    """Search stored claims."""
    state = request.app[STATE]
    try:
        query = ClaimQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        return _error(400, _problem(exc))
    found = await state.engine.search_claims(query.q, limit=query.limit)
    return _json({"query": query.q, "claims": [c.model_dump(mode="json") for c in found]})


async def openapi(request: web.Request) -> web.Response:
    """This API's OpenAPI document."""
    return _json(openapi_document())


# ------------------------------------------------------------------------------- routes and OpenAPI

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ERRORS = {
    400: "malformed request or uncheckable claim",
    401: "missing or wrong bearer token",
    413: "request body too large",
    502: "the linked page could not be fetched",
}


@dataclass(frozen=True)
class _Route:
    """One served path, and what the OpenAPI document says of it."""

    method: str
    path: str
    handler: Handler
    summary: str
    ok: str  # what a 200 is
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    answer: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    public: bool = False  # served without the bearer token
    other: tuple[tuple[int, str], ...] = ()  # further responses without a body


ROUTES = (
    _Route("GET", "/healthz", healthz, "Liveness", "alive", public=True),
    _Route(
        "GET",
        "/readyz",
        readyz,
        "Readiness per dependency",
        "ready",
        public=True,
        other=((503, "a dependency is failing"),),
    ),
    _Route("GET", "/metrics", metrics, "Prometheus metrics", "text exposition format", public=True),
    _Route("GET", "/openapi.json", openapi, "This document", "the OpenAPI document", public=True),
    _Route(
        "POST",
        "/v1/check",
        api_check,
        "Check a claim or a link",
        "the answer",
        body=CheckRequest,
        answer=Answer,
        errors=(400, 401, 413, 502),
    ),
    _Route(
        "GET",
        "/v1/claims",
        api_claims,
        "Search stored claims",
        "matching stored claims",
        query=ClaimQuery,
        answer=ClaimsFound,
        errors=(400, 401),
    ),
)

_REF = "#/components/schemas/{model}"


def _schemas(models: list[type[BaseModel]]) -> dict[str, Any]:
    """Each model's JSON schema, and the schemas they refer to, keyed by name."""
    found: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=_REF)
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    for schema in found.values():  # an absent optional field is not a null default
        for prop in schema.get("properties", {}).values():
            if "default" in prop and prop["default"] is None:
                del prop["default"]
    return found


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}}


def _operation(route: _Route, schemas: dict[str, Any]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": route.ok}
    if route.answer is not None:
        ok["content"] = _json_content(route.answer)
    responses: dict[str, Any] = {"200": ok}
    for code in route.errors:
        responses[str(code)] = {"description": ERRORS[code], "content": _json_content(Error)}
    for code, text in route.other:
        responses[str(code)] = {"description": text}
    op: dict[str, Any] = {"summary": route.summary, "responses": responses}
    if route.public:
        op["security"] = []
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": _json_content(route.body)}
    if route.query is not None:
        query = schemas[route.query.__name__]
        op["parameters"] = [
            {
                "name": name,
                "in": "query",
                "required": name in query.get("required", []),
                "schema": prop,
            }
            for name, prop in query["properties"].items()
        ]
    return op


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document, generated from ROUTES and the request and answer models."""
    models = [Error] + [m for r in ROUTES for m in (r.body, r.query, r.answer) if m is not None]
    schemas = _schemas(models)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, schemas)
    for route in ROUTES:  # query models become parameters, not schemas
        if route.query is not None:
            schemas.pop(route.query.__name__, None)
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
            "schemas": schemas,
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


def create_app(state: WebState) -> web.Application:
    """The web application: every route of ROUTES, behind the API guard."""
    app = web.Application(middlewares=[_guard], client_max_size=MAX_BODY)
    app[STATE] = state
    for route in ROUTES:
        if route.method == "GET":  # GET routes answer HEAD too
            app.router.add_get(route.path, route.handler)
        else:
            app.router.add_route(route.method, route.path, route.handler)
    return app


def _client_problem(exc: BaseException) -> str | None:
    """What a client did wrong, in a few words that quote nothing it sent; None when ``exc`` is
    not the client's doing."""
    from aiohttp.http_exceptions import HttpProcessingError

    if isinstance(exc, HttpProcessingError):
        # the message's first line names the problem; the lines after it quote the request
        what = str(exc.message).strip().splitlines()[0].rstrip(":") if exc.message else ""
        return f"malformed HTTP request ({what or type(exc).__name__})"
    if isinstance(exc, ConnectionError):
        return "the client disconnected before the request was answered"
    return None


class _ServerLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The HTTP server's own log (aiohttp's, for what happens before and around a handler): a
    request the client broke — malformed HTTP, a connection dropped mid-body — is one INFO line
    naming the problem and the peer, never a traceback quoting the request (which may hold a
    bearer token). Anything else is logged as aiohttp logs it."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info")
        problem = _client_problem(exc) if isinstance(exc, BaseException) else None
        if problem is None:
            super().log(level, msg, *args, **kwargs)
            return
        peer = args[0] if args and "%s" in str(msg) else "?"
        self.logger.log(min(level, logging.INFO), "refused a request from %s: %s", peer, problem)


_SERVER_LOG = _ServerLog(logging.getLogger("bot.web.server"), {})


async def start_web(
    state: WebState, *, host: str, port: int, shutdown_timeout: float = 10.0
) -> web.AppRunner:
    """Serve the app; returns the runner (``await runner.cleanup()`` to stop, which waits at
    most ``shutdown_timeout`` for open requests)."""
    runner = web.AppRunner(
        create_app(state),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=shutdown_timeout,
        logger=_SERVER_LOG,
    )
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    log.warning("web surface on http://%s:%s (healthz, readyz, metrics)", host, bound)
    return runner
