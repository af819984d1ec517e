"""What is valid in an answer that stayed invalid after its re-asks.

A small model re-asked about one bad value often gives it again ("Sunday" resolved to a day after
publication, three times). Failing the whole article then loses every other event and field it
answered well. So the last answer is kept with what fails left out: a field that fails is left
unstated (``null``) where the schema allows it; an item that breaks a rule across its fields
("injured=339 contradicts casualties='killed'") leaves unstated the first of its values whose
absence ends the error; an item of a list that still fails (a required field) is dropped. What was
left out is said, one note per change. An answer whose top level fails is not salvaged, nor one
whose every item of a list fails: "none valid" is not "none".
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)

# Each round removes or clears one thing, so an answer of N values needs at most N rounds: a bound
# keeps a pathological answer from looping, far above any real one.
_MAX_ROUNDS = 200


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(map(str, loc))


def _at(data: Any, path: tuple[int | str, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def _parent(data: Any, loc: tuple[int | str, ...]) -> Any:
    return _at(data, loc[:-1])


def _reachable(data: Any, loc: tuple[int | str, ...]) -> bool:
    try:
        parent = _parent(data, loc)
    except (KeyError, IndexError, TypeError):
        return False
    last = loc[-1]
    if isinstance(last, int):
        return isinstance(parent, list) and 0 <= last < len(parent)
    return isinstance(parent, dict) and last in parent


def _list_at(data: Any, path: tuple[int | str, ...]) -> list[Any] | None:
    """The list at ``path``; ``None`` when there is none there any more (its item was dropped)."""
    try:
        found = _at(data, path)
    except (KeyError, IndexError, TypeError):
        return None
    return found if isinstance(found, list) else None


def _first_error(model: type[BaseModel], data: Any, context: dict[str, Any] | None) -> tuple[int | str, ...] | None:
    try:
        model.model_validate(data, context=context)
    except ValidationError as exc:
        return tuple(exc.errors()[0]["loc"])
    return None


def _unstated_key(
    model: type[BaseModel], data: Any, item: tuple[int | str, ...], context: dict[str, Any] | None
) -> str | None:
    """The first field of the item at ``item`` (in its order) whose value, left unstated, ends the item's own
    error; ``None`` when no single one does."""
    fields = _at(data, item)
    if not isinstance(fields, dict):
        return None
    for key, value in list(fields.items()):
        if value is None or isinstance(value, (dict, list)):
            continue
        fields[key] = None
        error = _first_error(model, data, context)
        fields[key] = value
        if error is None or error[: len(item)] != item:
            return str(key)
    return None


def salvage(model: type[T], data: Any, context: dict[str, Any] | None = None) -> tuple[T, list[str]] | None:
    """``data`` validated as ``model`` with what fails left out, and what was left out (``"cleared
    events.0.date"``, ``"dropped events.1"``); ``None`` when what fails is the answer itself."""
    data = copy.deepcopy(data)
    notes: list[str] = []
    cleared: set[tuple[int | str, ...]] = set()
    dropped_from: set[tuple[int | str, ...]] = set()  # the lists items were dropped from
    for _ in range(_MAX_ROUNDS):
        try:
            value = model.model_validate(data, context=context)
        except ValidationError as exc:
            loc = tuple(exc.errors()[0]["loc"])
        else:
            # Every item of a list failing is no answer of "none": the model said there were some.
            return None if any(_list_at(data, path) == [] for path in dropped_from) else (value, notes)
        if loc and isinstance(loc[-1], str) and loc not in cleared and _reachable(data, loc):
            _parent(data, loc)[loc[-1]] = None
            cleared.add(loc)
            notes.append(f"cleared {_path(loc)}")
            continue
        # Null is not allowed there, or the rule spans the item: the innermost list item goes, unless
        # leaving one of its values unstated satisfies the rule ("injured=339 contradicts casualties='killed'").
        items = [i for i, step in enumerate(loc) if isinstance(step, int)]
        if not items or not _reachable(data, loc[: items[-1] + 1]):
            return None
        item = loc[: items[-1] + 1]
        if loc == item and (key := _unstated_key(model, data, item, context)) is not None:
            _parent(data, (*item, key))[key] = None
            cleared.add((*item, key))
            notes.append(f"cleared {_path((*item, key))}")
            continue
        del _parent(data, item)[item[-1]]
        dropped_from.add(item[:-1])
        # Later items moved up by one: what was cleared in them is to be learnt again.
        cleared = {c for c in cleared if c[: len(item) - 1] != item[:-1]}
        notes.append(f"dropped {_path(item)}")
    return None
