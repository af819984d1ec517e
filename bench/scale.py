"""Extraction at scale, as ratios measured in one run (not a timed test).

    python bench/scale.py [--articles 48] [--no-ray]

1. throughput at --concurrency 1, 4 and 16 against the loopback server answering
   after 200 ms, as the ratio of the time taken to the ideal (articles × 200 ms / concurrency);
2. Ray vs single process: the extra time per article of the Ray Data pipeline
   (Ray already started) over the in-process path at the same concurrency;
3. --out at 10,000 records: time per appended record for the first and the last
   thousand (flat means O(1) per article), and reading the file once for --resume;
4. replaying 1,000 articles from cassettes (recorded first against the loopback
   server), articles/s at concurrency 1 and 4.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.extraction.articles import Article, load_articles  # noqa: E402
from extractor.extraction.batch_run import RecordSink, read_previous, run_batch  # noqa: E402
from extractor.extraction.cassettes import CassetteMode  # noqa: E402
from extractor.extraction.config import resolve_settings  # noqa: E402
from extractor.extraction.params import GenerationParams  # noqa: E402
from extractor.extraction.prompts import load_prompt  # noqa: E402
from extractor.extraction.records import ArticleRecord  # noqa: E402
from extractor.tasks import ATTACKS  # noqa: E402
from tests.extraction.test_robustness import per_article, write_batch  # noqa: E402
from tests.loopback import scripted, with_latency  # noqa: E402

PROMPT = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
LATENCY_S = 0.2


def names(n: int) -> list[str]:
    return ["n" + "".join(chr(97 + (i // 26**k) % 26) for k in range(3)) for i in range(n)]


def articles_in(folder: Path, n: int) -> list[Article]:
    loaded = load_articles(write_batch(folder, *names(n)))
    return [a for a in loaded if isinstance(a, Article)]


def throughput(articles: list[Article], tmp: Path) -> None:
    for concurrency in (1, 4, 16):
        with scripted(with_latency(LATENCY_S, per_article())) as server:
            settings = resolve_settings(base_url=server.base_url, model="test-model")
            started = time.perf_counter()
            result = run_batch(ATTACKS, PROMPT, settings, articles, out=tmp / f"c{concurrency}.jsonl",
                               concurrency=concurrency)  # fmt: skip
            took = time.perf_counter() - started
        assert not result.failed
        ideal = len(articles) * LATENCY_S / concurrency
        print(
            f"throughput, concurrency {concurrency:>2}: {len(articles) / took:.1f} articles/s, "
            f"{took / ideal:.2f}× the ideal time ({took:.2f} s vs {ideal:.2f} s for {len(articles)} articles)"
        )


def ray_overhead(folder: Path, n: int) -> None:
    """Two batch sizes on each path: the difference is the cost per article, the rest a fixed start-up."""
    import ray

    from extractor.extraction.ray_run import ray_extract_all

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"ray: local start {time.perf_counter() - started:.1f} s (once per run)")
    sizes = (n, 2 * n)
    batches = {size: articles_in(folder / f"ray{size}", size) for size in sizes}
    times: dict[tuple[str, int], float] = {}
    try:
        with scripted(with_latency(LATENCY_S, per_article())) as server:
            settings = resolve_settings(base_url=server.base_url, model="test-model")
            for label in ("single", "ray"):
                for size in sizes:
                    extract_all = ray_extract_all(ATTACKS, PROMPT, settings, None) if label == "ray" else None
                    began = time.perf_counter()
                    result = run_batch(ATTACKS, PROMPT, settings, batches[size], concurrency=4,
                                       extract_all=extract_all)  # fmt: skip
                    times[label, size] = time.perf_counter() - began
                    assert not result.failed
    finally:
        ray.shutdown()
    per = {label: (times[label, sizes[1]] - times[label, sizes[0]]) / n for label in ("single", "ray")}
    fixed = {label: times[label, sizes[0]] - per[label] * n for label in ("single", "ray")}
    print(
        f"ray vs single process, concurrency 4: {per['ray'] * 1000:.0f} vs {per['single'] * 1000:.0f} ms per article "
        f"({per['ray'] / per['single']:.2f}×), plus {fixed['ray']:.1f} s vs {fixed['single']:.1f} s fixed per batch "
        f"(actors start and import the package)"
    )


def output_at_scale(tmp: Path, template: ArticleRecord, n: int = 10_000) -> None:
    out = tmp / "big.jsonl"
    sink = RecordSink(out, None)
    per_thousand = []
    for block in range(n // 1000):
        began = time.perf_counter()
        for i in range(1000):
            sink.append(template.model_copy(update={"article_id": f"a{block * 1000 + i:05d}"}))
        per_thousand.append((time.perf_counter() - began) / 1000)
    sink.close()
    began = time.perf_counter()
    previous = read_previous(out)
    read_s = time.perf_counter() - began
    assert len(previous.order) == n
    print(
        f"--out append, {n:,} records: {per_thousand[0] * 1e6:.0f} µs per record for the first 1,000, "
        f"{per_thousand[-1] * 1e6:.0f} µs for the last 1,000 ({per_thousand[-1] / per_thousand[0]:.2f}×); "
        f"--resume reads it once in {read_s:.2f} s ({read_s / n * 1e6:.0f} µs per record, "
        f"{os.path.getsize(out) / 1e6:.1f} MB)"
    )


def replay(tmp: Path, n: int = 1000) -> None:
    articles = articles_in(tmp / "replay", n)
    cassettes = tmp / "cassettes"
    with scripted(per_article()) as server:
        recording = resolve_settings(base_url=server.base_url, model="test-model",
                                     cassette_mode=CassetteMode.RECORD, cassette_dir=cassettes)  # fmt: skip
        began = time.perf_counter()
        assert not run_batch(ATTACKS, PROMPT, recording, articles).failed
        record_s = time.perf_counter() - began
    for concurrency in (1, 4):
        settings = resolve_settings(model="test-model", cassette_mode=CassetteMode.REPLAY, cassette_dir=cassettes,
                                    params=GenerationParams())  # fmt: skip
        began = time.perf_counter()
        result = run_batch(ATTACKS, PROMPT, settings, articles, concurrency=concurrency)
        took = time.perf_counter() - began
        assert not result.failed
        print(
            f"replay {n:,} articles from cassettes, concurrency {concurrency}: {n / took:.0f} articles/s ({took:.1f} s)"
        )
    print(f"(recording them, serially, against the loopback server: {n / record_s:.0f} articles/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=48)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        articles = articles_in(tmp / "a", args.articles)
        throughput(articles, tmp)
        if not args.no_ray and importlib.util.find_spec("ray") is not None:
            ray_overhead(tmp, args.articles)
        template = read_previous(tmp / "c1.jsonl").order[0]
        output_at_scale(tmp, template)
        replay(tmp)


if __name__ == "__main__":
    main()
