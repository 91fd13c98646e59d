"""Retrieval quality of one embedding backend on MedQuAD and MEDIQA-QA (nDCG@10, this project's search).

Usage: python bench/backend_quality.py --backend onnx-int8 ../shared/data/medquad ../shared/data/mediqa-qa [--out r.json]

MedQuAD: all 1,453 articles, 1,000 questions sampled with seed 7 (as bench/retrieval.py).
MEDIQA-QA: the 1,671 judged answers as articles, all 279 questions, scored by the data set's
own score.py (graded nDCG@10). Search runs as the product does (k = 10, relevance floor on).
Quality does not depend on the machine's load, so this can run while other work does.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from medquad import convert, sample_queries  # noqa: E402
from retrieval import K, metrics  # noqa: E402


def _services(data_dir: Path, backend: str, threads: int):
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    return Services(Settings(data_dir=data_dir, embedding_backend=backend, torch_threads=threads, _env_file=None))


def medquad_quality(
    medquad: Path, backend: str, work: Path, queries: int = 1000, threads: int = 0, limit_docs: int | None = None
) -> dict[str, float]:
    """``limit_docs``: a seeded sample of this many documents (as bench/speed.py draws them); None: all."""
    from assistant.app import operations

    folder = work / "medquad-articles"
    sample = sample_queries(convert(medquad, folder, limit_docs), queries)
    services = _services(work / f"medquad-{backend}", backend, threads)
    operations.ingest(services, [folder])
    ranked = [[Path(h.source).name for h in services.retriever.search(q.text, k=K).hits] for q in sample]
    return metrics(ranked, sample)


def mediqa_quality(mediqa: Path, backend: str, work: Path, threads: int = 0, sample: int | None = None) -> dict[str, float]:
    """``sample``: this many questions drawn with seed 7, searched over only the answers judged for
    them (the smaller set is a subset of the full corpus, so it is easier); None: all."""
    from assistant.app import operations

    spec = importlib.util.spec_from_file_location("mediqa_score", mediqa / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    qrels: dict[str, dict[str, int]] = {}
    for line in (mediqa / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        qid, doc, grade = line.split("\t")
        qrels.setdefault(qid, {})[doc] = max(qrels.get(qid, {}).get(doc, 0), int(grade))
    queries = [json.loads(line) for line in (mediqa / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line]
    corpus = mediqa / "corpus"
    if sample is not None and sample < len(queries):
        queries = random.Random(7).sample(queries, sample)
        corpus = work / "mediqa-corpus"
        corpus.mkdir(exist_ok=True)
        for doc in sorted({d for q in queries for d in qrels.get(q["id"], {})}):
            shutil.copy(mediqa / "corpus" / f"{doc}.md", corpus / f"{doc}.md")
    services = _services(work / f"mediqa-{backend}", backend, threads)
    operations.ingest(services, [corpus])
    run = {q["id"]: [Path(h.source).stem for h in services.retriever.search(q["text"], k=K).hits] for q in queries}
    return score.evaluate(run, qrels, [q["id"] for q in queries])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("medquad", type=Path)
    ap.add_argument("mediqa", type=Path)
    ap.add_argument("--backend", default="torch")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--medquad-docs", type=int, default=None, help="a seeded sample of this many MedQuAD documents")
    ap.add_argument("--mediqa-queries", type=int, default=None, help="a seeded sample of MEDIQA questions and their judged answers")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = {
            "backend": args.backend,
            "medquad": medquad_quality(args.medquad, args.backend, Path(tmp), args.queries, args.threads, args.medquad_docs),
            "mediqa": mediqa_quality(args.mediqa, args.backend, Path(tmp), args.threads, args.mediqa_queries),
        }
    result["seconds"] = round(time.perf_counter() - t, 1)
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
