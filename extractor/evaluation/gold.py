"""Gold labels: load one YAML file per article and check it against the guideline.

The format is ``evals/attacks/gold/FORMAT.md``. Loading converts every value,
and every alternative, with the schema field's own type (dates become
``datetime.date``, enum values become the enum), so a typo is a
:class:`GoldError` that names the file, the event and the field. Problems that
a reviewer fixes by editing labels (missing fields, evidence that is not in
the article, duplicate events) are reported by :func:`check_gold`, one line
each, instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, cast

import annotated_types
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, computed_field
from pydantic.fields import FieldInfo

from extractor.comparators import Kind, is_empty, values_equal
from extractor.errors import GoldError
from extractor.fields import compare_marker, schema_fields
from extractor.runs import load_yaml

EVIDENCE = "evidence"
# Keys of a gold event that are not schema fields (``evidence`` is both: the gold's
# own list, kept apart from the values that are scored).
GOLD_ONLY_KEYS = ("id", "incident", "optional", EVIDENCE)
ARTICLE_KEYS = ("article", "published", "notes", "events")


class GoldEvent(BaseModel):
    """One gold event. ``fields`` maps each dotted schema path to every acceptable value."""

    model_config = ConfigDict(frozen=True)

    id: str
    incident: str
    optional: bool = False
    fields: dict[str, list[Any]] = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list)


class GoldArticle(BaseModel):
    """The gold labels of one article."""

    model_config = ConfigDict(frozen=True)

    article: str
    published: dt.date
    events: list[GoldEvent] = Field(default_factory=list)
    notes: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def article_id(self) -> str:
        return Path(self.article).stem


# --------------------------------------------------------------------------- schema


def _value_adapter(info: FieldInfo) -> TypeAdapter[Any]:
    # MinLen is left out so that an empty list loads and check_gold can report
    # "no weapons" with the guideline's words rather than pydantic's.
    annotation: Any = info.annotation
    constraints = [m for m in info.metadata if not isinstance(m, annotated_types.MinLen)]
    if not constraints:
        return TypeAdapter(annotation)
    return TypeAdapter(cast(Any, Annotated)[(annotation, *constraints)])


# --------------------------------------------------------------------------- loading


def load_gold(path: Path, event_model: type[BaseModel]) -> GoldArticle:
    """Read and validate one gold YAML file; raise :class:`GoldError` naming what is wrong."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise GoldError(f"{path}: cannot read gold file: {exc}") from exc
    return _load_gold(path, stat.st_mtime_ns, stat.st_size, event_model)


# An eval reads its gold for scoring and again for its report, and compare for every run;
# a file is parsed once per process unless it changes (its mtime and size are in the key).
@functools.lru_cache(maxsize=4096)
def _load_gold(path: Path, _mtime_ns: int, _size: int, event_model: type[BaseModel]) -> GoldArticle:
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldError(f"{path}: cannot read gold file: {exc}") from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GoldError(f"{path}: not valid UTF-8 YAML: {exc}") from exc
    return parse_gold(raw, event_model, source=path)


def parse_gold(raw: Any, event_model: type[BaseModel], *, source: Path) -> GoldArticle:
    """Build a :class:`GoldArticle` from already-parsed YAML (``source`` names it in errors)."""
    if not isinstance(raw, dict):
        raise GoldError(f"{source}: a gold file must be a mapping with keys {', '.join(ARTICLE_KEYS)}")
    unknown = sorted(set(map(str, raw)) - set(ARTICLE_KEYS))
    if unknown:
        raise GoldError(f"{source}: unknown top-level keys {unknown} (expected {', '.join(ARTICLE_KEYS)})")
    article = raw.get("article")
    if not isinstance(article, str) or not article:
        raise GoldError(f"{source}: 'article' must name the article file, e.g. {source.stem}.txt")
    if Path(article).stem != source.stem:
        raise GoldError(f"{source}: gold file is named after article {source.stem!r} but 'article' is {article!r}")
    published = _validate(TypeAdapter(dt.date), raw.get("published"), f"{source}: 'published'")
    notes = raw.get("notes") or ""
    if not isinstance(notes, str):
        raise GoldError(f"{source}: 'notes' must be text")
    events_raw = raw.get("events") or []
    if not isinstance(events_raw, list):
        raise GoldError(f"{source}: 'events' must be a list")
    parser = _EventParser(event_model, source)
    events = [parser.parse(item, position) for position, item in enumerate(events_raw, start=1)]
    return GoldArticle(article=article, published=published, events=events, notes=notes)


def load_gold_dir(gold_dir: Path, event_model: type[BaseModel]) -> dict[str, GoldArticle]:
    """Every ``*.yaml`` / ``*.yml`` gold file in ``gold_dir``, keyed by article id."""
    if not gold_dir.is_dir():
        raise GoldError(f"{gold_dir}: gold directory does not exist")
    paths = sorted([*gold_dir.glob("*.yaml"), *gold_dir.glob("*.yml")])
    golds: dict[str, GoldArticle] = {}
    for path in paths:
        gold = load_gold(path, event_model)
        if gold.article_id in golds:
            raise GoldError(f"{path}: a second gold file for article {gold.article_id!r}")
        golds[gold.article_id] = gold
    return golds


class _EventParser:
    """Turns one YAML event mapping into a :class:`GoldEvent` for one schema."""

    def __init__(self, event_model: type[BaseModel], source: Path) -> None:
        self.source = source
        self.leaves = {path: info for path, info in schema_fields(event_model).items() if path != EVIDENCE}
        self.adapters = {path: _value_adapter(info) for path, info in self.leaves.items()}
        self.branches = {path.rsplit(".", 1)[0] for path in self.leaves if "." in path}

    def parse(self, raw: Any, position: int) -> GoldEvent:
        where = f"{self.source}: event #{position}"
        if not isinstance(raw, dict):
            raise GoldError(f"{where}: an event must be a mapping")
        event_id = raw.get("id")
        if not isinstance(event_id, str) or not event_id:
            raise GoldError(f"{where}: 'id' must be a non-empty string such as e1")
        where = f"{self.source}: event {event_id}"
        incident = raw.get("incident")
        if not isinstance(incident, str) or not incident:
            raise GoldError(f"{where}: 'incident' must be a non-empty string such as 2023-10-23-al-tanf")
        optional = raw.get("optional", False)
        if not isinstance(optional, bool):
            raise GoldError(f"{where}: 'optional' must be true or false")
        evidence = raw.get(EVIDENCE) or []
        if not isinstance(evidence, list) or not all(isinstance(q, str) for q in evidence):
            raise GoldError(f"{where}: 'evidence' must be a list of quoted strings")
        values = {k: v for k, v in raw.items() if k not in GOLD_ONLY_KEYS}
        fields: dict[str, list[Any]] = {}
        self._collect(values, "", fields, where)
        return GoldEvent(id=event_id, incident=incident, optional=optional, fields=fields, evidence=evidence)

    def _collect(self, values: Mapping[Any, Any], prefix: str, out: dict[str, list[Any]], where: str) -> None:
        for key, value in values.items():
            path = f"{prefix}{key}"
            if path in self.leaves:
                out[path] = self._alternatives(path, value, where)
            elif path in self.branches:
                if not isinstance(value, dict):
                    raise GoldError(f"{where}: field {path!r} must be a mapping of its sub-fields")
                self._collect(value, f"{path}.", out, where)
            else:
                known = sorted([*self.leaves, *self.branches])
                raise GoldError(f"{where}: unknown field {path!r} (schema fields: {', '.join(known)})")

    def _alternatives(self, path: str, value: Any, where: str) -> list[Any]:
        adapter = self.adapters[path]
        label = f"{where}: field {path!r}"
        return [_validate(adapter, option, label) for option in _options(value, label)]


def _options(value: Any, label: str) -> list[Any]:
    """Every acceptable value written in one gold field, before validation."""
    if not isinstance(value, dict):
        return [value]
    if set(value) == {"any_of"}:
        choices = value["any_of"]
        if not isinstance(choices, list) or not choices:
            raise GoldError(f"{label}: 'any_of' must be a non-empty list of values")
        return [option for choice in choices for option in _options(choice, label)]
    if "value" in value and set(value) <= {"value", "aliases"}:
        aliases = value.get("aliases") or []
        if not isinstance(aliases, list):
            raise GoldError(f"{label}: 'aliases' must be a list")
        return [value["value"], *aliases]
    raise GoldError(
        f"{label}: expected a value, a mapping {{value, aliases}} or a mapping {{any_of}}; got keys {sorted(value)}"
    )


def _validate(adapter: TypeAdapter[Any], value: Any, label: str) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        reason = "; ".join(error["msg"] for error in exc.errors())
        raise GoldError(f"{label}: {value!r} is not valid: {reason}") from exc


# --------------------------------------------------------------------------- checking


def check_gold(
    gold: GoldArticle,
    article_text: str,
    event_model: type[BaseModel],
    *,
    required_fields: Sequence[str] = (),
    same_event_fields: Sequence[str] = (),
) -> list[str]:
    """Every way ``gold`` breaks the guideline, one line each (empty when it passes).

    Required fields are ``required_fields`` plus those the schema itself demands to
    be non-empty (a ``min_length`` constraint); ``same_event_fields`` are the fields
    that two non-optional events may not all share (for attacks: attacker, place and
    day). A task declares both (:class:`extractor.tasks.Task`).
    Paths the schema lacks are ignored in both.
    """
    leaves = schema_fields(event_model)
    # The gold is also an answer: a retrieved few-shot example shows it as the schema's answer (examples.py), so it
    # may hold no more quotes than the schema takes.
    evidence = leaves.get(EVIDENCE)
    most = (
        next((m.max_length for m in evidence.metadata if isinstance(m, annotated_types.MaxLen)), None)
        if evidence
        else None
    )
    problems = _duplicate_ids(gold)
    for event in gold.events:
        where = f"{gold.article}: {event.id}"
        problems += _missing_fields(event, leaves, where)
        problems += _evidence_problems(event, article_text, where, most)
        problems += _empty_required(event, _required_paths(leaves, required_fields), where)
        problems += _dates_after_publication(event, gold.published, leaves, where)
    problems += _same_event_twice(gold, [p for p in same_event_fields if p in leaves], leaves)
    return problems


def _duplicate_ids(gold: GoldArticle) -> list[str]:
    counts = Counter(event.id for event in gold.events)
    return [f"{gold.article}: id {event_id!r} is used by {n} events" for event_id, n in counts.items() if n > 1]


def _missing_fields(event: GoldEvent, leaves: Mapping[str, FieldInfo], where: str) -> list[str]:
    missing = [path for path in leaves if path != EVIDENCE and path not in event.fields]
    return [f"{where}: missing field {path!r} (write null or [] when the article does not say)" for path in missing]


def _evidence_problems(event: GoldEvent, article_text: str, where: str, most: int | None) -> list[str]:
    if not event.evidence:
        return [f"{where}: no evidence quote (every event needs at least one)"]
    problems = [
        f"{where}: evidence is not an exact substring of the article: {quote!r}"
        for quote in event.evidence
        if not quote or quote not in article_text
    ]
    if most is not None and len(event.evidence) > most:
        problems.append(f"{where}: {len(event.evidence)} evidence quotes; the schema's answer takes at most {most}")
    return problems


def _required_paths(leaves: Mapping[str, FieldInfo], required_fields: Sequence[str]) -> list[str]:
    demanded = [
        path
        for path, info in leaves.items()
        if path != EVIDENCE and any(isinstance(m, annotated_types.MinLen) and m.min_length > 0 for m in info.metadata)
    ]
    return list(dict.fromkeys([*(p for p in required_fields if p in leaves), *demanded]))


def _empty_required(event: GoldEvent, required: Sequence[str], where: str) -> list[str]:
    # A required field must have a value under every reading: an alternative that is
    # empty would let "not stated" through.
    return [
        f"{where}: {path!r} must have a value (every event needs one)"
        for path in required
        if path in event.fields and any(is_empty(option) for option in event.fields[path])
    ]


def _dates_after_publication(
    event: GoldEvent, published: dt.date, leaves: Mapping[str, FieldInfo], where: str
) -> list[str]:
    date_paths = [path for path, info in leaves.items() if _kind(info) is Kind.DATE]
    return [
        f"{where}: {path} {option.isoformat()} is after the publication date {published.isoformat()}"
        for path in date_paths
        for option in event.fields.get(path, [])
        if isinstance(option, dt.date) and option > published
    ]


def _kind(info: FieldInfo) -> Kind | None:
    marker = compare_marker(info)
    return None if marker is None else marker.kind


def _same_event_twice(gold: GoldArticle, paths: Sequence[str], leaves: Mapping[str, FieldInfo]) -> list[str]:
    """Pairs of non-optional events whose first (canonical) values agree on every path."""
    if not paths:
        return []
    required = [event for event in gold.events if not event.optional]
    problems = []
    for i, first in enumerate(required):
        for second in required[i + 1 :]:
            if all(_canonical_agree(first, second, path, leaves[path]) for path in paths):
                shared = ", ".join(f"{path}={_canonical(first, path)!r}" for path in paths)
                problems.append(
                    f"{gold.article}: {first.id} and {second.id} share {shared}: "
                    "one event per attacker, place and day (merge them or mark one optional)"
                )
    return problems


def _canonical(event: GoldEvent, path: str) -> Any:
    options = event.fields.get(path) or [None]
    return options[0]


def _canonical_agree(first: GoldEvent, second: GoldEvent, path: str, info: FieldInfo) -> bool:
    a, b = _canonical(first, path), _canonical(second, path)
    if is_empty(a) or is_empty(b):
        return is_empty(a) and is_empty(b)
    marker = compare_marker(info)
    if marker is None:
        return bool(a == b)
    # The scorer's own equality: "al-Tanf" and "al-Tanf garrison" are one place here
    # exactly when the scorer would treat them as one.
    return values_equal(marker.kind, a, b, marker.threshold)
