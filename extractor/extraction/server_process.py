"""What runs inside the embedded llama.cpp server process: ``python -m extractor.extraction.server_process``.

It is ``python -m llama_cpp.server`` with one change, to how a greedy token is picked under a
grammar. llama-cpp-python's sampler chain is penalties → grammar → greedy, and the grammar step
checks every token of the vocabulary (151,936 for Qwen2.5) against the JSON-schema grammar
before the greedy pick: measured here, that is where the time between llama.cpp's own
prompt + eval time and the wall time of a request goes (``bench/model_time.py``: 1.25×).

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
import ctypes
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import llama as llama_module

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


_SAMPLER_ARGS = (
    "top_k", "top_p", "min_p", "typical_p", "temp", "repeat_penalty", "frequency_penalty",
    "presence_penalty", "tfs_z", "mirostat_mode", "mirostat_eta", "mirostat_tau", "penalize_nl",
    "logits_processor", "grammar",
)  # fmt: skip


def install() -> None:
    """Make every ``llama_cpp.Llama`` of this process pick greedy tokens under a grammar this way."""
    # Assigned on the class, not subclassed: llama_cpp.server builds its own llama_cpp.Llama.
    setattr(llama_module.Llama, "_init_sampler", _init_sampler)  # noqa: B010


def main() -> None:
    install()
    from llama_cpp.server.__main__ import main as serve

    serve()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
