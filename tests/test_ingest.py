"""checks.ingest with local files into a real SQLite store: idempotent, per-article transactions,
a bad file or source is reported and the rest goes on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from checks.errors import StoreReadOnlyError
from checks.ingest import IngestReport, content_hash, ingest_all
from checks.sources.config import SourcesFile, load_sources
from checks.store.sqlite import SQLiteStore

BRIDGE = """Bridge Reopens After Long Repairs

The old bridge over the river reopened to traffic on Monday after two years of repairs.
The repairs cost $40 million and were paid for by the regional government, officials said.
"""

BUDGET = """# Council Approves School Budget

The city council approved a budget of $12 million for new schools on Tuesday.

The mayor said the first of the new schools would open in September next year.
"""

HARBOUR = """<!DOCTYPE html>
<html><head><title>Harbour Expansion Approved | Example Times</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/subscribe">Subscribe</a></nav>
<article>
<h1>Harbour Expansion Approved</h1>
<p>The port authority approved a plan to double the size of the harbour by 2030, officials said.</p>
<p>The expansion will cost $300 million and create about 2,000 jobs, according to the authority.</p>
</article>
<footer>© 2025 Example Times. All rights reserved.</footer>
</body></html>
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A sources file with two local sources: 'City Desk' (txt, md, html) and 'Port News'."""
    city = tmp_path / "articles" / "city"
    port = tmp_path / "articles" / "port"
    city.mkdir(parents=True)
    port.mkdir(parents=True)
    (city / "2025-03-10-bridge.txt").write_text(BRIDGE)
    (city / "budget.md").write_text(BUDGET)
    (port / "harbour.html").write_text(HARBOUR)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        "  - name: City Desk\n    kind: files\n    path: articles/city\n    weight: 0.9\n"
        "  - name: Port News\n    kind: files\n    path: articles/port\n    weight: 0.6\n"
    )
    return tmp_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "crosscheck.db")
    yield s
    s.close()


def _config(base: Path) -> SourcesFile:
    return load_sources(base / "sources.yaml")


def _by_name(report: IngestReport) -> dict:
    return {s.name: s for s in report.sources}


def _status(store: SQLiteStore) -> dict:
    return {s.name: s for s in store.source_status()}


async def test_txt_md_and_html_are_ingested(corpus: Path, store: SQLiteStore) -> None:
    report = await ingest_all(store, _config(corpus))
    assert report.errors == []
    by = _by_name(report)
    assert (by["City Desk"].seen, by["City Desk"].added) == (2, 2)
    assert (by["Port News"].seen, by["Port News"].added) == (1, 1)
    assert report.claims == store.claim_count() > 0

    (bridge,) = [c for c in store.search(["bridge"], limit=5) if "old bridge" in c.claim.text]
    assert bridge.source == "City Desk"
    assert bridge.title == "Bridge Reopens After Long Repairs"
    assert bridge.url.startswith("file://") and bridge.url.endswith("2025-03-10-bridge.txt")
    assert bridge.published is not None and bridge.published.isoformat() == "2025-03-10"
    assert bridge.weight == 0.9

    assert store.search(["mayor"], limit=5)[0].title == "Council Approves School Budget"
    (harbour,) = [c for c in store.search(["harbour"], limit=5) if "double" in c.claim.text]
    assert harbour.source == "Port News"
    assert not store.search(["subscribe"], limit=5)  # page furniture is not stored


async def test_stored_claims_quote_the_article_exactly(corpus: Path, store: SQLiteStore) -> None:
    await ingest_all(store, _config(corpus))
    db = sqlite3.connect(store.path)
    try:
        rows = db.execute(
            'SELECT a.text, c.start, c."end", c.text FROM claims c '
            "JOIN articles a ON a.id = c.article_id"
        ).fetchall()
    finally:
        db.close()
    assert rows
    for article_text, start, end, quote in rows:
        assert article_text[start:end] == quote


async def test_ingesting_twice_stores_nothing_new(corpus: Path, store: SQLiteStore) -> None:
    first = await ingest_all(store, _config(corpus))
    claims = store.claim_count()
    second = await ingest_all(store, _config(corpus))
    assert second.added == 0 and second.claims == 0
    assert second.errors == []
    assert store.claim_count() == claims == first.claims
    assert sum(s.seen for s in second.sources) == 3


async def test_changed_file_replaces_its_claims(corpus: Path, store: SQLiteStore) -> None:
    await ingest_all(store, _config(corpus))
    before = store.claim_count()
    (corpus / "articles" / "city" / "2025-03-10-bridge.txt").write_text(
        BRIDGE.replace("$40 million", "$45 million")
    )
    report = await ingest_all(store, _config(corpus))
    assert report.added == 1
    assert store.claim_count() == before
    texts = [c.claim.text for c in store.search(["repairs"], limit=10)]
    assert any("$45 million" in t for t in texts)
    assert not any("$40 million" in t for t in texts)


async def test_bad_files_are_reported_and_the_rest_is_stored(
    corpus: Path, store: SQLiteStore
) -> None:
    city = corpus / "articles" / "city"
    (city / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (city / "empty.md").write_text("")
    report = await ingest_all(store, _config(corpus))
    city_report = _by_name(report)["City Desk"]
    assert city_report.added == 2
    assert not city_report.failed
    assert any("photo.txt" in e and "binary" in e for e in city_report.errors)
    assert any("empty.md" in e for e in city_report.errors)
    assert any(e.startswith("City Desk: ") for e in report.errors)
    assert store.search(["bridge"], limit=5)

    status = _status(store)
    assert "photo.txt" in (status["City Desk"].last_error or "")
    assert status["City Desk"].articles == 2
    assert status["Port News"].last_error is None
    assert status["Port News"].last_success is not None


async def test_fixing_a_bad_file_clears_the_error(corpus: Path, store: SQLiteStore) -> None:
    bad = corpus / "articles" / "city" / "photo.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    await ingest_all(store, _config(corpus))
    assert _status(store)["City Desk"].last_error
    bad.unlink()
    report = await ingest_all(store, _config(corpus))
    assert report.errors == []
    assert _status(store)["City Desk"].last_error is None


async def test_missing_path_is_recorded_and_other_sources_go_on(
    corpus: Path, store: SQLiteStore
) -> None:
    (corpus / "sources.yaml").write_text(
        "sources:\n"
        "  - name: Gone\n    kind: files\n    path: articles/gone\n"
        "  - name: City Desk\n    kind: files\n    path: articles/city\n"
        "  - name: Port News\n    kind: files\n    path: articles/port\n"
    )
    report = await ingest_all(store, _config(corpus))
    by = _by_name(report)
    assert by["Gone"].failed
    assert any("does not exist" in e for e in by["Gone"].errors)
    assert by["City Desk"].added == 2 and by["Port News"].added == 1
    status = _status(store)
    assert "does not exist" in (status["Gone"].last_error or "")
    assert status["Gone"].last_success is None
    assert status["City Desk"].last_error is None


async def test_weights_and_sources_are_recorded(corpus: Path, store: SQLiteStore) -> None:
    await ingest_all(store, _config(corpus))
    status = _status(store)
    assert (status["City Desk"].weight, status["Port News"].weight) == (0.9, 0.6)
    assert status["City Desk"].kind == "files"
    assert isinstance(status["City Desk"].last_ingest, datetime)


async def test_disabled_source_is_not_ingested(corpus: Path, store: SQLiteStore) -> None:
    (corpus / "sources.yaml").write_text(
        "sources:\n"
        "  - name: City Desk\n    kind: files\n    path: articles/city\n"
        "  - name: Port News\n    kind: files\n    path: articles/port\n    enabled: false\n"
    )
    report = await ingest_all(store, _config(corpus))
    assert [s.name for s in report.sources] == ["City Desk"]
    assert _status(store)["Port News"].articles == 0


async def test_only_due_skips_sources_ingested_recently(corpus: Path, store: SQLiteStore) -> None:
    await ingest_all(store, _config(corpus))
    report = await ingest_all(store, _config(corpus), only_due=True)
    assert report.sources == []


async def test_progress_is_reported_per_source(corpus: Path, store: SQLiteStore) -> None:
    calls: list[tuple[str, int, int | None]] = []
    await ingest_all(store, _config(corpus), lambda *call: calls.append(call))
    assert ("City Desk", 2, 2) in calls
    assert ("Port News", 1, 1) in calls


async def test_same_file_in_two_sources_is_stored_for_each(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "bridge.txt").write_text(BRIDGE)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        "  - name: One\n    kind: files\n    path: a\n"
        "  - name: Two\n    kind: files\n    path: a/bridge.txt\n"
    )
    s = SQLiteStore(tmp_path / "db.sqlite")
    try:
        report = await ingest_all(s, load_sources(tmp_path / "sources.yaml"))
        assert report.added == 2
        assert {c.source for c in s.search(["bridge"], limit=10)} == {"One", "Two"}
    finally:
        s.close()


async def test_read_only_store_stops_ingest_and_keeps_data(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "crosscheck.db"
    s = SQLiteStore(db)
    await ingest_all(s, _config(corpus))
    count = s.claim_count()
    s.close()
    ro = SQLiteStore(db, read_only=True)
    try:
        with pytest.raises(StoreReadOnlyError):
            await ingest_all(ro, _config(corpus))
        assert ro.claim_count() == count
    finally:
        ro.close()


def test_content_hash_ignores_whitespace_layout() -> None:
    assert content_hash("A  title", "one two\n\nthree") == content_hash("A title", "one two three")
    assert content_hash("A title", "one two three") != content_hash("A title", "one two four")
