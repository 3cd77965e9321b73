"""Every component Crosscheck puts on a message, and the custom ids that route presses to them.

A component carries all its state in its custom id (discord.py ``DynamicItem``), so a button
pressed after a restart still works; the store holds everything else. The ids, in one place:

    crosscheck:answer:<sources|dispute>:<answer id>               under every answer
    crosscheck:review:<confirm|override|dismiss|assign>:<item id>  on every pending review card
    crosscheck:dispute-modal:<answer id>                          the Dispute modal
    crosscheck:review-override:<item id>                          the Override modal

Callbacks are thin: the bot's :class:`~bot.answers.AnswerDesk` and
:class:`~bot.review_desk.ReviewDesk` do the work, and any error goes to the one handler,
:func:`bot.replies.reply_error`. (discord.py types these callbacks for any client; naming
``CrosscheckBot`` narrows an override, hence their ``type: ignore[override]``.)
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.render import clip, render_sources
from bot.replies import reply_error
from checks.models import ModeratorVerdict, ReviewAction, ReviewItem

if TYPE_CHECKING:
    from bot.client import CrosscheckBot

__all__ = [
    "ANSWER_ACTIONS",
    "ANSWER_BUTTON",
    "ANSWER_ID",
    "DISPUTE_MODAL",
    "OVERRIDE_MODAL",
    "REVIEW_ACTIONS",
    "REVIEW_BUTTON",
    "REVIEW_ID",
    "AnswerButton",
    "DisputeModal",
    "OverrideModal",
    "ReviewButton",
    "answer_view",
    "review_view",
]

NO_MENTIONS = discord.AllowedMentions.none()

# ---------------------------------------------------------------------------- custom ids

ANSWER_ACTIONS = ("sources", "dispute")
REVIEW_ACTIONS = ("confirm", "override", "dismiss", "assign")
ANSWER_BUTTON = "crosscheck:answer:{action}:{id}"
REVIEW_BUTTON = "crosscheck:review:{action}:{id}"
DISPUTE_MODAL = "crosscheck:dispute-modal:{id}"
OVERRIDE_MODAL = "crosscheck:review-override:{id}"


def _pattern(template: str, actions: tuple[str, ...]) -> re.Pattern[str]:
    """The template with its fields as named groups (the templates hold no regex syntax)."""
    return re.compile(template.format(action=f"(?P<action>{'|'.join(actions)})", id=r"(?P<id>\d+)"))


ANSWER_ID = _pattern(ANSWER_BUTTON, ANSWER_ACTIONS)
REVIEW_ID = _pattern(REVIEW_BUTTON, REVIEW_ACTIONS)


@contextlib.asynccontextmanager
async def _handled(interaction: discord.Interaction[CrosscheckBot]) -> AsyncIterator[None]:
    """Around every component callback: in-flight work (shutdown waits for it), and any error
    answered by the one handler (discord.py only logs errors of a DynamicItem)."""
    async with interaction.client.working():
        try:
            yield
        except Exception as exc:  # the one handler decides what the member is told
            await reply_error(interaction, exc)


# ---------------------------------------------------------------------------- answers


class DisputeModal(discord.ui.Modal, title="Dispute this answer"):
    reason: discord.ui.TextInput[DisputeModal] = discord.ui.TextInput(
        label="What is wrong with this answer?",
        style=discord.TextStyle.paragraph,
        min_length=3,
        max_length=1000,
        placeholder="A source it missed, a figure it misread, …",
    )

    def __init__(self, answer_id: int) -> None:
        super().__init__(custom_id=DISPUTE_MODAL.format(id=answer_id))
        self.answer_id = answer_id

    async def on_submit(self, interaction: discord.Interaction[CrosscheckBot]) -> None:  # type: ignore[override]
        async with _handled(interaction):
            await interaction.client.answers.dispute(
                self.answer_id, user_id=interaction.user.id, reason=str(self.reason.value)
            )
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
                custom_id=ANSWER_BUTTON.format(action=action, id=answer_id),
            )
        )
        self.action, self.answer_id = action, answer_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[CrosscheckBot]) -> None:  # type: ignore[override]
        async with _handled(interaction):
            engine = interaction.client.engine
            answer = await engine.answer(self.answer_id)
            if answer is None:
                await interaction.response.send_message(
                    "That answer is no longer stored.", ephemeral=True
                )
            elif self.action == "dispute":
                await interaction.response.send_modal(DisputeModal(self.answer_id))
            else:
                await interaction.response.send_message(
                    embed=render_sources(engine.answer_result(answer)),
                    ephemeral=True,
                    allowed_mentions=NO_MENTIONS,
                )


def answer_view(answer_id: int) -> discord.ui.View:
    """The buttons under an answer (a view that never times out: the ids are enough)."""
    view = discord.ui.View(timeout=None)
    for action in ANSWER_ACTIONS:
        view.add_item(AnswerButton(action, answer_id))
    return view


# ---------------------------------------------------------------------------- review cards


def _parse_verdict(text: str) -> ModeratorVerdict | None:
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
        super().__init__(custom_id=OVERRIDE_MODAL.format(id=item_id))
        self.item_id = item_id

    async def on_submit(self, interaction: discord.Interaction[CrosscheckBot]) -> None:  # type: ignore[override]
        async with _handled(interaction):
            desk = interaction.client.review
            if not await desk.may_act(interaction):
                return
            verdict = _parse_verdict(str(self.verdict.value))
            if verdict is None:
                choices = ", ".join(v.value for v in ModeratorVerdict)
                await interaction.response.send_message(
                    f"“{clip(str(self.verdict.value), 30)}” is not a verdict; "
                    f"use one of: {choices}.",
                    ephemeral=True,
                )
                return
            await desk.act(
                interaction,
                self.item_id,
                ReviewAction.OVERRIDE,
                verdict=verdict,
                note=str(self.note.value or ""),
                url=str(self.url.value or ""),
            )


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=REVIEW_ID.pattern):
    """Confirm, Override, Dismiss and Assign on a pending review card; moderators only,
    checked when pressed."""

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
                label=label, style=style, custom_id=REVIEW_BUTTON.format(action=action, id=item_id)
            )
        )
        self.action, self.item_id = action, item_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[CrosscheckBot]) -> None:  # type: ignore[override]
        async with _handled(interaction):
            desk = interaction.client.review
            if not await desk.may_act(interaction):
                return
            if self.action == "override":
                await interaction.response.send_modal(OverrideModal(self.item_id))
                return
            await desk.act(interaction, self.item_id, ReviewAction(self.action))


def review_view(item: ReviewItem) -> discord.ui.View:
    """A card's buttons: all four while the item is pending, none once it is decided."""
    view = discord.ui.View(timeout=None)
    if item.pending:
        for action in REVIEW_ACTIONS:
            view.add_item(ReviewButton(action, item.id))
    return view
