"""Helpers shared by the benchmarks: cache folder, code version for cache keys, the machine."""

from __future__ import annotations

import hashlib
import math
import os
import platform
import resource
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"

if str(ROOT) not in sys.path:  # `python bench/x.py` from anywhere imports the engine from here
    sys.path.insert(0, str(ROOT))

from checks.models import ClaimFeatures  # noqa: E402

# Files whose changes alter what a built store holds (schema, index terms, claim features).
_INDEX_CODE = (
    "checks/claims.py",
    "checks/lexicon.py",
    "checks/models.py",
    "checks/text_index.py",
    "checks/store/*.py",
)


def code_version(extra: str = "") -> str:
    """A short hash of the engine code that shapes a built store, plus ``extra``."""
    h = hashlib.sha256(extra.encode())
    for pattern in _INDEX_CODE:
        for p in sorted(ROOT.glob(pattern)):
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def cache_dir() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB.

    On Linux this is ``VmHWM`` from ``/proc/self/status``: ``getrusage``'s ``ru_maxrss`` carries
    the parent's peak into a child across fork and exec, so a measuring child started by a big
    builder would report the builder's memory. Elsewhere, ``getrusage``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0 if sys.platform != "darwin" else kb / (1024.0 * 1024.0)


def current_rss_mb() -> float:
    """Resident set size now, in MB (from /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024.0 * 1024.0)
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()


def machine() -> str:
    """The machine for table captions: "2 × AMD EPYC, Linux 6.1, Python 3.11.9"."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    model = model or platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} × {model}, {platform.system()} {platform.release().split('-')[0]}, "
        f"Python {platform.python_version()}"
    )


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def file_size_mb(path: str | Path) -> float:
    """A SQLite store's size on disk including its WAL, in MB."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            total += p.stat().st_size
    return total / (1024.0 * 1024.0)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation, like numpy's default."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def storable(feats: ClaimFeatures) -> tuple[ClaimFeatures, bool]:
    """``feats`` as the store can read them back, and whether they had to be changed.

    Works around an engine bug: a figure bounded below ("at least 40 people") has ``high = inf``,
    which pydantic writes to JSON as ``null`` and then refuses to read, so every search that meets
    such a claim fails. Until the models serialise infinities, the benches store the largest finite
    float instead; when the round trip works nothing is changed.
    """
    if all(math.isfinite(q.low) and math.isfinite(q.high) for q in feats.quantities):
        return feats, False
    try:
        ClaimFeatures.model_validate_json(feats.model_dump_json())
        return feats, False
    except ValueError:
        quantities = tuple(
            q
            if math.isfinite(q.high) and math.isfinite(q.low)
            else q.model_copy(
                update={
                    "low": q.low if math.isfinite(q.low) else -sys.float_info.max,
                    "high": q.high if math.isfinite(q.high) else sys.float_info.max,
                }
            )
            for q in feats.quantities
        )
        return feats.model_copy(update={"quantities": quantities}), True


def drop_stale(keep: Path, prefix: str) -> None:
    """Delete cached stores named ``prefix*`` other than ``keep`` (built by older code)."""
    for p in keep.parent.glob(prefix + "*"):
        if p.name.startswith(keep.stem) or ".tmp" in p.name:
            continue
        if p.is_dir():  # a store's vector index folder (<store>.vectors)
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
