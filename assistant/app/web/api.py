"""The JSON API for the widget and other clients (documented at /docs by FastAPI).

Routes are defined once, at module level; each request reaches the app's
composed ``Services`` through a dependency. Every answer takes a slot of the one
admission gate that the chat pages share.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from assistant.app import operations
from assistant.app.services import Services
from assistant.app.web.limits import Busy, RateLimited
from assistant.core import prompts

log = logging.getLogger(__name__)

router = APIRouter()


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


def validation_message(errors: list[dict]) -> str:
    """FastAPI's validation errors as one sentence that names each field, e.g. "`q` is required"."""
    parts = []
    for error in errors[:5]:
        where = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(where)
        kind = error.get("type", "")
        if kind == "json_invalid":
            parts.append("the body is not valid JSON")
        elif kind == "missing":
            parts.append(f"`{field}` is required" if field else "the body is required")
        else:
            message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
            parts.append(f"`{field}`: {message[:1].lower()}{message[1:]}" if field else message)
    return "The request is not valid: " + "; ".join(parts) + "."


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def client_of(request: Request, services: Services) -> str:
    forwarded = request.headers.get("x-forwarded-for") if services.settings.web.trust_forwarded_for else None
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def admitted(request: Request, services: ServicesDep) -> Services:
    """The per-client rate limit (429 with Retry-After past it)."""
    try:
        services.limiter.check(client_of(request, services))
    except RateLimited as exc:
        seconds = max(1, round(exc.retry_after))
        raise Refused(429, prompts.TOO_FAST.format(seconds=seconds), {"Retry-After": str(seconds)}) from None
    return services


AdmittedDep = Annotated[Services, Depends(admitted)]


def unavailable(services: Services) -> Refused:
    phone = services.settings.clinic.phone
    return Refused(503, prompts.UNAVAILABLE.format(contact=f", or call us on {phone}" if phone else ""), {"Retry-After": "5"})


def guarded(services: Services, work):
    """Run work in a gate slot; busy and store failures become friendly errors.

    While the store is known to be down nothing queues: the message is still
    screened (warning signs are answered without the articles) and anything else
    gets its 503 at once.
    """
    try:
        if services.breaker.is_open:
            return work()
        with services.gate.slot():
            return work()
    except Busy:
        raise Refused(503, prompts.BUSY, {"Retry-After": "2"}) from None
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - the store or model failed: say so, keep serving
        log.warning("answer failed: %s: %s", type(exc).__name__, exc)
        raise unavailable(services) from None


def with_id(answer, message_id: int) -> dict:
    """The Answer JSON plus the id clients send back with feedback."""
    return {**answer.to_json(), "id": message_id}


@router.get("/healthz", tags=["ops"])
def healthz(services: ServicesDep) -> JSONResponse:
    """Store reachable, model loaded, article count."""
    health = operations.health(services)
    return JSONResponse(health, status_code=200 if health["status"] == "ok" else 503)


@router.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
def get_metrics(services: ServicesDep) -> Response:
    """Prometheus text format: requests and latency per route, answers per channel (web, widget, staff, api)."""
    body, content_type = services.metrics.exposition()
    return Response(body, media_type=content_type)


@router.post("/api/ask", tags=["assistant"])
def ask(body: AskRequest, services: AdmittedDep) -> dict:
    """The Answer JSON for one question (with `id` for feedback)."""
    history = [m.model_dump() for m in body.history]
    answer = guarded(services, lambda: services.assistant.ask(body.question, history).answer)
    return with_id(answer, operations.record(services, answer, "api", body.session))


@router.post("/api/ask/stream", tags=["assistant"])
def ask_stream(body: AskRequest, services: AdmittedDep) -> StreamingResponse:
    """Server-sent events: a `delta` event for each piece of text as it is written, then one `answer` event."""
    history = [m.model_dump() for m in body.history]
    if services.breaker.is_open:  # answer (or refuse) at once, then send it as one piece
        answer = guarded(services, lambda: services.assistant.ask(body.question, history).answer)
        message_id = operations.record(services, answer, "api", body.session)
        events = [("delta", {"text": answer.answer}), ("answer", with_id(answer, message_id))]
        body_text = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
        return StreamingResponse(iter([body_text]), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
    try:
        services.gate.acquire()
    except Busy:
        raise Refused(503, prompts.BUSY, {"Retry-After": "2"}) from None
    response = services.assistant.ask(body.question, history)

    def events() -> Iterator[str]:
        try:
            for piece in response:
                yield f"event: delta\ndata: {json.dumps({'text': piece})}\n\n"
            answer = response.answer
            message_id = operations.record(services, answer, "api", body.session)
            yield f"event: answer\ndata: {json.dumps(with_id(answer, message_id))}\n\n"
        except Exception as exc:  # noqa: BLE001 - the stream has started: say so in-band
            log.warning("streamed answer failed: %s: %s", type(exc).__name__, exc)
            yield f"event: error\ndata: {json.dumps({'detail': unavailable(services).message})}\n\n"
        finally:
            services.gate.release()

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get("/api/search", tags=["assistant"])
def search(
    services: AdmittedDep,
    q: str = Query(min_length=1, max_length=2000),
    k: int = Query(5, ge=1, le=50),
) -> dict:
    """Article search: the same results as `clinic-assistant search --json`."""
    return guarded(services, lambda: services.retriever.search(q, k=k).to_json())


@router.post("/api/feedback", tags=["assistant"])
def feedback(body: FeedbackRequest, services: ServicesDep) -> dict:
    """Thumbs up or down on an answer."""
    if body.value not in (-1, 1):
        raise HTTPException(422, "value must be 1 or -1")
    try:
        services.log.feedback(body.id, body.value)
    except KeyError:
        raise HTTPException(404, "no such answer") from None
    return {"ok": True}
