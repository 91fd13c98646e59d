"""The embedding model as the other stages see it: a small protocol that tests can swap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns text into unit-length vectors and counts the model's word pieces."""

    model_id: str
    dimension: int

    def embed_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


@runtime_checkable
class SpanEmbedder(Protocol):
    """An embedder that also gives vectors for parts of a text from the same forward pass."""

    def embed_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The text's vector, and one unit vector per character span (the mean of its tokens)."""
        ...
