"""The attack-event task's schema, as ``ANNOTATION.md`` defines it.

Field descriptions are addressed to the model: the prompt's field guide is
rendered from them. ``Compare`` markers tell the scorer how each field is
compared and which fields identify an event for alignment.

Validators reject what cannot be true (negative counts, a date after the
article was published, casualties that contradict the counts) so that
instructor re-asks the model with the error. The publication date reaches
the validators through pydantic's validation context (``{"published": date}``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from extractor.comparators import Compare, Kind

MAX_EVENTS = 25

# The guideline asks every event for a country and a weapon.
GOLD_REQUIRED_FIELDS = ("location.country", "weapons")
# "One event per attacker, place and day" (ANNOTATION.md). The place is the whole
# location: two events with no named site in "western Iraq" and "northern Iraq" are
# two places, not one. Empty matches only empty.
SAME_EVENT_FIELDS = ("perpetrator", "location.site", "location.area", "location.country", "date")
# What a reader needs to recognise an event in a comparison's list of flips.
KEY_FIELDS = ("location.site", "date", "perpetrator")


class Weapon(StrEnum):
    DRONE = "drone"
    ROCKET = "rocket"
    MISSILE = "missile"
    MORTAR = "mortar"
    INDIRECT_FIRE = "indirect_fire"
    AIRSTRIKE = "airstrike"
    EXPLOSIVE = "explosive"
    SMALL_ARMS = "small_arms"
    OTHER = "other"


class Attribution(StrEnum):
    CLAIMED = "claimed"
    ATTRIBUTED = "attributed"
    SUSPECTED = "suspected"
    NONE = "none"


class Casualties(StrEnum):
    NONE = "none"
    INJURED = "injured"
    KILLED = "killed"
    KILLED_AND_INJURED = "killed_and_injured"
    UNKNOWN = "unknown"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: Annotated[str | None, Compare(Kind.FUZZY, identify=3.0, key=True, anchor=True)] = Field(
        description="The named base, facility, town or village, as written (e.g. 'al-Tanf garrison'). "
        "Null for unnamed places such as 'a base housing US troops'.",
    )
    area: Annotated[str | None, Compare(Kind.FUZZY, anchor=True)] = Field(
        description="Sub-national area as written: a province or governorate ('Anbar province') "
        "or a described area ('western Iraq'). Null if not stated.",
    )
    country: Annotated[str | None, Compare(Kind.FUZZY, identify=1.0, key=True, anchor=True)] = Field(
        description="Country where the attack happened (a base in Syria is in Syria even if the attackers came from Iraq).",  # noqa: E501
    )


class AttackEvent(BaseModel):
    """One specific act of armed violence that the article reports as having happened."""

    model_config = ConfigDict(extra="forbid")

    evidence: Annotated[list[str], Compare(Kind.IGNORE)] = Field(
        min_length=1,
        max_length=3,
        description="First, one or more verbatim quotes copied exactly from the article (a clause or sentence each) "
        "that report this event; every other field is filled from them.",
    )
    date_text: Annotated[str | None, Compare(Kind.IGNORE)] = Field(
        description="The words that give the time, as written ('Monday', 'this morning'); null if none.",
    )
    date: Annotated[dt.date | None, Compare(Kind.DATE, identify=1.5, anchor=True)] = Field(
        description="ISO date YYYY-MM-DD of the attack, only if the day can be pinned from the text and the "
        "publication date ('Monday' means the most recent Monday on or before publication). "
        "Null for 'last week', 'recently', 'in the last 24 hours'.",
    )
    location: Location = Field(description="Where the attack happened.")
    perpetrator: Annotated[str | None, Compare(Kind.FUZZY, identify=1.0)] = Field(
        description="The actor that carried out or claimed the attack, with the most specific name the text gives "
        "(a named group over 'militias'). Null if none is named.",
    )
    attribution: Annotated[Attribution, Compare(Kind.EXACT)] = Field(
        description="How the perpetrator is known: 'claimed' (the actor claimed it), 'attributed' (officials or the "
        "writer name the actor), 'suspected' (only 'likely', 'believed'), 'none' (no perpetrator named).",
    )
    target: Annotated[str | None, Compare(Kind.FUZZY, threshold=80.0)] = Field(
        description="Who or what was attacked, as written ('U.S. forces', 'militia facilities').",
    )
    weapons: Annotated[list[Weapon], Compare(Kind.SET, identify=1.0)] = Field(
        min_length=1,
        description="Weapons used: 'indirect fire' stays indirect_fire; 'rocket or mortar' gives both rocket and mortar; "  # noqa: E501
        "use other if none fits.",
    )
    weapon_count: Annotated[int | None, Compare(Kind.EXACT)] = Field(
        ge=0,
        description="Number of drones/rockets/munitions used, if stated ('a pair of drones' = 2). "
        "A number of attacks is not a number of weapons.",
    )
    killed: Annotated[int | None, Compare(Kind.EXACT)] = Field(
        ge=0,
        description="People killed, if a number is stated; 'no casualties' = 0; 'several killed' = null.",
    )
    injured: Annotated[int | None, Compare(Kind.EXACT)] = Field(
        ge=0,
        description="People injured, if a number is stated; 'no injuries' = 0; 'minor injuries' = null.",
    )
    casualties: Annotated[Casualties, Compare(Kind.EXACT)] = Field(
        description="Outcome even without numbers: none, injured, killed, killed_and_injured, or unknown if not said.",
    )

    @field_validator("date")
    @classmethod
    def _not_after_publication(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        published = _published(info.context)
        if value is not None and published is not None and value > published:
            raise ValueError(
                f"date {value.isoformat()} is after the article's publication date {published.isoformat()}; "
                "an article cannot report an attack that has not happened yet"
            )
        return value

    @field_validator("weapons")
    @classmethod
    def _unique_weapons(cls, value: list[Weapon]) -> list[Weapon]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _casualties_agree_with_counts(self) -> Self:
        died = self.killed is not None and self.killed > 0
        hurt = self.injured is not None and self.injured > 0
        if died and self.casualties in (Casualties.NONE, Casualties.INJURED):
            raise ValueError(f"killed={self.killed} contradicts casualties={self.casualties.value!r}")
        if hurt and self.casualties in (Casualties.NONE, Casualties.KILLED):
            raise ValueError(f"injured={self.injured} contradicts casualties={self.casualties.value!r}")
        return self


class ArticleEvents(BaseModel):
    """All attack events reported in one article (an empty list if there are none)."""

    model_config = ConfigDict(extra="forbid")

    events: list[AttackEvent] = Field(
        max_length=MAX_EVENTS,
        description="One entry per attacker, place and day; an incident described twice is listed once.",
    )


def _published(context: Any) -> dt.date | None:
    if isinstance(context, dict):
        value = context.get("published")
        if isinstance(value, dt.date):
            return value
    return None
