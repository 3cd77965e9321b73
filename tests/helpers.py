"""Running the ``crosscheck`` command from tests: in-process (fast) or as a real process (e2e).

Import it like ``loopback.py`` (tests/ is on ``sys.path``)::

    from helpers import ROOT, invoke, run_cli

``invoke`` runs the Typer app in this process with click's ``CliRunner``: the same argument
parsing, output and exit codes as a user sees, without paying a Python start and a cold import per
call. Use it for what a command prints and how it exits. ``run_cli`` and ``start_cli`` start a
real ``python -m bot.cli`` process: keep them for what only a process shows (signals, a kill
mid-run, start-up and shutdown) and mark such tests ``e2e``.

Both run with no ``CROSSCHECK_*`` variable from the caller's environment (pass settings as
keywords: ``log_format="json"`` sets ``CROSSCHECK_LOG_FORMAT``) and 200 columns unless told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = [
    "ROOT",
    "CliResult",
    "child_env",
    "copy_store",
    "invoke",
    "run_cli",
    "run_cli_async",
    "start_cli",
]

ROOT = Path(__file__).resolve().parent.parent
# an in-process command owns the process's working directory, environment and sys.std* while it
# runs: two at once (from threads) would see each other's, so they take turns
_INVOKE_LOCK = threading.Lock()


@dataclass(frozen=True)
class CliResult:
    """What a finished command left: the same three fields as ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def _settings_env(settings: dict[str, str]) -> dict[str, str]:
    return {f"CROSSCHECK_{k.upper()}": v for k, v in settings.items()}


def child_env(
    *, columns: int | None = 200, guard: Path | None = None, **settings: str
) -> dict[str, str]:
    """The environment of a ``crosscheck`` child process: ours without ``CROSSCHECK_*``, the
    repository on ``PYTHONPATH`` (after ``guard``, a sitecustomize directory, if given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSCHECK_")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (guard, ROOT) if p is not None)
    env.pop("COLUMNS", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    env.update(_settings_env(settings))
    return env


def run_cli(
    *args: str,
    cwd: Path,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    prefix: Sequence[str] = (),
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``crosscheck ARGS`` as a real process, waited for (``env`` defaults to ``child_env()``).

    ``prefix`` runs it under another command (``setpriv …``); ``preexec_fn`` runs in the child
    before it starts (resource limits)."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env if env is not None else child_env(),
        input=stdin,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


async def start_cli(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    stdout: IO[Any] | int | None = None,
    stderr: IO[Any] | int | None = None,
) -> asyncio.subprocess.Process:
    """``crosscheck ARGS`` as a real process, started and not waited for."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=cwd,
        env=env if env is not None else child_env(),
        stdout=stdout,
        stderr=stderr,
    )


async def run_cli_async(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 30
) -> CliResult:
    """``crosscheck ARGS`` as a real process from async code, waited for (killed at ``timeout``)."""
    proc = await start_cli(
        *args, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


def invoke(
    *args: str, cwd: Path, stdin: str | None = None, columns: int | None = 200, **settings: str
) -> CliResult:
    """``crosscheck ARGS`` run in this process, in ``cwd``; an exception the command did not turn
    into a message and an exit code is raised here, as a real process would print a traceback.

    Not for a running event loop's thread (the commands call ``asyncio.run``): from an async test,
    ``await asyncio.to_thread(invoke, ...)``. Calls from several threads run one at a time."""
    from typer.testing import CliRunner

    from bot.cli import app

    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CROSSCHECK_")}
    env["COLUMNS"] = None if columns is None else str(columns)
    env.update(_settings_env(settings))
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        with _INVOKE_LOCK, contextlib.chdir(cwd):
            result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    finally:
        # the command configures logging for its process; give the test run its own back
        root.handlers[:], level = saved
        root.setLevel(level)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def copy_store(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite store (pages and write-ahead log both), ready to open."""
    with (
        contextlib.closing(sqlite3.connect(src)) as a,
        contextlib.closing(sqlite3.connect(dst)) as b,
    ):
        a.backup(b)
    return dst
