"""Resampling over articles: the one bootstrap and the one permutation draw.

Every interval the project reports (a corpus score's, a comparison's paired
delta) is a percentile interval over the same draws: resample ``i`` draws
``n`` articles with replacement from ``numpy.random.default_rng(seed)``, kept
as a weight per article (how often it was drawn) so that a resampled sum is one
matrix product. A comparison draws its articles once and applies the same
weights to both runs, which is what makes its bootstrap paired.

The permutation test's draws (which articles trade places between two runs)
come from a second stream of the same seed, so adding the test moved no interval.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Interval(BaseModel):
    model_config = ConfigDict(frozen=True)

    low: float
    high: float


def resample_weights(n_items: int, n_resamples: int, seed: int) -> FloatArray:
    """(resamples, items): how often each item is drawn in each bootstrap resample."""
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    draws = np.random.default_rng(seed).integers(0, n_items, size=(n_resamples, n_items))
    weights = np.zeros((n_resamples, n_items), dtype=np.float64)
    np.add.at(weights, (np.arange(n_resamples)[:, None], draws), 1.0)
    return weights


def percentile_interval(values: FloatArray, confidence: float) -> Interval:
    """The central ``confidence`` share of resampled values."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return Interval(low=float(low), high=float(high))


def permutation_swaps(n_items: int, n_resamples: int, seed: int) -> BoolArray:
    """(resamples, items): whether each item's two runs trade places in a permutation."""
    return np.random.default_rng([seed, 1]).random((n_resamples, n_items)) < 0.5
