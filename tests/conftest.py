"""Shared fixtures. Tests run offline: replay-only cassettes, and the real llama.cpp
server only where its package and the small SmolLM2 model are present (CI pulls it)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from extractor.extraction import local_server

ROOT = Path(__file__).resolve().parent.parent
# The loopback servers of the batch, resume and robustness tests answer in the task's own schema, as v2
# asks for it; the default version (v9) asks for the places attacked first. Every command those tests
# start inherits this pin; tests of the default itself start their command without it.
os.environ["EXTRACTOR_PROMPT"] = "v2"
# A server a test starts keeps no instructions in the user's cache; the tests of the store turn it on for
# a temporary directory of their own (tests/extraction/test_server_process.py).
os.environ["EXTRACTOR_PREFIX_CACHE"] = "off"
CORPUS = ROOT / "evals" / "attacks" / "articles"


@pytest.fixture(scope="session")
def smollm2() -> local_server.ResolvedModel:
    """The real SmolLM2 model, or a skip that says how to get it."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install -e '.[local]')")
    if not local_server.is_pulled(local_server.SMOLLM2):
        pytest.skip("SmolLM2 is not pulled (extractor models pull smollm2-135m-instruct)")
    return local_server.resolve(local_server.SMOLLM2.name)


def pytest_unconfigure(config: pytest.Config) -> None:
    # llama-cpp-python opens /dev/null twice at import and never closes it; under
    # filterwarnings=error that shows as "Exception ignored ... ResourceWarning" at exit.
    utils = sys.modules.get("llama_cpp._utils")
    for name in ("outnull_file", "errnull_file"):
        handle = getattr(utils, name, None)
        if handle is not None:
            handle.close()
