"""What is kept of an answer that stayed invalid: a table over the attack schema's own rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from extractor.attacks.schemas import ArticleEvents
from extractor.extraction.salvage import salvage

CONTEXT = {"published": dt.date(2019, 2, 1)}


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "evidence": ["A bomb exploded near the market on Friday, killing two people."],
        "date_text": "Friday",
        "date": "2019-02-01",
        "location": {"site": "Jolo", "area": None, "country": "Philippines"},
        "perpetrator": None,
        "attribution": "none",
        "target": None,
        "weapons": ["explosive"],
        "weapon_count": None,
        "killed": 2,
        "injured": None,
        "casualties": "killed",
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("answered", "kept", "notes"),
    [
        pytest.param([event()], [event()], [], id="a valid answer is kept as it is"),
        pytest.param(
            [event(date="2019-02-03")],
            [event(date=None)],
            ["cleared events.0.date"],
            id="a day after publication (dev 012): the day is unstated, the event stays",
        ),
        pytest.param(
            [event(), event(killed=-4)],
            [event(), event(killed=None)],
            ["cleared events.1.killed"],
            id="an impossible count is unstated",
        ),
        pytest.param(
            [event(weapons=["explosive", "slingshot"])],
            [event(weapons=["explosive"])],
            ["dropped events.0.weapons.1"],
            id="a value outside the enum leaves the list",
        ),
        pytest.param(
            [event(casualties="none"), event(injured=339)],
            [event(casualties="none", killed=None), event(injured=None)],
            ["cleared events.0.killed", "cleared events.1.injured"],
            id="a rule across fields (test 027): the first value whose absence ends the error is unstated",
        ),
        pytest.param(
            [event(weapons=[]), event(location={"site": "Basilan", "area": None, "country": "Philippines"})],
            [event(location={"site": "Basilan", "area": None, "country": "Philippines"})],
            ["cleared events.0.weapons", "dropped events.0"],
            id="a required list left empty drops the item, and the next moves up",
        ),
        pytest.param(
            [event(), event(evidence=[])],
            [event()],
            ["cleared events.1.evidence", "dropped events.1"],
            id="a required field that fails drops its item",
        ),
    ],
)
def test_salvage(answered: list[dict[str, Any]], kept: list[dict[str, Any]], notes: list[str]) -> None:
    result = salvage(ArticleEvents, {"events": answered}, CONTEXT)
    assert result is not None
    value, said = result
    assert value.model_dump(mode="json")["events"] == kept
    assert said == notes


def test_an_answer_whose_top_level_fails_is_not_salvaged() -> None:
    assert salvage(ArticleEvents, {"events": "Jolo"}, CONTEXT) is None
    assert salvage(ArticleEvents, ["not", "an", "object"], CONTEXT) is None


def test_an_answer_whose_every_event_fails_is_not_salvaged_into_none() -> None:
    """The model said there were events; none valid is not "no events" (batch collect: no re-ask offline)."""
    assert salvage(ArticleEvents, {"events": [{"evidence": []}]}, CONTEXT) is None
    assert salvage(ArticleEvents, {"events": [event(evidence=[]), event(weapons=["slingshot"])]}, CONTEXT) is None
    assert salvage(ArticleEvents, {"events": []}, CONTEXT) is not None, "an answer of no events is valid as it is"


def test_the_answer_given_is_not_changed() -> None:
    answered = {"events": [event(killed=-1)]}
    salvage(ArticleEvents, answered, CONTEXT)
    assert answered["events"][0]["killed"] == -1
