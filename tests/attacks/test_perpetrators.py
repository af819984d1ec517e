"""The perpetrator by the most specific name the article gives: the appositive rule's table."""

from __future__ import annotations

from typing import Any

import pytest

from extractor.attacks.perpetrators import (
    appositive_name,
    attribute_from_text,
    common_descriptor,
    drop_descriptor_perpetrators,
    drop_victim_perpetrators,
    is_peoples_adjective,
    is_victim,
    known_as_in_text,
    name_perpetrators,
)
from extractor.attacks.schemas import Attribution

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


@pytest.mark.parametrize(
    ("perpetrator", "evidence", "victim"),
    [
        pytest.param("Army Rangers", ["A roadside bomb killed one army ranger and wounded four others."], True,
                     id="dev 050: the ranger killed"),
        pytest.param("Journalist Iman al-Shanti and her son",
                     ["A separate attack in the Sheikh Radwan neighborhood claimed the lives of journalist Iman "
                      "al-Shanti and her son."], True, id="dev 049: the lives of"),
        pytest.param("Boko Haram", ["Boko Haram killed five soldiers; troops killed ten Boko Haram fighters."], False,
                     id="also named as the attacker"),
        pytest.param("Taliban", ["The Taliban attacked a checkpoint, killing two police officers."], False,
                     id="the subject"),
        pytest.param("Islamic State", ["Gunmen killed seven people."], False, id="not in the evidence"),
        pytest.param("Boko Haram", ["At least 12 civilians were killed in multiple Boko Haram attacks."], False,
                     id="dev 008: killed in their attacks"),
        pytest.param("ISWAP", ["Two people were killed by ISWAP fighters."], False, id="killed by"),
        pytest.param("pro-government militiaman", ["Six people were killed and scores injured at the home of a "
                     "pro-government militiaman."], True, id="dev 040: at the home of the one attacked"),
    ],
)  # fmt: skip
def test_is_victim(perpetrator: str, evidence: list[str], victim: bool) -> None:
    assert is_victim(perpetrator, evidence) is victim


def test_a_victim_is_no_perpetrator() -> None:
    event = {"perpetrator": "Army Rangers", "attribution": "attributed",
             "evidence": ["A roadside bomb killed one army ranger and wounded four others."]}  # fmt: skip
    assert drop_victim_perpetrators([event])[0] | {"evidence": []} == {
        "perpetrator": None, "attribution": "none", "evidence": []
    }  # fmt: skip
    kept = {"perpetrator": "Taliban", "attribution": "claimed", "evidence": ["The Taliban killed two."]}
    assert drop_victim_perpetrators([kept]) == [kept]


SOLDIERS = "Soldiers opened fire on the crowd. Two soldiers were later arrested."


@pytest.mark.parametrize(
    ("perpetrator", "text", "descriptor"),
    [
        pytest.param("criminal gangs", "Criminal gangs attacked the bus.", True, id="dev 087: common words"),
        pytest.param("unidentified armed individuals", "", True, id="dev 077: no capital at all"),
        pytest.param("Soldiers", SOLDIERS, True, id="dev 050: the article writes it in lower case too"),
        pytest.param("Soldiers", "Soldiers opened fire on the crowd.", False, id="only ever capitalised"),
        pytest.param("Hamas", "Hamas fired rockets; Hamas said so.", False, id="a name"),
        pytest.param("al-Shabaab", "al-Shabaab claimed it.", False, id="a capital inside the name"),
        pytest.param("US military", "The US military said it struck; it told us.", False, id="US is not us"),
        pytest.param("Israeli forces", "Israeli forces raided the camp.", False, id="a state's forces"),
        pytest.param("  ", "", False, id="blank"),
    ],
)  # fmt: skip
def test_common_descriptor(perpetrator: str, text: str, descriptor: bool) -> None:
    assert common_descriptor(perpetrator, text) is descriptor


def test_a_descriptor_is_no_perpetrator_and_a_named_one_stays() -> None:
    gangs = {"perpetrator": "criminal gangs", "attribution": "attributed", "evidence": []}
    taliban = {"perpetrator": "Taliban", "attribution": "claimed", "evidence": []}
    text = "Criminal gangs attacked the bus. The Taliban claimed another attack."
    assert drop_descriptor_perpetrators([gangs, taliban], text) == [
        {"perpetrator": None, "attribution": "none", "evidence": []},
        taliban,
    ]


def test_a_peoples_adjective_alone_is_no_perpetrator() -> None:
    # Dev 159: "Indonesian" answered as the attacker of the Jakarta attack (R6-A2).
    adjective = {"perpetrator": "Indonesian", "attribution": "claimed", "evidence": []}
    named = {"perpetrator": "Indonesian Mujahideen", "attribution": "claimed", "evidence": []}
    text = "Indonesian police said the attackers struck a police post."
    assert drop_descriptor_perpetrators([adjective, named], text) == [
        {"perpetrator": None, "attribution": "none", "evidence": []},
        named,
    ]


def test_a_descriptor_the_article_names_keeps_the_name() -> None:
    # The appositive rule runs first (the task's order): "an armed group, Ansar al-Sunna" is Ansar al-Sunna.
    event = {"perpetrator": "armed group", "attribution": "attributed", "evidence": []}
    text = "An armed group, Ansar al-Sunna, attacked the town."
    named = drop_descriptor_perpetrators(name_perpetrators([event], text), text)
    assert named[0]["perpetrator"] == "Ansar al-Sunna"


ATTACKED = "Militants attacked a police checkpoint late Saturday, killing two officers, authorities said."


@pytest.mark.parametrize(
    ("perpetrator", "evidence", "text", "known"),
    [
        pytest.param("Islamist al Shabaab militants", ["Al Shabaab militants stormed the base, officials said."],
                     "Al Shabaab militants stormed the base, officials said.\nAl Shabaab claimed responsibility.",
                     Attribution.CLAIMED, id="dev 045: the claim is its own sentence"),
        pytest.param("TTP", [ATTACKED],
                     f"{ATTACKED}\nThe outlawed group Tehreek-e-Taliban Pakistan, or TTP, claimed responsibility.",
                     Attribution.CLAIMED, id="dev 042: by its abbreviation"),
        pytest.param("NUG and People's Defence Force", ["Drones struck the capital."],
                     "Drones struck the capital. The NUG and the People's Defence Force claimed responsibility.",
                     Attribution.CLAIMED, id="dev 030: one of its parts"),
        pytest.param("Pakistani Taliban", [ATTACKED],
                     f"{ATTACKED} The Pakistani Taliban have reportedly claimed the attack.",
                     Attribution.ATTRIBUTED, id="G7a: the writer's hedge"),
        pytest.param("Taliban", [ATTACKED], f"{ATTACKED} No one claimed the attack, but police blamed the Taliban.",
                     Attribution.ATTRIBUTED, id="a claim denied: blamed"),
        pytest.param("Taliban", ["The Taliban attacked a checkpoint."],
                     "The Taliban attacked a checkpoint. The Taliban has not claimed the attack.", None,
                     id="a claim denied, the evidence names it"),
        pytest.param("journalists", ["ISIS claims the Kabul attack that killed journalists."],
                     "ISIS claims the Kabul attack that killed journalists.", None,
                     id="the claimer comes first"),
        pytest.param("Iran", ["A drone struck the base."],
                     "A drone struck the base. Iran-backed militias claimed responsibility.", None,
                     id="a compound is no mention: the text never says Iran"),
        pytest.param("Jalisco drug cartel", ["Gunmen opened fire in an arcade, authorities said."],
                     "Gunmen opened fire in an arcade, authorities said. The gunmen are believed to be from the "
                     "Jalisco drug cartel.", Attribution.SUSPECTED, id="dev 048: believed, away from the evidence"),
        pytest.param("Abu Sayyaf", ["A bomb exploded at a market."],
                     "A bomb exploded at a market. Police say Abu Sayyaf carried out the bombing.",
                     Attribution.ATTRIBUTED, id="named away from the evidence, no hedge"),
        pytest.param("Abu Sayyaf", ["Abu Sayyaf bombed a market, police said."],
                     "Abu Sayyaf bombed a market, police said. Abu Sayyaf is believed to hold hostages.", None,
                     id="the evidence names it: its words decide"),
        pytest.param("gunmen", ["Gunmen attacked."], "Gunmen attacked. Gunmen claimed it.", None,
                     id="a generic label names no one"),
    ],
)  # fmt: skip
def test_known_as_in_text(perpetrator: str, evidence: list[str], text: str, known: Attribution | None) -> None:
    assert known_as_in_text(perpetrator, evidence, text) == known


def test_attribute_from_text_changes_only_attribution() -> None:
    text = "Militants stormed the base.\nAl Shabaab claimed responsibility."
    events: list[dict[str, Any]] = [
        {"perpetrator": "al Shabaab", "attribution": "attributed", "evidence": ["Militants stormed the base."]},
        {"perpetrator": None, "attribution": "none", "evidence": ["Militants stormed the base."]},
    ]
    assert attribute_from_text(events, text) == [events[0] | {"attribution": "claimed"}, events[1]]


@pytest.mark.parametrize(
    ("perpetrator", "adjective"),
    [
        pytest.param("Indonesian", True, id="dev 159: a country's people"),
        pytest.param("Kurdish", True, id="dev 145: an -ish adjective"),
        pytest.param("British", True, id="British"),
        pytest.param("Parish", False, id="a name ending in -ish"),
        pytest.param("Kurdish militants", False, id="R6-A2: the label qualified is accepted"),
        pytest.param("Houthi", False, id="a movement's name"),
        pytest.param("Boko Haram", False, id="a group"),
        pytest.param("Islamic State", False, id="a state's word in a name"),
    ],
)
def test_is_peoples_adjective(perpetrator: str, adjective: bool) -> None:
    """R12-C3: a people's adjective alone names no actor."""
    assert is_peoples_adjective(perpetrator) is adjective
