"""Rendering only: terminal tables (Rich), Markdown and self-contained HTML.

Nothing here computes a score: every number comes from an
:class:`~extractor.evaluation.EvalRun` or a :class:`~extractor.compare.Comparison`.
The HTML pages are single files: inline CSS, inline SVG, no scripts and no
external resources, so a report can be mailed or archived and still open.
All text that comes from an article, a model or a gold file is escaped.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from extractor.comparators import FieldScore
from extractor.compare import HEADLINE, Comparison, Delta, FlippedEvent
from extractor.evaluation import EvalRun, SplitTotal
from extractor.extract import ArticleRecord
from extractor.gold import GoldArticle
from extractor.scoring import ArticleScore, Counts, Interval, PairResult

if TYPE_CHECKING:
    from extractor.batch_run import BatchResult

# --------------------------------------------------------------------------- shared formatting

DASH = "—"
STATUSES = ("matched", "partial", "missed", "spurious", "optional")
STATUS_TEXT = {
    "matched": "matched",
    "partial": "matched, wrong fields",
    "missed": "missed",
    "spurious": "spurious",
    "optional": "optional",
}
RICH_STATUS = {"matched": "green", "partial": "yellow", "missed": "red", "spurious": "magenta", "optional": "dim"}


def _f(x: float) -> str:
    return f"{x:.3f}"


def _signed(x: float) -> str:
    return f"{x:+.3f}"


def _ci(interval: Interval) -> str:
    return f"{interval.low:.2f}–{interval.high:.2f}"


def _n(x: float) -> str:
    """A count: integral counts without decimals, set-field fractions with two."""
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0")


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _value(value: Any) -> str:
    if value is None or value in ([], ""):
        return DASH
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def _gold_value(options: Sequence[Any]) -> str:
    return " | ".join(_value(option) for option in options) if options else DASH


def pair_class(pair: PairResult) -> str:
    """The colour class of a pair: matched, partial (matched with a wrong field), missed, spurious, optional."""
    if pair.status.startswith("optional"):
        return "optional"
    if pair.status == "matched":
        return "partial" if any(f.fp or f.fn for f in pair.fields) else "matched"
    return pair.status


def _field_mark(field: FieldScore) -> tuple[str, str]:
    """(css class, symbol) for one field result."""
    if field.fp or field.fn:
        return ("f-half", "◐") if field.tp else ("f-wrong", "✗")
    return ("f-ok", "✓") if field.tp else ("f-empty", "·")


def _micro(article: ArticleScore) -> Counts:
    return Counts.total(article.fields.values())


def _counts3(counts: Counts) -> str:
    return f"{_n(counts.tp)}/{_n(counts.fp)}/{_n(counts.fn)}"


def _fields_worst_first(run: EvalRun) -> list[tuple[str, Counts]]:
    order = list(run.score.fields)
    return sorted(run.score.fields.items(), key=lambda item: (item[1].f1, order.index(item[0])))


def _run_title(run: EvalRun) -> str:
    m = run.manifest
    return f"{m.prompt} · {m.model} · {len(run.records)} articles · cassettes {m.cassette_mode}"


def _grounding_line(run: EvalRun) -> str:
    g = run.grounding
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(g.by_status.items())) or "no quotes"
    return (
        f"{g.grounded_events}/{g.events} predicted events have every quote in the article ({_pct(g.rate)}); "
        f"quotes: {statuses}; correct but ungrounded: {g.correct_but_ungrounded}"
    )


def _cost_line(run: EvalRun) -> str:
    c = run.cost
    return (
        f"{c.prompt_tokens_per_article:,.0f} prompt + {c.completion_tokens_per_article:,.0f} completion tokens "
        f"per article · {c.latency_s_per_article:.1f} s per article · {c.reasks} re-ask(s) · "
        f"{c.errors} article error(s)"
    )


def _interval_note(run: EvalRun) -> str:
    s = run.score
    return (
        f"{s.confidence:.0%} intervals: percentile bootstrap over {len(s.articles)} articles "
        f"({s.n_resamples} resamples, seed {s.seed})"
    )


# --------------------------------------------------------------------------- records (extract)


def _when(event: Mapping[str, Any]) -> str:
    if event.get("date"):
        return str(event["date"])
    return f"“{event['date_text']}”" if event.get("date_text") else DASH


def _where(event: Mapping[str, Any]) -> Text:
    location = event.get("location") or {}
    site = location.get("site")
    rest = ", ".join(str(location[k]) for k in ("area", "country") if location.get(k))
    if site and rest:
        return Text(str(site)) + Text(f"\n{rest}", style="dim")
    return Text(str(site or rest or DASH))


def _who(event: Mapping[str, Any]) -> Text:
    text = Text(str(event.get("perpetrator") or DASH))
    attribution = event.get("attribution")
    if attribution and attribution != "none":
        text += Text(f"\n{attribution}", style="dim")
    return text


def _what(event: Mapping[str, Any]) -> str:
    weapons = _value(event.get("weapons"))
    count = event.get("weapon_count")
    return f"{weapons} ×{count}" if count is not None else weapons


def _outcome(event: Mapping[str, Any]) -> str:
    numbers = [f"{event[k]} {k}" for k in ("killed", "injured") if event.get(k) is not None]
    casualties = str(event.get("casualties") or DASH)
    return f"{casualties} ({', '.join(numbers)})" if numbers else casualties


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


def print_records(console: Console, records: Sequence[ArticleRecord]) -> None:
    """One compact table per article: when, where, who, what, outcome, and how many quotes are grounded."""
    for record in records:
        title = Text(f"{record.article_id} · {record.prompt} · {record.model}", style="bold")
        if record.status == "error":
            console.print(title + Text(f": {record.error_type}: {record.error}", style="red"))
            continue
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=True)
        table.add_column("#", justify="right")
        table.add_column("when", no_wrap=True)
        table.add_column("where", ratio=3, overflow="fold")
        table.add_column("who", ratio=2, overflow="fold")
        table.add_column("what", ratio=2, min_width=8, overflow="fold")
        table.add_column("outcome", ratio=2, min_width=8, overflow="fold")
        table.add_column("quotes", justify="right", no_wrap=True)
        for i, event in enumerate(record.events):
            grounding = record.grounding[i] if i < len(record.grounding) else []
            grounded = sum(1 for g in grounding if g.status != "ungrounded")
            style = "green" if grounding and grounded == len(grounding) else "red"
            table.add_row(
                str(i + 1),
                Text(_when(event)),
                _where(event),
                _who(event),
                Text(_what(event)),
                Text(_outcome(event)),
                Text(f"{grounded}/{len(grounding)}", style=style),
            )
        if not record.events:
            table.add_row(DASH, Text("no events"), "", "", "", "", "")
        console.print(table)
        console.print(
            Text(
                f"  {len(record.events)} event(s) · {record.usage.prompt_tokens}+{record.usage.completion_tokens} "
                f"tokens · {record.attempts} attempt(s) · {record.latency_s:.1f}s",
                style="dim",
            )
        )


# --------------------------------------------------------------------------- eval: terminal


def _rate_cell(value: float, interval: Interval) -> Text:
    return Text(_f(value)) + Text(f" {_ci(interval)}", style="dim")


def print_eval(console: Console, run: EvalRun) -> None:
    """Scores with intervals, fields worst first, articles, grounding and cost."""
    s = run.score
    console.print(Text(f"Evaluation · {_run_title(run)}", style="bold"))
    head = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=Text(_interval_note(run), style="dim"))
    head.add_column("")
    head.add_column("tp/fp/fn", justify="right", no_wrap=True)
    for name in ("precision", "recall", "F1"):
        head.add_column(name, justify="right")
    for label, counts, ci in (("events", s.events, s.events_ci), ("fields (micro)", s.micro, s.micro_ci)):
        head.add_row(
            Text(label, style="bold"),
            _counts3(counts),
            _rate_cell(counts.precision, ci.precision),
            _rate_cell(counts.recall, ci.recall),
            _rate_cell(counts.f1, ci.f1),
        )
    console.print(head)

    fields = Table(title="fields, worst first", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("field", "tp", "fp", "fn", "P", "R", "F1", "95% CI"):
        fields.add_column(column, justify="left" if column == "field" else "right")
    for name, counts in _fields_worst_first(run):
        field_ci = s.fields_f1_ci.get(name)
        style = "red" if counts.f1 < 0.5 else "yellow" if counts.f1 < 0.8 else "green"
        fields.add_row(
            name,
            _n(counts.tp),
            _n(counts.fp),
            _n(counts.fn),
            _f(counts.precision),
            _f(counts.recall),
            Text(_f(counts.f1), style=style),
            _ci(field_ci) if field_ci else DASH,
        )
    console.print(fields)

    articles = Table(title="articles", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("article", "events tp/fp/fn", "micro F1", "error"):
        articles.add_column(column, justify="right" if column in ("events tp/fp/fn", "micro F1") else "left")
    for article in s.articles:
        articles.add_row(
            Text(article.article_id),
            _counts3(article.events),
            _f(_micro(article).f1),
            Text(article.error or "", style="red"),
        )
    console.print(articles)
    console.print(Text("grounding: ", style="bold") + Text(_grounding_line(run)))
    console.print(Text("cost: ", style="bold") + Text(_cost_line(run)))


# --------------------------------------------------------------------------- eval: Markdown


def _md(text: object) -> str:
    """Escape what Markdown would otherwise read as a table cell break, HTML or emphasis."""
    out = str(text).replace("\\", "\\\\")
    for ch in "|<*`":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def _md_table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> list[str]:
    spec = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in spec]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


def eval_markdown(run: EvalRun) -> str:
    """The evaluation as Markdown (``report.md``), with every pair's explanation."""
    s, m = run.score, run.manifest
    out = [f"# Evaluation: {_md(m.prompt)}", ""]
    out += [
        f"Model `{m.model}` · backend {_md(m.backend)} · cassettes {_md(m.cassette_mode)} · "
        f"{len(run.records)} articles · started {_md(m.started_at)}"
        + (f" · commit `{m.git_commit}`" if m.git_commit else ""),
        "",
    ]
    rows = []
    for label, counts, ci in (("Events", s.events, s.events_ci), ("Fields (micro)", s.micro, s.micro_ci)):
        rows.append(
            [
                label,
                _n(counts.tp),
                _n(counts.fp),
                _n(counts.fn),
                f"{_f(counts.precision)} ({_ci(ci.precision)})",
                f"{_f(counts.recall)} ({_ci(ci.recall)})",
                f"{_f(counts.f1)} ({_ci(ci.f1)})",
            ]
        )
    out += _md_table(["", "tp", "fp", "fn", "precision", "recall", "F1"], rows, "lrrrrrr")
    out += ["", f"_{_interval_note(run)}._", "", "## Fields, worst first", ""]
    field_rows = [
        [
            name,
            _n(c.tp),
            _n(c.fp),
            _n(c.fn),
            _f(c.precision),
            _f(c.recall),
            _f(c.f1),
            _ci(s.fields_f1_ci[name]) if name in s.fields_f1_ci else DASH,
        ]
        for name, c in _fields_worst_first(run)
    ]
    out += _md_table(["field", "tp", "fp", "fn", "precision", "recall", "F1", "95% CI"], field_rows, "lrrrrrrr")
    out += ["", "## Grounding", "", _md(_grounding_line(run)), "", "## Cost", "", _md(_cost_line(run)), ""]
    out += ["## Articles", ""]
    article_rows = [
        [a.article_id, _counts3(a.events), _f(a.events.f1), _f(_micro(a).f1), a.error or ""] for a in s.articles
    ]
    out += _md_table(["article", "events tp/fp/fn", "event F1", "micro F1", "error"], article_rows, "lrrrl")
    out += ["", "## Why: every pair, article by article", ""]
    for article in s.articles:
        out += _md_article(article)
    return "\n".join(out).rstrip() + "\n"


def _md_article(article: ArticleScore) -> list[str]:
    out = [f"### {_md(article.article_id)}", ""]
    if article.error:
        out += [f"**Prediction failed**, scored as no events: {_md(article.error)}", ""]
    if not article.pairs:
        out += ["No gold events and no predictions.", ""]
    for pair in article.pairs:
        who = []
        if pair.gold_id is not None:
            who.append(f"gold {pair.gold_id} ({pair.incident})")
        if pair.pred_index is not None:
            who.append(f"prediction #{pair.pred_index}")
        status = STATUS_TEXT[pair_class(pair)]
        out.append(f"- **{status}** · {_md(' ↔ '.join(who))}: {_md(pair.explanation)}")
        wrong = [f for f in pair.fields if f.fp or f.fn]
        if pair.status in ("missed", "spurious"):
            # Every stated value of an unpaired event counts the same way: one line says it.
            side = "gold values missed" if pair.status == "missed" else "values with no gold event"
            shown = [
                f"`{f.field}` {_md(_gold_value(f.gold) if pair.status == 'missed' else _value(f.predicted))}"
                for f in wrong
            ]
            out.append(f"  - {len(wrong)} {side}: {', '.join(shown) or 'none'}")
            continue
        if pair.fields:
            out.append(f"  - {len(pair.fields) - len(wrong)} of {len(pair.fields)} fields without error")
        for field in wrong:
            out.append(
                f"  - `{field.field}`: predicted {_md(_value(field.predicted))}, gold {_md(_gold_value(field.gold))}"
                f" (tp {_n(field.tp)}, fp {_n(field.fp)}, fn {_n(field.fn)}): {_md(field.explanation)}"
            )
    out.append("")
    return out


# --------------------------------------------------------------------------- HTML: shared

_CSS = """
:root{--matched:#1a7f37;--matched-bg:#d3f5db;--partial:#b35900;--partial-bg:#ffe9b8;--missed:#cf222e;
--missed-bg:#ffdcdc;--spurious:#8250df;--spurious-bg:#eadcff;--optional:#6e7781;--optional-bg:#e6e9ec;
--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0 auto;
max-width:1240px;padding:20px 28px 60px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);
padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0 0 12px}
table{border-collapse:collapse;margin:6px 0 12px}
th,td{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ci{color:var(--muted);font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:190px}
.card .big{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.fbar{display:inline-block;height:9px;background:#0969da;border-radius:2px;vertical-align:middle}
.barbox{display:inline-block;width:120px;background:#eaeef2;border-radius:2px;margin-right:6px}
.legend{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:8px 0;font-size:13px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.badge.st-matched{background:var(--matched)}
.badge.st-partial{background:var(--partial)}.badge.st-missed{background:var(--missed)}
.badge.st-spurious{background:var(--spurious)}.badge.st-optional{background:var(--optional)}
.article{border-top:3px solid #1f2328;margin-top:34px;padding-top:6px}
.err{background:var(--missed-bg);border-left:4px solid var(--missed);padding:6px 10px;margin:8px 0}
.warn{background:var(--partial-bg);border-left:4px solid var(--partial);padding:6px 10px;margin:8px 0}
.text{white-space:pre-wrap;font:15px/1.75 Georgia,"Times New Roman",serif;background:#fbfbfa;
border:1px solid var(--line);border-radius:6px;padding:14px 18px;max-width:900px}
mark{background:none;color:inherit;padding:1px 0;border-radius:2px}
mark.g-matched{background:var(--matched-bg)}mark.g-partial{background:var(--partial-bg)}
mark.g-missed{background:var(--missed-bg)}mark.g-optional{background:var(--optional-bg)}
mark.p-matched,mark.p-partial,mark.p-spurious,mark.p-optional{text-decoration-line:underline;
text-decoration-thickness:3px;text-underline-offset:4px}
mark.p-matched{text-decoration-color:var(--matched)}mark.p-partial{text-decoration-color:var(--partial)}
mark.p-spurious{text-decoration-color:var(--spurious)}mark.p-optional{text-decoration-color:var(--optional)}
mark[data-label]::before{content:attr(data-label);display:inline-block;
font:600 10px/1 ui-monospace,Menlo,monospace;color:#fff;background:#444c56;border-radius:3px;padding:1px 3px;
margin-right:3px;vertical-align:2px}
.swatch{display:inline-block;width:26px;height:14px;border-radius:3px;vertical-align:middle;margin-right:4px}
.swatch.u{background:none;border-bottom:3px solid}
.pair{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;margin:10px 0;
padding:8px 12px}
.pair.st-matched{border-left-color:var(--matched)}.pair.st-partial{border-left-color:var(--partial)}
.pair.st-missed{border-left-color:var(--missed)}.pair.st-spurious{border-left-color:var(--spurious)}
.pair.st-optional{border-left-color:var(--optional);opacity:.85}
.pair-head{font-weight:600;margin-bottom:6px}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.side{background:#f6f8fa;border-radius:4px;padding:6px 10px}
.side h4{margin:0 0 4px;font-size:13px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.side.none{color:var(--muted);font-style:italic}
.quotes{margin:0;padding-left:18px}.quotes li{margin:2px 0}
.q-ungrounded{color:var(--missed)}.q-tag{font-size:11px;color:var(--muted);margin-left:4px}
table.fields{width:100%;margin-top:8px;font-size:13px}
table.fields td.v{font-family:ui-monospace,Menlo,monospace;font-size:12px}
tr.f-ok td.m{color:var(--matched)}tr.f-wrong td.m{color:var(--missed)}tr.f-half td.m{color:var(--partial)}
tr.f-empty td{color:var(--muted)}
tr.f-wrong{background:#fff5f5}tr.f-half{background:#fffaf0}
td.m{font-weight:700;text-align:center}
td.why{color:var(--muted);font-size:12px}
.why-pair{color:var(--muted);font-size:12px;margin:6px 0 0}
.verdict{font-size:16px;font-weight:600;background:#ddf4ff;border-left:4px solid #0969da;padding:8px 12px}
.caveat{background:var(--partial-bg);border-left:4px solid var(--partial);padding:8px 12px;margin:8px 0}
.sig{font-weight:700}.up{color:var(--matched)}.down{color:var(--missed)}
.chip{display:inline-block;border-radius:10px;padding:0 7px;margin:0 2px;font-size:12px;color:#fff}
.chip.found{background:var(--matched)}.chip.lost{background:var(--missed)}
.flip{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0}
blockquote{margin:4px 0;padding:2px 10px;border-left:3px solid var(--line);color:#333;font-family:Georgia,serif}
svg text{font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: Iterable[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _html_table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] = ()) -> str:
    """A table from already-escaped cell HTML."""
    num = list(numeric) or [False] * len(header)
    head = "".join(f'<th class="num">{h}</th>' if n else f"<th>{h}</th>" for h, n in zip(header, num, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if n else f"<td>{c}</td>" for c, n in zip(row, num, strict=True))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _anchor(article_id: str) -> str:
    return "a-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in article_id)


# --------------------------------------------------------------------------- HTML: highlighting


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of the original text: gold (background) or predicted (underline) evidence."""

    start: int
    end: int
    side: str  # "g" gold, "p" predicted
    status: str  # a STATUSES class
    label: str  # "e1" or "#0"
    key: str  # unique id, e.g. "g:e1:0" (gold e1, first quote) or "p:0:1"
    title: str


def highlight(text: str, spans: Sequence[Span]) -> str:
    """``text`` escaped, with every span marked; overlapping spans split at every boundary.

    Each piece of text between two consecutive boundaries becomes one ``<mark>``
    listing, in ``data-spans``, the keys of every span that covers it, so the
    text of a span is the concatenation of the marks that name it.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = _e(text[a:b])
        active = [s for s in valid if s.start <= a and b <= s.end]
        if not active:
            out.append(piece)
            continue
        gold = [s for s in active if s.side == "g"]
        pred = [s for s in active if s.side == "p"]
        classes = ["hl"]
        if gold:
            classes.append(f"g-{_strongest(gold)}")
        if pred:
            classes.append(f"p-{_strongest(pred)}")
        starting = [s.label for s in active if s.start == a]
        label = f' data-label="{_e(" ".join(dict.fromkeys(starting)))}"' if starting else ""
        keys = " ".join(s.key for s in active)
        title = "; ".join(dict.fromkeys(s.title for s in active))
        out.append(
            f'<mark class="{" ".join(classes)}" data-spans="{_e(keys)}"{label} title="{_e(title)}">{piece}</mark>'
        )
    return "".join(out)


def _strongest(spans: Sequence[Span]) -> str:
    """Where spans of several statuses overlap, the colour of the worst one wins (a miss is not hidden)."""
    order = ("missed", "spurious", "partial", "matched", "optional")
    return min((s.status for s in spans), key=order.index)


def gold_spans(text: str, gold: GoldArticle, status_of: Mapping[str, str]) -> tuple[list[Span], list[str]]:
    """Spans of every gold evidence quote, found by exact ``str.find``; also the quotes not found."""
    spans, missing = [], []
    for event in gold.events:
        status = status_of.get(event.id, "optional" if event.optional else "missed")
        for k, quote in enumerate(event.evidence):
            start = text.find(quote) if quote else -1
            if start < 0:
                missing.append(f"{event.id}: {quote}")
                continue
            title = f"gold {event.id} ({STATUS_TEXT[status]}) · incident {event.incident}"
            spans.append(Span(start, start + len(quote), "g", status, event.id, f"g:{event.id}:{k}", title))
    return spans, missing


def pred_spans(record: ArticleRecord, status_of: Mapping[int, str]) -> list[Span]:
    """Spans of every located predicted quote, at the offsets grounding found in the original file."""
    spans = []
    for i, quotes in enumerate(record.grounding):
        status = status_of.get(i, "spurious")
        for k, quote in enumerate(quotes):
            if quote.start is None or quote.end is None or quote.status == "ungrounded":
                continue
            title = f"predicted #{i} ({STATUS_TEXT[status]}) · quote {quote.status}"
            spans.append(Span(quote.start, quote.end, "p", status, f"#{i}", f"p:{i}:{k}", title))
    return spans


# --------------------------------------------------------------------------- HTML: eval


def _score_cards(run: EvalRun) -> str:
    s, g, c = run.score, run.grounding, run.cost
    cards = [
        (
            "event F1",
            _f(s.events.f1),
            f"95% CI {_ci(s.events_ci.f1)} · P {_f(s.events.precision)} R {_f(s.events.recall)}",
        ),
        (
            "field micro F1",
            _f(s.micro.f1),
            f"95% CI {_ci(s.micro_ci.f1)} · P {_f(s.micro.precision)} R {_f(s.micro.recall)}",
        ),
        (
            "grounded events",
            _pct(g.rate),
            f"{g.grounded_events}/{g.events} · correct but ungrounded {g.correct_but_ungrounded}",
        ),
        (
            "tokens / article",
            f"{c.prompt_tokens_per_article + c.completion_tokens_per_article:,.0f}",
            f"{c.prompt_tokens_per_article:,.0f} prompt + {c.completion_tokens_per_article:,.0f} completion",
        ),
        ("latency / article", f"{c.latency_s_per_article:.1f} s", f"{c.reasks} re-asks · {c.errors} errors"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="label">{_e(label)}</div><div class="big">{_e(big)}</div>'
            f'<div class="ci">{_e(small)}</div></div>'
            for label, big, small in cards
        )
        + "</div>"
    )


def _legend() -> str:
    items = [f'<span><span class="badge st-{st}">{_e(STATUS_TEXT[st])}</span></span>' for st in STATUSES]
    items.append(
        '<span><span class="swatch" style="background:var(--matched-bg)"></span>gold evidence '
        "(background, coloured by the gold event's status)</span>"
    )
    items.append(
        '<span><span class="swatch u" style="border-color:var(--matched)"></span>predicted evidence '
        "(underline, coloured by the prediction's status)</span>"
    )
    return '<div class="legend">' + "".join(items) + "</div>"


def eval_html(run: EvalRun, articles: Mapping[str, str], golds: Mapping[str, GoldArticle]) -> str:
    """A self-contained page: scores, then each article's text with gold and predicted
    evidence highlighted, and its gold and predicted events side by side."""
    s, m = run.score, run.manifest
    body = [
        f"<h1>Evaluation · {_e(m.prompt)}</h1>",
        f'<p class="meta">model {_e(m.model)} · backend {_e(m.backend)} · cassettes {_e(m.cassette_mode)} · '
        f"{len(run.records)} articles · started {_e(m.started_at)}"
        + (f" · commit {_e(m.git_commit)}" if m.git_commit else "")
        + "</p>",
        _score_cards(run),
    ]
    rows = []
    for label, counts, ci in (("events", s.events, s.events_ci), ("fields (micro)", s.micro, s.micro_ci)):
        rows.append(
            [
                f"<b>{label}</b>",
                _n(counts.tp),
                _n(counts.fp),
                _n(counts.fn),
                *(
                    f'{_f(v)} <span class="ci">{_ci(i)}</span>'
                    for v, i in ((counts.precision, ci.precision), (counts.recall, ci.recall), (counts.f1, ci.f1))
                ),
            ]
        )
    body.append(_html_table(["", "tp", "fp", "fn", "precision", "recall", "F1"], rows, [False] + [True] * 6))
    body.append(f'<p class="ci">{_e(_interval_note(run))}</p>')
    body.append("<h2>Fields, worst first</h2>")
    field_rows = []
    for name, c in _fields_worst_first(run):
        field_ci = s.fields_f1_ci.get(name)
        colour = "var(--missed)" if c.f1 < 0.5 else "var(--partial)" if c.f1 < 0.8 else "var(--matched)"
        width = f"width:{c.f1 * 100:.0f}%;background:{colour}"
        bar = f'<span class="barbox"><span class="fbar" style="{width}"></span></span>'
        field_rows.append(
            [
                f"<code>{_e(name)}</code>",
                _n(c.tp),
                _n(c.fp),
                _n(c.fn),
                _f(c.precision),
                _f(c.recall),
                f"{bar}{_f(c.f1)}",
                f'<span class="ci">{_ci(field_ci)}</span>' if field_ci else DASH,
            ]
        )
    body.append(_html_table(["field", "tp", "fp", "fn", "P", "R", "F1", "95% CI"], field_rows, [False] + [True] * 7))
    body.append("<h2>Grounding and cost</h2>")
    body.append(f"<p>{_e(_grounding_line(run))}</p><p>{_e(_cost_line(run))}</p>")
    body.append("<h2>Articles</h2>")
    article_rows = [
        [
            f'<a href="#{_anchor(a.article_id)}">{_e(a.article_id)}</a>',
            _counts3(a.events),
            _f(a.events.f1),
            _f(_micro(a).f1),
            f'<span style="color:var(--missed)">{_e(a.error)}</span>' if a.error else "",
        ]
        for a in s.articles
    ]
    body.append(
        _html_table(
            ["article", "events tp/fp/fn", "event F1", "micro F1", "error"],
            article_rows,
            [False, True, True, True, False],
        )
    )
    body.append(_legend())
    records = {r.article_id: r for r in run.records}
    for article in s.articles:
        body.append(_article_html(article, records.get(article.article_id), articles, golds))
    return _page(f"Evaluation {m.prompt}", body)


def _article_html(
    article: ArticleScore,
    record: ArticleRecord | None,
    articles: Mapping[str, str],
    golds: Mapping[str, GoldArticle],
) -> str:
    gold = golds.get(article.article_id)
    gold_status = {p.gold_id: pair_class(p) for p in article.pairs if p.gold_id is not None}
    pred_status = {p.pred_index: pair_class(p) for p in article.pairs if p.pred_index is not None}
    out = [
        f'<section class="article" id="{_anchor(article.article_id)}">',
        f'<h2>{_e(article.article_id)} <span class="ci">events tp/fp/fn {_counts3(article.events)} · '
        f"event F1 {_f(article.events.f1)} · micro F1 {_f(_micro(article).f1)}</span></h2>",
    ]
    if record is not None and record.title:
        out.append(f'<p class="meta">{_e(record.title)}</p>')
    if article.error:
        out.append(f'<div class="err"><b>Prediction failed</b>, scored as no events: {_e(article.error)}</div>')
    text = articles.get(article.article_id)
    missing: list[str] = []
    if text is None:
        out.append('<div class="warn">The article text was not provided.</div>')
    else:
        spans, missing = gold_spans(text, gold, gold_status) if gold else ([], [])
        if record is not None:
            spans += pred_spans(record, pred_status)
        out.append(f'<div class="text">{highlight(text, spans)}</div>')
    if gold is None:
        out.append('<div class="warn">No gold labels were provided for this article.</div>')
    for quote in missing:
        out.append(f'<div class="warn">Gold evidence not found verbatim in the article: {_e(quote)}</div>')
    out.append("<h3>Gold and predicted events</h3>")
    if not article.pairs:
        out.append('<p class="meta">No gold events and no predictions.</p>')
    for pair in article.pairs:
        out.append(_pair_html(pair, record, gold, text))
    out.append("</section>")
    return "\n".join(out)


def _quotes_gold(gold: GoldArticle | None, gold_id: str, text: str | None) -> str:
    event = next((e for e in gold.events if e.id == gold_id), None) if gold else None
    if event is None:
        return '<p class="meta">evidence not available</p>'
    items = "".join(
        f"<li>“{_e(q)}”</li>"
        if text is None or (q and q in text)
        else f'<li class="q-ungrounded">“{_e(q)}” <span class="q-tag">not in the article</span></li>'
        for q in event.evidence
    )
    return f'<ul class="quotes">{items}</ul>'


def _quotes_pred(record: ArticleRecord | None, index: int) -> str:
    if record is None or index >= len(record.grounding):
        return '<p class="meta">no quotes recorded</p>'
    items = []
    for quote in record.grounding[index]:
        css = ' class="q-ungrounded"' if quote.status == "ungrounded" else ""
        items.append(f'<li{css}>“{_e(quote.quote)}” <span class="q-tag">{_e(quote.status)}</span></li>')
    return f'<ul class="quotes">{"".join(items) or "<li>no evidence quoted</li>"}</ul>'


def _pair_html(pair: PairResult, record: ArticleRecord | None, gold: GoldArticle | None, text: str | None) -> str:
    css = pair_class(pair)
    wrong = sum(1 for f in pair.fields if f.fp or f.fn)
    badge = STATUS_TEXT[css] if css != "partial" else f"matched, {wrong} field(s) wrong"
    head = [f'<span class="badge st-{css}">{_e(badge)}</span>']
    if pair.gold_id is not None:
        head.append(f'gold {_e(pair.gold_id)} <span class="ci">incident {_e(pair.incident)}</span>')
    if pair.pred_index is not None:
        head.append(f"predicted #{pair.pred_index}")
    if pair.similarity is not None:
        head.append(f'<span class="ci">similarity {pair.similarity:.2f}</span>')
    if pair.gold_id is not None:
        quotes = _quotes_gold(gold, pair.gold_id, text)
        gold_side = f'<div class="side"><h4>gold {_e(pair.gold_id)}</h4>{quotes}</div>'
    else:
        gold_side = '<div class="side none"><h4>gold</h4>no gold event</div>'
    if pair.pred_index is not None:
        pred_side = (
            f'<div class="side"><h4>predicted #{pair.pred_index}</h4>{_quotes_pred(record, pair.pred_index)}</div>'
        )
    else:
        pred_side = '<div class="side none"><h4>predicted</h4>not extracted</div>'
    out = [
        f'<div class="pair st-{css}">',
        f'<div class="pair-head">{" · ".join(head)}</div>',
        f'<div class="sides">{gold_side}{pred_side}</div>',
    ]
    if pair.fields:
        rows = []
        for field in pair.fields:
            row_css, symbol = _field_mark(field)
            why = _e(field.explanation) if row_css in ("f-wrong", "f-half") else ""
            rows.append(
                f'<tr class="{row_css}" title="{_e(field.explanation)}"><td><code>{_e(field.field)}</code></td>'
                f'<td class="v">{_e(_gold_value(field.gold))}</td><td class="v">{_e(_value(field.predicted))}</td>'
                f'<td class="m">{symbol}</td><td class="why">{why}</td></tr>'
            )
        out.append(
            '<table class="fields"><thead><tr><th>field</th><th>gold</th><th>predicted</th><th></th>'
            f"<th>why (hover a row for every field)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    elif pair.status.startswith("optional"):
        out.append('<p class="why-pair">Optional gold event: extracting it or not counts nowhere.</p>')
    out.append(f'<p class="why-pair">{_e(pair.explanation)}</p>')
    out.append("</div>")
    return "\n".join(out)


# --------------------------------------------------------------------------- comparison: terminal


def _delta_text(delta: Delta) -> Text:
    style = ("green" if delta.delta > 0 else "red") if delta.significant else "dim"
    text = Text(_signed(delta.delta), style=style)
    text += Text(f" [{_signed(delta.interval.low)}, {_signed(delta.interval.high)}]", style="dim")
    if delta.p_value is not None:
        text += Text(f" p={delta.p_value:.3f}", style="dim")
    if delta.significant:
        text += Text(" *", style=f"bold {style}")
    return text


def _cost_rows(comparison: Comparison) -> list[tuple[str, list[str]]]:
    versions = comparison.versions
    return [
        (
            "tokens/article",
            [f"{v.prompt_tokens_per_article:,.0f}+{v.completion_tokens_per_article:,.0f}" for v in versions],
        ),
        ("latency/article", [f"{v.latency_s_per_article:.1f} s" for v in versions]),
        ("re-asks", [str(v.reasks) for v in versions]),
        ("article errors", [str(v.errors) for v in versions]),
        ("correct, ungrounded", [str(v.correct_but_ungrounded) for v in versions]),
    ]


def print_comparison(console: Console, comparison: Comparison) -> None:
    """Side by side numbers, deltas with intervals, wins per article, flipped events, verdict."""
    c = comparison
    console.print(Text(f"Comparison · {c.task} · {' vs '.join(c.labels)} · {c.n_articles} articles", style="bold"))
    console.print(Panel(Text(c.caveat), title="caveat", title_align="left", border_style="yellow"))
    for note in c.notes:
        console.print(Text("note: ", style="yellow") + Text(note))

    values = Table(title="scores", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    values.add_column("metric")
    for v in c.versions:
        values.add_column(Text(v.label), justify="right")
    for name, label in HEADLINE.items():
        values.add_row(label, *(_f(v.metric(name)) for v in c.versions))
    values.add_section()
    for label, cells in _cost_rows(c):
        values.add_row(label, *cells)
    values.add_section()
    for name in c.versions[0].fields:
        values.add_row(Text(f"F1 {name}"), *(_f(v.fields[name].f1) if name in v.fields else DASH for v in c.versions))
    console.print(values)

    deltas = Table(
        title=f"change vs {c.baseline} ({c.confidence:.0%} paired bootstrap CI, paired permutation p; "
        "* = interval excludes 0)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    deltas.add_column("metric")
    for d in c.deltas:
        deltas.add_column(Text(d.label), justify="right")
    for name, label in HEADLINE.items():
        deltas.add_row(label, *(_delta_text(d.headline[name]) for d in c.deltas))
    deltas.add_section()
    for name in c.versions[0].fields:
        deltas.add_row(
            Text(f"F1 {name}"), *(_delta_text(d.fields[name]) if name in d.fields else DASH for d in c.deltas)
        )
    console.print(deltas)

    per_article = Table(
        title="per article: micro F1 / event F1 (W/L/T vs baseline)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    per_article.add_column("article")
    for label in c.labels:
        per_article.add_column(Text(label), justify="right")
    outcome_style = {"win": "green", "loss": "red", "tie": "dim"}
    for a in c.articles:
        row_cells: list[Text] = []
        for label in c.labels:
            cell = Text(f"{a.micro_f1[label]:.2f} / {a.event_f1[label]:.2f}")
            if label in a.outcomes:
                cell += Text(f" {a.outcomes[label][0].upper()}", style=f"bold {outcome_style[a.outcomes[label]]}")
            if label in a.errors:
                cell += Text(" error", style="red")
            row_cells.append(cell)
        per_article.add_row(Text(a.article_id), *row_cells)
    console.print(per_article)
    console.print(
        Text("  record vs baseline: ") + Text(", ".join(f"{d.label} {d.wins}W {d.losses}L {d.ties}T" for d in c.deltas))
    )

    console.print(Text(f"\nflipped events ({len(c.flips)})", style="bold"))
    if not c.flips:
        console.print(Text("  every version found the same required gold events", style="dim"))
    for flip in c.flips:
        console.print(_flip_text(flip))
    console.print(Panel(Text(c.verdict, style="bold"), title="verdict", title_align="left", border_style="cyan"))


def _flip_text(flip: FlippedEvent) -> Padding:
    head = Text(f"{flip.article_id} {flip.gold_id} ", style="bold") + Text(f"({flip.incident}) ", style="dim")
    head += Text("found by " + ", ".join(flip.found_by), style="green") + Text("; ")
    missed = ", ".join(f"{label} (failed)" if label in flip.failed else label for label in flip.missed_by)
    head += Text("missed by " + missed, style="red")
    keys = Text(" · ".join(f"{k}: {v or DASH}" for k, v in flip.key_fields.items()), style="dim")
    quotes = [Text(f"“{q}”", style="italic") for q in flip.evidence]
    return Padding(Group(head, Padding(Group(keys, *quotes), (0, 0, 0, 2))), (0, 0, 0, 2))


# --------------------------------------------------------------------------- comparison: HTML

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def field_chart_svg(comparison: Comparison) -> str:
    """A grouped bar chart of each field's F1, one bar per version, as inline SVG."""
    fields = list(dict.fromkeys(name for v in comparison.versions for name in v.fields))
    versions = comparison.versions
    bar, gap = 14, 18
    group = bar * len(versions) + gap
    left, top, plot_h, bottom = 52, 44, 220, 110
    width = left + max(1, len(fields)) * group + 20
    height = top + plot_h + bottom
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="F1 of each field by version">',
        f'<text x="{left}" y="18" font-size="14" font-weight="600">F1 of each field, by version</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#d0d7de"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#57606a">{tick:.2f}</text>'
        )
    parts.append(
        f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="12" text-anchor="middle" fill="#57606a" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">F1</text>'
    )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#57606a"/>'
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#57606a"/>'
    )
    for g, name in enumerate(fields):
        x0 = left + g * group + gap / 2
        for k, version in enumerate(versions):
            counts = version.fields.get(name)
            f1 = counts.f1 if counts is not None else 0.0
            h = plot_h * f1 if math.isfinite(f1) else 0.0
            x, y = x0 + k * bar, top + plot_h - h
            shown = _f(f1) if counts is not None else "not scored"
            parts.append(
                f'<rect class="bar" data-field="{_e(name)}" data-version="{_e(version.label)}" x="{x:.1f}" '
                f'y="{y:.1f}" width="{bar - 2}" height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{_e(name)} · {_e(version.label)}: F1 {shown}</title></rect>"
            )
        cx = x0 + bar * len(versions) / 2
        ly = top + plot_h + 12
        parts.append(
            f'<text x="{cx:.1f}" y="{ly}" font-size="11" text-anchor="end" '
            f'transform="rotate(-40 {cx:.1f} {ly})">{_e(name)}</text>'
        )
    lx = width - 20 - 90 * len(versions)
    for k, version in enumerate(versions):
        x = lx + 90 * k
        parts.append(
            f'<rect x="{x}" y="26" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="36" font-size="12">{_e(version.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _delta_html(delta: Delta) -> str:
    direction = "up" if delta.delta > 0 else "down" if delta.delta < 0 else ""
    mark = ' <span class="sig" title="the interval excludes 0">★</span>' if delta.significant else ""
    css = f"sig {direction}" if delta.significant else ""
    return (
        f'<span class="{css}">{_signed(delta.delta)}</span>{mark} '
        f'<span class="ci">[{_signed(delta.interval.low)}, {_signed(delta.interval.high)}]</span>'
        + (f' <span class="ci">p={delta.p_value:.3f}</span>' if delta.p_value is not None else "")
    )


def comparison_html(comparison: Comparison) -> str:
    """A self-contained comparison page: verdict, caveat, side-by-side numbers with deltas,
    a bar chart of field F1, wins per article and the events that flipped."""
    c = comparison
    body = [
        f"<h1>Comparison · {_e(c.task)} · {_e(' vs '.join(c.labels))}</h1>",
        f'<p class="meta">{c.n_articles} articles · baseline {_e(c.baseline)} · {c.confidence:.0%} paired bootstrap '
        f"intervals ({c.n_resamples} resamples, seed {c.seed}) · ★ = interval excludes 0</p>",
        f'<div class="verdict">{_e(c.verdict)}</div>',
        f'<div class="caveat"><b>Caveat.</b> {_e(c.caveat)}</div>',
    ]
    if c.notes:
        body.append(
            '<div class="warn"><b>Notes</b><ul>' + "".join(f"<li>{_e(n)}</li>" for n in c.notes) + "</ul></div>"
        )
    header = ["metric"]
    for v in c.versions:
        header.append(_e(v.label) + (' <span class="ci">baseline</span>' if v.label == c.baseline else ""))
        if v.label != c.baseline:
            header.append(f"Δ {_e(v.label)}")
    numeric = [False] + [True] * (len(header) - 1)

    def row(label: str, values: Sequence[str], deltas: Sequence[str]) -> list[str]:
        cells = [label, values[0]]
        for value, delta in zip(values[1:], deltas, strict=True):
            cells += [value, delta]
        return cells

    rows = [
        row(
            _e(label),
            [_f(v.metric(name)) for v in c.versions],
            [_delta_html(d.headline[name]) for d in c.deltas],
        )
        for name, label in HEADLINE.items()
    ]
    rows += [row(_e(label), [_e(x) for x in cells], [""] * len(c.deltas)) for label, cells in _cost_rows(c)]
    body.append("<h2>Side by side</h2>")
    body.append(_html_table(header, rows, numeric))
    body.append("<h2>Fields</h2>")
    body.append(field_chart_svg(c))
    field_rows = []
    for name in dict.fromkeys(n for v in c.versions for n in v.fields):
        field_rows.append(
            row(
                f"<code>{_e(name)}</code>",
                [_f(v.fields[name].f1) if name in v.fields else DASH for v in c.versions],
                [_delta_html(d.fields[name]) if name in d.fields else DASH for d in c.deltas],
            )
        )
    body.append(_html_table(["field F1", *header[1:]], field_rows, numeric))
    body.append("<h2>Per article</h2>")
    body.append(
        '<p class="meta">micro F1 / event F1; W, L, T = win, loss or tie against the baseline '
        "(micro F1 decides, event F1 breaks a tie). Record: "
        + _e(", ".join(f"{d.label} {d.wins} W, {d.losses} L, {d.ties} T" for d in c.deltas))
        + "</p>"
    )
    badge = {"win": ("W", "st-matched"), "loss": ("L", "st-missed"), "tie": ("T", "st-optional")}
    article_rows = []
    for a in c.articles:
        cells = [_e(a.article_id)]
        for label in c.labels:
            cell = f"{a.micro_f1[label]:.2f} / {a.event_f1[label]:.2f}"
            if label in a.outcomes:
                letter, css = badge[a.outcomes[label]]
                cell += f' <span class="badge {css}">{letter}</span>'
            if label in a.errors:
                cell += f' <span class="badge st-missed" title="{_e(a.errors[label])}">error</span>'
            cells.append(cell)
        article_rows.append(cells)
    body.append(
        _html_table(["article", *(_e(label) for label in c.labels)], article_rows, [False] + [True] * len(c.labels))
    )
    body.append(f"<h2>Flipped events ({len(c.flips)})</h2>")
    if not c.flips:
        body.append('<p class="meta">Every version found the same required gold events.</p>')
    for flip in c.flips:
        body.append(_flip_html(flip))
    body.append("<h2>Runs</h2>")
    run_rows = [
        [
            _e(v.label),
            _e(v.prompt),
            f"<code>{_e(v.prompt_sha256[:12])}</code>",
            _e(v.model),
            f"<code>{_e(v.schema_sha256[:12])}</code>",
            _e(f"{v.backend} / {v.cassette_mode}"),
            _e(", ".join(f"{k}={val}" for k, val in v.params.items())),
            _e(v.git_commit or DASH),
        ]
        for v in c.versions
    ]
    body.append(
        _html_table(["label", "prompt", "prompt sha", "model", "schema sha", "backend", "params", "commit"], run_rows)
    )
    return _page(f"Comparison {' vs '.join(c.labels)}", body)


def _flip_html(flip: FlippedEvent) -> str:
    found = "".join(f'<span class="chip found">{_e(label)}</span>' for label in flip.found_by)
    missed = "".join(
        f'<span class="chip lost">{_e(label)}{" (failed)" if label in flip.failed else ""}</span>'
        for label in flip.missed_by
    )
    keys = " · ".join(f"<code>{_e(k)}</code> {_e(v or DASH)}" for k, v in flip.key_fields.items())
    quotes = "".join(f"<blockquote>“{_e(q)}”</blockquote>" for q in flip.evidence)
    return (
        f'<div class="flip"><b>{_e(flip.article_id)}</b> · gold {_e(flip.gold_id)} '
        f'<span class="ci">incident {_e(flip.incident)}</span><br>found by {found} · missed by {missed}'
        f'<div class="meta">{keys}</div>{quotes}</div>'
    )


def print_split_totals(console: Console, totals: Sequence[SplitTotal]) -> None:
    """Event and field-micro P/R/F1 of each split side by side, with their intervals."""
    table = Table(title="by split", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("split", "articles", "event P", "event R", "event F1", "micro P", "micro R", "micro F1"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for row in totals:
        s = row.score
        table.add_row(
            Text(row.split, style="bold" if row.split == "all" else ""),
            str(row.articles),
            _rate_cell(s.events.precision, s.events_ci.precision),
            _rate_cell(s.events.recall, s.events_ci.recall),
            _rate_cell(s.events.f1, s.events_ci.f1),
            _rate_cell(s.micro.precision, s.micro_ci.precision),
            _rate_cell(s.micro.recall, s.micro_ci.recall),
            _rate_cell(s.micro.f1, s.micro_ci.f1),
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
