"""Hostile files: every one is named, the run always finishes, good articles always go in.

A folder of ~40 files that break loaders in known ways, then seeded random damage to
valid Markdown, HTML and PDF files. The run must finish, every file must be either
added or skipped with a reason, and the good articles must be searchable.
"""

from __future__ import annotations

import codecs
import os
import random
import zlib
from pathlib import Path

import pytest
from conftest import FakeEmbedder, make_pdf, pdf_document
from hostile import GOOD_ARTICLE, UTF16_ARTICLE, bomb_pdf, heading_storm, long_line, utf16_article, write_hostile_folder

from assistant.retrieval.retriever import Retriever
from ingest.chunk import ChunkParams
from ingest.index import ingest
from ingest.limits import FileLimits

PARAMS = ChunkParams(max_tokens=120, overlap_tokens=16)


def run(paths, backend, embedder=None, limits=None, params=PARAMS):
    return ingest(paths, backend, embedder or FakeEmbedder(), params, limits=limits)


def outcome(report, path: Path) -> tuple[str, str]:
    """("added", "") or ("skipped", reason) or ("missing", "") for one file."""
    for key in ("added", "updated", "unchanged"):
        if os.path.abspath(path) in getattr(report, key):
            return key, ""
    for s in report.skipped:
        if s.path == str(path):
            return ("failed" if s.failed else "ignored"), s.reason
    return "missing", ""


def md(title: str, body: str) -> str:
    return f"# {title}\n\n{body}\n"


def nested_pdf(depth: int) -> bytes:
    """A content stream object nested ``depth`` arrays deep."""
    deep = b"[" * depth + b"]" * depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots " + deep + b" >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    return pdf_document(objects)


# name -> (bytes or a writer, expected outcome, reason fragment)
CASES: dict[str, tuple[object, str, str]] = {
    "bomb.pdf": (lambda p: bomb_pdf(p, 120), "failed", "decompression bomb"),
    "truncated.pdf": (make_pdf(["Calf stretches help heel pain."])[:150], "failed", "PDF"),
    "deep.pdf": (nested_pdf(50_000), "failed", "PDF"),
    "zip.md": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + os.urandom(200), "failed", "binary content"),
    "gzip.txt": (zlib.compress(b"hello" * 100), "failed", ""),
    "nul-only.md": (b"\x00" * 4096, "failed", "binary content"),
    "utf16-le.md": (UTF16_ARTICLE.encode("utf-16-le").join([codecs.BOM_UTF16_LE, b""]), "added", ""),
    "utf16-be.md": (codecs.BOM_UTF16_BE + UTF16_ARTICLE.encode("utf-16-be"), "added", ""),
    "utf32.md": (UTF16_ARTICLE.encode("utf-32"), "added", ""),
    "utf8-bom.md": (codecs.BOM_UTF8 + GOOD_ARTICLE.encode(), "added", ""),
    "utf16-no-bom.md": (UTF16_ARTICLE.encode("utf-16-le"), "failed", "UTF-16 without a byte-order mark"),
    "utf16-odd.md": (codecs.BOM_UTF16_LE + b"a\x00b", "failed", "not valid UTF-16"),
    "latin1.md": ("# Caf\u00e9 knee\n\nPain on stairs.".encode("latin-1"), "failed", "not valid UTF-8"),
    "empty.md": (b"", "failed", "empty file"),
    "blank.txt": (b" \n\t\n  \n", "failed", "empty file"),
    "too-big.md": (b"word " * (1024 * 1024 // 5 + 10), "failed", "CLINIC_MAX_FILE_MB"),
    "headings.md": (lambda p: heading_storm(p, 2000), "failed", "CLINIC_MAX_CHUNKS_PER_ARTICLE"),
    "one-line.txt": (lambda p: long_line(p, 512 * 1024), "failed", "CLINIC_MAX_CHUNKS_PER_ARTICLE"),
    "one-word.md": (md("Long word", "x" * 100_000), "added", ""),
    "alias-bomb.md": (
        b"---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ntags: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\nBody.\n",
        "failed",
        "aliases",
    ),
    "big-front-matter.md": (b"---\nsummary: " + b"y" * 70_000 + b"\n---\nBody.\n", "failed", "front matter is over"),
    "python-tag.md": (b"---\ntitle: !!python/object/apply:os.system [echo hi]\n---\nBody.\n", "failed", "not valid YAML"),
    "odd-front-matter.md": (
        b"---\ntitle: 12345\npublished: 2024-01-01\ntags: {a: 1}\nauthor: [1, 2]\n---\nShoulder text here.\n",
        "added",
        "",
    ),
    "deep.html": (b"<html><body>" + b"<div>" * 20_000 + b"Text" + b"</div>" * 20_000 + b"</body></html>", "any", ""),
    "script-only.html": (b"<html><head><script>alert(1)</script></head><body></body></html>", "failed", "no main content"),
    "utf16.html": (
        ("<html><head><title>Hip pain</title></head><body><article><h1>Hip pain</h1><p>"
         + "Hip pain on the outside of the hip is often gluteal tendinopathy. " * 5
         + "</p></article></body></html>").encode("utf-16"),
        "added",
        "",
    ),
    "controls.md": (md("Knee\u202e pain", "Knee\u200b pain\u0007 on stairs.\u2066 Rest helps.").encode(), "added", ""),
    "long-heading.md": (("# " + "Heading " * 2000 + "\n\nSome text under it.\n").encode(), "added", ""),
    "many-items.md": (("# List\n\n" + "".join(f"- item {i}\n" for i in range(30_000))).encode(), "failed", "CHUNKS"),
    "crlf.md": (b"# Calf strain\r\n\r\nA calf strain hurts at the back of the leg.\r\n", "added", ""),
    "only-headings.md": (b"# A\n\n## B\n\n### C\n", "failed", "no text"),
    "empty-front-matter.markdown": (b"---\n---\n", "failed", "no text"),
    "image.png": (b"\x89PNG\r\n\x1a\n", "ignored", "not an article type"),
}


@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name, (content, _, _) in CASES.items():
        path = folder / name
        if callable(content):
            content(path)
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (folder / "good.md").write_text(GOOD_ARTICLE, encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "calf.md").write_text(md("Calf strain", "A calf strain is a tear in the calf muscle."), encoding="utf-8")
    os.symlink(outside / "calf.md", folder / "linked-calf.md")  # a link to a file outside: read under its name
    os.symlink(folder / "good.md", folder / "same-as-good.md")  # a second name for a file read anyway
    os.symlink(folder / "missing.md", folder / "dangling.md")
    os.symlink(folder, folder / "loop")
    os.mkfifo(folder / "pipe.md")  # reading it would block for ever
    (folder / "folder.md").mkdir()  # a folder with an article's name is walked, not read
    (folder / "folder.md" / "inside.md").write_text(md("Inside", "Text in a folder named like a file."), encoding="utf-8")
    return folder


def test_every_hostile_file_is_named_and_the_good_ones_go_in(hostile_folder, backend):
    report = run([hostile_folder], backend, limits=FileLimits(max_bytes=1024 * 1024))
    for name, (_, expected, fragment) in CASES.items():
        got, reason = outcome(report, hostile_folder / name)
        assert got != "missing", f"{name} is neither added nor skipped"
        if expected != "any":
            assert got == expected, (name, got, reason)
            assert fragment.lower() in reason.lower(), (name, reason)
        assert "could not be read (" not in reason, f"{name}: an unexpected error: {reason}"
    assert outcome(report, hostile_folder / "good.md") == ("added", "")
    assert outcome(report, hostile_folder / "linked-calf.md") == ("added", "")
    assert outcome(report, hostile_folder / "folder.md" / "inside.md") == ("added", "")
    same = outcome(report, hostile_folder / "same-as-good.md")
    assert same[0] == "ignored" and "same file as" in same[1]
    assert outcome(report, hostile_folder / "dangling.md") == ("failed", "broken symlink")
    assert "symlink loop" in outcome(report, hostile_folder / "loop")[1]
    assert outcome(report, hostile_folder / "pipe.md") == ("failed", "not a regular file")
    assert (str(hostile_folder / "linked-calf.md"), str((hostile_folder.parent / "elsewhere" / "calf.md"))) in report.links

    retriever = Retriever(backend, FakeEmbedder())
    for query, title in [("frozen shoulder pendulum", "Frozen shoulder"), ("tennis elbow wrist grip", "Tennis elbow")]:
        assert retriever.search(query).hits[0].title == title
    names = {a.source.rsplit("/", 1)[-1] for a in backend.live().articles().values()}
    assert {"utf16-le.md", "utf16-be.md", "utf32.md", "utf8-bom.md", "utf16.html", "linked-calf.md"} <= names


def test_the_issue_14_folder_then_two_unchanged_runs_grow_nothing(tmp_path, backend):
    files = write_hostile_folder(tmp_path / "articles")
    report = run([tmp_path / "articles"], backend)
    assert outcome(report, files["bomb"])[0] == "failed" and "decompression bomb" in outcome(report, files["bomb"])[1]
    assert outcome(report, files["utf16"]) == ("added", "") and outcome(report, files["good"]) == ("added", "")
    assert "same file as" in outcome(report, files["link"])[1]
    assert outcome(report, files["line"])[0] in ("added", "failed")
    manifest, size = backend.live().manifest(), backend.disk_bytes()
    for _ in range(2):
        again = run([tmp_path / "articles"], backend)
        assert not again.changed and again.chunks_written == 0
        assert backend.live().manifest() == manifest
        assert backend.disk_bytes() <= size


def test_seeded_random_damage_never_stops_the_run(tmp_path, backend):
    """Flipped, cut and inserted bytes in valid files: each is added or skipped with a reason."""
    rng = random.Random(20261125)
    html = (
        "<html><head><title>Heel pain</title></head><body><article><h1>Heel pain</h1>"
        + "<p>Plantar heel pain hurts under the heel in the morning.</p>" * 8
        + "</article></body></html>"
    ).encode()
    seeds = {".md": GOOD_ARTICLE.encode(), ".html": html, ".pdf": make_pdf(["Calf stretches help.", "Heel raises."], "Heel")}
    folder = tmp_path / "damaged"
    folder.mkdir()
    for i in range(90):
        suffix, data = list(seeds.items())[i % 3]
        data = bytearray(data)
        for _ in range(rng.randint(1, 12)):
            action, at = rng.random(), rng.randrange(len(data))
            if action < 0.5:
                data[at] = rng.randrange(256)
            elif action < 0.75:
                data[at:at] = os.urandom(rng.randint(1, 40))
            else:
                del data[at : at + rng.randint(1, 200)]
        (folder / f"damaged-{i:02d}{suffix}").write_bytes(bytes(data))
    (folder / "good.md").write_text(GOOD_ARTICLE, encoding="utf-8")
    report = run([folder], backend)
    for path in folder.iterdir():
        got, reason = outcome(report, path)
        assert got in ("added", "failed"), (path.name, got)
        assert got == "added" or reason, path.name
    assert outcome(report, folder / "good.md") == ("added", "")


def test_each_budget_names_its_setting(tmp_path, backend):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "leaflet.pdf").write_bytes(make_pdf(["Calf stretches help heel pain. " * 20] * 3))
    (folder / "knee.md").write_text(md("Knee", "Knee pain on stairs. " * 200), encoding="utf-8")
    report = run([folder], backend, limits=FileLimits(max_text_bytes=1000, max_chunks=3))
    assert "CLINIC_MAX_TEXT_MB" in outcome(report, folder / "leaflet.pdf")[1]
    assert "CLINIC_MAX_CHUNKS_PER_ARTICLE" in outcome(report, folder / "knee.md")[1]
    slow = run([folder], backend, limits=FileLimits(max_seconds=1e-9))
    for name in ("leaflet.pdf", "knee.md"):
        assert "CLINIC_MAX_SECONDS_PER_FILE" in outcome(slow, folder / name)[1]


def test_a_file_the_model_cannot_take_is_skipped_not_the_run(tmp_path, backend):
    class Picky(FakeEmbedder):
        def embed_documents(self, texts, progress=None):
            if any("poison" in t for t in texts):
                raise ValueError("cannot embed this text")
            return super().embed_documents(texts, progress)

    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_ARTICLE, encoding="utf-8")
    (folder / "bad.md").write_text(md("Bad", "This text has poison in it."), encoding="utf-8")
    report = run([folder], backend, embedder=Picky())
    assert outcome(report, folder / "good.md") == ("added", "")
    assert "could not be embedded" in outcome(report, folder / "bad.md")[1]


def test_utf16_article_reads_like_its_utf8_twin(tmp_path):
    from ingest.load import load_article

    a = utf16_article(tmp_path / "a.md")
    b = tmp_path / "b.md"
    b.write_text(UTF16_ARTICLE, encoding="utf-8")
    one, two = load_article(a, a.read_bytes()), load_article(b, b.read_bytes())
    assert one.sections == two.sections and one.title == two.title == "Tennis elbow"
