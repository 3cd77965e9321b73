"""checks.store.sqlite against real SQLite files: schema, migrations, idempotence, FTS, errors."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from checks.claims import split_claims
from checks.errors import StoreError, StoreReadOnlyError
from checks.models import Article, Source
from checks.store.base import Store
from checks.store.sqlite import _MIGRATIONS, SCHEMA_VERSION, SQLiteStore, _split_sql

TEXT = (
    "The UK will send 10,000 troops to Ukraine next year, officials said.\n"
    "The peacekeepers will be deployed in August after a vote in parliament, the minister said.\n"
)
CHANGED = (
    "The UK will send 25,000 troops to Ukraine next year, officials said.\n"
    "The soldiers will be deployed in September after a vote in parliament, the minister said.\n"
)


def _article(
    text: str = TEXT,
    *,
    source: str = "Wire",
    url: str = "https://wire.example/uk-troops",
    title: str = "UK troops for Ukraine",
) -> Article:
    return Article(
        source=source,
        url=url,
        canonical_url=url,
        title=title,
        published=date(2025, 3, 11),
        text=text,
        content_hash=hashlib.sha256((title + "\n" + text).encode()).hexdigest(),
    )


def _add(store: SQLiteStore, article: Article):
    return store.add_article(article, split_claims(article.text, title=article.title))


def _sql(path: Path, query: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crosscheck.db"


@pytest.fixture
def store(db_path: Path):
    s = SQLiteStore(db_path)
    yield s
    s.close()


# --------------------------------------------------------------------------- schema


def test_fresh_file_gets_current_schema_version_and_wal(store: SQLiteStore, db_path: Path) -> None:
    assert db_path.exists()
    assert _sql(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert _sql(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_store_satisfies_the_protocol(store: SQLiteStore) -> None:
    assert isinstance(store, Store)


def test_empty_file_at_version_zero_is_migrated(db_path: Path) -> None:
    sqlite3.connect(db_path).close()  # an empty database, user_version 0
    assert _sql(db_path, "PRAGMA user_version") == [(0,)]
    s = SQLiteStore(db_path)
    try:
        assert _add(s, _article()).added
        assert s.claim_count() == 2
    finally:
        s.close()
    assert _sql(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_older_store_is_upgraded_and_keeps_its_data(db_path: Path) -> None:
    # a store as the first schema version wrote it, with one article and claim
    db = sqlite3.connect(db_path, isolation_level=None)
    for statement in _split_sql(_MIGRATIONS[0]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO articles (id, source, url, canonical_url, title, text, content_hash, "
        "ingested_at) VALUES (1, 'Wire', 'https://w.example/a', 'https://w.example/a', "
        "'Old news', 'The old bridge over the river was closed for repairs.', 'h1', "
        "'2025-01-01T00:00:00+00:00')"
    )
    db.execute(
        'INSERT INTO claims (article_id, position, start, "end", text, features, terms, context) '
        "VALUES (1, 0, 0, 52, 'The old bridge over the river was closed for repairs.', '{}', "
        "'the old bridge over the river was closed for repairs', 'old news')"
    )
    db.close()

    s = SQLiteStore(db_path)
    try:
        (hit,) = s.search(["bridge"], limit=5)
        assert hit.claim.text == "The old bridge over the river was closed for repairs."
        assert hit.claim.review is None
        assert s.find_article("https://w.example/a") is not None
        s.set_validators("https://w.example/a", '"etag-1"', None)  # a table the upgrade added
        assert s.get_validators("https://w.example/a") == ('"etag-1"', None)
    finally:
        s.close()
    assert _sql(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_failed_upgrade_leaves_the_store_at_its_old_version(db_path: Path) -> None:
    db = sqlite3.connect(db_path, isolation_level=None)
    for statement in _split_sql(_MIGRATIONS[0]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("CREATE TABLE http_cache (x)")  # makes the 1 → 2 step fail half way through
    db.close()
    with pytest.raises(StoreError, match="http_cache"):
        SQLiteStore(db_path)
    assert _sql(db_path, "PRAGMA user_version") == [(1,)]
    columns = [row[1] for row in _sql(db_path, "PRAGMA table_info(claims)")]
    assert "review" not in columns  # the step's first statement was rolled back too


def test_newer_schema_is_refused_and_left_alone(db_path: Path) -> None:
    db = sqlite3.connect(db_path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(db_path)
    assert _sql(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    assert _sql(db_path, "SELECT name FROM sqlite_master") == []


def test_older_store_opened_read_only_is_not_upgraded(db_path: Path) -> None:
    sqlite3.connect(db_path).close()
    with pytest.raises(StoreReadOnlyError):
        SQLiteStore(db_path, read_only=True)
    assert _sql(db_path, "PRAGMA user_version") == [(0,)]


# --------------------------------------------------------------------------- writing


def test_same_article_twice_stores_nothing_new(store: SQLiteStore, db_path: Path) -> None:
    first = _add(store, _article())
    second = _add(store, _article())
    assert first.added and first.claims == 2
    assert not second.added and second.claims == 0
    assert second.article_id == first.article_id
    assert store.claim_count() == 2
    assert _sql(db_path, "SELECT count(*) FROM articles") == [(1,)]


def test_has_article_after_adding(store: SQLiteStore) -> None:
    a = _article()
    assert not store.has_article(a.source, a.canonical_url, a.content_hash)
    _add(store, a)
    assert store.has_article(a.source, a.canonical_url, a.content_hash)
    assert not store.has_article("Other", a.canonical_url, a.content_hash)


def test_same_url_from_two_sources_is_stored_for_each(store: SQLiteStore) -> None:
    assert _add(store, _article(source="Wire")).added
    assert _add(store, _article(source="Gazette")).added
    assert store.claim_count() == 4


def test_changed_article_replaces_its_claims(store: SQLiteStore, db_path: Path) -> None:
    _add(store, _article(TEXT))
    result = _add(store, _article(CHANGED))
    assert result.added
    assert store.claim_count() == 2  # not 4
    assert _sql(db_path, "SELECT count(*) FROM articles") == [(1,)]
    texts = {c.claim.text for c in store.search(["parliament"], limit=10)}
    assert texts == {
        "The soldiers will be deployed in September after a vote in parliament, the minister said."
    }


def test_replaced_claims_leave_the_full_text_index(store: SQLiteStore) -> None:
    _add(store, _article(TEXT))
    _add(store, _article(CHANGED))
    assert store.search(["peacekeepers"], limit=10) == []
    assert store.term_frequencies(["peacekeepers", "september"]) == {
        "peacekeepers": 0,
        "september": 1,
    }


def test_sync_sources_sets_weights_used_in_citations(store: SQLiteStore) -> None:
    store.sync_sources([Source(name="Wire", kind="files", weight=0.4)])
    _add(store, _article())
    assert {c.weight for c in store.search(["troops"], limit=5)} == {0.4}
    store.sync_sources([Source(name="Wire", kind="files", weight=0.9)])
    assert {c.weight for c in store.search(["troops"], limit=5)} == {0.9}


def test_record_ingest_keeps_last_error_and_success(store: SQLiteStore) -> None:
    store.sync_sources([Source(name="Wire", kind="files")])
    t1 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    t2 = datetime(2025, 3, 2, 12, 0, tzinfo=UTC)
    store.record_ingest("Wire", error=None, at=t1)
    store.record_ingest("Wire", error="broken.txt is binary, not text", at=t2)
    (status,) = store.source_status()
    assert status.last_success == t1
    assert status.last_ingest == t2
    assert status.last_error == "broken.txt is binary, not text"
    store.record_ingest("Wire", error=None, at=t2)
    assert store.source_status()[0].last_error is None


def test_source_status_counts_articles_and_claims(store: SQLiteStore) -> None:
    store.sync_sources([Source(name="Wire", kind="files"), Source(name="Quiet", kind="files")])
    _add(store, _article())
    status = {s.name: s for s in store.source_status()}
    assert (status["Wire"].articles, status["Wire"].claims) == (1, 2)
    assert (status["Quiet"].articles, status["Quiet"].claims) == (0, 0)


# --------------------------------------------------------------------------- full-text search


def test_search_finds_claims_with_citation_fields(store: SQLiteStore) -> None:
    store.sync_sources([Source(name="Wire", kind="files", weight=0.8)])
    article = _article()
    _add(store, article)
    hits = store.search(["peacekeepers"], limit=5)
    assert len(hits) == 1
    hit = hits[0]
    assert hit.claim.text.startswith("The peacekeepers will be deployed in August")
    assert hit.source == "Wire"
    assert hit.title == "UK troops for Ukraine"
    assert hit.url == "https://wire.example/uk-troops"
    assert hit.published == date(2025, 3, 11)
    assert hit.weight == 0.8
    assert hit.claim.id is not None and hit.claim.article_id is not None
    assert hit.lexical > 0
    # the quote is exactly the article's words at the stored offsets
    assert article.text[hit.claim.start : hit.claim.end] == hit.claim.text


def test_search_keeps_features(store: SQLiteStore) -> None:
    _add(store, _article())
    (hit,) = [h for h in store.search(["troops"], limit=5) if "10,000" in h.claim.text]
    assert [q.value for q in hit.claim.features.quantities] == [10_000]
    assert "ukraine" in hit.claim.features.entities


def test_search_matches_word_forms(store: SQLiteStore) -> None:
    _add(store, _article())
    assert store.search(["troop"], limit=5)
    assert store.search(["deploy"], limit=5)


def test_search_ranks_the_better_match_first(store: SQLiteStore) -> None:
    _add(store, _article())
    hits = store.search(["peacekeepers", "parliament", "vote"], limit=5)
    assert "peacekeepers" in hits[0].claim.text


def test_search_can_exclude_sources(store: SQLiteStore) -> None:
    _add(store, _article(source="Wire"))
    _add(store, _article(source="Gazette"))
    hits = store.search(["troops"], limit=10, exclude_sources=["Wire"])
    assert hits and {h.source for h in hits} == {"Gazette"}


@pytest.mark.parametrize(
    "term", ['"', "AND", "NEAR(", "troops*", "col:umn", "'; DROP TABLE claims"]
)
def test_search_terms_are_never_fts_syntax(store: SQLiteStore, term: str) -> None:
    _add(store, _article())
    store.search([term], limit=5)  # must not raise
    assert store.claim_count() == 2


def test_search_with_no_terms_finds_nothing(store: SQLiteStore) -> None:
    _add(store, _article())
    assert store.search([], limit=5) == []


def test_term_frequencies_count_documents_not_occurrences(store: SQLiteStore) -> None:
    text = (
        "The troops met other troops and more troops at the border crossing.\n"
        "Fresh troops from the north arrived at the border crossing on time.\n"
        "The weather at the border crossing was cold and wet all week long.\n"
    )
    _add(store, _article(text, title="Border crossing"))
    freqs = store.term_frequencies(["troops", "border", "weather", "missing"])
    assert freqs == {"troops": 2, "border": 3, "weather": 1, "missing": 0}


def test_claim_count(store: SQLiteStore) -> None:
    assert store.claim_count() == 0
    _add(store, _article())
    assert store.claim_count() == 2


# --------------------------------------------------------------------------- bad files


def test_random_bytes_file_is_a_clear_store_error(db_path: Path) -> None:
    db_path.write_bytes(os.urandom(16_384))
    with pytest.raises(StoreError) as info:
        SQLiteStore(db_path)
    message = str(info.value)
    assert str(db_path) in message
    assert "not a Crosscheck store or is corrupt" in message
    assert info.value.path == str(db_path)


def test_text_file_is_a_clear_store_error(db_path: Path) -> None:
    db_path.write_text("this is a note to self, not a database\n" * 100)
    with pytest.raises(StoreError, match="corrupt"):
        SQLiteStore(db_path)


def test_corrupt_pages_surface_as_store_error_not_sqlite_error(db_path: Path) -> None:
    s = SQLiteStore(db_path)
    for i in range(30):
        _add(
            s,
            _article(
                TEXT + f"Item {i} of the list was added for the test run today.\n",
                url=f"https://wire.example/{i}",
            ),
        )
    s.close()
    raw = bytearray(db_path.read_bytes())
    page = 4096
    assert len(raw) > 4 * page
    raw[page:-page] = os.urandom(len(raw) - 2 * page)  # keep the header page intact
    db_path.write_bytes(bytes(raw))
    with pytest.raises(StoreError):
        s = SQLiteStore(db_path)
        try:
            s.search(["troops"], limit=50)
            s.claim_count()
            s.source_status()
        finally:
            s.close()


def test_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="directory"):
        SQLiteStore(tmp_path)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder does not exist"):
        SQLiteStore(tmp_path / "nowhere" / "crosscheck.db")


def test_missing_file_opened_read_only_is_an_error(db_path: Path) -> None:
    with pytest.raises(StoreError):
        SQLiteStore(db_path, read_only=True)
    assert not db_path.exists()


# --------------------------------------------------------------------------- read-only


def test_read_only_store_refuses_writes_and_keeps_data(db_path: Path) -> None:
    s = SQLiteStore(db_path)
    _add(s, _article())
    s.sync_sources([Source(name="Wire", kind="files")])
    s.close()

    ro = SQLiteStore(db_path, read_only=True)
    try:
        assert ro.read_only
        with pytest.raises(StoreReadOnlyError):
            _add(ro, _article(CHANGED))
        with pytest.raises(StoreReadOnlyError):
            ro.sync_sources([Source(name="New", kind="files")])
        with pytest.raises(StoreReadOnlyError):
            ro.record_ingest("Wire", error=None, at=datetime.now(UTC))
        with pytest.raises(StoreReadOnlyError):
            ro.set_validators("https://wire.example/uk-troops", "e", None)
        # reads still work, including the ones that use the temporary query tables
        assert ro.claim_count() == 2
        assert len(ro.search(["troops"], limit=5)) == 2
        assert ro.term_frequencies(["troops"]) == {"troops": 2}
        assert [st.name for st in ro.source_status()] == ["Wire"]
    finally:
        ro.close()

    s = SQLiteStore(db_path)
    try:
        assert s.claim_count() == 2
        assert {h.claim.text for h in s.search(["troops"], limit=5)} >= {
            "The UK will send 10,000 troops to Ukraine next year, officials said."
        }
    finally:
        s.close()


def test_read_only_error_is_a_store_error() -> None:
    assert issubclass(StoreReadOnlyError, StoreError)


# --------------------------------------------------------------------------- transactions


def _fail_on_claim(db_path: Path, marker: str) -> None:
    """A trigger that aborts any claim insert whose text contains ``marker``."""
    db = sqlite3.connect(db_path)
    db.execute(
        "CREATE TRIGGER test_fail BEFORE INSERT ON claims "
        f"WHEN new.text LIKE '%{marker}%' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    )
    db.commit()
    db.close()


def test_failed_add_stores_nothing(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    _fail_on_claim(db_path, "parliament")
    s = SQLiteStore(db_path)
    try:
        with pytest.raises(StoreError, match="injected failure"):
            _add(s, _article())  # the first claim inserts, the second aborts
        assert s.claim_count() == 0
        assert not s.has_article("Wire", _article().canonical_url, _article().content_hash)
        assert s.search(["troops"], limit=5) == []
        # the store is still usable afterwards
        ok = _article(
            "The bridge over the river will reopen to traffic next month.\n",
            url="https://wire.example/bridge",
        )
        assert _add(s, ok).added
    finally:
        s.close()
    assert _sql(db_path, "SELECT count(*) FROM articles") == [(1,)]


def test_failed_replacement_keeps_the_old_version(db_path: Path) -> None:
    s = SQLiteStore(db_path)
    _add(s, _article(TEXT))
    s.close()
    _fail_on_claim(db_path, "September")
    s = SQLiteStore(db_path)
    try:
        with pytest.raises(StoreError):
            _add(s, _article(CHANGED))  # deletes the old claims, then fails half way
        assert s.claim_count() == 2
        assert {h.claim.text for h in s.search(["peacekeepers"], limit=5)} == {
            "The peacekeepers will be deployed in August after a vote in parliament, "
            "the minister said."
        }
        assert s.has_article("Wire", _article().canonical_url, _article(TEXT).content_hash)
    finally:
        s.close()


def test_two_handles_on_one_file_see_each_others_writes(db_path: Path) -> None:
    a, b = SQLiteStore(db_path), SQLiteStore(db_path)
    try:
        _add(a, _article())
        assert b.claim_count() == 2
        assert not _add(b, _article()).added
    finally:
        a.close()
        b.close()
