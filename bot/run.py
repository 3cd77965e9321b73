"""Start the processes: the Discord bot (with its web surface) or the web surface alone."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import discord

from bot.client import make_bot
from bot.ratelimit import RateLimits
from bot.service import GatewayError, Service
from bot.settings import Settings
from checks.engine import Engine
from checks.errors import CheckError

__all__ = ["BotStartError", "run_bot", "run_serve", "run_worker"]

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


def _open(db: str | Path, sources: str | Path, *, judges: bool = True) -> Engine:
    """The engine of a process that answers checks; an NLI model the operator configured is
    loaded now, so a broken one stops the start with one line instead of failing every check."""
    from checks.nli import get_model

    try:
        engine = Engine.open(db, sources)
        if judges:
            get_model()
    except CheckError as exc:
        raise BotStartError(str(exc)) from None
    return engine


def _secret(value: object) -> str | None:
    if value is None:
        return None
    text = value.get_secret_value().strip()  # type: ignore[attr-defined]
    return text or None


def _token_shaped(token: str) -> bool:
    """Whether ``token`` is made of the visible ASCII characters a token is made of: one with a
    line break or a control character would be sent in an HTTP header, which refuses it with a
    traceback."""
    return all("!" <= c <= "~" for c in token)


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
    api: bool = True,
) -> None:
    """The web surface and the ingestion loop, without Discord, until SIGTERM / SIGINT.

    ``api=False`` is an ingestion worker: health endpoints only, no JSON API."""
    engine = _open(db, sources, judges=api)
    service = Service(
        engine,
        host=host or settings.web_host,
        port=port if port is not None else settings.web_port,
        api_token=_secret(settings.api_token) if api else None,
        ingest_every=settings.ingest_every,
        shutdown_timeout=settings.shutdown_timeout,
        lease_seconds=settings.lease_seconds,
    )
    if not api:
        service.state.api_off = (
            "a worker serves no API: send API requests to `crosscheck serve` or `crosscheck bot`"
        )
    try:
        asyncio.run(service.run())
    except OSError as exc:
        raise _web_error(exc, settings, host, port) from None
    finally:
        engine.close()


def run_worker(
    settings: Settings,
    *,
    db: str | Path,
    sources: str | Path,
    host: str | None = None,
    port: int | None = None,
) -> None:
    """Ingestion only (sources taken under leases), with health endpoints."""
    if settings.ingest_every <= 0:
        raise BotStartError("CROSSCHECK_INGEST_EVERY must be above 0 for a worker")
    run_serve(settings, db=db, sources=sources, host=host, port=port, api=False)


def run_bot(
    settings: Settings,
    *,
    db: str | Path,
    sources: str | Path,
    sync_guild: int | None = None,
    sync_global: bool = False,
    host: str | None = None,
    port: int | None = None,
    shard_ids: list[int] | None = None,
    shard_count: int | None = None,
    ingest: bool = True,
) -> None:
    """Run the bot (and its web surface) until stopped. Raises BotStartError with one line.

    ``shard_ids`` / ``shard_count`` run some of the Discord shards (several bot processes);
    ``ingest=False`` leaves ingestion to ``crosscheck worker`` processes."""
    if (shard_ids is None) != (shard_count is None):
        raise BotStartError("give --shard-ids and --shard-count together")
    if shard_ids is not None and shard_count is not None:
        bad = [i for i in shard_ids if not 0 <= i < shard_count]
        if bad or not shard_ids:
            raise BotStartError(
                f"shard ids must be between 0 and {shard_count - 1}; got {shard_ids}"
            )
    token = _secret(settings.discord_token)
    if not token:
        raise BotStartError(
            "CROSSCHECK_DISCORD_TOKEN is not set: create a bot in the Discord developer portal "
            "and put its token in the environment or .env (see README)"
        )
    if not _token_shaped(token):
        raise BotStartError(
            "CROSSCHECK_DISCORD_TOKEN holds a space, a line break or another character no token "
            "has: copy the token again from the Discord developer portal"
        )
    engine = _open(db, sources)
    _point_at(settings)
    bot = make_bot(
        engine,
        watch_messages=settings.watch_messages,
        sync_guild=sync_guild,
        sync_global=sync_global,
        limits=RateLimits(member=(settings.member_rate, 60.0), guild=(settings.server_rate, 60.0)),
        shard_ids=shard_ids,
        shard_count=shard_count,
    )

    async def main() -> None:
        service = Service(
            engine,
            host=host or settings.web_host,
            port=port if port is not None else settings.web_port,
            api_token=_secret(settings.api_token),
            ingest_every=settings.ingest_every if ingest else 0,
            shutdown_timeout=settings.shutdown_timeout,
            bot=bot,
            lease_seconds=settings.lease_seconds,
        )
        await service.run(token)

    try:
        asyncio.run(main())
    except GatewayError as exc:
        raise BotStartError(str(exc)) from None
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
