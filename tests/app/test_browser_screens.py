"""What a visitor and a receptionist see, on a 390x844 phone and a 1366x768 laptop, in Debian chromium.

Each test saves screenshots to test-artifacts/ (named after the test and the screen).
"""

from __future__ import annotations

import re
import sqlite3
import time
import urllib.parse

import pytest
from browsing import ANSWER_TIMEOUT, SCREENS, SHOTS, ask, in_view, open_chat

pytestmark = [pytest.mark.model, pytest.mark.browser]


def shot(page, name: str, screen_name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}-{screen_name}.png"))


def last_reply(scope):
    return scope.locator("#chat .bot").last


def wait_cited(scope) -> None:
    """Until a reply carries a link to an article."""
    scope.locator("#chat a[href*='/articles/']").first.wait_for(timeout=ANSWER_TIMEOUT)


def test_the_widget_opens_with_the_question_box_in_view(app, host_site, screen):
    page, name, width, height = screen
    base = app[0]
    folder, origin = host_site
    (folder / "shop.html").write_text(
        "<!doctype html><html><head><meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Clinic</title></head><body><h1>Riverside Physiotherapy</h1>"
        + "<p>Opening hours and prices.</p>" * 40
        + f'<script src="{base}/widget.js" data-greeting="Hi! Ask me about aches and pains." defer></script>'
        "</body></html>",
        encoding="utf-8",
    )
    page.goto(origin + "/shop.html", wait_until="domcontentloaded")
    page.locator("#clinic-assistant-button").click()
    frame = page.frame_locator("#clinic-assistant-frame")
    box = frame.locator("#question textarea")
    box.wait_for(timeout=30_000)
    frame.locator("#greeting").wait_for(timeout=15_000)
    time.sleep(0.5)  # let the panel's layout settle
    shot(page, "widget-open", name)
    assert in_view(box, height, width), f"the question box is not in view when the panel opens on {name}"
    assert in_view(frame.locator("#send"), height, width)
    # the starter questions are there, but never push the box away
    assert frame.get_by_text("Why does my piriformis hurt?").count() == 1

    box.fill("why does my heel hurt in the morning?")
    box.press("Enter")
    wait_cited(frame)
    time.sleep(0.5)
    shot(page, "widget-answer", name)
    for action in ("#cta a.book", "#cta a.phone", "#question textarea"):
        assert in_view(frame.locator(action), height, width), f"{action} is out of view after an answer on {name}"


def test_book_and_call_stay_in_view_after_every_answer(app, screen):
    page, name, width, height = screen
    open_chat(page, app[0] + "/")
    for n, question in enumerate(
        ("why does my piriformis hurt?", "how long does a sprained ankle take to heal?", "do I need a GP referral?"), 1
    ):
        links = page.locator("#chat a[href*='/articles/']").count()
        ask(page, question)
        page.wait_for_function(
            f"document.querySelectorAll(\"#chat a[href*='/articles/']\").length > {links}", timeout=ANSWER_TIMEOUT
        )
        time.sleep(0.5)
        assert page.evaluate("window.scrollY") == 0 and page.evaluate(
            "document.scrollingElement.scrollHeight <= window.innerHeight + 1"
        ), f"the page itself scrolls on {name}: the actions could fall below the fold"
        for action in ("#cta a.book", "#cta a.phone", "#question textarea", "#send"):
            assert in_view(page.locator(action), height, width), f"{action} out of view after answer {n} on {name}"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width + 1
    shot(page, "chat-after-three-answers", name)


def test_the_on_screen_keyboard_does_not_hide_the_box(app, browser):
    """A phone keyboard takes about 45% of the screen; with interactive-widget=resizes-content the page shrinks."""
    context = browser.new_context(**SCREENS["phone"])
    page = context.new_page()
    open_chat(page, app[0] + "/")
    ask(page, "why does my piriformis hurt?")
    wait_cited(page)
    page.locator("#question textarea").focus()
    page.set_viewport_size({"width": 390, "height": 464})  # the keyboard is up
    time.sleep(0.5)
    shot(page, "keyboard-open", "phone")
    assert in_view(page.locator("#question textarea"), 464, 390) and in_view(page.locator("#send"), 464, 390)
    assert "interactive-widget=resizes-content" in page.locator("meta[name=viewport]").first.get_attribute("content")
    context.close()


def test_a_citation_opens_the_article_at_the_cited_section(app, screen):
    page, name, width, height = screen
    base = app[0]
    open_chat(page, base + "/")
    ask(page, "how long does a sprained ankle take to heal?")
    wait_cited(page)
    link = page.locator("#chat a[href*='/articles/']").first
    href = link.get_attribute("href")
    assert re.fullmatch(r"/articles/[a-z0-9-]+#[a-z0-9-]+", href), href
    with page.context.expect_page() as opened:
        link.click()
    article = opened.value
    article.wait_for_load_state("domcontentloaded")
    assert urllib.parse.urlparse(article.url).path == href.split("#")[0]
    anchor = href.split("#", 1)[1]
    target = article.locator(f"section[id='{anchor}']")
    assert target.count() == 1
    time.sleep(0.3)
    shot(article, "article-view", name)
    assert in_view(target.locator("h2"), height), "the cited section is not scrolled into view"
    highlight = target.evaluate("e => getComputedStyle(e).backgroundColor")
    assert highlight not in ("rgba(0, 0, 0, 0)", "transparent"), "the cited section is not highlighted"
    other = article.locator("section").nth(0)
    if other.get_attribute("id") != anchor:
        assert other.evaluate("e => getComputedStyle(e).backgroundColor") in ("rgba(0, 0, 0, 0)", "transparent")
    assert article.locator("h1").inner_text().strip() and "not a diagnosis" in article.locator(".notice").inner_text()
    assert article.evaluate("document.scrollingElement.scrollWidth") <= width + 1
    missing = page.request.get(base + "/articles/no-such-article")
    assert missing.status == 404 and "not here" in missing.text()


def login(page, base: str) -> None:
    page.goto(base + "/staff/", wait_until="domcontentloaded")
    page.get_by_label("username").fill("reception")
    page.get_by_label("password").fill("s3cret-desk")
    page.get_by_role("button", name="Login").click()
    page.locator("#staff-question textarea").wait_for(timeout=30_000)


def test_the_staff_console_renders_sources_and_whole_sentences(app, screen):
    page, name, width, height = screen
    base = app[0]
    login(page, base)
    page.locator("#staff-question textarea").fill("what should I wear to my appointment?")
    page.locator("#staff-ask").click()
    page.wait_for_function(
        "document.querySelector('#staff-reply textarea') && "
        "document.querySelector('#staff-reply textarea').value.includes('Sources:')",
        timeout=ANSWER_TIMEOUT,
    )
    sources = page.locator("#staff-sources")
    sources.locator("a").first.wait_for(timeout=10_000)
    shot(page, "staff-answer", name)
    text = sources.inner_text()
    assert "**" not in text and "\\" not in text, text
    hrefs = [a.get_attribute("href") for a in sources.locator("a").all()]
    assert hrefs and all(h.startswith("/articles/") and "%5C" not in h and "\\" not in h for h in hrefs), hrefs
    status = page.request.get(base + hrefs[0].split("#")[0]).status
    assert status == 200
    for link in sources.locator("a").all():  # each title once per source
        title = link.inner_text().split(" — ")[0]
        assert text.count(title) == 1, (title, text)
    assert in_view(page.locator("#staff-ask"), height, width)

    tabs = page.get_by_role("tab")
    names = [t.inner_text().strip() for t in tabs.all() if t.is_visible()]
    assert names == ["Answer", "Search", "FAQ", "Gaps", "Escalations"], f"tabs in view on {name}: {names}"
    page.get_by_role("tab", name="Search").click()
    page.locator("#staff-search textarea, #staff-search input").first.fill("piriformis")
    page.locator("#staff-search-go").click()
    results = page.locator("#staff-results")
    results.locator("a").first.wait_for(timeout=ANSWER_TIMEOUT)
    shot(page, "staff-search", name)
    button, first = page.locator("#staff-search-go").bounding_box(), results.bounding_box()
    assert button["y"] < first["y"], "the Search button sits below the results"
    passages = [q.inner_text().strip() for q in results.locator("blockquote").all()]
    assert passages, results.inner_text()
    for passage in passages:
        last = passage.splitlines()[-1].strip()
        assert re.search(r"[.!?:)](\s*…)?$", last), f"cut mid-sentence: {passage[-80:]!r}"
    for heading in results.locator("a").all():
        label = heading.inner_text()
        title = label.split(" — ")[0]
        assert label.count(title) == 1, f"title repeated in the section path: {label!r}"


def answers_recorded(data) -> int:
    """Answers the app has stored (read-only: the test never creates the app's database)."""
    path = data / "conversations.sqlite3"
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        try:
            return db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet
            return 0


def test_content_gaps_are_grouped_by_meaningful_topics(app, screen):
    page, name, width, height = screen
    base = app[0]
    visitor = page.context.new_page()
    open_chat(visitor, base + "/")
    for question in ("do you sell wedding dresses?", "do you treat horses with sore backs?"):
        before = answers_recorded(app[1])
        ask(visitor, question)
        deadline = time.monotonic() + ANSWER_TIMEOUT / 1000
        while answers_recorded(app[1]) == before:
            assert time.monotonic() < deadline, f"no answer to {question!r}"
            time.sleep(0.3)
    visitor.locator("#chat button[aria-label='Dislike']").last.click()  # answered or not, now it is a gap
    time.sleep(1)
    visitor.close()
    login(page, base)
    tab = page.get_by_role("tab", name="Gaps")
    assert tab.is_visible(), "the Gaps tab is hidden behind the tab bar's overflow menu"
    tab.click()
    gaps = page.locator("#staff-gaps")
    page.get_by_role("button", name="Refresh").locator("visible=true").first.click()
    gaps.get_by_text("horses").first.wait_for(timeout=15_000)
    assert "wedding dresses" in gaps.inner_text()
    time.sleep(0.5)
    shot(page, "staff-gaps", name)
    topics = [t.inner_text().strip() for t in gaps.locator("strong").all()]
    assert topics, gaps.inner_text()
    for topic in topics:  # an article's title, a subject the articles name, or plainly "not near any article"
        assert topic == "Not near any article" or re.fullmatch(r"Near “.+”|[A-Z][\w ,'&():?!-]+", topic), topic
    assert not {"wed", "hors", "ring"} & {t.lower() for t in topics}, f"word stems as topics: {topics}"
    for block in gaps.locator("strong").all():  # a topic is never broken mid-word
        assert block.evaluate("e => e.scrollWidth <= e.parentElement.clientWidth + 1"), block.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width + 1


def test_docs_work_with_no_internet(app, screen):
    """Every request that leaves the machine is refused; Swagger UI still draws the API."""
    page, name, _, _ = screen
    base = app[0]
    outside = []

    def only_local(route):
        host = urllib.parse.urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(base + "/docs", wait_until="domcontentloaded")
    page.locator(".swagger-ui .information-container .title").wait_for(timeout=30_000)
    assert "assistant API" in page.locator(".swagger-ui .information-container .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/search").first.wait_for(timeout=10_000)
    assert outside == []
    shot(page, "api-docs", name)
