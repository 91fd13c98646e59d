"""Scale, measured (issue 14): ingest and serve 1k and 10k articles with the real model.

Usage (from the project root)::

    python bench/scale.py --sizes 1000 10000 --out /tmp/scale

Corpus. Every MedQuAD document with answers in ``../shared/data/medquad`` and
``../shared/data/medquad-more`` (about 5,500; see ``../shared/README.md``) is
converted to one Markdown article by ``bench/medquad.py``'s ``convert``. For a
size N the corpus is:

* N <= the real count: N real articles, sampled with ``random.Random(seed)``.
* N > the real count: every real article, plus N - real *synthetic* articles.
  Synthetic article i is made from real article ``base[i]`` (``base`` is the real
  articles shuffled with the seed, taken in order, so no real article is the
  base of two synthetic ones while the synthetic part is smaller than the real
  one): the same sections with the same text, in an order shuffled by the seeded
  generator (when it has two or more sections, the order is guaranteed to differ
  from the original by rotating it if the shuffle gives it back), under the title
  "<real title> (part 2, synthetic)", with ``synthetic: true`` in its front matter,
  and a file name ``synthetic-NNNNN-<real file name>``. No sentence is paraphrased
  or invented: the synthetic part costs the model the same work as real text of
  the same length, but it duplicates real passages, which search must then rank
  among near-copies.

Nothing is written into the repository: the articles, stores and logs go into
``--out`` (a temporary folder by default), which must be outside the project.

For each N, in this order:

1. ingest: the project's CLI in a fresh process,
   ``python -m assistant.app.cli ingest FOLDER --json`` with ``CLINIC_DATA_DIR``
   set to a fresh folder (every other ``CLINIC_*`` variable removed, so defaults
   apply, as on a clinic's PC). Wall time; peak RSS of that process from
   ``os.wait4`` (its ``ru_maxrss``; Linux counts the pre-exec image of this
   benchmark process in it too, so this process stays small: it never loads the
   model) and, as a check, ``VmHWM`` read from /proc while it runs; chunks
   written; store size from ``stats --json`` (``disk_bytes``).
2. an unchanged re-ingest (same command): wall time, and ``disk_bytes`` before
   and after (the store must not grow) and the report (nothing added or updated).
3. serving, in another fresh process (``bench/scale.py --serve DATA_DIR``), so
   its peak RSS is its own: ``Services(Settings(data_dir=...))``, warm-up
   questions, then timed ``services.retriever.search(q)`` and
   ``services.assistant.ask(q).text()`` over the same questions: real consumer
   questions from MEDIQA-QA (``../shared/data/mediqa-qa/queries.jsonl``) and
   MedQuAD's own questions about articles in the corpus, half each, shuffled with
   the seed. p50/p95 in ms, and ``ru_maxrss`` of the serving process.

Results go to ``OUT/results.json`` after each step (a long run that is stopped
keeps what it measured) and a Markdown table is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from medquad import convert

SHARED = ROOT.parent / "shared" / "data"
SYNTHETIC_TITLE = "{title} (part 2, synthetic)"


# --------------------------------------------------------------------------- corpus


def _split(text: str) -> tuple[dict[str, str], list[str]]:
    """Front matter fields and ``## `` sections of an article written by ``convert``."""
    assert text.startswith("---\n"), "not an article written by bench/medquad.py"
    end = text.index("\n---\n", 4)
    fields = {}
    for line in text[4:end].splitlines():
        key, _, value = line.partition(": ")
        fields[key] = value
    body = text[end + 5 :].strip("\n")
    sections = ["## " + s if not s.startswith("## ") else s for s in re.split(r"\n\n(?=## )", body)]
    return fields, [s.strip("\n") for s in sections]


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def synthetic_article(text: str, rng: random.Random) -> str:
    """A real article's sections, reordered, under a 'part 2 (synthetic)' title."""
    fields, sections = _split(text)
    order = list(range(len(sections)))
    rng.shuffle(order)
    if len(order) > 1 and order == sorted(order):
        order = order[1:] + order[:1]
    title = SYNTHETIC_TITLE.format(title=_unquote(fields.get("title", "untitled"))).replace('"', "'")
    front = f'---\ntitle: "{title}"\n' + (f"url: {fields['url']}\n" if "url" in fields else "") + "synthetic: true\n---\n\n"
    return front + "\n\n".join(sections[i] for i in order) + "\n"


def build_pool(sources: list[Path], pool: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Convert every MedQuAD document once; return the real articles and (question, article) pairs."""
    questions: list[tuple[str, str]] = []
    for src in sources:
        for q in convert(src, pool):
            for name in sorted(q.relevant):
                questions.append((q.text, name))
                break
    return sorted(pool.glob("*.md")), questions


def build_corpus(real: list[Path], n: int, folder: Path, seed: int) -> dict[str, int]:
    """Write N articles into ``folder`` (links to real ones, synthetic ones written); return the counts."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    if n <= len(real):
        chosen = sorted(rng.sample(real, n))
        synthetic = 0
    else:
        chosen = list(real)
        synthetic = n - len(real)
    for path in chosen:
        shutil.copyfile(path, folder / path.name)  # copies, not links: the ingest reads plain files
    if synthetic:
        bases = list(real)
        rng.shuffle(bases)
        for i in range(synthetic):
            base = bases[i % len(bases)]
            text = synthetic_article(base.read_text(encoding="utf-8"), rng)
            (folder / f"synthetic-{i:05d}-{base.name}").write_text(text, encoding="utf-8")
    chars = sum(len(p.read_text(encoding="utf-8")) for p in folder.glob("*.md"))
    return {"articles": n, "real": len(chosen), "synthetic": synthetic, "chars": chars}


def pick_questions(
    medquad_questions: list[tuple[str, str]], folder: Path, mediqa: Path, n: int, seed: int
) -> list[str]:
    """n + warm-up questions: half MEDIQA consumer questions, half MedQuAD questions about articles present."""
    present = {p.name for p in folder.glob("*.md")}
    rng = random.Random(seed)
    mq = sorted({text for text, name in medquad_questions if name in present and text})
    consumer = []
    with open(mediqa / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                consumer.append(json.loads(line)["text"].strip())
    consumer = sorted({q for q in consumer if q})
    half = n // 2
    picked = rng.sample(consumer, min(half, len(consumer))) + rng.sample(mq, min(n - half, len(mq)))
    rng.shuffle(picked)
    return picked


# --------------------------------------------------------------------------- processes


def child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_")}
    env["CLINIC_DATA_DIR"] = str(data_dir)
    return env


def _hwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def chunks_so_far(data_dir: Path) -> int | None:
    """Chunks written so far by a running ingest (its generation is not live yet, so `stats` says 0).

    Reads Chroma's SQLite file with ``immutable=1``: no lock is taken, so the writer is never
    disturbed; a read that races a write may fail, which returns None.
    """
    import sqlite3

    database = data_dir / "chroma" / "chroma.sqlite3"
    if not database.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{database}?mode=ro&immutable=1", uri=True)
        try:
            return int(con.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return None


def run(cmd: list[str], env: dict[str, str], log: Path, budget_s: float | None = None,
        progress_of: Path | None = None) -> dict:
    """Run ``cmd`` in ROOT; return stdout, exit code, wall and CPU seconds, peak RSS (MB) two ways.

    With ``budget_s`` the process is stopped (SIGTERM) once it has run that long; with
    ``progress_of`` (a data folder) the chunks written are sampled every minute.
    """
    with open(log, "ab") as err:
        err.write(f"\n$ {' '.join(cmd)}\n".encode())
        err.flush()
        out_path = log.with_suffix(".stdout")
        with open(out_path, "wb") as out:
            t = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
            hwm, samples, stopped = [0], [], threading.Event()
            stop = threading.Event()

            def watch() -> None:
                next_sample = 0.0
                while not stop.wait(0.2):
                    value = _hwm_kb(proc.pid)
                    if value:
                        hwm[0] = max(hwm[0], value)
                    elapsed = time.perf_counter() - t
                    if progress_of is not None and elapsed >= next_sample:
                        samples.append((round(elapsed, 1), chunks_so_far(progress_of), round(hwm[0] / 1024)))
                        next_sample += 60
                    if budget_s is not None and elapsed > budget_s and not stopped.is_set():
                        stopped.set()
                        proc.terminate()

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t
            stop.set()
            watcher.join()
            proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "stdout": out_path.read_text(encoding="utf-8"),
        "code": proc.returncode,
        "wall_s": wall,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "vmhwm_mb": hwm[0] / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "stopped": stopped.is_set(),
        "samples": samples,  # (seconds, chunks written, VmHWM MB) once a minute
    }


def projection(samples: list, chars: int, chars_per_chunk: float | None, wall: float, window_s: float = 900) -> dict:
    """Chunks written when stopped and, from the write rate over the last ``window_s``, the projected wall time."""
    known = [(t, c) for t, c, _ in samples if c]
    out: dict = {"chunks_when_stopped": known[-1][1] if known else 0}
    if len(known) >= 2 and chars_per_chunk:
        t1, c1 = known[-1]
        t0, c0 = next(((t, c) for t, c in known if t >= t1 - window_s and c < c1), known[0])
        if c1 > c0:
            rate = (c1 - c0) / (t1 - t0)
            expected = chars / chars_per_chunk
            out.update({
                "chunks_per_s": rate, "expected_chunks": round(expected),
                "projected_wall_s": wall + max(0.0, expected - c1) / rate,
            })
    return out


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant.app.cli", *args]


def last_json(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.strip().startswith("{")]
    if not lines:
        raise SystemExit(f"no JSON in the CLI output: {stdout[-1000:]!r}")
    return json.loads(lines[-1])


def disk_bytes(data_dir: Path, log: Path) -> dict:
    r = run(cli("stats", "--json"), child_env(data_dir), log)
    if r["code"] != 0:
        raise SystemExit(f"stats failed (exit {r['code']}); see {log}")
    return last_json(r["stdout"])


# --------------------------------------------------------------------------- serving


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def serve(data_dir: Path, questions_file: Path, warmup: int) -> dict:
    """In this (fresh) process: warm search and ask latency over the questions, and peak RSS."""
    from assistant.app.services import Services
    from assistant.core.settings import Settings

    for key in [k for k in os.environ if k.startswith("CLINIC_")]:
        del os.environ[key]
    questions = json.loads(questions_file.read_text(encoding="utf-8"))
    warm, timed = questions[:warmup], questions[warmup:]
    t = time.perf_counter()
    services = Services(Settings(data_dir=data_dir, _env_file=None))
    retriever, assistant = services.retriever, services.assistant
    for q in warm:
        retriever.search(q)
        assistant.ask(q).text()
    warm_s = time.perf_counter() - t
    search_ms, ask_ms, answered = [], [], 0
    for q in timed:
        t = time.perf_counter()
        retriever.search(q)
        search_ms.append((time.perf_counter() - t) * 1000)
    for q in timed:
        t = time.perf_counter()
        answer = assistant.ask(q).answer
        text = answer.answer  # the full text, as the CLI prints it
        ask_ms.append((time.perf_counter() - t) * 1000)
        answered += bool(text and answer.citations)
    return {
        "questions": len(timed),
        "warmup_questions": len(warm),
        "warmup_s": warm_s,
        "search_p50_ms": statistics.median(search_ms),
        "search_p95_ms": percentile(search_ms, 95),
        "search_max_ms": max(search_ms),
        "ask_p50_ms": statistics.median(ask_ms),
        "ask_p95_ms": percentile(ask_ms, 95),
        "ask_max_ms": max(ask_ms),
        "answers_with_citations": answered,
        "serving_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --------------------------------------------------------------------------- main


def fmt(values: dict, key: str, spec: str) -> str:
    return format(values[key], spec) if key in values else "-"


def table(results: list[dict]) -> str:
    head = (
        "| articles | chunks | ingest wall (s) | ingest peak RSS (MB) | store size (MB) | unchanged re-ingest (s) "
        "| search p50 / p95 (ms) | ask p50 / p95 (ms) | serving RSS (MB) |"
    )
    lines = [head, "|" + " --- |" * 9]
    for r in results:
        c, i, s = r["corpus"], r.get("ingest", {}), r.get("serve", {})
        if "stopped_after_s" in i:
            projected = f", projected {i['projected_wall_s']:,.0f} s in all" if "projected_wall_s" in i else ""
            lines.append(
                f"| {c['articles']:,} | stopped: {i['chunks_when_stopped']:,} of ~{i.get('expected_chunks', 0):,} written "
                f"| stopped after {i['stopped_after_s']:,.0f}{projected} | {i['maxrss_mb']:,.0f} (so far) | - | - | - | - | - |"
            )
            continue
        articles = f"{c['articles']:,}" + (f" ({c['real']:,} real + {c['synthetic']:,} synthetic)" if c["synthetic"] else "")
        lines.append(
            f"| {articles} | {fmt(i, 'chunks', ',')} | {fmt(i, 'wall_s', '.1f')} | {fmt(i, 'maxrss_mb', ',.0f')} "
            f"| {fmt(i, 'store_mb', '.1f')} | {fmt(i, 'reingest_s', '.2f')} "
            f"| {fmt(s, 'search_p50_ms', '.1f')} / {fmt(s, 'search_p95_ms', '.1f')} "
            f"| {fmt(s, 'ask_p50_ms', '.1f')} / {fmt(s, 'ask_p95_ms', '.1f')} | {fmt(s, 'serving_rss_mb', ',.0f')} |"
        )
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--medquad", type=Path, nargs="+", default=[SHARED / "medquad", SHARED / "medquad-more"])
    ap.add_argument("--mediqa", type=Path, default=SHARED / "mediqa-qa")
    ap.add_argument("--out", type=Path, default=None, help="work folder outside the repository (default: a temporary one)")
    ap.add_argument("--queries", type=int, default=200, help="timed questions per size")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep the articles and stores in --out")
    ap.add_argument(
        "--ingest-budget-s", type=float, default=None,
        help="stop a first ingest that runs longer; its progress and projected time are recorded",
    )
    ap.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)  # internal: serving process
    ap.add_argument("--questions-file", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.serve is not None:
        print(json.dumps(serve(args.serve, args.questions_file, args.warmup)))
        return

    out = (args.out or Path(tempfile.mkdtemp(prefix="clinic-scale-"))).resolve()
    if out == ROOT or ROOT in out.parents:
        raise SystemExit(f"--out {out} is inside the repository; MedQuAD text must not be written there")
    out.mkdir(parents=True, exist_ok=True)
    log = out / "cli.log"
    results_path = out / "results.json"
    results: list[dict] = []

    def save() -> None:
        results_path.write_text(json.dumps(results, indent=2))

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    say(f"work folder {out}; load average {load_average()}")
    t = time.perf_counter()
    pool = out / "pool"
    if pool.exists():
        shutil.rmtree(pool)
    real, medquad_questions = build_pool(args.medquad, pool)
    say(f"{len(real):,} real articles converted in {time.perf_counter() - t:.0f} s")

    for n in args.sizes:
        folder, data = out / f"articles-{n}", out / f"data-{n}"
        corpus = build_corpus(real, n, folder, args.seed)
        row: dict = {"corpus": corpus, "load_before": load_average()}
        results.append(row)
        say(f"N={n}: {corpus['real']:,} real + {corpus['synthetic']:,} synthetic articles, {corpus['chars']:,} characters")
        if data.exists():
            shutil.rmtree(data)

        say(f"N={n}: ingest (fresh store)")
        r = run(cli("ingest", str(folder), "--json"), child_env(data), log, args.ingest_budget_s, progress_of=data)
        if r["stopped"]:
            ratio = next((x["corpus"]["chars"] / x["ingest"]["chunks"] for x in results if x.get("ingest", {}).get("chunks")), None)
            row["ingest"] = {
                "stopped_after_s": r["wall_s"], "cpu_s": r["cpu_s"], "maxrss_mb": r["maxrss_mb"],
                "vmhwm_mb": r["vmhwm_mb"], "samples": r["samples"],
                **projection(r["samples"], corpus["chars"], ratio, r["wall_s"]),
            }
            row["load_after"] = load_average()
            save()
            say(f"N={n}: ingest stopped after {r['wall_s']:.0f} s (budget): "
                + json.dumps({k: v for k, v in row["ingest"].items() if k != "samples"}))
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
                shutil.rmtree(data, ignore_errors=True)
            continue
        if r["code"] not in (0, 1):
            raise SystemExit(f"ingest failed (exit {r['code']}); see {log}")
        report = last_json(r["stdout"])
        stats = disk_bytes(data, log)
        row["ingest"] = {
            "wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "maxrss_mb": r["maxrss_mb"], "vmhwm_mb": r["vmhwm_mb"],
            "exit": r["code"], "samples": r["samples"],
            "chunks": report["chunks_written"], "added": len(report["added"]), "skipped": report["skipped"],
            "store_chunks": stats["chunks"], "store_articles": stats["articles"],
            "store_mb": stats["disk_bytes"] / 1_048_576, "disk_bytes": stats["disk_bytes"],
        }
        save()
        say(f"N={n}: ingested in {r['wall_s']:.1f} s ({r['cpu_s']:.0f} s of CPU), {report['chunks_written']:,} chunks, "
            f"{stats['disk_bytes'] / 1_048_576:.1f} MB, peak RSS {r['maxrss_mb']:.0f} MB (VmHWM {r['vmhwm_mb']:.0f} MB)")

        say(f"N={n}: unchanged re-ingest")
        r2 = run(cli("ingest", str(folder), "--json"), child_env(data), log)
        report2 = last_json(r2["stdout"])
        after = disk_bytes(data, log)
        row["ingest"].update({
            "reingest_s": r2["wall_s"], "reingest_cpu_s": r2["cpu_s"], "reingest_maxrss_mb": r2["maxrss_mb"], "reingest_exit": r2["code"],
            "reingest_unchanged": len(report2["unchanged"]),
            "reingest_changed": len(report2["added"]) + len(report2["updated"]) + len(report2["deleted"]),
            "reingest_chunks_written": report2["chunks_written"],
            "disk_bytes_after_reingest": after["disk_bytes"],
            "store_grew": after["disk_bytes"] > stats["disk_bytes"],
        })
        save()
        say(f"N={n}: re-ingest {r2['wall_s']:.2f} s, {len(report2['unchanged']):,} unchanged, "
            f"disk {stats['disk_bytes']:,} -> {after['disk_bytes']:,} bytes")

        say(f"N={n}: serving ({args.warmup} warm-up + {args.queries} timed questions, search then ask)")
        questions = pick_questions(medquad_questions, folder, args.mediqa, args.queries + args.warmup, args.seed)
        qfile = out / f"questions-{n}.json"
        qfile.write_text(json.dumps(questions, ensure_ascii=False))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(data), "--questions-file", str(qfile),
               "--warmup", str(args.warmup)]
        r3 = run(cmd, child_env(data), log)
        if r3["code"] != 0:
            raise SystemExit(f"serving run failed (exit {r3['code']}); see {log}")
        row["serve"] = last_json(r3["stdout"])
        row["serve"]["process_wall_s"] = r3["wall_s"]
        row["serve"]["process_cpu_s"] = r3["cpu_s"]
        row["load_after"] = load_average()
        save()
        say(f"N={n}: search p50/p95 {row['serve']['search_p50_ms']:.1f}/{row['serve']['search_p95_ms']:.1f} ms, "
            f"ask p50/p95 {row['serve']['ask_p50_ms']:.1f}/{row['serve']['ask_p95_ms']:.1f} ms, "
            f"RSS {row['serve']['serving_rss_mb']:.0f} MB")
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(data, ignore_errors=True)

    if not args.keep:
        shutil.rmtree(pool, ignore_errors=True)
    say(f"done; results in {results_path}; load average {load_average()}; "
        f"this process's peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(table(results))


if __name__ == "__main__":
    main()
