"""Incremental indexing of articles into the store, with one writer at a time.

Unchanged files (same content hash) are skipped without loading the model,
changed ones replaced, removed ones deleted. ``rebuild=True`` builds a new
generation and makes it live only when it is complete.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import filelock
import numpy as np

from assistant.core.embedding import Embedder
from assistant.core.records import Article, Chunk
from assistant.core.text import split_units
from assistant.core.store import CHUNK_KEYS, MODEL_KEYS, ChunkStore, StoreBackend, check_manifest, now_iso
from ingest.chunk import ChunkParams, TooManyChunks, chunk_article
from ingest.discover import Found, Skipped, discover, source_id
from ingest.limits import FileLimits, LoadError
from ingest.load import content_hash, load_article, read_bytes

log = logging.getLogger(__name__)

#: Chunks embedded and written per step (bounds memory and lost work on a crash).
WRITE_BATCH = 512


class IngestLockedError(RuntimeError):
    """Another process is writing to the same store."""


class Progress(Protocol):
    def update(self, n: int) -> None: ...
    def close(self) -> None: ...


ProgressFactory = Callable[[int, str], Progress]


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)
    #: symlinks read, as (link, the file it points to)
    links: list[tuple[str, str]] = field(default_factory=list)
    #: generations left by crashed or killed runs, deleted by this one
    cleaned: list[str] = field(default_factory=list)
    chunks_written: int = 0
    rebuilt: bool = False
    #: bytes the store gave back to the disk (embedded store only)
    reclaimed_bytes: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted or self.carried_over or self.rebuilt)

    @property
    def failed(self) -> list[Skipped]:
        return [s for s in self.skipped if s.failed]

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "skipped": [{"path": s.path, "reason": s.reason, "failed": s.failed} for s in self.skipped],
            "carried_over": self.carried_over,
            "links": [{"path": link, "to": to} for link, to in self.links],
            "cleaned": self.cleaned,
            "chunks_written": self.chunks_written,
            "rebuilt": self.rebuilt,
            "reclaimed_bytes": self.reclaimed_bytes,
        }


@contextmanager
def writer_lock(data_dir: Path, command: str = "ingest", wait_s: float = 0):
    """Hold the store's single-writer lock, waiting up to ``wait_s`` for it, or say who holds it."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(data_dir / "ingest.lock"), timeout=wait_s, is_singleton=False)
    info_path = data_dir / "ingest.lock.json"
    try:
        lock.acquire()
    except filelock.Timeout:
        holder = lock_holder(data_dir)
        raise IngestLockedError(
            f"another ingest is already writing to {data_dir}{holder}. "
            "Only one writer at a time keeps the store consistent: wait for it to finish, then try again."
        ) from None
    try:
        info_path.write_text(json.dumps({"pid": os.getpid(), "started": now_iso(), "command": command}))
        yield
    finally:
        try:
            info_path.unlink()
        except OSError:
            pass
        lock.release()


def lock_holder(data_dir: Path) -> str:
    """" (pid N, started T)" for the process holding the writer lock, when it says."""
    try:
        info = json.loads((Path(data_dir) / "ingest.lock.json").read_text())
        return f" (pid {info.get('pid')}, started {info.get('started')})"
    except (OSError, ValueError):
        return ""


def store_manifest(embedder: Embedder, params: ChunkParams, backend: StoreBackend) -> dict[str, Any]:
    """What a store records about how it was built."""
    return {
        "embedding_model": embedder.model_id,
        "embedding_dim": embedder.dimension,
        "embedding_backend": getattr(embedder, "backend", "torch"),
        **params.as_metadata(),
        **backend.engine,
    }


def _open_target(backend: StoreBackend, expected: dict[str, Any], rebuild: bool):
    """(live, target, stored articles, fresh): a new generation when rebuilding or empty, else the live one."""
    live = backend.live()
    if rebuild or live is None:
        return live, backend.new_generation(expected), {}, True
    check_manifest(live.manifest(), expected, (*MODEL_KEYS, *CHUNK_KEYS))
    return live, live, live.articles(), False


def _delete_gone(target: ChunkStore, stored, report: "IngestReport", gone: Callable[[str], bool]) -> None:
    """Delete stored articles for which ``gone(source)`` holds, recording each."""
    for source in sorted(stored):
        if gone(source):
            target.delete_source(source)
            report.deleted.append(source)


def _under(source: str, roots: Sequence[str]) -> bool:
    return any(source == r or source.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def ingest(
    paths: Iterable[Path],
    backend: StoreBackend,
    embedder: Embedder,
    params: ChunkParams,
    limits: FileLimits | None = None,
    rebuild: bool = False,
    progress: ProgressFactory | None = None,
) -> IngestReport:
    """Bring the store in step with the given files and folders.

    Each file is read, cut and embedded on its own budget: any failure skips that
    file with its reason and keeps its last good version, never the run. A run that
    finds nothing new changes nothing (the store's revision stays).
    """
    paths = [Path(p) for p in paths]
    limits = limits or FileLimits()
    report = IngestReport(rebuilt=rebuild)
    files, skipped = discover(paths)
    report.skipped.extend(skipped)
    report.links = [(str(f.path), f.link_to) for f in files if f.link_to]
    expected = store_manifest(embedder, params, backend)
    report.cleaned = backend.clean_up()

    live, target, stored, fresh = _open_target(backend, expected, rebuild)

    try:
        pending: list[tuple[Article, list[Chunk], bool]] = []
        failed_sources: list[str] = []
        for item in files:
            source = source_id(item.path)
            try:
                prepared = _prepare(item, stored.get(source), embedder, params, limits)
            except Exception as exc:  # noqa: BLE001 - one file must never stop the run
                reason = _reason(exc, item.path)
            else:
                if prepared is None:
                    report.unchanged.append(source)
                else:
                    pending.append((prepared[0], prepared[1], source in stored))
                continue
            report.skipped.append(Skipped(str(item.path), reason))
            failed_sources.append(source)

        _write(target, pending, embedder, progress, report)

        if fresh and live is not None:
            report.carried_over = _carry_over(live, target, failed_sources, expected)
        roots = [source_id(p) for p in paths]
        _delete_gone(target, stored, report, lambda src: _under(src, roots) and not os.path.lexists(src))

        if fresh or report.changed:
            _commit(backend, target, fresh)
        if fresh or report.changed or report.cleaned:
            report.reclaimed_bytes = backend.reclaim()
    except BaseException:
        if fresh:
            backend.discard(target)
        raise
    return report


def _prepare(item: Found, stored, embedder: Embedder, params: ChunkParams, limits: FileLimits):
    """(article, chunks) for a new or changed file, None when unchanged; LoadError names a problem."""
    deadline = limits.deadline()
    data = read_bytes(item.path, limits.max_bytes)
    if stored is not None and stored.content_hash == content_hash(data):
        return None
    article = load_article(item.path, data, limits, deadline, item.name)
    try:
        chunks = chunk_article(article, embedder.count_tokens, params, deadline, limits.max_chunks)
    except TooManyChunks as exc:
        raise LoadError(limits.too_many_chunks(exc.count)) from exc
    return article, chunks


def _reason(exc: Exception, what) -> str:
    """Why one file or page was skipped; unexpected errors are logged with their traceback."""
    if isinstance(exc, LoadError):
        return str(exc)
    log.warning("unexpected error reading %s", what, exc_info=True)
    return f"could not be read ({type(exc).__name__}: {str(exc)[:200]})"


def _commit(backend: StoreBackend, target: ChunkStore, fresh: bool) -> None:
    """Stamp the store with this ingest; a fresh generation becomes live only now."""
    revision = int(target.manifest().get("revision", 0)) + 1
    target.update_manifest({"last_ingest": now_iso(), "revision": revision})
    if fresh:
        backend.promote(target)


def _write(
    target: ChunkStore,
    pending: list[tuple[Article, list[Chunk], bool]],
    embedder: Embedder,
    progress: ProgressFactory | None,
    report: IngestReport,
    extra: dict[str, dict[str, Any]] | None = None,
) -> None:
    total = sum(len(chunks) for _, chunks, _ in pending)
    bar = progress(total, "Embedding") if (progress and total) else _NoProgress()
    try:
        batch: list[tuple[Article, list[Chunk], bool]] = []
        size = 0
        for item in pending:
            batch.append(item)
            size += len(item[1])
            if size >= WRITE_BATCH:
                _write_batch(target, batch, embedder, bar, report, extra)
                batch, size = [], 0
        if batch:
            _write_batch(target, batch, embedder, bar, report, extra)
    finally:
        bar.close()


def embed_with_units(embedder: Embedder, chunks: Sequence[Chunk], progress=None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Chunk vectors, and a vector for each sentence and list item of each chunk.

    With the real model both come from one forward pass (the mean of each unit's
    token vectors); an embedder without token vectors embeds the units on their own.
    """
    texts = [c.embed_text for c in chunks]
    spans = []
    for c in chunks:
        shift = len(c.embed_text) - len(c.text)
        spans.append([(u.start + shift, u.end + shift) for u in split_units(c.text)])
    if hasattr(embedder, "embed_documents_with_spans"):
        return embedder.embed_documents_with_spans(texts, spans, progress=progress)
    vectors = embedder.embed_documents(texts, progress=progress)
    units = []
    for text, ss in zip(texts, spans):
        pieces = [text[a:b] for a, b in ss]
        units.append(np.asarray(embedder.embed_documents(pieces)) if pieces else np.zeros((0, vectors.shape[1]), np.float32))
    return vectors, units


def _write_batch(target, batch, embedder: Embedder, bar: Progress, report: IngestReport, extra=None) -> None:
    chunks = [c for _, cs, _ in batch for c in cs]
    try:
        vectors, units = embed_with_units(embedder, chunks, progress=bar.update)
    except Exception as exc:  # noqa: BLE001 - find the article the model cannot take
        if len(batch) == 1:
            article = batch[0][0]
            log.warning("cannot embed %s", article.source, exc_info=True)
            report.skipped.append(Skipped(article.source, f"could not be embedded ({type(exc).__name__}: {str(exc)[:200]})"))
            return
        before = len(report.skipped)
        for item in batch:
            _write_batch(target, [item], embedder, bar, report, extra)
        if len(report.skipped) - before == len(batch):
            del report.skipped[before:]
            raise  # every article failed alone too: the model, not a file
        return
    # Old chunks go first: a crash between the two steps leaves the article absent
    # (and re-added by the next run), never half old and half new.
    for article, _, is_update in batch:
        if is_update:
            target.delete_source(article.source)
    target.add(chunks, vectors, extra=extra, units=units)
    report.chunks_written += len(chunks)
    for article, _, is_update in batch:
        (report.updated if is_update else report.added).append(article.source)


def _carry_over(old: ChunkStore, new: ChunkStore, sources: list[str], expected: dict[str, Any]) -> list[str]:
    """Copy the last good version of articles that failed to load into a rebuilt store."""
    try:
        check_manifest(old.manifest(), expected, MODEL_KEYS)
    except Exception:
        return []  # different model: old vectors are not comparable
    carried = []
    for source in sources:
        if old.copy_source_to(source, new):
            carried.append(source)
    return carried


def ingest_site(
    start_url: str,
    backend: StoreBackend,
    embedder: Embedder,
    params: ChunkParams,
    crawler,
    progress: ProgressFactory | None = None,
    limits: FileLimits | None = None,
) -> IngestReport:
    """Bring the store in step with a website: a sitemap URL or a blog page and the pages it links to.

    Unchanged pages (HTTP 304, or the same content hash) are not re-embedded; pages of
    the same site that are no longer listed are deleted; a page that fails keeps its
    last good version.
    """
    from urllib.parse import urlparse

    from ingest.load import load_web_page
    from ingest.web import FetchError, page_urls

    limits = limits or FileLimits()
    report = IngestReport()
    expected = store_manifest(embedder, params, backend)
    report.cleaned = backend.clean_up()
    _, target, stored, fresh = _open_target(backend, expected, rebuild=False)
    try:
        try:
            urls, skipped = page_urls(crawler, start_url)
        except FetchError as exc:
            report.skipped.append(Skipped(start_url, f"cannot read the start page or sitemap: {exc}"))
            if fresh:
                backend.discard(target)
            return report
        report.skipped += [Skipped(u, reason, failed=False) for u, reason in skipped]
        pending: list[tuple[Article, list[Chunk], bool]] = []
        validators: dict[str, dict[str, Any]] = {}
        for url in urls:
            old = stored.get(url)
            try:
                page = crawler.fetch(url, old.etag if old else None, old.last_modified if old else None)
            except FetchError as exc:
                report.skipped.append(Skipped(url, str(exc)))
                continue
            if page.status == 304 or (old and content_hash(page.body) == old.content_hash):
                report.unchanged.append(url)
                continue
            deadline = limits.deadline()
            try:
                article = load_web_page(url, page.body)
                chunks = chunk_article(article, embedder.count_tokens, params, deadline, limits.max_chunks)
            except TooManyChunks as exc:
                report.skipped.append(Skipped(url, limits.too_many_chunks(exc.count)))
                continue
            except Exception as exc:  # noqa: BLE001 - one page must never stop the run
                report.skipped.append(Skipped(url, _reason(exc, url)))
                continue
            validators[url] = {"etag": page.etag or "", "last_modified": page.last_modified or ""}
            pending.append((article, chunks, url in stored))
        _write(target, pending, embedder, progress, report, extra=validators)
        site = "{0.scheme}://{0.netloc}/".format(urlparse(start_url))
        listed = set(urls) | {s.path for s in report.skipped}
        _delete_gone(target, stored, report, lambda src: src.startswith(site) and src not in listed)
        if fresh or report.changed:
            _commit(backend, target, fresh)
        if fresh or report.changed or report.cleaned:
            report.reclaimed_bytes = backend.reclaim()
    except BaseException:
        if fresh:
            backend.discard(target)
        raise
    return report
