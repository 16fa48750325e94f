"""Scoring extraction against a gold set: real folders in tmp_path, no mocks."""

from __future__ import annotations

import copy
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from casebook.extract.evaluate import (
    EvaluationDataError,
    Scores,
    evaluate,
    load_gold,
    normalise_name,
    score,
)

DEV_SET = Path(__file__).resolve().parent.parent / "data" / "extract"

TEXT = (
    "Police arrested Chan Siu-ming, 34, on 28 May under the ordinance. "
    "A court jailed Lee Ka-yan for 18 months on 14 June."
)
ARREST = TEXT.index("Police")
SENTENCE = TEXT.index("A court")


def _event(kind: str, start: int, end: int, text: str = TEXT, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "date": None,
        "date_precision": None,
        "persons": [],
        "organisations": [],
        "count": None,
        "law": None,
        "offence": None,
        "sentence_months": None,
        "place": None,
        "counts_type": None,
        "evidence": {"start": start, "end": end, "quote": text[start:end]},
    }
    event.update(fields)
    return event


def _gold_events() -> list[dict[str, Any]]:
    return [
        _event(
            "arrest",
            ARREST,
            SENTENCE - 1,
            date="2024-05-28",
            persons=[{"name": "Chan Siu-ming", "age": 34}],
            count=1,
            law="hk.snso",
            offence="hk.snso.s24",
        ),
        _event(
            "sentence",
            SENTENCE,
            len(TEXT),
            date="2024-06-14",
            persons=[{"name": "Lee Ka-yan", "age": None}],
            law="hk.snso",
            sentence_months=18,
        ),
    ]


def _write(folder: Path, name: str, text: str, events: list[dict[str, Any]]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    data = {"published": "2024-06-15", "style": "wire", "events": events}
    (folder / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _predicted(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a system would return: the same contract plus a confidence."""
    return [{**copy.deepcopy(e), "confidence": 0.9} for e in events]


def _all_rows(report: Any) -> dict[str, Scores]:
    rows = {f"type:{t}": s for t, s in report.by_type.items()}
    rows.update({f"field:{f}": s for f, s in report.by_field.items()})
    rows["type_date_law"] = report.type_date_law
    return rows


def test_evaluate_perfect_prediction_scores_one_everywhere(tmp_path: Path) -> None:
    _write(tmp_path, "001-two-events", TEXT, _gold_events())
    report = evaluate(tmp_path, lambda text, published: _predicted(_gold_events()))
    assert report.reports == 1
    assert set(report.by_type) == {"arrest", "sentence"}
    for name, s in _all_rows(report).items():
        assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0), name


def test_evaluate_passes_text_and_published_date_to_the_predictor(tmp_path: Path) -> None:
    _write(tmp_path, "001-two-events", TEXT, _gold_events())
    seen: list[tuple[str, date | None]] = []

    def record(text: str, published: date | None) -> list[dict[str, Any]]:
        seen.append((text, published))
        return []

    evaluate(tmp_path, record)
    assert seen == [(TEXT, date(2024, 6, 15))]


def test_evaluate_empty_prediction_has_zero_precision_and_recall(tmp_path: Path) -> None:
    _write(tmp_path, "001-two-events", TEXT, _gold_events())
    report = evaluate(tmp_path, lambda text, published: [])
    assert report.type_date_law == Scores(tp=0, fp=0, fn=2)
    assert report.by_field["type"] == Scores(fn=2)
    for name, s in _all_rows(report).items():
        assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0), name


def test_evaluate_extra_event_is_a_false_positive_for_its_type() -> None:
    extra = _event("raid", 0, 6, date="2024-05-28")
    result = score(_gold_events(), [*_predicted(_gold_events()), extra])
    assert result.by_type["raid"] == Scores(fp=1)
    assert result.by_type["arrest"] == Scores(tp=1)
    assert result.by_field["type"] == Scores(tp=2, fp=1)
    assert result.by_field["date"] == Scores(tp=2, fp=1)
    assert result.type_date_law == Scores(tp=2, fp=1)


def test_evaluate_wrong_date_is_a_date_error_but_the_type_is_right() -> None:
    predicted = _predicted(_gold_events())
    predicted[0]["date"] = "2024-05"
    result = score(_gold_events(), predicted)
    assert result.by_type["arrest"] == Scores(tp=1)
    assert result.by_field["date"] == Scores(tp=1, fp=1, fn=1)
    assert result.type_date_law == Scores(tp=1, fp=1, fn=1)


def test_evaluate_same_date_pairs_events_whose_spans_do_not_overlap() -> None:
    gold = [_event("arrest", ARREST, SENTENCE - 1, date="2024-05-28")]
    predicted = [_event("arrest", SENTENCE, len(TEXT), date="2024-05-28")]
    assert score(gold, predicted).pairs == [(0, 0)]


def test_evaluate_different_types_never_pair() -> None:
    gold = [_event("arrest", ARREST, SENTENCE - 1, date="2024-05-28")]
    predicted = [_event("charge", ARREST, SENTENCE - 1, date="2024-05-28")]
    result = score(gold, predicted)
    assert result.pairs == []
    assert result.by_type == {"arrest": Scores(fn=1), "charge": Scores(fp=1)}


def test_evaluate_name_variants_match() -> None:
    gold = _gold_events()[:1]
    predicted = _predicted(gold)
    predicted[0]["persons"] = [{"name": "CHAN Siu Ming (陳少明)", "age": 34}]
    gold[0]["persons"] = [{"name": "Mr Chan Siu-ming", "age": 34}]
    result = score(gold, predicted)
    assert result.by_field["persons"] == Scores(tp=1)
    assert result.by_field["age"] == Scores(tp=1)


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("Mr Chan Siu-ming", "CHAN Siu Ming (陳少明)", True),
        ("Cardinal Joseph Zen", "joseph zen", True),
        ("Dr. Lee Ka-yan", "Lee Ka Yan", True),
        ("陳少明 Chan Siu-ming", "Chan Siu-ming", True),
        ("Chan Siu-ming", "Chan Siu-wai", False),
        ("Chan Siu-ming", "Chan Siu", False),
        ("陳少明", "陳少明", True),
        ("陳少明", "李家欣", False),
    ],
)
def test_evaluate_names_compare_after_normalisation(left: str, right: str, same: bool) -> None:
    assert (normalise_name(left) == normalise_name(right)) is same


@given(st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6), min_size=1))
def test_evaluate_names_ignore_case_hyphens_and_honorifics(tokens: list[str]) -> None:
    assert normalise_name("Ms " + "-".join(tokens).upper()) == normalise_name(" ".join(tokens))


def test_evaluate_extra_and_missed_persons_and_wrong_age() -> None:
    gold = _gold_events()[:1]
    gold[0]["persons"].append({"name": "Wong Tak-chiu", "age": 20})
    predicted = _predicted(_gold_events()[:1])
    predicted[0]["persons"] = [{"name": "Chan Siu-ming", "age": 43}, {"name": "Ho Chun-kit"}]
    result = score(gold, predicted)
    assert result.by_field["persons"] == Scores(tp=1, fp=1, fn=1)
    assert result.by_field["age"] == Scores(tp=0, fp=1, fn=2)


def test_evaluate_persons_of_unpaired_events_count_wholly() -> None:
    result = score(_gold_events()[:1], [])
    assert result.by_field["persons"] == Scores(fn=1)
    assert result.by_field["age"] == Scores(fn=1)


def test_evaluate_two_events_of_one_type_pair_by_span_overlap() -> None:
    text = "Police held Ho Chun-kit on Monday. Separately, Ng Wing-sze was held on Tuesday."
    first, second = (0, text.index(" Separately")), (text.index("Ng"), len(text))
    gold = [
        _event("arrest", *first, text, date="2024-05-27", persons=[{"name": "Ho Chun-kit"}]),
        _event("arrest", *second, text, date="2024-05-28", persons=[{"name": "Ng Wing-sze"}]),
    ]
    predicted = [
        _event("arrest", second[0] + 3, second[1], text, persons=[{"name": "Ng Wing-sze"}]),
        _event("arrest", first[0], first[1] - 5, text, persons=[{"name": "Ho Chun-kit"}]),
    ]
    result = score(gold, predicted)
    assert result.pairs == [(0, 1), (1, 0)]
    assert result.by_field["persons"] == Scores(tp=2)


def test_evaluate_pairing_maximises_the_number_of_pairs() -> None:
    # A greedy pass would give the widest prediction to the first gold event and leave
    # the narrow one unpaired; the assignment pairs both.
    gold = [_event("arrest", 0, 10), _event("arrest", 8, 20)]
    predicted = [_event("arrest", 0, 12), _event("arrest", 0, 8)]
    assert score(gold, predicted).pairs == [(0, 1), (1, 0)]


@pytest.mark.parametrize(
    ("field", "gold_value", "predicted_value", "expected"),
    [
        ("sentence_months", 18, 18.5, Scores(tp=1)),
        ("sentence_months", 18, 19, Scores(fp=1, fn=1)),
        ("count", 6, 6, Scores(tp=1)),
        ("count", 6, 7, Scores(fp=1, fn=1)),
        ("count", None, 7, Scores(fp=1)),
        ("law", "hk.nsl", None, Scores(fn=1)),
        ("offence", "hk.nsl.art22", "hk.nsl.art22", Scores(tp=1)),
    ],
)
def test_evaluate_field_values_compare_by_kind(
    field: str, gold_value: Any, predicted_value: Any, expected: Scores
) -> None:
    gold = [_event("sentence", SENTENCE, len(TEXT), **{field: gold_value})]
    predicted = [_event("sentence", SENTENCE, len(TEXT), **{field: predicted_value})]
    assert score(gold, predicted).by_field[field] == expected


def test_evaluate_wrong_law_makes_the_event_wrong_for_type_date_law() -> None:
    predicted = _predicted(_gold_events())
    predicted[1]["law"] = "hk.nsl"
    result = score(_gold_events(), predicted)
    assert result.by_field["type"] == Scores(tp=2)
    assert result.type_date_law == Scores(tp=1, fp=1, fn=1)


def test_evaluate_report_lists_the_worst_reports_and_renders(tmp_path: Path) -> None:
    _write(tmp_path, "001-clean", TEXT, _gold_events())
    _write(tmp_path, "002-missed", TEXT, _gold_events())
    calls: list[str] = []

    def first_report_only(text: str, published: date | None) -> list[dict[str, Any]]:
        calls.append(text)
        return _predicted(_gold_events()) if len(calls) == 1 else []

    report = evaluate(tmp_path, first_report_only)
    assert [r.name for r in report.worst()] == ["002-missed"]
    console = Console(file=io.StringIO(), width=120)
    console.print(report.render())
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "type+date+law" in out and "002-missed" in out and "0.667" in out
    data = report.to_json()
    assert data["type_date_law"] == {
        "tp": 2,
        "fp": 0,
        "fn": 2,
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.667,
    }
    assert json.loads(json.dumps(data)) == data


def test_evaluate_malformed_gold_file_is_named_with_its_problem(tmp_path: Path) -> None:
    _write(tmp_path, "001-good", TEXT, _gold_events())
    (tmp_path / "002-broken.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "002-broken.json").write_text('{"events": [', encoding="utf-8")
    _write(tmp_path, "003-odd-type", TEXT, [_event("detention", 0, 6)])
    with pytest.raises(EvaluationDataError) as error:
        load_gold(tmp_path)
    assert len(error.value.problems) == 2
    message = str(error.value)
    assert "002-broken.json: not valid JSON" in message and "line 1" in message
    assert "003-odd-type.json: events[0]: unknown event type 'detention'" in message


def test_evaluate_gold_quote_must_equal_the_text_it_points_at(tmp_path: Path) -> None:
    events = _gold_events()
    events[1]["evidence"]["quote"] = "A court jailed Lee Ka-yan for 18 months"
    _write(tmp_path, "001-shifted", TEXT, events)
    with pytest.raises(
        EvaluationDataError, match=r"001-shifted\.json: events\[1\]: evidence quote"
    ):
        load_gold(tmp_path)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"evidence": {"start": 5, "end": 9999, "quote": "x"}}, "is not a range of the text"),
        ({"date": "28 May 2024"}, "date must be YYYY"),
        ({"count": "six"}, "count must be a number"),
        ({"persons": [{"age": 3}]}, "persons[0] must be an object"),
    ],
)
def test_evaluate_gold_event_problems_are_reported(
    tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    _write(tmp_path, "001-bad", TEXT, [{**_gold_events()[0], **change}])
    with pytest.raises(EvaluationDataError) as error:
        load_gold(tmp_path)
    assert problem in str(error.value)


def test_evaluate_text_without_gold_or_gold_without_text_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "001-good", TEXT, _gold_events())
    (tmp_path / "002-orphan.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "003-no-text.json").write_text('{"events": []}', encoding="utf-8")
    with pytest.raises(EvaluationDataError) as error:
        load_gold(tmp_path)
    assert error.value.problems == [
        "002-orphan.txt: no matching .json file",
        "003-no-text.json: no matching 003-no-text.txt",
    ]


def test_evaluate_missing_or_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvaluationDataError, match=r"no \.json gold files"):
        load_gold(tmp_path)
    with pytest.raises(EvaluationDataError, match="not a folder"):
        load_gold(tmp_path / "absent")


@pytest.mark.skipif(not list(DEV_SET.glob("*.json")), reason="no dev set in tests/data/extract")
def test_evaluate_dev_set_scores_one_when_predicting_the_gold_itself() -> None:
    gold = {report.text: report.events for report in load_gold(DEV_SET)}
    report = evaluate(DEV_SET, lambda text, published: _predicted(gold[text]))
    assert report.reports == len(gold)
    for name, s in _all_rows(report).items():
        if s.tp + s.fp + s.fn:  # a field no gold event fills has nothing to score
            assert s.f1 == 1.0, name
    assert report.worst() == []
