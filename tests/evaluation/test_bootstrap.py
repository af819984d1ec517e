from __future__ import annotations

import numpy as np
import pytest

from extractor.evaluation.bootstrap import Interval, percentile_interval, permutation_swaps, resample_weights


def test_each_resample_draws_as_many_articles_as_there_are() -> None:
    weights = resample_weights(7, 50, seed=3)
    assert weights.shape == (50, 7)
    assert (weights.sum(axis=1) == 7).all()
    assert (weights >= 0).all()
    assert len({tuple(row) for row in weights.tolist()}) > 1  # resamples differ


def test_the_draws_are_those_of_the_seed() -> None:
    draws = np.random.default_rng(11).integers(0, 5, size=(4, 5))
    expected = np.stack([np.bincount(row, minlength=5) for row in draws]).astype(np.float64)
    assert (resample_weights(5, 4, seed=11) == expected).all()
    assert not (resample_weights(5, 4, seed=12) == expected).all()


def test_percentile_interval_is_the_central_share() -> None:
    values = np.arange(101, dtype=np.float64)
    interval = percentile_interval(values, 0.9)
    assert (interval.low, interval.high) == pytest.approx((5.0, 95.0))
    assert isinstance(interval, Interval)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5])
def test_percentile_interval_rejects_a_confidence_outside_0_1(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        percentile_interval(np.zeros(3), confidence)


def test_no_resamples_is_refused() -> None:
    with pytest.raises(ValueError, match="n_resamples"):
        resample_weights(3, 0, seed=0)


def test_permutation_swaps_are_a_fair_coin_from_their_own_stream() -> None:
    swaps = permutation_swaps(40, 500, seed=0)
    assert swaps.shape == (500, 40)
    assert 0.45 < swaps.mean() < 0.55
    assert (permutation_swaps(40, 500, seed=0) == swaps).all()
