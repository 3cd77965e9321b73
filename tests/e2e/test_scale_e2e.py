"""Scale-out, whole processes: `crosscheck bot` on a PostgreSQL store, restarted, keeps its
persistent buttons working (an answer's Sources button and a review card's Confirm);
`crosscheck bot --shard-ids … --shard-count …` identifies as that shard and answers; bad shard
arguments are one clear line.

Discord is the loopback stand-in (``discord_standin.py``); the store is a fresh PostgreSQL schema
(skipped, saying why, without a server), dropped in ``finally``. Every wait is bounded and every
process is killed in a ``finally``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import child_env, run_cli_async, start_cli
from pg import drop_schema, new_dsn, requires_pg

from checks.engine import Engine
from checks.models import GuildConfig, ReviewState
from checks.sources.config import load_sources
from checks.store.postgres import PostgresStore

from .discord_standin import (
    MODERATOR_PERMISSIONS,
    OP_IDENTIFY,
    DiscordStandIn,
    RecordedRequest,
    StandInGuild,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "crosscheck-scale-token"
DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
GUILD = StandInGuild()
REVIEW_CHANNEL = 1_100_000_000_000_000_102
STEP = 15.0  # seconds any single wait may take
EPHEMERAL = 1 << 6


def base_env(**extra: str) -> dict[str, str]:
    env = child_env(ingest_every="0", web_port="0")
    env.update(extra)
    return env


@pytest.fixture
def dsn(workdir: Path) -> Iterator[str]:
    """A fresh schema with the samples ingested and the guild's review channel set."""
    d = new_dsn("cc_test_e2e")
    try:
        engine = Engine(PostgresStore(d), load_sources(workdir / "sources.yaml"))
        try:
            assert engine.ingest().added > 0
            engine.store.put_guild(GUILD.id, GuildConfig(review_channel=REVIEW_CHANNEL))
        finally:
            engine.close()
        yield d
    finally:
        drop_schema(d)


@contextlib.asynccontextmanager
async def bot_process(
    workdir: Path, db: str, env: dict[str, str], *args: str, name: str = "bot"
) -> AsyncIterator[asyncio.subprocess.Process]:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        proc = await start_cli(
            "--db",
            db,
            "--sources",
            str(workdir / "sources.yaml"),
            "bot",
            *args,
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        yield proc
    except BaseException:
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        raise
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def stop(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), STEP)


async def answer_of(standin: DiscordStandIn, sent: dict[str, Any]) -> RecordedRequest:
    """The deferred callback of a /check, then the follow-up that carries the answer."""
    callback = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert callback.status == 200, callback.response
    assert callback.json["type"] == 5
    follow = await standin.wait_for_request(standin.followup_for(sent), STEP)
    assert follow.status == 200, follow.response
    return follow


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def identified(standin: DiscordStandIn, count: int) -> dict[str, Any]:
    """The ``count``-th IDENTIFY's payload, once the session it opened is ready."""

    def identifies() -> list[Any]:
        return [f for f in standin.frames if f.op == OP_IDENTIFY]

    await standin.wait_for_frame(lambda _: len(identifies()) >= count, STEP)
    frame = identifies()[count - 1]
    conn = await standin.wait_for_session(STEP)
    assert conn.number == frame.connection
    return frame.d


# --------------------------------------------------------------------------- restart


@requires_pg
async def test_a_restarted_bot_on_postgresql_keeps_its_buttons_working(
    workdir: Path, dsn: str
) -> None:
    async with DiscordStandIn(token=TOKEN) as standin:
        env = base_env(**standin.env(), CROSSCHECK_DISCORD_TOKEN=TOKEN)

        # the first process answers a /check and posts the review card
        async with bot_process(workdir, dsn, env, name="bot1") as bot:
            await asyncio.wait_for(identified(standin, 1), STEP)
            sent = await standin.send_interaction("check", {"claim": DISPUTED}, timeout=STEP)
            follow = await answer_of(standin, sent)
            assert "Disputed" in follow.json["embeds"][0]["title"]
            answer_msg = follow.response
            sources_id = next(
                c for c in custom_ids(answer_msg) if c.startswith("crosscheck:answer:sources:")
            )
            answer_id = int(sources_id.rsplit(":", 1)[1])
            card_req = await standin.wait_for_request(
                lambda r: r.method == "POST" and r.path == f"/channels/{REVIEW_CHANNEL}/messages",
                STEP,
            )
            card = card_req.response
            confirm_id = next(
                c for c in custom_ids(card) if c.startswith("crosscheck:review:confirm:")
            )
            item_id = int(confirm_id.rsplit(":", 1)[1])
            assert await stop(bot) == 0

        store = PostgresStore(dsn)  # what the first process left in PostgreSQL
        try:
            stored = store.get_answer(answer_id)
            assert stored is not None and stored.claim == DISPUTED
            item = store.review_get(item_id)
            assert item is not None and item.state is ReviewState.OPEN
            assert item.post_message_id == int(card["id"])
        finally:
            store.close()

        # a new process, the same database: the old buttons still work
        async with bot_process(workdir, dsn, env, name="bot2") as bot:
            await asyncio.wait_for(identified(standin, 2), STEP)
            click = await standin.send_component(sources_id, message=answer_msg, timeout=STEP)
            callback = await standin.wait_for_request(standin.callback_for(click), STEP)
            assert callback.status == 200, callback.response
            assert callback.json["type"] == 4
            data = callback.json["data"]
            assert data["flags"] & EPHEMERAL, "the Sources view is for the one who asked"
            (embed,) = data["embeds"]
            assert embed["title"] == f"Sources for: {DISPUTED}"
            assert embed.get("fields"), embed

            # and a moderator decides from the card posted before the restart
            press = await standin.send_component(
                confirm_id, message=card, permissions=MODERATOR_PERMISSIONS, timeout=STEP
            )
            ack = await standin.wait_for_request(standin.callback_for(press), STEP)
            assert ack.status == 200, ack.response
            done = await standin.wait_for_request(standin.followup_for(press), STEP)
            assert f"Review #{item_id} is now" in (done.json.get("content") or ""), done.json
            assert await stop(bot) == 0

    store = PostgresStore(dsn)
    try:
        item = store.review_get(item_id)
        assert item is not None
        assert item.state is ReviewState.RESOLVED and item.decided_by == standin.user_id
    finally:
        store.close()


# --------------------------------------------------------------------------- shards


@requires_pg
async def test_a_sharded_bot_process_connects_and_answers(workdir: Path, dsn: str) -> None:
    async with DiscordStandIn(token=TOKEN) as standin:
        env = base_env(**standin.env(), CROSSCHECK_DISCORD_TOKEN=TOKEN)
        async with bot_process(
            workdir, dsn, env, "--shard-ids", "0", "--shard-count", "1", "--no-ingest"
        ) as bot:
            identify = await asyncio.wait_for(identified(standin, 1), STEP)
            assert identify["shard"] == [0, 1]
            # (with --shard-count given discord.py dials its default gateway, which the process
            # points at the stand-in; only an automatic shard count asks GET /gateway/bot)
            sent = await standin.send_interaction("check", {"claim": DISPUTED}, timeout=STEP)
            follow = await answer_of(standin, sent)
            assert "Disputed" in follow.json["embeds"][0]["title"]
            assert await stop(bot) == 0


async def crosscheck(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    r = await run_cli_async(*args, cwd=cwd, env=env)
    return r.returncode, r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--shard-ids", "5", "--shard-count", "2"), "shard ids must be between 0 and 1; got [5]"),
        (("--shard-ids", "0,1"), "give --shard-ids and --shard-count together"),
        (("--shard-count", "4"), "give --shard-ids and --shard-count together"),
    ],
    ids=["out-of-range", "ids-only", "count-only"],
)
async def test_bad_shard_arguments_are_one_clear_line(
    workdir: Path, args: tuple[str, ...], message: str
) -> None:
    env = base_env(CROSSCHECK_DISCORD_TOKEN=TOKEN)
    code, err = await crosscheck("--db", "crosscheck.db", "bot", *args, cwd=workdir, env=env)
    assert code == 1, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [f"crosscheck: error: {message}"], err
