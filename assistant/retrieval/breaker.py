"""Fail fast while the store is down: a circuit breaker with a background probe.

When a store call fails, the breaker opens: every request is refused at once
(``StoreUnavailable``) instead of queueing behind calls that will time out. A
background thread probes the store every ``retry_s`` seconds and closes the
breaker on the first success. No thread runs while the store is healthy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from assistant.core.store import StoreError

log = logging.getLogger(__name__)


class StoreUnavailable(StoreError):
    """The store is known to be down; the message says since when and why."""


class CircuitBreaker:
    """Open after a store failure; a probe closes it again."""

    def __init__(self, probe: Callable[[], object], retry_s: float = 2.0, clock: Callable[[], float] = time.monotonic):
        self._probe = probe
        self.retry_s = retry_s
        self._clock = clock
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._reason = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def check(self) -> None:
        """Raise StoreUnavailable at once while the breaker is open."""
        opened = self._opened_at
        if opened is not None:
            raise StoreUnavailable(
                f"the article store has been unreachable for {self._clock() - opened:.0f} s ({self._reason}); "
                "retrying in the background"
            )

    def failure(self, exc: BaseException) -> None:
        """A store call failed: open, and start probing."""
        with self._lock:
            if self._opened_at is not None:
                return
            self._opened_at = self._clock()
            self._reason = f"{type(exc).__name__}: {str(exc)[:160]}"
            log.warning("article store unreachable, answering 503 until it is back: %s", self._reason)
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="store-probe", daemon=True)
            self._thread.start()

    def success(self) -> None:
        """A store call worked: close."""
        if self._opened_at is None:
            return
        with self._lock:
            if self._opened_at is not None:
                log.warning("article store reachable again after %.0f s", self._clock() - self._opened_at)
            self._opened_at = None
            self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.retry_s):
            try:
                self._probe()
            except Exception:  # noqa: BLE001 - still down: keep probing
                continue
            self.success()
            return

    def close(self) -> None:
        """Stop probing (at shutdown)."""
        self._stop.set()
