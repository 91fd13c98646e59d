"""The learned emergency model: a safety net under the patterns and the exemplars (fast, fake vectors)."""

from __future__ import annotations

import json

import numpy as np
from conftest import FakeEmbedder, ROOT

from assistant.safety.catalogue import EMERGENCY
from assistant.safety.semantic import LearnedModel, SemanticDetector, conversation_vector, load_learned
from assistant.safety.triage import triage_conversation

SETS = ROOT / "tests" / "data" / "triage"
DATA = ROOT / "assistant" / "safety" / "data"


def model_for(embedder: FakeEmbedder, text: str, threshold: float = 0.5, caution: float = 0.4) -> LearnedModel:
    """A model that scores high exactly for conversations whose words are ``text``'s."""
    direction = embedder.embed_query(text)
    return LearnedModel(np.asarray(direction, dtype=np.float32) * 40, -20.0, threshold, caution, embedder.model_id)


def test_a_conversation_the_model_reads_as_an_emergency_escalates_with_an_emergency_flags_reply(tmp_path):
    embedder = FakeEmbedder()
    words = "grandad gone grey sweaty sat on the stairs wont let me ring anyone"
    detector = SemanticDetector(embedder, cache_dir=tmp_path, learned=model_for(embedder, words))
    verdict = triage_conversation([words], detector)
    assert verdict.level == EMERGENCY
    learned = [f for f in verdict.findings if f.detector == "learned"]
    assert learned and learned[0].flag.level == EMERGENCY and verdict.reply in ("emergency", "crisis")
    assert triage_conversation(["how much is a follow up appointment"], detector).level == "routine"


def test_when_the_model_is_only_fairly_sure_the_answer_leads_with_the_signs_safety_line(tmp_path):
    embedder = FakeEmbedder()
    words = "husband nerve pain down his leg from his back wants to stay in bed"
    direction = np.asarray(embedder.embed_query(words), dtype=np.float32)
    unsure = LearnedModel(direction * 10, -5.0, 0.999, 0.9, embedder.model_id)  # scores it about 0.993
    verdict = triage_conversation([words], SemanticDetector(embedder, cache_dir=tmp_path, learned=unsure))
    assert verdict.level == "routine" and verdict.caution
    assert not [f for f in verdict.findings if f.detector == "learned"]


def test_a_fairly_sure_model_gives_no_safety_line_when_no_sign_is_near_what_was_said(tmp_path):
    embedder = FakeEmbedder()
    words = "do you take card payments at reception or only cash"
    direction = np.asarray(embedder.embed_query(words), dtype=np.float32)
    unsure = LearnedModel(direction * 10, -5.0, 0.999, 0.9, embedder.model_id)
    detector = SemanticDetector(embedder, cache_dir=tmp_path, learned=unsure)
    exemplars, _, _ = detector._vectors()
    assert float((exemplars @ direction).max()) < 0.45  # nothing in the catalogue is close
    verdict = triage_conversation([words], detector)
    assert verdict.level == "routine" and verdict.caution == ()


def test_the_model_reads_the_whole_conversation():
    embedder = FakeEmbedder()
    first, second = embedder.embed_query("bad back since friday"), embedder.embed_query("legs like lead today")
    both = conversation_vector([first, second])
    assert np.isclose(np.linalg.norm(both), 1.0)
    assert both @ first > 0.5 and both @ second > 0.5


def test_the_models_guess_is_left_out_when_a_named_emergency_was_found(tmp_path):
    embedder = FakeEmbedder()
    message = "crushing chest pain going down my left arm and I'm sweating"
    detector = SemanticDetector(embedder, cache_dir=tmp_path, learned=model_for(embedder, message))
    verdict = triage_conversation([message], detector)
    assert verdict.level == EMERGENCY and "heart_attack" in verdict.rules
    assert not [f for f in verdict.findings if f.detector == "learned"]


def test_a_model_trained_on_other_vectors_is_not_used(tmp_path):
    embedder = FakeEmbedder(dimension=128)
    wrong = LearnedModel(np.ones(384, dtype=np.float32), 0.0, 0.5, 0.4, embedder.model_id)
    detector = SemanticDetector(embedder, cache_dir=tmp_path)
    detector._learned = True
    # the shipped model is for all-MiniLM-L6-v2 (384 numbers); the fake embedder's vectors are not those
    assert detector.learned() is None
    assert SemanticDetector(embedder, cache_dir=tmp_path, learned=wrong).learned() is wrong  # given explicitly: the caller's choice
    assert load_learned("onnx-int8", folder=tmp_path) is None  # none trained there: a warning, not a crash


def test_the_shipped_models_were_trained_on_every_independent_set():
    sets = sorted([*(p.stem for p in SETS.glob("*.jsonl")), "catalogue"])
    for backend in ("torch", "onnx-int8"):
        model = load_learned(backend)
        assert model is not None and model.weights.shape == (384,) and 0.5 < model.caution < model.threshold < 1.0
        report = json.loads((DATA / f"learned-{backend}.json").read_text())
        assert report["sets"] == sets, "retrain: python bench/triage_train.py"
        assert report["held_out_routine_flagged"] <= 0.006 and report["held_out_routine_caution"] <= 0.031
