"""Text clean-up shared by every loader: pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidi control characters that hide text or change its direction.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# C0/C1 control characters other than tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BULLETS = re.compile(r"^[ \t]*[•●▪◦‣∙·][ \t]*", re.MULTILINE)
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise_text(text: str) -> str:
    """Unicode NFC, no invisible or control characters, plain spaces, Unix newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    return text


def clean_body(text: str) -> str:
    """Normalise a document body and turn bullet characters into Markdown list items."""
    text = normalise_text(text)
    text = _BULLETS.sub("- ", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def squash_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space."""
    return " ".join(text.split())
