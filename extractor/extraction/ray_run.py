"""``extract --ray``: the same batch as a Ray Data pipeline, for backends that serve many requests at once.

Ray is the optional ``ray`` extra and is imported only here. The pipeline is
read articles → extract (a pool of actors, each with its own client, one article
in flight each) → records back to the driver, which appends them to ``--out``
through the same :func:`extractor.extraction.batch_run.run_batch` as the single-process
path: the same records, ``--resume``, per-article errors, exit codes and
Ctrl-C handling. The articles are loaded (and their ``--resume`` status decided)
on the driver, so workers need the package and its dependencies but not the
files.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from extractor.errors import InputError
from extractor.extraction.articles import Article
from extractor.extraction.config import Settings
from extractor.extraction.extract import Extractor, open_extractor
from extractor.extraction.prompts import Prompt
from extractor.extraction.records import ArticleRecord
from extractor.tasks import Task

LOCAL_ADDRESSES = ("", "local")
# An actor spends its time waiting on HTTP: it should not reserve a whole core.
ACTOR_CPUS = 0.1

ExtractAll = Callable[[Sequence[tuple[int, Article]], int], Iterator[tuple[int, ArticleRecord]]]


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise InputError("--ray needs Ray: pip install 'extractor[ray]'") from exc
    return ray


class _ExtractRow:
    """A Ray actor: one client for its lifetime, one article per call."""

    def __init__(self, task: Task, prompt: Prompt, settings: Settings) -> None:
        self._stack = contextlib.ExitStack()
        self._extractor: Extractor = self._stack.enter_context(open_extractor(task, prompt, settings))

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        article: Article = pickle.loads(row["article"])
        record = self._extractor.extract(article)
        return {"index": row["index"], "record": record.model_dump_json()}

    def __del__(self) -> None:
        self._stack.close()


def ray_extract_all(
    task: Task, prompt: Prompt, settings: Settings, address: str | None, *, num_cpus: int | None = None
) -> ExtractAll:
    """An ``extract_all`` for :func:`~extractor.extraction.batch_run.run_batch` that runs on Ray.

    ``address``: ``""`` or ``"local"`` starts Ray on this machine (``num_cpus`` of it); ``"auto"``
    or ``ray://HOST:10001`` joins a running cluster, shipping this package to its workers.
    A Ray already initialised in this process (a test, a notebook) is used as it is.
    """
    ray = _import_ray()

    def extract_all(todo: Sequence[tuple[int, Article]], workers: int) -> Iterator[tuple[int, ArticleRecord]]:
        started_here = not ray.is_initialized()
        if started_here:
            local = address is None or address in LOCAL_ADDRESSES
            ray.init(
                address=None if local else address,
                num_cpus=num_cpus if local else None,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env=None if local else {"py_modules": [str(Path(__file__).resolve().parents[1])]},
            )
        try:
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False
            context.execution_options.preserve_order = False  # the driver restores input order
            rows = [{"index": index, "article": pickle.dumps(article)} for index, article in todo]
            dataset = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows), workers * 4)))
            extracted = dataset.map(
                _ExtractRow,
                fn_constructor_args=(task, prompt, settings),
                compute=ray.data.ActorPoolStrategy(size=max(1, min(workers, len(rows)))),
                num_cpus=ACTOR_CPUS,
            )
            for row in extracted.iter_rows():
                yield int(row["index"]), ArticleRecord.model_validate_json(row["record"])
        finally:
            if started_here:
                ray.shutdown()

    return extract_all
