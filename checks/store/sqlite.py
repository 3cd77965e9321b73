"""The embedded store: one SQLite file, WAL mode, an FTS5 index over claims.

The schema is versioned with ``PRAGMA user_version``; ``_MIGRATIONS[i]`` takes a store from
version ``i`` to ``i + 1`` and runs in its own transaction, so a store is never half-upgraded.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from checks.errors import StoreError, StoreReadOnlyError
from checks.store.base import Candidate
from checks.store.sql import SQLStore, _candidate

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
]
SCHEMA_VERSION = len(_MIGRATIONS)

# bm25 column weights, the sentence and its title: the title counts for more (measured on
_BM25_WEIGHTS = (1.0, 2.0)  # CheckThat! train, MAP@5 0.777 → 0.797; dev unchanged or better)


class SQLiteStore(SQLStore):
    """A :class:`~checks.store.base.Store` in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool | None = None) -> None:
        self.path = str(path)
        p = Path(self.path)
        if p.is_dir():
            raise StoreError("is a directory, not a store file", path=self.path)
        if read_only is None:
            read_only = p.exists() and not os.access(p, os.W_OK)
        self.read_only = read_only
        self._lock = threading.RLock()
        try:
            if read_only:
                uri = f"file:{p.resolve()}?mode=ro"
                self._db = sqlite3.connect(
                    uri, uri=True, check_same_thread=False, isolation_level=None
                )
            else:
                if not p.parent.exists():
                    raise StoreError("its folder does not exist", path=self.path)
                self._db = sqlite3.connect(p, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 5000")
            if not read_only:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_tokens USING fts5 "
                "(x, tokenize='porter unicode61 remove_diacritics 2')"
            )
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_tokens_vocab "
                "USING fts5vocab(temp, query_tokens, 'row')"
            )
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    # ------------------------------------------------------------------ plumbing

    def _error(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return StoreReadOnlyError(
                "cannot be written (read-only file or folder)", path=self.path
            )
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
            raise StoreReadOnlyError("was opened read-only", path=self.path)
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
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------ full-text search

    def search(
        self, terms: list[str], *, limit: int, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
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
            SELECT c.id, c.article_id, c.position, c.start, c."end", c.text, c.features, c.review,
                   a.source, a.title, a.url, a.published, COALESCE(s.weight, 1.0) AS weight,
                   -top.rank AS lexical
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
        """Document frequency per term, after the index's own stemming."""
        out: dict[str, int] = {}
        with self._lock:
            try:
                for t in terms:
                    # the vocabulary holds stemmed forms: let the index's own tokenizer spell t
                    self._db.execute("DELETE FROM temp.query_tokens")
                    self._db.execute("INSERT INTO temp.query_tokens (x) VALUES (?)", (t,))
                    stems = [
                        r[0] for r in self._db.execute("SELECT term FROM temp.query_tokens_vocab")
                    ]
                    docs = [
                        int(r[0])
                        for s in stems
                        for r in self._db.execute(
                            "SELECT doc FROM claims_vocab WHERE term = ?", (s,)
                        )
                    ]
                    out[t] = min(docs) if docs and len(docs) == len(stems) else 0
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc
        return out

    def claim_count(self) -> int:
        return int(self._read("SELECT count(*) FROM claims")[0][0])

    def approx_claim_count(self) -> int:
        """A cheap upper bound of the number of claims (ids are never reused)."""
        return int(self._read("SELECT coalesce(max(id), 0) AS n FROM claims")[0]["n"])


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
