"""The CLI against a real Chroma server (`chroma run`) instead of the embedded store."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import CORPUS
from servers import chroma_server, program

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chroma")
    with chroma_server(folder / "data", folder / "server.log") as address:
        yield address


def run(args, env):
    return subprocess.run([program("clinic-assistant"), *args], capture_output=True, text=True, env=env, timeout=300)


def test_ingest_and_search_through_a_chroma_server(server, tmp_path):
    host, port = server
    env = {
        **os.environ,
        "CLINIC_CHROMA_HOST": host,
        "CLINIC_CHROMA_PORT": str(port),
        "CLINIC_DATA_DIR": str(tmp_path / "local"),
        "HF_HUB_OFFLINE": "1",
    }
    done = run(["ingest", str(CORPUS)], env)
    assert done.returncode == 0, done.stderr
    assert f"http://{host}:{port}" in done.stdout and "added 17" in done.stdout
    assert not (tmp_path / "local" / "chroma").exists(), "nothing stored locally in server mode"
    found = run(["search", "why does my piriformis hurt?", "--json"], env)
    assert found.returncode == 0, found.stderr
    top = json.loads(found.stdout)["results"][0]
    assert "glutes" in top["article"] or "piriformis" in top["article"]
    stats = json.loads(run(["stats", "--json"], env).stdout)
    assert stats["articles"] == 17 and stats["store"] == f"http://{host}:{port}"


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    env = {**os.environ, "CLINIC_CHROMA_HOST": "127.0.0.1", "CLINIC_CHROMA_PORT": "9", "CLINIC_DATA_DIR": str(tmp_path)}
    done = run(["stats"], env)
    assert done.returncode == 2
    assert "CLINIC_CHROMA_HOST" in done.stderr and "Traceback" not in done.stderr
