"""Record/replay: body matching, staleness, re-ask chains, hygiene, and the committed cassettes."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from extractor.attacks.schemas import ArticleEvents
from extractor.errors import BackendUnreachableError, MissingCassetteError, StaleCassetteError
from extractor.extraction.articles import load_article
from extractor.extraction.cassettes import (
    CassetteMode,
    CassetteSession,
    cassette_path,
    match_json_body,
    read_meta,
    use_cassette,
)
from extractor.extraction.client import LLMClient
from extractor.extraction.config import Backend, Settings, resolve_settings
from extractor.extraction.extract import answer_model, open_extractor
from extractor.extraction.local_server import QWEN
from extractor.extraction.params import GenerationParams
from extractor.extraction.prompts import list_versions, load_prompt
from extractor.tasks import ATTACKS, schema_sha256
from tests.conftest import CORPUS, ROOT
from tests.extraction.test_client import CONTEXT, MESSAGES, event
from tests.loopback import scripted, tool_call, with_latency

CASSETTES = ROOT / "cassettes"
SECRET_SHAPES = re.compile(
    r"sk-[A-Za-z0-9_-]{20,}|Bearer\s+[A-Za-z0-9._-]{12,}|api[_-]?key[\"']?\s*[:=]\s*[\"'][^\"'\s]{12,}", re.I
)


def _committed() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def _replay_settings(cassette_dir: Path = CASSETTES) -> Settings:
    return Settings(Backend.LOCAL, QWEN.name, cassette_mode=CassetteMode.REPLAY, cassette_dir=cassette_dir)


def test_json_body_matcher_ignores_key_order_and_spacing_but_not_content() -> None:
    a = SimpleNamespace(body=b'{"model": "m", "messages": [{"role": "user", "content": "x"}]}')
    b = SimpleNamespace(body=b'{"messages":[{"role":"user","content":"x"}],"model":"m"}')
    c = SimpleNamespace(body=b'{"messages":[{"role":"user","content":"y"}],"model":"m"}')
    match_json_body(a, b)
    with pytest.raises(AssertionError):
        match_json_body(a, c)


def test_layout_is_model_then_prompt_then_article(tmp_path: Path) -> None:
    path = cassette_path(tmp_path, "qwen2.5-coder-1.5b-instruct", "attacks@v2", "000_abc")
    assert path == tmp_path / "qwen2.5-coder-1.5b-instruct" / "attacks@v2" / "000_abc.yaml"


def test_reask_chain_records_and_replays_in_order_with_secrets_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    replies = [tool_call({"events": [event(date="2030-01-01")]}), tool_call({"events": [event()]})]
    with scripted(replies) as server:
        live = LLMClient(server.base_url, "sk-" + "A" * 40, "test-model", GenerationParams(http_retries=0))
        with use_cassette(path, CassetteMode.RECORD, {"prompt_sha256": "p1"}, "cmd --rerecord"):
            recorded = live.complete(MESSAGES, ArticleEvents, CONTEXT)
    assert recorded.attempts == 2
    text = path.read_text()
    assert "sk-AAAA" not in text and "authorization" not in text.lower() and "x-stainless" not in text.lower()
    assert len(yaml.safe_load(text)["interactions"]) == 2
    # Replay: no server at all; both POSTs answered from the recording, in order.
    offline = LLMClient("http://127.0.0.1:9/v1", None, "test-model", GenerationParams(http_retries=0))
    with use_cassette(path, CassetteMode.REPLAY, {"prompt_sha256": "p1"}, "cmd --rerecord"):
        replayed = offline.complete(MESSAGES, ArticleEvents, CONTEXT)
    assert replayed.attempts == 2
    assert replayed.value.model_dump() == recorded.value.model_dump()
    assert replayed.usage == recorded.usage


def test_replay_of_a_changed_request_is_stale_and_names_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    with scripted([tool_call({"events": []})]) as server:
        live = LLMClient(server.base_url, None, "test-model", GenerationParams(http_retries=0))
        with use_cassette(path, CassetteMode.RECORD, {"prompt_sha256": "p1", "params": {"t": 0}}, "x --rerecord"):
            live.complete(MESSAGES, ArticleEvents, CONTEXT)
    offline = LLMClient("http://127.0.0.1:9/v1", None, "test-model", GenerationParams(http_retries=0))
    changed = [MESSAGES[0], {"role": "user", "content": "Another article."}]
    with (
        pytest.raises(
            StaleCassetteError,
            match=r"stale cassette .*one\.yaml: prompt changed since recording; re-record with: x --rerecord",
        ),
        use_cassette(path, CassetteMode.REPLAY, {"prompt_sha256": "p2", "params": {"t": 0}}, "x --rerecord"),
    ):
        offline.complete(changed, ArticleEvents, CONTEXT)


def test_a_cassette_session_stores_what_a_replay_must_reproduce(tmp_path: Path) -> None:
    """Recording keeps the latency and the split's context size; replay reports them, not its own."""
    path = tmp_path / "session.yaml"
    recording = CassetteSession(path, CassetteMode.RECORD, {"prompt_sha256": "p1", "model_sha256": "m1"}, "x")
    assert recording.n_ctx(4096) == 4096 and recording.recorded == {}
    with scripted([tool_call({"events": []})]) as server:
        live = LLMClient(server.base_url, None, "test-model", GenerationParams(http_retries=0))
        with recording.exchanges():
            live.complete(MESSAGES, ArticleEvents, CONTEXT)
            assert recording.latency(12.3456, n_ctx=4096, chunks=2) == 12.3456
    replay = CassetteSession(path, CassetteMode.REPLAY, {"prompt_sha256": "p1"}, "x")
    assert replay.n_ctx(8192) == 4096  # split as when recorded, or the requests would not match
    assert replay.model_sha256(None) == "m1"
    offline = LLMClient("http://127.0.0.1:9/v1", None, "test-model", GenerationParams(http_retries=0))
    with replay.exchanges():
        offline.complete(MESSAGES, ArticleEvents, CONTEXT)
        assert replay.latency(0.001, n_ctx=4096, chunks=2) == 12.346
    missing = CassetteSession(tmp_path / "none.yaml", CassetteMode.REPLAY, {}, "x --rerecord")
    assert missing.n_ctx(4096) is None
    with pytest.raises(MissingCassetteError), missing.exchanges():
        pass


def test_extending_replays_what_the_cassette_holds_and_records_only_the_requests_it_lacks(tmp_path: Path) -> None:
    """A version that sends its parent's requests and then more is recorded on a copy of the parent's cassettes."""
    path = tmp_path / "parent.yaml"
    parent = CassetteSession(path, CassetteMode.RECORD, {"prompt_sha256": "p1", "model_sha256": "m1"}, "x")
    with scripted([tool_call({"events": []})]) as server:
        live = LLMClient(server.base_url, None, "test-model", GenerationParams(http_retries=0))
        with parent.exchanges():
            live.complete(MESSAGES, ArticleEvents, CONTEXT)
            parent.latency(10.0, n_ctx=None, chunks=1)
    recorded_at = read_meta(path)["recorded_at"]
    more = [*MESSAGES, {"role": "assistant", "content": "{}"}, {"role": "user", "content": "And another?"}]
    child = CassetteSession(path, CassetteMode.EXTEND, {"prompt_sha256": "p2", "model_sha256": "m1"}, "x")
    with scripted([tool_call({"events": [event()]})]) as server:
        live = LLMClient(server.base_url, None, "test-model", GenerationParams(http_retries=0))
        with child.exchanges():
            first = live.complete(MESSAGES, ArticleEvents, CONTEXT)
            second = live.complete(more, ArticleEvents, CONTEXT)
            assert child.latency(2.5, n_ctx=None, chunks=1) == 12.5, "the replayed exchanges' time, then the new ones'"
    assert len(server.requests) == 1, "the parent's request was answered from its recording"
    assert first.value.events == [] and len(second.value.events) == 1
    meta = read_meta(path)
    assert (meta["prompt_sha256"], meta["recorded_at"], meta["latency_s"]) == ("p2", recorded_at, 12.5)
    assert "extended_at" in meta
    offline = LLMClient("http://127.0.0.1:9/v1", None, "test-model", GenerationParams(http_retries=0))
    with use_cassette(path, CassetteMode.REPLAY, meta, "x --rerecord"):
        assert offline.complete(MESSAGES, ArticleEvents, CONTEXT).value.events == []
        assert len(offline.complete(more, ArticleEvents, CONTEXT).value.events) == 1
    # Extended again with nothing new (a changed description): the hashes follow, the times stay as recorded.
    again = CassetteSession(path, CassetteMode.EXTEND, {"prompt_sha256": "p3", "model_sha256": "m1"}, "x")
    with again.exchanges():
        offline.complete(MESSAGES, ArticleEvents, CONTEXT)
        offline.complete(more, ArticleEvents, CONTEXT)
        again.latency(0.01, n_ctx=None, chunks=1)
    assert read_meta(path) == {**meta, "prompt_sha256": "p3"}


def test_extending_with_fewer_requests_drops_the_others_and_the_parents_latency(tmp_path: Path) -> None:
    """A child version that asks fewer turns (v19 of v18) keeps only the exchanges it replays, and no time: the
    recorded one was the parent's, for turns the child no longer asks."""
    path = tmp_path / "parent.yaml"
    more = [*MESSAGES, {"role": "assistant", "content": "{}"}, {"role": "user", "content": "And at Iraq?"}]
    parent = CassetteSession(path, CassetteMode.RECORD, {"prompt_sha256": "p1", "model_sha256": "m1"}, "x")
    with scripted([tool_call({"events": []}), tool_call({"events": [event()]})]) as server:
        live = LLMClient(server.base_url, None, "test-model", GenerationParams(http_retries=0))
        with parent.exchanges():
            live.complete(MESSAGES, ArticleEvents, CONTEXT)
            live.complete(more, ArticleEvents, CONTEXT)
            parent.latency(10.0, n_ctx=None, chunks=1)
    offline = LLMClient("http://127.0.0.1:9/v1", None, "test-model", GenerationParams(http_retries=0))
    child = CassetteSession(path, CassetteMode.EXTEND, {"prompt_sha256": "p2", "model_sha256": "m1"}, "x")
    with child.exchanges():
        assert offline.complete(MESSAGES, ArticleEvents, CONTEXT).value.events == []
        assert child.latency(0.01, n_ctx=None, chunks=1) is None, "the run reports the time its cassette keeps"
    meta = read_meta(path)
    assert meta["prompt_sha256"] == "p2" and "latency_s" not in meta
    assert len(yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]) == 1
    replay = CassetteSession(path, CassetteMode.REPLAY, meta, "x --rerecord")
    with replay.exchanges():
        assert offline.complete(MESSAGES, ArticleEvents, CONTEXT).value.events == []
        assert replay.latency(0.01, n_ctx=None, chunks=1) is None, "no time is better than the parent's"
        with pytest.raises(BackendUnreachableError, match="no recorded interaction matches it"):
            offline.complete(more, ArticleEvents, CONTEXT)
    # Extended again, nothing new or dropped: still no time, not the replay's.
    again = CassetteSession(path, CassetteMode.EXTEND, {"prompt_sha256": "p3", "model_sha256": "m1"}, "x")
    with again.exchanges():
        offline.complete(MESSAGES, ArticleEvents, CONTEXT)
        assert again.latency(0.01, n_ctx=None, chunks=1) is None
    assert "latency_s" not in read_meta(path)
    # Extended with a new request: the replayed part's time is unknown, so is the article's.
    newer = [*MESSAGES, {"role": "assistant", "content": "{}"}, {"role": "user", "content": "And at Syria?"}]
    last = CassetteSession(path, CassetteMode.EXTEND, {"prompt_sha256": "p4", "model_sha256": "m1"}, "x")
    with scripted([tool_call({"events": []})]) as server:
        live = LLMClient(server.base_url, None, "test-model", GenerationParams(http_retries=0))
        with last.exchanges():
            live.complete(MESSAGES, ArticleEvents, CONTEXT)
            live.complete(newer, ArticleEvents, CONTEXT)
            assert last.latency(3.0, n_ctx=None, chunks=1) is None
    assert len(server.requests) == 1
    assert "latency_s" not in read_meta(path)


def test_an_interrupted_extension_leaves_the_cassette_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "kept.yaml"
    with scripted([tool_call({"events": []})]) as server:
        live = LLMClient(server.base_url, None, "test-model", GenerationParams(http_retries=0))
        with use_cassette(path, CassetteMode.RECORD, {"prompt_sha256": "p1"}, "x"):
            live.complete(MESSAGES, ArticleEvents, CONTEXT)
    before = path.read_bytes()
    with pytest.raises(KeyboardInterrupt), use_cassette(path, CassetteMode.EXTEND, {"prompt_sha256": "p2"}, "x"):
        raise KeyboardInterrupt
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.yaml"]


def test_missing_cassette_says_how_to_record(tmp_path: Path) -> None:
    with (
        pytest.raises(MissingCassetteError, match="record it with: x --record"),
        use_cassette(tmp_path / "none.yaml", CassetteMode.REPLAY, {}, "x --rerecord"),
    ):
        pass


def test_failed_recording_leaves_no_cassette(tmp_path: Path) -> None:
    path = tmp_path / "never.yaml"
    with pytest.raises(KeyboardInterrupt), use_cassette(path, CassetteMode.RECORD, {}, "x"):
        raise KeyboardInterrupt
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the committed cassettes


def test_committed_cassettes_hold_no_secrets() -> None:
    cassettes = _committed()
    assert cassettes, "cassettes/ is empty: record them (make record)"
    for path in cassettes:
        text = path.read_text(encoding="utf-8")
        found = SECRET_SHAPES.search(text)
        assert found is None, f"{path} holds something shaped like a secret: {found.group(0)[:12]}…"
        assert "authorization:" not in text.lower(), f"{path} kept an authorization header"


SPLITS = ("seeds", "dev", "test")


def _split_articles(split: str, *, rounds: tuple[int, ...] | None = None) -> list[str]:
    manifest = json.loads((CORPUS / "metadata.json").read_text(encoding="utf-8"))
    return sorted(
        Path(a["file"]).stem
        for a in manifest["articles"]
        if a["split"] == split and (rounds is None or a.get("round", 1) in rounds)
    )


@pytest.mark.parametrize(
    ("version", "split"),
    [pytest.param(v, split, id=f"{v}-{split}") for v in list_versions(ATTACKS.prompts_dir) for split in SPLITS],
)
def test_every_prompt_version_is_recorded_on_every_split_and_frozen(version: str, split: str) -> None:
    """A recorded prompt is frozen: its file hash must equal the hash its cassettes were recorded with."""
    articles = _split_articles(split)
    assert articles, f"no {split} articles in the corpus manifest"
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version)
    for article_id in articles:
        path = cassette_path(CASSETTES, QWEN.name, prompt.id, article_id)
        if path.exists():
            meta = read_meta(path)
            assert meta["prompt_sha256"] == prompt.sha256, (
                f"prompts/attacks/{version}.yaml changed after it was recorded (frozen versions are immutable: "
                "make a new version, or re-record with --rerecord)"
            )
            assert meta["schema_sha256"] == schema_sha256(answer_model(ATTACKS, prompt)), (
                f"the schema changed since {path} was recorded"
            )
            assert meta["model_sha256"] == QWEN.sha256
    missing = [a for a in articles if not cassette_path(CASSETTES, QWEN.name, prompt.id, a).exists()]
    assert not missing, f"{prompt.id} is not recorded on {split} for {', '.join(missing)}"


@pytest.mark.parametrize("path", sorted((ATTACKS.prompts_dir / "attempts").glob("*.yaml")), ids=lambda path: path.stem)
def test_every_attempt_is_recorded_on_dev_and_frozen(path: Path) -> None:
    """A version tried on dev and not kept replays there, so its figures can be checked; it never saw test.

    The attempts were tried before dev's second round of articles (``"round": 2`` in the manifest), so
    they replay on the dev they were chosen against: re-recording a loser buys no decision.
    """
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, str(path))
    assert prompt.version not in list_versions(ATTACKS.prompts_dir), "an attempt is not also a version"
    assert len(_split_articles("dev", rounds=(1,))) == 18
    for article_id in _split_articles("dev", rounds=(1,)):
        cassette = cassette_path(CASSETTES, QWEN.name, prompt.id, article_id)
        assert cassette.exists(), f"{prompt.id} is not recorded on dev for {article_id}"
        meta = read_meta(cassette)
        assert (meta["prompt_sha256"], meta["schema_sha256"]) == (
            prompt.sha256,
            schema_sha256(answer_model(ATTACKS, prompt)),
        ), f"{path} or its schema changed after it was recorded"
    for article_id in _split_articles("test"):
        assert not cassette_path(CASSETTES, QWEN.name, prompt.id, article_id).exists(), "an attempt never sees test"


def test_editing_one_word_of_a_prompt_makes_replay_stale(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(ATTACKS.prompts_dir, prompts)
    v2 = prompts / "v2.yaml"
    v2.write_text(
        v2.read_text(encoding="utf-8").replace("You are an analyst", "You are an expert", 1), encoding="utf-8"
    )
    task = replace(ATTACKS, prompts_dir=prompts)
    prompt = load_prompt(prompts, task.name, "v2")
    article = load_article(CORPUS / "002_a21afc5445094d1e.txt")
    with open_extractor(task, prompt, _replay_settings()) as extractor:
        record = extractor.extract(article)
    assert record.status == "error"
    assert record.error_type == "StaleCassetteError"
    assert record.error is not None
    assert "prompt changed since recording" in record.error
    assert "extractor eval --task attacks --prompt v2" in record.error and "--rerecord" in record.error


def test_replay_returns_exactly_what_was_recorded() -> None:
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    article = load_article(CORPUS / "004_9ea864399c76523a.txt")
    path = cassette_path(CASSETTES, QWEN.name, prompt.id, article.id)
    recorded = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"][-1]["response"]["body"]["string"]
    arguments = yaml.safe_load(recorded)["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    answered = ArticleEvents.model_validate_json(arguments, context={"published": article.meta.published})
    with open_extractor(ATTACKS, prompt, _replay_settings()) as extractor:
        first = extractor.extract(article)
        second = extractor.extract(article)
    assert first.status == "ok"
    # The record is the recorded answer with the task's code rules applied, merged, then checked against the text.
    assert ATTACKS.refine is not None and ATTACKS.deduplicate is not None and ATTACKS.check_against_text is not None
    refined = [ATTACKS.refine(e.model_dump(mode="json"), article.meta.published) for e in answered.events]
    expected = ATTACKS.check_against_text(ATTACKS.deduplicate(refined), article)
    assert first.events == expected
    assert second.events == first.events  # the same every time


def test_a_replay_reports_the_recorded_latency_or_none_never_its_own() -> None:
    """Two replays of one cassette give byte-equal records, the failed ones included.

    v2's dev 046 ends in an error and was recorded before a failure stored its time: its latency is
    unknown (None), not the replay's wall time, which differed from one replay to the next.
    """
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    failed = load_article(CORPUS / "046_03884e55ee9b3da4.txt")
    answered = load_article(CORPUS / "004_9ea864399c76523a.txt")
    with open_extractor(ATTACKS, prompt, _replay_settings()) as extractor:
        first, second = extractor.extract(failed), extractor.extract(failed)
        ok = extractor.extract(answered)
    assert first.status == "error" and "latency_s" not in read_meta(Path(first.cassette or ""))
    assert first.latency_s is None and first.model_dump_json() == second.model_dump_json()
    assert ok.latency_s == read_meta(Path(ok.cassette or ""))["latency_s"]


def test_a_recorded_failure_stores_its_latency_for_replay(tmp_path: Path) -> None:
    """A model's failure is a faithful recording (it replays as the same failure), its time included."""
    article = load_article(CORPUS / "004_9ea864399c76523a.txt")
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    params = GenerationParams(http_retries=0, max_reasks=1)

    def settings(url: str, mode: CassetteMode) -> Settings:
        return resolve_settings(
            model="test-model", base_url=url, params=params, cassette_mode=mode, cassette_dir=tmp_path
        )

    with scripted(with_latency(0.2, lambda request: tool_call("not json at all"))) as server:
        with open_extractor(ATTACKS, prompt, settings(server.base_url, CassetteMode.RECORD)) as extractor:
            recorded = extractor.extract(article)
    assert recorded.status == "error" and recorded.error_type == "InvalidOutputError", recorded.error
    assert recorded.latency_s is not None and recorded.latency_s >= 0.4  # two answers, 0.2 s each
    stored = read_meta(Path(recorded.cassette or ""))["latency_s"]
    assert stored == round(recorded.latency_s, 3)
    with open_extractor(ATTACKS, prompt, settings(server.base_url, CassetteMode.REPLAY)) as extractor:
        replayed = extractor.extract(article)
    assert (replayed.status, replayed.error, replayed.latency_s) == ("error", recorded.error, stored)
