"""What the default answerer may quote, and the words it matches on: pure functions over article text.

A sentence is quotable when it stands on its own ("It ..." pointing at nothing, "click below", an exercise
step that follows another step are not); a list item when it is not page furniture. ``terms`` and ``pairs``
are the stemmed content words and adjacent word pairs a question and a sentence share (with the articles'
words for visitors' ones). A ``Block`` is a piece of an answer: a sentence, or a list with its lead-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.core.records import Passage
from assistant.core.text import Unit, plain, split_sentences, split_units
from assistant.core.words import with_synonyms
from assistant.safety.policy import looks_like_injection

#: Whether an article's sentence tries to instruct the assistant: the same few thousand sentences are checked each time
#: they are scored, so the answer is remembered (only article text comes here; a visitor's words are never kept).
instructs = lru_cache(maxsize=16384)(looks_like_injection)


@lru_cache(maxsize=4096)
def passage_units(text: str) -> tuple[Unit, ...]:
    """A passage's units: the same chunks come back question after question, so they are split once (article text)."""
    return tuple(split_units(text))

_WORD = re.compile(r"[a-z0-9£]+(?:'[a-z]+)?")
# Openers that lean on the sentence before.
DEPENDENT_START = re.compile(
    # "It is worth seeing ...", "It is normal for sciatica to ..." point at nothing: "it" is only the grammar's
    r"^(?:it(?!(?:'s|’s| is) (?:\w+ )?(?:worth \w+ing|(?:normal|common|important|best|safe|fine|ok|okay|helpful|sensible|"
    r"possible|usual|a good idea|better|wise|reasonable|natural|unusual|uncommon|rare) (?:to|for)\b))|"
    r"its|this|that|these|those|they|them|their|he|she|his|her|there|here|but|and|or|so|also|"
    r"then|however|instead|otherwise|meanwhile|similarly|likewise|again|too|such|both|"
    r"for example|for instance|for (?:this|that|these|those) reasons?|because of (?:this|that)|(?:some |common |other |typical )?examples (?:include|are|of this)|in this|in that|as a result|as well|even so|which|what's more|"
    r"the same|in the same (?:position|way|place)|on the other hand|in other words|that's|they're|there's|here's|"
    # exercise steps that only make sense after the step before
    r"repeat|hold(?! an? )|do this|do these|try this|keep going|continue(?= (?:for|until|like|in|doing|this|these|with)\b|\W*$)|then|next|finally|lower|relax|switch|swap|"
    r"slowly return|return to)\b",
    re.IGNORECASE,
)
# Calls to action and page furniture that only make sense on the web page.
PAGE_TALK = re.compile(
    r"\bclick\b|http|www\.|this article|"
    # "the pain guide above", "see below"; not "just below the knee"
    r"\b(?:guide|list|links?|video|table|form|button|steps|exercises|advice|tips|information|section|details|instructions|as) "
    r"(?:shown |listed |given |described )?(?:above|below)\b|\b(?:see|shown|listed|described|outlined|mentioned|given) (?:\w+ )?(?:above|below)\b|"
    r"\b(?:above|below)\s*:|this post|this page|\bvideo\b|read more|"
    r"book an assessment with us|get in touch with us|subscribe|sign up|share this",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being do does did "
    "i me my you your we our us it its this that these those he she they them what which who whom why how "
    "when where can could should would will shall may might must have has had not no so than too very just "
    "about into over under again there here any some all more most much many get got im ive caller asks "
    "wants know please thanks hi hello dont doesnt didnt isnt arent wasnt cant wont thats whats id youre "
    "theyre weve shes hes".split()
)


def _content(words: list[str]) -> list[str]:
    """Words that say what a text is about: not stopwords, whether written "it's" or "its"."""
    return [w for w in words if w.replace("'", "") not in _STOPWORDS and len(w) > 1]


#: How an instruction starts ("Kneel with someone holding your ankles.").
STEP_START = (
    r"^(?:try|do|keep|stand|sit|lie|walk|bend|lift|stretch|hold|repeat|place|put|use|apply|start|gradually|slowly|"
    r"squeeze|push|pull|raise|lower|rest|ice|strengthen|move|roll|step|rock|march|tighten|clench|slide|reach|turn|"
    r"rotate|straighten|cross|pick|jog|run|cycle|swim|return|aim|build|increase|practi[sc]e|foam|massage|tape|wear|"
    r"go for|get up|carry on|continue|avoid|work|kneel|lean|press|draw|hug|tilt|nod|tuck|point|gently|keeping|make it|"
    r"rise|progress|scrunch|trace|bring|add)\b"
)
STEP = re.compile(STEP_START, re.IGNORECASE)
#: Self-care instructions: what an answer leaves out when the visitor should be checked first.
_SELF_CARE = re.compile(
    STEP_START +
    r"|\b(?:exercis\w*|stretch\w*|strengthen\w*|squats?|lunges?|bridges?|heel raises?|calf raises?|weight[- ]bearing|"
    r"(?:put|bear|take) (?:\w+ )?weight|walk(?:ing)? on it|reps\b|repetitions|sets of|times a day|hold for|load\w*|"
    r"return to (?:sport|running|training|work)|gradually (?:build|increase)|foam roll\w*|massage ball)",
    re.IGNORECASE,
)


def is_self_care(text: str) -> bool:
    """True for an exercise, stretching, loading or weight-bearing instruction, in any sentence of ``text``
    (a step quoted with the sentence after it: "Clamshells build the hip. Repeat ten times on each side.")."""
    return any(_SELF_CARE.search(part) for part in split_sentences(plain(text)))


#: Words inside a sentence that point at the sentence before ("Scan findings like these ...", "If pain is higher
#: than this ...", "one of those nerve roots"): quoted alone, they point at nothing.
POINTS_BACK = re.compile(r"\b(?:than (?:this|that)|like (?:these|those)|(?:of|from) (?:these|those)|these (?:findings|changes|signs|steps)|"
                         # "You may also hear it called non-specific neck pain": "it" is the sentence before's subject
                         r"(?:hear|see|find) (?:it|this|them) (?:called|described|referred to|named)|(?:it|this) is (?:also )?(?:called|known as))\b",
                          re.IGNORECASE)


def standalone(sentence: str, leaning: bool = False) -> str | None:
    """The sentence cleaned for quoting, or None when it cannot stand on its own (``leaning``: its opener may lean
    on what comes before, as "These aches ..." does on the list it follows)."""
    s = plain(sentence)
    words = s.split()
    if not (5 <= len(words) <= 45):
        return None
    if not (s[0].isupper() or s[0].isdigit()) or s[-1] not in ".!":
        return None  # fragments, questions and lead-ins ending with ':'
    if s.count("(") != s.count(")") or s.count('"') % 2:
        return None
    if (not leaning and DEPENDENT_START.match(s)) or POINTS_BACK.search(s) or PAGE_TALK.search(s) or instructs(s):
        return None
    return s


def cut_item(text: str, units) -> int | None:
    """The list item a chunk boundary cut after its bold head ("- **Adjust your activity.**" ends the chunk, its
    sentence starts the next): alone it says nothing, so it is not quoted. Its item number (or index), else None."""
    last = units[-1] if units else None
    if last is None or last.kind != "item" or not text.rstrip().endswith("**"):
        return None
    return item_key(last)


def item_key(unit) -> int:
    """Which list item a unit belongs to (an item's sentences share it)."""
    return unit.item if unit.item is not None else unit.index


def item_ok(text: str) -> bool:
    """A list item is quotable (with its lead-in) unless it is page furniture or an instruction to us."""
    return 2 <= len(text.split()) <= 60 and not PAGE_TALK.search(text) and not instructs(text)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=4096)
def pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent stemmed content words: a phrase the question and a unit share ("painful arc")."""
    words = _content(_WORD.findall(text.lower()))
    stems = _stemmer().stemWords(words)
    return frozenset(zip(stems, stems[1:]))


@lru_cache(maxsize=16384)
def terms(text: str) -> frozenset[str]:
    """Stemmed content words, with the articles' words for visitors' ones ("my doctor" also says "GP")."""
    words = _content(_WORD.findall(with_synonyms(text).lower()))
    return frozenset(_stemmer().stemWords(words))


#: Words that ask rather than name what is asked about ("any tips?", "how long each time?").
ASKING_WORDS = terms("advice tips help best good things side way ideas anything something recommend suggest ok okay fine")
#: ... and that ask how long or how often.
HOW_WORDS = terms("how long time times often each every")
#: ... and that ask for a judgement, not what it is about ("could that be making it worse?").
JUDGING_WORDS = terms("make makes making worse better good bad idea safe right wrong harm harmful")


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True)
class Block:
    """A piece of the answer: one sentence, or a list quoted with its lead-in, from one passage."""

    lines: tuple[str, ...]  # a sentence is one line; a list is the lead-in (if any) and its items
    passage: Passage
    article_rank: int
    position: tuple[int, int]  # (passage order in its article, unit index): reading order
    score: float
    is_list: bool = False
    after: str | None = None  # the sentence after a list that speaks of its items ("These aches usually ease ...")
    headed: bool = False  # a list's first line introduces it though it does not end with ":" (the sentence before it)

    @property
    def words(self) -> int:
        return sum(len(line.split()) for line in self.lines) + len((self.after or "").split())

    @property
    def head(self) -> int:
        """How many of a list's lines introduce it (0 or 1)."""
        return 1 if self.headed or self.lines[0].endswith(":") else 0

    def text(self) -> str:
        if not self.is_list:
            return self.lines[0]
        head = self.head
        listed = "\n".join([*self.lines[:head], *(f"- {line}" for line in self.lines[head:] if not line.endswith(":"))])
        return f"{listed}\n\n{self.after}" if self.after else listed
