"""The site of an attack, as the article writes it.

The guideline's site is the named town, village, base or facility where the attack happened; a
province, region or district is an area (G3). Four slips of a small model that code can see in the
article's own words:

- **The dateline.** Wire copy opens with where it was filed ("PESHAWAR, Pakistan —", "MOSCOW
  (Reuters) –"). A site the article names only there is where the reporter was, not where the
  attack happened: no site.
- **A point a distance is measured from.** "An incident 95NM South East of Aden" (dev 036) did not happen in
  Aden: a site the article names only that way is no site, and the phrase is the area where there is none.
- **The attacker written as the site.** Asked about "PKK" (a name code found after "in" or "by"), the model
  answers with the group as the site (dev 074): a site that is the perpetrator's name is no site.
- **A place the article never writes.** "western Iraq" as the area of Armenian shelling of Azerbaijan (dev 089:
  the words of an example, not of the article). A site or area none of whose capitalised words the article
  writes is no site or area.
- **A force written as the site.** "Peshmerga" (dev 093), which the article writes as "Peshmerga forces" and
  "10 Peshmerga fighters": a name the article puts before a word for armed men, and which the gazetteer knows as
  no town, is a force, not a place.
- **An area written as the site.** The model writes "Narathiwat" where the article writes "the
  province of Narathiwat", and "Dantewada" where it writes "Dantewada's Cholnar village" and
  "Dantewada district". A site the article calls a province, region, district or state, and never
  a town, is an area: it moves to the area when that is empty, and when the area is what the
  article calls a village or town, the two change places.
- **An occasion written as the site.** "Bastille Day ceremonies" (dev 141) is when the crowd gathered, not
  where: no site, and the area the model wrote beside it ("Nice") is the site unless the article calls it a
  province, region or district.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from typing import Any

from extractor.attacks.countries import continent_named, country_code, is_demonym, town_countries
from extractor.attacks.resolvers import AREA_KINDS, AREA_WORDS, names_one_place, states_an_act
from extractor.comparators import normalise_text
from extractor.extraction.citations import sentence_spans

# "PESHAWAR, Pakistan —", "OUAGADOUGOU:", "MOSCOW (Reuters) –", "KABUL, Aug. 5 (Xinhua) --": at the start of a
# line, a place in capitals (maybe with its country or the day), then a dash (or two hyphens) or a colon.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'’-]+[A-Z])(?:,\s*[\w .]+?)?(?:\s*\([^)]*\))?\s*(?:--|[—–:-])\s", re.MULTILINE
)
_TOWN_KINDS = "village|town|city|township|community|base|camp"


def dateline_places(text: str) -> list[tuple[int, int]]:
    """(start, end) of each dateline's place name in ``text``."""
    return [match.span("place") for match in _DATELINE.finditer(text)]


def mentions(place: str, text: str) -> list[tuple[int, int]]:
    """(start, end) of each time ``text`` names ``place`` (as a whole word, case aside)."""
    return [m.span() for m in re.finditer(rf"\b{re.escape(place.strip())}\b", text, re.IGNORECASE)]


def named_only_within(place: str, text: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether ``text`` names ``place``, and only inside ``spans``."""
    found = mentions(place, text)
    return bool(found) and all(any(start <= a and b <= end for start, end in spans) for a, b in found)


def only_in_dateline(place: str, text: str) -> bool:
    """Whether ``text`` names ``place`` only in a dateline (and names it at all)."""
    return named_only_within(place, text, dateline_places(text))


def _called(place: str, kinds: str, text: str) -> bool:
    name = re.escape(place.strip())
    pattern = rf"\b{name}(?:'s)?\s+(?:{kinds})\b|\b(?:{kinds})\s+of\s+{name}\b"
    return re.search(pattern, text, re.IGNORECASE) is not None


def is_area_in_text(place: str, text: str) -> bool:
    """Whether the article calls ``place`` a province, region, district or state, and never a town or village."""
    return _called(place, AREA_KINDS, text) and not _called(place, _TOWN_KINDS, text)


def is_town_in_text(place: str, text: str) -> bool:
    """Whether the article calls ``place`` a village, town or city."""
    return _called(place, _TOWN_KINDS, text)


# "95NM South East of Aden", "30 kilometres (19 miles) north of Kabul": a place named as the point a distance is
# measured from.
_DISTANCE = (
    r"\b\d[\d,.]*\s*(?:NM|nautical miles?|km|kilomet(?:er|re)s?|miles?)\b(?:\s*\([^)]{0,30}\))?"
    r"\s+(?:(?:to\s+the\s+)?(?:north|south|east|west)(?:[\s-]*(?:north|south|east|west))?(?:ern)?\s+)?(?:of|from)"
    r"\s+(?:the\s+)?"
)


def reference_points(place: str, text: str) -> list[str]:
    """The distance phrases that name ``place`` as the point they are measured from, when the article names it
    nowhere else (and names it at all): the attack happened away from it."""
    found = list(re.finditer(rf"{_DISTANCE}{re.escape(place.strip())}\b", text, re.IGNORECASE))
    return [m.group(0) for m in found] if named_only_within(place, text, [m.span() for m in found]) else []


_ACTOR_NOUNS = r"terrorists?|militants?|rebels?|fighters?|insurgents?|gunmen|members?|group|forces|militias?"


def names_the_attacker(site: str, perpetrator: str | None) -> bool:
    """Whether ``site`` is the perpetrator's name, alone or before a word for armed men (dev 074: site "PKK"
    beside "PKK terrorists"): a group is no place. A place inside a group's name ("Islamic Resistance in Iraq")
    stays a place."""
    if not perpetrator:
        return False
    name = re.escape(site.strip())
    return re.fullmatch(rf"(?:the\s+)?{name}(?:\s+(?:{_ACTOR_NOUNS}))?", perpetrator.strip(), re.IGNORECASE) is not None


_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")


def is_unwritten(place: str, text: str) -> bool:
    """Whether the article writes none of the capitalised words of ``place`` (and ``place`` has some)."""
    words = {normalise_text(word) for word in _CAPITALISED.findall(place)} - {""}
    written = set(normalise_text(text).split())
    return bool(words) and not any(set(word.split()) <= written for word in words)


_FORCE_AFTER = re.compile(r"\s+(?:forces|fighters|troops|commanders?|militias?|militants|units?)\b", re.IGNORECASE)


def names_a_force(site: str, text: str) -> bool:
    """Whether the article writes ``site`` before a word for armed men ("Peshmerga forces") and no town of the
    gazetteer bears its name: a force, not a place."""
    if town_countries(site):
        return False
    return any(_FORCE_AFTER.match(text, end) for _, end in mentions(site, text))


# The last word of a group's name before the place in it: "al-Qaeda in the Islamic Maghreb", "Islamic State in the
# Greater Sahara", "Islamic Resistance in Iraq", "Islamic State of Iraq".
_GROUP_BEFORE_PLACE = re.compile(
    r"\b(?:Qaeda|State|Resistance|Front|Movement|Army|Brigades?|Jihad|Group|Emirate)\s+(?:in|of)\s+(?:the\s+)?$"
)


def in_a_group_name(site: str, text: str) -> bool:
    """Whether the article writes ``site`` only inside a group's name (dev 092: "Islamic Maghreb", written only in
    "al-Qaeda in the Islamic Maghreb"): the place a group is named for is not where its attack happened."""
    found = mentions(site, text)
    return bool(found) and all(_GROUP_BEFORE_PLACE.search(text, max(0, start - 60), start) for start, _ in found)


# "Bastille Day ceremonies" (dev 141, "a crowd at Bastille Day ceremonies late Thursday in Nice"): an occasion is
# when people gathered, not where; a word for a place beside it ("Festival Square") makes it one.
_OCCASION = re.compile(
    r"\b(?:ceremon(?:y|ies)|celebrations?|festivities|commemorations?|festivals?|parades?|holidays?)$", re.IGNORECASE
)


def names_an_occasion(site: str) -> bool:
    """Whether ``site`` names an occasion (a ceremony, a celebration, a parade) rather than a place."""
    return _OCCASION.search(site.strip()) is not None


def _site_as_written(site: str, area: Any, perpetrator: str | None, text: str) -> tuple[Any, Any]:
    """(site, area) once the site is read as the article writes it (see the module)."""
    if names_an_occasion(site):
        # The occasion's town, written as the area ("in Nice"), is the site; a province stays the area.
        if area and not AREA_WORDS.search(str(area)) and not is_area_in_text(str(area), text):
            return area, None
        return None, area
    if (
        is_demonym(site)
        or only_in_dateline(site, text)
        or names_the_attacker(site, perpetrator)
        or names_a_force(site, text)
        or in_a_group_name(site, text)
    ):
        return None, area
    if phrases := reference_points(site, text):
        return None, area or phrases[0]
    if is_area_in_text(site, text):
        if not area:
            return None, site
        return (area, site) if is_town_in_text(area, text) else (None, area)
    return site, area


def ground_site(event: dict[str, Any], text: str) -> dict[str, Any]:
    """``event`` with its site and area checked against how the article writes them (see the module)."""
    location = dict(event.get("location") or {})
    for key in ("site", "area"):
        if location.get(key) and is_unwritten(str(location[key]), text):
            location[key] = None
    if location.get("site"):
        location["site"], location["area"] = _site_as_written(
            location["site"], location.get("area"), event.get("perpetrator"), text
        )
    if location == event.get("location"):
        return event
    return {**event, "location": location}


def ground_sites(events: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Each event's site checked against the article (:func:`ground_site`)."""
    return [ground_site(event, text) for event in events]


# --------------------------------------------------------------------------- places the model did not list

_PROPER = r"[A-Z][\w'’-]+(?:\s+(?:al-|el-)?[A-Z][\w'’-]+){0,3}"
_PLACE_KINDS = (
    rf"{AREA_KINDS}|{_TOWN_KINDS}|neighbou?rhood|municipality|checkpoint|garrison|airport|market|hospital|junction"
)
# "Ru So district", "the village of Mukondi", "in Zeitoun", "off Hodeidah".
_PLACE_NAMES = (
    re.compile(rf"\b({_PROPER})\s+(?:{_PLACE_KINDS})\b"),
    re.compile(rf"\b(?:{AREA_KINDS}|{_TOWN_KINDS}) of ({_PROPER})"),
    re.compile(rf"\b(?:in|at|near|outside|off)\s+(?:the\s+)?({_PROPER})"),
)
_OPENERS = ["The", "A", "An", "This", "That", "It", "He", "She", "They", "We", "His", "Her", "Their", "Its"]
# A capitalised word that opens no place: a month, a weekday, a pronoun or article at a sentence's start.
_NOT_PLACES = frozenset([*calendar.month_name[1:], *calendar.month_abbr[1:], "Sept", *calendar.day_name, *_OPENERS])
# A name followed by one of these describes an actor, not a place: "Russian forces", "the Afghan capital".
_ACTOR_AFTER = re.compile(
    r"\s+(?:forces?|troops|militants?|militias?|rebels?|fighters|army|military|police|officials?|authorities|"
    r"government|capital|media|army's|group|people|residents?)\b",
    re.IGNORECASE,
)
# "near the Jordanian and Iraqi borders", "American Military Base": a people's adjective opens no place.
_DEMONYM = re.compile(r"(?:ian|ean|ican|ese|ish)$")
# A province or region contains the places attacked in it; asked about, a small model answers with one of
# them again.
_CONTAINERS = "province|governorate|region|state|oblast"


_POSSESSIVE_END = re.compile(r"['’]s?$")


def _place_name(found: re.Match[str], sentence: str) -> str | None:
    words = found.group(1).split()
    while words and words[0] in _NOT_PLACES:
        words = words[1:]
    # "Narathiwat's Ru So district": the place is the one the possessive owns.
    owned = next((i for i, w in enumerate(words) if w.endswith(("'s", "’s"))), None)
    if owned is not None and owned + 1 < len(words):
        words = words[owned + 1 :]
    # "in Eilat’s hotel zone", "at Athens' main court", "the ‘Logistics Support’ base": the possessive or the
    # closing quote is no part of the name (the pattern's words take apostrophes for "N'Djamena").
    if words:
        words[-1] = _POSSESSIVE_END.sub("", words[-1])
    name = " ".join(words)
    if (
        len(name) < 3
        or _DEMONYM.search(words[0])
        or re.fullmatch(_CONTAINERS, words[-1], re.IGNORECASE)  # "in Borno State"
        or _ACTOR_AFTER.match(sentence, found.end(1))
    ):
        return None
    return name


_WORDS = re.compile(r"[A-Za-z][\w'’-]*")


def is_title_case(line: str) -> bool:
    """Whether ``line`` capitalises (almost) every word of four letters or more, as a headline does ("U.S. Kills
    11 Villagers in Air Raid"): there a capital marks no name, so "Air Raid", "Mortar Attack" or "Funeral" are no
    places."""
    words = [word for word in _WORDS.findall(line) if len(word) > 3]
    return len(words) >= 3 and sum(word[0].isupper() for word in words) >= 0.8 * len(words)


def attacked_places(text: str) -> list[str]:
    """The places the article names in its sentences about an act of violence, in order, each once.

    A sentence is about an act when the resolvers read it so (:func:`~extractor.attacks.resolvers.states_an_act`):
    one list of the words of an act, so that a place is asked about wherever the rules read an attack ("an IED
    exploded", "stabbed", "airstrikes on Jamraya", dev 076). A headline in title case is not read
    (:func:`is_title_case`)."""
    names: list[str] = []
    for sentence in (text[a:b] for a, b in sentence_spans(text)):
        if not states_an_act(sentence) or is_title_case(sentence):
            continue
        for pattern in _PLACE_NAMES:
            for found in pattern.finditer(sentence):
                name = _place_name(found, sentence)
                if name and name not in names and country_code(name) is None and not _called(name, _CONTAINERS, text):
                    names.append(name)
    return names


# A region of several countries: asked about it, the small model answers an attack it already gave (seed 004).
_NO_PLACE = re.compile(r"(?:the\s+)?(?:Middle|Near)\s+East", re.IGNORECASE)


def askable_place(place: str, text: str, alone: bool = False) -> bool:
    """Whether a place the model listed, or code found, is worth a turn of its own: a name the article writes
    (:func:`is_unwritten`), not a people's adjective, a continent or the Middle East; asked again ``alone`` (its turn
    in view gave nothing for it), not a country either.

    Asked for the places attacked, the small model lists beside its sites the story's peoples ("Israeli",
    "Moroccan") and regions ("Middle East"), and names the article never writes ("Bum" for Burum, dev 009). A people
    is no place (G3): asked about "Moroccan", it gives the Marrakech bombing again with no site (dev 119); asked
    about the Middle East, the attacks it already gave (seed 004); a name the article never writes is in no
    sentence its answer could quote. Countries and provinces are asked about: asked about "Iraq", the model gave
    seed 001's al-Tanf attack, which no other turn gives, and asked about the Tahoua region, dev 006's raid on a
    camp. But a country asked again alone, with no answer in view, gets the story's attack at the country again
    (seed 003's "Syria"): without those turns no event of dev or the seeds changes."""
    name = place.strip()
    return not (
        is_unwritten(name, text)
        or is_demonym(name)
        or continent_named(name)
        or _NO_PLACE.fullmatch(name) is not None
        or (alone and country_code(name) is not None)
    )


def unlisted_places(text: str, listed: Sequence[str]) -> list[str]:
    """The places :func:`attacked_places` finds in ``text`` that name none of the ``listed`` places.

    Asked for the places attacked, the small model lists a story's hierarchy ("Narathiwat", "Waeng
    district") and leaves out the second incident's place, named a paragraph later ("another bomb ... in
    Narathiwat's Ru So district"): a place code finds in a sentence about violence is asked about too."""
    return [place for place in attacked_places(text) if not any(names_one_place(place, other) for other in listed)]
