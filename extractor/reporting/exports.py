"""Export events or incidents as CSV or JSONL, with ACLED-like columns where they fit.

One row per event (from ``extract`` records, or the members of incidents) or one
row per incident. Every column is listed with a one-line description in
:data:`EVENT_COLUMNS` / :data:`INCIDENT_COLUMNS`; the README's table is those
descriptions. CSV goes through the standard library's ``csv`` module: UTF-8, one
header row, empty cells for "not stated". Files are written atomically.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from extractor.errors import InputError
from extractor.evaluation.incidents import Incident, IncidentMember
from extractor.runs import write_atomic

Format = Literal["csv", "jsonl"]
Cell = str | int | None
Row = dict[str, Cell]

# ACLED's time_precision: 1 = the day is known. 3 is used here for an undated event,
# whose event_date is then the publication day (the attack was on or before it).
DAY_KNOWN = 1
DAY_UNKNOWN = 3

_SHARED: dict[str, str] = {
    "event_date": "Day of the attack (YYYY-MM-DD); for an undated report, its publication day.",
    "time_precision": "1 when the day is stated; 3 when only the publication day is known (on or before it).",
    "sub_event_type": "From the weapons: Air/drone strike; Shelling/artillery/missile attack; "
    "Remote explosive/landmine/IED; Armed clash; empty for other.",
    "actor1": "The perpetrator as named (most common name across reports for an incident).",
    "attribution": "How the perpetrator is known: claimed, attributed, suspected or none.",
    "target": "Who or what was attacked, as written.",
    "country": "Country where the attack happened.",
    "admin1": "The sub-national area as written (province, governorate or 'western Iraq').",
    "location": "The named base, facility, town or village (the most specific across reports).",
    "weapons": "Weapons used, separated by ';' (drone, rocket, missile, mortar, indirect_fire, ...).",
    "weapon_count": "Number of munitions, if stated (the lowest stated figure for an incident).",
    "fatalities": "People killed, if a number is stated (the lowest stated figure for an incident).",
    "injured": "People injured, if a number is stated (the lowest stated figure for an incident).",
    "casualties": "Outcome even without numbers: none, injured, killed, killed_and_injured, unknown.",
}

EVENT_COLUMNS: dict[str, str] = {
    "event_id": "The article id and the event's position in its record, as ARTICLE:INDEX.",
    "incident_id": "The incident the event belongs to; empty when exported from extract records.",
    **_SHARED,
    "source": "The outlet that published the article (the article id when the outlet is unknown).",
    "source_url": "Address of the article, if known.",
    "source_date": "Publication day of the article.",
    "article_id": "The article's id (its file name without .txt).",
    "notes": "The evidence: verbatim quotes from the article, separated by ' | '.",
}

INCIDENT_COLUMNS: dict[str, str] = {
    "incident_id": "Stable id: the day (or 'undated'), the place and a hash of the member events.",
    **_SHARED,
    "reports": "Number of reported events (articles) merged into the incident.",
    "source": "The outlets that reported it, separated by '; ' (article ids where the outlet is unknown).",
    "source_url": "Their addresses, separated by '; '.",
    "notes": "Evidence of every report, prefixed with its source, separated by ' | '.",
    "disagreements": "JSON object: for each field the reports disagree on, every value they state.",
}

# First match wins: a drone strike that also used rockets is coded as the air/drone strike.
_SUB_EVENT_TYPES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"airstrike", "drone"}), "Air/drone strike"),
    (frozenset({"missile", "rocket", "mortar", "indirect_fire"}), "Shelling/artillery/missile attack"),
    (frozenset({"explosive"}), "Remote explosive/landmine/IED"),
    (frozenset({"small_arms"}), "Armed clash"),
)


class ExportError(InputError):
    """An export that cannot be written as asked."""


def sub_event_type(weapons: Iterable[str]) -> str | None:
    """ACLED's sub-event type for a set of weapons; None when none fits ('other')."""
    stated = set(weapons)
    return next((name for kinds, name in _SUB_EVENT_TYPES if stated & kinds), None)


def _source(member: IncidentMember) -> str:
    return member.outlet or member.article_id


def _shared(
    *,
    date: object,
    published: object,
    member_like: IncidentMember | Incident,
) -> Row:
    day = date if date is not None else published
    return {
        "event_date": None if day is None else str(day),
        "time_precision": DAY_KNOWN if date is not None else DAY_UNKNOWN,
        "sub_event_type": sub_event_type(member_like.weapons),
        "actor1": member_like.perpetrator,
        "attribution": member_like.attribution,
        "target": member_like.target,
        "country": member_like.country,
        "admin1": member_like.area,
        "location": member_like.site,
        "weapons": ";".join(member_like.weapons) or None,
        "weapon_count": member_like.weapon_count,
        "fatalities": member_like.killed,
        "injured": member_like.injured,
        "casualties": member_like.casualties,
    }


def event_row(member: IncidentMember, incident_id: str | None = None) -> Row:
    row: Row = {
        "event_id": f"{member.article_id}:{member.index}",
        "incident_id": incident_id,
        **_shared(date=member.date, published=member.published, member_like=member),
        "source": _source(member),
        "source_url": member.url,
        "source_date": None if member.published is None else member.published.isoformat(),
        "article_id": member.article_id,
        "notes": " | ".join(member.evidence) or None,
    }
    return {column: row[column] for column in EVENT_COLUMNS}


def event_rows(members: Iterable[IncidentMember]) -> list[Row]:
    return [event_row(m) for m in members]


def incident_member_rows(incidents: Iterable[Incident]) -> list[Row]:
    """One row per member event, each carrying its incident's id."""
    return [event_row(m, incident.id) for incident in incidents for m in incident.members]


def incident_row(incident: Incident) -> Row:
    published = min((m.published for m in incident.members if m.published is not None), default=None)
    sources = list(dict.fromkeys(_source(m) for m in incident.members))
    urls = list(dict.fromkeys(m.url for m in incident.members if m.url))
    notes = [f"[{_source(m)}] {quote}" for m in incident.members for quote in m.evidence]
    row: Row = {
        "incident_id": incident.id,
        **_shared(date=incident.date, published=published, member_like=incident),
        "reports": len(incident.members),
        "source": "; ".join(sources),
        "source_url": "; ".join(urls) or None,
        "notes": " | ".join(notes) or None,
        "disagreements": json.dumps(incident.disagreements, ensure_ascii=False, sort_keys=True)
        if incident.disagreements
        else None,
    }
    return {column: row[column] for column in INCIDENT_COLUMNS}


def incident_rows(incidents: Iterable[Incident]) -> list[Row]:
    return [incident_row(i) for i in incidents]


def render_csv(rows: Sequence[Mapping[str, Cell]], columns: Sequence[str]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def render_jsonl(rows: Sequence[Mapping[str, Cell]]) -> str:
    return "".join(json.dumps(dict(row), ensure_ascii=False) + "\n" for row in rows)


def write_rows(path: Path, rows: Sequence[Mapping[str, Cell]], columns: Sequence[str], fmt: Format) -> None:
    if path.is_dir():
        raise ExportError(f"-o {path} is a directory; give a file name such as {path / ('events.' + fmt)}")
    text = render_csv(rows, columns) if fmt == "csv" else render_jsonl(rows)
    write_atomic(path, text)


def columns_markdown(columns: Mapping[str, str]) -> str:
    """The README's column table."""
    lines = ["| column | meaning |", "| --- | --- |"]
    for name, description in columns.items():
        cell = description.replace("|", "\\|")  # a bare '|' would end the cell
        lines.append(f"| `{name}` | {cell} |")
    return "\n".join(lines)
