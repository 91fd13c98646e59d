"""The answer benchmark: does the answer state the fact the visitor asked for?

Questions in bench/data/answers/*.jsonl were written by people who read the bundled
articles but not the code: visitor and caller questions, each with the fact a good
answer must state (``must_include``: groups of phrases, every group must appear,
any phrase of a group will do), follow-ups with their earlier messages, and
questions no article covers (a good answer says it could not find them).

    python bench/answers.py bench/data/answers/dev.jsonl [--out answers.jsonl] [--misses]

Scores: fact stated (questions whose article states a fact), right article cited
first, not-covered questions declined, follow-ups answered (fact stated), by kind.
Triage is reported too: a question that describes a warning sign is answered with
the escalation, which is right, and is counted separately.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def states(answer: str, groups: list[list[str]]) -> bool:
    text = " ".join(answer.lower().split())
    return all(any(" ".join(p.lower().split()) in text for p in group) for group in groups)


def percentile(ordered: list[float], share: float) -> float:
    """The value ``share`` of the way up an ascending list (the benchmark's p50 and p95)."""
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def slug(name: str | None) -> str | None:
    return Path(name).stem if name else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="write each question with its answer (JSONL), e.g. for a reader to grade")
    parser.add_argument("--misses", action="store_true", help="print the questions whose fact was not stated")
    parser.add_argument("--cold-history", action="store_true",
                        help="time a follow-up with earlier messages the assistant has never seen (an API client's made-up "
                             "history), instead of after asking them as the chat does")
    args = parser.parse_args(argv)

    from assistant.app import operations
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    items = [json.loads(line) for path in args.sets for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    services = Services(Settings(_env_file=None, data_dir=Path(tempfile.mkdtemp(prefix="clinic-answers-"))))
    operations.ingest(services)
    assistant = services.assistant
    assistant.ask("warm up").answer
    counts: Counter = Counter()
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    latencies, follow_latencies, rows, misses = [], [], [], []
    for item in items:
        history = [{"role": "user", "content": h} for h in item.get("history", [])]
        if not args.cold_history:
            # in the chat a follow-up's earlier messages were turns of their own, answered (untimed) before it
            for i, earlier in enumerate(history):
                assistant.ask(earlier["content"], history[:i]).answer
        started = time.perf_counter()
        answer = assistant.ask(item["question"], history).answer
        latencies.append((time.perf_counter() - started) * 1000)
        if history:
            follow_latencies.append(latencies[-1])
        kind = item["kind"]
        cited = [Path(c.article_path.split("#")[0]).name for c in answer.citations]
        row = {**item, "answer": answer.answer, "triage": answer.triage, "grounded": answer.grounded, "cited": cited}
        rows.append(row)
        if answer.triage != "routine":
            counts["escalated"] += 1
            row["outcome"] = f"escalated ({answer.triage})"
            continue
        if kind == "not_covered":
            ok = not answer.grounded
            counts["not_covered"] += 1
            counts["not_covered_ok"] += ok
        else:
            ok = states(answer.answer, item["must_include"])
            counts["facts"] += 1
            counts["facts_ok"] += ok
            counts["right_first"] += bool(cited) and cited[0] == slug(item["article"])
            if kind == "follow_up":
                counts["follow"] += 1
                counts["follow_ok"] += ok
        by_kind[kind][0] += ok
        by_kind[kind][1] += 1
        row["outcome"] = "ok" if ok else "missed"
        if not ok:
            misses.append(row)
    latencies.sort()
    follow_latencies.sort()
    print(f"questions: {len(items)} ({counts['escalated']} escalated by triage, answered with the escalation)")
    print(f"fact stated: {counts['facts_ok']}/{counts['facts']} ({counts['facts_ok'] / max(1, counts['facts']):.1%})")
    print(f"right article cited first: {counts['right_first']}/{counts['facts']}")
    print(f"follow-ups with the fact: {counts['follow_ok']}/{counts['follow']}")
    print(f"not covered, declined: {counts['not_covered_ok']}/{counts['not_covered']}")
    timed = "earlier messages never seen" if args.cold_history else "earlier messages asked first, as in the chat"
    print(f"ask latency p50 {percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms"
          + (f"; follow-ups ({timed}) p50 {percentile(follow_latencies, 0.5):.0f} ms, "
             f"p95 {percentile(follow_latencies, 0.95):.0f} ms" if follow_latencies else ""))
    print("| kind | stated |\n| --- | --- |")
    for kind, (ok, total) in sorted(by_kind.items()):
        print(f"| {kind} | {ok}/{total} |")
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    if args.misses:
        for row in misses:
            print(f"\nMISS {row['id']} [{row['kind']}] {row['question']}\n  history: {row.get('history')}\n"
                  f"  fact: {row['fact']}\n  answer: {row['answer'][:600]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
