"""Content gaps for the reception console: what visitors asked that the articles did not answer, by topic.

A question's topic is a subject it names (the vocabulary the answerer uses to check
coverage: "Pregnancy", "Tennis elbow", "Parking"), else the article it was answered
from (a thumbs-down), else the nearest article by search, else "Not near any article".
Never word stems.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from assistant.answering.subjects import subjects

#: How close an article must be to lend a question its title as the topic.
NEAR = 0.2


@dataclass(frozen=True)
class Gap:
    """A topic visitors asked about that the articles did not answer well."""

    topic: str
    count: int
    latest: str
    examples: tuple[str, ...]


def subject_label(name: str) -> str:
    """ "tennis_elbow" -> "Tennis elbow"."""
    return name.replace("_", " ").capitalize()


def group_gaps(rows: list[dict[str, Any]], nearest=None, limit: int = 50) -> list[Gap]:
    """Group gap rows (newest first) by topic; ``nearest(question)`` gives the closest article's title or None."""
    named = [sorted(subjects(r["question"])) for r in rows]
    frequency = Counter(name for names in named for name in names)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row, names in zip(rows, named):
        if names:
            topic = subject_label(max(names, key=lambda n: (frequency[n], -len(n), n)))
        elif row.get("sources"):
            topic = row["sources"][0].get("title") or "Answered, thumbs down"
        else:
            title = nearest(row["question"]) if nearest else None
            topic = f"Near “{title}”" if title else "Not near any article"
        groups.setdefault(topic, []).append(row)
    out = [
        Gap(topic, len(items), items[0]["created"], _distinct(i["question"] for i in items)[:3])
        for topic, items in groups.items()
    ]
    out.sort(key=lambda g: (g.latest, g.count), reverse=True)
    return out[:limit]


def _distinct(questions) -> tuple[str, ...]:
    """Each question once (the same question asked again counts, but is not shown twice)."""
    seen: dict[str, str] = {}
    for q in questions:
        seen.setdefault(" ".join(q.lower().split()), q)
    return tuple(seen.values())


def content_gaps(services, limit: int = 50) -> list[Gap]:
    """The console's gaps, using search to place questions that name no subject."""

    def nearest(question: str) -> str | None:
        try:
            hits = services.retriever.search(question, k=1, floor=NEAR).hits
        except Exception:  # noqa: BLE001 - grouping is a convenience; the store may be down
            return None
        return hits[0].title if hits else None

    return group_gaps(services.log.gap_rows(), nearest, limit)
