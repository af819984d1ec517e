"""Evidence cited by sentence number: the numbering the model reads, and the sentences its numbers give back."""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from extractor.extraction.articles import load_article
from extractor.extraction.citations import cited, numbered, opened, sentence_spans

CORPUS = Path(__file__).resolve().parents[2] / "evals" / "attacks" / "articles"

TEXT = (
    "Drone Attack at Al-Tanf\n"
    "\n"
    'A drone attack targeted Al-Tanf on Wednesday. The attack was "deliberate", according to U.S. Central '
    "Command.\n"
    "Mr. Smith said two people died. Mr. Smith said two people died.\n"
)


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_sentences_end_at_sentence_ends_not_at_abbreviations_and_never_cross_a_line() -> None:
    assert _sentences(TEXT) == [
        "Drone Attack at Al-Tanf",  # a heading with no full stop is not run into the paragraph after it
        "A drone attack targeted Al-Tanf on Wednesday.",
        'The attack was "deliberate", according to U.S. Central Command.',
        "Mr. Smith said two people died.",
        "Mr. Smith said two people died.",
    ]


def test_a_repeated_sentence_has_its_own_offsets() -> None:
    spans = sentence_spans(TEXT)
    assert spans[3] != spans[4]
    assert TEXT[spans[3][0] : spans[3][1]] == TEXT[spans[4][0] : spans[4][1]]


def test_numbered_puts_the_number_before_each_sentence_and_changes_nothing_else() -> None:
    shown = numbered(TEXT)
    assert shown.startswith("[1] Drone Attack at Al-Tanf\n\n[2] A drone attack")
    assert "Wednesday. [3] The attack" in shown
    assert "died. [5] Mr. Smith" in shown
    assert re.sub(r"\[\d+\] ", "", shown) == TEXT


def test_cited_gives_the_sentences_in_the_order_cited_each_once_and_ignores_numbers_that_name_none() -> None:
    assert cited([3, 2, 3], TEXT) == [
        'The attack was "deliberate", according to U.S. Central Command.',
        "A drone attack targeted Al-Tanf on Wednesday.",
    ]
    assert cited([0, 6, -1], TEXT) == []
    assert cited([], TEXT) == []


def test_opened_gives_the_whole_sentence_whose_opening_words_were_copied() -> None:
    assert opened(['The attack was "deliberate", according to U.S.', "A drone attack targeted"], TEXT) == [
        'The attack was "deliberate", according to U.S. Central Command.',
        "A drone attack targeted Al-Tanf on Wednesday.",
    ]
    # Straightened quotes still find their sentence (the grounding's normalised reading).
    assert opened(["The attack was “deliberate”"], TEXT) == [
        'The attack was "deliberate", according to U.S. Central Command.'
    ]
    # A copy that runs into the next sentence gives both; a sentence given twice is kept once.
    assert opened(["on Wednesday. The attack", "A drone attack"], TEXT) == [
        "A drone attack targeted Al-Tanf on Wednesday.",
        'The attack was "deliberate", according to U.S. Central Command.',
    ]
    # Words that are nowhere in the text stay as written: the grounding report shows them ungrounded.
    assert opened(["Moon Base Alpha was hit"], TEXT) == ["Moon Base Alpha was hit"]


def test_every_corpus_article_is_numbered_without_losing_a_character() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        text = load_article(path).text
        spans = sentence_spans(text)
        assert spans, path.name
        # In order, apart, and together covering every non-blank character of the article.
        assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(spans)), path.name
        gaps = [text[: spans[0][0]], text[spans[-1][1] :]]
        gaps += [text[b:c] for (_, b), (c, _) in itertools.pairwise(spans)]
        assert not "".join(gaps).strip(), f"{path.name}: text outside every sentence"
        shown = numbered(text)
        assert all(f"[{n}] {text[a:b]}" in shown for n, (a, b) in enumerate(spans, 1)), path.name


@given(st.text(alphabet=st.sampled_from("ab .!?\n\"'U.S"), max_size=120))
def test_spans_are_stripped_ordered_and_on_one_line(text: str) -> None:
    spans = sentence_spans(text)
    for start, end in spans:
        piece = text[start:end]
        assert piece and piece == piece.strip()
        assert "\n" not in piece
    assert all(b <= c for (_, b), (c, _) in itertools.pairwise(spans))
    assert len(cited(range(1, len(spans) + 1), text)) <= len(spans)


def test_threads_splitting_articles_at_once_get_the_sentences_one_thread_gets() -> None:
    # `extract --concurrency` reads articles on several threads at once: a splitter shared between them
    # (pysbd keeps the line it is splitting on itself) returned another thread's sentences, or lost some.
    texts = [load_article(path).text for path in sorted(CORPUS.glob("*.txt"))]
    sentence_spans.cache_clear()
    alone = [sentence_spans(text) for text in texts]
    for _ in range(3):
        sentence_spans.cache_clear()
        with ThreadPoolExecutor(max_workers=8) as pool:
            together = list(pool.map(sentence_spans, texts))
        assert together == alone


def test_a_line_longer_than_any_news_line_is_split_at_its_sentences_in_blocks() -> None:
    """pysbd's time grows with the square of a line (a megabyte on one line took minutes), so a long line goes to
    it in blocks; a block ends where a sentence ends, so the sentences are the ones a single pass gives."""
    sentence = "Residents said the blasts were heard across the U.S. district of Kofa."
    text = " ".join([sentence] * 2_000)  # 142 KB, one line
    spans = sentence_spans(text)
    assert len(spans) == 2_000 and all(text[a:b] == sentence for a, b in spans)
    unpunctuated = ("and the talks went on " * 10_000).strip()
    pieces = [unpunctuated[a:b] for a, b in sentence_spans(unpunctuated)]
    assert len(pieces) > 1 and " ".join(pieces) == unpunctuated, "cut at spaces, no character lost"
