"""Sentence embeddings: the hashing stand-in, the real MiniLM and its pinned files."""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from checks import embed
from checks.embed import (
    Embedder,
    EmbedModelError,
    HashEmbedder,
    MiniLMEmbedder,
    cosine,
    dequantize_int8,
    dequantize_int8_many,
    get_embedder,
    quantize_int8,
    quantize_int8_many,
)

# First 8 components of REF_SENTENCE from the fp32 reference forward pass of
# tools/verify_minilm.py (numpy BERT on the published safetensors weights, not onnxruntime).
REF_SENTENCE = "The city council approved the new budget on Tuesday."
REF_FIRST8 = [-0.01445, 0.01462, 0.0186, 0.08467, 0.07153, -0.02003, -0.02702, -0.0225]
# The int8 model differs from the fp32 reference by at most ~0.006 in any component (measured).
INT8_ATOL = 0.008

_ROOT = Path(__file__).resolve().parents[1]
_HAVE_MINILM = all(
    importlib.util.find_spec(m) is not None
    for m in ("onnxruntime", "tokenizers", embed.MINILM_PACKAGE)
)
needs_minilm = pytest.mark.skipif(
    not _HAVE_MINILM,
    reason=f"the MiniLM runtime or its model package ({embed.MINILM_PACKAGE}) is not installed",
)


# ---------------------------------------------------------------------------- hash embedder


def test_hash_embedder_is_deterministic_across_instances() -> None:
    texts = ["Inflation rose to 5 percent in May.", "The bridge was closed for repairs."]
    a = HashEmbedder().embed(texts)
    b = HashEmbedder().embed(list(reversed(texts)))[::-1]
    assert np.array_equal(a, b)


def test_hash_embedder_gives_the_same_vector_in_another_process() -> None:
    text = "Inflation rose to 5 percent in May."
    code = (
        "from checks.embed import HashEmbedder; import sys; "
        f"sys.stdout.buffer.write(HashEmbedder().embed([{text!r}]).tobytes())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, env=env, cwd=_ROOT
    )
    there = np.frombuffer(done.stdout, dtype=np.float32)
    assert np.array_equal(there, HashEmbedder().embed([text])[0])


def test_hash_embedder_rows_are_unit_length_float32_of_its_dim() -> None:
    v = HashEmbedder(dim=64).embed(["one claim", "another, longer claim about budgets"])
    assert v.dtype == np.float32
    assert v.shape == (2, 64)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_hash_embedder_empty_input_gives_zero_rows() -> None:
    assert HashEmbedder().embed([]).shape == (0, 384)


def test_hash_embedder_text_without_words_is_a_zero_row() -> None:
    v = HashEmbedder().embed(["", "  ... !!"])
    assert not v.any()


def test_hash_embedder_shared_words_are_closer_than_unrelated() -> None:
    v = HashEmbedder().embed(
        [
            "the vaccine reduces hospital admissions",
            "hospital admissions fell after the vaccine",
            "a cat slept on the warm windowsill",
        ]
    )
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_hash_embedder_satisfies_the_protocol() -> None:
    e = HashEmbedder()
    assert isinstance(e, Embedder)
    assert e.name.startswith("hash-") and e.dim == 384


# ---------------------------------------------------------------------------- quantization


def test_int8_round_trip_keeps_cosine_above_0_9995() -> None:
    rng = np.random.default_rng(7)
    m = rng.standard_normal((200, 384)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    back = dequantize_int8_many(quantize_int8_many(m))
    assert back.dtype == np.float32
    assert float((back * m).sum(axis=1).min()) > 0.9995


def test_int8_keeps_a_component_of_one_half_and_clips_only_beyond() -> None:
    v = np.zeros(384, dtype=np.float32)
    v[0], v[1] = 0.5, -0.5
    v[2:] = np.sqrt(0.5 / 382)
    q = np.frombuffer(quantize_int8(v), dtype=np.int8)
    assert q[0] == 127 and q[1] == -127
    assert cosine(dequantize_int8(quantize_int8(v)), v) > 0.999
    spike = np.zeros(384, dtype=np.float32)
    spike[5] = 1.0
    assert cosine(dequantize_int8(quantize_int8(spike)), spike) == pytest.approx(1.0)


def test_int8_single_vector_is_dim_bytes_and_matches_the_matrix_form() -> None:
    v = HashEmbedder().embed(["a claim about the harbour"])[0]
    blob = quantize_int8(v)
    assert len(blob) == 384
    assert blob == quantize_int8_many(v[None]).tobytes()
    assert cosine(dequantize_int8(blob), v) > 0.9995


def test_cosine_of_a_zero_vector_is_zero() -> None:
    assert cosine(np.zeros(4), np.ones(4)) == 0.0


# ---------------------------------------------------------------------------- choosing one


def test_get_embedder_off_and_none_mean_lexical_only() -> None:
    assert get_embedder("none") is None
    assert get_embedder("off") is None


def test_get_embedder_reads_the_environment_and_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embed.ENV_VAR, "hash")
    first = get_embedder()
    assert isinstance(first, HashEmbedder)
    assert get_embedder() is first


def _child_gets_its_own(parent_id: int, q: Any) -> None:
    q.put(id(get_embedder("hash")) != parent_id)


def test_get_embedder_builds_a_new_one_in_a_forked_child() -> None:
    parent = get_embedder("hash")
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_gets_its_own, args=(id(parent), q))
    p.start()
    fresh = q.get(timeout=30)
    p.join(timeout=30)
    assert fresh is True


def test_get_embedder_rejects_an_unknown_name() -> None:
    with pytest.raises(EmbedModelError, match="unknown embedder"):
        get_embedder("word2vec")


# ---------------------------------------------------------------------------- MiniLM


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    if not _HAVE_MINILM:
        pytest.skip(f"the MiniLM runtime or {embed.MINILM_PACKAGE} is not installed")
    return MiniLMEmbedder(threads=1)


@needs_minilm
def test_minilm_gives_unit_float32_rows_of_384(minilm: MiniLMEmbedder) -> None:
    v = minilm.embed(["Unemployment fell in March.", "ok", ""])
    assert v.dtype == np.float32 and v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)


@needs_minilm
def test_minilm_name_names_the_pinned_weights(minilm: MiniLMEmbedder) -> None:
    assert minilm.name == f"minilm-l6-v2-int8:{embed.MINILM_ONNX_SHA256[:12]}"
    assert isinstance(minilm, Embedder)


@needs_minilm
def test_minilm_paraphrase_scores_well_above_an_unrelated_sentence(
    minilm: MiniLMEmbedder,
) -> None:
    v = minilm.embed(
        [
            "Vaccines do not cause autism.",
            "There is no link between vaccination and autism.",
            "The recipe calls for two cups of flour.",
        ]
    )
    para, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert para > 0.7
    assert para - unrelated > 0.5


@needs_minilm
def test_minilm_matches_the_fp32_reference_vector(minilm: MiniLMEmbedder) -> None:
    v = minilm.embed([REF_SENTENCE])[0]
    assert np.allclose(v[:8], REF_FIRST8, atol=INT8_ATOL), v[:8].round(5).tolist()


@needs_minilm
def test_minilm_vector_does_not_depend_on_batch_or_order(minilm: MiniLMEmbedder) -> None:
    long = "A much longer sentence that forces padding of every shorter one in its batch " * 3
    alone = minilm.embed([REF_SENTENCE])[0]
    batch = minilm.embed(["short", long, REF_SENTENCE, "another one"])
    assert np.allclose(batch[2], alone, atol=1e-4)


@needs_minilm
def test_minilm_truncates_very_long_text(minilm: MiniLMEmbedder) -> None:
    v = minilm.embed(["word " * 2000])
    assert v.shape == (1, 384) and np.isfinite(v).all()


def _tampered_copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    data = bytearray(dst.read_bytes())
    data[len(data) // 2] ^= 0x01
    dst.write_bytes(bytes(data))
    return dst


@needs_minilm
def test_minilm_refuses_a_tampered_model_file(tmp_path: Path) -> None:
    bad = _tampered_copy(embed._default_onnx_path(), tmp_path / "model.onnx")
    with pytest.raises(EmbedModelError, match=r"model\.onnx.*not the verified file"):
        MiniLMEmbedder(model_path=bad, threads=1)


@needs_minilm
def test_minilm_refuses_a_tampered_tokenizer(tmp_path: Path) -> None:
    bad = _tampered_copy(embed._TOKENIZER_FILE, tmp_path / "tokenizer.json")
    with pytest.raises(EmbedModelError, match=r"tokenizer\.json.*not the verified file"):
        MiniLMEmbedder(tokenizer_path=bad, threads=1)


@needs_minilm
def test_minilm_loads_an_untampered_copy(tmp_path: Path) -> None:
    good = tmp_path / "model.onnx"
    shutil.copyfile(embed._default_onnx_path(), good)
    e = MiniLMEmbedder(model_path=good, threads=1)
    assert np.allclose(e.embed([REF_SENTENCE])[0][:8], REF_FIRST8, atol=INT8_ATOL)


@needs_minilm
def test_minilm_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(EmbedModelError, match="not found") as err:
        MiniLMEmbedder(model_path=tmp_path / "nope.onnx", threads=1)
    assert "nope.onnx" in str(err.value)


@needs_minilm
def test_get_embedder_defaults_to_minilm_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embed.ENV_VAR, raising=False)
    e = get_embedder()
    assert isinstance(e, MiniLMEmbedder)


@needs_minilm
def test_minilm_q8_variant_refuses_the_float_compute_model(tmp_path: Path) -> None:
    with pytest.raises(EmbedModelError, match="not the verified file"):
        MiniLMEmbedder(model_path=embed._default_onnx_path(), variant="q8", threads=1)


@needs_minilm
@pytest.mark.skipif(embed.MINILM_Q8_FILE.is_file(), reason="the int8-compute model is built here")
def test_minilm_q8_without_its_file_says_how_to_build_it() -> None:
    with pytest.raises(EmbedModelError, match=r"model-q8\.onnx.*tools/quantize_minilm\.py"):
        MiniLMEmbedder(variant="q8", threads=1)


@needs_minilm
@pytest.mark.skipif(
    not embed.MINILM_Q8_FILE.is_file(),
    reason="the opt-in int8-compute model is not built (tools/quantize_minilm.py)",
)
def test_minilm_q8_stays_close_to_the_reference() -> None:
    e = MiniLMEmbedder(variant="q8", threads=1)
    assert e.name == f"minilm-l6-v2-q8:{embed.MINILM_Q8_SHA256[:12]}"
    v = e.embed([REF_SENTENCE, "On Tuesday the council passed the new city budget.", "ok"])
    assert np.allclose(v[0][:8], REF_FIRST8, atol=0.03)
    assert v[0] @ v[1] > 0.8 and v[0] @ v[2] < 0.4


@needs_minilm
@pytest.mark.skipif(
    not embed.MINILM_Q8_FILE.is_file(),
    reason="the opt-in int8-compute model is not built (tools/quantize_minilm.py)",
)
def test_minilm_q8_vector_does_not_depend_on_its_batch() -> None:
    e = MiniLMEmbedder(variant="q8", threads=1)
    long = "A much longer sentence that forces padding of every shorter one in its batch " * 3
    alone = e.embed([REF_SENTENCE])[0]
    batch = e.embed(["short", long, REF_SENTENCE, "another one"])
    assert np.allclose(batch[2], alone, atol=1e-5)


@needs_minilm
def test_default_and_named_minilm_share_one_loaded_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embed.ENV_VAR, raising=False)
    assert get_embedder() is get_embedder("minilm") is get_embedder(" MiniLM ")


def test_get_embedder_remembers_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def failing(spec: str) -> None:
        calls.append(spec)
        raise EmbedModelError("model.onnx is not the verified file", path="/x/model.onnx")

    monkeypatch.setattr(embed, "_build", failing)
    for _ in range(3):
        with pytest.raises(EmbedModelError, match="not the verified file"):
            get_embedder("minilm-remembered")
    assert calls == ["minilm-remembered"]
