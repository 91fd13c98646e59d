"""Forgiving spelling: misspelt words become the article words they most likely meant."""

from __future__ import annotations

import pytest

from assistant.retrieval.spelling import Speller, edit_distance, word_counts

ARTICLES = [
    "Chronic lymphocytic leukemia is a cancer of the blood. Chronic leukemia grows slowly.",
    "Plantar fasciitis causes heel pain. Stretching the calf and the plantar fascia helps heel pain.",
    "Tendinopathy of the Achilles tendon: loading exercises help the tendon. A lot of people recover.",
    "Shoulder pain and shoulder stiffness; physiotherapy for the shoulder. Chronic pain and chronic stiffness.",
]


@pytest.fixture
def speller() -> Speller:
    return Speller(word_counts(ARTICLES * 10))


def test_edit_distance_counts_a_swap_of_neighbours_as_one_edit():
    assert edit_distance("shoudler", "shoulder", 2) == 1
    assert edit_distance("cronic", "chronic", 2) == 1
    assert edit_distance("lymphocytice", "lymphocytic", 2) == 1
    assert edit_distance("tendon", "shoulder", 2) == 3  # over the limit: limit + 1


def test_misspelt_words_are_corrected_to_article_words(speller):
    text, fixes = speller.correct_text("Cronic Lymphocytice Leukemia and shoudler stifness")
    assert text == "chronic lymphocytic Leukemia and shoulder stiffness"
    assert fixes == {"Cronic": "chronic", "Lymphocytice": "lymphocytic", "shoudler": "shoulder", "stifness": "stiffness"}


def test_words_the_articles_use_are_left_alone(speller):
    assert speller.correct("heel") is None
    assert speller.correct("tendon") is None
    text, fixes = speller.correct_text("heel pain and plantar fasciitis")
    assert (text, fixes) == ("heel pain and plantar fasciitis", {})


def test_short_words_acronyms_and_run_together_words_are_left_alone(speller):
    assert speller.correct("hel") is None  # too short to guess
    assert speller.correct_text("COPD and ASAP")[1] == {}
    assert speller.correct("alot") is None  # "a" + "lot", not a misspelling of a third word


def test_real_words_the_articles_do_not_use_are_left_alone():
    # one edit from "shoulder": corrected, unless ``known`` (the model's vocabulary) holds it
    counts = word_counts(ARTICLES * 10)
    assert Speller(counts).correct("shoulderz") == "shoulder"
    assert Speller(counts, known=lambda w: w == "shoulderz").correct("shoulderz") is None


def test_the_first_letter_is_kept_and_far_words_are_not_guessed(speller):
    assert speller.correct("xhronic") is None  # first letter differs
    assert speller.correct("tenxxxon") is None  # too many edits for a short word
    assert speller.correct("zzzzzz") is None


def test_the_closest_then_most_frequent_word_wins():
    counts = {"stretch": 50, "stretches": 3, "strength": 5}
    s = Speller(counts)
    assert s.correct("strech") == "stretch"
    assert s.correct("stregth") == "strength"
