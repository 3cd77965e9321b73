"""Stance quality: does the engine's answer agree with people's labels on (claim, evidence) pairs?

    .venv/bin/python bench/verify.py [--data DIR ...] [--sample N --seed S | --limit N | --full]
                                     [--workers 2] [--json out.json] [--dump pairs.jsonl]
                                     [--readme README.md] [--format rich|markdown]
                                     [--nli MODEL_DIR]

Each ``--data`` is a directory (or one CSV file) in one of two layouts, told apart by the CSV
headers, not by file names, so unseen sets in the same layouts work:

* **FNC-1** — a stances file with columns ``Headline, Body ID, Stance`` and a bodies file with
  ``Body ID, articleBody`` (``x_stances.csv`` is paired with ``x_bodies.csv``). The headline is the
  claim and the article body the only source; ``agree`` → supports, ``disagree`` → refutes,
  ``discuss`` and ``unrelated`` → neither.
* **HealthVer** — one CSV with columns ``claim, evidence, label`` (and ``id`` when present);
  ``Supports`` / ``Refutes`` / ``Neutral``. FEVER-style and NLI-style label names are read too.

When a directory holds several files of one layout, ``--split WORD`` picks those whose name
contains the word.

Every pair is checked through the real engine, in-process, in the engine's public API only: the
evidence is written as the one ``.txt`` article of a ``files`` source in a temporary directory,
``Engine.open(store.db, sources.yaml).ingest()`` stores it in a fresh SQLite file, and
``Engine.check_text(claim)`` answers. FNC-1 gets one store per article body (each of its sampled
headlines is checked against it); HealthVer one store per pair. The work runs in worker processes
(``--workers``, default 2) and the temporary stores are deleted as they are done.

The answer's verdict is mapped Supported → supports, Disputed → refutes, anything else (Mixed,
Unverified, a claim the engine refuses) → neither, and scored as ``shared/bench/README.md`` says:

* **committed precision** — of the Supported or Disputed answers, the share that was right;
* **opposite answers** — Supported on a refutes pair or Disputed on a supports pair, as a share of
  all supports + refutes pairs;
* **recall** — supports + refutes pairs answered correctly, as a share of all of them;
* **evidence found** — supports + refutes pairs whose answer showed at least one match (the store
  holds nothing but that pair's evidence, so every match is a sentence of it);
* accuracy and macro-F1 over the three classes, next to the always-neither baseline;
* the 3×3 confusion matrix, a calibration table (the committed answers binned by ``confidence``,
  with the share right in each bin), and the CPU time of ``check_text`` per pair (p50/p95/p99;
  ingest is not included; each worker makes one throwaway check first, so that what the engine
  loads on first use is not counted, as in a bot that has been running).

Sets larger than 5,000 pairs are scored on a stratified sample of 2,000 unless ``--full``: each
label keeps its share of the set (largest remainder, at least one pair per label), drawn with
``--seed``; ``--sample N`` sets the size, ``--limit N`` takes the first N pairs in file order.

``--nli MODEL_DIR`` judges polarity with an NLI cross-encoder exported to ONNX (it sets
``CROSSCHECK_NLI_MODEL`` for the workers, as an operator would; see README, "Optional inference
model"); the model is loaded once first so that a broken one is one line and exit 2, and the
tables' caption names it (``nli:`` + the first 12 hex digits of its sha256, and its directory).
A ``CROSSCHECK_NLI_MODEL`` already in the environment is used and named the same way.

``--dump pairs.jsonl`` writes one line per pair (claim, label, verdict, confidence, and each
match's text, relevance score, stance and notes) for the stance-model work. ``--readme`` writes
the tables into the README between ``<!-- stance:start -->`` and ``<!-- stance:end -->`` (a
"## Stance quality" section holding them is added before "## Benchmarks" when they are missing).
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import logging
import math
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine, percentile, today

from checks.engine import Engine
from checks.errors import CheckError
from checks.models import CheckResult, Verdict

__all__ = [
    "CLASSES",
    "DataError",
    "DataSet",
    "Outcome",
    "Pair",
    "canonical_label",
    "load",
    "markdown_report",
    "run_set",
    "score",
    "stratified_sample",
]

CLASSES = ("supports", "refutes", "neither")
SHARED = ROOT.parent / "shared" / "bench"
DEFAULT_DATA = (SHARED / "healthver-dev", SHARED / "fnc1")
AUTO_SAMPLE_OVER = 5_000  # sets larger than this are sampled unless --full
DEFAULT_SAMPLE = 2_000
CALIBRATION_BINS = ((0.9, 1.0), (0.8, 0.9), (0.6, 0.8), (0.4, 0.6), (0.0, 0.4))
START = "<!-- stance:start -->"
END = "<!-- stance:end -->"
SECTION = "## Stance quality"

_TITLE = "Evidence"  # the article's first line is its title: a word no claim is judged by
_SOURCES_YAML = (
    "sources:\n  - name: Evidence\n    kind: files\n    path: evidence\n    weight: 1.0\n"
)

_LABELS = {
    "supports": {"agree", "agrees", "support", "supports", "supported", "entailment", "true"},
    "refutes": {
        "disagree",
        "disagrees",
        "refute",
        "refutes",
        "refuted",
        "contradiction",
        "contradict",
        "false",
    },
    "neither": {
        "discuss",
        "unrelated",
        "neutral",
        "neither",
        "nei",
        "not enough info",
        "not_enough_info",
        "notenoughinfo",
    },
}


class DataError(Exception):
    """The data directory is not in a layout this bench reads."""


def canonical_label(raw: str) -> str:
    """``supports``, ``refutes`` or ``neither`` for a data set's own label name."""
    key = " ".join(raw.strip().lower().split())
    for cls, names in _LABELS.items():
        if key in names:
            return cls
    raise DataError(f"unknown label {raw!r}")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Pair:
    """One (claim, evidence) pair; ``evidence_id`` names the store it is checked against."""

    id: str
    claim: str
    label: str  # one of CLASSES
    raw_label: str
    evidence_id: str


@dataclass
class DataSet:
    name: str
    format: str  # "fnc1" or "healthver"
    files: tuple[Path, ...]
    pairs: list[Pair]
    evidence: dict[str, str]


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            row = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return [c.strip() for c in row]


def _rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [{(k or "").strip(): (v or "") for k, v in row.items()} for row in csv.DictReader(f)]


def _has(header: Iterable[str], *names: str) -> bool:
    low = {h.lower() for h in header}
    return all(n.lower() in low for n in names)


def _col(row: dict[str, str], name: str) -> str:
    for k, v in row.items():
        if k.lower() == name.lower():
            return v
    return ""


def _pick(files: list[Path], split: str | None, what: str, where: Path) -> list[Path]:
    if split:
        files = [p for p in files if split.lower() in p.name.lower()]
    if len(files) > 1:
        names = ", ".join(p.name for p in files)
        raise DataError(f"{where}: several {what} files ({names}); choose one with --split")
    return files


def load(path: Path, split: str | None = None) -> DataSet:
    """The pairs of a FNC-1-layout or HealthVer-layout directory (or CSV file)."""
    csvs = [path] if path.is_file() else sorted(path.glob("*.csv"))
    if not csvs:
        raise DataError(f"{path}: no CSV files")
    headers = {p: _header(p) for p in csvs}
    stances = [p for p, h in headers.items() if _has(h, "Headline", "Body ID", "Stance")]
    bodies = [p for p, h in headers.items() if _has(h, "Body ID", "articleBody")]
    flat = [p for p, h in headers.items() if _has(h, "claim", "evidence", "label")]
    name = path.stem if path.is_file() else path.name
    if stances:
        chosen = _pick(stances, split, "stances", path)
        if not chosen:
            raise DataError(f"{path}: no stances file matches --split {split}")
        st = chosen[0]
        twin = [b for b in bodies if b.name == st.name.replace("stances", "bodies")]
        candidates = twin or bodies
        if len(candidates) != 1:
            raise DataError(f"{path}: cannot tell which bodies file goes with {st.name}")
        return _load_fnc1(name, st, candidates[0])
    if flat:
        picked = _pick(flat, split, "claim/evidence", path)
        if not picked:
            raise DataError(f"{path}: no claim/evidence file matches --split {split}")
        return _load_flat(name, picked[0])
    raise DataError(
        f"{path}: neither FNC-1 (Headline, Body ID, Stance + Body ID, articleBody) "
        "nor HealthVer (claim, evidence, label) columns found"
    )


def _load_fnc1(name: str, stances: Path, bodies: Path) -> DataSet:
    evidence = {_col(r, "Body ID").strip(): _col(r, "articleBody") for r in _rows(bodies)}
    pairs = []
    for i, r in enumerate(_rows(stances)):
        body = _col(r, "Body ID").strip()
        if body not in evidence:
            raise DataError(f"{stances.name} row {i + 2}: no body {body!r} in {bodies.name}")
        raw = _col(r, "Stance")
        try:
            label = canonical_label(raw)
        except DataError as exc:
            raise DataError(f"{stances.name} row {i + 2}: {exc}") from None
        pairs.append(Pair(f"row{i + 2}", _col(r, "Headline"), label, raw.strip(), body))
    return DataSet(name, "fnc1", (stances, bodies), pairs, evidence)


def _load_flat(name: str, path: Path) -> DataSet:
    pairs, evidence = [], {}
    for i, r in enumerate(_rows(path)):
        pid = _col(r, "id").strip() or f"row{i + 2}"
        raw = _col(r, "label")
        try:
            label = canonical_label(raw)
        except DataError as exc:
            raise DataError(f"{path.name} row {i + 2}: {exc}") from None
        key = f"{pid}#{i}"  # one store per pair, even when two pairs share an evidence text
        evidence[key] = _col(r, "evidence")
        pairs.append(Pair(pid, _col(r, "claim"), label, raw.strip(), key))
    return DataSet(name, "healthver", (path,), pairs, evidence)


def stratified_sample(pairs: Sequence[Pair], n: int, seed: int) -> list[Pair]:
    """``n`` pairs, each raw label keeping its share (largest remainder, at least one each).

    Deterministic for a given ``seed``; the pairs come back in file order."""
    if n >= len(pairs):
        return list(pairs)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_label[p.raw_label].append(i)
    labels = sorted(by_label)
    exact = {lab: n * len(by_label[lab]) / len(pairs) for lab in labels}
    take = {lab: max(1, int(exact[lab])) for lab in labels}
    by_remainder = sorted(labels, key=lambda lab: (-(exact[lab] - int(exact[lab])), lab))
    i = 0
    while sum(take.values()) < n:
        lab = by_remainder[i % len(labels)]
        if take[lab] < len(by_label[lab]):
            take[lab] += 1
        i += 1
    while sum(take.values()) > n:  # the "at least one" floors overshot: trim the largest
        lab = max(labels, key=lambda x: take[x])
        take[lab] -= 1
    rng = random.Random(seed)
    chosen: list[int] = []
    for lab in labels:
        chosen += rng.sample(by_label[lab], take[lab])
    return [pairs[i] for i in sorted(chosen)]


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine answered on one pair, as the scorer needs it."""

    label: str  # one of CLASSES
    predicted: str  # one of CLASSES
    confidence: float = 0.0
    evidence_found: bool = False
    check_cpu_ms: float = float("nan")


def predicted_class(verdict: str) -> str:
    """Supported → supports, Disputed → refutes, anything else → neither."""
    if verdict == Verdict.SUPPORTED.value:
        return "supports"
    if verdict == Verdict.DISPUTED.value:
        return "refutes"
    return "neither"


def _div(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _macro_f1(confusion: dict[str, dict[str, int]]) -> float:
    f1s = []
    for c in CLASSES:
        tp = confusion[c][c]
        predicted = sum(confusion[g][c] for g in CLASSES)
        actual = sum(confusion[c].values())
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return sum(f1s) / len(f1s)


def score(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Every measure of the report from the per-pair outcomes (pure arithmetic).

    Shares whose denominator is zero are NaN."""
    confusion = {g: dict.fromkeys(CLASSES, 0) for g in CLASSES}
    for o in outcomes:
        confusion[o.label][o.predicted] += 1
    n = len(outcomes)
    committed = [o for o in outcomes if o.predicted != "neither"]
    right = sum(o.predicted == o.label for o in committed)
    polar = [o for o in outcomes if o.label != "neither"]
    opposite = sum(o.predicted not in ("neither", o.label) for o in polar)
    recalled = sum(o.predicted == o.label for o in polar)
    found = sum(o.evidence_found for o in polar)
    correct = sum(o.predicted == o.label for o in outcomes)
    neither = sum(o.label == "neither" for o in outcomes)
    baseline = {g: {c: (sum(confusion[g].values()) if c == "neither" else 0) for c in CLASSES}
                for g in CLASSES}  # fmt: skip
    calibration = []
    for lo, hi in CALIBRATION_BINS:
        inside = [
            o for o in committed if lo <= o.confidence < hi or (hi == 1.0 and o.confidence >= 1.0)
        ]
        calibration.append(
            {
                "bin": f"{lo:.1f}–{hi:.1f}",
                "low": lo,
                "high": hi,
                "answers": len(inside),
                "right": sum(o.predicted == o.label for o in inside),
                "share_right": _div(sum(o.predicted == o.label for o in inside), len(inside)),
            }
        )
    high = [o for o in committed if o.confidence >= 0.8]
    cpu = [o.check_cpu_ms for o in outcomes if not math.isnan(o.check_cpu_ms)]
    return {
        "pairs": n,
        "labels": {c: sum(o.label == c for o in outcomes) for c in CLASSES},
        "committed": len(committed),
        "committed_right": right,
        "committed_precision": _div(right, len(committed)),
        "polar_pairs": len(polar),
        "opposite": opposite,
        "opposite_share": _div(opposite, len(polar)),
        "recalled": recalled,
        "recall": _div(recalled, len(polar)),
        "evidence_found": found,
        "evidence_found_share": _div(found, len(polar)),
        "accuracy": _div(correct, n),
        "macro_f1": _macro_f1(confusion) if n else float("nan"),
        "baseline_accuracy": _div(neither, n),
        "baseline_macro_f1": _macro_f1(baseline) if n else float("nan"),
        "confusion": confusion,
        "calibration": calibration,
        "confident_answers": len(high),
        "confident_share_right": _div(sum(o.predicted == o.label for o in high), len(high)),
        "check_cpu_ms_p50": percentile(cpu, 50),
        "check_cpu_ms_p95": percentile(cpu, 95),
        "check_cpu_ms_p99": percentile(cpu, 99),
    }


# --------------------------------------------------------------------------- the engine, per store


@dataclass(frozen=True, slots=True)
class _Task:
    evidence: str
    claims: tuple[tuple[int, str], ...]  # (index into the scored pairs, claim)


def _match_json(result: CheckResult) -> list[dict[str, Any]]:
    return [
        {
            "text": m.text,
            "score": m.score,
            "stance": m.stance.value,
            "notes": [
                {"kind": n.kind.value, "text": n.text, "conflict": n.conflict}
                | ({"source_says": n.source_says} if n.source_says else {})
                for n in m.notes
            ],
        }
        for m in result.matches
    ]


_EMBED = os.environ.get("CROSSCHECK_VERIFY_EMBED", "1") != "0"


def _run_task(task: _Task) -> tuple[float, list[dict[str, Any]]]:
    """Store one evidence text in a fresh SQLite file and check each claim against it.

    Returns the ingest CPU time (ms) and one result per claim."""
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="crosscheck-verify-") as tmp:
        base = Path(tmp)
        (base / "evidence").mkdir()
        body = task.evidence.replace("\r\n", "\n").strip()
        (base / "evidence" / "evidence.txt").write_text(f"{_TITLE}\n\n{body}\n", encoding="utf-8")
        (base / "sources.yaml").write_text(_SOURCES_YAML, encoding="utf-8")
        t0 = time.process_time()
        engine = Engine.open(base / "store.db", base / "sources.yaml")
        try:
            report = engine.ingest()
            if _EMBED:
                # a running store works its enrichment backlog off in the background; here the
                # evidence's vectors are made at once, so dense retrieval is measured too
                from checks.embed import get_embedder
                from checks.enrich import embed_backlog

                embedder = get_embedder()
                if embedder is not None:
                    embed_backlog(engine.store, embedder)
            ingest_ms = (time.process_time() - t0) * 1000
            stored = sum(s.claims for s in report.sources)
            ingest_errors = [e for s in report.sources for e in s.errors]
            for index, claim in task.claims:
                c0 = time.process_time()
                try:
                    result: CheckResult | None = engine.check_text(claim)
                    error = None
                except CheckError as exc:  # a claim the engine refuses (empty, too long)
                    result, error = None, str(exc)
                cpu_ms = (time.process_time() - c0) * 1000
                out.append(
                    {
                        "index": index,
                        "verdict": result.verdict.value if result else "error",
                        "confidence": result.confidence if result else 0.0,
                        "check_cpu_ms": round(cpu_ms, 3),
                        "evidence_claims": stored,
                        "matches": _match_json(result) if result else [],
                        **({"error": error} if error else {}),
                        **(
                            {"ingest_errors": [str(e) for e in ingest_errors]}
                            if ingest_errors
                            else {}
                        ),
                    }
                )
        finally:
            engine.close()
    return ingest_ms, out


def _start_worker() -> None:
    """Quiet logs, and one throwaway check so that whatever the engine loads lazily on its first
    check (a parser, tables) is loaded before anything is timed, as in a long-running bot."""
    logging.disable(logging.WARNING)  # an evidence text with no check-worthy sentence is expected
    _run_task(
        _Task(
            "The new bridge over the river opened to traffic on Monday after two years of work.",
            ((0, "The bridge over the river opened on Monday"),),
        )
    )


def _tasks(data: DataSet, pairs: Sequence[Pair]) -> list[_Task]:
    grouped: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, p in enumerate(pairs):
        grouped[p.evidence_id].append((i, p.claim))
    return [_Task(data.evidence[k], tuple(v)) for k, v in grouped.items()]


@dataclass
class SetRun:
    """One data set scored: what was run, every pair's result, the scores."""

    data: DataSet
    pairs: list[Pair]
    sample: str  # how the pairs were chosen, for captions
    results: list[dict[str, Any]]
    scores: dict[str, Any]
    stores: int
    wall_s: float
    ingest_cpu_ms: list[float] = field(default_factory=list)


def run_set(
    data: DataSet,
    pairs: Sequence[Pair],
    *,
    workers: int = 2,
    sample: str = "",
    progress: Callable[[int], None] | None = None,
) -> SetRun:
    """Check every pair through the engine in ``workers`` processes and score the answers."""
    tasks = _tasks(data, pairs)
    results: list[dict[str, Any] | None] = [None] * len(pairs)
    ingest: list[float] = []
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")  # a clean engine per worker, no inherited state
    with ProcessPoolExecutor(max(1, workers), mp_context=ctx, initializer=_start_worker) as pool:
        todo = iter(tasks)
        running: set[Future[tuple[float, list[dict[str, Any]]]]] = set()
        for task in todo:  # keep a bounded queue: a few tasks per worker in flight
            running.add(pool.submit(_run_task, task))
            if len(running) >= 4 * max(1, workers):
                break
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                ingest_ms, out = fut.result()
                ingest.append(ingest_ms)
                for r in out:
                    results[r["index"]] = r
                if progress:
                    progress(len(out))
                nxt = next(todo, None)
                if nxt is not None:
                    running.add(pool.submit(_run_task, nxt))
    wall = time.perf_counter() - t0
    final = [r for r in results if r is not None]
    outcomes = [
        Outcome(
            label=p.label,
            predicted=predicted_class(r["verdict"]),
            confidence=float(r["confidence"]),
            evidence_found=bool(r["matches"]),
            check_cpu_ms=float(r["check_cpu_ms"]),
        )
        for p, r in zip(pairs, final, strict=True)
    ]
    scores = score(outcomes)
    scores["errors"] = sum(r["verdict"] == "error" for r in final)
    scores["ingest_cpu_ms_p50"] = percentile(ingest, 50)
    return SetRun(data, list(pairs), sample, final, scores, len(tasks), wall, ingest)


# --------------------------------------------------------------------------- reports


def _f(x: float, digits: int = 3) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _pct(x: float) -> str:
    return "—" if math.isnan(x) else f"{100 * x:.1f} %"


def _summary_rows(runs: Sequence[SetRun]) -> tuple[list[str], list[list[str]]]:
    head = [
        "set",
        "pairs",
        "committed precision",
        "opposite answers",
        "recall",
        "evidence found",
        "accuracy (all-neither)",
        "macro-F1 (all-neither)",
        "check CPU ms p50 / p95 / p99",
    ]
    rows = []
    for r in runs:
        s = r.scores
        rows.append(
            [
                f"`{r.data.name}`",
                f"{s['pairs']:,}",
                f"{_f(s['committed_precision'])} ({s['committed_right']}/{s['committed']})",
                f"{_pct(s['opposite_share'])} ({s['opposite']})",
                f"{_f(s['recall'])} ({s['recalled']}/{s['polar_pairs']})",
                f"{_f(s['evidence_found_share'])}",
                f"{_f(s['accuracy'])} ({_f(s['baseline_accuracy'])})",
                f"{_f(s['macro_f1'])} ({_f(s['baseline_macro_f1'])})",
                f"{_f(s['check_cpu_ms_p50'], 1)} / {_f(s['check_cpu_ms_p95'], 1)} / "
                f"{_f(s['check_cpu_ms_p99'], 1)}",
            ]
        )
    return head, rows


def _confusion_rows(run: SetRun) -> tuple[list[str], list[list[str]]]:
    c = run.scores["confusion"]
    head = ["label ↓ / answer →", "Supported", "Disputed", "neither"]
    return head, [[g, *(f"{c[g][p]:,}" for p in CLASSES)] for g in CLASSES]


def _calibration_rows(run: SetRun) -> tuple[list[str], list[list[str]]]:
    s = run.scores
    head = ["confidence", "answers", "right", "share right"]
    rows = [
        [b["bin"], f"{b['answers']:,}", f"{b['right']:,}", _f(b["share_right"], 2)]
        for b in s["calibration"]
    ]
    high_right = sum(b["right"] for b in s["calibration"] if b["low"] >= 0.8)
    rows.append(
        ["**≥ 0.8**", f"{s['confident_answers']:,}", f"{high_right:,}",
         _f(s["confident_share_right"], 2)]
    )  # fmt: skip
    return head, rows


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    align = ["---"] + ["---:"] * (len(head) - 1)
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    commit = out.stdout.strip()
    if commit:
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "checks"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if dirty.stdout.strip():
            commit += " + uncommitted changes to checks/"
    return commit


def _nli_label() -> str:
    """The NLI model the workers use (from ``CROSSCHECK_NLI_MODEL``), named for the tables."""
    from checks import nli

    directory = os.environ.get(nli.ENV_VAR, "").strip()
    if not directory:
        return ""
    try:
        model = nli.get_model()
    except CheckError as exc:
        return f"NLI model unusable ({exc})"
    name = model.name if model is not None else "?"
    return f"NLI model `{name}` ({Path(directory).name}), commit ≥ {nli.commit_threshold():g}"


def _caption(runs: Sequence[SetRun], workers: int) -> str:
    sets = "; ".join(
        f"`{r.data.name}` ({r.data.format}): {r.sample}, {r.stores:,} stores, "
        f"{r.wall_s / 60:.1f} min wall" for r in runs
    )  # fmt: skip
    commit = _commit()
    at = f" at commit `{commit}`" if commit else ""
    model = _nli_label()
    stance = f" Polarity judged by the {model}." if model else ""
    return (
        f"`bench/verify.py`{at}: each pair checked by `Engine.check_text` against a fresh SQLite "
        f"store holding only its evidence; Supported → supports, Disputed → refutes, anything "
        f"else → neither.{stance} {sets}. {workers} worker processes; {machine()}; {today()}."
    )


def markdown_report(runs: Sequence[SetRun], workers: int, *, details: bool = True) -> str:
    """The README section: the summary table, then each set's confusion and calibration."""
    parts = [_caption(runs, workers), "", _md_table(*_summary_rows(runs))]
    if not details:
        return "\n".join(parts)
    parts += [
        "",
        "Committed precision: share right of the Supported/Disputed answers. Opposite answers: "
        "Supported on refutes or Disputed on supports, as a share of all supports + refutes pairs. "
        "Recall and evidence found are over the supports + refutes pairs. Calibration bins hold "
        "the committed answers by their `confidence`.",
    ]
    for r in runs:
        parts += [
            "",
            f"`{r.data.name}` — confusion (rows: label) and calibration:",
            "",
            _md_table(*_confusion_rows(r)),
            "",
            _md_table(*_calibration_rows(r)),
        ]
    return "\n".join(parts)


def _rich_report(runs: Sequence[SetRun], workers: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()

    def table(title: str, head: list[str], rows: list[list[str]]) -> Table:
        t = Table(title=title, title_justify="left")
        for i, h in enumerate(head):
            t.add_column(h.replace("`", ""), justify="left" if i == 0 else "right")
        for row in rows:
            t.add_row(*(c.replace("**", "").replace("`", "") for c in row))
        return t

    console.print(_caption(runs, workers).replace("`", ""))
    head, rows = _summary_rows(runs)  # one column per set: the measures are long words
    console.print(
        table(
            "Stance quality" + (f" — {_nli_label().replace('`', '')}" if _nli_label() else ""),
            ["measure", *(r[0] for r in rows)],
            [[h, *(r[i] for r in rows)] for i, h in enumerate(head) if i],
        )
    )
    for r in runs:
        console.print(table(f"{r.data.name}: confusion (rows: label)", *_confusion_rows(r)))
        console.print(
            table(f"{r.data.name}: calibration (committed answers)", *_calibration_rows(r))
        )


def write_readme(readme: Path, block: str) -> None:
    """Replace the text between the stance markers, or add the section before the benchmarks."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    body = f"{START}\n{block.strip()}\n{END}"
    start, end = text.find(START), text.find(END)
    if start != -1 and end > start:
        text = text[:start] + body + text[end + len(END) :]
    else:
        section = f"{SECTION}\n\n{body}\n"
        at = text.find("\n## Benchmarks")
        if at != -1:
            text = text[: at + 1] + section + "\n" + text[at + 1 :]
        else:
            text = text.rstrip("\n") + ("\n\n" if text else "") + section
    readme.write_text(text, encoding="utf-8")


def _jsonable(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    return x


def _dump(path: Path, runs: Sequence[SetRun]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for run in runs:
            for p, r in zip(run.pairs, run.results, strict=True):
                line = {
                    "set": run.data.name,
                    "id": p.id,
                    "evidence_id": p.evidence_id,
                    "claim": p.claim,
                    "label": p.label,
                    "raw_label": p.raw_label,
                    "verdict": r["verdict"],
                    "confidence": r["confidence"],
                    "check_cpu_ms": r["check_cpu_ms"],
                    "evidence_claims": r["evidence_claims"],
                    "matches": r["matches"],
                }
                if "error" in r:
                    line["error"] = r["error"]
                f.write(json.dumps(line, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- command line


def _choose(data: DataSet, args: argparse.Namespace) -> tuple[list[Pair], str]:
    pairs = data.pairs
    total = len(pairs)
    n = args.sample
    if n is None and not args.full and total > AUTO_SAMPLE_OVER:
        n = DEFAULT_SAMPLE
    how = f"all {total:,} pairs"
    if n is not None and n < total:
        pairs = stratified_sample(pairs, n, args.seed)
        how = f"stratified sample of {len(pairs):,} of {total:,} pairs (seed {args.seed})"
    if args.limit is not None and args.limit < len(pairs):
        pairs = pairs[: args.limit]
        how = f"first {len(pairs):,} of {total:,} pairs"
    return pairs, how


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        action="append",
        default=None,
        help="a FNC-1- or HealthVer-layout directory or CSV (repeatable; default: "
        + ", ".join(str(p) for p in DEFAULT_DATA)
        + ")",
    )
    ap.add_argument("--split", default=None, help="pick files whose name contains this word")
    ap.add_argument("--sample", type=int, default=None, help="stratified sample of N pairs per set")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs of each set")
    ap.add_argument("--full", action="store_true", help="every pair, however large the set")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--json", type=Path, default=None, help="write the scores here")
    ap.add_argument("--dump", type=Path, default=None, help="write every pair's answer (JSONL)")
    ap.add_argument("--readme", type=Path, default=None, help="README to write the tables into")
    ap.add_argument(
        "--format",
        choices=("rich", "markdown", "summary"),
        default="rich",
        help="stdout: rich tables (default), the markdown README section, or its summary table",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    ap.add_argument(
        "--nli",
        type=Path,
        default=None,
        metavar="MODEL_DIR",
        help="judge polarity with this NLI model (model.onnx, tokenizer.json, label order); "
        "sets CROSSCHECK_NLI_MODEL for the workers",
    )
    args = ap.parse_args(argv)
    if args.nli is not None:
        from checks import nli

        os.environ[nli.ENV_VAR] = str(args.nli.expanduser().resolve())
    if os.environ.get("CROSSCHECK_NLI_MODEL", "").strip():
        from checks import nli

        try:  # a broken model is one line here, not an error in every worker
            nli.get_model()
            nli.commit_threshold()
        except CheckError as exc:
            print(f"verify: {exc}", file=sys.stderr)
            return 2

    dirs = args.data or [p for p in DEFAULT_DATA if p.exists()]
    if not dirs:  # nothing asked for and nothing at the default place: say so, as the benches do
        where = " or ".join(f"`{p}`" for p in DEFAULT_DATA)
        print(f"Stance benchmark skipped: no data at {where} (give `--data DIR`).")
        return 0
    try:
        sets = [load(d, args.split) for d in dirs]
    except (DataError, OSError) as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    runs: list[SetRun] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), disable=args.quiet) as bar:
        for data in sets:
            pairs, how = _choose(data, args)
            task = bar.add_task(data.name, total=len(pairs))
            runs.append(
                run_set(
                    data,
                    pairs,
                    workers=args.workers,
                    sample=how,
                    progress=functools.partial(bar.advance, task),
                )
            )

    md = markdown_report(runs, args.workers)
    if args.format == "markdown":
        print(md)
    elif args.format == "summary":
        print(markdown_report(runs, args.workers, details=False))
    else:
        _rich_report(runs, args.workers)
    if args.json:
        doc = {
            "measured": today(),
            "machine": machine(),
            "commit": _commit(),
            "workers": args.workers,
            "nli": _nli_label() or None,
            "sets": [
                {
                    "name": r.data.name,
                    "format": r.data.format,
                    "files": [str(p) for p in r.data.files],
                    "pairs_total": len(r.data.pairs),
                    "sample": r.sample,
                    "stores": r.stores,
                    "wall_s": round(r.wall_s, 2),
                    "scores": r.scores,
                }
                for r in runs
            ],
        }
        args.json.write_text(json.dumps(_jsonable(doc), indent=2) + "\n", encoding="utf-8")
    if args.dump:
        _dump(args.dump, runs)
    if args.readme:
        write_readme(args.readme, md)
        print(f"wrote the stance tables into {args.readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
