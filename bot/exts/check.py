"""/check, /checklink, the "Check claim" message menu, and watched channels.

A handler checks, then hands the result to ``bot.answers.post`` (record, send, route to
review). A CheckError is not caught here: the command tree's error handler answers it."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.replies import RATE_LIMITED
from checks.claims import is_link, validate_claim
from checks.errors import CheckError
from checks.models import CheckResult, GuildConfig, LinkCheckResult, Verdict

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = ["CheckCog", "setup"]

log = logging.getLogger(__name__)

LINK = re.compile(r"https?://[^\s<>()\"']+", re.IGNORECASE)


class CheckCog(commands.Cog):
    """Checking claims and links where the conversation is."""

    def __init__(self, bot: CrosscheckBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        self.menu = app_commands.ContextMenu(name="Check claim", callback=self.check_message)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    # ------------------------------------------------------------------ commands

    @app_commands.command(name="check", description="Check a claim against trusted sources")
    @app_commands.describe(claim="The claim to check, in a sentence or two")
    async def check(
        self,
        interaction: discord.Interaction[CrosscheckBot],
        claim: app_commands.Range[str, 1, 2000],
    ) -> None:
        await self._answer(interaction, text=claim, surface="slash")

    @app_commands.command(name="checklink", description="Check the claims of an article")
    @app_commands.describe(url="A link to the article (http or https)")
    async def checklink(
        self,
        interaction: discord.Interaction[CrosscheckBot],
        url: app_commands.Range[str, 1, 2000],
    ) -> None:
        if not is_link(url):
            await interaction.response.send_message(
                "That is not an http(s) link. Use `/check` for a claim.", ephemeral=True
            )
            return
        await self._answer(interaction, url=url.strip(), surface="slash")

    async def check_message(
        self, interaction: discord.Interaction[CrosscheckBot], message: discord.Message
    ) -> None:
        """Message menu → Apps → Check claim: its first link, or else its text."""
        content = message.content or ""
        links = LINK.findall(content)
        text = LINK.sub(" ", content).strip()
        if not links and not text:
            await interaction.response.send_message(
                "That message has no text to check (attachments and embeds are not read).",
                ephemeral=True,
            )
            return
        await self._answer(
            interaction,
            text=None if links else text,
            url=links[0] if links else None,
            surface="menu",
            jump_url=message.jump_url,
        )

    # ------------------------------------------------------------------ answering

    async def _guild(self, guild_id: int | None) -> GuildConfig:
        return await self.engine.guild_config(guild_id) if guild_id else GuildConfig()

    async def _answer(
        self,
        interaction: discord.Interaction[CrosscheckBot],
        *,
        surface: str,
        text: str | None = None,
        url: str | None = None,
        jump_url: str | None = None,
    ) -> None:
        async with self.bot.working():
            limited = await self.bot.limits.try_acquire(
                user_id=interaction.user.id, guild_id=interaction.guild_id
            )
            if limited:
                self.bot.note_rate_limited(limited)
                await interaction.response.send_message(RATE_LIMITED[limited], ephemeral=True)
                return
            if text is not None:  # an uncheckable claim is told to the asker alone, undeferred
                validate_claim(text)
            guild = await self._guild(interaction.guild_id)
            await interaction.response.defer(
                ephemeral=guild.visibility == "ephemeral", thinking=True
            )
            stance = self.engine.stance_for(guild)
            gid = interaction.guild_id
            result: CheckResult | LinkCheckResult
            if url is not None:
                result = await self.engine.acheck_url(
                    url, stance=stance, guild_id=gid, surface=surface
                )
            else:
                assert text is not None
                result = await self.engine.acheck_text(
                    text, stance=stance, guild_id=gid, surface=surface
                )
            await self.bot.answers.post(
                result, to=interaction, surface=surface, guild=guild, jump_url=jump_url
            )

    # ------------------------------------------------------------------ watched channels

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """In a watched channel, answer a posted link only when it is clearly disputed."""
        async with self.bot.working():
            await self._watch(message)

    async def _watch(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None or not message.content:
            return
        guild = await self._guild(message.guild.id)
        if message.channel.id not in guild.watched_channels:
            return
        links = LINK.findall(message.content)
        if not links:
            return
        if await self.bot.limits.try_acquire(user_id=message.author.id, guild_id=message.guild.id):
            return  # quiet: a watched channel never nags about limits
        try:
            link = await self.engine.acheck_url(
                links[0],
                stance=self.engine.stance_for(guild),
                guild_id=message.guild.id,
                surface="watch",
            )
        except CheckError as exc:  # quiet too: nobody asked
            log.info("watched link not checked: %s", exc)
            return
        sure = [
            c
            for c in link.claims
            if c.verdict is Verdict.DISPUTED and c.confidence >= guild.auto_answer_confidence
        ]
        if link.verdict is Verdict.DISPUTED and sure:
            await self.bot.answers.post(link, to=message, surface="watch", guild=guild)


async def setup(bot: CrosscheckBot) -> None:
    await bot.add_cog(CheckCog(bot))
