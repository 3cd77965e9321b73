"""Hostile input and operator mistakes, continued (issue 13, the items test_hostile.py leaves).

Each test runs the attack or the mistake first. Commands that could blow up run as real processes
under a memory limit (``RLIMIT_AS``) and a CPU-time limit (``RLIMIT_CPU``); the wall clock only
guards against a hang and is generous, since the machine may be busy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import select
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pytest
from helpers import child_env, invoke, run_cli, run_cli_async

from checks.claims import is_link, validate_claim
from checks.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 1 << 30  # bytes of address space for each command run under limits
CPU_SECONDS = 60  # CPU time, not wall time: a loaded machine does not make a test fail


def limited_cli(
    *args: str, cwd: Path, stdin: IO[bytes] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``crosscheck ARGS`` as a real process under the memory and CPU-time limits; ``stdin``
    is handed to it as it is (a device, a pipe)."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))

    if stdin is None:
        return run_cli(*args, cwd=cwd, timeout=timeout, preexec_fn=limits)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=child_env(),
        stdin=stdin,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        preexec_fn=limits,
    )


def one_error(r: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command."""
    assert r.returncode > 0, (r.returncode, r.stderr[-3000:])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr[-3000:]
    return lines[0]


# ---------------------------------------------------------------------------- 11: link schemes

NOT_WEB_LINKS = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "gopher://example.org/1",
    "ftp://example.org/pub/file.txt",
    "javascript:alert(1)",
    " data:text/html,<script>alert(1)</script> ",
]


@pytest.mark.parametrize("link", NOT_WEB_LINKS)
def test_a_link_that_is_not_http_is_refused_as_a_claim(link: str) -> None:
    assert not is_link(link)
    with pytest.raises(InputError, match="only http and https links can be checked"):
        validate_claim(link)


@pytest.mark.parametrize(
    "text",
    [
        "The minister said: troops will arrive in March",
        "Note: the bridge reopened on Monday",
        "At 12:30 the bridge reopened",
        "https://example.org/a is a link inside a sentence",
    ],
)
def test_claims_with_colons_are_still_claims(text: str) -> None:
    assert validate_claim(text)


@pytest.mark.parametrize("link", ["file:///etc/passwd", "gopher://example.org/1", "javascript:x"])
def test_crosscheck_check_of_a_non_web_link_is_one_line_and_rc_1(ingested: Path, link: str) -> None:
    r = invoke("check", link, cwd=ingested)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "only http and https links can be checked" in r.stderr
    assert r.stdout == ""
    r = invoke("check", "--json", link, cwd=ingested)
    assert r.returncode == 1 and "only http and https links" in r.stderr


async def test_the_api_refuses_a_non_web_link_as_claim_or_url(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web import Metrics, WebState, create_app
    from checks.engine import Engine

    (tmp_path / "sources.yaml").write_text("sources: []\n")
    engine = Engine.open(tmp_path / "crosscheck.db", tmp_path / "sources.yaml")
    try:
        state = WebState(engine, Metrics(), api_token="s3cret")
        auth = {"Authorization": "Bearer s3cret"}
        async with TestClient(TestServer(create_app(state), host="127.0.0.1")) as client:
            r = await client.post("/v1/check", json={"claim": "file:///etc/passwd"}, headers=auth)
            assert r.status == 400
            assert "only http and https links" in (await r.text())
            r = await client.post("/v1/check", json={"url": "file:///etc/passwd"}, headers=auth)
            assert r.status == 400
    finally:
        engine.close()


# ---------------------------------------------------------------------------- 4: secrets

DSN = "postgresql://crosscheck:PASSWORD-x9@127.0.0.1:1/crosscheck?connect_timeout=2"


def test_mask_secrets_masks_passwords_tokens_and_keys_and_keeps_the_rest() -> None:
    from checks.redact import mask_secrets

    cases = {
        "postgresql://u:PASSWORD-x9@db:5432/x": "postgresql://u:***@db:5432/x",
        "postgresql://u:p@ss@db/x": "postgresql://u:***@db/x",
        "host=db user=u password=PASSWORD-x9 dbname=x": "host=db user=u password=*** dbname=x",
        "https://example.org/a?api_key=PASSWORD-x9&q=1": "https://example.org/a?api_key=***&q=1",
        "b'Authorization: Bearer PASSWORD-x9\\x00'": "b'Authorization: ***'",
        "got bearer PASSWORD-x9 from 10.0.0.1": "got bearer *** from 10.0.0.1",
    }
    for raw, masked in cases.items():
        assert mask_secrets(raw) == masked, raw
    for plain in ("missing or wrong bearer token", "At 12:30 the bridge reopened", "x.db"):
        assert mask_secrets(plain) == plain


def test_config_check_masks_the_store_password(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    r = invoke("--db", DSN, "config", "check", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "PASSWORD-x9" not in r.stdout + r.stderr
    assert "crosscheck:***@127.0.0.1:1" in r.stdout


def test_a_store_that_cannot_be_reached_is_one_line_without_its_password(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    dsn = DSN.replace("?", "?password=PASSWORD-x9&")
    r = invoke("--db", dsn, "sources", cwd=tmp_path)
    assert r.returncode == 1
    assert "PASSWORD-x9" not in r.stdout + r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., None]]:
    """``configure`` the process's logging as a command does (to the captured stderr); the
    test run's own logging is given back afterwards."""
    from bot.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def configure(fmt: str, level: str | int = logging.DEBUG) -> None:
        configure_logging(level, fmt)

    yield configure
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_log_line_carries_a_password_or_token(
    logs: Callable[..., None], capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    logs(fmt)
    log = logging.getLogger("crosscheck.test")
    log.warning("cannot open the store %s", DSN)
    log.info("request headers: %r", {"Authorization": "Bearer PASSWORD-x9"})
    try:
        raise ValueError(f"bad header: Authorization: Bearer PASSWORD-x9 from {DSN}")
    except ValueError:
        log.exception("failed")
    err = capsys.readouterr().err
    assert "cannot open the store" in err and "failed" in err
    assert "PASSWORD-x9" not in err, err


TOKEN = "PASSWORD-x9-api-token"


def _raw_requests() -> dict[str, bytes]:
    auth = f"Authorization: Bearer {TOKEN}\r\n".encode()
    head = b"POST /v1/check HTTP/1.1\r\nHost: x\r\n"
    body = b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    return {
        "NUL in another header": head + auth + b"X-Note: a\x00b\r\n" + body,
        "NUL after the token": head + auth[:-2] + b"\x00\r\n" + body,
        "control character in the token": head + auth[:-2] + b"\x01\r\n" + body,
        "no colon": head + auth + b"Broken header line\r\n" + body,
        "token in the request line": f"GET /v1/claims?q=x&token={TOKEN} HTTP/9\r\n\r\n".encode(),
    }


@pytest.fixture
async def web_server(tmp_path: Path) -> AsyncIterator[int]:
    """``start_web`` (the bot's and ``serve``'s web surface) on a free loopback port."""
    from bot.web import Metrics, WebState, start_web
    from checks.engine import Engine

    (tmp_path / "sources.yaml").write_text("sources: []\n")
    engine = Engine.open(tmp_path / "crosscheck.db", tmp_path / "sources.yaml")
    runner = await start_web(WebState(engine, Metrics(), api_token=TOKEN), host="127.0.0.1", port=0)
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()
        engine.close()


async def _exchange(port: int, raw: bytes, *, close_early: bool = False) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        if close_early:
            return b""
        return await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_a_malformed_request_never_logs_the_bearer_token(
    web_server: int, logs: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    logs("text")
    capsys.readouterr()
    for name, raw in _raw_requests().items():
        answer = await _exchange(web_server, raw)
        assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0], name
        err = capsys.readouterr().err
        assert TOKEN not in err, (name, err)
        assert "Traceback" not in err, (name, err)
        assert len(err.strip().splitlines()) <= 1, (name, err)


# ---------------------------------------------------------------------------- 8: web errors


def _status_and_type(answer: bytes) -> tuple[int, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    types = [h.split(":", 1)[1].strip() for h in head[1:] if h.lower().startswith("content-type:")]
    return status, types[0] if types else ""


def _post(path: str, body: bytes, auth: bytes = f"Bearer {TOKEN}".encode()) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
        + b"Authorization: "
        + auth
        + f"\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


@pytest.mark.parametrize("token", [b"s3cr\xe9", b"s3cr\xc3\xa9", b"\xff\xfe", b"\x80abc", b"\xe2"])
async def test_a_non_ascii_bearer_token_is_401_not_500(
    web_server: int, token: bytes, logs: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    logs("text")
    answer = await _exchange(web_server, _post("/v1/check", b'{"claim": "x"}', b"Bearer " + token))
    assert _status_and_type(answer) == (401, "application/json; charset=utf-8"), answer[:300]
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 30_000 + b"]" * 30_000,
        b'{"claim": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
        b'{"claim": ' + b'{"a": ' * 9_000 + b"1" + b"}" * 9_000 + b"}",
    ],
    ids=["array", "claim-array", "claim-object"],
)
async def test_json_nested_30000_deep_is_a_400(web_server: int, body: bytes) -> None:
    answer = await _exchange(web_server, _post("/v1/check", body))
    assert _status_and_type(answer)[0] == 400, answer[:300]
    assert b"nested" in answer or b"must be a string" in answer, answer[-300:]


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"GET /nowhere HTTP/1.1", 404),
        (b"POST /healthz HTTP/1.1", 405),
        (b"DELETE /openapi.json HTTP/1.1", 405),
        (b"GET /v1/nowhere HTTP/1.1", 404),
    ],
)
async def test_errors_outside_the_api_are_json_too(
    web_server: int, request_line: bytes, status: int
) -> None:
    raw = request_line + b"\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n"
    raw += f"Authorization: Bearer {TOKEN}\r\n\r\n".encode()
    answer = await _exchange(web_server, raw)
    assert _status_and_type(answer) == (status, "application/json; charset=utf-8"), answer[:300]
    assert b'"error"' in answer


async def test_clients_leaving_mid_body_log_one_quiet_line_each(
    web_server: int, logs: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    logs("text", logging.INFO)
    capsys.readouterr()
    half = _post("/v1/check", b'{"claim": "The bridge reopened on Monday after repairs."}')
    half = half.replace(b"Content-Length: ", b"Content-Length: 9")[:-20]
    for _ in range(50):
        await _exchange(web_server, half, close_early=True)
    for _ in range(200):  # the server notices each close on its own schedule
        err = capsys.readouterr().err
        if err:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    err += capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err and " ERROR " not in err, err[:3000]
    assert 1 <= len(lines) <= 50, err[:3000]
    assert all(" INFO " in ln and "disconnected" in ln for ln in lines), err[:3000]


# ---------------------------------------------------------------------------- 10 and 2: --file

GOOD = "The old bridge over the river reopened to traffic on Monday after two years of repairs."


def _json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in stdout.splitlines()]


def test_each_bad_line_of_a_claims_file_gets_its_own_error_and_the_rest_are_answered(
    ingested: Path,
) -> None:
    claims = ingested / "claims.bin"
    claims.write_bytes(
        GOOD.encode()
        + b"\nLatin-1 text: caf\xe9 au lait was served on the bridge on Monday.\n"
        + b"a NUL \x00 inside a line\r\n"
        + b"\n"
        + GOOD.encode()
    )
    r = invoke("check", "--file", str(claims), cwd=ingested)
    assert r.returncode == 0, r.stderr
    answers = _json_lines(r.stdout)
    assert len(answers) == 5, r.stdout
    assert answers[0]["verdict"] is not None and "error" not in answers[0]
    assert answers[1]["verdict"] is None and "not valid UTF-8" in answers[1]["error"]
    assert answers[2]["verdict"] is None and "NUL" in answers[2]["error"]
    assert "\x00" not in answers[2]["claim"]
    assert answers[3]["error"] == "the claim is empty"
    assert answers[4]["verdict"] is not None and answers[4]["claim"] == GOOD


def test_an_over_long_line_is_one_error_line_and_the_next_line_is_answered(
    ingested: Path,
) -> None:
    claims = ingested / "claims.txt"
    claims.write_bytes(b"word " * 400_000 + b"\n" + GOOD.encode() + b"\n")
    r = invoke("check", "--file", str(claims), cwd=ingested)
    assert r.returncode == 0, r.stderr
    answers = _json_lines(r.stdout)
    assert [a["verdict"] is None for a in answers] == [True, False], r.stdout[:2000]
    assert "too long" in answers[0]["error"] and len(answers[0]["claim"]) <= 200


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo", "folder"])
def test_a_special_file_as_claims_file_is_one_line_within_bounded_memory(
    tmp_path: Path, special: str
) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    path = special
    if special == "fifo":
        os.mkfifo(path := str(tmp_path / "claims.fifo"))
    elif special == "folder":
        (tmp_path / "folder").mkdir()
        path = str(tmp_path / "folder")
    r = limited_cli("check", "--file", path, cwd=tmp_path)
    line = one_error(r)
    assert "not a regular file" in line or "directory" in line, line
    assert r.stdout == ""


def test_a_device_on_standard_input_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    with open("/dev/zero", "rb") as zero:
        r = limited_cli("check", "--file", "-", cwd=tmp_path, stdin=zero)
    assert "is a device" in one_error(r)


def test_endless_input_without_line_breaks_stops_within_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    feeder = subprocess.Popen(["cat", "/dev/zero"], stdout=subprocess.PIPE)
    try:
        r = limited_cli("check", "--file", "-", cwd=tmp_path, stdin=feeder.stdout)
    finally:
        feeder.kill()
        feeder.wait()
    assert "no line break" in one_error(r)
    assert r.stdout == ""


@pytest.mark.e2e
def test_standard_input_is_answered_line_by_line_as_it_arrives(ingested: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "check", "--file", "-"],
        cwd=ingested,
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(GOOD.encode() + b"\n")
        proc.stdin.flush()
        # stdin is still open: the answer must come now, not at end of input
        ready, _, _ = select.select([proc.stdout], [], [], 300)
        assert ready, "no answer while standard input stayed open"
        first = json.loads(proc.stdout.readline())
        assert first["claim"] == GOOD and first["verdict"] is not None
        proc.stdin.write(b"\n")
        proc.stdin.close()
        rest = proc.stdout.read()
        assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
        assert [a["error"] for a in _json_lines(rest.decode())] == ["the claim is empty"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------- 14: python -m bot


def _python_m_bot(
    *args: str, cwd: Path, discord_token: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = child_env()
    if discord_token is not None:
        env["CROSSCHECK_DISCORD_TOKEN"] = discord_token
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.e2e
def test_python_m_bot_help_is_crosscheck_bot_help(tmp_path: Path) -> None:
    r = _python_m_bot("--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "--sync-guild" in r.stdout and "Run the Discord bot" in r.stdout
    assert "python -m bot" in r.stdout


@pytest.mark.e2e
def test_python_m_bot_reads_its_arguments(tmp_path: Path) -> None:
    r = _python_m_bot("--sync-guild", "not-a-number", cwd=tmp_path)
    assert r.returncode == 2 and "--sync-guild" in r.stderr, r.stderr
    r = _python_m_bot("--shard-ids", "0", cwd=tmp_path)
    assert "give --shard-ids and --shard-count together" in one_error(r)
    # the store and sources options of `crosscheck` are read too, wherever they are given
    (tmp_path / "mine.yaml").write_text("sources: [\n")
    r = _python_m_bot(
        "--sync-guild", "123", "--sources", "mine.yaml", cwd=tmp_path, discord_token="t.o.k"
    )
    assert "mine.yaml" in one_error(r)


# ---------------------------------------------------------------------------- 9: bot start-up


async def _bot_start_error(tmp_path: Path, **env: str) -> str:
    """``crosscheck bot`` against the loopback Discord stand-in with ``env``: the one error
    line it exits with."""
    from e2e.discord_standin import DiscordStandIn

    (tmp_path / "sources.yaml").write_text("sources: []\n")
    async with DiscordStandIn(token="crosscheck-e2e-token") as standin:
        base = child_env(ingest_every="0", web_port="0")
        r = await run_cli_async("bot", cwd=tmp_path, env={**base, **standin.env(), **env})
    assert r.returncode == 1, r.stderr[-3000:]
    assert "Traceback" not in r.stderr and "╭" not in r.stderr, r.stderr[-3000:]
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("crosscheck: error:")]
    return line


@pytest.mark.e2e
@pytest.mark.parametrize(
    "token",
    [
        "crosscheck-e2e\n-token",
        "crosscheck e2e token",
        "crosscheck-e2e\x01-token",
        "crosscheck-é2e",
    ],
)
async def test_a_token_with_a_line_break_or_control_is_one_line(tmp_path: Path, token: str) -> None:
    line = await _bot_start_error(tmp_path, CROSSCHECK_DISCORD_TOKEN=token)
    assert "CROSSCHECK_DISCORD_TOKEN" in line


@pytest.mark.e2e
async def test_an_unreachable_gateway_says_what_failed(tmp_path: Path) -> None:
    line = await _bot_start_error(
        tmp_path,
        CROSSCHECK_DISCORD_TOKEN="crosscheck-e2e-token",
        CROSSCHECK_DISCORD_GATEWAY="ws://127.0.0.1:9/",  # nothing listens there
    )
    assert "NoneType" not in line and "attribute" not in line, line
    assert "gateway" in line and "127.0.0.1:9" in line, line


# ---------------------------------------------------------------------------- 15: operator truth


def _files_source(folder: Path, n: int = 3) -> Path:
    """A files source of ``n`` articles in ``folder``/articles; returns the sources file."""
    articles = folder / "articles"
    articles.mkdir()
    for i in range(n):
        (articles / f"2025-01-{i + 1:02d}-bridge-{i}.txt").write_text(
            f"Bridge {i} Reopens\n\nBridge number {i} over the river reopened on Monday after "
            f"{i + 2} years of repairs costing ${10 * (i + 1)} million, officials said.\n"
        )
    sources = folder / "sources.yaml"
    sources.write_text("sources:\n  - {name: Wire, kind: files, path: articles, weight: 1}\n")
    return sources


@pytest.mark.e2e
async def test_a_worker_does_not_ask_for_an_api_token_that_is_set(tmp_path: Path) -> None:
    from helpers import start_cli

    (tmp_path / "sources.yaml").write_text("sources: []\n")
    env = child_env(api_token="s3cret", ingest_every="3600", web_port="0")
    proc = await start_cli("worker", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    try:
        port = None
        while port is None:
            line = (await asyncio.wait_for(proc.stderr.readline(), 300)).decode()
            assert line, "the worker exited before serving"
            if "web surface on http://" in line:
                port = int(line.split("http://", 1)[1].split()[0].rsplit(":", 1)[1])
        raw = b"GET /v1/claims?q=bridge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        raw += b"Authorization: Bearer s3cret\r\n\r\n"
        answer = await _exchange(port, raw)
        assert _status_and_type(answer)[0] == 404, answer[:300]
        body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert "CROSSCHECK_API_TOKEN" not in body["error"] and "worker" in body["error"], body
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 300)


async def test_a_bot_whose_token_is_rejected_ingests_nothing(tmp_path: Path) -> None:
    import discord

    from bot.service import Service
    from checks.engine import Engine

    engine = Engine.open(tmp_path / "crosscheck.db", _files_source(tmp_path))

    class RejectedLogin:
        """Discord's side of a rejected token, answering only once ingestion had every chance
        to start (a source recorded) or ten seconds passed."""

        metrics: object = None
        latency = float("nan")
        shard_count = 1

        async def login(self, token: str) -> None:
            for _ in range(200):
                if any(s.last_ingest for s in engine.sources()):
                    break
                await asyncio.sleep(0.05)
            raise discord.LoginFailure("Improper token has been passed.")

        def is_ready(self) -> bool:
            return False

        def is_closed(self) -> bool:
            return True

    try:
        service = Service(
            engine,
            host="127.0.0.1",
            port=0,
            api_token=None,
            ingest_every=60,
            bot=RejectedLogin(),  # type: ignore[arg-type]
        )
        with pytest.raises(discord.LoginFailure):
            await service.run("rejected")
        (wire,) = engine.sources()
        assert (wire.last_ingest, wire.last_error, wire.articles) == (None, None, 0), wire
    finally:
        engine.close()


def test_an_interrupted_ingest_does_not_leave_never_ingested_with_articles_stored(
    tmp_path: Path,
) -> None:
    from checks.engine import Engine

    sources = _files_source(tmp_path, n=12)

    class Killed(Exception):
        """The process dying mid-source (nothing after this point runs)."""

    def die_after_the_first_article(name: str, done: int, total: int | None) -> None:
        if total is None and done >= 1:
            raise Killed

    engine = Engine.open(tmp_path / "crosscheck.db", sources)
    try:
        with pytest.raises(Killed):
            engine.ingest(die_after_the_first_article)
        (wire,) = engine.sources()
    finally:
        engine.close()
    assert wire.articles >= 1
    assert wire.last_ingest is not None and wire.last_error and "not finish" in wire.last_error
    r = invoke("--sources", str(sources), "sources", cwd=tmp_path)
    assert "never ingested" not in r.stdout and "not finish" in r.stdout, r.stdout


def test_a_file_gone_from_a_files_source_loses_its_article_on_the_next_ingest(
    tmp_path: Path,
) -> None:
    from checks.engine import Engine

    sources = _files_source(tmp_path, n=3)
    articles = sorted((tmp_path / "articles").iterdir())
    engine = Engine.open(tmp_path / "crosscheck.db", sources)
    try:
        engine.ingest()
        assert engine.sources()[0].articles == 3
        gone = articles[0]
        gone.unlink()
        (tmp_path / "articles" / "broken.txt").write_bytes(b"\x00\x01binary")  # an error, kept
        report = engine.ingest()
        (wire,) = engine.sources()
        assert wire.articles == 2, wire
        assert report.sources[0].removed == 1
        assert engine.store.find_article(gone.resolve().as_uri(), "Wire") is None
        found = engine.check_text("Bridge number 0 over the river reopened after 2 years")
        assert all(m.citation.url != gone.resolve().as_uri() for m in found.matches)
        # a file that cannot be read is an error, not a deletion: its article stays
        kept = articles[1]
        kept.write_bytes(b"\x00binary now")
        engine.ingest()
        assert engine.sources()[0].articles == 2
        # a source folder that is gone entirely is an error: nothing is removed
        for p in (tmp_path / "articles").iterdir():
            p.unlink()
        (tmp_path / "articles").rmdir()
        engine.ingest()
        assert engine.sources()[0].articles == 2
    finally:
        engine.close()


# ---------------------------------------------------------------------------- 13: re-ingest


def test_the_already_stored_lookup_is_an_index_search_not_a_scan_of_the_source(
    tmp_path: Path,
) -> None:
    """Re-ingesting unchanged files asks, per file, whether the source already stored that
    content; that must be a search of the (source, content hash) index, whose cost does not
    grow with the source (bench/reingest.py measures it)."""
    import sqlite3

    from checks.store.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "crosscheck.db")
    asked: list[tuple[str, tuple[Any, ...]]] = []
    connection = store._db

    class Recording:
        """The store's connection, noting each statement and its parameters."""

        def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
            asked.append((sql, tuple(params)))
            return connection.execute(sql, params)

        def __getattr__(self, name: str) -> Any:
            return getattr(connection, name)

    try:
        store._db = Recording()  # type: ignore[assignment]
        store.has_article("Wire", "file:///articles/a.txt", "0123abcd")
    finally:
        store._db = connection
        store.close()
    reads = [(sql, params) for sql, params in asked if "FROM articles" in sql]
    assert reads, asked
    with contextlib.closing(sqlite3.connect(tmp_path / "crosscheck.db")) as db:
        for sql, params in reads:  # the parameters stay parameters, as the store sends them
            plan = " | ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "SCAN" not in plan and "content_hash=?" in plan, (sql, plan)


# ---------------------------------------------------------------------------- 16: README


README = ROOT / "README.md"
SAMPLE_CLAIM = "The UK plans to send 25,000 troops to Ukraine"


def _readme_block(after: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("```\n", text.index(after)) + 4
    return text[start : text.index("\n```", start)].splitlines()


def test_the_readme_sample_answer_is_what_check_prints(ingested: Path) -> None:
    """As after `make demo`: the samples ingested, their vectors computed, then one check."""
    assert invoke("db", "embed", cwd=ingested).returncode == 0
    r = invoke("check", SAMPLE_CLAIM, cwd=ingested)
    assert r.returncode == 0, r.stderr
    # the sample store's articles are the repository's (or this copy's) sample files
    out = r.stdout.replace(str(ingested), "/…").replace(str(ROOT), "/…")
    printed = [ln.rstrip() for ln in out.splitlines()]
    shown = _readme_block("A readable answer looks like this")
    assert shown[1] == f"  “{SAMPLE_CLAIM}”"
    assert printed == shown, "\n".join(printed)


def test_the_readme_lists_every_setting_and_environment_variable() -> None:
    import re

    from bot.settings import Settings

    table = README.read_text(encoding="utf-8").split("### Environment", 1)[1].split("\n## ")[0]
    listed = set(re.findall(r"`(CROSSCHECK_[A-Z_]+)`", table))
    wanted = {f"CROSSCHECK_{name.upper()}" for name in Settings.model_fields}
    for path in [*ROOT.glob("checks/**/*.py"), *ROOT.glob("bot/**/*.py")]:
        wanted |= set(re.findall(r"\"(CROSSCHECK_[A-Z_]+[A-Z])\"", path.read_text()))
    assert wanted - listed == set(), "not in the README's environment table"


def test_the_readme_links_only_to_files_that_exist() -> None:
    import re

    text = README.read_text(encoding="utf-8")
    assert "DESIGN.md" not in text, "the design notes are not in the repository"
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (ROOT / target).exists(), target
