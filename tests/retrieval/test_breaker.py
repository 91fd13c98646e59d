"""The circuit breaker: open on a store failure, refuse at once, a background probe closes it."""

from __future__ import annotations

import threading

import pytest
from conftest import FakeEmbedder

from assistant.retrieval.breaker import CircuitBreaker, StoreUnavailable
from assistant.retrieval.retriever import Retriever


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_opens_on_failure_refuses_at_once_and_a_probe_closes_it():
    up = threading.Event()
    probes = []

    def probe():
        probes.append(1)
        if not up.is_set():
            raise ConnectionError("refused")

    clock = Clock()
    breaker = CircuitBreaker(probe, retry_s=0.01, clock=clock)
    breaker.check()  # closed: nothing happens
    breaker.failure(ConnectionError("connection refused"))
    assert breaker.is_open
    clock.now += 12
    with pytest.raises(StoreUnavailable, match=r"unreachable for 12 s \(ConnectionError: connection refused\)"):
        breaker.check()
    up.set()
    for _ in range(500):
        if not breaker.is_open:
            break
        threading.Event().wait(0.01)
    assert not breaker.is_open and probes
    breaker.check()


class DownBackend:
    """A store whose every call fails, counting the calls."""

    location = "http://down:8000"
    engine: dict = {}

    def __init__(self):
        self.calls = 0

    def live(self):
        self.calls += 1
        raise ConnectionError("store is down")


def test_retriever_stops_calling_a_store_known_to_be_down():
    backend = DownBackend()
    breaker = CircuitBreaker(backend.live, retry_s=3600)
    retriever = Retriever(backend, FakeEmbedder(), breaker=breaker)
    with pytest.raises(StoreUnavailable):
        retriever.search("heel pain")
    calls = backend.calls
    assert breaker.is_open and calls == 2  # the first try and one retry
    for _ in range(5):
        with pytest.raises(StoreUnavailable):
            retriever.search("heel pain")
    assert backend.calls == calls, "no request waits on a store known to be down"
    breaker.close()


def test_search_index_is_rebuilt_off_the_request_path(corpus_dir, backend, fake_embedder):
    from conftest import article_md

    from ingest.chunk import ChunkParams
    from ingest.index import ingest

    params = ChunkParams(max_tokens=60, overlap_tokens=8)
    ingest([corpus_dir], backend, fake_embedder, params)
    retriever = Retriever(backend, fake_embedder)
    retriever.warm()
    first = retriever._index
    started = threading.Event()
    release = threading.Event()
    real_build = retriever._build

    def slow_build(store, key):
        started.set()
        release.wait(10)
        real_build(store, key)

    retriever._build = slow_build
    (corpus_dir / "shin.md").write_text(article_md("Shin splints", "shin", {"What": "Shin splints ache along the shin."}))
    (corpus_dir / "heel.md").unlink()
    ingest([corpus_dir], backend, fake_embedder, params)
    result = retriever.search("heel pain in the morning")  # answered while the new index is being built
    assert started.wait(5) and retriever._index is first
    assert all(not h.source.endswith("heel.md") for h in result.hits), "a deleted article's hit is dropped"
    release.set()
    for _ in range(500):
        if retriever._index is not first:
            break
        threading.Event().wait(0.01)
    assert retriever._index is not first
    assert retriever.search("shin splints").hits[0].title == "Shin splints"
