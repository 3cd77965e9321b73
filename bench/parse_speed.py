"""Parse speed: claims per CPU-second and one-sentence latency of checks/frames.py.

    .venv/bin/python bench/parse_speed.py [--quick] [--data DIR] [--json]

Input is real prose written by people who never saw this project: HealthVer claims and the
check-worthy sentences of its evidence, and FNC-1 headlines (``../shared/bench/``; without those
files a small built-in list of made-up sentences is used and the table says so). The sentences are
shuffled with a fixed seed and the same ones are used for every configuration.

Measured, each after a warm-up:

* throughput of ``nlp.pipe`` (batches of 64) for the full pipeline (with NER), the pipeline the
  frames use (NER and senter excluded), and ones also without the lemmatizer (and without the
  attribute ruler, which maps tags to the coarse parts of speech the frames read), in claims per
  CPU-second (process CPU time, all threads) and per wall second, each the median of 3 runs;
* throughput of ``parse_claims`` end to end (parse + frame reading + pydantic models), and the
  frame reading alone on already parsed docs;
* latency of ``parse_claim`` on one sentence at a time: p50/p95/p99 of CPU and wall time;
* the size of the stored JSON per claim and the CPU cost of reading it back
  (``ClaimParse.from_json``), which the stance stage pays for every candidate;
* the one-off cost of loading the model (hash verification included) in this process;
* a quality probe: on HealthVer dev, how often the main clauses of claim and evidence differ in
  negation, per label (refuting pairs should differ far more often than supporting ones).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, current_rss_mb, machine, percentile, today

from checks import frames

DEFAULT_DATA = ROOT.parent / "shared" / "bench"
_FALLBACK = [
    "Officials have not yet agreed on a plan to guard the 500-km frontier.",
    "The city plans to close 30 schools by the end of 2025, the mayor said.",
    "No vaccine or drug has yet been approved for the fever.",
    "Rome promised 600 nurses, whereas Athens offered about 250.",
    "Coal plants produce 3 % of emissions, according to the agency.",
    "Twice as many women as men applied for the 40 jobs in 2019.",
    "The minister reportedly resigned after 95–100 % of members voted against him.",
    "One in five adults smokes daily, a survey of 12,000 people found.",
]


def _sentences(data: Path, limit: int) -> tuple[list[str], str]:
    from checks.claims import split_claims

    texts: list[str] = []
    health = data / "healthver-dev" / "healthver_dev.csv"
    fnc = data / "fnc1" / "competition_test_stances.csv"
    if health.exists():
        with health.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                texts.append(row["claim"])
                texts.extend(c.text for c in split_claims(row["evidence"]))
    if fnc.exists():
        with fnc.open(encoding="utf-8") as f:
            texts.extend(dict.fromkeys(row["Headline"] for row in csv.DictReader(f)))
    source = "HealthVer dev claims and evidence sentences, FNC-1 headlines"
    texts = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
    if not texts:
        texts = list(_FALLBACK) * (limit // len(_FALLBACK) + 1)
        source = "built-in made-up sentences (no bench data found)"
    random.Random(12).shuffle(texts)
    return texts[:limit], source


def _timed(fn: Any) -> tuple[float, float, Any]:
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c0, time.perf_counter() - w0, out


def _throughput(fn: Any, n: int, rounds: int) -> dict[str, float]:
    """The median of ``rounds`` timed runs of ``fn`` (which handles ``n`` claims)."""
    cpus: list[float] = []
    walls: list[float] = []
    for _ in range(rounds):
        cpu, wall, _ = _timed(fn)
        cpus.append(cpu)
        walls.append(wall)
    return {"per_cpu_s": n / percentile(cpus, 50), "per_wall_s": n / percentile(walls, 50)}


def run(data: Path, quick: bool) -> dict[str, Any]:
    rss_before = current_rss_mb()
    import spacy

    n_batch, n_single = (400, 200) if quick else (3000, 1000)
    texts, source = _sentences(data, max(n_batch, n_single))
    words = sum(len(t.split()) for t in texts[:n_batch]) / max(1, min(n_batch, len(texts)))

    cpu, wall, nlp = _timed(frames.load_parser)
    frames.parse_claims(texts[:64])
    load = {"cpu_s": cpu, "wall_s": wall, "rss_mb": current_rss_mb() - rss_before}
    model_dir = frames._model_dir()
    cpu, wall, _ = _timed(lambda: frames._verify(model_dir))
    verify = {"cpu_s": cpu, "wall_s": wall}

    batch_texts = texts[:n_batch]
    n = len(batch_texts)
    rounds = 3
    pipelines = {
        "full pipeline (with NER)": spacy.load(model_dir, exclude=["senter"]),
        "frames' pipeline (no NER)": nlp,
        "no NER, no lemmatizer": spacy.load(model_dir, exclude=["ner", "senter", "lemmatizer"]),
        "no NER, no lemmatizer, no attribute ruler": spacy.load(
            model_dir, exclude=["ner", "senter", "lemmatizer", "attribute_ruler"]
        ),
    }
    configs: dict[str, dict[str, float]] = {}
    for name, pipe in pipelines.items():
        list(pipe.pipe(batch_texts[:64], batch_size=64))  # warm-up
        configs[name] = _throughput(
            lambda pipe=pipe: list(pipe.pipe(batch_texts, batch_size=64)), n, rounds
        )
    del pipelines
    frames.parse_claims(batch_texts[:64])  # warm-up
    configs["parse_claims (parse + frames)"] = _throughput(
        lambda: frames.parse_claims(batch_texts), n, rounds
    )
    docs = list(nlp.pipe(batch_texts, batch_size=64))
    configs["frame reading alone (parsed docs)"] = _throughput(
        lambda: [frames._claim_parse(d) for d in docs], n, rounds
    )

    parses = frames.parse_claims(batch_texts)
    blobs = [p.to_json() for p in parses]
    cpu, wall, _ = _timed(lambda: [frames.ClaimParse.from_json(b) for b in blobs])
    stored = {
        "bytes_mean": sum(map(len, blobs)) / len(blobs),
        "bytes_p99": percentile([float(len(b)) for b in blobs], 99),
        "frames_mean": sum(len(p.frames) for p in parses) / len(parses),
        "from_json_us": cpu / len(blobs) * 1e6,
        "with_figure": sum(bool(p.figures) for p in parses) / len(parses),
        "negated": sum(any(f.negated for f in p.frames) for p in parses) / len(parses),
    }

    cpu_ms: list[float] = []
    wall_ms: list[float] = []
    for t in texts[:n_single]:
        c, w, _ = _timed(lambda t=t: frames.parse_claim(t))
        cpu_ms.append(c * 1000)
        wall_ms.append(w * 1000)
    single = {
        f"{kind}_p{q}": percentile(vals, q)
        for kind, vals in (("cpu_ms", cpu_ms), ("wall_ms", wall_ms))
        for q in (50, 95, 99)
    }
    return {
        "date": today(),
        "machine": machine(),
        "source": source,
        "sentences_batch": len(batch_texts),
        "sentences_single": min(n_single, len(texts)),
        "mean_words": words,
        "load": load,
        "verify": verify,
        "throughput": configs,
        "stored": stored,
        "single": single,
        "model": f"{frames.MODEL_PACKAGE} {frames.MODEL_VERSION}, spaCy {spacy.__version__}",
        "negation_signal": negation_signal(data),
    }


def negation_signal(data: Path) -> dict[str, dict[str, float]] | None:
    """How often the main clauses of claim and evidence differ in negation, per HealthVer
    label: a check that the frames carry the polarity the stance stage needs."""
    path = data / "healthver-dev" / "healthver_dev.csv"
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    claims = frames.parse_claims([r["claim"] for r in rows])
    evidence = frames.parse_claims([r["evidence"] for r in rows])
    out: dict[str, dict[str, float]] = {}
    for row, c, e in zip(rows, claims, evidence, strict=True):
        stats = out.setdefault(row["label"], {"pairs": 0, "differs": 0})
        stats["pairs"] += 1
        neg_c = any(fr.negated for fr in c.main_frames)
        neg_e = any(fr.negated for fr in e.main_frames)
        stats["differs"] += neg_c != neg_e
    return out


def markdown(r: dict[str, Any]) -> str:
    lines = [
        f"Parse speed ({r['date']}, {r['machine']}; {r['model']}). Input: {r['source']} "
        f"({r['sentences_batch']} sentences for throughput, {r['sentences_single']} one at a "
        f"time; {r['mean_words']:.0f} words on average).",
        "",
        "| configuration | claims / CPU-s | claims / wall-s |",
        "| --- | ---: | ---: |",
    ]
    for name, v in r["throughput"].items():
        lines.append(f"| {name} | {v['per_cpu_s']:,.0f} | {v['per_wall_s']:,.0f} |")
    s = r["single"]
    lines += [
        "",
        "| one sentence (`parse_claim`) | p50 | p95 | p99 |",
        "| --- | ---: | ---: | ---: |",
        f"| CPU ms | {s['cpu_ms_p50']:.1f} | {s['cpu_ms_p95']:.1f} | {s['cpu_ms_p99']:.1f} |",
        f"| wall ms | {s['wall_ms_p50']:.1f} | {s['wall_ms_p95']:.1f} | {s['wall_ms_p99']:.1f} |",
        "",
        f"Stored frames: {r['stored']['bytes_mean']:.0f} bytes of JSON per claim on average "
        f"(p99 {r['stored']['bytes_p99']:.0f}), {r['stored']['frames_mean']:.1f} frames; reading "
        f"one back (`ClaimParse.from_json`) costs {r['stored']['from_json_us']:.0f} µs CPU. "
        f"{r['stored']['with_figure']:.0%} of these sentences have a figure, "
        f"{r['stored']['negated']:.0%} a negated frame.",
        "",
        f"Loading the model once per process: {r['load']['wall_s']:.2f} s wall, "
        f"{r['load']['cpu_s']:.2f} s CPU, of which hash verification "
        f"{r['verify']['wall_s'] * 1000:.0f} ms; spaCy and the model add "
        f"{r['load']['rss_mb']:.0f} MB to the process's resident memory.",
    ]
    sig = r.get("negation_signal")
    if sig:
        lines += [
            "",
            "Negation in the main clauses of claim and evidence differs, by HealthVer dev label:",
            "",
            "| label | pairs | negation differs |",
            "| --- | ---: | ---: |",
        ]
        for label, v in sorted(sig.items()):
            lines.append(f"| {label} | {v['pairs']:.0f} | {v['differs'] / v['pairs']:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="400 sentences, 200 single parses")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared bench folder")
    ap.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    args = ap.parse_args(argv)
    r = run(args.data, args.quick)
    print(json.dumps(r, indent=2) if args.json else markdown(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
