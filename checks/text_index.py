"""How claims are spelled for the full-text index and for queries (one place for both sides)."""

from __future__ import annotations

import functools
import re

from checks import lexicon as lx
from checks.claims import tokens

__all__ = [
    "entity_token",
    "index_terms",
    "query_terms",
    "relevance_terms",
    "stem",
    "term_set_text",
]

_SUFFIX = re.compile(r"(?:ing|ed|ly|ment|ness)$")


def entity_token(key: str) -> str:
    """A single index token for a canonical entity: "united kingdom" → "zzunitedkingdom"."""
    return "zz" + re.sub(r"[^a-z0-9]", "", key.lower())


def stem(word: str) -> str:
    """A light stem for comparing words outside the index: plural and common suffixes."""
    w = lx.singular(word)
    if len(w) > 5:
        w = _SUFFIX.sub("", w)
    return w


def index_terms(text: str, entities: tuple[str, ...] | list[str] = ()) -> str:
    """The text stored in the full-text index for one claim."""
    return _index_terms(text, tuple(entities))


@functools.lru_cache(maxsize=1024)  # an article's title is indexed once per claim
def _index_terms(text: str, entities: tuple[str, ...]) -> str:
    return " ".join([*tokens(text), *(entity_token(e) for e in entities)])


def query_terms(text: str, entities: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Distinct meaningful terms of a claim, in order, for a full-text query."""
    seen: dict[str, None] = {}
    for t in tokens(text):
        if t in lx.STOPWORDS or t in lx.NEGATORS or (len(t) < 2 and not t.isdigit()):
            continue
        seen.setdefault(t, None)
    for e in entities:
        seen.setdefault(entity_token(e), None)
    return list(seen)


def relevance_terms(text: str, entities: tuple[str, ...] | list[str] = ()) -> frozenset[str]:
    """The terms the matcher compares claims by: stemmed content words (no figures); names of
    known places and organisations become one entity term. Stored with each claim at ingest, so
    a check never re-tokenises its candidates."""
    out = {
        stem(t)
        for t in tokens(text)
        if t not in lx.STOPWORDS and not t[0].isdigit() and t not in lx.ENTITY_ALIASES
    }
    out.update(entity_token(e) for e in entities)
    return frozenset(out)


def term_set_text(text: str, entities: tuple[str, ...] | list[str] = ()) -> str:
    """:func:`relevance_terms` as stored: sorted, space-separated."""
    return " ".join(sorted(relevance_terms(text, entities)))
