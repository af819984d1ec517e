"""Start-up cost of the command line, as medians of repeated runs (not a timed test).

    python bench/startup.py [--runs N]

1. ``extractor --help``: what a user waits for before any work (goal: under 0.3 s);
2. a replayed ``extractor eval --split seeds`` of the five seeds (goal: under 1 s);
3. ``python -c "import extractor.cli.main"`` against a bare ``python -c pass``, so the
   interpreter's own start-up is told apart from the project's imports;
4. the floor of a replayed eval: importing the real client a replay goes through (openai),
   the recorder (vcrpy) and the assignment solver (scipy.optimize), before any work.

The goals are printed as ratios (measured / goal); under 1.0 meets it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = [PYTHON, "-m", "extractor"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ("extractor --help", median_seconds([*cli, "--help"], args.runs), 0.3),
            (
                "eval --split seeds (replay)",
                median_seconds([*cli, "eval", "--split", "seeds", "--out", f"{tmp}/run"], args.runs),
                1.0,
            ),
            ("import extractor.cli.main", median_seconds([PYTHON, "-c", "import extractor.cli.main"], args.runs), None),
            ("python -c pass", median_seconds([PYTHON, "-c", "pass"], args.runs), None),
            (
                "import openai, vcr, scipy.optimize",
                median_seconds([PYTHON, "-c", "import openai, vcr, scipy.optimize"], args.runs),
                None,
            ),
        ]
    print(f"start-up, median of {args.runs} runs")
    for name, seconds, goal in rows:
        ratio = f"  {seconds / goal:.2f}x the {goal:g} s goal" if goal else ""
        print(f"  {name:<30} {seconds:6.2f} s{ratio}")


if __name__ == "__main__":
    main()
