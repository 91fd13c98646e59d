"""Forgiving spelling: a misspelt word in a question is replaced by the article word it most likely meant.

The vocabulary is the words of the articles themselves, with their counts, so the
corrections are always words that search can find ("Cronic Lymphocytice Leukemia" ->
"chronic lymphocytic leukemia"). A word is left alone when the articles use it, when
``known`` says it is a real word (the retriever asks whether the embedding model's
tokenizer holds it whole), when it is short, or an acronym in capitals, or two known
words run together ("alot"). Candidates keep the first letter (people rarely get the
first letter wrong) and are at most one edit away, two for words of ten letters or
more (Damerau: a swap of neighbours is one edit); the closest, then the most frequent,
wins. Candidates are found through shared letter triples, so a look-up costs well under
a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import numpy as np

WORD = re.compile(r"[A-Za-z]+")
MIN_LENGTH = 4
#: Words of this many letters or more may be two edits away; shorter ones one.
TWO_EDITS_FROM = 10


def word_counts(texts: Iterable[str]) -> dict[str, int]:
    """Lower-case words of the articles with how often each occurs."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in WORD.findall(text.lower()):
            counts[word] = counts.get(word, 0) + 1
    return counts


def _grams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit); ``limit + 1`` once over it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class Speller:
    """Corrects words the articles do not use to the article word they most likely meant."""

    def __init__(
        self,
        counts: Mapping[str, int],
        known: Callable[[str], bool] | None = None,
        min_count: int = 2,
        candidates: int = 30,
    ):
        self.counts = dict(counts)
        self.known = known or (lambda word: False)
        self.candidates = candidates
        self._words = [w for w, n in self.counts.items() if n >= min_count and len(w) >= MIN_LENGTH - 1]
        postings: dict[str, list[int]] = {}
        for index, word in enumerate(self._words):
            for gram in _grams(word):
                postings.setdefault(gram, []).append(index)
        self._postings = {g: np.asarray(ids, dtype=np.int32) for g, ids in postings.items()}
        self._first = np.array([ord(w[0]) for w in self._words], dtype=np.int32)
        self._length = np.array([len(w) for w in self._words], dtype=np.int32)
        self._memo: dict[str, str | None] = {}

    def _leave_alone(self, word: str) -> bool:
        if len(word) < MIN_LENGTH or word in self.counts or self.known(word):
            return True
        # two known words run together ("alot", "infact"): not a misspelling of a third word
        return any(
            self._common(word[:i]) and self._common(word[i:]) for i in range(1, len(word))
        )

    def _common(self, part: str) -> bool:
        return self.counts.get(part, 0) >= 20 and (len(part) > 1 or part in ("a", "i"))

    def correct(self, word: str) -> str | None:
        """The article word meant by ``word`` (lower case), or None to leave it as it is."""
        word = word.lower()
        if word in self._memo:
            return self._memo[word]
        best = None if self._leave_alone(word) else self._nearest(word)
        if len(self._memo) > 10_000:
            self._memo.clear()
        self._memo[word] = best
        return best

    def _nearest(self, word: str) -> str | None:
        lists = [self._postings[g] for g in _grams(word) if g in self._postings]
        if not lists or not self._words:
            return None
        limit = 2 if len(word) >= TWO_EDITS_FROM else 1
        shared = np.bincount(np.concatenate(lists), minlength=len(self._words))
        ok = (self._first == ord(word[0])) & (np.abs(self._length - len(word)) <= limit) & (shared > 0)
        ids = np.flatnonzero(ok)
        if not len(ids):
            return None
        ids = ids[np.argsort(-shared[ids], kind="stable")[: self.candidates]]
        best, best_key = None, None
        for i in ids:
            candidate = self._words[int(i)]
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                key = (distance, -self.counts[candidate])
                if best_key is None or key < best_key:
                    best, best_key = candidate, key
        return best

    def correct_text(self, text: str) -> tuple[str, dict[str, str]]:
        """``text`` with misspelt words replaced, and what was replaced by what."""
        fixes: dict[str, str] = {}

        def fix(match: re.Match) -> str:
            word = match.group(0)
            if word.isupper() and len(word) <= 5:  # an acronym: ASAP, COPD
                return word
            better = self.correct(word)
            if better is None:
                return word
            fixes[word] = better
            return better

        return WORD.sub(fix, text), fixes
