"""The operator surface over real HTTP on loopback: /healthz, /readyz, /metrics and the JSON API.

The app is wired the way ``crosscheck serve`` wires it (:class:`bot.service.Service` builds the
metrics, subscribes them to the engine's events and registers the queue collector), served by
aiohttp's ``TestServer`` on 127.0.0.1, over a real SQLite store ingested from the bundled samples.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from helpers import CliResult, invoke
from loopback import loopback_only, serve
from prometheus_client.parser import text_string_to_metric_families

import bot.web
from bot.service import Service
from bot.web import MAX_BODY, DiscordStatus, create_app, openapi_document
from checks import claims as claims_mod
from checks.engine import Engine
from checks.models import ReviewAction
from checks.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-token-7c1e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
SUPPORTED = "Britain may put 10,000 troops in Ukraine"
NOTHING = "The moon landing was staged"
SAMPLE_SOURCES = {
    "Sample Wire",
    "Example Gazette",
    "Capital Ledger",
    "Northern Monitor",
    "Daily Example",
}
# sources.yaml as shipped, plus permission to fetch the loopback pages these tests serve
FETCH = '\nfetch:\n  allow_hosts: ["127.0.0.1"]\n  retries: 0\n  timeout: 5\n'


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


def _copy_config(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "samples", dest / "samples")
    (dest / "sources.yaml").write_text((ROOT / "sources.yaml").read_text() + FETCH)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples ingested once into a store file; each test works on a copy."""
    base = tmp_path_factory.mktemp("web-template")
    _copy_config(base)
    engine = Engine.open(base / "crosscheck.db", base / "sources.yaml")
    try:
        engine.ingest()
    finally:
        engine.close()  # the last connection closing folds the WAL into the file
    return base


@pytest.fixture
def workdir(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "w"
    shutil.copytree(template, dest)
    return dest


@pytest.fixture
def engine(workdir: Path) -> Iterator[Engine]:
    e = Engine.open(workdir / "crosscheck.db", workdir / "sources.yaml")
    yield e
    e.close()


def make_service(
    engine: Engine, *, token: str | None = TOKEN, discord: DiscordStatus | None = None
) -> Service:
    service = Service(engine, host="127.0.0.1", port=0, api_token=token, ingest_every=0)
    service.state.discord = discord
    return service


@asynccontextmanager
async def client_for(service: Service) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(service.state), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
def service(engine: Engine) -> Service:
    return make_service(engine)


@pytest.fixture
async def client(service: Service) -> AsyncIterator[TestClient[Any, Any]]:
    async with client_for(service) as c:
        yield c


async def ready(client: TestClient[Any, Any]) -> tuple[int, dict[str, Any]]:
    r = await client.get("/readyz")
    assert r.content_type == "application/json"
    return r.status, await r.json()


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: TestClient[Any, Any]) -> Samples:
    r = await client.get("/metrics")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=")
    out: Samples = {}
    for family in text_string_to_metric_families(await r.text()):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# ------------------------------------------------------------------------------ liveness


async def test_healthz_answers_200(client: TestClient[Any, Any]) -> None:
    r = await client.get("/healthz")
    assert r.status == 200
    assert await r.json() == {"status": "ok"}


# ------------------------------------------------------------------------------ readiness


async def test_readyz_is_200_with_one_entry_per_dependency(
    client: TestClient[Any, Any], engine: Engine
) -> None:
    status, body = await ready(client)
    assert status == 200, body
    assert body["status"] == "ready" and body["failing"] == []
    checks = body["checks"]
    assert set(checks) == {"store", "discord", "ingestion", "review_backlog"}
    assert all(entry["healthy"] for entry in checks.values())
    assert checks["store"]["claims"] == engine.store.claim_count() > 0
    assert checks["store"]["latency_ms"] >= 0
    assert checks["discord"] == {"healthy": True, "configured": False}
    sources = checks["ingestion"]["sources"]
    assert set(sources) == SAMPLE_SOURCES
    for entry in sources.values():
        assert entry["stale"] is False and entry["last_error"] is None
        assert datetime.fromisoformat(entry["last_success"]) > datetime.now(UTC) - timedelta(
            hours=1
        )
    assert checks["review_backlog"] == {
        "healthy": True,
        "open": 0,
        "in_review": 0,
        "oldest_pending_age_s": None,
    }


def _fold_wal(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _invalidate_page_caches(db: Path) -> None:
    """Clear the WAL-index header so every open connection reads the file again rather than
    trusting its page cache (as after another process rewrote the file)."""
    with db.with_name(db.name + "-shm").open("r+b") as f:
        f.write(b"\0" * 136)


def _damage(db: Path) -> bytes:
    """Overwrite the store's header under the running process; returns what to put back."""
    _fold_wal(db)
    with db.open("r+b") as f:
        header = f.read(100)
        f.seek(0)
        f.write(b"\xde\xad" * 50)
    _invalidate_page_caches(db)
    return header


def _repair(db: Path, header: bytes) -> None:
    with db.open("r+b") as f:
        f.write(header)
    _invalidate_page_caches(db)


async def test_a_damaged_store_file_fails_readiness_and_recovers(
    client: TestClient[Any, Any], engine: Engine, workdir: Path
) -> None:
    db = workdir / "crosscheck.db"
    assert (await ready(client))[0] == 200

    header = _damage(db)
    status, body = await ready(client)
    assert status == 503
    assert body["status"] == "unready"
    assert "store" in body["failing"]
    store = body["checks"]["store"]
    assert store["healthy"] is False and "corrupt" in store["error"]
    # the rest of the surface keeps answering while the store is down
    assert (await client.get("/healthz")).status == 200
    depth = await scrape(client)
    assert value(depth, "crosscheck_review_queue_depth", state="open") == 0
    r = await client.post("/v1/check", json={"claim": SUPPORTED}, headers=AUTH)
    assert r.status == 503
    assert await r.json() == {"error": "the store is unavailable"}

    _repair(db, header)
    status, body = await ready(client)
    assert status == 200, body
    assert body["checks"]["store"]["claims"] > 0


async def test_a_lost_store_connection_fails_readiness_until_the_store_is_reopened(
    client: TestClient[Any, Any], engine: Engine, workdir: Path
) -> None:
    engine.store.close()
    status, body = await ready(client)
    assert status == 503
    assert "store" in body["failing"]
    assert "closed" in body["checks"]["store"]["error"]

    engine.store = SQLiteStore(workdir / "crosscheck.db")
    status, body = await ready(client)
    assert status == 200, body


async def test_a_stale_source_fails_readiness_until_it_succeeds_again(
    client: TestClient[Any, Any], engine: Engine
) -> None:
    old = datetime.now(UTC) - timedelta(hours=3)  # refresh_minutes 60: stale after 2 hours
    engine.store.record_ingest("Capital Ledger", error=None, at=old)
    status, body = await ready(client)
    assert status == 503
    assert body["failing"] == ["ingestion"]
    sources = body["checks"]["ingestion"]["sources"]
    assert sources["Capital Ledger"]["stale"] is True
    assert sources["Capital Ledger"]["healthy"] is False
    assert datetime.fromisoformat(sources["Capital Ledger"]["last_success"]) == old.replace(
        microsecond=0
    )
    assert [name for name, s in sources.items() if s["stale"]] == ["Capital Ledger"]

    # a failed attempt is not a success: still stale, and the error is shown
    engine.store.record_ingest("Capital Ledger", error="HTTP 500", at=datetime.now(UTC))
    status, body = await ready(client)
    assert status == 503
    assert body["checks"]["ingestion"]["sources"]["Capital Ledger"]["last_error"] == "HTTP 500"

    await engine.aingest()  # a successful run
    status, body = await ready(client)
    assert status == 200, body
    assert body["checks"]["ingestion"]["sources"]["Capital Ledger"]["last_error"] is None


async def test_a_source_never_ingested_is_stale_only_once_the_process_is_old(
    workdir: Path,
) -> None:
    extra = "\n  - name: Late Wire\n    kind: files\n    path: samples/sample-wire\n"
    text = (workdir / "sources.yaml").read_text().replace("\nsources:\n", "\nsources:" + extra)
    (workdir / "sources.yaml").write_text(text)
    engine = Engine.open(workdir / "crosscheck.db", workdir / "sources.yaml")
    try:
        service = make_service(engine)
        async with client_for(service) as client:
            status, body = await ready(client)
            assert status == 200, body  # a young process has not had the chance yet
            late = body["checks"]["ingestion"]["sources"]["Late Wire"]
            assert late["last_success"] is None and late["stale"] is False

            service.state.started = datetime.now(UTC) - timedelta(hours=3)
            status, body = await ready(client)
            assert status == 503
            assert body["checks"]["ingestion"]["sources"]["Late Wire"]["stale"] is True

            await engine.aingest()
            assert (await ready(client))[0] == 200
    finally:
        engine.close()


async def test_a_disconnected_gateway_fails_readiness_and_reconnecting_recovers(
    engine: Engine,
) -> None:
    link: dict[str, Any] = {"up": True, "latency": 0.042}
    status_of = DiscordStatus(
        connected=lambda: link["up"], latency=lambda: link["latency"], shards=lambda: 2
    )
    async with client_for(make_service(engine, discord=status_of)) as client:
        status, body = await ready(client)
        assert status == 200, body
        assert body["checks"]["discord"] == {
            "healthy": True,
            "configured": True,
            "connected": True,
            "latency_ms": 42.0,
            "shards": 2,
        }

        link.update(up=False, latency=float("inf"))  # discord.py's latency while disconnected
        status, body = await ready(client)
        assert status == 503
        assert body["failing"] == ["discord"]
        entry = body["checks"]["discord"]
        assert entry["connected"] is False and entry["healthy"] is False
        assert entry["latency_ms"] is None and entry["shards"] == 2
        assert "gateway" in entry["error"]

        link.update(up=True, latency=float("nan"))  # reconnected, no heartbeat yet
        status, body = await ready(client)
        assert status == 200, body
        assert body["checks"]["discord"]["latency_ms"] is None


async def test_a_review_item_waiting_over_a_week_fails_readiness(
    client: TestClient[Any, Any], engine: Engine, workdir: Path
) -> None:
    result = await engine.acheck_text(DISPUTED, surface="api")
    item, new = await engine.enqueue_review(result, guild_id=42, triggers=["disputed"])
    assert new
    status, body = await ready(client)
    assert status == 200, body
    backlog = body["checks"]["review_backlog"]
    assert backlog["open"] == 1 and 0 <= backlog["oldest_pending_age_s"] < 120

    eight_days_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat(timespec="seconds")
    con = sqlite3.connect(workdir / "crosscheck.db")
    try:
        with con:
            con.execute("UPDATE review_items SET created_at = ?", (eight_days_ago,))
    finally:
        con.close()
    status, body = await ready(client)
    assert status == 503
    assert body["failing"] == ["review_backlog"]
    backlog = body["checks"]["review_backlog"]
    assert backlog["oldest_pending_age_s"] >= 8 * 86400 - 60
    assert "7 days" in backlog["error"]

    await engine.review_act(item.id, ReviewAction.DISMISS, guild_id=42, actor_id=7)
    status, body = await ready(client)
    assert status == 200, body
    assert body["checks"]["review_backlog"]["open"] == 0


async def test_a_stopping_process_is_unready_and_refuses_new_api_work(
    client: TestClient[Any, Any], service: Service
) -> None:
    service.state.accepting = False
    status, body = await ready(client)
    assert status == 503
    assert body["failing"] == ["process"]
    assert body["checks"]["process"]["error"] == "shutting down"
    r = await client.post("/v1/check", json={"claim": SUPPORTED}, headers=AUTH)
    assert r.status == 503
    assert await r.json() == {"error": "shutting down"}
    assert (await client.get("/healthz")).status == 200


class HungStore:
    """The real store, but every call hangs until the test lets it go (a database that does
    not answer): ``entered`` is set when a call is stuck, ``release`` ends the hang. The tests
    wait on these events, never on the clock, so a busy machine changes nothing."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.entered = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def hung(*args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            self.release.wait(120)  # bounded, so a failing test cannot leave threads behind
            return attr(*args, **kwargs)

        return hung


async def test_readiness_answers_while_the_store_hangs(
    client: TestClient[Any, Any], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.web, "STORE_TIMEOUT", 0.2)
    real = engine.store
    hung = HungStore(real)
    engine.store = hung
    try:
        # the store has not answered (it cannot until released), yet readiness does: bounded
        status, body = await asyncio.wait_for(ready(client), 120)
        assert hung.entered.is_set() and not hung.release.is_set()
    finally:
        hung.release.set()
        engine.store = real
    assert status == 503 and "store" in body["failing"]


# ------------------------------------------------------------------------------ metrics


async def test_metrics_count_an_api_check_by_verdict_and_surface(
    client: TestClient[Any, Any],
) -> None:
    before = await scrape(client)
    r = await client.post("/v1/check", json={"claim": DISPUTED}, headers=AUTH)
    assert r.status == 200
    answer = await r.json()
    assert answer["verdict"] == "disputed"
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("crosscheck_checks_total", verdict="disputed", surface="api") == 1
    assert delta("crosscheck_checks_total", verdict="supported", surface="api") == 0
    assert delta("crosscheck_check_seconds_count", surface="api") == 1
    assert delta("crosscheck_check_seconds_sum", surface="api") > 0
    assert delta("crosscheck_check_seconds_bucket", surface="api", le="+Inf") == 1
    assert delta("crosscheck_matches_per_check_count") == 1
    assert delta("crosscheck_matches_per_check_sum") == len(answer["matches"]) > 0

    # a refused request is not a check
    r = await client.post("/v1/check", json={"claim": "   "}, headers=AUTH)
    assert r.status == 400
    assert value(await scrape(client), "crosscheck_check_seconds_count", surface="api") == value(
        after, "crosscheck_check_seconds_count", surface="api"
    )


async def test_metrics_show_the_review_queue_depth_by_state(
    client: TestClient[Any, Any], engine: Engine
) -> None:
    m = await scrape(client)
    for state in ("open", "in_review", "resolved", "dismissed"):
        assert ("crosscheck_review_queue_depth", frozenset({("state", state)})) in m
        assert value(m, "crosscheck_review_queue_depth", state=state) == 0

    a = await engine.acheck_text(DISPUTED, surface="api")
    b = await engine.acheck_text(NOTHING, surface="api")
    item_a, _ = await engine.enqueue_review(a, guild_id=1, triggers=["disputed"])
    await engine.enqueue_review(b, guild_id=2, triggers=["unverified"])
    await engine.review_act(item_a.id, ReviewAction.ASSIGN, guild_id=1, actor_id=9)
    m = await scrape(client)
    assert value(m, "crosscheck_review_queue_depth", state="open") == 1
    assert value(m, "crosscheck_review_queue_depth", state="in_review") == 1
    assert value(m, "crosscheck_review_queue_depth", state="resolved") == 0


async def test_metrics_count_ingested_articles_and_errors_per_source(
    client: TestClient[Any, Any], engine: Engine, workdir: Path
) -> None:
    (workdir / "samples" / "sample-wire" / "2025-03-13-harbour-bridge.txt").write_text(
        "Harbour Bridge Reopens\n\nThe Riverbend harbour bridge reopened on Monday after a "
        "repair that cost 12 million pounds, the city council said.\n"
    )
    (workdir / "samples" / "capital-ledger" / "broken.txt").write_bytes(b"\x00\x01bin\xff" * 50)
    await engine.aingest()
    m = await scrape(client)
    assert value(m, "crosscheck_ingest_articles_total", source="Sample Wire") == 1
    assert value(m, "crosscheck_ingest_articles_total", source="Capital Ledger") == 0
    assert value(m, "crosscheck_ingest_errors_total", source="Capital Ledger") == 1
    assert value(m, "crosscheck_ingest_errors_total", source="Sample Wire") == 0

    # a broken file is an error on the source, not a stale source: still ready
    status, body = await ready(client)
    assert status == 200, body
    assert "broken.txt" in body["checks"]["ingestion"]["sources"]["Capital Ledger"]["last_error"]


ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><article><h1>{title}</h1>
<p>Britain is getting ready to send a large force to Ukraine, according to officials.</p>
<p>The UK plans to send 25,000 troops to Ukraine, officials said on Wednesday.</p>
<p>The government has not confirmed the figure and Downing Street declined to comment.</p>
</article></body></html>
"""


def page_app(delay: float = 0.0) -> web.Application:
    async def story(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        return web.Response(
            text=ARTICLE.format(title="UK to send 25,000 troops"), content_type="text/html"
        )

    app = web.Application()
    app.router.add_get("/story", story)
    return app


def cli(workdir: Path, *args: str, stdin: str | None = None) -> CliResult:
    db, sources = str(workdir / "crosscheck.db"), str(workdir / "sources.yaml")
    return invoke("--db", db, "--sources", sources, *args, cwd=workdir, stdin=stdin)


async def test_a_link_check_answers_like_the_cli_and_records_fetch_latency(
    client: TestClient[Any, Any], workdir: Path
) -> None:
    async with serve(page_app()) as site:
        url = site.url_for("/story")
        before = await scrape(client)
        r = await client.post("/v1/check", json={"url": url}, headers=AUTH)
        assert r.status == 200, await r.text()
        answer = await r.json()
        after = await scrape(client)
        assert answer["url"] == url and answer["title"] == "UK to send 25,000 troops"
        assert answer["verdict"] in {"supported", "disputed", "mixed"}  # sources spoke of it
        assert any(c["claim"].startswith("The UK plans to send 25,000") for c in answer["claims"])
        fetched = value(after, "crosscheck_fetch_seconds_count", outcome="ok") - value(
            before, "crosscheck_fetch_seconds_count", outcome="ok"
        )
        assert fetched == 1
        assert value(after, "crosscheck_fetch_seconds_sum", outcome="ok") > 0
        verdict = answer["verdict"]
        assert (
            value(after, "crosscheck_checks_total", verdict=verdict, surface="api")
            - value(before, "crosscheck_checks_total", verdict=verdict, surface="api")
            == 1
        )

        done = await asyncio.to_thread(cli, workdir, "check", "--json", url)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == answer

        # a page that cannot be fetched: 502 with a JSON error, and a failed fetch is timed
        r = await client.post("/v1/check", json={"url": site.url_for("/gone")}, headers=AUTH)
        assert r.status == 502
        assert "404" in (await r.json())["error"]
        m = await scrape(client)
        assert (
            value(m, "crosscheck_fetch_seconds_count", outcome="error")
            == value(after, "crosscheck_fetch_seconds_count", outcome="error") + 1
        )


async def test_rate_limit_refusals_and_gateway_latency_are_exported(engine: Engine) -> None:
    latency = {"s": 0.125}
    status_of = DiscordStatus(
        connected=lambda: True, latency=lambda: latency["s"], shards=lambda: 1
    )
    service = make_service(engine, discord=status_of)
    async with client_for(service) as client:
        m = await scrape(client)
        assert value(m, "crosscheck_discord_gateway_latency_seconds") == 0.125
        assert value(m, "crosscheck_rate_limited_total", scope="member") == 0

        service.metrics.rate_limited.labels("member").inc()
        service.metrics.rate_limited.labels("server").inc(2)
        latency["s"] = float("nan")  # before the first heartbeat after a reconnect
        m = await scrape(client)
        assert value(m, "crosscheck_rate_limited_total", scope="member") == 1
        assert value(m, "crosscheck_rate_limited_total", scope="server") == 2
        assert value(m, "crosscheck_discord_gateway_latency_seconds") == 0.125  # last known


async def test_a_scrape_on_a_hung_store_does_not_stall_liveness(
    client: TestClient[Any, Any], engine: Engine
) -> None:
    real = engine.store
    hung = HungStore(real)
    engine.store = hung
    try:
        scraping = asyncio.create_task(client.get("/metrics"))
        assert await asyncio.to_thread(hung.entered.wait, 120), "the scrape reached the store"
        # liveness answers while the scrape is still stuck in the store
        r = await asyncio.wait_for(client.get("/healthz"), 120)
        assert r.status == 200
        assert not scraping.done()
        hung.release.set()
        assert (await asyncio.wait_for(scraping, 120)).status == 200
    finally:
        hung.release.set()
        engine.store = real


# ------------------------------------------------------------------------------ the JSON API


async def test_the_api_is_disabled_without_a_token(engine: Engine) -> None:
    async with client_for(make_service(engine, token=None)) as client:
        for method, path in (("POST", "/v1/check"), ("GET", "/v1/claims?q=troops")):
            r = await client.request(method, path, json={"claim": SUPPORTED}, headers=AUTH)
            assert r.status == 404
            assert r.content_type == "application/json"
            assert "CROSSCHECK_API_TOKEN" in (await r.json())["error"]
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/readyz")).status == 200
        assert (await client.get("/openapi.json")).status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
    ],
    ids=["none", "wrong", "prefix", "longer", "no-scheme", "basic", "empty"],
)
async def test_the_api_needs_the_bearer_token(
    client: TestClient[Any, Any], headers: dict[str, str]
) -> None:
    r = await client.post("/v1/check", json={"claim": SUPPORTED}, headers=headers)
    assert r.status == 401
    assert r.content_type == "application/json"
    assert "bearer token" in (await r.json())["error"]
    r = await client.get("/v1/claims", params={"q": "troops"}, headers=headers)
    assert r.status == 401


async def test_a_401_says_how_to_authenticate(client: TestClient[Any, Any]) -> None:
    r = await client.post("/v1/check", json={"claim": SUPPORTED})
    assert r.status == 401
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/v1/check", 405), ("DELETE", "/v1/claims", 405), ("GET", "/v1/nothing", 404)],
)
async def test_api_errors_for_unknown_paths_and_methods_are_json(
    client: TestClient[Any, Any], method: str, path: str, status: int
) -> None:
    r = await client.request(method, path, headers=AUTH)
    assert r.status == status
    assert r.content_type == "application/json"
    assert "error" in await r.json()


async def test_api_claim_answers_are_the_cli_json_answers(
    client: TestClient[Any, Any], workdir: Path
) -> None:
    claims = [DISPUTED, SUPPORTED, NOTHING]
    api = []
    for claim in claims:
        r = await client.post("/v1/check", json={"claim": claim}, headers=AUTH)
        assert r.status == 200
        assert r.content_type == "application/json"
        api.append(await r.json())
    assert [a["verdict"] for a in api] == ["disputed", "supported", "unverified"]

    one, many = await asyncio.gather(
        asyncio.to_thread(cli, workdir, "check", "--json", DISPUTED),
        asyncio.to_thread(cli, workdir, "check", "--file", "-", stdin="\n".join(claims) + "\n"),
    )
    assert one.returncode == 0, one.stderr
    assert many.returncode == 0, many.stderr
    assert json.loads(one.stdout) == api[0]
    assert [json.loads(line) for line in many.stdout.splitlines()] == api


def _raw(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"claim": "Britain may put', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"", "send a JSON object"),
        (b"null", "send a JSON object"),
        ([SUPPORTED], "send a JSON object"),
        (SUPPORTED, "send a JSON object"),
        ({"claim": SUPPORTED, "url": "http://127.0.0.1/story"}, 'exactly one of "claim" or "url"'),
        ({}, 'exactly one of "claim" or "url"'),
        ({"claim": None, "url": None}, 'exactly one of "claim" or "url"'),
        ({"claim": SUPPORTED, "verbose": True}, "unknown field(s): verbose"),
        ({"claim": 42}, '"claim" must be a string'),
        ({"claim": [SUPPORTED]}, '"claim" must be a string'),
        ({"url": {"href": "http://127.0.0.1/"}}, '"url" must be a string'),
        ({"claim": SUPPORTED, "guild_id": "42"}, '"guild_id" must be an integer'),
        ({"claim": SUPPORTED, "guild_id": True}, '"guild_id" must be an integer'),
        ({"claim": " \u200b "}, "the claim is empty"),
        ({"claim": "x" * 5000}, "too long"),
        ({"claim": "12345 !!! 678"}, "no words"),
        ({"url": "ftp://example.org/story"}, '"url" must be an http(s) link'),
        ({"url": "http://10.1.2.3/story"}, "10.1.2.3"),
    ],
    ids=[
        "broken-json",
        "truncated-json",
        "not-utf8",
        "empty-body",
        "null",
        "array",
        "string",
        "claim-and-url",
        "neither",
        "both-null",
        "unknown-field",
        "claim-number",
        "claim-list",
        "url-object",
        "guild-string",
        "guild-bool",
        "blank-claim",
        "huge-claim",
        "no-words",
        "ftp-url",
        "private-url",
    ],
)
async def test_a_bad_request_is_400_with_a_json_error(
    client: TestClient[Any, Any], body: Any, message: str
) -> None:
    r = await client.post(
        "/v1/check",
        data=_raw(body),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert r.status == 400
    assert r.content_type == "application/json"
    error = await r.json()
    assert set(error) == {"error"}
    assert message in error["error"]


async def test_an_empty_claim_is_400_saying_it_is_empty(client: TestClient[Any, Any]) -> None:
    r = await client.post("/v1/check", json={"claim": ""}, headers=AUTH)
    assert r.status == 400
    assert "empty" in (await r.json())["error"]


async def test_an_oversized_body_is_413_with_a_json_error(client: TestClient[Any, Any]) -> None:
    big = json.dumps({"claim": "troops " * (MAX_BODY // 7 + 10)}).encode()
    assert len(big) > MAX_BODY
    r = await client.post(
        "/v1/check", data=big, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status == 413
    assert r.content_type == "application/json"
    assert "larger than" in (await r.json())["error"]
    # without the token the body is never read: 401, not 413
    r = await client.post("/v1/check", data=big, headers={"Content-Type": "application/json"})
    assert r.status == 401


async def test_an_oversized_chunked_body_is_413_with_a_json_error(
    client: TestClient[Any, Any],
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"claim": "'
        for _ in range(MAX_BODY // 4096 + 2):
            yield b"a" * 4096
        yield b'"}'

    r = await client.post("/v1/check", data=chunks(), headers=AUTH)
    assert r.status == 413
    assert "larger than" in (await r.json())["error"]


async def test_a_body_of_exactly_max_body_bytes_is_read(client: TestClient[Any, Any]) -> None:
    shell = len(json.dumps({"claim": ""}))
    body = json.dumps({"claim": "a" * (MAX_BODY - shell)}).encode()
    assert len(body) == MAX_BODY
    r = await client.post(
        "/v1/check", data=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status == 400  # read and refused on its merits: a claim is at most 2,000 characters
    assert "too long" in (await r.json())["error"]


async def test_claim_search_returns_matching_stored_claims(
    client: TestClient[Any, Any], workdir: Path
) -> None:
    r = await client.get("/v1/claims", params={"q": "troops in Ukraine"}, headers=AUTH)
    assert r.status == 200
    body = await r.json()
    assert body["query"] == "troops in Ukraine"
    found = body["claims"]
    assert 1 <= len(found) <= 10
    assert any("troops" in c["text"] for c in found)
    assert {c["source"] for c in found} <= SAMPLE_SOURCES
    scores = [c["score"] for c in found]
    assert scores == sorted(scores, reverse=True)
    con = sqlite3.connect(workdir / "crosscheck.db")
    try:
        stored = {text for (text,) in con.execute("SELECT text FROM claims")}
    finally:
        con.close()
    assert all(c["text"] in stored for c in found)  # only what was really ingested
    for c in found:
        assert set(c) >= {"text", "score", "source", "title", "url", "published"}

    r = await client.get(
        "/v1/claims", params={"q": "troops in Ukraine", "limit": "2"}, headers=AUTH
    )
    assert r.status == 200
    assert len((await r.json())["claims"]) == 2

    r = await client.get("/v1/claims", params={"q": "zebra quantum pancake recipes"}, headers=AUTH)
    assert r.status == 200
    assert (await r.json())["claims"] == []


@pytest.mark.parametrize("limit", ["abc", "0", "51", "-1", "2.5", ""])
async def test_a_bad_limit_is_400(client: TestClient[Any, Any], limit: str) -> None:
    r = await client.get("/v1/claims", params={"q": "troops", "limit": limit}, headers=AUTH)
    assert r.status == 400
    assert '"limit"' in (await r.json())["error"]


async def test_a_missing_query_is_400(client: TestClient[Any, Any]) -> None:
    r = await client.get("/v1/claims", headers=AUTH)
    assert r.status == 400
    assert (await r.json())["error"] == '"q" is required'


async def test_a_blank_query_is_400_saying_it_is_empty(client: TestClient[Any, Any]) -> None:
    r = await client.get("/v1/claims", params={"q": "   "}, headers=AUTH)
    assert r.status == 400
    assert "empty" in (await r.json())["error"]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


async def test_the_openapi_document_describes_the_api(client: TestClient[Any, Any]) -> None:
    r = await client.get("/openapi.json")  # no token needed
    assert r.status == 200
    doc = await r.json()
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert set(doc["paths"]["/v1/check"]) == {"post"}
    assert set(doc["paths"]["/v1/claims"]) == {"get"}
    check = doc["paths"]["/v1/check"]["post"]
    assert {"200", "400", "401", "413"} <= set(check["responses"])
    assert any(p["name"] == "q" for p in doc["paths"]["/v1/claims"]["get"]["parameters"])
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert doc["security"] == [{"bearer": []}]
    request = doc["components"]["schemas"]["CheckRequest"]
    assert request["properties"]["claim"]["maxLength"] == claims_mod.MAX_CLAIM_CHARS
    assert request["additionalProperties"] is False
    for ref in _refs(doc):  # every reference resolves inside the document
        node: Any = doc
        assert ref.startswith("#/")
        for part in ref[2:].split("/"):
            node = node[part]


async def test_the_openapi_document_lists_exactly_the_served_routes(engine: Engine) -> None:
    app = create_app(make_service(engine).state)
    served = {
        (r.method.lower(), r.resource.canonical)
        for r in app.router.routes()
        if r.method != "HEAD" and r.resource is not None
    }
    doc = openapi_document()
    documented = {(m, path) for path, ops in doc["paths"].items() for m in ops}
    assert served == documented
    assert {"/healthz", "/readyz", "/metrics", "/v1/check", "/v1/claims"} <= set(doc["paths"])
    request = doc["components"]["schemas"]["CheckRequest"]
    assert request["oneOf"] == [{"required": ["claim"]}, {"required": ["url"]}]
    assert request["properties"]["guild_id"]["type"] == "integer"
    assert "default" not in request["properties"]["claim"], "absent, not null"
    limit = next(p for p in doc["paths"]["/v1/claims"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 50)


def _validator() -> list[str] | None:
    """A Python that has openapi-spec-validator: this one, or the system's."""
    code = "import openapi_spec_validator"
    for exe in dict.fromkeys([sys.executable, shutil.which("python3") or ""]):
        if exe and subprocess.run([exe, "-c", code], capture_output=True).returncode == 0:
            return [exe]
    return None


def test_the_openapi_document_passes_openapi_spec_validator() -> None:
    python = _validator()
    if python is None:
        pytest.skip("openapi-spec-validator is not installed")
    check = (
        "import json, sys\n"
        "from openapi_spec_validator import validate\n"
        "from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator\n"
        "validate(json.load(sys.stdin), cls=OpenAPIV31SpecValidator)\n"
    )
    done = subprocess.run(
        [*python, "-c", check],
        input=json.dumps(openapi_document()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
