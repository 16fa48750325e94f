"""Who may do what to which records: the one place the CLI and the web app both ask.

A role grants a set of actions (ROLE_ACTIONS). Records carry a sensitivity (`public`,
`internal`, `restricted`); acting on a `restricted` one also needs the `read_restricted`
action, which only `admin` has by role and other users get as a *clearance* granted by an
admin (`casebook user set NAME --clearance restricted`). Restricted records are never
published: the publish step reads `store.minors.minor_override` for the one exception.
An API token narrows its owner's actions to its scopes; it never widens them.

Messages name the action, the user and the role, never a record's content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from casebook.errors import CasebookError
from casebook.model import ROLES, SENSITIVITIES

CLEARANCES = ("internal", "restricted")

ACTIONS = (
    "read",  # status, search, review list/show, counts and checks
    "count",  # figures and claim checks
    "audit",  # verify the audit chain
    "review",  # confirm, reject, edit events; accept or reject identity links
    "merge",  # merge and split persons and events; undo decisions
    "override_minor_redaction",  # let a minor's identity be published (audited)
    "ingest",
    "extract",
    "resolve",
    "export",  # the whole record, as JSON Lines
    "publish",  # redacted public exports
    "import",  # read an export into the record
    "manage_users",  # users, roles, clearances, other users' tokens
    "read_restricted",  # see and act on restricted records
)

_VIEWER = frozenset({"read", "count"})
_REVIEWER = _VIEWER | {"audit", "review", "merge", "override_minor_redaction"}
_EDITOR = _REVIEWER | {"ingest", "extract", "resolve", "export", "publish"}
_ADMIN = _EDITOR | {"import", "manage_users", "read_restricted"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "viewer": _VIEWER,
    "reviewer": frozenset(_REVIEWER),
    "editor": frozenset(_EDITOR),
    "admin": frozenset(_ADMIN),
}
GRANTABLE = frozenset({"read_restricted"})


class PermissionDenied(CasebookError):
    """The acting user's role, clearance or token scope does not allow the action."""


@dataclass(frozen=True)
class Actor:
    """An authenticated user as the permission checks see them.

    `cleared`: granted the restricted clearance. `scopes`: when acting through an API
    token, the actions it was issued for (None: everything the role allows).
    """

    name: str
    role: str
    cleared: bool = False
    scopes: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")


def actions_of(actor: Actor) -> frozenset[str]:
    """Every action this actor may take on records it may see."""
    allowed = ROLE_ACTIONS[actor.role] | (GRANTABLE if actor.cleared else frozenset())
    return allowed if actor.scopes is None else allowed & actor.scopes


def can(actor: Actor, action: str, sensitivity: str = "internal") -> bool:
    """May `actor` take `action` on a record of this sensitivity?"""
    if action not in ACTIONS or sensitivity not in SENSITIVITIES:
        raise ValueError(f"unknown action {action!r} or sensitivity {sensitivity!r}")
    allowed = actions_of(actor)
    if action not in allowed:
        return False
    if sensitivity != "restricted":
        return True
    return action != "publish" and "read_restricted" in allowed


def require(actor: Actor, action: str, sensitivity: str = "internal") -> None:
    """Raise PermissionDenied unless `can(actor, action, sensitivity)`."""
    if can(actor, action, sensitivity):
        return
    what = f"{action} {sensitivity} records" if sensitivity == "restricted" else action
    through = " with this token" if actor.scopes is not None else ""
    raise PermissionDenied(
        f"{actor.name} ({actor.role}) may not {what}{through}; ask an admin for the "
        "role or clearance it needs"
    )


def readable_levels(actor: Actor, action: str = "read") -> tuple[str, ...]:
    """The sensitivities `actor` may take `action` on, for filtering queries by column."""
    return tuple(level for level in SENSITIVITIES if can(actor, action, level))


class Sensitive(Protocol):
    @property
    def sensitivity(self) -> str: ...


Row = TypeVar("Row", bound=Sensitive)


def readable(actor: Actor, rows: Iterable[Row], action: str = "read") -> list[Row]:
    """The rows `actor` may take `action` on, in order."""
    levels = readable_levels(actor, action)
    return [row for row in rows if row.sensitivity in levels]


def most_sensitive(levels: Iterable[str]) -> str:
    """The strictest of several sensitivities (`public` when there are none)."""
    return max(levels, key=SENSITIVITIES.index, default="public")
