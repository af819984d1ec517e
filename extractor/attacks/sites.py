"""The site of an attack, as the article writes it.

The guideline's site is the named town, village, base or facility where the attack happened; a
province, region or district is an area (G3). Two slips of a small model that code can see in the
article's own words:

- **The dateline.** Wire copy opens with where it was filed ("PESHAWAR, Pakistan —", "MOSCOW
  (Reuters) –"). A site the article names only there is where the reporter was, not where the
  attack happened: no site.
- **An area written as the site.** The model writes "Narathiwat" where the article writes "the
  province of Narathiwat", and "Dantewada" where it writes "Dantewada's Cholnar village" and
  "Dantewada district". A site the article calls a province, region, district or state, and never
  a town, is an area: it moves to the area when that is empty, and when the area is what the
  article calls a village or town, the two change places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from extractor.attacks.resolvers import AREA_KINDS

# "PESHAWAR, Pakistan —", "OUAGADOUGOU:", "MOSCOW (Reuters) –", "NARATHIWAT — ": at the start of a line, a place
# in capitals (maybe with its country), then a dash or colon.
_DATELINE = re.compile(r"^(?P<place>[A-Z][A-Z .'’-]+[A-Z])(?:,\s*[\w .]+?)?(?:\s*\([^)]*\))?\s*[—–:-]\s", re.MULTILINE)
_TOWN_KINDS = "village|town|city|township|community|base|camp"


def dateline_places(text: str) -> list[tuple[int, int]]:
    """(start, end) of each dateline's place name in ``text``."""
    return [match.span("place") for match in _DATELINE.finditer(text)]


def only_in_dateline(place: str, text: str) -> bool:
    """Whether ``text`` names ``place`` only in a dateline (and names it at all)."""
    mentions = [m.span() for m in re.finditer(rf"\b{re.escape(place.strip())}\b", text, re.IGNORECASE)]
    if not mentions:
        return False
    datelines = dateline_places(text)
    return all(any(start <= a and b <= end for start, end in datelines) for a, b in mentions)


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


def ground_site(event: dict[str, Any], text: str) -> dict[str, Any]:
    """``event`` with its site checked against how the article writes it (see the module)."""
    location = dict(event.get("location") or {})
    site, area = location.get("site"), location.get("area")
    if not site:
        return event
    if only_in_dateline(site, text):
        location["site"] = None
    elif is_area_in_text(site, text):
        if not area:
            location["site"], location["area"] = None, site
        elif is_town_in_text(area, text):
            location["site"], location["area"] = area, site
        else:
            location["site"] = None
    if location == event.get("location"):
        return event
    return {**event, "location": location}


def ground_sites(events: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Each event's site checked against the article (:func:`ground_site`)."""
    return [ground_site(event, text) for event in events]
