"""checks.nli: the optional inference model, tested with a tiny model these tests build.

The model is deterministic and small enough to reason about. Its tokenizer is a word-level
vocabulary (lower-cased, split on whitespace and punctuation) with a ``[CLS] premise [SEP]
hypothesis [SEP]`` template. Its ONNX graph reads the words of each side (``token_type_ids``) and
computes, with ``share`` the fraction of the hypothesis's words the premise has too and
``mismatch`` 1 when exactly one side has "not", "never" or "no"::

    contradiction = 12 · mismatch · share
    entailment    = 10 · (share − mismatch)
    neutral       = 5

so a claim that repeats the source's words is entailed (P ≈ 0.99), the same words with a negation
on one side are a contradiction (P ≈ 0.999), and a claim the source shares half its words with is
neither. Outputs are in the order contradiction, entailment, neutral (as MNLI cross-encoders
export theirs); config.json or labels.json say so.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from helpers import child_env, run_cli

onnx = pytest.importorskip("onnx")  # a dev dependency: the tests build their model with it

from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors  # noqa: E402

from checks import nli  # noqa: E402
from checks.align import FEATURES, Alignment  # noqa: E402
from checks.engine import Engine  # noqa: E402
from checks.errors import CheckError, ConfigError  # noqa: E402
from checks.models import Note, NoteKind, Stance, Verdict  # noqa: E402
from checks.nli import NLIModel, NLIScores, NLIUnavailable, decide  # noqa: E402

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")
NEGATORS = ("not", "never", "no")
ORDER = ("contradiction", "entailment", "neutral")  # the graph's output columns

ARTICLE = """Coastal report

Sea levels will rise by 50 cm this century, the panel of scientists concluded.

The mayor of Porto reportedly resigned after the vote.

The Lisbon garrison has 10,000 troops, the ministry said.

The new bridge opened to traffic on Monday after two years of work.
"""
NEGATED = "Scientists never concluded that sea levels will rise"
FIGURE = "The Lisbon garrison has 40,000 troops"
REPORTED = "The mayor of Porto resigned after the vote"
SAME = "The new bridge opened to traffic on Monday"
EXTRA = "sea levels rise fall bridge closed troops garrison mayor vote panel"


# --------------------------------------------------------------------------- the tiny model


def _vocabulary(text: str) -> dict[str, int]:
    vocab = {t: i for i, t in enumerate(SPECIAL)}
    for w in (*NEGATORS, *sorted(set(re.findall(r"[a-z0-9]+", text.lower())))):
        vocab.setdefault(w, len(vocab))
    return vocab


def _tokenizer(vocab: dict[str, int], path: Path) -> None:
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    tok.save(str(path))


def _const(name: str, value: object, dtype: type = np.float32) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)


def _overlap_graph(vocab: dict[str, int]) -> onnx.ModelProto:
    """Word overlap and negation mismatch → (contradiction, entailment, neutral) logits."""
    words = list(vocab)
    content = [0.0 if w in SPECIAL or w in NEGATORS else 1.0 for w in words]
    negator = [1.0 if w in NEGATORS else 0.0 for w in words]
    inits = [
        _const("depth", len(words), np.int64),
        _const("onoff", [0.0, 1.0]),
        _const("content", content),
        _const("negator", negator),
        _const("seq_axis", [1], np.int64),
        _const("last_axis", [-1], np.int64),
        _const("one", 1.0),
        _const("zero", 0.0),
        _const("ten", 10.0),
        _const("twelve", 12.0),
        _const("five", 5.0),
    ]
    n = helper.make_node
    nodes = [
        n("OneHot", ["input_ids", "depth", "onoff"], ["onehot"], axis=-1),  # (B, T, V)
        n("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        n("Cast", ["token_type_ids"], ["second"], to=TensorProto.FLOAT),
        n("Sub", ["one", "second"], ["first"]),
        n("Mul", ["mask", "first"], ["premise_mask2"]),
        n("Mul", ["mask", "second"], ["hypothesis_mask2"]),
        n("Unsqueeze", ["premise_mask2", "last_axis"], ["premise_mask"]),
        n("Unsqueeze", ["hypothesis_mask2", "last_axis"], ["hypothesis_mask"]),
        n("Mul", ["onehot", "premise_mask"], ["premise_hot"]),
        n("Mul", ["onehot", "hypothesis_mask"], ["hypothesis_hot"]),
        n("ReduceMax", ["premise_hot"], ["P"], axes=[1], keepdims=0),  # (B, V) words present
        n("ReduceMax", ["hypothesis_hot"], ["H"], axes=[1], keepdims=0),
        n("Mul", ["P", "H"], ["both"]),
        n("Mul", ["both", "content"], ["both_content"]),
        n("ReduceSum", ["both_content", "seq_axis"], ["overlap"], keepdims=1),
        n("Mul", ["H", "content"], ["h_content"]),
        n("ReduceSum", ["h_content", "seq_axis"], ["h_len0"], keepdims=1),
        n("Max", ["h_len0", "one"], ["h_len"]),
        n("Div", ["overlap", "h_len"], ["share"]),
        n("Mul", ["P", "negator"], ["p_neg_hot"]),
        n("ReduceSum", ["p_neg_hot", "seq_axis"], ["p_neg0"], keepdims=1),
        n("Min", ["p_neg0", "one"], ["p_neg"]),
        n("Mul", ["H", "negator"], ["h_neg_hot"]),
        n("ReduceSum", ["h_neg_hot", "seq_axis"], ["h_neg0"], keepdims=1),
        n("Min", ["h_neg0", "one"], ["h_neg"]),
        n("Sub", ["p_neg", "h_neg"], ["neg_diff"]),
        n("Abs", ["neg_diff"], ["mismatch"]),
        n("Sub", ["share", "mismatch"], ["ent0"]),
        n("Mul", ["ent0", "ten"], ["entailment"]),
        n("Mul", ["mismatch", "share"], ["con0"]),
        n("Mul", ["con0", "twelve"], ["contradiction"]),
        n("Mul", ["share", "zero"], ["neu0"]),
        n("Add", ["neu0", "five"], ["neutral"]),
        n("Concat", ["contradiction", "entailment", "neutral"], ["logits"], axis=1),
    ]
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])
    graph = helper.make_graph(nodes, "tiny_nli", inputs, [out], inits)
    return _model(graph)


def _bag_graph(
    vocab: dict[str, int], width: int = 3, id_type: int = TensorProto.INT64
) -> onnx.ModelProto:
    """No token_type_ids: Gather from an embedding table → mask → ReduceSum → logits (B, width).
    "not"/"never"/"no" push the first column (contradiction), every other word the second."""
    table = np.zeros((len(vocab), width), dtype=np.float32)
    for w, i in vocab.items():
        if w in NEGATORS:
            table[i, 0] = 4.0
        elif w not in SPECIAL:
            table[i, min(1, width - 1)] = 0.5
    n = helper.make_node
    nodes = [
        n("Gather", ["table", "input_ids"], ["vectors"]),  # (B, T, width)
        n("Cast", ["attention_mask"], ["mask2"], to=TensorProto.FLOAT),
        n("Unsqueeze", ["mask2", "last_axis"], ["mask"]),
        n("Mul", ["vectors", "mask"], ["masked"]),
        n("ReduceSum", ["masked", "seq_axis"], ["summed"], keepdims=0),
        n("Add", ["summed", "bias"], ["logits"]),
    ]
    bias = np.zeros(width, dtype=np.float32)
    bias[-1] = 2.0
    inits = [
        numpy_helper.from_array(table, "table"),
        numpy_helper.from_array(bias, "bias"),
        _const("seq_axis", [1], np.int64),
        _const("last_axis", [-1], np.int64),
    ]
    inputs = [
        helper.make_tensor_value_info(name, id_type, ["batch", "sequence"])
        for name in ("input_ids", "attention_mask")
    ]
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", width])
    return _model(helper.make_graph(nodes, "tiny_bag", inputs, [out], inits))


def _model(graph: onnx.GraphProto) -> onnx.ModelProto:
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8  # readable by any onnxruntime of the last years
    onnx.checker.check_model(m)
    return m


def build_model(
    directory: Path,
    *,
    text: str = "",
    graph: str = "overlap",
    labels: Sequence[str] | None = ORDER,
    label_file: str = "config.json",
    width: int = 3,
    id_type: int = TensorProto.INT64,
) -> Path:
    """A model directory: tokenizer.json, model.onnx and the label order in ``label_file``."""
    directory.mkdir(parents=True, exist_ok=True)
    vocab = _vocabulary(" ".join((ARTICLE, NEGATED, FIGURE, REPORTED, SAME, EXTRA, text)))
    _tokenizer(vocab, directory / "tokenizer.json")
    proto = _overlap_graph(vocab) if graph == "overlap" else _bag_graph(vocab, width, id_type)
    onnx.save(proto, str(directory / "model.onnx"))
    if labels is not None and label_file == "config.json":
        doc = {"model_type": "tiny", "id2label": {str(i): x for i, x in enumerate(labels)}}
        (directory / "config.json").write_text(json.dumps(doc), encoding="utf-8")
    elif labels is not None:
        (directory / label_file).write_text(json.dumps(list(labels)), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    labels = [x.upper() for x in ORDER]  # as MNLI exports spell them
    return build_model(tmp_path_factory.mktemp("nli") / "model", labels=labels)


@pytest.fixture(scope="module")
def model(model_dir: Path) -> NLIModel:
    return NLIModel(model_dir)


# --------------------------------------------------------------------------- loading, scoring

SOURCE = "Sea levels will rise by 50 cm this century."


def test_the_model_reads_its_label_order_from_config_json(model: NLIModel) -> None:
    assert model.order == (1, 2, 0)  # entailment, neutral, contradiction columns
    same, negated, apart = model.score(
        [(SOURCE, "Sea levels will rise"), (SOURCE, "Sea levels will not rise"), (SOURCE, "Mayor")]
    )
    assert same.entailment > 0.99
    assert negated.contradiction > 0.99
    assert apart.neutral > 0.98
    for p in (same, negated, apart):
        assert p.entailment + p.neutral + p.contradiction == pytest.approx(1.0)
    assert model.name.startswith("nli:") and len(model.name) == len("nli:") + 12


def test_labels_json_sets_the_order_and_wins_over_config_json(
    tmp_path: Path, model_dir: Path
) -> None:
    d = tmp_path / "swapped"
    shutil.copytree(model_dir, d)
    # the same graph, told that its first column is entailment: the negated claim now reads as
    # entailed, which shows the file is what decides (no one would ship this)
    (d / "labels.json").write_text('["Entailment", "Contradiction", "Neutral"]')
    (p,) = NLIModel(d).score([(SOURCE, "Sea levels will not rise")])
    assert p.entailment > 0.99 and p.contradiction < 0.01


def test_a_graph_without_token_type_ids_runs(tmp_path: Path) -> None:
    m = NLIModel(build_model(tmp_path / "bag", graph="bag"))
    plain, negated = m.score([(SOURCE, "Sea levels will rise"), (SOURCE, "never not no")])
    assert plain.entailment > plain.contradiction
    assert negated.contradiction > 0.9


def test_a_graph_taking_int32_ids_runs(tmp_path: Path) -> None:
    m = NLIModel(build_model(tmp_path / "int32", graph="bag", id_type=TensorProto.INT32))
    (negated,) = m.score([(SOURCE, "never not no")])
    assert negated.contradiction > 0.9


def test_batches_give_the_same_probabilities_as_one_pair_at_a_time(model_dir: Path) -> None:
    pairs = [
        (SOURCE, "Sea levels will rise"),
        (SOURCE, "Sea levels will not rise this century"),
        ("The mayor of Porto reportedly resigned after the vote.", "The mayor resigned"),
        ("The new bridge opened to traffic on Monday after two years of work.", "Bridge"),
        (SOURCE, "Sea levels will never rise by 50 cm this century says the panel"),
    ]
    batched = NLIModel(model_dir, batch_size=3).logits(pairs)
    alone = np.vstack([NLIModel(model_dir, batch_size=1).logits([p]) for p in pairs])
    np.testing.assert_allclose(batched, alone, rtol=1e-6, atol=1e-6)
    assert NLIModel(model_dir).score([]) == []


def test_long_pairs_are_cut_to_the_token_limit(model_dir: Path) -> None:
    m = NLIModel(model_dir, max_tokens=16)
    long = " ".join(["sea levels will rise"] * 100)
    (p,) = m.score([(long, long)])
    assert p.entailment > 0.9  # ran on a cut pair instead of failing


# --------------------------------------------------------------------------- misconfiguration


def _broken(tmp_path: Path, model_dir: Path, how: str) -> Path:
    d = tmp_path / how
    if how == "no-directory":
        return d
    shutil.copytree(model_dir, d)
    if how == "no-model":
        (d / "model.onnx").unlink()
    elif how == "no-tokenizer":
        (d / "tokenizer.json").unlink()
    elif how == "no-labels":
        (d / "config.json").unlink()
    elif how == "generic-labels":
        (d / "config.json").write_text(
            '{"id2label": {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}}'
        )
    elif how == "two-labels":
        (d / "labels.json").write_text('["entailment", "not_entailment"]')
    elif how == "labels-not-a-list":
        (d / "labels.json").write_text('{"0": "entailment"}')
    elif how == "config-without-id2label":
        (d / "config.json").write_text('{"model_type": "deberta-v2"}')
    elif how == "corrupt-model":
        (d / "model.onnx").write_bytes(b"\x08\x07 this is not a protobuf graph" * 50)
    elif how == "bad-tokenizer":
        (d / "tokenizer.json").write_text("{not json")
    elif how == "two-outputs":
        shutil.rmtree(d)
        build_model(d, graph="bag", width=2, labels=["entailment", "contradiction"])
        (d / "config.json").write_text(json.dumps({"id2label": dict(enumerate(ORDER))}))
    elif how == "two-outputs-undeclared":  # the graph does not say; the first run shows it
        shutil.rmtree(d)
        build_model(d, graph="bag", width=2, labels=ORDER)
        proto = onnx.load(str(d / "model.onnx"))
        g = proto.graph  # logits reshaped to (batch, -1): a width no static inference can see
        g.node[-1].output[0] = "raw"
        g.initializer.extend([_const("start", [0], np.int64), _const("stop", [1], np.int64)])
        g.initializer.extend([_const("rest", [-1], np.int64)])
        n = helper.make_node
        g.node.extend(
            [
                n("Shape", ["input_ids"], ["ids_shape"]),
                n("Slice", ["ids_shape", "start", "stop"], ["batch"]),
                n("Concat", ["batch", "rest"], ["new_shape"], axis=0),
                n("Reshape", ["raw", "new_shape"], ["logits"]),
            ]
        )
        g.output[0].type.tensor_type.shape.dim[1].dim_param = "labels"
        onnx.save(proto, str(d / "model.onnx"))
    elif how == "other-inputs":
        shutil.rmtree(d)
        build_model(d, graph="bag", labels=ORDER)
        proto = onnx.load(str(d / "model.onnx"))
        proto.graph.input[0].name = "ids"
        proto.graph.node[0].input[1] = "ids"
        onnx.save(proto, str(d / "model.onnx"))
    return d


@pytest.mark.parametrize(
    ("how", "names", "says"),
    [
        ("no-directory", "no-directory", "not a directory"),
        ("no-model", "model.onnx", "model.onnx not found"),
        ("no-tokenizer", "tokenizer.json", "tokenizer.json not found"),
        ("no-labels", "no-labels", "no label order"),
        ("generic-labels", "config.json", "LABEL_n names: add labels.json"),
        ("two-labels", "labels.json", "do not name entailment, neutral and contradiction"),
        ("labels-not-a-list", "labels.json", "must be a list of label names"),
        ("config-without-id2label", "config.json", "no id2label"),
        ("corrupt-model", "model.onnx", "not a model onnxruntime can load"),
        ("bad-tokenizer", "tokenizer.json", "cannot be read by tokenizers"),
        ("two-outputs", "model.onnx", "has shape ['batch', 2]; expected (batch, 3)"),
        ("other-inputs", "model.onnx", "has no input input_ids; its inputs: attention_mask, ids"),
        ("two-outputs-undeclared", "model.onnx", "expected one row of 3 scores per pair"),
    ],
)
def test_each_misconfiguration_is_one_clear_error_naming_the_file(
    tmp_path: Path, model_dir: Path, how: str, names: str, says: str
) -> None:
    d = _broken(tmp_path, model_dir, how)
    with pytest.raises(NLIUnavailable) as err:
        NLIModel(d).score([(SOURCE, "Sea levels will rise")])
    message = str(err.value)
    assert isinstance(err.value, CheckError)
    assert names in message and says in message, message
    assert "\n" not in message


def test_a_pinned_sha256_refuses_other_bytes(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(nli.SHA256_ENV_VAR, "0" * 64)
    with pytest.raises(NLIUnavailable, match="not the file CROSSCHECK_NLI_SHA256 names"):
        NLIModel(model_dir)


def test_get_model_is_none_unset_and_one_model_per_process_when_set(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(nli.ENV_VAR, raising=False)
    assert nli.get_model() is None
    monkeypatch.setenv(nli.ENV_VAR, str(model_dir))
    first = nli.get_model()
    assert first is not None and nli.get_model() is first
    monkeypatch.setenv(nli.ENV_VAR, str(model_dir / "missing"))
    for _ in range(2):  # remembered, and raised every time it is asked for
        with pytest.raises(NLIUnavailable, match="not a directory"):
            nli.get_model()
    monkeypatch.setenv(nli.ENV_VAR, str(model_dir))
    monkeypatch.setenv(nli.THREADS_ENV_VAR, "two")
    with pytest.raises(ConfigError, match="CROSSCHECK_NLI_THREADS"):
        nli.get_model()


def test_the_commit_threshold_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(nli.COMMIT_ENV_VAR, raising=False)
    assert nli.commit_threshold() == 0.9
    monkeypatch.setenv(nli.COMMIT_ENV_VAR, "0.97")
    assert nli.commit_threshold() == 0.97
    for bad in ("0.5", "1.2", "high"):
        monkeypatch.setenv(nli.COMMIT_ENV_VAR, bad)
        with pytest.raises(ConfigError, match="CROSSCHECK_NLI_COMMIT"):
            nli.commit_threshold()


# --------------------------------------------------------------------------- deciding (pure)


def _al(
    *,
    aligned: bool = True,
    coverage: float = 1.0,
    conflicts: bool = False,
    speakers: bool = False,
    reported: bool = False,
    **features: float,
) -> Alignment:
    v = dict.fromkeys(FEATURES, 0.0) | {"coverage": coverage, "aligned": float(aligned)}
    v |= features
    figure = Note(kind=NoteKind.QUANTITY, text="the claim says 4; the source says 5", conflict=True)
    speaker = Note(kind=NoteKind.SPEAKER, text="another speaker", conflict=True)
    return Alignment(
        vector=tuple(v[k] for k in FEATURES),
        conflicts=(figure,) if conflicts else (),
        speakers=(speaker,) if speakers else (),
        aligned=aligned,
        source_reported=reported,
    )


ENTAILS = NLIScores(0.95, 0.04, 0.01)
CONTRADICTS = NLIScores(0.01, 0.05, 0.94)
UNSURE = NLIScores(0.70, 0.20, 0.10)


def test_a_confident_contradiction_conflicts_with_the_models_probability() -> None:
    d = decide(_al(), CONTRADICTS, commit=0.9)
    assert d is not None and d.stance is Stance.CONFLICTS and d.confidence == 0.94
    assert (
        d.notes[0].text == "an inference model reads the source as contradicting the claim (0.94)"
    )
    assert d.notes[0].conflict


def test_a_confident_entailment_agrees_and_below_the_threshold_nothing_commits() -> None:
    d = decide(_al(), ENTAILS, commit=0.9)
    assert d is not None and d.stance is Stance.AGREES and d.confidence == 0.95
    assert "supporting the claim (0.95)" in d.notes[0].text
    unsure = decide(_al(), UNSURE, commit=0.9)
    assert unsure is not None and unsure.stance is Stance.RELATED and not unsure.notes
    stricter = decide(_al(), ENTAILS, commit=0.97)
    assert stricter is not None and stricter.stance is Stance.RELATED


def test_the_model_has_no_say_on_pairs_that_do_not_line_up_or_cover_the_claim() -> None:
    assert decide(_al(aligned=False, coverage=0.5), CONTRADICTS, commit=0.9) is None
    covering = decide(_al(aligned=False, coverage=0.9), CONTRADICTS, commit=0.9)
    assert covering is not None and covering.stance is Stance.CONFLICTS


def test_a_figure_conflict_keeps_its_rule_and_never_agrees() -> None:
    assert decide(_al(conflicts=True), ENTAILS, commit=0.9) is None  # the rule decides
    # a figure conflict outside the lined-up clause still vetoes agreement
    loose = decide(_al(conflicts=True, aligned=False, coverage=0.9), ENTAILS, commit=0.9)
    assert loose is not None and loose.stance is Stance.RELATED
    assert "a figure or date differs" in loose.notes[0].text


def test_another_speaker_or_a_reporting_source_counts_neither_way() -> None:
    for al in (_al(speakers=True), _al(reported=True)):
        for p in (ENTAILS, CONTRADICTS):
            d = decide(al, p, commit=0.9)
            assert d is not None and d.stance is Stance.RELATED
            assert d.notes and "not counted" in d.notes[0].text and not d.notes[0].conflict


def test_a_source_hedging_what_the_claim_asserts_never_agrees_but_a_hedged_claim_may() -> None:
    source_hedges = _al(source_hedged=1.0, hedge_mismatch=1.0)
    d = decide(source_hedges, ENTAILS, commit=0.9)
    assert d is not None and d.stance is Stance.RELATED
    both_hedge = _al(source_hedged=1.0, claim_hedged=1.0)  # "may" against "may"
    d = decide(both_hedge, ENTAILS, commit=0.9)
    assert d is not None and d.stance is Stance.AGREES
    claim_hedges = _al(claim_hedged=1.0, hedge_mismatch=1.0)  # "may" against a plain statement
    d = decide(claim_hedges, ENTAILS, commit=0.9)
    assert d is not None and d.stance is Stance.AGREES


# --------------------------------------------------------------------------- through the engine


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of one small article from a ``files`` source, ingested with words only."""
    base = tmp_path_factory.mktemp("nli-store")
    (base / "articles").mkdir()
    (base / "articles" / "coast.txt").write_text(ARTICLE, encoding="utf-8")
    (base / "sources.yaml").write_text(
        "sources:\n  - name: Wire\n    kind: files\n    path: articles\n    weight: 1.0\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROSSCHECK_EMBEDDER", "none")  # no embedding model to load
        e = Engine.open(base / "store.db", base / "sources.yaml")
        try:
            e.ingest()
        finally:
            e.close()
    return base


@pytest.fixture(scope="module")
def engine(store_dir: Path) -> Iterator[Engine]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROSSCHECK_EMBEDDER", "none")
        e = Engine.open(store_dir / "store.db", store_dir / "sources.yaml")
        yield e
        e.close()


@pytest.fixture
def with_model(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> NLIModel:
    monkeypatch.setenv("CROSSCHECK_EMBEDDER", "none")
    monkeypatch.setenv(nli.ENV_VAR, str(model_dir))
    monkeypatch.delenv(nli.COMMIT_ENV_VAR, raising=False)
    got = nli.get_model()
    assert got is not None
    return got


def _nli_notes(notes: Sequence[Note]) -> list[str]:
    return [n.text for n in notes if n.text.startswith("an inference model")]


def test_the_model_turns_a_negated_claim_into_disputed_with_its_note(
    engine: Engine, with_model: NLIModel
) -> None:
    (p,) = with_model.score([("Sea levels will rise by 50 cm this century, the panel of "
                              "scientists concluded.", NEGATED)])  # fmt: skip
    result = engine.check_text(NEGATED)
    assert result.verdict is Verdict.DISPUTED
    top = result.matches[0]
    assert top.stance is Stance.CONFLICTS and "Sea levels" in top.citation.quote
    assert top.confidence == pytest.approx(p.contradiction, abs=1e-4)
    assert _nli_notes(top.notes) == [
        f"an inference model reads the source as contradicting the claim ({p.contradiction:.2f})"
    ]


def test_a_plain_restatement_is_supported_on_the_models_word(
    engine: Engine, with_model: NLIModel
) -> None:
    result = engine.check_text(SAME)
    assert result.verdict is Verdict.SUPPORTED
    assert _nli_notes(result.matches[0].notes)[0].startswith(
        "an inference model reads the source as supporting the claim"
    )


def test_a_figure_conflict_stays_a_conflict_when_the_model_reads_agreement(
    engine: Engine, with_model: NLIModel
) -> None:
    source = "The Lisbon garrison has 10,000 troops, the ministry said."
    (p,) = with_model.score([(source, FIGURE)])
    assert p.entailment >= 0.9  # the model alone would agree
    result = engine.check_text(FIGURE)
    assert result.verdict is Verdict.DISPUTED
    top = result.matches[0]
    assert top.stance is Stance.CONFLICTS
    assert any("40,000" in n.text and "10,000" in n.text for n in top.notes)
    assert not _nli_notes(top.notes)


def test_a_source_that_only_reports_never_agrees(engine: Engine, with_model: NLIModel) -> None:
    (p,) = with_model.score([("The mayor of Porto reportedly resigned after the vote.", REPORTED)])
    assert p.entailment >= 0.9
    result = engine.check_text(REPORTED)
    assert result.verdict is Verdict.UNVERIFIED
    assert all(m.stance is not Stance.AGREES for m in result.matches)
    notes = _nli_notes(result.matches[0].notes)
    assert notes and notes[0].endswith("but the source only reports or hedges it: not counted")


def test_one_check_scores_its_judged_pairs_in_one_batch(
    engine: Engine, with_model: NLIModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = NLIModel.score

    def counted(self: NLIModel, pairs: Sequence[tuple[str, str]]) -> list[NLIScores]:
        calls.append(len(pairs))
        return real(self, pairs)

    monkeypatch.setattr(NLIModel, "score", counted)
    result = engine.check_text("After the vote, the new bridge opened and sea levels will rise")
    assert len([m for m in result.matches if m.score >= 0.3]) >= 2  # two pairs to judge
    assert calls == [len(result.matches)]  # all of them, in one call


def test_without_the_variable_nothing_is_loaded_and_no_note_appears(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(nli.ENV_VAR, raising=False)

    def refuse() -> None:
        raise AssertionError("the NLI model was asked for without CROSSCHECK_NLI_MODEL")

    monkeypatch.setattr("checks.evidence.get_model", refuse)
    for claim in (NEGATED, SAME, FIGURE, REPORTED):
        result = engine.check_text(claim)
        assert not [n for m in result.matches for n in _nli_notes(m.notes)]


@pytest.mark.e2e
def test_the_cli_says_in_one_line_that_the_configured_model_is_broken(
    store_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "nli"
    broken.mkdir()
    (broken / "model.onnx").write_bytes(b"not a model")
    env = child_env(nli_model=str(broken), embedder="none")
    db, sources = str(store_dir / "store.db"), str(store_dir / "sources.yaml")
    r = run_cli("--db", db, "--sources", sources, "check", SAME, cwd=tmp_path, env=env)
    assert r.returncode != 0
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("crosscheck: error: NLI model"), lines
    assert "tokenizer.json not found" in lines[0]
    assert "Traceback" not in r.stderr and not r.stdout.strip()


@pytest.mark.e2e
@pytest.mark.parametrize("command", [["config", "check"], ["serve", "--port", "0"]])
def test_a_broken_model_stops_config_check_and_serve_at_start_with_one_line(
    store_dir: Path, tmp_path: Path, command: list[str]
) -> None:
    broken = tmp_path / "nli"
    broken.mkdir()
    env = child_env(nli_model=str(broken), embedder="none")
    db, sources = str(store_dir / "store.db"), str(store_dir / "sources.yaml")
    r = run_cli("--db", db, "--sources", sources, *command, cwd=tmp_path, env=env)
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines == [f"crosscheck: error: NLI model {broken / 'model.onnx'}: model.onnx not found"]


@pytest.mark.e2e
def test_config_check_names_a_working_model(
    store_dir: Path, model_dir: Path, tmp_path: Path
) -> None:
    env = child_env(nli_model=str(model_dir), embedder="none")
    db, sources = str(store_dir / "store.db"), str(store_dir / "sources.yaml")
    r = run_cli("--db", db, "--sources", sources, "config", "check", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "ok NLI model nli:" in r.stdout
