"""Ingestion workers sharing one store: leases keep two workers off the same source, and a
crashed worker's lease expires so that another finishes its source.

A loopback site (``loopback.serve``) publishes RSS feeds of slightly slow article pages; the
sources file allows 127.0.0.1. Workers are ``Engine.aingest(holder=...)`` calls on separate store
objects (as separate processes would hold separate connections) and real ``crosscheck worker``
processes, killed with SIGKILL. Every store is a SQLite file or a fresh PostgreSQL schema (the
PostgreSQL half skips when no server is reachable; schemas are dropped in ``finally``).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from helpers import child_env, start_cli
from loopback import LoopbackServer, serve
from pg import drop_schema, new_dsn

from checks.engine import Engine, open_store
from checks.ingest import IngestReport
from checks.sources.config import load_sources
from checks.store.base import Store
from checks.store.sql import SQLStore

ROOT = Path(__file__).resolve().parent.parent

TOWNS = ["Ashford", "Brackley", "Cromer", "Dunmore", "Elton", "Fairlie", "Garston", "Hexley"]
ITEMS = ["homes", "buses", "teachers", "nurses", "bridges", "parks", "schools", "libraries"]


# --------------------------------------------------------------------------- the site


def story(feed: int, n: int) -> tuple[str, list[str]]:
    """A fictional local-news story, different for each (feed, n)."""
    town = TOWNS[(feed * 3 + n) % len(TOWNS)]
    item = ITEMS[(feed + n * 5) % len(ITEMS)]
    count = 100 + feed * 1000 + n * 37
    title = f"{town} council approves {count} new {item} (report {feed}-{n})"
    paragraphs = [
        f"The council of {town} approved {count} new {item} on Tuesday, the mayor said in a "
        f"statement after a long meeting. The plan for report {feed}-{n} was first proposed "
        f"in {2010 + n} by a committee of {5 + feed} councillors.",
        f"Officials said the work would cost about {count * 3} thousand pounds and take "
        f"{n + 2} years to finish. Residents of {town} will be asked for their views in a "
        "consultation that opens next month.",
        f"Opposition councillors said the {item} were needed but questioned the budget of the "
        f"scheme. A final vote on the money is expected in {['May', 'June', 'July'][n % 3]}.",
    ]
    return title, paragraphs


def page_html(title: str, paragraphs: list[str], canonical: str) -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<link rel="canonical" href="{canonical}">
<meta property="article:published_time" content="2025-03-11T08:00:00Z">
</head><body><header><nav><a href="/">Home</a> <a href="/local">Local</a></nav></header>
<main><article><h1>{escape(title)}</h1>
<p class="byline">By Staff Reporter</p>
{body}
</article></main><footer><p>© 2025 Loopback Local News</p></footer></body></html>
"""


def rss(feed: int, base: str, per_feed: int) -> str:
    items = "".join(
        f"""
    <item><title>{escape(story(feed, n)[0])}</title>
      <link>{base}/news/{feed}/{n}?utm_source=rss</link>
      <guid isPermaLink="false">story-{feed}-{n}</guid>
      <pubDate>Tue, 11 Mar 2025 08:00:00 GMT</pubDate></item>"""
        for n in range(per_feed)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Loopback Local {feed}</title><link>{base}/</link>
<description>Local news</description>{items}
</channel></rss>
"""


@dataclass
class Site:
    """Feeds ``/feed/<k>.xml`` of ``per_feed`` pages ``/news/<k>/<n>``, each page answering after
    ``delay`` seconds. Records when each request arrived (wall clock)."""

    feeds: int
    per_feed: int
    delay: float = 0.1
    arrivals: list[tuple[float, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        async def feed(request: web.Request) -> web.Response:
            self.arrivals.append((time.time(), request.path))
            k = int(request.match_info["k"])
            base = f"http://{request.host}"
            return web.Response(
                text=rss(k, base, self.per_feed), content_type="application/rss+xml"
            )

        async def page(request: web.Request) -> web.Response:
            self.arrivals.append((time.time(), request.path))
            k, n = int(request.match_info["k"]), int(request.match_info["n"])
            await asyncio.sleep(self.delay)
            title, paragraphs = story(k, n)
            canonical = f"http://{request.host}/news/{k}/{n}"
            return web.Response(
                text=page_html(title, paragraphs, canonical), content_type="text/html"
            )

        app = web.Application()
        app.router.add_get("/feed/{k}.xml", feed)
        app.router.add_get("/news/{k}/{n}", page)
        return app

    def page_paths(self) -> list[str]:
        return [f"/news/{k}/{n}" for k in range(self.feeds) for n in range(self.per_feed)]


def source_name(k: int) -> str:
    return f"Loopback Local {k}"


def write_sources(
    folder: Path, server: LoopbackServer, feeds: int, *, concurrency: int = 4
) -> Path:
    cfg = {
        "sources": [
            {
                "name": source_name(k),
                "kind": "rss",
                "url": server.url_for(f"/feed/{k}.xml"),
                "weight": 1.0,
            }
            for k in range(feeds)
        ],
        "fetch": {
            "allow_hosts": ["127.0.0.1"],
            "timeout": 10,
            "retries": 0,
            "per_host": 2,
            "concurrency": concurrency,
        },
    }
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


# --------------------------------------------------------------------------- stores


class Target:
    """One store (SQLite file or PostgreSQL schema) that several workers share."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.db = str(tmp / "crosscheck.db") if kind == "sqlite" else new_dsn()
        self._opened: list[Store] = []

    def open(self) -> Store:
        store = open_store(self.db)
        self._opened.append(store)
        return store

    def cleanup(self) -> None:
        for s in self._opened:
            with contextlib.suppress(Exception):
                s.close()
        if self.kind == "postgres":
            drop_schema(self.db)


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    t = Target(request.param, tmp_path)
    try:
        yield t
    finally:
        t.cleanup()


def articles(store: Store) -> list[dict[str, Any]]:
    assert isinstance(store, SQLStore)
    return [row for batch in store.export_rows("articles") for row in batch]


def per_canonical(store: Store) -> Counter[str]:
    return Counter(a["canonical_url"] for a in articles(store))


def lease_expiry(store: Store, source: str) -> datetime | None:
    assert isinstance(store, SQLStore)
    rows = store._read("SELECT expires_at FROM source_leases WHERE source = ?", (source,))
    return datetime.fromisoformat(rows[0]["expires_at"]) if rows else None


def ingested_by(reports: dict[str, IngestReport]) -> dict[str, list[str]]:
    """source -> the holders that ingested it (not skipped)."""
    out: dict[str, list[str]] = {}
    for holder, report in reports.items():
        for s in report.sources:
            if not s.skipped:
                out.setdefault(s.name, []).append(holder)
    return out


# --------------------------------------------------------------------------- two workers racing


async def test_two_workers_racing_store_each_article_once(target: Target, tmp_path: Path) -> None:
    site = Site(feeds=4, per_feed=5, delay=0.05)
    async with serve(site.app()) as server:
        config = load_sources(write_sources(tmp_path, server, site.feeds))
        w1, w2 = Engine(target.open(), config), Engine(target.open(), config)
        r1, r2 = await asyncio.wait_for(
            asyncio.gather(w1.aingest(holder="w1"), w2.aingest(holder="w2")), 60
        )
    assert not r1.errors and not r2.errors, (r1.errors, r2.errors)
    # each source was ingested by exactly one of the two; the other found it leased and skipped
    by = ingested_by({"w1": r1, "w2": r2})
    assert sorted(by) == [source_name(k) for k in range(site.feeds)]
    assert all(len(holders) == 1 for holders in by.values()), by
    assert r1.added + r2.added == site.feeds * site.per_feed
    # the site saw each feed and each page fetched once
    hits = Counter(path for _, path in site.arrivals)
    assert all(hits[f"/feed/{k}.xml"] == 1 for k in range(site.feeds)), hits
    assert all(hits[p] == 1 for p in site.page_paths()), hits
    # and every article is stored exactly once, under its canonical URL
    counts = per_canonical(w1.store)
    assert len(counts) == site.feeds * site.per_feed
    assert set(counts.values()) == {1}
    assert all("utm_source" not in url for url in counts)
    # nothing is left leased
    assert all(lease_expiry(w1.store, source_name(k)) is None for k in range(site.feeds))


async def test_a_source_another_worker_just_finished_is_not_ingested_again(
    target: Target, tmp_path: Path
) -> None:
    """Worker 2 reads which sources are due; worker 1 then ingests them all and releases its
    leases; worker 2 goes on: nothing is due any more, so it should ingest nothing."""
    site = Site(feeds=2, per_feed=3, delay=0.0)
    async with serve(site.app()) as server:
        config = load_sources(write_sources(tmp_path, server, site.feeds))
        w1, w2 = Engine(target.open(), config), Engine(target.open(), config)
        real_status = w2.store.source_status

        def stale_status() -> Any:
            status = real_status()  # what worker 2 sees: nothing ingested yet
            done = threading.Event()
            out: list[Any] = []

            def run_w1() -> None:  # worker 1 runs to the end meanwhile (its own event loop)
                try:
                    out.append(asyncio.run(w1.aingest(only_due=True, holder="w1")))
                finally:
                    done.set()

            threading.Thread(target=run_w1).start()
            assert done.wait(30)
            assert out and out[0].added == site.feeds * site.per_feed
            return status

        w2.store.source_status = stale_status  # type: ignore[method-assign]
        r2 = await asyncio.wait_for(w2.aingest(only_due=True, holder="w2"), 60)
    assert r2.added == 0  # nothing duplicated either way
    hits = Counter(path for _, path in site.arrivals)
    assert all(hits[f"/feed/{k}.xml"] == 1 for k in range(site.feeds)), hits
    assert all(s.skipped for s in r2.sources), [(s.name, s.seen, s.skipped) for s in r2.sources]


# --------------------------------------------------------------------------- a worker killed


@contextlib.asynccontextmanager
async def worker_process(
    db: str, sources: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A real ``crosscheck worker`` (polling every second, 3-second leases), output to ``log``."""
    env = child_env(ingest_every="1", lease_seconds="3", log_level="INFO")
    with log.open("wb") as out:
        proc = await start_cli(
            "--db",
            db,
            "--sources",
            str(sources),
            "worker",
            "--port",
            "0",
            cwd=log.parent,
            env=env,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def wait_until(predicate: Any, timeout: float, what: str, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        await asyncio.sleep(step)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


@pytest.mark.e2e
async def test_a_killed_workers_source_is_finished_by_another_after_its_lease_expires(
    target: Target, tmp_path: Path
) -> None:
    site = Site(feeds=1, per_feed=20, delay=0.15)
    total = site.per_feed
    name = source_name(0)
    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    try:
        async with serve(site.app()) as server:
            sources = write_sources(tmp_path, server, site.feeds)
            store = target.open()

            # worker 1 starts, stores some articles, and is killed without warning
            async with worker_process(target.db, sources, logs[0]) as w1:
                await wait_until(lambda: len(articles(store)) >= 3, 30, "worker 1's first articles")
                w1.send_signal(signal.SIGKILL)
                assert await asyncio.wait_for(w1.wait(), 10) == -signal.SIGKILL
            killed_at = time.time()
            before = per_canonical(store)
            assert 3 <= len(before) < total, "killed mid-ingest"
            expires = lease_expiry(store, name)
            assert expires is not None, "the dead worker's lease is still recorded"
            assert expires.timestamp() > killed_at, "and still live"

            # its lease is live: another worker is refused at once, and stores nothing
            assert not store.lease_source(name, "w2", 3)
            report = await Engine(store, load_sources(sources)).aingest(
                holder="w2", lease_seconds=3
            )
            assert [s.skipped for s in report.sources] == [True]
            assert per_canonical(store) == before

            # a second worker process takes the source once the lease has expired, and finishes
            async with worker_process(target.db, sources, logs[1]) as w2:
                await wait_until(lambda: len(articles(store)) >= total, 30, "all articles")
                status = await wait_until(
                    lambda: next(
                        (s for s in store.source_status() if s.name == name and s.last_success),
                        None,
                    ),
                    10,
                    "the source's successful ingest",
                )
                w2.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(w2.wait(), 15) == 0
    except BaseException:
        for log in logs:
            if log.exists():
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        raise
    # nothing duplicated, nothing lost
    after = per_canonical(store)
    assert len(after) == total and set(after.values()) == {1}
    assert status.articles == total and status.last_error is None
    assert before.keys() <= after.keys()
    ids_before = {
        a["canonical_url"]: a["id"] for a in articles(store) if a["canonical_url"] in before
    }
    assert len(ids_before) == len(before)  # the first worker's articles were kept, not replaced
    # nobody fetched the site between the kill and the lease's expiry
    late = [(t, p) for t, p in site.arrivals if t > killed_at]
    assert late and min(t for t, _ in late) >= expires.timestamp() - 0.05, (expires, late[:3])
    # pages the first worker stored were not fetched again
    hits = Counter(path for _, path in site.arrivals)
    for url in before:
        path = "/" + url.split("/", 3)[3]
        assert hits[path] == 1, (path, hits[path])
    assert lease_expiry(store, name) is None  # the second worker released it
