"""Load test: N concurrent visitors asking questions through POST /api/ask on loopback.

Usage: python bench/load.py [--base URL] [--levels 1 8 32] [--requests 8] [--max-seconds 120]

Without --base it starts `python ui.py` itself on a free loopback port with a fresh data dir
(default settings, with CLINIC_TRUST_FORWARDED_FOR=1 so that each simulated visitor is its own
client for the rate limiter). Every visitor sends a bounded number of requests, one after another;
the whole run is bounded in time. Prints one row per concurrency level.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

QUESTIONS = (HERE / "data" / "questions.txt").read_text(encoding="utf-8").splitlines()


def post(base: str, question: str, client: str, timeout: float) -> tuple[int, float]:
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(
        f"{base}/api/ask", data=body, headers={"content-type": "application/json", "x-forwarded-for": client}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def level(base: str, visitors: int, per_visitor: int, deadline: float, net: int = 0) -> dict:
    """One run with ``visitors`` concurrent visitors; ``net`` keeps their addresses apart between runs."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def visitor(n: int) -> None:
        for i in range(per_visitor):
            if time.monotonic() > deadline:
                return
            status, ms = post(base, QUESTIONS[(n * 7 + i) % len(QUESTIONS)], f"10.{net}.{n // 250}.{n % 250 + 1}", 60)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(ms)

    started = time.perf_counter()
    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(visitors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies) or [float("nan")]
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]  # noqa: E731
    total = sum(statuses.values())
    return {
        "visitors": visitors,
        "requests": total,
        "errors": total - statuses.get(200, 0),
        "statuses": statuses,
        "throughput": total / wall if wall else 0.0,
        "p50": statistics.median(ordered),
        "p95": pick(0.95),
        "p99": pick(0.99),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", help="an app that is already running (default: start one)")
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--requests", type=int, default=8, help="requests per visitor")
    ap.add_argument("--max-seconds", type=float, default=120, help="stop each level after this long")
    args = ap.parse_args()

    def run(base: str) -> None:
        post(base, "warm up", "10.255.0.1", 60)
        print("| concurrent visitors | requests | errors | throughput | p50 | p95 | p99 |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for i, n in enumerate(args.levels, start=1):
            r = level(base, n, args.requests, time.monotonic() + args.max_seconds, net=i)
            print(
                f"| {r['visitors']} | {r['requests']} | {r['errors']} {r['statuses'] if r['errors'] else ''} | "
                f"{r['throughput']:.1f} req/s | {r['p50']:.0f} ms | {r['p95']:.0f} ms | {r['p99']:.0f} ms |",
                flush=True,
            )

    if args.base:
        run(args.base.rstrip("/"))
        return
    from servers import app_server

    with tempfile.TemporaryDirectory() as tmp:
        env = {"CLINIC_DATA_DIR": str(Path(tmp) / "data"), "CLINIC_TRUST_FORWARDED_FOR": "1"}
        with app_server(env, Path(tmp) / "app.log") as base:
            run(base)


if __name__ == "__main__":
    main()
