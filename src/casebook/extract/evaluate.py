"""Score extracted events against a hand-made gold set (docs/extraction-evaluation.md).

A gold set is a folder of pairs `NNN-slug.txt` (the report) + `NNN-slug.json` (its
events). `score()` compares the events of one report and is pure; `evaluate()` runs a
predictor over every report and sums the counts (micro-averaging).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table

from casebook.errors import CasebookError
from casebook.model import EventType

Event = dict[str, Any]
Predict = Callable[[str, date | None], list[Event]]

MATCHING_RULE = "evaluate.pairing.v1"
VALUE_FIELDS = ("date", "count", "law", "offence", "sentence_months")
FIELD_ROWS = ("type", "date", "persons", "age", "count", "law", "offence", "sentence_months")
SENTENCE_TOLERANCE_MONTHS = 0.5
HONORIFICS = frozenset({"mr", "ms", "mrs", "dr", "prof", "cardinal", "rev"})
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|（[^）]*）|【[^】]*】")
_CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_HYPHENS = re.compile(r"[-‐‑‒–—]")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class EvaluationDataError(CasebookError):
    """A gold set is missing or malformed; the message lists every bad file and why."""

    def __init__(self, folder: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"gold set {folder} is invalid:\n  " + "\n  ".join(problems))


@dataclass
class Scores:
    """Micro-averaged counts; a ratio whose denominator is 0 is reported as 0.0."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Scores) -> Scores:
        return Scores(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class GoldReport:
    """One report of the gold set: its text and the events a person found in it."""

    name: str
    text: str
    published: date | None
    events: list[Event]


@dataclass
class ReportScore:
    """The comparison of one report; `pairs` holds (gold index, predicted index)."""

    by_type: dict[str, Scores]
    by_field: dict[str, Scores]
    type_date_law: Scores
    pairs: list[tuple[int, int]]
    name: str = ""

    @property
    def errors(self) -> int:
        """Events wrong or missed: the ranking key for the worst reports."""
        return self.type_date_law.fp + self.type_date_law.fn


@dataclass
class EvaluationReport:
    """Scores summed over every report of a gold set."""

    reports: int
    by_type: dict[str, Scores]
    by_field: dict[str, Scores]
    type_date_law: Scores
    per_report: list[ReportScore] = field(default_factory=list)
    matcher: str = "optimal"

    def worst(self, n: int = 5) -> list[ReportScore]:
        """The n reports with the most wrong or missed events (ties by name), none clean."""
        ranked = sorted(self.per_report, key=lambda r: (-r.errors, r.name))
        return [r for r in ranked if r.errors][:n]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": MATCHING_RULE,
            "matcher": self.matcher,
            "reports": self.reports,
            "by_type": {t: s.to_json() for t, s in sorted(self.by_type.items())},
            "by_field": {f: s.to_json() for f, s in self.by_field.items()},
            "type_date_law": self.type_date_law.to_json(),
            "per_report": [
                {"name": r.name, "errors": r.errors, "type_date_law": r.type_date_law.to_json()}
                for r in self.per_report
            ],
        }

    def render(self, worst: int = 5) -> Group:
        """Three tables: by event type, by field, and the worst reports."""
        types = _scores_table("Event type", sorted(self.by_type.items()))
        rows = [*self.by_field.items(), ("type+date+law", self.type_date_law)]
        fields = _scores_table("Field", rows)
        bad = Table("Report", "Errors", "F1 type+date+law", title="Worst reports")
        for r in self.worst(worst):
            bad.add_row(r.name, str(r.errors), f"{r.type_date_law.f1:.3f}")
        return Group(types, fields, bad)


def _scores_table(title: str, rows: Iterable[tuple[str, Scores]]) -> Table:
    table = Table(title, "TP", "FP", "FN", "Precision", "Recall", "F1", title=f"By {title.lower()}")
    for name, s in rows:
        table.add_row(name, str(s.tp), str(s.fp), str(s.fn), *_ratios(s))
    return table


def _ratios(s: Scores) -> list[str]:
    return [f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}"]


# --- loading the gold set ----------------------------------------------------------


def load_gold(folder: Path) -> list[GoldReport]:
    """Read every pair in folder, or raise EvaluationDataError listing every bad file."""
    if not folder.is_dir():
        raise EvaluationDataError(folder, [f"{folder}: not a folder"])
    problems = [f"{t.name}: no matching .json file" for t in _lone_texts(folder)]
    reports = []
    for path in sorted(folder.glob("*.json")):
        report, found = _read_pair(path)
        problems.extend(f"{path.name}: {p}" for p in found)
        if report:
            reports.append(report)
    if not reports and not problems:
        problems.append(f"{folder}: no .json gold files")
    if problems:
        raise EvaluationDataError(folder, problems)
    return reports


def _lone_texts(folder: Path) -> list[Path]:
    return [t for t in sorted(folder.glob("*.txt")) if not t.with_suffix(".json").exists()]


def _read_pair(path: Path) -> tuple[GoldReport | None, list[str]]:
    text_path = path.with_suffix(".txt")
    try:
        text = text_path.read_text(encoding="utf-8")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [f"no matching {text_path.name}"]
    except UnicodeDecodeError as e:
        return None, [f"not UTF-8 ({e.reason} at byte {e.start})"]
    except json.JSONDecodeError as e:
        return None, [f"not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"]
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return None, ['must be an object with an "events" list']
    problems = _published_problems(data.get("published"))
    for i, event in enumerate(data["events"]):
        problems.extend(f"events[{i}]: {p}" for p in _event_problems(event, text))
    if problems:
        return None, problems
    published = date.fromisoformat(data["published"]) if data.get("published") else None
    return GoldReport(path.stem, text, published, data["events"]), []


def _published_problems(value: Any) -> list[str]:
    try:
        if value is not None:
            date.fromisoformat(value)
    except (TypeError, ValueError):
        return [f'"published" must be a YYYY-MM-DD date or null, not {value!r}']
    return []


def _event_problems(event: Any, text: str) -> list[str]:
    if not isinstance(event, dict):
        return ["must be an object"]
    problems = []
    if event.get("type") not in set(EventType):
        problems.append(f"unknown event type {event.get('type')!r}")
    date_value = event.get("date")
    if date_value is not None and not (isinstance(date_value, str) and _DATE.match(date_value)):
        problems.append(f"date must be YYYY, YYYY-MM, YYYY-MM-DD or null, not {date_value!r}")
    for key, kinds in (("count", (int,)), ("sentence_months", (int, float))):
        value = event.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
            problems.append(f"{key} must be a number or null, not {value!r}")
    problems.extend(_person_problems(event.get("persons", [])))
    problems.extend(_evidence_problems(event.get("evidence"), text))
    return problems


def _person_problems(persons: Any) -> list[str]:
    if not isinstance(persons, list):
        return ["persons must be a list"]
    return [
        f"persons[{i}] must be an object with a non-empty string name"
        for i, p in enumerate(persons)
        if not (isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"].strip())
    ]


def _evidence_problems(evidence: Any, text: str) -> list[str]:
    if not isinstance(evidence, dict):
        return ["evidence must be an object with start, end and quote"]
    start, end, quote = evidence.get("start"), evidence.get("end"), evidence.get("quote")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
        return [f"evidence start/end {start!r}..{end!r} is not a range of the text"]
    if quote != text[start:end]:
        return [f"evidence quote {quote!r} is not the text at {start}..{end}: {text[start:end]!r}"]
    return []


# --- pairing events ------------------------------------------------------------------


def _span(event: Event) -> tuple[int, int] | None:
    evidence = event.get("evidence")
    if not isinstance(evidence, dict):
        return None
    start, end = evidence.get("start"), evidence.get("end")
    return (start, end) if isinstance(start, int) and isinstance(end, int) else None


def _overlap(gold: Event, predicted: Event) -> int:
    a, b = _span(gold), _span(predicted)
    return max(0, min(a[1], b[1]) - max(a[0], b[0])) if a and b else 0


def _date(event: Event) -> str | None:
    value = event.get("date")
    return value.isoformat() if isinstance(value, date) else value


def _pair_key(gold: Event, predicted: Event) -> tuple[int, bool] | None:
    """(overlap in characters, dates equal) of an allowed pair; None if not allowed."""
    if gold.get("type") != predicted.get("type"):
        return None
    overlap = _overlap(gold, predicted)
    same_date = _date(gold) is not None and _date(gold) == _date(predicted)
    return (overlap, same_date) if overlap or same_date else None


def pair_events(gold: list[Event], predicted: list[Event]) -> list[tuple[int, int]]:
    """The one-to-one pairing: most pairs, then most overlap, then most equal dates."""
    # overlap·(k+1) + same_date ranks totals by overlap first: k pairs add at most k.
    k = min(len(gold), len(predicted))
    weights = {
        (g, p): key[0] * (k + 1) + key[1]
        for g, ge in enumerate(gold)
        for p, pe in enumerate(predicted)
        if (key := _pair_key(ge, pe)) is not None
    }
    if not weights:
        return []
    try:
        return _optimal_pairs(weights, len(gold), len(predicted))
    except ImportError:  # pragma: no cover - scipy comes with datasketch
        return _greedy_pairs(weights)


def matcher_name() -> str:
    """Which pairing runs: "optimal" (scipy assignment solver), or "greedy" without scipy."""
    try:
        import scipy.optimize  # noqa: F401
    except ImportError:  # pragma: no cover
        return "greedy"
    return "optimal"


def _optimal_pairs(
    weights: dict[tuple[int, int], int], rows: int, cols: int
) -> list[tuple[int, int]]:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    # One pair is worth more than the weights of any whole assignment, so the solver
    # first maximises the number of pairs, then the summed weights.
    unit = max(weights.values()) * min(rows, cols) + 1
    matrix = np.zeros((rows, cols))
    for (g, p), w in weights.items():
        matrix[g, p] = unit + w
    chosen = zip(*linear_sum_assignment(matrix, maximize=True), strict=True)
    return sorted((int(g), int(p)) for g, p in chosen if (g, p) in weights)


def _greedy_pairs(weights: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    for g, p in sorted(weights, key=lambda k: (-weights[k], k)):
        if all(g != a and p != b for a, b in pairs):
            pairs.append((g, p))
    return sorted(pairs)


# --- scoring one report --------------------------------------------------------------


def normalise_name(name: str) -> frozenset[str]:
    """The token set two spellings of one name share ("Mr Chan Siu-ming" = "CHAN Siu Ming")."""
    bare = _CHINESE.sub(" ", _BRACKETED.sub(" ", name)).casefold()
    tokens = _HYPHENS.sub(" ", bare).replace(".", " ").replace(",", " ").split()
    while tokens and tokens[0] in HONORIFICS:
        tokens.pop(0)
    # A name written only in Chinese characters keeps itself as its key.
    return frozenset(tokens) if tokens else frozenset({name.strip()})


def _same(key: str, gold: Any, predicted: Any) -> bool:
    try:
        if key == "sentence_months":
            return abs(float(gold) - float(predicted)) <= SENTENCE_TOLERANCE_MONTHS
        if key == "count":
            return int(gold) == int(predicted)
    except (TypeError, ValueError):  # a predictor's garbage is simply wrong
        return False
    if key == "date":
        return _date({"date": gold}) == _date({"date": predicted})
    return bool(gold == predicted)


def _field_scores(key: str, gold: Any, predicted: Any, paired: bool) -> Scores:
    """One value against another; unpaired events pass paired=False."""
    hit = paired and gold is not None and predicted is not None and _same(key, gold, predicted)
    return Scores(
        tp=int(hit),
        fp=int(predicted is not None and not hit),
        fn=int(gold is not None and not hit),
    )


def _persons(event: Event | None) -> list[dict[str, Any]]:
    persons = event.get("persons") if event else None
    return [p for p in persons or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]


def _person_scores(gold: Event | None, predicted: Event | None) -> tuple[Scores, Scores]:
    """(names, ages) of one event pair; either side may be None for an unpaired event."""
    left = _persons(predicted)
    names, ages = Scores(), Scores()
    for person in _persons(gold):
        key = normalise_name(person["name"])
        match = next((p for p in left if normalise_name(p["name"]) == key), None)
        if match is None:
            names.fn += 1
            ages += _field_scores("age", person.get("age"), None, False)
            continue
        left.remove(match)
        names.tp += 1
        ages += _field_scores("age", person.get("age"), match.get("age"), True)
    names.fp += len(left)
    for person in left:
        ages += _field_scores("age", None, person.get("age"), False)
    return names, ages


def _event_rows(gold: Event | None, predicted: Event | None) -> dict[str, Scores]:
    """Field rows for one paired event, or for one unpaired gold or predicted event."""
    paired = gold is not None and predicted is not None
    rows = {
        key: _field_scores(key, (gold or {}).get(key), (predicted or {}).get(key), paired)
        for key in VALUE_FIELDS
    }
    rows["persons"], rows["age"] = _person_scores(gold, predicted)
    return rows


def _type_scores(
    gold: list[Event], predicted: list[Event], pairs: list[tuple[int, int]]
) -> dict[str, Scores]:
    by_type: dict[str, Scores] = {}
    paired_g = {g for g, _ in pairs}
    paired_p = {p for _, p in pairs}
    for i, event in enumerate(gold):
        hit = Scores(tp=1) if i in paired_g else Scores(fn=1)
        by_type[event["type"]] = by_type.get(event["type"], Scores()) + hit
    for i, event in enumerate(predicted):
        if i not in paired_p:
            kind = str(event.get("type"))
            by_type[kind] = by_type.get(kind, Scores()) + Scores(fp=1)
    return by_type


def _type_date_law(
    gold: list[Event], predicted: list[Event], pairs: list[tuple[int, int]]
) -> Scores:
    correct = sum(
        _date(gold[g]) == _date(predicted[p]) and gold[g].get("law") == predicted[p].get("law")
        for g, p in pairs
    )
    return Scores(tp=correct, fp=len(predicted) - correct, fn=len(gold) - correct)


def score(gold: list[Event], predicted: list[Event]) -> ReportScore:
    """Compare the events of one report (the rule in docs/extraction-evaluation.md)."""
    pairs = pair_events(gold, predicted)
    by_type = _type_scores(gold, predicted, pairs)
    by_field = {key: Scores() for key in FIELD_ROWS}
    by_field["type"] = _sum(by_type.values())
    paired_g = {g for g, _ in pairs}
    paired_p = {p for _, p in pairs}
    sides: list[tuple[Event | None, Event | None]] = [(gold[g], predicted[p]) for g, p in pairs]
    sides += [(e, None) for i, e in enumerate(gold) if i not in paired_g]
    sides += [(None, e) for i, e in enumerate(predicted) if i not in paired_p]
    for g_event, p_event in sides:
        for key, s in _event_rows(g_event, p_event).items():
            by_field[key] += s
    return ReportScore(by_type, by_field, _type_date_law(gold, predicted, pairs), pairs)


def _sum(scores: Iterable[Scores]) -> Scores:
    return sum(scores, Scores())


# --- the whole gold set --------------------------------------------------------------


def evaluate(folder: Path, predict: Predict) -> EvaluationReport:
    """Run predict over every report of the gold set in folder and sum the scores."""
    per_report = [
        replace(score(r.events, predict(r.text, r.published)), name=r.name)
        for r in load_gold(folder)
    ]
    return summarise(per_report)


def summarise(per_report: list[ReportScore]) -> EvaluationReport:
    """Micro-average: add the counts of every report."""
    types = sorted({t for r in per_report for t in r.by_type})
    return EvaluationReport(
        reports=len(per_report),
        by_type={t: _sum(r.by_type.get(t, Scores()) for r in per_report) for t in types},
        by_field={k: _sum(r.by_field[k] for r in per_report) for k in FIELD_ROWS},
        type_date_law=_sum(r.type_date_law for r in per_report),
        per_report=per_report,
        matcher=matcher_name(),
    )
