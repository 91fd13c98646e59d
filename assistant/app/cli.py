"""The `clinic-assistant` command: ingest, search, ask and stats."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from assistant.app import operations
from assistant.app.render import sources_text
from assistant.core.records import public_name

EXIT_OK, EXIT_FAILED_FILES, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="folder of the vector store (CLINIC_DATA_DIR; default: a per-user data folder)",
    )
    parser = argparse.ArgumentParser(
        prog="clinic-assistant",
        description="A physiotherapy clinic's assistant: answers from the clinic's own articles.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", parents=[common], help="load articles into the store")
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="files, folders, or a website's sitemap or blog URL (default: corpus/)"
    )
    p.add_argument("--rebuild", action="store_true", help="build a fresh store and swap it in when complete")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("search", parents=[common], help="find the articles that match questions")
    p.add_argument("queries", nargs="*", metavar="QUERY")
    p.add_argument("--file", type=Path, help="read one query per line from FILE ('-' for stdin)")
    p.add_argument("--k", type=int, default=None, help="articles per query (CLINIC_SEARCH_K)")
    p.add_argument("--json", action="store_true", help="one JSON line per query, in input order")

    p = sub.add_parser("ask", parents=[common], help="answer questions from the articles, with citations")
    p.add_argument("questions", nargs="*", metavar="QUESTION")
    p.add_argument("--file", type=Path, help="read one question per line from FILE ('-' for stdin)")
    p.add_argument("--json", action="store_true", help="one JSON line per question, in input order")

    p = sub.add_parser("serve", parents=[common], help="run the web app (visitor chat, widget, staff console, API)")
    p.add_argument("--host", default=None, help="address to listen on (CLINIC_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (CLINIC_PORT)")

    p = sub.add_parser("stats", parents=[common], help="what the store holds")
    p.add_argument("--json", action="store_true")
    return parser


def _err(message: str) -> None:
    print(f"clinic-assistant: {message}", file=sys.stderr)


def _progress_factory():
    from tqdm import tqdm

    def make(total: int, desc: str):
        return tqdm(total=total, desc=desc, unit="chunk", file=sys.stderr, disable=None, leave=False)

    return make


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = _parser().parse_args(argv)
    from pydantic import ValidationError

    from assistant.app.logs import configure_logging

    configure_logging("WARNING")

    from assistant.core.settings import SettingsError, load_settings

    try:
        settings = load_settings(
            data_dir=getattr(args, "data_dir", None), host=getattr(args, "host", None), port=getattr(args, "port", None)
        )
    except (ValidationError, SettingsError) as exc:
        _err(_settings_message(exc))
        return EXIT_ERROR

    from assistant.app.services import Services
    from assistant.core.store import StoreError
    from ingest.index import IngestLockedError

    services = Services(settings)
    try:
        if args.command == "ingest":
            return _ingest(services, args)
        if args.command == "search":
            return _search(services, args)
        if args.command == "ask":
            return _ask(services, args)
        if args.command == "stats":
            return _stats(services, args)
        if args.command == "serve":
            from assistant.app.web.app import serve

            serve(services)
            return EXIT_OK
    except (StoreError, IngestLockedError, SettingsError) as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    return EXIT_ERROR


def _settings_message(exc: Exception) -> str:
    from assistant.core.settings import SECTIONS, env_name

    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for e in errors():
            loc = tuple(e.get("loc", ()))
            message = str(e.get("msg", "")).removeprefix("Value error, ")
            if len(loc) <= 1 and (not loc or loc[0] in SECTIONS):
                parts.append(message)  # a check across fields: the message names the variables
            else:
                parts.append(f"{env_name(loc)}: {message}")
        return "invalid settings: " + "; ".join(parts)
    return f"invalid settings: {exc}"


# --------------------------------------------------------------------------- ingest


def _ingest(services, args) -> int:
    urls = [p for p in args.paths if p.startswith(("http://", "https://"))]
    files = [Path(p) for p in args.paths if p not in urls]
    if urls and args.rebuild:
        return _fail("--rebuild works on files and folders; ingest a website without it")
    reports = [operations.ingest_site(services, url, progress=_progress_factory()) for url in urls]
    if files or not urls:
        reports.append(operations.ingest(services, files or None, rebuild=args.rebuild, progress=_progress_factory()))
    for report in reports:
        if args.json:
            print(json.dumps(report.to_json()))
        else:
            _print_report(report, services.backend.location)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED_FILES


def _print_report(report, location: str) -> None:
    if report.rebuilt:
        print(f"Rebuilt the store in {location}")
    elif report.changed:
        print(f"Updated the store in {location}")
    else:
        print(f"The store in {location} is up to date: nothing changed")
    print(
        f"  added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"deleted {len(report.deleted)}, skipped {len(report.skipped)} ({report.chunks_written} chunks written)"
    )
    for label, items in (("added", report.added), ("updated", report.updated), ("deleted", report.deleted)):
        for item in items:
            print(f"  {label}: {item}")
    for skip in report.skipped:
        tag = "FAILED" if skip.failed else "ignored"
        print(f"  {tag}: {skip.path}: {skip.reason}")
    for item in report.carried_over:
        print(f"  kept the last good version of: {item}")
    for link, target in report.links:
        print(f"  link: {link} -> {target}")
    if report.cleaned:
        print(f"  removed {len(report.cleaned)} unfinished generation(s) left by an interrupted run")
    if report.reclaimed_bytes:
        print(f"  gave {_size(report.reclaimed_bytes)} back to the disk")
    if report.failed:
        print(f"{len(report.failed)} file(s) could not be ingested; everything else went in.", file=sys.stderr)


# --------------------------------------------------------------------------- search


def _read_queries(args, positional: str = "queries") -> list[str]:
    queries = list(getattr(args, positional))
    if args.file is not None:
        try:
            text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(_fail(f"cannot read --file {args.file}: {exc}"))
        queries.extend(line.strip() for line in text.splitlines() if line.strip())
    return queries


def _fail(message: str) -> int:
    _err(message)
    return EXIT_ERROR


def _search(services, args) -> int:
    queries = _read_queries(args)
    if not queries:
        return _fail("give at least one QUERY or --file FILE")
    if args.k is not None and args.k < 1:
        return _fail("--k must be at least 1")
    operations.ensure_ingested(services, notify=lambda m: print(m, file=sys.stderr), progress=_progress_factory())
    retriever = services.retriever
    _emit((retriever.search(q, k=args.k) for q in queries), args.json, _print_result)
    return EXIT_OK


def _emit(records, as_json: bool, show) -> None:
    """One JSON line per record (flushed as each is ready), or the human layout."""
    for record in records:
        if as_json:
            print(json.dumps(record.to_json(), ensure_ascii=False), flush=True)
        else:
            show(record)


def _print_result(result) -> None:
    print(f"Q: {result.query}")
    if not result.hits:
        print("  No good source in the clinic's articles for this question.\n")
        return
    for hit in result.hits:
        print(f"  {hit.rank}. {hit.title}  (score {hit.score:.4f})")
        print(f"     {hit.section}")
        print(f"     {hit.url or public_name(hit.name, hit.source)}")
        excerpt = textwrap.shorten(hit.passage.text, width=240, placeholder=" ...")
        print(textwrap.indent(textwrap.fill(excerpt, width=88), "     | "))
    print()


# --------------------------------------------------------------------------- ask


def _ask(services, args) -> int:
    questions = _read_queries(args, "questions")
    if not questions:
        return _fail("give at least one QUESTION or --file FILE")
    operations.ensure_ingested(services, notify=lambda m: print(m, file=sys.stderr), progress=_progress_factory())
    assistant = services.assistant
    _emit((assistant.ask(q).answer for q in questions), args.json, _print_answer)
    return EXIT_OK


def _print_answer(answer) -> None:
    print(f"Q: {answer.question}\n")
    for paragraph in answer.answer.split("\n\n"):
        for line in paragraph.split("\n"):  # list items keep their own lines
            indent = "  " if line.startswith("- ") else ""
            print(textwrap.fill(line, width=88, subsequent_indent=indent))
        print()
    if answer.citations:
        print("Sources:")
        for line in sources_text(answer.citations):
            print(f"  {line}")
    print()


# --------------------------------------------------------------------------- stats


def _stats(services, args) -> int:
    stats = operations.stats(services)
    if args.json:
        print(json.dumps(stats))
    else:
        for key, value in stats.items():
            if key == "disk_bytes":
                key, value = "size on disk", _size(value) if value is not None else "(kept by the Chroma server)"
            print(f"{key:>22}: {value}")
    return EXIT_OK


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 100_000 else f"{n / 1024:.0f} KB"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
