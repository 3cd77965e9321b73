"""Posting an answer, as one call: the protocol every surface (slash command, message menu,
watched channel) goes through, so it is written once.

:meth:`AnswerDesk.post` records the answer (so its buttons work after a restart), sends it with
its buttons where it was asked, remembers the message it became, and hands it to the
:class:`~bot.review_desk.ReviewDesk` when it needs moderators (disputed, mixed, unsure).
:meth:`AnswerDesk.dispute` is a member's Dispute of a posted answer.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.render import render_answer
from bot.review_desk import ReviewDesk
from bot.views import answer_view
from checks.engine import Engine
from checks.models import AskRef, CheckResult, GuildConfig, LinkCheckResult, ReviewAction

__all__ = ["AnswerDesk"]

NO_MENTIONS = discord.AllowedMentions.none()
SOURCES_NAMED = 4  # sources named in an answer's footer before "and N more"


class AnswerDesk:
    """Posts answers and takes disputes of them; owned by the bot (``bot.answers``)."""

    def __init__(self, engine: Engine, review: ReviewDesk) -> None:
        self.engine = engine
        self.review = review

    def searched(self) -> str:
        """The footer's account of what was searched: this process's enabled sources."""
        names = [s.name for s in self.engine.config.enabled()]
        if not names:
            return "no sources (none configured)"
        more = len(names) - SOURCES_NAMED
        shown = ", ".join(names[:SOURCES_NAMED]) + (f" and {more} more" if more > 0 else "")
        return f"{len(names)} source(s): {shown}"

    async def post(
        self,
        result: CheckResult | LinkCheckResult,
        *,
        to: discord.Interaction[Any] | discord.Message,
        surface: str,
        guild: GuildConfig,
        jump_url: str | None = None,
    ) -> int:
        """Answer where it was asked and route the answer to review; returns its id.

        ``to`` is a deferred interaction (the answer is its follow-up, visible as the server
        chose) or a member's message (the answer is a quiet reply to it)."""
        guild_id: int | None
        channel_id: int | None
        if isinstance(to, discord.Message):
            guild_id = to.guild.id if to.guild else None
            channel_id, user_id, ephemeral = to.channel.id, to.author.id, False
        else:
            guild_id, channel_id, user_id = to.guild_id, to.channel_id, to.user.id
            ephemeral = guild.visibility == "ephemeral"
        answer_id = await self.engine.record_answer(
            result, surface=surface, guild_id=guild_id, channel_id=channel_id, user_id=user_id
        )
        embed = render_answer(result, searched=self.searched(), jump_url=jump_url)
        view = answer_view(answer_id)
        message: discord.Message | discord.WebhookMessage
        if isinstance(to, discord.Message):
            message = await to.reply(
                embed=embed, view=view, mention_author=False, allowed_mentions=NO_MENTIONS
            )
        else:
            message = await to.followup.send(
                embed=embed,
                view=view,
                ephemeral=ephemeral,
                allowed_mentions=NO_MENTIONS,
                wait=True,
            )
        await self.engine.answer_posted(answer_id, message.id)
        if guild_id is not None:
            ask = AskRef(
                channel_id=channel_id,
                message_id=message.id,
                answer_id=answer_id,
                user_id=user_id,
                ephemeral=ephemeral,
            )
            for item, _created in await self.engine.review_answer(
                result, guild, guild_id=guild_id, ask=ask
            ):
                await self.review.changed(item, actor_id=None, action=ReviewAction.ASK)
        return answer_id

    async def dispute(self, answer_id: int, *, user_id: int, reason: str) -> None:
        """A member says an answer is wrong: keep the reason and queue its claim(s) for the
        moderators, redrawing their cards. Raises InputError for a blank reason or an
        unknown answer."""
        for item, _created in await self.engine.dispute(answer_id, user_id, reason):
            await self.review.changed(item, actor_id=user_id, action=ReviewAction.DISPUTE)
