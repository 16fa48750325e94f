"""Check the extraction development set: every ``NNN-slug.txt`` / ``NNN-slug.json`` pair.

Run it from anywhere::

    python tests/data/extract/check_gold.py            # check, print the summary table
    python tests/data/extract/check_gold.py --quiet    # errors only
    python tests/data/extract/check_gold.py --fix-offsets   # after editing a quote by hand:
                                                       # recompute start/end from the quote

or import it::

    from check_gold import check_dir, sentence_spans
    errors, summary = check_dir(Path("tests/data/extract"))

The rules it enforces are written up in ``docs/extraction-annotation.md``.
Exit status 0 when there are no errors, 1 otherwise.
"""

from __future__ import annotations

import argparse
import calendar
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
CATALOGUE = REPO / "src" / "casebook" / "laws" / "catalogues" / "hk.yaml"

EVENT_TYPES = (
    "arrest",
    "charge",
    "bail_granted",
    "bail_denied",
    "conviction",
    "acquittal",
    "sentence",
    "release",
    "warrant",
    "raid",
    "asset_freeze",
    "org_disbanded",
    "org_closed",
    "org_relocated",
    "reported_total",
)
STYLES = ("wire", "local", "court", "ngo", "official", "bulletin")
PRECISIONS = ("day", "month", "year", "approx")
LIFE_MONTHS = 9999  # sentence_months for life imprisonment

# The phenomena a report may be tagged with (optional "phenomena" list in the JSON).
PHENOMENA = {
    "active": "active voice trigger (police arrested ...)",
    "passive": "passive voice trigger (was arrested, had been detained ...)",
    "multi_event_sentence": "two or more events in one sentence",
    "relative_date": "date resolved against the publication date (Wednesday, last month ...)",
    "absolute_date": "date written out (on 6 January 2021)",
    "number_words": "a count written in words (fifty-three)",
    "vague_count": "a vague or bounded quantity (dozens, more than 100, at least 40)",
    "age": "an age (a 15-year-old, aged 16 to 19, as young as 12)",
    "sentence_length": "a prison term (four years and two months, life imprisonment)",
    "negation": "a negated non-event (was not charged)",
    "hedge_future": "a hedged, conditional, future or planned non-event",
    "law_by_description": "a law named by description (the Beijing-imposed security law)",
    "reported_total": "an official or NGO aggregate",
    "protest_2019": "2019-protest case or protest-series total (riot, unlawful assembly)",
    "org_event": "an organisation disbanded, closed, relocated, raided or frozen",
    "bounty": "a warrant with a bounty",
    "chinese_characters": "a name with Chinese characters in brackets",
    "back_reference": "a back-reference (the 34-year-old, Mr Chan, he) left out of persons",
    "list": "an appositive list of several named persons",
    "no_events": "the report states no events at all",
}

EVENT_KEYS = (
    "type",
    "date",
    "date_precision",
    "persons",
    "organisations",
    "count",
    "law",
    "offence",
    "sentence_months",
    "place",
    "evidence",
    "counts_type",
)
TOP_KEYS = {"published", "style", "events"}
OPTIONAL_TOP_KEYS = {"phenomena", "notes"}
HONORIFICS = re.compile(r"^(Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Madam)\b\.?\s", re.I)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PAIR_NAME = re.compile(r"^(\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "year": re.compile(r"^\d{4}$"),
}
NSL_FROM = "2020-06-30"
SNSO_FROM = "2024-03-23"


# --------------------------------------------------------------------------- sentences

_DATELINE = re.compile(r"[A-Z][A-Z .']+,[^\n]{0,60}?\s[-–—]{1,2}\s")
_BULLET = re.compile(r"[ \t]*(?:[-•*][ \t]+)?")
_END = re.compile(r"[.!?][\"”’')\]]*(?=\s|$)")
_NEXT_OK = re.compile(r"[\"“‘'(\[A-Z0-9]")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences, the unit every evidence span must be.

    A line break always ends a sentence. Within a line a sentence ends at ``.``, ``!`` or
    ``?`` (plus any closing quote or bracket right after it) when followed by whitespace and
    then an upper-case letter, a digit, an opening quote or bracket, or the end of the line.
    A bullet marker (``- ``, ``• ``, ``* ``) at the start of a line and a wire dateline
    (``HONG KONG, May 29 (Agency) - ``) are not part of the sentence. Spans never start or
    end with whitespace. The texts avoid abbreviations with full stops ("Mr", not "Mr.").
    """
    spans: list[tuple[int, int]] = []
    for line_m in re.finditer(r"[^\n]+", text):
        base, line = line_m.start(), line_m.group()
        start = _BULLET.match(line).end()  # type: ignore[union-attr]
        dl = _DATELINE.match(line, start)
        if dl:
            start = dl.end()
        for end_m in _END.finditer(line):
            end = end_m.end()
            if end <= start:
                continue
            rest = line[end:].lstrip()
            if rest and not _NEXT_OK.match(rest):
                continue
            _add(spans, line, base, start, end)
            start = len(line) - len(rest)
        if start < len(line):
            _add(spans, line, base, start, len(line))
    return spans


def _add(spans: list[tuple[int, int]], line: str, base: int, start: int, end: int) -> None:
    seg = line[start:end]
    stripped = seg.strip()
    if not stripped:
        return
    lead = len(seg) - len(seg.lstrip())
    spans.append((base + start + lead, base + start + lead + len(stripped)))


def sentence_of(text: str, needle: str) -> tuple[int, int]:
    """The span of the one sentence containing ``needle`` (which must occur exactly once)."""
    n = text.count(needle)
    if n != 1:
        raise ValueError(f"{needle!r} occurs {n} times")
    pos = text.index(needle)
    for s, e in sentence_spans(text):
        if s <= pos and pos + len(needle) <= e:
            return s, e
    raise ValueError(f"{needle!r} crosses a sentence boundary")


# --------------------------------------------------------------------------- catalogue


@dataclass
class Catalogue:
    laws: dict[str, set[str]] = field(default_factory=dict)  # law id -> offence ids
    offence_law: dict[str, str] = field(default_factory=dict)
    all_ids: set[str] = field(default_factory=set)


def load_catalogue(path: Path = CATALOGUE) -> Catalogue:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cat = Catalogue()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                cat.all_ids.add(node["id"])
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(data)
    for law in data.get("laws", []):
        offences = {o["id"] for o in law.get("offences", []) or []}
        cat.laws[law["id"]] = offences
        for o in offences:
            cat.offence_law[o] = law["id"]
    return cat


# --------------------------------------------------------------------------- checks


def _valid_date(value: str, precision: str) -> bool:
    fmts = [precision] if precision in DATE_RE else list(DATE_RE)  # approx: any form
    for p in fmts:
        if DATE_RE[p].match(value):
            parts = [int(x) for x in value.split("-")]
            if len(parts) >= 2 and not 1 <= parts[1] <= 12:
                return False
            return len(parts) < 3 or 1 <= parts[2] <= calendar.monthrange(*parts[:2])[1]
    return False


_UNITS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
    *("seventeen", "eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """English words for 0-99 ('seventeen', 'thirty-four')."""
    if n < 20:
        return _UNITS[n]
    return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _UNITS[n % 10])


def _age_written(age: int, quote: str) -> bool:
    low = quote.lower()
    return str(age) in quote or (age < 100 and number_words(age) in low)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_pair(txt: Path, js: Path, cat: Catalogue) -> tuple[list[str], dict[str, Any]]:
    """Errors for one pair, and the parsed gold (empty dict when unreadable)."""
    errs: list[str] = []
    name = txt.stem

    def err(msg: str) -> None:
        errs.append(f"{name}: {msg}")

    try:
        text = txt.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        err("text is not UTF-8")
        return errs, {}
    try:
        gold = json.loads(js.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        err(f"bad JSON: {e}")
        return errs, {}
    if not isinstance(gold, dict):
        err("top level is not an object")
        return errs, {}

    words = len(text.split())
    if not 60 <= words <= 350:
        err(f"text has {words} words (want 60-350)")
    if "\r" in text:
        err("text contains carriage returns")

    keys = set(gold)
    if not keys >= TOP_KEYS or keys - TOP_KEYS - OPTIONAL_TOP_KEYS:
        err(f"top-level keys {sorted(keys)}")
        return errs, {}
    pub = gold["published"]
    if not isinstance(pub, str) or not _valid_date(pub, "day"):
        err(f"published {pub!r} is not YYYY-MM-DD")
        pub = "9999-12-31"
    if gold["style"] not in STYLES:
        err(f"style {gold['style']!r}")
    ph = gold.get("phenomena", [])
    if not isinstance(ph, list) or any(p not in PHENOMENA for p in ph) or len(set(ph)) != len(ph):
        err(f"phenomena {ph!r} (known: {', '.join(PHENOMENA)})")
    if "notes" in gold and not isinstance(gold["notes"], str):
        err("notes must be a string")
    events = gold["events"]
    if not isinstance(events, list):
        err("events is not a list")
        return errs, {}
    if isinstance(ph, list) and ("no_events" in ph) != (not events):
        err("tag no_events exactly when events is empty")

    sentences = set(sentence_spans(text))
    for i, ev in enumerate(events):
        where = f"event {i}"
        if not isinstance(ev, dict) or set(ev) != set(EVENT_KEYS):
            err(f"{where}: keys {sorted(ev) if isinstance(ev, dict) else ev!r}")
            continue
        et = ev["type"]
        if et not in EVENT_TYPES:
            err(f"{where}: type {et!r}")
        where = f"event {i} ({et})"

        # evidence
        evd = ev["evidence"]
        quote = ""
        if not isinstance(evd, dict) or set(evd) != {"start", "end", "quote"}:
            err(f"{where}: evidence must be {{start, end, quote}}")
        elif not (_is_int(evd["start"]) and _is_int(evd["end"]) and isinstance(evd["quote"], str)):
            err(f"{where}: evidence types")
        else:
            start, end, quote = evd["start"], evd["end"], evd["quote"]
            if text[start:end] != quote:
                err(f"{where}: quote != text[{start}:{end}] ({text[start:end][:40]!r})")
            elif (start, end) not in sentences:
                err(f"{where}: evidence [{start}:{end}] is not exactly one sentence")

        # date
        d, p = ev["date"], ev["date_precision"]
        if d is None or p is None:
            if d is not None or p is not None:
                err(f"{where}: date and date_precision must both be null or both set")
        elif p not in PRECISIONS:
            err(f"{where}: date_precision {p!r}")
        elif not isinstance(d, str) or not _valid_date(d, p):
            err(f"{where}: date {d!r} does not match precision {p!r}")
        elif d > pub[: len(d)]:
            err(f"{where}: date {d} after published {pub}")

        # persons / organisations
        persons = ev["persons"]
        if not isinstance(persons, list):
            err(f"{where}: persons is not a list")
            persons = []
        for per in persons:
            if not isinstance(per, dict) or set(per) != {"name", "age"}:
                err(f"{where}: person {per!r} must be {{name, age}}")
                continue
            nm, age = per["name"], per["age"]
            if not isinstance(nm, str) or not nm.strip() or nm != nm.strip():
                err(f"{where}: person name {nm!r}")
                continue
            if CJK.search(nm) or HONORIFICS.match(nm):
                err(f"{where}: person name {nm!r} has Chinese characters or an honorific")
            if nm not in quote:
                err(f"{where}: person {nm!r} not in the evidence sentence")
            if age is not None and (not _is_int(age) or not 0 < age < 120):
                err(f"{where}: age {age!r}")
            elif age is not None and not _age_written(age, quote):
                err(f"{where}: age {age} not written in the evidence sentence")
        orgs = ev["organisations"]
        if not isinstance(orgs, list) or not all(isinstance(o, str) and o for o in orgs):
            err(f"{where}: organisations must be a list of strings")
        else:
            for o in orgs:
                if o not in quote:
                    err(f"{where}: organisation {o!r} not in the evidence sentence")
        place = ev["place"]
        if place is not None and (not isinstance(place, str) or place not in quote):
            err(f"{where}: place {place!r} not in the evidence sentence")

        # numbers
        cnt = ev["count"]
        if cnt is not None and (not _is_int(cnt) or cnt < 1):
            err(f"{where}: count {cnt!r}")
        sm = ev["sentence_months"]
        if sm is not None:
            if et != "sentence":
                err(f"{where}: sentence_months only on sentence events")
            elif not _is_int(sm) or sm < 0 or (sm > 600 and sm != LIFE_MONTHS):
                err(f"{where}: sentence_months {sm!r} (life = {LIFE_MONTHS})")
        ct = ev["counts_type"]
        if et == "reported_total":
            if ct not in EVENT_TYPES or ct == "reported_total":
                err(f"{where}: counts_type {ct!r}")
            if cnt is None:
                err(f"{where}: reported_total needs a count")
        elif ct is not None:
            err(f"{where}: counts_type is only for reported_total")

        # law / offence
        law, off = ev["law"], ev["offence"]
        if law is not None and law not in cat.laws:
            err(f"{where}: law {law!r} not in catalogue")
        if off is not None:
            if off not in cat.offence_law:
                err(f"{where}: offence {off!r} not in catalogue")
            elif cat.offence_law[off] != law:
                err(f"{where}: offence {off} belongs to {cat.offence_law[off]}, law is {law!r}")
        if isinstance(d, str) and isinstance(law, str):
            if law == "hk.snso" and d < SNSO_FROM[: len(d)]:
                err(f"{where}: hk.snso event dated {d}, before {SNSO_FROM}")
            if law == "hk.nsl" and d < NSL_FROM[: len(d)]:
                err(f"{where}: hk.nsl event dated {d}, before {NSL_FROM}")
            if (
                off == "hk.crimes.s10"
                and len(d) == 10
                and d >= SNSO_FROM
                and et != "reported_total"
            ):
                err(f"{where}: sedition dated {d} should be hk.snso.s24")
    return errs, gold


def pairs(folder: Path) -> tuple[list[tuple[Path, Path]], list[str]]:
    errs: list[str] = []
    txts = {p.stem: p for p in folder.glob("*.txt")}
    jsons = {p.stem: p for p in folder.glob("*.json")}
    for stem in sorted(set(txts) ^ set(jsons)):
        errs.append(f"{stem}: {'.json' if stem in txts else '.txt'} missing")
    numbers: Counter[str] = Counter()
    for stem in sorted(set(txts) | set(jsons)):
        m = PAIR_NAME.match(stem)
        if not m:
            errs.append(f"{stem}: name is not NNN-slug")
        else:
            numbers[m.group(1)] += 1
    for num, n in numbers.items():
        if n > 2:
            errs.append(f"{num}: number used by more than one pair")
    both = sorted(set(txts) & set(jsons))
    return [(txts[s], jsons[s]) for s in both], errs


def check_dir(
    folder: Path = HERE, cat: Catalogue | None = None
) -> tuple[list[str], dict[str, Counter[str]]]:
    """All errors in ``folder`` and the summary counters (styles, types, phenomena, ...)."""
    cat = cat or load_catalogue()
    found, errs = pairs(folder)
    summary: dict[str, Counter[str]] = {
        k: Counter() for k in ("styles", "types", "phenomena", "laws", "counts_type", "totals")
    }
    for txt, js in found:
        e, gold = check_pair(txt, js, cat)
        errs.extend(e)
        if not gold:
            continue
        summary["totals"]["reports"] += 1
        summary["styles"][str(gold.get("style"))] += 1
        for p in gold.get("phenomena", []) or []:
            summary["phenomena"][p] += 1
        for ev in gold.get("events", []):
            if isinstance(ev, dict):
                summary["totals"]["events"] += 1
                summary["types"][str(ev.get("type"))] += 1
                summary["laws"][str(ev.get("law"))] += 1
                if ev.get("counts_type"):
                    summary["counts_type"][str(ev["counts_type"])] += 1
    return errs, summary


def fix_offsets(folder: Path = HERE) -> int:
    """Recompute evidence start/end from each quote (which must occur once). Returns #changed."""
    changed = 0
    found, _ = pairs(folder)
    for txt, js in found:
        text = txt.read_text(encoding="utf-8")
        gold = json.loads(js.read_text(encoding="utf-8"))
        dirty = False
        for ev in gold.get("events", []):
            q = ev["evidence"]["quote"]
            if text.count(q) != 1:
                print(f"{txt.stem}: quote occurs {text.count(q)} times, not fixed: {q[:50]!r}")
                continue
            s = text.index(q)
            if (ev["evidence"]["start"], ev["evidence"]["end"]) != (s, s + len(q)):
                ev["evidence"]["start"], ev["evidence"]["end"] = s, s + len(q)
                dirty = True
        if dirty:
            js.write_text(dump_gold(gold), encoding="utf-8")
            changed += 1
    return changed


def dump_gold(gold: dict[str, Any]) -> str:
    """The canonical file form (indent 2, UTF-8 kept as is, trailing newline)."""
    return json.dumps(gold, ensure_ascii=False, indent=2) + "\n"


def _table(title: str, counter: Counter[str], order: tuple[str, ...] | list[str] = ()) -> str:
    keys = list(order) + sorted(k for k in counter if k not in order)
    width = max([len(k) for k in keys] + [len(title)])
    lines = [f"{title:<{width}}  n", "-" * (width + 6)]
    lines += [f"{k:<{width}}  {counter.get(k, 0)}" for k in keys]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=HERE)
    ap.add_argument("--quiet", action="store_true", help="print errors only")
    ap.add_argument("--fix-offsets", action="store_true", help="recompute start/end from quotes")
    args = ap.parse_args(argv)
    if args.fix_offsets:
        print(f"rewrote {fix_offsets(args.folder)} file(s)")
    errs, summary = check_dir(args.folder)
    for e in errs:
        print("ERROR", e)
    if not args.quiet:
        t = summary["totals"]
        print(f"\n{t['reports']} reports, {t['events']} events, {len(errs)} error(s)\n")
        print(_table("style", summary["styles"], STYLES), end="\n\n")
        print(_table("event type", summary["types"], EVENT_TYPES), end="\n\n")
        print(_table("reported_total of", summary["counts_type"]), end="\n\n")
        print(_table("law", summary["laws"]), end="\n\n")
        print(_table("phenomenon (reports)", summary["phenomena"], list(PHENOMENA)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
