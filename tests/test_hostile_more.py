"""Hostile input and operator mistakes, continued (issue 13, the items test_hostile.py leaves).

Each test runs the attack or the mistake first. Commands that could blow up run as real processes
under a memory limit (``RLIMIT_AS``) and a CPU-time limit (``RLIMIT_CPU``); the wall clock only
guards against a hang and is generous, since the machine may be busy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import invoke

from checks.claims import is_link, validate_claim
from checks.errors import InputError

ROOT = Path(__file__).resolve().parent.parent

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
