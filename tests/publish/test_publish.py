"""Publishing a redacted public dataset: only public records, minors pseudonymised unless
overridden, restricted sources reduced, a manifest that matches; nothing restricted leaks."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from casebook.publish.service import Publication, PublishError, load_publishing_rule, publish
from casebook.resolve.service import resolve_record
from casebook.review.actions import ReviewError, confirm_event, grade, override_minor
from casebook.security.permissions import Actor
from casebook.store.engine import Store
from casebook.store.schema import Event, Mention, Person, Source
from tests.resolve.test_service import add_reports, config

RULE = load_publishing_rule("public")
LEAD = Actor("lead", "admin")
AS_OF = dt.date(2024, 6, 30)


def _record(
    store: Store, adult: str = "Chan Siu-ming", minor: str = "Ho Wai-man"
) -> dict[str, str]:
    """Two NSL arrests: an adult's and a 16-year-old's, the second from a witness statement."""
    first, second = add_reports(
        store,
        {"text": f"{adult}, 34, was arrested under the NSL.", "persons": [(adult, 34)],
         "date": "2021-03-01", "law_id": "hk.nsl"},
        {"text": f"{minor}, 16, was arrested under the NSL, a witness said.",
         "persons": [(minor, 16)], "date": "2021-03-02", "law_id": "hk.nsl",
         "published": "2021-03-05"},
    )  # fmt: skip
    resolve_record(store, config(store))
    ids = {"adult_event": first, "minor_event": second}
    with store.reader() as session:
        for name, key in ((adult, "adult"), (minor, "minor")):
            query = select(Mention.person_id).where(Mention.name == name)
            ids[key] = session.scalar(query) or ""
        sources = {
            event: session.scalar(select(Source.id).where(Source.text.contains(name)))
            for event, name in ((first, adult), (second, minor))
        }
    ids["adult_source"], ids["minor_source"] = sources[first] or "", sources[second] or ""
    for event in (first, second):
        confirm_event(store, LEAD, event, None)
        grade(store, LEAD, "event", event, "public")
    return ids


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _everything(folder: Path) -> str:
    return "\n".join(data.decode("utf-8", "replace") for data in _files(folder).values())


def test_publish_keeps_only_public_and_pseudonymises_the_rest(store: Store, tmp_path: Path) -> None:
    ids = _record(store)
    grade(store, LEAD, "person", ids["adult"], "public")
    grade(store, LEAD, "source", ids["adult_source"], "public")
    with store.session("lead") as session:  # a witness statement: restricted
        session.execute(
            update(Source).where(Source.id == ids["minor_source"]).values(sensitivity="restricted")
        )
    publish(store, RULE, tmp_path / "out", AS_OF, actor="lead")
    events = json.loads((tmp_path / "out/events.json").read_text())
    people = {p["ref"]: p for e in events for p in e["participants"]}
    assert people[ids["adult"]]["name"].lower() == "chan siu-ming"
    assert people[ids["adult"]]["age"] == 34
    (minor,) = [p for ref, p in people.items() if ref != ids["adult"]]
    assert (
        minor["name"] is None and minor["age_band"] == "under 18" and minor["ref"].startswith("P-")
    )
    everything = _everything(tmp_path / "out")
    assert "wai-man" not in everything.lower() and "witness" not in everything
    sources = json.loads((tmp_path / "out/sources.json").read_text())
    assert any(s.get("citation") == "restricted source" for s in sources)


def test_publish_pseudonyms_are_stable_between_publications(store: Store, tmp_path: Path) -> None:
    _record(store)
    publish(store, RULE, tmp_path / "a", AS_OF, actor="lead")
    publish(store, RULE, tmp_path / "b", AS_OF, actor="lead")
    assert (tmp_path / "a/events.json").read_bytes() == (tmp_path / "b/events.json").read_bytes()


def test_publish_names_a_minor_only_after_an_audited_override(store: Store, tmp_path: Path) -> None:
    ids = _record(store)
    with pytest.raises(ReviewError, match="minor"):
        grade(store, LEAD, "person", ids["minor"], "public")
    publish(store, RULE, tmp_path / "before", AS_OF, actor="lead")
    assert "wai-man" not in _everything(tmp_path / "before").lower()
    override_minor(store, LEAD, ids["minor"], "spoke publicly as an adult")
    with store.session(
        "lead"
    ) as session:  # still restricted as a minor: only the override names them
        assert session.get(Person, ids["minor"]).sensitivity == "restricted"  # type: ignore[union-attr]
    publish(store, RULE, tmp_path / "after", AS_OF, actor="lead")
    assert (
        "wai-man" not in _everything(tmp_path / "after").lower()
    )  # restricted persons never appear
    grade(store, LEAD, "person", ids["minor"], "public")  # an admin's second decision
    publish(store, RULE, tmp_path / "named", AS_OF, actor="lead")
    assert "wai-man" in _everything(tmp_path / "named").lower()


def test_publish_manifest_lists_every_file_with_its_sha256(store: Store, tmp_path: Path) -> None:
    _record(store)
    digests = publish(store, RULE, tmp_path / "out", AS_OF, actor="lead")
    files = _files(tmp_path / "out")
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["rule"] == "public@1" and manifest["files"] == digests
    assert {name: hashlib.sha256(data).hexdigest() for name, data in files.items()} == digests
    assert "figures/nsl-arrests.json" in files and files["figures/nsl-arrests.svg"].startswith(
        b"<?xml"
    )
    figure = json.loads(files["figures/nsl-arrests.json"])
    assert (figure["lower"], figure["upper"]) == (2, 2) and "counted" not in figure


def test_publish_only_confirmed_events(store: Store, tmp_path: Path) -> None:
    ids = _record(store)
    with store.session("lead") as session:
        session.execute(
            update(Event).where(Event.id == ids["minor_event"]).values(status="candidate")
        )
    publish(store, RULE, tmp_path / "out", AS_OF, actor="lead")
    events = json.loads((tmp_path / "out/events.json").read_text())
    assert [e["id"] for e in events] == [ids["adult_event"]]


def test_publish_refuses_a_folder_with_files(store: Store, tmp_path: Path) -> None:
    _record(store)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(PublishError, match="new or empty folder"):
        publish(store, RULE, busy, AS_OF, actor="lead")
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]


def test_publish_csv_cells_never_run_as_formulas() -> None:
    publication = Publication()
    publication.add_csv("x.csv", ["name"], [["=HYPERLINK(1)"], ["+1"], ["-2"], ["@SUM"], ["plain"]])
    rows = list(csv.reader(io.StringIO(publication.files["x.csv"].decode())))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM", "plain"]


MARKERS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=8, max_size=12).map(
    lambda s: f"Zz{s}"
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(marker=MARKERS, restrict_adult=st.booleans(), restrict_source=st.booleans())
def test_publish_never_emits_a_restricted_value(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory, marker: str,
    restrict_adult: bool, restrict_source: bool,
) -> None:  # fmt: skip
    from sqlalchemy import create_engine

    from casebook.store.engine import open_store, upgrade

    folder = tmp_path_factory.mktemp("publish")
    url = f"sqlite:///{folder / 'casebook.sqlite'}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    store = open_store(url)
    try:
        ids = _record(store, adult=f"Chan {marker}", minor=f"Ho {marker}x")
        if restrict_adult:
            grade(store, LEAD, "person", ids["adult"], "restricted")
        if restrict_source:
            grade(store, LEAD, "source", ids["adult_source"], "restricted")
        publish(store, RULE, folder / "out", AS_OF, actor="lead")
        assert marker.lower() not in _everything(folder / "out").lower()
    finally:
        store.close()
