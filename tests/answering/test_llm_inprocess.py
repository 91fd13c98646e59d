"""The in-process GGUF model's wrapper, with a stand-in for llama-cpp-python (the extra is optional): it gets the
configured threads, and it stops past CLINIC_LLM_TIMEOUT_S so the extractive answer is used."""

from __future__ import annotations

import importlib.machinery
import sys
import types

import pytest
from langchain_core.messages import HumanMessage

from assistant.answering import llm
from assistant.core.settings import Settings


class FakeLlama:
    made: list[dict] = []

    def __init__(self, **kwargs):
        FakeLlama.made.append(kwargs)

    def create_chat_completion(self, messages, **kwargs):
        for word in ["Weak ", "glutes ", "overload ", "it [1]."]:
            yield {"choices": [{"delta": {"content": word}}]}


@pytest.fixture
def fake_llama_cpp(monkeypatch, tmp_path):
    module = types.ModuleType("llama_cpp")
    module.__spec__ = importlib.machinery.ModuleSpec("llama_cpp", None)
    module.Llama = FakeLlama
    monkeypatch.setitem(sys.modules, "llama_cpp", module)
    FakeLlama.made.clear()
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    return model


def test_the_in_process_model_gets_the_configured_threads(fake_llama_cpp):
    settings = Settings(answerer="llamacpp", llamacpp_model_path=fake_llama_cpp, llm_threads=3, _env_file=None)
    chat = llm._llamacpp(settings.llm)
    assert chat.invoke([HumanMessage("why does my piriformis hurt?")]).content == "Weak glutes overload it [1]."
    assert FakeLlama.made[0]["n_threads"] == 3 and FakeLlama.made[0]["model_path"] == str(fake_llama_cpp)


def test_the_in_process_model_stops_past_its_timeout(fake_llama_cpp, monkeypatch):
    settings = Settings(answerer="llamacpp", llamacpp_model_path=fake_llama_cpp, llm_timeout_s=5, _env_file=None)
    chat = llm._llamacpp(settings.llm)
    clock = iter([0.0, 1.0, 9.0, 9.5, 10.0])  # the deadline is set at 0 s; the second token arrives at 9 s
    monkeypatch.setattr("time.monotonic", lambda: next(clock))
    with pytest.raises(TimeoutError, match="CLINIC_LLM_TIMEOUT_S"):
        list(chat.stream([HumanMessage("why does my piriformis hurt?")]))
