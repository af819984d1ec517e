"""``extractor eval``: extract the gold corpus, score it, keep everything needed to trust the numbers.

An :class:`EvalRun` is a typed model that round-trips to JSON: the manifest
(what produced it), every article's prediction record, the scores with their
explanations, grounding and cost summaries. A prediction that failed on one
article is a row (scored as an empty prediction, with its error), never an
abort.
"""

from __future__ import annotations

import dataclasses
import hashlib
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from extractor.errors import GoldError, InputError, RunDirError
from extractor.evaluation.gold import GoldArticle, check_gold, load_gold_dir
from extractor.evaluation.incidents import IncidentEval
from extractor.evaluation.scoring import ArticleScore, CorpusScore, score_article, score_corpus
from extractor.extraction.articles import MANIFEST_NAME, Article, corpus_splits, load_corpus
from extractor.extraction.config import Settings
from extractor.extraction.examples import pool_ids
from extractor.extraction.extract import answer_model, open_extractor
from extractor.extraction.prompts import Prompt, load_prompt
from extractor.extraction.records import ArticleRecord, read_records, write_records
from extractor.runs import Manifest, command_line, now, write_atomic
from extractor.tasks import Task, schema_sha256

MANIFEST_FILE = "manifest.json"
PREDICTIONS_FILE = "predictions.jsonl"
SCORES_FILE = "scores.json"


class GroundingSummary(BaseModel):
    """How many predicted events quote the article verbatim (or nearly)."""

    events: int = 0
    grounded_events: int = 0  # every evidence quote located in the article
    quotes: int = 0
    grounded_quotes: int = 0
    by_status: dict[str, int] = {}
    correct_but_ungrounded: int = 0  # matched a gold event, yet some quote is nowhere in the article

    @property
    def rate(self) -> float:
        return self.grounded_events / self.events if self.events else 1.0


class CostSummary(BaseModel):
    articles: int = 0
    errors: int = 0
    prompt_tokens_per_article: float = 0.0
    completion_tokens_per_article: float = 0.0
    latency_s_per_article: float = 0.0  # over the articles whose latency is known
    untimed: int = 0  # articles whose latency is unknown (a cassette that kept none: README, "Cassettes")
    reasks: int = 0  # attempts beyond each validated answer's first, summed over articles


class EvalRun(BaseModel):
    manifest: Manifest
    records: list[ArticleRecord]
    score: CorpusScore
    grounding: GroundingSummary
    cost: CostSummary
    incidents: IncidentEval | None = None  # None: the task has no incidents (or the run predates them)

    @property
    def label(self) -> str:
        return self.manifest.prompt.partition("@")[2] or self.manifest.prompt

    @classmethod
    def of(
        cls,
        manifest: Manifest,
        records: Sequence[ArticleRecord],
        score: CorpusScore,
        incidents: IncidentEval | None = None,
    ) -> EvalRun:
        """A run from its records and scores; the grounding and cost summaries are derived."""
        return cls(
            manifest=manifest,
            records=list(records),
            score=score,
            grounding=summarize_grounding(records, score.articles),
            cost=summarize_cost(records),
            incidents=incidents,
        )


def summarize_grounding(records: Sequence[ArticleRecord], scores: Sequence[ArticleScore]) -> GroundingSummary:
    by_article = {s.article_id: s for s in scores}
    summary = GroundingSummary(by_status={})
    for record in records:
        matched = (
            {p.pred_index for p in by_article[record.article_id].pairs if p.status == "matched"}
            if record.article_id in by_article
            else set()
        )
        for index, quotes in enumerate(record.grounding):
            summary.events += 1
            located = [q for q in quotes if q.located]
            summary.quotes += len(quotes)
            summary.grounded_quotes += len(located)
            for quote in quotes:
                summary.by_status[quote.status] = summary.by_status.get(quote.status, 0) + 1
            if quotes and len(located) == len(quotes):
                summary.grounded_events += 1
            elif index in matched:
                summary.correct_but_ungrounded += 1
    return summary


def summarize_cost(records: Sequence[ArticleRecord]) -> CostSummary:
    if not records:
        return CostSummary()
    timed = [r.latency_s for r in records if r.latency_s is not None]
    return CostSummary(
        articles=len(records),
        errors=sum(r.status == "error" for r in records),
        prompt_tokens_per_article=statistics.fmean(r.usage.prompt_tokens for r in records),
        completion_tokens_per_article=statistics.fmean(r.usage.completion_tokens for r in records),
        # Over the articles whose latency is known: a cassette that stored none is no 0 s answer.
        latency_s_per_article=statistics.fmean(timed) if timed else 0.0,
        untimed=len(records) - len(timed),
        # Records written before ``answers`` existed held one answer per chunk.
        reasks=sum(max(0, r.attempts - (r.answers or r.chunks)) for r in records),
    )


ALL_SPLITS = "all"


def select_split(articles: Sequence[Article], split: str | None, corpus_dir: Path) -> list[Article]:
    """The articles of one split (``None`` or ``"all"``: every article), in corpus order.

    ``NAME@N`` is the split as it stood at collection round N (the manifest's ``round``): the dev
    that a version tried before the split grew was chosen against. ``NAME#N`` is only the articles
    collected at round N: a round no version was built on tells whether a lead carries over. ``NAME>N``
    is the articles collected after round N: every round added since the versions of round N's time
    were written, pooled.
    """
    if split is None or split == ALL_SPLITS:
        return list(articles)
    name, mark, number = _split_parts(split)
    if mark and not (number.isdigit() and int(number) >= 1):
        raise InputError(f"--split {split!r}: the round after {mark!r} must be a whole number from 1")
    last = int(number) if mark else None

    def collected(round_: int) -> bool:  # "#N": round N only; "@N": round N and those before; ">N": those after
        if last is None:
            return True
        return round_ == last if mark == "#" else round_ > last if mark == ">" else round_ <= last

    chosen = [a for a in articles if a.meta.split == name and collected(a.meta.round)]
    if not chosen:
        known = sorted({a.meta.split for a in articles if a.meta.split} | set(corpus_splits(corpus_dir)))
        raise InputError(
            f"--split {split!r}: no article of {corpus_dir} is in that split "
            f"(splits: {', '.join(known) or 'none declared'}; or {ALL_SPLITS})"
        )
    return chosen


def _split_parts(split: str) -> tuple[str, str, str]:
    """``dev@1`` -> ("dev", "@", "1"); ``test#3`` -> ("test", "#", "3"); ``dev>7`` -> ("dev", ">", "7");
    ``dev`` -> ("dev", "", "")."""
    return split.partition(next((mark for mark in "#>" if mark in split), "@"))


def split_name(split: str) -> str:
    """The split a ``--split`` value cuts from: ``dev`` for ``dev``, ``dev@1`` and ``dev#2``."""
    return _split_parts(split)[0]


def split_names(articles: Sequence[Article]) -> list[str]:
    """The splits present among ``articles``, in first-seen order."""
    return list(dict.fromkeys(a.meta.split for a in articles if a.meta.split))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def gold_fingerprint(task: Task, article_ids: Sequence[str]) -> dict[str, str]:
    """SHA-256 of the gold file of every article, by file name."""
    out = {}
    for article_id in article_ids:
        path = task.gold_dir / f"{article_id}.yaml"
        if path.is_file():
            out[path.name] = file_sha256(path)
    return out


def corpus_fingerprint(articles: Sequence[Article], corpus_dir: Path) -> str:
    """One SHA-256 over the evaluated articles' bytes (by id) and the corpus manifest."""
    digest = hashlib.sha256()
    for article in sorted(articles, key=lambda a: a.id):
        digest.update(f"{article.id}\0{article.sha256}\n".encode())
    manifest = corpus_dir / MANIFEST_NAME
    if manifest.is_file():
        digest.update(b"manifest\0" + file_sha256(manifest).encode())
    return digest.hexdigest()


def load_gold_for(task: Task, articles: Sequence[Article]) -> dict[str, GoldArticle]:
    golds = load_gold_dir(task.gold_dir, task.event_model)
    missing = [a.id for a in articles if a.id not in golds]
    if missing:
        raise GoldError(f"no gold file for article(s) {', '.join(missing)} in {task.gold_dir}")
    return golds


def score_records(
    task: Task,
    records: Sequence[ArticleRecord],
    golds: dict[str, GoldArticle],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> CorpusScore:
    scores = [
        score_article(
            r.article_id,
            r.events if r.status == "ok" else [],
            golds[r.article_id],
            task.event_model,
            error=r.error if r.status == "error" else None,
        )
        for r in records
    ]
    return score_corpus(scores, n_resamples=n_resamples, seed=seed)


def score_incidents(task: Task, records: Sequence[ArticleRecord], golds: dict[str, GoldArticle]) -> IncidentEval | None:
    """The task's incident scores over ``records`` (``None`` for a task without incidents)."""
    return task.incidents(records, golds) if task.incidents is not None else None


def run_eval(
    task: Task,
    prompt: Prompt,
    settings: Settings,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    on_article: Callable[[Article], None] | None = None,
    split: str | None = None,
    concurrency: int = 1,
    text_check: bool = True,
) -> EvalRun:
    """``concurrency`` articles in flight at once; the records keep the corpus order either way.

    ``text_check=False`` leaves out the task's check against the article text (its code rules that read the
    text after the answers are resolved): the same requests, so the same cassettes, scored without that layer.
    """
    from extractor.extraction.batch_run import extract_concurrently

    if not text_check:
        task = dataclasses.replace(task, check_against_text=None)

    articles = select_split(load_corpus(task.corpus_dir), split, task.corpus_dir)
    golds = load_gold_for(task, articles)
    started = now()
    by_index: dict[int, ArticleRecord] = {}
    with open_extractor(task, prompt, settings) as extractor:
        for index, record in extract_concurrently(extractor, list(enumerate(articles)), concurrency):
            by_index[index] = record
            if on_article:
                on_article(articles[index])
        records = [by_index[i] for i in range(len(articles))]
        model_sha = extractor.model_sha256 or next((r.model_sha256 for r in records if r.model_sha256), None)
    score = score_records(task, records, golds, n_resamples=n_resamples, seed=seed)
    manifest = Manifest(
        command=command_line(),
        task=task.name,
        prompt=prompt.id,
        prompt_sha256=prompt.sha256,
        schema_sha256=schema_sha256(answer_model(task, prompt)),
        backend=settings.backend.value,
        model=settings.model,
        model_sha256=model_sha,
        params=settings.recorded_params(),
        cassette_mode=settings.cassette_mode.value,
        started_at=started,
        finished_at=now(),
        articles=[a.id for a in articles],
        corpus=str(task.corpus_dir),
        split=None if split == ALL_SPLITS else split,
        corpus_sha256=corpus_fingerprint(articles, task.corpus_dir),
        gold_sha256=gold_fingerprint(task, [*(a.id for a in articles), *pool_ids(task, prompt)]),
        text_check=text_check,
    )
    return EvalRun.of(manifest, records, score, score_incidents(task, records, golds))


def rescore_stored(run: EvalRun, task: Task, *, n_resamples: int = 2000, seed: int = 0) -> tuple[EvalRun, list[str]]:
    """A stored run re-scored against the current gold, never its old scores beside new gold.

    Refuses (:class:`RunDirError`, naming the files) when an article the run extracted
    has changed or gone since: its predictions answer a text that no longer exists.
    Returns the re-scored run and the gold files that changed since the run was made.
    """
    current = {a.id: a for a in load_corpus(task.corpus_dir)}
    changed_articles = [
        r.article_id
        for r in run.records
        if r.article_id not in current or current[r.article_id].sha256 != r.article_sha256
    ]
    if changed_articles:
        raise RunDirError(
            f"run {run.label}: article(s) changed or removed since it was made: {', '.join(changed_articles)}; "
            "its predictions no longer answer the corpus, so run the eval again"
        )
    golds = load_gold_for(task, [current[r.article_id] for r in run.records])
    now_gold = gold_fingerprint(task, [r.article_id for r in run.records])
    changed_gold = sorted(
        name
        for name in set(now_gold) | set(run.manifest.gold_sha256)
        if now_gold.get(name) != run.manifest.gold_sha256.get(name)
    )
    score = score_records(task, run.records, golds, n_resamples=n_resamples, seed=seed)
    manifest = run.manifest.model_copy(update={"gold_sha256": now_gold})
    return EvalRun.of(manifest, run.records, score, score_incidents(task, run.records, golds)), changed_gold


def restrict_run(
    run: EvalRun, articles: Sequence[Article], task: Task, *, n_resamples: int = 2000, seed: int = 0
) -> EvalRun:
    """A run cut down to ``articles`` (one split of a run over the whole corpus), re-scored."""
    wanted = {a.id for a in articles}
    if {r.article_id for r in run.records} <= wanted:
        return run
    records = [r for r in run.records if r.article_id in wanted]
    score = score_records(task, records, load_gold_for(task, articles), n_resamples=n_resamples, seed=seed)
    manifest = run.manifest.model_copy(update={"articles": [r.article_id for r in records]})
    return EvalRun.of(manifest, records, score)


def runs_to_compare(
    task: Task,
    items: Sequence[str],
    settings: Settings,
    *,
    split: str | None = None,
    n_resamples: int = 2000,
    seed: int = 0,
    on_note: Callable[[str], None] = lambda _: None,
) -> list[EvalRun]:
    """What ``compare`` compares: each item a run directory (re-scored against the current gold)
    or a prompt version (replayed under ``settings``), cut down to ``split`` when one is given."""
    runs: list[EvalRun] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            stored, changed = rescore_stored(load_run(path), task, n_resamples=n_resamples, seed=seed)
            if changed:
                on_note(
                    f"{path}: gold changed since the run ({', '.join(changed)}); re-scored against the current gold"
                )
            runs.append(stored)
        else:
            prompt = load_prompt(task.prompts_dir, task.name, item)
            runs.append(run_eval(task, prompt, settings, n_resamples=n_resamples, seed=seed, split=split))
    if split is not None:
        articles = select_split(load_corpus(task.corpus_dir), split, task.corpus_dir)
        runs = [restrict_run(run, articles, task, n_resamples=n_resamples, seed=seed) for run in runs]
    return runs


def gold_and_texts(task: Task) -> tuple[dict[str, GoldArticle], dict[str, str]]:
    """The corpus's gold labels and original article texts, by article id (what a report shows beside a run)."""
    return load_gold_dir(task.gold_dir, task.event_model), {a.id: a.original for a in load_corpus(task.corpus_dir)}


def check_corpus(task: Task) -> tuple[dict[str, GoldArticle], list[str]]:
    """Every gold file checked against its article and the guideline, and every article against having
    gold: the gold and one line per problem (each naming its article)."""
    golds = load_gold_dir(task.gold_dir, task.event_model)
    articles = {a.id: a for a in load_corpus(task.corpus_dir)}
    problems: list[str] = []
    for article_id, gold in sorted(golds.items()):
        if article_id not in articles:
            problems.append(f"{article_id}: gold file has no article in {task.corpus_dir}")
            continue
        problems += check_gold(
            gold,
            articles[article_id].original,
            task.event_model,
            required_fields=task.gold_required_fields,
            same_event_fields=task.same_event_fields,
        )
    problems += [f"{a}: article has no gold file in {task.gold_dir}" for a in sorted(set(articles) - set(golds))]
    return golds, problems


def write_run(run: EvalRun, directory: Path) -> None:
    """The run directory: manifest, predictions, scores with explanations (and reports, written by the caller)."""
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / MANIFEST_FILE, run.manifest.model_dump_json(indent=2) + "\n")
    write_records(directory / PREDICTIONS_FILE, run.records)
    # scores.json is the run less what the other two files hold, so load_run validates it back as one EvalRun.
    scores = run.model_dump(mode="json", exclude={"manifest", "records"})
    write_atomic(directory / SCORES_FILE, _json(scores))


def load_run(directory: Path) -> EvalRun:
    import json

    try:
        manifest = Manifest.model_validate_json((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        records = read_records(directory / PREDICTIONS_FILE)
        scores = json.loads((directory / SCORES_FILE).read_text(encoding="utf-8"))
        if not isinstance(scores, dict):
            raise ValueError(f"{SCORES_FILE} holds no JSON object")
        return EvalRun.model_validate({**scores, "manifest": manifest, "records": records})
    except FileNotFoundError as exc:
        raise RunDirError(f"{directory} is not a run directory: {Path(exc.filename).name} is missing") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or exc.title
        raise RunDirError(f"{directory}: unreadable run files: {where}: {first['msg']}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise RunDirError(f"{directory}: unreadable run files: {str(exc).splitlines()[0]}") from exc


def _json(data: object) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class SplitTotal(BaseModel):
    """One split's totals inside a run over several splits."""

    split: str
    articles: int
    score: CorpusScore


def split_totals(run: EvalRun, task: Task) -> list[SplitTotal]:
    """Per-split scores of a run, in corpus order, with the whole run last as ``all``.

    Each split is re-totalled from its own articles' counts (and bootstrapped over them),
    never averaged from other totals. A run over one split (or an unsplit corpus) gets one row.
    """
    splits = {a.id: a.meta.split for a in load_corpus(task.corpus_dir)}
    by_split: dict[str, list[ArticleScore]] = {}
    for article in run.score.articles:
        by_split.setdefault(splits.get(article.article_id) or "unsplit", []).append(article)
    rows = [
        SplitTotal(
            split=name,
            articles=len(scores),
            score=score_corpus(scores, n_resamples=run.score.n_resamples, seed=run.score.seed),
        )
        for name, scores in by_split.items()
    ]
    if len(rows) > 1:
        rows.append(SplitTotal(split=ALL_SPLITS, articles=len(run.score.articles), score=run.score))
    return rows
