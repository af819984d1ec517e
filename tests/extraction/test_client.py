"""The real openai client + instructor against a real loopback server that misbehaves on purpose."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest

from extractor.attacks.schemas import ArticleEvents
from extractor.errors import (
    BackendHTTPError,
    BackendUnreachableError,
    ContextOverflowError,
    InvalidOutputError,
    TruncatedOutputError,
)
from extractor.extraction.client import LLMClient, is_context_overflow
from extractor.extraction.params import GenerationParams
from tests.loopback import Reply, error, scripted, tool_call

MESSAGES = [{"role": "system", "content": "Extract."}, {"role": "user", "content": "Article text."}]
CONTEXT = {"published": dt.date(2023, 10, 23)}


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "evidence": ["Two drones attacked the al-Tanf garrison."],
        "date_text": "Monday",
        "date": "2023-10-23",
        "location": {"site": "al-Tanf garrison", "area": None, "country": "Syria"},
        "perpetrator": "Islamic Resistance in Iraq",
        "attribution": "claimed",
        "target": "U.S. forces",
        "weapons": ["drone"],
        "weapon_count": 2,
        "killed": None,
        "injured": 0,
        "casualties": "none",
    }
    return {**base, **overrides}


def client(base_url: str, **params: Any) -> LLMClient:
    defaults: dict[str, Any] = {"http_retries": 0, "timeout_s": 10.0}
    return LLMClient(base_url, None, "test-model", GenerationParams(**{**defaults, **params}))


def test_valid_answer_is_validated_and_usage_counted() -> None:
    with scripted([tool_call({"events": [event()]}, prompt_tokens=120, completion_tokens=30)]) as server:
        result = client(server.base_url).complete(MESSAGES, ArticleEvents, CONTEXT)
    assert [e.location.site for e in result.value.events] == ["al-Tanf garrison"]
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.attempts) == (120, 30, 1)
    sent = server.requests[0]
    assert sent["temperature"] == 0.0 and sent["seed"] == GenerationParams().seed
    assert sent["tool_choice"]["function"]["name"] == "ArticleEvents"


def test_invalid_output_is_reasked_and_usage_summed_over_attempts() -> None:
    # First answer: a date after publication (the validator rejects it), then a valid one.
    replies = [
        tool_call({"events": [event(date="2023-10-30")]}, prompt_tokens=100, completion_tokens=10),
        tool_call({"events": [event()]}, prompt_tokens=150, completion_tokens=20),
    ]
    with scripted(replies) as server:
        result = client(server.base_url, max_reasks=2).complete(MESSAGES, ArticleEvents, CONTEXT)
    assert result.attempts == 2
    assert len(result.reask_errors) == 1 and "after the article's publication date" in result.reask_errors[0]
    # 100+150 prompt, 10+20 completion: every attempt is paid for.
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (250, 30)
    # The re-ask tells the model what was wrong.
    assert "publication date" in str(server.requests[1]["messages"])


def test_still_invalid_after_bounded_reasks_is_a_typed_error() -> None:
    with scripted([tool_call({"events": [event(killed=-3)]})]) as server:
        with pytest.raises(InvalidOutputError, match=r"after 2 attempt\(s\)"):
            client(server.base_url, max_reasks=1).complete(MESSAGES, ArticleEvents, CONTEXT)
    assert len(server.requests) == 2  # one ask + one bounded re-ask, no more


def test_the_error_carries_the_last_answer_and_what_the_attempts_cost() -> None:
    replies = [
        tool_call({"events": [event(killed=-3)]}, prompt_tokens=100, completion_tokens=10),
        tool_call({"events": [event(killed=-4)]}, prompt_tokens=150, completion_tokens=20),
    ]
    with scripted(replies) as server, pytest.raises(InvalidOutputError) as caught:
        client(server.base_url, max_reasks=1).complete(MESSAGES, ArticleEvents, CONTEXT)
    context = caught.value.context
    assert context["answer"] == {"events": [event(killed=-4)]}, "the last answer, not the first"
    assert (context["usage"].prompt_tokens, context["usage"].completion_tokens, context["attempts"]) == (250, 30, 2)


def test_finish_reason_length_is_truncation_not_a_json_traceback() -> None:
    looping = '{"events": [{"evidence": ["a", "a", "a", "a'
    with scripted([tool_call(looping, finish_reason="length")]) as server:
        with pytest.raises(TruncatedOutputError, match="max_tokens=64"):
            client(server.base_url, max_tokens=64).complete(MESSAGES, ArticleEvents, CONTEXT)


def test_context_overflow_is_named() -> None:
    message = "Requested tokens (9000) exceed context window of 8192"
    with scripted([error(400, message)]) as server, pytest.raises(ContextOverflowError, match="context window"):
        client(server.base_url).complete(MESSAGES, ArticleEvents, CONTEXT)


@pytest.mark.parametrize(
    ("message", "overflow"),
    [
        ("Requested tokens (9000) exceed context window of 8192", True),  # llama-cpp-python
        ("the request exceeds the available context size, try increasing it", True),  # llama.cpp server
        ("This model's maximum context length is 4096 tokens. However, you requested 5000 tokens", True),  # OpenAI
        ("error code context_length_exceeded", True),
        ("max_tokens must not exceed 4096", False),  # a request error, not the prompt's size
        ("the number of tools exceeds the limit", False),
        ("temperature too long to parse", False),
    ],
)
def test_only_a_message_about_the_context_is_an_overflow(message: str, overflow: bool) -> None:
    assert is_context_overflow(message) is overflow


def test_a_400_that_mentions_exceed_elsewhere_is_an_http_error() -> None:
    with scripted([error(400, "max_tokens must not exceed 4096")]) as server:
        with pytest.raises(BackendHTTPError, match="HTTP 400: max_tokens must not exceed 4096"):
            client(server.base_url).complete(MESSAGES, ArticleEvents, CONTEXT)


def test_server_errors_are_retried_with_backoff_then_reported() -> None:
    with scripted([error(503, "overloaded")]) as server:
        with pytest.raises(BackendHTTPError, match="HTTP 503: overloaded"):
            client(server.base_url, http_retries=2).complete(MESSAGES, ArticleEvents, CONTEXT)
    assert len(server.requests) == 3  # 1 + 2 bounded retries


def test_rate_limit_then_success_recovers() -> None:
    replies = [error(429, "slow down", **{"retry-after-ms": "10"}), tool_call({"events": []})]
    with scripted(replies) as server:
        result = client(server.base_url, http_retries=2).complete(MESSAGES, ArticleEvents, CONTEXT)
    assert result.value.events == []
    assert len(server.requests) == 2


def test_slow_server_times_out_as_unreachable() -> None:
    with scripted([Reply(delay_s=3.0, body={})]) as server:
        with pytest.raises(BackendUnreachableError, match="timed out"):
            client(server.base_url, timeout_s=0.5).complete(MESSAGES, ArticleEvents, CONTEXT)


def test_nothing_listening_is_unreachable_with_the_address() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(BackendUnreachableError, match=f"127.0.0.1:{port}"):
        client(f"http://127.0.0.1:{port}/v1").complete(MESSAGES, ArticleEvents, CONTEXT)
