"""Review cards in the moderators' channel: post, update, reconcile at start-up, follow up.

All state is in the store; a card is only a view of an item. Each card carries the item's
version when it was drawn, so start-up can tell a stale card from a current one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.render import VERDICT_COLOURS, clip, render_check, render_link
from checks.models import (
    AuditEntry,
    CheckResult,
    LinkCheckResult,
    ReviewAction,
    ReviewAsk,
    ReviewItem,
    ReviewState,
    Verdict,
)

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = ["STATE_TAGS", "ReviewDesk", "render_audit", "render_item", "review_view"]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
STATE_TAGS = {
    ReviewState.OPEN: "Open",
    ReviewState.IN_REVIEW: "In review",
    ReviewState.RESOLVED: "Resolved",
    ReviewState.DISMISSED: "Dismissed",
}
STATE_COLOURS = {
    ReviewState.OPEN: discord.Colour.orange(),
    ReviewState.IN_REVIEW: discord.Colour.blue(),
    ReviewState.RESOLVED: discord.Colour.green(),
    ReviewState.DISMISSED: discord.Colour.light_grey(),
}
_AS_VERDICT = {
    "supported": Verdict.SUPPORTED,
    "disputed": Verdict.DISPUTED,
    "false": Verdict.DISPUTED,
    "misleading": Verdict.DISPUTED,
    "mixed": Verdict.MIXED,
    "unverified": Verdict.UNVERIFIED,
}
MAX_RECONCILE = 200  # pending items looked at per server at start-up


def render_item(
    item: ReviewItem, *, asks: Sequence[ReviewAsk] = (), audit: Sequence[AuditEntry] = ()
) -> discord.Embed:
    """A review card: the claim, demand, the bot's answer and evidence, reasons, the state."""
    embed = discord.Embed(
        title=clip(f"Review #{item.id} · {STATE_TAGS[item.state]}", 256),
        colour=STATE_COLOURS[item.state],
        description=clip("> " + " ".join(item.claim.split()), 1500),
    )
    where = sorted({a.channel_id for a in asks if a.channel_id})
    asked = f"asked {item.demand} time(s)"
    if where:
        asked += " in " + ", ".join(f"<#{c}>" for c in where[:5])
    embed.add_field(name="Demand", value=clip(asked, 1024), inline=False)
    answer = item.result
    verdict = str(answer.get("verdict", item.bot_verdict.value)).capitalize()
    lines = [f"**{verdict}** · why here: {', '.join(item.triggers) or 'queued'}"]
    for m in (answer.get("matches") or [])[:3]:
        cit = m.get("citation", {})
        notes = "; ".join(
            str(n.get("text")) if isinstance(n, dict) else str(n) for n in m.get("notes", [])
        )
        lines.append(
            f"• {m.get('stance')} · {cit.get('source')}: “{clip(str(cit.get('quote', '')), 160)}”"
            + (f" — {clip(notes, 160)}" if notes else "")
        )
    embed.add_field(name="Bot's answer", value=clip("\n".join(lines), 1024), inline=False)
    reasons = [str(e.detail.get("reason")) for e in audit if e.action is ReviewAction.DISPUTE]
    if reasons:
        embed.add_field(
            name=f"Dispute reasons ({len(reasons)})",
            value=clip("\n".join(f"• {clip(r, 200)}" for r in reasons[-5:]), 1024),
            inline=False,
        )
    if item.assignee and item.state is ReviewState.IN_REVIEW:
        embed.add_field(name="Assigned to", value=f"<@{item.assignee}>", inline=True)
    if item.state is ReviewState.RESOLVED:
        ruling = f"**{item.moderator_verdict}** ({item.resolution}) by <@{item.decided_by}>"
        if item.moderator_note:
            ruling += f"\n{clip(item.moderator_note, 500)}"
        if item.moderator_url:
            ruling += f"\n{item.moderator_url}"
        embed.add_field(name="Moderators' verdict", value=clip(ruling, 1024), inline=False)
    if item.state is ReviewState.DISMISSED:
        embed.add_field(name="Dismissed", value=f"by <@{item.decided_by}>", inline=False)
    embed.set_footer(text=f"item {item.id} · version {item.version} · server {item.guild_id}")
    return embed


def render_audit(item: ReviewItem, audit: Sequence[AuditEntry]) -> str:
    lines = []
    for e in audit:
        who = f"<@{e.actor_id}>" if e.actor_id else "Crosscheck"
        change = (
            f"{e.from_state.value if e.from_state else '—'} → {e.to_state.value}"
            if e.from_state != e.to_state
            else e.to_state.value
        )
        extra = ", ".join(f"{k}: {clip(str(v), 80)}" for k, v in e.detail.items() if v)
        lines.append(
            f"`{e.at:%Y-%m-%d %H:%M}` {who} **{e.action.value}** ({change})"
            + (f" — {extra}" if extra else "")
        )
    return clip("\n".join(lines) or "no history", 4000)


def review_view(item: ReviewItem) -> discord.ui.View:
    from bot.exts.review import ReviewButton

    view = discord.ui.View(timeout=None)
    if item.pending:
        for action in ("confirm", "override", "dismiss", "assign"):
            view.add_item(ReviewButton(action, item.id))
    return view


class ReviewDesk:
    """Keeps each server's review channel in step with its queue."""

    def __init__(self, bot: CrosscheckBot) -> None:
        self.bot = bot
        self.engine = bot.engine

    async def _channel(self, channel_id: int) -> Any:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel

    async def publish(self, item: ReviewItem) -> None:
        """Post the item's card, or bring the posted one up to date (re-posting a lost one)."""
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
        """At start-up: re-post missing cards and redraw stale ones. Returns cards touched."""
        touched = 0
        for guild in self.bot.guilds:
            items = await self.engine.review_list(guild_id=guild.id, limit=MAX_RECONCILE)
            for item in items:
                if not item.pending and item.posted_version == item.version:
                    continue
                if item.pending and item.posted_version == item.version and item.post_message_id:
                    channel = await self._channel(item.post_channel_id or 0)
                    try:
                        if channel is not None:
                            await channel.fetch_message(item.post_message_id)
                            continue
                    except discord.NotFound:
                        pass
                    except discord.HTTPException:
                        continue
                await self.publish(item)
                touched += 1
        return touched

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
        result = self.engine.answer_result(answer)
        embed = (
            render_check(result)
            if isinstance(result, CheckResult)
            else render_link(result)
            if isinstance(result, LinkCheckResult)
            else None
        )
        if embed is None:
            return
        embed.add_field(
            name="Moderators reviewed this",
            value=clip(f"**{item.moderator_verdict}** — [see their note]({jump_url})", 1024),
            inline=False,
        )
        verdict = _AS_VERDICT.get((item.moderator_verdict or "").casefold())
        if verdict is not None:
            embed.colour = VERDICT_COLOURS[verdict]
        try:
            await channel.get_partial_message(ask.message_id).edit(embed=embed)
        except discord.HTTPException as exc:
            log.info("could not point answer %s to the review: %s", ask.answer_id, exc)
