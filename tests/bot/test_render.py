"""bot/render.py as pure functions: real and synthetic results always fit Discord's embed limits,
colours follow the verdict, and an Unverified answer cites nothing as evidence (related matches
are shown as related reading)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot.reading import READING_LABEL
from bot.render import (
    VERDICT_COLOURS,
    clip,
    render_check,
    render_link,
    render_sources,
)
from checks.engine import Engine
from checks.models import (
    CheckResult,
    Citation,
    LinkCheckResult,
    Match,
    Note,
    NoteKind,
    Review,
    SourceVoice,
    Stance,
    Verdict,
)

ROOT = Path(__file__).resolve().parents[2]

DISPUTED = "The UK plans to send 25,000 troops to Ukraine"
SUPPORTED = "Britain may put 10,000 troops in Ukraine"
UNVERIFIED_RELATED = "The peacekeeping force would deploy before an armistice"
UNVERIFIED_NOTHING = "The moon is made of green cheese"


def assert_fits(embed: discord.Embed) -> None:
    """Discord's limits for one embed (a reply with any of these over is refused with 400)."""
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for f in embed.fields:
        assert 0 < len(f.name or "") <= 256, f.name
        assert 0 < len(f.value or "") <= 1024
    assert len(embed.footer.text or "") <= 2048
    assert len(embed.author.name or "") <= 256
    assert len(embed) <= 6000
    embed.to_dict()  # serialisable


def long_words(n: int, word: str = "troops") -> str:
    """About ``n`` characters of words (so cleaners and quoters keep them)."""
    out = (word + " ") * (n // (len(word) + 1) + 1)
    return out[:n]


# ---------------------------------------------------------------------------- synthetic results


def match(i: int, stance: Stance, *, huge: bool = False, review: bool = False) -> Match:
    size = 5000 if huge else 80
    rev = (
        Review(
            claim_reviewed=long_words(size, "reviewed"),
            rating=long_words(300 if huge else 5, "False"),
            reviewer="Claimwatch",
            url="https://claimwatch.invalid/" + "r" * (2000 if huge else 5),
        )
        if review
        else None
    )
    notes = tuple(
        Note(kind=NoteKind.QUANTITY, text=long_words(3000 if huge else 40, f"note{k}"))
        for k in range(5 if huge else 1)
    )
    return Match(
        claim_id=i,
        text=long_words(size, "stored"),
        score=0.9 - i / 100,
        stance=stance,
        notes=notes,
        citation=Citation(
            source=(f"Source {i} " + "x" * (300 if huge else 0)).strip(),
            title=long_words(2000 if huge else 40, "Title[with](brackets)"),
            url="https://news.invalid/" + "a" * (3000 if huge else 10),
            published="2025-03-12",
            quote=long_words(size, "quote`tick"),
            weight=1.0,
            review=rev,
        ),
    )


def result(verdict: Verdict, *, n: int = 4, huge: bool = False) -> CheckResult:
    stances = {
        Verdict.SUPPORTED: [Stance.AGREES],
        Verdict.DISPUTED: [Stance.CONFLICTS],
        Verdict.MIXED: [Stance.AGREES, Stance.CONFLICTS],
        Verdict.UNVERIFIED: [Stance.RELATED],
    }[verdict]
    matches = tuple(
        match(i, stances[i % len(stances)], huge=huge, review=huge and i % 3 == 0) for i in range(n)
    )
    voices = tuple(
        SourceVoice(
            name=m.citation.source,
            stance=m.stance,
            weight=1.0,
            says=long_words(500, "says") if huge and m.stance is Stance.CONFLICTS else None,
        )
        for m in matches
        if m.stance is not Stance.RELATED
    )
    return CheckResult(
        claim=long_words(2000, "claim") if huge else "A synthetic claim about 40,000 troops",
        verdict=verdict,
        matches=matches,
        agreeing=tuple(v.name for v in voices if v.stance is Stance.AGREES),
        conflicting=tuple(v.name for v in voices if v.stance is Stance.CONFLICTS),
        confidence=0.0 if verdict is Verdict.UNVERIFIED else 0.8,
        voices=voices,
    )


def link(verdict: Verdict, *, huge: bool = False) -> LinkCheckResult:
    claims = tuple(
        result(v, n=30 if huge else 3, huge=huge) for v in ([verdict] * (30 if huge else 3))
    )
    return LinkCheckResult(
        url="https://news.invalid/" + "p" * (1500 if huge else 5),
        title=long_words(1000, "Headline") if huge else "A headline",
        verdict=verdict,
        claims=claims,
        known_source=long_words(500, "Outlet") if huge else None,
    )


# ---------------------------------------------------------------------------- limits


@pytest.mark.parametrize("verdict", list(Verdict))
@pytest.mark.parametrize("searched", ["", "5 source(s): A, B", "s" * 5000])
def test_huge_check_results_fit(verdict: Verdict, searched: str) -> None:
    big = result(verdict, n=30, huge=True)
    assert len(big.claim) == 2000 and len(big.matches) == 30
    embed = render_check(
        big, searched=searched, title_prefix="t" * 300, jump_url="https://discord.com/" + "j" * 3000
    )
    assert_fits(embed)
    assert verdict.label in embed.title or len(embed.title) == 256
    assert embed.colour == VERDICT_COLOURS[verdict]


@pytest.mark.parametrize("verdict", list(Verdict))
@pytest.mark.parametrize("searched", ["", "s" * 5000])
def test_huge_link_results_fit(verdict: Verdict, searched: str) -> None:
    embed = render_link(link(verdict, huge=True), searched=searched)
    assert_fits(embed)
    assert embed.colour == VERDICT_COLOURS[verdict]
    assert embed.fields, "as many claims as fit are still shown"


@pytest.mark.parametrize("verdict", list(Verdict))
def test_huge_sources_views_fit(verdict: Verdict) -> None:
    big = result(verdict, n=30, huge=True)
    embed = render_sources(big)
    assert_fits(embed)
    assert embed.fields
    assert_fits(render_sources(link(verdict, huge=True)))


def test_many_small_matches_are_capped_at_25_fields() -> None:
    many = result(Verdict.MIXED, n=30)
    tiny = tuple(
        m.model_copy(
            update={
                "notes": (),
                "citation": m.citation.model_copy(update={"quote": "q", "title": "t"}),
            }
        )
        for m in many.matches
    )
    many = many.model_copy(update={"matches": tiny})
    embed = render_sources(many)
    assert_fits(embed)
    assert len(embed.fields) == 25
    assert len(render_check(many).fields) == 3, "an answer shows its three best matches"


def test_clip_marks_what_it_cut() -> None:
    assert clip("short", 10) == "short"
    cut = clip("a" * 20, 10)
    assert len(cut) == 10 and cut.endswith("…")
    assert clip("", 5) == ""


def test_a_quote_cannot_break_out_of_its_block_quote() -> None:
    m = match(0, Stance.CONFLICTS)
    sneaky = m.citation.model_copy(update={"quote": "one\n# Heading\n```code``` @everyone"})
    r = result(Verdict.DISPUTED, n=1).model_copy(
        update={"matches": (m.model_copy(update={"citation": sneaky}),)}
    )
    value = render_check(r).fields[0].value
    quoted = [line for line in value.splitlines() if line.startswith("> ")]
    assert len(quoted) == 1
    assert "```" not in value
    assert "# Heading" in quoted[0], "kept, but inside the one quoted line"


# ---------------------------------------------------------------------------- colours


@pytest.mark.parametrize(
    ("verdict", "colour"),
    [
        (Verdict.SUPPORTED, discord.Colour.green()),
        (Verdict.DISPUTED, discord.Colour.red()),
        (Verdict.MIXED, discord.Colour.gold()),
        (Verdict.UNVERIFIED, discord.Colour.light_grey()),
    ],
)
def test_each_verdict_has_its_colour(verdict: Verdict, colour: discord.Colour) -> None:
    assert render_check(result(verdict)).colour == colour
    assert render_link(link(verdict)).colour == colour
    assert verdict.label in render_check(result(verdict)).title


# ---------------------------------------------------------------------------- real results


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        (DISPUTED, Verdict.DISPUTED),
        (SUPPORTED, Verdict.SUPPORTED),
        (UNVERIFIED_RELATED, Verdict.UNVERIFIED),
        (UNVERIFIED_NOTHING, Verdict.UNVERIFIED),
    ],
)
def test_real_results_render_within_limits(
    sample_engine: Engine, claim: str, verdict: Verdict
) -> None:
    r = sample_engine.check_text(claim)
    assert r.verdict is verdict
    searched = (
        "5 source(s): Sample Wire, Example Gazette, Capital Ledger, Northern Monitor and 1 more"
    )
    for embed in (
        render_check(r, searched=searched, jump_url="https://discord.com/channels/1/2/3"),
        render_sources(r),
        render_link(
            LinkCheckResult(url="https://news.invalid/a", title="A", verdict=verdict, claims=(r,))
        ),
    ):
        assert_fits(embed)
        assert embed.colour in (VERDICT_COLOURS[verdict], discord.Colour.blurple())


def test_a_real_disputed_answer_names_the_figures_and_sources(sample_engine: Engine) -> None:
    embed = render_check(sample_engine.check_text(DISPUTED), searched="5 source(s)")
    assert embed.title == "❌ Disputed"
    assert 1 <= len(embed.fields) <= 3
    fields = "\n".join(f"{f.name}\n{f.value}" for f in embed.fields)
    assert "conflicts · Sample Wire" in fields or "conflicts · Example Gazette" in fields
    assert "the claim says 25,000 troops; the source says 10,000 troops" in fields
    assert "says 10,000 troops" in embed.description
    assert embed.footer.text.startswith("Searched 5 source(s)")
    assert "confidence" in embed.footer.text


# ---------------------------------------------------------------------------- Unverified


def assert_cites_nothing(embed: discord.Embed) -> None:
    assert embed.fields == [], [f.name for f in embed.fields]
    assert "None of this server's sources" in (embed.description or "")
    assert "Agrees:" not in (embed.description or "")
    assert "Conflicts:" not in (embed.description or "")
    assert "confidence" not in (embed.footer.text or "")


def assert_only_reading(embed: discord.Embed) -> None:
    """Related matches of an Unverified answer are shown as reading, never as evidence."""
    assert [f.name for f in embed.fields] == [READING_LABEL]
    assert "None of this server's sources confirm or contradict" in (embed.description or "")
    assert "Agrees:" not in (embed.description or "")
    assert "Conflicts:" not in (embed.description or "")
    assert "agrees" not in (embed.fields[0].value or "")
    assert "confidence" not in (embed.footer.text or "")


def test_unverified_shows_related_matches_only_as_reading(sample_engine: Engine) -> None:
    r = sample_engine.check_text(UNVERIFIED_RELATED)
    assert r.verdict is Verdict.UNVERIFIED and r.matches, "related matches exist"
    assert_only_reading(render_check(r))
    assert_only_reading(render_check(result(Verdict.UNVERIFIED, n=5)))
    assert_fits(render_check(result(Verdict.UNVERIFIED, n=5, huge=True)))


def test_unverified_with_no_matches_at_all(sample_engine: Engine) -> None:
    r = sample_engine.check_text(UNVERIFIED_NOTHING)
    assert r.matches == ()
    assert_cites_nothing(render_check(r))
    assert render_sources(r).description == "No source said anything about this."


@pytest.fixture
def weightless_engine(tmp_path: Path) -> Iterator[Engine]:
    """One source of weight 0 ("heard, but ignored"), which agrees with the claim."""
    shutil.copytree(ROOT / "samples" / "daily-example", tmp_path / "daily-example")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: Daily Example\n    kind: files\n    path: daily-example\n"
        "    weight: 0\n"
    )
    engine = Engine.open(tmp_path / "crosscheck.db", tmp_path / "sources.yaml")
    engine.ingest()
    yield engine
    engine.close()


def test_unverified_from_a_weightless_source_cites_nothing(weightless_engine: Engine) -> None:
    r = weightless_engine.check_text(DISPUTED)
    assert r.verdict is Verdict.UNVERIFIED
    assert_cites_nothing(render_check(r))
