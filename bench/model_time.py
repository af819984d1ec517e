"""Wall time of each extraction against llama.cpp's own time for the same tokens (not a timed test).

    python bench/model_time.py [--prompt v2] [--articles N]

Runs the embedded Qwen server live on the seed articles and, per article, splits the wall time
the harness measured (``latency_s``: every attempt, HTTP and validation included) into

- model compute: llama.cpp's ``prompt eval time`` + ``eval time`` (its own ``llama_perf`` lines);
- the rest of llama.cpp's ``total time``: sampling and the JSON-schema grammar;
- outside llama.cpp: the server's Python, HTTP, the openai client, instructor's validation.

The goal (issue "quality") is wall within 1.10x of model compute. Each live answer is also
compared with the committed cassette's (replayed): ``same`` says the events are identical, so a
change to how tokens are picked that changes an answer shows here, not only in the time.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.extraction.articles import load_corpus  # noqa: E402
from extractor.extraction.cassettes import CassetteMode  # noqa: E402
from extractor.extraction.config import Backend, Settings  # noqa: E402
from extractor.extraction.extract import open_extractor  # noqa: E402
from extractor.extraction.local_server import LocalServer, resolve  # noqa: E402
from extractor.extraction.prompts import load_prompt  # noqa: E402
from extractor.tasks import ATTACKS  # noqa: E402

_PERF = re.compile(r"llama_perf_context_print:\s+(prompt eval time|eval time|total time)\s+=\s+([\d.]+) ms")


def perf_seconds(log: str) -> dict[str, float]:
    """llama.cpp's own timings summed over the requests whose lines are in ``log``."""
    sums = {"prompt eval time": 0.0, "eval time": 0.0, "total time": 0.0}
    for kind, ms in _PERF.findall(log):
        sums[kind] += float(ms) / 1000
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt", default="v2")
    parser.add_argument("--articles", type=int, default=5)
    args = parser.parse_args()
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, args.prompt)
    seeds = [a for a in load_corpus(ATTACKS.corpus_dir) if a.meta.split == "seeds"][: args.articles]
    model = resolve()
    totals = {"wall": 0.0, "compute": 0.0, "llama_total": 0.0}
    print(f"{args.prompt} on {len(seeds)} seed article(s), {model.name}, live")
    print(f"  {'article':<22} {'wall':>7} {'compute':>8} {'sampling':>9} {'outside':>8} {'wall/compute':>13}")
    replay = Settings(Backend.LOCAL, model.name, cassette_mode=CassetteMode.REPLAY)
    with open_extractor(ATTACKS, prompt, replay) as replayer:
        recorded = {article.id: replayer.extract(article) for article in seeds}
    same = 0
    with LocalServer(model) as server:
        settings = Settings(Backend.COMPATIBLE, model.name, base_url=server.base_url, n_ctx=server.n_ctx)
        with open_extractor(ATTACKS, prompt, settings) as extractor:
            log = server.log_path
            assert log is not None  # the server is running
            for article in seeds:
                mark = log.stat().st_size
                record = extractor.extract(article)
                with log.open(encoding="utf-8", errors="replace") as fh:
                    fh.seek(mark)
                    perf = perf_seconds(fh.read())
                compute = perf["prompt eval time"] + perf["eval time"]
                wall = record.latency_s
                totals["wall"] += wall
                totals["compute"] += compute
                totals["llama_total"] += perf["total time"]
                matches = record.events == recorded[article.id].events
                same += matches
                print(
                    f"  {article.id:<22} {wall:6.1f}s {compute:7.1f}s {perf['total time'] - compute:8.1f}s "
                    f"{wall - perf['total time']:7.1f}s {wall / compute if compute else float('nan'):12.2f}x"
                    f"  ({record.attempts} attempt(s), {record.usage.total_tokens} tokens, "
                    f"{'same events as the cassette' if matches else 'DIFFERENT events from the cassette'})"
                )
    wall, compute, llama_total = totals["wall"], totals["compute"], totals["llama_total"]
    print(
        f"  {'all':<22} {wall:6.1f}s {compute:7.1f}s {llama_total - compute:8.1f}s {wall - llama_total:7.1f}s "
        f"{wall / compute:12.2f}x  (goal: 1.10x)"
    )
    print(f"  {wall / len(seeds):.1f} s per article; {same} of {len(seeds)} answers the same as the cassettes")


if __name__ == "__main__":
    main()
