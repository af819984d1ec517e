"""The eval suite end to end, offline from the committed cassettes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from extractor.cassettes import CassetteMode
from extractor.compare import compare_runs
from extractor.config import resolve_settings
from extractor.evaluation import EvalRun, load_run, run_eval, write_run
from extractor.gold import load_gold_dir
from extractor.local_server import QWEN
from extractor.prompts import load_prompt
from extractor.tasks import ATTACKS

from .conftest import CORPUS, ROOT

SEEDS = sorted(p for p in CORPUS.glob("*.txt") if p.name[:3] in {"000", "001", "002", "003", "004"})


def _replay(version: str) -> EvalRun:
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version)
    # The seeds: the split every prompt version is recorded on.
    settings = resolve_settings(cassette_mode=CassetteMode.REPLAY)
    return run_eval(ATTACKS, prompt, settings, n_resamples=500, split="seeds")


@pytest.fixture(scope="module")
def runs() -> list[EvalRun]:
    return [_replay(v) for v in ("v1", "v2", "v3")]


def test_eval_is_deterministic_and_fully_recorded(runs: list[EvalRun]) -> None:
    again = _replay("v2")
    assert again.score.model_dump() == runs[1].score.model_dump()
    for run in runs:
        assert run.cost.errors == 0, [r.error for r in run.records if r.error]
        assert run.manifest.model_sha256 == QWEN.sha256
        assert run.manifest.prompt_sha256 == load_prompt(ATTACKS.prompts_dir, ATTACKS.name, run.label).sha256
        assert run.manifest.packages["openai"] and run.manifest.packages["instructor"]
        assert len(run.records) == len(SEEDS)
        assert run.manifest.split == "seeds"


def test_comparison_numbers_match_the_eval_runs(runs: list[EvalRun]) -> None:
    golds = load_gold_dir(ATTACKS.gold_dir, ATTACKS.event_model)
    comparison = compare_runs(runs, golds, n_resamples=500)
    for run, version in zip(runs, comparison.versions, strict=True):
        assert version.label == run.label
        assert version.events.f1 == pytest.approx(run.score.events.f1)
        assert version.micro.f1 == pytest.approx(run.score.micro.f1)
        for field, counts in run.score.fields.items():
            assert version.fields[field].f1 == pytest.approx(counts.f1)


def test_run_directory_round_trips(tmp_path: Path, runs: list[EvalRun]) -> None:
    write_run(runs[2], tmp_path / "run")
    loaded = load_run(tmp_path / "run")
    assert loaded.model_dump() == runs[2].model_dump()


def test_an_article_that_fails_is_a_row_not_an_abort(tmp_path: Path) -> None:
    """An article without a recording still appears in the scores: empty prediction, with its error."""
    corpus = tmp_path / "articles"
    shutil.copytree(CORPUS, corpus)
    gold = tmp_path / "gold"
    shutil.copytree(ATTACKS.gold_dir, gold)
    cassettes = tmp_path / "cassettes"
    shutil.copytree(ROOT / "cassettes", cassettes)
    (cassettes / QWEN.name / "attacks@v2" / "002_a21afc5445094d1e.yaml").unlink()
    task = replace(ATTACKS, corpus_dir=corpus, gold_dir=gold)
    prompt = load_prompt(task.prompts_dir, task.name, "v2")
    settings = resolve_settings(cassette_mode=CassetteMode.REPLAY, cassette_dir=cassettes)
    run = run_eval(task, prompt, settings, n_resamples=100, split="seeds")
    failed = next(a for a in run.score.articles if a.article_id == "002_a21afc5445094d1e")
    assert failed.error is not None and "no recording" in failed.error
    golds = load_gold_dir(gold, task.event_model)
    required = sum(not e.optional for e in golds["002_a21afc5445094d1e"].events)
    assert required == 2  # the gold file's two required events
    assert failed.events.fn == required and failed.events.tp == 0 and failed.events.fp == 0
    assert len(run.score.articles) == 5 and run.cost.errors == 1


def test_cli_eval_writes_the_whole_run_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "extractor",
            "eval",
            "--prompt",
            "v2",
            "--split",
            "seeds",
            "--out",
            str(out),
            "--resamples",
            "200",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {
        "manifest.json",
        "predictions.jsonl",
        "scores.json",
        "report.md",
        "report.html",
    }
    manifest = json.loads((out / "manifest.json").read_text())
    for key in (
        "prompt",
        "prompt_sha256",
        "schema_sha256",
        "model",
        "model_sha256",
        "params",
        "packages",
        "git_commit",
    ):
        assert manifest[key], key
    scores = json.loads((out / "scores.json").read_text())
    f1 = scores["score"]["events"]["f1"]
    assert f"{f1:.3f}" in result.stdout
    pair = scores["score"]["articles"][0]["pairs"][0]
    assert pair["explanation"], "every score keeps its explanation"
