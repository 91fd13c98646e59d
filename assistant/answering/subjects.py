"""What a question is about (body parts, conditions, services), and whether an article covers it.

The vocabulary lives in ``data/subjects.yaml``. Pure functions: ``subjects(text)``
names the groups a text mentions; ``covers(text, groups)`` says whether an
article's text mentions every one of them (or a synonym).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

SUBJECTS = Path(__file__).with_name("data") / "subjects.yaml"


@lru_cache(maxsize=1)
def _vocabulary() -> dict:
    return yaml.safe_load(SUBJECTS.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _groups() -> dict[str, re.Pattern[str]]:
    data = _vocabulary()["groups"]
    out = {}
    for name, terms in data.items():
        # a term written "re:..." is a pattern ("re:bottom(?! of)": the buttock, not the bottom of the foot)
        words = sorted((str(t)[3:] if str(t).startswith("re:") else re.escape(str(t).lower()) for t in terms), key=len, reverse=True)
        out[name] = re.compile(r"(?<![\w'])(?:" + "|".join(words) + r")(?:'s)?(?![\w'])")  # "my neck's stiff"
    return out


@lru_cache(maxsize=1)
def services() -> frozenset[str]:
    """The groups that are the clinic's own services and admin (home visits, insurance, parking ...)."""
    return frozenset(_vocabulary().get("services", ()))


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


@lru_cache(maxsize=1)
def _asides() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in _vocabulary().get("asides", ())) or r"(?!x)x")


@lru_cache(maxsize=4096)
def _subject_text(text: str) -> str:
    """``text`` as subjects are looked for in it: plain, without its asides: a hand that holds something ("he holds
    it in his right hand", "a walking stick, held in the hand opposite the sore leg" are not about hands), the
    visitor's own class ("my pilates class does a stretch ..." is not about the clinic's classes)."""
    return _asides().sub(" ", _plain(text))


@lru_cache(maxsize=1024)
def subjects(text: str) -> frozenset[str]:
    """The subject groups ``text`` mentions."""
    plain = _subject_text(text)
    return frozenset(name for name, pattern in _groups().items() if pattern.search(plain))


def covers(text: str, wanted: frozenset[str] | set[str]) -> bool:
    """True when ``text`` mentions every wanted subject (by any of its group's terms)."""
    plain = _subject_text(text)
    groups = _groups()
    return all(groups[name].search(plain) for name in wanted if name in groups)


def clinic_region() -> str:
    """The front-matter region of the clinic's own pages (prices, opening hours, booking)."""
    return str(_vocabulary().get("clinic_region", "clinic"))


@lru_cache(maxsize=1)
def sites() -> frozenset[str]:
    """The groups that are body parts: an article is about one only when its front matter says so."""
    return frozenset(_vocabulary().get("sites", ()))


def story_subjects(text: str) -> frozenset[str]:
    """The subjects of a message whose asking sentences name none: a condition outranks a body part, and either
    outranks a service met on the way ("my pilates teacher has me doing leg lifts for my outer hip", "a bump in a
    supermarket car park")."""
    found = named_subjects(text) or subjects(text)
    found = (found - services()) or found
    # a condition named in the story outranks the places it is felt: "sciatica ... shoots down into my calf. How
    # long does it go on for?" asks about sciatica, whose article need not say "calf"
    return (found - sites()) or found


@lru_cache(maxsize=1)
def _exercise_names() -> re.Pattern[str]:
    words = "|".join(re.escape(str(w)) for w in _vocabulary().get("exercise_words", ()))
    return re.compile(rf"(?<![\w'])[\w'-]+ (?=(?:{words})(?![\w']))")


@lru_cache(maxsize=1)
def _movement_places() -> re.Pattern[str]:
    words = "|".join(re.escape(str(w)) for w in _vocabulary().get("movement_words", ()))
    return re.compile(rf"(?<![\w'])(?:{words}) (?:your|the other|the opposite|one) (?:other |opposite )?[\w'-]+",
                      re.IGNORECASE)


def without_movements(text: str) -> str:
    """``text`` without the body parts that are only places in a movement it describes: searched, "the stretch for my
    sore bum where you cross your ankle over the other knee" finds the buttock's articles, not the ankle's and the
    knee's. A movement that names no body part stays: "lying on your side and lifting your leg" is what is asked about."""
    return " ".join(_movement_places().sub(lambda m: "" if subjects(m.group(0)) else m.group(0), text).split())


def named_subjects(text: str) -> frozenset[str]:
    """The subjects ``text`` names as what is wrong, not as an exercise's name or a place in a movement: "how long
    do I hold the calf stretch?" names no calf problem, "the stretch where you cross your ankle over the other
    knee" no ankle or knee problem."""
    return subjects(_movement_places().sub("", _exercise_names().sub("", _plain(text))))


def about(front: str, region: str, text: str, wanted: frozenset[str] | set[str], message: str = "") -> bool:
    """Whether an article is about what a question asks: its ``text`` mentions every ``wanted`` subject (those
    of the sentences that ask), and, when the ``message`` names a body part as what is wrong, its ``front``
    (title and front matter) names one of the subjects the message names, unless it has no front matter or its
    ``region`` is the whole body or the clinic. "My wrist is stiff after the cast came off" is not about the
    tennis elbow article, whose wrist exercises mention the wrist; "she uses a stick for her bad knee, which
    hand should it be in?" is about knee arthritis."""
    if not covers(text, wanted):
        return False
    if not front or _plain(region) in _vocabulary().get("everywhere", ()) or not named_subjects(message) & sites():
        return True
    return any(covers(front, {w}) for w in set(wanted) | subjects(message))


def mentioned_terms(text: str) -> list[str]:
    """The subject words ``text`` uses, in order ("hamstring", "heel"), for carrying a topic into a follow-up."""
    plain = _plain(text)
    found = []
    for pattern in _groups().values():
        found += [(m.start(), m.group(0)) for m in pattern.finditer(plain)]
    return [word for _, word in sorted(found)]
