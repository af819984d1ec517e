"""A batch of articles: extract what is not done yet, append each record to ``--out``, decide the exit code.

The CLI parses options and prints; this module owns what a batch *means*.

``--out`` on disk
-----------------
Each record is appended to ``--out`` as its article finishes, and flushed, so a
record costs O(1) however large the file, and a kill (even ``SIGKILL``) loses no
finished record. The file is therefore always a valid JSONL *prefix*: whole
records, one per line, except that a kill in the middle of a write may leave a
torn last line without its newline. ``--resume`` reads the file once, drops such a
torn tail (saying so), keeps the records it may reuse and appends the rest.

Records are appended in the order articles finish (with ``--concurrency`` that is
not the input order) and an article may have an older record earlier in the file
(``--resume`` over a failed or stale one); the last record of an article wins.
When the batch ends, normally or on Ctrl-C / SIGTERM, the file is rewritten once,
atomically, in the canonical order (records of other batches first, then the
batch's articles in input order, one each) if it is not in that order already.
So a finished or interrupted batch leaves exactly one record per article in input
order; only an uncatchable kill leaves the appended order, which ``--resume`` then
puts right.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from extractor.errors import ExtractorError, InputError, error_class
from extractor.extraction.articles import Article
from extractor.extraction.cassettes import CassetteMode
from extractor.extraction.config import Backend, Settings
from extractor.extraction.extract import Extractor, is_reusable, open_extractor
from extractor.extraction.prompts import Prompt
from extractor.extraction.records import ArticleRecord, write_records
from extractor.tasks import Task

# The embedded llama.cpp server answers one request at a time: more in flight only queue there.
LOCAL_CONCURRENCY = 1
REMOTE_CONCURRENCY = 4


def default_concurrency(settings: Settings) -> int:
    """Requests in flight when ``--concurrency`` is not given: 1 for the embedded server, else 4."""
    return LOCAL_CONCURRENCY if settings.backend is Backend.LOCAL else REMOTE_CONCURRENCY


def effective_concurrency(settings: Settings, requested: int | None) -> int:
    """``requested`` (or the backend's default), except that recording is always serial.

    vcrpy patches the HTTP library process-wide, so two cassettes recording at once would each
    capture the other's exchanges; a recording batch therefore runs one article at a time.
    """
    if requested is not None and requested < 1:
        raise InputError("--concurrency must be at least 1")
    if settings.cassette_mode in (CassetteMode.RECORD, CassetteMode.RERECORD, CassetteMode.EXTEND):
        return 1
    return requested if requested is not None else default_concurrency(settings)


# --------------------------------------------------------------------------- reading --out


@dataclass
class PreviousRecords:
    """What an earlier run left in ``--out``: read once, line by line."""

    order: list[ArticleRecord] = field(default_factory=list)  # as in the file
    whole_bytes: int = 0  # length of the file up to the end of its last whole record
    torn: bool = False  # a last line without its newline that is not a record: a write cut by a kill
    missing_newline: bool = False  # a last record without its newline (a file edited by hand)

    @property
    def by_id(self) -> dict[str, ArticleRecord]:
        """The last record of each article wins: a later line was appended over an earlier one."""
        return {r.article_id: r for r in self.order}


def read_previous(out: Path) -> PreviousRecords:
    """The records in ``out`` (none if there is no file); a torn last line is dropped, any other bad line refused."""
    if not out.exists():
        return PreviousRecords()
    try:
        data = out.read_bytes()
    except OSError as exc:
        raise InputError(f"--resume: cannot read {out}: {exc.strerror or exc}") from exc
    previous = PreviousRecords()
    pos = 0
    number = 0
    while pos < len(data):
        number += 1
        end = data.find(b"\n", pos)
        last = end < 0
        line = data[pos:] if last else data[pos:end]
        next_pos = len(data) if last else end + 1
        if line.strip():
            try:
                record = ArticleRecord.model_validate_json(line)
            except ValueError as exc:
                if last:  # no newline after it: the write was cut short
                    previous.torn = True
                    break
                raise InputError(
                    f"--resume: {out} line {number} is not an extract record ({_first_line(exc)}); "
                    "give another --out, or drop --resume to replace the file"
                ) from exc
            previous.order.append(record)
            previous.missing_newline = last
        pos = next_pos
        previous.whole_bytes = pos
    return previous


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- writing --out


class RecordSink:
    """``--out`` as the batch goes: every finished record appended and flushed at once (see the module doc)."""

    def __init__(self, path: Path, previous: PreviousRecords | None) -> None:
        self.path = path
        self.previous = previous  # None: a fresh batch, which replaces the file at its first record
        self.lines: list[ArticleRecord] = list(previous.order) if previous else []
        self._fh: IO[str] | None = None

    def _open(self) -> IO[str]:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.previous is None:
                self._fh = self.path.open("w", encoding="utf-8")
            else:
                if self.previous.torn:
                    os.truncate(self.path, self.previous.whole_bytes)
                    self.previous.torn = False
                self._fh = self.path.open("a", encoding="utf-8")
                if self.previous.missing_newline:
                    self._fh.write("\n")
                    self.previous.missing_newline = False
        return self._fh

    def append(self, record: ArticleRecord) -> None:
        fh = self._open()
        # One write of a whole line: a kill can only cut the last line short, never mix two.
        fh.write(record.model_dump_json() + "\n")
        fh.flush()
        self.lines.append(record)

    def close(self) -> None:
        if self._fh is not None:
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def finish(self, merged: Sequence[ArticleRecord]) -> None:
        """Close the file; rewrite it once, atomically, if it is not exactly ``merged`` in order."""
        self.close()
        if not self.lines and (self.previous is None or not self.path.exists()):
            return  # nothing written yet: a file from before a fresh batch stays as it was
        pending_fix = self.previous is not None and (self.previous.torn or self.previous.missing_newline)
        if pending_fix or [id(r) for r in self.lines] != [id(r) for r in merged]:
            write_records(self.path, merged)
            self.lines = list(merged)


# --------------------------------------------------------------------------- the batch


@dataclass
class BatchProgress:
    """What a progress display needs after each article: counts, tokens and time so far."""

    done: int
    total: int
    tokens: int
    elapsed_s: float
    record: ArticleRecord


@dataclass
class BatchResult:
    """One record per article of the batch in input order, and what happened to get them."""

    records: list[ArticleRecord]
    merged: list[ArticleRecord]  # what --out holds: other batches' records first
    to_extract: int
    extracted: list[ArticleRecord]  # the records made by this run
    interrupted: bool
    elapsed_s: float
    concurrency: int

    @property
    def kept(self) -> int:
        return len(self.records) - self.to_extract

    @property
    def failed(self) -> list[ArticleRecord]:
        return [r for r in self.extracted if r.status == "error"]

    @property
    def tokens(self) -> int:
        return sum(r.usage.prompt_tokens + r.usage.completion_tokens for r in self.extracted)


def batch_exit_code(load_errors: Sequence[ExtractorError], result: BatchResult | None) -> int:
    """A batch whose job failed never exits 0: 130 when interrupted, else the first failure's own code."""
    if result is not None and result.interrupted:
        return 130
    for error in load_errors:
        return error.exit_code
    failed = result.failed if result is not None else []
    return error_class(failed[0].error_type).exit_code if failed else 0


def run_batch(
    task: Task,
    prompt: Prompt,
    settings: Settings,
    articles: Sequence[Article],
    *,
    out: Path | None = None,
    resume: bool = False,
    concurrency: int | None = None,
    on_start: Callable[[int, int, bool], None] | None = None,
    on_record: Callable[[BatchProgress], None] | None = None,
    extract_all: Callable[[Sequence[tuple[int, Article]], int], Iterator[tuple[int, ArticleRecord]]] | None = None,
) -> BatchResult:
    """Extract ``articles`` (those ``--resume`` cannot reuse), appending each record to ``out`` as it finishes.

    ``on_start(kept, to_extract, torn)`` is called once the work is known (``torn``: ``--resume`` found
    a last line cut short by a kill, and drops it); ``on_record`` after each article.
    Ctrl-C / SIGTERM (a ``KeyboardInterrupt``) ends the batch early: what finished is kept and
    the result says ``interrupted``. ``extract_all`` replaces the in-process extraction (Ray).
    """
    if resume and out is None:
        raise InputError("--resume needs --out FILE: the records to resume from")
    workers = effective_concurrency(settings, concurrency)
    previous = read_previous(out) if resume and out is not None else None
    kept_by_id = previous.by_id if previous is not None else {}
    done: dict[int, ArticleRecord] = {}
    for index, article in enumerate(articles):
        kept = kept_by_id.get(article.id)
        if kept is not None and is_reusable(kept, article, prompt, task, settings.model):
            done[index] = kept
    todo = [(index, a) for index, a in enumerate(articles) if index not in done]
    if on_start is not None:
        on_start(len(articles) - len(todo), len(todo), previous is not None and previous.torn)
    sink = RecordSink(out, previous) if out is not None else None
    extracted: list[ArticleRecord] = []
    started = time.perf_counter()
    tokens = 0
    interrupted = False
    try:
        if todo:
            stream = (
                extract_all(todo, workers)
                if extract_all is not None
                else _extract_in_process(task, prompt, settings, todo, workers)
            )
            # Closed explicitly, so an interrupt that lands here (not inside the stream) still stops
            # the backend and abandons requests in flight now, not when the generator is collected.
            try:
                for index, record in stream:
                    done[index] = record
                    extracted.append(record)
                    if sink is not None:
                        sink.append(record)
                    tokens += record.usage.prompt_tokens + record.usage.completion_tokens
                    if on_record is not None:
                        elapsed = time.perf_counter() - started
                        on_record(BatchProgress(len(extracted), len(todo), tokens, elapsed, record))
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
    except KeyboardInterrupt:
        interrupted = True
    except BaseException:
        if sink is not None:
            sink.close()  # every record so far is on disk; the error is the caller's to report
        raise
    merged = _merged(articles, kept_by_id, done)
    if sink is not None:
        sink.finish(merged)
    return BatchResult(
        records=[done[i] for i in range(len(articles)) if i in done],
        merged=merged,
        to_extract=len(todo),
        extracted=extracted,
        interrupted=interrupted,
        elapsed_s=time.perf_counter() - started,
        concurrency=workers,
    )


def _merged(
    articles: Sequence[Article], previous: Mapping[str, ArticleRecord], done: Mapping[int, ArticleRecord]
) -> list[ArticleRecord]:
    """Records of other batches first, untouched (``--resume`` never drops work); then one record per
    article of the batch in input order: the new one, else the previous one, if any."""
    ids = {a.id for a in articles}
    others = [r for article_id, r in previous.items() if article_id not in ids]
    mine = [done.get(index) or previous.get(a.id) for index, a in enumerate(articles)]
    return others + [r for r in mine if r is not None]


def _extract_in_process(
    task: Task, prompt: Prompt, settings: Settings, todo: Sequence[tuple[int, Article]], workers: int
) -> Iterator[tuple[int, ArticleRecord]]:
    with open_extractor(task, prompt, settings) as extractor:
        yield from extract_concurrently(extractor, todo, workers)


def extract_concurrently(
    extractor: Extractor, todo: Sequence[tuple[int, Article]], workers: int
) -> Iterator[tuple[int, ArticleRecord]]:
    """``(index, record)`` for every article, in the order they finish, ``workers`` requests in flight.

    The workers are daemon threads and the caller's thread only waits on a queue, so a Ctrl-C
    (or SIGTERM, raised as one) lands in the caller at once: articles not started are never
    sent, and an answer still in flight is abandoned rather than waited for.
    """
    if workers <= 1 or len(todo) <= 1:
        for index, article in todo:
            yield index, extractor.extract(article)
        return
    jobs: queue.SimpleQueue[tuple[int, Article]] = queue.SimpleQueue()
    for job in todo:
        jobs.put(job)
    results: queue.SimpleQueue[tuple[int, ArticleRecord] | BaseException] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                index, article = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                results.put((index, extractor.extract(article)))
            except BaseException as exc:  # a bug, not an article's failure: re-raised in the caller
                results.put(exc)
                return

    threads = [threading.Thread(target=work, name=f"extract-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    try:
        for _ in todo:
            item = _get(results)
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _get(
    results: queue.SimpleQueue[tuple[int, ArticleRecord] | BaseException],
) -> tuple[int, ArticleRecord] | BaseException:
    while True:
        try:
            # A bounded wait, so a signal is handled promptly whatever the platform's lock semantics.
            return results.get(timeout=0.2)
        except queue.Empty:
            continue
