"""Engine results and review items → Discord embeds. Pure functions: no I/O, unit-tested
against embed limits.

Discord's limits: title 256, description 4096, 25 fields, field name 256, field value 1024,
footer 2048, and 6000 characters across one embed. Everything here is clipped to fit, so a long
claim or quote can never make a reply fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.reading import READING_LABEL, is_reading, split_reading
from checks.models import (
    AuditEntry,
    CheckResult,
    LinkCheckResult,
    Match,
    ReviewAction,
    ReviewAsk,
    ReviewItem,
    ReviewState,
    Stance,
    Verdict,
)

__all__ = [
    "EMBED_TOTAL",
    "LIMITS",
    "STATE_TAGS",
    "VERDICT_COLOURS",
    "clip",
    "render_answer",
    "render_audit",
    "render_check",
    "render_item",
    "render_link",
    "render_reviewed_answer",
    "render_sources",
]

LIMITS = {"title": 256, "description": 4096, "fields": 25, "name": 256, "value": 1024}
LIMITS["footer"] = 2048
EMBED_TOTAL = 6000
MAX_MATCHES_SHOWN = 3

VERDICT_COLOURS = {
    Verdict.SUPPORTED: discord.Colour.green(),
    Verdict.DISPUTED: discord.Colour.red(),
    Verdict.MIXED: discord.Colour.gold(),
    Verdict.UNVERIFIED: discord.Colour.light_grey(),
}
VERDICT_LINES = {
    Verdict.SUPPORTED: "Trusted sources back this up.",
    Verdict.DISPUTED: "Trusted sources say something different.",
    Verdict.MIXED: "Trusted sources disagree with each other on this.",
    Verdict.UNVERIFIED: "None of this server's sources say anything about this yet.",
}
UNVERIFIED_WITH_READING = (
    "None of this server's sources confirm or contradict this yet; below is related reading."
)
VERDICT_MARKS = {
    Verdict.SUPPORTED: "✅",
    Verdict.DISPUTED: "❌",
    Verdict.MIXED: "⚖️",
    Verdict.UNVERIFIED: "❔",
}
STANCE_WORDS = {Stance.AGREES: "agrees", Stance.CONFLICTS: "conflicts", Stance.RELATED: "related"}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    text = text or ""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def _quote(text: str, limit: int) -> str:
    """A one-line block quote that cannot break out of its markdown."""
    return "> " + clip(" ".join(text.split()).replace("`", "ˋ"), limit - 2)


def _match_field(m: Match) -> tuple[str, str]:
    c = m.citation
    head = f"{STANCE_WORDS[m.stance]} · {c.source}"
    if c.review:
        head = f"fact-check · {c.source} · rated “{c.review.rating}”"
    if is_reading(m):  # below the judging floor: never shown as a stance or a rating
        head = f"related reading, not judged · {c.source}"
    lines = [] if is_reading(m) else [f"• {n.text}" for n in m.notes[:3]]
    lines.append(_quote(c.quote, 400))
    date = f" ({c.published})" if c.published else ""
    title = clip(c.title, 150).replace("[", "(").replace("]", ")")
    link = f"[{title}]({c.url})" if c.url.startswith(("http://", "https://")) else title
    lines.append(f"— {link}{date} · weight {c.weight_class}")
    return clip(head, LIMITS["name"]), _fit_lines(lines, LIMITS["value"])


def _reading_value(matches: Sequence[Match]) -> str:
    """Related reading in one field: each source, its sentence and its link; no stance."""
    lines: list[str] = []
    for m in matches:
        c = m.citation
        date = f" ({c.published})" if c.published else ""
        title = clip(c.title, 120).replace("[", "(").replace("]", ")")
        link = f"[{title}]({c.url})" if c.url.startswith(("http://", "https://")) else title
        lines.append(_quote(c.quote, 300))
        lines.append(f"— {clip(c.source, 100)}: {link}{date}")
    return _fit_lines(lines, LIMITS["value"])


def _fit_lines(lines: Sequence[str], limit: int) -> str:
    """Join lines, shortening the longest ones first until the whole fits."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    out = list(lines)
    while len("\n".join(out)) > limit:
        i = max(range(len(out)), key=lambda k: len(out[k]))
        over = len("\n".join(out)) - limit
        out[i] = clip(out[i], max(10, len(out[i]) - over - 1))
        if len(out[i]) <= 10:
            break
    return clip("\n".join(out), limit)


def _finish(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the embed is within Discord's total size."""
    while len(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL and embed.description:
        embed.description = clip(
            embed.description, max(0, len(embed.description) - (len(embed) - EMBED_TOTAL))
        )
    return embed


def render_check(
    result: CheckResult, *, searched: str = "", title_prefix: str = "", jump_url: str | None = None
) -> discord.Embed:
    """The answer to one claim: verdict, up to three best matches, who agrees and conflicts."""
    mark = VERDICT_MARKS[result.verdict]
    embed = discord.Embed(
        title=clip(f"{title_prefix}{mark} {result.verdict.label}", LIMITS["title"]),
        colour=VERDICT_COLOURS[result.verdict],
    )
    judged, reading = split_reading(result.matches)
    if result.verdict is Verdict.UNVERIFIED:
        # nothing counted: a judged related match is reading too, never cited as evidence; a
        # source the server does not count (weight 0) is not put forward at all
        reading = [
            m for m in (*judged, *reading) if m.stance is Stance.RELATED and m.citation.weight > 0
        ]
        judged = []
    line = VERDICT_LINES[result.verdict]
    if result.verdict is Verdict.UNVERIFIED and reading:
        line = UNVERIFIED_WITH_READING
    desc = [_quote(result.claim, 600), line]
    summary = result.cross_reference()
    if summary and result.verdict is not Verdict.UNVERIFIED:
        desc.append(f"**{clip(summary, 900)}**")
    if jump_url:
        desc.append(f"[checked message]({jump_url})")
    embed.description = clip("\n".join(desc), LIMITS["description"])
    shown = [m for m in judged if m.stance is not Stance.RELATED][:MAX_MATCHES_SHOWN]
    shown += [m for m in judged if m.stance is Stance.RELATED][: MAX_MATCHES_SHOWN - len(shown)]
    for m in shown:
        name, value = _match_field(m)
        embed.add_field(name=name, value=value, inline=False)
    if reading[: MAX_MATCHES_SHOWN - len(shown)]:
        embed.add_field(
            name=READING_LABEL,
            value=_reading_value(reading[: MAX_MATCHES_SHOWN - len(shown)]),
            inline=False,
        )
    footer = f"Searched {searched}" if searched else "Searched this server's trusted sources"
    if result.verdict is not Verdict.UNVERIFIED:
        footer += f" · confidence {result.confidence:.0%}"
    embed.set_footer(text=clip(footer, LIMITS["footer"]))
    return _finish(embed)


def render_link(link: LinkCheckResult, *, searched: str = "") -> discord.Embed:
    """The answer to a link: overall verdict and one line per checked claim."""
    mark = VERDICT_MARKS[link.verdict]
    embed = discord.Embed(
        title=clip(f"{mark} {link.verdict.label}: {link.title}", LIMITS["title"]),
        colour=VERDICT_COLOURS[link.verdict],
        url=link.url if link.url.startswith(("http://", "https://")) else None,
    )
    desc = [link.summary()]
    if link.known_source:
        desc.append(
            f"This article is already stored from **{clip(link.known_source, 100)}**; its claims "
            "were checked against the other sources."
        )
    embed.description = clip("\n".join(desc), LIMITS["description"])
    for i, c in enumerate(link.claims[: LIMITS["fields"]], 1):
        lines = [_quote(c.claim, 300), f"{VERDICT_MARKS[c.verdict]} **{c.verdict.label}**"]
        summary = c.cross_reference()
        if summary:
            lines.append(clip(summary, 400))
        note = next((n.text for m in c.matches for n in m.notes), None)
        if note:
            lines.append(f"• {clip(note, 200)}")
        embed.add_field(name=f"Claim {i}", value=_fit_lines(lines, LIMITS["value"]), inline=False)
    embed.set_footer(text=clip(f"Searched {searched or 'this server’s trusted sources'}", 2048))
    return _finish(embed)


def render_sources(result: CheckResult | LinkCheckResult) -> discord.Embed:
    """Every citation behind an answer (the ephemeral "Sources" view)."""
    matches: list[Match] = []
    if isinstance(result, CheckResult):
        matches = list(result.matches)
        title = f"Sources for: {result.claim}"
    else:
        matches = [m for c in result.claims for m in c.matches]
        title = f"Sources for: {result.title}"
    embed = discord.Embed(title=clip(title, LIMITS["title"]), colour=discord.Colour.blurple())
    if not matches:
        embed.description = "No source said anything about this."
    for m in matches[: LIMITS["fields"]]:
        name, value = _match_field(m)
        embed.add_field(name=name, value=value, inline=False)
    return _finish(embed)


def render_answer(
    result: CheckResult | LinkCheckResult, *, searched: str = "", jump_url: str | None = None
) -> discord.Embed:
    """The answer to a claim or to a link, whichever ``result`` is."""
    if isinstance(result, LinkCheckResult):
        return render_link(result, searched=searched)
    return render_check(result, searched=searched, jump_url=jump_url)


# ------------------------------------------------------------------------------ review queue

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
_AS_VERDICT = {  # a moderator's verdict, as the colour of an answer
    "supported": Verdict.SUPPORTED,
    "disputed": Verdict.DISPUTED,
    "false": Verdict.DISPUTED,
    "misleading": Verdict.DISPUTED,
    "mixed": Verdict.MIXED,
    "unverified": Verdict.UNVERIFIED,
}


def _times(n: int) -> str:
    return f"{n} time" if n == 1 else f"{n} times"


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
    asked = f"asked or disputed {_times(item.demand)}"  # demand counts both
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
        tag = "related reading" if m.get("related_reading") else m.get("stance")
        lines.append(
            f"• {tag} · {cit.get('source')}: “{clip(str(cit.get('quote', '')), 160)}”"
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
    return _finish(embed)


def render_audit(item: ReviewItem, audit: Sequence[AuditEntry]) -> str:
    """An item's history, one line per action."""
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


def render_reviewed_answer(
    result: CheckResult | LinkCheckResult, item: ReviewItem, jump_url: str
) -> discord.Embed:
    """An answer redrawn once moderators resolved its claim: it points to their note and takes
    the colour of their verdict."""
    embed = render_answer(result)
    embed.add_field(
        name="Moderators reviewed this",
        value=clip(f"**{item.moderator_verdict}** — [see their note]({jump_url})", 1024),
        inline=False,
    )
    verdict = _AS_VERDICT.get((item.moderator_verdict or "").casefold())
    if verdict is not None:
        embed.colour = VERDICT_COLOURS[verdict]
    return _finish(embed)
