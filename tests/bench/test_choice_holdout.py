"""bench/choice_holdout.py: choosing on half the articles, scored on the other half."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.bench.scripts import bench_script, seed_run_dirs
from tests.conftest import ROOT

holdout_script = bench_script("choice_holdout")


def test_micro_f1_of_summed_counts() -> None:
    counts = np.array([[3.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    assert holdout_script.micro_f1(counts).tolist() == [0.75, 1.0, 0.0]


def test_a_version_better_on_every_article_is_always_chosen_and_holds() -> None:
    articles = 20
    better = np.tile([8.0, 2.0, 2.0], (articles, 1))
    worse = np.tile([4.0, 6.0, 6.0], (articles, 1))
    result = holdout_script.holdout(np.stack([worse, better]), ["v2", "v17"], draws=200, seed=0, baseline="v2")
    assert result.chosen_share == {"v2": 0.0, "v17": 1.0}
    assert result.best_on_other_half == 1.0
    assert result.chosen_f1_choosing == pytest.approx(result.chosen_f1_other) == pytest.approx(0.8)
    assert result.lead_choosing == pytest.approx(result.lead_other) == pytest.approx(0.8 - 0.4)
    assert result.lead_other_above_zero == 1.0


def test_choosing_among_equals_by_luck_scores_higher_where_it_chose() -> None:
    """Versions of one quality whose articles differ by chance: the one chosen on a half is the luckiest there,
    and on the other half it is no better than the rest (the winner's curse this script measures)."""
    rng = np.random.default_rng(1)
    tp = rng.integers(0, 10, size=(5, 30)).astype(np.float64)
    counts = np.stack([tp, 10 - tp, 10 - tp], axis=-1)
    result = holdout_script.holdout(counts, [f"v{i}" for i in range(5)], draws=500, seed=0, baseline="v0")
    assert result.chosen_f1_choosing - result.chosen_f1_other > 0.03
    assert all(abs(gap) < 0.02 for gap in result.halves_gap.values())  # not chosen, a version's halves agree
    assert result.lead_choosing is not None and result.lead_other is not None
    assert result.lead_choosing > 0.03 > result.lead_other
    assert max(result.chosen_share.values()) < 0.5


def test_refuses_fewer_than_two_versions() -> None:
    with pytest.raises(ValueError, match="two versions or more"):
        holdout_script.holdout(np.zeros((1, 4, 3)), ["v2"], draws=10, seed=0)


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return seed_run_dirs(tmp_path_factory, ("v17", "v2"))


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/choice_holdout.py", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_reads_recorded_runs(seed_runs: dict[str, Path]) -> None:
    done = _bench(str(seed_runs["v17"]), str(seed_runs["v2"]), "--baseline", "v2", "--splits", "100")
    assert done.returncode == 0, done.stderr
    assert "100 random halvings" in done.stdout
    assert "its lead over the baseline" in done.stdout


def test_bad_input_is_one_line_and_exit_1(seed_runs: dict[str, Path], tmp_path: Path) -> None:
    unknown = _bench(str(seed_runs["v17"]), str(seed_runs["v2"]), "--baseline", "v3")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: --baseline v3 is none of the runs: v17, v2"
    missing = _bench(str(seed_runs["v17"]), str(tmp_path))
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1 and "is not a run directory" in missing.stderr
