"""`crosscheck check https://…` end to end: the CLI (in-process; one test as a real process)
checks a link served on loopback against sources ingested over loopback into a real SQLite file.

``loopback_only()`` refuses anything beyond loopback here; the child process runs with the same
guard as ``sitecustomize`` (``web_fixtures.NETWORK_GUARD``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from helpers import CliResult, child_env, invoke, run_cli
from loopback import LoopbackServer, loopback_only, serve
from web_fixtures import BY_PATH, Site, make_app, write_network_guard

from checks.engine import Engine
from checks.models import Verdict

ROOT = Path(__file__).resolve().parent.parent
RUMOURS = "/unlisted/tram-rumours"
TRAM = "/news/riverbend-tram-line"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@dataclass
class World:
    site: Site
    server: LoopbackServer
    private: LoopbackServer
    db: Path
    sources: Path
    guard: Path

    async def cli(self, *args: str, process: bool = False) -> CliResult:
        """``crosscheck --db … --sources … ARGS``: in-process, or a real process (``process``)
        with no COLUMNS and the network guard installed."""
        argv = ("--db", str(self.db), "--sources", str(self.sources), *args)
        if process:
            env = child_env(columns=None, guard=self.guard)
            done = await asyncio.to_thread(run_cli, *argv, cwd=self.db.parent, env=env)
            result = CliResult(done.returncode, done.stdout, done.stderr)
        else:
            result = await asyncio.to_thread(invoke, *argv, cwd=self.db.parent)
        assert "NETWORK GUARD" not in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result


def write_sources(path: Path, server: LoopbackServer, link_claims: int) -> None:
    data: dict[str, Any] = {
        "fetch": {"allow_hosts": ["127.0.0.1"], "timeout": 2, "retries": 0, "per_host": 8},
        "check": {"link_claims": link_claims},
        "sources": [
            {"name": "Harbourside Courier", "kind": "rss", "url": server.url_for("/rss.xml")},
            {
                "name": "Millbrook Herald",
                "kind": "page",
                "urls": [server.url_for("/pages/tram-vote")],
                "weight": 0.8,
            },
            {"name": "Valley Ledger", "kind": "atom", "url": server.url_for("/atom.xml")},
        ],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    site = Site()
    async with serve(make_app(site)) as server:
        try:
            cm = serve(web.Application(), host="127.0.0.2")
            private = await cm.__aenter__()
        except OSError:
            pytest.skip("127.0.0.2 is not available here")
        try:
            site.private_base = private.url
            sources = tmp_path / "sources.yaml"
            write_sources(sources, server, link_claims=3)
            engine = Engine.open(tmp_path / "crosscheck.db", sources)
            try:
                report = await engine.aingest()
                assert report.errors == [] and report.added == 6
            finally:
                engine.close()
            yield World(
                site,
                server,
                private,
                tmp_path / "crosscheck.db",
                sources,
                write_network_guard(tmp_path / "guard"),
            )
        finally:
            await cm.__aexit__(None, None, None)


def sentences(path: str) -> set[str]:
    return set(BY_PATH[path].paragraphs)


async def test_a_link_is_answered_claim_by_claim_with_an_overall_verdict(world: World) -> None:
    url = world.server.url_for(RUMOURS)
    r = await world.cli("check", url)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("Questions over Riverbend tram budget\n" + url)
    assert "Overall: Disputed" in out
    assert "3 claim(s) checked" in out
    assert "Claim 3" in out and "Claim 4" not in out
    assert "the claim says 40 stops; the source says 14 stops" in out
    assert (
        "Conflicts: Harbourside Courier (says 14 stops), Millbrook Herald (says 14 stops)" in (out)
        or "Conflicts: Millbrook Herald (says 14 stops), Harbourside Courier (says 14 stops)" in out
    )
    assert world.server.url_for(TRAM) in out  # a citation of the ingested article
    assert world.server.hits(RUMOURS) == 1


async def test_a_link_as_json_checks_the_most_check_worthy_claims(world: World) -> None:
    url = world.server.url_for(RUMOURS)
    r = await world.cli("check", "--json", url)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["url"] == url
    assert answer["title"] == "Questions over Riverbend tram budget"
    assert answer["known_source"] is None
    assert answer["verdict"] == "disputed"
    claims = answer["claims"]
    assert len(claims) == 3  # check: {link_claims: 3}
    assert answer["summary"].startswith("3 claim(s) checked")
    texts = [c["claim"] for c in claims]
    assert set(texts) <= sentences(RUMOURS)
    assert not any("glad the vote was finally over" in t for t in texts)  # nothing to check
    stops = next(c for c in claims if "40 stops" in c["claim"])
    assert stops["verdict"] == "disputed"
    assert set(stops["conflicting_sources"]) == {"Harbourside Courier", "Millbrook Herald"}
    for c in claims:
        assert c["verdict"] in {v.value for v in Verdict}
        for m in c["matches"]:
            assert m["citation"]["url"].startswith(world.server.url)


async def test_the_claim_cap_comes_from_the_sources_file(world: World) -> None:
    write_sources(world.sources, world.server, link_claims=5)
    engine = Engine.open(world.db, world.sources)
    try:
        result = await engine.acheck_url(world.server.url_for(RUMOURS))
        assert len(result.claims) == 5
        one = await engine.acheck_url(world.server.url_for(RUMOURS), max_claims=1)
        assert len(one.claims) == 1
        assert one.claims[0].claim in {c.claim for c in result.claims}
    finally:
        engine.close()


async def test_a_link_to_an_ingested_article_is_checked_against_the_other_sources(
    world: World,
) -> None:
    url = world.server.url_for(TRAM) + "?utm_source=rss"
    r = await world.cli("check", "--json", url)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["known_source"] == "Harbourside Courier"
    assert answer["verdict"] == "supported"
    cited = {m["citation"]["source"] for c in answer["claims"] for m in c["matches"]}
    assert "Harbourside Courier" not in cited
    assert "Millbrook Herald" in cited
    stops = next(c for c in answer["claims"] if "14 stops" in c["claim"])
    assert stops["verdict"] == "supported"
    assert stops["agreeing_sources"] == ["Millbrook Herald"]

    text = await world.cli("check", url)
    assert "already stored from Harbourside Courier" in text.stdout
    assert "checked against the other sources" in text.stdout


async def test_refused_and_broken_links_get_one_clear_line_and_exit_1(world: World) -> None:
    port = world.server.port
    cases = {
        f"http://localhost:{port}{TRAM}": "host localhost is a loopback name",
        f"http://[::1]:{port}{TRAM}": "is a loopback address ::1",
        world.server.url_for("/bad/to-private"): "is a loopback address 127.0.0.2",
        world.private.url_for(TRAM): "is a loopback address 127.0.0.2",
        world.server.url_for("/bad/404"): "HTTP 404",
        world.server.url_for("/bad/image-feed.xml"): "expected an HTML page, got image/png",
    }
    results = await asyncio.gather(*(world.cli("check", url) for url in cases))
    for (url, why), r in zip(cases.items(), results, strict=True):
        assert r.returncode == 1, (url, r.stdout, r.stderr)
        assert r.stdout == ""
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert lines[0].startswith("crosscheck: error: ")
        assert why in lines[0], lines[0]
        assert url.split("?")[0] in lines[0]
    assert world.private.requests == []
    assert world.server.hits(TRAM) == 1  # only by the ingest, never via localhost or [::1]


@pytest.mark.e2e
async def test_the_refusal_stays_one_line_when_stderr_is_not_a_terminal(world: World) -> None:
    r = await world.cli("check", f"http://localhost:{world.server.port}{TRAM}", process=True)
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
