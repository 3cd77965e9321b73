"""The store logic both SQL stores share: every query here is portable SQL (``?`` parameters,
``ON CONFLICT``, ``RETURNING``), run through the subclass's transaction and read helpers.

Subclasses (:mod:`checks.store.sqlite`, :mod:`checks.store.postgres`) supply the connection,
migrations, error mapping and full-text search.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from checks.errors import StoreError
from checks.models import (
    Article,
    AuditEntry,
    Claim,
    ClaimFeatures,
    GuildConfig,
    Review,
    ReviewAsk,
    ReviewDecision,
    ReviewEntry,
    ReviewItem,
    ReviewStats,
    Source,
    SourceStatus,
    StoredAnswer,
)
from checks.store.base import AddResult, Candidate, StoredArticle
from checks.text_index import index_terms, term_set_text
from checks.text_safety import safe_text

__all__ = ["COPY_TABLES", "Cursor", "DuplicateRow", "Row", "SQLStore", "Tx", "table_key"]

# tables `crosscheck db copy` moves, parents before children
COPY_TABLES = (
    "sources",
    "articles",
    "claims",
    "http_cache",
    "api_cache",
    "guild_settings",
    "answers",
    "disputes",
    "review_items",
    "review_asks",
    "review_audit",
)


class DuplicateRow(StoreError):
    """Another writer stored the same row first (a unique key clashed)."""


class Row(Protocol):
    """A result row: columns by name (sqlite3.Row, psycopg's dict rows)."""

    def __getitem__(self, key: str) -> Any: ...
    def keys(self) -> Any:
        """The row's column names."""


class Cursor(Protocol):
    """What the shared SQL reads from an executed statement."""

    rowcount: int

    def fetchone(self) -> Any:
        """The next row, or None."""

    def fetchall(self) -> list[Any]:
        """The remaining rows."""


class Tx(Protocol):
    """A transaction the shared SQL runs statements in (``?`` parameters)."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any:
        """Run one statement."""

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> Any:
        """Run one statement for each parameter row."""


class SQLStore(ABC):
    """The Store methods both SQL stores share; see checks.store.base.Store for the contract."""

    path: str

    @abstractmethod
    def _tx(self) -> AbstractContextManager[Tx]:
        """One write transaction, rolled back whole on any error."""

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of one read-only query."""

    @abstractmethod
    def close(self) -> None:
        """Close the connections."""

    # ------------------------------------------------------------------ writes

    def sync_sources(self, sources: list[Source]) -> None:
        """Record the configured sources (name, kind, weight)."""
        with self._tx() as db:
            for s in sources:
                db.execute(
                    "INSERT INTO sources (name, kind, weight) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, "
                    "weight = excluded.weight",
                    (s.name, s.kind, s.weight),
                )

    def record_ingest(self, source: str, *, error: str | None, at: datetime) -> None:
        """Note an ingest attempt: success when ``error`` is None."""
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
                    (stamp, safe_text(error), source),  # may quote a server or a file name
                )

    def has_article(self, source: str, canonical_url: str, content_hash: str) -> bool:
        """Whether this source already stored this article with this content."""
        # the same content under any URL of the source is the same article. One search of the
        # (source, content_hash) index: an OR spelling that also names canonical_url kept the
        # planner to the source prefix, a scan of every article of the source per lookup
        rows = self._read(
            "SELECT 1 FROM articles WHERE source = ? AND content_hash = ? LIMIT 1",
            (source, content_hash),
        )
        return bool(rows)

    def add_article(self, article: Article, claims: list[Claim]) -> AddResult:
        """Store an article and its claims in one transaction; idempotent."""
        try:
            return self._add_article(article, claims)
        except DuplicateRow:  # a concurrent writer stored it first: nothing new to add
            rows = self._read(
                "SELECT id FROM articles WHERE source = ? "
                "AND (content_hash = ? OR canonical_url = ?)",
                (article.source, article.content_hash, article.canonical_url),
            )
            return AddResult(int(rows[0]["id"]) if rows else 0, added=False, claims=0)

    def _add_article(self, article: Article, claims: list[Claim]) -> AddResult:
        with self._tx() as db:
            same = db.execute(
                "SELECT id FROM articles WHERE source = ? AND content_hash = ?",
                (article.source, article.content_hash),
            ).fetchone()
            if same:
                return AddResult(same["id"], added=False, claims=0)
            old = db.execute(
                "SELECT id, content_hash FROM articles WHERE source = ? AND canonical_url = ?",
                (article.source, article.canonical_url),
            ).fetchone()
            if old and old["content_hash"] == article.content_hash:
                # another writer stored this very article between the two look-ups
                return AddResult(old["id"], added=False, claims=0)
            if old:  # the page changed: replace it and its claims
                db.execute("DELETE FROM claims WHERE article_id = ?", (old["id"],))
                db.execute("DELETE FROM articles WHERE id = ?", (old["id"],))
            cur = db.execute(
                "INSERT INTO articles (source, url, canonical_url, title, published, text, "
                "content_hash, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            article_id = int(cur.fetchone()["id"])
            db.executemany(
                'INSERT INTO claims (article_id, position, start, "end", text, features, terms, '
                "context, review, term_set) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        term_set_text(c.text, c.features.entities),
                    )
                    for c in claims
                ],
            )
            return AddResult(article_id, added=True, claims=len(claims))

    # ------------------------------------------------------------------ reads

    def find_article(self, url: str, source: str | None = None) -> StoredArticle | None:
        """The stored article whose URL or canonical URL is ``url``."""
        where = "(canonical_url = ? OR url = ?)" + (" AND source = ?" if source else "")
        params = (url, url, source) if source else (url, url)
        rows = self._read(
            f"SELECT id, source, url, canonical_url, title FROM articles WHERE {where} "
            "ORDER BY id LIMIT 1",
            params,
        )
        if not rows:
            return None
        r = rows[0]
        return StoredArticle(r["id"], r["source"], r["url"], r["canonical_url"], r["title"])

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        """The (ETag, Last-Modified) last seen for ``url``."""
        rows = self._read("SELECT etag, last_modified FROM http_cache WHERE url = ?", (url,))
        return (rows[0]["etag"], rows[0]["last_modified"]) if rows else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Keep the validators a response for ``url`` came with."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO http_cache (url, etag, last_modified, checked_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, checked_at = excluded.checked_at",
                (url, etag, last_modified, _now()),
            )

    def api_cached_at(self, source: str, query: str) -> datetime | None:
        """When a fact-check API was last asked ``query``."""
        rows = self._read(
            "SELECT fetched_at FROM api_cache WHERE source = ? AND query = ?", (source, query)
        )
        return _dt(rows[0]["fetched_at"]) if rows else None

    def api_cache_put(self, source: str, query: str, at: datetime) -> None:
        """Note that a fact-check API was asked ``query``."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO api_cache (source, query, fetched_at) VALUES (?, ?, ?) "
                "ON CONFLICT (source, query) DO UPDATE SET fetched_at = excluded.fetched_at",
                (source, query, at.isoformat(timespec="seconds")),
            )

    # ------------------------------------------------------------------ servers and answers

    def get_guild(self, guild_id: int) -> GuildConfig:
        """A server's settings (defaults when none are stored)."""
        rows = self._read("SELECT data FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return GuildConfig.model_validate_json(rows[0]["data"]) if rows else GuildConfig()

    def put_guild(self, guild_id: int, config: GuildConfig) -> None:
        """Replace a server's settings."""
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
        """Keep an answer; its id."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO answers (guild_id, channel_id, user_id, surface, claim, verdict, "
                "result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            return int(cur.fetchone()["id"])

    def set_answer_message(self, answer_id: int, message_id: int) -> None:
        """Note the message an answer was posted as."""
        with self._tx() as db:
            db.execute("UPDATE answers SET message_id = ? WHERE id = ?", (message_id, answer_id))

    def get_answer(self, answer_id: int) -> StoredAnswer | None:
        """A kept answer (None when unknown)."""
        rows = self._read("SELECT * FROM answers WHERE id = ?", (answer_id,))
        if not rows:
            return None
        r = rows[0]
        return StoredAnswer.model_validate({**_fields(r), "result": json.loads(r["result"])})

    def add_dispute(self, answer_id: int, user_id: int | None, reason: str) -> int:
        """Keep a member's dispute of an answer; its id."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO disputes (answer_id, user_id, reason, created_at) "
                "VALUES (?, ?, ?, ?) RETURNING id",
                (answer_id, user_id, reason, _now()),
            )
            return int(cur.fetchone()["id"])

    def disputes_for(self, answer_id: int) -> list[tuple[int | None, str]]:
        """The (user id, reason) of each dispute of an answer, oldest first."""
        rows = self._read(
            "SELECT user_id, reason FROM disputes WHERE answer_id = ? ORDER BY id", (answer_id,)
        )
        return [(r["user_id"], r["reason"]) for r in rows]

    def article_urls(self, source: str) -> list[str]:
        """The canonical URL of every article ``source`` has stored."""
        rows = self._read("SELECT canonical_url FROM articles WHERE source = ?", (source,))
        return [r["canonical_url"] for r in rows]

    def remove_article(self, source: str, canonical_url: str) -> bool:
        """Delete one article and its claims; False when there was none."""
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

    def review_upsert(self, entry: ReviewEntry) -> tuple[ReviewItem, bool]:
        """The item for this claim, created if new; asking again raises its demand."""
        try:
            return self._review_upsert(entry)
        except DuplicateRow:  # another process created the item meanwhile: join it
            return self._review_upsert(entry)

    def _review_upsert(self, entry: ReviewEntry) -> tuple[ReviewItem, bool]:
        guild_id, claim_key, ask = entry.guild_id, entry.claim_key, entry.ask
        actor_id, triggers = entry.actor_id, list(entry.triggers)
        bot_verdict, result = entry.bot_verdict.value, json.dumps(entry.result)
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
                    "VALUES (?, ?, ?, 'open', ?, ?, ?, 1, ?, ?) RETURNING id",
                    (
                        guild_id,
                        entry.claim,
                        claim_key,
                        bot_verdict,
                        result,
                        json.dumps(triggers),
                        now,
                        now,
                    ),
                )
                item_id = int(cur.fetchone()["id"])
                _audit(db, item_id, actor_id, "create", None, "open", {"triggers": triggers}, now)
            else:
                item_id = row["id"]
                merged = list(dict.fromkeys([*json.loads(row["triggers"]), *triggers]))
                db.execute(
                    "UPDATE review_items SET demand = demand + 1, triggers = ?, bot_verdict = ?, "
                    "result = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    (json.dumps(merged), bot_verdict, result, now, item_id),
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
                and ask.message_id is not None
                and db.execute(
                    "SELECT 1 FROM review_asks WHERE item_id = ? AND message_id = ?",
                    (item_id, ask.message_id),
                ).fetchone()
            )
            if ask is not None and not duplicate:
                # asked after the decision: that answer already leads with the moderators'
                # verdict, so there is nothing to follow up (0 marks it done)
                decided = not created and row["state"] == "resolved"
                db.execute(
                    "INSERT INTO review_asks (item_id, guild_id, channel_id, message_id, "
                    "answer_id, user_id, ephemeral, followup_message_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item_id,
                        guild_id,
                        ask.channel_id,
                        ask.message_id,
                        ask.answer_id,
                        ask.user_id,
                        int(ask.ephemeral),
                        0 if decided else None,
                        now,
                    ),
                )
            if entry.reason:
                state = db.execute(
                    "SELECT state FROM review_items WHERE id = ?", (item_id,)
                ).fetchone()["state"]
                reason = {"reason": entry.reason}
                _audit(db, item_id, actor_id, "dispute", state, state, reason, now)
            item = _review_item(
                db.execute("SELECT * FROM review_items WHERE id = ?", (item_id,)).fetchone()
            )
        return item, created

    def review_get(self, item_id: int) -> ReviewItem | None:
        """One review item (None when unknown)."""
        rows = self._read("SELECT * FROM review_items WHERE id = ?", (item_id,))
        return _review_item(rows[0]) if rows else None

    def review_list(
        self, *, guild_id: int | None = None, states: Sequence[str] = (), limit: int = 50
    ) -> list[ReviewItem]:
        """Review items, newest first, filtered by server and states."""
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
        self, item_id: int, decision: ReviewDecision, *, expected_version: int
    ) -> ReviewItem | None:
        """Apply a decision only if nobody changed the item since ``expected_version``."""
        updates = decision.changes.written()  # column names: ReviewChanges' fields only
        to_state, actor_id = decision.to_state.value, decision.actor_id
        now = _now()
        with self._tx() as db:
            row = db.execute(
                "SELECT state, version FROM review_items WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None or row["version"] != expected_version:
                return None
            sets = ", ".join(f"{k} = ?" for k in updates)
            # the version test in the UPDATE itself is what makes one of two racing moderators
            # win: a concurrent writer's commit makes this match no row (PostgreSQL re-reads the
            # row after waiting for the other's lock)
            changed = db.execute(
                f"UPDATE review_items SET state = ?, {sets + ', ' if sets else ''}"
                "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
                (to_state, *updates.values(), now, item_id, expected_version),
            ).rowcount
            if changed != 1:
                return None
            _audit(
                db,
                item_id,
                actor_id,
                decision.action.value,
                row["state"],
                to_state,
                decision.detail,
                now,
            )
            return _review_item(
                db.execute("SELECT * FROM review_items WHERE id = ?", (item_id,)).fetchone()
            )

    def review_set_post(
        self, item_id: int, *, channel_id: int | None, message_id: int | None, version: int
    ) -> None:
        """Note where an item's card is, for the version it shows."""
        with self._tx() as db:
            db.execute(
                "UPDATE review_items SET post_channel_id = ?, post_message_id = ?, "
                "posted_version = ? WHERE id = ?",
                (channel_id, message_id, version, item_id),
            )

    def review_audit(self, item_id: int) -> list[AuditEntry]:
        """An item's history, oldest first."""
        rows = self._read("SELECT * FROM review_audit WHERE item_id = ? ORDER BY id", (item_id,))
        return [
            AuditEntry.model_validate({**_fields(r), "detail": json.loads(r["detail"])})
            for r in rows
        ]

    def review_asks(self, item_id: int) -> list[ReviewAsk]:
        """Where an item's claim was asked, oldest first."""
        rows = self._read("SELECT * FROM review_asks WHERE item_id = ? ORDER BY id", (item_id,))
        return [ReviewAsk.model_validate(_fields(r)) for r in rows]

    def review_followed_up(self, ask_id: int, message_id: int) -> bool:
        """Claim an ask for its follow-up with ``message_id`` 0 (False if already claimed, so it
        is done once), then record the real message id the same way."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE review_asks SET followup_message_id = ? WHERE id = ? AND "
                "(followup_message_id IS NULL OR (? != 0 AND followup_message_id = 0))",
                (message_id, ask_id, message_id),
            )
            return bool(cur.rowcount == 1)

    def review_stats(self, guild_id: int | None = None) -> ReviewStats:
        """Items by state and the oldest pending item's creation time."""
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
        return ReviewStats(counts=counts, oldest_pending=_dt(oldest))

    def source_status(self) -> list[SourceStatus]:
        """Every source the store knows, with counts and ingest health."""
        rows = self._read(
            """
            SELECT s.name, s.kind, s.weight, s.last_ingest, s.last_success, s.last_error,
                   (SELECT count(*) FROM articles a WHERE a.source = s.name) AS articles,
                   (SELECT count(*) FROM claims c JOIN articles a ON a.id = c.article_id
                     WHERE a.source = s.name) AS claims
            FROM sources s ORDER BY s.name
            """
        )
        return [SourceStatus.model_validate(_fields(r)) for r in rows]

    # ------------------------------------------------------------------ ingestion leases

    def lease_source(self, source: str, holder: str, ttl_s: float) -> bool:
        """Take (or extend) the lease on a source; False while another holder's is live."""
        now = datetime.now(UTC)
        until = (now + timedelta(seconds=ttl_s)).isoformat(timespec="milliseconds")
        with self._tx() as db:
            row = db.execute(
                "INSERT INTO source_leases (source, holder, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (source) DO UPDATE SET holder = excluded.holder, "
                "expires_at = excluded.expires_at "
                "WHERE source_leases.expires_at < ? OR source_leases.holder = excluded.holder "
                "RETURNING holder",
                (source, holder, until, now.isoformat(timespec="milliseconds")),
            ).fetchone()
        return row is not None and row["holder"] == holder

    def last_success(self, source: str) -> datetime | None:
        """When the source was last ingested without error."""
        rows = self._read("SELECT last_success FROM sources WHERE name = ?", (source,))
        return _dt(rows[0]["last_success"]) if rows else None

    def release_source(self, source: str, holder: str) -> None:
        """End ``holder``'s lease on a source."""
        with self._tx() as db:
            db.execute(
                "DELETE FROM source_leases WHERE source = ? AND holder = ?", (source, holder)
            )

    # ------------------------------------------------------------------ copying (db copy)

    def export_rows(self, table: str, *, batch: int = 1000) -> Iterator[list[dict[str, Any]]]:
        """All rows of a table in batches (by id where the table has one)."""
        cols = _COLUMNS[table]
        names = ", ".join(_quote(c) for c in cols)
        if "id" not in cols:  # small tables: one read
            rows = self._read(f"SELECT {names} FROM {_table(table)}")
            if rows:
                yield [{c: r[c] for c in cols} for r in rows]
            return
        last = -1
        while True:
            rows = self._read(
                f"SELECT {names} FROM {_table(table)} WHERE id > ? ORDER BY id LIMIT {batch}",
                (last,),
            )
            if not rows:
                return
            out = [{c: r[c] for c in cols} for r in rows]
            last = out[-1]["id"]
            yield out

    def import_rows(self, table: str, rows: list[dict[str, Any]]) -> int:
        """Insert rows keeping their ids; rows already present are left alone. Returns new rows."""
        if not rows:
            return 0
        cols = _COLUMNS[table]
        names = ", ".join(_quote(c) for c in cols)
        marks = ", ".join("?" for _ in cols)
        added = 0
        with self._tx() as db:
            for r in rows:
                cur = db.execute(
                    f"INSERT INTO {_table(table)} ({names}) VALUES ({marks}) "
                    f"ON CONFLICT DO NOTHING RETURNING 1 AS one",
                    tuple(r[c] for c in cols),
                )
                if cur.fetchone() is not None:
                    added += 1
        self._after_import(table)
        return added

    def _after_import(self, table: str) -> None:  # noqa: B027 - an optional hook
        """Hook: e.g. advance PostgreSQL's id sequences past imported ids."""

    def rows_by_key(self, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """This store's rows with the same keys as ``rows`` (for verifying a copy)."""
        cols = _COLUMNS[table]
        names = ", ".join(_quote(c) for c in cols)
        key = table_key(table)
        found: list[dict[str, Any]] = []
        for start in range(0, len(rows), 200):
            chunk = rows[start : start + 200]
            match = " OR ".join(
                "(" + " AND ".join(f"{_quote(k)} = ?" for k in key) + ")" for _ in chunk
            )
            params = [r[k] for r in chunk for k in key]
            found += [
                {c: r[c] for c in cols}
                for r in self._read(f"SELECT {names} FROM {_table(table)} WHERE {match}", params)
            ]
        return found

    def table_count(self, table: str) -> int:
        """How many rows ``table`` holds."""
        return int(self._read(f"SELECT count(*) AS n FROM {_table(table)}")[0]["n"])


_COLUMNS: dict[str, tuple[str, ...]] = {
    "sources": ("name", "kind", "weight", "last_ingest", "last_success", "last_error"),
    "articles": (
        "id",
        "source",
        "url",
        "canonical_url",
        "title",
        "published",
        "text",
        "content_hash",
        "ingested_at",
    ),
    "claims": (
        "id",
        "article_id",
        "position",
        "start",
        "end",
        "text",
        "features",
        "terms",
        "context",
        "review",
        "term_set",
        "frame",
        "frame_version",
    ),
    "http_cache": ("url", "etag", "last_modified", "checked_at"),
    "api_cache": ("source", "query", "fetched_at"),
    "guild_settings": ("guild_id", "data", "updated_at"),
    "answers": (
        "id",
        "guild_id",
        "channel_id",
        "message_id",
        "user_id",
        "surface",
        "claim",
        "verdict",
        "result",
        "created_at",
    ),
    "disputes": ("id", "answer_id", "user_id", "reason", "created_at"),
    "review_items": (
        "id",
        "guild_id",
        "claim",
        "claim_key",
        "state",
        "resolution",
        "bot_verdict",
        "result",
        "triggers",
        "demand",
        "assignee",
        "moderator_verdict",
        "moderator_note",
        "moderator_url",
        "decided_by",
        "decided_at",
        "created_at",
        "updated_at",
        "version",
        "post_channel_id",
        "post_message_id",
        "posted_version",
    ),
    "review_asks": (
        "id",
        "item_id",
        "guild_id",
        "channel_id",
        "message_id",
        "answer_id",
        "user_id",
        "ephemeral",
        "followup_message_id",
        "created_at",
    ),
    "review_audit": (
        "id",
        "item_id",
        "actor_id",
        "action",
        "from_state",
        "to_state",
        "detail",
        "at",
    ),
}


_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("name",),
    "http_cache": ("url",),
    "api_cache": ("source", "query"),
    "guild_settings": ("guild_id",),
}


def table_key(table: str) -> tuple[str, ...]:
    """The columns that identify a row of ``table``."""
    return _KEYS.get(table, ("id",))


def _quote(column: str) -> str:
    return f'"{column}"'


def _table(name: str) -> str:
    if name not in _COLUMNS:
        raise ValueError(f"unknown table {name!r}")
    return name


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _candidate(r: Row) -> Candidate:
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
    keys = r.keys()
    term_set = r["term_set"] if "term_set" in keys else None
    return Candidate(
        claim=claim,
        lexical=float(r["lexical"]),
        source=r["source"],
        weight=float(r["weight"]),
        title=r["title"],
        url=r["url"],
        published=date.fromisoformat(r["published"]) if r["published"] else None,
        terms=frozenset(term_set.split()) if term_set is not None else None,
        frame=r["frame"] if "frame" in keys else None,
    )


def _audit(
    db: Tx,
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


def _fields(r: Row) -> dict[str, Any]:
    """A row as a dict of its columns (for ``model_validate``)."""
    return {k: r[k] for k in r.keys()}  # noqa: SIM118 - rows are not mappings


def _review_item(r: Row) -> ReviewItem:
    fields = _fields(r)
    fields["result"] = json.loads(r["result"])
    fields["triggers"] = json.loads(r["triggers"])
    return ReviewItem.model_validate(fields)
