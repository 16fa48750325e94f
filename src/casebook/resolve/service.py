"""Resolution over the record: link each unresolved mention to a Person or Organisation.

Mentions are read in batches (one transaction each). Within a batch the fullest names go
first, so "Jimmy Lai Chee-ying (黎智英)" founds an identity that "Jimmy Lai" and 黎智英 then
join. A mention is compared with the identities sharing a blocking key: persons already in
the record (through `person_name_keys`) and those this run has founded. Thresholds decide:
at or above `link` it is linked (reversibly), in the review band it is queued and stays
unlinked, below it founds a new identity. An identity whose context conflicts (ages, other
characters) is never a candidate; two close candidates make the mention a reviewer's call.
Every decision is an `identity_links` row with its score, level and reasons.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.config import Config
from casebook.model import make_id
from casebook.resolve.compare import Comparison, MentionContext, compare_mentions
from casebook.resolve.names import PersonName, keys, parse_name
from casebook.store import resolution as stored
from casebook.store.engine import Store
from casebook.store.resolution import MentionRecord
from casebook.store.schema import (
    EventParticipant,
    IdentityLink,
    Mention,
    Organisation,
    OrganisationAlias,
    Person,
    PersonAlias,
)

RESOLVER = "resolve.service.v1"
BATCH = 500
MINOR_AGE = 18
CONFLICT_LEVELS = frozenset({"context_conflict", "different_chinese"})
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Thresholds:
    """Scores that decide: ≥ link → linked; ≥ review → queued for a reviewer; below → new."""

    link: float = 0.9
    review: float = 0.5

    @classmethod
    def from_config(cls, config: Config) -> Thresholds:
        """The `resolve_link_threshold` / `resolve_review_threshold` settings."""
        return cls(config.resolve_link_threshold, config.resolve_review_threshold)


@dataclass
class ResolutionSummary:
    mentions: int = 0
    auto: int = 0
    queued: int = 0
    new: int = 0
    persons_created: int = 0
    organisations_created: int = 0
    participants_added: int = 0

    def count(self, decision: str) -> None:
        self.mentions += 1
        setattr(self, decision, getattr(self, decision) + 1)


@dataclass
class Identity:
    """A person or organisation as this run knows it: id, the contexts it was named in."""

    id: str
    members: list[MentionContext] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # written forms already stored as aliases
    created: bool = False
    linked: list[MentionRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Decision:
    mention: MentionRecord
    decision: str  # auto | queued | new
    identity: Identity
    comparison: Comparison


def resolve_record(
    store: Store,
    config: Config,
    *,
    thresholds: Thresholds | None = None,
    batch_size: int = BATCH,
) -> ResolutionSummary:
    """Resolve every mention that has no identity and no decision yet."""
    thresholds = thresholds or Thresholds.from_config(config)
    summary = ResolutionSummary()
    with store.session(config.actor) as session:
        stored.index_unindexed_aliases(session, lambda alias: keys(parse_name(alias)))
    for kind in ("person", "organisation"):
        after: tuple[int, str] | None = None
        while True:
            with store.session(config.actor) as session:
                batch = stored.unresolved_mentions(session, kind, batch_size, after)
                if not batch:
                    break
                decisions = _decide_batch(session, kind, batch, thresholds)
                _write(session, kind, decisions, config.actor, summary)
            after = (batch[-1].source_seq, batch[-1].id)
    store.optimize()
    return summary


def _decide_batch(
    session: Session, kind: str, batch: list[MentionRecord], thresholds: Thresholds
) -> list[Decision]:
    if kind == "person":
        return PersonResolver(session, batch).decide(thresholds)
    return OrganisationResolver(session).decide(batch, thresholds)


# --- Persons -----------------------------------------------------------------------------


def written_name(mention: MentionRecord) -> str:
    """The name as the report writes it, with its characters when the extractor found them."""
    name = mention.name.strip() or mention.quote.strip()
    if mention.chinese_name and mention.chinese_name not in name:
        return f"{mention.chinese_name} ({name})" if name else mention.chinese_name
    return name


def richness(name: PersonName) -> int:
    return bool(name.chinese) + bool(name.family) + bool(name.given) + bool(name.english)


class PersonResolver:
    """Decides one batch of person mentions against the record and against each other."""

    def __init__(self, session: Session, batch: list[MentionRecord]) -> None:
        self.session = session
        self.batch = batch
        self.by_key: dict[str, list[Identity]] = defaultdict(list)
        self.contexts = self._contexts(batch)
        self._load_candidates()

    def _contexts(self, mentions: Sequence[MentionRecord]) -> dict[str, MentionContext]:
        events = {m.event_id for m in mentions if m.event_id}
        organisations = stored.organisation_names_by_event(self.session, events)
        cases = stored.cases_by_event(self.session, events)
        found = {}
        for m in mentions:
            orgs = frozenset(o.casefold() for o in organisations.get(m.event_id or "", ()))
            shared = cases.get(m.event_id or "", set()) | ({m.event_id} if m.event_id else set())
            found[m.id] = MentionContext(
                parse_name(written_name(m)), m.age, m.age_date, orgs, frozenset(shared)
            )
        return found

    def _load_candidates(self) -> None:
        wanted = {k for context in self.contexts.values() for k in keys(context.name)}
        person_ids = stored.persons_with_keys(self.session, wanted)
        if not person_ids:
            return
        identities = {pid: Identity(pid) for pid in person_ids}
        linked = {m.id: m for m in stored.mentions_of_persons(self.session, person_ids)}
        for mention_id, context in self._contexts(list(linked.values())).items():
            identities[linked[mention_id].person_id or ""].members.append(context)
        for pid, aliases in stored.aliases_of_persons(self.session, person_ids).items():
            identities[pid].names.update(aliases)
            identities[pid].members.extend(MentionContext(parse_name(a)) for a in aliases)
        for identity in identities.values():
            identity.members = list(dict.fromkeys(identity.members))
            self._index(identity, identity.members)

    def _index(self, identity: Identity, contexts: Iterable[MentionContext]) -> None:
        for context in contexts:
            for key in keys(context.name):
                if identity not in self.by_key[key]:
                    self.by_key[key].append(identity)

    def decide(self, thresholds: Thresholds) -> list[Decision]:
        order = sorted(
            self.batch,
            key=lambda m: (-richness(self.contexts[m.id].name), m.source_seq, m.id),
        )
        return [self._decide_one(mention, thresholds) for mention in order]

    def _decide_one(self, mention: MentionRecord, thresholds: Thresholds) -> Decision:
        context = self.contexts[mention.id]
        candidates = {id(i): i for k in keys(context.name) for i in self.by_key.get(k, ())}
        decision, identity, comparison = choose(context, list(candidates.values()), thresholds)
        if decision == "new":
            identity = Identity(make_id("person", mention.id), created=True)
        if decision in ("auto", "new"):
            identity.members.append(context)
            identity.linked.append(mention)
            self._index(identity, [context])
        return Decision(mention, decision, identity, comparison)


def against(context: MentionContext, identity: Identity) -> tuple[Comparison, bool]:
    """The best comparison with any of the identity's contexts, and whether any conflicts."""
    best: Comparison | None = None
    for member in identity.members:
        comparison = compare_mentions(context, member)
        if comparison.level in CONFLICT_LEVELS:
            return comparison, True
        if best is None or comparison.score > best.score:
            best = comparison
    return best or Comparison("no_candidate", 0.0, []), False


def choose(
    context: MentionContext, candidates: list[Identity], thresholds: Thresholds
) -> tuple[str, Identity, Comparison]:
    """(decision, identity, comparison) for one mention among its candidates."""
    scored: list[tuple[Comparison, Identity]] = []
    vetoed: list[str] = []
    for identity in candidates:
        comparison, conflict = against(context, identity)
        if conflict:
            vetoed.append(f"not {identity.id}: {comparison.reasons[-1]}")
        else:
            scored.append((comparison, identity))
    scored.sort(key=lambda pair: -pair[0].score)
    if not scored or scored[0][0].score < thresholds.review:
        best = scored[0][0] if scored else Comparison("no_candidate", 0.0, [])
        reasons = [*best.reasons, *vetoed] or ["no identity shares a blocking key"]
        return "new", Identity(""), Comparison(best.level, best.score, reasons)
    best, identity = scored[0]
    reasons = [*best.reasons, *vetoed]
    runner_up = scored[1] if len(scored) > 1 else None
    if runner_up and runner_up[0].score >= thresholds.review:
        reasons.append(f"also matches {runner_up[1].id} ({runner_up[0].score:.2f})")
        return "queued", identity, Comparison(best.level, best.score, reasons)
    decision = "auto" if best.score >= thresholds.link else "queued"
    return decision, identity, Comparison(best.level, best.score, reasons)


# --- Organisations -----------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^\w\s]")


def organisation_key(name: str) -> str:
    """Case, punctuation, 'the' and spacing folded: "the Kowloon Tenants' Alliance" →
    'kowloon tenants alliance'."""
    text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", name).casefold())
    words = text.split()
    return " ".join(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


def _acronym(key: str) -> str:
    return "".join(word[0] for word in key.split() if word not in {"of", "and", "for"})


def compare_organisations(a: str, b: str) -> Comparison:
    """Normalised names: same → 0.99; rapidfuzz token-sort ≥ 90 → 0.95 × ratio; acronym → 0.7."""
    left, right = organisation_key(a), organisation_key(b)
    if left == right:
        return Comparison("same_normalised_name", 0.99, [f"same name once normalised: {left!r}"])
    ratio = fuzz.token_sort_ratio(left, right) / 100
    if ratio >= 0.9:
        return Comparison("fuzzy", round(0.95 * ratio, 4), [f"{left!r} ≈ {right!r} ({ratio:.2f})"])
    for short, long in ((left, right), (right, left)):
        if " " not in short and len(short) > 1 and short == _acronym(long):
            return Comparison("acronym", 0.7, [f"{short!r} is the acronym of {long!r}"])
    return Comparison("different", 0.0, [f"{left!r} vs {right!r}"])


class OrganisationResolver:
    """Organisations are few: every mention is compared with every known name."""

    def __init__(self, session: Session) -> None:
        self.identities = [
            Identity(org_id, names=set(names))
            for org_id, names in stored.organisation_aliases(session).items()
        ]

    def decide(self, batch: list[MentionRecord], thresholds: Thresholds) -> list[Decision]:
        return [self._decide_one(mention, thresholds) for mention in batch]

    def _decide_one(self, mention: MentionRecord, thresholds: Thresholds) -> Decision:
        name = written_name(mention)
        scored = sorted(
            ((self._against(name, i), i) for i in self.identities), key=lambda p: -p[0].score
        )
        if scored and scored[0][0].score >= thresholds.review:
            best, identity = scored[0]
            decision = "auto" if best.score >= thresholds.link else "queued"
        else:
            best = scored[0][0] if scored else Comparison("no_candidate", 0.0, ["none known"])
            identity = Identity(make_id("organisation", mention.id), created=True)
            self.identities.append(identity)
            decision = "new"
        if decision != "queued":
            identity.linked.append(mention)
        return Decision(mention, decision, identity, best)

    @staticmethod
    def _against(name: str, identity: Identity) -> Comparison:
        known = identity.names | {written_name(m) for m in identity.linked}
        comparisons = [compare_organisations(name, other) for other in known]
        return max(comparisons, key=lambda c: c.score, default=Comparison("different", 0.0))


# --- Writing -----------------------------------------------------------------------------


def _write(
    session: Session, kind: str, decisions: list[Decision], actor: str, summary: ResolutionSummary
) -> None:
    mentions = {
        m.id: m
        for m in session.scalars(
            select(Mention).where(Mention.id.in_([d.mention.id for d in decisions]))
        )
    }
    for decision in decisions:
        _add_link(session, kind, decision, actor)
        summary.count(decision.decision)
        if decision.decision != "queued":
            column = "person_id" if kind == "person" else "organisation_id"
            setattr(mentions[decision.mention.id], column, decision.identity.id)
    identities = {id(d.identity): d.identity for d in decisions if d.decision != "queued"}
    for identity in identities.values():
        if kind == "person":
            _write_person(session, identity, summary)
        else:
            _write_organisation(session, identity, summary)
        summary.participants_added += _add_participants(session, kind, identity)


def _add_link(session: Session, kind: str, decision: Decision, actor: str) -> None:
    target = decision.identity.id
    session.add(
        IdentityLink(
            id=make_id("identity_link", decision.mention.id, RESOLVER),
            mention_id=decision.mention.id,
            person_id=target if kind == "person" else None,
            organisation_id=target if kind == "organisation" else None,
            score=decision.comparison.score,
            level=decision.comparison.level,
            reasons=json.dumps(decision.comparison.reasons, ensure_ascii=False),
            decision=decision.decision,
            decided_by=actor,
            resolver=RESOLVER,
        )
    )


def best_display_name(names: Sequence[PersonName]) -> str:
    """The fullest name, completed with characters or an English name another form gives."""
    richest = max(names, key=richness)
    chinese = richest.chinese or next((n.chinese for n in names if n.chinese), None)
    english = richest.english or next((n.english for n in names if n.english), ())
    return replace(richest, chinese=chinese, english=english).display() or richest.text


def _is_minor(identity: Identity) -> bool:
    return any(m.age is not None and m.age < MINOR_AGE for m in identity.linked)


def _write_person(session: Session, identity: Identity, summary: ResolutionSummary) -> None:
    person = session.get(Person, identity.id)
    if person is None:
        name = best_display_name([m.name for m in identity.members])
        person = Person(id=identity.id, name=name, sensitivity="internal", is_minor=False)
        session.add(person)
        summary.persons_created += 1
    if _is_minor(identity) and not person.is_minor:
        person.is_minor, person.sensitivity = True, "restricted"
    for mention in identity.linked:
        for alias in _written_forms(mention):
            if alias not in identity.names:
                identity.names.add(alias)
                _add_person_alias(session, identity.id, alias, mention.evidence_id)


def _written_forms(mention: MentionRecord) -> list[str]:
    forms = [mention.name.strip() or mention.quote.strip(), (mention.chinese_name or "").strip()]
    return [form for form in dict.fromkeys(forms) if form]


def _add_person_alias(session: Session, person_id: str, alias: str, evidence_id: str) -> None:
    row = PersonAlias(
        id=make_id("alias", person_id, alias),
        person_id=person_id,
        alias=alias,
        script="han" if _HAN.search(alias) else "latin",
        kind="as_written",
        evidence_id=evidence_id,
    )
    session.add(row)
    stored.index_alias(session, row, keys(parse_name(alias)))


def _write_organisation(session: Session, identity: Identity, summary: ResolutionSummary) -> None:
    if identity.created and session.get(Organisation, identity.id) is None:
        name = identity.linked[0].name.strip() or identity.linked[0].quote
        session.add(Organisation(id=identity.id, name=name, sensitivity="internal"))
        identity.names.add(name)
        summary.organisations_created += 1
    for mention in identity.linked:
        for alias in _written_forms(mention):
            if alias not in identity.names:
                identity.names.add(alias)
                session.add(
                    OrganisationAlias(
                        id=make_id("alias", identity.id, alias),
                        organisation_id=identity.id,
                        alias=alias,
                        script="han" if _HAN.search(alias) else "latin",
                        evidence_id=mention.evidence_id,
                    )
                )


def _add_participants(session: Session, kind: str, identity: Identity) -> int:
    added = 0
    person_id = identity.id if kind == "person" else None
    organisation_id = identity.id if kind == "organisation" else None
    seen: set[str] = set()
    for mention in identity.linked:
        event_id = mention.event_id
        if not event_id or event_id in seen:
            continue
        seen.add(event_id)
        if stored.participant_exists(session, event_id, person_id, organisation_id):
            continue
        session.add(
            EventParticipant(
                id=make_id("participant", event_id, identity.id, mention.id),
                event_id=event_id,
                person_id=person_id,
                organisation_id=organisation_id,
                role=mention.role,
                age=mention.age,
                evidence_id=mention.evidence_id,
            )
        )
        added += 1
    return added
