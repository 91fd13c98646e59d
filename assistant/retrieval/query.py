"""Reading a long message before searching it: its subject line, its questions, the story around them.

A visitor's message is often a subject line, some background and one or more
questions ("Ankle injury. I hurt my ankle five months ago ... Can you suggest how to
overcome the pain?"). Search embeds the whole message and, for a message of
``MIN_WORDS`` words or more, also its subject and each question on their own, so they
weigh more than the story (pure functions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Messages shorter than this are searched as they are.
MIN_WORDS = 8
#: At most this many questions of one message are searched on their own.
MAX_QUESTIONS = 4
#: A subject line is at most this many words.
SUBJECT_WORDS = 10

# A sentence ends at . ! ? (not inside "ClinicalTrials.gov" or "3.5") or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+|(?<=\?)(?=\S)")
_ASKING_START = re.compile(
    r"^(?:so\s+|and\s+|but\s+|also\s+|please\s+|hi\W+|hello\W+)*"
    r"(?:what|whats|what's|how|why|when|where|which|who|whom|whose|can|could|would|will|should|shall|"
    r"is|are|was|were|do|does|did|am|have|has|may|might|any|tell|let me know|suggest|advise|help)\b",
    re.IGNORECASE,
)
_ASKING_INSIDE = re.compile(
    r"\b(?:i (?:would|'d|want to|wanted to|need to) (?:like to )?know|i(?:'m| am) wondering|i was wondering|"
    r"is there (?:any|a)|are there any|can you|could you|please (?:tell|help|advise|suggest|let)|"
    r"any (?:advice|suggestions?|help|ideas?)|what (?:can|should) (?:i|we)|how (?:can|do|should) (?:i|we))\b",
    re.IGNORECASE,
)
# Words that begin the body of a message whose subject line was run into it without a full stop
# ("Absence seizures Does any damage occur ...", "Anal fissure I may have ...").
_BODY_STARTS = frozenset(
    "i i'm im i've ive my we our hi hello dear does do did is are was can could would will should how "
    "what why when where which who please thank thanks".split()
)
_GREETING = re.compile(r"^(?:hi|hello|hey|dear)\b", re.IGNORECASE)


@dataclass(frozen=True)
class QueryPlan:
    """What is searched for one message: the message, its subject line and its questions."""

    message: str
    subject: str | None = None
    questions: tuple[str, ...] = ()

    @property
    def texts(self) -> list[str]:
        """Every text to embed, the message first, without repeats."""
        return list(dict.fromkeys([self.message, *([self.subject] if self.subject else []), *self.questions]))


def sentences(text: str) -> list[str]:
    """The message cut at sentence ends and line breaks."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def is_question(sentence: str) -> bool:
    """A sentence that asks something: ends with "?", opens like a question or a request."""
    s = sentence.strip()
    return s.endswith("?") or bool(_ASKING_START.match(s)) or bool(_ASKING_INSIDE.search(s))


def subject_line(text: str, parts: list[str] | None = None) -> str | None:
    """The message's subject: a short first line or sentence, or the words before the body starts."""
    parts = parts if parts is not None else sentences(text)
    if len(parts) < 2 and len(text.split()) <= SUBJECT_WORDS:
        return None
    first = parts[0] if parts else text
    words = first.split()
    if len(parts) >= 2 and len(words) <= SUBJECT_WORDS and not _GREETING.match(first):
        return first.rstrip(".:!-– ").strip() or None
    # a subject run into the body: "Absence seizures Does any damage occur"
    for i in range(1, min(len(words), SUBJECT_WORDS + 1)):
        word = words[i].strip(",.:;!")
        previous = words[i - 1]
        if previous.endswith(","):
            return _subject_words(words[:i])
        if word.lower() in _BODY_STARTS and (words[i][0].isupper() or word.lower() in ("hi", "hello", "dear")):
            return _subject_words(words[:i])
    return None


def _subject_words(words: list[str]) -> str | None:
    text = " ".join(words).strip(" ,.:;-–")
    if not text or _GREETING.match(text):
        return None
    return text


def plan(message: str) -> QueryPlan:
    """The subject and questions of a long message; a short one is searched as it is."""
    text = message.strip()
    if len(text.split()) < MIN_WORDS:
        return QueryPlan(text)
    parts = sentences(text)
    subject = subject_line(text, parts)
    questions = []
    for part in parts:
        if subject and part.rstrip(".:!-– ").strip() == subject:
            continue
        if len(part.split()) >= 3 and is_question(part) and part != text:
            questions.append(part)
    return QueryPlan(text, subject, tuple(dict.fromkeys(questions))[:MAX_QUESTIONS])
