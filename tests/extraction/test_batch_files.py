"""batch prepare → a results file shaped like the Batch API's → batch collect gives the records extract
writes for the same answers (extract live against the loopback server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_main import one_clear_line, run
from tests.extraction.test_robustness import (
    MAX_TOKENS,
    article_of,
    chunk_answer,
    extract,
    long_article,
    n_ctx_for_three_paragraphs,
    per_article,
    records_in,
    write_batch,
)
from tests.loopback import scripted, tool_call

NAMES = ("alpha", "bravo", "charlie")


def without_timing(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "latency_s"}


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def batch_results(requests: list[dict[str, Any]], respond: Any) -> str:
    """What the Batch API returns for ``requests`` when the model answers as ``respond`` does."""
    out = []
    for n, line in enumerate(requests):
        reply = respond(line["body"])
        out.append(
            {
                "id": f"batch_req_{n}",
                "custom_id": line["custom_id"],
                "response": {"status_code": reply.status, "request_id": f"req_{n}", "body": reply.body},
                "error": None,
            }
        )
    return "".join(json.dumps(item) + "\n" for item in out)


def test_prepare_then_collect_gives_the_live_records(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES)
    live = tmp_path / "live.jsonl"
    with scripted(per_article()) as server:
        assert extract(server, *paths, "--concurrency", "1", out=live).returncode == 0
    sent = server.requests

    requests = tmp_path / "requests.jsonl"
    result = run("batch", "prepare", *paths, "-o", requests, "--model", "test-model")
    assert result.returncode == 0, result.stderr
    lines = lines_of(requests)
    assert [line["body"] for line in lines] == sent, "the bodies are exactly what extract sent"
    assert all(line["method"] == "POST" and line["url"] == "/v1/chat/completions" for line in lines)
    assert [line["custom_id"].split("@")[0] for line in lines] == list(NAMES)
    prompt_sha = records_in(live)[0]["prompt_sha256"]
    assert all(line["custom_id"].endswith(f"@{prompt_sha[:12]}#1") for line in lines)

    results = tmp_path / "results.jsonl"
    results.write_text(batch_results(lines, per_article()), encoding="utf-8")
    events = tmp_path / "events.jsonl"
    manifest = tmp_path / "requests.manifest.json"
    result = run("batch", "collect", results, "--manifest", manifest, "-o", events)
    assert result.returncode == 0, result.stderr
    assert list(map(without_timing, records_in(events))) == list(map(without_timing, records_in(live)))


def test_a_chunked_article_is_one_request_per_chunk_and_collects_merged(tmp_path: Path) -> None:
    path = long_article(tmp_path / "a")
    n_ctx = str(n_ctx_for_three_paragraphs(path))
    live = tmp_path / "live.jsonl"
    with scripted(chunk_answer) as server:
        assert extract(server, path, "--n-ctx", n_ctx, "--max-tokens", str(MAX_TOKENS), out=live).returncode == 0
    requests = tmp_path / "requests.jsonl"
    args = ("--model", "test-model", "--n-ctx", n_ctx, "--max-tokens", str(MAX_TOKENS))
    assert run("batch", "prepare", path, "-o", requests, *args).returncode == 0
    lines = lines_of(requests)
    assert [line["custom_id"].rsplit("#", 1)[1] for line in lines] == ["1", "2", "3", "4", "5"]
    assert [line["body"] for line in lines] == server.requests
    results = tmp_path / "results.jsonl"
    results.write_text(batch_results(lines, chunk_answer), encoding="utf-8")
    events = tmp_path / "events.jsonl"
    result = run("batch", "collect", results, "--manifest", tmp_path / "requests.manifest.json", "-o", events)
    assert result.returncode == 0, result.stderr
    (record,) = records_in(events)
    assert record["chunks"] == 5
    assert without_timing(record) == without_timing(records_in(live)[0])


def test_invalid_failed_or_missing_answers_are_error_records_and_files_split(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", *NAMES)
    requests = tmp_path / "requests.jsonl"
    result = run("batch", "prepare", *paths, "-o", requests, "--model", "test-model", "--max-lines", "2")
    assert result.returncode == 0, result.stderr
    parts = [tmp_path / "requests-001.jsonl", tmp_path / "requests-002.jsonl"]
    assert [len(lines_of(p)) for p in parts] == [2, 1] and not requests.exists()

    def respond(body: dict[str, Any]) -> Any:
        if article_of(body) == "alpha":
            return tool_call({"events": [{"evidence": []}]})  # fails validation: no re-ask offline
        return per_article()(body)

    first = batch_results(lines_of(parts[0]), respond)  # alpha and bravo
    bravo = json.loads(first.splitlines()[1])
    bravo["response"] = {"status_code": 500, "body": {"error": {"message": "worker lost"}}}
    results = tmp_path / "results.jsonl"
    results.write_text(first.splitlines()[0] + "\n" + json.dumps(bravo) + "\n", encoding="utf-8")  # charlie: none
    events = tmp_path / "events.jsonl"
    result = run("batch", "collect", results, "--manifest", tmp_path / "requests.manifest.json", "-o", events)
    assert result.returncode == 4
    one_clear_line(result, "alpha", "invalid after 1 attempt")
    records = records_in(events)
    assert [(r["article_id"], r["status"], r["error_type"]) for r in records] == [
        ("alpha", "error", "InvalidOutputError"),
        ("bravo", "error", "BackendHTTPError"),
        ("charlie", "error", "BackendHTTPError"),
    ]
    assert "worker lost" in records[1]["error"] and "no result for request charlie@" in records[2]["error"]
    assert "re-ask" in run("batch", "collect", "--help").stdout


def test_collect_refuses_an_article_changed_since_prepare(tmp_path: Path) -> None:
    paths = write_batch(tmp_path / "a", "alpha")
    requests = tmp_path / "requests.jsonl"
    assert run("batch", "prepare", *paths, "-o", requests, "--model", "test-model").returncode == 0
    results = tmp_path / "results.jsonl"
    results.write_text(batch_results(lines_of(requests), per_article()), encoding="utf-8")
    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    result = run("batch", "collect", results, "--manifest", tmp_path / "requests.manifest.json", "-o", tmp_path / "e")
    assert result.returncode == 2
    one_clear_line(result, "changed since the batch was prepared")
    result = run("batch", "collect", results, "--manifest", results, "-o", tmp_path / "e")
    assert result.returncode == 2
    one_clear_line(result, "is not a batch manifest")


@pytest.fixture(autouse=True)
def _no_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "EXTRACTOR_BASE_URL", "EXTRACTOR_MODEL"):
        monkeypatch.delenv(name, raising=False)


def test_a_version_with_resolvers_asks_for_its_answer_schema(tmp_path: Path) -> None:
    # v5 names resolvers: its requests must ask for the flat answer schema it is replayed and
    # resolved with, as extract asks, not for the task's own.
    paths = write_batch(tmp_path / "a", "alpha")
    requests = tmp_path / "requests.jsonl"
    result = run("batch", "prepare", *paths, "-o", requests, "--model", "test-model", "--prompt", "v5")
    assert result.returncode == 0, result.stderr
    (line,) = lines_of(requests)
    assert [tool["function"]["name"] for tool in line["body"]["tools"]] == ["AttackAnswers"]


@pytest.mark.parametrize(
    ("version", "says"),
    [
        ("v6", "sends gleaning turns"),  # follow-up turns that depend on the model's answers
        ("v8", "sends a turn per listed item"),  # a turn per place its first answer lists
    ],
)
def test_a_version_that_follows_up_is_refused_in_one_line(tmp_path: Path, version: str, says: str) -> None:
    # A batch file holds each article's first request only.
    paths = write_batch(tmp_path / "a", "alpha")
    requests = tmp_path / "requests.jsonl"
    result = run("batch", "prepare", *paths, "-o", requests, "--model", "test-model", "--prompt", version)
    assert result.returncode != 0
    one_clear_line(result, says)
    assert not requests.exists()
