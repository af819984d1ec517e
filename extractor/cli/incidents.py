"""``extractor incidents`` and ``extractor export``: thin commands over incidents.py and exports.py.

Registered in ``cli.py`` with ``app.command("incidents")(incidents_command)`` and
``app.command("export")(export_command)``; errors are :class:`InputError`
subclasses, which the CLI prints as one line with a non-zero exit.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from extractor.errors import InputError
from extractor.evaluation import DEFAULT_WINDOW_DAYS

if TYPE_CHECKING:
    from extractor.extraction.records import ArticleRecord

console = Console()


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


class RowKind(StrEnum):
    EVENTS = "events"
    INCIDENTS = "incidents"


def _describe(record: ArticleRecord) -> tuple[str | None, str | None]:
    """The outlet and address from the article's sidecar or manifest, when the article is still there."""
    from extractor.extraction.articles import load_article

    path = Path(record.path)
    if not path.is_file():
        return None, None
    try:
        meta = load_article(path).meta
    except InputError:
        return None, None
    return meta.outlet, meta.url


def _check_out(out: Path) -> None:
    from extractor.evaluation.incidents import IncidentsError

    if out.is_dir():
        raise IncidentsError(f"-o {out} is a directory; give a file name such as {out / 'incidents.jsonl'}")


def incidents_command(
    records: Annotated[list[Path], typer.Argument(help="JSONL records written by `extractor extract`.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Incidents JSONL to write.")],
    window_days: Annotated[
        int, typer.Option("--window-days", help="How far before publication an undated event may be placed.")
    ] = DEFAULT_WINDOW_DAYS,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Gold directory: also score the incidents against its incident keys.")
    ] = None,
) -> None:
    """Group the events of many articles into incidents (attacker, place, day)."""
    from extractor.attacks.schemas import AttackEvent
    from extractor.evaluation.gold import load_gold_dir
    from extractor.evaluation.incidents import (
        IncidentsError,
        cluster_events,
        gold_incident_keys,
        incident_scores,
        members_from_records,
        read_record_file,
        write_incidents,
    )

    _check_out(out)
    if window_days < 0:
        raise IncidentsError("--window-days must be 0 or more")
    loaded = [record for path in records for record in read_record_file(path)]
    members = members_from_records(loaded, _describe)
    incidents = cluster_events(members, window_days=window_days)
    write_incidents(out, incidents)
    merged = sum(1 for i in incidents if len(i.members) > 1)
    console.print(f"{len(members)} events -> {len(incidents)} incidents ({merged} reported more than once) -> {out}")
    if gold is not None:
        scores = incident_scores(incidents, gold_incident_keys(loaded, load_gold_dir(gold, AttackEvent)))
        console.print(scores.summary())


def _kind_of(path: Path) -> RowKind:
    """Whether ``path`` holds extract records or incidents, from its first line."""
    from extractor.reporting.exports import ExportError

    try:
        with path.open(encoding="utf-8") as fh:
            first = next((line for line in fh if line.strip()), None)
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: cannot read: {exc}") from exc
    if first is None:
        raise ExportError(f"{path}: empty; nothing to export")
    try:
        data = json.loads(first)
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}: line 1 is not JSON: {exc.msg}") from exc
    if isinstance(data, dict) and "members" in data:
        return RowKind.INCIDENTS
    if isinstance(data, dict) and "article_id" in data and "events" in data:
        return RowKind.EVENTS
    raise ExportError(f"{path}: neither extract records nor incidents (line 1 has no 'events' or 'members')")


def export_command(
    source: Annotated[Path, typer.Argument(help="RECORDS.jsonl (from extract) or INCIDENTS.jsonl (from incidents).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or jsonl.")] = ExportFormat.CSV,
    rows: Annotated[
        RowKind | None,
        typer.Option("--rows", help="events or incidents (default: what the file holds; records only have events)."),
    ] = None,
) -> None:
    """Export events or incidents with ACLED-like columns (see INCIDENTS_README)."""
    from extractor.evaluation.incidents import members_from_records, read_incidents, read_record_file
    from extractor.reporting.exports import (
        EVENT_COLUMNS,
        INCIDENT_COLUMNS,
        ExportError,
        event_rows,
        incident_member_rows,
        incident_rows,
        write_rows,
    )

    kind = _kind_of(source)
    wanted = rows or kind
    if kind is RowKind.EVENTS:
        if wanted is RowKind.INCIDENTS:
            raise ExportError(f"{source} holds extract records; run `extractor incidents` first for incident rows")
        table, columns = event_rows(members_from_records(read_record_file(source), _describe)), EVENT_COLUMNS
    else:
        incidents = read_incidents(source)
        if wanted is RowKind.EVENTS:
            table, columns = incident_member_rows(incidents), EVENT_COLUMNS
        else:
            table, columns = incident_rows(incidents), INCIDENT_COLUMNS
    write_rows(out, table, list(columns), fmt.value)
    console.print(f"{len(table)} {wanted.value} rows -> {out}")
