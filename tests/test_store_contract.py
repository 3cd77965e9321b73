"""One contract, two stores: every test here runs against a real SQLite file and a real
PostgreSQL schema (ids ``sqlite`` / ``postgres``; the PostgreSQL half skips, saying why, when no
server is reachable).

Each PostgreSQL test uses its own ``cc_test_<hex>`` schema and drops it afterwards. Tests that need
two connections to one store (racing moderators, racing writers) open a second store object on
the same file or schema, as a second process would.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pydantic
import pytest
from pg import drop_schema, new_dsn

from checks.claims import split_claims
from checks.engine import Engine
from checks.errors import IllegalTransition, ReviewConflict
from checks.models import (
    Article,
    AskRef,
    GuildConfig,
    ReviewAction,
    ReviewChanges,
    ReviewDecision,
    ReviewEntry,
    ReviewItem,
    ReviewState,
    ReviewStats,
    Source,
    Verdict,
)
from checks.review import claim_key
from checks.sources.config import load_sources
from checks.store import open_store
from checks.store.base import Store
from checks.store.sql import COPY_TABLES, SQLStore

ROOT = Path(__file__).resolve().parent.parent

TEXT = (
    "The UK will send 10,000 troops to Ukraine next year, officials said.\n"
    "The peacekeepers will be deployed in August after a vote in parliament, the minister said.\n"
)
CHANGED = (
    "The UK will send 25,000 troops to Ukraine next year, officials said.\n"
    "The soldiers will be deployed in September after a vote in parliament, the minister said.\n"
)
BRIDGE = (
    "The old stone bridge over the river was closed for repairs on Monday.\n"
    "Traffic on the river road was diverted through the town centre.\n"
    "A new ferry service will carry commuters across the harbour.\n"
)

EXAMPLES = {
    "Britain may put 10,000 troops in Ukraine": Verdict.SUPPORTED,
    "The UK plans to send 25,000 troops to Ukraine": Verdict.DISPUTED,
    "North Korea's armed forces number about 1.2 million": Verdict.SUPPORTED,
    "Medvedev said troops from NATO countries are welcome as peacekeepers": Verdict.DISPUTED,
    "The moon landing was staged": Verdict.UNVERIFIED,
}


# --------------------------------------------------------------------------- the two stores


class Backend:
    """Where one test's store lives; :meth:`open` gives another connection to the same data."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.target = str(tmp / "crosscheck.db") if kind == "sqlite" else new_dsn()
        self._opened: list[Store] = []

    def open(self) -> Store:
        store = open_store(self.target)
        self._opened.append(store)
        return store

    def cleanup(self) -> None:
        for s in self._opened:
            with contextlib.suppress(Exception):  # already closed by the test
                s.close()
        if self.kind == "postgres":
            drop_schema(self.target)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = Backend(request.param, tmp_path)  # new_dsn() skips when PostgreSQL is unreachable
    try:
        yield b
    finally:
        b.cleanup()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()


@pytest.fixture(scope="module")
def sources_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the default sources.yaml and the bundled sample articles."""
    base = tmp_path_factory.mktemp("sources")
    shutil.copy(ROOT / "sources.yaml", base / "sources.yaml")
    shutil.copytree(ROOT / "samples", base / "samples")
    return base


# --------------------------------------------------------------------------- helpers


def _article(
    text: str = TEXT,
    *,
    source: str = "Wire",
    url: str = "https://wire.example/uk-troops",
    canonical: str | None = None,
    title: str = "UK troops for Ukraine",
    published: date | None = date(2025, 3, 11),
) -> Article:
    return Article(
        source=source,
        url=url,
        canonical_url=canonical or url,
        title=title,
        published=published,
        text=text,
        content_hash=hashlib.sha256((title + "\n" + text).encode()).hexdigest(),
    )


def _add(store: Store, article: Article):
    return store.add_article(article, split_claims(article.text, title=article.title))


def _upsert(
    store: Store,
    claim: str = "The UK plans to send 25,000 troops to Ukraine",
    *,
    guild_id: int = 42,
    triggers: tuple[str, ...] = ("disputed",),
    ask: dict[str, Any] | None = None,
    reason: str | None = None,
    actor_id: int | None = None,
) -> tuple[ReviewItem, bool]:
    entry = ReviewEntry(
        guild_id=guild_id,
        claim=claim,
        claim_key=claim_key(claim),
        bot_verdict=Verdict.DISPUTED,
        result={"claim": claim, "verdict": "disputed"},
        triggers=triggers,
        actor_id=actor_id,
        ask=AskRef(**ask) if ask is not None else None,
        reason=reason,
    )
    return store.review_upsert(entry)


def _decision(
    action: str, to_state: str, actor: int | None, detail: dict[str, Any], **changes: Any
) -> ReviewDecision:
    return ReviewDecision(
        action=ReviewAction(action),
        to_state=ReviewState(to_state),
        actor_id=actor,
        changes=ReviewChanges(**changes),
        detail=detail,
    )


def _decide(store: Store, item: ReviewItem, action: str = "confirm", *, actor: int = 7):
    confirm = action == "confirm"
    decision = _decision(
        action,
        "resolved" if confirm else "dismissed",
        actor,
        {"by": actor},
        decided_by=actor,
        resolution="confirmed" if confirm else None,
    )
    return store.review_transition(item.id, decision, expected_version=item.version)


def _act(engine: Engine, item: ReviewItem, action: ReviewAction, actor: int) -> ReviewItem:
    return asyncio.run(engine.review_act(item.id, action, guild_id=item.guild_id, actor_id=actor))


def _race(fns: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables in threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(fns))
    out: list[Any] = [None] * len(fns)

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            out[i] = fns[i]()
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a racing call hung"
    return out


# --------------------------------------------------------------------------- basics


def test_both_stores_satisfy_the_protocol(store: Store, backend: Backend) -> None:
    assert isinstance(store, Store)
    assert isinstance(store, SQLStore)
    if backend.kind == "postgres":
        assert "cc_test_" in store.path
    assert store.claim_count() == 0
    assert store.approx_claim_count() == 0
    assert store.source_status() == []


def test_sources_are_synced_and_their_ingests_recorded(store: Store) -> None:
    store.sync_sources(
        [Source(name="Wire", kind="rss", weight=1.0), Source(name="Tab", kind="page", weight=0.3)]
    )
    store.sync_sources([Source(name="Wire", kind="atom", weight=0.8)])  # updated, Tab kept
    t1 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    store.record_ingest("Wire", error=None, at=t1)
    store.record_ingest("Tab", error="feed is broken", at=t1 + timedelta(hours=1))
    store.record_ingest("Stranger", error=None, at=t1)  # an unknown name is kept
    _add(store, _article(source="Wire"))
    by_name = {s.name: s for s in store.source_status()}
    assert sorted(by_name) == ["Stranger", "Tab", "Wire"]
    wire, tab, stranger = by_name["Wire"], by_name["Tab"], by_name["Stranger"]
    assert (wire.kind, wire.weight, wire.articles, wire.claims) == ("atom", 0.8, 1, 2)
    assert (wire.last_ingest, wire.last_success, wire.last_error) == (t1, t1, None)
    assert (tab.kind, tab.weight, tab.articles, tab.claims) == ("page", 0.3, 0, 0)
    assert tab.last_error == "feed is broken" and tab.last_success is None
    assert tab.last_ingest == t1 + timedelta(hours=1)
    assert stranger.kind == "unknown"
    # a later success clears the error but keeps the time of the attempt
    store.record_ingest("Tab", error=None, at=t1 + timedelta(hours=2))
    tab = {s.name: s for s in store.source_status()}["Tab"]
    assert tab.last_error is None and tab.last_success == t1 + timedelta(hours=2)


# --------------------------------------------------------------------------- articles and claims


def test_same_article_twice_stores_nothing_new(store: Store) -> None:
    first = _add(store, _article())
    second = _add(store, _article())
    assert first.added and first.claims == 2
    assert not second.added and second.claims == 0
    assert second.article_id == first.article_id
    assert store.claim_count() == 2


def test_has_article_knows_source_url_and_content(store: Store) -> None:
    a = _article()
    assert not store.has_article(a.source, a.canonical_url, a.content_hash)
    _add(store, a)
    assert store.has_article(a.source, a.canonical_url, a.content_hash)
    assert not store.has_article("Other", a.canonical_url, a.content_hash)
    assert not store.has_article(a.source, a.canonical_url, "0" * 64)


def test_changed_article_replaces_its_claims(store: Store) -> None:
    _add(store, _article(TEXT))
    result = _add(store, _article(CHANGED))
    assert result.added
    assert store.claim_count() == 2  # not 4
    texts = {c.claim.text for c in store.search(["parliament"], limit=10)}
    assert texts == {
        "The soldiers will be deployed in September after a vote in parliament, the minister said."
    }
    assert store.search(["peacekeepers"], limit=10) == []  # the old claims left the index


def test_same_url_from_two_sources_is_stored_for_each(store: Store) -> None:
    assert _add(store, _article(source="Wire")).added
    assert _add(store, _article(source="Gazette")).added
    assert store.claim_count() == 4


def test_find_article_by_url_and_by_canonical_url(store: Store) -> None:
    a = _article(
        url="https://wire.example/amp/uk-troops?utm=x", canonical="https://wire.example/uk"
    )
    added = _add(store, a)
    by_url = store.find_article("https://wire.example/amp/uk-troops?utm=x")
    by_canonical = store.find_article("https://wire.example/uk")
    assert by_url is not None and by_canonical is not None
    assert by_url == by_canonical
    assert (by_url.id, by_url.source, by_url.title) == (added.article_id, "Wire", a.title)
    assert (by_url.url, by_url.canonical_url) == (a.url, a.canonical_url)
    assert store.find_article("https://wire.example/nothing") is None


def test_search_returns_claims_with_what_a_citation_needs(store: Store) -> None:
    store.sync_sources([Source(name="Wire", kind="rss", weight=0.7)])
    _add(store, _article())
    (hit,) = store.search(["peacekeepers"], limit=5)
    assert hit.claim.text.startswith("The peacekeepers will be deployed in August")
    assert hit.claim.id is not None and hit.claim.article_id is not None
    assert hit.claim.position == 1
    assert TEXT[hit.claim.start : hit.claim.end] == hit.claim.text
    assert (hit.source, hit.weight, hit.title) == ("Wire", 0.7, "UK troops for Ukraine")
    assert (hit.url, hit.published) == ("https://wire.example/uk-troops", date(2025, 3, 11))
    assert hit.lexical > 0
    assert hit.claim.features.quantities or hit.claim.features.dates  # features round-trip


def test_search_weight_defaults_to_one_for_an_unsynced_source(store: Store) -> None:
    _add(store, _article(source="Nobody"))
    hits = store.search(["troops"], limit=5)
    assert hits and all(h.weight == 1.0 for h in hits)


def test_search_excludes_sources(store: Store) -> None:
    _add(store, _article(source="Wire"))
    _add(store, _article(source="Gazette"))
    assert {h.source for h in store.search(["parliament"], limit=10)} == {"Wire", "Gazette"}
    assert {h.source for h in store.search(["parliament"], limit=10, exclude_sources=["Wire"])} == {
        "Gazette"
    }
    assert store.search(["parliament"], limit=10, exclude_sources=["Wire", "Gazette"]) == []
    assert store.search([], limit=10) == []


def test_search_puts_the_obvious_match_first(store: Store) -> None:
    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Town news"))
    hits = store.search(["bridge", "river", "closed", "repairs"], limit=10)
    assert hits[0].claim.text.startswith("The old stone bridge over the river was closed")
    assert len(hits) == 2  # and the river road sentence, lower
    assert hits[0].lexical > hits[1].lexical
    assert len(store.search(["river"], limit=1)) == 1  # the limit holds


def test_term_frequencies_count_claims_per_term(store: Store) -> None:
    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Town news"))
    freq = store.term_frequencies(["parliament", "said", "river", "zebra"])
    assert freq == {"parliament": 1, "said": 2, "river": 2, "zebra": 0}
    assert store.term_frequencies([]) == {}


def test_claim_counts(store: Store) -> None:
    assert (store.claim_count(), store.approx_claim_count()) == (0, 0)
    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Town news"))
    assert store.claim_count() == 5
    assert store.approx_claim_count() >= 5  # an estimate, never below what is there when small


def test_remove_article_deletes_it_and_its_claims(store: Store) -> None:
    a = _article()
    _add(store, a)
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Town news"))
    assert store.remove_article("Wire", a.canonical_url)
    assert store.claim_count() == 3
    assert store.search(["parliament"], limit=10) == []
    assert store.find_article(a.url) is None
    assert not store.remove_article("Wire", a.canonical_url)
    assert not store.remove_article("Other", "https://wire.example/bridge")


def test_two_writers_adding_the_same_article_store_it_once(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    for i in range(10):
        art = _article(url=f"https://wire.example/race-{i}", title=f"UK troops, part {i}")
        claims = split_claims(art.text, title=art.title)
        results = _race([partial(a.add_article, art, claims), partial(b.add_article, art, claims)])
        assert not [r for r in results if isinstance(r, Exception)], results
        assert any(r.added for r in results), results
    assert a.claim_count() == 20
    assert a.table_count("articles") == 10


def test_an_article_stored_by_another_connection_meanwhile_is_not_added_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race above made deterministic: the other connection commits the same article just
    after this one has looked for its content hash (PostgreSQL only: SQLite's BEGIN IMMEDIATE
    holds other writers off for the whole transaction)."""
    backend = Backend("postgres", tmp_path)
    try:
        a, b = backend.open(), backend.open()
        art = _article()
        claims = split_claims(art.text, title=art.title)
        first: list[Any] = []
        real_tx = b._tx  # type: ignore[attr-defined]

        class Interleaved:
            def __init__(self, db: Any) -> None:
                self.db = db

            def execute(self, sql: str, params: Any = ()) -> Any:
                cur = self.db.execute(sql, params)
                if "content_hash = ?" in sql and not first:
                    first.append(a.add_article(art, claims))  # commits on another connection
                return cur

            def executemany(self, sql: str, params: Any) -> Any:
                return self.db.executemany(sql, params)

        @contextlib.contextmanager
        def tx() -> Iterator[Any]:
            with real_tx() as db:
                yield Interleaved(db)

        monkeypatch.setattr(b, "_tx", tx)
        second = b.add_article(art, claims)
        assert first and first[0].added
        assert a.table_count("articles") == 1 and a.claim_count() == 2
        assert a.find_article(art.url).id == first[0].article_id  # type: ignore[union-attr]
        assert not second.added and second.article_id == first[0].article_id
    finally:
        backend.cleanup()


# ------------------------------------------------------------------ caches, servers, answers


def test_http_validators(store: Store) -> None:
    url = "https://wire.example/rss.xml"
    assert store.get_validators(url) == (None, None)
    store.set_validators(url, '"e1"', "Tue, 11 Mar 2025 08:00:00 GMT")
    assert store.get_validators(url) == ('"e1"', "Tue, 11 Mar 2025 08:00:00 GMT")
    store.set_validators(url, None, "Wed, 12 Mar 2025 08:00:00 GMT")
    assert store.get_validators(url) == (None, "Wed, 12 Mar 2025 08:00:00 GMT")


def test_fact_check_api_cache(store: Store) -> None:
    assert store.api_cached_at("Google", "uk troops") is None
    at = datetime(2025, 3, 11, 9, 30, tzinfo=UTC)
    store.api_cache_put("Google", "uk troops", at)
    assert store.api_cached_at("Google", "uk troops") == at
    store.api_cache_put("Google", "uk troops", at + timedelta(days=1))
    assert store.api_cached_at("Google", "uk troops") == at + timedelta(days=1)
    assert store.api_cached_at("Other", "uk troops") is None


def test_guild_settings(store: Store) -> None:
    big = 1_100_000_000_000_000_001  # Discord ids need 64 bits
    assert store.get_guild(big) == GuildConfig()
    cfg = GuildConfig(
        watched_channels=[big + 100, big + 101],
        review_channel=big + 102,
        moderator_role=big + 201,
        visibility="ephemeral",
        suggest=0.5,
        sure=0.8,
    )
    store.put_guild(big, cfg)
    assert store.get_guild(big) == cfg
    store.put_guild(big, cfg.model_copy(update={"visibility": "public"}))
    assert store.get_guild(big).visibility == "public"
    assert store.get_guild(big + 1) == GuildConfig()


def test_answers_and_disputes(store: Store) -> None:
    big = 1_100_000_000_000_000_001
    answer_id = store.add_answer(
        guild_id=big,
        channel_id=big + 100,
        user_id=big + 300,
        surface="discord",
        claim="The UK plans to send 25,000 troops to Ukraine",
        verdict="disputed",
        result={"kind": "claim", "model": {"x": [1, 2]}},
    )
    other = store.add_answer(
        guild_id=None,
        channel_id=None,
        user_id=None,
        surface="cli",
        claim="c",
        verdict="unverified",
        result={},
    )
    assert other != answer_id
    got = store.get_answer(answer_id)
    assert got is not None
    assert (got.guild_id, got.channel_id, got.user_id, got.message_id) == (
        big,
        big + 100,
        big + 300,
        None,
    )
    assert (got.surface, got.verdict, got.result) == (
        "discord",
        Verdict.DISPUTED,
        {"kind": "claim", "model": {"x": [1, 2]}},
    )
    store.set_answer_message(answer_id, big + 999)
    assert store.get_answer(answer_id).message_id == big + 999  # type: ignore[union-attr]
    assert store.get_answer(answer_id + 1000) is None

    assert store.disputes_for(answer_id) == []
    d1 = store.add_dispute(answer_id, big + 301, "the figure is 10,000")
    d2 = store.add_dispute(answer_id, None, "old news")
    assert d2 > d1
    assert store.disputes_for(answer_id) == [
        (big + 301, "the figure is 10,000"),
        (None, "old news"),
    ]
    assert store.disputes_for(other) == []


# --------------------------------------------------------------------------- review queue


def test_review_upsert_creates_then_joins_by_claim_key(store: Store) -> None:
    ask1 = {"channel_id": 5, "message_id": 500, "answer_id": 1, "user_id": 9, "ephemeral": True}
    item, created = _upsert(store, ask=ask1, actor_id=None)
    assert created
    assert (item.state, item.demand, item.version, item.triggers) == (
        ReviewState.OPEN,
        1,
        1,
        ["disputed"],
    )
    # the same claim asked again, spelled differently: the same item, demand + 1
    again, created = _upsert(
        store,
        "the UK plans to send 25,000 troops to Ukraine!",
        triggers=("uncertain",),
        ask={"channel_id": 5, "message_id": 501, "answer_id": 2, "user_id": 10},
    )
    assert not created
    assert again.id == item.id
    assert (again.demand, again.version) == (2, 2)
    assert again.triggers == ["disputed", "uncertain"]
    # the same message asked twice (a retried follow-up): one ask, but demand still counts
    third, _ = _upsert(store, ask={"channel_id": 5, "message_id": 501, "answer_id": 2})
    asks = store.review_asks(item.id)
    assert [a.message_id for a in asks] == [500, 501]
    assert asks[0].ephemeral and not asks[1].ephemeral
    assert (asks[0].channel_id, asks[0].answer_id, asks[0].user_id) == (5, 1, 9)
    assert third.demand == 3
    # a member's dispute adds its reason to the audit trail
    _upsert(store, reason="the figure is wrong", actor_id=77, triggers=("member dispute",))
    audit = store.review_audit(item.id)
    assert [e.action.value for e in audit] == ["create", "ask", "ask", "ask", "dispute"]
    assert audit[-1].detail == {"reason": "the figure is wrong"} and audit[-1].actor_id == 77
    # another server's queue is separate
    other, created = _upsert(store, guild_id=43)
    assert created and other.id != item.id


def test_review_transition_applies_only_at_the_expected_version(store: Store) -> None:
    item, _ = _upsert(store)
    assign = _decision("assign", "in_review", 7, {"assignee": 7}, assignee=7)
    assigned = store.review_transition(item.id, assign, expected_version=1)
    assert assigned is not None
    assert (assigned.state, assigned.assignee, assigned.version) == (ReviewState.IN_REVIEW, 7, 2)
    # a moderator looking at version 1 is too late
    assert _decide(store, item) is None
    assert store.review_get(item.id).version == 2  # type: ignore[union-attr]
    now = datetime.now(UTC).replace(microsecond=0)
    override = _decision(
        "override",
        "resolved",
        7,
        {"verdict": "False"},
        resolution="overridden",
        moderator_verdict="False",
        moderator_note="see the ministry's statement",
        moderator_url="https://gov.example/statement",
        decided_by=7,
        decided_at=now,
    )
    done = store.review_transition(item.id, override, expected_version=2)
    assert done is not None
    assert (done.state, done.version, done.resolution, done.moderator_verdict) == (
        ReviewState.RESOLVED,
        3,
        "overridden",
        "False",
    )
    assert (done.decided_by, done.decided_at) == (7, now)
    assert done.moderator_url == "https://gov.example/statement"
    assert store.review_get(item.id) == done
    assert store.review_get(item.id + 1000) is None
    nothing = _decision("confirm", "resolved", None, {})
    assert store.review_transition(item.id + 1000, nothing, expected_version=1) is None
    audit = store.review_audit(item.id)
    assert [(e.action.value, e.from_state, e.to_state) for e in audit] == [
        ("create", None, ReviewState.OPEN),
        ("assign", ReviewState.OPEN, ReviewState.IN_REVIEW),
        ("override", ReviewState.IN_REVIEW, ReviewState.RESOLVED),
    ]
    with pytest.raises(pydantic.ValidationError, match="state"):
        ReviewChanges(state="open")  # type: ignore[call-arg]  # only decision fields are written
    # a reopening clears what it names, and only that
    reopen = _decision("reopen", "open", None, {}, resolution=None, decided_at=None)
    reopened = store.review_transition(item.id, reopen, expected_version=3)
    assert reopened is not None
    assert (reopened.state, reopened.resolution, reopened.decided_at) == (
        ReviewState.OPEN,
        None,
        None,
    )
    assert reopened.moderator_verdict == "False" and reopened.assignee == 7


def test_review_list_stats_and_posts(store: Store) -> None:
    a, _ = _upsert(store, "claim one is here", guild_id=1)
    b, _ = _upsert(store, "claim two is here", guild_id=1)
    c, _ = _upsert(store, "claim three is here", guild_id=2)
    assert _decide(store, b, "dismiss") is not None
    assert [i.id for i in store.review_list()] == [c.id, b.id, a.id]  # newest first
    assert [i.id for i in store.review_list(guild_id=1)] == [b.id, a.id]
    assert [i.id for i in store.review_list(guild_id=1, states=["open"])] == [a.id]
    assert [i.id for i in store.review_list(states=["open", "dismissed"], limit=2)] == [c.id, b.id]
    assert store.review_list(guild_id=3) == []

    stats = store.review_stats()
    assert stats.counts == {"open": 2, "dismissed": 1}
    assert isinstance(stats.oldest_pending, datetime)
    assert stats.oldest_pending == a.created_at
    assert store.review_stats(2).counts == {"open": 1}
    assert store.review_stats(3) == ReviewStats()

    big = 1_100_000_000_000_000_102
    store.review_set_post(a.id, channel_id=big, message_id=big + 1, version=a.version)
    posted = store.review_get(a.id)
    assert posted is not None
    assert (posted.post_channel_id, posted.post_message_id, posted.posted_version) == (
        big,
        big + 1,
        a.version,
    )
    assert posted.version == a.version  # posting a card is not a decision


def test_review_followed_up_claims_once_then_records_the_message(store: Store) -> None:
    item, _ = _upsert(store, ask={"channel_id": 5, "message_id": 500})
    (ask,) = store.review_asks(item.id)
    assert ask.followup_message_id is None
    assert store.review_followed_up(ask.id, 0)  # claimed
    assert not store.review_followed_up(ask.id, 0)  # someone else: already claimed
    assert store.review_asks(item.id)[0].followup_message_id == 0
    assert store.review_followed_up(ask.id, 1_100_000_000_000_000_555)  # the real message id
    assert not store.review_followed_up(ask.id, 1_100_000_000_000_000_556)
    assert not store.review_followed_up(ask.id, 0)
    assert store.review_asks(item.id)[0].followup_message_id == 1_100_000_000_000_000_555
    assert not store.review_followed_up(ask.id + 1000, 0)


def test_two_connections_deciding_the_same_item_exactly_one_wins(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    for round_ in range(20):
        item, _ = _upsert(a, f"claim number {round_} is disputed", guild_id=10_000 + round_)
        second = "dismiss" if round_ % 2 else "confirm"
        outcomes = _race(
            [
                partial(_decide, a, item, "confirm", actor=1),
                partial(_decide, b, item, second, actor=2),
            ]
        )
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        won = [o for o in outcomes if o is not None]
        assert len(won) == 1, (round_, outcomes)
        final = a.review_get(item.id)
        assert final is not None
        assert (final.version, final.decided_by, final.state) == (
            2,
            won[0].decided_by,
            won[0].state,
        )
        decisions = [e for e in a.review_audit(item.id) if e.action.value != "create"]
        assert len(decisions) == 1 and decisions[0].actor_id == final.decided_by


def test_two_engines_deciding_the_same_item_exactly_one_wins(
    backend: Backend, sources_dir: Path
) -> None:
    """The engine's own one-winner rule (ReviewConflict / IllegalTransition for the loser) on
    two connections, 20 times."""
    config = load_sources(sources_dir / "sources.yaml")
    e1, e2 = Engine(backend.open(), config), Engine(backend.open(), config)
    result = e1.check_text("The UK plans to send 25,000 troops to Ukraine")
    for round_ in range(20):
        item, _ = asyncio.run(
            e1.enqueue_review(result, guild_id=20_000 + round_, triggers=["disputed"])
        )
        actions = (
            [ReviewAction.CONFIRM, ReviewAction.DISMISS]
            if round_ % 2
            else [ReviewAction.CONFIRM, ReviewAction.CONFIRM]
        )
        outcomes = _race(
            [
                partial(_act, eng, item, act, actor)
                for eng, act, actor in ((e1, actions[0], 101), (e2, actions[1], 102))
            ]
        )
        won = [o for o in outcomes if isinstance(o, ReviewItem)]
        lost = [o for o in outcomes if not isinstance(o, ReviewItem)]
        assert len(won) == 1, (round_, outcomes)
        assert all(isinstance(o, ReviewConflict | IllegalTransition) for o in lost), lost
        final = e2.store.review_get(item.id)
        assert final is not None and final.version == 2 and final.decided_by == won[0].decided_by


def test_two_connections_queueing_the_same_new_claim_make_one_item(
    backend: Backend, request: pytest.FixtureRequest
) -> None:
    """Two bot processes (shards) answer the same disputed claim in one server at once."""
    a, b = backend.open(), backend.open()
    for round_ in range(10):
        claim = f"claim number {round_} was asked twice"
        outcomes = _race(
            [
                partial(_upsert, a, claim, guild_id=30_000, ask={"message_id": 2 * round_}),
                partial(_upsert, b, claim, guild_id=30_000, ask={"message_id": 2 * round_ + 1}),
            ]
        )
        assert not [o for o in outcomes if isinstance(o, Exception)], (round_, outcomes)
        assert sorted(created for _, created in outcomes) == [False, True]
        (item,) = [i for i in a.review_list(guild_id=30_000) if i.claim == claim]
        assert item.demand == 2
        assert len(a.review_asks(item.id)) == 2


# --------------------------------------------------------------------------- leases


def test_ingestion_leases(store: Store) -> None:
    assert store.lease_source("Wire", "w1", 60)
    assert not store.lease_source("Wire", "w2", 60)  # w1's is live
    assert store.lease_source("Wire", "w1", 60)  # w1 extends its own
    assert store.lease_source("Gazette", "w2", 60)  # other sources are free
    store.release_source("Wire", "w2")  # not w2's to release
    assert not store.lease_source("Wire", "w2", 60)
    store.release_source("Wire", "w1")
    assert store.lease_source("Wire", "w2", 60)
    assert not store.lease_source("Wire", "w1", 60)
    # w2 renews for a moment only, then crashes: once that moment has passed (however long the
    # machine pauses, it only passes further) its lease has run out
    assert store.lease_source("Wire", "w2", 0.001)
    time.sleep(0.01)
    assert store.lease_source("Wire", "w1", 60)
    assert not store.lease_source("Wire", "w2", 60)


def test_two_workers_taking_one_lease_at_once_one_gets_it(backend: Backend) -> None:
    a, b = backend.open(), backend.open()
    for i in range(20):
        source = f"Source {i}"
        got = _race(
            [partial(a.lease_source, source, "w1", 60), partial(b.lease_source, source, "w2", 60)]
        )
        assert sorted(got) == [False, True], (i, got)


# --------------------------------------------------------------------------- copying


def _populate(store: Store) -> dict[str, int]:
    store.sync_sources([Source(name="Wire", kind="rss", weight=0.9)])
    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Town news"))
    store.record_ingest("Wire", error=None, at=datetime(2025, 3, 1, tzinfo=UTC))
    store.set_validators("https://wire.example/rss.xml", '"e1"', None)
    store.api_cache_put("Google", "uk troops", datetime(2025, 3, 1, tzinfo=UTC))
    store.put_guild(1_100_000_000_000_000_001, GuildConfig(visibility="ephemeral"))
    answer = store.add_answer(
        guild_id=1,
        channel_id=2,
        user_id=3,
        surface="discord",
        claim="c",
        verdict="disputed",
        result={"kind": "claim"},
    )
    store.add_dispute(answer, 3, "wrong")
    item, _ = _upsert(store, ask={"channel_id": 2, "message_id": 4, "answer_id": answer})
    _decide(store, item, "confirm")
    return {"answer": answer, "item": item.id}


@pytest.mark.parametrize("into", ["sqlite", "postgres"])
def test_export_and_import_rows_round_trip(backend: Backend, into: str, tmp_path: Path) -> None:
    src = backend.open()
    ids = _populate(src)
    target = Backend(into, tmp_path / "copy")
    (tmp_path / "copy").mkdir()
    try:
        dst = target.open()
        for _ in range(2):  # the second pass finds everything there
            added = {}
            for table in COPY_TABLES:
                added[table] = sum(
                    dst.import_rows(table, rows) for rows in src.export_rows(table, batch=2)
                )
                assert dst.table_count(table) == src.table_count(table), table
            if _ == 0:
                assert added["claims"] == 5 and added["review_audit"] == 2
            else:
                assert set(added.values()) == {0}, added
        assert [r for b in dst.export_rows("claims") for r in b] == [
            r for b in src.export_rows("claims") for r in b
        ]
        assert dst.get_answer(ids["answer"]) == src.get_answer(ids["answer"])
        assert dst.review_get(ids["item"]) == src.review_get(ids["item"])
        assert dst.review_audit(ids["item"]) == src.review_audit(ids["item"])
        assert dst.review_asks(ids["item"]) == src.review_asks(ids["item"])
        assert dst.disputes_for(ids["answer"]) == [(3, "wrong")]
        assert dst.get_guild(1_100_000_000_000_000_001).visibility == "ephemeral"
        assert [h.claim.text for h in dst.search(["bridge"], limit=3)] == [
            h.claim.text for h in src.search(["bridge"], limit=3)
        ]
        assert dst.source_status() == src.source_status()
        # new rows in the copy get fresh ids (sequences moved past the copied ones)
        new = _add(dst, _article(CHANGED, url="https://wire.example/new"))
        assert new.added and new.article_id > max(
            a["id"] for b in src.export_rows("articles") for a in b
        )
        assert (
            dst.add_answer(
                guild_id=None,
                channel_id=None,
                user_id=None,
                surface="cli",
                claim="x",
                verdict="unverified",
                result={},
            )
            > ids["answer"]
        )
        item, created = _upsert(dst, "a new claim after the copy")
        assert created and item.id > ids["item"]
    finally:
        target.cleanup()


# --------------------------------------------------------------------------- the engine on top


def test_the_engine_gives_the_same_verdicts_on_both_stores(store: Store, sources_dir: Path) -> None:
    engine = Engine(store, load_sources(sources_dir / "sources.yaml"))
    report = engine.ingest()
    assert report.added >= 5 and not report.errors
    for claim, verdict in EXAMPLES.items():
        result = engine.check_text(claim)
        assert result.verdict is verdict, (claim, result.verdict)
        for m in result.matches:  # every citation is a stored claim, quoted exactly
            assert store.find_article(m.citation.url) is not None
    again = engine.ingest()
    assert again.added == 0 and again.claims == 0
    status = {s.name: s for s in engine.sources()}
    assert all(s.articles > 0 and s.last_success for s in status.values())


# --------------------------------------------------------------------------- claim vectors


def _embed_all(store: Store, embedder: Any | None = None, holder: str = "test") -> int:
    from checks.embed import HashEmbedder
    from checks.enrich import embed_backlog

    return embed_backlog(store, embedder or HashEmbedder(), holder=holder, batch=3)


def _nearest_texts(store: Store, text: str, k: int = 10) -> list[str]:
    from checks.embed import HashEmbedder

    emb = HashEmbedder()
    return [c.claim.text for c in store.nearest(emb.name, emb.embed([text])[0], k)]


def test_new_claims_await_vectors_and_are_found_by_meaning_once_embedded(store: Store) -> None:
    from checks.embed import HashEmbedder

    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Bridge closed"))
    claims = store.claim_count()
    assert store.vector_backlog() == claims and store.vector_model() is None
    emb = HashEmbedder()
    assert store.nearest(emb.name, emb.embed(["troops"])[0], 3) == []  # nothing embedded yet
    assert _embed_all(store) == claims
    assert store.vector_backlog() == 0 and store.vector_model() == emb.name
    q = emb.embed(["The UK will send 10,000 troops to Ukraine next year"])[0]
    found = store.nearest(emb.name, q, 3)
    assert found[0].claim.text.startswith("The UK will send 10,000 troops")
    assert found[0].cosine is not None and 0.5 < found[0].cosine <= 1.0001
    assert [c.cosine for c in found] == sorted((c.cosine for c in found), reverse=True)
    assert found[0].url and found[0].source == "Wire"  # what a citation needs
    direct = store.cosines(emb.name, q, [c.claim.id or 0 for c in found])
    for c in found:
        assert direct[c.claim.id or 0] == pytest.approx(c.cosine, abs=0.01)
    assert store.nearest("another-model", q, 3) == []  # vectors of another model never compared


def test_embedding_the_backlog_stores_each_claims_current_frame_with_it(store: Store) -> None:
    from checks.embed import HashEmbedder
    from checks.frames import FRAMES_VERSION, ClaimParse, parse_claims

    _add(store, _article())
    (before,) = [c for c in store.search(["troops"], limit=5) if "10,000" in c.claim.text]
    assert before.frame is None  # not parsed yet: checks parse it themselves
    _embed_all(store)
    (hit,) = [c for c in store.search(["troops"], limit=5) if "10,000" in c.claim.text]
    (expected,) = parse_claims([hit.claim.text])
    assert hit.frame is not None and ClaimParse.from_json(hit.frame) == expected
    assert ClaimParse.from_json(hit.frame).current
    emb = HashEmbedder()
    near = store.nearest(emb.name, emb.embed([hit.claim.text])[0], 1)
    assert near[0].claim.id == hit.claim.id and near[0].frame == hit.frame
    # a frame of another extractor version is not handed out: the check parses the claim again
    assert store.put_frames([(hit.claim.id or 0, hit.frame)], FRAMES_VERSION - 1) == 1
    (stale,) = [c for c in store.search(["troops"], limit=5) if c.claim.id == hit.claim.id]
    assert stale.frame is None


def test_vectors_are_deleted_with_their_claims(store: Store) -> None:
    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Bridge closed"))
    _embed_all(store)
    assert any("troops" in t for t in _nearest_texts(store, "UK troops to Ukraine"))
    assert store.remove_article("Wire", "https://wire.example/uk-troops")
    left = _nearest_texts(store, "UK troops to Ukraine")
    assert left and not any("troops" in t for t in left)
    assert store.vector_backlog() == 0


def test_a_changed_article_replaces_its_claims_vectors(store: Store) -> None:
    _add(store, _article())
    _embed_all(store)
    _add(store, _article(CHANGED))
    assert not any("10,000" in t for t in _nearest_texts(store, "UK troops"))  # old ones gone
    assert store.vector_backlog() == store.claim_count()  # the new claims await theirs
    _embed_all(store)
    assert any("25,000" in t for t in _nearest_texts(store, "UK troops"))


def test_the_backlog_is_leased_to_one_holder_and_resumed_by_it(store: Store) -> None:
    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Bridge closed"))
    total = store.vector_backlog()
    first = store.pending_enrichment(2, holder="a")
    assert len(first) == 2
    others = store.pending_enrichment(100, holder="b")
    assert {i for i, _ in others}.isdisjoint({i for i, _ in first})
    assert len(others) == total - 2
    again = store.pending_enrichment(100, holder="a")  # an interrupted run takes its batch back
    assert {i for i, _ in again} == {i for i, _ in first}
    expired = store.pending_enrichment(100, holder="c", lease_s=0.0)
    assert expired == []  # still leased (to a and b) ...
    time.sleep(0.01)
    store.pending_enrichment(100, holder="a", lease_s=0.0)  # a's lease now runs out at once
    time.sleep(0.01)
    assert {i for i, _ in store.pending_enrichment(100, holder="c")} == {i for i, _ in first}
    assert store.vector_backlog() == total  # leasing takes nothing off the backlog


def test_vectors_of_claims_deleted_meanwhile_are_skipped(store: Store) -> None:
    from checks.embed import HashEmbedder

    _add(store, _article())
    batch = store.pending_enrichment(100, holder="w")
    assert store.remove_article("Wire", "https://wire.example/uk-troops")
    emb = HashEmbedder()
    vectors = emb.embed([t for _, t in batch])
    store.put_vectors(emb.name, [(i, v) for (i, _), v in zip(batch, vectors, strict=True)])
    assert store.vector_backlog() == 0 and _nearest_texts(store, "UK troops") == []


def test_a_new_embedding_model_replaces_every_vector(store: Store) -> None:
    from checks.embed import HashEmbedder

    _add(store, _article())
    _add(store, _article(BRIDGE, url="https://wire.example/bridge", title="Bridge closed"))
    _embed_all(store)
    small = HashEmbedder(dim=64)
    assert store.pending_enrichment(100, holder="x") == []  # all embedded
    # one vector of a new model: every claim is queued again, the old vectors are gone
    claim_id = _nearest_claim_id(store)
    store.put_vectors(small.name, [(claim_id, small.embed(["UK troops"])[0])])
    assert store.vector_model() == small.name
    assert store.vector_backlog() == store.claim_count() - 1
    assert _nearest_texts(store, "UK troops") == []  # the old model's vectors are not used
    _embed_all(store, small, holder="y")
    q = small.embed(["old stone bridge over the river"])[0]
    assert "bridge" in store.nearest(small.name, q, 1)[0].claim.text


def _nearest_claim_id(store: Store) -> int:
    from checks.embed import HashEmbedder

    emb = HashEmbedder()
    return store.nearest(emb.name, emb.embed(["UK troops"])[0], 1)[0].claim.id or 0


def test_another_connection_sees_vectors_and_deletions(backend: Backend) -> None:
    writer, reader = backend.open(), backend.open()
    _add(writer, _article())
    _add(writer, _article(BRIDGE, url="https://wire.example/bridge", title="Bridge closed"))
    assert _nearest_texts(reader, "UK troops") == []
    _embed_all(writer)
    assert any("troops" in t for t in _nearest_texts(reader, "UK troops to Ukraine"))
    writer.remove_article("Wire", "https://wire.example/uk-troops")
    assert not any("troops" in t for t in _nearest_texts(reader, "UK troops to Ukraine"))
    writer.close()
    again = backend.open()  # a new process: the saved graph (SQLite) or the index (PostgreSQL)
    assert any("bridge" in t for t in _nearest_texts(again, "bridge closed for repairs"))


def test_both_stores_give_the_same_answers_with_vectors(
    tmp_path: Path, sources_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSCHECK_EMBEDDER", "hash")  # the engine's query embedder
    dsn = new_dsn()  # skips without PostgreSQL
    stores = [open_store(str(tmp_path / "crosscheck.db")), open_store(dsn)]
    try:
        engines = [Engine(s, load_sources(sources_dir / "sources.yaml")) for s in stores]
        for e in engines:
            e.ingest()
            assert _embed_all(e.store) > 0 and e.store.vector_backlog() == 0
        claims = [*EXAMPLES, "Britain is preparing to deploy soldiers to Ukraine"]
        for claim in claims:
            a, b = (e.check_text(claim) for e in engines)
            assert a.verdict is b.verdict, claim
            # the two full-text indexes rank differently (BM25 and ts_rank): the same evidence
            # decides, the rest of the list may differ
            assert bool(a.matches) == bool(b.matches), claim
    finally:
        for s in stores:
            s.close()
        drop_schema(dsn)
