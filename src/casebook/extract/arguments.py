"""Attaching arguments to a trigger through the parse: who, how many, what age, when, where.

Each function takes the trigger token (and the sentence) and returns what it found with
the tokens it read, so the caller can record a quote span for every field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Span, Token

from casebook.extract import quantities

# Dependents of a verb trigger that name who the event happened to.
PASSIVE_SUBJECTS = frozenset({"nsubjpass"})
ACTIVE_OBJECTS = frozenset({"dobj", "dative"})
INTRANSITIVE_SUBJECTS = frozenset({"nsubj"})
PEOPLE_NOUNS = frozenset(
    {
        "people",
        "person",
        "persons",
        "man",
        "men",
        "woman",
        "women",
        "activist",
        "activists",
        "student",
        "students",
        "teenager",
        "teenagers",
        "protester",
        "protesters",
        "individual",
        "individuals",
        "suspect",
        "suspects",
        "defendant",
        "defendants",
        "journalist",
        "journalists",
        "lawmaker",
        "lawmakers",
        "member",
        "members",
        "youth",
        "youths",
        "minor",
        "minors",
        "boy",
        "boys",
        "girl",
        "girls",
        "staff",
        "figure",
        "figures",
        "democrat",
        "democrats",
        "executive",
        "executives",
        "editor",
        "editors",
        "organiser",
        "organisers",
        "organizer",
        "organizers",
        "leader",
        "leaders",
        "worker",
        "workers",
        "resident",
        "residents",
        "others",
        "those",
    }
)
VAGUE_WORDS = frozenset({"dozens", "scores", "hundreds", "thousands", "several", "handful"})
_HAN = re.compile(r"[\u3400-\u9fff]+")


def argument_roots(trigger: Token, organisation_event: bool = False) -> list[Token]:
    """The tokens heading the phrases that say who or what the event happened to."""
    if organisation_event:
        # "X relocated its team", "X announced its dissolution": the organisation is the subject.
        verb = trigger.head if trigger.pos_ in {"NOUN", "PROPN"} else trigger
        subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if subjects:
            return subjects
    found = _direct_arguments(trigger)
    if not found and trigger.dep_ == "conj":
        found = _direct_arguments(trigger.head)  # "arrested in May and charged in June"
    if not found and trigger.dep_ in {"relcl", "acl"}:
        found = [_through_among(trigger.head)]  # "activists who were detained", "those detained"
    if not found and trigger.dep_ in {"xcomp", "advcl"}:
        found = _direct_arguments(trigger.head)  # "the union voted to disband"
    return [token for token in found if token is not None]


def _direct_arguments(verb: Token) -> list[Token]:
    if verb.pos_ in {"NOUN", "PROPN"}:
        return _noun_arguments(verb)
    passive = [c for c in verb.children if c.dep_ in PASSIVE_SUBJECTS]
    if passive:
        return passive
    objects = [c for c in verb.children if c.dep_ in ACTIVE_OBJECTS]
    objects += [
        g
        for c in verb.children
        if c.dep_ == "prep" and c.lower_ == "of"
        for g in c.children
        if g.dep_ == "pobj"
    ]  # "convicted of" is not an object
    if objects:
        return [o for o in objects if o.lower_ not in {"bail"}]
    return [c for c in verb.children if c.dep_ in INTRANSITIVE_SUBJECTS]


def _noun_arguments(noun: Token) -> list[Token]:
    # "the arrest of X", "X's arrest", "arrests of 53 people"
    found = [c for c in noun.children if c.dep_ == "poss"]
    for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ in {"of", "for", "at"}):
        found.extend(g for g in prep.children if g.dep_ == "pobj")
    return found


def is_among_those(trigger: Token) -> bool:
    """ "X was among those detained": the participle names who, through the copula."""
    head = trigger.head
    return head.lower_ == "those" and head.dep_ == "pobj" and head.head.lower_ == "among"


def _through_among(head: Token) -> Token:
    # "a 15-year-old was among those detained": the subject of the copula.
    if head.lower_ == "those" and head.dep_ == "pobj" and head.head.lower_ == "among":
        copula = head.head.head
        subjects = [c for c in copula.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if subjects:
            return subjects[0]
    return head


def tokens_of(roots: Iterable[Token], stop: Token | None = None) -> list[Token]:
    """Every token under the roots, not descending into another trigger's clause."""
    seen: dict[int, Token] = {}
    for root in roots:
        for token in root.subtree:
            if stop is not None and token.i != stop.i and token.dep_ in {"relcl", "acl"}:
                continue
            seen[token.i] = token
    return [seen[i] for i in sorted(seen)]


@dataclass(frozen=True)
class Person:
    name: str
    start: int  # char offsets in the doc
    end: int
    age: int | None
    chinese_name: str | None


def persons_in(sentence: Span, tokens: list[Token], names: list[Span]) -> list[Person]:
    """People named within `tokens`, with an age given beside the name ("Chan, 34,")."""
    inside = {t.i for t in tokens}
    found = []
    for name in names:
        if name.start not in inside:
            continue
        found.append(
            Person(
                _clean_name(name.text),
                name.start_char,
                name.end_char,
                _age_beside(name),
                _chinese_beside(name),
            )
        )
    return found


def _clean_name(text: str) -> str:
    if not _HAN.sub("", text).strip(" ()（）,"):
        return text.strip(" ()（）,")  # a name given only in Chinese characters
    text = _HAN.sub("", text).strip(" ()（）,")
    return re.sub(r"^(?:Mr|Ms|Mrs|Miss|Dr|Prof|Professor)\.?\s+", "", text)


def _age_beside(name: Span) -> int | None:
    doc = name.doc
    after = doc[name.end : name.end + 4]
    for token in after:  # "Chan Siu-ming, 34," or "Chan (34)"
        if token.like_num:
            return quantities.age_from_appositive(token.text)
        if token.text not in {",", "(", "aged"}:
            break
    for token in doc[name.end : name.end + 6]:  # "Chan Siu-ming, aged 34"
        if token.lower_ == "aged" and token.i + 1 < len(doc):
            return quantities.age_from_appositive(doc[token.i + 1].text)
    before = doc[max(name.start - 6, 0) : name.start].text  # "a 34-year-old, Chan"
    found = quantities.parse_age(before)
    return found[0] if found and found[0] == found[1] else None


def _chinese_beside(name: Span) -> str | None:
    window = name.doc.text[name.end_char : name.end_char + 12]
    match = re.match(r"\s*[（(]([\u3400-\u9fff]{2,4})[)）]", window)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Count:
    value: int | None
    start: int
    end: int


def count_in(tokens: list[Token]) -> Count | None:
    """The number of people an event concerns, from a number phrase among its arguments."""
    for token in tokens:
        if not (token.like_num or token.lower_ in VAGUE_WORDS):
            continue
        if token.dep_ not in {"nummod", "nsubjpass", "dobj", "nsubj", "pobj", "compound", "appos"}:
            continue
        phrase = _number_phrase(token)
        before = token.doc[max(token.i - 3, 0) : token.i].text.lower()
        if _is_age_or_time(phrase) or before.endswith(("as young as", "as old as", "aged")):
            continue
        if token.dep_ == "appos" and token.head.pos_ == "PROPN":
            continue  # "Chan Siu-ming, 34,": an age beside a name
        quantity = quantities.parse_quantity(phrase.text)
        if quantity is None:
            continue
        return Count(quantity.value, phrase.start_char, phrase.end_char)
    return None


def _number_phrase(token: Token) -> Span:
    doc = token.doc
    start, end = token.i, token.i + 1
    while (
        start > 0
        and not (doc[start - 1].text == "-" and doc[start - 1].whitespace_)
        and (
            (
                doc[start - 1].dep_ in {"quantmod", "advmod", "amod", "compound", "punct"}
                and doc[start - 1].head.i in range(start, end + 2)
            )
            or (doc[start - 1].like_num and doc[start - 1].head.i in range(start, end + 2))
            or (doc[start - 1].text == "-" and not doc[start - 1].whitespace_)
        )
    ):
        start -= 1
        if doc[start].dep_ == "punct" and doc[start].text not in {"-"}:
            start += 1
            break
    while end < len(doc) and (doc[end].like_num or doc[end].text == "-"):
        end += 1
    return doc[start:end]


def _is_age_or_time(phrase: Span) -> bool:
    following = phrase.doc[phrase.end : phrase.end + 3].text.lower()
    return following.startswith(
        (
            "-year",
            "year",
            "month",
            "week",
            "day",
            "hour",
            "am",
            "pm",
            "%",
            "per cent",
            "percent",
            "hk$",
            "million",
            "premises",
        )
    )


def age_range_in(sentence: Span) -> tuple[int | None, int | None] | None:
    """Ages stated for a group in the sentence: "aged 16 to 19", "as young as 12"."""
    return quantities.parse_age(sentence.text)


def clause_tokens(trigger: Token, other_triggers: list[Token]) -> list[Token]:
    """The trigger's own clause: its subtree, less the subtrees of other triggers under it."""
    excluded: set[int] = set()
    for other in other_triggers:
        if other.i != trigger.i and trigger.is_ancestor(other):
            excluded.update(t.i for t in other.subtree)
    return [t for t in trigger.subtree if t.i not in excluded]
