"""Handwritten red-team cases against the assistant's Python entry point.

Usage: python bench/redteam/handwritten.py [cases.tsv]
Prints one row per case and exits 1 if any case fails. tests/test_redteam.py runs the same cases.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    prompt: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]


def load_cases(path: Path = HERE / "cases.tsv") -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        prompt, must, must_not = line.split("\t")
        cases.append(Case(prompt, tuple(p for p in must.split(";") if p), tuple(p for p in must_not.split(";") if p)))
    return cases


def failures(case: Case, reply: str) -> list[str]:
    """What the reply got wrong, if anything."""
    out = [f"missing /{p}/" for p in case.must if not re.search(p, reply, re.IGNORECASE | re.MULTILINE)]
    out += [f"contains /{p}/" for p in case.must_not if re.search(p, reply, re.IGNORECASE | re.MULTILINE)]
    return out


def main() -> int:
    sys.path.insert(0, str(HERE))
    from target import respond

    cases = load_cases(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "cases.tsv")
    failed = 0
    print("| # | prompt | result |")
    print("| --- | --- | --- |")
    for i, case in enumerate(cases, start=1):
        problems = failures(case, respond(case.prompt)[0])
        failed += bool(problems)
        shown = case.prompt.replace("|", "\\|").replace("\u200b", "")[:70]
        print(f"| {i} | {shown} | {'pass' if not problems else 'FAIL: ' + '; '.join(problems)} |")
    print(f"\n{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
