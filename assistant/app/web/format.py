"""Turning answers into what the chat shows: escaped Markdown with citation links, and banners.

Nothing from visitors or articles is ever passed on as HTML: text is escaped and
brackets neutralised before the only markup we add (our own citation links).
"""

from __future__ import annotations

import html
import re

from assistant.core.records import Answer
from assistant.app.web.render import safe_url
from assistant.core.settings import Settings

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_CITE = re.compile(r"\\\[(\d{1,2})\\\]")


def escape_markdown(text: str) -> str:
    """Text that Markdown and HTML will both show literally."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def user_markdown(text: str) -> str:
    """A visitor's message, shown as typed."""
    return escape_markdown(text)


def answer_markdown(answer: Answer) -> str:
    """The answer with [n] as links to the cited section, then a numbered sources list."""
    by_n = {c.n: c for c in answer.citations}

    def link(match: re.Match) -> str:
        c = by_n.get(int(match.group(1)))
        url = safe_url(c.url) if c else None
        return f"[\\[{match.group(1)}\\]]({url})" if url else match.group(0)

    body = _CITE.sub(link, escape_markdown(answer.answer))
    if answer.citations:
        items = []
        for c in answer.citations:
            url = safe_url(c.url)
            part = c.section.split(" > ")[-1]
            label = escape_markdown(c.title + (f" — {part}" if part != c.title else ""))
            items.append(f"{c.n}. [{label}]({url})" if url else f"{c.n}. {label}")
        body += "\n\n**Sources**\n\n" + "\n".join(items)
    return body


def banner_html(answer: Answer | None, settings: Settings) -> str:
    """A triage banner: emergency (unmissable, tap to call), urgent, or nothing."""
    if answer is None or answer.triage == "routine":
        return ""
    number = html.escape(settings.emergency_number)
    tel = re.sub(r"[^0-9+]", "", settings.emergency_number)
    if answer.triage == "emergency":
        return (
            '<div class="triage-banner emergency" role="alert" aria-live="assertive">'
            f"<strong>This may be an emergency.</strong> Call {number} now or go to A&amp;E. Do not drive yourself."
            f' <a class="call" href="tel:{tel}">Call {number}</a></div>'
        )
    urgent = html.escape(settings.urgent_service)
    return (
        '<div class="triage-banner urgent" role="alert">'
        f"<strong>Please get checked today.</strong> Contact your GP or {urgent}. "
        f'If it gets worse, call {number}. <a class="call" href="tel:{tel}">Call {number}</a></div>'
    )


def booking_html(settings: Settings) -> str:
    """The call to action under the chat, from settings."""
    parts = []
    url = safe_url(settings.booking_url)
    if url:
        parts.append(f'<a class="book" href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">Book a physio assessment</a>')
    if settings.clinic_phone:
        tel = re.sub(r"[^0-9+]", "", settings.clinic_phone)
        parts.append(f'<a class="phone" href="tel:{tel}">Call {html.escape(settings.clinic_phone)}</a>')
    return f'<div class="cta">{" ".join(parts)}</div>' if parts else ""


NOTICE = (
    "**AI assistant, not a diagnosis.** It answers from {clinic}'s articles and can be wrong. "
    "For advice about your own symptoms, book an assessment. **In an emergency call {number}.**"
)


def notice_markdown(settings: Settings) -> str:
    return NOTICE.format(clinic=escape_markdown(settings.clinic_name), number=escape_markdown(settings.emergency_number))
