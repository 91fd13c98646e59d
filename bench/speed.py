"""Speed and memory: ingest throughput of every embedding backend against the LangChain tutorial
pipeline in one process, question-embedding latency, how close the chosen backend comes to what
the cores can do, search latency, unchanged re-ingest, cold start and peak RSS; with --quality,
also MedQuAD and MEDIQA-QA nDCG@10 of every backend.

Usage: python bench/speed.py ../shared/data/medquad [--limit-docs 400] [--queries 200]
           [--backends torch,onnx,onnx-int8,openvino,openvino-int8] [--wait-quiet 0.6]
           [--quality ../shared/data/mediqa-qa] [--quality-backends torch,onnx-int8] [--out speed.json] [--skip-cli]

Backends whose optional extra is not installed are listed as skipped. Every backend's export is
made (and timed) before its ingest is timed; the LangChain pipeline runs with torch's default
threads, as the tutorial does, and each backend with this project's default settings.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from medquad import convert, sample_queries  # noqa: E402

# VmHWM (peak resident memory of this address space) starts afresh at exec, unlike ru_maxrss,
# which a child inherits from the large benchmark process that forked it.
_CLI = (
    "import sys\n"
    "from assistant.app.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "hwm = next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
    "print('MAXRSS_KB', hwm, file=sys.stderr)\n"
    "sys.exit(code)\n"
)
ALL = ("torch", "onnx", "onnx-int8", "openvino", "openvino-int8")


def cli(*args: str, env: dict | None = None) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run the CLI in a fresh interpreter; return wall seconds and peak RSS (KB)."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"CLI failed: {proc.stderr[-2000:]}")
    rss = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("MAXRSS_KB"))
    return wall, rss, proc


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def load1() -> float:
    return os.getloadavg()[0]


def wait_quiet(limit: float, patience_s: float = 3600) -> None:
    start = time.time()
    while load1() >= limit and time.time() - start < patience_s:
        print(f"load average {load1():.2f} >= {limit}: waiting", file=sys.stderr)
        time.sleep(60)


# ----------------------------------------------------------------------------- the machine


def model_macs_per_token(model_path: Path, mean_tokens: float) -> float:
    """Multiply-adds per word piece of a BERT encoder: projections, feed-forward and attention."""
    config = json.loads((Path(model_path) / "config.json").read_text())
    h, f, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    return layers * (4 * h * h + 2 * h * f + 2 * h * mean_tokens)


def nominal_peak() -> tuple[float, str]:
    """fp32 multiply-adds per second the cores can issue: cores x clock x FMA lanes x 2 units."""
    info = Path("/proc/cpuinfo").read_text()
    flags = next((line for line in info.splitlines() if line.startswith("flags")), "")
    mhz = max(float(line.split(":")[1]) for line in info.splitlines() if line.startswith("cpu MHz"))
    lanes = 16 if " avx512f" in flags else 8 if " fma" in flags and " avx2" in flags else 4
    cores = os.cpu_count() or 1
    return cores * mhz * 1e6 * lanes * 2, f"{cores} cores x {mhz / 1000:.2f} GHz x {lanes} fp32 lanes x 2 FMA units"


def measured_gemm(threads: int) -> tuple[float, float | None]:
    """fp32 (torch) and int8 (ONNX Runtime MatMulInteger) multiply-adds per second on large matrices."""
    import numpy as np
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    t, reps = time.perf_counter(), 20
    for _ in range(reps):
        torch.mm(a, b)
    fp32 = reps * n**3 / (time.perf_counter() - t)
    torch.set_num_threads(before)
    try:
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper

        graph = helper.make_graph(
            [helper.make_node("MatMulInteger", ["a", "b"], ["y"])], "mm",
            [helper.make_tensor_value_info("a", TensorProto.UINT8, [n, n])],
            [helper.make_tensor_value_info("y", TensorProto.INT32, [n, n])],
            [helper.make_tensor("b", TensorProto.INT8, [n, n], np.random.randint(-127, 127, (n, n)).astype(np.int8).tobytes(), raw=True)],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        x = np.random.randint(0, 255, (n, n)).astype(np.uint8)
        session.run(None, {"a": x})
        t = time.perf_counter()
        for _ in range(reps):
            session.run(None, {"a": x})
        int8 = reps * n**3 / (time.perf_counter() - t)
        del onnx
    except ImportError:
        int8 = None
    return fp32, int8


# ----------------------------------------------------------------------------- pipelines


def langchain_ingest(files: list[Path], work: Path, model_path: Path, threads: int):
    import torch
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    torch.set_num_threads(threads)  # what torch picks by itself in a fresh process
    embeddings = HuggingFaceEmbeddings(
        model_name=str(model_path), model_kwargs={"device": "cpu"}, encode_kwargs={"normalize_embeddings": True}
    )
    embeddings.embed_query("warm up")
    t = time.perf_counter()
    docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name}) for p in files]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    Chroma.from_documents(splits, embeddings, persist_directory=str(work / "langchain"))
    seconds = time.perf_counter() - t
    tokenizer = embeddings._client.tokenizer
    tokens = sum(min(256, len(tokenizer(d.page_content)["input_ids"])) for d in splits)
    return seconds, len(splits), tokens


def backend_run(backend: str, folder: Path, work: Path, queries: list[str]) -> dict:
    """Export (timed apart), then a timed ingest, then question-embedding latency."""
    from assistant.app import operations
    from assistant.app.services import Services
    from assistant.core.settings import Settings
    from assistant.retrieval.backends import BackendUnavailable, require

    try:
        require(backend)
    except BackendUnavailable as exc:
        return {"backend": backend, "skipped": str(exc)}
    # a fresh export folder, so the first-use column includes making the export
    settings = Settings(data_dir=work / f"ours-{backend}", embedding_backend=backend, embedding_cache_dir=work / "exports", _env_file=None)
    services = Services(settings)
    inner = services.embedder.inner
    t = time.perf_counter()
    inner.embed_documents(["warm up"] * 16)  # the export, and the runtime with ingest's threads
    inner.embed_query("warm up")  # ONNX Runtime and OpenVINO load the model again for a question's threads
    first_use = time.perf_counter() - t
    load_before = load1()
    inner.tokens = inner.padded_tokens = 0
    t = time.perf_counter()
    report = operations.ingest(services, [folder])
    seconds = time.perf_counter() - t
    tokens, padded = inner.tokens, inner.padded_tokens
    load_after = load1()
    latencies = []
    for text in queries:  # the embedder itself, not its cache: every question is new
        t = time.perf_counter()
        inner.embed_query(text)
        latencies.append((time.perf_counter() - t) * 1000)
    return {
        "backend": backend, "seconds": seconds, "chunks": report.chunks_written, "first_use_s": first_use,
        "tokens": tokens, "padding": padded / max(tokens, 1) - 1,
        "threads": (inner.batch_threads, inner.query_threads),
        "query_p50": statistics.median(latencies), "query_p95": percentile(latencies, 95), "services": services,
        "load": (load_before, load_after),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("medquad", type=Path)
    ap.add_argument("--limit-docs", type=int, default=400)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--backends", default=",".join(ALL))
    ap.add_argument("--wait-quiet", type=float, default=None, help="first wait until the 1-minute load average is below this")
    ap.add_argument("--quality", type=Path, default=None, metavar="MEDIQA_DIR", help="also score every backend on MedQuAD and MEDIQA-QA")
    ap.add_argument("--quality-backends", default=None, help="only these backends for --quality, in this order (default: all that ran)")
    ap.add_argument("--quality-medquad-docs", type=int, default=None, help="--quality on a seeded sample of this many MedQuAD documents (default: all 1,453)")
    ap.add_argument("--quality-mediqa-queries", type=int, default=None, help="--quality on a seeded sample of MEDIQA questions and their judged answers (default: all 279)")
    ap.add_argument("--out", type=Path, default=None, help="also write the results here as JSON, updated as each part finishes")
    ap.add_argument("--winner", default=None, help="backend for the machine-limit and search rows (default: the fastest)")
    ap.add_argument("--skip-cli", action="store_true", help="skip the fresh-process rows (re-ingest, cold start, RSS)")
    args = ap.parse_args()

    import torch

    default_threads = torch.get_num_threads()  # before anything in this process changes it
    if args.wait_quiet is not None:
        wait_quiet(args.wait_quiet)
    from assistant.core.settings import Settings

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    model_path = Settings(_env_file=None).embedding.resolved_model_path()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "articles"
        queries = [q.text for q in sample_queries(convert(args.medquad, folder, args.limit_docs), args.queries)]
        files = sorted(folder.glob("*.md"))
        chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
        print(f"{len(files)} articles, {chars:,} characters; load average {load_start[0]:.2f}", file=sys.stderr)

        lc_load = load1()
        lc_s, lc_chunks, lc_tokens = langchain_ingest(files, work, model_path, default_threads)
        lc_load = (lc_load, load1())
        print(f"LangChain: {lc_s:.1f} s", file=sys.stderr)
        runs = []
        for backend in backends:
            runs.append(backend_run(backend, folder, work, queries))
            r = runs[-1]
            print(f"{backend}: {r.get('seconds', 0):.1f} s {r.get('skipped', '')}", file=sys.stderr)
        load_end = os.getloadavg()
        done = [r for r in runs if "seconds" in r]
        best = next((r for r in done if r["backend"] == args.winner), None) or min(done, key=lambda r: r["seconds"])

        # --- the machine's limit ------------------------------------------------------
        fp32_1, int8_1 = measured_gemm(1)
        fp32_n, int8_n = measured_gemm(os.cpu_count() or 1)
        peak, how = nominal_peak()
        mean_tokens = best["tokens"] / max(best["chunks"], 1)
        macs = model_macs_per_token(model_path, mean_tokens)

        # --- warm search latency, with the fastest backend -------------------------------
        retriever = best["services"].retriever
        retriever.search("warm up")
        times = []
        for q in queries:
            t = time.perf_counter()
            retriever.search(q, k=10)
            times.append((time.perf_counter() - t) * 1000)

        cli_rows = []
        if not args.skip_cli:
            env = {**os.environ, "CLINIC_EMBEDDING_BACKEND": best["backend"], "CLINIC_EMBEDDING_CACHE_DIR": str(work / "exports")}
            data = str(work / f"ours-{best['backend']}")
            wall, rss, proc = cli("--data-dir", data, "ingest", str(folder), env=env)
            assert f"unchanged {len(files)}" in proc.stdout, proc.stdout[-500:]
            cli_rows.append(("re-ingest of the unchanged corpus (new process)", f"{wall:.2f} s", f"peak RSS {rss / 1024:.0f} MB; goal <= 5 s"))
            wall, rss, _ = cli("--data-dir", data, "search", queries[0], env=env)
            cli_rows.append(("cold start to first result (new process)", f"{wall:.2f} s", f"peak RSS {rss / 1024:.0f} MB"))
            wall, rss, _ = cli("--data-dir", str(work / "fresh"), "ingest", str(folder), env=env)
            cli_rows.append(("full ingest (new process)", f"{wall:.1f} s", f"peak RSS {rss / 1024:.0f} MB"))

    lc_rate = chars / lc_s
    result = {
        "articles": len(files), "chars": chars, "load_start": load_start[0], "load_end": load_end[0], "torch_default_threads": default_threads,
        "langchain": {"seconds": lc_s, "chunks": lc_chunks, "tokens": lc_tokens, "load": lc_load},
        "backends": [{k: v for k, v in r.items() if k != "services"} for r in runs],
        "machine": {"macs_per_token": macs, "mean_tokens": mean_tokens, "nominal": peak, "nominal_how": how,
                    "fp32_1": fp32_1, "fp32_n": fp32_n, "int8_1": int8_1, "int8_n": int8_n, "winner": best["backend"]},
        "search_ms": {"p50": statistics.median(times), "p95": percentile(times, 95), "n": len(times)},
        "cli": cli_rows, "quality": {},
    }
    save(args.out, result)

    def table(quality: dict) -> None:
        print(f"\n{len(files)} MedQuAD articles, {chars:,} characters; 1-minute load average {load_start[0]:.2f} at the start, "
              f"{load_end[0]:.2f} after the ingests; torch default threads {default_threads}\n")
        head = ("| pipeline | threads (ingest / question) | ingest | chars/s | vs LangChain | tokens/s | padding | "
                "first use (export, load) | question p50 / p95 | load avg (before / after) |")
        if quality:
            head += " MedQuAD nDCG@10 | MEDIQA nDCG@10 |"
        width = head.count("|") - 1
        print(head)
        print("|" + " --- |" * width)
        row = (f"| LangChain tutorial (torch) | {default_threads} | {lc_s:.1f} s, {lc_chunks} chunks | {lc_rate:,.0f} | 1.00x | "
               f"{lc_tokens / lc_s:,.0f} | | | | {lc_load[0]:.2f} / {lc_load[1]:.2f} |")
        print(row + (" | |" if quality else ""))
        for r in runs:
            if "skipped" in r:
                print(f"| {r['backend']} | skipped: {r['skipped']} |" + " |" * (width - 2))
                continue
            rate = chars / r["seconds"]
            line = (f"| {r['backend']} | {r['threads'][0]} / {r['threads'][1]} | {r['seconds']:.1f} s, {r['chunks']} chunks | {rate:,.0f} | "
                    f"**{rate / lc_rate:.2f}x** | {r['tokens'] / r['seconds']:,.0f} | {100 * r['padding']:.1f}% | {r['first_use_s']:.1f} s | "
                    f"{r['query_p50']:.1f} / {r['query_p95']:.1f} ms | {r['load'][0]:.2f} / {r['load'][1]:.2f} |")
            if quality:
                m, q = quality.get(r["backend"], (None, None))
                line += f" {m:.3f} | {q:.3f} |" if m is not None else " not run | not run |"
            print(line)

    table({})
    rate = best["tokens"] / best["seconds"]
    print(f"\nMachine limit, {best['backend']}: {macs / 1e6:.1f} M multiply-adds per word piece "
          f"(mean {mean_tokens:.0f} word pieces per chunk)\n")
    print(f"| measure | multiply-adds/s | word pieces/s at that rate | {best['backend']}'s share |")
    print("| --- | --- | --- | --- |")
    achieved = rate * macs
    for name, value in (
        (f"nominal fp32 peak ({how})", peak),
        ("measured fp32 GEMM 1024^3, torch, 1 thread", fp32_1),
        (f"measured fp32 GEMM 1024^3, torch, {os.cpu_count()} threads", fp32_n),
        ("measured int8 GEMM 1024^3, ONNX Runtime MatMulInteger, 1 thread", int8_1),
        (f"measured int8 GEMM 1024^3, ONNX Runtime MatMulInteger, {os.cpu_count()} threads", int8_n),
    ):
        if value:
            print(f"| {name} | {value / 1e9:,.1f} G | {value / macs:,.0f} | {100 * achieved / value:.0f}% |")
    print(f"| achieved by {best['backend']} in ingest | {achieved / 1e9:,.1f} G | {rate:,.0f} | |")

    print("\n| measure | value | notes |")
    print("| --- | --- | --- |")
    print(f"| warm search latency p50 ({best['backend']}) | {statistics.median(times):.1f} ms | {len(times)} MedQuAD questions |")
    print(f"| warm search latency p95 ({best['backend']}) | {percentile(times, 95):.1f} ms | goal <= 50 ms |")
    for name, value, note in cli_rows:
        print(f"| {name} | {value} | {note} |")
    sys.stdout.flush()

    if args.quality:
        from backend_quality import mediqa_quality, medquad_quality

        order = [b.strip() for b in args.quality_backends.split(",")] if args.quality_backends else [r["backend"] for r in done]
        quality = {}
        for backend in order:
            if not any(r["backend"] == backend for r in done):
                continue
            t = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                medquad = medquad_quality(args.medquad, backend, Path(tmp), limit_docs=args.quality_medquad_docs)["nDCG@10"]
                mediqa = mediqa_quality(args.quality, backend, Path(tmp), sample=args.quality_mediqa_queries)["nDCG@10"]
            quality[backend] = (medquad, mediqa)
            result["quality"][backend] = {"medquad_ndcg10": medquad, "mediqa_ndcg10": mediqa, "seconds": time.perf_counter() - t}
            save(args.out, result)
            print(f"quality {backend}: MedQuAD {medquad:.4f}, MEDIQA {mediqa:.4f} ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
        print(f"\nRetrieval quality on MedQuAD ({args.quality_medquad_docs or 'all'} documents, up to 1,000 questions) and "
              f"MEDIQA-QA ({args.quality_mediqa_queries or 'all 279'} questions)")
        table(quality)


def save(path: Path | None, result: dict) -> None:
    if path:
        path.write_text(json.dumps(result, indent=1) + "\n")

if __name__ == "__main__":
    main()
