"""An optional natural-language-inference (NLI) model: does the source entail the claim,
contradict it, or neither?

Off by default: nothing here is loaded unless the operator points ``CROSSCHECK_NLI_MODEL`` at a
directory holding a cross-encoder exported to ONNX::

    DIR/model.onnx        inputs input_ids, attention_mask (token_type_ids if it has them);
                          one output of shape (batch, 3): a score per label
    DIR/tokenizer.json    the model's own tokenizer (Hugging Face ``tokenizers`` format)
    DIR/labels.json       the label of each output, in order: ["contradiction", "entailment", …]
      or DIR/config.json  with ``id2label`` (as Hugging Face / optimum export it)

Everything a caller needs::

    model = get_model()                    # None when CROSSCHECK_NLI_MODEL is not set
    if model is not None:
        probs = model.score([(source_sentence, claim), ...])   # one NLIScores per pair
        verdict = decide(alignment, probs[0])                   # None: the model has no say

The premise is the source's sentence and the hypothesis the claim. Pairs are tokenised together,
cut to :data:`MAX_TOKENS`, sorted by length and run in batches padded to the longest pair of the
batch; a softmax over the three scores gives the probabilities.

The model judges *polarity* only. :func:`decide` keeps the explainable notes of
:mod:`checks.align` as vetoes: a figure or date conflict stays a conflict by its own rule and
never turns into agreement; another speaker, or a source that only reports or hedges what the
claim asserts, is never counted either way on the model's word. Its ``confidence`` is the model's
own probability, which this project has not calibrated.

Any problem with the model (a missing file, an unreadable graph, unnamed labels, a wrong output
shape) raises :class:`NLIUnavailable` naming the file and what is wrong; the adapters print it as
one line, like every :class:`~checks.errors.CheckError`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from checks.align import Alignment
from checks.errors import ConfigError, NLIUnavailable
from checks.models import Note, NoteKind, Stance
from checks.stance import structural  # stance imports this module only inside judge()

__all__ = [
    "COMMIT_ENV_VAR",
    "DEFAULT_COMMIT",
    "ENV_VAR",
    "LABELS",
    "MAX_TOKENS",
    "SHA256_ENV_VAR",
    "THREADS_ENV_VAR",
    "NLIDecision",
    "NLIModel",
    "NLIScores",
    "NLIUnavailable",
    "commit_threshold",
    "decide",
    "get_model",
    "label_order",
]

log = logging.getLogger(__name__)

ENV_VAR = "CROSSCHECK_NLI_MODEL"
THREADS_ENV_VAR = "CROSSCHECK_NLI_THREADS"
COMMIT_ENV_VAR = "CROSSCHECK_NLI_COMMIT"
#: Optional: the sha256 the operator expects of ``model.onnx``; other bytes are refused.
SHA256_ENV_VAR = "CROSSCHECK_NLI_SHA256"
#: The probability of contradiction (or entailment) from which the model's word counts.
DEFAULT_COMMIT = 0.9
#: Premise and hypothesis together are cut to this many tokens (a claim and one sentence of
#: evidence rarely need half of it).
MAX_TOKENS = 256
#: The three labels, in the order :class:`NLIScores` keeps them.
LABELS = ("entailment", "neutral", "contradiction")
#: A pair whose clauses did not line up is judged only if its sentence has this share of the
#: claim's content words.
HIGH_COVERAGE = 0.8
_BATCH = 16


@dataclass(frozen=True, slots=True)
class NLIScores:
    """The model's probabilities for one (source sentence, claim) pair; they sum to 1."""

    entailment: float
    neutral: float
    contradiction: float


# --------------------------------------------------------------------------- label order


def _label_kind(name: str) -> str | None:
    low = name.strip().lower()
    for kind in LABELS:
        if low == kind or low.startswith(kind[:6]):  # "entails", "contradict", "neutrality"
            return kind
    return None


def _read_json(path: Path) -> Any:
    """A small JSON file of the model directory, or NLIUnavailable naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NLIUnavailable(f"{path.name} is not readable JSON ({exc})", path=str(path)) from exc


def _label_names(directory: Path) -> tuple[list[str], Path]:
    """The output labels in order, from labels.json (preferred) or config.json's id2label."""
    labels_file, config_file = directory / "labels.json", directory / "config.json"
    if labels_file.is_file():
        doc = _read_json(labels_file)
        if not isinstance(doc, list) or not all(isinstance(x, str) for x in doc):
            raise NLIUnavailable(
                "labels.json must be a list of label names in output order, e.g. "
                '["contradiction", "entailment", "neutral"]',
                path=str(labels_file),
            )
        return list(doc), labels_file
    if config_file.is_file():
        cfg = _read_json(config_file)
        id2label = cfg.get("id2label") if isinstance(cfg, dict) else None
        if not isinstance(id2label, dict) or not id2label:
            raise NLIUnavailable(
                "config.json has no id2label: add labels.json with the label of each output",
                path=str(config_file),
            )
        try:
            order = sorted((int(k), str(v)) for k, v in id2label.items())
        except ValueError:
            raise NLIUnavailable(
                "config.json id2label keys are not output numbers", path=str(config_file)
            ) from None
        if [i for i, _ in order] != list(range(len(order))):
            raise NLIUnavailable(
                "config.json id2label does not number the outputs 0, 1, 2", path=str(config_file)
            )
        return [v for _, v in order], config_file
    raise NLIUnavailable(
        "no label order: the directory needs labels.json or config.json (with id2label) "
        "saying which output is entailment, neutral and contradiction",
        path=str(directory),
    )


def label_order(directory: str | Path) -> tuple[int, int, int]:
    """The output index of entailment, neutral and contradiction for the model in ``directory``."""
    names, where = _label_names(Path(directory))
    kinds = [_label_kind(n) for n in names]
    if len(names) != 3 or sorted(k for k in kinds if k) != sorted(LABELS):
        raise NLIUnavailable(
            f"labels {names} do not name entailment, neutral and contradiction once each"
            + (
                " (generic LABEL_n names: add labels.json with the real names in output order)"
                if any(n.upper().startswith("LABEL_") for n in names)
                else ""
            ),
            path=str(where),
        )
    e, n, c = (kinds.index(k) for k in LABELS)
    return e, n, c


# --------------------------------------------------------------------------- the model


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _threads() -> int:
    env = os.environ.get(THREADS_ENV_VAR, "").strip()
    if not env:
        return 1
    if not env.isdigit() or int(env) < 1:
        raise ConfigError("must be a whole number of threads, 1 or more", field=THREADS_ENV_VAR)
    return int(env)


class NLIModel:
    """A cross-encoder on onnxruntime: (premise, hypothesis) pairs → three probabilities.

    ``name`` identifies the weights (``nli:`` + the first 12 hex digits of model.onnx's sha256),
    for logs and benchmark tables."""

    def __init__(
        self,
        directory: str | Path,
        *,
        threads: int = 1,
        max_tokens: int = MAX_TOKENS,
        batch_size: int = _BATCH,
    ) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from tokenizers import Tokenizer

        from checks.embed import cpu_session

        d = Path(directory)
        if not d.is_dir():
            raise NLIUnavailable("not a directory", path=str(d))
        onnx_path, tok_path = d / "model.onnx", d / "tokenizer.json"
        for p in (onnx_path, tok_path):
            if not p.is_file():
                raise NLIUnavailable(f"{p.name} not found", path=str(p))
        self.order = label_order(d)
        digest = _sha256_file(onnx_path)
        pinned = os.environ.get(SHA256_ENV_VAR, "").strip().lower()
        if pinned and pinned != digest:
            raise NLIUnavailable(
                f"model.onnx is not the file {SHA256_ENV_VAR} names (sha256 {digest[:16]}…, "
                f"expected {pinned[:16]}…); refusing to load it",
                path=str(onnx_path),
            )
        try:
            self._tokenizer = Tokenizer.from_file(str(tok_path))
        except Exception as exc:  # the library raises its own untyped errors
            raise NLIUnavailable(
                f"tokenizer.json cannot be read by tokenizers ({exc})", path=str(tok_path)
            ) from exc
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._pad_id = next(
            (
                i
                for t in ("[PAD]", "<pad>", "<PAD>")
                if (i := self._tokenizer.token_to_id(t)) is not None
            ),
            0,
        )
        try:
            self._session = cpu_session(onnx_path, threads)
        except Exception as exc:  # onnxruntime raises its own untyped errors for a bad graph
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise NLIUnavailable(
                f"model.onnx is not a model onnxruntime can load ({first[:200]})",
                path=str(onnx_path),
            ) from exc
        # most exports take int64 ids; a few take int32
        self._inputs = {
            i.name: np.int32 if i.type == "tensor(int32)" else np.int64
            for i in self._session.get_inputs()
        }
        missing = {"input_ids", "attention_mask"} - set(self._inputs)
        extra = set(self._inputs) - {"input_ids", "attention_mask", "token_type_ids"}
        if missing or extra:
            fault = (
                f"has no input {', '.join(sorted(missing))}"
                if missing
                else f"asks for inputs Crosscheck does not give ({', '.join(sorted(extra))})"
            )
            raise NLIUnavailable(
                f"model.onnx {fault}; its inputs: {', '.join(sorted(self._inputs))}",
                path=str(onnx_path),
            )
        outputs = self._session.get_outputs()
        named = [o for o in outputs if o.name == "logits"]
        self._output = (named or outputs)[0].name
        shape = (named or outputs)[0].shape
        if shape and isinstance(shape[-1], int) and (len(shape) != 2 or shape[-1] != 3):
            raise NLIUnavailable(
                f"model.onnx output {self._output!r} has shape {list(shape)}; "
                "expected (batch, 3): one score per label",
                path=str(onnx_path),
            )
        self.path = onnx_path
        self.name = f"nli:{digest[:12]}"
        self.threads = threads
        self.batch_size = max(1, batch_size)
        log.info("NLI model %s loaded from %s (%d threads)", self.name, d, threads)

    def _run(self, encs: Sequence[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encs)
        ids = np.full((len(encs), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        types = np.zeros((len(encs), width), dtype=np.int64)
        for i, e in enumerate(encs):
            n = len(e.ids)
            ids[i, :n] = e.ids
            mask[i, :n] = 1
            types[i, :n] = e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        feeds = {k: v.astype(self._inputs[k], copy=False) for k, v in feeds.items()}
        try:
            out = np.asarray(self._session.run([self._output], feeds)[0], dtype=np.float64)
        except Exception as exc:  # onnxruntime's own errors: a graph that cannot run these inputs
            raise NLIUnavailable(
                f"model.onnx failed on a batch ({str(exc).strip()[:200]})", path=str(self.path)
            ) from exc
        if out.shape != (len(encs), 3):
            raise NLIUnavailable(
                f"model.onnx gave scores of shape {list(out.shape)} for {len(encs)} pairs; "
                "expected one row of 3 scores per pair",
                path=str(self.path),
            )
        return out

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The raw scores (n, 3) in the model's own output order, for (premise, hypothesis)."""
        out = np.zeros((len(pairs), 3), dtype=np.float64)
        if not pairs:
            return out
        encs = self._tokenizer.encode_batch([(p, h) for p, h in pairs])
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._run([encs[i] for i in idx])
        return out

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[NLIScores]:
        """P(entailment), P(neutral), P(contradiction) of each (premise, hypothesis) pair."""
        z = self.logits(pairs)
        if not len(z):
            return []
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        e, n, c = self.order
        return [NLIScores(float(r[e]), float(r[n]), float(r[c])) for r in p]


@functools.cache
def _load(directory: str, threads: int, pid: int) -> NLIModel | NLIUnavailable:
    """The model of ``directory``, once per process (a failure is remembered too)."""
    del pid  # part of the key only: a forked child must not reuse its parent's session
    try:
        return NLIModel(directory, threads=threads)
    except NLIUnavailable as exc:  # the adapters report it (one line); no second line here
        log.debug("NLI model unavailable: %s", exc)
        return exc


def get_model() -> NLIModel | None:
    """The model ``$CROSSCHECK_NLI_MODEL`` names, loaded once per process; ``None`` when unset.

    Raises :class:`NLIUnavailable` when it is set but unusable, every time it is asked for
    (the model is not silently dropped: the operator asked for it)."""
    directory = os.environ.get(ENV_VAR, "").strip()
    if not directory:
        return None
    got = _load(str(Path(directory).expanduser().resolve()), _threads(), os.getpid())
    if isinstance(got, NLIUnavailable):
        raise got
    return got


def commit_threshold() -> float:
    """``$CROSSCHECK_NLI_COMMIT``, or :data:`DEFAULT_COMMIT`; above 0.5 and at most 1."""
    raw = os.environ.get(COMMIT_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_COMMIT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0.5 < value <= 1.0:
        raise ConfigError(
            f"must be a probability above 0.5 and at most 1 (got {raw!r})", field=COMMIT_ENV_VAR
        )
    return value


# --------------------------------------------------------------------------- deciding


@dataclass(frozen=True, slots=True)
class NLIDecision:
    """What the model's probabilities mean for one pair, after the explainable vetoes."""

    stance: Stance
    confidence: float  # the model's probability of the committed label (0 for related)
    notes: tuple[Note, ...] = ()


def _source_soft(al: Alignment) -> bool:
    """The source only reports or hedges what the claim asserts."""
    if al.source_reported:
        return True
    source_soft = al.feature("source_hedged") > 0 or al.feature("hedge_cue") > 0
    return al.feature("hedge_mismatch") > 0 and source_soft


def decide(al: Alignment, p: NLIScores, *, commit: float | None = None) -> NLIDecision | None:
    """The stance the model's probabilities ``p`` give an aligned pair, or ``None`` when the
    model has no say (the pair did not line up and covers too little of the claim, or a figure
    or date conflict decides by its own rule).

    The pair must already have passed the relevance and entity gates (``checks.stance.gated``).
    Contradiction ≥ ``commit`` conflicts and entailment ≥ ``commit`` agrees, unless vetoed:
    a figure or date conflict never agrees; another speaker, or a source that only reports or
    hedges what the claim asserts, counts neither way. A claim that hedges ("may") is read with
    its hedge: a source hedging as much may agree with it."""
    t = commit_threshold() if commit is None else commit
    if structural(al):  # the figure/date rule of checks.stance decides
        return None
    if not (al.aligned or al.feature("coverage") >= HIGH_COVERAGE):
        return None
    side: tuple[Stance, float, str] | None = None
    if p.contradiction >= t and p.contradiction > p.entailment:
        side = (Stance.CONFLICTS, p.contradiction, "contradicting")
    elif p.entailment >= t and p.entailment > p.contradiction:
        side = (Stance.AGREES, p.entailment, "supporting")
    if side is None:
        return NLIDecision(Stance.RELATED, 0.0)
    stance, prob, how = side
    read = f"an inference model reads the source as {how} the claim ({prob:.2f})"
    veto = None
    if al.speakers:
        veto = "but the source gives it to another speaker"
    elif _source_soft(al):
        veto = "but the source only reports or hedges it"
    elif stance is Stance.AGREES and al.conflicts:
        veto = "but a figure or date differs"
    if veto:
        return NLIDecision(
            Stance.RELATED,
            0.0,
            (Note(kind=NoteKind.POLARITY, text=f"{read}, {veto}: not counted"),),
        )
    note = Note(kind=NoteKind.POLARITY, text=read, conflict=stance is Stance.CONFLICTS)
    return NLIDecision(stance, round(prob, 4), (note,))
