"""Per-member and per-server rate limits that refuse instead of waiting."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from aiolimiter import AsyncLimiter

__all__ = ["RateLimits"]


class RateLimits:
    """A leaky bucket per key; ``try_acquire`` answers at once whether there is room."""

    def __init__(
        self,
        *,
        member: tuple[int, float] = (5, 60.0),
        guild: tuple[int, float] = (30, 60.0),
        max_keys: int = 10_000,
    ) -> None:
        self._member, self._guild, self._max = member, guild, max_keys
        self._buckets: OrderedDict[Hashable, AsyncLimiter] = OrderedDict()

    def _bucket(self, key: Hashable, rate: tuple[int, float]) -> AsyncLimiter:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(rate[0], rate[1])
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(key)
        return bucket

    async def try_acquire(self, *, user_id: int, guild_id: int | None) -> str | None:
        """None when allowed; otherwise which limit was hit ("member" or "server")."""
        member = self._bucket(("member", user_id), self._member)
        server = self._bucket(("guild", guild_id), self._guild) if guild_id else None
        if not member.has_capacity():
            return "member"
        if server is not None and not server.has_capacity():
            return "server"
        # both have room, so neither acquire waits
        await member.acquire()
        if server is not None:
            await server.acquire()
        return None
