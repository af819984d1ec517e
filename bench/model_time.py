"""Wall time of each extraction against llama.cpp's own time for the same tokens (not a timed test).

    python bench/model_time.py [--prompt VERSION (default: the CLI's default)] [--split seeds] [--articles N]
                               [--no-prefix-cache] [--draft-tokens N [--against-no-drafts]] [--against VERSION]

Runs the embedded Qwen server live on the seed articles (or another split's) and, per article, splits the wall time
the harness measured (``latency_s``: every attempt, HTTP and validation included) into

- model compute: llama.cpp's ``prompt eval time`` + ``eval time`` (its own ``llama_perf`` lines), shown apart
  with their token counts: the prompt tokens it read (those the KV cache did not already hold) and the tokens
  it generated;
- the rest of llama.cpp's ``total time``: sampling and the JSON-schema grammar;
- outside llama.cpp: the server's Python, HTTP, the openai client, instructor's validation.

The goal (issue "quality") is wall within 1.10x of model compute. ``--against-stock`` first runs
the same articles, in the same order, on ``llama_cpp.server`` as it comes (its own sampler chain,
logits for every prompt token) and then says how many articles got identical events: the
embedded server's sampler must change the time, never an answer. Same order, because an answer
can depend on what the server read before (the KV-cache prefix it reuses changes how the
prompt is batched), which is also why a live run need not reproduce a cassette recorded in
another order: the cassettes, not a re-run, are what make evals repeatable.

``--draft-tokens N`` has the embedded server draft N tokens from its context and check them in one batch
(``server_process.PromptLookup``); ``--against-no-drafts`` first runs the same articles without, and says how
many got identical events. llama.cpp counts a drafted batch as prompt tokens read, so with drafts the reading /
generating split shows batches / single tokens, not prompts / answers; the compute total stays comparable.

This VM's speed moves from day to day (the same requests of v19 took 37.9-38.4 s per seed article on one day and
33.4-35.1 s on another: README, "On the seeds (history)"), so each run also prints the rates it ran at (milliseconds
per generated token, prompt tokens read per second), and ``--against VERSION`` first runs another version on the same
articles and prints the ratio of the two walls, which the day's speed does not move.

The embedded server keeps the instructions it read on disk (``server_process.PrefixStore``): the first
run on a machine reads them, later runs load them. ``--no-prefix-cache`` measures the first kind.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.cli.main import DEFAULT_PROMPT  # noqa: E402
from extractor.extraction.articles import Article, load_corpus  # noqa: E402
from extractor.extraction.config import Backend, Settings  # noqa: E402
from extractor.extraction.extract import open_extractor  # noqa: E402
from extractor.extraction.local_server import LocalServer, draft_tokens_from_env, resolve  # noqa: E402
from extractor.extraction.prompts import Prompt, load_prompt  # noqa: E402
from extractor.tasks import ATTACKS  # noqa: E402

_PERF = re.compile(
    r"llama_perf_context_print:\s+(prompt eval time|eval time|total time)\s+=\s+([\d.]+) ms"
    r"(?:\s+/\s+(\d+) (?:tokens|runs))?"
)


def perf_seconds(log: str) -> dict[str, float]:
    """llama.cpp's own timings summed over the requests whose lines are in ``log``, and (``... tokens``) the
    prompt tokens it read and the tokens it generated."""
    sums = {"prompt eval time": 0.0, "eval time": 0.0, "total time": 0.0, "prompt eval tokens": 0.0, "eval tokens": 0.0}
    for kind, ms, count in _PERF.findall(log):
        sums[kind] += float(ms) / 1000
        if count and kind != "total time":
            sums[f"{kind.removesuffix(' time')} tokens"] += int(count)
    return sums


class StockServer(LocalServer):
    """``python -m llama_cpp.server`` as it comes: its own sampler chain, logits for every token."""

    def command(self, port: int) -> list[str]:
        command = super().command(port)
        at = command.index("--logits_all")
        del command[at : at + 2]
        command[command.index("extractor.extraction.server_process")] = "llama_cpp.server"
        return command


def run(
    server_class: type[LocalServer],
    articles: list[Article],
    prompt: Prompt,
    label: str,
    *,
    prefix_cache: bool = True,
    draft_tokens: int = 0,
) -> tuple[float, dict[str, list[Any]]]:
    """Extract ``articles`` in order on a fresh server and print the time table.

    Returns the total wall time and each article's events.
    """
    model = resolve()
    totals = {
        "wall": 0.0, "compute": 0.0, "llama_total": 0.0, "prompt": 0.0, "generation": 0.0, "read": 0.0, "made": 0.0,
    }  # fmt: skip
    events: dict[str, list[Any]] = {}
    drafts = f", {draft_tokens} draft tokens" if draft_tokens else ""
    print(f"{label}: {prompt.version} on {len(articles)} article(s), {model.name}, live{drafts}")
    print(
        f"  {'article':<22} {'wall':>7} {'compute':>8} {'sampling':>9} {'outside':>8} {'wall/compute':>13}"
        f"  {'prompt read':>20} {'generated':>19}"
    )
    with server_class(model, prefix_cache=prefix_cache, draft_tokens=draft_tokens) as server:
        settings = Settings(Backend.COMPATIBLE, model.name, base_url=server.base_url, n_ctx=server.n_ctx)
        with open_extractor(ATTACKS, prompt, settings) as extractor:
            log = server.log_path
            assert log is not None  # the server is running
            for article in articles:
                mark = log.stat().st_size
                record = extractor.extract(article)
                with log.open(encoding="utf-8", errors="replace") as fh:
                    fh.seek(mark)
                    perf = perf_seconds(fh.read())
                compute = perf["prompt eval time"] + perf["eval time"]
                wall = record.latency_s
                assert wall is not None, "a live request is always timed"
                totals["wall"] += wall
                totals["compute"] += compute
                totals["llama_total"] += perf["total time"]
                totals["prompt"] += perf["prompt eval time"]
                totals["generation"] += perf["eval time"]
                totals["read"] += perf["prompt eval tokens"]
                totals["made"] += perf["eval tokens"]
                read = f"{perf['prompt eval time']:.1f}s/{perf['prompt eval tokens']:.0f} tok"
                made = f"{perf['eval time']:.1f}s/{perf['eval tokens']:.0f} tok"
                events[article.id] = record.events
                print(
                    f"  {article.id:<22} {wall:6.1f}s {compute:7.1f}s {perf['total time'] - compute:8.1f}s "
                    f"{wall - perf['total time']:7.1f}s {wall / compute if compute else float('nan'):12.2f}x"
                    f"  {read:>20} {made:>19}  ({record.attempts} attempt(s), {record.usage.total_tokens} tokens)"
                )
    wall, compute, llama_total = totals["wall"], totals["compute"], totals["llama_total"]
    print(
        f"  {'all':<22} {wall:6.1f}s {compute:7.1f}s {llama_total - compute:8.1f}s {wall - llama_total:7.1f}s "
        f"{wall / compute:12.2f}x  (goal: 1.10x); {wall / len(articles):.1f} s per article"
    )
    print(f"  of the compute: reading prompts {totals['prompt']:.1f}s, generating {totals['generation']:.1f}s")
    if totals["made"] and totals["prompt"]:
        print(
            f"  rates: {1000 * totals['generation'] / totals['made']:.1f} ms per generated token, "
            f"{totals['read'] / totals['prompt']:.1f} prompt tokens read per second"
        )
    return wall, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt", default=DEFAULT_PROMPT, help="the version the goals are for: the default one")
    parser.add_argument("--split", default="seeds", choices=["seeds", "dev", "test"])
    parser.add_argument("--articles", type=int, default=None, help="the first N of the split (default: all)")
    parser.add_argument(
        "--against-stock", action="store_true", help="first run llama_cpp.server as it comes, then compare"
    )
    parser.add_argument(
        "--no-prefix-cache",
        action="store_true",
        help="read the instructions again, as a server with nothing stored (the first run on a machine) does",
    )
    parser.add_argument(
        "--draft-tokens",
        type=int,
        default=draft_tokens_from_env(),
        help="tokens the embedded server drafts from its context and checks in one batch "
        "(default: EXTRACTOR_DRAFT_TOKENS or 0)",
    )
    parser.add_argument(
        "--against-no-drafts",
        action="store_true",
        help="first run the embedded server without drafts, then compare (time and identical events)",
    )
    parser.add_argument(
        "--against",
        metavar="VERSION",
        default=None,
        help="first run this prompt version on the same articles, then give the ratio of the walls",
    )
    args = parser.parse_args()
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, args.prompt)
    other = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, args.against) if args.against else None
    articles = [a for a in load_corpus(ATTACKS.corpus_dir) if a.meta.split == args.split][: args.articles]
    cache = not args.no_prefix_cache
    stock = None
    if args.against_stock:
        stock = run(StockServer, articles, prompt, "stock llama_cpp.server", prefix_cache=cache)
    before = None
    if other is not None:
        before = run(LocalServer, articles, other, "the embedded server", prefix_cache=cache)
    plain = None
    if args.against_no_drafts:
        plain = run(LocalServer, articles, prompt, "the embedded server, no drafts", prefix_cache=cache)
    wall, events = run(
        LocalServer, articles, prompt, "the embedded server", prefix_cache=cache, draft_tokens=args.draft_tokens
    )
    if before is not None:
        print(f"{prompt.version} / {args.against} wall: {wall / before[0]:.2f}x, the same articles in the same hour")
    for name, compared in (("stock", stock), ("no drafts", plain)):
        if compared is not None:
            other_wall, other_events = compared
            same = sum(other_events[a.id] == events[a.id] for a in articles)
            print(
                f"{name} / embedded wall: {other_wall / wall:.2f}x; "
                f"{same} of {len(articles)} articles with identical events"
            )


if __name__ == "__main__":
    main()
