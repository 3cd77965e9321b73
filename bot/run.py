"""Start the Discord bot: settings → engine → client, with one clear line for each failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

import aiohttp
import discord

from bot.client import CrosscheckBot
from bot.ratelimit import RateLimits
from bot.settings import Settings
from checks.engine import Engine
from checks.errors import CheckError

__all__ = ["BotStartError", "run_bot"]

log = logging.getLogger(__name__)


class BotStartError(Exception):
    """The bot cannot start or stay connected; the message is for the operator."""


def _point_at(settings: Settings) -> None:
    """Use another Discord endpoint (a loopback stand-in in tests)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway:
        import yarl

        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway)


async def _run(bot: CrosscheckBot, token: str) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    async with bot:
        runner = asyncio.create_task(bot.start(token, reconnect=True))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.warning("stopping: closing the Discord connection and the store")
            await bot.close()
        stopper.cancel()
        await runner  # re-raises a start failure


def run_bot(
    settings: Settings,
    *,
    db: str | Path,
    sources: str | Path,
    sync_guild: int | None = None,
    sync_global: bool = False,
) -> None:
    """Run until stopped. Raises BotStartError with one operator-facing line."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise BotStartError(
            "CROSSCHECK_DISCORD_TOKEN is not set: create a bot in the Discord developer portal "
            "and put its token in the environment or .env (see README)"
        )
    try:
        engine = Engine.open(db, sources)
    except CheckError as exc:
        raise BotStartError(str(exc)) from None
    _point_at(settings)
    bot = CrosscheckBot(
        engine,
        watch_messages=settings.watch_messages,
        ingest_every=settings.ingest_every,
        sync_guild=sync_guild,
        sync_global=sync_global,
        limits=RateLimits(member=(settings.member_rate, 60.0), guild=(settings.server_rate, 60.0)),
    )
    try:
        asyncio.run(_run(bot, token))
    except discord.LoginFailure:
        raise BotStartError("Discord rejected the token in CROSSCHECK_DISCORD_TOKEN") from None
    except discord.PrivilegedIntentsRequired:
        raise BotStartError(
            "the Message Content intent is not enabled for this bot: enable it in the developer "
            "portal, or unset CROSSCHECK_WATCH_MESSAGES"
        ) from None
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound, discord.ConnectionClosed) as exc:
        raise BotStartError(f"cannot reach Discord: {exc}") from None
    except discord.HTTPException as exc:
        raise BotStartError(f"Discord refused a request: {exc.status} {exc.text}") from None
    finally:
        engine.close()
