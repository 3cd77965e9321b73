"""Run every benchmark, print the tables as markdown, and write them into the README.

    .venv/bin/python bench/run_all.py --readme README.md [--quick]

* retrieval quality: ``bench/retrieval.py`` on split ``dev`` of the CheckThat! 2022 Task 2A data in
  ``$CROSSCHECK_BENCH_DATA`` (default ``/work/shared/bench/clef2022-t2a-en``); skipped with a
  message when the data is absent;
* speed at scale: ``bench/latency.py`` at 10,000, 100,000 and 1,000,000 claims (``--quick``: the
  first two);
* stance quality: ``bench/verify.py`` on ``../shared/bench/healthver-dev`` (every pair) and
  ``fnc1`` (a stratified 2,000; ``--quick``: 500 of each); its full tables go to the README's
  "Stance quality" section;
* ingest throughput over loopback HTTP (``bench/ingest_http.py``), the web surface under a bounded
  local load (``bench/web_load.py``), and SQLite against PostgreSQL at 100k/1M claims with one
  and two ingestion workers (``bench/scale.py``);
* cold start: CPU and wall time of a fresh ``crosscheck check`` (and a few other commands) until it
  has answered, and where its imports go (``bench/startup.py``; ``--quick``: 10 runs each).

The README text between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` is replaced; without
those markers a "## Benchmarks" section holding them is appended.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency
import retrieval
from _common import machine, today

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "clef2022-t2a-en"
QUICK_SIZES = (10_000, 100_000)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def retrieval_section(data: Path, split: str) -> str:
    if not (data / "dataset.json").exists():
        msg = (
            f"Retrieval benchmark skipped: no CheckThat!-format data at `{data}` "
            "(set `CROSSCHECK_BENCH_DATA` to a directory holding `dataset.json`)."
        )
        log(msg)
        return msg
    log(f"retrieval: {data} split {split} …")
    try:
        r = retrieval.evaluate(data, split, log=log)
    except (retrieval.DataError, OSError, KeyError) as exc:
        msg = f"Retrieval benchmark skipped: {exc}"
        log(msg)
        return msg
    name = data.name
    lines = [
        f"**Claim retrieval** — CheckThat! 2022 Task 2A (English), `{name}` split `{split}`: "
        f"{r['queries']} tweets against {r['catalogue']:,} fact-checked claims, ranked by "
        "`find_matches` (`min_relevance=0`, top 5), official MAP@k semantics. "
        f"{machine()}; {today()}.",
        "",
        "| method | MAP@1 | MAP@3 | MAP@5 | Recall@5 | ms/query |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| **Crosscheck** (FTS5 BM25 candidates → relevance rerank) | {r['map@1']:.3f} "
        f"| {r['map@3']:.3f} | **{r['map@5']:.3f}** | {r['recall@5']:.3f} "
        f"| {r['ms_per_query']:.1f} |",
    ]
    if name == "clef2022-t2a-en" and split == "dev":
        lines += [
            "| organisers' BM25 baseline (published) | | | 0.818 | | |",
            "| BM25, Lucene-style (reference run) | | | 0.85 | | |",
            "| rapidfuzz `token_set_ratio`, brute force (reference run) | | | 0.63 | | |",
            "| all-MiniLM-L6-v2 cosine (reference run) | | | 0.94 | | |",
        ]
    return "\n".join(lines)


def latency_section(sizes: list[int], n_queries: int) -> str:
    rows: list[dict[str, Any]] = []
    for n in sizes:
        rows.append(
            latency.run_size(
                n,
                n_queries=n_queries,
                workers=os.cpu_count() or 1,
                rebuild=False,
                profile=False,
                ingest=True,
                log=log,
            )
        )
    caption = (
        f"**Speed at scale** — synthetic Zipfian pseudo-English claims (~10 per article), stored "
        f"through `SQLiteStore.add_article`; check latency is `Engine.check_text` over "
        f"{n_queries} claims (half paraphrases of stored claims, half unrelated), warm; ingest is "
        f"`Engine.ingest` of {latency.INGEST_ARTICLES} `.txt` articles into a copy of the store. "
        f"{machine()}; {today()}."
    )
    out = [caption, "", latency.table(rows), ""]
    out += ["- " + line for line in latency.notes(rows)]
    return "\n".join(out)


def script_section(title: str, script: str, *args: str, timeout: float = 3600) -> str:
    """Another benchmark script run as it is, its markdown output kept (or why it failed)."""
    path = Path(__file__).resolve().parent / script
    log(f"{script} {' '.join(args)} …")
    try:
        done = subprocess.run(
            [sys.executable, str(path), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"**{title}** — `{script}` did not finish within {timeout / 60:.0f} min."
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"**{title}** — `{script}` failed: {tail}"
    return f"**{title}**\n\n{done.stdout.strip()}"


def write_readme(readme: Path, block: str) -> None:
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    body = f"{START}\n{block.strip()}\n{END}"
    start, end = text.find(START), text.find(END)
    if start != -1 and end > start:
        text = text[:start] + body + text[end + len(END) :]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + "## Benchmarks\n\n" + body + "\n"
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--readme", type=Path, default=None, help="README to write the tables into")
    ap.add_argument("--quick", action="store_true", help="latency at 10k and 100k claims only")
    ap.add_argument("--sizes", default=None, help="latency sizes, comma-separated (overrides)")
    ap.add_argument("--queries", type=int, default=200, help="checks timed per size")
    ap.add_argument("--split", default="dev", help="retrieval split (default dev)")
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("CROSSCHECK_BENCH_DATA") or DEFAULT_DATA),
        help="CheckThat!-format directory (default $CROSSCHECK_BENCH_DATA or %(default)s)",
    )
    args = ap.parse_args(argv)
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    else:
        sizes = list(QUICK_SIZES if args.quick else latency.DEFAULT_SIZES)

    t0 = time.perf_counter()
    parts = [
        retrieval_section(args.data, args.split),
        latency_section(sizes, args.queries),
        script_section("Ingest over HTTP", "ingest_http.py"),
        script_section("Web surface under load", "web_load.py"),
        script_section(  # the full tables go to README's "Stance quality" section
            "Stance quality (summary; confusion and calibration under Stance quality)",
            "verify.py",
            *("--format", "summary", "--quiet"),
            *(("--sample", "500") if args.quick else ()),
            *(("--readme", str(args.readme)) if args.readme else ()),
        ),
        script_section("Cold start", "startup.py", "--runs", "10" if args.quick else "20"),
        script_section(
            "SQLite and PostgreSQL side by side",
            "scale.py",
            "--sizes",
            ",".join(str(n) for n in sizes if n >= 100_000) or "100000",
        ),
    ]
    took = time.perf_counter() - t0
    block = "\n\n".join(parts) + f"\n\n_`make bench` took {took / 60:.1f} min._"
    print(block)
    if args.readme:
        write_readme(args.readme, block)
        log(f"wrote the tables into {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
