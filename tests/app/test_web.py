"""The web app's API, storage and widget script, without a browser (fake embedder, real Chroma)."""

from __future__ import annotations

import threading

import datetime as dt
import json

import pytest
from conftest import FakeEmbedder
from fastapi.testclient import TestClient

from assistant.app.conversations import ConversationLog
from assistant.app.gaps import group_gaps
from assistant.core.records import Answer, Citation
from assistant.app.services import Services
from assistant.core.settings import Settings
from assistant.app.web.app import create_app
from assistant.app import operations
from assistant.app.render import answer_markdown, escape_markdown
from assistant.app.web.format import banner_html
from assistant.app.web.widget import WIDGET_JS


@pytest.fixture
def client(tmp_path, clinic_dir, backend):
    settings = Settings(
        data_dir=tmp_path / "data",
        corpus_dir=clinic_dir,
        min_relevance=0.12,
        embed_origins="https://clinic.example",
        _env_file=None,
    )
    services = Services(settings, backend=backend, embedder=FakeEmbedder(dimension=512))
    with TestClient(create_app(services)) as c:  # the lifespan starts ingesting the corpus
        assert services.startup.wait(60)
        c.services = services
        yield c


def test_health_reports_store_model_and_articles(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["articles"] == 3 and health["model"] == "fake/bag-of-words"


def test_ask_returns_the_answer_json_with_an_id(client):
    data = client.post("/api/ask", json={"question": "why does my piriformis hurt?"}).json()
    assert data["grounded"] and data["citations"] and data["triage"] == "routine"
    assert isinstance(data["id"], int)
    follow = client.post(
        "/api/ask",
        json={"question": "what exercises help with that?", "history": [{"role": "user", "content": "why does my piriformis hurt?"}]},
    ).json()
    assert any("Exercises" in c["section"] for c in follow["citations"])


def test_ask_stream_sends_deltas_then_the_answer(client):
    with client.stream("POST", "/api/ask/stream", json={"question": "why does my piriformis hurt?"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = [block for block in body.split("\n\n") if block.strip()]
    assert events[0].startswith("event: delta") and events[-1].startswith("event: answer")
    final = json.loads(events[-1].split("data: ", 1)[1])
    deltas = "".join(json.loads(e.split("data: ", 1)[1])["text"] for e in events[:-1])
    assert deltas == final["answer"]


def test_emergency_over_the_api_is_stored_as_an_escalation(client):
    data = client.post("/api/ask", json={"question": "crushing chest pain going down my left arm"}).json()
    assert data["triage"] == "emergency" and "999" in data["answer"]
    assert client.services.log.escalations()[0]["triage"] == "emergency"


def test_search_and_feedback(client):
    found = client.get("/api/search", params={"q": "heel pain", "k": 2}).json()
    assert found["results"][0]["title"] == "Heel pain" and len(found["results"]) <= 2
    answer = client.post("/api/ask", json={"question": "why does my piriformis hurt?"}).json()
    assert client.post("/api/feedback", json={"id": answer["id"], "value": -1}).json() == {"ok": True}
    assert client.post("/api/feedback", json={"id": 999999, "value": 1}).status_code == 404
    assert client.post("/api/feedback", json={"id": answer["id"], "value": 5}).status_code == 422
    assert client.get("/api/search", params={"q": ""}).status_code == 422


def test_openapi_documents_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/ask/stream", "/api/search", "/api/feedback", "/healthz"} <= set(paths)


def test_docs_page_and_its_assets_are_served_from_the_installed_package(client):
    page = client.get("/docs").text
    assert "cdn" not in page.lower() and "/docs-assets/swagger-ui-bundle.js" in page and "/openapi.json" in page
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
    assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN: not offered


def test_invalid_requests_get_one_sentence_that_names_the_field(client):
    missing = client.get("/api/search")
    assert missing.status_code == 422 and missing.json() == {"detail": "The request is not valid: `q` is required."}
    bad_json = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 422 and bad_json.json()["detail"] == "The request is not valid: the body is not valid JSON."
    too_many = client.get("/api/search", params={"q": "knee", "k": 500}).json()["detail"]
    assert too_many.startswith("The request is not valid: `k`: ") and "50" in too_many
    no_question = client.post("/api/ask", json={"history": []}).json()["detail"]
    assert no_question == "The request is not valid: `question` is required."


def prometheus(client) -> dict:
    """/metrics parsed as Prometheus text: {(sample name, sorted labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_count_answers_from_every_channel(client):
    from assistant.app import operations

    with client:
        client.post("/api/ask", json={"question": "heel pain"})
        answer = client.services.assistant.ask("why does my piriformis hurt?").answer
        for channel in ("web", "widget", "widget", "staff"):
            operations.record(client.services, answer, channel)
        client.get("/api/nothing-here")
        metrics = prometheus(client)
    by_channel = {
        dict(labels)["channel"]: value for (name, labels), value in metrics.items() if name == "clinic_answers_total"
    }
    assert by_channel == {"api": 1, "web": 1, "widget": 2, "staff": 1}
    routes = {dict(labels)["route"] for (name, labels), _ in metrics.items() if name == "clinic_http_requests_total"}
    assert routes == {"/api/ask", "/api/(unknown)"}  # unknown paths share one label


def test_headers_widget_script_and_staff_off(client):
    assert client.get("/widget/").headers["content-security-policy"] == "frame-ancestors 'self' https://clinic.example"
    assert client.get("/").headers["content-security-policy"] == "frame-ancestors 'self'"
    script = client.get("/widget.js")
    assert script.headers["content-type"].startswith("application/javascript")
    assert "clinic-assistant-button" in script.text and "/widget/" in script.text
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/staff/"
    config = client.get("/staff/config").json()
    assert "The reception console is off" in json.dumps(config)


def test_widget_script_only_takes_safe_options():
    assert '/^#[0-9a-fA-F]{3,8}$/.test(data.color || "")' in WIDGET_JS
    assert 'data.position === "left" ? "left" : "right"' in WIDGET_JS
    assert "encodeURIComponent(data.greeting" in WIDGET_JS and "innerHTML" not in WIDGET_JS


def test_embed_origins_are_validated():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="CLINIC_EMBED_ORIGINS"):
        Settings(embed_origins="javascript:alert(1)", _env_file=None)


# --------------------------------------------------------------------------- chat formatting


def test_chat_markdown_escapes_everything_but_our_citation_links():
    answer = Answer(
        question="q",
        answer="Use [this](javascript:alert(1)) <img src=x onerror=alert(1)> **bold** [1].",
        citations=(Citation(1, "Glutes", "https://clinic.example/a#why", "Glutes > Why", "/a.md", "p"),),
        grounded=True,
    )
    md = answer_markdown(answer)
    assert "[\\[1\\]](https://clinic.example/a#why)" in md
    assert "\\[this\\]\\(javascript:alert\\(1\\)\\)" in md
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in md and "\\*\\*bold\\*\\*" in md
    assert "1. [Glutes — Why](https://clinic.example/a#why)" in md
    assert escape_markdown("<b>hi</b>") == "&lt;b&gt;hi&lt;/b&gt;"


def test_banners_follow_the_triage_level():
    s = Settings(_env_file=None, emergency_number="112")
    assert banner_html(Answer("q", "a", triage="routine"), s) == ""
    emergency = banner_html(Answer("q", "a", triage="emergency"), s)
    assert 'href="tel:112"' in emergency and "Call 112" in emergency and 'role="alert"' in emergency
    assert "NHS 111" in banner_html(Answer("q", "a", triage="urgent"), s)


# --------------------------------------------------------------------------- storage


def test_log_redacts_purges_and_groups_gaps(tmp_path):
    log = ConversationLog(tmp_path / "c.sqlite3", retention_days=30)
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    log.record(Answer("ancient question about horses", "x"), when=old)
    a = log.record(Answer("do you treat horses? mail jo@example.com", "I couldn't find that", grounded=False))
    log.record(Answer("can I bring my horse to the wedding", "I couldn't find that", grounded=False))
    log.record(Answer("is there a car park near you", "I couldn't find that", grounded=False))
    log.record(Answer("where do I park when I come in", "I couldn't find that", grounded=False))
    first = Citation(1, "Clinic FAQ", None, "Clinic FAQ > What happens at my first appointment?", "/srv/faq.md",
                     "Your first appointment is an assessment.")
    b = log.record(Answer("what happens at my first appointment", "Your first appointment is an assessment [1].",
                          citations=(first,), grounded=True))
    log.record(Answer("my chest is tight", "Call 999", triage="emergency"))
    log.feedback(b, -1)
    assert all("ancient" not in r["question"] for r in log.recent())  # purged on write
    assert "jo@example.com" not in json.dumps(log.recent())
    gaps = {g.topic: g for g in group_gaps(log.gap_rows(), nearest=lambda q: None)}
    assert gaps["Parking"].count == 2  # a subject the articles' vocabulary knows, whatever the wording
    assert gaps["Clinic FAQ"].examples == ("what happens at my first appointment",)  # thumbs-down: its article
    assert gaps["Not near any article"].count == 2  # horses: no subject, nothing near; never a stem like "wed"
    near = group_gaps(log.gap_rows(), nearest=lambda q: "Riding injuries" if "horse" in q else None)
    assert {g.topic for g in near} >= {"Near “Riding injuries”", "Parking", "Clinic FAQ"}
    log.record(Answer("Is there a car park  near you", "I couldn't find that", grounded=False))
    parking = {g.topic: g for g in group_gaps(log.gap_rows())}["Parking"]
    assert parking.count == 3 and len(parking.examples) == 2  # asked again: counted, not shown twice
    assert [e["triage"] for e in log.escalations()] == ["emergency"]
    with pytest.raises(KeyError):
        log.feedback(12345, 1)
    assert a > 0


# --------------------------------------------------------------------------- limits and ops


class ReadyClient(TestClient):
    """A TestClient that, once entered, waits for the app's first start to finish."""

    def __enter__(self):
        client = super().__enter__()
        assert self.services.startup.wait(60)
        return client


def make_client(tmp_path, clinic_dir, backend, **overrides):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=clinic_dir, min_relevance=0.12, _env_file=None, **overrides)
    services = Services(settings, backend=backend, embedder=FakeEmbedder(dimension=512))
    client = ReadyClient(create_app(services))
    client.services = services
    return client, services


def test_first_start_opens_at_once_with_a_waiting_page(tmp_path, clinic_dir, backend, monkeypatch):
    import threading

    client, services = make_client(tmp_path, clinic_dir, backend)
    release = threading.Event()
    real = operations.ensure_ingested

    def slow_first_ingest(*args, **kwargs):
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(operations, "ensure_ingested", slow_first_ingest)
    with TestClient(client.app) as raw:  # no waiting: this is what a visitor sees during the first ingest
        page = raw.get("/")
        assert page.status_code == 503 and "Getting the articles ready" in page.text
        assert 'http-equiv="refresh"' in page.text and "999" in page.text
        assert raw.get("/healthz").json()["status"] == "starting"
        refused = raw.post("/api/ask", json={"question": "heel pain"})
        assert refused.status_code == 503 and "reading the clinic's articles" in refused.json()["detail"]
        assert refused.headers["retry-after"]
        release.set()
        assert services.startup.wait(60)
        assert raw.get("/healthz").json()["status"] == "ok"
        assert raw.post("/api/ask", json={"question": "heel pain"}).status_code == 200


def test_a_failed_first_start_is_reported_not_hidden(tmp_path, clinic_dir, backend, monkeypatch):
    client, services = make_client(tmp_path, clinic_dir, backend)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(operations, "ensure_ingested", broken)
    with TestClient(client.app) as raw:
        import time

        deadline = time.monotonic() + 30
        while services.startup.error is None and time.monotonic() < deadline:
            time.sleep(0.05)
        health = raw.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "error" and "disk full" in health.json()["error"]
        page = raw.get("/")
        assert "not available" in page.text and "01632 960000" in page.text


def test_rate_limit_answers_429_with_a_clear_message(tmp_path, clinic_dir, backend):
    client, _ = make_client(tmp_path, clinic_dir, backend, rate_per_minute=60, rate_burst=2)
    with client:
        codes = [client.post("/api/ask", json={"question": "heel pain"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        refused = client.post("/api/ask", json={"question": "heel pain"})
        assert "faster than we can answer" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1


def test_rate_limit_zero_means_off_and_large_limits_start(tmp_path, clinic_dir, backend):
    client, _ = make_client(tmp_path, clinic_dir, backend, rate_per_minute=0, rate_burst=1)
    with client:
        assert {client.get("/api/search", params={"q": "knee"}).status_code for _ in range(5)} == {200}
    from assistant.core.settings import Settings

    assert Settings(_env_file=None, rate_per_minute=1_000_000).web.rate_per_minute == 1_000_000


def test_forwarded_clients_are_limited_separately_only_when_trusted(tmp_path, clinic_dir, backend):
    client, _ = make_client(tmp_path, clinic_dir, backend, rate_per_minute=60, rate_burst=1, trust_forwarded_for=True)
    with client:
        for ip in ("10.0.0.1", "10.0.0.2"):
            assert client.get("/api/search", params={"q": "knee"}, headers={"x-forwarded-for": ip}).status_code == 200
        assert client.get("/api/search", params={"q": "knee"}, headers={"x-forwarded-for": "10.0.0.1"}).status_code == 429


def test_a_failing_store_gives_a_friendly_503_and_health_says_so(tmp_path, clinic_dir, backend):
    client, services = make_client(tmp_path, clinic_dir, backend)
    with client:
        assert client.post("/api/ask", json={"question": "heel pain"}).status_code == 200

        def broken(*args, **kwargs):
            raise ConnectionError("chroma is down")

        services.backend.live = broken
        response = client.post("/api/ask", json={"question": "heel pain"})
        assert response.status_code == 503 and "can't reach its articles" in response.json()["detail"]
        assert "01632 960000" in response.json()["detail"]
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["store_reachable"] is False
        metrics = prometheus(client)
        assert metrics[("clinic_http_requests_total", (("route", "/api/ask"), ("status", "200")))] == 1
        assert metrics[("clinic_http_requests_total", (("route", "/api/ask"), ("status", "503")))] == 1
        answered = (("channel", "api"), ("grounded", "yes"), ("triage", "routine"))
        assert metrics[("clinic_answers_total", answered)] == 1
        assert metrics[("clinic_http_request_duration_seconds_count", (("route", "/api/ask"),))] == 2


def test_while_the_store_is_down_requests_fail_fast_but_warning_signs_are_answered(tmp_path, clinic_dir, backend):
    client, services = make_client(tmp_path, clinic_dir, backend)
    with client:
        assert client.post("/api/ask", json={"question": "heel pain"}).status_code == 200
        working, calls = services.backend.live, []

        def broken(*args, **kwargs):
            calls.append(threading.current_thread().name)
            raise ConnectionError("chroma is down")

        services.breaker.retry_s = 0.05
        services.backend.live = broken
        assert client.post("/api/ask", json={"question": "heel pain"}).status_code == 503
        assert services.breaker.is_open
        before = len(calls)
        services.gate.acquire = lambda: (_ for _ in ()).throw(AssertionError("queued while the store is down"))
        for path in ("/api/ask", "/api/ask/stream"):
            refused = client.post(path, json={"question": "knee pain on stairs"})
            assert refused.status_code == 503 and "can't reach its articles" in refused.json()["detail"]
        assert client.get("/api/search", params={"q": "knee"}).status_code == 503
        assert client.get("/healthz").json()["store_reachable"] is False
        emergency = client.post("/api/ask", json={"question": "I have crushing chest pain going down my left arm"})
        assert emergency.status_code == 200 and emergency.json()["triage"] == "emergency"
        requests = [name for name in calls[before:] if name != "store-probe"]
        assert requests == [], "only the background probe calls a store known to be down"
        services.backend.live = working
        for _ in range(200):
            if not services.breaker.is_open:
                break
            threading.Event().wait(0.02)
        assert not services.breaker.is_open
        del services.gate.acquire
        assert client.post("/api/ask", json={"question": "heel pain"}).status_code == 200


def test_gate_refuses_when_the_queue_is_full():
    import threading

    from assistant.app.web.limits import Busy, Gate

    gate = Gate(concurrency=1, queue=1, wait_s=0.2)
    inside, release = threading.Event(), threading.Event()

    def hold():
        with gate.slot():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    inside.wait(5)
    with pytest.raises(Busy):  # waits 0.2 s for the one slot, then gives up
        with gate.slot():
            pass
    release.set()
    t.join()
    with gate.slot():
        pass


def test_the_api_keeps_an_emergency_across_the_conversation(client):
    history = [{"role": "user", "content": "crushing chest pain going down my left arm"},
               {"role": "assistant", "content": "Please call 999 now."}]
    data = client.post("/api/ask", json={"question": "ok, and what about my knee?", "history": history}).json()
    assert data["triage"] == "emergency" and "999" in data["answer"] and data["citations"] == []
