"""Figures over a real record: bounds, as-of cut-offs, current vs cumulative, rule variants,
reported totals beside the figure, and reproducible output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from casebook.count.figures import compute_figure, month_series
from casebook.count.rules import CountingRule, Rulebook, load_rulebook, read_rulebook
from casebook.errors import UsageError
from casebook.ingest.service import ingest
from casebook.resolve.cases import chain_cases
from casebook.resolve.events import merge_duplicate_events
from casebook.resolve.service import resolve_record
from casebook.review.actions import confirm_event
from casebook.security.permissions import Actor
from casebook.store.engine import Store
from tests.resolve.test_service import ACTOR, add_reports, config

RULES = load_rulebook()
CHAN = [("Chan Siu-ming", 34)]
WONG = [("Wong Ka-yan", 28)]
LEE = [("Lee Tsz-kin", 41)]


def figure(store: Store, rule: str | CountingRule, as_of: str, **options: object):  # type: ignore[no-untyped-def]
    chosen = RULES.get(rule) if isinstance(rule, str) else rule
    book = options.pop("rulebook", RULES)
    return compute_figure(store, chosen, dt.date.fromisoformat(as_of), rulebook=book, **options)  # type: ignore[arg-type]


def resolved(store: Store) -> None:
    resolve_record(store, config(store))
    merge_duplicate_events(store, config(store))
    chain_cases(store, config(store))


def nsl_arrest(
    text: str, persons: list[tuple[str, int | None]], date: str, **values: object
) -> dict[str, object]:
    return {"text": text, "persons": persons, "date": date, "law_id": "hk.nsl", **values}


def test_figures_named_person_in_two_reports_is_counted_once(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Police arrested Chan Siu-ming under the NSL.", CHAN, "2021-03-01"),
        nsl_arrest(
            "Chan Siu-ming, 34, was arrested on Monday by national security police.",
            CHAN,
            "2021-03-01",
            published="2021-03-03",
        ),
        nsl_arrest("Wong Ka-yan was arrested under the security law.", WONG, "2021-04-02"),
    )
    resolved(store)
    found = figure(store, "nsl-arrests", "2021-12-31")
    assert (found.lower, found.upper) == (2, 2)
    assert len(found.certain) == 2 and len(found.sources) == 3


def test_figures_anonymous_count_widens_the_range_and_never_doubles_the_floor(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest(
            "Police arrested 53 people, among them Chan Siu-ming and Wong Ka-yan, under the law.",
            [*CHAN, *WONG],
            "2021-01-06",
            count=53,
        ),
        nsl_arrest("Lee Tsz-kin was arrested under the NSL.", LEE, "2021-02-10"),
    )
    resolved(store)
    found = figure(store, "nsl-arrests", "2021-12-31")
    # 53 people at least (one event), 3 named; the 51 unnamed may include Lee or not.
    assert (found.lower, found.upper) == (53, 54)
    assert found.named_lower == 3 and found.anonymous == 51 and found.floor == 53


def test_figures_as_of_cuts_off_later_events(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-03-01"),
        nsl_arrest("Wong Ka-yan was arrested under the NSL.", WONG, "2022-05-01"),
    )
    resolved(store)
    assert figure(store, "nsl-arrests", "2021-02-28").upper == 0
    assert figure(store, "nsl-arrests", "2021-03-01").lower == 1
    assert figure(store, "nsl-arrests", "2022-04-30").upper == 1
    assert figure(store, "nsl-arrests", "2022-05-01").lower == 2


def test_figures_month_only_date_counts_for_certain_only_once_the_month_is_over(
    store: Store,
) -> None:
    add_reports(
        store,
        nsl_arrest(
            "In March, Chan Siu-ming was arrested under the NSL.",
            CHAN,
            "2024-03-01",
            precision="month",
        ),
    )
    resolved(store)
    mid = figure(store, "nsl-arrests", "2024-03-15")
    assert (mid.lower, mid.upper) == (0, 1)
    end = figure(store, "nsl-arrests", "2024-03-31")
    assert (end.lower, end.upper) == (1, 1)


def test_figures_law_decides_which_series_an_arrest_is_in(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-03-01"),
        {
            "text": "Wong Ka-yan was arrested for unlawful assembly.",
            "persons": WONG,
            "date": "2021-03-02",
            "law_id": "hk.poo",
        },
        {"text": "Lee Tsz-kin was arrested.", "persons": LEE, "date": "2021-03-03"},
        {
            "text": "Ho Wai-man was arrested for seditious publications.",
            "persons": [("Ho Wai-man", 50)],
            "date": "2021-03-04",
            "law_id": "hk.crimes",
        },
    )
    resolved(store)
    nsl = figure(store, "nsl-arrests", "2021-12-31", by="law")
    assert (nsl.lower, nsl.upper) == (2, 2)  # NSL and sedition; no law named: not counted
    assert {b.key: (b.lower, b.upper) for b in nsl.buckets} == {
        "hk.crimes": (1, 1),
        "hk.nsl": (1, 1),
    }
    protest = figure(store, "protest-2019-arrests", "2021-12-31")
    assert (protest.lower, protest.upper) == (1, 1)


def test_figures_rule_variants_differ_for_stated_reasons(store: Store) -> None:
    (event_id,) = add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-03-01"),
    )
    resolved(store)
    text = (Path(__file__).parents[2] / "src/casebook/count/rules/hk.yaml").read_text()
    strict = read_rulebook(
        text.replace(
            "id: nsl-arrests\n    version: 1", "id: nsl-arrests-reviewed\n    version: 1", 1
        ).replace("candidates: include", "candidates: upper", 1)
    )
    variant = strict.get("nsl-arrests-reviewed")
    assert variant.candidates == "upper"
    # Unreviewed: the shipped rule counts it, the variant only in its upper bound.
    assert figure(store, "nsl-arrests", "2021-12-31").lower == 1
    before = figure(store, variant, "2021-12-31", rulebook=strict)
    assert (before.lower, before.upper) == (0, 1)
    confirm_event(store, Actor(ACTOR, "reviewer"), event_id, None)
    after = figure(store, variant, "2021-12-31", rulebook=strict)
    assert (after.lower, after.upper) == (1, 1)
    assert after.record != before.record  # the review moved the record's state


def test_figures_current_detention_follows_each_case(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-01-06"),
        {
            "text": "Chan Siu-ming was denied bail.",
            "type": "bail_denied",
            "persons": CHAN,
            "date": "2021-03-04",
        },
        {
            "text": "Chan Siu-ming was sentenced to 36 months.",
            "type": "sentence",
            "persons": CHAN,
            "date": "2022-03-04",
            "sentence_months": 36.0,
            "law_id": "hk.nsl",
        },
        nsl_arrest("Wong Ka-yan was arrested under the NSL.", WONG, "2021-01-06"),
        {
            "text": "Wong Ka-yan was granted bail.",
            "type": "bail_granted",
            "persons": WONG,
            "date": "2021-01-08",
        },
    )
    resolved(store)
    rule = "currently-detained"
    assert (figure(store, rule, "2021-01-07").lower, figure(store, rule, "2021-01-07").upper) == (
        0,
        2,
    )
    assert (figure(store, rule, "2021-02-01").lower, figure(store, rule, "2021-02-01").upper) == (
        0,
        1,
    )
    assert (figure(store, rule, "2021-06-01").lower, figure(store, rule, "2021-06-01").upper) == (
        1,
        1,
    )
    # Remanded from 2021-03-04: two thirds of 36 months served by early 2023, the full
    # term from sentence by March 2025: released between the two, so possibly detained.
    assert (figure(store, rule, "2023-06-01").lower, figure(store, rule, "2023-06-01").upper) == (
        0,
        1,
    )
    assert figure(store, rule, "2025-06-01").upper == 0
    # Cumulative: both were arrested, whatever happened next.
    assert figure(store, "nsl-arrests", "2025-06-01").lower == 2


def test_figures_release_ends_custody(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-01-06"),
        {
            "text": "Chan Siu-ming was denied bail.",
            "type": "bail_denied",
            "persons": CHAN,
            "date": "2021-01-08",
        },
        {
            "text": "Chan Siu-ming was released.",
            "type": "release",
            "persons": CHAN,
            "date": "2021-09-01",
        },
    )
    resolved(store)
    assert figure(store, "currently-detained", "2021-08-31").lower == 1
    assert figure(store, "currently-detained", "2021-09-01").upper == 0


def test_figures_same_arrest_in_five_outlets_counts_53_not_265(store: Store) -> None:
    add_reports(
        store,
        *[
            nsl_arrest(
                f"Outlet {n}: police arrested 53 people under the national security law.",
                [],
                "2021-01-06",
                count=53,
                published=f"2021-01-0{n + 6}",
            )
            for n in range(1, 4)
        ],
    )
    resolved(store)
    found = figure(store, "nsl-arrests", "2021-12-31")
    assert (found.lower, found.upper) == (53, 53)
    assert len(found.sources) == 3


def test_figures_reported_totals_sit_beside_the_figure_and_disagreement_is_flagged(
    store: Store,
) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-03-01"),
        {
            "text": "Police said 109 people had been arrested under the national security law.",
            "type": "reported_total",
            "counts_type": "arrest",
            "count": 109,
            "date": "2021-06-17",
        },
        {
            "text": "More than 10,000 were arrested in connection with the 2019 protests.",
            "type": "reported_total",
            "counts_type": "arrest",
            "count": 10000,
            "date": "2021-06-18",
        },
    )
    resolved(store)
    nsl = figure(store, "nsl-arrests", "2021-12-31")
    (total,) = nsl.reported
    assert (
        total.count == 109 and not total.agrees and "cases missing" in (total.disagreement() or "")
    )
    assert (total.lower, total.upper) == (1, 1)
    protest = figure(store, "protest-2019-arrests", "2021-12-31")
    assert [t.count for t in protest.reported] == [10000]


def test_figures_json_is_byte_identical_and_names_rule_and_record(store: Store) -> None:
    add_reports(
        store, nsl_arrest("Chan Siu-ming was arrested under the security law.", CHAN, "2021-03-01")
    )
    resolved(store)
    first = figure(store, "nsl-arrests", "2021-12-31", by="month").to_json()
    second = figure(store, "nsl-arrests", "2021-12-31", by="month").to_json()
    assert first == second
    assert '"id": "nsl-arrests"' in first and '"version": 1' in first and '"audit_hash"' in first
    add_reports(
        store, nsl_arrest("Wong Ka-yan was arrested under the security law.", WONG, "2021-04-01")
    )
    resolved(store)
    third = figure(store, "nsl-arrests", "2021-12-31").as_json()
    assert third["lower"] == 2 and third["record"] != compute_json_record(first)


def compute_json_record(text: str) -> object:
    import json

    return json.loads(text)["record"]


def test_figures_organisations_closed_since_the_law(store: Store) -> None:
    add_reports(
        store,
        {
            "text": "Demosisto disbanded on Tuesday.",
            "type": "org_disbanded",
            "organisations": ["Demosisto"],
            "date": "2020-06-30",
        },
        {
            "text": "Apple Daily closed its newsroom.",
            "type": "org_closed",
            "organisations": ["Apple Daily"],
            "date": "2021-06-24",
        },
        {
            "text": "Three unions voted to disband.",
            "type": "org_disbanded",
            "count": 3,
            "date": "2021-09-01",
        },
        {
            "text": "The Old Club disbanded in 2019.",
            "type": "org_disbanded",
            "organisations": ["The Old Club"],
            "date": "2019-05-01",
        },
    )
    resolved(store)
    found = figure(store, "orgs-closed", "2021-12-31")
    assert (found.lower, found.upper) == (3, 5)


def test_figures_month_series_tracks_the_bounds(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-01-15"),
        nsl_arrest("Wong Ka-yan was arrested under the NSL.", WONG, "2021-03-15"),
    )
    resolved(store)
    points = month_series(
        store, RULES.get("nsl-arrests"), dt.date(2021, 1, 1), dt.date(2021, 3, 20), rulebook=RULES
    )
    assert [(str(day), low, high) for day, low, high in points] == [
        ("2021-01-31", 1, 1),
        ("2021-02-28", 1, 1),
        ("2021-03-20", 2, 2),
    ]


def test_figures_unknown_breakdown_is_a_clear_error(store: Store) -> None:
    with pytest.raises(UsageError, match="by 'colour'"):
        figure(store, "nsl-arrests", "2021-12-31", by="colour")


def test_figures_breakdown_by_age_and_outcome(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-01-06"),
        nsl_arrest(
            "A 16-year-old, Ho Wai-man, was arrested under the NSL.",
            [("Ho Wai-man", 16)],
            "2021-01-07",
        ),
        {
            "text": "Chan Siu-ming was charged.",
            "type": "charge",
            "persons": CHAN,
            "date": "2021-01-08",
            "law_id": "hk.nsl",
        },
    )
    resolved(store)
    ages = figure(store, "nsl-arrests", "2021-12-31", by="age")
    assert {b.key: b.upper for b in ages.buckets} == {"30-49": 1, "under 18": 1}
    outcomes = figure(store, "nsl-arrests", "2021-12-31", by="outcome")
    assert {b.key: b.upper for b in outcomes.buckets} == {
        "arrested, not (yet) charged": 1,
        "charged, awaiting trial": 1,
    }


def test_rulebook_is_checked_against_the_catalogue(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "src/casebook/count/rules/hk.yaml").read_text()
    broken = text.replace(
        "laws: [hk.poo]\n    unknown_law", "laws: [hk.nowhere]\n    unknown_law", 1
    )
    broken = broken.replace("counts: organisations", "counts: parrots", 1)
    with pytest.raises(Exception) as caught:
        read_rulebook(broken, "mine.yaml")
    message = str(caught.value)
    assert "mine.yaml: rules[4].counts" in message
    assert isinstance(RULES, Rulebook)


def test_rulebook_unknown_law_is_reported_with_its_place() -> None:
    text = (Path(__file__).parents[2] / "src/casebook/count/rules/hk.yaml").read_text()
    broken = text.replace(
        "laws: [hk.poo]\n    unknown_law", "laws: [hk.nowhere]\n    unknown_law", 1
    )
    with pytest.raises(
        Exception, match=r"mine.yaml: rules\[5\].laws\[0\]: unknown law or offence 'hk.nowhere'"
    ):
        read_rulebook(broken, "mine.yaml")


def test_rulebook_answers_claims_by_type_and_law() -> None:
    assert [r.id for r in RULES.answering("arrest", "hk.nsl")] == ["nsl-arrests"]
    assert [r.id for r in RULES.answering("arrest", "hk.nsl.art22")] == ["nsl-arrests"]
    assert [r.id for r in RULES.answering("arrest", "hk.poo")] == ["protest-2019-arrests"]
    assert [r.id for r in RULES.answering("org_disbanded", None)] == ["orgs-closed"]
    assert RULES.answering("arrest", None) == []


def _variant(old: str, new: str, rule_id: str) -> tuple[Rulebook, CountingRule]:
    text = (Path(__file__).parents[2] / "src/casebook/count/rules/hk.yaml").read_text()
    assert old in text
    book = read_rulebook(text.replace(old, new, 1))
    return book, book.get(rule_id)


def test_figures_counting_arrests_not_people_sums_each_event(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-03-01"),
        nsl_arrest("Chan Siu-ming was arrested again under the NSL.", CHAN, "2022-03-01"),
        nsl_arrest("Police arrested 10 people under the NSL.", [], "2022-04-01", count=10),
    )
    resolved(store)
    book, arrests = _variant(
        "    counts: persons\n    events: [arrest]\n    laws: [hk.nsl",
        "    counts: events\n    events: [arrest]\n    laws: [hk.nsl",
        "nsl-arrests",
    )
    persons = figure(store, "nsl-arrests", "2022-12-31")
    events = figure(store, arrests, "2022-12-31", rulebook=book)
    assert (persons.lower, persons.upper) == (10, 11)  # Chan may be among the ten
    assert (events.lower, events.upper) == (12, 12)  # two arrests of Chan, ten of others


def test_figures_arrests_by_a_named_unit_only(store: Store) -> None:
    add_reports(
        store,
        nsl_arrest(
            "The national security department arrested Chan Siu-ming.",
            CHAN,
            "2021-03-01",
            organisations=["national security department"],
        ),
        nsl_arrest("Police arrested Wong Ka-yan under the NSL.", WONG, "2021-03-02"),
    )
    with store.session(ACTOR) as session:  # the unit acted: mark its mention as the agent
        from sqlalchemy import update

        from casebook.store.schema import Mention

        session.execute(update(Mention).where(Mention.kind == "organisation").values(role="agent"))
    resolved(store)
    book, unit = _agents_variant()
    found = figure(store, unit, "2021-12-31", rulebook=book)
    # Chan: arrested by the named unit (certain); Wong: no unit named (possible only).
    assert (found.lower, found.upper) == (1, 2)


def _agents_variant() -> tuple[Rulebook, CountingRule]:
    return _variant(
        "    unknown_law: exclude\n    since: 2020-06-30\n",
        "    unknown_law: exclude\n    agents: [national security department]\n"
        "    since: 2020-06-30\n",
        "nsl-arrests",
    )


def test_figures_facts_survive_writes_that_change_nothing_counted(
    store: Store, tmp_path: Path
) -> None:
    add_reports(store, nsl_arrest("Chan Siu-ming was arrested under the NSL.", CHAN, "2021-03-01"))
    resolved(store)
    first = figure(store, "nsl-arrests", "2021-12-31")
    built = _fact_ids(store)
    report = tmp_path / "weather.txt"
    report.write_text("A report about the weather, with no arrests in it.", encoding="utf-8")
    list(ingest(store, config(store), [str(report)]))  # a new source: nothing counted changes
    second = figure(store, "nsl-arrests", "2021-12-31")
    assert _fact_ids(store) == built  # not rebuilt
    assert second.record.seq > first.record.seq
    assert (second.lower, second.upper, second.events) == (first.lower, first.upper, first.events)
    add_reports(store, nsl_arrest("Wong Ka-yan was arrested under the NSL.", WONG, "2021-04-01"))
    resolved(store)
    assert figure(store, "nsl-arrests", "2021-12-31").lower == 2


def _fact_ids(store: Store) -> list[int]:
    from sqlalchemy import select

    from casebook.store.schema import CountFact

    with store.reader() as session:
        return list(session.scalars(select(CountFact.id).order_by(CountFact.id)))
