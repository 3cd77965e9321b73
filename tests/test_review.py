"""The moderator review queue at the engine level, on a real SQLite file.

The state machine (every legal and every illegal move), one winner when two moderators decide at
once (threads and processes on the same file), the audit trail, dedupe of repeated askings, the
triggers that queue an answer, a verdict reused as this server's fact-check, and the ClaimReview
export (checked with extruct and read back by the ClaimReview source), CLI included.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import extruct
import pytest
from helpers import CliResult, invoke

from checks.engine import Engine
from checks.errors import CheckError, IllegalTransition, InputError, ReviewConflict
from checks.models import (
    CheckResult,
    Citation,
    GuildConfig,
    Match,
    ModeratorVerdict,
    ReviewAction,
    ReviewItem,
    ReviewState,
    Stance,
    Verdict,
)
from checks.review import MODERATOR_SOURCE_LABEL, claim_key, next_state, review_triggers
from checks.sources.web import claim_reviews

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources.yaml"

G = 4242  # the server under test
OTHER = 4343  # another server sharing the store
DISPUTED = "The UK plans to send 25,000 troops to Ukraine"  # the samples dispute it
SUPPORTED = "Britain may put 10,000 troops in Ukraine"  # the samples support it
UNSURE = "Ukraine peacekeepers plan"  # only related matches, between "suggest" and "sure"

LEGAL: dict[tuple[ReviewState, ReviewAction], ReviewState] = {
    (ReviewState.OPEN, ReviewAction.ASSIGN): ReviewState.IN_REVIEW,
    (ReviewState.IN_REVIEW, ReviewAction.ASSIGN): ReviewState.IN_REVIEW,
    (ReviewState.OPEN, ReviewAction.CONFIRM): ReviewState.RESOLVED,
    (ReviewState.IN_REVIEW, ReviewAction.CONFIRM): ReviewState.RESOLVED,
    (ReviewState.OPEN, ReviewAction.OVERRIDE): ReviewState.RESOLVED,
    (ReviewState.IN_REVIEW, ReviewAction.OVERRIDE): ReviewState.RESOLVED,
    (ReviewState.OPEN, ReviewAction.DISMISS): ReviewState.DISMISSED,
    (ReviewState.IN_REVIEW, ReviewAction.DISMISS): ReviewState.DISMISSED,
    (ReviewState.RESOLVED, ReviewAction.REOPEN): ReviewState.OPEN,
    (ReviewState.DISMISSED, ReviewAction.REOPEN): ReviewState.OPEN,
}
ILLEGAL = [
    (state, action)
    for state, action in itertools.product(ReviewState, ReviewAction)
    if (state, action) not in LEGAL
]
DECISIONS = {"assign", "confirm", "override", "dismiss", "reopen"}


# ---------------------------------------------------------------------------- fixtures


def _copy_db(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        f = src.with_name(src.name + suffix)
        if f.exists():
            shutil.copy(f, dst.with_name(dst.name + suffix))
    return dst


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled samples ingested once; each test works on its own copy of the file."""
    db = tmp_path_factory.mktemp("review-template") / "crosscheck.db"
    engine = Engine.open(db, SOURCES)
    try:
        engine.ingest()
    finally:
        engine.close()
    return db


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    return _copy_db(template_db, tmp_path / "crosscheck.db")


@pytest.fixture
def engine(db: Path) -> Iterator[Engine]:
    eng = Engine.open(db, SOURCES)
    yield eng
    eng.close()


async def queue(
    engine: Engine,
    claim: str = DISPUTED,
    *,
    guild: int = G,
    triggers: list[str] | None = None,
    ask: dict[str, Any] | None = None,
    actor_id: int | None = None,
    reason: str | None = None,
) -> tuple[ReviewItem, bool]:
    result = engine.check_text(claim, guild_id=guild)
    return await engine.enqueue_review(
        result,
        guild_id=guild,
        triggers=triggers or ["disputed"],
        ask=ask,
        actor_id=actor_id,
        reason=reason,
    )


async def item_in(engine: Engine, state: ReviewState, claim: str = DISPUTED) -> ReviewItem:
    """A fresh item brought to ``state`` by legal moves."""
    item, _ = await queue(engine, claim)
    act = engine.review_act
    if state is ReviewState.IN_REVIEW:
        item = await act(item.id, ReviewAction.ASSIGN, guild_id=G, actor_id=11)
    elif state is ReviewState.RESOLVED:
        item = await act(item.id, ReviewAction.CONFIRM, guild_id=G, actor_id=11)
    elif state is ReviewState.DISMISSED:
        item = await act(item.id, ReviewAction.DISMISS, guild_id=G, actor_id=11)
    assert item.state is state
    return item


def moderator_matches(result: CheckResult) -> list[Match]:
    return [m for m in result.matches if m.citation.source == MODERATOR_SOURCE_LABEL]


# ---------------------------------------------------------------------------- state machine


def test_the_transition_table_is_exactly_the_documented_one() -> None:
    for state, action in itertools.product(ReviewState, ReviewAction):
        if (state, action) in LEGAL:
            assert next_state(1, state, action) is LEGAL[(state, action)]
        else:
            with pytest.raises(IllegalTransition):
                next_state(1, state, action)


@pytest.mark.parametrize(
    ("state", "action"), list(LEGAL), ids=[f"{s.value}-{a.value}" for s, a in LEGAL]
)
async def test_every_legal_transition_moves_the_item_and_is_audited(
    engine: Engine, state: ReviewState, action: ReviewAction
) -> None:
    item = await item_in(engine, state)
    before = await engine.review_audit(item.id)
    kwargs: dict[str, Any] = {}
    if action is ReviewAction.OVERRIDE:
        kwargs = {"verdict": ModeratorVerdict.FALSE, "note": "No, 10,000", "url": "https://x.test/"}
    new = await engine.review_act(item.id, action, guild_id=G, actor_id=22, **kwargs)

    assert new.state is LEGAL[(state, action)]
    assert new.version == item.version + 1
    assert (await engine.review_item(item.id, guild_id=G)) == new
    audit = await engine.review_audit(item.id)
    assert len(audit) == len(before) + 1
    last = audit[-1]
    assert (last.action, last.from_state, last.to_state, last.actor_id) == (
        action,
        state,
        new.state,
        22,
    )
    if action is ReviewAction.ASSIGN:
        assert new.assignee == 22
        assert last.detail == {"assignee": 22, "previous": item.assignee}
    if action is ReviewAction.CONFIRM:
        assert (new.resolution, new.moderator_verdict, new.decided_by) == (
            "confirmed",
            "Disputed",
            22,
        )
    if action is ReviewAction.OVERRIDE:
        assert (new.resolution, new.moderator_verdict) == ("overridden", "False")
        assert (new.moderator_note, new.moderator_url) == ("No, 10,000", "https://x.test/")
    if action is ReviewAction.DISMISS:
        assert new.decided_by == 22 and new.resolution is None
    if action is ReviewAction.REOPEN:
        assert (new.resolution, new.moderator_verdict, new.decided_by, new.assignee) == (
            None,
            None,
            None,
            None,
        )


async def test_reassigning_an_item_in_review_records_who_had_it(engine: Engine) -> None:
    item = await item_in(engine, ReviewState.IN_REVIEW)  # assigned to 11
    new = await engine.review_act(item.id, ReviewAction.ASSIGN, guild_id=G, actor_id=33)
    assert (new.state, new.assignee) == (ReviewState.IN_REVIEW, 33)
    assert (await engine.review_audit(item.id))[-1].detail == {"assignee": 33, "previous": 11}


@pytest.mark.parametrize(
    ("state", "action"), ILLEGAL, ids=[f"{s.value}-{a.value}" for s, a in ILLEGAL]
)
async def test_every_illegal_transition_is_refused_and_changes_nothing(
    engine: Engine, state: ReviewState, action: ReviewAction
) -> None:
    item = await item_in(engine, state)
    audit = await engine.review_audit(item.id)
    with pytest.raises(IllegalTransition) as refused:
        await engine.review_act(
            item.id, action, guild_id=G, actor_id=22, verdict=ModeratorVerdict.FALSE
        )
    assert (refused.value.item_id, refused.value.state, refused.value.action) == (
        item.id,
        state.value,
        action.value,
    )
    assert f"#{item.id}" in str(refused.value)
    after = await engine.review_item(item.id, guild_id=G)
    assert (after.state, after.version, after.updated_at) == (
        item.state,
        item.version,
        item.updated_at,
    )
    assert await engine.review_audit(item.id) == audit


async def test_an_override_without_a_verdict_is_refused(engine: Engine) -> None:
    item, _ = await queue(engine)
    with pytest.raises(InputError, match="verdict"):
        await engine.review_act(item.id, ReviewAction.OVERRIDE, guild_id=G, actor_id=5)
    after = await engine.review_item(item.id, guild_id=G)
    assert (after.state, after.version) == (ReviewState.OPEN, item.version)
    assert [e.action for e in await engine.review_audit(item.id)] == [ReviewAction.CREATE]


@pytest.mark.parametrize(
    "url", ["ftp://example.org/fc", "javascript:alert(1)", "example.org/fc", "file:///etc/passwd"]
)
async def test_an_override_with_a_non_http_url_is_refused(engine: Engine, url: str) -> None:
    item, _ = await queue(engine)
    with pytest.raises(CheckError) as refused:
        await engine.review_act(
            item.id,
            ReviewAction.OVERRIDE,
            guild_id=G,
            actor_id=5,
            verdict=ModeratorVerdict.FALSE,
            url=url,
        )
    assert not isinstance(refused.value, IllegalTransition)
    assert "http" in str(refused.value)
    after = await engine.review_item(item.id, guild_id=G)
    assert (after.state, after.version, after.moderator_url) == (
        ReviewState.OPEN,
        item.version,
        None,
    )
    assert len(await engine.review_audit(item.id)) == 1
    assert not moderator_matches(engine.check_text(DISPUTED, guild_id=G))


async def test_an_item_of_another_server_cannot_be_seen_or_decided(engine: Engine) -> None:
    item, _ = await queue(engine, guild=OTHER)
    with pytest.raises(CheckError, match="no review item"):
        await engine.review_act(item.id, ReviewAction.CONFIRM, guild_id=G, actor_id=5)
    assert (await engine.review_item(item.id, guild_id=OTHER)).state is ReviewState.OPEN


# ---------------------------------------------------------------------------- one winner


def _race(engines: list[Engine], item: ReviewItem, actions: list[ReviewAction]) -> list[Any]:
    """Two moderators press at the same instant; returns each one's item or exception."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def press(i: int) -> None:
        eng = engines[i % len(engines)]
        barrier.wait(timeout=10)
        try:
            outcomes[i] = asyncio.run(
                eng.review_act(item.id, actions[i], guild_id=item.guild_id, actor_id=100 + i)
            )
        except CheckError as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a decision hung"
    return outcomes


def _assert_one_winner(engine: Engine, item: ReviewItem, outcomes: list[Any]) -> None:
    won = [o for o in outcomes if isinstance(o, ReviewItem)]
    lost = [o for o in outcomes if not isinstance(o, ReviewItem)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, ReviewConflict | IllegalTransition) for o in lost), lost
    final = engine.store.review_get(item.id)
    assert final is not None
    assert (final.state, final.version, final.decided_by) == (
        won[0].state,
        item.version + 1,
        won[0].decided_by,
    )
    decisions = [e for e in engine.store.review_audit(item.id) if e.action.value in DECISIONS]
    assert len(decisions) == 1
    assert decisions[0].to_state is final.state
    assert decisions[0].actor_id == final.decided_by


@pytest.mark.parametrize("shared", [False, True], ids=["two-engines", "one-engine"])
async def test_two_moderators_deciding_at_once_exactly_one_wins(
    db: Path, engine: Engine, shared: bool
) -> None:
    result = engine.check_text(DISPUTED, guild_id=G)
    second = engine if shared else Engine.open(db, SOURCES)
    try:
        for round_ in range(20):
            item, _ = await engine.enqueue_review(
                result, guild_id=10_000 + round_, triggers=["disputed"]
            )
            actions = (
                [ReviewAction.CONFIRM, ReviewAction.DISMISS]
                if round_ % 2
                else [ReviewAction.CONFIRM, ReviewAction.CONFIRM]
            )
            outcomes = await asyncio.to_thread(_race, [engine, second], item, actions)
            _assert_one_winner(engine, item, outcomes)
    finally:
        if not shared:
            second.close()


def _process_moderator(
    db: str, sources: str, items: list[tuple[int, int]], action: str, actor: int, barrier: Any
) -> list[str]:
    """One moderator in their own process and their own Engine on the shared file."""
    eng = Engine.open(db, sources)
    out = []
    try:
        for item_id, guild_id in items:
            barrier.wait(timeout=20)
            try:
                asyncio.run(
                    eng.review_act(item_id, ReviewAction(action), guild_id=guild_id, actor_id=actor)
                )
                out.append("won")
            except (ReviewConflict, IllegalTransition) as exc:
                out.append(type(exc).__name__)
    finally:
        eng.close()
    return out


def _run_moderator(queue_: Any, *args: Any) -> None:
    actor = args[4]
    try:
        queue_.put((actor, _process_moderator(*args)))
    except BaseException as exc:  # report it to the parent rather than hang it
        queue_.put((actor, repr(exc)))


async def test_two_processes_deciding_at_once_exactly_one_wins(db: Path, engine: Engine) -> None:
    result = engine.check_text(DISPUTED, guild_id=G)
    items = []
    for round_ in range(20):
        item, _ = await engine.enqueue_review(
            result, guild_id=20_000 + round_, triggers=["disputed"]
        )
        items.append(item)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    pairs = [(i.id, i.guild_id) for i in items]
    procs = [
        ctx.Process(
            target=_run_moderator,
            args=(results, str(db), str(SOURCES), pairs, action, actor, barrier),
        )
        for action, actor in (("confirm", 201), ("dismiss", 202))
    ]
    for p in procs:
        p.start()
    try:
        got = dict([await asyncio.to_thread(results.get, True, 60) for _ in procs])
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
    assert all(isinstance(g, list) for g in got.values()), got
    for round_, item in enumerate(items):
        outcomes = [got[201][round_], got[202][round_]]
        assert sorted(outcomes).count("won") == 1, (round_, outcomes)
        final = engine.store.review_get(item.id)
        assert final is not None
        winner = 201 if outcomes[0] == "won" else 202
        assert (final.version, final.decided_by) == (2, winner)
        assert final.state is (ReviewState.RESOLVED if winner == 201 else ReviewState.DISMISSED)
        decisions = [e for e in engine.store.review_audit(item.id) if e.action.value in DECISIONS]
        assert [(d.actor_id, d.to_state) for d in decisions] == [(winner, final.state)]


# ---------------------------------------------------------------------------- audit trail


async def test_the_audit_trail_records_every_step_with_who_when_and_states(
    engine: Engine,
) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    result = engine.check_text(DISPUTED, guild_id=G)
    item, created = await engine.enqueue_review(
        result,
        guild_id=G,
        triggers=["disputed"],
        ask={"channel_id": 20, "message_id": 501, "answer_id": None, "user_id": 1},
    )
    assert created
    # asked again elsewhere
    await queue(engine, DISPUTED.upper(), ask={"channel_id": 21, "message_id": 502})
    # a member disputes a stored answer
    answer_id = await engine.record_answer(
        result, surface="slash", guild_id=G, channel_id=22, user_id=3
    )
    await engine.answer_posted(answer_id, 503)
    disputed = await engine.dispute(answer_id, 3, "  The  sources say 10,000, not 25,000 ")
    assert [(i.id, new) for i, new in disputed] == [(item.id, False)]
    act = engine.review_act
    await act(item.id, ReviewAction.ASSIGN, guild_id=G, actor_id=7)
    await act(item.id, ReviewAction.CONFIRM, guild_id=G, actor_id=8, note="fair")
    await act(item.id, ReviewAction.REOPEN, guild_id=G, actor_id=9)
    final = await act(
        item.id,
        ReviewAction.OVERRIDE,
        guild_id=G,
        actor_id=8,
        verdict=ModeratorVerdict.FALSE,
        note="Officials said 10,000",
        url="https://example.org/fact-check",
    )
    end = datetime.now(UTC) + timedelta(seconds=1)

    audit = await engine.review_audit(item.id)
    rows = [(e.action.value, e.actor_id, e.from_state, e.to_state) for e in audit]
    op, ir, rs = ReviewState.OPEN, ReviewState.IN_REVIEW, ReviewState.RESOLVED
    assert rows == [
        ("create", None, None, op),
        ("ask", None, op, op),
        ("ask", 3, op, op),
        ("dispute", 3, op, op),
        ("assign", 7, op, ir),
        ("confirm", 8, ir, rs),
        ("reopen", 9, rs, op),
        ("override", 8, op, rs),
    ]
    assert all(start <= e.at <= end and e.at.tzinfo is not None for e in audit)
    assert [e.at for e in audit] == sorted(e.at for e in audit)
    assert all(e.item_id == item.id for e in audit)
    detail = [e.detail for e in audit]
    assert detail[0] == {"triggers": ["disputed"]}
    assert detail[2] == {"triggers": ["member dispute"]}
    assert detail[3] == {"reason": "The sources say 10,000, not 25,000"}
    assert detail[4] == {"assignee": 7, "previous": None}
    assert detail[5] == {"verdict": "Disputed", "note": "fair", "url": None}
    assert detail[6] == {"previous_verdict": "Disputed"}
    assert detail[7] == {
        "verdict": "False",
        "note": "Officials said 10,000",
        "url": "https://example.org/fact-check",
    }
    assert final.state is ReviewState.RESOLVED and final.decided_by == 8
    assert engine.store.disputes_for(answer_id) == [(3, "The sources say 10,000, not 25,000")]


# ---------------------------------------------------------------------------- dedupe


async def test_the_same_claim_asked_again_joins_the_existing_item(engine: Engine) -> None:
    first, created = await queue(engine, DISPUTED, triggers=["disputed"])
    assert created and first.demand == 1
    variants = [
        "the uk plans to send 25,000 troops to ukraine",
        "THE UK PLANS TO SEND 25,000 TROOPS TO UKRAINE!!!",
        "  The UK plans to send 25,000 troops — to Ukraine?  ",
    ]
    for n, text in enumerate(variants, start=2):
        assert claim_key(text) == claim_key(DISPUTED)
        item, created = await queue(engine, text, triggers=["uncertain"])
        assert not created
        assert (item.id, item.demand) == (first.id, n)
    items = await engine.review_list(guild_id=G)
    assert [i.id for i in items] == [first.id]
    assert items[0].triggers == ["disputed", "uncertain"]
    # another server has its own queue
    other, created = await queue(engine, DISPUTED, guild=OTHER)
    assert created and other.id != first.id and other.demand == 1


async def test_a_different_claim_is_a_different_item(engine: Engine) -> None:
    a, _ = await queue(engine, DISPUTED)
    b, created = await queue(engine, "The UK plans to send 40,000 troops to Ukraine")
    assert created and a.id != b.id


async def test_asks_are_deduped_by_message_id(engine: Engine) -> None:
    ask = {"channel_id": 20, "message_id": 777, "answer_id": 1, "user_id": 2}
    item, _ = await queue(engine, ask=ask)
    await queue(engine, ask=dict(ask))  # the same message again (e.g. a dispute of it)
    await queue(engine, ask={**ask, "message_id": 778, "channel_id": 21})
    asks = await engine.review_asks(item.id)
    assert [(a.channel_id, a.message_id) for a in asks] == [(20, 777), (21, 778)]
    assert all(a.item_id == item.id and a.guild_id == G for a in asks)


# ---------------------------------------------------------------------------- triggers


def _match(score: float, stance: Stance) -> Match:
    return Match(
        claim_id=1,
        text="a stored claim",
        score=score,
        stance=stance,
        citation=Citation(source="Sample Wire", title="t", url="https://x.test/", quote="q"),
    )


def _result(verdict: Verdict, *matches: Match) -> CheckResult:
    return CheckResult(claim="a claim", verdict=verdict, matches=matches)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (_result(Verdict.DISPUTED, _match(0.9, Stance.CONFLICTS)), ["disputed"]),
        (
            _result(Verdict.MIXED, _match(0.9, Stance.AGREES), _match(0.8, Stance.CONFLICTS)),
            ["mixed"],
        ),
        (_result(Verdict.UNVERIFIED, _match(0.5, Stance.RELATED)), ["uncertain"]),
        (_result(Verdict.UNVERIFIED, _match(0.45, Stance.RELATED)), ["uncertain"]),
        (_result(Verdict.UNVERIFIED, _match(0.44, Stance.RELATED)), []),
        (_result(Verdict.UNVERIFIED, _match(0.7, Stance.RELATED)), []),
        (_result(Verdict.UNVERIFIED), []),
        (_result(Verdict.SUPPORTED, _match(0.6, Stance.AGREES)), []),
        (_result(Verdict.SUPPORTED, _match(0.6, Stance.AGREES), _match(0.5, Stance.RELATED)), []),
    ],
    ids=[
        "disputed",
        "mixed",
        "uncertain",
        "uncertain-at-suggest",
        "below-suggest",
        "at-sure",
        "no-matches",
        "supported",
        "supported-with-related",
    ],
)
def test_review_triggers(result: CheckResult, expected: list[str]) -> None:
    assert review_triggers(result, GuildConfig()) == expected


def test_the_uncertain_band_is_the_servers_own() -> None:
    result = _result(Verdict.UNVERIFIED, _match(0.5, Stance.RELATED))
    assert review_triggers(result, GuildConfig(suggest=0.2, sure=0.4)) == []
    assert review_triggers(result, GuildConfig(suggest=0.6, sure=0.9)) == []
    assert review_triggers(result, GuildConfig(suggest=0.3, sure=0.9)) == ["uncertain"]


async def test_review_answer_queues_disputed_and_unsure_answers_not_supported_ones(
    engine: Engine,
) -> None:
    guild = GuildConfig()
    ask = {"channel_id": 20, "message_id": 1}
    queued = await engine.review_answer(
        engine.check_text(DISPUTED, guild_id=G), guild, guild_id=G, ask=ask
    )
    assert [(i.triggers, new) for i, new in queued] == [(["disputed"], True)]
    unsure = engine.check_text(UNSURE, guild_id=G)
    assert unsure.verdict is Verdict.UNVERIFIED
    queued = await engine.review_answer(unsure, guild, guild_id=G, ask=ask)
    assert [i.triggers for i, _ in queued] == [["uncertain"]]
    supported = engine.check_text(SUPPORTED, guild_id=G)
    assert supported.verdict is Verdict.SUPPORTED
    assert await engine.review_answer(supported, guild, guild_id=G, ask=ask) == []
    assert len(await engine.review_list(guild_id=G)) == 2


# ---------------------------------------------------------------------------- verdict reuse


async def test_an_overridden_verdict_is_the_first_evidence_in_this_server_only(
    engine: Engine,
) -> None:
    before = engine.check_text(SUPPORTED, guild_id=G)
    assert before.verdict is Verdict.SUPPORTED and not moderator_matches(before)
    item, _ = await queue(engine, SUPPORTED, triggers=["sent by a moderator"])
    await engine.review_act(
        item.id,
        ReviewAction.OVERRIDE,
        guild_id=G,
        actor_id=5,
        verdict=ModeratorVerdict.FALSE,
        note="The ministry denied it",
        url="https://example.org/denial",
    )

    after = engine.check_text(SUPPORTED.lower() + ".", guild_id=G)
    first = after.matches[0]
    assert first.citation.source == MODERATOR_SOURCE_LABEL
    assert first.citation.review is not None and first.citation.review.rating == "False"
    assert first.citation.url == "https://example.org/denial"
    assert first.stance is Stance.CONFLICTS
    assert any("False" in n.text and MODERATOR_SOURCE_LABEL in n.text for n in first.notes)
    assert after.verdict is Verdict.DISPUTED  # the verdict follows the moderators

    for elsewhere in (engine.check_text(SUPPORTED, guild_id=OTHER), engine.check_text(SUPPORTED)):
        assert not moderator_matches(elsewhere)
        assert not any("moderators" in m.citation.source for m in elsewhere.matches)
        assert elsewhere.verdict is Verdict.SUPPORTED

    await engine.review_act(item.id, ReviewAction.REOPEN, guild_id=G, actor_id=5)
    withdrawn = engine.check_text(SUPPORTED, guild_id=G)
    assert not moderator_matches(withdrawn)
    assert withdrawn.verdict is Verdict.SUPPORTED


async def test_an_override_to_supported_turns_a_disputed_answer(engine: Engine) -> None:
    assert engine.check_text(DISPUTED, guild_id=G).verdict is Verdict.DISPUTED
    item, _ = await queue(engine, DISPUTED)
    await engine.review_act(
        item.id, ReviewAction.OVERRIDE, guild_id=G, actor_id=5, verdict=ModeratorVerdict.SUPPORTED
    )
    after = engine.check_text(DISPUTED, guild_id=G)
    assert after.matches[0].citation.source == MODERATOR_SOURCE_LABEL
    assert after.matches[0].stance is Stance.AGREES
    assert after.verdict is Verdict.SUPPORTED


async def test_a_confirmed_answer_is_reused_with_the_bots_verdict(engine: Engine) -> None:
    item, _ = await queue(engine, DISPUTED)
    await engine.review_act(item.id, ReviewAction.CONFIRM, guild_id=G, actor_id=5)
    after = engine.check_text(DISPUTED, guild_id=G)
    first = after.matches[0]
    assert first.citation.source == MODERATOR_SOURCE_LABEL
    assert first.citation.review is not None and first.citation.review.rating == "Disputed"
    assert after.verdict is Verdict.DISPUTED


async def test_a_moderator_verdict_does_not_rule_on_a_different_claim(engine: Engine) -> None:
    other = "France sends troops to Ukraine"
    before = engine.check_text(other, guild_id=G)
    assert before.verdict is not Verdict.DISPUTED
    item, _ = await queue(engine, DISPUTED)
    await engine.review_act(item.id, ReviewAction.CONFIRM, guild_id=G, actor_id=5)
    after = engine.check_text(other, guild_id=G)
    assert all(m.stance is Stance.RELATED for m in moderator_matches(after))
    assert after.verdict is before.verdict  # the answer is the sources' alone, as before


async def test_a_dismissed_item_is_not_evidence(engine: Engine) -> None:
    item, _ = await queue(engine, SUPPORTED)
    await engine.review_act(item.id, ReviewAction.DISMISS, guild_id=G, actor_id=5)
    assert not moderator_matches(engine.check_text(SUPPORTED, guild_id=G))


async def test_reopening_withdraws_the_verdict_even_after_the_card_was_reposted(
    engine: Engine,
) -> None:
    item, _ = await queue(engine, SUPPORTED)
    await engine.review_posted(item, channel_id=600, message_id=601)
    item = await engine.review_item(item.id, guild_id=G)
    resolved = await engine.review_act(
        item.id, ReviewAction.OVERRIDE, guild_id=G, actor_id=5, verdict=ModeratorVerdict.FALSE
    )
    # the card was deleted and the desk posted it again (ReviewDesk.publish on NotFound)
    await engine.review_posted(resolved, channel_id=600, message_id=602)
    await engine.review_act(item.id, ReviewAction.REOPEN, guild_id=G, actor_id=5)
    assert not moderator_matches(engine.check_text(SUPPORTED, guild_id=G))


# ---------------------------------------------------------------------------- export


async def _decided_store(engine: Engine) -> dict[str, ReviewItem]:
    """A server with an overridden, a confirmed, a dismissed, a reopened and an open item."""
    act = engine.review_act
    overridden, _ = await queue(engine, SUPPORTED)
    overridden = await act(
        overridden.id,
        ReviewAction.OVERRIDE,
        guild_id=G,
        actor_id=5,
        verdict=ModeratorVerdict.FALSE,
        note="The ministry denied it",
        url="https://example.org/denial",
    )
    confirmed, _ = await queue(engine, DISPUTED)
    await engine.review_posted(confirmed, channel_id=700, message_id=701)
    confirmed = await act(confirmed.id, ReviewAction.CONFIRM, guild_id=G, actor_id=6)
    dismissed, _ = await queue(engine, "North Korea's armed forces number about 1.2 million")
    await act(dismissed.id, ReviewAction.DISMISS, guild_id=G, actor_id=6)
    reopened, _ = await queue(
        engine, "Medvedev said troops from NATO countries are welcome as peacekeepers"
    )
    await act(reopened.id, ReviewAction.CONFIRM, guild_id=G, actor_id=6)
    await act(reopened.id, ReviewAction.REOPEN, guild_id=G, actor_id=6)
    await queue(engine, UNSURE)
    elsewhere, _ = await queue(engine, SUPPORTED, guild=OTHER)
    await act(elsewhere.id, ReviewAction.CONFIRM, guild_id=OTHER, actor_id=9)
    return {"overridden": overridden, "confirmed": confirmed}


def _assert_claimreview(obj: dict[str, Any]) -> None:
    assert obj["@context"] in ("https://schema.org", "http://schema.org", "https://schema.org/")
    assert obj["@type"] == "ClaimReview"
    assert isinstance(obj["claimReviewed"], str) and obj["claimReviewed"].strip()
    rating = obj["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating["alternateName"] in {v.value for v in ModeratorVerdict}
    assert obj["author"]["@type"] == "Organization" and obj["author"]["name"].strip()
    assert date.fromisoformat(obj["datePublished"]) <= datetime.now(UTC).date()
    assert isinstance(obj["url"], str) and obj["url"]
    json.dumps(obj)  # plain JSON


async def test_export_gives_valid_claimreview_objects_for_resolved_items_only(
    engine: Engine,
) -> None:
    decided = await _decided_store(engine)
    reviews = engine.export_claimreview(G)
    assert [r["claimReviewed"] for r in reviews] == [SUPPORTED, DISPUTED]
    for r in reviews:
        _assert_claimreview(r)
        assert str(G) in r["author"]["name"]
    overridden, confirmed = reviews
    assert overridden["reviewRating"]["alternateName"] == "False"
    assert overridden["url"] == "https://example.org/denial"
    assert overridden["reviewBody"] == "The ministry denied it"
    assert overridden["datePublished"] == decided["overridden"].decided_at.date().isoformat()  # type: ignore[union-attr]
    assert confirmed["reviewRating"]["alternateName"] == "Disputed"
    assert confirmed["url"] == f"https://discord.com/channels/{G}/700/701"
    assert len({r["identifier"] for r in reviews}) == 2
    assert [r["claimReviewed"] for r in engine.export_claimreview(OTHER)] == [SUPPORTED]
    assert len(engine.export_claimreview()) == 3
    assert engine.export_claimreview(999) == []


async def test_exported_claimreviews_parse_as_json_ld_and_read_back(engine: Engine) -> None:
    await _decided_store(engine)
    reviews = engine.export_claimreview(G)
    scripts = "\n".join(
        f'<script type="application/ld+json">{json.dumps(r, ensure_ascii=False)}</script>'
        for r in reviews
    )
    html = (
        "<!doctype html><html><head><title>Moderator verdicts</title>"
        f"{scripts}</head><body><p>Verdicts of this server's moderators.</p></body></html>"
    )
    base = "https://crosscheck.example/reviews"
    data = extruct.extract(html, base_url=base, syntaxes=["json-ld"], uniform=True)
    assert data["json-ld"] == reviews
    # an array in one script tag is JSON-LD too
    array = f'<script type="application/ld+json">{json.dumps(reviews)}</script>'
    data = extruct.extract(f"<html><head>{array}</head></html>", syntaxes=["json-ld"])
    assert data["json-ld"] == reviews

    back = claim_reviews(html, base)
    assert [(b.claim_reviewed, b.rating, b.url, b.date) for b in back] == [
        (
            r["claimReviewed"],
            r["reviewRating"]["alternateName"],
            r["url"],
            r["datePublished"],
        )
        for r in reviews
    ]
    assert {b.reviewer for b in back} == {f"Moderators of Discord server {G}"}
    assert [b.truth for b in back] == [-1, -1]  # "False" and "Disputed" both say: not so


# ---------------------------------------------------------------------------- CLI


async def _cli(*args: str, cwd: Path) -> CliResult:
    return await asyncio.to_thread(invoke, *args, cwd=cwd, columns=250)


async def test_cli_exports_the_same_claimreviews(engine: Engine, db: Path, tmp_path: Path) -> None:
    await _decided_store(engine)
    base = ("--db", str(db), "--sources", str(SOURCES), "review", "export")
    r = await _cli(*base, "--format", "claimreview", "--guild", str(G), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == engine.export_claimreview(G)
    out = tmp_path / "reviews.jsonld"
    r = await _cli(*base, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == engine.export_claimreview()
    assert "3 ClaimReview" in r.stderr
    r = await _cli(*base, "--format", "csv", cwd=tmp_path)
    assert r.returncode != 0


async def test_cli_lists_the_queue(engine: Engine, db: Path, tmp_path: Path) -> None:
    decided = await _decided_store(engine)
    base = ("--db", str(db), "--sources", str(SOURCES), "review", "list")
    r = await _cli(*base, "--guild", str(G), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    items = await engine.review_list(guild_id=G)
    assert len(items) == 5
    for i in items:
        line = next(ln for ln in r.stdout.splitlines() if re.match(rf"\W*{i.id}\s*│", ln))
        assert i.state.value in line and i.claim[:40] in line
    assert str(OTHER) not in r.stdout

    r = await _cli(*base, "--guild", str(G), "--state", "resolved", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert SUPPORTED in r.stdout and DISPUTED in r.stdout and UNSURE not in r.stdout
    assert "False" in r.stdout  # the moderators' verdict column
    assert str(decided["overridden"].id) in r.stdout

    r = await _cli(*base, "--guild", "999", cwd=tmp_path)
    assert r.returncode == 0 and "empty" in r.stdout
