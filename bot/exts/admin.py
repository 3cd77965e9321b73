"""/crosscheck about · sources · config (config needs Manage Server, checked in code)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import clip

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = ["AdminCog", "setup"]

NO_MENTIONS = discord.AllowedMentions.none()


def _channel(channel_id: int | None) -> str:
    return f"<#{channel_id}>" if channel_id else "not set"


def can_configure(interaction: discord.Interaction[CrosscheckBot]) -> bool:
    """Manage Server, read from the interaction itself (not only hidden in the client)."""
    return interaction.guild_id is not None and interaction.permissions.manage_guild


class AdminCog(commands.GroupCog, group_name="crosscheck", group_description="About Crosscheck"):
    def __init__(self, bot: CrosscheckBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        super().__init__()

    @app_commands.command(name="about", description="What Crosscheck is and how it answers")
    async def about(self, interaction: discord.Interaction[CrosscheckBot]) -> None:
        embed = discord.Embed(
            title="Crosscheck",
            colour=discord.Colour.blurple(),
            description=(
                "I check claims against what this server's trusted sources actually said, and "
                "answer **Supported**, **Disputed**, **Mixed** or **Unverified**, with quotes.\n"
                "• `/check` a claim · `/checklink` an article · right-click a message → Apps → "
                "**Check claim**\n"
                "• **Sources** shows every citation; **Dispute** sends an answer to moderators.\n"
                "I never guess: with no matching source the answer is Unverified."
            ),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="sources", description="The sources this server's answers use")
    async def sources(self, interaction: discord.Interaction[CrosscheckBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        statuses = await asyncio.to_thread(self.engine.sources)
        enabled = {s.name for s in self.engine.config.enabled()}
        lines = []
        for s in statuses:
            state = (
                "disabled"
                if s.name not in enabled
                else ("⚠ " + s.last_error if s.last_error else "ok")
            )
            lines.append(
                f"**{s.name}** — {s.kind}, weight {s.weight:g}, {s.claims} claims · "
                f"{clip(state, 80)}"
            )
        embed = discord.Embed(
            title="Trusted sources",
            colour=discord.Colour.blurple(),
            description=clip("\n".join(lines) or "No sources are configured.", 4000),
        )
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="config", description="Server settings (needs Manage Server)")
    @app_commands.describe(
        watch="Start watching this channel: links posted there are checked quietly",
        unwatch="Stop watching this channel",
        review_channel="Where disputed and uncertain answers go for moderators",
        visibility="Answers visible to everyone, or only to the member who asked",
        suggest="Relevance (0–1) from which a source is compared with the claim",
        sure="Relevance (0–1) from which a source may agree on its words alone",
        auto_confidence="Confidence (0–1) a watched link needs before the bot speaks",
        moderator_role="The role allowed to act on the review queue",
    )
    async def config(
        self,
        interaction: discord.Interaction[CrosscheckBot],
        watch: discord.TextChannel | None = None,
        unwatch: discord.TextChannel | None = None,
        review_channel: discord.TextChannel | discord.ForumChannel | None = None,
        visibility: Literal["public", "ephemeral"] | None = None,
        suggest: app_commands.Range[float, 0.0, 1.0] | None = None,
        sure: app_commands.Range[float, 0.0, 1.0] | None = None,
        auto_confidence: app_commands.Range[float, 0.0, 1.0] | None = None,
        moderator_role: discord.Role | None = None,
    ) -> None:
        if not can_configure(interaction):
            await interaction.response.send_message(
                "You need the **Manage Server** permission to change Crosscheck's settings.",
                ephemeral=True,
            )
            return
        assert interaction.guild_id is not None
        cfg = await self.engine.guild_config(interaction.guild_id)
        changes = cfg.model_dump()
        if watch is not None and watch.id not in cfg.watched_channels:
            changes["watched_channels"] = [*cfg.watched_channels, watch.id]
        if unwatch is not None:
            changes["watched_channels"] = [
                c for c in changes["watched_channels"] if c != unwatch.id
            ]
        if review_channel is not None:
            changes["review_channel"] = review_channel.id
        if moderator_role is not None:
            changes["moderator_role"] = moderator_role.id
        for key, value in (
            ("visibility", visibility),
            ("suggest", suggest),
            ("sure", sure),
            ("auto_answer_confidence", auto_confidence),
        ):
            if value is not None:
                changes[key] = value
        if changes["sure"] < changes["suggest"]:
            await interaction.response.send_message(
                f"`sure` ({changes['sure']:g}) must be at least "
                f"`suggest` ({changes['suggest']:g}).",
                ephemeral=True,
            )
            return
        new = type(cfg).model_validate(changes)
        if new != cfg:
            await self.engine.set_guild_config(interaction.guild_id, new)
        watched = ", ".join(f"<#{c}>" for c in new.watched_channels) or "none"
        embed = discord.Embed(
            title="Crosscheck settings" + (" (updated)" if new != cfg else ""),
            colour=discord.Colour.blurple(),
            description=(
                f"Watched channels: {watched}\n"
                f"Review channel: {_channel(new.review_channel)}\n"
                f"Moderator role: {f'<@&{new.moderator_role}>' if new.moderator_role else 'none'}\n"
                f"Answers are: {new.visibility}\n"
                f"Thresholds: suggest {new.suggest:g} · sure {new.sure:g} · "
                f"watched-link confidence {new.auto_answer_confidence:g}"
            ),
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: CrosscheckBot) -> None:
    await bot.add_cog(AdminCog(bot))
