"""The one place errors become short replies to members (the CLI and HTTP have their own).

:func:`reply_error` is the error handler of every Discord entry point: the command tree's
``on_error`` and the component callbacks (bot.views) both end here, so a handler simply lets a
:class:`~checks.errors.CheckError` propagate.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from checks.errors import (
    BlockedURLError,
    CheckError,
    ConfigError,
    FetchError,
    InputError,
    NLIUnavailable,
    ReviewError,
    SourceError,
    StoreError,
)

__all__ = ["FAILED", "RATE_LIMITED", "reply_error", "user_message"]

log = logging.getLogger(__name__)

RATE_LIMITED = {
    "member": "You are checking a lot right now — please wait a minute and try again.",
    "server": "This server is checking a lot right now — please try again in a minute.",
}
FAILED = "Something went wrong; the error was logged."


def user_message(exc: CheckError) -> str:
    """A short, friendly line for a member; details stay in the logs."""
    if isinstance(exc, BlockedURLError):
        return "That link points to a private or unsupported address, so it was not opened."
    if isinstance(exc, FetchError):
        status = f" (HTTP {exc.status})" if exc.status else ""
        return f"That page could not be fetched{status}: {exc.message}"
    if isinstance(exc, InputError):
        return exc.message[:1].upper() + exc.message[1:] + "."
    if isinstance(exc, SourceError | ConfigError):
        return (
            "A configured source is misconfigured; the server's admins have been told in the logs."
        )
    if isinstance(exc, ReviewError):  # already resolved, someone else was first, no such item
        return exc.message[:1].upper() + exc.message[1:] + "."
    if isinstance(exc, StoreError):
        return "Crosscheck's store is unavailable right now; please try again later."
    if isinstance(exc, NLIUnavailable):
        return (
            "Crosscheck's inference model is misconfigured; the server's admins have been told"
            " in the logs."
        )
    return "Something went wrong while checking; please try again later."


async def reply_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Tell the member who acted, and only them, in one short line: what was wrong with their
    request (a CheckError), or that something failed (anything else, logged with its trace).

    Works before and after the interaction was answered (deferred): exactly one response."""
    if isinstance(error, InputError | ReviewError):  # the member's request: nothing to fix
        log.info("interaction refused: %s", error)
        text = user_message(error)
    elif isinstance(error, CheckError):  # the operator's side: a source, the store, a model
        log.warning("interaction failed: %s", error)
        text = user_message(error)
    else:
        log.error("interaction failed", exc_info=error)
        text = FAILED
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not tell a member why their interaction failed: %s", exc)
