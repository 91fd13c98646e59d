"""Heading-aware chunking: sizes, overlap, ids and section paths."""

from __future__ import annotations

import re

import pytest
from conftest import FakeEmbedder

from assistant.core.records import Article, Section
from ingest.chunk import ChunkParams, chunk_article, chunk_id
from assistant.core.text import text_units
from ingest.sections import slugify, split_sections

count = FakeEmbedder().count_tokens


def make_article(sections, source="/tmp/a.md", digest="h1") -> Article:
    return Article(
        source=source,
        title="Knee pain",
        url="https://clinic.example/articles/knee",
        sections=tuple(sections),
        content_hash=digest,
    )


def long_text(n_sentences: int, word: str = "knee") -> str:
    return " ".join(f"Sentence {i} talks about the {word} and how it feels on stairs." for i in range(n_sentences))


def test_slugify_matches_github_anchors():
    assert slugify("When to see a physio") == "when-to-see-a-physio"
    assert slugify("What's ITB syndrome?") == "whats-itb-syndrome"
    assert slugify("Sit-to-stand (easy)") == "sit-to-stand-easy"


def test_split_sections_paths_and_duplicate_anchors():
    text = "Intro.\n\n## Exercises\n\n### Bridge\n\nLift.\n\n## Other\n\n### Bridge\n\nAgain.\n\n```\n## not a heading\n```\n"
    sections = split_sections(text, "Glutes")
    assert [s.label for s in sections] == ["Glutes", "Glutes > Exercises > Bridge", "Glutes > Other > Bridge"]
    assert [s.anchor for s in sections] == [None, "bridge", "bridge-1"]
    assert "## not a heading" in sections[-1].text


def test_units_split_sentences_and_list_items():
    units = text_units("First sentence. Second one? Third!\n\n- item one\n- item two\n  continued")
    assert units == ["First sentence.", "Second one?", "Third!", "- item one", "- item two continued"]


@pytest.mark.parametrize("max_tokens, overlap", [(40, 0), (64, 12), (200, 32)])
def test_chunks_fit_the_budget_and_cover_all_text(max_tokens, overlap):
    params = ChunkParams(max_tokens=max_tokens, overlap_tokens=overlap)
    article = make_article([Section(("Knee pain", "Why"), "why", long_text(30))])
    chunks = chunk_article(article, count, params)
    assert len(chunks) > 1
    for c in chunks:
        assert c.tokens <= max_tokens
        assert count(c.embed_text) == c.tokens
        assert c.section == "Knee pain > Why" and c.anchor == "why"
    joined = " ".join(c.text for c in chunks)
    for i in range(30):
        assert f"Sentence {i} " in joined


def test_overlap_repeats_the_last_sentence():
    params = ChunkParams(max_tokens=60, overlap_tokens=20)
    chunks = chunk_article(make_article([Section(("Knee pain",), None, long_text(12))]), count, params)
    for prev, nxt in zip(chunks, chunks[1:]):
        last = re.findall(r"Sentence \d+ [^.]*\.", prev.text)[-1]
        assert nxt.text.startswith(last)
    no_overlap = chunk_article(
        make_article([Section(("Knee pain",), None, long_text(12))]), count, ChunkParams(60, 0)
    )
    assert sum(len(c.text) for c in no_overlap) < sum(len(c.text) for c in chunks)


def test_a_sentence_longer_than_the_budget_is_cut_by_words():
    monster = " ".join(["word"] * 500) + "."
    chunks = chunk_article(make_article([Section(("Knee pain",), None, monster)]), count, ChunkParams(50, 0))
    assert len(chunks) >= 10
    assert all(c.tokens <= 50 for c in chunks)
    assert sum(c.text.count("word") for c in chunks) == 500


def test_ids_are_deterministic_and_follow_text():
    article = make_article([Section(("Knee pain",), None, long_text(20))])
    a = chunk_article(article, count, ChunkParams(60, 10))
    b = chunk_article(article, count, ChunkParams(60, 10))
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    assert [c.position for c in a] == list(range(len(a)))
    changed = make_article([Section(("Knee pain",), None, long_text(20, word="hip"))])
    c = chunk_article(changed, count, ChunkParams(60, 10))
    assert a[0].id != c[0].id
    assert chunk_id("/x", 3, "t").split("-")[1] == "00003"


def test_list_items_keep_their_own_lines():
    text = "Try these:\n\n- glute bridge\n- clamshell\n- sit to stand"
    chunks = chunk_article(make_article([Section(("Knee pain",), None, text)]), count, ChunkParams())
    assert chunks[0].text == "Try these:\n\n- glute bridge\n- clamshell\n- sit to stand"
    text = "Wear loose clothing:\n- **Shorts.** Bring a pair.\n- Vest top.\n\nWe have a changing room."
    chunk = chunk_article(make_article([Section(("Knee pain",), None, text)]), count, ChunkParams())[0]
    assert chunk.text == "Wear loose clothing:\n- **Shorts.** Bring a pair.\n- Vest top.\n\nWe have a changing room."
    assert text_units(chunk.text) == [
        "Wear loose clothing:", "- **Shorts.**", "Bring a pair.", "- Vest top.", "We have a changing room."
    ]


def test_a_chunk_that_starts_inside_a_list_keeps_the_lists_lead_in():
    items = "\n".join(f"- item {i} is one of the things that can make the pain in your knee worse" for i in range(12))
    text = f"Knee pain is common. Pain is often worse when:\n\n{items}\n\nMost people get better."
    chunks = chunk_article(make_article([Section(("Knee pain",), None, text)]), count, ChunkParams(80, 0))
    assert len(chunks) > 2
    assert chunks[0].leadin == ""  # its lead-in is its own
    for chunk in chunks[1:]:
        starts_in_list = chunk.text.startswith("- item")
        assert chunk.leadin == ("Pain is often worse when:" if starts_in_list else ""), chunk.text


@pytest.mark.parametrize("max_tokens, overlap", [(40, 0), (60, 16), (90, 32)])
def test_no_chunk_ends_inside_a_list_item_or_on_its_lead_in(max_tokens, overlap):
    items = "\n".join(f"- **Step {i}.** Do the knee exercise number {i} slowly. Rest after it." for i in range(10))
    text = f"Knee pain often eases with load. These steps help:\n{items}\n\nMost people get better."
    chunks = chunk_article(make_article([Section(("Knee pain",), None, text)]), count, ChunkParams(max_tokens, overlap))
    assert len(chunks) > 2
    for chunk in chunks:
        assert chunk.tokens <= max_tokens
        assert not chunk.text.endswith(("These steps help:", ".**", "slowly.")), chunk.text
        lines = [ln for ln in chunk.text.splitlines() if ln.startswith("- ")]
        assert all(ln.endswith("Rest after it.") for ln in lines), chunk.text  # every item whole
        first = chunk.text.split("\n")[0]
        assert first.startswith(("- **Step", "Knee pain", "Most people")), chunk.text  # never an item's tail
    joined = " ".join(c.text for c in chunks)
    assert all(f"exercise number {i} " in joined for i in range(10))


def test_an_item_longer_than_the_budget_is_still_packed():
    item = "- **Long.** " + " ".join(f"Sentence {i} about the knee." for i in range(30))
    chunks = chunk_article(make_article([Section(("Knee pain",), None, f"Try this:\n{item}")]), count, ChunkParams(40, 0))
    assert all(c.tokens <= 40 for c in chunks)
    assert all(f"Sentence {i} " in " ".join(c.text for c in chunks) for i in range(30))


def test_chunk_link_carries_section_anchor():
    chunks = chunk_article(make_article([Section(("Knee pain", "What helps"), "what-helps", "Rest.")]), count, ChunkParams())
    assert chunks[0].link == "https://clinic.example/articles/knee#what-helps"
