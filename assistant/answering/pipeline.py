"""The assistant: a message (and the conversation so far) in, a streamed, checked, cited answer out."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import replace

from assistant.answering.answerers import AnswerCheckError, ExtractiveAnswerer, LLMAnswerer
from assistant.answering.followup import condense
from assistant.answering.response import Response
from assistant.core import prompts
from assistant.core.records import Answer, SearchHit, Turn
from assistant.core.settings import ClinicSettings, SafetySettings
from assistant.safety.privacy import redact
from assistant.safety.screen import screen

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
    """Answers from the clinic's articles; an LLM writes the answer when one is configured."""

    def __init__(
        self,
        retriever,
        *,
        safety: SafetySettings,
        clinic: ClinicSettings,
        extractive: ExtractiveAnswerer,
        llm: LLMAnswerer | None = None,
        chat_model=None,
        semantic=None,
    ):
        self.semantic = semantic  # the semantic red-flag detector (None: patterns only)
        self.retriever = retriever
        self.safety = safety
        self.clinic = clinic
        self.extractive = extractive
        self.llm = llm
        self.chat_model = chat_model

    def ask(self, question: str, history: Iterable[HistoryItem] | None = None) -> Response:
        """The reply to ``question``: iterate it for text as it is written, then read ``.answer``.

        Every message passes the safety screen first (triage, guards, redaction). The
        final Answer is authoritative: if an LLM answer fails its checks after
        streaming, the Answer carries the extractive fallback text instead.
        """
        turns = [Turn(t.role, redact(t.content)) for t in as_turns(history)]
        return Response(lambda: self._reply(question or "", turns))

    def _reply(self, question: str, turns: list[Turn]) -> Generator[str, None, Answer]:
        started = time.perf_counter()
        earlier = [t.content for t in turns if t.role == "user"]
        checked = screen(question, self.safety, earlier, self.semantic)
        q = checked.question
        base = Answer(question=q, answer="", triage=checked.triage.level, policy=checked.policy, answerer=self._name())
        said: list[str] = []

        def say(text: str):
            said.append(text)
            return text

        def finish(answer: Answer) -> Answer:
            log.info(
                "answered triage=%s policy=%s grounded=%s answerer=%s fallback=%s question=%r",
                answer.triage, ",".join(answer.policy), answer.grounded, answer.answerer, answer.fallback, q,
            )
            return replace(answer, latency_ms=(time.perf_counter() - started) * 1000)

        if checked.stops:
            yield say(checked.reply)
            return finish(replace(base, answer=checked.reply, answerer="safety"))
        if not q:
            yield say(prompts.EMPTY_QUESTION)
            return finish(replace(base, answer=prompts.EMPTY_QUESTION))

        prefix = "\n\n".join(checked.prefix)
        if prefix:
            yield say(prefix + "\n\n")
        query = condense(q, turns, self.chat_model)
        result = self.retriever.search(query)
        booking, phone = self.clinic.booking_url, self.clinic.phone
        if not result.hits:
            yield say(prompts.no_source_reply(booking, phone))
            return finish(replace(base, answer="".join(said), search_query=query))

        draft, answerer, fallback = yield from self._draft(q, query, result.hits, turns, checked.no_self_care)
        said.extend(draft.pieces)
        if not draft.text and checked.no_self_care:
            yield say(prompts.closing(booking, phone))
            return finish(replace(base, answer="".join(said), answerer=answerer, fallback=fallback, search_query=query))
        if not draft.text:
            yield say(prompts.no_source_reply(booking, phone))
            return finish(replace(base, answer="".join(said), answerer=answerer, fallback=fallback, search_query=query))
        yield say(f"\n\n{prompts.closing(booking, phone)}")
        return finish(
            replace(
                base, answer="".join(said), citations=draft.citations, grounded=True, answerer=answerer,
                fallback=fallback, search_query=query,
            )
        )

    def _name(self) -> str:
        return self.llm.name if self.llm else self.extractive.name

    def _draft(self, question: str, query: str, hits: Sequence[SearchHit], turns: list[Turn], no_self_care: bool = False):
        """The LLM's checked answer if one is configured, else (or when it fails) the extractive one.

        The LLM answerer shows nothing before its first checked sentence and raises
        before showing anything when it fails, so a fallback never follows LLM text.
        Returns (draft, answerer name, fallback).
        """
        fallback = False
        if self.llm is not None:
            try:
                draft = yield from self.llm.stream(question, hits, turns, no_self_care)
                return draft, self.llm.name, False
            except AnswerCheckError as exc:
                log.info("LLM answer failed its check (%s); using the extractive answer", exc)
            except Exception as exc:  # noqa: BLE001 - a broken model must not break answers
                log.warning("LLM answerer failed (%s: %s); using the extractive answer", type(exc).__name__, exc)
            fallback = True
        draft = yield from self.extractive.stream(query, hits, turns, no_self_care)
        return draft, self.extractive.name, fallback
