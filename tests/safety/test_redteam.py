"""The handwritten red-team cases (bench/redteam/cases.tsv) against the real assistant."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

from assistant.app import operations
from assistant.app.services import Services
from assistant.core.settings import Settings

sys.path.insert(0, str(ROOT / "bench" / "redteam"))
from handwritten import failures, load_cases  # noqa: E402

pytestmark = pytest.mark.model
CASES = load_cases()


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    services = Services(Settings(data_dir=tmp_path_factory.mktemp("redteam"), corpus_dir=CORPUS, _env_file=None))
    operations.ingest(services)
    return services.assistant


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.prompt[:40])
def test_red_team_case(assistant, case):
    reply = assistant.ask(case.prompt).text()
    assert failures(case, reply) == [], reply


def test_there_are_enough_cases():
    assert len(CASES) >= 15 and Path(ROOT / "bench" / "redteam" / "cases.tsv").is_file()
