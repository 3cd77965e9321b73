"""The loopback Discord stand-in drives a real discord.py bot: login, READY, slash and
context-menu commands, buttons, modals, follow-ups, a dropped socket and RESUME.

These prove the fixture (tests/e2e/discord_standin.py) before the real bot's e2e tests rely on it.
Every wait is bounded (STEP), and each test body runs under a BUDGET, so a hang fails fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord
import pytest
from discord.ext import commands

from .discord_standin import (
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RESUME,
    DiscordStandIn,
)

pytestmark = pytest.mark.e2e

TOKEN = "test-token"
STEP = 5.0  # seconds any single wait may take
BUDGET = 15.0  # seconds a whole test body may take


def within(seconds: float) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Any]]:
    """Fail a test body that runs longer than `seconds` instead of blocking CI."""

    def decorate(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.wait_for(fn(*args, **kwargs), seconds)

        return wrapper

    return decorate


class ClaimForm(discord.ui.Modal, title="Check a claim"):
    claim = discord.ui.TextInput(label="Claim", custom_id="standin:claim")

    def __init__(self) -> None:
        super().__init__(custom_id="standin:form")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content=f"checked: {self.claim.value}")


class OpenForm(discord.ui.View):
    """A persistent view: its button survives restarts because it has a fixed custom_id."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Open form", custom_id="standin:open")
    async def open_form(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await interaction.response.send_modal(ClaimForm())


class StandInBot(commands.Bot):
    """A tiny bot: /ping, /echo (defer + follow-up), a message context menu, a button, a modal."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.1,  # on_ready waits this long after the last GUILD_CREATE
        )
        self.resumed = asyncio.Event()

        @self.tree.command(name="ping", description="Answer pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @self.tree.command(name="echo", description="Defer, then echo in a follow-up")
        async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
            await interaction.response.defer(ephemeral=True)
            await interaction.followup.send(" ".join([text] * times), ephemeral=True)

        @self.tree.context_menu(name="Check claim")
        async def check_claim(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"claim: {message.content}", view=OpenForm())

    async def setup_hook(self) -> None:
        self.add_view(OpenForm())

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every IDENTIFY but the first; not needed on loopback."""


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(token=TOKEN) as server:
        with server.patch_discord():
            yield server


@pytest.fixture
async def bot(standin: DiscordStandIn) -> AsyncIterator[StandInBot]:
    client = StandInBot()
    await asyncio.wait_for(client.login(TOKEN), STEP)
    runner = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), STEP)
        yield client
    finally:
        await asyncio.wait_for(client.close(), STEP)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(runner, STEP)


async def ping_and_expect_pong(standin: DiscordStandIn) -> None:
    sent = await standin.send_interaction("ping")
    callback = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert callback.status == 200
    assert callback.query == {"with_response": "1"}
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "pong"
    assert callback.json["data"]["allowed_mentions"] == {"parse": []}


@within(BUDGET)
async def test_bot_logs_in_identifies_and_sees_the_guild(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    paths = [(r.method, r.path) for r in standin.requests]
    assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert all(r.headers["Authorization"] == f"Bot {TOKEN}" for r in standin.requests[:2])
    identify = await standin.wait_for_frame(lambda f: f.op == OP_IDENTIFY, STEP)
    assert identify.d["token"] == TOKEN
    assert any(f.op == OP_HEARTBEAT for f in standin.frames), "a heartbeat follows HELLO at once"
    assert any(p["op"] == OP_HEARTBEAT_ACK for _, p in standin.sent_frames)
    assert bot.user is not None and bot.user.id == standin.bot_id
    assert bot.application_id == standin.application_id
    guild = bot.get_guild(standin.guilds[0].id)
    assert guild is not None and guild.me is not None
    assert [c.name for c in guild.text_channels] == ["general", "crosscheck-review"]


@within(BUDGET)
async def test_slash_command_is_answered_with_pong_and_no_mentions(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    await ping_and_expect_pong(standin)


@within(BUDGET)
async def test_command_sync_echoes_commands_with_ids(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    synced = await asyncio.wait_for(bot.tree.sync(), STEP)
    assert {c.name for c in synced} == {"ping", "echo", "Check claim"}
    put = standin.requests_to("PUT", rf"/applications/{standin.application_id}/commands")
    assert len(put) == 1 and {c["name"] for c in put[0].json} == {"ping", "echo", "Check claim"}
    sent = await standin.send_interaction("ping")
    assert sent["data"]["id"] == str(next(c.id for c in synced if c.name == "ping"))
    await standin.wait_for_request(standin.callback_for(sent), STEP)


@within(BUDGET)
async def test_deferred_command_answers_in_an_ephemeral_follow_up(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    sent = await standin.send_interaction("echo", {"text": "hi", "times": 2})
    defer = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert defer.json == {"type": 5, "data": {"flags": 64}}
    follow = await standin.wait_for_request(standin.followup_for(sent), STEP)
    assert follow.method == "POST" and "wait" in follow.query
    assert follow.json["content"] == "hi hi" and follow.json["flags"] == 64


@within(BUDGET)
async def test_context_menu_button_and_modal_round_trip(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    target = standin.message_payload("The UK will send 25,000 troops")
    menu = await standin.send_message_command("Check claim", target)
    answer = await standin.wait_for_request(standin.callback_for(menu), STEP)
    assert answer.json["data"]["content"] == "claim: The UK will send 25,000 troops"
    button = answer.json["data"]["components"][0]["components"][0]
    assert button["custom_id"] == "standin:open"

    click = await standin.send_component(
        "standin:open", message=answer.response["resource"]["message"]
    )
    modal = await standin.wait_for_request(standin.callback_for(click), STEP)
    assert modal.json["type"] == 9 and modal.json["data"]["custom_id"] == "standin:form"

    submit = await standin.send_modal_submit("standin:form", {"standin:claim": "40,000 troops"})
    assert (await standin.wait_for_request(standin.callback_for(submit), STEP)).json["type"] == 5
    edit = await standin.wait_for_request(
        lambda r: standin.followup_for(submit)(r) and r.method == "PATCH", STEP
    )
    assert edit.path.endswith("/messages/@original")
    assert edit.json["content"] == "checked: 40,000 troops"


@within(BUDGET)
async def test_channel_message_with_a_file_is_decoded_from_multipart(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    channel = bot.get_channel(standin.guilds[0].first_channel_id)
    assert isinstance(channel, discord.TextChannel)
    file = discord.File(__file__, filename="evidence.txt")
    message = await asyncio.wait_for(channel.send("see attached", file=file), STEP)
    post = standin.requests_to("POST", rf"/channels/{channel.id}/messages")[-1]
    assert post.json["content"] == "see attached"
    assert post.files[0]["filename"] == "evidence.txt" and post.files[0]["size"] > 0
    assert message.attachments[0].filename == "evidence.txt"
    edited = await asyncio.wait_for(message.edit(content="updated"), STEP)
    assert edited.content == "updated" == standin.messages[str(message.id)]["content"]


@within(BUDGET)
async def test_dropped_socket_resumes_and_keeps_answering(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    await ping_and_expect_pong(standin)
    session_id, last_seq = bot.ws.session_id, bot.ws.sequence

    await standin.drop_connections()

    resume = await standin.wait_for_frame(lambda f: f.op == OP_RESUME, STEP)
    assert resume.d == {"session_id": session_id, "seq": last_seq, "token": TOKEN}
    assert resume.path == "/gateway", "the client resumes on resume_gateway_url"
    await asyncio.wait_for(bot.resumed.wait(), STEP)
    assert bot.ws.sequence == last_seq + 1, "RESUMED carries the next sequence number"
    assert sum(f.op == OP_IDENTIFY for f in standin.frames) == 1, "resumed, not re-identified"

    await ping_and_expect_pong(standin)


@within(BUDGET)
async def test_refused_resume_makes_the_bot_identify_again(
    standin: DiscordStandIn, bot: StandInBot
) -> None:
    await standin.drop_connections(resumable=False)

    await standin.wait_for_frame(lambda f: f.op == OP_RESUME, STEP)
    await standin.wait_for_frame(lambda f: f.op == OP_IDENTIFY and f.connection > 1, STEP)
    assert any(p["op"] == OP_INVALID_SESSION for _, p in standin.sent_frames)
    await ping_and_expect_pong(standin)
