"""The safe fetcher: address classification on its own, then real HTTP over loopback only.

Nothing here may leave the machine: every test runs under ``loopback_only()``, names are answered
by an injected resolver (only ever with loopback or private addresses), and refusals are asserted
to happen before any request reaches a server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiohttp import web
from loopback import LoopbackServer, loopback_only, serve

from checks.errors import BlockedURLError, FetchError
from checks.fetch import (
    HTML,
    JSON,
    Fetcher,
    FetchResult,
    FetchSettings,
    Resolver,
    is_blocked_address,
    parse_ip_literal,
    validate_url,
)

LOOPBACK = frozenset({"127.0.0.1"})
LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


class FakeDNS:
    """An injected resolver: answers from a table, records every question, never uses DNS."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answer = self.table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answer


def settings(**changes: object) -> FetchSettings:
    """Fast settings that trust 127.0.0.1 (the test server) and nothing else."""
    base: dict[str, object] = {
        "connect_timeout": 1.0,
        "read_timeout": 2.0,
        "total_timeout": 5.0,
        "backoff": 0.01,
        "allow_hosts": LOOPBACK,
    }
    base.update(changes)
    return FetchSettings(**base)  # type: ignore[arg-type]


# --- the classifier on its own (no sockets) -------------------------------------------------

BLOCKED = [
    "10.0.0.5",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "127.0.0.1",
    "127.5.6.7",
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2130706433",  # decimal 127.0.0.1
    "0177.0.0.1",  # octal
    "0x7f.1",  # hex, shortened
    "0x7f000001",
    "127.1",
    "017700000001",
    "0xa9.0xfe.0xa9.0xfe",  # 169.254.169.254
    "[::1]",
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "172.32.0.1",  # just past 172.16/12
    "100.128.0.1",  # just past 100.64/10
    "2606:4700::1",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "2002:808:808::",  # 6to4 of 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
]


@pytest.mark.parametrize("address", BLOCKED)
def test_non_public_addresses_are_blocked(address: str) -> None:
    assert is_blocked_address(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert not is_blocked_address(address)


def test_classifier_takes_address_objects() -> None:
    assert is_blocked_address(ipaddress.ip_address("10.1.2.3"))
    assert not is_blocked_address(ipaddress.ip_address("8.8.4.4"))
    with pytest.raises(ValueError):
        is_blocked_address("example.com")


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("0", "0.0.0.0"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("[fe80::1]", "fe80::1"),
    ],
)
def test_ip_literals_in_any_spelling_are_recognised(spelling: str, address: str) -> None:
    assert parse_ip_literal(spelling) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "host", ["example.com", "localhost", "1.2.3.4.5", "256.0.0.1", "08.0.0.1", "0x1g", "", "[::g]"]
)
def test_names_are_not_ip_literals(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_validate_url_returns_the_parsed_url() -> None:
    url = validate_url("https://Example.com/a?b=1")
    assert (url.scheme, url.host, url.path) == ("https", "example.com", "/a")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/file", "scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("gopher://example.com/", "scheme 'gopher' is not allowed"),
        ("javascript:alert(1)", "scheme 'javascript' is not allowed"),
        ("//example.com/x", "no scheme"),
        ("http:///path", "no host"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://example.com@10.0.0.1/", "credentials"),
    ],
)
def test_validate_url_refuses_bad_shapes(url: str, why: str) -> None:
    with pytest.raises(BlockedURLError) as err:
        validate_url(url)
    assert why in str(err.value)
    assert "pw" not in str(err.value)  # credentials are not echoed back


def test_result_text_uses_the_charset() -> None:
    def result(content: bytes, charset: str | None) -> FetchResult:
        return FetchResult("http://x/", 200, content, "text/html", charset, None, None, False)

    assert result("café".encode("latin-1"), "latin-1").text() == "café"
    assert result("café".encode(), None).text() == "café"
    assert result(b"caf\xe9", "no-such-charset").text() == "caf\ufffd"


# --- a real server on loopback --------------------------------------------------------------


HUGE_CHUNKS = 2_000  # of 64 KiB: what /huge sends to a client that never hangs up


def make_app() -> web.Application:
    state: dict[str, int] = {}

    def once(key: str) -> bool:
        state[key] = state.get(key, 0) + 1
        return state[key] == 1

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><p>Hello</p></html>", content_type="text/html")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text="late", content_type="text/html")

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"x")
            await asyncio.sleep(0.05)
        return response

    async def flaky(request: web.Request) -> web.Response:
        if once("flaky"):
            return web.Response(status=500, text="oops")
        return web.Response(text="<p>ok now</p>", content_type="text/html")

    async def rate_limited(request: web.Request) -> web.Response:
        if once("rate"):
            return web.Response(status=429, headers={"Retry-After": "0"})
        return web.json_response({"ok": True})

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="oops")

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="no")

    huge_done = asyncio.Event()

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for _ in range(HUGE_CHUNKS):  # 128 MB, far past any cap or socket buffer
                await response.write(b"x" * 65536)
                state["huge_chunks"] = state.get("huge_chunks", 0) + 1
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        finally:
            huge_done.set()
        return response

    async def huge_written(request: web.Request) -> web.Response:
        """How many chunks /huge wrote before it ended (it ends when the client hangs up)."""
        await asyncio.wait_for(huge_done.wait(), 120)
        return web.json_response({"chunks": state.get("huge_chunks", 0)})

    async def declared_huge(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 200_000, content_type="text/html")

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=b"\x89PNG\r\n", content_type="image/png")

    async def cached(request: web.Request) -> web.Response:
        validators = {"ETag": '"v1"', "Last-Modified": LAST_MODIFIED}
        if request.headers.get("If-None-Match") == '"v1"' or (
            request.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            return web.Response(status=304, headers=validators)
        return web.Response(text="<p>fresh</p>", content_type="text/html", headers=validators)

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def hop(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n > 0:
            raise web.HTTPMovedPermanently(f"/hop/{n - 1}")
        return web.Response(text="<p>landed</p>", content_type="text/html")

    async def busy(request: web.Request) -> web.Response:
        await asyncio.sleep(0.15)
        return web.Response(text="<p>done</p>", content_type="text/html")

    async def set_cookie(request: web.Request) -> web.Response:
        response = web.Response(text="<p>have a cookie</p>", content_type="text/html")
        response.set_cookie("session", "abc")
        return response

    async def bad_gzip(request: web.Request) -> web.Response:
        return web.Response(
            body=b"this is not gzip",
            headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        )

    app = web.Application()
    for path, handler in [
        ("/page", page),
        ("/slow", slow),
        ("/drip", drip),
        ("/flaky", flaky),
        ("/rate", rate_limited),
        ("/broken", broken),
        ("/missing", missing),
        ("/huge", huge),
        ("/huge-written", huge_written),
        ("/declared-huge", declared_huge),
        ("/image", image),
        ("/cached", cached),
        ("/redirect", redirect),
        ("/loop", loop),
        ("/hop/{n}", hop),
        ("/busy", busy),
        ("/bad-gzip", bad_gzip),
        ("/set-cookie", set_cookie),
    ]:
        app.router.add_get(path, handler)
    return app


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with serve(make_app()) as running:
        yield running


async def fetch(url: str, resolver: Resolver | None = None, **kw: object) -> FetchResult:
    """One get() with a fresh Fetcher; keyword arguments go to get() or FetchSettings."""
    names = ("accept", "etag", "last_modified", "source", "headers")
    get_args = {k: kw.pop(k) for k in names if k in kw}
    async with Fetcher(settings(**kw), resolver=resolver or FakeDNS()) as fetcher:
        return await fetcher.get(url, **get_args)  # type: ignore[arg-type]


async def test_a_page_is_fetched(server: LoopbackServer) -> None:
    result = await fetch(server.url_for("/page"), accept=HTML)
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert "Hello" in result.text()
    assert result.url == server.url_for("/page")
    assert not result.not_modified


async def test_the_server_sees_a_clear_user_agent(server: LoopbackServer) -> None:
    await fetch(server.url_for("/page"))
    user_agent = server.requests[0].headers["User-Agent"]
    assert user_agent == FetchSettings().user_agent
    assert user_agent.startswith("Crosscheck/") and "bot" in user_agent


async def test_a_slow_endpoint_times_out(server: LoopbackServer) -> None:
    # the endpoint answers after 3 s: only the 0.2 s read timeout can make this an error
    with pytest.raises(FetchError) as err:
        await fetch(server.url_for("/slow"), read_timeout=0.2, retries=0)
    assert "timed out" in str(err.value)
    assert err.value.url == server.url_for("/slow")
    assert err.value.status is None


async def test_timeouts_are_retried(server: LoopbackServer) -> None:
    with pytest.raises(FetchError) as err:
        await fetch(server.url_for("/slow"), read_timeout=0.2, retries=1)
    assert server.hits("/slow") == 2
    assert "gave up after 2 attempts" in str(err.value)


async def test_the_total_timeout_bounds_a_slowly_dripping_body(server: LoopbackServer) -> None:
    # every byte comes within the read timeout and the whole body would take 5 s: only the
    # 0.3 s total timeout can make this an error
    with pytest.raises(FetchError, match=r"timed out after 0\.3s"):
        await fetch(server.url_for("/drip"), read_timeout=2.0, total_timeout=0.3)


async def test_500_then_200_succeeds_after_a_retry(server: LoopbackServer) -> None:
    result = await fetch(server.url_for("/flaky"))
    assert result.status == 200 and b"ok now" in result.content
    assert server.hits("/flaky") == 2


async def test_429_is_retried(server: LoopbackServer) -> None:
    result = await fetch(server.url_for("/rate"), accept=JSON)
    assert result.content_type == "application/json"
    assert server.hits("/rate") == 2


async def test_a_persistent_500_fails_with_its_status_after_the_retries(
    server: LoopbackServer,
) -> None:
    with pytest.raises(FetchError) as err:
        await fetch(server.url_for("/broken"), retries=2)
    assert err.value.status == 500
    assert "HTTP 500" in str(err.value) and "3 attempts" in str(err.value)
    assert server.hits("/broken") == 3


async def test_a_404_is_not_retried(server: LoopbackServer) -> None:
    with pytest.raises(FetchError) as err:
        await fetch(server.url_for("/missing"), retries=3)
    assert err.value.status == 404
    assert "HTTP 404 Not Found" in str(err.value)
    assert not isinstance(err.value, BlockedURLError)
    assert server.hits("/missing") == 1


async def test_a_refused_connection_is_retried_with_a_fresh_lookup() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dns = FakeDNS({"down.example.test": ["127.0.0.1"]})
    with pytest.raises(FetchError, match="could not connect") as err:
        await fetch(f"http://down.example.test:{port}/", dns, retries=1)
    assert err.value.status is None
    assert dns.calls == ["down.example.test", "down.example.test"]


async def test_a_huge_chunked_body_is_cut_off_while_streaming(server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="response larger than 100000 bytes") as err:
        await fetch(server.url_for("/huge"), max_bytes=100_000)
    assert err.value.status == 200
    assert server.hits("/huge") == 1  # not retried
    # the client hung up mid-body: the server could not send it all (no clock involved)
    written = (await fetch(server.url_for("/huge-written"), accept=JSON)).content
    assert json.loads(written)["chunks"] < HUGE_CHUNKS


async def test_a_declared_content_length_over_the_cap_is_refused_early(
    server: LoopbackServer,
) -> None:
    with pytest.raises(FetchError, match=r"larger than 100000 bytes \(Content-Length 200000\)"):
        await fetch(server.url_for("/declared-huge"), max_bytes=100_000)


async def test_the_wrong_content_type_is_refused(server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="expected an HTML page, got image/png") as err:
        await fetch(server.url_for("/image"), accept=HTML)
    assert err.value.status == 200
    assert "text/html" in server.requests[0].headers["Accept"]


async def test_a_bad_body_encoding_is_a_fetch_error(server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="could not read the body"):
        await fetch(server.url_for("/bad-gzip"))
    assert server.hits("/bad-gzip") == 1


async def test_a_garbled_response_is_a_fetch_error() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        writer.close()

    raw = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = raw.sockets[0].getsockname()[1]
    try:
        with pytest.raises(FetchError) as err:
            await fetch(f"http://127.0.0.1:{port}/", retries=0)
    finally:
        raw.close()
        await raw.wait_closed()
    assert type(err.value) is FetchError


async def test_bad_caller_headers_are_a_fetch_error(server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="invalid request headers"):
        await fetch(server.url_for("/page"), headers={"X-Name": "café"})
    with pytest.raises(FetchError):
        await fetch(server.url_for("/page"), headers={"X-Split": "a\r\nInjected: yes"})
    assert all("Injected" not in r.headers for r in server.requests)


async def test_a_broken_resolver_is_a_fetch_error() -> None:
    async def broken(host: str, port: int) -> list[str]:
        return ["not an address"]

    with pytest.raises(FetchError, match=r"cannot resolve host news\.example\.test"):
        await fetch("http://news.example.test/", broken)


async def test_cookies_are_never_stored_or_sent(server: LoopbackServer) -> None:
    async with Fetcher(settings(), resolver=FakeDNS()) as fetcher:
        await fetcher.get(server.url_for("/set-cookie"))
        await fetcher.get(server.url_for("/page"))
    assert "Cookie" not in server.requests[1].headers


async def test_an_etag_gives_not_modified(server: LoopbackServer) -> None:
    first = await fetch(server.url_for("/cached"))
    assert first.etag == '"v1"' and first.last_modified == LAST_MODIFIED
    again = await fetch(server.url_for("/cached"), etag=first.etag)
    assert again.not_modified and again.status == 304 and again.content == b""
    assert again.etag == '"v1"'
    assert server.requests[1].headers["If-None-Match"] == '"v1"'


async def test_last_modified_gives_not_modified(server: LoopbackServer) -> None:
    again = await fetch(server.url_for("/cached"), last_modified=LAST_MODIFIED)
    assert again.not_modified
    assert server.requests[0].headers["If-Modified-Since"] == LAST_MODIFIED


async def test_redirects_are_followed_to_the_final_url(server: LoopbackServer) -> None:
    result = await fetch(server.url_for("/hop/3"), accept=HTML)
    assert result.url == server.url_for("/hop/0")
    assert b"landed" in result.content
    assert [r.path for r in server.requests] == ["/hop/3", "/hop/2", "/hop/1", "/hop/0"]


async def test_too_many_redirects(server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)"):
        await fetch(server.url_for("/loop"), max_redirects=3)
    assert server.hits("/loop") == 4


async def test_a_redirect_to_another_loopback_address_is_blocked(server: LoopbackServer) -> None:
    async with AsyncExitStack() as stack:
        try:
            other = await stack.enter_async_context(serve(web.Application(), host="127.0.0.2"))
        except OSError:
            pytest.skip("127.0.0.2 is not available here")
        target = other.url_for("/secret")
        with pytest.raises(BlockedURLError) as err:
            await fetch(server.url_for("/redirect?to=" + target))
    assert "is a loopback address 127.0.0.2" in str(err.value)
    assert err.value.url == target
    assert "redirected from" in str(err.value)
    assert other.requests == []


async def test_a_redirect_to_a_file_url_is_refused(server: LoopbackServer) -> None:
    with pytest.raises(BlockedURLError, match="scheme 'file' is not allowed"):
        await fetch(server.url_for("/redirect?to=file:///etc/passwd"))


async def test_every_hop_is_resolved_and_checked_again(server: LoopbackServer) -> None:
    # The name answers 127.0.0.1 first, then a private address (DNS rebinding).
    answers = iter([["127.0.0.1"], ["10.0.0.5"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    base = f"http://news.example.test:{server.port}"
    with pytest.raises(BlockedURLError, match=r"resolves to a private address 10\.0\.0\.5"):
        await fetch(f"{base}/redirect?to={base}/page", rebinding)
    assert [r.path for r in server.requests] == ["/redirect"]


async def test_credentials_are_dropped_on_a_cross_origin_redirect(server: LoopbackServer) -> None:
    dns = FakeDNS({"other.example.test": ["127.0.0.1"]})
    target = f"http://other.example.test:{server.port}/page"
    await fetch(
        server.url_for("/redirect?to=" + target), dns, headers={"Authorization": "Bearer s3cret"}
    )
    first, second = server.requests
    assert first.headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in second.headers
    assert second.host == f"other.example.test:{server.port}"


async def test_the_checked_address_is_used_and_the_host_header_kept(
    server: LoopbackServer,
) -> None:
    dns = FakeDNS({"news.example.test": ["127.0.0.1"]})
    url = f"http://news.example.test:{server.port}/page"
    result = await fetch(url, dns)
    assert result.url == url
    assert dns.calls == ["news.example.test"]
    assert server.requests[0].host == f"news.example.test:{server.port}"


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.5"],
        ["127.0.0.1", "10.0.0.5"],  # any blocked address refuses, even after an allowed one
        ["169.254.169.254"],
        ["100.64.1.2"],
        ["fd00::5"],
        ["::ffff:10.0.0.1"],
        ["::ffff:127.0.0.2"],
    ],
)
async def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(
    server: LoopbackServer, answer: list[str]
) -> None:
    dns = FakeDNS({"news.example.com": answer})
    url = f"http://news.example.com:{server.port}/page"
    with pytest.raises(BlockedURLError) as err:
        await fetch(url, dns)
    blocked = answer[-1]
    assert f"refused {url}: host news.example.com resolves to a" in str(err.value)
    assert str(err.value).endswith(f" address {blocked}")
    assert err.value.url == url
    assert server.requests == []


async def test_the_private_address_is_named(server: LoopbackServer) -> None:
    dns = FakeDNS({"intranet.example.com": ["10.0.0.5"]})
    with pytest.raises(BlockedURLError) as err:
        await fetch("https://intranet.example.com/wiki", dns, source="Intranet")
    assert str(err.value) == (
        "source 'Intranet': refused https://intranet.example.com/wiki: "
        "host intranet.example.com resolves to a private address 10.0.0.5"
    )
    assert err.value.source == "Intranet"


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("localhost", "host localhost is a loopback name"),
        ("LOCALHOST.", "host localhost. is a loopback name"),
        ("api.localhost", "host api.localhost is a loopback name"),
        ("[::1]", "host ::1 is a loopback address ::1"),
        ("[::ffff:127.0.0.1]", "is a loopback address ::ffff:127.0.0.1"),
        ("127.0.0.1", "host 127.0.0.1 is a loopback address 127.0.0.1"),
        ("2130706433", "host 2130706433 is a loopback address 127.0.0.1"),
        ("0x7f.1", "host 0x7f.1 is a loopback address 127.0.0.1"),
        ("127.1", "host 127.1 is a loopback address 127.0.0.1"),
        ("0177.0.0.1", "not a valid URL"),  # httpx itself rejects this spelling
    ],
)
async def test_loopback_hosts_are_refused_without_an_allow_list_entry(
    server: LoopbackServer, host: str, why: str
) -> None:
    dns = FakeDNS({"localhost": ["127.0.0.1"], "api.localhost": ["127.0.0.1"]})
    with pytest.raises(BlockedURLError, match=re.escape(why)):
        await fetch(f"http://{host}:{server.port}/page", dns, allow_hosts=frozenset())
    assert dns.calls == []  # refused without a lookup
    assert server.requests == []


@pytest.mark.parametrize("host", ["localhost", "[::1]"])
async def test_allowing_127_0_0_1_does_not_allow_other_loopback_names(
    server: LoopbackServer, host: str
) -> None:
    with pytest.raises(BlockedURLError):
        await fetch(f"http://{host}:{server.port}/page", FakeDNS({"localhost": ["127.0.0.1"]}))
    assert server.requests == []


async def test_other_spellings_of_an_allowed_address_are_allowed(server: LoopbackServer) -> None:
    result = await fetch(f"http://2130706433:{server.port}/page")
    assert result.status == 200


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/file", "file:///etc/passwd", "gopher://127.0.0.1:70/"]
)
async def test_non_http_schemes_are_refused(url: str) -> None:
    scheme = url.split(":")[0]
    with pytest.raises(BlockedURLError, match=f"scheme '{scheme}' is not allowed") as err:
        await fetch(url)
    assert err.value.url == url


async def test_a_secret_query_value_is_masked_in_messages() -> None:
    dns = FakeDNS({"api.example.com": ["10.0.0.5"]})
    with pytest.raises(BlockedURLError) as err:
        await fetch("https://api.example.com/search?query=x&key=SECRET123", dns)
    assert "SECRET123" not in str(err.value)
    assert "key=***" in str(err.value)


async def test_at_most_per_host_requests_are_in_flight(server: LoopbackServer) -> None:
    async with Fetcher(settings(per_host=1), resolver=FakeDNS()) as fetcher:
        await asyncio.gather(*(fetcher.get(server.url_for("/busy")) for _ in range(3)))
    assert server.hits("/busy") == 3
    assert server.max_in_flight == 1


async def test_the_per_host_limit_is_per_host(server: LoopbackServer) -> None:
    dns = FakeDNS({"a.example.test": ["127.0.0.1"], "b.example.test": ["127.0.0.1"]})
    urls = [f"http://{h}.example.test:{server.port}/busy" for h in "aabb"]
    async with Fetcher(settings(per_host=1), resolver=dns) as fetcher:
        await asyncio.gather(*(fetcher.get(u) for u in urls))
    assert server.max_in_flight == 2
    assert fetcher._hosts == {}  # no per-host state left behind


def test_the_network_guard_stops_connections_beyond_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stubs stand in for the real socket calls, so even a broken guard dials nothing.
    dialled: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: dialled.append(address))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kw: dialled.append(args) or [])
    with pytest.raises(AssertionError, match="left loopback"), loopback_only():
        with socket.socket() as s:
            s.connect(("127.0.0.1", 9))
            with pytest.raises(PermissionError):
                s.connect(("192.0.2.1", 80))
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("example.com", 80)
    assert dialled == [("127.0.0.1", 9)]


# --- TLS: the original name is the SNI and the certificate name ------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for news.example.test (needs the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    base = tmp_path_factory.mktemp("tls")
    cert, key = base / "cert.pem", base / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=news.example.test"),
            *("-addext", "subjectAltName=DNS:news.example.test"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
async def tls_server(
    certificate: tuple[Path, Path],
) -> AsyncIterator[tuple[LoopbackServer, list[str | None]]]:
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment,misc]

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<p>secure</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/page", page)
    async with serve(app, ssl_context=context) as running:
        yield running, names


async def test_https_verifies_the_original_host_name_over_the_checked_address(
    tls_server: tuple[LoopbackServer, list[str | None]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, names = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    dns = FakeDNS({"news.example.test": ["127.0.0.1"]})
    result = await fetch(f"https://news.example.test:{server.port}/page", dns)
    assert b"secure" in result.content
    assert names == ["news.example.test"]
    assert server.requests[0].host == f"news.example.test:{server.port}"


async def test_a_certificate_for_another_name_is_refused_without_retrying(
    tls_server: tuple[LoopbackServer, list[str | None]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, names = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    dns = FakeDNS({"other.example.test": ["127.0.0.1"]})
    with pytest.raises(FetchError, match="TLS certificate not accepted"):
        await fetch(f"https://other.example.test:{server.port}/page", dns, retries=2)
    assert names == ["other.example.test"]
    assert server.requests == []
