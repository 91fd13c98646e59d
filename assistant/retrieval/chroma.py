"""Chroma behind the store protocols: generations as collections, embedded or a `chroma run` server."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.records import Chunk, Passage, passage_from
from assistant.core.settings import ChromaSettings, StorageSettings
from assistant.core.store import ChunkStore, StoredArticle, StoreError, now_iso


def chromadb_version() -> str:
    import chromadb

    return chromadb.__version__


# --------------------------------------------------------------------------- Chroma

_BATCH = 1000


def pack_vectors(vectors: np.ndarray) -> str:
    """Unit vectors as compact text for Chroma metadata: int8 (x127), base64."""
    import base64

    array = np.asarray(vectors, dtype=np.float32)
    if array.size == 0:
        return ""
    q = np.clip(np.round(array * 127.0), -127, 127).astype(np.int8)
    return f"{array.shape[1]}:" + base64.b64encode(q.tobytes()).decode("ascii")


def unpack_vectors(text: str) -> np.ndarray:
    import base64

    dim, _, data = text.partition(":")
    q = np.frombuffer(base64.b64decode(data), dtype=np.int8).astype(np.float32) / 127.0
    vectors = q.reshape(-1, int(dim))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _meta(chunk: Chunk, chunk_count: int, ingested_at: str) -> dict[str, Any]:
    return {
        "source": chunk.source,
        "position": chunk.position,
        "title": chunk.title,
        "url": chunk.url or "",
        "section": chunk.section,
        "anchor": chunk.anchor or "",
        "article_hash": chunk.article_hash,
        "name": chunk.name,
        "leadin": chunk.leadin,
        "tokens": chunk.tokens,
        "chunk_count": chunk_count,
        "ingested_at": ingested_at,
        **{f"article_{key}": value for key, value in chunk.article_meta.items()},
    }


class ChromaChunkStore:
    """A generation stored as one Chroma collection (cosine space)."""

    def __init__(self, collection):
        self._col = collection
        self.name = collection.name

    def manifest(self) -> dict[str, Any]:
        return dict(self._col.metadata or {})

    def update_manifest(self, values: dict[str, Any]) -> None:
        merged = {**self.manifest(), **values}
        self._col.modify(metadata=merged)

    def count(self) -> int:
        return self._col.count()

    def articles(self) -> dict[str, StoredArticle]:
        got = self._col.get(where={"position": 0}, include=["metadatas"])
        out = {}
        for meta in got["metadatas"] or []:
            out[meta["source"]] = StoredArticle(
                source=meta["source"],
                content_hash=meta.get("article_hash", ""),
                title=meta.get("title", ""),
                url=meta.get("url") or None,
                chunks=int(meta.get("chunk_count", 0)),
                etag=meta.get("etag") or None,
                last_modified=meta.get("last_modified") or None,
                name=meta.get("name") or "",
            )
        return out

    def add(
        self,
        chunks: Sequence[Chunk],
        embeddings: np.ndarray,
        chunk_count: int | None = None,
        extra: dict[str, dict[str, Any]] | None = None,
        units: Sequence[np.ndarray] | None = None,
    ) -> None:
        """Upsert chunks; ``extra`` adds metadata per source (e.g. a web page's ETag); ``units`` are
        the per-sentence vectors of each chunk, kept compactly in its metadata."""
        if len(chunks) != len(embeddings):
            raise ValueError("one embedding per chunk")
        stamp = now_iso()
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.source] = counts.get(c.source, 0) + 1
        for start in range(0, len(chunks), _BATCH):
            part = chunks[start : start + _BATCH]
            self._col.upsert(
                ids=[c.id for c in part],
                embeddings=np.asarray(embeddings[start : start + _BATCH], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[
                    {
                        **_meta(c, chunk_count or counts[c.source], stamp),
                        **((extra or {}).get(c.source) or {}),
                        **({"unit_vectors": pack_vectors(units[start + j])} if units is not None else {}),
                    }
                    for j, c in enumerate(part)
                ],
            )

    def delete_source(self, source: str) -> None:
        self._col.delete(where={"source": source})

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings for the given chunk ids."""
        if not ids:
            return {}
        got = self._col.get(ids=list(ids), include=["embeddings"])
        return {cid: np.asarray(vec, dtype=np.float32) for cid, vec in zip(got["ids"], got["embeddings"])}

    def unit_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The per-sentence vectors kept with the given chunks (chunks without them are left out)."""
        if not ids:
            return {}
        got = self._col.get(ids=list(ids), include=["metadatas"])
        return {
            cid: unpack_vectors(meta["unit_vectors"])
            for cid, meta in zip(got["ids"], got["metadatas"])
            if meta and meta.get("unit_vectors")
        }

    def copy_source_to(self, source: str, other: ChunkStore) -> bool:
        """Copy one article's chunks, vectors included, into another store."""
        got = self._col.get(where={"source": source}, include=["documents", "metadatas", "embeddings"])
        if not got["ids"]:
            return False
        other.add_raw(list(got["ids"]), got["embeddings"], list(got["documents"]), list(got["metadatas"]))
        return True

    def add_raw(self, ids: list[str], embeddings: Any, documents: list[str], metadatas: list[dict]) -> None:
        self._col.upsert(
            ids=ids, embeddings=np.asarray(embeddings, dtype=np.float32), documents=documents, metadatas=metadatas
        )

    def query(self, embedding: np.ndarray, n: int) -> list[Passage]:
        total = self._col.count()
        if total == 0:
            return []
        got = self._col.query(
            query_embeddings=np.asarray([embedding], dtype=np.float32),
            n_results=min(n, total),
            include=["documents", "metadatas", "distances"],
        )
        return [
            passage_from(cid, doc, meta, similarity=1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]
            )
        ]

    def source_chunks(self, source: str) -> list[tuple[str, dict[str, Any]]]:
        """One article's chunks (text, metadata) in reading order."""
        got = self._col.get(where={"source": source}, include=["documents", "metadatas"])
        pairs = list(zip(got["documents"] or [], got["metadatas"] or []))
        return sorted(pairs, key=lambda p: int(p[1].get("position", 0)))

    def documents(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        offset = 0
        while True:
            got = self._col.get(include=["documents", "metadatas"], limit=5000, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            yield from zip(ids, got["documents"], got["metadatas"])
            offset += len(ids)


class ChromaBackend:
    """Generations in one Chroma client: embedded (a folder, ``path``) or a server (``path`` None)."""

    def __init__(self, client, base_name: str, location: str, path: Path | None = None):
        self._client = client
        self.base_name = base_name
        self.location = location
        self.path = path

    @property
    def engine(self) -> dict[str, Any]:
        return {"chromadb_version": chromadb_version()}

    # The pointer collection holds no vectors, only {"live": <collection name>}.
    @property
    def _pointer_name(self) -> str:
        return f"{self.base_name}-live"

    def _pointer(self):
        return self._client.get_or_create_collection(
            self._pointer_name, embedding_function=None, metadata={"live": ""}
        )

    def live(self) -> ChromaChunkStore | None:
        name = (self._pointer().metadata or {}).get("live")
        if not name:
            return None
        try:
            return ChromaChunkStore(self._client.get_collection(name, embedding_function=None))
        except Exception as exc:  # chromadb raises NotFoundError/ValueError by version
            raise StoreError(
                f"the live collection {name!r} is missing from {self.location}; "
                "run `clinic-assistant ingest --rebuild`"
            ) from exc

    def new_generation(self, manifest: dict[str, Any]) -> ChromaChunkStore:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        name = f"{self.base_name}-{stamp}-{uuid.uuid4().hex[:6]}"
        collection = self._client.create_collection(
            name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={**manifest, "created_at": now_iso()},
        )
        return ChromaChunkStore(collection)

    def promote(self, store: ChunkStore) -> None:
        """Make ``store`` the live generation, then drop every other generation."""
        self._pointer().modify(metadata={"live": store.name})
        self.clean_up()

    def discard(self, store: ChunkStore) -> None:
        self._client.delete_collection(store.name)

    def clean_up(self) -> list[str]:
        """Delete generations that are not live (left by a crashed or killed rebuild).

        Only a writer holding the ingest lock calls this, so no generation is being filled.
        """
        live = (self._pointer().metadata or {}).get("live")
        prefix = f"{self.base_name}-"
        removed = []
        for name in self._collection_names():
            if name.startswith(prefix) and name not in (live, self._pointer_name):
                self._client.delete_collection(name)
                removed.append(name)
        return removed

    def reclaim(self) -> int:
        """Give deleted collections' space back to the disk; the bytes freed (embedded store only).

        Chroma leaves a deleted collection's vector-index folder behind and never
        shrinks its SQLite file: folders no segment refers to are removed, and the
        database is vacuumed when a tenth or more of it is free pages.
        """
        if self.path is None:
            return 0
        before = self.disk_bytes() or 0
        sweep_segment_folders(self.path)
        vacuum(self.path / "chroma.sqlite3")
        return max(0, before - (self.disk_bytes() or 0))

    def disk_bytes(self) -> int | None:
        """Size of the store on disk; None for a server (its disk is not ours to see)."""
        return folder_bytes(self.path) if self.path is not None else None

    def _collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self._client.list_collections()]


_SEGMENT_FOLDER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def sweep_segment_folders(path: Path) -> list[str]:
    """Remove vector-index folders that no segment in Chroma's database refers to any more."""
    database = path / "chroma.sqlite3"
    if not database.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as con:
        known = {row[0] for row in con.execute("SELECT id FROM segments")}
    removed = []
    for entry in path.iterdir():
        if entry.is_dir() and _SEGMENT_FOLDER.match(entry.name) and entry.name not in known:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


def vacuum(database: Path, min_free: float = 0.1) -> bool:
    """VACUUM the SQLite file when at least ``min_free`` of its pages are free; False if busy."""
    if not database.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(str(database), timeout=10, isolation_level=None)) as con:
            pages = con.execute("PRAGMA page_count").fetchone()[0]
            free = con.execute("PRAGMA freelist_count").fetchone()[0]
            if not pages or free / pages < min_free:
                return False
            con.execute("VACUUM")
    except sqlite3.OperationalError:  # another process is reading: the next ingest tries again
        return False
    return True


def folder_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def embedded_backend(data_dir: Path, base_name: str) -> ChromaBackend:
    """Chroma running inside this process, persisted under ``data_dir/chroma``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path = Path(data_dir) / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the store folder {path} ({exc.strerror}); set CLINIC_DATA_DIR") from exc
    client = chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )
    return ChromaBackend(client, base_name, location=str(path), path=path)


def http_backend(host: str, port: int, base_name: str, ssl: bool = False, token: str | None = None) -> ChromaBackend:
    """A Chroma server (`chroma run`) shared by several app replicas."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    headers = {"Authorization": f"Bearer {token}"} if token else None
    location = f"{'https' if ssl else 'http'}://{host}:{port}"
    try:
        client = chromadb.HttpClient(
            host=host, port=port, ssl=ssl, headers=headers, settings=ChromaSettings(anonymized_telemetry=False)
        )
    except Exception as exc:  # chromadb raises ValueError/ConnectionError variants
        raise StoreError(
            f"cannot reach the Chroma server at {location} ({exc}); check CLINIC_CHROMA_HOST and CLINIC_CHROMA_PORT"
        ) from exc
    return ChromaBackend(client, base_name, location=location)


def backend_from_settings(storage: StorageSettings, chroma: ChromaSettings) -> ChromaBackend:
    """Embedded Chroma in the data dir, or the Chroma server the settings name."""
    if chroma.host:
        token = chroma.token.get_secret_value() if chroma.token else None
        return http_backend(chroma.host, chroma.port, storage.collection, chroma.ssl, token)
    return embedded_backend(storage.data_dir, storage.collection)
