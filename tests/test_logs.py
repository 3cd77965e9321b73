"""Structured logs: with ``CROSSCHECK_LOG_FORMAT=json`` every line on stderr is one JSON object,
one event per check (id, surface, verdict, duration), and what people asked never reaches a log
line above DEBUG."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from helpers import ROOT, CliResult, child_env, copy_store, invoke, run_cli
from loopback import loopback_only, serve

from bot.logs import JsonFormatter, configure_logging

DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
# words of the claims above that no log line has any business containing
PRIVATE = ("25,000 troops", "plans to send", "moon landing")


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Path:
    """The sample store, with permission to fetch loopback pages."""
    base = tmp_path_factory.mktemp("logs")
    shutil.copytree(ROOT / "samples", base / "samples")
    (base / "sources.yaml").write_text(
        (ROOT / "sources.yaml").read_text()
        + '\nfetch:\n  allow_hosts: ["127.0.0.1"]\n  retries: 0\n'
    )
    copy_store(sample_db, base / "crosscheck.db")
    return base


def crosscheck(cwd: Path, *args: str, stdin: str | None = None, **settings: str) -> CliResult:
    return invoke(*args, cwd=cwd, stdin=stdin, **settings)


def events(stderr: str) -> list[dict[str, Any]]:
    """Every stderr line as a JSON object; a line that is not one fails the test."""
    out = []
    for line in stderr.splitlines():
        if line.strip():
            event = json.loads(line)
            assert isinstance(event, dict), line
            out.append(event)
    return out


def check_events(evs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in evs if "check_id" in e]


def test_a_check_logs_one_json_event_without_the_claim(store: Path) -> None:
    r = crosscheck(store, "check", DISPUTED, log_format="json", log_level="info")
    assert r.returncode == 0, r.stderr
    assert "Disputed" in r.stdout  # the answer is for the user, on stdout
    evs = events(r.stderr)
    [event] = check_events(evs)
    assert event["surface"] == "cli"
    assert event["verdict"] == "disputed"
    assert event["kind"] == "claim"
    assert isinstance(event["duration_ms"], int | float) and event["duration_ms"] >= 0
    assert len(event["check_id"]) >= 8
    assert event["level"] == "info" and event["logger"] == "checks.engine"
    assert event["ts"].endswith("+00:00")
    for line in r.stderr.splitlines():
        for words in PRIVATE:
            assert words not in line, line


@pytest.mark.e2e
def test_a_real_process_writes_only_json_lines_without_the_claim(store: Path) -> None:
    r = run_cli("check", DISPUTED, cwd=store, env=child_env(log_format="json", log_level="info"))
    assert r.returncode == 0, r.stderr
    assert "Disputed" in r.stdout
    [event] = check_events(events(r.stderr))  # every line parses, one of them is the check
    assert event["surface"] == "cli" and event["verdict"] == "disputed"
    for words in PRIVATE:
        assert words not in r.stderr


def test_each_check_of_a_file_has_its_own_event(store: Path) -> None:
    claims = [
        DISPUTED,
        "",
        "Britain may put 10,000 troops in Ukraine",
        "The moon landing was staged",
    ]
    r = crosscheck(
        store,
        "check",
        "--file",
        "-",
        stdin="\n".join(claims) + "\n",
        log_format="json",
        log_level="info",
    )
    assert r.returncode == 0, r.stderr
    checks = check_events(events(r.stderr))
    assert [e["verdict"] for e in checks] == ["disputed", "supported", "unverified"]
    assert len({e["check_id"] for e in checks}) == 3
    assert all(e["surface"] == "cli" for e in checks)
    for words in PRIVATE:
        assert words not in r.stderr


def test_at_debug_the_claim_may_be_logged_but_only_at_debug(store: Path) -> None:
    r = crosscheck(store, "check", DISPUTED, log_format="json", log_level="debug")
    assert r.returncode == 0, r.stderr
    evs = events(r.stderr)
    assert len(check_events(evs)) == 1
    mentioning = [e for e in evs if "25,000 troops" in json.dumps(e, ensure_ascii=False)]
    assert mentioning, "at DEBUG the checked claim is logged"
    assert {e["level"] for e in mentioning} == {"debug"}


def test_text_logs_are_the_default(store: Path) -> None:
    r = crosscheck(store, "check", DISPUTED, log_level="info")
    assert r.returncode == 0, r.stderr
    [line] = [ln for ln in r.stderr.splitlines() if "surface=cli" in ln]
    assert not line.startswith("{")
    assert "INFO checks.engine: check " in line and "verdict=disputed" in line
    assert "25,000" not in r.stderr


def test_quiet_by_default(store: Path) -> None:
    r = crosscheck(store, "check", DISPUTED, log_format="json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # WARNING and above only: a check is not news


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Troops plan</title></head>
<body><article><h1>Troops plan</h1>
<p>The UK plans to send 25,000 troops to Ukraine, officials said on Wednesday.</p>
<p>Critics warn that the moon landing was staged, a claim nobody here believes.</p>
</article></body></html>"""


async def test_a_link_check_logs_its_event_but_not_the_pages_sentences(store: Path) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/page", page)
    async with serve(app) as site:
        r = await asyncio.to_thread(
            crosscheck, store, "check", site.url_for("/page"), log_format="json", log_level="info"
        )
    assert r.returncode == 0, r.stderr
    [event] = check_events(events(r.stderr))
    assert event["surface"] == "cli" and event["kind"] == "link"
    for words in PRIVATE:
        assert words not in r.stderr


def test_the_json_formatter_keeps_extra_fields_and_exceptions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = io.StringIO()
    monkeypatch.setattr(sys, "stderr", sink)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", "json")
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        log = logging.getLogger("crosscheck.test")
        log.info("stored %d article(s)", 3, extra={"source": "Sample Wire", "added": 3})
        log.debug("not shown")
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    first, second = (json.loads(line) for line in sink.getvalue().splitlines())
    assert first["message"] == "stored 3 article(s)"
    assert first["source"] == "Sample Wire" and first["added"] == 3
    assert first["level"] == "info" and first["logger"] == "crosscheck.test"
    assert second["level"] == "error" and "ValueError: boom" in second["exception"]
