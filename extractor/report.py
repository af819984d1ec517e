"""Terminal tables (Rich) for extraction records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from extractor.extract import ArticleRecord


def _cell(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def print_records(console: Console, records: Sequence[ArticleRecord]) -> None:
    """One table per article: its events, key fields, and whether each is grounded."""
    for record in records:
        title = f"{record.article_id}  ·  {record.prompt}  ·  {record.model}"
        if record.status == "error":
            console.print(f"[bold]{title}[/]: [red]{record.error_type}: {record.error}[/]", highlight=False)
            continue
        table = Table(title=title, title_justify="left", show_lines=False)
        for column in (
            "#",
            "date",
            "site",
            "area",
            "country",
            "perpetrator",
            "attribution",
            "weapons",
            "n",
            "killed",
            "injured",
            "casualties",
            "evidence",
        ):
            table.add_column(column, overflow="fold")
        for i, event in enumerate(record.events, 1):
            location = event.get("location") or {}
            grounding = record.grounding[i - 1] if i - 1 < len(record.grounding) else []
            grounded = sum(1 for g in grounding if g.status != "ungrounded")
            table.add_row(
                str(i),
                _cell(event.get("date")),
                _cell(location.get("site")),
                _cell(location.get("area")),
                _cell(location.get("country")),
                _cell(event.get("perpetrator")),
                _cell(event.get("attribution")),
                _cell(event.get("weapons")),
                _cell(event.get("weapon_count")),
                _cell(event.get("killed")),
                _cell(event.get("injured")),
                _cell(event.get("casualties")),
                f"{grounded}/{len(grounding)} grounded",
            )
        if not record.events:
            table.add_row("—", *["" for _ in range(12)])
        console.print(table)
        console.print(
            f"  {len(record.events)} event(s) · {record.usage.prompt_tokens}+{record.usage.completion_tokens} tokens"
            f" · {record.attempts} attempt(s) · {record.latency_s:.1f}s",
            highlight=False,
        )
