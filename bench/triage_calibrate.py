"""Calibrate the semantic red-flag detector's thresholds on the development sets, recall first.

For each setting: emergency and urgent recall and routine false escalation on the
development conversations (patterns and semantic detector together), how often
routine messages get a caution line, and the semantic detector alone on the
catalogue's exemplars (leave-one-out is not needed: the detector never sees its
own exemplar as a query here, because the queries are the development messages).

    python bench/triage_calibrate.py tests/data/triage/dev_a.jsonl tests/data/triage/dev_b.jsonl [--routine more.jsonl]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from triage_eval import load, score  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--routine", type=Path, action="append", default=[],
                        help="JSONL with a 'question' field: more routine messages (e.g. the answer benchmark)")
    args = parser.parse_args(argv)

    from assistant.core.settings import Settings
    from assistant.retrieval.embeddings import embedder_from_settings
    from assistant.safety.semantic import SemanticDetector
    from assistant.safety.triage import triage_conversation

    embedder = embedder_from_settings(Settings(_env_file=None).embedding)
    cases = load(args.sets)
    extra = [json.loads(line)["question"] for path in args.routine for line in path.read_text().splitlines() if line.strip()]
    print("| escalate at | caution at | margin | emergency | urgent | routine escalated | routine with a caution line |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    detector = SemanticDetector(embedder)
    for escalate, caution, margin in itertools.product((0.72, 0.75, 0.78), (0.6, 0.62, 0.65), (0.03, 0.05, 0.08)):
        if caution >= escalate:
            continue
        detector.escalate_at, detector.caution_at, detector.margin = escalate, caution, margin
        result = score(cases, lambda turns: triage_conversation(list(turns), detector).level)
        routine = [c.turns for c in cases if c.level == "routine"] + [(q,) for q in extra]
        verdicts = [triage_conversation(list(t), detector) for t in routine]
        escalated = sum(v.level != "routine" for v in verdicts)
        cautioned = sum(v.level == "routine" and bool(v.caution) for v in verdicts)
        s = result.summary()
        print(f"| {escalate} | {caution} | {margin} | {s['emergency']} | {s['urgent']} | {escalated}/{len(routine)} | "
              f"{cautioned}/{len(routine)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
