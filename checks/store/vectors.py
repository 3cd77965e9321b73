"""Claim vectors for the SQLite store: int8 rows in the database, an HNSW index beside it.

The database is the truth. ``claim_vectors`` holds one int8 vector per claim (deleted with its
claim by a foreign key, replaced when the claim is), each row numbered by an ever-growing ``seq``.
The HNSW graph (usearch) is a cache of those rows: a process keeps it in memory and, before each
search, adds the rows whose ``seq`` is past what it has seen. Rows of claims deleted since are
still in the graph until the next rebuild; searching over-fetches and the caller's join drops them.

The graph is saved as ``<db>.vectors/<epoch>-<seq>.usearch`` (written to a temporary name, then
renamed, so a crash leaves the previous file): a process starting up loads the newest file of the
store's current *epoch* and catches up from its ``seq``. The epoch is a random tag stored in the
database and changed whenever every vector is dropped (a new embedding model), so a file of
vectors from another model is never used. A file that is missing, unreadable or ahead of the
database is ignored and the graph is rebuilt from the rows.

Measured in ``bench/vector_index.py``: at 100k vectors usearch answers in ~0.5 ms CPU against 60 ms
for sqlite-vec's exact int8 scan (and Python's ``sqlite3`` here cannot load extensions at all).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["VectorIndex", "new_epoch", "to_int8"]

log = logging.getLogger(__name__)

_SAVE_EVERY = 20_000  # vectors added since the last save before the graph is saved again
_RELOAD_GAP = 5_000  # behind the database by more than this: load a newer saved file if any
_BATCH = 20_000  # rows read from the database at a time when catching up
_EXPANSION_SEARCH = 64
_FILE = re.compile(r"^(?P<epoch>[0-9a-f]{16})-(?P<seq>\d+)\.usearch$")

Read = Callable[[str, Sequence[Any]], list[Any]]


def new_epoch() -> str:
    """A fresh random name for a generation of the vector index."""
    return secrets.token_hex(8)


def to_int8(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors as int8 rows (component × 127, rounded): 384 bytes for MiniLM."""
    a = np.asarray(vectors, dtype=np.float32)
    q: np.ndarray = np.clip(np.rint(a * 127.0), -127, 127).astype(np.int8)
    return q


class VectorIndex:
    """One process's HNSW graph over a SQLite store's ``claim_vectors`` rows."""

    def __init__(self, db_path: str, *, writable: bool) -> None:
        self.folder = Path(db_path + ".vectors")
        self.writable = writable
        self._lock = threading.RLock()
        self._index: Any = None
        self._epoch: str | None = None
        self._seq = 0  # rows up to this seq are in the graph
        self._saved_seq = 0
        self._data_version: int | None = None

    # ------------------------------------------------------------------ searching

    def search(self, read: Read, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(claim id, cosine) of the ``k`` nearest stored vectors, nearest first. Ids of claims
        deleted since the last rebuild may be among them: the caller's join drops those."""
        with self._lock:
            # PRAGMA data_version changes when another connection commits: only then can there
            # be rows to catch up on (this connection's own writes sync as they are made)
            seen = read("PRAGMA data_version", ())[0][0]
            if seen != self._data_version or self._index is None:
                self.sync(read)
                self._data_version = seen
            if self._index is None or len(self._index) == 0:
                return []
            found = self._index.search(
                to_int8(query.reshape(1, -1))[0], min(k, len(self._index)), threads=1
            )
            return [
                (int(key), float(1.0 - dist))
                for key, dist in zip(found.keys, found.distances, strict=True)
            ]

    # ------------------------------------------------------------------ keeping in step

    def sync(self, read: Read) -> None:
        """Bring the graph up to the database's rows (load, catch up, rebuild as needed)."""
        with self._lock:
            meta = {r[0]: r[1] for r in read("SELECT key, value FROM store_meta", ())}
            epoch = meta.get("vector_epoch")
            if epoch is None:  # no vectors were ever stored
                self._index, self._epoch, self._seq = None, None, 0
                return
            top = read("SELECT coalesce(max(seq), 0) FROM claim_vectors", ())[0][0]
            if epoch != self._epoch or top < self._seq:  # new model, or a restored database
                self._index, self._epoch, self._seq = None, epoch, 0
            if self._index is None or top - self._seq > _RELOAD_GAP:
                self._load_file(epoch, top)
            if self._index is None:
                dim = int(meta.get("vector_dim") or 0)
                if not dim:
                    return
                self._index = _new_index(dim)
                self._seq = self._saved_seq = 0
            if top > self._seq:
                self._catch_up(read)
                if self.writable and self._seq - self._saved_seq >= _SAVE_EVERY:
                    self.save()

    def _catch_up(self, read: Read) -> None:
        while True:
            rows = read(
                "SELECT seq, claim_id, vec FROM claim_vectors WHERE seq > ? ORDER BY seq LIMIT ?",
                (self._seq, _BATCH),
            )
            if not rows:
                return
            last = {int(r[1]): i for i, r in enumerate(rows)}  # a claim's newest vector wins
            keys = np.fromiter(last.keys(), dtype=np.uint64, count=len(last))
            vecs = np.stack([np.frombuffer(rows[i][2], dtype=np.int8) for i in last.values()])
            present = np.asarray(self._index.contains(keys), dtype=bool).reshape(-1)
            for key in keys[present]:  # a replaced vector: drop the old one first
                self._index.remove(int(key))
            self._index.add(keys, vecs, threads=_threads())
            self._seq = int(rows[-1][0])

    def _load_file(self, epoch: str, top: int) -> None:
        best: tuple[int, Path] | None = None
        if self.folder.is_dir():
            for p in self.folder.iterdir():
                m = _FILE.match(p.name)
                if m and m["epoch"] == epoch:
                    seq = int(m["seq"])
                    if self._seq < seq <= top and (best is None or seq > best[0]):
                        best = (seq, p)
        if best is None:
            return
        from usearch.index import Index

        try:
            index = Index.restore(str(best[1]))
        except Exception as exc:  # any unreadable file: rebuild from the rows
            log.warning("vector index %s unreadable (%s); rebuilding from the store", best[1], exc)
            return
        if index is None:
            return
        index.expansion_search = _EXPANSION_SEARCH  # type: ignore[misc]
        self._index, self._seq, self._saved_seq = index, best[0], best[0]
        log.info("vector index loaded from %s (%d vectors)", best[1].name, len(index))

    def save(self) -> None:
        """Write the graph (atomically) and remove this epoch's older files."""
        with self._lock:
            if not self.writable or self._index is None or self._epoch is None:
                return
            if self._seq == self._saved_seq:
                return
            try:
                self.folder.mkdir(exist_ok=True)
                final = self.folder / f"{self._epoch}-{self._seq}.usearch"
                tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
                self._index.save(str(tmp))
                os.replace(tmp, final)
                self._saved_seq = self._seq
                for p in self.folder.iterdir():
                    m = _FILE.match(p.name)
                    if p != final and (
                        (m and (m["epoch"] != self._epoch or int(m["seq"]) < self._seq))
                        or (p.name.endswith(".tmp") and str(os.getpid()) in p.name)
                    ):
                        p.unlink(missing_ok=True)
            except OSError as exc:  # a cache: failing to save only costs the next start time
                log.warning("could not save the vector index in %s: %s", self.folder, exc)

    def size(self) -> int:
        """How many vectors the index holds."""
        with self._lock:
            return 0 if self._index is None else len(self._index)


def _threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _new_index(dim: int) -> Any:
    from usearch.index import Index

    # connectivity 16 and expansion 64 on search: recall@10 0.93 at 100k in bench/vector_index.py
    index = Index(ndim=dim, metric="cos", dtype="i8", connectivity=16, expansion_add=128)
    index.expansion_search = _EXPANSION_SEARCH  # type: ignore[misc]
    return index
