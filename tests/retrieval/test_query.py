"""Reading a long message: its subject line and its questions (pure functions)."""

from __future__ import annotations

from assistant.retrieval.query import MAX_QUESTIONS, is_question, plan, sentences, subject_line


def test_a_short_message_is_searched_as_it_is():
    p = plan("  sore knee after running?  ")
    assert (p.message, p.subject, p.questions) == ("sore knee after running?", None, ())
    assert p.texts == ["sore knee after running?"]


def test_subject_line_and_questions_of_a_long_message():
    text = (
        "Ankle injury. I hurt my left ankle five months ago. The x-ray found no damage and the "
        "painkillers did not help much. Can you suggest how to overcome the pain? Should I keep the anklet on?"
    )
    p = plan(text)
    assert p.message == text
    assert p.subject == "Ankle injury"
    assert p.questions == ("Can you suggest how to overcome the pain?", "Should I keep the anklet on?")
    # the story sentences are not searched on their own
    assert not any("x-ray" in q for q in p.questions)
    assert p.texts == [text, "Ankle injury", *p.questions]


def test_a_subject_run_into_the_body_is_found():
    text = "Absence seizures Does any damage occur to the brain when a child has many of them every day?"
    assert subject_line(text) == "Absence seizures"
    assert plan(text).subject == "Absence seizures"


def test_a_greeting_is_not_a_subject():
    text = "Hello, I have had a stiff neck for weeks now. What exercises help a stiff neck?"
    p = plan(text)
    assert p.subject is None
    assert p.questions == ("What exercises help a stiff neck?",)


def test_requests_count_as_questions_and_statements_do_not():
    assert is_question("I would like to know what causes shin splints")
    assert is_question("please tell me about heel pain.")
    assert is_question("What helps")
    assert not is_question("My mother is 72 and lives on her own.")
    assert not is_question("The appointment was very short.")


def test_sentences_are_not_cut_inside_names_or_numbers():
    parts = sentences("ClinicalTrials.gov - Question. My dose went from 2.5 mg to 5 mg.\nIs that safe?")
    assert parts == ["ClinicalTrials.gov - Question.", "My dose went from 2.5 mg to 5 mg.", "Is that safe?"]


def test_at_most_max_questions_each_once():
    asks = " ".join(f"What about exercise number {i}?" for i in range(MAX_QUESTIONS + 3))
    p = plan("Knee exercises. " + asks + " What about exercise number 0?")
    assert len(p.questions) == MAX_QUESTIONS
    assert len(set(p.questions)) == len(p.questions)
