"""The issue's example claims, on the bundled sources and on the seed article."""

from __future__ import annotations

import pytest

from checks.engine import Engine
from checks.models import Stance, Verdict

ENGINES = ["sample_engine", "seed_engine"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(request.param)


def test_matching_figure_is_supported_and_cites_it(engine: Engine) -> None:
    result = engine.check_text("Britain may put 10,000 troops in Ukraine")
    assert result.verdict is Verdict.SUPPORTED
    agreeing = [m for m in result.matches if m.stance is Stance.AGREES]
    assert agreeing and all("10,000" in m.citation.quote for m in agreeing)


def test_changed_figure_is_disputed_with_both_numbers_in_a_note(engine: Engine) -> None:
    result = engine.check_text("The UK plans to send 25,000 troops to Ukraine")
    assert result.verdict is Verdict.DISPUTED
    notes = [n.text for m in result.matches if m.stance is Stance.CONFLICTS for n in m.notes]
    assert any("25,000" in n and "10,000" in n for n in notes), notes


def test_matching_army_size_is_supported(engine: Engine) -> None:
    result = engine.check_text("North Korea's armed forces number about 1.2 million")
    assert result.verdict is Verdict.SUPPORTED
    assert any("1.2" in m.citation.quote for m in result.matches if m.stance is Stance.AGREES)


def test_opposite_stance_is_disputed(engine: Engine, request: pytest.FixtureRequest) -> None:
    if request.node.callspec.params.get("engine") == "seed_engine":
        pytest.xfail(
            "issue 12 class 1: the seed article has no sentence that lines up with 'welcome' "
            "(its 'rules out' sentence names no NATO troops); the old Disputed came from "
            "'not associated' negating the whole sentence"
        )
    result = engine.check_text(
        "Medvedev said troops from NATO countries are welcome as peacekeepers"
    )
    assert result.verdict is Verdict.DISPUTED
    conflict = next(m for m in result.matches if m.stance is Stance.CONFLICTS)
    assert "Medvedev" in conflict.citation.quote or "NATO" in conflict.citation.quote


def test_unrelated_claim_is_unverified_without_citations(engine: Engine) -> None:
    result = engine.check_text("The moon landing was staged")
    assert result.verdict is Verdict.UNVERIFIED
    assert result.matches == ()


def test_low_weight_outlet_is_named_among_conflicting_sources(sample_engine: Engine) -> None:
    result = sample_engine.check_text("Britain may put 10,000 troops in Ukraine")
    assert "Daily Example" in result.conflicting
    assert {"Sample Wire", "Example Gazette"} <= set(result.agreeing)


def test_every_citation_quotes_its_stored_article_exactly(sample_engine: Engine) -> None:
    from checks.store.sqlite import SQLiteStore

    store = sample_engine.store
    assert isinstance(store, SQLiteStore)
    for claim in (
        "The UK plans to send 25,000 troops to Ukraine",
        "North Korea's armed forces number about 1.2 million",
    ):
        for m in sample_engine.check_text(claim).matches:
            row = store._read(
                'SELECT a.text, c.start, c."end" FROM claims c JOIN articles a '
                "ON a.id = c.article_id WHERE c.id = ?",
                (m.claim_id,),
            )[0]
            assert row["text"][row["start"] : row["end"]] == m.citation.quote


def test_json_answer_has_the_documented_shape(sample_engine: Engine) -> None:
    answer = sample_engine.check_text("The UK plans to send 25,000 troops to Ukraine").to_json()
    assert set(answer) >= {"claim", "verdict", "matches"}
    assert answer["verdict"] in {"supported", "disputed", "mixed", "unverified"}
    m = answer["matches"][0]
    assert set(m) >= {"text", "score", "stance", "notes", "citation"}
    assert m["stance"] in {"agrees", "conflicts", "related"}
    assert isinstance(m["score"], float) and all(isinstance(n, str) for n in m["notes"])
    assert set(m["citation"]) >= {"source", "title", "url", "published", "quote"}
