"""Text helpers shared by ingest, safety and answering: clean-up and sentence splitting (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def split_sentences(text: str) -> list[str]:
    """A short text's sentences, split after ". ", "! " or "? " (a question, a reply line, a joined step)."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]


def _sentences(paragraph: str) -> list[str]:
    out, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        out.append(paragraph[start : match.end()].strip())
        start = match.end()
    out.append(paragraph[start:].strip())
    return [s for s in out if s]


_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")


def plain(text: str) -> str:
    """A sentence or list item as it is quoted: no list marker, no Markdown emphasis."""
    return _EMPHASIS.sub("", _LIST_ITEM.sub("", text)).strip()


@dataclass(frozen=True)
class Unit:
    """A quotable piece of a passage: a sentence, or a list item, with where it sits.

    ``list_id`` groups the items of one list; a ``leadin`` is the short sentence
    ending with ":" that introduces the list with the same ``list_id``. ``start``
    and ``end`` are character offsets in the passage text.
    """

    text: str
    kind: str  # "sentence", "item" or "leadin"
    index: int
    start: int
    end: int
    list_id: int | None = None
    paragraph: int = 0
    item: int | None = None  # for list items: the index of the item's first unit (an item may run on)


def split_units(text: str) -> list[Unit]:
    """The passage as quotable units, in reading order (pure; the same at ingest and at answer time)."""
    pieces = text_pieces(text)
    spans, cursor = [], 0
    for _, piece in pieces:
        found = text.find(piece, cursor)
        if found < 0:  # text_pieces joined lines of one item: locate its first words instead
            head = piece.split()[0] if piece.split() else piece
            found = max(text.find(head, cursor), cursor)
            end = min(len(text), found + len(piece))
        else:
            end = found + len(piece)
        spans.append((found, end))
        cursor = end
    units: list[Unit] = []
    list_id = -1
    paragraph = 0
    in_list = False
    for i, ((sep, piece), (start, end)) in enumerate(zip(pieces, spans)):
        is_item = bool(_LIST_ITEM.match(piece))
        if sep == "\n\n" and i:
            paragraph += 1
        if is_item:
            if not in_list:
                list_id += 1
                in_list = True
                # the sentence just before a list, ending with ":", introduces it
                if units and units[-1].kind == "sentence" and units[-1].text.endswith(":"):
                    prev = units[-1]
                    units[-1] = Unit(prev.text, "leadin", prev.index, prev.start, prev.end, list_id, prev.paragraph)
            units.append(Unit(plain(piece), "item", i, start, end, list_id, paragraph, item=i))
        else:
            if sep != " ":
                in_list = False
            item_continues = in_list and sep == " " and units and units[-1].kind == "item"
            kind = "item" if item_continues else "sentence"
            units.append(Unit(
                plain(piece), kind, i, start, end, list_id if item_continues else None, paragraph,
                item=units[-1].item if item_continues else None,
            ))
    return units
