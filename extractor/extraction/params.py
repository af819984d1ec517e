"""Generation parameters: what shapes the model's answer, and what is recorded of it.

Standard library only, so the command line can show their defaults without importing pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GenerationParams:
    """What shapes the model's answer; recorded in every run and matched by cassettes."""

    temperature: float = 0.0
    seed: int = 20231023
    max_tokens: int = 1536
    max_reasks: int = 2  # re-asks after the first attempt when the output fails validation
    http_retries: int = 2  # the openai client's own retries, with backoff, on 408/429/5xx/connection errors
    timeout_s: float = 600.0

    def request_kwargs(self) -> dict[str, Any]:
        """The sampling arguments of one request."""
        return {"temperature": self.temperature, "seed": self.seed, "max_tokens": self.max_tokens}

    def record(self) -> dict[str, Any]:
        """What a cassette, a record and a manifest keep: what changes the answer (retries and
        timeouts do not)."""
        return {**self.request_kwargs(), "max_reasks": self.max_reasks}
