"""checks.align: clauses are paired before they are compared, and only aligned parts count.

Each example is our own sentence of the shape issue 12 describes for one failure class."""

from __future__ import annotations

import pytest

from checks.align import FEATURES, compare, side
from checks.claims import split_claims
from checks.models import NoteKind

MODERATE = 0.5


def _compare(claim: str, source: str, relevance: float = MODERATE):
    return compare(side(claim), side(source), relevance)


def test_feature_vector_has_one_value_per_named_feature() -> None:
    al = _compare("The council approved the new budget", "The council approved the budget")
    assert len(al.vector) == len(FEATURES)
    assert all(0.0 <= x <= 1.0 for x in al.vector)


# --------------------------------------------------------------------------- figures and owners


def test_figure_of_another_owner_is_not_compared() -> None:
    al = _compare(
        "Oslo promised 300 engineers for the rebuilding",
        "Oslo promised 300 engineers, while Helsinki spoke of 1,200 engineers",
    )
    assert al.feature("figure_conflict") == 0.0
    assert not al.conflicts


def test_other_owners_figure_is_explained_not_a_conflict() -> None:
    al = _compare(
        "Madrid offered several hundred troops",
        "Lisbon pledged 2,000 troops for the mission",
    )
    assert al.feature("figure_conflict") == 0.0
    assert not al.conflicts
    (remark,) = [n for n in al.remarks if n.kind is NoteKind.QUANTITY]
    assert "2,000" in remark.text and "not compared" in remark.text and not remark.conflict


def test_same_counted_thing_and_owner_with_another_figure_conflicts_with_both_numbers() -> None:
    al = _compare(
        "The ministry will deploy 40,000 troops to the border",
        "The ministry will deploy 10,000 troops to the border",
    )
    assert al.feature("figure_conflict") == 1.0
    (note,) = al.conflicts
    assert note.text == "the claim says 40,000 troops; the source says 10,000 troops"
    assert note.source_says == "10,000 troops"


def test_figures_of_different_counted_things_are_not_compared() -> None:
    al = _compare(
        "The city hired 500 nurses last year",
        "The city spent 500 million dollars on 20 new clinics last year",
    )
    assert al.feature("figure_conflict") == 0.0


# --------------------------------------------------------------------------- polarity


def test_negated_claim_against_affirmative_source_of_the_same_predicate_is_flipped() -> None:
    al = _compare(
        "River levels in the valley will not rise this spring",
        "River levels in the valley will rise by two metres this spring, engineers said.",
    )
    assert al.feature("aligned") > 0
    assert al.feature("flipped") == 1.0 and al.feature("flipped_negation") == 1.0
    assert al.polarity is not None and "not" in al.polarity.text


def test_antonym_predicate_is_flipped_without_any_negation() -> None:
    al = _compare(
        "Ticket prices rose sharply after the merger",
        "Ticket prices fell sharply after the merger",
    )
    assert al.feature("flipped") == 1.0 and al.feature("flipped_negation") == 0.0


def test_negation_in_a_side_clause_does_not_flip_the_aligned_one() -> None:
    al = _compare(
        "Engineers repaired the 40-km canal",
        "Engineers repaired the 40-km canal, but officials have not agreed on a plan to widen it",
    )
    assert al.feature("flipped") == 0.0
    assert al.feature("same_predicate") == 1.0


@pytest.mark.parametrize(
    "source",
    [
        "The new vaccine is effective against the winter strain",
        "The new vaccine protects against the winter strain",
    ],
)
def test_against_after_effective_or_protect_is_not_opposition(source: str) -> None:
    al = _compare("The new vaccine works against the winter strain", source)
    assert al.feature("flipped") == 0.0
    assert al.polarity is None


def test_same_words_with_an_unrelated_predicate_are_not_aligned() -> None:
    al = _compare(
        "The mayor publicly praised the harbour contract",
        "The mayor's harbour contract was signed in secret",
    )
    assert al.feature("same_predicate") == 0.0
    assert al.feature("args_only") == 1.0
    assert any("sign" in n.text for n in al.remarks)


def test_refutation_cue_in_the_source_is_a_feature() -> None:
    al = _compare(
        "A shark was seen swimming in the flooded subway station",
        "The photo of a shark swimming in the flooded subway station is a hoax.",
    )
    assert al.feature("refutation_cue") == 1.0


def test_hedge_cue_in_the_source_is_a_feature() -> None:
    al = _compare(
        "The singer cancelled her world tour",
        "The singer has reportedly cancelled her world tour.",
    )
    assert al.feature("hedge_cue") == 1.0


# --------------------------------------------------------------------------- short lines


def test_short_evidence_line_without_a_full_stop_is_kept_as_a_claim() -> None:
    text = "Zinc lozenges shortened colds by two days in the trial\nMore Results Below\n"
    texts = [c.text for c in split_claims(text)]
    assert texts == ["Zinc lozenges shortened colds by two days in the trial"]


# --------------------------------------------------------------------------- clean flips


def test_flip_by_the_sources_own_statement_is_clean() -> None:
    al = _compare(
        "The city council did not approve the new stadium",
        "The city council approved the new stadium on Tuesday.",
        0.8,
    )
    assert al.feature("clean_flip") == 1.0
    assert al.deciding_asserted and not al.deciding_open


def test_flip_inside_another_clause_is_not_clean() -> None:
    # "closing the library" is what would make sense, not what happened
    al = _compare(
        "The town will not close the old library",
        "Closing the old library would save the town money, officials argue.",
        0.8,
    )
    assert al.feature("clean_flip") == 0.0


def test_flip_in_a_condition_is_not_clean() -> None:
    al = _compare(
        "Zinc does not shorten colds",
        "If zinc does shorten colds, the effect is small.",
        0.8,
    )
    assert al.feature("clean_flip") == 0.0
    assert al.deciding_open


def test_attribution_is_read_on_both_sides() -> None:
    al = _compare(
        "The plant will close in May",
        "The plant will close in May, the company said.",
        0.8,
    )
    assert al.source_attributed and not al.claim_attributed
