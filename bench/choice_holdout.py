"""How far a version chosen on some articles falls on articles it was not chosen on: the winner's curse, replayed.

    python bench/choice_holdout.py RUN_v17 RUN_v16 RUN_v15 ... [--baseline v2] [--splits 2000] [--seed 0]

No model runs: each RUN is what ``extractor eval --prompt vN --split dev --out RUN`` wrote (replayed from the
cassettes), all over the same articles. Each draw cuts those articles in two random halves, chooses the version
with the best field micro F1 on the first half (the README's rule for the default, on half the articles) and
scores it on the second. Printed, over all draws:

- how often each version is chosen, and how often the chosen one is also the best on the other half;
- the chosen version's field micro F1 on the half that chose it and on the half that did not: the difference is
  what choosing adds to a score on its own articles (a version's halves differ by nothing on average when it is
  not chosen by them, which the table shows for every version beside it);
- the chosen version's lead over ``--baseline`` on both halves: a lead measured where it was chosen, and the
  lead that carries over.

Halves are drawn by article, so two reports of one incident (dev 016 and 017) may fall in both halves; a lead
that rests on that overlap counts as carried over.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.errors import RunDirError  # noqa: E402
from extractor.evaluation.scoring import Counts, rates  # noqa: E402
from extractor.evaluation.suite import EvalRun, load_run  # noqa: E402

FloatArray = npt.NDArray[np.float64]


class Holdout(BaseModel):
    """What choosing on one half of the articles says about the other half, over ``draws`` random halvings."""

    model_config = ConfigDict(frozen=True)

    versions: list[str]
    draws: int
    chosen_share: dict[str, float]  # how often each version is chosen
    best_on_other_half: float  # how often the chosen version is also the best where it was not chosen
    chosen_f1_choosing: float  # mean field micro F1 of the chosen version on the half that chose it
    chosen_f1_other: float  # ... and on the other half
    halves_gap: dict[str, float]  # per version, mean F1 on the first half minus the second, whoever is chosen
    lead_choosing: float | None  # chosen minus baseline on the choosing half (None: no baseline)
    lead_other: float | None  # ... on the other half
    lead_other_above_zero: float | None  # how often the chosen version still leads the baseline there


def micro_counts(run: EvalRun) -> dict[str, FloatArray]:
    """Per article, the run's field tp, fp, fn summed over fields (micro F1's counts)."""
    totals = {article.article_id: Counts.total(article.fields.values()) for article in run.score.articles}
    return {article_id: np.array([c.tp, c.fp, c.fn], dtype=np.float64) for article_id, c in totals.items()}


def micro_f1(counts: FloatArray) -> FloatArray:
    """Micro F1 from summed (…, 3) counts (tp, fp, fn), by the scorer's own :func:`rates`."""
    return rates(counts[..., 0], counts[..., 1], counts[..., 2])[2]


def holdout(counts: FloatArray, versions: Sequence[str], draws: int, seed: int, baseline: str | None = None) -> Holdout:
    """``counts``: (versions, articles, 3). Each draw halves the articles at random, chooses the first-listed
    version with the best micro F1 on the first half, and scores every version on both halves."""
    n_versions, n_articles, _ = counts.shape
    if n_versions < 2 or n_articles < 2:
        raise ValueError("give two versions or more, over two articles or more")
    rng = np.random.default_rng(seed)
    first = np.zeros((draws, n_articles), dtype=np.float64)
    for i in range(draws):
        first[i, rng.permutation(n_articles)[: n_articles // 2]] = 1.0
    # (draws, versions, 3): each half's summed counts, one matrix product per half.
    on_first = micro_f1(np.einsum("da,vak->dvk", first, counts))
    on_second = micro_f1(np.einsum("da,vak->dvk", 1.0 - first, counts))
    chosen = on_first.argmax(axis=1)  # argmax takes the first of equals: the order given breaks ties
    rows = np.arange(draws)
    lead_first = lead_second = above = None
    if baseline is not None:
        base = list(versions).index(baseline)
        lead_first = float((on_first[rows, chosen] - on_first[:, base]).mean())
        second_lead = on_second[rows, chosen] - on_second[:, base]
        lead_second, above = float(second_lead.mean()), float((second_lead > 0).mean())
    return Holdout(
        versions=list(versions),
        draws=draws,
        chosen_share={v: float((chosen == i).mean()) for i, v in enumerate(versions)},
        best_on_other_half=float((on_second[rows, chosen] >= on_second.max(axis=1)).mean()),
        chosen_f1_choosing=float(on_first[rows, chosen].mean()),
        chosen_f1_other=float(on_second[rows, chosen].mean()),
        halves_gap={v: float((on_first[:, i] - on_second[:, i]).mean()) for i, v in enumerate(versions)},
        lead_choosing=lead_first,
        lead_other=lead_second,
        lead_other_above_zero=above,
    )


def counts_of(runs: Sequence[EvalRun]) -> FloatArray:
    """(versions, articles, 3) over the articles every run scored; runs over other articles are refused."""
    per_run = [micro_counts(run) for run in runs]
    articles = sorted(per_run[0])
    for run, counts in zip(runs, per_run, strict=True):
        if sorted(counts) != articles:
            raise ValueError(f"{run.label} scored other articles than {runs[0].label}: give runs of one split")
    return np.stack([np.stack([counts[a] for a in articles]) for counts in per_run])


def report(result: Holdout) -> str:
    lines = [
        f"{result.draws} random halvings; chosen on one half by field micro F1, scored on the other",
        "",
        f"{'version':<12} {'chosen':>7} {'F1 half 1 - half 2':>19}",
    ]
    for version in result.versions:
        lines.append(f"{version:<12} {result.chosen_share[version]:>7.1%} {result.halves_gap[version]:>+19.3f}")
    lines += [
        "",
        f"the chosen version, field micro F1: {result.chosen_f1_choosing:.3f} where chosen, "
        f"{result.chosen_f1_other:.3f} on the other half ({result.chosen_f1_other - result.chosen_f1_choosing:+.3f})",
        f"the chosen version is the best on the other half too: {result.best_on_other_half:.1%} of draws",
    ]
    if result.lead_choosing is not None and result.lead_other is not None and result.lead_other_above_zero is not None:
        lines.append(
            f"its lead over the baseline: {result.lead_choosing:+.3f} where chosen, {result.lead_other:+.3f} on the "
            f"other half (above 0 in {result.lead_other_above_zero:.1%} of draws; carried over: "
            f"{result.lead_other / result.lead_choosing if result.lead_choosing else float('nan'):.2f}x)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="`extractor eval` run directories of one split")
    parser.add_argument("--baseline", help="a version among the runs to measure the chosen one's lead against")
    parser.add_argument("--splits", type=int, default=2000, help="random halvings (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    try:
        runs = [load_run(path) for path in args.runs]
        versions = [run.label for run in runs]
        if args.baseline is not None and args.baseline not in versions:
            raise ValueError(f"--baseline {args.baseline} is none of the runs: {', '.join(versions)}")
        if args.splits < 1:
            raise ValueError("--splits must be at least 1")
        print(report(holdout(counts_of(runs), versions, args.splits, args.seed, args.baseline)))
    except (RunDirError, ValueError) as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
