"""Claims about the seed article, written here, checked against it as a running store would have
it (ingested, then embedded and parsed by the enrichment batch).

Precision first: a true claim must never come back Disputed, a false one never Supported. Where
the article states a figure or a date outright, the answer must also commit. Skipped where
``../shared/seed`` is absent (the article is not ours to bundle)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.embed import MiniLMEmbedder
from checks.engine import Engine
from checks.enrich import embed_backlog
from checks.models import Verdict

SEED_DIR = Path(__file__).resolve().parents[2] / "shared" / "seed"

# (claim, true according to the article)
TRUE = [
    "Medvedev said only countries not associated with NATO could be peacekeepers in Ukraine",
    "Starmer and Macron said the peacekeeping force would total at most 30,000 men",
    "North Korea has a military of 1.2 million troops",
    "North Korean troops started making incursions into Ukraine in August",
    "North Koreans suffered casualties at a ratio of 50 to six Russians",
    "Neither Putin nor Kim acknowledge the role of North Korean troops",
    "Medvedev once served as president of Russia",
    "Bryan Betts is the managing editor of NK News",
    "North Korean soldiers wear Russian uniforms",
    "Russia rejects European peacekeepers in Ukraine",
    "Medvedev wrote on X that NATO cooperation would mean war with NATO",
]
FALSE = [
    "Medvedev said NATO troops would be welcome as peacekeepers in Ukraine",
    "Starmer and Macron said the peacekeeping force would total 100,000 men",
    "North Korea has a military of 500,000 troops",
    "North Korean troops started making incursions into Ukraine in March",
    "North Koreans and Russians suffered equal casualties",
    "Putin acknowledges the role of North Korean troops in Ukraine",
    "Medvedev has never been president of Russia",
    "Russia welcomes European peacekeepers in Ukraine",
]
# the article states these outright: a figure or a date of the same thing
MUST_SUPPORT = [TRUE[1], TRUE[2], TRUE[3]]
MUST_DISPUTE = [FALSE[1], FALSE[2], FALSE[3]]


@pytest.fixture(scope="module")
def enriched_seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if not SEED_DIR.is_dir() or not any(SEED_DIR.glob("*.txt")):
        pytest.skip(f"seed article not present at {SEED_DIR}")
    base: Path = tmp_path_factory.mktemp("seed-enriched")
    shutil.copytree(SEED_DIR, base / "seed")
    (base / "sources.yaml").write_text(
        "sources:\n  - name: Seed Article\n    kind: files\n    path: seed\n    weight: 1.0\n"
    )
    engine = Engine.open(base / "crosscheck.db", base / "sources.yaml")
    engine.ingest()
    embedder = MiniLMEmbedder(threads=1)
    assert embed_backlog(engine.store, embedder) > 0
    engine.close()
    engine = Engine.open(base / "crosscheck.db", base / "sources.yaml")
    yield engine
    engine.close()


@pytest.mark.parametrize("claim", TRUE)
def test_a_true_claim_is_never_disputed(enriched_seed: Engine, claim: str) -> None:
    result = enriched_seed.check_text(claim)
    assert result.verdict is not Verdict.DISPUTED, [
        (m.text, m.stance, [n.text for n in m.notes]) for m in result.matches
    ]


@pytest.mark.parametrize("claim", FALSE)
def test_a_false_claim_is_never_supported(enriched_seed: Engine, claim: str) -> None:
    result = enriched_seed.check_text(claim)
    assert result.verdict is not Verdict.SUPPORTED, [
        (m.text, m.stance, [n.text for n in m.notes]) for m in result.matches
    ]


@pytest.mark.parametrize("claim", MUST_SUPPORT)
def test_a_figure_or_date_the_article_states_is_supported(
    enriched_seed: Engine, claim: str
) -> None:
    assert enriched_seed.check_text(claim).verdict is Verdict.SUPPORTED


@pytest.mark.parametrize("claim", MUST_DISPUTE)
def test_another_figure_or_date_for_the_same_thing_is_disputed(
    enriched_seed: Engine, claim: str
) -> None:
    result = enriched_seed.check_text(claim)
    assert result.verdict is Verdict.DISPUTED
    assert any(n.conflict for m in result.matches for n in m.notes)
