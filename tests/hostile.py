"""Hostile files for ingest: what a clinic's shared folder or a bad actor can put there.

Used by the fuzz tests and by ``bench/hostile_ingest.py``; every generator writes
one file and returns its path.
"""

from __future__ import annotations

import os
import random
import zlib
from pathlib import Path

from conftest import pdf_document

GOOD_ARTICLE = """---
title: Frozen shoulder
url: https://clinic.example/articles/frozen-shoulder
---

# Frozen shoulder

## What it is

Frozen shoulder is a painful stiffening of the shoulder joint capsule. It tends to pass through
a freezing, a frozen and a thawing stage over many months.

## What helps

Gentle pendulum swings and wall walks keep the shoulder moving while it recovers.
"""

UTF16_ARTICLE = """# Tennis elbow

## What it is

Tennis elbow is pain on the outside of the elbow from overloading the tendon that extends the wrist.
Gripping and lifting with the palm down make it worse.

## What helps

Easing off the aggravating grip and slowly loading the wrist extensors helps most people.
"""


def bomb_pdf(path: Path, inflated_mb: int = 300) -> Path:
    """A small PDF whose one content stream inflates to ``inflated_mb`` MB of zeros."""
    packer = zlib.compressobj(9)
    parts = [packer.compress(b"\0" * (1024 * 1024)) for _ in range(inflated_mb)]
    stream = b"".join(parts) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path.write_bytes(pdf_document(objects))
    return path


def long_line(path: Path, size: int = 1024 * 1024, seed: int = 7) -> Path:
    """Ordinary words, no punctuation, no line break."""
    rng = random.Random(seed)
    words = "pain knee hip back muscle tendon physio exercise stretch walk rest swelling stiff".split()
    text = " ".join(rng.choice(words) for _ in range(size // 6))
    path.write_text(text[:size], encoding="utf-8")
    return path


def utf16_article(path: Path, text: str = UTF16_ARTICLE) -> Path:
    """What Windows Notepad saves as "Unicode": UTF-16 LE with a byte-order mark."""
    path.write_bytes(text.encode("utf-16"))
    return path


def heading_storm(path: Path, headings: int = 8000) -> Path:
    """A file that is nothing but headings, each with a word of text."""
    path.write_text("\n".join(f"## Heading {i}\n\nword {i}\n" for i in range(headings)), encoding="utf-8")
    return path


def write_hostile_folder(folder: Path) -> dict[str, Path]:
    """The bar of issue 14: a bomb PDF, a 1 MB line, a UTF-16 article, a symlink and a good article."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "bomb": bomb_pdf(folder / "leaflet.pdf"),
        "line": long_line(folder / "one-line.txt"),
        "utf16": utf16_article(folder / "tennis-elbow.md"),
        "good": folder / "frozen-shoulder.md",
    }
    files["good"].write_text(GOOD_ARTICLE, encoding="utf-8")
    link = folder / "shoulder-link.md"
    os.symlink(files["good"].name, link)
    files["link"] = link
    return files
