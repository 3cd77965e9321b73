"""Does a stored claim agree with the checked claim, conflict with it, or only relate to it?

The decision rests on features, never on a fuzzy score alone:

* figures for the same counted thing whose allowed intervals do not overlap conflict
  ("25,000 troops" vs "10,000 troops"; "25,000" is within "at most 30,000", "100,000" is not);
* different months or years for the same event conflict;
* opposite polarity conflicts ("welcome" vs "rules out", "will send" vs "will not send");
* the same words put in different mouths conflict.

A conflict also needs the two sentences to be about the same subjects (named entities overlap)
and to be relevant enough; otherwise the stored claim is only *related*. Agreement needs either
positive evidence (the same figure or date) or a near-paraphrase with nothing contradicting.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.models import ClaimFeatures, DateRef, Note, NoteKind, Quantity, Review, Stance

__all__ = ["StanceSettings", "judge"]


@dataclass(frozen=True, slots=True)
class StanceSettings:
    """The relevance bands a server may change."""

    suggest: float = 0.45  # relevance from which figures, dates and polarity are compared
    sure: float = 0.7  # relevance from which a match may agree on words alone
    entity_overlap: float = 0.5  # share of the claim's entities the source must name too
    same_value_tolerance: float = 0.05  # figures within 5% are the same figure


def _fmt(value: float) -> str:
    if value >= 1e6 and value % 1e5 == 0:
        return f"{value / 1e6:g} million"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _describe(q: Quantity) -> str:
    unit = f" {q.unit}s" if q.unit and q.unit not in {"percent"} else (" %" if q.unit else "")
    if q.unit in {"usd", "gbp", "eur", "jpy", "inr"}:
        unit = f" {q.unit.upper()}"
    prefix = {
        "at_most": "at most ",
        "at_least": "at least ",
        "about": "about ",
        "vague": "",
    }.get(q.bound.value, "")
    number = q.text if q.bound.value == "vague" else _fmt(q.value)
    return f"{prefix}{number}{unit}".strip()


@dataclass(frozen=True, slots=True)
class _Comparison:
    conflicts: list[Note]
    agreements: list[Note]


def _quantities(claim: ClaimFeatures, source: ClaimFeatures, tol: float) -> _Comparison:
    conflicts: list[Note] = []
    agreements: list[Note] = []
    for q in claim.quantities:
        if q.unit:
            same_unit = [s for s in source.quantities if s.unit == q.unit]
            strong = True
        else:
            # an unlabelled figure can only be read against a lone figure on the other side
            same_unit = list(source.quantities) if len(source.quantities) == 1 else []
            strong = False
            if len(claim.quantities) != 1:
                same_unit = []
        if not same_unit:
            continue
        overlapping = [s for s in same_unit if q.overlaps(s)]
        if overlapping:
            s = overlapping[0]
            close = abs(s.value - q.value) <= tol * max(abs(s.value), abs(q.value), 1e-9)
            if close or (q.bound.value != "exact" and s.bound.value != "exact"):
                agreements.append(
                    Note(
                        kind=NoteKind.SAME,
                        text=f"both say {_describe(s)}",
                    )
                )
            continue
        if strong:
            s = min(same_unit, key=lambda x: abs(x.value - q.value))
            conflicts.append(
                Note(
                    kind=NoteKind.QUANTITY,
                    text=f"the claim says {_describe(q)}; the source says {_describe(s)}",
                    conflict=True,
                    source_says=_describe(s),
                )
            )
    return _Comparison(conflicts, agreements)


def _month_name(d: DateRef) -> str:
    return d.text


def _dates(claim: ClaimFeatures, source: ClaimFeatures) -> _Comparison:
    conflicts: list[Note] = []
    agreements: list[Note] = []
    for d in claim.dates:
        comparable = [
            s
            for s in source.dates
            if (d.month and s.month) or (d.year and s.year and not (d.month or s.month))
        ]
        if not comparable:
            continue
        same = [
            s
            for s in comparable
            if (not d.month or not s.month or d.month == s.month)
            and (not d.year or not s.year or d.year == s.year)
            and (not d.day or not s.day or d.day == s.day)
        ]
        if same:
            agreements.append(Note(kind=NoteKind.SAME, text=f"both say {same[0].text}"))
        else:
            conflicts.append(
                Note(
                    kind=NoteKind.DATE,
                    text=f"the claim says {_month_name(d)}; the source says "
                    f"{_month_name(comparable[0])}",
                    conflict=True,
                    source_says=_month_name(comparable[0]),
                )
            )
    return _Comparison(conflicts, agreements)


def _effective_polarity(f: ClaimFeatures) -> int:
    if f.polarity:
        return f.polarity
    return -1 if f.negated else 0


def _polarity(
    claim: ClaimFeatures, source: ClaimFeatures, relevance: float, sure: float
) -> Note | None:
    pc, ps = _effective_polarity(claim), _effective_polarity(source)
    opposite = pc * ps == -1
    # a bare negation against a plain statement only counts when the two say nearly the same
    plain_vs_negated = relevance >= sure and {pc, ps} == {0, -1} and claim.negated != source.negated
    if not (opposite or plain_vs_negated):
        return None
    said = {1: "approves or affirms", -1: "rejects or denies", 0: "states"}
    cw = f" (“{claim.polar_word}”)" if claim.polar_word else (" (negated)" if claim.negated else "")
    sw = (
        f" (“{source.polar_word}”)"
        if source.polar_word
        else (" (negated)" if source.negated else "")
    )
    return Note(
        kind=NoteKind.POLARITY,
        text=f"the claim {said[pc]}{cw}; the source {said[ps]}{sw}",
        conflict=True,
        source_says=f"“{source.polar_word}”" if source.polar_word else "the opposite",
    )


def _entities_compatible(claim: ClaimFeatures, source: ClaimFeatures, share: float) -> bool:
    mine = set(claim.entities)
    if not mine:
        return True
    return len(mine & set(source.all_entities)) / len(mine) >= share


def _factcheck(
    claim: ClaimFeatures, source: ClaimFeatures, review: Review, relevance: float, s: StanceSettings
) -> tuple[Stance, tuple[Note, ...]]:
    """A fact-check rated the stored claim; the checked claim says the same or the opposite.

    A rating is about one claim: it applies only to a near-restatement (relevance ≥ sure) or to
    a claim all of whose named places, people and organisations the reviewed claim names too."""
    if relevance < s.sure and not set(claim.entities) <= set(source.all_entities):
        return Stance.RELATED, ()
    q = _quantities(claim, source, s.same_value_tolerance)
    if q.conflicts:  # a different figure: the rating was about another claim
        return Stance.RELATED, tuple(q.conflicts)
    direction = -1 if _polarity(claim, source, relevance, s.sure) else 1
    effect = review.truth * direction
    who = f" ({review.claimant}'s claim)" if review.claimant else ""
    note = Note(
        kind=NoteKind.FACTCHECK,
        text=f"{review.reviewer} rated this claim{who} “{review.rating}”"
        + (" — the checked claim says the opposite" if direction < 0 else ""),
        conflict=effect < 0,
        source_says=f"rated “{review.rating}”",
    )
    if effect > 0:
        return Stance.AGREES, (note,)
    if effect < 0:
        return Stance.CONFLICTS, (note,)
    return Stance.RELATED, (note,)


def judge(
    claim: ClaimFeatures,
    source: ClaimFeatures,
    relevance: float,
    *,
    review: Review | None = None,
    settings: StanceSettings | None = None,
) -> tuple[Stance, tuple[Note, ...]]:
    """The stance ``source`` takes towards ``claim``, and the notes that say why.

    ``review`` is the published fact-check of the stored claim, when it is one."""
    s = settings or StanceSettings()
    if relevance < s.suggest:
        return Stance.RELATED, ()
    if not _entities_compatible(claim, source, s.entity_overlap):
        return Stance.RELATED, ()
    if review is not None:
        return _factcheck(claim, source, review, relevance, s)
    q = _quantities(claim, source, s.same_value_tolerance)
    d = _dates(claim, source) if relevance >= s.sure or q.agreements or q.conflicts else None
    conflicts = list(q.conflicts) + (d.conflicts if d else [])
    agreements = list(q.agreements) + (d.agreements if d else [])
    pol = _polarity(claim, source, relevance, s.sure)
    if pol:
        conflicts.append(pol)
    if (
        claim.speaker
        and source.speaker
        and claim.speaker != source.speaker
        and relevance >= s.sure
        and claim.speaker not in source.all_entities
    ):
        conflicts.append(
            Note(
                kind=NoteKind.SPEAKER,
                text=f"the claim attributes this to {claim.speaker.title()}; the source to "
                f"{source.speaker.title()}",
                conflict=True,
                source_says=f"it was {source.speaker.title()}",
            )
        )
    if conflicts:
        return Stance.CONFLICTS, tuple(conflicts)
    if agreements:
        return Stance.AGREES, tuple(agreements)
    # on words alone only when the claim has no figure or date the source leaves unconfirmed
    if relevance >= s.sure and not claim.quantities and not (claim.dates and source.dates):
        return Stance.AGREES, ()
    return Stance.RELATED, ()
