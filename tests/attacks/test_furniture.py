"""Page furniture: an event only a photo caption or a label states is dropped, on the dev answers it fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extractor.attacks.furniture import drop_photo_events, is_furniture, is_label, named_in_body
from extractor.extraction.articles import clean_text, load_article
from extractor.tasks import ATTACKS

# Dev 082's opening, cut down: the photo's caption names the hospital and the city, the body the village.
WEST_BANK = (
    "Israeli settlers rampage through West Bank village\n\n"
    "A Palestinian wounded in a settler rampage is transported at the Palestine Medical Complex in the West Bank city "
    "of Ramallah, on Friday.\n(Nasser Nasser / Associated Press)\n\n"
    "Dozens of angry Israeli settlers stormed into a Palestinian village in the Israeli-occupied West Bank on Friday. "
    "Yesh Din said settlers stormed into the village of Al Mughayyir late Friday.\n"
)
CAPTION = (
    "A Palestinian wounded in a settler rampage is transported at the Palestine Medical Complex in the West Bank city "
    "of Ramallah, on Friday."
)
BODY = "Yesh Din said settlers stormed into the village of Al Mughayyir late Friday."
# Dev 085: a hard-wrapped wire story whose caption names Kabul, as its dateline does; the body never does.
KABUL = (
    "Danielle Bell, director of the Human Rights Unit, speaks during a press conference in Kabul,\n"
    "Afghanistan, Aug. 5, 2015. Altogether 1,592 Afghan civilians were killed, the UN said. (Xinhua/Rahmin)\n"
    "KABUL, Aug. 5 (Xinhua) -- Some 1,592 Afghan civilians were killed as a\n"
    "result of armed conflicts in the first half of this year, a UN mission said.\n"
)


def _event(site: str | None, *quotes: str, area: str | None = None) -> dict[str, Any]:
    return {"location": {"site": site, "area": area, "country": None}, "evidence": list(quotes)}


def _check(events: list[dict[str, Any]], original: str) -> list[dict[str, Any]]:
    cleaned = clean_text(original)
    return drop_photo_events(events, cleaned.text, cleaned.captions)


@pytest.mark.parametrize(
    ("quote", "label"),
    [
        ("Fast News", True),
        ("3 min read", True),
        ("Arif Ali", True),
        ("Drone strike kills two", False),  # a headline states an act
        ("Two people were killed when a drone hit a car near Tyre.", False),
        ("", False),
    ],
)
def test_is_label(quote: str, label: bool) -> None:
    assert is_label(quote) is label


def test_a_quote_inside_a_caption_is_furniture_and_one_in_the_body_is_not() -> None:
    cleaned = clean_text(WEST_BANK)
    assert is_furniture(CAPTION, cleaned.text, cleaned.captions)
    assert not is_furniture(BODY, cleaned.text, cleaned.captions)
    assert not is_furniture("a sentence the article does not hold at all", cleaned.text, cleaned.captions)


def test_a_place_only_the_caption_or_the_dateline_names_is_not_named_in_the_body() -> None:
    cleaned = clean_text(WEST_BANK)
    assert not named_in_body("Ramallah", cleaned.text, cleaned.captions)
    assert named_in_body("Al Mughayyir", cleaned.text, cleaned.captions)
    kabul = clean_text(KABUL)
    assert not named_in_body("Kabul", kabul.text, kabul.captions)


@pytest.mark.parametrize(
    ("event", "kept"),
    [
        pytest.param(_event("Palestine Medical Complex", CAPTION), False, id="dev 082: the hospital in the caption"),
        pytest.param(
            _event("Ramallah", CAPTION, area="West Bank"), False, id="the site decides, not an area the body names"
        ),
        pytest.param(_event("Al Mughayyir", CAPTION), True, id="quoted from the caption, at the body's village"),
        pytest.param(_event("Ramallah", CAPTION, BODY), True, id="one quote from the body keeps it"),
        pytest.param(_event(None, "3 min read"), False, id="a label and no place"),
        pytest.param(_event(None), True, id="no quote: the injection guard's business"),
    ],
)
def test_drop_photo_events(event: dict[str, Any], kept: bool) -> None:
    assert _check([event], WEST_BANK) == ([event] if kept else [])


def test_a_caption_at_a_place_the_dateline_names_is_dropped() -> None:
    quote = "Danielle Bell, director of the Human Rights Unit, speaks during a press conference in Kabul,"
    assert _check([_event("Kabul", quote)], KABUL) == []


def test_the_attack_task_checks_every_version_s_events_for_captions(tmp_path: Path) -> None:
    path = tmp_path / "082.txt"
    path.write_text(WEST_BANK, encoding="utf-8")
    article = load_article(path)
    hospital = {**_event("Palestine Medical Complex", CAPTION), "date": None, "perpetrator": None}
    village = {**_event("Al Mughayyir", BODY), "date": None, "perpetrator": None}
    assert ATTACKS.check_against_text is not None
    checked = ATTACKS.check_against_text([hospital, village], article)
    assert [event["location"]["site"] for event in checked] == ["Al Mughayyir"]
