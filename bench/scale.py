"""Scale-out: SQLite and PostgreSQL side by side — check latency, ingest throughput, workers.

    .venv/bin/python bench/scale.py [--sizes 100000,1000000] [--queries 200] [--json]
                                    [--skip-build] [--dsn postgresql://…] [--explain 3]

1. **Check latency** at each size: the synthetic Zipfian store of ``bench/latency.py`` (its
   generator, its cached SQLite files in ``bench/.cache``, its queries: half paraphrases of stored
   claims, half unrelated sentences) and the *same rows* bulk-loaded into PostgreSQL schema
   ``bench_scale_<size>``, which is kept between runs (reloaded only when the schema's marker —
   this loader's version, the SQLite file it came from, the store's schema version — or its claim
   count differs). The loader creates the tables through ``PostgresStore`` (its migrations), drops
   the secondary indexes and foreign keys, ``COPY``-s ``sources``, ``articles`` and ``claims`` from
   ``SQLStore.export_rows`` (``tsv`` is a generated column, computed by the server), re-creates the
   indexes and keys exactly as they were, then ``VACUUM ANALYZE``. Each backend is timed in a fresh
   process: ``Engine.check_text`` over ``--queries`` claims after the same warm-up checks.
2. **Ingest throughput** over HTTP: ``Engine.ingest`` of ``bench/ingest_http.py``'s loopback RSS
   feed of 200 generated article pages (fetch, extraction, claims, one transaction per article),
   into an empty store and into the store of each size (a copy of the SQLite file; the cached
   PostgreSQL schema, whose new rows are deleted afterwards).
3. **Workers**: the same 200 pages split over 8 feeds, each feed on its own loopback address
   (127.0.0.1 … 127.0.0.8, so that no per-host limit is shared), ingested into a fresh PostgreSQL
   schema by one ``Engine.aingest(holder="w1", only_due=True)`` process, and by two processes
   (``w1``, ``w2``, each its own ``PostgresStore`` and ``Engine``) started together; each process
   first ingests a small warm-up feed of its own (imports, the engine's worker pool), then the
   timed run starts on a shared signal. Every article must be stored exactly once. This is done
   with pages answering at once (CPU-bound) and after ``--page-delays`` seconds (a far-away site,
   where one worker's fetch limits bound it); the machine's CPU use during each run is shown.

``--skip-build`` never builds a missing SQLite store (that size is left out); a cached store built
by older engine code (another key in ``bench/.cache``) is used unless ``--exact-cache``, after
checking it holds this generator's corpus. Temporary schemas (``bench_scale_tmp_…``) are dropped.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (HERE, ROOT, ROOT / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import ingest_http  # noqa: E402
import latency as lat  # noqa: E402
from _common import (  # noqa: E402
    cache_dir,
    code_version,
    file_size_mb,
    machine,
    peak_rss_mb,
    percentile,
    today,
)

from checks.store.postgres import SCHEMA_VERSION, PostgresStore, split_schema  # noqa: E402
from checks.store.sqlite import SQLiteStore  # noqa: E402

DEFAULT_SIZES = (100_000, 1_000_000)
DEFAULT_DSN = (
    os.environ.get("CROSSCHECK_BENCH_PG")
    or os.environ.get("CROSSCHECK_TEST_PG")
    or "postgresql://postgres@127.0.0.1:5432/test"
)
LOADER_VERSION = "scale-load-1"  # bump when the bulk loader changes what it writes
SCHEMA_PREFIX = "bench_scale_"
TMP_PREFIX = "bench_scale_tmp_"
TARGET_P99_MS = {100_000: 50.0, 1_000_000: 150.0}  # issue 2's targets (SQLite)
INGEST_ARTICLES = 200
INGEST_SOURCE = "Generated Gazette"  # the source name ingest_http.write_sources gives
WORKER_FEEDS = 8
WARM_PER_WORKER = 10
BULK_TABLES = ("sources", "articles", "claims")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- PostgreSQL plumbing


def schema_dsn(base: str, schema: str) -> str:
    conninfo, _ = split_schema(base)
    sep = "&" if "?" in conninfo else "?"
    return f"{conninfo}{sep}schema={schema}"


def _connect(base: str, **kwargs: Any) -> Any:
    import psycopg

    conninfo, _ = split_schema(base)
    return psycopg.connect(conninfo, connect_timeout=5, **kwargs)


def drop_schema(base: str, schema: str) -> None:
    if not schema.startswith(SCHEMA_PREFIX):
        raise ValueError(f"refusing to drop {schema!r}")
    with _connect(base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_stale_tmp_schemas(base: str) -> None:
    """Temporary schemas left by a killed run of this bench (their process is gone)."""
    with _connect(base, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (TMP_PREFIX + "%",)
            )
        ]
        for name in names:
            try:
                pid = int(name[len(TMP_PREFIX) :].split("_")[0])
            except ValueError:
                continue
            if pid != os.getpid() and not _pid_alive(pid):
                log(f"dropping stale schema {name}")
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@contextmanager
def tmp_schema(base: str) -> Iterator[str]:
    """A fresh schema's DSN for the block (created by the store on first open); dropped after."""
    schema = f"{TMP_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        yield schema_dsn(base, schema)
    finally:
        drop_schema(base, schema)


def schema_size_mb(base: str, schema: str) -> float:
    with _connect(base) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
            (schema,),
        ).fetchone()
    return int(row[0]) / (1024.0 * 1024.0)


# --------------------------------------------------------------------------- the SQLite stores


def _same_corpus(path: Path, meta: dict[str, Any], n: int) -> bool:
    """Does a cached store hold this generator's corpus of ``n`` claims (some articles' titles,
    the claim count)?"""
    if meta.get("claims") != n:
        return False
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            count = db.execute("SELECT count(*) FROM claims").fetchone()[0]
            last = db.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
            probes = sorted({1, max(1, last // 2), last})
            titles = {
                i: db.execute("SELECT title FROM articles WHERE id = ?", (i,)).fetchone()
                for i in probes
            }
        finally:
            db.close()
    except sqlite3.Error:
        return False
    if count != n:
        return False
    return all(t is not None and t[0] == lat.article_text(i - 1)[0] for i, t in titles.items())


def _building(n: int) -> list[Path]:
    """Stores of ``n`` claims that a live process is building now (``….db.tmp<pid>``)."""
    out = []
    for p in cache_dir().glob(f"latency-{n}-*.db.tmp*"):
        suffix = p.name.rsplit(".tmp", 1)[1]
        if suffix.isdigit() and _pid_alive(int(suffix)):
            out.append(p)
    return out


def sqlite_store(
    n: int, *, skip_build: bool, exact: bool, wait_s: float
) -> tuple[Path, dict[str, Any]] | None:
    """The cached latency-bench store of ``n`` claims: built by this engine code if there is one,
    else (unless ``exact``) one built by older code that holds the same corpus, else one that
    another process is finishing (waited for up to ``wait_s``), else built now (unless
    ``skip_build``)."""
    key = code_version(f"{lat.GENERATOR_VERSION}|{n}")
    deadline = time.monotonic() + wait_s
    while True:
        current = cache_dir() / f"latency-{n}-{key}.db"
        if current.exists() and current.with_suffix(".json").exists():
            meta = json.loads(current.with_suffix(".json").read_text())
            meta["cache"] = "current"
            return current, meta
        if not exact:
            older = sorted(
                (
                    p
                    for p in cache_dir().glob(f"latency-{n}-*.db")
                    if p.with_suffix(".json").exists()
                ),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for p in older:
                meta = json.loads(p.with_suffix(".json").read_text())
                if _same_corpus(p, meta, n):
                    log(
                        f"{n:,}: using {p.name}, built by older engine code (current key {key}); "
                        "the corpus is the same"
                    )
                    meta["cache"] = "older code"
                    return p, meta
        building = _building(n)
        if building and time.monotonic() < deadline:
            log(f"{n:,}: waiting for {building[0].name} (another process is building it) …")
            time.sleep(min(20.0, max(1.0, deadline - time.monotonic())))
            continue
        if skip_build:
            log(f"{n:,}: no cached SQLite store and --skip-build: left out")
            return None
        path, meta = lat.store_for(n, workers=os.cpu_count() or 1, rebuild=False, log=log)
        meta["cache"] = "built now" if not meta.get("build_cached") else "current"
        return path, meta


# --------------------------------------------------------------------------- the bulk loader


def _marker(sqlite_path: Path) -> str:
    from checks.store import postgres

    ddl = hashlib.sha256("".join(getattr(postgres, "_MIGRATIONS", [])).encode()).hexdigest()[:12]
    return f"{LOADER_VERSION}|{sqlite_path.name}|schema{SCHEMA_VERSION}|{ddl}"


def _clean_ingested(conn: Any, schema: str) -> int:
    """Remove what an ingest measurement added to a cached schema (also after a crash)."""
    s = f'"{schema}"'
    n = conn.execute(f"DELETE FROM {s}.articles WHERE source = %s", (INGEST_SOURCE,)).rowcount
    conn.execute(f"DELETE FROM {s}.sources WHERE name = %s", (INGEST_SOURCE,))
    conn.execute(f"DELETE FROM {s}.http_cache")
    conn.execute(f"DELETE FROM {s}.source_leases")
    return n


def pg_cached(base: str, schema: str, marker: str, n: int) -> dict[str, Any] | None:
    with _connect(base, autocommit=True) as conn:
        if (
            conn.execute("SELECT to_regclass(%s)", (f'"{schema}".bench_scale_meta',)).fetchone()[0]
            is None
        ):
            return None
        meta = dict(conn.execute(f'SELECT key, value FROM "{schema}".bench_scale_meta').fetchall())
        if meta.get("marker") != marker:
            log(f"{schema}: loaded from something else ({meta.get('marker')}); reloading")
            return None
        removed = _clean_ingested(conn, schema)
        if removed:
            log(f"{schema}: removed {removed} articles a previous ingest run left")
            conn.execute(f'VACUUM ANALYZE "{schema}".claims')
        count = conn.execute(f'SELECT count(*) FROM "{schema}".claims').fetchone()[0]
        if count != n:
            log(f"{schema}: {count:,} claims, not {n:,}; reloading")
            return None
    return meta


def load_pg(base: str, schema: str, sqlite_path: Path, marker: str, n: int) -> dict[str, Any]:
    """Bulk-load the SQLite store's sources, articles and claims into ``schema`` (replaced)."""
    drop_schema(base, schema)
    t_start = time.perf_counter()
    PostgresStore(schema_dsn(base, schema)).close()  # the tables, exactly as the store makes them
    src = SQLiteStore(sqlite_path, read_only=True)
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}
    try:
        with _connect(base) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute("SET synchronous_commit = off")
            # secondary indexes (not those behind a primary key or unique constraint) and
            # foreign keys of the bulk tables: dropped for the load, re-created as they were
            indexes = conn.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                "JOIN pg_namespace ns ON ns.oid = t.relnamespace "
                "WHERE ns.nspname = %s AND t.relname = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                (schema, list(BULK_TABLES)),
            ).fetchall()
            fkeys = conn.execute(
                "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid "
                "JOIN pg_namespace ns ON ns.oid = t.relnamespace "
                "WHERE ns.nspname = %s AND c.contype = 'f' AND t.relname = ANY(%s)",
                (schema, list(BULK_TABLES)),
            ).fetchall()
            for name, table, _ in fkeys:
                conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                conn.execute(f"DROP INDEX {name}")
            t0 = time.perf_counter()
            with conn.cursor() as cur:
                for table in BULK_TABLES:
                    counts[table] = _copy_table(cur, src, table, n)
            timings["copy_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for name, ddl in indexes:
                t1 = time.perf_counter()
                conn.execute(ddl)
                log(f"  index {name}: {time.perf_counter() - t1:.1f} s")
            for name, table, definition in fkeys:
                conn.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for table in ("articles", "claims"):
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            timings["index_s"] = time.perf_counter() - t0
            conn.execute("CREATE TABLE bench_scale_meta (key TEXT PRIMARY KEY, value TEXT)")
            conn.commit()
        t0 = time.perf_counter()
        with _connect(base, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            for table in BULK_TABLES:
                conn.execute(f"VACUUM (ANALYZE) {table}")
        timings["vacuum_s"] = time.perf_counter() - t0
    except BaseException:
        src.close()
        drop_schema(base, schema)  # never leave a half-loaded schema that looks cached
        raise
    src.close()
    timings["load_s"] = time.perf_counter() - t_start
    meta = {
        "marker": marker,
        "claims": str(counts.get("claims", 0)),
        "articles": str(counts.get("articles", 0)),
        **{k: f"{v:.1f}" for k, v in timings.items()},
        "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    with _connect(base, autocommit=True) as conn, conn.cursor() as cur:
        cur.executemany(
            f'INSERT INTO "{schema}".bench_scale_meta (key, value) VALUES (%s, %s)',
            list(meta.items()),
        )
    return meta


def _copy_table(cur: Any, src: SQLiteStore, table: str, n: int) -> int:
    batches = src.export_rows(table, batch=5000)
    first = next(batches, None)
    if not first:
        return 0
    cols = list(first[0])
    names = ", ".join(f'"{c}"' for c in cols)
    done, step, t0 = 0, max(n // 10, 1), time.perf_counter()
    with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        batch: list[dict[str, Any]] | None = first
        while batch:
            for row in batch:
                copy.write_row(tuple(row[c] for c in cols))
            before, done = done, done + len(batch)
            if table == "claims" and done // step != before // step:
                el = time.perf_counter() - t0
                log(f"  COPY claims: {done:,} in {el:.0f} s ({done / el:,.0f}/s)")
            batch = next(batches, None)
    return done


def pg_store(base: str, n: int, sqlite_path: Path, *, reload: bool) -> dict[str, Any]:
    schema = f"{SCHEMA_PREFIX}{n}"
    marker = _marker(sqlite_path)
    meta = None if reload else pg_cached(base, schema, marker, n)
    if meta is not None:
        meta = dict(meta, cached=True)
    else:
        log(f"loading {n:,} claims into PostgreSQL schema {schema} (COPY) …")
        meta = dict(load_pg(base, schema, sqlite_path, marker, n), cached=False)
        log(
            f"  loaded in {float(meta['load_s']):.0f} s (COPY {float(meta['copy_s']):.0f} s, "
            f"indexes {float(meta['index_s']):.0f} s, "
            f"VACUUM ANALYZE {float(meta['vacuum_s']):.0f} s)"
        )
    meta["schema"] = schema
    meta["dsn"] = schema_dsn(base, schema)
    meta["size_mb"] = round(schema_size_mb(base, schema), 1)
    return meta


# --------------------------------------------------------------------------- check latency


def measure_checks(
    backend: str, target: str, n_articles: int, n_queries: int, explain: int
) -> dict[str, Any]:
    """Time ``Engine.check_text`` on latency.py's queries (runs in a fresh process)."""
    from checks.engine import Engine
    from checks.sources.config import SourcesFile

    load = os.getloadavg()[0]
    # read-only: a store file that vanished is an error, not a new empty store
    store: Any = (
        SQLiteStore(Path(target), read_only=True) if backend == "sqlite" else PostgresStore(target)
    )
    phase: dict[str, float] = {}
    searched: list[tuple[float, str, tuple[Any, ...]]] = []

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phase[name] = phase.get(name, 0.0) + time.perf_counter() - t

        return run

    last_sql: list[tuple[str, tuple[Any, ...]]] = []
    if backend == "postgres" and explain:
        real_read = store._read

        def capture(sql: str, params: Any = ()) -> Any:
            last_sql[:] = [(sql, tuple(params))]
            return real_read(sql, params)

        store._read = capture
    store.search = timed("search", store.search)
    store.term_frequencies = timed("term_frequencies", store.term_frequencies)
    engine = Engine(store, SourcesFile())
    qs = lat.queries(n_articles, n_queries + lat.WARMUP)
    for _, text, _ in qs[: lat.WARMUP]:
        engine.check_text(text)
    wall: list[float] = []
    search_ms: list[float] = []
    freq_ms: list[float] = []
    found = paraphrases = 0
    for _kind, text, original in qs[lat.WARMUP :]:
        phase.clear()
        last_sql.clear()
        t0 = time.perf_counter()
        result = engine.check_text(text)
        took = 1000.0 * (time.perf_counter() - t0)
        wall.append(took)
        search_ms.append(1000.0 * phase.get("search", 0.0))
        freq_ms.append(1000.0 * phase.get("term_frequencies", 0.0))
        if explain and last_sql:
            searched.append((took, *last_sql[0]))
        if original:
            paraphrases += 1
            found += any(m.text == original for m in result.matches)
    row = {
        "queries": len(wall),
        "p50_ms": round(percentile(wall, 50), 2),
        "p90_ms": round(percentile(wall, 90), 2),
        "p99_ms": round(percentile(wall, 99), 2),
        "max_ms": round(max(wall), 2),
        "mean_ms": round(sum(wall) / len(wall), 2),
        "search_p50_ms": round(percentile(search_ms, 50), 2),
        "search_p99_ms": round(percentile(search_ms, 99), 2),
        "term_freq_p50_ms": round(percentile(freq_ms, 50), 2),
        "term_freq_p99_ms": round(percentile(freq_ms, 99), 2),
        "paraphrase_source_found": round(found / max(paraphrases, 1), 3),
        "rss_mb": round(peak_rss_mb(), 1),
        "load_avg_1m": round(load, 2),
    }
    if explain and searched:
        # the slowest checks' last store query (the candidate search), explained
        for took, sql, params in sorted(searched, reverse=True)[:explain]:
            plan = store._read("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            log(f"--- check took {took:.0f} ms; its last query's plan:")
            log("\n".join(r["QUERY PLAN"] for r in plan))
    store.close()
    return row


def checks_in_subprocess(
    backend: str, target: str, n_articles: int, n_queries: int, explain: int
) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_checks", backend, target]
    cmd += ["--_articles", str(n_articles), "--queries", str(n_queries), "--explain", str(explain)]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- ingest throughput


def _ingest(engine: Any, n: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    report = engine.ingest()
    seconds = time.perf_counter() - t0
    return {
        "articles": report.added,
        "claims": report.claims,
        "seconds": round(seconds, 2),
        "articles_per_s": round(report.added / seconds, 1) if seconds else None,
        "errors": len(report.errors) + (report.added != n),
    }


def _copy_store(path: Path, n: int, dest: Path) -> None:
    """Copy a cached store; if it was replaced meanwhile (``bench/latency.py`` rebuilds and
    removes stale ones), copy the store of the same corpus that is there now."""
    try:
        shutil.copyfile(path, dest)
    except FileNotFoundError:
        found = sqlite_store(n, skip_build=True, exact=False, wait_s=0)
        if found is None:
            raise
        log(f"{path.name} is gone; copying {found[0].name} (the same corpus) instead")
        shutil.copyfile(found[0], dest)


def measure_ingest(
    base: str, stores: list[tuple[int, Path | None, str | None]], n: int
) -> list[dict[str, Any]]:
    """``Engine.ingest`` of an RSS feed of ``n`` pages into SQLite and PostgreSQL at each size
    (0 = an empty store)."""
    from checks.engine import Engine
    from checks.sources.config import load_sources

    rows = []
    with ingest_http.server(n) as feed:
        log(f"ingest: warm-up ({min(n, 20)} articles into a scratch SQLite store) …")
        ingest_http.ingest_once(feed, min(n, 20))
        for size, sqlite_path, pg_schema in stores:
            for backend in ("sqlite", "postgres"):
                load = os.getloadavg()[0]
                with tempfile.TemporaryDirectory(prefix="crosscheck-scale-") as tmp:
                    folder = Path(tmp)
                    sources = load_sources(ingest_http.write_sources(folder, feed, n))
                    if backend == "sqlite":
                        db = folder / "store.db"
                        if sqlite_path is not None:
                            _copy_store(sqlite_path, size, db)
                        engine = Engine(SQLiteStore(db), sources)
                        try:
                            r = _ingest(engine, n)
                        finally:
                            engine.close()
                    elif pg_schema is None:
                        with tmp_schema(base) as dsn:
                            engine = Engine(PostgresStore(dsn), sources)
                            try:
                                r = _ingest(engine, n)
                            finally:
                                engine.close()
                    else:
                        engine = Engine(PostgresStore(schema_dsn(base, pg_schema)), sources)
                        try:
                            r = _ingest(engine, n)
                        finally:
                            engine.close()
                            with _connect(base, autocommit=True) as conn:
                                _clean_ingested(conn, pg_schema)
                                conn.execute(f'VACUUM ANALYZE "{pg_schema}".claims')
                r.update(
                    table="ingest", backend=backend, store_claims=size, load_avg_1m=round(load, 2)
                )
                log(
                    f"ingest into {backend} ({size:,} claims): {r['articles']} articles in "
                    f"{r['seconds']:.1f} s = {r['articles_per_s']}/s"
                )
                rows.append(r)
    return rows


# --------------------------------------------------------------------------- workers


def _serve_shards(n: int, feeds: int, warm: int, seed: int, delay: float, ready: Any) -> None:
    """(child process) ``n`` generated pages over ``feeds`` RSS feeds, feed k on 127.0.0.(k+1);
    plus ``/warm/<w>.xml``: ``warm`` more pages per worker w (1 or 2). Every page answers after
    ``delay`` seconds (a far-away site)."""
    from aiohttp import web
    from web_fixtures import Site, make_app, rss_xml, synthetic_articles

    articles = synthetic_articles(n + 2 * warm, seed=seed)
    shards = [articles[k:n:feeds] for k in range(feeds)]
    warmups = {1: articles[n : n + warm], 2: articles[n + warm :]}
    site = Site(bulk=articles)
    if delay > 0:
        site.slow_paths.update({a.path: delay for a in articles})
    app = make_app(site)

    def items(request: web.Request, chosen: list[Any]) -> list[tuple[str, str, str, str]]:
        base = f"http://{request.host}"
        return [(a.title, base + a.path + a.query, a.published, a.paragraphs[0]) for a in chosen]

    async def shard(request: web.Request) -> web.Response:
        k = int(request.match_info["k"])
        body = rss_xml(f"Shard {k}", f"http://{request.host}", items(request, shards[k]))
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    async def warm_feed(request: web.Request) -> web.Response:
        w = int(request.match_info["w"])
        body = rss_xml(f"Warm {w}", f"http://{request.host}", items(request, warmups[w]))
        return web.Response(body=body.encode(), content_type="application/rss+xml")

    app.router.add_get("/shard/{k}.xml", shard)
    app.router.add_get("/warm/{w}.xml", warm_feed)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = 0
        for k in range(feeds):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((f"127.0.0.{k + 1}", port))
            port = sock.getsockname()[1]
            await web.SockSite(runner, sock, backlog=1024).start()
        ready.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def shard_server(
    n: int, feeds: int, warm: int, delay: float = 0.0, seed: int = 11
) -> Iterator[int]:
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    proc = ctx.Process(target=_serve_shards, args=(n, feeds, warm, seed, delay, ready), daemon=True)
    proc.start()
    try:
        yield ready.get(timeout=60)
    finally:
        proc.terminate()
        proc.join(5)


def _sources_yaml(
    folder: Path, port: int, feeds: int, per_feed: int, warm: int
) -> tuple[Path, Path]:
    import yaml

    fetch = {"allow_hosts": [f"127.0.0.{k + 1}" for k in range(feeds)], "retries": 0}
    shards = {
        "fetch": fetch,
        "sources": [
            {
                "name": f"Shard {k}",
                "kind": "rss",
                "url": f"http://127.0.0.{k + 1}:{port}/shard/{k}.xml",
                "max_articles": per_feed,
            }
            for k in range(feeds)
        ],
    }
    main = folder / "shards.yaml"
    main.write_text(yaml.safe_dump(shards, sort_keys=False))
    for w in (1, 2):
        warm_cfg = {
            "fetch": fetch,
            "sources": [
                {
                    "name": f"Warm-up w{w}",
                    "kind": "rss",
                    "url": f"http://127.0.0.1:{port}/warm/{w}.xml",
                    "max_articles": warm,
                }
            ],
        }
        (folder / f"warm{w}.yaml").write_text(yaml.safe_dump(warm_cfg, sort_keys=False))
    return main, folder


def _worker(dsn: str, folder: str, w: int, ready: Any, go: Any, out: Any) -> None:
    """(child process) one ingestion worker: its own store and engine, holder ``w<w>``."""
    try:
        from checks.engine import Engine
        from checks.sources.config import load_sources
        from checks.store.postgres import PostgresStore

        store = PostgresStore(dsn)
        shards = load_sources(Path(folder) / "shards.yaml")
        engine = Engine(store, load_sources(Path(folder) / f"warm{w}.yaml"))
        warm = asyncio.run(engine.aingest(holder=f"w{w}"))  # imports, the worker pool
        engine.config = shards  # the same engine (and its worker pool) for the timed run
        ready.put(w)
        go.wait(120)
        t0 = time.monotonic()
        report = asyncio.run(engine.aingest(holder=f"w{w}", only_due=True))
        t1 = time.monotonic()
        engine.close()
        out.put(
            {
                "w": w,
                "t0": t0,
                "t1": t1,
                "added": report.added,
                "claims": report.claims,
                "errors": report.errors[:3],
                "warm_added": warm.added,
                "ingested": [s.name for s in report.sources if not s.skipped],
            }
        )
    except BaseException as exc:  # report, don't hang the parent
        out.put({"w": w, "failed": f"{type(exc).__name__}: {exc}"})
        ready.put(w)


def run_workers(base: str, dsn: str, folder: Path, workers: int, n: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=_worker, args=(dsn, str(folder), w, ready, go, out))
        for w in range(1, workers + 1)
    ]
    load = os.getloadavg()[0]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=180)
        cpu0 = _cpu_times()
        go.set()
        results = [out.get(timeout=600) for _ in procs]
        cpu1 = _cpu_times()
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    failed = [r["failed"] for r in results if "failed" in r]
    if failed:
        raise RuntimeError(f"worker failed: {failed}")
    wall = max(r["t1"] for r in results) - min(r["t0"] for r in results)
    added = sum(r["added"] for r in results)
    with _connect(base) as conn:
        _, schema = split_schema(dsn)
        total, distinct_url, distinct_hash = conn.execute(
            f"SELECT count(*), count(DISTINCT canonical_url), count(DISTINCT content_hash) "
            f'FROM "{schema}".articles WHERE source LIKE %s',
            ("Shard %",),
        ).fetchone()
    by_source: dict[str, list[int]] = {}
    for r in results:
        for name in r["ingested"]:
            by_source.setdefault(name, []).append(r["w"])
    return {
        "table": "workers",
        "workers": workers,
        "articles": added,
        "stored": total,
        "duplicates": total - min(distinct_url, distinct_hash),
        "missing": n - distinct_url,
        "sources_ingested_twice": sum(len(v) > 1 for v in by_source.values()),
        "per_worker": {f"w{r['w']}": r["added"] for r in results},
        "errors": [e for r in results for e in r["errors"]],
        "seconds": round(wall, 2),
        "articles_per_s": round(added / wall, 1) if wall else None,
        # the whole machine's CPUs busy during the run (workers, their pools, PostgreSQL, site)
        "cpu_busy": _busy(cpu0, cpu1),
        "load_avg_1m": round(load, 2),
    }


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _busy(a: tuple[int, int] | None, b: tuple[int, int] | None) -> float | None:
    if a is None or b is None or b[1] == a[1]:
        return None
    return round((b[0] - a[0]) / (b[1] - a[1]), 3)


def measure_workers(
    base: str, n: int, feeds: int, repeat: int, delay: float = 0.0
) -> list[dict[str, Any]]:
    per_feed = -(-n // feeds)
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    with (
        shard_server(n, feeds, WARM_PER_WORKER, delay) as port,
        tempfile.TemporaryDirectory(prefix="crosscheck-scale-") as tmp,
    ):
        _, folder = _sources_yaml(Path(tmp), port, feeds, per_feed, WARM_PER_WORKER)
        for k in range(repeat):
            for workers in (1, 2):
                with tmp_schema(base) as dsn:
                    # the schema and tables first, as `crosscheck db upgrade` would: two stores
                    # opened at once on a missing schema race in CREATE SCHEMA IF NOT EXISTS
                    PostgresStore(dsn).close()
                    r = run_workers(base, dsn, folder, workers, n)
                log(
                    f"workers (pages take {delay:g} s): {workers} × aingest, run {k + 1}/{repeat}: "
                    f"{r['articles']} articles "
                    f"in {r['seconds']:.1f} s = {r['articles_per_s']}/s "
                    f"(per worker {r['per_worker']}, duplicates {r['duplicates']})"
                )
                runs[workers].append(r)
    best = [min(runs[w], key=lambda r: r["seconds"]) for w in (1, 2)]
    for w, r in zip((1, 2), best, strict=True):
        r["runs_s"] = [x["seconds"] for x in runs[w]]
        r["speedup"] = round(best[0]["seconds"] / r["seconds"], 2)
        r["feeds"] = feeds
        r["page_delay_s"] = delay
    return best


# --------------------------------------------------------------------------- the whole run


def run(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    base = args.dsn
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    drop_stale_tmp_schemas(base)
    out: dict[str, list[dict[str, Any]]] = {"latency": [], "load": [], "ingest": [], "workers": []}
    ingest_stores: list[tuple[int, Path | None, str | None]] = [(0, None, None)]
    for n in sizes:
        found = sqlite_store(
            n, skip_build=args.skip_build, exact=args.exact_cache, wait_s=args.wait
        )
        if found is None:
            continue
        path, meta = found
        pg = pg_store(base, n, path, reload=args.reload_pg)
        load_row = {
            "table": "load",
            "claims": n,
            "articles": meta["articles"],
            "sqlite_file": path.name,
            "sqlite_cache": meta["cache"],
            "sqlite_build_s": meta.get("build_s"),
            "sqlite_mb": round(file_size_mb(path), 1),
            "pg_schema": pg["schema"],
            "pg_cached": pg["cached"],
            "pg_load_s": float(pg["load_s"]),
            "pg_copy_s": float(pg["copy_s"]),
            "pg_index_s": float(pg["index_s"]),
            "pg_vacuum_s": float(pg["vacuum_s"]),
            "pg_mb": pg["size_mb"],
        }
        out["load"].append(load_row)
        row: dict[str, Any] = {"table": "latency", "claims": n}
        for backend, target in (("sqlite", str(path)), ("postgres", pg["dsn"])):
            log(f"checks: {backend}, {n:,} claims, {args.queries} queries …")
            r = checks_in_subprocess(
                backend,
                target,
                meta["articles"],
                args.queries,
                args.explain if backend == "postgres" else 0,
            )
            log(f"  p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
            row.update({f"{backend}_{k}": v for k, v in r.items()})
        target_ms = TARGET_P99_MS.get(n)
        row["target_p99_ms"] = target_ms
        if target_ms is not None:
            row["sqlite_meets"] = row["sqlite_p99_ms"] <= target_ms
            row["postgres_meets"] = row["postgres_p99_ms"] <= target_ms
        out["latency"].append(row)
        ingest_stores.append((n, path, pg["schema"]))
    if not args.no_ingest:
        out["ingest"] = measure_ingest(base, ingest_stores, args.ingest_articles)
    if not args.no_workers:
        for delay in [float(d) for d in args.page_delays.split(",") if d.strip()]:
            out["workers"] += measure_workers(
                base, args.worker_articles, args.feeds, args.worker_repeat, delay
            )
    return out


# --------------------------------------------------------------------------- output


def _ms(v: float) -> str:
    return f"{v:,.1f}"


def tables(out: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> str:
    parts = [f"_{machine()}; {today()}._"]
    if out["latency"]:
        lines = [
            f"**Check latency** — `Engine.check_text`, {args.queries} synthetic claims per size "
            "(half paraphrases of stored claims, half unrelated), warm, each store in a fresh "
            "process; the same claims in both stores.",
            "",
            "| claims | SQLite p50 (ms) | SQLite p99 (ms) | PostgreSQL p50 (ms) "
            "| PostgreSQL p99 (ms) | p99 target (ms) | SQLite meets | PostgreSQL meets |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | :---: | :---: |",
        ]
        for r in out["latency"]:
            t = r.get("target_p99_ms")

            def mark(key: str, r: dict[str, Any] = r) -> str:
                return "—" if key not in r else ("✔" if r[key] else "✘")

            lines.append(
                f"| {r['claims']:,} | {_ms(r['sqlite_p50_ms'])} | {_ms(r['sqlite_p99_ms'])} "
                f"| {_ms(r['postgres_p50_ms'])} | {_ms(r['postgres_p99_ms'])} "
                f"| {'—' if t is None else f'≤ {t:g}'} | {mark('sqlite_meets')} "
                f"| {mark('postgres_meets')} |"
            )
        lines += [
            "",
            "| claims | store | search p50/p99 (ms) | term frequencies p50/p99 (ms) "
            "| paraphrase found | load avg |",
            "| ---: | --- | ---: | ---: | ---: | ---: |",
        ]
        for r in out["latency"]:
            for b, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
                lines.append(
                    f"| {r['claims']:,} | {label} | {_ms(r[f'{b}_search_p50_ms'])} / "
                    f"{_ms(r[f'{b}_search_p99_ms'])} | {_ms(r[f'{b}_term_freq_p50_ms'])} / "
                    f"{_ms(r[f'{b}_term_freq_p99_ms'])} "
                    f"| {100 * r[f'{b}_paraphrase_source_found']:.0f}% "
                    f"| {r[f'{b}_load_avg_1m']:.1f} |"
                )
        parts.append("\n".join(lines))
    if out["load"]:
        lines = [
            "**Stores** — SQLite built through `add_article` (bench/latency.py, cached); "
            "PostgreSQL bulk-loaded from it with `COPY` (indexes and keys re-created after, then "
            "`VACUUM ANALYZE`), cached as schema `bench_scale_<claims>`.",
            "",
            "| claims | articles | SQLite build (s) | SQLite (MB) | PostgreSQL load (s) "
            "| COPY / indexes / vacuum (s) | PostgreSQL (MB) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in out["load"]:
            build = r["sqlite_build_s"]
            lines.append(
                f"| {r['claims']:,} | {r['articles']:,} "
                f"| {'—' if build is None else f'{build:,.0f}'} | {r['sqlite_mb']:,.0f} "
                f"| {r['pg_load_s']:,.0f}{' (cached)' if r['pg_cached'] else ''} "
                f"| {r['pg_copy_s']:,.0f} / {r['pg_index_s']:,.0f} / {r['pg_vacuum_s']:,.0f} "
                f"| {r['pg_mb']:,.0f} |"
            )
        parts.append("\n".join(lines))
    if out["ingest"]:
        by: dict[int, dict[str, dict[str, Any]]] = {}
        for r in out["ingest"]:
            by.setdefault(r["store_claims"], {})[r["backend"]] = r
        lines = [
            f"**Ingest throughput** — `Engine.ingest` of a loopback RSS feed of "
            f"{args.ingest_articles} generated article pages (fetch, extraction, claims, one "
            "transaction per article) into a store already holding the given claims.",
            "",
            "| store holds (claims) | SQLite (articles/s) | PostgreSQL (articles/s) |",
            "| ---: | ---: | ---: |",
        ]
        for size, pair in by.items():
            cells = []
            for b in ("sqlite", "postgres"):
                r = pair.get(b)
                if r is None:
                    cells.append("—")
                else:
                    bad = " ✘" if r["errors"] else ""
                    cells.append(f"{r['articles_per_s']:.1f}{bad}")
            lines.append(f"| {'empty' if size == 0 else f'{size:,}'} | {cells[0]} | {cells[1]} |")
        parts.append("\n".join(lines))
    if out["workers"]:
        r1 = out["workers"][0]
        lines = [
            f"**Ingestion workers on PostgreSQL** — {args.worker_articles} generated pages over "
            f"{r1['feeds']} RSS feeds (each on its own loopback address); "
            "`Engine.aingest(holder=…, only_due=True)` in one process, or in two processes at "
            f"once on the same schema; best of {len(r1['runs_s'])}, after a warm-up feed per "
            f"process; {os.cpu_count()} CPUs. A page delay stands for a far-away site; CPU busy "
            "is the whole machine's (workers, their pools, PostgreSQL, the site) during the run.",
            "",
            "| page delay (s) | workers | articles | seconds | articles/s | speed-up "
            "| CPU busy | per worker | stored twice | missing |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
        ]
        for r in out["workers"]:
            per = ", ".join(f"{k}: {v}" for k, v in sorted(r["per_worker"].items()))
            busy = "—" if r["cpu_busy"] is None else f"{100 * r['cpu_busy']:.0f}%"
            lines.append(
                f"| {r['page_delay_s']:g} | {r['workers']} | {r['articles']} "
                f"| {r['seconds']:.2f} | {r['articles_per_s']:.1f} | {r['speedup']:.2f}× "
                f"| {busy} | {per} | {r['duplicates']} | {r['missing']} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="claims per store, comma-separated (default %(default)s)",
    )
    ap.add_argument("--queries", type=int, default=200, help="checks timed per size and store")
    ap.add_argument("--json", action="store_true", help="one JSON object per row, one a line")
    ap.add_argument("--skip-build", action="store_true", help="never build a SQLite store")
    ap.add_argument(
        "--exact-cache",
        action="store_true",
        help="use only SQLite stores built by this engine code (else build)",
    )
    ap.add_argument(
        "--wait",
        type=float,
        default=1800.0,
        help="seconds to wait for a store another process is building (default %(default)s)",
    )
    ap.add_argument("--dsn", default=DEFAULT_DSN, help="PostgreSQL server (default %(default)s)")
    ap.add_argument("--reload-pg", action="store_true", help="reload the PostgreSQL schemas")
    ap.add_argument("--explain", type=int, default=0, help="EXPLAIN ANALYZE the N slowest (stderr)")
    ap.add_argument("--no-ingest", action="store_true", help="skip the ingest measurement")
    ap.add_argument("--ingest-articles", type=int, default=INGEST_ARTICLES)
    ap.add_argument("--no-workers", action="store_true", help="skip the workers measurement")
    ap.add_argument("--worker-articles", type=int, default=INGEST_ARTICLES)
    ap.add_argument("--feeds", type=int, default=WORKER_FEEDS, help="feeds for the workers run")
    ap.add_argument("--worker-repeat", type=int, default=2, help="runs of each; the best counts")
    ap.add_argument(
        "--page-delays",
        default="0,0.2",
        help="seconds each page takes in the workers runs, comma-separated (default %(default)s)",
    )
    ap.add_argument("--_checks", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--_articles", type=int, default=0, help=argparse.SUPPRESS)
    return ap


def section(argv: list[str] | None = None) -> str:
    """The markdown tables, for ``bench/run_all.py``."""
    args = _parser().parse_args(argv or [])
    return tables(run(args), args)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args._checks is not None:
        backend, target = args._checks
        print(
            json.dumps(measure_checks(backend, target, args._articles, args.queries, args.explain))
        )
        return 0
    if not 1 <= args.ingest_articles <= 1000:
        _parser().error("--ingest-articles must be between 1 and 1000")
    if not 1 <= args.feeds <= 32:
        _parser().error("--feeds must be between 1 and 32")
    t0 = time.perf_counter()
    out = run(args)
    took = time.perf_counter() - t0
    if args.json:
        for key in ("latency", "load", "ingest", "workers"):
            for r in out[key]:
                print(json.dumps(r), flush=True)
    else:
        print(tables(out, args))
        print(f"\n_bench/scale.py took {took / 60:.1f} min._")
    log(f"done in {took / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
