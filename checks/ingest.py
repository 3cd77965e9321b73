"""Sources → articles → claims → store. Idempotent and transactional per article."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from checks.claims import split_claims
from checks.errors import SourceError, StoreError
from checks.models import Article
from checks.sources.config import SourceConfig, SourcesFile
from checks.sources.files import read_files
from checks.store.base import Store

__all__ = ["IngestReport", "SourceReport", "content_hash", "ingest_all", "ingest_source"]

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (source name, done, total)


@dataclass
class SourceReport:
    name: str
    seen: int = 0
    added: int = 0
    claims: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class IngestReport:
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(s.added for s in self.sources)

    @property
    def claims(self) -> int:
        return sum(s.claims for s in self.sources)

    @property
    def errors(self) -> list[str]:
        return [f"{s.name}: {e}" for s in self.sources for e in s.errors]


def content_hash(title: str, text: str) -> str:
    normal = " ".join(title.split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def ingest_source(
    store: Store, cfg: SourceConfig, config: SourcesFile, progress: Progress | None = None
) -> SourceReport:
    """Ingest one source; its failures are recorded on the report and in the store."""
    report = SourceReport(cfg.name)
    try:
        docs = list(read_files(config.resolve(cfg.path), source=cfg.name))
    except SourceError as exc:
        report.errors.append(exc.message)
        docs = []
    for i, doc in enumerate(docs, 1):
        report.seen += 1
        if doc.error:
            report.errors.append(doc.error)
        else:
            url = doc.path.resolve().as_uri()
            digest = content_hash(doc.title, doc.text)
            if not store.has_article(cfg.name, url, digest):
                article = Article(
                    source=cfg.name,
                    url=url,
                    canonical_url=url,
                    title=doc.title,
                    published=doc.published,
                    text=doc.text,
                    content_hash=digest,
                )
                result = store.add_article(article, split_claims(doc.text, title=doc.title))
                if result.added:
                    report.added += 1
                    report.claims += result.claims
        if progress:
            progress(cfg.name, i, len(docs))
    error = "; ".join(report.errors)[:1000] if report.errors else None
    store.record_ingest(cfg.name, error=error, at=datetime.now(UTC))
    if error:
        log.warning("source %s: %d problem(s): %s", cfg.name, len(report.errors), error)
    return report


def ingest_all(store: Store, config: SourcesFile, progress: Progress | None = None) -> IngestReport:
    """Ingest every enabled source; one source's failure never stops the others."""
    store.sync_sources([s.as_source() for s in config.sources])
    report = IngestReport()
    for cfg in config.enabled():
        try:
            report.sources.append(ingest_source(store, cfg, config, progress))
        except StoreError:
            raise  # the store itself failing stops everything: nothing else can be saved
    return report
