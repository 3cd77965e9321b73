"""Start the processes: the Discord bot (with its web surface) or the web surface alone."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import discord

from bot.client import CrosscheckBot
from bot.ratelimit import RateLimits
from bot.service import Service
from bot.settings import Settings
from checks.engine import Engine
from checks.errors import CheckError

__all__ = ["BotStartError", "run_bot", "run_serve"]

log = logging.getLogger(__name__)


class BotStartError(Exception):
    """The process cannot start or stay up; the message is for the operator."""


def _point_at(settings: Settings) -> None:
    """Use another Discord endpoint (a loopback stand-in in tests)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway:
        import yarl

        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway)


def _open(db: str | Path, sources: str | Path) -> Engine:
    try:
        return Engine.open(db, sources)
    except CheckError as exc:
        raise BotStartError(str(exc)) from None


def _secret(value: object) -> str | None:
    if value is None:
        return None
    text = value.get_secret_value().strip()  # type: ignore[attr-defined]
    return text or None


def _web_error(
    exc: OSError, settings: Settings, host: str | None, port: int | None
) -> BotStartError:
    where = f"{host or settings.web_host}:{port if port is not None else settings.web_port}"
    return BotStartError(f"cannot listen on {where}: {exc.strerror or exc}")


def run_serve(
    settings: Settings,
    *,
    db: str | Path,
    sources: str | Path,
    host: str | None = None,
    port: int | None = None,
) -> None:
    """The web surface and the ingestion loop, without Discord, until SIGTERM / SIGINT."""
    engine = _open(db, sources)
    service = Service(
        engine,
        host=host or settings.web_host,
        port=port if port is not None else settings.web_port,
        api_token=_secret(settings.api_token),
        ingest_every=settings.ingest_every,
        shutdown_timeout=settings.shutdown_timeout,
    )
    try:
        asyncio.run(service.run())
    except OSError as exc:
        raise _web_error(exc, settings, host, port) from None
    finally:
        engine.close()


def run_bot(
    settings: Settings,
    *,
    db: str | Path,
    sources: str | Path,
    sync_guild: int | None = None,
    sync_global: bool = False,
    host: str | None = None,
    port: int | None = None,
) -> None:
    """Run the bot (and its web surface) until stopped. Raises BotStartError with one line."""
    token = _secret(settings.discord_token)
    if not token:
        raise BotStartError(
            "CROSSCHECK_DISCORD_TOKEN is not set: create a bot in the Discord developer portal "
            "and put its token in the environment or .env (see README)"
        )
    engine = _open(db, sources)
    _point_at(settings)
    bot = CrosscheckBot(
        engine,
        watch_messages=settings.watch_messages,
        ingest_every=0,  # the service runs the ingestion loop
        sync_guild=sync_guild,
        sync_global=sync_global,
        limits=RateLimits(member=(settings.member_rate, 60.0), guild=(settings.server_rate, 60.0)),
    )

    async def main() -> None:
        service = Service(
            engine,
            host=host or settings.web_host,
            port=port if port is not None else settings.web_port,
            api_token=_secret(settings.api_token),
            ingest_every=settings.ingest_every,
            shutdown_timeout=settings.shutdown_timeout,
            bot=bot,
        )
        await service.run(token)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        raise BotStartError("Discord rejected the token in CROSSCHECK_DISCORD_TOKEN") from None
    except discord.PrivilegedIntentsRequired:
        raise BotStartError(
            "the Message Content intent is not enabled for this bot: enable it in the developer "
            "portal, or unset CROSSCHECK_WATCH_MESSAGES"
        ) from None
    except (aiohttp.ClientError, discord.GatewayNotFound, discord.ConnectionClosed) as exc:
        raise BotStartError(f"cannot reach Discord: {exc}") from None
    except discord.HTTPException as exc:
        raise BotStartError(f"Discord refused a request: {exc.status} {exc.text}") from None
    except OSError as exc:
        if exc.errno in (98, 13):  # address in use, permission denied: the web port
            raise _web_error(exc, settings, host, port) from None
        raise BotStartError(f"cannot reach Discord: {exc}") from None
    finally:
        engine.close()
