"""bench/error_bound.py: a run's field errors by the alignment status of their pair, and the bound without spurious
events."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extractor.evaluation.suite import load_run
from tests.bench.scripts import bench_script, seed_run_dirs
from tests.conftest import ROOT

bound_script = bench_script("error_bound")


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return seed_run_dirs(tmp_path_factory, ("v17", "v2"))


def test_the_counts_split_by_pair_add_up_to_the_score(seed_runs: dict[str, Path]) -> None:
    for path in seed_runs.values():
        run = load_run(path)
        sources = bound_script.error_sources(run)
        assert sources.micro_f1 == pytest.approx(run.score.micro.f1)
        assert sources.fp_spurious + sources.fp_matched == pytest.approx(run.score.micro.fp)
        assert sources.fn_missed + sources.fn_matched == pytest.approx(run.score.micro.fn)
        assert sources.spurious_events <= sources.events.fp and sources.missed_events <= sources.events.fn


def test_without_spurious_events_a_run_with_none_is_unchanged(seed_runs: dict[str, Path]) -> None:
    # v2 on the seeds finds no spurious event (event precision 1.0): nothing to filter, the bound is its score.
    v2 = bound_script.error_sources(load_run(seed_runs["v2"]))
    assert v2.spurious_events == 0 and v2.fp_spurious == 0
    assert v2.micro_f1_without_spurious == pytest.approx(v2.micro_f1)
    # v17 gives spurious events there: dropping them raises both F1s, and the missed events' fields stay missed.
    v17 = bound_script.error_sources(load_run(seed_runs["v17"]))
    assert v17.spurious_events > 0 and v17.fp_spurious > 0
    assert v17.micro_f1_without_spurious > v17.micro_f1
    assert v17.event_f1_without_spurious > bound_script.f1(v17.events.tp, v17.events.fp, v17.events.fn)
    assert v17.micro_f1_without_spurious < 1.0


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/error_bound.py", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_prints_each_run_and_refuses_a_folder_that_is_no_run(seed_runs: dict[str, Path], tmp_path: Path) -> None:
    done = _bench(str(seed_runs["v17"]), str(seed_runs["v2"]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("without the spurious events: micro F1") == 2
    missing = _bench(str(tmp_path))
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1 and "is not a run directory" in missing.stderr
