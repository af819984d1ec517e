"""Group the events of many articles into real-world incidents, and score the grouping.

The identity rule is the guideline's own (``ANNOTATION.md``): one incident per
**attacker, place and day**. Names are compared with the scorer's comparators
(``comparators.fuzzy_equal`` at the schema's thresholds), so two events are one
place here exactly when the scorer would call their sites equal.

Clustering runs in two passes:

1. **Dated events** are blocked by (normalised country, day) and linked inside a
   block when their places agree (both sites named and equal, or neither named
   and the areas do not disagree) and their perpetrators do not disagree. Links
   are made greedily, best agreement first, with a union-find; sites may chain
   through a shorter name, perpetrators may not chain through an unnamed one.
2. **Undated events** ("last week", "recently") may join an incident at the same
   place whose day lies within ``window_days`` before the article was published,
   but only when that incident is the single best candidate: when anything else
   at that place competes equally, the event stays an incident of its own. A
   wrong merge is worse than a missed one: it silently hides an attack.

In both passes two events of the same article are never put together: the
extractor already decided they are different events.

Reconciliation follows ACLED's habits: the most specific place, the date most
sources give, the lowest stated figure for counts; every disagreement between
members is kept in :attr:`Incident.disagreements`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractor.attacks.schemas import AttackEvent, Weapon
from extractor.comparators import fuzzy_equal, is_empty, normalise_text
from extractor.errors import InputError
from extractor.evaluation import DEFAULT_WINDOW_DAYS
from extractor.evaluation.gold import GoldArticle
from extractor.evaluation.scoring import align, rates
from extractor.extraction.records import ArticleRecord
from extractor.fields import field_specs, flatten
from extractor.runs import write_atomic

_SPECS = field_specs(AttackEvent)
# The scorer's own thresholds: a place or actor is the same here when it would score as equal.
_SITE_THRESHOLD = _SPECS["location.site"].threshold
_AREA_THRESHOLD = _SPECS["location.area"].threshold
_ACTOR_THRESHOLD = _SPECS["perpetrator"].threshold
_COUNTRY_THRESHOLD = _SPECS["location.country"].threshold

# How sure the source is of the perpetrator, most sure first: an incident keeps the surest.
_ATTRIBUTION_ORDER = ("claimed", "attributed", "suspected", "none")

# Names repeat across a feed (the same bases, groups, provinces); normalise each spelling once.
_norm = lru_cache(maxsize=1 << 16)(normalise_text)

EventRef = tuple[str, int]  # (article id, index of the event in the article's record)


class IncidentsError(InputError):
    """An unreadable records or incidents file."""


class IncidentMember(BaseModel):
    """One extracted event, with where it was reported."""

    model_config = ConfigDict(frozen=True)

    article_id: str
    index: int  # position of the event in its article's record
    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    title: str | None = None
    date: dt.date | None = None
    site: str | None = None
    # Other names the source accepts for the same site (gold ``any_of``: "Shash Darak" or
    # "Kabul"); a member agrees with another on the site when any of its names does.
    site_aliases: list[str] = Field(default_factory=list)
    area: str | None = None
    country: str | None = None
    perpetrator: str | None = None
    attribution: str | None = None
    target: str | None = None
    weapons: list[str] = Field(default_factory=list)
    weapon_count: int | None = None
    killed: int | None = None
    injured: int | None = None
    casualties: str | None = None
    evidence: list[str] = Field(default_factory=list)

    @property
    def ref(self) -> EventRef:
        return (self.article_id, self.index)


class Incident(BaseModel):
    """One real-world incident: its reports and the fields reconciled across them.

    ``disagreements`` maps a field to every distinct value the members state, for
    the fields where they do not all agree (the reconciled value is one of them).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    date: dt.date | None
    site: str | None
    area: str | None
    country: str | None
    perpetrator: str | None
    attribution: str | None
    target: str | None
    weapons: list[str]
    weapon_count: int | None
    killed: int | None
    injured: int | None
    casualties: str | None
    members: list[IncidentMember]
    disagreements: dict[str, list[Any]] = Field(default_factory=dict)


# --------------------------------------------------------------------------- members


def _text(value: Any) -> str | None:
    return None if is_empty(value) else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _enum_text(value: Any) -> str | None:
    raw = getattr(value, "value", value)
    return _text(raw)


def member_from_event(
    event: Mapping[str, Any],
    *,
    article_id: str,
    index: int,
    published: dt.date | None = None,
    outlet: str | None = None,
    url: str | None = None,
    title: str | None = None,
) -> IncidentMember:
    """An :class:`IncidentMember` from one event as a record stores it (nested or flat, JSON or typed)."""
    flat = flatten(event)
    weapons = flat.get("weapons") or []
    evidence = flat.get("evidence") or []
    return IncidentMember(
        article_id=article_id,
        index=index,
        outlet=outlet,
        url=url,
        published=published,
        title=title,
        date=_day(flat.get("date")),
        site=_text(flat.get("location.site")),
        area=_text(flat.get("location.area")),
        country=_text(flat.get("location.country")),
        perpetrator=_text(flat.get("perpetrator")),
        attribution=_enum_text(flat.get("attribution")),
        target=_text(flat.get("target")),
        weapons=[str(getattr(w, "value", w)) for w in weapons] if isinstance(weapons, list) else [str(weapons)],
        weapon_count=_int(flat.get("weapon_count")),
        killed=_int(flat.get("killed")),
        injured=_int(flat.get("injured")),
        casualties=_enum_text(flat.get("casualties")),
        evidence=[str(q) for q in evidence] if isinstance(evidence, list) else [str(evidence)],
    )


Describe = Callable[[ArticleRecord], tuple[str | None, str | None]]


def members_from_records(records: Iterable[ArticleRecord], describe: Describe | None = None) -> list[IncidentMember]:
    """Every event of every successful record; ``describe`` gives a record's (outlet, url)."""
    members: list[IncidentMember] = []
    for record in records:
        if record.status != "ok":
            continue
        outlet, url = describe(record) if describe is not None else (None, None)
        for index, event in enumerate(record.events):
            members.append(
                member_from_event(
                    event,
                    article_id=record.article_id,
                    index=index,
                    published=record.published,
                    outlet=outlet,
                    url=url,
                    title=record.title,
                )
            )
    return members


def gold_members(golds: Mapping[str, GoldArticle]) -> tuple[list[IncidentMember], dict[EventRef, str]]:
    """The gold events as members (each field's first, canonical value, the other accepted
    sites as aliases) and their incident keys."""
    members: list[IncidentMember] = []
    keys: dict[EventRef, str] = {}
    for article_id, gold in sorted(golds.items()):
        for index, event in enumerate(gold.events):
            values = {path: options[0] if options else None for path, options in event.fields.items()}
            values["evidence"] = list(event.evidence)
            member = member_from_event(values, article_id=article_id, index=index, published=gold.published)
            aliases = [str(site) for site in event.fields.get("location.site", [])[1:] if site]
            members.append(member.model_copy(update={"site_aliases": aliases}) if aliases else member)
            keys[(article_id, index)] = event.incident
    return members, keys


def gold_incident_keys(records: Iterable[ArticleRecord], golds: Mapping[str, GoldArticle]) -> dict[EventRef, str]:
    """The gold incident key of every extracted event that the scorer aligns to a required gold event.

    Events aligned to optional gold events are left out, as the scorer leaves them out:
    they count nowhere.
    """
    keys: dict[EventRef, str] = {}
    for record in records:
        gold = golds.get(record.article_id)
        if gold is None or record.status != "ok":
            continue
        alignment = align([flatten(e) for e in record.events], gold.events, _SPECS)
        for pred, gold_index in alignment.matches:
            event = gold.events[gold_index]
            if not event.optional:
                keys[(record.article_id, pred)] = event.incident
    return keys


# --------------------------------------------------------------------------- comparing


@lru_cache(maxsize=1 << 18)
def _same_name(a: str, b: str, threshold: float) -> bool:
    # Arguments arrive normalised and ordered, so the cache sees each pair once.
    return fuzzy_equal(a, b, threshold)[0]


def _agree(a: str, b: str, threshold: float) -> bool:
    return _same_name(a, b, threshold) if a <= b else _same_name(b, a, threshold)


class _Node:
    """A member with its names normalised once (clustering compares them many times)."""

    __slots__ = ("area", "article", "country", "date", "i", "perp", "published", "site", "site_tokens", "sites")

    def __init__(self, i: int, m: IncidentMember) -> None:
        self.i = i
        self.article = m.article_id
        self.date = m.date
        self.published = m.published
        self.country = _norm(m.country) if m.country else ""
        self.site = _norm(m.site) if m.site else ""
        self.area = _norm(m.area) if m.area else ""
        self.perp = _norm(m.perpetrator) if m.perpetrator else ""
        self.sites = (self.site, *(_norm(alias) for alias in m.site_aliases)) if self.site else ()
        self.site_tokens = frozenset().union(*(_place_words(site) for site in self.sites))


# Words that name a kind of place, not a place: indexing them would make every base in
# a country a candidate for every other. A site made of them only keeps them all.
_GENERIC_PLACE_WORDS = frozenset(
    [
        "air",
        "airbase",
        "airfield",
        "airport",
        "base",
        "camp",
        "city",
        "compound",
        "facility",
        "field",
        "forward",
        "garrison",
        "international",
        "military",
        "near",
        "operating",
        "outpost",
        "post",
        "site",
        "station",
        "town",
        "us",
        "village",
    ]
)


def _place_words(site: str) -> frozenset[str]:
    words = frozenset(site.split())
    return (words - _GENERIC_PLACE_WORDS) or words


def _conflict(a: _Node, b: _Node) -> bool:
    """The two cannot be one incident: a disagreeing place or actor."""
    if bool(a.site) != bool(b.site):
        return True  # a named site and an unnamed place are not known to be the same place
    if a.site and not _sites_agree(a, b):
        return True
    # Without a named site the area is the place ("western Iraq" is not "northern Iraq").
    if not a.site and a.area and b.area and not _agree(a.area, b.area, _AREA_THRESHOLD):
        return True
    if a.country and b.country and a.country != b.country and not _agree(a.country, b.country, _COUNTRY_THRESHOLD):
        return True
    return _actor_conflict(a, b)


def _sites_agree(a: _Node, b: _Node) -> bool:
    return any(_agree(x, y, _SITE_THRESHOLD) for x in a.sites for y in b.sites)


def _actor_conflict(a: _Node, b: _Node) -> bool:
    return bool(a.perp and b.perp and not _agree(a.perp, b.perp, _ACTOR_THRESHOLD))


def _agreement(a: _Node, b: _Node) -> int:
    """How many of site, area and perpetrator both state and agree on (ranks candidates)."""
    score = 0
    if a.site and b.site and _sites_agree(a, b):
        score += 1
    if a.area and b.area and _agree(a.area, b.area, _AREA_THRESHOLD):
        score += 1
    if a.perp and b.perp and _agree(a.perp, b.perp, _ACTOR_THRESHOLD):
        score += 1
    return score


def _exact(a: _Node, b: _Node) -> int:
    """How many of site, area and perpetrator are written the same after normalisation
    (settles pairs that the fuzzy comparator finds equally good: "al-Tanf" and "al-Tanf
    garrison" are equal by token set, but "al-Tanf garrison" is closer to itself)."""
    return sum(1 for x, y in ((a.site, b.site), (a.area, b.area), (a.perp, b.perp)) if x and x == y)


class _Clusters:
    """Union-find whose roots remember their articles, so no union joins one article twice."""

    def __init__(self, nodes: Sequence[_Node]) -> None:
        self.parent = list(range(len(nodes)))
        self.articles: list[set[str]] = [{n.article} for n in nodes]
        self.nodes: list[list[int]] = [[n.i] for n in nodes]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return True
        if self.articles[a] & self.articles[b]:
            return False
        if len(self.nodes[a]) < len(self.nodes[b]):
            a, b = b, a
        self.parent[b] = a
        self.articles[a] |= self.articles[b]
        self.nodes[a].extend(self.nodes[b])
        self.articles[b], self.nodes[b] = set(), []
        return True


# --------------------------------------------------------------------------- clustering


def _bucket(day: dt.date, window_days: int) -> int:
    return day.toordinal() // window_days


def _when(node: _Node) -> dt.date | None:
    # An undated report is placed at its publication day: the attack was on or before it.
    return node.date if node.date is not None else node.published


class _PlaceIndex:
    """Nodes by (country, site token or "" for an unnamed place) and by time bucket.

    A named site is found through any of its words, so "al-Tanf" finds "al-Tanf
    garrison"; the fuzzy comparison then decides. Buckets as wide as the window
    mean a query reads two or three buckets, not the whole country's history.
    """

    def __init__(self, window_days: int) -> None:
        self.window_days = window_days
        self.by_bucket: dict[tuple[str, str, int], list[int]] = defaultdict(list)
        self.by_place: dict[tuple[str, str], list[int]] = defaultdict(list)

    @staticmethod
    def _places(node: _Node) -> Iterable[str]:
        return node.site_tokens if node.site else ("",)

    def add(self, node: _Node) -> None:
        when = _when(node)
        for place in self._places(node):
            self.by_place[(node.country, place)].append(node.i)
            bucket = -1 if when is None else _bucket(when, self.window_days)
            self.by_bucket[(node.country, place, bucket)].append(node.i)

    def near(self, node: _Node) -> set[int]:
        """Nodes at a place sharing a word with ``node``'s, reported within the window."""
        found: set[int] = set()
        published = node.published
        for place in self._places(node):
            if published is None:
                found.update(self.by_place.get((node.country, place), ()))
                continue
            first = _bucket(published - dt.timedelta(days=self.window_days), self.window_days)
            last = _bucket(published + dt.timedelta(days=self.window_days), self.window_days)
            for bucket in (-1, *range(first, last + 1)):
                found.update(self.by_bucket.get((node.country, place, bucket), ()))
        return found


def _in_window(undated: _Node, other: _Node, window_days: int) -> bool:
    published = undated.published
    if published is None:
        return True
    window = dt.timedelta(days=window_days)
    if other.date is not None:
        # The attack happened on or before the day the article reporting it was published.
        return published - window <= other.date <= published
    return other.published is None or abs(other.published - published) <= window


def _link_dated(nodes: Sequence[_Node], clusters: _Clusters) -> None:
    blocks: dict[tuple[str, dt.date], list[_Node]] = defaultdict(list)
    for node in nodes:
        if node.date is not None:
            blocks[(node.country, node.date)].append(node)
    for block in blocks.values():
        pairs = [
            (-_agreement(a, b), -_exact(a, b), a.i, b.i)
            for k, a in enumerate(block)
            for b in block[k + 1 :]
            if a.article != b.article and not _conflict(a, b)
        ]
        # Best-agreeing pairs first: when one article's two events both fit a third,
        # the closer one wins and the union-find refuses the other.
        for _, _, i, j in sorted(pairs):
            # An unnamed perpetrator agrees with two groups that disagree with each other,
            # so the actors of every member on both sides are checked. Sites may chain:
            # "Tanf garrison" and "Tanf air base" both equal "al-Tanf", and are one place.
            a, b = clusters.find(i), clusters.find(j)
            if a != b and not any(
                _actor_conflict(nodes[x], nodes[y]) for x in clusters.nodes[a] for y in clusters.nodes[b]
            ):
                clusters.union(a, b)


def _join_undated(nodes: Sequence[_Node], clusters: _Clusters, window_days: int) -> None:
    index = _PlaceIndex(window_days)
    for node in nodes:
        if node.date is not None:
            index.add(node)
    undated = sorted(
        (n for n in nodes if n.date is None),
        key=lambda n: (n.published or dt.date.max, n.article, n.i),
    )
    for node in undated:
        roots = {clusters.find(i) for i in index.near(node) if _in_window(node, nodes[i], window_days)}
        scored: list[tuple[int, int]] = []
        for root in roots:
            if node.article in clusters.articles[root]:
                continue  # never two events of one article
            members = [nodes[i] for i in clusters.nodes[root]]
            # The place must be one member's place (sites chain, as in the dated pass);
            # no member's perpetrator may disagree.
            if all(_conflict(node, m) for m in members) or any(_actor_conflict(node, m) for m in members):
                continue
            scored.append((max(_agreement(node, m) for m in members), root))
        scored.sort(reverse=True)
        # Join only the single best candidate: a tie means something else at that place
        # competes, and the day cannot tell them apart.
        if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            clusters.union(scored[0][1], node.i)
        index.add(node)


def cluster_events(members: Sequence[IncidentMember], *, window_days: int = DEFAULT_WINDOW_DAYS) -> list[Incident]:
    """Group events into incidents (see the module docstring for the rule).

    The result does not depend on the order of ``members``: they are put in a
    canonical order (publication day, article, index) first.
    """
    if window_days < 0:
        raise ValueError(f"window_days must be 0 or more, got {window_days}")
    with _collector_paused():
        return _cluster(members, window_days)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while clustering.

    Clustering allocates hundreds of thousands of small, acyclic objects; each full
    collection walks all of them again, which made 100,000 events take twice as long
    (quadratic in effect). Nothing here creates cycles, so nothing is left uncollected.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _cluster(members: Sequence[IncidentMember], window_days: int) -> list[Incident]:
    ordered = sorted(members, key=lambda m: (m.published or dt.date.max, m.article_id, m.index))
    nodes = [_Node(i, m) for i, m in enumerate(ordered)]
    clusters = _Clusters(nodes)
    _link_dated(nodes, clusters)
    _join_undated(nodes, clusters, max(window_days, 1))
    groups = [clusters.nodes[i] for i in range(len(nodes)) if clusters.find(i) == i]
    incidents = [reconcile([ordered[i] for i in sorted(group)]) for group in groups]
    return sorted(incidents, key=lambda inc: (inc.date or _first_published(inc) or dt.date.max, inc.id))


# --------------------------------------------------------------------------- reconciling


def _first_published(incident: Incident) -> dt.date | None:
    return min((m.published for m in incident.members if m.published is not None), default=None)


def _specificity(value: str) -> int:
    return len(_norm(value).split())


def _distinct_names(values: Sequence[str | None]) -> list[str]:
    """Stated names, one spelling per normalised form, in first-seen order."""
    seen: dict[str, str] = {}
    if len(values) == 1:
        return [v for v in values if v is not None]
    for value in values:
        if value is not None:
            seen.setdefault(_norm(value), value)
    return list(seen.values())


def _mode_name(values: Sequence[str | None], *, specific: bool = False) -> str | None:
    stated = [v for v in values if v is not None]
    if len(stated) <= 1:
        return stated[0] if stated else None  # most incidents have one report: nothing to choose
    counts = Counter(_norm(v) for v in stated)
    first = {_norm(v): k for k, v in reversed(list(enumerate(stated)))}

    def rank(v: str) -> tuple[int, int, int]:
        key = _norm(v)
        return ((_specificity(v) if specific else counts[key]), (counts[key] if specific else 0), -first[key])

    return max(stated, key=rank)


def reconcile(members: Sequence[IncidentMember]) -> Incident:
    """One incident from its members: ACLED-style reconciliation, disagreements kept."""
    if not members:
        raise ValueError("an incident needs at least one member")
    disagreements: dict[str, list[Any]] = {}

    def names(field: str, values: list[str | None]) -> None:
        distinct = _distinct_names(values)
        if len(distinct) > 1:
            disagreements[field] = distinct

    def plain(field: str, values: Iterable[Any]) -> None:
        # Lists (weapons) become tuples to be hashed, and lists again to be shown.
        distinct = sorted({tuple(v) if isinstance(v, list) else v for v in values if v is not None})
        if len(distinct) > 1:
            disagreements[field] = [list(v) if isinstance(v, tuple) else v for v in distinct]

    sites = [m.site for m in members]
    areas = [m.area for m in members]
    countries = [m.country for m in members]
    perps = [m.perpetrator for m in members]
    targets = [m.target for m in members]
    for field, values in (
        ("site", sites),
        ("area", areas),
        ("country", countries),
        ("perpetrator", perps),
        ("target", targets),
    ):
        names(field, values)

    dates = [m.date for m in members if m.date is not None]
    date_counts = Counter(dates)
    # The date most sources give; on a tie the earliest (a later report may date its own publication).
    date = min(date_counts, key=lambda d: (-date_counts[d], d)) if dates else None
    plain("date", [d.isoformat() for d in dates])

    attributions = [m.attribution for m in members if m.attribution is not None]
    attribution = min(
        attributions,
        key=lambda a: _ATTRIBUTION_ORDER.index(a) if a in _ATTRIBUTION_ORDER else len(_ATTRIBUTION_ORDER),
        default=None,
    )
    plain("attribution", attributions)

    weapon_order = [w.value for w in Weapon]
    stated_weapons = {w for m in members for w in m.weapons}
    weapons = sorted(stated_weapons, key=lambda w: weapon_order.index(w) if w in weapon_order else len(weapon_order))
    plain("weapons", [sorted(m.weapons) for m in members if m.weapons])

    def lowest(field: str) -> int | None:
        # ACLED codes the lowest figure the sources state; the others are kept as disagreement.
        stated = [getattr(m, field) for m in members if getattr(m, field) is not None]
        plain(field, stated)
        return min(stated, default=None)

    weapon_count, killed, injured = lowest("weapon_count"), lowest("killed"), lowest("injured")
    outcomes = [m.casualties for m in members if m.casualties not in (None, "unknown")]
    casualties = Counter(outcomes).most_common(1)[0][0] if outcomes else ("unknown" if members[0].casualties else None)
    plain("casualties", outcomes)

    site = _mode_name(sites, specific=True)
    area = _mode_name(areas, specific=True)
    country = _mode_name(countries)
    refs = sorted(m.ref for m in members)
    digest = hashlib.sha256(json.dumps(refs).encode("utf-8")).hexdigest()[:10]
    slug = re.sub(r"\s+", "-", _norm(site or area or country or "unknown place"))[:40]
    return Incident(
        id=f"{date.isoformat() if date else 'undated'}-{slug}-{digest}",
        date=date,
        site=site,
        area=area,
        country=country,
        perpetrator=_mode_name(perps),
        attribution=attribution,
        target=_mode_name(targets),
        weapons=weapons,
        weapon_count=weapon_count,
        killed=killed,
        injured=injured,
        casualties=casualties,
        members=sorted(members, key=lambda m: (m.published or dt.date.max, m.article_id, m.index)),
        disagreements=disagreements,
    )


# --------------------------------------------------------------------------- scoring


class ClusterScores(BaseModel):
    """Pairwise and B-cubed agreement of predicted incidents with gold incident keys."""

    model_config = ConfigDict(frozen=True)

    events: int  # gold-aligned events scored
    pairwise_tp: int
    pairwise_fp: int
    pairwise_fn: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float

    def summary(self) -> str:
        """One line for a reader: the scores and over how many events."""
        return (
            f"over {self.events} gold-aligned events: pairwise P {self.pairwise_precision:.3f} "
            f"R {self.pairwise_recall:.3f} F1 {self.pairwise_f1:.3f}; B-cubed P {self.bcubed_precision:.3f} "
            f"R {self.bcubed_recall:.3f} F1 {self.bcubed_f1:.3f}"
        )


def assignment(incidents: Iterable[Incident]) -> dict[EventRef, str]:
    """Each member's incident id."""
    return {m.ref: incident.id for incident in incidents for m in incident.members}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def incident_scores(incidents: Iterable[Incident], gold_keys: Mapping[EventRef, str]) -> ClusterScores:
    """Score the clustering over the events that have a gold incident key.

    Pairwise: a pair of events is predicted together when they share an incident,
    gold together when they share a key; precision, recall and F1 over those pairs
    (``scoring.rates``: no pairs on either side is perfect). B-cubed: per event, the
    share of its predicted incident that is gold-together with it (precision) and
    the share of its gold incident that was predicted with it (recall), averaged.
    An event with a gold key that no incident holds counts as an incident of its own.
    """
    predicted = assignment(incidents)
    refs = sorted(gold_keys)
    pred_of = {ref: predicted.get(ref, f"\x00unclustered:{ref[0]}:{ref[1]}") for ref in refs}
    joint = Counter((pred_of[ref], gold_keys[ref]) for ref in refs)
    pred_sizes = Counter(pred_of[ref] for ref in refs)
    gold_sizes = Counter(gold_keys[ref] for ref in refs)
    tp = sum(_pairs(n) for n in joint.values())
    fp = sum(_pairs(n) for n in pred_sizes.values()) - tp
    fn = sum(_pairs(n) for n in gold_sizes.values()) - tp
    precision, recall, f1 = (float(x) for x in rates(tp, fp, fn))
    total = len(refs)
    if total:
        b_precision = sum(n * n / pred_sizes[p] for (p, _), n in joint.items()) / total
        b_recall = sum(n * n / gold_sizes[g] for (_, g), n in joint.items()) / total
    else:
        b_precision = b_recall = 1.0
    b_f1 = 2 * b_precision * b_recall / (b_precision + b_recall) if b_precision + b_recall else 0.0
    return ClusterScores(
        events=total,
        pairwise_tp=tp,
        pairwise_fp=fp,
        pairwise_fn=fn,
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=f1,
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=b_f1,
    )


class IncidentEval(BaseModel):
    """A run's extracted events grouped into incidents, scored against the gold incident keys.

    ``gold_keys`` holds, for each extracted event the scorer aligned to a required gold
    event (``"ARTICLE:INDEX"``), that gold event's incident key: the events the scores cover.
    """

    model_config = ConfigDict(frozen=True)

    scores: ClusterScores
    events: int  # extracted events clustered
    gold_events: int  # of the run's articles
    gold_incidents: int
    incidents: list[Incident]
    gold_keys: dict[str, str]


def ref_key(ref: EventRef) -> str:
    return f"{ref[0]}:{ref[1]}"


def evaluate_incidents(
    records: Sequence[ArticleRecord], golds: Mapping[str, GoldArticle], *, window_days: int = DEFAULT_WINDOW_DAYS
) -> IncidentEval:
    """Cluster every extracted event of ``records`` and score the clusters, as ``incidents --gold`` does."""
    members = members_from_records(records)
    incidents = cluster_events(members, window_days=window_days)
    keys = gold_incident_keys(records, golds)
    gold_events = [e for r in records if r.article_id in golds for e in golds[r.article_id].events]
    return IncidentEval(
        scores=incident_scores(incidents, keys),
        events=len(members),
        gold_events=len(gold_events),
        gold_incidents=len({e.incident for e in gold_events}),
        incidents=incidents,
        gold_keys={ref_key(ref): key for ref, key in sorted(keys.items())},
    )


# --------------------------------------------------------------------------- files


def write_incidents(path: Path, incidents: Sequence[Incident]) -> None:
    write_atomic(path, "".join(incident.model_dump_json() + "\n" for incident in incidents))


def _lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IncidentsError(f"{path}: cannot read: {exc}") from exc
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def read_incidents(path: Path) -> list[Incident]:
    incidents = []
    for n, line in _lines(path):
        try:
            incidents.append(Incident.model_validate_json(line))
        except ValidationError as exc:
            raise IncidentsError(f"{path}:{n}: not an incident: {exc.errors()[0]['msg']}") from exc
    return incidents


def read_record_file(path: Path) -> list[ArticleRecord]:
    """The records an ``extractor extract`` run wrote, with a one-line error naming the bad line."""
    records = []
    for n, line in _lines(path):
        try:
            records.append(ArticleRecord.model_validate_json(line))
        except ValidationError as exc:
            raise IncidentsError(f"{path}:{n}: not an extract record: {exc.errors()[0]['msg']}") from exc
    return records
