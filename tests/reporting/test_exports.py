"""Exports: ACLED-like columns, CSV through the csv module, JSONL, and the two commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from extractor.cli.incidents import export_command, incidents_command
from extractor.evaluation.incidents import IncidentsError, cluster_events, members_from_records, read_incidents
from extractor.extraction.records import write_records
from extractor.reporting.exports import (
    EVENT_COLUMNS,
    INCIDENT_COLUMNS,
    ExportError,
    columns_markdown,
    event_rows,
    incident_rows,
    sub_event_type,
    write_rows,
)
from tests.evaluation.test_incidents import event, record

RECORDS = [
    record(
        "fox",
        "2023-10-23",
        event("al-Tanf garrison", "2023-10-23", injured=0, casualties="none", quote='said "two drones", then'),
        event(None, None, area="western Iraq", country="Iraq", weapons=("rocket", "drone"), quote="rockets, ünïcode"),
    ),
    record("rudaw", "2023-10-24", event("Al Tanf", "2023-10-23", injured=2, casualties="injured")),
]


def _app() -> typer.Typer:
    # A throwaway app: cli.py registers the same two functions.
    app = typer.Typer()
    app.command("incidents")(incidents_command)
    app.command("export")(export_command)
    return app


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_event_csv_round_trips_through_dictreader_with_every_documented_column(tmp_path: Path) -> None:
    rows = event_rows(members_from_records(RECORDS))
    path = tmp_path / "events.csv"
    write_rows(path, rows, list(EVENT_COLUMNS), "csv")
    header, read = _read_csv(path)
    assert header == list(EVENT_COLUMNS)
    assert read == [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    first, second = read[0], read[1]
    assert first["event_id"] == "fox:0"
    assert first["location"] == "al-Tanf garrison"
    assert first["actor1"] == "Islamic Resistance in Iraq"
    assert first["sub_event_type"] == "Air/drone strike"
    assert (first["event_date"], first["time_precision"]) == ("2023-10-23", "1")
    assert first["notes"] == 'said "two drones", then'  # quotes survive csv quoting
    assert (second["event_date"], second["time_precision"]) == ("2023-10-23", "3")  # undated: the report's day
    assert second["location"] == ""
    assert second["notes"] == "rockets, ünïcode"


def test_incident_csv_round_trips_with_every_documented_column(tmp_path: Path) -> None:
    incidents = cluster_events(members_from_records(RECORDS))
    path = tmp_path / "incidents.csv"
    write_rows(path, incident_rows(incidents), list(INCIDENT_COLUMNS), "csv")
    header, read = _read_csv(path)
    assert header == list(INCIDENT_COLUMNS)
    tanf = next(row for row in read if row["location"] == "al-Tanf garrison")
    assert tanf["reports"] == "2"
    assert tanf["source"] == "fox; rudaw"
    assert tanf["injured"] == "0"
    assert json.loads(tanf["disagreements"])["injured"] == [0, 2]
    assert tanf["notes"].startswith("[fox] ")


def test_jsonl_rows_keep_types(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    write_rows(path, event_rows(members_from_records(RECORDS)), list(EVENT_COLUMNS), "jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in rows] == [list(EVENT_COLUMNS)] * 3
    assert rows[0]["injured"] == 0
    assert rows[0]["time_precision"] == 1


@pytest.mark.parametrize(
    ("weapons", "expected"),
    [
        (["drone"], "Air/drone strike"),
        (["airstrike", "rocket"], "Air/drone strike"),
        (["indirect_fire"], "Shelling/artillery/missile attack"),
        (["missile"], "Shelling/artillery/missile attack"),
        (["explosive"], "Remote explosive/landmine/IED"),
        (["small_arms"], "Armed clash"),
        (["other"], None),
    ],
)
def test_sub_event_type_from_weapons(weapons: list[str], expected: str | None) -> None:
    assert sub_event_type(weapons) == expected


def test_every_column_is_documented() -> None:
    table = columns_markdown(EVENT_COLUMNS)
    assert all(f"`{name}`" in table for name in EVENT_COLUMNS)
    assert all(description.strip() for description in [*EVENT_COLUMNS.values(), *INCIDENT_COLUMNS.values()])


def test_incidents_and_export_commands(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    write_records(records, RECORDS)
    incidents = tmp_path / "incidents.jsonl"
    runner = CliRunner()
    result = runner.invoke(_app(), ["incidents", str(records), "-o", str(incidents)])
    assert result.exit_code == 0, result.output
    assert "3 events -> 2 incidents" in result.output
    assert len(read_incidents(incidents)) == 2

    for source, rows, expected in (
        (records, None, EVENT_COLUMNS),
        (incidents, None, INCIDENT_COLUMNS),
        (incidents, "events", EVENT_COLUMNS),
    ):
        out = tmp_path / f"{source.stem}-{rows}.csv"
        args = ["export", str(source), "--format", "csv", "-o", str(out), *(["--rows", rows] if rows else [])]
        result = runner.invoke(_app(), args)
        assert result.exit_code == 0, result.output
        assert _read_csv(out)[0] == list(expected)


def test_export_errors_are_input_errors(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    write_records(records, RECORDS)
    runner = CliRunner()
    result = runner.invoke(_app(), ["export", str(records), "--rows", "incidents", "-o", str(tmp_path / "x.csv")])
    assert isinstance(result.exception, ExportError)
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"members": [1]}\n', encoding="utf-8")
    result = runner.invoke(_app(), ["export", str(garbage), "-o", str(tmp_path / "y.csv")])
    assert isinstance(result.exception, IncidentsError)
    assert "\n" not in str(result.exception)
