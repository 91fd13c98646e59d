"""Issue 14's bar, with the real model and the real command: one ingest of a hostile folder, then two more.

The folder holds a decompression-bomb PDF (306 KB inflating to 300 MB), a 1 MB
line of words with no punctuation, a UTF-16 article (as Windows Notepad saves it),
a symlink and a good article. The bar: the first ingest finishes within 180 s,
names the PDF as skipped, both articles are searchable; two further unchanged
ingests do not grow the store.

    python bench/hostile_ingest.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from hostile import write_hostile_folder  # noqa: E402


def cli(*args: str, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "assistant.app.cli", *args], env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files = write_hostile_folder(tmp / "articles")
        env = {**os.environ, "CLINIC_DATA_DIR": str(tmp / "data")}
        print("| run | wall (s) | added | skipped (reason) | store on disk |")
        print("|---|---:|---|---|---:|")
        for run in ("first", "unchanged #1", "unchanged #2"):
            seconds, done = cli("ingest", str(tmp / "articles"), "--json", env=env)
            report = json.loads(done.stdout)
            stats = json.loads(cli("stats", "--json", env=env)[1].stdout)
            added = ", ".join(Path(p).name for p in report["added"]) or "-"
            skipped = "; ".join(f"{Path(s['path']).name} ({s['reason'][:70]})" for s in report["skipped"]) or "-"
            print(f"| {run} | {seconds:.1f} | {added} | {skipped} | {stats['disk_bytes'] / 1e6:.2f} MB |", flush=True)
        for query in ("pain on the outside of my elbow when I grip", "my shoulder is stiff and frozen"):
            found = json.loads(cli("search", query, "--json", env=env)[1].stdout)
            top = found["results"][0] if found["results"] else {}
            print(f"search {query!r}: {top.get('title')} ({top.get('source')})")
        assert files  # keep the folder alive until here
    return 0


if __name__ == "__main__":
    sys.exit(main())
