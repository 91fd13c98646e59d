"""The composition root: every working part, built from Settings lazily and once.

Nothing happens at import or construction: the model, the store and the log are
made on first use, under a lock, so two threads never build the same part twice.
Tests pass ready-made parts (``backend=``, ``embedder=`` ...) to swap real I/O
for fakes; everything else is built from the settings section it needs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from assistant.core.settings import Settings


class Services:
    """Store, embedder, retriever, assistant, conversation log, metrics and admission limits."""

    def __init__(
        self,
        settings: Settings,
        *,
        backend=None,
        embedder=None,
        chat_model=None,
        log=None,
    ):
        self.settings = settings
        self._lock = threading.RLock()
        self._made: dict[str, Any] = {}
        for name, value in (("backend", backend), ("embedder", embedder), ("chat_model", chat_model), ("log", log)):
            if value is not None:
                self._made[name] = value

    def built(self, name: str) -> Any | None:
        """The part called ``name`` if it has been made already, else None (nothing is started)."""
        return self._made.get(name)

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        made = self._made.get(name)
        if made is not None:
            return made
        with self._lock:
            if name not in self._made:
                self._made[name] = build()
            return self._made[name]

    # --------------------------------------------------------------------- retrieval

    @property
    def backend(self):
        """The Chroma store: embedded in the data folder, or a `chroma run` server."""
        from assistant.retrieval.chroma import backend_from_settings

        return self._once("backend", lambda: backend_from_settings(self.settings.storage, self.settings.chroma))

    @property
    def embedder(self):
        from assistant.retrieval.embeddings import embedder_from_settings

        return self._once("embedder", lambda: embedder_from_settings(self.settings.embedding))

    @property
    def retriever(self):
        from assistant.retrieval.retriever import Retriever

        return self._once("retriever", lambda: Retriever(
            self.backend, self.embedder, self.settings.search, breaker=self.breaker,
            cache_dir=self.settings.storage.data_dir,
        ))

    @property
    def articles(self):
        """The app's own view of each article, rebuilt from the store."""
        from assistant.app.web.articles import ArticleIndex

        return self._once("articles", lambda: ArticleIndex(self.backend))

    @property
    def breaker(self):
        """Open while the store is down, so requests get their 503 at once; probes in the background."""
        from assistant.retrieval.breaker import CircuitBreaker

        return self._once("breaker", lambda: CircuitBreaker(probe=lambda: self.backend.live()))

    # --------------------------------------------------------------------- answering

    @property
    def chat_model(self):
        """The LLM for CLINIC_ANSWERER=openai|ollama|llamacpp, or None for the extractive answerer."""
        from assistant.answering.llm import chat_model_from_settings

        if "chat_model" not in self._made:
            with self._lock:
                if "chat_model" not in self._made:
                    s = self.settings
                    self._made["chat_model"] = chat_model_from_settings(s.answers.answerer, s.llm)
        return self._made["chat_model"]

    @property
    def semantic(self):
        """The semantic red-flag detector (its exemplar vectors are kept in the data folder)."""
        from assistant.safety.semantic import SemanticDetector

        return self._once("semantic", lambda: SemanticDetector(self.embedder, cache_dir=self.settings.storage.data_dir))

    @property
    def answer_fit(self):
        """The learned fit of a sentence to a question (None when off, or not trained for this embedding model)."""
        from assistant.answering.fit import load_fit

        def build():
            if not self.settings.answers.learned_fit:
                return None
            return load_fit(self.embedder.model_id, self.embedder.dimension)

        return self._once("answer_fit", build)

    @property
    def assistant(self):
        from assistant.answering.answerers import ExtractiveAnswerer, LLMAnswerer
        from assistant.answering.pipeline import Assistant

        def build():
            s = self.settings
            chat = self.chat_model
            llm = LLMAnswerer(chat, name=s.answers.answerer, clinic_name=s.clinic.name) if chat is not None else None
            return Assistant(
                self.retriever,
                safety=s.safety,
                clinic=s.clinic,
                extractive=ExtractiveAnswerer(s.answers.max_sentences, fit=self.answer_fit),
                llm=llm,
                chat_model=chat,
                semantic=self.semantic,
            )

        return self._once("assistant", build)

    # --------------------------------------------------------------------- application

    @property
    def log(self):
        """Conversations, feedback and escalations (SQLite in the data folder, redacted)."""
        from assistant.app.conversations import ConversationLog

        s = self.settings
        return self._once(
            "log", lambda: ConversationLog(s.storage.data_dir / "conversations.sqlite3", s.web.retention_days)
        )

    @property
    def metrics(self):
        from assistant.app.web.limits import Metrics

        return self._once("metrics", Metrics)

    @property
    def gate(self):
        """The one admission limit for every answer: the API, the chat, the widget and the console."""
        from assistant.app.web.limits import Gate

        return self._once("gate", lambda: Gate(self.settings.web.concurrency, self.settings.web.queue_size))

    @property
    def limiter(self):
        from assistant.app.web.limits import RateLimiter

        return self._once("limiter", lambda: RateLimiter(self.settings.web.rate_per_minute, self.settings.web.rate_burst))

    @property
    def startup(self):
        """Readiness of the web app: the first ingest and warm-up, run off the request path."""
        from assistant.app.operations import Startup

        return self._once("startup", lambda: Startup(self))
