"""MedQuAD (Ben Abacha & Demner-Fushman, 2019) as articles and questions for the benchmarks.

Each XML document becomes one Markdown article: its focus is the title and each
answer a section headed by the question type. Its questions become queries whose
relevant articles are every document with the same focus.
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

_QTYPE_HEADINGS = {
    "information": "What is it?",
    "symptoms": "Symptoms",
    "causes": "Causes",
    "treatment": "Treatment",
    "prevention": "Prevention",
    "exams and tests": "Exams and tests",
    "outlook": "Outlook",
    "research": "Research",
    "complications": "Complications",
    "susceptibility": "Who is at risk?",
    "frequency": "How common is it?",
    "considerations": "Things to consider",
    "stages": "Stages",
    "support groups": "Support",
    "inheritance": "Inheritance",
    "genetic changes": "Genetic changes",
}


@dataclass(frozen=True)
class Query:
    text: str
    relevant: frozenset[str]  # file names of relevant articles


def _norm(focus: str) -> str:
    return re.sub(r"\W+", " ", focus.lower()).strip()


def convert(medquad_dir: Path, out_dir: Path, limit_docs: int | None = None, seed: int = 7) -> list[Query]:
    """Write one .md per MedQuAD document into ``out_dir``; return the questions."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = sorted(Path(medquad_dir).glob("*/*.xml"))
    if limit_docs:
        files = sorted(random.Random(seed).sample(files, min(limit_docs, len(files))))
    by_focus: dict[str, set[str]] = {}
    raw_queries: list[tuple[str, str]] = []
    for path in files:
        root = ET.parse(path).getroot()
        focus = (root.findtext("Focus") or path.stem).strip()
        url = root.get("url") or ""
        sections = []
        for pair in root.iter("QAPair"):
            q = pair.find("Question")
            answer = (pair.findtext("Answer") or "").strip()
            if q is None or not answer:
                continue
            qtype = (q.get("qtype") or "information").strip()
            heading = _QTYPE_HEADINGS.get(qtype, qtype.capitalize())
            sections.append(f"## {heading}\n\n{answer}")
            raw_queries.append(((q.text or "").strip(), f"{path.parent.name}-{path.stem}.md"))
        if not sections:
            continue
        name = f"{path.parent.name}-{path.stem}.md"
        title = focus.replace('"', "'")
        front = f'---\ntitle: "{title}"\n' + (f"url: {url}\n" if url.startswith("http") else "") + "---\n\n"
        (out_dir / name).write_text(front + "\n\n".join(sections) + "\n", encoding="utf-8")
        by_focus.setdefault(_norm(focus), set()).add(name)
    focus_of = {}
    for focus, names in by_focus.items():
        for name in names:
            focus_of[name] = focus
    queries = []
    for text, name in raw_queries:
        if text and name in focus_of:
            queries.append(Query(text, frozenset(by_focus[focus_of[name]])))
    return queries


def sample_queries(queries: list[Query], n: int, seed: int = 7) -> list[Query]:
    unique = list({q.text: q for q in queries}.values())
    if n >= len(unique):
        return unique
    return random.Random(seed).sample(unique, n)
