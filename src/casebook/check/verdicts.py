"""Verdicts: a claim's interval against what the record says at the claim's date.

Pure functions over Figure-like values (docs/check.md). The record speaks through two
kinds of evidence, never mixed up:

- **its own cases** (the Figure's range): people or organisations the record names
  happened for certain, so the lower bound is a floor under the truth; the upper bound
  is only what the record holds, never a ceiling on the truth;
- **published totals** for the same question: for a cumulative count, a total published
  as of an earlier day is a floor, one as of a later day is a ceiling, and the latest
  total up to RECENT days before the claim's date is a ceiling once growth is allowed for.

A claim is `contradicted` only when these bounds rule every value it allows out;
`supported` when the record pins the number down within what the claim allows, or
implies the claim outright; `unverifiable` otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from casebook.check.claims import Claim, qualifier_before
from casebook.extract.quantities import QUALIFIERS, parse_age
from casebook.model import DatePrecision, FuzzyDate

RECENT = dt.timedelta(days=92)  # how old a published total may be and still bound a claim
GROWTH = 0.10  # growth allowed since a recent total, unless the record's totals grew faster
ABOUT = 0.10  # "about N": within 10% of N
NEAR = 0.10  # "nearly N", "up to N", "as many as N": within 10% below N
STRICT_ABOVE = frozenset({"more than", "over"})
STRICT_BELOW = frozenset({"fewer than"})


class Verdict(StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    UNVERIFIABLE = "unverifiable"


class TotalLike(Protocol):
    """A published total in the record (count.figures.ReportedTotal)."""

    @property
    def count(self) -> int: ...
    @property
    def as_of(self) -> dt.date | None: ...
    @property
    def published(self) -> dt.date | None: ...
    @property
    def source_id(self) -> str: ...
    @property
    def source_title(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def precision(self) -> str | None: ...
    @property
    def quote(self) -> str: ...


class FigureLike(Protocol):
    """The record's own count at a date (count.figures.Figure)."""

    @property
    def lower(self) -> int: ...
    @property
    def upper(self) -> int: ...
    @property
    def as_of(self) -> dt.date: ...


@dataclass(frozen=True)
class Interval:
    """Whole numbers from `lower` to `upper` inclusive; `upper` None is unbounded."""

    lower: int
    upper: int | None

    def overlaps(self, other: Interval) -> bool:
        below = other.upper is not None and self.lower > other.upper
        above = self.upper is not None and self.upper < other.lower
        return not (below or above)

    def contains(self, other: Interval) -> bool:
        if self.lower > other.lower:
            return False
        return self.upper is None or (other.upper is not None and other.upper <= self.upper)

    def show(self) -> str:
        if self.upper is None:
            return f"at least {self.lower:,}"
        if self.lower == self.upper:
            return f"{self.lower:,}"
        return f"{self.lower:,}–{self.upper:,}"


def claimed(claim: Claim) -> Interval | None:
    """The numbers a count claim allows; None for a claim with no number (or an age)."""
    qualifier, value = claim.qualifier, claim.quantity
    if value is None:  # vague amounts and ranges keep the bounds extraction gave them
        return Interval(claim.lower, claim.upper) if claim.lower is not None else None
    if qualifier in STRICT_ABOVE:
        return Interval(value + 1, None)
    if qualifier == "at least":
        return Interval(value, None)
    if qualifier in STRICT_BELOW:
        return Interval(0, max(value - 1, 0))
    if qualifier in {"about", "some"}:
        spread = max(math.ceil(value * ABOUT), 1)
        return Interval(max(value - spread, 0), value + spread)
    if qualifier in {"nearly", "up to", "as many as"}:
        return Interval(max(math.floor(value * (1 - NEAR)), 0), value)
    return Interval(value, value)


@dataclass(frozen=True)
class Bounds:
    """What the record says about the true number at one date, and why."""

    floor: int
    ceiling: int | None
    floor_from: str  # one phrase each, for the reason
    ceiling_from: str | None
    sources: tuple[str, ...]
    stated: tuple[int, ...] = ()  # published totals that say the number at this date outright

    @property
    def interval(self) -> Interval:
        return Interval(self.floor, self.ceiling)

    def part(self, of: str) -> Bounds:
        """The bounds for a part of this population: the ceiling holds, the floor does not."""
        return Bounds(0, self.ceiling, f"{of} only", self.ceiling_from, self.sources)


def bounds_at(
    day: dt.date, figure: FigureLike, totals: Sequence[TotalLike], mode: str = "cumulative"
) -> Bounds:
    """The record's floor and ceiling for a count at `day`: its cases and published totals."""
    dated = sorted((_Dated.of(t) for t in totals if _Dated.known(t)), key=lambda d: d.first)
    floor, floor_from = figure.lower, "the record's own cases"
    floor_total: _Dated | None = None
    ceiling: _Dated | None = None
    if mode == "current":  # a current count can fall: only a total near the day bounds it
        near = [
            d
            for d in dated
            if d.is_ceiling and (abs(d.last - day) <= RECENT or abs(d.first - day) <= RECENT)
        ]
        if near:
            ceiling = min(near, key=lambda d: abs(d.last - day))
            grown, said = ceiling.grown(day, dated), ceiling.said(grown=True)
            near_count: tuple[int, ...] = (ceiling.total.count,) if ceiling.exact else ()
            return Bounds(floor, grown, floor_from, said, _ids(ceiling), near_count)
        return Bounds(floor, None, floor_from, None, ())
    before = [d for d in dated if d.last <= day and d.is_floor]  # cumulative: never fewer later
    after = [d for d in dated if d.first >= day and d.is_ceiling]  # ...and never more earlier
    if before:
        highest = max(before, key=lambda d: (d.low, d.last))
        if highest.low > floor:
            floor, floor_from, floor_total = highest.low, highest.said(), highest
    top: int | None = None
    top_from: str | None = None
    if after:
        ceiling = min(after, key=lambda d: (d.high, d.first))
        top, top_from = ceiling.high, ceiling.said()
    latest = max((d for d in dated if d.last <= day), key=lambda d: d.last, default=None)
    if latest is not None and latest.is_ceiling:
        grown = latest.grown(day, dated)
        if day - latest.last <= RECENT and (top is None or grown < top):
            ceiling, top, top_from = latest, grown, latest.said(grown=day > latest.last)
    top = None if top is None else max(top, floor)
    recent = [d for d in (floor_total, ceiling) if d is not None and abs(day - d.last) <= RECENT]
    stated = [d.total.count for d in recent if d.exact and d.total.count in (floor, top)]
    return Bounds(floor, top, floor_from, top_from, _ids(floor_total, ceiling), tuple(stated))


@dataclass(frozen=True)
class _Dated:
    """A published total with the first and last day its as-of date may mean."""

    total: TotalLike
    first: dt.date
    last: dt.date
    qualifier: str | None  # as its quote words it: "more than 10,200" is a floor only
    is_floor: bool
    is_ceiling: bool

    @classmethod
    def of(cls, total: TotalLike) -> _Dated:
        day = total.as_of or total.published
        assert day is not None
        precision = DatePrecision(total.precision or "day") if total.as_of else DatePrecision.DAY
        first, last = (
            (day, day) if precision is DatePrecision.APPROX else FuzzyDate(day, precision).bounds()
        )
        spelling = qualifier_before(total.quote, total.count)
        canonical, has_lower, has_upper = QUALIFIERS.get(spelling or "", (None, True, True))
        return cls(total, first, last, canonical, has_lower, has_upper)

    @staticmethod
    def known(total: TotalLike) -> bool:
        return (total.as_of or total.published) is not None

    @property
    def exact(self) -> bool:
        return self.is_floor and self.is_ceiling

    @property
    def low(self) -> int:
        """The least number the total's wording allows ("more than 10,000" → 10,001)."""
        return self.total.count + (1 if self.qualifier in STRICT_ABOVE else 0)

    @property
    def high(self) -> int:
        return self.total.count - (1 if self.qualifier in STRICT_BELOW else 0)

    def grown(self, day: dt.date, dated: Sequence[_Dated]) -> int:
        """This total plus the growth allowed up to `day`: GROWTH, or twice the record's rate."""
        count = self.total.count
        allowance = math.ceil(count * GROWTH)
        if len(dated) >= 2 and dated[-1].last > dated[0].last:
            rate = (dated[-1].total.count - dated[0].total.count) / (
                dated[-1].last - dated[0].last
            ).days
            allowance = max(allowance, math.ceil(2 * max(rate, 0) * max((day - self.last).days, 0)))
        return count + allowance

    def said(self, grown: bool = False) -> str:
        total = self.total
        when = self.first.isoformat() if self.first == self.last else self.first.strftime("%Y-%m")
        details = [f'"{total.source_title}"'] if total.source_title else []
        details += ["not yet reviewed"] if total.status == "candidate" else []
        shown = f" ({', '.join(details)})" if details else ""
        growth = ", allowing for growth since" if grown else ""
        count = f"{self.qualifier} {total.count:,}" if self.qualifier else f"{total.count:,}"
        return f"the published total of {count} as of {when}{shown}{growth}"


def age_bounds(day: dt.date, totals: Sequence[TotalLike], youngest: bool) -> Bounds:
    """What the ages published with the totals say of the youngest (or oldest) at `day`.

    Everyone counted stays counted, so the youngest can only get younger and the oldest
    older: an age range published as of an earlier day bounds the youngest from above
    (the oldest from below), one as of a later day from below (above).
    """
    ranged: list[tuple[_Dated, int]] = []
    for dated in sorted(map(_Dated.of, filter(_Dated.known, totals)), key=lambda d: d.first):
        ages = parse_age(dated.total.quote)
        age = None if ages is None else ages[0 if youngest else 1]
        if age is not None:
            ranged.append((dated, age))
    earlier = [pair for pair in ranged if pair[0].last <= day]
    later = [pair for pair in ranged if pair[0].first >= day]
    low = max(later if youngest else earlier, key=lambda pair: pair[1], default=None)
    high = min(earlier if youngest else later, key=lambda pair: pair[1], default=None)
    used = [pair for pair in (low, high) if pair is not None]
    stated = tuple(age for d, age in used if abs(day - d.last) <= RECENT)
    return Bounds(
        low[1] if low else 0,
        high[1] if high else None,
        low[0].said() if low else "no published ages",
        high[0].said() if high else None,
        _ids(*(d for d, _ in used)),
        stated,
    )


def _ids(*used: _Dated | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(d.total.source_id for d in used if d and d.total.source_id))


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str
    sources: tuple[str, ...] = ()


def judge(claim: Interval, record: Bounds, about: str) -> Judgement:
    """Compare a claim's interval with the record's bounds; `about` names what is counted."""
    known = record.interval
    if not claim.overlaps(known):
        if claim.upper is not None and claim.upper < record.floor:
            gap = record.floor - claim.upper
            reason = (
                f"the record has at least {record.floor:,} {about} ({record.floor_from}), "
                f"{gap:,} more than the claim allows"
            )
        else:
            assert record.ceiling is not None  # disjoint above means there is a ceiling
            gap = claim.lower - record.ceiling
            reason = (
                f"the record puts it at most {record.ceiling:,} {about} ({record.ceiling_from}), "
                f"{gap:,} fewer than the claim's {claim.lower:,}"
            )
        return Judgement(Verdict.CONTRADICTED, reason, record.sources)
    if claim.contains(known) or any(claim.contains(Interval(n, n)) for n in record.stated):
        return Judgement(Verdict.SUPPORTED, _agreeing(record, about), record.sources)
    if record.ceiling is None:
        reason = (
            f"consistent with the record's floor of {record.floor:,} {about} "
            f"({record.floor_from}), but no published total close to that date bounds it "
            "from above"
        )
    else:
        shown = _agreeing(record, about).replace("the record puts it", "the record putting it", 1)
        reason = f"consistent with {shown}, but that does not pin the number down"
    return Judgement(Verdict.UNVERIFIABLE, reason, record.sources)


def _agreeing(record: Bounds, about: str) -> str:
    if record.ceiling is None:
        return f"the record has at least {record.floor:,} {about} ({record.floor_from})"
    if record.ceiling == record.floor:
        return f"the record puts it at {record.floor:,} {about} ({record.floor_from})"
    if record.floor == 0:
        return f"the record puts it at most {record.ceiling:,} {about} ({record.ceiling_from})"
    shown = f"the record puts it at {record.floor:,}–{record.ceiling:,} {about}"
    if record.floor_from in (record.ceiling_from or ""):
        return f"{shown} ({record.ceiling_from})"
    return f"{shown} (at least {record.floor_from}; at most {record.ceiling_from})"


def confusion_note(claim: Interval, other: Bounds, title: str) -> str | None:
    """ "likely confusion with …" when the claim fits another population's bounds.

    Fitting means overlapping them with a number of the same size: the number the claim
    states (its open side aside) is within a factor of two of the other population's.
    """
    stated = claim.lower if claim.upper is None else claim.upper
    top = other.ceiling if other.ceiling is not None else other.floor
    if not claim.overlaps(other.interval) or other.floor == 0:
        return None
    if not other.floor / 2 <= stated <= top * 2:
        return None
    population = title[0].lower() + title[1:]
    return f"likely confusion with {population}: {other.interval.show()}, {other.floor_from}"


def period_bounds(start: Bounds, end: Bounds) -> Bounds:
    """How many in a period: the count at its end less the count just before it."""
    floor = max(end.floor - start.ceiling, 0) if start.ceiling is not None else 0
    ceiling = None if end.ceiling is None else max(end.ceiling - start.floor, 0)
    return Bounds(
        floor,
        ceiling,
        f"{end.floor_from} at its end",
        None if ceiling is None else f"{end.ceiling_from} at its end, less {start.floor_from}",
        tuple(dict.fromkeys(start.sources + end.sources)),
    )
