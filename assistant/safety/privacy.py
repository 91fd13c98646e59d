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


_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b", re.IGNORECASE)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts personal details, and IP addresses, from every record.

    The message (with its arguments), the exception text and the stack are each
    redacted, so nothing a visitor typed reaches a log file in the clear.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _IP.sub("[IP]", redact(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
