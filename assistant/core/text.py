"""Text helpers shared by ingest, safety and answering: clean-up and sentence splitting (pure functions)."""

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


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]*_]*(?=\s+[\"'“‘(\[*_]*[A-Z0-9])")
def text_pieces(text: str) -> list[tuple[str, str]]:
    """Sentences (list items count as their own) with the separator that goes before each.

    The separator is "\n\n" for a new paragraph, "\n" for a new list item and " "
    inside a paragraph or item, so chunks keep the article's line structure.
    """
    pieces: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        groups: list[list[str]] = [[]]
        if any(_LIST_ITEM.match(ln) for ln in lines):
            for ln in lines:  # each item, with its continuation lines
                if _LIST_ITEM.match(ln) and groups[-1]:
                    groups.append([])
                groups[-1].append(ln)
        else:
            groups = [lines]
        for g_index, group in enumerate(groups):
            for s_index, sentence in enumerate(_sentences(" ".join(group))):
                if s_index:
                    sep = " "
                elif g_index:
                    sep = "\n"
                else:
                    sep = "\n\n"
                pieces.append((sep, sentence))
    return pieces


def text_units(text: str) -> list[str]:
    """Split section text into sentences and list items, in order."""
    return [sentence for _, sentence in text_pieces(text)]


def _sentences(paragraph: str) -> list[str]:
    out, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        out.append(paragraph[start : match.end()].strip())
        start = match.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if s]
