"""A response being written: iterate it for text as it is made, then read the final ``answer``.

Modelled on simonw/llm's ``Response``: nothing runs until the caller iterates (or
asks for ``answer``), iterating twice replays the same pieces, and the final
Answer (with citations, triage and flags) is authoritative.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Generic, TypeVar

from assistant.core.records import Answer

T = TypeVar("T")


class Streamed(Generic[T]):
    """Text pieces from a generator, then the value it returns."""

    def __init__(self, make: Callable[[], Generator[str, None, T]]):
        self._make = make
        self._gen: Generator[str, None, T] | None = None
        self._pieces: list[str] = []
        self._result: T | None = None
        self._done = False

    def __iter__(self) -> Iterator[str]:
        yield from list(self._pieces)
        if self._done:
            return
        if self._gen is None:
            self._gen = self._make()
        while True:
            try:
                piece = next(self._gen)
            except StopIteration as stop:
                self._result = stop.value
                self._done = True
                return
            self._pieces.append(piece)
            yield piece

    @property
    def done(self) -> bool:
        return self._done

    def result(self) -> T:
        """The generator's return value, running it to the end if needed."""
        if not self._done:
            for _ in self:
                pass
        assert self._result is not None
        return self._result


class Response(Streamed[Answer]):
    """The assistant's reply to one message."""

    @property
    def answer(self) -> Answer:
        return self.result()

    def text(self) -> str:
        return self.answer.answer
