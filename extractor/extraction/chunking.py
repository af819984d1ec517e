"""Splitting an article too long for the context into chunks, and merging the chunks' events.

The text is split on paragraph boundaries (blank lines; a paragraph that alone is
too long is split further at its line breaks, then at sentence ends, and a sentence
still too long at the last space before a hard character bound, so a megabyte on one
line still fits) and packed into chunks that fit, each overlapping the previous one
by one piece, so an event told across a boundary is seen whole at least once. Events
seen in several chunks are merged by the schema's identifying fields (its
``Compare`` markers), so this works for any task.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from extractor.comparators import Compare, Kind, is_empty, similarity, values_equal
from extractor.fields import field_specs, flatten

# llama.cpp tokenizers give about 3.5-4 characters per token on English news; 3 is a
# conservative bound. Deciding *whether* an article must be split uses a generous
# estimate (never refuse or split what might fit); sizing the chunks uses the
# conservative one (a chunk must fit).
CHARS_PER_TOKEN_LOWER_BOUND = 3.0
_GENEROUS_FACTOR = 1.3
# Two events from different chunks are one event when no identifying field disagrees and
# their weighted identifying similarity reaches this (see merge_events).
SAME_EVENT_MIN_SIMILARITY = 0.75
EVIDENCE_FIELD = "evidence"
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_LINE_BREAK = re.compile(r"\n")
# A sentence ends at . ! ? or … (and any closing quotes or brackets) followed by whitespace.
_SENTENCE_END = re.compile(r"([.!?…]+[\"'”’»)\]]*)\s+")
_FIRST_PROBE_CHARS = 256

Span = tuple[int, int]


def estimated_tokens(messages: Sequence[Mapping[str, str]], *, generous: bool) -> int:
    """Prompt tokens from characters: ``generous`` gives a low estimate (may fit), otherwise a high one (fits)."""
    return tokens_for_chars(sum(len(m["content"]) for m in messages), generous=generous)


def tokens_for_chars(chars: float, *, generous: bool) -> int:
    """:func:`estimated_tokens` for a prompt of ``chars`` characters."""
    if generous:
        return int(chars / CHARS_PER_TOKEN_LOWER_BOUND / _GENEROUS_FACTOR)
    return math.ceil(chars / CHARS_PER_TOKEN_LOWER_BOUND)


def split_spans(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[Span]:
    """Non-blank pieces of ``text[start:end]`` between ``separator`` matches, stripped of whitespace."""
    pieces: list[Span] = []
    pos = start
    for match in separator.finditer(text, start, end):
        pieces.append((pos, match.start()))
        pos = match.end()
    pieces.append((pos, end))
    stripped = []
    for first, stop in pieces:
        a, b = first, stop
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            stripped.append((a, b))
    return stripped


def paragraph_spans(text: str, fits: Callable[[Span], bool] = lambda span: True) -> list[Span]:
    """Paragraphs of ``text`` (separated by blank lines); one that does not ``fit`` is split further.

    A text without blank lines is split at line breaks throughout. A piece that still does not fit
    is split at its line breaks, then at sentence ends, then (:func:`hard_spans`) at a character
    bound. Spans are offsets into ``text``.
    """
    if not _BLANK_LINE.search(text):
        paragraphs = split_spans(text, 0, len(text), _LINE_BREAK)
    else:
        paragraphs = split_spans(text, 0, len(text), _BLANK_LINE)
    return [unit for span in paragraphs for unit in _fitting(text, span, fits)]


def _fitting(text: str, span: Span, fits: Callable[[Span], bool]) -> list[Span]:
    if fits(span):
        return [span]
    for pieces in (split_spans(text, *span, _LINE_BREAK), sentence_spans(text, *span)):
        if len(pieces) > 1:
            return [unit for piece in pieces for unit in _fitting(text, piece, fits)]
    return hard_spans(text, span, fits)


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """The sentences of ``text[start:end]``, each keeping its final punctuation."""
    pieces: list[Span] = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        pieces.append((pos, match.start() + len(match.group(1))))
        pos = match.end()
    pieces.append((pos, end))
    return [piece for first, stop in pieces for piece in split_spans(text, first, stop, _NEVER)]


_NEVER = re.compile(r"(?!)")


def hard_spans(text: str, span: Span, fits: Callable[[Span], bool]) -> list[Span]:
    """``span`` cut into the longest pieces that ``fit``, each ending at a space where one is near.

    The bound is found by doubling then bisecting, so the cost follows the size of a piece, not of
    the text. A piece where not even one character fits is returned as it is, for the caller to report.
    """
    start, end = span
    pieces: list[Span] = []
    while start < end:
        good, bad = start, None
        probe = min(end, start + _FIRST_PROBE_CHARS)
        while True:
            if fits((start, probe)):
                good = probe
                if probe == end:
                    break
                probe = min(end, start + 2 * (probe - start))
            else:
                bad = probe
                break
        if bad is not None:
            while bad - good > 1:
                middle = (good + bad) // 2
                if fits((start, middle)):
                    good = middle
                else:
                    bad = middle
        if good == start:
            pieces.append((start, end))
            break
        cut = good
        if good < end:
            space = text.rfind(" ", start + (good - start) // 2, good)
            cut = space if space > start else good
        pieces += split_spans(text, start, cut, _NEVER)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    return pieces


def pack_chunks(units: Sequence[Span], fits: Callable[[Span], bool]) -> list[Span]:
    """Greedy chunks of consecutive units that ``fit``, each starting with the last unit of the one before.

    The overlap is dropped where the shared unit and the next one cannot fit together (no chunk may
    repeat the previous one). A unit that does not fit alone becomes a chunk by itself; the caller
    decides whether it can be sent.
    """
    chunks: list[Span] = []
    first = 0
    while first < len(units):
        last = first
        while last + 1 < len(units) and fits((units[first][0], units[last + 1][1])):
            last += 1
        chunks.append((units[first][0], units[last][1]))
        if last + 1 >= len(units):
            break
        first = last if last > first and fits((units[last][0], units[last + 1][1])) else last + 1
    return chunks


def identifying_fields(event_model: type[BaseModel]) -> list[tuple[str, Compare, float]]:
    """(dotted path, marker, weight) of the fields that identify an event, from the schema's ``Compare`` markers.

    A schema that marks no identifying field identifies events by all its compared fields, alike.
    """
    specs = field_specs(event_model)
    weighted = [(path, m, m.identify) for path, m in specs.items() if m.identify > 0]
    return weighted or [(path, m, 1.0) for path, m in specs.items() if m.kind is not Kind.IGNORE]


def same_event(a: Mapping[str, Any], b: Mapping[str, Any], fields: Sequence[tuple[str, Compare, float]]) -> bool:
    """Two extracted events describe one event.

    No identifying field may disagree where both events fill it (a list field such as the weapons
    may be reported piecemeal, so it never disagrees; names that carry different numbers always
    disagree), and the weighted identifying similarity
    (the scorer's: a field empty on both sides agrees, empty on one side does not) must reach
    :data:`SAME_EVENT_MIN_SIMILARITY`. For attacks: same site, day, perpetrator and country where
    both say them, and the site and most of the rest stated alike.
    """
    flat_a, flat_b = flatten(a), flatten(b)
    total = math.fsum(weight for _, _, weight in fields)
    agreement = 0.0
    for path, compare, weight in fields:
        x, y = flat_a.get(path), flat_b.get(path)
        both = not (is_empty(x) or is_empty(y))
        if both and compare.kind is not Kind.SET and not values_equal(compare.kind, x, y, compare.threshold):
            return False
        agreement += weight * similarity(compare.kind, x, [y], compare.threshold)
    return total <= 0 or agreement / total >= SAME_EVENT_MIN_SIMILARITY


def _stated(event: Mapping[str, Any]) -> int:
    """How many fields, besides the evidence, an event states."""
    return sum(not is_empty(value) for path, value in flatten(event).items() if path != EVIDENCE_FIELD)


def merge_events(
    events: Sequence[Mapping[str, Any]],
    event_model: type[BaseModel],
    context: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """De-duplicate events gathered from overlapping chunks, in order of first appearance.

    Of two sightings that are :func:`same_event`, the one that states more fields is kept whole
    (the first on a tie): one answer of the model is internally consistent, a field-by-field
    mix of two may not be (a perpetrator from one, "attribution: none" from the other). The other
    sighting's evidence quotes are added when the result still validates against ``event_model``
    (the schema caps the number of quotes).
    """
    fields = identifying_fields(event_model)
    kept: list[dict[str, Any]] = []
    for event in events:
        match = next((i for i, k in enumerate(kept) if same_event(k, event, fields)), None)
        if match is None:
            kept.append(dict(event))
            continue
        first = kept[match]
        best = dict(event) if _stated(event) > _stated(first) else first
        if EVIDENCE_FIELD in best:
            quotes = list(first.get(EVIDENCE_FIELD) or [])
            quotes += [q for q in event.get(EVIDENCE_FIELD) or [] if q not in quotes]
            with contextlib.suppress(ValidationError):  # too many quotes: keep the best sighting's own
                valid = event_model.model_validate({**best, EVIDENCE_FIELD: quotes}, context=dict(context or {}))
                best = valid.model_dump(mode="json")
        kept[match] = best
    return kept
