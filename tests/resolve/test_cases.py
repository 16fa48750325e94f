"""A person's events chain into cases, one per proceeding, against a real record."""

from __future__ import annotations

from sqlalchemy import select

from casebook.resolve.cases import chain_cases
from casebook.resolve.events import merge_duplicate_events
from casebook.resolve.service import resolve_record
from casebook.store import audit
from casebook.store.engine import Store
from casebook.store.schema import Case, CaseEvent, Event
from tests.resolve.test_service import add_reports, config

CHAN = [("Chan Siu-ming", None)]


def _proceeding(store: Store) -> list[str]:
    return add_reports(
        store,
        {"text": "Police arrested Chan Siu-ming.", "persons": CHAN, "date": "2021-03-01",
         "law_id": "hk.nsl"},
        {"text": "Chan Siu-ming was charged.", "type": "charge", "persons": CHAN,
         "date": "2021-03-02", "law_id": "hk.nsl"},
        {"text": "Chan Siu-ming was denied bail.", "type": "bail_denied", "persons": CHAN,
         "date": "2021-03-04"},
        {"text": "Chan Siu-ming was convicted.", "type": "conviction", "persons": CHAN,
         "date": "2022-06-01", "law_id": "hk.nsl"},
        {"text": "Chan Siu-ming was sentenced.", "type": "sentence", "persons": CHAN,
         "date": "2022-07-01", "law_id": "hk.nsl"},
        {"text": "Chan Siu-ming was released.", "type": "release", "persons": CHAN,
         "date": "2024-01-10"},
    )  # fmt: skip


def _cases(store: Store) -> dict[str, set[str]]:
    with store.reader() as session:
        found: dict[str, set[str]] = {}
        for case_id, event_type in session.execute(
            select(Case.id, Event.type).join(CaseEvent, CaseEvent.case_id == Case.id).join(Event)
        ):
            found.setdefault(case_id, set()).add(event_type)
        return found


def test_cases_one_proceeding_is_one_case(store: Store) -> None:
    _proceeding(store)
    resolve_record(store, config(store))
    summary = chain_cases(store, config(store))
    assert summary.cases_created == 1 and summary.events_linked == 6
    (types,) = _cases(store).values()
    assert types == {"arrest", "charge", "bail_denied", "conviction", "sentence", "release"}
    with store.reader() as session:
        assert session.scalar(select(Case.law_id)) == "hk.nsl"


def test_cases_second_arrest_years_later_under_another_law_is_another_case(store: Store) -> None:
    _proceeding(store)
    add_reports(
        store,
        {"text": "Police arrested Chan Siu-ming again.", "persons": CHAN, "date": "2025-02-01",
         "law_id": "hk.snso"},
        {"text": "Chan Siu-ming was charged again.", "type": "charge", "persons": CHAN,
         "date": "2025-02-03", "law_id": "hk.snso"},
    )  # fmt: skip
    resolve_record(store, config(store))
    chain_cases(store, config(store))
    cases = sorted(_cases(store).values(), key=len)
    assert cases[0] == {"arrest", "charge"} and len(cases) == 2
    with store.reader() as session:
        assert set(session.scalars(select(Case.law_id))) == {"hk.nsl", "hk.snso"}


def test_cases_rerun_changes_nothing_and_new_events_join(store: Store) -> None:
    _proceeding(store)
    resolve_record(store, config(store))
    chain_cases(store, config(store))
    with store.reader() as session:
        entries = audit.verify(session).entries
    assert chain_cases(store, config(store)).events_linked == 0
    with store.reader() as session:
        assert audit.verify(session).entries == entries
    add_reports(
        store,
        {"text": "Chan Siu-ming was granted bail on appeal.", "type": "bail_granted",
         "persons": CHAN, "date": "2021-05-01"},
    )  # fmt: skip
    resolve_record(store, config(store))
    again = chain_cases(store, config(store))
    assert (again.cases_created, again.events_linked) == (0, 1)
    assert len(_cases(store)) == 1


def test_cases_merged_duplicates_are_left_out(store: Store) -> None:
    add_reports(
        store,
        {"text": "Police arrested Chan Siu-ming, 34.", "persons": [("Chan Siu-ming", 34)],
         "date": "2021-03-01"},
        {"text": "Chan Siu-ming was arrested in March.", "persons": CHAN, "date": "2021-03-01",
         "precision": "month"},
    )  # fmt: skip
    resolve_record(store, config(store))
    merge_duplicate_events(store, config(store))
    chain_cases(store, config(store))
    (types,) = _cases(store).values()
    assert types == {"arrest"}
    with store.reader() as session:
        assert len(list(session.scalars(select(CaseEvent)))) == 1
        assert audit.verify(session).intact
