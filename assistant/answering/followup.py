"""Follow-ups ("what exercises help with that?", "when can I play again?") turned into questions search can use.

A message is a follow-up when it leans on what came before: a pronoun with
nothing to point at, a very short message, or a question about no body part or
condition at all after messages that were about one. Without an LLM the visitor's
last two messages are put in front of the new question, so search finds the
article the whole story is about ("the outside of my knee ... every run" is
runner's knee, where "knee" alone is kneecap pain); the pipeline then ranks that
article's passages for the *new* question. With an LLM the model rewrites it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.intent import asks
from assistant.answering.subjects import mentioned_terms, sites, subjects
from assistant.core import prompts
from assistant.core.records import Turn

_REFERRING = re.compile(
    r"\b(it|its|that|this|those|these|them|they|there|same|above|mentioned|one|then)\b", re.IGNORECASE
)


def topic(history: Sequence[Turn]) -> str:
    """The subject words of the most recent visitor message that had any, and the conditions named before it
    ("" when none did): "the knee went up to 4 out of 10" after "osteoarthritis in my right knee" is still about
    osteoarthritis."""
    recent: list[str] = []
    conditions: list[str] = []
    for turn in reversed(history):
        if turn.role != "user":
            continue
        words = mentioned_terms(turn.content)
        if not recent:
            recent = words
        else:
            conditions += [w for w in words if subjects(w) - sites()]
    return " ".join(dict.fromkeys([*recent, *conditions]))


def is_follow_up(question: str, history: Sequence[Turn] = ()) -> bool:
    """True when the question leans on what came before."""
    words = re.findall(r"[\w']+", question)
    if _REFERRING.search(question):
        return True
    if subjects(question):
        return False  # it names its own subject
    return len(words) <= 4 or (bool(history) and bool(topic(history)))


_POINTS_AT_TOLD = re.compile(r"\b(?:that|those|these|them)\b", re.IGNORECASE)


def told(question: str, history: Sequence[Turn]) -> str:
    """What the visitor last told, when a follow-up leans on it: their last message, when it tells rather than
    asks and either the question points at it ("I go swimming three times a week, always breaststroke" before
    "is it ok to keep doing that?") or it names no body part or condition, so it is not the topic but what is
    happening now ("Planning to go back to playing next week." before "should I wear anything on it when I go
    back?"). "" otherwise: "it" is the condition, and a question asked has had its answer."""
    last = last_user_question(history)
    if not last or asks(last):
        return ""
    return last if _POINTS_AT_TOLD.search(question) or not mentioned_terms(last) else ""


def last_user_question(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return turn.content.strip()
    return None


def condense(question: str, history: Sequence[Turn], chat_model=None) -> str:
    """A standalone search query for ``question`` given the conversation so far.

    With a chat model, the model rewrites it; otherwise (or if the model fails)
    the visitor's last two messages go in front of a follow-up.
    """
    previous = last_user_question(history)
    if previous is None or not is_follow_up(question, history):
        return question
    if chat_model is not None:
        try:
            return _condense_with_model(question, history, chat_model)
        except Exception:  # noqa: BLE001 - any model failure falls back to the rule
            pass
    earlier = [t.content.strip() for t in history if t.role == "user" and t.content.strip()][-2:]
    return " ".join([*earlier, question])


def _condense_with_model(question: str, history: Sequence[Turn], chat_model) -> str:
    from langchain_core.messages import HumanMessage

    transcript = "\n".join(f"{t.role}: {t.content}" for t in list(history)[-6:])
    reply = chat_model.invoke([HumanMessage(prompts.CONDENSE_PROMPT.format(history=transcript, question=question))])
    text = (reply.content if isinstance(reply.content, str) else "").strip().strip('"').splitlines()
    rewritten = text[0].strip() if text else ""
    if not rewritten or len(rewritten) > 300:
        raise ValueError("unusable rewrite")
    return rewritten
