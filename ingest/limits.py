"""Per-file budgets: one hostile or enormous file is skipped with its reason, never the run."""

from __future__ import annotations

import time
from dataclasses import dataclass

MB = 1024 * 1024


class LoadError(Exception):
    """A file could not be turned into an article; ``str(err)`` is the reason."""


@dataclass(frozen=True)
class FileLimits:
    """What one file may cost; each limit names the setting that raises it."""

    max_bytes: int = 5 * MB  # the file on disk (CLINIC_MAX_FILE_MB)
    max_text_bytes: int = 20 * MB  # text after decompression and extraction (CLINIC_MAX_TEXT_MB)
    max_chunks: int = 500  # chunks of one article (CLINIC_MAX_CHUNKS_PER_ARTICLE)
    max_seconds: float = 60.0  # loading and cutting one file (CLINIC_MAX_SECONDS_PER_FILE)

    def deadline(self) -> "Deadline":
        return Deadline(self.max_seconds)

    def check_text(self, size: int, what: str = "its text") -> None:
        if size > self.max_text_bytes:
            raise LoadError(
                f"{what} is over {self.max_text_bytes / MB:g} MB once decompressed "
                "(CLINIC_MAX_TEXT_MB); a decompression bomb, or split it into smaller articles"
            )

    def too_many_chunks(self, count: int) -> str:
        return (
            f"would make over {self.max_chunks} chunks (stopped at {count}), the limit per article "
            "(CLINIC_MAX_CHUNKS_PER_ARTICLE); split it into smaller articles"
        )


class Deadline:
    """Checked between steps of loading and cutting one file; raises LoadError once time is up."""

    def __init__(self, seconds: float, clock=time.monotonic):
        self._clock = clock
        self._seconds = seconds
        self._end = clock() + seconds

    def check(self, stage: str = "reading it") -> None:
        if self._clock() > self._end:
            raise LoadError(
                f"took over {self._seconds:g} s while {stage} (CLINIC_MAX_SECONDS_PER_FILE); "
                "split it into smaller articles"
            )

    def __call__(self) -> None:
        self.check("cutting it into chunks")
