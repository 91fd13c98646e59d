"""A bounded run of bench/load.py's visitors against a real app: no errors under concurrency.

Speed goals live in docs/benchmarks.md (bench/load.py); this only checks correctness under load,
backpressure and the per-visitor rate limit.
"""

from __future__ import annotations

import sys
import time

import pytest
from conftest import CORPUS, ROOT
from servers import app_server

sys.path.insert(0, str(ROOT / "bench"))
from load import level  # noqa: E402

pytestmark = pytest.mark.model


def test_concurrent_visitors_get_answers_and_fast_clients_get_429(tmp_path):
    env = {
        "CLINIC_DATA_DIR": str(tmp_path / "data"),
        "CLINIC_CORPUS_DIR": str(CORPUS),
        "CLINIC_TRUST_FORWARDED_FOR": "1",
        "CLINIC_RATE_BURST": "6",
        "CLINIC_RATE_PER_MINUTE": "1",  # no refill during the test: exactly 6 answers, then 429
    }
    with app_server(env, tmp_path / "app.log") as base:
        busy = level(base, visitors=8, per_visitor=4, deadline=time.monotonic() + 120, net=1)
        assert busy["requests"] == 32 and busy["errors"] == 0, busy["statuses"]
        greedy = level(base, visitors=1, per_visitor=10, deadline=time.monotonic() + 120, net=2)
        assert greedy["statuses"].get(200) == 6 and greedy["statuses"].get(429) == 4
