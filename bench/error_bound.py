"""Where a run's field errors come from, and how far a perfect filter of its spurious events would take it.

    python bench/error_bound.py RUN [RUN ...]

No model runs: each RUN is what ``extractor eval --prompt vN --split S --out RUN`` wrote (replayed from the
cassettes). The scorer's alignment already says, for every field count, whether it belongs to an event matched to
the gold, to a spurious event (no gold event) or to a missed one (no prediction). Printed per run:

- the field counts (tp, fp, fn) and micro F1 as scored, and the event counts;
- the false positives of spurious events and of matched ones, the false negatives of missed events and of matched
  ones;
- the micro F1 and event F1 **without the spurious events**: what a rule that dropped every spurious event and no
  other could reach, read off the gold. It is the bound of any precision rule applied after the answers: the
  missed events' fields stay missed.

The README quotes it for v17 ("Rules from dev's spurious events").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.errors import RunDirError  # noqa: E402
from extractor.evaluation.scoring import Counts, rates  # noqa: E402
from extractor.evaluation.suite import EvalRun, load_run  # noqa: E402

_GOLD_ONLY = frozenset({"missed", "optional_missed"})


class ErrorSources(BaseModel):
    """A run's field and event counts, split by the alignment status of the pair they belong to."""

    model_config = ConfigDict(frozen=True)

    label: str
    articles: int
    fields: Counts  # as scored
    events: Counts  # as scored
    fp_spurious: float  # field false positives of events with no gold event
    fn_missed: float  # field false negatives of gold events with no prediction
    spurious_events: int
    missed_events: int

    @property
    def fp_matched(self) -> float:
        return self.fields.fp - self.fp_spurious

    @property
    def fn_matched(self) -> float:
        return self.fields.fn - self.fn_missed

    @property
    def micro_f1(self) -> float:
        return f1(self.fields.tp, self.fields.fp, self.fields.fn)

    @property
    def micro_f1_without_spurious(self) -> float:
        return f1(self.fields.tp, self.fp_matched, self.fields.fn)

    @property
    def event_f1_without_spurious(self) -> float:
        return f1(self.events.tp, self.events.fp - self.spurious_events, self.events.fn)


def f1(tp: float, fp: float, fn: float) -> float:
    """F1 by the scorer's own :func:`rates` (1.0 when there is nothing to find and nothing found)."""
    return float(rates(tp, fp, fn)[2])


def error_sources(run: EvalRun) -> ErrorSources:
    fp_spurious = fn_missed = 0.0
    spurious = missed = 0
    for article in run.score.articles:
        for pair in article.pairs:
            if pair.status == "spurious":
                fp_spurious += sum(field.fp for field in pair.fields)
                spurious += 1
            elif pair.status in _GOLD_ONLY:
                fn_missed += sum(field.fn for field in pair.fields)
                missed += pair.status == "missed"
    return ErrorSources(
        label=run.label,
        articles=len(run.score.articles),
        fields=run.score.micro,
        events=run.score.events,
        fp_spurious=fp_spurious,
        fn_missed=fn_missed,
        spurious_events=spurious,
        missed_events=missed,
    )


def report(sources: ErrorSources) -> str:
    fields, events, s = sources.fields, sources.events, sources
    return "\n".join(
        [
            f"{s.label} on {s.articles} articles",
            f"  fields: tp {fields.tp:g}, fp {fields.fp:g}, fn {fields.fn:g}: micro F1 {s.micro_f1:.3f}",
            f"  events: tp {events.tp:g}, fp {events.fp:g}, fn {events.fn:g}: "
            f"event F1 {f1(events.tp, events.fp, events.fn):.3f}",
            f"  fp: {s.fp_spurious:g} of {s.spurious_events} spurious events, {s.fp_matched:g} of matched events",
            f"  fn: {s.fn_missed:g} of {s.missed_events} missed events, {s.fn_matched:g} of matched events",
            f"  without the spurious events: micro F1 {s.micro_f1_without_spurious:.3f}, "
            f"event F1 {s.event_f1_without_spurious:.3f}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="`extractor eval` run directories")
    args = parser.parse_args()
    try:
        print("\n".join(report(error_sources(load_run(path))) for path in args.runs))
    except RunDirError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
