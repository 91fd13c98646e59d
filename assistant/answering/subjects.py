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
        out[name] = re.compile(r"(?<![\w'])(?:" + "|".join(words) + r")(?![\w'])")
    return out


@lru_cache(maxsize=1)
def services() -> frozenset[str]:
    """The groups that are the clinic's own services and admin (home visits, insurance, parking ...)."""
    return frozenset(_vocabulary().get("services", ()))


def _plain(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


@lru_cache(maxsize=1024)
def subjects(text: str) -> frozenset[str]:
    """The subject groups ``text`` mentions."""
    plain = _plain(text)
    return frozenset(name for name, pattern in _groups().items() if pattern.search(plain))


def covers(text: str, wanted: frozenset[str] | set[str]) -> bool:
    """True when ``text`` mentions every wanted subject (by any of its group's terms)."""
    plain = _plain(text)
    groups = _groups()
    return all(groups[name].search(plain) for name in wanted if name in groups)


def mentioned_terms(text: str) -> list[str]:
    """The subject words ``text`` uses, in order ("hamstring", "heel"), for carrying a topic into a follow-up."""
    plain = _plain(text)
    found = []
    for pattern in _groups().values():
        found += [(m.start(), m.group(0)) for m in pattern.finditer(plain)]
    return [word for _, word in sorted(found)]
