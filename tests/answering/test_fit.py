"""The learned fit of a sentence to a question: its arithmetic, its file, and its place in a unit's score."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from assistant.answering.fit import DEFAULT_PATH, LearnedFit, load_fit
from assistant.core.records import Passage, SearchHit


def _fit(dim: int = 4, model_id: str = "m") -> LearnedFit:
    a = np.zeros((dim, 1), np.float32)
    b = np.zeros((dim, 1), np.float32)
    a[0, 0], b[1, 0] = 1.0, 2.0  # a question along axis 0 fits a unit along axis 1
    d = np.zeros(dim, np.float32)
    d[2] = 0.5
    return LearnedFit(a, b, d, model_id)


def test_the_fit_is_bilinear_and_averaged_over_the_questions_vectors():
    fit = _fit()
    units = np.eye(4, dtype=np.float32)
    assert fit(np.array([1, 0, 0, 0]), units).tolist() == [0.0, 2.0, 0.0, 0.0]
    assert fit(np.array([0, 0, 1, 0]), units).tolist() == [0.0, 0.0, 0.5, 0.0]
    both = fit(np.array([[1, 0, 0, 0], [0, 0, 1, 0]]), units)  # a question and its asking sentence: their mean
    assert both.tolist() == [0.0, 1.0, 0.25, 0.0]


def test_vectors_of_another_size_get_no_opinion():
    assert _fit()(np.ones(3), np.ones((2, 3))).tolist() == [0.0, 0.0]


def test_it_is_saved_and_loaded_only_for_the_model_it_was_trained_on(tmp_path, caplog):
    path = tmp_path / "fit.npz"
    _fit(model_id="model-a").save(path)
    loaded = load_fit("model-a", 4, path)
    assert loaded is not None and loaded(np.array([1, 0, 0, 0]), np.eye(4)).tolist() == [0.0, 2.0, 0.0, 0.0]
    with caplog.at_level(logging.WARNING):
        assert load_fit("model-b", 4, path) is None
        assert load_fit("model-a", 8, path) is None
        assert load_fit("model-a", 4, tmp_path / "missing.npz") is None
    assert "not used" in caplog.text and "bench/fit_train.py" in caplog.text


def test_the_bundled_fit_is_for_the_bundled_embedding_model():
    from assistant.core.settings import Settings

    settings = Settings(_env_file=None)
    fit = load_fit(settings.embedding.model_id, 384)
    assert fit is not None, DEFAULT_PATH
    assert fit.a.shape == fit.b.shape and fit.a.shape[0] == 384 and np.isfinite(fit.a).all() and np.abs(fit.d).sum() > 0


def _hit(vectors: np.ndarray) -> SearchHit:
    text = ("Standing desks are popular in offices now. Alternating between sitting and standing works best. "
            "Many offices have bought standing desks this year.")
    passage = Passage(chunk_id="c", source="desk", title="Desk work", url=None, section="Desk work > What helps", anchor=None,
                      text=text, units=vectors)
    return SearchHit(rank=1, source="desk", title="Desk work", url=None, section=passage.section, score=1.0, relevance=0.9,
                     passage=passage, passages=(passage,))


@pytest.mark.parametrize("with_fit", [False, True])
def test_the_learned_fit_is_a_feature_of_a_units_score(with_fit):
    """Without the fit, the sentence nearest the question by meaning leads; the fit can put the one that answers
    first, and its value is kept with the unit's other features."""
    from assistant.answering.extractive import score_units

    units = np.array([[0.9, 0.1, 0.0, 0.0], [0.1, 0.0, 0.0, 1.0], [0.8, 0.2, 0.0, 0.0]], np.float32)
    question = np.array([1.0, 0.0, 0.0, 0.0], np.float32)
    fit = LearnedFit(np.zeros((4, 1), np.float32), np.zeros((4, 1), np.float32), np.array([0, 0, 0, 0], np.float32), "m")
    if with_fit:
        fit = LearnedFit(np.array([[1.0], [0], [0], [0]], np.float32), np.array([[0], [0], [0], [1.0]], np.float32),
                         np.zeros(4, np.float32), "m")
    scored = score_units("should I stand all day at my desk now?", [_hit(units)], question, fit=fit)
    best = scored[0]
    if with_fit:
        assert best.unit.text.startswith("Alternating") and best.features["learned"] == pytest.approx(1.0)
    else:
        assert best.unit.text.startswith("Standing desks") and best.features["learned"] == 0.0


def test_services_use_no_fit_for_another_embedding_model(services):
    """The test fakes embed with a bag of words: a fit trained on the real model's vectors would be noise."""
    assert services.answer_fit is None
    assert services.assistant.extractive.fit is None


def test_training_puts_the_units_that_answer_first():
    """bench/fit_train.py's learning, on made-up vectors: questions along one axis are answered by units along
    another, which the hand-made scores (all equal here) cannot tell; the learned fit puts them first."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from fit_train import learn, top_one

    from assistant.answering.extractive import FEATURES

    rng = np.random.default_rng(0)
    groups = []
    for i in range(40):
        units = rng.normal(size=(6, 8)).astype(np.float32) * 0.3
        answer = i % 6
        units[answer, 3] += 1.0  # the answering unit leans along axis 3; the question along axis 0
        question = np.eye(8, dtype=np.float32)[0] + rng.normal(size=8).astype(np.float32) * 0.1
        groups.append({"set": "made-up", "fact": str(i), "x": np.zeros((6, len(FEATURES)), np.float32), "u": units,
                       "q": question, "y": np.arange(6) == answer})
    assert top_one(groups, None) < 0.5  # without the fit: the first of six equal scores
    fit = learn(groups, "m", rank=2, epochs=200)
    assert fit.model_id == "m" and fit.a.shape == (8, 2)
    assert top_one(groups, fit) > 0.9
