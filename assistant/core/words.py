"""Visitors' words for the articles' words (``data/synonyms.yaml``): a pure function over text.

``with_synonyms(text)`` returns the text with the article's word appended for every visitor's
word or phrase it uses, so that keyword search and sentence matching see "GP" in "my doctor".
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

SYNONYMS = Path(__file__).with_name("data") / "synonyms.yaml"


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[str, re.Pattern[str]], ...]:
    data = yaml.safe_load(SYNONYMS.read_text(encoding="utf-8"))["same"]
    out = []
    for word, phrases in data.items():
        # a phrase written "re:..." is a pattern ("re:bump on the [ma]\\d+": a bump on the M53 or the A41)
        alternatives = sorted((str(p)[3:] if str(p).startswith("re:") else re.escape(str(p).lower()) for p in phrases),
                              key=len, reverse=True)
        out.append((str(word), re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])")))
    return tuple(out)


@lru_cache(maxsize=4096)
def with_synonyms(text: str) -> str:
    """``text`` with the article's word added for each visitor's word it uses (and does not already say)."""
    lowered = text.lower().replace("’", "'")
    extra = [word for word, pattern in _table() if pattern.search(lowered) and not re.search(rf"\b{re.escape(word)}\b", lowered)]
    return f"{text} {' '.join(extra)}" if extra else text
