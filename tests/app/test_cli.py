"""The `clinic-assistant` command, as a clinic and an evaluation tool would use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import CORPUS
from servers import program

from assistant.app.cli import main

pytestmark = pytest.mark.model


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_first_search_on_an_empty_store_ingests_the_bundled_corpus(tmp_path):
    """The installed console script, on a fresh data dir, offline."""
    env = {**os.environ, "CLINIC_DATA_DIR": str(tmp_path / "fresh"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [program("clinic-assistant"), "search", "why does my piriformis hurt?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "is empty: ingesting the articles in" in proc.stderr
    first = proc.stdout.split("\n  2.")[0]
    assert "glutes" in first.lower() or "piriformis" in first.lower()
    assert ".md" in first and str(tmp_path) not in proc.stdout  # a source name, never a server path


def test_evaluation_path_on_an_arbitrary_markdown_folder(tmp_path, capsys):
    folder = tmp_path / "eval"
    folder.mkdir()
    topics = {
        "asthma.md": "# Asthma\n\nAsthma makes the airways narrow, causing wheezing and breathlessness.\n\n## Triggers\n\nPollen, dust and cold air can set off asthma attacks.",
        "gout.md": "# Gout\n\nGout is a type of arthritis where uric acid crystals form in a joint, often the big toe.",
        "migraine.md": "Migraine is a headache with throbbing pain on one side, often with nausea and sensitivity to light.",
    }
    for name, text in topics.items():
        (folder / name).write_text(text, encoding="utf-8")
    data = tmp_path / "d"
    code, out, err = run_cli(capsys, "--data-dir", str(data), "ingest", str(folder))
    assert code == 0, err
    assert "added 3" in out

    queries = tmp_path / "q.txt"
    queries.write_text("pollen, dust and cold air triggers\n\nthrobbing one-sided headache\nswollen big toe crystals\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "--data-dir", str(data), "search", "--file", str(queries), "--k", "10", "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == [
        "pollen, dust and cold air triggers",
        "throbbing one-sided headache",
        "swollen big toe crystals",
    ]
    expected = ["asthma.md", "migraine.md", "gout.md"]
    for line, name in zip(lines, expected):
        top = line["results"][0]
        assert set(top) == {"rank", "title", "url", "article", "section", "source", "score", "passage"}
        assert top["rank"] == 1 and top["source"] == name  # relative to the folder ingested, never a server path
        assert [r["rank"] for r in line["results"]] == list(range(1, len(line["results"]) + 1))
    assert lines[0]["results"][0]["section"] == "Asthma > Triggers"
    assert lines[1]["results"][0]["title"] == "Migraine"  # from the file name
    assert lines[0]["results"][0]["url"] is None and lines[0]["results"][0]["article"] == "/articles/asthma#triggers"
    assert str(tmp_path) not in out


def test_ingest_reports_failures_with_a_nonzero_exit(tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\nKnee pain on stairs is common.", encoding="utf-8")
    (folder / "bad.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    code, out, err = run_cli(capsys, "--data-dir", str(tmp_path / "d"), "ingest", str(folder), "--json")
    assert code == 1
    report = json.loads(out)
    assert [a.rsplit("/", 1)[-1] for a in report["added"]] == ["good.md"]
    assert report["skipped"][0]["path"].endswith("bad.md") and report["skipped"][0]["failed"]
    assert "binary content" in report["skipped"][0]["reason"]


def test_ingest_search_stats_on_the_bundled_corpus(tmp_path, capsys):
    data = str(tmp_path / "d")
    code, out, _ = run_cli(capsys, "--data-dir", data, "ingest")
    assert code == 0 and "added 17" in out and "ignored:" in out and "README" in out
    code, out, _ = run_cli(capsys, "--data-dir", data, "ingest")
    assert code == 0 and "unchanged 17" in out and "0 chunks written" in out
    code, out, _ = run_cli(capsys, "stats", "--data-dir", data, "--json")
    stats = json.loads(out)
    assert stats["articles"] == 17 and stats["chunks"] > 100
    assert stats["model"] == "sentence-transformers/all-MiniLM-L6-v2" and stats["last_ingest"]
    code, out, _ = run_cli(capsys, "--data-dir", data, "search", "clutch replacement on a car", "heel pain", "--json")
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["results"] == []
    assert second["results"][0]["article"].startswith("/articles/plantar-heel-pain")
    assert second["results"][0]["source"] == "plantar-heel-pain.md" and second["results"][0]["url"] is None
    code, out, _ = run_cli(capsys, "--data-dir", data, "search", "clutch replacement on a car")
    assert "No good source" in out


def test_settings_errors_name_the_setting(monkeypatch, capsys):
    monkeypatch.setenv("CLINIC_SEARCH_K", "0")
    code, _, err = run_cli(capsys, "stats")
    assert code == 2 and "CLINIC_SEARCH_K" in err


def test_a_locked_store_is_reported(tmp_path, capsys):
    data = tmp_path / "d"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from ingest.index import writer_lock\nwith writer_lock({str(data)!r}):\n"
         "    print('locked', flush=True); input()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, _, err = run_cli(capsys, "--data-dir", str(data), "ingest", str(CORPUS))
        assert code == 2 and "another ingest is already writing" in err
    finally:
        holder.communicate("\n", timeout=30)


def test_read_only_commands_wait_for_a_first_ingest_instead_of_failing(tmp_path):
    """`search` on an empty store while another process holds the writer lock waits, then answers."""
    data = tmp_path / "d"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from ingest.index import writer_lock\nwith writer_lock({str(data)!r}):\n"
         "    print('locked', flush=True); input()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    env = {**os.environ, "CLINIC_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    try:
        assert holder.stdout.readline().strip() == "locked"
        search = subprocess.Popen(
            [program("clinic-assistant"), "search", "heel pain", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        first = search.stderr.readline()
        assert "getting the articles ready; waiting" in first, first
        assert search.poll() is None  # still waiting, not failed
    finally:
        holder.communicate("\n", timeout=30)
    out, err = search.communicate(timeout=300)
    assert search.returncode == 0, err
    assert json.loads(out)["results"][0]["article"].startswith("/articles/plantar-heel-pain")
