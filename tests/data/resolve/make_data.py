"""Generate the labelled resolution set: pairs.jsonl and clusters.jsonl (deterministic).

Run: .venv/bin/python tests/data/resolve/make_data.py  (writes beside this file).

Every generated person is FICTIONAL: a surname and one or two given-name characters drawn
from the tables below, spelt as Hong Kong identity cards spell them (the spellings here are
written by hand, independently of casebook's sound-folding rules). A few hand-written pairs
use public figures' name variants (Jimmy Lai / Lai Chee-ying / 黎智英) as name facts only.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import opencc
import pycantonese
from pypinyin import Style, lazy_pinyin

SEED = 20240323
HERE = Path(__file__).resolve().parent

# surname character, HK spelling
SURNAMES = [
    ("陳", "Chan"), ("黃", "Wong"), ("李", "Lee"), ("張", "Cheung"), ("何", "Ho"), ("劉", "Lau"),
    ("梁", "Leung"), ("吳", "Ng"), ("曾", "Tsang"), ("周", "Chow"), ("楊", "Yeung"), ("譚", "Tam"),
    ("林", "Lam"), ("馮", "Fung"), ("郭", "Kwok"), ("羅", "Law"), ("朱", "Chu"), ("馬", "Ma"),
    ("鄧", "Tang"), ("許", "Hui"), ("蔡", "Choi"), ("葉", "Yip"), ("麥", "Mak"), ("盧", "Lo"),
    ("關", "Kwan"), ("蕭", "Siu"), ("蘇", "So"), ("謝", "Tse"), ("區", "Au"), ("余", "Yu"),
    ("施", "Sze"), ("陸", "Luk"), ("方", "Fong"), ("戴", "Tai"), ("岑", "Shum"), ("鍾", "Chung"),
    ("江", "Kong"), ("袁", "Yuen"), ("高", "Ko"), ("趙", "Chiu"), ("黎", "Lai"), ("鄭", "Cheng"),
    ("莫", "Mok"), ("彭", "Pang"), ("潘", "Poon"), ("唐", "Tong"), ("呂", "Lui"), ("徐", "Tsui"),
    ("姚", "Yiu"), ("石", "Shek"), ("歐陽", "Au-Yeung"), ("司徒", "Szeto"),
]  # fmt: skip

# given-name character, HK spellings (first is the usual one; others seen on real cards)
GIVEN = [
    ("嘉", ["Ka", "Kar"]), ("家", ["Ka"]), ("欣", ["Yan"]), ("偉", ["Wai"]), ("文", ["Man"]),
    ("明", ["Ming"]), ("華", ["Wah", "Wa"]), ("志", ["Chi", "Chee"]), ("子", ["Tsz", "Chi"]),
    ("傑", ["Kit"]), ("俊", ["Chun"]), ("國", ["Kwok"]), ("強", ["Keung"]), ("豪", ["Ho"]),
    ("輝", ["Fai"]), ("雄", ["Hung"]), ("德", ["Tak"]), ("美", ["Mei"]), ("玲", ["Ling"]),
    ("慧", ["Wai"]), ("詩", ["Sze", "See"]), ("婷", ["Ting"]), ("敏", ["Man"]), ("芳", ["Fong"]),
    ("淑", ["Shuk"]), ("儀", ["Yee", "Yi"]), ("琪", ["Ki", "Kei"]), ("穎", ["Wing"]),
    ("恩", ["Yan"]), ("樂", ["Lok"]), ("健", ["Kin"]), ("康", ["Hong"]), ("安", ["On"]),
    ("永", ["Wing"]), ("耀", ["Yiu"]), ("光", ["Kwong"]), ("漢", ["Hon"]), ("卓", ["Cheuk"]),
    ("日", ["Yat"]), ("達", ["Tat"]), ("聰", ["Chung"]), ("鋒", ["Fung"]), ("庭", ["Ting"]),
    ("彤", ["Tung"]), ("朗", ["Long"]), ("晴", ["Ching"]), ("心", ["Sum", "Sam"]),
    ("思", ["Sze"]), ("浩", ["Ho"]), ("天", ["Tin"]), ("海", ["Hoi"]), ("少", ["Siu"]),
    ("秀", ["Sau"]), ("月", ["Yuet"]), ("玉", ["Yuk"]), ("雪", ["Suet"]), ("鳳", ["Fung"]),
    ("寶", ["Po"]), ("金", ["Kam"]), ("錦", ["Kam"]), ("潔", ["Kit"]), ("銘", ["Ming"]),
    ("鴻", ["Hung"]), ("振", ["Chun"]), ("啟", ["Kai"]), ("宏", ["Wang"]), ("泰", ["Tai"]),
    ("福", ["Fook", "Fuk"]), ("寬", ["Foon"]), ("展", ["Chin"]), ("立", ["Lap"]), ("力", ["Lik"]),
    ("業", ["Yip"]), ("賢", ["Yin"]), ("詠", ["Wing"]), ("惠", ["Wai"]), ("燕", ["Yin"]),
    ("柏", ["Pak"]), ("信", ["Shun"]), ("誠", ["Shing"]), ("世", ["Sai"]), ("頌", ["Chung"]),
    ("曉", ["Hiu"]), ("凱", ["Hoi"]), ("麗", ["Lai"]), ("智", ["Chi", "Chee"]), ("英", ["Ying"]),
    ("桂", ["Kwai"]), ("藍", ["Lam"]), ("幸", ["Hang"]), ("卿", ["Hing"]), ("仁", ["Yan"]),
    ("岳", ["Ngok"]), ("橋", ["Kiu"]), ("恆", ["Hang"]), ("榮", ["Wing"]),
]  # fmt: skip

ENGLISH = """
    Karen Jimmy Agnes Nathan Emily Martin Albert Benny Claudia Dennis Alvin Gwyneth
    Tiffany Lester Eddie Joshua Owen Ray Ted Kelvin Mandy Winnie Vincent Raymond Fiona
    Oscar Felix Ivy Queenie Hazel Cyrus Crystal Harry Janet Gordon Wendy Priscilla Stanley
    Yvonne Derek
""".split()  # noqa: SIM905

ORGANISATIONS = """Harbour Tenants Alliance|Kowloon Teachers Network|Victoria Press Collective|
Lantern Legal Aid Fund|Sai Kung Fishermen Union|Island Student Front|Pearl Workers Federation|
New Territories Social Workers Association|Lion Rock Bookshop|Eastern District Council|
Civic Nurses Union|Tsuen Wan Residents Association""".replace("\n", "").split("|")

TITLES = ["Mr", "Ms", "Dr", "Prof", "former lawmaker", "activist", "Rev", "Mrs"]

_S = opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Person:
    id: str
    family_chars: str
    family: str
    given_chars: str
    given: tuple[str, ...]
    english: str | None
    born: int
    organisations: tuple[str, ...]
    cases: tuple[str, ...]

    @property
    def chinese(self) -> str:
        return self.family_chars + self.given_chars


def make_person(rng: random.Random, number: int, prefix: str = "p") -> Person:
    family_chars, family = rng.choice(SURNAMES)
    size = 1 if rng.random() < 0.12 else 2
    picks = rng.sample(GIVEN, size)
    return Person(
        id=f"{prefix}{number:04d}",
        family_chars=family_chars,
        family=family,
        given_chars="".join(c for c, _ in picks),
        given=tuple(spellings[0] for _, spellings in picks),
        english=rng.choice(ENGLISH) if rng.random() < 0.6 else None,
        born=rng.randint(1945, 2006),
        organisations=tuple(rng.sample(ORGANISATIONS, rng.randint(1, 2))),
        cases=(f"case-{number:04d}",) if rng.random() < 0.5 else (),
    )


# --- Name variants: each returns a written form of the person's name ----------------------


def _given(p: Person, sep: str = "-") -> str:
    return sep.join(p.given).capitalize() if sep == "-" else sep.join(p.given)


def _jyutping(chars: str) -> list[str]:
    return [
        "".join(c for c in (jp or "") if c.isalpha())
        for _, jp in pycantonese.characters_to_jyutping(list(chars))
    ]


def _english(p: Person) -> str:
    if p.english is None:
        raise ValueError(f"{p.id} has no English name")
    return p.english


ENGLISH_VARIANTS = {
    "english_full",
    "english_after",
    "english_only",
    "english_honorific",
    "chinese_with_english",
}


VARIANTS: dict[str, Callable[[Person, random.Random], str]] = {
    "hyphen": lambda p, r: f"{p.family} {_given(p)}",
    "space": lambda p, r: f"{p.family} {_given(p, ' ')}",
    "run_together": lambda p, r: f"{p.family} {''.join(p.given).capitalize()}",
    "upper_family": lambda p, r: f"{p.family.upper()} {_given(p)}",
    "all_caps": lambda p, r: f"{p.family} {_given(p, ' ')}".upper(),
    "family_last": lambda p, r: f"{_given(p)} {p.family}",
    "comma": lambda p, r: f"{p.family.upper()}, {_given(p)}",
    "honorific": lambda p, r: f"{r.choice(TITLES)} {p.family} {_given(p)}",
    "english_full": lambda p, r: f"{_english(p)} {p.family} {_given(p)}",
    "english_after": lambda p, r: f"{p.family.upper()}, {_given(p)} {_english(p)}",
    "english_only": lambda p, r: f"{_english(p)} {p.family}",
    "english_honorific": lambda p, r: f"{r.choice(TITLES)} {_english(p)} {p.family}",
    "traditional": lambda p, r: p.chinese,
    "simplified": lambda p, r: _S.convert(p.chinese),
    "chinese_with_english": lambda p, r: f"{p.chinese} ({_english(p)} {p.family})",
    "latin_with_chinese": lambda p, r: f"{p.family} {_given(p)} ({p.chinese})",
    "jyutping": lambda p, r: (
        f"{''.join(_jyutping(p.family_chars)).capitalize()} "
        f"{'-'.join(_jyutping(p.given_chars)).capitalize()}"
    ),
    "pinyin": lambda p, r: (
        f"{''.join(lazy_pinyin(_S.convert(p.family_chars), style=Style.NORMAL)).capitalize()} "
        f"{''.join(lazy_pinyin(_S.convert(p.given_chars), style=Style.NORMAL)).capitalize()}"
    ),
}


def alternative_spelling(p: Person) -> Person | None:
    """The same person with another HK spelling of one given syllable, if one exists."""
    given = list(p.given)
    for index, char in enumerate(p.given_chars):
        spellings = dict(GIVEN)[char]
        if len(spellings) > 1:
            given[index] = spellings[1]
            return replace(p, given=tuple(given))
    return None


def typo(p: Person, rng: random.Random) -> Person:
    """Swap two adjacent letters in the longest given syllable (a typing slip)."""
    given = list(p.given)
    index = max(range(len(given)), key=lambda i: len(given[i]))
    word = given[index]
    at = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    given[index] = (word[:at] + word[at + 1] + word[at] + word[at + 2 :]).capitalize()
    return replace(p, given=tuple(given))


# --- Mentions ------------------------------------------------------------------------------


def mention(p: Person, name: str, rng: random.Random, context: float = 0.6) -> dict[str, object]:
    """A mention of p written as `name`, with age and organisation when a report would say."""
    record: dict[str, object] = {"name": name}
    if rng.random() < context:
        when = date(rng.randint(2020, 2025), rng.randint(1, 12), rng.randint(1, 28))
        record["age"] = when.year - p.born - rng.randint(0, 1)
        record["age_date"] = when.isoformat()
    if rng.random() < context:
        record["organisations"] = [rng.choice(p.organisations)]
    if p.cases and rng.random() < context / 2:
        record["cases"] = list(p.cases)
    return record


POSITIVE = [
    ("hyphen_vs_space", "hyphen", "space"),
    ("hyphen_vs_run_together", "hyphen", "run_together"),
    ("case_upper_family", "hyphen", "upper_family"),
    ("case_all_caps", "hyphen", "all_caps"),
    ("family_first_vs_last", "hyphen", "family_last"),
    ("comma_family_first", "space", "comma"),
    ("honorific_stripped", "hyphen", "honorific"),
    ("english_name_added", "hyphen", "english_full"),
    ("english_name_after", "english_full", "english_after"),
    ("english_only_vs_full", "english_only", "english_full"),
    ("traditional_vs_simplified", "traditional", "simplified"),
    ("chinese_vs_hk_romanisation", "traditional", "hyphen"),
    ("simplified_vs_hk_romanisation", "simplified", "space"),
    ("chinese_with_english_vs_english", "chinese_with_english", "english_only"),
    ("chinese_with_english_vs_chinese", "chinese_with_english", "simplified"),
    ("latin_with_chinese_vs_chinese", "latin_with_chinese", "traditional"),
    ("jyutping_vs_hk_romanisation", "jyutping", "hyphen"),
    ("pinyin_vs_chinese", "pinyin", "traditional"),
    ("english_honorific_vs_english", "english_honorific", "english_only"),
]


def positive_pairs(people: list[Person], rng: random.Random) -> list[dict[str, object]]:
    rows = []
    for phenomenon, left, right in POSITIVE:
        needs_english = {left, right} & ENGLISH_VARIANTS
        for p in rng.sample([p for p in people if p.english or not needs_english], 30):
            a = mention(p, VARIANTS[left](p, rng), rng)
            b = mention(p, VARIANTS[right](p, rng), rng)
            rows.append({"a": a, "b": b, "same": True, "phenomenon": phenomenon})
    for p in rng.sample(people, 60):
        other = alternative_spelling(p)
        if other:
            a = mention(p, VARIANTS["hyphen"](p, rng), rng)
            b = mention(p, VARIANTS["hyphen"](other, rng), rng)
            rows.append({"a": a, "b": b, "same": True, "phenomenon": "alternative_hk_spelling"})
    for p in rng.sample(people, 25):
        a = mention(p, VARIANTS["hyphen"](p, rng), rng)
        b = mention(p, VARIANTS["hyphen"](typo(p, rng), rng), rng)
        rows.append({"a": a, "b": b, "same": True, "phenomenon": "typo_in_given_name"})
    for p in rng.sample([p for p in people if p.english], 25):
        a = mention(p, VARIANTS["english_only"](p, rng), rng, context=1.0)
        b = mention(p, VARIANTS["hyphen"](p, rng), rng, context=1.0)
        b["organisations"] = a["organisations"] = [p.organisations[0]]
        rows.append({"a": a, "b": b, "same": True, "phenomenon": "english_only_vs_chinese_given"})
    return rows


def namesake(p: Person, rng: random.Random, same_chars: bool) -> Person:
    """Another fictional person spelt like p: same characters or homophones, another age."""
    chars = p.given_chars
    if not same_chars:
        homophones = [c for c, s in GIVEN if s[0] == p.given[0] and c != p.given_chars[0]]
        if homophones:
            chars = rng.choice(homophones) + p.given_chars[1:]
    born = p.born + rng.choice([-1, 1]) * rng.randint(8, 30)
    return replace(p, id=p.id + "x", given_chars=chars, born=born, cases=())


def similar_given(p: Person, rng: random.Random) -> Person:
    """Another person with p's surname and one given syllable changed."""
    given, chars = list(p.given), list(p.given_chars)
    index = rng.randrange(len(given))
    char, spellings = rng.choice([g for g in GIVEN if g[1][0] != given[index]])
    given[index], chars[index] = spellings[0], char
    return replace(p, id=p.id + "y", given=tuple(given), given_chars="".join(chars), cases=())


def with_age(record: dict[str, object], p: Person, rng: random.Random) -> dict[str, object]:
    when = date(rng.randint(2020, 2025), rng.randint(1, 12), rng.randint(1, 28))
    return {**record, "age": when.year - p.born, "age_date": when.isoformat()}


def negative_pairs(people: list[Person], rng: random.Random) -> list[dict[str, object]]:
    rows = []

    def add(phenomenon: str, a: dict[str, object], b: dict[str, object]) -> None:
        rows.append({"a": a, "b": b, "same": False, "phenomenon": phenomenon})

    for p in rng.sample(people, 35):
        q = namesake(p, rng, same_chars=False)
        add(
            "same_romanised_name_context_disagrees",
            with_age(mention(p, VARIANTS["hyphen"](p, rng), rng, 0), p, rng),
            with_age(mention(q, VARIANTS["space"](q, rng), rng, 0), q, rng),
        )
    for p in rng.sample(people, 35):
        q = namesake(p, rng, same_chars=True)
        add(
            "same_chinese_context_disagrees",
            with_age(mention(p, VARIANTS["traditional"](p, rng), rng, 0), p, rng),
            with_age(mention(q, VARIANTS["simplified"](q, rng), rng, 0), q, rng),
        )
    for p in rng.sample([p for p in people if p.english], 30):
        q = namesake(p, rng, same_chars=False)
        add(
            "same_english_and_family_context_disagrees",
            with_age(mention(p, VARIANTS["english_only"](p, rng), rng, 0), p, rng),
            with_age(mention(q, VARIANTS["english_honorific"](q, rng), rng, 0), q, rng),
        )
    for p in rng.sample(people, 40):
        q = similar_given(p, rng)
        add(
            "same_surname_similar_given",
            mention(p, VARIANTS["hyphen"](p, rng), rng),
            mention(q, VARIANTS["hyphen"](q, rng), rng),
        )
    for p in rng.sample(people, 30):
        q = similar_given(p, rng)
        add(
            "same_sound_different_characters",
            mention(p, VARIANTS["traditional"](p, rng), rng),
            mention(q, VARIANTS["latin_with_chinese"](q, rng), rng),
        )
    for p in rng.sample([p for p in people if p.english], 30):
        q = similar_given(p, rng)
        add(
            "same_english_and_family_different_given",
            mention(p, VARIANTS["english_full"](p, rng), rng),
            mention(q, VARIANTS["english_full"](q, rng), rng),
        )
    for p in rng.sample(people, 30):
        others = [s for s in SURNAMES if s[1] != p.family]
        family_chars, family = rng.choice(others)
        q = replace(p, id=p.id + "z", family=family, family_chars=family_chars, cases=())
        add(
            "different_surname_same_given",
            mention(p, VARIANTS["hyphen"](p, rng), rng),
            mention(q, VARIANTS["upper_family"](q, rng), rng),
        )
    for p in rng.sample([p for p in people if p.english], 30):
        other = rng.choice([e for e in ENGLISH if e != p.english])
        q = replace(p, id=p.id + "e", english=other, given=(), cases=())
        add(
            "same_surname_different_english_name",
            mention(p, VARIANTS["english_only"](p, rng), rng),
            mention(q, VARIANTS["english_only"](q, rng), rng),
        )
    return rows


HAND_WRITTEN = [
    ("Jimmy Lai", "Jimmy Lai Chee-ying", True, "english_and_full_name"),
    ("Jimmy Lai Chee-ying", "Lai Chee-ying", True, "english_name_added"),
    ("Lai Chee-ying", "Lai Chee Ying", True, "hyphen_vs_space"),
    ("LAI Chee-ying", "Lai Chee-ying", True, "case_upper_family"),
    ("黎智英", "Lai Chee-ying", True, "chinese_vs_hk_romanisation"),
    ("黎智英 (Jimmy Lai)", "Jimmy Lai", True, "chinese_with_english_vs_english"),
    ("黎智英 (Jimmy Lai)", "黎智英", True, "chinese_with_english_vs_chinese"),
    ("Lai Chee-ying (黎智英)", "Jimmy Lai", True, "latin_with_chinese_vs_english"),
    ("media tycoon Jimmy Lai", "Mr Lai Chee-ying, Jimmy", True, "honorific_stripped"),
    ("Chee-ying Lai", "LAI, Chee-ying", True, "family_first_vs_last"),
    ("Lai Cheeying", "Lai Chee-ying", True, "hyphen_vs_run_together"),
    ("黎智英", "Li Zhiying", True, "pinyin_vs_chinese"),
    ("黃之鋒", "黄之锋", True, "traditional_vs_simplified"),
    ("Joshua Wong Chi-fung", "黃之鋒", True, "chinese_vs_hk_romanisation"),
    ("Joshua Wong", "Wong Chi-fung, Joshua", True, "english_only_vs_full"),
    ("Agnes Chow Ting", "周庭", True, "chinese_vs_hk_romanisation"),
    ("Agnes Chow", "CHOW Ting, Agnes", True, "english_only_vs_full"),
    ("Nathan Law Kwun-chung", "羅冠聰", True, "chinese_vs_hk_romanisation"),
    ("Chow Hang-tung", "鄒幸彤", True, "chinese_vs_hk_romanisation"),
    ("Lee Cheuk-yan", "李卓人", True, "chinese_vs_hk_romanisation"),
    ("Benny Tai Yiu-ting", "Tai Yiu Ting", True, "english_name_added"),
    ("Gwyneth Ho Kwai-lam", "何桂藍", True, "chinese_vs_hk_romanisation"),
    ("Eddie Chu Hoi-dick", "朱凱廸", True, "chinese_vs_hk_romanisation"),
    ("Lester Shum", "Lester Shum Ngo-fai", True, "english_and_full_name"),
    ("岑敖暉", "Shum Ngo-fai", True, "chinese_vs_hk_romanisation"),
    ("Tam Tak-chi", "譚得志", True, "chinese_vs_hk_romanisation"),
    ("former lawmaker Leung Kwok-hung", "梁國雄", True, "honorific_stripped"),
    ("Cardinal Joseph Zen", "Joseph Zen Ze-kiun", True, "english_and_full_name"),
    ("Au-Yeung Ka-wai", "歐陽家慧", True, "compound_surname"),
    ("Szeto Wah", "司徒華", True, "compound_surname"),
    ("Lai Chee-ying", "Lai Chi-ying", True, "alternative_hk_spelling"),
    ("Lai Chee-ying", "Lai Zi-jing", True, "jyutping_vs_hk_romanisation"),
    ("黎智英", "賴智英", False, "same_sound_different_characters"),
    ("Lai Chee-ying", "Lai Chi-wing", False, "same_surname_similar_given"),
    ("Jimmy Lai", "Jimmy Lam", False, "different_surname_same_english"),
    ("Joshua Wong Chi-fung", "Joshua Wong Chi-keung", False, "same_english_family_other_given"),
    ("Chan Ka-yan", "Chan Ka-yin", False, "same_surname_similar_given"),
    ("Chan Ka-yan", "Wong Ka-yan", False, "different_surname_same_given"),
    ("Agnes Chow", "Agnes Chau", False, "similar_surname_same_english"),
    ("陳嘉欣", "陳家欣", False, "same_sound_different_characters"),
]  # fmt: skip


def hand_written() -> list[dict[str, object]]:
    return [
        {"a": {"name": a}, "b": {"name": b}, "same": same, "phenomenon": phenomenon}
        for a, b, same, phenomenon in HAND_WRITTEN
    ]


# --- Clusters --------------------------------------------------------------------------------

CLUSTER_VARIANTS = [v for v in VARIANTS if v not in ("pinyin",)]


def clusters(rng: random.Random) -> list[dict[str, object]]:
    """Mentions of 90 fictional people plus namesakes, each with its gold cluster id."""
    people: list[Person] = []
    taken: set[tuple[str, object]] = set()
    while len(people) < 90:  # no two distinct people share a spelling unless meant to
        p = make_person(rng, len(people), prefix="c")
        spellings = {(p.family, p.given), (p.family, p.english), (p.chinese, None)}
        if not spellings & taken:
            people.append(p)
            taken |= spellings - {(p.family, None)}
    namesakes = [namesake(p, rng, same_chars=rng.random() < 0.5) for p in rng.sample(people, 15)]
    rows = []
    for p in people + namesakes:
        shared_age = p in namesakes or any(p.id + "x" == q.id for q in namesakes)
        for _ in range(rng.randint(3, 5)):
            variants = [v for v in CLUSTER_VARIANTS if p.english or v not in ENGLISH_VARIANTS]
            variant = rng.choice(variants)
            record = mention(p, VARIANTS[variant](p, rng), rng)
            if shared_age:
                record = with_age(record, p, rng)
            rows.append({"cluster": p.id, "variant": variant, **record})
    rng.shuffle(rows)
    return [{"id": f"m{n:04d}", **row} for n, row in enumerate(rows)]


def main() -> None:
    rng = random.Random(SEED)
    people = [make_person(rng, n) for n in range(400)]
    pairs = hand_written() + positive_pairs(people, rng) + negative_pairs(people, rng)
    write(HERE / "pairs.jsonl", pairs)
    write(HERE / "clusters.jsonl", clusters(rng))


def write(path: Path, rows: list[dict[str, object]]) -> None:
    lines = (json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{path.name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
