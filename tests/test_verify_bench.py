"""bench/verify.py: the stance-quality scorer's arithmetic, its data layouts, and a whole run.

The tiny data sets are written here, in our own words, in the two layouts the bench reads.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import verify  # noqa: E402
from verify import Outcome, Pair  # noqa: E402


def _outcomes(spec: list[tuple[str, str, int]]) -> list[Outcome]:
    out = []
    for label, predicted, count in spec:
        out += [Outcome(label=label, predicted=predicted) for _ in range(count)]
    return out


# A known confusion (rows: label, columns: answer), 16 pairs:
#             supports refutes neither
# supports        3       1       2
# refutes         1       2       1
# neither         1       0       5
KNOWN = [
    ("supports", "supports", 3),
    ("supports", "refutes", 1),
    ("supports", "neither", 2),
    ("refutes", "supports", 1),
    ("refutes", "refutes", 2),
    ("refutes", "neither", 1),
    ("neither", "supports", 1),
    ("neither", "neither", 5),
]


def test_scores_of_a_known_confusion() -> None:
    s = verify.score(_outcomes(KNOWN))
    assert s["pairs"] == 16
    assert s["confusion"]["supports"] == {"supports": 3, "refutes": 1, "neither": 2}
    assert s["confusion"]["neither"] == {"supports": 1, "refutes": 0, "neither": 5}
    # committed: 5 Supported + 3 Disputed answers, 3 + 2 of them right
    assert (s["committed"], s["committed_right"]) == (8, 5)
    assert s["committed_precision"] == pytest.approx(5 / 8)
    # opposite: one Disputed on supports, one Supported on refutes, of 10 supports + refutes pairs
    assert (s["opposite"], s["polar_pairs"]) == (2, 10)
    assert s["opposite_share"] == pytest.approx(0.2)
    assert s["recall"] == pytest.approx(5 / 10)
    assert s["accuracy"] == pytest.approx(10 / 16)
    # per-class F1: supports p=3/5 r=3/6; refutes p=2/3 r=2/4; neither p=5/8 r=5/6
    f1 = [2 * p * r / (p + r) for p, r in ((3 / 5, 3 / 6), (2 / 3, 2 / 4), (5 / 8, 5 / 6))]
    assert s["macro_f1"] == pytest.approx(sum(f1) / 3)
    # always-neither: right on the 6 neither pairs; F1 of neither with p=6/16, r=1, others 0
    assert s["baseline_accuracy"] == pytest.approx(6 / 16)
    p = 6 / 16
    assert s["baseline_macro_f1"] == pytest.approx((2 * p / (p + 1)) / 3)


def test_calibration_bins_hold_committed_answers_by_confidence() -> None:
    outcomes = [
        Outcome("supports", "supports", confidence=1.0),  # the top bin includes 1.0
        Outcome("refutes", "supports", confidence=0.95),
        Outcome("refutes", "refutes", confidence=0.85),
        Outcome("supports", "supports", confidence=0.5),
        Outcome("neither", "neither", confidence=0.99),  # not committed: in no bin
    ]
    s = verify.score(outcomes)
    bins = {b["bin"]: (b["answers"], b["right"]) for b in s["calibration"]}
    assert bins["0.9–1.0"] == (2, 1)
    assert bins["0.8–0.9"] == (1, 1)
    assert bins["0.4–0.6"] == (1, 1)
    assert bins["0.0–0.4"] == (0, 0)
    assert s["confident_answers"] == 3
    assert s["confident_share_right"] == pytest.approx(2 / 3)


def test_evidence_found_and_cpu_percentiles_count_only_what_they_should() -> None:
    outcomes = [
        Outcome("supports", "neither", evidence_found=True, check_cpu_ms=1.0),
        Outcome("refutes", "neither", evidence_found=False, check_cpu_ms=2.0),
        Outcome("neither", "neither", evidence_found=True, check_cpu_ms=3.0),  # not counted
    ]
    s = verify.score(outcomes)
    assert s["evidence_found"] == 1
    assert s["evidence_found_share"] == pytest.approx(0.5)
    assert s["check_cpu_ms_p50"] == pytest.approx(2.0)


def test_no_committed_answer_leaves_precision_undefined_not_zero() -> None:
    s = verify.score(_outcomes([("supports", "neither", 2), ("neither", "neither", 3)]))
    assert math.isnan(s["committed_precision"])
    assert s["recall"] == 0.0
    assert s["accuracy"] == pytest.approx(3 / 5)


@pytest.mark.parametrize(
    ("verdict", "cls"),
    [("supported", "supports"), ("disputed", "refutes"), ("mixed", "neither"),
     ("unverified", "neither"), ("error", "neither")],
)  # fmt: skip
def test_verdicts_map_to_three_classes(verdict: str, cls: str) -> None:
    assert verify.predicted_class(verdict) == cls


def test_label_names_of_both_layouts_and_unknown_labels() -> None:
    assert [verify.canonical_label(x) for x in ("agree", "Disagree", "discuss", "unrelated")] == [
        "supports",
        "refutes",
        "neither",
        "neither",
    ]
    assert [verify.canonical_label(x) for x in ("Supports", "REFUTES", "Neutral")] == [
        "supports",
        "refutes",
        "neither",
    ]
    with pytest.raises(verify.DataError, match="maybe"):
        verify.canonical_label("maybe")


def test_stratified_sample_keeps_label_shares_and_is_deterministic() -> None:
    labels = ["unrelated"] * 70 + ["discuss"] * 20 + ["agree"] * 7 + ["disagree"] * 3
    pairs = [
        Pair(str(i), f"claim {i}", verify.canonical_label(lab), lab, str(i))
        for i, lab in enumerate(labels)
    ]
    a = verify.stratified_sample(pairs, 20, seed=1)
    b = verify.stratified_sample(pairs, 20, seed=1)
    assert [p.id for p in a] == [p.id for p in b]
    counts = {lab: sum(p.raw_label == lab for p in a) for lab in set(labels)}
    assert counts == {"unrelated": 14, "discuss": 4, "agree": 1, "disagree": 1}
    assert [int(p.id) for p in a] == sorted(int(p.id) for p in a)  # file order kept
    assert len(verify.stratified_sample(pairs, 500, seed=1)) == 100


# --------------------------------------------------------------------------- tiny data sets


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


BRIDGE = (
    "The river bridge in Tallbrook reopened on Monday after six months of repairs.\n\n"
    "Engineers said the new deck can carry lorries of up to 40 tonnes."
)
LIBRARY = (
    "Reports that the Tallbrook town library would close for good were wrong, the council said.\n"
    "The library will stay open on weekdays and will add Saturday hours from June."
)


def _fnc1_dir(base: Path) -> Path:
    d = base / "news"
    d.mkdir()
    _write_csv(d / "mini_bodies.csv", [["Body ID", "articleBody"], ["7", BRIDGE], ["9", LIBRARY]])
    _write_csv(
        d / "mini_stances.csv",
        [
            ["Headline", "Body ID", "Stance"],
            ["The river bridge in Tallbrook reopened on Monday after repairs", "7", "agree"],
            ["Tallbrook bridge will stay shut for another year", "7", "disagree"],
            ["A new bakery opened near the harbour", "9", "unrelated"],
            ["Council talks about the future of the Tallbrook library", "9", "discuss"],
        ],
    )
    return d


def _health_dir(base: Path) -> Path:
    d = base / "health"
    d.mkdir()
    _write_csv(
        d / "pairs.csv",
        [
            ["id", "evidence", "claim", "label", "topic_ip", "question"],
            [
                "11",
                "Daily walks of thirty minutes lowered resting blood pressure in older adults. "
                "The effect faded when the walks stopped.",
                "Daily walks lower resting blood pressure in older adults",
                "Supports",
                "1",
                "q",
            ],
            [
                "12",
                "In the trial, the herbal tea did not shorten colds compared with hot water.",
                "Herbal tea shortens colds",
                "Refutes",
                "2",
                "q",
            ],
            [
                "13",
                "Sleep of under six hours was linked with more sick days among shift workers.",
                "Shift workers drink more coffee",
                "Neutral",
                "3",
                "q",
            ],
        ],
    )
    return d


def test_both_layouts_are_told_apart_by_their_columns(tmp_path: Path) -> None:
    news = verify.load(_fnc1_dir(tmp_path))
    assert news.format == "fnc1"
    assert [p.label for p in news.pairs] == ["supports", "refutes", "neither", "neither"]
    assert [p.evidence_id for p in news.pairs] == ["7", "7", "9", "9"]  # one store per body
    assert news.evidence["7"] == BRIDGE
    health = verify.load(_health_dir(tmp_path))
    assert health.format == "healthver"
    assert [p.id for p in health.pairs] == ["11", "12", "13"]
    assert len({p.evidence_id for p in health.pairs}) == 3  # one store per pair
    odd = tmp_path / "odd"
    odd.mkdir()
    _write_csv(odd / "x.csv", [["question", "answer"], ["a", "b"]])
    with pytest.raises(verify.DataError, match="neither FNC-1"):
        verify.load(odd)


def test_whole_run_on_tiny_sets_with_one_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"  # the workers' temporary stores go here, and must be gone
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\nText.\n\n## Benchmarks\n\nnumbers\n", encoding="utf-8")
    out, dump = tmp_path / "out.json", tmp_path / "pairs.jsonl"
    args = [
        "--data", str(_fnc1_dir(tmp_path)), "--data", str(_health_dir(tmp_path)),
        "--workers", "1", "--quiet", "--format", "markdown",
        "--json", str(out), "--dump", str(dump), "--readme", str(readme),
    ]  # fmt: skip
    assert verify.main(args) == 0

    doc = json.loads(out.read_text())
    sets = {s["name"]: s for s in doc["sets"]}
    assert sets["news"]["scores"]["pairs"] == 4 and sets["news"]["stores"] == 2
    assert sets["health"]["scores"]["pairs"] == 3 and sets["health"]["stores"] == 3
    for s in sets.values():
        assert s["scores"]["errors"] == 0
        assert (
            sum(sum(row.values()) for row in s["scores"]["confusion"].values())
            == s["scores"]["pairs"]
        )

    lines = [json.loads(x) for x in dump.read_text().splitlines()]
    assert len(lines) == 7
    first = lines[0]
    assert first["claim"].startswith("The river bridge in Tallbrook")
    assert first["label"] == "supports" and first["evidence_id"] == "7"
    assert first["verdict"] in {"supported", "disputed", "mixed", "unverified"}
    # the claim nearly repeats a sentence of its body: that sentence is among the matches
    assert any(m["text"].startswith("The river bridge in Tallbrook") for m in first["matches"])
    evidence = {"7": BRIDGE, "9": LIBRARY}
    for line in lines[:4]:
        for m in line["matches"]:  # every match is a sentence of this pair's own evidence
            assert " ".join(m["text"].split()) in " ".join(evidence[line["evidence_id"]].split())
            assert set(m) >= {"text", "score", "stance", "notes"}

    text = readme.read_text()
    assert text.index("## Stance quality") < text.index("## Benchmarks")
    assert "committed precision" in text and "`health`" in text
    verify.write_readme(readme, "again")  # a second write replaces, never duplicates
    text = readme.read_text()
    assert text.count(verify.START) == 1 and "again" in text and "`health`" not in text
    assert not list(scratch.glob("crosscheck-verify-*"))  # every temporary store removed


def test_missing_default_data_is_a_skip_message_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(verify, "DEFAULT_DATA", (tmp_path / "absent",))
    assert verify.main(["--quiet", "--format", "summary"]) == 0
    assert "skipped" in capsys.readouterr().out
    assert verify.main(["--data", str(tmp_path / "absent"), "--quiet"]) == 2  # asked for: an error


def test_several_files_of_one_layout_are_chosen_by_split(tmp_path: Path) -> None:
    d = _fnc1_dir(tmp_path)
    _write_csv(d / "other_bodies.csv", [["Body ID", "articleBody"], ["1", LIBRARY]])
    _write_csv(
        d / "other_stances.csv",
        [["Headline", "Body ID", "Stance"], ["The library closes for good", "1", "disagree"]],
    )
    with pytest.raises(verify.DataError, match="several stances files"):
        verify.load(d)
    other = verify.load(d, split="other")
    assert [(p.claim, p.label) for p in other.pairs] == [("The library closes for good", "refutes")]
    assert other.evidence == {"1": LIBRARY}  # paired with other_bodies.csv, not mini_bodies.csv
