"""What a task is, and the registry of tasks.

A task is a schema plus where its prompts, corpus and gold labels live. The
pipeline, the CLI, the cassettes and the scorer take a task as a parameter,
so adding one (a pydantic model and a prompts folder) touches no core code:
register it here, or name it as ``package.module:TASK`` on the command line.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from extractor.attacks import task as attack_task
from extractor.attacks.countries import ground_countries, sub_national_areas
from extractor.attacks.furniture import drop_photo_events
from extractor.attacks.injection import guard_events
from extractor.attacks.perpetrators import (
    attribute_from_text,
    drop_descriptor_perpetrators,
    drop_victim_perpetrators,
    name_perpetrators,
)
from extractor.attacks.resolvers import (
    AttackAnswers,
    CitedEvent,
    CitedStatements,
    OneQuoteEvent,
    OneQuoteStatements,
    OpenedEvent,
    OpenedStatements,
    PlacedEvents,
    PlacedStatements,
    StatedEvent,
    count_stated_weapons,
    covers_place,
    drop_aftermath_places,
    drop_group_tolls,
    drop_reactions,
    drop_toll_targets,
    drop_unacted,
    ground_weapons,
    refine_event,
    refine_placed,
    refine_stated,
    resolve_article,
    settle_events,
    told_once,
    undate_publication_copy,
    undate_statement_day,
)
from extractor.attacks.schemas import GOLD_REQUIRED_FIELDS, KEY_FIELDS, SAME_EVENT_FIELDS, ArticleEvents, AttackEvent
from extractor.attacks.sites import askable_place, ground_sites, unlisted_places
from extractor.attacks.stated_apart import (
    area_stated_apart,
    casualties_stated_apart,
    country_in_headline,
    country_stated_apart,
    day_over_page_date,
    day_stated_apart,
    perpetrator_stated_apart,
    weapons_stated_apart,
)
from extractor.attacks.told_later import quotes_sentence, told_later
from extractor.errors import InputError, PromptError
from extractor.fields import field_guide

if TYPE_CHECKING:
    from extractor.evaluation.gold import GoldArticle
    from extractor.evaluation.incidents import IncidentEval
    from extractor.extraction.articles import Article
    from extractor.extraction.records import ArticleRecord

PROJECT_ROOT = Path(os.environ.get("EXTRACTOR_ROOT", Path(__file__).resolve().parent.parent))


# A schema is fixed once its class exists, and building it is the costliest part of rendering a
# prompt: computed once per class, not once per article (or per chunk).
@functools.cache
def schema_sha256(model: type[BaseModel]) -> str:
    """Hash of a JSON schema the model is asked to fill: it changes when a field,
    a description or a constraint changes, and so do the cassettes."""
    canonical = json.dumps(model.model_json_schema(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@functools.cache
def schema_json(model: type[BaseModel]) -> str:
    """The model's JSON schema, compact, as prompts show it."""
    return json.dumps(model.model_json_schema(), separators=(",", ":"))


@dataclass(frozen=True)
class Resolvers:
    """A schema the model fills instead of the task's, and the code that turns its answers into the task's events.

    A prompt version opts in by name (``resolvers: NAME`` in its YAML); versions that name none
    are asked for ``result_model`` and kept as the model answered.
    """

    answer_model: type[BaseModel]  # has a list field ``events`` (and ``items_field``, if named)
    # The answered events of one article (or chunk) and its publication date → event_model dicts.
    resolve: Callable[[Sequence[BaseModel], dt.date | None], list[dict[str, Any]]]
    # A list of strings the answer gives before its events (an attack task: the places attacked), which a
    # prompt's ``each`` turn follows up one by one; none: the answer lists no items.
    items_field: str | None = None
    # The event schema the prompt's field guide describes: the one the model fills, when it is not the task's.
    guide_model: type[BaseModel] | None = None
    # How the model points at its evidence, when it does not copy whole sentences; none: it copies them.
    cites: Citing | None = None


@dataclass(frozen=True)
class Citing:
    """How a model points at its evidence instead of copying whole sentences (extractor.extraction.citations).

    ``number``: the prompt shows the article's sentences numbered and the model cites the numbers; ``opening``:
    the model copies each sentence's opening words. Either way the harness puts the whole sentences back, and
    each answered event is validated as ``quoted`` (its evidence a list of sentences) before ``resolve`` reads it.
    """

    by: Literal["number", "opening"]
    quoted: type[BaseModel]


@dataclass(frozen=True)
class Column:
    """How the task phrases an event for a reader: a column of the table ``extract`` prints,
    a row of each source in the eval report's incident view.

    ``cell`` gives the value and a dimmer detail line ("" for none); the layout hints are Rich's.
    """

    header: str
    cell: Callable[[Mapping[str, Any]], tuple[str, str]]
    ratio: int | None = None
    min_width: int | None = None
    no_wrap: bool = False


# Groups a run's extracted events into incidents and scores them against the gold incident keys.
IncidentScorer = Callable[["Sequence[ArticleRecord]", "Mapping[str, GoldArticle]"], "IncidentEval"]


@dataclass(frozen=True)
class Task:
    name: str
    event_model: type[BaseModel]
    result_model: type[BaseModel]  # has a single list field ``events: list[event_model]``
    prompts_dir: Path
    corpus_dir: Path
    gold_dir: Path
    description: str = ""
    # The task's own rules, so the core stays generic (dotted paths into the event model):
    gold_required_fields: tuple[str, ...] = ()  # every gold event must state these
    same_event_fields: tuple[str, ...] = ()  # two gold events may not share all of these
    key_fields: tuple[str, ...] = ()  # how a comparison names an event to a reader
    columns: tuple[Column, ...] = ()  # none: the table shows each event's fields as they are stored
    incidents: IncidentScorer | None = None  # none: the task has no notion of one event reported twice
    resolvers: Mapping[str, Resolvers] = field(default_factory=dict, hash=False)
    # One article's events (event_model dicts) with those that are one event merged, whatever the
    # prompt: a small model lists an incident twice (headline and body) with or without resolvers.
    deduplicate: Callable[[Sequence[dict[str, Any]]], list[dict[str, Any]]] | None = field(default=None, hash=False)
    # An event as a prompt without resolvers answered it, and the publication date → the event with
    # the task's code rules applied (resolvers apply their own).
    refine: Callable[[dict[str, Any], dt.date | None], dict[str, Any]] | None = field(default=None, hash=False)
    # One article's events and the article → the events checked against its cleaned text (for every version,
    # after chunks are merged). The attack task drops what only an instruction to the model or a photo caption
    # states, then writes each event's country and perpetrator as the article names them.
    check_against_text: Callable[[Sequence[dict[str, Any]], Article], list[dict[str, Any]]] | None = field(
        default=None, hash=False
    )
    # Whether an event (event_model dict) answers for an item the model listed (an attack task: the place
    # is the event's site or area): a prompt's ``each`` turn asks only about items no event covers yet,
    # and keeps only the events of its answer that cover its item.
    covers: Callable[[str, Mapping[str, Any]], bool] | None = field(default=None, hash=False)
    # An article's text and the items the model listed → the items the text names that the list lacks, for a
    # prompt with ``items_from_text`` (an attack task: places named in sentences about violence).
    find_items: Callable[[str, Sequence[str]], list[str]] | None = field(default=None, hash=False)
    # Whether an item (listed or found) is worth a turn of its own in the article's text, asked with the first answer
    # in view (False) or again alone (True), for a prompt with ``items_checked`` (an attack task: a place the article
    # writes, not a people or a continent; asked alone, not a country).
    askable: Callable[[str, str, bool], bool] | None = field(default=None, hash=False)
    # An article's text and the events answered so far (event_model dicts, as the model gave them) → the sentences
    # that tell another incident than those, for a prompt with an ``each_sentence`` turn (an attack task: a sentence
    # about violence marked as another incident, "Elsewhere, …", that no answered event quotes).
    find_sentences: Callable[[str, Sequence[Mapping[str, Any]]], list[str]] | None = field(default=None, hash=False)
    # Whether an event (event_model dict) answers for a sentence a prompt's ``each_sentence`` turn asked about.
    quotes_sentence: Callable[[str, Mapping[str, Any]], bool] | None = field(default=None, hash=False)
    # The corpus splits this task's prompts, examples and code rules are chosen on. What was chosen there scores
    # higher on them than on articles it never saw (README, "The drafts on test"), so compare says so; the
    # other splits are reported, never chosen on.
    tuned_on: tuple[str, ...] = ()

    @property
    def schema_sha256(self) -> str:
        return schema_sha256(self.result_model)

    def resolvers_named(self, name: str | None) -> Resolvers | None:
        """The resolver set a prompt version names (``None``: the model's answer is the result)."""
        if name is None:
            return None
        if name not in self.resolvers:
            known = ", ".join(self.resolvers) or "none"
            raise PromptError(f"task {self.name!r} has no resolvers named {name!r} (known: {known})")
        return self.resolvers[name]

    def field_guide(self, resolvers: Resolvers | None = None) -> list[tuple[str, str]]:
        """(dotted field name, description) for every leaf field of the event model the model fills: the
        task's, or the one ``resolvers`` ask for instead."""
        return field_guide(resolvers.guide_model if resolvers and resolvers.guide_model else self.event_model)


def _checked_against_text(events: Sequence[dict[str, Any]], article: Article) -> list[dict[str, Any]]:
    text, published = article.text, article.meta.published
    # The injection guard first: an event or quote that only an instruction to the model states is gone before
    # its country and perpetrator are read against the text; so is an event only a photo caption states, or one
    # that names no act of violence.
    guarded = drop_aftermath_places(
        drop_reactions(
            drop_unacted(drop_photo_events(guard_events(events, text, published), text, article.cleaned.captions))
        )
    )
    placed = ground_countries(ground_sites(guarded, text), text)
    # A descriptor gets the article's name for it before common words are dropped as no name.
    # A toll copied into the target goes too, before the identity rule compares targets.
    named = drop_toll_targets(
        drop_victim_perpetrators(drop_descriptor_perpetrators(name_perpetrators(placed, text), text))
    )
    armed = ground_weapons(attribute_from_text(named, text), text)
    undated = (undate_publication_copy(event, text, published) for event in armed)
    # A statement's day goes before the article is read for the attack's own day.
    dated = day_stated_apart([undate_statement_day(event, text, published) for event in undated], text, published)
    completed = day_over_page_date(dated, text, published)
    for complete in (casualties_stated_apart, weapons_stated_apart, country_stated_apart):
        completed = complete(completed, text, published)
    # One attack told twice is merged once the countries are read (the identity rule compares them), and before the
    # area and the attacker are: an article's only event reads every sentence, one of several only its own. The
    # headline is read for the events as merged, and a count of munitions from their merged quotes.
    completed = count_stated_weapons(country_in_headline(told_once(completed), article.meta.title, text))
    for complete in (area_stated_apart, perpetrator_stated_apart):
        completed = complete(completed, text, published)
    return sub_national_areas(drop_group_tolls(completed))


def _stated_places(answer: type[BaseModel], event: type[BaseModel], cites: Citing | None = None) -> Resolvers:
    """v9's resolvers (places first, the derived fields left to code) for an answer whose events are ``event``."""
    return Resolvers(answer, refine_stated, items_field="places", guide_model=event, cites=cites)


ATTACKS = Task(
    name="attacks",
    event_model=AttackEvent,
    result_model=ArticleEvents,
    prompts_dir=PROJECT_ROOT / "prompts" / "attacks",
    corpus_dir=PROJECT_ROOT / "evals" / "attacks" / "articles",
    gold_dir=PROJECT_ROOT / "evals" / "attacks" / "gold",
    description="Attack events in news articles (evals/attacks/ANNOTATION.md).",
    gold_required_fields=GOLD_REQUIRED_FIELDS,
    same_event_fields=SAME_EVENT_FIELDS,
    key_fields=KEY_FIELDS,
    columns=(
        Column("when", attack_task.when, no_wrap=True),
        Column("where", attack_task.where, ratio=3),
        Column("who", attack_task.who, ratio=2),
        Column("what", attack_task.what, ratio=2, min_width=8),
        Column("outcome", attack_task.outcome, ratio=2, min_width=8),
    ),
    incidents=attack_task.score_incidents,
    resolvers={
        "attacks": Resolvers(AttackAnswers, resolve_article),
        "places": Resolvers(PlacedEvents, refine_placed, items_field="places"),
        "stated_places": _stated_places(PlacedStatements, StatedEvent),
        # v10-v12 (tried on dev, not kept): v9 but for how the evidence is given.
        "one_quote_places": _stated_places(OneQuoteStatements, OneQuoteEvent),
        "cited_places": _stated_places(CitedStatements, CitedEvent, Citing("number", quoted=StatedEvent)),
        "opened_places": _stated_places(OpenedStatements, OpenedEvent, Citing("opening", quoted=StatedEvent)),
    },
    deduplicate=settle_events,
    refine=refine_event,
    check_against_text=_checked_against_text,
    covers=covers_place,
    find_items=unlisted_places,
    askable=askable_place,
    find_sentences=told_later,
    quotes_sentence=quotes_sentence,
    tuned_on=("dev", "seeds"),
)

TASKS: dict[str, Task] = {ATTACKS.name: ATTACKS}


def get_task(name: str) -> Task:
    """A registered task by name, or ``package.module:ATTR`` for a user's own task."""
    if name in TASKS:
        return TASKS[name]
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            task = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InputError(f"cannot load task {name!r}: {exc}") from exc
        if not isinstance(task, Task):
            raise InputError(f"{name!r} is not an extractor.tasks.Task")
        return task
    raise InputError(f"unknown task {name!r} (known: {', '.join(TASKS)}; or give package.module:TASK)")
