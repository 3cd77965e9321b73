"""The embedded store: one SQLite file, WAL mode, an FTS5 index over claims.

The schema is versioned with ``PRAGMA user_version``; ``_MIGRATIONS[i]`` takes a store from
version ``i`` to ``i + 1`` and runs in its own transaction, so a store is never half-upgraded.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from checks.errors import StoreError, StoreReadOnlyError
from checks.frames import FRAMES_VERSION
from checks.store.base import Candidate
from checks.store.enrichment import EnrichmentMixin
from checks.store.sql import SQLStore, _candidate
from checks.store.vectors import VectorIndex, new_epoch, to_int8

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

log = logging.getLogger(__name__)

_MIGRATIONS: list[str] = [
    # 0 → 1: sources, articles, claims and the full-text index over claims.
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        weight REAL NOT NULL DEFAULT 1.0,
        last_ingest TEXT,
        last_success TEXT,
        last_error TEXT
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        canonical_url TEXT NOT NULL,
        title TEXT NOT NULL,
        published TEXT,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        UNIQUE (source, canonical_url)
    );
    CREATE INDEX articles_by_hash ON articles (source, content_hash);
    CREATE TABLE claims (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        features TEXT NOT NULL,
        terms TEXT NOT NULL,
        context TEXT NOT NULL
    );
    CREATE INDEX claims_by_article ON claims (article_id);
    CREATE VIRTUAL TABLE claims_fts USING fts5 (
        terms, context, content='claims', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER claims_ai AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts (rowid, terms, context) VALUES (new.id, new.terms, new.context);
    END;
    CREATE TRIGGER claims_ad AFTER DELETE ON claims BEGIN
        INSERT INTO claims_fts (claims_fts, rowid, terms, context)
        VALUES ('delete', old.id, old.terms, old.context);
    END;
    CREATE VIRTUAL TABLE claims_vocab USING fts5vocab (claims_fts, 'row');
    """,
    # 1 → 2: fact-checks (ClaimReview) on claims, HTTP validators, the fact-check API cache.
    """
    ALTER TABLE claims ADD COLUMN review TEXT;
    CREATE INDEX articles_by_url ON articles (url);
    CREATE INDEX articles_by_canonical ON articles (canonical_url);
    CREATE TABLE http_cache (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        checked_at TEXT NOT NULL
    );
    CREATE TABLE api_cache (
        source TEXT NOT NULL,
        query TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (source, query)
    );
    """,
    # 2 → 3: per-server settings, the answers the bot gave, members' disputes of them.
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER PRIMARY KEY,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER,
        channel_id INTEGER,
        message_id INTEGER,
        user_id INTEGER,
        surface TEXT NOT NULL,
        claim TEXT NOT NULL,
        verdict TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE disputes (
        id INTEGER PRIMARY KEY,
        answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
        user_id INTEGER,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX disputes_by_answer ON disputes (answer_id);
    """,
    # 3 → 4: the moderator review queue, where each item was asked, and its audit trail.
    """
    CREATE TABLE review_items (
        id INTEGER PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        claim TEXT NOT NULL,
        claim_key TEXT NOT NULL,
        state TEXT NOT NULL,
        resolution TEXT,
        bot_verdict TEXT NOT NULL,
        result TEXT NOT NULL,
        triggers TEXT NOT NULL,
        demand INTEGER NOT NULL DEFAULT 1,
        assignee INTEGER,
        moderator_verdict TEXT,
        moderator_note TEXT,
        moderator_url TEXT,
        decided_by INTEGER,
        decided_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        post_channel_id INTEGER,
        post_message_id INTEGER,
        posted_version INTEGER,
        UNIQUE (guild_id, claim_key)
    );
    CREATE INDEX review_by_state ON review_items (guild_id, state);
    CREATE TABLE review_asks (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES review_items (id) ON DELETE CASCADE,
        guild_id INTEGER NOT NULL,
        channel_id INTEGER,
        message_id INTEGER,
        answer_id INTEGER,
        user_id INTEGER,
        ephemeral INTEGER NOT NULL DEFAULT 0,
        followup_message_id INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE INDEX review_asks_by_item ON review_asks (item_id);
    CREATE TABLE review_audit (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES review_items (id) ON DELETE CASCADE,
        actor_id INTEGER,
        action TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX review_audit_by_item ON review_audit (item_id);
    """,
    # 4 → 5: leases, so that several ingestion workers never ingest one source at once.
    """
    CREATE TABLE source_leases (
        source TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    """,
    # 5 → 6: enrichment after storing: a backlog of claims awaiting slower work (their vector;
    # later their parsed frame), the vectors themselves, each claim's matcher terms (stored at
    # ingest; NULL for older claims, which are tokenised when met), and the store's settings.
    """
    ALTER TABLE claims ADD COLUMN term_set TEXT;
    ALTER TABLE claims ADD COLUMN frame TEXT;
    ALTER TABLE claims ADD COLUMN frame_version INTEGER;
    CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE enrichment (
        claim_id INTEGER NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
        task TEXT NOT NULL,
        holder TEXT,
        lease_until TEXT,
        PRIMARY KEY (task, claim_id)
    ) WITHOUT ROWID;
    CREATE INDEX enrichment_by_claim ON enrichment (claim_id);
    INSERT INTO enrichment (claim_id, task) SELECT id, 'embed' FROM claims;
    CREATE TRIGGER claims_enrich AFTER INSERT ON claims BEGIN
        INSERT INTO enrichment (claim_id, task) VALUES (new.id, 'embed');
    END;
    CREATE TABLE claim_vectors (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        claim_id INTEGER NOT NULL UNIQUE REFERENCES claims (id) ON DELETE CASCADE,
        vec BLOB NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(_MIGRATIONS)

# bm25 column weights, the sentence and its title: the title counts for more (measured on
_BM25_WEIGHTS = (1.0, 2.0)  # CheckThat! train, MAP@5 0.777 → 0.797; dev unchanged or better)


# PRAGMA application_id marks a file as a Crosscheck store ("CrCk"); see sqlite.org/fileformat2
_APPLICATION_ID = int.from_bytes(b"CrCk", "big")
_CORE_TABLES = frozenset({"sources", "articles", "claims"})


def _regular_file_or_none(p: Path, shown: str) -> bool:
    """Whether the store file exists; a folder, device, FIFO or socket is refused."""
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StoreError(f"cannot be opened ({exc.strerror or exc})", path=shown) from None
    if stat.S_ISDIR(mode):
        raise StoreError("is a directory, not a store file", path=shown)
    if not stat.S_ISREG(mode):
        raise StoreError("is not a regular file (a device or pipe cannot be a store)", path=shown)
    return True


def _why_not_writable(p: Path, exists: bool) -> str | None:
    """Why the store cannot be written here, or None when it can."""
    if exists and not os.access(p, os.W_OK):
        return "the file is read-only"
    folder = p.resolve().parent
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return "its folder is read-only (SQLite keeps its journal next to the store)"
    return None


def _connect_read_only(p: Path) -> sqlite3.Connection:
    """A read-only connection. A WAL store needs its ``-shm`` file, which a read-only folder
    cannot hold: there the file is read as immutable (no process can be writing it, since
    none can create the ``-wal`` file next to it)."""
    uri = "file:" + urllib.parse.quote(str(p.resolve())) + "?mode=ro"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        db.close()
        if "unable to open" not in str(exc) and "readonly" not in str(exc):
            raise
    wal = Path(str(p) + "-wal")
    if wal.exists() and wal.stat().st_size:
        log.warning("store %s: reading without its unmerged -wal file (read-only folder)", p)
    uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)


class SQLiteStore(EnrichmentMixin, SQLStore):
    """A :class:`~checks.store.base.Store` in one SQLite file."""

    posting_budget = 20_000  # FTS5 reads postings cheaply (the matcher's own default)

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool | None = None) -> None:
        self.path = str(path)
        p = Path(self.path)
        exists = _regular_file_or_none(p, self.path)
        why_not = _why_not_writable(p, exists)
        if read_only is None:
            read_only = why_not is not None
        if read_only and not exists:
            raise StoreReadOnlyError(
                f"does not exist and cannot be created: {why_not or 'opened read-only'}",
                path=self.path,
            )
        self.read_only = read_only
        self._why_read_only = why_not or "it was opened read-only"
        self._lock = threading.RLock()
        try:
            if read_only:
                self._db = _connect_read_only(p)
            else:
                if not p.parent.exists():
                    raise StoreError("its folder does not exist", path=self.path)
                self._db = sqlite3.connect(p, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 5000")
            marked = self._check_marker()  # before anything is written: WAL mode changes the file
            if not read_only:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
            if not marked and not read_only:
                self._db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_tokens USING fts5 "
                "(x, tokenize='porter unicode61 remove_diacritics 2')"
            )
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_tokens_vocab "
                "USING fts5vocab(temp, query_tokens, 'row')"
            )
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_tokens_inst "
                "USING fts5vocab(temp, query_tokens, 'instance')"
            )
            self._vectors = VectorIndex(self.path, writable=not read_only)
            self._freqs = _DocFreqs()
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    # ------------------------------------------------------------------ plumbing

    def _error(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            why = getattr(self, "_why_read_only", "the file or its folder is read-only")
            return StoreReadOnlyError(f"cannot be written: {why}", path=self.path)
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return StoreError(
                "is not a Crosscheck store or is corrupt (" + text + ")", path=self.path
            )
        if "unable to open" in text:
            return StoreError("cannot be opened (" + text + ")", path=self.path)
        return StoreError(text, path=self.path)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back whole on any error."""
        if self.read_only:
            raise StoreReadOnlyError(f"cannot be written: {self._why_read_only}", path=self.path)
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc
            try:
                yield self._db
            except sqlite3.DatabaseError as exc:
                self._db.execute("ROLLBACK")
                raise self._error(exc) from exc
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.DatabaseError as exc:
                    self._db.execute("ROLLBACK")
                    raise self._error(exc) from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc

    def _check_marker(self) -> bool:
        """Whether the file carries Crosscheck's mark. An empty file, or a store made before the
        mark existed, is unmarked but used; any other SQLite file is refused untouched."""
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        if app_id == _APPLICATION_ID:
            return True
        if app_id == 0:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {r[0] for r in rows}
            if version == 0 and not tables:
                return False  # a new, empty file
            if version >= 1 and tables >= _CORE_TABLES:
                return False  # a Crosscheck store from before the mark
        raise StoreError(
            "is not a Crosscheck store (another application's database?); it was left untouched",
            path=self.path,
        )

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"was written by a newer Crosscheck (schema {version}, this one knows "
                f"{SCHEMA_VERSION})",
                path=self.path,
            )
        if version == SCHEMA_VERSION:
            return
        if self.read_only:
            raise StoreReadOnlyError(
                f"needs upgrading to schema {SCHEMA_VERSION} but is read-only", path=self.path
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            log.info("upgrading store %s to schema %d", self.path, target)
            with self._tx() as db:
                for statement in _split_sql(_MIGRATIONS[target - 1]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")

    def close(self) -> None:
        """Save the vector index and close the connection."""
        with self._lock:
            self._vectors.save()
            self._db.close()

    # ------------------------------------------------------------------ full-text search

    def search(
        self, terms: list[str], *, limit: int, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
        """Claims matching any of ``terms`` by FTS5 BM25, best first."""
        if not terms:
            return []
        query = " OR ".join(_fts_phrase(t) for t in terms)
        exclude = list(exclude_sources)
        where_src = f"WHERE a.source NOT IN ({', '.join('?' * len(exclude))})" if exclude else ""
        w1, w2 = _BM25_WEIGHTS
        # rank inside the index first, then read only the winners' rows (joining every
        # matching row before sorting is what made common words slow in large stores)
        fetch = limit * 4 if exclude else limit
        rows = self._read(
            f"""
            WITH top AS (
                SELECT rowid AS id, bm25(claims_fts, {w1}, {w2}) AS rank
                FROM claims_fts WHERE claims_fts MATCH ? ORDER BY rank LIMIT ?
            )
            SELECT {_CANDIDATE_COLUMNS}, -top.rank AS lexical
            FROM top
            JOIN claims c ON c.id = top.id
            JOIN articles a ON a.id = c.article_id
            LEFT JOIN sources s ON s.name = a.source
            {where_src}
            ORDER BY top.rank
            LIMIT ?
            """,
            (query, fetch, *exclude, limit),
        )
        return [_candidate(r) for r in rows]

    def term_frequencies(self, terms: list[str]) -> dict[str, int]:
        """Document frequency per term, after the index's own stemming. In a large store the
        counts come from the index's vocabulary read once into memory (again when the store has
        grown by a tenth): a check then costs no vocabulary query, only terms new since are
        counted one by one. Small stores are counted exactly each time."""
        with self._lock:
            try:
                stems = self._stems(terms)
                total = int(
                    self._db.execute("SELECT coalesce(max(id), 0) FROM claims").fetchone()[0]
                )
                table = self._freqs.table(self._db, total)
                out: dict[str, int] = {}
                for t in terms:
                    docs = []
                    for s in stems.get(t, ()):
                        n = table.get(s) if table is not None else None
                        if n is None:
                            row = self._db.execute(
                                "SELECT doc FROM claims_vocab WHERE term = ?", (s,)
                            ).fetchone()
                            n = int(row[0]) if row else 0
                        docs.append(n)
                    out[t] = min(docs) if docs else 0
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc
        return out

    def _stems(self, terms: list[str]) -> dict[str, tuple[str, ...]]:
        """How the index's own tokenizer spells each term (one round trip for all)."""
        cache = self._freqs.stems
        todo = [t for t in dict.fromkeys(terms) if t not in cache]
        if todo:
            self._db.execute("DELETE FROM temp.query_tokens")
            self._db.executemany(
                "INSERT INTO temp.query_tokens (rowid, x) VALUES (?, ?)",
                [(i + 1, t) for i, t in enumerate(todo)],
            )
            found: dict[int, list[str]] = {}
            for term, doc in self._db.execute("SELECT term, doc FROM temp.query_tokens_inst"):
                found.setdefault(int(doc), []).append(term)
            if len(cache) > 100_000:
                cache.clear()
            for i, t in enumerate(todo):
                cache[t] = tuple(dict.fromkeys(found.get(i + 1, [])))
        return {t: cache[t] for t in terms}

    # ------------------------------------------------------------------ vectors

    def _reset_vectors(self, db: Any, model: str, dim: int) -> None:
        db.execute("DELETE FROM claim_vectors")
        self._requeue_all(db, model, dim, new_epoch())

    def _insert_vectors(self, db: Any, items: list[tuple[int, np.ndarray]]) -> None:
        q = to_int8(np.stack([v for _, v in items]))
        db.executemany(
            "INSERT OR REPLACE INTO claim_vectors (claim_id, vec) "
            "SELECT ?, ? WHERE EXISTS (SELECT 1 FROM claims WHERE id = ?)",
            [(i, q[n].tobytes(), i) for n, (i, _) in enumerate(items)],
        )

    def put_vectors(self, model: str, items: Sequence[tuple[int, np.ndarray]]) -> int:
        """Store claims' vectors (replacing older ones); how many were stored."""
        n = super().put_vectors(model, items)
        if n and not self.read_only:
            self._vectors.sync(self._read)  # the graph (and its file) follow the writer
        return n

    def nearest(
        self, model: str, vector: np.ndarray, k: int, *, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
        """The ``k`` claims whose vectors are closest to ``vector``."""
        if k <= 0 or self.vector_model() != model:
            return []
        exclude = list(exclude_sources)
        # deleted claims still in the graph, and excluded sources, are dropped below
        hits = self._vectors.search(self._read, vector, k * 4 if exclude else k + 4)
        if not hits:
            return []
        cos = dict(hits)  # the graph's own cosine of the int8 vectors (as cosines() computes)
        ids = list(cos)
        where_src = f"AND a.source NOT IN ({', '.join('?' * len(exclude))})" if exclude else ""
        rows = self._read(
            f"""
            SELECT {_CANDIDATE_COLUMNS}, 0.0 AS lexical
            FROM claims c
            JOIN articles a ON a.id = c.article_id
            LEFT JOIN sources s ON s.name = a.source
            WHERE c.id IN ({", ".join("?" * len(ids))}) {where_src}
            """,
            (*ids, *exclude),
        )
        found = [replace(_candidate(r), cosine=cos[int(r["id"])]) for r in rows]
        found.sort(key=lambda c: (-(c.cosine or 0.0), c.claim.id or 0))
        return found[:k]

    def cosines(self, model: str, vector: np.ndarray, claim_ids: Sequence[int]) -> dict[int, float]:
        """The cosine of ``vector`` with each listed claim's vector."""
        ids = list(dict.fromkeys(int(i) for i in claim_ids))
        if not ids or self.vector_model() != model:
            return {}
        rows = self._read(
            f"SELECT claim_id, vec FROM claim_vectors WHERE claim_id IN "
            f"({', '.join('?' * len(ids))})",
            ids,
        )
        if not rows:
            return {}
        mat = np.stack([np.frombuffer(r["vec"], dtype=np.int8) for r in rows]).astype(np.float32)
        norms = np.linalg.norm(mat, axis=1)
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        qn = float(np.linalg.norm(q)) or 1.0
        sims = (mat @ q) / (np.where(norms > 0, norms, 1.0) * qn)
        return {int(r["claim_id"]): float(s) for r, s in zip(rows, sims, strict=True)}

    def claim_count(self) -> int:
        """How many claims are stored."""
        return int(self._read("SELECT count(*) FROM claims")[0][0])

    def approx_claim_count(self) -> int:
        """A cheap upper bound of the number of claims (ids are never reused)."""
        return int(self._read("SELECT coalesce(max(id), 0) AS n FROM claims")[0]["n"])


# a claim's stored frame only when this extractor version made it (else it is parsed again)
_CANDIDATE_COLUMNS = f"""c.id, c.article_id, c.position, c.start, c."end", c.text, c.features,
    c.review, c.term_set, a.source, a.title, a.url, a.published,
    CASE WHEN c.frame_version = {int(FRAMES_VERSION)} THEN c.frame END AS frame,
    COALESCE(s.weight, 1.0) AS weight"""
_FREQS_EXACT_BELOW = 50_000  # claims: smaller stores count term frequencies exactly each time


class _DocFreqs:
    """The index vocabulary's document frequencies, in memory, and query terms' stems."""

    def __init__(self) -> None:
        self.stems: dict[str, tuple[str, ...]] = {}
        self._table: dict[str, int] | None = None
        self._at = 0  # claims when the table was read

    def table(self, db: sqlite3.Connection, claims: int) -> dict[str, int] | None:
        """The table (None: count exactly), read again once the store grew by a tenth."""
        if claims < _FREQS_EXACT_BELOW:
            return None
        if self._table is None or claims > self._at * 1.1:
            started = time.monotonic()
            rows = db.execute("SELECT term, doc FROM claims_vocab")
            self._table = {str(t): int(d) for t, d in rows}
            self._at = claims
            log.info(
                "term frequencies of %d terms read in %.1f s",
                len(self._table),
                time.monotonic() - started,
            )
        return self._table


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script (triggers keep their inner semicolons)."""
    statements, buf = [], ""
    for line in script.strip().splitlines():
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', " ") + '"'
