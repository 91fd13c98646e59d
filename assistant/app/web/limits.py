"""Backpressure and fairness for the API: a concurrency cap with a bounded queue, per-client rate limits,
and Prometheus metrics."""

from __future__ import annotations

import threading
import time
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
    """Counters and latency histograms since the process started, in the Prometheus text format.

    Each instance has its own registry (no process-wide globals), so two apps in one
    process, or two tests, never share counts.
    """

    #: latency buckets in seconds: a keyword search is ~0.05 s, an LLM answer may take 60 s
    BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "clinic_http_requests", "HTTP requests by route and status.", ["route", "status"], registry=self.registry
        )
        self._latency = Histogram(
            "clinic_http_request_duration_seconds", "Time to answer an HTTP request, by route.", ["route"],
            buckets=self.BUCKETS, registry=self.registry,
        )
        self._answers = Counter(
            "clinic_answers", "Answers given, by channel (web chat, widget, staff console, api), triage level and "
            "whether the articles grounded them.", ["channel", "triage", "grounded"], registry=self.registry,
        )
        self._fallbacks = Counter(
            "clinic_llm_fallbacks", "LLM answers replaced by the extractive answer.", ["channel"], registry=self.registry
        )
        self._policy = Counter(
            "clinic_policy_refusals", "Answers shaped by a safety policy (diagnosis, dosing, ...).", ["policy"],
            registry=self.registry,
        )
        started = Gauge("clinic_start_time_seconds", "When this process started (Unix time).", registry=self.registry)
        started.set_to_current_time()

    def request(self, route: str, status: int, seconds: float) -> None:
        self._requests.labels(route, str(status)).inc()
        self._latency.labels(route).observe(seconds)

    def answer(self, channel: str, triage: str, grounded: bool, fallback: bool, policy: tuple[str, ...]) -> None:
        self._answers.labels(channel, triage, "yes" if grounded else "no").inc()
        if fallback:
            self._fallbacks.labels(channel).inc()
        for p in policy:
            self._policy.labels(p).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The body and content type for ``GET /metrics``."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST
