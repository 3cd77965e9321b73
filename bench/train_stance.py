"""Train the stance model (checks/data/stance_model.json) from labelled (claim, evidence) sets.

    .venv/bin/python bench/train_stance.py [--fnc1 DIR] [--healthver DIR] [--out FILE]
                                           [--cross-only] [--seed 0]

For every pair the evidence is split into sentences with the engine's own splitter
(``checks.claims.split_claims``), each sentence gets the matcher's relevance to the claim (IDF
from the pair's own sentences, as in a store holding only that evidence; the larger of that and
the relevance by meaning, the cosine of the sentence vectors, when the embedder is installed, as
the engine's hybrid retrieval computes it; ``--words-only`` leaves vectors out), the ones above the
matcher's floor (``MatchSettings.min_relevance``, best ``top`` of them) are the candidates, and
each (claim, candidate) is aligned and compared by ``checks.align.compare`` — the same features
the engine computes per match at check time.

Labels are per pair, features per sentence, so training is multiple-instance: a *supports* or
*refutes* pair contributes its most decisive sentence (the one the current model finds most in
favour of the label; at first the most relevant), a *neither* pair its two most tempting ones
(those the current model is surest about), for a few rounds. The model is a multinomial logistic
regression (numpy, full-batch gradient descent, L2, fixed seed: the same data give the same
file). Its pair-level answer is what the engine does: each sentence is judged by
``checks.stance.decide_stance`` and the most confident committed sentence speaks.

Calibration and thresholds are chosen on the *training* side only: a Platt fit of the pooled
probability against "the answer was right", then, per side (agree, conflict), the lowest
confidence from which committed precision on the training pairs is at least ``--precision``
(default 0.90). Validation is across data sets: trained on ``fnc1`` and measured on
``healthver-dev``, and the reverse; the shipped model is trained on both (the FNC-1 pairs of
``bench/verify.py``'s default stratified sample, seed 0, are held out so that its FNC-1 figures
stay unseen).

Sentence parses are cached in ``bench/.cache/stance-parses.jsonl`` (text → frames JSON), sentence
vectors in ``bench/.cache/stance-vectors.pkl``.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import pickle
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, today
from verify import DataSet, Pair, load, stratified_sample

from checks.align import FEATURES, compare, side
from checks.claims import features as claim_features
from checks.claims import split_claims
from checks.frames import FRAMES_VERSION, ClaimParse, parse_claims
from checks.match import MatchSettings, dense_relevance, relevance
from checks.models import Stance
from checks.stance import (
    StanceModel,
    StanceSettings,
    called_false,
    decide_stance,
    gated,
    same_figure,
    structural,
)
from checks.text_index import query_terms, stem

CLASSES = ("supports", "refutes", "neither")
CACHE = ROOT / "bench" / ".cache" / "stance-parses.jsonl"
VECTORS = ROOT / "bench" / ".cache" / "stance-vectors.pkl"
DEFAULT_FNC1 = ROOT.parent / "shared" / "bench" / "fnc1"
DEFAULT_HEALTHVER = ROOT.parent / "shared" / "bench" / "healthver-dev"
DEFAULT_OUT = ROOT / "checks" / "data" / "stance_model.json"
_TITLE = "Evidence"  # as bench/verify.py titles the evidence article


# --------------------------------------------------------------------------- parses


class Parses:
    """Sentence parses, cached on disk by text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, ClaimParse] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                p = ClaimParse.from_json(row["p"])
                if p.current:
                    self.data[row["t"]] = p

    def ensure(self, texts: Sequence[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self.data]
        if not todo:
            return
        t0 = time.perf_counter()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            for i in range(0, len(todo), 512):
                chunk = todo[i : i + 512]
                for t, p in zip(chunk, parse_claims(chunk), strict=True):
                    self.data[t] = p
                    fh.write(json.dumps({"t": t, "p": p.to_json()}) + "\n")
        print(f"  parsed {len(todo):,} sentences in {time.perf_counter() - t0:.0f} s", flush=True)


# --------------------------------------------------------------------------- candidates


@dataclass
class Example:
    """One pair: its label, the raw label, a sampling weight, and a vector per candidate."""

    pid: str
    label: str
    raw: str
    weight: float
    vectors: np.ndarray  # (n candidates, n features)
    aligns: list[Any]  # the Alignment of each candidate (for the pooled decision)


def _idf(sentences: Sequence[str]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for s in sentences:
        df.update({stem(t) for t in query_terms(s)})
    n = len(sentences)
    return {t: math.log(1 + (n + 1) / (f + 1)) for t, f in df.items()}


@functools.lru_cache(maxsize=4096)
def _sentences(evidence: str) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, float], ...]]:
    body = evidence.replace("\r\n", "\n").strip()
    claims = split_claims(body, title=_TITLE)
    sents = [c.text for c in claims]
    return tuple((c.text, c.features) for c in claims), tuple(_idf(sents).items())


class Vectors:
    """Sentence vectors of the engine's embedder, cached on disk by text (none: words only)."""

    def __init__(self, path: Path, enabled: bool = True) -> None:
        self.path = path
        self.data: dict[str, np.ndarray] = {}
        self.embedder: Any = None
        if enabled:
            from checks.embed import get_embedder

            self.embedder = get_embedder()
        if self.embedder is not None and path.exists():
            name, data = pickle.loads(path.read_bytes())
            if name == self.embedder.name:
                self.data = data

    @property
    def name(self) -> str:
        return self.embedder.name if self.embedder is not None else "none"

    def ensure(self, texts: Sequence[str]) -> None:
        if self.embedder is None:
            return
        todo = [t for t in dict.fromkeys(texts) if t not in self.data]
        if not todo:
            return
        t0 = time.perf_counter()
        for i in range(0, len(todo), 256):
            chunk = todo[i : i + 256]
            for t, v in zip(chunk, self.embedder.embed(chunk), strict=True):
                self.data[t] = np.asarray(v, dtype=np.float32)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(pickle.dumps((self.embedder.name, self.data)))
        print(f"  embedded {len(todo):,} sentences in {time.perf_counter() - t0:.0f} s", flush=True)

    def cosine(self, a: str, b: str) -> float | None:
        if self.embedder is None:
            return None
        va, vb = self.data[a], self.data[b]
        n = float(np.linalg.norm(va) * np.linalg.norm(vb))
        return float(va @ vb) / n if n else 0.0


def candidates(
    claim: str, evidence: str, ms: MatchSettings, vectors: Vectors | None = None
) -> list[tuple[str, float]]:
    """The evidence sentences the matcher would hand to stance, with their relevance: the
    larger of the words' relevance and the meaning's (cosine of the sentence vectors, when
    the embedder is installed), as ``checks.match.find_matches`` computes it."""
    sents, idf_items = _sentences(evidence)
    if not sents:
        return []
    idf = dict(idf_items)
    cf = claim_features(claim)
    scored = []
    for s, f in sents:
        rel = relevance(claim, cf, s, f, idf=idf, settings=ms)
        cos = vectors.cosine(claim, s) if vectors is not None else None
        if cos is not None:
            rel = max(rel, dense_relevance(cos, ms))
        scored.append((s, rel))
    kept = [x for x in scored if x[1] >= ms.min_relevance]
    kept.sort(key=lambda x: -x[1])
    return kept[: ms.top]


def build(
    data: DataSet,
    pairs: Sequence[Pair],
    weights: dict[str, float],
    parses: Parses,
    vectors: Vectors | None = None,
) -> list[Example]:
    ms = MatchSettings()
    gates = StanceSettings()
    t0 = time.perf_counter()
    if vectors is not None:
        texts = [p.claim for p in pairs]
        for p in pairs:
            texts += [s for s, _ in _sentences(data.evidence[p.evidence_id])[0]]
        vectors.ensure(texts)
    cands = [candidates(p.claim, data.evidence[p.evidence_id], ms, vectors) for p in pairs]
    parses.ensure([p.claim for p in pairs] + [s for c in cands for s, _ in c])
    out: list[Example] = []
    for p, cand in zip(pairs, cands, strict=True):
        if not cand:
            out.append(
                Example(
                    p.id,
                    p.label,
                    p.raw_label,
                    weights[p.raw_label],
                    np.zeros((0, len(FEATURES))),
                    [],
                )
            )
            continue
        q = side(p.claim, parse=parses.data.get(p.claim), parsed=False)
        sides = [(side(s, parse=parses.data.get(s), parsed=False), r) for s, r in cand]
        # the gates judge applies before comparing (relevance floor, shared named entities)
        sides = [(x, r) for x, r in sides if gated(q, x, r, gates)]
        aligns = [compare(q, x, r) for x, r in sides]
        vec = np.array([a.vector for a in aligns], dtype=np.float64)
        out.append(Example(p.id, p.label, p.raw_label, weights[p.raw_label], vec, aligns))
    print(
        f"  {data.name}: {len(pairs):,} pairs, {sum(len(e.aligns) for e in out):,} candidates "
        f"({time.perf_counter() - t0:.0f} s)",
        flush=True,
    )
    return out


# --------------------------------------------------------------------------- training


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_lr(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-3, iters: int = 3000
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by full-batch gradient descent (Adam), deterministic."""
    d = x.shape[1]
    k = len(CLASSES)
    W = np.zeros((k, d))
    b = np.zeros(k)
    onehot = np.eye(k)[y]
    ws = w / w.sum()
    m_w, v_w, m_b, v_b = (np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b))
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, iters + 1):
        p = _softmax(x @ W.T + b)
        g = (p - onehot) * ws[:, None]
        gW = g.T @ x + l2 * W
        gb = g.sum(axis=0)
        m_w = b1 * m_w + (1 - b1) * gW
        v_w = b2 * v_w + (1 - b2) * gW**2
        m_b = b1 * m_b + (1 - b1) * gb
        v_b = b2 * v_b + (1 - b2) * gb**2
        W -= lr * (m_w / (1 - b1**t)) / (np.sqrt(v_w / (1 - b2**t)) + eps)
        b -= lr * (m_b / (1 - b1**t)) / (np.sqrt(v_b / (1 - b2**t)) + eps)
    return W, b


def _probs(W: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _softmax(x @ W.T + b) if len(x) else np.zeros((0, len(CLASSES)))


def train_mil(examples: Sequence[Example], rounds: int = 4) -> tuple[np.ndarray, np.ndarray]:
    W = b = None
    rel = FEATURES.index("relevance")
    cov = FEATURES.index("coverage")
    for _ in range(rounds):
        xs, ys, ws = [], [], []
        for e in examples:
            if not len(e.vectors):
                continue
            cls = CLASSES.index(e.label)
            if W is None:
                order = np.argsort(-(e.vectors[:, rel] + e.vectors[:, cov]))
            else:
                p = _probs(W, b, e.vectors)
                order = np.argsort(-(p[:, cls] if cls < 2 else p[:, :2].max(axis=1)))
            take = order[:1] if cls < 2 else order[:2]
            for i in take:
                xs.append(e.vectors[i])
                ys.append(cls)
                ws.append(e.weight / len(take))
        W, b = fit_lr(np.array(xs), np.array(ys), np.array(ws))
    assert W is not None and b is not None
    return W, b


def _model(
    W: np.ndarray,
    b: np.ndarray,
    calibration: dict[str, tuple[float, float]],
    thresholds: dict[str, float],
    rule: float,
    meta: dict[str, Any],
    flip: float = 0.0,
    same: float = 0.0,
    false: float = 0.0,
) -> StanceModel:
    return StanceModel.from_dict(
        {
            "features": list(FEATURES),
            "weights": W.tolist(),
            "bias": b.tolist(),
            "calibration": {k: list(v) for k, v in calibration.items()},
            "thresholds": thresholds,
            "rule_confidence": rule,
            "flip_confidence": flip,
            "same_confidence": same,
            "false_confidence": false,
            "meta": meta,
        }
    )


def roles(model: StanceModel, e: Example) -> list[tuple[str, float]]:
    """Each candidate's role whatever the thresholds: ("rule" | "conflict" | "agree" | "", conf)."""
    out = []
    for a in e.aligns:
        stance, conf, _ = decide_stance(a, model, 0.0)
        if (
            structural(a)
            or called_false(a)
            or a.feature("clean_flip") > 0
            or (stance is Stance.AGREES and same_figure(a))
        ):
            out.append(("rule", conf))
        elif stance is Stance.CONFLICTS:
            out.append(("conflict", conf))
        elif stance is Stance.AGREES:
            out.append(("agree", conf))
    return out


def pooled_roles(rs: Sequence[tuple[str, float]], ta: float, tc: float) -> tuple[str, float]:
    best = ("neither", 0.0)
    for role, conf in rs:
        if (role == "agree" and conf < ta) or (role == "conflict" and conf < tc):
            continue
        if conf > best[1]:
            best = ("supports" if role == "agree" else "refutes", conf)
    return best


def pooled(model: StanceModel, e: Example, commit: float | None = None) -> tuple[str, float]:
    """The engine's answer on one pair: the most confident committed sentence speaks."""
    best = ("neither", 0.0)
    for a in e.aligns:
        stance, conf, _ = decide_stance(a, model, commit)
        if stance is Stance.RELATED:
            continue
        answer = "supports" if stance is Stance.AGREES else "refutes"
        if conf > best[1]:
            best = (answer, conf)
    return best


def raw_pooled(model: StanceModel, e: Example) -> list[tuple[str, float, bool]]:
    """Per side, the highest raw probability over the pair's sentences and whether that side
    would be right: what calibration is fitted on."""
    out = []
    for side_name, idx, answer in (("agree", 0, "supports"), ("conflict", 1, "refutes")):
        best = 0.0
        for a in e.aligns:
            pa, pc, _ = model.probabilities(a.vector)
            p = (pa, pc)[idx]
            if p > (pc, pa)[idx]:
                best = max(best, p)
        if best > 0:
            out.append((side_name, best, e.label == answer))
    return out


def fit_platt(ps: Sequence[float], ok: Sequence[bool], w: Sequence[float]) -> tuple[float, float]:
    if len(ps) < 10:
        return 1.0, 0.0
    x = np.array(
        [math.log(min(max(p, 1e-6), 1 - 1e-6) / (1 - min(max(p, 1e-6), 1 - 1e-6))) for p in ps]
    )
    y = np.array(ok, dtype=np.float64)
    ww = np.array(w) / np.sum(w)
    a, c = 1.0, 0.0
    for _ in range(4000):
        z = a * x + c
        p = 1 / (1 + np.exp(-z))
        g = (p - y) * ww
        a -= 0.5 * float((g * x).sum() + 1e-3 * (a - 1))
        c -= 0.5 * float(g.sum())
    return a, c


def scores(
    model: StanceModel, examples: Sequence[Example], commit: float | None = None
) -> dict[str, Any]:
    """Weighted scores as bench/verify.py counts them (weights restore the set's label shares)."""
    committed = right = opposite = found_right = 0.0
    pos = 0.0
    hi = hi_right = 0.0
    for e in examples:
        ans, conf = pooled(model, e, commit)
        w = e.weight
        if e.label != "neither":
            pos += w
        if ans != "neither":
            committed += w
            right += w * (ans == e.label)
            if conf >= 0.8:
                hi += w
                hi_right += w * (ans == e.label)
            if e.label != "neither" and ans != e.label:
                opposite += w
            if ans == e.label:
                found_right += w
    return {
        "committed_precision": right / committed if committed else float("nan"),
        "commits": committed,
        "recall": found_right / pos if pos else float("nan"),
        "opposite": opposite / pos if pos else float("nan"),
        "share_right_at_0.8": hi_right / hi if hi else float("nan"),
        "answers_at_0.8": hi,
    }


def _rule_precision(examples: Sequence[Example], fires: Any, want: str = "refutes") -> float:
    hits = right = 0.0
    for e in examples:
        if any(fires(a) for a in e.aligns):
            hits += e.weight
            right += e.weight * (e.label == want)
    return (right + 1) / (hits + 2)


def choose(
    W: np.ndarray,
    b: np.ndarray,
    examples: Sequence[Example],
    precision: float,
    meta: dict[str, Any],
) -> StanceModel:
    """Calibrate and choose thresholds on the training examples."""
    neutral = _model(W, b, {}, {"agree": 0.0, "conflict": 0.0}, 1.0, meta, 1.0, 1.0, 1.0)
    per: dict[str, tuple[list[float], list[bool], list[float]]] = defaultdict(lambda: ([], [], []))
    for e in examples:
        for side_name, p, ok in raw_pooled(neutral, e):
            per[side_name][0].append(p)
            per[side_name][1].append(ok)
            per[side_name][2].append(e.weight)
    calibration = {k: fit_platt(*per[k]) for k in ("agree", "conflict")}
    # the explainable rules' confidence: how often a pair they fired on was refuted (Laplace:
    # few such pairs in these sets)
    rule = _rule_precision(examples, structural)
    false = _rule_precision(examples, lambda a: called_false(a) and not structural(a))
    flip = _rule_precision(
        examples,
        lambda a: a.feature("clean_flip") > 0 and not structural(a) and not called_false(a),
    )
    same = _rule_precision(examples, same_figure, "supports")
    meta = {
        **meta,
        "rules": {
            "figure_date_conflict": rule,
            "called_false": false,
            "clean_flip": flip,
            "same_figure": same,
        },
    }
    thresholds = {"agree": 1.01, "conflict": 1.01}
    grid = [x / 100 for x in range(30, 100)]
    calibrated = _model(W, b, calibration, thresholds, rule, meta, flip, same, false)
    all_roles = [(e, roles(calibrated, e)) for e in examples]
    for side_name in ("agree", "conflict"):
        want = "supports" if side_name == "agree" else "refutes"
        for t in grid:
            trial = dict(thresholds)
            trial[side_name] = t
            got = right = 0.0
            for e, rs in all_roles:
                ans, _ = pooled_roles(rs, trial["agree"], trial["conflict"])
                if ans == want:
                    got += e.weight
                    right += e.weight * (e.label == want)
            if got >= 5 and right / got >= precision:
                thresholds[side_name] = t
                break
    return _model(W, b, calibration, thresholds, rule, meta, flip, same, false)


# --------------------------------------------------------------------------- data sets


def _weights(all_pairs: Sequence[Pair], chosen: Sequence[Pair]) -> dict[str, float]:
    """Weights that give each raw label its share of the whole set."""
    full = Counter(p.raw_label for p in all_pairs)
    got = Counter(p.raw_label for p in chosen)
    n_full, n_got = sum(full.values()), sum(got.values())
    return {k: (full[k] / n_full) / (got[k] / n_got) for k in got}


def fnc1_training(data: DataSet, seed: int, per_neither: int) -> list[Pair]:
    """FNC-1 pairs for training: all agree/disagree and a sample of discuss/unrelated, without
    the pairs of verify.py's default evaluation sample (stratified 2,000, seed 0)."""
    held = {p.id for p in stratified_sample(data.pairs, 2000, 0)}
    rest = [p for p in data.pairs if p.id not in held]
    rng = random.Random(seed)
    out = [p for p in rest if p.label != "neither"]
    for raw in ("discuss", "unrelated"):
        pool = [p for p in rest if p.raw_label == raw]
        out += rng.sample(pool, min(per_neither, len(pool)))
    return out


def _code_key(args: argparse.Namespace, vectors: str) -> str:
    """Built examples are reused only while the code and data that make them are unchanged."""
    h = hashlib.sha256(f"{FRAMES_VERSION} {args.seed} {args.per_neither} {vectors}".encode())
    for mod in ("align", "claims", "match", "lexicon", "frames", "text_index", "stance"):
        h.update((ROOT / "checks" / f"{mod}.py").read_bytes())
    h.update(Path(__file__).read_bytes())
    for d in (args.fnc1, args.healthver):
        for f in sorted(d.glob("*.csv")):
            h.update(f"{f.name} {f.stat().st_size}".encode())
    return h.hexdigest()[:16]


def _fmt(s: dict[str, Any]) -> str:
    return (
        f"committed precision {s['committed_precision']:.3f} (commits {s['commits']:.0f}), "
        f"recall {s['recall']:.3f}, opposite {100 * s['opposite']:.1f} %, "
        f"right at ≥0.8 {s['share_right_at_0.8']:.3f} of {s['answers_at_0.8']:.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fnc1", type=Path, default=DEFAULT_FNC1)
    ap.add_argument("--healthver", type=Path, default=DEFAULT_HEALTHVER)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-neither", type=int, default=2500, help="FNC-1 discuss/unrelated pairs")
    ap.add_argument("--precision", type=float, default=0.90)
    ap.add_argument("--cross-only", action="store_true", help="validate; do not write the model")
    ap.add_argument(
        "--words-only", action="store_true", help="candidates by words alone (no sentence vectors)"
    )
    args = ap.parse_args(argv)
    np.random.seed(args.seed)
    parses = Parses(CACHE)
    vectors = Vectors(VECTORS, enabled=not args.words_only)

    fnc = load(args.fnc1)
    hv = load(args.healthver)
    fnc_train_pairs = fnc1_training(fnc, args.seed, args.per_neither)
    fnc_eval_pairs = stratified_sample(fnc.pairs, 2000, 0)
    print("features …", flush=True)
    key = _code_key(args, vectors.name)
    cached = CACHE.parent / f"stance-examples-{key}.pkl"
    if cached.exists():
        fnc_train, fnc_eval, hv_all = pickle.loads(cached.read_bytes())
    else:
        one = dict.fromkeys({p.raw_label for p in fnc.pairs}, 1.0)
        fnc_w = _weights(fnc.pairs, fnc_train_pairs)
        fnc_train = build(fnc, fnc_train_pairs, fnc_w, parses, vectors)
        fnc_eval = build(fnc, fnc_eval_pairs, one, parses, vectors)
        hv_one = dict.fromkeys({p.raw_label for p in hv.pairs}, 1.0)
        hv_all = build(hv, hv.pairs, hv_one, parses, vectors)
        for old in CACHE.parent.glob("stance-examples-*.pkl"):
            old.unlink()
        cached.write_bytes(pickle.dumps((fnc_train, fnc_eval, hv_all)))

    report: dict[str, Any] = {}
    meta_base = {
        "frames_version": FRAMES_VERSION,
        "seed": args.seed,
        "precision_target": args.precision,
    }
    for name, train, test in (
        ("fnc1 → healthver-dev", fnc_train, hv_all),
        ("healthver-dev → fnc1", hv_all, fnc_eval),
    ):
        W, b = train_mil(train)
        m = choose(W, b, train, args.precision, {**meta_base, "trained_on": name})
        tr, te = scores(m, train), scores(m, test)
        print(
            f"{name}: thresholds {m.thresholds}, figure/date rule {m.rule_confidence:.2f}, "
            f"flip rule {m.flip_confidence:.2f}, same-figure rule {m.same_confidence:.2f}, "
            f"called-false rule {m.false_confidence:.2f}"
        )
        print(f"  train: {_fmt(tr)}")
        print(f"  test:  {_fmt(te)}")
        report[name] = {"thresholds": m.thresholds, "train": tr, "test": te}
    if args.cross_only:
        return 0
    both = fnc_train + hv_all
    W, b = train_mil(both)
    meta = {
        **meta_base,
        "trained_on": "fnc1 (all agree/disagree, sampled discuss/unrelated, verify.py's seed-0 "
        "sample held out) + healthver-dev",
        "date": today(),
        "cross_validation": {
            k: {"thresholds": v["thresholds"], "test": v["test"]} for k, v in report.items()
        },
    }
    m = choose(W, b, both, args.precision, meta)
    print(
        f"shipped: thresholds {m.thresholds}, figure/date rule {m.rule_confidence:.2f}, "
        f"flip rule {m.flip_confidence:.2f}, same-figure rule {m.same_confidence:.2f}, "
        f"called-false rule {m.false_confidence:.2f}"
    )
    print(f"  fnc1 train: {_fmt(scores(m, fnc_train))}")
    print(f"  healthver (in training): {_fmt(scores(m, hv_all))}")
    print(f"  fnc1 held-out sample: {_fmt(scores(m, fnc_eval))}")
    doc = {
        "features": list(FEATURES),
        "classes": ["agree", "conflict", "neither"],
        "weights": [[round(float(x), 6) for x in row] for row in W],
        "bias": [round(float(x), 6) for x in b],
        "calibration": {k: [round(v[0], 6), round(v[1], 6)] for k, v in m.calibration.items()},
        "thresholds": m.thresholds,
        "rule_confidence": round(m.rule_confidence, 4),
        "flip_confidence": round(m.flip_confidence, 4),
        "same_confidence": round(m.same_confidence, 4),
        "false_confidence": round(m.false_confidence, 4),
        "meta": _clean(meta),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:12]
    print(f"wrote {args.out} ({digest})")
    return 0


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 4)
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


if __name__ == "__main__":
    raise SystemExit(main())
