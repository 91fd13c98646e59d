"""Search and ask latency when the clinic PC is busy with other programs.

For each torch thread count, a fresh process answers the same visitor questions
three times: alone, beside two busy processes (each spinning one core), and beside
an ingest of the bundled corpus into a second store. Thread counts: 1 (what the app
picks on a 2-core PC: CLINIC_TORCH_THREADS=0 means one per two cores) and the
number of cores (torch's own default).

    python bench/contention.py [--questions N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "bench" / "data" / "answers" / "dev.jsonl"
SPIN = "import time\nwhile True:\n    sum(i * i for i in range(10000))\n"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def worker(data_dir: str, n: int) -> None:
    """Warm up, then time search and ask on the first ``n`` questions; print JSON."""
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    services = Services(Settings(data_dir=Path(data_dir)))
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()][:n]
    retriever, assistant = services.retriever, services.assistant
    retriever.warm()
    for q in questions[:10]:
        assistant.ask(q).text()
    print("READY", flush=True)
    sys.stdin.readline()  # the parent starts the load, then says go
    search, ask = [], []
    for q in questions:
        t0 = time.perf_counter()
        retriever.search(q)
        t1 = time.perf_counter()
        assistant.ask(q).text()
        t2 = time.perf_counter()
        search.append((t1 - t0) * 1000)
        ask.append((t2 - t1) * 1000)
    import torch

    print(json.dumps({"threads": torch.get_num_threads(), "search": search, "ask": ask}), flush=True)


def measure(threads: int, load: str, data_dir: Path, n: int, tmp: Path) -> dict:
    env = {**os.environ, "CLINIC_TORCH_THREADS": str(threads), "CLINIC_DATA_DIR": str(data_dir)}
    child = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(data_dir), "--questions", str(n)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    assert child.stdout.readline().strip() == "READY"
    busy: list[subprocess.Popen] = []
    if load == "two busy processes":
        busy = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(2)]
    elif load == "an ingest beside it":
        other = tmp / f"other-{threads}-{time.monotonic_ns()}"
        busy = [subprocess.Popen(
            [sys.executable, "-m", "assistant.app.cli", "ingest", "--rebuild", str(ROOT / "corpus")],
            env={**os.environ, "CLINIC_DATA_DIR": str(other)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )]
    time.sleep(1.0)
    child.stdin.write("go\n")
    child.stdin.flush()
    result = json.loads(child.stdout.readline())
    for process in busy:
        process.kill()
        process.wait()
    child.wait()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker")
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.questions)
        return 0
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "store"
        subprocess.run(
            [sys.executable, "-m", "assistant.app.cli", "ingest", str(ROOT / "corpus")],
            env={**os.environ, "CLINIC_DATA_DIR": str(data)}, check=True, capture_output=True,
        )
        print(f"{cores} cores; load average before: {os.getloadavg()[0]:.2f}")
        print("| torch threads | beside | search p50 | search p95 | ask p50 | ask p95 |")
        print("|---:|---|---:|---:|---:|---:|")
        for threads in sorted({1, cores}):
            for load in ("nothing", "two busy processes", "an ingest beside it"):
                r = measure(threads, load, data, args.questions, tmp)
                print(
                    f"| {r['threads']} | {load} | {statistics.median(r['search']):.0f} ms | {pct(r['search'], 0.95):.0f} ms "
                    f"| {statistics.median(r['ask']):.0f} ms | {pct(r['ask'], 0.95):.0f} ms |",
                    flush=True,
                )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
