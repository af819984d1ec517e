"""Page furniture: the lines of a news page that are not its report.

A page copied from the web keeps, beside the story, the caption of its photo and the labels around it
("Fast News", "3 min read", a byline). The guideline's event is an attack *the article reports*; a caption
describes a photo, often a file photo of another day (dev 041: "soldiers gather after an attack on an army
camp on July 9, 2012"; 087: a training exercise), and when it shows the story's own attack the story tells it
again in its body, with the place and day the caption leaves out (dev 082: the wounded "transported at the
Palestine Medical Complex", not the village attacked). So an event whose every quote is furniture, at a place the
body never names, is no event: it is the photo's (087's Manta, 082's hospital, 085's press conference in Kabul).
An event quoted from a caption at a place the body names is the story's own, quoted from the wrong line, and
stays (087: the Guayaquil bombing, quoted from the caption that sums it up).

- **A photo caption** is found where the article's cleaning finds photo credits (``CleanedText.captions``,
  :func:`extractor.extraction.articles.find_captions`): the line a credit ends ("(AP)", "[Getty]",
  "(Xinhua/Rahmin)"), or the line above a credit line ("(Nasser Nasser / Associated Press)").
- **A label** is a quote of a few words with no act of violence in it ("Fast News", "3 min read").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from extractor.attacks.resolvers import event_places, states_an_act
from extractor.attacks.sites import dateline_places, mentions
from extractor.extraction.grounding import ground

Span = tuple[int, int]
LABEL_MAX_WORDS = 4


def is_label(quote: str) -> bool:
    """Whether ``quote`` is a few words that state no act of violence ("Fast News", "3 min read")."""
    words = quote.split()
    return 0 < len(words) <= LABEL_MAX_WORDS and not states_an_act(quote)


def _inside(span: Span, spans: Sequence[Span]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def is_furniture(quote: str, text: str, captions: Sequence[Span]) -> bool:
    """Whether ``quote`` is a label, or lies inside one of ``text``'s photo ``captions``."""
    if is_label(quote):
        return True
    found = ground(quote, text)
    if found.start is None or found.end is None:
        return False
    return _inside((found.start, found.end), captions)


def named_in_body(place: str, text: str, captions: Sequence[Span]) -> bool:
    """Whether ``text`` names ``place`` outside its photo ``captions`` and its datelines."""
    furniture = [*captions, *dateline_places(text)]
    return any(not _inside(span, furniture) for span in mentions(place, text))


def drop_photo_events(events: Sequence[dict[str, Any]], text: str, captions: Sequence[Span]) -> list[dict[str, Any]]:
    """``events`` without those whose every quote is page furniture at a place the body never names: the site, or
    the area where there is none (082: the hospital "in the West Bank city of Ramallah" where the body names the
    West Bank). An event with no quote is kept: the injection guard drops those it must."""
    kept = []
    for event in events:
        quotes = [q for q in event.get("evidence") or [] if q.strip()]
        photo = (
            quotes
            and all(is_furniture(q, text, captions) for q in quotes)
            and not any(named_in_body(place, text, captions) for place in event_places(event)[:1])
        )
        if not photo:
            kept.append(event)
    return kept
