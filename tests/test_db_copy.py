"""`crosscheck db copy` and `crosscheck db upgrade` as a user runs them (in-process): a real
SQLite file and a real PostgreSQL schema (skipped, saying why, when no server is reachable).

The source store holds the sample articles, a moderator-reviewed claim (with its audit trail and
the places it was asked), server settings, answers and disputes. It is copied into PostgreSQL and
back, and every copy answers checks exactly as the original does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import CliResult, copy_store, invoke
from pg import drop_schema, new_dsn, requires_pg

from checks.engine import Engine, open_store
from checks.models import GuildConfig, ModeratorVerdict, ReviewAction, ReviewState
from checks.review import MODERATOR_SOURCE_LABEL
from checks.store.postgres import SCHEMA_VERSION as PG_SCHEMA_VERSION
from checks.store.postgres import PostgresStore
from checks.store.sql import COPY_TABLES, SQLStore
from checks.store.sqlite import SCHEMA_VERSION as SQLITE_SCHEMA_VERSION

G = 1_100_000_000_000_000_001  # a Discord server id (64-bit)
DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
CLAIMS = [
    "Britain may put 10,000 troops in Ukraine",
    DISPUTED,
    "North Korea's armed forces number about 1.2 million",
    "Medvedev said troops from NATO countries are welcome as peacekeepers",
    "The moon landing was staged",
]
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/test?schema=cc_test_nowhere"


def run(*args: str, cwd: Path) -> CliResult:
    return invoke("--sources", "sources.yaml", *args, cwd=cwd)


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip()]


def copy_table(stdout: str) -> dict[str, tuple[int, int, int]]:
    """The rows of the printed table: table -> (in source, copied now, in destination)."""
    out = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) == 4 and cells[0] in COPY_TABLES:
            out[cells[0]] = (int(cells[1]), int(cells[2]), int(cells[3]))
    return out


def rows(store: Any) -> dict[str, list[dict[str, Any]]]:
    assert isinstance(store, SQLStore)
    return {t: [r for batch in store.export_rows(t) for r in batch] for t in COPY_TABLES}


@pytest.fixture
def populated(workdir: Path, sample_db: Path) -> dict[str, Any]:
    """src.db: the samples, an answered and disputed claim, a moderator's override, settings."""
    engine = Engine.open(copy_store(sample_db, workdir / "src.db"), workdir / "sources.yaml")
    try:
        engine.store.put_guild(G, GuildConfig(review_channel=G + 102, visibility="ephemeral"))
        engine.store.set_validators("https://news.example/rss.xml", '"etag-1"', None)
        engine.store.api_cache_put("Google", "uk troops", datetime(2025, 3, 11, tzinfo=UTC))

        async def scenario() -> dict[str, Any]:
            result = await engine.acheck_text(DISPUTED, guild_id=G)
            answer_id = await engine.record_answer(
                result, surface="discord", guild_id=G, channel_id=G + 101, user_id=G + 301
            )
            await engine.answer_posted(answer_id, G + 900)
            ask = {"channel_id": G + 101, "message_id": G + 900, "answer_id": answer_id}
            ((item, _),) = await engine.review_answer(
                result, await engine.guild_config(G), guild_id=G, ask=ask
            )
            await engine.dispute(answer_id, G + 302, "the ministry said 25,000 yesterday")
            await engine.review_act(item.id, ReviewAction.ASSIGN, guild_id=G, actor_id=G + 401)
            decided = await engine.review_act(
                item.id,
                ReviewAction.OVERRIDE,
                guild_id=G,
                actor_id=G + 401,
                verdict=ModeratorVerdict.SUPPORTED,
                note="confirmed by the ministry",
                url="https://gov.example/statement",
            )
            assert decided.state is ReviewState.RESOLVED
            other = await engine.record_answer(
                await engine.acheck_text(CLAIMS[0]), surface="cli", guild_id=None
            )
            return {"answer": answer_id, "item": item.id, "other_answer": other}

        ids = asyncio.run(scenario())
        assert len(engine.store.review_audit(ids["item"])) >= 4  # create, dispute, assign, override
        assert engine.store.review_asks(ids["item"])
        assert engine.store.disputes_for(ids["answer"])
        ids["rows"] = rows(engine.store)
    finally:
        engine.close()
    return ids


@pytest.fixture
def dsn() -> Iterator[str]:
    d = new_dsn()  # skips when no server is reachable
    try:
        yield d
    finally:
        drop_schema(d)


def checks(workdir: Path, db: str) -> list[dict[str, Any]]:
    (workdir / "claims.txt").write_text("\n".join(CLAIMS) + "\n")
    r = run("--db", db, "check", "--guild", str(G), "--file", "claims.txt", cwd=workdir)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


# --------------------------------------------------------------------------- copying


@requires_pg
def test_copy_into_postgresql_and_back_keeps_everything(
    workdir: Path, populated: dict[str, Any], dsn: str
) -> None:
    expected = populated["rows"]
    n = {t: len(v) for t, v in expected.items()}
    assert all(n[t] > 0 for t in COPY_TABLES), n

    # SQLite → PostgreSQL: every row copied, the counts printed and verified
    r = run("db", "copy", "src.db", dsn, cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert copy_table(r.stdout) == {t: (n[t], n[t], n[t]) for t in COPY_TABLES}
    assert "verified" in r.stdout
    assert "cc_test_" in r.stdout  # the destination is named

    # again: safe, nothing new, nothing doubled
    r = run("db", "copy", "src.db", dsn, cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert copy_table(r.stdout) == {t: (n[t], 0, n[t]) for t in COPY_TABLES}

    # PostgreSQL → a new SQLite file
    r = run("db", "copy", dsn, "back.db", cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert copy_table(r.stdout) == {t: (n[t], n[t], n[t]) for t in COPY_TABLES}

    # the same rows, ids included, in all three
    pg, back = PostgresStore(dsn), open_store(workdir / "back.db")
    try:
        assert rows(pg) == expected
        assert rows(back) == expected
        assert pg.review_audit(populated["item"]) == back.review_audit(populated["item"])
        assert pg.review_asks(populated["item"])[0].message_id == G + 900
        assert pg.get_guild(G).visibility == "ephemeral"
        assert pg.disputes_for(populated["answer"]) == [
            (G + 302, "the ministry said 25,000 yesterday")
        ]
        # the copy keeps working: new rows get new ids
        new = pg.add_answer(
            guild_id=None,
            channel_id=None,
            user_id=None,
            surface="cli",
            claim="x",
            verdict="unverified",
            result={},
        )
        assert new > populated["other_answer"]
    finally:
        pg.close()
        back.close()

    # the copies answer exactly as the original, the moderators' verdict included
    original = checks(workdir, "src.db")
    assert checks(workdir, dsn) == original
    assert checks(workdir, "back.db") == original
    by_claim = {a["claim"]: a for a in original}
    moderated = by_claim[DISPUTED]
    assert moderated["matches"][0]["citation"]["source"] == MODERATOR_SOURCE_LABEL
    assert [a["verdict"] for a in original] == [
        "supported",
        "supported",  # the moderators overrode the bot's "disputed"
        "supported",
        "disputed",
        "unverified",
    ]
    # and without --guild the moderators of that server are not heard
    r = run("--db", dsn, "check", "--json", DISPUTED, cwd=workdir)
    assert r.returncode == 0, r.stderr
    plain = json.loads(r.stdout)
    assert plain["verdict"] == "disputed"
    assert all(m["citation"]["source"] != MODERATOR_SOURCE_LABEL for m in plain["matches"])
    # the review queue reads the same from PostgreSQL
    r = run("--db", dsn, "review", "list", "--guild", str(G), cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert str(populated["item"]) in r.stdout and "resolved" in r.stdout


def test_copying_into_a_store_that_holds_other_data_does_not_claim_success(
    workdir: Path, populated: dict[str, Any]
) -> None:
    (workdir / "other").mkdir()
    (workdir / "other" / "note.txt").write_text(
        "Harbour Notes\n\nThe harbour ferry will carry 300 passengers a day from June, the "
        "port authority said on Friday.\n"
    )
    (workdir / "other.yaml").write_text(
        "sources:\n  - name: Harbour Notes\n    kind: files\n    path: other\n"
    )
    other = Engine.open(workdir / "other.db", workdir / "other.yaml")
    try:
        assert other.ingest().added == 1  # article id 1 and claims 1.. are taken
    finally:
        other.close()
    r = run("db", "copy", "src.db", "other.db", cwd=workdir)
    dst = open_store(workdir / "other.db")
    try:
        copied = rows(dst)
    finally:
        dst.close()
    missing = {
        t: [r.get("id", r) for r in v if r not in copied[t]] for t, v in populated["rows"].items()
    }
    missing = {t: v for t, v in missing.items() if v}
    assert r.returncode != 0 or not missing, ("exit 0, 'verified', yet missing", missing)


@requires_pg
def test_copying_a_store_onto_itself_is_refused(
    workdir: Path, populated: dict[str, Any], dsn: str
) -> None:
    for same in ("src.db", dsn):
        r = run("db", "copy", same, same, cwd=workdir)
        assert r.returncode != 0
        (line,) = error_lines(r.stderr)
        assert "same store" in line and "Traceback" not in r.stderr


def test_an_unreachable_database_is_one_clear_line(
    workdir: Path, populated: dict[str, Any]
) -> None:
    for args in (("src.db", UNREACHABLE), (UNREACHABLE, "new.db")):
        r = run("db", "copy", *args, cwd=workdir)
        assert r.returncode == 1, r.stderr
        (line,) = error_lines(r.stderr)
        assert line.startswith("crosscheck: error:")
        assert "cannot connect to PostgreSQL" in line and "127.0.0.1:1" in line
        assert "Traceback" not in r.stderr
    r = run("--db", UNREACHABLE, "db", "upgrade", cwd=workdir)
    assert r.returncode == 1
    (line,) = error_lines(r.stderr)
    assert "cannot connect to PostgreSQL" in line
    # the source was left as it was
    src = open_store(workdir / "src.db")
    try:
        assert rows(src) == populated["rows"]
    finally:
        src.close()


# --------------------------------------------------------------------------- upgrade


def test_db_upgrade_on_sqlite(workdir: Path) -> None:
    r = run("--db", "fresh.db", "db", "upgrade", cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert "fresh.db: schema is up to date" in r.stdout
    import sqlite3

    with sqlite3.connect(workdir / "fresh.db") as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SQLITE_SCHEMA_VERSION
    r = run("--db", "fresh.db", "db", "upgrade", cwd=workdir)  # again: nothing to do
    assert r.returncode == 0, r.stderr


@requires_pg
def test_db_upgrade_on_postgresql(workdir: Path, dsn: str) -> None:
    r = run("--db", dsn, "db", "upgrade", cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert "schema is up to date" in r.stdout and "cc_test_" in r.stdout
    store = PostgresStore(dsn)
    try:
        assert store.schema_version() == PG_SCHEMA_VERSION
        assert {t: store.table_count(t) for t in COPY_TABLES} == dict.fromkeys(COPY_TABLES, 0)
    finally:
        store.close()
    r = run("--db", dsn, "db", "upgrade", cwd=workdir)
    assert r.returncode == 0, r.stderr
