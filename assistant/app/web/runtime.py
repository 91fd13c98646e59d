"""What the web app shares between requests: the assistant and the conversation log."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace

from assistant.app.conversations import ConversationLog
from assistant.core.records import Answer
from assistant.app.services import Services
from assistant.core.settings import Settings

log = logging.getLogger(__name__)


class WebRuntime:
    """Services plus the SQLite log; the store is ingested on first start."""

    def __init__(self, settings: Settings, services: Services | None = None):
        self.settings = settings
        self.services = services or Services(settings)
        self._log: ConversationLog | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self.start_error: str | None = None

    @property
    def log(self) -> ConversationLog:
        if self._log is None:
            self._log = ConversationLog(self.settings.data_dir / "conversations.sqlite3", self.settings.retention_days)
        return self._log

    def start(self) -> None:
        """Ingest the bundled corpus if the store is empty, and warm the model."""
        with self._lock:
            if self._ready.is_set():
                return
            try:
                self.services.ensure_ingested(notify=lambda m: log.warning("%s", m))
                self.services.retriever.search("warm up")
            except Exception as exc:  # noqa: BLE001 - reported by /healthz and the waiting page
                self.start_error = f"{type(exc).__name__}: {exc}"
                log.error("the assistant could not get ready: %s", self.start_error)
                raise
            self.start_error = None
            self._ready.set()

    def start_in_background(self) -> threading.Thread:
        """Get ready without holding up the server: the port opens at once."""

        def run() -> None:
            try:
                self.start()
            except Exception:  # noqa: BLE001 - already logged and kept in start_error
                pass

        thread = threading.Thread(target=run, name="assistant-start", daemon=True)
        thread.start()
        return thread

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the first start is done (True) or ``timeout`` passes (False)."""
        return self._ready.wait(timeout)

    def ask(self, question: str, history: Iterable | None = None, channel: str = "web", session: str | None = None) -> tuple[Answer, int]:
        """Answer and store; returns the Answer and its message id."""
        answer = self.services.assistant.ask(question, history)
        return answer, self.log.record(answer, channel=channel, session=session)

    def ask_stream(
        self, question: str, history: Iterable | None = None, channel: str = "web", session: str | None = None
    ) -> Iterator[str | tuple[Answer, int]]:
        """Text deltas, then (Answer, message id) once it is stored."""
        for item in self.services.assistant.ask_stream(question, history):
            if isinstance(item, Answer):
                yield item, self.log.record(item, channel=channel, session=session)
            else:
                yield item

    def health(self) -> dict:
        """Store reachable, model loaded, article count; status "ok" only when all are fine."""
        embedder = self.services.embedder
        try:
            live = self.services.backend.live()
            articles = len(live.articles()) if live is not None else 0
            reachable = True
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            log.warning("store unreachable: %s", exc)
            articles, reachable = 0, False
        loaded = bool(getattr(embedder, "loaded", True))
        if not reachable:
            status = "store_unreachable"
        elif self.start_error and not self.ready:
            status = "error"
        elif not self.ready:
            status = "starting"
        else:
            status = "ok" if articles else "empty"
        return {
            "status": status,
            "store": self.services.backend.location,
            "store_reachable": reachable,
            "articles": articles,
            "model": embedder.model_id,
            "model_loaded": loaded,
            **({"error": self.start_error} if self.start_error and not self.ready else {}),
        }


def with_id(answer: Answer, message_id: int) -> dict:
    """The Answer JSON plus the id clients send back with feedback."""
    return {**replace(answer).to_json(), "id": message_id}
