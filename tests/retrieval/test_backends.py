"""Embedding backends without the real model: batching, span pooling, model layouts, missing extras,
and the store refusing vectors from another backend."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import FakeEmbedder

from assistant.core.settings import EMBEDDING_BACKENDS, SettingsError
from assistant.core.store import StoreMismatchError
from assistant.retrieval import backends
from assistant.retrieval.embeddings import CachingEmbedder, _span_vectors, model_layout, plan_batches


def test_batches_are_sorted_by_length_and_stay_within_the_budget():
    rng = np.random.default_rng(3)
    lengths = [int(n) for n in rng.integers(3, 257, size=500)]
    batches = plan_batches(lengths, batch_size=64, token_budget=4096)
    assert sorted(i for b in batches for i in b) == list(range(500))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)
    for b in batches:
        assert len(b) <= 64
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 4096
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert padded / sum(lengths) < 1.10  # sorted batches carry little padding


def test_a_text_longer_than_the_budget_gets_a_batch_of_its_own():
    assert plan_batches([300, 5, 6], batch_size=8, token_budget=256) == [[1, 2], [0]]
    assert plan_batches([], 8, 256) == []


def test_span_vectors_are_the_normalised_mean_of_the_tokens_inside_each_span():
    rng = np.random.default_rng(1)
    tokens = rng.normal(size=(6, 4)).astype(np.float32)
    offsets = [(0, 0), (0, 3), (4, 7), (8, 10), (10, 12), (0, 0)]  # [CLS] ... [SEP]
    spans = [(0, 7), (8, 12), (13, 20)]
    out = _span_vectors(tokens, offsets, spans)
    for row, rows in zip(out[:2], ([1, 2], [3, 4])):
        v = tokens[rows].mean(axis=0)
        assert np.allclose(row, v / np.linalg.norm(v), atol=1e-6)
    assert not out[2].any()  # no token inside: a zero vector
    assert _span_vectors(tokens, offsets, []).shape == (0, 4)


def _model_folder(tmp_path, modules, pooling=None):
    tmp_path.mkdir()
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    if pooling is not None:
        (tmp_path / "1_Pooling").mkdir()
        (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return tmp_path


def test_model_layouts_mean_and_cls_are_read_and_others_refused(tmp_path):
    st = "sentence_transformers.models."
    mean = _model_folder(tmp_path / "mean", [{"type": st + "Transformer", "path": ""}, {"type": st + "Pooling", "path": "1_Pooling"},
                                             {"type": st + "Normalize", "path": "2_Normalize"}], {"pooling_mode_mean_tokens": True})
    assert model_layout(mean) == ("mean", 256)
    (mean / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    assert model_layout(mean) == ("mean", 128)
    cls = _model_folder(tmp_path / "cls", [{"type": st + "Transformer", "path": ""}, {"type": st + "Pooling", "path": "1_Pooling"}],
                        {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
    assert model_layout(cls)[0] == "cls"
    dense = _model_folder(tmp_path / "dense", [{"type": st + "Transformer", "path": ""}, {"type": st + "Dense", "path": "2_Dense"}])
    with pytest.raises(SettingsError, match="CLINIC_EMBEDDING_MODEL_PATH.*Dense module is not supported"):
        model_layout(dense)


def test_a_backend_whose_extra_is_missing_names_the_install_line(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("onnx", "openvino") else real(name, *a))
    with pytest.raises(backends.BackendUnavailable, match=r'CLINIC_EMBEDDING_BACKEND=onnx-int8 needs onnx.*pip install -e "\.\[onnx\]"'):
        backends.require("onnx-int8")
    with pytest.raises(backends.BackendUnavailable, match=r'\.\[openvino\]'):
        backends.require("openvino")
    backends.require("torch")
    with pytest.raises(SettingsError, match="choose one of torch, onnx"):
        backends.require("tensorrt")
    assert set(backends._EXPORTERS) | {"torch"} == set(EMBEDDING_BACKENDS)


def test_export_fingerprints_differ_by_backend_and_model_files(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    first = backends.fingerprint("onnx", tmp_path)
    assert first != backends.fingerprint("onnx-int8", tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    assert backends.fingerprint("onnx", tmp_path) != first


def test_an_export_is_made_once_and_reused(tmp_path, monkeypatch):
    made = []

    def fake_export(model_path, out):
        made.append(out)
        out.write_text("exported")

    monkeypatch.setitem(backends._EXPORTERS, "onnx", fake_export)
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    first = backends.export("onnx", model, tmp_path / "cache")
    again = backends.export("onnx", model, tmp_path / "cache")
    assert first == again and first.read_text() == "exported" and len(made) == 1
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".export-")]


def test_the_caching_embedder_reports_its_backend():
    assert CachingEmbedder(FakeEmbedder(backend="openvino")).backend == "openvino"


def test_search_refuses_a_store_built_with_another_backend(settings, backend, corpus_dir):
    from assistant.app import operations
    from assistant.app.services import Services

    operations.ingest(Services(settings, backend=backend, embedder=FakeEmbedder(backend="onnx-int8")), [corpus_dir])
    assert Services(settings, backend=backend, embedder=FakeEmbedder(backend="onnx-int8")).retriever.search("heel pain").hits
    with pytest.raises(StoreMismatchError, match="embedding_backend.*CLINIC_EMBEDDING_BACKEND"):
        Services(settings, backend=backend, embedder=FakeEmbedder()).retriever.search("heel pain")
