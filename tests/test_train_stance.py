"""bench/train_stance.py: the stance model is trained deterministically and its thresholds are
chosen for precision on the training side."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import train_stance as ts

from checks.align import FEATURES, compare, side


def _toy(n: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((n, len(FEATURES)))
    y = np.array([i % 3 for i in range(n)])
    x[:, 0] = (y == 0).astype(float)  # one feature marks agreement, another conflict
    x[:, 1] = (y == 1).astype(float)
    return x, y, np.ones(n)


def test_training_is_deterministic_and_learns_a_separable_toy_set() -> None:
    x, y, w = _toy()
    w1, b1 = ts.fit_lr(x, y, w, iters=400)
    w2, b2 = ts.fit_lr(x, y, w, iters=400)
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    predicted = ts._probs(w1, b1, x).argmax(axis=1)
    assert (predicted == y).mean() > 0.95


def test_rule_confidence_is_the_laplace_smoothed_share_right() -> None:
    al = compare(
        side("The ministry will deploy 40,000 troops to the border"),
        side("The ministry will deploy 10,000 troops to the border"),
        0.9,
    )
    vec = np.array([al.vector])
    right = ts.Example("a", "refutes", "disagree", 1.0, vec, [al])
    wrong = ts.Example("b", "neither", "discuss", 1.0, vec, [al])
    never = ts.Example("c", "neither", "discuss", 1.0, np.zeros((0, len(FEATURES))), [])
    share = ts._rule_precision([right, right, wrong, never], lambda a: bool(a.conflicts))
    assert share == (2 + 1) / (3 + 2)


def test_an_unreachable_precision_leaves_the_model_silent() -> None:
    x, y, w = _toy()
    weights, bias = ts.fit_lr(x, y, w, iters=200)
    al = compare(side("Prices rose in May"), side("Prices rose in May"), 0.9)
    examples = [
        ts.Example(str(i), label, label, 1.0, np.array([al.vector]), [al])
        for i, label in enumerate(["supports", "neither", "neither", "refutes"] * 5)
    ]
    model = ts.choose(weights, bias, examples, 0.9, {})
    assert model.thresholds == {"agree": 1.01, "conflict": 1.01}


class _Cosines:
    """Sentence vectors stand-in: a fixed cosine per sentence (what the embedder would give)."""

    def __init__(self, table: dict[str, float]) -> None:
        self.table = table

    def cosine(self, a: str, b: str) -> float | None:
        return self.table.get(b, 0.0)


def test_candidates_take_the_larger_of_word_and_meaning_relevance() -> None:
    from checks.match import MatchSettings, dense_relevance

    claim = "Garlic keeps the flu away"
    paraphrase = "Eating raw cloves of that bulb was found to prevent influenza infections."
    evidence = f"{paraphrase}\n\nThe trial enrolled adults in three cities."
    ms = MatchSettings()
    by_words = ts.candidates(claim, evidence, ms)
    assert all(s != paraphrase for s, _ in by_words)  # shares no word with the claim
    by_meaning = ts.candidates(claim, evidence, ms, _Cosines({paraphrase: 0.8}))  # type: ignore[arg-type]
    assert [s for s, _ in by_meaning] == [paraphrase]
    assert by_meaning[0][1] == dense_relevance(0.8, ms)
