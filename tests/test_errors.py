"""The error root: one line for the user, the facts behind it for a program (``context``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import (
    BackendError,
    BackendHTTPError,
    ContextOverflowError,
    ExtractorError,
    InputError,
    MissingCassetteError,
    TruncatedOutputError,
    error_class,
)
from extractor.extraction.articles import load_article
from extractor.extraction.cassettes import CassetteMode, use_cassette
from extractor.extraction.config import Backend, Settings
from extractor.extraction.extract import open_extractor
from extractor.extraction.prompts import load_prompt
from extractor.tasks import ATTACKS
from tests.conftest import CORPUS
from tests.extraction.test_client import CONTEXT, MESSAGES, client
from tests.loopback import Reply, error, scripted, tool_call


def test_the_message_is_one_line_and_the_context_is_kept() -> None:
    exc = BackendHTTPError("the model server answered\n  HTTP 418:   teapot", status_code=418)
    assert str(exc) == "the model server answered HTTP 418: teapot"
    assert exc.context == {"status_code": 418}
    assert ExtractorError("plain").context == {}


def test_each_branch_has_its_exit_code_and_a_stored_name_finds_its_class() -> None:
    assert (InputError.exit_code, BackendError.exit_code, MissingCassetteError.exit_code) == (2, 4, 5)
    assert error_class("ContextOverflowError") is ContextOverflowError
    assert error_class("NotAnError") is ExtractorError and error_class(None) is ExtractorError


def test_an_http_error_carries_its_status() -> None:
    with scripted([error(500, "kaput")]) as server, pytest.raises(BackendHTTPError) as caught:
        client(server.base_url).complete(MESSAGES, ATTACKS.result_model, CONTEXT)
    assert caught.value.context["status_code"] == 500


def test_a_truncated_answer_carries_the_token_cap() -> None:
    reply = tool_call({"events": []}, finish_reason="length")
    with scripted([reply]) as server, pytest.raises(TruncatedOutputError) as caught:
        client(server.base_url, max_tokens=64).complete(MESSAGES, ATTACKS.result_model, CONTEXT)
    assert caught.value.context == {"max_tokens": 64}


def test_a_missing_cassette_carries_its_path(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    with pytest.raises(MissingCassetteError) as caught, use_cassette(path, CassetteMode.REPLAY, {}, "x --rerecord"):
        pass
    assert caught.value.context == {"path": path}


def test_an_article_too_long_for_the_window_carries_the_sizes() -> None:
    article = load_article(CORPUS / "004_9ea864399c76523a.txt")
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    with scripted([Reply(status=500)]) as server:
        settings = Settings(Backend.COMPATIBLE, "test-model", base_url=server.base_url, n_ctx=2048)
        with open_extractor(ATTACKS, prompt, settings) as extractor, pytest.raises(ContextOverflowError) as caught:
            extractor.chunks(article, 2048)
    assert server.requests == []  # refused before anything is sent
    context = caught.value.context
    assert context["n_ctx"] == 2048 and context["budget"] == 2048 - settings.params.max_tokens
    assert context["prompt_tokens"] > context["budget"]
