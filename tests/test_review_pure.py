"""checks.review's pure functions: decisions, the stored moderator verdict and the ClaimReview
export, worked out from review items alone (no store, no engine)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from checks.errors import BlockedURLError, IllegalTransition, InputError
from checks.models import (
    CheckResult,
    LinkCheckResult,
    ModeratorVerdict,
    ReviewAction,
    ReviewItem,
    ReviewState,
    Verdict,
)
from checks.review import (
    MODERATOR_SOURCE_LABEL,
    claimreview,
    claims_to_review,
    decide,
    moderator_doc,
    review_key,
    review_url,
)

NOW = datetime(2025, 3, 14, 9, 26, 53, 589_793, tzinfo=UTC)
CLAIM = "The UK plans to send 25,000 troops to Ukraine"


def _item(**changes: object) -> ReviewItem:
    fields: dict[str, object] = {
        "id": 7,
        "guild_id": 42,
        "claim": CLAIM,
        "claim_key": "the uk plans to send 25 000 troops to ukraine",
        "state": ReviewState.OPEN,
        "bot_verdict": Verdict.DISPUTED,
        "created_at": datetime(2025, 3, 1, tzinfo=UTC),
        "updated_at": datetime(2025, 3, 2, tzinfo=UTC),
    }
    return ReviewItem.model_validate({**fields, **changes})


# --------------------------------------------------------------------------- decide


def test_assigning_sets_only_the_assignee_and_records_the_previous_one() -> None:
    d = decide(_item(assignee=3), ReviewAction.ASSIGN, actor_id=9, now=NOW)
    assert (d.action, d.to_state, d.actor_id) == (ReviewAction.ASSIGN, ReviewState.IN_REVIEW, 9)
    assert d.changes.written() == {"assignee": 9}
    assert d.detail == {"assignee": 9, "previous": 3}


def test_confirming_keeps_the_bots_verdict_as_the_ruling_with_note_and_source() -> None:
    d = decide(
        _item(state=ReviewState.IN_REVIEW),
        ReviewAction.CONFIRM,
        actor_id=9,
        now=NOW,
        note="  The ministry\u200b said\n10,000.  ",
        url=" https://gov.example/statement ",
    )
    assert d.to_state is ReviewState.RESOLVED
    assert d.changes.written() == {
        "resolution": "confirmed",
        "moderator_verdict": "Disputed",
        "moderator_note": "The ministry said 10,000.",
        "moderator_url": "https://gov.example/statement",
        "decided_by": 9,
        "decided_at": "2025-03-14T09:26:53+00:00",  # whole seconds, as stored
    }
    assert d.detail == {
        "verdict": "Disputed",
        "note": "The ministry said 10,000.",
        "url": "https://gov.example/statement",
    }


def test_overriding_takes_the_moderators_verdict_and_needs_one() -> None:
    d = decide(_item(), ReviewAction.OVERRIDE, actor_id=9, now=NOW, verdict=ModeratorVerdict.FALSE)
    assert d.changes.written()["resolution"] == "overridden"
    assert d.changes.written()["moderator_verdict"] == "False"
    with pytest.raises(InputError, match="needs a verdict"):
        decide(_item(), ReviewAction.OVERRIDE, actor_id=9, now=NOW)


def test_dismissing_records_who_and_when_but_no_verdict() -> None:
    d = decide(_item(), ReviewAction.DISMISS, actor_id=9, now=NOW, note="spam")
    assert d.to_state is ReviewState.DISMISSED
    assert d.changes.written() == {
        "decided_by": 9,
        "decided_at": "2025-03-14T09:26:53+00:00",
        "moderator_note": "spam",
    }


def test_reopening_clears_every_decision_field_and_remembers_the_verdict() -> None:
    resolved = _item(state=ReviewState.RESOLVED, moderator_verdict="False", assignee=9)
    d = decide(resolved, ReviewAction.REOPEN, actor_id=None, now=NOW)
    assert d.to_state is ReviewState.OPEN
    assert d.changes.written() == dict.fromkeys(
        [
            "resolution",
            "moderator_verdict",
            "moderator_note",
            "moderator_url",
            "decided_by",
            "decided_at",
            "assignee",
        ]
    )
    assert d.detail == {"previous_verdict": "False"}


def test_an_illegal_move_or_a_bad_link_decides_nothing() -> None:
    with pytest.raises(IllegalTransition, match="#7 is open: it cannot be reopened"):
        decide(_item(), ReviewAction.REOPEN, actor_id=1, now=NOW)
    with pytest.raises(BlockedURLError):
        decide(_item(), ReviewAction.CONFIRM, actor_id=1, now=NOW, url="file:///etc/passwd")


def test_a_long_note_is_cut_and_a_blank_one_is_none() -> None:
    long = decide(_item(), ReviewAction.DISMISS, actor_id=1, now=NOW, note="x" * 5000)
    assert len(long.changes.written()["moderator_note"]) == 1000
    blank = decide(_item(), ReviewAction.DISMISS, actor_id=1, now=NOW, note=" \n\t ")
    assert blank.changes.written()["moderator_note"] is None


# --------------------------------------------------------------------------- the stored verdict


def test_the_review_key_is_fixed_while_the_url_follows_the_card() -> None:
    item = _item()
    assert review_key(item) == review_url(item) == "crosscheck://review/42/7"
    posted = _item(post_channel_id=5, post_message_id=6)
    assert review_key(posted) == "crosscheck://review/42/7"
    assert review_url(posted) == "https://discord.com/channels/42/5/6"


def test_a_resolution_becomes_a_fact_check_document_of_the_claim() -> None:
    item = _item(
        state=ReviewState.RESOLVED,
        moderator_verdict="False",
        moderator_note="see the statement",
        moderator_url="https://gov.example/statement",
        decided_at=datetime(2025, 3, 10, 12, tzinfo=UTC),
    )
    doc = moderator_doc(item, now=NOW)
    assert (doc.url, doc.canonical_url) == ("crosscheck://review/42/7", "crosscheck://review/42/7")
    assert doc.title == "Moderator review #7: see the statement"
    assert (doc.text, doc.published) == (CLAIM, date(2025, 3, 10))
    (review,) = doc.reviews
    assert (review.claim_reviewed, review.rating, review.reviewer) == (
        CLAIM,
        "False",
        MODERATOR_SOURCE_LABEL,
    )
    assert (review.url, review.date) == ("https://gov.example/statement", "2025-03-10")
    assert review.truth == -1


def test_an_undated_resolution_is_dated_now_and_links_to_its_card() -> None:
    item = _item(state=ReviewState.RESOLVED, post_channel_id=5, post_message_id=6)
    doc = moderator_doc(item, now=NOW)
    assert doc.title == "Moderator review #7"
    assert doc.published == date(2025, 3, 14)
    assert doc.reviews[0].rating == "Unverified"
    assert doc.reviews[0].url == doc.url == "https://discord.com/channels/42/5/6"


# --------------------------------------------------------------------------- export


def test_claimreview_export_is_schema_org_json_ld_oldest_first() -> None:
    later = _item(id=9, moderator_verdict="Supported", decided_at=datetime(2025, 3, 11, tzinfo=UTC))
    first = _item(
        moderator_verdict="False",
        moderator_note="the figure is 10,000",
        moderator_url="https://gov.example/statement",
        decided_at=datetime(2025, 3, 10, tzinfo=UTC),
    )
    out = claimreview([later, first])
    assert [r["identifier"] for r in out] == ["crosscheck-review-42-7", "crosscheck-review-42-9"]
    assert out[0] == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": CLAIM,
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "False",
            "ratingExplanation": "the figure is 10,000",
        },
        "author": {"@type": "Organization", "name": "Moderators of Discord server 42"},
        "datePublished": "2025-03-10",
        "url": "https://gov.example/statement",
        "itemReviewed": {"@type": "Claim", "text": CLAIM},
        "identifier": "crosscheck-review-42-7",
        "reviewBody": "the figure is 10,000",
    }
    assert "reviewBody" not in out[1] and out[1]["url"] == "crosscheck://review/42/9"
    assert claimreview([]) == []


def test_an_item_never_decided_is_dated_by_its_last_change() -> None:
    (review,) = claimreview([_item()])
    assert review["datePublished"] == "2025-03-02"
    assert review["reviewRating"]["alternateName"] == "Unverified"


# --------------------------------------------------------------------------- links


def _answer(claim: str, verdict: Verdict) -> CheckResult:
    return CheckResult(claim=claim, verdict=verdict)


def test_a_disputed_link_sends_the_claims_sources_spoke_about() -> None:
    spoken = [_answer("a", Verdict.DISPUTED), _answer("c", Verdict.SUPPORTED)]
    link = LinkCheckResult(
        url="https://x.example/a",
        title="A",
        verdict=Verdict.MIXED,
        claims=(spoken[0], _answer("b", Verdict.UNVERIFIED), spoken[1]),
    )
    assert claims_to_review(link) == spoken


def test_a_link_with_nothing_spoken_about_sends_its_first_claim_or_nothing() -> None:
    quiet = (_answer("a", Verdict.UNVERIFIED), _answer("b", Verdict.UNVERIFIED))
    link = LinkCheckResult(url="u", title="t", verdict=Verdict.UNVERIFIED, claims=quiet)
    assert claims_to_review(link) == [quiet[0]]
    empty = LinkCheckResult(url="u", title="t", verdict=Verdict.UNVERIFIED)
    assert claims_to_review(empty) == []
