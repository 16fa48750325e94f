"""Name parsing, sound folding and blocking keys (casebook.resolve.names)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casebook.resolve import names
from casebook.resolve.names import (
    POST_NOMINALS,
    TITLE_PHRASES,
    _may_have_titles,
    _parse_written,
    _strip_titles,
    chinese_pinyin,
    derived,
    fold_syllable,
    keep_derived,
    keys,
    normalise,
    parse_fields,
    parse_name,
    segment_syllables,
    sounds,
    to_traditional,
)


@pytest.mark.parametrize(
    ("text", "family", "given", "english"),
    [
        ("Jimmy Lai", "lai", (), ("jimmy",)),
        ("Jimmy Lai Chee-ying", "lai", ("chee", "ying"), ("jimmy",)),
        ("Lai Chee-ying", "lai", ("chee", "ying"), ()),
        ("Lai Chee Ying", "lai", ("chee", "ying"), ()),
        ("Lai Cheeying", "lai", ("chee", "ying"), ()),
        ("LAI Chee-ying", "lai", ("chee", "ying"), ()),
        ("Chee-ying Lai", "lai", ("chee", "ying"), ()),
        ("Chee Ying Lai", "lai", ("chee", "ying"), ()),
        ("LAI, Chee-ying Jimmy", "lai", ("chee", "ying"), ("jimmy",)),
        ("Wong Chi-fung, Joshua", "wong", ("chi", "fung"), ("joshua",)),
        ("Agnes CHOW Ting", "chow", ("ting",), ("agnes",)),
        ("Au-Yeung Ka-wai", "auyeung", ("ka", "wai"), ()),
        ("Fiona Mak Po-kam", "mak", ("po", "kam"), ("fiona",)),
    ],
)
def test_names_parse_family_given_and_english(
    text: str, family: str, given: tuple[str, ...], english: tuple[str, ...]
) -> None:
    name = parse_name(text)
    assert (name.family, name.given, name.english) == (family, given, english)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Cardinal Joseph Zen", "cardinal"),
        ("Mr. Wong Chi-fung", "mr"),
        ("former lawmaker Leung Kwok-hung", "former lawmaker"),
        ("Dr Karen Chan", "dr"),
        ("Prof Benny Tai", "prof"),
    ],
)
def test_names_strip_honorifics_and_titles(text: str, title: str) -> None:
    name = parse_name(text)
    assert title in name.titles
    assert title.split()[-1] not in (name.family, *name.given, *name.english)


def _strip_titles_reference(words: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The slow original: every title phrase tried on every name, first match wins."""
    stripped: list[str] = []
    changed = True
    while changed and words:
        changed = False
        lowered = [w.lower().strip(",") for w in words]
        for title in TITLE_PHRASES:
            size = len(title)
            if tuple(lowered[:size]) == title and len(words) > size:
                stripped.append(" ".join(title))
                words, changed = words[size:], True
                break
    while len(words) > 1 and words[-1].lower().strip(",") in POST_NOMINALS:
        stripped.append(words[-1].lower().strip(","))
        words = words[:-1]
    return [w for w in words if w.strip(",")], tuple(stripped)


def _title_cases() -> list[list[str]]:
    phrases = [" ".join(title) for title in TITLE_PHRASES]
    shapes = [
        "{t} Chan Tai-man", "{T} Chan Tai-man", "{U}, Chan Tai-man", "{t}", "{t} Chan",
        "{t} {t} Chan Tai-man", "{t} Mr Chan Tai-man SC", "the {t} Chan", "former {t} Wong",
        "Chan Tai-man {t}", "{t} Chan Tai-man, JP", "{t} , Lai", "Chan Tai-man JP SC",
    ]  # fmt: skip
    texts = [
        shape.format(t=phrase, T=phrase.title(), U=phrase.upper())
        for phrase in phrases
        for shape in shapes
    ]
    texts += [f"{a} {b} Lee" for a in phrases for b in phrases]
    return [text.split() for text in texts] + [[], [","], ["Mr"], ["Mr", ","], ["JP"]]


def test_names_strip_titles_as_the_reference_does() -> None:
    for words in _title_cases():
        assert _strip_titles(list(words)) == _strip_titles_reference(list(words)), words


def test_names_keep_characters_beside_a_romanisation() -> None:
    assert parse_name("黎智英 (Jimmy Lai)").chinese == "黎智英"
    assert parse_name("Lai Chee-ying (黎智英)").chinese == "黎智英"
    assert parse_name("黎智英 (Jimmy Lai)").english == ("jimmy",)


def test_names_drop_quoted_nicknames_and_descriptions() -> None:
    assert parse_name('Leung Kwok-hung, "Long Hair"').given == ("kwok", "hung")
    assert parse_name("Jimmy Lai, 73, founder of a newspaper").english == ("jimmy",)


def test_names_simplified_and_traditional_share_one_form() -> None:
    assert to_traditional("黄之锋") == to_traditional("黃之鋒") == "黃之鋒"


@pytest.mark.parametrize(
    ("hk", "jyutping"),
    [("chee", "zi3"), ("ying", "jing1"), ("cheung", "zoeng1"), ("kwok", "gwok3"),
     ("yuen", "jyun4"), ("hui", "heoi2"), ("chu", "zyu1"), ("chow", "zau1"), ("law", "lo4"),
     ("shum", "sam4"), ("tsz", "zi2"), ("dick", "dik6"), ("fook", "fuk1"), ("wah", "waa4")],
)  # fmt: skip
def test_names_fold_hk_spelling_and_jyutping_together(hk: str, jyutping: str) -> None:
    assert fold_syllable(hk) & fold_syllable(jyutping)


def test_names_segment_run_together_given_names() -> None:
    assert segment_syllables("cheeying") == ("chee", "ying")
    assert segment_syllables("zhiying") == ("zhi", "ying")
    assert segment_syllables("xqz") is None


@pytest.mark.parametrize(
    "variant",
    ["Lai Chee Ying", "Lai Cheeying", "LAI Chee-ying", "Chee-ying Lai", "黎智英", "Lai Zi-jing"],
)
def test_names_variants_share_a_blocking_key(variant: str) -> None:
    assert keys(parse_name("Lai Chee-ying")) & keys(parse_name(variant))


def test_names_chinese_key_is_traditional() -> None:
    assert "zh:黃之鋒" in keys(parse_name("黄之锋"))


def test_names_pinyin_of_characters_is_a_key() -> None:
    assert keys(parse_name("黎智英")) & keys(parse_name("Li Zhiying"))


FAMILIES = st.sampled_from(["Chan", "Wong", "Lee", "Lai", "Cheung", "Au-Yeung", "Szeto", "Ng"])
SYLLABLES = st.sampled_from(["chee", "ying", "ka", "yan", "wai", "ming", "tsz", "kit", "on"])
ENGLISH = st.sampled_from(["", "Jimmy", "Agnes", "Karen", "Nathan"])
CHINESE = st.sampled_from(["", "黎智英", "黄之锋", "周庭", "歐陽家慧"])
TITLES = st.sampled_from(["", "Mr ", "Dr ", "Cardinal ", "former lawmaker "])


@st.composite
def written_names(draw: st.DrawFn) -> str:
    family = draw(FAMILIES)
    syllables = draw(st.lists(SYLLABLES, min_size=0, max_size=2))
    style = draw(st.sampled_from(["-", " ", ""]))
    given = style.join(syllables).capitalize() if syllables else ""
    english = draw(ENGLISH)
    order = draw(st.sampled_from(["family_first", "family_last", "upper"]))
    if order == "family_first":
        latin = f"{english} {family} {given}"
    elif order == "family_last":
        latin = f"{english} {given} {family}" if "-" in given else f"{english} {family} {given}"
    else:
        latin = f"{english} {family.upper()} {given}"
    chinese = draw(CHINESE)
    text = draw(TITLES) + " ".join(latin.split())
    return f"{text} ({chinese})" if chinese else text


@given(written_names())
def test_names_normalising_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert parse_name(once) == parse_name(text)


@given(st.text(max_size=40))
def test_names_parse_any_text_without_error(text: str) -> None:
    name = parse_name(text)
    assert normalise(name.display()) == normalise(normalise(name.display()))


def test_names_derived_is_computed_once_and_ignored_by_equality() -> None:
    name, fresh = parse_name("黎智英 (Jimmy Lai)"), parse_name("黎智英 (Jimmy Lai)")
    found = derived(name)
    assert derived(name) is found
    assert found == (sounds(fresh), chinese_pinyin(fresh))
    assert name == fresh and hash(name) == hash(fresh)


def test_names_keep_derived_gives_the_name_what_another_process_computed() -> None:
    name = parse_name("LAI Chee-ying")
    found = derived(parse_name("LAI Chee-ying"))
    keep_derived(name, found)
    assert derived(name) is found and keys(name) == keys(parse_name("LAI Chee-ying"))


# Characters alone take a shortcut; a compatibility ideograph (豈, U+F900) must not.
CHARACTERS = st.text(
    st.sampled_from("黎智英黄之锋周庭歐陽家慧陳大文\uf900\u4e00"), min_size=1, max_size=5
)


@given(st.one_of(written_names(), CHARACTERS))
def test_names_shortcuts_parse_as_the_general_path(text: str) -> None:
    assert parse_fields(text) == _parse_written(text)


WORDS = st.sampled_from(["Mr", "former", "lawmaker", "Chan", "Tai-man", "JP", "SBS", ",", "Lee,"])


@given(st.lists(WORDS, max_size=5))
def test_names_titles_are_looked_for_only_where_there_can_be_one(words: list[str]) -> None:
    if not _may_have_titles(words):
        assert _strip_titles(words) == (words, ())


def _clear_part_caches() -> None:
    for cached in (
        names._chinese_keys,
        names._romanised_keys,
        names._characters,
        names._family_characters,
        names._given_characters,
        names._romanised_sound,
        names._given_sound_keys,
    ):
        cached.cache_clear()


@given(st.lists(written_names(), min_size=1, max_size=8))
def test_names_keys_do_not_depend_on_what_the_part_caches_hold(texts: list[str]) -> None:
    """Keys and sounds come from caches per part of a name (characters, romanised name);
    computed with cold caches, in another order, they are the same."""
    warm = [(keys(parse_name(t)), derived(parse_name(t))) for t in texts]
    _clear_part_caches()
    cold = [(keys(parse_name(t)), derived(parse_name(t))) for t in reversed(texts)]
    assert warm == cold[::-1]
