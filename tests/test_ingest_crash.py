"""`crosscheck ingest` over loopback: a real process killed with SIGKILL mid-run, then run again
(in-process), every article ends up stored exactly once; `crosscheck sources` shows each
source's health.

The killed child process runs with the ``sitecustomize`` network guard of ``web_fixtures``.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import CliResult, child_env, invoke, start_cli
from loopback import LoopbackServer, loopback_only, serve
from web_fixtures import Site, make_app, synthetic_articles, write_network_guard

from checks.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 12
FAST = 9  # bulk articles 0..8 answer at once; 9..11 hang until the test lets them go


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@dataclass
class Run:
    site: Site
    server: LoopbackServer
    tmp: Path
    guard: Path

    @property
    def db(self) -> Path:
        return self.tmp / "crosscheck.db"

    @property
    def sources(self) -> Path:
        return self.tmp / "sources.yaml"

    def args(self, *args: str) -> tuple[str, ...]:
        return ("--db", str(self.db), "--sources", str(self.sources), *args)

    async def cli(self, *args: str) -> CliResult:
        """The command in-process (the network guard of this process applies)."""
        done = await asyncio.to_thread(invoke, *self.args(*args), cwd=self.tmp)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def write_sources(self, sources: list[dict[str, Any]], **fetch: Any) -> None:
        settings = {
            "allow_hosts": ["127.0.0.1"],
            "timeout": 30,
            "retries": 0,
            "per_host": 8,  # the hanging pages must not hold every slot
            **fetch,
        }
        data = {"fetch": settings, "sources": sources}
        self.sources.write_text(yaml.safe_dump(data, sort_keys=False))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if not self.db.exists():
            return []
        db = sqlite3.connect(self.db, timeout=5)
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []
        finally:
            db.close()


@pytest.fixture
async def run(tmp_path: Path) -> AsyncIterator[Run]:
    site = Site(bulk=synthetic_articles(ARTICLES, seed=11))
    async with serve(make_app(site)) as server:
        yield Run(site, server, tmp_path, write_network_guard(tmp_path / "guard"))


async def _kill_mid_run(run: Run) -> None:
    """Start `crosscheck ingest`, wait until the fast articles are stored and slow pages are
    being fetched, then SIGKILL it."""
    log = run.tmp / "killed-ingest.log"
    with log.open("wb") as sink:
        env = child_env(guard=run.guard)
        proc = await start_cli(*run.args("ingest"), cwd=run.tmp, env=env, stdout=sink, stderr=sink)
    deadline = time.monotonic() + 30
    mid_run = False
    try:
        while proc.returncode is None and time.monotonic() < deadline:
            stored = run.query("SELECT count(*) FROM articles")
            if stored and stored[0][0] >= FAST and run.server.in_flight > 0:
                mid_run = True
                break
            await asyncio.sleep(0.05)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert mid_run, f"ingest never got mid-run (exit {proc.returncode}): {log.read_text()}"
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.e2e
@pytest.mark.parametrize("feed", ["/bulk/feed.xml", "/bulk/feed-etag.xml"])
async def test_a_killed_ingest_loses_nothing_and_duplicates_nothing(run: Run, feed: str) -> None:
    run.site.slow_bulk_from = FAST
    run.site.slow_bulk_seconds = 60
    run.write_sources(
        [{"name": "Generated Gazette", "kind": "rss", "url": run.server.url_for(feed)}]
    )

    await _kill_mid_run(run)

    # the store opens fine and holds exactly what was finished
    store = SQLiteStore(run.db)
    try:
        assert store.claim_count() > 0
    finally:
        store.close()
    assert run.query("PRAGMA integrity_check") == [("ok",)]
    before = run.query("SELECT id, canonical_url FROM articles ORDER BY id")
    assert len(before) == FAST
    claims_before = run.query("SELECT id, article_id, text FROM claims ORDER BY id")

    run.site.slow_bulk_from = None
    again = await run.cli("ingest")
    assert again.returncode == 0, again.stderr
    assert f"Stored {ARTICLES - FAST} new article(s)" in again.stdout

    urls = [u for (u,) in run.query("SELECT canonical_url FROM articles")]
    assert len(urls) == ARTICLES
    assert sorted(urls) == sorted(run.server.url_for(a.path) for a in run.site.bulk)
    assert run.query("SELECT count(DISTINCT content_hash) FROM articles") == [(ARTICLES,)]
    dupes = run.query(
        "SELECT article_id, position FROM claims GROUP BY article_id, position HAVING count(*) > 1"
    )
    assert dupes == []
    # what the killed run stored is untouched, and its pages were not fetched again
    assert run.query("SELECT id, canonical_url FROM articles ORDER BY id")[:FAST] == before
    assert run.query(
        f"SELECT id, article_id, text FROM claims ORDER BY id LIMIT {len(claims_before)}"
    ) == (claims_before)
    for i, article in enumerate(run.site.bulk):
        hits = run.server.hits(article.path)
        assert (hits == 1) if i < FAST else (1 <= hits <= 2), (article.path, hits)
    assert run.query("PRAGMA integrity_check") == [("ok",)]

    third = await run.cli("ingest")
    assert third.returncode == 0
    assert "Stored 0 new article(s) and 0 claim(s)" in third.stdout
    assert run.query("SELECT count(*) FROM articles") == [(ARTICLES,)]


async def test_ingest_and_sources_show_each_sources_health(run: Run) -> None:
    good = {"name": "Generated Gazette", "kind": "rss", "url": run.server.url_for("/bulk/feed.xml")}
    broken = {"name": "Broken Wire", "kind": "rss", "url": run.server.url_for("/bad/500")}
    html = {"name": "Not A Feed", "kind": "atom", "url": run.server.url_for("/bad/html-feed.xml")}
    run.write_sources([good, broken, html], timeout=2)

    r = await run.cli("ingest")
    assert r.returncode == 0, r.stderr  # one source worked
    assert f"Generated Gazette: {ARTICLES} document(s), {ARTICLES} new article(s)" in r.stdout
    assert "Broken Wire: 0 document(s), 0 new article(s), 0 new claim(s) — 1 problem(s)" in r.stdout
    assert "HTTP 500" in r.stdout
    assert "expected a feed, got text/html" in r.stdout

    s = await run.cli("sources")
    assert s.returncode == 0, s.stderr
    lines = {line.split("│")[1].strip(): line for line in s.stdout.splitlines() if "│" in line}
    assert "ok" in lines["Generated Gazette"]
    assert "HTTP 500" in lines["Broken Wire"]
    assert "expected a feed" in lines["Not A Feed"]

    run.write_sources([broken, html], timeout=2)
    all_bad = await run.cli("ingest")
    assert all_bad.returncode == 1  # nothing could be read
