"""Retrieval at scale with claim vectors: CPU time per check, store size, backlog throughput.

    .venv/bin/python bench/vector_scale.py [--sizes 100000,1000000] [--queries 200] [--json]

For each size N: the synthetic store of ``bench/latency.py`` (its generator, its queries: half
paraphrases of stored claims, half unrelated sentences), copied once to
``bench/.cache/vectors-<N>.db`` and given one vector per claim. Embedding a million claims with
MiniLM takes hours on two cores, so the stored vectors come from the hashing stand-in
(``HashEmbedder``): the vector index's size and speed depend on the number and size of the vectors,
not on the model that made them. The *query* is embedded by MiniLM as a check would (its CPU is
counted) and then replaced by the stand-in's vector, so that it is compared with vectors of its
own kind.

Measured, per query, in this process after 10 warm-up checks (CPU = ``time.process_time``, all of
this process's threads, including onnxruntime's; wall = ``perf_counter``), p50 / p95 / p99:

* ``lexical``: ``find_matches`` without an embedder (the full-text stage and rerank);
* ``hybrid``: ``find_matches`` with the query embedded by MiniLM (the engine's default path);
* ``embed``: MiniLM on the query alone.

With ``--pg DSN`` the same claims are bulk-loaded into PostgreSQL (``bench/scale.py``'s loader,
schema ``bench_scale_<N>``) with the same stand-in vectors (pgvector, HNSW), and CPU is this
process's plus the server process's serving the one connection (``/proc/<pid>/schedstat``; the
server must run on this machine).

Also: the store's size on disk with vectors (the SQLite file and its ``.vectors`` folder, which
holds the HNSW graph), how fast vectors are stored (``put_vectors``, with the graph kept up to
date), and MiniLM's throughput on the store's own claims (2,000 of them, batched as the backlog
worker does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency as lat
from _common import cache_dir, file_size_mb, machine, percentile, today

from checks.claims import features
from checks.embed import HashEmbedder, get_embedder
from checks.match import find_matches
from checks.store.sqlite import SQLiteStore
from checks.store.vectors import new_epoch, to_int8

VERSION = "vectors-1"
WARMUP = 10


class _MiniLMCost:
    """Embeds the query with MiniLM (its real cost) and answers the stand-in's vector."""

    def __init__(self, real: Any, stand_in: HashEmbedder) -> None:
        self.real, self.stand_in = real, stand_in
        self.name, self.dim = stand_in.name, stand_in.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        self.real.embed(texts)
        return self.stand_in.embed(texts)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def vector_store(n: int) -> tuple[Path, dict[str, Any]]:
    """The latency store of ``n`` claims with a stand-in vector for every claim (cached)."""
    path = cache_dir() / f"vectors-{n}.db"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("version") == VERSION:
            return path, meta
    # any cached latency store of this size: the corpus depends on the generator, not on the
    # engine code that the latency bench's cache key also covers
    cached = sorted(
        (p for p in cache_dir().glob(f"latency-{n}-*.db") if p.with_suffix(".json").exists()),
        key=lambda p: p.stat().st_mtime,
    )
    if cached:
        src = cached[-1]
    else:
        src, _ = lat.store_for(n, workers=os.cpu_count() or 1, rebuild=False, log=_log)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(str(path) + ".vectors", ignore_errors=True)
    shutil.copy(src, tmp)
    for suffix in ("-wal", "-shm", ".vectors"):
        shutil.rmtree(str(tmp) + suffix, ignore_errors=True)
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    store = SQLiteStore(tmp)  # migrates an older store: every claim enters the backlog
    emb = HashEmbedder()
    t0, c0 = time.perf_counter(), time.process_time()
    done = 0
    if n <= 100_000:  # the way the backlog worker stores them: put_vectors, graph kept in step
        _log(f"{n:,}: storing {store.vector_backlog():,} stand-in vectors (put_vectors) …")
        while True:
            batch = store.pending_enrichment(5000, holder="bench")
            if not batch:
                break
            vecs = emb.embed([t for _, t in batch])
            store.put_vectors(emb.name, [(i, v) for (i, _), v in zip(batch, vecs, strict=True)])
            done += len(batch)
        rate = "put_vectors"
    else:  # bulk: rows first, then the graph in one pass (the incremental path takes hours here)
        _log(f"{n:,}: bulk-loading {n:,} stand-in vectors, then the graph …")
        last = 0
        while True:
            rows = store._read(
                "SELECT id, text FROM claims WHERE id > ? ORDER BY id LIMIT 20000", (last,)
            )
            if not rows:
                break
            vecs = to_int8(emb.embed([r[1] for r in rows]))
            with store._tx() as db:
                db.executemany(
                    "INSERT INTO claim_vectors (claim_id, vec) VALUES (?, ?)",
                    [(int(r[0]), vecs[k].tobytes()) for k, r in enumerate(rows)],
                )
            last = int(rows[-1][0])
            done += len(rows)
            if done % 200_000 < 20_000:
                _log(f"  {done:,} rows in {time.perf_counter() - t0:.0f} s")
        with store._tx() as db:
            db.execute("DELETE FROM enrichment")
            for key, value in (
                ("embed_model", emb.name),
                ("vector_dim", str(emb.dim)),
                ("vector_epoch", new_epoch()),
            ):
                db.execute("INSERT INTO store_meta (key, value) VALUES (?, ?)", (key, value))
        _log(f"  rows stored in {time.perf_counter() - t0:.0f} s; building the graph …")
        store._vectors.sync(store._read)
        rate = "bulk rows + one graph build"
    store._vectors.save()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    _log(f"  {done:,} vectors in {wall:.0f} s ({cpu:.0f} CPU-s)")
    store.close()
    os.replace(tmp, path)
    if Path(str(tmp) + ".vectors").exists():
        os.replace(str(tmp) + ".vectors", str(path) + ".vectors")
    meta = {
        "version": VERSION,
        "claims": n,
        "put_vectors_per_s": round(done / wall, 1),
        "put_vectors_how": rate,
        "put_vectors_per_cpu_s": round(done / cpu, 1),
        "built": today(),
    }
    meta_path.write_text(json.dumps(meta, indent=1))
    return path, meta


def _folder_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.iterdir()) / 1e6 if p.is_dir() else 0.0


def _pcts(xs: list[float]) -> dict[str, float]:
    return {f"p{p}": round(percentile(xs, p), 2) for p in (50, 95, 99)}


def _proc_cpu_s(pid: int) -> float:
    """CPU seconds a local process has run (Linux ``/proc/<pid>/schedstat``, in nanoseconds:
    ``/proc/<pid>/stat`` counts whole 10 ms ticks, too coarse for one query)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def pg_store(n: int, base: str) -> Any:
    """The same claims in PostgreSQL (bench/scale.py's bulk loader), with stand-in vectors."""
    import scale

    from checks.store.postgres import PostgresStore

    path, _ = vector_store(n)
    meta = scale.pg_store(base, n, path, reload=False)
    store = PostgresStore(meta["dsn"], pool_size=1)  # one connection: one server process
    emb = HashEmbedder()
    if store.vector_model() != emb.name or store.vector_backlog():
        _log(f"{n:,}: storing stand-in vectors in PostgreSQL (HNSW index kept up to date) …")
        t0, done = time.perf_counter(), 0
        while True:
            batch = store.pending_enrichment(2000, holder="bench")
            if not batch:
                break
            vecs = emb.embed([t for _, t in batch])
            store.put_vectors(emb.name, [(i, v) for (i, _), v in zip(batch, vecs, strict=True)])
            done += len(batch)
            if done % 50_000 < 2000:
                _log(f"  {done:,} vectors in {time.perf_counter() - t0:.0f} s")
    return store, meta


def measure(n: int, n_queries: int, pg: str | None = None) -> dict[str, Any]:
    minilm = get_embedder("minilm")
    assert minilm is not None
    stand_in = HashEmbedder()
    query_emb = _MiniLMCost(minilm, stand_in)
    server_pid: int | None = None
    if pg:
        store, pg_meta = pg_store(n, pg)
        server_pid = int(store._read("SELECT pg_backend_pid() AS p")[0]["p"])
        path = None
    else:
        path, meta = vector_store(n)
        store = SQLiteStore(path, read_only=True)
    n_articles = int(store._read("SELECT count(*) AS n FROM articles")[0]["n"])
    qs = lat.queries(n_articles, n_queries + WARMUP)
    t0 = time.perf_counter()
    store.nearest(stand_in.name, stand_in.embed(["warm"])[0], 1)  # loads the graph
    load_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "claims": n,
        "store": "postgres" if pg else "sqlite",
        "graph_load_s": round(load_s, 2),
    }
    for mode in ("lexical", "hybrid", "embed"):
        cpu: list[float] = []
        wall: list[float] = []
        found = paraphrases = 0
        for k, (_kind, text, original) in enumerate(qs):
            feats = features(text)
            s0 = _proc_cpu_s(server_pid) if server_pid else 0.0
            c0, w0 = time.process_time(), time.perf_counter()
            if mode == "embed":
                minilm.embed([text])
                got: list[Any] = []
            else:
                got = find_matches(
                    store, text, feats, embedder=query_emb if mode == "hybrid" else None
                )
            c1, w1 = time.process_time(), time.perf_counter()
            s1 = _proc_cpu_s(server_pid) if server_pid else 0.0
            if k < WARMUP:
                continue
            cpu.append(1000 * (c1 - c0 + s1 - s0))
            wall.append(1000 * (w1 - w0))
            if original and mode != "embed":
                paraphrases += 1
                found += any(m.candidate.claim.text == original for m in got)
        out[mode] = {"cpu_ms": _pcts(cpu), "wall_ms": _pcts(wall)}
        if mode != "embed":
            out[mode]["paraphrase_found"] = round(found / max(paraphrases, 1), 3)
    if pg:
        store.close()
        out["db_mb"] = pg_meta["size_mb"]
        out["vectors_mb"] = 0.0
        out["minilm_claims_per_s"] = out["minilm_claims_per_cpu_s"] = None
        out["put_vectors_per_s"] = None
        out["load_avg_1m"] = round(os.getloadavg()[0], 2)
        return out
    texts = [r[0] for r in store._read("SELECT text FROM claims ORDER BY id LIMIT 2000")]
    store.close()
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), 64):
        minilm.embed(texts[start : start + 64])
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    out["minilm_claims_per_s"] = round(len(texts) / wall_s, 1)
    out["minilm_claims_per_cpu_s"] = round(len(texts) / cpu_s, 1)
    out["put_vectors_per_s"] = meta["put_vectors_per_s"]
    assert path is not None
    out["db_mb"] = round(file_size_mb(path), 1)
    out["vectors_mb"] = round(_folder_mb(Path(str(path) + ".vectors")), 1)
    out["load_avg_1m"] = round(os.getloadavg()[0], 2)
    return out


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| claims | store | lexical CPU ms p50 / p95 / p99 | hybrid CPU ms p50 / p95 / p99 "
        "(incl. query embedding) | hybrid wall p50 / p99 | query embedding CPU ms p50 / p99 "
        "| paraphrase found (lexical → hybrid) | store MB (db + HNSW) |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lx, hy, em = r["lexical"]["cpu_ms"], r["hybrid"]["cpu_ms"], r["embed"]["cpu_ms"]
        hw = r["hybrid"]["wall_ms"]
        lines.append(
            f"| {r['claims']:,} | {r['store']} | {lx['p50']} / {lx['p95']} / {lx['p99']} "
            f"| {hy['p50']} / {hy['p95']} / {hy['p99']} | {hw['p50']} / {hw['p99']} "
            f"| {em['p50']} / {em['p99']} "
            f"| {r['lexical']['paraphrase_found']} → {r['hybrid']['paraphrase_found']} "
            f"| {r['db_mb']:.0f} + {r['vectors_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--pg", default=None, help="measure PostgreSQL at this DSN instead of SQLite")
    args = ap.parse_args(argv)
    rows = [measure(int(n), args.queries, args.pg) for n in args.sizes.split(",")]
    if args.json:
        print(json.dumps(rows))
    else:
        print(f"{machine()}; {today()}")
        print(table(rows))
        for r in rows:
            if r["store"] == "postgres":
                continue
            print(
                f"- {r['claims']:,}: MiniLM {r['minilm_claims_per_s']} claims/s "
                f"({r['minilm_claims_per_cpu_s']} per CPU-s); vectors stored "
                f"{r['put_vectors_per_s']}/s with the graph; graph loaded in "
                f"{r['graph_load_s']} s; load average {r['load_avg_1m']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
