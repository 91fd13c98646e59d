"""The assistant: question (and history) in, checked and cited Answer out."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from assistant.core import prompts
from assistant.answering.answerers import AnswerCheckError, Draft, ExtractiveAnswerer, LLMAnswerer
from assistant.answering.followup import condense
from assistant.safety.privacy import redact
from assistant.core.records import Answer, SearchHit, Turn
from assistant.safety.screen import screen
from assistant.core.settings import Settings

log = logging.getLogger(__name__)

HistoryItem = Turn | Mapping[str, str] | Sequence[str]


def as_turns(history: Iterable[HistoryItem] | None) -> list[Turn]:
    """Accept Turn records, {"role", "content"} dicts or (role, content) pairs."""
    turns = []
    for item in history or ():
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, Mapping):
            turns.append(Turn(str(item.get("role", "user")), str(item.get("content", ""))))
        else:
            role, content = item
            turns.append(Turn(str(role), str(content)))
    return [t for t in turns if t.role in ("user", "assistant")]


class Assistant:
    """Answers questions from the clinic's articles, with an LLM when one is configured."""

    def __init__(self, settings: Settings, retriever, chat_model=None):
        self.settings = settings
        self.retriever = retriever
        self.chat_model = chat_model
        self.extractive = ExtractiveAnswerer(settings.answer_max_sentences)
        self.llm = (
            LLMAnswerer(chat_model, name=settings.answerer, clinic_name=settings.clinic_name)
            if chat_model is not None
            else None
        )

    def ask(self, question: str, history: Iterable[HistoryItem] | None = None) -> Answer:
        """The complete answer to ``question``."""
        answer = None
        for item in self.ask_stream(question, history):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def ask_stream(self, question: str, history: Iterable[HistoryItem] | None = None) -> Iterator[str | Answer]:
        """Text deltas as the answer is written, then the final Answer.

        Every message passes the safety screen first (triage, guards, redaction).
        The final Answer is authoritative: if an LLM answer fails its checks after
        streaming, the Answer carries the extractive fallback text instead.
        """
        started = time.perf_counter()
        turns = [Turn(t.role, redact(t.content)) for t in as_turns(history)]
        checked = screen(question or "", self.settings)
        q = checked.question
        base = Answer(question=q, answer="", triage=checked.triage.level, policy=checked.policy, answerer=self._name())

        def finish(answer: Answer) -> Answer:
            log.info(
                "answered triage=%s policy=%s grounded=%s answerer=%s fallback=%s question=%r",
                answer.triage, ",".join(answer.policy), answer.grounded, answer.answerer, answer.fallback, q,
            )
            return replace(answer, latency_ms=(time.perf_counter() - started) * 1000)

        if checked.stops:
            yield checked.reply
            yield finish(replace(base, answer=checked.reply, answerer="safety"))
            return
        if not q:
            yield prompts.EMPTY_QUESTION
            yield finish(replace(base, answer=prompts.EMPTY_QUESTION))
            return

        prefix = "\n\n".join(checked.prefix)
        if prefix:
            yield prefix + "\n\n"
        query = condense(q, turns, self.chat_model)
        result = self.retriever.search(query)
        lead = f"{prefix}\n\n" if prefix else ""
        if not result.hits:
            text = prompts.no_source_reply(self.settings.booking_url, self.settings.clinic_phone)
            yield text
            yield finish(replace(base, answer=lead + text, search_query=query))
            return

        draft, answerer, fallback = yield from self._draft(q, query, result.hits, turns)
        if not draft.text:
            text = prompts.no_source_reply(self.settings.booking_url, self.settings.clinic_phone)
            yield text
            yield finish(replace(base, answer=lead + text, answerer=answerer, fallback=fallback, search_query=query))
            return
        closing = prompts.closing(self.settings.booking_url, self.settings.clinic_phone)
        yield f"\n\n{closing}"
        yield finish(
            replace(
                base,
                answer=f"{lead}{draft.text}\n\n{closing}",
                citations=draft.citations,
                grounded=True,
                answerer=answerer,
                fallback=fallback,
                search_query=query,
            )
        )

    def _name(self) -> str:
        return self.llm.name if self.llm else self.extractive.name

    def _draft(self, question: str, query: str, hits: Sequence[SearchHit], turns: list[Turn]):
        """Run the LLM answerer if configured, else or on failure the extractive one."""
        fallback = False
        streamed = False
        if self.llm is not None:
            try:
                draft = None
                for item in self.llm.stream(question, hits, turns):
                    if isinstance(item, Draft):
                        draft = item
                    else:
                        streamed = True
                        yield item
                if draft is not None:
                    return draft, self.llm.name, False
            except AnswerCheckError as exc:
                log.info("LLM answer failed its check (%s); using the extractive answer", exc)
            except Exception as exc:  # noqa: BLE001 - a broken model must not break answers
                log.warning("LLM answerer failed (%s: %s); using the extractive answer", type(exc).__name__, exc)
            fallback = True
        draft = None
        for item in self.extractive.stream(query, hits, turns):
            if isinstance(item, Draft):
                draft = item
            elif not streamed:
                yield item
        return draft, self.extractive.name, fallback
