"""The `casebook` command. Thin: each command parses input, calls one service, renders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from casebook.config import Config, load_config
from casebook.count.rules import Rulebook, load_rulebook
from casebook.errors import CasebookError, UsageError
from casebook.extract.base import Extractor
from casebook.security import accounts, tokens
from casebook.security.identity import identify
from casebook.security.keys import Key, key_for
from casebook.security.permissions import ACTIONS, Actor, readable_levels, require
from casebook.store import audit, exchange
from casebook.store.engine import Store, open_store, sqlite_path
from casebook.store.sources import search as search_sources
from casebook.store.summary import RecordSummary, summarise

if TYPE_CHECKING:  # imported where used: every command pays for what this module imports
    from casebook.count.figures import Figure
    from casebook.ingest.service import Metadata, Summary

app = typer.Typer(
    help="casebook: an evidence-backed case tracker for human-rights monitors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
eval_app = typer.Typer(help="Measure quality against annotated data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    # The message may quote user input or file names: never read it as Rich markup.
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def _errors_as_one_line() -> Iterator[None]:
    try:
        yield
    except CasebookError as error:
        fail(str(error))
    except KeyboardInterrupt:
        fail("interrupted; the store keeps every batch that was committed", 130)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            help="Database URL (default: CASEBOOK_DB or sqlite:///casebook-data/casebook.sqlite)."
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Who is acting (recorded in the audit log).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="A casebook.toml file.")] = None,
    key_prompt: Annotated[
        bool, typer.Option("--key-prompt", help="Ask for the encrypted store's key.")
    ] = False,
) -> None:
    with _errors_as_one_line():
        ctx.obj = load_config({"db": db, "user": user}, toml_path=config)
    ctx.meta["key_prompt"] = key_prompt


def _store(ctx: typer.Context) -> Store:
    settings: Config = ctx.obj
    return open_store(settings.db, key=_key(ctx, sqlite_path(settings.db)))


def _key(ctx: typer.Context, path: Path | None) -> Key | None:
    """The store key from CASEBOOK_KEY(_FILE), or typed (--key-prompt, or needed on a TTY)."""
    ask = getpass.getpass if sys.stdin.isatty() else None
    return key_for(ctx.obj, path, prompt=ctx.meta.get("key_prompt", False), ask=ask)


def _run(ctx: typer.Context, action: Callable[[Store, Config], None]) -> None:
    with _errors_as_one_line():
        store = _store(ctx)
        try:
            action(store, ctx.obj)
        finally:
            store.close()


def _acting(store: Store, config: Config) -> Actor:
    """Who runs this command, authenticated as the `cli_auth` setting says."""
    return identify(store, config, token=os.environ.get("CASEBOOK_TOKEN"), password=_login_password)


def _login_password() -> str | None:
    given = os.environ.get("CASEBOOK_PASSWORD")
    if given or not sys.stdin.isatty():
        return given
    return str(typer.prompt("casebook password", hide_input=True, err=True))


def _run_as(
    ctx: typer.Context,
    action: str,
    work: Callable[[Store, Config, Actor], None],
    sensitivity: str = "internal",
) -> None:
    """Run `work` as the authenticated user, once `action` is allowed them; the audit log
    names that user."""

    def act(store: Store, config: Config) -> None:
        actor = _acting(store, config)
        require(actor, action, sensitivity)
        work(store, dataclasses.replace(config, user=actor.name), actor)

    _run(ctx, act)


def _new_password(from_stdin: bool, env: str | None = None) -> str:
    """A new password: the first line of standard input, an environment variable, or
    typed twice at a prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if env and os.environ.get(env):
        return os.environ[env]
    if sys.stdin.isatty():
        return str(
            typer.prompt("new password", hide_input=True, confirmation_prompt=True, err=True)
        )
    where = f", {env}" if env else ""
    fail(f"no password given: use --password-stdin{where} or run this in a terminal", 2)


_ADMIN_PASSWORD = "CASEBOOK_ADMIN_PASSWORD"
_PASSWORD_STDIN = typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input."
)


@app.command()
def init(
    ctx: typer.Context,
    admin: Annotated[
        str | None,
        typer.Option(help="The first admin's name, when the store has no users (default: --user)."),
    ] = None,
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Create the store, or upgrade it to the newest schema; the first time, create its
    first admin (password from --password-stdin, CASEBOOK_ADMIN_PASSWORD or a prompt)."""

    def setup(store: Store, config: Config) -> None:
        out.print(f"store ready: {store.engine.url!r}")
        if accounts.has_users(store):
            return
        if not (admin or password_stdin or _ADMIN_PASSWORD in os.environ or sys.stdin.isatty()):
            err.print(
                "the store has no users yet: create its first admin with `casebook init "
                "--admin NAME` (password from --password-stdin, CASEBOOK_ADMIN_PASSWORD or a "
                "prompt)",
                highlight=False,
                markup=False,
            )
            return
        name = admin or config.actor
        accounts.add_first_admin(store, name, _new_password(password_stdin, _ADMIN_PASSWORD))
        out.print(f"first admin {name} created", highlight=False, markup=False)

    _run(ctx, setup)


@app.command("ingest")
def ingest_command(
    ctx: typer.Context,
    targets: Annotated[list[str], typer.Argument(help="Files, folders, feed files or URLs.")],
    title: Annotated[str | None, typer.Option(help="Title (overrides the file's).")] = None,
    url: Annotated[str | None, typer.Option(help="URL of the original.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher.")] = None,
    published: Annotated[str | None, typer.Option(help="Publication date, YYYY-MM-DD.")] = None,
    language: Annotated[str | None, typer.Option(help="Language code, e.g. en.")] = None,
    reliability: Annotated[str | None, typer.Option(help="Reliability grade, e.g. A1.")] = None,
) -> None:
    """Ingest reports: text, Markdown, HTML, JSON/JSONL, RSS/Atom, whole folders, URLs."""
    from casebook.ingest.service import Metadata, plan

    metadata = Metadata(title, url, publisher, _date(published), language, reliability)
    with _errors_as_one_line():
        store = _store(ctx)
        try:
            actor = _acting(store, ctx.obj)
            require(actor, "ingest")
            config = dataclasses.replace(ctx.obj, user=actor.name)
            summary = _ingest_with_progress(store, config, plan(targets), metadata)
        finally:
            store.close()
    _print_ingest_summary(summary)
    if summary.failed:
        raise typer.Exit(1)


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--published {text!r} is not a date; use YYYY-MM-DD", 2)


def _ingest_with_progress(
    store: Store, config: Config, inputs: list[str], metadata: Metadata
) -> Summary:
    from casebook.ingest.service import Result, Summary, ingest

    summary = Summary()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[docs]} documents"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False, disable=len(inputs) < 2) as bar:
        task = bar.add_task("ingesting", total=len(inputs), docs=0)
        done = 0
        for outcome in ingest(store, config, inputs, metadata):
            summary.add(outcome)
            if outcome.result is Result.FAILED:
                bar.console.print(
                    f"[red]failed:[/] {outcome.origin}: {outcome.detail}",
                    highlight=False,
                    markup=True,
                )
            if outcome.input_index + 1 > done:
                done = outcome.input_index + 1
            bar.update(task, completed=done, docs=sum(summary.counts.values()))
        bar.update(task, completed=len(inputs))
    return summary


def _print_ingest_summary(summary: Summary) -> None:
    from casebook.ingest.service import Result

    counts = summary.counts
    out.print(
        f"ingested {counts[Result.INGESTED]}, duplicates {counts[Result.DUPLICATE]}, "
        f"near-duplicates {counts[Result.NEAR_DUPLICATE]}, failed {counts[Result.FAILED]}",
        highlight=False,
    )
    for failure in summary.failures:
        out.print(f"  failed: {failure.origin}: {failure.detail}", highlight=False, markup=False)


@app.command()
def status(ctx: typer.Context) -> None:
    """Summarise what the record holds."""

    def show(store: Store, config: Config, actor: Actor) -> None:
        with store.reader() as session:
            _print_record_summary(summarise(session))

    _run_as(ctx, "read", show)


def _print_record_summary(summary: RecordSummary) -> None:
    table = Table(title="casebook record", show_header=False)
    kinds = ", ".join(f"{k} {n}" for k, n in summary.sources_by_kind.items()) or "none"
    span = (
        f"{summary.earliest_published} to {summary.latest_published}"
        if summary.earliest_published
        else "no publication dates"
    )
    rows = [
        ("sources", f"{summary.sources} ({kinds})"),
        ("near-duplicates", str(summary.near_duplicates)),
        ("published", span),
        ("events", _pairs(summary.events_by_status) or "none yet (run `casebook extract`)"),
        ("event types", _pairs(summary.events_by_type) or "-"),
        ("persons", str(summary.persons)),
        ("organisations", str(summary.organisations)),
        ("cases", str(summary.cases)),
        ("audit entries", str(summary.audit_entries)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in counts.items())


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find in source titles and text.")],
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
) -> None:
    """Full-text search over the sources."""

    def show(store: Store, config: Config, actor: Actor) -> None:
        with store.reader() as session:
            hits = search_sources(session, query, limit=limit, levels=readable_levels(actor))
        for hit in hits:
            out.print(
                f"{hit.id}  {hit.published_at or '----------'}  {hit.title or ''}",
                highlight=False,
                markup=False,
            )
            out.print(f"    {hit.snippet}", highlight=False, markup=False)
        if not hits:
            out.print("no matching sources")

    _run_as(ctx, "read", show)


@app.command("export")
def export_command(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Output file (default: standard output).")
    ] = None,
) -> None:
    """Write the whole record as JSON Lines (docs/export-format.md)."""

    def write(store: Store, config: Config, actor: Actor) -> None:
        with store.reader() as session:
            if file is None:
                count = exchange.export_to(session, sys.stdout)
            else:
                count = _export_file(session, file)
        err.print(f"exported {count} entities", highlight=False)

    # The whole record, restricted rows included: a redacted export is `publish`'s job.
    _run_as(ctx, "export", write, "restricted")


def _export_file(session: object, file: Path) -> int:
    partial = file.with_name(file.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as handle:
            count = exchange.export_to(session, handle)  # type: ignore[arg-type]
        os.replace(partial, file)
    except OSError as error:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {file}: {error.strerror}")
    return count


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by `casebook export`.")],
) -> None:
    """Read an export back into the record (all of it or, on any problem, none)."""

    def read(store: Store, config: Config, actor: Actor) -> None:
        with store.session(config.actor) as session:
            count = exchange.import_from(session, file)
        out.print(f"imported {count} entities from {file}", highlight=False, markup=False)

    _run_as(ctx, "import", read, "restricted")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Check that no audit entry, and no row of the record, was changed behind casebook's back."""

    def check(store: Store, config: Config, actor: Actor) -> None:
        with store.reader() as session:
            report = audit.verify(session)
            record = audit.verify_record(session) if report.intact else None
        if not report.intact:
            fail(
                f"audit chain broken at entry {report.broken_at}: {report.reason} "
                f"({report.entries} entries verified before it)"
            )
        if record is not None and not record.intact:
            fail(f"the record does not match its audit chain: {record.problem}")
        rows = record.rows if record is not None else 0
        out.print(f"audit chain intact: {report.entries} entries; all {rows} record rows match it")

    _run_as(ctx, "audit", check)


@app.command("extract")
def extract_command(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="A text file to read without touching the record.")
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(help="FILE's publication date, YYYY-MM-DD (resolves 'on Wednesday')."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="FILE: one JSON object per event.")
    ] = False,
    everything: Annotated[bool, typer.Option("--all", help="Re-read every source.")] = False,
    source: Annotated[
        list[str] | None, typer.Option(help="Only this source id (repeatable).")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=0, help="Run on a local Dask cluster of N processes.")
    ] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on an existing Dask scheduler (tcp://HOST:PORT).")
    ] = None,
) -> None:
    """Propose candidate events from sources, every field backed by its quote."""
    from casebook.extract.rules import RuleExtractor

    with _errors_as_one_line():
        extractor = RuleExtractor.default(ctx.obj.jurisdiction)
        if file is not None:
            _extract_file(extractor, file, _date(published), as_json)
            return
        store = _store(ctx)
        try:
            actor = _acting(store, ctx.obj)
            require(actor, "extract")
            config = dataclasses.replace(ctx.obj, user=actor.name)
            _extract_record(store, config, extractor, everything, source or [], workers, scheduler)
        finally:
            store.close()


def _extract_file(
    extractor: Extractor, file: Path, published: dt.date | None, as_json: bool
) -> None:
    from casebook.extract.service import read_standalone

    events = extractor.extract(read_standalone(file), published)
    if as_json:
        for event in events:
            print(json.dumps(event.as_json(), ensure_ascii=False))
        return
    table = Table("type", "date", "persons", "count", "law / offence", "quote")
    for event in events:
        row = event.as_json()
        table.add_row(
            row["type"],
            row["date"] or "",
            ", ".join(p["name"] for p in row["persons"]),
            str(row["count"] or ""),
            row["offence"] or row["law"] or "",
            row["evidence"]["quote"][:80],
        )
    out.print(table)


def _extract_record(
    store: Store,
    config: Config,
    extractor: Extractor,
    everything: bool,
    sources: list[str],
    workers: int,
    scheduler: str | None,
) -> None:
    from casebook.extract.service import extract_record

    runs = extract_record(
        store,
        config,
        extractor,
        everything=everything,
        source_ids=sources,
        workers=workers,
        scheduler=scheduler,
    )
    columns = (
        TextColumn("extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[events]} events"),
        TimeElapsedColumn(),
    )
    last = None
    with Progress(*columns, console=err) as bar:
        task = bar.add_task("extract", total=None, events=0)
        for last in runs:
            bar.update(
                task, total=last.sources_total, completed=last.sources_done, events=last.events
            )
    if last is not None:
        out.print(
            f"extracted {last.events} candidate events from {last.sources_done} sources",
            highlight=False,
        )


@app.command("resolve")
def resolve_command(ctx: typer.Context) -> None:
    """Link mentions to persons and organisations, merge duplicate events, chain cases."""
    _run_as(ctx, "resolve", lambda store, config, actor: _resolve_all(store, config))


def _resolve_all(store: Store, config: Config) -> None:
    from casebook.resolve.cases import chain_cases
    from casebook.resolve.events import merge_duplicate_events
    from casebook.resolve.service import resolve_record

    identities = resolve_record(store, config)
    out.print(
        f"mentions {identities.mentions}: linked {identities.auto}, queued for review "
        f"{identities.queued}, new {identities.new} (persons created "
        f"{identities.persons_created}, organisations {identities.organisations_created})",
        highlight=False,
    )
    merges = merge_duplicate_events(store, config)
    out.print(
        f"events {merges.events}: {merges.merged} duplicates merged into {merges.groups} events",
        highlight=False,
    )
    cases = chain_cases(store, config)
    out.print(
        f"cases: {cases.cases_created} created for {cases.persons} persons, "
        f"{cases.events_linked} events linked",
        highlight=False,
    )


@eval_app.command("extract")
def eval_extract(
    folder: Annotated[Path, typer.Argument(help="Folder of NNN.txt + NNN.json gold pairs.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Precision, recall and F1 of extraction per event type and per field."""
    from casebook.extract.evaluate import evaluate
    from casebook.extract.rules import RuleExtractor

    with _errors_as_one_line():
        extractor = RuleExtractor.default()
        report = evaluate(
            folder,
            lambda text, published: [e.as_json() for e in extractor.extract(text, published)],
        )
    if as_json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        out.print(report.render())


@eval_app.command("resolve")
def eval_resolve(
    folder: Annotated[Path, typer.Argument(help="Folder with pairs.jsonl and clusters.jsonl.")],
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Score at which two mentions are linked.")
    ] = 0.8,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Pairwise precision, recall and F1 of name resolution, and cluster metrics (B-cubed)."""
    from casebook.resolve.evaluate import cluster, evaluate_clusters, evaluate_pairs, render

    if not folder.is_dir():
        fail(f"{folder} is not a folder; give the folder holding pairs.jsonl and clusters.jsonl")
    with _errors_as_one_line():
        pairs = evaluate_pairs(folder / "pairs.jsonl", threshold)
        clusters = evaluate_clusters(
            folder / "clusters.jsonl", lambda mentions: cluster(mentions, threshold)
        )
    if as_json:
        print(json.dumps({"pairs": pairs, "clusters": clusters}, indent=2, sort_keys=True))
    else:
        out.print(render(pairs))
        out.print(render(clusters))


@app.command("count")
def count_command(
    ctx: typer.Context,
    rule_id: Annotated[
        str, typer.Argument(metavar="RULE", help="A counting rule id (see `casebook rules`).")
    ],
    as_of: Annotated[str, typer.Option("--as-of", help="Count as of this date, YYYY-MM-DD.")],
    by: Annotated[
        str | None, typer.Option(help="Break down by month, law, offence, age or outcome.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Figure as JSON.")] = False,
    chart: Annotated[
        Path | None, typer.Option(help="Also draw the figure to this .svg or .png file.")
    ] = None,
    rules: Annotated[Path | None, typer.Option(help="A rules file of your own (YAML).")] = None,
) -> None:
    """Answer a counting question as a Figure: a range, what was counted, and the sources."""

    def answer(store: Store, config: Config, actor: Actor) -> None:
        from casebook.count.figures import compute_figure

        rulebook = load_rulebook(config.jurisdiction, rules)
        rule = rulebook.get(rule_id)
        day = _required_date(as_of, "--as-of")
        kind = _chart_format(chart) if chart else None
        figure = compute_figure(store, rule, day, rulebook=rulebook, by=by, actor=config.actor)
        if chart and kind:
            chart.write_bytes(_draw(store, figure, rulebook, kind))
        if as_json:
            sys.stdout.write(figure.to_json())
        else:
            _print_figure(figure)
        if chart:
            err.print(f"chart written to {chart}", highlight=False, markup=False)

    _run_as(ctx, "count", answer)


def _required_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} must be a date in the form YYYY-MM-DD (got {text!r})") from None


def _chart_format(path: Path) -> str:
    from casebook.count.charts import chart_format  # matplotlib loads only to draw

    return chart_format(path)


def _draw(store: Store, figure: Figure, rulebook: Rulebook, kind: str) -> bytes:
    from casebook.count.charts import Point, breakdown_chart, series_chart
    from casebook.count.figures import month_series

    if figure.by is not None:
        return breakdown_chart(figure, kind)
    start = figure.rule.since or figure.as_of.replace(month=1, day=1)
    points = month_series(store, figure.rule, start, figure.as_of, rulebook=rulebook)
    title = f"{figure.rule.title}, to {figure.as_of.isoformat()}"
    return series_chart(title, [Point(day, low, high) for day, low, high in points], kind)


def _print_figure(figure: Figure) -> None:
    rule = figure.rule
    span = (
        str(figure.lower) if figure.lower == figure.upper else f"{figure.lower} to {figure.upper}"
    )
    out.print(f"[bold]{rule.title}[/], as of {figure.as_of}: [bold]{span}[/] {rule.counts}")
    out.print(
        f"  named {figure.named_lower}-{figure.named_upper}; unnamed in stated counts "
        f"{figure.anonymous} (largest single count {figure.floor}); {len(figure.events)} events, "
        f"{len(figure.sources)} sources",
        highlight=False,
    )
    out.print(
        f"  rule {rule.key} ({figure.rulebook}); record {figure.record.digest}", highlight=False
    )
    if figure.by:
        table = Table(title=f"by {figure.by}")
        for column in (figure.by, "lower", "upper"):
            table.add_column(column)
        for bucket in figure.buckets:
            table.add_row(bucket.key, str(bucket.lower), str(bucket.upper))
        out.print(table)
    if figure.reported:
        table = Table(title="published totals for the same question")
        for column in ("as of", "reported", "record", "", "source"):
            table.add_column(column)
        for total in figure.reported:
            verdict = "agrees" if total.agrees else total.disagreement() or ""
            table.add_row(
                str(total.as_of or "?"), str(total.count), f"{total.lower}-{total.upper}",
                verdict, total.source_title or total.source_id,
            )  # fmt: skip
        out.print(table)


@app.command("publish")
def publish_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="A new or empty folder.")],
    rule: Annotated[str, typer.Option(help="The publishing rule (shipped: public).")] = "public",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Figures as of this date (default: today).")
    ] = None,
) -> None:
    """Write a redacted public dataset: JSON, CSV, figures with charts, a SHA-256 manifest."""

    def write(store: Store, config: Config, actor: Actor) -> None:
        from casebook.publish.service import load_publishing_rule, publish

        day = _required_date(as_of, "--as-of") if as_of else dt.date.today()
        digests = publish(store, load_publishing_rule(rule), folder, day, actor=config.actor)
        out.print(f"published {len(digests)} files to {folder} (manifest.json lists their SHA-256)")

    _run_as(ctx, "publish", write)


@app.command("check")
def check_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The article to check: a text or Markdown file.")],
    published: Annotated[str, typer.Option(help="When it was published, YYYY-MM-DD.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per claim (docs/check.md).")
    ] = False,
) -> None:
    """Find the checkable claims in an article and judge each against the record."""

    def check(store: Store, config: Config, actor: Actor) -> None:
        from casebook.check.service import check_text
        from casebook.extract.service import read_standalone

        day = _required_date(published, "--published")
        verdicts = check_text(store, config, read_standalone(file), day)
        if as_json:
            for verdict in verdicts:
                sys.stdout.write(json.dumps(verdict.as_json(), ensure_ascii=False) + "\n")
            return
        table = Table("claim", "verdict", "record", "reason")
        for verdict in verdicts:
            row = verdict.as_json()
            figure = row["figure"]
            span = f"{figure['lower']}-{figure['upper']} ({figure['as_of']})" if figure else ""
            table.add_row(row["text"], row["verdict"], span, row["reason"])
        out.print(table if verdicts else "no checkable claims found")

    _run_as(ctx, "count", check)


@app.command("rules")
def rules_command(
    ctx: typer.Context,
    rule_id: Annotated[
        str | None, typer.Argument(metavar="[RULE]", help="Show this rule in full.")
    ] = None,
    rules: Annotated[Path | None, typer.Option(help="A rules file of your own (YAML).")] = None,
) -> None:
    """List the counting rules, or show one rule's full text."""
    with _errors_as_one_line():
        config: Config = ctx.obj
        rulebook = load_rulebook(config.jurisdiction, rules)
        if rule_id is not None:
            out.print(rulebook.get(rule_id).text(), highlight=False, markup=False)
            return
        table = Table(title=f"counting rules {rulebook.name}@{rulebook.version}")
        for column in ("rule", "version", "counts", "title"):
            table.add_column(column)
        for rule in rulebook.rules:
            table.add_row(rule.id, str(rule.version), f"{rule.counts} ({rule.mode})", rule.title)
        out.print(table)


@app.command()
def demo(ctx: typer.Context) -> None:
    """Set up the store, ingest the bundled sample reports, extract candidate events, resolve
    them, and summarise the record."""
    from casebook.extract.rules import RuleExtractor
    from casebook.ingest.service import Metadata

    sample = resources.files("casebook") / "data" / "sample"
    with _errors_as_one_line(), resources.as_file(sample) as folder:
        store = _store(ctx)
        try:
            out.print(f"store: {store.engine.url!r}", highlight=False)
            config = dataclasses.replace(ctx.obj, user=_demo_actor(store, ctx.obj).name)
            reports = [str(path) for path in sorted(Path(folder).glob("[0-9]*.md"))]
            summary = _ingest_with_progress(store, config, reports, Metadata())
            _print_ingest_summary(summary)
            extractor = RuleExtractor.default(config.jurisdiction)
            _extract_record(store, config, extractor, False, [], 0, None)
            _resolve_all(store, config)
            with store.reader() as session:
                _print_record_summary(summarise(session))
        finally:
            store.close()


def _demo_actor(store: Store, config: Config) -> Actor:
    """On a store without users, its first admin (--user or the login) with a random
    password shown once; otherwise the authenticated user, who must be allowed the demo."""
    if not accounts.has_users(store):
        password = secrets.token_urlsafe(12)
        accounts.add_first_admin(store, config.actor, password)
        out.print(
            f"first admin {config.actor} created; password (shown once, change it with "
            f"`casebook user passwd {config.actor}`): {password}",
            highlight=False,
            markup=False,
        )
    actor = _acting(store, config)
    for action in ("ingest", "extract", "resolve"):
        require(actor, action)
    return actor


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the web app and JSON API (docs/web.md); log in with a casebook user."""
    from casebook.security.keys import configured_key
    from casebook.security.sqlcipher import file_kind
    from casebook.web.app import serve as run_server

    with _errors_as_one_line():
        path = sqlite_path(ctx.obj.db)
        encrypted = path is not None and path.exists() and file_kind(path) == "encrypted"
        if encrypted and configured_key(ctx.obj) is None:
            fail("an encrypted store is served with its key in CASEBOOK_KEY_FILE (or "
                 "CASEBOOK_KEY): each worker process opens the store itself")  # fmt: skip
        store = _store(ctx)  # create or upgrade the store once, before the workers start
        store.close()
        run_server(ctx.obj, host, port, workers)


# --- casebook review ---------------------------------------------------------------------

review_app = typer.Typer(
    help="Confirm, edit, reject, link, merge, split and undo (audited).", no_args_is_help=True
)
app.add_typer(review_app, name="review")
_VERSION = typer.Option(
    "--expect-version", help="Refuse if the event's version is no longer this (see `show`)."
)


_EDITABLE = "type, date, date_precision, law, offence, count, place or sentence_months"


def _decide(ctx: typer.Context, act: Callable[[Store, Actor], object]) -> None:
    from casebook.review.actions import Decision
    from casebook.review.console import show_decision

    def decide(store: Store, config: Config) -> None:
        # Each action checks the role and the records' sensitivity itself.
        decision = act(store, _acting(store, config))
        assert isinstance(decision, Decision)
        show_decision(out, decision)

    _run(ctx, decide)


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """The review queue: candidate events, then identity links the resolver was unsure of."""
    from casebook.review.console import queue_table
    from casebook.review.queue import queue

    def show(store: Store, config: Config, actor: Actor) -> None:
        with store.reader() as session:
            items = queue(session, limit, offset, levels=readable_levels(actor))
        out.print(queue_table(items) if items else "nothing to review")

    _run_as(ctx, "read", show)


@review_app.command("show")
def review_show(ctx: typer.Context, item_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """An event with every field's quote and rule, or an identity link with its reasons."""
    from casebook.review.console import show_item
    from casebook.review.queue import item

    def show(store: Store, config: Config, actor: Actor) -> None:
        with store.reader() as session:
            found = item(session, item_id)
        require(actor, "read", found.sensitivity)
        show_item(out, found)

    _run_as(ctx, "read", show)


@review_app.command("confirm")
def review_confirm(
    ctx: typer.Context, event_id: str, version: Annotated[int | None, _VERSION] = None
) -> None:
    """Confirm a candidate event."""
    from casebook.review.actions import confirm_event

    _decide(ctx, lambda store, actor: confirm_event(store, actor, event_id, version))


@review_app.command("reject")
def review_reject(
    ctx: typer.Context, event_id: str, version: Annotated[int | None, _VERSION] = None
) -> None:
    """Reject an event (kept with its evidence; counts skip it)."""
    from casebook.review.actions import reject_event

    _decide(ctx, lambda store, actor: reject_event(store, actor, event_id, version))


@review_app.command("edit")
def review_edit(
    ctx: typer.Context,
    event_id: str,
    field: Annotated[str, typer.Argument(help=_EDITABLE)],
    value: Annotated[str, typer.Argument(help="The new value; '-' clears it.")],
    version: Annotated[int | None, _VERSION] = None,
) -> None:
    """Set one field of an event."""
    from casebook.laws.catalogue import load_catalogue
    from casebook.review.actions import edit_event

    def act(store: Store, actor: Actor) -> object:
        catalogue = load_catalogue(ctx.obj.jurisdiction)
        return edit_event(store, actor, event_id, version, field, value, catalogue=catalogue)

    _decide(ctx, act)


@review_app.command("accept-link")
def review_accept_link(
    ctx: typer.Context,
    link_id: str,
    person: Annotated[str | None, typer.Option(help="Link to this candidate instead.")] = None,
) -> None:
    """Accept a queued identity link: the mention joins that person."""
    from casebook.review.actions import accept_link

    _decide(ctx, lambda store, actor: accept_link(store, actor, link_id, person))


@review_app.command("reject-link")
def review_reject_link(
    ctx: typer.Context,
    link_id: str,
    unlinked: Annotated[
        bool, typer.Option("--unlinked", help="Leave the mention unlinked, not a new person.")
    ] = False,
) -> None:
    """Reject a queued identity link: the mention becomes a new person (or stays unlinked)."""
    from casebook.review.actions import reject_link

    _decide(ctx, lambda store, actor: reject_link(store, actor, link_id, new_identity=not unlinked))


@review_app.command("merge-persons")
def review_merge_persons(ctx: typer.Context, keep: str, other: str) -> None:
    """Merge person OTHER into KEEP, moving every mention, alias and participation."""
    from casebook.review.actions import merge_persons

    _decide(ctx, lambda store, actor: merge_persons(store, actor, keep, other))


@review_app.command("split-person")
def review_split_person(
    ctx: typer.Context, person: str, mentions: Annotated[list[str], typer.Argument()]
) -> None:
    """Split these mentions of PERSON off into a new person."""
    from casebook.review.actions import split_person

    _decide(ctx, lambda store, actor: split_person(store, actor, person, mentions))


@review_app.command("merge-events")
def review_merge_events(ctx: typer.Context, keep: str, other: str) -> None:
    """Merge event OTHER (a duplicate report) into KEEP, with all its evidence."""
    from casebook.review.actions import merge_events

    _decide(ctx, lambda store, actor: merge_events(store, actor, keep, other))


@review_app.command("split-event")
def review_split_event(ctx: typer.Context, merge_id: str) -> None:
    """Undo a merge of two events (the merge id is shown by `casebook review show`)."""
    from casebook.review.actions import split_event

    _decide(ctx, lambda store, actor: split_event(store, actor, merge_id))


@review_app.command("undo")
def review_undo(ctx: typer.Context, decision: str) -> None:
    """Undo a decision (FIRST-LAST, as printed when it was made); the undo is audited too."""
    from casebook.review.actions import undo

    _decide(ctx, lambda store, actor: undo(store, actor, decision))


@review_app.command("override-minor")
def review_override_minor(
    ctx: typer.Context,
    person: str,
    reason: Annotated[str, typer.Option(help="Why this minor may be named (kept, audited).")],
) -> None:
    """Let publications name a person recorded as a minor (reviewers with clearance)."""
    from casebook.review.actions import override_minor

    _decide(ctx, lambda store, actor: override_minor(store, actor, person, reason))


@review_app.command("grade")
def review_grade(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="source, person, organisation or event")],
    record: Annotated[str, typer.Argument(metavar="ID")],
    level: Annotated[str, typer.Argument(help="public, internal or restricted")],
    field: Annotated[
        str | None, typer.Option(help="Grade one field (e.g. place) instead of the record.")
    ] = None,
) -> None:
    """Set a record's (or one field's) sensitivity: only public ones are ever published."""
    from casebook.review.actions import grade

    _decide(ctx, lambda store, actor: grade(store, actor, kind, record, level, field))


@review_app.command("next")
def review_next(ctx: typer.Context) -> None:
    """Work through the queue interactively: c/e/r/s/q (answers may be piped in)."""
    from casebook.review.console import line_ask, review_loop, terminal_ask

    def loop(store: Store, config: Config, actor: Actor) -> None:
        ask = terminal_ask(out) if sys.stdin.isatty() else line_ask(out, sys.stdin)
        summary = review_loop(store, actor, out, ask)
        out.print(f"{len(summary.decisions)} decisions, {len(summary.skipped)} skipped")

    _run_as(ctx, "review", loop)


# --- casebook user -----------------------------------------------------------------------

user_app = typer.Typer(help="Users, roles and clearances (admins).", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: str,
    role: Annotated[str, typer.Option(help="viewer, reviewer, editor or admin.")],
    clearance: Annotated[
        str, typer.Option(help="internal, or restricted to see restricted records.")
    ] = "internal",
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Add a user (password from --password-stdin or a prompt)."""

    def add(store: Store, config: Config, actor: Actor) -> None:
        password = _new_password(password_stdin)
        user = accounts.add_user(store, actor, name, role, password, clearance)
        out.print(f"added {user.role} {user.name}", highlight=False, markup=False)

    _run_as(ctx, "manage_users", add)


@user_app.command("disable")
def user_disable(ctx: typer.Context, name: str) -> None:
    """Disable a user: they can no longer act, their tokens stop working; history stays."""
    _set_enabled(ctx, name, False)


@user_app.command("enable")
def user_enable(ctx: typer.Context, name: str) -> None:
    """Enable a disabled user again."""
    _set_enabled(ctx, name, True)


def _set_enabled(ctx: typer.Context, name: str, enabled: bool) -> None:
    def change(store: Store, config: Config, actor: Actor) -> None:
        accounts.set_enabled(store, actor, name, enabled)
        out.print(f"{'enabled' if enabled else 'disabled'} {name}", highlight=False, markup=False)

    _run_as(ctx, "manage_users", change)


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Whose (default: your own).")] = None,
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Change your password, or (admins) anyone's."""

    def change(store: Store, config: Config, actor: Actor) -> None:
        accounts.set_password(store, actor, name or actor.name, _new_password(password_stdin))
        out.print(f"password of {name or actor.name} changed", highlight=False, markup=False)

    _run_as(ctx, "read", change)


@user_app.command("set")
def user_set(
    ctx: typer.Context,
    name: str,
    role: Annotated[str | None, typer.Option(help="viewer, reviewer, editor or admin.")] = None,
    clearance: Annotated[str | None, typer.Option(help="internal or restricted.")] = None,
) -> None:
    """Change a user's role or clearance."""

    def change(store: Store, config: Config, actor: Actor) -> None:
        user = accounts.set_role(store, actor, name, role, clearance)
        out.print(
            f"{user.name}: {user.role}, clearance {user.clearance}", highlight=False, markup=False
        )

    _run_as(ctx, "manage_users", change)


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """Every user with role, clearance and state."""

    def show(store: Store, config: Config, actor: Actor) -> None:
        table = Table("name", "role", "clearance", "enabled", "since")
        for user in accounts.list_users(store, actor):
            table.add_row(
                Text(user.name), user.role, user.clearance, "yes" if user.enabled else "no",
                f"{user.created_at:%Y-%m-%d}",
            )  # fmt: skip
        out.print(table)

    _run_as(ctx, "manage_users", show)


# --- casebook token ----------------------------------------------------------------------

token_app = typer.Typer(
    help="API tokens: scoped, expiring, revocable (CASEBOOK_TOKEN).", no_args_is_help=True
)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="What the token is for.")],
    scope: Annotated[
        list[str], typer.Option(help="An action it may take (repeatable): " + ", ".join(ACTIONS))
    ],
    expires: Annotated[str, typer.Option(help="30d, 12h, 90m or YYYY-MM-DD.")] = "90d",
    owner: Annotated[
        str | None, typer.Option("--for", help="Another user's token (admins).")
    ] = None,
) -> None:
    """Make a token; its secret is printed once and never stored."""

    def create(store: Store, config: Config, actor: Actor) -> None:
        expires_at = tokens.parse_lifetime(expires, accounts.now_utc())
        view, secret = tokens.create_token(store, actor, label, scope, expires_at, owner=owner)
        err.print(
            f"token {view.id} for {view.user_name} ({' '.join(view.scopes)}), expires "
            f"{view.expires_at:%Y-%m-%d %H:%M} UTC; the secret is shown only now:",
            highlight=False,
            markup=False,
        )
        print(secret)

    _run_as(ctx, "read", create)


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: str) -> None:
    """Revoke a token at once."""

    def revoke(store: Store, config: Config, actor: Actor) -> None:
        tokens.revoke_token(store, actor, token_id)
        out.print(f"revoked token {token_id}", highlight=False, markup=False)

    _run_as(ctx, "read", revoke)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    everyone: Annotated[bool, typer.Option("--all", help="Every user's tokens (admins).")] = False,
) -> None:
    """Your tokens (never their secrets)."""

    def show(store: Store, config: Config, actor: Actor) -> None:
        table = Table("id", "user", "label", "scopes", "expires", "state", "last used")
        now = accounts.now_utc()
        for view in tokens.list_tokens(store, actor, everyone=everyone):
            state = "revoked" if view.revoked_at else "expired" if view.expires_at <= now else "ok"
            used = f"{view.last_used_at:%Y-%m-%d %H:%M}" if view.last_used_at else "-"
            table.add_row(
                view.id, Text(view.user_name), Text(view.label), " ".join(view.scopes),
                f"{view.expires_at:%Y-%m-%d}", state, used,
            )  # fmt: skip
        out.print(table)

    _run_as(ctx, "read", show)


# --- casebook db / backup / restore: encryption at rest and backups (docs/security.md) ------

db_app = typer.Typer(
    help="Encrypt, decrypt or re-key the SQLite store in place.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
_NEW_KEY_FILE = typer.Option(
    "--new-key-file", help="File holding the new key (else CASEBOOK_NEW_KEY, else typed twice)."
)


def _store_file(ctx: typer.Context) -> Path:
    path = sqlite_path(ctx.obj.db)
    if path is None:
        fail("encryption at rest applies to SQLite stores; see docs/security.md for PostgreSQL")
    return path


def _ask() -> Callable[[str], str] | None:
    return getpass.getpass if sys.stdin.isatty() else None


def _converted(conversion: object) -> None:
    from casebook.security.encryption import Conversion

    assert isinstance(conversion, Conversion)
    state = "encrypted" if conversion.encrypted else "not encrypted (plain SQLite)"
    out.print(
        f"{conversion.path} is now {state}; verified {conversion.rows} rows "
        f"in {conversion.tables} tables",
        highlight=False,
    )


def _authorise(ctx: typer.Context, action: str, key: Key | None) -> None:
    """Whole-store operations act as a named user too: `import` (admins) to convert or
    replace the store, `export` of restricted records to copy it."""
    settings: Config = ctx.obj
    store = open_store(settings.db, migrate=False, key=key)
    try:
        require(_acting(store, settings), action, "restricted")
    finally:
        store.close()


@db_app.command("encrypt")
def db_encrypt(
    ctx: typer.Context, new_key_file: Annotated[Path | None, _NEW_KEY_FILE] = None
) -> None:
    """Encrypt the store in place under CASEBOOK_KEY(_FILE), --new-key-file, or a typed key."""
    from casebook.security import encryption
    from casebook.security.keys import configured_key, new_key

    with _errors_as_one_line():
        path = _store_file(ctx)
        _authorise(ctx, "import", None)
        key = configured_key(ctx.obj) if new_key_file is None else None
        _converted(encryption.encrypt(path, key or new_key(new_key_file, _ask())))


@db_app.command("decrypt")
def db_decrypt(ctx: typer.Context) -> None:
    """Write the encrypted store back as plain SQLite, in place."""
    from casebook.security import encryption

    with _errors_as_one_line():
        path = _store_file(ctx)
        key = _key(ctx, path)
        if key is None:
            fail("give the store's key: CASEBOOK_KEY_FILE, CASEBOOK_KEY or --key-prompt")
        _authorise(ctx, "import", key)
        _converted(encryption.decrypt(path, key))


@db_app.command("rekey")
def db_rekey(
    ctx: typer.Context, new_key_file: Annotated[Path | None, _NEW_KEY_FILE] = None
) -> None:
    """Re-encrypt the store under a new key, in place."""
    from casebook.security import encryption
    from casebook.security.keys import new_key

    with _errors_as_one_line():
        path = _store_file(ctx)
        old = _key(ctx, path)
        if old is None:
            fail("give the store's current key: CASEBOOK_KEY_FILE, CASEBOOK_KEY or --key-prompt")
        _authorise(ctx, "import", old)
        _converted(encryption.rekey(path, old, new_key(new_key_file, _ask())))


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    destination: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace DESTINATION.")] = False,
) -> None:
    """Back up the store while it is in use, then verify the backup (encrypted stays encrypted)."""
    from casebook.store.backup import backup

    with _errors_as_one_line():
        settings: Config = ctx.obj
        key = _key(ctx, sqlite_path(settings.db))
        _authorise(ctx, "export", key)
        report = backup(settings.db, destination, key, force=force)
    _print_backup("backup written and verified", report)


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    backup_file: Annotated[Path, typer.Argument(help="A file written by `casebook backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace the existing store.")] = False,
    sha256: Annotated[
        str | None, typer.Option(help="Refuse unless the backup has this SHA-256.")
    ] = None,
) -> None:
    """Verify a backup, then make it the store (stop the web app and other commands first)."""
    from casebook.store.backup import restore

    with _errors_as_one_line():
        key = _key(ctx, backup_file)
        current = sqlite_path(ctx.obj.db)
        if current is None or current.exists():  # replacing a store: its admin decides
            _authorise(ctx, "import", _key(ctx, current) if current else None)
        report = restore(ctx.obj.db, backup_file, key, force=force, sha256=sha256)
    _print_backup("store restored from a verified backup", report)


def _print_backup(what: str, report: object) -> None:
    from casebook.store.backup import BackupReport

    assert isinstance(report, BackupReport)
    rows = sum(report.rows.values())
    state = "encrypted" if report.encrypted else "not encrypted"
    out.print(
        f"{what}: {report.path} ({state}; audit chain intact, {report.audit_entries} entries; "
        f"{rows} rows)",
        highlight=False,
    )
    out.print(f"SHA-256 {report.sha256}", highlight=False)


def run() -> None:
    """Entry point that never shows a traceback unless CASEBOOK_DEBUG is set."""
    try:
        app()
    except Exception as error:  # last resort: one line, no values that might be sensitive
        if os.environ.get("CASEBOOK_DEBUG"):
            raise
        err.print(
            f"error: unexpected {type(error).__name__}; rerun with CASEBOOK_DEBUG=1 to see details",
            highlight=False,
            markup=False,
        )
        sys.exit(70)
