"""The store as the other stages see it: protocols, what a store records, and its errors.

A store keeps *generations*: each full build is its own collection, and a tiny
pointer names the live one. Incremental ingest edits the live generation;
``--rebuild`` fills a new one and swaps the pointer only when it is complete, so a
crash midway leaves the old store answering. The Chroma implementation lives in
``assistant.retrieval.chroma``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from assistant.core.records import Chunk, Passage

#: Manifest keys that must match the embedder for a store to be usable at all.
MODEL_KEYS = ("embedding_model", "embedding_dim", "embedding_backend")
#: Manifest keys that must match the chunking settings for an incremental ingest.
CHUNK_KEYS = ("chunk_tokens", "chunk_overlap_tokens", "chunker_version")
_SETTING_FOR = {
    "embedding_model": "CLINIC_EMBEDDING_MODEL_ID / CLINIC_EMBEDDING_MODEL_PATH",
    "embedding_dim": "CLINIC_EMBEDDING_MODEL_PATH",
    "embedding_backend": "CLINIC_EMBEDDING_BACKEND",
    "chunk_tokens": "CLINIC_CHUNK_TOKENS",
    "chunk_overlap_tokens": "CLINIC_CHUNK_OVERLAP_TOKENS",
    "chunker_version": "a new release changed how articles are cut",
}

#: What a store written before a key was recorded was built with.
_RECORDED_BEFORE = {"embedding_backend": "torch"}


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message says what to do."""


class StoreMismatchError(StoreError):
    """The store was built with a different model, chunking or Chroma version."""


@dataclass(frozen=True)
class StoredArticle:
    """What the store remembers about an ingested article."""

    source: str
    content_hash: str
    title: str
    url: str | None
    chunks: int
    etag: str | None = None
    last_modified: str | None = None
    name: str = ""


class ChunkStore(Protocol):
    """One generation of chunks with their embeddings."""

    name: str

    def manifest(self) -> dict[str, Any]: ...
    def update_manifest(self, values: dict[str, Any]) -> None: ...
    def count(self) -> int: ...
    def articles(self) -> dict[str, StoredArticle]: ...
    def add(
        self, chunks: Sequence[Chunk], embeddings: np.ndarray, chunk_count: int | None = None,
        extra: dict[str, dict[str, Any]] | None = None, units: Sequence[np.ndarray] | None = None,
    ) -> None: ...
    def unit_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...
    def delete_source(self, source: str) -> None: ...
    def query(self, embedding: np.ndarray, n: int) -> list[Passage]: ...
    def documents(self) -> Iterator[tuple[str, str, dict[str, Any]]]: ...
    def source_chunks(self, source: str) -> list[tuple[str, dict[str, Any]]]: ...
    def copy_source_to(self, source: str, other: "ChunkStore") -> bool: ...
    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...
    def add_raw(self, ids: list[str], embeddings: Any, documents: list[str], metadatas: list[dict]) -> None: ...


class StoreBackend(Protocol):
    """Where generations live, and which one is live."""

    location: str
    #: What the store engine records about itself, e.g. {"chromadb_version": "1.5.9"}.
    engine: dict[str, Any]

    def live(self) -> ChunkStore | None: ...
    def new_generation(self, manifest: dict[str, Any]) -> ChunkStore: ...
    def promote(self, store: ChunkStore) -> None: ...
    def discard(self, store: ChunkStore) -> None: ...
    def clean_up(self) -> list[str]: ...
    def reclaim(self) -> int: ...
    def disk_bytes(self) -> int | None: ...


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def check_manifest(manifest: dict[str, Any], expected: dict[str, Any], keys: Sequence[str]) -> None:
    """Raise StoreMismatchError naming the setting when a recorded value differs."""
    if "embedding_model" in manifest:
        manifest = {**_RECORDED_BEFORE, **manifest}
    for key in keys:
        if key in expected and key in manifest and manifest[key] != expected[key]:
            raise StoreMismatchError(
                f"this store was built with {key}={manifest[key]!r} but the current settings give "
                f"{expected[key]!r} ({_SETTING_FOR.get(key, key)}). Rebuild it with "
                "`clinic-assistant ingest --rebuild`, or point CLINIC_DATA_DIR at a store built "
                "with these settings."
            )
    built, installed = manifest.get("chromadb_version"), expected.get("chromadb_version")
    if built and installed and _minor(built) != _minor(installed):
        raise StoreMismatchError(
            f"this store was written by chromadb {built} but chromadb {installed} is installed. "
            "Rebuild it with `clinic-assistant ingest --rebuild`, or install chromadb "
            f"{_minor(built)}.*."
        )


def _minor(version: str) -> str:
    return ".".join(str(version).split(".")[:2])
