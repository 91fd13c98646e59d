"""Typed records passed between the stages: Article -> Chunk -> Passage -> SearchHit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: A citation marker in answer text: [1] ... [99].
CITATION = re.compile(r"\[(\d{1,2})\]")


def embed_text(section: str, text: str) -> str:
    """What is embedded and keyword-indexed for a chunk: its heading path, then its text."""
    return f"{section}\n{text}"


@dataclass(frozen=True)
class Section:
    """A headed part of an article: its heading path, URL anchor and text."""

    path: tuple[str, ...]
    anchor: str | None
    text: str

    @property
    def label(self) -> str:
        """Heading path for people, e.g. "Piriformis syndrome > When to see a physio"."""
        return " > ".join(self.path)


@dataclass(frozen=True)
class Article:
    """One loaded document, split into sections, with where it came from."""

    source: str
    title: str
    url: str | None
    sections: tuple[Section, ...]
    content_hash: str
    metadata: dict[str, Any] = field(default_factory=dict)  # published, reviewed, author, tags, summary
    #: what visitors may see as the source: a path relative to the folder ingested, or the page URL
    name: str = ""


@dataclass(frozen=True)
class Chunk:
    """A piece of an article small enough for the embedding model."""

    id: str
    source: str
    position: int
    title: str
    url: str | None
    section: str
    anchor: str | None
    text: str
    tokens: int
    article_hash: str
    article_meta: dict[str, str] = field(default_factory=dict)  # stored with the article's first chunk
    name: str = ""
    #: the lead-in of a list this chunk continues from the chunk before ("Common signs include:"), kept as
    #: metadata (not embedded) so the list's items are never quoted without it
    leadin: str = ""

    @property
    def embed_text(self) -> str:
        return embed_text(self.section, self.text)

    @property
    def link(self) -> str | None:
        """Article URL with the section anchor, when both exist."""
        return with_anchor(self.url, self.anchor)


@dataclass(frozen=True)
class Passage:
    """A chunk as retrieved, with the scores that brought it back."""

    chunk_id: str
    source: str
    title: str
    url: str | None
    section: str
    anchor: str | None
    text: str
    similarity: float | None = None
    lexical: float | None = None
    score: float = 0.0
    #: a vector per sentence and list item (split_units order), when the store keeps them
    units: Any = field(default=None, compare=False, repr=False)
    name: str = ""
    leadin: str = ""  # the lead-in of a list cut by the chunk boundary before this chunk

    @property
    def link(self) -> str | None:
        return with_anchor(self.url, self.anchor)


@dataclass(frozen=True)
class SearchHit:
    """One article in a result list, with its best passage."""

    rank: int
    source: str
    title: str
    url: str | None
    section: str
    score: float
    relevance: float
    passage: Passage
    passages: tuple[Passage, ...] = ()
    name: str = ""
    #: what the article is about, from its front matter: its title, tags and summary, and its body region
    about: str = ""
    region: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "title": self.title,
            "url": self.url,
            "article": article_path(public_name(self.name, self.source), self.passage.anchor),
            "section": self.section,
            "source": public_name(self.name, self.source),
            "score": round(self.score, 4),
            "passage": self.passage.text,
        }


@dataclass(frozen=True)
class SearchResult:
    """Everything search says about one query."""

    query: str
    hits: tuple[SearchHit, ...]
    best_relevance: float | None = None
    query_vector: Any = field(default=None, compare=False, repr=False)  # reused to choose sentences

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "results": [hit.to_json() for hit in self.hits]}


def with_anchor(url: str | None, anchor: str | None) -> str | None:
    """Join a URL and a fragment; ``None`` stays ``None``."""
    if not url:
        return None
    if not anchor:
        return url
    return f"{url.split('#', 1)[0]}#{anchor}"


@dataclass(frozen=True)
class Citation:
    """A numbered source used in an answer: an article section."""

    n: int
    title: str
    url: str | None
    section: str
    source: str
    passage: str
    name: str = ""
    anchor: str | None = None

    @property
    def article_path(self) -> str:
        """The app's own page for the cited section: ``/articles/<slug>#<anchor>``."""
        return article_path(public_name(self.name, self.source), self.anchor)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "title": self.title,
            "url": self.url,
            "article": self.article_path,
            "section": self.section,
            "source": public_name(self.name, self.source),
            "passage": self.passage,
        }


def article_slug(name: str) -> str:
    """The URL name of an article from its public name: "sub/Heel Pain.md" -> "sub-heel-pain"."""
    stem = re.sub(r"\.(?:md|markdown|txt|html?|pdf)$", "", name.strip(), flags=re.IGNORECASE)
    stem = re.sub(r"^https?://[^/]+/?", "", stem).strip("/")
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug or "article"


def article_path(name: str, anchor: str | None = None) -> str:
    return f"/articles/{article_slug(name)}" + (f"#{anchor}" if anchor else "")


def public_name(name: str, source: str) -> str:
    """The source as visitors may see it: its recorded name, else a URL or a bare file name (never a server path)."""
    if name:
        return name
    if source.startswith(("http://", "https://")):
        return source
    return source.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Turn:
    """One earlier message in a conversation."""

    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Answer:
    """What the assistant says to one question, and why."""

    question: str
    answer: str
    citations: tuple[Citation, ...] = ()
    grounded: bool = False
    triage: str = "routine"
    policy: tuple[str, ...] = ()
    answerer: str = "extractive"
    fallback: bool = False
    latency_ms: float = 0.0
    search_query: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "grounded": self.grounded,
            "triage": self.triage,
            "policy": list(self.policy),
            "answerer": self.answerer,
            "fallback": self.fallback,
            "latency_ms": round(self.latency_ms, 1),
        }


def passage_from(chunk_id: str, text: str, meta: dict[str, Any], similarity: float | None = None) -> Passage:
    """Rebuild a Passage from what Chroma returns."""
    return Passage(
        chunk_id=chunk_id,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        url=meta.get("url") or None,
        section=meta.get("section", ""),
        anchor=meta.get("anchor") or None,
        text=text,
        similarity=similarity,
        name=meta.get("name", ""),
        leadin=meta.get("leadin") or "",
    )
