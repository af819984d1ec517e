"""The server process's greedy-then-grammar sampler gives llama-cpp-python's tokens, on a real model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from extractor.attacks.schemas import ArticleEvents
from extractor.extraction import local_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def llama(smollm2: local_server.ResolvedModel) -> Any:
    from llama_cpp import Llama

    return Llama(model_path=str(smollm2.path), n_ctx=2048, n_threads=2, verbose=False, seed=7)


def _completion(llama: Any, prompt: str, grammar: Any, **sampling: Any) -> tuple[str, Any]:
    llama.reset()  # no KV-cache reuse between the two runs: each decodes the prompt afresh
    out = llama.create_completion(prompt, grammar=grammar, temperature=0.0, max_tokens=160, **sampling)
    return out["choices"][0]["text"], llama._sampler


PROMPTS = [
    # The model's first choice is prose, which the grammar rejects: the fallback path runs.
    "Tell me about the attack on the fuel depot in Belgorod on Tuesday.\n",
    # A prompt that asks for the JSON itself: most picks pass the grammar as they are.
    'Return JSON with "events": a drone attack on a Kyiv power station on 2024-03-22 killed two.\n{',
]


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("penalties", [{}, {"repeat_penalty": 1.1}, {"repeat_penalty": 1.3, "frequency_penalty": 0.5}])
def test_greedy_then_grammar_gives_the_stock_samplers_tokens(
    llama: Any, monkeypatch: pytest.MonkeyPatch, prompt: str, penalties: dict[str, float]
) -> None:
    from llama_cpp import llama as llama_module
    from llama_cpp.llama_grammar import LlamaGrammar

    from extractor.extraction import server_process

    grammar = LlamaGrammar.from_json_schema(json.dumps(ArticleEvents.model_json_schema()), verbose=False)
    stock_text, stock_sampler = _completion(llama, prompt, grammar, **penalties)
    assert not isinstance(stock_sampler, server_process.GreedyThenGrammar)

    monkeypatch.setattr(llama_module.Llama, "_init_sampler", server_process._init_sampler)
    text, sampler = _completion(llama, prompt, grammar, **penalties)

    assert isinstance(sampler, server_process.GreedyThenGrammar)
    assert sampler.grammar_checks > 20
    assert text == stock_text
    assert sampler.grammar_fallbacks < sampler.grammar_checks  # the one-token check ran, and passed


def test_the_fallback_path_runs(llama: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_cpp import llama as llama_module
    from llama_cpp.llama_grammar import LlamaGrammar

    from extractor.extraction import server_process

    monkeypatch.setattr(llama_module.Llama, "_init_sampler", server_process._init_sampler)
    grammar = LlamaGrammar.from_json_schema(json.dumps(ArticleEvents.model_json_schema()), verbose=False)
    _, sampler = _completion(llama, PROMPTS[0], grammar)
    assert sampler.grammar_fallbacks >= 1  # the first pick is prose: the whole vocabulary was checked


def test_sampling_with_a_temperature_keeps_the_stock_chain(llama: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_cpp import llama as llama_module
    from llama_cpp.llama_grammar import LlamaGrammar

    from extractor.extraction import server_process

    monkeypatch.setattr(llama_module.Llama, "_init_sampler", server_process._init_sampler)
    grammar = LlamaGrammar.from_json_schema(json.dumps(ArticleEvents.model_json_schema()), verbose=False)
    llama.reset()
    llama.create_completion(PROMPTS[1], grammar=grammar, temperature=0.7, max_tokens=8)
    assert not isinstance(llama._sampler, server_process.GreedyThenGrammar)


def test_the_server_runs_this_module(smollm2: local_server.ResolvedModel) -> None:
    command = local_server.LocalServer(smollm2).command(8080)
    assert command[1:3] == ["-m", "extractor.extraction.server_process"]
