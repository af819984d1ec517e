"""Evidence pointed at instead of copied whole.

A version whose resolvers cite (``Resolvers.cites``) either shows the article with every sentence numbered
("[3] The attack was …") and takes each event's ``evidence`` as those numbers, or takes it as the opening
words of each sentence. Code then puts the whole sentences back. Copying evidence is about half of what
the small model writes (v9's recorded answers: 50% of the characters of its arguments), and every token it
writes costs ~67 ms on 2 cores; a number costs one or two, opening words a dozen. A sentence put back is
the article's own text, so it grounds exactly, where a copy may drift. Tried with the embedded 1.5B model as
v10 and v11 (prompts/attacks/attempts/) and not kept: it cites the article's first sentences whatever they
say, and copying a sentence is where it reads it (README "Prompt versions").

Sentences are pysbd's (rule-based, abbreviation-aware: "U.S. Central Command" stays one sentence),
found line by line so a heading or a dateline never runs into the paragraph after it. Pure: no I/O.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable

import pysbd

from extractor.extraction.grounding import ground

_LINE = re.compile(r"[^\n]+")
# pysbd's time grows with the square of a line's length (100 KB: 4 s; a megabyte on one line would take minutes),
# so a long line is handed to it in blocks cut where a sentence clearly ends ("… district. Residents …"), or at
# a space when none does. No news line comes near the bound (the corpus's longest is 695 characters).
_BLOCK_CHARS = 5_000
_CLEAR_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"“‘(\[]?[A-Z])")


# One splitter per thread: pysbd keeps the text it is splitting on the splitter itself, so threads sharing
# one (``extract --concurrency``) got each other's sentences, or lost some.
_THREAD = threading.local()


def _segmenter() -> pysbd.Segmenter:
    segmenter: pysbd.Segmenter | None = getattr(_THREAD, "segmenter", None)
    if segmenter is None:
        segmenter = _THREAD.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


# An article is numbered to render its prompt and read again for each answer: the last few are kept.
@functools.lru_cache(maxsize=64)
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Each sentence of ``text`` as (start, end) offsets, stripped of surrounding whitespace, in order."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        pos = line.start()
        for block in _blocks(line.group()):
            for piece in _segmenter().segment(block):
                sentence = piece.strip()
                if not sentence:
                    continue
                # pysbd gives the line back in pieces (clean=False keeps every character), so each piece is found
                # after the last one: offsets hold even when a sentence repeats.
                start = text.find(sentence, pos, line.end())
                if start < 0:  # never seen; a piece pysbd altered is left unnumbered rather than misplaced
                    continue
                spans.append((start, start + len(sentence)))
                pos = start + len(sentence)
    return tuple(spans)


def _blocks(line: str) -> list[str]:
    """``line`` in pieces of at most ``_BLOCK_CHARS``, each ending where a sentence clearly ends if one does."""
    blocks: list[str] = []
    start = 0
    while len(line) - start > _BLOCK_CHARS:
        bound = start + _BLOCK_CHARS
        cut = max((m.end() for m in _CLEAR_END.finditer(line, start, bound)), default=0)
        if cut <= start:
            cut = line.rfind(" ", start, bound) + 1 or bound
        blocks.append(line[start:cut])
        start = cut
    blocks.append(line[start:])
    return blocks


def numbered(text: str) -> str:
    """``text`` with "[n] " before its n-th sentence (from 1), every other character as it was."""
    out: list[str] = []
    pos = 0
    for number, (start, _end) in enumerate(sentence_spans(text), 1):
        out.append(text[pos:start])
        out.append(f"[{number}] ")
        pos = start
    out.append(text[pos:])
    return "".join(out)


def cited(numbers: Iterable[int], text: str) -> list[str]:
    """The sentences of ``text`` that ``numbers`` cite, in the order cited, each once; a number that names
    no sentence (0, or past the last) cites nothing."""
    spans = sentence_spans(text)
    quotes: list[str] = []
    for number in dict.fromkeys(numbers):
        if 1 <= number <= len(spans):
            start, end = spans[number - 1]
            quotes.append(text[start:end])
    return quotes


def opened(quotes: Iterable[str], text: str) -> list[str]:
    """The whole sentences of ``text`` whose opening words ``quotes`` copy (a quote that runs over several
    sentences gives each), in the order quoted, each once; a quote not found in the text stays as written."""
    spans = sentence_spans(text)
    whole: list[str] = []
    for quote in quotes:
        found = ground(quote, text)
        if found.start is None or found.end is None:
            whole.append(quote)
            continue
        start, end = found.start, found.end
        covering = [text[a:b] for a, b in spans if a < end and start < b]
        whole += covering or [quote]
    return list(dict.fromkeys(whole))
