"""checks.evidence: which stored claims an asker may see, and what each becomes (no store)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import pytest

from checks import align, evidence
from checks.claims import features
from checks.evidence import Audience, found_claims, matches
from checks.frames import FRAMES_VERSION, ClaimParse, parse_claims
from checks.match import Scored
from checks.models import Claim, Review, Stance
from checks.review import MODERATOR_SOURCE_LABEL, moderator_source
from checks.stance import StanceSettings
from checks.store.base import Candidate

ASKED = "The UK will send 10,000 troops to Ukraine"
HERE, THERE = 42, 43


def _scored(
    source: str,
    text: str = ASKED,
    *,
    relevance: float = 0.9,
    weight: float = 0.5,
    review: Review | None = None,
    claim_id: int = 1,
    frame: str | None = None,
) -> Scored:
    claim = Claim(
        id=claim_id,
        position=0,
        start=0,
        end=len(text),
        text=text,
        features=features(text),
        review=review,
    )
    candidate = Candidate(
        claim=claim,
        lexical=1.0,
        source=source,
        weight=weight,
        title=f"{source} report",
        url=f"https://{source.split()[0].lower()}.example/a",
        published=date(2025, 3, 1),
        frame=frame,
    )
    return Scored(candidate, relevance, relevance)


# --------------------------------------------------------------------------- Audience


def test_a_server_sees_its_own_moderators_and_no_other_servers() -> None:
    here = Audience(frozenset({"Wire"}), HERE)
    assert here.sees(moderator_source(HERE)) and here.own_moderators(moderator_source(HERE))
    assert not here.sees(moderator_source(THERE))
    assert not here.own_moderators(moderator_source(THERE))
    nowhere = Audience(frozenset({"Wire"}))  # the CLI, the HTTP API: no server
    assert not nowhere.sees(moderator_source(HERE))
    assert not nowhere.own_moderators(moderator_source(HERE))


def test_sources_no_longer_configured_are_hidden_unless_none_are_configured() -> None:
    assert Audience(frozenset({"Wire"})).sees("Wire")
    assert not Audience(frozenset({"Wire"})).sees("Gazette")  # stored before it was removed
    assert Audience().sees("Gazette")  # no configuration: everything stored counts


# --------------------------------------------------------------------------- claim search


def test_found_claims_keep_retrieval_order_skip_hidden_ones_and_stop_at_the_limit() -> None:
    scored = [
        _scored("Wire", relevance=0.91234, claim_id=1),
        _scored(moderator_source(HERE), claim_id=2),
        _scored("Gone", claim_id=3),
        _scored("Gazette", "Troops are going to Ukraine", relevance=0.5, claim_id=4),
        _scored("Wire", "A third claim about troops", relevance=0.4, claim_id=5),
    ]
    found = found_claims(scored, Audience(frozenset({"Wire", "Gazette"})), limit=2)
    assert [(f.source, f.text, f.score) for f in found] == [
        ("Wire", ASKED, 0.9123),
        ("Gazette", "Troops are going to Ukraine", 0.5),
    ]
    assert found_claims(scored, Audience(frozenset({"Wire"})), limit=10)[-1].score == 0.4


def test_a_found_claim_serialises_as_the_api_always_answered() -> None:
    review = Review(
        claim_reviewed=ASKED, rating="False", reviewer="Checkers", url="https://c.example/1"
    )
    (found,) = found_claims([_scored("Wire", review=review)], Audience(), limit=5)
    assert json.loads(found.model_dump_json()) == {
        "text": ASKED,
        "score": 0.9,
        "source": "Wire",
        "title": "Wire report",
        "url": "https://wire.example/a",
        "published": "2025-03-01",
        "factcheck": review.model_dump(),
    }


# --------------------------------------------------------------------------- matches


def _matches(scored: list[Scored], audience: Audience) -> list:  # type: ignore[type-arg]
    return matches(
        scored,
        features(ASKED),
        audience,
        stance=StanceSettings(),
        weights={"Wire": 0.9},
        moderator_weight=3.0,
        text=ASKED,
    )


def test_own_moderators_are_cited_under_their_label_with_their_weight_and_come_first() -> None:
    review = Review(
        claim_reviewed=ASKED, rating="True", reviewer=MODERATOR_SOURCE_LABEL, url="crosscheck://r"
    )
    scored = [
        _scored("Wire", claim_id=1),
        _scored(moderator_source(THERE), review=review, claim_id=2),
        _scored(moderator_source(HERE), review=review, relevance=0.8, claim_id=3),
    ]
    out = _matches(scored, Audience(frozenset({"Wire"}), HERE))
    assert [m.claim_id for m in out] == [3, 1]  # the other server's verdict is not evidence here
    first = out[0].citation
    assert (first.source, first.weight, first.url) == (
        MODERATOR_SOURCE_LABEL,
        3.0,
        "crosscheck://r",
    )


def test_a_citation_quotes_the_stored_claim_and_weighs_its_source_as_configured() -> None:
    (m,) = _matches([_scored("Wire", weight=0.2)], Audience(frozenset({"Wire"})))
    assert m.text == m.citation.quote == ASKED
    assert m.citation.weight == 0.9  # sources.yaml's weight, not the one stored earlier
    assert (m.citation.title, m.citation.published) == ("Wire report", "2025-03-01")
    assert m.stance is not Stance.RELATED  # the same sentence agrees
    (other,) = _matches([_scored("Gazette", weight=0.2)], Audience())
    assert other.citation.weight == 0.2  # not configured: its stored weight


STORED = "Britain will deploy 10,000 soldiers to Ukraine"


def _parsed_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The candidate texts a check parses itself (instead of using their stored frames)."""
    asked: list[str] = []
    real = align.parses_of

    def spy(texts: Sequence[str]) -> list[ClaimParse | None]:
        asked.extend(texts)
        return real(texts)

    monkeypatch.setattr(evidence, "parses_of", spy)
    return asked


def test_a_candidate_with_a_current_stored_frame_is_not_parsed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (frame,) = parse_claims([STORED])
    asked = _parsed_here(monkeypatch)
    (m,) = _matches([_scored("Wire", STORED, frame=frame.to_json())], Audience())
    assert STORED not in asked
    assert m.stance is not Stance.RELATED  # the stored frame was used to judge it


def test_a_candidate_whose_stored_frame_is_stale_or_missing_is_parsed_at_check_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (frame,) = parse_claims([STORED])
    stale = frame.model_copy(update={"version": FRAMES_VERSION - 1}).to_json()
    asked = _parsed_here(monkeypatch)
    _matches([_scored("Wire", STORED, frame=stale)], Audience())
    assert STORED in asked
    asked.clear()
    _matches([_scored("Wire", STORED, claim_id=2)], Audience())
    assert STORED in asked
