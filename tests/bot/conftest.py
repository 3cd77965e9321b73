"""Fixtures for the bot's handler tests: a real engine per test, a bot that never logs in, and
spec'd ``discord.Interaction`` / ``discord.Message`` doubles (see EXAMPLES.md).

There is deliberately no ``tests/bot/__init__.py``: with pytest's default (prepend) import mode
it would make this directory a package named ``bot`` that shadows the real ``bot`` package.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest

from bot.client import CrosscheckBot
from bot.exts.admin import AdminCog
from bot.exts.check import CheckCog
from checks.engine import Engine

ROOT = Path(__file__).resolve().parents[2]

GUILD_ID = 10
CHANNEL_ID = 20
USER_ID = 1

_ids = itertools.count(900_000)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample sources ingested once; tests copy the file instead of re-ingesting."""
    db = tmp_path_factory.mktemp("bot-template") / "crosscheck.db"
    engine = Engine.open(db, ROOT / "sources.yaml")
    try:
        engine.ingest()
    finally:
        engine.close()
    return db


def copy_db(template: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        src = template.with_name(template.name + suffix)
        if src.exists():
            shutil.copy(src, target.with_name(target.name + suffix))
    return target


@pytest.fixture
def engine(template_db: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh engine per test (it writes answers and server settings): a real SQLite file."""
    eng = Engine.open(copy_db(template_db, tmp_path / "crosscheck.db"), ROOT / "sources.yaml")
    yield eng
    eng.close()


@pytest.fixture
def loopback_engine(template_db: Path, tmp_path: Path) -> Iterator[Engine]:
    """The sample sources, but allowed to fetch 127.0.0.1 (for links to a loopback page)."""
    base = tmp_path / "loopback"
    base.mkdir()
    shutil.copytree(ROOT / "samples", base / "samples")
    sources = base / "sources.yaml"
    sources.write_text(
        (ROOT / "sources.yaml").read_text(encoding="utf-8")
        + '\nfetch:\n  allow_hosts: ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    eng = Engine.open(copy_db(template_db, base / "crosscheck.db"), sources)
    assert eng.config.fetch.allow_hosts == ["127.0.0.1"]
    yield eng
    eng.close()


async def _make_bot(engine: Engine) -> CrosscheckBot:
    # never logs in: bot.tree and the cogs work without a connection
    return CrosscheckBot(engine, ingest_every=0)


@pytest.fixture
async def bot(engine: Engine) -> AsyncIterator[CrosscheckBot]:
    # ``async with`` runs the client's loop set-up without logging in, so close() works for an
    # auto-sharded client too (it never connected)
    async with await _make_bot(engine) as client:
        yield client


@pytest.fixture
async def check_cog(bot: CrosscheckBot) -> CheckCog:
    return CheckCog(bot)


@pytest.fixture
async def admin_cog(bot: CrosscheckBot) -> AdminCog:
    return AdminCog(bot)


@pytest.fixture
async def loopback_bot(loopback_engine: Engine) -> AsyncIterator[CrosscheckBot]:
    async with await _make_bot(loopback_engine) as client:
        yield client


def interaction_double(
    client: discord.Client,
    *,
    user_id: int = USER_ID,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
    **perms: bool,
) -> MagicMock:
    """A spec'd Interaction: coroutine methods of the spec'd mocks are AsyncMocks."""
    it = MagicMock(spec=discord.Interaction)
    it.response = MagicMock(spec=discord.InteractionResponse)
    it.followup = MagicMock(spec=discord.Webhook)
    it.followup.send.return_value = MagicMock(spec=discord.WebhookMessage, id=next(_ids))
    it.user.id, it.guild_id, it.channel_id = user_id, guild_id, channel_id
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
    jump_url: str = "https://discord.com/channels/10/20/30",
) -> MagicMock:
    msg = MagicMock(spec=discord.Message)
    msg.content = content
    msg.jump_url = jump_url
    msg.author.id, msg.author.bot = author_id, author_bot
    msg.channel.id = channel_id
    if guild_id is None:
        msg.guild = None
    else:
        msg.guild.id = guild_id
    msg.reply.return_value = MagicMock(spec=discord.Message, id=next(_ids))
    return msg


@pytest.fixture
def make_interaction(bot: CrosscheckBot) -> Callable[..., MagicMock]:
    """``make_interaction(user_id=…, guild_id=…, channel_id=…, manage_guild=True, client=…)``"""

    def make(*, client: discord.Client | None = None, **kwargs: Any) -> MagicMock:
        return interaction_double(client or bot, **kwargs)

    return make


@pytest.fixture
def make_message() -> Callable[..., MagicMock]:
    """``make_message("text", channel_id=…, author_bot=…)``: a spec'd discord.Message."""
    return message_double
