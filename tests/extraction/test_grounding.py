"""Locating evidence quotes: exact, normalised, fuzzy, ungrounded, with offsets into the text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.extraction.grounding import Grounding, ground

TEXT = (
    "Iran-backed militias in Iraq have claimed they were responsible for an attack on U.S. forces.\n"
    "The Islamic Resistance in Iraq said Monday that their forces used two drones to attack the "
    "al-Tanf garrison near the Jordanian and Iraqi borders.\n"
    "Monday’s attack comes after a string of similar attacks on bases housing U.S. military.\n"
    "A spokesman called it “a cowardly   act”\n   and vowed to respond.\n"
)
SENTENCE = "their forces used two drones to attack the al-Tanf garrison"


def test_exact() -> None:
    result = ground(SENTENCE, TEXT)
    assert result.status == "exact"
    assert result.score == 100.0
    assert result.start == TEXT.index(SENTENCE)
    assert result.end is not None
    assert TEXT[result.start : result.end] == SENTENCE


def test_exact_finds_the_first_occurrence() -> None:
    result = ground("Monday", TEXT)
    assert (result.status, result.start) == ("exact", TEXT.index("Monday"))


@pytest.mark.parametrize(
    ("quote", "original"),
    [
        # A copy with straight quotes of a text with curly ones.
        ("Monday's attack comes after", "Monday’s attack comes after"),
        ('called it "a cowardly act" and vowed', "called it “a cowardly   act”\n   and vowed"),
        # Whitespace runs and line breaks fold to one space.
        ("to attack the al-Tanf   garrison", "to attack the al-Tanf garrison"),
        ("U.S. forces. The Islamic Resistance", "U.S. forces.\nThe Islamic Resistance"),
        ("  Monday’s attack  ", "Monday’s attack"),  # surrounding blanks are not part of the quote
    ],
)
def test_normalised_maps_back_to_the_original_span(quote: str, original: str) -> None:
    result = ground(quote, TEXT)
    assert result.status == "normalised"
    assert result.score == 100.0
    assert result.start == TEXT.index(original)
    assert result.end is not None
    assert TEXT[result.start : result.end] == original


def test_curly_quote_in_the_quote_straight_in_the_text() -> None:
    text = 'He said it\'s over and "done".'
    result = ground("it’s over and “done”", text)
    assert result.status == "normalised"
    assert result.start is not None
    assert result.end is not None
    assert text[result.start : result.end] == 'it\'s over and "done"'


def test_fuzzy_accepts_a_near_copy() -> None:
    typo = "their forces used two drones to atack the al-Tanf garison"
    result = ground(typo, TEXT)
    assert result.status == "fuzzy"
    assert 90.0 <= result.score < 100.0
    assert result.start is not None
    assert result.end is not None
    # The span lies on the sentence it was copied from.
    true_start = TEXT.index(SENTENCE)
    assert abs(result.start - true_start) <= 3
    assert abs(result.end - (true_start + len(SENTENCE))) <= 3


def test_fuzzy_threshold_is_a_parameter() -> None:
    typo = "their forces used two drones to atack the al-Tanf garison"
    strict = ground(typo, TEXT, min_score=99.5)
    assert strict.status == "ungrounded"
    assert (strict.start, strict.end) == (None, None)
    assert 90.0 <= strict.score < 99.5  # the near miss stays visible


def test_fuzzy_needs_a_minimum_length() -> None:
    # "two dronez" would match "two drones" at 90, but a short quote proves nothing.
    assert ground("two dronez", TEXT).status == "ungrounded"
    assert ground("two dronez", TEXT, min_fuzzy_length=5).status == "fuzzy"


@pytest.mark.parametrize(
    "paraphrase",
    [
        "The militia said it launched a pair of unmanned aircraft against the Tanf base",
        "Two drones hit al-Tanf, the Islamic Resistance said",
        "Iraqi militias backed by Iran claimed responsibility for attacking American troops",
    ],
)
def test_a_paraphrase_stays_ungrounded(paraphrase: str) -> None:
    result = ground(paraphrase, TEXT)
    assert result.status == "ungrounded"
    assert (result.start, result.end) == (None, None)
    assert result.score < 90.0


@pytest.mark.parametrize("quote", ["", "   ", "\n"])
def test_empty_quote_is_ungrounded(quote: str) -> None:
    assert ground(quote, TEXT) == Grounding(quote=quote, status="ungrounded", score=0.0)


def test_empty_text() -> None:
    assert ground("anything at all here, long enough", "").status == "ungrounded"


def test_grounding_round_trips_through_json() -> None:
    result = ground("Monday’s attack", TEXT)
    assert Grounding.model_validate_json(result.model_dump_json()) == result


@given(data=st.data(), text=st.text(alphabet="ab ’'\n\t", min_size=1, max_size=60))
def test_any_substring_is_exact(data: st.DataObject, text: str) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    if not quote.strip():
        return
    result = ground(quote, text)
    assert result.status == "exact"
    assert result.start is not None
    assert result.end is not None
    assert text[result.start : result.end] == quote


@given(words=st.lists(st.sampled_from(["al-Tanf", "drone", "Monday’s", "“attack”", "base"]), min_size=2, max_size=8))
def test_a_straightened_reflowed_copy_maps_back(words: list[str]) -> None:
    text = "Before. " + "\n  ".join(words) + " after."
    quote = " ".join(words).replace("’", "'").replace("“", '"').replace("”", '"')
    result = ground(quote, text)
    assert result.status in {"exact", "normalised"}
    assert result.start is not None
    assert result.end is not None
    assert text[result.start : result.end] == "\n  ".join(words)
