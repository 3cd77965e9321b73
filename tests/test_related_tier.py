"""Related reading: sentences about the claim's subject below the judging floor are shown after
the judged matches, labelled, and never judged; every surface says so.

The store is a real SQLite file; the embedder is a stand-in that places each stored sentence at a
planned cosine from the claim (other text is orthogonal to it), so the tier's bounds show exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp.test_utils import TestClient, TestServer

import checks.match
from bot.reading import READING_LABEL, answer_json, is_reading, split_reading
from bot.render import render_check, render_sources
from bot.service import Service
from bot.web import create_app
from checks.claims import features
from checks.engine import Engine
from checks.enrich import embed_backlog
from checks.match import MatchSettings, find_matches
from checks.models import (
    Article,
    CheckResult,
    Citation,
    Claim,
    LinkCheckResult,
    Match,
    Stance,
    Verdict,
)
from checks.sources.config import load_sources
from checks.stance import StanceSettings
from checks.store.sqlite import SQLiteStore
from checks.verdict import decide

CLAIM = "Warm weather stops the virus from spreading"
SAME = "Warm weather stops the virus from spreading, the study found."
# about the subject, sharing no word with the claim: only the embedder sees the link
READING = {
    "Seasonal patterns of respiratory infections were compared across twelve cities.": 0.51,
    "Humidity and sunlight were measured at each hospital during the outbreak.": 0.495,
    "Admissions for pneumonia were counted week by week in two provinces.": 0.525,
    "Researchers logged rainfall beside the number of positive samples.": 0.48,
}
SECOND_SENTENCE = "Infection counts dropped in most of those places over the summer months."
FAR = "The harbour ferry was repainted in blue last spring by volunteers."
TOKEN = "related-tier-token"


class PlannedEmbedder:
    """The claim is one axis; each planned sentence sits at its cosine from it."""

    name = "planned-test-v1"
    dim = 64

    def __init__(self, plan: dict[str, float]) -> None:
        self.plan = plan
        self.slots: dict[str, int] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if text == CLAIM:
                out[row, 0] = 1.0
                continue
            slot = self.slots.setdefault(text, 1 + len(self.slots))
            c = self.plan.get(text, 0.0)
            out[row, 0] = c
            out[row, slot] = float(np.sqrt(1.0 - c * c))
        return out


PLAN = {**READING, SECOND_SENTENCE: 0.49, FAR: 0.35, SAME: 0.95}


def _article(store: SQLiteStore, n: int, sentences: Sequence[str]) -> None:
    text = " ".join(sentences)
    url = f"https://journal.example/{n}"
    article = Article(
        source="Journal",
        url=url,
        canonical_url=url,
        title=f"Study {n}",
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    claims, at = [], 0
    for i, s in enumerate(sentences):
        start = text.index(s, at)
        at = start + len(s)
        claims.append(Claim(position=i, start=start, end=at, text=s, features=features(s)))
    store.add_article(article, claims)


def _store(path: Path, *, with_same: bool = False) -> SQLiteStore:
    store = SQLiteStore(path)
    texts = list(READING)
    _article(store, 0, [texts[0], SECOND_SENTENCE])  # two sentences of one study
    for n, t in enumerate(texts[1:], 1):
        _article(store, n, [t])
    _article(store, 10, [FAR])
    if with_same:
        _article(store, 11, [SAME])
    return store


@pytest.fixture
def emb() -> PlannedEmbedder:
    return PlannedEmbedder(PLAN)


@pytest.fixture
def store(tmp_path: Path, emb: PlannedEmbedder) -> Iterator[SQLiteStore]:
    s = _store(tmp_path / "crosscheck.db")
    embed_backlog(s, emb)
    yield s
    s.close()


@pytest.fixture
def engine(
    tmp_path: Path, emb: PlannedEmbedder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    (tmp_path / "journal").mkdir()
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: Journal\n    kind: files\n    path: journal\n    weight: 1.0\n"
    )
    store = _store(tmp_path / "engine.db")
    embed_backlog(store, emb)
    monkeypatch.setattr(checks.match, "_query_embedder", lambda _default: emb)
    e = Engine(store, load_sources(tmp_path / "sources.yaml"))
    yield e
    e.close()


def _found(store: SQLiteStore, emb: PlannedEmbedder, **settings: Any) -> list[checks.match.Scored]:
    return find_matches(store, CLAIM, features(CLAIM), MatchSettings(**settings), embedder=emb)


# --------------------------------------------------------------------------- retrieval


def test_sentences_about_the_subject_below_the_floor_are_related_reading(
    store: SQLiteStore, emb: PlannedEmbedder
) -> None:
    found = _found(store, emb)
    assert found and all(x.related for x in found)
    floor = MatchSettings().min_relevance
    assert all(x.relevance < floor for x in found)  # so stance never judges them
    texts = {x.candidate.claim.text for x in found}
    assert FAR not in texts  # a cosine of 0.35 is another subject


def test_related_reading_is_capped_one_per_article_closest_first(
    store: SQLiteStore, emb: PlannedEmbedder
) -> None:
    found = _found(store, emb)
    assert len(found) == MatchSettings().related == 3
    assert len({x.candidate.url for x in found}) == 3
    texts = [x.candidate.claim.text for x in found]
    closest = sorted(READING, key=lambda t: -READING[t])[:3]
    assert set(texts) == set(closest)
    assert SECOND_SENTENCE not in texts  # its study is already there by a closer sentence
    assert texts[0] == closest[0]


def test_related_reading_comes_after_every_judged_match(tmp_path: Path) -> None:
    emb = PlannedEmbedder(PLAN)
    store = _store(tmp_path / "c.db", with_same=True)
    try:
        embed_backlog(store, emb)
        found = find_matches(store, CLAIM, features(CLAIM), embedder=emb)
        assert found[0].candidate.claim.text == SAME and not found[0].related
        assert [x.related for x in found] == sorted(x.related for x in found)
        assert any(x.related for x in found)
    finally:
        store.close()


def test_no_related_reading_when_turned_off_or_without_vectors(
    store: SQLiteStore, emb: PlannedEmbedder
) -> None:
    assert _found(store, emb, related=0) == []
    assert find_matches(store, CLAIM, features(CLAIM), embedder=None) == []


def test_a_higher_bound_keeps_only_the_closest(store: SQLiteStore, emb: PlannedEmbedder) -> None:
    found = _found(store, emb, related_cos=0.505)
    assert {x.candidate.claim.text for x in found} == {t for t, c in READING.items() if c >= 0.505}


# --------------------------------------------------------------------------- the answer


def test_related_reading_never_moves_the_verdict(engine: Engine) -> None:
    result = engine.check_text(CLAIM)
    assert result.verdict is Verdict.UNVERIFIED and result.confidence == 0.0
    assert result.matches and all(m.stance is Stance.RELATED for m in result.matches)
    assert all(is_reading(m) for m in result.matches)
    # a server that compares from relevance 0 still never counts them
    loose = engine.check_text(CLAIM, stance=StanceSettings(suggest=0.0))
    assert loose.verdict is Verdict.UNVERIFIED and loose.agreeing == loose.conflicting == ()


def _match(text: str, stance: Stance, score: float, n: int = 0) -> Match:
    return Match(
        claim_id=n,
        text=text,
        score=score,
        stance=stance,
        citation=Citation(
            source=f"Source {n}",
            title=f"Title {n}",
            url=f"https://news.invalid/{n}",
            quote=text,
        ),
        confidence=0.9 if stance is not Stance.RELATED else None,
        reading=score < MatchSettings().min_relevance,  # as checks.evidence marks the tier
    )


def test_a_match_below_the_floor_never_speaks_whatever_its_stance() -> None:
    below = _match("A related finding", Stance.AGREES, 0.2)
    assert decide([below]).verdict is Verdict.UNVERIFIED
    above = _match("The same claim", Stance.AGREES, 0.8, 1)
    assert decide([below, above]).verdict is Verdict.SUPPORTED


def _supported_with_reading() -> CheckResult:
    agree = _match("Warm weather stops the virus from spreading.", Stance.AGREES, 0.9, 1)
    reading = _match("Seasonal patterns of infections were compared.", Stance.RELATED, 0.2, 2)
    return CheckResult(
        claim=CLAIM,
        verdict=Verdict.SUPPORTED,
        matches=(agree, reading),
        agreeing=("Source 1",),
        confidence=0.9,
    )


def test_split_reading_keeps_the_answer_order() -> None:
    result = _supported_with_reading()
    judged, reading = split_reading(result.matches)
    assert [m.claim_id for m in judged] == [1] and [m.claim_id for m in reading] == [2]


def test_related_reading_alone_never_sends_an_answer_to_review() -> None:
    from checks.models import GuildConfig
    from checks.review import review_triggers

    reading = _match("Seasonal patterns of infections were compared.", Stance.RELATED, 0.2, 2)
    result = CheckResult(claim=CLAIM, verdict=Verdict.UNVERIFIED, matches=(reading,))
    loose = GuildConfig(suggest=0.1, sure=0.7)  # a server that compares from relevance 0.1
    assert review_triggers(result, loose) == []
    judged = _match("A weaker restatement of the claim.", Stance.RELATED, 0.5, 3)
    result = CheckResult(claim=CLAIM, verdict=Verdict.UNVERIFIED, matches=(judged, reading))
    assert review_triggers(result, loose) == ["uncertain"]


# --------------------------------------------------------------------------- surfaces


def test_discord_answer_shows_related_reading_last_and_labelled() -> None:
    embed = render_check(_supported_with_reading())
    names = [f.name or "" for f in embed.fields]
    assert names[0].startswith("agrees")
    assert names[-1] == READING_LABEL
    assert "Seasonal patterns" in (embed.fields[-1].value or "")
    assert "agrees" not in (embed.fields[-1].value or "")


def test_discord_unverified_answer_shows_reading_not_evidence(engine: Engine) -> None:
    result = engine.check_text(CLAIM)
    embed = render_check(result)
    assert [f.name for f in embed.fields] == [READING_LABEL]
    value = embed.fields[0].value or ""
    assert sum(t in value for t in READING) == 3
    assert "None of this server's sources confirm or contradict" in (embed.description or "")
    assert "confidence" not in (embed.footer.text or "")
    for f in render_sources(result).fields:
        assert (f.name or "").startswith("related reading, not judged")


def test_cli_text_answer_lists_related_reading_under_its_label(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import _print_result

    _print_result(_supported_with_reading())
    out = capsys.readouterr().out
    assert out.index("agrees") < out.index(READING_LABEL) < out.index("Seasonal patterns")
    assert "reading" in out.split(READING_LABEL)[1]

    _print_result(engine.check_text(CLAIM))
    out = capsys.readouterr().out
    assert READING_LABEL in out and "related " not in out.split(READING_LABEL)[0]


def test_json_answer_marks_related_reading(engine: Engine) -> None:
    answer = answer_json(_supported_with_reading())
    assert [m["related_reading"] for m in answer["matches"]] == [False, True]
    unverified = answer_json(engine.check_text(CLAIM))
    assert unverified["matches"] and all(m["related_reading"] for m in unverified["matches"])
    link = LinkCheckResult(
        url="https://news.invalid/a",
        title="A",
        verdict=Verdict.SUPPORTED,
        claims=(_supported_with_reading(),),
    )
    assert [m["related_reading"] for m in answer_json(link)["claims"][0]["matches"]] == [
        False,
        True,
    ]


async def test_web_api_answer_marks_related_reading(engine: Engine) -> None:
    service = Service(engine, host="127.0.0.1", port=0, api_token=TOKEN, ingest_every=0)
    app = create_app(service.state)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        r = await client.post(
            "/v1/check", json={"claim": CLAIM}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert r.status == 200
        answer = await r.json()
    assert answer["verdict"] == "unverified"
    assert answer["matches"] and all(m["related_reading"] for m in answer["matches"])
