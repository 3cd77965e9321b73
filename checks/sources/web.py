"""Source kinds read over HTTP: RSS/Atom feeds, pages, sitemaps and ClaimReview fact-checks.

Every fetch goes through :class:`checks.fetch.Fetcher` (SSRF-safe, size and time limits).
Feeds and pages use conditional GET; an article URL already stored is not fetched again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from checks.errors import FetchError, SourceError
from checks.extract import extract_html
from checks.fetch import FEED, HTML, XML, Fetcher, FetchResult
from checks.models import Review
from checks.sources.config import ClaimReviewSource, FeedSource, PageSource, SitemapSource
from checks.sources.docs import Doc, DocError, Finalize
from checks.store.base import Store

__all__ = ["WebContext", "claim_reviews", "collect_web", "fetch_page"]

log = logging.getLogger(__name__)

PAGE_CONCURRENCY = 8  # pages of one source fetched at once (the fetcher also limits per host)
MAX_CHILD_SITEMAPS = 5


@dataclass(frozen=True)
class WebContext:
    """What web sources need while ingesting: the HTTP client and the store."""

    fetcher: Fetcher
    store: Store


def _cache_key(source: str, url: str) -> str:
    """Validators are kept per source: two sources reading one URL each get its content."""
    return f"{source}\x1f{url}"


async def _get(
    ctx: WebContext, url: str, accept: frozenset[str], source: str, *, save: bool = True
) -> FetchResult:
    """A conditional GET. With ``save=False`` the caller stores the validators itself (with
    :func:`_remember`) once everything the response led to was stored."""
    key = _cache_key(source, url)
    etag, modified = await asyncio.to_thread(ctx.store.get_validators, key)
    result = await ctx.fetcher.get(
        url, accept=accept, etag=etag, last_modified=modified, source=source
    )
    if save:
        await _remember(ctx, result, source, url)
    return result


async def _remember(ctx: WebContext, result: FetchResult, source: str, url: str) -> None:
    if not result.not_modified and (result.etag or result.last_modified):
        await asyncio.to_thread(
            ctx.store.set_validators, _cache_key(source, url), result.etag, result.last_modified
        )


async def fetch_page(
    ctx: WebContext, url: str, *, source: str, conditional: bool = False
) -> Doc | DocError | None:
    """Fetch one article page and extract it; None when unchanged since last time."""
    try:
        if conditional:
            result = await _get(ctx, url, HTML, source)
        else:
            result = await ctx.fetcher.get(url, accept=HTML, source=source)
    except FetchError as exc:
        return DocError(url, exc.message)
    if result.not_modified:
        return None
    page = await asyncio.to_thread(extract_html, result.text(), url=result.url)
    if not page.text.strip():
        return DocError(url, f"{url}: no article text found on the page")
    canonical = page.canonical_url if _same_site(page.canonical_url, result.url) else result.url
    return Doc(
        url=result.url,
        canonical_url=canonical or result.url,
        title=page.title or result.url,
        text=page.text,
        published=page.published,
    )


def _same_site(canonical: str | None, url: str) -> bool:
    """A canonical link is trusted only on the page's own site (no cross-site hijacking)."""
    if not canonical or not canonical.startswith(("http://", "https://")):
        return False
    from urllib.parse import urlsplit

    a, b = urlsplit(canonical).hostname or "", urlsplit(url).hostname or ""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


async def _pages(
    ctx: WebContext, urls: Iterable[str], *, source: str, skip_known: bool
) -> AsyncIterator[Doc | DocError | Finalize]:
    sem = asyncio.Semaphore(PAGE_CONCURRENCY)

    async def one(u: str) -> Doc | DocError | None:
        if skip_known:
            known = await asyncio.to_thread(ctx.store.find_article, u, source)
            if known is not None:
                return None
        async with sem:
            return await fetch_page(ctx, u, source=source, conditional=not skip_known)

    tasks = [asyncio.ensure_future(one(u)) for u in dict.fromkeys(urls)]
    try:
        for fut in asyncio.as_completed(tasks):
            doc = await fut
            if doc is not None:
                yield doc
    finally:
        for t in tasks:
            t.cancel()


# --------------------------------------------------------------------------- feeds


def _feed_links(result: FetchResult, url: str, limit: int) -> list[str]:
    import feedparser

    parsed = feedparser.parse(result.content)
    entries = parsed.get("entries") or []
    if not entries and (parsed.get("bozo") or not parsed.get("feed")):
        problem = parsed.get("bozo_exception")
        raise SourceError(
            f"{url} is not a valid RSS or Atom feed" + (f" ({problem})" if problem else "")
        )
    links = []
    for e in entries[:limit]:
        link = e.get("link") or next(
            (lk.get("href") for lk in e.get("links", []) if lk.get("href")), None
        )
        if link and str(link).startswith(("http://", "https://")):
            links.append(str(link))
    return links


async def _feed(ctx: WebContext, cfg: FeedSource) -> AsyncIterator[Doc | DocError | Finalize]:
    result = await _get(ctx, cfg.url, FEED | XML, cfg.name, save=False)
    if result.not_modified:
        return
    links = await asyncio.to_thread(_feed_links, result, cfg.url, cfg.max_articles)
    failed = False
    async for doc in _pages(ctx, links, source=cfg.name, skip_known=True):
        failed = failed or isinstance(doc, DocError)
        yield doc  # the consumer stores it before asking for the next
    if not failed:  # once all is stored, "unchanged" may mean "nothing left to fetch"
        yield Finalize(lambda: _remember(ctx, result, cfg.name, cfg.url))


# --------------------------------------------------------------------------- sitemaps

_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def _parse_sitemap(content: bytes, url: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(article URL, date) pairs and child sitemap URLs."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise SourceError(f"{url} is not a valid sitemap ({exc})") from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag == "sitemapindex":
        return [], [
            (loc.text or "").strip() for loc in root.iterfind("sm:sitemap/sm:loc", _NS) if loc.text
        ]
    if tag != "urlset":
        raise SourceError(f"{url} is not a sitemap (root element <{tag}>)")
    pages = []
    for node in root.iterfind("sm:url", _NS):
        loc = node.findtext("sm:loc", default="", namespaces=_NS).strip()
        when = (
            node.findtext("news:news/news:publication_date", default="", namespaces=_NS)
            or node.findtext("sm:lastmod", default="", namespaces=_NS)
        ).strip()
        if loc.startswith(("http://", "https://")):
            pages.append((loc, when))
    return pages, []


async def _sitemap(ctx: WebContext, cfg: SitemapSource) -> AsyncIterator[Doc | DocError | Finalize]:
    result = await ctx.fetcher.get(cfg.url, accept=XML | FEED, source=cfg.name)
    pages, children = _parse_sitemap(result.content, cfg.url)
    for child in children[:MAX_CHILD_SITEMAPS]:
        try:
            sub = await ctx.fetcher.get(child, accept=XML | FEED, source=cfg.name)
            more, _ = _parse_sitemap(sub.content, child)
            pages.extend(more)
        except (FetchError, SourceError) as exc:
            yield DocError(child, exc.message)
    pages.sort(key=lambda p: p[1], reverse=True)  # newest first when dated
    urls = [u for u, _ in pages[: cfg.max_articles]]
    async for doc in _pages(ctx, urls, source=cfg.name, skip_known=True):
        yield doc


# --------------------------------------------------------------------------- ClaimReview


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _name(value: Any) -> str | None:
    for v in _as_list(value):
        if isinstance(v, dict) and v.get("name"):
            return str(v["name"]).strip()
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _walk(items: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _walk(_as_list(item.get("@graph")))
        elif isinstance(item, list):
            yield from _walk(item)


def claim_reviews(html: str, url: str) -> list[Review]:
    """schema.org ClaimReview items in a page's JSON-LD or microdata."""
    import extruct

    try:
        data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata"], uniform=True)
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        log.debug("structured data unreadable on %s: %s", url, exc)
        return []
    reviews = []
    for item in _walk(data.get("json-ld", []) + data.get("microdata", [])):
        types = {str(t).rsplit("/", 1)[-1] for t in _as_list(item.get("@type"))}
        if "ClaimReview" not in types:
            continue
        claim = str(item.get("claimReviewed") or "").strip()
        rating = next((r for r in _as_list(item.get("reviewRating")) if isinstance(r, dict)), {})
        text_rating = str(rating.get("alternateName") or rating.get("name") or "").strip()
        if not claim or not (text_rating or rating.get("ratingValue") is not None):
            continue
        reviewed = next((r for r in _as_list(item.get("itemReviewed")) if isinstance(r, dict)), {})
        reviews.append(
            Review(
                claim_reviewed=" ".join(claim.split())[:2000],
                rating=text_rating or f"{rating.get('ratingValue')}/{rating.get('bestRating')}",
                reviewer=_name(item.get("author")) or _name(item.get("publisher")) or "unknown",
                url=str(item.get("url") or url),
                date=str(item.get("datePublished") or "")[:10] or None,
                claimant=_name(reviewed.get("author")),
                rating_value=_number(rating.get("ratingValue")),
                best_rating=_number(rating.get("bestRating")),
                worst_rating=_number(rating.get("worstRating")),
            )
        )
    return reviews


async def _claimreview_page(ctx: WebContext, url: str, source: str) -> Doc | DocError | None:
    if await asyncio.to_thread(ctx.store.find_article, url, source):
        return None
    try:
        result = await ctx.fetcher.get(url, accept=HTML, source=source)
    except FetchError as exc:
        return DocError(url, exc.message)
    html = result.text()
    reviews = await asyncio.to_thread(claim_reviews, html, result.url)
    if not reviews:
        return DocError(url, f"{url}: no ClaimReview found on the page")
    page = await asyncio.to_thread(extract_html, html, url=result.url)
    published = page.published
    if published is None and reviews[0].date:
        try:
            published = date.fromisoformat(reviews[0].date)
        except ValueError:
            published = None
    return Doc(
        url=result.url,
        canonical_url=result.url,
        title=page.title or reviews[0].claim_reviewed[:120],
        text=page.text,
        published=published,
        reviews=tuple(reviews),
    )


async def _claimreview(
    ctx: WebContext, cfg: ClaimReviewSource
) -> AsyncIterator[Doc | DocError | Finalize]:
    urls = cfg.all_urls()
    feed: FetchResult | None = None
    if cfg.feed:
        feed = await _get(ctx, cfg.feed, FEED | XML, cfg.name, save=False)
        if not feed.not_modified:
            urls += await asyncio.to_thread(_feed_links, feed, cfg.feed, cfg.max_articles)
    sem = asyncio.Semaphore(PAGE_CONCURRENCY)

    async def one(u: str) -> Doc | DocError | None:
        async with sem:
            return await _claimreview_page(ctx, u, cfg.name)

    failed = False
    for fut in asyncio.as_completed([one(u) for u in dict.fromkeys(urls)]):
        doc = await fut
        if doc is not None:
            failed = failed or isinstance(doc, DocError)
            yield doc
    if feed is not None and cfg.feed and not failed:
        done, url = feed, cfg.feed
        yield Finalize(lambda: _remember(ctx, done, cfg.name, url))


async def collect_web(
    ctx: WebContext, cfg: FeedSource | PageSource | SitemapSource | ClaimReviewSource
) -> AsyncIterator[Doc | DocError | Finalize]:
    """The documents of one web source. Errors of the source as a whole raise SourceError."""
    try:
        if isinstance(cfg, FeedSource):
            async for d in _feed(ctx, cfg):
                yield d
        elif isinstance(cfg, SitemapSource):
            async for d in _sitemap(ctx, cfg):
                yield d
        elif isinstance(cfg, ClaimReviewSource):
            async for d in _claimreview(ctx, cfg):
                yield d
        else:
            async for d in _pages(ctx, cfg.all_urls(), source=cfg.name, skip_known=False):
                yield d
    except FetchError as exc:
        raise SourceError(exc.message, source=None) from exc
