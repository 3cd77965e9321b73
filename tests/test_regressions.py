"""Bugs found once, kept found."""

from __future__ import annotations

import math
from pathlib import Path

from pg import drop_schema, new_dsn, requires_pg

from checks.claims import split_claims
from checks.ingest import content_hash
from checks.models import Article
from checks.store.sqlite import SQLiteStore


def test_an_unbounded_figure_survives_the_store(tmp_path: Path) -> None:
    """ "more than 30,000" has no upper bound; it was serialised as null and failed to load."""
    text = "Officials said more than 30,000 troops were sent to the border last week."
    store = SQLiteStore(tmp_path / "s.db")
    article = Article(
        source="S",
        url="file:///a",
        canonical_url="file:///a",
        title="T",
        text=text,
        content_hash=content_hash("T", text),
    )
    store.add_article(article, split_claims(text, title="T"))
    (found,) = store.search(["troops"], limit=5)
    (q,) = found.claim.features.quantities
    assert q.low == 30000 and math.isinf(q.high)
    store.close()


def _open_store(dsn: str) -> str:
    from checks.store.postgres import PostgresStore

    store = PostgresStore(dsn)
    store.close()
    return "ok"


@requires_pg
def test_two_processes_opening_one_new_postgresql_schema_both_succeed() -> None:
    """Workers started together used to fail with "cannot connect" (CREATE SCHEMA raced)."""
    from concurrent.futures import ProcessPoolExecutor

    for _ in range(5):
        dsn = new_dsn()
        try:
            with ProcessPoolExecutor(2) as pool:
                assert list(pool.map(_open_store, [dsn, dsn])) == ["ok", "ok"]
        finally:
            drop_schema(dsn)
