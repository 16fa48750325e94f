"""The record's tables. Migrations in store/migrations must match these (a test checks)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from casebook.model import ROLES, EventType

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(24)


def _fk(target: str) -> ForeignKey:
    # Checked at commit, so a unit of work may add related rows in any order.
    return ForeignKey(target, deferrable=True, initially="DEFERRED")


def _sensitivity() -> CheckConstraint:
    return CheckConstraint(
        "sensitivity in ('public', 'internal', 'restricted')", name="sensitivity"
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Columns whose values the audit log records as a SHA-256 instead of verbatim.
    audit_digest: ClassVar[frozenset[str]] = frozenset()
    # Tables that are part of the record (exported, audited).
    record: ClassVar[bool] = True
    # Tables outside the record whose changes are audited all the same (accounts).
    audited: ClassVar[bool] = False


class Source(Base):
    """One captured document. Immutable once captured; corrections are new sources."""

    __tablename__ = "sources"
    audit_digest = frozenset({"text", "minhash"})

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(ID, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.date | None] = mapped_column(Date)
    captured_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(16))
    reliability: Mapped[str | None] = mapped_column(String(16))
    sensitivity: Mapped[str] = mapped_column(String(16), default="internal")
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    near_duplicate_of: Mapped[str | None] = mapped_column(ID, _fk("sources.id"))
    near_duplicate_score: Mapped[float | None] = mapped_column(Float)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        _sensitivity(),
        Index("ix_sources_listed", "published_at", "seq"),
    )


class SourceOriginal(Base):
    """The evidentiary copy: the original bytes, unchanged, kept apart from the working text."""

    __tablename__ = "source_originals"
    audit_digest = frozenset({"content"})

    source_id: Mapped[str] = mapped_column(ID, _fk("sources.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class SourceBand(Base):
    """Locality-sensitive-hash bands of a source's MinHash, to find near-duplicates by lookup."""

    __tablename__ = "source_bands"
    record = False

    band: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_id: Mapped[str] = mapped_column(ID, _fk("sources.id"), primary_key=True)


class Evidence(Base):
    """A quoted span of a source: (source, char start, char end, quote)."""

    __tablename__ = "evidence"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    source_id: Mapped[str] = mapped_column(ID, _fk("sources.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)

    __table_args__ = (CheckConstraint('start >= 0 AND start < "end"', name="span"),)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    sensitivity: Mapped[str] = mapped_column(String(16), default="internal")
    is_minor: Mapped[bool] = mapped_column(default=False)
    protected: Mapped[bool] = mapped_column(default=False)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (_sensitivity(), Index("ix_persons_name", "name", "id"))


class PersonAlias(Base):
    """A name a person is known by, in any script (English, Chinese characters, romanisations)."""

    __tablename__ = "person_aliases"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, _fk("persons.id"), index=True)
    alias: Mapped[str] = mapped_column(Text)
    script: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(32))
    evidence_id: Mapped[str | None] = mapped_column(ID, _fk("evidence.id"))


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(32))
    sensitivity: Mapped[str] = mapped_column(String(16), default="internal")

    __table_args__ = (_sensitivity(), Index("ix_organisations_name", "name", "id"))


class OrganisationAlias(Base):
    __tablename__ = "organisation_aliases"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ID, _fk("organisations.id"), index=True)
    alias: Mapped[str] = mapped_column(Text)
    script: Mapped[str | None] = mapped_column(String(16))
    evidence_id: Mapped[str | None] = mapped_column(ID, _fk("evidence.id"))


EVENT_TYPES = tuple(member.value for member in EventType)


def _one_of(column: str, values: list[str] | tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} in ({listed})", name=name)


class Event(Base):
    """One thing that happened on a date to persons and/or organisations."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(24))
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="candidate")
    law_id: Mapped[str | None] = mapped_column(String(64))
    offence_id: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(Text)
    count: Mapped[int | None] = mapped_column(Integer)
    counts_type: Mapped[str | None] = mapped_column(String(24))
    sentence_months: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    made_by: Mapped[str | None] = mapped_column(String(96))  # rule/extractor name and version
    sensitivity: Mapped[str] = mapped_column(String(16), default="internal")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        _one_of("type", EVENT_TYPES, "type"),
        _one_of("status", ("candidate", "confirmed", "rejected"), "status"),
        _one_of("date_precision", ("day", "month", "year", "approx"), "date_precision"),
        CheckConstraint("count IS NULL OR count >= 0", name="count"),
        _sensitivity(),
        Index("ix_events_type_date", "type", "date"),
        # The pages' orders (web lists: dated first, newest first; the review queue: dated
        # first, oldest first), so a page reads its rows in order instead of sorting them all.
        Index("ix_events_listed", text("(date IS NOT NULL)"), "date", "id"),
        Index("ix_events_type_listed", "type", text("(date IS NOT NULL)"), "date", "id"),
        Index("ix_events_status_queue", "status", text("(date IS NULL)"), "date", "id"),
    )


class EventParticipant(Base):
    """A person or organisation taking part in an event, in a role, with an age if stated."""

    __tablename__ = "event_participants"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, _fk("events.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ID, _fk("persons.id"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ID, _fk("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="subject")
    age: Mapped[int | None] = mapped_column(Integer)
    evidence_id: Mapped[str | None] = mapped_column(ID, _fk("evidence.id"))

    __table_args__ = (
        CheckConstraint(
            "(person_id IS NULL) <> (organisation_id IS NULL)", name="person_or_organisation"
        ),
        _one_of("role", ("subject", "agent", "other"), "role"),
        CheckConstraint("age IS NULL OR (age >= 0 AND age < 130)", name="age"),
    )


class EventEvidence(Base):
    """Which evidence span backs which field of an event, and which rule read it."""

    __tablename__ = "event_evidence"

    event_id: Mapped[str] = mapped_column(ID, _fk("events.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(24), primary_key=True)
    evidence_id: Mapped[str] = mapped_column(ID, _fk("evidence.id"), primary_key=True)
    rule: Mapped[str | None] = mapped_column(String(96))

    __table_args__ = (Index("ix_event_evidence_evidence_id", "evidence_id"),)


class Mention(Base):
    """A person or organisation as named in one source, before resolution links it."""

    __tablename__ = "mentions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    source_id: Mapped[str] = mapped_column(ID, _fk("sources.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(ID, _fk("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    chinese_name: Mapped[str | None] = mapped_column(Text)
    age: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16), default="subject")
    evidence_id: Mapped[str] = mapped_column(ID, _fk("evidence.id"))
    person_id: Mapped[str | None] = mapped_column(ID, _fk("persons.id"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ID, _fk("organisations.id"))
    made_by: Mapped[str | None] = mapped_column(String(96))

    __table_args__ = (
        _one_of("kind", ("person", "organisation"), "kind"),
        CheckConstraint("age IS NULL OR (age >= 0 AND age < 130)", name="age"),
    )


class Extraction(Base):
    """That a source was read by an extractor version, so reruns skip it."""

    __tablename__ = "extractions"

    source_id: Mapped[str] = mapped_column(ID, _fk("sources.id"), primary_key=True)
    extractor: Mapped[str] = mapped_column(String(96), primary_key=True)
    extracted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    events: Mapped[int] = mapped_column(Integer)


class Case(Base):
    """One person's path through one proceeding, grouping events."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, _fk("persons.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    law_id: Mapped[str | None] = mapped_column(String(64))
    sensitivity: Mapped[str] = mapped_column(String(16), default="internal")

    __table_args__ = (_sensitivity(),)


class CaseEvent(Base):
    __tablename__ = "case_events"

    case_id: Mapped[str] = mapped_column(ID, _fk("cases.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, _fk("events.id"), primary_key=True)


class AuditEntry(Base):
    """One append-only entry of the audit log, chained to the previous by its hash."""

    __tablename__ = "audit_log"
    record = False

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class AuditHead(Base):
    """The chain's newest (seq, hash), so that deleting the last entries is detected too."""

    __tablename__ = "audit_head"
    record = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class IdentityLink(Base):
    """A resolver's (or reviewer's) decision about which identity a mention names, and why."""

    __tablename__ = "identity_links"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    mention_id: Mapped[str] = mapped_column(ID, _fk("mentions.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ID, _fk("persons.id"), index=True)
    organisation_id: Mapped[str | None] = mapped_column(ID, _fk("organisations.id"))
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(48))
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of sentences
    decision: Mapped[str] = mapped_column(String(12))
    decided_by: Mapped[str] = mapped_column(String(128))
    resolver: Mapped[str] = mapped_column(String(96))

    __table_args__ = (
        _one_of("decision", ("auto", "queued", "new", "accepted", "rejected"), "decision"),
        CheckConstraint(
            "(person_id IS NULL) <> (organisation_id IS NULL)", name="person_or_organisation"
        ),
        Index("ix_identity_links_decision", "decision", "id"),
    )


class EventMerge(Base):
    """That a candidate event reports the same thing as another: merged into it, reversibly.

    `moved` lists (JSON) the rows moved to `into_event_id`, so the merge can be undone.
    """

    __tablename__ = "event_merges"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    merged_event_id: Mapped[str] = mapped_column(ID, _fk("events.id"), index=True)
    into_event_id: Mapped[str] = mapped_column(ID, _fk("events.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(Text)
    moved: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(12))
    decided_by: Mapped[str] = mapped_column(String(128))
    resolver: Mapped[str] = mapped_column(String(96))

    __table_args__ = (_one_of("decision", ("auto", "accepted", "rejected"), "decision"),)


class PersonNameKey(Base):
    """Blocking keys of a person's aliases (`resolve.names.keys`), to find candidates by lookup."""

    __tablename__ = "person_name_keys"
    record = False

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    alias_id: Mapped[str] = mapped_column(ID, _fk("person_aliases.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, _fk("persons.id"), index=True)

    __table_args__ = (Index("ix_person_name_keys_alias_id", "alias_id"),)


class MinorOverride(Base):
    """A reviewer's decision that a minor's identity may be published after all, and why.

    Persons under 18 at any event are `restricted` and redacted from every publication;
    the publish step reads this table (`store.minors.minor_override`) for the exception.
    """

    __tablename__ = "minor_overrides"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ID, _fk("persons.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """Someone who uses casebook: a role, a clearance, an Argon2id password hash."""

    __tablename__ = "users"
    record = False
    audited = True
    audit_digest = frozenset({"password_hash"})

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    clearance: Mapped[str] = mapped_column(String(16), default="internal")
    password_hash: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        _one_of("role", ROLES, "role"),
        _one_of("clearance", ("internal", "restricted"), "clearance"),
    )


class ApiToken(Base):
    """An API token: only the SHA-256 of its secret is kept; scopes are action names."""

    __tablename__ = "api_tokens"
    record = False
    audited = True
    audit_digest = frozenset({"secret_sha256"})

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), _fk("users.name"), index=True)
    label: Mapped[str] = mapped_column(Text)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text)  # space-separated actions
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed password attempts per login name, so a lock holds across processes."""

    __tablename__ = "login_throttle"
    record = False

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CountFact(Base):
    """Derived from the record for one counting rule, so a Figure is a few range queries.

    Kinds: `lower`/`upper` — a person, organisation, case or event counted for certain /
    possibly from `start` (until `end`, for current states); `anon` — people in a stated
    count beyond those named; `floor` — an event's whole count, the least any figure
    holding it can be. Rebuilt when the record changes (`count_state`).
    """

    __tablename__ = "count_facts"
    record = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    item: Mapped[str] = mapped_column(String(64))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    month: Mapped[str | None] = mapped_column(String(7))
    law: Mapped[str | None] = mapped_column(String(64))
    offence: Mapped[str | None] = mapped_column(String(64))
    age: Mapped[str | None] = mapped_column(String(8))
    events: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_count_facts_rule_kind_start", "rule", "kind", "start"),)


class CountStep(Base):
    """A rule's facts of one kind summed as they hold from `day` on: how many items, their
    total weight, the largest weight — so a bound on any date is one indexed lookup."""

    __tablename__ = "count_steps"
    record = False

    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    items: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer)
    largest: Mapped[int] = mapped_column(Integer)


class CountState(Base):
    """Which record state (the audit chain's head) a rule's count facts were built from."""

    __tablename__ = "count_state"
    record = False

    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    audit_seq: Mapped[int] = mapped_column(Integer)
    audit_hash: Mapped[str] = mapped_column(String(64))


class FieldSensitivity(Base):
    """One field of a record graded apart from the record: an event's place `restricted`
    while the event is `public`, say. A field without a grade has its record's."""

    __tablename__ = "field_sensitivity"

    entity: Mapped[str] = mapped_column(String(16), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    field: Mapped[str] = mapped_column(String(24), primary_key=True)
    sensitivity: Mapped[str] = mapped_column(String(16))

    __table_args__ = (_sensitivity(),)


RECORD_TABLES: tuple[type[Base], ...] = (
    Source,
    SourceOriginal,
    Evidence,
    Person,
    PersonAlias,
    Organisation,
    OrganisationAlias,
    Event,
    EventParticipant,
    EventEvidence,
    Mention,
    Extraction,
    Case,
    CaseEvent,
    IdentityLink,
    EventMerge,
    MinorOverride,
    FieldSensitivity,
)

__all__ = [
    "RECORD_TABLES",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Case",
    "CaseEvent",
    "CountFact",
    "CountState",
    "CountStep",
    "Event",
    "EventEvidence",
    "EventMerge",
    "EventParticipant",
    "Evidence",
    "Extraction",
    "FieldSensitivity",
    "IdentityLink",
    "LoginThrottle",
    "Mention",
    "MinorOverride",
    "Organisation",
    "OrganisationAlias",
    "Person",
    "PersonAlias",
    "PersonNameKey",
    "Source",
    "SourceBand",
    "SourceOriginal",
    "User",
]
