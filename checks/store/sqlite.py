"""The embedded store: one SQLite file, WAL mode, an FTS5 index over claims.

The schema is versioned with ``PRAGMA user_version``; ``_MIGRATIONS[i]`` takes a store from
version ``i`` to ``i + 1`` and runs in its own transaction, so a store is never half-upgraded.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from checks.errors import StoreError, StoreReadOnlyError
from checks.models import (
    Article,
    AuditEntry,
    Claim,
    ClaimFeatures,
    GuildConfig,
    Review,
    ReviewAsk,
    ReviewItem,
    Source,
    SourceStatus,
    StoredAnswer,
)
from checks.store.base import AddResult, Candidate, StoredArticle
from checks.text_index import index_terms

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
]
SCHEMA_VERSION = len(_MIGRATIONS)

# bm25 column weights: the sentence itself counts more than its article's title.
_BM25_WEIGHTS = (1.0, 0.3)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SQLiteStore:
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

    def _read(self, sql: str, params: tuple[object, ...] | list[object] = ()) -> list[sqlite3.Row]:
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

    # ------------------------------------------------------------------ writes

    def sync_sources(self, sources: list[Source]) -> None:
        with self._tx() as db:
            for s in sources:
                db.execute(
                    "INSERT INTO sources (name, kind, weight) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
                    "weight = excluded.weight",
                    (s.name, s.kind, s.weight),
                )

    def record_ingest(self, source: str, *, error: str | None, at: datetime) -> None:
        stamp = at.isoformat(timespec="seconds")
        with self._tx() as db:
            db.execute(
                "INSERT INTO sources (name, kind) VALUES (?, 'unknown') ON CONFLICT DO NOTHING",
                (source,),
            )
            if error is None:
                db.execute(
                    "UPDATE sources SET last_ingest = ?, last_success = ?, last_error = NULL "
                    "WHERE name = ?",
                    (stamp, stamp, source),
                )
            else:
                db.execute(
                    "UPDATE sources SET last_ingest = ?, last_error = ? WHERE name = ?",
                    (stamp, error, source),
                )

    def has_article(self, source: str, canonical_url: str, content_hash: str) -> bool:
        rows = self._read(
            "SELECT 1 FROM articles WHERE source = ? AND (content_hash = ? OR "
            "(canonical_url = ? AND content_hash = ?)) LIMIT 1",
            (source, content_hash, canonical_url, content_hash),
        )
        return bool(rows)

    def add_article(self, article: Article, claims: list[Claim]) -> AddResult:
        with self._tx() as db:
            same = db.execute(
                "SELECT id FROM articles WHERE source = ? AND content_hash = ?",
                (article.source, article.content_hash),
            ).fetchone()
            if same:
                return AddResult(same["id"], added=False, claims=0)
            old = db.execute(
                "SELECT id FROM articles WHERE source = ? AND canonical_url = ?",
                (article.source, article.canonical_url),
            ).fetchone()
            if old:  # the page changed: replace it and its claims
                db.execute("DELETE FROM claims WHERE article_id = ?", (old["id"],))
                db.execute("DELETE FROM articles WHERE id = ?", (old["id"],))
            cur = db.execute(
                "INSERT INTO articles (source, url, canonical_url, title, published, text, "
                "content_hash, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.source,
                    article.url,
                    article.canonical_url,
                    article.title,
                    article.published.isoformat() if article.published else None,
                    article.text,
                    article.content_hash,
                    _now(),
                ),
            )
            article_id = int(cur.lastrowid or 0)
            db.executemany(
                'INSERT INTO claims (article_id, position, start, "end", text, features, terms, '
                "context, review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        article_id,
                        c.position,
                        c.start,
                        c.end,
                        c.text,
                        c.features.model_dump_json(),
                        index_terms(c.text, c.features.entities),
                        index_terms(article.title, c.features.topic),
                        c.review.model_dump_json() if c.review else None,
                    )
                    for c in claims
                ],
            )
            return AddResult(article_id, added=True, claims=len(claims))

    # ------------------------------------------------------------------ reads

    def find_article(self, url: str) -> StoredArticle | None:
        rows = self._read(
            "SELECT id, source, url, canonical_url, title FROM articles "
            "WHERE canonical_url = ? OR url = ? ORDER BY id LIMIT 1",
            (url, url),
        )
        if not rows:
            return None
        r = rows[0]
        return StoredArticle(r["id"], r["source"], r["url"], r["canonical_url"], r["title"])

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        rows = self._read("SELECT etag, last_modified FROM http_cache WHERE url = ?", (url,))
        return (rows[0]["etag"], rows[0]["last_modified"]) if rows else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO http_cache (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, checked_at = excluded.checked_at",
                (url, etag, last_modified, _now()),
            )

    def api_cached_at(self, source: str, query: str) -> datetime | None:
        rows = self._read(
            "SELECT fetched_at FROM api_cache WHERE source = ? AND query = ?", (source, query)
        )
        return _dt(rows[0]["fetched_at"]) if rows else None

    def api_cache_put(self, source: str, query: str, at: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO api_cache (source, query, fetched_at) VALUES (?, ?, ?) "
                "ON CONFLICT (source, query) DO UPDATE SET fetched_at = excluded.fetched_at",
                (source, query, at.isoformat(timespec="seconds")),
            )

    # ------------------------------------------------------------------ servers and answers

    def get_guild(self, guild_id: int) -> GuildConfig:
        rows = self._read("SELECT data FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return GuildConfig.model_validate_json(rows[0]["data"]) if rows else GuildConfig()

    def put_guild(self, guild_id: int, config: GuildConfig) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO guild_settings (guild_id, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET data = excluded.data, "
                "updated_at = excluded.updated_at",
                (guild_id, config.model_dump_json(), _now()),
            )

    def add_answer(
        self,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | None,
        surface: str,
        claim: str,
        verdict: str,
        result: dict[str, Any],
    ) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO answers (guild_id, channel_id, user_id, surface, claim, verdict, "
                "result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    channel_id,
                    user_id,
                    surface,
                    claim,
                    verdict,
                    json.dumps(result),
                    _now(),
                ),
            )
            return int(cur.lastrowid or 0)

    def set_answer_message(self, answer_id: int, message_id: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE answers SET message_id = ? WHERE id = ?", (message_id, answer_id))

    def get_answer(self, answer_id: int) -> StoredAnswer | None:
        rows = self._read("SELECT * FROM answers WHERE id = ?", (answer_id,))
        if not rows:
            return None
        r = rows[0]
        return StoredAnswer(
            id=r["id"],
            guild_id=r["guild_id"],
            channel_id=r["channel_id"],
            message_id=r["message_id"],
            user_id=r["user_id"],
            surface=r["surface"],
            claim=r["claim"],
            verdict=r["verdict"],
            result=json.loads(r["result"]),
            created_at=datetime.fromisoformat(r["created_at"]),
        )

    def add_dispute(self, answer_id: int, user_id: int | None, reason: str) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO disputes (answer_id, user_id, reason, created_at) VALUES (?, ?, ?, ?)",
                (answer_id, user_id, reason, _now()),
            )
            return int(cur.lastrowid or 0)

    def disputes_for(self, answer_id: int) -> list[tuple[int | None, str]]:
        rows = self._read(
            "SELECT user_id, reason FROM disputes WHERE answer_id = ? ORDER BY id", (answer_id,)
        )
        return [(r["user_id"], r["reason"]) for r in rows]

    def remove_article(self, source: str, canonical_url: str) -> bool:
        with self._tx() as db:
            row = db.execute(
                "SELECT id FROM articles WHERE source = ? AND canonical_url = ?",
                (source, canonical_url),
            ).fetchone()
            if not row:
                return False
            db.execute("DELETE FROM claims WHERE article_id = ?", (row["id"],))
            db.execute("DELETE FROM articles WHERE id = ?", (row["id"],))
            return True

    # ------------------------------------------------------------------ review queue

    def review_upsert(
        self,
        *,
        guild_id: int,
        claim: str,
        claim_key: str,
        bot_verdict: str,
        result: dict[str, Any],
        triggers: list[str],
        actor_id: int | None,
        ask: dict[str, Any] | None,
        reason: str | None,
    ) -> tuple[ReviewItem, bool]:
        """The item for this claim, created if new; asking again raises its demand."""
        now = _now()
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM review_items WHERE guild_id = ? AND claim_key = ?",
                (guild_id, claim_key),
            ).fetchone()
            created = row is None
            if created:
                cur = db.execute(
                    "INSERT INTO review_items (guild_id, claim, claim_key, state, bot_verdict, "
                    "result, triggers, demand, created_at, updated_at) "
                    "VALUES (?, ?, ?, 'open', ?, ?, ?, 1, ?, ?)",
                    (
                        guild_id,
                        claim,
                        claim_key,
                        bot_verdict,
                        json.dumps(result),
                        json.dumps(triggers),
                        now,
                        now,
                    ),
                )
                item_id = int(cur.lastrowid or 0)
                _audit(db, item_id, actor_id, "create", None, "open", {"triggers": triggers}, now)
            else:
                item_id = row["id"]
                merged = list(dict.fromkeys([*json.loads(row["triggers"]), *triggers]))
                db.execute(
                    "UPDATE review_items SET demand = demand + 1, triggers = ?, bot_verdict = ?, "
                    "result = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    (json.dumps(merged), bot_verdict, json.dumps(result), now, item_id),
                )
                _audit(
                    db,
                    item_id,
                    actor_id,
                    "ask",
                    row["state"],
                    row["state"],
                    {"triggers": triggers},
                    now,
                )
            duplicate = (
                ask is not None
                and ask.get("message_id") is not None
                and db.execute(
                    "SELECT 1 FROM review_asks WHERE item_id = ? AND message_id = ?",
                    (item_id, ask.get("message_id")),
                ).fetchone()
            )
            if ask is not None and not duplicate:
                db.execute(
                    "INSERT INTO review_asks (item_id, guild_id, channel_id, message_id, "
                    "answer_id, user_id, ephemeral, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item_id,
                        guild_id,
                        ask.get("channel_id"),
                        ask.get("message_id"),
                        ask.get("answer_id"),
                        ask.get("user_id"),
                        int(bool(ask.get("ephemeral"))),
                        now,
                    ),
                )
            if reason:
                state = db.execute(
                    "SELECT state FROM review_items WHERE id = ?", (item_id,)
                ).fetchone()["state"]
                _audit(db, item_id, actor_id, "dispute", state, state, {"reason": reason}, now)
            item = _review_item(
                db.execute("SELECT * FROM review_items WHERE id = ?", (item_id,)).fetchone()
            )
        return item, created

    def review_get(self, item_id: int) -> ReviewItem | None:
        rows = self._read("SELECT * FROM review_items WHERE id = ?", (item_id,))
        return _review_item(rows[0]) if rows else None

    def review_list(
        self, *, guild_id: int | None = None, states: Sequence[str] = (), limit: int = 50
    ) -> list[ReviewItem]:
        where: list[str] = []
        params: list[object] = []
        if guild_id is not None:
            where.append("guild_id = ?")
            params.append(guild_id)
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        rows = self._read(
            f"SELECT * FROM review_items {clause} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [_review_item(r) for r in rows]

    def review_transition(
        self,
        item_id: int,
        *,
        expected_version: int,
        to_state: str,
        updates: dict[str, Any],
        actor_id: int | None,
        action: str,
        detail: dict[str, Any],
    ) -> ReviewItem | None:
        """Apply a decision only if nobody changed the item since ``expected_version``."""
        allowed = {
            "assignee",
            "resolution",
            "moderator_verdict",
            "moderator_note",
            "moderator_url",
            "decided_by",
            "decided_at",
        }
        bad = set(updates) - allowed
        if bad:
            raise ValueError(f"cannot update {sorted(bad)}")
        now = _now()
        with self._tx() as db:
            row = db.execute(
                "SELECT state, version FROM review_items WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None or row["version"] != expected_version:
                return None
            sets = ", ".join(f"{k} = ?" for k in updates)
            db.execute(
                f"UPDATE review_items SET state = ?, {sets + ', ' if sets else ''}"
                "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
                (to_state, *updates.values(), now, item_id, expected_version),
            )
            _audit(db, item_id, actor_id, action, row["state"], to_state, detail, now)
            return _review_item(
                db.execute("SELECT * FROM review_items WHERE id = ?", (item_id,)).fetchone()
            )

    def review_set_post(
        self, item_id: int, *, channel_id: int | None, message_id: int | None, version: int
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE review_items SET post_channel_id = ?, post_message_id = ?, "
                "posted_version = ? WHERE id = ?",
                (channel_id, message_id, version, item_id),
            )

    def review_audit(self, item_id: int) -> list[AuditEntry]:
        rows = self._read("SELECT * FROM review_audit WHERE item_id = ? ORDER BY id", (item_id,))
        return [
            AuditEntry(
                item_id=r["item_id"],
                actor_id=r["actor_id"],
                action=r["action"],
                from_state=r["from_state"],
                to_state=r["to_state"],
                detail=json.loads(r["detail"]),
                at=datetime.fromisoformat(r["at"]),
            )
            for r in rows
        ]

    def review_asks(self, item_id: int) -> list[ReviewAsk]:
        rows = self._read("SELECT * FROM review_asks WHERE item_id = ? ORDER BY id", (item_id,))
        return [
            ReviewAsk(
                id=r["id"],
                item_id=r["item_id"],
                guild_id=r["guild_id"],
                channel_id=r["channel_id"],
                message_id=r["message_id"],
                answer_id=r["answer_id"],
                user_id=r["user_id"],
                ephemeral=bool(r["ephemeral"]),
                followup_message_id=r["followup_message_id"],
                created_at=datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]

    def review_followed_up(self, ask_id: int, message_id: int) -> bool:
        """Claim an ask for its follow-up with ``message_id`` 0 (False if already claimed, so it
        is done once), then record the real message id the same way."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE review_asks SET followup_message_id = ? WHERE id = ? AND "
                "(followup_message_id IS NULL OR (? != 0 AND followup_message_id = 0))",
                (message_id, ask_id, message_id),
            )
            return cur.rowcount == 1

    def review_stats(self, guild_id: int | None = None) -> dict[str, Any]:
        where = "WHERE guild_id = ?" if guild_id is not None else ""
        params: tuple[object, ...] = (guild_id,) if guild_id is not None else ()
        counts = {
            r["state"]: r["n"]
            for r in self._read(
                f"SELECT state, count(*) AS n FROM review_items {where} GROUP BY state", params
            )
        }
        oldest = self._read(
            f"SELECT min(created_at) AS t FROM review_items {where} "
            + ("AND" if where else "WHERE")
            + " state IN ('open', 'in_review')",
            params,
        )[0]["t"]
        return {"counts": counts, "oldest_pending": _dt(oldest)}

    def search(
        self, terms: list[str], *, limit: int, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
        if not terms:
            return []
        query = " OR ".join(_fts_phrase(t) for t in terms)
        exclude = list(exclude_sources)
        where_src = f"AND a.source NOT IN ({', '.join('?' * len(exclude))})" if exclude else ""
        rows = self._read(
            f"""
            SELECT c.id, c.article_id, c.position, c.start, c."end", c.text, c.features, c.review,
                   a.source, a.title, a.url, a.published, COALESCE(s.weight, 1.0) AS weight,
                   -bm25(claims_fts, {_BM25_WEIGHTS[0]}, {_BM25_WEIGHTS[1]}) AS lexical
            FROM claims_fts
            JOIN claims c ON c.id = claims_fts.rowid
            JOIN articles a ON a.id = c.article_id
            LEFT JOIN sources s ON s.name = a.source
            WHERE claims_fts MATCH ? {where_src}
            ORDER BY bm25(claims_fts, {_BM25_WEIGHTS[0]}, {_BM25_WEIGHTS[1]})
            LIMIT ?
            """,
            (query, *exclude, limit),
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

    def source_status(self) -> list[SourceStatus]:
        rows = self._read(
            """
            SELECT s.name, s.kind, s.weight, s.last_ingest, s.last_success, s.last_error,
                   (SELECT count(*) FROM articles a WHERE a.source = s.name) AS articles,
                   (SELECT count(*) FROM claims c JOIN articles a ON a.id = c.article_id
                     WHERE a.source = s.name) AS claims
            FROM sources s ORDER BY s.name
            """
        )
        return [
            SourceStatus(
                name=r["name"],
                kind=r["kind"],
                weight=r["weight"],
                articles=r["articles"],
                claims=r["claims"],
                last_ingest=_dt(r["last_ingest"]),
                last_success=_dt(r["last_success"]),
                last_error=r["last_error"],
            )
            for r in rows
        ]


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


def _candidate(r: sqlite3.Row) -> Candidate:
    claim = Claim(
        id=r["id"],
        article_id=r["article_id"],
        position=r["position"],
        start=r["start"],
        end=r["end"],
        text=r["text"],
        features=ClaimFeatures.model_validate_json(r["features"]),
        review=Review.model_validate_json(r["review"]) if r["review"] else None,
    )
    return Candidate(
        claim=claim,
        lexical=float(r["lexical"]),
        source=r["source"],
        weight=float(r["weight"]),
        title=r["title"],
        url=r["url"],
        published=date.fromisoformat(r["published"]) if r["published"] else None,
    )


def _audit(
    db: sqlite3.Connection,
    item_id: int,
    actor_id: int | None,
    action: str,
    from_state: str | None,
    to_state: str,
    detail: dict[str, Any],
    at: str,
) -> None:
    db.execute(
        "INSERT INTO review_audit (item_id, actor_id, action, from_state, to_state, detail, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (item_id, actor_id, action, from_state, to_state, json.dumps(detail), at),
    )


def _review_item(r: sqlite3.Row) -> ReviewItem:
    return ReviewItem(
        id=r["id"],
        guild_id=r["guild_id"],
        claim=r["claim"],
        claim_key=r["claim_key"],
        state=r["state"],
        resolution=r["resolution"],
        bot_verdict=r["bot_verdict"],
        result=json.loads(r["result"]),
        triggers=json.loads(r["triggers"]),
        demand=r["demand"],
        assignee=r["assignee"],
        moderator_verdict=r["moderator_verdict"],
        moderator_note=r["moderator_note"],
        moderator_url=r["moderator_url"],
        decided_by=r["decided_by"],
        decided_at=_dt(r["decided_at"]),
        created_at=datetime.fromisoformat(r["created_at"]),
        updated_at=datetime.fromisoformat(r["updated_at"]),
        version=r["version"],
        post_channel_id=r["post_channel_id"],
        post_message_id=r["post_message_id"],
        posted_version=r["posted_version"],
    )
