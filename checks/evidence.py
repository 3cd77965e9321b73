"""Scored candidates → evidence: which stored claims an asker may see, and what each becomes.

Retrieval (:mod:`checks.match`) finds stored claims by relevance alone. This module decides,
in one place, which of them may be shown (:class:`Audience`: a server sees its own moderators'
verdicts and no other server's; sources no longer configured are hidden), and turns each into a
judged :class:`~checks.models.Match` with its :class:`~checks.models.Citation` (a check) or a
:class:`~checks.models.FoundClaim` (the claim search).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from checks.align import Side, parses_of, side
from checks.frames import ClaimParse
from checks.match import Scored
from checks.models import Citation, ClaimFeatures, FoundClaim, Match, Stance
from checks.nli import ENV_VAR as NLI_ENV_VAR
from checks.nli import NLIScores, get_model
from checks.review import MODERATOR_SOURCE_LABEL, is_moderator_source, moderator_source
from checks.stance import Judgement, StanceSettings, gated, judge
from checks.store.base import Candidate

__all__ = ["Audience", "found_claims", "matches"]

_READING = Judgement(Stance.RELATED)  # related reading: shown as evidence, never judged


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is asking: the configured sources (empty: every stored one) and the server, if any."""

    enabled: Collection[str] = frozenset()
    guild_id: int | None = None

    def own_moderators(self, source: str) -> bool:
        """Whether ``source`` is the asking server's moderator verdicts."""
        return self.guild_id is not None and source == moderator_source(self.guild_id)

    def sees(self, source: str) -> bool:
        """Whether claims stored by ``source`` may be shown to this audience."""
        if self.own_moderators(source):
            return True
        if is_moderator_source(source):
            return False  # another server's moderators
        return not self.enabled or source in self.enabled  # else stored by a source now gone


def matches(
    scored: Sequence[Scored],
    features: ClaimFeatures,
    audience: Audience,
    *,
    stance: StanceSettings,
    weights: Mapping[str, float],
    moderator_weight: float,
    text: str = "",
) -> list[Match]:
    """The visible candidates, each judged and cited: moderators' verdicts first, then
    fact-checks, then agreeing and conflicting matches, then related ones.

    ``text`` is the checked claim (parsed once here); each candidate's parse is its stored frame
    when the store has one, else parsed once per process and kept."""
    visible = [sc for sc in scored if audience.sees(sc.candidate.source)]
    judged = [sc for sc in visible if not sc.related]  # related reading is shown, not judged
    # the query is parsed only when there is something to judge it against (a cold check
    # with no candidates, or only reading, never loads the parser)
    query = side(text, features, parsed=bool(text) and bool(judged))
    parses = _parses([sc.candidate for sc in judged]) if text else [None] * len(judged)
    sources = [
        side(
            sc.candidate.claim.text,
            sc.candidate.claim.features,
            parse,
            terms=sc.candidate.terms,
            parsed=False,
        )
        for sc, parse in zip(judged, parses, strict=True)
    ]
    nli = _inferences(query, judged, sources, stance) if text else [None] * len(judged)
    verdicts = {
        id(sc): judge(
            query, source, sc.relevance, review=sc.candidate.claim.review, settings=stance, nli=read
        )
        for sc, source, read in zip(judged, sources, nli, strict=True)
    }
    out: list[Match] = []
    for sc in visible:
        c = sc.candidate
        moderators = audience.own_moderators(c.source)
        said = verdicts.get(id(sc), _READING)
        citation = Citation(
            source=MODERATOR_SOURCE_LABEL if moderators else c.source,
            title=c.title,
            url=c.claim.review.url if c.claim.review else c.url,
            published=c.published.isoformat() if c.published else None,
            quote=c.claim.text,
            weight=moderator_weight if moderators else weights.get(c.source, c.weight),
            review=c.claim.review,
        )
        out.append(
            Match(
                claim_id=c.claim.id or 0,
                text=c.claim.text,
                score=round(sc.relevance, 4),
                stance=said.stance,
                notes=said.notes,
                citation=citation,
                confidence=said.confidence if said.stance is not Stance.RELATED else None,
                reading=sc.related,
            )
        )
    out.sort(
        key=lambda m: (
            m.reading,
            m.citation.source != MODERATOR_SOURCE_LABEL,
            m.citation.review is None or m.stance is Stance.RELATED,
            m.stance is Stance.RELATED,
            -m.score,
        )
    )
    return out


def _inferences(
    query: Side, scored: Sequence[Scored], sources: Sequence[Side], settings: StanceSettings
) -> list[NLIScores | None]:
    """The optional NLI model's reading of each judged pair, all in one batch (premise: the
    source's sentence; hypothesis: the claim). Nothing is loaded when no model is configured;
    pairs the stance stage will not judge (below the gates, or a fact-check) are not scored."""
    if not os.environ.get(NLI_ENV_VAR, "").strip():
        return [None] * len(scored)
    todo = [
        i
        for i, (sc, src) in enumerate(zip(scored, sources, strict=True))
        if sc.candidate.claim.review is None and gated(query, src, sc.relevance, settings)
    ]
    out: list[NLIScores | None] = [None] * len(scored)
    if not todo:
        return out
    model = get_model()
    if model is None:
        return out
    for i, probs in zip(
        todo, model.score([(sources[i].text, query.text) for i in todo]), strict=True
    ):
        out[i] = probs
    return out


def _parses(candidates: Sequence[Candidate]) -> list[ClaimParse | None]:
    """Each candidate's frames: stored with the claim when current, else parsed (cached)."""
    stored: list[ClaimParse | None] = []
    for c in candidates:
        frame = getattr(c, "frame", None)
        if isinstance(frame, str):
            try:
                frame = ClaimParse.from_json(frame)
            except ValueError:
                frame = None
        stored.append(frame if isinstance(frame, ClaimParse) and frame.current else None)
    todo = [c.claim.text for c, p in zip(candidates, stored, strict=True) if p is None]
    fresh = iter(parses_of(todo)) if todo else iter(())
    return [p if p is not None else next(fresh) for p in stored]


def found_claims(scored: Sequence[Scored], audience: Audience, *, limit: int) -> list[FoundClaim]:
    """The visible candidates as claim-search results, in retrieval order."""
    out: list[FoundClaim] = []
    for sc in scored:
        c = sc.candidate
        if not audience.sees(c.source):
            continue
        out.append(
            FoundClaim(
                text=c.claim.text,
                score=round(sc.relevance, 4),
                source=c.source,
                title=c.title,
                url=c.url,
                published=c.published.isoformat() if c.published else None,
                factcheck=c.claim.review,
            )
        )
        if len(out) == limit:
            break
    return out
