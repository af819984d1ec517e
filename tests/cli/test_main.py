"""The real ``extractor`` command in a subprocess: bad input gives one line and a non-zero exit,
never a traceback, never a half-written output file, never lost work from the rest of a batch."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.cli.main import DEFAULT_CHOSEN_ON, DEFAULT_PROMPT
from extractor.evaluation.suite import run_eval
from extractor.extraction.cassettes import CassetteMode
from extractor.extraction.config import resolve_settings
from extractor.extraction.local_server import QWEN
from extractor.extraction.prompts import list_versions, load_prompt
from extractor.tasks import ATTACKS
from tests.conftest import CORPUS, ROOT

EXTRACTOR = [sys.executable, "-m", "extractor"]
GOOD = CORPUS / "002_a21afc5445094d1e.txt"


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "EXTRACTOR_BASE_URL", "EXTRACTOR_MODEL")}
    return subprocess.run(
        [*EXTRACTOR, *map(str, args)],
        capture_output=True,
        text=True,
        env={**base, "COLUMNS": "200", **(env or {})},
        cwd=cwd,
        timeout=300,
        check=False,
    )


def one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors, result.stderr
    for needle in needles:
        assert any(needle in line for line in errors), f"{needle!r} not in {errors}"


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A seed article copied out of the corpus: same id, so its cassette replays."""
    target = tmp_path / "articles"
    target.mkdir()
    shutil.copy(GOOD, target / GOOD.name)
    shutil.copy(CORPUS / "metadata.json", target / "metadata.json")  # title and date are part of the prompt
    return target / GOOD.name


def test_missing_file(tmp_path: Path) -> None:
    result = run("extract", tmp_path / "nope.txt", "--replay")
    assert result.returncode == 2
    one_clear_line(result, "nope.txt")


def test_directory_without_articles(tmp_path: Path) -> None:
    result = run("extract", tmp_path, "--replay")
    assert result.returncode == 2
    one_clear_line(result, "no *.txt")


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02GGUF\x00", "NUL byte"),
        ("latin1.txt", "Caf\xe9 attack".encode("latin-1"), "UTF-8"),
    ],
)
def test_bad_article_in_a_batch_does_not_stop_the_others(
    tmp_path: Path, seed_copy: Path, name: str, content: bytes, needle: str
) -> None:
    bad = seed_copy.parent / name
    bad.write_bytes(content)
    out = tmp_path / "out.jsonl"
    result = run("extract", bad, seed_copy, "--replay", "--out", out)
    assert result.returncode == 2
    one_clear_line(result, name, needle)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["article_id"] for r in records] == [seed_copy.stem], "the good article is still extracted and written"
    assert records[0]["status"] == "ok"


def test_unreachable_base_url_is_one_line_per_article_and_no_output(tmp_path: Path, seed_copy: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out.jsonl"
    result = run("extract", seed_copy, "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m", "--out", out)
    assert result.returncode == 4
    one_clear_line(result, "cannot reach the model server", f"127.0.0.1:{port}")
    # The record of the failure is kept (whole); nothing half-written.
    lines = out.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["status"] == "error"


def test_corrupt_model_file_is_refused(tmp_path: Path, seed_copy: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / QWEN.filename).write_bytes(b"GGUF" + b"\x00" * 1024)
    out = tmp_path / "out.jsonl"
    result = run("extract", seed_copy, "--out", out, env={"EXTRACTOR_CACHE_DIR": str(cache)})
    assert result.returncode == 3
    one_clear_line(result, "corrupt", "models pull")
    assert not out.exists()


def test_model_path_that_is_not_gguf(tmp_path: Path, seed_copy: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_text("not a model")
    result = run("extract", seed_copy, "--model-path", fake)
    assert result.returncode == 3
    one_clear_line(result, "not a GGUF file")


def test_out_must_not_be_a_directory(tmp_path: Path, seed_copy: Path) -> None:
    result = run("extract", seed_copy, "--replay", "--out", tmp_path)
    assert result.returncode == 2
    one_clear_line(result, "is a directory")


def test_one_cassette_mode_at_a_time_and_none_for_a_live_eval(tmp_path: Path, seed_copy: Path) -> None:
    both = run("extract", seed_copy, "--record", "--extend", "--out", tmp_path / "r.jsonl")
    assert both.returncode != 0
    one_clear_line(both, "choose one of --record, --rerecord, --extend, --replay")
    live = run("eval", "--split", "seeds", "--live", "--extend", "--out", tmp_path / "run")
    assert live.returncode != 0
    one_clear_line(live, "--live records nothing")
    assert not (tmp_path / "r.jsonl").exists() and not (tmp_path / "run").exists()


def test_bad_published_date_and_unknown_prompt(seed_copy: Path) -> None:
    result = run("extract", seed_copy, "--replay", "--published", "23/10/2023")
    assert result.returncode == 2
    one_clear_line(result, "not a date")
    result = run("extract", seed_copy, "--replay", "--prompt", "v99")
    assert result.returncode == 2
    one_clear_line(result, "unknown prompt version 'v99'", "v1, v2, v3")


def test_replayed_extract_prints_the_events_and_writes_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = run("extract", CORPUS / "004_9ea864399c76523a.txt", "--replay", "--out", out)
    assert result.returncode == 0, result.stderr
    record = json.loads(out.read_text())
    assert record["status"] == "ok" and record["events"]
    assert record["prompt"] == "attacks@v2" and len(record["prompt_sha256"]) == 64
    assert record["model_sha256"] == QWEN.sha256 and len(record["schema_sha256"]) == 64
    site = record["events"][0]["location"]["site"]
    assert site and site in result.stdout


def test_gold_check_passes_on_the_suite_and_names_a_broken_quote(tmp_path: Path) -> None:
    result = run("gold", "check")
    assert result.returncode == 0, result.stderr
    assert "every check passed" in result.stdout
    shutil.copytree(ROOT / "evals", tmp_path / "evals")
    shutil.copytree(ROOT / "prompts", tmp_path / "prompts")
    gold = tmp_path / "evals" / "attacks" / "gold" / "004_9ea864399c76523a.yaml"
    text = gold.read_text(encoding="utf-8")
    assert "targeted an American army base" in text
    gold.write_text(
        text.replace("targeted an American army base", "targeted an American air base", 1), encoding="utf-8"
    )
    result = run("gold", "check", env={"EXTRACTOR_ROOT": str(tmp_path)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "004_9ea864399c76523a.txt: e1: evidence is not an exact substring" in result.stderr
    assert "American air base" in result.stderr


def test_help_builds_every_command_without_the_heavy_libraries() -> None:
    """``extractor --help`` (and any command's --help) builds the whole Typer app; the library's
    heavy parts are imported only by the commands that run them (bench/startup.py times it)."""
    probe = (
        "import sys\n"
        "from typer.main import get_command\n"
        "from extractor.cli.main import app\n"
        "get_command(app)\n"
        "heavy = ['pydantic', 'numpy', 'scipy', 'openai', 'instructor', 'vcr', 'jinja2', 'yaml', 'rapidfuzz']\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
    assert run("incidents", "--help").stdout.count("--window-days") == 1
    assert "[default: 30]" in " ".join(run("incidents", "--help").stdout.split())


def test_the_default_prompt_is_the_version_with_the_best_held_out_dev_field_micro_f1() -> None:
    """The README's rule for the default of extract and eval, checked on the committed cassettes: the best field
    micro F1 on the dev rounds collected after the newest version was written."""
    settings = resolve_settings(model=QWEN.name, cassette_mode=CassetteMode.REPLAY, cassette_dir=ROOT / "cassettes")
    held_out = {
        version: run_eval(ATTACKS, load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version), settings, n_resamples=10,
                          split=DEFAULT_CHOSEN_ON).score.micro.f1
        for version in list_versions(ATTACKS.prompts_dir)
    }  # fmt: skip
    assert max(held_out, key=lambda version: held_out[version]) == DEFAULT_PROMPT, held_out
    # The rounds are those after the newest version's: a version newer than v19 needs rounds collected after it.
    assert list_versions(ATTACKS.prompts_dir)[-1] == "v19", "a newer version: move DEFAULT_CHOSEN_ON past its rounds"


def test_extract_and_eval_use_the_default_prompt_unless_told(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "EXTRACTOR_PROMPT"}
    out = tmp_path / "r.jsonl"
    command = [*EXTRACTOR, "extract", str(CORPUS / "004_9ea864399c76523a.txt"), "--replay", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["prompt"] == f"attacks@{DEFAULT_PROMPT}"
    told = run("extract", CORPUS / "004_9ea864399c76523a.txt", "--replay", "--out", tmp_path / "v2.jsonl")
    assert told.returncode == 0, told.stderr
    assert json.loads((tmp_path / "v2.jsonl").read_text(encoding="utf-8"))["prompt"] == "attacks@v2", "EXTRACTOR_PROMPT"


def test_eval_no_text_check_is_named_in_the_report_and_the_manifest(tmp_path: Path) -> None:
    result = run("eval", "--prompt", "v9", "--split", "seeds", "--no-text-check", "--out", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    assert "without the text check" in result.stdout
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["text_check"] is False and "--no-text-check" in manifest["command"]
