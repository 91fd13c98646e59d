"""Retrieval quality on MedQuAD: this project vs the LangChain tutorial retriever vs BM25 alone.

Usage: python bench/retrieval.py ../shared/data/medquad [--queries 1000] [--limit-docs N]

Prints a Markdown table of hit@1, MRR@10 and nDCG@10 (article level).
"""

from __future__ import annotations

from assistant.app import operations
import argparse
import math
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from medquad import Query, convert, sample_queries  # noqa: E402

K = 10


def metrics(ranked: list[list[str]], queries: list[Query]) -> dict[str, float]:
    hit1 = mrr = ndcg = 0.0
    for names, q in zip(ranked, queries):
        names = names[:K]
        if names and names[0] in q.relevant:
            hit1 += 1
        for i, name in enumerate(names):
            if name in q.relevant:
                mrr += 1 / (i + 1)
                break
        dcg = sum(1 / math.log2(i + 2) for i, name in enumerate(names) if name in q.relevant)
        idcg = sum(1 / math.log2(i + 2) for i in range(min(len(q.relevant), K)))
        ndcg += dcg / idcg
    n = len(queries)
    return {"hit@1": hit1 / n, "MRR@10": mrr / n, "nDCG@10": ndcg / n}


def dedupe(names: list[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def run_ours(folder: Path, work: Path, queries: list[Query], min_relevance: float | None):
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    kwargs = {} if min_relevance is None else {"min_relevance": min_relevance}
    services = Services(Settings(data_dir=work / "ours", corpus_dir=folder, _env_file=None, **kwargs))
    t = time.perf_counter()
    operations.ingest(services, [folder])
    ingest_s = time.perf_counter() - t
    retriever = services.retriever
    retriever.search("warm up")
    t = time.perf_counter()
    ranked = [[Path(h.source).name for h in retriever.search(q.text, k=K).hits] for q in queries]
    return ranked, ingest_s, time.perf_counter() - t, services


def run_bm25(services, queries: list[Query]):
    from assistant.retrieval.lexical import LexicalIndex

    index = LexicalIndex(services.backend.live().documents())
    ranked = []
    for q in queries:
        hits = index.search(q.text, 200)
        ranked.append(dedupe([Path(p.source).name for p, _ in hits]))
    return ranked


def langchain_tutorial(folder: Path, work: Path, model_path: str):
    """The LangChain RAG tutorial retriever, as written there."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
        for p in sorted(folder.glob("*.md"))
    ]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(
        model_name=model_path, model_kwargs={"device": "cpu"}, encode_kwargs={"normalize_embeddings": True}
    )
    store = Chroma.from_documents(splits, embeddings, persist_directory=str(work / "langchain"))
    return store, docs


def run_langchain(folder: Path, work: Path, queries: list[Query], model_path: str):
    t = time.perf_counter()
    store, _ = langchain_tutorial(folder, work, model_path)
    ingest_s = time.perf_counter() - t
    ranked = []
    for q in queries:
        found = store.similarity_search(q.text, k=4 * K)
        ranked.append(dedupe([d.metadata["source"] for d in found]))
    return ranked, ingest_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("medquad", type=Path)
    ap.add_argument("--queries", type=int, default=1000, help="questions sampled (seed 7)")
    ap.add_argument("--limit-docs", type=int, default=None, help="use a sample of the documents")
    ap.add_argument("--skip-langchain", action="store_true")
    args = ap.parse_args()

    from assistant.core.settings import Settings

    model_path = str(Settings(_env_file=None).embedding.resolved_model_path())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = work / "articles"
        queries = sample_queries(convert(args.medquad, folder, args.limit_docs), args.queries)
        n_docs = len(list(folder.glob("*.md")))
        print(f"MedQuAD: {n_docs} articles, {len(queries)} questions; {platform.processor() or platform.machine()}", file=sys.stderr)

        rows = []
        ranked, ingest_s, search_s, services = run_ours(folder, work, queries, None)
        rows.append(("this project (hybrid, relevance floor on)", metrics(ranked, queries)))
        services.retriever.min_relevance = -1.0
        ranked = [[Path(h.source).name for h in services.retriever.search(q.text, k=K).hits] for q in queries]
        rows.append(("this project (hybrid, floor off)", metrics(ranked, queries)))
        rows.append(("BM25 alone (bm25s over the same chunks)", metrics(run_bm25(services, queries), queries)))
        if not args.skip_langchain:
            ranked, _ = run_langchain(folder, work, queries, model_path)
            rows.append(("LangChain tutorial (1000/200 splitter + HF embeddings + Chroma)", metrics(ranked, queries)))

        print(f"\n{n_docs} articles, {len(queries)} questions, k={K}\n")
        print("| retriever | hit@1 | MRR@10 | nDCG@10 |")
        print("| --- | --- | --- | --- |")
        for name, m in rows:
            print(f"| {name} | {m['hit@1']:.3f} | {m['MRR@10']:.3f} | {m['nDCG@10']:.3f} |")


if __name__ == "__main__":
    main()
