"""Alignment before comparison: which clause of the source speaks to which clause of the claim.

Two sentences are compared part by part, and only where the parts are about the same thing:

1. **Align.** Each clause (:class:`~checks.frames.Frame`) of the claim is paired with the source
   clause that best shares its predicate — the same lemma, a synonym, or an antonym from the small
   general lexicon in :mod:`checks.lexicon` ("rise" ~ "increase", "rise" ↔ "fall"); a copula takes
   its complement as predicate ("is effective") — and its arguments (subject and object lemmas).
   A clause pair with the same arguments but an unrelated predicate is *not* aligned: "the minister
   admitted the deal" says nothing about whether "the minister's deal was signed in secret".
2. **Compare only aligned parts.** Polarity (negation in scope and the predicate's own sense:
   "will not rise" against "will rise"; "rejected" against "approved"), modality (hedged or
   asserted); figures of the same counted thing *and the same owner* ("40,000 troops" against
   "10,000 troops"; Madrid's figure is not Lisbon's); dates of the same event; who said it.
3. **Pair-level signals**: coverage of the claim's content words, entity overlap, and cue words in
   the source sentence: refutation ("hoax", "no evidence", "denied") and hedging ("reportedly",
   "claims").

:func:`compare` returns the feature vector the stance model (:mod:`checks.stance`) reads, in the
order of :data:`FEATURES`, and the notes that explain it in words. Nothing here decides; figure,
date and speaker conflicts are marked as *vetoes* of agreement.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from checks import lexicon as lx
from checks.claims import features as claim_features
from checks.frames import ClaimParse, Figure, Frame, FrameDate, Modality, ParserUnavailable
from checks.models import Bound, ClaimFeatures, Note, NoteKind
from checks.text_index import entity_token, relevance_terms, stem

__all__ = [
    "FEATURES",
    "Alignment",
    "Side",
    "compare",
    "parse_of",
    "parses_of",
    "side",
]

log = logging.getLogger(__name__)

# The feature vector, in order. Values are in [0, 1] (indicators or shares).
FEATURES: tuple[str, ...] = (
    "relevance",  # the matcher's relevance of the pair
    "coverage",  # share of the claim's content terms the source sentence has
    "entities",  # share of the claim's named places/people/organisations the source names
    "aligned",  # share of the claim's clauses aligned with a source clause
    "same_predicate",  # an aligned pair shares predicate (lemma or synonym) and polarity
    "flipped",  # an aligned pair says the opposite (negation in scope or antonym predicate)
    "flipped_negation",  # … by a negation (one side negated, same predicate)
    "clean_flip",  # a flip of the claim's main clause by the source's main clause, arguments
    # present, asserted on both sides, neither a condition
    "denial",  # the aligned clause is someone's denial ("X denied that …"): reported, not asserted
    "args_only",  # the arguments match but the predicate is unrelated (not aligned)
    "claim_negated",  # the claim's main clause is negated
    "source_negated",  # the aligned source clause is negated
    "source_hedged",  # the aligned source clause is hedged (may, reportedly, plans to …)
    "claim_hedged",
    "hedge_mismatch",  # one side asserts what the other only hedges or reports
    "figure_conflict",  # figures of the same counted thing and owner that cannot both be true
    "figure_same",
    "date_conflict",
    "date_same",
    "speaker_conflict",
    "refutation_cue",  # the source sentence calls something false / a hoax / unproven
    "hedge_cue",  # the source sentence only reports or speculates
    "claim_refutation_cue",  # the claim itself speaks of a hoax/denial (then cues are content)
    "flipped_x_coverage",
    "same_x_coverage",
    "refutation_x_coverage",
    "unparsed",  # no parse of one side (the parser is unavailable): structure unknown
)

_FIGURE_PREDICATES = frozenset(
    {"number", "total", "count", "have", "be", "reach", "stand", "comprise", "million", "billion"}
)
_COPULAS = frozenset({"be", "become", "remain", "seem", "appear", "stay", "look", "sound"})
_LIGHT = frozenset({"have", "do", "make", "get", "take", "give", "go"})


# --------------------------------------------------------------------------- lexicon lookups


def _groups() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for group in lx.PREDICATE_SYNONYMS:
        for w in group:
            out.setdefault(w, set()).update(group)
    return {w: frozenset(g) for w, g in out.items()}


_SYN = _groups()
_ANT: frozenset[tuple[str, str]] = frozenset(
    pair
    for a, b in lx.PREDICATE_ANTONYMS
    for x in _SYN.get(a, frozenset({a}))
    for y in _SYN.get(b, frozenset({b}))
    for pair in ((x, y), (y, x))
)
_NEG_PREFIX = ("un", "in", "im", "ir", "il", "non", "dis")
_POSITIVE_STEMS = tuple(s for s in lx.POSITIVE_STANCE if " " not in s and "-" not in s)
_NEGATIVE_STEMS = tuple(
    s for s in lx.NEGATIVE_STANCE if " " not in s and "-" not in s and s != "against"
)


def _cue_regex(words: Iterable[str]) -> re.Pattern[str]:
    alts = sorted((re.escape(w).replace(r"\ ", r"\s+") for w in words), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


_REFUTE = _cue_regex(lx.REFUTATION_CUES)
_HEDGE = _cue_regex(lx.HEDGE_CUES)


@functools.lru_cache(maxsize=8192)
def _relation(a: str, b: str) -> int:
    """+1 same meaning, -1 opposite meaning, 0 unrelated (predicate lemmas or complements)."""
    if a == b:
        return 1
    if (a, b) in _ANT:
        return -1
    if b in _SYN.get(a, ()):
        return 1
    for p in _NEG_PREFIX:  # "effective" / "ineffective", "agree" / "disagree"
        if len(a) > 3 and (b == p + a or a == p + b):
            return -1
    sa, sb = _stance_sign(a), _stance_sign(b)
    if sa and sb:  # stance verbs: "welcome" against "rule out"
        return 1 if sa == sb else -1
    if stem(a) == stem(b):
        return 1
    return 0


@functools.lru_cache(maxsize=8192)
def _stance_sign(lemma: str) -> int:
    """+1 for approving verbs (welcome, accept), -1 for rejecting ones (reject, ban), else 0."""
    head = lemma.split()[0] if lemma else ""
    if lemma in {"rule out", "turn down"}:
        return -1
    if any(head.startswith(s) for s in _NEGATIVE_STEMS) and head not in {"bank", "band", "denis"}:
        return -1
    if any(head.startswith(s) for s in _POSITIVE_STEMS) and head not in {"background", "bank"}:
        return 1
    return 0


# --------------------------------------------------------------------------- one side


@dataclass(frozen=True, slots=True)
class Side:
    """One sentence as alignment sees it: its text, features, parse and content terms."""

    text: str
    features: ClaimFeatures
    parse: ClaimParse | None
    terms: frozenset[str]
    refutation: str | None = None  # the refutation cue in the sentence, if any
    hedge: str | None = None
    frames: tuple[Frame, ...] = field(default=())  # the clauses compared (no speech verbs)


def side(
    text: str,
    features: ClaimFeatures | None = None,
    parse: ClaimParse | None = None,
    *,
    terms: frozenset[str] | None = None,
    parsed: bool = True,
) -> Side:
    """A :class:`Side` for ``text``; the parse is made (and cached) when not given and
    ``parsed``; features and terms are computed when not given."""
    f = features if features is not None else claim_features(text)
    p = parse if parse is not None else (parse_of(text) if parsed else None)
    refute = _REFUTE.search(text)
    hedge = _HEDGE.search(text)
    frames: tuple[Frame, ...] = ()
    if p is not None:
        frames = tuple(fr for fr in p.frames if not fr.reporting) or p.frames
    return Side(
        text=text,
        features=f,
        parse=p,
        terms=terms if terms is not None else relevance_terms(text, f.entities),
        refutation=refute.group(0).lower() if refute else None,
        hedge=hedge.group(0).lower() if hedge else None,
        frames=frames,
    )


_CACHE: dict[str, ClaimParse | None] = {}
_CACHE_SIZE = 65_536
_warned: list[bool] = []


def _remember(text: str, parse: ClaimParse | None) -> None:
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()  # a crude bound: stored frames make this cache a fallback only
    _CACHE[text] = parse


def _unavailable(exc: Exception) -> None:
    if not _warned:
        log.warning("stance without sentence structure: %s", exc)
        _warned.append(True)


def parse_of(text: str) -> ClaimParse | None:
    """The parse of one sentence, cached in-process by its text (None without a parser)."""
    if text in _CACHE:
        return _CACHE[text]
    from checks.frames import parse_claim

    try:
        parse: ClaimParse | None = parse_claim(text)
    except ParserUnavailable as exc:
        _unavailable(exc)
        parse = None
    _remember(text, parse)
    return parse


def parses_of(texts: Sequence[str]) -> list[ClaimParse | None]:
    """Parses of many sentences: cached ones as they are, the rest parsed in one batch."""
    missing = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    if len(missing) > 1:
        from checks.frames import parse_claims

        try:
            for t, p in zip(missing, parse_claims(missing), strict=True):
                _remember(t, p)
        except ParserUnavailable as exc:
            _unavailable(exc)
            for t in missing:
                _remember(t, None)
    return [parse_of(t) for t in texts]


# --------------------------------------------------------------------------- frames


def _key(f: Frame) -> str:
    """The word a clause is about: its predicate, or a copula's complement ("is effective")."""
    if f.predicate in _COPULAS and f.object_head:
        return f.object_head
    if f.predicate in _LIGHT and f.object_head:  # "have an effect", "make a decision"
        return f.object_head
    return f.predicate


_DENIALS = frozenset({"deny", "dispute", "reject", "refute", "dismiss", "debunk"})
_SPEECH_DENIALS = frozenset({"deny", "refute", "debunk"})  # as a clause's own predicate


def _denied(f: Frame) -> bool:
    """Negated by a denial verb ("X denied that …"): someone's word, not the sentence's."""
    words = (f.negation or "").split()
    return bool(words) and (words[0] in _DENIALS or (len(words) > 1 and words[1] in _DENIALS))


def _norm(word: str) -> str:
    """An argument word as compared: names of places and organisations by their canonical key
    ("uk", "britain" → united kingdom), counted things by their unit ("soldier" → troop)."""
    entity = lx.ENTITY_ALIASES.get(word)
    if entity:
        return entity_token(entity)
    return lx.UNIT_SYNONYMS.get(word) or stem(word)


_REPORTERS = frozenset({"report", "source", "media", "rumour", "rumor", "tabloid", "insider"})


def _reported(f: Frame) -> bool:
    """A clause that relays what others say without vouching for it: "reportedly", "is said
    to", "appears to", or "according to a report / sources"."""
    if f.modality in {Modality.REPORTEDLY, Modality.APPARENTLY}:
        return True
    return bool(f.attribution) and stem(f.attribution or "") in _REPORTERS


def _args(f: Frame) -> frozenset[str]:
    key = _key(f)
    words = (*f.subject, *f.object, *((f.attribution,) if f.attribution else ()))
    return frozenset(_norm(w) for w in words if w and w != key and len(w) > 1)


@dataclass(frozen=True, slots=True)
class _Pair:
    claim: Frame
    source: Frame
    relation: int  # +1 same predicate, -1 opposite predicate, 0 unrelated
    overlap: float  # share of the claim clause's arguments the source clause (or sentence) has
    score: float

    @property
    def aligned(self) -> bool:
        return self.relation != 0 and self.overlap >= 0.34


def _overlap(cf: Frame, sf: Frame, source_terms: frozenset[str]) -> float:
    mine = _args(cf)
    if not mine:
        return 0.5
    theirs = _args(sf)
    near = len(mine & theirs)
    far = len((mine - theirs) & source_terms)
    return (near + 0.5 * far) / len(mine)


def _keys(f: Frame) -> tuple[str, ...]:
    """What a clause may be about: its key, and a light verb itself ("has 1.2 million troops")."""
    key = _key(f)
    if key != f.predicate and f.predicate not in _COPULAS:
        return (key, f.predicate)
    return (key,)


def _pair_relation(cf: Frame, sf: Frame) -> int:
    for a in _keys(cf):
        for b in _keys(sf):
            rel = _relation(a, b)
            if rel:
                return rel
    return 0


def _best_pairs(claim: Side, source: Side) -> list[_Pair]:
    """For each claim clause, its best source clause (aligned or not)."""
    out: list[_Pair] = []
    for cf in claim.frames:
        best: _Pair | None = None
        for sf in source.frames:
            rel = _pair_relation(cf, sf)
            ov = _overlap(cf, sf, source.terms)
            score = (1.0 if rel else 0.0) + ov
            pair = _Pair(cf, sf, rel, ov, score)
            if best is None or (pair.aligned, pair.score) > (best.aligned, best.score):
                best = pair
        if best is not None:
            out.append(best)
    return out


def _main(claim: Side) -> Frame | None:
    """The claim's main clause: the first with most arguments (the root comes first)."""
    if not claim.frames:
        return None
    return max(claim.frames, key=lambda f: (len(_args(f)) + (1 if f.figures else 0), -f.span[0]))


# --------------------------------------------------------------------------- figures, dates


def _fmt(value: float) -> str:
    if value >= 1e6 and value % 1e5 == 0:
        return f"{value / 1e6:g} million"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _describe(f: Figure) -> str:
    if f.bound is Bound.VAGUE or (
        f.low != f.value and f.high != f.value and f.bound is Bound.EXACT and "–" in f.text
    ):
        number = f.text
    else:
        number = _fmt(f.value)
    prefix = {
        Bound.AT_MOST: "at most ",
        Bound.AT_LEAST: "at least ",
        Bound.ABOUT: "about ",
    }.get(f.bound, "")
    unit = ""
    if f.unit == "percent":
        unit = " %"
    elif f.unit in {"usd", "gbp", "eur", "jpy", "inr", "aud", "cad"}:
        unit = f" {f.unit.upper()}"
    elif f.unit:
        unit = f" {f.unit}s" if f.value != 1 else f" {f.unit}"
    what = ""
    if f.counted and f.counted != f.unit:
        what = f" {f.counted}" if f.unit else f" {_plural(f.counted, f.value)}"
        if f.unit:
            what = f" of {f.counted}"
    return f"{prefix}{number}{unit}{what}".strip()


def _plural(noun: str, value: float) -> str:
    if value == 1 or noun.endswith("s"):
        return noun
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("ch", "sh", "x")):
        return noun + "es"
    return noun + "s"


_TIME_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "decade"})


def _same_thing(a: Figure, b: Figure) -> bool:
    """Whether two figures count or measure the same kind of thing. Spans of time ("5 years",
    "3 years of age") count only when they measure the same named thing."""
    if a.unit and b.unit and a.unit != b.unit:
        return False
    for f in (a, b):
        if (f.unit in _TIME_UNITS or f.counted in _TIME_UNITS) and (
            not f.counted or f.counted in _TIME_UNITS
        ):
            return False
    if a.counted and b.counted:
        if stem(a.counted) == stem(b.counted) or _relation(a.counted, b.counted) == 1:
            return True
        syn = lx.UNIT_SYNONYMS if hasattr(lx, "UNIT_SYNONYMS") else {}
        return bool(syn.get(a.counted, a.counted) == syn.get(b.counted, b.counted))
    return bool(a.unit and a.unit == b.unit and a.unit != "percent")


def _other_owner(cf: Figure, sf: Figure, claim: Side, source: Side) -> bool:
    """Whether two figures belong to different named owners (places, people, organisations);
    a generic owner ("the government", "officials") is not a name and does not separate them."""
    if not (cf.owner and sf.owner) or cf.owner == sf.owner:
        return False
    named = set(claim.features.all_entities) | set(source.features.all_entities)
    return cf.owner in named and sf.owner in named


def _owner_name(key: str) -> str:
    return key.title() if len(key) > 3 else key.upper()


@dataclass
class _Findings:
    conflicts: list[Note] = field(default_factory=list)
    agreements: list[Note] = field(default_factory=list)
    remarks: list[Note] = field(default_factory=list)
    speakers: list[Note] = field(default_factory=list)


def _figures(claim: Side, source: Side, aligned: set[int], out: _Findings) -> tuple[bool, bool]:
    """Compare figures of the same counted thing and owner. (conflict, same)."""
    conflict = same = False
    src = [(i, f) for i, fr in enumerate(source.frames) for f in fr.figures]
    mine = [f for fr in claim.frames for f in fr.figures]
    for cf in mine:
        if cf.elided and not cf.counted:
            continue
        candidates = [(i, sf) for i, sf in src if _same_thing(cf, sf)]
        if not candidates and not (cf.counted or cf.unit) and len(mine) == 1 and len(src) == 1:
            # a lone figure of no named thing ("its forces number 1.2 million") is read against
            # a lone figure of the same owner on the other side
            i, sf = src[0]
            owners_agree = not (cf.owner and sf.owner) or cf.owner == sf.owner
            if owners_agree and (cf.owner or sf.owner) and sf.unit in {None, cf.unit}:
                candidates = [(i, sf)]
        if not candidates:
            continue
        others = [sf for _, sf in candidates if _other_owner(cf, sf, claim, source)]
        comparable = [(i, sf) for i, sf in candidates if not _other_owner(cf, sf, claim, source)]
        if not comparable:
            sf = others[0]
            out.remarks.append(
                Note(
                    kind=NoteKind.QUANTITY,
                    text=f"the source's {_describe(sf)} is {_owner_name(sf.owner or '')}'s "
                    f"figure, not {_owner_name(cf.owner or '')}'s: not compared",
                )
            )
            continue
        # prefer the figure in an aligned clause
        comparable.sort(key=lambda p: (p[0] not in aligned,))
        matching = [sf for _, sf in comparable if cf.overlaps(sf)]
        if matching:
            same = True
            out.agreements.append(
                Note(kind=NoteKind.SAME, text=f"both say {_describe(matching[0])}")
            )
            continue
        if cf.bound is Bound.VAGUE and all(sf.bound is Bound.VAGUE for _, sf in comparable):
            continue
        sf = min((sf for _, sf in comparable), key=lambda s: abs(s.value - cf.value))
        conflict = True
        out.conflicts.append(
            Note(
                kind=NoteKind.QUANTITY,
                text=f"the claim says {_describe(cf)}; the source says {_describe(sf)}",
                conflict=True,
                source_says=_describe(sf),
            )
        )
    return conflict, same


def _date_text(d: FrameDate) -> str:
    return d.text


def _dates(claim: Side, source: Side, pairs: Sequence[_Pair], out: _Findings) -> tuple[bool, bool]:
    conflict = same = False
    aligned_keys = {(_key(p.claim), _key(p.source)) for p in pairs if p.aligned}
    src = [(fr, d) for fr in source.frames for d in fr.dates]
    for cfr in claim.frames:
        for d in cfr.dates:
            comparable = []
            for sfr, s in src:
                about_same = (
                    d.dates and s.dates and (d.dates == s.dates or _relation(d.dates, s.dates))
                ) or (_key(cfr), _key(sfr)) in aligned_keys
                if not about_same:
                    continue
                if (d.month and s.month) or (d.year and s.year and not (d.month or s.month)):
                    comparable.append(s)
            if not comparable:
                continue
            hit = [
                s
                for s in comparable
                if (not d.month or not s.month or d.month == s.month)
                and (not d.year or not s.year or d.year == s.year)
                and (not d.day or not s.day or d.day == s.day)
            ]
            if hit:
                same = True
                out.agreements.append(Note(kind=NoteKind.SAME, text=f"both say {hit[0].text}"))
            else:
                conflict = True
                out.conflicts.append(
                    Note(
                        kind=NoteKind.DATE,
                        text=f"the claim says {_date_text(d)}; the source says "
                        f"{_date_text(comparable[0])}",
                        conflict=True,
                        source_says=_date_text(comparable[0]),
                    )
                )
    return conflict, same


_GENERIC_SPEAKERS = frozenset(
    {"official", "expert", "scientist", "source", "report", "study", "researcher", "result"}
)


def _speaker(claim: Side, source: Side, aligned: bool, out: _Findings) -> bool:
    """The same words in different mouths: both sides attribute the aligned statement, to
    different named speakers (read from the parse: "X said", "according to X")."""
    cs = next((f.attribution for f in claim.frames if f.attribution), None)
    ss = next((f.attribution for f in source.frames if f.attribution), None)
    if not (cs and ss and aligned) or stem(cs) == stem(ss):
        return False
    if stem(cs) in _GENERIC_SPEAKERS or stem(ss) in _GENERIC_SPEAKERS:
        return False
    named = set(claim.features.entities) | {claim.features.speaker or ""}
    if not any(cs in n or n.endswith(cs) for n in named if n):
        return False  # only a speaker the claim names as a person or organisation
    if cs in source.features.all_entities or stem(cs) in source.terms:
        return False
    out.speakers.append(
        Note(
            kind=NoteKind.SPEAKER,
            text=f"the claim attributes this to {cs.title()}; the source to {ss.title()}",
            conflict=True,
            source_says=f"it was {ss.title()}",
        )
    )
    return True


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True, slots=True)
class Alignment:
    """What comparing two sentences found: features for the model, notes for people."""

    vector: tuple[float, ...]  # in the order of FEATURES
    conflicts: tuple[Note, ...] = ()  # figure/date conflicts: vetoes of agreement
    speakers: tuple[Note, ...] = ()  # another speaker: a veto of agreement
    agreements: tuple[Note, ...] = ()  # the same figure or date
    polarity: Note | None = None  # the aligned clauses say the opposite
    figure_claim: bool = False  # the claim's main clause only states a figure ("X numbers N")
    source_reported: bool = False  # the aligned source clause only relays a report or rumour
    remarks: tuple[Note, ...] = ()  # explanations that decide nothing
    aligned: bool = False
    # the deciding clause pair (the claim's main clause if aligned, else the best aligned one)
    deciding_main: bool = False  # … is the claim's main clause
    deciding_overlap: float = 0.0  # share of the claim clause's arguments the source has
    deciding_open: bool = False  # either clause is a condition or an open question ("if …")
    deciding_asserted: bool = False  # the source clause is what its sentence asserts (not
    # a clause inside another: "shutting down X makes sense", "a law which bans X")
    asserted: bool = False  # neither side hedges the deciding clauses or the sentence
    claim_attributed: bool = False  # the claim says who said it ("X said", "according to X")
    claim_reported: bool = False  # the claim's main clause only relays a report ("Report: X",
    # "X reportedly …"): what it claims is that something was reported
    source_attributed: bool = False  # … the source sentence does
    called_false: Note | None = None  # the source's own statement calls the claim's story false

    def feature(self, name: str) -> float:
        """One feature's value by name."""
        return self.vector[FEATURES.index(name)]

    def as_dict(self) -> dict[str, float]:
        """The features by name (for dumps and tests)."""
        return dict(zip(FEATURES, self.vector, strict=True))


# What a sentence calls a story when it says it is not true ("the story is a hoax", "the photo
# is fake"); the words a story is referred to by without naming its content.
_FALSITY = frozenset(
    {
        "hoax",
        "fake",
        "false",
        "myth",
        "untrue",
        "fabricated",
        "fabrication",
        "bogus",
        "baseless",
        "unfounded",
        "groundless",
        "made-up",
        "satire",
        "satirical",
        "doctored",
        "photoshopped",
    }
)
_FALSITY_NOUNS = frozenset({"hoax", "myth", "fabrication", "satire"})
_DEBUNKING = frozenset({"debunk", "disprove", "discredit"})  # verbs whose object is shown false
_STORY_WORDS = frozenset(
    {"story", "report", "claim", "rumour", "rumor", "news", "photo", "picture", "image"}
    | {"video", "footage", "article", "post", "tweet", "headline", "account", "tale"}
)


def _called_false(claim: Side, source: Side, main: Frame | None) -> Note | None:
    """The source's own statement says that what the claim tells is not true: a main clause,
    neither negated nor a condition, that calls something a hoax, fake or false, whose subject
    is a story ("the story is a hoax": the sentence has passed the relevance and name gates) or
    shares the claim's words ("the man who claimed a third arm is a fake"). Only against a claim
    that asserts, unhedged and in its own voice, something the source could call false (not
    "X claims …", not "… is a hoax"). A source that debunks, disproves or discredits the claim's
    story counts the same way."""
    if (
        main is None
        or main.negated
        or main.modality.hedged
        or claim.hedge
        or claim.refutation
        or _attributed(claim)
        or source.parse is None
    ):
        return None
    mine = {stem(w) for f in claim.frames for w in (*f.subject, *f.object, f.predicate) if w}
    mine |= {stem(t) for t in claim.terms}
    stories = {stem(w) for w in _STORY_WORDS}
    for f in source.parse.frames:
        key = _key(f)
        if f.negated or f.conditional or not f.main or f.modality.hedged:
            continue
        if key in _FALSITY:  # "the story is a hoax"
            words, head = f.subject, f.subject_head
        elif f.predicate in _DEBUNKING:  # "scientists debunked the story"
            words, head = f.object, f.object_head
        else:
            continue
        if any(w in _FALSITY or w in _DENIALS for w in words):
            continue  # "reports of a hoax were false": a double negative, not read here
        said = {stem(w) for w in words if w}
        named = (said - stories) & mine
        if not (named or (key in _FALSITY and said & stories)):
            continue  # "studies debunk claims that …": which claims, the words must say
        what = head or (words[-1] if words else "story")
        if key in _FALSITY:
            called = f"a {key}" if key in _FALSITY_NOUNS else key
            text = f"the source says the {what} is {called}"
        else:
            called = f"{f.predicate}ed" if not f.predicate.endswith("e") else f"{f.predicate}d"
            text = f"the source says the {what} was {called}"
        return Note(kind=NoteKind.POLARITY, text=text, conflict=True, source_says=f"“{called}”")
    return None


def _attributed(s: Side) -> bool:
    """Whether a sentence says who said it: a speech verb ("X said", "X told") or an
    attribution ("according to X")."""
    if s.parse is None:
        return False
    return any(f.reporting or f.attribution for f in s.parse.frames)


def _frame_words(f: Frame) -> str:
    neg = f"{f.negation} " if f.negated and f.negation else ("not " if f.negated else "")
    return f"{neg}{_key(f)}"


def compare(claim: Side, source: Side, relevance: float) -> Alignment:
    """Align ``source`` with ``claim`` and compare the aligned parts."""
    v = dict.fromkeys(FEATURES, 0.0)
    v["relevance"] = max(0.0, min(1.0, relevance))
    mine = claim.terms
    v["coverage"] = len(mine & source.terms) / len(mine) if mine else 0.0
    ents = set(claim.features.entities)
    v["entities"] = (
        len(ents & set(source.features.all_entities)) / len(ents)
        if ents
        else (1.0 if not source.features.entities else 0.5)
    )
    v["refutation_cue"] = 1.0 if source.refutation else 0.0
    v["hedge_cue"] = 1.0 if source.hedge else 0.0
    v["claim_refutation_cue"] = 1.0 if claim.refutation else 0.0
    out = _Findings()
    polarity: Note | None = None
    aligned_any = figure_claim = reported = False
    d_main = d_open = d_asserted = d_source_main = False
    called_false: Note | None = None
    d_claim_reported = False
    d_overlap = 0.0
    if claim.parse is None or source.parse is None or not claim.frames or not source.frames:
        v["unparsed"] = 1.0
    else:
        pairs = _best_pairs(claim, source)
        aligned = [p for p in pairs if p.aligned]
        aligned_any = bool(aligned)
        v["aligned"] = len(aligned) / len(pairs) if pairs else 0.0
        main = _main(claim)
        figure_claim = bool(
            main
            and main.figures
            and (_key(main) in _FIGURE_PREDICATES or main.predicate in _FIGURE_PREDICATES)
        )
        v["claim_negated"] = 1.0 if main is not None and main.negated else 0.0
        v["claim_hedged"] = 1.0 if main is not None and main.modality.hedged else 0.0
        d_claim_reported = main is not None and _reported(main)
        # the deciding pair: the main clause's if aligned, else the best aligned one
        deciding = next((p for p in aligned if p.claim is main), None) or (
            max(aligned, key=lambda p: p.score) if aligned else None
        )
        if deciding is not None:
            d_main = deciding.claim is main
            d_overlap = deciding.overlap
            d_open = deciding.claim.conditional or deciding.source.conditional
            d_source_main = deciding.source.main
        if deciding is not None and (
            _denied(deciding.claim)
            or _denied(deciding.source)
            or _key(deciding.claim) in _SPEECH_DENIALS
            or _key(deciding.source) in _SPEECH_DENIALS
        ):
            v["denial"] = 1.0
        elif deciding is not None:
            reported = _reported(deciding.source)
            flipped = deciding.claim.negated != deciding.source.negated
            if deciding.relation < 0:
                flipped = not flipped
            v["source_negated"] = 1.0 if deciding.source.negated else 0.0
            v["source_hedged"] = 1.0 if deciding.source.modality.hedged else 0.0
            claim_soft = deciding.claim.modality.hedged or bool(claim.hedge)
            source_soft = deciding.source.modality.hedged or bool(source.hedge)
            v["hedge_mismatch"] = float(claim_soft != source_soft)
            asserted = not (
                deciding.source.modality.hedged
                or deciding.claim.modality.hedged
                or source.hedge
                or claim.hedge
            )
            d_asserted = asserted
            # a clean flip: the claim's main clause, said the opposite way by what the source
            # sentence itself asserts (not a clause inside another: "shutting down X makes
            # sense", "a law banning X"), neither side hedged nor stated as a condition
            if (
                flipped
                and asserted
                and deciding.claim is main
                and deciding.source.main
                and not d_open
                and deciding.overlap >= 0.67
                and v["coverage"] >= 0.6
            ):
                v["clean_flip"] = 1.0
            if flipped:
                v["flipped"] = 1.0
                if deciding.relation > 0:
                    v["flipped_negation"] = 1.0
                polarity = Note(
                    kind=NoteKind.POLARITY,
                    text=f"the claim says “{_frame_words(deciding.claim)}”; the source says "
                    f"“{_frame_words(deciding.source)}”",
                    conflict=True,
                    source_says=f"“{_frame_words(deciding.source)}”",
                )
            else:
                v["same_predicate"] = 1.0
        else:
            loose = max(pairs, key=lambda p: p.overlap) if pairs else None
            if loose is not None and loose.overlap >= 0.67 and _args(loose.claim):
                v["args_only"] = 1.0
                out.remarks.append(
                    Note(
                        kind=NoteKind.POLARITY,
                        text=f"the source is about the same things but says "
                        f"“{_key(loose.source)}”, not “{_key(loose.claim)}”",
                    )
                )
        aligned_idx = {i for i, sf in enumerate(source.frames) for p in aligned if p.source is sf}
        fc, fs = _figures(claim, source, aligned_idx, out)
        dc, ds = _dates(claim, source, pairs, out)
        v["figure_conflict"], v["figure_same"] = float(fc), float(fs)
        v["date_conflict"], v["date_same"] = float(dc), float(ds)
        v["speaker_conflict"] = float(_speaker(claim, source, aligned_any, out))
        called_false = _called_false(claim, source, main)
        if polarity is None and called_false is not None:
            polarity = called_false
    v["flipped_x_coverage"] = v["flipped"] * v["coverage"]
    v["same_x_coverage"] = v["same_predicate"] * v["coverage"]
    v["refutation_x_coverage"] = v["refutation_cue"] * v["coverage"]
    return Alignment(
        vector=tuple(v[k] for k in FEATURES),
        conflicts=tuple(out.conflicts),
        speakers=tuple(out.speakers),
        agreements=tuple(out.agreements),
        polarity=polarity,
        remarks=tuple(out.remarks),
        aligned=aligned_any,
        figure_claim=figure_claim,
        source_reported=reported,
        deciding_main=d_main,
        deciding_overlap=d_overlap,
        deciding_open=d_open,
        deciding_asserted=d_source_main,
        asserted=d_asserted,
        claim_attributed=_attributed(claim),
        claim_reported=d_claim_reported,
        source_attributed=_attributed(source),
        called_false=called_false,
    )


def entity_terms(features: ClaimFeatures) -> frozenset[str]:
    """The entity tokens of a sentence, as the matcher spells them."""
    return frozenset(entity_token(e) for e in features.entities)
