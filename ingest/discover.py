"""Find the article files under the paths given, naming everything left out (no file is read here).

Hidden files and folders (starting with ".") are not read. Symlinks are followed
once: a link to a file that is read anyway is reported as the same file, a link to
a file elsewhere is read under the link's name, and loops and broken links are
reported with their reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt"}
HTML = {".html", ".htm"}
PDF = {".pdf"}
SUPPORTED = MARKDOWN | TEXT | HTML | PDF


@dataclass(frozen=True)
class Skipped:
    """A path that was not ingested, and why.

    ``failed`` is True for things that should have been articles (a broken file);
    False for things that are not articles at all (a README, an image), or that
    were read under another name (a second link to the same file).
    """

    path: str
    reason: str
    failed: bool = True


@dataclass(frozen=True)
class Found:
    """An article file to read: its path, the name it is shown under, and the link it came through."""

    path: Path
    name: str
    link_to: str | None = None


def source_id(path: Path) -> str:
    """The stable name an article is stored under: its absolute path (never shown to visitors)."""
    return os.path.abspath(path)


def display_name(path: Path, root: Path) -> str:
    """The name a visitor may see: the path relative to the folder given, or the file name."""
    try:
        relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return Path(path).name
    return relative.as_posix() or Path(path).name


def discover(paths: Iterable[Path]) -> tuple[list[Found], list[Skipped]]:
    """Expand files and folders into article files, naming everything left out."""
    candidates: list[tuple[Path, Path, bool]] = []  # (path, root, explicit)
    skipped: list[Skipped] = []
    seen_dirs: dict[tuple[int, int], str] = {}

    def walk(folder: Path, root: Path) -> None:
        info = _stat(folder, skipped)
        if info is None:
            return
        key = (info.st_dev, info.st_ino)
        if key in seen_dirs:
            reason = "symlink loop" if _is_inside(folder, seen_dirs[key]) else "same folder as"
            skipped.append(Skipped(str(folder), f"{reason} {seen_dirs[key]}, already read", failed=False))
            return
        seen_dirs[key] = str(folder)
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
                walk(path, root)
            else:
                candidates.append((path, root, False))

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
            walk(path, path)
        else:
            candidates.append((path, path.parent, True))

    found: list[Found] = []
    read_as: dict[tuple[int, int], str] = {}
    # Real files first, so a link to a file that is read anyway is the one reported as the same file.
    for path, root, explicit in sorted(candidates, key=lambda c: (c[0].is_symlink(), str(c[0]))):
        item = _article_file(path, root, explicit, read_as, skipped)
        if item is not None:
            found.append(item)
    found.sort(key=lambda f: str(f.path))
    return found, skipped


def _article_file(path: Path, root: Path, explicit: bool, read_as: dict, skipped: list[Skipped]) -> Found | None:
    info = _stat(path, skipped)
    if info is None:
        return None
    link_to = os.path.realpath(path) if path.is_symlink() else None
    key = (info.st_dev, info.st_ino)
    if key in read_as:
        skipped.append(Skipped(str(path), f"same file as {read_as[key]} (a link), read once", failed=False))
        return None
    if not stat.S_ISREG(info.st_mode):
        skipped.append(Skipped(str(path), "not a regular file"))
        return None
    suffix = path.suffix.lower()
    if path.stem.lower() == "readme" and not explicit:
        skipped.append(Skipped(str(path), "README: notes about the folder, not an article", False))
        return None
    if suffix not in SUPPORTED:
        kinds = ", ".join(sorted(SUPPORTED))
        skipped.append(Skipped(str(path), f"not an article type ({suffix or 'no extension'}; reads {kinds})", explicit))
        return None
    read_as[key] = str(path)
    return Found(path, display_name(path, root), link_to)


def _stat(path: Path, skipped: list[Skipped]) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError as exc:
        skipped.append(Skipped(str(path), _stat_reason(path, exc)))
        return None


def _is_inside(path: Path, folder: str) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(folder).rstrip(os.sep) + os.sep)


def _stat_reason(path: Path, exc: OSError) -> str:
    if exc.errno == 40 or "loop" in str(exc).lower():  # ELOOP
        return "symlink loop"
    if path.is_symlink() and not path.exists():
        return "broken symlink"
    return f"cannot read: {exc.strerror or exc}"
