"""Retrieval and rerank: a claim → the stored claims most likely to be about the same thing.

Candidates come from two places: the store's full-text index (BM25 over words) and, when the
store holds claim vectors of the configured embedder, its vector index (the nearest sentence
embeddings: paraphrases that share no word). Each candidate is then given an absolute
*relevance* in [0, 1]:

* by words: IDF-weighted coverage of the claim's terms (entities included) blended with a fuzzy
  token-set similarity;
* by meaning: the cosine of the two sentence vectors, mapped through a line fitted on CheckThat!
  ``train`` so that ``min_relevance`` sits where a cosine says "about the same thing" as often as
  the word score does at that floor (see ``cos_floor``);

and relevance is the larger of the two. Ranking adds the index's own BM25 (normalised per query)
and the cosine to relevance, so each half's ordering survives where relevance ties. Without an
embedder, or before any vector is stored, matching is by words alone, as it was.

Below ``min_relevance`` a candidate is not a match, but it may still be *related reading*: a
sentence about the same subject that does not restate the claim (a study's finding for a claim
about its question). A few of those (``related``, one per article) are returned after every
match, marked ``Scored.related``; their relevance stays below the floor, so stance never judges
them (``checks.stance.gated``) and they never move a verdict. See ``MatchSettings.related_cos``
for how far below the floor they may be.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from checks.claims import strip_links
from checks.models import ClaimFeatures
from checks.store.base import Candidate, Store
from checks.text_index import entity_token, query_terms, relevance_terms, stem

__all__ = [
    "DEFAULT_EMBEDDER",
    "MatchSettings",
    "Scored",
    "dense_relevance",
    "find_matches",
    "is_related_reading",
    "relevance",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Every number the matcher uses, named."""

    # Fitted on CheckThat! 2022 2A train (MAP@5), checked on dev; bench/retrieval.py measures.
    # claims taken from the full-text index before reranking (20 and 30 score the same MAP; 30
    # keeps the same sentence from several sources in a small store on one topic)
    candidates: int = 30
    dense_candidates: int = 20  # claims taken from the vector index (10 to 50: same MAP)
    max_terms: int = 32  # query terms kept (the rarest) for long inputs
    # the index's work grows with the postings it reads, not with the store: query terms are
    # taken rarest first while their claims add up to at most this many (at least min_terms).
    # 2,000 instead of 20,000: hybrid train MAP@5 unchanged (0.882 → 0.883); by words alone
    # train 0.7971 → 0.7907, dev 0.8927 → 0.8885, for several times less work at 1M claims
    posting_budget: int = 2_000
    min_terms: int = 1  # (3 and 1 score the same)
    min_relevance: float = 0.3  # below this a candidate is not a match at all
    topic_credit: float = 0.5  # a claim term found only in the candidate's title counts this much
    coverage_weight: float = 0.65  # relevance = coverage·w + fuzzy·(1 − w)
    lexical_weight: float = 0.5  # rank = relevance + lexical_weight · bm25 / best bm25 + …
    dense_weight: float = 3.0  # … + dense_weight · cosine (train MAP@5: 2 → 0.867, 3 → 0.870,
    # 4 → 0.869; dev 0.951 at 3)
    # relevance by meaning: a line through (cos_floor, min_relevance) and (cos_full, 1.0). On
    # train the word score's floor lets through the gold claim for 68 % of queries and the best
    # wrong candidate for 44 %; a cosine of 0.53 lets through the best wrong one as often (and
    # the gold one for 74 %), so that is where a cosine means "about the same thing"
    cos_floor: float = 0.53
    cos_full: float = 0.9
    top: int = 20  # matches kept after reranking (and judged for the verdict)
    # related reading: candidates below the floor kept as evidence to read, never judged
    related: int = 3  # at most this many, one per article, after every match (0: none)
    # a cosine from here up to cos_floor is "about the same subject". Chosen on CheckThat!
    # train with each query's own fact-check removed (a claim the store does not hold): the
    # lowest cosine at which at most half of the queries left without a match get an item
    # (0.40: 92 %, 0.45: 65 %, 0.47: 46 %; dev 0.54 at 0.47); bench/retrieval.py --related
    related_cos: float = 0.47


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate with its relevance and its rank in one query."""

    candidate: Candidate
    relevance: float  # absolute, in [0, 1]
    rank_score: float  # for ordering within one query
    related: bool = False  # related reading: below min_relevance, shown but never judged


class _Default:
    """Marker: use the process's configured embedder (``$CROSSCHECK_EMBEDDER``)."""


DEFAULT_EMBEDDER: Any = _Default()


@functools.lru_cache(maxsize=65_536)
def _cached_terms(text: str, entities: tuple[str, ...]) -> frozenset[str]:
    """Terms of claims stored before their term sets were (computed once per process)."""
    return relevance_terms(text, entities)


def _candidate_terms(c: Candidate) -> frozenset[str]:
    if c.terms is not None:
        return c.terms
    return _cached_terms(c.claim.text, tuple(c.claim.features.entities))


def relevance(
    claim_text: str,
    claim_features: ClaimFeatures,
    candidate_text: str,
    candidate_features: ClaimFeatures,
    idf: dict[str, float] | None = None,
    settings: MatchSettings | None = None,
) -> float:
    """How much of the claim the candidate speaks to by its words, in [0, 1]. Figures are left
    out: a different number is for stance to judge, not a reason to look elsewhere."""
    s = settings or MatchSettings()
    return _relevance(
        relevance_terms(claim_text, claim_features.entities),
        relevance_terms(candidate_text, candidate_features.entities),
        candidate_features,
        idf or {},
        s,
    )


def is_related_reading(score: float, settings: MatchSettings | None = None) -> bool:
    """Whether a match of this relevance is related reading: below the judging floor, so shown
    as evidence to read, never as agreeing or conflicting (for adapters labelling answers)."""
    return score < (settings or MatchSettings()).min_relevance


def dense_relevance(cosine: float, settings: MatchSettings | None = None) -> float:
    """Relevance by meaning: the cosine of two sentence vectors on the same 0–1 scale as
    :func:`relevance` (``min_relevance`` at ``cos_floor``, 1 at ``cos_full``)."""
    s = settings or MatchSettings()
    slope = (1.0 - s.min_relevance) / max(s.cos_full - s.cos_floor, 1e-6)
    return min(1.0, max(0.0, s.min_relevance + (cosine - s.cos_floor) * slope))


def _relevance(
    mine: frozenset[str] | set[str],
    theirs: frozenset[str],
    candidate_features: ClaimFeatures,
    idf: dict[str, float],
    s: MatchSettings,
) -> float:
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


def _query_embedder(embedder: Any) -> Any:
    if not isinstance(embedder, _Default):
        return embedder
    from checks.embed import get_embedder

    try:
        return get_embedder()
    except Exception as exc:  # a broken model: match by words, and say so once
        if not getattr(_query_embedder, "warned", False):
            log.warning("matching by words only: the embedder cannot be loaded (%s)", exc)
            _query_embedder.warned = True  # type: ignore[attr-defined]
        return None


def _lexical(
    store: Store,
    text: str,
    features: ClaimFeatures,
    s: MatchSettings,
    exclude_sources: Sequence[str],
) -> tuple[list[Candidate], dict[str, float]]:
    """Full-text candidates and the IDF of the query's terms."""
    terms = query_terms(text, features.entities)
    if not terms:
        return [], {}
    total = max(store.approx_claim_count(), 1)
    freqs = store.term_frequencies(terms)
    present = [t for t in terms if freqs.get(t, 0) > 0]
    idf: dict[str, float] = {}
    for t, f in freqs.items():
        w = math.log(1 + (total + 1) / (f + 1))
        idf[stem(t) if not t.startswith("zz") else t] = w
    if not present:
        return [], idf
    present.sort(key=lambda t: freqs[t])
    chosen: list[str] = []
    postings = 0
    budget = min(s.posting_budget, store.posting_budget)
    for t in present[: s.max_terms]:
        if len(chosen) >= s.min_terms and postings + freqs[t] > budget:
            break
        chosen.append(t)
        postings += freqs[t]
    return store.search(chosen, limit=s.candidates, exclude_sources=exclude_sources), idf


def find_matches(
    store: Store,
    text: str,
    features: ClaimFeatures,
    settings: MatchSettings | None = None,
    *,
    exclude_sources: Sequence[str] = (),
    embedder: Any = DEFAULT_EMBEDDER,
    query_vector: np.ndarray | None = None,
) -> list[Scored]:
    """The stored claims most relevant to ``text``, best first, above ``min_relevance``; then
    at most ``related`` related-reading candidates (``Scored.related``, relevance below the
    floor, one per article), best first.

    ``embedder`` is the process's configured one by default; None matches by words only. The
    query is embedded once (or ``query_vector`` is used) and only when the store holds vectors
    of that embedder."""
    s = settings or MatchSettings()
    text = strip_links(text)
    lexical, idf = _lexical(store, text, features, s, exclude_sources)
    dense: list[Candidate] = []
    cos: dict[int, float] = {}
    # the embedder is loaded only for a store that holds vectors (a lexical-only store never
    # pays for the model)
    model = store.vector_model() if s.dense_candidates > 0 and embedder is not None else None
    emb = _query_embedder(embedder) if model else None
    if emb is not None and model == emb.name:
        q = query_vector if query_vector is not None else emb.embed([text])[0]
        dense = store.nearest(emb.name, q, s.dense_candidates, exclude_sources=exclude_sources)
        cos = {c.claim.id or 0: c.cosine or 0.0 for c in dense}
        missing = [c.claim.id or 0 for c in lexical if (c.claim.id or 0) not in cos]
        if missing:
            cos.update(store.cosines(emb.name, q, missing))
    if not lexical and not dense:
        return []
    best_lexical = max((c.lexical for c in lexical), default=0.0) or 1.0
    mine = relevance_terms(text, features.entities)  # once per query, not per candidate
    seen: set[int] = set()
    scored: list[Scored] = []
    reading: list[Scored] = []
    for c in [*lexical, *dense]:
        cid = c.claim.id or 0
        if cid in seen:
            continue
        seen.add(cid)
        rel = _relevance(mine, _candidate_terms(c), c.claim.features, idf, s)
        bonus = s.lexical_weight * (c.lexical / best_lexical)
        if cid in cos:
            if c.cosine is None:
                c = replace(c, cosine=cos[cid])
            bonus += s.dense_weight * cos[cid]
            rel = max(rel, dense_relevance(cos[cid], s))
        if rel >= s.min_relevance:
            scored.append(Scored(c, rel, rel + bonus))
        elif s.related > 0 and cos.get(cid, -1.0) >= s.related_cos:
            reading.append(Scored(c, rel, rel + bonus, related=True))
    scored.sort(key=lambda x: x.rank_score, reverse=True)
    return scored[: s.top] + _one_per_article(reading, s.related)


def _one_per_article(reading: list[Scored], limit: int) -> list[Scored]:
    """The best related-reading sentence of each article, best first, at most ``limit``."""
    reading.sort(key=lambda x: x.rank_score, reverse=True)
    out: list[Scored] = []
    articles: set[str] = set()
    for x in reading:
        if len(out) >= limit:
            break
        key = x.candidate.url or str(x.candidate.claim.id)
        if key not in articles:
            articles.add(key)
            out.append(x)
    return out
