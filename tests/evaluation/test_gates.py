"""Scores a user (and a CI job) can trust, through the real ``extractor`` command:
exit codes when articles fail or scores fall short, offline replay that no environment
variable redirects, runs tied to their gold, cassettes that never freeze a failure, and a
user's own labelled corpus."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
import yaml

from extractor.errors import InputError
from extractor.evaluation.gates import metric_value, parse_threshold
from extractor.tasks import ATTACKS
from tests.cli.test_main import one_clear_line, run
from tests.conftest import CORPUS
from tests.extraction.test_robustness import answer, per_article, write_batch
from tests.loopback import error, scripted

SEEDS = sorted(p for p in CORPUS.glob("*.txt") if p.name[:3] in {"000", "001", "002", "003", "004"})


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    """The five seeds as a user's own corpus: articles, their metadata and gold (same ids, so they replay)."""
    corpus = tmp_path / "corpus"
    (corpus / "gold").mkdir(parents=True)
    manifest = json.loads((CORPUS / "metadata.json").read_text(encoding="utf-8"))
    names = {p.name for p in SEEDS}
    entries = [{k: v for k, v in e.items() if k != "split"} for e in manifest["articles"] if e["file"] in names]
    (corpus / "metadata.json").write_text(json.dumps({"articles": entries}), encoding="utf-8")
    for path in SEEDS:
        shutil.copy(path, corpus / path.name)
        shutil.copy(ATTACKS.gold_dir / f"{path.stem}.yaml", corpus / "gold" / f"{path.stem}.yaml")
    return corpus


def scores_of(run_dir: Path) -> dict[str, object]:
    data = json.loads((run_dir / "scores.json").read_text(encoding="utf-8"))["score"]
    return {"events": data["events"], "micro": data["micro"]}


# --------------------------------------------------------------------------- your own corpus


def test_eval_and_gold_check_on_a_corpus_of_your_own(seed_corpus: Path, tmp_path: Path) -> None:
    checked = run("gold", "check", "--corpus", seed_corpus)
    assert checked.returncode == 0, checked.stderr
    assert "gold OK: 5 article(s)" in checked.stdout
    out = tmp_path / "run"
    result = run("eval", "--corpus", seed_corpus, "--prompt", "v2", "--out", out)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["corpus"] == str(seed_corpus)
    assert sorted(manifest["gold_sha256"]) == sorted(f"{p.stem}.yaml" for p in SEEDS)
    assert len(manifest["corpus_sha256"]) == 64


def test_gold_check_on_a_corpus_reports_a_bad_quote(seed_corpus: Path) -> None:
    gold_file = seed_corpus / "gold" / f"{SEEDS[0].stem}.yaml"
    data = yaml.safe_load(gold_file.read_text(encoding="utf-8"))
    data["events"][0]["evidence"] = ["words this article never says"]
    gold_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run("gold", "check", "--corpus", seed_corpus)
    assert result.returncode == 2
    assert "words this article never says" in result.stderr


def test_a_corpus_without_gold_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    result = run("eval", "--corpus", tmp_path / "c")
    assert result.returncode == 2
    one_clear_line(result, "no gold/ folder")


# --------------------------------------------------------------------------- exit codes


def test_eval_exits_non_zero_when_every_article_failed(seed_corpus: Path, tmp_path: Path) -> None:
    # No cassettes exist for this model: every article is "no recording".
    result = run("eval", "--corpus", seed_corpus, "--model", "no-such-model", "--out", tmp_path / "r")
    assert result.returncode == 5, result.stderr
    one_clear_line(result, "5 of 5 article(s) failed", "--allow-errors")
    assert (tmp_path / "r" / "report.md").is_file(), "the failed run is still written, for reading"
    allowed = run(
        "eval", "--corpus", seed_corpus, "--model", "no-such-model", "--allow-errors", "--out", tmp_path / "r2"
    )
    assert allowed.returncode == 0, allowed.stderr


def test_fail_under_trips_below_the_bound_and_passes_above_it(seed_corpus: Path, tmp_path: Path) -> None:
    passing = run(
        "eval", "--corpus", seed_corpus, "--fail-under", "event_f1=0.05", "--fail-under", "micro_f1=0.05",
        "--out", tmp_path / "a",
    )  # fmt: skip
    assert passing.returncode == 0, passing.stderr
    failing = run(
        "eval", "--corpus", seed_corpus, "--fail-under", "event_f1=0.99", "--fail-under", "location.site=0.99",
        "--out", tmp_path / "b",
    )  # fmt: skip
    assert failing.returncode == 6, failing.stderr
    assert "fail-under: event_f1 is 0." in failing.stderr and "below the bound 0.99" in failing.stderr
    assert "fail-under: location.site is " in failing.stderr
    assert "Traceback" not in failing.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [("event_f1", "expected METRIC=VALUE"), ("event_f1=high", "not a number"), ("event_f1=2", "between 0 and 1")],
)
def test_a_malformed_threshold_is_an_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_threshold(text)


def test_an_unknown_metric_names_the_known_ones(seed_corpus: Path, tmp_path: Path) -> None:
    result = run("eval", "--corpus", seed_corpus, "--fail-under", "accuracy=0.5", "--out", tmp_path / "r")
    assert result.returncode == 2
    one_clear_line(result, "unknown metric 'accuracy'", "event_f1", "location.site")


def test_metric_names_read_the_score(seed_corpus: Path, tmp_path: Path) -> None:
    from extractor.evaluation.suite import load_run

    assert run("eval", "--corpus", seed_corpus, "--out", tmp_path / "r").returncode == 0
    score = load_run(tmp_path / "r").score
    assert metric_value(score, "event_f1") == score.events.f1
    assert metric_value(score, "field_micro_f1".replace("field_", "")) == score.micro.f1
    assert metric_value(score, "killed") == score.fields["killed"].f1
    assert metric_value(score, "location.site.recall") == score.fields["location.site"].recall


def test_compare_names_the_splits_the_prompts_were_chosen_on_but_never_a_users_corpus(
    seed_corpus: Path, tmp_path: Path
) -> None:
    ours = run("compare", "v2", "v3", "--split", "seeds", "--out", tmp_path / "ours")
    assert ours.returncode == 0, ours.stderr
    assert "seeds is a split this task's prompts and rules are chosen on:" in " ".join(ours.stdout.split())
    # The same articles as a corpus of the user's own: nothing was chosen on it.
    theirs = run("compare", "v2", "v3", "--corpus", seed_corpus, "--out", tmp_path / "theirs")
    assert theirs.returncode == 0, theirs.stderr
    assert "chosen" not in theirs.stdout
    # eval says it too, under its scores and in both reports, and not for test.
    seeds = run("eval", "--prompt", "v2", "--split", "seeds", "--resamples", "50", "--out", tmp_path / "e1")
    says = "seeds is a split this task's prompts and rules are chosen on:"
    assert f"note: {says}" in " ".join(seeds.stdout.split())
    assert f"**Note:** {says}" in (tmp_path / "e1" / "report.md").read_text(encoding="utf-8")
    assert f"<b>Note.</b> {says}" in html.unescape((tmp_path / "e1" / "report.html").read_text(encoding="utf-8"))
    test = run("eval", "--prompt", "v2", "--split", "test", "--resamples", "50", "--out", tmp_path / "e2")
    assert test.returncode == 0, test.stderr
    assert "chosen" not in test.stdout + test.stderr
    assert "Note" not in (tmp_path / "e2" / "report.md").read_text(encoding="utf-8")


def test_fail_on_regression_trips_on_a_real_loss_and_passes_on_a_gain(seed_corpus: Path, tmp_path: Path) -> None:
    # On the seeds v4 (the fenced article) loses to v3 with intervals below 0 on both headline metrics.
    worse = run("compare", "v3", "v4", "--corpus", seed_corpus, "--fail-on-regression", "--out", tmp_path / "a")
    assert worse.returncode == 6, worse.stdout + worse.stderr
    lines = [line for line in worse.stderr.splitlines() if line.startswith("regression:")]
    assert len(lines) == 2, worse.stderr
    assert lines[0].startswith("regression: v4 event_f1 is 0.") and "excludes 0" in lines[0]
    assert "Traceback" not in worse.stderr
    better = run("compare", "v4", "v3", "--corpus", seed_corpus, "--fail-on-regression", "--out", tmp_path / "b")
    assert better.returncode == 0, better.stderr
    # v2 against v3 differs, but not beyond its interval: no regression either way.
    noise = run("compare", "v2", "v3", "--corpus", seed_corpus, "--fail-on-regression", "--out", tmp_path / "c")
    assert noise.returncode == 0, noise.stderr


# --------------------------------------------------------------------------- offline means offline


def test_an_api_key_in_the_environment_leaves_replay_unchanged(seed_corpus: Path, tmp_path: Path) -> None:
    plain = run("eval", "--corpus", seed_corpus, "--out", tmp_path / "plain")
    keyed = run(
        "eval", "--corpus", seed_corpus, "--out", tmp_path / "keyed",
        env={"OPENAI_API_KEY": "sk-test-not-a-key", "EXTRACTOR_BASE_URL": "http://127.0.0.1:9/v1"},
    )  # fmt: skip
    assert plain.returncode == 0 and keyed.returncode == 0, keyed.stderr
    assert scores_of(tmp_path / "plain") == scores_of(tmp_path / "keyed")
    manifest = json.loads((tmp_path / "keyed" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == "qwen2.5-coder-1.5b-instruct"


# --------------------------------------------------------------------------- runs are tied to their gold


def test_compare_rescores_a_stored_run_against_the_current_gold(seed_corpus: Path, tmp_path: Path) -> None:
    stored = tmp_path / "stored"
    assert run("eval", "--corpus", seed_corpus, "--prompt", "v3", "--out", stored).returncode == 0
    before = run("compare", stored, "v2", "--corpus", seed_corpus, "--out", tmp_path / "c1")
    assert before.returncode == 0, before.stderr
    assert "gold changed" not in before.stderr
    # Drop every gold event of one article: the stored scores would now be wrong.
    gold_file = seed_corpus / "gold" / f"{SEEDS[4].stem}.yaml"
    data = yaml.safe_load(gold_file.read_text(encoding="utf-8"))
    data["events"] = []
    gold_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    after = run("compare", stored, "v2", "--corpus", seed_corpus, "--out", tmp_path / "c2")
    assert after.returncode == 0, after.stderr
    assert f"gold changed since the run ({SEEDS[4].stem}.yaml)" in after.stderr
    fresh = run("eval", "--corpus", seed_corpus, "--prompt", "v3", "--out", tmp_path / "fresh")
    assert fresh.returncode == 0
    compared = json.loads((tmp_path / "c2" / "comparison.json").read_text(encoding="utf-8"))
    stored_now = next(v for v in compared["versions"] if v["label"] == "v3")
    assert stored_now["events"] == scores_of(tmp_path / "fresh")["events"], "re-scored, not the old scores"


def test_compare_refuses_a_stored_run_whose_article_changed(seed_corpus: Path, tmp_path: Path) -> None:
    stored = tmp_path / "stored"
    assert run("eval", "--corpus", seed_corpus, "--out", stored).returncode == 0
    with (seed_corpus / SEEDS[1].name).open("a", encoding="utf-8") as fh:
        fh.write("\nAn added line.\n")
    result = run("compare", stored, "v3", "--corpus", seed_corpus, "--out", tmp_path / "c")
    assert result.returncode == 2
    one_clear_line(result, "changed or removed since it was made", SEEDS[1].stem)


@pytest.mark.parametrize("key", ["cost", "score"])
def test_a_run_directory_missing_a_key_is_one_line(seed_corpus: Path, tmp_path: Path, key: str) -> None:
    stored = tmp_path / "stored"
    assert run("eval", "--corpus", seed_corpus, "--out", stored).returncode == 0
    scores = json.loads((stored / "scores.json").read_text(encoding="utf-8"))
    del scores[key]
    (stored / "scores.json").write_text(json.dumps(scores), encoding="utf-8")
    result = run("compare", stored, "v2", "--corpus", seed_corpus, "--out", tmp_path / "c")
    assert result.returncode == 2
    one_clear_line(result, "unreadable run files", key)


def test_compare_replays_with_the_max_tokens_it_is_given(seed_corpus: Path, tmp_path: Path) -> None:
    # The seeds were recorded with the default 1536: another cap is another request, not in the
    # cassettes, so every article fails as stale, and a compare whose runs failed does not exit 0.
    other = run("compare", "v2", "v3", "--corpus", seed_corpus, "--max-tokens", "1000", "--out", tmp_path / "c")
    assert other.returncode == 5  # the failure's own code: a cassette error
    one_clear_line(other, "compare: 10 of 10 article(s) failed", "parameters changed", "--max-tokens 1000 --rerecord")
    allowed = run(
        "compare",
        "v2",
        "v3",
        "--corpus",
        seed_corpus,
        "--max-tokens",
        "1000",
        "--allow-errors",
        "--out",
        tmp_path / "e",
    )
    assert allowed.returncode == 0, allowed.stderr
    same = run("compare", "v2", "v3", "--corpus", seed_corpus, "--max-tokens", "1536", "--out", tmp_path / "d")
    assert same.returncode == 0, same.stderr


# --------------------------------------------------------------------------- cassettes never freeze a failure


def test_a_503_is_never_recorded(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    paths = write_batch(tmp_path / "a", "alpha", "bravo")
    faults = {
        "alpha": lambda n: error(503, "overloaded"),  # down for good
        "bravo": lambda n: error(503, "overloaded") if n == 1 else answer("bravo"),  # recovers on the retry
    }
    env = {"EXTRACTOR_CASSETTES": str(cassettes)}
    with scripted(per_article(**faults)) as server:
        result = run(
            "extract", *paths, "--base-url", server.base_url, "--model", "test-model", "--record", "--retries", "1",
            env=env,
        )  # fmt: skip
    assert result.returncode == 4, result.stderr
    recorded = sorted(p.name for p in cassettes.rglob("*.yaml"))
    assert recorded == ["bravo.yaml"], "the failed article left no cassette"
    text = (next(cassettes.rglob("bravo.yaml"))).read_text(encoding="utf-8")
    statuses = [i["response"]["status"]["code"] for i in yaml.safe_load(text)["interactions"]]
    # Not a substring test for "503": the recorded latency may read 0.503 s.
    assert statuses == [200] and "overloaded" not in text, "the transient 503 before the retry was not kept"
    replay = run("extract", paths[1], "--model", "test-model", "--replay", env=env)
    assert replay.returncode == 0, replay.stderr
    assert "Camp Bravo" in replay.stdout


def test_a_corrupt_cassette_has_its_own_error(seed_corpus: Path, tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    shutil.copytree(CORPUS.parent.parent.parent / "cassettes", cassettes)
    target = next(cassettes.rglob(f"attacks@v2/{SEEDS[0].stem}.yaml"))
    target.write_text("interactions: [unclosed\n", encoding="utf-8")
    result = run(
        "extract",
        seed_corpus / SEEDS[0].name,
        "--prompt",
        "v2",
        "--replay",
        env={"EXTRACTOR_CASSETTES": str(cassettes)},
    )
    assert result.returncode == 5
    one_clear_line(result, "corrupt cassette", "not readable YAML", "re-record with")
    assert "changed since recording" not in result.stderr
