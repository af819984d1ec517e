"""Article + prompt + client → one record of validated, grounded events.

Data flows one way: the article is cleaned, the prompt rendered, the model
asked (through :mod:`extractor.client`, inside a cassette), the answer
validated against the task schema with the publication date in the
validation context, and every evidence quote grounded to character offsets
in the file as the user has it.

A failure on one article becomes a record with ``status="error"``; the batch
goes on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from extractor.articles import Article
from extractor.cassettes import CassetteMode, cassette_path, read_meta, use_cassette
from extractor.client import GenerationParams, LLMClient, Usage
from extractor.config import Backend, Settings
from extractor.errors import ContextOverflowError, ExtractorError
from extractor.grounding import Grounding, ground
from extractor.local_server import MODELS, LocalServer, resolve
from extractor.prompts import Prompt
from extractor.runs import write_atomic
from extractor.tasks import Task

# llama.cpp tokenizers give about 3.5-4 characters per token on English news; 3 is a
# conservative bound so the pre-check never lets through a prompt that cannot fit.
CHARS_PER_TOKEN_LOWER_BOUND = 3.0
_REPLAY_URL = "http://127.0.0.1:9/v1"  # discard port: replay never reaches a server


class UsageRecord(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class GroundedQuote(BaseModel):
    """An evidence quote located in the original article file."""

    quote: str
    status: Literal["exact", "normalised", "fuzzy", "ungrounded"]
    start: int | None = None
    end: int | None = None
    score: float = 0.0


class ArticleRecord(BaseModel):
    """One JSONL line of ``extractor extract``: an article's events and how they were obtained."""

    article_id: str
    path: str
    article_sha256: str
    title: str | None = None
    published: dt.date | None = None
    status: Literal["ok", "error"]
    error: str | None = None
    error_type: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list)
    grounding: list[list[GroundedQuote]] = Field(default_factory=list)
    usage: UsageRecord = Field(default_factory=UsageRecord)
    attempts: int = 0
    reask_errors: list[str] = Field(default_factory=list)
    latency_s: float = 0.0
    model: str
    model_sha256: str | None = None
    prompt: str
    prompt_sha256: str
    schema_sha256: str
    params: dict[str, Any] = Field(default_factory=dict)
    cassette: str | None = None


def params_record(params: GenerationParams) -> dict[str, Any]:
    return {
        "temperature": params.temperature,
        "seed": params.seed,
        "max_tokens": params.max_tokens,
        "max_reasks": params.max_reasks,
    }


def render_messages(task: Task, prompt: Prompt, article: Article) -> list[dict[str, str]]:
    published = article.meta.published.isoformat() if article.meta.published else "unknown"
    return prompt.render(
        text=article.text,
        title=article.meta.title or "(no title)",
        published=published,
        schema_json=json.dumps(task.result_model.model_json_schema(), separators=(",", ":")),
        field_guide=task.field_guide(),
    )


def ground_quotes(article: Article, quotes: Sequence[str]) -> list[GroundedQuote]:
    """Locate each quote in the cleaned text, then map the span to the original file."""
    located = []
    for quote in quotes:
        found: Grounding = ground(quote, article.text)
        start: int | None
        end: int | None
        if found.start is not None and found.end is not None:
            start, end = article.to_original(found.start, found.end)
        else:
            found = ground(quote, article.original)  # a quote that spans removed debris
            start, end = found.start, found.end
        located.append(GroundedQuote(quote=quote, status=found.status, start=start, end=end, score=found.score))
    return located


@dataclass
class Extractor:
    """Extracts one task with one prompt against one live or recorded backend."""

    task: Task
    prompt: Prompt
    settings: Settings
    client: LLMClient
    model_sha256: str | None
    n_ctx: int | None = None

    @property
    def rerecord_command(self) -> str:
        task, version, model = self.task.name, self.prompt.version, self.settings.model
        return f"extractor eval --task {task} --prompt {version} --model {model} --rerecord"

    def cassette_meta(self) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "model_sha256": self.model_sha256,
            "prompt": self.prompt.id,
            "prompt_sha256": self.prompt.sha256,
            "schema_sha256": self.task.schema_sha256,
            "params": params_record(self.settings.params),
        }

    def extract(self, article: Article) -> ArticleRecord:
        base = {
            "article_id": article.id,
            "path": str(article.path),
            "article_sha256": article.sha256,
            "title": article.meta.title,
            "published": article.meta.published,
            "model": self.settings.model,
            "model_sha256": self.model_sha256,
            "prompt": self.prompt.id,
            "prompt_sha256": self.prompt.sha256,
            "schema_sha256": self.task.schema_sha256,
            "params": params_record(self.settings.params),
        }
        cassette = None
        if self.settings.cassette_mode is not CassetteMode.OFF:
            cassette = cassette_path(self.settings.cassette_dir, self.settings.model, self.prompt.id, article.id)
            base["cassette"] = str(cassette)
            if self.model_sha256 is None and cassette.exists():
                base["model_sha256"] = read_meta(cassette).get("model_sha256")
        started = time.perf_counter()
        try:
            messages = render_messages(self.task, self.prompt, article)
            self._check_fits(messages)
            context = {"published": article.meta.published}
            with (
                use_cassette(cassette, self.settings.cassette_mode, self.cassette_meta(), self.rerecord_command)
                if cassette is not None
                else contextlib.nullcontext({})
            ) as cassette_meta:
                completion = self.client.complete(messages, self.task.result_model, context)
                if self.settings.cassette_mode is CassetteMode.REPLAY:
                    # Report the model's latency measured when recording, not the replay's microseconds.
                    completion.latency_s = float(cassette_meta.get("latency_s", completion.latency_s))
                else:
                    cassette_meta["latency_s"] = round(completion.latency_s, 3)
        except ExtractorError as exc:
            return ArticleRecord(
                **base,
                status="error",
                error=str(exc),
                error_type=type(exc).__name__,
                latency_s=time.perf_counter() - started,
            )
        events = list(getattr(completion.value, "events", []))
        return ArticleRecord(
            **base,
            status="ok",
            events=[event.model_dump(mode="json") for event in events],
            grounding=[ground_quotes(article, getattr(event, "evidence", [])) for event in events],
            usage=_usage(completion.usage),
            attempts=completion.attempts,
            reask_errors=completion.reask_errors,
            latency_s=completion.latency_s,
        )

    def _check_fits(self, messages: list[dict[str, str]]) -> None:
        if not self.n_ctx or self.settings.cassette_mode is CassetteMode.REPLAY:
            return
        chars = sum(len(m["content"]) for m in messages)
        least_tokens = int(chars / CHARS_PER_TOKEN_LOWER_BOUND / 1.3)  # generous: never refuse what might fit
        budget = self.n_ctx - self.settings.params.max_tokens
        if least_tokens > budget:
            raise ContextOverflowError(
                f"article is too long for the model's context: at least ~{least_tokens} prompt tokens, "
                f"but only {budget} of n_ctx={self.n_ctx} remain after max_tokens={self.settings.params.max_tokens}"
            )


def _usage(usage: Usage) -> UsageRecord:
    return UsageRecord(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)


@contextlib.contextmanager
def open_extractor(task: Task, prompt: Prompt, settings: Settings) -> Iterator[Extractor]:
    """An :class:`Extractor` with its backend up for the whole block (and down after it)."""
    params = settings.params
    if not settings.needs_backend:
        # Replay: answers come from cassettes; a request without one must fail at once, not retry.
        replay_params = GenerationParams(**{**params.__dict__, "http_retries": 0})
        client = LLMClient(_REPLAY_URL, None, settings.model, replay_params)
        spec = MODELS.get(settings.model)
        try:
            yield Extractor(task, prompt, settings, client, spec.sha256 if spec else None)
        finally:
            client.close()
        return
    if settings.backend is Backend.LOCAL:
        model = resolve(settings.model, settings.model_path)
        with LocalServer(model, n_ctx=settings.n_ctx) as server:
            client = LLMClient(server.base_url, None, model.name, params)
            try:
                yield Extractor(task, prompt, settings, client, model.sha256, n_ctx=server.n_ctx)
            finally:
                client.close()
        return
    client = LLMClient(settings.base_url, settings.api_key, settings.model, params)
    try:
        yield Extractor(task, prompt, settings, client, None, n_ctx=settings.n_ctx)
    finally:
        client.close()


def write_records(path: Path, records: Sequence[ArticleRecord]) -> None:
    write_atomic(path, "".join(r.model_dump_json() + "\n" for r in records))


def read_records(path: Path) -> list[ArticleRecord]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            records.append(ArticleRecord.model_validate_json(line))
    return records


def run_batch(
    extractor: Extractor,
    articles: Sequence[Article],
    on_done: Callable[[ArticleRecord], None] | None = None,
) -> list[ArticleRecord]:
    records = []
    for article in articles:
        record = extractor.extract(article)
        records.append(record)
        if on_done:
            on_done(record)
    return records
