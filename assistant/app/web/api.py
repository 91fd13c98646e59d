"""The JSON API for the widget and other clients (documented at /docs by FastAPI)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from assistant.app.web.limits import Busy, Gate, Metrics, RateLimited, RateLimiter
from assistant.app.web.runtime import WebRuntime, with_id

log = logging.getLogger(__name__)

BUSY = "The assistant is busy right now. Please try again in a moment."
UNAVAILABLE = "The assistant can't reach its articles right now. Please try again shortly{contact}."
TOO_FAST = "You're sending messages faster than we can answer. Please wait {seconds} seconds and try again."


class Message(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    question: str = Field(max_length=50_000, description="The visitor's message.")
    history: list[Message] = Field(default_factory=list, max_length=50, description="Earlier turns, oldest first.")
    session: str | None = Field(default=None, max_length=100)


class FeedbackRequest(BaseModel):
    id: int = Field(description="The `id` returned with the answer.")
    value: int = Field(description="1 for thumbs up, -1 for thumbs down.")


class Refused(Exception):
    """A request turned away with a status and a message for people."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def router(runtime: WebRuntime, metrics: Metrics) -> APIRouter:
    """Routes bound to one runtime."""
    s = runtime.settings
    api = APIRouter()
    gate = Gate(s.concurrency, s.queue_size)
    limiter = RateLimiter(s.rate_per_minute, s.rate_burst)
    contact = f", or call us on {s.clinic_phone}" if s.clinic_phone else ""

    def client_of(request: Request) -> str:
        forwarded = request.headers.get("x-forwarded-for") if s.trust_forwarded_for else None
        if forwarded:
            return forwarded.split(",")[0].strip()
        return request.client.host if request.client else "unknown"

    def admit(request: Request) -> None:
        try:
            limiter.check(client_of(request))
        except RateLimited as exc:
            seconds = max(1, round(exc.retry_after))
            raise Refused(429, TOO_FAST.format(seconds=seconds), {"Retry-After": str(seconds)}) from None

    def guarded(work):
        """Run work in a slot; busy and store failures become friendly errors."""
        try:
            with gate.slot():
                return work()
        except Busy:
            raise Refused(503, BUSY, {"Retry-After": "2"}) from None
        except Refused:
            raise
        except Exception as exc:  # noqa: BLE001 - the store or model failed: say so, keep serving
            log.warning("answer failed: %s: %s", type(exc).__name__, exc)
            raise Refused(503, UNAVAILABLE.format(contact=contact), {"Retry-After": "5"}) from None

    def count(answer) -> None:
        metrics.answer(answer.triage, answer.grounded, answer.fallback, answer.policy)

    @api.get("/healthz", tags=["ops"])
    def healthz() -> JSONResponse:
        """Store reachable, model loaded, article count."""
        health = runtime.health()
        return JSONResponse(health, status_code=200 if health["status"] == "ok" else 503)

    @api.get("/metrics", tags=["ops"])
    def get_metrics() -> dict:
        """Request counts, latencies (p50/p95/p99) and answer outcomes since start."""
        return metrics.snapshot()

    @api.post("/api/ask", tags=["assistant"])
    def ask(body: AskRequest, request: Request) -> dict:
        """The Answer JSON for one question (with `id` for feedback)."""
        admit(request)
        history = [m.model_dump() for m in body.history]
        answer, message_id = guarded(lambda: runtime.ask(body.question, history, "api", body.session))
        count(answer)
        return with_id(answer, message_id)

    @api.post("/api/ask/stream", tags=["assistant"])
    def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
        """Server-sent events: `delta` events with text, then one `answer` event with the Answer JSON."""
        admit(request)
        history = [m.model_dump() for m in body.history]
        items = guarded(lambda: list(runtime.ask_stream(body.question, history, "api", body.session)))

        def events() -> Iterator[str]:
            for item in items:
                if isinstance(item, tuple):
                    answer, message_id = item
                    count(answer)
                    yield f"event: answer\ndata: {json.dumps(with_id(answer, message_id))}\n\n"
                else:
                    yield f"event: delta\ndata: {json.dumps({'text': item})}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @api.get("/api/search", tags=["assistant"])
    def search(request: Request, q: str = Query(min_length=1, max_length=2000), k: int = Query(5, ge=1, le=50)) -> dict:
        """Article search: the same results as `clinic-assistant search --json`."""
        admit(request)
        return guarded(lambda: runtime.services.retriever.search(q, k=k).to_json())

    @api.post("/api/feedback", tags=["assistant"])
    def feedback(body: FeedbackRequest) -> dict:
        """Thumbs up or down on an answer."""
        if body.value not in (-1, 1):
            raise HTTPException(422, "value must be 1 or -1")
        try:
            runtime.log.feedback(body.id, body.value)
        except KeyError:
            raise HTTPException(404, "no such answer") from None
        return {"ok": True}

    return api
