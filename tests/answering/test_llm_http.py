"""The `openai` answerer over real HTTP against a scripted OpenAI-compatible server on loopback.

Everything the LLM path promises is checked end to end through the real client
(LangChain's ChatOpenAI): streaming over server-sent events, citation checks,
the extractive fallback, server errors and the timeout.
"""

from __future__ import annotations

import time

import pytest
from conftest import stream_items, FakeEmbedder
from openai_stub import Fail, OpenAIStub, Stall

from assistant.app import operations
from assistant.core.records import Answer, Turn
from assistant.app.services import Services
from assistant.core.settings import Settings


@pytest.fixture
def stub():
    with OpenAIStub() as server:
        yield server


@pytest.fixture
def clinic(tmp_path, clinic_dir, backend, stub):
    def make(**overrides):
        settings = Settings(
            data_dir=tmp_path / "data", corpus_dir=clinic_dir, min_relevance=0.12, answerer="openai",
            llm_base_url=stub.base_url, llm_model="stub-model", _env_file=None, **overrides,
        )
        services = Services(settings, backend=backend, embedder=FakeEmbedder(dimension=512))
        if operations.is_empty(services):
            operations.ingest(services)
        return services

    return make


def test_answer_over_http_with_valid_citations_is_used(clinic, stub):
    stub.script.append("Weak glutes make the piriformis work overtime [1]. Glute bridges can help [2].")
    answer = clinic().assistant.ask("why does my piriformis hurt?").answer
    assert answer.answerer == "openai" and not answer.fallback and answer.grounded
    assert "overtime [1]" in answer.answer and len(answer.citations) == 2
    sent = stub.requests[0]
    assert sent["model"] == "stub-model" and sent["stream"] is True
    system, *_, user = sent["messages"]
    assert system["role"] == "system" and "ONLY the clinic's articles" in system["content"]
    assert '<source id="1"' in user["content"] and "<question>" in user["content"]


def test_streaming_over_server_sent_events(clinic, stub):
    stub.script.append("Weak glutes make the piriformis work overtime [1]. It then gets sore [1].")
    items = stream_items(clinic().assistant.ask("why does my piriformis hurt?"))
    final = items[-1]
    assert isinstance(final, Answer) and final.answerer == "openai"
    deltas = [i for i in items if isinstance(i, str)]
    assert len(deltas) >= 3, deltas
    assert "".join(deltas).replace(" ", "") in final.answer.replace(" ", "") or final.answer.startswith(
        "Weak glutes"
    )


def test_citations_pointing_nowhere_are_removed(clinic, stub):
    stub.script.append("The piriformis works overtime [1] [7]. It can irritate a nerve [9].")
    answer = clinic().assistant.ask("why does my piriformis hurt?").answer
    assert not answer.fallback
    assert "[7]" not in answer.answer and "[9]" not in answer.answer
    assert {c.n for c in answer.citations} == {1}


@pytest.mark.parametrize(
    "reply",
    [
        "The piriformis is a muscle in the buttock.",  # no citation at all
        "Only [8] is cited here.",  # only invalid citations
        "Take 400 mg of ibuprofen three times a day [1].",  # a dose
        Fail(500),  # the server breaks
        Fail(401),  # a wrong key
    ],
    ids=["no-citation", "invalid-citation", "dose", "http-500", "http-401"],
)
def test_failed_llm_answers_fall_back_to_the_extractive_answer(clinic, stub, reply):
    stub.script.append(reply)
    answer = clinic().assistant.ask("why does my piriformis hurt?").answer
    assert answer.fallback and answer.answerer == "extractive" and answer.grounded
    assert "mg" not in answer.answer
    assert all(c.article_path.startswith("/articles/") for c in answer.citations)


def test_a_stalled_server_times_out_and_the_extractive_answer_is_used(clinic, stub):
    stub.script.extend([Stall(5.0), Stall(5.0)])  # the client may retry once
    services = clinic(llm_timeout_s=0.5)
    started = time.monotonic()
    answer = services.assistant.ask("why does my piriformis hurt?").answer
    elapsed = time.monotonic() - started
    assert answer.fallback and answer.answerer == "extractive"
    assert elapsed < 4.5, f"waited {elapsed:.1f} s for a 0.5 s timeout"


def test_follow_up_is_condensed_by_the_model_over_http(clinic, stub):
    stub.script.extend(["What exercises help with piriformis pain?", "Glute bridges help [1]."])
    services = clinic()
    history = [Turn("user", "why does my piriformis hurt?"), Turn("assistant", "Weak glutes [1].")]
    answer = services.assistant.ask("what exercises help with that?", history).answer
    assert answer.search_query == "What exercises help with piriformis pain?"
    condense_request = stub.requests[0]["messages"][-1]["content"]
    assert "why does my piriformis hurt?" in condense_request
