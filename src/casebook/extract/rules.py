"""The rule-based extractor: spaCy parse + trigger patterns + argument rules + the catalogue.

Per sentence: find triggers, drop the ones not stated as having happened, attach
arguments through the parse, read dates, counts, ages, laws and sentence lengths, and
record the quote span and rule behind every field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.tokens import Token as SpacyToken
from spacy.util import filter_spans

from casebook.extract import arguments, dates, quantities
from casebook.extract.base import (
    ExtractedEvent,
    FieldEvidence,
    OrganisationMention,
    PersonMention,
)
from casebook.extract.base import Span as Quote
from casebook.extract.modality import unrealised_reason
from casebook.extract.pipeline import load_pipeline
from casebook.extract.triggers import Trigger, TriggerSet, find_triggers, load_triggers
from casebook.laws import Catalogue, load_catalogue
from casebook.model import DatePrecision, EventType, FuzzyDate

VERSION = "1"
PERSON_EVENTS = frozenset(
    {
        EventType.ARREST,
        EventType.CHARGE,
        EventType.BAIL_GRANTED,
        EventType.BAIL_DENIED,
        EventType.CONVICTION,
        EventType.ACQUITTAL,
        EventType.SENTENCE,
        EventType.RELEASE,
        EventType.WARRANT,
    }
)
SENTENCE_WIDE_LAW = PERSON_EVENTS | {EventType.REPORTED_TOTAL}
ORGANISATION_EVENTS = frozenset(
    {
        EventType.ORG_DISBANDED,
        EventType.ORG_CLOSED,
        EventType.ORG_RELOCATED,
    }
)
TOTALLED = PERSON_EVENTS | ORGANISATION_EVENTS | {EventType.ASSET_FREEZE}
PREMISES = frozenset(
    {
        "office",
        "premises",
        "home",
        "flat",
        "apartment",
        "shop",
        "bookshop",
        "newsroom",
        "headquarters",
        "building",
        "campus",
        "studio",
        "house",
        "warehouse",
        "centre",
        "center",
        "residence",
        "site",
        "store",
        "restaurant",
        "premise",
    }
)
TOTALLED_WORDS = {
    "wanted": EventType.WARRANT,
    "arrest": EventType.ARREST,
    "charged": EventType.CHARGE,
    "prosecuted": EventType.CHARGE,
    "convicted": EventType.CONVICTION,
    "disband": EventType.ORG_DISBANDED,
}
RUNNING_TOTAL = re.compile(
    r"\bbring(?:s|ing)? (?:the (?:total|number)[\w\s'’]*? to|to) "
    r"((?:more than |at least )?[\d,]+|[a-z]+(?:-[a-z]+)?)",
    re.IGNORECASE,
)
TOTAL_CUE = re.compile(
    r"\b(as of|as at|so far|in total|a total of|to date|altogether|cumulative|in all|"
    r"the number of|^\W*(?:of|among) (?:those|these|them|whom|the)\b|during the year|"
    r"according to (?:official|police|government|our|the) (?:figures|records|data|count|tally)|"
    r"official figures|police figures|the (?:new |latest )?(?:total|figure) |by the end of|"
    r"in connection with the [\w -]*protests|"
    r"since (?:the start|the beginning|"
    r"(?:\d{1,2} )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*)|"
    r"in the past (?:year|month|\w+ (?:years|months))|"
    r"in the (?:two|three|\w+) (?:months|years) since|"
    r"since (?:the (?:law|ordinance|legislation|protests)|its|it (?:took|came)|"
    r"(?:30 )?june 2020|(?:june )?2019|the (?:security|national)|"
    r"(?:beijing|china) (?:imposed|promulgated|introduced|enacted|passed))|"
    r"had (?:so far )?arrested)\b",
    re.IGNORECASE,
)
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
AS_OF = re.compile(
    rf"\b(?:as (?:of|at)|by|up to|until)\s+("
    rf"(?:the )?(?:end|beginning|middle) of {_MONTH_WORD}(?:,? \d{{4}})?|"
    rf"\d{{1,2}} {_MONTH_WORD}(?:,? \d{{4}})?|{_MONTH_WORD} \d{{1,2}}(?:,? \d{{4}})?|"
    rf"{_MONTH_WORD},? \d{{4}}|(?:the end of )?\d{{4}}|{_MONTH_WORD})\b",
    re.IGNORECASE,
)
ORG_NOUNS = frozenset(
    {
        "union",
        "alliance",
        "front",
        "group",
        "party",
        "newspaper",
        "outlet",
        "office",
        "offices",
        "bureau",
        "organisation",
        "organization",
        "association",
        "church",
        "council",
        "federation",
        "confederation",
        "society",
        "league",
        "network",
        "coalition",
        "collective",
        "foundation",
        "company",
        "paper",
        "tabloid",
        "site",
        "platform",
        "station",
        "magazine",
        "news",
        "daily",
        "press",
        "media",
        "newsroom",
        "branch",
        "chapter",
        "headquarters",
        "operations",
        "museum",
        "trust",
        "fund",
        "institute",
        "centre",
        "center",
        "club",
        "movement",
        "campaign",
        "groups",
        "unions",
        "organisations",
        "organizations",
        "outlets",
        "parties",
        "associations",
        "ngos",
        "societies",
        "newspapers",
    }
)
_NAME_PATTERNS: list[list[dict[str, Any]]] = [
    # Cantonese names as reporters write them: "Chan Siu-ming", "LAI Chee-ying",
    # "Jimmy Lai Chee-ying" (an English given name before the family name).
    [
        {"IS_TITLE": True, "POS": "PROPN", "OP": "?"},
        {"IS_TITLE": True},
        {"IS_TITLE": True},
        {"ORTH": "-"},
        {"IS_LOWER": True},
    ],
    [
        {"IS_UPPER": True, "LENGTH": {"<=": 6}},
        {"IS_TITLE": True},
        {"ORTH": "-"},
        {"IS_LOWER": True},
    ],
]


@dataclass
class RuleExtractor:
    """Rules v1 over spaCy's English pipeline; see docs/extraction.md."""

    nlp: Language
    triggers: TriggerSet
    catalogue: Catalogue
    name: str = "rules"

    @classmethod
    def default(cls, jurisdiction: str = "hk") -> RuleExtractor:
        return cls(load_pipeline(), load_triggers(), load_catalogue(jurisdiction))

    @property
    def version(self) -> str:
        catalogue = f"{self.catalogue.jurisdiction}.v{self.catalogue.version}"
        return f"{VERSION}+{self.triggers.name}+{catalogue}"

    @cached_property
    def _laws(self) -> tuple[PhraseMatcher, dict[str, str]]:
        matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        ids: dict[str, str] = {}
        for number, (phrase, target) in enumerate(self.catalogue.phrases()):
            key = f"law{number}"
            ids[key] = target
            matcher.add(key, [self.nlp.make_doc(phrase)])
        return matcher, ids

    @cached_property
    def _names(self) -> Matcher:
        matcher = Matcher(self.nlp.vocab)
        matcher.add("cantonese_name", _NAME_PATTERNS)
        return matcher

    def extract(self, text: str, published: dt.date | None) -> list[ExtractedEvent]:
        return self.events_of(self.nlp(text), published)

    def extract_many(
        self, texts: Iterable[tuple[str, dt.date | None]], batch_size: int = 32
    ) -> Iterator[list[ExtractedEvent]]:
        pairs = ((text, published) for text, published in texts)
        for doc, published in self.nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            yield self.events_of(doc, published)

    def events_of(self, doc: Doc, published: dt.date | None) -> list[ExtractedEvent]:
        names = self._person_names(doc)
        laws = [
            (doc[s:e], self._laws[1][self.nlp.vocab.strings[m]]) for m, s, e in self._laws[0](doc)
        ]
        found: list[ExtractedEvent] = []
        text = doc.text  # rebuilt by spaCy on every access: read it once
        for sentence in doc.sents:
            found.extend(_Sentence(self, sentence, published, names, laws, text).events())
        return found

    def _person_names(self, doc: Doc) -> list[Span]:
        spans = [e for e in doc.ents if e.label_ == "PERSON"]
        spans += [doc[s:e] for _, s, e in self._names(doc)]
        return [s for s in filter_spans(spans) if not _looks_like_org(s)]


def _looks_like_org(span: Span) -> bool:
    return span[-1].lower_ in ORG_NOUNS or span.text.lower().startswith(("the ", "hong kong"))


class _Sentence:
    """Extraction within one sentence."""

    def __init__(
        self,
        extractor: RuleExtractor,
        sentence: Span,
        published: dt.date | None,
        names: list[Span],
        laws: list[tuple[Span, str]],
        doc_text: str,
    ) -> None:
        self.x = extractor
        self.sentence = sentence
        self.published = published
        self.names = [n for n in names if sentence.start <= n.start < sentence.end]
        self.laws = [
            (s, i) for s, i in laws if sentence.start <= s.start < sentence.end and not _partial(s)
        ]
        self.rule = f"{extractor.name}.v{VERSION}"
        self.doc_text = doc_text
        self.text = self.doc_text[sentence.start_char : sentence.end_char]
        quote = self.text.rstrip()
        self.evidence = Quote(sentence.start_char, sentence.start_char + len(quote), quote)

    _claimed_law_tokens: frozenset[int] = frozenset()

    def events(self) -> list[ExtractedEvent]:
        triggers = [
            t
            for t in find_triggers(self.x.nlp, self.x.triggers, self.sentence)
            if unrealised_reason(t.token) is None
        ]
        tokens = [t.token for t in triggers]
        # Law phrases inside some trigger's own clause belong to that trigger only.
        self._claimed_law_tokens = frozenset(
            i for t in tokens for i in (w.i for w in arguments.clause_tokens(t, tokens))
        )
        events: dict[tuple[EventType, EventType | None], ExtractedEvent] = {}
        anchors: dict[int, FuzzyDate | None] = {}
        made: list[tuple[SpacyToken, ExtractedEvent]] = []
        for trigger in triggers:
            event = self._event(trigger, tokens, anchors)
            if event is None:
                continue
            made.append((trigger.token, event))
            key = (event.type, event.counts_type)
            if key in events:
                _merge(events[key], event)
            else:
                events[key] = event
        _share_dates_backwards(made)
        running = self._running_total(list(events.values()))
        if running is not None and (running.type, running.counts_type) not in events:
            events[(running.type, running.counts_type)] = running
        return list(events.values())

    def _event(
        self, trigger: Trigger, others: list[SpacyToken], anchors: dict[int, FuzzyDate | None]
    ) -> ExtractedEvent | None:
        token = trigger.token
        clause = arguments.clause_tokens(token, others)
        if token.dep_ in {"acl", "relcl"} and not (
            arguments.is_among_those(token) or self._adds_detail(token, clause)
        ):
            return None  # "those arrested", "the two who were convicted": a reference, not an act
        roots = arguments.argument_roots(token, trigger.type in ORGANISATION_EVENTS)
        args = arguments.tokens_of(roots, stop=token)
        event = ExtractedEvent(
            type=trigger.type, evidence=self.evidence, rule=f"{self.rule}:{trigger.rule.id}"
        )
        event.fields["type"] = self._field(trigger.start, trigger.end, trigger.rule.id)
        self._attach_people(event, args)
        self._attach_count(event, args)
        self._attach_date(event, token, clause, anchors)
        self._attach_law(event, token, clause)
        self._attach_organisations(event, args, clause)
        if event.type is EventType.SENTENCE:
            self._attach_sentence_length(event, token, clause)
        self._attach_place(event, clause)
        if not self._plausible(event, trigger, roots):
            return None
        self._maybe_total(event, token, clause)
        event.confidence = _confidence(event)
        return event

    def _adds_detail(self, token: SpacyToken, clause: list[SpacyToken]) -> bool:
        """A participle or relative clause restating an event counts if it adds a date or law."""
        inside = {t.i for t in clause if t.i != token.head.i}
        return any(e.start in inside for e in self._dates) or any(
            s.start in inside for s, _ in self.laws
        )

    def _field(self, start: int, end: int, rule: str) -> FieldEvidence:
        doc = self.sentence.doc
        span = doc[start:end]
        return FieldEvidence(
            Quote(span.start_char, span.end_char, span.text), f"{self.rule}:{rule}"
        )

    def _char_field(self, start: int, end: int, rule: str) -> FieldEvidence:
        text = self.doc_text
        return FieldEvidence(Quote(start, end, text[start:end]), f"{self.rule}:{rule}")

    def _attach_people(self, event: ExtractedEvent, args: list[SpacyToken]) -> None:
        for person in arguments.persons_in(self.sentence, args, self.names):
            span = Quote(person.start, person.end, self.doc_text[person.start : person.end])
            event.persons.append(PersonMention(person.name, span, person.age, person.chinese_name))
        if event.persons:
            first = event.persons[0].span
            event.fields["persons"] = FieldEvidence(first, f"{self.rule}:persons.argument")
        ages = arguments.age_range_in(self.sentence)
        if ages and not any(p.age for p in event.persons):
            event.ages = ages

    def _attach_count(self, event: ExtractedEvent, args: list[SpacyToken]) -> None:
        count = arguments.count_in(args)
        if count is None:
            return
        event.count = count.value
        event.fields["count"] = self._char_field(count.start, count.end, "count.argument")

    def _attach_date(
        self,
        event: ExtractedEvent,
        token: SpacyToken,
        clause: list[SpacyToken],
        anchors: dict[int, FuzzyDate | None],
    ) -> None:
        anchor = anchors.get(token.head.i) if token.dep_ == "conj" else None
        heading = self._heading_date
        for entity, rule in self._date_candidates(token, clause):
            found, part = self._resolve(entity, anchor)
            if (
                found is not None
                and heading
                and not _qualifies_a_noun(token)
                and found.value < heading[0].value - OFFENCE_GAP
            ):
                continue  # a bulletin line's own date beats an older date of the offence
            if found is not None:
                event.date = found
                event.fields["date"] = self._char_field(part[0], part[1], rule)
                break
        if event.date is None and heading is not None and anchor is None and not _background(token):
            event.date = heading[0]
            event.fields["date"] = self._char_field(heading[1], heading[2], "date.line_heading")
        later = any(c.lower_ in LATER for c in token.children)
        if event.date is None and anchor is not None and not later:
            event.date = anchor
            event.fields["date"] = self._field(token.i, token.i + 1, "date.shared_with_previous")
        anchors[token.i] = event.date

    def _resolve(
        self, entity: Span, anchor: FuzzyDate | None
    ) -> tuple[FuzzyDate | None, tuple[int, int]]:
        """A DATE entity's date; NER spans are loose ("Friday to four years"), so try its parts."""
        for start, end in _date_parts(entity):
            text = self.doc_text[start:end]
            found = dates.resolve_date(text, self.published)
            if found is None and anchor is not None:
                found = dates.shift(anchor, text) or (anchor if "same" in text.lower() else None)
            if found is not None:
                return found, (start, end)
        return None, (entity.start_char, entity.end_char)

    def _date_candidates(
        self, token: SpacyToken, clause: list[SpacyToken]
    ) -> list[tuple[Span, str]]:
        """DATE entities that date this trigger: in its clause, else on the verb governing it."""
        inside = {t.i for t in clause}
        own = [e for e in self._dates if e.start in inside]
        ranked = sorted(
            (_path_length(e, token), abs(e.start - token.i), e)
            for e in own
            if _dates_trigger(e, token)
        )
        if ranked:
            return [(e, "date.clause") for _, _, e in ranked]
        governor = _governor(token)
        if governor is None:
            return []
        above = [
            e
            for e in self._dates
            if e.start not in inside
            and _dates_trigger(e, governor)
            and _path_length(e, governor) <= 3
        ]
        return [(e, "date.governing_verb") for e in above]

    @cached_property
    def _dates(self) -> list[Span]:
        heading = self._heading_date
        return [
            e
            for e in self.sentence.ents
            if e.label_ in {"DATE", "TIME"}
            and not _is_dateline(e)
            and not (heading and e.start_char < heading[2])  # the line's own date heading
        ]

    @cached_property
    def _heading_date(self) -> tuple[FuzzyDate, int, int] | None:
        """Bulletins and court diaries open a line with its date: "4 June: …", "Mon 1 Feb, …:"."""
        match = HEADING_DATE.match(self.text)
        if match is None:
            return None
        found = dates.resolve_date(match.group(1), self.published)
        if found is None:
            return None
        start = self.sentence.start_char + match.start(1)
        return found, start, start + len(match.group(1))

    def _attach_law(
        self, event: ExtractedEvent, token: SpacyToken, clause: list[SpacyToken]
    ) -> None:
        inside = {t.i for t in clause}
        chosen = [m for m in self.laws if m[0].start in inside]
        if not chosen and event.type in SENTENCE_WIDE_LAW:
            # A law named once covers the sentence's chain ("charged with sedition and denied
            # bail"), unless it sits in another trigger's clause outside that chain.
            chosen = [m for m in self.laws if m[0].start not in self._claimed_law_tokens]
            chosen = chosen or [m for m in self.laws if _chained(token, m[0].root)]
        if not chosen or event.type in ORGANISATION_EVENTS:
            return
        offences = [(s, i) for s, i in chosen if i.count(".") >= 2]
        span, target = (offences or chosen)[0]
        if target.count(".") >= 2:
            target = _sedition_by_date(target, event.date)
            event.offence = target
            event.law = (
                self.x.catalogue.law_of(target).id if self.x.catalogue.knows(target) else None
            )
            event.fields["offence"] = self._field(span.start, span.end, "law.catalogue_phrase")
        else:
            event.law = target if ".series." not in target else None
        if event.law:
            event.fields["law"] = self._field(span.start, span.end, "law.catalogue_phrase")

    def _attach_organisations(
        self, event: ExtractedEvent, args: list[SpacyToken], clause: list[SpacyToken]
    ) -> None:
        if event.type not in ORGANISATION_EVENTS | {EventType.RAID, EventType.ASSET_FREEZE}:
            return
        pool = {t.i for t in (args or clause)}
        for entity in self.sentence.ents:
            if entity.label_ in {"ORG", "FAC", "NORP", "WORK_OF_ART", "PRODUCT"} and (
                entity.start in pool or entity.end - 1 in pool
            ):
                name = entity.text.removeprefix("the ").removeprefix("The ")
                span = Quote(entity.start_char, entity.end_char, entity.text)
                event.organisations.append(OrganisationMention(name, span))
        names = {t.i for n in self.names for t in n}
        if not event.organisations:
            # A capitalised name heading the subject or object: "The Asia Civic Space Forum".
            heads = [
                t
                for t in args
                if t.dep_ != "compound"
                and t.i not in names
                and (t.lower_ in ORG_NOUNS or (t.pos_ == "PROPN" and t.head.i not in names))
            ]
            for root in heads:
                phrase = self.sentence.doc[root.left_edge.i : root.i + 1]
                if any(t.is_title for t in phrase if t.dep_ != "det"):
                    name = phrase.text.removeprefix("the ").removeprefix("The ")
                    quote = Quote(phrase.start_char, phrase.end_char, phrase.text)
                    event.organisations.append(OrganisationMention(name, quote))
                break
        if event.organisations:
            event.fields["organisations"] = FieldEvidence(
                event.organisations[0].span, f"{self.rule}:organisations.argument"
            )

    def _attach_sentence_length(
        self, event: ExtractedEvent, token: SpacyToken, clause: list[SpacyToken]
    ) -> None:
        after = [t for t in clause if t.i > token.i]
        if not after:
            return
        span = self.sentence.doc[after[0].i : after[-1].i + 1]
        months = quantities.parse_sentence_months(span.text)
        if months is not None:
            event.sentence_months = months
            event.fields["sentence_months"] = self._field(span.start, span.end, "sentence.length")

    def _attach_place(self, event: ExtractedEvent, clause: list[SpacyToken]) -> None:
        inside = {t.i for t in clause}
        for entity in self.sentence.ents:
            if entity.label_ in {"GPE", "LOC", "FAC"} and entity.start in inside:
                head = entity.root.head
                if head.lower_ in {"in", "at"} and entity.text not in {"Hong Kong", "Beijing"}:
                    event.place = entity.text
                    event.fields["place"] = self._field(entity.start, entity.end, "place.prep")
                    return

    def _plausible(self, event: ExtractedEvent, trigger: Trigger, roots: list[SpacyToken]) -> bool:
        token = trigger.token
        if event.type in ORGANISATION_EVENTS:
            return bool(event.organisations) or any(r.lower_ in ORG_NOUNS for r in roots)
        if event.type is EventType.WARRANT:
            return _issued(token)
        if token.pos_ in {"NOUN", "PROPN"} and token.lower_ != "bail":
            if token.dep_ == "compound":  # "arrest warrant", "arrest figures"
                return False
            return bool(roots) and bool(event.persons or event.count is not None or event.date)
        if event.type is EventType.RAID:
            if trigger.rule.id == "raid.search":  # searching people is not raiding premises
                return bool(event.organisations) or any(r.lemma_ in PREMISES for r in roots)
            return bool(event.organisations or roots)
        # "children as young as 12 have been arrested since 2019": a generality, not an event
        generality = (
            _perfect(token)
            and not (event.persons or event.count is not None)
            and any(r.tag_ == "NNS" and r.dep_ in {"nsubj", "nsubjpass"} for r in roots)
            and re.search(r"\bsince\b", self.text, re.IGNORECASE) is not None
        )
        return not generality

    def _total_cue_in(self, token: SpacyToken, clause: list[SpacyToken]) -> str | None:
        """A totalling phrase ("as of", "so far") in this trigger's clause; returns it."""
        inside = {t.i for t in clause} | {self.sentence.start, self.sentence.start + 1}
        if token.dep_ == "conj" or _perfect(token):
            # "304 had been arrested, 176 charged and 150 convicted"; "…; 2,450 had been …"
            inside |= {t.i for t in self.sentence}
        doc = self.sentence.doc
        for match in TOTAL_CUE.finditer(self.text):
            start = self.sentence.start_char + match.start()
            span = doc.char_span(start, start + len(match.group(0)), alignment_mode="expand")
            if span is None or span.start not in inside:
                continue
            cue = match.group(0).lower()
            if cue in {"so far", "to date"} and not _perfect(token):
                continue  # "the largest use of the law so far" beside a simple past
            if not _inside_noun_phrase(span.root, token):
                return cue
        return None

    def _maybe_total(
        self, event: ExtractedEvent, token: SpacyToken, clause: list[SpacyToken]
    ) -> None:
        """An aggregate someone published ("as of D, N had been arrested") is a reported_total."""
        if event.type not in TOTALLED or event.count is None or event.persons:
            return
        if RUNNING_TOTAL.search(self.text):
            return  # the event is the increment; _running_total adds the total beside it
        cue = self._total_cue_in(token, clause)
        whole_period = event.date is not None and event.date.precision is DatePrecision.YEAR
        if cue is None and not (whole_period and event.count > 1):
            return
        event.counts_type = event.type
        event.type = EventType.REPORTED_TOTAL
        if cue is not None:
            running = re.search(r"\b(so far|to date)\b", self.text, re.IGNORECASE)
            continuing = cue.lstrip("- ").startswith(("of ", "among ", "during the year", "in all"))
            self._date_total(event, continuing=continuing and not running)

    def _date_total(self, event: ExtractedEvent, continuing: bool = False) -> None:
        """A total's as-of date: stated, else publication for a running total."""
        as_of = AS_OF.search(self.text)
        found = dates.resolve_date(as_of.group(1), self.published) if as_of else None
        if as_of and found is not None:
            event.date = found
            start = self.sentence.start_char + as_of.start(1)
            end = start + len(as_of.group(1))
            event.fields["date"] = self._char_field(start, end, "date.as_of")
            return
        if continuing:  # "Of these, 64 were prosecuted": the total of the sentence before
            event.date = None
            event.fields.pop("date", None)
            return
        quote = event.fields.get("date")
        opening = quote is not None and re.search(
            r"\b(since|from)\s+(the\s+)?$",
            self.doc_text[: quote.span.start][-20:],
            re.IGNORECASE,
        )
        if event.date is None or opening:
            # A running total with no as-of date is as of publication.
            event.date = FuzzyDate(self.published, DatePrecision.APPROX) if self.published else None
            event.fields["date"] = FieldEvidence(self.evidence, f"{self.rule}:date.publication")

    def _totalled_kind(self, phrase: str) -> ExtractedEvent | None:
        """ "bring the number of people wanted to 34": what the total counts, from its words."""
        for word, kind in TOTALLED_WORDS.items():
            if word in phrase.lower():
                return ExtractedEvent(type=kind, evidence=self.evidence, rule=self.rule)
        return None

    def _running_total(self, found: list[ExtractedEvent]) -> ExtractedEvent | None:
        """ "…, bringing the total to 258": a total beside the event it adds to."""
        match = RUNNING_TOTAL.search(self.text)
        if match is None:
            return None
        quantity = quantities.parse_quantity(match.group(1))
        if quantity is None or quantity.value is None:
            return None
        base = found[0] if found else self._totalled_kind(match.group(0))
        if base is None:
            return None
        start = self.sentence.start_char + match.start(1)
        total = ExtractedEvent(
            type=EventType.REPORTED_TOTAL,
            evidence=self.evidence,
            rule=f"{self.rule}:total.running",
            count=quantity.value,
            counts_type=base.counts_type or base.type,
            law=base.law,
            offence=base.offence,
        )
        total.fields["type"] = self._char_field(
            self.sentence.start_char + match.start(),
            self.sentence.start_char + match.end(),
            "total.running",
        )
        total.fields["count"] = self._char_field(
            start, start + len(match.group(1)), "total.running"
        )
        for name in ("law", "offence"):
            if name in base.fields:
                total.fields[name] = base.fields[name]
        if self._heading_date is not None:
            total.date = self._heading_date[0]
            total.fields["date"] = self._char_field(*self._heading_date[1:], "date.line_heading")
        else:
            self._date_total(total)
        total.confidence = _confidence(total)
        return total


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
HEADING_DATE = re.compile(
    rf"^\W*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,? )?"
    rf"(\d{{1,2}} {_MONTH}(?: \d{{4}})?|{_MONTH} \d{{1,2}}(?:,? \d{{4}})?|{_MONTH}(?: \d{{4}})?)"
    r"(?=[:,]|\s+[-–—])"
)


def _date_parts(entity: Span) -> list[tuple[int, int]]:
    """Char ranges to try for a loose DATE entity: whole, inside brackets, before a joiner."""
    text, base = entity.text, entity.start_char
    parts = [(base, base + len(text))]
    if "(" in text:
        inner = text.split("(", 1)[1].rstrip(")")
        offset = text.index("(") + 1
        parts.append((base + offset, base + offset + len(inner)))
        parts.append((base, base + len(text.split("(", 1)[0].rstrip())))
    for joiner in (" to ", " and ", ", "):
        if joiner in text:
            parts.append((base, base + text.index(joiner)))
    return parts


TIME_UNITS = frozenset({"day", "week", "month", "year", "hour"})
OFFENCE_PREPS = frozenset({"with", "of", "to", "for", "over"})
OFFENCE_GAP = dt.timedelta(days=31)
COURT_STEPS = frozenset({"sentence", "sentencing", "trial", "verdict", "mitigation", "plea"})
BLOCKING = frozenset(
    {"until", "till", "pending", "adjourned", "hearing", "next", "before", "after", "ahead"}
)


def _path(entity: Span, target: SpacyToken) -> list[SpacyToken] | None:
    """Tokens from the entity's root up to (not including) target; None if not under it."""
    path: list[SpacyToken] = []
    token = entity.root
    for _ in range(12):
        if token.i == target.i:
            return path
        path.append(token)
        if token.head.i == token.i:
            return None
        token = token.head
    return None


def _path_length(entity: Span, target: SpacyToken) -> int:
    path = _path(entity, target)
    return len(path) if path is not None else 99


def _dates_trigger(entity: Span, trigger: SpacyToken) -> bool:
    """Does the date modify this trigger, not a hearing, an offence or another verb?"""
    path = _path(entity, trigger)
    if path is None:
        return False
    words = {t.lower_ for t in path} | {
        t.lower_ for t in entity.doc[max(entity.start - 2, 0) : entity.start]
    }
    if words & (BLOCKING | COURT_STEPS):
        return False
    # Through another verb or an offence description ("charged with rioting in 2019").
    for token in path[1:]:
        if token.dep_ in {"aux", "auxpass"} and token.head.i == trigger.i:
            continue  # "was today (September 15) convicted": parsed under the auxiliary
        if token.pos_ in {"VERB", "AUX"}:
            return False
        offence_prep = (
            token.dep_ == "prep" and token.head.i == trigger.i and token.lower_ in OFFENCE_PREPS
        )
        # ... unless the prep phrase is a duration: "for nine months on Thursday"
        if offence_prep and not any(t.lemma_ in TIME_UNITS for t in path):
            return False
    return True


def _governor(token: SpacyToken) -> SpacyToken | None:
    """The verb a noun, infinitive or participle trigger hangs from ("issued warrants")."""
    if token.pos_ in {"NOUN", "PROPN"} or token.dep_ in {
        "xcomp",
        "ccomp",
        "acl",
        "advcl",
        "oprd",
        "pcomp",
        "conj",
    }:
        head = token.head
        if head.dep_ == "prep":
            head = head.head
        return head if head.i != token.i and head.pos_ in {"VERB", "AUX"} else None
    return None


def _is_dateline(entity: Span) -> bool:
    # "HONG KONG, May 29 (Agency) -": the filing date, not an event's.
    after = entity.doc[entity.end : entity.end + 1].text
    return entity.start_char < 40 and after in {"(", "-", "–", "—", "/"}


ISSUING = frozenset(
    {"issue", "offer", "put", "place", "announce", "grant", "obtain", "seek", "set", "sign"}
)


def _issued(token: SpacyToken) -> bool:
    """A warrant or bounty counts when someone issued or offered it, not when one is cited."""
    if token.pos_ not in {"NOUN", "PROPN"}:
        return True
    if token.dep_ in {"dobj", "nsubjpass", "conj"} and token.head.lemma_ in ISSUING:
        return True
    return any(
        c.dep_ == "prep" and c.lower_ in {"for", "on", "against"} for c in token.children
    ) and (token.dep_ not in {"nsubj", "pobj"})


PARTIAL = frozenset({"including", "most", "some", "many", "several"})


def _partial(span: Span) -> bool:
    """ "…, including 740 for rioting", "most of them on suspicion of…": not the group's law."""
    return any(a.lower_ in PARTIAL for a in span.root.ancestors)


LATER = frozenset({"later", "subsequently", "afterwards", "eventually"})


def _qualifies_a_noun(token: SpacyToken) -> bool:
    """ "Nine people arrested on 4 June last year were told…" (not a telegraphic main verb)."""
    return token.dep_ in {"acl", "relcl"} and token.head.dep_ != "ROOT"


def _background(token: SpacyToken) -> bool:
    """ "…, three years after closing its office": an earlier event mentioned in passing."""
    return token.dep_ == "pcomp" and token.head.lower_ in {"after", "before", "since"}


def _share_dates_backwards(made: list[tuple[SpacyToken, ExtractedEvent]]) -> None:
    """ "charged with rioting and refused bail on Tuesday": the date covers both."""
    by_token = {token.i: event for token, event in made}
    for token, event in made:
        if token.dep_ != "conj" or event.date is None:
            continue
        first = by_token.get(token.head.i)
        if first is not None and first.date is None:
            first.date = event.date
            if "date" in event.fields:
                span = event.fields["date"].span
                first.fields["date"] = FieldEvidence(span, event.fields["date"].rule + "+shared")


def _chained(token: SpacyToken, other: SpacyToken) -> bool:
    """Whether `other` lies in the clause of a trigger coordinated with `token`."""
    heads = {token.i, token.head.i} | {c.i for c in token.children if c.dep_ == "conj"}
    return any(a.i in heads for a in [other, *other.ancestors])


def _perfect(token: SpacyToken) -> bool:
    verb = token.head if token.dep_ == "conj" else token
    return any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)


def _inside_noun_phrase(cue: SpacyToken, trigger: SpacyToken) -> bool:
    """ "the largest use of the law so far": the cue qualifies a noun, not the trigger."""
    for ancestor in cue.ancestors:
        if ancestor.i == trigger.i:
            return False
        if ancestor.pos_ in {"NOUN", "PROPN"} and ancestor.dep_ not in {
            "pobj",
            "nsubj",
            "nsubjpass",
        }:
            return True
    return False


def _sedition_by_date(offence: str, when: FuzzyDate | None) -> str:
    # Sedition moved from the Crimes Ordinance into the 2024 ordinance on 23 March 2024.
    if offence == "hk.crimes.s10" and when is not None and when.value >= dt.date(2024, 3, 23):
        return "hk.snso.s24"
    return offence


def _merge(kept: ExtractedEvent, other: ExtractedEvent) -> None:
    names = {p.name for p in kept.persons}
    kept.persons.extend(p for p in other.persons if p.name not in names)
    for attribute in ("date", "count", "law", "offence", "sentence_months", "place"):
        if getattr(kept, attribute) is None and getattr(other, attribute) is not None:
            setattr(kept, attribute, getattr(other, attribute))
            key = "date" if attribute == "date" else attribute
            if key in other.fields:
                kept.fields[key] = other.fields[key]


def _confidence(event: ExtractedEvent) -> float:
    score = 0.5
    score += 0.15 if (event.persons or event.count is not None or event.organisations) else 0
    score += 0.15 if event.date else 0
    score += 0.1 if event.law else 0
    score -= 0.1 if event.date and event.date.precision is DatePrecision.APPROX else 0
    return min(score, 0.95)
