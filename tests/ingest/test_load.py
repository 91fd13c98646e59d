"""Loaders, discovery and every kind of bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CORPUS, make_pdf

from ingest.discover import discover
from ingest.load import LoadError, load_article, read_bytes, split_front_matter

MB = 1024 * 1024


def load(path: Path, max_bytes: int = 5 * MB):
    return load_article(path, read_bytes(path, max_bytes))


def test_markdown_front_matter_and_sections(tmp_path):
    path = tmp_path / "piriformis.md"
    path.write_text(
        "---\ntitle: Piriformis syndrome\nurl: https://clinic.example/articles/piriformis\n"
        "published: 2024-03-12\ntags: [hip, buttock]\nsummary: Deep buttock pain.\n---\n\n"
        "Intro text about the buttock.\n\n## What is it?\n\nA small muscle.\n\n"
        "## Exercises\n\n### Clamshell\n\nLie on your side.\n",
        encoding="utf-8",
    )
    article = load(path)
    assert article.title == "Piriformis syndrome"
    assert article.url == "https://clinic.example/articles/piriformis"
    assert article.metadata["published"] == "2024-03-12"
    assert article.metadata["tags"] == ["hip", "buttock"]
    labels = [s.label for s in article.sections]
    assert labels == [
        "Piriformis syndrome",
        "Piriformis syndrome > What is it?",
        "Piriformis syndrome > Exercises > Clamshell",
    ]
    assert [s.anchor for s in article.sections] == [None, "what-is-it", "clamshell"]


def test_an_editors_note_in_a_comment_is_not_article_text(tmp_path):
    path = tmp_path / "faq.md"
    path.write_text(
        "---\ntitle: Clinic FAQ\n---\n\n## How much does it cost?\n\n"
        "<!-- Sample values: the clinic replaces these prices with its own.\nCheck with the manager. -->\n\n"
        "Our prices are:\n\n- Initial assessment: £65\n",
        encoding="utf-8",
    )
    text = " ".join(s.text for s in load(path).sections)
    assert "£65" in text and "Our prices are:" in text
    assert "Sample values" not in text and "manager" not in text and "<!--" not in text


def test_missing_title_uses_first_heading_then_file_name(tmp_path):
    a = tmp_path / "a.md"
    a.write_text("# Tennis elbow basics\n\nThe outside of the elbow hurts.\n", encoding="utf-8")
    art = load(a)
    assert art.title == "Tennis elbow basics"
    # the heading that is the title is not repeated in the path
    assert art.sections[0].path == ("Tennis elbow basics",)
    b = tmp_path / "shin-splints_guide.md"
    b.write_text("Pain along the shin bone when running.\n", encoding="utf-8")
    art = load(b)
    assert art.title == "Shin splints guide"
    assert art.url is None  # no public URL: never the server's path


def test_plain_text_title_date_and_headings(tmp_path):
    path = tmp_path / "post.txt"
    path.write_text(
        "Why does my shoulder click?\n\nMar 3 2021\n\nShoulders click for many reasons…\n\n"
        "What is the rotator cuff?\n\nThe rotator cuff is a group of four muscles.\n\n"
        "  • Supraspinatus\n  • Infraspinatus\n",
        encoding="utf-8",
    )
    art = load(path)
    assert art.title == "Why does my shoulder click?"
    assert art.metadata["published"] == "Mar 3 2021"
    labels = [s.label for s in art.sections]
    assert "Why does my shoulder click? > What is the rotator cuff?" in labels
    rotator = next(s for s in art.sections if s.anchor == "what-is-the-rotator-cuff")
    assert "- Supraspinatus" in rotator.text  # bullet characters become list items


HTML_PAGE = """<!doctype html><html><head><title>Ankle sprains | Riverside Physio</title>
<meta property="og:site_name" content="Riverside Physio">
<link rel="canonical" href="https://clinic.example/blog/ankle-sprains"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/team">Our team</a></li></ul></nav>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies</div>
<main><article><h1>Ankle sprains</h1>
<p>An ankle sprain is a stretch or tear of the ligaments on the outside of the ankle, usually from rolling it.</p>
<h2>What helps</h2><p>Gentle movement in the first days and balance exercises later help the ankle recover its control.</p>
<h2>When to see a physio</h2><p>If you still cannot walk normally after two weeks, a physiotherapist can assess the ankle.</p>
</article></main>
<section class="comments"><h3>Leave a reply</h3><form><textarea name="comment"></textarea><button>Post comment</button></form></section>
<footer><p>Copyright 2024 Riverside Physio. All rights reserved. Privacy policy.</p></footer></body></html>"""


def test_html_keeps_main_content_only(tmp_path):
    path = tmp_path / "ankle.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    art = load(path)
    text = "\n".join(s.text for s in art.sections)
    assert "ligaments on the outside of the ankle" in text
    assert "balance exercises" in text
    for junk in ("cookies", "Our team", "All rights reserved", "Leave a reply", "Post comment"):
        assert junk not in text
    assert art.title == "Ankle sprains"
    assert art.url == "https://clinic.example/blog/ankle-sprains"
    assert any(s.anchor == "what-helps" for s in art.sections)


def test_pdf_pages_become_sections(tmp_path):
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(make_pdf(["Heel pain is common in runners.", "Calf stretches can help."], title="Heel leaflet"))
    art = load(path)
    assert art.title == "Heel leaflet"
    assert [s.anchor for s in art.sections] == ["page=1", "page=2"]
    assert "Calf stretches" in art.sections[1].text
    untitled = tmp_path / "calf-advice.pdf"
    untitled.write_bytes(make_pdf(["Some calf advice."]))
    assert load(untitled).title == "Calf advice"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.md", b"", "empty file"),
        ("blank.md", b"   \n\n  ", "empty file"),
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary content"),
        ("latin1.md", "Caf\u00e9 knee pain".encode("latin-1"), "not valid UTF-8"),
        ("broken.md", b"---\ntitle: [unclosed\nurl: x\n---\nBody text here.\n", "front matter is not valid YAML"),
        ("unclosed.md", b"---\ntitle: Knee\nBody without a closing line\n", "no closing '---'"),
        ("badurl.md", b"---\ntitle: Knee\nurl: javascript:alert(1)\n---\nBody.\n", "url must start with http"),
        ("list.md", b"---\n- a\n- b\n---\nBody.\n", "front matter must be"),
        ("onlymatter.md", b"---\ntitle: Knee\n---\n\n## Empty heading\n", "no text"),
        ("fake.pdf", b"this is not a pdf at all", "not a PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "PDF"),
        ("blankpage.pdf", make_pdf([""]), "no extractable text"),
    ],
)
def test_bad_input_has_a_named_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load(path)


def test_oversized_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.md"
    path.write_bytes(b"word " * (MB // 4))
    with pytest.raises(LoadError, match=r"over the 1 MB limit \(CLINIC_MAX_FILE_MB\)"):
        read_bytes(path, 1 * MB)


def test_discover_names_everything_it_leaves_out(tmp_path):
    root = tmp_path / "c"
    (root / "sub").mkdir(parents=True)
    (root / "a.md").write_text("A", encoding="utf-8")
    (root / "sub" / "b.txt").write_text("B", encoding="utf-8")
    (root / "README.md").write_text("notes", encoding="utf-8")
    (root / "photo.png").write_bytes(b"\x89PNG")
    (root / ".hidden.md").write_text("x", encoding="utf-8")
    os.symlink(root / "loop", root / "loop")  # a link to itself
    os.symlink(root, root / "sub" / "up")  # a folder link back to an ancestor
    os.symlink(root / "missing.md", root / "dangling.md")
    files, skipped = discover([root, tmp_path / "nope"])
    assert sorted(f.path.name for f in files) == ["a.md", "b.txt"]
    assert sorted(f.name for f in files) == ["a.md", "sub/b.txt"]  # shown relative to the folder given
    reasons = {Path(s.path).name: (s.reason, s.failed) for s in skipped}
    assert reasons["loop"][0] == "symlink loop" and reasons["loop"][1]
    assert "symlink loop" in reasons["up"][0]
    assert reasons["dangling.md"][0] == "broken symlink"
    assert reasons["README.md"] == ("README: notes about the folder, not an article", False)
    assert "not an article type (.png" in reasons["photo.png"][0] and not reasons["photo.png"][1]
    assert reasons["nope"] == ("no such file or folder", True)
    assert ".hidden.md" not in reasons


def test_front_matter_split_without_front_matter():
    assert split_front_matter("Just text") == ({}, "Just text")


def test_zero_width_and_control_characters_are_removed(tmp_path):
    path = tmp_path / "zw.md"
    path.write_text("# Knee\n\nKnee\u200b pain\u0007 on stairs.\r\nMore text.\n", encoding="utf-8")
    art = load(path)
    assert art.sections[0].text == "Knee pain on stairs.\nMore text."


def test_bundled_corpus_is_complete_and_well_formed():
    files, skipped = discover([CORPUS])
    assert len(files) >= 17
    assert [s for s in skipped if s.failed] == []
    for found in files:
        path = found.path
        art = load(path)
        words = sum(len(s.text.split()) for s in art.sections)
        assert 500 <= words <= 1200, (path.name, words)
        assert art.url is None  # the samples have no public page: citations open the app's copy
        for key in ("published", "reviewed", "author", "region", "tags", "summary"):
            assert key in art.metadata, (path.name, key)
        if path.stem != "clinic-faq":
            headings = " ".join(s.label.lower() for s in art.sections)
            assert "when to see a physio" in headings, path.name
            assert "exercise" in headings, path.name
