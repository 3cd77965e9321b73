"""Does a stored claim agree with the checked claim, conflict with it, or only relate to it?

The two sentences are first *aligned* (:mod:`checks.align`): each clause of the claim is paired
with the source clause that shares its predicate (or a synonym or antonym) and its arguments, and
only aligned parts are compared — polarity in scope, figures of the same counted thing and owner,
dates of the same event, who said it. That gives a feature vector and notes in words.

A small multinomial logistic regression (weights in ``checks/data/stance_model.json``, rebuilt by
``bench/train_stance.py`` from public labelled sets) turns the vector into P(agree),
P(conflict), P(neither); a calibration fitted on the training sets turns the winning side's
probability into the match's ``confidence`` (how often a match judged this way was right). A
match *agrees* or *conflicts* only when that confidence reaches the model's threshold, chosen for
precision; otherwise it is *related*: evidence to read, never a guess. Agreement also needs an
aligned predicate with the same polarity, and is vetoed by any figure, date or speaker conflict.

Explainable structural conflicts keep their own rule: a figure or date that differs for the same
counted thing, owner and event of an aligned clause ("the claim says 25,000 troops; the source
says 10,000 troops") conflicts whatever the model says, with the confidence measured for that
rule. So does a source whose own statement calls what the claim tells a hoax, fake or false
("the third-arm story is a hoax"), and a clean negation flip of the claim's main clause. A
published fact-check (ClaimReview) of the stored claim is judged by its rating.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from checks.align import FEATURES, Alignment, Side, compare
from checks.models import Note, NoteKind, Review, Stance

if TYPE_CHECKING:
    from checks.nli import NLIScores

__all__ = [
    "Judgement",
    "StanceModel",
    "StanceSettings",
    "called_false",
    "decide_stance",
    "gated",
    "judge",
    "load_model",
    "same_figure",
    "structural",
]

MODEL_FILE = "stance_model.json"


@dataclass(frozen=True, slots=True)
class StanceSettings:
    """The numbers a server may change: relevance floors and the commit threshold."""

    suggest: float = 0.3  # relevance from which a match is judged at all
    sure: float = 0.7  # relevance from which a fact-check's rating carries to a reworded claim
    entity_overlap: float = 0.5  # share of the claim's entities the source must name too
    commit: float | None = None  # confidence to agree/conflict (None: the model's own thresholds)


@dataclass(frozen=True, slots=True)
class Judgement:
    """The stance of one match, the notes that say why, and how sure the model is."""

    stance: Stance
    notes: tuple[Note, ...] = ()
    confidence: float = 0.0  # calibrated probability that the stance is right (0 for related)
    p_agree: float = 0.0
    p_conflict: float = 0.0
    p_neither: float = 1.0


# --------------------------------------------------------------------------- the model


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class StanceModel:
    """Weights of the multinomial logistic regression, its calibration and thresholds."""

    features: tuple[str, ...]
    weights: tuple[tuple[float, ...], ...]  # one row per class: agree, conflict, neither
    bias: tuple[float, ...]
    calibration: dict[str, tuple[float, float]]  # class → (a, b): sigmoid(a·logit(p) + b)
    thresholds: dict[str, float]  # class → confidence from which a match commits
    rule_confidence: float  # confidence of a structural (figure/date) conflict
    flip_confidence: float  # confidence of a clean polarity flip of the claim's main clause
    same_confidence: float  # confidence of the same figure or date in an aligned clause
    meta: dict[str, Any]
    false_confidence: float = 0.0  # confidence of a source that calls the claim's story false

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StanceModel:
        """The model from its JSON document (features must be those of this engine)."""
        feats = tuple(d["features"])
        if feats != FEATURES:
            raise ValueError("stance model features differ from checks.align.FEATURES")
        return cls(
            features=feats,
            weights=tuple(tuple(float(w) for w in row) for row in d["weights"]),
            bias=tuple(float(b) for b in d["bias"]),
            calibration={k: (float(v[0]), float(v[1])) for k, v in d["calibration"].items()},
            thresholds={k: float(v) for k, v in d["thresholds"].items()},
            rule_confidence=float(d.get("rule_confidence", 0.8)),
            flip_confidence=float(d.get("flip_confidence", 0.8)),
            same_confidence=float(d.get("same_confidence", 0.8)),
            meta=dict(d.get("meta", {})),
            false_confidence=float(d.get("false_confidence", 0.0)),
        )

    def probabilities(self, vector: tuple[float, ...]) -> tuple[float, float, float]:
        """P(agree), P(conflict), P(neither) for one feature vector."""
        z = [
            b + sum(w * x for w, x in zip(row, vector, strict=True))
            for row, b in zip(self.weights, self.bias, strict=True)
        ]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        s = sum(e)
        return e[0] / s, e[1] / s, e[2] / s

    def calibrated(self, side: str, p: float) -> float:
        """How often a ``side`` ("agree" or "conflict") answer of probability ``p`` is right."""
        a, b = self.calibration.get(side, (1.0, 0.0))
        return _sigmoid(a * _logit(p) + b)


@functools.cache
def load_model() -> StanceModel:
    """The shipped model, read once per process."""
    text = resources.files("checks.data").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return StanceModel.from_dict(json.loads(text))


# --------------------------------------------------------------------------- deciding


def structural(al: Alignment) -> bool:
    """A figure or date conflict in an aligned clause of a source that covers the claim (for a
    claim that only states a figure, "the line will have 40 stops", anywhere in the source)."""
    return bool(al.conflicts) and (al.aligned or al.figure_claim) and al.feature("coverage") >= 0.4


def same_figure(al: Alignment) -> bool:
    """The same figure or date of the same thing in an aligned clause of the same polarity (or,
    for a claim that only states a figure, the same figure of the same owner), in a source that
    covers the claim, with nothing conflicting. Not for a claim that only relays a report
    ("Report: the firm will split in two"): the same figure does not vouch for a rumour."""
    return (
        (al.feature("figure_same") > 0 or al.feature("date_same") > 0)
        and (
            al.feature("same_predicate") > 0 or (al.figure_claim and al.feature("figure_same") > 0)
        )
        and al.feature("hedge_mismatch") == 0
        and not al.source_reported
        and not al.claim_reported
        and al.feature("coverage") >= 0.4
        and not al.conflicts
        and not al.speakers
    )


def called_false(al: Alignment) -> bool:
    """The source's own statement calls what the claim tells a hoax, fake or false ("the
    third-arm story is a hoax"), in a source that covers the claim, against a claim that asserts
    it unhedged and in its own voice (see :func:`checks.align.compare`)."""
    return al.called_false is not None and al.feature("coverage") >= 0.3


def decide_stance(
    al: Alignment, model: StanceModel, commit: float | None = None
) -> tuple[Stance, float, tuple[float, float, float]]:
    """The stance and confidence for one compared pair (pure: the training script uses it)."""
    pa, pc, pn = model.probabilities(al.vector)
    ca, cc = model.calibrated("agree", pa), model.calibrated("conflict", pc)
    t_agree = commit if commit is not None else model.thresholds["agree"]
    t_conflict = commit if commit is not None else model.thresholds["conflict"]
    if structural(al):
        return Stance.CONFLICTS, max(cc, model.rule_confidence), (pa, pc, pn)
    if called_false(al) and model.false_confidence > 0:
        return Stance.CONFLICTS, max(cc, model.false_confidence), (pa, pc, pn)
    if al.feature("clean_flip") > 0:
        return Stance.CONFLICTS, max(cc, model.flip_confidence), (pa, pc, pn)
    if cc >= t_conflict and pc > pa:
        return Stance.CONFLICTS, cc, (pa, pc, pn)
    agree_ok = (
        not al.conflicts
        and not al.speakers
        and (al.feature("same_predicate") > 0 or al.feature("unparsed") > 0)
    )
    if agree_ok and ca >= t_agree and pa > pc:
        return Stance.AGREES, ca, (pa, pc, pn)
    if same_figure(al):
        return Stance.AGREES, max(ca, model.same_confidence), (pa, pc, pn)
    return Stance.RELATED, 0.0, (pa, pc, pn)


def _entities_compatible(claim: Side, source: Side, share: float) -> bool:
    mine = set(claim.features.entities)
    if not mine:
        return True
    return len(mine & set(source.features.all_entities)) / len(mine) >= share


def gated(claim: Side, source: Side, relevance: float, settings: StanceSettings) -> bool:
    """Whether a match is judged at all: relevant enough, and naming enough of the claim's
    places, people and organisations."""
    return relevance >= settings.suggest and _entities_compatible(
        claim, source, settings.entity_overlap
    )


def _factcheck(
    claim: Side, source: Side, review: Review, relevance: float, s: StanceSettings
) -> Judgement:
    """A fact-check rated the stored claim; the checked claim says the same or the opposite.

    A rating is about one claim: it applies only to a near-restatement (relevance ≥ sure) or to
    a claim all of whose named places, people and organisations the reviewed claim names too."""
    if relevance < s.sure and not set(claim.features.entities) <= set(source.features.all_entities):
        return Judgement(Stance.RELATED)
    al = compare(claim, source, relevance)
    if al.conflicts:  # a different figure or date: the rating was about another claim
        return Judgement(Stance.RELATED, al.conflicts)
    direction = -1 if al.polarity is not None else 1
    effect = review.truth * direction
    who = f" ({review.claimant}'s claim)" if review.claimant else ""
    note = Note(
        kind=NoteKind.FACTCHECK,
        text=f"{review.reviewer} rated this claim{who} “{review.rating}”"
        + (" — the checked claim says the opposite" if direction < 0 else ""),
        conflict=effect < 0,
        source_says=f"rated “{review.rating}”",
    )
    notes = (note, *((al.polarity,) if al.polarity else ()))
    if effect > 0:
        return Judgement(Stance.AGREES, notes, 1.0, 1.0, 0.0, 0.0)
    if effect < 0:
        return Judgement(Stance.CONFLICTS, notes, 1.0, 0.0, 1.0, 0.0)
    return Judgement(Stance.RELATED, (note,))


def _cue_notes(al: Alignment, source: Side, stance: Stance) -> list[Note]:
    out: list[Note] = []
    if (
        source.refutation
        and al.feature("refutation_cue")
        and not al.feature("claim_refutation_cue")
        and al.called_false is None  # that rule's own note already says it
    ):
        out.append(
            Note(
                kind=NoteKind.POLARITY,
                text=f"the source calls something “{source.refutation}”",
                conflict=stance is Stance.CONFLICTS,
                source_says=f"“{source.refutation}”",
            )
        )
    if source.hedge and stance is not Stance.CONFLICTS:
        out.append(
            Note(kind=NoteKind.POLARITY, text=f"the source only reports it (“{source.hedge}”)")
        )
    return out


def judge(
    claim: Side,
    source: Side,
    relevance: float,
    *,
    review: Review | None = None,
    settings: StanceSettings | None = None,
    model: StanceModel | None = None,
    nli: NLIScores | None = None,
) -> Judgement:
    """The stance ``source`` takes towards ``claim``, the notes that say why, and its confidence.

    ``review`` is the published fact-check of the stored claim, when it is one. ``nli`` is the
    optional inference model's reading of the pair (:mod:`checks.nli`): where it has a say, it
    decides polarity in place of the rules and the model above, figure/date notes still vetoing."""
    s = settings or StanceSettings()
    if not gated(claim, source, relevance, s):
        return Judgement(Stance.RELATED)
    if review is not None:
        return _factcheck(claim, source, review, relevance, s)
    m = model or load_model()
    al = compare(claim, source, relevance)
    stance, confidence, (pa, pc, pn) = decide_stance(al, m, s.commit)
    read: tuple[Note, ...] = ()
    if nli is not None:
        from checks.nli import decide as decide_nli

        by_model = decide_nli(al, nli)
        if by_model is not None:
            stance, confidence, read = by_model.stance, by_model.confidence, by_model.notes
            pa, pc, pn = nli.entailment, nli.contradiction, nli.neutral
    notes: list[Note] = []
    if stance is Stance.CONFLICTS:
        notes += al.conflicts
        if al.polarity is not None:
            notes.append(al.polarity)
        notes += al.speakers
    elif stance is Stance.AGREES:
        notes += al.agreements
    else:  # related: say what was found, none of it as a verdict
        notes += [n.model_copy(update={"conflict": False}) for n in (*al.conflicts, *al.speakers)]
        if al.polarity is not None:
            notes.append(al.polarity.model_copy(update={"conflict": False}))
        notes += al.agreements
    notes += read
    notes += _cue_notes(al, source, stance)
    if stance is Stance.CONFLICTS and al.called_false is not None:
        # "says 'hoax', not 'find'" would only repeat the called-false note in other words
        notes += [r for r in al.remarks if r.kind is not NoteKind.POLARITY]
    else:
        notes += al.remarks
    return Judgement(stance, tuple(notes), round(confidence, 4), pa, pc, pn)
