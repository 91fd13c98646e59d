"""What triage adds to each message, warm: patterns, and the semantic detector beyond search's own embedding.

Search embeds the visitor's message anyway; triage embeds it together with its
clauses in one batch and search reuses that vector. "Added" is triage's whole
time minus the time to embed the message alone (what search would spend without
triage). Torch threads as the app sets them (CLINIC_TORCH_THREADS).

    python bench/triage_speed.py tests/data/triage/dev_a.jsonl tests/data/triage/dev_b.jsonl
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from triage_eval import load  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    from assistant.app.services import Services
    from assistant.core.settings import Settings
    from assistant.retrieval.embeddings import CachingEmbedder
    from assistant.safety.triage import triage_conversation

    services = Services(Settings(_env_file=None, data_dir=Path("/tmp/clinic-triage-bench")))
    embedder = services.embedder
    inner = embedder.inner if isinstance(embedder, CachingEmbedder) else embedder
    detector = services.semantic
    detector.warm()
    cases = load([Path(p) for p in (argv or sys.argv[1:])])
    messages = [c.turns[-1] for c in cases]
    for m in messages[:20]:  # warm the model and the regex engine
        triage_conversation([m], detector)
    patterns, full, alone = [], [], []
    for i, message in enumerate(messages):
        text = f"{message} ({i})"  # a fresh text each time: nothing cached
        t = time.perf_counter()
        triage_conversation([text])
        patterns.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        triage_conversation([text + " "], detector)
        full.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        inner.embed_query(text + "  ")
        alone.append((time.perf_counter() - t) * 1000)
    added = [f - a for f, a in zip(full, alone)]
    print(f"messages: {len(messages)}")
    print("| part | p50 ms | p95 ms |")
    print("| --- | --- | --- |")
    for name, values in (("patterns only", patterns), ("patterns + semantic (embeds message and clauses)", full),
                         ("search's own embedding of the message", alone), ("added by triage", added)):
        print(f"| {name} | {statistics.median(values):.1f} | {pct(values, 0.95):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
