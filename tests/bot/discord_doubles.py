"""Spec'd discord.py doubles for the handler tests, and :func:`invoke`, which runs an app command
the way discord.py's command tree does (an error goes to the tree's ``on_error``).

The doubles' ``response.is_done()`` tells the truth (True once the interaction was answered), so
the bot's one error handler picks the response or the follow-up as it would on Discord.
"""

from __future__ import annotations

import itertools
from typing import Any
from unittest.mock import MagicMock

import discord
from discord import app_commands

__all__ = [
    "CHANNEL_ID",
    "GUILD_ID",
    "RESPONSE_METHODS",
    "USER_ID",
    "interaction_double",
    "invoke",
    "message_double",
    "responses",
]

GUILD_ID = 10
CHANNEL_ID = 20
USER_ID = 1
RESPONSE_METHODS = ("defer", "send_message", "send_modal", "edit_message", "pong")

_ids = itertools.count(900_000)


def responses(it: MagicMock) -> list[Any]:
    """Every call that answered the interaction itself (Discord accepts exactly one)."""
    return [c for c in it.response.method_calls if c[0] in RESPONSE_METHODS]


def interaction_double(
    client: Any,
    *,
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
    roles: tuple[int, ...] = (),
    **perms: bool,
) -> MagicMock:
    """A spec'd Interaction from a member with these permissions and role ids: coroutine
    methods of the spec'd mocks are AsyncMocks."""
    it = MagicMock(spec=discord.Interaction)
    it.response = MagicMock(spec=discord.InteractionResponse)
    it.response.is_done.side_effect = lambda: bool(responses(it))
    it.followup = MagicMock(spec=discord.Webhook)
    it.followup.send.return_value = MagicMock(spec=discord.WebhookMessage, id=next(_ids))
    it.user = MagicMock(spec=discord.Member)
    it.user.id = user_id
    it.user.roles = [MagicMock(spec=discord.Role, id=r) for r in roles]
    it.guild_id, it.channel_id = guild_id, channel_id
    it.permissions = discord.Permissions(**perms)
    it.client = client
    return it


def message_double(
    content: str,
    *,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
    author_id: int = USER_ID,
    author_bot: bool = False,
    message_id: int | None = None,
    jump_url: str = "https://discord.com/channels/10/20/30",
) -> MagicMock:
    """A spec'd discord.Message; ``reply()`` returns a posted message with a fresh id."""
    msg = MagicMock(spec=discord.Message)
    msg.content = content
    msg.id = message_id if message_id is not None else next(_ids)
    msg.jump_url = jump_url
    msg.author.id, msg.author.bot = author_id, author_bot
    msg.channel.id = channel_id
    if guild_id is None:
        msg.guild = None
    else:
        msg.guild.id = guild_id
    msg.reply.return_value = MagicMock(spec=discord.Message, id=next(_ids))
    return msg


async def invoke(
    command: app_commands.Command[Any, Any, Any] | app_commands.ContextMenu,
    it: MagicMock,
    *args: Any,
    **params: Any,
) -> None:
    """Run a command's callback as ``CommandTree._call`` does after parsing the options: an
    exception is wrapped in CommandInvokeError and handed to the client's ``tree.on_error``."""
    binding = getattr(command, "binding", None)
    try:
        if binding is not None:  # a cog's command: the callback is the plain function
            await command.callback(binding, it, *args, **params)
        else:
            await command.callback(it, *args, **params)
    except app_commands.AppCommandError as error:
        await it.client.tree.on_error(it, error)
    except Exception as exc:
        await it.client.tree.on_error(it, app_commands.CommandInvokeError(command, exc))
