"""Date expressions as reporters write them → FuzzyDate, relative ones resolved.

dateparser does the general case; small rules in front of it fix what it gets wrong
for news text (a weekday names the most recent such day, "last July", "late 2020",
ages and durations that it would read as dates). A relative expression never
resolves to a day after the report's publication date; one that only makes sense
against another event ("two days later") is left to `shift`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from dateparser.date import DateData, DateDataParser

from casebook.extract.quantities import number_words_to_int
from casebook.model import DatePrecision, FuzzyDate

# Two publication dates to tell absolute expressions from relative ones: an
# expression that resolves the same against both does not depend on the base.
_PROBES = (date(2001, 2, 14), date(2013, 9, 3))
_SETTINGS = {
    "PREFER_DATES_FROM": "past",
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "RETURN_TIME_AS_PERIOD": True,
    "TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": False,
}
_PERIODS = {"day": DatePrecision.DAY, "part_of_day": DatePrecision.DAY,
            "week": DatePrecision.APPROX, "month": DatePrecision.MONTH,
            "year": DatePrecision.YEAR, "quarter": DatePrecision.APPROX}  # fmt: skip

_MONTHS = [m.lower() for m in calendar.month_name[1:]]
_WEEKDAYS = [d.lower() for d in calendar.day_name]
_UNIT = r"(?:second|minute|hour|day|week|fortnight|month|year|decade|century|centurie)s?"
_COUNT = (
    r"\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+ty"
    r"|several|few|couple|some|many"
)
_TIME_OF_DAY = re.compile(
    r"(?:\bat\s+)?(?:\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b"
    r"|\b(?:noon|midday|midnight)\b)"
)
_LEADING = re.compile(r"^(?:on|in|since|during|from|by|as of|until|till|at|of)\s+")
_APPROX = re.compile(r"^(?:about|around|approximately|roughly|some|nearly|almost|circa|c\.)\s+")
_NOT_A_DATE = (
    re.compile(r"^(?!\d{4}$)[\d,]+(?:\.\d+)?$"),  # a bare number but a year: an age, a count
    re.compile(r"\b(?:aged?|year-old|years? old)\b"),
    re.compile(r"\b\d{4}s\b|'\d0s\b"),  # decades are not handled
    # relative to another event, not to publication: shift() reads these
    re.compile(
        r"\b(?:later|after|afterwards?|following|next|previous|prior|before|subsequently"
        r"|same|then|that|tomorrow|coming|within)\b"
    ),
)
_DURATION = re.compile(rf"\b(?:{_COUNT})[\s-]*{_UNIT}\b")
_WEEKDAY = re.compile(
    rf"^(?:(last|this past|past|this)\s+)?({'|'.join(_WEEKDAYS)})"
    r"(?:\s+(?:morning|afternoon|evening|night))?$"
)
_SAME_DAY = {"today", "this morning", "this afternoon", "this evening", "tonight"}
_LAST_MONTH_NAME = re.compile(rf"^last\s+({'|'.join(_MONTHS)})$")
_PART_OF = re.compile(
    r"^(early|mid|late|the end of|end of|the beginning of|beginning of|the start of"
    r"|start of|the middle of|middle of)(?:[\s-]+(?:on\s+)?)(.+)$"
)
_PART_WORDS = {"the end of": "late", "end of": "late", "the beginning of": "early",
               "beginning of": "early", "the start of": "early", "start of": "early",
               "the middle of": "mid", "middle of": "mid"}  # fmt: skip
_PART_IN_YEAR = {"early": (2, 1), "mid": (6, 15), "late": (10, 1)}
_PART_IN_MONTH = {"early": 5, "mid": 15, "late": 25}


def resolve_date(text: str, published: date | None) -> FuzzyDate | None:
    """A date expression → FuzzyDate, relative ones resolved against `published`.

    Relative expressions never resolve after `published` (None instead); absolute
    ones are returned as written, even in the future. Without `published` only
    absolute expressions resolve.
    """
    phrase = _normalise(text)
    if phrase is None:
        return None
    try:
        return _resolve_against(phrase, published)
    except (ValueError, OverflowError):  # resolving near the ends of the calendar (year 1, 9999)
        return None


def _resolve_against(phrase: str, published: date | None) -> FuzzyDate | None:
    if published is None:
        first, second = (_resolve(phrase, probe) for probe in _PROBES)
        return first if first == second else None
    found = _resolve(phrase, published)
    if found is None or found.value <= published:
        return found
    # After publication: keep it only if absolute (the same against both probes).
    return found if all(_resolve(phrase, probe) == found for probe in _PROBES) else None


def _normalise(text: str) -> str | None:
    phrase = text.lower().replace("’", "'").replace("‘", "'")
    phrase = re.sub(r"\s+", " ", _TIME_OF_DAY.sub(" ", phrase)).strip(' \t,.;:()"')
    phrase = re.sub(r"(?<![\w'])'(\d\d)\b", lambda m: _century(m.group(1)), phrase)
    phrase = re.sub(r"^earlier\s+(?=this\b|today\b)", "", phrase)
    while _LEADING.match(phrase):
        phrase = _LEADING.sub("", phrase, count=1)
    if not phrase or any(rule.search(phrase) for rule in _NOT_A_DATE):
        return None
    if _DURATION.search(phrase) and not phrase.endswith("ago"):
        return None  # "four years", "21 months": durations, not dates
    return phrase


def _century(two_digits: str) -> str:
    # "June '20" → June 2020; reports rarely abbreviate years further back than the 1940s.
    return ("20" if int(two_digits) <= 40 else "19") + two_digits


def _resolve(phrase: str, published: date) -> FuzzyDate | None:
    approx = _APPROX.match(phrase)
    if approx:
        phrase = phrase[approx.end() :]
    found = None
    for rule in _RULES:
        found = rule(phrase, published)
        if found is not None:
            break
    if approx and found is not None and found.precision is DatePrecision.DAY:
        return FuzzyDate(found.value, DatePrecision.APPROX)  # a month or year already spans
    return found


def _same_day(phrase: str, published: date) -> FuzzyDate | None:
    return FuzzyDate(published, DatePrecision.DAY) if phrase in _SAME_DAY else None


def _weekday(phrase: str, published: date) -> FuzzyDate | None:
    # Reports say "on Wednesday" of the day they appear; "last Friday" excludes today.
    match = _WEEKDAY.match(phrase)
    if not match:
        return None
    back = (published.weekday() - _WEEKDAYS.index(match.group(2))) % 7
    if back == 0 and match.group(1) in {"last", "past", "this past"}:
        back = 7
    return FuzzyDate(published - timedelta(days=back), DatePrecision.DAY)


_RELATIVE_YEAR = re.compile(
    rf"^(?:(\d{{1,2}}) )?({'|'.join(_MONTHS)})(?: (\d{{1,2}}))?,? (last|this|next) year$"
)


def _month_relative_year(phrase: str, published: date) -> FuzzyDate | None:
    """ "May last year", "4 June last year", "March this year"."""
    match = _RELATIVE_YEAR.match(phrase)
    if not match:
        return None
    year = published.year + {"last": -1, "this": 0, "next": 1}[match.group(4)]
    month = _MONTHS.index(match.group(2)) + 1
    day = match.group(1) or match.group(3)
    if day:
        return FuzzyDate(date(year, month, int(day)), DatePrecision.DAY)
    return FuzzyDate(date(year, month, 1), DatePrecision.MONTH)


def _last_month_name(phrase: str, published: date) -> FuzzyDate | None:
    match = _LAST_MONTH_NAME.match(phrase)
    if not match:
        return None
    month = _MONTHS.index(match.group(1)) + 1
    year = published.year if month < published.month else published.year - 1
    return FuzzyDate(date(year, month, 1), DatePrecision.MONTH)


def _part_of_period(phrase: str, published: date) -> FuzzyDate | None:
    """'late 2020' → 1 Oct 2020 approx; 'early June 2021' → 5 June 2021 approx."""
    match = _PART_OF.match(phrase)
    if not match:
        return None
    part = _PART_WORDS.get(match.group(1), match.group(1))
    inner = _resolve(match.group(2), published)
    if inner is None:
        return None
    if inner.precision is DatePrecision.YEAR:
        month, day = _PART_IN_YEAR[part]
        return FuzzyDate(date(inner.value.year, month, day), DatePrecision.APPROX)
    if inner.precision is DatePrecision.MONTH:
        return FuzzyDate(inner.value.replace(day=_PART_IN_MONTH[part]), DatePrecision.APPROX)
    return inner  # "late on Tuesday" is still Tuesday


def _dateparser(phrase: str, published: date) -> FuzzyDate | None:
    settings = {**_SETTINGS, "RELATIVE_BASE": datetime.combine(published, time(12))}
    parser = DateDataParser(languages=["en"], settings=settings)
    return _from_date_data(parser.get_date_data(phrase))


def _from_date_data(data: DateData) -> FuzzyDate | None:
    precision = _PERIODS.get(data.period or "")
    if data.date_obj is None or precision is None or tuple(data.parts or ()) == ("day",):
        return None  # no date, a time only, or a lone day number ("the 5th", "'20")
    found = data.date_obj.date()
    if precision is DatePrecision.MONTH:
        return FuzzyDate(found.replace(day=1), precision)
    if precision is DatePrecision.YEAR:
        return FuzzyDate(date(found.year, 1, 1), precision)
    if data.period == "quarter":
        return FuzzyDate(found.replace(day=15), precision)
    return FuzzyDate(found, precision)


_RULES: tuple[Callable[[str, date], FuzzyDate | None], ...] = (
    _same_day,
    _weekday,
    _last_month_name,
    _month_relative_year,
    _part_of_period,
    _dateparser,
)

_SHIFT = re.compile(
    r"^(?:(?P<count>(?!the\b).+?)\s+(?P<unit>day|week|month|year)s?"
    r"\s+(?P<dir>later|after|afterwards?|on|earlier|before|previously)"
    r"|the\s+(?P<dir2>following|next|previous|preceding)\s+(?P<unit2>day|week|month|year)"
    r"|the\s+(?P<unit3>day|week|month|year)\s+(?P<dir3>after|before))$"
)
_VAGUE_COUNT = re.compile(r"^(?:about|some|around|nearly|almost|roughly)\s+")
_PRECISION_RANK = {DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.APPROX: 2,
                   DatePrecision.YEAR: 3}  # fmt: skip


def shift(anchor: FuzzyDate, text: str) -> FuzzyDate | None:
    """The anchor moved by 'two days later', 'the following week', 'a month before'…

    A day or week offset keeps a day anchor's precision and makes a coarser anchor
    APPROX (around its midpoint); so do "the following week" (a week, not a day) and
    "about ten days later". A month or year offset gives the coarser of the anchor's
    precision and that unit. None if the text is not such an offset.
    """
    offset = _read_offset(text)
    if offset is None:
        return None
    try:
        return _moved(anchor, *offset)
    except (ValueError, OverflowError):  # moved off either end of the calendar
        return None


def _moved(anchor: FuzzyDate, count: int, unit: str, vague: bool) -> FuzzyDate:
    if unit in {"day", "week"}:
        days = timedelta(days=count * (7 if unit == "week" else 1))
        if anchor.precision is DatePrecision.DAY:
            precision = DatePrecision.APPROX if vague else DatePrecision.DAY
            return FuzzyDate(anchor.value + days, precision)
        return FuzzyDate(_midpoint(anchor) + days, DatePrecision.APPROX)
    unit_precision = DatePrecision.YEAR if unit == "year" else DatePrecision.MONTH
    precision = max(anchor.precision, unit_precision, key=_PRECISION_RANK.__getitem__)
    start = anchor.value if anchor.precision is DatePrecision.APPROX else _midpoint(anchor)
    moved = _add_months(start, count * (12 if unit == "year" else 1))
    if precision is DatePrecision.MONTH:
        return FuzzyDate(moved.replace(day=1), precision)
    if precision is DatePrecision.YEAR:
        return FuzzyDate(date(moved.year, 1, 1), precision)
    return FuzzyDate(moved, precision)


def _read_offset(text: str) -> tuple[int, str, bool] | None:
    """(signed count, unit, whether the offset is vague) of an offset phrase."""
    match = _SHIFT.match(re.sub(r"\s+", " ", text.lower()).strip(" ,.;"))
    if not match:
        return None
    if match.group("unit"):
        vague = _VAGUE_COUNT.match(match.group("count"))
        count_text = match.group("count")[vague.end() :] if vague else match.group("count")
        count = 1 if count_text in {"a", "an"} else _count(count_text)
        if count is None:
            return None
        backwards = match.group("dir") in {"earlier", "before", "previously"}
        return (-count if backwards else count), match.group("unit"), bool(vague)
    if match.group("unit2"):
        backwards = match.group("dir2") in {"previous", "preceding"}
        unit = match.group("unit2")
        return (-1 if backwards else 1), unit, unit == "week"
    return (-1 if match.group("dir3") == "before" else 1), match.group("unit3"), False


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() else number_words_to_int(text)


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def _midpoint(fuzzy: FuzzyDate) -> date:
    first, last = bounds(fuzzy)
    return first + (last - first) / 2


def bounds(fuzzy: FuzzyDate) -> tuple[date, date]:
    """The first and last day a fuzzy date may mean (APPROX: ± APPROX_SPREAD)."""
    return fuzzy.bounds()


def within(date: FuzzyDate, start: date, end: date) -> bool:
    """True if any day the fuzzy date may mean falls in [start, end]."""
    first, last = bounds(date)
    return first <= end and last >= start
