"""Settings: nested by concern, read from flat CLINIC_* variables, errors that name the variable."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from assistant.core.settings import ENV_TABLE, SECTIONS, Settings, SettingsError, env_name, env_names


def test_the_autouse_fixture_leaves_no_clinic_variables():
    assert not [name for name in os.environ if name.startswith("CLINIC_")]


def test_flat_variables_fill_the_nested_sections(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_SEARCH_K", "7")
    monkeypatch.setenv("CLINIC_MIN_RELEVANCE", "0.31")
    monkeypatch.setenv("CLINIC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CLINIC_STAFF_PASSWORD", "s3cret")
    monkeypatch.setenv("clinic_emergency_number", "112")  # names are case-insensitive
    s = Settings(_env_file=None)
    assert (s.search.k, s.search.min_relevance, s.storage.data_dir) == (7, 0.31, tmp_path)
    assert s.web.staff_password.get_secret_value() == "s3cret" and "s3cret" not in repr(s)
    assert s.safety.emergency_number == "112"


def test_a_dotenv_file_is_read_and_the_environment_wins(monkeypatch, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("CLINIC_SEARCH_K=9\nCLINIC_CLINIC_NAME=Hill Physio\n")
    monkeypatch.setenv("CLINIC_SEARCH_K", "4")
    s = Settings(_env_file=env_file)
    assert s.search.k == 4 and s.clinic.name == "Hill Physio"


def test_keyword_arguments_flat_or_nested_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("CLINIC_SEARCH_K", "4")
    assert Settings(_env_file=None, search_k=2).search.k == 2
    assert Settings(_env_file=None, search={"k": 3}).search.k == 3
    s = Settings(_env_file=None, search_k=2).replace(min_relevance=0.5)
    assert (s.search.k, s.search.min_relevance) == (2, 0.5)


@pytest.mark.parametrize(
    "kwargs, variable",
    [({"search_k": 0}, "CLINIC_SEARCH_K"), ({"port": 0}, "CLINIC_PORT"), ({"answerer": "gpt"}, "CLINIC_ANSWERER"),
     ({"dense_weight": 2}, "CLINIC_DENSE_WEIGHT"), ({"embedding_backend": "tensorrt"}, "CLINIC_EMBEDDING_BACKEND")],
)
def test_errors_name_the_variable(kwargs, variable):
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **kwargs)
    assert [env_name(e["loc"]) for e in caught.value.errors()] == [variable]


@pytest.mark.parametrize(
    "kwargs, variable",
    [({"chunk_tokens": 60, "chunk_overlap_tokens": 40}, "CLINIC_CHUNK_OVERLAP_TOKENS"),
     ({"embed_origins": "clinic.example"}, "CLINIC_EMBED_ORIGINS")],
)
def test_checks_across_fields_say_which_variable(kwargs, variable):
    with pytest.raises((ValidationError, SettingsError), match=variable):
        Settings(_env_file=None, **kwargs)


def test_unknown_names_are_refused():
    with pytest.raises(ValidationError):
        Settings(_env_file=None, serch_k=3)


def test_every_field_has_one_variable_and_the_names_are_stable():
    assert len(env_names()) == len(set(env_names())) == sum(len(m.model_fields) for m in SECTIONS.values())
    for old in ("CLINIC_DATA_DIR", "CLINIC_SEARCH_K", "CLINIC_MIN_RELEVANCE", "CLINIC_CHROMA_HOST", "CLINIC_LLM_TIMEOUT_S",
                "CLINIC_CLINIC_PHONE", "CLINIC_CRISIS_LINE", "CLINIC_RATE_PER_MINUTE", "CLINIC_LLAMACPP_MODEL_PATH"):
        assert old in env_names()
    assert ENV_TABLE["SEARCH_K"] == ("search", "k")


def test_the_embedding_backend_is_read_from_its_variable(monkeypatch, tmp_path):
    from typing import get_args

    from assistant.core.settings import EMBEDDING_BACKENDS, EmbeddingSettings

    assert get_args(EmbeddingSettings.model_fields["backend"].annotation) == EMBEDDING_BACKENDS
    assert Settings(_env_file=None).embedding.backend == "onnx-int8"
    monkeypatch.setenv("CLINIC_EMBEDDING_BACKEND", "onnx-int8")
    monkeypatch.setenv("CLINIC_EMBEDDING_CACHE_DIR", str(tmp_path))
    embedding = Settings(_env_file=None).embedding
    assert (embedding.backend, embedding.cache_dir) == ("onnx-int8", tmp_path)
