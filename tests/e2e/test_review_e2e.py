"""The review queue end to end: the real `crosscheck bot` process against the loopback stand-in.

One item goes from a disputed `/check` to a moderator's decision: the card is posted to the
server's review channel, a member's Dispute (modal) redraws it, a moderator's Confirm resolves
it, the bot follows up once in the channel where the claim was asked and edits its answer to
point there. Then the queue survives a restart: a new process against the same store handles a
button of a card posted by the old one, and re-posts a card deleted while it was down.

Every wait is bounded (STEP), each test body runs under BUDGET, and every process is killed in a
``finally``. Assertions are on the REST requests the stand-in recorded, not on bot internals.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import child_env, start_cli

from checks.models import GuildConfig
from checks.store.sqlite import SQLiteStore

from .discord_standin import (
    MODERATOR_PERMISSIONS,
    OP_IDENTIFY,
    DiscordStandIn,
    RecordedRequest,
    StandInGuild,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "crosscheck-review-e2e-token"
STEP = 15.0  # seconds any single wait may take (the first READY alone takes ~2 s)
BUDGET = 50.0  # seconds a whole test body may take

GUILD = StandInGuild()
GENERAL, REVIEW = (
    next(c for c, name in GUILD.text_channels.items() if name == wanted)
    for wanted in ("general", "crosscheck-review")
)
MOD_ID = 1_300_000_000_000_000_777
OTHER_MOD_ID = 1_300_000_000_000_000_778
DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
ALSO_DISPUTED = "Medvedev said troops from NATO countries are welcome as peacekeepers"
REVIEW_ID = re.compile(r"crosscheck:review:(confirm|override|dismiss|assign):(\d+)")
EPHEMERAL = 1 << 6


# ---------------------------------------------------------------------------- the process


def base_env(**extra: str) -> dict[str, str]:
    env = child_env(columns=None, ingest_every="0")
    env.update(extra)
    return env


@pytest.fixture
def workdir(ingested: Path) -> Path:
    """The ingested samples (conftest), their server's review channel set before the bot starts."""
    store = SQLiteStore(ingested / "crosscheck.db")
    try:
        store.put_guild(GUILD.id, GuildConfig(review_channel=REVIEW))
    finally:
        store.close()
    return ingested


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return (
            self.stdout.read_text(errors="replace") + "\n" + self.stderr.read_text(errors="replace")
        )

    async def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 10)


@contextlib.asynccontextmanager
async def bot_process(
    workdir: Path, standin: DiscordStandIn, name: str = "bot"
) -> AsyncIterator[BotProcess]:
    env = base_env(**standin.env(), CROSSCHECK_DISCORD_TOKEN=TOKEN)
    out, err = workdir / f"{name}.out", workdir / f"{name}.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = await start_cli(
            "--db",
            str(workdir / "crosscheck.db"),
            "--sources",
            str(workdir / "sources.yaml"),
            "bot",
            cwd=workdir,
            env=env,
            stdout=o,
            stderr=e,
        )
    bot = BotProcess(proc, out, err)
    try:
        yield bot
    except BaseException:
        print(f"--- {name} output ---\n{bot.output()}")  # shown by pytest on failure
        raise
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


# ---------------------------------------------------------------------------- helpers


def components(payload: dict[str, Any] | None) -> list[dict[str, Any]]:
    rows = (payload or {}).get("components") or []
    return [c for row in rows for c in row.get("components", [])]


def custom_ids(payload: dict[str, Any] | None) -> list[str]:
    return [c["custom_id"] for c in components(payload) if "custom_id" in c]


def embed_text(payload: dict[str, Any] | None) -> str:
    parts = []
    for e in (payload or {}).get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        for f in e.get("fields") or []:
            parts += [f.get("name") or "", f.get("value") or ""]
    return "\n".join(parts)


def card_post(item_id: int | None = None) -> Any:
    """Predicate: a review card posted to the review channel (for this item, if given)."""

    def match(r: RecordedRequest) -> bool:
        if r.method != "POST" or r.path != f"/channels/{REVIEW}/messages":
            return False
        ids = [REVIEW_ID.fullmatch(c) for c in custom_ids(r.json)]
        return bool(ids) and (item_id is None or all(m and int(m[2]) == item_id for m in ids))

    return match


def card_of(req: RecordedRequest) -> tuple[int, str]:
    """(item id, message id) of a posted card."""
    ids = custom_ids(req.json)
    assert [REVIEW_ID.fullmatch(c)[1] for c in ids] == [  # type: ignore[index]
        "confirm",
        "override",
        "dismiss",
        "assign",
    ], ids
    (item,) = {int(REVIEW_ID.fullmatch(c)[2]) for c in ids}  # type: ignore[index]
    return item, req.response["id"]


async def settle(standin: DiscordStandIn, quiet: float = 0.7, limit: float = STEP) -> None:
    """Wait until the bot has sent nothing for ``quiet`` seconds (its work after an answer)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    seen = -1
    while len(standin.requests) != seen and loop.time() < end:
        seen = len(standin.requests)
        await asyncio.sleep(quiet)
    assert len(standin.requests) == seen, "the bot never went quiet"


async def check(standin: DiscordStandIn, claim: str) -> tuple[int, str, RecordedRequest]:
    """A member's /check: (answer id, answer message id, the review card request)."""
    sent = await standin.send_interaction("check", {"claim": claim}, timeout=STEP)
    callback = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert callback.status == 200 and callback.json["type"] == 5
    follow = await standin.wait_for_request(standin.followup_for(sent), STEP)
    assert follow.status == 200, follow.response
    assert "Disputed" in embed_text(follow.json)
    dispute = next(c for c in custom_ids(follow.json) if c.startswith("crosscheck:answer:dispute"))
    answer_id = int(dispute.rsplit(":", 1)[1])
    card = await standin.wait_for_request(
        lambda r: card_post()(r) and claim in embed_text(r.json), STEP
    )
    assert card.status == 200
    assert card.json["allowed_mentions"] == {"parse": []}
    return answer_id, follow.response["id"], card


async def press(
    standin: DiscordStandIn,
    custom_id: str,
    message: str | dict[str, Any],
    *,
    user_id: int = MOD_ID,
    permissions: int = MODERATOR_PERMISSIONS,
) -> tuple[RecordedRequest, RecordedRequest | None]:
    """A button press: the callback and, when deferred, the follow-up."""
    sent = await standin.send_component(
        custom_id, message=message, user_id=user_id, permissions=permissions, timeout=STEP
    )
    callback = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert callback.status == 200, callback.response
    if callback.json["type"] != 5:
        return callback, None
    follow = await standin.wait_for_request(standin.followup_for(sent), STEP)
    return callback, follow


# ---------------------------------------------------------------------------- tests


async def test_a_disputed_answer_goes_from_the_queue_to_a_followed_up_resolution(
    workdir: Path,
) -> None:
    async with (
        DiscordStandIn(token=TOKEN) as standin,
        bot_process(workdir, standin) as bot,
    ):
        await asyncio.wait_for(_resolve_one(standin, bot), BUDGET)


async def _resolve_one(standin: DiscordStandIn, bot: BotProcess) -> None:
    await standin.wait_for_session(STEP)

    # a claim that cannot be checked: the command tree's error handler tells the asker alone
    sent = await standin.send_interaction("check", {"claim": "!!! ???"}, timeout=STEP)
    refused = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert refused.json["type"] == 4, "answered at once, never deferred"
    assert refused.json["data"]["flags"] & EPHEMERAL
    assert "no words" in refused.json["data"]["content"]
    assert "\n" not in refused.json["data"]["content"] and not refused.json["data"].get("embeds")

    # a member checks a claim the sources dispute: answer, and a card for moderators
    answer_id, answer_mid, card = await check(standin, DISPUTED)
    item, card_mid = card_of(card)
    assert embed_text(card.json).startswith(f"Review #{item} · Open")

    # the member disputes the answer with a reason
    callback, _ = await press(
        standin,
        f"crosscheck:answer:dispute:{answer_id}",
        answer_mid,
        user_id=standin.user_id,
        permissions=int(MODERATOR_PERMISSIONS & ~(1 << 13)),
    )
    assert callback.json["type"] == 9, "the dispute button opens a modal"
    modal = callback.json["data"]
    reason_id = components(modal)[0]["custom_id"]
    sent = await standin.send_modal_submit(
        modal["custom_id"],
        {reason_id: "Officials said 10,000, not 25,000"},
        channel_id=GENERAL,
        timeout=STEP,
    )
    thanks = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert thanks.json["data"]["flags"] & EPHEMERAL
    redrawn = await standin.wait_for_request(
        lambda r: (
            r.method == "PATCH"
            and r.path == f"/channels/{REVIEW}/messages/{card_mid}"
            and "Officials said 10,000" in embed_text(r.json)
        ),
        STEP,
    )
    assert "Dispute reasons (1)" in embed_text(redrawn.json)
    assert len(custom_ids(redrawn.json)) == 4, "still pending: the buttons stay"

    # an ordinary member cannot decide
    refused, _ = await press(
        standin,
        f"crosscheck:review:confirm:{item}",
        card_mid,
        user_id=standin.user_id,
        permissions=int(MODERATOR_PERMISSIONS & ~(1 << 13)),
    )
    assert refused.json["type"] == 4
    assert refused.json["data"]["flags"] & EPHEMERAL
    assert "Only moderators" in refused.json["data"]["content"]

    # a moderator confirms (another still sees the card with its buttons)
    stale_card = copy.deepcopy(standin.messages[card_mid])
    callback, done = await press(standin, f"crosscheck:review:confirm:{item}", card_mid)
    assert callback.json["type"] == 5 and callback.json["data"]["flags"] & EPHEMERAL
    assert done is not None and done.json["content"] == f"Review #{item} is now **Resolved**."
    assert done.json["flags"] & EPHEMERAL

    # the follow-up where the claim was asked: once, replying to the answer, pinging nobody
    follow_ups = standin.requests_to("POST", rf"/channels/{GENERAL}/messages")
    assert len(follow_ups) == 1
    (reply,) = follow_ups
    assert reply.json["content"].startswith("Moderators reviewed this: **Disputed**")
    assert str(reply.json["message_reference"]["message_id"]) == answer_mid
    assert reply.json["allowed_mentions"] == {"parse": []}
    pointed = standin.requests_to("PATCH", rf"/channels/{GENERAL}/messages/{answer_mid}")
    assert len(pointed) == 1
    assert "Moderators reviewed this" in embed_text(pointed[0].json)
    assert reply.response["id"] in embed_text(pointed[0].json), "the answer links to the reply"
    assert "Moderators reviewed this" in embed_text(standin.messages[answer_mid])
    # the card shows the decision and has no buttons left
    card_now = standin.messages[card_mid]
    assert f"Review #{item} · Resolved" in embed_text(card_now)
    assert custom_ids(card_now) == []

    # a second moderator pressing late changes nothing and is told so, and no second follow-up
    callback, late = await press(
        standin, f"crosscheck:review:dismiss:{item}", stale_card, user_id=OTHER_MOD_ID
    )
    assert late is not None and late.json["flags"] & EPHEMERAL
    assert "Dismissed" not in late.json["content"]
    assert len(standin.requests_to("POST", rf"/channels/{GENERAL}/messages")) == 1
    assert len(standin.requests_to("PATCH", rf"/channels/{GENERAL}/messages/{answer_mid}")) == 1

    # the same claim asked again is answered with the moderators' verdict first
    sent = await standin.send_interaction("check", {"claim": DISPUTED}, timeout=STEP)
    again = await standin.wait_for_request(standin.followup_for(sent), STEP)
    assert "Reviewed by this server's moderators" in embed_text(again.json)
    await settle(standin)

    assert await bot.stop() == 0
    assert "Traceback" not in bot.output()


async def test_the_queue_survives_a_restart(workdir: Path) -> None:
    async with DiscordStandIn(token=TOKEN) as standin:
        await asyncio.wait_for(_restart(workdir, standin), BUDGET)


async def _restart(workdir: Path, standin: DiscordStandIn) -> None:
    async with bot_process(workdir, standin, "first") as first:
        await standin.wait_for_session(STEP)
        _, _, kept = await check(standin, DISPUTED)
        _, _, lost = await check(standin, ALSO_DISPUTED)
        await settle(standin)
        assert await first.stop() == 0
    kept_item, kept_mid = card_of(kept)
    lost_item, lost_mid = card_of(lost)
    assert kept_item != lost_item
    connections = max(f.connection for f in standin.frames)

    # while no bot runs, a moderator deletes one card
    del standin.messages[lost_mid]
    seen = len(standin.requests)
    old = {id(r) for r in standin.requests}

    def new(r: RecordedRequest) -> bool:
        return id(r) not in old

    async with bot_process(workdir, standin, "second") as second:
        await standin.wait_for_frame(
            lambda f: f.op == OP_IDENTIFY and f.connection > connections, STEP
        )
        # start-up reconciliation: the deleted card is posted again, the kept one left alone
        reposted = await standin.wait_for_request(
            lambda r: new(r) and card_post(lost_item)(r), STEP
        )
        new_item, new_mid = card_of(reposted)
        assert new_item == lost_item and new_mid != lost_mid
        assert ALSO_DISPUTED in embed_text(reposted.json)
        checked = await standin.wait_for_request(
            lambda r: (
                new(r) and r.method == "GET" and r.path == f"/channels/{REVIEW}/messages/{kept_mid}"
            ),
            STEP,
        )
        assert checked.status == 200, "the kept card is looked at, found, and left alone"
        assert not [r for r in standin.requests[seen:] if card_post(kept_item)(r)]

        # a button on a card the old process posted still works in the new one
        callback, done = await press(standin, f"crosscheck:review:dismiss:{kept_item}", kept_mid)
        assert callback.json["type"] == 5
        assert done is not None and done.json["content"] == (
            f"Review #{kept_item} is now **Dismissed**."
        )
        await standin.wait_for_request(
            lambda r: (
                r.method == "PATCH"
                and r.path == f"/channels/{REVIEW}/messages/{kept_mid}"
                and "Dismissed" in embed_text(r.json)
            ),
            STEP,
        )
        # and so does one on the re-posted card
        _, done = await press(standin, f"crosscheck:review:assign:{lost_item}", new_mid)
        assert done is not None and done.json["content"] == (
            f"Review #{lost_item} is now **In review**."
        )
        assert f"<@{MOD_ID}>" in embed_text(standin.messages[new_mid])
        assert await second.stop() == 0
        assert "Traceback" not in first.output() + second.output()

    store = SQLiteStore(workdir / "crosscheck.db")
    try:
        kept_now, lost_now = store.review_get(kept_item), store.review_get(lost_item)
    finally:
        store.close()
    assert kept_now is not None and kept_now.state.value == "dismissed"
    assert kept_now.decided_by == MOD_ID
    assert lost_now is not None and lost_now.state.value == "in_review"
    assert lost_now.post_message_id == int(new_mid)


async def test_a_sigterm_while_a_card_is_being_posted_lets_the_post_finish(workdir: Path) -> None:
    async with DiscordStandIn(token=TOKEN) as standin:
        requested = asyncio.Event()
        post_message = standin._post_message

        async def slow_post(rec: RecordedRequest, cid: str) -> tuple[int, Any]:
            if int(cid) == REVIEW:
                requested.set()
                await asyncio.sleep(1.5)  # Discord is slow to post the card
            return await post_message(rec, cid)

        standin._routes = [
            (m, rx, slow_post if h == post_message else h) for m, rx, h in standin._routes
        ]
        async with bot_process(workdir, standin) as bot:
            await standin.wait_for_session(STEP)
            await standin.send_interaction("check", {"claim": DISPUTED}, timeout=STEP)
            await asyncio.wait_for(requested.wait(), STEP)
            code = await bot.stop()
            output = bot.output()
        store = SQLiteStore(workdir / "crosscheck.db")
        try:
            (item,) = store.review_list()
        finally:
            store.close()
        cards = standin.requests_to("POST", rf"/channels/{REVIEW}/messages")
        assert code == 0
        assert [c.status for c in cards] == [200], "the card post was answered"
        assert item.post_message_id == int(cards[0].response["id"]), "the card was recorded"
        assert "Traceback" not in output
