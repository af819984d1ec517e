"""Per-field comparators, declared on the schema and used by the scorer.

A task's schema marks each scored field with ``Annotated[T, Compare(...)]``.
The marker lives in pydantic's field metadata, so it never reaches the JSON
schema the model sees. Everything here is pure: no I/O, no global state.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz


class Kind(StrEnum):
    EXACT = "exact"  # enums, counts: equal or not
    DATE = "date"  # same calendar day
    FUZZY = "fuzzy"  # names, places: normalised, then token similarity
    SET = "set"  # list of enum values: set precision / recall
    IGNORE = "ignore"  # kept in output, not scored (e.g. evidence, date_text)


@dataclass(frozen=True)
class Compare:
    """How a field is scored, and how much it weighs when aligning events.

    ``identify`` is the field's weight in the event-to-event similarity used
    for one-to-one alignment; 0 means the field does not identify an event.
    ``key``: when both sides fill this field and the values disagree, the two
    events are different events and cannot be aligned (two named bases, two countries).
    ``anchor``: the field is positive evidence of identity (a place or a day): a
    prediction may be aligned to a gold event only if the two state the same value
    in at least one anchor field. Two empty values are never evidence.
    """

    kind: Kind
    identify: float = 0.0
    key: bool = False
    anchor: bool = False
    threshold: float = 85.0  # FUZZY only: rapidfuzz score (0..100) that counts as equal


class FieldScore(BaseModel):
    """One field of one aligned pair: counts plus the why.

    ``tp``/``fp``/``fn`` are fractional for SET fields (set precision/recall
    contributes partial credit); for scalar fields they are 0 or 1. Either way a
    field weighs at most 1 on each side: ``tp + fp <= 1`` and ``tp + fn <= 1``,
    so a list of three weapons counts no more than one site.
    """

    model_config = ConfigDict(frozen=True)

    field: str
    tp: float
    fp: float
    fn: float
    predicted: Any
    gold: list[Any]
    explanation: str


_ARTICLES = re.compile(r"\b(the|a|an|al|el)\b")
_POSSESSIVE = re.compile(r"'s\b")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(value: str) -> str:
    """Case, accents, punctuation, hyphens and leading articles don't make a name differ.

    "al-Tanf" and "Al Tanf" and "the al Tanf" all become "tanf".
    """
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    # Only a trailing 's is a possessive: "'said" inside a quoted name must keep its s.
    text = _POSSESSIVE.sub("", text.replace("’", "'"))
    text = _NON_WORD.sub(" ", text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


# Compass words differ by a letter or two ("western"/"eastern" score 92 on plain ratio)
# yet name different places; each maps to its direction so "west" and "western" agree.
_DIRECTIONS = {
    "north": "n",
    "northern": "n",
    "south": "s",
    "southern": "s",
    "east": "e",
    "eastern": "e",
    "west": "w",
    "western": "w",
    "northeast": "ne",
    "northeastern": "ne",
    "northwest": "nw",
    "northwestern": "nw",
    "southeast": "se",
    "southeastern": "se",
    "southwest": "sw",
    "southwestern": "sw",
    "central": "c",
}


# "south-western" normalises to two words; as written it is the one direction "southwestern" names.
_SPLIT_COMPASS = re.compile(r"\b(north|south) (east|west)(ern)?\b")


def _directions(normalised: str) -> frozenset[str]:
    joined = _SPLIT_COMPASS.sub(r"\1\2\3", normalised)
    return frozenset(_DIRECTIONS[token] for token in joined.split() if token in _DIRECTIONS)


def fuzzy_equal(predicted: str, gold: str, threshold: float = 85.0) -> tuple[bool, float]:
    """Equal after normalisation, or similar enough that one is the other with
    extra or missing words ("al-Tanf" vs "al-Tanf garrison").

    Two names that both state a compass direction and disagree on it ("western
    Iraq" vs "eastern Iraq"), or that both carry numbers and disagree on them
    ("Tower 22" vs "Tower 21"), are near-identical strings but different places:
    never equal, and their score is halved.
    """
    a, b = normalise_text(predicted), normalise_text(gold)
    if not a or not b:
        return a == b, 100.0 if a == b else 0.0
    if a == b:
        return True, 100.0
    # token_set_ratio is 100 when one name's tokens contain the other's; plain ratio
    # catches spelling variants. Both are needed for names like "Ain al-Asad air base".
    score = float(max(fuzz.token_set_ratio(a, b), fuzz.ratio(a, b)))
    directions_a, directions_b = _directions(a), _directions(b)
    numbers_a, numbers_b = _numbers(a), _numbers(b)
    if (directions_a and directions_b and directions_a != directions_b) or (
        numbers_a and numbers_b and numbers_a != numbers_b
    ):
        return False, score / 2
    return score >= threshold, score


_NUMBER = re.compile(r"\d+")


def _numbers(text: str) -> list[int]:
    return [int(n) for n in _NUMBER.findall(text)]


def is_empty(value: Any) -> bool:
    """Whether a value means "not stated": ``None``, an empty list, or a blank string
    (a model that writes ``""`` instead of ``null`` has not stated a value either)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple, set, frozenset)) and len(value) == 0


def _as_date(value: Any) -> dt.date | None:
    """A calendar day, or None when the value is not one (an unparsable string from a
    raw prediction must compare unequal, not crash the scorer)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def values_equal(kind: Kind, predicted: Any, gold: Any, threshold: float = 85.0) -> bool:
    """Equality of two non-empty values under a comparator kind."""
    if kind is Kind.FUZZY:
        return fuzzy_equal(str(predicted), str(gold), threshold)[0]
    if kind is Kind.DATE:
        day = _as_date(predicted)
        return day is not None and day == _as_date(gold)
    if kind is Kind.SET:
        return _as_set(predicted) == _as_set(gold)
    return bool(_plain(predicted) == _plain(gold))


def _plain(value: Any) -> Any:
    # Any enum, not only StrEnum: a prediction may carry the member, gold the raw value.
    return value.value if isinstance(value, Enum) else value


def _as_set(value: Any) -> set[str]:
    return set(map(str, _plain_list(value)))


def similarity(kind: Kind, predicted: Any, gold_options: Sequence[Any], threshold: float = 85.0) -> float:
    """Soft agreement in [0, 1] for alignment: best over the gold alternatives."""
    best = 0.0
    for gold in gold_options:
        if is_empty(predicted) and is_empty(gold):
            best = max(best, 1.0)
        elif is_empty(predicted) or is_empty(gold):
            continue
        elif kind is Kind.FUZZY:
            best = max(best, fuzzy_equal(str(predicted), str(gold), threshold)[1] / 100.0)
        elif kind is Kind.SET:
            p, g = _as_set(predicted), _as_set(gold)
            best = max(best, len(p & g) / len(p | g))
        else:
            best = max(best, 1.0 if values_equal(kind, predicted, gold) else 0.0)
    return best


def score_field(field: str, compare: Compare, predicted: Any, gold_options: Sequence[Any]) -> FieldScore:
    """Score one field of an aligned pair.

    ``gold_options`` lists every acceptable gold value (``any_of`` and aliases
    expanded; ``None`` or ``[]`` among them means "not stated" is acceptable).
    A value where gold accepts only "not stated" is a false positive; an empty
    prediction where gold has a value is a miss; a wrong value is both. No
    options at all means "not stated".
    """
    options = list(gold_options) or [None]
    gold_allows_empty = any(is_empty(g) for g in options)
    filled = [g for g in options if not is_empty(g)]
    shown = [_jsonable(g) for g in options]

    if compare.kind is Kind.SET:
        return _score_set(field, predicted, options, shown)

    if is_empty(predicted):
        if gold_allows_empty:
            return FieldScore(
                field=field,
                tp=0,
                fp=0,
                fn=0,
                predicted=None,
                gold=shown,
                explanation="both empty: the article does not say",
            )
        return FieldScore(
            field=field, tp=0, fp=0, fn=1, predicted=None, gold=shown, explanation=f"missed: gold has {shown[0]!r}"
        )
    if not filled:
        return FieldScore(
            field=field,
            tp=0,
            fp=1,
            fn=0,
            predicted=_jsonable(predicted),
            gold=shown,
            explanation="spurious: gold says the article does not state it",
        )
    for gold in filled:
        if values_equal(compare.kind, predicted, gold, compare.threshold):
            return FieldScore(
                field=field,
                tp=1,
                fp=0,
                fn=0,
                predicted=_jsonable(predicted),
                gold=shown,
                explanation=f"match ({compare.kind.value}): {_jsonable(gold)!r}",
            )
    if gold_allows_empty:
        # Gold says "either this value or not stated": a wrong value is spurious, not a miss.
        return FieldScore(
            field=field,
            tp=0,
            fp=1,
            fn=0,
            predicted=_jsonable(predicted),
            gold=shown,
            explanation="wrong value; gold also accepts not stated",
        )
    return FieldScore(
        field=field,
        tp=0,
        fp=1,
        fn=1,
        predicted=_jsonable(predicted),
        gold=shown,
        explanation=f"wrong value ({compare.kind.value}): expected one of {shown}",
    )


def _score_set(field: str, predicted: Any, options: list[Any], shown: list[Any]) -> FieldScore:
    pred = _as_set(predicted)
    best: FieldScore | None = None
    for gold in options:
        g = _as_set(gold)
        # Dividing by the larger set keeps the field's weight at most 1 per side while
        # tp/(tp+fp) and tp/(tp+fn) stay the set precision and recall.
        size = max(len(pred), len(g), 1)
        tp = len(pred & g) / size
        fp = len(pred - g) / size
        fn = len(g - pred) / size
        if not pred and not g:
            why = "both empty"
        else:
            why = f"set: {sorted(pred & g)} matched, {sorted(pred - g)} extra, {sorted(g - pred)} missing"
        cand = FieldScore(field=field, tp=tp, fp=fp, fn=fn, predicted=sorted(pred), gold=shown, explanation=why)
        # Choose the alternative that is best for the prediction: fewest errors, then most hits.
        if best is None or (cand.fp + cand.fn, -cand.tp) < (best.fp + best.fn, -best.tp):
            best = cand
    assert best is not None
    return best


def _plain_list(value: Any) -> list[Any]:
    if is_empty(value):
        return []
    if isinstance(value, (str, Enum)):
        # A bare value where a list belongs (a raw prediction's "drone") is a one-element set,
        # not a set of characters.
        return [_plain(value)]
    return [_plain(v) for v in value]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value
