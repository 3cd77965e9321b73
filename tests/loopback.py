"""Real HTTP over loopback for tests: a recording aiohttp server and a no-public-network guard.

Serve an ``aiohttp.web.Application`` on an ephemeral port of 127.0.0.1 for the length of an
``async with`` block, inside any pytest-asyncio test::

    from aiohttp import web
    from loopback import serve  # tests/ is on sys.path (or: from tests.loopback import serve)

    async def test_page(fetcher):
        app = web.Application()
        app.router.add_get("/page", lambda request: web.Response(text="hi"))
        async with serve(app) as server:
            await fetcher.get(server.url_for("/page"))
        assert server.hits("/page") == 1
        assert server.requests[0].headers["User-Agent"].startswith("Crosscheck/")

Every request is recorded when it *arrives* (before its handler runs) as a
:class:`RecordedRequest`; :attr:`LoopbackServer.in_flight` and :attr:`~LoopbackServer.max_in_flight`
count requests whose handlers are running, for concurrency assertions. An application can be
served once (aiohttp freezes it). ``host="127.0.0.2"`` serves on another loopback address (Linux
routes all of 127.0.0.0/8 to loopback; elsewhere binding raises ``OSError``), ``ssl_context=``
serves HTTPS.

:func:`loopback_only` makes a test fail loudly if anything tries to connect to, or look up, a
non-loopback host, so a broken client under test cannot reach the network::

    @pytest.fixture(autouse=True)
    def _no_network():
        with loopback_only():
            yield
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from multidict import CIMultiDict

__all__ = ["LoopbackServer", "RecordedRequest", "loopback_only", "serve"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str  # without the query string
    query_string: str
    headers: Mapping[str, str]  # case-insensitive, a copy

    @property
    def host(self) -> str | None:
        """The ``Host`` header the client sent."""
        return self.headers.get("Host")


@dataclass
class LoopbackServer:
    """A running server: where it listens and what it has seen."""

    host: str
    port: int
    scheme: str = "http"
    requests: list[RecordedRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash, e.g. ``http://127.0.0.1:41234``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def url_for(self, path: str = "/") -> str:
        return self.url + (path if path.startswith("/") else "/" + path)

    def hits(self, path: str | None = None) -> int:
        """How many requests arrived (for ``path`` only, when given)."""
        return sum(1 for r in self.requests if path is None or r.path == path)

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(
            RecordedRequest(
                request.method, request.path, request.query_string, CIMultiDict(request.headers)
            )
        )
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            self.in_flight -= 1


@asynccontextmanager
async def serve(
    app: web.Application,
    *,
    host: str = "127.0.0.1",
    ssl_context: ssl.SSLContext | None = None,
    shutdown_timeout: float = 0.1,
) -> AsyncIterator[LoopbackServer]:
    """Serve ``app`` on ``host`` at an ephemeral port until the block ends.

    Handlers still running at the end (a deliberately slow endpoint) are cancelled after
    ``shutdown_timeout`` seconds.
    """
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"serve() listens on loopback addresses only, not {host}")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
    except OSError:
        sock.close()
        raise
    server = LoopbackServer(host, sock.getsockname()[1], "https" if ssl_context else "http")
    app.middlewares.insert(0, server._record)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    try:
        await web.SockSite(runner, sock, ssl_context=ssl_context).start()
        yield server
    finally:
        await runner.cleanup()
        sock.close()


def _is_loopback(host: str | bytes | None) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = host.strip("[]").split("%")[0]
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _is_ip_literal(host: str | bytes | None) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address((host or "").strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


@contextmanager
def loopback_only() -> Iterator[list[str]]:
    """Refuse, record and finally fail on any connection or DNS lookup beyond loopback.

    Patches ``socket.socket.connect``/``connect_ex`` (what asyncio, and so httpx and aiohttp,
    use) and ``socket.getaddrinfo``: connecting to a non-loopback IP, or resolving any name but
    ``localhost``, raises ``PermissionError``/``socket.gaierror`` at once, and the block ends with
    ``AssertionError`` listing every attempt — even when the code under test swallowed the error.
    Yields that list.
    """
    violations: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            violations.append(f"connect to {address!r}")
            raise PermissionError(f"test network guard: connection to {address!r} refused")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not (_is_loopback(host) or _is_ip_literal(host)):
            violations.append(f"DNS lookup of {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"test network guard: no DNS for {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        mp.setattr(socket, "getaddrinfo", getaddrinfo)
        yield violations
    if violations:
        raise AssertionError("left loopback: " + "; ".join(violations))
