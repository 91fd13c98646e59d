"""How fast visitors hear "try again shortly" while the Chroma server is down, and how fast answers return.

Real processes: `chroma run`, the app (`python ui.py`) in server mode with the
bundled corpus. 16 clients ask routine questions while the store is up, then the
Chroma server is killed and they keep asking; then it is started again.

    python bench/store_down.py [--clients 16] [--per-client 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import app_server, chroma_server, free_port  # noqa: E402

QUESTIONS = ["why does my heel hurt in the morning?", "how much is a first appointment?", "knee pain on stairs",
             "what helps a stiff neck from desk work?", "is walking good for hip arthritis?"]


def ask(base: str, question: str) -> tuple[int, float]:
    request = urllib.request.Request(
        f"{base}/api/ask", data=json.dumps({"question": question}).encode(), headers={"content-type": "application/json"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as err:
        err.read()
        status = err.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def wave(base: str, clients: int, per_client: int) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        for j in range(per_client):
            got = ask(base, QUESTIONS[(i + j) % len(QUESTIONS)])
            with lock:
                results.append(got)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def row(label: str, results: list[tuple[int, float]]) -> str:
    times = sorted(ms for _, ms in results)
    codes: dict[int, int] = {}
    for status, _ in results:
        codes[status] = codes.get(status, 0) + 1
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return f"| {label} | {len(results)} | {codes} | {statistics.median(times):.0f} ms | {p95:.0f} ms |"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        env = {
            "CLINIC_CHROMA_HOST": "127.0.0.1", "CLINIC_CHROMA_PORT": str(port), "CLINIC_DATA_DIR": str(tmp / "app"),
            "CLINIC_CORPUS_DIR": str(ROOT / "corpus"), "CLINIC_RATE_PER_MINUTE": "0",
        }
        store = chroma_server(tmp / "chroma", tmp / "chroma.log", port=port)
        store.__enter__()
        with app_server(env, tmp / "app.log") as base:
            print(f"| phase | requests | status codes | p50 | p95 |  ({args.clients} clients)")
            print("|---|---:|---|---:|---:|")
            print(row("store up", wave(base, args.clients, args.per_client)), flush=True)
            store.__exit__(None, None, None)
            print(row("store down", wave(base, args.clients, args.per_client)), flush=True)
            with chroma_server(tmp / "chroma", tmp / "chroma.log", port=port):
                time.sleep(3)  # the probe runs every 2 s
                print(row("store back", wave(base, args.clients, args.per_client)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
