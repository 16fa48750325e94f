"""Claims in a text: quantities of people or organisations, what they are about, and when.

A pure function of (text, publication date), built on the extraction stage: the spaCy
parse, the trigger patterns, the count and date readers and the law catalogue phrases
all come from `casebook.extract`; this module only decides which extracted quantities
are checkable claims and what question each one answers (docs/check.md).
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache

import yaml
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token as SpacyToken

from casebook.errors import CasebookError, InputError
from casebook.extract import dates, quantities
from casebook.extract.base import ExtractedEvent
from casebook.extract.rules import RuleExtractor
from casebook.extract.triggers import find_triggers
from casebook.model import DatePrecision, EventType, FuzzyDate

VERSION = "1"


class Scope(StrEnum):
    """Which question a count answers."""

    TOTAL = "total"  # how many as of a date ("310 have been arrested so far")
    PERIOD = "period"  # how many in a dated period ("53 were arrested on 6 January 2021")
    EVENT = "event"  # one undated event ("police arrested 53 activists"): no question to ask


class Measure(StrEnum):
    COUNT = "count"  # how many people or organisations
    AGE = "age"  # how old ("as young as 15")


@dataclass(frozen=True, slots=True)
class Claim:
    """A checkable statement: a quantity, what it counts, under which law, as of when.

    `start`/`end` cover the quantity phrase with its qualifier ("more than 10,000",
    "as young as 15"), and `text` is exactly that slice of the checked text.
    """

    text: str
    start: int
    end: int
    quantity: int | None  # the number as stated; None for vague amounts ("hundreds")
    qualifier: str | None  # canonical (quantities.QUALIFIERS), "as young as", or the vague word
    lower: int | None  # bounds the wording implies, strictness aside ("more than 10" → 10)
    upper: int | None
    measure: Measure
    type: str | None  # the event type counted: arrest, charge, org_disbanded…
    law: str | None  # a catalogue law id
    series: str | None  # a catalogue series the wording names (counted under any law)
    scope: Scope
    date: FuzzyDate | None  # the as-of date (TOTAL) or the period (PERIOD); None: publication
    sentence_start: int
    sentence_end: int


class TextTooLongError(CasebookError):
    """The text is longer than the parser reads in one piece."""


@dataclass(frozen=True)
class Contexts:
    """Wordings beyond the catalogue that say what a claim is about (check/contexts/*.yaml)."""

    version: int
    laws: tuple[tuple[str, str], ...]  # (lower-case phrase, law id)
    series: tuple[tuple[str, str], ...]  # (lower-case phrase, series id)
    states: tuple[tuple[str, str], ...] = ()  # (lower-case phrase, claim type: "detained")


@cache
def load_contexts(jurisdiction: str = "hk") -> Contexts:
    """The packaged context phrases of a jurisdiction; InputError if missing or malformed."""
    resource = importlib.resources.files("casebook.check") / "contexts" / f"{jurisdiction}.yaml"
    origin = f"check/contexts/{jurisdiction}.yaml"
    try:
        data = yaml.safe_load(resource.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InputError(origin, f"cannot be read: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise InputError(origin, "needs a 'version' number and 'laws', 'series', 'states'")
    return Contexts(
        data["version"],
        _phrase_pairs(data.get("laws"), origin),
        _phrase_pairs(data.get("series"), origin),
        _phrase_pairs(data.get("states", {}), origin),
    )


def _phrase_pairs(section: object, origin: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(section, dict) or not all(
        isinstance(phrases, list) and all(isinstance(p, str) for p in phrases)
        for phrases in section.values()
    ):
        raise InputError(origin, "'laws', 'series' and 'states' map an id to a list of phrases")
    pairs = {
        (phrase.lower(), str(target)) for target, phrases in section.items() for phrase in phrases
    }
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair)))


@dataclass
class ClaimFinder:
    """Finds claims with the extractor's parse, triggers, counts, dates and catalogue."""

    extractor: RuleExtractor
    contexts: Contexts

    @classmethod
    def default(cls, jurisdiction: str = "hk") -> ClaimFinder:
        return cls(RuleExtractor.default(jurisdiction), load_contexts(jurisdiction))

    @property
    def version(self) -> str:
        return f"claims-{VERSION}+ctx.v{self.contexts.version}+{self.extractor.version}"

    def find(self, text: str, published: dt.date | None) -> list[Claim]:
        """Every claim in the text, in text order."""
        limit = self.extractor.nlp.max_length
        if len(text) > limit:
            raise TextTooLongError(
                f"the text has {len(text):,} characters; at most {limit:,} can be checked "
                "at once: split it into parts"
            )
        blanked = _blank_markup(text)
        doc = self.extractor.nlp(blanked)
        events = self.extractor.events_of(doc, published)
        found: list[Claim] = []
        for sentence in doc.sents:
            own = [e for e in events if sentence.start_char <= e.evidence.start < sentence.end_char]
            found += _SentenceClaims(self, doc, blanked, sentence, own, published).claims()
        # Offsets index the text as given; `text` is read from it, not from the blanked copy.
        kept = [replace(c, text=text[c.start : c.end]) for c in found]
        return sorted(kept, key=lambda claim: (claim.start, claim.end))


_QUALIFIER_WORDS = "|".join(sorted(map(re.escape, quantities.QUALIFIERS), key=len, reverse=True))
_QUALIFIER_BEFORE = re.compile(rf"(?:^|\W)({_QUALIFIER_WORDS})\s+$", re.IGNORECASE)
_QUALIFIER_AT = re.compile(rf"\b({_QUALIFIER_WORDS})\s+", re.IGNORECASE)
# "the number … has reached 260", "the tally stands at 291": a total without a counted noun.
_REACHED = re.compile(
    r"\b(?:reached|risen to|rose to|climbed to|stands at|stood at|totall?ed|now at)\s+"
    r"((?:(?:more than|at least|about|over|nearly|almost|some) )?\d[\d,]*)",
    re.IGNORECASE,
)
_AGE_EXTREME = re.compile(
    r"\bas\s+(young|old)\s+as\s+(\d{1,3}|[a-z]+(?:-[a-z]+)?)\b", re.IGNORECASE
)
_OPENS_PERIOD = re.compile(r"\b(?:since|from|after)\s+(?:the\s+)?(?:start of\s+|end of\s+)?$", re.I)
_MODIFIES_NOUN = re.compile(r"^\s*(?:protests?|unrest|movement|demonstrations?|riots?)\b", re.I)
_END_OF = re.compile(r"^(?:the\s+)?end\s+of\s+(.+)$", re.I)
_TOTAL_WORDS = re.compile(r"\b(?:so far|to date|in total|a total of|altogether|since)\b", re.I)


class _SentenceClaims:
    """The claims of one sentence."""

    def __init__(
        self,
        finder: ClaimFinder,
        doc: Doc,
        text: str,
        sentence: SpacySpan,
        events: list[ExtractedEvent],
        published: dt.date | None,
    ) -> None:
        self.finder = finder
        self.published = published
        self.doc = doc
        self.text = text  # the doc's text, read once: spaCy rebuilds doc.text on every access
        self.sentence = sentence
        self.events = events
        lowered = sentence.text.lower()
        self.context_law = next((i for p, i in finder.contexts.laws if _has(lowered, p)), None)
        self.series = next((i for p, i in finder.contexts.series if _has(lowered, p)), None)

    def claims(self) -> list[Claim]:
        found = [c for c in map(self._count_claim, self.events) if c is not None]
        found = self._state_claims(found)
        ages = self._age_claims(found)
        # "children as young as 12": the 12 is an age, not how many
        counts = [c for c in found if not any(a.start <= c.start < a.end for a in ages)]
        return counts + ages

    def _state_claims(self, counts: list[Claim]) -> list[Claim]:
        """ "More than 100 people remain behind bars": a count of a state, not an event.

        Returns the sentence's count claims with the state's claim added, or put in place
        of an event the extractor read from the same number ("are detained" as an arrest).
        """
        lowered = self.sentence.text.lower()
        state = next(
            (kind for phrase, kind in self.finder.contexts.states if _has(lowered, phrase)), None
        )
        if state is None:
            return counts
        verb = next((t for t in self.sentence if t.dep_ == "ROOT"), None)
        subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}] if verb else []
        subject = subjects[0] if subjects else None
        number = subject if subject is not None and subject.like_num else None
        if subject is not None and number is None:
            number = next(
                (c for c in subject.children if c.like_num and c.dep_ in {"nummod", "amod"}), None
            )
        if number is None:
            return counts
        same = [c for c in counts if c.start <= number.idx < c.end]
        if same:
            return [replace(c, type=state) if c in same else c for c in counts]
        law = self._law_in_sentence() or self.context_law
        claim = self._quantity_claim(number.idx, number.idx + len(number.text), state, law)
        return counts if claim is None else [*counts, claim]

    def _law_in_sentence(self) -> str | None:
        """The first catalogue law the sentence names (an offence stands for its law)."""
        lowered = self.sentence.text.lower()
        catalogue = self.finder.extractor.catalogue
        for phrase, target in catalogue.phrases():
            if ".series." not in target and _has(lowered, phrase):
                return catalogue.law_of(target).id if target.count(".") >= 2 else target
        return None

    def _count_claim(self, event: ExtractedEvent) -> Claim | None:
        counted = event.counts_type if event.type is EventType.REPORTED_TOTAL else event.type
        span = self._count_span(event)
        if span is None or counted is None:
            return None
        scope, date = self._scope(event)
        if span[2] and scope is Scope.EVENT:
            scope = Scope.TOTAL  # "the number … has reached 260" is a running total
        law = event.law or self.context_law
        return self._quantity_claim(span[0], span[1], counted.value, law, scope, date)

    def _quantity_claim(
        self,
        start: int,
        end: int,
        counted: str,
        law: str | None,
        scope: Scope = Scope.TOTAL,
        date: FuzzyDate | None = None,
    ) -> Claim | None:
        """A count claim from a number's characters, widened over a qualifier before it."""
        start, end = _with_qualifier(self.text, start, end)
        phrase = self.text[start:end]
        quantity = quantities.parse_quantity(phrase)
        if quantity is None:
            return None
        return Claim(
            text=phrase,
            start=start,
            end=end,
            quantity=quantity.value,
            qualifier=quantity.qualifier or _vague_word(phrase, quantity),
            lower=quantity.lower,
            upper=quantity.upper,
            measure=Measure.COUNT,
            type=counted,
            law=law,
            series=self.series,
            scope=scope,
            date=date,
            sentence_start=self.sentence.start_char,
            sentence_end=self.sentence.end_char,
        )

    def _count_span(self, event: ExtractedEvent) -> tuple[int, int, bool] | None:
        """The count's characters, and whether it is a total reached ("has reached 260")."""
        if "count" in event.fields:
            quote = event.fields["count"].span
            return quote.start, quote.end, False
        number = self._number_by_parse(event)
        if number is not None:
            return number.idx, number.idx + len(number.text), False
        reached = _REACHED.search(self.sentence.text)
        if reached is None:
            return None
        base = self.sentence.start_char
        return base + reached.start(1), base + reached.end(1), True

    def _scope(self, event: ExtractedEvent) -> tuple[Scope, FuzzyDate | None]:
        date, field = event.date, event.fields.get("date")
        rule = field.rule if field else ""
        # A published total, or a perfect tense ("had been arrested"), dated to a day or a
        # month is as of that date; dated to a year it counts that year.
        total = event.type is EventType.REPORTED_TOTAL or self._perfect(event)
        ending = _END_OF.match(field.span.quote) if field else None
        if ending and (end := dates.resolve_date(ending.group(1), self.published)):
            return Scope.TOTAL, end  # "by the end of 2023": as of its last day
        if (
            date is not None
            and field is not None
            and not rule.endswith(("date.as_of", "date.publication"))
        ):
            before = self.text[max(field.span.start - 30, 0) : field.span.start]
            after = self.text[field.span.end : field.span.end + 20]
            if _OPENS_PERIOD.search(before):
                return Scope.TOTAL, None  # "since 2020": counted up to publication
            if _MODIFIES_NOUN.match(after):  # "the 2019 protests" names a series, not a date
                date = None
            elif total and date.precision is not DatePrecision.YEAR:
                return Scope.TOTAL, date  # "police said on Tuesday that 10,148 had been arrested"
            else:
                return Scope.PERIOD, date  # "53 arrested on 6 January", "in 2023, 500 arrested"
        if date is not None:
            return Scope.TOTAL, date
        if total:
            return Scope.TOTAL, None
        if _TOTAL_WORDS.search(self.sentence.text):
            return Scope.TOTAL, None
        return Scope.EVENT, None

    def _trigger(self, event: ExtractedEvent) -> SpacyToken | None:
        field = event.fields.get("type")
        if field is None:
            return None
        span = self.doc.char_span(field.span.start, field.span.end, alignment_mode="expand")
        return span.root if span is not None else None

    def _number_by_parse(self, event: ExtractedEvent) -> SpacyToken | None:
        """A number the extractor's count reader passed over: "so far 291 people have been
        arrested", "… and 112 convicted", "10,000,000,000,000 people"."""
        trigger = self._trigger(event)
        if trigger is None:
            return None
        nouns = [c for c in trigger.children if c.dep_ in {"nsubjpass", "nsubj", "dobj"}]
        if trigger.dep_ == "acl":
            nouns.append(trigger.head)
        for noun in nouns:
            if noun.like_num:
                return noun
            number = next(
                (c for c in noun.children if c.like_num and c.dep_ in {"nummod", "amod"}), None
            )
            if number is not None:
                return number
        return None

    def _perfect(self, event: ExtractedEvent) -> bool:
        trigger = self._trigger(event)
        return trigger is not None and _has_perfect_aux(trigger)

    def _age_claims(self, counts: list[Claim]) -> list[Claim]:
        """ "as young as 15", "as old as 90": the youngest or oldest of the people counted."""
        found = []
        base = self.sentence.start_char
        for match in _AGE_EXTREME.finditer(self.sentence.text):
            age = quantities.parse_age(match.group(0))
            value = (
                age[0] if age and match.group(1).lower() == "young" else (age or (None, None))[1]
            )
            if value is None:
                continue
            young = match.group(1).lower() == "young"
            about = self._age_subject(counts)
            found.append(
                Claim(
                    text=match.group(0),
                    start=base + match.start(),
                    end=base + match.end(),
                    quantity=value,
                    qualifier=f"as {match.group(1).lower()} as",
                    lower=None if young else value,
                    upper=value if young else None,
                    measure=Measure.AGE,
                    type=about[0],
                    law=about[1] or self.context_law,
                    series=self.series,
                    scope=Scope.TOTAL,
                    date=None,
                    sentence_start=self.sentence.start_char,
                    sentence_end=self.sentence.end_char,
                )
            )
        return found

    def _age_subject(self, counts: list[Claim]) -> tuple[str | None, str | None]:
        """What the people whose age is claimed went through: the sentence's count or trigger."""
        if counts:
            return counts[0].type, counts[0].law
        if self.events:
            event = self.events[0]
            kind = event.counts_type if event.type is EventType.REPORTED_TOTAL else event.type
            return (kind.value if kind else None), event.law
        # "children as young as 12 have been arrested since 2019": a generality the
        # extractor drops as an event, but a claim about ages all the same.
        x = self.finder.extractor
        triggers = find_triggers(x.nlp, x.triggers, self.sentence)
        return (triggers[0].type.value if triggers else None), None


_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^<>]{0,2000}>", re.I | re.S)


def _blank_markup(text: str) -> str:
    """HTML tags and scripts as spaces: the parse sees prose, offsets stay the text's own."""
    return _MARKUP.sub(lambda match: " " * len(match.group(0)), text)


def _has_perfect_aux(token: SpacyToken) -> bool:
    """ "have been arrested", "had arrested": a running total, not one dated act."""
    verb = token.head if token.dep_ == "conj" else token
    return any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)


def _has(lowered: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered) is not None


def _with_qualifier(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a count span leftwards over a qualifier the parse left out ("some 47")."""
    if quantities.parse_quantity(text[start:end]) is not None and re.match(
        r"\s*[a-z]", text[start:end], re.IGNORECASE
    ):
        return start, end  # it already opens with words: "more than 10,000", "dozens"
    match = _QUALIFIER_BEFORE.search(text[max(start - 30, 0) : start])
    if match is None:
        return start, end
    widened = max(start - 30, 0) + match.start(1)
    if quantities.parse_quantity(text[widened:end]) is None:
        return start, end
    return widened, end


def qualifier_before(text: str, count: int) -> str | None:
    """The qualifier a text puts before the number it states as `count` ("more than 10,000",
    "more than ten thousand" → "more than"); None when the number is bare or not found."""
    for match in _QUALIFIER_AT.finditer(text):
        words = text[match.end() : match.end() + 40].split()
        for size in range(min(len(words), 5), 0, -1):
            found = quantities.parse_number(" ".join(words[:size]).strip(".,;:()"))
            if found == count:
                return match.group(1).lower()
    return None


def _vague_word(phrase: str, quantity: quantities.Quantity) -> str | None:
    """ "Hundreds of people": the vague amount stands where a qualifier would."""
    if quantity.value is not None:
        return None
    words = phrase.lower().strip()
    return re.sub(r"\s+of$", "", words) if words else None


def dated_at(claim: Claim, published: dt.date) -> dt.date:
    """The day a claim speaks of: the last day its as-of date may mean ("by the end of 2023"
    → 31 December; "late 2023" → the end of its spread), never after publication."""
    if claim.date is None:
        return published
    return min(claim.date.bounds()[1], published)
