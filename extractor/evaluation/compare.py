"""Compare evaluation runs of the same task: which prompt version is better, and is it real?

Pure: takes :class:`~extractor.evaluation.suite.EvalRun` objects and gold labels,
returns a :class:`Comparison` that round-trips to JSON. Nothing here reads
files or prints (``extractor.reporting.report`` renders it).

The first run is the baseline. Every other run gets the difference of each
headline metric (event and field-micro precision, recall and F1, grounding
rate) and of each field's F1, with a paired percentile-bootstrap interval:
each resample draws the same articles for both runs (the draws of
:func:`extractor.evaluation.bootstrap.resample_weights`, those of every other interval
for the same seed), and every metric is recomputed from the summed counts of the drawn articles, so the
interval reflects the difference between the runs, not two independent
noises. A difference is *significant* when its interval excludes 0.

Each headline difference also gets a paired permutation p-value, and, where
several versions are compared with one baseline, that p-value adjusted for
the number of them (Holm's step-down method, :func:`holm`). The verdict calls
the best of several challengers' gain supported only when its interval
excludes 0 *and* its adjusted p-value is below ``1 - confidence``: among
twelve versions, one 95% interval that excludes 0 is what chance alone gives
more often than not.

Runs over different article sets, or of different tasks, are refused
(:class:`~extractor.errors.InputError`): their numbers do not measure the same
thing. Differences that do not invalidate the comparison but change what it
means (other model, other schema, errors) go into ``notes``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from extractor.errors import InputError
from extractor.evaluation.bootstrap import (
    FloatArray,
    Interval,
    percentile_interval,
    permutation_swaps,
    resample_weights,
)
from extractor.evaluation.gold import GoldArticle, GoldEvent
from extractor.evaluation.scoring import ArticleScore, Counts, MetricIntervals, rates
from extractor.evaluation.suite import EvalRun, split_name

Outcome = Literal["win", "loss", "tie"]

# Fields shown for a flipped event: the attacker, place and day that tell events apart.
# Headline metrics, in report order: name -> label a reader understands.
HEADLINE = {
    "event_precision": "event precision",
    "event_recall": "event recall",
    "event_f1": "event F1",
    "micro_precision": "field micro precision",
    "micro_recall": "field micro recall",
    "micro_f1": "field micro F1",
    "grounding_rate": "grounding rate",
}
# Two F1 values closer than this are the same number (float noise, not a difference).
_TIE = 1e-9


class VersionSummary(BaseModel):
    """One run's numbers, as the comparison shows them side by side."""

    model_config = ConfigDict(frozen=True)

    label: str  # the prompt version ("v1"), disambiguated with the model if two runs share it
    prompt: str
    prompt_sha256: str
    model: str
    model_sha256: str | None
    schema_sha256: str
    backend: str
    cassette_mode: str
    params: dict[str, Any]
    git_commit: str | None
    started_at: str
    events: Counts
    micro: Counts
    fields: dict[str, Counts]
    events_ci: MetricIntervals
    micro_ci: MetricIntervals
    predicted_events: int
    grounded_events: int
    grounding_rate: float
    correct_but_ungrounded: int
    prompt_tokens_per_article: float
    completion_tokens_per_article: float
    latency_s_per_article: float
    untimed: int = 0
    reasks: int
    errors: int
    error_articles: list[str]

    @property
    def fields_f1(self) -> dict[str, float]:
        return {name: counts.f1 for name, counts in self.fields.items()}

    def metric(self, name: str) -> float:
        """A headline metric by its :data:`HEADLINE` name."""
        if name == "grounding_rate":
            return self.grounding_rate
        group, _, rate = name.partition("_")
        counts = self.events if group == "event" else self.micro
        return float(getattr(counts, rate))


class Delta(BaseModel):
    """``value - baseline`` of one metric, with its paired-bootstrap interval."""

    model_config = ConfigDict(frozen=True)

    metric: str
    baseline: float
    value: float
    delta: float
    interval: Interval
    significant: bool  # the interval excludes 0
    # Paired permutation test (approximate randomisation over articles): the chance of a
    # difference at least this large if the two runs were interchangeable. None where not computed.
    p_value: float | None = None
    # p_value adjusted for the comparison's number of challengers (Holm); equal to it with one.
    p_adjusted: float | None = None


class VersionDeltas(BaseModel):
    """One non-baseline run against the baseline."""

    model_config = ConfigDict(frozen=True)

    label: str
    against: str  # the baseline's label
    headline: dict[str, Delta]  # keyed by HEADLINE names
    fields: dict[str, Delta]  # each field's F1, for fields both runs score
    wins: int  # articles where this run beats the baseline (micro F1, then event F1)
    losses: int
    ties: int


class ArticleComparison(BaseModel):
    """One article under every run."""

    model_config = ConfigDict(frozen=True)

    article_id: str
    events: dict[str, Counts]  # label -> event counts
    event_f1: dict[str, float]
    micro_f1: dict[str, float]
    errors: dict[str, str]  # label -> error, only for runs whose prediction failed here
    outcomes: dict[str, Outcome]  # non-baseline label -> win / loss / tie against the baseline


class FlippedEvent(BaseModel):
    """A required gold event that some runs found (status matched) and others missed."""

    model_config = ConfigDict(frozen=True)

    article_id: str
    gold_id: str
    incident: str
    found_by: list[str]
    missed_by: list[str]
    failed: list[str]  # of missed_by: runs whose prediction for the article failed outright
    key_fields: dict[str, str | None]  # dotted path -> the gold's first reading, as text
    evidence: list[str]


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    task: str
    baseline: str
    labels: list[str]
    articles_compared: list[str]
    n_articles: int
    n_resamples: int
    seed: int
    confidence: float
    versions: list[VersionSummary]
    deltas: list[VersionDeltas]
    articles: list[ArticleComparison]
    flips: list[FlippedEvent]
    caveat: str
    notes: list[str]
    verdict: str

    def version(self, label: str) -> VersionSummary:
        return next(v for v in self.versions if v.label == label)

    def deltas_of(self, label: str) -> VersionDeltas:
        return next(d for d in self.deltas if d.label == label)


# --------------------------------------------------------------------------- entry point


def compare_runs(
    runs: Sequence[EvalRun],
    golds: Mapping[str, GoldArticle],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    key_fields: Sequence[str] = (),
    tuned_on: Sequence[str] = (),
) -> Comparison:
    """Compare ``runs`` (the first is the baseline) on the articles they all scored.

    ``tuned_on``: the splits the task's prompts and rules are chosen on (``Task.tuned_on``); runs over one of
    them get a note that their scores favour what was chosen there.

    Raises :class:`InputError` for fewer than two runs, runs of different tasks,
    runs over different article sets, or gold labels that no longer match what
    the runs were scored against.
    """
    if len(runs) < 2:
        raise InputError(f"comparing needs at least two runs, got {len(runs)}")
    if n_resamples < 1:
        raise InputError(f"n_resamples must be at least 1, got {n_resamples}")
    tasks = sorted({run.manifest.task for run in runs})
    if len(tasks) > 1:
        raise InputError(f"the runs are of different tasks ({', '.join(tasks)}); only runs of one task compare")
    labels = _labels(runs)
    scores = [_scores_by_id(run, label) for run, label in zip(runs, labels, strict=True)]
    ids = _common_articles(scores, labels)
    _check_gold(scores, labels, golds, ids)

    versions = [_summary(run, label) for run, label in zip(runs, labels, strict=True)]
    weights = resample_weights(len(ids), n_resamples, seed)
    swaps = permutation_swaps(len(ids), n_resamples, seed)
    sides = [_Side(v, _ArticleRows(run, by_id, ids)) for v, run, by_id in zip(versions, runs, scores, strict=True)]
    articles = _articles(scores, labels, ids)
    deltas: list[VersionDeltas] = []
    for k in range(1, len(runs)):
        outcomes = [a.outcomes[labels[k]] for a in articles]
        deltas.append(
            VersionDeltas(
                label=labels[k],
                against=labels[0],
                headline=_headline_deltas(sides[0], sides[k], weights, confidence, swaps),
                fields=_field_deltas(sides[0], sides[k], weights, confidence),
                wins=outcomes.count("win"),
                losses=outcomes.count("loss"),
                ties=outcomes.count("tie"),
            )
        )
    deltas = _adjusted(deltas)
    return Comparison(
        task=tasks[0],
        baseline=labels[0],
        labels=labels,
        articles_compared=ids,
        n_articles=len(ids),
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
        versions=versions,
        deltas=deltas,
        articles=articles,
        flips=_flips(scores, labels, golds, ids, key_fields),
        caveat=caveat(len(ids), confidence),
        notes=_notes(runs, versions, tuned_on),
        verdict=_verdict(versions, deltas, confidence),
    )


# --------------------------------------------------------------------------- checks


def _labels(runs: Sequence[EvalRun]) -> list[str]:
    """The prompt version of each run; the model is added where two runs share a version,
    and a number where that is not enough."""
    models: dict[str, set[str]] = {}
    for run in runs:
        models.setdefault(run.label, set()).add(run.manifest.model)
    labels = [f"{run.label}/{run.manifest.model}" if len(models[run.label]) > 1 else run.label for run in runs]
    repeats, seen = Counter(labels), Counter[str]()
    unique = []
    for label in labels:
        seen[label] += 1
        unique.append(f"{label}#{seen[label]}" if repeats[label] > 1 else label)
    return unique


def _scores_by_id(run: EvalRun, label: str) -> dict[str, ArticleScore]:
    by_id = {a.article_id: a for a in run.score.articles}
    if len(by_id) != len(run.score.articles):
        raise InputError(f"run {label}: the same article is scored twice")
    recorded = {r.article_id for r in run.records}
    if recorded != set(by_id):
        raise InputError(
            f"run {label}: its predictions and its scores cover different articles "
            f"(only predicted: {sorted(recorded - set(by_id))}, only scored: {sorted(set(by_id) - recorded)})"
        )
    return by_id


def _common_articles(scores: Sequence[Mapping[str, ArticleScore]], labels: Sequence[str]) -> list[str]:
    first = set(scores[0])
    for label, by_id in zip(labels[1:], scores[1:], strict=True):
        if set(by_id) != first:
            raise InputError(
                f"runs {labels[0]} and {label} cover different articles "
                f"(only in {labels[0]}: {sorted(first - set(by_id)) or 'none'}; "
                f"only in {label}: {sorted(set(by_id) - first) or 'none'}); "
                "compare runs over the same corpus"
            )
    if not first:
        raise InputError("the runs scored no articles")
    return sorted(first)


def _check_gold(
    scores: Sequence[Mapping[str, ArticleScore]],
    labels: Sequence[str],
    golds: Mapping[str, GoldArticle],
    ids: Sequence[str],
) -> None:
    """Every run was scored against the gold given here: the same event ids per article."""
    missing = [article_id for article_id in ids if article_id not in golds]
    if missing:
        raise InputError(f"no gold labels for article(s) {', '.join(missing)}")
    for article_id in ids:
        expected = {event.id for event in golds[article_id].events}
        for label, by_id in zip(labels, scores, strict=True):
            scored = {p.gold_id for p in by_id[article_id].pairs if p.gold_id is not None}
            if scored != expected:
                raise InputError(
                    f"run {label} was scored against other gold labels for {article_id} "
                    f"(events {sorted(scored)}, gold now has {sorted(expected)}); re-score the run"
                )


# --------------------------------------------------------------------------- summaries


def _summary(run: EvalRun, label: str) -> VersionSummary:
    m = run.manifest
    return VersionSummary(
        label=label,
        prompt=m.prompt,
        prompt_sha256=m.prompt_sha256,
        model=m.model,
        model_sha256=m.model_sha256,
        schema_sha256=m.schema_sha256,
        backend=m.backend,
        cassette_mode=m.cassette_mode,
        params=m.params,
        git_commit=m.git_commit,
        started_at=m.started_at,
        events=run.score.events,
        micro=run.score.micro,
        fields=run.score.fields,
        events_ci=run.score.events_ci,
        micro_ci=run.score.micro_ci,
        predicted_events=run.grounding.events,
        grounded_events=run.grounding.grounded_events,
        grounding_rate=run.grounding.rate,
        correct_but_ungrounded=run.grounding.correct_but_ungrounded,
        prompt_tokens_per_article=run.cost.prompt_tokens_per_article,
        completion_tokens_per_article=run.cost.completion_tokens_per_article,
        latency_s_per_article=run.cost.latency_s_per_article,
        untimed=run.cost.untimed,
        reasks=run.cost.reasks,
        errors=run.cost.errors,
        error_articles=sorted(r.article_id for r in run.records if r.status == "error"),
    )


def micro(article: ArticleScore) -> Counts:
    return Counts.total(article.fields.values())


def outcome(base: ArticleScore, other: ArticleScore) -> Outcome:
    """``other`` against ``base`` on one article: micro F1 decides, event F1 breaks a tie."""
    for metric in (lambda a: micro(a).f1, lambda a: a.events.f1):
        difference = metric(other) - metric(base)
        if difference > _TIE:
            return "win"
        if difference < -_TIE:
            return "loss"
    return "tie"


def _articles(
    scores: Sequence[Mapping[str, ArticleScore]], labels: Sequence[str], ids: Sequence[str]
) -> list[ArticleComparison]:
    rows = []
    for article_id in ids:
        per = [by_id[article_id] for by_id in scores]
        rows.append(
            ArticleComparison(
                article_id=article_id,
                events={label: a.events for label, a in zip(labels, per, strict=True)},
                event_f1={label: a.events.f1 for label, a in zip(labels, per, strict=True)},
                micro_f1={label: micro(a).f1 for label, a in zip(labels, per, strict=True)},
                errors={label: a.error for label, a in zip(labels, per, strict=True) if a.error is not None},
                outcomes={label: outcome(per[0], a) for label, a in zip(labels[1:], per[1:], strict=True)},
            )
        )
    return rows


# --------------------------------------------------------------------------- paired bootstrap


class _ArticleRows:
    """Per-article count rows of one run, in the comparison's article order."""

    def __init__(self, run: EvalRun, by_id: Mapping[str, ArticleScore], ids: Sequence[str]) -> None:
        articles = [by_id[article_id] for article_id in ids]
        self.events = _rows([a.events for a in articles])
        self.micro = _rows([micro(a) for a in articles])
        names = dict.fromkeys(name for a in articles for name in a.fields)
        self.fields = {name: _rows([a.fields.get(name, Counts()) for a in articles]) for name in names}
        records = {r.article_id: r for r in run.records}
        grounding = []
        for article_id in ids:
            quotes = records[article_id].grounding
            grounded = sum(1 for q in quotes if q and all(g.located for g in q))
            grounding.append([float(grounded), float(len(quotes))])
        self.grounding = np.array(grounding, dtype=np.float64).reshape(len(ids), 2)


def _rows(counts: Sequence[Counts]) -> FloatArray:
    return np.array([[c.tp, c.fp, c.fn] for c in counts], dtype=np.float64).reshape(len(counts), 3)


def _resampled_rates(weights: FloatArray, rows: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    sums = weights @ rows
    return rates(sums[:, 0], sums[:, 1], sums[:, 2])


def _resampled_grounding(weights: FloatArray, rows: FloatArray) -> FloatArray:
    sums = weights @ rows
    out = np.ones(len(sums), dtype=np.float64)  # no predicted events: rate 1.0, as GroundingSummary.rate
    return np.divide(sums[:, 0], sums[:, 1], out=out, where=sums[:, 1] > 0)


def _delta(metric: str, baseline: float, value: float, resampled: FloatArray, confidence: float) -> Delta:
    interval = percentile_interval(resampled, confidence)
    low, high = interval.low, interval.high
    return Delta(
        metric=metric,
        baseline=baseline,
        value=value,
        delta=value - baseline,
        interval=interval,
        significant=low > 0 or high < 0,
    )


@dataclass(frozen=True)
class _Side:
    summary: VersionSummary
    rows: _ArticleRows


def permutation_p_values(base: FloatArray, other: FloatArray, swaps: npt.NDArray[np.bool_]) -> tuple[float, ...]:
    """Two-sided paired permutation test of precision, recall and F1 from per-article count rows.

    Under the null hypothesis the two runs are interchangeable on every article, so each
    permutation swaps the runs' counts on a random half of the articles and recomputes the
    corpus-level difference from summed counts (approximate randomisation, Noreen 1989).
    The p-value counts permutations at least as extreme as the observed difference, plus one.
    """
    swapped = swaps[:, :, None]
    a = np.where(swapped, other[None, :, :], base[None, :, :]).sum(axis=1)
    b = np.where(swapped, base[None, :, :], other[None, :, :]).sum(axis=1)
    ra, rb = rates(a[:, 0], a[:, 1], a[:, 2]), rates(b[:, 0], b[:, 1], b[:, 2])
    observed_a = rates(*base.sum(axis=0))
    observed_b = rates(*other.sum(axis=0))
    out = []
    for k in range(3):
        observed = abs(float(observed_b[k]) - float(observed_a[k]))
        extreme = int(np.sum(np.abs(rb[k] - ra[k]) >= observed - 1e-12))
        out.append((extreme + 1) / (len(swaps) + 1))
    return tuple(out)


def _headline_deltas(
    base: _Side, other: _Side, weights: FloatArray, confidence: float, swaps: npt.NDArray[np.bool_]
) -> dict[str, Delta]:
    resampled: dict[str, FloatArray] = {}
    p_values: dict[str, float] = {}
    for group in ("events", "micro"):
        ra = _resampled_rates(weights, getattr(base.rows, group))
        rb = _resampled_rates(weights, getattr(other.rows, group))
        ps = permutation_p_values(getattr(base.rows, group), getattr(other.rows, group), swaps)
        for k, rate in enumerate(("precision", "recall", "f1")):
            resampled[f"{group.removesuffix('s')}_{rate}"] = rb[k] - ra[k]
            p_values[f"{group.removesuffix('s')}_{rate}"] = ps[k]
    resampled["grounding_rate"] = _resampled_grounding(weights, other.rows.grounding) - _resampled_grounding(
        weights, base.rows.grounding
    )
    return {
        name: _delta(
            name, base.summary.metric(name), other.summary.metric(name), resampled[name], confidence
        ).model_copy(update={"p_value": p_values.get(name)})
        for name in HEADLINE
    }


def _field_deltas(base: _Side, other: _Side, weights: FloatArray, confidence: float) -> dict[str, Delta]:
    deltas = {}
    none = np.zeros((weights.shape[1], 3), dtype=np.float64)  # a field an article does not score
    for name, counts in base.summary.fields.items():
        if name not in other.summary.fields:
            continue
        a = _resampled_rates(weights, base.rows.fields.get(name, none))[2]
        b = _resampled_rates(weights, other.rows.fields.get(name, none))[2]
        deltas[name] = _delta(name, counts.f1, other.summary.fields[name].f1, b - a, confidence)
    return deltas


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: each p-value made comparable with one threshold across the family.

    Sorted ascending, the i-th smallest (from 0) is multiplied by ``m - i``, the results are made
    non-decreasing in that order and capped at 1. Reading every adjusted value against ``alpha`` keeps
    the chance of any false "real difference" among the ``m`` at most ``alpha`` (Holm 1979). scipy has
    the false-discovery-rate adjustments (``scipy.stats.false_discovery_control``) but no family-wise one.
    """
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _adjusted(deltas: Sequence[VersionDeltas]) -> list[VersionDeltas]:
    """``deltas`` with each headline p-value adjusted over the challengers (:func:`holm`)."""
    family = {name: [d.headline[name].p_value for d in deltas] for name in HEADLINE}
    adjusted = {name: holm([p for p in ps if p is not None]) for name, ps in family.items() if None not in ps}
    return [
        d.model_copy(
            update={
                "headline": {
                    name: delta.model_copy(update={"p_adjusted": adjusted[name][k]}) if name in adjusted else delta
                    for name, delta in d.headline.items()
                }
            }
        )
        for k, d in enumerate(deltas)
    ]


# --------------------------------------------------------------------------- flipped events


def _flips(
    scores: Sequence[Mapping[str, ArticleScore]],
    labels: Sequence[str],
    golds: Mapping[str, GoldArticle],
    ids: Sequence[str],
    key_fields: Sequence[str],
) -> list[FlippedEvent]:
    flips = []
    for article_id in ids:
        for event in golds[article_id].events:
            if event.optional:
                continue
            found, missed, failed = [], [], []
            for label, by_id in zip(labels, scores, strict=True):
                article = by_id[article_id]
                status = next(p.status for p in article.pairs if p.gold_id == event.id)
                if status == "matched":
                    found.append(label)
                else:
                    missed.append(label)
                    if article.error is not None:
                        failed.append(label)
            if found and missed:
                flips.append(
                    FlippedEvent(
                        article_id=article_id,
                        gold_id=event.id,
                        incident=event.incident,
                        found_by=found,
                        missed_by=missed,
                        failed=failed,
                        key_fields={path: _first_reading(event, path) for path in key_fields},
                        evidence=list(event.evidence),
                    )
                )
    return flips


def _first_reading(event: GoldEvent, path: str) -> str | None:
    options = event.fields.get(path) or [None]
    return _text(options[0])


def _text(value: Any) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in (_text(v) for v in value) if t is not None)
    return str(value)


# --------------------------------------------------------------------------- words


def caveat(n_articles: int, confidence: float = 0.95) -> str:
    """What the intervals can and cannot say at this corpus size (always shown)."""
    pct = f"{confidence:.0%}"
    noun = "article" if n_articles == 1 else "articles"
    if n_articles < 10:
        return (
            f"{n_articles} {noun}: intervals are wide; a difference must be large to be real. "
            f"A bootstrap over so few articles is itself rough (it tends to understate the uncertainty), "
            f"so read a {pct} interval that excludes 0 as a hint to confirm on more articles, not as proof."
        )
    if n_articles < 30:
        return (
            f"{n_articles} {noun}: intervals are still wide; act only on differences whose {pct} interval "
            "clearly excludes 0, and expect small differences to be noise."
        )
    return (
        f"{n_articles} {noun}: the {pct} intervals cover article-to-article variation in this corpus only, "
        "not the model's sampling randomness or articles unlike these."
    )


def chosen_on_note(splits: Collection[str | None], tuned_on: Sequence[str]) -> str | None:
    """What scores over ``splits`` (``None``: the whole corpus) owe to choices made there (``Task.tuned_on``).

    A split named ``dev@1`` or ``dev#2`` is part of ``dev``.
    """
    if not tuned_on:
        return None
    chosen_on = sorted(s for s in splits if s is not None and split_name(s) in tuned_on)
    if None in splits:
        where = f"the whole corpus includes {', '.join(tuned_on)}, the splits"
    elif chosen_on:
        where = f"{', '.join(chosen_on)} {'is a split' if len(chosen_on) == 1 else 'are splits'}"
    else:
        return None
    return (
        f"{where} this task's prompts and rules are chosen on: what was chosen there scores higher on those "
        "articles than on articles it never saw, by more than these intervals show; judge a gain on a split "
        "nothing was chosen on"
    )


def _notes(runs: Sequence[EvalRun], versions: Sequence[VersionSummary], tuned_on: Sequence[str] = ()) -> list[str]:
    notes = []

    def differs(attribute: str) -> bool:
        return len({str(getattr(v, attribute)) for v in versions}) > 1

    def listing(attribute: str, short: bool = False) -> str:
        return ", ".join(
            f"{v.label}: {str(getattr(v, attribute))[:12] if short else getattr(v, attribute)}" for v in versions
        )

    if differs("model"):
        notes.append(
            f"the runs use different models ({listing('model')}): differences mix the prompt's effect and the model's"
        )
    elif differs("model_sha256"):
        notes.append(f"the model files differ although the name is the same ({listing('model_sha256', short=True)})")
    if differs("schema_sha256"):
        notes.append(
            f"the schema hashes differ ({listing('schema_sha256', short=True)}): the runs were asked for "
            "different fields or descriptions, so a field-level difference may come from the schema, not the prompt"
        )
    if differs("params"):
        notes.append(f"generation parameters differ ({listing('params')})")
    if differs("backend"):
        notes.append(f"backends differ ({listing('backend')})")
    for version in versions:
        temperature = version.params.get("temperature")
        if isinstance(temperature, int | float) and temperature > 0:
            notes.append(
                f"{version.label} sampled at temperature {temperature}: a re-run could score differently, "
                "and the intervals do not cover that"
            )
    same_prompt = [v.label for v in versions if v.prompt_sha256 == versions[0].prompt_sha256]
    if len(same_prompt) > 1 and not differs("model"):
        notes.append(f"{', '.join(same_prompt)} have identical prompt text (same prompt hash)")
    for run, version in zip(runs, versions, strict=True):
        if version.error_articles:
            notes.append(
                f"{version.label}: {len(version.error_articles)} article(s) failed "
                f"({', '.join(version.error_articles)}) and are scored as empty predictions"
            )
        if run.label != version.label:
            notes.append(f"{version.label} is prompt {run.manifest.prompt} with model {run.manifest.model}")
        if not run.manifest.text_check:
            notes.append(
                f"{version.label} was scored without the task's check against the text (--no-text-check): "
                "a difference from a run with it is that layer's, not the prompt's"
            )
    tuned = chosen_on_note({run.manifest.split for run in runs}, tuned_on)
    if tuned is not None:
        notes.append(tuned)
    return notes


def _signed(x: float) -> str:
    return f"{x:+.3f}"


def _interval_text(delta: Delta, confidence: float) -> str:
    return f"{confidence:.0%} CI {_signed(delta.interval.low)} to {_signed(delta.interval.high)}"


def _gain_support(delta: Delta, n_challengers: int, confidence: float) -> str:
    """Whether the best challenger's gain is real, in words: with several challengers, its p-value must
    also pass after adjusting for their number (the best of many differs from the baseline by chance)."""
    if not delta.significant:
        return "the interval includes 0, so the gain may be noise"
    if n_challengers == 1 or delta.p_value is None or delta.p_adjusted is None:
        return "the interval excludes 0, so the gain is supported"
    adjusted = (
        f"the permutation p-value, {delta.p_value:.3f}, is {delta.p_adjusted:.3f} once adjusted for "
        f"the {n_challengers} challengers (Holm)"
    )
    if delta.p_adjusted < 1.0 - confidence:
        return f"the interval excludes 0 and {adjusted}: the gain is supported"
    return f"the interval excludes 0, but {adjusted}: the gain may be noise"


def _verdict(versions: Sequence[VersionSummary], deltas: Sequence[VersionDeltas], confidence: float) -> str:
    sentences = [_metric_verdict(name, versions, deltas, confidence) for name in ("micro_f1", "event_f1")]
    best_micro = max(versions, key=lambda v: v.micro.f1)
    best_event = max(versions, key=lambda v: v.events.f1)
    if best_micro.label != best_event.label and abs(best_micro.micro.f1 - best_event.micro.f1) > _TIE:
        sentences.append(
            f"The two metrics disagree: {best_micro.label} gets more field values right, "
            f"{best_event.label} finds the events better."
        )
    return " ".join(sentences)


def _metric_verdict(
    name: str, versions: Sequence[VersionSummary], deltas: Sequence[VersionDeltas], confidence: float
) -> str:
    label = HEADLINE[name]
    base = versions[0]
    values = [v.metric(name) for v in versions]
    if max(values) - min(values) <= _TIE:
        return f"All versions tie on {label} ({values[0]:.3f})."
    best = max(range(len(versions)), key=lambda k: (values[k], -k))
    if best == 0:
        # The baseline leads: say how close the nearest challenger comes.
        runner = max(range(1, len(versions)), key=lambda k: (values[k], -k))
        delta = deltas[runner - 1].headline[name]
        support = (
            "the interval excludes 0, so the baseline's lead is supported"
            if delta.significant
            else "the interval includes 0, so the lead may be noise"
        )
        return (
            f"The baseline {base.label} is best on {label} ({values[0]:.3f}); the closest, "
            f"{versions[runner].label}, is {_signed(delta.delta)} ({_interval_text(delta, confidence)}): {support}."
        )
    version = versions[best]
    delta = deltas[best - 1].headline[name]
    support = _gain_support(delta, len(deltas), confidence)
    text = (
        f"{version.label} wins on {label}: {values[best]:.3f} vs {values[0]:.3f} for {base.label} "
        f"({_signed(delta.delta)}, {_interval_text(delta, confidence)}): {support}"
    )
    if name == "micro_f1":
        record = deltas[best - 1]
        text += f"; article by article it wins {record.wins}, loses {record.losses}, ties {record.ties}"
    return text + "."
