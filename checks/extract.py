"""HTML page → article text, title, publication date and canonical URL (trafilatura, htmldate)."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from checks.claims import clean_text

__all__ = ["Page", "extract_html"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Page:
    """An HTML page's article: its title, text, date and canonical URL."""

    title: str
    text: str
    published: date | None
    canonical_url: str | None


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@functools.cache
def _config() -> Any:
    """trafilatura's defaults, except that a short article (a few sentences) is still taken
    from the article element instead of falling back to the whole flattened page."""
    from trafilatura.settings import use_config

    config = use_config()
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "50"
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"
    return config


def extract_html(html: str, *, url: str | None = None) -> Page:
    """The main text of a page without navigation, comments or furniture; empty when none."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
            deduplicate=False,
            config=_config(),
        )
    except Exception as exc:
        log.debug("extraction failed for %s: %s", url, exc)
        doc = None
    if doc is None or isinstance(doc, dict):
        return Page("", "", None, None)
    text = clean_text(doc.text or "")
    published = _parse_date(doc.date)
    if published is None:
        try:
            from htmldate import find_date

            published = _parse_date(find_date(html, extensive_search=False))
        except Exception as exc:
            log.debug("date search failed for %s: %s", url, exc)
    return Page(clean_text(doc.title or "").strip(), text, published, doc.url or None)
