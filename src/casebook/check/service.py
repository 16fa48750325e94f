"""Checking a text against the record: its claims, each with a verdict (docs/check.md).

`check_text` is what `casebook check FILE --published D` calls: find the claims
(check.claims), pick the counting rule that answers each, compute the rule's Figure at
the claim's date and the published totals beside it (count.figures), and judge
(check.verdicts). Figures only read the record (computing one may refresh the count
stage's cached facts, as `casebook count` does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from casebook.check.claims import Claim, ClaimFinder, Measure, Scope, dated_at
from casebook.check.verdicts import (
    Bounds,
    Interval,
    Judgement,
    TotalLike,
    Verdict,
    age_bounds,
    bounds_at,
    claimed,
    confusion_note,
    judge,
    period_bounds,
)
from casebook.config import Config
from casebook.count.figures import Figure, compute_figure
from casebook.count.rules import CountingRule, Rulebook, load_rulebook
from casebook.store.engine import Store

# Published totals of every date come from the figure at the end of time.
EVERYTHING = dt.date(9999, 12, 31)
NOUNS = {
    "persons": "people",
    "organisations": "organisations",
    "cases": "cases",
    "events": "events",
}
SHOWN_SOURCES = 3


@dataclass(frozen=True)
class FigureRange:
    lower: int
    upper: int
    as_of: dt.date


@dataclass(frozen=True)
class ClaimVerdict:
    """One claim and its verdict; `as_json()` is the `casebook check --json` contract."""

    claim: Claim
    verdict: Verdict
    reason: str
    figure: FigureRange | None = None
    rule: str | None = None  # the counting rule's key, "nsl-arrests@1"
    sources: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        claim = self.claim
        figure = self.figure
        return {
            "text": claim.text,
            "start": claim.start,
            "end": claim.end,
            "quantity": claim.quantity,
            "qualifier": claim.qualifier,
            "about": {"type": claim.type, "law": claim.law},
            "verdict": self.verdict.value,
            "figure": None
            if figure is None
            else {"lower": figure.lower, "upper": figure.upper, "as_of": figure.as_of.isoformat()},
            "reason": self.reason,
        }


def check_text(
    store: Store,
    config: Config,
    text: str,
    published: dt.date,
    *,
    finder: ClaimFinder | None = None,
    rulebook: Rulebook | None = None,
) -> list[ClaimVerdict]:
    """Every claim in `text` (published on `published`), judged against the record."""
    finder = finder or ClaimFinder.default(config.jurisdiction)
    record = _Record(store, config, rulebook or load_rulebook(config.jurisdiction))
    return [record.check(claim, published) for claim in finder.find(text, published)]


@dataclass
class _Record:
    """Figures and published totals for one check run, each computed once."""

    store: Store
    config: Config
    rulebook: Rulebook
    _figures: dict[tuple[str, dt.date], Figure] = field(default_factory=dict)

    def figure(self, rule: CountingRule, day: dt.date) -> Figure:
        key = (rule.key, day)
        if key not in self._figures:
            self._figures[key] = compute_figure(
                self.store, rule, day, rulebook=self.rulebook, actor=self.config.actor
            )
        return self._figures[key]

    def totals(self, rule: CountingRule) -> tuple[TotalLike, ...]:
        return self.figure(rule, EVERYTHING).reported

    def bounds(self, rule: CountingRule, day: dt.date) -> Bounds:
        return bounds_at(day, self.figure(rule, day), self.totals(rule), rule.mode)

    def check(self, claim: Claim, published: dt.date) -> ClaimVerdict:
        if claim.measure is Measure.AGE:
            return self.check_age(claim, published)
        if claim.scope is Scope.EVENT:
            return _unverifiable(
                claim, "a single undated event: the record's figures answer counts as of a date"
            )
        interval = claimed(claim)
        rule = self.rule_for(claim)
        if interval is None or rule is None:
            return _unverifiable(claim, f"no counting rule answers {_question(claim)}")
        day, start = self.period(claim, published)
        if rule.mode == "current":
            start = None  # "100 were in custody in July" is the state at the period's end
        if start is not None and start >= day:
            return _unverifiable(claim, "the period it counts had not begun by publication")
        record = self.bounds(rule, day)
        if start is not None:
            record = period_bounds(self.bounds(rule, start), record)
        if _is_part(claim.law, rule):
            record = record.part(claim.law or "")
        if record.floor == 0 and record.ceiling is None and self.figure(rule, day).upper == 0:
            return _unverifiable(
                claim,
                f"{rule.title} as of {day.isoformat()}: the record has nothing on it "
                f"[rule {rule.key}]",
                self.figure_range(rule, day, start),
                rule,
            )
        judgement = judge(interval, record, NOUNS.get(rule.counts, rule.counts))
        if judgement.verdict is not Verdict.SUPPORTED and start is None:
            judgement = self.with_confusion(judgement, interval, rule, day)
        return self.verdict(claim, rule, day, start, judgement)

    def check_age(self, claim: Claim, published: dt.date) -> ClaimVerdict:
        """ "As young as 15": the ages published with the totals for the same question."""
        rule = self.rule_for(claim)
        if rule is None or claim.quantity is None:
            return _unverifiable(claim, f"no counting rule answers {_question(claim)}")
        day = dated_at(claim, published)
        youngest = claim.qualifier == "as young as"
        record = age_bounds(day, self.totals(rule), youngest)
        if record.floor == 0 and record.ceiling is None:
            return _unverifiable(
                claim,
                f"{rule.title} as of {day.isoformat()}: no published total in the record gives "
                f"their ages [rule {rule.key}]",
            )
        who = "the youngest" if youngest else "the oldest"
        judgement = judge(Interval(claim.quantity, claim.quantity), record, f"years for {who}")
        why = judgement.reason
        if judgement.verdict is Verdict.SUPPORTED:
            basis = record.ceiling_from if record.ceiling == claim.quantity else record.floor_from
            why = f"{who} was aged {claim.quantity} ({basis or record.floor_from})"
        reason = f"{rule.title} as of {day.isoformat()}, ages: {why}"
        reason += f" [rule {rule.key}; sources {', '.join(judgement.sources)}]"
        return ClaimVerdict(
            claim, judgement.verdict, _one_line(reason), None, rule.key, judgement.sources
        )

    def rule_for(self, claim: Claim) -> CountingRule | None:
        """The rule answering the claim's type and law, else the law its series covers."""
        laws: list[str | None] = [claim.law]
        catalogue = self.rulebook.catalogue
        if claim.law is None and claim.series and catalogue.knows(claim.series):
            laws = list(catalogue.series_by_id(claim.series).covers)
        for law in laws:
            rules = self.rulebook.answering(claim.type, law)
            if rules:
                return rules[0]
        return None

    @staticmethod
    def period(claim: Claim, published: dt.date) -> tuple[dt.date, dt.date | None]:
        """The claim's as-of day and, for a period claim, the day before the period."""
        if claim.scope is Scope.PERIOD and claim.date is not None:
            first, last = claim.date.bounds()
            return min(last, published), first - dt.timedelta(days=1)
        return dated_at(claim, published), None

    def with_confusion(
        self, judgement: Judgement, interval: Interval, rule: CountingRule, day: dt.date
    ) -> Judgement:
        """Say so when the number fits another population counted from the same events."""
        for other in self.rulebook.rules:
            if other.id == rule.id or other.events != rule.events or other.counts != rule.counts:
                continue
            found = self.bounds(other, day)
            note = confusion_note(interval, found, other.title)
            if note is None:
                continue
            if judgement.verdict is not Verdict.CONTRADICTED:
                note = note.replace("likely confusion with", "the number fits")
            sources = tuple(dict.fromkeys(judgement.sources + found.sources))
            return Judgement(judgement.verdict, f"{judgement.reason}; {note}", sources)
        return judgement

    def figure_range(self, rule: CountingRule, day: dt.date, start: dt.date | None) -> FigureRange:
        """The rule's Figure at the day; for a period, the number within it."""
        end = self.figure(rule, day)
        if start is None:
            return FigureRange(end.lower, end.upper, day)
        before = self.figure(rule, start)
        return FigureRange(max(end.lower - before.upper, 0), max(end.upper - before.lower, 0), day)

    def verdict(
        self,
        claim: Claim,
        rule: CountingRule,
        day: dt.date,
        start: dt.date | None,
        judgement: Judgement,
    ) -> ClaimVerdict:
        figure = self.figure(rule, day)
        sources = judgement.sources or figure.sources
        shown = ", ".join(sources[:SHOWN_SOURCES])
        more = f" and {len(sources) - SHOWN_SOURCES} more" if len(sources) > SHOWN_SOURCES else ""
        when = (
            f"from {(start + dt.timedelta(days=1)).isoformat()} to {day.isoformat()}"
            if start
            else f"as of {day.isoformat()}"
        )
        reason = f"{rule.title} {when}: {judgement.reason} [rule {rule.key}"
        reason += f"; sources {shown}{more}]" if shown else "]"
        return ClaimVerdict(
            claim,
            judgement.verdict,
            _one_line(reason),
            self.figure_range(rule, day, start),
            rule.key,
            tuple(sources),
        )


def _unverifiable(
    claim: Claim,
    reason: str,
    figure: FigureRange | None = None,
    rule: CountingRule | None = None,
) -> ClaimVerdict:
    return ClaimVerdict(
        claim, Verdict.UNVERIFIABLE, _one_line(reason), figure, rule.key if rule else None
    )


def _is_part(law: str | None, rule: CountingRule) -> bool:
    """A claim under one of a rule's laws other than its first counts part of its population.

    The first law names the whole: arrests "under the national security law" are the
    national-security series (DESIGN.md), sedition arrests only a part of it.
    """
    if law is None or not rule.laws or law == rule.laws[0]:
        return False
    return any(not (cover == law or cover.startswith(law + ".")) for cover in rule.laws)


def _question(claim: Claim) -> str:
    kind = (claim.type or "events").replace("_", " ")
    if claim.law:
        return f"{kind} claims under {claim.law}"
    if claim.series:
        return f"{kind} claims in {claim.series}"
    return f"{kind} claims that name no law"


def _one_line(text: str) -> str:
    return " ".join(text.split())
