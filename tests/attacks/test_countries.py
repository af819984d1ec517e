"""The country an article names: lookups, and the rule's table taken from answers the model gave on dev."""

from __future__ import annotations

import re
from typing import Any

import pytest

from extractor.attacks.countries import (
    as_written,
    countries_named,
    country_code,
    country_display,
    direction_of_country,
    ground_countries,
    is_demonym,
    is_sub_national,
    named_countries,
    names_a_town,
    placed_country,
    sole_subdivision_country,
    sub_national_areas,
    subdivision_countries,
    town_countries,
)
from extractor.evaluation.gold import load_gold_dir
from extractor.evaluation.scoring import gold_options
from extractor.tasks import ATTACKS


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Syria", "SY"),
        ("Syrian Arab Republic", "SY"),
        ("Russia", "RU"),
        ("DRC", "CD"),
        ("Democratic Republic of Congo", "CD"),
        ("Gaza Strip", "PS"),
        ("West Bank", "PS"),
        ("CAR", "CF"),
        ("the United States", "US"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
        ("Zamfara State", None),
        ("Saudia Arabia", None),
        ("Western Sudan", None),
        ("", None),
        (None, None),
    ],
)
def test_country_code(name: str | None, code: str | None) -> None:
    assert country_code(name) == code


def test_countries_named_in_order_and_as_written_longest_name_first() -> None:
    text = "Gunmen crossed from Niger into Nigeria; the DRC and Turkey condemned it. A turkey is a bird."
    assert countries_named(text) == [("NE", "Niger"), ("NG", "Nigeria"), ("CD", "DRC"), ("TR", "Turkey")]
    # "CAR" names the Central African Republic only in capitals: a car bomb names no country (a headline all in
    # capitals, "CAR BOMB", would, as "US" in one does).
    assert countries_named("A car bomb in northern CAR. Car Bomb Kills 5.") == [("CF", "CAR")]


def test_a_subdivision_gives_its_country_whatever_its_kind_word() -> None:
    assert subdivision_countries("Zamfara State") == {"NG"}
    assert subdivision_countries("Zamfara") == {"NG"}
    assert subdivision_countries("Camp Verity") == frozenset()


def event(site: str | None, area: str | None, country: str | None, evidence: str = "An attack.") -> dict[str, Any]:
    return {"evidence": [evidence], "location": {"site": site, "area": area, "country": country}}


def located(events: list[dict[str, Any]]) -> list[tuple[str | None, ...]]:
    return [tuple(e["location"][k] for k in ("site", "area", "country")) for e in events]


@pytest.mark.parametrize(
    ("answered", "text", "expected"),
    [
        pytest.param(
            ("Gidan Zuma", "Bungudu Local Government Area of Zamfara State", "Zamfara State"),
            "Bandits attacked Gidan Zuma in Zamfara State, in north-west Nigeria.",
            ("Gidan Zuma", "Bungudu Local Government Area of Zamfara State", "Nigeria"),
            id="a state as the country: the country it is a state of",
        ),
        pytest.param(
            ("Aden", "Yemen", "Saudia Arabia"),
            "A ship was hit off the coast of Yemen. Saudi Arabia leads the coalition.",
            ("Aden", None, "Yemen"),
            id="a misspelled country the area corrects; the area that is the country goes",
        ),
        pytest.param(
            ("El-Fasher", "North Darfur State", "Western Sudan"),
            "Shelling hit El-Fasher in western Sudan.",
            ("El-Fasher", "North Darfur State", "Sudan"),
            id="a region of a country: the one country the article names",
        ),
        pytest.param(
            ("Kyiv", None, "Ukraine"),
            "Russia launched drones at Kyiv overnight.",
            ("Kyiv", None, "Ukraine"),
            id="a country the article never writes is kept: it is a country",
        ),
        pytest.param(
            (None, "Zhytomyr region", None),
            "Russia launched drones at the Zhytomyr region.",
            (None, "Zhytomyr region", None),
            id="no answer is kept: the one country named may be the attacker's",
        ),
        pytest.param(
            ("Yemen", None, "Saudia Arabia"),
            "Yemen's Houthis attacked ships near Oman.",
            (None, None, "Yemen"),
            id="a site that is a country is the country, not a site",
        ),
        pytest.param(
            ("Jizan", None, "Yemen"),
            "Yemen's Houthi movement launched a drones attack on an Aramco oil facility in the city of Jizan.",
            ("Jizan", None, "Saudi Arabia"),
            id="dev 096: the attacker's country for a town of another; the gazetteer's",
        ),
        pytest.param(
            (None, "Khamis Mushait", "Yemen"),
            "The Houthis attacked the southern city of Khamis Mushait.",
            (None, "Khamis Mushait", "Saudi Arabia"),
            id="the area's town when there is no site",
        ),
        pytest.param(
            ("Aghdam", None, "Armenia"),
            "Two Azeri civilians were killed in Armenian attacks. Bullets hit homes in Aghdam, Azerbaijan said.",
            ("Aghdam", None, "Azerbaijan"),
            id="dev 089: the article's form of the gazetteer's country",
        ),
        pytest.param(
            ("Tripoli", None, "Lebanon"),
            "Clashes rocked Tripoli.",
            ("Tripoli", None, "Lebanon"),
            id="a town of two countries of a like size: the answer stays",
        ),
        pytest.param(
            ("Kabul", None, "Afghanistan"),
            "A bomb hit Kabul.",
            ("Kabul", None, "Afghanistan"),
            id="the answer is the town's country",
        ),
        pytest.param(
            ("Camp Verity", None, "Sardonia"),
            "Rockets struck Camp Verity.",
            ("Camp Verity", None, "Sardonia"),
            id="nothing decides: the answer stays",
        ),
    ],
)
def test_ground_countries(
    answered: tuple[str | None, str | None, str | None], text: str, expected: tuple[str | None, ...]
) -> None:
    site, area, country = answered
    assert located(ground_countries([event(site, area, country, evidence=text)], text)) == [expected]


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("al-Tanf garrison", "The most recent attack targeted the al-Tanf garrison in southeastern Syria.", "SY"),
        ("al-Tanf garrison", "The al-Tanf military outpost in southern Syria is seen on Oct. 22, 2018.", "SY"),
        ("Al-Tanf", "A drone attack targeted an American army base Al-Tanf in Syria's Homs on Wednesday.", "SY"),
        ("Tel Baydar", "strikes targeted the Tel Baydar and al-Tanf bases in northeast Syria.", "SY"),
        ("Ain al-Asad base", "three of which targeted the Ain al-Asad base in Iraq's Anbar province.", "IQ"),
        ("al-Tanf garrison", "drones attacked the al-Tanf garrison near the Jordanian and Iraqi borders.", None),
        ("al-Tanf garrison", "Drones hit al-Tanf. The U.S. has about 900 troops in Syria.", None),
    ],
)
def test_placed_country(name: str, text: str, code: str | None) -> None:
    """G-example "a base in Syria is in Syria even if the attackers came from Iraq": the text's own placement."""
    assert placed_country(name, text) == code


def test_the_article_placing_the_site_overrides_the_answered_country() -> None:
    text = "The Islamic Resistance in Iraq attacked the al-Tanf garrison in southeastern Syria."
    answered = event("al-Tanf garrison", None, "Iraq", evidence=text)
    assert located(ground_countries([answered], text)) == [("al-Tanf garrison", None, "Syria")]


def test_a_site_naming_another_country_is_no_site() -> None:
    text = "Drones from Iraq hit the base in southeastern Syria."
    answered = event("Iraq", "southeastern Syria", "Syria", evidence=text)
    assert located(ground_countries([answered], text)) == [(None, "southeastern Syria", "Syria")]


def test_the_article_form_of_the_country_is_written() -> None:
    text = "ADF rebels attacked Mukondi in the DRC. The DRC army said the Democratic Republic of Congo would respond."
    assert located(ground_countries([event("Mukondi", None, "North Kivu")], text)) == [("Mukondi", None, "DRC")]


VEGAS = "A gunman opened fire on a crowd in Las Vegas, the deadliest attack on U.S. soil since September 11, 2001."


@pytest.mark.parametrize(
    ("country", "text", "expected"),
    [
        pytest.param("USA", VEGAS, "U.S.", id="dev 153: the article writes U.S."),
        pytest.param("United States", VEGAS, "U.S.", id="nor United States"),
        pytest.param("U.S.", VEGAS, "U.S.", id="as written"),
        pytest.param("USA", f"{VEGAS} The United States mourned. The United States flag.", "United States", id="most"),
        pytest.param("USA", "A gunman opened fire in Las Vegas.", "USA", id="no name of it written: as answered"),
        pytest.param("Mandalay Bay", VEGAS, "Mandalay Bay", id="no country"),
        pytest.param(None, VEGAS, None, id="none"),
    ],
)
def test_as_written(country: str | None, text: str, expected: str | None) -> None:
    """R9-C3: the country as the article writes it, when it writes that country under another name."""
    assert as_written(country, named_countries(text), text) == expected


def test_a_country_answered_under_a_name_the_article_never_writes_is_written_as_the_article_does() -> None:
    answered = event("Mandalay Bay", "Las Vegas", "USA", evidence=VEGAS)
    assert located(ground_countries([answered], VEGAS)) == [("Mandalay Bay", "Las Vegas", "U.S.")]


@pytest.mark.parametrize(
    ("place", "codes"),
    [
        ("Jizan", {"SA"}),
        ("Khamis Mushait", {"SA"}),
        ("Kabul", {"AF"}),  # Israel's Kabul (14,000 people) is no rival to Afghanistan's capital
        ("Tripoli", {"LB", "LY"}),
        ("Mahrizli", set()),  # a village: under the gazetteer's 15,000 people
        ("Gaza", {"PS"}),
    ],
)
def test_town_countries(place: str, codes: set[str]) -> None:
    assert town_countries(place) == codes


def test_a_common_noun_is_no_town() -> None:
    # dev 030: site "airport" is an alternate name of a town in the United States.
    text = "The drones struck the airport in Naypyidaw, Myanmar's capital."
    assert located(ground_countries([event("airport", None, "Myanmar", evidence=text)], text)) == [
        ("airport", None, "Myanmar")
    ]


def test_a_country_as_the_area_is_no_town() -> None:
    # seed 001: area "Iraq" is an alternate name of Arak, a town in Iran.
    text = "The Islamic Resistance confirmed a pair of attacks on Wednesday and Thursday targeting US forces in Iraq."
    assert located(ground_countries([event(None, "Iraq", "Iraq", evidence=text)], text)) == [(None, None, "Iraq")]


_WATER = re.compile(r"\b(Sea|Gulf|Ocean|Bay|Strait)\b")


def test_every_gold_country_is_a_country_or_a_sea() -> None:
    """The rule stands on the lookup knowing the countries the gold uses (S1 and R6-A9 let a sea stand in)."""
    unknown = set()
    for gold in load_gold_dir(ATTACKS.gold_dir, ATTACKS.event_model).values():
        for gold_event in gold.events:
            for option in gold_options(gold_event, "location.country"):
                if option and country_code(str(option)) is None and not _WATER.search(str(option)):
                    unknown.add(option)
    assert unknown == set()


@pytest.mark.parametrize(
    ("area", "code"),
    [("northern Gaza", "PS"), ("southeastern Syria", "SY"), ("Western Iraq", "IQ"), ("bordering Ukraine", None),
     ("northern Pakistan's Khyber district", None), (None, None)],
)  # fmt: skip
def test_direction_of_country(area: str | None, code: str | None) -> None:
    assert direction_of_country(area) == code


def test_an_area_north_of_a_country_places_the_event_there() -> None:
    # Dev 049: "the northern Gaza town of Beit Lahia", answered with the attacker's country.
    text = "An overnight Israeli air strike in the northern Gaza town of Beit Lahia. The Israel Defense Forces said."
    event = {"location": {"site": "Beit Lahia", "area": "northern Gaza", "country": "Israel"}, "evidence": ["x"]}
    assert ground_countries([event], text)[0]["location"]["country"] == "Gaza"


def test_a_state_gives_its_country_where_the_article_names_none() -> None:
    # Dev 046: a Nigerian paper writes "Katsina State" and never "Nigeria".
    text = "Bandits invaded Daddarar village in Jibia Local Government Area of Katsina State on Wednesday night."
    event = {"location": {"site": "Daddarar", "area": None, "country": "Katsina State"}, "evidence": ["x"]}
    assert ground_countries([event], text)[0]["location"]["country"] == "Nigeria"
    assert sole_subdivision_country(["Katsina State"]) == "NG"
    assert sole_subdivision_country(["Daddarar", "Katsina State"]) == "NG"
    assert sole_subdivision_country(["Nowhere Land"]) is None


def test_country_display_is_the_news_form() -> None:
    assert [country_display(c) for c in ("NG", "RU", "PS", "IR", "SY")] == [
        "Nigeria", "Russia", "Palestine", "Iran", "Syria"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "code", "shown"),
    [
        ("Kosovo", "XK", "Kosovo"),  # not in ISO 3166, but the gazetteer's code for Kosovo's towns
        ("DRCongo", "CD", "DRC"),
        ("Northern Ireland", "GB", "UK"),  # a constituent country is its state (R6-A4)
        ("UAE", "AE", "United Arab Emirates"),  # initials, as dev 138 and its gold write them
    ],
)
def test_names_iso_lacks_are_countries(name: str, code: str, shown: str) -> None:
    assert country_code(name) == code
    assert country_display(code) == shown


@pytest.mark.parametrize(
    ("area", "country", "sub_national"),
    [
        # a part of a continent (dev 131) is wider than a country
        ("Central Asia", "Uzbekistan", False),
        ("West Africa", "Mali", False),
        # a country through its people's adjective (dev 158: "Tunisian state") is the country, no area (G3)
        ("Tunisian state", "Tunisia", False),
        ("Iraqi soil", "Iraq", False),
        ("Sinai state", "Egypt", True),
        # a part of a town in the event's country is no area (G3; dev 123, 135)
        ("central Moscow", "Russia", False),
        ("east Kingston", "Jamaica", False),
        # a direction of a country, or of a town of another country, is an area ("northern Borno": a German town)
        ("northern Gaza", "Gaza Strip", True),
        ("southern Lebanon", "Lebanon", True),
        ("northern Borno", "Nigeria", True),
        # provinces, named areas and what is near a town stay
        ("Anbar province", "Iraq", True),
        ("near Bourzanga", "Burkina Faso", True),
        (None, "Iraq", True),
        # a description of the place is no area (dev 118, 119); what lies off, outside or along a place is
        ("busy area to the east of Kuwait City", "Kuwait", False),
        ("old imperial city at the foot of the Atlas mountains", "Morocco", False),
        ("commercial hub of Dar es Salaam", "Tanzania", False),
        ("off the coast of Yemen", "Yemen", True),
        ("outside Dar es Salaam", "Tanzania", True),
        ("district of Bucha", "Ukraine", True),
        ("the West Bank", "Palestine", True),
    ],
)
def test_is_sub_national(area: str | None, country: str, sub_national: bool) -> None:
    assert is_sub_national(area, country) is sub_national


def test_sub_national_areas_empties_only_what_is_no_area() -> None:
    moscow = {"location": {"site": "Lubyanka station", "area": "central Moscow", "country": "Russia"}}
    anbar = {"location": {"site": "Ain al-Asad", "area": "Anbar province", "country": "Iraq"}}
    mumbai = {"location": {"site": "Taj Mahal Hotel", "area": "Mumbai", "country": "India"}}
    unsited = {"location": {"site": None, "area": "Mumbai", "country": "India"}}
    assert sub_national_areas([moscow, anbar, mumbai, unsited]) == [
        {"location": {"site": "Lubyanka station", "area": None, "country": "Russia"}},
        anbar,
        {"location": {"site": "Taj Mahal Hotel", "area": None, "country": "India"}},
        unsited,
    ]


@pytest.mark.parametrize(
    ("area", "country", "town"),
    [
        pytest.param("Mumbai", "India", True, id="dev 148: the city of a named hotel"),
        pytest.param("Las Vegas", "U.S.", True, id="dev 153"),
        pytest.param("Kirkuk", "Iraq", False, id="a town and a province of its name (093)"),
        pytest.param("Khost", "Afghanistan", False, id="a town and a province of its name (020)"),
        pytest.param("Bannu district", "Pakistan", False, id="a kind word"),
        pytest.param("Mumbai", "Pakistan", False, id="a town of another country"),
        pytest.param("northern Gaza", "Palestine", False, id="a described area"),
        pytest.param(None, "India", False, id="no area"),
    ],
)
def test_names_a_town(area: str | None, country: str, town: bool) -> None:
    """R11-C2: a town alone is the site's other name, no area; a province of the town's name stays one."""
    assert names_a_town(area, country) is town


@pytest.mark.parametrize(
    ("word", "demonym"),
    [
        pytest.param("Moroccan", True, id="dev 119"),
        pytest.param("Iraqi", True, id="-i"),
        pytest.param("Sudanese", True, id="-ese"),
        pytest.param("Turkish", True, id="-ish"),
        pytest.param("Nigerian", True, id="-ian"),
        pytest.param("Morocco", False, id="the country itself"),
        pytest.param("Tunis", False, id="a capital named like its country"),
        pytest.param("Niger", False, id="a country inside another's name"),
        pytest.param("Malinovka", False, id="a village"),
        pytest.param("Funeral", False, id="a common word"),
        pytest.param("Jordan Valley", False, id="two words"),
    ],
)
def test_is_demonym(word: str, demonym: bool) -> None:
    """G3: a site is a named place, and a people's adjective names none."""
    assert is_demonym(word) is demonym
