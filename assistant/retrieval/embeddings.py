"""Embedding models behind a small protocol; the real one loads lazily, once, offline."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.core.settings import EmbeddingSettings


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    The tokenizer (for chunk sizing) and the model (for vectors) each load on first
    use, so commands that embed nothing, such as an unchanged re-ingest, stay fast.
    """

    def __init__(self, model_path: Path, model_id: str, batch_size: int = 64, threads: int | None = None):
        self.model_path = Path(model_path)
        self.model_id = model_id
        self.dimension = model_dimension(self.model_path)
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load_model(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    # deliberate: torch's default takes every core, and a clinic PC runs other programs
                    torch.set_num_threads(self.threads)
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()

                model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
                dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else (
                    model.get_sentence_embedding_dimension()
                )
                self.dimension = int(dim)
                self._model = model
        return self._model

    def _load_tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.no_truncation()
            self._tokenizer = tokenizer
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for ``text``, without [CLS]/[SEP]."""
        return len(self._load_tokenizer().encode(text, add_special_tokens=False).ids)

    def embed_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        model = self._load_model()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Sort by length so each batch pads little, then restore the order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = max(self.batch_size * 4, 1)
        for start in range(0, len(order), step):
            idx = order[start : start + step]
            vectors = model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vectors
            if progress is not None:
                progress(len(idx))
        return out

    def embed_documents_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and, from the same forward pass, a vector for each of its spans.

        Ingest uses this to keep a vector for every sentence and list item of a chunk at
        no extra model cost, so answers can be chosen by meaning without embedding
        anything per question.
        """
        model = self._load_model()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        parts: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = max(self.batch_size * 4, 1)
        for begin in range(0, len(order), step):
            idx = order[begin : begin + step]
            results = model.encode(
                [texts[i] for i in idx], batch_size=self.batch_size, output_value=None,
                convert_to_numpy=False, show_progress_bar=False,
            )
            for i, result in zip(idx, results):
                n = int(result["attention_mask"].sum())
                whole = result["sentence_embedding"].detach().cpu().numpy().astype(np.float32)
                out[i] = whole / (float(np.linalg.norm(whole)) or 1.0)
                tokens = result["token_embeddings"][:n].detach().cpu().numpy().astype(np.float32)
                encoded = model.tokenizer(texts[i], return_offsets_mapping=True, truncation=True, max_length=n)
                offsets = [tuple(o) for o in encoded["offset_mapping"]][:n]
                parts[i] = _span_vectors(tokens, offsets, spans[i])
            if progress is not None:
                progress(len(idx))
        return out, parts

    def encode_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
        """One forward pass: the text's vector, its contextual token vectors and their character offsets."""
        model = self._load_model()
        out = model.encode([text], output_value=None, convert_to_numpy=False, show_progress_bar=False)[0]
        whole = out["sentence_embedding"].detach().cpu().numpy().astype(np.float32)
        whole = whole / (float(np.linalg.norm(whole)) or 1.0)
        tokens = out["token_embeddings"].detach().cpu().numpy().astype(np.float32)
        encoded = model.tokenizer(text, return_offsets_mapping=True, truncation=True, max_length=tokens.shape[0])
        offsets = [tuple(o) for o in encoded["offset_mapping"]][: tokens.shape[0]]
        return whole, tokens, offsets

    def embed_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The text's vector and its clauses' vectors from one forward pass (what triage and search share)."""
        whole, tokens, offsets = self.encode_tokens(text)
        return whole, _span_vectors(tokens, offsets, spans)

    def embed_query(self, text: str) -> np.ndarray:
        model = self._load_model()
        return model.encode(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0].astype(np.float32)


#: Texts whose token vectors the caching embedder keeps (each at most 256 x 384 floats).
_TOKEN_TEXTS = 16


class CachingEmbedder:
    """Remembers the vectors of recent short texts, so a message is embedded once per turn.

    Triage embeds the newest message and its clauses in one batch; search then asks
    for the same message (and, for several questions, the same clauses) and gets
    the remembered vectors. Large batches (ingest) pass straight through.
    """

    def __init__(self, inner, size: int = 1024, small_batch: int = 32):
        self.inner = inner
        self.model_id = inner.model_id
        self.size, self.small_batch = size, small_batch
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._spans: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._tokens: OrderedDict[str, tuple] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def loaded(self) -> bool:
        return bool(getattr(self.inner, "loaded", True))

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._recent[text] = vector
        self._recent.move_to_end(text)
        while len(self._recent) > self.size:
            self._recent.popitem(last=False)

    def embed_documents(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if len(texts) > self.small_batch:
            return self.inner.embed_documents(texts, progress=progress)
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._recent]
        if missing:
            vectors = self.inner.embed_documents(missing)
            with self._lock:
                for text, vector in zip(missing, vectors):
                    self._remember(text, np.asarray(vector, dtype=np.float32))
        with self._lock:
            out = [self._recent[t] for t in texts]
        if progress is not None:
            progress(len(texts))
        return np.stack(out) if out else np.zeros((0, self.dimension), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def embed_documents_with_spans(self, texts, spans, progress=None):
        if hasattr(self.inner, "embed_documents_with_spans"):
            return self.inner.embed_documents_with_spans(texts, spans, progress=progress)
        vectors = self.inner.embed_documents(texts, progress=progress)
        pieces = [[t[a:b] for a, b in s] for t, s in zip(texts, spans)]
        flat = [p for ps in pieces for p in ps]
        flat_vectors = self.inner.embed_documents(flat) if flat else np.zeros((0, self.dimension), dtype=np.float32)
        out, at = [], 0
        for ps in pieces:
            out.append(np.asarray(flat_vectors[at : at + len(ps)]))
            at += len(ps)
        return vectors, out

    def embed_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors for a text and its spans in one pass; the text's vector is remembered for search."""
        key = (text, tuple(spans))
        with self._lock:
            hit = self._spans.get(key)
        if hit is not None:
            return hit
        if hasattr(self.inner, "encode_tokens"):
            # the token vectors of a recent text are kept, so triage's clauses and search's subject
            # and questions are pooled from the same forward pass
            with self._lock:
                encoded = self._tokens.get(text)
            if encoded is None:
                encoded = self.inner.encode_tokens(text)
            with self._lock:
                self._tokens[text] = encoded
                self._tokens.move_to_end(text)
                while len(self._tokens) > _TOKEN_TEXTS:
                    self._tokens.popitem(last=False)
            whole, parts = encoded[0], _span_vectors(encoded[1], encoded[2], spans)
        elif hasattr(self.inner, "embed_spans"):
            whole, parts = self.inner.embed_spans(text, spans)
        else:  # an embedder without token vectors: embed the pieces on their own
            vectors = self.inner.embed_documents([text, *(text[a:b] for a, b in spans)])
            whole, parts = vectors[0], vectors[1:]
        with self._lock:
            self._remember(text, np.asarray(whole, dtype=np.float32))
            self._spans[key] = (whole, parts)
            while len(self._spans) > self.size:
                self._spans.popitem(last=False)
        return whole, parts


def _span_vectors(token_vectors: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean of the contextual token vectors inside each character span, normalised."""
    out = np.zeros((len(spans), token_vectors.shape[1]), dtype=np.float32)
    for i, (start, end) in enumerate(spans):
        rows = [j for j, (a, b) in enumerate(offsets) if b > a and a >= start and b <= end]
        if rows:
            v = token_vectors[rows].mean(axis=0)
            norm = float(np.linalg.norm(v))
            out[i] = v / norm if norm else v
    return out


def model_dimension(model_path: Path) -> int:
    """Vector size from the model folder's pooling config, without loading the model."""
    import json

    config = Path(model_path) / "1_Pooling" / "config.json"
    try:
        return int(json.loads(config.read_text())["word_embedding_dimension"])
    except (OSError, ValueError, KeyError):
        return 384  # all-MiniLM-L6-v2; corrected when the model loads


def embedder_from_settings(embedding: EmbeddingSettings) -> CachingEmbedder:
    """The configured embedder (nothing is loaded until it is used)."""
    return CachingEmbedder(SentenceTransformerEmbedder(
        model_path=embedding.resolved_model_path(),
        model_id=embedding.model_id,
        batch_size=embedding.batch_size,
        threads=embedding.resolved_threads(),
    ))
