"""Embedding models behind a small protocol; the real one loads lazily, once, offline."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.core.settings import MODEL_MAX_TOKENS, EmbeddingSettings, SettingsError
from assistant.retrieval.backends import Runtime, load_runtime

#: Padded word pieces per batch: large enough to keep the cores busy, small enough to stay in cache.
TOKEN_BUDGET = 4096
#: From this many texts a call counts as a batch and may use every core.
BATCH_TEXTS = 8


class LocalModelEmbedder:
    """A sentence-transformers model folder read from disk, never from a hub, run by a backend.

    The tokenizer (for chunk sizing) and the model (for vectors) each load on first
    use, so commands that embed nothing, such as an unchanged re-ingest, stay fast.
    Texts are tokenised once (ids and character offsets), sorted by length and cut
    into batches of at most ``batch_size`` texts and ``token_budget`` padded word
    pieces, so batches carry almost no padding; every backend returns token vectors,
    which are mean-pooled (or CLS, as the model folder says) into the text's vector
    and, for ingest, into a vector per sentence.
    """

    def __init__(
        self, model_path: Path, model_id: str, batch_size: int = 64, threads: int | None = None,
        backend: str = "torch", cache_dir: Path | None = None, token_budget: int = TOKEN_BUDGET,
    ):
        self.model_path = Path(model_path)
        self.model_id = model_id
        self.backend = backend
        self.dimension = model_dimension(self.model_path)
        self.pooling, self.max_tokens = model_layout(self.model_path)
        self.batch_size = batch_size
        self.token_budget = max(token_budget, self.max_tokens)
        cores = os.cpu_count() or 2
        #: Threads for batches (ingest, the triage catalogue) and for a few texts (a question):
        #: by default every core for the first, one per two cores for the second.
        self.batch_threads = threads or cores
        self.query_threads = threads or max(1, cores // 2)
        self.tokens, self.padded_tokens = 0, 0  # word pieces embedded, and with padding (benchmarks read these)
        self.cache_dir = Path(cache_dir) if cache_dir else EmbeddingSettings().cache_dir
        self._runtime: Runtime | None = None
        self._tokenizer = None
        self._counter = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._runtime is not None

    def _load_model(self) -> Runtime:
        with self._lock:
            if self._runtime is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
                self._runtime = load_runtime(self.backend, self.model_path, self.cache_dir)
        return self._runtime

    def _load_tokenizer(self):
        if self._counter is None:
            from tokenizers import Tokenizer

            counter = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            counter.no_padding()
            counter.no_truncation()
            tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(self.max_tokens)
            self._counter, self._tokenizer = counter, tokenizer
        return self._counter

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for ``text``, without [CLS]/[SEP]."""
        return len(self._load_tokenizer().encode(text, add_special_tokens=False).ids)

    def _token_vectors(self, texts: Sequence[str], progress: Callable[[int], None] | None = None):
        """(index, token vectors, character offsets) for every text, in batches sorted by length."""
        run = self._load_model()
        self._load_tokenizer()
        encodings = self._tokenizer.encode_batch(list(texts))
        threads = self.batch_threads if len(texts) >= BATCH_TEXTS else self.query_threads
        for idx in plan_batches([len(e.ids) for e in encodings], self.batch_size, self.token_budget):
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n], mask[row, :n] = encodings[i].ids, 1
            hidden = run(ids, mask, threads)
            self.tokens += int(mask.sum())
            self.padded_tokens += mask.size
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                yield i, hidden[row, :n], encodings[i].offsets
            if progress is not None:
                progress(len(idx))

    def _pool(self, tokens: np.ndarray) -> np.ndarray:
        v = tokens[0] if self.pooling == "cls" else tokens.mean(axis=0)
        v = v.astype(np.float32)
        return v / (float(np.linalg.norm(v)) or 1.0)

    def embed_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, tokens, _ in self._token_vectors(texts, progress):
            out[i] = self._pool(tokens)
        return out

    def embed_documents_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and, from the same forward pass, a vector for each of its spans.

        Ingest uses this to keep a vector for every sentence and list item of a chunk at
        no extra model cost, so answers can be chosen by meaning without embedding
        anything per question.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        parts: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        for i, tokens, offsets in self._token_vectors(texts, progress):
            out[i] = self._pool(tokens)
            parts[i] = _span_vectors(tokens, offsets, spans[i])
        return out, parts

    def encode_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
        """One forward pass: the text's vector, its contextual token vectors and their character offsets."""
        _, tokens, offsets = next(self._token_vectors([text]))
        tokens = np.asarray(tokens, dtype=np.float32)
        return self._pool(tokens), tokens, [tuple(o) for o in offsets]

    def embed_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The text's vector and its clauses' vectors from one forward pass (what triage and search share)."""
        whole, tokens, offsets = self.encode_tokens(text)
        return whole, _span_vectors(tokens, offsets, spans)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


#: The model's former name in this module.
SentenceTransformerEmbedder = LocalModelEmbedder


def plan_batches(lengths: Sequence[int], batch_size: int, token_budget: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches of at most ``batch_size`` texts whose
    padded size (texts x longest) stays within ``token_budget`` word pieces."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and (len(current) >= batch_size or (len(current) + 1) * lengths[i] > token_budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


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
        self.backend = getattr(inner, "backend", "torch")
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
    if not len(spans):
        return out
    bounds = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)[: token_vectors.shape[0]]
    wanted = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    a, b = bounds[None, :, 0], bounds[None, :, 1]
    inside = (b > a) & (a >= wanted[:, :1]) & (b <= wanted[:, 1:])  # spans x tokens
    counts = inside.sum(axis=1)
    sums = inside.astype(np.float32) @ token_vectors[: bounds.shape[0]].astype(np.float32)
    hit = counts > 0
    means = sums[hit] / counts[hit, None]
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    out[hit] = np.where(norms > 0, means / np.where(norms > 0, norms, 1), means)
    return out


def model_dimension(model_path: Path) -> int:
    """Vector size from the model folder's pooling config, without loading the model."""
    import json

    config = Path(model_path) / "1_Pooling" / "config.json"
    try:
        return int(json.loads(config.read_text())["word_embedding_dimension"])
    except (OSError, ValueError, KeyError):
        return 384  # all-MiniLM-L6-v2; corrected when the model loads


def model_layout(model_path: Path) -> tuple[str, int]:
    """(pooling, longest input) from a sentence-transformers folder: mean or CLS pooling over the
    transformer's token vectors, optionally normalised. Anything else is refused by name."""
    import json

    path = Path(model_path)
    max_tokens = MODEL_MAX_TOKENS
    try:
        max_tokens = int(json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        pass
    pooling = "mean"
    try:
        modules = json.loads((path / "modules.json").read_text())
    except (OSError, ValueError):
        return pooling, max_tokens
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        if kind == "Pooling":
            config = json.loads((path / module.get("path", "") / "config.json").read_text())
            if config.get("pooling_mode_cls_token"):
                pooling = "cls"
            elif not config.get("pooling_mode_mean_tokens", True):
                raise SettingsError(f"CLINIC_EMBEDDING_MODEL_PATH={path}: only mean or CLS pooling is supported")
        elif kind not in ("Transformer", "Normalize"):
            raise SettingsError(
                f"CLINIC_EMBEDDING_MODEL_PATH={path}: its {kind} module is not supported "
                "(a transformer with mean or CLS pooling is)"
            )
    return pooling, max_tokens


def embedder_from_settings(embedding: EmbeddingSettings) -> CachingEmbedder:
    """The configured embedder (nothing is loaded until it is used)."""
    return CachingEmbedder(LocalModelEmbedder(
        model_path=embedding.resolved_model_path(),
        model_id=embedding.model_id,
        batch_size=embedding.batch_size,
        threads=embedding.threads,
        backend=embedding.backend,
        cache_dir=embedding.cache_dir,
    ))
