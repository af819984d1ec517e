"""What a task is, and the registry of tasks.

A task is a schema plus where its prompts, corpus and gold labels live. The
pipeline, the CLI, the cassettes and the scorer take a task as a parameter,
so adding one (a pydantic model and a prompts folder) touches no core code:
register it here, or name it as ``package.module:TASK`` on the command line.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from extractor.errors import InputError
from extractor.schemas import ArticleEvents, AttackEvent

PROJECT_ROOT = Path(os.environ.get("EXTRACTOR_ROOT", Path(__file__).resolve().parent.parent))


@dataclass(frozen=True)
class Task:
    name: str
    event_model: type[BaseModel]
    result_model: type[BaseModel]  # has a single list field ``events: list[event_model]``
    prompts_dir: Path
    corpus_dir: Path
    gold_dir: Path
    description: str = ""

    @property
    def schema_sha256(self) -> str:
        """Hash of the JSON schema the model is asked to fill: it changes when a field,
        a description or a constraint changes, and so do the cassettes."""
        return _schema_sha256(self.result_model)

    def field_guide(self) -> list[tuple[str, str]]:
        """(dotted field name, description) for every leaf field of the event model."""
        return list(_field_guide(self.event_model))


# A schema is fixed once its class exists, and building it is the costliest part of rendering a
# prompt: computed once per class, not once per article (or per chunk).
@functools.cache
def _schema_sha256(model: type[BaseModel]) -> str:
    canonical = json.dumps(model.model_json_schema(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@functools.cache
def schema_json(model: type[BaseModel]) -> str:
    """The model's JSON schema, compact, as prompts show it."""
    return json.dumps(model.model_json_schema(), separators=(",", ":"))


@functools.cache
def _field_guide(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    return tuple(_walk_descriptions(model, ""))


def _walk_descriptions(model: type[BaseModel], prefix: str) -> Any:
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _walk_descriptions(annotation, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", info.description or ""


ATTACKS = Task(
    name="attacks",
    event_model=AttackEvent,
    result_model=ArticleEvents,
    prompts_dir=PROJECT_ROOT / "prompts" / "attacks",
    corpus_dir=PROJECT_ROOT / "evals" / "attacks" / "articles",
    gold_dir=PROJECT_ROOT / "evals" / "attacks" / "gold",
    description="Attack events in news articles (evals/attacks/ANNOTATION.md).",
)

TASKS: dict[str, Task] = {ATTACKS.name: ATTACKS}


def get_task(name: str) -> Task:
    """A registered task by name, or ``package.module:ATTR`` for a user's own task."""
    if name in TASKS:
        return TASKS[name]
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            task = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise InputError(f"cannot load task {name!r}: {exc}") from exc
        if not isinstance(task, Task):
            raise InputError(f"{name!r} is not an extractor.tasks.Task")
        return task
    raise InputError(f"unknown task {name!r} (known: {', '.join(TASKS)}; or give package.module:TASK)")
