"""Retrieval and rerank: a claim → the stored claims most likely to be about the same thing.

Candidates come from the store's full-text index (BM25). Each is then given an absolute
*relevance* in [0, 1] from how much of the claim's meaning it covers (IDF-weighted term
coverage, entities included) and a fuzzy token-set similarity. Ranking blends relevance with
the index's own score, so that BM25's ordering survives where relevance ties.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from checks import lexicon as lx
from checks.claims import strip_links, tokens
from checks.models import ClaimFeatures
from checks.store.base import Candidate, Store
from checks.text_index import entity_token, query_terms, stem

__all__ = ["MatchSettings", "Scored", "find_matches", "relevance"]


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Every number the matcher uses, named."""

    candidates: int = 50  # claims taken from the full-text index before reranking
    max_terms: int = 32  # query terms kept (the rarest) for long inputs
    # the index's work grows with the postings it reads, not with the store: query terms are
    # taken rarest first while their claims add up to at most this many (at least min_terms)
    posting_budget: int = 20_000
    min_terms: int = 3
    min_relevance: float = 0.3  # below this a candidate is not a match at all
    topic_credit: float = 0.5  # a claim term found only in the candidate's title counts this much
    coverage_weight: float = 0.65  # relevance = coverage·w + fuzzy·(1 − w)
    lexical_weight: float = 0.5  # rank = relevance + lexical_weight · bm25 / best bm25
    top: int = 20  # matches kept after reranking (and judged for the verdict)


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate with its relevance and its rank in one query."""

    candidate: Candidate
    relevance: float  # absolute, in [0, 1]
    rank_score: float  # for ordering within one query


def _terms_of(text: str, entities: tuple[str, ...]) -> set[str]:
    """Stemmed content words; names of known places and organisations become one entity term."""
    out = {
        stem(t)
        for t in tokens(text)
        if t not in lx.STOPWORDS and not t[0].isdigit() and t not in lx.ENTITY_ALIASES
    }
    out.update(entity_token(e) for e in entities)
    return out


def relevance(
    claim_text: str,
    claim_features: ClaimFeatures,
    candidate_text: str,
    candidate_features: ClaimFeatures,
    idf: dict[str, float] | None = None,
    settings: MatchSettings | None = None,
) -> float:
    """How much of the claim the candidate speaks to, in [0, 1]. Figures are left out:
    a different number is for stance to judge, not a reason to look elsewhere."""
    s = settings or MatchSettings()
    return _relevance(
        _terms_of(claim_text, claim_features.entities),
        candidate_text,
        candidate_features,
        idf or {},
        s,
    )


def _relevance(
    mine: set[str],
    candidate_text: str,
    candidate_features: ClaimFeatures,
    idf: dict[str, float],
    s: MatchSettings,
) -> float:
    theirs = _terms_of(candidate_text, candidate_features.entities)
    # what the candidate's article is about (its title's places) half counts as said by it
    topic = {entity_token(e) for e in candidate_features.topic} - theirs
    if not mine:
        return 0.0
    weights = {t: idf.get(t, 1.0) for t in mine}
    total = sum(weights.values()) or 1.0
    covered = sum(w for t, w in weights.items() if t in theirs)
    covered += s.topic_credit * sum(w for t, w in weights.items() if t in topic)
    coverage = covered / total
    fuzzy = fuzz.token_set_ratio(" ".join(sorted(mine)), " ".join(sorted(theirs | topic))) / 100.0
    return s.coverage_weight * coverage + (1 - s.coverage_weight) * fuzzy


def find_matches(
    store: Store,
    text: str,
    features: ClaimFeatures,
    settings: MatchSettings | None = None,
    *,
    exclude_sources: Sequence[str] = (),
) -> list[Scored]:
    """The stored claims most relevant to ``text``, best first, above ``min_relevance``."""
    s = settings or MatchSettings()
    text = strip_links(text)
    terms = query_terms(text, features.entities)
    if not terms:
        return []
    total = max(store.approx_claim_count(), 1)
    freqs = store.term_frequencies(terms)
    present = [t for t in terms if freqs.get(t, 0) > 0]
    if not present:
        return []
    present.sort(key=lambda t: freqs[t])
    chosen: list[str] = []
    postings = 0
    budget = min(s.posting_budget, store.posting_budget)
    for t in present[: s.max_terms]:
        if len(chosen) >= s.min_terms and postings + freqs[t] > budget:
            break
        chosen.append(t)
        postings += freqs[t]
    candidates = store.search(chosen, limit=s.candidates, exclude_sources=exclude_sources)
    if not candidates:
        return []
    idf: dict[str, float] = {}
    for t, f in freqs.items():
        w = math.log(1 + (total + 1) / (f + 1))
        idf[stem(t) if not t.startswith("zz") else t] = w
    best_lexical = max(c.lexical for c in candidates) or 1.0
    mine = _terms_of(text, features.entities)  # once per query, not per candidate
    scored = []
    for c in candidates:
        rel = _relevance(mine, c.claim.text, c.claim.features, idf, s)
        rank = rel + s.lexical_weight * (c.lexical / best_lexical)
        scored.append(Scored(c, rel, rank))
    scored.sort(key=lambda x: x.rank_score, reverse=True)
    return [x for x in scored if x.relevance >= s.min_relevance][: s.top]
