"""Working off the enrichment backlog: the vectors (and parsed frames) of stored claims, in batches.

Storing a claim never waits for its vector (one MiniLM sentence costs about as much CPU as
splitting a whole article). The store queues each new claim; :func:`embed_backlog` takes batches
off that queue, embeds them and stores the vectors — and parses them
(:func:`checks.frames.parse_claims`) and stores their frames, so that checks need not parse the
claims they find — each batch one transaction per kind — so it can be
stopped at any point and resumed, by the same caller or another. Three callers do this work:

* long-running ingestion (``crosscheck worker``, ``serve``, the bot's own ingestion), in a
  low-priority background process started after its first ingest run (:func:`embed_in_background`),
  so that ingestion keeps its pace and vectors follow;
* ``crosscheck db embed``, with a progress bar, for backfilling a store made before vectors or
  after a change of embedding model.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import weakref
from collections.abc import Callable

from checks.embed import Embedder, get_embedder
from checks.frames import FRAMES_VERSION, ParserUnavailable, parse_claims
from checks.store.base import Store

__all__ = ["BATCH", "BackgroundEmbedder", "embed_backlog", "embed_in_background", "holder_name"]

log = logging.getLogger(__name__)

BATCH = 64  # claims embedded and stored per transaction
_BACKGROUND_BATCH = 16  # smaller in the background: stopping waits for at most one batch
_IDLE_S = 5.0  # how long the background process sleeps when the backlog is empty
_NICE = 10  # the background process's niceness, so that ingestion and checks keep their pace


def holder_name(role: str) -> str:
    """A lease holder naming this host and ``role`` (``db-embed``) or process."""
    return f"{role}@{socket.gethostname()}"


def embed_backlog(
    store: Store,
    embedder: Embedder,
    *,
    batch: int = BATCH,
    limit: int | None = None,
    holder: str | None = None,
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    frames: bool = True,
) -> int:
    """Embed claims awaiting a vector until none is left (or ``limit`` are done, or ``stop`` is
    set); returns how many were embedded. Each batch is stored in one transaction.

    With ``frames`` each batch is also parsed and its frames stored (current extractor version),
    unless the parser is not installed: then vectors only. Claims whose stored frame is of an
    older extractor are not queued again; checks parse them when they find them."""
    holder = holder or holder_name(f"pid{os.getpid()}")
    done = 0
    while stop is None or not stop.is_set():
        want = batch if limit is None else min(batch, limit - done)
        if want <= 0:
            break
        items = store.pending_enrichment(want, holder=holder)
        if not items:
            break
        vectors = embedder.embed([text for _, text in items])
        if frames:
            frames = _store_frames(store, items)
        store.put_vectors(embedder.name, [(i, v) for (i, _), v in zip(items, vectors, strict=True)])
        done += len(items)
        if progress is not None:
            progress(done)
    return done


def _store_frames(store: Store, items: list[tuple[int, str]]) -> bool:
    """Parse ``items`` (claim id, text) and store their frames; False when the parser is not
    installed (the caller stops trying), True otherwise."""
    try:
        parses = parse_claims([text for _, text in items])
    except ParserUnavailable as exc:
        log.info("stored claims are not parsed: %s", exc)
        return False
    store.put_frames(
        [(i, p.to_json()) for (i, _), p in zip(items, parses, strict=True)], FRAMES_VERSION
    )
    return True


class BackgroundEmbedder:
    """A low-priority process that works off a store's embedding backlog while this one runs.

    A separate process (spawned, niceness 10) rather than a thread: the model's CPU time never
    competes with this process's event loop for the GIL, and stopping it at any point is safe —
    each batch is one transaction, an interrupted batch's lease runs out and it is done again.
    It opens its own connection to the store, sleeps while there is nothing to do, and ends
    with this process (also when this one is killed)."""

    def __init__(self, store: Store, embedder_spec: str | None = None) -> None:
        self.target = str(getattr(store, "dsn", None) or store.path)
        self.spec = embedder_spec
        ctx = multiprocessing.get_context("spawn")
        self._proc = ctx.Process(
            target=_work,
            args=(self.target, self.spec, os.getpid()),
            name="crosscheck-embed",
            daemon=True,
        )

    def start(self) -> None:
        """Start the background process."""
        self._proc.start()

    def stop(self, timeout: float = 10.0) -> None:
        """End the background process (its current batch is simply done again later)."""
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(timeout)

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._proc.is_alive()


def _work(target: str, spec: str | None, parent: int) -> None:
    """The background process: embed the backlog, then look again every few seconds."""
    _die_with(parent)
    with contextlib.suppress(AttributeError, OSError):  # elsewhere: the same priority
        os.nice(_NICE)
    from checks.store import open_store

    try:
        embedder = get_embedder(spec)
    except Exception as exc:  # a broken model must not stop ingestion
        log.warning("claim vectors are off: the embedder cannot be loaded (%s)", exc)
        return
    if embedder is None:
        return
    store = open_store(target)
    holder = holder_name(f"ingest{parent}")
    try:
        while os.getppid() == parent:
            n = embed_backlog(store, embedder, batch=_BACKGROUND_BATCH, holder=holder)
            if n:
                log.info("embedded %d stored claim(s)", n)
            else:
                time.sleep(_IDLE_S)
    except Exception as exc:  # the store failing: the next ingest run starts a new process
        log.info("background embedding stopped (%s)", exc)
    finally:
        store.close()


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL (Linux; elsewhere the loop's
    parent check ends it within a few seconds)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


_running: weakref.WeakKeyDictionary[object, BackgroundEmbedder] = weakref.WeakKeyDictionary()
_running_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    """At exit: end the background processes."""
    with _running_lock:
        workers = list(_running.values())
    for w in workers:
        w.stop(5.0)


def embed_in_background(store: Store) -> BackgroundEmbedder | None:
    """Start (once per store object) the background process embedding its backlog.
    Nothing when embeddings are off (``CROSSCHECK_EMBEDDER=none``) or the store is read-only."""
    if getattr(store, "read_only", False):
        return None
    spec = os.environ.get("CROSSCHECK_EMBEDDER", "").strip().lower()
    if spec in ("none", "off", "lexical"):
        return None
    with _running_lock:
        worker = _running.get(store)
        if worker is None or not worker.alive():
            worker = BackgroundEmbedder(store)
            _running[store] = worker
            worker.start()
        return worker
