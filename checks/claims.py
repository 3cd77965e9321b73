"""Text → check-worthy claims and their features.

``split_claims`` turns an article into sentences that state something checkable, dropping the
furniture of web pages (copyright lines, sign-in prompts, photo credits and captions, bylines).
``features`` reads what a sentence says beyond its words: figures with the thing they count and
how they are bounded, dates, stance polarity and negation, who said it, and which places,
people and organisations it names.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from checks import lexicon as lx
from checks.errors import InputError
from checks.models import Bound, Claim, ClaimFeatures, DateRef, Quantity

__all__ = [
    "MAX_CLAIM_CHARS",
    "clean_text",
    "content_terms",
    "entities",
    "features",
    "is_boilerplate",
    "is_link",
    "split_claims",
    "strip_links",
    "tokens",
    "validate_claim",
    "worthiness",
]

MAX_CLAIM_CHARS = 2_000  # a claim longer than this is not one claim
MIN_CLAIM_WORDS = 5  # shorter sentences are headings, captions or fragments
MAX_SENTENCE_CHARS = 1_000  # a "sentence" longer than this is a run-on list or markup debris

# --------------------------------------------------------------------------- cleaning

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Normalise Unicode, drop zero-width and control characters, keep line breaks."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text


# --------------------------------------------------------------------------- tokens

_LINK = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+|(?<!\w)@\w{1,30}", re.IGNORECASE)


def strip_links(text: str) -> str:
    """Text without URLs and @handles: they name where a claim was posted, not what it says."""
    return _LINK.sub(" ", text)


_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’.-]*[A-Za-z]|[A-Za-z]|\d+(?:[.,]\d+)*|[$£€¥₹%]")


def tokens(text: str) -> list[str]:
    """Lower-case word and number tokens; hyphenated words also give their parts."""
    out: list[str] = []
    for raw in _TOKEN.findall(text):
        t = raw.lower().replace("’", "'")
        if t.endswith("'s"):
            t = t[:-2]
        elif t.endswith("n't"):
            out.append(t[:-3])
            out.append("n't")
            continue
        t = t.strip(".'")
        if not t:
            continue
        if "-" in t or ("." in t and not t[0].isdigit()):
            parts = [p for p in re.split(r"[-.]", t) if p]
            out.extend(parts)
            if len(parts) > 1 and "-" in t:
                out.append("".join(parts))  # peace-keepers → peacekeepers as well
            continue
        out.append(t)
    return out


def content_terms(text: str) -> list[str]:
    """Tokens that carry meaning: no stop words, numbers without separators, singular nouns."""
    terms: list[str] = []
    for t in tokens(text):
        if t in lx.STOPWORDS or t in {"$", "£", "€", "¥", "₹", "%"}:
            continue
        if t[0].isdigit():
            terms.append(t.replace(",", ""))
        else:
            terms.append(lx.singular(t))
    return terms


# --------------------------------------------------------------------------- boilerplate

# The larger patterns of this module are compiled on first use (functools.cache'd getters): a
# process that never splits an article or reads a figure does not pay for them at import.
_BOILERPLATE = r"""
    ©|\(c\)\s*\d{4}|\bcopyright\b|all\ rights\ reserved|terms\ of\ (use|service)
    |privacy\ policy|cookie\ (policy|settings)|use\ of\ this\ site|this\ material\ may\ not
    |\bsign\ (in|up)\b|\blog\ ?in\b|create\ an?\ (free\ )?account|\bsubscribe\b|newsletter
    |already\ a\ subscriber|\bpaywall\b|share\ this\ (article|story)|click\ here|read\ more
    |\badvertisement\b|follow\ us\ on|\bphoto(graph)?\s*(by|credit)?\s*:|\bimage\s*(by|credit)?\s*:
    |\bcredit\s*:|getty\ images|shutterstock|\bvia\ (ap|afp|reuters|getty)\b
    |\b(ap|afp|reuters|epa)\ photo\b|pool\ via|\bfile\ photo\b
    |^\s*(reporting|editing|written|additional\ reporting)\ by\ \S
    |^\s*(updated|published|posted)\s*:?\s+\w+\ \d
    """


@functools.cache
def _boilerplate() -> re.Pattern[str]:
    return re.compile(_BOILERPLATE, re.IGNORECASE | re.VERBOSE)


_NOT_A_NAME = "|".join(
    w.capitalize() for w in (*lx.WEEKDAYS, *(m for m in lx.MONTHS if len(m) > 3))
)
_BYLINE = re.compile(
    rf"^\s*(?i:by)\s+(?!(?:{_NOT_A_NAME})\b)[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){{0,3}}\s*(,|$|\sand\s)"
)


def is_boilerplate(line: str) -> bool:
    """True for page furniture: copyright/terms lines, sign-in prompts, credits, bylines."""
    return bool(_boilerplate().search(line) or _BYLINE.match(line))


def _is_heading_or_caption(line: str) -> bool:
    """A short line without closing punctuation that reads as a title, dateline or outlet name:
    most of its longer words capitalised ("Border Talks Resume in Geneva"), or a fragment of a
    few words. A short line in sentence case ("Vitamin D levels were lower in severe cases") is
    a sentence that lacks its full stop, and is kept."""
    words = line.split()
    if len(words) >= 14 or re.search(r"[.!?\"”’)]\s*$", line):
        return False
    if len(words) < MIN_CLAIM_WORDS or line.rstrip().endswith(":"):
        return True
    longer = [w for w in words[1:] if sum(map(str.isalpha, w)) >= 4]
    if not longer:
        return True
    capitalised = sum(1 for w in longer if w[:1].isupper())
    return capitalised >= 0.6 * len(longer)


# --------------------------------------------------------------------------- splitting


def _split_line(line: str) -> list[str]:
    """Sentences of one line, whose concatenation is the line itself (sentencex keeps the
    spaces between sentences), so offsets can be counted exactly."""
    import sentencex

    parts = list(sentencex.segment("en", line))
    if "".join(parts) != line:  # never seen; keep exact offsets whatever the library does
        return [line]
    return parts


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    text: str


def _sentences(text: str) -> Iterator[_Span]:
    """Sentences with exact offsets into ``text``; one line (paragraph) at a time."""
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        if is_boilerplate(stripped) and len(stripped.split()) < 40:
            continue
        if _is_heading_or_caption(stripped):
            continue
        start_in_line = 0
        for raw in _split_line(line):
            lead = len(raw) - len(raw.lstrip())
            body = raw.strip()
            if body:
                start = line_start + start_in_line + lead
                yield _Span(start, start + len(body), body)
            start_in_line += len(raw)


_DATELINE = re.compile(
    r"^(?:[A-Z][A-Za-z .,]{0,40}\s)?"
    r"(?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{4}-\d\d-\d\d)\s*[—–-]+\s*"
)


def _is_check_worthy(sentence: str) -> bool:
    if len(sentence) > MAX_SENTENCE_CHARS or sentence.endswith("?"):
        return False
    if is_boilerplate(sentence):
        return False
    words = sentence.split()
    if len(words) < MIN_CLAIM_WORDS:
        return False
    letters = sum(map(str.isalpha, sentence))
    if letters < 0.5 * len(sentence.replace(" ", "")):
        return False  # mostly digits or symbols: tables, codes
    return len(content_terms(sentence)) >= 3


def split_claims(text: str, *, title: str = "") -> list[Claim]:
    """Split article text into check-worthy claims; offsets index into ``text`` exactly."""
    claims: list[Claim] = []
    for span in _sentences(text):
        start, body = span.start, span.text
        m = _DATELINE.match(body)
        if m:  # "March 11, 2025 — European governments ..." quote from after the dateline
            start += m.end()
            body = body[m.end() :]
        if not _is_check_worthy(body):
            continue
        claims.append(
            Claim(
                position=len(claims),
                start=start,
                end=start + len(body),
                text=body,
                features=features(body, context=title),
            )
        )
    return claims


# --------------------------------------------------------------------------- features

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = "|".join(sorted(lx.NUMBER_WORDS, key=len, reverse=True))
_SCALE = "|".join(sorted((s for s in lx.SCALES if len(s) > 1), key=len, reverse=True))
_BOUND = "|".join(sorted((re.escape(b) for b in lx.BOUND_WORDS), key=len, reverse=True))
_VAGUE = "|".join(sorted((re.escape(v) for v in lx.VAGUE_AMOUNTS), key=len, reverse=True))
_VAGUE_PL = "|".join(sorted((re.escape(v) for v in lx.VAGUE_PLURALS), key=len, reverse=True))
_CURRENCY = "|".join(re.escape(c) for c in lx.CURRENCY_SYMBOLS)

_QUANTITY = rf"""
    (?:(?P<bound>{_BOUND})\s+)?
    (?:
        (?P<vaguepl>{_VAGUE_PL})\s+of\b
      | (?:(?P<vague>{_VAGUE})\s+(?P<vscale>{_SCALE}|hundred|dozen)s?\b)
      | (?P<cur>{_CURRENCY})?\s?
        (?<![\w.,])(?P<num>(?:{_NUM})(?!\d)|(?:{_WORDNUM})(?:[\s-](?:{_WORDNUM}))*\b)
        (?:[\s-]?(?P<scale>{_SCALE}|k|m|bn|b|tn)\b)?
        (?P<pct>\s?%|\s?per\s?cent\b|\s?percent\b)?
    )
    """


@functools.cache
def _quantity() -> re.Pattern[str]:
    return re.compile(_QUANTITY, re.IGNORECASE | re.VERBOSE)


_UNIT_WORD = re.compile(r"[\s-]+(?:of\s+)?([A-Za-z][A-Za-z'’-]*)")
_UNIT_STOP = lx.STOPWORDS | lx.NEGATORS | {"per", "each", "every", "a", "an", "the", "more"}
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
_MONTH_NAMES = "|".join(
    sorted((m for m in lx.MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True)
)
_MAY_CONTEXT = re.compile(
    r"\b(?:in|since|until|by|from|early|late|mid|of|last|next|this)\s+$", re.I
)
_DATE = re.compile(
    rf"""
    \b(?P<iso>(?P<iy>\d{{4}})-(?P<im>\d\d)-(?P<id>\d\d))\b
  | \b(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTH_NAMES})\b(?:,?\s+(?P<y1>\d{{4}}))?
  | \b(?P<m2>{_MONTH_NAMES})\b(?:\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b)?(?:,?\s+(?P<y2>\d{{4}}))?
  | \b(?:in|since|by|until|of|from|before|after)\s+
    (?P<y3>(?:1[89]|20)\d\d\b|21\d\d\b(?!\s*%|\s+[a-z]+s\b))  # 21xx: not "by 2100 tonnes"
    """,
    re.IGNORECASE | re.VERBOSE,
)


def _parse_number(num: str) -> float | None:
    num = num.strip().lower()
    if num[0].isdigit():
        return float(num.replace(",", ""))
    total, current = 0.0, 0.0
    for word in re.split(r"[\s-]+", num):
        value = lx.NUMBER_WORDS.get(word)
        if value is None:
            return None
        if word == "hundred":
            current = max(current, 1) * 100
        elif word == "dozen":
            current = max(current, 1) * 12
        else:
            current += value
    return total + current


def _unit_after(text: str, pos: int) -> str | None:
    """The counted thing after a figure: the first plural-looking word of the next three."""
    words: list[str] = []
    for _ in range(3):
        m = _UNIT_WORD.match(text, pos)
        if not m:
            break
        word = m.group(1).lower().strip("'’-")
        if word in _UNIT_STOP or word in lx.MONTHS or word in lx.SCALES:
            break
        words.append(word)
        pos = m.end()
    if not words:
        return None
    for w in words:
        if w in lx.MEASURE_UNITS or lx.singular(w) in lx.MEASURE_UNITS:
            return lx.MEASURE_UNITS.get(w) or lx.MEASURE_UNITS[lx.singular(w)]
    head = next((w for w in words if lx.singular(w) != w), words[0])
    if "-" in head:
        head = head.rsplit("-", 1)[-1]
    unit = lx.singular(head)
    return lx.UNIT_SYNONYMS.get(unit, unit)


def _interval(value: float, bound: Bound) -> tuple[float, float]:
    match bound:
        case Bound.AT_MOST:
            return 0.0, value
        case Bound.AT_LEAST:
            return value, float("inf")
        case Bound.ABOUT:
            return value * 0.9, value * 1.1
        case _:
            return value * 0.995, value * 1.005


_MAYBE_FIGURE = re.compile(rf"\d|\b(?:{_WORDNUM}|{_VAGUE}|{_VAGUE_PL}|dozen)", re.IGNORECASE)


def quantities(text: str, date_spans: list[tuple[int, int]] | None = None) -> list[Quantity]:
    """Figures with the thing they count and how they are bounded."""
    if not _MAYBE_FIGURE.search(text):
        return []  # most sentences hold no figure: skip the full pattern
    spans = date_spans or []
    found: list[Quantity] = []
    for m in _quantity().finditer(text):
        if not m.group(0).strip() or any(
            s <= m.start("num") < e for s, e in spans if m.group("num")
        ):
            continue
        bound_word = (m.group("bound") or "").lower()
        bound = Bound(lx.BOUND_WORDS[bound_word]) if bound_word else Bound.EXACT
        if m.group("vaguepl"):
            low, high = lx.VAGUE_PLURALS[m.group("vaguepl").lower()]
            value, bound = (low + high) / 2, Bound.VAGUE
        elif m.group("vague"):
            scale = lx.SCALES.get(m.group("vscale").lower().rstrip("s"), 12.0)
            lo, hi = lx.VAGUE_AMOUNTS[m.group("vague").lower()]
            low, high = lo * scale, hi * scale
            value, bound = (low + high) / 2, Bound.VAGUE
        else:
            num = m.group("num")
            if not num:
                continue
            parsed = _parse_number(num)
            if parsed is None:
                continue
            scale_word = (m.group("scale") or "").lower()
            if scale_word in {"m", "b", "k"} and not m.group("cur") and "." not in num:
                scale_word = ""  # "5 m" is more likely metres than millions without a currency
            if not scale_word and not m.group("cur") and _YEAR.match(num) and not m.group("pct"):
                continue  # a bare year is a date, not a figure
            value = parsed * lx.SCALES.get(scale_word, 1.0)
            if not num[0].isdigit() and value == 1 and not m.group("scale"):
                continue  # "one" is too often a pronoun
            low, high = _interval(value, bound)
        if m.group("cur"):
            unit: str | None = lx.CURRENCY_SYMBOLS[m.group("cur")]
        elif m.group("pct"):
            unit = "percent"
        else:
            unit = _unit_after(text, m.end())
        found.append(
            Quantity(
                value=value,
                bound=bound,
                unit=unit,
                text=m.group(0).strip(),
                low=low,
                high=high,
            )
        )
    return found


def dates(text: str) -> tuple[list[DateRef], list[tuple[int, int]]]:
    """Dates and months mentioned, with their character spans (so figures skip them)."""
    refs: list[DateRef] = []
    spans: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        g = m.groupdict()
        if g["iso"]:
            y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"])
            if not 1 <= mo <= 12:
                continue
            ref = DateRef(text=m.group(0), year=y, month=mo, day=d)
        elif g["m1"]:
            if g["m1"].lower() == "may" and g["m1"] != "May":
                continue
            ref = DateRef(
                text=m.group(0),
                day=int(g["d1"]),
                month=lx.MONTHS[g["m1"].lower()],
                year=int(g["y1"]) if g["y1"] else None,
            )
        elif g["m2"]:
            word = g["m2"]
            if word.lower() == "may" and not (
                word == "May" and (g["d2"] or g["y2"] or _MAY_CONTEXT.search(text, 0, m.start()))
            ):
                continue  # the verb "may"
            if word[0].islower() and not (g["d2"] or g["y2"]):
                continue  # "march" as a verb or noun
            ref = DateRef(
                text=m.group(0),
                month=lx.MONTHS[word.lower()],
                day=int(g["d2"]) if g["d2"] else None,
                year=int(g["y2"]) if g["y2"] else None,
            )
        else:
            ref = DateRef(text=m.group("y3"), year=int(g["y3"]))
            spans.append((m.start("y3"), m.end("y3")))
            refs.append(ref)
            continue
        spans.append((m.start(), m.end()))
        refs.append(ref)
    return refs, spans


def _stance_regex(stems: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for s in stems:
        if " " in s or "-" in s:
            parts.append(re.escape(s) + r"\b")
        else:
            parts.append(re.escape(s) + r"[a-z]*\b")
    return re.compile(r"\b(?:" + "|".join(parts) + ")", re.IGNORECASE)


@functools.cache
def _stance_patterns() -> tuple[tuple[int, re.Pattern[str]], ...]:
    """(+1, words of support), (-1, words of rejection)."""
    return (1, _stance_regex(lx.POSITIVE_STANCE)), (-1, _stance_regex(lx.NEGATIVE_STANCE))


_NEGATOR = re.compile(
    r"\b(?:not|no|never|neither|nor|none|nobody|nothing|cannot|without)\b|n['’]t\b", re.I
)
_NOT_ONLY = re.compile(r"\bnot\s+only\b|\bno\s+(?:doubt|longer\s+than)\b", re.I)
# stems that are too often other words: "back" (the noun), "ban" in "banner", "favo" in favourite
_STANCE_FALSE_FRIENDS = re.compile(
    r"\b(?:background|backed-up|backlog|backdrop|bank\w*|band\w*|banner|banana|favou?rite\w*"
    r"|blockade|blockbuster|halter|supporter|supporters|confirmation|agreement|agreements"
    r"|against all odds|opposition\w*|opponents?|denis\w*|backs?\s+(?:of|to|in)\b"
    r"|decline[sd]?\s+to\s+comment)\b",
    re.I,
)


def polarity(text: str) -> tuple[int, str | None, bool]:
    """(+1/-1/0, the stance word, negated): "rules out" → -1; "did not reject" → +1."""
    cleaned = _NOT_ONLY.sub(" ", text)
    negators = [m.start() for m in _NEGATOR.finditer(cleaned)]
    hits: list[tuple[int, int, str]] = []
    for sign, pattern in _stance_patterns():
        for m in pattern.finditer(cleaned):
            word = m.group(0)
            if _STANCE_FALSE_FRIENDS.match(cleaned, m.start()):
                continue
            hits.append((m.start(), sign, word))
    hits.sort()
    if not hits:
        return 0, None, bool(negators)
    pos, sign, word = hits[0]
    window = cleaned[max(0, pos - 40) : pos]
    flipped = any(pos - 40 <= n < pos for n in negators) and bool(_NEGATOR.search(window))
    shown = f"not {word.lower()}" if flipped else word.lower()
    return (-sign if flipped else sign), shown, bool(negators)


_NAME = r"(?:[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|al|bin|de|van|von|der)){0,4})"
_ATTRIBUTION = [
    re.compile(rf"(?P<who>{_NAME}),?\s+(?:has\s+|had\s+)?(?:{lx.SPEECH_VERBS})\b"),
    re.compile(rf"\b(?i:according)\s+to\s+(?:the\s+)?(?P<who>{_NAME})"),
    re.compile(
        rf"(?P<who>{_NAME})\s*(?:,[^,]{{1,120}},\s*)?(?:has\s+|had\s+)?(?:{lx.SPEECH_VERBS})\b"
    ),
    re.compile(rf"(?:{lx.SPEECH_VERBS})\s+(?P<who>{_NAME})"),
]


def _person_key(name: str) -> str | None:
    words = [re.sub(r"['’]s$", "", w.strip(".,'’")).lower() for w in name.split()]
    words = [w for w in words if w and w not in lx.HONORIFICS]
    if not words:
        return None
    joined = " ".join(words)
    if joined in lx.ENTITY_ALIASES:
        return lx.ENTITY_ALIASES[joined]
    return words[-1]


def speaker(text: str) -> str | None:
    """Who a sentence attributes its content to, as a comparable key (surname or entity)."""
    for pattern in _ATTRIBUTION:
        for m in pattern.finditer(text):
            who = m.group("who")
            first = who.split()[0].strip(".,").lower()
            if first in lx.STOPWORDS and first not in lx.HONORIFICS:
                continue
            key = _person_key(who)
            if key and key not in lx.STOPWORDS and key not in lx.WEEKDAYS:
                return key
    return None


_ALIAS_WORD = re.compile(r"[A-Za-z][\w.'’-]*")
_ALIAS_MAX_WORDS = max(len(a.split()) for a in lx.ENTITY_ALIASES)
_ALIAS_STARTS = frozenset(a.split()[0] for a in lx.ENTITY_ALIASES if " " in a)
_POSSESSIVE = re.compile(r"['’]s$")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:-[a-z]+)?(?:[-\s]+[A-Z][a-z]+(?:-[a-z]+)?){0,3}\b")


@functools.lru_cache(maxsize=4096)
def _topic(title: str) -> tuple[str, ...]:
    """A title's known places and organisations (every claim of an article asks again)."""
    return tuple(dict.fromkeys(k for k, _, _ in _known_entities(title)))


def _alias(surface: str) -> str | None:
    """The canonical entity a run of words names, if it is a known alias."""
    key = surface.lower().rstrip(",;:")
    if key.endswith(("'s", "’s")):
        key = key[:-2]
    for k in (key, key.rstrip(".")):
        canon = lx.ENTITY_ALIASES.get(k)
        if canon is not None:
            if (
                k.replace(".", "") in lx.CASE_SENSITIVE_ALIASES
                and not surface.rstrip(".").isupper()
            ):
                return None  # "us" and "who" are words; only "US" and "WHO" are names
            return canon
    return None


def _known_entities(text: str) -> list[tuple[str, int, int]]:
    """Known places and organisations, longest alias first ("North Korea" before "Korea"),
    by dictionary look-ups over runs of up to a few words."""
    words = [(m.group(0), m.start(), m.end()) for m in _ALIAS_WORD.finditer(text)]
    found = []
    i = 0
    while i < len(words):
        longest = _ALIAS_MAX_WORDS if words[i][0].lower() in _ALIAS_STARTS else 1
        for n in range(min(longest, len(words) - i), 0, -1):
            run = words[i : i + n]
            canon = _alias(" ".join(w for w, _, _ in run))
            if canon is not None:
                found.append((canon, run[0][1], run[-1][2]))
                i += n
                break
        else:
            i += 1
    return found


def entities(text: str) -> list[str]:
    """Canonical keys of the places, organisations and people a text names."""
    known = _known_entities(text)
    found = [k for k, _, _ in known]
    taken = [(s, e) for _, s, e in known]
    for m in _CAPITALISED.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        key = _person_key(m.group(0))
        if not key or key in lx.STOPWORDS or key in lx.MONTHS or key in lx.WEEKDAYS or len(key) < 3:
            continue
        if m.start() == 0 and len(m.group(0).split()) == 1:
            continue  # the sentence's first word is capitalised anyway
        found.append(key)
    return list(dict.fromkeys(found))


def features(text: str, *, context: str = "") -> ClaimFeatures:
    """Everything stance needs to compare two sentences."""
    refs, spans = dates(text)
    pol, word, negated = polarity(text)
    ents = entities(text)
    # the title's places and organisations (not its other title-cased words)
    topic = list(_topic(context)) if context else []
    return ClaimFeatures(
        quantities=tuple(quantities(text, spans)),
        dates=tuple(refs),
        polarity=pol,
        polar_word=word,
        negated=negated,
        speaker=speaker(text),
        entities=tuple(ents),
        topic=tuple(topic),
    )


# --------------------------------------------------------------------------- one asked claim


def validate_claim(text: str) -> str:
    """The claim cleaned for checking, or an :class:`InputError` saying why it cannot be."""
    if not isinstance(text, str):
        raise InputError("the claim must be text")
    limit = MAX_CLAIM_CHARS
    if len(text) > 20 * limit:
        raise InputError(f"the claim is too long ({len(text):,} characters; at most {limit:,})")
    cleaned = " ".join(clean_text(text).split())
    if not cleaned:
        raise InputError("the claim is empty")
    if len(cleaned) > limit:
        raise InputError(f"the claim is too long ({len(cleaned):,} characters; at most {limit:,})")
    if not any(c.isalpha() for c in cleaned):
        raise InputError("the claim has no words to check")
    if _is_other_link(cleaned):
        raise InputError("only http and https links can be checked")
    return cleaned


# a URI scheme (RFC 3986: a letter, then letters, digits, "+", "-", "."); one letter would be a
# Windows drive ("C:\\…")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]+):(\S*)", re.IGNORECASE)
# schemes whose links have no "//" after the colon
_OPAQUE_SCHEMES = frozenset({"javascript", "vbscript", "data", "mailto", "about", "blob", "tel"})


def is_link(text: str) -> bool:
    """Whether what was asked is one web link (checked as a page) rather than a claim."""
    t = text.strip()
    return t.lower().startswith(("http://", "https://")) and not any(c.isspace() for c in t)


def _is_other_link(text: str) -> bool:
    """Whether ``text`` is one link of another kind than the web's (``file:``, ``ftp:``,
    ``gopher:``, ``javascript:`` …): asked for as a link, so not a claim, and never fetched."""
    m = _SCHEME.fullmatch(text.strip())
    if m is None or is_link(text):
        return False
    scheme, rest = m.group(1).lower(), m.group(2)
    return rest.startswith("//") or scheme in _OPAQUE_SCHEMES


def worthiness(claim: Claim) -> float:
    """How much a sentence gives to check: figures, dates, stance words, names, a speaker."""
    f = claim.features
    score = min(len(f.quantities), 2) * 1.5 + min(len(f.dates), 1)
    score += 1.0 if f.polarity else 0.0
    score += min(len(f.entities), 3) * 0.5 + (0.5 if f.speaker else 0.0)
    words = len(claim.text.split())
    if words > 45:
        score -= 1.0  # long sentences carry several claims and match poorly
    return score
