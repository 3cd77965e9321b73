"""Claims are split in worker threads during ingestion: the result must not depend on that."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from checks.claims import split_claims
from checks.sources.files import read_files

ROOT = Path(__file__).resolve().parent.parent


def test_splitting_in_many_threads_gives_the_same_claims_as_in_one() -> None:
    docs = [d for p in sorted((ROOT / "samples").iterdir()) for d in read_files(p, source="s")]
    expected = [[c.text for c in split_claims(d.text, title=d.title)] for d in docs]
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(
                pool.map(lambda d: [c.text for c in split_claims(d.text, title=d.title)], docs)
            )
        assert got == expected
