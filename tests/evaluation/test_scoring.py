"""The scorer: alignment, event and field counts, explanations, bootstrap intervals.

Expected numbers are computed by hand in the comments. The attack schema scores
12 fields: date, location.site, location.area, location.country, perpetrator,
attribution, target, weapons, weapon_count, killed, injured, casualties
(date_text and evidence are not scored).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.attacks.schemas import AttackEvent, Attribution, Casualties, Weapon
from extractor.comparators import Kind
from extractor.evaluation.bootstrap import Interval
from extractor.evaluation.gold import GoldArticle, GoldEvent, load_gold
from extractor.evaluation.scoring import (
    ArticleScore,
    CorpusScore,
    Counts,
    align,
    event_similarity,
    rates,
    score_article,
    score_corpus,
)
from extractor.fields import field_specs, flatten
from extractor.tasks import ATTACKS
from tests.oracles import event_f1, micro_f1, paired_bootstrap

SPECS = field_specs(AttackEvent)
SCORED_FIELDS = [
    "date",
    "location.site",
    "location.area",
    "location.country",
    "perpetrator",
    "attribution",
    "target",
    "weapons",
    "weapon_count",
    "killed",
    "injured",
    "casualties",
]


class AnyOf(list[Any]):
    """Test shorthand: a gold field with several acceptable values."""


def gold_event(
    event_id: str, values: Mapping[str, Any], *, optional: bool = False, incident: str | None = None
) -> GoldEvent:
    fields = {path: list(value) if isinstance(value, AnyOf) else [value] for path, value in values.items()}
    return GoldEvent(
        id=event_id,
        incident=incident or f"incident-{event_id}",
        optional=optional,
        fields=fields,
        evidence=[f"evidence for {event_id}"],
    )


def article(*events: GoldEvent, published: dt.date = dt.date(2023, 10, 23)) -> GoldArticle:
    return GoldArticle(article="000_test.txt", published=published, events=list(events))


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, leaf = path.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def prediction_from(event: GoldEvent, **changes: Any) -> dict[str, Any]:
    """What a perfect system would output for a gold event: the first alternative of each
    field. ``changes`` override fields (``location__site`` for ``location.site``)."""
    flat = {path: options[0] for path, options in event.fields.items()}
    flat.update({key.replace("__", "."): value for key, value in changes.items()})
    return {**nest(flat), "evidence": list(event.evidence)}


def score(gold: GoldArticle, predicted: Sequence[Any], **kwargs: Any) -> ArticleScore:
    return score_article(gold.article_id, predicted, gold, AttackEvent, **kwargs)


def counts(c: Counts) -> tuple[float, float, float]:
    return c.tp, c.fp, c.fn


def micro(result: ArticleScore) -> Counts:
    return Counts.total(result.fields.values())


def assert_perfect(result: ArticleScore) -> None:
    assert result.events.f1 == 1.0, result.events
    for name, field in result.fields.items():
        assert (field.precision, field.recall, field.f1) == (1.0, 1.0, 1.0), (name, field)
    assert micro(result).f1 == 1.0


# Filled scored fields: date, site, area, country, perpetrator, attribution, target,
# weapons, weapon_count, injured, casualties = 11 (killed is not stated).
TANF = {
    "date": dt.date(2023, 10, 23),
    "date_text": "Monday",
    "location.site": "al-Tanf garrison",
    "location.area": "southeastern Syria",
    "location.country": "Syria",
    "perpetrator": "Islamic Resistance in Iraq",
    "attribution": Attribution.CLAIMED,
    "target": "U.S. forces",
    "weapons": [Weapon.DRONE],
    "weapon_count": 2,
    "killed": None,
    "injured": 0,
    "casualties": Casualties.NONE,
}
# Filled: date, site, area, country, perpetrator, attribution, target, weapons,
# casualties = 9 (weapon_count, killed, injured are not stated).
ASAD = {
    "date": dt.date(2023, 10, 22),
    "date_text": "Sunday",
    "location.site": "Ain al-Asad air base",
    "location.area": "Anbar province",
    "location.country": "Iraq",
    "perpetrator": "Islamic Resistance in Iraq",
    "attribution": Attribution.ATTRIBUTED,
    "target": "U.S. and Coalition forces",
    "weapons": [Weapon.DRONE, Weapon.ROCKET],
    "weapon_count": None,
    "killed": None,
    "injured": None,
    "casualties": Casualties.UNKNOWN,
}
# A passing mention of a historical attack.
K1 = {
    "date": dt.date(2019, 12, 27),
    "date_text": "December 2019",
    "location.site": "K-1 air base",
    "location.area": "Kirkuk",
    "location.country": "Iraq",
    "perpetrator": "Kataib Hezbollah",
    "attribution": Attribution.ATTRIBUTED,
    "target": "U.S. contractors",
    "weapons": [Weapon.ROCKET],
    "weapon_count": None,
    "killed": 1,
    "injured": None,
    "casualties": Casualties.KILLED_AND_INJURED,
}
E1, E2 = gold_event("e1", TANF), gold_event("e2", ASAD)
E3_OPTIONAL = gold_event("e3", K1, optional=True)
TWO = article(E1, E2)


# --------------------------------------------------------------------------- building blocks


def test_field_specs_walk_nested_models_and_skip_ignored_fields() -> None:
    assert list(SPECS) == SCORED_FIELDS
    assert SPECS["location.site"].key
    assert SPECS["location.site"].identify == 3.0
    assert SPECS["target"].threshold == 80.0
    assert all(spec.kind is not Kind.IGNORE for spec in SPECS.values())


def test_flatten_a_model_and_a_mapping_alike() -> None:
    as_dict = prediction_from(E1)
    as_model = AttackEvent.model_validate(as_dict)
    assert flatten(as_dict)["location.site"] == "al-Tanf garrison"
    assert flatten(as_model) == flatten(as_model.model_dump())
    assert {k: v for k, v in flatten(as_model).items() if k in SPECS} == {path: TANF[path] for path in SCORED_FIELDS}


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "expected"),
    [
        (0, 0, 0, (1.0, 1.0, 1.0)),  # nothing to find, nothing predicted: perfect
        (0, 0, 3, (0.0, 0.0, 0.0)),  # nothing predicted, 3 to find: P is 0/0 with fn > 0 -> 0
        (0, 2, 0, (0.0, 0.0, 0.0)),  # 2 predicted, nothing to find: R is 0/0 with fp > 0 -> 0
        (2, 1, 0, (2 / 3, 1.0, 0.8)),  # F1 = 2*2 / (2*2 + 1 + 0) = 4/5
        (1, 0, 1, (1.0, 0.5, 2 / 3)),  # F1 = 2 / (2 + 1) = 2/3
        (0.5, 0.5, 0.0, (0.5, 1.0, 2 / 3)),  # fractional (set) counts: 1 / (1 + 0.5)
    ],
)
def test_counts_rates_and_zero_division(tp: float, fp: float, fn: float, expected: tuple[float, ...]) -> None:
    c = Counts(tp=tp, fp=fp, fn=fn)
    assert (c.precision, c.recall, c.f1) == pytest.approx(expected)
    assert tuple(float(x) for x in rates(tp, fp, fn)) == pytest.approx(expected)


def test_counts_add_and_total() -> None:
    a, b = Counts(tp=1, fp=2, fn=3), Counts(tp=0.5, fp=0, fn=1)
    assert a + b == Counts(tp=1.5, fp=2, fn=4)
    thirds = [Counts(tp=1 / 3), Counts(tp=1 / 3), Counts(tp=1 / 3), Counts(tp=0.1)]
    assert Counts.total(thirds) == Counts.total(reversed(thirds))  # exact sum: order does not matter
    assert Counts.total([]) == Counts()
    assert sum([a, b]) == a + b  # the built-in sum starts from 0


def test_counts_round_trip_through_json_with_rates() -> None:
    c = Counts(tp=2, fp=1, fn=0.5)
    dumped = c.model_dump()
    assert dumped["f1"] == c.f1  # the rates are in the report, not only the counts
    assert Counts.model_validate_json(c.model_dump_json()) == c


def test_event_similarity_weighs_identifying_fields() -> None:
    pred = flatten(prediction_from(E1))
    assert event_similarity(pred, E1, SPECS) == 1.0
    # Wrong date only: identify weights site 3, date 1.5, country 1, perpetrator 1,
    # weapons 1 = 7.5; similarity (7.5 - 1.5) / 7.5 = 0.8.
    wrong_day = flatten(prediction_from(E1, date=dt.date(2023, 10, 20)))
    assert event_similarity(wrong_day, E1, SPECS) == pytest.approx(0.8)
    # Non-identifying fields do not move it.
    wrong_count = flatten(prediction_from(E1, weapon_count=9, target="nobody"))
    assert event_similarity(wrong_count, E1, SPECS) == 1.0


def test_align_is_optimal_not_greedy() -> None:
    # Prediction 0 resembles both gold events; prediction 1 only gold 0. Greedy
    # (best pair first) would give prediction 0 gold 0 and leave prediction 1 unpaired.
    g0 = gold_event("g0", {**TANF, "weapons": [Weapon.DRONE]})
    g1 = gold_event("g1", {**TANF, "location.site": None, "weapons": [Weapon.ROCKET]})
    p0 = flatten(prediction_from(g0, location__site=None))
    p1 = flatten(prediction_from(g0))
    alignment = align([p0, p1], [g0, g1], SPECS)
    assert alignment.matches == [(0, 1), (1, 0)]


# --------------------------------------------------------------------------- gold against itself


def test_gold_against_itself_is_perfect() -> None:
    gold = article(E1, E2, E3_OPTIONAL, gold_event("e4", {**TANF, "location.area": AnyOf([None, "Homs"])}))
    result = score(gold, [prediction_from(e) for e in gold.events])
    assert_perfect(result)
    # e1 11 + e2 9 + e4 10 (area's first reading is "not stated") = 30 field TPs; the
    # optional e3 counts nowhere.
    assert counts(result.events) == (3, 0, 0)
    assert counts(micro(result)) == (30, 0, 0)
    assert [p.status for p in result.pairs] == ["matched", "matched", "optional_matched", "matched"]


def test_gold_against_itself_as_validated_models() -> None:
    predicted = [AttackEvent.model_validate(prediction_from(e)) for e in (E1, E2)]
    assert_perfect(score(TWO, predicted))


REAL_GOLD = sorted(ATTACKS.gold_dir.glob("*.yaml"))


@pytest.mark.parametrize("path", REAL_GOLD, ids=[p.name for p in REAL_GOLD])
def test_real_gold_against_itself_is_perfect(path: Path) -> None:
    gold = load_gold(path, ATTACKS.event_model)
    result = score_article(gold.article_id, [prediction_from(e) for e in gold.events], gold, ATTACKS.event_model)
    assert_perfect(result)
    required = sum(not e.optional for e in gold.events)
    assert counts(result.events) == (required, 0, 0)


# --------------------------------------------------------------------------- hand-computed cases

# An extra event at a base the gold does not have. Filled: date, site, country,
# perpetrator, attribution, weapons, casualties = 7.
ERBIL = nest(
    {
        "date": dt.date(2023, 10, 20),
        "location.site": "Erbil air base",
        "location.country": "Iraq",
        "perpetrator": "Islamic Resistance in Iraq",
        "attribution": "claimed",
        "weapons": ["drone"],
        "casualties": "none",
    }
)


def test_an_extra_event() -> None:
    result = score(TWO, [prediction_from(E1), prediction_from(E2), ERBIL])
    # Events: tp 2, fp 1. P = 2/3, R = 1, F1 = 2*2 / (2*2 + 1) = 4/5.
    assert counts(result.events) == (2, 1, 0)
    assert result.events.f1 == pytest.approx(4 / 5)
    # Fields: 11 + 9 = 20 TPs from the matched pairs; the extra event's 7 filled fields
    # are FPs. F1 = 40 / (40 + 7) = 40/47.
    assert counts(micro(result)) == (20, 7, 0)
    assert micro(result).f1 == pytest.approx(40 / 47)
    assert counts(result.fields["location.site"]) == (2, 1, 0)
    assert counts(result.fields["target"]) == (2, 0, 0)  # the extra event states no target
    [spurious] = [p for p in result.pairs if p.status == "spurious"]
    assert (spurious.pred_index, spurious.gold_id, spurious.similarity) == (2, None, None)
    assert {f.field for f in spurious.fields if f.fp} == {
        "date",
        "location.site",
        "location.country",
        "perpetrator",
        "attribution",
        "weapons",
        "casualties",
    }


def test_a_missed_event() -> None:
    result = score(TWO, [prediction_from(E1)])
    # Events: tp 1, fn 1. P = 1, R = 1/2, F1 = 2 / (2 + 1) = 2/3.
    assert counts(result.events) == (1, 0, 1)
    assert result.events.f1 == pytest.approx(2 / 3)
    # Fields: e1's 11 TPs; e2's 9 stated fields are FNs (field recall covers missed events).
    # R = 11/20, F1 = 22 / (22 + 9) = 22/31.
    assert counts(micro(result)) == (11, 0, 9)
    assert micro(result).f1 == pytest.approx(22 / 31)
    # e2's two weapons weigh one field: fn = 2/2 = 1. weapon_count: e2 does not state it.
    assert counts(result.fields["weapons"]) == (1, 0, 1)
    assert counts(result.fields["weapon_count"]) == (1, 0, 0)
    [missed] = [p for p in result.pairs if p.status == "missed"]
    assert (missed.gold_id, missed.incident, missed.pred_index) == ("e2", "incident-e2", None)
    assert "Ain al-Asad air base" in missed.explanation


def test_events_in_a_different_order_score_the_same() -> None:
    forward = score(TWO, [prediction_from(E1), prediction_from(E2), ERBIL])
    backward = score(TWO, [ERBIL, prediction_from(E2), prediction_from(E1)])
    assert forward.events == backward.events
    assert forward.fields == backward.fields
    reordered_gold = score(article(E2, E1), [prediction_from(E1), prediction_from(E2), ERBIL])
    assert reordered_gold.fields == forward.fields
    # The pairs still point at the right indices.
    assert {(p.pred_index, p.gold_id) for p in backward.pairs} == {(2, "e1"), (1, "e2"), (0, None)}


def test_wrong_fields() -> None:
    gold = article(E1)
    pred = prediction_from(E1, weapon_count=3, perpetrator=None, killed=1)
    result = score(gold, [pred])
    # Still the same event: identify similarity (7.5 - 1 for perpetrator) / 7.5 = 0.87.
    assert counts(result.events) == (1, 0, 0)
    assert counts(result.fields["weapon_count"]) == (0, 1, 1)  # wrong value: FP and FN
    assert counts(result.fields["perpetrator"]) == (0, 0, 1)  # null where gold has a value: a miss
    assert counts(result.fields["killed"]) == (0, 1, 0)  # a value where gold says not stated: FP
    # Micro: 11 stated - 2 lost = 9 TPs; FP weapon_count + killed = 2; FN weapon_count +
    # perpetrator = 2. P = R = F1 = 9/11.
    assert counts(micro(result)) == (9, 2, 2)
    assert micro(result).f1 == pytest.approx(9 / 11)
    [pair] = result.pairs
    [count_field] = [f for f in pair.fields if f.field == "weapon_count"]
    assert (count_field.predicted, count_field.gold) == (3, [2])
    assert "wrong value" in count_field.explanation


AMBIGUOUS = gold_event(
    "e1",
    {
        **TANF,
        "location.area": AnyOf(["southeastern Syria", None]),
        "casualties": AnyOf([Casualties.NONE, Casualties.UNKNOWN]),
        "weapons": AnyOf([[Weapon.DRONE], [Weapon.DRONE, Weapon.ROCKET]]),
    },
)


@pytest.mark.parametrize(
    ("field", "predicted", "expected"),
    [
        ("location.area", "southeastern Syria", (1, 0, 0)),
        ("location.area", "Southeastern Syria.", (1, 0, 0)),
        ("location.area", None, (0, 0, 0)),  # null is listed: accepted, and not a hit either
        ("location.area", "Homs", (0, 1, 0)),  # wrong, but not stated was acceptable: FP only
        ("location.area", "northeastern Syria", (0, 1, 0)),  # one letter off, another region
        ("casualties", "none", (1, 0, 0)),
        ("casualties", "unknown", (1, 0, 0)),
        ("casualties", "injured", (0, 1, 1)),
        ("weapons", ["drone"], (1, 0, 0)),
        ("weapons", ["rocket", "drone"], (1, 0, 0)),
        # Against [drone]: 0 hits, 1 extra, 1 missing = (0, 1, 1). Against [drone, rocket]:
        # 1 hit, 0 extra, 1 missing, each /2 = (0.5, 0, 0.5): fewer errors, so that reading.
        ("weapons", ["rocket"], (0.5, 0, 0.5)),
    ],
)
def test_any_of_accepts_every_listed_alternative(field: str, predicted: Any, expected: tuple[float, ...]) -> None:
    result = score(article(AMBIGUOUS), [prediction_from(AMBIGUOUS, **{field.replace(".", "__"): predicted})])
    assert counts(result.events) == (1, 0, 0)
    assert counts(result.fields[field]) == pytest.approx(expected)


def test_any_of_null_first_is_missed_as_nothing() -> None:
    # A missed gold event whose field accepts not stated adds no FN for that field.
    result = score(article(AMBIGUOUS), [])
    assert counts(result.fields["location.area"]) == (0, 0, 0)
    assert counts(result.fields["location.site"]) == (0, 0, 1)


OPTIONAL_CASES = {
    "found": [prediction_from(E1), prediction_from(E3_OPTIONAL)],
    "found with wrong fields": [prediction_from(E1), prediction_from(E3_OPTIONAL, killed=5, target="nobody")],
    "not found": [prediction_from(E1)],
}


@pytest.mark.parametrize("case", OPTIONAL_CASES)
def test_an_optional_event_counts_nowhere(case: str) -> None:
    result = score(article(E1, E3_OPTIONAL), OPTIONAL_CASES[case])
    # Exactly the score of e1 alone: 1 event TP and its 11 field TPs, nothing else.
    assert counts(result.events) == (1, 0, 0)
    assert counts(micro(result)) == (11, 0, 0)
    [optional] = [p for p in result.pairs if p.gold_id == "e3"]
    assert optional.status == ("optional_missed" if case == "not found" else "optional_matched")
    assert optional.fields == []
    assert "optional" in optional.explanation


def test_a_missed_optional_event_is_not_a_miss_even_alone() -> None:
    result = score(article(E3_OPTIONAL), [])
    assert counts(result.events) == (0, 0, 0)
    assert result.events.f1 == 1.0  # nothing required, nothing predicted


ALIASED = gold_event("e1", {**TANF, "location.site": AnyOf(["al-Tanf garrison", "At-Tanf"])})


@pytest.mark.parametrize("site", ["al-Tanf garrison", "Al Tanf", "AL-TANF", "the al-Tanf garrison", "At-Tanf"])
def test_alias_spellings_match(site: str) -> None:
    # Case, hyphens and "al"/"the" are normalised away; "At-Tanf" matches only through
    # the gold's alias.
    result = score(article(ALIASED), [prediction_from(ALIASED, location__site=site)])
    assert counts(result.events) == (1, 0, 0)
    assert counts(result.fields["location.site"]) == (1, 0, 0)


def test_without_the_alias_the_variant_is_another_place() -> None:
    # "At-Tanf" vs "al-Tanf garrison" scores 73 < 85, and site is a key field: the
    # prediction cannot be this event. Events: fp 1, fn 1.
    result = score(article(E1), [prediction_from(E1, location__site="At-Tanf")])
    assert counts(result.events) == (0, 1, 1)
    assert [p.status for p in result.pairs] == ["missed", "spurious"]


def test_an_empty_prediction() -> None:
    result = score(TWO, [])
    # Nothing predicted, 2 to find: P = 0 (0/0 with fn > 0), R = 0, F1 = 0.
    assert counts(result.events) == (0, 0, 2)
    assert (result.events.precision, result.events.recall, result.events.f1) == (0.0, 0.0, 0.0)
    assert counts(micro(result)) == (0, 0, 20)  # 11 + 9 stated fields, all missed
    assert all(p.status == "missed" and "no predicted events" in p.explanation for p in result.pairs)


def test_an_empty_prediction_for_an_article_without_events_is_perfect() -> None:
    assert_perfect(score(article(), []))


def test_predictions_for_an_article_without_events() -> None:
    result = score(article(), [ERBIL])
    # 1 predicted, nothing to find: P = 0, R = 0 (0/0 with fp > 0), F1 = 0.
    assert counts(result.events) == (0, 1, 0)
    assert result.events.f1 == 0.0
    assert "the gold has no events" in result.pairs[0].explanation


def test_a_failed_prediction_is_scored_as_empty_and_keeps_the_error() -> None:
    result = score(TWO, [prediction_from(E1)], error="InvalidOutputError: still invalid after 3 re-asks")
    assert result.error == "InvalidOutputError: still invalid after 3 re-asks"
    assert counts(result.events) == (0, 0, 2)


# "... attacked Ain al-Asad air base and Harir air base": two events from one sentence,
# alike in everything but the site.
ONE_SENTENCE = {**ASAD, "location.area": None, "target": None, "weapons": [Weapon.DRONE]}
AIN_AL_ASAD = gold_event("a", ONE_SENTENCE)
HARIR = gold_event("h", {**ONE_SENTENCE, "location.site": "Harir air base"})


def test_a_key_field_blocks_a_wrong_alignment() -> None:
    harir = prediction_from(HARIR)
    erbil = prediction_from(AIN_AL_ASAD, location__site="Erbil air base")  # a third, wrong base
    # Without the key, Erbil would pass for Ain al-Asad: it agrees on date, country,
    # perpetrator and weapons (4.5 of 7.5) and the names share "air base".
    no_key = {path: dataclasses.replace(spec, key=False) for path, spec in SPECS.items()}
    assert event_similarity(flatten(erbil), AIN_AL_ASAD, no_key) > 0.8
    assert event_similarity(flatten(erbil), AIN_AL_ASAD, SPECS) == 0.0

    result = score(article(AIN_AL_ASAD, HARIR), [harir, erbil])
    # Harir pairs with Harir; Erbil is spurious; Ain al-Asad is missed. Events tp 1, fp 1, fn 1.
    assert counts(result.events) == (1, 1, 1)
    by_status = {p.status: p for p in result.pairs}
    assert (by_status["matched"].pred_index, by_status["matched"].gold_id) == (0, "h")
    assert by_status["missed"].gold_id == "a"
    assert "key field 'location.site' disagrees" in by_status["spurious"].explanation
    assert "'Erbil air base'" in by_status["spurious"].explanation


def test_an_unnamed_site_does_not_block() -> None:
    result = score(article(AIN_AL_ASAD), [prediction_from(AIN_AL_ASAD, location__site=None)])
    assert counts(result.events) == (1, 0, 0)
    assert counts(result.fields["location.site"]) == (0, 0, 1)


def test_below_threshold_is_not_a_match() -> None:
    # Same site, nothing else identifying agrees (empty against a stated value scores 0,
    # disjoint weapons score 0): identify similarity 3 / 7.5 = 0.4 < 0.5.
    far = prediction_from(E1, date=None, location__country=None, perpetrator=None, weapons=["mortar"])
    result = score(article(E1), [far])
    assert counts(result.events) == (0, 1, 1)
    assert "similarity 0.40 < threshold 0.50" in result.pairs[0].explanation
    assert counts(score(article(E1), [far], threshold=0.4).events) == (1, 0, 0)


def test_matched_pair_explains_which_values_aligned() -> None:
    result = score(TWO, [prediction_from(E1)])
    matched = result.pairs[0]
    assert matched.status == "matched"
    assert matched.similarity == 1.0
    assert "gold e1 (incident incident-e1" in matched.explanation
    assert "location.site='al-Tanf garrison'" in matched.explanation
    assert [f.field for f in matched.fields] == SCORED_FIELDS


def test_article_score_round_trips_through_json() -> None:
    result = score(TWO, [prediction_from(E1, weapons=["drone", "rocket"]), ERBIL], error=None)
    assert ArticleScore.model_validate_json(result.model_dump_json()) == result


# --------------------------------------------------------------------------- corpus and bootstrap


def varied_corpus() -> list[ArticleScore]:
    cases: list[tuple[GoldArticle, list[Any]]] = [
        (TWO, [prediction_from(E1), prediction_from(E2)]),
        (TWO, [prediction_from(E1)]),
        (TWO, [prediction_from(E1), prediction_from(E2), ERBIL]),
        (article(E1), [prediction_from(E1, weapon_count=3, perpetrator=None)]),
        (article(AMBIGUOUS), [prediction_from(AMBIGUOUS, location__area="Homs")]),
        (article(E1, E3_OPTIONAL), [prediction_from(E1)]),
        (article(AIN_AL_ASAD, HARIR), [prediction_from(HARIR)]),
        (TWO, []),
    ]
    return [score_article(f"a{i}", predicted, gold, AttackEvent) for i, (gold, predicted) in enumerate(cases)]


def test_corpus_totals_sum_counts_not_averages() -> None:
    found = score_article("found", [prediction_from(E1)], article(E1), AttackEvent)
    lost = score_article("lost", [], TWO, AttackEvent)
    corpus = score_corpus([found, lost], n_resamples=50)
    # Events tp 1, fn 0 + 2 = 2: R = 1/3, not the mean of the article recalls (1 + 0) / 2.
    assert counts(corpus.events) == (1, 0, 2)
    assert corpus.events.recall == pytest.approx(1 / 3)
    # Micro: 11 TPs; 0 + 20 FNs.
    assert counts(corpus.micro) == (11, 0, 20)
    assert corpus.micro == Counts.total(corpus.fields.values())
    assert corpus.fields["weapons"] == found.fields["weapons"] + lost.fields["weapons"]


def test_intervals_contain_the_point_estimates() -> None:
    corpus = score_corpus(varied_corpus(), seed=7)
    checks = [
        (corpus.events_ci.precision, corpus.events.precision),
        (corpus.events_ci.recall, corpus.events.recall),
        (corpus.events_ci.f1, corpus.events.f1),
        (corpus.micro_ci.precision, corpus.micro.precision),
        (corpus.micro_ci.recall, corpus.micro.recall),
        (corpus.micro_ci.f1, corpus.micro.f1),
        *((corpus.fields_f1_ci[name], corpus.fields[name].f1) for name in SCORED_FIELDS),
    ]
    for interval, point in checks:
        assert 0.0 <= interval.low <= point <= interval.high <= 1.0, (interval, point)
    assert corpus.events_ci.f1.low < corpus.events_ci.f1.high  # varied articles: a real spread


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    articles = varied_corpus()
    first, again = score_corpus(articles, seed=3), score_corpus(articles, seed=3)
    assert first == again
    other = score_corpus(articles, seed=4)
    assert (other.events_ci, other.micro_ci) != (first.events_ci, first.micro_ci)


def test_bootstrap_is_degenerate_when_all_articles_are_identical() -> None:
    same = score_article("x", [prediction_from(E1)], TWO, AttackEvent)
    corpus = score_corpus([same] * 6)
    for interval, point in [
        (corpus.events_ci.f1, corpus.events.f1),
        (corpus.micro_ci.recall, corpus.micro.recall),
        (corpus.fields_f1_ci["weapons"], corpus.fields["weapons"].f1),
    ]:
        assert interval.low == pytest.approx(point)
        assert interval.high == pytest.approx(point)


def test_bootstrap_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="n_resamples"):
        score_corpus(varied_corpus(), n_resamples=0)
    with pytest.raises(ValueError, match="confidence"):
        score_corpus(varied_corpus(), confidence=95)


def test_an_empty_corpus() -> None:
    corpus = score_corpus([])
    assert corpus.events == Counts()
    assert corpus.events_ci.f1 == Interval(low=1.0, high=1.0)
    assert corpus.fields == {}


def test_corpus_score_round_trips_through_json() -> None:
    corpus = score_corpus(varied_corpus(), n_resamples=100)
    assert CorpusScore.model_validate_json(corpus.model_dump_json()) == corpus


def systems(n: int = 10) -> tuple[list[ArticleScore], list[ArticleScore]]:
    """System A finds the event in every other article, system B in all of them."""
    gold = article(E1)
    weak = [score_article(f"a{i}", [prediction_from(E1)] if i % 2 == 0 else [], gold, AttackEvent) for i in range(n)]
    strong = [score_article(f"a{i}", [prediction_from(E1)], gold, AttackEvent) for i in range(n)]
    return weak, strong


def test_paired_bootstrap_finds_a_known_difference() -> None:
    weak, strong = systems()
    # Weak: tp 5, fn 5, F1 = 10 / 15 = 2/3. Strong: F1 = 1. Delta = 1/3.
    delta, interval = paired_bootstrap(weak, strong, event_f1)
    assert delta == pytest.approx(1 / 3)
    # A resample only shows no gain if it draws no article the weak system missed
    # (1/1024 chance), so the whole interval is above 0.
    assert 0.0 < interval.low <= delta <= interval.high <= 1.0


def test_paired_bootstrap_direction_and_pairing_by_id() -> None:
    weak, strong = systems()
    delta, interval = paired_bootstrap(weak, strong, event_f1, seed=5)
    back, back_interval = paired_bootstrap(strong, weak, event_f1, seed=5)
    assert back == pytest.approx(-delta)
    assert (back_interval.low, back_interval.high) == pytest.approx((-interval.high, -interval.low))
    # Articles are paired by id, not by position.
    shuffled, shuffled_interval = paired_bootstrap(weak, list(reversed(strong)), event_f1, seed=5)
    assert (shuffled, shuffled_interval) == (delta, interval)


def test_paired_bootstrap_of_a_system_with_itself_is_zero() -> None:
    weak, _ = systems()
    assert paired_bootstrap(weak, weak, micro_f1) == (0.0, Interval(low=0.0, high=0.0))


def test_paired_bootstrap_needs_the_same_articles() -> None:
    weak, strong = systems()
    with pytest.raises(ValueError, match="only in a"):
        paired_bootstrap(weak, strong[:-1], event_f1)
    with pytest.raises(ValueError, match="duplicate"):
        paired_bootstrap(weak + weak[:1], strong + strong[:1], event_f1)
    with pytest.raises(ValueError, match="no articles"):
        paired_bootstrap([], [], event_f1)


# --------------------------------------------------------------------------- properties

SITES = ["al-Tanf garrison", "Ain al-Asad air base", "Harir air base", "Tower 22", None]
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "date": st.sampled_from([dt.date(2023, 10, d) for d in (17, 18, 22, 23)] + [None]),
    "date_text": st.sampled_from(["Monday", None]),
    "location.site": st.sampled_from(SITES),
    "location.area": st.sampled_from(["western Iraq", "northern Iraq", "Anbar province", None]),
    "location.country": st.sampled_from(["Syria", "Iraq"]),
    "perpetrator": st.sampled_from(["Islamic Resistance in Iraq", "Kataib Hezbollah", None]),
    "attribution": st.sampled_from(list(Attribution)),
    "target": st.sampled_from(["U.S. forces", "coalition bases", None]),
    "weapons": st.lists(st.sampled_from(list(Weapon)), min_size=1, max_size=3, unique=True),
    "weapon_count": st.sampled_from([None, 0, 1, 2]),
    "killed": st.sampled_from([None, 0, 1]),
    "injured": st.sampled_from([None, 0, 3]),
    "casualties": st.sampled_from(list(Casualties)),
}


@st.composite
def gold_events(draw: st.DrawFn, event_id: str) -> GoldEvent:
    fields = {}
    for path, values in VALUES.items():
        options = [draw(values)]
        if draw(st.integers(0, 4)) == 0:  # now and then a second acceptable value
            options.append(draw(values))
        fields[path] = options
    return GoldEvent(
        id=event_id, incident=f"i-{event_id}", optional=draw(st.booleans()), fields=fields, evidence=["quote"]
    )


@st.composite
def gold_articles(draw: st.DrawFn) -> GoldArticle:
    size = draw(st.integers(0, 4))
    return article(*(draw(gold_events(f"e{i}")) for i in range(size)))


predictions = st.lists(st.fixed_dictionaries(VALUES).map(nest), max_size=4)


@settings(max_examples=150, deadline=None)
@given(gold=gold_articles(), predicted=predictions)
def test_scores_are_within_the_unit_interval(gold: GoldArticle, predicted: list[dict[str, Any]]) -> None:
    result = score(gold, predicted)
    for c in [result.events, *result.fields.values(), micro(result)]:
        assert min(c.tp, c.fp, c.fn) >= 0
        for rate in (c.precision, c.recall, c.f1):
            assert 0.0 <= rate <= 1.0
    # Every prediction and every gold event appears in exactly one pair.
    assert sorted(p.pred_index for p in result.pairs if p.pred_index is not None) == list(range(len(predicted)))
    assert sorted(p.gold_id for p in result.pairs if p.gold_id is not None) == sorted(e.id for e in gold.events)


@settings(max_examples=150, deadline=None)
@given(gold=gold_articles())
def test_gold_against_itself_is_always_perfect(gold: GoldArticle) -> None:
    assert_perfect(score(gold, [prediction_from(e) for e in gold.events]))


@settings(max_examples=150, deadline=None)
@given(gold=gold_articles(), predicted=predictions, data=st.data())
def test_scores_do_not_depend_on_event_order(
    gold: GoldArticle, predicted: list[dict[str, Any]], data: st.DataObject
) -> None:
    reference = score(gold, predicted)
    shuffled_predictions = data.draw(st.permutations(predicted))
    shuffled_gold = article(*data.draw(st.permutations(gold.events)))
    again = score(shuffled_gold, shuffled_predictions)
    assert again.events == reference.events
    assert again.fields == reference.fields


# --------------------------------------------------------------------------- positive evidence of identity

SEED_001 = ATTACKS.gold_dir / "001_f25593ee4319f3b4.yaml"


def _seed_001() -> GoldArticle:
    return load_gold(SEED_001, AttackEvent)


def _pred(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "evidence": ["a quote"],
        "date_text": None,
        "date": None,
        "location": {"site": None, "area": None, "country": None},
        "perpetrator": None,
        "attribution": "none",
        "target": None,
        "weapons": ["drone"],
        "weapon_count": None,
        "killed": None,
        "injured": None,
        "casualties": "unknown",
    }
    for key, value in values.items():
        if key.startswith("location__"):
            base["location"][key.removeprefix("location__")] = value
        else:
            base[key] = value
    return base


def test_shared_emptiness_is_not_identity() -> None:
    # Seen on the recorded v3 run: no site, area or country, a day gold 001/e2 lacks, only
    # "drone" in common with e2 (western Iraq). It used to count as a true positive.
    gold = _seed_001()
    e2 = next(e for e in gold.events if e.id == "e2")
    stray = _pred(date="2023-10-19", target="US forces", casualties="injured")
    assert event_similarity(flatten(stray), e2, SPECS) == 0.0
    result = score(gold, [stray])
    assert result.events.tp == 0 and result.events.fp == 1
    # Against e2 alone the explanation names the rule that kept them apart.
    alone = score(gold.model_copy(update={"events": [e2]}), [stray])
    spurious = next(p for p in alone.pairs if p.status == "spurious")
    assert "no place or day in common" in spurious.explanation


def test_a_country_conflict_blocks_alignment() -> None:
    # al-Tanf put "in Iraq" is not the gold al-Tanf attack in Syria, whatever else agrees.
    gold = _seed_001()
    e1 = next(e for e in gold.events if e.id == "e1")
    in_iraq = prediction_from(e1, location__country="Iraq")
    assert event_similarity(flatten(in_iraq), e1, SPECS) == 0.0
    only_e1 = gold.model_copy(update={"events": [e1]})
    result = score(only_e1, [in_iraq])
    assert result.events.tp == 0
    assert any("key field 'location.country' disagrees" in p.explanation for p in result.pairs)
    # The same prediction with the right country is a match.
    assert score(only_e1, [prediction_from(e1)]).events.tp == 1


def test_one_shared_stated_place_or_day_is_enough() -> None:
    gold = _seed_001()
    by_area = _pred(
        location__area="western Iraq",
        location__country="Iraq",
        perpetrator="Islamic Resistance in Iraq",
        attribution="claimed",
    )
    result = score(gold, [by_area])
    matched = [p for p in result.pairs if p.status == "matched"]
    assert [p.gold_id for p in matched] == ["e2"]


def test_a_schema_without_anchors_aligns_on_similarity_alone() -> None:
    no_anchor = {path: dataclasses.replace(spec, anchor=False, key=False) for path, spec in SPECS.items()}
    gold = _seed_001()
    e2 = next(e for e in gold.events if e.id == "e2")
    assert event_similarity(flatten(_pred(date="2023-10-19")), e2, no_anchor) > 0.0
