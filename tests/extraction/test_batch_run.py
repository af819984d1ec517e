"""Batches at scale against a real loopback server: --concurrency keeps input order, errors, resume,
interrupts and cassettes as they are serially; --out is appended as articles finish and survives a kill."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from extractor.extraction.batch_run import read_previous
from extractor.runs import write_atomic
from tests.cli.test_main import EXTRACTOR, run
from tests.conftest import ROOT
from tests.extraction.test_robustness import (
    _interruptible_command,
    answer,
    article_of,
    asked,
    error_lines,
    extract,
    per_article,
    records_in,
    wait_for,
    write_batch,
)
from tests.loopback import Reply, error, scripted, with_latency

NAMES = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
LATENCY_S = 0.3


def without_timing(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "latency_s"}


def test_concurrent_requests_overlap_and_records_keep_the_input_order(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES)
    serial, concurrent = tmp_path / "serial.jsonl", tmp_path / "concurrent.jsonl"
    with scripted(with_latency(LATENCY_S, per_article())) as server:
        assert extract(server, *paths, "--concurrency", "1", out=serial).returncode == 0
        assert server.max_in_flight == 1
    with scripted(with_latency(LATENCY_S, per_article())) as server:
        result = extract(server, *paths, "--concurrency", "4", out=concurrent)
    assert result.returncode == 0, result.stderr
    assert server.max_in_flight == 4, "four requests at once, never more"
    assert server.arrived[3] - server.arrived[0] < LATENCY_S, "the first four were sent without waiting"
    assert [r["article_id"] for r in records_in(concurrent)] == list(NAMES), "input order, not finishing order"
    assert list(map(without_timing, records_in(concurrent))) == list(map(without_timing, records_in(serial)))


def test_a_failing_article_under_concurrency_fails_alone(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES)
    out = tmp_path / "out.jsonl"
    with scripted(with_latency(0.1, per_article(charlie=lambda n: error(503, "overloaded")))) as server:
        result = extract(server, *paths, "--concurrency", "4", "--retries", "1", out=out)
    assert result.returncode == 4, result.stderr
    assert len(error_lines(result)) == 1 and "charlie" in error_lines(result)[0]
    assert asked(server).count("charlie") == 2, "its own bounded retry"
    records = records_in(out)
    assert [(r["article_id"], r["status"]) for r in records] == [
        (name, "error" if name == "charlie" else "ok") for name in NAMES
    ]


def test_resume_drops_a_torn_last_line_and_appends_the_rest(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES)
    out = tmp_path / "out.jsonl"
    with scripted(per_article()) as server:
        assert extract(server, *paths[:3], out=out).returncode == 0
    whole = out.read_text(encoding="utf-8")
    torn = records_in(out)[0] | {"article_id": "delta"}
    out.write_text(whole + json.dumps(torn)[:120], encoding="utf-8")  # a write cut short by a kill
    previous = read_previous(out)
    assert previous.torn and [r.article_id for r in previous.order] == ["alpha", "bravo", "charlie"]

    with scripted(with_latency(0.1, per_article())) as server:
        result = extract(server, *paths, "--resume", "--concurrency", "4", out=out)
    assert result.returncode == 0, result.stderr
    assert "cut short" in result.stderr and "3 of 8 article(s) already done, 5 to extract" in result.stderr
    assert sorted(asked(server)) == sorted(NAMES[3:])
    text = out.read_text(encoding="utf-8")
    assert text.startswith(whole) and text.endswith("\n")
    assert [r["article_id"] for r in records_in(out)] == list(NAMES)


def test_a_killed_batch_keeps_every_finished_record_and_resume_finishes_it(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES)
    out = tmp_path / "out.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "EXTRACTOR_BASE_URL", "EXTRACTOR_MODEL")}
    stall = per_article(**{name: (lambda n: Reply(delay_s=120.0, body={})) for name in ("foxtrot", "golf", "hotel")})
    with scripted(with_latency(0.05, stall)) as server:
        command = [*_interruptible_command(), "extract", *map(str, paths), "--out", str(out)]
        command += ["--base-url", server.base_url, "--model", "test-model", "--concurrency", "3"]
        with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
            try:
                # Five answered, three stalled in flight: SIGKILL, which nothing can catch.
                wait_for(lambda: out.exists() and len(out.read_text(encoding="utf-8").splitlines()) == 5)
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
    kept = records_in(out)
    assert sorted(r["article_id"] for r in kept) == sorted(NAMES[:5]) and all(r["status"] == "ok" for r in kept)

    with scripted(with_latency(0.05, per_article())) as server:
        result = extract(server, *paths, "--resume", "--concurrency", "3", out=out)
    assert result.returncode == 0, result.stderr
    assert sorted(asked(server)) == ["foxtrot", "golf", "hotel"]
    assert [r["article_id"] for r in records_in(out)] == list(NAMES), "one record each, in input order"


def test_ctrl_c_under_concurrency_exits_130_with_the_finished_records_in_order(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES)
    out = tmp_path / "out.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "EXTRACTOR_BASE_URL", "EXTRACTOR_MODEL")}
    stall = per_article(bravo=lambda n: Reply(delay_s=120.0, body={}))
    with scripted(with_latency(0.05, stall)) as server:
        command = [*_interruptible_command(), "extract", *map(str, paths), "--out", str(out)]
        command += ["--base-url", server.base_url, "--model", "test-model", "--concurrency", "2"]
        with subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        ) as proc:
            try:
                # bravo stalls on one worker while the other works through the rest: wait for the
                # seven records on disk, not the server's answers (the client may not have read one yet).
                wait_for(
                    lambda: (
                        server.in_flight == 1
                        and out.exists()
                        and len(out.read_text(encoding="utf-8").splitlines()) == len(NAMES) - 1
                    )
                )
                proc.send_signal(signal.SIGINT)
                _, stderr = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted: 7 of 8 article(s) extracted" in stderr
    names_without_bravo = [n for n in NAMES if n != "bravo"]
    assert [r["article_id"] for r in records_in(out)] == names_without_bravo, "rewritten in input order"

    with scripted(per_article()) as server:
        result = extract(server, *paths, "--resume", out=out)
    assert result.returncode == 0, result.stderr
    assert asked(server) == ["bravo"]
    assert [r["article_id"] for r in records_in(out)] == list(NAMES)


def test_recording_is_serial_and_a_concurrent_replay_gives_the_same_records(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES[:5])
    cassettes = tmp_path / "cassettes"
    env = {"EXTRACTOR_CASSETTES": str(cassettes)}
    recorded, replayed = tmp_path / "recorded.jsonl", tmp_path / "replayed.jsonl"
    with scripted(with_latency(0.05, per_article())) as server:
        result = run(
            "extract", *paths, "--base-url", server.base_url, "--model", "test-model", "--record",
            "--concurrency", "4", "--out", recorded, env=env,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "one article at a time" in result.stderr
    assert server.max_in_flight == 1, "vcrpy patches process-wide: recording never overlaps"
    assert len(list(cassettes.rglob("*.yaml"))) == 5
    assert "serial" in run("extract", "--help").stdout

    result = run("extract", *paths, "--model", "test-model", "--replay", "-j", "4", "--out", replayed, env=env)
    assert result.returncode == 0, result.stderr
    # The replay reports the latency measured when recording (rounded to ms in the cassette).
    assert list(map(without_timing, records_in(replayed))) == list(map(without_timing, records_in(recorded)))
    assert [r["latency_s"] for r in records_in(replayed)] == pytest.approx(
        [r["latency_s"] for r in records_in(recorded)], abs=1e-3
    )


def test_a_large_batch_prints_a_summary_unless_asked_for_the_table(tmp_path: Path) -> None:
    names = [f"n{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(21)]
    paths = write_batch(tmp_path / "a", *names)
    with scripted(per_article()) as server:
        result = extract(server, *paths, "--concurrency", "8")
        assert result.returncode == 0, result.stderr
        assert "batch summary" in result.stdout and "tokens/s" in result.stdout
        assert "21 (21 extracted" in result.stdout and names[5] not in result.stdout
        result = extract(server, *paths[:2], "--summary")
        assert "batch summary" in result.stdout
        result = extract(server, *paths, "--table")
        assert "batch summary" not in result.stdout and all(name in result.stdout for name in names)


def test_output_files_get_the_umask_mode_not_mkstemp_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.md", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.md").stat().st_mode) == 0o644

    paths = write_batch(tmp_path / "a", "alpha", "bravo")
    out = tmp_path / "out.jsonl"
    foreign = tmp_path / "foreign.jsonl"
    with scripted(per_article()) as server:
        assert extract(server, paths[0], out=foreign).returncode == 0
        out.write_text(foreign.read_text(encoding="utf-8").replace('"alpha"', '"zulu"'), encoding="utf-8")
        out.chmod(0o640)
        # --resume over another batch's record rewrites the file (atomically, through a temp file),
        # and the file keeps its mode, as a plain write into it would (mkstemp's would be 0600).
        command = [*EXTRACTOR, "extract", *map(str, paths), "--base-url", server.base_url, "--model", "test-model"]
        done = subprocess.run(
            [*command, "--resume", "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            umask=0o077,
        )
    assert done.returncode == 0, done.stderr
    assert [r["article_id"] for r in records_in(out)] == ["zulu", "alpha", "bravo"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_concurrency_must_be_positive(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", "alpha")
    result = extract("http://127.0.0.1:9/v1", *paths, "--concurrency", "0")
    assert result.returncode == 2 and "--concurrency must be at least 1" in result.stderr


def test_answers_are_not_crossed_between_concurrent_articles(tmp_path: Path) -> None:
    # Each answer arrives after a different delay, so they finish out of order on shared clients.
    names = NAMES
    delays = {name: 0.05 * ((i * 5) % len(names)) for i, name in enumerate(names)}

    def respond(request: dict[str, Any]) -> Reply:
        name = article_of(request)
        reply = answer(name)
        return Reply(body=reply.body, delay_s=delays[name])

    paths = write_batch(tmp_path / "a", *names)
    out = tmp_path / "out.jsonl"
    with scripted(respond) as server:
        result = extract(server, *paths, "--concurrency", "8", out=out)
    assert result.returncode == 0, result.stderr
    for name, record in zip(names, records_in(out), strict=True):
        assert record["article_id"] == name
        assert record["events"][0]["location"]["site"] == f"Camp {name.capitalize()}"
        assert record["attempts"] == 1 and record["usage"]["prompt_tokens"] == 100


@pytest.fixture(autouse=True)
def _no_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "EXTRACTOR_BASE_URL", "EXTRACTOR_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_eval_replays_concurrently_with_the_same_predictions(tmp_path: Path) -> None:
    serial, concurrent = tmp_path / "serial", tmp_path / "concurrent"
    assert run("eval", "--prompt", "v2", "--split", "seeds", "--out", serial).returncode == 0
    result = run("eval", "--prompt", "v2", "--split", "seeds", "--concurrency", "4", "--out", concurrent)
    assert result.returncode == 0, result.stderr
    predictions = [(d / "predictions.jsonl").read_text(encoding="utf-8") for d in (serial, concurrent)]
    assert predictions[0] == predictions[1] and predictions[0].count("\n") == 5
