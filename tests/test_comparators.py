"""Per-field comparison: normalisation, equality, soft similarity and field counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.attacks.schemas import Attribution, Weapon
from extractor.comparators import (
    Compare,
    FieldScore,
    Kind,
    fuzzy_equal,
    is_empty,
    normalise_text,
    score_field,
    similarity,
    values_equal,
)

FUZZY = Compare(Kind.FUZZY)
EXACT = Compare(Kind.EXACT)
DATE = Compare(Kind.DATE)
SET = Compare(Kind.SET)


def counts(score: FieldScore) -> tuple[float, float, float]:
    return score.tp, score.fp, score.fn


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("al-Tanf", "tanf"),
        ("Al Tanf", "tanf"),
        ("the al Tanf", "tanf"),
        ("Ain al-Asad air base", "ain asad air base"),
        ("Iran’s proxies", "iran proxies"),
        ("Iran's proxies", "iran proxies"),
        ("Qa'im 'said' it", "qa im said it"),  # only a trailing 's is a possessive
        ("Ḥarīr", "harir"),
        ("U.S. forces", "u s forces"),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


@pytest.mark.parametrize(
    ("predicted", "gold", "equal"),
    [
        ("al-Tanf", "Al Tanf", True),
        ("al-Tanf", "al-Tanf garrison", True),  # one name is the other with a word more
        ("US forces", "U.S. forces", True),
        ("At-Tanf", "al-Tanf garrison", False),  # a real variant: needs an alias in gold
        ("Harir air base", "Ain al-Asad air base", False),
        ("Syria", "Iraq", False),
        # Compass words: a letter apart, a region apart.
        ("western Iraq", "eastern Iraq", False),
        ("northeastern Syria", "southeastern Syria", False),
        ("west Iraq", "western Iraq", True),
        ("Iraq", "western Iraq", True),  # less specific, not contradictory
        # A hyphen or space inside a compound direction is the same direction, and still not another one.
        ("south-western Nepal", "southwestern Nepal", True),
        ("north east Nigeria", "northeastern Nigeria", True),
        ("south-western Nepal", "south-eastern Nepal", False),
        ("south-western Nepal", "northwestern Nepal", False),
    ],
)
def test_fuzzy_equal(predicted: str, gold: str, equal: bool) -> None:
    assert fuzzy_equal(predicted, gold)[0] is equal


def test_disagreeing_directions_halve_the_score() -> None:
    equal, score = fuzzy_equal("western Iraq", "eastern Iraq")
    assert not equal
    # Plain ratio: 11 shared characters of 12 + 12, 2 * 11 / 24 = 91.67; halved.
    assert score == pytest.approx(91.67 / 2, abs=0.01)


def test_fuzzy_equal_on_names_that_normalise_to_nothing() -> None:
    assert fuzzy_equal("the", "The") == (True, 100.0)
    assert fuzzy_equal("the", "Tanf") == (False, 0.0)


@pytest.mark.parametrize("value", [None, [], (), "", "   ", set()])
def test_is_empty(value: Any) -> None:
    assert is_empty(value)


@pytest.mark.parametrize("value", [0, "x", [Weapon.DRONE], Attribution.NONE, False])
def test_is_not_empty(value: Any) -> None:
    # 0 injured and attribution "none" are statements, not silence.
    assert not is_empty(value)


# --------------------------------------------------------------------------- equality


def test_values_equal_by_kind() -> None:
    assert values_equal(Kind.DATE, dt.date(2023, 10, 23), "2023-10-23")
    assert values_equal(Kind.DATE, dt.datetime(2023, 10, 23, 9, 30), dt.date(2023, 10, 23))
    assert not values_equal(Kind.DATE, "Monday", dt.date(2023, 10, 23))  # unparsable: unequal, no crash
    assert not values_equal(Kind.DATE, "Monday", "Monday")
    assert values_equal(Kind.EXACT, Attribution.CLAIMED, "claimed")
    assert values_equal(Kind.SET, [Weapon.DRONE, Weapon.ROCKET], ["rocket", "drone"])
    assert not values_equal(Kind.SET, ["drone"], ["drone", "rocket"])
    assert values_equal(Kind.EXACT, 2, 2)
    assert not values_equal(Kind.EXACT, 2, 3)


def test_similarity_is_best_over_alternatives() -> None:
    assert similarity(Kind.FUZZY, "Tanf", ["Harir", "al-Tanf garrison"]) == 1.0
    assert similarity(Kind.SET, ["drone"], [["drone", "rocket"]]) == 0.5  # Jaccard 1/2
    assert similarity(Kind.EXACT, None, [None]) == 1.0
    assert similarity(Kind.EXACT, None, [2]) == 0.0
    assert similarity(Kind.EXACT, 2, [None]) == 0.0
    assert similarity(Kind.DATE, "2023-10-23", [dt.date(2023, 10, 23)]) == 1.0


# --------------------------------------------------------------------------- score_field


@pytest.mark.parametrize(
    ("predicted", "options", "expected"),
    [
        ("Syria", ["Syria"], (1, 0, 0)),
        (None, ["Syria"], (0, 0, 1)),  # null where gold has a value: a miss
        ("Syria", [None], (0, 1, 0)),  # a value where gold says not stated: a false positive
        (None, [None], (0, 0, 0)),
        ("", ["Syria"], (0, 0, 1)),  # a blank string is not a value
        ("Iraq", ["Syria"], (0, 1, 1)),  # wrong value: both
        ("Iraq", ["Syria", None], (0, 1, 0)),  # gold also accepts not stated: spurious only
        (None, ["Syria", None], (0, 0, 0)),
        ("Syria", ["Iraq", "Syria"], (1, 0, 0)),
        (None, [], (0, 0, 0)),  # no alternatives at all: not stated
    ],
)
def test_score_field_scalar(predicted: Any, options: list[Any], expected: tuple[float, float, float]) -> None:
    assert counts(score_field("location.country", FUZZY, predicted, options)) == expected


def test_score_field_uses_the_field_threshold() -> None:
    loose = Compare(Kind.FUZZY, threshold=50.0)
    assert counts(score_field("target", loose, "U.S. troops", ["U.S. forces"])) == (1, 0, 0)
    assert counts(score_field("target", FUZZY, "U.S. troops", ["U.S. forces"])) == (0, 1, 1)


def test_score_field_exact_and_date() -> None:
    assert counts(score_field("injured", EXACT, 0, [0])) == (1, 0, 0)
    assert counts(score_field("injured", EXACT, 0, [None])) == (0, 1, 0)  # 0 is a stated value
    assert counts(score_field("attribution", EXACT, "claimed", [Attribution.CLAIMED])) == (1, 0, 0)
    assert counts(score_field("date", DATE, dt.date(2023, 10, 22), [dt.date(2023, 10, 23)])) == (0, 1, 1)


@pytest.mark.parametrize(
    ("predicted", "options", "expected"),
    [
        # Counts are divided by the larger set, so a field weighs at most 1 per side.
        ([Weapon.DRONE], [[Weapon.DRONE]], (1, 0, 0)),
        (["drone"], [["drone", "rocket"]], (0.5, 0, 0.5)),  # 1 hit, 1 missing, /2
        (["drone", "rocket"], [["drone"]], (0.5, 0.5, 0)),  # 1 hit, 1 extra, /2
        (["drone"], [["rocket"]], (0, 1, 1)),  # like a wrong scalar
        (["drone", "rocket", "mortar"], [["drone"]], (1 / 3, 2 / 3, 0)),
        ([], [["drone"]], (0, 0, 1)),
        (None, [["drone", "rocket"]], (0, 0, 1)),
        (["drone", "rocket"], [None], (0, 1, 0)),
        ([], [[]], (0, 0, 0)),
        # any_of: the alternative best for the prediction (fewest errors, then most hits).
        (["rocket", "mortar"], [["rocket"], ["rocket", "mortar"]], (1, 0, 0)),
        (["rocket"], [["rocket"], ["rocket", "mortar"]], (1, 0, 0)),
        ("drone", [["drone"]], (1, 0, 0)),  # a bare value is a one-element set, not letters
    ],
)
def test_score_field_set(predicted: Any, options: list[Any], expected: tuple[float, float, float]) -> None:
    assert counts(score_field("weapons", SET, predicted, options)) == pytest.approx(expected)


def test_score_field_values_are_json_ready() -> None:
    score = score_field("date", DATE, dt.date(2023, 10, 23), [dt.date(2023, 10, 23), None])
    assert score.predicted == "2023-10-23"
    assert score.gold == ["2023-10-23", None]
    assert "match" in score.explanation
    assert score_field("weapons", SET, [Weapon.ROCKET, Weapon.DRONE], [[Weapon.DRONE]]).predicted == ["drone", "rocket"]


weapon_lists = st.lists(st.sampled_from(list(Weapon)), max_size=4)


@given(predicted=weapon_lists, gold=st.lists(weapon_lists, min_size=1, max_size=3))
def test_set_counts_weigh_at_most_one_per_side(predicted: list[Weapon], gold: list[list[Weapon]]) -> None:
    tp, fp, fn = counts(score_field("weapons", SET, predicted, gold))
    assert min(tp, fp, fn) >= 0
    assert tp + fp <= 1 + 1e-9
    assert tp + fn <= 1 + 1e-9


@given(value=st.one_of(st.none(), st.text(max_size=12), st.integers(0, 3)), gold=st.text(min_size=1, max_size=12))
def test_scalar_counts_are_zero_or_one(value: Any, gold: str) -> None:
    tp, fp, fn = counts(score_field("target", FUZZY, value, [gold]))
    assert {tp, fp, fn} <= {0, 1}
    assert tp + fp <= 1
    assert tp + fn <= 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("Tower 22", "Tower 21"), ("Outpost 01", "Outpost 02"), ("Camp 7 north gate", "Camp 9 north gate")],
)
def test_names_with_different_numbers_are_different_places(a: str, b: str) -> None:
    equal, score = fuzzy_equal(a, b)
    assert not equal
    assert score < 85.0


def test_the_same_number_still_matches() -> None:
    assert fuzzy_equal("Tower 22", "Tower 22 base")[0]
    assert fuzzy_equal("K-1 air base", "K1 air base")[0]


def test_field_score_keeps_its_docstring() -> None:
    # A docstring placed after model_config is a bare expression, not the class's __doc__.
    assert FieldScore.__doc__ is not None
    assert FieldScore.__doc__.startswith("One field of one aligned pair")
