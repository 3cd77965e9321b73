"""Retrieval and rerank (checks/match.py) against a real, small SQLite store.

The store holds a few harbour-town stories written for these tests, and thirty council notices
that make "council" a common word: enough for the matcher's choices (rare terms first, the posting
budget, the relevance floor, excluded sources, best first) to show in what it returns and in the
terms it asks the full-text index for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from checks.claims import features, split_claims
from checks.ingest import content_hash
from checks.match import MatchSettings, Scored, find_matches, relevance
from checks.models import Article
from checks.store.base import Candidate
from checks.store.sqlite import SQLiteStore

FERRY = "The harbour ferry carries 300 passengers a day to the lighthouse island."
STORIES = {
    "Harbour Gazette": [
        ("Ferry numbers", FERRY),
        (
            "Ferry repainted",
            "The harbour ferry was repainted in blue last spring by a team of volunteers.",
        ),
        (
            "Lighthouse keeper",
            "The lighthouse keeper retired in March after forty years on the island.",
        ),
    ],
    "Island Post": [("Ferry figures", FERRY)],
    "Valley Ledger": [
        (
            "Orchard harvest",
            "Apple growers in the valley expect a record harvest after a warm and dry summer.",
        ),
    ],
}
COMMON = 30  # council notices: "council" is in at least this many claims


class SpyStore(SQLiteStore):
    """A real SQLite store that remembers which terms each full-text search asked for."""

    searched: list[list[str]]

    def search(
        self, terms: list[str], *, limit: int, exclude_sources: Sequence[str] = ()
    ) -> list[Candidate]:
        self.searched.append(list(terms))
        return super().search(terms, limit=limit, exclude_sources=exclude_sources)


def _add(store: SQLiteStore, source: str, n: int, title: str, text: str) -> None:
    url = f"https://{source.lower().replace(' ', '-')}.example/{n}"
    article = Article(
        source=source,
        url=url,
        canonical_url=url,
        title=title,
        text=text,
        content_hash=content_hash(title, text),
    )
    claims = split_claims(text, title=title)
    assert claims, f"test story {title!r} has no check-worthy claim"
    store.add_article(article, claims)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("match") / "match.db"
    store = SQLiteStore(path)
    try:
        n = 0
        for source, stories in STORIES.items():
            for title, text in stories:
                n += 1
                _add(store, source, n, title, text)
        for i in range(COMMON):
            n += 1
            text = (
                f"The town council approved notice number {i + 1} about road repairs on "
                f"street {i + 1} this week."
            )
            _add(store, "Council Notices", n, f"Notice {i + 1}", text)
    finally:
        store.close()
    return path


@pytest.fixture
def store(db: Path) -> Iterator[SpyStore]:
    s = SpyStore(db)
    s.searched = []
    yield s
    s.close()


def match(store: SpyStore, text: str, **settings: float | int) -> list[Scored]:
    s = MatchSettings(**settings)  # type: ignore[arg-type]
    return find_matches(store, text, features(text), s)


def texts(found: list[Scored]) -> list[str]:
    return [x.candidate.claim.text for x in found]


# --------------------------------------------------------------------------- relevance


def test_relevance_of_a_claim_to_itself_is_about_one() -> None:
    f = features(FERRY)
    assert relevance(FERRY, f, FERRY, f) == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    "other",
    [
        FERRY,
        "The harbour ferry was repainted in blue last spring by a team of volunteers.",
        "Apple growers in the valley expect a record harvest after a warm and dry summer.",
        "Lighthouse",
        "the and of a",
        "",
    ],
)
def test_relevance_stays_between_zero_and_one(other: str) -> None:
    for a, b in ((FERRY, other), (other, FERRY)):
        r = relevance(a, features(a), b, features(b))
        assert 0.0 <= r <= 1.0, (a, b, r)


def test_a_claim_of_stop_words_only_is_relevant_to_nothing() -> None:
    empty = "the and of a"
    assert relevance(empty, features(empty), FERRY, features(FERRY)) == 0.0


def test_more_shared_meaning_is_more_relevant() -> None:
    claim = "The harbour ferry carries 300 passengers to the lighthouse island each day."
    same = relevance(claim, features(claim), FERRY, features(FERRY))
    part = "The harbour ferry was repainted in blue last spring by a team of volunteers."
    partial = relevance(claim, features(claim), part, features(part))
    orchard = "Apple growers in the valley expect a record harvest after a warm and dry summer."
    unrelated = relevance(claim, features(claim), orchard, features(orchard))
    assert same > partial > unrelated
    assert unrelated < MatchSettings().min_relevance


# --------------------------------------------------------------------------- retrieval


def test_the_best_match_comes_first_and_scores_never_rise(store: SpyStore) -> None:
    found = match(store, "The ferry carries 300 passengers a day to the lighthouse island")
    assert found, "the ferry story is found"
    assert found[0].candidate.claim.text == FERRY
    ranks = [x.rank_score for x in found]
    assert ranks == sorted(ranks, reverse=True)
    assert all(0.0 <= x.relevance <= 1.0 for x in found)


def test_an_unrelated_claim_finds_nothing(store: SpyStore) -> None:
    assert match(store, "Astronomers photographed a comet passing close to Jupiter") == []


def test_nothing_below_min_relevance_is_returned(store: SpyStore) -> None:
    claim = "The harbour ferry carries 300 passengers a day to the lighthouse island"
    loose = match(store, claim, min_relevance=0.0)
    strict = match(store, claim, min_relevance=0.9)
    assert len(loose) > len(strict) >= 1
    assert all(x.relevance >= 0.9 for x in strict)
    assert set(texts(strict)) == {FERRY}
    # the strict answer is the loose answer cut at the floor, in the same order
    assert [x.candidate.claim.id for x in loose if x.relevance >= 0.9] == [
        x.candidate.claim.id for x in strict
    ]


def test_top_limits_how_many_matches_are_kept(store: SpyStore) -> None:
    found = match(store, "The town council approved road repairs", min_relevance=0.0, top=4)
    assert len(found) == 4


def test_excluded_sources_are_never_matched(store: SpyStore) -> None:
    claim = "The harbour ferry carries 300 passengers a day to the lighthouse island"
    both = {x.candidate.source for x in match(store, claim) if x.candidate.claim.text == FERRY}
    assert both == {"Harbour Gazette", "Island Post"}
    found = find_matches(
        store, claim, features(claim), MatchSettings(), exclude_sources=["Harbour Gazette"]
    )
    assert found and found[0].candidate.claim.text == FERRY
    assert {x.candidate.source for x in found} == {"Island Post"}


# --------------------------------------------------------------------------- query terms


def test_rare_terms_are_asked_first_and_a_common_one_waits_for_the_budget(
    store: SpyStore,
) -> None:
    claim = "The council says the ferry reaches the lighthouse"
    found = match(store, claim, posting_budget=10, min_terms=1)
    (asked,) = store.searched
    assert "council" not in asked  # 30+ postings do not fit a budget of 10
    assert {"ferry", "lighthouse"} <= set(asked)
    assert any(x.candidate.claim.text == FERRY for x in found)

    store.searched.clear()
    match(store, claim, posting_budget=1_000_000, min_terms=1)
    (asked,) = store.searched
    assert "council" in asked  # within budget every term present in the index is asked


def test_at_least_min_terms_are_asked_even_over_budget(store: SpyStore) -> None:
    claim = "The council says the ferry reaches the lighthouse"
    match(store, claim, posting_budget=0, min_terms=2)
    (asked,) = store.searched
    assert len(asked) == 2
    assert "council" not in asked  # the two rarest: lighthouse and ferry


def test_terms_the_index_has_never_seen_are_not_asked(store: SpyStore) -> None:
    match(store, "The zeppelin reaches the lighthouse", posting_budget=1_000_000)
    (asked,) = store.searched
    assert "lighthouse" in asked and "zeppelin" not in asked
    store.searched.clear()
    assert match(store, "Zeppelins quadrupled overnight") == []
    assert store.searched == []  # no term in the index: no search at all
