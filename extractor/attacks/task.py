"""How the attack task phrases an event for a reader, and how it groups events into incidents.

The report and the ``extract`` table are generic: they ask the task (``tasks.ATTACKS``)
for its columns and its incident scorer, and these are the attack task's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from extractor.plain import DASH, value_text

if TYPE_CHECKING:
    from extractor.evaluation.gold import GoldArticle
    from extractor.evaluation.incidents import IncidentEval
    from extractor.extraction.records import ArticleRecord


def when(event: Mapping[str, Any]) -> tuple[str, str]:
    if event.get("date"):
        return str(event["date"]), ""
    return (f"“{event['date_text']}”" if event.get("date_text") else DASH), ""


def where(event: Mapping[str, Any]) -> tuple[str, str]:
    location = event.get("location") or {}
    site = location.get("site")
    rest = ", ".join(str(location[k]) for k in ("area", "country") if location.get(k))
    if site and rest:
        return str(site), rest
    return str(site or rest or DASH), ""


def who(event: Mapping[str, Any]) -> tuple[str, str]:
    attribution = event.get("attribution")
    shown = str(attribution) if attribution and attribution != "none" else ""
    return str(event.get("perpetrator") or DASH), shown


def what(event: Mapping[str, Any]) -> tuple[str, str]:
    weapons = value_text(event.get("weapons"))
    count = event.get("weapon_count")
    return (f"{weapons} ×{count}" if count is not None else weapons), ""


def outcome(event: Mapping[str, Any]) -> tuple[str, str]:
    numbers = [f"{event[k]} {k}" for k in ("killed", "injured") if event.get(k) is not None]
    casualties = str(event.get("casualties") or DASH)
    return (f"{casualties} ({', '.join(numbers)})" if numbers else casualties), ""


def score_incidents(records: Sequence[ArticleRecord], golds: Mapping[str, GoldArticle]) -> IncidentEval:
    # incidents.py reads extract records, and extract.py needs the task this module serves:
    # imported here, when a run is scored, not when the task is defined.
    from extractor.evaluation.incidents import evaluate_incidents

    return evaluate_incidents(records, golds)
