"""/crosscheck about · sources · config: Manage Server is checked in code, and settings persist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest

from bot.exts.admin import AdminCog
from checks.engine import Engine
from checks.models import GuildConfig

GUILD = 10
NO_MENTIONS = {"parse": []}
RESPONSE_METHODS = {"defer", "send_message", "send_modal", "edit_message", "pong"}


def responses(it: MagicMock) -> list[Any]:
    return [c for c in it.response.method_calls if c[0] in RESPONSE_METHODS]


def channel(channel_id: int) -> MagicMock:
    ch = MagicMock(spec=discord.TextChannel)
    ch.id = channel_id
    return ch


def role(role_id: int) -> MagicMock:
    r = MagicMock(spec=discord.Role)
    r.id = role_id
    return r


async def config(cog: AdminCog, it: MagicMock, **options: Any) -> dict[str, Any]:
    """Run /crosscheck config; return the one ephemeral reply's arguments."""
    await cog.config.callback(cog, it, **options)
    assert len(responses(it)) == 1, "respond exactly once"
    it.response.send_message.assert_awaited_once()
    call = it.response.send_message.await_args
    assert call.kwargs["ephemeral"] is True
    return {"text": call.args[0] if call.args else None, **call.kwargs}


# ---------------------------------------------------------------------------- config: who


@pytest.mark.parametrize(
    "perms",
    [{}, {"send_messages": True, "manage_messages": True, "moderate_members": True}],
    ids=["member", "moderator-without-manage-server"],
)
async def test_config_is_refused_without_manage_server_and_changes_nothing(
    admin_cog: AdminCog,
    make_interaction: Callable[..., MagicMock],
    engine: Engine,
    perms: dict[str, bool],
) -> None:
    before = engine.store.get_guild(GUILD)
    it = make_interaction(**perms)
    reply = await config(
        admin_cog,
        it,
        watch=channel(20),
        visibility="ephemeral",
        suggest=0.1,
        sure=0.2,
        auto_confidence=0.0,
        review_channel=channel(30),
        moderator_role=role(40),
    )
    assert "Manage Server" in reply["text"]
    assert "embed" not in reply
    assert engine.store.get_guild(GUILD) == before == GuildConfig()


async def test_config_is_refused_outside_a_server_even_with_the_permission(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock], engine: Engine
) -> None:
    it = make_interaction(guild_id=None, manage_guild=True)
    reply = await config(admin_cog, it, visibility="ephemeral")
    assert "Manage Server" in reply["text"]


async def test_config_is_not_only_hidden_it_is_checked_in_the_callback(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock], engine: Engine
) -> None:
    # Default member permissions only hide a command in the client; a crafted interaction
    # still reaches the callback, so the callback itself must refuse.
    it = make_interaction(administrator=False, manage_guild=False)
    await admin_cog.config.callback(admin_cog, it, watch=channel(20))
    assert engine.store.get_guild(GUILD).watched_channels == []


# ---------------------------------------------------------------------------- config: what


async def test_watch_and_unwatch_persist(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock], engine: Engine
) -> None:
    reply = await config(admin_cog, make_interaction(manage_guild=True), watch=channel(20))
    assert engine.store.get_guild(GUILD).watched_channels == [20]
    assert "(updated)" in reply["embed"].title
    assert "<#20>" in reply["embed"].description
    assert reply["allowed_mentions"].to_dict() == NO_MENTIONS

    await config(admin_cog, make_interaction(manage_guild=True), watch=channel(21))
    await config(admin_cog, make_interaction(manage_guild=True), watch=channel(20))  # again
    assert engine.store.get_guild(GUILD).watched_channels == [20, 21]

    await config(admin_cog, make_interaction(manage_guild=True), unwatch=channel(20))
    assert engine.store.get_guild(GUILD).watched_channels == [21]


async def test_visibility_thresholds_review_channel_and_role_persist(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock], engine: Engine
) -> None:
    reply = await config(
        admin_cog,
        make_interaction(manage_guild=True),
        visibility="ephemeral",
        suggest=0.5,
        sure=0.8,
        auto_confidence=0.9,
        review_channel=channel(30),
        moderator_role=role(40),
    )
    cfg = engine.store.get_guild(GUILD)
    assert cfg.visibility == "ephemeral"
    assert (cfg.suggest, cfg.sure, cfg.auto_answer_confidence) == (0.5, 0.8, 0.9)
    assert (cfg.review_channel, cfg.moderator_role) == (30, 40)
    desc = reply["embed"].description
    assert "ephemeral" in desc and "suggest 0.5" in desc and "sure 0.8" in desc
    assert "<#30>" in desc and "<@&40>" in desc
    assert reply["allowed_mentions"].to_dict() == NO_MENTIONS, "showing a role pings nobody"

    # another server is untouched
    assert engine.store.get_guild(GUILD + 1) == GuildConfig()


async def test_config_without_options_shows_the_settings_unchanged(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock], engine: Engine
) -> None:
    reply = await config(admin_cog, make_interaction(manage_guild=True))
    assert "(updated)" not in reply["embed"].title
    assert "Watched channels: none" in reply["embed"].description
    assert engine.store.get_guild(GUILD) == GuildConfig()


@pytest.mark.parametrize(
    "options",
    [{"suggest": 0.8, "sure": 0.5}, {"sure": 0.3}],  # default suggest is 0.45
    ids=["both", "sure-below-default-suggest"],
)
async def test_sure_below_suggest_is_refused_and_nothing_is_stored(
    admin_cog: AdminCog,
    make_interaction: Callable[..., MagicMock],
    engine: Engine,
    options: dict[str, float],
) -> None:
    reply = await config(
        admin_cog, make_interaction(manage_guild=True), visibility="ephemeral", **options
    )
    assert "must be at least" in reply["text"]
    assert engine.store.get_guild(GUILD) == GuildConfig(), "no partial update"


async def test_the_stored_visibility_is_what_check_then_uses(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock], bot: Any
) -> None:
    from bot.exts.check import CheckCog

    await config(admin_cog, make_interaction(manage_guild=True), visibility="ephemeral")
    check = CheckCog(bot)
    it = make_interaction()
    await check.check.callback(check, it, claim="Britain may put 10,000 troops in Ukraine")
    it.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)


# ---------------------------------------------------------------------------- about, sources


async def test_about_answers_ephemerally(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock]
) -> None:
    it = make_interaction()
    await admin_cog.about.callback(admin_cog, it)
    assert len(responses(it)) == 1
    it.response.send_message.assert_awaited_once()
    kw = it.response.send_message.await_args.kwargs
    assert kw["ephemeral"] is True
    assert kw["embed"].title == "Crosscheck"
    for word in ("Supported", "Disputed", "Mixed", "Unverified", "/check"):
        assert word in kw["embed"].description


async def test_sources_lists_this_servers_sources_ephemerally(
    admin_cog: AdminCog, make_interaction: Callable[..., MagicMock], engine: Engine
) -> None:
    it = make_interaction()
    await admin_cog.sources.callback(admin_cog, it)
    it.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert len(responses(it)) == 1
    it.followup.send.assert_awaited_once()
    kw = it.followup.send.await_args.kwargs
    assert kw["ephemeral"] is True
    assert kw["allowed_mentions"].to_dict() == NO_MENTIONS
    desc = kw["embed"].description
    for status in engine.sources():
        assert f"**{status.name}**" in desc
        assert f"{status.claims} claims" in desc
    assert "weight 0.3" in desc  # Daily Example
    assert len(desc) <= 4096


async def test_the_crosscheck_group_holds_about_sources_and_config(admin_cog: AdminCog) -> None:
    group = admin_cog.app_command
    assert group.name == "crosscheck"
    assert {c.name for c in group.commands} == {"about", "sources", "config"}
