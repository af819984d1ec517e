"""Run records: atomic writes and the manifest."""

from __future__ import annotations

import importlib.metadata
import os
import re
from pathlib import Path

import pytest

from extractor.runs import PACKAGES, Manifest, package_versions, write_atomic


def test_write_atomic_replaces_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.jsonl"
    write_atomic(target, "old\n")

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new and longer\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"], "no temporary file is left behind"


def test_manifest_records_versions_and_commit() -> None:
    manifest = Manifest(
        command="extractor eval",
        task="attacks",
        prompt="attacks@v2",
        prompt_sha256="p" * 64,
        schema_sha256="s" * 64,
        backend="local",
        model="m",
        model_sha256="f" * 64,
        params={"temperature": 0.0},
        cassette_mode="replay",
        started_at="2026-01-01T00:00:00+00:00",
    )
    assert manifest.packages["openai"] == package_versions()["openai"]
    assert {"instructor", "pydantic", "vcrpy"} <= set(manifest.packages)
    assert manifest.git_commit is None or len(manifest.git_commit.removesuffix("-dirty")) == 40
    assert Manifest.model_validate_json(manifest.model_dump_json()) == manifest


def test_every_pinned_dependency_is_recorded_in_the_manifest() -> None:
    """A dependency added to pyproject.toml and not to the manifest would change results unrecorded."""
    pinned = [r for r in importlib.metadata.requires("extractor") or [] if "extra ==" not in r or "local" in r]
    names = {re.split(r"[\[=<>;~! ]", requirement, maxsplit=1)[0].lower() for requirement in pinned}
    assert "pycountry" in names and "llama-cpp-python" in names
    assert names <= set(PACKAGES)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_write_atomic_gives_the_mode_a_plain_write_would(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "new.json", "{}")
        with (tmp_path / "plain.json").open("w") as fh:
            fh.write("{}")
    finally:
        os.umask(previous)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == (tmp_path / "plain.json").stat().st_mode & 0o777
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_atomic_keeps_an_existing_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text("old")
    path.chmod(0o640)
    write_atomic(path, "new")
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == 0o640
