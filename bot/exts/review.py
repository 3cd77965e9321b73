"""The moderator review queue's commands: /review list · show · reopen · stats and the
"Send to review" message menu (the card buttons and modals are in bot.views).

Permission is checked when used; changes go through ``bot.review`` (the ReviewDesk), and a
CheckError is answered by the command tree's error handler."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import STATE_TAGS, clip, render_audit, render_item
from checks.models import AskRef, ReviewAction, ReviewState

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = ["ReviewCog", "setup"]

NO_MENTIONS = discord.AllowedMentions.none()


class ReviewCog(commands.GroupCog, group_name="review", group_description="Moderator review queue"):
    def __init__(self, bot: CrosscheckBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        super().__init__()
        self.menu = app_commands.ContextMenu(name="Send to review", callback=self.send_to_review)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def interaction_check(self, interaction: discord.Interaction[CrosscheckBot]) -> bool:  # type: ignore[override]
        return await self.bot.review.may_act(interaction)

    async def send_to_review(
        self, interaction: discord.Interaction[CrosscheckBot], message: discord.Message
    ) -> None:
        """Message menu → Apps → Send to review (the menu is not in the group: checked here)."""
        async with self.bot.working():
            if not await self.bot.review.may_act(interaction):
                return
            text = (message.content or "").strip()
            if not text:
                await interaction.response.send_message("That message has no text.", ephemeral=True)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            assert interaction.guild_id is not None
            result = await self.engine.acheck_text(
                text, guild_id=interaction.guild_id, surface="review"
            )
            item, created = await self.bot.review.enqueue(
                result,
                guild_id=interaction.guild_id,
                triggers=["sent by a moderator"],
                actor_id=interaction.user.id,
                ask=AskRef(channel_id=message.channel.id, message_id=message.id),
            )
            word = "added to" if created else "already in"
            await interaction.followup.send(f"Review #{item.id} {word} the queue.", ephemeral=True)

    @app_commands.command(name="list", description="Items in the review queue")
    @app_commands.describe(state="Only items in this state (default: open and in review)")
    async def list_(
        self,
        interaction: discord.Interaction[CrosscheckBot],
        state: ReviewState | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        items = await self.engine.review_list(guild_id=interaction.guild_id, state=state)
        if state is None:
            items = [i for i in items if i.pending]
        lines = [
            f"**#{i.id}** {STATE_TAGS[i.state]} · ×{i.demand} · {i.bot_verdict.value} — "
            f"{clip(i.claim, 90)}"
            for i in items
        ]
        embed = discord.Embed(
            title=f"Review queue ({state.value if state else 'pending'})",
            description=clip("\n".join(lines) or "Nothing here.", 4000),
            colour=discord.Colour.blurple(),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="show", description="One item with its history")
    async def show(self, interaction: discord.Interaction[CrosscheckBot], item: int) -> None:
        found = await self.engine.review_item(item, guild_id=interaction.guild_id)
        asks = await self.engine.review_asks(found.id)
        audit = await self.engine.review_audit(found.id)
        embed = render_item(found, asks=asks, audit=audit)
        history = discord.Embed(title="History", description=render_audit(found, audit))
        await interaction.response.send_message(
            embeds=[embed, history], ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="reopen", description="Reopen a resolved or dismissed item")
    async def reopen(self, interaction: discord.Interaction[CrosscheckBot], item: int) -> None:
        async with self.bot.working():
            await self.bot.review.act(interaction, item, ReviewAction.REOPEN)

    @app_commands.command(name="stats", description="How the queue is doing")
    async def stats(self, interaction: discord.Interaction[CrosscheckBot]) -> None:
        stats = await self.engine.review_stats(interaction.guild_id)
        counts = stats.counts
        lines = [f"{STATE_TAGS[s]}: {counts.get(s.value, 0)}" for s in ReviewState]
        oldest = stats.oldest_pending
        if oldest:
            lines.append(f"Oldest pending since {discord.utils.format_dt(oldest, 'R')}")
        await interaction.response.send_message(
            embed=discord.Embed(title="Review queue", description="\n".join(lines)),
            ephemeral=True,
        )


async def setup(bot: CrosscheckBot) -> None:
    await bot.add_cog(ReviewCog(bot))
