"""Few-shot examples retrieved from a labelled split: solved articles like the one being asked about.

A prompt version with ``retrieved_examples: N`` shows the model, before the article, the N
articles of its ``example_split`` (``dev``) most like it, each answered with its gold events: a
real article of the same shape (a Nigerian village raid, a night of Russian strikes) with the
answer the guideline gives, where v3's invented examples were written on the seeds.

What an example may never be, so that no figure is scored on labels the model was shown:

- an article of another split: the pool is ``example_split`` only, so a test article's prompt
  holds dev labels and never test labels;
- the article itself, or an article that shares a gold incident with it (wire copies of one
  story): a dev article is asked with the other stories of dev, leave-one-story-out.

The pool is also frozen with the version: ``example_round`` (default 1) keeps it to the articles
of the split's collection rounds up to that one (the manifest's ``round``), so when dev grows a
recorded version is still shown the examples its cassettes were recorded with.

Similarity is RapidFuzz's ``token_set_ratio`` over the cleaned texts (shared vocabulary: places,
actors, weapons), ties broken by article id so that the prompt, and with it the cassette, is the
same on every run. Examples longer than ``max_chars`` or with more than ``max_events`` required
events are skipped (they would crowd the context of a small model), as are articles with none.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from extractor.errors import PromptError
from extractor.extraction.articles import Article, load_corpus
from extractor.extraction.prompts import FewShotExample

if TYPE_CHECKING:
    from extractor.extraction.prompts import Prompt
    from extractor.tasks import Task

MAX_CHARS = 3000
MAX_EVENTS = 4


@dataclass(frozen=True)
class Solved:
    """One labelled article of the pool: its id, text, incidents and its gold as an answer."""

    article_id: str
    text: str
    incidents: frozenset[str]
    example: FewShotExample


def gold_answer(events: Sequence[Any], result_model: type[BaseModel]) -> dict[str, Any]:
    """Gold events (non-optional ones, each field's first acceptable value) as the answer the model gives."""
    answered = []
    for event in events:
        if event.optional:
            continue
        nested: dict[str, Any] = {"evidence": list(event.evidence)}
        for path, options in event.fields.items():
            *parents, leaf = path.split(".")
            node = nested
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = options[0] if options else None
        answered.append(nested)
    return result_model.model_validate({"events": answered}).model_dump(mode="json")


@functools.cache
def _pool(
    corpus_dir: Path,
    gold_dir: Path,
    split: str,
    max_round: int | None,
    result_model: type[BaseModel],
    event_model: type[BaseModel],
) -> tuple[Solved, ...]:
    from extractor.evaluation.gold import load_gold_dir

    golds = load_gold_dir(gold_dir, event_model)
    pool = []
    for article in load_corpus(corpus_dir):
        gold = golds.get(article.id)
        if article.meta.split != split or gold is None:
            continue
        if max_round is not None and article.meta.round > max_round:
            continue
        pool.append(
            Solved(
                article_id=article.id,
                text=article.text,
                incidents=frozenset(e.incident for e in gold.events),
                example=FewShotExample(
                    title=article.meta.title or "(no title)",
                    published=gold.published.isoformat(),
                    text=article.text,
                    output=gold_answer(gold.events, result_model),
                ),
            )
        )
    if not pool:
        raise PromptError(f"no labelled articles of split {split!r} under {corpus_dir} to take examples from")
    return tuple(pool)


def pool_ids(task: Task, prompt: Prompt) -> list[str]:
    """The labelled articles whose gold ``prompt`` can show the model: none unless it retrieves examples."""
    if not prompt.spec.retrieved_examples:
        return []
    spec = prompt.spec
    pool = _pool(
        task.corpus_dir, task.gold_dir, spec.example_split, spec.example_round, task.result_model, task.event_model
    )
    return [s.article_id for s in pool]


def shown(task: Task, prompt: Prompt, article: Article) -> list[Solved]:
    """The solved articles ``prompt`` shows before ``article``: none unless it retrieves examples."""
    if not prompt.spec.retrieved_examples:
        return []
    spec = prompt.spec
    return retrieve(task, article, k=spec.retrieved_examples, split=spec.example_split, max_round=spec.example_round)


def retrieve(
    task: Task,
    article: Article,
    *,
    k: int,
    split: str,
    max_round: int | None = None,
    max_chars: int = MAX_CHARS,
    max_events: int = MAX_EVENTS,
) -> list[Solved]:
    """The ``k`` solved articles of ``split`` (rounds up to ``max_round``; all when None) most like
    ``article``, most similar first (see the module)."""
    pool = _pool(task.corpus_dir, task.gold_dir, split, max_round, task.result_model, task.event_model)
    own = next((s for s in pool if s.article_id == article.id), None)
    excluded = own.incidents if own is not None else frozenset()
    candidates = [
        s
        for s in pool
        if s.article_id != article.id
        and s.text != article.text
        and not (s.incidents & excluded)
        and len(s.text) <= max_chars
        and 0 < len(s.example.output["events"]) <= max_events
    ]
    ranked = sorted(candidates, key=lambda s: (-fuzz.token_set_ratio(article.text, s.text), s.article_id))
    return ranked[:k]
