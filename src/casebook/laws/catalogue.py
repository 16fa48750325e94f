"""Law catalogues: ``catalogues/<jurisdiction>.yaml`` data (docs/laws.md) and a generic reader.

Every problem in a file is raised at once in one CatalogueError, each with its place
(``hk.yaml: laws[2].offences[0].id: ...``). Nothing is read at import time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml

from casebook.errors import CatalogueError, NotFoundError
from casebook.model import Law, Offence

_PACKAGE = "casebook.laws"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_JURISDICTION = re.compile(r"^[a-z][a-z0-9_]*$")
# What each level of a file holds: {key: kind}; "!" marks a required key, "[level]" a list
# of entries of that level. Keys are read in this order: ids before phrases, laws before series.
_SCHEMA: dict[str, dict[str, str]] = {
    "catalogue": {
        "jurisdiction": "code!", "name": "text!", "version": "version!",
        "laws": "[law]!", "series": "[series]",
    },
    "law": {
        "id": "id!", "name": "text!", "short_names": "texts", "phrases": "phrases",
        "in_force_from": "date", "in_force_until": "date", "offences": "[offence]",
        "sources": "[source]!",
    },
    "offence": {
        "id": "id!", "name": "text!", "articles": "texts", "phrases": "phrases",
        "max_penalty": "text", "sources": "[source]",
    },
    "series": {
        "id": "id!", "name": "text!", "covers": "covers!", "notes": "text",
        "sources": "[source]!",
    },
    "source": {"url": "url!", "title": "text"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Series:
    """A published statistical series (e.g. national-security arrests) and what it counts."""

    id: str
    name: str
    covers: tuple[str, ...]  # law or offence ids; a law id stands for all its offences
    notes: str | None = None
    sources: tuple[str, ...] = ()


_T = TypeVar("_T", Law, Offence, Series)


@dataclass(frozen=True)
class Catalogue:
    """One jurisdiction's laws, offences and published series, every reference checked."""

    jurisdiction: str
    name: str
    version: int
    laws: tuple[Law, ...]
    series: tuple[Series, ...] = ()
    _index: dict[str, Law | Offence | Series] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Law | Offence | Series] = {law.id: law for law in self.laws}
        index.update((offence.id, offence) for offence in self.offences())
        index.update((series.id, series) for series in self.series)
        object.__setattr__(self, "_index", index)

    def law(self, id: str) -> Law:
        """The law with this id; NotFoundError if there is none."""
        return self._find(id, Law, "law")

    def offence(self, id: str) -> Offence:
        """The offence with this id; NotFoundError if there is none."""
        return self._find(id, Offence, "offence")

    def series_by_id(self, id: str) -> Series:
        """The published series with this id; NotFoundError if there is none."""
        return self._find(id, Series, "series")

    def offences(self) -> tuple[Offence, ...]:
        """Every offence of every law, in catalogue order."""
        return tuple(offence for law in self.laws for offence in law.offences)

    def knows(self, id: str) -> bool:
        """Whether id names a law, an offence or a series of this catalogue."""
        return id in self._index

    def law_of(self, offence_id: str) -> Law:
        """The law that defines this offence."""
        return self.law(self.offence(offence_id).law_id)

    def phrases(self) -> list[tuple[str, str]]:
        """Every (lower-case phrase, law or offence id) pair, longest phrase first."""
        pairs = {(phrase, law.id) for law in self.laws for phrase in law.phrases}
        pairs |= {(phrase, o.id) for o in self.offences() for phrase in o.phrases}
        return sorted(pairs, key=lambda pair: (-len(pair[0]), pair))

    def _find(self, id: str, kind: type[_T], label: str) -> _T:
        found = self._index.get(id)
        if not isinstance(found, kind):
            raise NotFoundError(f"the '{self.jurisdiction}' law catalogue has no {label} '{id}'")
        return found


def load_catalogue(jurisdiction: str = "hk", path: Path | None = None) -> Catalogue:
    """Load a jurisdiction's packaged catalogue, or the file at path (then its own jurisdiction).

    Raises CatalogueError listing every problem found in the file.
    """
    if path is not None:
        return _load_file(Path(path))
    known = known_jurisdictions()
    if jurisdiction not in known:
        raise CatalogueError([f"no law catalogue for '{jurisdiction}' (known: {', '.join(known)})"])
    resource = importlib.resources.files(_PACKAGE) / "catalogues" / f"{jurisdiction}.yaml"
    with importlib.resources.as_file(resource) as file:
        catalogue = _load_file(file)
    if catalogue.jurisdiction != jurisdiction:
        problem = (
            f"{jurisdiction}.yaml: jurisdiction: '{catalogue.jurisdiction}' is not the file name"
        )
        raise CatalogueError([problem])
    return catalogue


def known_jurisdictions() -> list[str]:
    """The jurisdictions that have a packaged catalogue."""
    files = (importlib.resources.files(_PACKAGE) / "catalogues").iterdir()
    return sorted(file.name.removesuffix(".yaml") for file in files if file.name.endswith(".yaml"))


def _load_file(path: Path) -> Catalogue:
    try:
        stat = path.stat()
    except OSError as error:
        raise CatalogueError([f"{path}: cannot be read ({error.strerror})"]) from None
    return _load_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> Catalogue:
    """Cached per file version: a file edited on disk is read again."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError([f"{file.name}: cannot be read as UTF-8 text ({error})"]) from None
    return read_catalogue(text, file.name)


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps dates as text (checked later, with their place) and rejects
    a repeated key, which YAML would otherwise resolve by silently dropping the first."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                problem = f"repeated key '{key}'"
                raise yaml.MarkedYAMLError(problem=problem, problem_mark=key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_catalogue(text: str, filename: str = "<catalogue>") -> Catalogue:
    """Parse and check one catalogue's YAML text; CatalogueError lists every problem."""
    reader = _Reader(filename)
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reader.report(where, f"YAML syntax error: {getattr(error, 'problem', None) or error}")
        raise CatalogueError(reader.problems) from None
    values = reader.read(raw, "", "catalogue")
    if reader.problems:
        raise CatalogueError(reader.problems)
    return Catalogue(**{"series": (), **values})


class _Reader:
    """Reads a parsed file level by level as _SCHEMA says, collecting every problem.

    A kind's reader reports what is wrong and still returns a value, so reading goes on.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []
        self.ids: dict[str, str] = {}  # id: where it was first declared
        self.phrase_owners: dict[str, tuple[str, str]] = {}  # phrase: (id, where)

    def report(self, where: str, message: str) -> None:
        place = f"{self.filename}: {where}" if where else self.filename
        self.problems.append(f"{place}: {message}")

    def read(self, raw: object, where: str, level: str, parent: str = "") -> dict[str, Any]:
        """The values of one mapping, each read by the reader of its kind."""
        if not isinstance(raw, dict):
            self.report(where, f"must be a mapping (is {_kind(raw)})")
            return {}
        schema, values = _SCHEMA[level], dict[str, Any]()
        for key in sorted(map(str, raw.keys() - schema.keys())):
            self.report(_at(where, key), f"unknown key (allowed: {', '.join(schema)})")
        for key, kind in schema.items():
            value, place = raw.get(key), _at(where, key)
            if value in (None, "", []):
                if kind.endswith("!"):
                    self.report(place, "required, but missing or empty")
                continue
            owner = values.get("id") or values.get("jurisdiction") or ""
            if kind.startswith("["):
                entry = getattr(self, "_" + kind.strip("[]!"))
                values[key] = tuple(
                    entry(item, at, owner) for at, item in self._items(value, place)
                )
            else:
                values[key] = getattr(self, "_" + kind.rstrip("!"))(value, place, parent, owner)
        return values

    def _items(self, value: object, place: str) -> list[tuple[str, Any]]:
        if isinstance(value, list):
            return [(f"{place}[{index}]", item) for index, item in enumerate(value)]
        self.report(place, f"must be a list (is {_kind(value)})")
        return []

    def _text(self, value: object, place: str, parent: str = "", owner: str = "") -> str:
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.report(place, f"must be a non-empty text (is {value!r}; quote numbers: '20')")
        return ""

    def _texts(self, value: object, place: str, parent: str, owner: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self._text(item, at) for at, item in self._items(value, place)))

    def _code(self, value: object, place: str, parent: str, owner: str) -> str:
        code = self._text(value, place)
        if code and not _JURISDICTION.match(code):
            self.report(place, f"'{code}' must be lower-case letters, digits or _")
        return code

    def _version(self, value: object, place: str, parent: str, owner: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.report(place, f"must be a whole number of 1 or more (is {value!r})")
        return 0

    def _id(self, value: object, place: str, parent: str, owner: str) -> str:
        ident = self._text(value, place)
        if ident and not _ID.match(ident):
            self.report(place, f"'{ident}' must be lower-case words joined by dots")
        elif ident and not ident.startswith(f"{parent}."):
            self.report(place, f"'{ident}' must start with its parent's id '{parent}.'")
        elif ident in self.ids:
            self.report(place, f"duplicate id '{ident}' (first declared at {self.ids[ident]})")
        elif ident:
            self.ids[ident] = place
        return ident

    def _phrases(self, value: object, place: str, parent: str, owner: str) -> tuple[str, ...]:
        phrases = []
        for at, item in self._items(value, place):
            phrase = self._text(item, at)
            if phrase != " ".join(phrase.lower().split()):
                self.report(at, f"'{phrase}' must be lower-case with single spaces")
            first, first_at = self.phrase_owners.setdefault(phrase, (owner, at))
            if phrase and owner and first and first != owner:
                self.report(at, f"phrase '{phrase}' already refers to {first} (at {first_at})")
            phrases.append(phrase)
        return tuple(dict.fromkeys(phrases))

    def _date(self, value: object, place: str, parent: str, owner: str) -> date | None:
        if isinstance(value, str) and _DATE.match(value):
            with contextlib.suppress(ValueError):
                return date.fromisoformat(value)
        self.report(place, f"{value!r} is not a date in the form YYYY-MM-DD")
        return None

    def _url(self, value: object, place: str, parent: str, owner: str) -> str:
        url = self._text(value, place)
        if url and not url.startswith(("https://", "http://")):
            self.report(place, f"'{url}' must start with https:// or http://")
        return url

    def _covers(self, value: object, place: str, parent: str, owner: str) -> tuple[str, ...]:
        covers = self._texts(value, place, parent, owner)
        for index, cover in enumerate(covers):  # series are declared under `parent`
            if cover and (cover not in self.ids or cover.startswith(f"{parent}.")):
                self.report(
                    f"{place}[{index}]", f"unknown id '{cover}' (must name a law or offence)"
                )
        return covers

    # YAML keys are the model's field names, so an entry's values build it directly.
    def _law(self, raw: object, where: str, jurisdiction: str) -> Law:
        values = self.read(raw, where, "law", jurisdiction)
        law = Law(**{"id": "", "name": "", **values, "jurisdiction": jurisdiction})
        if law.in_force_from and law.in_force_until and law.in_force_until < law.in_force_from:
            self.report(f"{where}.in_force_until", f"{law.in_force_until} is before in_force_from")
        return law

    def _offence(self, raw: object, where: str, law_id: str) -> Offence:
        values = self.read(raw, where, "offence", law_id)
        return Offence(**{"id": "", "name": "", **values, "law_id": law_id})

    def _series(self, raw: object, where: str, jurisdiction: str) -> Series:
        values = self.read(raw, where, "series", f"{jurisdiction}.series")
        return Series(**{"id": "", "name": "", "covers": (), **values})

    def _source(self, raw: object, where: str, owner: str) -> str:
        return str(self.read(raw, where, "source").get("url", ""))


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _kind(value: object) -> str:
    return "empty" if value is None else type(value).__name__
