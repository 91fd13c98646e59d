"""Start real servers on loopback for tests and benchmarks (and stop them)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def program(name: str) -> str:
    """A console script of this environment: from the running interpreter's own bin folder.

    Tests never rely on PATH: a fresh clone runs them as `.venv/bin/python -m pytest`
    with nothing else set up.
    """
    path = Path(sys.executable).parent / name
    if not path.is_file():
        raise FileNotFoundError(f"{name} is not installed next to {sys.executable}; run the README's install line")
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, grace: float = 30) -> None:
    """Terminate a server, killing it if it does not exit within ``grace`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def llama_server(gguf: Path, log: Path, n_ctx: int = 4096) -> Iterator[str]:
    """`python -m llama_cpp.server` with a GGUF file on loopback; yields the /v1 base URL."""
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "llama_cpp.server",
                "--model", str(gguf), "--model_alias", "smollm2",
                "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", proc, timeout=180, log=log)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)


@contextlib.contextmanager
def chroma_server(path: Path, log: Path, port: int | None = None) -> Iterator[tuple[str, int]]:
    """`chroma run` on loopback with its data in ``path``; yields (host, port)."""
    port = port or free_port()
    with open(log, "a") as out:
        proc = subprocess.Popen(
            [program("chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, timeout=60, log=log)
        yield "127.0.0.1", port
    finally:
        stop(proc)


@contextlib.contextmanager
def app_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """`python ui.py` with the given CLINIC_* environment; yields its base URL once healthy."""
    import json
    import os

    root = Path(__file__).resolve().parent.parent
    port = free_port()
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **env, "CLINIC_PORT": str(port)}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(root / "ui.py")], env=full_env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app exited: {log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
                    if json.loads(r.read())["status"] == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(log.read_text()[-3000:])
            time.sleep(1)
        yield base
    finally:
        stop(proc)
