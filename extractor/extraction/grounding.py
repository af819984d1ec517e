"""Find where an evidence quote sits in an article's text.

A model is asked to copy its evidence verbatim; in practice it straightens
curly quotes, folds line breaks and, sometimes, rewrites a word. ``ground``
tries the strictest reading first and says which one succeeded, always with
offsets into the original text so a reviewer can see the span. Pure: no I/O.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

GroundingStatus = Literal["exact", "normalised", "fuzzy", "ungrounded"]

DEFAULT_MIN_FUZZY_SCORE = 90.0
# Below this many characters a partial match means little: "two drones" appears in
# many sentences that say something else.
DEFAULT_MIN_FUZZY_LENGTH = 20

# Typographic variants that a copy may straighten (or curl) without changing the words.
_QUOTE_FOLDS = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
    }
)


class Grounding(BaseModel):
    """Where ``quote`` was found: ``text[start:end]`` is the matching span (half-open)."""

    model_config = ConfigDict(frozen=True)

    quote: str
    status: GroundingStatus
    start: int | None = None
    end: int | None = None
    score: float = Field(default=0.0, ge=0.0, le=100.0)  # 0 for an ungrounded quote

    @property
    def located(self) -> bool:
        """Whether the quote was found in the text at all (exactly, normalised or fuzzily)."""
        return self.status != "ungrounded"


class _Folded:
    """A text with quotes folded and whitespace runs collapsed, plus the map back.

    ``origin[i]`` is the index in the original text of folded character ``i``; a
    collapsed whitespace run maps to its first character.
    """

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            if char.isspace() and chars and chars[-1] == " ":
                continue
            chars.append(" " if char.isspace() else char.translate(_QUOTE_FOLDS))
            origin.append(index)
        self.text = "".join(chars)
        self.origin = origin

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original half-open offsets of the folded span ``[start, end)`` (non-empty)."""
        return self.origin[start], self.origin[end - 1] + 1


def _fold_quote(quote: str) -> str:
    return " ".join(quote.split()).translate(_QUOTE_FOLDS)


def ground(
    quote: str,
    text: str,
    *,
    min_score: float = DEFAULT_MIN_FUZZY_SCORE,
    min_fuzzy_length: int = DEFAULT_MIN_FUZZY_LENGTH,
) -> Grounding:
    """Locate ``quote`` in ``text``: exact, then normalised, then fuzzy, else ungrounded.

    Fuzzy matching (``rapidfuzz.fuzz.partial_ratio_alignment`` on the normalised
    strings) is accepted at ``score >= min_score`` and only for quotes of at least
    ``min_fuzzy_length`` normalised characters. An ungrounded result keeps the best
    fuzzy score seen, so a near miss is visible.
    """
    if not quote.strip():
        return Grounding(quote=quote, status="ungrounded", score=0.0)

    start = text.find(quote)
    if start >= 0:
        return Grounding(quote=quote, status="exact", start=start, end=start + len(quote), score=100.0)

    folded_text = _Folded(text)
    folded_quote = _fold_quote(quote)
    start = folded_text.text.find(folded_quote)
    if start >= 0:
        begin, end = folded_text.span(start, start + len(folded_quote))
        return Grounding(quote=quote, status="normalised", start=begin, end=end, score=100.0)

    return _ground_fuzzy(quote, folded_quote, folded_text, min_score, min_fuzzy_length)


def _ground_fuzzy(
    quote: str, folded_quote: str, folded_text: _Folded, min_score: float, min_fuzzy_length: int
) -> Grounding:
    if not folded_text.text:
        return Grounding(quote=quote, status="ungrounded", score=0.0)
    alignment = fuzz.partial_ratio_alignment(folded_quote, folded_text.text)
    if alignment is None:  # only when a score_cutoff is given; kept for the type checker
        return Grounding(quote=quote, status="ungrounded", score=0.0)
    score = float(alignment.score)
    aligned = alignment.dest_end > alignment.dest_start
    if score >= min_score and len(folded_quote) >= min_fuzzy_length and aligned:
        begin, end = folded_text.span(alignment.dest_start, alignment.dest_end)
        return Grounding(quote=quote, status="fuzzy", start=begin, end=end, score=score)
    return Grounding(quote=quote, status="ungrounded", score=score)
