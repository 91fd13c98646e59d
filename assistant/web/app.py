"""The FastAPI app: JSON API, widget script, and the Gradio pages mounted under it."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from assistant.settings import Settings
from assistant.web import api
from assistant.web.limits import Metrics
from assistant.web.runtime import WebRuntime
from assistant.web.widget import WIDGET_JS, WIDGET_PAGE_JS, frame_ancestors


def create_app(settings: Settings, runtime: WebRuntime | None = None) -> FastAPI:
    """Build the whole app; the store is ingested (if empty) when the server starts."""
    import anyio
    import gradio as gr

    from assistant.web.staff import build_staff, build_staff_disabled
    from assistant.web.visitor import CSS, HEAD, build_visitor, theme

    runtime = runtime or WebRuntime(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        await anyio.to_thread.run_sync(runtime.start)
        yield

    app = FastAPI(
        title=f"{settings.clinic_name} assistant API",
        description="Answers from the clinic's articles, with citations and red-flag triage.",
        lifespan=lifespan,
    )
    widget_csp = frame_ancestors(settings.embed_origin_list)
    metrics = Metrics()

    @app.exception_handler(api.Refused)
    async def refused(_: Request, exc: api.Refused) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        path = request.url.path
        if path.startswith("/api/") or path in ("/healthz", "/metrics"):
            metrics.request(path, response.status_code, time.perf_counter() - started)
        response.headers["Content-Security-Policy"] = widget_csp if path.startswith("/widget/") else "frame-ancestors 'self'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response

    app.include_router(api.router(runtime, metrics))

    @app.get("/widget.js", include_in_schema=False)
    def widget_js() -> Response:
        return Response(WIDGET_JS, media_type="application/javascript", headers={"Cache-Control": "public, max-age=300"})

    @app.get("/widget", include_in_schema=False)
    def widget_slash() -> RedirectResponse:
        return RedirectResponse("/widget/")

    @app.get("/staff", include_in_schema=False)
    def staff_slash() -> RedirectResponse:
        return RedirectResponse("/staff/")

    look = {"css": CSS, "head": HEAD, "footer_links": [], "theme": theme()}
    gr.mount_gradio_app(app, build_visitor(runtime, compact=True), path="/widget", js=WIDGET_PAGE_JS, **look)
    if settings.staff_enabled:
        credentials = [(settings.staff_username, settings.staff_password.get_secret_value())]
        gr.mount_gradio_app(
            app, build_staff(runtime), path="/staff", auth=credentials, auth_message="Reception staff only", **look
        )
    else:
        gr.mount_gradio_app(app, build_staff_disabled(), path="/staff", **look)
    gr.mount_gradio_app(app, build_visitor(runtime), path="/", **look)
    return app


def serve(settings: Settings) -> None:
    """Run the app with uvicorn on the configured host and port."""
    import uvicorn

    from assistant.privacy import install_log_redaction

    app = create_app(settings)
    install_log_redaction()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
