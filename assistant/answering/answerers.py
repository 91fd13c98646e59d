"""Answerers and the checks every answer passes.

``ExtractiveAnswerer`` (default, no model) quotes whole sentences; ``LLMAnswerer``
asks a LangChain chat model to write from numbered sources. Either way the text is
checked: citations must point at supplied sources, and an LLM answer that fails a
check is replaced by the extractive one (the Answer records the fallback).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.core import prompts
from assistant.answering.extractive import Pick, extract
from assistant.safety.policy import strip_instructions
from assistant.safety.privacy import redact
from assistant.core.records import Citation, Passage, SearchHit, Turn

_CITE = re.compile(r"\s?\[(\d{1,2})\]")
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
        passage=strip_instructions(passage.text),
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


def draft_from_picks(picks: Sequence[Pick]) -> Draft:
    """Sentences joined with the [n] of their passage; passages numbered by first use."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts = []
    for pick in picks:
        key = pick.passage.chunk_id
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(citation_for(numbers[key], pick.passage))
        parts.append(f"{pick.sentence} [{numbers[key]}]")
    return Draft(" ".join(parts), tuple(citations))


def check_citations(text: str, sources: Sequence[Citation]) -> Draft:
    """Drop [n] that point at nothing; keep only cited sources, renumbered in order of use.

    Raises AnswerCheckError when no valid citation is left or a dose appears.
    """
    text = _CITE_GROUP.sub(lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text)
    by_n = {c.n: c for c in sources}
    order: dict[int, int] = {}

    def renumber(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in by_n:
            return ""
        order.setdefault(n, len(order) + 1)
        return f" [{order[n]}]"

    cleaned = _CITE.sub(renumber, text).strip()
    cleaned = re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", cleaned)
    if not order:
        raise AnswerCheckError("no valid citation")
    if _DOSE.search(cleaned):
        raise AnswerCheckError("mentions a dose")
    citations = tuple(
        Citation(new, by_n[old].title, by_n[old].url, by_n[old].section, by_n[old].source, by_n[old].passage)
        for old, new in sorted(order.items(), key=lambda kv: kv[1])
    )
    return Draft(cleaned, citations)


class ExtractiveAnswerer:
    """Quotes the most relevant whole sentences, each with its source number."""

    name = "extractive"

    def __init__(self, max_sentences: int = 4):
        self.max_sentences = max_sentences

    def draft(self, question: str, hits: Sequence[SearchHit], history: Sequence[Turn] = ()) -> Draft:
        picks = extract(question, hits, self.max_sentences)
        if not picks:  # nothing quotable: fall back to the best passage's first sentences
            return Draft("", ())
        return draft_from_picks(picks)

    def stream(self, question: str, hits: Sequence[SearchHit], history: Sequence[Turn] = ()) -> Iterator[str | Draft]:
        draft = self.draft(question, hits, history)
        sentences = re.split(r"(?<=\])\s+", draft.text) if draft.text else []
        for i, sentence in enumerate(sentences):
            yield sentence if i == 0 else " " + sentence
        yield draft


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

    def stream(self, question: str, hits: Sequence[SearchHit], history: Sequence[Turn] = ()) -> Iterator[str | Draft]:
        """Text deltas as the model writes, then the checked Draft (AnswerCheckError if it fails)."""
        sources = numbered_sources(hits, self.max_sources)
        parts: list[str] = []
        for chunk in self.chat_model.stream(self.messages(question, sources, history)):
            delta = chunk.content if isinstance(chunk.content, str) else ""
            if delta:
                parts.append(delta)
                yield delta
        yield check_citations(redact("".join(parts)), sources)

    def draft(self, question: str, hits: Sequence[SearchHit], history: Sequence[Turn] = ()) -> Draft:
        sources = numbered_sources(hits, self.max_sources)
        reply = self.chat_model.invoke(self.messages(question, sources, history))
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        return check_citations(redact(text), sources)
