"""The attack-event schema: what the validators reject, so that instructor can re-ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from extractor.attacks.schemas import MAX_EVENTS, ArticleEvents, AttackEvent
from extractor.comparators import Compare, Kind
from extractor.fields import field_specs
from tests.extraction.test_client import event

PUBLISHED = {"published": dt.date(2023, 10, 23)}


def _invalid(message: str, **overrides: Any) -> None:
    with pytest.raises(ValidationError, match=message):
        AttackEvent.model_validate(event(**overrides), context=PUBLISHED)


def test_a_valid_event_passes_and_duplicate_weapons_collapse() -> None:
    parsed = AttackEvent.model_validate(event(weapons=["drone", "drone", "rocket"]), context=PUBLISHED)
    assert [w.value for w in parsed.weapons] == ["drone", "rocket"]


def test_impossible_values_are_rejected() -> None:
    _invalid("after the article's publication date", date="2023-10-24")
    _invalid("greater than or equal to 0", killed=-1)
    _invalid("greater than or equal to 0", weapon_count=-2)
    _invalid("Input should be 'drone'", weapons=["laser"])
    _invalid("Input should be 'claimed'", attribution="rumoured")
    _invalid("at least 1 item", evidence=[])
    _invalid("at least 1 item", weapons=[])
    _invalid("killed=3 contradicts casualties='none'", killed=3, casualties="none")
    _invalid("injured=2 contradicts casualties='killed'", injured=2, casualties="killed")
    _invalid("Extra inputs are not permitted", confidence=0.9)


def test_every_field_must_be_written_even_when_null() -> None:
    """Required-but-nullable: the grammar makes a small model write every key, not skip it."""
    data = event()
    del data["target"]
    with pytest.raises(ValidationError, match="target"):
        AttackEvent.model_validate(data, context=PUBLISHED)


def test_without_a_publication_date_any_past_or_future_date_is_accepted() -> None:
    assert AttackEvent.model_validate(event(date="2030-01-01")).date == dt.date(2030, 1, 1)


def test_article_result_is_bounded() -> None:
    with pytest.raises(ValidationError, match=f"at most {MAX_EVENTS} items"):
        ArticleEvents.model_validate({"events": [event()] * (MAX_EVENTS + 1)}, context=PUBLISHED)


def test_comparators_are_declared_on_the_schema_and_hidden_from_the_model() -> None:
    specs = field_specs(AttackEvent)
    assert specs["location.site"] == Compare(Kind.FUZZY, identify=3.0, key=True, anchor=True)
    assert specs["weapons"].kind is Kind.SET
    assert specs["date"].kind is Kind.DATE
    assert specs["killed"].kind is Kind.EXACT
    assert "Compare" not in str(ArticleEvents.model_json_schema())
    # Evidence is the schema's first field: the model quotes before it fills the rest.
    assert next(iter(AttackEvent.model_fields)) == "evidence"
