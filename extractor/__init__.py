"""extractor: pull structured events out of news articles with an LLM, and score them against gold.

The public surface is small on purpose; everything else is importable from its module.
"""

from extractor.articles import Article, load_article
from extractor.errors import ExtractorError
from extractor.schemas import ArticleEvents, AttackEvent
from extractor.scoring import score_article, score_corpus
from extractor.tasks import ATTACKS, Task, get_task

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
