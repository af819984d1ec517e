"""Comparing runs: deltas, paired intervals, per-article wins, flipped events, refusals.

The runs are synthetic but scored for real (``score_article`` / ``score_corpus``)
against small hand-made gold, so every number below follows from the scorer.

Five articles a0..a4, each with two required gold events (plus an optional one in a0):

* e1 at al-Tanf: 11 scored fields stated (killed is not stated);
* e2 at Ain al-Asad: 9 scored fields stated (weapon_count, killed, injured are not).

Run v1 (A): finds e1 everywhere, e2 only in a4; also extracts a0's optional e3.
Run v2 (B): finds e1 and e2 everywhere; in a4 its e1 has weapon_count 3 (gold 2),
            and one of that event's quotes is not in the article.
Run v3 (C): finds both in a0 and a1, only e1 in a2 and a4, fails outright on a3.

Hand-computed totals:

    events  A: tp 6, fp 0, fn 4  -> P 1, R 6/10, F1 12/16 = 0.75
            B: tp 10             -> P = R = F1 = 1
            C: 2+2+1+0+1 = tp 6, fn 4 -> F1 0.75
    micro   A: tp 4*11 + 20 = 64, fn 4*9 = 36 -> P 1, R 0.64, F1 128/164
            B: tp 4*20 + (10 + 9) = 99, fp 1, fn 1 (a4's weapon_count) -> P = R = F1 = 0.99
            C: tp 20+20+11+0+11 = 62, fn 0+0+9+20+9 = 38 -> F1 124/162
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from extractor.attacks.schemas import AttackEvent, Attribution, Casualties, Weapon
from extractor.errors import InputError
from extractor.evaluation.bootstrap import Interval
from extractor.evaluation.compare import Comparison, Delta, _gain_support, caveat, compare_runs, holm, micro, outcome
from extractor.evaluation.gold import GoldArticle, GoldEvent
from extractor.evaluation.scoring import score_article, score_corpus
from extractor.evaluation.suite import EvalRun
from extractor.extraction.grounding import Grounding
from extractor.extraction.records import ArticleRecord, Usage
from extractor.runs import Manifest
from extractor.tasks import ATTACKS
from tests.evaluation.test_scoring import ASAD, TANF
from tests.oracles import event_f1, micro_f1, paired_bootstrap

# --------------------------------------------------------------------------- synthetic runs (shared with test_report)

PUBLISHED = dt.date(2023, 10, 23)
E1_QUOTE = "Two drones struck the al-Tanf garrison on Monday, officials said."
E2_QUOTE = "Rockets and drones hit Ain al-Asad air base in Anbar province on Sunday."
E3_QUOTE = "In December 2019 a rocket attack on K-1 air base killed a contractor."

K1: dict[str, Any] = {
    "date": dt.date(2019, 12, 27),
    "date_text": "December 2019",
    "location.site": "K-1 air base",
    "location.area": "Kirkuk",
    "location.country": "Iraq",
    "perpetrator": None,
    "attribution": Attribution.NONE,
    "target": "a contractor",
    "weapons": [Weapon.ROCKET],
    "weapon_count": None,
    "killed": 1,
    "injured": None,
    "casualties": Casualties.KILLED,
}
ARTICLE_IDS = [f"a{k}" for k in range(5)]


def article_text(article_id: str) -> str:
    return f"Attacks on US forces ({article_id})\n\n{E1_QUOTE} {E2_QUOTE}\n\n{E3_QUOTE}\n"


def gold_event(
    event_id: str, values: Mapping[str, Any], evidence: str, incident: str, *, optional: bool = False
) -> GoldEvent:
    return GoldEvent(
        id=event_id,
        incident=incident,
        optional=optional,
        fields={path: [value] for path, value in values.items()},
        evidence=[evidence],
    )


def gold_for(article_id: str) -> GoldArticle:
    events = [
        gold_event("e1", TANF, E1_QUOTE, f"{article_id}-tanf"),
        gold_event("e2", ASAD, E2_QUOTE, f"{article_id}-asad"),
    ]
    if article_id == "a0":
        events.append(gold_event("e3", K1, E3_QUOTE, "2019-12-27-k1", optional=True))
    return GoldArticle(article=f"{article_id}.txt", published=PUBLISHED, events=events)


GOLDS = {article_id: gold_for(article_id) for article_id in ARTICLE_IDS}
TEXTS = {article_id: article_text(article_id) for article_id in ARTICLE_IDS}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)


def prediction(values: Mapping[str, Any], evidence: Sequence[str], **changes: Any) -> dict[str, Any]:
    """A JSON event as a record holds it; ``changes`` override fields (``location__site``)."""
    flat = {path: _plain(v) for path, v in values.items()}
    flat.update({key.replace("__", "."): _plain(v) for key, v in changes.items()})
    nested: dict[str, Any] = {"evidence": list(evidence)}
    for path, value in flat.items():
        *parents, leaf = path.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def tanf(**changes: Any) -> dict[str, Any]:
    return prediction(TANF, [E1_QUOTE], **changes)


def asad(**changes: Any) -> dict[str, Any]:
    return prediction(ASAD, [E2_QUOTE], **changes)


def k1() -> dict[str, Any]:
    return prediction(K1, [E3_QUOTE])


def ground_exact(text: str, quote: str) -> Grounding:
    start = text.find(quote)
    if start < 0:
        return Grounding(quote=quote, status="ungrounded")
    return Grounding(quote=quote, status="exact", start=start, end=start + len(quote), score=100.0)


def make_run(
    version: str,
    predictions: Mapping[str, Sequence[dict[str, Any]]],
    *,
    golds: Mapping[str, GoldArticle] = GOLDS,
    texts: Mapping[str, str] = TEXTS,
    errors: Mapping[str, str] | None = None,
    model: str = "smollm2-135m-instruct",
    schema_sha256: str = "s" * 64,
    task: str = "attacks",
    tokens: tuple[int, int] = (1000, 100),
    attempts: Mapping[str, int] | None = None,
    temperature: float = 0.0,
) -> EvalRun:
    """An EvalRun scored for real; ``predictions`` maps article id -> its JSON events."""
    errors, attempts = errors or {}, attempts or {}
    params = {"temperature": temperature, "seed": 0, "max_tokens": 1024, "max_reasks": 2}
    records, scores = [], []
    for article_id in sorted(predictions):
        events = [] if article_id in errors else list(predictions[article_id])
        error = errors.get(article_id)
        records.append(
            ArticleRecord(
                article_id=article_id,
                path=f"{article_id}.txt",
                article_sha256="0" * 64,
                published=PUBLISHED,
                status="error" if error else "ok",
                error=error,
                error_type="InvalidOutputError" if error else None,
                events=events,
                grounding=[[ground_exact(texts[article_id], q) for q in e["evidence"]] for e in events],
                usage=Usage(prompt_tokens=tokens[0], completion_tokens=tokens[1]),
                attempts=attempts.get(article_id, 1),
                latency_s=2.0,
                model=model,
                prompt=f"{task}@{version}",
                prompt_sha256=version * 8,
                schema_sha256=schema_sha256,
                params=params,
            )
        )
        scores.append(score_article(article_id, events, golds[article_id], AttackEvent, error=error))
    score = score_corpus(scores, n_resamples=200, seed=0)
    manifest = Manifest(
        command="extractor eval",
        task=task,
        prompt=f"{task}@{version}",
        prompt_sha256=version * 8,
        schema_sha256=schema_sha256,
        backend="local",
        model=model,
        model_sha256="m" * 64,
        params=params,
        cassette_mode="replay",
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:01:00+00:00",
        python="3.11.9",
        packages={},
        git_commit=None,
        articles=sorted(predictions),
    )
    return EvalRun.of(manifest, records, score)


def run_a(**kwargs: Any) -> EvalRun:
    preds = {a: [tanf()] for a in ARTICLE_IDS}
    preds["a0"] = [tanf(), k1()]
    preds["a4"] = [tanf(), asad()]
    return make_run("v1", preds, **kwargs)


def run_b(**kwargs: Any) -> EvalRun:
    preds = {a: [tanf(), asad()] for a in ARTICLE_IDS}
    wrong = tanf(weapon_count=3)
    wrong["evidence"] = [E1_QUOTE, "a quote the article does not contain"]
    preds["a4"] = [wrong, asad()]
    return make_run("v2", preds, tokens=(1200, 150), attempts={"a4": 2}, **kwargs)


def run_c(**kwargs: Any) -> EvalRun:
    preds: dict[str, list[dict[str, Any]]] = {"a0": [tanf(), asad()], "a1": [tanf(), asad()]}
    preds |= {"a2": [tanf()], "a3": [], "a4": [tanf()]}
    return make_run("v3", preds, errors={"a3": "still invalid after 2 re-asks"}, **kwargs)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def ab() -> Comparison:
    return compare_runs([run_a(), run_b()], GOLDS, n_resamples=2000, seed=0, key_fields=ATTACKS.key_fields)


@pytest.fixture(scope="module")
def abc() -> Comparison:
    return compare_runs([run_a(), run_b(), run_c()], GOLDS, n_resamples=2000, seed=0, key_fields=ATTACKS.key_fields)


# --------------------------------------------------------------------------- the runs are what the docstring says


def test_synthetic_runs_score_as_hand_computed() -> None:
    a, b, c = run_a(), run_b(), run_c()
    assert (a.score.events.tp, a.score.events.fp, a.score.events.fn) == (6, 0, 4)
    assert (a.score.micro.tp, a.score.micro.fp, a.score.micro.fn) == (64, 0, 36)
    assert (b.score.events.tp, b.score.events.fp, b.score.events.fn) == (10, 0, 0)
    assert (b.score.micro.tp, b.score.micro.fp, b.score.micro.fn) == (99, 1, 1)
    assert (c.score.events.tp, c.score.events.fn) == (6, 4)
    assert (c.score.micro.tp, c.score.micro.fn) == (62, 38)
    # a0's optional e3 is matched by A and counts nowhere.
    assert [p.status for p in a.score.articles[0].pairs] == ["matched", "missed", "optional_matched"]


# --------------------------------------------------------------------------- versions and deltas


def test_version_summaries(ab: Comparison) -> None:
    assert ab.labels == ["v1", "v2"]
    assert ab.baseline == "v1"
    assert ab.task == "attacks"
    assert ab.n_articles == 5
    assert ab.articles_compared == ARTICLE_IDS
    v1, v2 = ab.version("v1"), ab.version("v2")
    assert (v1.events.precision, v1.events.recall, v1.events.f1) == pytest.approx((1.0, 0.6, 0.75))
    assert (v1.micro.precision, v1.micro.recall, v1.micro.f1) == pytest.approx((1.0, 0.64, 128 / 164))
    assert (v2.micro.precision, v2.micro.recall, v2.micro.f1) == pytest.approx((0.99, 0.99, 0.99))
    # Field F1: date A tp 6, fn 4 -> 12/16; weapon_count B tp 4, fp 1, fn 1 -> 8/10; killed never stated -> 1.
    assert v1.fields_f1["date"] == pytest.approx(0.75)
    assert v2.fields_f1["weapon_count"] == pytest.approx(0.8)
    assert v1.fields_f1["killed"] == v2.fields_f1["killed"] == 1.0
    # Grounding: A's 7 events (6 + the optional e3) are all exact; B's a4 e1 has a quote
    # the article lacks: 9/10 grounded, and that event is matched -> 1 correct-but-ungrounded.
    assert (v1.predicted_events, v1.grounded_events, v1.grounding_rate) == (7, 7, 1.0)
    assert (v2.predicted_events, v2.grounded_events) == (10, 9)
    assert v2.grounding_rate == pytest.approx(0.9)
    assert v2.correct_but_ungrounded == 1
    # Cost: tokens per article as recorded; B re-asked once (2 attempts on a4).
    assert (v1.prompt_tokens_per_article, v1.completion_tokens_per_article) == (1000, 100)
    assert (v2.prompt_tokens_per_article, v2.completion_tokens_per_article) == (1200, 150)
    assert (v1.reasks, v2.reasks) == (0, 1)
    assert v1.latency_s_per_article == 2.0
    assert (v1.errors, v2.errors) == (0, 0)


def test_deltas_equal_hand_computed_values(ab: Comparison) -> None:
    [d] = ab.deltas
    assert (d.label, d.against) == ("v2", "v1")
    h = d.headline
    assert h["event_f1"].delta == pytest.approx(0.25)  # 1 - 0.75
    assert h["event_recall"].delta == pytest.approx(0.4)  # 1 - 0.6
    assert h["event_precision"].delta == 0.0  # 1 - 1
    assert h["micro_f1"].delta == pytest.approx(0.99 - 128 / 164)  # = 0.2095...
    assert h["micro_precision"].delta == pytest.approx(-0.01)  # 0.99 - 1
    assert h["micro_recall"].delta == pytest.approx(0.35)  # 0.99 - 0.64
    assert h["grounding_rate"].delta == pytest.approx(-0.1)  # 0.9 - 1.0
    assert (h["micro_f1"].baseline, h["micro_f1"].value) == pytest.approx((128 / 164, 0.99))
    assert d.fields["date"].delta == pytest.approx(0.25)  # 1 - 12/16
    assert d.fields["weapon_count"].delta == pytest.approx(-0.2)  # 0.8 - 1
    assert d.fields["killed"].delta == 0.0
    assert set(d.fields) == set(ab.version("v1").fields)


def test_interval_excludes_zero_when_the_effect_is_consistent(ab: Comparison) -> None:
    h = ab.deltas[0].headline
    # B is at least as good on events in every article and better in four: every resample
    # but the all-a4 one (probability 1/3125) has a positive event-F1 delta.
    assert h["event_f1"].interval.low > 0
    assert h["event_f1"].significant
    assert h["micro_f1"].interval.low > 0
    assert h["micro_f1"].significant
    assert ab.deltas[0].fields["date"].significant
    # Worse only in a4: resamples without a4 (a third of them) give exactly 0.
    wc = ab.deltas[0].fields["weapon_count"]
    assert wc.interval.low < 0
    assert wc.interval.high == 0.0
    assert not wc.significant
    # Grounding is worse only in a4 (1 of B's 2 events there is ungrounded): [<0, 0].
    assert h["grounding_rate"].interval.low < 0
    assert h["grounding_rate"].interval.high == 0.0
    assert not h["grounding_rate"].significant
    # No difference at all: a degenerate interval at 0, not significant.
    assert (h["event_precision"].interval.low, h["event_precision"].interval.high) == (0.0, 0.0)
    assert not h["event_precision"].significant
    for delta in (*h.values(), *ab.deltas[0].fields.values()):
        assert delta.interval.low <= delta.interval.high


def test_interval_includes_zero_when_the_effect_is_mixed(abc: Comparison) -> None:
    d = abc.deltas_of("v3")
    # C wins a0 and a1, loses a3 and a4: event F1 equal overall, intervals on both sides of 0.
    assert d.headline["event_f1"].delta == pytest.approx(0.0)
    assert d.headline["event_f1"].interval.low < 0 < d.headline["event_f1"].interval.high
    assert not d.headline["event_f1"].significant
    assert d.headline["micro_f1"].delta == pytest.approx(124 / 162 - 128 / 164)
    assert d.headline["micro_f1"].interval.low < 0 < d.headline["micro_f1"].interval.high
    assert not d.headline["micro_f1"].significant


@pytest.mark.parametrize(("n_resamples", "seed"), [(7, 1), (13, 5), (500, 7)])
def test_intervals_are_the_paired_bootstrap_of_scoring(n_resamples: int, seed: int) -> None:
    # Few resamples make the quantiles interpolate between draws, so any other draws show.
    a, c = run_a(), run_c()
    comparison = compare_runs([a, c], GOLDS, n_resamples=n_resamples, seed=seed)
    for name, metric in (("event_f1", event_f1), ("micro_f1", micro_f1)):
        delta, interval = paired_bootstrap(
            a.score.articles, c.score.articles, metric, n_resamples=n_resamples, seed=seed
        )
        mine = comparison.deltas[0].headline[name]
        assert mine.delta == pytest.approx(delta)
        assert (mine.interval.low, mine.interval.high) == pytest.approx((interval.low, interval.high))


def test_another_seed_draws_other_intervals() -> None:
    first = compare_runs([run_a(), run_c()], GOLDS, n_resamples=7, seed=1).deltas[0].headline["micro_f1"]
    second = compare_runs([run_a(), run_c()], GOLDS, n_resamples=7, seed=2).deltas[0].headline["micro_f1"]
    assert first.interval != second.interval


def test_the_seed_fixes_the_intervals() -> None:
    first = compare_runs([run_a(), run_c()], GOLDS, n_resamples=300, seed=3)
    again = compare_runs([run_a(), run_c()], GOLDS, n_resamples=300, seed=3)
    assert first == again


# --------------------------------------------------------------------------- per article


def test_per_article_scores_and_outcomes(ab: Comparison) -> None:
    by_id = {a.article_id: a for a in ab.articles}
    assert list(by_id) == ARTICLE_IDS
    # a0: A finds e1 only: events F1 2/3, micro 22/31; B perfect.
    assert by_id["a0"].event_f1 == pytest.approx({"v1": 2 / 3, "v2": 1.0})
    assert by_id["a0"].micro_f1 == pytest.approx({"v1": 22 / 31, "v2": 1.0})
    # a4: both find both; B's wrong weapon_count gives micro 2*19 / (2*19 + 1 + 1) = 0.95 vs 1.
    assert by_id["a4"].event_f1 == {"v1": 1.0, "v2": 1.0}
    assert by_id["a4"].micro_f1 == pytest.approx({"v1": 1.0, "v2": 0.95})
    assert [by_id[a].outcomes for a in ARTICLE_IDS] == [{"v2": "win"}] * 4 + [{"v2": "loss"}]
    assert (ab.deltas[0].wins, ab.deltas[0].losses, ab.deltas[0].ties) == (4, 1, 0)
    assert by_id["a0"].events["v1"].fn == 1
    assert all(not a.errors for a in ab.articles)


def test_per_article_outcomes_with_three_versions(abc: Comparison) -> None:
    outcomes = {a.article_id: a.outcomes for a in abc.articles}
    # C: a0, a1 both events (win); a2 same as A (tie); a3 failed (loss); a4 misses e2 that A found (loss).
    assert {k: v["v3"] for k, v in outcomes.items()} == {
        "a0": "win",
        "a1": "win",
        "a2": "tie",
        "a3": "loss",
        "a4": "loss",
    }
    d = abc.deltas_of("v3")
    assert (d.wins, d.losses, d.ties) == (2, 2, 1)
    a3 = next(a for a in abc.articles if a.article_id == "a3")
    assert a3.errors == {"v3": "still invalid after 2 re-asks"}
    assert a3.micro_f1["v3"] == 0.0


def test_micro_f1_decides_an_article_and_event_f1_breaks_a_tie() -> None:
    gold = GOLDS["a1"]
    base = score_article("a1", [tanf()], gold, AttackEvent)  # events F1 2/3, micro 22/31 = 0.71
    # Finds both events (events F1 1) but gets most values wrong: e1 tp 5, fp 6, fn 6 and
    # e2 tp 5, fp 7, fn 4 -> micro 2*10 / (2*10 + 13 + 10) = 20/43 = 0.47: a loss on micro F1.
    sloppy = [
        tanf(
            location__area="Homs",
            attribution="suspected",
            target="nobody",
            weapon_count=9,
            injured=4,
            casualties="killed_and_injured",
        ),
        asad(
            location__area="Homs",
            attribution="claimed",
            target="nobody",
            weapon_count=5,
            killed=3,
            injured=2,
            casualties="killed",
        ),
    ]
    other = score_article("a1", sloppy, gold, AttackEvent)
    assert other.events.f1 == 1.0
    assert base.events.f1 == pytest.approx(2 / 3)
    assert micro(other).f1 == pytest.approx(20 / 43)
    assert outcome(base, other) == "loss"
    assert outcome(other, base) == "win"
    # Equal micro F1, so event F1 decides: an extra event that states no scored value is an
    # event FP (events 2/1/0, F1 0.8) and adds no field counts (micro stays 20/0/0).
    nothing_stated = {"evidence": [E2_QUOTE], "location": {}, "weapons": []}
    perfect = score_article("a1", [tanf(), asad()], gold, AttackEvent)
    extra = score_article("a1", [tanf(), asad(), nothing_stated], gold, AttackEvent)
    assert micro(extra) == micro(perfect)
    assert extra.events.f1 == pytest.approx(0.8)
    assert outcome(perfect, extra) == "loss"
    assert outcome(extra, perfect) == "win"
    assert outcome(perfect, perfect) == "tie"


def test_identical_runs_tie_everywhere() -> None:
    comparison = compare_runs([run_a(), run_a()], GOLDS, n_resamples=200)
    assert comparison.labels == ["v1#1", "v1#2"]
    d = comparison.deltas[0]
    assert (d.wins, d.losses, d.ties) == (0, 0, 5)
    assert all(x.delta == 0.0 and not x.significant for x in (*d.headline.values(), *d.fields.values()))
    assert comparison.flips == []
    assert "tie on field micro F1" in comparison.verdict
    assert any("identical prompt text" in n for n in comparison.notes)


# --------------------------------------------------------------------------- flipped events


def test_flips_list_exactly_the_events_one_version_found(ab: Comparison) -> None:
    got = [(f.article_id, f.gold_id, f.found_by, f.missed_by) for f in ab.flips]
    assert got == [(a, "e2", ["v2"], ["v1"]) for a in ("a0", "a1", "a2", "a3")]
    flip = ab.flips[0]
    assert flip.incident == "a0-asad"
    assert flip.evidence == [E2_QUOTE]
    assert flip.key_fields == {
        "location.site": "Ain al-Asad air base",
        "date": "2023-10-22",
        "perpetrator": "Islamic Resistance in Iraq",
    }
    assert flip.failed == []


def test_flips_with_three_versions(abc: Comparison) -> None:
    got = {(f.article_id, f.gold_id): (f.found_by, f.missed_by, f.failed) for f in abc.flips}
    assert got == {
        ("a0", "e2"): (["v2", "v3"], ["v1"], []),
        ("a1", "e2"): (["v2", "v3"], ["v1"], []),
        ("a2", "e2"): (["v2"], ["v1", "v3"], []),
        ("a3", "e1"): (["v1", "v2"], ["v3"], ["v3"]),
        ("a3", "e2"): (["v2"], ["v1", "v3"], ["v3"]),
        ("a4", "e2"): (["v1", "v2"], ["v3"], []),
    }
    # a0's optional e3 (found by A only) is not a flip: skipping it is not punished.
    assert all(f.gold_id != "e3" for f in abc.flips)


# --------------------------------------------------------------------------- words


def test_caveat_is_always_stated_and_scales_with_size(ab: Comparison) -> None:
    assert ab.caveat.startswith("5 articles: intervals are wide; a difference must be large to be real")
    assert caveat(1).startswith("1 article:")
    assert "still wide" in caveat(20)
    assert caveat(200).startswith("200 articles:")
    assert "wide" not in caveat(200)


def test_verdict_names_the_winner_the_margin_and_the_support(ab: Comparison, abc: Comparison) -> None:
    assert ab.verdict.startswith("v2 wins on field micro F1: 0.990 vs 0.780 for v1 (+0.210, 95% CI +")
    assert "the interval excludes 0, so the gain is supported" in ab.verdict
    assert "wins 4, loses 1, ties 0" in ab.verdict
    assert "v2 wins on event F1: 1.000 vs 0.750 for v1 (+0.250" in ab.verdict
    assert abc.verdict.startswith("v2 wins on field micro F1")
    baseline_leads = compare_runs([run_a(), run_c()], GOLDS, n_resamples=500)
    assert "The baseline v1 is best on field micro F1 (0.780); the closest, v3, is -0.015" in baseline_leads.verdict
    assert "the lead may be noise" in baseline_leads.verdict
    assert "All versions tie on event F1 (0.750)" in baseline_leads.verdict


@pytest.mark.parametrize(
    ("p_values", "adjusted"),
    [
        ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]),  # Holm's worked order: 4x, 3x, 2x, then monotone
        ([0.2], [0.2]),  # one test: nothing to adjust
        ([0.6, 0.5], [1.0, 1.0]),  # capped at 1
        ([0.02, 0.02, 0.02], [0.06, 0.06, 0.06]),  # ties share the largest multiplier's value
        ([], []),
    ],
)
def test_holm_adjusts_a_family_of_p_values(p_values: list[float], adjusted: list[float]) -> None:
    assert holm(p_values) == pytest.approx(adjusted)


def test_one_challenger_keeps_its_p_value(ab: Comparison) -> None:
    for delta in ab.deltas[0].headline.values():
        assert delta.p_adjusted == delta.p_value


def test_several_challengers_adjust_each_p_value_for_their_number(abc: Comparison) -> None:
    for name in ("event_f1", "micro_f1", "micro_recall"):
        b, c = abc.deltas_of("v2").headline[name], abc.deltas_of("v3").headline[name]
        assert b.p_value is not None and c.p_value is not None
        low, high = sorted((b, c), key=lambda d: d.p_value or 0.0)
        assert low.p_adjusted == pytest.approx(min(1.0, 2 * (low.p_value or 0.0)))
        assert high.p_adjusted == pytest.approx(max(low.p_adjusted or 0.0, high.p_value or 0.0))


def test_the_best_of_several_is_supported_only_after_adjusting(abc: Comparison) -> None:
    # v2's gain over v1 has a bootstrap interval above 0, but on five articles the permutation test
    # cannot go below 2/32, and doubled for two challengers it is far from 0.05.
    d = abc.deltas_of("v2").headline["micro_f1"]
    assert d.significant and d.p_adjusted is not None and d.p_adjusted > 0.05
    assert "the interval excludes 0, but the permutation p-value" in abc.verdict
    assert "once adjusted for the 2 challengers (Holm): the gain may be noise" in abc.verdict

    def delta(p_value: float, p_adjusted: float, low: float = 0.01) -> Delta:
        interval = Interval(low=low, high=0.2)
        return Delta(metric="micro_f1", baseline=0.4, value=0.5, delta=0.1, interval=interval,
                     significant=low > 0, p_value=p_value, p_adjusted=p_adjusted)  # fmt: skip

    assert _gain_support(delta(0.004, 0.012), 3, 0.95) == (
        "the interval excludes 0 and the permutation p-value, 0.004, is 0.012 once adjusted for the 3 "
        "challengers (Holm): the gain is supported"
    )
    assert _gain_support(delta(0.03, 0.09), 3, 0.95).endswith("the gain may be noise")
    assert _gain_support(delta(0.03, 0.03), 1, 0.95) == "the interval excludes 0, so the gain is supported"
    assert _gain_support(delta(0.001, 0.003, low=-0.01), 3, 0.95) == "the interval includes 0, so the gain may be noise"


def test_notes_say_what_changes_the_meaning() -> None:
    comparison = compare_runs(
        [run_a(), run_b(model="qwen2.5-0.5b-instruct", schema_sha256="t" * 64, temperature=0.7), run_c()],
        GOLDS,
        n_resamples=200,
    )
    notes = "\n".join(comparison.notes)
    assert "different models" in notes
    assert "qwen2.5-0.5b-instruct" in notes
    assert "schema hashes differ" in notes
    assert "v2 sampled at temperature 0.7" in notes
    assert "v3: 1 article(s) failed (a3)" in notes
    assert compare_runs([run_a(), run_b()], GOLDS, n_resamples=200).notes == []


def test_same_version_under_two_models_is_labelled_by_model() -> None:
    comparison = compare_runs([run_a(), run_a(model="qwen")], GOLDS, n_resamples=200)
    assert comparison.labels == ["v1/smollm2-135m-instruct", "v1/qwen"]
    assert comparison.baseline == "v1/smollm2-135m-instruct"


# --------------------------------------------------------------------------- JSON


def test_comparison_round_trips_through_json(abc: Comparison) -> None:
    text = abc.model_dump_json()
    again = Comparison.model_validate_json(text)
    assert again == abc
    data = json.loads(text)
    assert data["deltas"][0]["headline"]["event_f1"]["significant"] is True
    assert data["versions"][0]["events"]["f1"] == pytest.approx(0.75)  # rates are in the JSON, not only counts


# --------------------------------------------------------------------------- refusals


def test_refuses_runs_over_different_articles() -> None:
    fewer = make_run("v2", {a: [tanf(), asad()] for a in ARTICLE_IDS[:4]})
    with pytest.raises(InputError, match=r"different articles.*only in v1: \['a4'\]"):
        compare_runs([run_a(), fewer], GOLDS)


def test_refuses_article_sets_of_the_same_size() -> None:
    golds = {**GOLDS, "a5": gold_for("a5")}
    texts = {**TEXTS, "a5": article_text("a5")}
    other = make_run("v2", {a: [tanf()] for a in [*ARTICLE_IDS[:4], "a5"]}, golds=golds, texts=texts)
    with pytest.raises(InputError, match=r"only in v1: \['a4'\]; only in v2: \['a5'\]"):
        compare_runs([run_a(), other], golds)


def test_refuses_runs_of_different_tasks() -> None:
    with pytest.raises(InputError, match="different tasks"):
        compare_runs([run_a(), run_b(task="bombings")], GOLDS)


def test_refuses_a_single_run() -> None:
    with pytest.raises(InputError, match="at least two runs"):
        compare_runs([run_a()], GOLDS)


def test_refuses_gold_that_changed_since_scoring() -> None:
    changed = dict(GOLDS)
    changed["a2"] = GoldArticle(article="a2.txt", published=PUBLISHED, events=GOLDS["a2"].events[:1])
    with pytest.raises(InputError, match="other gold labels for a2"):
        compare_runs([run_a(), run_b()], changed)
    with pytest.raises(InputError, match="no gold labels for article"):
        compare_runs([run_a(), run_b()], {k: v for k, v in GOLDS.items() if k != "a1"})


def test_input_error_is_one_line() -> None:
    fewer = make_run("v2", {a: [tanf()] for a in ARTICLE_IDS[1:]})
    with pytest.raises(InputError) as info:
        compare_runs([run_a(), fewer], GOLDS)
    assert "\n" not in str(info.value)


def _on_split(run: EvalRun, split: str | None) -> EvalRun:
    return run.model_copy(update={"manifest": run.manifest.model_copy(update={"split": split})})


@pytest.mark.parametrize(
    ("split", "says"),
    [
        ("dev", "dev is a split this task's prompts and rules are chosen on:"),
        ("dev@1", "dev@1 is a split this task's prompts and rules are chosen on:"),
        ("dev#2", "dev#2 is a split this task's prompts and rules are chosen on:"),
        ("test#3", None),
        (None, "the whole corpus includes dev, seeds, the splits this task's prompts and rules are chosen on:"),
        ("test", None),
    ],
)
def test_a_split_the_prompts_were_chosen_on_is_named(split: str | None, says: str | None) -> None:
    """Scores on the articles that chose a version favour it beyond what the article bootstrap covers."""
    runs = [_on_split(run_a(), split), _on_split(run_b(), split)]
    notes = compare_runs(runs, GOLDS, n_resamples=200, tuned_on=("dev", "seeds")).notes
    chosen = [note for note in notes if "chosen" in note]
    assert len(chosen) == (0 if says is None else 1), notes
    if says is not None:
        assert chosen[0].startswith(says)
        assert "judge a gain on a split nothing was chosen on" in chosen[0]
    assert not [note for note in compare_runs(runs, GOLDS, n_resamples=200).notes if "chosen" in note]
