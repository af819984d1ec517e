"""Incident clustering at feed scale: time as the number of events grows x10 and x100.

    python bench/incidents.py [--base 1000] [--repeat 1]

Synthetic events stand in for a real feed: incidents spread over 40 countries and
two years, each reported by one to four articles that spell the site their own way
("al-Tanf", "Tanf base", "Tanf air base"), with 15% of reports undated and some
articles reporting two incidents. Only :func:`cluster_events` is timed (the members
are built beforehand); the pairwise and B-cubed scores against the synthetic
incident keys are printed too, as a check that the speed does not come from
skipping the work. The issue's target: 100,000 events in under a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.evaluation.incidents import EventRef, IncidentMember, cluster_events, incident_scores  # noqa: E402

_SYLLABLES = ["ba", "dar", "tan", "ki", "mul", "sha", "ro", "zeb", "qa", "lin", "hum", "ost", "var", "nek", "pol"]
_COUNTRIES = [f"Country {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(40)]
_ACTORS = [f"Group {n}" for n in range(30)]
_START = dt.date(2023, 1, 1)


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def _spelling(rng: random.Random, name: str) -> str:
    return rng.choice([name, f"al-{name}", f"{name} base", f"{name} air base", f"the {name} garrison"])


def synthetic(n_events: int, seed: int = 0) -> tuple[list[IncidentMember], dict[EventRef, str]]:
    """About ``n_events`` members and their true incident keys."""
    rng = random.Random(seed)
    sites = {country: [_name(rng) for _ in range(60)] for country in _COUNTRIES}
    members: list[IncidentMember] = []
    keys: dict[EventRef, str] = {}
    article = 0
    incident = 0
    while len(members) < n_events:
        incident += 1
        country = rng.choice(_COUNTRIES)
        site = rng.choice(sites[country])
        day = _START + dt.timedelta(days=rng.randrange(730))
        actor = rng.choice(_ACTORS)
        killed = rng.choice([None, 0, 1, 2])
        for _ in range(rng.randint(1, 4)):
            article += 1
            published = day + dt.timedelta(days=rng.randint(0, 5))
            # Some articles report a second, unrelated incident: two events of one article.
            indices = [0, 1] if rng.random() < 0.1 else [0]
            for index in indices:
                dated = rng.random() >= 0.15
                own_site = site if index == 0 else rng.choice(sites[country])
                own_day = day if index == 0 else day - dt.timedelta(days=rng.randint(1, 3))
                member = IncidentMember(
                    article_id=f"a{article}",
                    index=index,
                    outlet=f"Outlet {article % 50}",
                    published=published,
                    date=own_day if dated else None,
                    site=_spelling(rng, own_site),
                    area=None,
                    country=country,
                    perpetrator=actor if rng.random() < 0.8 else None,
                    weapons=["drone"],
                    killed=killed if rng.random() < 0.7 else rng.choice([None, 0, 3]),
                    evidence=[f"an attack on {own_site}"],
                )
                members.append(member)
                keys[member.ref] = f"i{incident}" if index == 0 else f"i{incident}-second-{article}"
    return members, keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=1000, help="N: the sizes are N, 10N and 100N events.")
    parser.add_argument("--repeat", type=int, default=1, help="Timed runs per size; the best is kept.")
    args = parser.parse_args()
    first: float | None = None
    print(f"{'events':>8} {'incidents':>9} {'seconds':>8} {'x time':>7} {'pair F1':>7} {'B3 F1':>6}")
    for factor in (1, 10, 100):
        members, keys = synthetic(args.base * factor)
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            incidents = cluster_events(members)
            best = min(best, time.perf_counter() - start)
        first = best if first is None else first
        scores = incident_scores(incidents, keys)
        print(
            f"{len(members):>8} {len(incidents):>9} {best:>8.2f} {best / first:>7.1f} "
            f"{scores.pairwise_f1:>7.3f} {scores.bcubed_f1:>6.3f}"
        )


if __name__ == "__main__":
    main()
