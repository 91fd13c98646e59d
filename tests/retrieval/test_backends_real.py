"""Every embedding backend with the real bundled model: the same vectors as sentence-transformers
(fp32 backends) or close to them (int8), token vectors for sentence spans included.

A backend whose optional extra is not installed is skipped, saying which extra to install."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CORPUS

from assistant.core.settings import EMBEDDING_BACKENDS, Settings
from assistant.retrieval.backends import BackendUnavailable, require
from assistant.retrieval.embeddings import LocalModelEmbedder

pytestmark = pytest.mark.model

#: Lowest cosine to the original model's vector: fp32 backends compute the same thing.
FLOOR = {"torch": 0.99999, "onnx": 0.9999, "openvino": 0.9999, "onnx-int8": 0.97, "openvino-int8": 0.97}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    paragraphs = []
    for path in sorted(CORPUS.glob("*.md"))[:6]:
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        paragraphs += [p.strip() for p in body.split("\n\n") if len(p.strip()) > 80][:4]
    return paragraphs + ["why does my piriformis hurt?", "heel pain"]


@pytest.fixture(scope="module")
def reference(texts):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(Settings(_env_file=None).embedding.resolved_model_path()), device="cpu", local_files_only=True)
    return model, model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("exports")


def embedder(backend: str, cache) -> LocalModelEmbedder:
    try:
        require(backend)
    except BackendUnavailable as exc:
        pytest.skip(str(exc))
    path = Settings(_env_file=None).embedding.resolved_model_path()
    return LocalModelEmbedder(path, "sentence-transformers/all-MiniLM-L6-v2", batch_size=8, threads=1, backend=backend, cache_dir=cache)


@pytest.mark.parametrize("backend", EMBEDDING_BACKENDS)
def test_each_backend_gives_the_models_vectors(backend, texts, reference, cache):
    _, expected = reference
    model = embedder(backend, cache)
    vectors = model.embed_documents(texts)
    cosines = (vectors * expected).sum(axis=1)
    assert cosines.min() >= FLOOR[backend], (backend, float(cosines.min()))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(model.embed_query(texts[-1]) @ expected[-1]) >= FLOOR[backend]


@pytest.mark.parametrize("backend", EMBEDDING_BACKENDS)
def test_each_backend_gives_sentence_vectors_from_its_token_vectors(backend, texts, reference, cache):
    st, _ = reference
    text = texts[0]
    cut = text.index(". ") + 1 if ". " in text else len(text) // 2
    spans = [(0, cut), (cut + 1, len(text))]
    whole, parts = embedder(backend, cache).embed_spans(text, spans)
    out = st.encode([text], output_value=None, convert_to_numpy=False)[0]
    tokens = out["token_embeddings"].detach().numpy()
    offsets = st.tokenizer(text, return_offsets_mapping=True, truncation=True, max_length=tokens.shape[0])["offset_mapping"]
    for (start, end), part in zip(spans, parts):
        rows = [j for j, (a, b) in enumerate(offsets) if b > a and a >= start and b <= end]
        v = tokens[rows].mean(axis=0)
        assert float(part @ (v / np.linalg.norm(v))) >= FLOOR[backend]
    assert whole.shape == (384,) and parts.shape == (2, 384)


def test_an_export_is_reused_by_the_next_process(cache):
    first = embedder("onnx", cache)
    first.embed_query("warm")
    exports = sorted(p.name for p in cache.iterdir() if p.is_dir())
    embedder("onnx", cache).embed_query("again")
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == exports
