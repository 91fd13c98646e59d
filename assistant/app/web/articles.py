"""The app's own view of an article (``/articles/<slug>#<section>``), rebuilt from the store.

Every citation can open it: the bundled articles have no public page, and a clinic
may prefer its visitors stay in the assistant (CLINIC_ARTICLE_LINKS=app). The text
comes from the store, so app replicas without the article files show it too. All
text is escaped; only paragraphs, lists and bold are rendered.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass

from assistant.core.records import article_slug, public_name
from assistant.core.store import StoreBackend

_LIST_LINE = re.compile(r"^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class ArticleSection:
    heading: str  # the section's own heading ("" for the text before the first one)
    anchor: str | None
    text: str


@dataclass(frozen=True)
class ArticlePage:
    title: str
    url: str | None
    sections: tuple[ArticleSection, ...]


def merge_chunks(texts: list[str]) -> str:
    """A section's text from its consecutive chunks, dropping the sentences each repeats from the one before."""
    merged = ""
    for text in texts:
        if not merged:
            merged = text
            continue
        overlap = 0
        for start in range(max(0, len(merged) - len(text)), len(merged)):
            if (start == 0 or merged[start - 1] in " \n") and text.startswith(merged[start:].strip()):
                overlap = len(merged[start:].strip())
                break
        rest = text[overlap:]
        separator = "" if not rest or rest[0] in " \n" else ("\n" if rest.lstrip().startswith(("- ", "* ")) else " ")
        merged = (merged + separator + rest).rstrip()
    return merged


class ArticleIndex:
    """Slug -> article, kept per store revision; pages rebuilt from the stored chunks."""

    def __init__(self, backend: StoreBackend):
        self.backend = backend
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._by_slug: dict[str, str] = {}

    def _slugs(self, store) -> dict[str, str]:
        key = (store.name, store.manifest().get("revision"))
        with self._lock:
            if key != self._key:
                self._by_slug = {}
                for source, article in sorted(store.articles().items()):
                    self._by_slug.setdefault(article_slug(public_name(article.name, source)), source)
                self._key = key
            return self._by_slug

    def page(self, slug: str) -> ArticlePage | None:
        store = self.backend.live()
        if store is None:
            return None
        source = self._slugs(store).get(slug)
        if source is None:
            return None
        chunks = store.source_chunks(source)
        if not chunks:
            return None
        first = chunks[0][1]
        title = first.get("title", "")
        groups: list[tuple[str, str | None, list[str]]] = []
        for text, meta in chunks:
            key = (meta.get("section", ""), meta.get("anchor") or None)
            if groups and (groups[-1][0], groups[-1][1]) == key:
                groups[-1][2].append(text)
            else:
                groups.append((key[0], key[1], [text]))
        sections = []
        for section, anchor, texts in groups:
            parts = [p for p in section.split(" > ") if p]
            heading = parts[-1] if len(parts) > 1 else ""
            sections.append(ArticleSection(heading, anchor, merge_chunks(texts)))
        return ArticlePage(title=title, url=first.get("url") or None, sections=tuple(sections))


def text_html(text: str) -> str:
    """Paragraphs and lists of escaped text; **bold** kept."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        items = [_LIST_LINE.match(ln) for ln in lines]
        if lines and all(items):
            tag = "ol" if items[0].group(2) else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(m.group(3))}</li>" for m in items) + f"</{tag}>")
            continue
        para: list[str] = []
        for line, item in zip(lines, items):
            if item:
                if para:
                    out.append(f"<p>{_inline(' '.join(para))}</p>")
                    para = []
                out.append(f"<ul><li>{_inline(item.group(3))}</li></ul>")
            else:
                para.append(line.strip())
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
    return "\n".join(out).replace("</ul>\n<ul>", "\n")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=False))


ARTICLE_CSS = """
body{font-family:system-ui,"Segoe UI",Arial,sans-serif;color:#1a1a1a;line-height:1.6;margin:0;background:#fafaf7}
header,footer{background:#0b6e4f;color:#fff;padding:12px 16px}
header a,footer a{color:#fff}
main{max-width:44rem;margin:0 auto;padding:8px 16px 48px}
h1{font-size:1.6rem;line-height:1.25;color:#0b6e4f}
h2{font-size:1.2rem;margin-top:1.6em}
section{scroll-margin-top:16px;padding:2px 12px;border-radius:8px;margin:0 -12px}
section:target{background:#fff4c2;outline:2px solid #e0b000}
.notice{font-size:.92rem;background:#eef6f2;padding:10px 12px;border-radius:8px}
.cta a{display:inline-block;margin:6px 8px 0 0;padding:10px 14px;border-radius:8px;background:#fff;color:#0b6e4f;
  font-weight:600;text-decoration:none}
"""


def article_document(page: ArticlePage, clinic: str, emergency: str, booking_url: str | None, phone: str) -> str:
    """The whole HTML page for one article."""
    esc = html.escape
    sections = []
    for s in page.sections:
        anchor = f' id="{esc(s.anchor, quote=True)}"' if s.anchor else ""
        heading = f"<h2>{esc(s.heading)}</h2>" if s.heading else ""
        sections.append(f"<section{anchor}>{heading}{text_html(s.text)}</section>")
    cta = []
    if booking_url:
        cta.append(f'<a href="{esc(booking_url, quote=True)}" target="_blank" rel="noopener">Book a physio assessment</a>')
    if phone:
        cta.append(f'<a href="tel:{esc(re.sub(r"[^0-9+]", "", phone), quote=True)}">Call {esc(phone)}</a>')
    original = (
        f'<p><a href="{esc(page.url, quote=True)}" rel="noopener">This article on the clinic\'s website</a></p>'
        if page.url else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(page.title)} · {esc(clinic)}</title><style>{ARTICLE_CSS}</style></head>
<body><header><a href="/">← {esc(clinic)} assistant</a></header>
<main><h1>{esc(page.title)}</h1>
<p class="notice">General information from {esc(clinic)}'s articles, not a diagnosis. In an emergency call {esc(emergency)}.</p>
{''.join(sections)}
{original}</main>
<footer><div class="cta">{''.join(cta)}</div></footer></body></html>"""
