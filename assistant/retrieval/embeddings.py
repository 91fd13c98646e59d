"""Embedding models behind a small protocol; the real one loads lazily, once, offline."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.core.settings import EmbeddingSettings


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    The tokenizer (for chunk sizing) and the model (for vectors) each load on first
    use, so commands that embed nothing, such as an unchanged re-ingest, stay fast.
    """

    def __init__(self, model_path: Path, model_id: str, batch_size: int = 64):
        self.model_path = Path(model_path)
        self.model_id = model_id
        self.dimension = model_dimension(self.model_path)
        self.batch_size = batch_size
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
                from sentence_transformers import SentenceTransformer
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

    def embed_query(self, text: str) -> np.ndarray:
        model = self._load_model()
        return model.encode(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0].astype(np.float32)


def model_dimension(model_path: Path) -> int:
    """Vector size from the model folder's pooling config, without loading the model."""
    import json

    config = Path(model_path) / "1_Pooling" / "config.json"
    try:
        return int(json.loads(config.read_text())["word_embedding_dimension"])
    except (OSError, ValueError, KeyError):
        return 384  # all-MiniLM-L6-v2; corrected when the model loads


def embedder_from_settings(embedding: EmbeddingSettings) -> SentenceTransformerEmbedder:
    """The configured embedder (nothing is loaded until it is used)."""
    return SentenceTransformerEmbedder(
        model_path=embedding.resolved_model_path(),
        model_id=embedding.model_id,
        batch_size=embedding.batch_size,
    )
