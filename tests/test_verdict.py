"""checks.verdict: weighing each source's voice into one verdict."""

from __future__ import annotations

from checks.models import Citation, Match, Review, Stance, Verdict
from checks.verdict import VerdictSettings, decide

_ids = iter(range(1, 10_000))


def _match(
    source: str,
    stance: Stance,
    *,
    weight: float = 1.0,
    score: float = 0.9,
    confidence: float | None = None,
    review: Review | None = None,
) -> Match:
    text = f"{source} says something about the claim ({stance.value})."
    return Match(
        claim_id=next(_ids),
        text=text,
        score=score,
        stance=stance,
        confidence=confidence,
        citation=Citation(
            source=source,
            title=f"{source} article",
            url=f"https://{source.lower().replace(' ', '-')}.example/a",
            quote=text,
            weight=weight,
            review=review,
        ),
    )


A, C, R = Stance.AGREES, Stance.CONFLICTS, Stance.RELATED


def test_only_agreement_is_supported() -> None:
    tally = decide([_match("Wire", A), _match("Gazette", A, weight=0.5)])
    assert tally.verdict is Verdict.SUPPORTED
    assert set(tally.agreeing) == {"Wire", "Gazette"}
    assert tally.conflicting == ()
    assert tally.confidence > 0


def test_only_conflict_is_disputed() -> None:
    tally = decide([_match("Wire", C), _match("Gazette", C)])
    assert tally.verdict is Verdict.DISPUTED
    assert set(tally.conflicting) == {"Wire", "Gazette"}
    assert tally.agreeing == ()


def test_balanced_voices_are_mixed() -> None:
    tally = decide([_match("Wire", A), _match("Gazette", C)])
    assert tally.verdict is Verdict.MIXED
    assert tally.agreeing == ("Wire",)
    assert tally.conflicting == ("Gazette",)


def test_heavier_agreement_wins() -> None:
    tally = decide([_match("Wire", A, weight=1.0), _match("Tabloid", C, weight=0.3)])
    assert tally.verdict is Verdict.SUPPORTED
    assert tally.conflicting == ("Tabloid",)  # still named, just outweighed


def test_heavier_conflict_wins() -> None:
    tally = decide([_match("Tabloid", A, weight=0.3), _match("Wire", C, weight=1.0)])
    assert tally.verdict is Verdict.DISPUTED


def test_weights_decide_not_the_number_of_sources() -> None:
    light = [_match(f"Blog {i}", A, weight=0.1) for i in range(3)]
    tally = decide([*light, _match("Wire", C, weight=1.0)])
    assert tally.verdict is Verdict.DISPUTED


def test_zero_weight_source_is_not_heard() -> None:
    tally = decide([_match("Ignored", C, weight=0.0), _match("Wire", A)])
    assert tally.verdict is Verdict.SUPPORTED


def test_dominance_is_a_setting() -> None:
    matches = [_match("Wire", A, weight=1.0), _match("Gazette", C, weight=0.6)]
    assert decide(matches).verdict is Verdict.MIXED  # 1.0 < 2 × 0.6
    assert decide(matches, VerdictSettings(dominance=1.5)).verdict is Verdict.SUPPORTED


def test_related_only_is_unverified() -> None:
    tally = decide([_match("Wire", R), _match("Gazette", R)])
    assert tally.verdict is Verdict.UNVERIFIED
    assert tally.agreeing == () and tally.conflicting == ()
    assert tally.confidence == 0


def test_no_matches_is_unverified() -> None:
    tally = decide([])
    assert tally.verdict is Verdict.UNVERIFIED
    assert tally.confidence == 0


def test_a_source_speaks_once_through_its_most_relevant_match() -> None:
    matches = [
        _match("Wire", A, score=0.95),
        _match("Wire", C, score=0.6),
        _match("Wire", C, score=0.5),
    ]
    tally = decide(matches)
    assert tally.verdict is Verdict.SUPPORTED
    assert tally.agreeing == ("Wire",)
    assert tally.conflicting == ()


def test_many_matches_from_one_source_do_not_outvote_another() -> None:
    matches = [_match("Tabloid", C, weight=0.5, score=0.9) for _ in range(10)]
    matches.append(_match("Wire", A, weight=0.5, score=0.9))
    assert decide(matches).verdict is Verdict.MIXED


def test_related_match_does_not_silence_a_source() -> None:
    matches = [_match("Wire", R, score=0.99), _match("Wire", C, score=0.7)]
    tally = decide(matches)
    assert tally.verdict is Verdict.DISPUTED
    assert tally.conflicting == ("Wire",)


def test_one_sided_evidence_is_more_confident_than_mixed() -> None:
    one_sided = decide([_match("Wire", A), _match("Gazette", A)])
    mixed = decide([_match("Wire", A), _match("Gazette", C)])
    assert one_sided.confidence > mixed.confidence
    assert 0 <= mixed.confidence <= one_sided.confidence <= 1


def test_confidence_stays_within_bounds_for_heavy_sources() -> None:
    tally = decide([_match("Wire", A, weight=10.0, score=1.0)])
    assert 0 < tally.confidence <= 1


# --------------------------------------------------------------------------- calibrated voices


def test_one_trusted_source_gives_its_calibrated_confidence() -> None:
    tally = decide([_match("Wire", C, confidence=0.83, score=0.4)])
    assert tally.verdict is Verdict.DISPUTED
    assert tally.confidence == 0.83  # the model's probability, not the relevance


def test_a_lighter_source_vouches_for_less() -> None:
    full = decide([_match("Wire", A, confidence=0.9)])
    light = decide([_match("Blog", A, confidence=0.9, weight=0.5)])
    assert light.confidence < full.confidence


def test_two_agreeing_sources_are_surer_than_either() -> None:
    tally = decide([_match("Wire", A, confidence=0.7), _match("Gazette", A, confidence=0.7)])
    assert tally.confidence > 0.7


def test_a_source_speaks_through_its_surest_match() -> None:
    matches = [
        _match("Wire", A, score=0.95, confidence=0.55),
        _match("Wire", C, score=0.6, confidence=0.92),
    ]
    tally = decide(matches)
    assert tally.verdict is Verdict.DISPUTED


def test_a_fact_check_speaks_before_a_surer_model_match() -> None:
    review = Review(
        claim_reviewed="x", rating="False", reviewer="Checkers", url="https://checkers.example/x"
    )
    matches = [
        _match("Wire", A, confidence=0.95),
        _match("Wire", C, confidence=1.0, score=0.5, review=review),
    ]
    tally = decide(matches)
    assert tally.conflicting == ("Wire",) and tally.agreeing == ()
