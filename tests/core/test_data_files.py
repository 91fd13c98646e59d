"""The data files' word lists hold words: YAML reads a bare on, off, yes or no as true or false."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2] / "assistant"


def _not_text(node, path: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                yield f"{path}: key {key!r}"
            yield from _not_text(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                yield from _not_text(item, path)
            elif not isinstance(item, str):
                yield f"{path}: {item!r}"


def test_every_list_item_of_the_data_files_is_text():
    files = sorted(ROOT.glob("*/data/*.yaml"))
    assert len(files) >= 3, files
    wrong = [w for f in files for w in _not_text(yaml.safe_load(f.read_text(encoding="utf-8")), f.name)]
    assert not wrong, wrong
