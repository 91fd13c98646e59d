"""Faults while serving: the Chroma server restarts, and the store is rebuilt under live traffic.

Real processes on loopback: `chroma run`, `python ui.py` in server mode, `clinic-assistant ingest`.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from conftest import CORPUS
from servers import app_server, chroma_server, free_port, program

pytestmark = pytest.mark.model


def ask(base: str, question: str, timeout: float = 30) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/ask",
        data=json.dumps({"question": question}).encode(),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def env_for(host: str, port: int, data) -> dict[str, str]:
    return {
        "CLINIC_CHROMA_HOST": host,
        "CLINIC_CHROMA_PORT": str(port),
        "CLINIC_DATA_DIR": str(data),
        "CLINIC_CORPUS_DIR": str(CORPUS),
        "CLINIC_RATE_PER_MINUTE": "0",  # no rate limit
    }


def test_requests_recover_after_chroma_comes_back_without_restarting_the_app(tmp_path):
    port = free_port()
    chroma_data = tmp_path / "chroma"
    log = tmp_path / "chroma.log"
    first = chroma_server(chroma_data, log, port=port)
    host, _ = first.__enter__()
    try:
        with app_server(env_for(host, port, tmp_path / "app"), tmp_path / "app.log") as base:
            assert ask(base, "why does my piriformis hurt?")[0] == 200
            first.__exit__(None, None, None)
            first = None
            status, body = ask(base, "why does my heel hurt?")
            assert status == 503, body
            # the breaker is open now: warning signs are still answered, without the articles
            status, body = ask(base, "sudden crushing chest pain spreading to my left arm")
            assert status == 200 and body["triage"] == "emergency" and "999" in body["answer"], body
            status, body = ask(base, "my calf is hot, swollen and red since my flight, what stretches help?")
            assert status == 200 and body["triage"] != "routine" and "can't reach its articles" in body["answer"], body
            assert ask(base, "why does my heel hurt?")[0] == 503
            try:
                urllib.request.urlopen(f"{base}/healthz")
                healthy = True
            except urllib.error.HTTPError as err:
                healthy = False
                assert json.loads(err.read())["store_reachable"] is False
            assert not healthy
            with chroma_server(chroma_data, log, port=port):
                deadline = time.monotonic() + 60
                while True:
                    status, body = ask(base, "why does my heel hurt?")
                    if status == 200 or time.monotonic() > deadline:
                        break
                    time.sleep(1)
                assert status == 200 and body["grounded"], body
                assert "plantar-heel-pain" in json.dumps(body["citations"])
    finally:
        if first is not None:
            first.__exit__(None, None, None)


def test_a_rebuild_while_serving_never_breaks_live_answers(tmp_path):
    with chroma_server(tmp_path / "chroma", tmp_path / "chroma.log") as (host, port):
        env = env_for(host, port, tmp_path / "app")
        with app_server(env, tmp_path / "app.log") as base:
            results: list[tuple[int, bool]] = []
            stop = threading.Event()

            def visitor():
                while not stop.is_set():
                    status, body = ask(base, "what should I wear to my appointment?")
                    results.append((status, bool(body.get("grounded"))))

            threads = [threading.Thread(target=visitor) for _ in range(3)]
            for t in threads:
                t.start()
            rebuild = subprocess.run(
                [program("clinic-assistant"), "ingest", "--rebuild", str(CORPUS)],
                env={**os.environ, **env, "CLINIC_DATA_DIR": str(tmp_path / "ingester"), "HF_HUB_OFFLINE": "1"},
                capture_output=True,
                text=True,
                timeout=300,
            )
            time.sleep(2)  # answers after the swap, on the new generation
            stop.set()
            for t in threads:
                t.join(timeout=60)
            assert rebuild.returncode == 0, rebuild.stderr
            assert "Rebuilt the store" in rebuild.stdout
            assert len(results) >= 10
            assert all(status == 200 and grounded for status, grounded in results), [r for r in results if r != (200, True)][:5]
