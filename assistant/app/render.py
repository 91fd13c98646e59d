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

from assistant.core.records import CITATION, Answer, Citation

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


def source_label(c: Citation) -> str:
    """"Title — Section" (the section's own heading, not the whole path)."""
    part = c.section.split(" > ")[-1]
    return c.title + (f" — {part}" if part and part != c.title else "")


def answer_markdown(answer: Answer) -> str:
    """The answer with [n] as links to the cited section, then a numbered sources list."""
    by_n = {c.n: c for c in answer.citations}
    parts, last = [], 0
    for match in CITATION.finditer(answer.answer):
        parts.append(escape_markdown(answer.answer[last : match.start()]))
        c = by_n.get(int(match.group(1)))
        url = safe_url(c.url) if c else None
        parts.append(f"[\\[{match.group(1)}\\]]({url})" if url else escape_markdown(match.group(0)))
        last = match.end()
    parts.append(escape_markdown(answer.answer[last:]))
    body = "".join(parts)
    if answer.citations:
        body += "\n\n**Sources**\n\n" + sources_markdown(answer.citations)
    return body


def sources_markdown(citations: Sequence[Citation]) -> str:
    items = []
    for c in citations:
        url, label = safe_url(c.url), escape_markdown(source_label(c))
        items.append(f"{c.n}. [{label}]({url})" if url else f"{c.n}. {label}")
    return "\n".join(items)


def sources_text(citations: Sequence[Citation]) -> list[str]:
    """Plain lines for reading out, pasting or a terminal: "[1] Title — Section: https://..."."""
    return [f"[{c.n}] {source_label(c)}" + (f": {url}" if (url := safe_url(c.url)) else "") for c in citations]
