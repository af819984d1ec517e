"""bench/merged_versions.py on recorded seed runs: the merges are real run directories that compare reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extractor.evaluation.suite import EvalRun, load_run
from extractor.tasks import ATTACKS
from tests.bench.scripts import bench_script, seed_run_dirs
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return seed_run_dirs(tmp_path_factory, ("v17", "v9", "v2"))


def _events(run: EvalRun) -> dict[str, int]:
    return {r.article_id: len(r.events) for r in run.records}


def test_union_and_vote_are_run_directories_compare_reads(seed_runs: dict[str, Path], tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "bench/merged_versions.py", *map(str, seed_runs.values()), "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    members = [load_run(path) for path in seed_runs.values()]
    union, vote = load_run(tmp_path / "union"), load_run(tmp_path / "vote")
    assert union.label == "union(v17+v9+v2)" and vote.label == "vote(v17+v9+v2)"
    assert union.manifest.prompt_sha256 not in {m.manifest.prompt_sha256 for m in members}
    for article_id, count in _events(union).items():
        # Merged by the identity rule: never more than all the members' events, never fewer than the most any
        # one member gives, and the vote keeps no more than the union.
        assert max(_events(m)[article_id] for m in members) <= count <= sum(_events(m)[article_id] for m in members)
        assert _events(vote)[article_id] <= count
    # Every merged event is grounded again in its article, and the cost is every member's.
    for record in union.records:
        assert len(record.grounding) == len(record.events)
        assert record.usage.completion_tokens == sum(
            next(r for r in m.records if r.article_id == record.article_id).usage.completion_tokens for m in members
        )
    compared = subprocess.run(
        [sys.executable, "-m", "extractor", "compare", str(seed_runs["v17"]), str(tmp_path / "vote")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert compared.returncode == 0, compared.stderr
    assert "vote(v17+v9+v2)" in compared.stdout
    assert "identical prompt text" not in compared.stdout


def test_vote_keeps_only_what_two_runs_give() -> None:
    module = bench_script("merged_versions")
    settle = ATTACKS.deduplicate
    assert settle is not None

    def event(site: str, day: str, killed: int) -> dict[str, object]:
        return {
            "evidence": [f"Gunmen attacked {site} on {day}, killing {killed} people."],
            "date_text": day,
            "date": "2024-03-0" + ("1" if day == "Friday" else "2"),
            "location": {"site": site, "area": None, "country": "Nigeria"},
            "perpetrator": None,
            "attribution": "none",
            "target": None,
            "weapons": ["small_arms"],
            "weapon_count": None,
            "killed": killed,
            "injured": None,
            "casualties": "killed",
        }

    alpha, beta = event("Kofa", "Friday", 2), event("Bulaburin", "Saturday", 5)
    kept = module.vote(settle, [[alpha, beta], [alpha], []])
    assert [e["location"]["site"] for e in kept] == ["Kofa"]
    assert module.vote(settle, [[beta], [alpha], [alpha, beta]]) == [beta, alpha]
    assert module.union(settle, [[alpha], [alpha, beta]]) == [alpha, beta]
