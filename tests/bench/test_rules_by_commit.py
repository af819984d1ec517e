"""bench/rules_by_commit.py against this repository's own history: a commit's code replayed in a worktree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.evaluation.suite import load_run
from tests.bench.scripts import seed_run_dirs
from tests.conftest import ROOT


def _worktrees() -> str:
    return subprocess.run(["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "bench/rules_by_commit.py", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)


def test_a_commit_replayed_in_a_worktree_scores_as_this_checkout_and_leaves_no_worktree(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    before = _worktrees()
    done = _bench("HEAD", "HEAD", "--prompt", "v2", "--split", "seeds", "--resamples", "50", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "steps.json").read_text(encoding="utf-8"))
    here = load_run(seed_run_dirs(tmp_path_factory, ("v2",))["v2"])
    # HEAD's code in a worktree, reading this checkout's corpus and cassettes, is this checkout's eval.
    assert [row["micro_f1"] for row in rows] == [here.score.micro.f1] * 2
    first = load_run(Path(rows[0]["run"]))
    assert [r.events for r in first.records] == [r.events for r in here.records]
    # The same code twice: no change, no article won or lost, and the table says so.
    assert (rows[1]["change"], rows[1]["won"], rows[1]["lost"]) == (0.0, 0, 0)
    assert "+0.000" in done.stdout and "0 / 0" in done.stdout
    assert _worktrees() == before


def test_a_name_that_is_no_commit_is_one_line_and_no_run() -> None:
    done = _bench("no-such-commit-xyz", "--prompt", "v2", "--split", "seeds", "--out", "/nonexistent/never-made")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: 'no-such-commit-xyz' is no commit of {ROOT}"]
    assert "Traceback" not in done.stderr and not Path("/nonexistent/never-made").exists()
