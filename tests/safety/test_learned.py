"""The learned emergency model: a safety net under the patterns and the exemplars (fast, fake vectors)."""

from __future__ import annotations

import json

import numpy as np
from conftest import FakeEmbedder, ROOT

from assistant.safety.catalogue import EMERGENCY
from assistant.safety.semantic import LearnedModel, SemanticDetector, conversation_vector, load_learned, neighbour_scores
from assistant.safety.triage import triage_conversation

SETS = ROOT / "tests" / "data" / "triage"
DATA = ROOT / "assistant" / "safety" / "data"


ROUTINE = ["how much is a follow up appointment", "do you have parking near the clinic", "my knee aches after football"]


def model_for(embedder: FakeEmbedder, text: str, threshold: float = 0.6, caution: float = 0.5) -> LearnedModel:
    """A model whose one labelled emergency is ``text``; a few routine questions are its other neighbours."""
    vectors = np.asarray(embedder.embed_documents([text, *ROUTINE]), dtype=np.float32)
    labels = np.array([1, 0, 0, 0], dtype=np.float32)
    return LearnedModel(vectors, labels, 1, 0.5, threshold, caution, embedder.model_id)


def test_the_nearest_labelled_conversations_vote_weighted_by_how_close_they_are():
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    emergency = np.array([1.0, 1.0, 0.0], dtype=np.float32)
    close, between = np.array([1.0, 0.0]), np.array([0.6, 0.8])
    # both nearest are emergencies: the score is their weight over weight plus prior, higher the closer they are
    assert np.isclose(neighbour_scores(close, vectors, emergency, 2, 0.5)[0], 1.8 / 2.3)
    assert neighbour_scores(close, vectors, emergency, 2, 0.5)[0] > neighbour_scores(between, vectors, emergency, 2, 0.5)[0]
    # a routine neighbour in the vote pulls the score down: nearest to ``between`` are an emergency (0.96) and a routine one (0.8)
    assert np.isclose(neighbour_scores(between, vectors, emergency, 2, 0.0)[0], 0.96 / 1.76)
    assert neighbour_scores(np.array([0.0, 1.0]), vectors, emergency, 1, 0.5)[0] == 0.0


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
    words = "it's like the dentist injection and i am worried about it today"  # near a sign, caught by no pattern
    direction = np.asarray(embedder.embed_query(words), dtype=np.float32)
    unsure = model_for(embedder, words, threshold=0.9, caution=0.6)  # scores it 1 / 1.5, about 0.67
    assert 0.6 < unsure.score(direction) < 0.9
    verdict = triage_conversation([words], SemanticDetector(embedder, cache_dir=tmp_path, learned=unsure))
    assert verdict.level == "routine" and verdict.caution
    assert not [f for f in verdict.findings if f.detector == "learned"]


def test_a_fairly_sure_model_gives_no_safety_line_for_what_is_nearer_a_reviewed_ordinary_question(tmp_path):
    """"husband has sciatica down one leg and thinks he should stay in bed" is one of the catalogue's hard negatives:
    a message closer to it than to any sign gets no sign's safety line, however sure the model is."""
    embedder = FakeEmbedder()
    words = "husband nerve pain down his leg from his back wants to stay in bed"
    unsure = model_for(embedder, words, threshold=0.9, caution=0.6)
    assert 0.6 < unsure.score(np.asarray(embedder.embed_query(words), dtype=np.float32)) < 0.9
    verdict = triage_conversation([words], SemanticDetector(embedder, cache_dir=tmp_path, learned=unsure))
    assert verdict.level == "routine" and verdict.caution == ()


def test_a_fairly_sure_model_gives_no_safety_line_when_no_sign_is_near_what_was_said(tmp_path):
    embedder = FakeEmbedder()
    words = "do you take card payments at reception or only cash"
    direction = np.asarray(embedder.embed_query(words), dtype=np.float32)
    unsure = model_for(embedder, words, threshold=0.9, caution=0.6)
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
    wrong = LearnedModel(np.ones((1, 384), dtype=np.float32), np.ones(1, dtype=np.float32), 1, 0.5, 0.6, 0.5, embedder.model_id)
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
        report = json.loads((DATA / f"learned-{backend}.json").read_text())
        assert model is not None and model.vectors.shape == (report["conversations"], 384)
        assert 0.0 < model.caution < model.threshold < 1.0 and model.k == report["k"]
        assert report["sets"] == sets, "retrain: python bench/triage_train.py"
        assert report["held_out_routine_flagged"] <= 0.006 and report["held_out_routine_caution"] <= 0.031
