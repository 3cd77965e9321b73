"""The real `crosscheck bot` process against the loopback Discord stand-in.

One end-to-end test drives the whole path: `crosscheck ingest`, then `crosscheck bot` as a
subprocess pointed at the stand-in by environment; it logs in, IDENTIFYs, answers `/check`
(deferred callback, then a follow-up with the embed), keeps `@everyone` silent, RESUMEs after the
socket drops, and exits 0 on SIGTERM. The other tests cover start-up failures: one clear line and
a non-zero exit. Every wait is bounded and the process is killed in a `finally`.

The bot does not sync commands unless `--sync-guild` is given; discord.py finds a global slash
command by *name* in its tree (``CommandTree._get_app_command_options``: no ``guild_id`` in the
interaction data → ``_global_commands.get(name)``), so the id the stand-in invents does not matter.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import child_env, run_cli_async, start_cli

from .discord_standin import OP_IDENTIFY, OP_RESUME, DiscordStandIn, RecordedRequest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "crosscheck-e2e-token"
DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
STEP = 15.0  # seconds any single wait may take (the first READY alone takes ~2 s)
BUDGET = 45.0  # seconds a whole test body may take


def base_env(**extra: str) -> dict[str, str]:
    # the bot process also serves /healthz etc.: an ephemeral port, so tests never collide
    env = child_env(columns=None, ingest_every="0", web_port="0")
    env.update(extra)
    return env


async def crosscheck(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    r = await run_cli_async(*args, cwd=cwd, env=env)
    return r.returncode, r.stdout, r.stderr


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return (
            self.stdout.read_text(errors="replace") + "\n" + self.stderr.read_text(errors="replace")
        )


@contextlib.asynccontextmanager
async def bot_process(workdir: Path, env: dict[str, str]) -> AsyncIterator[BotProcess]:
    out, err = workdir / "bot.out", workdir / "bot.err"
    with out.open("wb") as o, err.open("wb") as e:
        proc = await start_cli(
            "--db",
            str(workdir / "crosscheck.db"),
            "--sources",
            str(workdir / "sources.yaml"),
            "bot",
            cwd=workdir,
            env=env,
            stdout=o,
            stderr=e,
        )
    bot = BotProcess(proc, out, err)
    try:
        yield bot
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def embeds_of(req: RecordedRequest) -> list[dict[str, Any]]:
    return list((req.json or {}).get("embeds") or [])


async def answer_of(standin: DiscordStandIn, sent: dict[str, Any]) -> RecordedRequest:
    """The deferred callback, then the follow-up that carries the answer."""
    callback = await standin.wait_for_request(standin.callback_for(sent), STEP)
    assert callback.status == 200, callback.response
    assert callback.json["type"] == 5, "deferred at once (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE)"
    follow = await standin.wait_for_request(standin.followup_for(sent), STEP)
    assert follow.status == 200, follow.response
    assert follow.method in ("POST", "PATCH")
    return follow


async def test_the_bot_process_answers_checks_resumes_and_stops_cleanly(workdir: Path) -> None:
    code, out, err = await crosscheck(
        "--db", "crosscheck.db", "--sources", "sources.yaml", "ingest", cwd=workdir, env=base_env()
    )
    assert code == 0, err
    assert "Stored" in out

    async with DiscordStandIn(token=TOKEN) as standin:
        env = base_env(**standin.env(), CROSSCHECK_DISCORD_TOKEN=TOKEN)
        async with bot_process(workdir, env) as bot:
            try:
                await asyncio.wait_for(_drive(standin, bot), BUDGET)
            except BaseException:
                print(bot.output())  # shown by pytest on failure
                raise


async def _drive(standin: DiscordStandIn, bot: BotProcess) -> None:
    identify = await standin.wait_for_frame(lambda f: f.op == OP_IDENTIFY, STEP)
    assert identify.d["token"] == TOKEN
    assert identify.d["intents"] & (1 << 15) == 0, "no message-content intent unless asked"
    await standin.wait_for_session(STEP)
    assert not standin.commands, "commands are not synced on start (only with --sync-guild)"

    # (a) /check: deferred callback, then the Disputed embed with the figures
    sent = await standin.send_interaction("check", {"claim": DISPUTED}, timeout=STEP)
    follow = await answer_of(standin, sent)
    (embed,) = embeds_of(follow)
    assert "Disputed" in embed["title"]
    notes = [
        line
        for f in embed.get("fields", [])
        for line in f["value"].splitlines()
        if line.startswith("•")
    ]
    assert any("25,000" in n and "10,000" in n for n in notes), notes
    assert follow.json["allowed_mentions"] == {"parse": []}
    custom_ids = [
        c["custom_id"] for row in follow.json.get("components", []) for c in row["components"]
    ]
    assert any(c.startswith("crosscheck:answer:sources:") for c in custom_ids)
    assert any(c.startswith("crosscheck:answer:dispute:") for c in custom_ids)

    # (b) a claim that mentions everyone goes out with mentions disabled
    sent = await standin.send_interaction(
        "check", {"claim": f"@everyone is this true: {DISPUTED}"}, timeout=STEP
    )
    follow = await answer_of(standin, sent)
    assert follow.json["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in (follow.json.get("content") or "")
    assert embeds_of(follow)

    # (c) the socket drops; the bot RESUMEs (no new IDENTIFY) and answers again
    await standin.drop_connections()
    resume = await standin.wait_for_frame(lambda f: f.op == OP_RESUME, STEP)
    assert resume.d["token"] == TOKEN and resume.connection > identify.connection
    await standin.wait_for_session(STEP)
    sent = await standin.send_interaction("check", {"claim": DISPUTED}, timeout=STEP)
    follow = await answer_of(standin, sent)
    assert "Disputed" in embeds_of(follow)[0]["title"]
    assert sum(1 for f in standin.frames if f.op == OP_IDENTIFY) == 1

    # SIGTERM: a clean stop within 10 s
    bot.proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(bot.proc.wait(), 10)
    assert code == 0, bot.output()
    assert "Traceback" not in bot.output()


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("crosscheck: error:")]


async def test_a_wrong_token_is_one_clear_line_and_a_non_zero_exit(workdir: Path) -> None:
    async with DiscordStandIn(token=TOKEN) as standin:
        env = base_env(**standin.env(), CROSSCHECK_DISCORD_TOKEN="not-the-token", COLUMNS="200")
        async with bot_process(workdir, env) as bot:
            code = await asyncio.wait_for(bot.proc.wait(), STEP)
        stderr = bot.stderr.read_text()
        assert code != 0
        (line,) = error_lines(stderr)
        assert "token" in line.lower()
        assert "Traceback" not in stderr
        assert not any(f.op == OP_IDENTIFY for f in standin.frames), "stopped at login"


async def test_a_missing_token_is_a_clear_line_and_a_non_zero_exit(workdir: Path) -> None:
    code, _, err = await crosscheck("bot", cwd=workdir, env=base_env(COLUMNS="200"))
    assert code != 0
    (line,) = error_lines(err)
    assert "CROSSCHECK_DISCORD_TOKEN is not set" in line
    assert "Traceback" not in err


async def test_a_missing_token_is_one_line_even_off_a_terminal(workdir: Path) -> None:
    code, _, err = await crosscheck("bot", cwd=workdir, env=base_env())
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err


async def test_an_unreachable_gateway_is_one_clear_line_and_a_non_zero_exit(
    workdir: Path,
) -> None:
    async with DiscordStandIn(token=TOKEN) as standin:
        env = base_env(**standin.env(), CROSSCHECK_DISCORD_TOKEN=TOKEN, COLUMNS="200")
        env["CROSSCHECK_DISCORD_GATEWAY"] = "ws://127.0.0.1:9/"  # nothing listens there
        async with bot_process(workdir, env) as bot:
            code = await asyncio.wait_for(bot.proc.wait(), STEP)
        stderr = bot.stderr.read_text()
        assert code != 0
        assert "Traceback" not in stderr and "╭" not in stderr, stderr[-2000:]
        (line,) = error_lines(stderr)
        assert "gateway" in line.lower() or "reach discord" in line.lower()
