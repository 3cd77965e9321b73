"""Sources → documents → claims → store. Idempotent and transactional per article.

Sources are ingested concurrently (``fetch.concurrency`` at once); a failing source is recorded
with its error and the others go on. Each article is stored in its own transaction, so a crash
loses nothing already stored and the next run duplicates nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from checks.claims import features, split_claims
from checks.enrich import embed_in_background
from checks.errors import CheckError, StoreError
from checks.events import Events, IngestEvent
from checks.models import Article, Claim, SourceStatus
from checks.sources.config import (
    FactCheckApiSource,
    FetchConfig,
    FilesSource,
    SourceConfig,
    SourcesFile,
)
from checks.sources.docs import Doc, DocError, Finalize
from checks.sources.files import FileDoc, read_files
from checks.store.base import AddResult, Store

if TYPE_CHECKING:  # the HTTP client and web sources load when a source or an API needs them
    from checks.fetch import Fetcher, FetchSettings

__all__ = [
    "POOL_AFTER",
    "IngestReport",
    "Lease",
    "Progress",
    "SourceReport",
    "SplitPool",
    "ask_factcheck_apis",
    "configured_status",
    "content_hash",
    "fetch_settings",
    "ingest_all",
    "ingest_source",
    "is_due",
    "store_doc",
]

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]  # (source name, done, total or None)
CpuPool = Callable[[], Executor | None]  # worker processes for splitting, when worth having


@dataclass
class SourceReport:
    """What ingesting one source did."""

    name: str
    seen: int = 0
    added: int = 0
    claims: int = 0
    errors: list[str] = field(default_factory=list)
    failed: bool = False  # the source as a whole could not be read
    stopped: bool = False  # shutdown asked it to stop early
    skipped: bool = False  # another worker holds its lease
    removed: int = 0  # articles of files that are gone from a files source

    @property
    def ok(self) -> bool:
        """Whether the source was ingested without any error."""
        return not self.errors


@dataclass
class IngestReport:
    """What one ingest run did, source by source."""

    sources: list[SourceReport] = field(default_factory=list)

    @property
    def added(self) -> int:
        """New articles stored."""
        return sum(s.added for s in self.sources)

    @property
    def claims(self) -> int:
        """New claims stored."""
        return sum(s.claims for s in self.sources)

    @property
    def errors(self) -> list[str]:
        """Every error, prefixed with its source's name."""
        return [f"{s.name}: {e}" for s in self.sources for e in s.errors]


class Lease:
    """This process's claim on sources, so that several workers never ingest one at once.

    A lease lasts ``ttl_s``; it is renewed after each stored article once a third of that has
    passed, and released when the source is done. A crashed worker's lease simply expires."""

    def __init__(self, store: Store, holder: str, ttl_s: float = 120.0) -> None:
        self.store, self.holder, self.ttl_s = store, holder, ttl_s
        self._renewed: dict[str, float] = {}

    def take(self, source: str) -> bool:
        """Take the lease on ``source``; False while another worker holds it."""
        ok = self.store.lease_source(source, self.holder, self.ttl_s)
        if ok:
            self._renewed[source] = time.monotonic()
        return ok

    def keep(self, source: str) -> bool:
        """Renew the lease when a third of it has passed; False if it was lost."""
        if time.monotonic() - self._renewed.get(source, 0.0) < self.ttl_s / 3:
            return True
        return self.take(source)

    def release(self, source: str) -> None:
        """Give the lease on ``source`` back."""
        self._renewed.pop(source, None)
        self.store.release_source(source, self.holder)


def content_hash(title: str, text: str) -> str:
    """What identifies an article's content: its title and text, spacing aside."""
    normal = " ".join(title.split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def fetch_settings(cfg: FetchConfig) -> FetchSettings:
    """The HTTP client's limits from the sources file's ``fetch`` section."""
    from checks.fetch import FetchSettings

    base = FetchSettings()
    return FetchSettings(
        connect_timeout=min(base.connect_timeout, cfg.timeout),
        read_timeout=cfg.timeout,
        total_timeout=max(cfg.timeout * 2, base.total_timeout),
        max_bytes=cfg.max_bytes,
        max_redirects=cfg.max_redirects,
        retries=cfg.retries,
        per_host=cfg.per_host,
        user_agent=cfg.user_agent or base.user_agent,
        allow_hosts=frozenset(h.lower().strip("[]") for h in cfg.allow_hosts),
    )


def is_due(cfg: SourceConfig, last_success: datetime | None, now: datetime) -> bool:
    """Whether a source is due for ingestion (its refresh interval has passed)."""
    return last_success is None or now - last_success >= timedelta(minutes=cfg.refresh_minutes)


def store_doc(
    store: Store, source: str, doc: Doc, claims: list[Claim] | None = None
) -> AddResult | None:
    """Split a document into claims (unless ``claims`` were split already) and store it;
    None when it was already stored."""
    if doc.reviews:  # a fact-check page: store each reviewed claim with its verdict
        result = None
        for i, review in enumerate(doc.reviews):
            text = review.claim_reviewed
            url = (
                f"{doc.canonical_url}#claimreview-{i}"
                if len(doc.reviews) > 1
                else doc.canonical_url
            )
            digest = content_hash(doc.title, text + "\n" + review.model_dump_json())
            if store.has_article(source, url, digest):
                continue
            claim = Claim(
                position=0,
                start=0,
                end=len(text),
                text=text,
                features=features(text, context=doc.title),
                review=review,
            )
            article = Article(
                source=source,
                url=doc.url,
                canonical_url=url,
                title=doc.title,
                published=doc.published,
                text=text,
                content_hash=digest,
            )
            added = store.add_article(article, [claim])
            result = (
                added
                if result is None
                else AddResult(
                    added.article_id, result.added or added.added, result.claims + added.claims
                )
            )
        return result
    digest = content_hash(doc.title, doc.text)
    if store.has_article(source, doc.canonical_url, digest):
        return None
    article = Article(
        source=source,
        url=doc.url,
        canonical_url=doc.canonical_url,
        title=doc.title,
        published=doc.published,
        text=doc.text,
        content_hash=digest,
    )
    if claims is None:
        claims = split_claims(doc.text, title=doc.title)
    return store.add_article(article, claims)


POOL_AFTER = 20  # articles split in threads before worker processes are started


class SplitPool:
    """Worker processes for splitting articles into claims (CPU-bound: the GIL would otherwise
    make ingestion single-core). Started on the first call past :data:`POOL_AFTER` articles,
    kept until :meth:`close`; called as the ``cpu`` argument of :func:`ingest_all`."""

    def __init__(self, processes: int) -> None:
        self.processes = processes  # 0: threads only
        self._pool: ProcessPoolExecutor | None = None
        self._asked = 0

    def __call__(self) -> Executor | None:
        """The pool to split one article in, or None to split it in a thread."""
        if self.processes <= 0:
            return None
        self._asked += 1
        if self._pool is None and self._asked <= POOL_AFTER:
            return None  # a handful of articles: starting processes would cost more
        if self._pool is None:
            try:
                self._pool = ProcessPoolExecutor(
                    self.processes,
                    mp_context=multiprocessing.get_context("spawn"),  # nothing lingers if killed
                    initializer=_die_with_parent,
                    initargs=(os.getpid(),),
                )
            except (OSError, ValueError) as exc:
                log.warning("no worker processes for ingestion (%s); using threads", exc)
                self.processes = 0
                return None
        return self._pool

    def close(self) -> None:
        """Stop the worker processes (without waiting for articles being split)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _die_with_parent(parent: int) -> None:
    """In a worker process: end when the process that started it ends, even by SIGKILL (the
    pool's queues would otherwise keep an orphaned worker waiting forever). Linux only."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(0)


def _split(text: str, title: str) -> list[Claim]:
    """Runs in a worker process (module level, so it pickles)."""
    return split_claims(text, title=title)


async def _prepare(store: Store, source: str, doc: Doc, cpu: CpuPool | None) -> list[Claim] | None:
    """Split a new article in a worker process, leaving the event loop's process free to fetch
    and store; None (split later, in a thread) for fact-checks, known articles or no pool."""
    pool = cpu() if cpu is not None and not doc.reviews else None
    if pool is None:
        return None
    known = await asyncio.to_thread(
        store.has_article, source, doc.canonical_url, content_hash(doc.title, doc.text)
    )
    if known:
        return None
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(pool, _split, doc.text, doc.title)
    except (BrokenExecutor, OSError) as exc:  # a dead pool must not stop ingestion
        log.warning("claim-splitting process failed (%s); splitting in a thread", exc)
        return None


async def _file_docs(
    cfg: FilesSource, config: SourcesFile, store: Store, report: SourceReport
) -> AsyncIterator[Doc | DocError | Finalize]:
    """The articles of a files source; last, the articles of files that are gone are removed
    (only after a complete listing: a folder that could not be listed, or a source path that
    is missing altogether, removes nothing)."""
    root = config.resolve(cfg.path)

    def listing() -> tuple[list[FileDoc], set[str], bool]:
        files = list(read_files(root, source=cfg.name))
        present = {f.path.resolve().as_uri() for f in files}  # unreadable files stay too
        complete = not any(f.error and f.path.is_dir() for f in files)
        return files, present, complete

    files, present, complete = await asyncio.to_thread(listing)
    for f in files:
        if f.error:
            yield DocError(str(f.path), f.error)
        else:
            url = f.path.resolve().as_uri()
            yield Doc(url, url, f.title, f.text, f.published)

    async def remove_gone() -> None:
        stored = await asyncio.to_thread(store.article_urls, cfg.name)
        for url in stored:
            gone = url.startswith("file:") and url not in present
            if gone and await asyncio.to_thread(store.remove_article, cfg.name, url):
                report.removed += 1
        if report.removed:
            log.info("source %s: %d article(s) removed (files gone)", cfg.name, report.removed)

    if complete:
        yield Finalize(remove_gone)


async def ingest_source(
    store: Store,
    cfg: SourceConfig,
    config: SourcesFile,
    fetcher: Fetcher,
    progress: Progress | None = None,
    *,
    stop: asyncio.Event | None = None,
    events: Events | None = None,
    lease: Lease | None = None,
    only_due: bool = False,
    cpu: CpuPool | None = None,
) -> SourceReport:
    """Ingest one source; its failures are recorded on the report and in the store.

    When ``stop`` is set the source stops after the article being stored (each article is its
    own transaction, so nothing is left half-stored). With a ``lease``, the source is ingested
    only if this process holds its lease, which is renewed as articles are stored."""
    report = SourceReport(cfg.name)
    started = time.monotonic()
    if lease is not None and not await asyncio.to_thread(lease.take, cfg.name):
        report.skipped = True
        return report
    if lease is not None and only_due:
        # the list of due sources may be stale: another worker may have just finished this one
        last = await asyncio.to_thread(store.last_success, cfg.name)
        if not is_due(cfg, last, datetime.now(UTC)):
            await asyncio.to_thread(lease.release, cfg.name)
            report.skipped = True
            return report
    # until this run records its outcome, the source says an ingest is under way: a process
    # killed mid-source leaves that, not "never ingested" beside the articles it stored
    now = datetime.now(UTC)
    unfinished = (
        f"an ingest started at {now:%Y-%m-%d %H:%M} UTC did not finish (still running, or "
        "interrupted); the rest follows on the next run"
    )
    await asyncio.to_thread(store.record_ingest, cfg.name, error=unfinished, at=now)
    if progress:
        progress(cfg.name, 0, None)
    try:
        if isinstance(cfg, FilesSource):
            docs: AsyncIterator[Doc | DocError | Finalize] = _file_docs(cfg, config, store, report)
        elif isinstance(cfg, FactCheckApiSource):
            docs = _nothing()  # asked per check, not ingested
        else:
            from checks.sources.web import WebContext, collect_web

            docs = collect_web(WebContext(fetcher, store), cfg)
        # articles are split (in worker processes) and stored several at a time; the store
        # serialises its own writes, each article still one transaction
        limit = asyncio.Semaphore(PARALLEL_ARTICLES)
        pending: set[asyncio.Task[None]] = set()

        async def handle(doc: Doc) -> None:
            try:
                claims = await _prepare(store, cfg.name, doc, cpu)
                result = await asyncio.to_thread(store_doc, store, cfg.name, doc, claims)
                if result is not None and result.added:
                    report.added += 1
                    report.claims += result.claims
            finally:
                limit.release()
                if progress:
                    progress(cfg.name, report.seen, None)

        try:
            async for doc in docs:
                if isinstance(doc, Finalize):
                    await _drain(pending)
                    await doc.action()
                    continue
                report.seen += 1
                if isinstance(doc, DocError):
                    report.errors.append(doc.error)
                    if progress:
                        progress(cfg.name, report.seen, None)
                else:
                    await limit.acquire()
                    task = asyncio.create_task(handle(doc))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                if stop is not None and stop.is_set():
                    report.stopped = True
                    break
                if lease is not None and not await asyncio.to_thread(lease.keep, cfg.name):
                    report.errors.append("lost the ingestion lease to another worker; stopped")
                    break
        finally:
            await _drain(pending)  # nothing half-done: every started article finishes
    except StoreError:
        raise  # the store failing stops everything: nothing else could be saved
    except CheckError as exc:
        report.errors.append(exc.message)
        report.failed = True
    finally:
        if lease is not None:
            await asyncio.to_thread(lease.release, cfg.name)
    error = "; ".join(report.errors)[:1000] if report.errors else None
    if report.stopped and error is None:  # not a success: the rest is still to be fetched
        error = "stopped before finishing (shutdown); the rest follows on the next run"
    await asyncio.to_thread(store.record_ingest, cfg.name, error=error, at=datetime.now(UTC))
    if progress:
        progress(cfg.name, report.seen, report.seen)
    if error:
        log.warning("source %s: %d problem(s): %s", cfg.name, len(report.errors), error)
    if events is not None:
        events.ingest(
            IngestEvent(
                source=cfg.name,
                added=report.added,
                claims=report.claims,
                errors=len(report.errors),
                seconds=time.monotonic() - started,
            )
        )
    return report


PARALLEL_ARTICLES = 8  # articles of one source being split and stored at once


async def _drain(tasks: set[asyncio.Task[None]]) -> None:
    """Wait for the articles in flight; the first failure (a store error, say) is raised."""
    if tasks:
        results = await asyncio.gather(*list(tasks), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r


async def _nothing() -> AsyncIterator[Doc | DocError | Finalize]:
    return
    yield  # pragma: no cover - makes this an async generator


async def ingest_all(
    store: Store,
    config: SourcesFile,
    progress: Progress | None = None,
    *,
    only_due: bool = False,
    fetcher: Fetcher | None = None,
    stop: asyncio.Event | None = None,
    events: Events | None = None,
    lease: Lease | None = None,
    cpu: CpuPool | None = None,
) -> IngestReport:
    """Ingest the enabled sources (only those due, if asked); one failure never stops the rest."""
    from checks.fetch import Fetcher

    await asyncio.to_thread(store.sync_sources, [s.as_source() for s in config.sources])
    sources = [s for s in config.enabled() if not isinstance(s, FactCheckApiSource)]
    if only_due:
        last = {s.name: s.last_success for s in await asyncio.to_thread(store.source_status)}
        now = datetime.now(UTC)
        sources = [s for s in sources if is_due(s, last.get(s.name), now)]
    own = fetcher is None
    fetch = fetcher or Fetcher(fetch_settings(config.fetch))
    sem = asyncio.Semaphore(config.fetch.concurrency)

    async def one(cfg: SourceConfig) -> SourceReport:
        async with sem:
            if stop is not None and stop.is_set():
                return SourceReport(cfg.name, stopped=True)
            return await ingest_source(
                store,
                cfg,
                config,
                fetch,
                progress,
                stop=stop,
                events=events,
                lease=lease,
                only_due=only_due,
                cpu=cpu,
            )

    try:
        reports = await asyncio.gather(*(one(s) for s in sources))
    finally:
        if own:
            await fetch.aclose()
    report = IngestReport(list(reports))
    if lease is not None:
        # a long-running worker (it ingests under leases): the claims' vectors follow in a
        # low-priority thread of this process (checks.enrich), so ingestion never waits for them
        # and checks find new claims by their words meanwhile. One-off runs (`crosscheck ingest`)
        # embed after storing, in the foreground.
        embed_in_background(store)
    return report


async def ask_factcheck_apis(
    store: Store, apis: list[FactCheckApiSource], claim: str, fetcher: Fetcher
) -> None:
    """Ask each fact-check API about one claim, storing the fact-checks it returns; an API
    asked the same query within its ``cache_minutes`` is not asked again. A failing API is
    recorded as that source's error and the others are still asked."""
    from checks.sources.factcheck_api import normalise_query, search_factchecks

    query = normalise_query(claim)
    now = datetime.now(UTC)

    async def one(cfg: FactCheckApiSource) -> None:
        asked = await asyncio.to_thread(store.api_cached_at, cfg.name, query)
        if asked and now - asked < timedelta(minutes=cfg.cache_minutes):
            return
        try:
            docs = await search_factchecks(fetcher, cfg, claim)
        except CheckError as exc:
            log.warning("fact-check API %s failed: %s", cfg.name, exc)
            await asyncio.to_thread(store.record_ingest, cfg.name, error=str(exc), at=now)
            return
        for doc in docs:
            await asyncio.to_thread(store_doc, store, cfg.name, doc)
        await asyncio.to_thread(store.api_cache_put, cfg.name, query, now)
        await asyncio.to_thread(store.record_ingest, cfg.name, error=None, at=now)

    await asyncio.gather(*(one(cfg) for cfg in apis))


def configured_status(config: SourcesFile, store: Store) -> list[SourceStatus]:
    """The configured sources, in their order, with what the store knows of them (counts, last
    ingest, errors); a source never ingested has zero counts."""
    stored = {s.name: s for s in store.source_status()}
    return [
        (stored.get(cfg.name) or SourceStatus(name=cfg.name, kind=cfg.kind, weight=0)).model_copy(
            update={"name": cfg.name, "kind": cfg.kind, "weight": cfg.weight}
        )
        for cfg in config.sources
    ]
