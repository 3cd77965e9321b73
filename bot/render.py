"""Engine results → Discord embeds. Pure functions: no I/O, unit-tested against embed limits.

Discord's limits: title 256, description 4096, 25 fields, field name 256, field value 1024,
footer 2048, and 6000 characters across one embed. Everything here is clipped to fit, so a long
claim or quote can never make a reply fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from checks.models import CheckResult, LinkCheckResult, Match, Stance, Verdict

__all__ = [
    "EMBED_TOTAL",
    "LIMITS",
    "VERDICT_COLOURS",
    "clip",
    "embed_length",
    "render_check",
    "render_error",
    "render_link",
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


def embed_length(embed: discord.Embed) -> int:
    return len(embed)


def _match_field(m: Match) -> tuple[str, str]:
    c = m.citation
    head = f"{STANCE_WORDS[m.stance]} · {c.source}"
    if c.review:
        head = f"fact-check · {c.source} · rated “{c.review.rating}”"
    lines = [f"• {n.text}" for n in m.notes[:3]]
    lines.append(_quote(c.quote, 400))
    date = f" ({c.published})" if c.published else ""
    title = clip(c.title, 150).replace("[", "(").replace("]", ")")
    link = f"[{title}]({c.url})" if c.url.startswith(("http://", "https://")) else title
    lines.append(f"— {link}{date} · weight {c.weight_class}")
    return clip(head, LIMITS["name"]), _fit_lines(lines, LIMITS["value"])


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
    desc = [_quote(result.claim, 600), VERDICT_LINES[result.verdict]]
    summary = result.cross_reference()
    if summary and result.verdict is not Verdict.UNVERIFIED:
        desc.append(f"**{clip(summary, 900)}**")
    if jump_url:
        desc.append(f"[checked message]({jump_url})")
    embed.description = clip("\n".join(desc), LIMITS["description"])
    shown = [m for m in result.matches if m.stance is not Stance.RELATED][:MAX_MATCHES_SHOWN]
    if result.verdict is Verdict.UNVERIFIED:
        shown = []  # nothing counted: citing a source would read as evidence
    if len(shown) < MAX_MATCHES_SHOWN and result.verdict is not Verdict.UNVERIFIED:
        shown += [m for m in result.matches if m.stance is Stance.RELATED][
            : MAX_MATCHES_SHOWN - len(shown)
        ]
    for m in shown:
        name, value = _match_field(m)
        embed.add_field(name=name, value=value, inline=False)
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


def render_error(message: str) -> discord.Embed:
    return discord.Embed(
        title="Could not check that",
        description=clip(message, 1000),
        colour=discord.Colour.dark_grey(),
    )
