"""What runs inside the embedded llama.cpp server process: ``python -m extractor.extraction.server_process``.

It is ``python -m llama_cpp.server`` with four changes: the instructions of a first prompt are kept
on disk for the next server (:class:`PrefixStore`); a JSON schema that asks for compact JSON gets a grammar
without whitespace (:func:`json_schema_grammar`; any other schema gets llama-cpp-python's own grammar);
with ``EXTRACTOR_DRAFT_TOKENS`` set, tokens are drafted from the context and checked in one batch
(:class:`PromptLookup`, :func:`_eval`); and, the main one, how a greedy token is picked under a grammar.
llama-cpp-python's sampler chain is penalties → grammar → greedy, and the grammar step checks every token of
the vocabulary (151,936 for Qwen2.5) against the JSON-schema grammar before the greedy pick: measured here,
that is where the time between llama.cpp's own prompt + eval time and the wall time of a request goes
(``bench/model_time.py``: 1.25×).

llama.cpp's own ``common_sampler`` does it the other way round, and so does this module: pick
the greedy token first, check only that token against the grammar, and apply the grammar to
the whole vocabulary only when the pick is rejected. For greedy decoding the token is the same
either way, so the answers, and the cassettes recorded from them, do not change:

- the grammar sets a rejected token's logit to -inf and leaves the others alone, and judges
  each token on its own, so checking one token is checking it in the full array;
- if the arg-max of the penalised logits is allowed, it is also the arg-max of the allowed
  ones; both pick the first of equal maxima, as llama.cpp's greedy sampler does;
- the repetition penalty touches only tokens among the last ``penalty_last_n`` accepted ones,
  so it is applied (by llama.cpp's own penalty sampler, the same arithmetic) to those alone.

Sampling with a temperature, mirostat or logits processors keeps llama-cpp-python's own chain.
``tests/extraction/test_server_process.py`` holds the equivalence: the same tokens, on a real
model, with and without this sampler.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import llama as llama_module
from llama_cpp import llama_grammar, llama_speculative

from extractor.extraction.local_server import PREFIX_DIR_ENV, WHITESPACE_KEY, draft_tokens_from_env
from extractor.runs import write_atomic

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)
# llama.cpp reads this array in place: the dtype must be its llama_token_data, byte for byte.
assert _TOKEN_DATA.itemsize == ctypes.sizeof(llama_cpp.llama_token_data)


class GreedyThenGrammar:
    """Greedy decoding under a grammar that checks the grammar on the picked token first.

    Has the one method llama-cpp-python calls on its sampler, ``sample(ctx, idx)``, which also
    accepts the token (into the grammar and the penalty history), as ``llama_sampler_sample`` does.
    """

    def __init__(
        self,
        llama: Any,
        grammar: Any,
        *,
        penalty_last_n: int,
        penalty_repeat: float,
        penalty_freq: float,
        penalty_present: float,
    ) -> None:
        self.n_vocab: int = llama.n_vocab()
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self.penalties = llama_cpp.llama_sampler_init_penalties(
            self.n_vocab, penalty_last_n, penalty_repeat, penalty_freq, penalty_present
        )
        penalising = penalty_repeat != 1.0 or penalty_freq != 0.0 or penalty_present != 0.0
        self.penalised = penalty_last_n != 0 and penalising
        self.recent: collections.deque[int] = collections.deque(maxlen=max(penalty_last_n, 1))
        self.full = np.zeros(self.n_vocab, dtype=_TOKEN_DATA)
        self.full["id"] = np.arange(self.n_vocab, dtype=np.int32)
        self.one = np.zeros(1, dtype=_TOKEN_DATA)
        self.grammar_checks = 0  # picks checked against the grammar
        self.grammar_fallbacks = 0  # picks the grammar rejected, so the whole vocabulary was checked

    def _apply(self, sampler: Any, data: np.ndarray[Any, Any]) -> None:
        array = llama_cpp.llama_token_data_array(
            data=data.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data)),
            size=len(data),
            selected=-1,
            sorted=False,
        )
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))

    def _logits(self, ctx: Any, idx: int) -> np.ndarray[Any, Any]:
        pointer = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        logits = np.ctypeslib.as_array(pointer, shape=(self.n_vocab,)).copy()
        if self.penalised and self.recent:
            seen = np.fromiter(sorted(set(self.recent)), dtype=np.int32)
            small = np.zeros(len(seen), dtype=_TOKEN_DATA)
            small["id"] = seen
            small["logit"] = logits[seen]
            self._apply(self.penalties, small)
            logits[seen] = small["logit"]
        return logits

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = self._logits(ctx, idx)
        token = int(np.argmax(logits))
        self.one["id"] = token
        self.one["logit"] = logits[token]
        self._apply(self.grammar, self.one)
        self.grammar_checks += 1
        if self.one["logit"][0] == -np.inf:
            self.grammar_fallbacks += 1
            self.full["logit"] = logits
            self._apply(self.grammar, self.full)
            token = int(np.argmax(self.full["logit"]))
        llama_cpp.llama_sampler_accept(self.grammar, token)
        llama_cpp.llama_sampler_accept(self.penalties, token)
        self.recent.append(token)
        return token

    def __del__(self) -> None:
        for sampler in (getattr(self, "grammar", None), getattr(self, "penalties", None)):
            if sampler is not None:
                llama_cpp.llama_sampler_free(sampler)


_stock_init_sampler = llama_module.Llama._init_sampler


def _init_sampler(self: Any, *args: Any, **kwargs: Any) -> Any:
    options = {**dict(zip(_SAMPLER_ARGS, args, strict=False)), **kwargs}
    if (
        options.get("grammar") is not None
        and options.get("temp", 0.80) == 0.0
        and options.get("logits_processor") is None
    ):
        return GreedyThenGrammar(
            self,
            options["grammar"],
            penalty_last_n=self.last_n_tokens_size,
            penalty_repeat=options.get("repeat_penalty", 1.0),
            penalty_freq=options.get("frequency_penalty", 0.0),
            penalty_present=options.get("presence_penalty", 0.0),
        )
    return _stock_init_sampler(self, *args, **kwargs)


# --------------------------------------------------------------------------- drafts from what was read


class PromptLookup(llama_speculative.LlamaDraftModel):
    """Draft tokens for speculative decoding, taken from what the model has already read or written.

    Most of an answer is copied: evidence quoted from the article, names, and the JSON keys of the events before
    it. After each token the last ``ngram_sizes[0]`` tokens (then each shorter size given) are looked up in the
    context, the most recent earlier occurrence first, and the ``num_pred_tokens`` tokens that followed it are
    the draft. The model checks a draft in one batch (:func:`_eval`), and llama-cpp-python's ``generate`` keeps
    the drafted tokens up to the first one the model would not have picked itself, then the model's own pick.
    On 2 cores a batch of 6 tokens costs about 2.2 times one token (148 against 67 ms, 2,000 tokens in), so a
    draft is short and asked only after four tokens that occurred before: a wrong one costs more than a right
    one saves. Those two numbers were chosen by replaying drafts over v17's recorded dev answers (README).

    llama-cpp-python's own ``LlamaPromptLookupDecoding`` takes the earliest occurrence (on these prompts, often
    the tool schema's text rather than the event just written) and falls back to single tokens, and its server
    then computes the logits of every prompt token (``logits_all``); both cost more than they save here.
    """

    def __init__(self, num_pred_tokens: int = 5, ngram_sizes: tuple[int, ...] = (4,)) -> None:
        self.num_pred_tokens = num_pred_tokens
        self.ngram_sizes = ngram_sizes
        self.drafts = 0  # lookups that found a draft

    def __call__(self, input_ids: np.ndarray[Any, Any], /, **kwargs: Any) -> np.ndarray[Any, Any]:
        ids = np.asarray(input_ids)
        for size in self.ngram_sizes:
            if len(ids) <= size:
                continue
            # Windows that start early enough to have a token after them, the last n-gram itself excluded.
            windows = np.lib.stride_tricks.sliding_window_view(ids[:-1], size)
            found = np.flatnonzero((windows == ids[-size:]).all(axis=1))
            if len(found):
                start = int(found[-1]) + size
                self.drafts += 1
                return ids[start : start + self.num_pred_tokens].astype(np.intc)
        return np.empty(0, dtype=np.intc)


_stock_eval = llama_module.Llama.eval


def _eval(self: Any, tokens: Any) -> None:
    """``Llama.eval`` that, checking a draft, asks llama.cpp for the logits of every token of the batch.

    The stock ``eval`` gets them only with ``logits_all``, which also computes and copies the logits of every
    prompt token into an n_ctx x vocabulary array; the samplers here read them from llama.cpp directly.
    """
    draft = getattr(self, "draft_model", None)
    # A batch this short after a first one is a sampled token and its draft (or a prompt's last few tokens, whose
    # logits cost little); a longer one is a prompt, whose last logits are all that is read.
    if draft is None or not self.n_tokens or not 1 < len(tokens) <= min(draft.num_pred_tokens + 1, self.n_batch):
        _stock_eval(self, tokens)
        return
    self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
    n_past = self.n_tokens
    self._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
    self._ctx.decode(self._batch)
    self.input_ids[n_past : n_past + len(tokens)] = tokens
    self.n_tokens += len(tokens)
    self._requires_eval = False


# --------------------------------------------------------------------------- the instructions, read once per machine

# A stored prefix is loaded when it shares at least this many tokens with the prompt: below that, reading it
# from disk buys little over computing it.
MIN_PREFIX_TOKENS = 256
KEPT_PREFIXES = 4  # per model, context size and llama.cpp version (the directory): ~84 MB each for Qwen


class PrefixStore:
    """The KV cache of a prompt's instructions, kept on disk so that a new server does not read them again.

    A server reads the instructions of a prompt version (system message, tool schema, examples: about 2,000
    tokens, 22 s on 2 cores for v9) once, and reuses them from its KV cache for every later article. Each
    ``extractor`` command starts a new server, so each paid them again: half the time of a one-article
    ``extract``. Here a server's first answer is followed by its state (KV cache and tokens) written to
    ``directory``, and the next server whose first prompt starts with the same instructions loads it and keeps
    the instructions of it: everything before the prompt's last user turn, never an article, so a stored
    article is read again like any other. The state is the one the first request computed, the prompt read
    whole, as a server without a store reads it: the KV cache every later article starts from is the same.
    The directory is specific to the model file, the context size and llama.cpp's version, which is what
    makes a state loadable.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.used = False  # once per process: later prompts reuse the KV cache in memory

    def _stored(self) -> list[tuple[Path, np.ndarray[Any, Any]]]:
        found = []
        for tokens_file in sorted(self.directory.glob("*.tokens.npy")):
            with contextlib.suppress(OSError, ValueError):
                found.append((tokens_file, np.load(tokens_file)))
        return found

    def restore(self, llama: Any, tokens: list[int], instructions: int) -> int:
        """Load the stored state sharing the most of the ``instructions`` first tokens of ``tokens`` (at least
        :data:`MIN_PREFIX_TOKENS`), keeping only what they share; how many tokens that is, or 0."""
        best: tuple[int, Path, np.ndarray[Any, Any]] | None = None
        for tokens_file, stored in self._stored():
            shared = min(llama_module.Llama.longest_token_prefix(stored.tolist(), tokens), instructions)
            if shared >= MIN_PREFIX_TOKENS and (best is None or shared > best[0]):
                best = (shared, tokens_file, stored)
        if best is None:
            return 0
        shared, tokens_file, stored = best
        try:
            data = _state_file(tokens_file).read_bytes()
            state = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
            if llama_cpp.llama_state_set_data(llama._ctx.ctx, state, len(data)) != len(data):
                raise RuntimeError(f"llama.cpp could not load {tokens_file.name}")
        except (OSError, RuntimeError, ValueError):
            llama.reset()  # an unreadable state costs the prefix, never the answer
            return 0
        # Llama.load_state would also fill the logits of every batch row (311 MB for Qwen, 0.8 s of page faults):
        # none is read before the first token after the prefix is decoded, which writes its own. What follows the
        # shared instructions (the stored article, its answer) is dropped by generate(), which reuses the KV cache
        # only as far as n_tokens.
        llama.input_ids[: len(stored)] = stored
        llama.n_tokens = shared
        llama._requires_eval = True
        os.utime(tokens_file)  # recently used: kept longest
        return shared

    def save(self, llama: Any) -> None:
        """Write the server's state (its KV cache and the tokens it holds), keeping the newest few."""
        tokens = np.asarray(llama.input_ids[: llama.n_tokens], dtype=np.int32)
        size = llama_cpp.llama_state_get_size(llama._ctx.ctx)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(llama._ctx.ctx, buffer, size)
        name = hashlib.sha256(tokens.tobytes()).hexdigest()[:16]
        listed = io.BytesIO()
        np.save(listed, tokens)
        # The tokens last: a server reading the directory finds a state only once it is whole.
        write_atomic(self.directory / f"{name}.kv", ctypes.string_at(buffer, written))
        write_atomic(self.directory / f"{name}.tokens.npy", listed.getvalue())
        newest_first = sorted(self.directory.glob("*.tokens.npy"), key=lambda path: path.stat().st_mtime, reverse=True)
        for tokens_file in newest_first[KEPT_PREFIXES:]:
            _state_file(tokens_file).unlink(missing_ok=True)
            tokens_file.unlink(missing_ok=True)


def _state_file(tokens_file: Path) -> Path:
    return tokens_file.with_name(tokens_file.name.removesuffix(".tokens.npy") + ".kv")


def instructions_length(tokens: list[int], user_turn: list[int]) -> int:
    """How many of ``tokens`` come before the last user turn (``user_turn``: the tokens that open one, as the
    chat template writes them); 0 when there is none. Everything before it is the same for every article."""
    width = len(user_turn)
    for start in range(len(tokens) - width, -1, -1):
        if tokens[start : start + width] == user_turn:
            return start
    return 0


_stock_generate = llama_module.Llama.generate


def _generate(self: Any, tokens: Any, *args: Any, **kwargs: Any) -> Any:
    store: PrefixStore | None = getattr(self, "_extractor_prefixes", None)
    tokens = list(tokens)
    # Set when nothing is stored for these instructions: the first answer is computed as without a store, then kept.
    keeper: PrefixStore | None = None
    if store is not None and not store.used and not self.n_tokens:
        store.used = True
        instructions = instructions_length(tokens, self.tokenize(b"<|im_start|>user", add_bos=False, special=True))
        if instructions >= MIN_PREFIX_TOKENS and not store.restore(self, tokens, instructions):
            keeper = store
    try:
        yield from _stock_generate(self, tokens, *args, **kwargs)
    except GeneratorExit:  # the caller stopped at max_tokens or a stop word: the KV cache is whole
        if keeper is not None:
            keeper.save(self)
        raise
    if keeper is not None:
        keeper.save(self)


_stock_init = llama_module.Llama.__init__


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    _stock_init(self, *args, **kwargs)
    directory = os.environ.get(PREFIX_DIR_ENV)
    self._extractor_prefixes = PrefixStore(Path(directory)) if directory else None
    # Set after the stock __init__, which would otherwise turn on logits_all for a draft model.
    draft_tokens = draft_tokens_from_env()
    if draft_tokens > 0 and self.draft_model is None:
        self.draft_model = PromptLookup(num_pred_tokens=draft_tokens)


_SPACE_RULE = re.compile(r"^space ::= .*$", re.MULTILINE)


def json_schema_grammar(json_schema: str) -> str:
    """llama-cpp-python's GBNF for ``json_schema``; with no whitespace between JSON tokens where the schema asks
    (``"x-json-whitespace": "none"``: a prompt version's ``json_whitespace``).

    The stock grammar allows one optional space after every ``:`` and ``,``; the model takes it in a first answer
    and leaves it out in answers after a compact one, so which it writes depends on the conversation. Every
    separator the grammar builds goes through its one ``space`` rule. The one version that asked, v13, lost
    on dev: forbidden the token it prefers after a separator, the small model drifts (README, "v13").
    """
    grammar: str = llama_grammar.json_schema_to_gbnf(json_schema)
    if json.loads(json_schema).get(WHITESPACE_KEY) == "none":
        grammar, replaced = _SPACE_RULE.subn('space ::= ""', grammar)
        if replaced != 1:
            raise ValueError("llama-cpp-python's JSON-schema grammar has no single space rule to empty")
    return grammar


def _from_json_schema(cls: Any, json_schema: str, verbose: bool = True) -> Any:
    return cls.from_string(json_schema_grammar(json_schema), verbose=verbose)


_SAMPLER_ARGS = (
    "top_k", "top_p", "min_p", "typical_p", "temp", "repeat_penalty", "frequency_penalty",
    "presence_penalty", "tfs_z", "mirostat_mode", "mirostat_eta", "mirostat_tau", "penalize_nl",
    "logits_processor", "grammar",
)  # fmt: skip


def install() -> None:
    """Make every ``llama_cpp.Llama`` of this process pick greedy tokens under a grammar this way, (with
    ``EXTRACTOR_PREFIX_DIR`` set) keep the instructions it reads on disk (:class:`PrefixStore`), (with
    ``EXTRACTOR_DRAFT_TOKENS`` set) draft tokens from its context (:class:`PromptLookup`), and build a
    JSON schema's grammar without whitespace where the schema asks (:func:`json_schema_grammar`)."""
    # Assigned on the class, not subclassed: llama_cpp.server builds its own llama_cpp.Llama.
    setattr(llama_module.Llama, "_init_sampler", _init_sampler)  # noqa: B010
    setattr(llama_module.Llama, "__init__", _init)  # noqa: B010
    setattr(llama_module.Llama, "generate", _generate)  # noqa: B010
    setattr(llama_module.Llama, "eval", _eval)  # noqa: B010
    setattr(llama_grammar.LlamaGrammar, "from_json_schema", classmethod(_from_json_schema))  # noqa: B010


def main() -> None:
    install()
    from llama_cpp.server.__main__ import main as serve

    serve()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
