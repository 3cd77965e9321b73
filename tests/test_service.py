"""`crosscheck serve` as an operator runs it: a real process on a loopback port, real files.

Binding (127.0.0.1 by default, ``--port`` and ``CROSSCHECK_WEB_*``), a port already taken, graceful
shutdown on SIGTERM in the middle of an ingest (nothing half-stored, nothing lost) and with a check
in flight, ``crosscheck config check``; and, in-process, what a stopped ingest leaves behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from helpers import child_env, invoke, run_cli, start_cli
from loopback import LoopbackServer, loopback_only, serve

from bot.settings import Settings
from checks.claims import split_claims
from checks.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "serve-token-41d"
ARTICLES = 30
SHUTDOWN_TIMEOUT = 10.0


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


# ------------------------------------------------------------------------------ a slow site

_TOWNS = ("Ashford", "Brackley", "Corwen", "Dunmore", "Elgin", "Fenwick", "Garston", "Hexham")
_MONTHS = ("March", "April", "May", "June")


def article(i: int) -> tuple[str, str]:
    """(title, HTML) of generated article ``i``: four sentences with their own figures."""
    town = _TOWNS[i % len(_TOWNS)]
    paras = [
        f"The {town} council approved a budget of {1200 + 17 * i} pounds for new parks on "
        "Monday, officials said.",
        f"Mayor Alice Carter said {30 + i} new trees would be planted along the river by the "
        "end of the year.",
        f"Residents of {town} had asked for {5 + i % 7} more playgrounds in a petition signed "
        f"by {400 + 3 * i} people.",
        f"The work is expected to start in {_MONTHS[i % 4]} and to take {2 + i % 5} months, the "
        "council said.",
    ]
    title = f"{town} approves park budget, report {i + 1}"
    body = "".join(f"<p>{p}</p>" for p in paras)
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    return title, html


@dataclass
class SlowSite:
    """An RSS feed whose article pages each take ``delay`` seconds, and a slow link page."""

    delay: float = 0.3
    story_delay: float = 1.5
    story_hold: asyncio.Event | None = None  # set: /story answers only once this is set
    hits: Counter[str] = field(default_factory=Counter)

    def app(self) -> web.Application:
        async def feed(request: web.Request) -> web.Response:
            base = f"http://{request.host}"
            items = "".join(
                f"<item><title>{article(i)[0]}</title><link>{base}/a/{i}</link>"
                f"<guid>{base}/a/{i}</guid></item>"
                for i in range(ARTICLES)
            )
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>Slow Times</title><link>{base}/</link>"
                f"<description>Slow</description>{items}</channel></rss>"
            )
            return web.Response(text=xml, content_type="application/rss+xml")

        async def page(request: web.Request) -> web.Response:
            self.hits[request.path] += 1
            await asyncio.sleep(self.delay)
            return web.Response(
                text=article(int(request.match_info["i"]))[1], content_type="text/html"
            )

        async def story(request: web.Request) -> web.Response:
            self.hits[request.path] += 1
            if self.story_hold is not None:  # hangs until the test lets it go
                await asyncio.wait_for(self.story_hold.wait(), 300)
            else:
                await asyncio.sleep(self.story_delay)
            return web.Response(text=article(99)[1], content_type="text/html")

        app = web.Application()
        app.router.add_get("/feed.xml", feed)
        app.router.add_get("/a/{i}", page)
        app.router.add_get("/story", story)
        return app


@pytest.fixture
async def site() -> AsyncIterator[tuple[SlowSite, LoopbackServer]]:
    s = SlowSite()
    async with serve(s.app(), shutdown_timeout=0.5) as server:
        yield s, server


def write_sources(path: Path, sources: list[dict[str, Any]], **fetch: Any) -> None:
    data = {
        "fetch": {"allow_hosts": ["127.0.0.1"], "retries": 0, "timeout": 10, **fetch},
        "sources": sources,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))


# ------------------------------------------------------------------------------ processes


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: asyncio.subprocess.Process
    log: Path
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    async def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    raise AssertionError(f"serve exited {self.proc.returncode}: {self.stderr()}")
                try:
                    async with http.get(self.url + "/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"serve never became healthy: {self.stderr()}")

    async def stop(self, timeout: float = SHUTDOWN_TIMEOUT + 5) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds it took)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        return code, time.monotonic() - started


@asynccontextmanager
async def served(
    cwd: Path,
    *args: str,
    host: str = "127.0.0.1",
    port: int,
    env: dict[str, str],
) -> AsyncIterator[Served]:
    log = cwd / f"serve-{port}.log"
    with log.open("wb") as sink:
        proc = await start_cli(*args, cwd=cwd, env=env, stderr=sink, stdout=sink)
    s = Served(proc, log, host, port)
    try:
        yield s
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def listening(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp*)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            addr, hexport = local.split(":")
            if state != "0A" or int(hexport, 16) != port:
                continue
            if len(addr) == 8:
                found.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
            else:
                found.add("ipv6:" + addr)
    return found


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the store from outside the process (read-only), as an operator would."""
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # not created or migrated yet
        return []
    finally:
        con.close()


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of a JSON log; a line that is not a JSON object fails the test."""
    events = []
    for line in text.splitlines():
        if line.strip():
            event = json.loads(line)
            assert isinstance(event, dict), line
            events.append(event)
    return events


# ------------------------------------------------------------------------------ binding


def test_the_web_surface_defaults_to_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("CROSSCHECK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env here
    settings = Settings()
    assert settings.web_host == "127.0.0.1"
    assert settings.web_port == 8080
    assert settings.api_token is None


@pytest.mark.e2e
async def test_serve_port_listens_on_loopback_only(tmp_path: Path) -> None:
    port = free_port()
    args = ("--db", "c.db", "--sources", "s.yaml", "serve", "--port", str(port))
    write_sources(tmp_path / "s.yaml", [])
    async with served(tmp_path, *args, port=port, env=child_env(ingest_every="0")) as s:
        await s.wait_healthy()
        assert listening(port) == {"127.0.0.1"}
        code, _ = await s.stop()
        assert code == 0, s.stderr()


@pytest.mark.e2e
async def test_serve_takes_host_and_port_from_the_environment(tmp_path: Path) -> None:
    port = free_port("127.0.0.2")
    write_sources(tmp_path / "s.yaml", [])
    env = child_env(ingest_every="0", web_host="127.0.0.2", web_port=str(port))
    args = ("--db", "c.db", "--sources", "s.yaml", "serve")
    async with served(tmp_path, *args, host="127.0.0.2", port=port, env=env) as s:
        await s.wait_healthy()
        assert listening(port) == {"127.0.0.2"}
        code, _ = await s.stop()
        assert code == 0, s.stderr()


@pytest.mark.e2e
def test_a_port_in_use_is_one_clear_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    write_sources(tmp_path / "s.yaml", [])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run_cli(
            "--db",
            "c.db",
            "--sources",
            "s.yaml",
            "serve",
            "--port",
            str(port),
            cwd=tmp_path,
            env=child_env(ingest_every="0"),
        )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "in use" in lines[0].lower()


# ------------------------------------------------------------------------------ shutdown


@pytest.mark.e2e
async def test_sigterm_during_an_ingest_stops_cleanly_and_loses_nothing(
    tmp_path: Path, site: tuple[SlowSite, LoopbackServer]
) -> None:
    slow, server = site
    db = tmp_path / "crosscheck.db"
    write_sources(
        tmp_path / "sources.yaml",
        [{"name": "Slow Times", "kind": "rss", "url": server.url_for("/feed.xml")}],
    )
    port = free_port()
    env = child_env(
        ingest_every="1",
        shutdown_timeout=str(SHUTDOWN_TIMEOUT),
        log_format="json",
        log_level="info",
        api_token=TOKEN,
    )
    args = ("--db", str(db), "--sources", "sources.yaml", "serve", "--port", str(port))
    async with served(tmp_path, *args, port=port, env=env) as s:
        await s.wait_healthy()
        deadline = time.monotonic() + 30
        stored = 0
        while time.monotonic() < deadline:
            rows = query(db, "SELECT count(*) FROM articles")
            stored = rows[0][0] if rows else 0
            if stored >= 4:
                break
            await asyncio.sleep(0.05)
        assert 4 <= stored < ARTICLES, f"never mid-ingest ({stored} stored): {s.stderr()}"

        code, _ = await s.stop()
        log = s.stderr()
        assert code == 0, log
        # it stopped by finishing its work, not by running out of time (the log says which;
        # the clock does not, on a busy machine)
        assert "did not stop in time" not in log and "closing anyway" not in log, log

    # structured logs all the way down, and the shutdown said what it did
    events = json_lines(log)
    messages = [e["message"] for e in events]
    assert any("shutting down" in m for m in messages)
    assert messages[-1] == "stopped cleanly"
    assert not [e for e in events if e["level"] in ("error", "critical")], log

    # the store opens and holds whole articles only
    kept = query(db, "SELECT id, title, text FROM articles ORDER BY id")
    assert stored <= len(kept) < ARTICLES  # stopped early, after the article being stored
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    for article_id, title, text in kept:
        expected = [c.text for c in split_claims(text, title=title)]
        got = [t for (t,) in query(db, "SELECT text FROM claims WHERE article_id = ?", article_id)]
        assert got == expected, title
    con = sqlite3.connect(db)
    try:  # the full-text index agrees with the claims table
        con.execute("INSERT INTO claims_fts (claims_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        con.close()
    first_run = {u for (u,) in query(db, "SELECT canonical_url FROM articles")}

    # the next ingest stores the rest, each article exactly once
    again = await asyncio.to_thread(invoke, "--db", str(db), "ingest", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"Stored {ARTICLES - len(kept)} new article(s)" in again.stdout
    urls = [u for (u,) in query(db, "SELECT canonical_url FROM articles")]
    assert sorted(urls) == sorted(server.url_for(f"/a/{i}") for i in range(ARTICLES))
    assert query(db, "SELECT count(DISTINCT content_hash) FROM articles") == [(ARTICLES,)]
    for url in first_run:  # what was stored before SIGTERM was not fetched again
        assert slow.hits[url.removeprefix(server.url)] == 1, url
    third = await asyncio.to_thread(invoke, "--db", str(db), "ingest", cwd=tmp_path)
    assert "Stored 0 new article(s) and 0 claim(s)" in third.stdout
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.e2e
async def test_sigterm_lets_an_in_flight_check_finish_and_refuses_new_work(
    tmp_path: Path, site: tuple[SlowSite, LoopbackServer]
) -> None:
    slow, server = site
    write_sources(tmp_path / "sources.yaml", [])
    port = free_port()
    env = child_env(
        ingest_every="0",
        shutdown_timeout=str(SHUTDOWN_TIMEOUT),
        log_format="json",
        log_level="info",
        api_token=TOKEN,
    )
    args = ("--db", "c.db", "--sources", "sources.yaml", "serve", "--port", str(port))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with served(tmp_path, *args, port=port, env=env) as s:
        await s.wait_healthy()
        async with aiohttp.ClientSession() as http:

            async def check_link() -> tuple[int, dict[str, Any]]:
                url = server.url_for("/story")
                async with http.post(s.url + "/v1/check", json={"url": url}, headers=auth) as r:
                    return r.status, await r.json()

            in_flight = asyncio.create_task(check_link())
            deadline = time.monotonic() + 15
            while slow.hits["/story"] == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert slow.hits["/story"] == 1, s.stderr()
            s.proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.3)

            # draining: unready, new API work refused, liveness still answers
            async with http.get(s.url + "/readyz") as r:
                assert r.status == 503
                assert "process" in (await r.json())["failing"]
            async with http.post(
                s.url + "/v1/check", json={"claim": "Britain may put 10,000 troops"}, headers=auth
            ) as r:
                assert r.status == 503
                assert await r.json() == {"error": "shutting down"}

            status, answer = await in_flight
            assert status == 200, answer
            assert answer["url"] == server.url_for("/story")
            assert answer["verdict"] == "unverified"  # an empty store
        code = await asyncio.wait_for(s.proc.wait(), SHUTDOWN_TIMEOUT)
        assert code == 0, s.stderr()
    checks = [e for e in json_lines(s.stderr()) if "check_id" in e]
    assert [(e["surface"], e["kind"], e["verdict"]) for e in checks] == [
        ("api", "link", "unverified")
    ]


@pytest.mark.e2e
async def test_shutdown_is_bounded_when_a_check_hangs(
    tmp_path: Path, site: tuple[SlowSite, LoopbackServer]
) -> None:
    slow, server = site
    slow.story_hold = asyncio.Event()  # the linked page never answers while the process stops
    timeout = 1.0
    write_sources(tmp_path / "sources.yaml", [])
    port = free_port()
    env = child_env(ingest_every="0", shutdown_timeout=str(timeout), api_token=TOKEN)
    args = ("--db", "c.db", "--sources", "sources.yaml", "serve", "--port", str(port))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with served(tmp_path, *args, port=port, env=env) as s:
        await s.wait_healthy()
        async with aiohttp.ClientSession() as http:

            async def check_link() -> None:
                url = server.url_for("/story")
                async with http.post(s.url + "/v1/check", json={"url": url}, headers=auth) as r:
                    await r.read()

            hanging = asyncio.create_task(check_link())
            while slow.hits["/story"] == 0:
                await asyncio.sleep(0.02)
            try:
                # the page is held until after this: the process can only exit by bounding its
                # shutdown (the 120 s is a hang guard, not a speed limit)
                code, _ = await s.stop(timeout=120)
            finally:
                slow.story_hold.set()
                hanging.cancel()
                await asyncio.gather(hanging, return_exceptions=True)
    assert code == 0, s.stderr()


# ------------------------------------------------------------------------------ config check


def test_config_check_lists_the_sources_and_settings(workdir: Path) -> None:
    r = invoke("config", "check", cwd=workdir, api_token=TOKEN, web_port="9123")
    assert r.returncode == 0, r.stderr
    assert "sources.yaml: 5 source(s), 5 enabled" in r.stdout
    for name in ("Sample Wire", "Example Gazette", "Capital Ledger", "Daily Example"):
        assert f"• {name}: files" in r.stdout
    assert "web 127.0.0.1:9123" in r.stdout
    assert "API: enabled" in r.stdout
    assert TOKEN not in r.stdout + r.stderr  # a secret is never printed
    assert not (workdir / "crosscheck.db").exists()  # nothing was started or created


def test_config_check_names_the_file_and_line_of_a_bad_sources_yaml(workdir: Path) -> None:
    (workdir / "sources.yaml").write_text(
        "sources:\n  - name: A\n    kind: files\n    path: samples\n    weight: heavy\n"
    )
    r = invoke("config", "check", cwd=workdir)
    assert r.returncode == 1
    assert "sources.yaml:5" in r.stderr and "weight" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_config_check_gives_one_line_per_bad_setting(workdir: Path) -> None:
    (workdir / ".env").write_text("CROSSCHECK_SHUTDOWN_TIMEOUT=0\n")
    r = invoke("config", "check", cwd=workdir, web_port="abc", log_format="xml")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 3, r.stderr
    named = sorted(line.split(": ")[2] for line in lines)  # "crosscheck: error: CROSSCHECK_…"
    assert named == [
        "CROSSCHECK_LOG_FORMAT",
        "CROSSCHECK_SHUTDOWN_TIMEOUT",
        "CROSSCHECK_WEB_PORT",
    ]


# ------------------------------------------------------------------------------ in-process


async def test_a_stopped_ingest_leaves_its_source_due_so_the_rest_is_fetched_next_time(
    tmp_path: Path, site: tuple[SlowSite, LoopbackServer]
) -> None:
    _, server = site
    write_sources(
        tmp_path / "sources.yaml",
        [{"name": "Slow Times", "kind": "rss", "url": server.url_for("/feed.xml")}],
    )
    engine = Engine.open(tmp_path / "crosscheck.db", tmp_path / "sources.yaml")
    try:
        stop = asyncio.Event()
        running = asyncio.create_task(engine.aingest(stop=stop))
        while engine.store.claim_count() < 8 and not running.done():
            await asyncio.sleep(0.02)
        stop.set()
        report = await running
        assert report.sources[0].stopped
        assert 0 < report.added < ARTICLES

        await engine.aingest(only_due=True)  # what the service's ingestion loop runs next
        assert engine.sources()[0].articles == ARTICLES
    finally:
        engine.close()
