"""Incidents: the guideline's identity rule across articles, reconciliation and clustering scores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from extractor.attacks.schemas import AttackEvent
from extractor.evaluation.gold import load_gold_dir
from extractor.evaluation.incidents import (
    Incident,
    cluster_events,
    gold_incident_keys,
    gold_members,
    incident_scores,
    members_from_records,
    read_incidents,
    write_incidents,
)
from extractor.extraction.records import ArticleRecord

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "evals" / "attacks" / "gold"


def event(
    site: str | None,
    date: str | None,
    *,
    area: str | None = "southeastern Syria",
    country: str = "Syria",
    perpetrator: str | None = "Islamic Resistance in Iraq",
    killed: int | None = None,
    injured: int | None = None,
    casualties: str = "unknown",
    weapons: tuple[str, ...] = ("drone",),
    quote: str = "a drone attack on the base",
) -> dict[str, Any]:
    return AttackEvent.model_validate(
        {
            "evidence": [quote],
            "date_text": None,
            "date": date,
            "location": {"site": site, "area": area, "country": country},
            "perpetrator": perpetrator,
            "attribution": "claimed" if perpetrator else "none",
            "target": "U.S. forces",
            "weapons": list(weapons),
            "weapon_count": None,
            "killed": killed,
            "injured": injured,
            "casualties": casualties,
        }
    ).model_dump(mode="json")


def record(article_id: str, published: str, *events: dict[str, Any]) -> ArticleRecord:
    return ArticleRecord(
        article_id=article_id,
        path=f"{article_id}.txt",
        article_sha256="0" * 64,
        published=dt.date.fromisoformat(published),
        status="ok",
        events=list(events),
        model="test",
        prompt="v3",
        prompt_sha256="0" * 64,
        schema_sha256="0" * 64,
    )


def groups(incidents: list[Incident]) -> set[frozenset[tuple[str, int]]]:
    return {frozenset(m.ref for m in incident.members) for incident in incidents}


# --------------------------------------------------------------------------- gold


SEED_IDS = {"000", "001", "002", "003", "004"}


@pytest.mark.parametrize(
    "which",
    [
        "seeds",
        "all",
    ],
)
def test_gold_clustered_against_itself_scores_one(which: str) -> None:
    golds = load_gold_dir(GOLD, AttackEvent)
    if which == "seeds":
        golds = {k: v for k, v in golds.items() if k[:3] in SEED_IDS}
    members, keys = gold_members(golds)
    scores = incident_scores(cluster_events(members), keys)
    assert scores.events == len(members)
    assert scores.pairwise_tp > 0  # the gold does link articles: the 1.0 is not from singletons
    assert (scores.pairwise_precision, scores.pairwise_recall, scores.pairwise_f1) == (1.0, 1.0, 1.0)
    assert (scores.bcubed_precision, scores.bcubed_recall, scores.bcubed_f1) == (1.0, 1.0, 1.0)


def test_gold_incident_keys_align_extracted_events_to_gold() -> None:
    golds = load_gold_dir(GOLD, AttackEvent)
    gold = golds["000_db009ee41178654f"]
    tanf = event("al-Tanf garrison", "2023-10-23", injured=0, casualties="none")
    stray = event("Nowhere", "2023-10-01", country="Peru", perpetrator=None)
    keys = gold_incident_keys([record("000_db009ee41178654f", gold.published.isoformat(), stray, tanf)], golds)
    assert keys == {("000_db009ee41178654f", 1): "2023-10-23-al-tanf"}


# --------------------------------------------------------------------------- identity rule


def test_two_reports_of_the_same_al_tanf_attack_become_one_incident() -> None:
    records = [
        record("fox", "2023-10-23", event("al-Tanf garrison", "2023-10-23", injured=0, casualties="none")),
        record("rudaw", "2023-10-24", event("Al Tanf", "2023-10-23", area="Homs", injured=2, casualties="injured")),
    ]
    incidents = cluster_events(members_from_records(records))
    assert groups(incidents) == {frozenset({("fox", 0), ("rudaw", 0)})}
    (incident,) = incidents
    assert incident.site == "al-Tanf garrison"  # the most specific place
    assert incident.date == dt.date(2023, 10, 23)
    assert incident.injured == 0  # the lowest stated figure, as ACLED codes it
    assert incident.disagreements["injured"] == [0, 2]
    assert incident.disagreements["area"] == ["southeastern Syria", "Homs"]
    assert [m.article_id for m in incident.members] == ["fox", "rudaw"]
    assert incident.members[0].evidence == ["a drone attack on the base"]


def test_same_base_on_another_day_is_another_incident() -> None:
    records = [
        record("a", "2023-10-23", event("al-Tanf", "2023-10-23")),
        record("b", "2023-10-23", event("al-Tanf", "2023-10-19")),
    ]
    assert len(cluster_events(members_from_records(records))) == 2


def test_two_events_of_one_article_at_different_bases_stay_apart() -> None:
    records = [
        record("one", "2023-11-06", event("Ain al-Asad base", "2023-11-06"), event("al-Tanf", "2023-11-06")),
        record("two", "2023-11-06", event("Ain al-Asad", "2023-11-06")),
    ]
    assert groups(cluster_events(members_from_records(records))) == {
        frozenset({("one", 0), ("two", 0)}),
        frozenset({("one", 1)}),
    }


def test_two_events_the_extractor_kept_apart_are_never_merged() -> None:
    # Same place and day by the scorer's comparator, but one article listed them apart:
    # a third report joins one of them, never both.
    records = [
        record("one", "2023-10-23", event("al-Tanf", "2023-10-23"), event("al-Tanf garrison", "2023-10-23")),
        record("two", "2023-10-23", event("al-Tanf garrison", "2023-10-23")),
    ]
    incidents = cluster_events(members_from_records(records))
    assert len(incidents) == 2
    assert all(len({m.article_id for m in i.members}) == len(i.members) for i in incidents)
    assert frozenset({("one", 1), ("two", 0)}) in groups(incidents)  # the closer match wins


def test_a_site_alias_links_a_report_that_names_the_place_another_way() -> None:
    # Gold 016 accepts "Shash Darak" or "Kabul"; its wire copy 017 says only "Kabul".
    members = members_from_records(
        [
            record("016", "2018-04-30", event("Shash Darak", "2018-04-30", area=None, country="Afghanistan")),
            record("017", "2018-04-30", event("Kabul", "2018-04-30", area=None, country="Afghanistan")),
        ]
    )
    assert len(cluster_events(members)) == 2  # without the alias the names disagree
    aliased = [members[0].model_copy(update={"site_aliases": ["Kabul"]}), members[1]]
    assert groups(cluster_events(aliased)) == {frozenset({("016", 0), ("017", 0)})}


def test_an_unnamed_perpetrator_does_not_bridge_two_groups() -> None:
    records = [
        record("a", "2023-10-23", event("al-Tanf", "2023-10-23", perpetrator="Islamic Resistance in Iraq")),
        record("b", "2023-10-23", event("al-Tanf", "2023-10-23", perpetrator=None)),
        record("c", "2023-10-23", event("al-Tanf", "2023-10-23", perpetrator="Kataib Hezbollah")),
    ]
    incidents = cluster_events(members_from_records(records))
    assert len(incidents) == 2
    assert not any({("a", 0), ("c", 0)} <= group for group in groups(incidents))


def test_an_undated_event_joins_the_only_incident_at_its_place() -> None:
    records = [
        record("dated", "2023-10-23", event("al-Tanf garrison", "2023-10-23")),
        record("undated", "2023-11-06", event("al-Tanf", None)),
    ]
    (incident,) = cluster_events(members_from_records(records))
    assert incident.date == dt.date(2023, 10, 23)


def test_an_undated_event_stays_alone_when_two_incidents_at_its_place_compete() -> None:
    records = [
        record("monday", "2023-10-23", event("al-Tanf", "2023-10-23")),
        record("thursday", "2023-10-26", event("al-Tanf", "2023-10-26")),
        record("undated", "2023-10-27", event("al-Tanf", None)),
    ]
    incidents = cluster_events(members_from_records(records))
    assert frozenset({("undated", 0)}) in groups(incidents)
    assert len(incidents) == 3


def test_an_undated_event_does_not_join_outside_the_window_or_after_publication() -> None:
    records = [
        record("old", "2021-10-21", event("al-Tanf", "2021-10-20")),
        record("later", "2023-11-06", event("al-Tanf", "2023-11-06")),
        record("undated", "2023-10-23", event("al-Tanf", None)),
    ]
    assert frozenset({("undated", 0)}) in groups(cluster_events(members_from_records(records)))


def test_a_better_agreeing_candidate_wins_the_undated_event() -> None:
    # Both al-Tanf incidents are in the window, but only one agrees on the area and the
    # actor as well: the other does not compete equally.
    records = [
        record("a", "2023-10-23", event("al-Tanf", "2023-10-23")),
        record("b", "2023-10-19", event("al-Tanf", "2023-10-19", area="southern Syria", perpetrator=None)),
        record("undated", "2023-10-25", event("al-Tanf", None)),
    ]
    assert frozenset({("a", 0), ("undated", 0)}) in groups(cluster_events(members_from_records(records)))


def test_places_without_a_site_differ_by_area() -> None:
    records = [
        record("a", "2023-10-20", event(None, None, area="western Iraq", country="Iraq")),
        record("b", "2023-10-21", event(None, None, area="northern Iraq", country="Iraq")),
        record("c", "2023-10-22", event(None, None, area="western Iraq", country="Iraq")),
    ]
    assert groups(cluster_events(members_from_records(records))) == {
        frozenset({("a", 0), ("c", 0)}),
        frozenset({("b", 0)}),
    }


def test_clustering_does_not_depend_on_input_order() -> None:
    golds = load_gold_dir(GOLD, AttackEvent)
    members, _ = gold_members(golds)
    assert [i.id for i in cluster_events(members)] == [i.id for i in cluster_events(members[::-1])]


# --------------------------------------------------------------------------- scores


def test_scores_count_pairs_and_bcubed() -> None:
    records = [
        record("a", "2023-10-23", event("al-Tanf", "2023-10-23")),
        record("b", "2023-10-23", event("al-Tanf", "2023-10-23")),
        record("c", "2023-10-23", event("Erbil", "2023-10-23")),
    ]
    incidents = cluster_events(members_from_records(records))
    # Gold says a and c are one incident, b another.
    scores = incident_scores(incidents, {("a", 0): "x", ("b", 0): "y", ("c", 0): "x"})
    assert (scores.pairwise_tp, scores.pairwise_fp, scores.pairwise_fn) == (0, 1, 1)
    assert scores.pairwise_f1 == 0.0
    assert scores.bcubed_precision == pytest.approx((1 / 2 + 1 / 2 + 1) / 3)
    assert scores.bcubed_recall == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)


def test_no_events_to_score_is_perfect() -> None:
    scores = incident_scores([], {})
    assert (scores.events, scores.pairwise_f1, scores.bcubed_f1) == (0, 1.0, 1.0)


# --------------------------------------------------------------------------- files


def test_incidents_round_trip_through_jsonl(tmp_path: Path) -> None:
    golds = load_gold_dir(GOLD, AttackEvent)
    incidents = cluster_events(gold_members(golds)[0])
    path = tmp_path / "incidents.jsonl"
    write_incidents(path, incidents)
    assert read_incidents(path) == incidents
