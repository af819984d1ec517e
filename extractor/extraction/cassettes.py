"""Recorded LLM exchanges (vcrpy), so tests and evals run offline and the same every time.

One cassette per (model, prompt version, article):
``cassettes/<model>/<task>@<version>/<article>.yaml``. Requests match on
method, path and the parsed JSON body (messages, tools, model, parameters),
never on host or port (the local server's port is random) — a changed prompt
therefore cannot silently replay an old answer. Each cassette also stores
what it was recorded with (prompt, schema and model hashes, parameters), so a
replay that no longer matches says *what* changed and how to re-record.

vcrpy 9 patches ``httpx2``, the HTTP library openai 3.x uses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import vcr

from extractor.errors import (
    BackendHTTPError,
    BackendUnreachableError,
    CorruptCassetteError,
    ExtractorError,
    MissingCassetteError,
    StaleCassetteError,
)
from extractor.runs import load_yaml

SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie", "set-cookie"}
)
META_KEY = "extractor"
# Keys a client may add to a request body that do not change the answer.
VOLATILE_BODY_KEYS = frozenset({"user", "metadata", "stream_options"})


class CassetteMode(StrEnum):
    REPLAY = "replay"  # offline: every request must have a recording (the default for eval and tests)
    RECORD = "record"  # record what is missing; replay what exists
    RERECORD = "rerecord"  # record everything again, replacing what exists
    OFF = "off"  # talk to the backend, record nothing
    # Replay what a cassette holds and record into it the requests it lacks, dropping those it no longer sends: for a
    # version that sends its parent's requests, some fewer or more (copy the parent's cassettes first; README,
    # "Prompt versions").
    EXTEND = "extend"


def cassette_path(root: Path, model: str, prompt_id: str, article_id: str) -> Path:
    task, _, version = prompt_id.partition("@")
    return root / _safe(model) / f"{_safe(task)}@{_safe(version)}" / f"{_safe(article_id)}.yaml"


def _safe(part: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in part)


def _json_body(body: bytes | str | None) -> Any:
    if body is None:
        return None
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in VOLATILE_BODY_KEYS}
    return data


def match_json_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: bodies equal as parsed JSON (key order and whitespace don't matter)."""
    if _json_body(r1.body) != _json_body(r2.body):
        raise AssertionError("request JSON bodies differ")


def _scrub_request(request: Any) -> Any:
    for name in list(request.headers):
        lower = name.lower()
        if lower in SECRET_HEADERS or lower.startswith("x-stainless") or lower == "content-length":
            del request.headers[name]
    return request


def is_transient_status(code: int) -> bool:
    """A status that says nothing about the model: the server was busy, down or slow."""
    return code in (408, 429) or code >= 500


def _scrub_response(response: dict[str, Any]) -> dict[str, Any] | None:
    status = response.get("status", {})
    code = status.get("code") if isinstance(status, dict) else None
    if isinstance(code, int) and is_transient_status(code):
        # Never freeze a failure: a 429/5xx is not the model's answer, and a replay
        # (which does not retry) would return it again forever. vcrpy drops None.
        return None
    headers = response.get("headers", {})
    for name in list(headers):
        lower = name.lower()
        # content-length goes too: the pretty-printed body is longer than the bytes on the wire.
        if (
            lower in SECRET_HEADERS
            or lower == "content-length"
            or lower.startswith(("x-stainless", "openai-", "x-request-id", "cf-"))
        ):
            del headers[name]
    return response


class _BlockDumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # Multi-line strings (pretty-printed JSON bodies) as literal blocks: a re-recording diffs line by line.
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_BlockDumper.add_representer(str, _represent_str)


def _pretty_json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    except ValueError:
        return text


class ReadableSerializer:
    """vcrpy serializer: YAML with JSON bodies pretty-printed, so cassettes are readable and diffable."""

    @staticmethod
    def serialize(cassette_dict: dict[str, Any]) -> str:
        for interaction in cassette_dict.get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            request["body"] = _pretty_json(request.get("body"))
            body = response.get("body", {})
            if isinstance(body, dict) and "string" in body:
                body["string"] = _pretty_json(body["string"])
        return str(yaml.dump(cassette_dict, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=120))

    @staticmethod
    def deserialize(cassette_string: str) -> dict[str, Any]:
        data = load_yaml(cassette_string)
        return data if isinstance(data, dict) else {}


def build_vcr(record_mode: str) -> vcr.VCR:
    import vcr  # patches HTTP libraries on use, and costs half a second to import: only when replaying or recording

    recorder = vcr.VCR(
        record_mode=record_mode,
        match_on=["method", "path", "json_body"],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", match_json_body)
    recorder.register_serializer("readable", ReadableSerializer)
    return recorder


def describe_changes(recorded: dict[str, Any], current: dict[str, Any]) -> str:
    """Which of the recorded identity fields differ now, in words."""
    labels = {"prompt_sha256": "prompt", "schema_sha256": "schema", "params": "parameters", "model": "model"}
    changed = [label for key, label in labels.items() if recorded.get(key) != current.get(key)]
    return ", ".join(changed) + " changed since recording" if changed else "the request differs from the recording"


def _is_cassette_miss(error: BaseException) -> bool:
    import vcr.errors

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, vcr.errors.CannotOverwriteExistingCassetteException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextlib.contextmanager
def use_cassette(
    path: Path,
    mode: CassetteMode,
    meta: dict[str, Any],
    rerecord_command: str,
    recorded: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Record or replay every HTTP exchange made inside the block.

    Yields the cassette's metadata: while recording, keys the caller adds
    (the measured latency) are saved with it; on replay it is what was
    recorded (``recorded``, when the caller has read it already). Recording
    goes to a temporary file that replaces ``path`` only when the block ends
    without a transport failure, so an interrupted recording never leaves a
    half cassette that would replay as if complete.
    """
    if mode is CassetteMode.OFF:
        yield {}
        return
    # vcrpy patches the HTTP library for the whole process, so two cassettes open at once (with
    # --concurrency) would answer or record each other's requests: one cassette at a time.
    with _CASSETTE_LOCK, _use_cassette(path, mode, meta, rerecord_command, recorded) as saved:
        yield saved


_CASSETTE_LOCK = threading.RLock()


@contextlib.contextmanager
def _use_cassette(
    path: Path, mode: CassetteMode, meta: dict[str, Any], rerecord_command: str, recorded: dict[str, Any] | None
) -> Iterator[dict[str, Any]]:
    if mode is CassetteMode.RERECORD or (mode in (CassetteMode.RECORD, CassetteMode.EXTEND) and not path.exists()):
        with _recording(path, meta) as recorded_meta:
            yield recorded_meta
        return
    if mode is CassetteMode.EXTEND:
        with _extending(path, meta) as extended_meta:
            yield extended_meta
        return
    if not path.exists():
        raise MissingCassetteError(
            f"no recording at {path}; record it with: {rerecord_command.replace('--rerecord', '--record')}",
            path=path,
        )
    if recorded is None:
        recorded = _check_cassette(path, rerecord_command)
    try:
        with build_vcr("none").use_cassette(str(path), serializer="readable"):
            yield dict(recorded)
    except ExtractorError as exc:
        if _is_cassette_miss(exc):
            why = describe_changes(recorded, meta)
            raise StaleCassetteError(
                f"stale cassette {path}: {why}; re-record with: {rerecord_command}", path=path, changes=why
            ) from exc
        raise


@contextlib.contextmanager
def _replacing(path: Path, *, start_from_it: bool) -> Iterator[Path]:
    """A temporary file (a copy of ``path`` with ``start_from_it``) that replaces ``path`` when the block ends,
    unless a transport failure or an interruption ended it: an interrupted recording never leaves a half cassette
    that would replay as if complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".recording-", dir=path.parent) as tmp:
        tmp_path = Path(tmp) / path.name
        if start_from_it:
            shutil.copyfile(path, tmp_path)
        failed = False
        try:
            yield tmp_path
        except ExtractorError as exc:
            # A model's own failure (invalid or truncated output) is a faithful recording and
            # replays as the same failure; a transport or HTTP failure (timeouts, 429/5xx after
            # the retries) is the server's state, not an answer, and is never kept.
            failed = isinstance(exc, (BackendUnreachableError, BackendHTTPError))
            raise
        except BaseException:
            failed = True
            raise
        finally:
            if not failed and tmp_path.exists():
                os.replace(tmp_path, path)


@contextlib.contextmanager
def _recording(path: Path, meta: dict[str, Any]) -> Iterator[dict[str, Any]]:
    recorded_meta = {**meta, "recorded_at": _now()}
    with (
        _replacing(path, start_from_it=False) as tmp_path,
        build_vcr("all").use_cassette(str(tmp_path), serializer="readable") as cassette,
    ):
        cassette.get_metadata(META_KEY, recorded_meta)  # saved by reference when the cassette is written
        yield recorded_meta


# The key under which an extension's metadata carries, while its block runs, whether it drops exchanges so far.
_DROPPING = "_dropping"


@contextlib.contextmanager
def _extending(path: Path, meta: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Replay ``path``'s exchanges and record the requests it lacks, on a copy that replaces it as a recording does;
    the exchanges this run does not replay are dropped. Its metadata becomes ``meta`` (what this run would record
    with), keeping when the first exchanges were recorded and, where every one of them was replayed, the latency
    they took."""
    with (
        _replacing(path, start_from_it=True) as tmp_path,
        build_vcr("new_episodes").use_cassette(
            str(tmp_path), serializer="readable", drop_unused_requests=True
        ) as cassette,
    ):
        held = len(cassette)
        stored = cassette.get_metadata(META_KEY, {})
        before = dict(stored)
        stored.clear()
        stored.update({**meta, **{key: before[key] for key in ("recorded_at", "latency_s") if key in before}})
        stored["extended_at"] = _now()
        cassette.dirty = True  # the metadata changed even where no request is new

        def dropping() -> bool:
            return any(not cassette.play_counts[index] for index in range(held))

        # For CassetteSession.latency, asked inside the block: never written, so popped whatever ends it.
        stored[_DROPPING] = dropping
        try:
            yield stored
        finally:
            stored.pop(_DROPPING, None)
        if dropping():
            # A child version that asks fewer turns than its parent (v19 of v18): the recorded time was the
            # parent's, for exchanges this one no longer makes; it measures nothing of this version.
            stored.pop("latency_s", None)
        elif len(cassette) == held:
            # Nothing new was recorded: the time the exchanges took is the one recorded (or none), not a replay's.
            stored.update({key: before[key] for key in ("latency_s", "extended_at") if key in before})


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _check_cassette(path: Path, rerecord_command: str) -> dict[str, Any]:
    """The cassette's metadata, or a :class:`CorruptCassetteError` naming what is wrong with the file."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorruptCassetteError(
            f"corrupt cassette {path}: not readable YAML ({problem}); delete it and re-record with: {rerecord_command}",
            path=path,
        ) from exc
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list) or not interactions:
        raise CorruptCassetteError(
            f"corrupt cassette {path}: it holds no recorded interactions; delete it and re-record with: "
            f"{rerecord_command}",
            path=path,
        )
    meta = data.get("metadata", {}).get(META_KEY, {}) if isinstance(data.get("metadata"), dict) else {}
    return meta if isinstance(meta, dict) else {}


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    meta = (data or {}).get("metadata", {}).get(META_KEY, {}) if isinstance(data, dict) else {}
    return meta if isinstance(meta, dict) else {}


@dataclass
class CassetteSession:
    """One article's cassette for one extraction: the extractor asks it, and never reads a cassette itself.

    It owns the mode, the metadata the cassette was recorded with (read once, on first use),
    what a replay must reproduce (the context size the article was split for, the latency
    the model took) and what a recording stores beside the exchanges.
    """

    path: Path
    mode: CassetteMode
    meta: dict[str, Any]  # what this run would record with: model, prompt, schema, parameters
    rerecord_command: str
    replaying: bool = field(init=False)  # an existing recording answers (else one is made now)
    extending: bool = field(init=False)  # an existing recording answers, and what it lacks is recorded into it
    _recorded: dict[str, Any] | None = field(default=None, init=False, repr=False)
    _saved: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        # Decided once: after a recording the file exists, but this session still recorded it.
        self.replaying = self.mode is CassetteMode.REPLAY or (self.mode is CassetteMode.RECORD and self.path.exists())
        self.extending = self.mode is CassetteMode.EXTEND and self.path.exists()

    @property
    def recorded(self) -> dict[str, Any]:
        """What the existing cassette was recorded with (``{}`` when there is none).

        A cassette about to be replayed must be sound; one about to be replaced is read leniently.
        """
        if self._recorded is None:
            if not self.path.exists():
                self._recorded = {}
            elif self.replaying:
                self._recorded = _check_cassette(self.path, self.rerecord_command)
            else:
                self._recorded = _read_meta(self.path)
        return self._recorded

    def model_sha256(self, known: str | None) -> str | None:
        """The model file's hash: the one the live backend gives, else the one the cassette recorded."""
        return known if known is not None else self.recorded.get("model_sha256")

    def n_ctx(self, live: int | None) -> int | None:
        """The context size to split the article for: as recorded on replay, so the requests match."""
        if not (self.mode is CassetteMode.REPLAY or self.extending):
            return live
        recorded = self.recorded.get("n_ctx")
        return recorded if isinstance(recorded, int) else None

    @contextlib.contextmanager
    def exchanges(self) -> Iterator[None]:
        """Record or replay every HTTP exchange made inside the block."""
        recorded = self._recorded if self.replaying else None
        with use_cassette(self.path, self.mode, self.meta, self.rerecord_command, recorded) as saved:
            self._saved = saved
            yield

    def latency(self, measured: float, *, n_ctx: int | None, chunks: int) -> float | None:
        """The model's latency: stored when recording; on replay the one measured then, not the replay's.

        None on replay of a cassette that stored none: the replay's own time would make two replays of
        one cassette disagree.
        """
        if self.mode is CassetteMode.REPLAY:
            stored = self._saved.get("latency_s")
            return float(stored) if stored is not None else None
        if chunks > 1:
            self._saved.update({"n_ctx": n_ctx, "chunks": chunks})
        if self.extending:
            recorded = self._saved.get("latency_s")
            if recorded is None or self._saved[_DROPPING]():
                # The replayed exchanges' time is unknown (their parent's was dropped, or is being dropped now,
                # and the cassette keeps none): so is the article's, in this run's output as in every replay.
                return None
            # The replayed exchanges took their recorded time then; this run's measure is the new ones'.
            measured += float(recorded)
        self._saved["latency_s"] = round(measured, 3)
        return measured


def read_meta(path: Path) -> dict[str, Any]:
    """What a cassette was recorded with (model and file hash, prompt, schema, params)."""
    return _read_meta(path)
