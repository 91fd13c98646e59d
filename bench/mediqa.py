"""Retrieval quality on MEDIQA-QA (consumer health questions, graded answers): this project vs the
LangChain tutorial retriever vs BM25 over whole articles.

Usage: python bench/mediqa.py ../shared/data/mediqa-qa [--sets dev|test|all] [--work DIR]
                              [--skip-langchain] [--skip-bm25] [--runs DIR] [--latency] [--steps]

``dev`` is the ``alexa`` and ``validation`` sets (tune on these); ``test`` is the 150 long, messy
messages (report it, never tune on it); ``all`` is every question. The stores are kept in
``--work`` (default ``$TMPDIR/mediqa-bench``), so a second run re-ingests nothing: this project's
ingest skips unchanged articles by content hash, and the LangChain store is reused when it holds
the whole corpus. Scores come from the data set's own ``score.py`` (nDCG@10 with gain = grade - 1,
MRR@10 and P@5 with relevant = grade >= 3, avgScore@1).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from assistant.app import operations

K = 10
SETS = {"dev": ("alexa", "validation"), "test": ("test",), "all": ("alexa", "validation", "test")}


def load_scorer(data: Path):
    """The benchmark's own ``evaluate`` from ``score.py``."""
    spec = importlib.util.spec_from_file_location("mediqa_score", data / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate


def load(data: Path) -> tuple[list[dict], dict[str, dict[str, int]]]:
    queries = [json.loads(line) for line in (data / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line]
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (data / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        qid, doc, grade = line.split("\t")
        qrels[qid][doc] = max(qrels[qid].get(doc, 0), int(grade))
    return queries, qrels


# Told as a long message: a story that names no condition, then the question, sometimes under a
# subject line and with a closing line. Written for this benchmark; used only on the dev questions.
_STORIES = (
    "My husband and I have been reading a lot online over the last few weeks and we are both quite worried.",
    "I am writing for my mother, who is 72 and lives on her own, because she does not use the internet.",
    "We saw our family doctor last month but the appointment was very short and we did not get to ask everything.",
    "I have been going back and forth with this for a while now and nobody seems to give me a straight answer.",
    "My sister told me to write to you because you might be able to point us in the right direction.",
    "Sorry if this is the wrong place to ask, I could not find a phone number on the website.",
    "My son is 15 and plays football three times a week, and his school asked us to look into this.",
    "I work night shifts as a nurse assistant so it is hard for me to get to appointments during the day.",
)
_CLOSINGS = ("Thank you so much for any help.", "Any advice would be appreciated, thanks.", "Many thanks in advance.", "")


def long_messages(queries: list[dict], seed: int = 16) -> list[dict]:
    """The ``alexa`` questions retold as long messages (set ``alexa-long``, the same judgements)."""
    import random

    rng = random.Random(seed)
    out = []
    for q in queries:
        if q["set"] != "alexa":
            continue
        story = " ".join(rng.sample(_STORIES, 2))
        question, closing = q["text"].strip(), rng.choice(_CLOSINGS)
        topic = re.sub(r"^(what is|what causes|what are the \w+ of|how to diagnose) ", "", question, flags=re.I).rstrip(" ?")
        shape = rng.randrange(3)
        if shape == 0:
            text = f"{story} {question} {closing}"
        elif shape == 1:
            text = f"{topic}. {story} {question} {closing}"
        else:
            text = f"Hello, {story[0].lower()}{story[1:]} So my question is: {question[0].lower()}{question[1:]} {closing}"
        out.append({"id": q["id"] + "-long", "set": "alexa-long", "text": " ".join(text.split()), "source": q["id"]})
    return out


def misspelt(queries: list[dict], seed: int = 16) -> list[dict]:
    """The dev questions with typing slips: one or two words of five letters or more get one slip
    each (a letter dropped, doubled, swapped with its neighbour or hit next to it; never the first)."""
    import random

    rng = random.Random(seed)
    near = dict(zip("abcdefghijklmnopqrstuvwxyz", "swdsfgfhjkjkmnpolaedyvcxuz"))
    out = []
    for q in queries:
        if q["set"] not in SETS["dev"]:
            continue
        words = q["text"].split(" ")
        long_ = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        for i in rng.sample(long_, min(len(long_), 1 if len(long_) < 6 else 2)):
            w, j = words[i], rng.randrange(1, len(words[i]) - 1)
            slip = rng.randrange(4)
            if slip == 0:
                w = w[:j] + w[j + 1 :]
            elif slip == 1:
                w = w[:j] + w[j] + w[j:]
            elif slip == 2:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            else:
                w = w[:j] + near.get(w[j].lower(), w[j]) + w[j + 1 :]
            words[i] = w
        out.append({"id": q["id"] + "-typo", "set": "dev-typos", "text": " ".join(words), "source": q["id"]})
    return out


def stem(source: str) -> str:
    return Path(source).stem


def dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ----------------------------------------------------------------------------- retrievers


def project_services(corpus: Path, work: Path, **settings):
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    services = Services(Settings(data_dir=work / "ours", corpus_dir=corpus, _env_file=None, **settings))
    t = time.perf_counter()
    report = operations.ingest(services, [corpus])
    print(f"project store ready in {time.perf_counter() - t:.1f} s ({len(report.added)} added)", file=sys.stderr)
    return services


def run_project(retriever, queries: list[dict]) -> tuple[dict[str, list[str]], list[float]]:
    retriever.search("warm up")
    run, times = {}, []
    for q in queries:
        t = time.perf_counter()
        result = retriever.search(q["text"], k=K)
        times.append((time.perf_counter() - t) * 1000)
        run[q["id"]] = [stem(h.source) for h in result.hits]
    return run, times


_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)


def run_bm25_articles(corpus: Path, queries: list[dict]) -> dict[str, list[str]]:
    """BM25 (bm25s, English stemmer and stop words) over whole articles: title and body."""
    import bm25s
    import Stemmer

    files = sorted(corpus.glob("*.md"))
    texts = [_FRONT.sub("", p.read_text(encoding="utf-8")) for p in files]
    stemmer = Stemmer.Stemmer("english")
    index = bm25s.BM25()
    index.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    run = {}
    for q in queries:
        tokens = bm25s.tokenize([q["text"]], stopwords="en", stemmer=stemmer, show_progress=False)
        docs, scores = index.retrieve(tokens, k=K, show_progress=False, n_threads=1)
        run[q["id"]] = [files[int(i)].stem for i, s in zip(docs[0], scores[0]) if s > 0]
    return run


def run_langchain(corpus: Path, work: Path, queries: list[dict], model_path: str) -> dict[str, list[str]]:
    """The LangChain RAG tutorial retriever: RecursiveCharacterTextSplitter(1000, 200), MiniLM, Chroma."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    files = sorted(corpus.glob("*.md"))
    docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name}) for p in files]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(
        model_name=model_path, model_kwargs={"device": "cpu"}, encode_kwargs={"normalize_embeddings": True}
    )
    folder = work / "langchain"
    store = Chroma(persist_directory=str(folder), embedding_function=embeddings)
    if store._collection.count() != len(splits):
        store.delete_collection()
        t = time.perf_counter()
        store = Chroma.from_documents(splits, embeddings, persist_directory=str(folder))
        print(f"LangChain store built in {time.perf_counter() - t:.1f} s ({len(splits)} chunks)", file=sys.stderr)
    run = {}
    for q in queries:
        found = store.similarity_search(q["text"], k=4 * K)
        run[q["id"]] = dedupe([Path(d.metadata["source"]).stem for d in found])[:K]
    return run


#: What each method buys, added one at a time (``--steps``): retriever attributes set before each
#: row, ``None`` meaning the configured value (the default unless CLINIC_* says otherwise).
STEPS = (
    ("vector + BM25 over all chunks, nothing else", {
        "spelling": False, "heading_weight": 0.0, "subject_weight": 0.0, "question_weight": 0.0, "article_weight": 0.0,
        "title_weight": 0.0,
    }),
    ("+ spelling forgiven", {"spelling": None}),
    ("+ title and section heading as a field", {"heading_weight": None}),
    ("+ subject line weighed", {"subject_weight": None}),
    ("+ each question searched", {"question_weight": None}),
    ("+ whole article (passages add up)", {"article_weight": None}),
    ("+ keywords in the title field (BM25 over titles)", {"title_weight": None}),
)


def run_steps(retriever, queries: list[dict], extra: list[dict], evaluate, qrels) -> str:
    """One row per step of ``STEPS`` on the dev questions, plus the retold long and misspelt ones."""
    configured = {name: getattr(retriever, name) for name in STEPS[0][1]}
    lines = [
        "| step | dev nDCG@10 | dev MRR@10 | dev P@5 | alexa retold long, nDCG@10 | dev misspelt, nDCG@10 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    dev_ids = [q["id"] for q in queries if q["set"] in SETS["dev"]]
    long_ids = [q["id"] for q in extra if q["set"] == "alexa-long"]
    typo_ids = [q["id"] for q in extra if q["set"] == "dev-typos"]
    for label, change in STEPS:
        for name, value in change.items():
            setattr(retriever, name, configured[name] if value is None else value)
        run, _ = run_project(retriever, [q for q in queries if q["set"] in SETS["dev"]] + extra)
        m, long_, typo = evaluate(run, qrels, dev_ids), evaluate(run, qrels, long_ids), evaluate(run, qrels, typo_ids)
        lines.append(
            f"| {label} | {m['nDCG@10']:.3f} | {m['MRR@10']:.3f} | {m['P@5']:.3f} "
            f"| {long_['nDCG@10']:.3f} | {typo['nDCG@10']:.3f} |"
        )
    for name, value in configured.items():
        setattr(retriever, name, value)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- report


def table(rows: list[tuple[str, dict[str, list[str]]]], evaluate, qrels, queries: list[dict], groups: list[str]) -> str:
    lines = ["| retriever | questions | nDCG@10 | MRR@10 | P@5 | avgScore@1 | answered |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for group in groups:
        ids = [q["id"] for q in queries if q["set"] in SETS[group]]
        if not ids:
            continue
        for name, run in rows:
            m = evaluate(run, qrels, ids)
            lines.append(
                f"| {name} | {group} ({len(ids)}) | {m['nDCG@10']:.3f} | {m['MRR@10']:.3f} | {m['P@5']:.3f} "
                f"| {m['avgScore@1']:.3f} | {m['answered']} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, nargs="?", default=Path(__file__).resolve().parents[2] / "shared/data/mediqa-qa")
    ap.add_argument("--sets", choices=sorted(SETS), default="dev", help="dev = alexa + validation (default)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "mediqa-bench")
    ap.add_argument("--skip-langchain", action="store_true")
    ap.add_argument("--skip-bm25", action="store_true")
    ap.add_argument("--floor-off", action="store_true", help="also report this project with the relevance floor off")
    ap.add_argument("--runs", type=Path, default=None, help="write each run as RUN.jsonl for score.py")
    ap.add_argument("--latency", action="store_true", help="report warm search p50/p95 of this project")
    ap.add_argument("--steps", action="store_true", help="what each method buys, on dev (and retold dev questions)")
    args = ap.parse_args()

    data = args.data.resolve()
    evaluate = load_scorer(data)
    queries, qrels = load(data)
    all_queries = queries
    queries = [q for q in queries if q["set"] in SETS[args.sets]]
    corpus = data / "corpus"
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"MEDIQA-QA: {len(list(corpus.glob('*.md')))} articles, {len(queries)} questions ({args.sets})", file=sys.stderr)

    services = project_services(corpus, args.work)
    rows: list[tuple[str, dict[str, list[str]]]] = []
    run, times = run_project(services.retriever, queries)
    rows.append(("this project", run))
    if args.floor_off:
        floor = services.retriever.min_relevance
        services.retriever.min_relevance = -1.0
        rows.append(("this project, floor off", run_project(services.retriever, queries)[0]))
        services.retriever.min_relevance = floor
    if not args.skip_langchain:
        model_path = str(services.settings.embedding.resolved_model_path())
        rows.append(("LangChain tutorial (1000/200 splitter, MiniLM, Chroma)", run_langchain(corpus, args.work, queries, model_path)))
    if not args.skip_bm25:
        rows.append(("BM25 (bm25s, whole articles)", run_bm25_articles(corpus, queries)))

    if args.runs:
        args.runs.mkdir(parents=True, exist_ok=True)
        for name, r in rows:
            slug = re.sub(r"\W+", "-", name.lower()).strip("-")[:40]
            with open(args.runs / f"{slug}.jsonl", "w", encoding="utf-8") as out:
                for q in queries:
                    out.write(json.dumps({"id": q["id"], "ranked": r.get(q["id"], [])}) + "\n")

    if args.steps:
        extra = long_messages(all_queries) + misspelt(all_queries)
        for q in extra:
            qrels[q["id"]] = qrels[q["source"]]
        print("\nWhat each method buys (dev only; each row adds one to the row above)\n")
        print(run_steps(services.retriever, all_queries, extra, evaluate, qrels))

    groups = {"dev": ["dev"], "test": ["test"], "all": ["dev", "test", "all"]}[args.sets]
    print(f"\nMEDIQA-QA, k = {K}\n")
    print(table(rows, evaluate, qrels, queries, groups))
    if args.latency:
        load_avg = os.getloadavg()
        print(
            f"\nwarm search, this project: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms "
            f"over {len(times)} questions (load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f})"
        )


if __name__ == "__main__":
    main()
