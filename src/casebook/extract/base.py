"""The extraction interface: text → candidate events, every field backed by a quote.

Callers depend on `Extractor` and `ExtractedEvent` only, so a stronger backend can be
added beside the rule-based one without touching them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from casebook.model import EventType, FuzzyDate


@dataclass(frozen=True, slots=True)
class Span:
    """A character range of the source text and the exact quote it covers."""

    start: int
    end: int
    quote: str

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "quote": self.quote}


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """Where a field's value came from and which rule (with version) read it."""

    span: Span
    rule: str


@dataclass(slots=True)
class PersonMention:
    name: str
    span: Span
    age: int | None = None
    chinese_name: str | None = None


@dataclass(slots=True)
class OrganisationMention:
    name: str
    span: Span


@dataclass(slots=True)
class ExtractedEvent:
    """One candidate event as proposed by an extractor, never confirmed by it."""

    type: EventType
    evidence: Span
    rule: str
    date: FuzzyDate | None = None
    persons: list[PersonMention] = field(default_factory=list)
    organisations: list[OrganisationMention] = field(default_factory=list)
    count: int | None = None
    counts_type: EventType | None = None
    law: str | None = None
    offence: str | None = None
    sentence_months: float | None = None
    place: str | None = None
    ages: tuple[int | None, int | None] | None = None
    confidence: float = 0.5
    fields: dict[str, FieldEvidence] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The JSON contract of `casebook extract FILE --json` (docs/extraction.md)."""
        contract: dict[str, Any] = {
            "type": self.type.value,
            "date": self.date.iso() if self.date else None,
            "date_precision": self.date.precision.value if self.date else None,
            "persons": [{"name": p.name, "age": p.age} for p in self.persons],
            "organisations": [o.name for o in self.organisations],
            "count": self.count,
            "law": self.law,
            "offence": self.offence,
            "sentence_months": self.sentence_months,
            "place": self.place,
            "evidence": self.evidence.as_json(),
            "confidence": round(self.confidence, 3),
        }
        if self.type is EventType.REPORTED_TOTAL:
            contract["counts_type"] = self.counts_type.value if self.counts_type else None
        return contract


class Extractor(Protocol):
    """Anything that proposes events from text. `name` and `version` go on every event."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def extract(self, text: str, published: dt.date | None) -> list[ExtractedEvent]: ...

    def extract_many(
        self, texts: Iterable[tuple[str, dt.date | None]]
    ) -> Iterator[list[ExtractedEvent]]: ...
