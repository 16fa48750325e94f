"""Showing review items with Rich, and the interactive `casebook review next` loop.

The loop reads answers through an `ask` function, so it works at a terminal (Rich prompts)
and with answers piped in line by line (no terminal needed). Every answer calls the same
service functions as the one-shot commands in `review.actions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.prompt import Prompt
from rich.table import Table
from rich.text import Text

from casebook.errors import CasebookError
from casebook.review import actions
from casebook.review.actions import Decision
from casebook.review.queue import ReviewItem, queue
from casebook.security.permissions import Actor, can
from casebook.store.engine import Store

# An answer to a prompt, or None when the input has ended.
Ask = Callable[[str, list[str]], "str | None"]
EVENT_CHOICES = ["c", "e", "r", "s", "q"]
LINK_CHOICES = ["c", "r", "s", "q"]


def queue_table(items: list[ReviewItem]) -> Table:
    table = Table("kind", "id", "version", "what")
    for entry in items:
        version = "" if entry.version is None else str(entry.version)
        table.add_row(entry.kind, entry.id, version, Text(entry.title))
    return table


def show_item(console: Console, entry: ReviewItem) -> None:
    """An event with every field's value and quotes, or a link with its candidates."""
    version = f"  version {entry.version}" if entry.version is not None else ""
    console.print(Text(f"{entry.kind} {entry.id}{version}: {entry.title}", style="bold"))
    if entry.kind == "event":
        table = Table("field", "value", "quote", "rule", "source")
        for view in entry.fields:
            quotes = view.quotes or ()
            first = quotes[0] if quotes else None
            table.add_row(
                view.name,
                Text(view.value),
                Text(first.quote if first else "(no quote)"),
                Text(first.rule or "" if first else ""),
                Text((first.source_title or first.source_id) if first else ""),
            )
            for quote in quotes[1:]:
                table.add_row(
                    "", "", Text(quote.quote), Text(quote.rule or ""),
                    Text(quote.source_title or quote.source_id),
                )  # fmt: skip
        console.print(table)
    if entry.mention is not None:
        source = entry.mention.source_title or entry.mention.source_id
        console.print(Text(f"named as: “{entry.mention.quote}” in {source}"))
        table = Table("candidate", "name", "score")
        for candidate in entry.candidates:
            table.add_row(candidate.id, Text(candidate.name), f"{candidate.score:.2f}")
        console.print(table)
    for reason in entry.reasons:
        console.print(Text(f"  - {reason}"))


def show_decision(console: Console, decision: Decision) -> None:
    console.print(
        Text(f"{decision.summary} — decision {decision.id} "
             f"(undo: casebook review undo {decision.id})")
    )  # fmt: skip


def terminal_ask(console: Console) -> Ask:
    def ask(prompt: str, choices: list[str]) -> str | None:
        try:
            return Prompt.ask(prompt, console=console, choices=choices or None)
        except EOFError:
            return None

    return ask


def line_ask(console: Console, lines: TextIO) -> Ask:
    """Answers read one per line (for pipes and tests); the answer is echoed after the prompt."""

    def ask(prompt: str, choices: list[str]) -> str | None:
        line = lines.readline()
        if not line:
            return None
        answer = line.strip()
        shown = f" [{'/'.join(choices)}]" if choices else ""
        console.print(Text(f"{prompt}{shown}: {answer}"))
        return answer

    return ask


@dataclass
class LoopSummary:
    decisions: list[Decision] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)  # items the user may not see


def review_loop(store: Store, actor: Actor, console: Console, ask: Ask) -> LoopSummary:
    """Work through the queue: c(onfirm/accept), e(dit), r(eject), s(kip), q(uit)."""
    summary = LoopSummary()
    while True:
        passed = summary.skipped | summary.hidden
        with store.reader() as session:
            page = queue(session, limit=len(passed) + 1)
        pending = [entry for entry in page if entry.id not in passed]
        if not pending:
            console.print("nothing left to review")
            return summary
        entry = pending[0]
        if not can(actor, "review", entry.sensitivity):
            summary.hidden.add(entry.id)
            continue
        show_item(console, entry)
        choices = EVENT_CHOICES if entry.kind == "event" else LINK_CHOICES
        answer = ask(_PROMPTS[entry.kind], choices)
        if answer is None or answer == "q":
            return summary
        if answer == "s":
            summary.skipped.add(entry.id)
            continue
        try:
            decision = _answer(store, actor, entry, answer, ask)
        except CasebookError as error:
            console.print(Text(f"error: {error}", style="red"))
            continue
        if decision is not None:
            summary.decisions.append(decision)
            show_decision(console, decision)


_PROMPTS = {
    "event": "c=confirm e=edit r=reject s=skip q=quit",
    "link": "c=accept r=reject (new person) s=skip q=quit",
}


def _answer(
    store: Store, actor: Actor, entry: ReviewItem, answer: str, ask: Ask
) -> Decision | None:
    if entry.kind == "link":
        if answer == "c":
            return actions.accept_link(store, actor, entry.id)
        if answer == "r":
            return actions.reject_link(store, actor, entry.id)
        return None
    if answer == "c":
        return actions.confirm_event(store, actor, entry.id, entry.version)
    if answer == "r":
        return actions.reject_event(store, actor, entry.id, entry.version)
    if answer == "e":
        name = ask("field (" + ", ".join(actions.EDITABLE) + ")", [])
        value = ask("new value ('-' clears)", []) if name else None
        if name is None or value is None:
            return None
        return actions.edit_event(store, actor, entry.id, entry.version, name, value)
    return None
