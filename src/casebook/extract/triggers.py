"""Event triggers: token patterns (data, patterns/triggers.yaml) that propose event types."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Span, Token

from casebook.errors import CasebookError
from casebook.model import EventType


class PatternError(CasebookError):
    """The trigger patterns are malformed; lists every problem with its location."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("trigger patterns are invalid:\n  " + "\n  ".join(problems))


@dataclass(frozen=True, eq=False)
class TriggerRule:
    id: str
    type: EventType
    pattern: list[dict[str, Any]]
    head: int | None  # which matched token anchors the event in the parse (None: the only one)


@dataclass(frozen=True)
class Trigger:
    """A match in a sentence: the rule that fired and the token the event hangs from."""

    rule: TriggerRule
    token: Token
    start: int  # token indices of the whole match, in the doc
    end: int

    @property
    def type(self) -> EventType:
        return self.rule.type


@dataclass(frozen=True, eq=False)
class TriggerSet:
    version: int
    rules: tuple[TriggerRule, ...]

    @property
    def name(self) -> str:
        return f"triggers.v{self.version}"


@cache
def load_triggers() -> TriggerSet:
    text = (resources.files("casebook.extract") / "patterns" / "triggers.yaml").read_text("utf-8")
    return parse_triggers(text, "triggers.yaml")


def parse_triggers(text: str, origin: str) -> TriggerSet:
    """Read and check trigger rules; every problem is reported at once."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PatternError([f"{origin}: not valid YAML: {error}"]) from error
    if not isinstance(data, dict) or not isinstance(data.get("triggers"), list):
        raise PatternError([f"{origin}: needs a 'version' and a 'triggers' list"])
    problems: list[str] = []
    rules = [
        _rule(entry, f"{origin}: triggers[{n}]", problems)
        for n, entry in enumerate(data["triggers"])
    ]
    ids = [rule.id for rule in rules if rule]
    problems += [
        f"{origin}: duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise PatternError(problems)
    return TriggerSet(int(data.get("version", 0)), tuple(r for r in rules if r))


def _rule(entry: Any, where: str, problems: list[str]) -> TriggerRule | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    missing = [key for key in ("id", "type", "pattern") if key not in entry]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
        return None
    try:
        kind = EventType(entry["type"])
    except ValueError:
        problems.append(f"{where} ({entry['id']}): unknown event type {entry['type']!r}")
        return None
    pattern = entry["pattern"]
    head = entry.get("head")
    if not isinstance(pattern, list) or not pattern:
        problems.append(f"{where} ({entry['id']}): pattern must be a non-empty list")
        return None
    if head is None and len(pattern) > 1:
        problems.append(f"{where} ({entry['id']}): a multi-token pattern needs 'head'")
    return TriggerRule(str(entry["id"]), kind, pattern, head)


@cache
def _matcher(nlp: Language, triggers: TriggerSet) -> Matcher:
    matcher = Matcher(nlp.vocab, validate=True)
    problems = []
    for rule in triggers.rules:
        try:
            matcher.add(rule.id, [rule.pattern])
        except (ValueError, KeyError) as error:
            problems.append(f"triggers.yaml: {rule.id}: {error}")
    if problems:
        raise PatternError(problems)
    return matcher


def find_triggers(nlp: Language, triggers: TriggerSet, sentence: Span) -> list[Trigger]:
    """Triggers in one sentence; where two rules anchor on one token, the longer match wins."""
    by_id = {rule.id: rule for rule in triggers.rules}
    best: dict[int, Trigger] = {}
    matches: list[tuple[int, int, int, list[int]]] = _matcher(nlp, triggers)(
        sentence, with_alignments=True
    )  # type: ignore[assignment]
    for match_id, start, end, alignment in matches:
        rule = by_id[nlp.vocab.strings[match_id]]
        # Optional pattern tokens shift positions: find the token matched by the head element.
        offset = alignment.index(rule.head or 0) if (rule.head or 0) in alignment else 0
        token = sentence[start + offset]
        found = Trigger(rule, token, sentence.start + start, sentence.start + end)
        current = best.get(token.i)
        if current is None or (found.end - found.start) > (current.end - current.start):
            best[token.i] = found
    return [best[i] for i in sorted(best)]
