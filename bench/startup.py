"""Cold start: what a fresh ``crosscheck`` process costs until it has answered.

    .venv/bin/python bench/startup.py [--runs 20] [--json]

A bot answers its first command after a restart, and an API client pays the start of every CLI
call, so the time from ``exec`` to the answer matters as much as the check itself. Each command
below runs ``--runs`` times as a new process (the console script, in a directory holding the
bundled samples, ingested once beforehand); the first run of each is not counted (it warms the
operating system's file cache, not Python). The CPU time of each run is user + system time from
``getrusage(RUSAGE_CHILDREN)`` around it, the wall time from the clock. The process exits right
after printing its answer, so its whole CPU time is the cost of the first answer.

A second table is from ``python -X importtime`` runs of the same check (the median of five):
import time (self, not cumulative) by top-level package, the largest first, to show where
start-up goes. ``-X importtime`` itself slows imports, so its total exceeds the CPU time of the
imports in a plain run.

Target (issue 10): a cold ``crosscheck check "…"`` answers within 0.4 CPU-s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine, percentile, today

CLAIM = "The UK plans to send 25,000 troops to Ukraine"
TARGET_CPU_S = 0.4
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _command() -> list[str]:
    """The console script next to this Python, else ``python -m bot.cli``."""
    script = Path(sys.executable).with_name("crosscheck")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSCHECK_")}
    env["PYTHONPATH"] = str(ROOT)
    env["COLUMNS"] = "100"
    return env


def _workdir(base: Path) -> Path:
    shutil.copy(ROOT / "sources.yaml", base / "sources.yaml")
    shutil.copytree(ROOT / "samples", base / "samples")
    done = subprocess.run(
        [*_command(), "ingest"], cwd=base, env=_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"crosscheck ingest failed: {done.stderr.strip()[-500:]}")
    return base


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_runs(argv: list[str], cwd: Path, runs: int) -> dict[str, Any]:
    """CPU and wall seconds of ``runs`` fresh processes (after one uncounted warm-up)."""
    cpu: list[float] = []
    wall: list[float] = []
    for i in range(runs + 1):
        c0, t0 = _cpu(), time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, check=False)
        t1, c1 = time.perf_counter(), _cpu()
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace").strip()[-500:]
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {tail}")
        if i:
            cpu.append(c1 - c0)
            wall.append(t1 - t0)
    return {
        "runs": runs,
        "cpu_p50": percentile(cpu, 50),
        "cpu_p95": percentile(cpu, 95),
        "wall_p50": percentile(wall, 50),
        "wall_p95": percentile(wall, 95),
    }


def import_profile(
    cwd: Path, top: int = 12, runs: int = 5
) -> tuple[list[tuple[str, float]], float]:
    """Self import time (ms) by top-level package for a cold check, the median of ``runs``, and
    the median total."""
    per_run: list[dict[str, float]] = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "bot.cli", "check", CLAIM],
            cwd=cwd,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        by_package: dict[str, float] = {}
        for line in done.stderr.splitlines():
            m = _IMPORT_LINE.match(line)
            if m:
                name = m.group(4)
                package = name.split(".")[0]
                if package in ("checks", "bot"):  # our own modules one by one
                    package = name
                by_package[package] = by_package.get(package, 0.0) + int(m.group(1)) / 1000.0
        per_run.append(by_package)
    names = {name for run in per_run for name in run}
    medians = {n: percentile([run.get(n, 0.0) for run in per_run], 50) for n in names}
    ranked = sorted(medians.items(), key=lambda kv: kv[1], reverse=True)
    return ranked[:top], percentile([sum(run.values()) for run in per_run], 50)


def run(runs: int) -> dict[str, Any]:
    cmd = _command()
    cases = [
        ("`python -c pass` (the interpreter alone)", [sys.executable, "-c", "pass"]),
        ("`crosscheck --help`", [*cmd, "--help"]),
        ('`crosscheck check "…"`', [*cmd, "check", CLAIM]),
        ('`crosscheck check --json "…"`', [*cmd, "check", "--json", CLAIM]),
        ("`crosscheck sources`", [*cmd, "sources"]),
    ]
    with tempfile.TemporaryDirectory(prefix="crosscheck-startup-") as tmp:
        cwd = _workdir(Path(tmp))
        rows = [{"command": name, **time_runs(argv, cwd, runs)} for name, argv in cases]
        imports, total_ms = import_profile(cwd)
    return {
        "machine": machine(),
        "date": today(),
        "load": os.getloadavg()[0],
        "rows": rows,
        "imports": imports,
        "imports_total_ms": total_ms,
    }


def markdown(r: dict[str, Any]) -> str:
    check = next(row for row in r["rows"] if row["command"].startswith('`crosscheck check "'))
    verdict = "meets" if check["cpu_p50"] <= TARGET_CPU_S else "misses"
    lines = [
        f"Each command run {r['rows'][0]['runs']} times as a new process in a directory holding "
        f"the ingested samples (one uncounted warm-up run each); CPU = user + system time of the "
        f"process. {r['machine']}; load average {r['load']:.1f} at the end; {r['date']}. "
        f"Target: a cold check answers within {TARGET_CPU_S} CPU-s (p50 {check['cpu_p50']:.2f}: "
        f"{verdict} it).",
        "",
        "| command | CPU p50 (s) | CPU p95 (s) | wall p50 (s) | wall p95 (s) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in r["rows"]:
        lines.append(
            f"| {row['command']} | {row['cpu_p50']:.3f} | {row['cpu_p95']:.3f} "
            f"| {row['wall_p50']:.3f} | {row['wall_p95']:.3f} |"
        )
    lines += [
        "",
        f'Where a cold check\'s imports go (`python -X importtime -m bot.cli check "…"`, self '
        f"time by top-level package, median of 5 runs; {r['imports_total_ms']:.0f} ms of imports "
        "in all, inflated by `-X importtime` itself):",
        "",
        "| package | import ms | share |",
        "| --- | ---: | ---: |",
    ]
    total = r["imports_total_ms"] or 1.0
    for name, ms in r["imports"]:
        lines.append(f"| `{name}` | {ms:.1f} | {100 * ms / total:.0f} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20, help="counted runs per command")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = ap.parse_args(argv)
    result = run(max(args.runs, 1))
    print(json.dumps(result, indent=2) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
