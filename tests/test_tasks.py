"""A task is a parameter: a user's own schema, prompts and gold run through the same pipeline."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from extractor.comparators import Compare, Kind
from extractor.errors import InputError, PromptError
from extractor.evaluation.gold import GoldArticle, GoldEvent, check_gold
from extractor.evaluation.suite import run_eval
from extractor.extraction.cassettes import CassetteMode, cassette_path
from extractor.extraction.config import Backend, Settings
from extractor.extraction.prompts import load_prompt
from extractor.fields import schema_fields
from extractor.reporting.report import eval_markdown, print_records
from extractor.tasks import ATTACKS, Task, get_task
from tests.loopback import scripted, tool_call

ARTICLE = "Thousands marched in Velmora on Saturday.\n\nAbout 5000 people joined the march, organisers said.\n"


class Protest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: Annotated[list[str], Compare(Kind.IGNORE)] = Field(min_length=1, description="Verbatim quotes.")
    city: Annotated[str | None, Compare(Kind.FUZZY, identify=2.0, key=True)] = Field(description="City.")
    date: Annotated[dt.date | None, Compare(Kind.DATE, identify=1.0)] = Field(description="Day.")
    crowd: Annotated[int | None, Compare(Kind.EXACT)] = Field(description="Crowd size, if stated.")


class Protests(BaseModel):
    """Protests reported in one article."""

    events: list[Protest]


@pytest.fixture
def protests(tmp_path: Path) -> Task:
    prompts, corpus, gold = tmp_path / "prompts", tmp_path / "corpus", tmp_path / "gold"
    for folder in (prompts, corpus, gold):
        folder.mkdir()
    (prompts / "v1.yaml").write_text(
        "version: v1\ndescription: protests\nsystem: |\n  List protests.\n"
        "  {% for name, text in field_guide %}- {{ name }}: {{ text }}\n  {% endfor %}\n"
        "user: |\n  Published {{ published }}.\n  {{ text }}\n"
    )
    (corpus / "p1.txt").write_text(ARTICLE)
    (corpus / "metadata.json").write_text(
        json.dumps({"articles": [{"file": "p1.txt", "published": "2024-06-02", "title": "March"}]})
    )
    (gold / "p1.yaml").write_text(
        "article: p1.txt\npublished: 2024-06-02\nevents:\n"
        "  - id: e1\n    incident: velmora-march\n    city: Velmora\n    date: 2024-06-01\n    crowd: 5000\n"
        "    evidence: ['Thousands marched in Velmora on Saturday.']\n"
    )
    return Task("protests", Protest, Protests, prompts, corpus, gold)


def test_a_users_task_records_replays_and_scores_without_core_changes(protests: Task, tmp_path: Path) -> None:
    answer = {
        "events": [
            {
                "evidence": ["Thousands marched in Velmora on Saturday."],
                "city": "Velmora",
                "date": "2024-06-01",
                "crowd": 5000,
            }
        ]
    }
    prompt = load_prompt(protests.prompts_dir, protests.name, "v1")
    cassettes = tmp_path / "cassettes"
    with scripted([tool_call(answer, name="Protests")]) as server:
        live = Settings(
            Backend.COMPATIBLE, "test-model", base_url=server.base_url,
            cassette_mode=CassetteMode.RECORD, cassette_dir=cassettes,
        )  # fmt: skip
        recorded = run_eval(protests, prompt, live, n_resamples=50)
    sent = server.requests[0]
    assert sent["tool_choice"]["function"]["name"] == "Protests"
    assert "- crowd: Crowd size, if stated." in sent["messages"][0]["content"]
    assert cassette_path(cassettes, "test-model", "protests@v1", "p1").exists()
    assert recorded.score.events.f1 == 1.0
    assert recorded.score.micro.f1 == 1.0
    assert set(recorded.score.fields) == {"city", "date", "crowd"}
    assert recorded.records[0].grounding[0][0].status == "exact"

    offline = Settings(Backend.COMPATIBLE, "test-model", base_url="http://127.0.0.1:9/v1",
                       cassette_mode=CassetteMode.REPLAY, cassette_dir=cassettes)  # fmt: skip
    replayed = run_eval(protests, prompt, offline, n_resamples=50)
    assert replayed.score.model_dump() == recorded.score.model_dump()
    assert replayed.manifest.task == "protests" and replayed.manifest.schema_sha256 == protests.schema_sha256
    # A task that declares no incident scorer and no columns still gets its reports.
    assert replayed.incidents is None
    markdown = eval_markdown(replayed)
    assert "## Incidents" not in markdown and "| p1 | 1/0/0 |" in markdown
    console = Console(record=True, width=80, force_terminal=False, color_system=None)
    print_records(console, replayed.records, protests.columns)
    table = console.export_text()
    assert "city" in table and "Velmora" in table and "5000" in table


def test_tasks_are_found_by_name_or_import_path() -> None:
    assert get_task("attacks") is ATTACKS
    assert get_task("extractor.tasks:ATTACKS") is ATTACKS
    with pytest.raises(InputError, match="unknown task 'riots'"):
        get_task("riots")
    with pytest.raises(InputError, match="cannot load task"):
        get_task("no_such_module:TASK")
    with pytest.raises(InputError, match=r"is not an extractor\.tasks\.Task"):
        get_task("extractor.attacks.schemas:AttackEvent")


def test_the_attack_tasks_own_rules_name_real_fields() -> None:
    leaves = set(schema_fields(ATTACKS.event_model))
    for declared in (ATTACKS.gold_required_fields, ATTACKS.same_event_fields, ATTACKS.key_fields):
        assert declared
        assert set(declared) <= leaves


def test_a_task_that_declares_no_rules_gets_none_of_the_attack_ones(tmp_path: Path) -> None:
    bare = dataclasses.replace(ATTACKS, name="bare", gold_required_fields=(), same_event_fields=(), key_fields=())
    assert (bare.gold_required_fields, bare.same_event_fields, bare.key_fields) == ((), (), ())
    gold = GoldArticle(article="a.txt", published=dt.date(2023, 10, 23), events=[])
    stated: dict[str, list[object]] = {path: [None] for path in schema_fields(ATTACKS.event_model)}
    fields = stated | {"weapons": [["drone"]]}
    del fields["evidence"]
    event = GoldEvent(id="e1", incident="i", evidence=["A drone hit the base."], fields=fields)
    gold = gold.model_copy(update={"events": [event]})
    text = "A drone hit the base."
    generic = check_gold(gold, text, bare.event_model)
    attack = check_gold(
        gold,
        text,
        ATTACKS.event_model,
        required_fields=ATTACKS.gold_required_fields,
        same_event_fields=ATTACKS.same_event_fields,
    )
    assert generic == []
    assert len(attack) == 1
    assert "location.country" in attack[0]


def test_a_prompt_naming_resolvers_its_task_lacks_is_a_prompt_error(protests: Task) -> None:
    (protests.prompts_dir / "v2.yaml").write_text(
        "version: v2\ndescription: protests\nresolvers: riots\nsystem: List protests.\nuser: '{{ text }}'\n"
    )
    prompt = load_prompt(protests.prompts_dir, protests.name, "v2")
    with pytest.raises(PromptError, match="task 'protests' has no resolvers named 'riots' \\(known: none\\)"):
        protests.resolvers_named(prompt.spec.resolvers)
    assert protests.resolvers_named(None) is None
    assert set(ATTACKS.resolvers) == {
        "attacks",
        "places",
        "stated_places",
        "one_quote_places",
        "cited_places",
        "opened_places",
    }


def test_the_package_surface_loads_on_first_use() -> None:
    import extractor

    assert set(extractor.__all__) <= set(dir(extractor))
    assert all(getattr(extractor, name) is not None for name in extractor.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = extractor.nope
