"""What a task's event schema is made of: its leaf fields by dotted path.

The one walk over a pydantic event model. The gold loader, the scorer, the
chunk merger, the incident builder and the prompt's field guide all see the
same leaves (``location.site``), with ``Model | None`` unwrapped the same way,
so the field the prompt describes is the field the scorer compares.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from extractor.comparators import Compare, Kind


def schema_fields(event_model: type[BaseModel]) -> dict[str, FieldInfo]:
    """Every leaf field of the schema by dotted path (``location.site``); nested models are walked."""
    leaves: dict[str, FieldInfo] = {}
    for name, info in event_model.model_fields.items():
        nested = nested_model(info.annotation)
        if nested is None:
            leaves[name] = info
        else:
            leaves.update({f"{name}.{path}": leaf for path, leaf in schema_fields(nested).items()})
    return leaves


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model behind ``Model`` or ``Model | None``; None for a leaf type."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return nested_model(members[0])
    return None


def field_guide(event_model: type[BaseModel]) -> list[tuple[str, str]]:
    """(dotted field name, description) for every leaf field, as the prompt shows them."""
    return list(_field_guide(event_model))


@functools.cache  # rendered into every prompt; a schema does not change once its class exists
def _field_guide(event_model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    return tuple((path, info.description or "") for path, info in schema_fields(event_model).items())


def compare_marker(info: FieldInfo) -> Compare | None:
    """The field's ``Compare`` marker from its ``Annotated`` metadata, if it has one."""
    return next((m for m in info.metadata if isinstance(m, Compare)), None)


def field_specs(event_model: type[BaseModel]) -> dict[str, Compare]:
    """``Compare`` marker of every marked leaf field, by dotted path.

    ``Kind.IGNORE`` fields are left out unless they carry an identify weight
    (they may help alignment, but are never scored). Unmarked fields are not scored.
    """
    specs: dict[str, Compare] = {}
    for path, info in schema_fields(event_model).items():
        marker = compare_marker(info)
        if marker is None or (marker.kind is Kind.IGNORE and marker.identify <= 0):
            continue
        specs[path] = marker
    return specs


def scored_fields(specs: Mapping[str, Compare]) -> dict[str, Compare]:
    return {path: spec for path, spec in specs.items() if spec.kind is not Kind.IGNORE}


def flatten(event: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """Leaf values by dotted path; nested models and mappings are walked."""
    items = (
        {name: getattr(event, name) for name in type(event).model_fields}
        if isinstance(event, BaseModel)
        else dict(event)
    )
    flat: dict[str, Any] = {}
    for name, value in items.items():
        if isinstance(value, (BaseModel, Mapping)):
            flat.update({f"{name}.{path}": leaf for path, leaf in flatten(value).items()})
        else:
            flat[name] = value
    return flat
