from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from extractor.attacks.schemas import AttackEvent
from extractor.comparators import Compare, Kind
from extractor.fields import field_guide, field_specs, flatten, nested_model, schema_fields
from extractor.tasks import ATTACKS


class Place(BaseModel):
    site: Annotated[str | None, Compare(Kind.FUZZY, identify=1.0)] = Field(default=None, description="the base")


class Sighting(BaseModel):
    evidence: Annotated[list[str], Compare(Kind.IGNORE)] = Field(description="quotes")
    place: Place | None = Field(default=None, description="where")  # optional nested model
    count: Annotated[int | None, Compare(Kind.EXACT)] = Field(default=None, description="how many")


def test_an_optional_nested_model_is_walked_like_a_required_one() -> None:
    assert nested_model(Place | None) is Place
    assert nested_model(int | None) is None
    assert list(schema_fields(Sighting)) == ["evidence", "place.site", "count"]


def test_the_prompt_describes_exactly_the_fields_the_scorer_compares() -> None:
    guide = dict(field_guide(Sighting))
    assert guide == {"evidence": "quotes", "place.site": "the base", "count": "how many"}
    assert set(field_specs(Sighting)) <= set(guide)  # every scored field is described
    assert set(field_specs(Sighting)) == {"place.site", "count"}


def test_the_attack_task_guide_covers_every_scored_field() -> None:
    guide = dict(ATTACKS.field_guide())
    assert set(field_specs(AttackEvent)) <= set(guide)
    assert all(guide[path] for path in field_specs(AttackEvent))  # none undescribed


def test_flatten_walks_models_and_mappings_alike() -> None:
    event = Sighting(evidence=["a"], place=Place(site="al-Tanf"), count=2)
    assert flatten(event) == {"evidence": ["a"], "place.site": "al-Tanf", "count": 2}
    assert flatten(event.model_dump()) == flatten(event)
