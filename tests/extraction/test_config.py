"""Backend choice from flags and environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import InputError, ModelNotFoundError
from extractor.extraction.config import OPENAI_DEFAULT_MODEL, Backend, resolve_settings
from extractor.extraction.local_server import QWEN, SMOLLM2


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "EXTRACTOR_BASE_URL", "EXTRACTOR_MODEL", "EXTRACTOR_DRAFT_TOKENS"):
        monkeypatch.delenv(name, raising=False)


def test_local_is_the_default_without_key_or_url() -> None:
    settings = resolve_settings()
    assert (settings.backend, settings.model) == (Backend.LOCAL, QWEN.name)
    assert resolve_settings(model="smollm2").model == SMOLLM2.name


def test_base_url_flag_or_env_selects_a_compatible_server(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = resolve_settings(base_url="http://localhost:11434/v1", model="qwen2.5:7b")
    assert (settings.backend, settings.base_url, settings.model) == (
        Backend.COMPATIBLE,
        "http://localhost:11434/v1",
        "qwen2.5:7b",
    )
    monkeypatch.setenv("EXTRACTOR_BASE_URL", "http://localhost:8000/v1")
    monkeypatch.setenv("EXTRACTOR_MODEL", "m")
    assert resolve_settings().backend is Backend.COMPATIBLE
    monkeypatch.delenv("EXTRACTOR_MODEL")
    with pytest.raises(InputError, match="needs --model"):
        resolve_settings(base_url="http://localhost:8000/v1")
    with pytest.raises(InputError, match="not an http"):
        resolve_settings(base_url="localhost:8000", model="m")


def test_openai_key_selects_openai_and_is_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-0000000000")
    settings = resolve_settings()
    assert (settings.backend, settings.model) == (Backend.OPENAI, OPENAI_DEFAULT_MODEL)
    assert "sk-test" not in repr(settings)
    assert resolve_settings(model="qwen").backend is Backend.LOCAL  # an embedded model name still means local


def test_model_path_means_local_and_unknown_names_fail(tmp_path: Path) -> None:
    settings = resolve_settings(model_path=tmp_path / "mine.gguf")
    assert (settings.backend, settings.model) == (Backend.LOCAL, "mine")
    with pytest.raises(ModelNotFoundError, match="unknown model"):
        resolve_settings(model="gpt-17")


def test_the_embedded_servers_drafts_are_recorded_beside_the_params_for_the_local_backend_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXTRACTOR_DRAFT_TOKENS", "5")
    local = resolve_settings()
    assert local.draft_tokens == 5
    assert local.server_params() == {"draft_tokens": 5}
    other = resolve_settings(base_url="http://localhost:8000/v1", model="m")
    assert other.server_params() == {}, "another server's decoding is its own"
    monkeypatch.setenv("EXTRACTOR_DRAFT_TOKENS", "0")
    assert resolve_settings().server_params() == {}, "no drafts: nothing beside the params, as before"
