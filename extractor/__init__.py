"""extractor: pull structured events out of news articles with an LLM, and score them against gold.

The public surface is small on purpose; everything else is importable from its module.
Names are loaded on first use (PEP 562), so ``import extractor`` (and ``extractor --help``)
does not pay for pydantic models, scipy or the LLM client it may never touch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extractor.attacks.schemas import ArticleEvents, AttackEvent
    from extractor.errors import ExtractorError
    from extractor.evaluation.scoring import score_article, score_corpus
    from extractor.extraction.articles import Article, load_article
    from extractor.tasks import ATTACKS, Task, get_task

_WHERE = {
    "ATTACKS": "extractor.tasks",
    "Article": "extractor.extraction.articles",
    "ArticleEvents": "extractor.attacks.schemas",
    "AttackEvent": "extractor.attacks.schemas",
    "ExtractorError": "extractor.errors",
    "Task": "extractor.tasks",
    "get_task": "extractor.tasks",
    "load_article": "extractor.extraction.articles",
    "score_article": "extractor.evaluation.scoring",
    "score_corpus": "extractor.evaluation.scoring",
}

__all__ = [
    "ATTACKS",
    "Article",
    "ArticleEvents",
    "AttackEvent",
    "ExtractorError",
    "Task",
    "get_task",
    "load_article",
    "score_article",
    "score_corpus",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'extractor' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
