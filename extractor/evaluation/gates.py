"""Quality gates for CI: thresholds on a run's scores, and regressions between runs.

Pure: a gate takes scores and returns the failures as one-line messages, each naming
the metric, the measured value and the bound, so a CI log says why a job failed. The
CLI turns a non-empty list into :class:`~extractor.errors.QualityGateError`.

Metric names for ``--fail-under`` (``METRIC=VALUE``):

* ``event_precision``, ``event_recall``, ``event_f1``: events aligned to gold;
* ``micro_precision``, ``micro_recall``, ``micro_f1`` (also ``field_micro_f1``): every
  field's counts summed;
* a scored field's dotted path (``location.site``, ``killed``) for its F1, or the path with
  ``.precision`` / ``.recall`` / ``.f1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from extractor.errors import ExtractorError, InputError, error_class
from extractor.evaluation.compare import Comparison
from extractor.evaluation.scoring import CorpusScore, Counts
from extractor.extraction.records import ArticleRecord

_RATES = ("precision", "recall", "f1")
_ALIASES = {
    "field_micro_f1": "micro_f1",
    "field_micro_precision": "micro_precision",
    "field_micro_recall": "micro_recall",
}


@dataclass(frozen=True)
class Threshold:
    metric: str
    bound: float

    def __str__(self) -> str:
        return f"{self.metric}={self.bound:g}"


def parse_threshold(text: str) -> Threshold:
    """``"event_f1=0.6"`` as a :class:`Threshold`; a malformed one is an :class:`InputError`."""
    name, sep, value = text.partition("=")
    name = _ALIASES.get(name.strip(), name.strip())
    if not sep or not name:
        raise InputError(f"--fail-under {text!r}: expected METRIC=VALUE, e.g. event_f1=0.6")
    try:
        bound = float(value)
    except ValueError:
        raise InputError(f"--fail-under {text!r}: {value.strip()!r} is not a number") from None
    if not 0.0 <= bound <= 1.0:
        raise InputError(f"--fail-under {text!r}: the bound must be between 0 and 1")
    return Threshold(name, bound)


def metric_value(score: CorpusScore, metric: str) -> float:
    """The value of a named metric in ``score``; an unknown name is an :class:`InputError` listing the known ones."""
    for prefix, counts in (("event", score.events), ("micro", score.micro)):
        for rate in _RATES:
            if metric == f"{prefix}_{rate}":
                return _rate(counts, rate)
    field, _, rate = metric.rpartition(".")
    if rate in _RATES and field in score.fields:
        return _rate(score.fields[field], rate)
    if metric in score.fields:
        return score.fields[metric].f1
    known = [f"{p}_{r}" for p in ("event", "micro") for r in _RATES] + sorted(score.fields)
    raise InputError(f"--fail-under: unknown metric {metric!r} (known: {', '.join(known)})")


def _rate(counts: Counts, rate: str) -> float:
    return float(getattr(counts, rate))


def below_thresholds(score: CorpusScore, thresholds: Sequence[Threshold]) -> list[str]:
    """One line per threshold the score falls below."""
    failures = []
    for threshold in thresholds:
        value = metric_value(score, threshold.metric)
        if value < threshold.bound:
            failures.append(f"fail-under: {threshold.metric} is {value:.3f}, below the bound {threshold.bound:g}")
    return failures


@dataclass(frozen=True)
class Regression:
    label: str
    baseline: str
    metric: str
    value: float
    baseline_value: float
    delta: float
    low: float
    high: float
    confidence: float

    def __str__(self) -> str:
        return (
            f"regression: {self.label} {self.metric} is {self.value:.3f} against {self.baseline}'s "
            f"{self.baseline_value:.3f} (delta {self.delta:+.3f}, {self.confidence:.0%} paired interval "
            f"[{self.low:+.3f}, {self.high:+.3f}] excludes 0)"
        )


REGRESSION_METRICS = ("event_f1", "micro_f1")


def regressions(comparison: Comparison, metrics: Sequence[str] = REGRESSION_METRICS) -> list[Regression]:
    """Every later run that is worse than the baseline on a headline metric, with a paired
    interval entirely below 0 (a difference the resampling says is real)."""
    found = []
    for deltas in comparison.deltas:
        for metric in metrics:
            delta = deltas.headline.get(metric)
            if delta is None or not (delta.delta < 0 and delta.interval.high < 0):
                continue
            found.append(
                Regression(
                    label=deltas.label,
                    baseline=deltas.against,
                    metric=metric,
                    value=delta.value,
                    baseline_value=delta.baseline,
                    delta=delta.delta,
                    low=delta.interval.low,
                    high=delta.interval.high,
                    confidence=comparison.confidence,
                )
            )
    return found


def failed_articles(command: str, runs: Mapping[str, Sequence[ArticleRecord]]) -> ExtractorError | None:
    """The error a command exits with when articles failed: the first failure's own class
    (so the exit code is its code), naming how many failed in which run; None if none did."""
    failed = [(label, r) for label, records in runs.items() for r in records if r.status == "error"]
    if not failed:
        return None
    total = sum(len(records) for records in runs.values())
    label, first = failed[0]
    where = f"{label}: " if len(runs) > 1 else ""
    return error_class(first.error_type)(
        f"{command}: {len(failed)} of {total} article(s) failed (first: {where}{first.article_id}: {first.error}); "
        "they are scored as empty predictions; pass --allow-errors to accept that"
    )
