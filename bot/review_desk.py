"""The review queue's Discord side: every change to an item goes through the ReviewDesk, which
keeps the item's card in the moderators' channel, the mod log and the conversations where the
claim was asked in step with the store.

All state is in the store; a card is only a view of an item. Each card carries the item's
version when it was drawn, so start-up can tell a stale card from a current one.

Within a process, one item's card is posted or redrawn by one task at a time, and that task
reads the item from the store once it holds the card: a second post of the same item (start-up
reconciling while the first post is still with Discord, or two asks joining a new item at once)
then finds the card the first one recorded and edits it instead of posting another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord

from bot.render import STATE_TAGS, clip, render_item, render_reviewed_answer
from bot.views import review_view
from checks.engine import Engine
from checks.errors import ReviewNotFound
from checks.models import (
    AskRef,
    CheckResult,
    GuildConfig,
    ModeratorVerdict,
    ReviewAction,
    ReviewAsk,
    ReviewItem,
    ReviewState,
)

__all__ = ["REFUSED", "ReviewDesk", "is_moderator"]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MAX_RECONCILE = 200  # pending items looked at per server at start-up
REFUSED = "Only moderators can act on the review queue (moderator role or Manage Messages)."
_QUIET = (ReviewAction.ASK, ReviewAction.DISPUTE, ReviewAction.CREATE)  # not for the mod log


def is_moderator(interaction: discord.Interaction[Any], guild: GuildConfig) -> bool:
    """Manage Messages, or the server's configured moderator role — read at press time."""
    if interaction.guild_id is None:
        return False
    if interaction.permissions.manage_messages:
        return True
    roles = getattr(interaction.user, "roles", None) or []
    return guild.moderator_role is not None and any(r.id == guild.moderator_role for r in roles)


class ReviewDesk:
    """Keeps each server's review channel in step with its queue.

    ``client`` is only used to find channels (and, at start-up, the servers)."""

    def __init__(self, client: discord.Client, engine: Engine) -> None:
        self.client = client
        self.engine = engine
        self._cards: dict[int, asyncio.Lock] = {}  # item id -> held while its card is drawn
        self._holders: dict[int, int] = {}  # item id -> tasks holding or waiting for it

    # ------------------------------------------------------------------ changes to the queue

    async def may_act(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether the member may act on the queue; if not, they are told (ephemerally)."""
        gid = interaction.guild_id
        guild = await self.engine.guild_config(gid) if gid else None
        if guild is None or not is_moderator(interaction, guild):
            await interaction.response.send_message(REFUSED, ephemeral=True)
            return False
        return True

    async def act(
        self,
        interaction: discord.Interaction[Any],
        item_id: int,
        action: ReviewAction,
        *,
        verdict: ModeratorVerdict | None = None,
        note: str | None = None,
        url: str | None = None,
    ) -> ReviewItem:
        """A moderator's decision (from a button, a modal or /review): apply it, redraw, and
        tell the moderator the item's new state. A refused decision raises ReviewError."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        item = await self.engine.review_act(
            item_id,
            action,
            guild_id=interaction.guild_id,
            actor_id=interaction.user.id,
            verdict=verdict,
            note=note,
            url=url,
        )
        await self.changed(item, actor_id=interaction.user.id, action=action)
        await interaction.followup.send(
            f"Review #{item.id} is now **{STATE_TAGS[item.state]}**.", ephemeral=True
        )
        return item

    async def enqueue(
        self,
        result: CheckResult,
        *,
        guild_id: int,
        triggers: list[str],
        actor_id: int | None,
        ask: AskRef | None = None,
    ) -> tuple[ReviewItem, bool]:
        """Put a claim in the queue (or join the item already there) and show its card."""
        item, created = await self.engine.enqueue_review(
            result, guild_id=guild_id, triggers=triggers, actor_id=actor_id, ask=ask
        )
        await self.changed(item, actor_id=actor_id, action=ReviewAction.CREATE)
        return item, created

    async def changed(
        self, item: ReviewItem, *, actor_id: int | None, action: ReviewAction
    ) -> None:
        """After any change: redraw the card; log decisions; follow up once resolved."""
        try:
            await self.publish(item)
            if action not in _QUIET:
                await self.log_action(item, actor_id, action)
            if item.state is ReviewState.RESOLVED:
                await self.follow_up(item)
        except discord.HTTPException as exc:
            log.warning("review #%s: Discord refused an update: %s", item.id, exc)

    # ------------------------------------------------------------------ cards

    async def _channel(self, channel_id: int) -> Any:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel

    @contextlib.asynccontextmanager
    async def _card(self, item_id: int) -> AsyncIterator[None]:
        """Hold one item's card: one post or redraw of it at a time in this process."""
        lock = self._cards.setdefault(item_id, asyncio.Lock())
        self._holders[item_id] = self._holders.get(item_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[item_id] -= 1
            if not self._holders[item_id]:
                del self._holders[item_id], self._cards[item_id]

    async def _current(self, item: ReviewItem) -> ReviewItem | None:
        """The item as the store has it now (None if it is gone)."""
        try:
            return await self.engine.review_item(item.id, guild_id=item.guild_id)
        except ReviewNotFound:
            return None

    async def publish(self, item: ReviewItem) -> None:
        """Post the item's card, or bring the posted one up to date (re-posting a lost one).

        The item is read again once its card is held, so a post that finished meanwhile is
        edited rather than posted a second time."""
        async with self._card(item.id):
            current = await self._current(item)
            if current is not None:
                await self._draw(current)

    async def _draw(self, item: ReviewItem) -> None:
        """publish(), with the item's card held."""
        guild = await self.engine.guild_config(item.guild_id)
        if not guild.review_channel:
            return
        asks = await self.engine.review_asks(item.id)
        audit = await self.engine.review_audit(item.id)
        embed = render_item(item, asks=asks, audit=audit)
        view = review_view(item)
        if item.post_message_id and item.post_channel_id:
            channel = await self._channel(item.post_channel_id)
            if channel is not None:
                try:
                    await channel.get_partial_message(item.post_message_id).edit(
                        embed=embed, view=view
                    )
                    await self._tag(channel, item)
                    await self.engine.review_posted(
                        item, channel_id=item.post_channel_id, message_id=item.post_message_id
                    )
                    return
                except discord.NotFound:
                    log.info("review card for item %s was deleted; posting it again", item.id)
                except discord.HTTPException as exc:
                    log.warning("could not update review card %s: %s", item.id, exc)
                    return
        channel = await self._channel(guild.review_channel)
        if channel is None:
            log.warning(
                "review channel %s of server %s is gone", guild.review_channel, item.guild_id
            )
            return
        try:
            if isinstance(channel, discord.ForumChannel):
                tags = [t for t in channel.available_tags if t.name == STATE_TAGS[item.state]]
                created = await channel.create_thread(
                    name=clip(f"#{item.id} {item.claim}", 100),
                    embed=embed,
                    view=view,
                    applied_tags=tags[:1],
                    allowed_mentions=NO_MENTIONS,
                )
                post_channel, message_id = created.thread.id, created.message.id
            else:
                message = await channel.send(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
                post_channel, message_id = channel.id, message.id
        except discord.HTTPException as exc:
            log.warning("could not post review card %s: %s", item.id, exc)
            return
        await self.engine.review_posted(item, channel_id=post_channel, message_id=message_id)

    async def _tag(self, channel: Any, item: ReviewItem) -> None:
        """In a forum, the thread's tag follows the item's state."""
        if not isinstance(channel, discord.Thread) or not isinstance(
            channel.parent, discord.ForumChannel
        ):
            return
        tags = [t for t in channel.parent.available_tags if t.name == STATE_TAGS[item.state]]
        if tags and tags[0] not in channel.applied_tags:
            try:
                await channel.edit(applied_tags=tags[:1])
            except discord.HTTPException as exc:
                log.info("could not retag review thread %s: %s", channel.id, exc)

    async def reconcile(self) -> int:
        """At start-up: re-post missing cards and redraw stale ones. Returns cards touched.

        A card being posted or redrawn right now (an interaction handled before the gateway
        said ready) is waited for, and the item read again: it is only touched if still needed.
        """
        touched = 0
        for guild in self.client.guilds:
            items = await self.engine.review_list(guild_id=guild.id, limit=MAX_RECONCILE)
            for listed in items:
                async with self._card(listed.id):
                    item = await self._current(listed)
                    if item is None or not await self._needs_card(item):
                        continue
                    await self._draw(item)
                    touched += 1
        return touched

    async def _needs_card(self, item: ReviewItem) -> bool:
        """Whether the item's card is missing or older than the item."""
        if not item.pending and item.posted_version == item.version:
            return False
        if item.pending and item.posted_version == item.version and item.post_message_id:
            channel = await self._channel(item.post_channel_id or 0)
            try:
                if channel is not None:
                    await channel.fetch_message(item.post_message_id)
                    return False
            except discord.NotFound:
                pass
            except discord.HTTPException:
                return False
        return True

    async def log_action(self, item: ReviewItem, actor: int | None, action: ReviewAction) -> None:
        guild = await self.engine.guild_config(item.guild_id)
        if not guild.modlog_channel:
            return
        channel = await self._channel(guild.modlog_channel)
        if channel is None:
            return
        who = f"<@{actor}>" if actor else "Crosscheck"
        text = f"{who} **{action.value}** review #{item.id} → {STATE_TAGS[item.state]}"
        if item.moderator_verdict and item.state is ReviewState.RESOLVED:
            text += f" ({item.moderator_verdict})"
        text += f": “{clip(item.claim, 200)}”"
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.info("mod-log message failed: %s", exc)

    async def follow_up(self, item: ReviewItem) -> int:
        """Tell each conversation where the claim was asked, once, and point the answer to it."""
        if item.state is not ReviewState.RESOLVED:
            return 0
        sent = 0
        for ask in await self.engine.review_asks(item.id):
            if ask.ephemeral or not ask.channel_id or ask.followup_message_id is not None:
                continue
            if not await self.engine.review_followed_up(ask.id, 0):
                continue  # another process took it
            channel = await self._channel(ask.channel_id)
            if channel is None:
                continue
            text = f"Moderators reviewed this: **{item.moderator_verdict}**"
            if item.moderator_note:
                text += f" — {clip(item.moderator_note, 500)}"
            if item.moderator_url:
                text += f"\nSource: <{item.moderator_url}>"
            reference = (
                discord.MessageReference(
                    message_id=ask.message_id, channel_id=ask.channel_id, fail_if_not_exists=False
                )
                if ask.message_id
                else None
            )
            try:
                message = await channel.send(
                    text, reference=reference, allowed_mentions=NO_MENTIONS
                )
            except discord.HTTPException as exc:
                log.info("follow-up for review %s failed: %s", item.id, exc)
                continue
            await self.engine.review_followed_up(ask.id, message.id)
            sent += 1
            if ask.message_id and ask.answer_id:
                await self._point_answer(channel, ask, item, message.jump_url)
        return sent

    async def _point_answer(
        self, channel: Any, ask: ReviewAsk, item: ReviewItem, jump_url: str
    ) -> None:
        answer = await self.engine.answer(ask.answer_id or 0)
        if answer is None or ask.message_id is None:
            return
        embed = render_reviewed_answer(self.engine.answer_result(answer), item, jump_url)
        try:
            await channel.get_partial_message(ask.message_id).edit(embed=embed)
        except discord.HTTPException as exc:
            log.info("could not point answer %s to the review: %s", ask.answer_id, exc)
