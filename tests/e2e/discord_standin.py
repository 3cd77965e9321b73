"""A small loopback stand-in for Discord: the gateway websocket and the REST API, on 127.0.0.1.

This is a test fixture, not a Discord emulator. It speaks just enough of the protocol for
discord.py 2.x to log in, connect, receive READY / GUILD_CREATE, run application commands,
components and modals, answer them over REST, and RESUME after a dropped socket. Everything
it receives is recorded so tests assert on *what the bot sent*, never on the bot's internals.

Quick use (in-process)::

    async with DiscordStandIn(token="test-token") as standin, standin.patch_discord():
        bot = make_bot(guild_ready_timeout=0.1)  # see the protocol notes below
        await bot.login("test-token")
        task = asyncio.create_task(bot.connect())
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        sent = await standin.send_interaction("ping")
        req = await standin.wait_for_request(standin.callback_for(sent))
        assert req.json["data"]["content"] == "pong"

Pointing discord.py at it
-------------------------
In the process under test two class attributes do it (``patch_discord()`` sets and restores them):

- ``discord.http.Route.BASE = standin.api_base`` (``http://127.0.0.1:<port>/api/v10``): every REST
  URL, webhooks and interaction callbacks included, is built from it when a ``Route`` is made.
- ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)``
  (``ws://127.0.0.1:<port>/``): a plain (unsharded) client dials it directly. After READY the
  client resumes on ``resume_gateway_url``, which points back at ``ws://127.0.0.1:<port>/gateway``.

A bot started as a *subprocess* cannot be patched from outside; it is meant to read two
environment variables (names agreed for the bot; ``standin.env()`` returns them):

- ``CROSSCHECK_DISCORD_API_BASE`` -> value for ``discord.http.Route.BASE``
- ``CROSSCHECK_DISCORD_GATEWAY``  -> ``DiscordWebSocket.DEFAULT_GATEWAY`` (wrapped in ``yarl.URL``)

Protocol notes (what discord.py 2.7 needs; the surprising parts are marked)
--------------------------------------------------------------------------
- REST answers carry exactly ``Content-Type: application/json`` (aiohttp's ``json_response`` adds
  ``; charset=utf-8``, and then discord.py treats the body as a plain string). That includes
  DELETEs, which get ``200 {}`` instead of Discord's bodiless ``204``.
- Login is ``GET /users/@me`` then ``GET /oauth2/applications/@me`` (an AppInfo with ``owner``,
  ``verify_key``, ``bot_public`` ... or login crashes with a KeyError).
- The client asks for ``compress=zlib-stream`` but accepts JSON *text* frames; we send those.
- Surprise: READY lists guilds as unavailable and ``on_ready`` fires only after no GUILD_CREATE has
  arrived for ``guild_ready_timeout`` seconds (default 2.0). In-process tests pass
  ``guild_ready_timeout=0.1`` to the client; a subprocess bot just takes ~2 s longer.
- Surprise: an interaction payload must carry ``attachment_size_limit`` (``Interaction._from_data``
  indexes it), and members need ``flags``; users need ``avatar`` (null is fine).
- Surprise: interaction callbacks are ``POST .../callback?with_response=1``; discord.py parses the
  answer as an InteractionCallbackResponse: ``{"interaction": {"id", "type", "response_message_id",
  ...}, "resource": {"type", "message": {...}}}``. An empty ``{}`` makes ``send_message`` raise.
- A slash command registered for one guild is only found if ``data.guild_id`` is set in the
  interaction (``send_interaction(command_guild_id=...)``; filled in automatically when the bot
  synced that command to a guild here).
- Dropping the socket with any close code but 4004 and 4010-4014 makes discord.py reconnect
  at once and send op 6 RESUME; the stand-in replays missed dispatches and answers ``RESUMED``.
  With ``drop_connections(resumable=False)`` the RESUME gets op 9 (false) and the client identifies
  again from scratch -- surprise: only after ``Client.before_identify_hook`` has slept 5 s (it does
  for every non-initial IDENTIFY); override the hook in a test bot to skip that.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

__all__ = [
    "API_BASE_ENV",
    "GATEWAY_ENV",
    "MEMBER_PERMISSIONS",
    "MODERATOR_PERMISSIONS",
    "OP_HEARTBEAT",
    "OP_HEARTBEAT_ACK",
    "OP_IDENTIFY",
    "OP_INVALID_SESSION",
    "OP_RESUME",
    "DiscordStandIn",
    "GatewayFrame",
    "RecordedRequest",
    "StandInGuild",
]

API_BASE_ENV = "CROSSCHECK_DISCORD_API_BASE"
GATEWAY_ENV = "CROSSCHECK_DISCORD_GATEWAY"

# Gateway opcodes used here.
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 9, 10, 11

_DISCORD_EPOCH_MS = 1_420_070_400_000
_VIEW_AND_CHAT = (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)
#: Permissions of an ordinary member: view, send, embed, attach, history, react, app commands.
MEMBER_PERMISSIONS = _VIEW_AND_CHAT | (1 << 31)
#: An ordinary member plus Manage Messages and Moderate Members.
MODERATOR_PERMISSIONS = MEMBER_PERMISSIONS | (1 << 13) | (1 << 40)
_BOT_PERMISSIONS = MEMBER_PERMISSIONS | (1 << 13)
_EPHEMERAL, _LOADING = 1 << 6, 1 << 7
_ATTACHMENT_LIMIT = 10 * 1024 * 1024

_counter = itertools.count()


def snowflake() -> str:
    """A fresh, increasing Discord-style snowflake (as Discord sends them: a string)."""
    ms = int(time.time() * 1000) - _DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def _now() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(user_id: int | str, username: str, *, bot: bool = False) -> dict[str, Any]:
    """A user object as Discord sends it."""
    return {
        "id": str(user_id),
        "username": username,
        "global_name": None if bot else username.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


@dataclass
class StandInGuild:
    """One guild the bot is in. Channel and role dicts map id -> name."""

    id: int = 1_100_000_000_000_000_001
    name: str = "Crosscheck Test Guild"
    text_channels: dict[int, str] = field(
        default_factory=lambda: {
            1_100_000_000_000_000_101: "general",
            1_100_000_000_000_000_102: "crosscheck-review",
        }
    )
    roles: dict[int, str] = field(default_factory=lambda: {1_100_000_000_000_000_201: "Moderator"})
    owner_id: int = 1_100_000_000_000_000_301

    @property
    def first_channel_id(self) -> int:
        return next(iter(self.text_channels))

    def channel_payload(self, channel_id: int) -> dict[str, Any]:
        position = list(self.text_channels).index(channel_id)
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.id),
            "name": self.text_channels[channel_id],
            "position": position,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def role_payloads(self) -> list[dict[str, Any]]:
        everyone = {"id": str(self.id), "name": "@everyone", "permissions": str(MEMBER_PERMISSIONS)}
        others = [
            {"id": str(rid), "name": name, "permissions": str(MODERATOR_PERMISSIONS)}
            for rid, name in self.roles.items()
        ]
        out = []
        for position, role in enumerate([everyone, *others]):
            role.update(
                position=position,
                color=0,
                colors={"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                hoist=False,
                icon=None,
                unicode_emoji=None,
                managed=False,
                mentionable=False,
                flags=0,
            )
            out.append(role)
        return out


@dataclass
class RecordedRequest:
    """One REST request the stand-in received.

    ``path`` is relative to ``/api/v10`` (``/interactions/1/tok/callback``); ``json`` is the decoded
    JSON body, or the ``payload_json`` part of a multipart body; ``files`` describes multipart file
    parts (``field``, ``filename``, ``content_type``, ``size``). ``status`` and ``response`` are
    what the stand-in answered.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[dict[str, Any]]
    status: int = 0
    response: Any = None


@dataclass
class GatewayFrame:
    """One frame the client sent on the gateway; ``connection`` counts sockets from 1."""

    connection: int
    path: str
    op: int | None
    d: Any
    raw: dict[str, Any]


@dataclass
class _Session:
    id: str
    token: str
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Connection:
    number: int
    ws: web.WebSocketResponse
    path: str
    session: _Session | None = None
    ready: bool = False  # READY or RESUMED has been sent
    closed: bool = False


Predicate = Callable[[RecordedRequest], bool]


class DiscordStandIn:
    """An aiohttp server on 127.0.0.1 (ephemeral port) playing Discord for one bot.

    Args:
        token: if given, the bot token the stand-in accepts (REST ``Authorization: Bot <token>``
            and IDENTIFY/RESUME); anything else gets 401 / close code 4004. ``None`` accepts any.
        guilds: the guilds the bot is in (default: one :class:`StandInGuild`).
        bot_id, application_id, bot_name: the bot user and its application.
        user_id, username: the default member who invokes interactions.
        heartbeat_interval_ms: sent in HELLO (discord.py beats once at once, then on this interval).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        guilds: list[StandInGuild] | None = None,
        bot_id: int = 1_200_000_000_000_000_001,
        application_id: int = 1_200_000_000_000_000_001,
        bot_name: str = "Crosscheck",
        user_id: int = 1_300_000_000_000_000_001,
        username: str = "tester",
        heartbeat_interval_ms: int = 45_000,
    ) -> None:
        self.token = token
        self.guilds = guilds if guilds is not None else [StandInGuild()]
        self.bot_id, self.application_id, self.bot_name = bot_id, application_id, bot_name
        self.user_id, self.username = user_id, username
        self.heartbeat_interval_ms = heartbeat_interval_ms

        #: Every REST request, in arrival order.
        self.requests: list[RecordedRequest] = []
        #: Every gateway frame the client sent, in arrival order.
        self.frames: list[GatewayFrame] = []
        #: Every frame the stand-in sent, as (connection number, payload).
        self.sent_frames: list[tuple[int, dict[str, Any]]] = []
        #: Messages the bot created (channel messages, interaction responses, follow-ups), by id.
        self.messages: dict[str, dict[str, Any]] = {}
        #: Interactions dispatched, by id.
        self.interactions: dict[str, dict[str, Any]] = {}
        #: Application commands the bot synced: key None (global) or guild id -> list of commands.
        self.commands: dict[int | None, list[dict[str, Any]]] = {}

        self._acked: set[str] = set()  # interaction ids already answered
        self._original: dict[str, str] = {}  # interaction token -> original message id
        self._sessions: dict[str, _Session] = {}
        self._connections: list[_Connection] = []
        self._conn_numbers = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes = self._rest_routes()

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> DiscordStandIn:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._gateway)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        for conn in list(self._connections):
            await self._close_connection(conn, code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """Environment for a bot subprocess: Discord at the stand-in, and the bot's own web
        surface on an ephemeral port so that test processes never compete for one."""
        return {
            API_BASE_ENV: self.api_base,
            GATEWAY_ENV: self.gateway_url,
            "CROSSCHECK_WEB_PORT": "0",
        }

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py in *this* process at the stand-in; restore the old values on exit."""
        import discord
        import yarl

        route, ws_cls = discord.http.Route, discord.gateway.DiscordWebSocket
        old_base, old_gateway = route.BASE, ws_cls.DEFAULT_GATEWAY
        route.BASE = self.api_base
        ws_cls.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            route.BASE, ws_cls.DEFAULT_GATEWAY = old_base, old_gateway

    # ---------------------------------------------------------------- waiting

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        async def waiter() -> Any:
            async with self._changed:
                result = None

                def ready() -> bool:
                    nonlocal result
                    result = check()
                    return bool(result)

                await self._changed.wait_for(ready)
                return result

        try:
            return await asyncio.wait_for(waiter(), timeout)
        except TimeoutError:
            raise TimeoutError(f"stand-in: timed out after {timeout}s waiting for {what}") from None

    async def wait_for_request(self, predicate: Predicate, timeout: float = 5.0) -> RecordedRequest:
        """The first answered REST request (already recorded or yet to come) matching predicate.

        Requests are matched in arrival order, so make the predicate specific (e.g.
        :meth:`callback_for` an interaction) rather than "any POST".
        """

        def find() -> RecordedRequest | None:
            return next((r for r in self.requests if r.status and predicate(r)), None)

        return await self._wait(find, timeout, "a matching REST request")

    async def wait_for_frame(
        self, predicate: Callable[[GatewayFrame], bool], timeout: float = 5.0
    ) -> GatewayFrame:
        """The first gateway frame from the client (already received or yet to come) matching."""

        def find() -> GatewayFrame | None:
            return next((f for f in self.frames if predicate(f)), None)

        return await self._wait(find, timeout, "a matching gateway frame")

    async def wait_for_session(self, timeout: float = 5.0) -> _Connection:
        """Wait for a live socket whose session got READY or RESUMED."""

        def find() -> _Connection | None:
            return next((c for c in self._connections if c.ready and not c.closed), None)

        return await self._wait(find, timeout, "a ready gateway session")

    def requests_to(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose method matches and whose path fully matches the regex."""
        rx = re.compile(path_pattern)
        return [r for r in self.requests if r.method == method and rx.fullmatch(r.path)]

    @staticmethod
    def callback_for(interaction: dict[str, Any]) -> Predicate:
        """Predicate: the interaction-callback POST for this dispatched interaction."""
        path = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
        return lambda r: r.method == "POST" and r.path == path

    @staticmethod
    def followup_for(interaction: dict[str, Any]) -> Predicate:
        """Predicate: any follow-up webhook call (POST/PATCH/...) for this interaction's token."""
        prefix = f"/webhooks/{interaction['application_id']}/{interaction['token']}"
        return lambda r: r.path == prefix or r.path.startswith(prefix + "/")

    # ---------------------------------------------------------------- gateway

    async def drop_connections(self, code: int = 4000, *, resumable: bool = True) -> None:
        """Close every gateway socket as Discord would on a hiccup.

        With ``resumable=False`` the sessions are forgotten, so the client's RESUME is refused
        with op 9 and it must IDENTIFY again.
        """
        if not resumable:
            self._sessions.clear()
        for conn in list(self._connections):
            await self._close_connection(conn, code=code)

    async def _close_connection(self, conn: _Connection, *, code: int) -> None:
        conn.closed = True
        with contextlib.suppress(ValueError):
            self._connections.remove(conn)
        await self._notify()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.ws.close(code=code, message=b"stand-in closed"), 5)

    async def _send(self, conn: _Connection, payload: dict[str, Any]) -> None:
        self.sent_frames.append((conn.number, payload))
        await conn.ws.send_str(json.dumps(payload))

    async def _dispatch_on(self, conn: _Connection, event: str, data: dict[str, Any]) -> None:
        assert conn.session is not None
        conn.session.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": conn.session.seq, "d": data}
        conn.session.sent.append(payload)
        await self._send(conn, payload)

    async def dispatch(self, event: str, data: dict[str, Any], timeout: float = 5.0) -> None:
        """Send an op 0 DISPATCH (e.g. MESSAGE_CREATE) on the live session, waiting for one."""
        conn = await self.wait_for_session(timeout)
        await self._dispatch_on(conn, event, data)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        if not ws.can_prepare(request).ok:
            return _json({"message": "expected a websocket upgrade", "code": 0}, 400)
        await ws.prepare(request)
        conn = _Connection(number=next(self._conn_numbers), ws=ws, path=request.path)
        self._connections.append(conn)
        await self._send(conn, {"op": OP_HELLO, "s": None, "t": None, "d": self._hello()})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.frames.append(
                    GatewayFrame(conn.number, conn.path, frame.get("op"), frame.get("d"), frame)
                )
                await self._notify()
                if not conn.closed:
                    await self._on_frame(conn, frame)
        finally:
            conn.closed = True
            with contextlib.suppress(ValueError):
                self._connections.remove(conn)
            await self._notify()
        return ws

    def _hello(self) -> dict[str, Any]:
        return {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["crosscheck-standin"]}

    async def _on_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == OP_HEARTBEAT:
            await self._send(conn, {"op": OP_HEARTBEAT_ACK, "s": None, "t": None, "d": None})
        elif op == OP_IDENTIFY:
            if self.token is not None and d.get("token") != self.token:
                await self._close_connection(conn, code=4004)
                return
            session = _Session(id=secrets.token_hex(16), token=d.get("token", ""))
            self._sessions[session.id] = session
            conn.session = session
            await self._dispatch_on(conn, "READY", self._ready_payload(session))
            for guild in self.guilds:
                await self._dispatch_on(conn, "GUILD_CREATE", self._guild_payload(guild))
            conn.ready = True
            await self._notify()
        elif op == OP_RESUME:
            session = self._sessions.get(d.get("session_id", ""))
            if session is None or session.token != d.get("token"):
                await self._send(conn, {"op": OP_INVALID_SESSION, "s": None, "t": None, "d": False})
                return
            conn.session = session
            client_seq = d.get("seq") or 0
            for missed in [p for p in session.sent if p["s"] > client_seq]:
                await self._send(conn, missed)
            await self._dispatch_on(conn, "RESUMED", {"_trace": ["crosscheck-standin"]})
            conn.ready = True
            await self._notify()
        # Presence updates (3), voice (4), member chunk requests (8) ... are recorded only.

    def _bot_user(self) -> dict[str, Any]:
        user = user_payload(self.bot_id, self.bot_name, bot=True)
        user.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        return user

    def _ready_payload(self, session: _Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self._bot_user(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "shard": [0, 1],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["crosscheck-standin"],
        }

    def _member(
        self, user: dict[str, Any], roles: list[int] | None = None, permissions: int | None = None
    ) -> dict[str, Any]:
        member: dict[str, Any] = {
            "user": user,
            "roles": [str(r) for r in roles or []],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def _guild_payload(self, guild: StandInGuild) -> dict[str, Any]:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "roles": guild.role_payloads(),
            "emojis": [],
            "stickers": [],
            "soundboard_sounds": [],
            "channels": [guild.channel_payload(cid) for cid in guild.text_channels],
            "threads": [],
            "members": [self._member(self._bot_user())],
            "member_count": 2,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "max_members": 500_000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "incidents_data": None,
        }

    # ---------------------------------------------------------------- interactions

    def _guild(self, guild_id: int | None) -> StandInGuild:
        if guild_id is None:
            return self.guilds[0]
        return next(g for g in self.guilds if g.id == guild_id)

    def message_payload(
        self,
        content: str,
        *,
        channel_id: int | None = None,
        author: dict[str, Any] | None = None,
        message_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A message object as Discord sends it; by default from the default user in the first
        channel of the first guild. Use it as the target of :meth:`send_message_command` or
        with :meth:`dispatch` ``("MESSAGE_CREATE", ...)``."""
        guild = self.guilds[0]
        msg: dict[str, Any] = {
            "id": message_id or snowflake(),
            "type": 0,
            "channel_id": str(channel_id or guild.first_channel_id),
            "guild_id": str(guild.id),
            "author": author or user_payload(self.user_id, self.username),
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "flags": 0,
        }
        msg.update(extra)
        return msg

    def _base_interaction(
        self,
        type_: int,
        data: dict[str, Any],
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int | None,
        username: str | None,
        roles: list[int] | None,
        permissions: int,
    ) -> dict[str, Any]:
        guild = self._guild(guild_id)
        channel_id = channel_id or guild.first_channel_id
        user = user_payload(user_id or self.user_id, username or self.username)
        return {
            "id": snowflake(),
            "application_id": str(self.application_id),
            "type": type_,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": guild.channel_payload(channel_id),
            "member": self._member(user, roles, permissions),
            "token": "itok-" + secrets.token_urlsafe(24),
            "version": 1,
            "app_permissions": str(_BOT_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": _ATTACHMENT_LIMIT,
        }

    async def _send_interaction(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.interactions[payload["id"]] = payload
        await self.dispatch("INTERACTION_CREATE", payload, timeout)
        return payload

    def _registered_command(
        self, name: str, cmd_type: int, guild_id: int
    ) -> tuple[str, int | None]:
        for scope in (guild_id, None):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == cmd_type:
                    return cmd["id"], scope
        return snowflake(), None

    async def send_interaction(
        self,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
        command_guild_id: int | None = None,
        user_id: int | None = None,
        username: str | None = None,
        roles: list[int] | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Dispatch a slash command (interaction type 2, command type 1); return the payload.

        ``name`` may hold a subcommand path: ``"review list"`` or ``"crosscheck config show"``.
        ``options`` is a dict of name -> value (str/int/float/bool, types inferred) or raw
        option dicts. ``command_guild_id`` marks a guild-scoped command (auto-filled when the bot
        synced a command of that name to the guild here).
        """
        top, *subs = name.split()
        guild = self._guild(guild_id)
        cmd_id, scope = self._registered_command(top, 1, guild.id)
        opts = _options(options)
        if len(subs) == 2:
            opts = [
                {
                    "type": 2,
                    "name": subs[0],
                    "options": [{"type": 1, "name": subs[1], "options": opts}],
                }
            ]
        elif len(subs) == 1:
            opts = [{"type": 1, "name": subs[0], "options": opts}]
        data: dict[str, Any] = {"id": cmd_id, "name": top, "type": 1, "options": opts}
        scope = command_guild_id or scope
        if scope is not None:
            data["guild_id"] = str(scope)
        payload = self._base_interaction(
            2,
            data,
            guild_id=guild.id,
            channel_id=channel_id,
            user_id=user_id,
            username=username,
            roles=roles,
            permissions=permissions,
        )
        return await self._send_interaction(payload, timeout)

    async def send_message_command(
        self,
        name: str,
        target: dict[str, Any],
        *,
        guild_id: int | None = None,
        command_guild_id: int | None = None,
        user_id: int | None = None,
        username: str | None = None,
        roles: list[int] | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Dispatch a message context-menu command (type 2, data.type 3) on ``target``, a
        message payload (see :meth:`message_payload`)."""
        guild = self._guild(guild_id)
        cmd_id, scope = self._registered_command(name, 3, guild.id)
        data: dict[str, Any] = {
            "id": cmd_id,
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        scope = command_guild_id or scope
        if scope is not None:
            data["guild_id"] = str(scope)
        payload = self._base_interaction(
            2,
            data,
            guild_id=guild.id,
            channel_id=int(target["channel_id"]),
            user_id=user_id,
            username=username,
            roles=roles,
            permissions=permissions,
        )
        return await self._send_interaction(payload, timeout)

    async def send_component(
        self,
        custom_id: str,
        *,
        message: dict[str, Any] | str | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        guild_id: int | None = None,
        user_id: int | None = None,
        username: str | None = None,
        roles: list[int] | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Dispatch a component interaction (type 3): a button click (component_type 2) or a
        select (3, with ``values``). ``message`` is the message carrying the component: a payload,
        or the id of a message the bot created here (default: the newest such message)."""
        if message is None:
            message = next(reversed(self.messages.values()), None) or self.message_payload("")
        elif isinstance(message, str):
            message = self.messages[message]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        payload = self._base_interaction(
            3,
            data,
            guild_id=guild_id,
            channel_id=int(message["channel_id"]),
            user_id=user_id,
            username=username,
            roles=roles,
            permissions=permissions,
        )
        payload["message"] = message
        return await self._send_interaction(payload, timeout)

    async def send_modal_submit(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        message: dict[str, Any] | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user_id: int | None = None,
        username: str | None = None,
        roles: list[int] | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Dispatch a modal submit (type 5): ``values`` maps each text input's custom_id to its
        value. The bot must have sent the modal (discord.py only routes to a stored modal)."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": cid, "value": value}]}
            for cid, value in values.items()
        ]
        payload = self._base_interaction(
            5,
            {"custom_id": custom_id, "components": rows},
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            username=username,
            roles=roles,
            permissions=permissions,
        )
        if message is not None:
            payload["message"] = message
        return await self._send_interaction(payload, timeout)

    # ---------------------------------------------------------------- REST

    def _rest_routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Awaitable[Any]]]]:
        table: list[tuple[str, str, Callable[..., Awaitable[Any]]]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_app),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", r"/applications/(?P<app>\d+)/commands", self._get_commands),
            ("PUT", r"/applications/(?P<app>\d+)/commands", self._put_commands),
            ("POST", r"/applications/(?P<app>\d+)/commands", self._post_command),
            (
                "GET",
                r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands",
                self._get_commands,
            ),
            (
                "PUT",
                r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands",
                self._put_commands,
            ),
            (
                "POST",
                r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands",
                self._post_command,
            ),
            ("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._followup),
            (
                "GET",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>[^/]+)",
                self._wh_get,
            ),
            (
                "PATCH",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>[^/]+)",
                self._wh_edit,
            ),
            (
                "DELETE",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>[^/]+)",
                self._wh_del,
            ),
            ("GET", r"/channels/(?P<cid>\d+)", self._get_channel),
            ("POST", r"/channels/(?P<cid>\d+)/messages", self._post_message),
            ("GET", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._get_message),
            ("PATCH", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._edit_message),
            ("DELETE", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._delete_message),
        ]
        return [(m, re.compile(p), h) for m, p, h in table]

    async def _not_found(self, request: web.Request) -> web.Response:
        return _json({"message": "404: Not Found", "code": 0}, 404)

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=files,
        )
        self.requests.append(rec)
        try:
            status, answer = await self._route(rec, request.headers.get("Authorization"))
        except Exception as exc:  # a stand-in bug must answer, not hang the bot
            status, answer = 500, {"message": f"stand-in error: {exc!r}", "code": 0}
        rec.status, rec.response = status, answer
        await self._notify()
        return _json(answer, status)

    async def _route(self, rec: RecordedRequest, auth: str | None) -> tuple[int, Any]:
        tokenless = rec.path.startswith(("/interactions/", "/webhooks/"))
        if self.token is not None and not tokenless and auth != f"Bot {self.token}":
            return 401, {"message": "401: Unauthorized", "code": 0}
        for method, rx, handler in self._routes:
            m = rx.fullmatch(rec.path)
            if m and method == rec.method:
                return await handler(rec, **m.groupdict())
        if rec.method == "GET":
            return 404, {"message": "404: Not Found", "code": 0}
        return 200, {}

    async def _get_me(self, rec: RecordedRequest) -> tuple[int, Any]:
        return 200, self._bot_user()

    async def _get_app(self, rec: RecordedRequest) -> tuple[int, Any]:
        owner = user_payload(self._guild(None).owner_id, "owner")
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_name,
            "description": "loopback stand-in application",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": owner,
            "team": None,
            "flags": 0,
            "summary": "",
            "bot": self._bot_user(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": len(self.guilds),
        }

    async def _get_gateway(self, rec: RecordedRequest) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, rec: RecordedRequest) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit}

    def _command_with_ids(self, cmd: dict[str, Any], guild: str | None) -> dict[str, Any]:
        out = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **cmd,
        }
        out.update(
            id=snowflake(),
            application_id=str(self.application_id),
            version=snowflake(),
        )
        if guild is not None:
            out["guild_id"] = guild
        return out

    async def _get_commands(
        self, rec: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        return 200, self.commands.get(int(guild) if guild else None, [])

    async def _put_commands(
        self, rec: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        cmds = [self._command_with_ids(c, guild) for c in rec.json or []]
        self.commands[int(guild) if guild else None] = cmds
        return 200, cmds

    async def _post_command(
        self, rec: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        cmd = self._command_with_ids(rec.json or {}, guild)
        scope = self.commands.setdefault(int(guild) if guild else None, [])
        scope[:] = [c for c in scope if c["name"] != cmd["name"]] + [cmd]
        return 201, cmd

    def _store_message(self, msg: dict[str, Any]) -> dict[str, Any]:
        self.messages[msg["id"]] = msg
        return msg

    def _bot_message(
        self, channel_id: str, body: dict[str, Any], files: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        msg = self.message_payload(
            body.get("content") or "", channel_id=int(channel_id), author=self._bot_user()
        )
        msg.update(
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=body.get("flags") or 0,
            attachments=_attachments(files),
            **extra,
        )
        return self._store_message(msg)

    def _apply_edit(self, msg: dict[str, Any], body: dict[str, Any], files: list[Any]) -> None:
        for key in ("content", "embeds", "components"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if files:
            msg["attachments"] = _attachments(files)
        msg["flags"] = (msg.get("flags") or 0) & ~_LOADING
        msg["edited_timestamp"] = _now()

    async def _callback(self, rec: RecordedRequest, iid: str, token: str) -> tuple[int, Any]:
        it = self.interactions.get(iid)
        if it is None or it["token"] != token:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if iid in self._acked:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        self._acked.add(iid)
        body = rec.json or {}
        rtype, data = body.get("type"), body.get("data") or {}
        flags = data.get("flags") or 0
        meta = _interaction_metadata(it)
        info: dict[str, Any] = {"id": iid, "type": it["type"]}
        resource: dict[str, Any] | None = None
        if rtype in (4, 5):
            extra_flags = _LOADING if rtype == 5 else 0
            msg = self._bot_message(
                it["channel_id"],
                {**data, "flags": flags | extra_flags},
                rec.files,
                interaction_metadata=meta,
                webhook_id=str(self.application_id),
                application_id=str(self.application_id),
                type=20 if it["type"] == 2 else 0,
            )
            self._original[token] = msg["id"]
            info.update(
                response_message_id=msg["id"],
                response_message_loading=rtype == 5,
                response_message_ephemeral=bool(flags & _EPHEMERAL),
            )
            resource = {"type": rtype, "message": msg}
        elif rtype in (6, 7) and "message" in it:
            msg = self.messages.get(it["message"]["id"]) or self._store_message(it["message"])
            self._original[token] = msg["id"]
            if rtype == 7:
                self._apply_edit(msg, data, rec.files)
                resource = {"type": 7, "message": msg}
            info.update(response_message_id=msg["id"], response_message_loading=False)
        answer: dict[str, Any] = {"interaction": info}
        if resource is not None:
            answer["resource"] = resource
        return 200, answer

    def _interaction_by_token(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self.interactions.values() if i["token"] == token), None)

    def _webhook_message(self, token: str, mid: str) -> dict[str, Any] | None:
        if mid == "@original":
            mid = self._original.get(token, "")
        return self.messages.get(mid)

    async def _followup(self, rec: RecordedRequest, app: str, token: str) -> tuple[int, Any]:
        it = self._interaction_by_token(token)
        if it is None or it["id"] not in self._acked or app != str(self.application_id):
            return 404, {"message": "Unknown Webhook", "code": 10015}
        msg = self._bot_message(
            it["channel_id"],
            rec.json or {},
            rec.files,
            webhook_id=app,
            application_id=app,
            interaction_metadata=_interaction_metadata(it, self._original.get(token)),
        )
        return 200, msg

    async def _wh_get(
        self, rec: RecordedRequest, app: str, token: str, mid: str
    ) -> tuple[int, Any]:
        msg = self._webhook_message(token, mid)
        return (200, msg) if msg else (404, {"message": "Unknown Message", "code": 10008})

    async def _wh_edit(
        self, rec: RecordedRequest, app: str, token: str, mid: str
    ) -> tuple[int, Any]:
        msg = self._webhook_message(token, mid)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        self._apply_edit(msg, rec.json or {}, rec.files)
        return 200, msg

    async def _wh_del(
        self, rec: RecordedRequest, app: str, token: str, mid: str
    ) -> tuple[int, Any]:
        msg = self._webhook_message(token, mid)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        del self.messages[msg["id"]]
        return 200, {}

    def _channel_guild(self, cid: str) -> StandInGuild | None:
        return next((g for g in self.guilds if int(cid) in g.text_channels), None)

    async def _get_channel(self, rec: RecordedRequest, cid: str) -> tuple[int, Any]:
        guild = self._channel_guild(cid)
        if guild is None:
            return 404, {"message": "Unknown Channel", "code": 10003}
        return 200, guild.channel_payload(int(cid))

    async def _post_message(self, rec: RecordedRequest, cid: str) -> tuple[int, Any]:
        if self._channel_guild(cid) is None:
            return 404, {"message": "Unknown Channel", "code": 10003}
        return 200, self._bot_message(cid, rec.json or {}, rec.files)

    def _channel_message(self, cid: str, mid: str) -> dict[str, Any] | None:
        msg = self.messages.get(mid)
        return msg if msg is not None and msg["channel_id"] == cid else None

    async def _get_message(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Any]:
        msg = self._channel_message(cid, mid)
        return (200, msg) if msg else (404, {"message": "Unknown Message", "code": 10008})

    async def _edit_message(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Any]:
        msg = self._channel_message(cid, mid)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        self._apply_edit(msg, rec.json or {}, rec.files)
        return 200, msg

    async def _delete_message(self, rec: RecordedRequest, cid: str, mid: str) -> tuple[int, Any]:
        if self._channel_message(cid, mid) is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        del self.messages[mid]
        return 200, {}


def _interaction_metadata(it: dict[str, Any], original: str | None = None) -> dict[str, Any]:
    """What Discord attaches to a message an interaction produced (discord.py needs ``user``)."""
    meta: dict[str, Any] = {
        "id": it["id"],
        "type": it["type"],
        "user": it["member"]["user"],
        "authorizing_integration_owners": it["authorizing_integration_owners"],
    }
    if original is not None:
        meta["original_response_message_id"] = original
    if it["type"] == 3 and "message" in it:
        meta["interacted_message_id"] = it["message"]["id"]
    return meta


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": discord.py compares the header verbatim.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


async def _read_body(request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
    """The JSON body, or a multipart body's ``payload_json`` part plus its file parts."""
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[dict[str, Any]] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not hasattr(part, "read"):  # nested multipart: not used by discord.py
                continue
            raw = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":
                body = json.loads(raw)
            else:
                files.append(
                    {
                        "field": part.name,
                        "filename": part.filename,
                        "content_type": part.headers.get("Content-Type"),
                        "size": len(raw),
                    }
                )
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode("utf-8", "replace"), []


def _attachments(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for f in files:
        aid = snowflake()
        url = f"https://cdn.invalid/attachments/{aid}/{f['filename']}"
        out.append(
            {
                "id": aid,
                "filename": f["filename"],
                "size": f["size"],
                "url": url,
                "proxy_url": url,
                "content_type": f["content_type"],
            }
        )
    return out


_OPTION_TYPES: list[tuple[type, int]] = [(bool, 5), (int, 4), (float, 10), (str, 3)]


def _options(options: dict[str, Any] | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if options is None:
        return []
    if isinstance(options, list):
        return options
    out = []
    for name, value in options.items():
        kind = next((t for cls, t in _OPTION_TYPES if isinstance(value, cls)), 3)
        out.append({"name": name, "type": kind, "value": value})
    return out
