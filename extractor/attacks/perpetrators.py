"""The perpetrator by the most specific name the article gives it.

The guideline asks for the most specific name the text gives ("a named group over 'militias'").
The small model often copies the descriptor a story opens with ("Myanmar's shadow government")
where the story names it in the next breath: "Myanmar's shadow government, the National Unity
Government (NUG), and ...". Code reads the appositive: a descriptor the article writes with a
proper name right after it (a comma, maybe "the") is that name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_NAME = r"[A-Z][\w'’.-]*"
# Lower-case words inside a name: "Ansar al-Sunna", "Army of Islam".
_PARTICLE = r"(?:al|el|ad|as|ash|an|ar|at)-[\w'’-]+|of|de|bin|ibn"
# ", the National Unity Government (NUG)": capitalised words, an optional abbreviation after them.
_APPOSITIVE = re.compile(rf",\s+(?:the\s+)?({_NAME}(?:\s+(?:{_NAME}|{_PARTICLE}))*)(?:\s+\([A-Z]{{2,}}\))?\s*[,;.)]")


def _descriptor(name: str) -> bool:
    """Whether ``name`` describes rather than names: no capitalised word after its first."""
    return not any(word[:1].isupper() for word in name.split()[1:])


def appositive_name(perpetrator: str, text: str) -> str | None:
    """The proper name ``text`` gives a descriptor right after writing it; ``None`` if it gives none."""
    if not _descriptor(perpetrator):
        return None
    for mention in re.finditer(rf"\b{re.escape(perpetrator.strip())}\b", text, re.IGNORECASE):
        named = _APPOSITIVE.match(text, mention.end())
        if named is not None:
            return named.group(1)
    return None


def name_perpetrators(events: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Each event's perpetrator by the name the article gives its descriptor (:func:`appositive_name`)."""
    named = []
    for event in events:
        perpetrator = event.get("perpetrator")
        better = appositive_name(str(perpetrator), text) if perpetrator else None
        named.append({**event, "perpetrator": better} if better else event)
    return named


# The words after which a sentence names who was harmed: "killed one army ranger", "claimed the lives of
# journalist Iman al-Shanti and her son".
_HARMED = re.compile(
    r"\b(?:kill(?:ed|ing|s)?|wound(?:ed|ing|s)?|injur(?:ed|ing|es)?|shot dead|claimed the lives of|lives of)\b",
    re.IGNORECASE,
)
_VICTIM_SPAN = 60
# After the verb, these open the agent or the occasion, not the harmed: "killed by Boko Haram", "killed in
# multiple Boko Haram attacks", "wounded at the hands of".
_NOT_VICTIM = re.compile(
    r"\s*(?:by|in|during|when|after|as|while|from|with|under|amid|following|since|at the hands of)\b", re.IGNORECASE
)


def _phrase(name: str) -> re.Pattern[str] | None:
    """``name`` as a pattern that also finds its singular or plural ("Army Rangers" in "one army ranger")."""
    words = re.findall(r"[\w']+", name)
    if not words:
        return None
    parts = [re.escape(w[:-1] if len(w) > 3 and w.lower().endswith("s") else w) + "s?" for w in words]
    return re.compile(r"\b" + r"[\s\W]+".join(parts) + r"\b", re.IGNORECASE)


def is_victim(perpetrator: str, evidence: Sequence[str]) -> bool:
    """Whether the evidence names ``perpetrator`` only as someone harmed (G1: the one attacked is not the
    attacker): at least one mention, each within a few words after "killed", "wounded", "the lives of", where
    those words are followed by whom they harmed (not "killed by", "killed in ... attacks")."""
    pattern = _phrase(perpetrator)
    if pattern is None:
        return False
    text = " ".join(evidence)
    harmed = [(m.end(), m.end() + _VICTIM_SPAN) for m in _HARMED.finditer(text) if not _NOT_VICTIM.match(text, m.end())]
    mentions = [m.span() for m in pattern.finditer(text)]
    return bool(mentions) and all(any(lo <= a and b <= hi for lo, hi in harmed) for a, b in mentions)


def drop_victim_perpetrators(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event without a perpetrator its own evidence names only as a victim (:func:`is_victim`)."""
    kept = []
    for event in events:
        perpetrator = event.get("perpetrator")
        if perpetrator and is_victim(str(perpetrator), [str(q) for q in event.get("evidence") or []]):
            kept.append({**event, "perpetrator": None, "attribution": "none"})
        else:
            kept.append(event)
    return kept
