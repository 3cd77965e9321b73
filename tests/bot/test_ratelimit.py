"""Per-member and per-server limits that refuse at once instead of making a member wait."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, cast

import pytest

from bot.ratelimit import RateLimits


async def attempts(
    limits: RateLimits, n: int, *, user_id: int, guild_id: int | None
) -> list[str | None]:
    return [await limits.try_acquire(user_id=user_id, guild_id=guild_id) for _ in range(n)]


async def test_a_member_gets_five_checks_a_minute_by_default() -> None:
    limits = RateLimits()
    assert await attempts(limits, 5, user_id=1, guild_id=10) == [None] * 5
    assert await limits.try_acquire(user_id=1, guild_id=10) == "member"
    assert await limits.try_acquire(user_id=2, guild_id=10) is None, "members are independent"


def _answer_without_suspending(attempt: Coroutine[Any, Any, str | None]) -> str | None:
    """The coroutine's answer, provided it gives one without ever suspending (waiting)."""
    with pytest.raises(StopIteration) as done:
        attempt.send(None)
    return cast("str | None", done.value.value)


async def test_refusing_never_waits() -> None:
    limits = RateLimits(member=(1, 60.0))
    await limits.try_acquire(user_id=1, guild_id=10)
    # the refusal is decided in one step: no sleep, no lock, nothing awaited
    assert _answer_without_suspending(limits.try_acquire(user_id=1, guild_id=10)) == "member"
    assert _answer_without_suspending(limits.try_acquire(user_id=2, guild_id=10)) is None


async def test_a_busy_server_is_limited_across_members() -> None:
    limits = RateLimits(member=(5, 60.0), guild=(3, 60.0))
    assert [await limits.try_acquire(user_id=u, guild_id=10) for u in (1, 2, 3)] == [None] * 3
    assert await limits.try_acquire(user_id=4, guild_id=10) == "server"
    assert await limits.try_acquire(user_id=4, guild_id=11) is None, "servers are independent"


async def test_a_refused_attempt_uses_up_nothing() -> None:
    limits = RateLimits(member=(1, 60.0), guild=(2, 60.0))
    assert await limits.try_acquire(user_id=1, guild_id=10) is None
    assert await attempts(limits, 3, user_id=1, guild_id=10) == ["member"] * 3
    # the three refusals did not count against the server: one more member still fits
    assert await limits.try_acquire(user_id=2, guild_id=10) is None
    assert await limits.try_acquire(user_id=3, guild_id=10) == "server"
    # and a server refusal did not count against that member either
    limits_2 = RateLimits(member=(2, 60.0), guild=(1, 60.0))
    assert await limits_2.try_acquire(user_id=1, guild_id=10) is None
    assert await limits_2.try_acquire(user_id=2, guild_id=10) == "server"
    assert await limits_2.try_acquire(user_id=2, guild_id=11) is None
    assert await limits_2.try_acquire(user_id=2, guild_id=12) is None
    assert await limits_2.try_acquire(user_id=2, guild_id=13) == "member"


async def test_direct_messages_have_only_the_member_limit() -> None:
    limits = RateLimits(member=(3, 60.0), guild=(1, 60.0))
    assert await attempts(limits, 3, user_id=1, guild_id=None) == [None] * 3
    assert await limits.try_acquire(user_id=1, guild_id=None) == "member"


async def test_capacity_comes_back_as_time_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    # the buckets read the event loop's clock: a clock of our own, so a busy machine's pauses
    # between attempts do not count as time passing
    now = [1000.0]
    loop = asyncio.get_running_loop()
    limits = RateLimits(member=(2, 60.0))
    with monkeypatch.context() as patched:
        patched.setattr(loop, "time", lambda: now[0])
        assert await attempts(limits, 3, user_id=1, guild_id=None) == [None, None, "member"]
        now[0] += 29.0  # half a token has leaked back: still full
        assert await limits.try_acquire(user_id=1, guild_id=None) == "member"
        now[0] += 2.0  # past 30 s: one token's room again
        assert await limits.try_acquire(user_id=1, guild_id=None) is None
        assert await limits.try_acquire(user_id=1, guild_id=None) == "member"


async def test_memory_is_bounded_by_forgetting_the_least_recent_keys() -> None:
    limits = RateLimits(member=(1, 60.0), max_keys=2)
    assert await limits.try_acquire(user_id=1, guild_id=None) is None
    assert await limits.try_acquire(user_id=1, guild_id=None) == "member"
    for user in range(2, 50):
        await limits.try_acquire(user_id=user, guild_id=None)
    assert len(limits._buckets) <= 2
    # member 1 was forgotten, so starts afresh (the price of a bounded table)
    assert await limits.try_acquire(user_id=1, guild_id=None) is None
