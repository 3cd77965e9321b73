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
* ``"hash"`` — :class:`HashEmbedder`, a tiny deterministic stand-in for tests.
* ``"none"`` / ``"off"`` — no embedder: retrieval stays lexical.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from checks.errors import CheckError

__all__ = [
    "ENV_VAR",
    "INT8_SCALE",
    "EmbedModelError",
    "Embedder",
    "HashEmbedder",
    "cosine",
    "dequantize_int8",
    "dequantize_int8_many",
    "get_embedder",
    "quantize_int8",
    "quantize_int8_many",
]

log = logging.getLogger(__name__)

ENV_VAR = "CROSSCHECK_EMBEDDER"
INT8_SCALE = 127.0


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
    """A unit-length vector as ``dim`` signed bytes (fixed scale: component × 127, rounded)."""
    a = np.asarray(v, dtype=np.float32).reshape(-1)
    return np.clip(np.rint(a * INT8_SCALE), -127, 127).astype(np.int8).tobytes()


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
    return np.clip(np.rint(a * INT8_SCALE), -127, 127).astype(np.int8)


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
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            self._one(text, out[row])
        return _normalise_rows(out)


# ---------------------------------------------------------------------------- choosing one

_lock = threading.Lock()
_cache: dict[str, Embedder | None] = {}


def _minilm_available() -> bool:
    return False


def _build(spec: str) -> Embedder | None:
    if spec in ("none", "off", "lexical"):
        return None
    if spec == "hash":
        return HashEmbedder()
    if spec in ("minilm", "auto"):
        if spec == "auto" and not _minilm_available():
            log.info("embeddings off: the MiniLM model package is not installed")
            return None
        raise EmbedModelError("the MiniLM embedder is not built yet")
    raise EmbedModelError(
        f"unknown embedder {spec!r} (expected minilm, hash, none or off)", path=ENV_VAR
    )


def get_embedder(spec: str | None = None) -> Embedder | None:
    """The embedder named by ``spec`` or ``$CROSSCHECK_EMBEDDER``; built once per process.

    Without either, MiniLM when its package is installed, else ``None`` (lexical only).
    Raises :class:`EmbedModelError` for an unknown name or model files that fail their pinned hash.
    """
    key = (spec if spec is not None else os.environ.get(ENV_VAR, "") or "auto").strip().lower()
    with _lock:
        if key not in _cache:
            _cache[key] = _build(key)
        return _cache[key]
