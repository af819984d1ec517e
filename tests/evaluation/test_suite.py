"""The eval suite end to end, offline from the committed cassettes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from extractor.evaluation.compare import compare_runs
from extractor.evaluation.gold import load_gold_dir
from extractor.evaluation.incidents import cluster_events, gold_incident_keys, incident_scores, members_from_records
from extractor.evaluation.suite import EvalRun, load_run, run_eval, write_run
from extractor.extraction.cassettes import CassetteMode
from extractor.extraction.config import resolve_settings
from extractor.extraction.local_server import QWEN
from extractor.extraction.prompts import load_prompt
from extractor.tasks import ATTACKS
from tests.conftest import CORPUS, ROOT

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


def test_an_article_whose_cassette_kept_no_latency_is_counted_untimed_not_as_zero() -> None:
    """v19's cassettes are v18's less some turns: where a turn was dropped the recorded time was v18's, so none is
    kept (seeds 003 and 004, whose "Syria" turn alone and "Middle East" turns v19 does not ask); the mean is the
    other articles', and says so."""
    from extractor.evaluation.compare import compare_runs
    from extractor.reporting.report import eval_markdown

    run = _replay("v19")
    timed = [r.latency_s for r in run.records if r.latency_s is not None]
    assert [r.article_id[:3] for r in run.records if r.latency_s is None] == ["003", "004"]
    assert run.cost.untimed == 2
    assert run.cost.latency_s_per_article == pytest.approx(sum(timed) / 3)
    assert f"{run.cost.latency_s_per_article:.1f} s (2 untimed) per article" in eval_markdown(run)
    golds = load_gold_dir(ATTACKS.gold_dir, ATTACKS.event_model)
    v18, v19 = compare_runs([_replay("v18"), run], golds, n_resamples=200).versions
    assert (v18.untimed, v19.untimed) == (0, 2)


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
    incidents = scores["incidents"]
    assert incidents["scores"]["events"] > 0
    line = f"B-cubed P {incidents['scores']['bcubed_precision']:.3f}"
    for page in ("report.md", "report.html"):
        assert line in (out / page).read_text(), page
    assert line in " ".join(result.stdout.split())


# --------------------------------------------------------------------------- incidents


def test_eval_scores_incidents_as_the_incidents_command_does(runs: list[EvalRun]) -> None:
    """The eval's incident scores are the ``incidents --gold`` scores of the same records."""
    run = runs[2]
    assert run.incidents is not None
    golds = load_gold_dir(ATTACKS.gold_dir, ATTACKS.event_model)
    incidents = cluster_events(members_from_records(run.records))
    keys = gold_incident_keys(run.records, golds)
    assert run.incidents.scores == incident_scores(incidents, keys)
    assert run.incidents.incidents == incidents


def test_eval_incidents_cover_the_run_and_its_gold(runs: list[EvalRun]) -> None:
    golds = load_gold_dir(ATTACKS.gold_dir, ATTACKS.event_model)
    for run in runs:
        inc = run.incidents
        assert inc is not None
        extracted = {(r.article_id, i) for r in run.records for i in range(len(r.events))}
        members = [m.ref for incident in inc.incidents for m in incident.members]
        assert sorted(members) == sorted(extracted)  # every extracted event in exactly one incident
        assert inc.events == len(extracted)
        gold_events = [e for r in run.records for e in golds[r.article_id].events]
        assert inc.gold_events == len(gold_events)
        assert inc.gold_incidents == len({e.incident for e in gold_events})
        # The scored events are those the eval itself paired with a required gold event.
        paired = {(a.article_id, p.pred_index) for a in run.score.articles for p in a.pairs if p.status == "matched"}
        assert {tuple(k.rsplit(":", 1)) for k in inc.gold_keys} == {(a, str(i)) for a, i in paired}
        assert inc.scores.events == len(paired)


def test_incident_scores_round_trip_through_the_run_directory(tmp_path: Path, runs: list[EvalRun]) -> None:
    write_run(runs[2], tmp_path / "run")
    stored = json.loads((tmp_path / "run" / "scores.json").read_text())
    assert runs[2].incidents is not None
    assert stored["incidents"]["scores"] == runs[2].incidents.scores.model_dump()
    loaded = load_run(tmp_path / "run")
    assert loaded.incidents == runs[2].incidents


def test_a_run_directory_without_incidents_still_loads(tmp_path: Path, runs: list[EvalRun]) -> None:
    """Runs written before incidents were scored load, with no incident scores."""
    write_run(runs[0], tmp_path / "run")
    scores_file = tmp_path / "run" / "scores.json"
    stored = json.loads(scores_file.read_text())
    del stored["incidents"]
    scores_file.write_text(json.dumps(stored))
    assert load_run(tmp_path / "run").incidents is None


def test_a_split_at_a_round_is_the_split_as_it_stood_then() -> None:
    from extractor.errors import InputError
    from extractor.evaluation.suite import select_split
    from extractor.extraction.articles import load_corpus

    articles = load_corpus(CORPUS)
    dev, first = select_split(articles, "dev", CORPUS), select_split(articles, "dev@1", CORPUS)
    assert len(first) == 18 and {a.meta.round for a in first} == {1}
    assert len(dev) > len(first) and {a.id for a in first} < {a.id for a in dev}
    assert select_split(articles, "dev@12", CORPUS) == dev
    # The README's dev (104) figures before round 12 entered dev are the articles dev held before it.
    assert len(select_split(articles, "dev@11", CORPUS)) == 104
    # The README's dev (92) figures before the round-9 rules stop are the articles dev held before round 10.
    assert len(select_split(articles, "dev@9", CORPUS)) == 92
    # The README's dev (86) figures before the round-8 rules stop are the articles dev held before round 9.
    assert len(select_split(articles, "dev@8", CORPUS)) == 86
    # The README's dev (76) figures before the round-8 stop are the articles dev held before round 8.
    assert len(select_split(articles, "dev@7", CORPUS)) == 76
    # The README's dev (56) figures before the round-7 stop are the articles dev held before round 7.
    assert len(select_split(articles, "dev@5", CORPUS)) == 56 == len(select_split(articles, "dev@6", CORPUS))
    # The README's dev (46) figures before the unread-round stop are the articles dev held before round 5.
    assert len(select_split(articles, "dev@4", CORPUS)) == 46
    # The README's dev (30) figures are the articles dev held before round 4.
    assert len(select_split(articles, "dev@2", CORPUS)) == 30 == len(select_split(articles, "dev@3", CORPUS))
    for bad in ("dev@", "dev@0", "dev@x"):
        with pytest.raises(InputError, match="the round after '@' must be a whole number"):
            select_split(articles, bad, CORPUS)


def test_a_split_hash_round_is_only_the_articles_of_that_round() -> None:
    """``test#3`` is the round no version was built on: the articles collected then, and no others."""
    from extractor.errors import InputError
    from extractor.evaluation.suite import select_split
    from extractor.extraction.articles import load_corpus

    articles = load_corpus(CORPUS)
    second, first = select_split(articles, "dev#2", CORPUS), select_split(articles, "dev@1", CORPUS)
    fourth, fifth = select_split(articles, "dev#4", CORPUS), select_split(articles, "dev#5", CORPUS)
    seventh, eighth = select_split(articles, "dev#7", CORPUS), select_split(articles, "dev#8", CORPUS)
    ninth, tenth = select_split(articles, "dev#9", CORPUS), select_split(articles, "dev#10", CORPUS)
    eleventh, twelfth = select_split(articles, "dev#11", CORPUS), select_split(articles, "dev#12", CORPUS)
    assert second and {a.meta.round for a in second} == {2}
    assert len(fourth) == 16 and {a.meta.round for a in fourth} == {4}
    assert len(fifth) == 10 and {a.meta.round for a in fifth} == {5}
    assert len(seventh) == 20 and {a.meta.round for a in seventh} == {7}
    assert len(eighth) == 10 and {a.meta.round for a in eighth} == {8}
    assert len(ninth) == 6 and {a.meta.round for a in ninth} == {9}
    assert len(tenth) == 6 and {a.meta.round for a in tenth} == {10}
    assert len(eleventh) == 6 and {a.meta.round for a in eleventh} == {11}
    assert len(twelfth) == 6 and {a.meta.round for a in twelfth} == {12}
    rounds = first + second + fourth + fifth + seventh + eighth + ninth + tenth + eleventh + twelfth
    assert [a.id for a in select_split(articles, "dev", CORPUS)] == sorted(
        [a.id for a in rounds], key=[a.id for a in articles].index
    )
    # ">N": the rounds collected after round N, pooled (those no version of round N's time was written reading).
    assert select_split(articles, "dev>7", CORPUS) == eighth + ninth + tenth + eleventh + twelfth
    assert select_split(articles, "dev>10", CORPUS) == eleventh + twelfth
    latest = select_split(articles, "test#3", CORPUS)
    assert latest and {a.meta.round for a in latest} == {3} and {a.meta.split for a in latest} == {"test"}
    # The README's test@1 figures are the 18 articles test held before round 3.
    assert len(select_split(articles, "test@1", CORPUS)) == 18 == len(select_split(articles, "test@2", CORPUS))
    # The README's test (38) figures before the test-round stop are the articles test held before round 6.
    assert len(select_split(articles, "test@5", CORPUS)) == 38
    sixth = select_split(articles, "test#6", CORPUS)
    assert len(sixth) == 19 and {a.meta.split for a in sixth} == {"test"}
    # The README's test (57) figures before the test-round-13 stop are the articles test held before round 13.
    thirteenth = select_split(articles, "test#13", CORPUS)
    assert len(thirteenth) == 10 and {a.meta.split for a in thirteenth} == {"test"}
    assert len(select_split(articles, "test@12", CORPUS)) == 57
    assert select_split(articles, "test>12", CORPUS) == thirteenth
    with pytest.raises(InputError, match=r"no article of .* is in that split"):
        select_split(articles, "dev#3", CORPUS)
    with pytest.raises(InputError, match=r"no article of .* is in that split"):
        select_split(articles, "dev>12", CORPUS)
    with pytest.raises(InputError, match="the round after '>' must be a whole number"):
        select_split(articles, "dev>x", CORPUS)
    for bad in ("test#", "test#0", "test#x"):
        with pytest.raises(InputError, match="the round after '#' must be a whole number"):
            select_split(articles, bad, CORPUS)


def test_no_text_check_scores_the_resolved_answers_and_says_so_in_the_manifest() -> None:
    """The same cassettes with and without the task's check against the text: seed 002's v9 answer lists the
    al-Tanf attack twice, once with the country "Iraq" as its site; the check drops a country written as a site and
    then merges the two as one attack, so only the run without it keeps both (and is marked so)."""
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v9")
    settings = resolve_settings(cassette_mode=CassetteMode.REPLAY)
    checked = run_eval(ATTACKS, prompt, settings, n_resamples=50, split="seeds")
    unchecked = run_eval(ATTACKS, prompt, settings, n_resamples=50, split="seeds", text_check=False)
    assert checked.manifest.text_check and not unchecked.manifest.text_check
    sites = {
        run.manifest.text_check: [
            e["location"]["site"] for r in run.records if r.article_id.startswith("002") for e in r.events
        ]
        for run in (checked, unchecked)
    }
    assert sites[True] == ["al-Tanf garrison"]
    assert sorted(sites[False]) == ["Iraq", "al-Tanf garrison"]
    assert [r.usage for r in checked.records] == [r.usage for r in unchecked.records]  # the same answers
    note = compare_runs([checked, unchecked], load_gold_dir(ATTACKS.gold_dir, ATTACKS.event_model), n_resamples=50)
    assert any("without the task's check against the text" in n for n in note.notes)
