"""A small fake web for source and link tests: real feeds, article pages, fact-checks, an API.

:func:`make_app` builds an ``aiohttp`` application from a :class:`Site` (its stories, switches and
records); serve it with ``loopback.serve`` on 127.0.0.1. Every outlet, person and place here is
fictional and every sentence was written for these tests.

=============================  ===============================================================
path                           what it serves
=============================  ===============================================================
``/rss.xml``                   RSS 2.0 of the Harbourside Courier (ETag, Last-Modified, 304)
``/plain-rss.xml``             the same feed without validators
``/atom.xml``                  Atom feed of the Valley Ledger
``/news/{slug}`` …             article pages with furniture, ``rel=canonical`` and a date
``/sitemap-news.xml``          a news sitemap (``news:publication_date``) of the Metro Daily
``/sitemap-index.xml``         a sitemap index of that sitemap and ``/sitemap-more.xml``
``/factcheck/{slug}``          a Claimwatch page with ClaimReview JSON-LD
``/factcheck-feed.xml``        an RSS feed of those pages
``/v1alpha1/claims:search``    a Google Fact Check Tools look-alike (records query and key)
``/bulk/feed.xml``             an RSS feed of generated articles (``Site.bulk``); ``-etag.xml``
                               the same with an ETag
``/bad/slow``                  answers after ``Site.slow_seconds``
``/bad/500``, ``/bad/404``     errors
``/bad/huge``                  a streamed body of ``Site.huge_bytes``
``/bad/to-private``            302 to ``Site.private_base`` (another loopback address)
``/bad/image-feed.xml``        a PNG where a feed is expected
``/bad/html-feed.xml``         an HTML page where a feed is expected
``/bad/garbage-feed.xml``      random bytes labelled as RSS
``/bad/private-entries.xml``   RSS whose entries point at refused addresses
=============================  ===============================================================

Any path in ``Site.fail_paths`` answers 500 and any in ``Site.slow_paths`` is delayed, so a test
can break a working source between two runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from aiohttp import web

__all__ = [
    "API_KEY",
    "ARTICLES",
    "NETWORK_GUARD",
    "REVIEWS",
    "Article",
    "Review",
    "Site",
    "article_html",
    "make_app",
    "rss_xml",
    "synthetic_articles",
    "write_network_guard",
]

API_KEY = "test-key-5f2b"


@dataclass(frozen=True)
class Article:
    section: str  # "news", "valley", "pages", "metro", "unlisted", "quirks", "bulk"
    slug: str
    outlet: str
    title: str
    author: str
    published: str  # ISO 8601
    paragraphs: tuple[str, ...]
    query: str = ""  # added to the link feeds give (a canonical link drops it)

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}"


def _a(
    section: str, slug: str, outlet: str, title: str, author: str, when: str, *paras: str
) -> Article:
    return Article(section, slug, outlet, title, author, when, tuple(paras))


COURIER = "Harbourside Courier"
LEDGER = "Valley Ledger"
HERALD = "Millbrook Herald"
METRO = "Metro Daily"

ARTICLES: tuple[Article, ...] = (
    # --- Harbourside Courier (RSS) -------------------------------------------------------
    Article(
        "news",
        "riverbend-tram-line",
        COURIER,
        "Riverbend council backs new tram line",
        "Priya Santos",
        "2025-03-11T08:30:00+00:00",
        (
            "Riverbend city council voted on Tuesday to build a tram line linking the harbour "
            "to the northern suburbs.",
            "The Riverbend tram line will have 14 stops and is expected to cost $85 million, "
            "according to the council's transport committee.",
            "Councillor Maria Okafor, who chairs the committee, said the first trams would carry "
            "passengers in 2027.",
            "Opponents argued that the money should go to bus services instead, but the motion "
            "passed by 31 votes to 9.",
            "Construction crews are due to begin work on the harbour section in the spring.",
        ),
        query="?utm_source=rss",
    ),
    _a(
        "news",
        "kestrel-bay-night-ferries",
        COURIER,
        "Night ferries to cross Kestrel Bay from June",
        "Tom Whitlow",
        "2025-03-09T17:05:00+00:00",
        "The Kestrel Bay ferry company will add six night sailings a week from June, its chief "
        "executive said on Friday.",
        "Tickets for the late crossings will cost $4, the same as the daytime fare.",
        "The Kestrel Bay ferry company carried 1.3 million passengers last year, up from "
        "1.1 million the year before, according to its annual report.",
    ),
    _a(
        "news",
        "old-town-library-reopens",
        COURIER,
        "Old Town library reopens after renovation",
        "Priya Santos",
        "2025-03-08T10:00:00+00:00",
        "The Old Town library in Riverbend reopened on Saturday after an 18-month renovation "
        "that cost $6 million.",
        "The building now holds 40,000 books and a new reading room for children, the library "
        "service said.",
        "Volunteers helped carry the collection back from a temporary warehouse in Quay Street.",
    ),
    # --- Valley Ledger (Atom) ------------------------------------------------------------
    _a(
        "valley",
        "eastport-wind-farm-approved",
        LEDGER,
        "Eastport offshore wind farm wins approval",
        "Hana Brook",
        "2025-03-12T06:45:00+00:00",
        "Planning officials approved an offshore wind farm of 30 turbines off the coast of "
        "Eastport on Wednesday.",
        "The developer, Greyline Energy, said the turbines would power about 90,000 homes once "
        "they are running in 2028.",
        "Local fishing groups had raised concerns about the cables, which will come ashore "
        "north of the town.",
    ),
    _a(
        "valley",
        "ashford-reservoirs-low",
        LEDGER,
        "Dry summer leaves Ashford reservoirs at 62 percent",
        "Hana Brook",
        "2025-03-10T07:15:00+00:00",
        "Reservoirs serving the Ashford valley are 62 percent full after the driest summer in a "
        "decade, the water company said on Monday.",
        "The company said it had no plans to cut off household water supplies in the Ashford "
        "valley.",
        "A ban on garden hosepipes will stay in place until at least October, it added.",
    ),
    # --- Millbrook Herald (page / urls) --------------------------------------------------
    _a(
        "pages",
        "tram-vote",
        HERALD,
        "Councillors approve Riverbend tram plan",
        "Lena Fairweather",
        "2025-03-11T12:20:00+00:00",
        "Councillors in Riverbend have approved plans for a tram line between the harbour and "
        "the northern suburbs.",
        "The new Riverbend tram line, with 14 stops, is budgeted at $85 million, the transport "
        "committee said.",
        "The first passenger services are planned for 2027, committee chair Maria Okafor told "
        "reporters.",
        "Bus routes that run alongside the tram will be reviewed once the line opens, the "
        "committee added.",
    ),
    _a(
        "pages",
        "hospital-wing",
        HERALD,
        "Millbrook General opens new hospital wing",
        "Lena Fairweather",
        "2025-03-07T09:00:00+00:00",
        "Millbrook General Hospital opened a new wing with 200 beds on Thursday, the health "
        "board said.",
        "The Millbrook wing took three years to build and cost $120 million.",
        "Patients will begin moving from the old surgical ward next week, according to the "
        "hospital's chief nurse.",
    ),
    # --- Metro Daily (sitemap and sitemap index) -----------------------------------------
    _a(
        "metro",
        "ashford-teachers",
        METRO,
        "Ashford schools hire 120 new teachers",
        "Owen Marsh",
        "2025-03-06T06:00:00+00:00",
        "The Ashford school district has hired 120 new teachers ahead of the autumn term, its "
        "superintendent said.",
        "Class sizes in primary schools will fall to an average of 24 pupils, the district said.",
        "Most of the new teachers have just finished their training at colleges in the region.",
    ),
    _a(
        "metro",
        "market-hall-repairs",
        METRO,
        "Riverbend market hall to close for roof repairs",
        "Owen Marsh",
        "2025-03-05T06:00:00+00:00",
        "The covered market hall in Riverbend will close for four months from April while its "
        "roof is repaired, the council said.",
        "Traders will move to a temporary site on Quay Street during the work.",
        "The hall was built in 1894 and has not had a new roof since the 1960s, according to "
        "the council.",
    ),
    _a(
        "metro",
        "canal-footbridge",
        METRO,
        "Ashford canal footbridge reopens",
        "Owen Marsh",
        "2025-02-27T06:00:00+00:00",
        "The footbridge over the Ashford canal reopened on Monday after repairs costing "
        "$2 million, the council said.",
        "Cyclists must dismount on the bridge under new rules.",
        "The old footbridge had been closed since a barge struck one of its supports last autumn.",
    ),
    # --- never listed by any source: only reachable as a link ---------------------------
    _a(
        "unlisted",
        "tram-rumours",
        "Bayside Bulletin",
        "Questions over Riverbend tram budget",
        "Sam Ridley",
        "2025-03-13T15:00:00+00:00",
        "The Riverbend tram line will have 40 stops, a council source claimed on Thursday.",
        "The line is now expected to cost $300 million, far more than planned.",
        "Riverbend city council voted on Tuesday to build a tram line linking the harbour to "
        "the northern suburbs.",
        "Residents in the northern suburbs said they were glad the vote was finally over.",
        "Greyline Energy said on Thursday that it would open an office in Riverbend in 2026.",
        "The Kestrel Bay ferry company said it carried 2.5 million passengers last year.",
        "Traders at the Riverbend market hall have asked the council for a rent holiday during "
        "the roof repairs.",
    ),
    # --- pages that trip known engine bugs (see the strict xfail tests) ------------------
    _a(
        "quirks",
        "short-notice",
        METRO,
        "Lowmoor pool closes for a week",
        "Owen Marsh",
        "2025-03-04T06:00:00+00:00",
        "The Lowmoor swimming pool will close for seven days from Monday, the council said.",
        "Swimmers can use the Carden pool instead.",
    ),
    _a(
        "quirks",
        "lowmoor-flood",
        METRO,
        "Families leave homes as the Lowmoor river rises",
        "Owen Marsh",
        "2025-03-03T06:00:00+00:00",
        "At least 40 families left their homes near the Lowmoor river on Sunday as the water "
        "rose, the fire service said.",
        "Crews from three stations pumped water from streets in the lower town through the "
        "night, according to the fire service.",
        "The Lowmoor river is expected to fall again by Wednesday, forecasters said.",
    ),
)

BY_PATH = {a.path: a for a in ARTICLES}


@dataclass(frozen=True)
class Review:
    slug: str
    claim: str
    rating: str
    claimant: str
    published: str
    title: str
    body: tuple[str, ...]
    rating_value: int = 1  # on a scale of 1 (false) to 5 (true)

    @property
    def path(self) -> str:
        return f"/factcheck/{self.slug}"


REVIEWS: tuple[Review, ...] = (
    Review(
        "ashford-water-shutoff",
        "Household water supplies in the Ashford valley will be cut off for a month.",
        "False",
        "Viral social media posts",
        "2025-03-14",
        "No, Ashford households will not lose their water for a month",
        (
            "Posts shared thousands of times this week say that taps across the valley will run "
            "dry for four weeks from Monday.",
            "The water company told Claimwatch that reservoir levels are low but that household "
            "supplies will continue as normal throughout the spring.",
            "A ban on garden hosepipes is in force, which may explain part of the confusion.",
        ),
    ),
    Review(
        "old-town-library-books",
        "The renovated Old Town library in Riverbend holds 40,000 books.",
        "True",
        "Riverbend library service",
        "2025-03-15",
        "Yes, the Old Town library reopened with 40,000 books",
        (
            "A post by the library service says the reopened building holds 40,000 books.",
            "Claimwatch checked the figure against the catalogue published by the service.",
        ),
        rating_value=5,
    ),
)

# The fake fact-check API's database, in Google's claims:search shape (reviewUrl outside loopback
# on purpose: it is only stored and cited, never fetched).
API_CLAIMS: tuple[dict[str, Any], ...] = (
    {
        "text": "The Eastport wind farm will have 300 turbines",
        "claimant": "Online posts",
        "claimDate": "2025-03-20T00:00:00Z",
        "claimReview": [
            {
                "publisher": {"name": "Coastal Fact Check", "site": "coastalfacts.example"},
                "url": "https://coastalfacts.example/checks/eastport-turbines",
                "title": "The Eastport wind farm is approved for 30 turbines, not 300",
                "reviewDate": "2025-03-22T00:00:00Z",
                "textualRating": "False",
                "languageCode": "en",
            }
        ],
    },
)


@dataclass
class Site:
    """What the fake web serves, its switches, and what it saw."""

    articles: tuple[Article, ...] = ARTICLES
    reviews: tuple[Review, ...] = REVIEWS
    bulk: list[Article] = field(default_factory=list)
    feed_version: int = 1  # part of the RSS feed's ETag; bump it to "publish" a change
    slow_seconds: float = 5.0
    huge_bytes: int = 2_000_000
    private_base: str = "http://127.0.0.2:9"  # where /bad/to-private sends the client
    api_key: str = API_KEY
    fail_paths: set[str] = field(default_factory=set)  # answer 500
    flaky: dict[str, int] = field(default_factory=dict)  # path → 503 answers still to give
    slow_paths: dict[str, float] = field(default_factory=dict)  # path → delay in seconds
    slow_bulk_from: int | None = None  # bulk articles from this index on are delayed…
    slow_bulk_seconds: float = 30.0  # …by this long
    responses: list[tuple[str, int]] = field(default_factory=list)  # (path, status) sent
    api_calls: list[dict[str, str]] = field(default_factory=list)  # query parameters

    def statuses(self, path: str) -> list[int]:
        return [s for p, s in self.responses if p == path]


# --------------------------------------------------------------------------- HTML


def article_html(article: Article, base: str, *, with_canonical: bool = True) -> str:
    """An article page as a news site serves it: navigation, cookie banner, sign-in, photo
    credit, related links and a copyright footer around the story."""
    canonical = base + article.path
    head = [
        '<meta charset="utf-8">',
        f"<title>{escape(article.title)} | {escape(article.outlet)}</title>",
        f'<meta property="og:title" content="{escape(article.title)}">',
        f'<meta property="og:site_name" content="{escape(article.outlet)}">',
        f'<meta property="article:published_time" content="{article.published}">',
        f'<meta name="author" content="{escape(article.author)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ]
    if with_canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head>
{chr(10).join(head)}
<link rel="stylesheet" href="/static/site.css">
</head><body>
<div class="cookie-banner" role="dialog">
  <p>We use cookies to improve your experience on our site.</p>
  <button>Accept all cookies</button> <a href="/cookies">Cookie settings</a>
</div>
<header class="masthead">
  <a class="logo" href="/">{escape(article.outlet)}</a>
  <nav><ul>
    <li><a href="/local">Local</a></li><li><a href="/business">Business</a></li>
    <li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li>
    <li><a href="/signin">Sign in</a></li><li><a href="/subscribe">Subscribe</a></li>
  </ul></nav>
</header>
<main>
<article class="story">
  <h1>{escape(article.title)}</h1>
  <p class="byline">By {escape(article.author)}</p>
  <time datetime="{article.published}">{article.published[:10]}</time>
  <figure>
    <img src="/img/{article.slug}.jpg" alt="">
    <figcaption>Photo: Staff photographer / {escape(article.outlet)}</figcaption>
  </figure>
  {body}
  <div class="share">Share this article <a href="#">Email</a> <a href="#">Copy link</a></div>
</article>
<aside class="related">
  <h2>Most read</h2>
  <ul><li><a href="/local/weather-warning">Weather warning for the weekend</a></li>
      <li><a href="/sport/cup-final">Cup final tickets go on sale</a></li></ul>
  <div class="newsletter">Sign up to our morning newsletter</div>
</aside>
</main>
<footer>
  <p>© 2025 {escape(article.outlet)}. All rights reserved.</p>
  <a href="/terms">Terms of use</a> · <a href="/privacy">Privacy policy</a>
</footer>
</body></html>
"""


def claimreview_html(review: Review, base: str) -> str:
    url = base + review.path
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": review.claim,
        "datePublished": review.published,
        "author": {"@type": "Organization", "name": "Claimwatch", "url": base + "/"},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": review.rating_value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": review.rating,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Organization", "name": review.claimant},
            "datePublished": review.published,
        },
    }
    body = "\n".join(f"<p>{escape(p)}</p>" for p in review.body)
    return f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>{escape(review.title)} | Claimwatch</title>
<link rel="canonical" href="{url}">
<meta property="article:published_time" content="{review.published}T09:00:00+00:00">
<script type="application/ld+json">{json.dumps(data)}</script>
</head><body>
<nav><a href="/">Claimwatch</a> <a href="/signin">Sign in</a></nav>
<div class="cookie-banner">We use cookies. <button>Accept</button></div>
<main><article>
<h1>{escape(review.title)}</h1>
<p class="verdict">Our rating: {escape(review.rating)}</p>
<p class="claim">The claim: {escape(review.claim)}</p>
{body}
</article></main>
<footer>© 2025 Claimwatch. All rights reserved.</footer>
</body></html>
"""


# --------------------------------------------------------------------------- feeds


def _rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso).astimezone(UTC), usegmt=True)


def rss_xml(title: str, home: str, items: Iterable[tuple[str, str, str, str]]) -> str:
    """RSS 2.0 from (title, link, ISO date, summary) items."""
    entries = "".join(
        f"""
    <item>
      <title>{xml_escape(t)}</title>
      <link>{xml_escape(link)}</link>
      <guid isPermaLink="true">{xml_escape(link)}</guid>
      <pubDate>{_rfc822(when)}</pubDate>
      <description>{xml_escape(summary)}</description>
    </item>"""
        for t, link, when, summary in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{xml_escape(title)}</title>
    <link>{xml_escape(home)}</link>
    <description>Latest stories from {xml_escape(title)}</description>
    <language>en-gb</language>
    <lastBuildDate>Thu, 13 Mar 2025 08:00:00 GMT</lastBuildDate>{entries}
  </channel>
</rss>
"""


def atom_xml(title: str, home: str, items: Iterable[tuple[str, str, str, str]]) -> str:
    entries = "".join(
        f"""
  <entry>
    <title>{xml_escape(t)}</title>
    <id>{xml_escape(link)}</id>
    <link rel="alternate" type="text/html" href="{xml_escape(link)}"/>
    <published>{when}</published>
    <updated>{when}</updated>
    <author><name>{xml_escape(title)} staff</name></author>
    <summary>{xml_escape(summary)}</summary>
  </entry>"""
        for t, link, when, summary in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{xml_escape(title)}</title>
  <id>{xml_escape(home)}/</id>
  <link rel="alternate" href="{xml_escape(home)}/"/>
  <link rel="self" href="{xml_escape(home)}/atom.xml"/>
  <updated>2025-03-13T08:00:00Z</updated>{entries}
</feed>
"""


def _urlset(base: str, articles: Iterable[Article]) -> str:
    urls = "".join(
        f"""
  <url>
    <loc>{base}{a.path}</loc>
    <news:news>
      <news:publication><news:name>{xml_escape(a.outlet)}</news:name>"""
        f"""<news:language>en</news:language></news:publication>
      <news:publication_date>{a.published}</news:publication_date>
      <news:title>{xml_escape(a.title)}</news:title>
    </news:news>
  </url>"""
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}\n</urlset>\n'
    )


def _items(base: str, articles: Iterable[Article]) -> list[tuple[str, str, str, str]]:
    return [(a.title, base + a.path + a.query, a.published, a.paragraphs[0]) for a in articles]


# --------------------------------------------------------------------------- generated prose

_TOWNS = (
    "Ashford", "Riverbend", "Eastport", "Millbrook", "Kestrel Bay", "Northfield", "Lowmoor",
    "Carden", "Whitmore", "Stonebridge", "Fallow Cross", "Marlow Heath",
)  # fmt: skip
_BODIES = (
    "the council", "the health board", "the transport authority", "the school district",
    "the water company", "the port authority", "the housing trust", "the police service",
)  # fmt: skip
_THINGS = (
    ("new homes", 200, 4000), ("jobs", 50, 3000), ("buses", 10, 120), ("beds", 20, 400),
    ("classrooms", 5, 60), ("parking spaces", 100, 900), ("trees", 500, 20000),
    ("street lights", 100, 2500), ("apprentices", 10, 300), ("charging points", 20, 600),
)  # fmt: skip
_VERBS = ("approved", "announced", "confirmed", "proposed", "published", "rejected")
_PEOPLE = (
    "Nadia Brennan", "Colm Ashby", "Ruth Okoye", "Felix Marten", "Ines Varga", "Dev Rao",
    "Greta Holm", "Jonah Pike", "Amara Quist", "Leo Castell",
)  # fmt: skip
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "September")


def _paragraph(rng: random.Random, town: str) -> str:
    body = rng.choice(_BODIES)
    thing, low, high = rng.choice(_THINGS)
    n = rng.randrange(low, high)
    cost = rng.randrange(2, 400)
    person = rng.choice(_PEOPLE)
    year = rng.choice((2025, 2026, 2027, 2028))
    month = rng.choice(_MONTHS)
    templates = (
        f"{body.capitalize()} in {town} {rng.choice(_VERBS)} a plan for {n:,} {thing} on "
        f"{rng.choice(('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'))}.",
        f"The scheme is expected to cost ${cost} million and to be finished by {month} {year}, "
        f"according to {body}.",
        f"{person}, who speaks for {body}, said the work would begin in {month}.",
        f"Residents of {town} had waited nearly {rng.randrange(2, 15)} years for the change, "
        "local campaigners said.",
        f"Last year {town} recorded {rng.randrange(1000, 90000):,} visitors to its "
        f"{rng.choice(('museum', 'harbour', 'market', 'park', 'theatre'))}, up "
        f"{rng.randrange(2, 40)} percent on the year before.",
        f"Critics argued that the money would be better spent on "
        f"{rng.choice(('roads', 'schools', 'clinics', 'flood defences', 'libraries'))}, but the "
        f"motion passed by {rng.randrange(12, 40)} votes to {rng.randrange(1, 11)}.",
        f"A public consultation drew {rng.randrange(300, 9000):,} responses, most of them in "
        "favour, officials said.",
        f"{person} told reporters that a second phase could add another {n // 2:,} {thing}.",
    )
    picked = rng.sample(templates, k=rng.randrange(3, 6))
    return " ".join(picked)


def synthetic_articles(n: int, *, seed: int = 7, slow_from: int | None = None) -> list[Article]:
    """``n`` distinct generated articles of roughly 300–600 words for ``/bulk/…``."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        town = rng.choice(_TOWNS)
        thing = rng.choice(_THINGS)[0]
        target = rng.randrange(300, 600)
        paras: list[str] = [f"Story {i + 1}: reporting from {town} on plans for {thing}."]
        words = len(paras[0].split())
        while words < target:
            p = _paragraph(rng, town)
            paras.append(p)
            words += len(p.split())
        day = 1 + i % 28
        out.append(
            Article(
                "bulk",
                f"story-{i:04d}",
                "Generated Gazette",
                f"{town} plans {thing}, story {i + 1}",
                rng.choice(_PEOPLE),
                f"2025-02-{day:02d}T{i % 24:02d}:00:00+00:00",
                tuple(paras),
            )
        )
    return out


# --------------------------------------------------------------------------- the app

_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
_FEED_MODIFIED = "Thu, 13 Mar 2025 08:00:00 GMT"


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _xml(text: str, content_type: str, **headers: str) -> web.Response:
    return web.Response(
        body=text.encode("utf-8"),
        headers={"Content-Type": f"{content_type}; charset=utf-8", **headers},
    )


def make_app(site: Site) -> web.Application:
    """The fake web as an aiohttp application (serve it once)."""

    @web.middleware
    async def switches(request: web.Request, handler: Any) -> web.StreamResponse:
        delay = site.slow_paths.get(request.path)
        if delay:
            await asyncio.sleep(delay)
        if site.flaky.get(request.path, 0) > 0:
            site.flaky[request.path] -= 1
            response: web.StreamResponse = web.Response(status=503, text="Try again later")
        elif request.path in site.fail_paths:
            response = web.Response(status=500, text="Internal Server Error")
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                site.responses.append((request.path, exc.status))
                raise
        site.responses.append((request.path, response.status))
        return response

    app = web.Application(middlewares=[switches])
    r = app.router

    # --- feeds ---------------------------------------------------------------------------
    def courier_feed(request: web.Request) -> str:
        return rss_xml(COURIER, _base(request), _items(_base(request), _section(site, "news")))

    async def rss(request: web.Request) -> web.Response:
        body = courier_feed(request)
        etag = (
            '"courier-'
            + hashlib.sha256(f"{site.feed_version}{body}".encode()).hexdigest()[:12]
            + '"'
        )
        if request.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in request.headers
            and request.headers.get("If-Modified-Since") == _FEED_MODIFIED
        ):
            return web.Response(status=304, headers={"ETag": etag})
        return _xml(body, "application/rss+xml", ETag=etag, **{"Last-Modified": _FEED_MODIFIED})

    async def plain_rss(request: web.Request) -> web.Response:
        return _xml(courier_feed(request), "application/rss+xml")

    async def atom(request: web.Request) -> web.Response:
        base = _base(request)
        return _xml(
            atom_xml(LEDGER, base, _items(base, _section(site, "valley"))),
            "application/atom+xml",
        )

    async def bulk_feed(request: web.Request) -> web.Response:
        base = _base(request)
        body = rss_xml("Generated Gazette", base, _items(base, site.bulk))
        if request.path.endswith("-etag.xml"):
            etag = '"bulk-' + hashlib.sha256(body.encode()).hexdigest()[:12] + '"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            return _xml(body, "application/rss+xml", ETag=etag)
        return _xml(body, "application/rss+xml")

    r.add_get("/rss.xml", rss)
    r.add_get("/plain-rss.xml", plain_rss)
    r.add_get("/atom.xml", atom)
    r.add_get("/bulk/feed.xml", bulk_feed)
    r.add_get("/bulk/feed-etag.xml", bulk_feed)

    # --- sitemaps ------------------------------------------------------------------------
    async def sitemap_news(request: web.Request) -> web.Response:
        metro = _section(site, "metro")
        return _xml(_urlset(_base(request), metro[:2]), "application/xml")

    async def sitemap_more(request: web.Request) -> web.Response:
        metro = _section(site, "metro")
        return _xml(_urlset(_base(request), metro[2:]), "application/xml")

    async def sitemap_index(request: web.Request) -> web.Response:
        base = _base(request)
        children = "".join(
            f"\n  <sitemap><loc>{base}{p}</loc><lastmod>2025-03-13</lastmod></sitemap>"
            for p in ("/sitemap-news.xml", "/sitemap-more.xml")
        )
        return _xml(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}\n'
            "</sitemapindex>\n",
            "application/xml",
        )

    r.add_get("/sitemap-news.xml", sitemap_news)
    r.add_get("/sitemap-more.xml", sitemap_more)
    r.add_get("/sitemap-index.xml", sitemap_index)

    # --- pages ---------------------------------------------------------------------------
    async def page(request: web.Request) -> web.Response:
        path = request.path
        article = next((a for a in site.articles if a.path == path), None)
        if article is None:
            article = next((a for a in site.bulk if a.path == path), None)
            slow_from = site.slow_bulk_from
            if (
                article is not None
                and slow_from is not None
                and int(article.slug[-4:]) >= slow_from
            ):
                await asyncio.sleep(site.slow_bulk_seconds)
        if article is None:
            raise web.HTTPNotFound(text="Not found")
        html = article_html(article, _base(request))
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def factcheck(request: web.Request) -> web.Response:
        review = next((x for x in site.reviews if x.path == request.path), None)
        if review is None:
            raise web.HTTPNotFound(text="Not found")
        html = claimreview_html(review, _base(request))
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    for section in ("news", "valley", "pages", "metro", "unlisted", "quirks", "bulk"):
        r.add_get(f"/{section}/{{slug}}", page)
    r.add_get("/factcheck/{slug}", factcheck)

    async def factcheck_feed(request: web.Request) -> web.Response:
        base = _base(request)
        items = [
            (x.title, base + x.path, x.published + "T09:00:00+00:00", x.claim) for x in site.reviews
        ]
        return _xml(rss_xml("Claimwatch", base, items), "application/rss+xml")

    r.add_get("/factcheck-feed.xml", factcheck_feed)

    # --- the fact-check API --------------------------------------------------------------
    async def claims_search(request: web.Request) -> web.Response:
        q = dict(request.query)
        site.api_calls.append(q)
        if q.get("key") != site.api_key:
            return web.json_response(
                {"error": {"code": 403, "message": "The caller does not have permission"}},
                status=403,
            )
        words = set(_words(q.get("query", "")))
        found = [c for c in API_CLAIMS if len(words & set(_words(c["text"]))) >= 3]
        size = int(q.get("pageSize") or 10)
        return web.json_response({"claims": found[:size]} if found else {})

    r.add_get("/v1alpha1/claims:search", claims_search)

    # --- misbehaving endpoints -----------------------------------------------------------
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(site.slow_seconds)
        return _xml(courier_feed(request), "application/rss+xml")

    async def error500(request: web.Request) -> web.Response:
        return web.Response(status=500, text="Internal Server Error")

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"<p>" + b"filler text " * 5000 + b"</p>\n"
        sent = 0
        try:
            while sent < site.huge_bytes:
                await response.write(chunk)
                sent += len(chunk)
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def to_private(request: web.Request) -> web.Response:
        raise web.HTTPFound(site.private_base + "/secret")

    async def image_feed(request: web.Request) -> web.Response:
        return web.Response(body=_PNG, content_type="image/png")

    async def html_feed(request: web.Request) -> web.Response:
        article = ARTICLES[0]
        return web.Response(
            text=article_html(article, _base(request)), content_type="text/html", charset="utf-8"
        )

    async def garbage_feed(request: web.Request) -> web.Response:
        noise = random.Random(3).randbytes(4096)
        return web.Response(body=noise, headers={"Content-Type": "application/rss+xml"})

    async def private_entries(request: web.Request) -> web.Response:
        base = _base(request)
        port = request.url.port
        items = [
            ("Redirected", base + "/bad/to-private", "2025-03-13T08:00:00+00:00", "x"),
            ("Other loopback", site.private_base + "/direct", "2025-03-13T08:00:00+00:00", "x"),
            (
                "Localhost",
                f"http://localhost:{port}/news/riverbend-tram-line",
                "2025-03-13T08:00:00+00:00",
                "x",
            ),
            (
                "IPv6 loopback",
                f"http://[::1]:{port}/news/riverbend-tram-line",
                "2025-03-13T08:00:00+00:00",
                "x",
            ),
            ("Fine", base + "/news/old-town-library-reopens", "2025-03-13T08:00:00+00:00", "x"),
        ]
        return _xml(rss_xml("Mixed Links", base, items), "application/rss+xml")

    r.add_get("/bad/slow", slow)
    r.add_get("/bad/500", error500)
    r.add_get("/bad/huge", huge)
    r.add_get("/bad/to-private", to_private)
    r.add_get("/bad/image-feed.xml", image_feed)
    r.add_get("/bad/html-feed.xml", html_feed)
    r.add_get("/bad/garbage-feed.xml", garbage_feed)
    r.add_get("/bad/private-entries.xml", private_entries)
    # /bad/404 and anything else unknown: aiohttp's own 404
    return app


def _section(site: Site, section: str) -> list[Article]:
    return [a for a in site.articles if a.section == section]


def _words(text: str) -> list[str]:
    return [w.strip(".,'\"").lower() for w in text.split() if len(w.strip(".,'\"")) > 3]


# --------------------------------------------------------------------------- subprocess guard

NETWORK_GUARD = '''\
"""Installed as sitecustomize in test subprocesses: no connection or lookup beyond loopback."""
import ipaddress
import socket
import sys

_connect, _connect_ex, _getaddrinfo = (
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
)


def _loopback(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host or "").strip("[]").split("%")[0]
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        sys.stderr.write(f"NETWORK GUARD: connection to {address!r} refused\\n")
        raise PermissionError(f"network guard: {address!r}")


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    literal = True
    try:
        ipaddress.ip_address(str(host or "").strip("[]").split("%")[0])
    except ValueError:
        literal = False
    if not (literal or _loopback(host)):
        sys.stderr.write(f"NETWORK GUARD: DNS lookup of {host!r} refused\\n")
        raise socket.gaierror(socket.EAI_NONAME, f"network guard: {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
'''


def write_network_guard(folder: Path) -> Path:
    """A folder holding ``sitecustomize.py`` = :data:`NETWORK_GUARD`; put it first on
    ``PYTHONPATH`` and a child Python cannot reach beyond loopback (it prints ``NETWORK GUARD``
    on stderr if it tries)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(NETWORK_GUARD)
    return folder
