"""Score triage on the independent message sets (tests/data/triage/*.jsonl).

Each item is a conversation (the visitor's messages) with the level a clinician
gave it: emergency, urgent or routine. Recall counts a case as caught when the
assistant's level is at least the expected one (an urgent case sent to 999 is
caught, though over-triaged); a routine case is a false escalation when it is
given any level above routine.

    python bench/triage_eval.py tests/data/triage/dev_a.jsonl tests/data/triage/dev_b.jsonl
    python bench/triage_eval.py SET.jsonl --misses      # list what was missed
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

RANK = {"routine": 0, "urgent": 1, "emergency": 2}


@dataclass(frozen=True)
class Case:
    id: str
    level: str
    category: str
    turns: tuple[str, ...]


@dataclass
class Score:
    cases: int = 0
    caught: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    exact: Counter = field(default_factory=Counter)
    by_category: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list = field(default_factory=list)
    false_alarms: list = field(default_factory=list)

    def recall(self, level: str) -> float:
        return self.caught[level] / self.total[level] if self.total[level] else float("nan")

    @property
    def false_escalation(self) -> float:
        n = self.total["routine"]
        return (n - self.caught["routine"]) / n if n else float("nan")

    def summary(self) -> dict:
        return {
            "cases": self.cases,
            "emergency_recall": round(self.recall("emergency"), 4),
            "emergency": f"{self.caught['emergency']}/{self.total['emergency']}",
            "urgent_recall": round(self.recall("urgent"), 4),
            "urgent": f"{self.caught['urgent']}/{self.total['urgent']}",
            "urgent_exact": f"{self.exact['urgent']}/{self.total['urgent']}",
            "false_escalation": round(self.false_escalation, 4),
            "routine_escalated": f"{self.total['routine'] - self.caught['routine']}/{self.total['routine']}",
        }


def load(paths: Iterable[Path]) -> list[Case]:
    cases = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                cases.append(Case(item["id"], item["level"], item["category"], tuple(item["turns"])))
    return cases


def score(cases: Iterable[Case], level_of: Callable[[tuple[str, ...]], str]) -> Score:
    """``level_of(turns)`` gives the assistant's level for a conversation's visitor messages."""
    out = Score()
    for case in cases:
        got = level_of(case.turns)
        out.cases += 1
        out.total[case.level] += 1
        cat = out.by_category[(case.level, case.category)]
        cat[1] += 1
        if case.level == "routine":
            ok = got == "routine"
            if not ok:
                out.false_alarms.append((case, got))
        else:
            ok = RANK[got] >= RANK[case.level]
            if not ok:
                out.misses.append((case, got))
        if got == case.level:
            out.exact[case.level] += 1
        if ok:
            out.caught[case.level] += 1
            cat[0] += 1
    return out


def category_table(result: Score) -> str:
    rows = ["| level | category | caught | recall |", "| --- | --- | --- | --- |"]
    for (level, category), (caught, total) in sorted(result.by_category.items(), key=lambda kv: (-RANK[kv[0][0]], kv[0][1])):
        label = "not escalated" if level == "routine" else "caught"
        rows.append(f"| {level} | {category} | {caught}/{total} {label} | {caught / total:.0%} |")
    return "\n".join(rows)


def assistant_level(turns: tuple[str, ...]) -> str:
    """The product's own triage of a conversation (the safety layer, no retrieval)."""
    from assistant.safety.triage import triage_conversation

    return triage_conversation(list(turns), _detector()).level


_DETECTOR = None


def _detector():
    global _DETECTOR
    if _DETECTOR is None:
        from assistant.core.settings import Settings
        from assistant.retrieval.embeddings import embedder_from_settings
        from assistant.safety.semantic import SemanticDetector

        _DETECTOR = SemanticDetector(embedder_from_settings(Settings(_env_file=None).embedding))
    return _DETECTOR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--misses", action="store_true", help="list missed cases and false alarms")
    parser.add_argument("--categories", action="store_true", help="per-category table")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = score(load(args.sets), assistant_level)
    print(json.dumps(result.summary()) if args.json else "\n".join(f"{k}: {v}" for k, v in result.summary().items()))
    if args.categories:
        print(category_table(result))
    if args.misses:
        for case, got in result.misses:
            print(f"MISS {case.id} {case.level}/{case.category} -> {got}: {' || '.join(case.turns)}")
        for case, got in result.false_alarms:
            print(f"FALSE {case.id} {case.category} -> {got}: {' || '.join(case.turns)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
