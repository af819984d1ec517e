"""Where the time goes, as ratios measured in one run (not a timed test).

    python bench/run.py [--quick]

1. harness overhead: `extractor extract` on a seed article (live, embedded Qwen)
   against llama-cpp-python in-process doing the same chat completion (same
   messages, tools, grammar, sampling) — end to end, and per request;
2. prefix reuse: time per article when the static instructions come first
   (the server's KV cache reuses them) versus article first;
3. replay and scoring: offline `extractor eval` wall time over the corpus, and
   scorer time as the number of events grows ×10, ×100, ×1000;
4. cost: prompt and completion tokens per article for each prompt version
   (from the recorded cassettes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.evaluation.scoring import score_article, score_corpus  # noqa: E402
from extractor.evaluation.suite import load_gold_for, run_eval  # noqa: E402
from extractor.extraction import local_server  # noqa: E402
from extractor.extraction.articles import load_article, load_corpus  # noqa: E402
from extractor.extraction.cassettes import CassetteMode  # noqa: E402
from extractor.extraction.config import resolve_settings  # noqa: E402
from extractor.extraction.extract import render_messages  # noqa: E402
from extractor.extraction.params import GenerationParams  # noqa: E402
from extractor.extraction.prompts import list_versions, load_prompt  # noqa: E402
from extractor.tasks import ATTACKS  # noqa: E402

SEED = ATTACKS.corpus_dir / "004_9ea864399c76523a.txt"


def _tools() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    schema = ATTACKS.result_model.model_json_schema()
    name = ATTACKS.result_model.__name__
    function = {"name": name, "description": ATTACKS.result_model.__doc__, "parameters": schema}
    tool = {"type": "function", "function": function}
    return [tool], {"type": "function", "function": {"name": name}}


def harness_overhead(model: local_server.ResolvedModel) -> dict[str, float]:
    from llama_cpp import Llama

    from extractor.extraction import server_process

    # The same sampler as the embedded server's, so the ratio is the harness's overhead alone
    # (bench/model_time.py --against-stock measures what the sampler itself saves).
    server_process.install()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.jsonl"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "extractor", "extract", str(SEED), "--prompt", "v2", "--out", str(out)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        cli_wall = time.perf_counter() - started
        record = json.loads(out.read_text())
    params = GenerationParams()
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    messages = render_messages(ATTACKS, prompt, load_article(SEED))
    tools, choice = _tools()
    started = time.perf_counter()
    # The server's thread count: Llama's own default is half the cores (1 here), which would time the baseline slower.
    threads = local_server.threads_from_env() or max(1, os.cpu_count() or 1)
    llm = Llama(model_path=str(model.path), n_ctx=model.n_ctx, n_threads=threads, verbose=False, seed=params.seed)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    direct = llm.create_chat_completion(
        messages=messages,  # type: ignore[arg-type]
        tools=tools,  # type: ignore[arg-type]
        tool_choice=choice,  # type: ignore[arg-type]
        temperature=params.temperature,
        seed=params.seed,
        max_tokens=params.max_tokens,
        repeat_penalty=1.1,  # llama_cpp.server's default for a chat completion
    )
    direct_s = time.perf_counter() - started
    usage = direct["usage"]  # type: ignore[index]
    return {
        "cli_wall_s": cli_wall,
        "harness_request_s": record["latency_s"],
        "direct_load_s": load_s,
        "direct_completion_s": direct_s,
        "harness_tokens": record["usage"]["prompt_tokens"] + record["usage"]["completion_tokens"],
        "direct_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
        "ratio_request": record["latency_s"] / direct_s,
        # The two sides render the tool schema slightly differently, so compare per token too.
        "ratio_request_per_token": (
            record["latency_s"] / (record["usage"]["prompt_tokens"] + record["usage"]["completion_tokens"])
        )
        / (direct_s / (usage["prompt_tokens"] + usage["completion_tokens"])),
        "ratio_end_to_end": cli_wall / (load_s + direct_s),
    }


def prefix_reuse(model: local_server.ResolvedModel, n_articles: int) -> dict[str, float]:
    """Prompt processing per article, static part first vs article first (generation capped at 8 tokens)."""
    from llama_cpp import Llama

    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    articles = load_corpus(ATTACKS.corpus_dir)[:n_articles]
    llm = Llama(model_path=str(model.path), n_ctx=model.n_ctx, verbose=False)
    results = {}
    for label in ("static_first", "article_first"):
        llm.reset()  # type: ignore[no-untyped-call]
        times = []
        for article in articles:
            system, user = render_messages(ATTACKS, prompt, article)
            order = [system, user] if label == "static_first" else [user, system]
            text = "\n\n".join(m["content"] for m in order)
            started = time.perf_counter()
            llm.create_completion(text, max_tokens=8, temperature=0.0)
            times.append(time.perf_counter() - started)
        # The first article warms the cache either way; reuse shows from the second on.
        results[label] = sum(times[1:]) / max(1, len(times) - 1)
    results["ratio_without_over_with"] = results["article_first"] / results["static_first"]
    return results


def replay_and_scoring(scales: list[int]) -> dict[str, float]:
    """Offline eval wall time; scorer time as the corpus grows (x10, x100, x1000 articles, so
    x10… gold and predicted events) and as events grow inside one article (all-pairs: quadratic)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "extractor", "eval", "--prompt", "v2", "--allow-errors", "--out", tempfile.mkdtemp()],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    figures = {"offline_eval_wall_s": time.perf_counter() - started}
    run = run_eval(
        ATTACKS,
        load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2"),
        resolve_settings(cassette_mode=CassetteMode.REPLAY),
        n_resamples=10,
    )
    golds = load_gold_for(ATTACKS, load_corpus(ATTACKS.corpus_dir))
    baseline = 0.0
    for scale in [1, *scales]:
        started = time.perf_counter()
        scores = [
            score_article(f"{r.article_id}-{i}", r.events, golds[r.article_id], ATTACKS.event_model)
            for i in range(scale)
            for r in run.records
        ]
        score_corpus(scores, n_resamples=2000)
        elapsed = time.perf_counter() - started
        baseline = baseline or elapsed
        figures[f"corpus_x{scale}_events"] = float(scale * sum(len(g.events) for g in golds.values()))
        figures[f"corpus_x{scale}_s"] = elapsed
        figures[f"corpus_x{scale}_ratio"] = elapsed / baseline
    gold = golds["003_92522f6ea047d03a"]
    base_events = [
        ATTACKS.event_model.model_validate(
            _unflatten({path: options[0] for path, options in event.fields.items()} | {"evidence": event.evidence})
        )
        for event in gold.events
    ]
    baseline = 0.0
    for scale in (1, 10, 40):
        preds = [
            e.model_copy(update={"target": f"{getattr(e, 'target', '')} #{i}"})
            for i in range(scale)
            for e in base_events
        ]
        golden = gold.model_copy(
            update={"events": [g.model_copy(update={"id": f"{g.id}-{i}"}) for i in range(scale) for g in gold.events]}
        )
        started = time.perf_counter()
        score_article("synthetic", preds, golden, ATTACKS.event_model)
        elapsed = time.perf_counter() - started
        baseline = baseline or elapsed
        figures[f"article_x{scale}_s"] = elapsed
        figures[f"article_x{scale}_ratio"] = elapsed / baseline
    return figures


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        *parents, leaf = path.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value.value if hasattr(value, "value") else value
    return out


def cost_per_version() -> dict[str, dict[str, float]]:
    table = {}
    for version in list_versions(ATTACKS.prompts_dir):
        prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version)
        run = run_eval(ATTACKS, prompt, resolve_settings(cassette_mode=CassetteMode.REPLAY), n_resamples=10)
        table[version] = {
            "prompt_tokens_per_article": run.cost.prompt_tokens_per_article,
            "completion_tokens_per_article": run.cost.completion_tokens_per_article,
            "latency_s_per_article_recorded": run.cost.latency_s_per_article,
        }
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the live-model measurements (1 and 2)")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    if not args.quick:
        model = local_server.resolve(local_server.QWEN.name)
        report["harness_overhead"] = harness_overhead(model)
        report["prefix_reuse"] = prefix_reuse(model, n_articles=3)
    report["replay_and_scoring"] = replay_and_scoring([10, 100, 1000])
    report["cost"] = cost_per_version()
    print(json.dumps(report, indent=2))
    print()
    for label, text in summary_lines(report):
        print(f"{label:<44}: {text}")


def summary_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    lines = []
    if "harness_overhead" in report:
        h = report["harness_overhead"]
        direct = h["direct_load_s"] + h["direct_completion_s"]
        lines += [
            ("harness overhead, per request", f"{h['ratio_request']:.3f}x llama-cpp-python in-process "
             f"({h['harness_request_s']:.1f}s vs {h['direct_completion_s']:.1f}s); per token "
             f"{h['ratio_request_per_token']:.3f}x ({h['harness_tokens']} vs {h['direct_tokens']} tokens)"),
            ("harness overhead, end to end", f"{h['ratio_end_to_end']:.3f}x (CLI {h['cli_wall_s']:.1f}s, "
             f"server start included, vs model load + completion {direct:.1f}s)"),
        ]  # fmt: skip
        p = report["prefix_reuse"]
        lines.append(
            ("prefix reuse", f"{p['ratio_without_over_with']:.2f}x slower per article without it "
             f"({p['article_first']:.1f}s vs {p['static_first']:.1f}s)")
        )  # fmt: skip
    r = report["replay_and_scoring"]
    lines.append(("offline eval over the corpus", f"{r['offline_eval_wall_s']:.2f}s wall"))
    for scale in (10, 100, 1000):
        ratio, seconds, events = r[f"corpus_x{scale}_ratio"], r[f"corpus_x{scale}_s"], r[f"corpus_x{scale}_events"]
        lines.append(
            (f"scorer, corpus x{scale} ({events:.0f} gold events)", f"{ratio:.1f}x the time at x1 ({seconds:.2f}s)")
        )
    for scale in (10, 40):
        ratio, seconds = r[f"article_x{scale}_ratio"], r[f"article_x{scale}_s"]
        lines.append(
            (f"scorer, one article, events x{scale}", f"{ratio:.0f}x the time at x1 ({seconds:.2f}s): all-pairs")
        )
    for version, c in report["cost"].items():
        tokens = f"{c['prompt_tokens_per_article']:.0f} prompt + {c['completion_tokens_per_article']:.0f} completion"
        lines.append(
            (f"cost {version}", f"{tokens} tokens/article, {c['latency_s_per_article_recorded']:.1f}s recorded")
        )
    return lines


if __name__ == "__main__":
    main()
