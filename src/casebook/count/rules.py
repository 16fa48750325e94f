"""Counting rules: ``rules/<jurisdiction>.yaml`` data (docs/counting.md) and their reader.

A rule says what is counted — which events, under which laws, persons or cases or
organisations, cumulative or current, how uncertain dates and unreviewed events are
placed — so that every Figure can name the rule and version that made it. Every problem
in a file is raised at once in one RuleError, each with its place.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from casebook.errors import CasebookError, NotFoundError
from casebook.laws.catalogue import Catalogue, load_catalogue
from casebook.model import EventType

_PACKAGE = "casebook.count"
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Phrase = Annotated[str, StringConstraints(min_length=1, to_lower=True, strip_whitespace=True)]
# A claim may be about being in custody, which is a state, not an event type.
CLAIM_TYPES = (*(member.value for member in EventType), "detained")


class RuleError(CasebookError):
    """A rules file that cannot be used; lists every problem with its place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("counting rules have problems:\n  " + "\n  ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportedTotals(_Strict):
    """Which published totals (reported_total events) answer the same question.

    A total matches when the law it names (if any) is one of `laws`, its quote has one of
    `phrases` (if any are listed), and none of `not_phrases`.
    """

    laws: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    not_phrases: tuple[Phrase, ...] = ()


class ClaimPattern(_Strict):
    """A kind of claim this rule answers: an event type and, optionally, its laws."""

    type: str
    laws: tuple[str, ...] = ()


class CountingRule(_Strict):
    """One counting question, answered the same way every time (see docs/counting.md)."""

    id: RuleId
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    question: str = Field(min_length=1)
    counts: Literal["persons", "cases", "events", "organisations"]
    mode: Literal["cumulative", "current"] = "cumulative"
    events: tuple[EventType, ...] = Field(min_length=1)
    laws: tuple[str, ...] = ()
    unknown_law: Literal["exclude", "upper", "include"] = "exclude"
    agents: tuple[Phrase, ...] = ()
    since: dt.date | None = None
    month_only: Literal["range", "start", "end"] = "range"
    candidates: Literal["include", "upper", "exclude"] = "include"
    reported_totals: ReportedTotals = ReportedTotals()
    claims: tuple[ClaimPattern, ...] = ()
    notes: str | None = None

    @property
    def key(self) -> str:
        """The rule's id and version, as every Figure names it: ``nsl-arrests@1``."""
        return f"{self.id}@{self.version}"

    @property
    def facts_key(self) -> str:
        """What a rule's derived facts are filed under: its key and a digest of its text, so
        two rules files that reuse an id and version never share facts."""
        digest = hashlib.sha256(self.text().encode("utf-8")).hexdigest()[:12]
        return f"{self.key}#{digest}"

    def text(self) -> str:
        """The rule as YAML, in a fixed key order: the exact definition a Figure used."""
        data = self.model_dump(mode="json", exclude_defaults=False)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)

    def answers(self, event_type: str | None, law: str | None) -> bool:
        """Whether a claim about `event_type` under `law` is the question this rule counts."""
        for pattern in self.claims:
            if pattern.type != event_type:
                continue
            if not pattern.laws or (law is None and not self.laws):
                return True
            if law is not None and any(within(law, cover) for cover in pattern.laws):
                return True
        return False


def within(law: str, cover: str) -> bool:
    """A law or offence id is within a cover that is it, its law, or one of its offences."""
    return law == cover or law.startswith(cover + ".") or cover.startswith(law + ".")


class _File(_Strict):
    rulebook: str
    catalogue: str
    version: int = Field(ge=1)
    rules: tuple[CountingRule, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Rulebook:
    """The counting rules of one jurisdiction, checked against its law catalogue."""

    name: str
    version: int
    rules: tuple[CountingRule, ...]
    catalogue: Catalogue

    def get(self, rule_id: str) -> CountingRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        known = ", ".join(rule.id for rule in self.rules)
        raise NotFoundError(f"no counting rule '{rule_id}' (known: {known})")

    def answering(self, event_type: str | None, law: str | None) -> list[CountingRule]:
        """The rules that count what a claim about `event_type` under `law` states."""
        return [rule for rule in self.rules if rule.answers(event_type, law)]


def load_rulebook(jurisdiction: str = "hk", path: Path | None = None) -> Rulebook:
    """The shipped rules of `jurisdiction`, or a rules file of one's own at `path`."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise RuleError([f"{path}: cannot read ({error.strerror})"]) from None
        return read_rulebook(text, path.name)
    return _shipped(jurisdiction)


@functools.cache
def _shipped(jurisdiction: str) -> Rulebook:
    resource = importlib.resources.files(_PACKAGE) / "rules" / f"{jurisdiction}.yaml"
    if not resource.is_file():
        raise NotFoundError(f"no counting rules for jurisdiction '{jurisdiction}'")
    return read_rulebook(resource.read_text(encoding="utf-8"), f"{jurisdiction}.yaml")


def read_rulebook(text: str, filename: str = "<rules>") -> Rulebook:
    """Parse and check a rules file; RuleError lists every problem with its place."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        raise RuleError([f"{filename}:{where} YAML syntax error"]) from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as error:
        raise RuleError([_problem(filename, item) for item in error.errors()]) from None
    catalogue = load_catalogue(parsed.catalogue)
    problems = _cross_references(parsed, catalogue, filename)
    if problems:
        raise RuleError(problems)
    return Rulebook(parsed.rulebook, parsed.version, parsed.rules, catalogue)


def _problem(filename: str, item: object) -> str:
    details = item if isinstance(item, dict) else {}
    place = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in details.get("loc", ())
    ).lstrip(".")
    return f"{filename}: {place or 'file'}: {details.get('msg', 'invalid')}"


def _cross_references(parsed: _File, catalogue: Catalogue, filename: str) -> list[str]:
    """Every law id must be in the catalogue; rule ids unique; claim types known."""
    problems, seen = [], set[str]()
    for index, rule in enumerate(parsed.rules):
        where = f"{filename}: rules[{index}]"
        if rule.id in seen:
            problems.append(f"{where}.id: duplicate rule id '{rule.id}'")
        seen.add(rule.id)
        listed = [("laws", rule.laws), ("reported_totals.laws", rule.reported_totals.laws)]
        listed += [(f"claims[{n}].laws", claim.laws) for n, claim in enumerate(rule.claims)]
        for field, laws in listed:
            for position, law in enumerate(laws):
                if not catalogue.knows(law):
                    problems.append(f"{where}.{field}[{position}]: unknown law or offence '{law}'")
        for position, claim in enumerate(rule.claims):
            if claim.type not in CLAIM_TYPES:
                problems.append(f"{where}.claims[{position}].type: unknown type '{claim.type}'")
    return problems
