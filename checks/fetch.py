"""The one HTTP client of the engine: SSRF-safe, with size and time limits and retries.

Every fetch goes through :class:`Fetcher.get`. For each hop (the first URL and every redirect):

1. the URL is validated: ``http``/``https`` only, a host, no credentials (:func:`validate_url`);
2. the host is resolved here, never by the HTTP stack: IP literals in any spelling
   (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``[::ffff:127.0.0.1]``) are parsed without DNS,
   other names go through the resolver (``loop.getaddrinfo`` unless one is injected);
3. the fetch is refused (:class:`~checks.errors.BlockedURLError`) if *any* address is not public
   (:func:`is_blocked_address`), unless the host or that address is in ``allow_hosts``;
4. the request is sent to the checked address itself, with the original host in the ``Host``
   header and as TLS SNI / certificate hostname, so a DNS answer that changes between the check and
   the connection (DNS rebinding) cannot redirect it.

Redirects are followed here, one validated hop at a time. The body is capped while streaming;
``5xx``, ``429``, timeouts and connection errors are retried with exponential backoff; every hop
and retry shares one ``total_timeout``. Nothing but :class:`~checks.errors.FetchError` (or its
subclass ``BlockedURLError``) leaves :meth:`Fetcher.get`.

Connections are not kept alive between requests: a pooled connection is keyed by the address it
was opened to, and reusing one opened for ``a.example`` to ask for ``b.example`` would send the
wrong TLS SNI. Cookies are never stored and environment proxies are ignored (a proxy would resolve
the host itself); ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are honoured for the CA bundle.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Self

import httpx

from checks.errors import BlockedURLError, FetchError
from checks.events import FetchEvent
from checks.text_safety import safe_text

__all__ = [
    "FEED",
    "HTML",
    "JSON",
    "XML",
    "FetchResult",
    "FetchSettings",
    "Fetcher",
    "IPAddress",
    "Resolver",
    "is_blocked_address",
    "parse_ip_literal",
    "validate_url",
]

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port) -> addresses``: how :class:`Fetcher` turns a host name into IP addresses."""

HTML = frozenset({"text/html", "application/xhtml+xml"})
FEED = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
        "application/rdf+xml",
    }
)
JSON = frozenset({"application/json"})
XML = frozenset({"application/xml", "text/xml"})

_KIND_NAMES = {HTML: "an HTML page", FEED: "a feed", JSON: "JSON", XML: "XML"}
_SCHEMES = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#]*@")
_SECRET_PARAM = re.compile(
    r"(?i)([?&](?:key|api_?key|token|access_token|secret|password|sig|signature)=)[^&#]*"
)


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one :class:`Fetcher`. Times are in seconds."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0  # per read: the longest silence tolerated from the server
    total_timeout: float = 30.0  # one whole get(): every redirect, retry and backoff included
    max_bytes: int = 5_000_000  # of the decoded body
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first, per hop
    backoff: float = 0.5  # first retry delay; doubles each retry
    per_host: int = 2  # concurrent requests per host
    user_agent: str = (
        "Crosscheck/0.1 (source-verification bot; +https://github.com/crosscheck/crosscheck)"
    )
    allow_hosts: frozenset[str] = frozenset()  # hosts/IPs allowed even though private


@dataclass(frozen=True)
class FetchResult:
    """A successful (2xx) or not-modified (304) response."""

    url: str  # final URL after redirects
    status: int
    content: bytes
    content_type: str  # media type only, lower-case, e.g. "text/html"
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool  # True on 304 (content empty)

    def text(self) -> str:
        """The body decoded with its charset (UTF-8 when absent or unknown), errors replaced."""
        try:
            return self.content.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


# --- address classification -----------------------------------------------------------------

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


def _parse_ipv4_part(part: str) -> int | None:
    if not _IPV4_PART.fullmatch(part):
        return None
    if part[:2] in ("0x", "0X"):
        return int(part[2:] or "0", 16)
    if part.startswith("0"):
        return int(part, 8)
    return int(part)


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 the way ``inet_aton`` reads it: 1–4 parts, each decimal, octal (0…) or hex (0x…)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_parse_ipv4_part(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (24 - 8 * i)
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host spells, or None for a name.

    Recognises dotted, decimal (``2130706433``), octal (``0177.0.0.1``), hex (``0x7f.1``) and
    shortened (``127.1``) IPv4 spellings, and IPv6 with or without brackets.
    """
    h = host.strip()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if ":" in h:
        try:
            return ipaddress.IPv6Address(h)
        except ValueError:
            return None
    if h.endswith("."):
        h = h[:-1]
    return _parse_ipv4(h) if h else None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 (64:ff9b::/96) address leads to."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _block_reason(ip: IPAddress) -> str | None:
    """Why fetching from ``ip`` is refused ("a private address"), or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_unspecified:
            return "an unspecified address"
        if ip.is_loopback:
            return "a loopback address"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = _block_reason(embedded)
            if reason is not None or ip.sixtofour is None:
                return reason  # mapped and NAT64 forms are exactly their IPv4 address
        elif ip in _IPV4_COMPATIBLE:
            return "a deprecated IPv4-compatible address"
        if ip.is_link_local:
            return "a link-local address"
        if ip.is_multicast:
            return "a multicast address"
        if ip in _UNIQUE_LOCAL:
            return "a unique-local address"
        if ip in _SITE_LOCAL:
            return "a site-local address"
    else:
        if ip.is_unspecified:
            return "an unspecified address"
        if ip.is_loopback:
            return "a loopback address"
        if ip.is_link_local:
            return "a link-local address"
        if ip.is_multicast:
            return "a multicast address"
        if ip in _CGNAT:
            return "a shared (CGNAT) address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


def is_blocked_address(ip: str | IPAddress) -> bool:
    """True when ``ip`` is anything but a public unicast address.

    Loopback, private, link-local (cloud metadata 169.254.169.254 included), CGNAT, multicast,
    reserved, unspecified and unique-local addresses are blocked, and so are the IPv4-mapped,
    6to4 and NAT64 forms of blocked IPv4 addresses and all deprecated IPv4-compatible ``::a.b.c.d``
    addresses. A string may use any spelling :func:`parse_ip_literal` knows; one that is not an
    address raises ``ValueError``.
    """
    if isinstance(ip, str):
        parsed = parse_ip_literal(ip)
        if parsed is None:
            raise ValueError(f"not an IP address: {ip!r}")
        ip = parsed
    return _block_reason(ip) is not None


# --- URLs -----------------------------------------------------------------------------------


def _display(url: httpx.URL | str) -> str:
    """The URL for messages and ``FetchError.url``: no credentials, secret-looking query values
    (``key=``, ``token=``, …) masked."""
    return _SECRET_PARAM.sub(r"\1***", _USERINFO.sub(r"\1", str(url)))


def _fail(url: httpx.URL, message: str, status: int | None, source: str | None) -> FetchError:
    # messages quote what a server sent (reason phrase, Content-Type): no escapes reach a terminal
    shown = safe_text(_display(url))
    return FetchError(f"{shown}: {safe_text(message)}", url=shown, status=status, source=source)


def _refuse(
    url: httpx.URL | str, why: str, source: str | None, came_from: httpx.URL | None = None
) -> BlockedURLError:
    shown = safe_text(_display(url))
    via = f" (redirected from {safe_text(_display(came_from))})" if came_from is not None else ""
    message = f"refused {shown}: {safe_text(why)}{via}"
    return BlockedURLError(message, url=shown, source=source)


def _validate(url: str, source: str | None, came_from: httpx.URL | None = None) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise _refuse(url, f"not a valid URL ({exc})", source, came_from) from None
    if not parsed.scheme:
        raise _refuse(
            url, "the URL has no scheme (only http and https are allowed)", source, came_from
        )
    if parsed.scheme not in _SCHEMES:
        why = f"scheme {parsed.scheme!r} is not allowed (only http and https)"
        raise _refuse(parsed if parsed.userinfo else url, why, source, came_from)
    if not parsed.raw_host:
        raise _refuse(parsed, "the URL has no host", source, came_from)
    if parsed.userinfo:
        raise _refuse(parsed, "credentials in the URL are not allowed", source, came_from)
    return parsed


def validate_url(url: str) -> httpx.URL:
    """Parse ``url`` and check its shape: http(s), a host, no ``user:pass@``.

    Raises :class:`~checks.errors.BlockedURLError` saying why. Addresses are checked by
    :meth:`Fetcher.get`, which resolves the host.
    """
    return _validate(url, None)


def _host_key(host: str) -> str:
    """A host as compared with ``allow_hosts``: lower-case, no brackets or trailing dot, and an
    IP literal in its canonical spelling (IPv4-mapped IPv6 as IPv4)."""
    ip = parse_ip_literal(host)
    if ip is not None:
        return str(_connectable(ip))
    return host.strip().strip("[]").rstrip(".").lower()


def _show(ip: IPAddress) -> str:
    """``ip`` for messages; IPv4-mapped IPv6 as ``::ffff:10.0.0.1``."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return f"::ffff:{ip.ipv4_mapped}"
    return str(ip)


def _origin(url: httpx.URL) -> tuple[str, bytes, int | None]:
    return url.scheme, url.raw_host, url.port


def _connectable(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


async def _system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# --- the client -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Redirect:
    url: httpx.URL


class _Retryable(Exception):
    """One attempt failed in a way that may pass on retry."""

    def __init__(self, message: str, status: int | None = None, delay: float | None = None):
        super().__init__(message)
        self.message, self.status, self.delay = message, status, delay


@dataclass
class _Progress:
    url: httpx.URL
    came_from: httpx.URL | None = None  # the URL that redirected here


class _HostSlot:
    def __init__(self, limit: int) -> None:
        self.semaphore = asyncio.Semaphore(limit)
        self.users = 0


def _media_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return media.strip().lower(), charset


def _expected(accept: frozenset[str]) -> str:
    return _KIND_NAMES.get(accept) or "one of " + ", ".join(sorted(accept))


def _status_text(response: httpx.Response) -> str:
    phrase = response.reason_phrase
    if not phrase:
        try:
            phrase = HTTPStatus(response.status_code).phrase
        except ValueError:
            phrase = ""
    return f"HTTP {response.status_code} {phrase}".rstrip()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


def _cert_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class Fetcher:
    """The engine's HTTP client. Use as ``async with Fetcher(settings) as f: await f.get(url)``.

    ``resolver`` replaces DNS (``loop.getaddrinfo``): ``await resolver(host, port)`` returns the
    host's addresses as strings. Tests inject one so that no real name is ever looked up.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: Resolver | None = None,
        on_fetch: Callable[[FetchEvent], None] | None = None,
    ) -> None:
        self.settings = s = settings or FetchSettings()
        self._on_fetch = on_fetch
        self._resolver = resolver or _system_resolver
        self._allowed = frozenset(_host_key(h) for h in s.allow_hosts)
        self._hosts: dict[str, _HostSlot] = {}
        self._client = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_keepalive_connections=0), retries=0
            ),
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.total_timeout,
            ),
            headers={"User-Agent": s.user_agent},
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            follow_redirects=False,
            trust_env=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        accept: frozenset[str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        source: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> FetchResult:
        """GET ``url``, following redirects; a 2xx or (when ``etag``/``last_modified`` are given)
        304 response becomes a :class:`FetchResult`, anything else a :class:`FetchError`.

        ``accept`` lists the media types wanted (:data:`HTML`, :data:`FEED`, :data:`JSON`,
        :data:`XML`); another type is refused before its body is read.
        """
        progress = _Progress(_validate(url, source))
        total = self.settings.total_timeout
        started = time.monotonic()
        status: int | None = None
        ok = False
        try:
            async with asyncio.timeout(total):
                result = await self._follow(progress, accept, etag, last_modified, source, headers)
            status, ok = result.status, True
            return result
        except TimeoutError:
            raise _fail(progress.url, f"timed out after {total:g}s", None, source) from None
        except FetchError as exc:
            status = exc.status
            raise
        finally:
            if self._on_fetch is not None:
                self._on_fetch(
                    FetchEvent(
                        host=progress.url.host or "",
                        seconds=time.monotonic() - started,
                        status=status,
                        ok=ok,
                    )
                )

    async def _follow(
        self,
        progress: _Progress,
        accept: frozenset[str] | None,
        etag: str | None,
        last_modified: str | None,
        source: str | None,
        extra: dict[str, str] | None,
    ) -> FetchResult:
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = ", ".join(sorted(accept)) + ", */*;q=0.1"
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        headers.update(extra or {})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.total_timeout
        for _ in range(self.settings.max_redirects + 1):
            outcome = await self._with_retries(progress, headers, accept, source, deadline)
            if isinstance(outcome, FetchResult):
                return outcome
            target = _validate(str(outcome.url), source, came_from=progress.url)
            if _origin(target) != _origin(progress.url):
                headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
            progress.came_from, progress.url = progress.url, target
        why = f"too many redirects (more than {self.settings.max_redirects})"
        raise _fail(progress.url, why, None, source)

    async def _with_retries(
        self,
        progress: _Progress,
        headers: dict[str, str],
        accept: frozenset[str] | None,
        source: str | None,
        deadline: float,
    ) -> FetchResult | _Redirect:
        s, url = self.settings, progress.url
        attempt = 0
        while True:
            try:
                return await self._attempt(progress, headers, accept, source)
            except _Retryable as exc:
                delay = s.backoff * 2**attempt
                if exc.delay is not None:
                    delay = max(delay, exc.delay)
                out_of_time = asyncio.get_running_loop().time() + delay >= deadline
                if attempt >= s.retries or out_of_time:
                    tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                    why = f"{exc.message} (gave up after {tries})"
                    raise _fail(url, why, exc.status, source) from None
                log.debug("retrying %s in %.2fs: %s", _display(url), delay, exc.message)
                await asyncio.sleep(delay)
                attempt += 1

    async def _pin(self, progress: _Progress, source: str | None) -> IPAddress:
        """The checked address to connect to for ``progress.url``; refuses blocked ones."""
        url = progress.url
        host = url.raw_host.decode("ascii")
        key = _host_key(host)
        literal = parse_ip_literal(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
            verb = "is"
        else:
            loopback_name = key == "localhost" or key.endswith(".localhost")
            if loopback_name and key not in self._allowed:
                raise _refuse(url, f"host {host} is a loopback name", source, progress.came_from)
            port = url.port or _SCHEMES[url.scheme]
            try:
                found = await self._resolver(host, port)
                addresses = [ipaddress.ip_address(a) for a in found]
            except (OSError, UnicodeError, ValueError, TypeError) as exc:
                why = f"cannot resolve host {host} ({exc})"
                raise _fail(url, why, None, source) from None
            if not addresses:
                raise _fail(url, f"host {host} has no addresses", None, source)
            verb = "resolves to"
        if key not in self._allowed:
            for ip in addresses:
                reason = _block_reason(ip)
                if reason is not None and str(_connectable(ip)) not in self._allowed:
                    log.debug("refused %s: %s %s", _display(url), reason, ip)
                    why = f"host {host} {verb} {reason} {_show(ip)}"
                    raise _refuse(url, why, source, progress.came_from)
        return _connectable(addresses[0])

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = _HostSlot(max(1, self.settings.per_host))
        slot.users += 1
        try:
            async with slot.semaphore:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._hosts[host]

    async def _attempt(
        self,
        progress: _Progress,
        headers: dict[str, str],
        accept: frozenset[str] | None,
        source: str | None,
    ) -> FetchResult | _Redirect:
        url = progress.url
        ip = await self._pin(progress, source)
        host = url.raw_host.decode("ascii")
        try:  # the Host header comes from the original URL
            request = self._client.build_request("GET", url, headers=headers)
        except (UnicodeError, ValueError, TypeError) as exc:
            raise _fail(url, f"invalid request headers ({exc})", None, source) from None
        request.url = url.copy_with(host=str(ip))
        if url.scheme == "https" and parse_ip_literal(host) is None:
            request.extensions = {**request.extensions, "sni_hostname": host}

        async with self._slot(_host_key(host)):
            try:
                response = await self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise _Retryable(f"timed out ({type(exc).__name__})") from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                cert = _cert_error(exc)
                if cert is not None:
                    why = f"TLS certificate not accepted ({cert.verify_message})"
                    raise _fail(url, why, None, source) from None
                raise _Retryable(f"could not connect ({exc or type(exc).__name__})") from None
            except (httpx.HTTPError, httpx.StreamError) as exc:
                why = f"request failed ({exc or type(exc).__name__})"
                raise _fail(url, why, None, source) from None
            try:
                return await self._read(url, response, accept, source)
            finally:
                await response.aclose()

    async def _read(
        self,
        url: httpx.URL,
        response: httpx.Response,
        accept: frozenset[str] | None,
        source: str | None,
    ) -> FetchResult | _Redirect:
        status = response.status_code

        def fail(message: str) -> FetchError:
            return _fail(url, message, status, source)

        content_type, charset = _media_type(response.headers.get("content-type"))
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if status == 304:
            return FetchResult(str(url), 304, b"", content_type, charset, etag, modified, True)
        if status in _REDIRECTS:
            location = response.headers.get("location")
            if not location:
                raise fail(f"{_status_text(response)} without a Location header")
            try:
                target = url.join(location.strip())
            except (httpx.InvalidURL, ValueError) as exc:
                raise fail(f"redirect to an invalid URL ({exc})") from None
            return _Redirect(target.copy_with(fragment=None))
        if status == 429 or status >= 500:
            raise _Retryable(_status_text(response), status, _retry_after(response))
        if not 200 <= status < 300:
            raise fail(_status_text(response))
        if accept and content_type not in accept:
            got = content_type or "a response without a Content-Type"
            raise fail(f"expected {_expected(accept)}, got {got}")
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise fail(f"response larger than {limit} bytes (Content-Length {declared})")
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise fail(f"response larger than {limit} bytes")
                chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out reading the body ({type(exc).__name__})") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(f"connection lost reading the body ({exc})") from None
        except (httpx.HTTPError, httpx.StreamError) as exc:
            raise fail(f"could not read the body ({exc or type(exc).__name__})") from None
        return FetchResult(
            str(url), status, b"".join(chunks), content_type, charset, etag, modified, False
        )
