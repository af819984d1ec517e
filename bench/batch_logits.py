"""Does a batch of N tokens get the logits that one token at a time gets? Cost and identity per batch size.

    python bench/batch_logits.py [--context 1000] [--tokens 48] [--sizes 2,3,4,6,8]

Not a timed test: a measurement behind ``EXTRACTOR_DRAFT_TOKENS`` (``server_process.PromptLookup``), which checks
drafted tokens in one batch. A draft keeps the answers of one token at a time only if a batch computes, row for
row, the logits that single tokens compute; otherwise a near tie can go the other way and the answer changes
from there on. The embedded Qwen model, in-process as the server runs it
(batch 512, every core), reads ``--context`` tokens of the seed articles, then the next ``--tokens`` tokens one at
a time (the reference), once more one at a time (the control: the same rows, or the comparison means nothing),
then in batches of each size. Per size it prints the time per batch against one
token's, the generation speed-up were every drafted token kept, how many rows are bit-identical to the
reference, the largest logit difference, and how many rows pick the same greedy token.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.extraction.articles import load_corpus  # noqa: E402
from extractor.extraction.local_server import resolve  # noqa: E402
from extractor.tasks import ATTACKS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--context", type=int, default=1000, help="tokens read before the measured ones")
    parser.add_argument("--tokens", type=int, default=48, help="tokens evaluated after the context")
    parser.add_argument("--sizes", default="2,3,4,6,8", help="batch sizes to compare with one token at a time")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    from llama_cpp import Llama  # the 'local' extra

    model = resolve()
    llama: Any = Llama(
        model_path=str(model.path),
        n_ctx=args.context + args.tokens + 64,
        n_batch=512,
        logits_all=True,  # every row's logits: what a drafted batch needs, for the comparison
        verbose=False,
    )
    seeds = [a for a in load_corpus(ATTACKS.corpus_dir) if a.meta.split == "seeds"]
    tokens = llama.tokenize("\n\n".join(a.text for a in seeds).encode("utf-8"))
    if len(tokens) < args.context + args.tokens:
        sys.exit(f"the seed articles hold {len(tokens)} tokens; ask for fewer (--context, --tokens)")
    context, measured = tokens[: args.context], tokens[args.context : args.context + args.tokens]

    def run(size: int) -> tuple[np.ndarray, float]:
        llama.reset()
        llama.eval(context)
        rows, batches = [], 0
        started = time.perf_counter()
        for at in range(0, len(measured), size):
            batch = measured[at : at + size]
            llama.eval(batch)
            rows.append(np.array(llama.scores[llama.n_tokens - len(batch) : llama.n_tokens]))
            batches += 1
        return np.concatenate(rows), (time.perf_counter() - started) / batches

    reference, one = run(1)
    print(f"{model.name}: {args.context} tokens read, then {args.tokens} measured; one token: {one * 1000:.0f} ms")
    print(f"{'batch':>12} {'ms':>6} {'vs one':>7} {'speed-up if all kept':>21} {'identical rows':>15} "
          f"{'max |diff|':>11} {'same greedy':>12}")  # fmt: skip
    for label, size in [("1 (control)", 1), *((str(size), size) for size in sizes)]:
        logits, seconds = run(size)
        diff = np.abs(logits - reference).max(axis=1)
        same = (logits.argmax(axis=1) == reference.argmax(axis=1)).mean()
        print(
            f"{label:>12} {seconds * 1000:6.0f} {seconds / one:6.2f}x {size * one / seconds:20.2f}x "
            f"{(diff == 0).mean():14.0%} {diff.max():11.4f} {same:11.0%}"
        )


if __name__ == "__main__":
    main()
