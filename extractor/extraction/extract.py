"""Article + prompt + client → one record of validated, grounded events.

Data flows one way: the article is cleaned, the prompt rendered, the model
asked (through :mod:`extractor.extraction.client`, inside a cassette), the answer
validated against the task schema with the publication date in the
validation context, and every evidence quote grounded to character offsets
in the file as the user has it.

A failure on one article becomes a record with ``status="error"``; the batch
goes on.

Articles longer than the context window
---------------------------------------
When the context size is known (``--n-ctx``, or the embedded server's) and the
rendered prompt surely cannot fit, the cleaned text is split on paragraph boundaries
(blank lines; a paragraph that alone is too long is split further at its line
breaks, then at sentence ends, then at a hard character bound) into chunks that fit,
each overlapping the previous one by one piece. Every chunk is rendered with the
same prompt, the chunk as the article text, and extracted on its own. The chunks'
events are merged and de-duplicated (:mod:`extractor.extraction.chunking`), and every evidence
quote is grounded in the whole article, so offsets still point into the original
file. Only a context too small for the prompt with even a few characters of article
is a :class:`~extractor.errors.ContextOverflowError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from extractor.errors import (
    BackendUnreachableError,
    ContextOverflowError,
    ExtractorError,
    InvalidOutputError,
    PromptError,
    ServerDiedError,
    TruncatedOutputError,
)
from extractor.extraction.articles import Article
from extractor.extraction.cassettes import CassetteMode, CassetteSession, cassette_path
from extractor.extraction.chunking import (
    EVIDENCE_FIELD,
    Span,
    estimated_tokens,
    merge_events,
    pack_chunks,
    paragraph_spans,
    tokens_for_chars,
)
from extractor.extraction.citations import cited, numbered, opened
from extractor.extraction.client import Completion, LLMClient
from extractor.extraction.config import Backend, Settings
from extractor.extraction.examples import shown
from extractor.extraction.grounding import Grounding, ground
from extractor.extraction.local_server import MODELS, WHITESPACE_KEY, LocalServer, resolve
from extractor.extraction.params import GenerationParams
from extractor.extraction.prompts import Prompt
from extractor.extraction.records import ArticleRecord, Usage
from extractor.extraction.salvage import salvage
from extractor.tasks import Citing, Task, schema_json, schema_sha256

_REPLAY_URL = "http://127.0.0.1:9/v1"  # discard port: replay never reaches a server


def answer_model(task: Task, prompt: Prompt) -> type[BaseModel]:
    """The schema the model fills under ``prompt``: the task's own, or the answer schema of the resolvers it names;
    asking for compact JSON where the prompt version does (``json_whitespace: none``)."""
    resolvers = task.resolvers_named(prompt.spec.resolvers)
    model = resolvers.answer_model if resolvers else task.result_model
    return compact(model) if prompt.spec.json_whitespace == "none" else model


@functools.cache
def compact(model: type[BaseModel]) -> type[BaseModel]:
    """``model`` with a JSON schema that asks for no whitespace between JSON tokens (:data:`WHITESPACE_KEY`).

    Same name and docstring, so the same tool to the model. Unconstrained, the model writes a first answer as
    ``{"places": ["X"], ...}``; re-serialised compact, v9's recorded answers are 15 % fewer tokens (Qwen's
    tokenizer).
    """
    config = ConfigDict(json_schema_extra={WHITESPACE_KEY: "none"})
    namespace = {"__module__": model.__module__, "__doc__": model.__doc__, "model_config": config}
    return type(model.__name__, (model,), namespace)


def render_messages(task: Task, prompt: Prompt, article: Article, text: str | None = None) -> list[dict[str, str]]:
    """The chat messages for ``article``; ``text`` replaces its cleaned text (one chunk of it). Under resolvers
    that cite by number, the text's sentences are numbered for the model to cite."""
    published = article.meta.published.isoformat() if article.meta.published else "unknown"
    resolvers = task.resolvers_named(prompt.spec.resolvers)
    text = article.text if text is None else text
    return prompt.render(
        examples=[solved.example for solved in shown(task, prompt, article)],
        text=numbered(text) if resolvers is not None and resolvers.cites and resolvers.cites.by == "number" else text,
        title=article.meta.title or "(no title)",
        published=published,
        schema_json=schema_json(answer_model(task, prompt)),
        field_guide=task.field_guide(task.resolvers_named(prompt.spec.resolvers)),
    )


def ground_quotes(article: Article, quotes: Sequence[str]) -> list[Grounding]:
    """Locate each quote in the cleaned text, then map the span to the original file."""
    located = []
    for quote in quotes:
        found: Grounding = ground(quote, article.text)
        start: int | None
        end: int | None
        if found.start is not None and found.end is not None:
            start, end = article.to_original(found.start, found.end)
        else:
            found = ground(quote, article.original)  # a quote that spans removed debris
            start, end = found.start, found.end
        located.append(Grounding(quote=quote, status=found.status, start=start, end=end, score=found.score))
    return located


def is_reusable(record: ArticleRecord, article: Article, prompt: Prompt, task: Task, model: str) -> bool:
    """Whether ``--resume`` may keep ``record`` for ``article`` instead of extracting it again:
    it succeeded, on the same bytes, with the same prompt, schema and model."""
    return (
        record.status == "ok"
        and record.article_id == article.id
        and record.article_sha256 == article.sha256
        and record.prompt_sha256 == prompt.sha256
        and record.schema_sha256 == schema_sha256(answer_model(task, prompt))
        and record.model == model
    )


# --------------------------------------------------------------------------- extraction


# What makes one follow-up turn give nothing, leaving the answers before it standing: its answer stays invalid,
# runs past max_tokens, or the conversation (grown by the turn and its re-asks) no longer fits the context.
_TURN_FAILURES = (InvalidOutputError, TruncatedOutputError, ContextOverflowError)


def _quotes(item: str, event: BaseModel) -> bool:
    """Whether one of the event's evidence quotes writes ``item`` (case aside)."""
    quotes = getattr(event, EVIDENCE_FIELD, None) or []
    return any(item.casefold() in str(quote).casefold() for quote in quotes)


@dataclass
class Chunk:
    text: str
    messages: list[dict[str, str]]


@dataclass
class Extractor:
    """Extracts one task with one prompt against one live or recorded backend."""

    task: Task
    prompt: Prompt
    settings: Settings
    client: LLMClient
    model_sha256: str | None
    n_ctx: int | None = None
    # How the embedded server died, if it did: a lost connection then reads as the crash it is.
    backend_death: Callable[[], str | None] | None = None

    def __post_init__(self) -> None:
        # A version whose answers list no items fails when it is opened, not once per article.
        if self.prompt.spec.items:
            _ = self.items_field
        resolvers = self.task.resolvers_named(self.prompt.spec.resolvers)
        if (
            resolvers is not None
            and resolvers.cites is not None
            and (self.prompt.spec.examples or self.prompt.spec.retrieved_examples)
        ):
            # An example's evidence is quoted whole, and the article it quotes is not numbered in the prompt.
            raise PromptError(
                f"{self.prompt.path}: resolvers {self.prompt.spec.resolvers!r} point at evidence "
                f"({resolvers.cites.by}) instead of quoting it, so the version cannot show examples, whose "
                "evidence is quoted"
            )

    @property
    def items_field(self) -> str:
        """The answer's field that lists the items the prompt's ``each`` turn follows up."""
        resolvers = self.task.resolvers_named(self.prompt.spec.resolvers)
        if resolvers is None or resolvers.items_field is None:
            raise PromptError(
                f"{self.prompt.path}: a turn per item needs resolvers whose answer lists items "
                f"(task {self.task.name!r}: a resolver set with an items_field)"
            )
        return resolvers.items_field

    @property
    def rerecord_command(self) -> str:
        task, version, model = self.task.name, self.prompt.version, self.settings.model
        # The same generation parameters, or the new recording would be stale too.
        tokens = self.settings.params.max_tokens
        return f"extractor eval --task {task} --prompt {version} --model {model} --max-tokens {tokens} --rerecord"

    def cassette_meta(self) -> dict[str, Any]:
        """What produced an answer: stored in each cassette and in each record."""
        return {
            "model": self.settings.model,
            "model_sha256": self.model_sha256,
            "prompt": self.prompt.id,
            "prompt_sha256": self.prompt.sha256,
            "schema_sha256": schema_sha256(answer_model(self.task, self.prompt)),
            "params": self.settings.recorded_params(),
        }

    def cassette(self, article: Article, meta: dict[str, Any]) -> CassetteSession | None:
        """The cassette that records or replays ``article``'s exchanges; ``None`` when nothing is recorded."""
        if self.settings.cassette_mode is CassetteMode.OFF:
            return None
        path = cassette_path(self.settings.cassette_dir, self.settings.model, self.prompt.id, article.id)
        return CassetteSession(path, self.settings.cassette_mode, meta, self.rerecord_command)

    def answered_events(self, answer: BaseModel, published: dt.date | None, text: str) -> list[dict[str, Any]]:
        """The task's events in one answer to ``text``: as answered with the task's code rules applied, or as
        the prompt's resolvers derive them."""
        answered = getattr(answer, "events", [])
        resolvers = self.task.resolvers_named(self.prompt.spec.resolvers)
        if resolvers is not None:
            if resolvers.cites is not None:
                answered = quoted(answered, resolvers.cites, text)
            return resolvers.resolve(answered, published)
        found = [event.model_dump(mode="json") for event in answered]
        return [self.task.refine(e, published) for e in found] if self.task.refine is not None else found

    def events(
        self, answers: Sequence[BaseModel], published: dt.date | None, text: str, *, drop_echoes: bool = True
    ) -> list[dict[str, Any]]:
        """The task's events in the model's answers to one chunk's ``text`` (its answer, then any gleanings),
        with the events that are one event merged. With ``drop_echoes``, a gleaned event none of whose
        evidence is found in the text is dropped."""
        first, *gleaned = answers
        kept = self.merged(self.answered_events(first, published, text))
        for answer in gleaned:
            # A gleaning turn was asked for attacks not yet listed: one that is an attack already kept
            # is a repeat, and its details (told from memory of the answer) do not overwrite the answer's.
            # Asked for more, the small model may echo the follow-up turn's own words ("another place",
            # quoted from the prompt): evidence that is nowhere in the text is no attack of the article.
            for event in self.merged(self.answered_events(answer, published, text)):
                echoed = drop_echoes and not any(
                    ground(quote, text).located for quote in event.get(EVIDENCE_FIELD) or []
                )
                if not echoed and len(self.merged([*kept, event])) > len(kept):
                    kept.append(event)
        # The identity rule once more over the whole: what it settles across events (a toll copied from the
        # answer into a follow-up's event) is seen only with all of them.
        return self.merged(kept) if gleaned else kept

    def merged(self, events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """One article's events with those that are one event merged, by the task's identity rule."""
        return self.task.deduplicate(events) if self.task.deduplicate else list(events)

    def resolved(
        self, answers: Sequence[BaseModel], published: dt.date | None, text: str, *, drop_echoes: bool = True
    ) -> list[dict[str, Any]]:
        """:meth:`events`, with resolved events that fail the schema reported as the model's invalid output."""
        try:
            return self.events(answers, published, text, drop_echoes=drop_echoes)
        except ValidationError as exc:
            raise InvalidOutputError(f"resolved events do not validate: {exc.errors()[0]['msg']}") from exc

    def complete(self, messages: list[dict[str, str]], context: dict[str, Any]) -> Completion[Any]:
        """The model's validated answer; after the bounded re-asks, the last answer with what fails left out
        (:func:`~extractor.extraction.salvage.salvage`), noted in its ``reask_errors``."""
        response_model = answer_model(self.task, self.prompt)
        started = time.perf_counter()
        try:
            return self.client.complete(messages, response_model, context)
        except InvalidOutputError as exc:
            kept = salvage(response_model, exc.context["answer"], context) if exc.context.get("answer") else None
            if kept is None:
                raise
            value, changes = kept
            return Completion(
                value=value,
                usage=exc.context["usage"],
                attempts=exc.context["attempts"],
                # No change named: the answer broke off, and what it gives before its unfinished end is valid.
                reask_errors=[
                    f"{exc}; kept the last answer with {', '.join(changes)}"
                    if changes
                    else f"{exc}; kept the last answer as far as it goes"
                ],
                latency_s=time.perf_counter() - started,
            )

    def ask(
        self, messages: list[dict[str, str]], context: dict[str, Any], published: dt.date | None, text: str
    ) -> tuple[list[Completion[Any]], list[str]]:
        """The model's answer to one chunk, then the prompt's gleaning turns, each sent after the last
        answer until one adds no event; with notes on a gleaning turn that failed.

        A small model stops after the first incident of a story with several; asked again with its
        own answer in view, it may name the next. A gleaning turn the model cannot answer validly
        adds nothing: the answers before it stand.
        """
        done = [self.complete(messages, context)]
        notes: list[str] = []
        if self.prompt.spec.items:
            done, notes = self.follow_items(messages, done, context, text)
        if self.prompt.spec.sentences:
            return done, notes + self.follow_sentences(messages, done, context, text)
        if self.prompt.spec.gleanings == 0:
            return done, notes
        # Counted as recorded: whether a turn added an event is judged before echoes are dropped.
        known = len(self.resolved([done[0].value], published, text, drop_echoes=False))
        for turn in range(1, self.prompt.spec.gleanings + 1):
            messages = self.prompt.follow_up(messages, done[-1].value.model_dump_json())
            try:
                more = self.complete(messages, context)
            except _TURN_FAILURES as exc:
                notes.append(f"gleaning turn {turn} gave nothing: {exc}")
                break
            done.append(more)
            total = len(self.resolved([c.value for c in done], published, text, drop_echoes=False))
            if total <= known:
                break
            known = total
        return done, notes

    def listed_items(self, answer: BaseModel) -> list[str]:
        """The items the answer lists for the prompt's ``each`` turn: stripped, each once, at most ``items``."""
        listed = [str(item).strip() for item in getattr(answer, self.items_field, None) or []]
        return list(dict.fromkeys(item for item in listed if item))[: self.prompt.spec.items]

    def items_to_ask(self, listed: list[str], text: str) -> list[str]:
        """The items the answer lists, then (``items_from_text``) those the task finds in the text that the list
        lacks; with ``items_checked``, only those the task finds worth a turn (``Task.askable``); at most ``items``
        in all."""
        spec = self.prompt.spec
        items = listed
        if spec.items_from_text and self.task.find_items is not None:
            items = [*listed, *self.task.find_items(text, listed)]
        items = [item for item in items if self.worth_a_turn(item, text, alone=False)]
        return list(dict.fromkeys(items))[: spec.items]

    def worth_a_turn(self, item: str, text: str, *, alone: bool) -> bool:
        """Whether ``item`` gets a turn (in view, or again ``alone``): always, unless the prompt has the task check
        its items (``items_checked``, the task's ``askable``)."""
        askable = self.task.askable
        return not self.prompt.spec.items_checked or askable is None or askable(item, text, alone)

    def follow_items(
        self,
        messages: list[dict[str, str]],
        done: list[Completion[Any]],
        context: dict[str, Any],
        text: str,
    ) -> tuple[list[Completion[Any]], list[str]]:
        """The prompt's ``each`` turn for every item the first answer lists (:meth:`items_to_ask`) that no event
        covers yet.

        Asked once, a small model lists every place of a story but answers with its first attack; asked
        about one place at a time, it answers for that place. Every turn follows the same first answer, so
        the server's prefix cache reads only the turn. Of a turn's events only those that cover its item
        are kept (the task's ``covers``): an answer about another place is no answer for this one. A turn
        the model cannot answer validly adds nothing, and the next item is still asked. With
        ``each_alone_again``, an item whose turn kept nothing is asked once more straight after the article:
        at once, or (``each_alone_last``) after every turn in view, and only if no event covers it by then.
        """
        first = done[0].value
        answer_json = first.model_dump_json()
        notes: list[str] = []
        covers = self.task.covers or (lambda _item, _event: False)
        # Which items are asked about depends on the answers as given, never on the code rules applied to
        # them: a changed rule must not change the requests, or every cassette would go stale with it.
        answered = [event.model_dump(mode="json") for event in getattr(first, "events", [])]
        listed = self.listed_items(first)

        def ask(number: int, item: str, alone: bool) -> bool:
            """One turn about ``item``; whether it kept an event for it."""
            label = f"item {number} ({item}){' asked alone' if alone else ''}"
            try:
                more = self.complete(self.prompt.follow_each(messages, answer_json, item, alone=alone), context)
            except _TURN_FAILURES as exc:
                notes.append(f"{label} gave nothing: {exc}")
                return False
            given = list(getattr(more.value, "events", []))
            about = [event for event in given if covers(item, event.model_dump(mode="json"))]
            if len(about) < len(given):
                notes.append(f"{label}: {len(given) - len(about)} event(s) about another item dropped")
            answered.extend(event.model_dump(mode="json") for event in about)
            if item not in listed or alone:
                # An item code found in the text was found in words of the article, and an answer given with no
                # answer in view is tied to its item by nothing else: an event for it quotes the item (dev 034:
                # asked alone about Rashidieh, it quotes "tensions" only). After ``answered``: what is asked next
                # depends on the answers as given.
                quoting = [event for event in about if _quotes(item, event)]
                if len(quoting) < len(about):
                    notes.append(f"{label}: {len(about) - len(quoting)} event(s) not quoting it dropped")
                about = quoting
            done.append(replace(more, value=more.value.model_copy(update={"events": about})))
            return bool(about)

        spec = self.prompt.spec
        unanswered: list[tuple[int, str]] = []
        for number, item in enumerate(self.items_to_ask(listed, text), 1):
            if any(covers(item, event) for event in answered):
                continue
            # With its first answer in view, a small model often gives that answer again for another place
            # (dev 008: asked about Kofa, it answers with Bulaburin); asked alone, it answers for the place.
            if (
                not ask(number, item, alone=False)
                and spec.each_alone_again
                and self.worth_a_turn(item, text, alone=True)
            ):
                if spec.each_alone_last:
                    unanswered.append((number, item))
                else:
                    ask(number, item, alone=True)
        # Last, every turn in view keeps the server's cache as it was for them: the first answer stays read.
        for number, item in unanswered:
            if not any(covers(item, event) for event in answered):
                ask(number, item, alone=True)
        return done, notes

    def follow_sentences(
        self, messages: list[dict[str, str]], done: list[Completion[Any]], context: dict[str, Any], text: str
    ) -> list[str]:
        """The prompt's ``each_sentence`` turn, with the first answer in view, for every sentence the task finds that
        tells another incident than the answers so far (the task's ``find_sentences``), at most ``sentences``; the
        events of a turn that quote its sentence are appended to ``done``. Returns notes on the turns.

        Asked about its first incident and then about each place it lists, a small model never answers an attack
        the article adds later as another ("Elsewhere, …") when its place is a province or none. Asked last, so
        every turn before is the request it was without these: the answers to them stay what they were.
        """
        notes: list[str] = []
        if self.task.find_sentences is None:
            return notes
        quoting = self.task.quotes_sentence or (lambda _sentence, _event: False)
        answer_json = done[0].value.model_dump_json()
        # As for items: which sentences are asked about depends on the answers as given, never on code rules.
        answered = [
            event.model_dump(mode="json") for completion in done for event in getattr(completion.value, "events", [])
        ]
        for number, sentence in enumerate(self.task.find_sentences(text, answered)[: self.prompt.spec.sentences], 1):
            label = f"sentence {number}"
            try:
                more = self.complete(self.prompt.follow_sentence(messages, answer_json, sentence), context)
            except _TURN_FAILURES as exc:
                notes.append(f"{label} gave nothing: {exc}")
                continue
            given = list(getattr(more.value, "events", []))
            about = [event for event in given if quoting(sentence, event.model_dump(mode="json"))]
            if len(about) < len(given):
                notes.append(f"{label}: {len(given) - len(about)} event(s) not quoting it dropped")
            done.append(replace(more, value=more.value.model_copy(update={"events": about})))
        return notes

    def ask_chunks(
        self, chunks: Sequence[Chunk], context: dict[str, Any], published: dt.date | None
    ) -> tuple[list[list[Completion[Any]]], list[str]]:
        """Per chunk, its answer then its gleanings; and the gleaning notes, each labelled with its chunk."""
        asked: list[list[Completion[Any]]] = []
        notes: list[str] = []
        for number, chunk in enumerate(chunks, 1):
            label = f"chunk {number} of {len(chunks)}: " if len(chunks) > 1 else ""
            try:
                answers, glean_notes = self.ask(chunk.messages, context, published, chunk.text)
            except ExtractorError as exc:
                if not label:
                    raise
                raise type(exc)(f"{label}{exc}") from exc
            asked.append(answers)
            notes += [f"{label}{note}" for note in glean_notes]
        return asked, notes

    def extract(self, article: Article) -> ArticleRecord:
        meta = self.cassette_meta()
        base: dict[str, Any] = {
            "article_id": article.id,
            "path": str(article.path),
            "article_sha256": article.sha256,
            "title": article.meta.title,
            "published": article.meta.published,
            "examples": [solved.article_id for solved in shown(self.task, self.prompt, article)],
            **meta,
        }
        session = self.cassette(article, meta)
        if session is not None:
            base["cassette"] = str(session.path)
        started = time.perf_counter()
        context = {"published": article.meta.published}
        chunks: list[Chunk] = []
        asked: list[list[Completion[Any]]] = []  # per chunk: its answer, then its gleanings
        notes: list[str] = []
        n_ctx = self.n_ctx
        failure_timed, failure_latency = False, None
        try:
            if session is not None:
                base["model_sha256"] = session.model_sha256(self.model_sha256)
                n_ctx = session.n_ctx(self.n_ctx)
            chunks = self.chunks(article, n_ctx)
            with session.exchanges() if session is not None else contextlib.nullcontext():
                try:
                    asked, notes = self.ask_chunks(chunks, context, article.meta.published)
                except ExtractorError:
                    # Stored while the cassette is open, so a replayed failure reports the recorded time too.
                    if session is not None:
                        failure_latency = session.latency(
                            time.perf_counter() - started, n_ctx=n_ctx, chunks=len(chunks)
                        )
                        failure_timed = True
                    raise
                measured = math.fsum(c.latency_s for answers in asked for c in answers)
                latency = measured if session is None else session.latency(measured, n_ctx=n_ctx, chunks=len(chunks))
            found = [
                e
                for chunk, answers in zip(chunks, asked, strict=True)
                for e in self.resolved([c.value for c in answers], article.meta.published, chunk.text)
            ]
        except ExtractorError as exc:
            died = self.backend_death() if self.backend_death and isinstance(exc, BackendUnreachableError) else None
            if died:
                exc = ServerDiedError(f"the embedded llama.cpp server died during the request: {died}")
            return ArticleRecord(
                **base,
                status="error",
                error=str(exc),
                error_type=type(exc).__name__,
                latency_s=failure_latency if failure_timed else time.perf_counter() - started,
                chunks=max(1, len(chunks)),
            )
        events = found
        if len(chunks) > 1:
            # The guideline's identity rule across chunks too: one incident told in two chunks.
            events = self.merged(merge_events(found, self.task.event_model, context))
        if self.task.check_against_text is not None:
            events = self.task.check_against_text(events, article)
        return ArticleRecord(
            **base,
            status="ok",
            events=events,
            grounding=[ground_quotes(article, event.get(EVIDENCE_FIELD) or []) for event in events],
            usage=sum((c.usage for answers in asked for c in answers), Usage()),
            attempts=sum(c.attempts for answers in asked for c in answers),
            answers=sum(len(answers) for answers in asked),
            reask_errors=[
                f"chunk {n}: {e}" if len(chunks) > 1 else e
                for n, answers in enumerate(asked, 1)
                for c in answers
                for e in c.reask_errors
            ]
            + notes,
            latency_s=latency,
            chunks=len(chunks),
        )

    def chunks(self, article: Article, n_ctx: int | None) -> list[Chunk]:
        """The whole article when it may fit (or the context size is unknown), else chunks that fit."""
        whole = render_messages(self.task, self.prompt, article)
        if not n_ctx:
            return [Chunk(article.text, whole)]
        budget = n_ctx - self.settings.params.max_tokens
        if estimated_tokens(whole, generous=True) <= budget:
            return [Chunk(article.text, whole)]
        text = article.text
        # The article is inserted verbatim, so the prompt's size is affine in the span's length:
        # measured once from two renders, it sizes thousands of candidate pieces without rendering each.
        # The filler has a sentence every 100 characters, so a numbered prompt is measured with its numbers.
        sizes = [_prompt_chars(render_messages(self.task, self.prompt, article, _filler(n))) for n in (1000, 2000)]
        per_char = (sizes[1] - sizes[0]) / 1000
        fixed = sizes[0] - per_char * 1000

        def fits(span: Span) -> bool:
            return tokens_for_chars(fixed + per_char * (span[1] - span[0]), generous=False) <= budget

        chunks = []
        spans = pack_chunks(paragraph_spans(text, fits), fits)
        for number, (a, b) in enumerate(spans, 1):
            messages = render_messages(self.task, self.prompt, article, text[a:b])
            least = estimated_tokens(messages, generous=True)
            if least > budget:
                raise ContextOverflowError(
                    f"article is too long for the model's context, and piece {number} of {len(spans)} "
                    f"({b - a} characters) cannot fit even alone: at least ~{least} prompt tokens, "
                    f"but only {budget} of n_ctx={n_ctx} remain after max_tokens={self.settings.params.max_tokens}",
                    n_ctx=n_ctx,
                    budget=budget,
                    prompt_tokens=least,
                )
            chunks.append(Chunk(text[a:b], messages))
        return chunks


def _filler(chars: int) -> str:
    sentence = "x" * 97 + ". "
    return (sentence * (chars // len(sentence) + 1))[:chars]


def quoted(answered: Sequence[BaseModel], citing: Citing, text: str) -> list[BaseModel]:
    """Answered events that point at their evidence (by sentence number, or by opening words), with the whole
    sentences of ``text`` they point at in its place, validated as ``citing.quoted``. An event that cites no
    sentence of the text has no evidence, and is no event."""
    quoted_events = []
    for event in answered:
        found = event.model_dump(mode="json")
        given = found.get(EVIDENCE_FIELD) or []
        quotes = cited(given, text) if citing.by == "number" else opened(given, text)
        if quotes:
            quoted_events.append(citing.quoted.model_validate({**found, EVIDENCE_FIELD: quotes}))
    return quoted_events


def _prompt_chars(messages: Sequence[dict[str, str]]) -> int:
    return sum(len(m["content"]) for m in messages)


@dataclass(frozen=True)
class _Backend:
    """Where requests go, and what the backend tells about the model behind it."""

    base_url: str | None  # None: the client's own default
    api_key: str | None
    model: str
    params: GenerationParams
    model_sha256: str | None = None
    n_ctx: int | None = None
    death: Callable[[], str | None] | None = None


@contextlib.contextmanager
def _backend(settings: Settings) -> Iterator[_Backend]:
    params = settings.params
    if not settings.needs_backend:
        # Replay: answers come from cassettes; a request without one must fail at once, not retry.
        spec = MODELS.get(settings.model)
        replay_params = replace(params, http_retries=0)
        yield _Backend(_REPLAY_URL, None, settings.model, replay_params, spec.sha256 if spec else None)
    elif settings.backend is Backend.LOCAL:
        model = resolve(settings.model, settings.model_path)
        with LocalServer(model, n_ctx=settings.n_ctx, draft_tokens=settings.draft_tokens) as server:
            yield _Backend(server.base_url, None, model.name, params, model.sha256, server.n_ctx, server.death)
    else:
        yield _Backend(settings.base_url, settings.api_key, settings.model, params, n_ctx=settings.n_ctx)


@contextlib.contextmanager
def open_extractor(task: Task, prompt: Prompt, settings: Settings) -> Iterator[Extractor]:
    """An :class:`Extractor` with its backend up for the whole block (and down after it)."""
    with _backend(settings) as backend:
        client = LLMClient(backend.base_url, backend.api_key, backend.model, backend.params)
        try:
            yield Extractor(
                task, prompt, settings, client, backend.model_sha256, n_ctx=backend.n_ctx, backend_death=backend.death
            )
        finally:
            client.close()
