"""How fast the sentence embedder runs: model load, batch throughput, one-query latency.

    .venv/bin/python bench/embed_speed.py [--quick] [--json]

Prints markdown tables on stdout (progress on stderr). Texts are the fact-checked claims of the
CheckThat! 2022 Task 2A catalogue in ``$CROSSCHECK_BENCH_DATA`` (default
``../shared/bench/clef2022-t2a-en``) and its tweets as one-at-a-time queries; without that data,
synthetic sentences of the same length. Every figure is given as wall time *and* CPU time
(``time.process_time`` of the process, all its threads), since wall time on a shared machine
swings with the load of others while CPU time stays put.

* **load** — building :class:`checks.embed.MiniLMEmbedder` (sha256 checks of both files, tokenizer,
  onnxruntime session with graph optimisation);
* **throughput** — ``embed()`` over N texts for intra-op threads × batch size, texts sorted by
  token count (length bucketing, the default) or in arrival order; and the layout ingest workers
  use, two processes of one thread each embedding half the texts;
* **one query** — ``embed([text])`` per tweet, p50 / p95 / p99 of wall and CPU milliseconds.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import current_rss_mb, machine, percentile, today

from checks import embed

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "clef2022-t2a-en"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- texts


def _synthetic(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = (
        "the a of in to and government said percent people new vaccine city council year "
        "million report study climate health police election president officials data school "
        "rose fell more than after before claims shows found would could not every week"
    )
    vocab = words.split(" ")
    return [
        " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 30))).capitalize() + "."
        for _ in range(n)
    ]


def load_texts(n_claims: int, n_queries: int) -> tuple[list[str], list[str], str]:
    """(claims, queries, where they came from)."""
    data = Path(os.environ.get("CROSSCHECK_BENCH_DATA", DEFAULT_DATA))
    vfile = data / "vclaims.jsonl"
    qfile = data / "CT2022-Task2A-EN-Train-Dev_Queries.tsv"
    if vfile.exists() and qfile.exists():
        claims = []
        with vfile.open(encoding="utf-8") as f:
            for line in f:
                text = json.loads(line).get("vclaim") or ""
                if text.strip():
                    claims.append(text)
                if len(claims) >= n_claims:
                    break
        queries = []
        with qfile.open(encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2 and parts[1].strip():
                    queries.append(parts[1])
        random.Random(1).shuffle(queries)
        return claims, queries[:n_queries], f"CheckThat! 2022 2A (`{data.name}`)"
    return _synthetic(n_claims, 1), _synthetic(n_queries, 2), "synthetic sentences"


# ---------------------------------------------------------------------------- measures


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def throughput(
    emb: embed.MiniLMEmbedder, texts: Sequence[str], *, bucket: bool = True, reps: int = 1
) -> dict[str, float]:
    """Best of ``reps`` runs of embedding all ``texts``: rate per wall second and per CPU second."""
    best: dict[str, float] = {}
    for _ in range(reps):
        w0, c0 = _clock()
        if bucket:
            emb.embed(texts)
        else:  # the same batches in arrival order, each padded to its longest text
            rows = emb._ids(texts)
            for i in range(0, len(rows), emb.batch_size):
                emb._run(*emb._pad(rows[i : i + emb.batch_size]))
        w1, c1 = _clock()
        r = {"wall_s": w1 - w0, "cpu_s": c1 - c0}
        if not best or r["cpu_s"] < best["cpu_s"]:
            best = r
    n = len(texts)
    best["per_wall_s"] = n / best["wall_s"]
    best["per_cpu_s"] = n / best["cpu_s"] if best["cpu_s"] > 0 else float("nan")
    return best


def _worker(texts: list[str], batch_size: int, variant: str, go: Any, out: Any) -> None:
    emb = embed.MiniLMEmbedder(threads=1, batch_size=batch_size, variant=variant)
    emb.embed(texts[:32])  # warm
    out.put("ready")
    go.wait()  # start together
    w0, c0 = _clock()
    emb.embed(texts)
    w1, c1 = _clock()
    out.put((w1 - w0, c1 - c0, time.monotonic()))


def two_processes(texts: list[str], batch_size: int, variant: str) -> dict[str, float]:
    """Two spawned processes, one onnxruntime thread each, each embedding half of ``texts``."""
    ctx = mp.get_context("spawn")
    go = ctx.Event()
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(half, batch_size, variant, go, out))
        for half in (texts[0::2], texts[1::2])
    ]
    for p in procs:
        p.start()
    for _ in procs:
        out.get()
    start = time.monotonic()
    go.set()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = max(r[2] for r in results) - start
    cpu = sum(r[1] for r in results)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "per_wall_s": len(texts) / wall,
        "per_cpu_s": len(texts) / cpu,
    }


def one_query(emb: embed.MiniLMEmbedder, queries: Sequence[str]) -> dict[str, float]:
    """Latency of embedding one text at a time, in milliseconds."""
    emb.embed(list(queries[:5]))
    walls, cpus = [], []
    for q in queries:
        w0, c0 = _clock()
        emb.embed([q])
        w1, c1 = _clock()
        walls.append((w1 - w0) * 1000)
        cpus.append((c1 - c0) * 1000)
    out: dict[str, float] = {"n": len(queries)}
    for p in (50, 95, 99):
        out[f"wall_p{p}"] = percentile(walls, p)
        out[f"cpu_p{p}"] = percentile(cpus, p)
    return out


def run(quick: bool, variant: str = "int8") -> dict[str, Any]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    n_claims, n_queries = (512, 100) if quick else (2000, 300)
    claims, queries, source = load_texts(n_claims, n_queries)
    log(f"embed_speed: {len(claims)} claims, {len(queries)} queries from {source}")

    import onnxruntime  # noqa: F401  (its own import is not the model's memory)
    import tokenizers  # noqa: F401

    rss0 = current_rss_mb()
    w0, c0 = _clock()
    first = embed.MiniLMEmbedder(threads=1, variant=variant)
    w1, c1 = _clock()
    first.embed(claims[:32])
    load = {
        "wall_ms": (w1 - w0) * 1000,
        "cpu_ms": (c1 - c0) * 1000,
        "rss_mb": current_rss_mb() - rss0,
    }
    tokens = [len(r) for r in first._ids(claims)]
    qtokens = [len(r) for r in first._ids(queries)]

    grid: list[tuple[int, int, bool]] = []
    thread_opts = sorted({1, cores})
    batches: tuple[int, ...] = (32,) if quick else (8, 16, 32, 64)
    if variant == "q8":  # runs one text at a time (see checks/embed.py)
        batches = (1,)
    for t in thread_opts:
        grid += [(t, b, True) for b in batches]
    if variant != "q8":
        grid.append((thread_opts[-1], 32, False))
    rows = []
    for threads, batch, bucket in grid:
        log(f"  throughput threads={threads} batch={batch} bucket={bucket} …")
        emb = embed.MiniLMEmbedder(threads=threads, batch_size=batch, variant=variant)
        emb.embed(claims[:32])
        r = throughput(emb, claims, bucket=bucket)
        rows.append({"threads": threads, "batch": batch, "bucket": bucket, **r})
    procs = None
    if cores >= 2:
        log("  throughput: two processes × one thread …")
        procs = {"batch": batches[-1], **two_processes(claims, batches[-1], variant)}

    latency = []
    short = random.Random(3).sample(claims, min(len(claims), len(queries)))
    for threads in thread_opts:
        emb = embed.MiniLMEmbedder(threads=threads, variant=variant)
        for kind, texts in (("claim", short), ("tweet", queries)):
            log(f"  one query, {kind}s, threads={threads} …")
            latency.append({"threads": threads, "kind": kind, **one_query(emb, texts)})
    return {
        "source": source,
        "machine": machine(),
        "date": today(),
        "cores": cores,
        "model": first.name,
        "max_tokens": first.max_tokens,
        "claims": len(claims),
        "claim_tokens_mean": sum(tokens) / len(tokens),
        "query_tokens_mean": sum(qtokens) / max(1, len(qtokens)),
        "load": load,
        "throughput": rows,
        "two_processes": procs,
        "one_query": latency,
    }


def markdown(r: dict[str, Any]) -> str:
    lines = [
        f"Sentence embeddings, `{r['model']}` on onnxruntime (CPU), {r['claims']} claims of "
        f"{r['source']} (mean {r['claim_tokens_mean']:.1f} tokens; tweets as queries, mean "
        f"{r['query_tokens_mean']:.1f} tokens; truncation at {r['max_tokens']}). "
        f"{r['machine']}; {r['date']}. Model load: {r['load']['wall_ms']:.0f} ms wall, "
        f"{r['load']['cpu_ms']:.0f} ms CPU, {r['load']['rss_mb']:.0f} MB more memory.",
        "",
        "| layout | batch | length-sorted | sentences/s (wall) | sentences per CPU-s |",
        "| --- | ---: | :---: | ---: | ---: |",
    ]
    for t in r["throughput"]:
        lines.append(
            f"| 1 process × {t['threads']} thread{'s' if t['threads'] > 1 else ''} "
            f"| {t['batch']} | {'yes' if t['bucket'] else 'no'} | {t['per_wall_s']:.0f} "
            f"| {t['per_cpu_s']:.0f} |"
        )
    p = r.get("two_processes")
    if p:
        lines.append(
            f"| 2 processes × 1 thread | {p['batch']} | yes | {p['per_wall_s']:.0f} "
            f"| {p['per_cpu_s']:.0f} |"
        )
    lines += [
        "",
        "| one query | threads | n | wall p50 / p95 / p99 ms | CPU p50 / p95 / p99 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for q in r["one_query"]:
        lines.append(
            f"| a {q['kind']} | {q['threads']} | {q['n']} "
            f"| {q['wall_p50']:.1f} / {q['wall_p95']:.1f} / {q['wall_p99']:.1f} "
            f"| {q['cpu_p50']:.1f} / {q['cpu_p95']:.1f} / {q['cpu_p99']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Sentence-embedding speed (wall and CPU time).")
    ap.add_argument("--quick", action="store_true", help="fewer texts and settings (~1 min)")
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    ap.add_argument(
        "--variant", default="int8", choices=["int8", "q8"], help="q8: the opt-in int8-compute file"
    )
    args = ap.parse_args(argv)
    try:
        result = run(args.quick, args.variant)
    except embed.EmbedModelError as exc:
        print(f"embedding benchmark skipped: {exc}")
        return 0
    print(json.dumps(result, indent=2) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
