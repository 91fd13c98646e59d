"""Builds the working parts from Settings, lazily and once (nothing happens at import)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.core.settings import Settings


class Services:
    """The store, embedder and retriever for one Settings object, each made on first use."""

    def __init__(self, settings: Settings, backend=None, embedder=None, chat_model=None):
        self.settings = settings
        if chat_model is not None:
            self.__dict__["chat_model"] = chat_model
        if backend is not None:
            self.__dict__["backend"] = backend
        if embedder is not None:
            self.__dict__["embedder"] = embedder

    @cached_property
    def backend(self):
        from assistant.retrieval.chroma import backend_from_settings

        return backend_from_settings(self.settings)

    @cached_property
    def embedder(self):
        from assistant.retrieval.embeddings import embedder_from_settings

        return embedder_from_settings(self.settings)

    @cached_property
    def retriever(self):
        from assistant.retrieval.retriever import Retriever

        s = self.settings
        return Retriever(
            self.backend,
            self.embedder,
            k=s.search_k,
            candidates=s.search_candidates,
            min_relevance=s.min_relevance,
            dense_weight=s.dense_weight,
        )

    @cached_property
    def chat_model(self):
        from assistant.answering.llm import chat_model_from_settings

        return chat_model_from_settings(self.settings)

    @cached_property
    def assistant(self):
        from assistant.answering.pipeline import Assistant

        return Assistant(self.settings, self.retriever, self.chat_model)

    @property
    def chunk_params(self):
        from ingest.chunk import ChunkParams

        return ChunkParams(
            max_tokens=self.settings.chunk_tokens, overlap_tokens=self.settings.chunk_overlap_tokens
        )

    def ingest(self, paths: Sequence[Path] | None = None, rebuild: bool = False, progress=None):
        """Ingest files or folders (default: the corpus folder) under the writer lock."""
        from ingest.index import writer_lock

        with writer_lock(self.settings.data_dir):
            return self._ingest_locked(paths, rebuild, progress)

    def _ingest_locked(self, paths: Sequence[Path] | None, rebuild: bool, progress=None):
        from ingest.index import ingest

        paths = list(paths) if paths else [self.settings.corpus_dir]
        return ingest(
            paths,
            self.backend,
            self.embedder,
            self.chunk_params,
            max_bytes=self.settings.max_file_bytes,
            rebuild=rebuild,
            progress=progress,
        )

    def ingest_site(self, url: str, progress=None):
        """Ingest a website from a sitemap or blog URL, under the writer lock."""
        from ingest.index import ingest_site, writer_lock
        from ingest.web import Crawler

        s = self.settings
        crawler = Crawler(timeout_s=s.web_timeout_s, max_bytes=s.max_file_bytes, delay_s=s.web_delay_s)
        with writer_lock(s.data_dir):
            return ingest_site(url, self.backend, self.embedder, self.chunk_params, crawler, progress=progress)

    def is_empty(self) -> bool:
        live = self.backend.live()
        return live is None or live.count() == 0

    def ensure_ingested(self, notify: Callable[[str], None], progress=None, wait_s: float = 900):
        """Ingest the corpus folder when the store is empty (first use); else do nothing.

        When another process holds the writer lock (say the web app's first ingest),
        this waits for it, up to ``wait_s``, instead of failing, then reads what it built.
        """
        from ingest.index import IngestLockedError, lock_holder, writer_lock

        if not self.is_empty():
            return None
        corpus = self.settings.corpus_dir
        try:
            with writer_lock(self.settings.data_dir):
                if not self.is_empty():
                    return None
                notify(f"The store in {self.settings.data_dir} is empty: ingesting the articles in {corpus} (first use).")
                report = self._ingest_locked([corpus], rebuild=False, progress=progress)
        except IngestLockedError:
            notify(
                f"Another process{lock_holder(self.settings.data_dir)} is getting the articles ready; "
                "waiting for it to finish..."
            )
            with writer_lock(self.settings.data_dir, wait_s=wait_s):
                pass
            return self.ensure_ingested(notify, progress, wait_s=0)
        notify(
            f"Ingested {len(report.added)} articles ({report.chunks_written} chunks)."
            + (f" {len(report.failed)} files failed; run `clinic-assistant ingest` to see why." if report.failed else "")
        )
        return report

    def stats(self) -> dict[str, Any]:
        live = self.backend.live()
        base: dict[str, Any] = {"store": self.backend.location, "data_dir": str(self.settings.data_dir)}
        if live is None:
            return {**base, "articles": 0, "chunks": 0, "model": None, "last_ingest": None}
        manifest = live.manifest()
        return {
            **base,
            "articles": len(live.articles()),
            "chunks": live.count(),
            "model": manifest.get("embedding_model"),
            "embedding_dim": manifest.get("embedding_dim"),
            "chunk_tokens": manifest.get("chunk_tokens"),
            "chunk_overlap_tokens": manifest.get("chunk_overlap_tokens"),
            "chromadb_version": manifest.get("chromadb_version"),
            "generation": live.name,
            "created_at": manifest.get("created_at"),
            "last_ingest": manifest.get("last_ingest"),
            "revision": manifest.get("revision"),
        }
