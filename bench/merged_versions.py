"""What two or three prompt versions would score together: their recorded answers merged, from run directories.

    python bench/merged_versions.py RUN_A RUN_B [RUN_C ...] --out DIR
    extractor compare RUN_A DIR/union          # then DIR/vote, with three runs or more

No model runs: each RUN is what ``extractor eval --prompt vN --split S --out RUN`` wrote (replayed from the
cassettes), all over the same articles. Per article, two merges of the runs' final events are written as run
directories that ``extractor compare`` reads like any other (so the intervals are its paired bootstrap):

- ``union``: every run's events, the first run's first, merged by the task's own identity rule and settling
  (``Task.deduplicate``: for attacks the same attacker, place and day is one event);
- ``vote`` (three runs or more): an event kept only when at least two runs give it (the identity rule again),
  in the first run's words where it has one.

The time of a merged run is the sum of its runs' (both versions are asked), and its tokens are summed so.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.evaluation.suite import (  # noqa: E402
    EvalRun,
    load_gold_for,
    load_run,
    score_incidents,
    score_records,
    write_run,
)
from extractor.extraction.articles import load_corpus  # noqa: E402
from extractor.extraction.extract import ground_quotes  # noqa: E402
from extractor.extraction.records import ArticleRecord  # noqa: E402
from extractor.runs import command_line, current_git_commit, now  # noqa: E402
from extractor.tasks import ATTACKS, Task  # noqa: E402

Events = list[dict[str, Any]]


def union(settle: Callable[[Sequence[dict[str, Any]]], Events], answers: Sequence[Events]) -> Events:
    return settle([event for events in answers for event in events])


def vote(settle: Callable[[Sequence[dict[str, Any]]], Events], answers: Sequence[Events]) -> Events:
    def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return len(settle([a])) == len(settle([b])) == len(settle([a, b])) == 1

    kept: Events = []
    for at, events in enumerate(answers):
        for event in events:
            givers = {at} | {
                other for other, others in enumerate(answers) if other != at and any(same(event, o) for o in others)
            }
            if len(givers) >= 2 and len(settle([*kept, event])) > len(kept):
                kept.append(event)
    return kept


def merged_run(task: Task, runs: Sequence[EvalRun], merge: Callable[..., Events], label: str) -> EvalRun:
    settle = task.deduplicate or list
    by_id = [{r.article_id: r for r in run.records} for run in runs]
    ids = [r.article_id for r in runs[0].records]
    if any(set(records) != set(ids) for records in by_id):
        sys.exit("the runs are not over the same articles")
    articles = {a.id: a for a in load_corpus(task.corpus_dir)}
    records: list[ArticleRecord] = []
    for article_id in ids:
        answered = [records_of[article_id] for records_of in by_id]
        events = merge(settle, [r.events if r.status == "ok" else [] for r in answered])
        first = answered[0]
        records.append(
            first.model_copy(
                update={
                    "events": events,
                    "grounding": [ground_quotes(articles[article_id], e.get("evidence") or []) for e in events],
                    "usage": sum((r.usage for r in answered[1:]), first.usage),
                    "latency_s": sum(r.latency_s or 0.0 for r in answered),
                    "status": "ok",
                    "error": None,
                    "error_type": None,
                }
            )
        )
    golds = load_gold_for(task, [articles[i] for i in ids])
    # A merge is its own prompt: hashed from its members', so compare never calls it the base's text.
    members = "+".join(run.manifest.prompt_sha256 for run in runs)
    manifest = runs[0].manifest.model_copy(
        update={
            "prompt": f"{task.name}@{label}",
            "prompt_sha256": hashlib.sha256(members.encode("utf-8")).hexdigest(),
            "command": command_line(),
            "started_at": now(),
            "finished_at": now(),
            "git_commit": current_git_commit(),
        }
    )
    return EvalRun.of(manifest, records, score_records(task, records, golds), score_incidents(task, records, golds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories of `extractor eval`, the first the base")
    parser.add_argument("--out", type=Path, required=True, help="where the merged run directories go")
    args = parser.parse_args()
    if len(args.runs) < 2:
        sys.exit("give two run directories or more")
    runs = [load_run(path) for path in args.runs]
    names = "+".join(run.label for run in runs)
    merges: list[tuple[str, Callable[..., Events]]] = [("union", union)]
    if len(runs) >= 3:
        merges.append(("vote", vote))
    for name, merge in merges:
        run = merged_run(ATTACKS, runs, merge, f"{name}({names})")
        write_run(run, args.out / name)
        micro = run.score.micro
        print(f"{args.out / name}: {run.label}: event F1 {run.score.events.f1:.3f}, field micro F1 {micro.f1:.3f}")


if __name__ == "__main__":
    main()
