"""Fixtures for the bot's handler tests: a real engine per test, a bot that never logs in, and
spec'd ``discord.Interaction`` / ``discord.Message`` doubles (tests/bot/discord_doubles.py).

There is deliberately no ``tests/bot/__init__.py``: with pytest's default (prepend) import mode
it would make this directory a package named ``bot`` that shadows the real ``bot`` package.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest
from discord_doubles import interaction_double, message_double

from bot.client import CrosscheckBot
from bot.exts.admin import AdminCog
from bot.exts.check import CheckCog
from checks.engine import Engine

ROOT = Path(__file__).resolve().parents[2]


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
    return CrosscheckBot(engine)


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
