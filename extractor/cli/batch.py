"""``extractor batch prepare|collect``: Batch API (and ``vllm run-batch``) files, a thin layer over batch_files.py.

Registered in ``cli.py`` with ``app.add_typer(batch_app, name="batch")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from extractor.errors import InputError, error_class

batch_app = typer.Typer(
    help="OpenAI Batch API files: prepare the requests, collect the answers into extract records.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)


@batch_app.command("prepare")
def prepare_command(
    paths: Annotated[list[Path], typer.Argument(help="Article .txt files, or folders of them.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Requests file (JSONL); split into -001, -002... past --max-lines.")
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="The model id the batch runs on (as the provider names it).")
    ],
    task: Annotated[str, typer.Option("--task", help="Task name, or package.module:TASK.")] = "attacks",
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="Prompt version.")] = "v2",
    published: Annotated[
        str | None, typer.Option("--published", help="Publication date YYYY-MM-DD for every article.")
    ] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Cap on generated tokens per request.")] = 1536,
    n_ctx: Annotated[
        int | None, typer.Option("--n-ctx", help="The model's context window: split articles too long for it.")
    ] = None,
    max_lines: Annotated[
        int | None,
        typer.Option("--max-lines", help="Requests per file (default: 50,000, what the Batch API takes)."),
    ] = None,
) -> None:
    """Write Batch API request lines: each body exactly what extract would send, custom_id ARTICLE@PROMPT#CHUNK.

    A manifest (OUT with .manifest.json) beside them is what batch collect needs.
    """
    from extractor.extraction.articles import load_batch, parse_published
    from extractor.extraction.batch_files import MAX_LINES_PER_FILE, manifest_path, prepare
    from extractor.extraction.config import Backend, Settings
    from extractor.extraction.params import GenerationParams
    from extractor.extraction.prompts import load_prompt
    from extractor.tasks import get_task

    the_task = get_task(task)
    the_prompt = load_prompt(the_task.prompts_dir, the_task.name, prompt)
    if max_tokens < 1:
        raise InputError("--max-tokens must be at least 1")
    if n_ctx is not None and n_ctx <= max_tokens:
        raise InputError(f"--n-ctx {n_ctx} leaves no room for the prompt after --max-tokens {max_tokens}")
    if out.is_dir():
        raise InputError(f"--out {out} is a directory; give a file name such as {out / 'requests.jsonl'}")
    articles, load_errors = load_batch(paths, published=parse_published(published))
    for error in load_errors:
        err_console.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
    if not articles:
        raise InputError("no article could be read; nothing to prepare")
    settings = Settings(Backend.COMPATIBLE, model, params=GenerationParams(max_tokens=max_tokens), n_ctx=n_ctx)
    manifest, errors = prepare(the_task, the_prompt, settings, articles, out, max_lines=max_lines or MAX_LINES_PER_FILE)
    for article_id, failure in errors:
        err_console.print(f"[red]error:[/] {article_id}: {failure}", highlight=False, soft_wrap=True)
    requests = sum(len(a.requests) for a in manifest.articles)
    console.print(
        f"wrote {requests} request(s) for {len(manifest.articles)} article(s) to {', '.join(manifest.files)}; "
        f"manifest {manifest_path(out)}"
    )
    code = next((e.exit_code for e in load_errors), 0) or next((e.exit_code for _, e in errors), 0)
    if code:
        raise typer.Exit(code)


@batch_app.command("collect")
def collect_command(
    results: Annotated[
        list[Path], typer.Argument(help="Batch output files (JSONL), from the Batch API or vllm run-batch.")
    ],
    manifest: Annotated[Path, typer.Option("--manifest", help="The manifest batch prepare wrote beside the requests.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the records here (the format of extract --out).")],
) -> None:
    """Turn batch answers into extract's records: validated, chunks merged, evidence grounded.

    Offline there is no model to re-ask: an answer that fails validation becomes an error record
    (InvalidOutputError), as does a failed or missing result. Exits non-zero when any article failed.
    """
    from extractor.extraction.batch_files import collect
    from extractor.extraction.records import write_records
    from extractor.reporting.report import print_records

    if out.is_dir():
        raise InputError(f"--out {out} is a directory; give a file name such as {out / 'events.jsonl'}")
    records = collect(manifest, results)
    write_records(out, records)
    if len(records) <= 20:
        print_records(console, records)
    console.print(f"wrote {len(records)} record(s) to {out}")
    failed = [r for r in records if r.status == "error"]
    for record in failed:
        err_console.print(f"[red]error:[/] {record.article_id}: {record.error}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(error_class(failed[0].error_type).exit_code)
