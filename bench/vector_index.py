"""Which embedded vector index for the SQLite store: sqlite-vec or usearch (issue 11, item 2).

    .venv/bin/python bench/vector_index.py [--quick] [--sizes 100000,1000000] [--json]

Synthetic, L2-normalised 384-d vectors shaped like sentence embeddings (a few thousand topic
directions plus noise, so that near neighbours exist as they do for real claims); each query is a
stored vector moved by fresh noise, so its true top 10 is known from an exact scan. For each index:

* **build**: seconds (wall and CPU) to insert every vector (and, for usearch, to save its file);
* **size**: bytes on disk (the SQLite file for sqlite-vec, the index file for usearch);
* **query**: CPU and wall ms per query for the top 20, p50 / p95 / p99 (one thread; CPU time is
  the stable figure on a shared machine);
* **recall@10**: share of the exact top 10 (by cosine on float32) found in the index's top 20
  (after the float rerank where there is one).

Indexes measured:

* ``sqlite-vec int8``: a ``vec0`` table of ``int8[384]`` (exact scan over 384 bytes per row);
* ``sqlite-vec bit+rerank``: a ``vec0`` table of ``bit[384]`` (Hamming scan over 48 bytes per
  row) for the top 200, reranked by the int8 cosine;
* ``usearch i8``: an HNSW graph (connectivity 16, expansion 64 on search) over int8 vectors.

Python's own ``sqlite3`` module here is built without extension loading (``enable_load_extension``
is missing), so sqlite-vec is run through ``apsw``; using it in the store would mean switching the
store's SQLite driver. ``--quick`` runs 20k vectors only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

DIM = 384
TOPICS = 4000
K = 20


def _vectors(n: int, seed: int) -> np.ndarray:
    """``n`` normalised vectors around shared topic directions (deterministic)."""
    rng = np.random.default_rng(seed)
    topics = np.random.default_rng(7).standard_normal((TOPICS, DIM)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        pick = rng.integers(0, TOPICS, m)
        v = topics[pick] + 1.2 * rng.standard_normal((m, DIM)).astype(np.float32)
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _queries(base: np.ndarray, q: int) -> np.ndarray:
    rng = np.random.default_rng(99)
    pick = rng.integers(0, len(base), q)
    v: np.ndarray = base[pick] + 0.05 * rng.standard_normal((q, DIM)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def _int8(v: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(v * 127.0), -127, 127).astype(np.int8)


def _exact_top(base: np.ndarray, queries: np.ndarray, k: int = 10) -> list[set[int]]:
    out = []
    for q in queries:
        sims = base @ q
        out.append(set(np.argpartition(-sims, k)[:k].tolist()))
    return out


def _pcts(xs: list[float]) -> dict[str, float]:
    a = np.array(xs) * 1000.0
    return {f"p{p}": round(float(np.percentile(a, p)), 2) for p in (50, 95, 99)}


def _timed(fn: Any) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.thread_time()
    out = fn()
    return out, time.perf_counter() - w0, time.thread_time() - c0


def bench_usearch(
    base: np.ndarray, queries: np.ndarray, truth: list[set[int]], tmp: Path
) -> dict[str, Any]:
    from usearch.index import Index

    index = Index(ndim=DIM, metric="cos", dtype="i8", connectivity=16, expansion_add=128)
    keys = np.arange(len(base), dtype=np.uint64)
    w0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, len(base), 50_000):
        index.add(keys[start : start + 50_000], base[start : start + 50_000], threads=2)
    path = tmp / "vectors.usearch"
    index.save(str(path))
    build_wall, build_cpu = time.perf_counter() - w0, time.process_time() - c0
    view = Index.restore(str(path), view=True)  # memory-mapped, as a reader process opens it
    assert view is not None
    index = view
    index.expansion_search = 64  # type: ignore[misc]
    cpu, wall, hits = [], [], 0
    for q, want in zip(queries, truth, strict=True):
        res, w, c = _timed(lambda q=q: index.search(q, K, threads=1))
        cpu.append(c)
        wall.append(w)
        hits += len(want & set(int(x) for x in res.keys))
    return {
        "index": "usearch i8 HNSW",
        "build_s": round(build_wall, 1),
        "build_cpu_s": round(build_cpu, 1),
        "bytes": path.stat().st_size,
        "cpu_ms": _pcts(cpu),
        "wall_ms": _pcts(wall),
        "recall@10": round(hits / (10 * len(queries)), 4),
    }


def bench_sqlite_vec(
    base: np.ndarray, queries: np.ndarray, truth: list[set[int]], tmp: Path, kind: str
) -> dict[str, Any]:
    import apsw
    import sqlite_vec

    path = tmp / f"vec-{kind}.db"
    db: Any = apsw.Connection(str(path))
    db.enable_load_extension(True)
    db.load_extension(sqlite_vec.loadable_path())
    db.execute("PRAGMA journal_mode = WAL")
    q8 = _int8(base)
    w0, c0 = time.perf_counter(), time.process_time()
    if kind == "int8":
        db.execute(f"CREATE VIRTUAL TABLE v USING vec0 (e int8[{DIM}] distance_metric=cosine)")
        sql = "INSERT INTO v (rowid, e) VALUES (?, vec_int8(?))"
        for start in range(0, len(base), 20_000):
            with db:
                db.executemany(
                    sql,
                    ((i + start, r.tobytes()) for i, r in enumerate(q8[start : start + 20_000])),
                )
    else:
        db.execute(f"CREATE VIRTUAL TABLE v USING vec0 (e bit[{DIM}])")
        db.execute("CREATE TABLE full (id INTEGER PRIMARY KEY, e BLOB)")
        bits = np.packbits(base > 0, axis=1)
        for start in range(0, len(base), 20_000):
            with db:
                db.executemany(
                    "INSERT INTO v (rowid, e) VALUES (?, vec_bit(?))",
                    ((i + start, r.tobytes()) for i, r in enumerate(bits[start : start + 20_000])),
                )
                db.executemany(
                    "INSERT INTO full (id, e) VALUES (?, ?)",
                    ((i + start, r.tobytes()) for i, r in enumerate(q8[start : start + 20_000])),
                )
    build_wall, build_cpu = time.perf_counter() - w0, time.process_time() - c0
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cpu, wall, hits = [], [], 0
    for q, want in zip(queries, truth, strict=True):
        if kind == "int8":

            def run(q: np.ndarray = q) -> list[int]:
                rows = db.execute(
                    "SELECT rowid FROM v WHERE e MATCH vec_int8(?) AND k = ?",
                    (_int8(q).tobytes(), K),
                ).fetchall()
                return [int(r[0]) for r in rows]
        else:

            def run(q: np.ndarray = q) -> list[int]:
                rows = db.execute(
                    "SELECT rowid FROM v WHERE e MATCH vec_bit(?) AND k = 200",
                    (np.packbits(q > 0).tobytes(),),
                ).fetchall()
                ids = [int(r[0]) for r in rows]
                marks = ",".join("?" * len(ids))
                got = db.execute(f"SELECT id, e FROM full WHERE id IN ({marks})", ids).fetchall()
                mat = np.frombuffer(b"".join(e for _, e in got), dtype=np.int8).reshape(-1, DIM)
                sims = mat.astype(np.float32) @ q
                order = np.argsort(-sims)[:K]
                return [int(got[i][0]) for i in order]

        res, w, c = _timed(run)
        cpu.append(c)
        wall.append(w)
        hits += len(want & set(res))
    db.close()
    return {
        "index": f"sqlite-vec {'int8' if kind == 'int8' else 'bit+int8 rerank'}",
        "build_s": round(build_wall, 1),
        "build_cpu_s": round(build_cpu, 1),
        "bytes": path.stat().st_size,
        "cpu_ms": _pcts(cpu),
        "wall_ms": _pcts(wall),
        "recall@10": round(hits / (10 * len(queries)), 4),
    }


def run(sizes: list[int], n_queries: int, only: set[str]) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        base = _vectors(n, seed=n)
        queries = _queries(base, n_queries)
        truth = _exact_top(base, queries)
        with tempfile.TemporaryDirectory(prefix="vecbench") as d:
            tmp = Path(d)
            for name in ("usearch", "sqlite-vec-int8", "sqlite-vec-bit"):
                if only and name not in only:
                    continue
                print(f"{n:,} vectors: {name} …", file=sys.stderr, flush=True)
                if name == "usearch":
                    r = bench_usearch(base, queries, truth, tmp)
                else:
                    r = bench_sqlite_vec(base, queries, truth, tmp, name.rsplit("-", 1)[1])
                r["vectors"] = n
                results.append(r)
                print(json.dumps(r), file=sys.stderr, flush=True)
    return results


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| vectors | index | query CPU ms p50 / p95 / p99 | wall ms p50 / p99 | recall@10 "
        "| build s (CPU s) | MB on disk |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        c, w = r["cpu_ms"], r["wall_ms"]
        rows.append(
            f"| {r['vectors']:,} | {r['index']} | {c['p50']} / {c['p95']} / {c['p99']} "
            f"| {w['p50']} / {w['p99']} | {r['recall@10']:.3f} | {r['build_s']} "
            f"({r['build_cpu_s']}) | {r['bytes'] / 1e6:.0f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="20k vectors only")
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated store sizes")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--only", default="", help="usearch,sqlite-vec-int8,sqlite-vec-bit")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sizes = [20_000] if args.quick else [int(x) for x in args.sizes.split(",")]
    only = {x for x in args.only.split(",") if x}
    results = run(sizes, 50 if args.quick else args.queries, only)
    print(json.dumps(results) if args.json else table(results))
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
