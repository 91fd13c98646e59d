"""How loading and cutting scale with one long file: single-line text of 25 KB up to 5 MB.

Each row is one file of ordinary words with no punctuation and no line breaks (the
worst case for sentence splitting), read, loaded and cut into chunks with the real
model's tokenizer, exactly as ingest does, but not embedded. "Chunks" is before the
per-article cap (CLINIC_MAX_CHUNKS_PER_ARTICLE), which ingest applies afterwards.

    python bench/chunking.py [SIZES_KB ...]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "pain knee hip back muscle tendon physio exercise stretch walk rest ice heat swelling stiff "
    "morning evening weeks months gentle strength load running stairs sitting standing sleep"
).split()


def single_line(size: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    words: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(WORDS)
        words.append(word)
        total += len(word) + 1
    return " ".join(words)


def main(argv: list[str] | None = None) -> int:
    from assistant.app.services import Services
    from assistant.core.settings import Settings
    from ingest.chunk import ChunkParams, chunk_article
    from ingest.load import load_article, read_bytes

    sizes = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or [25, 50, 100, 1024, 5120]
    services = Services(Settings(_env_file=None))
    count = services.embedder.count_tokens
    count("warm the tokenizer")
    params = ChunkParams()
    print("| file | read + load (s) | cut (s) | chunks | µs per KB |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for kb in sizes:
            path = Path(tmp) / f"line-{kb}kb.txt"
            path.write_text(single_line(kb * 1024), encoding="utf-8")
            t0 = time.perf_counter()
            article = load_article(path, read_bytes(path, 6 * 1024 * 1024))
            t1 = time.perf_counter()
            chunks = chunk_article(article, count, params)
            t2 = time.perf_counter()
            label = f"{kb / 1024:g} MB" if kb >= 1024 else f"{kb} KB"
            print(f"| {label} one line | {t1 - t0:.2f} | {t2 - t1:.2f} | {len(chunks)} | {(t2 - t0) / kb * 1e6:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
