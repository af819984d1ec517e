"""Rendering: what a reader sees is what the scores say, highlighted at the right characters,
escaped, and self-contained.

The HTML is parsed (``html.parser``), not grepped: a highlighted span's text is rebuilt
from the ``<mark>`` pieces that name it in ``data-spans``, however the overlaps split it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from html.parser import HTMLParser
from itertools import product

import pytest
from markupsafe import escape
from rich.console import Console

from extractor.evaluation.compare import Comparison, compare_runs
from extractor.evaluation.gold import GoldArticle
from extractor.evaluation.incidents import evaluate_incidents
from extractor.evaluation.suite import EvalRun
from extractor.extraction.grounding import Grounding
from extractor.extraction.records import ArticleRecord
from extractor.reporting.report import (
    STATUSES,
    Span,
    comparison_html,
    eval_html,
    eval_markdown,
    highlight,
    print_comparison,
    print_eval,
    print_records,
)
from extractor.tasks import ATTACKS
from tests.evaluation.test_compare import (
    E1_QUOTE,
    E2_QUOTE,
    E3_QUOTE,
    GOLDS,
    K1,
    PUBLISHED,
    article_text,
    asad,
    gold_event,
    k1,
    make_run,
    prediction,
    run_a,
    run_b,
    run_c,
    tanf,
)
from tests.evaluation.test_scoring import ASAD, TANF

# --------------------------------------------------------------------------- a run with every status

ERBIL_QUOTE = "Separately, a drone hit Erbil air base on Friday."
HOSTILE = "<script>alert(1)</script> & <img src=x onerror=alert(2)> https://example.com/x.png"
# a1 starts its e1 quote mid-sentence and runs into e2's: it overlaps both gold quotes.
OVERLAP = E1_QUOTE[10:] + " " + E2_QUOTE[:30]


def _texts() -> dict[str, str]:
    return {
        "a0": article_text("a0") + ERBIL_QUOTE + "\n",
        "a1": f"{HOSTILE}\n\n" + article_text("a1") + ERBIL_QUOTE + "\n",
    }


def _golds() -> dict[str, GoldArticle]:
    a1 = GoldArticle(
        article="a1.txt",
        published=PUBLISHED,
        events=[
            gold_event("e1", TANF, E1_QUOTE, "a1-tanf"),
            gold_event("e2", ASAD, E2_QUOTE, "a1-asad"),
            gold_event("e3", K1, E3_QUOTE, "2019-12-27-k1", optional=True),
        ],
    )
    return {"a0": GOLDS["a0"], "a1": a1}


def erbil() -> dict[str, object]:
    values = {
        "date": dt.date(2023, 10, 20),
        "location.site": "Erbil air base",
        "location.country": "Iraq",
        "attribution": "none",
        "weapons": ["drone"],
        "casualties": "unknown",
        "target": "<img src=y onerror=alert(3)>",
    }
    return prediction(values, [ERBIL_QUOTE])


def every_status_run() -> EvalRun:
    """a0: e1 matched, e2 missed, optional e3 matched.
    a1: e1 matched with a wrong weapon_count (partial), e2 missed, optional e3 missed, Erbil spurious."""
    wrong = tanf(weapon_count=3)
    wrong["evidence"] = [OVERLAP, "a quote the article does not contain"]
    predictions = {"a0": [tanf(), k1()], "a1": [wrong, erbil()]}
    return make_run("v2", predictions, golds=_golds(), texts=_texts())


@pytest.fixture(scope="module")
def run() -> EvalRun:
    return every_status_run()


@pytest.fixture(scope="module")
def page(run: EvalRun) -> str:
    return eval_html(run, _texts(), _golds())


class Marks(HTMLParser):
    """Per article: the text of the ``.text`` block, and each highlighted span's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.article: str | None = None
        self.in_text = False
        self.keys: list[str] = []
        self.texts: dict[str, str] = defaultdict(str)
        self.spans: dict[tuple[str, str], str] = defaultdict(str)
        self.mark_classes: set[str] = set()
        self.labels: dict[str, list[str]] = defaultdict(list)
        self.pair_classes: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        classes = (a.get("class") or "").split()
        if tag == "section" and "article" in classes:
            self.article = (a.get("id") or "").removeprefix("a-")
        if tag == "div" and "text" in classes:
            self.in_text = True
        if tag == "div" and "pair" in classes:
            self.pair_classes.update(c for c in classes if c.startswith("st-"))
        if tag == "mark" and self.in_text:
            self.keys = (a.get("data-spans") or "").split()
            self.mark_classes.update(classes)
            if a.get("data-label") and self.article:
                self.labels[self.article].append(a["data-label"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self.keys = []
        if tag == "div" and self.in_text:
            self.in_text = False

    def handle_data(self, data: str) -> None:
        if not self.in_text or self.article is None:
            return
        self.texts[self.article] += data
        for key in self.keys:
            self.spans[(self.article, key)] += data


def parse(page: str) -> Marks:
    parser = Marks()
    parser.feed(page)
    parser.close()
    return parser


# --------------------------------------------------------------------------- eval HTML


def test_the_run_has_every_status(run: EvalRun) -> None:
    statuses = [[p.status for p in a.pairs] for a in run.score.articles]
    assert statuses == [
        ["matched", "missed", "optional_matched"],
        ["matched", "missed", "optional_missed", "spurious"],
    ]


def test_eval_html_highlights_exactly_the_evidence(page: str) -> None:
    marks = parse(page)
    texts = _texts()
    # The text block is the whole article, escaped and highlighted, with nothing lost or repeated.
    assert marks.texts == texts
    a1 = texts["a1"]
    o = a1.find(OVERLAP)
    erbil_at = a1.find(ERBIL_QUOTE)
    expected = {
        # gold quotes, found by exact str.find in the original text
        ("a0", "g:e1:0"): E1_QUOTE,
        ("a0", "g:e2:0"): E2_QUOTE,
        ("a0", "g:e3:0"): E3_QUOTE,
        ("a1", "g:e1:0"): E1_QUOTE,
        ("a1", "g:e2:0"): E2_QUOTE,
        ("a1", "g:e3:0"): E3_QUOTE,
        # predicted quotes, at their grounding offsets (a1's #0 overlaps e1 and e2; its second quote is ungrounded)
        ("a0", "p:0:0"): E1_QUOTE,
        ("a0", "p:1:0"): E3_QUOTE,
        ("a1", "p:0:0"): a1[o : o + len(OVERLAP)],
        ("a1", "p:1:0"): a1[erbil_at : erbil_at + len(ERBIL_QUOTE)],
    }
    assert dict(marks.spans) == expected
    assert expected[("a1", "p:0:0")] == OVERLAP
    # Every span is labelled once, where it starts.
    assert sorted(" ".join(marks.labels["a1"]).split()) == ["#0", "#1", "e1", "e2", "e3"]


def test_eval_html_colours_every_status(page: str) -> None:
    marks = parse(page)
    assert marks.pair_classes == {f"st-{s}" for s in STATUSES}
    # Gold background by the gold event's status, prediction underline by the prediction's.
    assert {"g-matched", "g-partial", "g-missed", "g-optional"} <= marks.mark_classes
    assert {"p-matched", "p-partial", "p-spurious", "p-optional"} <= marks.mark_classes
    for status, colour in (("matched", "#1a7f37"), ("missed", "#cf222e"), ("spurious", "#8250df")):
        assert f"--{status}:{colour}" in page
        assert f".pair.st-{status}{{border-left-color:var(--{status})}}" in page


def test_eval_html_escapes_article_and_model_text(page: str) -> None:
    marks = parse(page)
    assert not any(tag in {"script", "img"} for tag, _ in marks.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=y onerror=alert(3)&gt;" in page  # a predicted field value
    assert HOSTILE in marks.texts["a1"]  # shown to the reader as written


def _external_references(page: str) -> list[str]:
    attribute = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""", page, flags=re.IGNORECASE)
    css = re.findall(r"""url\(\s*["']?\s*(?:https?:)?//[^)]*\)""", page, flags=re.IGNORECASE)
    imports = re.findall(r"@import", page)
    return attribute + css + imports


def test_eval_html_is_self_contained(page: str) -> None:
    assert _external_references(page) == []
    tags = {tag for tag, _ in parse(page).tags}
    assert not tags & {"script", "link", "iframe", "img", "object", "embed"}
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert "https://example.com/x.png" in page  # the article's own text, escaped, not fetched
    # The detector itself finds what it is meant to find.
    assert _external_references('<img src="https://x/y.png"><a href=//cdn.x><b style="background:url(http://z)">')


def test_eval_html_shows_the_explanations(run: EvalRun, page: str) -> None:
    wrong = next(f for f in run.score.articles[1].pairs[0].fields if f.field == "weapon_count")
    assert escape(wrong.explanation) in page  # inline for a wrong field
    assert "a quote the article does not contain" in page  # the ungrounded predicted quote is listed
    assert "ungrounded" in page
    assert escape(run.score.articles[1].pairs[3].explanation) in page  # why the spurious one matched nothing


def test_eval_html_reports_gold_evidence_missing_from_the_text(run: EvalRun) -> None:
    golds = _golds()
    # Exact str.find: a quote that differs only in case is not in the article.
    lowered = E1_QUOTE.lower()
    broken = golds["a0"].model_copy(
        update={"events": [golds["a0"].events[0].model_copy(update={"evidence": [lowered]})]}
    )
    page = eval_html(run, _texts(), {**golds, "a0": broken})
    assert f"Gold evidence not found verbatim in the article: e1: {lowered}" in page
    assert ("a0", "g:e1:0") not in parse(page).spans


def test_eval_html_without_article_text_or_gold_still_renders(run: EvalRun) -> None:
    page = eval_html(run, {}, {})
    assert "The article text was not provided." in page
    assert "No gold labels were provided" in page


# --------------------------------------------------------------------------- highlight()


def _span(start: int, end: int, key: str, side: str = "g", status: str = "matched") -> Span:
    return Span(start, end, side, status, key, key, key)


def test_highlight_splits_overlaps_at_every_boundary() -> None:
    text = "abcdefghij"
    spans = [_span(1, 6, "A"), _span(3, 9, "B", "p"), _span(3, 9, "C", "p"), _span(4, 5, "D"), _span(8, 20, "bad")]
    marks = parse(f'<section class="article" id="a-x"><div class="text">{highlight(text, spans)}</div></section>')
    assert marks.texts["x"] == text
    assert {key: value for (_, key), value in marks.spans.items()} == {
        "A": "bcdef",
        "B": "defghi",
        "C": "defghi",
        "D": "e",
    }


def test_highlight_marks_the_worst_status_where_statuses_overlap() -> None:
    marked = highlight("abcd", [_span(0, 4, "A", status="matched"), _span(1, 3, "B", status="missed")])
    assert '<mark class="hl g-missed"' in marked
    assert marked.count("<mark") == 3  # a | bc | d


def test_highlight_escapes() -> None:
    assert highlight("<b>&", []) == "&lt;b&gt;&amp;"
    assert ">&lt;b&gt;</mark>" in highlight("<b>&", [_span(0, 3, "A")])


# --------------------------------------------------------------------------- Markdown


def test_markdown_has_the_headline_numbers_and_explanations(run: EvalRun) -> None:
    md = eval_markdown(run)
    s = run.score
    # Events: a0 tp 1, fn 1; a1 tp 1, fp 1, fn 1 -> P 2/3, R 1/2, F1 4/7.
    assert (s.events.tp, s.events.fp, s.events.fn) == (2, 1, 2)
    assert f"| Events | 2 | 1 | 2 | {2 / 3:.3f} (" in md
    assert f"{s.events.recall:.3f} ({s.events_ci.recall.low:.2f}–{s.events_ci.recall.high:.2f})" in md
    assert f"{4 / 7:.3f} ({s.events_ci.f1.low:.2f}–{s.events_ci.f1.high:.2f})" in md
    assert f"{s.micro.f1:.3f} ({s.micro_ci.f1.low:.2f}–{s.micro_ci.f1.high:.2f})" in md
    assert "`weapon_count`: predicted 3, gold 2 (tp 0, fp 1, fn 1): wrong value (exact)" in md
    assert "**spurious** · prediction #1" in md
    assert "\\<img src=y onerror=alert(3)>" in md  # escaped, not live HTML
    # Fields worst first: weapon_count (a1 wrong) comes before injured (always right).
    table = md[md.index("## Fields, worst first") : md.index("## Grounding")]
    assert table.index("| weapon_count |") < table.index("| injured |")
    assert "1/2 predicted" not in md  # grounding reports events, not a made-up ratio
    g = run.grounding
    assert f"{g.grounded_events}/{g.events} predicted events" in md


# --------------------------------------------------------------------------- terminal


def _console() -> Console:
    return Console(record=True, width=80, force_terminal=False, color_system=None)


def test_print_eval_fits_80_columns_and_has_the_numbers(run: EvalRun) -> None:
    console = _console()
    print_eval(console, run)
    out = console.export_text()
    assert max(len(line) for line in out.splitlines()) <= 80
    assert f"{run.score.events.f1:.3f}" in out
    assert f"{run.score.micro.f1:.3f}" in out
    assert "correct but ungrounded: 1" in out
    start = out.index("fields, worst first")
    fields = out[start : out.index("\narticles", start)]
    assert fields.index("weapon_count") < fields.index("injured")


def test_print_records_still_prints_events_and_errors() -> None:
    records = every_status_run().records + run_c().records
    error = next(r for r in records if r.status == "error")
    console = _console()
    print_records(console, [records[0], error], ATTACKS.columns)
    out = console.export_text()
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "al-Tanf" in out
    assert "garrison" in out
    assert "drone ×2" in out
    assert "InvalidOutputError: still invalid after 2 re-asks" in " ".join(out.split())
    assert "2 event(s)" in out


def test_print_records_does_not_read_markup_in_values() -> None:
    record = every_status_run().records[0]
    event = dict(record.events[0], perpetrator="[red]x[/]")
    console = _console()
    print_records(console, [ArticleRecord.model_validate({**record.model_dump(), "events": [event]})], ATTACKS.columns)
    assert "[red]x[/]" in console.export_text()


# --------------------------------------------------------------------------- comparison


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare_runs([run_a(), run_b(), run_c()], GOLDS, n_resamples=500)


def test_comparison_html_chart_has_one_bar_per_field_and_version(comparison: Comparison) -> None:
    page = comparison_html(comparison)
    tags = parse(page).tags
    assert sum(tag == "svg" for tag, _ in tags) == 1
    bars = [a for tag, a in tags if tag == "rect" and a.get("class") == "bar"]
    fields = list(comparison.versions[0].fields)
    assert len(bars) == len(fields) * len(comparison.labels)
    assert {(b["data-field"], b["data-version"]) for b in bars} == set(product(fields, comparison.labels))
    # Bar heights are the F1 values to scale: v2's weapon_count (0.8) is 0.8 of a full bar.
    height = {(b["data-field"], b["data-version"]): float(b["height"] or 0) for b in bars}
    full = height[("killed", "v1")]
    assert full > 0
    assert height[("weapon_count", "v2")] / full == pytest.approx(0.8, abs=0.01)
    assert height[("date", "v1")] / full == pytest.approx(0.75, abs=0.01)
    # Axis and legend: every field name and every label is written in the chart.
    svg = page[page.index("<svg") : page.index("</svg>")]
    for name in (*fields, *comparison.labels, "F1"):
        assert f">{name}<" in svg


def test_comparison_html_shows_deltas_caveat_verdict_and_flips(comparison: Comparison) -> None:
    page = comparison_html(comparison)
    assert _external_references(page) == []
    assert comparison.caveat in page
    assert comparison.verdict in page
    significant = sum(d.significant for v in comparison.deltas for d in (*v.headline.values(), *v.fields.values()))
    assert significant > 0
    assert page.count('title="the interval excludes 0"') == significant
    assert page.count('class="flip"') == len(comparison.flips) == 6
    assert E2_QUOTE in page
    assert "v3 (failed)" in page
    assert page.count('class="badge st-matched">W<') == 4 + 2  # v2 wins 4, v3 wins 2


def test_print_comparison(comparison: Comparison) -> None:
    console = _console()
    print_comparison(console, comparison)
    out = console.export_text()
    assert max(len(line) for line in out.splitlines()) <= 80
    flat = " ".join(out.split())
    assert comparison.caveat in flat.replace("│ ", "").replace(" │", "")
    assert "v2 wins on field micro F1" in flat
    d = comparison.deltas_of("v2").headline["event_f1"]
    assert f"+0.250 [{d.interval.low:+.3f}, {d.interval.high:+.3f}] *" in out
    assert "v2 4W 1L 0T, v3 2W 2L 1T" in out
    assert "a3 e1 (a3-tanf) found by v1, v2; missed by v3 (failed)" in out
    assert "“Two drones struck the al-Tanf garrison on Monday, officials said.”" in out


def test_grounded_quote_offsets_drive_the_highlight(run: EvalRun) -> None:
    """A prediction is highlighted where grounding located it, not where its text first occurs."""
    text = "Drones hit. Drones hit.\n"
    record = run.records[0].model_copy(
        update={
            "events": [tanf()],
            "grounding": [[Grounding(quote="Drones hit.", status="exact", start=12, end=23)]],
        }
    )
    score = run.score.model_copy(update={"articles": [run.score.articles[0]]})
    one = run.model_copy(update={"records": [record], "score": score})
    marks = parse(eval_html(one, {"a0": text}, {}))
    assert marks.spans[("a0", "p:0:0")] == "Drones hit."
    before_mark = eval_html(one, {"a0": text}, {}).split('<div class="text">')[1].split("<mark")[0]
    assert before_mark == "Drones hit. "
    assert asad()["evidence"] == [E2_QUOTE]


# --------------------------------------------------------------------------- incidents

SCRIPT_QUOTE = "<script>alert(1)</script>"


def incident_run() -> EvalRun:
    """The every-status run with its incidents scored; a1's Erbil prediction also quotes the hostile line."""
    hostile_erbil = erbil()
    hostile_erbil["evidence"] = [ERBIL_QUOTE, SCRIPT_QUOTE]
    wrong = tanf(weapon_count=3)
    predictions = {"a0": [tanf(), k1()], "a1": [wrong, hostile_erbil]}
    run = make_run("v2", predictions, golds=_golds(), texts=_texts())
    return run.model_copy(update={"incidents": evaluate_incidents(run.records, _golds())})


class Incidents(HTMLParser):
    """Per incident section: its member sources, and the text of each highlighted quote in their excerpts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list[tuple[str, int]]] = []
        self.marks: dict[tuple[str, int, str], str] = defaultdict(str)
        self.tags: list[str] = []
        self.member: tuple[str, int] | None = None
        self.keys: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        classes = (a.get("class") or "").split()
        if tag == "section":
            self.member = None
            if "incident" in classes:
                self.sections.append([])
        if tag == "div" and "member" in classes and self.sections:
            self.member = (a.get("data-article") or "", int(a.get("data-event") or -1))
            self.sections[-1].append(self.member)
        if tag == "mark" and self.member is not None:
            self.keys = (a.get("data-spans") or "").split()

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self.keys = []

    def handle_data(self, data: str) -> None:
        if self.member is None:
            return
        for key in self.keys:
            self.marks[(*self.member, key)] += data


def parse_incidents(page: str) -> Incidents:
    parser = Incidents()
    parser.feed(page)
    parser.close()
    return parser


def test_incident_line_in_markdown_html_and_terminal() -> None:
    run = incident_run()
    assert run.incidents is not None
    s = run.incidents.scores
    figures = [
        f"{run.incidents.events} extracted events → {len(run.incidents.incidents)} incidents",
        f"{run.incidents.gold_events} events in {run.incidents.gold_incidents} incidents",
        f"over {s.events} gold-aligned events",
        f"pairwise P {s.pairwise_precision:.3f} R {s.pairwise_recall:.3f} F1 {s.pairwise_f1:.3f}",
        f"B-cubed P {s.bcubed_precision:.3f} R {s.bcubed_recall:.3f} F1 {s.bcubed_f1:.3f}",
    ]
    md = eval_markdown(run)
    section = md[md.index("## Incidents") : md.index("## Articles")]
    page = eval_html(run, _texts(), _golds(), ATTACKS.columns)
    line = page[page.index('<p class="incident-line">') :].split("</p>")[0]
    console = _console()
    print_eval(console, run)
    terminal = " ".join(console.export_text().split())
    for figure in figures:
        assert figure in section
        assert figure in line
        assert figure in terminal
    # A run without incident scores says nothing about incidents.
    bare = run.model_copy(update={"incidents": None})
    assert "## Incidents" not in eval_markdown(bare)
    assert "incident-line" not in eval_html(bare, _texts(), _golds())


def test_incident_view_lists_each_incident_with_its_sources() -> None:
    run = incident_run()
    assert run.incidents is not None
    parsed = parse_incidents(eval_html(run, _texts(), _golds(), ATTACKS.columns))
    expected = sorted(sorted(m.ref for m in incident.members) for incident in run.incidents.incidents)
    assert sorted(sorted(section) for section in parsed.sections) == expected
    # The two reports of the al-Tanf attack, one per article, are one incident shown side by side.
    assert [("a0", 0), ("a1", 0)] in [sorted(section) for section in parsed.sections]


def test_incident_view_highlights_each_source_s_evidence_escaped() -> None:
    run = incident_run()
    page = eval_html(run, _texts(), _golds(), ATTACKS.columns)
    parsed = parse_incidents(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    texts = _texts()
    for record in run.records:
        for index, quotes in enumerate(record.grounding):
            for k, quote in enumerate(quotes):
                if quote.start is None or quote.end is None:
                    continue
                # Each source's excerpt marks its own quotes at their grounded offsets, as written.
                assert (
                    parsed.marks[(record.article_id, index, f"p:{index}:{k}")]
                    == texts[record.article_id][quote.start : quote.end]
                )
    assert parsed.marks[("a1", 1, "p:1:1")] == SCRIPT_QUOTE
    incidents = page[page.index("Incidents, source by source") : page.index('<div class="legend">')]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in incidents
    assert SCRIPT_QUOTE not in page
