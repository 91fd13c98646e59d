"""The FastAPI app: JSON API, widget script, and the Gradio pages mounted under it."""

from __future__ import annotations

import html
import time
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.app.render import safe_url
from assistant.app.services import Services
from assistant.app.web import api
from assistant.app.web.widget import WIDGET_JS, WIDGET_PAGE_JS, frame_ancestors

pages = APIRouter(include_in_schema=False)


@pages.get("/widget.js")
def widget_js() -> Response:
    return Response(WIDGET_JS, media_type="application/javascript", headers={"Cache-Control": "public, max-age=300"})


@pages.get("/widget")
def widget_slash() -> RedirectResponse:
    return RedirectResponse("/widget/")


@pages.get("/staff")
def staff_slash() -> RedirectResponse:
    return RedirectResponse("/staff/")


@pages.get("/articles/{slug}")
def article_page(slug: str, request: Request) -> HTMLResponse:
    """An article as the assistant quotes it, each section with its anchor; the cited one is highlighted."""
    from assistant.app.web.articles import article_document

    services: Services = request.app.state.services
    s = services.settings
    page = services.articles.page(slug)
    if page is None:
        return HTMLResponse(_NOT_FOUND.format(clinic=html.escape(s.clinic.name)), status_code=404)
    body = article_document(page, s.clinic.name, s.safety.emergency_number, safe_url(s.clinic.booking_url), s.clinic.phone)
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})


async def refused(_: Request, exc: api.Refused) -> JSONResponse:
    return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=exc.headers)


async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": api.validation_message(exc.errors())}, status_code=422)


def create_app(services: Services) -> FastAPI:
    """The whole app for one set of services; the first ingest starts with the server, in the background."""
    import gradio as gr

    from assistant.app.web.staff import CSS as STAFF_CSS
    from assistant.app.web.staff import build_staff, build_staff_disabled
    from assistant.app.web.visitor import CSS, HEAD, build_visitor, theme

    settings = services.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        services.startup.run_in_background()  # the first ingest may take a while: never keep the port closed
        yield

    app = FastAPI(
        title=f"{settings.clinic.name} assistant API",
        description="Answers from the clinic's articles, with citations and red-flag triage.",
        lifespan=lifespan,
        docs_url=None,  # served below from the installed Swagger UI: /docs works offline
        redoc_url=None,
    )
    app.state.services = services
    widget_csp = frame_ancestors(settings.web.embed_origin_list)
    counted = {route.path for route in api.router.routes}
    app.add_exception_handler(api.Refused, refused)
    app.add_exception_handler(RequestValidationError, invalid)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        started = time.perf_counter()
        response = _while_starting(request, services) or await call_next(request)
        path = request.url.path
        if path.startswith("/api/") or path in counted:
            route = path if path in counted else "/api/(unknown)"  # bounded labels, whatever clients send
            services.metrics.request(route, response.status_code, time.perf_counter() - started)
        response.headers["Content-Security-Policy"] = widget_csp if path.startswith("/widget/") else "frame-ancestors 'self'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response

    app.include_router(api.router)
    app.include_router(pages)
    _offline_docs(app)

    look = {"css": CSS, "head": HEAD, "footer_links": [], "theme": theme()}
    gr.mount_gradio_app(app, build_visitor(services, compact=True), path="/widget", js=WIDGET_PAGE_JS, **look)
    if settings.web.staff_enabled:
        credentials = [(settings.web.staff_username, settings.web.staff_password.get_secret_value())]
        gr.mount_gradio_app(
            app, build_staff(services), path="/staff", auth=credentials, auth_message="Reception staff only",
            **{**look, "css": STAFF_CSS},
        )
    else:
        gr.mount_gradio_app(app, build_staff_disabled(), path="/staff", **look)
    gr.mount_gradio_app(app, build_visitor(services), path="/", **look)
    return app


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle package's files, not a CDN (clinic PCs may be offline)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{app.title} - docs",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js", swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


_NOT_FOUND = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Article not found</title></head>
<body style="font-family:system-ui,Arial,sans-serif;max-width:36rem;margin:10vh auto;padding:0 1rem">
<h1>That article is not here any more</h1><p>It may have been renamed or removed.
<a href="/">Ask {clinic}'s assistant</a> instead.</p></body></html>"""

_STARTING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="3"><title>{title}</title>
<style>body{{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;
color:#1a1a1a;line-height:1.5}}h1{{font-size:1.4rem;color:#0b6e4f}}.e{{color:#b00020}}</style></head>
<body><h1>{heading}</h1><p>{message}</p><p>In an emergency call {emergency}.</p></body></html>"""


def _while_starting(request: Request, services: Services) -> Response | None:
    """Before the first ingest is done: a friendly page for people, a 503 with a sentence for the API."""
    path = request.url.path
    startup = services.startup
    if startup.ready or path in ("/healthz", "/metrics", "/widget.js") or path.startswith(("/docs", "/openapi")):
        return None
    s = services.settings
    if startup.error:
        heading, message = "The assistant is not available", (
            "Something went wrong while getting the articles ready. The clinic's staff have been told "
            f"in the server log.{(' Please call us on ' + s.clinic.phone + '.') if s.clinic.phone else ''}"
        )
    else:
        heading, message = "Getting the articles ready", (
            "The assistant is reading the clinic's articles for the first time. "
            "This page will refresh by itself in a moment."
        )
    if path.startswith("/api/"):
        return JSONResponse({"detail": f"{heading}. {message}"}, status_code=503, headers={"Retry-After": "5"})
    if request.method != "GET":
        return JSONResponse({"detail": heading}, status_code=503, headers={"Retry-After": "5"})
    page = _STARTING_PAGE.format(
        title=html.escape(f"{s.clinic.name} assistant"), heading=html.escape(heading),
        message=html.escape(message), emergency=html.escape(s.safety.emergency_number),
    )
    return HTMLResponse(page, status_code=503, headers={"Retry-After": "5", "Cache-Control": "no-store"})


def serve(services: Services) -> None:
    """Run the app with uvicorn on the configured host and port."""
    import uvicorn

    from assistant.app.logs import configure_logging, log_config

    configure_logging("INFO")
    app = create_app(services)
    uvicorn.run(app, host=services.settings.web.host, port=services.settings.web.port, log_config=log_config("INFO"))
