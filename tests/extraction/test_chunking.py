"""Splitting text that has no paragraph or line structure: sentence ends, then a hard character bound."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.extraction.chunking import Span, hard_spans, paragraph_spans, sentence_spans


def at_most(n: int) -> Callable[[Span], bool]:
    def fits(span: Span) -> bool:
        return span[1] - span[0] <= n

    return fits


def test_sentences_keep_their_punctuation_and_closing_quotes() -> None:
    text = 'He said "Go!" Then they left. Did they? Yes… done'
    assert [text[a:b] for a, b in sentence_spans(text, 0, len(text))] == [
        'He said "Go!"',
        "Then they left.",
        "Did they?",
        "Yes…",
        "done",
    ]


def test_one_long_line_is_split_at_sentences_only_where_needed() -> None:
    text = "Aa aa. Bb bb. Cc cc.\n\nShort one."
    units = paragraph_spans(text, at_most(12))
    assert [text[a:b] for a, b in units] == ["Aa aa.", "Bb bb.", "Cc cc.", "Short one."]


def test_a_sentence_too_long_is_cut_at_a_space_before_the_bound() -> None:
    text = "word " * 100
    pieces = hard_spans(text, (0, len(text.rstrip())), at_most(23))
    assert all(b - a <= 23 for a, b in pieces)
    assert all(text[a:b].strip() == text[a:b] and not text[a:b].endswith("wor") for a, b in pieces)
    assert " ".join(text[a:b] for a, b in pieces) == text.strip()


def test_a_piece_where_nothing_fits_is_returned_whole_for_the_caller_to_report() -> None:
    assert hard_spans("abcdef", (0, 6), at_most(0)) == [(0, 6)]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab .!?\n", min_size=1, max_size=400), st.integers(min_value=1, max_value=60))
def test_units_fit_cover_every_word_and_point_into_the_text(text: str, bound: int) -> None:
    units = paragraph_spans(text, at_most(bound))
    assert all(0 <= a < b <= len(text) for a, b in units)
    assert all(b - a <= bound for a, b in units)
    assert all(u[1] <= v[0] for u, v in itertools.pairwise(units)), "in order, no overlap"
    covered = "".join(text[a:b] for a, b in units)
    assert "".join(covered.split()) == "".join(text.split()), "no character but whitespace is lost"
