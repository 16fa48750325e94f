"""The audit chain: every write to the record appends (who, when, what, before, after).

Each entry's hash covers the previous entry's hash, so editing or deleting any entry
breaks the chain from there on; `audit_head` holds the newest link, so removing the
last entries is detected too. Entries are written by a flush hook, so no code path
that writes through a session can forget them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from casebook.errors import StoreError
from casebook.store.schema import AuditEntry, AuditHead, Base

GENESIS = "0" * 64
_HEAD = "casebook.audit_head"


def install(sessions: sessionmaker[Session]) -> None:
    """Attach the audit hooks to every session the factory makes."""
    from sqlalchemy import event

    event.listen(sessions, "after_flush", _record_flush)
    event.listen(sessions, "after_commit", _forget_head)
    event.listen(sessions, "after_soft_rollback", lambda s, _t: _forget_head(s))


def _forget_head(session: Session) -> None:
    session.info.pop(_HEAD, None)


def _record_flush(session: Session, _context: Any) -> None:
    changes = list(_changes(session))
    if not changes:
        return
    actor = session.info.get("actor")
    if not actor:
        raise StoreError("a write to the record needs a named user (--user or CASEBOOK_USER)")
    seq, last_hash = _head(session)
    at = _timestamp(dt.datetime.now(dt.UTC))
    rows = []
    for action, obj, before, after in changes:
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "entity": obj.__tablename__,
            "entity_id": _identity(obj),
            "before": _dump(before),
            "after": _dump(after),
            "prev_hash": last_hash,
        }
        row["hash"] = last_hash = entry_hash(row)
        rows.append(row)
    connection = session.connection()
    connection.execute(insert(AuditEntry), [{**r, "at": _parse_timestamp(r["at"])} for r in rows])
    _move_head(session, seq, last_hash)


def _changes(session: Session) -> Iterator[tuple[str, Base, dict[str, Any] | None, Any]]:
    for obj in session.new:
        if _audited(obj):
            yield "create", obj, None, snapshot(obj)
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj):
            yield "update", obj, snapshot(obj, previous=True), snapshot(obj)
    for obj in session.deleted:
        if _audited(obj):
            yield "delete", obj, snapshot(obj, previous=True), None


def _audited(obj: object) -> TypeGuard[Base]:
    return isinstance(obj, Base) and (obj.record or obj.audited)


def snapshot(obj: Base, previous: bool = False) -> dict[str, Any]:
    """The row's column values as JSON-ready data; digest columns as their SHA-256."""
    state = inspect(obj)
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if previous and history.deleted:
            value = history.deleted[0]
        elif previous and history.added:
            value = None
        else:
            value = getattr(obj, attr.key)
        if attr.key in obj.audit_digest and value is not None:
            value = "sha256:" + hashlib.sha256(_bytes(value)).hexdigest()
        values[attr.key] = value
    return values


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _identity(obj: Base) -> str:
    key = inspect(obj).identity or tuple(
        getattr(obj, str(c.key)) for c in inspect(type(obj)).primary_key
    )
    public_id = getattr(obj, "id", None)
    if isinstance(public_id, str):
        return public_id
    return "/".join(str(part) for part in key)


def _dump(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def _timestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; we always store UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def entry_hash(row: dict[str, Any]) -> str:
    """The hash of one entry: its fields and the previous entry's hash."""
    fields = [row[k] for k in ("seq", "at", "actor", "action", "entity", "entity_id")]
    payload = json.dumps([*fields, row["before"], row["after"]], ensure_ascii=False)
    return hashlib.sha256(f"{row['prev_hash']}\n{payload}".encode()).hexdigest()


def _head(session: Session) -> tuple[int, str]:
    cached = session.info.get(_HEAD)
    if cached is not None:
        return int(cached[0]), str(cached[1])
    # FOR UPDATE serialises writers on PostgreSQL; SQLite's BEGIN IMMEDIATE already has.
    query = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
    found = session.connection().execute(query).first()
    if found is None:
        session.connection().execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS))
        return 0, GENESIS
    return found.seq, found.hash


def _move_head(session: Session, seq: int, last_hash: str) -> None:
    session.connection().execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=last_hash)
    )
    session.info[_HEAD] = (seq, last_hash)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(session: Session) -> ChainReport:
    """Walk the chain from the start and report the first broken link."""
    expected_seq, last_hash, count = 1, GENESIS, 0
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000)
    for entry in session.scalars(query):
        row = {c.key: getattr(entry, c.key) for c in inspect(AuditEntry).column_attrs}
        row["at"] = _timestamp(entry.at)
        if entry.seq != expected_seq:
            return ChainReport(count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != last_hash:
            return ChainReport(count, entry.seq, "it does not follow the entry before it")
        if entry_hash(row) != entry.hash:
            return ChainReport(count, entry.seq, "its content was changed after it was written")
        last_hash, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    head = session.execute(select(AuditHead.seq, AuditHead.hash)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (count, last_hash):
        return ChainReport(
            count, count + 1, f"the chain ends at {count} but its head says {head_seq}"
        )
    return ChainReport(count)


@dataclass(frozen=True)
class RecordReport:
    """Whether every row of the record is exactly as its newest audit entry left it."""

    rows: int
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_record(session: Session) -> RecordReport:
    """Replay the chain per record table and compare each row with its newest entry.

    A row edited, added or deleted behind casebook's back (with an SQL tool, say) leaves
    the chain intact but no longer matches it; this finds the first such row.
    """
    from casebook.store.schema import RECORD_TABLES

    checked = 0
    for table in RECORD_TABLES:
        live = _replay(session, table)
        query = select(table).execution_options(yield_per=1000)
        for obj in session.scalars(query):
            checked += 1
            key = _identity(obj)
            found = live.pop(key, None)
            if found is None:
                return RecordReport(checked, f"{table.__tablename__} {key} has no audit entry")
            if json.loads(_dump(snapshot(obj)) or "null") != json.loads(found[1]):
                return RecordReport(
                    checked,
                    f"{table.__tablename__} {key} differs from audit entry {found[0]}",
                )
        for key, (seq, _after) in sorted(live.items(), key=lambda item: item[1][0]):
            return RecordReport(
                checked, f"{table.__tablename__} {key} is missing (audit entry {seq} made it)"
            )
    return RecordReport(checked)


def _replay(session: Session, table: type[Base]) -> dict[str, tuple[int, str]]:
    """Each live row's identity → (seq, values) of the newest entry that wrote it."""
    keys = [str(c.key) for c in inspect(table).primary_key]
    live: dict[str, tuple[int, str]] = {}
    query = (
        select(AuditEntry.seq, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.entity == table.__tablename__)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=2000)
    )
    for seq, before, after in session.execute(query):
        if before is not None:  # an update may change the key: the old one is gone
            live.pop(_identity_of(json.loads(before), keys), None)
        if after is not None:
            live[_identity_of(json.loads(after), keys)] = (seq, after)
    return live


def _identity_of(values: dict[str, Any], keys: list[str]) -> str:
    """What `_identity` gives for a row with these values."""
    public_id = values.get("id")
    if isinstance(public_id, str):
        return public_id
    return "/".join(str(values[key]) for key in keys)
