"""Speed and memory: ingest throughput vs the LangChain tutorial pipeline, search latency,
unchanged re-ingest, cold start and peak RSS.

Usage: python bench/speed.py ../shared/data/medquad [--limit-docs 400] [--queries 200]
"""

from __future__ import annotations

from assistant.app import operations
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from medquad import convert, sample_queries  # noqa: E402

# VmHWM (peak resident memory of this address space) starts afresh at exec, unlike ru_maxrss,
# which a child inherits from the large benchmark process that forked it.
_CLI = (
    "import sys\n"
    "from assistant.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "hwm = next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
    "print('MAXRSS_KB', hwm, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def cli(*args: str) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run the CLI in a fresh interpreter; return wall seconds and peak RSS (KB)."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"CLI failed: {proc.stderr[-2000:]}")
    rss = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("MAXRSS_KB"))
    return wall, rss, proc


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("medquad", type=Path)
    ap.add_argument("--limit-docs", type=int, default=400)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()

    from assistant.app.services import Services
    from assistant.core.settings import Settings

    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "articles"
        queries = sample_queries(convert(args.medquad, folder, args.limit_docs), args.queries)
        files = sorted(folder.glob("*.md"))
        chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
        print(f"{len(files)} articles, {chars:,} characters", file=sys.stderr)

        # --- ingest throughput, models loaded beforehand for both -----------------
        services = Services(Settings(data_dir=work / "ours", _env_file=None))
        services.embedder.embed_query("warm up")
        t = time.perf_counter()
        report = operations.ingest(services, [folder])
        ours_s = time.perf_counter() - t

        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        embeddings = HuggingFaceEmbeddings(
            model_name=str(services.settings.embedding.resolved_model_path()),
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True},
        )
        embeddings.embed_query("warm up")
        t = time.perf_counter()
        docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name}) for p in files]
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        Chroma.from_documents(splits, embeddings, persist_directory=str(work / "langchain"))
        lc_s = time.perf_counter() - t
        rows.append(("ingest throughput, this project", f"{chars / ours_s:,.0f} chars/s", f"{ours_s:.1f} s, {report.chunks_written} chunks"))
        rows.append(("ingest throughput, LangChain tutorial", f"{chars / lc_s:,.0f} chars/s", f"{lc_s:.1f} s, {len(splits)} chunks"))
        rows.append(("ingest speed-up", f"{lc_s / ours_s:.2f}x", "goal >= 1.5x"))

        # --- warm search latency -----------------------------------------------------
        retriever = services.retriever
        retriever.search("warm up")
        times = []
        for q in queries:
            t = time.perf_counter()
            retriever.search(q.text, k=10)
            times.append((time.perf_counter() - t) * 1000)
        rows.append(("warm search latency p50", f"{statistics.median(times):.1f} ms", f"{len(times)} MedQuAD questions"))
        rows.append(("warm search latency p95", f"{percentile(times, 95):.1f} ms", "goal <= 50 ms"))

        # --- fresh processes: unchanged re-ingest, cold start ------------------------
        data = str(work / "ours")
        wall, rss, proc = cli("--data-dir", data, "ingest", str(folder))
        assert f"unchanged {len(files)}" in proc.stdout, proc.stdout[-500:]
        rows.append(("re-ingest of the unchanged corpus (new process)", f"{wall:.2f} s", f"peak RSS {rss / 1024:.0f} MB; goal <= 5 s"))
        wall, rss, _ = cli("--data-dir", data, "search", queries[0].text)
        rows.append(("cold start to first result (new process)", f"{wall:.2f} s", f"peak RSS {rss / 1024:.0f} MB"))
        import shutil

        shutil.rmtree(work / "fresh", ignore_errors=True)
        wall, rss, _ = cli("--data-dir", str(work / "fresh"), "ingest", str(folder))
        rows.append(("full ingest (new process)", f"{wall:.1f} s", f"peak RSS {rss / 1024:.0f} MB"))

    print(f"\n{len(files)} MedQuAD articles, {chars:,} characters\n")
    print("| measure | value | notes |")
    print("| --- | --- | --- |")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")


if __name__ == "__main__":
    main()
