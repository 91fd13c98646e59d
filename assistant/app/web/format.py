"""What the web pages add around answers: triage banners, the booking buttons and the notice."""

from __future__ import annotations

import html
import re

from assistant.app.render import escape_markdown, safe_url
from assistant.core.records import Answer
from assistant.core.settings import Settings

def user_markdown(text: str) -> str:
    """A visitor's message, shown as typed."""
    return escape_markdown(text)


def banner_html(answer: Answer | None, settings: Settings) -> str:
    """A triage banner: emergency (unmissable, tap to call), urgent, or nothing."""
    if answer is None or answer.triage == "routine":
        return ""
    number = html.escape(settings.safety.emergency_number)
    tel = re.sub(r"[^0-9+]", "", settings.safety.emergency_number)
    if answer.triage == "emergency":
        return (
            '<div class="triage-banner emergency" role="alert" aria-live="assertive">'
            f"<strong>This may be an emergency.</strong> Call {number} now or go to A&amp;E. Do not drive yourself."
            f' <a class="call" href="tel:{tel}">Call {number}</a></div>'
        )
    urgent = html.escape(settings.safety.urgent_service)
    return (
        '<div class="triage-banner urgent" role="alert">'
        f"<strong>Please get checked today.</strong> Contact your GP or {urgent}. "
        f'If it gets worse, call {number}. <a class="call" href="tel:{tel}">Call {number}</a></div>'
    )


def booking_html(settings: Settings) -> str:
    """The call to action under the chat, from settings."""
    parts = []
    url = safe_url(settings.clinic.booking_url)
    if url:
        parts.append(f'<a class="book" href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">Book an assessment</a>')
    if settings.clinic.phone:
        tel = re.sub(r"[^0-9+]", "", settings.clinic.phone)
        parts.append(
            f'<a class="phone" href="tel:{tel}" aria-label="Call {html.escape(settings.clinic.phone, quote=True)}">'
            f"Call {html.escape(settings.clinic.phone)}</a>"
        )
    return f'<div class="cta">{" ".join(parts)}</div>' if parts else ""


NOTICE = (
    "**AI assistant, not a diagnosis:** it answers from {clinic}'s articles and can be wrong. "
    "**Emergency? Call {number}.**"
)


def notice_markdown(settings: Settings) -> str:
    return NOTICE.format(clinic=escape_markdown(settings.clinic.name), number=escape_markdown(settings.safety.emergency_number))
