"""Answerers and the checks every answer passes.

``ExtractiveAnswerer`` (default, no model) quotes whole sentences; ``LLMAnswerer``
asks a LangChain chat model to write from numbered sources. Either way the text is
checked: citations must point at supplied sources, and an LLM answer that fails a
check is replaced by the extractive one (the Answer records the fallback).
"""

from __future__ import annotations

import re
import logging
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.core import prompts
from assistant.answering.extractive import Block, is_self_care, plan
from assistant.safety.policy import strip_instructions
from assistant.safety.privacy import redact
from assistant.core.records import CITATION, Citation, Passage, SearchHit, SearchResult, Turn

log = logging.getLogger(__name__)
#: A cited passage without its instructing sentences: the same chunks are cited again and again, so it is remembered
#: (article text only).
_without_instructions = lru_cache(maxsize=4096)(strip_instructions)
_CITE = re.compile(r"\s?" + CITATION.pattern)
_CITE_GROUP = re.compile(r"\[(\d{1,2}(?:\s*,\s*\d{1,2})+)\]")
# Doses and prescriptions the assistant must never give.
_DOSE = re.compile(
    r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|micrograms?|milligrams?|ml|millilitres?|g)\b|"
    r"\b(?:take|taking)\s+\d+\s+(?:tablets?|pills?|capsules?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Draft:
    """An answer's body (without the closing pointer) and its citations."""

    text: str
    citations: tuple[Citation, ...]
    pieces: tuple[str, ...] = ()  # how the text streams; joined, they are ``text``


class AnswerCheckError(ValueError):
    """An LLM answer failed a check; the message says which."""


def citation_for(n: int, passage: Passage) -> Citation:
    """A numbered citation; sentences that try to instruct the assistant are left out."""
    return Citation(
        n=n,
        title=passage.title,
        url=passage.link,
        section=passage.section,
        source=passage.source,
        passage=_without_instructions(passage.text),
        name=passage.name,
        anchor=passage.anchor,
    )


def numbered_sources(hits: Sequence[SearchHit], max_sources: int = 5) -> list[Citation]:
    """The passages offered to a model, numbered from 1: each article's best, then runners-up."""
    passages: list[Passage] = [h.passage for h in hits]
    for h in hits:
        passages.extend(p for p in h.passages[1:2])
    seen, out = set(), []
    for p in passages:
        if p.chunk_id not in seen:
            seen.add(p.chunk_id)
            out.append(p)
    return [citation_for(i, p) for i, p in enumerate(out[:max_sources], start=1)]


def draft_from_blocks(blocks: Sequence[Block]) -> Draft:
    """The blocks as one reply: one [n] per run of blocks from the same article section, sources numbered by first use."""
    numbers: dict[tuple[str, str | None], int] = {}
    citations: list[Citation] = []
    pieces: list[str] = []
    for i, block in enumerate(blocks):
        key = (block.passage.source, block.passage.anchor)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(citation_for(numbers[key], block.passage))
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        run_ends = nxt is None or (nxt.passage.source, nxt.passage.anchor) != key or nxt.is_list or block.is_list
        text = block.text() + (f" [{numbers[key]}]" if run_ends else "")
        if not pieces:
            sep = ""
        elif block.is_list or blocks[i - 1].is_list:
            sep = "\n\n"
        else:
            sep = " "
        pieces.append(sep + text)
    return Draft("".join(pieces), tuple(citations), tuple(pieces))


class CitationCheck:
    """Checks an LLM answer sentence by sentence against the sources it was given.

    Citations that point at nothing are removed; the rest are renumbered in order
    of first use. A sentence that mentions a dose fails the check.
    """

    def __init__(self, sources: Sequence[Citation]):
        self.by_n = {c.n: c for c in sources}
        self.order: dict[int, int] = {}

    def sentence(self, text: str) -> str:
        """The sentence with valid, renumbered citations (AnswerCheckError on a dose)."""
        text = _CITE_GROUP.sub(lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text)

        def renumber(match: re.Match) -> str:
            n = int(match.group(1))
            if n not in self.by_n:
                return ""
            self.order.setdefault(n, len(self.order) + 1)
            return f" [{self.order[n]}]"

        cleaned = _CITE.sub(renumber, text)
        cleaned = re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", cleaned)
        if _DOSE.search(cleaned):
            raise AnswerCheckError("mentions a dose")
        return cleaned

    @property
    def cited(self) -> bool:
        return bool(self.order)

    def citations(self) -> tuple[Citation, ...]:
        by_n = self.by_n
        return tuple(
            replace(by_n[old], n=new)
            for old, new in sorted(self.order.items(), key=lambda kv: kv[1])
        )


def check_citations(text: str, sources: Sequence[Citation]) -> Draft:
    """A whole answer checked at once (AnswerCheckError when no valid citation is left or a dose appears)."""
    check = CitationCheck(sources)
    cleaned = check.sentence(text).strip()
    if not check.cited:
        raise AnswerCheckError("no valid citation")
    return Draft(cleaned, check.citations(), (cleaned,))


#: The end of a sentence in streamed text: . ! or ? (then any citations), then space before more text.
_SENTENCE_BREAK = re.compile(r"[.!?](?:\s*\[\d{1,2}(?:\s*,\s*\d{1,2})*\])*(?=\s+\S)")


def checked_sentences(deltas: Iterator[str], check: CitationCheck) -> Iterator[str]:
    """Sentences of streamed text, each passed through the check as soon as it is complete."""
    buffer = ""
    for delta in deltas:
        buffer += delta
        while (match := _SENTENCE_BREAK.search(buffer)) is not None:
            sentence, buffer = buffer[: match.end()], buffer[match.end():]
            yield check.sentence(redact(sentence))
    if buffer.strip():
        yield check.sentence(redact(buffer))


class ExtractiveAnswerer:
    """Quotes the article's own sentences and lists that answer the question, each run cited once."""

    name = "extractive"

    def __init__(self, max_sentences: int = 4, weights: Mapping[str, float] | None = None, fit=None):
        self.max_sentences = max_sentences
        self.weights = weights  # how a unit's score is made from its features (None: extractive.WEIGHTS)
        self.fit = fit

    def stream(
        self, question: str, result: SearchResult, history: Sequence[Turn] = (), no_self_care: bool = False,
        said: frozenset[str] = frozenset(), query_vector=None, asked: str | None = None,
    ) -> Generator[str, None, Draft]:
        """Each block as it is chosen, then the Draft (empty when nothing is quotable).

        ``asked``: the visitor's own words, when ``question`` is a follow-up rewritten with its topic.
        """
        vector = query_vector if query_vector is not None else result.query_vector
        blocks = plan(question, result.hits, vector, self.max_sentences, said=said, no_self_care=no_self_care, asked=asked,
                      weights=self.weights, fit=self.fit)
        draft = draft_from_blocks(blocks)
        for piece in draft.pieces:
            yield piece
        return draft


class LLMAnswerer:
    """Writes an answer with a LangChain chat model from numbered, delimited sources."""

    def __init__(self, chat_model, name: str, clinic_name: str, max_sources: int = 5, max_history: int = 4):
        self.chat_model = chat_model
        self.name = name
        self.clinic_name = clinic_name
        self.max_sources = max_sources
        self.max_history = max_history

    def messages(self, question: str, sources: Sequence[Citation], history: Sequence[Turn] = ()):
        """System prompt, recent turns, then the sources and the question as data."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        blocks = "\n".join(
            prompts.SOURCE_TEMPLATE.format(
                n=c.n,
                title=prompts.escape_source_text(c.title).replace('"', "'"),
                section=prompts.escape_source_text(c.section).replace('"', "'"),
                text=prompts.escape_source_text(c.passage),
            )
            for c in sources
        )
        out = [SystemMessage(prompts.SYSTEM_PROMPT.format(clinic_name=self.clinic_name))]
        for turn in list(history)[-self.max_history :]:
            out.append(HumanMessage(turn.content) if turn.role == "user" else AIMessage(turn.content))
        out.append(
            HumanMessage(
                prompts.QUESTION_TEMPLATE.format(
                    sources=f"{prompts.SOURCES_HEADER}\n{blocks}", question=prompts.escape_source_text(question)
                )
            )
        )
        return out

    def stream(
        self, question: str, result: SearchResult, history: Sequence[Turn] = (), no_self_care: bool = False,
        said: frozenset[str] = frozenset(), query_vector=None,
    ) -> Generator[str, None, Draft]:
        """Checked sentences as the model writes them, then the Draft.

        Nothing is streamed until a sentence with a valid citation has arrived, and
        every sentence is checked before it is shown, so text that a check would
        replace never reaches the visitor. Before anything is shown, a failure raises
        (AnswerCheckError, or the model's own error) and the caller falls back; after
        that, the answer ends with the last sentence that passed.
        """
        sources = numbered_sources(result.hits, self.max_sources)
        check = CitationCheck(sources)
        held: list[str] = []
        shown: list[str] = []
        deltas = (
            chunk.content
            for chunk in self.chat_model.stream(self.messages(question, sources, history))
            if isinstance(chunk.content, str) and chunk.content
        )
        try:
            for sentence in checked_sentences(deltas, check):
                if no_self_care and is_self_care(CITATION.sub("", sentence)):
                    continue  # the visitor should be checked first: no exercise or loading advice
                held.append(sentence)
                if check.cited:
                    for piece in held:
                        piece = piece.lstrip() if not shown else piece
                        shown.append(piece)
                        yield piece
                    held = []
        except Exception:
            if not shown:
                raise
            log.warning("the LLM answer stopped early; keeping the %d checked sentences shown", len(shown))
        if not shown:
            raise AnswerCheckError("no valid citation")
        text = "".join(shown)
        return Draft(text, check.citations(), tuple(shown))
