"""OpenAI Batch API files: ``batch prepare`` writes the requests, ``batch collect`` turns the answers into records.

A request line is ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``
with ``body`` exactly what ``extract`` would send for the same article, prompt, model
and parameters: it is captured from the live code path (:func:`extractor.extraction.client.request_body`),
chunking included. ``custom_id`` is ``ARTICLE@PROMPT_SHA256[:12]#CHUNK``. Files are
split at 50,000 lines (the Batch API's limit per file). A manifest beside them
(``requests.manifest.json``) records the task, prompt, model, parameters, context size,
and each article's path, SHA-256 and requests, with the SHA-256 of every body.

``collect`` reads Batch API output lines (``vllm run-batch`` writes the same shape:
``{"custom_id", "response": {"status_code", "body"}, "error"}``), loads the articles
again and runs the same extraction as ``extract`` with each request answered by its
result instead of a server: the same validation, merging of chunks, grounding and
record. There is no model to re-ask offline, so an answer that fails validation is an
error record (``InvalidOutputError``), as is a failed or missing result; a request
whose body no longer matches (the article, its metadata or the prompt changed since
``prepare``) is one too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from extractor.errors import ContextOverflowError, ExtractorError, InputError
from extractor.extraction.articles import Article, load_articles
from extractor.extraction.cassettes import VOLATILE_BODY_KEYS
from extractor.extraction.client import LLMClient, request_body
from extractor.extraction.config import Backend, Settings
from extractor.extraction.extract import Extractor, answer_model
from extractor.extraction.params import GenerationParams
from extractor.extraction.prompts import Prompt, load_prompt
from extractor.extraction.records import ArticleRecord
from extractor.runs import write_atomic
from extractor.tasks import Task, get_task, schema_sha256

BATCH_URL = "/v1/chat/completions"
MAX_LINES_PER_FILE = 50_000


class ManifestArticle(BaseModel):
    id: str
    path: str
    sha256: str
    published: dt.date | None = None  # set when it came from --published (files may not say it)
    requests: list[str] = Field(default_factory=list)  # custom_ids, one per chunk


class BatchManifest(BaseModel):
    """What ``collect`` needs to rebuild the records of a prepared batch."""

    task: str
    prompt: str  # the version
    prompt_sha256: str
    schema_sha256: str
    model: str
    params: dict[str, Any]  # GenerationParams fields
    n_ctx: int | None = None
    files: list[str] = Field(default_factory=list)
    articles: list[ManifestArticle] = Field(default_factory=list)
    bodies: dict[str, str] = Field(default_factory=dict)  # SHA-256 of a request body -> its custom_id


def body_sha256(body: dict[str, Any]) -> str:
    """Of the parsed body, key order aside (and without the keys cassettes ignore too)."""
    kept = {k: v for k, v in body.items() if k not in VOLATILE_BODY_KEYS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def manifest_path(requests: Path) -> Path:
    return requests.with_name(requests.stem + ".manifest.json")


def _part_paths(out: Path, parts: int) -> list[Path]:
    if parts <= 1:
        return [out]
    return [out.with_name(f"{out.stem}-{n:03d}{out.suffix}") for n in range(1, parts + 1)]


def _refuse_closed_client(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    raise AssertionError("prepare never sends a request")


def prepare(
    task: Task,
    prompt: Prompt,
    settings: Settings,
    articles: Sequence[Article],
    out: Path,
    *,
    max_lines: int = MAX_LINES_PER_FILE,
) -> tuple[BatchManifest, list[tuple[str, ExtractorError]]]:
    """Write the request files for ``articles`` and their manifest; an article that cannot fit is an error."""
    if max_lines < 1:
        raise InputError("--max-lines must be at least 1")
    if prompt.spec.follows_up:
        turns = "gleaning turns" if prompt.spec.gleanings else "a turn per listed item"
        raise InputError(
            f"prompt {prompt.id} sends {turns}, which depend on the model's answers: "
            "a batch file holds each article's first request only; use extract"
        )
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            raise InputError(f"two articles are named {article.id}: a batch needs unique file names")
        seen.add(article.id)
    client = LLMClient(None, None, settings.model, settings.params, answer=_refuse_closed_client)
    extractor = Extractor(task, prompt, settings, client, None, n_ctx=settings.n_ctx)
    manifest = BatchManifest(
        task=task.name,
        prompt=prompt.version,
        prompt_sha256=prompt.sha256,
        schema_sha256=schema_sha256(answer_model(task, prompt)),
        model=settings.model,
        params=dataclasses.asdict(settings.params),
        n_ctx=settings.n_ctx,
    )
    lines: list[str] = []
    errors: list[tuple[str, ExtractorError]] = []
    try:
        for article in articles:
            try:
                chunks = extractor.chunks(article, settings.n_ctx)
            except ContextOverflowError as exc:
                errors.append((article.id, exc))
                continue
            entry = ManifestArticle(
                id=article.id,
                path=str(article.path),
                sha256=article.sha256,
                published=article.meta.published if article.meta.published_source == "cli" else None,
            )
            context = {"published": article.meta.published}
            for number, chunk in enumerate(chunks, 1):
                custom_id = f"{article.id}@{prompt.sha256[:12]}#{number}"
                body = request_body(
                    settings.model, settings.params, chunk.messages, answer_model(task, prompt), context
                )
                manifest.bodies[body_sha256(body)] = custom_id
                entry.requests.append(custom_id)
                line = {"custom_id": custom_id, "method": "POST", "url": BATCH_URL, "body": body}
                lines.append(json.dumps(line, ensure_ascii=False) + "\n")
            manifest.articles.append(entry)
    finally:
        client.close()
    parts = [lines[i : i + max_lines] for i in range(0, len(lines), max_lines)] or [[]]
    paths = _part_paths(out, len(parts))
    for path, part in zip(paths, parts, strict=True):
        write_atomic(path, "".join(part))
    manifest.files = [str(p) for p in paths]
    write_atomic(manifest_path(out), manifest.model_dump_json(indent=2) + "\n")
    return manifest, errors


def read_results(paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """Batch output lines by ``custom_id``; a line that is not one is a one-line error naming it."""
    results: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read batch results {path}: {exc}") from exc
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{path} line {number} is not JSON ({exc})") from exc
            if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
                raise InputError(f"{path} line {number} is not a Batch API result (no custom_id)")
            results[item["custom_id"]] = item
    return results


def _answer_of(result: dict[str, Any] | None, custom_id: str) -> tuple[int, dict[str, Any]]:
    if result is None:
        return 404, {"error": {"message": f"no result for request {custom_id} in the batch output"}}
    response = result.get("response") or {}
    error = result.get("error")
    status = response.get("status_code") if isinstance(response, dict) else None
    body = response.get("body") if isinstance(response, dict) else None
    if status == 200 and isinstance(body, dict) and not error:
        return 200, body
    message = error.get("message") if isinstance(error, dict) else None
    if message is None and isinstance(body, dict):
        inner = body.get("error")
        message = inner.get("message") if isinstance(inner, dict) else None
    code = status if isinstance(status, int) and status >= 400 else 500
    return code, {"error": {"message": f"batch request {custom_id} failed: {message or 'no answer'}"}}


def collect(manifest_file: Path, results_files: Sequence[Path]) -> list[ArticleRecord]:
    """The records ``extract`` would write for the prepared articles, answered by the batch's results."""
    try:
        manifest = BatchManifest.model_validate_json(manifest_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"--manifest {manifest_file} is not a batch manifest ({first})") from exc
    task = get_task(manifest.task)
    prompt = load_prompt(task.prompts_dir, task.name, manifest.prompt)
    if prompt.sha256 != manifest.prompt_sha256:
        raise InputError(f"prompt {prompt.id} changed since the batch was prepared; prepare it again")
    if schema_sha256(answer_model(task, prompt)) != manifest.schema_sha256:
        raise InputError(f"the {task.name} schema changed since the batch was prepared; prepare it again")
    results = read_results(results_files)
    params = GenerationParams(**manifest.params)
    settings = Settings(Backend.COMPATIBLE, manifest.model, params=params, n_ctx=manifest.n_ctx)

    def answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        custom_id = manifest.bodies.get(body_sha256(body))
        if custom_id is None:
            message = "this request is not in the batch: the article, its metadata or the prompt changed since prepare"
            return 400, {"error": {"message": message}}
        return _answer_of(results.get(custom_id), custom_id)

    # Nothing to re-ask offline, and nothing to retry: a result is what it is.
    offline = dataclasses.replace(params, max_reasks=0, http_retries=0)
    client = LLMClient(None, None, manifest.model, offline, answer=answer)
    extractor = Extractor(task, prompt, settings, client, None, n_ctx=manifest.n_ctx)
    records: list[ArticleRecord] = []
    try:
        for entry in manifest.articles:
            loaded = load_articles([Path(entry.path)], published=entry.published)[0]
            if isinstance(loaded, ExtractorError):
                raise InputError(f"article {entry.id} of the batch: {loaded}")
            if loaded.sha256 != entry.sha256:
                raise InputError(f"article {entry.path} changed since the batch was prepared; prepare it again")
            records.append(extractor.extract(loaded))
    finally:
        client.close()
    return records
