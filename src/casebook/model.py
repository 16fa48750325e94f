"""The vocabulary of DESIGN.md as plain typed classes.

These classes carry no behaviour beyond validation of their own values; the
store maps them to tables and every stage passes them around.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class EventType(StrEnum):
    ARREST = "arrest"
    CHARGE = "charge"
    BAIL_GRANTED = "bail_granted"
    BAIL_DENIED = "bail_denied"
    CONVICTION = "conviction"
    ACQUITTAL = "acquittal"
    SENTENCE = "sentence"
    RELEASE = "release"
    WARRANT = "warrant"
    RAID = "raid"
    ASSET_FREEZE = "asset_freeze"
    ORG_DISBANDED = "org_disbanded"
    ORG_CLOSED = "org_closed"
    ORG_RELOCATED = "org_relocated"
    REPORTED_TOTAL = "reported_total"


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    APPROX = "approx"


class EventStatus(StrEnum):
    CANDIDATE = "candidate"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Sensitivity(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


class ParticipantRole(StrEnum):
    SUBJECT = "subject"  # the person or organisation the event happened to
    AGENT = "agent"  # who acted: police, court, a government body
    OTHER = "other"


# How far either side of its value an APPROX date is taken to reach: a quarter, so
# "late 2020" (1 Oct) covers July–December and "mid-2022" (15 June) March–September.
APPROX_SPREAD = timedelta(days=92)


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date as precise as the source allows: 2021-01 means 'some day in January 2021'."""

    value: date
    precision: DatePrecision

    def bounds(self) -> tuple[date, date]:
        """The first and last day this date may mean (APPROX: ± APPROX_SPREAD)."""
        value = self.value
        if self.precision is DatePrecision.DAY:
            return value, value
        if self.precision is DatePrecision.MONTH:
            last_day = calendar.monthrange(value.year, value.month)[1]
            return value.replace(day=1), value.replace(day=last_day)
        if self.precision is DatePrecision.YEAR:
            return date(value.year, 1, 1), date(value.year, 12, 31)
        return value - APPROX_SPREAD, value + APPROX_SPREAD

    def iso(self) -> str:
        if self.precision is DatePrecision.DAY:
            return self.value.isoformat()
        if self.precision is DatePrecision.MONTH:
            return self.value.strftime("%Y-%m")
        if self.precision is DatePrecision.YEAR:
            return str(self.value.year)
        return self.value.isoformat()

    @classmethod
    def parse(cls, text: str, precision: DatePrecision | None = None) -> FuzzyDate:
        """Read 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'; the shape gives the precision unless told."""
        parts = text.strip().split("-")
        if len(parts) == 1:
            found, shape = date(int(parts[0]), 1, 1), DatePrecision.YEAR
        elif len(parts) == 2:
            found, shape = date(int(parts[0]), int(parts[1]), 1), DatePrecision.MONTH
        else:
            found, shape = date.fromisoformat(text.strip()), DatePrecision.DAY
        return cls(found, precision or shape)


@dataclass(frozen=True, slots=True)
class Offence:
    """One offence in a jurisdiction's catalogue, e.g. hk.nsl.art22 (subversion)."""

    id: str
    law_id: str
    name: str
    articles: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    max_penalty: str | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Law:
    """One law (ordinance, decision, code) of a jurisdiction's catalogue."""

    id: str
    jurisdiction: str
    name: str
    short_names: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    in_force_from: date | None = None
    in_force_until: date | None = None
    offences: tuple[Offence, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(slots=True)
class SourceDocument:
    """What an input parser read from one document, before it is stored as a Source."""

    text: str
    original: bytes
    kind: str  # text | markdown | html | json | feed
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    published_at: date | None = None
    language: str | None = None
    origin: str | None = None  # file path or URL it came from, with a record locator
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.original).hexdigest()


def make_id(*parts: object) -> str:
    """A stable id derived from content, so re-importing the same thing changes nothing."""
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


# Who may do what (security/permissions.py) and how sensitive a record is.
ROLES = ("viewer", "reviewer", "editor", "admin")
SENSITIVITIES = ("public", "internal", "restricted")
# A person this young at any event is restricted (store/minors.py).
MINOR_AGE = 18
