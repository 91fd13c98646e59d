"""Safe HTML for answers: every piece of visitor or article text is escaped.

Only links the assistant makes itself are emitted (citations to http(s) URLs);
no script, no images, no inline event handlers, no `javascript:` URLs.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from assistant.core.records import Answer, Citation

_CITE = re.compile(r"\[(\d{1,2})\]")


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) with a host, else None."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    return url.strip()


def _link(c: Citation, label: str) -> str:
    url = safe_url(c.url)
    text = html.escape(label)
    if url is None:
        return text
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">{text}</a>'


def answer_html(answer: Answer) -> str:
    """The answer as escaped paragraphs with numbered citation links, then the sources list."""
    by_n = {c.n: c for c in answer.citations}

    def cite(match: re.Match) -> str:
        c = by_n.get(int(match.group(1)))
        return f"<sup>{_link(c, match.group(0))}</sup>" if c else ""

    paragraphs = []
    for para in answer.answer.split("\n\n"):
        escaped = html.escape(para, quote=True)
        paragraphs.append(f"<p>{_CITE.sub(cite, escaped)}</p>")
    out = "".join(paragraphs)
    if answer.citations:
        items = "".join(
            f"<li>{_link(c, c.title)}"
            + (f" <span class=\"section\">{html.escape(c.section.split(' > ')[-1])}</span>" if c.section != c.title else "")
            + "</li>"
            for c in answer.citations
        )
        out += f'<ol class="sources">{items}</ol>'
    return out
