"""What each stop's code rules are worth on articles they were not written from: one version's recorded answers
replayed with the code of several commits.

    python bench/rules_by_commit.py COMMIT [COMMIT ...] --prompt v17 --split 'dev#7' --out DIR

No model runs. Each COMMIT is checked out in a temporary git worktree (detached, removed afterwards) and replays
``extractor eval`` with that commit's code on this checkout's corpus, gold, prompts and cassettes
(``EXTRACTOR_ROOT``, ``EXTRACTOR_CASSETTES``), so the code is all that differs: the rules, and whatever else
the commits changed, so choose commits between which the scorer and the version's prompt did not change. Each
run is written to ``DIR/<n>-<commit>``; each is then compared with the one before it by this checkout's
``extractor compare`` (its paired bootstrap over articles, re-scored against the current gold), and a table
prints each commit's field micro F1, its paired change and the articles won and lost. ``DIR/steps.json``
holds the same rows.

The README's "Dev grown to 76" measured the last three stops' rules so, on the dev round none was written from.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.evaluation.compare import Comparison  # noqa: E402
from extractor.evaluation.suite import load_run  # noqa: E402


class BenchError(Exception):
    """A step that cannot go on: its message is the one line the script prints."""


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def resolve(commit: str) -> str:
    """The full hash of ``commit`` (a hash, tag, branch or ``HEAD~2``)."""
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    except BenchError:
        raise BenchError(f"{commit!r} is no commit of {ROOT}") from None


def _run_cli(args: Sequence[str], cwd: Path, env: dict[str, str], what: str) -> None:
    command = [sys.executable, "-m", "extractor", *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise BenchError(f"{what} exited {done.returncode}: {lines[-1] if lines else 'no output'}")


def replay_at(commit: str, prompt: str, split: str, out: Path, resamples: int, task: str) -> None:
    """``extractor eval`` of ``prompt`` on ``split`` with the code of ``commit``, written to ``out``."""
    with tempfile.TemporaryDirectory(prefix="rules-by-commit-") as parent:
        tree = Path(parent) / commit[:12]
        _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
        try:
            # `python -m` puts its working directory first on the path: the worktree's code is the code imported.
            env = {
                **os.environ,
                "PYTHONPATH": str(tree),
                "EXTRACTOR_ROOT": str(ROOT),
                "EXTRACTOR_CASSETTES": str(ROOT / "cassettes"),
            }
            args = ["eval", "--task", task, "--prompt", prompt, "--split", split, "--allow-errors"]
            _run_cli([*args, "--resamples", str(resamples), "--out", str(out)], tree, env, f"eval at {commit[:12]}")
        finally:
            _git("worktree", "remove", "--force", str(tree))


def step(before: Path, after: Path, split: str, out: Path, resamples: int, task: str) -> dict[str, Any]:
    """``after`` against ``before``: field micro F1 change with its paired interval, and articles won and lost."""
    args = ["compare", str(before), str(after), "--task", task, "--split", split, "--allow-errors"]
    _run_cli([*args, "--resamples", str(resamples), "--out", str(out)], ROOT, dict(os.environ), "compare")
    [delta] = Comparison.model_validate_json((out / "comparison.json").read_text(encoding="utf-8")).deltas
    micro = delta.headline["micro_f1"]
    return {
        "micro_f1": micro.value,
        "change": micro.delta,
        "interval": [micro.interval.low, micro.interval.high],
        "won": delta.wins,
        "lost": delta.losses,
    }


def measure(
    commits: Sequence[str], prompt: str, split: str, out: Path, resamples: int, task: str
) -> list[dict[str, Any]]:
    """One row per commit, in the order given; every row after the first says what changed since the one before."""
    hashes = [resolve(commit) for commit in commits]
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for number, (name, commit) in enumerate(zip(commits, hashes, strict=True), 1):
        run = out / f"{number}-{commit[:12]}"
        replay_at(commit, prompt, split, run, resamples, task)
        score = load_run(run).score.micro.f1
        row: dict[str, Any] = {"commit": commit, "given": name, "run": str(run), "micro_f1": score}
        if rows:
            row |= step(Path(rows[-1]["run"]), run, split, out / f"compare-{number - 1}-{number}", resamples, task)
        rows.append(row)
    (out / "steps.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return rows


def table(rows: Sequence[dict[str, Any]], prompt: str, split: str) -> str:
    lines = [
        f"| commit | {prompt} field micro F1 on {split} | change, paired [95% CI] | articles won / lost |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        change = (
            f"{row['change']:+.3f} [{row['interval'][0]:+.3f}, {row['interval'][1]:+.3f}]" if "change" in row else ""
        )
        won_lost = f"{row['won']} / {row['lost']}" if "change" in row else ""
        lines.append(f"| {row['given']} ({row['commit'][:10]}) | {row['micro_f1']:.3f} | {change} | {won_lost} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("commits", nargs="+", help="commits in order, oldest first")
    parser.add_argument("--prompt", required=True, help="the version whose recorded answers are replayed")
    parser.add_argument("--split", required=True, help="the split, e.g. dev#7 (the dev round no rule was written from)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the runs, comparisons and steps.json")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--task", default="attacks")
    args = parser.parse_args(argv)
    try:
        rows = measure(args.commits, args.prompt, args.split, args.out, args.resamples, args.task)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(table(rows, args.prompt, args.split))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
