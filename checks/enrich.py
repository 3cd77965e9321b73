"""Working off the enrichment backlog: the vectors of stored claims, in batches.

Storing a claim never waits for its vector (one MiniLM sentence costs about as much CPU as
splitting a whole article). The store queues each new claim; :func:`embed_backlog` takes batches
off that queue, embeds them and stores the vectors, each batch one transaction — so it can be
stopped at any point and resumed, by the same caller or another. Three callers do this work:

* the ingest run, in a low-priority background thread of its process (:func:`embed_in_background`),
  so that ingestion keeps its pace and vectors follow;
* ``crosscheck worker`` (the same thread, for as long as the worker runs);
* ``crosscheck db embed``, with a progress bar, for backfilling a store made before vectors or
  after a change of embedding model.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import socket
import threading
import weakref
from collections.abc import Callable

from checks.embed import Embedder, get_embedder
from checks.store.base import Store

__all__ = ["BATCH", "BackgroundEmbedder", "embed_backlog", "embed_in_background", "holder_name"]

log = logging.getLogger(__name__)

BATCH = 64  # claims embedded and stored per transaction
_IDLE_S = 5.0  # how long the background thread sleeps when the backlog is empty
_NICE = 10  # the background thread's niceness (Linux: per thread), so ingestion keeps its pace


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
) -> int:
    """Embed claims awaiting a vector until none is left (or ``limit`` are done, or ``stop`` is
    set); returns how many were embedded. Each batch is stored in one transaction."""
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
        store.put_vectors(embedder.name, [(i, v) for (i, _), v in zip(items, vectors, strict=True)])
        done += len(items)
        if progress is not None:
            progress(done)
    return done


class BackgroundEmbedder:
    """A daemon thread that works off a store's embedding backlog while the process runs.

    It runs at a lower CPU priority than the rest of the process (Linux niceness is per thread,
    and the embedder's own threads, made in it, inherit it), sleeps while there is nothing to
    do, and stops after its current batch when :meth:`stop` is called or the process exits."""

    def __init__(self, store: Store, embedder_spec: str | None = None) -> None:
        self.store = store
        self.spec = embedder_spec
        self.embedded = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crosscheck-embed", daemon=True)

    def start(self) -> None:
        """Start the background thread."""
        self._thread.start()

    def wake(self) -> None:
        """New claims were stored: look at the backlog now."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait up to ``timeout`` seconds for it."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def alive(self) -> bool:
        """Whether the thread is still running."""
        return self._thread.is_alive()

    def _run(self) -> None:
        with contextlib.suppress(AttributeError, OSError):  # elsewhere: the same priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE)
        try:
            embedder = _own_embedder(self.spec)
        except Exception as exc:  # a broken model must not stop ingestion
            log.warning("claim vectors are off: the embedder cannot be loaded (%s)", exc)
            return
        if embedder is None:
            return
        holder = holder_name(f"ingest{os.getpid()}")
        while not self._stop.is_set():
            try:
                n = embed_backlog(self.store, embedder, holder=holder, stop=self._stop)
            except Exception as exc:  # store closed or failing: the next ingest
                # run starts a new thread; the claims stay queued meanwhile
                log.info("background embedding stopped (%s)", exc)
                return
            self.embedded += n
            if n:
                log.info("embedded %d stored claim(s)", n)
            self._wake.wait(_IDLE_S)
            self._wake.clear()


def _own_embedder(spec: str | None) -> Embedder | None:
    """The configured embedder; a MiniLM of the background thread's own (made in it, so that
    its onnxruntime threads share the thread's low priority)."""
    shared = get_embedder(spec)
    if shared is None:
        return None
    from checks.embed import MiniLMEmbedder

    if isinstance(shared, MiniLMEmbedder):
        return MiniLMEmbedder(threads=shared.threads)
    return shared


_running: weakref.WeakKeyDictionary[object, BackgroundEmbedder] = weakref.WeakKeyDictionary()
_running_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    """At exit: let each background thread finish its batch (a few hundred ms at most)."""
    with _running_lock:
        workers = list(_running.values())
    for w in workers:
        w.stop(5.0)


def embed_in_background(store: Store) -> BackgroundEmbedder | None:
    """Start (once per store object) the background thread embedding its backlog, or wake it.
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
        else:
            worker.wake()
        return worker
