"""Versioned prompts: one YAML file per version, rendered with Jinja2.

A prompt file holds the system and user templates, optional few-shot
examples, a description and the version it was derived from. Its identity is
``task@version`` and its content hash (SHA-256 of the file bytes), which
every run records; the cassettes match on the rendered request, so editing a
recorded version makes its cassettes go stale loudly.

The system message holds everything that does not depend on the article and
comes first, so that a server with a prefix cache (llama.cpp) reuses it
across articles.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from extractor.errors import PromptError
from extractor.runs import load_yaml


class FewShotExample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    published: str
    text: str
    output: dict[str, Any]


class PromptSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    description: str
    parent: str | None = None
    strategy: str = Field(default="single", description="'single': one structured call per article.")
    system: str
    user: str
    examples: list[FewShotExample] = Field(default_factory=list)
    resolvers: str | None = Field(
        default=None,
        description="The task's resolver set that turns the model's answers into events (extractor.tasks.Resolvers); "
        "none: the model fills the task's own schema.",
    )
    glean: str | None = Field(
        default=None,
        description="A follow-up turn (Jinja2) sent after the model's answer, asking for what it missed; "
        "its answer's events are added to the first one's.",
    )
    gleanings: int = Field(
        default=0,
        ge=0,
        le=3,
        description="Follow-up turns at most; a turn that adds no event ends them.",
    )
    retrieved_examples: int = Field(
        default=0,
        ge=0,
        le=3,
        description="Solved articles of example_split most like the article, shown before it with their gold "
        "events as prior turns (extractor.extraction.examples); never the article's own split's labels for "
        "another split, never its own story.",
    )
    example_split: str = Field(default="dev", description="The labelled split retrieved examples come from.")
    example_round: int = Field(
        default=1,
        ge=1,
        description="Retrieved examples come from example_split's articles of this collection round and earlier "
        "(the manifest's 'round'): a frozen version keeps the pool it was recorded with when the split grows.",
    )
    each: str | None = Field(
        default=None,
        description="A follow-up turn (Jinja2, with {{ item }}) sent once per item that the answer lists in its "
        "items field and that no answered event covers yet (the task's Task.covers); each turn's events that "
        "cover its item are added to the answer's.",
    )
    items: int = Field(
        default=0,
        ge=0,
        le=25,
        description="Items followed up at most, in the order the answer lists them.",
    )
    items_from_text: bool = Field(
        default=False,
        description="Whether the items the task finds in the article's text that the answer does not list "
        "(the task's Task.find_items) are asked about too, after the listed ones, within ``items``.",
    )
    items_checked: bool = Field(
        default=False,
        description="Whether an item, listed or found in the text, is asked about (in view, or again alone) only "
        "when the task finds it worth that turn in the article (the task's Task.askable).",
    )
    each_after_answer: bool = Field(
        default=True,
        description="Whether an each turn follows the model's first answer (its events in view) or comes straight "
        "after the article, each item asked about as if first.",
    )
    each_alone_again: bool = Field(
        default=False,
        description="Whether an item whose turn after the first answer gave no event for it is asked once more "
        "straight after the article, the first answer not in view (needs each_after_answer).",
    )
    each_alone_last: bool = Field(
        default=False,
        description="Whether the items asked again alone are asked after every turn in view, not each right after "
        "its own: each turn alone evicts the first answer from a prefix cache, which the next turn in view reads "
        "again (and may answer differently). Needs each_alone_again.",
    )
    each_sentence: str | None = Field(
        default=None,
        description="A follow-up turn (Jinja2, with {{ sentence }}) sent after every other turn, with the first "
        "answer in view, once per sentence the task finds that tells another incident than the answers so far "
        "(the task's Task.find_sentences); each turn's events that quote its sentence are added.",
    )
    sentences: int = Field(
        default=0,
        ge=0,
        le=8,
        description="Sentences followed up at most, in the article's order.",
    )
    json_whitespace: Literal["any", "none"] = Field(
        default="any",
        description="'none': the answer is compact JSON: its schema asks for no whitespace between JSON tokens "
        "(x-json-whitespace), which the embedded server's grammar enforces (other servers ignore the key).",
    )

    @model_validator(mode="after")
    def _follow_ups_need_a_turn(self) -> PromptSpec:
        if (self.gleanings > 0) != (self.glean is not None):
            raise ValueError("glean and gleanings go together: a follow-up turn and how many times to send it")
        if (self.items > 0) != (self.each is not None):
            raise ValueError("each and items go together: a turn per listed item and how many items at most")
        if self.each_alone_again and not (self.each is not None and self.each_after_answer):
            raise ValueError(
                "each_alone_again asks an item again without the first answer: it needs an each turn "
                "that follows the first answer"
            )
        if self.items_checked and self.each is None:
            raise ValueError("items_checked checks the items an each turn asks about: it needs an each turn")
        if self.each_alone_last and not self.each_alone_again:
            raise ValueError("each_alone_last orders the items asked again alone: it needs each_alone_again")
        if self.each is not None and self.glean is not None:
            raise ValueError("a version follows up either with gleaning turns or with a turn per item, not both")
        if (self.sentences > 0) != (self.each_sentence is not None):
            raise ValueError("each_sentence and sentences go together: a turn per sentence and how many at most")
        if self.each_sentence is not None and self.glean is not None:
            raise ValueError("a version follows up either with gleaning turns or with a turn per sentence, not both")
        return self

    @property
    def follows_up(self) -> bool:
        """Whether the version's requests after the first depend on the model's answers."""
        return self.gleanings > 0 or self.items > 0 or self.sentences > 0


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt version: its spec, where it came from and its content hash."""

    task: str
    spec: PromptSpec
    path: Path
    sha256: str
    _env: jinja2.Environment = field(repr=False, compare=False)

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def id(self) -> str:
        return f"{self.task}@{self.spec.version}"

    def render(self, examples: Sequence[FewShotExample] = (), **context: Any) -> list[dict[str, str]]:
        """Chat messages for one article; few-shot examples (the spec's, then ``examples``) become prior turns."""
        try:
            system = self._env.from_string(self.spec.system).render(**context).strip()
            messages = [{"role": "system", "content": system}]
            for example in [*self.spec.examples, *examples]:
                example_ctx = {**context, "text": example.text, "title": example.title, "published": example.published}
                messages.append(
                    {"role": "user", "content": self._env.from_string(self.spec.user).render(**example_ctx).strip()}
                )
                messages.append({"role": "assistant", "content": json.dumps(example.output, ensure_ascii=False)})
            messages.append(
                {"role": "user", "content": self._env.from_string(self.spec.user).render(**context).strip()}
            )
        except jinja2.TemplateError as exc:
            raise PromptError(f"{self.path}: template error: {exc}") from exc
        return messages

    def follow_up(self, messages: list[dict[str, str]], answer_json: str) -> list[dict[str, str]]:
        """The conversation so far, the model's answer as its turn, then the prompt's ``glean`` turn."""
        if self.spec.glean is None:
            raise PromptError(f"{self.path}: has no glean turn")
        return self._after_answer(messages, answer_json, self.spec.glean)

    def follow_each(
        self, messages: list[dict[str, str]], answer_json: str, item: str, *, alone: bool = False
    ) -> list[dict[str, str]]:
        """The conversation so far, the model's first answer as its turn, then the ``each`` turn about ``item``;
        without the answer (``each_after_answer: false``), the turn straight after the article.

        Every item's turn follows the same first answer, so a server with a prefix cache reads only the turn and,
        the first time, the answer: re-sent as JSON, it is not the tokens the server generated. ``alone``: the
        turn straight after the article whatever the spec says (``each_alone_again``).
        """
        if self.spec.each is None:
            raise PromptError(f"{self.path}: has no turn per item")
        if alone or not self.spec.each_after_answer:
            return [*messages, {"role": "user", "content": self._turn(self.spec.each, item=item)}]
        return self._after_answer(messages, answer_json, self.spec.each, item=item)

    def follow_sentence(self, messages: list[dict[str, str]], answer_json: str, sentence: str) -> list[dict[str, str]]:
        """The conversation so far, the model's first answer as its turn, then the ``each_sentence`` turn about
        ``sentence``: the prefix every turn in view shares."""
        if self.spec.each_sentence is None:
            raise PromptError(f"{self.path}: has no turn per sentence")
        return self._after_answer(messages, answer_json, self.spec.each_sentence, sentence=sentence)

    def _after_answer(
        self, messages: list[dict[str, str]], answer_json: str, template: str, **context: Any
    ) -> list[dict[str, str]]:
        turn = self._turn(template, **context)
        return [*messages, {"role": "assistant", "content": answer_json}, {"role": "user", "content": turn}]

    def _turn(self, template: str, **context: Any) -> str:
        try:
            return self._env.from_string(template).render(**context).strip()
        except jinja2.TemplateError as exc:
            raise PromptError(f"{self.path}: template error: {exc}") from exc


def _weekday(value: object) -> str:
    try:
        return dt.date.fromisoformat(str(value)).strftime("%A")
    except ValueError:
        return "weekday unknown"


def _environment() -> jinja2.Environment:
    # StrictUndefined: a misspelt variable in a template is an error, not an empty string.
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False)
    env.filters["weekday"] = _weekday
    return env


def load_prompt(prompts_dir: Path, task: str, version: str) -> Prompt:
    """Load ``prompts_dir/<version>.yaml``; ``version`` may also be a path to a YAML file."""
    candidate = Path(version)
    path = (
        candidate if candidate.suffix in (".yaml", ".yml") and candidate.is_file() else prompts_dir / f"{version}.yaml"
    )
    if not path.is_file():
        known = ", ".join(list_versions(prompts_dir)) or "none"
        raise PromptError(f"unknown prompt version {version!r} for task {task!r} (known: {known})")
    raw = path.read_bytes()
    try:
        data = load_yaml(raw.decode("utf-8"))
        spec = PromptSpec.model_validate(data)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PromptError(f"{path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    if path.parent == prompts_dir and spec.version != path.stem:
        raise PromptError(f"{path}: declares version {spec.version!r} but the file is named {path.stem!r}")
    env = _environment()
    templates = (
        ("system", spec.system),
        ("user", spec.user),
        ("glean", spec.glean or ""),
        ("each", spec.each or ""),
        ("each_sentence", spec.each_sentence or ""),
    )
    for name, template in templates:
        try:
            env.parse(template)
        except jinja2.TemplateSyntaxError as exc:
            raise PromptError(f"{path}: {name} template, line {exc.lineno}: {exc.message}") from exc
    return Prompt(task=task, spec=spec, path=path, sha256=hashlib.sha256(raw).hexdigest(), _env=env)


def list_versions(prompts_dir: Path) -> list[str]:
    def key(stem: str) -> tuple[int, str]:
        digits = "".join(ch for ch in stem if ch.isdigit())
        return (int(digits) if digits else 0, stem)

    return sorted((p.stem for p in prompts_dir.glob("*.yaml")), key=key)


def diff_prompts(a: Prompt, b: Prompt) -> str:
    """Unified diff of the two prompt files."""
    lines = difflib.unified_diff(
        a.path.read_text(encoding="utf-8").splitlines(keepends=True),
        b.path.read_text(encoding="utf-8").splitlines(keepends=True),
        fromfile=a.id,
        tofile=b.id,
    )
    return "".join(lines)
