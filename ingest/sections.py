"""Split Markdown-style text into headed sections with URL anchors (pure functions)."""

from __future__ import annotations

import re

from assistant.core.records import Section

_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_NOT_SLUG = re.compile(r"[^\w\- ]", re.UNICODE)


def slugify(heading: str) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = _NOT_SLUG.sub("", heading.strip().lower())
    return re.sub(r"\s", "-", text)


def first_heading(text: str) -> str | None:
    """The text of the first Markdown heading, if any."""
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _ATX.match(line)
        if match:
            return clean_heading(match.group(2))
    return None


def clean_heading(text: str) -> str:
    """Heading text without Markdown emphasis or link syntax."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


def split_sections(text: str, title: str) -> list[Section]:
    """Cut text at its headings; each section keeps the heading path under the title.

    A leading heading that repeats the title is treated as the title itself, so
    paths read "Title > Heading" rather than "Title > Title > Heading".
    """
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, heading)
    anchor: str | None = None
    lines: list[str] = []
    seen_anchors: dict[str, int] = {}
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        lines.clear()
        if body:
            path = (title, *[h for _, h in stack])
            sections.append(Section(path=path, anchor=anchor, text=body))

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _ATX.match(line)
        if not match:
            lines.append(line)
            continue
        flush()
        level, heading = len(match.group(1)), clean_heading(match.group(2))
        if not sections and not stack and heading.casefold() == title.casefold():
            anchor = None  # the title repeated as the first heading
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
        slug = slugify(heading)
        count = seen_anchors.get(slug, 0)
        seen_anchors[slug] = count + 1
        anchor = slug if count == 0 else f"{slug}-{count}"
    flush()
    return sections
