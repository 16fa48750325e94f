"""What the record holds, in numbers: the `casebook status` summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casebook.store.schema import AuditEntry, Case, Event, Organisation, Person, Source


@dataclass(frozen=True)
class RecordSummary:
    sources: int
    near_duplicates: int
    sources_by_kind: dict[str, int]
    earliest_published: dt.date | None
    latest_published: dt.date | None
    events_by_status: dict[str, int]
    events_by_type: dict[str, int]
    persons: int
    organisations: int
    cases: int
    audit_entries: int


def summarise(session: Session) -> RecordSummary:
    def count(query: object) -> int:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]

    def grouped(column: object) -> dict[str, int]:
        rows = session.execute(select(column, func.count()).group_by(column).order_by(column))  # type: ignore[call-overload]
        return {str(key): int(n) for key, n in rows}

    first, last = session.execute(
        select(func.min(Source.published_at), func.max(Source.published_at))
    ).one()
    return RecordSummary(
        sources=count(select(func.count()).select_from(Source)),
        near_duplicates=count(select(func.count()).where(Source.near_duplicate_of.is_not(None))),
        sources_by_kind=grouped(Source.kind),
        earliest_published=_as_date(first),
        latest_published=_as_date(last),
        events_by_status=grouped(Event.status),
        events_by_type=grouped(Event.type),
        persons=count(select(func.count()).select_from(Person)),
        organisations=count(select(func.count()).select_from(Organisation)),
        cases=count(select(func.count()).select_from(Case)),
        audit_entries=count(select(func.count()).select_from(AuditEntry)),
    )


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
