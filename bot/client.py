"""The Discord client: loads cogs, registers restart-proof buttons, runs background ingestion."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.exts.check import AnswerButton
from bot.exts.review import ReviewButton
from bot.ratelimit import RateLimits
from bot.review_desk import ReviewDesk
from checks.engine import Engine
from checks.errors import CheckError
from checks.models import (
    CheckResult,
    GuildConfig,
    LinkCheckResult,
    ReviewAction,
    ReviewItem,
    ReviewState,
    SourceStatus,
)

__all__ = ["EXTENSIONS", "CrosscheckBot", "ShardedCrosscheckBot", "make_bot"]

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.exts.check", "bot.exts.admin", "bot.exts.review")


class CrosscheckBot(commands.Bot):
    """The bot in one process with all shards (the usual case); see :func:`make_bot`."""

    def __init__(
        self,
        engine: Engine,
        *,
        watch_messages: bool = False,
        ingest_every: float = 60.0,
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
            **shards,
        )
        self.engine = engine
        self.limits = limits or RateLimits()
        self.ingest_every = ingest_every
        self.sync_guild, self.sync_global = sync_guild, sync_global
        self._ingest_task: asyncio.Task[None] | None = None
        self._ingest_lock = asyncio.Lock()
        self.rate_limited: dict[str, int] = {"member": 0, "server": 0}
        self.metrics: Any = None  # bot.web.Metrics when the web surface runs
        self.desk = ReviewDesk(self)
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._reconciled = False
        self.tree.on_error = self._on_app_command_error  # type: ignore[method-assign]

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
        if self.ingest_every > 0:
            self._ingest_task = asyncio.create_task(self._ingest_loop(), name="crosscheck-ingest")

    async def close(self) -> None:
        if self._ingest_task is not None:
            self._ingest_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ingest_task
        await super().close()

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s)", self.user, len(self.guilds))
        if not self._reconciled:  # once per process: cards missing or stale since last run
            self._reconciled = True
            try:
                touched = await self.desk.reconcile()
            except (CheckError, discord.HTTPException) as exc:
                log.warning("review queue reconciliation failed: %s", exc)
            else:
                if touched:
                    log.info("reconciled %d review card(s)", touched)

    async def _on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # the check already told the member why
        log.error("command %s failed", getattr(interaction.command, "name", "?"), exc_info=error)
        message = "Something went wrong; the error was logged."
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            pass

    # ------------------------------------------------------------------ background ingestion

    async def ingest_once(self) -> None:
        async with self._ingest_lock:
            try:
                report = await self.engine.aingest(only_due=True)
            except CheckError as exc:
                log.warning("background ingestion failed: %s", exc)
                return
            if report.added:
                log.info("ingested %d article(s), %d claim(s)", report.added, report.claims)

    async def _ingest_loop(self) -> None:
        while True:
            await self.ingest_once()
            await asyncio.sleep(self.ingest_every)

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

    # ------------------------------------------------------------------ hooks for cogs

    async def source_status(self) -> list[SourceStatus]:
        return await asyncio.to_thread(self.engine.sources)

    def note_rate_limited(self, which: str) -> None:
        self.rate_limited[which] = self.rate_limited.get(which, 0) + 1
        if self.metrics is not None:
            self.metrics.rate_limited.labels(which).inc()

    async def answered(
        self,
        result: CheckResult | LinkCheckResult,
        *,
        answer_id: int,
        surface: str,
        guild: GuildConfig,
        guild_id: int | None,
        channel_id: int | None,
        message_id: int | None,
        user_id: int | None,
    ) -> None:
        """An answer was posted: disputed, mixed and unsure ones go to the review queue."""
        if guild_id is None:
            return
        ask = {
            "channel_id": channel_id,
            "message_id": message_id,
            "answer_id": answer_id,
            "user_id": user_id,
            "ephemeral": guild.visibility == "ephemeral",
        }
        for item, _created in await self.engine.review_answer(
            result, guild, guild_id=guild_id, ask=ask
        ):
            await self.review_changed(item, actor_id=None, action=ReviewAction.ASK)

    async def disputed(
        self, answer_id: int, *, user_id: int, reason: str, guild_id: int | None
    ) -> None:
        """A member disputed an answer: keep the reason and queue the claim for moderators."""
        for item, _created in await self.engine.dispute(answer_id, user_id, reason):
            await self.review_changed(item, actor_id=user_id, action=ReviewAction.DISPUTE)

    async def review_changed(
        self, item: ReviewItem, *, actor_id: int | None, action: ReviewAction
    ) -> None:
        """Redraw the card; log decisions; follow up in the conversations once resolved."""
        try:
            await self.desk.publish(item)
            if action not in (ReviewAction.ASK, ReviewAction.DISPUTE, ReviewAction.CREATE):
                await self.desk.log_action(item, actor_id, action)
            if item.state is ReviewState.RESOLVED:
                await self.desk.follow_up(item)
        except discord.HTTPException as exc:
            log.warning("review #%s: Discord refused an update: %s", item.id, exc)


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
