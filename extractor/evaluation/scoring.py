"""Score predicted events against gold: align, count, explain, total with intervals.

Pure and generic: the fields that are scored, how, and which identify an
event all come from the ``Compare`` markers of the task's event model, walked
to dotted paths (``location.site``). Nothing here reads files or prints.

Semantics (``evals/attacks/ANNOTATION.md``, ACE-style argument scoring):

* Predictions and gold events (optional ones included) are aligned one to one
  by :func:`align` (Hungarian assignment) under the **positive-evidence rule**:
  a prediction may be paired with a gold event only if

  1. they state the same value in at least one *anchor* field (for attacks: site,
     area, country or date; ``ANNOTATION.md``: an event is an attacker, a place
     and a day), two empty values never counting as agreement;
  2. no *key* field conflicts: when both state a site, or both state a country,
     the values agree (a gold field that also accepts "not stated" never blocks);
  3. their similarity reaches the threshold. The similarity is a weighted mean
     over the identifying fields that at least one side states: a field empty on
     both sides is left out, neither evidence for nor against.

  A pair that fails any of these is not a match, however the rest agrees.
* A prediction aligned to a required gold event is an event TP and every
  scored field is compared with :func:`comparators.score_field`.
* A prediction aligned to an *optional* gold event counts nowhere, and its
  fields are not scored; an optional gold event left unmatched counts nowhere.
* An unmatched prediction is an event FP, and each non-empty scored field a
  field FP. An unmatched required gold event is an event FN, and each gold
  field that does not accept "not stated" a field FN: field recall includes
  the events a system missed.
* Corpus totals sum counts over articles (micro); nothing is an average of
  averages. Intervals come from the percentile bootstrap over articles of
  :mod:`extractor.evaluation.bootstrap`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, computed_field

from extractor.comparators import Compare, FieldScore, is_empty, score_field, similarity, values_equal
from extractor.evaluation.bootstrap import FloatArray, Interval, percentile_interval, resample_weights
from extractor.evaluation.gold import GoldArticle, GoldEvent
from extractor.fields import field_specs, flatten, scored_fields

DEFAULT_THRESHOLD = 0.5
# Weight of the tie-breaker against the identify similarity: small enough never to
# overturn a real difference, large enough to settle exact ties by content.
_TIE_BREAK_WEIGHT = 1e-6


# --------------------------------------------------------------------------- report types


def _ratio(numerator: FloatArray, denominator: FloatArray, when_empty: FloatArray) -> FloatArray:
    out = np.array(when_empty, dtype=np.float64)
    return np.divide(numerator, denominator, out=out, where=denominator > 0)


def rates(tp: Any, fp: Any, fn: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Precision, recall and F1, elementwise (scalars or arrays of counts).

    0/0 is defined by what the system had to do: precision with nothing predicted
    is 1.0 when there was also nothing to find (``fn == 0``) and 0.0 otherwise;
    recall with nothing to find is 1.0 when nothing was predicted (``fp == 0``)
    and 0.0 otherwise. F1 is ``2tp / (2tp + fp + fn)``, the harmonic mean of the
    two, and 1.0 when all three counts are 0. An empty prediction for an article
    with no events is therefore perfect, and an empty prediction for an article
    with events scores 0.
    """
    tp, fp, fn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn))
    precision = _ratio(tp, tp + fp, np.where(fn == 0, 1.0, 0.0))
    recall = _ratio(tp, tp + fn, np.where(fp == 0, 1.0, 0.0))
    f1 = _ratio(2 * tp, 2 * tp + fp + fn, np.ones_like(tp))
    return precision, recall, f1


class Counts(BaseModel):
    """True positives, false positives and false negatives (fractional for set fields)."""

    model_config = ConfigDict(frozen=True)

    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        return float(rates(self.tp, self.fp, self.fn)[0])

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        return float(rates(self.tp, self.fp, self.fn)[1])

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float:
        return float(rates(self.tp, self.fp, self.fn)[2])

    def __add__(self, other: Counts) -> Counts:
        return Counts(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)

    def __radd__(self, other: object) -> Counts:
        # Lets the built-in sum() start from 0.
        if other == 0:
            return self
        return NotImplemented

    @classmethod
    def total(cls, counts: Iterable[Counts]) -> Counts:
        """Sum with ``math.fsum``: exact, so the total does not depend on the order."""
        items = list(counts)
        return cls(
            tp=math.fsum(c.tp for c in items), fp=math.fsum(c.fp for c in items), fn=math.fsum(c.fn for c in items)
        )


PairStatus = Literal["matched", "optional_matched", "spurious", "missed", "optional_missed"]


class PairResult(BaseModel):
    """One prediction, one gold event, or an aligned pair of both."""

    model_config = ConfigDict(frozen=True)

    status: PairStatus
    pred_index: int | None
    gold_id: str | None
    incident: str | None
    similarity: float | None  # the pair's alignment similarity; None when unpaired
    fields: list[FieldScore]
    explanation: str


class ArticleScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    article_id: str
    events: Counts
    fields: dict[str, Counts]
    pairs: list[PairResult]
    error: str | None = None  # the prediction failed; scored as an empty prediction


class MetricIntervals(BaseModel):
    model_config = ConfigDict(frozen=True)

    precision: Interval
    recall: Interval
    f1: Interval


class CorpusScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    events: Counts
    fields: dict[str, Counts]
    micro: Counts  # every field's counts summed
    articles: list[ArticleScore]
    events_ci: MetricIntervals
    micro_ci: MetricIntervals
    fields_f1_ci: dict[str, Interval]
    confidence: float
    n_resamples: int
    seed: int


# --------------------------------------------------------------------------- fields


def gold_options(gold_event: GoldEvent, path: str) -> list[Any]:
    """The gold's acceptable values for a field; a field the gold lacks means "not stated"."""
    return gold_event.fields.get(path) or [None]


# --------------------------------------------------------------------------- alignment


def key_conflict(pred_flat: Mapping[str, Any], gold_event: GoldEvent, specs: Mapping[str, Compare]) -> str | None:
    """The first ``key`` field that both sides fill and that disagrees, if any.

    A gold field that also accepts "not stated" is not firmly filled, so it never blocks.
    """
    for path, spec in specs.items():
        if not spec.key:
            continue
        predicted, options = pred_flat.get(path), gold_options(gold_event, path)
        if is_empty(predicted) or any(is_empty(option) for option in options):
            continue
        if not any(values_equal(spec.kind, predicted, option, spec.threshold) for option in options):
            return path
    return None


def shared_anchor(pred_flat: Mapping[str, Any], gold_event: GoldEvent, specs: Mapping[str, Compare]) -> str | None:
    """The first ``anchor`` field (a place or a day) that both sides state with the same value, if any.

    Only stated values count: a prediction and a gold event that are both silent on
    every place and day share nothing that says they are the same event.
    """
    for path, spec in specs.items():
        if not spec.anchor:
            continue
        predicted = pred_flat.get(path)
        if is_empty(predicted):
            continue
        options = [option for option in gold_options(gold_event, path) if not is_empty(option)]
        if any(values_equal(spec.kind, predicted, option, spec.threshold) for option in options):
            return path
    return None


def has_anchors(specs: Mapping[str, Compare]) -> bool:
    # A task whose schema declares no anchor field aligns on similarity alone.
    return any(spec.anchor for spec in specs.values())


def _identify_weights(specs: Mapping[str, Compare]) -> dict[str, float]:
    weights = {path: spec.identify for path, spec in specs.items() if spec.identify > 0}
    # A schema that marks no identifying field aligns on all scored fields alike.
    return weights or dict.fromkeys(scored_fields(specs), 1.0)


def _weighted_similarity(
    pred_flat: Mapping[str, Any], gold_event: GoldEvent, specs: Mapping[str, Compare], weights: Mapping[str, float]
) -> float:
    if math.fsum(weights.values()) <= 0:
        return 1.0
    parts, total = [], []
    for path, weight in weights.items():
        predicted, options = pred_flat.get(path), gold_options(gold_event, path)
        if is_empty(predicted) and any(is_empty(option) for option in options):
            continue  # silent on both sides: no evidence either way
        total.append(weight)
        parts.append(weight * similarity(specs[path].kind, predicted, options, specs[path].threshold))
    return math.fsum(parts) / math.fsum(total) if total else 0.0


def event_similarity(pred_flat: Mapping[str, Any], gold_event: GoldEvent, specs: Mapping[str, Compare]) -> float:
    """Weighted mean of per-field similarity over the identifying fields either side states, in [0, 1].

    0.0 when a ``key`` field is filled on both sides and disagrees (two named bases, two
    countries), or when the schema declares anchors and the two share no stated anchor value.
    """
    if key_conflict(pred_flat, gold_event, specs) is not None:
        return 0.0
    if has_anchors(specs) and shared_anchor(pred_flat, gold_event, specs) is None:
        return 0.0
    return _weighted_similarity(pred_flat, gold_event, specs, _identify_weights(specs))


def _tie_break(pred_flat: Mapping[str, Any], gold_event: GoldEvent, specs: Mapping[str, Compare]) -> float:
    """Among equally similar pairs prefer the one that agrees on more fields, then a
    required gold event over an optional one (the reading most favourable to the system)."""
    agreement = _weighted_similarity(pred_flat, gold_event, specs, dict.fromkeys(scored_fields(specs), 1.0))
    return agreement + (0.0 if gold_event.optional else 1.0)


class Alignment(BaseModel):
    """A one-to-one alignment of predictions (rows) to gold events (columns)."""

    model_config = ConfigDict(frozen=True)

    matches: list[tuple[int, int]]  # (prediction index, gold index), sorted by prediction
    similarity: list[list[float]]  # [prediction][gold] event similarity
    threshold: float

    def pred_match(self, pred_index: int) -> int | None:
        return next((g for p, g in self.matches if p == pred_index), None)

    def gold_match(self, gold_index: int) -> int | None:
        return next((p for p, g in self.matches if g == gold_index), None)


def _json_default(value: Any) -> Any:
    # Sets are sorted: their iteration order changes with the hash seed, and the key
    # must not change from one process to the next.
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    return str(value)


def _content_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_json_default)


def align(
    preds: Sequence[Mapping[str, Any]],
    golds: Sequence[GoldEvent],
    specs: Mapping[str, Compare],
    threshold: float = DEFAULT_THRESHOLD,
) -> Alignment:
    """Optimal one-to-one alignment (``scipy.optimize.linear_sum_assignment``) of
    flattened predictions to gold events, maximising total similarity over the pairs
    at or above ``threshold``; pairs below it (or at 0) are never matches.

    Both sides are put in a canonical order (by content) before solving, so the
    result does not depend on the order the events came in.
    """
    sim = [[event_similarity(p, g, specs) for g in golds] for p in preds]
    if not preds or not golds:
        return Alignment(matches=[], similarity=sim, threshold=threshold)
    sim_array = np.array(sim, dtype=np.float64)
    eligible = (sim_array >= threshold) & (sim_array > 0)
    tie = np.array([[_tie_break(p, g, specs) for g in golds] for p in preds], dtype=np.float64)
    weight = np.where(eligible, sim_array + _TIE_BREAK_WEIGHT * tie, 0.0)

    pred_order = sorted(range(len(preds)), key=lambda i: _content_key(preds[i]))
    gold_order = sorted(range(len(golds)), key=lambda j: _content_key(golds[j].model_dump(mode="json")))
    from scipy.optimize import linear_sum_assignment  # scipy.optimize costs ~1 s to import; only to align

    rows, cols = linear_sum_assignment(weight[np.ix_(pred_order, gold_order)], maximize=True)
    pairs = [(pred_order[r], gold_order[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)]
    matches = sorted((p, g) for p, g in pairs if eligible[p, g])
    return Alignment(matches=matches, similarity=sim, threshold=threshold)


# --------------------------------------------------------------------------- one article


def _show(values: Mapping[str, Any], paths: Iterable[str]) -> str:
    shown = [f"{path}={_plain(values.get(path))!r}" for path in paths]
    return ", ".join(shown) if shown else "no identifying fields"


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_json_default))


def _gold_identity(gold_event: GoldEvent, specs: Mapping[str, Compare]) -> str:
    first = {path: gold_options(gold_event, path)[0] for path in _identify_weights(specs)}
    return f"gold {gold_event.id} (incident {gold_event.incident}; {_show(first, first)})"


def _pred_identity(index: int, pred_flat: Mapping[str, Any], specs: Mapping[str, Compare]) -> str:
    return f"prediction #{index} ({_show(pred_flat, _identify_weights(specs))})"


class _ArticleScorer:
    """Builds the pairs of one article from an alignment (helper of :func:`score_article`)."""

    def __init__(
        self,
        flats: Sequence[Mapping[str, Any]],
        gold: GoldArticle,
        specs: Mapping[str, Compare],
        alignment: Alignment,
    ) -> None:
        self.flats, self.gold, self.specs, self.alignment = flats, gold, specs, alignment
        self.scored = scored_fields(specs)

    def pairs(self) -> list[PairResult]:
        by_gold = [self._gold_pair(j, event) for j, event in enumerate(self.gold.events)]
        spurious = [self._spurious(i) for i in range(len(self.flats)) if self.alignment.pred_match(i) is None]
        return [*by_gold, *spurious]

    def _gold_pair(self, j: int, event: GoldEvent) -> PairResult:
        i = self.alignment.gold_match(j)
        if i is None:
            return self._optional_missed(event) if event.optional else self._missed(j, event)
        return self._matched(i, j, event)

    def _matched(self, i: int, j: int, event: GoldEvent) -> PairResult:
        sim = self.alignment.similarity[i][j]
        why = (
            f"{_pred_identity(i, self.flats[i], self.specs)} aligned to {_gold_identity(event, self.specs)}: "
            f"similarity {sim:.2f} >= threshold {self.alignment.threshold:.2f}"
        )
        if event.optional:
            why += "; the gold event is optional, so the pair counts nowhere and its fields are not scored"
            fields: list[FieldScore] = []
        else:
            fields = [
                score_field(path, spec, self.flats[i].get(path), gold_options(event, path))
                for path, spec in self.scored.items()
            ]
        status: PairStatus = "optional_matched" if event.optional else "matched"
        return PairResult(
            status=status,
            pred_index=i,
            gold_id=event.id,
            incident=event.incident,
            similarity=sim,
            fields=fields,
            explanation=why,
        )

    def _spurious(self, i: int) -> PairResult:
        flat = self.flats[i]
        fields = []
        for path, spec in self.scored.items():
            score = score_field(path, spec, flat.get(path), [None])
            why = "no gold event: a stated value is a false positive" if score.fp else "no gold event; empty"
            fields.append(score.model_copy(update={"explanation": why}))
        why = f"{_pred_identity(i, flat, self.specs)} matches no gold event: {self._why_unmatched_pred(i)}"
        return PairResult(
            status="spurious",
            pred_index=i,
            gold_id=None,
            incident=None,
            similarity=None,
            fields=fields,
            explanation=why,
        )

    def _missed(self, j: int, event: GoldEvent) -> PairResult:
        fields = []
        for path, spec in self.scored.items():
            score = score_field(path, spec, None, gold_options(event, path))
            why = (
                "gold event not found: its value is missed"
                if score.fn
                else "gold event not found; gold says not stated"
            )
            fields.append(score.model_copy(update={"explanation": why}))
        why = f"{_gold_identity(event, self.specs)} was not found: {self._why_unmatched_gold(j)}"
        return PairResult(
            status="missed",
            pred_index=None,
            gold_id=event.id,
            incident=event.incident,
            similarity=None,
            fields=fields,
            explanation=why,
        )

    def _optional_missed(self, event: GoldEvent) -> PairResult:
        why = f"optional {_gold_identity(event, self.specs)} was not extracted; that counts nowhere"
        return PairResult(
            status="optional_missed",
            pred_index=None,
            gold_id=event.id,
            incident=event.incident,
            similarity=None,
            fields=[],
            explanation=why,
        )

    def _closeness(self, i: int, j: int) -> float:
        # Similarity without the key veto, so an explanation names the event that would
        # have matched but for a disagreeing key field.
        weights = _identify_weights(self.specs)
        return _weighted_similarity(self.flats[i], self.gold.events[j], self.specs, weights)

    def _why_unmatched_pred(self, i: int) -> str:
        if not self.gold.events:
            return "the gold has no events for this article"
        j = max(range(len(self.gold.events)), key=lambda k: self._closeness(i, k))
        taken_by = self.alignment.gold_match(j)
        return self._why_not_paired(i, j, None if taken_by is None else f"prediction #{taken_by}")

    def _why_unmatched_gold(self, j: int) -> str:
        if not self.flats:
            return "there are no predicted events"
        i = max(range(len(self.flats)), key=lambda k: self._closeness(k, j))
        taken_by = self.alignment.pred_match(i)
        return self._why_not_paired(i, j, None if taken_by is None else f"gold {self.gold.events[taken_by].id}")

    def _why_not_paired(self, i: int, j: int, partner: str | None) -> str:
        """Why prediction ``i`` and gold event ``j``, the closest candidates, are not a pair."""
        event, flat = self.gold.events[j], self.flats[i]
        closest = f"closest candidate is prediction #{i} / gold {event.id}"
        conflict = key_conflict(flat, event, self.specs)
        if conflict is not None:
            return (
                f"{closest}, but key field {conflict!r} disagrees "
                f"({_plain(flat.get(conflict))!r} vs gold {_plain(gold_options(event, conflict))!r})"
            )
        if has_anchors(self.specs) and shared_anchor(flat, event, self.specs) is None:
            anchors = [path for path, spec in self.specs.items() if spec.anchor]
            return (
                f"{closest}, but they state no place or day in common ({', '.join(anchors)}); "
                "fields empty on both sides are no evidence of identity"
            )
        sim = self.alignment.similarity[i][j]
        if sim < self.alignment.threshold or sim <= 0:
            return f"{closest} with similarity {sim:.2f} < threshold {self.alignment.threshold:.2f}"
        if partner is None:  # cannot happen for an optimal alignment; said plainly if it does
            return f"{closest} (similarity {sim:.2f}), left unpaired"
        return f"{closest} (similarity {sim:.2f}), but the optimal one-to-one alignment paired it with {partner}"


def score_article(
    article_id: str,
    predicted: Sequence[BaseModel | Mapping[str, Any]],
    gold: GoldArticle,
    event_model: type[BaseModel],
    *,
    error: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> ArticleScore:
    """Align one article's predicted events to its gold and count events and fields.

    An article whose prediction failed (``error`` given) is scored as an empty
    prediction, whatever ``predicted`` holds, and carries the error.
    """
    specs = field_specs(event_model)
    flats = [] if error is not None else [flatten(event) for event in predicted]
    alignment = align(flats, gold.events, specs, threshold)
    pairs = _ArticleScorer(flats, gold, specs, alignment).pairs()
    events = Counts(
        tp=sum(p.status == "matched" for p in pairs),
        fp=sum(p.status == "spurious" for p in pairs),
        fn=sum(p.status == "missed" for p in pairs),
    )
    fields = {
        path: Counts.total(Counts(tp=f.tp, fp=f.fp, fn=f.fn) for p in pairs for f in p.fields if f.field == path)
        for path in scored_fields(specs)
    }
    return ArticleScore(article_id=article_id, events=events, fields=fields, pairs=pairs, error=error)


# --------------------------------------------------------------------------- corpus


def event_counts(articles: Iterable[ArticleScore]) -> Counts:
    return Counts.total(a.events for a in articles)


def field_counts(articles: Sequence[ArticleScore]) -> dict[str, Counts]:
    names = dict.fromkeys(name for a in articles for name in a.fields)
    return {name: Counts.total(a.fields[name] for a in articles if name in a.fields) for name in names}


def micro_counts(articles: Sequence[ArticleScore]) -> Counts:
    return Counts.total(field_counts(articles).values())


def _metric_intervals(sums: FloatArray, confidence: float) -> MetricIntervals:
    """``sums`` is (resamples, 3) of tp, fp, fn."""
    precision, recall, f1 = rates(sums[:, 0], sums[:, 1], sums[:, 2])
    return MetricIntervals(
        precision=percentile_interval(precision, confidence),
        recall=percentile_interval(recall, confidence),
        f1=percentile_interval(f1, confidence),
    )


def _as_row(counts: Counts) -> list[float]:
    return [counts.tp, counts.fp, counts.fn]


def score_corpus(
    article_scores: Sequence[ArticleScore],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> CorpusScore:
    """Totals from summed counts, with percentile-bootstrap intervals over articles.

    Each resample draws as many articles as there are, with replacement
    (``numpy.random.default_rng(seed)``), and recomputes every metric from the
    summed counts of the drawn articles. An empty corpus gets degenerate intervals.
    """
    articles = list(article_scores)
    fields = field_counts(articles)
    events, micro = event_counts(articles), Counts.total(fields.values())
    names = list(fields)
    if articles:
        # Each resample as a weight per article (how often it was drawn), so summing is one
        # matrix product instead of a copy of every article per resample.
        weights = resample_weights(len(articles), n_resamples, seed)
        event_rows = np.array([_as_row(a.events) for a in articles], dtype=np.float64)
        field_rows = np.array(
            [[_as_row(a.fields.get(name, Counts())) for name in names] for a in articles], dtype=np.float64
        ).reshape(len(articles), len(names) * 3)
        event_sums = weights @ event_rows
        field_sums = (weights @ field_rows).reshape(n_resamples, len(names), 3)
    else:
        event_sums = np.array([_as_row(events)], dtype=np.float64)
        field_sums = np.array([[_as_row(fields[name]) for name in names]], dtype=np.float64).reshape(1, len(names), 3)
    return CorpusScore(
        events=events,
        fields=fields,
        micro=micro,
        articles=articles,
        events_ci=_metric_intervals(event_sums, confidence),
        micro_ci=_metric_intervals(field_sums.sum(axis=1), confidence),
        fields_f1_ci={
            name: percentile_interval(rates(*field_sums[:, k, :].T)[2], confidence) for k, name in enumerate(names)
        },
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )
