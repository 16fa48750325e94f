"""Export and import of the whole record as JSON Lines (format documented in docs/export-format.md).

Line 1 is a header; then one object per row of each record table, in an order that
satisfies every reference (a row only names rows above it). Ids are the record's own,
so an export imported into an empty store and exported again is byte-identical.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import JSON, Date, DateTime, LargeBinary, inspect, select
from sqlalchemy.orm import Session

from casebook.errors import ImportFormatError
from casebook.store.schema import RECORD_TABLES, Base, Source, SourceBand
from casebook.store.sources import index_for_search, last_seq

FORMAT = 1
HEADER = {"entity": "casebook-export", "format": FORMAT}
_TABLES = {table.__tablename__: table for table in RECORD_TABLES}
_INTERNAL = {"sources": {"seq"}}  # store-local columns, rebuilt on import
MAX_PROBLEMS = 20


def _columns(table: type[Base]) -> dict[str, Any]:
    skip = _INTERNAL.get(table.__tablename__, set())
    return {c.key: c for c in inspect(table).columns if c.key not in skip}


def _order(table: type[Base]) -> Any:
    if table is Source:
        return Source.seq
    return tuple(inspect(table).primary_key)


def export_lines(session: Session) -> Iterator[str]:
    """The record as JSON Lines, header first, one entity per line."""
    yield _encode(HEADER)
    for table in RECORD_TABLES:
        columns = _columns(table)
        order = _order(table)
        query = select(table).order_by(*order if isinstance(order, tuple) else (order,))
        for row in session.scalars(query.execution_options(yield_per=1000)):
            values = {key: _to_json(getattr(row, key), col) for key, col in columns.items()}
            yield _encode({"entity": table.__tablename__, **values})
        session.expunge_all()


def export_to(session: Session, out: IO[str]) -> int:
    lines = 0
    for line in export_lines(session):
        out.write(line + "\n")
        lines += 1
    return lines - 1


def _encode(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _to_json(value: Any, column: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(column.type, DateTime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(column.type, Date):
        return value.isoformat()
    return value


def _from_json(value: Any, column: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value, validate=True)
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(kind, Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, JSON):
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        return value
    expected = kind.python_type
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ValueError(f"must be {expected.__name__}")
    return value


def import_from(session: Session, path: Path) -> int:
    """Read an export into the store: all of it, or (on any problem) none of it."""
    problems: list[str] = []
    rows = number_of_lines = 0
    first_seq = last_seq(session)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise ImportFormatError(f"{path}: cannot read it: {error.strerror}") from error
    with handle:
        for number, line in enumerate(handle, start=1):
            number_of_lines = number
            try:
                rows += _import_line(session, line, number)
            except (ValueError, KeyError, TypeError) as error:
                problems.append(f"{path.name} line {number}: {error}")
                if len(problems) >= MAX_PROBLEMS:
                    break
    if problems:
        raise ImportFormatError("nothing imported:\n  " + "\n  ".join(problems))
    if number_of_lines == 0:
        raise ImportFormatError(f"{path}: the file is empty; nothing imported")
    index_for_search(session, first_seq)
    return rows


def _import_line(session: Session, line: str, number: int) -> int:
    if not line.strip():
        return 0
    if "\\u0000" in line or "\x00" in line:
        raise ValueError("contains a NUL character, which casebook does not store")
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if number == 1:
        if obj != HEADER:
            raise ValueError(f"not a casebook export header (expected {_encode(HEADER)})")
        return 0
    kind = obj.pop("entity", None)
    table = _TABLES.get(str(kind))
    if table is None:
        raise ValueError(f"unknown entity {kind!r}")
    values = _values(table, obj)
    _write(session, table, values)
    return 1


def _values(table: type[Base], obj: dict[str, Any]) -> dict[str, Any]:
    columns = _columns(table)
    unknown = sorted(set(obj) - set(columns))
    if unknown:
        raise ValueError(f"{table.__tablename__}: unknown fields {', '.join(unknown)}")
    values = {}
    for key, column in columns.items():
        raw = obj.get(key)
        if raw is None and not column.nullable and column.default is None:
            raise ValueError(f"{table.__tablename__}: {key} is required")
        try:
            values[key] = _from_json(raw, column)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{table.__tablename__}.{key}: {error}") from None
    return values


def _write(session: Session, table: type[Base], values: dict[str, Any]) -> None:
    existing: Base | None
    if table is Source:
        key: tuple[Any, ...] = (values["id"],)
        existing = session.scalars(select(Source).where(Source.id == values["id"])).first()
    else:
        key = tuple(values[str(c.key)] for c in inspect(table).primary_key)
        existing = session.get(table, key)
    if existing is not None:
        columns = _columns(table)
        same = all(
            _to_json(getattr(existing, k), columns[k]) == _to_json(v, columns[k])
            for k, v in values.items()
        )
        if not same:
            shown = "/".join(str(part) for part in key)
            raise ValueError(f"{table.__tablename__} {shown} already exists with other values")
        return
    session.add(table(**values))
    if table is Source and values.get("minhash") and not values.get("near_duplicate_of"):
        from casebook import nearduplicates  # numpy: loaded only by an import

        keys = set(nearduplicates.bands(values["minhash"]))
        session.add_all(SourceBand(band=k, source_id=values["id"]) for k in keys)
