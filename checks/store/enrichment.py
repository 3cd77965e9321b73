"""Work a store does after a claim is stored: the enrichment backlog and claim vectors.

A claim is stored and searchable by its words at once; what is slower to compute (its sentence
embedding and its parsed frame) is *enrichment*, queued in the ``enrichment`` table — one
row per (claim, task), added by a trigger when the claim is inserted and deleted with it — and
worked off in batches by whoever has the time (the ingest run's background thread, ``crosscheck
worker``, ``crosscheck db embed``). Taking a batch leases it to a holder for a while, so that
several workers never do the same claims, while a crashed worker's batch is taken again once
its lease runs out (or at once by the same holder).

The portable SQL lives here; each store adds how it keeps vectors (SQLite: int8 rows and an HNSW
file beside the database; PostgreSQL: pgvector ``halfvec`` with an HNSW index).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from checks.store.base import Candidate

__all__ = ["EMBED", "EnrichmentMixin"]

EMBED = "embed"  # the enrichment task of computing a claim's sentence vector
_MODEL_TTL_S = 1.0


class EnrichmentMixin:
    """The enrichment backlog and the vector methods of the :class:`Store` protocol."""

    _skip_locked = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED"

    @abstractmethod
    def _tx(self) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    @abstractmethod
    def _reset_vectors(self, db: Any, model: str, dim: int) -> None:
        """Drop every vector (they are another model's) and make room for ``dim``-sized ones."""

    @abstractmethod
    def _insert_vectors(self, db: Any, items: list[tuple[int, np.ndarray]]) -> None:
        """Insert or replace the vectors of claims that still exist."""

    # ------------------------------------------------------------------ the backlog

    def pending_enrichment(
        self, limit: int, *, task: str = EMBED, holder: str = "", lease_s: float = 300.0
    ) -> list[tuple[int, str]]:
        """Up to ``limit`` (claim id, text) awaiting ``task``, newest claims first, leased to
        ``holder`` for ``lease_s`` seconds. Claims leased to another holder are skipped until
        their lease runs out; the same holder gets its own leased claims again (a re-run after
        an interruption resumes where it stopped)."""
        now = datetime.now(UTC)
        stamp = now.isoformat(timespec="milliseconds")
        until = (now + timedelta(seconds=lease_s)).isoformat(timespec="milliseconds")
        with self._tx() as db:
            rows = db.execute(
                "SELECT claim_id FROM enrichment WHERE task = ? AND (lease_until IS NULL "
                "OR lease_until < ? OR holder = ?) ORDER BY claim_id DESC LIMIT ?"
                + self._skip_locked,
                (task, stamp, holder, limit),
            ).fetchall()
            ids = [int(r["claim_id"]) for r in rows]
            if not ids:
                return []
            marks = ", ".join("?" * len(ids))
            db.execute(
                f"UPDATE enrichment SET holder = ?, lease_until = ? "
                f"WHERE task = ? AND claim_id IN ({marks})",
                (holder, until, task, *ids),
            )
            texts = {
                int(r["id"]): r["text"]
                for r in db.execute(f"SELECT id, text FROM claims WHERE id IN ({marks})", ids)
            }
        return [(i, texts[i]) for i in ids if i in texts]

    def enrichment_backlog(self, task: str = EMBED) -> int:
        """How many claims await ``task``."""
        rows = self._read("SELECT count(*) AS n FROM enrichment WHERE task = ?", (task,))
        return int(rows[0]["n"])

    def vector_backlog(self) -> int:
        """How many claims have no vector yet (answered by words only until they do)."""
        return self.enrichment_backlog(EMBED)

    def vector_model(self) -> str | None:
        """The embedder ``name`` the stored vectors were made with (None: no vectors yet).
        Asked on every check, so a model once seen is remembered for a second (a change of
        model is rare; the first vectors are seen at once)."""
        at, seen = getattr(self, "_model_seen", (-_MODEL_TTL_S, None))
        if seen is not None and time.monotonic() - at < _MODEL_TTL_S:
            return str(seen)
        rows = self._read("SELECT value FROM store_meta WHERE key = 'embed_model'")
        name = str(rows[0]["value"]) if rows else None
        self._model_seen = (time.monotonic(), name)
        return name

    def vector_count(self) -> int:
        """How many claims have a vector."""
        rows = self._read("SELECT count(*) AS n FROM claim_vectors")
        return int(rows[0]["n"])

    # ------------------------------------------------------------------ vectors

    def put_vectors(self, model: str, items: Sequence[tuple[int, np.ndarray]]) -> int:
        """Store claims' vectors (float, unit length; quantized by the store) made by embedder
        ``model``, and take those claims off the embedding backlog. Vectors of a *different*
        model than the stored ones replace them all: every claim is queued again. Claims deleted
        meanwhile are skipped. Returns how many vectors were given."""
        batch = [(int(i), np.asarray(v, dtype=np.float32).reshape(-1)) for i, v in items]
        if not batch:
            return 0
        dim = len(batch[0][1])
        with self._tx() as db:
            meta = {
                r["key"]: r["value"]
                for r in db.execute(
                    "SELECT key, value FROM store_meta WHERE key IN ('embed_model', 'vector_dim')"
                ).fetchall()
            }
            if meta.get("embed_model") != model or int(meta.get("vector_dim") or 0) != dim:
                self._reset_vectors(db, model, dim)
            self._insert_vectors(db, batch)
            self._model_seen = (-_MODEL_TTL_S, None)  # read it again
            db.executemany(
                "DELETE FROM enrichment WHERE task = ? AND claim_id = ?",
                [(EMBED, i) for i, _ in batch],
            )
        return len(batch)

    def put_frames(self, items: Sequence[tuple[int, str]], version: int) -> int:
        """Store claims' parses (``ClaimParse.to_json()``) made by extractor ``version``,
        replacing older ones. Claims deleted meanwhile are skipped (nothing to update).
        Returns how many were given."""
        batch = [(str(frame), int(version), int(i)) for i, frame in items]
        if not batch:
            return 0
        with self._tx() as db:
            db.executemany("UPDATE claims SET frame = ?, frame_version = ? WHERE id = ?", batch)
        return len(batch)

    def _requeue_all(self, db: Any, model: str, dim: int, epoch: str) -> None:
        """Shared part of a reset: every claim awaits embedding; the new model is recorded."""
        db.execute(
            "INSERT INTO enrichment (claim_id, task) SELECT id, ? FROM claims WHERE true "
            "ON CONFLICT DO NOTHING",
            (EMBED,),
        )
        for key, value in (
            ("embed_model", model),
            ("vector_dim", str(dim)),
            ("vector_epoch", epoch),
        ):
            db.execute(
                "INSERT INTO store_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @abstractmethod
    def nearest(
        self, model: str, vector: np.ndarray, k: int, *, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
        """The ``k`` stored claims whose vectors are nearest ``vector`` (made by ``model``),
        nearest first, each with its ``cosine``; [] when the store's vectors are another model's."""

    @abstractmethod
    def cosines(self, model: str, vector: np.ndarray, claim_ids: Sequence[int]) -> dict[int, float]:
        """Cosine of ``vector`` with each given claim's stored vector (claims without one, or
        vectors of another model, are left out)."""
