"""Browser fixtures (a pytest plugin, see tests/conftest.py): the app started for real by `python ui.py`,
a plain host site, Debian chromium. Session-scoped, so every browser test module shares one app (its
first start ingests the corpus).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
from browsing import CHROMIUM, SCREENS, SHOTS, start_ui
from servers import free_port

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def host_site(tmp_path_factory):
    """A plain page on another origin that only includes the widget script tag."""
    folder = tmp_path_factory.mktemp("host")
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def app(tmp_path_factory, host_site):
    """The app on a fresh data dir (it ingests the bundled corpus on first start), with the staff console on."""
    data = tmp_path_factory.mktemp("web-data")
    proc, base = start_ui(
        data,
        CLINIC_STAFF_USERNAME="reception",
        CLINIC_STAFF_PASSWORD="s3cret-desk",
        CLINIC_EMBED_ORIGINS=host_site[1],
    )
    try:
        yield base, data
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI installs chromium (.ci/run); /usr/bin/chromium is missing")
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser):
    """A fresh browser context the size of the screen under test: (page, name, width, height)."""
    options = SCREENS[request.param]
    context = browser.new_context(**options)
    page = context.new_page()
    yield page, request.param, options["viewport"]["width"], options["viewport"]["height"]
    context.close()
