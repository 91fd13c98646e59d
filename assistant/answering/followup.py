"""Turning a follow-up ("what exercises help with that?") into a question search can use."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.core import prompts
from assistant.core.records import Turn

_REFERRING = re.compile(
    r"\b(it|its|that|this|those|these|them|they|there|same|above|mentioned|one)\b", re.IGNORECASE
)


def is_follow_up(question: str) -> bool:
    """True when the question leans on what came before (pronouns, or very short)."""
    words = re.findall(r"[\w']+", question)
    return bool(_REFERRING.search(question)) or len(words) <= 3


def last_user_question(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return turn.content.strip()
    return None


def condense(question: str, history: Sequence[Turn], chat_model=None) -> str:
    """A standalone search query for ``question`` given the conversation so far.

    With a chat model, the model rewrites it; otherwise (or if the model fails)
    the previous question is put in front of a follow-up.
    """
    previous = last_user_question(history)
    if previous is None or not is_follow_up(question):
        return question
    if chat_model is not None:
        try:
            return _condense_with_model(question, history, chat_model)
        except Exception:  # noqa: BLE001 - any model failure falls back to the rule
            pass
    return f"{previous} {question}"


def _condense_with_model(question: str, history: Sequence[Turn], chat_model) -> str:
    from langchain_core.messages import HumanMessage

    transcript = "\n".join(f"{t.role}: {t.content}" for t in list(history)[-6:])
    reply = chat_model.invoke([HumanMessage(prompts.CONDENSE_PROMPT.format(history=transcript, question=question))])
    text = (reply.content if isinstance(reply.content, str) else "").strip().strip('"').splitlines()
    rewritten = text[0].strip() if text else ""
    if not rewritten or len(rewritten) > 300:
        raise ValueError("unusable rewrite")
    return rewritten
