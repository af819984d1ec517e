"""The perpetrator by the most specific name the article gives: the appositive rule's table."""

from __future__ import annotations

from typing import Any

import pytest

from extractor.attacks.perpetrators import appositive_name, name_perpetrators

NUG = (
    "Myanmar’s shadow government, the National Unity Government (NUG), and the anti-military armed group "
    "People’s Defence Force claimed responsibility."
)


@pytest.mark.parametrize(
    ("perpetrator", "text", "named"),
    [
        pytest.param("Shadow government", NUG, "National Unity Government", id="dev 030: the name after the comma"),
        pytest.param(
            "armed group", "An armed group, Ansar al-Sunna, attacked the town.", "Ansar al-Sunna", id="no the"
        ),
        pytest.param("gunmen", "Gunmen, who fled on motorcycles, attacked.", None, id="a clause is no name"),
        pytest.param("militants", "Militants attacked the post on Monday.", None, id="no appositive"),
        pytest.param("Islamic State", "Islamic State, the group said, attacked.", None, id="a name already"),
        pytest.param("shadow government", "The shadow government, the army said, lost.", None, id="the speaker"),
    ],
)
def test_appositive_name(perpetrator: str, text: str, named: str | None) -> None:
    assert appositive_name(perpetrator, text) == named


def test_name_perpetrators_leaves_events_without_one_alone() -> None:
    events: list[dict[str, Any]] = [{"perpetrator": None}, {"perpetrator": "Shadow government"}]
    assert name_perpetrators(events, NUG) == [{"perpetrator": None}, {"perpetrator": "National Unity Government"}]
