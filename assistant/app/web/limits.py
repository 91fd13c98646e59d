"""Backpressure and fairness for the API: a concurrency cap with a bounded queue, per-client rate limits,
and in-memory metrics."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from contextlib import contextmanager


class Busy(Exception):
    """Too many requests are already waiting."""


class RateLimited(Exception):
    """This client sent too many requests; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, retry_after: float):
        super().__init__(retry_after)
        self.retry_after = retry_after


class Gate:
    """At most ``concurrency`` requests run at once; at most ``queue`` more wait, the rest are refused."""

    def __init__(self, concurrency: int, queue: int, wait_s: float = 30.0):
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._waiting = 0
        self.queue = queue
        self.wait_s = wait_s

    def acquire(self) -> None:
        """Take a slot, waiting in the bounded queue; Busy when the queue is full or the wait is too long."""
        with self._lock:
            if self._waiting >= self.queue:
                raise Busy()
            self._waiting += 1
        try:
            acquired = self._slots.acquire(timeout=self.wait_s)
        finally:
            with self._lock:
                self._waiting -= 1
        if not acquired:
            raise Busy()

    def release(self) -> None:
        self._slots.release()

    @contextmanager
    def slot(self):
        self.acquire()
        try:
            yield
        finally:
            self.release()


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to ``burst``; 0 is no limit."""

    def __init__(self, per_minute: int, burst: int):
        self.rate = per_minute / 60.0
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                raise RateLimited((1.0 - tokens) / self.rate)
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:  # forget idle clients
                cutoff = now - self.burst / self.rate
                self._buckets = {k: v for k, v in self._buckets.items() if v[1] > cutoff}


class Metrics:
    """Request counts, latencies and answer outcomes since the process started."""

    def __init__(self, keep: int = 5000):
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self._latency: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=keep))
        self.started = time.time()

    def request(self, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[f"{route} {status}"] += 1
            self._latency[route].append(seconds * 1000)

    def answer(self, triage: str, grounded: bool, fallback: bool, policy: tuple[str, ...]) -> None:
        with self._lock:
            self.outcomes[f"triage_{triage}"] += 1
            self.outcomes["grounded" if grounded else "not_grounded"] += 1
            if fallback:
                self.outcomes["llm_fallback"] += 1
            for p in policy:
                self.outcomes[f"policy_{p}"] += 1

    def snapshot(self) -> dict:
        with self._lock:
            latency = {}
            for route, values in self._latency.items():
                ordered = sorted(values)
                if ordered:
                    pick = lambda q: ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]  # noqa: E731
                    latency[route] = {"count": len(ordered), "p50_ms": round(pick(0.5), 1),
                                      "p95_ms": round(pick(0.95), 1), "p99_ms": round(pick(0.99), 1)}
            return {
                "uptime_s": round(time.time() - self.started, 1),
                "requests": dict(self.requests),
                "latency": latency,
                "answers": dict(self.outcomes),
            }
