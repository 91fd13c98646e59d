"""Shared fixtures: a deterministic fake embedder, article writers and store backends."""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from assistant.core.settings import Settings

# the browser tests' app, host site and chromium (session-scoped; started only when a test asks)
pytest_plugins = ["browser_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

_WORD = re.compile(r"\w+|[^\w\s]")


class FakeEmbedder:
    """Hashed bag of word stems: deterministic, fast, and similar texts get similar vectors.

    ``fail_after`` makes it raise after embedding that many texts, to test crashes.
    """

    def __init__(
        self, dimension: int = 128, model_id: str = "fake/bag-of-words", fail_after: int | None = None, backend: str = "torch"
    ):
        self.dimension = dimension
        self.model_id = model_id
        self.backend = backend
        self.fail_after = fail_after
        self.embedded = 0
        self.calls = 0

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            stem = word[:5]
            h = int(hashlib.md5(stem.encode()).hexdigest(), 16)
            vec[h % self.dimension] += 1.0 if (h >> 64) % 2 else -1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def embed_documents(self, texts, progress=None):
        self.calls += 1
        out = []
        for text in texts:
            if self.fail_after is not None and self.embedded >= self.fail_after:
                raise RuntimeError("simulated crash while embedding")
            out.append(self._vector(text))
            self.embedded += 1
        if progress:
            progress(len(texts))
        return np.array(out, dtype=np.float32).reshape(len(texts), self.dimension)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def article_md(title: str, slug: str, sections: dict[str, str], intro: str = "") -> str:
    """A small Markdown article with front matter, in the corpus format."""
    body = "\n\n".join(f"## {h}\n\n{textwrap.dedent(t).strip()}" for h, t in sections.items())
    return (
        f'---\ntitle: "{title}"\nurl: https://clinic.example/articles/{slug}\n'
        f"published: 2024-01-01\nreviewed: 2026-01-01\nauthor: Test Author\n"
        f"region: test\ntags: [test]\nsummary: A test article.\n---\n\n{intro}\n\n{body}\n"
    )


SAMPLE_ARTICLES = {
    "heel.md": article_md(
        "Heel pain",
        "heel",
        {
            "What it is": "Plantar heel pain hurts under the heel. The first steps in the morning are often the worst.",
            "What helps": "Calf stretches and supportive shoes help heel pain. Heel raises build strength.",
        },
    ),
    "knee.md": article_md(
        "Kneecap pain",
        "knee",
        {
            "What it is": "Kneecap pain is felt at the front of the knee. Stairs and squats often hurt.",
            "Exercises": "Step-ups and wall sits strengthen the thigh muscles around the kneecap.",
        },
    ),
    "neck.md": article_md(
        "Neck pain",
        "neck",
        {
            "What it is": "Neck pain and stiffness are common. Long hours at a desk make the neck ache.",
            "When to see a physio": "See a physio if neck pain lasts more than six weeks.",
        },
    ),
}


@pytest.fixture(autouse=True)
def no_clinic_environment(monkeypatch):
    """Tests see only the settings they pass: CLINIC_* from the shell never leak in."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("CLINIC_"):
            monkeypatch.delenv(name)


def stream_items(response) -> list:
    """A Response as the old stream shape: its text pieces, then the final Answer."""
    return [*response, response.answer]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A temporary folder holding three small articles."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in SAMPLE_ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus_dir, _env_file=None)


@pytest.fixture
def backend(tmp_path: Path):
    """A real embedded Chroma backend in a temporary folder."""
    from assistant.retrieval.chroma import embedded_backend

    return embedded_backend(tmp_path / "store", "test-articles")


@pytest.fixture
def services(settings, backend, fake_embedder):
    from assistant.app.services import Services

    return Services(settings, backend=backend, embedder=fake_embedder)


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, text in enumerate(pages):
        content_id = 4 + 2 * i
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 11 Tf 50 700 Td ({safe}) Tj ET".encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    info_id = None
    if title:
        objects.append(f"<< /Title ({title}) >>".encode())
        info_id = len(objects)
    return pdf_document(objects, info_id)


def pdf_document(objects: list[bytes], info_id: int | None = None) -> bytes:
    """A PDF file of numbered objects (1 is the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R" + (f" /Info {info_id} 0 R" if info_id else "") + " >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def scripted_chat_model(responses: list[str | Exception]):
    """A LangChain chat model that replies from a script and records what it was sent."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    class ScriptedChatModel(BaseChatModel):
        script: list
        calls: list = []

        @property
        def _llm_type(self) -> str:
            return "scripted"

        def _next(self, messages):
            self.calls.append(list(messages))
            reply = self.script.pop(0) if self.script else "I have nothing more to say."
            if isinstance(reply, Exception):
                raise reply
            return reply

        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            return ChatResult(generations=[ChatGeneration(message=AIMessage(self._next(messages)))])

        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            text = self._next(messages)
            for i, word in enumerate(text.split(" ")):
                yield ChatGenerationChunk(message=AIMessageChunk(content=word if i == 0 else " " + word))

    return ScriptedChatModel(script=list(responses), calls=[])


PIRIFORMIS_ARTICLES = {
    "glutes.md": article_md(
        "Glutes and back pain",
        "glutes",
        {
            "Why does my piriformis hurt?": (
                "The piriformis is a small muscle deep in the buttock. When the glutes are weak, the piriformis "
                "works overtime to steady the pelvis. A piriformis that is overworked for weeks can become sore. "
                "It can also irritate the sciatic nerve."
            ),
            "Exercises to try": (
                "Glute bridges strengthen the glutes and take load off the piriformis. "
                "Clamshells build the side of the hip and help the piriformis settle. "
                "Repeat ten times on each side."
            ),
        },
    ),
    "knee.md": SAMPLE_ARTICLES["knee.md"],
    "heel.md": SAMPLE_ARTICLES["heel.md"],
}


@pytest.fixture
def clinic_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    folder.mkdir()
    for name, text in PIRIFORMIS_ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


TRIAGE_METRICS = ROOT / "test-artifacts" / "triage-metrics.json"


def pytest_sessionstart(session):
    TRIAGE_METRICS.unlink(missing_ok=True)  # only this run's measurements are reported


def pytest_terminal_summary(terminalreporter):
    """Report the triage metrics that tests/safety/test_triage.py measured in this run."""
    if TRIAGE_METRICS.exists():
        import json

        m = json.loads(TRIAGE_METRICS.read_text())
        for name, s in m["sets"].items():
            if "emergency" in s:
                terminalreporter.write_line(
                    f"triage {name}: emergency {s['emergency']}, urgent {s['urgent']}, routine escalated {s['routine_escalated']}"
                )
        terminalreporter.write_line(f"triage: {m['messages']} messages in all")
