"""The perpetrator by the most specific name the article gives it.

The guideline asks for the most specific name the text gives ("a named group over 'militias'").
The small model often copies the descriptor a story opens with ("Myanmar's shadow government")
where the story names it in the next breath: "Myanmar's shadow government, the National Unity
Government (NUG), and ...". Code reads the appositive: a descriptor the article writes with a
proper name right after it (a comma, maybe "the") is that name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from extractor.attacks.countries import is_demonym
from extractor.attacks.resolvers import GENERIC_ACTORS, claim_at, resolve_attribution
from extractor.attacks.schemas import Attribution
from extractor.extraction.citations import sentence_spans

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


def common_descriptor(perpetrator: str, text: str) -> bool:
    """Whether ``perpetrator`` is common words, not a name (G1: "a descriptor that names no organisation or
    state is not a name"): no capital letter but its first word's initial, and the article writes that first
    word in lower case too ("criminal gangs", "unidentified armed individuals", "Soldiers" where the text has
    "soldiers"). A capital inside the name ("al-Shabaab", "US military") or a first word the article only
    capitalises ("Hamas", "Taliban") names someone."""
    stripped = perpetrator.strip()
    if not stripped or any(c.isupper() for c in stripped[1:]):
        return False
    first = stripped.split()[0]
    lowered = first[:1].lower() + first[1:]
    return first == lowered or re.search(rf"\b{re.escape(lowered)}\b", text) is not None


def _without_perpetrators(
    events: Sequence[dict[str, Any]], no_perpetrator: Callable[[str, dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """Each event, with no perpetrator (and so no attribution) where ``no_perpetrator(perpetrator, event)``."""
    return [
        {**event, "perpetrator": None, "attribution": Attribution.NONE.value}
        if event.get("perpetrator") and no_perpetrator(str(event["perpetrator"]), event)
        else event
        for event in events
    ]


# The peoples whose adjective English makes with -ish; such a word alone is never a group's name (R6-A2's label
# qualified by an ethnicity is the label with its noun: "Kurdish militants"). A list, since "Parish" is a name.
_ISH_PEOPLES = frozenset(
    {
        "British",
        "Cornish",
        "Danish",
        "English",
        "Finnish",
        "Flemish",
        "Irish",
        "Jewish",
        "Kurdish",
        "Polish",
        "Scottish",
        "Spanish",
        "Swedish",
        "Turkish",
    }
)


def is_peoples_adjective(perpetrator: str) -> bool:
    """Whether ``perpetrator`` is one word, a people's adjective: a country's (:func:`countries.is_demonym`:
    "Indonesian") or an -ish one ("Kurdish"). R6-A2 accepts a generic label qualified by an ethnicity or a
    nationality; the adjective without the label names nobody (dev 145, 159: R12-C3)."""
    word = perpetrator.strip()
    return is_demonym(word) or word in _ISH_PEOPLES


def drop_descriptor_perpetrators(events: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Each event without a perpetrator that is common words (:func:`common_descriptor`) or a people's adjective
    alone (dev 159: "Indonesian"; R6-A2: a label qualified only by a nationality names no actor, and the adjective
    alone is less); run after :func:`name_perpetrators`, which gives a descriptor the name the article writes
    beside it."""
    return _without_perpetrators(
        events, lambda perpetrator, _event: common_descriptor(perpetrator, text) or is_peoples_adjective(perpetrator)
    )


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
    return _without_perpetrators(
        events, lambda perpetrator, event: is_victim(perpetrator, [str(q) for q in event.get("evidence") or []])
    )


# G7a: the writer's hedge on a claim ("have reportedly claimed the attack") leaves it attributed. Read only in
# the sentences the model did not quote: in its evidence, "X reportedly confirmed it was behind" stays a claim
# (seed 001's gold, where the article also quotes the group's statement).
HEDGED = re.compile(r"\b(reportedly|allegedly|purportedly|apparently|(is|are) said to have)\b", re.IGNORECASE)
# The parts of a perpetrator as the model lists them: "Shadow government, National Unity Government (NUG),
# People's Defence Force" names three ways of one actor, each of which the article may write alone.
_PARTS = re.compile(r"\s*(?:,|;|/|\(|\)|\band\b|\bor\b)\s*", re.IGNORECASE)


def _name_parts(perpetrator: str) -> list[re.Pattern[str]]:
    """A pattern for each part of ``perpetrator`` that names it: its words less generic ones ("Islamist al
    Shabaab militants" is found as "al Shabaab")."""
    patterns = []
    for part in _PARTS.split(perpetrator):
        words = [w for w in re.findall(r"[\w'’-]+", part) if w.lower() not in GENERIC_ACTORS]
        pattern = _phrase(" ".join(words)) if words and len("".join(words)) > 2 else None
        if pattern is not None:
            patterns.append(pattern)
    return patterns


def _mentions(parts: Sequence[re.Pattern[str]], sentence: str) -> list[int]:
    """Where ``sentence`` names the actor by one of its ``parts``, by the end of each mention; a part written as
    the first half of a compound is not a mention ("Iran" in "Iran-backed militia")."""
    return [m.end() for p in parts for m in p.finditer(sentence) if not sentence.startswith("-", m.end())]


def known_as_in_text(perpetrator: str, evidence: Sequence[str], text: str) -> Attribution | None:
    """How the article says ``perpetrator`` is known when its evidence does not say it all (G7): ``claimed``
    when a sentence names it and then says it claimed the attack (:func:`claim_at`, unhedged); when
    the evidence never names it, ``suspected`` or ``attributed`` from the sentences that do; ``None`` when the
    evidence decides."""
    parts = _name_parts(perpetrator)
    if not parts:
        return None
    sentences = (text[a:b] for a, b in sentence_spans(text))
    naming = [(s, ends) for s in sentences if (ends := _mentions(parts, s))]
    unhedged = [(s, ends) for s, ends in naming if not HEDGED.search(s)]
    for sentence, ends in unhedged:
        claimed = claim_at(sentence)
        # The claimer comes first: "ISIS claims the attack that killed journalists" is no claim by journalists.
        if claimed is not None and min(ends) <= claimed:
            return Attribution.CLAIMED
    if naming and not any(_mentions(parts, q) for q in evidence):
        return resolve_attribution(perpetrator, [s for s, _ in unhedged])
    return None


def attribute_from_text(events: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Each event's attribution as the whole article gives it (:func:`known_as_in_text`): a claim is often
    its own sentence ("Al Shabaab claimed responsibility."), far from the sentences the model quotes."""
    settled = []
    for event in events:
        perpetrator = event.get("perpetrator")
        known = None
        if perpetrator and event.get("attribution") != Attribution.CLAIMED.value:
            known = known_as_in_text(str(perpetrator), [str(q) for q in event.get("evidence") or []], text)
        settled.append({**event, "attribution": known.value} if known else event)
    return settled
