"""Redacting visitors' personal details before anything is logged, stored or echoed."""

from __future__ import annotations

import logging
import re

# Order matters: the most specific patterns run first.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    # NHS number: 10 digits, often written 3-3-4
    ("NHS_NUMBER", re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")),
    # UK phone numbers: +44 or 0, then 9-10 more digits with optional spaces, dashes or brackets
    ("PHONE", re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b")),
    (
        "DATE",
        re.compile(
            r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}\b|"
            r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(?:19|20)\d{2}\b|"
            r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b",
            re.IGNORECASE,
        ),
    ),
    # UK postcodes, e.g. SW1A 1AA, M1 1AE, B33 8TH
    ("POSTCODE", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
]


def redact(text: str) -> str:
    """Replace emails, phone numbers, dates (of birth), NHS numbers and postcodes with tags."""
    for label, pattern in _PATTERNS:
        text = pattern.sub(f"[{label}]", text)
    return text


def found(text: str) -> list[str]:
    """Which kinds of personal detail appear in ``text``."""
    return [label for label, pattern in _PATTERNS if pattern.search(text)]


class RedactingFilter(logging.Filter):
    """A logging filter that redacts personal details from every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Redact personal details from everything the given (default: root) logger's handlers emit."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
