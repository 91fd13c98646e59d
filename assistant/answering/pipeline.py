"""The assistant: a message (and the conversation so far) in, a streamed, checked, cited answer out."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from assistant.answering.answerers import AnswerCheckError, ExtractiveAnswerer, LLMAnswerer
from assistant.answering.followup import condense, told, topic
from assistant.answering.intent import asking_part, intents
from assistant.answering.quotes import ASKING_WORDS, HOW_WORDS, terms
from assistant.answering.subjects import about, clinic_region, services, sites, story_subjects, subjects, without_movements
from assistant.answering.response import Response
from assistant.core import prompts
from assistant.core.records import CITATION, Answer, SearchHit, SearchResult, Turn
from assistant.core.settings import ClinicSettings, SafetySettings
from assistant.core.store import StoreError
from assistant.core.text import split_sentences
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
        follow = query != q
        try:
            # a follow-up rewritten without a model is the conversation: its newest question alone has no topic
            result = self.retriever.search(without_movements(query), whole=follow and not self.chat_model)
            part = asking_part(q)
            if not result.hits and not follow and part != " ".join(q.split()) and len(part.split()) >= 4:
                # a long story can drown what is asked below the relevance floor ("Caller is ringing for her mum (in
                # her 80s, lives in Saltash) who doesn't use the internet - what's the number mum should ring?"):
                # the sentences that ask are searched on their own
                result = self.retriever.search(without_movements(part))
        except StoreError:
            if not prefix:
                raise  # nothing to say without the articles: the caller answers 503
            # the safety advice above stands on its own; the articles can wait
            yield say(prompts.UNAVAILABLE.format(contact=f", or call us on {self.clinic.phone}" if self.clinic.phone else ""))
            return finish(replace(base, answer="".join(said), fallback=True, search_query=query))
        booking, phone = self.clinic.booking_url, self.clinic.phone
        # what is asked: the visitor's words, or, when they ask nothing on their own ("and the ones after that?"
        # after a price), the conversation's
        asked = q if not follow or intents(q) else query
        about = topic(turns)
        # without a model, a follow-up is quoted for its topic and its own words; one that names neither a topic nor
        # anything asked ("and the ones after that?") for the whole conversation
        alone = follow and not self.chat_model and (about or asked is q)
        # and for what the visitor last told, when the follow-up leans on it (``told``: "I go swimming, always
        # breaststroke" before "is it ok to keep doing that?")
        focus = " ".join(x for x in (about, told(q, turns), q) if x) if alone else (query if follow else q)
        if alone and result.hits:
            # the conversation chose the articles; the new question chooses what to quote from them
            result = refocus(result, self.retriever.search(focus, floor=-1.0, within=[h.source for h in result.hits]))
        # the subjects of the sentences that ask, when they name any ("do I need an x-ray for whiplash? the other
        # driver's insurance keep asking" is about whiplash, not insurance)
        # a follow-up quoted for its topic asks about what its own words name, else about the conversation's
        # condition: "so should I just stay in bed all week?" after "sciatica from my bum down to my calf" asks
        # about sciatica, not about every body part the story named
        asked_about = subjects(asking_part(q)) if alone else subjects(asking_part(focus))
        wanted = asked_about or story_subjects(focus)
        # the body parts are those of the whole conversation for a follow-up (its "shake hands" does not take it
        # off the elbow)
        message = " ".join([focus, *earlier]) if follow else focus
        # a story's several conditions, each with an article, are each a topic (the one the visitor has, the one they
        # fear): search's order chooses between those articles. What the asking sentences name, body parts, and a
        # condition with no article of its own ("a bunion on her big toe") must all be covered.
        either = (not asked_about and len(wanted) > 1 and not wanted & sites()
                  and all(on_topic(result.hits, frozenset({w}), message) for w in wanted))
        service = subjects(asking_part(q)) & services()
        if intents(asked)[:1] in (("cost",), ("hours",), ("sessions",)):
            # a price or opening-hours question is about the clinic, whatever body part it names
            wanted, message, either = wanted & services(), "", False
            result = self._clinic_pages_first(result, focus)
        elif service:
            # a question that asks about a service ("would I be allowed to come in with him?", after booking a father
            # in for his back or on its own) asks about the clinic: its pages come first, whatever else search found
            wanted, message, either = service, "", False
            result = self._clinic_pages_first(result, q)
        hits = on_topic(result.hits, wanted, message, either)
        if not hits:
            yield say(prompts.no_source_reply(booking, phone))
            return finish(replace(base, answer="".join(said), search_query=query))
        result = replace(result, hits=hits)
        vector = result.query_vector if not follow or not self.chat_model else self._vector(focus)
        vector = self._with_asked(vector, q if not follow else None)
        said_before = already_said(turns, q)
        draft, answerer, fallback = yield from self._draft(q, asked, focus, result, turns, checked.no_self_care, said_before, vector)
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

    def _clinic_pages_first(self, result: SearchResult, query: str) -> SearchResult:
        """The clinic's own pages first for a price or opening-hours question: "how many sessions will I need
        for my knee, and what will the whole thing cost?" finds the knee articles first, but its answer is in
        the FAQ (searched for on its own when the question found none of the clinic's pages). The other articles
        follow: "do I have to pay privately or can my midwife refer me?" is answered by the pregnancy article."""
        region = clinic_region()
        clinic = [h for h in result.hits if h.region.strip().lower() == region]
        if not clinic:
            sources_in = getattr(self.retriever, "sources_in", None)
            pages = sources_in(region) if sources_in is not None else []
            clinic = list(self.retriever.search(query, floor=-1.0, within=pages).hits) if pages else []
        if not clinic:
            return result
        top = max((h.score for h in result.hits), default=0.0)
        rest = [h for h in result.hits if h.source not in {c.source for c in clinic}]
        return replace(result, hits=(*(replace(h, score=max(h.score, top)) for h in clinic), *rest))

    def _with_asked(self, vector, question: str | None):
        """The question's vector, and its asking sentences' when a story comes first: in "I've had pain under my
        heel for a month, the GP said plantar fasciitis. How long does it go on for?" the sentence that answers fits
        the asking, while in "why would my son get kneecap pain? he plays a lot of sport" the story's sport fits the
        list of triggers: a sentence's fit is the mean of the two."""
        if vector is None or not question:
            return vector
        part = asking_part(question)
        if not part.endswith("?") or part == " ".join(question.split()) or len(part.split()) < 3:
            return vector
        extra = self._vector(part)
        return vector if extra is None else np.stack([np.asarray(vector, dtype=float), np.asarray(extra, dtype=float)])

    def _vector(self, text: str):
        embedder = getattr(self.retriever, "embedder", None)
        return embedder.embed_query(text) if embedder is not None else None

    def _name(self) -> str:
        return self.llm.name if self.llm else self.extractive.name

    def _draft(self, question: str, asked: str, focus: str, result, turns: list[Turn], no_self_care: bool, said, vector):
        """The LLM's checked answer if one is configured, else (or when it fails) the extractive one (which
        quotes for ``focus``, the question with its topic, what ``asked`` asks for).

        The LLM answerer shows nothing before its first checked sentence and raises
        before showing anything when it fails, so a fallback never follows LLM text.
        Returns (draft, answerer name, fallback).
        """
        fallback = False
        if self.llm is not None:
            try:
                draft = yield from self.llm.stream(question, result, turns, no_self_care)
                return draft, self.llm.name, False
            except AnswerCheckError as exc:
                log.info("LLM answer failed its check (%s); using the extractive answer", exc)
            except Exception as exc:  # noqa: BLE001 - a broken model must not break answers
                log.warning("LLM answerer failed (%s: %s); using the extractive answer", type(exc).__name__, exc)
            fallback = True
        draft = yield from self.extractive.stream(focus, result, turns, no_self_care, said, vector, asked=asked)
        return draft, self.extractive.name, fallback


def refocus(conversation: SearchResult, focused: SearchResult) -> SearchResult:
    """The conversation's articles in its order, each with the passages ranked for the new question."""
    by_source = {h.source: h for h in focused.hits}
    hits = [
        replace(by_source[h.source], rank=h.rank, relevance=h.relevance, score=h.score)
        for h in conversation.hits if h.source in by_source
    ]
    return replace(focused, query=conversation.query, hits=tuple(hits), best_relevance=conversation.best_relevance)


def on_topic(hits: Sequence[SearchHit], wanted: frozenset[str], message: str = "", either: bool = False) -> tuple[SearchHit, ...]:
    """The hits whose article is about what the question asks (``subjects.about``; ``message`` is all the
    visitor said, story included): all of them when it names nothing. ``either``: about any one of ``wanted``."""
    groups = [frozenset({w}) for w in sorted(wanted)] if either else [wanted]
    return tuple(
        h for h in hits
        for text in [" ".join([h.title, *(p.section + " " + p.text for p in h.passages)])]
        if any(about(h.about, h.region, text, group, message) for group in groups)
    )


def already_said(turns: Sequence[Turn], question: str = "") -> frozenset[str]:
    """The sentences of the assistant's earlier replies: a follow-up gets something new. Those that share a word
    the ``question`` brings up anew (none of the visitor's earlier messages used it) may be quoted again: "should I
    be icing it? how long for each time?" asks about the ice line the first reply gave ("A bag of ice or frozen
    peas ... for up to 15 to 20 minutes"), and the answer is that line."""
    earlier = terms(" ".join(t.content for t in turns if t.role == "user"))
    new = terms(question) - earlier - ASKING_WORDS - HOW_WORDS
    out = set()
    for turn in turns:
        if turn.role == "assistant":
            text = CITATION.sub("", turn.content)
            for line in text.splitlines():
                line = line.strip().removeprefix("- ").strip()
                out.update(s for s in split_sentences(line) if not new & terms(s))
    return frozenset(out)
