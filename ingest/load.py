"""Find article files and load them into Article records.

Loaders: Markdown with YAML front matter, plain text, HTML (main content via
trafilatura) and PDF (pypdf). Every problem becomes a ``LoadError`` with a reason
a person can act on; nothing is dropped without being named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.core.records import Article, Section
from assistant.core.text import clean_body, normalise_text, squash_whitespace
from ingest.sections import first_heading, split_sections

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt"}
HTML = {".html", ".htm"}
PDF = {".pdf"}
SUPPORTED = MARKDOWN | TEXT | HTML | PDF
#: Front matter fields copied into an article's metadata.
METADATA_FIELDS = ("published", "reviewed", "author", "region", "tags", "summary")


class LoadError(Exception):
    """A file could not be turned into an article; ``str(err)`` is the reason."""


@dataclass(frozen=True)
class Skipped:
    """A path that was not ingested, and why.

    ``failed`` is True for things that should have been articles (a broken file);
    False for things that are not articles at all (a README, an image).
    """

    path: str
    reason: str
    failed: bool = True


def source_id(path: Path) -> str:
    """The stable name an article is stored under: its absolute path."""
    return os.path.abspath(path)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- discovery


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand files and folders into article files, naming everything left out.

    Hidden files and folders (starting with ".") are not read. Symlinks are
    followed once; loops and broken links are reported.
    """
    found: list[Path] = []
    skipped: list[Skipped] = []
    seen_files: set[tuple[int, int]] = set()
    seen_dirs: set[tuple[int, int]] = set()

    def identity(path: Path) -> tuple[tuple[int, int], os.stat_result] | None:
        """(device, inode) and stat of a path, or None after naming why it cannot be read."""
        try:
            info = path.stat()
        except OSError as exc:
            skipped.append(Skipped(str(path), _stat_reason(path, exc)))
            return None
        return (info.st_dev, info.st_ino), info

    def add_file(path: Path, explicit: bool) -> None:
        found_id = identity(path)
        if found_id is None:
            return
        key, info = found_id
        if key in seen_files:
            return
        if not stat.S_ISREG(info.st_mode):
            skipped.append(Skipped(str(path), "not a regular file"))
            return
        suffix = path.suffix.lower()
        if path.stem.lower() == "readme" and not explicit:
            skipped.append(Skipped(str(path), "README: notes about the folder, not an article", False))
            return
        if suffix not in SUPPORTED:
            kinds = ", ".join(sorted(SUPPORTED))
            skipped.append(
                Skipped(str(path), f"not an article type ({suffix or 'no extension'}; reads {kinds})", explicit)
            )
            return
        seen_files.add(key)
        found.append(path)

    def walk(folder: Path) -> None:
        found_id = identity(folder)
        if found_id is None:
            return
        key = found_id[0]
        if key in seen_dirs:
            skipped.append(Skipped(str(folder), "symlink loop: this folder was already read"))
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(str(folder), f"cannot list folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError as exc:
                skipped.append(Skipped(str(path), _stat_reason(path, exc)))
                continue
            if is_dir:
                walk(path)
            else:
                add_file(path, explicit=False)

    for raw in paths:
        path = Path(raw)
        try:
            is_dir = path.is_dir()
            exists = is_dir or path.exists() or path.is_symlink()
        except OSError as exc:
            skipped.append(Skipped(str(path), _stat_reason(path, exc)))
            continue
        if not exists:
            skipped.append(Skipped(str(path), "no such file or folder"))
        elif is_dir:
            walk(path)
        else:
            add_file(path, explicit=True)
    return found, skipped


def _stat_reason(path: Path, exc: OSError) -> str:
    if exc.errno == 40 or "loop" in str(exc).lower():  # ELOOP
        return "symlink loop"
    if path.is_symlink() and not path.exists():
        return "broken symlink"
    return f"cannot read: {exc.strerror or exc}"


# --------------------------------------------------------------------------- reading


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a file, refusing empty and oversized ones."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(_stat_reason(path, exc)) from exc
    if size > max_bytes:
        raise LoadError(
            f"file is {size / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:g} MB limit "
            "(CLINIC_MAX_FILE_MB)"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise LoadError("empty file")
    return data


def load_article(path: Path, data: bytes) -> Article:
    """Turn a file's bytes into an Article, choosing the loader by extension."""
    suffix = path.suffix.lower()
    digest = content_hash(data)
    source = source_id(path)
    if suffix in MARKDOWN:
        return _load_markdown(path, source, digest, _decode_text(data))
    if suffix in TEXT:
        return _load_text(path, source, digest, _decode_text(data))
    if suffix in HTML:
        return _load_html(path, source, digest, data)
    if suffix in PDF:
        return _load_pdf(path, source, digest, data)
    raise LoadError(f"not an article type ({suffix or 'no extension'})")


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError("binary content, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from exc
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
        url=url or path.resolve().as_uri(),
        sections=tuple(sections),
        content_hash=digest,
        metadata=metadata,
    )


# --------------------------------------------------------------------------- Markdown


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Separate YAML front matter from a Markdown body; broken YAML raises LoadError."""
    if not text.startswith("---"):
        return {}, text
    match = _FRONT_MATTER.match(text)
    if not match:
        raise LoadError("front matter starts with '---' but has no closing '---' line")
    try:
        data = yaml.safe_load(match.group(1))
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
    return _build(path, source, digest, body, str(title) if title else None, url, metadata)


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
    return _load_html(Path(stem + ".html"), url, content_hash(data), data, fallback_url=url)


def _load_html(path: Path, source: str, digest: str, data: bytes, fallback_url: str | None = None) -> Article:
    if b"\x00" in data[:8192]:
        raise LoadError("binary content, not HTML")
    import trafilatura  # heavy; only needed for HTML

    body = trafilatura.extract(
        data,
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
    meta = trafilatura.extract_metadata(data)
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


def _load_pdf(path: Path, source: str, digest: str, data: bytes) -> Article:
    if not data.lstrip()[:5] == b"%PDF-":
        raise LoadError("not a PDF (no %PDF- header)")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
        info_title = (reader.metadata.title if reader.metadata else None) or None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"PDF cannot be read: {exc}") from exc
    title = squash_whitespace(info_title) if info_title and info_title.strip() else _title_from_filename(path)
    sections: list[Section] = []
    for number, text in enumerate(pages, start=1):
        text = clean_body(text)
        if text:
            sections.append(Section(path=(title, f"Page {number}"), anchor=f"page={number}", text=text))
    if not sections:
        raise LoadError("PDF has no extractable text (a scanned image?)")
    return Article(
        source=source,
        title=title,
        url=path.resolve().as_uri(),
        sections=tuple(sections),
        content_hash=digest,
        metadata={},
    )
