"""What a run produces and records, as plain data: token usage and the per-article record
that ``extract`` writes one JSON line of (the generation parameters are in ``params.py``).

Light on purpose (pydantic only, no LLM client): the scorer, the reports, the incident
builder and the CLI read records without importing ``openai``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from extractor.extraction.grounding import Grounding
from extractor.runs import write_atomic


class Usage(BaseModel):
    """Tokens of one answer, or summed over attempts and chunks."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )

    @classmethod
    def of(cls, usage: Any) -> Usage:
        """From an OpenAI-style ``usage`` object (or None)."""
        if usage is None:
            return cls()
        return cls(
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        )


class ArticleRecord(BaseModel):
    """One JSONL line of ``extractor extract``: an article's events and how they were obtained."""

    article_id: str
    path: str
    article_sha256: str
    title: str | None = None
    published: dt.date | None = None
    examples: list[str] = Field(default_factory=list)  # solved articles (ids) the prompt showed before this one
    status: Literal["ok", "error"]
    error: str | None = None
    error_type: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list)
    grounding: list[list[Grounding]] = Field(default_factory=list)  # each event's quotes, in the original file
    usage: Usage = Field(default_factory=Usage)  # summed over attempts and chunks
    attempts: int = 0  # requests that produced an answer, summed over chunks
    answers: int = 0  # the validated answers among them: one per chunk, plus each gleaning turn's
    reask_errors: list[str] = Field(default_factory=list)
    latency_s: float | None = 0.0  # None: replayed from a cassette that stored no latency
    chunks: int = 1  # parts the article was split into to fit the context window
    model: str
    model_sha256: str | None = None
    prompt: str
    prompt_sha256: str
    schema_sha256: str
    params: dict[str, Any] = Field(default_factory=dict)
    cassette: str | None = None


def write_records(path: Path, records: Sequence[ArticleRecord]) -> None:
    write_atomic(path, "".join(r.model_dump_json() + "\n" for r in records))


def read_records(path: Path) -> list[ArticleRecord]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            records.append(ArticleRecord.model_validate_json(line))
    return records
