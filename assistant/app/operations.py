"""Use-cases over the composed services: ingest, the first start, store statistics and health."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.app.services import Services

log = logging.getLogger(__name__)


def chunk_params(services: Services):
    from ingest.chunk import ChunkParams

    s = services.settings.ingest
    return ChunkParams(max_tokens=s.chunk_tokens, overlap_tokens=s.chunk_overlap_tokens)


def ingest(services: Services, paths: Sequence[Path] | None = None, rebuild: bool = False, progress=None):
    """Ingest files or folders (default: the corpus folder) under the writer lock."""
    from ingest.index import writer_lock

    with writer_lock(services.settings.storage.data_dir):
        report = _ingest_locked(services, paths, rebuild, progress)
    _refresh_search(services, report)
    return report


def _refresh_search(services: Services, report) -> None:
    """After an ingest that changed the store, this process's search (if it has one) sees it at once.

    Other processes serving the same store rebuild their index in the background on
    their next question.
    """
    retriever = services.built("retriever")
    if retriever is not None and report.changed:
        retriever.warm()


def file_limits(services: Services):
    from ingest.limits import FileLimits

    s = services.settings.ingest
    return FileLimits(
        max_bytes=s.max_file_bytes,
        max_text_bytes=s.max_text_bytes,
        max_chunks=s.max_chunks_per_article,
        max_seconds=s.max_seconds_per_file,
    )


def _ingest_locked(services: Services, paths: Sequence[Path] | None, rebuild: bool, progress=None):
    from ingest.index import ingest as run

    s = services.settings
    return run(
        list(paths) if paths else [s.storage.corpus_dir],
        services.backend,
        services.embedder,
        chunk_params(services),
        limits=file_limits(services),
        rebuild=rebuild,
        progress=progress,
    )


def ingest_site(services: Services, url: str, progress=None):
    """Ingest a website from a sitemap or blog URL, under the writer lock."""
    from ingest.index import ingest_site as run
    from ingest.index import writer_lock
    from ingest.web import Crawler

    s = services.settings
    crawler = Crawler(
        timeout_s=s.ingest.web_timeout_s, max_bytes=s.ingest.max_file_bytes, delay_s=s.ingest.web_delay_s,
        max_pages=s.ingest.web_max_pages,
    )
    with writer_lock(s.storage.data_dir):
        report = run(
            url, services.backend, services.embedder, chunk_params(services), crawler,
            progress=progress, limits=file_limits(services),
        )
    _refresh_search(services, report)
    return report


def is_empty(services: Services) -> bool:
    live = services.backend.live()
    return live is None or live.count() == 0


def ensure_ingested(services: Services, notify: Callable[[str], None], progress=None, wait_s: float = 900):
    """Ingest the corpus folder when the store is empty (first use); else do nothing.

    When another process holds the writer lock (say the web app's first ingest),
    this waits for it, up to ``wait_s``, instead of failing, then reads what it built.
    """
    from ingest.index import IngestLockedError, lock_holder, writer_lock

    if not is_empty(services):
        return None
    data_dir, corpus = services.settings.storage.data_dir, services.settings.storage.corpus_dir
    try:
        with writer_lock(data_dir):
            if not is_empty(services):
                return None
            notify(f"The store in {data_dir} is empty: ingesting the articles in {corpus} (first use).")
            report = _ingest_locked(services, [corpus], rebuild=False, progress=progress)
    except IngestLockedError:
        notify(f"Another process{lock_holder(data_dir)} is getting the articles ready; waiting for it to finish...")
        with writer_lock(data_dir, wait_s=wait_s):
            pass
        return ensure_ingested(services, notify, progress, wait_s=0)
    notify(
        f"Ingested {len(report.added)} articles ({report.chunks_written} chunks)."
        + (f" {len(report.failed)} files failed; run `clinic-assistant ingest` to see why." if report.failed else "")
    )
    return report


def stats(services: Services) -> dict[str, Any]:
    """What the store holds and how it was built."""
    live = services.backend.live()
    base: dict[str, Any] = {
        "store": services.backend.location,
        "data_dir": str(services.settings.storage.data_dir),
        "disk_bytes": services.backend.disk_bytes(),
    }
    if live is None:
        return {**base, "articles": 0, "chunks": 0, "model": None, "last_ingest": None}
    manifest = live.manifest()
    return {
        **base,
        "articles": len(live.articles()),
        "chunks": live.count(),
        "model": manifest.get("embedding_model"),
        "embedding_dim": manifest.get("embedding_dim"),
        "embedding_backend": manifest.get("embedding_backend", "torch"),
        "chunk_tokens": manifest.get("chunk_tokens"),
        "chunk_overlap_tokens": manifest.get("chunk_overlap_tokens"),
        "chromadb_version": manifest.get("chromadb_version"),
        "generation": live.name,
        "created_at": manifest.get("created_at"),
        "last_ingest": manifest.get("last_ingest"),
        "revision": manifest.get("revision"),
    }


class Startup:
    """The web app's first start: ingest the corpus if the store is empty, warm the model, the
    keyword index and the red-flag detector, so the first visitor waits for none of them.

    It runs in a background thread so the port opens at once; until it is done the
    app shows a waiting page and /healthz says "starting" (or "error", with why).
    """

    def __init__(self, services: Services):
        self.services = services
        self.error: str | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        with self._lock:
            if self._ready.is_set():
                return
            try:
                ensure_ingested(self.services, notify=lambda m: log.warning("%s", m))
                self.services.retriever.warm()
                self.services.semantic.warm()  # the red-flag catalogue's vectors, before the first visitor
                self.services.retriever.search("warm up")
            except Exception as exc:  # noqa: BLE001 - reported by /healthz and the waiting page
                self.error = f"{type(exc).__name__}: {exc}"
                log.error("the assistant could not get ready: %s", self.error)
                raise
            self.error = None
            self._ready.set()

    def run_in_background(self) -> threading.Thread:
        def run() -> None:
            try:
                self.run()
            except Exception:  # noqa: BLE001 - already logged and kept in self.error
                pass

        thread = threading.Thread(target=run, name="assistant-start", daemon=True)
        thread.start()
        return thread

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the first start is done (True) or ``timeout`` passes (False)."""
        return self._ready.wait(timeout)


def health(services: Services) -> dict[str, Any]:
    """Store reachable, model loaded, article count; status "ok" only when all are fine."""
    startup = services.startup
    embedder = services.embedder
    articles, reachable = 0, False
    if not services.breaker.is_open:  # known down: the probe is on it, answer at once
        try:
            live = services.backend.live()
            articles = len(live.articles()) if live is not None else 0
            reachable = True
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            log.warning("store unreachable: %s", exc)
            services.breaker.failure(exc)
    if not reachable:
        status = "store_unreachable"
    elif startup.error and not startup.ready:
        status = "error"
    elif not startup.ready:
        status = "starting"
    else:
        status = "ok" if articles else "empty"
    return {
        "status": status,
        "store": services.backend.location,
        "store_reachable": reachable,
        "articles": articles,
        "model": embedder.model_id,
        "model_loaded": bool(getattr(embedder, "loaded", True)),
        **({"error": startup.error} if startup.error and not startup.ready else {}),
    }


def record(services: Services, answer, channel: str, session: str | None = None) -> int:
    """Store a finished answer (redacted) and count it; returns its id for feedback."""
    message_id = services.log.record(answer, channel=channel, session=session)
    services.metrics.answer(channel, answer.triage, answer.grounded, answer.fallback, answer.policy)
    return message_id
