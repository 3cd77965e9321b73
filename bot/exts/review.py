"""The moderator review queue in Discord: card buttons, the Override modal, /review commands and
the "Send to review" message menu. Permission is checked when a button is pressed."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import clip
from bot.replies import user_message
from bot.review_desk import STATE_TAGS, render_audit, render_item
from checks.errors import CheckError, ReviewError
from checks.models import GuildConfig, ModeratorVerdict, ReviewAction, ReviewItem, ReviewState

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = ["REVIEW_ID", "OverrideModal", "ReviewButton", "ReviewCog", "is_moderator", "setup"]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
REVIEW_ID = re.compile(
    r"crosscheck:review:(?P<action>confirm|override|dismiss|assign):(?P<item>\d+)"
)
REFUSED = "Only moderators can act on the review queue (moderator role or Manage Messages)."


def _bot(interaction: discord.Interaction) -> CrosscheckBot:
    return interaction.client  # type: ignore[return-value]


def is_moderator(interaction: discord.Interaction, guild: GuildConfig) -> bool:
    """Manage Messages, or the server's configured moderator role — read at press time."""
    if interaction.guild_id is None:
        return False
    if interaction.permissions.manage_messages:
        return True
    roles = getattr(interaction.user, "roles", None) or []
    return guild.moderator_role is not None and any(r.id == guild.moderator_role for r in roles)


async def _check_moderator(interaction: discord.Interaction) -> bool:
    engine = _bot(interaction).engine
    guild = await engine.guild_config(interaction.guild_id) if interaction.guild_id else None
    if guild is None or not is_moderator(interaction, guild):
        await interaction.response.send_message(REFUSED, ephemeral=True)
        return False
    return True


def parse_verdict(text: str) -> ModeratorVerdict | None:
    wanted = text.strip().casefold()
    return next((v for v in ModeratorVerdict if v.value.casefold() == wanted), None)


class OverrideModal(discord.ui.Modal, title="Override the answer"):
    verdict: discord.ui.TextInput[OverrideModal] = discord.ui.TextInput(
        label="Verdict",
        placeholder="Supported, Disputed, False, Misleading or Unverified",
        max_length=20,
    )
    note: discord.ui.TextInput[OverrideModal] = discord.ui.TextInput(
        label="Note for members",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=1000,
    )
    url: discord.ui.TextInput[OverrideModal] = discord.ui.TextInput(
        label="Source URL (optional)", required=False, max_length=500
    )

    def __init__(self, item_id: int) -> None:
        super().__init__(custom_id=f"crosscheck:review-override:{item_id}")
        self.item_id = item_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        if not await _check_moderator(interaction):
            return
        verdict = parse_verdict(str(self.verdict.value))
        if verdict is None:
            choices = ", ".join(v.value for v in ModeratorVerdict)
            await interaction.response.send_message(
                f"“{clip(str(self.verdict.value), 30)}” is not a verdict; use one of: {choices}.",
                ephemeral=True,
            )
            return
        await _act(
            interaction,
            self.item_id,
            ReviewAction.OVERRIDE,
            verdict=verdict,
            note=str(self.note.value or ""),
            url=str(self.url.value or ""),
        )


async def _act(
    interaction: discord.Interaction,
    item_id: int,
    action: ReviewAction,
    **kwargs: Any,
) -> ReviewItem | None:
    """One decision from a button or modal; exactly one response either way."""
    async with _bot(interaction).working():
        return await _decide(interaction, item_id, action, **kwargs)


async def _decide(
    interaction: discord.Interaction,
    item_id: int,
    action: ReviewAction,
    **kwargs: Any,
) -> ReviewItem | None:
    bot = _bot(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        item = await bot.engine.review_act(
            item_id, action, guild_id=interaction.guild_id, actor_id=interaction.user.id, **kwargs
        )
    except (ReviewError, CheckError) as exc:
        await interaction.followup.send(user_message(exc), ephemeral=True)
        return None
    await bot.review_changed(item, actor_id=interaction.user.id, action=action)
    await interaction.followup.send(
        f"Review #{item.id} is now **{STATE_TAGS[item.state]}**.", ephemeral=True
    )
    return item


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=REVIEW_ID.pattern):
    STYLES: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "confirm": ("Confirm answer", discord.ButtonStyle.success),
        "override": ("Override", discord.ButtonStyle.primary),
        "dismiss": ("Dismiss", discord.ButtonStyle.secondary),
        "assign": ("Assign to me", discord.ButtonStyle.secondary),
    }

    def __init__(self, action: str, item_id: int) -> None:
        label, style = self.STYLES[action]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"crosscheck:review:{action}:{item_id}"
            )
        )
        self.action, self.item_id = action, item_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        return cls(match["action"], int(match["item"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if not await _check_moderator(interaction):
            return
        if self.action == "override":
            await interaction.response.send_modal(OverrideModal(self.item_id))
            return
        await _act(interaction, self.item_id, ReviewAction(self.action))


class ReviewCog(commands.GroupCog, group_name="review", group_description="Moderator review queue"):
    def __init__(self, bot: CrosscheckBot) -> None:
        self.bot = bot
        self.engine = bot.engine
        super().__init__()
        self.menu = app_commands.ContextMenu(name="Send to review", callback=self.send_to_review)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await _check_moderator(interaction)

    async def send_to_review(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        async with self.bot.working():
            await self._send_to_review(interaction, message)

    async def _send_to_review(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        if not await _check_moderator(interaction):
            return
        text = (message.content or "").strip()
        if not text:
            await interaction.response.send_message("That message has no text.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        try:
            result = await self.engine.acheck_text(
                text, guild_id=interaction.guild_id, surface="review"
            )
        except CheckError as exc:
            await interaction.followup.send(user_message(exc), ephemeral=True)
            return
        item, created = await self.engine.enqueue_review(
            result,
            guild_id=interaction.guild_id,
            triggers=["sent by a moderator"],
            actor_id=interaction.user.id,
            ask={"channel_id": message.channel.id, "message_id": message.id},
        )
        await self.bot.review_changed(
            item, actor_id=interaction.user.id, action=ReviewAction.CREATE
        )
        word = "added to" if created else "already in"
        await interaction.followup.send(f"Review #{item.id} {word} the queue.", ephemeral=True)

    @app_commands.command(name="list", description="Items in the review queue")
    @app_commands.describe(state="Only items in this state (default: open and in review)")
    async def list_(
        self,
        interaction: discord.Interaction,
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
    async def show(self, interaction: discord.Interaction, item: int) -> None:
        try:
            found = await self.engine.review_item(item, guild_id=interaction.guild_id)
        except ReviewError as exc:
            await interaction.response.send_message(user_message(exc), ephemeral=True)
            return
        asks = await self.engine.review_asks(found.id)
        audit = await self.engine.review_audit(found.id)
        embed = render_item(found, asks=asks, audit=audit)
        history = discord.Embed(title="History", description=render_audit(found, audit))
        await interaction.response.send_message(
            embeds=[embed, history], ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="reopen", description="Reopen a resolved or dismissed item")
    async def reopen(self, interaction: discord.Interaction, item: int) -> None:
        await _act(interaction, item, ReviewAction.REOPEN)

    @app_commands.command(name="stats", description="How the queue is doing")
    async def stats(self, interaction: discord.Interaction) -> None:
        stats = await self.engine.review_stats(interaction.guild_id)
        counts = stats["counts"]
        lines = [f"{STATE_TAGS[s]}: {counts.get(s.value, 0)}" for s in ReviewState]
        oldest = stats.get("oldest_pending")
        if oldest:
            lines.append(f"Oldest pending since {discord.utils.format_dt(oldest, 'R')}")
        await interaction.response.send_message(
            embed=discord.Embed(title="Review queue", description="\n".join(lines)),
            ephemeral=True,
        )


async def setup(bot: CrosscheckBot) -> None:
    await bot.add_cog(ReviewCog(bot))
