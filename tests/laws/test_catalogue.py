"""The law catalogue loader and the shipped Hong Kong catalogue."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

import casebook.laws.catalogue as catalogue_module
from casebook.errors import CatalogueError, NotFoundError
from casebook.laws import Catalogue, known_jurisdictions, load_catalogue, read_catalogue

# A second, made-up jurisdiction: small, valid, and the base every bad variant edits.
SMALL = """\
jurisdiction: xx
name: Example Republic
version: 1
laws:
  - id: xx.penal
    name: Penal Code
    phrases: [penal code, the old code]
    in_force_from: 2001-01-01
    sources:
      - url: https://example.org/penal-code
        title: Penal Code
    offences:
      - id: xx.penal.s1
        name: Insulting the state
        articles: ["1"]
        phrases: [insulting the state]
      - id: xx.penal.s2
        name: Unlawful gathering
        articles: ["2"]
        phrases: [unlawful gathering]
series:
  - id: xx.series.arrests
    name: Arrests under the Penal Code
    covers: [xx.penal]
    sources:
      - url: https://example.org/statistics
"""


def write(tmp_path: Path, text: str, name: str = "xx.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(*replacements: tuple[str, str]) -> str:
    text = SMALL
    for old, new in replacements:
        assert old in text, f"test setup: {old!r} not in SMALL"
        text = text.replace(old, new, 1)
    return text


def problems_in(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path=write(tmp_path, text))
    return caught.value.problems


def reported(problems: list[str], expected: str) -> bool:
    return any(problem.startswith(expected) for problem in problems)


@pytest.fixture(scope="module")
def hk() -> Catalogue:
    return load_catalogue("hk")


# --- the shipped Hong Kong catalogue -------------------------------------------------


def test_catalogue_hk_is_shipped_and_loads(hk: Catalogue) -> None:
    assert "hk" in known_jurisdictions()
    assert (hk.jurisdiction, hk.version >= 1) == ("hk", True)
    assert {law.id for law in hk.laws} >= {"hk.nsl", "hk.crimes", "hk.snso", "hk.poo"}


@pytest.mark.parametrize(
    "offence_id",
    [
        "hk.nsl.art20",  # secession
        "hk.nsl.art22",  # subversion
        "hk.nsl.art24",  # terrorist activities
        "hk.nsl.art29",  # collusion with a foreign country or external elements
        "hk.crimes.s10",  # sedition
        "hk.poo.s18",  # unlawful assembly
        "hk.poo.s19",  # riot
        "hk.snso.s24",  # seditious intention under the 2024 ordinance
    ],
)
def test_catalogue_hk_contains_offence(hk: Catalogue, offence_id: str) -> None:
    assert hk.knows(offence_id)
    assert hk.offence(offence_id).articles


def test_catalogue_hk_has_the_2024_ordinance_with_its_offences(hk: Catalogue) -> None:
    snso = hk.law("hk.snso")
    assert snso.in_force_from == date(2024, 3, 23)
    assert {"hk.snso.s10", "hk.snso.s15", "hk.snso.s43", "hk.snso.s52"} <= {
        offence.id for offence in snso.offences
    }


def test_catalogue_hk_offence_ids_start_with_their_law_id(hk: Catalogue) -> None:
    for law in hk.laws:
        for offence in law.offences:
            assert offence.id.startswith(f"{law.id}.")
            assert offence.law_id == law.id
            assert hk.law_of(offence.id) == law


def test_catalogue_hk_sedition_moves_to_the_2024_ordinance(hk: Catalogue) -> None:
    assert hk.law_of("hk.crimes.s10").in_force_until == date(2024, 3, 22)
    assert hk.law_of("hk.snso.s24").in_force_from == date(2024, 3, 23)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("beijing-imposed security law", {"hk.nsl"}),
        ("national security law", {"hk.nsl"}),
        ("colonial-era sedition law", {"hk.crimes", "hk.crimes.s10"}),
        ("article 23 legislation", {"hk.snso"}),
        ("safeguarding national security ordinance", {"hk.snso"}),
        ("conspiracy to commit subversion", {"hk.nsl.art22"}),
        ("collusion with foreign forces", {"hk.nsl.art29"}),
        ("seditious publications", {"hk.crimes.s10"}),
        ("rioting", {"hk.poo.s19"}),
        ("unlawful assembly", {"hk.poo.s18"}),
    ],
)
def test_catalogue_hk_phrase_refers_to(hk: Catalogue, phrase: str, expected: set[str]) -> None:
    assert dict(hk.phrases())[phrase] in expected


def test_catalogue_phrases_are_lower_case_unique_and_longest_first(hk: Catalogue) -> None:
    pairs = hk.phrases()
    phrases = [phrase for phrase, _ in pairs]
    assert all(phrase == phrase.lower() for phrase in phrases)
    assert len(phrases) == len(set(phrases))
    assert [len(p) for p in phrases] == sorted((len(p) for p in phrases), reverse=True)
    assert all(hk.knows(target) for _, target in pairs)


def test_catalogue_hk_every_law_and_offence_names_a_source(hk: Catalogue) -> None:
    for law in hk.laws:
        assert law.sources, law.id
        for offence in law.offences:
            assert offence.sources, offence.id
            assert all(url.startswith(("https://", "http://")) for url in offence.sources)


def test_catalogue_hk_series_separate_national_security_from_protest_arrests(
    hk: Catalogue,
) -> None:
    national_security = hk.series_by_id("hk.series.national_security_arrests")
    protests = hk.series_by_id("hk.series.protest_2019_arrests")
    assert {"hk.nsl", "hk.crimes.s10", "hk.snso"} <= set(national_security.covers)
    assert not {"hk.nsl", "hk.snso"} & set(protests.covers)
    assert all(hk.knows(cover) for series in hk.series for cover in series.covers)


def test_catalogue_lookup_of_unknown_id_raises_not_found(hk: Catalogue) -> None:
    assert not hk.knows("hk.nsl.art99")
    with pytest.raises(NotFoundError, match=r"hk\.nsl\.art99"):
        hk.offence("hk.nsl.art99")
    with pytest.raises(NotFoundError):
        hk.law("hk.nsl.art22")  # an offence id is not a law id


def test_catalogue_is_not_built_at_import_time() -> None:
    assert not any(isinstance(value, Catalogue) for value in vars(catalogue_module).values())


# --- any jurisdiction: a new one is a data change --------------------------------------


def test_catalogue_loads_a_second_jurisdiction_without_code_changes(tmp_path: Path) -> None:
    catalogue = load_catalogue(path=write(tmp_path, SMALL))
    assert (catalogue.jurisdiction, catalogue.version) == ("xx", 1)
    assert catalogue.law_of("xx.penal.s2").name == "Penal Code"
    assert catalogue.law("xx.penal").in_force_from == date(2001, 1, 1)
    assert catalogue.phrases()[0] == ("insulting the state", "xx.penal.s1")
    assert catalogue.series_by_id("xx.series.arrests").covers == ("xx.penal",)
    assert read_catalogue(SMALL, "xx.yaml") == catalogue


def test_catalogue_reads_a_file_again_after_it_changes(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    assert load_catalogue(path=path).version == 1
    path.write_text(SMALL.replace("version: 1", "version: 12"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert load_catalogue(path=path).version == 12


def test_catalogue_unknown_jurisdiction_is_reported() -> None:
    with pytest.raises(CatalogueError, match="no law catalogue for 'zz'"):
        load_catalogue("zz")


# --- validation: every problem, with where it is --------------------------------------


def test_catalogue_rejects_duplicate_offence_ids(tmp_path: Path) -> None:
    problems = problems_in(tmp_path, edited(("id: xx.penal.s2", "id: xx.penal.s1")))
    assert problems == [
        "xx.yaml: laws[0].offences[1].id: duplicate id 'xx.penal.s1'"
        " (first declared at laws[0].offences[0].id)"
    ]


@pytest.mark.parametrize(
    ("replacements", "expected"),
    [
        pytest.param(
            [("        name: Insulting the state\n", "")],
            "xx.yaml: laws[0].offences[0].name: required",
            id="missing_required_key",
        ),
        pytest.param(
            [("    phrases: [penal code", "    phrase: [x]\n    phrases: [penal code")],
            "xx.yaml: laws[0].phrase: unknown key",
            id="unknown_key",
        ),
        pytest.param(
            [("id: xx.penal.s2", "id: xx.other.s2")],
            "xx.yaml: laws[0].offences[1].id: 'xx.other.s2' must start with its parent's id"
            " 'xx.penal.'",
            id="offence_id_not_under_its_law",
        ),
        pytest.param(
            [("id: xx.penal\n", "id: yy.penal\n")],
            "xx.yaml: laws[0].id: 'yy.penal' must start with its parent's id 'xx.'",
            id="law_id_not_under_its_jurisdiction",
        ),
        pytest.param(
            [("id: xx.series.arrests", "id: xx.arrests")],
            "xx.yaml: series[0].id: 'xx.arrests' must start with its parent's id 'xx.series.'",
            id="series_id_not_under_series",
        ),
        pytest.param(
            [("phrases: [unlawful gathering]", "phrases: [penal code]")],
            "xx.yaml: laws[0].offences[1].phrases[0]: phrase 'penal code' already refers to"
            " xx.penal (at laws[0].phrases[0])",
            id="same_phrase_two_ids",
        ),
        pytest.param(
            [("phrases: [insulting the state]", "phrases: [Insulting the State]")],
            "xx.yaml: laws[0].offences[0].phrases[0]: 'Insulting the State' must be lower-case",
            id="phrase_not_lower_case",
        ),
        pytest.param(
            [("in_force_from: 2001-01-01", "in_force_from: 2001-02-30")],
            "xx.yaml: laws[0].in_force_from: '2001-02-30' is not a date",
            id="impossible_date",
        ),
        pytest.param(
            [("in_force_from: 2001-01-01", "in_force_from: last year")],
            "xx.yaml: laws[0].in_force_from: 'last year' is not a date",
            id="date_not_iso",
        ),
        pytest.param(
            [
                (
                    "in_force_from: 2001-01-01",
                    "in_force_until: 2000-12-31\n    in_force_from: 2001-01-01",
                )
            ],
            "xx.yaml: laws[0].in_force_until: 2000-12-31 is before in_force_from",
            id="ends_before_it_starts",
        ),
        pytest.param(
            [("covers: [xx.penal]", "covers: [xx.penal, xx.penal.s9]")],
            "xx.yaml: series[0].covers[1]: unknown id 'xx.penal.s9'",
            id="series_covers_unknown_id",
        ),
        pytest.param(
            [("version: 1", "version: one")],
            "xx.yaml: version: must be a whole number",
            id="version_not_a_number",
        ),
        pytest.param(
            [('articles: ["1"]', "articles: [1]")],
            "xx.yaml: laws[0].offences[0].articles[0]: must be a non-empty text",
            id="article_number_not_quoted",
        ),
        pytest.param(
            [("      - url: https://example.org/penal-code", "      - url: example.org")],
            "xx.yaml: laws[0].sources[0].url: 'example.org' must start with https://",
            id="source_url_not_a_web_address",
        ),
        pytest.param(
            [('        articles: ["2"]\n', '        articles: ["2"]\n        name: Again\n')],
            "xx.yaml: line 20, column 9: YAML syntax error: repeated key 'name'",
            id="repeated_key_with_line",
        ),
        pytest.param(
            [("    name: Penal Code\n", "    name: Penal Code: 1990\n")],
            "xx.yaml: line 6, column",
            id="yaml_syntax_error_with_line",
        ),
    ],
)
def test_catalogue_reports_problem_with_its_location(
    tmp_path: Path, replacements: list[tuple[str, str]], expected: str
) -> None:
    problems = problems_in(tmp_path, edited(*replacements))
    assert reported(problems, expected), problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just\n- a list\n", "xx.yaml: must be a mapping (is list)"),
        ("", "xx.yaml: must be a mapping (is empty)"),
    ],
)
def test_catalogue_rejects_a_file_that_is_not_a_mapping(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert problems_in(tmp_path, text) == [expected]


def test_catalogue_reports_several_problems_at_once(tmp_path: Path) -> None:
    text = edited(
        ("id: xx.penal.s2", "id: xx.penal.s1"),
        ("in_force_from: 2001-01-01", "in_force_from: 2001-13-01"),
        ("covers: [xx.penal]", "covers: [xx.nowhere]"),
        ("phrases: [unlawful gathering]", "phrases: [penal code]"),
        ("name: Example Republic\n", ""),
    )
    problems = problems_in(tmp_path, text)
    for expected in [
        "xx.yaml: name: required",
        "xx.yaml: laws[0].in_force_from: '2001-13-01' is not a date",
        "xx.yaml: laws[0].offences[1].id: duplicate id 'xx.penal.s1'",
        "xx.yaml: laws[0].offences[1].phrases[0]: phrase 'penal code' already refers to xx.penal",
        "xx.yaml: series[0].covers[0]: unknown id 'xx.nowhere'",
    ]:
        assert reported(problems, expected), problems
    assert len(problems) == 5
    assert "\n  xx.yaml: " in str(CatalogueError(problems))
