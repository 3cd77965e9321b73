"""The review queue in Discord, driven through its handlers with spec'd discord doubles and a
real engine: the restart-proof card buttons, the Override modal, permission refusals at press
time, the /review commands, the "Send to review" menu, and the ReviewDesk that posts, redraws,
re-posts and follows up."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from discord_doubles import interaction_double, invoke, message_double, responses

from bot.client import CrosscheckBot
from bot.exts.review import ReviewCog
from bot.render import render_item
from bot.review_desk import REFUSED, ReviewDesk, is_moderator
from bot.views import REVIEW_ID, OverrideModal, ReviewButton, answer_view
from checks.engine import Engine
from checks.models import (
    AskRef,
    CheckResult,
    GuildConfig,
    ModeratorVerdict,
    ReviewAction,
    ReviewItem,
    ReviewState,
    Verdict,
)
from checks.review import MODERATOR_SOURCE_LABEL

G = 10  # the guild the conftest's doubles use
ASKED_IN = 20  # the channel where the claim was asked
REVIEW_CHANNEL = 30
MODLOG_CHANNEL = 40
MOD_ROLE = 555
MEMBER, MOD, OTHER_MOD = 1, 2, 3
DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
SUPPORTED = "Britain may put 10,000 troops in Ukraine"
ACTIONS = ("confirm", "override", "dismiss", "assign")
NO_MENTIONS = {"parse": []}

_ids = itertools.count(7_000_000)


# ---------------------------------------------------------------------------- doubles


def make_it(client: Any, *, channel_id: int = REVIEW_CHANNEL, **kwargs: Any) -> MagicMock:
    """A spec'd Interaction from a member with these permissions and role ids."""
    return interaction_double(client, channel_id=channel_id, **kwargs)


def moderator(client: Any, user_id: int = MOD) -> MagicMock:
    return make_it(client, user_id=user_id, manage_messages=True)


def followup_text(it: MagicMock) -> str:
    it.followup.send.assert_awaited_once()
    args, kwargs = it.followup.send.await_args
    assert kwargs.get("ephemeral") is True
    return str(args[0] if args else kwargs.get("content"))


def http_error(cls: type[discord.HTTPException], status: int) -> discord.HTTPException:
    return cls(MagicMock(status=status, reason="nope"), {"message": "Unknown Message", "code": 1})


def channel_double(channel_id: int, guild_id: int = G) -> MagicMock:
    """A text channel: send() posts a new message, get_partial_message(id).edit() edits one."""
    ch = MagicMock(spec=discord.TextChannel)
    ch.id = channel_id

    def _send(*args: Any, **kwargs: Any) -> MagicMock:
        mid = next(_ids)
        return MagicMock(
            spec=discord.Message,
            id=mid,
            jump_url=f"https://discord.com/channels/{guild_id}/{channel_id}/{mid}",
        )

    ch.send.side_effect = _send
    ch.get_partial_message.return_value = MagicMock(spec=discord.PartialMessage)
    return ch


def edits(ch: MagicMock) -> AsyncMock:
    edit: AsyncMock = ch.get_partial_message.return_value.edit
    return edit


def custom_ids(view: discord.ui.View) -> list[str]:
    return [c["custom_id"] for row in view.to_components() for c in row["components"]]


def text_of(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    for f in embed.fields:
        parts += [f.name or "", f.value or ""]
    return "\n".join(parts)


async def queue(engine: Engine, claim: str = DISPUTED, ask: AskRef | None = None) -> ReviewItem:
    result = engine.check_text(claim, guild_id=G)
    item, _ = await engine.enqueue_review(result, guild_id=G, triggers=["disputed"], ask=ask)
    return item


async def snapshot(engine: Engine, item: ReviewItem) -> tuple[Any, ...]:
    now = await engine.review_item(item.id, guild_id=G)
    return now.state, now.version, len(await engine.review_audit(item.id))


@pytest.fixture
async def cog(bot: CrosscheckBot) -> ReviewCog:
    return ReviewCog(bot)


@pytest.fixture
def channels(bot: CrosscheckBot, monkeypatch: pytest.MonkeyPatch) -> dict[int, MagicMock]:
    """Channel doubles the (never logged in) bot finds by id."""
    found = {c: channel_double(c) for c in (ASKED_IN, REVIEW_CHANNEL, MODLOG_CHANNEL)}
    monkeypatch.setattr(bot, "get_channel", found.get)
    return found


# ---------------------------------------------------------------------------- buttons


@pytest.mark.parametrize("action", ACTIONS)
async def test_a_review_button_round_trips_through_its_custom_id(
    bot: CrosscheckBot, action: str
) -> None:
    button = ReviewButton(action, 4711)
    custom_id = f"crosscheck:review:{action}:4711"
    assert button.custom_id == custom_id
    assert button.item.label == ReviewButton.STYLES[action][0]
    match = REVIEW_ID.fullmatch(custom_id)
    assert match is not None
    again = await ReviewButton.from_custom_id(make_it(bot), button.item, match)
    assert (again.action, again.item_id, again.custom_id) == (action, 4711, custom_id)
    # discord.py routes a press by the class template, so it must match too
    assert ReviewButton.__discord_ui_compiled_template__.fullmatch(custom_id)


@pytest.mark.parametrize(
    "custom_id",
    [
        "crosscheck:review:reopen:1",
        "crosscheck:review:confirm:x",
        "crosscheck:review:confirm:",
        "crosscheck:answer:dispute:1",
    ],
)
def test_other_custom_ids_are_not_review_buttons(custom_id: str) -> None:
    assert not ReviewButton.__discord_ui_compiled_template__.fullmatch(custom_id)


async def test_review_buttons_are_registered_to_survive_restarts(bot: CrosscheckBot) -> None:
    await bot.setup_hook()
    assert ReviewButton in bot._connection._view_store._dynamic_items.values()


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    "who",
    [
        {},
        {"roles": (MOD_ROLE + 1,)},
        {"guild_id": None},
        {"manage_guild": True, "kick_members": True},
    ],
    ids=["member", "other-role", "dm", "other-permissions"],
)
async def test_a_non_moderator_pressing_a_review_button_is_refused_and_nothing_changes(
    bot: CrosscheckBot, engine: Engine, action: str, who: dict[str, Any]
) -> None:
    await engine.set_guild_config(G, GuildConfig(moderator_role=MOD_ROLE))
    item = await queue(engine)
    before = await snapshot(engine, item)
    it = make_it(bot, **who)
    await ReviewButton(action, item.id).callback(it)
    it.response.send_message.assert_awaited_once_with(REFUSED, ephemeral=True)
    assert len(responses(it)) == 1
    it.response.send_modal.assert_not_awaited()
    it.followup.send.assert_not_awaited()
    assert await snapshot(engine, item) == before


async def test_a_non_moderator_submitting_the_override_modal_is_refused(
    bot: CrosscheckBot, engine: Engine
) -> None:
    item = await queue(engine)
    before = await snapshot(engine, item)
    modal = OverrideModal(item.id)
    modal.verdict._value = "False"
    it = make_it(bot)
    await modal.on_submit(it)
    it.response.send_message.assert_awaited_once_with(REFUSED, ephemeral=True)
    assert await snapshot(engine, item) == before


async def test_permission_is_read_when_the_button_is_pressed(engine: Engine) -> None:
    guild = GuildConfig(moderator_role=MOD_ROLE)
    client = MagicMock()
    assert is_moderator(make_it(client, manage_messages=True), guild)
    assert is_moderator(make_it(client, roles=(7, MOD_ROLE)), guild)
    assert not is_moderator(make_it(client, roles=(7,)), guild)
    assert not is_moderator(make_it(client, roles=(MOD_ROLE,)), GuildConfig())
    assert not is_moderator(make_it(client, guild_id=None, manage_messages=True), guild)


async def test_a_member_with_manage_messages_confirms(bot: CrosscheckBot, engine: Engine) -> None:
    item = await queue(engine)
    it = moderator(bot)
    await ReviewButton("confirm", item.id).callback(it)
    it.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert len(responses(it)) == 1
    assert "Resolved" in followup_text(it)
    now = await engine.review_item(item.id, guild_id=G)
    assert (now.state, now.resolution, now.decided_by) == (ReviewState.RESOLVED, "confirmed", MOD)
    assert now.moderator_verdict == "Disputed"


async def test_a_member_with_the_moderator_role_dismisses_and_assigns(
    bot: CrosscheckBot, engine: Engine
) -> None:
    await engine.set_guild_config(G, GuildConfig(moderator_role=MOD_ROLE))
    first, second = await queue(engine), await queue(engine, SUPPORTED)

    it = make_it(bot, user_id=OTHER_MOD, roles=(MOD_ROLE,))
    await ReviewButton("assign", first.id).callback(it)
    assert "In review" in followup_text(it)
    now = await engine.review_item(first.id, guild_id=G)
    assert (now.state, now.assignee) == (ReviewState.IN_REVIEW, OTHER_MOD)

    it = make_it(bot, user_id=OTHER_MOD, roles=(MOD_ROLE,))
    await ReviewButton("dismiss", second.id).callback(it)
    assert "Dismissed" in followup_text(it)
    now = await engine.review_item(second.id, guild_id=G)
    assert (now.state, now.decided_by) == (ReviewState.DISMISSED, OTHER_MOD)
    audit = await engine.review_audit(second.id)
    assert (audit[-1].action, audit[-1].actor_id) == (ReviewAction.DISMISS, OTHER_MOD)


async def test_override_opens_the_override_modal_and_changes_nothing_yet(
    bot: CrosscheckBot, engine: Engine
) -> None:
    item = await queue(engine)
    before = await snapshot(engine, item)
    it = moderator(bot)
    await ReviewButton("override", item.id).callback(it)
    it.response.send_modal.assert_awaited_once()
    modal = it.response.send_modal.await_args.args[0]
    assert isinstance(modal, OverrideModal) and modal.item_id == item.id
    assert modal.custom_id == f"crosscheck:review-override:{item.id}"
    assert len(responses(it)) == 1
    assert await snapshot(engine, item) == before


@pytest.mark.parametrize("verdict", ["maybe", "", "Falsch", "True"])
async def test_an_override_with_an_unknown_verdict_is_refused(
    bot: CrosscheckBot, engine: Engine, verdict: str
) -> None:
    item = await queue(engine)
    before = await snapshot(engine, item)
    modal = OverrideModal(item.id)
    modal.verdict._value = verdict
    it = moderator(bot)
    await modal.on_submit(it)
    it.response.send_message.assert_awaited_once()
    text = it.response.send_message.await_args.args[0]
    assert it.response.send_message.await_args.kwargs == {"ephemeral": True}
    assert "not a verdict" in text
    assert all(v.value in text for v in ModeratorVerdict)
    assert await snapshot(engine, item) == before


async def test_an_override_to_false_resolves_with_the_note_and_url(
    bot: CrosscheckBot, engine: Engine
) -> None:
    item = await queue(engine, SUPPORTED)
    modal = OverrideModal(item.id)
    modal.verdict._value = "  fALSE "
    modal.note._value = "The ministry denied it"
    modal.url._value = "https://example.org/denial"
    it = moderator(bot)
    await modal.on_submit(it)
    it.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert "Resolved" in followup_text(it)
    now = await engine.review_item(item.id, guild_id=G)
    assert (now.state, now.resolution, now.moderator_verdict) == (
        ReviewState.RESOLVED,
        "overridden",
        "False",
    )
    assert (now.moderator_note, now.moderator_url, now.decided_by) == (
        "The ministry denied it",
        "https://example.org/denial",
        MOD,
    )
    first = engine.check_text(SUPPORTED, guild_id=G).matches[0]
    assert first.citation.source == MODERATOR_SOURCE_LABEL


async def test_an_override_with_a_non_http_url_is_refused_ephemerally(
    bot: CrosscheckBot, engine: Engine
) -> None:
    item = await queue(engine)
    before = await snapshot(engine, item)
    modal = OverrideModal(item.id)
    modal.verdict._value = "False"
    modal.url._value = "javascript:alert(1)"
    it = moderator(bot)
    await modal.on_submit(it)
    assert followup_text(it)
    assert await snapshot(engine, item) == before


async def test_a_second_press_on_a_resolved_item_gets_a_clear_message(
    bot: CrosscheckBot, engine: Engine
) -> None:
    item = await queue(engine)
    await ReviewButton("confirm", item.id).callback(moderator(bot))
    before = await snapshot(engine, item)
    for action in ("confirm", "dismiss", "assign"):
        it = moderator(bot, OTHER_MOD)
        await ReviewButton(action, item.id).callback(it)
        assert len(responses(it)) == 1
        assert await snapshot(engine, item) == before
        assert "already resolved" in followup_text(it)


async def test_a_second_press_on_a_resolved_item_is_refused_ephemerally(
    bot: CrosscheckBot, engine: Engine
) -> None:
    """What holds today (the wording is the xfail above): one ephemeral answer, no change."""
    item = await queue(engine)
    await ReviewButton("confirm", item.id).callback(moderator(bot))
    before = await snapshot(engine, item)
    it = moderator(bot, OTHER_MOD)
    await ReviewButton("dismiss", item.id).callback(it)
    assert len(responses(it)) == 1
    assert "Dismissed" not in followup_text(it)
    assert await snapshot(engine, item) == before


# ---------------------------------------------------------------------------- /review


async def test_review_commands_refuse_non_moderators(cog: ReviewCog, bot: CrosscheckBot) -> None:
    it = make_it(bot)
    assert await cog.interaction_check(it) is False
    it.response.send_message.assert_awaited_once_with(REFUSED, ephemeral=True)
    assert await cog.interaction_check(moderator(bot)) is True


async def test_review_list_shows_pending_items_ephemerally(
    cog: ReviewCog, bot: CrosscheckBot, engine: Engine
) -> None:
    pending, done = await queue(engine), await queue(engine, SUPPORTED)
    await engine.review_act(done.id, ReviewAction.DISMISS, guild_id=G, actor_id=MOD)
    it = moderator(bot)
    await invoke(cog.list_, it, state=None)
    it.response.send_message.assert_awaited_once()
    kw = it.response.send_message.await_args.kwargs
    assert kw["ephemeral"] is True
    body = kw["embed"].description
    assert f"#{pending.id}" in body and DISPUTED[:40] in body
    assert f"#{done.id}" not in body

    it = moderator(bot)
    await invoke(cog.list_, it, state=ReviewState.DISMISSED)
    body = it.response.send_message.await_args.kwargs["embed"].description
    assert f"#{done.id}" in body and f"#{pending.id}" not in body


async def test_review_show_gives_the_item_and_its_history_ephemerally(
    cog: ReviewCog, bot: CrosscheckBot, engine: Engine
) -> None:
    item = await queue(engine, ask=AskRef(channel_id=ASKED_IN, message_id=99))
    await engine.review_act(item.id, ReviewAction.ASSIGN, guild_id=G, actor_id=MOD)
    it = moderator(bot)
    await invoke(cog.show, it, item=item.id)
    kw = it.response.send_message.await_args.kwargs
    assert kw["ephemeral"] is True
    assert kw["allowed_mentions"].to_dict() == NO_MENTIONS
    card, history = kw["embeds"]
    assert f"Review #{item.id}" in card.title and "In review" in card.title
    assert f"<#{ASKED_IN}>" in text_of(card)
    assert "**create**" in history.description and "**assign**" in history.description
    assert f"<@{MOD}>" in history.description and "open → in_review" in history.description


async def test_review_show_of_an_unknown_item_answers_ephemerally(
    cog: ReviewCog, bot: CrosscheckBot
) -> None:
    it = moderator(bot)
    await invoke(cog.show, it, item=999_999)
    it.response.send_message.assert_awaited_once()
    assert it.response.send_message.await_args.kwargs == {"ephemeral": True}


async def test_review_show_of_an_unknown_item_says_so(cog: ReviewCog, bot: CrosscheckBot) -> None:
    it = moderator(bot)
    await invoke(cog.show, it, item=999_999)
    assert "#999999" in it.response.send_message.await_args.args[0]


async def test_review_reopen_reopens_a_resolved_item(
    cog: ReviewCog, bot: CrosscheckBot, engine: Engine
) -> None:
    item = await queue(engine, SUPPORTED)
    await engine.review_act(
        item.id, ReviewAction.OVERRIDE, guild_id=G, actor_id=MOD, verdict=ModeratorVerdict.FALSE
    )
    it = moderator(bot)
    await invoke(cog.reopen, it, item=item.id)
    it.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert "Open" in followup_text(it)
    now = await engine.review_item(item.id, guild_id=G)
    assert (now.state, now.moderator_verdict) == (ReviewState.OPEN, None)
    assert engine.check_text(SUPPORTED, guild_id=G).matches[0].citation.source != (
        MODERATOR_SOURCE_LABEL
    )

    it = moderator(bot)  # an open item cannot be reopened
    await invoke(cog.reopen, it, item=item.id)
    assert "Open" not in followup_text(it)
    assert (await engine.review_item(item.id, guild_id=G)).version == now.version


async def test_review_stats_counts_each_state_ephemerally(
    cog: ReviewCog, bot: CrosscheckBot, engine: Engine
) -> None:
    await queue(engine)
    done = await queue(engine, SUPPORTED)
    await engine.review_act(done.id, ReviewAction.CONFIRM, guild_id=G, actor_id=MOD)
    it = moderator(bot)
    await invoke(cog.stats, it)
    kw = it.response.send_message.await_args.kwargs
    assert kw["ephemeral"] is True
    lines = kw["embed"].description.splitlines()
    assert {"Open: 1", "In review: 0", "Resolved: 1", "Dismissed: 0"} <= set(lines)
    assert any(line.startswith("Oldest pending since <t:") for line in lines)


# ---------------------------------------------------------------------------- Send to review


def posted(content: str, *, message_id: int = 8_000) -> MagicMock:
    """A member's message in the channel where claims are asked."""
    return message_double(content, message_id=message_id, channel_id=ASKED_IN)


async def test_send_to_review_queues_a_message_for_moderators(
    cog: ReviewCog, bot: CrosscheckBot, engine: Engine
) -> None:
    it = moderator(bot)
    await invoke(cog.menu, it, posted(SUPPORTED))
    it.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    text = followup_text(it)
    (item,) = await engine.review_list(guild_id=G)
    assert text == f"Review #{item.id} added to the queue."
    assert (item.claim, item.triggers, item.bot_verdict.value) == (
        SUPPORTED,
        ["sent by a moderator"],
        "supported",
    )
    (ask,) = await engine.review_asks(item.id)
    assert (ask.channel_id, ask.message_id) == (ASKED_IN, 8_000)
    assert (await engine.review_audit(item.id))[0].actor_id == MOD

    it = moderator(bot, OTHER_MOD)  # the same claim again joins the item
    await invoke(cog.menu, it, posted(SUPPORTED.upper(), message_id=8_001))
    assert followup_text(it) == f"Review #{item.id} already in the queue."
    assert (await engine.review_item(item.id, guild_id=G)).demand == 2


async def test_send_to_review_is_for_moderators_only(
    cog: ReviewCog, bot: CrosscheckBot, engine: Engine
) -> None:
    it = make_it(bot)
    await invoke(cog.menu, it, posted(SUPPORTED))
    it.response.send_message.assert_awaited_once_with(REFUSED, ephemeral=True)
    assert await engine.review_list(guild_id=G) == []


async def test_send_to_review_of_a_message_without_text_says_so(
    cog: ReviewCog, bot: CrosscheckBot, engine: Engine
) -> None:
    it = moderator(bot)
    await invoke(cog.menu, it, posted("   "))
    it.response.send_message.assert_awaited_once_with("That message has no text.", ephemeral=True)
    assert await engine.review_list(guild_id=G) == []


def test_send_to_review_is_a_message_context_menu(cog: ReviewCog, bot: CrosscheckBot) -> None:
    menu = bot.tree.get_command("Send to review", type=discord.AppCommandType.message)
    assert menu is cog.menu


# ---------------------------------------------------------------------------- a press, end to end


async def disputed_answer(
    engine: Engine, claim: str = DISPUTED, *, surface: str = "slash"
) -> CheckResult:
    """A real check of the claim, as a Disputed answer: these tests are about what the bot does
    with an answer that goes to review, whatever the engine makes of the sample claim."""
    result = await engine.acheck_text(claim, guild_id=G, surface=surface)
    return result.model_copy(update={"verdict": Verdict.DISPUTED})


async def post_answer(bot: CrosscheckBot, engine: Engine, claim: str, *, message_id: int) -> int:
    """A member's /check in ASKED_IN, answered through the bot's one answer protocol."""
    it = make_it(bot, channel_id=ASKED_IN)
    await it.response.defer(thinking=True)
    it.followup.send.return_value.id = message_id
    result = await disputed_answer(engine, claim)
    guild = await engine.guild_config(G)
    return await bot.answers.post(result, to=it, surface="slash", guild=guild)


@pytest.mark.parametrize("where", ["slash", "watch"])
async def test_an_answer_is_queued_with_where_it_was_posted_and_who_saw_it(
    bot: CrosscheckBot, engine: Engine, channels: dict[int, MagicMock], where: str
) -> None:
    """In a server whose answers are ephemeral, a /check answer is an ephemeral ask (no
    follow-up later); a reply in a watched channel is public all the same."""
    await engine.set_guild_config(
        G, GuildConfig(review_channel=REVIEW_CHANNEL, visibility="ephemeral")
    )
    guild = await engine.guild_config(G)
    result = await disputed_answer(engine, surface=where)
    to: MagicMock
    if where == "watch":
        to = message_double(DISPUTED, channel_id=ASKED_IN, author_id=MEMBER)
        posted_id = to.reply.return_value.id
    else:
        to = make_it(bot, channel_id=ASKED_IN, user_id=MEMBER)
        await to.response.defer(ephemeral=True, thinking=True)
        posted_id = to.followup.send.return_value.id
    answer_id = await bot.answers.post(result, to=to, surface=where, guild=guild)

    stored = await engine.answer(answer_id)
    assert stored is not None and stored.message_id == posted_id and stored.surface == where
    (item,) = await engine.review_list(guild_id=G)
    (ask,) = await engine.review_asks(item.id)
    assert (ask.channel_id, ask.message_id, ask.answer_id, ask.user_id) == (
        ASKED_IN,
        posted_id,
        answer_id,
        MEMBER,
    )
    assert ask.ephemeral is (where == "slash")
    channels[REVIEW_CHANNEL].send.assert_awaited_once()  # the card


async def test_confirming_redraws_the_card_logs_and_follows_up_once(
    bot: CrosscheckBot, engine: Engine, channels: dict[int, MagicMock]
) -> None:
    await engine.set_guild_config(
        G, GuildConfig(review_channel=REVIEW_CHANNEL, modlog_channel=MODLOG_CHANNEL)
    )
    await post_answer(bot, engine, DISPUTED, message_id=6_001)
    review = channels[REVIEW_CHANNEL]
    review.send.assert_awaited_once()  # the card
    (item,) = await engine.review_list(guild_id=G)
    assert custom_ids(review.send.await_args.kwargs["view"]) == [
        f"crosscheck:review:{a}:{item.id}" for a in ACTIONS
    ]
    channels[MODLOG_CHANNEL].send.assert_not_awaited()  # asks are not logged, decisions are

    it = moderator(bot)
    await ReviewButton("confirm", item.id).callback(it)
    assert "Resolved" in followup_text(it)
    # the card is redrawn in place, without buttons
    review.get_partial_message.assert_called_with(item.post_message_id)
    kw = edits(review).await_args.kwargs
    assert "Resolved" in kw["embed"].title and custom_ids(kw["view"]) == []
    log = channels[MODLOG_CHANNEL].send.await_args
    assert f"<@{MOD}> **confirm** review #{item.id}" in log.args[0]
    assert log.kwargs["allowed_mentions"].to_dict() == NO_MENTIONS
    # one follow-up where it was asked, replying to the answer, which now points to it
    asked = channels[ASKED_IN]
    asked.send.assert_awaited_once()
    assert asked.send.await_args.args[0].startswith("Moderators reviewed this: **Disputed**")
    assert asked.send.await_args.kwargs["reference"].message_id == 6_001
    asked.get_partial_message.assert_called_with(6_001)
    pointed = edits(asked).await_args.kwargs["embed"]
    assert any(f.name == "Moderators reviewed this" for f in pointed.fields)


async def test_a_claim_asked_after_the_resolution_gets_no_extra_follow_up(
    bot: CrosscheckBot, engine: Engine, channels: dict[int, MagicMock]
) -> None:
    await engine.set_guild_config(G, GuildConfig(review_channel=REVIEW_CHANNEL))
    item = await queue(engine, ask=AskRef(channel_id=ASKED_IN, message_id=6_001))
    await ReviewButton("confirm", item.id).callback(moderator(bot))
    asked = channels[ASKED_IN]
    assert asked.send.await_count == 1  # the follow-up for the conversation that asked

    later = engine.check_text(DISPUTED, guild_id=G)
    assert later.matches[0].citation.source == MODERATOR_SOURCE_LABEL
    await post_answer(bot, engine, DISPUTED, message_id=6_002)
    assert asked.send.await_count == 1, asked.send.await_args_list


# ---------------------------------------------------------------------------- ReviewDesk


def desk_client(found: dict[int, MagicMock]) -> MagicMock:
    """Just what ReviewDesk uses of the client: channels by id, the guilds."""
    client = MagicMock(spec=discord.Client)
    client.get_channel.side_effect = found.get
    client.fetch_channel = AsyncMock(side_effect=http_error(discord.NotFound, 404))
    client.guilds = [discord.Object(id=G)]
    return client


@pytest.fixture
async def desk(engine: Engine) -> tuple[ReviewDesk, dict[int, MagicMock]]:
    await engine.set_guild_config(
        G, GuildConfig(review_channel=REVIEW_CHANNEL, modlog_channel=MODLOG_CHANNEL)
    )
    found = {c: channel_double(c) for c in (ASKED_IN, REVIEW_CHANNEL, MODLOG_CHANNEL)}
    return ReviewDesk(desk_client(found), engine), found


async def test_publish_posts_a_card_with_the_four_buttons(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item = await queue(engine, ask=AskRef(channel_id=ASKED_IN, message_id=5))
    await d.publish(item)
    review = found[REVIEW_CHANNEL]
    review.send.assert_awaited_once()
    kw = review.send.await_args.kwargs
    assert custom_ids(kw["view"]) == [f"crosscheck:review:{a}:{item.id}" for a in ACTIONS]
    assert kw["view"].timeout is None
    assert kw["allowed_mentions"].to_dict() == NO_MENTIONS
    card = kw["embed"]
    assert card.title == f"Review #{item.id} · Open"
    assert DISPUTED in card.description and f"<#{ASKED_IN}>" in text_of(card)
    assert "25,000" in text_of(card)  # the bot's answer and evidence
    stored = await engine.review_item(item.id, guild_id=G)
    assert stored.post_channel_id == REVIEW_CHANNEL and stored.post_message_id
    assert stored.posted_version == stored.version


async def test_publish_edits_the_card_when_the_item_changes(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item = await queue(engine)
    await d.publish(item)
    first = (await engine.review_item(item.id, guild_id=G)).post_message_id
    changed = await engine.review_act(item.id, ReviewAction.ASSIGN, guild_id=G, actor_id=MOD)
    await d.publish(changed)
    review = found[REVIEW_CHANNEL]
    assert review.send.await_count == 1
    review.get_partial_message.assert_called_with(first)
    kw = edits(review).await_args.kwargs
    assert "In review" in kw["embed"].title and f"<@{MOD}>" in text_of(kw["embed"])
    assert len(custom_ids(kw["view"])) == 4
    stored = await engine.review_item(item.id, guild_id=G)
    assert (stored.post_message_id, stored.posted_version) == (first, changed.version)

    done = await engine.review_act(item.id, ReviewAction.DISMISS, guild_id=G, actor_id=MOD)
    await d.publish(done)
    kw = edits(review).await_args.kwargs
    assert "Dismissed" in kw["embed"].title and custom_ids(kw["view"]) == []


async def test_publish_reposts_a_card_that_was_deleted(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item = await queue(engine)
    await d.publish(item)
    review = found[REVIEW_CHANNEL]
    first = (await engine.review_item(item.id, guild_id=G)).post_message_id
    edits(review).side_effect = http_error(discord.NotFound, 404)
    await d.publish(await engine.review_item(item.id, guild_id=G))
    assert review.send.await_count == 2
    stored = await engine.review_item(item.id, guild_id=G)
    assert stored.post_message_id and stored.post_message_id != first
    assert custom_ids(review.send.await_args.kwargs["view"])[0] == (
        f"crosscheck:review:confirm:{item.id}"
    )


async def test_publish_does_not_repost_on_other_discord_errors(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item = await queue(engine)
    await d.publish(item)
    review = found[REVIEW_CHANNEL]
    edits(review).side_effect = http_error(discord.HTTPException, 500)
    await d.publish(await engine.review_item(item.id, guild_id=G))
    assert review.send.await_count == 1


async def test_publish_does_nothing_without_a_review_channel(engine: Engine) -> None:
    found = {REVIEW_CHANNEL: channel_double(REVIEW_CHANNEL)}
    d = ReviewDesk(desk_client(found), engine)
    await d.publish(await queue(engine))
    found[REVIEW_CHANNEL].send.assert_not_awaited()


async def test_publish_into_a_forum_opens_a_thread_tagged_with_the_state(
    engine: Engine,
) -> None:
    await engine.set_guild_config(G, GuildConfig(review_channel=REVIEW_CHANNEL))
    forum = MagicMock(spec=discord.ForumChannel)
    forum.id = REVIEW_CHANNEL
    tags = [MagicMock(spec=discord.ForumTag, name=n) for n in ("Open", "Resolved")]
    for tag, name in zip(tags, ("Open", "Resolved"), strict=True):
        tag.name = name
    forum.available_tags = tags
    forum.create_thread.return_value = MagicMock(
        thread=MagicMock(id=9_001), message=MagicMock(id=9_002)
    )
    d = ReviewDesk(desk_client({REVIEW_CHANNEL: forum}), engine)
    item = await queue(engine)
    await d.publish(item)
    kw = forum.create_thread.await_args.kwargs
    assert kw["applied_tags"] == [tags[0]]
    assert kw["name"].startswith(f"#{item.id} ")
    assert len(custom_ids(kw["view"])) == 4
    stored = await engine.review_item(item.id, guild_id=G)
    assert (stored.post_channel_id, stored.post_message_id) == (9_001, 9_002)


async def test_reconcile_reposts_missing_cards_and_redraws_stale_ones(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    review = found[REVIEW_CHANNEL]
    current, deleted = await queue(engine), await queue(engine, SUPPORTED)
    stale = await queue(engine, "North Korea's armed forces number about 1.2 million")
    for item in (current, deleted, stale):
        await d.publish(item)
    never_posted = await queue(engine, "Ukraine peacekeepers plan")  # posted nowhere yet
    # while the bot was down: a card was deleted, an item changed without its card
    await engine.review_act(stale.id, ReviewAction.ASSIGN, guild_id=G, actor_id=OTHER_MOD)
    gone = (await engine.review_item(deleted.id, guild_id=G)).post_message_id

    async def fetch(mid: int) -> Any:
        if mid == gone:
            raise http_error(discord.NotFound, 404)
        return MagicMock(spec=discord.Message, id=mid)

    review.fetch_message.side_effect = fetch
    review.send.reset_mock()
    edited: list[int] = []

    def partial(mid: int) -> MagicMock:
        msg = MagicMock(spec=discord.PartialMessage)
        msg.edit.side_effect = (
            http_error(discord.NotFound, 404) if mid == gone else (lambda **_: edited.append(mid))
        )
        return msg

    review.get_partial_message.side_effect = partial
    touched = await d.reconcile()
    assert touched == 3  # deleted, stale, never posted; the current card is left alone
    posted_for = {
        REVIEW_ID.fullmatch(custom_ids(c.kwargs["view"])[0])["id"]  # type: ignore[index]
        for c in review.send.await_args_list
    }
    assert posted_for == {str(deleted.id), str(never_posted.id)}
    stale_mid = (await engine.review_item(stale.id, guild_id=G)).post_message_id
    assert edited == [stale_mid]
    for item in (current, deleted, stale, never_posted):
        now = await engine.review_item(item.id, guild_id=G)
        assert now.posted_version == now.version and now.post_message_id
    assert (await engine.review_item(deleted.id, guild_id=G)).post_message_id != gone
    # a second start-up finds everything in order
    review.send.reset_mock()
    edited.clear()
    assert await d.reconcile() == 0
    review.send.assert_not_awaited()


async def test_reconcile_while_a_card_is_still_being_posted_does_not_post_it_again(
    desk: tuple[ReviewDesk, dict[int, MagicMock]],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An interaction can be handled before the gateway says ready: start-up then lists the
    queue while that interaction's card is with Discord, not yet recorded. The listed item
    looks never posted, yet it gets one card, not two."""
    d, found = desk
    review = found[REVIEW_CHANNEL]
    item = await queue(engine)
    listed = asyncio.Event()
    review_list = engine.review_list

    async def listing(*args: Any, **kwargs: Any) -> list[ReviewItem]:
        items: list[ReviewItem] = await review_list(*args, **kwargs)
        listed.set()
        return items

    monkeypatch.setattr(engine, "review_list", listing)
    post = review.send.side_effect
    reconciling: list[asyncio.Task[int]] = []

    async def send(*args: Any, **kwargs: Any) -> Any:
        if not reconciling:  # the first post: start-up begins while Discord has it
            reconciling.append(asyncio.create_task(d.reconcile()))
            await listed.wait()  # start-up has listed the item, its card not recorded yet
        return post(*args, **kwargs)

    review.send.side_effect = send
    await d.publish(item)
    touched = await reconciling[0]
    assert review.send.await_count == 1, "one card for the item"
    assert touched == 0
    stored = await engine.review_item(item.id, guild_id=G)
    assert stored.post_message_id and stored.posted_version == stored.version


async def test_reconcile_still_posts_a_card_whose_post_was_never_started(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    """The process stopped between queueing the item and posting its card."""
    d, found = desk
    item = await queue(engine)
    assert await d.reconcile() == 1
    found[REVIEW_CHANNEL].send.assert_awaited_once()
    stored = await engine.review_item(item.id, guild_id=G)
    assert stored.post_message_id and stored.posted_version == stored.version


async def test_two_publishes_of_a_new_item_post_one_card_and_edit_it(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    """Two asks join a new item at once: each publishes the item as it was before any card."""
    d, found = desk
    review = found[REVIEW_CHANNEL]
    item = await queue(engine)
    post = review.send.side_effect
    second: list[asyncio.Task[None]] = []

    async def send(*args: Any, **kwargs: Any) -> Any:
        if not second:  # while the first card is with Discord, the other ask publishes
            second.append(asyncio.create_task(d.publish(item)))
        return post(*args, **kwargs)

    review.send.side_effect = send
    await d.publish(item)
    await second[0]
    assert review.send.await_count == 1
    stored = await engine.review_item(item.id, guild_id=G)
    review.get_partial_message.assert_called_with(stored.post_message_id)
    edits(review).assert_awaited_once()


async def _resolved_with_asks(engine: Engine) -> tuple[ReviewItem, int]:
    result = engine.check_text(SUPPORTED, guild_id=G)
    answer_id = await engine.record_answer(
        result, surface="slash", guild_id=G, channel_id=ASKED_IN, user_id=MEMBER
    )
    await engine.answer_posted(answer_id, 6_001)
    ask = AskRef(channel_id=ASKED_IN, message_id=6_001, answer_id=answer_id, user_id=1)
    item, _ = await engine.enqueue_review(result, guild_id=G, triggers=["x"], ask=ask)
    await engine.enqueue_review(  # asked again where only the asker saw the answer
        result,
        guild_id=G,
        triggers=["x"],
        ask=AskRef(channel_id=ASKED_IN, message_id=6_003, ephemeral=True),
    )
    item = await engine.review_act(
        item.id,
        ReviewAction.OVERRIDE,
        guild_id=G,
        actor_id=MOD,
        verdict=ModeratorVerdict.FALSE,
        note="The ministry denied it",
        url="https://example.org/denial",
    )
    return item, answer_id


async def test_follow_up_replies_once_per_ask_and_points_the_answer_to_it(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item, _ = await _resolved_with_asks(engine)
    assert await d.follow_up(item) == 1  # the ephemeral ask gets none
    asked = found[ASKED_IN]
    asked.send.assert_awaited_once()
    args, kw = asked.send.await_args
    assert args[0] == (
        "Moderators reviewed this: **False** — The ministry denied it\n"
        "Source: <https://example.org/denial>"
    )
    assert kw["allowed_mentions"].to_dict() == NO_MENTIONS
    assert kw["reference"].message_id == 6_001 and kw["reference"].channel_id == ASKED_IN
    assert kw["reference"].fail_if_not_exists is False
    asked.get_partial_message.assert_called_once_with(6_001)
    embed = edits(asked).await_args.kwargs["embed"]
    field = next(f for f in embed.fields if f.name == "Moderators reviewed this")
    reply_url = f"https://discord.com/channels/{G}/{ASKED_IN}/"
    assert "**False**" in (field.value or "") and reply_url in (field.value or "")
    asks = await engine.review_asks(item.id)
    assert [a.followup_message_id is not None for a in asks] == [True, False]
    assert asks[0].followup_message_id != 0

    # a second call (another press, a restart) sends nothing and edits nothing
    assert await d.follow_up(await engine.review_item(item.id, guild_id=G)) == 0
    asked.send.assert_awaited_once()
    edits(asked).assert_awaited_once()


async def test_an_answer_overridden_to_false_is_recoloured_as_disputed(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item, _ = await _resolved_with_asks(engine)  # the bot said Supported; moderators: False
    assert await d.follow_up(item) == 1
    embed = edits(found[ASKED_IN]).await_args.kwargs["embed"]
    assert embed.colour == discord.Colour.red()


async def test_follow_up_waits_for_a_resolution(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item = await queue(engine, ask=AskRef(channel_id=ASKED_IN, message_id=1))
    assert await d.follow_up(item) == 0
    dismissed = await engine.review_act(item.id, ReviewAction.DISMISS, guild_id=G, actor_id=MOD)
    assert await d.follow_up(dismissed) == 0
    found[ASKED_IN].send.assert_not_awaited()


async def test_log_action_writes_to_the_mod_log(
    desk: tuple[ReviewDesk, dict[int, MagicMock]], engine: Engine
) -> None:
    d, found = desk
    item, _ = await _resolved_with_asks(engine)
    await d.log_action(item, MOD, ReviewAction.OVERRIDE)
    args, kw = found[MODLOG_CHANNEL].send.await_args
    assert args[0].startswith(f"<@{MOD}> **override** review #{item.id} → Resolved (False)")
    assert SUPPORTED in args[0]
    assert kw["allowed_mentions"].to_dict() == NO_MENTIONS


def test_render_item_shows_dispute_reasons_and_the_verdict(engine: Engine) -> None:
    item = ReviewItem.model_validate(
        {
            "id": 3,
            "guild_id": G,
            "claim": DISPUTED,
            "claim_key": "k",
            "state": "resolved",
            "resolution": "overridden",
            "bot_verdict": "disputed",
            "moderator_verdict": "False",
            "moderator_note": "no",
            "decided_by": MOD,
            "demand": 4,
            "created_at": "2025-01-01T00:00:00+00:00",
            "updated_at": "2025-01-01T00:00:00+00:00",
        }
    )
    from checks.models import AuditEntry

    audit = [
        AuditEntry(
            item_id=3,
            actor_id=1,
            action=ReviewAction.DISPUTE,
            from_state=ReviewState.OPEN,
            to_state=ReviewState.OPEN,
            detail={"reason": "Officials said 10,000"},
            at="2025-01-01T00:00:00+00:00",  # type: ignore[arg-type]
        )
    ]
    text = text_of(render_item(item, audit=audit))
    assert "asked or disputed 4 times" in text
    assert "Dispute reasons (1)" in text and "Officials said 10,000" in text
    assert "**False** (overridden)" in text and f"<@{MOD}>" in text


def test_answer_and_review_buttons_do_not_collide() -> None:
    ids = custom_ids(answer_view(5))
    assert not any(ReviewButton.__discord_ui_compiled_template__.fullmatch(c) for c in ids)
