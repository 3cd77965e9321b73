"""/check, /checklink, the "Check claim" message menu, answer buttons and watched channels."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import render_check, render_error, render_link, render_sources
from bot.replies import RATE_LIMITED, user_message
from checks.engine import is_link, validate_claim
from checks.errors import CheckError
from checks.models import CheckResult, GuildConfig, LinkCheckResult, Verdict

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = ["AnswerButton", "CheckCog", "DisputeModal", "answer_view", "setup"]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
LINK = re.compile(r"https?://[^\s<>()\"']+", re.IGNORECASE)
ANSWER_ID = re.compile(r"crosscheck:answer:(?P<action>sources|dispute):(?P<id>\d+)")


def _bot(interaction: discord.Interaction) -> CrosscheckBot:
    return interaction.client  # type: ignore[return-value]


class DisputeModal(discord.ui.Modal, title="Dispute this answer"):
    reason: discord.ui.TextInput[DisputeModal] = discord.ui.TextInput(
        label="What is wrong with this answer?",
        style=discord.TextStyle.paragraph,
        min_length=3,
        max_length=1000,
        placeholder="A source it missed, a figure it misread, …",
    )

    def __init__(self, answer_id: int) -> None:
        super().__init__(custom_id=f"crosscheck:dispute-modal:{answer_id}")
        self.answer_id = answer_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        async with _bot(interaction).working():
            await self._submit(interaction)

    async def _submit(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        try:
            await bot.disputed(
                self.answer_id,
                user_id=interaction.user.id,
                reason=str(self.reason.value),
                guild_id=interaction.guild_id,
            )
        except CheckError as exc:
            await interaction.response.send_message(user_message(exc), ephemeral=True)
            return
        await interaction.response.send_message(
            "Thanks — your dispute was sent to this server's moderators.", ephemeral=True
        )


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_ID.pattern):
    """**Sources** and **Dispute** on every answer; all state lives in the store."""

    LABELS: ClassVar[dict[str, tuple[str, str]]] = {
        "sources": ("Sources", "📚"),
        "dispute": ("Dispute", "⚑"),
    }

    def __init__(self, action: str, answer_id: int) -> None:
        label, emoji = self.LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
                custom_id=f"crosscheck:answer:{action}:{answer_id}",
            )
        )
        self.action, self.answer_id = action, answer_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        async with _bot(interaction).working():
            await self._press(interaction)

    async def _press(self, interaction: discord.Interaction) -> None:
        engine = _bot(interaction).engine
        answer = await engine.answer(self.answer_id)
        if answer is None:
            await interaction.response.send_message(
                "That answer is no longer stored.", ephemeral=True
            )
            return
        if self.action == "dispute":
            await interaction.response.send_modal(DisputeModal(self.answer_id))
            return
        embed = render_sources(engine.answer_result(answer))
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def answer_view(answer_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton("sources", answer_id))
    view.add_item(AnswerButton("dispute", answer_id))
    return view


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
        self, interaction: discord.Interaction, claim: app_commands.Range[str, 1, 2000]
    ) -> None:
        await self._answer(interaction, text=claim, surface="slash")

    @app_commands.command(name="checklink", description="Check the claims of an article")
    @app_commands.describe(url="A link to the article (http or https)")
    async def checklink(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 1, 2000]
    ) -> None:
        if not is_link(url):
            await interaction.response.send_message(
                "That is not an http(s) link. Use `/check` for a claim.", ephemeral=True
            )
            return
        await self._answer(interaction, url=url.strip(), surface="slash")

    async def check_message(
        self, interaction: discord.Interaction, message: discord.Message
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

    async def _answer(self, interaction: discord.Interaction, **kwargs: Any) -> None:
        async with self.bot.working():
            await self._answer_now(interaction, **kwargs)

    async def _answer_now(
        self,
        interaction: discord.Interaction,
        *,
        surface: str,
        text: str | None = None,
        url: str | None = None,
        jump_url: str | None = None,
    ) -> None:
        limited = await self.bot.limits.try_acquire(
            user_id=interaction.user.id, guild_id=interaction.guild_id
        )
        if limited:
            self.bot.note_rate_limited(limited)
            await interaction.response.send_message(RATE_LIMITED[limited], ephemeral=True)
            return
        if text is not None:
            try:  # a claim that cannot be checked is told to the asker alone, before deferring
                validate_claim(text)
            except CheckError as exc:
                await interaction.response.send_message(
                    embed=render_error(user_message(exc)), ephemeral=True
                )
                return
        guild = await self._guild(interaction.guild_id)
        ephemeral = guild.visibility == "ephemeral"
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        stance = self.engine.stance_for(guild)
        result: CheckResult | LinkCheckResult
        try:
            gid = interaction.guild_id
            if url is not None:
                result = await self.engine.acheck_url(
                    url, stance=stance, guild_id=gid, surface=surface
                )
                embed = render_link(result, searched=self._searched())
            else:
                assert text is not None
                result = await self.engine.acheck_text(
                    text, stance=stance, guild_id=gid, surface=surface
                )
                embed = render_check(result, searched=self._searched(), jump_url=jump_url)
        except CheckError as exc:
            await interaction.followup.send(
                embed=render_error(user_message(exc)), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        answer_id = await self.engine.record_answer(
            result,
            surface=surface,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            user_id=interaction.user.id,
        )
        message = await interaction.followup.send(
            embed=embed,
            view=answer_view(answer_id),
            ephemeral=ephemeral,
            allowed_mentions=NO_MENTIONS,
            wait=True,
        )
        await self.engine.answer_posted(answer_id, message.id)
        await self.bot.answered(
            result,
            answer_id=answer_id,
            surface=surface,
            guild=guild,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            message_id=message.id,
            user_id=interaction.user.id,
        )

    def _searched(self) -> str:
        names = [s.name for s in self.engine.config.enabled()]
        if not names:
            return "no sources (none configured)"
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        return f"{len(names)} source(s): {shown}"

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
        except CheckError as exc:
            log.info("watched link not checked: %s", exc)
            return
        sure = [
            c
            for c in link.claims
            if c.verdict is Verdict.DISPUTED and c.confidence >= guild.auto_answer_confidence
        ]
        if link.verdict is not Verdict.DISPUTED or not sure:
            return
        answer_id = await self.engine.record_answer(
            link,
            surface="watch",
            guild_id=message.guild.id,
            channel_id=message.channel.id,
            user_id=message.author.id,
        )
        reply = await message.reply(
            embed=render_link(link, searched=self._searched()),
            view=answer_view(answer_id),
            mention_author=False,
            allowed_mentions=NO_MENTIONS,
        )
        await self.engine.answer_posted(answer_id, reply.id)
        await self.bot.answered(
            link,
            answer_id=answer_id,
            surface="watch",
            guild=guild,
            guild_id=message.guild.id,
            channel_id=message.channel.id,
            message_id=reply.id,
            user_id=message.author.id,
        )


async def setup(bot: CrosscheckBot) -> None:
    await bot.add_cog(CheckCog(bot))
