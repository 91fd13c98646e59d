"""Calibrate the relevance floor (CLINIC_MIN_RELEVANCE) on the bundled corpus.

Usage: python bench/calibrate.py [bench/data/calibration.tsv]

For questions the articles answer ("in") and questions they do not ("out"), prints the best
relevance that search finds (cosine similarity, mixed with the heading and the message's pieces as
search mixes them), for short questions and long messages (LONG_WORDS words or more) apart, and the
floor halfway between the two groups.
"""

from __future__ import annotations

from assistant.app import operations
import sys
import tempfile
from pathlib import Path

#: Messages of this many words or more are reported as "long".
LONG_WORDS = 20


def main() -> None:
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data" / "calibration.tsv"
    rows = [line.split("\t", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")]
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(data_dir=Path(tmp), min_relevance=-1.0, _env_file=None))
        operations.ingest(services)
        scores = {"in": [], "out": []}
        for label, question in rows:
            result = services.retriever.search(question)
            scores[label].append((result.best_relevance or 0.0, question))
    low_in, high_out = min(scores["in"]), max(scores["out"])
    print("| group | questions | min | median | max |")
    print("| --- | --- | --- | --- | --- |")
    for label in ("in", "out"):
        for length, keep in (("short", lambda q: len(q.split()) < LONG_WORDS), ("long", lambda q: len(q.split()) >= LONG_WORDS)):
            values = sorted(s for s, q in scores[label] if keep(q))
            if values:
                print(
                    f"| {label}, {length} | {len(values)} | {values[0]:.3f} | {values[len(values) // 2]:.3f} "
                    f"| {values[-1]:.3f} |"
                )
    print(f"\nlowest 'in': {low_in[0]:.3f} ({low_in[1][:80]!r}); highest 'out': {high_out[0]:.3f} ({high_out[1][:80]!r})")
    print(f"suggested CLINIC_MIN_RELEVANCE: {(low_in[0] + high_out[0]) / 2:.2f}")


if __name__ == "__main__":
    main()
