"""How a value reads in a report, whoever shows it: a dash for "not stated", lists joined by commas.

A leaf module (no imports from the package), so a task's own phrasing can use it too.
"""

from __future__ import annotations

from typing import Any

DASH = "—"


def value_text(value: Any) -> str:
    if value is None or value in ([], ""):
        return DASH
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    return str(value)
