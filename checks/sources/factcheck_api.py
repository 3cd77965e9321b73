"""The ``factcheck_api`` kind: a claims-search API in the shape of Google Fact Check Tools.

``GET {base_url}/claims:search?query=…&key=…&pageSize=…&languageCode=…`` answers::

    {"claims": [{"text": str, "claimant": str, "claimDate": str,
                 "claimReview": [{"publisher": {"name": str, "site": str}, "url": str,
                                  "title": str, "reviewDate": str, "textualRating": str,
                                  "languageCode": str}]}]}

It is asked live when a claim is checked; each answer is stored as fact-checks (so later checks
and other adapters see it) and the question is remembered for ``cache_minutes``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from checks.errors import SourceError
from checks.fetch import JSON, Fetcher
from checks.models import Review
from checks.sources.config import FactCheckApiSource
from checks.sources.docs import Doc

__all__ = ["normalise_query", "search_factchecks"]


def normalise_query(text: str) -> str:
    """The cache key of a claim asked to an API."""
    return " ".join(text.lower().split())[:300]


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def parse_claims(payload: Any, *, source: str) -> list[Doc]:
    """Fact-check documents from one API answer; a malformed answer raises SourceError."""
    if not isinstance(payload, dict):
        raise SourceError(
            "the fact-check API answered something other than a JSON object", source=source
        )
    claims = payload.get("claims", [])
    if not isinstance(claims, list):
        raise SourceError("the fact-check API's 'claims' is not a list", source=source)
    docs = []
    for c in claims:
        if not isinstance(c, dict) or not str(c.get("text") or "").strip():
            continue
        text = " ".join(str(c["text"]).split())[:2000]
        for r in c.get("claimReview") or []:
            if not isinstance(r, dict) or not r.get("url") or not r.get("textualRating"):
                continue
            publisher = r.get("publisher") or {}
            reviewer = str(publisher.get("name") or publisher.get("site") or "unknown")
            review = Review(
                claim_reviewed=text,
                rating=str(r["textualRating"]).strip(),
                reviewer=reviewer,
                url=str(r["url"]),
                date=str(r.get("reviewDate") or "")[:10] or None,
                claimant=str(c.get("claimant")) if c.get("claimant") else None,
            )
            docs.append(
                Doc(
                    url=review.url,
                    canonical_url=review.url,
                    title=str(r.get("title") or text[:120]),
                    text=text,
                    published=_date(r.get("reviewDate")),
                    reviews=(review,),
                )
            )
    return docs


async def search_factchecks(fetcher: Fetcher, cfg: FactCheckApiSource, query: str) -> list[Doc]:
    """Ask the API about ``query``; raises FetchError or SourceError when it cannot answer."""
    params = {"query": query, "pageSize": str(cfg.max_results)}
    if cfg.language:
        params["languageCode"] = cfg.language
    key = cfg.key()
    if key:
        params["key"] = key
    url = cfg.base_url.rstrip("/") + "/claims:search?" + urlencode(params)
    result = await fetcher.get(url, accept=JSON, source=cfg.name)
    try:
        payload = json.loads(result.content)
    except ValueError:
        raise SourceError("the fact-check API answered invalid JSON", source=cfg.name) from None
    return parse_claims(payload, source=cfg.name)
