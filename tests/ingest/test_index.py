"""Incremental ingest, rebuild swaps, crashes, the writer lock and store mismatches."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import FakeEmbedder, article_md

from assistant.core.store import StoreMismatchError
from ingest.chunk import ChunkParams
from ingest.index import IngestLockedError, ingest, writer_lock

MB = 1024 * 1024
PARAMS = ChunkParams(max_tokens=60, overlap_tokens=8)


def run(paths, backend, embedder, rebuild=False, params=PARAMS):
    return ingest(paths, backend, embedder, params, rebuild=rebuild)


def sources(backend):
    return {s.rsplit("/", 1)[-1] for s in backend.live().articles()}


def test_first_ingest_adds_everything_and_records_the_manifest(corpus_dir, backend, fake_embedder):
    report = run([corpus_dir], backend, fake_embedder)
    assert sorted(p.rsplit("/", 1)[-1] for p in report.added) == ["heel.md", "knee.md", "neck.md"]
    assert report.ok and report.chunks_written == backend.live().count() > 3
    manifest = backend.live().manifest()
    assert manifest["embedding_model"] == "fake/bag-of-words"
    assert manifest["embedding_dim"] == 128
    assert manifest["chunk_tokens"] == 60 and manifest["chunk_overlap_tokens"] == 8
    assert manifest["chromadb_version"].startswith("1.")
    assert manifest["revision"] == 1 and manifest["last_ingest"]


def test_unchanged_changed_and_removed_articles(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, fake_embedder)
    before = backend.live().count()
    calls = fake_embedder.calls

    report = run([corpus_dir], backend, fake_embedder)
    assert len(report.unchanged) == 3 and not (report.added or report.updated or report.deleted)
    assert fake_embedder.calls == calls, "nothing changed, so nothing is embedded"
    assert backend.live().count() == before

    (corpus_dir / "knee.md").write_text(
        article_md("Kneecap pain", "knee", {"What it is": "Completely rewritten text about kneecaps."}), encoding="utf-8"
    )
    (corpus_dir / "neck.md").unlink()
    (corpus_dir / "hip.md").write_text(article_md("Hip pain", "hip", {"What": "Hip text."}), encoding="utf-8")
    report = run([corpus_dir], backend, fake_embedder)
    assert [p.rsplit("/", 1)[-1] for p in report.updated] == ["knee.md"]
    assert [p.rsplit("/", 1)[-1] for p in report.deleted] == ["neck.md"]
    assert [p.rsplit("/", 1)[-1] for p in report.added] == ["hip.md"]
    assert sources(backend) == {"heel.md", "knee.md", "hip.md"}
    live = backend.live()
    texts = [doc for _, doc, meta in live.documents() if meta["source"].endswith("knee.md")]
    assert texts == ["Completely rewritten text about kneecaps."]
    assert live.manifest()["revision"] == 2  # the unchanged run did not count


def test_deletes_only_articles_under_the_paths_given(tmp_path, corpus_dir, backend, fake_embedder):
    other = tmp_path / "other"
    other.mkdir()
    (other / "ankle.md").write_text(article_md("Ankle", "ankle", {"What": "Ankle text."}), encoding="utf-8")
    run([corpus_dir], backend, fake_embedder)
    run([other], backend, fake_embedder)
    assert sources(backend) == {"heel.md", "knee.md", "neck.md", "ankle.md"}


def test_a_file_that_breaks_keeps_its_last_good_version(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, fake_embedder)
    (corpus_dir / "heel.md").write_bytes(b"caf\xe9 broken bytes")
    report = run([corpus_dir], backend, fake_embedder)
    assert not report.ok
    assert [(f.path.rsplit("/", 1)[-1], f.reason[:19]) for f in report.failed] == [("heel.md", "not valid UTF-8 (by")]
    assert "heel.md" in sources(backend)

    rebuilt = run([corpus_dir], backend, fake_embedder, rebuild=True)
    assert [p.rsplit("/", 1)[-1] for p in rebuilt.carried_over] == ["heel.md"]
    assert sources(backend) == {"heel.md", "knee.md", "neck.md"}


def test_every_bad_input_is_skipped_and_named_and_the_rest_goes_in(corpus_dir, backend, fake_embedder):
    bad = {
        "empty.md": b"",
        "binary.md": b"\x00\x01\x02PNG\x00",
        "latin1.md": "Caf\u00e9".encode("latin-1"),
        "frontmatter.md": b"---\ntitle: [oops\n---\ntext\n",
        "big.md": b"a" * (5 * MB + 1),
    }
    for name, data in bad.items():
        (corpus_dir / name).write_bytes(data)
    (corpus_dir / "loop.md").symlink_to(corpus_dir / "loop.md")
    report = run([corpus_dir], backend, fake_embedder)
    failed = {f.path.rsplit("/", 1)[-1]: f.reason for f in report.failed}
    assert set(failed) == set(bad) | {"loop.md"}
    assert failed["loop.md"] == "symlink loop"
    assert "CLINIC_MAX_FILE_MB" in failed["big.md"]
    assert sources(backend) == {"heel.md", "knee.md", "neck.md"}


def test_rebuild_swaps_in_a_new_generation(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, fake_embedder)
    old = backend.live().name
    report = run([corpus_dir], backend, fake_embedder, rebuild=True)
    assert report.rebuilt and len(report.added) == 3
    assert backend.live().name != old
    assert sources(backend) == {"heel.md", "knee.md", "neck.md"}


def test_a_crash_midway_through_rebuild_leaves_the_old_store_answering(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, fake_embedder)
    live_before = backend.live()
    name, count = live_before.name, live_before.count()
    crashing = FakeEmbedder(fail_after=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run([corpus_dir], backend, crashing, rebuild=True)
    live = backend.live()
    assert live.name == name and live.count() == count
    hits = live.query(fake_embedder.embed_query("heel pain in the morning"), 3)
    assert hits and hits[0].source.endswith("heel.md")
    # the half-built generation was removed
    names = [c if isinstance(c, str) else c.name for c in backend._client.list_collections()]
    assert sorted(names) == sorted([name, backend._pointer_name])


def test_killed_rebuilds_and_swaps_give_their_disk_back(corpus_dir, backend, fake_embedder):
    """A kill -9 leaves a half-built generation: the next ingest deletes it and the store shrinks back."""
    big = {f"extra-{i}.md": article_md(f"Extra {i}", f"x{i}", {"Text": f"Sentence {i} about knees. " * 40}) for i in range(12)}
    for name, text in big.items():
        (corpus_dir / name).write_text(text, encoding="utf-8")
    run([corpus_dir], backend, fake_embedder)
    settled = backend.disk_bytes()
    for _ in range(3):  # three rebuilds killed after filling their generation
        orphan = backend.new_generation(backend.live().manifest())
        backend.live().copy_source_to(next(iter(backend.live().articles())), orphan)
        for source in list(backend.live().articles()):
            backend.live().copy_source_to(source, orphan)
    grown = backend.disk_bytes()
    assert grown > settled
    report = run([corpus_dir], backend, fake_embedder)
    assert len(report.cleaned) == 3 and not report.changed
    assert report.reclaimed_bytes > 0
    for _ in range(3):
        run([corpus_dir], backend, fake_embedder, rebuild=True)
    assert backend.disk_bytes() <= settled * 1.3, (settled, backend.disk_bytes())
    folders = [p for p in backend.path.iterdir() if p.is_dir()]
    assert len(folders) == 1  # one vector index: the live generation's


def test_a_crash_during_incremental_ingest_heals_on_the_next_run(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, fake_embedder)
    for name in ("heel.md", "knee.md"):
        (corpus_dir / name).write_text(article_md(name, name, {"New": f"New text for {name}."}), encoding="utf-8")
    with pytest.raises(RuntimeError):
        run([corpus_dir], backend, FakeEmbedder(fail_after=0))
    report = run([corpus_dir], backend, fake_embedder)
    assert {p.rsplit("/", 1)[-1] for p in report.updated} == {"heel.md", "knee.md"}
    texts = sorted(doc for _, doc, _ in backend.live().documents() if "New text" in doc)
    assert texts == ["New text for heel.md.", "New text for knee.md."]


def test_model_and_chunking_mismatch_are_refused(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, fake_embedder)
    with pytest.raises(StoreMismatchError, match="embedding_model.*--rebuild"):
        run([corpus_dir], backend, FakeEmbedder(model_id="other/model"))
    with pytest.raises(StoreMismatchError, match="CLINIC_CHUNK_TOKENS"):
        run([corpus_dir], backend, fake_embedder, params=ChunkParams(max_tokens=80, overlap_tokens=8))
    report = run([corpus_dir], backend, FakeEmbedder(model_id="other/model"), rebuild=True)
    assert report.ok and backend.live().manifest()["embedding_model"] == "other/model"


def test_the_store_records_the_backend_and_refuses_another(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, FakeEmbedder(backend="onnx-int8"))
    assert backend.live().manifest()["embedding_backend"] == "onnx-int8"
    with pytest.raises(StoreMismatchError, match="embedding_backend='onnx-int8'.*'torch'.*CLINIC_EMBEDDING_BACKEND.*--rebuild"):
        run([corpus_dir], backend, fake_embedder)
    report = run([corpus_dir], backend, fake_embedder, rebuild=True)
    assert report.ok and backend.live().manifest()["embedding_backend"] == "torch"


def test_a_store_from_before_backends_counts_as_torch(corpus_dir, backend, fake_embedder):
    from assistant.core.store import MODEL_KEYS, check_manifest

    old = {"embedding_model": "fake/bag-of-words", "embedding_dim": 128}
    check_manifest(old, {**old, "embedding_backend": "torch"}, MODEL_KEYS)
    with pytest.raises(StoreMismatchError, match="embedding_backend='torch'.*'openvino'"):
        check_manifest(old, {**old, "embedding_backend": "openvino"}, MODEL_KEYS)


def test_chromadb_version_mismatch_is_refused(corpus_dir, backend, fake_embedder):
    run([corpus_dir], backend, fake_embedder)
    backend.live().update_manifest({"chromadb_version": "0.4.24"})
    with pytest.raises(StoreMismatchError, match="chromadb 0.4.24"):
        run([corpus_dir], backend, fake_embedder)


def test_a_second_writer_is_told_why(tmp_path):
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from ingest.index import writer_lock
                with writer_lock({str(data)!r}):
                    print("locked", flush=True)
                    sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IngestLockedError, match=rf"already writing to .*pid {holder.pid}"):
            with writer_lock(data):
                pass
    finally:
        holder.communicate("done\n", timeout=30)
    with writer_lock(data):  # free again once the other writer is gone
        pass
