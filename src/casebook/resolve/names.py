"""Parse a person's name as reports write it, and derive the keys that bring its variants together.

"Jimmy Lai", "LAI Chee-ying", "Lai Cheeying", "Chee-ying Lai", "黎智英 (Jimmy Lai)" and
"黎智英" all parse to one `PersonName` shape: Chinese characters, a romanised family
name, given-name syllables and English given names, with titles stripped. `keys()` turns a
name into blocking keys; `sounds()` gives the coarse Cantonese sound of a name, from its
romanisation (Hong Kong government style, Jyutping) or from its characters (pycantonese),
so that spellings of one sound meet. docs/resolution.md says what this catches and misses.

The tables at the end of this module are data: the Hong Kong surnames and their
romanisations, titles, common English given names and the sound-folding rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import product
from typing import NamedTuple

NORMALISATION = "resolve.names.v1"

_HAN = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_BRACKETED = re.compile(r"[(\[（【]([^)\]）】]*)[)\]）】]")
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]*)[\"“”«»]")
_HYPHENS = re.compile(r"[‐‑‒–—−]")
_NOT_NAME = re.compile(r"[^a-z\-,\s]")
_TONE_DIGITS = re.compile(r"[0-9]")
MAX_KEYS_PER_NAME = 16
# Entries per cache of what one part of a name (its characters, its romanised family and
# given name) gives: enough for the distinct parts of a million mentions (about 120,000
# written forms of characters, 160,000 family + given names), which a smaller cache would
# keep evicting.
_PART_CACHE = 1 << 18


@dataclass(frozen=True, slots=True)
class PersonName:
    """One written name, parsed. Romanised parts are lower case; `text` is kept for display."""

    chinese: str | None = None
    family: str | None = None
    given: tuple[str, ...] = ()
    english: tuple[str, ...] = ()
    titles: tuple[str, ...] = field(default=(), compare=False)
    text: str = field(default="", compare=False)
    # `derived()`'s result, kept once computed: bulk resolution asks for it about ten times
    # per name, and a cache keyed by the name would hash all its fields each time.
    _derived: Derived | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def has_latin(self) -> bool:
        return bool(self.family or self.given or self.english)

    @property
    def romanised(self) -> str:
        """Family name then given syllables, e.g. 'lai chee ying' (no English names)."""
        return " ".join(([self.family] if self.family else []) + list(self.given))

    def display(self) -> str:
        """A canonical spelling, e.g. 'Jimmy LAI Chee-ying (黎智英)'; parsing it gives it back."""
        parts = [e.capitalize() for e in self.english]
        if self.family:
            parts.append(self.family.upper())
        if self.given:
            given = "-".join(self.given).capitalize()
            parts.append(given if len(self.given) > 1 or self.family else given + "-")
        if self.chinese:
            parts.append(f"({self.chinese})" if parts else self.chinese)
        return " ".join(parts)


def normalise(text: str) -> str:
    """Parse and re-spell a name canonically; applying it twice changes nothing more."""
    return parse_name(text).display()


def parse_name(text: str) -> PersonName:
    """Read a name as written in a report: characters, family, given syllables, English names."""
    return PersonName(*parse_fields(text), text=text)


NameFields = tuple[str | None, str | None, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def parse_fields(text: str) -> NameFields:
    """`parse_name(text)`'s fields but the text: (chinese, family, given, english, titles),
    without building the object (bulk resolution parses in worker processes and sends these)."""
    if text.isascii() and '"' not in text and "(" not in text and "[" not in text:
        # The common case, plain Latin letters: none of the rewrites below would change it.
        family, given, english, titles = _parse_latin(text)
        return None, family or None, given, _distinct(english), _distinct(titles)
    if _HAN_RUN.fullmatch(text) and unicodedata.is_normalized("NFKC", text):
        # Characters alone, which the rewrites below leave as they are: they are the name.
        return text, None, (), (), ()
    return _parse_written(text)


def _parse_written(text: str) -> NameFields:
    """`parse_fields` for any text: quotes, brackets, characters and Latin runs taken apart."""
    clean = _HYPHENS.sub("-", unicodedata.normalize("NFKC", text))
    clean = _QUOTED.sub(" ", clean)  # nicknames in quotes ("Long Hair") are not the name
    segments = [m.group(1) for m in _BRACKETED.finditer(clean)]
    segments.insert(0, _BRACKETED.sub(" ", clean))
    han = [run for segment in segments for run in _HAN_RUN.findall(segment)]
    found = [_parse_latin(_HAN_RUN.sub(" ", segment)) for segment in segments]
    family = next((f.family for f in found if f.family), None)
    given = max((f.given for f in found), key=len, default=())
    english = tuple(dict.fromkeys(e for f in found for e in f.english))
    titles = tuple(dict.fromkeys(t for f in found for t in f.titles))
    chinese = max(han, key=len) if han else None
    return chinese, family, given, english, titles


def _distinct(items: tuple[str, ...]) -> tuple[str, ...]:
    """The items without repeats, in order (most have none or one, so nothing to drop)."""
    return items if len(items) < 2 else tuple(dict.fromkeys(items))


class _Latin(NamedTuple):
    family: str | None
    given: tuple[str, ...]
    english: tuple[str, ...]
    titles: tuple[str, ...]


_NO_LATIN = _Latin(None, (), (), ())


def _parse_latin(segment: str) -> _Latin:
    """Split one run of Latin text into family, given syllables and English names."""
    words = segment.replace(".", " ").split()
    if not words:
        return _NO_LATIN  # the other side of characters with a romanisation in brackets
    if not _may_have_titles(words):
        # No title and no comma, the common case: the words are the name as they stand.
        return _parse_words(words, None, ())
    words, titles = _strip_titles(words)
    text = " ".join(words)
    comma_family: str | None = None
    if "," in text:
        head, _, tail = text.partition(",")
        if len(head.split()) == 1 and _NOT_NAME.sub("", head.lower()).strip("-"):
            comma_family = head.strip()
        # "LAI, Chee-ying" puts the family first; "Wong Chi-fung, Joshua" adds an English name;
        # a longer tail ("Jimmy Lai, 73, founder of …") describes the person and is dropped.
        text = tail if comma_family else head + (" " + tail if len(tail.split()) == 1 else "")
    return _parse_words(text.split(), comma_family, titles)


def _parse_words(words: list[str], comma_family: str | None, titles: tuple[str, ...]) -> _Latin:
    """`_parse_latin` once titles and a comma are dealt with: which word is the family name."""
    read = list(map(_read_word, words))
    tokens = [word for word in read if word.token]
    if comma_family:
        family: str | None = _NOT_NAME.sub("", comma_family.lower()).replace("-", "")
        rest = tokens
    else:
        shouting = [word.shout for word in read if word.shout is not None]
        index = _family_index(tokens, shouting if len(shouting) < len(tokens) else [])
        family, rest = None, tokens
        if index is not None:
            family = tokens[index].token.replace("-", "")
            rest = tokens[:index] + tokens[index + 1 :]
    given, english = _split_given(rest)
    return _Latin(family, given, english, titles)


class _Word(NamedTuple):
    """What one written word of a name says about its place in it, worked out once per word."""

    token: str  # lower case, letters and inner hyphens only; '' if nothing is left
    shout: str | None  # the word in lower case if it is written in capitals ('LAI')
    hyphenated: bool  # a given name written 'Chee-ying'
    surname: bool  # a spelling of a surname in `SURNAMES`
    english: bool  # an English given name (`_is_english`)
    syllables: tuple[str, ...]  # its given syllables, split at hyphens or segmented


@lru_cache(maxsize=65536)
def _read_word(word: str) -> _Word:
    """Read a word once: a million names share some 20,000 words."""
    token = _clean_word(word)
    shouting = word.isupper() and len(word) > 1 and word.isalpha()
    hyphenated = "-" in token
    if hyphenated:
        syllables = tuple(s for s in token.split("-") if s)
    else:
        syllables = segment_syllables(token) or (token,)
    return _Word(
        token,
        word.lower() if shouting else None,
        hyphenated,
        _is_surname(token),
        _is_english(token) if token else False,
        syllables,
    )


@lru_cache(maxsize=65536)
def _clean_word(word: str) -> str:
    """A word as a name token: lower case, letters and inner hyphens only."""
    return _NOT_NAME.sub("", word.lower()).strip("-")


def _may_have_titles(words: list[str]) -> bool:
    """Could `_strip_titles` change these words? Not when no title starts them, no
    post-nominal ends them and no word is a bare comma: the common case, checked cheaply."""
    if not words or "," in "".join(words):
        return True
    # No word has a comma for `_strip_titles` to strip before it looks a word up.
    return words[0].lower() in _TITLES_BY_FIRST or words[-1].lower() in POST_NOMINALS


def _strip_titles(words: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Drop honorifics and descriptions at the start and post-nominals at the end.

    Only the phrases starting with the first word can match, so they are looked up by it
    (`_TITLES_BY_FIRST`, longest first as in `TITLE_PHRASES`) instead of trying them all.
    """
    stripped: list[str] = []
    while len(words) > 1:
        candidates = _TITLES_BY_FIRST.get(words[0].lower().strip(","))
        if candidates is None:
            break
        for title in candidates:
            size = len(title)
            if len(words) > size and all(
                words[k].lower().strip(",") == title[k] for k in range(1, size)
            ):
                stripped.append(_TITLE_TEXT[title])
                words = words[size:]
                break
        else:
            break
    while len(words) > 1 and words[-1].lower().strip(",") in POST_NOMINALS:
        stripped.append(words[-1].lower().strip(","))
        words = words[:-1]
    kept = [w for w in words if w.strip(",")]
    return kept, tuple(stripped)


def _family_index(tokens: list[_Word], shouting: list[str]) -> int | None:
    """Which token is the family name: written in capitals, next to a hyphenated given
    name, or a known surname at the start (Chinese order) or end (Western order)."""
    if not tokens:
        return None
    if len(shouting) == 1:
        for index, word in enumerate(tokens):
            if word.token == shouting[0]:
                return index
    for index, word in enumerate(tokens):
        if word.hyphenated and not word.surname:
            return _family_beside(tokens, index)  # the first hyphenated given name
    chinese = [index for index, word in enumerate(tokens) if not word.english]
    if not chinese:
        return None
    if len(chinese) == 1:
        return chinese[0]
    if tokens[chinese[0]].surname:
        return chinese[0]
    if tokens[chinese[-1]].surname:
        return chinese[-1]
    return chinese[0]


def _family_beside(tokens: list[_Word], block: int) -> int | None:
    before, after = block - 1, block + 1
    if before >= 0 and tokens[before].surname:
        return before
    if after < len(tokens) and tokens[after].surname:
        return after
    if before >= 0 and not tokens[before].english:
        return before
    if after < len(tokens) and not tokens[after].english:
        return after
    return None


def _split_given(tokens: list[_Word]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Given syllables from the hyphenated block (or the romanised tokens); the rest is English."""
    for block in tokens:
        if block.hyphenated:
            return block.syllables, tuple([word.token for word in tokens if not word.hyphenated])
    given: list[str] = []
    english: list[str] = []
    for word in tokens:
        if word.english:
            english.append(word.token)
        else:
            given.extend(word.syllables)
    return tuple(given), tuple(english)


def _is_surname(token: str) -> bool:
    return token.replace("-", "") in surname_spellings()


@lru_cache(maxsize=65536)
def _is_english(token: str) -> bool:
    """An English given name: a known one, or a word not made of one or two romanised syllables
    (a Chinese given name has at most two; 'Fiona' would need three)."""
    if token in ENGLISH_GIVEN_NAMES:
        return not _is_surname(token)
    syllables = segment_syllables(token.replace("-", ""))
    return syllables is None or (len(syllables) > 2 and not _is_surname(token))


@lru_cache(maxsize=65536)
def segment_syllables(token: str) -> tuple[str, ...] | None:
    """Split a run-together romanisation ('cheeying' → chee, ying); None if it is not one.

    Fewest syllables wins, then fewest syllables starting with a vowel ('kaman' → ka, man).
    """
    inventory = syllable_inventory()
    n = len(token)
    best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, ())
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            previous = best[start]
            piece = token[start:end]
            if previous is None or piece not in inventory:
                continue
            candidate = (
                previous[0] + 1,
                previous[1] + (piece[0] in "aeiou"),
                (*previous[2], piece),
            )
            current = best[end]
            if current is None or candidate[:2] < current[:2]:
                best[end] = candidate
    found = best[n]
    return found[2] if found else None


@cache
def syllable_inventory() -> frozenset[str]:
    """Hong Kong government romanisation syllables plus toneless Mandarin pinyin (from pypinyin)."""
    from pypinyin.pinyin_dict import pinyin_dict

    pinyin = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
            pinyin.add("".join(c for c in decomposed if not unicodedata.combining(c)))
    consonant_only = {s for s in pinyin if not set(s) & set("aeiouv")} - {"ng"}
    single = {s for chars, spellings in SURNAMES.items() if len(chars) == 1 for s in spellings}
    onsets = ("", *JYUTPING_ONSETS.split())
    jyutping = {o + f for o in onsets for f in JYUTPING_FINALS.split()}
    hk = set(HK_SYLLABLES.split())
    return frozenset(hk | (pinyin - consonant_only) | single | jyutping | {"m", "ng"})


@cache
def surname_spellings() -> frozenset[str]:
    return frozenset(s for spellings in SURNAMES.values() for s in spellings)


# --- Chinese characters ------------------------------------------------------------------


@cache
def _converter(config: str) -> object:
    import opencc

    return opencc.OpenCC(config)


@lru_cache(maxsize=_PART_CACHE)
def to_traditional(chinese: str) -> str:
    """One canonical Traditional form: via Simplified and back, so both scripts meet."""
    simplified = _converter("t2s").convert(chinese)  # type: ignore[attr-defined]
    return str(_converter("s2t").convert(simplified))  # type: ignore[attr-defined]


@lru_cache(maxsize=_PART_CACHE)
def to_simplified(chinese: str) -> str:
    return str(_converter("t2s").convert(chinese))  # type: ignore[attr-defined]


def split_chinese(chinese: str) -> tuple[str, str]:
    """(family, given) characters; compound surnames such as 歐陽 and 司徒 take two."""
    traditional = to_traditional(chinese)
    if len(traditional) > 2 and traditional[:2] in COMPOUND_SURNAMES:
        return chinese[:2], chinese[2:]
    return chinese[:1], chinese[1:]


def jyutping(chinese: str) -> tuple[str, ...]:
    """Toneless Jyutping of each character (pycantonese); '' where it has none."""
    return _jyutping_of_traditional(to_traditional(chinese))


@lru_cache(maxsize=_PART_CACHE)
def _jyutping_of_traditional(traditional: str) -> tuple[str, ...]:
    # Keyed by the Traditional form, so a name in either script is looked up once.
    import pycantonese

    pairs = pycantonese.characters_to_jyutping(list(traditional))
    return tuple(_TONE_DIGITS.sub("", jp or "") for _, jp in pairs)


def pinyin(chinese: str) -> tuple[str, ...]:
    """Toneless Mandarin pinyin of each character (pypinyin), ü written v."""
    return _pinyin_of_simplified(to_simplified(chinese))


@lru_cache(maxsize=_PART_CACHE)
def _pinyin_of_simplified(simplified: str) -> tuple[str, ...]:
    # Keyed by the Simplified form, so a name in either script is looked up once.
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(simplified, style=Style.NORMAL, errors=lambda _: ""))


Pinyin = tuple[frozenset[str], tuple[str, ...]]  # (family readings, given syllables)


def chinese_pinyin(name: PersonName) -> Pinyin | None:
    """(family readings, given) in pinyin; a polyphonic surname gives its surname reading too."""
    return derived(name)[1]


# Many names share their characters, and more their family or given characters, so what
# the characters give is cached by the whole and worked out from the two parts, each cached
# too: a new written form of characters costs its own conversion and a split, no more.
@lru_cache(maxsize=_PART_CACHE)
def _characters(chinese: str) -> tuple[Sound, Pinyin]:
    """(Cantonese sound, pinyin) of a name's characters."""
    family, given = split_chinese(chinese)
    family_sound, family_pinyin = _family_characters(family)
    given_sound, given_pinyin = _given_characters(given)
    return (family_sound, given_sound), (family_pinyin, given_pinyin)


@lru_cache(maxsize=_PART_CACHE)
def _family_characters(family: str) -> tuple[frozenset[str], frozenset[str]]:
    """(sounds, pinyin readings) of family-name characters, with the table's spellings and
    surname reading of a surname in `SURNAMES` and `SURNAME_PINYIN`."""
    traditional = to_traditional(family)
    spoken = fold_family(jyutping(family))
    for spelling in SURNAMES.get(traditional, ()):
        spoken |= fold_family(spelling)
    readings = {"".join(pinyin(family))}
    if traditional in SURNAME_PINYIN:
        readings.add(SURNAME_PINYIN[traditional])
    return spoken, frozenset(readings)


@lru_cache(maxsize=_PART_CACHE)
def _given_characters(given: str) -> tuple[tuple[frozenset[str], ...], tuple[str, ...]]:
    """(sound of each syllable, pinyin) of given-name characters; a character without a
    Jyutping reading has no sound."""
    if not given:
        return (), ()
    return tuple(fold_syllable(s) for s in jyutping(given) if s), pinyin(given)


# --- Sounds ------------------------------------------------------------------------------

Sound = tuple[frozenset[str], tuple[frozenset[str], ...]]  # (family sounds, given syllables)


@lru_cache(maxsize=65536)
def fold_syllable(syllable: str) -> frozenset[str]:
    """The coarse Cantonese sound of one romanised syllable, HK-government or Jyutping.

    'chee' and Jyutping 'zi' both fold to 'ci'; 'cheung' and 'zoeng' to 'ceung'. Aspiration
    (z/c, g/k, d/t, b/p) and vowel length (a/aa) are folded away, since HK-government
    spelling does not write them. Spellings listed in SOUND_ALTERNATIVES give several sounds.
    """
    folded = _TONE_DIGITS.sub("", syllable.lower())
    for pattern, replacement in _SOUND_RULES:
        folded = pattern.sub(replacement, folded)
    return frozenset({folded, *SOUND_ALTERNATIVES.get(folded, ())})


@lru_cache(maxsize=65536)
def fold_family(spelling: str | tuple[str, ...]) -> frozenset[str]:
    """Fold a family name syllable by syllable, so 'auyeung' and Jyutping 'au joeng' meet."""
    parts = (segment_syllables(spelling) or (spelling,)) if isinstance(spelling, str) else spelling
    options = [sorted(fold_syllable(part)) for part in parts if part]
    return frozenset("".join(c) for c in product(*options)) if options else frozenset()


def sounds(name: PersonName) -> tuple[Sound, ...]:
    """Every coarse Cantonese sound of a name: from its romanisation and from its characters."""
    return derived(name)[0]


# Many names share their romanised family and given name (they differ in English names or
# in their characters), so the sound of one is cached by it.
@lru_cache(maxsize=_PART_CACHE)
def _romanised_sound(family: str | None, given: tuple[str, ...]) -> Sound:
    return (fold_family(family) if family else frozenset(), tuple(map(fold_syllable, given)))


Derived = tuple[tuple[Sound, ...], Pinyin | None]


def derived(name: PersonName) -> Derived:
    """(`sounds`, `chinese_pinyin`) of a name, computed once per name object and kept on it."""
    found = name._derived
    if found is None:
        found = _derive(name)
        object.__setattr__(name, "_derived", found)
    return found


def _derive(name: PersonName) -> Derived:
    """`derived()` from the name's parts: the sound of its romanisation, then what its
    characters give."""
    found: tuple[Sound, ...] = ()
    if name.family or name.given:
        found = (_romanised_sound(name.family, name.given),)
    if not name.chinese:
        return found, None
    sound, spelt = _characters(name.chinese)
    return (*found, sound), spelt


def keep_derived(name: PersonName, found: Derived) -> None:
    """Keep on `name` what `derived()` gave for an equal name elsewhere (another process)."""
    object.__setattr__(name, "_derived", found)


# --- Blocking keys -----------------------------------------------------------------------


def keys(name: PersonName) -> set[str]:
    """Blocking keys: names sharing a key are worth comparing.

    zh: canonical Traditional characters · rom: family|given as spelt (and the pinyin of the
    characters) · yue: coarse Cantonese sound of family|given · eng: family|English name ·
    syl: all syllables' sounds sorted (catches family/given order mistakes).
    """
    found: set[str] = set()
    if name.chinese:
        found |= _chinese_keys(name.chinese)
    if name.given:
        found |= _romanised_keys(name.family, name.given)
    if name.family and name.english:
        found |= {f"eng:{name.family}|{english}" for english in name.english}
    return found


@lru_cache(maxsize=_PART_CACHE)
def _chinese_keys(chinese: str) -> frozenset[str]:
    """The keys that come from a name's characters: zh, rom of their pinyin, yue of their sound."""
    found = {"zh:" + to_traditional(chinese)}
    (family_sound, given_sound), (families, given) = _characters(chinese)
    if given:
        found |= {f"rom:{family}|{' '.join(given)}" for family in families}
    if given_sound:
        found |= _sound_keys(family_sound, given_sound)
    return frozenset(found)


@lru_cache(maxsize=_PART_CACHE)
def _romanised_keys(family: str | None, given: tuple[str, ...]) -> frozenset[str]:
    """The keys that come from a romanised family name and given syllables: rom, yue, syl."""
    found = {f"rom:{family or ''}|{' '.join(given)}"}
    family_sound, given_sound = _romanised_sound(family, given)
    found |= _sound_keys(family_sound, given_sound)
    if family:
        every = [min(family_sound), *map(min, given_sound)]
        found.add("syl:" + " ".join(sorted(every)))
    return frozenset(found)


def _sound_keys(family: frozenset[str], given: tuple[frozenset[str], ...]) -> set[str]:
    """yue keys: each sound of the family name with each sound of the given syllables, in
    turn, until a name has `MAX_KEYS_PER_NAME`."""
    found = set()
    endings = _given_sound_keys(given)
    for family_sound in sorted(family) or [""]:
        for ending in endings:
            found.add(f"yue:{family_sound}|{ending}")
            if len(found) >= MAX_KEYS_PER_NAME:
                return found
    return found


@lru_cache(maxsize=_PART_CACHE)
def _given_sound_keys(given: tuple[frozenset[str], ...]) -> tuple[str, ...]:
    """The given syllables' part of yue keys ('ci jing'), one per combination of their sounds,
    in order and without repeats: no more than `MAX_KEYS_PER_NAME`, since one family sound
    with that many makes enough keys. Many names share their given syllables."""
    endings: dict[str, None] = {}
    for combination in product(*map(sorted, given)):
        endings[" ".join(combination)] = None
        if len(endings) >= MAX_KEYS_PER_NAME:
            break
    return tuple(endings)


# --- Data --------------------------------------------------------------------------------

# Hong Kong surnames (Traditional characters) and their HK-government romanisations, most
# common spelling first. Sources: HK identity-card spelling conventions as seen in public
# court lists and Legislative Council records.
SURNAMES: dict[str, tuple[str, ...]] = {
    "陳": ("chan",), "黃": ("wong",), "王": ("wong",), "汪": ("wong",), "李": ("lee", "li"),
    "張": ("cheung",), "蔣": ("cheung",), "何": ("ho",), "賀": ("ho",), "劉": ("lau",),
    "梁": ("leung",), "吳": ("ng",), "伍": ("ng",), "曾": ("tsang",), "周": ("chow", "chau"),
    "鄒": ("chau", "chow"), "楊": ("yeung",), "譚": ("tam",), "林": ("lam",), "馮": ("fung",),
    "郭": ("kwok",), "羅": ("law", "lo"), "盧": ("lo", "lou"), "朱": ("chu",), "馬": ("ma",),
    "鄧": ("tang",), "許": ("hui",), "蔡": ("choi", "tsoi"), "葉": ("yip",), "麥": ("mak",),
    "關": ("kwan",), "蕭": ("siu",), "邵": ("siu",), "蘇": ("so",), "謝": ("tse",), "區": ("au",),
    "歐": ("au",), "余": ("yu", "yue"), "于": ("yu",), "俞": ("yu",), "施": ("sze",),
    "陸": ("luk",), "方": ("fong",), "戴": ("tai",), "岑": ("shum", "sham"), "沈": ("shum", "sum"),
    "巫": ("mo",), "毛": ("mo",), "鍾": ("chung",), "鐘": ("chung",), "江": ("kong",),
    "袁": ("yuen",), "阮": ("yuen",), "源": ("yuen",), "高": ("ko",), "趙": ("chiu",),
    "黎": ("lai",), "賴": ("lai",), "鄭": ("cheng",), "莫": ("mok",), "彭": ("pang",),
    "潘": ("poon", "pun"), "唐": ("tong",), "湯": ("tong",), "呂": ("lui",), "雷": ("lui",),
    "龍": ("lung",), "韓": ("hon",), "文": ("man",), "萬": ("man",), "古": ("koo", "ku"),
    "胡": ("wu", "woo"), "徐": ("tsui", "chui"), "姚": ("yiu",), "饒": ("yiu",), "丁": ("ting",),
    "石": ("shek",), "邱": ("yau",), "丘": ("yau",), "游": ("yau",), "尤": ("yau",),
    "孔": ("hung",), "洪": ("hung",), "熊": ("hung",), "廖": ("liu",), "梅": ("mui",),
    "顏": ("ngan",), "魏": ("ngai",), "翁": ("yung",), "容": ("yung",), "溫": ("wan",),
    "尹": ("wan",), "甘": ("kam",), "金": ("kam",), "姜": ("keung",), "侯": ("hau",),
    "范": ("fan",), "樊": ("fan",), "康": ("hong",), "駱": ("lok",), "單": ("sin",),
    "冼": ("sin",), "簡": ("kan",), "嚴": ("yim",), "閻": ("yim",), "杜": ("to",), "陶": ("to",),
    "傅": ("fu",), "符": ("fu",), "白": ("pak",), "柯": ("o", "or"), "孫": ("suen", "sun"),
    "鄺": ("kwong",), "曹": ("tso", "cho"), "薛": ("sit",), "喬": ("kiu",), "夏": ("ha",),
    "凌": ("ling",), "卓": ("cheuk",), "植": ("chik",), "童": ("tung",), "聶": ("nip",),
    "霍": ("fok",), "錢": ("chin",), "湛": ("cham",), "衛": ("wai",), "韋": ("wai",),
    "車": ("che",), "祁": ("kei",), "紀": ("kei",), "姬": ("kei",), "程": ("ching",),
    "成": ("shing",), "田": ("tin",), "向": ("heung",), "祝": ("chuk",), "覃": ("tam",),
    "苗": ("miu",), "繆": ("mau",), "利": ("lee",), "崔": ("tsui", "chui"),
    "司徒": ("szeto",), "歐陽": ("auyeung",), "上官": ("sheungkoon",), "諸葛": ("chukot",),
    "司馬": ("szema",), "東方": ("tungfong",), "公孫": ("kungsuen",), "夏侯": ("hahau",),
}  # fmt: skip

COMPOUND_SURNAMES = frozenset(s for s in SURNAMES if len(s) == 2)

# Polyphonic surname characters whose everyday pinyin reading is not the surname's.
SURNAME_PINYIN: dict[str, str] = {
    "曾": "zeng", "單": "shan", "區": "ou", "仇": "qiu", "樂": "yue", "解": "xie",
    "查": "zha", "朴": "piao", "覃": "qin", "繆": "miao", "黑": "he", "蓋": "ge",
}  # fmt: skip

# Syllables of Hong Kong government romanisation seen in personal names.
HK_SYLLABLES = """
a ah ai au bik bing bo bun chai chak cham chan chang chau che chee chek cheng cheuk cheung
chi chik chim chin ching chit chiu cho choi chok chong chor chow choy chu chuen chuk chun
chung chut dick fai fan fat fau fei fok fong fook foon fu fuk fun fung ha hai hak ham han
hang hau hay hee hei heng heung hey hin him hing hip hiu ho hoi hok hon hong hoo hou hui hung
ka kai kam kan kang kar kau kee kei keung ki kin king kit kiu ko koi kok kong koo koon ku kui
kuk kun kung kwai kwan kwok kwong kwun lai lam lan lap lau law lee lei leng leuk leung li lik
lim lin ling lit liu lo loi lok long loong lui luk lun lung ma mai man mang mau mei mik min
ming miu mo mok mong moon mui mun mung na nai nam nang nei ng ngai ngan ngar ngo ngok ngor nin
ning nip o oi ok on ong or pak pan pang pat pei pik pin ping piu po pok pong poon pui pun sai
sam san sang sau see sek sham shan shek sheung shi shing shiu shu shuk shum shun shut si sik
sin sing siu so suen suet sui suk sum sun sung sze tai tak tam tan tang tat tau tik tim tin
ting tit tiu to toi tong tou tsang tse tso tsoi tsui tsun tsung tsz tuen tung wa wah wai wan
wang wing wo wok wong woo wu wun ya yam yan yat yau yee yeung yi yik yim yin ying yip yiu yu
yue yuen yuet yuk yun yung
"""

TITLE_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in sorted(
        """
        former lawmaker|former legislator|former district councillor|district councillor|
        pro-democracy activist|democracy activist|activist|lawmaker|legislator|councillor|
        media tycoon|tycoon|publisher|unionist|barrister|solicitor|journalist|editor|
        student leader|the late|the hon|the honourable|honourable|cardinal|bishop|
        reverend|rev|father|pastor|mr|mrs|ms|miss|mx|madam|madame|dr|doctor|prof|professor|
        sir|dame|lady|lord|judge|justice|former|defendant|accused
        """.replace("\n", "").split("|"),
        key=lambda p: -len(p.split()),
    )
    if p.strip()
)

# The phrases by their first word, each list in TITLE_PHRASES' order (longest first).
_TITLES_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {
    first: tuple(title for title in TITLE_PHRASES if title[0] == first)
    for first in dict.fromkeys(title[0] for title in TITLE_PHRASES)
}
_TITLE_TEXT = {title: " ".join(title) for title in TITLE_PHRASES}

POST_NOMINALS = frozenset({"sc", "jp", "gbs", "sbs", "bbs", "mh", "qc", "kc", "obe", "mbe"})

ENGLISH_GIVEN_NAMES = frozenset(
    """
    agnes alan albert alex alice alvin amanda amy andrew andy angela angus anna anson ben
    benedict benny bernard betty billy bob bonnie brian bruce carmen carol carrie
    catherine cecilia charles cherry christine christopher cindy claudia connie cyd daisy
    daniel david denise dennis derek diana doris eddie edmund edward eileen elaine
    elizabeth ella emily eric eva fanny florence frances francis frankie gary gigi gloria
    gordon grace gwyneth hannah helen henry ivan jack jackie jacky james jane janet jasper
    jason jennifer jenny jerry jessica jimmy joan joe john johnny joseph joshua joyce judy
    julia karen kate kelly kelvin ken kenneth kevin kitty lam larry lawrence lester lily
    linda lisa louis lucy mandy margaret maria martin mary matthew may michael michelle
    nathan nelson nina owen patrick paul peggy peter philip priscilla rachel ray raymond
    rebecca richard rita robert ronny rose ruby sally sam samuel sandy sarah simon stanley
    stephen steven susan sylvia teresa terence ted tiffany tim timothy tina tom tommy tony
    ventus vicky victor vincent wayne wendy william winnie yvonne zoe
    """.split()  # noqa: SIM905
) - {"lam"}

# Jyutping onsets and finals, so that run-together Jyutping ('Aujoeng') can be split.
JYUTPING_ONSETS = "b p m f d t n l g k ng h gw kw w z c s j"
JYUTPING_FINALS = """
aa aai aau aam aan aang aap aat aak ai au am an ang ap at ak e ei eu em eng ep ek i iu im in
ing ip it ik o oi ou on ong ot ok u ui un ung ut uk oe oeng oet oek eoi eon eot yu yun yut
"""

# Ordered rewrites that fold HK-government and Jyutping spellings of one Cantonese syllable
# together. Each is (pattern, replacement), applied to a lower-case, toneless syllable.
SOUND_RULES: tuple[tuple[str, str], ...] = (
    (r"^tsz$|^tsze$|^tzu$", "ci"),  # 子 HK tsz = Jyutping zi
    (r"^sz$|^sze$|^szu$", "si"),  # 施 HK sze = Jyutping si
    (r"ck", "k"),  # dick = dik
    (r"^jy", "y"),  # Jyutping jyu, jyun = HK yu, yuen
    (r"^j", "y"),  # Jyutping j = HK y
    (r"^(ts|ch|tz|z|c)", "c"),  # HK ch/ts = Jyutping z/c (aspiration not written)
    (r"^sh", "s"),  # HK sh = Jyutping s
    (r"^gw", "kw"),
    (r"^g", "k"),
    (r"^d", "t"),
    (r"^b", "p"),
    (r"^([ckpstlnhmfw]w?)yu", r"\1u"),  # Jyutping zyu, syun = HK chu, suen
    (r"aa", "a"),  # vowel length is not written in HK spelling
    (r"oe", "eu"),  # Jyutping oeng, oek = HK eung, euk
    (r"eo", "u"),  # Jyutping eoi, eon = HK ui, un
    (r"ee|ei|ey|ay$", "i"),  # HK chee, lee, hay = Jyutping zi, lei, hei
    (r"oo", "u"),  # HK fook, koon = Jyutping fuk, gun
    (r"ow$", "au"),  # HK chow = Jyutping zau
    (r"aw$", "o"),  # HK law = Jyutping lo
    (r"ou$", "o"),  # Jyutping hou, mou = HK ho, mo
    (r"ue", "u"),  # HK yuen, yuet, suen = Jyutping jyun, jyut, syun
    (r"oy$", "oi"),
    (r"um$", "am"),  # HK shum, sum = Jyutping sam
    (r"([aeiou])[hr]$", r"\1"),  # HK wah, ngor = Jyutping waa, ngo
)
_SOUND_RULES = tuple((re.compile(p), r) for p, r in SOUND_RULES)

# Folded HK spellings that stand for more than one Jyutping sound.
SOUND_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "kwun": ("kun", "kwan"),  # 冠 gun, 君 gwan
    "sun": ("san",),  # 新 san
    "kun": ("kwan",),
    "man": ("mang",),  # 孟 maang
    "cun": ("can",),  # 振 zan, spelt chun
}
