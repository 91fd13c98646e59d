"""The README is what a clinic's IT person follows: CI runs its lines, and its tables match the code."""

from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "set ", "cd "))]


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    return [ln.split("  #")[0].strip() for block in blocks for ln in block.splitlines() if ln.strip()]


def test_ci_runs_exactly_the_readme_install_and_test_lines():
    commands = ci_commands()
    assert commands, ".ci/run runs nothing"
    shown = readme_commands()
    for command in commands:
        assert command in shown, f".ci/run runs a line the README does not give: {command}"
    install = next(c for c in commands if "pip install" in c)
    assert "llamacpp" not in install, "the default install must compile nothing"
    assert commands[-1] == ".venv/bin/python -m pytest"


def test_every_setting_is_in_the_readme_table():
    from assistant.core.settings import env_names

    table = set(re.findall(r"^\| `(CLINIC_[A-Z0-9_]+)` \|", README, flags=re.MULTILINE))
    missing = sorted(set(env_names()) - table)
    assert not missing, f"settings missing from the README table: {missing}"
    unknown = sorted(table - set(env_names()))
    assert not unknown, f"README lists settings that do not exist: {unknown}"


def test_the_settings_table_is_one_table():
    rows = [i for i, line in enumerate(README.splitlines()) if line.startswith("| `CLINIC_")]
    assert rows == list(range(rows[0], rows[0] + len(rows))), "a blank line splits the settings table"


def test_the_safety_document_lists_every_red_flag_of_the_catalogue():
    from assistant.safety.catalogue import load_catalogue

    safety = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    missing = [f.id for f in load_catalogue().flags if f"`{f.id}`" not in safety]
    assert not missing, f"docs/safety.md does not list {missing}; run python bench/catalogue_table.py"
