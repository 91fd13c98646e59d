"""The store contract: every StoreBackend must pass these tests.

Add a backend by adding a param to the ``any_backend`` fixture.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FakeEmbedder

from assistant.core.records import Chunk
from assistant.core.store import StoreMismatchError, check_manifest

EMB = FakeEmbedder(dimension=16)
MANIFEST = {"embedding_model": "fake", "embedding_dim": 16, "chunk_tokens": 60, "revision": 0}


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    """One real `chroma run` server on loopback for the module."""
    from servers import chroma_server

    folder = tmp_path_factory.mktemp("chroma-server")
    with chroma_server(folder / "data", folder / "server.log") as address:
        yield address


@pytest.fixture(params=["embedded", "server"])
def any_backend(request, tmp_path):
    if request.param == "embedded":
        from assistant.retrieval.chroma import embedded_backend

        return embedded_backend(tmp_path / "contract", "contract-test")
    from assistant.retrieval.chroma import http_backend

    host, port = request.getfixturevalue("chroma")
    # a fresh base name per test keeps tests apart on the shared server
    return http_backend(host, port, f"contract-{tmp_path.name[-40:].strip('_-') or 'x'}")


def chunk(source: str, position: int, text: str) -> Chunk:
    return Chunk(
        id=f"{source}-{position}",
        source=source,
        position=position,
        title=source.upper(),
        url=f"https://clinic.example/{source}",
        section=f"{source.upper()} > Part {position}",
        anchor=f"part-{position}" if position else None,
        text=text,
        tokens=len(text.split()),
        article_hash=f"hash-{source}",
    )


def fill(store, items):
    chunks = [chunk(*i) for i in items]
    store.add(chunks, EMB.embed_documents([c.embed_text for c in chunks]))
    return chunks


def test_empty_backend_has_no_live_store(any_backend):
    assert any_backend.live() is None


def test_add_query_and_articles(any_backend):
    store = any_backend.new_generation(MANIFEST)
    fill(store, [("heel", 0, "heel pain morning"), ("heel", 1, "calf stretch heel"), ("knee", 0, "kneecap stairs")])
    any_backend.promote(store)
    live = any_backend.live()
    assert live.name == store.name and live.count() == 3
    arts = live.articles()
    assert set(arts) == {"heel", "knee"}
    assert arts["heel"].chunks == 2 and arts["heel"].content_hash == "hash-heel"
    assert arts["knee"].url == "https://clinic.example/knee"
    hits = live.query(EMB.embed_query("KNEE > Part 0\nkneecap stairs"), 2)
    assert hits[0].source == "knee" and hits[0].similarity == pytest.approx(1.0, abs=1e-4)
    assert hits[0].title == "KNEE" and hits[0].anchor is None
    assert len(live.query(EMB.embed_query("x"), 50)) == 3


def test_delete_source_and_vectors(any_backend):
    store = any_backend.new_generation(MANIFEST)
    fill(store, [("heel", 0, "heel"), ("heel", 1, "calf"), ("knee", 0, "knee")])
    store.delete_source("heel")
    assert store.count() == 1 and set(store.articles()) == {"knee"}
    vecs = store.vectors(["knee-0"])
    assert np.allclose(vecs["knee-0"], EMB.embed_documents(["KNEE > Part 0\nknee"])[0], atol=1e-5)


def test_manifest_update_merges(any_backend):
    store = any_backend.new_generation(MANIFEST)
    store.update_manifest({"revision": 4, "last_ingest": "now"})
    manifest = store.manifest()
    assert manifest["revision"] == 4 and manifest["embedding_model"] == "fake" and manifest["last_ingest"] == "now"
    with pytest.raises(StoreMismatchError, match="embedding_model"):
        check_manifest(manifest, {"embedding_model": "other"}, ["embedding_model"])


def test_promote_swaps_and_drops_old_generations(any_backend):
    first = any_backend.new_generation(MANIFEST)
    fill(first, [("a", 0, "alpha")])
    any_backend.promote(first)
    second = any_backend.new_generation(MANIFEST)
    fill(second, [("b", 0, "beta")])
    assert any_backend.live().name == first.name  # not live until promoted
    any_backend.promote(second)
    assert set(any_backend.live().articles()) == {"b"}
    third = any_backend.new_generation(MANIFEST)
    any_backend.discard(third)
    assert any_backend.live().name == second.name


def test_documents_pages_through_everything(any_backend):
    store = any_backend.new_generation(MANIFEST)
    fill(store, [(f"s{i % 7}", i, f"text {i}") for i in range(60)])
    docs = list(store.documents())
    assert len(docs) == 60 and {d[0] for d in docs} == {f"s{i % 7}-{i}" for i in range(60)}


def test_copy_source_to_another_generation(any_backend):
    a = any_backend.new_generation(MANIFEST)
    fill(a, [("heel", 0, "heel"), ("knee", 0, "knee")])
    b = any_backend.new_generation(MANIFEST)
    assert a.copy_source_to("heel", b) and not a.copy_source_to("missing", b)
    assert set(b.articles()) == {"heel"}


def test_clean_up_removes_generations_left_by_a_killed_rebuild(any_backend):
    live = any_backend.new_generation(MANIFEST)
    fill(live, [("a", 0, "alpha")])
    any_backend.promote(live)
    orphan = any_backend.new_generation(MANIFEST)  # a rebuild killed before its swap
    fill(orphan, [("b", 0, "beta")])
    assert any_backend.clean_up() == [orphan.name]
    assert any_backend.clean_up() == []
    assert any_backend.live().name == live.name and set(any_backend.live().articles()) == {"a"}


def test_disk_size_is_known_for_an_embedded_store_only(any_backend):
    size = any_backend.disk_bytes()
    if any_backend.path is None:
        assert size is None and any_backend.reclaim() == 0
    else:
        assert size > 0
