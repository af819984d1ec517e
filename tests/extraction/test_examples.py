"""Retrieved few-shot examples: dev labels only, never the article's own story, deterministic."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from extractor.attacks.schemas import ArticleEvents
from extractor.errors import PromptError
from extractor.evaluation.gold import GoldEvent, load_gold_dir
from extractor.extraction.articles import Article, load_corpus
from extractor.extraction.examples import gold_answer, pool_ids, retrieve, shown
from extractor.extraction.extract import render_messages
from extractor.extraction.prompts import PromptSpec, load_prompt
from extractor.tasks import ATTACKS

CORPUS = load_corpus(ATTACKS.corpus_dir)
GOLD = load_gold_dir(ATTACKS.gold_dir, ATTACKS.event_model)
SPLIT = {a.id: a.meta.split for a in CORPUS}


def _incidents(article_id: str) -> set[str]:
    return {e.incident for e in GOLD[article_id].events}


def test_gold_answer_takes_the_first_acceptable_value_and_leaves_out_passing_mentions() -> None:
    fields = {
        "date": [dt.date(2024, 3, 1), None],
        "location.site": ["al-Tanf", "al-Tanf garrison"],
        "location.country": ["Syria"],
        "weapons": [["drone"]],
        "casualties": ["unknown"],
        **{path: [None] for path in ("date_text", "location.area", "perpetrator", "target", "weapon_count")},
        **{path: [None] for path in ("killed", "injured")},
        "attribution": ["none"],
    }
    events = [
        GoldEvent(id="e1", incident="i1", fields=fields, evidence=["Drones hit al-Tanf."]),
        GoldEvent(id="e2", incident="i2", optional=True, fields=fields, evidence=["An earlier attack."]),
    ]
    answer = gold_answer(events, ArticleEvents)
    assert len(answer["events"]) == 1
    event = answer["events"][0]
    assert event["date"] == "2024-03-01"
    assert event["location"]["site"] == "al-Tanf"
    assert event["evidence"] == ["Drones hit al-Tanf."]
    assert ArticleEvents.model_validate(answer).events[0].weapons == ["drone"]


@pytest.mark.parametrize("article", [a for a in CORPUS if a.meta.split != "dev"], ids=lambda a: a.id)
def test_an_article_outside_dev_is_shown_dev_labels_only(article: Article) -> None:
    solved = retrieve(ATTACKS, article, k=3, split="dev")
    assert len(solved) == 3
    assert {SPLIT[s.article_id] for s in solved} == {"dev"}


@pytest.mark.parametrize("article", [a for a in CORPUS if a.meta.split == "dev"], ids=lambda a: a.id)
def test_a_dev_article_is_never_shown_itself_or_its_own_story(article: Article) -> None:
    own = _incidents(article.id)
    for solved in retrieve(ATTACKS, article, k=3, split="dev"):
        assert solved.article_id != article.id
        assert not (_incidents(solved.article_id) & own)


def test_wire_copies_of_one_story_are_kept_apart() -> None:
    # 016 and 017 report the same Kabul bombing: each is the other's nearest text, yet never its example.
    by_id = {a.id: a for a in CORPUS}
    kabul = [i for i in by_id if i.startswith(("016_", "017_"))]
    assert len(kabul) == 2 and _incidents(kabul[0]) & _incidents(kabul[1])
    for one, other in (kabul, kabul[::-1]):
        assert other not in {s.article_id for s in retrieve(ATTACKS, by_id[one], k=len(CORPUS), split="dev")}


def test_most_similar_first_and_the_same_on_every_call() -> None:
    article = CORPUS[0]
    first = retrieve(ATTACKS, article, k=5, split="dev")
    assert [s.article_id for s in first] == [s.article_id for s in retrieve(ATTACKS, article, k=5, split="dev")]
    from rapidfuzz import fuzz

    scores = [fuzz.token_set_ratio(article.text, s.text) for s in first]
    assert scores == sorted(scores, reverse=True)


def test_long_examples_and_articles_without_events_are_skipped() -> None:
    for solved in retrieve(ATTACKS, CORPUS[0], k=18, split="dev", max_chars=1500, max_events=2):
        assert len(solved.text) <= 1500
        assert 1 <= len(solved.example.output["events"]) <= 2


def test_a_split_without_labels_is_a_one_line_error() -> None:
    with pytest.raises(PromptError, match="no labelled articles of split 'nope'"):
        retrieve(ATTACKS, CORPUS[0], k=1, split="nope")


def test_v7_shows_the_retrieved_example_as_a_prior_turn_before_the_article() -> None:
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v7")
    article = next(a for a in CORPUS if a.meta.split == "test")
    messages = render_messages(ATTACKS, prompt, article)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    (solved,) = retrieve(ATTACKS, article, k=1, split="dev")
    assert solved.text in messages[1]["content"]
    assert ArticleEvents.model_validate_json(messages[2]["content"]).events
    assert article.text in messages[3]["content"]


def test_at_most_three_retrieved_examples() -> None:
    with pytest.raises(ValidationError):
        PromptSpec(version="vx", description="d", system="s", user="u", retrieved_examples=4)


def test_a_record_names_the_examples_its_prompt_showed() -> None:
    article = next(a for a in CORPUS if a.meta.split == "test")
    v7 = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v7")
    assert [s.article_id for s in shown(ATTACKS, v7, article)] == [
        s.article_id for s in retrieve(ATTACKS, article, k=1, split="dev")
    ]
    assert shown(ATTACKS, load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2"), article) == []


def test_an_eval_run_fingerprints_the_gold_its_examples_come_from() -> None:
    v7 = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v7")
    dev_with_gold = sorted(a.id for a in CORPUS if a.meta.split == "dev" and a.meta.round == 1 and a.id in GOLD)
    assert sorted(pool_ids(ATTACKS, v7)) == dev_with_gold
    assert pool_ids(ATTACKS, load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")) == []


def test_a_version_keeps_the_pool_of_its_round_when_the_split_grows() -> None:
    # v7 was recorded when dev held round 1 only; round 2's articles are never its examples, so its
    # cassettes still replay, while a later round sees the whole split.
    v7 = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v7")
    assert v7.spec.example_round == 1
    later = [a.id for a in CORPUS if a.meta.split == "dev" and a.meta.round == 2]
    assert later, "dev has a second round"
    for article in CORPUS:
        assert not {s.article_id for s in shown(ATTACKS, v7, article)} & set(later)
    reach = {s.article_id for a in CORPUS for s in retrieve(ATTACKS, a, k=3, split="dev", max_round=2)}
    assert reach & set(later), "a pool of round 2 reaches the new articles"
