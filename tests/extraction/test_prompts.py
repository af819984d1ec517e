"""Prompt versions: loading, rendering, hashing, and few-shot examples that don't leak the test set."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from extractor.attacks.resolvers import AttackAnswers
from extractor.errors import PromptError
from extractor.extraction.articles import load_article
from extractor.extraction.citations import numbered
from extractor.extraction.extract import answer_model, render_messages
from extractor.extraction.prompts import diff_prompts, list_versions, load_prompt
from extractor.tasks import ATTACKS
from tests.conftest import CORPUS


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 25]


def test_there_are_at_least_three_versions_with_parents() -> None:
    versions = list_versions(ATTACKS.prompts_dir)
    assert versions[:3] == ["v1", "v2", "v3"]
    for version in versions:
        prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version)
        assert prompt.id == f"attacks@{version}"
        assert len(prompt.sha256) == 64
        if prompt.spec.parent is not None:
            assert prompt.spec.parent in versions


def test_v2_renders_the_field_guide_date_and_weekday_with_the_static_part_first() -> None:
    prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    article = load_article(CORPUS / "000_db009ee41178654f.txt")
    messages = render_messages(ATTACKS, prompt, article)
    system, user = messages[0]["content"], messages[-1]["content"]
    for name, _ in ATTACKS.field_guide():
        assert f"- {name}:" in system
    assert "2023-10-23 (Monday)" in user
    assert article.text in user and "{{#rendered}}" not in user
    # Nothing article-specific in the system message: the server can reuse it across articles.
    other = render_messages(ATTACKS, prompt, load_article(CORPUS / "004_9ea864399c76523a.txt"))
    assert other[0]["content"] == system


def test_the_field_guide_describes_the_fields_the_model_fills() -> None:
    """v9's model fills no date, attribution or casualties (code derives them): its guide must not ask for them,
    and v8's, filling the task's own schema, still does."""
    article = load_article(CORPUS / "000_db009ee41178654f.txt")
    v8, v9 = (
        render_messages(ATTACKS, load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version), article)
        for version in ("v8", "v9")
    )
    for derived in ("date", "attribution", "casualties"):
        assert f"- {derived}:" in v8[0]["content"] and f"- {derived}:" not in v9[0]["content"]
    assert "- date_text:" in v9[0]["content"] and "- location.site:" in v9[0]["content"]


def test_a_citing_version_shows_the_article_numbered_and_asks_for_numbers_as_evidence() -> None:
    """v10 (an attempt, not kept) cites its evidence by sentence number: its article is numbered, its guide asks
    for numbers, and the rest of the request is v9's; v9 copies its evidence from the article as it is."""
    article = load_article(CORPUS / "004_9ea864399c76523a.txt")
    v9, v10 = (
        render_messages(ATTACKS, load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version), article)
        for version in ("v9", str(ATTACKS.prompts_dir / "attempts" / "v10.yaml"))
    )
    assert numbered(article.text) in v10[-1]["content"] and "[1] " not in v9[-1]["content"]
    assert "[2] A drone attack targeted an American army base Al-Tanf" in v10[-1]["content"]
    assert "- evidence: The numbers of the article's sentences" in v10[0]["content"]
    assert v9[-1]["content"].replace(article.text, numbered(article.text)) == v10[-1]["content"]


def test_few_shot_examples_are_valid_grounded_and_not_from_the_eval_corpus() -> None:
    corpus = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in CORPUS.glob("*.txt"))
    for version in list_versions(ATTACKS.prompts_dir):
        prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version)
        for example in prompt.spec.examples:
            published = dt.date.fromisoformat(example.published)
            parsed = answer_model(ATTACKS, prompt).model_validate(example.output, context={"published": published})
            for event in parsed.events:  # type: ignore[attr-defined]
                for quote in event.evidence:
                    assert quote in example.text, f"{version}: example evidence not in its text: {quote!r}"
            for sentence in _sentences(example.text):
                assert " ".join(sentence.split()) not in corpus, f"{version} leaks a test sentence: {sentence!r}"


def test_bad_prompt_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="unknown prompt version 'v99'"):
        load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v99")
    (tmp_path / "v1.yaml").write_text("version: v1\ndescription: x\nsystem: '{{ oops'\nuser: u\n")
    with pytest.raises(PromptError, match="system template"):
        load_prompt(tmp_path, "t", "v1")
    (tmp_path / "v2.yaml").write_text("version: v3\ndescription: x\nsystem: s\nuser: u\n")
    with pytest.raises(PromptError, match="named 'v2'"):
        load_prompt(tmp_path, "t", "v2")
    (tmp_path / "v4.yaml").write_text("version: v4\ndescription: x\nsystem: '{{ missing }}'\nuser: u\n")
    with pytest.raises(PromptError, match="missing"):
        load_prompt(tmp_path, "t", "v4").render()


def test_diff_shows_what_changed() -> None:
    v1 = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v1")
    v2 = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v2")
    diff = diff_prompts(v1, v2)
    assert diff.startswith("--- attacks@v1\n+++ attacks@v2")
    assert "+version: v2" in diff


def _dev_article() -> Path:
    metadata = json.loads((CORPUS / "metadata.json").read_text(encoding="utf-8"))
    return CORPUS / str(next(a["file"] for a in metadata["articles"] if a.get("split") == "dev"))


def test_v5_renders_for_a_dev_article_with_its_flat_answer_schema_and_is_shorter_than_v2() -> None:
    v5 = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, "v5")
    article = load_article(_dev_article())
    messages = render_messages(ATTACKS, v5, article)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert article.text in messages[-1]["content"]
    assert answer_model(ATTACKS, v5) is AttackAnswers
    assert render_messages(ATTACKS, v5, load_article(CORPUS / "000_db009ee41178654f.txt"))[:3] == messages[:3]

    def sent_chars(version: str) -> int:
        """What the server reads: the messages and the tool's JSON schema."""
        prompt = load_prompt(ATTACKS.prompts_dir, ATTACKS.name, version)
        schema = json.dumps(answer_model(ATTACKS, prompt).model_json_schema())
        return sum(len(m["content"]) for m in render_messages(ATTACKS, prompt, article)) + len(schema)

    assert sent_chars("v5") < sent_chars("v2")
