"""The one module that talks to an LLM: the ``openai`` client plus ``instructor``.

Every backend (OpenAI, vLLM, Ollama, the embedded llama.cpp server) speaks the
same OpenAI-compatible HTTP API, so there is one code path, and vcrpy records
it the same way for all. instructor's ``Mode.TOOLS`` is used everywhere: it is
grammar-constrained on llama.cpp, whose server rejects ``json_schema``
response formats.

Errors leave this module as :mod:`extractor.errors` types only.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import httpx2
import instructor
import openai
import pydantic_core
from instructor.v2.core.errors import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError

from extractor.errors import (
    BackendHTTPError,
    BackendUnreachableError,
    ContextOverflowError,
    ExtractorError,
    InvalidOutputError,
    TruncatedOutputError,
)
from extractor.extraction.params import GenerationParams
from extractor.extraction.records import Usage

T = TypeVar("T", bound=BaseModel)

# instructor logs every failed attempt at ERROR level; the harness reports errors itself, once.
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False

# How servers say the prompt does not fit, and only that: a bare "exceed" would also
# catch "max_tokens must not exceed 4096", a request error the user must fix elsewhere.
_OVERFLOW = re.compile(
    r"exceeds? (the )?(available )?context (window|size|length)"  # llama-cpp-python, llama.cpp server
    r"|maximum context length"  # OpenAI, vLLM
    r"|context_length_exceeded|exceed_context_size"  # OpenAI's and llama.cpp's error codes
    r"|longer than the model'?s? (maximum )?context length"
    r"|prompt is too long",
    re.IGNORECASE,
)


def is_context_overflow(message: str) -> bool:
    """Whether a 400/413 error message says the prompt does not fit the context window."""
    return _OVERFLOW.search(message) is not None


@dataclass
class Completion(Generic[T]):
    value: T
    usage: Usage
    attempts: int
    reask_errors: list[str] = field(default_factory=list)
    latency_s: float = 0.0
    served_model: str | None = None


class LLMClient:
    """A structured-output client for one backend and one model."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        model: str,
        params: GenerationParams,
        *,
        answer: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]] | None = None,
    ) -> None:
        """``answer``: no server; each request body is answered by ``answer(body) -> (status, json)``
        in place of the network (batch files: capturing requests, replaying a batch's results)."""
        self.model = model
        self.params = params
        http_client = None
        if answer is not None:

            def handle(request: httpx2.Request) -> httpx2.Response:
                status, payload = answer(json.loads(request.content or b"{}"))
                return httpx2.Response(status, json=payload)

            http_client = httpx2.Client(transport=httpx2.MockTransport(handle), timeout=params.timeout_s)
        self._openai = openai.OpenAI(
            base_url=base_url or (_OFFLINE_URL if answer is not None else None),
            # Local servers ignore the key; a fixed non-secret placeholder keeps it out of every recording.
            api_key=api_key or "no-key",
            max_retries=params.http_retries,
            timeout=params.timeout_s,
            http_client=http_client,
        )
        # One instructor wrapper per thread: complete() hooks its callbacks onto the wrapper, and two
        # articles in flight at once (--concurrency) must not collect each other's responses.
        self._local = threading.local()

    @property
    def _client(self) -> instructor.Instructor:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = instructor.from_openai(self._openai, mode=instructor.Mode.TOOLS)
        return client

    def close(self) -> None:
        self._openai.close()

    def complete(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        context: dict[str, Any] | None = None,
    ) -> Completion[T]:
        """One validated answer, re-asking at most ``params.max_reasks`` times."""
        client = self._client
        responses: list[Any] = []
        usages: list[Usage] = []
        reask_errors: list[str] = []

        def on_response(response: Any) -> None:
            responses.append(response)
            # Read now: instructor later rewrites a re-asked response's usage into the running total.
            usages.append(Usage.of(getattr(response, "usage", None)))

        def on_parse_error(error: Exception, **_: Any) -> None:
            reask_errors.append(_first_line(error))

        client.on("completion:response", on_response)
        client.on("parse:error", on_parse_error)
        started = time.perf_counter()
        try:
            value = client.create(
                model=self.model,
                response_model=response_model,
                messages=messages,  # type: ignore[arg-type]
                max_retries=self.params.max_reasks,
                context=context,
                **self.params.request_kwargs(),
            )
        except IncompleteOutputException as exc:
            raise TruncatedOutputError(
                f"the model hit max_tokens={self.params.max_tokens} before finishing its answer "
                "(finish_reason=length); it may be looping, or the article has too many events",
                max_tokens=self.params.max_tokens,
            ) from exc
        except InstructorRetryException as exc:
            raise _map_retry_error(exc, self.params.max_reasks, responses, sum(usages, Usage()), reask_errors) from exc
        except openai.OpenAIError as exc:
            raise _map_openai_error(exc) from exc
        finally:
            client.off("completion:response", on_response)
            client.off("parse:error", on_parse_error)
        total = getattr(value, "_total_usage", None)
        usage = Usage.of(total) if total is not None else sum(usages, Usage())
        served = getattr(responses[-1], "model", None) if responses else None
        return Completion(
            value=value,
            usage=usage,
            attempts=max(1, len(responses)),
            reask_errors=reask_errors,
            latency_s=time.perf_counter() - started,
            served_model=served,
        )


_OFFLINE_URL = "http://offline.invalid/v1"


class _Captured(Exception):
    """Raised by the capturing transport once the request is built: nothing is sent."""


def request_body(
    model: str,
    params: GenerationParams,
    messages: list[dict[str, str]],
    response_model: type[BaseModel],
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body :meth:`LLMClient.complete` would POST for ``messages``: built by that very code path
    (instructor's tool-call request, the openai client's serialisation) and caught before it leaves."""
    captured: list[dict[str, Any]] = []

    def capture(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        captured.append(body)
        raise _Captured

    client = LLMClient(None, None, model, replace(params, http_retries=0, max_reasks=0), answer=capture)
    try:
        client.complete(messages, response_model, context)
    except ExtractorError:
        pass
    finally:
        client.close()
    if not captured:
        raise ExtractorError("internal error: the request body could not be captured")
    return captured[0]


def _first_line(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"]))
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _tool_arguments(response: Any) -> Any:
    """The arguments of a chat completion's first tool call, parsed; an answer cut off mid-way (v12 on dev 040)
    as far as it goes, its last value unfinished left out; ``None`` when there are none or they are no JSON."""
    try:
        arguments = response.choices[0].message.tool_calls[0].function.arguments
        return pydantic_core.from_json(arguments, allow_partial=True)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _map_retry_error(
    exc: InstructorRetryException,
    max_reasks: int,
    responses: list[Any],
    usage: Usage,
    reask_errors: Sequence[str] = (),
) -> ExtractorError:
    cause = exc.__cause__
    if isinstance(cause, openai.OpenAIError):
        mapped = _map_openai_error(cause)
        if isinstance(mapped, ContextOverflowError) and responses:
            # A re-ask carries the invalid answer and its error, so a long answer can push it past the context
            # (v12 on dev 040): the re-asks end there, and the last answer travels on, as after the last re-ask.
            why = reask_errors[-1] if reask_errors else "invalid"
            return InvalidOutputError(
                f"output still invalid after {len(responses)} attempt(s), and the next re-ask does not fit the "
                f"context window: {why}",
                answer=_tool_arguments(responses[-1]),
                usage=usage,
                attempts=len(responses),
            )
        return mapped
    if isinstance(cause, IncompleteOutputException):
        return TruncatedOutputError("the model hit max_tokens before finishing its answer (finish_reason=length)")
    detail = _first_line(cause) if cause is not None else _first_line(exc)
    attempts = getattr(exc, "n_attempts", max_reasks + 1)
    # The last answer travels with the error: what is valid in it may still be kept (extraction.salvage).
    return InvalidOutputError(
        f"output still invalid after {attempts} attempt(s): {detail}",
        answer=_tool_arguments(responses[-1]) if responses else None,
        usage=usage,
        attempts=max(1, len(responses)),
    )


def _map_openai_error(exc: openai.OpenAIError) -> ExtractorError:
    if isinstance(exc, openai.APITimeoutError):
        return BackendUnreachableError(f"the model server timed out: {exc}")
    if isinstance(exc, openai.APIConnectionError):
        request = getattr(exc, "request", None)
        where = f" at {request.url.scheme}://{request.url.host}:{request.url.port}" if request is not None else ""
        url = str(request.url) if request is not None else None
        return BackendUnreachableError(f"cannot reach the model server{where}: {_cause_text(exc)}", url=url)
    if isinstance(exc, openai.APIStatusError):
        message = _status_message(exc)
        code = exc.body.get("code") if isinstance(exc.body, dict) else None
        if exc.status_code in (400, 413) and is_context_overflow(f"{message} {code or ''}"):
            return ContextOverflowError(
                f"the prompt does not fit the model's context window: {message}", status_code=exc.status_code
            )
        return BackendHTTPError(
            f"the model server answered HTTP {exc.status_code}: {message}", status_code=exc.status_code
        )
    return BackendHTTPError(f"model server error: {_first_line(exc)}")


def _cause_text(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    while cause is not None and (cause.__cause__ or cause.__context__) is not None and not str(cause):
        cause = cause.__cause__ or cause.__context__
    return _first_line(cause) if cause is not None else _first_line(exc)


def _status_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
        if isinstance(inner, str):
            return inner[:300]
    return _first_line(exc)[:300]
