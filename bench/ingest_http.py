"""Ingest throughput over HTTP: articles/s through fetch, extraction, claim splitting and storing.

    .venv/bin/python bench/ingest_http.py [--articles 200] [--json] [--profile] [--repeat 3]

A loopback aiohttp server (``tests/web_fixtures.py``) serves ``--articles`` distinct generated
article pages of about 300–600 words each, wrapped in a news site's furniture (navigation, cookie
banner, sign-in, photo credit, related links, a copyright footer), listed in one RSS feed. The
server runs in its own process, so its CPU is not charged to the engine. Each run times
``Engine.ingest`` of that feed into a fresh SQLite file: the feed, every page fetched through the
SSRF-safe client, trafilatura extraction (plus htmldate when needed), ``split_claims`` with
features, and one transaction per article. The best of ``--repeat`` runs is reported.

Alongside the wall time the thread CPU time spent in each stage is summed (extraction, claim
splitting, storing; the rest is fetching, feed parsing and the event loop). ``--profile`` instead
runs the worker-thread calls inline under one cProfile (so every stage is seen in one profile,
without GIL waits counted as time) and prints the top functions to stderr.

The target is 50 articles/s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import multiprocessing as mp
import pstats
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _p in (ROOT, ROOT / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from _common import machine, today  # noqa: E402

TARGET = 50.0  # articles/s
DEFAULT_ARTICLES = 200


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the server


def _serve(n: int, seed: int, ready: Any) -> None:  # runs in the child process
    from aiohttp import web
    from web_fixtures import Site, make_app, synthetic_articles

    site = Site(bulk=synthetic_articles(n, seed=seed))

    async def main() -> None:
        runner = web.AppRunner(make_app(site), access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock, backlog=1024).start()
        ready.put(sock.getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def server(n: int, seed: int = 7) -> Iterator[str]:
    """The feed URL of a loopback server of ``n`` articles in a child process."""
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(n, seed, ready), daemon=True)
    proc.start()
    try:
        port = ready.get(timeout=60)
        yield f"http://127.0.0.1:{port}/bulk/feed.xml"
    finally:
        proc.terminate()
        proc.join(5)


# --------------------------------------------------------------------------- stage timers


class Stages:
    """Thread CPU seconds per stage, summed over every call (calls run in worker threads)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.thread_time() - t
                with self._lock:
                    self.cpu[name] = self.cpu.get(name, 0.0) + spent
                    self.calls[name] = self.calls.get(name, 0) + 1

        return timed


# (module, attribute, stage): where the ingest path looks each stage up at call time
_STAGES = (
    ("checks.sources.web", "extract_html", "extraction"),
    ("checks.ingest", "split_claims", "split_claims"),
    ("checks.claims", "features", "claim features"),
    ("checks.store.sqlite", "SQLiteStore.add_article", "storing"),
)
STAGE_ROWS = (
    ("extraction", "extraction (trafilatura, htmldate)"),
    ("sentences", "sentences (sentencex) and filters"),
    ("claim features", "claim features"),
    ("storing", "storing (one transaction each)"),
)


@contextmanager
def timed_stages() -> Iterator[Stages]:
    """Time extraction, sentence splitting, claim features and storing, where the ingest path
    calls them (``sentences`` is ``split_claims`` less the features it computes)."""
    import importlib

    stages = Stages()
    saved = []
    for module_name, attr, stage in _STAGES:
        owner: Any = importlib.import_module(module_name)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        saved.append((owner, name, original))
        setattr(owner, name, stages.wrap(stage, original))
    try:
        yield stages
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)
        cpu = stages.cpu
        cpu["sentences"] = cpu.pop("split_claims", 0.0) - cpu.get("claim features", 0.0)


@contextmanager
def inline_threads() -> Iterator[None]:
    """Run ``asyncio.to_thread`` calls on the event loop's thread, for one coherent profile."""
    real = asyncio.to_thread

    async def inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    asyncio.to_thread = inline
    try:
        yield
    finally:
        asyncio.to_thread = real


# --------------------------------------------------------------------------- one run


def write_sources(folder: Path, feed: str, n: int) -> Path:
    path = folder / "sources.yaml"
    path.write_text(
        "fetch:\n"
        '  allow_hosts: ["127.0.0.1"]\n'
        "sources:\n"
        "  - name: Generated Gazette\n"
        "    kind: rss\n"
        f"    url: {feed}\n"
        f"    max_articles: {max(1, min(n, 1000))}\n",
        encoding="utf-8",
    )
    return path


def ingest_once(feed: str, n: int, *, profile: cProfile.Profile | None = None) -> dict[str, Any]:
    from checks.engine import Engine

    with tempfile.TemporaryDirectory(prefix="crosscheck-bench-") as tmp:
        folder = Path(tmp)
        engine = Engine.open(folder / "crosscheck.db", write_sources(folder, feed, n))
        try:
            with timed_stages() as stages:
                t0, c0 = time.perf_counter(), time.process_time()
                if profile is not None:
                    with inline_threads():
                        profile.enable()
                        try:
                            report = engine.ingest()
                        finally:
                            profile.disable()
                else:
                    report = engine.ingest()
                seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        finally:
            engine.close()
    if report.errors or report.added != n:
        raise RuntimeError(f"ingested {report.added} of {n} articles; errors: {report.errors[:3]}")
    return {
        "articles": n,
        "seconds": seconds,
        "articles_per_s": n / seconds,
        "cpu_seconds": cpu,
        "claims": report.claims,
        "stages": dict(stages.cpu),
    }


def evaluate(n: int = DEFAULT_ARTICLES, *, repeat: int = 3, seed: int = 7) -> dict[str, Any]:
    """The best of ``repeat`` ingests of ``n`` articles (a fresh store each time)."""
    with server(n, seed) as feed:
        ingest_once(feed, min(n, 20))  # warm-up: imports, trafilatura's and tld's first loads
        runs = [ingest_once(feed, n) for _ in range(max(1, repeat))]
    best = min(runs, key=lambda r: r["seconds"])
    best["runs"] = [round(r["seconds"], 3) for r in runs]
    return best


# --------------------------------------------------------------------------- output


def table(r: dict[str, Any]) -> str:
    n, cpu, stages = r["articles"], r["cpu_seconds"], r["stages"]
    rest = max(0.0, cpu - sum(stages.values()))
    mark = "✔" if r["articles_per_s"] >= TARGET else "✘"
    lines = [
        "| articles | claims | seconds | articles/s | CPU s | articles per CPU s | target |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
        f"| {n} | {r['claims']:,} | {r['seconds']:.2f} | **{r['articles_per_s']:.1f}** | "
        f"{cpu:.2f} | {n / cpu:.1f} | ≥ {TARGET:g}/s {mark} |",
        "",
        "| stage (CPU time, all threads) | CPU s | ms/article | share |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, label in (*STAGE_ROWS, ("rest", "fetch, feed parsing, event loop")):
        s = rest if key == "rest" else stages.get(key, 0.0)
        lines.append(f"| {label} | {s:.2f} | {1000 * s / n:.1f} | {s / cpu:.0%} |")
    return "\n".join(lines)


def section(n: int = DEFAULT_ARTICLES, repeat: int = 3) -> str:
    """A markdown section for ``bench/run_all.py``."""
    r = evaluate(n, repeat=repeat)
    caption = (
        f"**Ingest over HTTP** — `Engine.ingest` of an RSS feed of {n} generated article pages "
        "(300–600 words with site furniture) from a loopback server in another process: fetch, "
        "trafilatura extraction, claim splitting and one transaction per article; best of "
        f"{len(r['runs'])}. {machine()}; {today()}."
    )
    return caption + "\n\n" + table(r)


def print_profile(profile: cProfile.Profile, top: int = 30) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    log(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="pages in the feed")
    ap.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    ap.add_argument("--seed", type=int, default=7, help="seed of the generated articles")
    ap.add_argument(
        "--json", action="store_true", help='print {"articles", "seconds", "articles_per_s"}'
    )
    ap.add_argument(
        "--profile", action="store_true", help="one profiled run, worker calls inline (stderr)"
    )
    ap.add_argument("--profile-out", type=Path, default=None, help="also save the pstats here")
    args = ap.parse_args(argv)
    if not 1 <= args.articles <= 1000:
        ap.error("--articles must be between 1 and 1000 (a feed source's max_articles)")

    if args.profile:
        profile = cProfile.Profile()
        with server(args.articles, args.seed) as feed:
            ingest_once(feed, min(args.articles, 20))
            r = ingest_once(feed, args.articles, profile=profile)
        print_profile(profile)
        if args.profile_out:
            profile.dump_stats(str(args.profile_out))
        log(f"profiled run (inline, slower than real): {r['seconds']:.2f}s")
        return 0

    r = evaluate(args.articles, repeat=args.repeat, seed=args.seed)
    if args.json:
        print(
            json.dumps(
                {
                    "articles": r["articles"],
                    "seconds": round(r["seconds"], 3),
                    "articles_per_s": round(r["articles_per_s"], 2),
                }
            )
        )
    else:
        print(
            f"Ingest over HTTP: {r['articles']} generated pages from a loopback RSS feed; "
            f"best of {len(r['runs'])} runs ({', '.join(f'{s:.2f}s' for s in r['runs'])}). "
            f"{machine()}; {today()}.\n"
        )
        print(table(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
