"""Load article files into Article records.

Loaders: Markdown with YAML front matter, plain text, HTML (main content via
trafilatura) and PDF (pypdf). Every problem becomes a ``LoadError`` with a reason
a person can act on; nothing is dropped without being named. Each file runs under
a ``FileLimits`` budget (size, decompressed text, time).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import re
from pathlib import Path
from typing import Any

import yaml

from assistant.core.records import Article, Section
from assistant.core.text import clean_body, normalise_text, squash_whitespace
from ingest.discover import HTML, MARKDOWN, PDF, TEXT, source_id
from ingest.limits import Deadline, FileLimits, LoadError
from ingest.sections import first_heading, split_sections

#: Front matter fields copied into an article's metadata.
METADATA_FIELDS = ("published", "reviewed", "author", "region", "tags", "summary")
#: Front matter longer than this is not front matter.
MAX_FRONT_MATTER = 64 * 1024
#: Byte-order marks, longest first (UTF-32's starts like UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- reading


def _stat_reason(exc: OSError) -> str:
    return f"cannot read: {exc.strerror or exc}"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a file, refusing empty and oversized ones."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(_stat_reason(exc)) from exc
    if size > max_bytes:
        raise LoadError(
            f"file is {size / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:g} MB limit "
            "(CLINIC_MAX_FILE_MB)"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        raise LoadError(_stat_reason(exc)) from exc
    if len(data) > max_bytes:
        raise LoadError(f"file is over the {max_bytes / 1_048_576:g} MB limit (CLINIC_MAX_FILE_MB)")
    if not data.strip():
        raise LoadError("empty file")
    return data


def load_article(
    path: Path,
    data: bytes,
    limits: FileLimits | None = None,
    deadline: Deadline | None = None,
    name: str | None = None,
) -> Article:
    """Turn a file's bytes into an Article, choosing the loader by extension.

    ``name`` is what visitors may see (a relative path); the article is stored under
    its absolute path, which is never shown.
    """
    limits = limits or FileLimits()
    deadline = deadline or limits.deadline()
    suffix = path.suffix.lower()
    digest = content_hash(data)
    source = source_id(path)
    if suffix in MARKDOWN:
        article = _load_markdown(path, source, digest, decode_text(data))
    elif suffix in TEXT:
        article = _load_text(path, source, digest, decode_text(data))
    elif suffix in HTML:
        article = _load_html(path, source, digest, data)
    elif suffix in PDF:
        article = _load_pdf(path, source, digest, data, limits, deadline)
    else:
        raise LoadError(f"not an article type ({suffix or 'no extension'})")
    deadline.check("reading it")
    return _named(article, name or path.name)


def _named(article: Article, name: str) -> Article:
    from dataclasses import replace

    return replace(article, name=name)


def decode_text(data: bytes) -> str:
    """Text from UTF-8 (with or without a BOM), or UTF-16/32 with a BOM; anything else is named."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise LoadError(
                    f"starts with a {label} byte-order mark but is not valid {label} "
                    f"(at byte {exc.start + len(bom)}); save it as UTF-8"
                ) from exc
            return _usable(text)
    head = data[:8192]
    if b"\x00" in head:
        if _looks_like_utf16(head):
            raise LoadError("looks like UTF-16 without a byte-order mark; save it as UTF-8")
        raise LoadError("binary content, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from exc
    return _usable(text)


def _looks_like_utf16(head: bytes) -> bool:
    """Most odd or most even bytes are NUL: ASCII text saved as UTF-16 without a BOM."""
    even, odd = head[0::2], head[1::2]
    if not even or not odd:
        return False
    zeros = sorted((even.count(0) / len(even), odd.count(0) / len(odd)))
    return zeros[0] < 0.1 and zeros[1] > 0.7


def _usable(text: str) -> str:
    if "\x00" in text:
        raise LoadError("binary content, not text")
    text = normalise_text(text)
    if not text.strip():
        raise LoadError("empty file")
    return text


def _title_from_filename(path: Path) -> str:
    words = re.sub(r"[-_]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else path.name


def _build(
    path: Path,
    source: str,
    digest: str,
    body: str,
    title: str | None,
    url: str | None,
    metadata: dict[str, Any],
) -> Article:
    body = clean_body(body)
    title = squash_whitespace(title) if title else (first_heading(body) or _title_from_filename(path))
    sections = split_sections(body, title)
    if not sections:
        raise LoadError("no text after the headings and front matter")
    return Article(
        source=source,
        title=title,
        url=url,  # no public URL: the app links to its own copy of the article
        sections=tuple(sections),
        content_hash=digest,
        metadata=metadata,
    )


# --------------------------------------------------------------------------- Markdown


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:(.*?)\n)??(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from a Markdown body; broken YAML raises LoadError."""
    if not text.startswith("---"):
        return {}, text
    match = _FRONT_MATTER.match(text[: MAX_FRONT_MATTER + 16])
    if not match:
        if len(text) > MAX_FRONT_MATTER and _FRONT_MATTER.match(text):
            raise LoadError(f"front matter is over {MAX_FRONT_MATTER // 1024} KB; keep it to a few fields")
        raise LoadError("front matter starts with '---' but has no closing '---' line")
    try:
        raw = match.group(1) or ""
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(raw, Loader=yaml.SafeLoader)):
            raise LoadError("front matter uses YAML aliases (*name); write the values out")
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise LoadError(f"front matter is not valid YAML{where}: {problem}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LoadError("front matter must be 'key: value' lines")
    return data, text[match.end() :]


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [str(_plain(v)) for v in value]
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _load_markdown(path: Path, source: str, digest: str, text: str) -> Article:
    front, body = split_front_matter(text)
    title = front.get("title")
    url = front.get("url")
    if url is not None and not (isinstance(url, str) and re.match(r"https?://", url)):
        raise LoadError(f"front matter url must start with http:// or https:// (got {url!r})")
    metadata = {k: _plain(front[k]) for k in METADATA_FIELDS if front.get(k) is not None}
    body = _COMMENT.sub("", body)  # an editor's note in <!-- --> is never shown on the page: never quoted either
    return _build(path, source, digest, body, str(title) if title else None, url, metadata)


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


# --------------------------------------------------------------------------- plain text

_DATE_LINE = re.compile(
    r"^(?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}?,?\s*\d{4}$"
    r"|^\d{4}-\d{2}-\d{2}$|^\d{1,2}/\d{1,2}/\d{2,4}$",
    re.IGNORECASE,
)


def _looks_like_heading(block: str) -> bool:
    line = block.strip()
    if "\n" in line or len(line) > 90 or len(line.split()) < 2:
        return False
    if line[-1] in ".,;:…" or line.startswith(("-", "*", "#")) or line[0].isdigit():
        return False
    return line[0].isupper()


def plain_text_to_markdown(text: str) -> tuple[str | None, str, dict[str, Any]]:
    """Mark short stand-alone lines as headings; return (title, markdown, metadata).

    Scraped blog posts often arrive as plain text: a title line, a date line and
    short question-like lines that were headings on the page.
    """
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    title: str | None = None
    metadata: dict[str, Any] = {}
    out: list[str] = []
    for block in blocks:
        stripped = block.strip()
        if stripped.startswith("#"):
            out.append(stripped)
        elif _DATE_LINE.match(stripped) and "published" not in metadata:
            metadata["published"] = stripped
        elif _looks_like_heading(stripped):
            if title is None and not out:
                title = stripped
            else:
                out.append(f"## {stripped}")
        else:
            out.append(block)
    return title, "\n\n".join(out), metadata


def _load_text(path: Path, source: str, digest: str, text: str) -> Article:
    title, body, metadata = plain_text_to_markdown(text)
    return _build(path, source, digest, body, title, None, metadata)


# --------------------------------------------------------------------------- HTML


def load_web_page(url: str, data: bytes) -> Article:
    """A fetched web page as an Article: source is the fetched URL, url the canonical one."""
    from urllib.parse import urlparse

    stem = Path(urlparse(url).path.rstrip("/")).name or urlparse(url).netloc
    return _named(_load_html(Path(stem + ".html"), url, content_hash(data), data, fallback_url=url), url)


def _load_html(path: Path, source: str, digest: str, data: bytes, fallback_url: str | None = None) -> Article:
    markup: bytes | str = data
    if any(data.startswith(bom) for bom, _, _ in _BOMS):
        markup = decode_text(data)  # trafilatura guesses 8-bit encodings, not UTF-16
    elif b"\x00" in data[:8192]:
        raise LoadError("binary content, not HTML")
    import trafilatura  # heavy; only needed for HTML

    body = trafilatura.extract(
        markup,
        output_format="markdown",
        include_formatting=True,
        include_comments=False,
        include_tables=True,
        include_links=False,
        include_images=False,
        favor_recall=True,
    )
    if not body or not body.strip():
        raise LoadError("no main content found in the HTML page")
    meta = trafilatura.extract_metadata(markup)
    title = url = None
    metadata: dict[str, Any] = {}
    if meta is not None:
        title = meta.title
        if title and meta.sitename:
            title = re.sub(rf"\s*[|\-–—:]\s*{re.escape(meta.sitename)}\s*$", "", title) or title
        if meta.url and re.match(r"https?://", meta.url):
            url = meta.url
        if meta.date:
            metadata["published"] = meta.date
        if meta.author:
            metadata["author"] = meta.author
        if meta.description:
            metadata["summary"] = meta.description
    return _build(path, source, digest, normalise_text(body), title, url or fallback_url, metadata)


# --------------------------------------------------------------------------- PDF


def _load_pdf(path: Path, source: str, digest: str, data: bytes, limits: FileLimits, deadline: Deadline) -> Article:
    if not data.lstrip()[:5] == b"%PDF-":
        raise LoadError("not a PDF (no %PDF- header)")
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    pages: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF is password-protected")
        total = 0
        for number, page in enumerate(reader.pages, start=1):
            deadline.check(f"reading page {number} of the PDF")
            text = page.extract_text() or ""
            total += len(text)
            limits.check_text(total, "the PDF's text")
            pages.append(text)
        info_title = (reader.metadata.title if reader.metadata else None) or None
    except LoadError:
        raise
    except LimitReachedError as exc:
        raise LoadError(f"PDF has a stream that decompresses past the safety limit, a decompression bomb? ({exc})") from exc
    except RecursionError as exc:
        raise LoadError("PDF's structure nests too deeply to read") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on broken files
        raise LoadError(f"PDF cannot be read: {type(exc).__name__}: {str(exc)[:200]}") from exc
    title = squash_whitespace(info_title) if isinstance(info_title, str) and info_title.strip() else _title_from_filename(path)
    sections: list[Section] = []
    for number, text in enumerate(pages, start=1):
        text = clean_body(text)
        if text:
            sections.append(Section(path=(title, f"Page {number}"), anchor=f"page={number}", text=text))
    if not sections:
        raise LoadError("PDF has no extractable text (a scanned image?)")
    return Article(source=source, title=title, url=None, sections=tuple(sections), content_hash=digest, metadata={})
