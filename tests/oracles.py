"""Slow, obviously-correct reimplementations that the tests hold the fast code to.

They live here, not in the package: nothing outside the tests may depend on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from extractor.evaluation.bootstrap import Interval, percentile_interval
from extractor.evaluation.scoring import ArticleScore, event_counts, micro_counts


def event_f1(articles: Sequence[ArticleScore]) -> float:
    """Corpus event F1."""
    return event_counts(articles).f1


def micro_f1(articles: Sequence[ArticleScore]) -> float:
    """Corpus micro F1 over all fields."""
    return micro_counts(articles).f1


def _by_id(articles: Sequence[ArticleScore], label: str) -> dict[str, ArticleScore]:
    by_id = {a.article_id: a for a in articles}
    if len(by_id) != len(articles):
        raise ValueError(f"{label}: duplicate article ids")
    return by_id


def paired_bootstrap(
    a: Sequence[ArticleScore],
    b: Sequence[ArticleScore],
    metric: Callable[[Sequence[ArticleScore]], float],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, Interval]:
    """``metric(b) - metric(a)`` and its percentile interval, one resample at a time.

    Articles are paired by id (sorted); each resample draws the same ids for both
    systems, with the draws ``numpy.random.default_rng(seed)`` gives, drawn here
    independently of :mod:`extractor.evaluation.bootstrap` so that a change there shows.
    """
    a_by_id, b_by_id = _by_id(a, "a"), _by_id(b, "b")
    if set(a_by_id) != set(b_by_id):
        only_a, only_b = sorted(set(a_by_id) - set(b_by_id)), sorted(set(b_by_id) - set(a_by_id))
        raise ValueError(f"the two runs scored different articles: only in a {only_a}, only in b {only_b}")
    if not a_by_id:
        raise ValueError("no articles to compare")
    ids = sorted(a_by_id)
    first, second = [a_by_id[i] for i in ids], [b_by_id[i] for i in ids]
    delta = metric(second) - metric(first)
    draws = np.random.default_rng(seed).integers(0, len(ids), size=(n_resamples, len(ids)))
    deltas = np.array(
        [metric([second[k] for k in row]) - metric([first[k] for k in row]) for row in draws.tolist()],
        dtype=np.float64,
    )
    return delta, percentile_interval(deltas, confidence)
