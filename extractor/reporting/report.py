"""Rendering only: terminal tables (Rich), and Markdown and HTML from the templates in ``templates/``.

Every row comes from :mod:`extractor.reporting.views`, computed once; this module and the
templates only lay it out. The HTML pages are single files: inline CSS, inline
SVG, no scripts and no external resources, so a report can be mailed or archived
and still open. HTML is rendered with autoescape on: text from an article, a
model or a gold file cannot become markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

import jinja2
from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from extractor.evaluation.bootstrap import Interval
from extractor.evaluation.compare import Comparison
from extractor.evaluation.gold import GoldArticle
from extractor.evaluation.scoring import CorpusScore
from extractor.evaluation.suite import EvalRun, SplitTotal
from extractor.extraction.records import ArticleRecord
from extractor.plain import DASH
from extractor.tasks import Column

if TYPE_CHECKING:
    from extractor.extraction.batch_run import BatchResult

from extractor.reporting.views import (
    STATUS_TEXT,
    STATUSES,
    Cell,
    DeltaView,
    FlipView,
    Rate,
    Span,
    ci_text,
    comparison_view,
    eval_view,
    event_cells,
    fmt,
    pair_class,
    segments,
)

__all__ = [
    "STATUSES",
    "Span",
    "comparison_html",
    "eval_html",
    "eval_markdown",
    "highlight",
    "pair_class",
    "print_batch_summary",
    "print_comparison",
    "print_eval",
    "print_records",
    "print_split_comparison",
    "print_split_totals",
]

RICH_BAND = {"low": "red", "mid": "yellow", "high": "green"}
HTML_BAND = {"low": "var(--missed)", "mid": "var(--partial)", "high": "var(--matched)"}
OUTCOME_STYLE = {"win": "green", "loss": "red", "tie": "dim"}
OUTCOME_BADGE = {"win": ("W", "st-matched"), "loss": ("L", "st-missed"), "tie": ("T", "st-optional")}

# --------------------------------------------------------------------------- templates


def _md(text: object) -> str:
    """Escape what Markdown would otherwise read as a table cell break, HTML or emphasis."""
    out = str(text).replace("\\", "\\\\")
    for ch in "|<*`":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def _environment(autoescape: bool) -> jinja2.Environment:
    # StrictUndefined: a misspelt name in a template fails the render, never prints nothing.
    # Markdown has no autoescape to lean on; its template escapes each value with the ``md`` filter.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("extractor.reporting", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    env.filters["md"] = _md
    env.globals.update(
        dash=DASH,
        statuses=STATUSES,
        status_text=STATUS_TEXT,
        band_colour=HTML_BAND,
        outcome_badge=OUTCOME_BADGE,
    )
    return env


@cache
def _html() -> jinja2.Environment:
    return _environment(autoescape=True)


@cache
def _markdown() -> jinja2.Environment:
    return _environment(autoescape=False)


def highlight(text: str, spans: Sequence[Span]) -> str:
    """``text`` escaped, with every span marked; overlapping spans split at every boundary."""
    # The same macro the eval page uses; a template module's macros are attributes mypy cannot see.
    macro = _html().get_template("_macros.html.j2").module.highlight  # type: ignore[attr-defined]
    return str(macro(segments(text, spans)))


def eval_markdown(run: EvalRun, tuned_on: Sequence[str] = ()) -> str:
    """The evaluation as Markdown (``report.md``), with every pair's explanation."""
    return _markdown().get_template("eval.md.j2").render(v=eval_view(run, tuned_on=tuned_on)).rstrip() + "\n"


def eval_html(
    run: EvalRun,
    articles: Mapping[str, str],
    golds: Mapping[str, GoldArticle],
    columns: Sequence[Column] = (),
    tuned_on: Sequence[str] = (),
) -> str:
    """A self-contained page: scores, incidents with their sources side by side, then each
    article's text with gold and predicted evidence highlighted, and its events paired."""
    return _html().get_template("eval.html.j2").render(v=eval_view(run, articles, golds, columns, tuned_on))


def comparison_html(comparison: Comparison) -> str:
    """A self-contained comparison page: verdict, caveat, side-by-side numbers with deltas,
    a bar chart of field F1, wins per article and the events that flipped."""
    return _html().get_template("comparison.html.j2").render(v=comparison_view(comparison))


# --------------------------------------------------------------------------- terminal


def _cell(cell: Cell) -> Text:
    text = Text(cell.value)
    if cell.detail:
        text += Text(f"\n{cell.detail}", style="dim")
    return text


def _rate(rate: Rate) -> Text:
    return Text(rate.value) + Text(f" {rate.ci}", style="dim")


def _rate_cell(value: float, interval: Interval) -> Text:
    return _rate(Rate(fmt(value), ci_text(interval)))


def print_records(console: Console, records: Sequence[ArticleRecord], columns: Sequence[Column] = ()) -> None:
    """One compact table per article: the task's columns for each event, and how many quotes are grounded."""
    for record in records:
        title = Text(f"{record.article_id} · {record.prompt} · {record.model}", style="bold")
        if record.status == "error":
            console.print(title + Text(f": {record.error_type}: {record.error}", style="red"))
            continue
        rows = [event_cells(event, columns) for event in record.events]
        headers = [c.header for c in columns] or list(dict.fromkeys(h for row in rows for h, _ in row))
        layout = {c.header: c for c in columns}
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=True)
        table.add_column("#", justify="right")
        for header in headers:
            column = layout.get(header)
            if column is not None and column.no_wrap:
                table.add_column(header, no_wrap=True)
            else:
                ratio = column.ratio if column is not None else None
                table.add_column(header, ratio=ratio, min_width=column.min_width if column else None, overflow="fold")
        table.add_column("quotes", justify="right", no_wrap=True)
        for i, row in enumerate(rows):
            grounding = record.grounding[i] if i < len(record.grounding) else []
            grounded = sum(1 for g in grounding if g.located)
            style = "green" if grounding and grounded == len(grounding) else "red"
            cells = dict(row)
            table.add_row(
                str(i + 1),
                *(_cell(cells.get(h, Cell(DASH, ""))) for h in headers),
                Text(f"{grounded}/{len(grounding)}", style=style),
            )
        if not record.events:
            table.add_row(DASH, Text("no events"), *([""] * len(headers)))
        console.print(table)
        console.print(
            Text(
                f"  {len(record.events)} event(s) · {record.usage.prompt_tokens}+{record.usage.completion_tokens} "
                f"tokens · {record.attempts} attempt(s) · "
                + (f"{record.latency_s:.1f}s" if record.latency_s is not None else "latency not recorded"),
                style="dim",
            )
        )


def print_eval(console: Console, run: EvalRun, tuned_on: Sequence[str] = ()) -> None:
    """Scores with intervals, fields worst first, articles, grounding, cost and incidents."""
    v = eval_view(run, tuned_on=tuned_on)
    console.print(Text(f"Evaluation · {v.title}", style="bold"))
    head = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=Text(v.interval_note, style="dim"))
    head.add_column("")
    head.add_column("tp/fp/fn", justify="right", no_wrap=True)
    for name in ("precision", "recall", "F1"):
        head.add_column(name, justify="right")
    for r in v.headline:
        head.add_row(Text(r.label, style="bold"), r.counts, _rate(r.precision), _rate(r.recall), _rate(r.f1))
    console.print(head)
    if v.chosen_on is not None:
        console.print(Text("note: ", style="bold yellow") + Text(v.chosen_on))

    fields = Table(title="fields, worst first", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("field", "tp", "fp", "fn", "P", "R", "F1", "95% CI"):
        fields.add_column(column, justify="left" if column == "field" else "right")
    for f in v.fields:
        fields.add_row(
            f.name, f.tp, f.fp, f.fn, f.precision, f.recall, Text(f.f1, style=RICH_BAND[f.band]), f.ci or DASH
        )
    console.print(fields)

    articles = Table(title="articles", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("article", "events tp/fp/fn", "micro F1", "error"):
        articles.add_column(column, justify="right" if column in ("events tp/fp/fn", "micro F1") else "left")
    for a in v.articles:
        articles.add_row(Text(a.article_id), a.events, a.micro_f1, Text(a.error, style="red"))
    console.print(articles)
    console.print(Text("grounding: ", style="bold") + Text(v.grounding_line))
    console.print(Text("cost: ", style="bold") + Text(v.cost_line))
    if v.incident_line is not None:
        console.print(Text("incidents: ", style="bold") + Text(v.incident_line))


def _score_cells(s: CorpusScore) -> list[Text]:
    return [
        _rate_cell(value, interval)
        for value, interval in (
            (s.events.precision, s.events_ci.precision),
            (s.events.recall, s.events_ci.recall),
            (s.events.f1, s.events_ci.f1),
            (s.micro.precision, s.micro_ci.precision),
            (s.micro.recall, s.micro_ci.recall),
            (s.micro.f1, s.micro_ci.f1),
        )
    ]


def print_split_totals(console: Console, totals: Sequence[SplitTotal]) -> None:
    """Event and field-micro P/R/F1 of each split side by side, with their intervals."""
    table = Table(title="by split", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("split", "articles", "event P", "event R", "event F1", "micro P", "micro R", "micro F1"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for row in totals:
        table.add_row(
            Text(row.split, style="bold" if row.split == "all" else ""), str(row.articles), *_score_cells(row.score)
        )
    console.print(table)


def print_split_comparison(console: Console, totals: Mapping[str, Sequence[SplitTotal]]) -> None:
    """Each run's event F1 and field micro F1 per split, side by side (intervals from each split's own bootstrap)."""
    splits = list(dict.fromkeys(row.split for rows in totals.values() for row in rows))
    table = Table(title="by split (F1, 95% CI)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run")
    for split in splits:
        table.add_column(f"{split} event", justify="right")
        table.add_column(f"{split} micro", justify="right")
    for label, rows in totals.items():
        by_split = {row.split: row.score for row in rows}
        cells: list[Text | str] = [label]
        for split in splits:
            s = by_split.get(split)
            if s is None:
                cells += [DASH, DASH]
                continue
            cells += [_rate_cell(s.events.f1, s.events_ci.f1), _rate_cell(s.micro.f1, s.micro_ci.f1)]
        table.add_row(*cells)
    console.print(table)


def _delta_text(delta: DeltaView | None) -> Text | str:
    if delta is None:
        return DASH
    style = ("green" if delta.direction == "up" else "red") if delta.significant else "dim"
    text = Text(delta.delta, style=style)
    text += Text(f" [{delta.low}, {delta.high}]", style="dim")
    if delta.p is not None:
        text += Text(f" p={delta.p}", style="dim")
    if delta.significant:
        text += Text(" *", style=f"bold {style}")
    return text


def print_comparison(console: Console, comparison: Comparison) -> None:
    """Side by side numbers, deltas with intervals, wins per article, flipped events, verdict."""
    v = comparison_view(comparison)
    console.print(Text(f"Comparison · {v.task} · {' vs '.join(v.labels)} · {v.n_articles} articles", style="bold"))
    console.print(Panel(Text(v.caveat), title="caveat", title_align="left", border_style="yellow"))
    for note in v.notes:
        console.print(Text("note: ", style="yellow") + Text(note))

    values = Table(title="scores", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    values.add_column("metric")
    for label in v.labels:
        values.add_column(Text(label), justify="right")
    for row in v.headline:
        values.add_row(row.label, *row.values)
    values.add_section()
    for row in v.costs:
        values.add_row(row.label, *row.values)
    values.add_section()
    for row in v.fields:
        values.add_row(Text(f"F1 {row.label}"), *row.values)
    console.print(values)

    deltas = Table(
        title=f"change vs {v.baseline} ({v.confidence} paired bootstrap CI, paired permutation p; Holm: that p "
        "adjusted for the number of challengers; * = interval excludes 0)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    deltas.add_column("metric")
    for r in v.records:
        deltas.add_column(Text(r.label), justify="right")
    for row in v.headline:
        deltas.add_row(row.label, *(_delta_text(d) for d in row.deltas))
    deltas.add_section()
    for row in v.fields:
        deltas.add_row(Text(f"F1 {row.label}"), *(_delta_text(d) for d in row.deltas))
    console.print(deltas)

    per_article = Table(
        title="per article: micro F1 / event F1 (W/L/T vs baseline)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    per_article.add_column("article")
    for label in v.labels:
        per_article.add_column(Text(label), justify="right")
    for a in v.articles:
        row_cells: list[Text] = []
        for cell in a.cells:
            text = Text(cell.text)
            if cell.outcome is not None:
                text += Text(f" {cell.outcome[0].upper()}", style=f"bold {OUTCOME_STYLE[cell.outcome]}")
            if cell.error is not None:
                text += Text(" error", style="red")
            row_cells.append(text)
        per_article.add_row(Text(a.article_id), *row_cells)
    console.print(per_article)
    console.print(
        Text("  record vs baseline: ")
        + Text(", ".join(f"{r.label} {r.wins}W {r.losses}L {r.ties}T" for r in v.records))
    )

    console.print(Text(f"\nflipped events ({len(v.flips)})", style="bold"))
    if not v.flips:
        console.print(Text("  every version found the same required gold events", style="dim"))
    for flip in v.flips:
        console.print(_flip_text(flip))
    console.print(Panel(Text(v.verdict, style="bold"), title="verdict", title_align="left", border_style="cyan"))


def _flip_text(flip: FlipView) -> Padding:
    head = Text(f"{flip.article_id} {flip.gold_id} ", style="bold") + Text(f"({flip.incident}) ", style="dim")
    head += Text("found by " + ", ".join(flip.found_by), style="green") + Text("; ")
    missed = ", ".join(f"{label} (failed)" if failed else label for label, failed in flip.missed_by)
    head += Text("missed by " + missed, style="red")
    keys = Text(" · ".join(f"{k}: {value}" for k, value in flip.key_fields), style="dim")
    quotes = [Text(f"“{q}”", style="italic") for q in flip.evidence]
    return Padding(Group(head, Padding(Group(keys, *quotes), (0, 0, 0, 2))), (0, 0, 0, 2))


def print_batch_summary(console: Console, result: BatchResult) -> None:
    """One table for a large batch: articles, events, errors, tokens and throughput, instead of every event."""
    records = result.records
    extracted = result.extracted
    errors = [r for r in records if r.status == "error"]
    events = sum(len(r.events) for r in records)
    elapsed = result.elapsed_s
    table = Table(title="batch summary", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("articles", f"{len(records):,} ({len(extracted):,} extracted, {result.kept:,} kept by --resume)")
    table.add_row("events", f"{events:,}")
    table.add_row("errors", Text(f"{len(errors):,}", style="red" if errors else "green"))
    prompt = sum(r.usage.prompt_tokens for r in extracted)
    completion = sum(r.usage.completion_tokens for r in extracted)
    table.add_row("tokens", f"{prompt:,} prompt + {completion:,} completion")
    if elapsed > 0 and extracted:
        table.add_row(
            "throughput",
            f"{len(extracted) / elapsed:,.2f} articles/s, {(prompt + completion) / elapsed:,.0f} tokens/s "
            f"({elapsed:,.1f} s, concurrency {result.concurrency})",
        )
    console.print(table)
    by_type: dict[str, int] = {}
    for record in errors:
        by_type[record.error_type or "error"] = by_type.get(record.error_type or "error", 0) + 1
    if by_type:
        console.print(Text("errors by type: " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())), style="red"))
