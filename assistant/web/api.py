"""The JSON API for the widget and other clients (documented at /docs by FastAPI)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.web.runtime import WebRuntime, with_id


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


def router(runtime: WebRuntime) -> APIRouter:
    """Routes bound to one runtime."""
    api = APIRouter()

    @api.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        """Store reachable, model loaded, article count."""
        return runtime.health()

    @api.post("/api/ask", tags=["assistant"])
    def ask(body: AskRequest) -> dict:
        """The Answer JSON for one question (with `id` for feedback)."""
        answer, message_id = runtime.ask(body.question, [m.model_dump() for m in body.history], "api", body.session)
        return with_id(answer, message_id)

    @api.post("/api/ask/stream", tags=["assistant"])
    def ask_stream(body: AskRequest) -> StreamingResponse:
        """Server-sent events: `delta` events with text, then one `answer` event with the Answer JSON."""

        def events() -> Iterator[str]:
            for item in runtime.ask_stream(body.question, [m.model_dump() for m in body.history], "api", body.session):
                if isinstance(item, tuple):
                    answer, message_id = item
                    yield f"event: answer\ndata: {json.dumps(with_id(answer, message_id))}\n\n"
                else:
                    yield f"event: delta\ndata: {json.dumps({'text': item})}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @api.get("/api/search", tags=["assistant"])
    def search(q: str = Query(min_length=1, max_length=2000), k: int = Query(5, ge=1, le=50)) -> dict:
        """Article search: the same results as `clinic-assistant search --json`."""
        return runtime.services.retriever.search(q, k=k).to_json()

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
