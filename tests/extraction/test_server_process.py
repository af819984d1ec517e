"""The server process's greedy-then-grammar sampler gives llama-cpp-python's tokens, on a real model."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pydantic_core
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


# --------------------------------------------------------------------------- the instructions, read once per machine

SYSTEM = "You are a careful assistant. " + " ".join(f"Rule {n}: answer briefly, from the text." for n in range(120))


def _ask(server: local_server.LocalServer, user: str) -> tuple[str, int]:
    """The answer to SYSTEM and ``user``, and how many prompt tokens the server read for it (llama.cpp's own
    count: the tokens its KV cache did not already hold)."""
    import openai

    log = server.log_path
    assert log is not None
    mark = log.stat().st_size
    client = openai.OpenAI(base_url=server.base_url, api_key="none")
    reply = client.chat.completions.create(
        model=server.model.name,
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
        max_tokens=12,
        temperature=0.0,
    )
    with log.open(encoding="utf-8", errors="replace") as fh:
        fh.seek(mark)
        read = re.findall(r"prompt eval time =\s+[\d.]+ ms /\s+(\d+) tokens", fh.read())
    return reply.choices[0].message.content or "", sum(map(int, read))


def _serve(model: local_server.ResolvedModel, prefixes: Path, *, prefix_cache: bool = True) -> local_server.LocalServer:
    server = local_server.LocalServer(model, n_ctx=2048, prefix_cache=prefix_cache)
    if prefix_cache:
        server.prefix_dir = prefixes
    return server


def test_a_new_server_reads_the_instructions_from_disk_not_again(
    smollm2: local_server.ResolvedModel, tmp_path: Path
) -> None:
    with _serve(smollm2, tmp_path) as first:
        hello, read_first = _ask(first, "Say hello.")
    assert read_first > 1000, "the first server reads the instructions"
    assert len(list(tmp_path.glob("*.kv"))) == 1 and len(list(tmp_path.glob("*.tokens.npy"))) == 1
    with _serve(smollm2, tmp_path) as second:
        again, read_again = _ask(second, "Say hello.")
        _, read_other = _ask(second, "Say goodbye.")
    assert read_again < 50, "a new server loads the instructions and reads only the user's turn"
    assert again == hello, "the same tokens are computed the same way: the same answer"
    assert read_other < 50
    with _serve(smollm2, tmp_path, prefix_cache=False) as without:
        assert without.prefix_dir is None
        _, read_without = _ask(without, "Say hello.")
    assert read_without == read_first
    assert len(list(tmp_path.glob("*.kv"))) == 1, "one state per set of instructions"


def test_a_stored_state_that_cannot_be_loaded_costs_the_prefix_not_the_answer(
    smollm2: local_server.ResolvedModel, tmp_path: Path
) -> None:
    with _serve(smollm2, tmp_path) as first:
        hello, _ = _ask(first, "Say hello.")
    (state,) = tmp_path.glob("*.kv")
    state.write_bytes(b"not a llama.cpp state")
    with _serve(smollm2, tmp_path) as second:
        again, read = _ask(second, "Say hello.")
    assert again == hello
    assert read > 1000, "read again, as with nothing stored"


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ([1, 2, 9, 7, 3, 9, 7, 4, 9, 8], 5),  # the last user turn (9, 7), not an earlier one or the assistant's (9, 8)
        ([1, 2, 3], 0),  # no user turn
        ([9, 7, 5], 0),
    ],
)
def test_instructions_are_what_comes_before_the_last_user_turn(tokens: list[int], expected: int) -> None:
    from extractor.extraction.server_process import instructions_length

    assert instructions_length(tokens, [9, 7]) == expected


# --------------------------------------------------------------------------- compact JSON

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def _tool_schema(whitespace: str | None) -> dict[str, Any]:
    schema = ArticleEvents.model_json_schema()
    return {**schema, local_server.WHITESPACE_KEY: whitespace} if whitespace else schema


def test_a_schema_that_asks_for_no_whitespace_gets_a_grammar_without_it() -> None:
    from llama_cpp import llama_grammar

    from extractor.extraction.server_process import json_schema_grammar

    stock = json.dumps(_tool_schema(None))
    assert json_schema_grammar(stock) == llama_grammar.json_schema_to_gbnf(stock)
    assert re.search(r'^space ::= " "\?$', json_schema_grammar(stock), re.MULTILINE)
    compact = json_schema_grammar(json.dumps(_tool_schema("none")))
    assert re.search(r'^space ::= ""$', compact, re.MULTILINE)
    assert compact.replace('space ::= ""', 'space ::= " "?') == json_schema_grammar(stock)


def _forced(server: local_server.LocalServer, messages: list[dict[str, str]]) -> str:
    """The tool-call arguments the server writes for ``messages`` under the compact schema."""
    arguments: str = _forced_reply(server, messages)["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    return arguments


def _forced_reply(server: local_server.LocalServer, messages: list[dict[str, str]]) -> dict[str, Any]:
    """The server's whole reply to ``messages``, its tool call forced, under the compact schema."""
    tool = {"type": "function", "function": {"name": "ArticleEvents", "parameters": _tool_schema("none")}}
    body = {
        "model": server.model.name,
        "messages": messages,
        "tools": [tool],
        "tool_choice": {"type": "function", "function": {"name": "ArticleEvents"}},
        "max_tokens": 160,
        "temperature": 0.0,
    }
    request = urllib.request.Request(
        f"{server.base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        reply: dict[str, Any] = json.load(response)
    return reply


def test_the_server_writes_compact_json_where_the_schema_asks(
    smollm2: local_server.ResolvedModel, tmp_path: Path
) -> None:
    article = "A drone struck a fuel depot in Belgorod on Tuesday, officials said. Two guards were hurt."
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": article}]
    with _serve(smollm2, tmp_path, prefix_cache=False) as server:
        written = _forced(server, messages)
    assert written.startswith("{"), written
    assert len(written) > 40, "an answer long enough to have separators"
    assert not re.search(r"\s", _STRINGS.sub('""', written)), f"whitespace between JSON tokens: {written}"


# --------------------------------------------------------------------------- drafts from what was read


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        # The last three tokens (5, 6, 7) occurred twice: the most recent occurrence's continuation is drafted.
        ([5, 6, 7, 1, 1, 5, 6, 7, 2, 3, 4, 9, 5, 6, 7], [2, 3, 4, 9]),
        # No earlier (6, 7, 8): the last two, (7, 8), are looked up instead.
        ([7, 8, 1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4]),
        # A draft stops where the context does.
        ([3, 4, 1, 2, 3, 4], [1, 2, 3, 4]),
        ([1, 2, 3, 4, 2, 3], [4, 2, 3]),
        # Nothing earlier to copy: no draft (single tokens are not looked up: they draft too often in vain).
        ([1, 2, 3, 4, 5, 1], []),
        ([1], []),
    ],
)
def test_a_draft_continues_the_latest_earlier_occurrence_of_the_last_tokens(
    context: list[int], expected: list[int]
) -> None:
    import numpy as np

    from extractor.extraction.server_process import PromptLookup

    drafted = PromptLookup(num_pred_tokens=4, ngram_sizes=(3, 2))(np.array(context, dtype=np.intc))
    assert drafted.tolist() == expected
    assert drafted.dtype == np.intc


def test_drafts_are_checked_in_batches_and_the_answer_stays_under_the_grammar(
    smollm2: local_server.ResolvedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With drafts, llama.cpp decodes fewer times than it generates tokens (some drafted tokens were kept),
    and the answer is still JSON the grammar allows."""
    from llama_cpp import Llama
    from llama_cpp import llama as llama_module
    from llama_cpp.llama_grammar import LlamaGrammar

    from extractor.extraction import server_process

    monkeypatch.setenv(local_server.DRAFT_TOKENS_ENV, "4")
    for name, patched in (("__init__", server_process._init), ("eval", server_process._eval)):
        monkeypatch.setattr(llama_module.Llama, name, patched)
    monkeypatch.setattr(llama_module.Llama, "_init_sampler", server_process._init_sampler)
    llama = Llama(model_path=str(smollm2.path), n_ctx=2048, n_threads=2, verbose=False, seed=7)
    assert isinstance(llama.draft_model, server_process.PromptLookup)
    assert llama._logits_all is False, "drafts need no logits for every prompt token"

    decodes: list[int] = []
    real_eval = llama_module.Llama.eval

    def counting_eval(self: Any, tokens: Any) -> None:
        decodes.append(len(tokens))
        real_eval(self, tokens)

    monkeypatch.setattr(llama_module.Llama, "eval", counting_eval)
    article = (
        "A drone struck the Belgorod fuel depot on Tuesday, officials said. A second drone struck the "
        "Belgorod fuel depot on Wednesday. Two guards were hurt at the Belgorod fuel depot."
    )
    prompt = f"Article: {article}\nReturn the attacks as JSON, quoting the article.\n"
    grammar = LlamaGrammar.from_json_schema(json.dumps(ArticleEvents.model_json_schema()), verbose=False)
    out: Any = llama.create_completion(prompt, grammar=grammar, temperature=0.0, max_tokens=400)
    generated = out["usage"]["completion_tokens"]
    after_prompt = decodes[1:]
    assert llama.draft_model.drafts > 0
    assert any(size > 1 for size in after_prompt), "drafts were checked in batches"
    assert len(after_prompt) < generated, "some drafted tokens were kept: fewer decodes than tokens"
    # The 135M model runs to max_tokens; what it wrote by then is still JSON the grammar allows, cut short.
    written = pydantic_core.from_json(out["choices"][0]["text"], allow_partial=True)
    assert isinstance(written, dict) and isinstance(written["events"], list), written


def test_a_server_with_drafts_answers_one_request_after_another(smollm2: local_server.ResolvedModel) -> None:
    """Through HTTP, as the harness asks: the server checks drafts in batches (llama.cpp counts them as prompt
    tokens read, beyond the prompt), and the second request reuses a KV cache that holds drafted tokens."""
    article = "A drone struck a fuel depot in Belgorod on Tuesday, officials said. Two guards were hurt."
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": article}]
    with local_server.LocalServer(smollm2, n_ctx=2048, prefix_cache=False, draft_tokens=4) as server:
        assert server.environment()[local_server.DRAFT_TOKENS_ENV] == "4"
        log = server.log_path
        assert log is not None
        reply = _forced_reply(server, messages)
        first = reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        read = sum(map(int, re.findall(r"prompt eval time =\s+[\d.]+ ms /\s+(\d+) tokens", log.read_text())))
        follow_up = [*messages, {"role": "assistant", "content": first}, {"role": "user", "content": "Again."}]
        second = _forced(server, follow_up)
    for answer in (first, second):
        # SmolLM2-135M runs to max_tokens: what it wrote is JSON the grammar allows, cut short.
        written = pydantic_core.from_json(answer, allow_partial=True)
        assert isinstance(written, dict), answer
    assert read > reply["usage"]["prompt_tokens"], "drafted tokens were read in batches beside the prompt"
