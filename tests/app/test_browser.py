"""The web app in a real browser: Debian chromium driven by Playwright, the app started by `python ui.py`
(fixtures in tests/browser_fixtures.py). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import sqlite3
import time
import urllib.request

import pytest
from browsing import ANSWER_TIMEOUT, SHOTS, ask, open_chat

pytestmark = [pytest.mark.model, pytest.mark.browser]


def test_visitor_asks_the_piriformis_question_and_gets_a_cited_answer(app, page):
    open_chat(page, app[0] + "/")
    ask(page, "why does my piriformis hurt?")
    link = page.locator("#chat a[href*='/articles/']").first
    link.wait_for(timeout=ANSWER_TIMEOUT)
    href = link.get_attribute("href")
    assert href.startswith("/articles/")  # the bundled articles have no public page: the app's own view
    assert "glutes-and-lower-back-pain" in href or "piriformis-syndrome" in href
    assert page.locator("#chat").inner_text().count("Sources") >= 1
    assert page.locator("#cta a.book").get_attribute("href") == "https://clinic.example/book"
    assert "not a diagnosis" in page.locator("#notice").inner_text()
    page.screenshot(path=str(SHOTS / "visitor-answer.png"), full_page=True)


def test_emergency_message_shows_the_banner_and_number(app, page):
    open_chat(page, app[0] + "/")
    ask(page, "my back hurts and I can't feel it when I wipe", press_enter=False)
    banner = page.locator("#triage-banner .emergency")
    banner.wait_for(timeout=ANSWER_TIMEOUT)
    assert "Call 999" in banner.inner_text()
    assert page.locator("#triage-banner a[href='tel:999']").count() == 1
    assert page.locator("#chat a[href*='/articles/']").count() == 0
    page.screenshot(path=str(SHOTS / "visitor-emergency.png"), full_page=True)


def test_html_in_a_question_renders_as_text(app, page):
    open_chat(page, app[0] + "/")
    ask(page, "<img src=x onerror=alert(1)> <b>bold</b> heel pain?")
    page.locator("#chat a[href*='/articles/']").first.wait_for(timeout=ANSWER_TIMEOUT)
    chat = page.locator("#chat")
    assert "<img src=x onerror=alert(1)>" in chat.inner_text()
    assert chat.locator("img").count() == 0 and chat.locator("b", has_text="bold").count() == 0
    assert page.dialogs == []


def test_the_page_works_on_a_small_phone(app, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    open_chat(page, app[0] + "/")
    ask(page, "what should I wear to my appointment?", press_enter=False)
    page.locator("#chat a[href*='/articles/clinic-faq']").first.wait_for(timeout=ANSWER_TIMEOUT)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 362, f"page is {width}px wide on a 360px screen"
    assert page.locator("#send").is_visible()
    page.screenshot(path=str(SHOTS / "visitor-360x740.png"), full_page=True)
    context.close()


def test_a_starter_question_can_be_tapped(app, page):
    open_chat(page, app[0] + "/")
    page.get_by_text("What helps heel pain in the morning?").click()
    page.locator("#chat a[href*='/articles/plantar-heel-pain']").first.wait_for(timeout=ANSWER_TIMEOUT)


def test_keyboard_only(app, page):
    open_chat(page, app[0] + "/")
    page.locator("#question textarea").focus()
    page.keyboard.type("pain on the outside of my knee when running")
    page.keyboard.press("Enter")
    page.locator("#chat a[href*='/articles/']").first.wait_for(timeout=ANSWER_TIMEOUT)


def test_thumbs_down_is_stored_for_the_content_gaps(app, page):
    base, data = app
    open_chat(page, base + "/")
    ask(page, "do you treat horses with sore backs?")
    page.wait_for_function(
        "document.querySelector('#chat') && document.querySelector('#chat').innerText.includes('01632')",
        timeout=ANSWER_TIMEOUT,
    )
    page.locator("#chat button[aria-label='Dislike']").last.click()
    deadline = time.monotonic() + 20
    db = data / "conversations.sqlite3"
    while True:
        with sqlite3.connect(db) as con:
            rows = con.execute(
                "SELECT m.question, f.value FROM feedback f JOIN messages m ON m.id = f.message_id"
            ).fetchall()
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert ("do you treat horses with sore backs?", -1) in rows


def test_widget_opens_from_a_plain_host_page(app, host_site, page):
    base = app[0]
    folder, origin = host_site
    (folder / "index.html").write_text(
        "<!doctype html><html><head><title>Clinic home</title></head><body><h1>Riverside Physiotherapy</h1>"
        f'<script src="{base}/widget.js" data-color="#224488" data-greeting="Hello from the clinic!" '
        'data-position="left" data-lang="en" defer></script></body></html>',
        encoding="utf-8",
    )
    page.goto(origin + "/index.html", wait_until="domcontentloaded")
    button = page.locator("#clinic-assistant-button")
    button.wait_for(timeout=15_000)
    assert button.get_attribute("aria-label") == "Ask our physio assistant"
    button.click()
    frame_el = page.locator("#clinic-assistant-frame")
    frame_el.wait_for(timeout=15_000)
    assert frame_el.get_attribute("src").startswith(base + "/widget/")
    frame = page.frame_locator("#clinic-assistant-frame")
    frame.locator("#question textarea").wait_for(timeout=30_000)
    frame.locator("#greeting", has_text="Hello from the clinic!").wait_for(timeout=15_000)
    frame.locator("#question textarea").fill("why does my heel hurt in the morning?")
    frame.locator("#question textarea").press("Enter")
    frame.locator("#chat a[href*='/articles/plantar-heel-pain']").first.wait_for(timeout=ANSWER_TIMEOUT)
    page.screenshot(path=str(SHOTS / "widget-on-host-page.png"))
    page.keyboard.press("Escape")
    frame_el.wait_for(state="hidden", timeout=5_000)


def test_widget_may_only_be_framed_by_allowed_origins(app, host_site):
    with urllib.request.urlopen(app[0] + "/widget/") as response:
        csp = response.headers["Content-Security-Policy"]
    assert csp == f"frame-ancestors 'self' {host_site[1]}"
    with urllib.request.urlopen(app[0] + "/") as response:
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    with urllib.request.urlopen(app[0] + "/widget.js") as response:
        script = response.read().decode()
    assert "s3cret" not in script and "reception" not in script


def test_staff_console_needs_a_login(app, browser):
    base = app[0]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base + "/staff/config")
    assert err.value.code == 401
    page.goto(base + "/staff/", wait_until="domcontentloaded")
    page.get_by_label("username").wait_for(timeout=30_000)
    assert page.locator("#staff-question").count() == 0
    page.screenshot(path=str(SHOTS / "staff-login.png"))
    page.get_by_label("username").fill("reception")
    page.get_by_label("password").fill("wrong")
    page.get_by_role("button", name="Login").click()
    page.wait_for_timeout(1500)
    assert page.locator("#staff-question").count() == 0

    page.get_by_label("username").fill("reception")
    page.get_by_label("password").fill("s3cret-desk")
    page.get_by_role("button", name="Login").click()
    page.locator("#staff-question textarea").wait_for(timeout=30_000)
    page.locator("#staff-question textarea").fill("do I need a GP referral?")
    page.locator("#staff-ask").click()
    reply = page.locator("#staff-reply textarea")
    page.wait_for_function(
        "document.querySelector('#staff-reply textarea') && document.querySelector('#staff-reply textarea').value.includes('Sources:')",
        timeout=ANSWER_TIMEOUT,
    )
    assert "clinic-faq.md" in reply.input_value()  # no public page: the source is named for the receptionist
    assert "clinic-faq" in page.locator("#staff-sources").inner_text() or "Clinic FAQ" in page.locator(
        "#staff-sources"
    ).inner_text()
    page.get_by_role("tab", name="Escalations").click()
    page.locator("#staff-escalations").wait_for(timeout=10_000)
    page.get_by_role("tab", name="Gaps").click()
    page.screenshot(path=str(SHOTS / "staff-console.png"), full_page=True)
    context.close()
