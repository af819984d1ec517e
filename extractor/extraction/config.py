"""One frozen settings object for a run, from command-line flags and ``EXTRACTOR_*`` variables.

Backend choice, in order: ``--base-url`` / ``EXTRACTOR_BASE_URL`` (any
OpenAI-compatible server: vLLM, Ollama, a llama.cpp server already running),
then ``OPENAI_API_KEY`` (the OpenAI API), else ``local``: the embedded
llama.cpp server that the harness starts and stops itself. A replay needs no
backend, so it ignores ``OPENAI_API_KEY`` and ``EXTRACTOR_BASE_URL``: it answers
from the cassettes of ``--model`` (or the embedded default) only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from extractor.errors import InputError
from extractor.extraction.cassettes import CassetteMode
from extractor.extraction.local_server import DEFAULT_MODEL, draft_tokens_from_env, get_spec
from extractor.extraction.params import GenerationParams

OPENAI_DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_CASSETTES = Path(os.environ.get("EXTRACTOR_CASSETTES", Path(__file__).resolve().parents[2] / "cassettes"))


class Backend(StrEnum):
    LOCAL = "local"
    OPENAI = "openai"
    COMPATIBLE = "compatible"


@dataclass(frozen=True)
class Settings:
    backend: Backend
    model: str  # the name sent in requests (the local server's alias, or the provider's model id)
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    model_path: Path | None = None
    params: GenerationParams = field(default_factory=GenerationParams)
    n_ctx: int | None = None
    cassette_mode: CassetteMode = CassetteMode.OFF
    cassette_dir: Path = DEFAULT_CASSETTES
    # Tokens the embedded server drafts and checks in one batch (EXTRACTOR_DRAFT_TOKENS); local backend only.
    draft_tokens: int = 0

    def server_params(self) -> dict[str, int]:
        """What the embedded server does that can change an answer beyond ``params``: recorded beside them."""
        return {"draft_tokens": self.draft_tokens} if self.backend is Backend.LOCAL and self.draft_tokens else {}

    def recorded_params(self) -> dict[str, Any]:
        """The parameters a run, a record and a cassette carry: the generation's and the server's."""
        return {**self.params.record(), **self.server_params()}

    @property
    def needs_backend(self) -> bool:
        """Replay answers from cassettes: no server, no key, no model file."""
        return self.cassette_mode is not CassetteMode.REPLAY


def resolve_settings(
    *,
    model: str | None = None,
    base_url: str | None = None,
    model_path: Path | None = None,
    params: GenerationParams | None = None,
    n_ctx: int | None = None,
    cassette_mode: CassetteMode = CassetteMode.OFF,
    cassette_dir: Path | None = None,
) -> Settings:
    env = os.environ
    params = params or GenerationParams()
    if cassette_mode is CassetteMode.REPLAY and base_url is None and model_path is None:
        # Offline means offline: a replay answers from the cassettes of the model named
        # (--model, EXTRACTOR_MODEL) or the embedded default, never of one inferred from
        # an API key or a server address that happen to be in the environment.
        name = model or env.get("EXTRACTOR_MODEL") or DEFAULT_MODEL
        local = name in _local_names()
        return Settings(
            Backend.LOCAL if local else Backend.COMPATIBLE,
            get_spec(name).name if local else name,
            params=params,
            n_ctx=n_ctx,
            cassette_mode=cassette_mode,
            cassette_dir=cassette_dir or DEFAULT_CASSETTES,
        )
    base_url = base_url or env.get("EXTRACTOR_BASE_URL") or None
    model = model or env.get("EXTRACTOR_MODEL") or None
    api_key = env.get("OPENAI_API_KEY") or None
    common = {
        "params": params,
        "n_ctx": n_ctx,
        "cassette_mode": cassette_mode,
        "cassette_dir": cassette_dir or DEFAULT_CASSETTES,
    }
    if base_url and model_path is None:
        if not base_url.startswith(("http://", "https://")):
            raise InputError(f"--base-url {base_url!r} is not an http(s) URL")
        if not model:
            raise InputError("--base-url needs --model (the model name the server serves)")
        return Settings(Backend.COMPATIBLE, model, base_url=base_url, api_key=api_key, **common)  # type: ignore[arg-type]
    if api_key and model_path is None and (model is None or model not in _local_names()):
        return Settings(Backend.OPENAI, model or OPENAI_DEFAULT_MODEL, api_key=api_key, **common)  # type: ignore[arg-type]
    name = (model or model_path.stem) if model_path is not None else get_spec(model or DEFAULT_MODEL).name
    return Settings(
        Backend.LOCAL,
        name,
        model_path=model_path,
        draft_tokens=draft_tokens_from_env(),
        **common,  # type: ignore[arg-type]
    )


def _local_names() -> set[str]:
    from extractor.extraction.local_server import ALIASES, MODELS

    return set(MODELS) | set(ALIASES)
