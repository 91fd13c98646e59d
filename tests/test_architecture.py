"""The package tree reads as the pipeline, and dependencies point one way.

core <- ingest; core <- retrieval, safety <- answering <- app. Only the application
layer (assistant.app) imports `ingest`; nothing imports the application layer back.
"""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import ROOT

#: Which top-level parts each part may import (besides itself).
ALLOWED = {
    "assistant.core": set(),
    "ingest": {"assistant.core"},
    "assistant.retrieval": {"assistant.core"},
    "assistant.safety": {"assistant.core"},
    "assistant.answering": {"assistant.core", "assistant.retrieval", "assistant.safety"},
    "assistant.app": {"assistant.core", "assistant.retrieval", "assistant.safety", "assistant.answering", "ingest"},
}
MAX_LINES = 450


def modules() -> dict[str, ast.Module]:
    out = {}
    for folder in ("assistant", "ingest"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            out[name] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return out


def part_of(module: str) -> str | None:
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return None


def imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_every_module_belongs_to_a_layer():
    loose = [m for m in modules() if m not in ("assistant",) and part_of(m) is None]
    assert not loose, f"modules outside the pipeline's packages: {loose}"


def test_dependencies_point_one_way():
    problems = []
    for name, (path, tree) in modules().items():
        mine = part_of(name)
        if mine is None:
            continue
        for target in imported(tree):
            theirs = part_of(target)
            if theirs and theirs != mine and theirs not in ALLOWED[mine]:
                problems.append(f"{name} imports {target} ({mine} may not depend on {theirs})")
    assert not problems, "\n".join(sorted(set(problems)))


def test_no_module_is_over_the_size_limit():
    long = {name: n for name, (path, _) in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_importing_every_module_starts_no_thread_and_loads_no_model():
    code = (
        "import importlib, pkgutil, sys, threading\n"
        "import assistant, ingest\n"
        "for pkg in (assistant, ingest):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "extra = [t.name for t in threading.enumerate() if t is not threading.main_thread()]\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb', 'llama_cpp') if m in sys.modules]\n"
        "print(extra, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] []", done.stdout
