"""One process's lifetime: web surface, background ingestion and (optionally) the Discord bot,
started together and stopped gracefully on SIGTERM / SIGINT.

Stopping: refuse new API work, let in-flight checks finish, let ingestion finish the article it
is storing, close Discord, the web server and the store — each wait bounded — then return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid
from typing import TYPE_CHECKING

from bot.web import DiscordStatus, Metrics, WebState, _QueueCollector, start_web
from checks.engine import Engine
from checks.errors import CheckError, StoreError

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = ["GatewayError", "Service"]

log = logging.getLogger(__name__)


class GatewayError(Exception):
    """The Discord gateway could not be reached or did not answer; the message says which."""


class Service:
    def __init__(
        self,
        engine: Engine,
        *,
        host: str,
        port: int,
        api_token: str | None,
        ingest_every: float,
        shutdown_timeout: float = 20.0,
        bot: CrosscheckBot | None = None,
        lease_seconds: float = 120.0,
        ready_timeout: float = 60.0,
    ) -> None:
        self.ready_timeout = ready_timeout
        self.engine = engine
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = lease_seconds
        self.host, self.port = host, port
        self.ingest_every = ingest_every
        self.shutdown_timeout = shutdown_timeout
        self.bot = bot
        self.metrics = Metrics()
        self.metrics.registry.register(_QueueCollector(engine))
        engine.events.subscribe(self.metrics)
        discord_status = None
        if bot is not None:
            bot.metrics = self.metrics
            discord_status = DiscordStatus(
                connected=lambda: bot.is_ready() and not bot.is_closed(),
                latency=lambda: bot.latency,
                shards=lambda: bot.shard_count or 1,
            )
        self.state = WebState(engine, self.metrics, api_token=api_token, discord=discord_status)
        self.stop = asyncio.Event()
        self._ingest_stop = asyncio.Event()

    async def _ingest_loop(self) -> None:
        while not self._ingest_stop.is_set():
            try:
                report = await self.engine.aingest(
                    only_due=True,
                    stop=self._ingest_stop,
                    holder=self.holder,
                    lease_seconds=self.lease_seconds,
                )
                if report.added:
                    log.info("ingested %d article(s), %d claim(s)", report.added, report.claims)
            except StoreError as exc:
                log.error("ingestion stopped by the store: %s", exc)
            except CheckError as exc:
                log.warning("ingestion failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ingest_stop.wait(), self.ingest_every)

    async def run(self, token: str | None = None) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop.set)
        runner = await start_web(
            self.state, host=self.host, port=self.port, shutdown_timeout=self.shutdown_timeout / 4
        )
        tasks: list[asyncio.Task[None]] = []
        bot_task: asyncio.Task[None] | None = None
        stopper = asyncio.create_task(self.stop.wait(), name="stop")
        try:
            if self.bot is not None and token is not None:
                bot_task = await self._connect(token, stopper)
            # ingestion starts once the bot is connected: a bot that cannot start (a rejected
            # token, no gateway) leaves the sources as they were
            if self.ingest_every > 0 and not self.stop.is_set():
                tasks.append(asyncio.create_task(self._ingest_loop(), name="ingest"))
            waiting = {stopper} | ({bot_task} if bot_task else set())
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if bot_task is not None and bot_task in done:
                bot_task.result()  # the connection ended for good: say why
        finally:
            await self._shutdown(runner, tasks, bot_task, stopper)

    async def _connect(self, token: str, stopper: asyncio.Task[bool]) -> asyncio.Task[None]:
        """Log in (a bad token fails here), then connect and wait for the first READY; until
        then any failure, or silence, is one GatewayError instead of a library traceback."""
        assert self.bot is not None
        await self.bot.login(token)
        task = asyncio.create_task(self.bot.connect(reconnect=True), name="discord")
        ready = asyncio.create_task(self.bot.wait_until_ready(), name="ready")
        try:
            done, _ = await asyncio.wait(
                {task, ready, stopper},
                timeout=self.ready_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            ready.cancel()
        if task in done:
            exc = task.exception()
            raise GatewayError(f"cannot reach the Discord gateway: {exc or 'connection closed'}")
        if not done:
            task.cancel()
            raise GatewayError(
                f"no answer from the Discord gateway within {self.ready_timeout:g} seconds"
            )
        return task

    async def _shutdown(
        self,
        runner: object,
        tasks: list[asyncio.Task[None]],
        bot_task: asyncio.Task[None] | None,
        stopper: asyncio.Task[bool],
    ) -> None:
        log.warning("shutting down: finishing in-flight work")
        self.state.accepting = False
        self._ingest_stop.set()
        deadline = self.shutdown_timeout
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.state.idle.wait(), deadline / 2)
        for t in tasks:  # ingestion stops after the article it is storing
            try:
                await asyncio.wait_for(t, deadline / 2)
            except TimeoutError:
                log.warning("ingestion did not stop in time; cancelling it")
            except Exception:
                pass
        if self.bot is not None and not self.bot.is_closed():
            if not await self.bot.wait_idle(deadline / 2):
                log.warning("Discord interactions still running at shutdown; closing anyway")
            await self.bot.close()
        if bot_task is not None and not bot_task.done():
            bot_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await bot_task
        stopper.cancel()
        await runner.cleanup()  # type: ignore[attr-defined]
        log.warning("stopped cleanly")
