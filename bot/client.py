"""The Discord client: loads the cogs, registers the restart-proof buttons, owns the answer and
review desks, and maps every command error to one reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answers import AnswerDesk
from bot.ratelimit import RateLimits
from bot.replies import reply_error
from bot.review_desk import ReviewDesk
from bot.views import AnswerButton, ReviewButton
from checks.engine import Engine
from checks.errors import CheckError

if TYPE_CHECKING:
    from bot.web import Metrics

__all__ = ["EXTENSIONS", "CrosscheckBot", "CrosscheckTree", "ShardedCrosscheckBot", "make_bot"]

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.exts.check", "bot.exts.admin", "bot.exts.review")


class CrosscheckTree(app_commands.CommandTree["CrosscheckBot"]):
    """The command tree, whose ``on_error`` is the error handler of every command."""

    async def on_error(
        self,
        interaction: discord.Interaction[CrosscheckBot],
        error: app_commands.AppCommandError,
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # the check already told the member why
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await reply_error(interaction, original)


class CrosscheckBot(commands.Bot):
    """The bot in one process with all shards (the usual case); see :func:`make_bot`.

    Cogs reach the work through two collaborators: ``answers`` (an
    :class:`~bot.answers.AnswerDesk`: post an answer, take a dispute) and ``review`` (a
    :class:`~bot.review_desk.ReviewDesk`: moderators' decisions and the review cards)."""

    def __init__(
        self,
        engine: Engine,
        *,
        watch_messages: bool = False,
        sync_guild: int | None = None,
        sync_global: bool = False,
        limits: RateLimits | None = None,
        shard_ids: list[int] | None = None,
        shard_count: int | None = None,
    ) -> None:
        intents = discord.Intents.default()
        # only watched channels need to read message text (a privileged intent)
        intents.message_content = watch_messages
        shards: dict[str, Any] = {}
        if shard_ids is not None:  # some of the shards (several bot processes)
            shards = {"shard_ids": shard_ids, "shard_count": shard_count}
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=CrosscheckTree,
            **shards,
        )
        self.engine = engine
        self.limits = limits or RateLimits()
        self.sync_guild, self.sync_global = sync_guild, sync_global
        self.metrics: Metrics | None = None  # set when the web surface runs
        self.review = ReviewDesk(self, engine)
        self.answers = AnswerDesk(engine, self.review)
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._reconciled = False

    async def setup_hook(self) -> None:
        for ext in EXTENSIONS:
            await self.load_extension(ext)
        self.add_dynamic_items(AnswerButton, ReviewButton)
        if self.sync_guild:
            guild = discord.Object(id=self.sync_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.warning("synced %d command(s) to guild %s", len(synced), self.sync_guild)
        if self.sync_global:
            synced = await self.tree.sync()
            log.warning("synced %d command(s) globally (may take up to an hour)", len(synced))

    async def connect(self, *, reconnect: bool = True) -> None:
        """discord.py's ``connect``, raising what went wrong when the gateway was never reached.

        When its first connection fails, discord.py waits and retries as a RESUME, reading the
        session of a websocket it never had: an ``AttributeError`` ("'NoneType' object has no
        attribute 'sequence'") that hides the real failure. That failure is the exception it
        was handling at the time, and is raised instead (refused, unreachable, not a gateway)."""
        try:
            await super().connect(reconnect=reconnect)
        except AttributeError as exc:
            cause = exc.__context__
            if getattr(self, "ws", None) is None and isinstance(cause, Exception):
                raise cause from None
            raise

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s)", self.user, len(self.guilds))
        if not self._reconciled:  # once per process: cards missing or stale since last run
            self._reconciled = True
            try:
                async with self.working():  # shutdown lets a card being posted finish
                    touched = await self.review.reconcile()
            except (CheckError, discord.HTTPException) as exc:
                log.warning("review queue reconciliation failed: %s", exc)
            else:
                if touched:
                    log.info("reconciled %d review card(s)", touched)

    # ------------------------------------------------------------------ in-flight work

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Count an interaction being handled, so shutdown can let it finish."""
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait (bounded) until no interaction is being handled; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def note_rate_limited(self, which: str) -> None:
        """Count a check refused by a rate limit (``which``: member or server) in the metrics."""
        if self.metrics is not None:
            self.metrics.rate_limited.labels(which).inc()


class ShardedCrosscheckBot(CrosscheckBot, commands.AutoShardedBot):
    """The bot running some of the shards, for several bot processes on one store."""


def make_bot(
    engine: Engine,
    *,
    shard_ids: list[int] | None = None,
    shard_count: int | None = None,
    **options: Any,
) -> CrosscheckBot:
    """A plain bot, or a sharded one when shard ids are given."""
    if shard_ids is None:
        return CrosscheckBot(engine, **options)
    return ShardedCrosscheckBot(engine, shard_ids=shard_ids, shard_count=shard_count, **options)
