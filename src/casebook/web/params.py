"""Query parameters pages and API routes share: page numbers and sizes, dates, event filters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query

from casebook.errors import UsageError
from casebook.store.browse import EventFilter

MAX_SIZE = 100
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# A YYYY-MM-DD query parameter; empty means "not given".
DateQuery = Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_SIZE)]


def day(text: str | None, what: str) -> dt.date | None:
    """A YYYY-MM-DD parameter; None when empty."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} must be a date, YYYY-MM-DD (got {text!r})") from None


def event_filter(type: str, law: str, since: str, until: str, status: str) -> EventFilter:
    return EventFilter(
        type or None, law or None, day(since, "since"), day(until, "until"), status or None
    )
