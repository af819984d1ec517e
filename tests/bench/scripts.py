"""What the bench scripts' tests share: a script loaded as a module, and replayed seed runs written to disk."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from extractor.evaluation.suite import run_eval, write_run
from extractor.extraction.cassettes import CassetteMode
from extractor.extraction.config import resolve_settings
from extractor.extraction.local_server import QWEN
from extractor.extraction.prompts import load_prompt
from extractor.tasks import ATTACKS
from tests.conftest import ROOT


def bench_script(name: str) -> ModuleType:
    """``bench/<name>.py`` as a module (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs, as an import would: pydantic resolves a model's postponed annotations there.
    sys.modules[f"bench_{name}"] = module
    spec.loader.exec_module(module)
    return module


def seed_run_dirs(tmp_path_factory: pytest.TempPathFactory, versions: Sequence[str]) -> dict[str, Path]:
    """Each version's eval on the seeds, replayed from the committed cassettes, as a run directory."""
    settings = resolve_settings(model=QWEN.name, cassette_mode=CassetteMode.REPLAY, cassette_dir=ROOT / "cassettes")
    runs = {}
    for version in versions:
        run = run_eval(ATTACKS, load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version), settings, split="seeds")
        runs[version] = tmp_path_factory.mktemp(version)
        write_run(run, runs[version])
    return runs
