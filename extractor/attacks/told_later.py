"""Sentences that tell another attack than the ones answered.

Asked once, and then about each place it listed, the 1.5B model answers a story's first incident and the incidents of
the places it names; an attack the article adds later, in words that mark it as another ("Elsewhere, Syrian state
media said Israeli jets struck several locations near Damascus", dev 076; "The militant group also claimed
responsibility for a Thursday attack on two villages in southwest Erbil", dev 093; "two days after a similar attack in
Khyber district", dev 042), is never asked about when its place is a province, or no place at all. Code finds such
sentences: a sentence about an act of violence (the resolvers' act words), opened or joined by words that mark another
incident, that no answered event quotes. A prompt with an ``each_sentence`` turn asks about each, after every other
turn.

Not such a sentence: a headline in title case, a tally ("more than 1,500 people have been killed here this year",
G4's aggregates), and a sentence of a paragraph that instructs the model (:mod:`extractor.attacks.injection`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rapidfuzz import fuzz

from extractor.attacks.resolvers import is_aggregate, states_an_act
from extractor.attacks.sites import is_title_case
from extractor.attacks.stated_apart import readable_sentences
from extractor.comparators import normalise_text

# Acts that, named as another, are another attack. Not a blast or an explosion: "a second explosion went off" is the
# same bombing's (dev 016's twin suicide bombing is one event, S1).
_OTHER_ACTS = r"(?:attack|strike|airstrike|air strike|raid|bombing|shooting|ambush|assault|missile|rocket|drone)s?"
# Words that mark another incident: a sentence opened by them ("Elsewhere,", "In a separate attack"), another act
# named as such ("another missile", "a second explosion"), or a claim of one more ("also claimed responsibility for a
# Thursday attack"). Not such words, though they read so: "hours after" and "days before" (a context clause: "The
# attack comes days after …", optional under O1 and R4-A4), "also killed" (more of the same attack's toll: "A second
# man … was also killed", dev 034), "Meanwhile" (another source on the same attack: "Meanwhile, the Syrian
# Observatory … said", dev 076) and "similar attacks" (a group's record: R7-A1).
_ANOTHER = re.compile(
    r"^\W*(?:elsewhere|earlier|separately|in (?:another|a separate|a second|other|an earlier))\b"
    rf"|\b(?:another|separate|second|earlier)\s+(?:\w+\s+){{0,2}}?{_OTHER_ACTS}\b"
    r"|\balso\s+claimed\b",
    re.IGNORECASE,
)
# A quote this close to part of a sentence (RapidFuzz's partial ratio, 0-100) copies it: the model's copies differ from
# the article by a quotation mark or a space.
_COPIED = 90
_SHORTEST_QUOTE = 20


def tells_another(sentence: str) -> bool:
    """Whether ``sentence`` tells an act of violence in words that mark it as another incident, and is no tally."""
    return (
        bool(_ANOTHER.search(sentence))
        and states_an_act(sentence)
        and not is_aggregate(sentence)
        and not is_title_case(sentence)
    )


def quotes_sentence(sentence: str, event: Mapping[str, Any]) -> bool:
    """Whether one of ``event``'s evidence quotes copies (part of) ``sentence``."""
    wanted = normalise_text(sentence)
    for quote in event.get("evidence") or []:
        copied = normalise_text(str(quote))
        if len(copied) >= _SHORTEST_QUOTE and fuzz.partial_ratio(copied, wanted) >= _COPIED:
            return True
    return False


def told_later(text: str, answered: Sequence[Mapping[str, Any]]) -> list[str]:
    """The sentences of ``text`` that tell another incident (:func:`tells_another`) and that no ``answered`` event
    quotes, in order, each once."""
    found: list[str] = []
    for read in readable_sentences(text):
        sentence = " ".join(read.split())
        if sentence in found or not tells_another(sentence):
            continue
        if not any(quotes_sentence(sentence, event) for event in answered):
            found.append(sentence)
    return found
