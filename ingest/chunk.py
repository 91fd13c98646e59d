"""Heading-aware chunking sized in the embedding model's word pieces (pure functions).

Each section of an article is cut into chunks of whole sentences (or list items)
that fit ``max_tokens`` including the heading line that is embedded with them.
Consecutive chunks of a section share up to ``overlap_tokens`` of sentences.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from assistant.core.records import Article, Chunk, Section, embed_text
from assistant.core.text import Unit, split_units, text_pieces

TokenCounter = Callable[[str], int]
Check = Callable[[], None]

#: A "word" longer than this is cut into pieces of this many characters (the model reads
#: longer words as one unknown token, so nothing is lost and no chunk grows without bound).
LONG_WORD = 100

#: Bump when chunk boundaries change, so stores built the old way are rebuilt.
CHUNKER_VERSION = "6"  # 6: no chunk ends inside a list item or on a list's lead-in (5: a chunk that continues a list keeps the lead-in)



@dataclass(frozen=True)
class ChunkParams:
    """How articles are cut; recorded in the store so mismatches are caught."""

    max_tokens: int = 200
    overlap_tokens: int = 32
    version: str = CHUNKER_VERSION

    def as_metadata(self) -> dict[str, object]:
        return {
            "chunk_tokens": self.max_tokens,
            "chunk_overlap_tokens": self.overlap_tokens,
            "chunker_version": self.version,
        }


def _split_long(unit: str, budget: int, count: TokenCounter, check: Check | None = None) -> list[str]:
    """Cut a unit that alone exceeds the budget into word windows that fit, in one pass.

    Each distinct word is counted once (word pieces never cross spaces), so the cost
    is linear in the unit's length.
    """
    sizes: dict[str, int] = {}
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for index, word in enumerate(_words(unit)):
        if check is not None and index % 4096 == 0:
            check()
        n = sizes.get(word)
        if n is None:
            n = sizes[word] = max(1, count(word))
        if current and used + n > budget:
            pieces.append(" ".join(current))
            current, used = [], 0
        current.append(word)
        used += n
    if current:
        pieces.append(" ".join(current))
    return pieces


def _words(text: str):
    for word in text.split():
        if len(word) <= LONG_WORD:
            yield word
        else:
            yield from (word[i : i + LONG_WORD] for i in range(0, len(word), LONG_WORD))


def chunk_section(
    heading: str, text: str, count: TokenCounter, params: ChunkParams, check: Check | None = None
) -> list[tuple[str, int, str]]:
    """Pack one section's units into (text, tokens, lead-in) chunks under the budget; the lead-in is that of
    a list the chunk starts inside of, when the list's lead-in sentence fell in an earlier chunk, else "".

    ``check`` is called now and then on long sections (a per-file deadline raises from it).
    """
    budget = params.max_tokens - count(heading) - 1
    if budget < 16:
        budget = 16  # absurdly long heading: still make progress
    pieces = text_pieces(text)
    units_of_text = split_units(text)
    if len(units_of_text) != len(pieces):
        units_of_text = []  # the two splits disagree: no list structure is relied on
    leadin_of = _leadins(units_of_text)
    units: list[tuple[str, int, int]] = []  # (separator + sentence, tokens, which piece of the section)
    for index, (sep, unit) in enumerate(pieces):
        if check is not None and index % 256 == 0:
            check()
        # every word is at least one word piece, so a long unit needs no counting to know it is over
        n = count(unit) if len(unit) < 8 * budget or len(unit.split()) <= budget else budget + 1
        if n <= budget:
            units.append((sep + unit, n, index))
        else:
            for i, piece in enumerate(_split_long(unit, budget, count, check)):
                units.append(((sep if i == 0 else " ") + piece, count(piece), index))

    chunks: list[list[tuple[str, int, int]]] = []
    current: list[tuple[str, int, int]] = []
    used = 0
    glued = _glued(units_of_text)
    for atom in _atoms(units, glued, budget):
        n = sum(u[1] + 1 for u in atom) - 1
        if current and used + n + 1 > budget:
            chunks.append(current)
            # carry the last whole items and sentences forward as overlap
            carry: list[tuple[str, int, int]] = []
            carried = 0
            for prev in reversed(_atoms(current, glued, budget)):
                size = sum(u[1] + 1 for u in prev)
                if carried + size > params.overlap_tokens + 1 or carried + size + n > budget:
                    break
                carry[:0] = prev
                carried += size
            current, used = carry, carried
        current.extend(atom)
        used += n + 1
    if current:
        chunks.append(current)
    out = []
    for group in chunks:
        body = _join([u for u, _, _ in group])
        leadin = leadin_of.get(group[0][2])
        if leadin is not None and leadin[0] in {i for _, _, i in group}:
            leadin = None  # the lead-in is in this chunk
        out.append((body, count(embed_text(heading, body)), leadin[1] if leadin else ""))
    return out


def _glued(units: list[Unit]) -> set[int]:
    """The pieces (by index) that stay in the chunk of the piece before them: the rest of a list item after its
    first sentence ("**Adjust your activity.** Reduce running ..."), and a list's first item after its lead-in
    ("Things that help many people:"), so no chunk ends on a bold head or a lead-in whose list it does not hold."""
    glued = {u.index for u in units if u.kind == "item" and u.item is not None and u.item != u.index}
    glued |= {units[i + 1].index for i, u in enumerate(units[:-1]) if u.kind == "leadin" and units[i + 1].kind == "item"}
    return glued


def _atoms(units: list[tuple[str, int, int]], glued: set[int], budget: int) -> list[list[tuple[str, int, int]]]:
    """``units`` in runs that are packed whole: a piece in ``glued`` joins the run before it, unless the run
    would not fit the budget (a run that cannot fit anyway is packed unit by unit, as before)."""
    atoms: list[list[tuple[str, int, int]]] = []
    for unit in units:
        if atoms and unit[2] in glued and unit[2] != atoms[-1][-1][2] \
                and sum(u[1] + 1 for u in atoms[-1]) + unit[1] <= budget:
            atoms[-1].append(unit)
        else:
            atoms.append([unit])
    return atoms


def _leadins(units: list[Unit]) -> dict[int, tuple[int, str]]:
    """For each list item of a section (by piece), the lead-in sentence of its list and where it is:
    "Common signs include:" for every item under it."""
    heads = {u.list_id: (u.index, u.text) for u in units if u.kind == "leadin"}
    return {u.index: heads[u.list_id] for u in units if u.kind == "item" and u.list_id in heads}


def _join(units: list[str]) -> str:
    """Units carry their leading separator; a chunk starts without one."""
    return "".join(units).strip()


def chunk_id(source: str, position: int, text: str) -> str:
    """Deterministic id: source hash, position and text hash."""
    src = hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]
    txt = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    return f"{src}-{position:05d}-{txt}"


def chunk_article(
    article: Article, count: TokenCounter, params: ChunkParams, check: Check | None = None, max_chunks: int | None = None
) -> list[Chunk]:
    """All chunks of an article, numbered in reading order.

    ``check`` is called between steps (a deadline raises from it); ``max_chunks`` stops
    early with ``TooManyChunks`` rather than cutting an article nobody should embed.
    """
    chunks: list[Chunk] = []
    for section in article.sections:
        if check is not None:
            check()
        chunks.extend(_section_chunks(article, section, count, params, len(chunks), check))
        if max_chunks is not None and len(chunks) > max_chunks:
            raise TooManyChunks(len(chunks))
    return chunks


class TooManyChunks(ValueError):
    """An article would make more chunks than allowed (at least ``count``)."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


def _section_chunks(
    article: Article, section: Section, count: TokenCounter, params: ChunkParams, start: int, check: Check | None
) -> list[Chunk]:
    heading = section.label
    out = []
    for offset, (text, tokens, leadin) in enumerate(chunk_section(heading, section.text, count, params, check)):
        position = start + offset
        out.append(
            Chunk(
                id=chunk_id(article.source, position, embed_text(heading, text)),
                source=article.source,
                position=position,
                title=article.title,
                url=article.url,
                section=heading,
                anchor=section.anchor,
                text=text,
                tokens=tokens,
                article_hash=article.content_hash,
                article_meta=stored_metadata(article.metadata) if position == 0 else {},
                name=article.name,
                leadin=leadin,
            )
        )
    return out


def stored_metadata(metadata: dict) -> dict[str, str]:
    """An article's front matter as flat strings the store can keep (tags comma-joined)."""
    out = {}
    for key, value in metadata.items():
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        if value is not None and str(value).strip():
            out[key] = str(value)[:1000]
    return out
