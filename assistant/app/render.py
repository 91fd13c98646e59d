"""How answers and their sources are shown: chat Markdown, and plain text for the console and the CLI.

Nothing from visitors or articles is ever passed on as markup: text is escaped
and brackets neutralised before the only markup added here (citation links to
http(s) URLs). Every place that shows a source uses ``source_label`` and
``safe_url``, so a source looks and links the same everywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlparse

from assistant.core.records import CITATION, Answer, Citation, public_name
from assistant.core.text import split_units

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def escape_markdown(text: str) -> str:
    """Text that Markdown and HTML will both show literally."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) with a host, else None."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return url.strip()


def section_tail(section: str, title: str) -> str:
    """A section's heading path without the article title it starts with."""
    parts = [p for p in section.split(" > ") if p]
    if parts and parts[0] == title:
        parts = parts[1:]
    return " > ".join(parts)


def source_label(c: Citation) -> str:
    """"Title — Section" (the section's own heading, not the whole path)."""
    part = c.section.split(" > ")[-1]
    return c.title + (f" — {part}" if part and part != c.title else "")


def citation_url(c: Citation, app_links: bool = False, base: str = "") -> str | None:
    """Where a citation opens: the article's public page, else (or when the clinic prefers it) the app's own view."""
    url = safe_url(c.url)
    if url and not app_links:
        return url
    return base.rstrip("/") + c.article_path


def link(text: str, url: str | None) -> str:
    """A Markdown link (brackets and spaces in the URL percent-encoded so it cannot end early)."""
    if not url:
        return text
    safe = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("\\", "%5C")
    return f"[{text}]({safe})"


def answer_markdown(answer: Answer, app_links: bool = False) -> str:
    """The answer with [n] as links to the cited section, then a numbered sources list."""
    by_n = {c.n: c for c in answer.citations}
    parts, last = [], 0
    for match in CITATION.finditer(answer.answer):
        parts.append(escape_markdown(answer.answer[last : match.start()]))
        c = by_n.get(int(match.group(1)))
        url = citation_url(c, app_links) if c else None
        parts.append(link(f"\\[{match.group(1)}\\]", url) if url else escape_markdown(match.group(0)))
        last = match.end()
    parts.append(escape_markdown(answer.answer[last:]))
    body = "".join(parts)
    if answer.citations:
        body += "\n\n**Sources**\n\n" + sources_markdown(answer.citations, app_links)
    return body


def sources_markdown(citations: Sequence[Citation], app_links: bool = False) -> str:
    return "\n".join(f"{c.n}. {link(escape_markdown(source_label(c)), citation_url(c, app_links))}" for c in citations)


def sources_text(citations: Sequence[Citation], app_links: bool = False, base: str = "") -> list[str]:
    """Plain lines for reading out, pasting or a terminal: "[1] Title — Section: https://...", or, for an
    article with no web address, "[1] Title — Section (file name)"."""
    lines = []
    for c in citations:
        url = citation_url(c, app_links, base)
        where = f": {url}" if url and url.startswith("http") else f" ({public_name(c.name, c.source)})"
        lines.append(f"[{c.n}] {source_label(c)}{where}")
    return lines


_LIST_LINE = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_BOLD = re.compile(r"\\\*\\\*(.+?)\\\*\\\*")


def passage_markdown(text: str) -> str:
    """Article text as safe Markdown: its lists and bold kept, everything else shown literally."""
    lines = []
    for line in text.splitlines():
        match = _LIST_LINE.match(line)
        marker, body = (match.group(2), match.group(3)) if match else ("", line)
        body = _BOLD.sub(r"**\1**", escape_markdown(body))
        marker = "-" if marker in ("-", "*", "+") else marker
        lines.append(f"{marker} {body}" if marker else body)
    return "\n".join(lines)


def whole_sentences(text: str, limit: int = 420) -> str:
    """The passage's first sentences and list items up to about ``limit`` characters, never cut mid-sentence."""
    kept, used = [], 0
    for unit in split_units(text):
        piece = text[unit.start : unit.end]
        if kept and used + len(piece) > limit:
            return text[: kept[-1]].rstrip() + "\n…"
        kept.append(unit.end)
        used = unit.end
    return text
