"""checks.stance: conflicts come from aligned features (figures, dates, polarity), never from a
relevance score alone; agreement needs an aligned predicate of the same polarity."""

from __future__ import annotations

import pytest

from checks.align import side
from checks.claims import features
from checks.models import NoteKind, Stance
from checks.stance import StanceSettings, judge, load_model

HIGH = 0.9  # a near-restatement
MODERATE = 0.5
LOW = 0.2  # below StanceSettings.suggest


def _judge(claim: str, source: str, relevance: float = HIGH):
    j = judge(side(claim), side(source), relevance)
    return j.stance, j.notes


# --------------------------------------------------------------------------- figures


def test_changed_number_is_a_conflict() -> None:
    stance, notes = _judge(
        "The UK will send 25,000 troops to Ukraine next year.",
        "The UK will send 10,000 troops to Ukraine next year.",
    )
    assert stance is Stance.CONFLICTS
    (note,) = [n for n in notes if n.kind is NoteKind.QUANTITY]
    assert note.conflict
    assert "25,000" in note.text and "10,000" in note.text


def test_changed_number_note_says_what_the_source_says() -> None:
    _, notes = _judge(
        "The UK will send 25,000 troops to Ukraine next year.",
        "The UK will send 10,000 troops to Ukraine next year.",
    )
    (note,) = notes
    assert note.source_says is not None and "10,000" in note.source_says


def test_same_number_with_synonym_unit_agrees() -> None:
    stance, notes = _judge(
        "The UK will send 10,000 troops to Ukraine next year.",
        "Britain will send 10,000 soldiers to Ukraine next year.",
    )
    assert stance is Stance.AGREES
    assert any(n.kind is NoteKind.SAME and "10,000" in n.text for n in notes)


def test_claim_above_a_ceiling_conflicts() -> None:
    stance, notes = _judge(
        "The UK will send 100,000 troops to Ukraine next year.",
        "The UK will send at most 30,000 troops to Ukraine next year.",
    )
    assert stance is Stance.CONFLICTS
    assert "100,000" in notes[0].text and "30,000" in notes[0].text


def test_claim_within_a_ceiling_does_not_conflict() -> None:
    stance, _ = _judge(
        "The UK will send 25,000 troops to Ukraine next year.",
        "The UK will send at most 30,000 troops to Ukraine next year.",
    )
    assert stance is not Stance.CONFLICTS


def test_claim_below_a_floor_conflicts() -> None:
    stance, _ = _judge(
        "The army lost 3,000 soldiers in the first month of the war in Ukraine.",
        "The army lost more than 5,000 soldiers in the first month of the war in Ukraine.",
    )
    assert stance is Stance.CONFLICTS


def test_figures_within_tolerance_agree() -> None:
    stance, _ = _judge(
        "Russia has about 10,000 troops near the border with Ukraine.",
        "Russia has 10,300 troops near the border with Ukraine.",
    )
    assert stance is Stance.AGREES


def test_different_units_do_not_conflict() -> None:
    stance, notes = _judge(
        "The UK will send 25,000 troops to Ukraine next year.",
        "The UK will send 10,000 tanks to Ukraine next year.",
    )
    assert stance is not Stance.CONFLICTS
    assert not any(n.conflict for n in notes)


def test_money_and_people_do_not_conflict() -> None:
    stance, _ = _judge(
        "The UK will spend $5 billion on its army in Ukraine next year.",
        "The UK will send 5,000 troops to Ukraine next year.",
    )
    assert stance is not Stance.CONFLICTS


# --------------------------------------------------------------------------- dates


def test_different_month_is_a_conflict() -> None:
    stance, notes = _judge(
        "The UK will send troops to Ukraine in August.",
        "The UK will send troops to Ukraine in March.",
    )
    assert stance is Stance.CONFLICTS
    (note,) = notes
    assert note.kind is NoteKind.DATE
    assert "August" in note.text and "March" in note.text


def test_different_year_is_a_conflict() -> None:
    stance, notes = _judge(
        "The UK signed the treaty with France in 2019.",
        "The UK signed the treaty with France in 2021.",
    )
    assert stance is Stance.CONFLICTS
    assert notes[0].kind is NoteKind.DATE


def test_same_month_agrees() -> None:
    stance, notes = _judge(
        "The UK will send troops to Ukraine in August.",
        "In August the UK will send troops to Ukraine.",
    )
    assert stance is Stance.AGREES
    assert any("August" in n.text for n in notes)


# --------------------------------------------------------------------------- polarity


def test_opposite_polarity_is_a_conflict() -> None:
    stance, notes = _judge(
        "The UK welcomed the plan to send troops to Ukraine.",
        "The UK rejected the plan to send troops to Ukraine.",
    )
    assert stance is Stance.CONFLICTS
    (note,) = [n for n in notes if n.text.startswith("the claim says")]
    assert note.conflict
    assert "welcome" in note.text and "reject" in note.text


def test_negated_rejection_conflicts_with_rejection() -> None:
    stance, _ = _judge(
        "The UK did not reject the plan to send troops to Ukraine.",
        "The UK rejected the plan to send troops to Ukraine.",
    )
    assert stance is Stance.CONFLICTS


def test_welcome_against_rejection_by_the_opposition_is_a_conflict() -> None:
    stance, _ = _judge(
        "The opposition leader welcomed the plan to send troops to Ukraine.",
        "The opposition leader rejected the plan to send troops to Ukraine.",
    )
    assert stance is Stance.CONFLICTS


def test_negated_rejection_does_not_conflict_with_welcome() -> None:
    stance, _ = _judge(
        "The UK welcomed the plan to send troops to Ukraine.",
        "The UK did not reject the plan to send troops to Ukraine.",
    )
    assert stance is not Stance.CONFLICTS


def test_will_not_against_will_is_a_conflict_when_nearly_the_same() -> None:
    stance, notes = _judge(
        "The UK will send troops to Ukraine next year.",
        "The UK will not send troops to Ukraine next year.",
        0.95,
    )
    assert stance is Stance.CONFLICTS
    assert notes[0].kind is NoteKind.POLARITY


# --------------------------------------------------------------------------- speaker


def test_different_speaker_vetoes_agreement_and_is_explained() -> None:
    # measured on fnc1: a speaker mismatch alone was wrong more often than right as a conflict
    stance, notes = _judge(
        "Smith said the UK will send troops to Ukraine.",
        "Jones said the UK will send troops to Ukraine.",
    )
    assert stance is not Stance.AGREES
    (note,) = [n for n in notes if n.kind is NoteKind.SPEAKER]
    assert "Smith" in note.text and "Jones" in note.text


def test_same_speaker_with_title_is_not_a_conflict() -> None:
    stance, _ = _judge(
        "Jane Smith said the UK will send troops to Ukraine.",
        "Mrs. Smith said the UK will send troops to Ukraine.",
    )
    assert stance is not Stance.CONFLICTS


# --------------------------------------------------------------------------- relevance


@pytest.mark.parametrize("relevance", [0.45, 0.6, 0.7, 0.85, 1.0])
@pytest.mark.parametrize(
    ("claim", "source"),
    [
        (
            "The UK will send troops to Ukraine next year.",
            "Britain plans to deploy forces in Ukraine soon.",
        ),
        (
            "Russia has moved tanks close to the border with Finland.",
            "Russian armour is now near the Finnish frontier.",
        ),
        (
            "The UK will send 10,000 troops to Ukraine in August.",
            "The UK will send 10,000 troops to Ukraine in August.",
        ),
    ],
)
def test_relevance_alone_never_makes_a_conflict(claim: str, source: str, relevance: float) -> None:
    stance, notes = _judge(claim, source, relevance)
    assert stance is not Stance.CONFLICTS
    assert not any(n.conflict for n in notes)


def test_near_paraphrase_on_words_alone_is_related_but_leans_to_agreement() -> None:
    # issue 12, class 3: measured on fnc1 and healthver-dev, a sentence that restates the claim's
    # words agreed less than half the time; the model leans to agreement but does not commit
    j = judge(
        side("The UK will send troops to Ukraine next year."),
        side("Britain will send troops to Ukraine next year."),
        0.95,
    )
    assert j.stance is Stance.RELATED
    assert j.p_agree > j.p_conflict


def test_paraphrase_that_leaves_the_figure_unconfirmed_is_only_related() -> None:
    stance, _ = _judge(
        "The UK will send 10,000 troops to Ukraine next year.",
        "The UK will send troops to Ukraine next year.",
        0.95,
    )
    assert stance is Stance.RELATED


def test_low_relevance_is_related_even_with_a_changed_number() -> None:
    stance, notes = _judge(
        "The UK will send 25,000 troops to Ukraine next year.",
        "The UK will send 10,000 troops to Ukraine next year.",
        LOW,
    )
    assert stance is Stance.RELATED
    assert notes == ()


def test_low_relevance_is_related_even_when_identical() -> None:
    s = "The UK will send 10,000 troops to Ukraine next year."
    assert _judge(s, s, LOW)[0] is Stance.RELATED


def test_entity_mismatch_is_related() -> None:
    stance, notes = _judge(
        "The UK will send 25,000 troops to Ukraine next year.",
        "France will send 10,000 troops to Poland next year.",
    )
    assert stance is Stance.RELATED
    assert notes == ()


def test_entity_overlap_threshold_is_a_setting() -> None:
    text_c = "The UK and France will send 25,000 troops to Ukraine next year."
    text_s = "The UK will send 10,000 troops to Poland next year."
    claim, source = side(text_c), side(text_s)
    # one of three claim entities is shared: below 0.5, above 0.3
    assert judge(claim, source, HIGH).stance is Stance.RELATED
    loose = StanceSettings(entity_overlap=0.3)
    assert judge(claim, source, HIGH, settings=loose).stance is Stance.CONFLICTS


def test_source_topic_counts_towards_entity_overlap() -> None:
    claim = side("The UK will send 25,000 troops to Ukraine next year.")
    text = "The government will send 10,000 troops there next year."
    source = side(text, features(text, context="UK to send troops to Ukraine"))
    assert judge(claim, source, HIGH).stance is Stance.CONFLICTS


# --------------------------------------------------------------------------- issue 12 classes


def test_high_word_overlap_with_a_different_predicate_is_not_agreement() -> None:
    stance, notes = _judge(
        "The mayor publicly praised the harbour contract",
        "The mayor's harbour contract was signed in secret",
        HIGH,
    )
    assert stance is not Stance.AGREES
    assert any("sign" in n.text for n in notes)


def test_jobs_found_through_investment_do_not_agree_that_investment_kills_jobs() -> None:
    stance, _ = _judge(
        "Public investment kills jobs in the region",
        "1.5 million people in the region found jobs through public investment",
        HIGH,
    )
    assert stance is not Stance.AGREES


@pytest.mark.parametrize("relevance", [MODERATE, HIGH])
def test_effective_against_is_not_opposition(relevance: float) -> None:
    stance, notes = _judge(
        "The nasal spray protects against the seasonal flu strain",
        "The nasal spray is effective against the seasonal flu strain",
        relevance,
    )
    assert stance is not Stance.CONFLICTS
    assert not any(n.conflict for n in notes)


def test_negated_claim_against_affirmative_source_conflicts_at_moderate_relevance() -> None:
    stance, notes = _judge(
        "Lake levels in the basin will not rise this decade",
        "Lake levels in the basin will rise by 40 cm this decade.",
        MODERATE,
    )
    assert stance is Stance.CONFLICTS
    (note,) = [n for n in notes if n.kind is NoteKind.POLARITY]
    assert note.conflict and "not rise" in note.text


def test_someones_denial_is_not_the_sources_own_negation() -> None:
    stance, _ = _judge(
        "The club signed the striker in January",
        "The club denied that it signed the striker in January.",
        HIGH,
    )
    assert stance is not Stance.AGREES


def test_figure_of_another_owner_is_not_a_conflict() -> None:
    stance, notes = _judge(
        "Madrid offered several hundred troops for the mission",
        "Lisbon pledged 2,000 troops for the mission",
        HIGH,
    )
    assert stance is not Stance.CONFLICTS
    assert not any(n.conflict for n in notes)


def test_a_committed_match_carries_its_calibrated_confidence() -> None:
    j = judge(
        side("The ministry will deploy 40,000 troops to the border"),
        side("The ministry will deploy 10,000 troops to the border"),
        HIGH,
    )
    assert j.stance is Stance.CONFLICTS
    assert 0.0 < j.confidence <= 1.0
    assert abs(j.p_agree + j.p_conflict + j.p_neither - 1.0) < 1e-9


def test_shipped_model_loads_with_thresholds_for_both_sides() -> None:
    m = load_model()
    assert set(m.thresholds) == {"agree", "conflict"}
    assert all(0.0 < t <= 1.01 for t in m.thresholds.values())


# --------------------------------------------------------------------------- called false


def test_source_calling_the_story_a_hoax_conflicts_and_says_so() -> None:
    j = judge(
        side("Hikers found a living mammoth in Siberia"),
        side("The living mammoth story from Siberia is a hoax."),
        MODERATE,
    )
    assert j.stance is Stance.CONFLICTS
    assert any(n.conflict and "hoax" in n.text for n in j.notes)
    assert 0.0 < j.confidence <= 1.0
    assert len([n for n in j.notes if "hoax" in n.text]) == 1  # said once, not twice


def test_source_that_debunks_the_story_conflicts() -> None:
    j = judge(
        side("Hikers found a living mammoth in Siberia"),
        side("Scientists debunked the living mammoth story from Siberia."),
        MODERATE,
    )
    assert j.stance is Stance.CONFLICTS
    assert any(n.conflict and "debunked" in n.text for n in j.notes)


@pytest.mark.parametrize(
    "claim, source",
    [
        # debunked claims about something else
        (
            "Hikers found a living mammoth in Siberia",
            "Scientists in Siberia debunked claims that hikers harm the tundra.",
        ),
        # the claim only reports what someone claims: calling it a hoax does not refute that
        (
            "A blogger claims hikers found a living mammoth in Siberia",
            "The living mammoth story from Siberia is a hoax.",
        ),
        # the source says it is not a hoax
        (
            "Hikers found a living mammoth in Siberia",
            "The living mammoth story from Siberia is not a hoax.",
        ),
        # a double negative is not read
        (
            "Hikers found a living mammoth in Siberia",
            "Reports of a mammoth hoax in Siberia were false, the hikers said.",
        ),
    ],
)
def test_hoax_words_that_do_not_call_the_claim_false_do_not_conflict(
    claim: str, source: str
) -> None:
    stance, _ = _judge(claim, source, MODERATE)
    assert stance is not Stance.CONFLICTS


# --------------------------------------------------------------------------- reported claims


def test_same_figure_does_not_vouch_for_a_claim_that_only_relays_a_report() -> None:
    # measured on FNC-1: such headlines sit over articles that report the rumour ("discuss")
    source = side("Nordwind Airlines is planning to split into two separate companies.")
    plain = judge(side("Nordwind Airlines plans to split into two companies"), source, HIGH)
    assert plain.stance is Stance.AGREES
    j = judge(side("Report: Nordwind Airlines to split into two companies"), source, HIGH)
    assert j.stance is Stance.RELATED
    assert any(n.kind is NoteKind.SAME for n in j.notes)  # still said, as related evidence
