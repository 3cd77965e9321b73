"""Re-ingesting unchanged files: how long `crosscheck ingest` takes when nothing is new.

    .venv/bin/python bench/reingest.py [--files 10000] [--json]

Writes ``--files`` distinct short ``.txt`` articles into one ``files`` source in a temporary
folder, ingests them once into a fresh SQLite store (``Engine.ingest``, embeddings off), then
times a second ``Engine.ingest`` of the same, unchanged files: every file is listed, read, hashed
and looked up, and nothing is stored. Reported: the re-ingest's wall time and the process's CPU
time (all threads), per file, and the latency of each "is this article already stored?" lookup
(``Store.has_article``, wall and thread CPU, p50 / p95 / p99).

The target (issue 13): at most 10 s for 10,000 unchanged files. The lookup must be an index
search on (source, content hash), so its cost does not grow with the number of articles the
source already holds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("CROSSCHECK_EMBEDDER", "none")  # vectors are not what is measured

from _common import machine

from checks.engine import Engine

TARGET_S = 10.0  # for 10,000 unchanged files
TOWNS = ["Aldmoor", "Brackwell", "Cindervale", "Dunmere", "Eastholt", "Fernleigh", "Glenrock"]


def _write_articles(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        (folder / f"2025-01-{i % 28 + 1:02d}-report-{i:05d}.txt").write_text(
            f"{town} Council Report {i}\n\n"
            f"The council of {town} approved a budget of ${i + 3} million for road repairs on "
            f"Monday, officials said. Work on {i % 40 + 2} bridges will start in the spring and "
            f"take {i % 5 + 1} years, the mayor told reporters.\n",
            encoding="utf-8",
        )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(fn: Callable[..., Any], wall: list[float], cpu: list[float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        w0, c0 = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            wall.append(time.perf_counter() - w0)
            cpu.append(time.thread_time() - c0)

    return wrapper


def run(files: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="crosscheck-reingest-") as tmp:
        base = Path(tmp)
        _write_articles(base / "articles", files)
        sources = base / "sources.yaml"
        sources.write_text("sources:\n  - {name: Reports, kind: files, path: articles}\n")
        engine = Engine.open(base / "crosscheck.db", sources)
        try:
            w0, c0 = time.perf_counter(), time.process_time()
            first = engine.ingest()
            build_wall, build_cpu = time.perf_counter() - w0, time.process_time() - c0
            assert first.added == files, f"stored {first.added} of {files} articles"

            wall: list[float] = []
            cpu: list[float] = []
            store: Any = engine.store
            store.has_article = _timed(store.has_article, wall, cpu)
            w0, c0 = time.perf_counter(), time.process_time()
            again = engine.ingest()
            re_wall, re_cpu = time.perf_counter() - w0, time.process_time() - c0
            assert again.added == 0 and again.sources[0].seen == files, "files were not unchanged"
        finally:
            engine.close()
    return {
        "files": files,
        "first_ingest_wall_s": round(build_wall, 2),
        "first_ingest_cpu_s": round(build_cpu, 2),
        "reingest_wall_s": round(re_wall, 2),
        "reingest_cpu_s": round(re_cpu, 2),
        "reingest_wall_ms_per_file": round(1000 * re_wall / files, 3),
        "reingest_cpu_ms_per_file": round(1000 * re_cpu / files, 3),
        "lookups": len(wall),
        "lookup_wall_ms": [round(1000 * _percentile(wall, q), 3) for q in (0.5, 0.95, 0.99)],
        "lookup_cpu_ms": [round(1000 * _percentile(cpu, q), 3) for q in (0.5, 0.95, 0.99)],
        "target_s": TARGET_S * files / 10_000,
        "machine": machine(),
        "load_average": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="unchanged files to re-ingest")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run(args.files)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    r = result
    met = "✔" if r["reingest_wall_s"] <= r["target_s"] else "✘"
    print(
        f"Re-ingest of {r['files']:,} unchanged files ({r['machine']}, load {r['load_average']})\n"
        f"\n| measure | wall | CPU |\n| --- | ---: | ---: |\n"
        f"| first ingest (s) | {r['first_ingest_wall_s']} | {r['first_ingest_cpu_s']} |\n"
        f"| re-ingest (s) | {r['reingest_wall_s']} | {r['reingest_cpu_s']} |\n"
        f"| re-ingest per file (ms) | {r['reingest_wall_ms_per_file']} "
        f"| {r['reingest_cpu_ms_per_file']} |\n"
        f"| lookup p50 / p95 / p99 (ms) | {' / '.join(map(str, r['lookup_wall_ms']))} "
        f"| {' / '.join(map(str, r['lookup_cpu_ms']))} |\n"
        f"\ntarget ≤ {r['target_s']:g} s wall: {met} ({r['lookups']:,} lookups)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
