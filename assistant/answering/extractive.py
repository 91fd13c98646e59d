"""The default answerer: a short answer made of whole sentences from the best passages.

No language model: sentences are chosen for relevance to the question, near
duplicates are dropped, and the rest are put back in reading order. Only
sentences that make sense on their own are eligible, so the answer never starts
with "It" pointing at nothing, a cut-off fragment or a "click here".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.safety.policy import looks_like_injection
from assistant.core.records import Passage, SearchHit
from assistant.core.text import text_units

_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Openers that lean on the sentence before.
_DEPENDENT_START = re.compile(
    r"^(?:it|its|this|that|these|those|they|them|their|he|she|his|her|there|here|but|and|or|so|also|"
    r"then|however|instead|otherwise|meanwhile|similarly|likewise|again|too|such|both|another|other|"
    r"for example|for instance|in this|in that|as a result|as well|even so|which|what's more|"
    r"the same|on the other hand|in other words|that's|it's|they're|there's|here's|"
    # exercise steps that only make sense after the step before
    r"repeat|hold|do this|do these|try this|keep going|continue|then|next|finally|lower|relax|switch|swap|"
    r"slowly return|return to)\b",
    re.IGNORECASE,
)
# Calls to action and page furniture that only make sense on the web page.
_PAGE_TALK = re.compile(
    r"click|http|www\.|\bbelow\b|\babove\b|this article|this post|this page|video|read more|"
    r"book an assessment with us|get in touch with us|subscribe|sign up|share this",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being do does did "
    "i me my you your we our us it its this that these those he she they them what which who whom why how "
    "when where can could should would will shall may might must have has had not no so than too very just "
    "about into over under again there here any some all more most much many get got".split()
)


#: Self-care instructions: what an answer leaves out when the visitor should be checked first.
_SELF_CARE = re.compile(
    r"^(?:try|do|keep|stand|sit|lie|walk|bend|lift|stretch|hold|repeat|place|put|use|apply|start|gradually|slowly|"
    r"squeeze|push|pull|raise|lower|rest|ice|strengthen|move|roll|step|rock|march|tighten|clench|slide|reach|turn|"
    r"rotate|straighten|cross|pick|jog|run|cycle|swim|return|aim|build|increase|practi[sc]e|foam|massage|tape|wear|"
    r"go for|get up|carry on|continue|avoid|work)\b"
    r"|\b(?:exercis\w*|stretch\w*|strengthen\w*|squats?|lunges?|bridges?|heel raises?|calf raises?|weight[- ]bearing|"
    r"(?:put|bear|take) (?:\w+ )?weight|walk(?:ing)? on it|reps\b|repetitions|sets of|times a day|hold for|load\w*|"
    r"return to (?:sport|running|training|work)|gradually (?:build|increase)|foam roll\w*|massage ball)",
    re.IGNORECASE,
)


def is_self_care(sentence: str) -> bool:
    """True for an exercise, stretching, loading or weight-bearing instruction."""
    text = _EMPHASIS.sub("", _LIST_MARKER.sub("", sentence)).strip()
    return bool(_SELF_CARE.search(text))


@dataclass(frozen=True)
class Pick:
    """A sentence chosen for an answer, with the passage it came from."""

    sentence: str
    passage: Passage
    article_rank: int
    position: tuple[int, int]  # (passage order in article, sentence index)
    score: float


def standalone(sentence: str) -> str | None:
    """The sentence cleaned for quoting, or None when it cannot stand on its own."""
    s = _EMPHASIS.sub("", _LIST_MARKER.sub("", sentence)).strip()
    words = s.split()
    if not (6 <= len(words) <= 45):
        return None
    if not (s[0].isupper() or s[0].isdigit()) or s[-1] not in ".!":
        return None  # fragments, list stubs, questions and lead-ins ending with ':'
    if s.count("(") != s.count(")") or s.count('"') % 2:
        return None
    if _DEPENDENT_START.match(s) or _PAGE_TALK.search(s) or looks_like_injection(s):
        return None
    return s


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> set[str]:
    """Stemmed content words."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1]
    return set(_stemmer().stemWords(words))


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def candidates(
    question: str, hits: Sequence[SearchHit], max_articles: int = 3, max_passages: int = 3, no_self_care: bool = False
) -> list[Pick]:
    """Every quotable sentence of the best passages, scored for the question."""
    q_terms = terms(question)
    top = hits[0].score if hits else 0.0
    picks: list[Pick] = []
    for rank, hit in enumerate(hits[:max_articles]):
        if rank and hit.score < 0.6 * top:
            break  # far behind the best article: off the point
        for p_index, passage in enumerate(hit.passages[:max_passages]):
            topic = terms(f"{passage.title} {passage.section}")
            for s_index, unit in enumerate(text_units(passage.text)):
                sentence = standalone(unit)
                if sentence is None or (no_self_care and is_self_care(sentence)):
                    continue
                s_terms = terms(sentence)
                matched = len(q_terms & s_terms) / len(q_terms) if q_terms else 0.0
                on_topic = 1.0 if (q_terms & topic) or (q_terms & s_terms) else 0.0
                score = (
                    0.45 * passage.score
                    + 0.35 * matched
                    + 0.10 * on_topic
                    + 0.10 / (1 + s_index)
                    - 0.05 * rank
                )
                picks.append(Pick(sentence, passage, rank, (p_index, s_index), score))
    return picks


def choose(picks: Sequence[Pick], max_sentences: int = 4, max_words: int = 110, min_score: float = 0.2) -> list[Pick]:
    """Best sentences first, skipping near-duplicates; returned in reading order."""
    chosen: list[Pick] = []
    chosen_terms: list[set[str]] = []
    words = 0
    for pick in sorted(picks, key=lambda p: p.score, reverse=True):
        if len(chosen) >= max_sentences:
            break
        if pick.score < min_score and len(chosen) >= 2:
            break
        t = terms(pick.sentence)
        if any(_overlap(t, other) > 0.5 for other in chosen_terms):
            continue
        n = len(pick.sentence.split())
        if chosen and words + n > max_words:
            continue
        chosen.append(pick)
        chosen_terms.append(t)
        words += n
    return sorted(chosen, key=lambda p: (p.article_rank, p.position))


def extract(question: str, hits: Sequence[SearchHit], max_sentences: int = 4, no_self_care: bool = False) -> list[Pick]:
    """The sentences of the default answer, in the order they should be read."""
    return choose(candidates(question, hits, no_self_care=no_self_care), max_sentences=max_sentences)
