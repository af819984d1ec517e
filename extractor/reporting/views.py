"""What a report shows, computed once: plain, typed rows of formatted text.

The terminal (Rich), Markdown and HTML renderers in ``report.py`` and ``templates/``
draw the same rows, so a number, a phrase or a colour band is decided here and
nowhere else. Nothing here computes a score: every number comes from an
:class:`~extractor.evaluation.suite.EvalRun` or a :class:`~extractor.evaluation.compare.Comparison`.
Text is kept raw; each renderer escapes it for its own medium.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from extractor.comparators import FieldScore
from extractor.evaluation.bootstrap import Interval
from extractor.evaluation.compare import HEADLINE, Comparison, Delta, FlippedEvent, chosen_on_note
from extractor.evaluation.gold import GoldArticle
from extractor.evaluation.incidents import IncidentEval, IncidentMember, ref_key
from extractor.evaluation.scoring import ArticleScore, CorpusScore, Counts, MetricIntervals, PairResult
from extractor.evaluation.suite import EvalRun
from extractor.extraction.records import ArticleRecord
from extractor.fields import flatten
from extractor.plain import DASH, value_text
from extractor.tasks import Column

STATUSES = ("matched", "partial", "missed", "spurious", "optional")
STATUS_TEXT = {
    "matched": "matched",
    "partial": "matched, wrong fields",
    "missed": "missed",
    "spurious": "spurious",
    "optional": "optional",
}
Band = Literal["low", "mid", "high"]

# --------------------------------------------------------------------------- formatting


def fmt(x: float) -> str:
    return f"{x:.3f}"


def signed(x: float) -> str:
    return f"{x:+.3f}"


def ci_text(interval: Interval) -> str:
    return f"{interval.low:.2f}–{interval.high:.2f}"


def count(x: float) -> str:
    """A count: integral counts without decimals, set-field fractions with two."""
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0")


def pct(x: float) -> str:
    return f"{x:.0%}"


def gold_value_text(options: Sequence[Any]) -> str:
    return " | ".join(value_text(option) for option in options) if options else DASH


def band(f1: float) -> Band:
    """The colour band of an F1: below 0.5 is low, below 0.8 middling."""
    return "low" if f1 < 0.5 else "mid" if f1 < 0.8 else "high"


def counts3(counts: Counts) -> str:
    return f"{count(counts.tp)}/{count(counts.fp)}/{count(counts.fn)}"


def micro(article: ArticleScore) -> Counts:
    return Counts.total(article.fields.values())


def anchor(article_id: str) -> str:
    return "a-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in article_id)


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


# --------------------------------------------------------------------------- shared rows


@dataclass(frozen=True)
class Rate:
    value: str
    ci: str


@dataclass(frozen=True)
class HeadlineRow:
    label: str  # "events" or "fields (micro)"
    tp: str
    fp: str
    fn: str
    precision: Rate
    recall: Rate
    f1: Rate

    @property
    def counts(self) -> str:
        return f"{self.tp}/{self.fp}/{self.fn}"


def headline_rows(score: CorpusScore) -> list[HeadlineRow]:
    def row(label: str, c: Counts, ci: MetricIntervals) -> HeadlineRow:
        return HeadlineRow(
            label,
            count(c.tp),
            count(c.fp),
            count(c.fn),
            Rate(fmt(c.precision), ci_text(ci.precision)),
            Rate(fmt(c.recall), ci_text(ci.recall)),
            Rate(fmt(c.f1), ci_text(ci.f1)),
        )

    return [row("events", score.events, score.events_ci), row("fields (micro)", score.micro, score.micro_ci)]


@dataclass(frozen=True)
class Segment:
    """A stretch of article text between two highlight boundaries; ``keys`` empty: not highlighted."""

    text: str
    classes: str = ""
    keys: str = ""
    label: str = ""  # the labels of the spans that start here
    title: str = ""


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


def segments(text: str, spans: Sequence[Span]) -> list[Segment]:
    """``text`` cut at every span boundary; overlapping spans split there.

    Each piece between two consecutive boundaries lists, in ``keys``, every span that
    covers it, so the text of a span is the concatenation of the pieces that name it.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    out = []
    for a, b in itertools.pairwise(cuts):
        active = [s for s in valid if s.start <= a and b <= s.end]
        if not active:
            out.append(Segment(text[a:b]))
            continue
        gold = [s for s in active if s.side == "g"]
        pred = [s for s in active if s.side == "p"]
        classes = ["hl"]
        if gold:
            classes.append(f"g-{_strongest(gold)}")
        if pred:
            classes.append(f"p-{_strongest(pred)}")
        starting = [s.label for s in active if s.start == a]
        out.append(
            Segment(
                text[a:b],
                " ".join(classes),
                " ".join(s.key for s in active),
                " ".join(dict.fromkeys(starting)),
                "; ".join(dict.fromkeys(s.title for s in active)),
            )
        )
    return out


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


def pred_spans(record: ArticleRecord, status_of: Mapping[int, str], only: int | None = None) -> list[Span]:
    """Spans of every located predicted quote (of event ``only``, if given), at the offsets grounding found."""
    spans = []
    for i, quotes in enumerate(record.grounding):
        if only is not None and i != only:
            continue
        status = status_of.get(i, "spurious")
        for k, quote in enumerate(quotes):
            if quote.start is None or quote.end is None or not quote.located:
                continue
            title = f"predicted #{i} ({STATUS_TEXT[status]}) · quote {quote.status}"
            spans.append(Span(quote.start, quote.end, "p", status, f"#{i}", f"p:{i}:{k}", title))
    return spans


# --------------------------------------------------------------------------- eval


@dataclass(frozen=True)
class FieldRow:
    name: str
    tp: str
    fp: str
    fn: str
    precision: str
    recall: str
    f1: str
    f1_percent: str  # the bar's width
    ci: str | None
    band: Band


@dataclass(frozen=True)
class ArticleRow:
    article_id: str
    anchor: str
    events: str  # tp/fp/fn
    event_f1: str
    micro_f1: str
    error: str


@dataclass(frozen=True)
class Card:
    label: str
    big: str
    small: str


@dataclass(frozen=True)
class Quote:
    text: str
    ungrounded: bool
    tag: str = ""  # the grounding status, or why the quote is flagged


@dataclass(frozen=True)
class FieldView:
    field: str
    gold: str
    predicted: str
    css: str
    symbol: str
    wrong: bool
    explanation: str
    tp: str
    fp: str
    fn: str


@dataclass(frozen=True)
class PairView:
    css: str  # a STATUSES class
    status: str  # the scorer's own status: matched, missed, spurious, optional_matched, optional_missed
    badge: str
    gold_id: str | None
    incident: str | None
    pred_index: int | None
    similarity: str | None
    gold_quotes: list[Quote] | None  # None: the gold event is not available
    pred_quotes: list[Quote] | None  # None: no quotes recorded
    fields: list[FieldView]
    explanation: str

    @property
    def wrong(self) -> list[FieldView]:
        return [f for f in self.fields if f.wrong]

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.css]


@dataclass(frozen=True)
class ArticleSection:
    row: ArticleRow
    title: str | None
    segments: list[Segment] | None  # None: the article text was not provided
    has_gold: bool
    missing_quotes: list[str]
    pairs: list[PairView]


@dataclass(frozen=True)
class Cell:
    """A table cell of the task's own phrasing: a value and a dimmer detail line."""

    value: str
    detail: str


@dataclass(frozen=True)
class MemberView:
    """One report of an incident: the extracted event, where it was read, and its evidence."""

    article_id: str
    anchor: str
    index: int
    title: str | None
    published: str | None
    gold_incident: str | None  # the gold incident of the gold event it aligned to, if any
    cells: list[tuple[str, Cell]]  # (column header, cell)
    segments: list[Segment] | None  # the article text with this event's evidence highlighted
    quotes: list[Quote]


@dataclass(frozen=True)
class IncidentView:
    id: str
    members: list[MemberView]
    disagreements: list[tuple[str, str]]  # (field, every value stated)

    @property
    def articles(self) -> int:
        return len({m.article_id for m in self.members})


@dataclass(frozen=True)
class EvalView:
    prompt: str
    model: str
    backend: str
    cassette_mode: str
    started_at: str
    git_commit: str | None
    n_articles: int
    title: str
    interval_note: str
    headline: list[HeadlineRow]
    cards: list[Card]
    fields: list[FieldRow]
    grounding_line: str
    cost_line: str
    incident_line: str | None  # None: the run has no incident scores
    articles: list[ArticleRow]
    sections: list[ArticleSection]
    incidents: list[IncidentView]
    chosen_on: str | None = None  # the articles chose the task's prompts and rules (compare.chosen_on_note)


def _grounding_line(run: EvalRun) -> str:
    g = run.grounding
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(g.by_status.items())) or "no quotes"
    return (
        f"{g.grounded_events}/{g.events} predicted events have every quote in the article ({pct(g.rate)}); "
        f"quotes: {statuses}; correct but ungrounded: {g.correct_but_ungrounded}"
    )


def latency_text(seconds: float, untimed: int) -> str:
    """The mean latency of the timed articles, and how many were not timed: a mean over fewer articles is no mean
    over all (a child version's cassettes keep no time where the parent's exchanges were dropped)."""
    return f"{seconds:.1f} s" + (f" ({untimed} untimed)" if untimed else "")


def _cost_line(run: EvalRun) -> str:
    c = run.cost
    return (
        f"{c.prompt_tokens_per_article:,.0f} prompt + {c.completion_tokens_per_article:,.0f} completion tokens "
        f"per article · {latency_text(c.latency_s_per_article, c.untimed)} per article · {c.reasks} re-ask(s) · "
        f"{c.errors} article error(s)"
    )


def incident_line(incidents: IncidentEval) -> str:
    return (
        f"{incidents.events} extracted events → {len(incidents.incidents)} incidents "
        f"(gold: {incidents.gold_events} events in {incidents.gold_incidents} incidents); " + incidents.scores.summary()
    )


def _cards(run: EvalRun) -> list[Card]:
    s, g, c = run.score, run.grounding, run.cost
    return [
        Card(
            "event F1",
            fmt(s.events.f1),
            f"95% CI {ci_text(s.events_ci.f1)} · P {fmt(s.events.precision)} R {fmt(s.events.recall)}",
        ),
        Card(
            "field micro F1",
            fmt(s.micro.f1),
            f"95% CI {ci_text(s.micro_ci.f1)} · P {fmt(s.micro.precision)} R {fmt(s.micro.recall)}",
        ),
        Card(
            "grounded events",
            pct(g.rate),
            f"{g.grounded_events}/{g.events} · correct but ungrounded {g.correct_but_ungrounded}",
        ),
        Card(
            "tokens / article",
            f"{c.prompt_tokens_per_article + c.completion_tokens_per_article:,.0f}",
            f"{c.prompt_tokens_per_article:,.0f} prompt + {c.completion_tokens_per_article:,.0f} completion",
        ),
        Card(
            "latency / article",
            latency_text(c.latency_s_per_article, c.untimed),
            f"{c.reasks} re-asks · {c.errors} errors",
        ),
    ]


def _field_rows(score: CorpusScore) -> list[FieldRow]:
    order = list(score.fields)
    worst_first = sorted(score.fields.items(), key=lambda item: (item[1].f1, order.index(item[0])))
    rows = []
    for name, c in worst_first:
        field_ci = score.fields_f1_ci.get(name)
        rows.append(
            FieldRow(
                name,
                count(c.tp),
                count(c.fp),
                count(c.fn),
                fmt(c.precision),
                fmt(c.recall),
                fmt(c.f1),
                f"{c.f1 * 100:.0f}",
                ci_text(field_ci) if field_ci else None,
                band(c.f1),
            )
        )
    return rows


def _article_row(a: ArticleScore) -> ArticleRow:
    return ArticleRow(
        a.article_id, anchor(a.article_id), counts3(a.events), fmt(a.events.f1), fmt(micro(a).f1), a.error or ""
    )


def _gold_quotes(gold: GoldArticle | None, gold_id: str, text: str | None) -> list[Quote] | None:
    event = next((e for e in gold.events if e.id == gold_id), None) if gold else None
    if event is None:
        return None
    return [
        Quote(q, False) if text is None or (q and q in text) else Quote(q, True, "not in the article")
        for q in event.evidence
    ]


def _pred_quotes(record: ArticleRecord | None, index: int) -> list[Quote] | None:
    if record is None or index >= len(record.grounding):
        return None
    return [Quote(q.quote, not q.located, q.status) for q in record.grounding[index]]


def _pair_view(pair: PairResult, record: ArticleRecord | None, gold: GoldArticle | None, text: str | None) -> PairView:
    css = pair_class(pair)
    fields = []
    for f in pair.fields:
        row_css, symbol = _field_mark(f)
        fields.append(
            FieldView(
                f.field,
                gold_value_text(f.gold),
                value_text(f.predicted),
                row_css,
                symbol,
                bool(f.fp or f.fn),
                f.explanation,
                count(f.tp),
                count(f.fp),
                count(f.fn),
            )
        )
    wrong = sum(f.wrong for f in fields)
    return PairView(
        css=css,
        status=pair.status,
        badge=STATUS_TEXT[css] if css != "partial" else f"matched, {wrong} field(s) wrong",
        gold_id=pair.gold_id,
        incident=pair.incident,
        pred_index=pair.pred_index,
        similarity=f"{pair.similarity:.2f}" if pair.similarity is not None else None,
        gold_quotes=_gold_quotes(gold, pair.gold_id, text) if pair.gold_id is not None else None,
        pred_quotes=_pred_quotes(record, pair.pred_index) if pair.pred_index is not None else None,
        fields=fields,
        explanation=pair.explanation,
    )


def _pred_status(article: ArticleScore | None) -> dict[int, str]:
    if article is None:
        return {}
    return {p.pred_index: pair_class(p) for p in article.pairs if p.pred_index is not None}


def _section(
    article: ArticleScore, record: ArticleRecord | None, text: str | None, gold: GoldArticle | None
) -> ArticleSection:
    gold_status = {p.gold_id: pair_class(p) for p in article.pairs if p.gold_id is not None}
    missing: list[str] = []
    marked = None
    if text is not None:
        spans, missing = gold_spans(text, gold, gold_status) if gold else ([], [])
        if record is not None:
            spans += pred_spans(record, _pred_status(article))
        marked = segments(text, spans)
    return ArticleSection(
        row=_article_row(article),
        title=record.title if record is not None else None,
        segments=marked,
        has_gold=gold is not None,
        missing_quotes=missing,
        pairs=[_pair_view(p, record, gold, text) for p in article.pairs],
    )


def event_cells(event: Mapping[str, Any], columns: Sequence[Column]) -> list[tuple[str, Cell]]:
    """An event as the task phrases it; a task without columns shows each stored field as it is."""
    if columns:
        return [(c.header, Cell(*c.cell(event))) for c in columns]
    return [(name, Cell(value_text(value), "")) for name, value in flatten(event).items() if name != "evidence"]


def _incident_views(
    incidents: IncidentEval,
    records: Mapping[str, ArticleRecord],
    scores: Mapping[str, ArticleScore],
    texts: Mapping[str, str],
    columns: Sequence[Column],
) -> list[IncidentView]:
    def member(m: IncidentMember) -> MemberView:
        record = records.get(m.article_id)
        event = record.events[m.index] if record is not None and m.index < len(record.events) else {}
        text = texts.get(m.article_id)
        marked = None
        if text is not None and record is not None:
            marked = segments(text, pred_spans(record, _pred_status(scores.get(m.article_id)), only=m.index))
        return MemberView(
            article_id=m.article_id,
            anchor=anchor(m.article_id),
            index=m.index,
            title=m.title,
            published=m.published.isoformat() if m.published else None,
            gold_incident=incidents.gold_keys.get(ref_key(m.ref)),
            cells=event_cells(event, columns),
            segments=marked,
            quotes=_pred_quotes(record, m.index) or [],
        )

    return [
        IncidentView(
            id=incident.id,
            members=[member(m) for m in incident.members],
            disagreements=[
                (name, " | ".join(value_text(v) for v in values)) for name, values in incident.disagreements.items()
            ],
        )
        # Incidents reported more than once first: they are what the view is for.
        for incident in sorted(incidents.incidents, key=lambda i: -len(i.members))
    ]


def eval_view(
    run: EvalRun,
    texts: Mapping[str, str] | None = None,
    golds: Mapping[str, GoldArticle] | None = None,
    columns: Sequence[Column] = (),
    tuned_on: Sequence[str] = (),
) -> EvalView:
    """Every row an eval report shows; ``texts`` and ``golds`` (by article id) feed the per-article sections;
    ``tuned_on`` (``Task.tuned_on``) says whether the run's split is one the task's prompts were chosen on."""
    texts, golds = texts or {}, golds or {}
    s, m = run.score, run.manifest
    records = {r.article_id: r for r in run.records}
    scores = {a.article_id: a for a in s.articles}
    return EvalView(
        prompt=m.prompt,
        model=m.model,
        backend=m.backend,
        cassette_mode=m.cassette_mode,
        started_at=m.started_at,
        git_commit=m.git_commit,
        n_articles=len(run.records),
        title=f"{m.prompt} · {m.model} · {len(run.records)} articles · cassettes {m.cassette_mode}"
        + ("" if m.text_check else " · without the text check"),
        interval_note=(
            f"{s.confidence:.0%} intervals: percentile bootstrap over {len(s.articles)} articles "
            f"({s.n_resamples} resamples, seed {s.seed})"
        ),
        headline=headline_rows(s),
        cards=_cards(run),
        fields=_field_rows(s),
        grounding_line=_grounding_line(run),
        cost_line=_cost_line(run),
        incident_line=incident_line(run.incidents) if run.incidents is not None else None,
        articles=[_article_row(a) for a in s.articles],
        sections=[
            _section(a, records.get(a.article_id), texts.get(a.article_id), golds.get(a.article_id)) for a in s.articles
        ],
        incidents=(
            _incident_views(run.incidents, records, scores, texts, columns) if run.incidents is not None else []
        ),
        chosen_on=chosen_on_note({m.split}, tuned_on),
    )


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class DeltaView:
    delta: str
    low: str
    high: str
    p: str | None
    significant: bool
    direction: Literal["up", "down", ""]


def _p_text(d: Delta) -> str | None:
    """The permutation p-value, and beside it the adjusted one where several challengers made it differ."""
    if d.p_value is None:
        return None
    if d.p_adjusted is None or abs(d.p_adjusted - d.p_value) < 5e-4:
        return f"{d.p_value:.3f}"
    return f"{d.p_value:.3f}, Holm {d.p_adjusted:.3f}"


def _delta(d: Delta) -> DeltaView:
    return DeltaView(
        signed(d.delta),
        signed(d.interval.low),
        signed(d.interval.high),
        _p_text(d),
        d.significant,
        "up" if d.delta > 0 else "down" if d.delta < 0 else "",
    )


@dataclass(frozen=True)
class CompareRow:
    label: str
    values: list[str]  # one per version, baseline first
    deltas: list[DeltaView | None]  # one per non-baseline version; None: not scored by both; empty: no deltas


@dataclass(frozen=True)
class VersionCell:
    text: str  # micro F1 / event F1
    outcome: str | None  # win, loss or tie against the baseline
    error: str | None


@dataclass(frozen=True)
class ArticleCompareRow:
    article_id: str
    cells: list[VersionCell]


@dataclass(frozen=True)
class Record:
    label: str
    wins: int
    losses: int
    ties: int


@dataclass(frozen=True)
class FlipView:
    article_id: str
    gold_id: str
    incident: str
    found_by: list[str]
    missed_by: list[tuple[str, bool]]  # (label, its prediction failed outright)
    key_fields: list[tuple[str, str]]
    evidence: list[str]


@dataclass(frozen=True)
class RunRow:
    label: str
    prompt: str
    prompt_sha: str
    model: str
    schema_sha: str
    backend: str
    params: str
    commit: str


@dataclass(frozen=True)
class Bar:
    field: str
    version: str
    x: str
    y: str
    width: int
    height: str
    fill: str
    shown: str


@dataclass(frozen=True)
class BarGroup:
    """One field's bars and where its axis label goes."""

    name: str
    x: str
    y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """A grouped bar chart of each field's F1, one bar per version; coordinates ready for SVG."""

    width: int
    height: int
    left: int
    top: int
    bottom_y: int
    right: int
    mid_y: str
    ticks: list[tuple[str, str, str]]  # (y, label y, label)
    groups: list[BarGroup]
    legend: list[tuple[int, str, str]]  # (x, colour, label)


PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _chart(comparison: Comparison, fields: Sequence[str]) -> Chart:
    versions = comparison.versions
    bar, gap = 14, 18
    group = bar * len(versions) + gap
    left, top, plot_h, bottom = 52, 44, 220, 110
    width = left + max(1, len(fields)) * group + 20
    ticks = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        ticks.append((f"{y:.1f}", f"{y + 4:.1f}", f"{tick:.2f}"))
    groups = []
    for g, name in enumerate(fields):
        x0 = left + g * group + gap / 2
        bars = []
        for k, version in enumerate(versions):
            counts = version.fields.get(name)
            f1 = counts.f1 if counts is not None else 0.0
            h = plot_h * f1 if math.isfinite(f1) else 0.0
            bars.append(
                Bar(
                    name,
                    version.label,
                    f"{x0 + k * bar:.1f}",
                    f"{top + plot_h - h:.1f}",
                    bar - 2,
                    f"{h:.1f}",
                    PALETTE[k % len(PALETTE)],
                    fmt(f1) if counts is not None else "not scored",
                )
            )
        groups.append(BarGroup(name, f"{x0 + bar * len(versions) / 2:.1f}", top + plot_h + 12, bars))
    lx = width - 20 - 90 * len(versions)
    return Chart(
        width=width,
        height=top + plot_h + bottom,
        left=left,
        top=top,
        bottom_y=top + plot_h,
        right=width - 10,
        mid_y=f"{top + plot_h / 2:.1f}",
        ticks=ticks,
        groups=groups,
        legend=[(lx + 90 * k, PALETTE[k % len(PALETTE)], v.label) for k, v in enumerate(versions)],
    )


@dataclass(frozen=True)
class ComparisonView:
    task: str
    labels: list[str]
    baseline: str
    n_articles: int
    confidence: str
    n_resamples: int
    seed: int
    verdict: str
    caveat: str
    notes: list[str]
    headline: list[CompareRow]
    costs: list[CompareRow]
    fields: list[CompareRow]  # label: the field's dotted name
    articles: list[ArticleCompareRow]
    records: list[Record]
    flips: list[FlipView]
    runs: list[RunRow]
    chart: Chart


def _flip(flip: FlippedEvent) -> FlipView:
    return FlipView(
        flip.article_id,
        flip.gold_id,
        flip.incident,
        list(flip.found_by),
        [(label, label in flip.failed) for label in flip.missed_by],
        [(k, v or DASH) for k, v in flip.key_fields.items()],
        list(flip.evidence),
    )


def comparison_view(comparison: Comparison) -> ComparisonView:
    """Every row a comparison report shows."""
    c = comparison
    versions = c.versions
    fields = list(dict.fromkeys(name for v in versions for name in v.fields))
    costs = [
        (
            "tokens/article",
            [f"{v.prompt_tokens_per_article:,.0f}+{v.completion_tokens_per_article:,.0f}" for v in versions],
        ),
        ("latency/article", [latency_text(v.latency_s_per_article, v.untimed) for v in versions]),
        ("re-asks", [str(v.reasks) for v in versions]),
        ("article errors", [str(v.errors) for v in versions]),
        ("correct, ungrounded", [str(v.correct_but_ungrounded) for v in versions]),
    ]
    return ComparisonView(
        task=c.task,
        labels=list(c.labels),
        baseline=c.baseline,
        n_articles=c.n_articles,
        confidence=f"{c.confidence:.0%}",
        n_resamples=c.n_resamples,
        seed=c.seed,
        verdict=c.verdict,
        caveat=c.caveat,
        notes=list(c.notes),
        headline=[
            CompareRow(label, [fmt(v.metric(name)) for v in versions], [_delta(d.headline[name]) for d in c.deltas])
            for name, label in HEADLINE.items()
        ],
        costs=[CompareRow(label, cells, []) for label, cells in costs],
        fields=[
            CompareRow(
                name,
                [fmt(v.fields[name].f1) if name in v.fields else DASH for v in versions],
                [_delta(d.fields[name]) if name in d.fields else None for d in c.deltas],
            )
            for name in fields
        ],
        articles=[
            ArticleCompareRow(
                a.article_id,
                [
                    VersionCell(
                        f"{a.micro_f1[label]:.2f} / {a.event_f1[label]:.2f}", a.outcomes.get(label), a.errors.get(label)
                    )
                    for label in c.labels
                ],
            )
            for a in c.articles
        ],
        records=[Record(d.label, d.wins, d.losses, d.ties) for d in c.deltas],
        flips=[_flip(f) for f in c.flips],
        runs=[
            RunRow(
                v.label,
                v.prompt,
                v.prompt_sha256[:12],
                v.model,
                v.schema_sha256[:12],
                f"{v.backend} / {v.cassette_mode}",
                ", ".join(f"{k}={val}" for k, val in v.params.items()),
                v.git_commit or DASH,
            )
            for v in versions
        ],
        chart=_chart(c, fields),
    )
