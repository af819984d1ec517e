"""Gold files: loading, value validation, and every guideline check."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from extractor.attacks.schemas import AttackEvent, Attribution, Casualties, Weapon
from extractor.errors import GoldError
from extractor.evaluation.gold import (
    GoldArticle,
    check_gold,
    load_gold,
    load_gold_dir,
)
from extractor.fields import schema_fields
from extractor.tasks import ATTACKS

ARTICLE = "000_test.txt"
ARTICLE_TEXT = (
    "The Islamic Resistance in Iraq said Monday that their forces used two drones to attack "
    "the al-Tanf garrison. No injuries have been reported.\n"
    "The group also fired rockets at Ain al-Asad air base on Sunday.\n"
)

# The FORMAT.md example, verbatim in shape: the loader must read what the format documents.
FORMAT_EXAMPLE = """\
article: 000_test.txt
published: 2023-10-23
notes: >
  Free text for reviewers.
events:
  - id: e1                          # unique within the file
    incident: 2023-10-23-al-tanf
    optional: false
    date: 2023-10-23
    date_text: Monday
    location:
      site:
        value: al-Tanf garrison
        aliases: [al-Tanf, Tanf]
      area:
        any_of: [southeastern Syria, null]
      country: Syria
    perpetrator: Islamic Resistance in Iraq
    attribution: claimed
    target: U.S. forces
    weapons: [drone]
    weapon_count: 2
    killed: null
    injured: 0
    casualties: none
    evidence:
      - "their forces used two drones to attack the al-Tanf garrison"
"""


def second_event() -> dict[str, Any]:
    return {
        "id": "e2",
        "incident": "2023-10-22-ain-al-asad",
        "optional": False,
        "date": dt.date(2023, 10, 22),
        "date_text": "Sunday",
        "location": {"site": "Ain al-Asad air base", "area": None, "country": "Iraq"},
        "perpetrator": "Islamic Resistance in Iraq",
        "attribution": "claimed",
        "target": None,
        "weapons": ["rocket"],
        "weapon_count": None,
        "killed": None,
        "injured": None,
        "casualties": "unknown",
        "evidence": ["fired rockets at Ain al-Asad air base on Sunday"],
    }


def base_doc() -> dict[str, Any]:
    doc = yaml.safe_load(FORMAT_EXAMPLE)
    assert isinstance(doc, dict)
    doc["events"].append(second_event())
    return doc


def write(tmp_path: Path, doc: dict[str, Any] | str, name: str = "000_test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def load(tmp_path: Path, doc: dict[str, Any] | str) -> GoldArticle:
    return load_gold(write(tmp_path, doc), AttackEvent)


def problems_of(tmp_path: Path, doc: dict[str, Any], text: str = ARTICLE_TEXT) -> list[str]:
    return check_attack_gold(load(tmp_path, doc), text)


def check_attack_gold(gold: GoldArticle, text: str) -> list[str]:
    return check_gold(
        gold,
        text,
        AttackEvent,
        required_fields=ATTACKS.gold_required_fields,
        same_event_fields=ATTACKS.same_event_fields,
    )


# --------------------------------------------------------------------------- loading


def test_format_example_loads_with_typed_values(tmp_path: Path) -> None:
    gold = load(tmp_path, FORMAT_EXAMPLE)
    assert (gold.article, gold.article_id, gold.published) == (ARTICLE, "000_test", dt.date(2023, 10, 23))
    assert gold.notes.strip() == "Free text for reviewers."
    [event] = gold.events
    assert (event.id, event.incident, event.optional) == ("e1", "2023-10-23-al-tanf", False)
    assert event.fields["date"] == [dt.date(2023, 10, 23)]
    assert event.fields["location.site"] == ["al-Tanf garrison", "al-Tanf", "Tanf"]  # value, then aliases
    assert event.fields["location.area"] == ["southeastern Syria", None]  # any_of, null kept
    assert event.fields["weapons"] == [[Weapon.DRONE]]
    assert event.fields["attribution"] == [Attribution.CLAIMED]
    assert event.fields["casualties"] == [Casualties.NONE]
    assert event.fields["killed"] == [None]
    assert event.fields["injured"] == [0]
    assert event.evidence == ["their forces used two drones to attack the al-Tanf garrison"]
    assert "evidence" not in event.fields


def test_every_schema_leaf_but_evidence_becomes_a_field(tmp_path: Path) -> None:
    [event] = load(tmp_path, FORMAT_EXAMPLE).events
    assert set(event.fields) == set(schema_fields(AttackEvent)) - {"evidence"}


def test_any_of_with_aliases_inside(tmp_path: Path) -> None:
    doc = base_doc()
    doc["events"][0]["location"]["site"] = {"any_of": [{"value": "al-Tanf garrison", "aliases": ["At-Tanf"]}, None]}
    gold = load(tmp_path, doc)
    assert gold.events[0].fields["location.site"] == ["al-Tanf garrison", "At-Tanf", None]


def test_any_of_for_a_set_field(tmp_path: Path) -> None:
    doc = base_doc()
    doc["events"][0]["weapons"] = {"any_of": [["rocket"], ["rocket", "mortar"]]}
    gold = load(tmp_path, doc)
    assert gold.events[0].fields["weapons"] == [[Weapon.ROCKET], [Weapon.ROCKET, Weapon.MORTAR]]


def test_gold_article_round_trips_through_json(tmp_path: Path) -> None:
    gold = load(tmp_path, base_doc())
    again = GoldArticle.model_validate_json(gold.model_dump_json())
    assert again.article_id == gold.article_id
    assert again.events[1].fields["date"] == ["2023-10-22"]  # Any-typed: JSON keeps the ISO text


def set_path(doc: dict[str, Any], event: int, path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    target = doc["events"][event]
    *parents, leaf = path.split(".")
    for parent in parents:
        target = target[parent]
    target[leaf] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("weapons", ["drones"]),
        ("weapons", None),  # a list field says "not stated" with [], not null
        ("attribution", "claimd"),
        ("attribution", None),  # the schema's "none" is how to say no perpetrator
        ("casualties", "few"),
        ("date", "2023-13-01"),
        ("killed", -1),
        ("weapon_count", "two"),
        ("location.site", 22),
        ("location.site", {"any_of": ["al-Tanf", 22]}),
        ("location.site", {"value": "al-Tanf", "aliases": [None, 7]}),
    ],
)
def test_invalid_value_names_file_event_and_field(tmp_path: Path, path: str, value: Any) -> None:
    with pytest.raises(GoldError) as caught:
        load(tmp_path, set_path(base_doc(), 1, path, value))
    message = str(caught.value)
    assert "000_test.yaml" in message
    assert "event e2" in message
    assert repr(path) in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        ("location.site", {"valu": "al-Tanf"}, "expected a value"),
        ("location.site", {"value": "al-Tanf", "any_of": ["x"]}, "expected a value"),
        ("location.site", {"any_of": []}, "non-empty list"),
        ("location.site", {"value": "al-Tanf", "aliases": "Tanf"}, "'aliases' must be a list"),
        ("location", "Syria", "must be a mapping"),
        ("perpetraor", "IRI", "unknown field 'perpetraor'"),
        ("location.country_code", "SY", "unknown field 'location.country_code'"),
        ("optional", "yes please", "'optional' must be true or false"),
        ("evidence", "a single string", "'evidence' must be a list"),
        ("incident", None, "'incident'"),
    ],
)
def test_malformed_event(tmp_path: Path, path: str, value: Any, says: str) -> None:
    with pytest.raises(GoldError, match=says):
        load(tmp_path, set_path(base_doc(), 1, path, value))


@pytest.mark.parametrize(
    ("mutate", "says"),
    [
        (lambda d: d.pop("article"), "'article' must name"),
        (lambda d: d.update(article="999_other.txt"), "named after article"),
        (lambda d: d.update(published="last Monday"), "'published'"),
        (lambda d: d.update(published=None), "'published'"),
        (lambda d: d.update(events={"e1": {}}), "'events' must be a list"),
        (lambda d: d.update(extra_key=1), "unknown top-level keys"),
        (lambda d: d["events"][0].pop("id"), "'id' must be"),
        (lambda d: d["events"].append("e3"), "event #3: an event must be a mapping"),
    ],
)
def test_malformed_file(tmp_path: Path, mutate: Any, says: str) -> None:
    doc = base_doc()
    mutate(doc)
    with pytest.raises(GoldError, match=says):
        load(tmp_path, doc)


@pytest.mark.parametrize("text", ["events: [\n", "- just\n- a list\n", ""])
def test_not_a_gold_mapping(tmp_path: Path, text: str) -> None:
    with pytest.raises(GoldError, match=r"000_test\.yaml"):
        load(tmp_path, text)


def test_missing_file_is_a_gold_error(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="cannot read"):
        load_gold(tmp_path / "000_test.yaml", AttackEvent)


def test_load_gold_dir_keys_by_article_and_ignores_other_files(tmp_path: Path) -> None:
    write(tmp_path, base_doc())
    other = base_doc()
    other["article"] = "001_other.txt"
    write(tmp_path, other, "001_other.yml")
    (tmp_path / "FORMAT.md").write_text("# not gold\n", encoding="utf-8")
    golds = load_gold_dir(tmp_path, AttackEvent)
    assert sorted(golds) == ["000_test", "001_other"]
    assert golds["001_other"].article == "001_other.txt"


def test_load_gold_dir_rejects_two_files_for_one_article(tmp_path: Path) -> None:
    write(tmp_path, base_doc(), "000_test.yaml")
    write(tmp_path, base_doc(), "000_test.yml")
    with pytest.raises(GoldError, match="second gold file"):
        load_gold_dir(tmp_path, AttackEvent)


def test_load_gold_dir_needs_a_directory(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="does not exist"):
        load_gold_dir(tmp_path / "nowhere", AttackEvent)


# --------------------------------------------------------------------------- checks


def test_a_good_file_has_no_problems(tmp_path: Path) -> None:
    assert problems_of(tmp_path, base_doc()) == []


def only_problem(problems: list[str], *fragments: str) -> None:
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0], problems[0]


def test_missing_schema_field(tmp_path: Path) -> None:
    doc = base_doc()
    del doc["events"][1]["location"]["area"]
    del doc["events"][1]["target"]
    problems = problems_of(tmp_path, doc)
    assert problems == [
        "000_test.txt: e2: missing field 'location.area' (write null or [] when the article does not say)",
        "000_test.txt: e2: missing field 'target' (write null or [] when the article does not say)",
    ]


def test_evidence_must_be_an_exact_substring(tmp_path: Path) -> None:
    # A straightened apostrophe or a folded line break is not byte for byte.
    doc = set_path(base_doc(), 1, "evidence", ["fired rockets at Ain al-Asad  air base"])
    only_problem(problems_of(tmp_path, doc), "e2", "not an exact substring", "Ain al-Asad  air base")


def test_evidence_holds_no_more_quotes_than_the_schema_takes(tmp_path: Path) -> None:
    """A gold answer shown as a few-shot example must validate as the schema's answer (round 9 first had four)."""
    quotes = ["The group also fired rockets", "at Ain al-Asad air base", "on Sunday", "fired rockets at Ain al-Asad"]
    only_problem(
        problems_of(tmp_path, set_path(base_doc(), 1, "evidence", quotes)), "e2", "4 evidence quotes", "at most 3"
    )
    assert problems_of(tmp_path, set_path(base_doc(), 1, "evidence", quotes[:3])) == []


def test_empty_evidence_quote_is_not_a_substring(tmp_path: Path) -> None:
    doc = set_path(base_doc(), 1, "evidence", [""])
    only_problem(problems_of(tmp_path, doc), "e2", "not an exact substring")


@pytest.mark.parametrize("evidence", [[], None])
def test_event_needs_evidence(tmp_path: Path, evidence: Any) -> None:
    doc = set_path(base_doc(), 1, "evidence", evidence)
    only_problem(problems_of(tmp_path, doc), "e2", "no evidence")


def test_evidence_key_absent(tmp_path: Path) -> None:
    doc = base_doc()
    del doc["events"][1]["evidence"]
    only_problem(problems_of(tmp_path, doc), "e2", "no evidence")


@pytest.mark.parametrize("country", [None, {"any_of": ["Iraq", None]}])
def test_event_needs_a_country(tmp_path: Path, country: Any) -> None:
    doc = set_path(base_doc(), 1, "location.country", country)
    only_problem(problems_of(tmp_path, doc), "e2", "'location.country' must have a value")


@pytest.mark.parametrize("weapons", [[], {"any_of": [["rocket"], []]}])
def test_event_needs_a_weapon(tmp_path: Path, weapons: Any) -> None:
    doc = set_path(base_doc(), 1, "weapons", weapons)
    only_problem(problems_of(tmp_path, doc), "e2", "'weapons' must have a value")


def test_required_fields_are_a_parameter(tmp_path: Path) -> None:
    doc = set_path(base_doc(), 1, "location.country", None)
    gold = load(tmp_path, doc)
    # weapons stays required because the schema itself demands a non-empty list.
    assert check_gold(gold, ARTICLE_TEXT, AttackEvent, required_fields=()) == []
    doc = set_path(base_doc(), 1, "weapons", [])
    gold = load(tmp_path, doc)
    assert len(check_gold(gold, ARTICLE_TEXT, AttackEvent, required_fields=())) == 1
    # A path the schema lacks is ignored, so the attack default is harmless elsewhere.
    assert check_gold(load(tmp_path, base_doc()), ARTICLE_TEXT, AttackEvent, required_fields=("nope",)) == []


def same_place_and_day(doc: dict[str, Any]) -> dict[str, Any]:
    second = doc["events"][1]
    second["date"] = dt.date(2023, 10, 23)
    # The scorer's equality: "Al Tanf" is the same place as "al-Tanf garrison".
    second["location"] = {"site": "Al Tanf", "area": "southeastern Syria", "country": "Syria"}
    return doc


def test_two_events_share_attacker_place_and_day(tmp_path: Path) -> None:
    only_problem(
        problems_of(tmp_path, same_place_and_day(base_doc())),
        "e1 and e2 share",
        "perpetrator='Islamic Resistance in Iraq'",
        "one event per attacker, place and day",
    )


def test_an_optional_event_may_share_attacker_place_and_day(tmp_path: Path) -> None:
    doc = same_place_and_day(base_doc())
    doc["events"][1]["optional"] = True
    assert problems_of(tmp_path, doc) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("location.site", "Ain al-Asad air base"),
        ("date", dt.date(2023, 10, 22)),
        ("perpetrator", "Kataib Sayyid al-Shuhada"),
        ("date", None),  # null against a date is not the same day
        ("location.area", "northeastern Syria"),
    ],
)
def test_events_differing_in_attacker_place_or_day_are_fine(tmp_path: Path, path: str, value: Any) -> None:
    doc = set_path(same_place_and_day(base_doc()), 1, path, value)
    assert problems_of(tmp_path, doc) == []


def test_unnamed_sites_on_unknown_days_differ_by_area(tmp_path: Path) -> None:
    # 000's e2/e3: no site and no day, but "western Iraq" and "northern Iraq" are two places.
    doc = base_doc()
    for event, area in zip(doc["events"], ["western Iraq", "northern Iraq"], strict=True):
        event.update(date=None, perpetrator="Islamic Resistance in Iraq")
        event["location"] = {"site": None, "area": area, "country": "Iraq"}
    assert problems_of(tmp_path, doc) == []
    doc["events"][1]["location"]["area"] = "western Iraq"
    only_problem(problems_of(tmp_path, doc), "e1 and e2 share", "location.site=None", "date=None")


def test_date_after_publication(tmp_path: Path) -> None:
    doc = set_path(base_doc(), 1, "date", {"any_of": [dt.date(2023, 10, 22), dt.date(2023, 10, 24)]})
    only_problem(problems_of(tmp_path, doc), "e2", "2023-10-24 is after the publication date 2023-10-23")


def test_date_on_publication_day_is_fine(tmp_path: Path) -> None:
    doc = set_path(base_doc(), 1, "date", dt.date(2023, 10, 23))
    assert problems_of(tmp_path, doc) == []


def test_duplicate_ids(tmp_path: Path) -> None:
    doc = set_path(base_doc(), 1, "id", "e1")
    only_problem(problems_of(tmp_path, doc), "id 'e1' is used by 2 events")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    doc = set_path(base_doc(), 1, "id", "e1")
    doc = set_path(doc, 1, "weapons", [])
    doc = set_path(doc, 1, "evidence", ["not in the article"])
    problems = problems_of(tmp_path, doc)
    assert len(problems) == 3
    assert all("\n" not in problem for problem in problems)


# --------------------------------------------------------------------------- the real gold files

REAL_GOLD = sorted(ATTACKS.gold_dir.glob("*.yaml"))


@pytest.mark.parametrize("path", REAL_GOLD, ids=[p.name for p in REAL_GOLD])
def test_real_gold_file_passes_every_check(path: Path) -> None:
    gold = load_gold(path, ATTACKS.event_model)
    article = ATTACKS.corpus_dir / gold.article
    assert article.is_file(), f"{path.name} names {gold.article}, which is not in {ATTACKS.corpus_dir}"
    problems = check_attack_gold(gold, article.read_text(encoding="utf-8"))
    assert problems == [], "\n".join(problems)


def test_every_corpus_article_has_its_gold_file() -> None:
    articles = {p.stem for p in ATTACKS.corpus_dir.glob("*.txt")}
    assert len(articles) >= 41
    assert {p.stem for p in REAL_GOLD} == articles


def test_a_glob_that_finds_no_gold_fails_rather_than_skips() -> None:
    # REAL_GOLD parametrises the tests above; pytest would skip an empty parameter set.
    config = tomllib.loads((ATTACKS.gold_dir.parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["pytest"]["ini_options"]["empty_parameter_set_mark"] == "fail_at_collect"
