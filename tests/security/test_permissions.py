"""The role × action × sensitivity matrix, written out by hand (never computed from the code)."""

from __future__ import annotations

import pytest

from casebook.security.permissions import (
    ACTIONS,
    Actor,
    PermissionDenied,
    can,
    readable,
    readable_levels,
    require,
)

# Who acts: each role without and with the restricted clearance (an admin has it by role).
PRINCIPALS = {
    "viewer": Actor("v", "viewer"),
    "viewer+cleared": Actor("vc", "viewer", cleared=True),
    "reviewer": Actor("r", "reviewer"),
    "reviewer+cleared": Actor("rc", "reviewer", cleared=True),
    "editor": Actor("e", "editor"),
    "editor+cleared": Actor("ec", "editor", cleared=True),
    "admin": Actor("a", "admin"),
}
ORDER = list(PRINCIPALS)

# One row per action; one column per principal in ORDER: x allowed, . refused.
#                                  V  V+ R  R+ E  E+ A
OPEN = {  # public and internal records
    "read":                        "x  x  x  x  x  x  x",
    "count":                       "x  x  x  x  x  x  x",
    "audit":                       ".  .  x  x  x  x  x",
    "review":                      ".  .  x  x  x  x  x",
    "merge":                       ".  .  x  x  x  x  x",
    "override_minor_redaction":    ".  .  x  x  x  x  x",
    "ingest":                      ".  .  .  .  x  x  x",
    "extract":                     ".  .  .  .  x  x  x",
    "resolve":                     ".  .  .  .  x  x  x",
    "export":                      ".  .  .  .  x  x  x",
    "publish":                     ".  .  .  .  x  x  x",
    "import":                      ".  .  .  .  .  .  x",
    "manage_users":                ".  .  .  .  .  .  x",
    "read_restricted":             ".  x  .  x  .  x  x",
}  # fmt: skip
RESTRICTED = {
    "read":                        ".  x  .  x  .  x  x",
    "count":                       ".  x  .  x  .  x  x",
    "audit":                       ".  .  .  x  .  x  x",
    "review":                      ".  .  .  x  .  x  x",
    "merge":                       ".  .  .  x  .  x  x",
    "override_minor_redaction":    ".  .  .  x  .  x  x",
    "ingest":                      ".  .  .  .  .  x  x",
    "extract":                     ".  .  .  .  .  x  x",
    "resolve":                     ".  .  .  .  .  x  x",
    "export":                      ".  .  .  .  .  x  x",
    "publish":                     ".  .  .  .  .  .  .",
    "import":                      ".  .  .  .  .  .  x",
    "manage_users":                ".  .  .  .  .  .  x",
    "read_restricted":             ".  x  .  x  .  x  x",
}  # fmt: skip
EXPECTED = {"public": OPEN, "internal": OPEN, "restricted": RESTRICTED}


def _cases() -> list[tuple[str, str, str, bool]]:
    cases = []
    for sensitivity, table in EXPECTED.items():
        for action, row in table.items():
            for principal, mark in zip(ORDER, row.split(), strict=True):
                cases.append((action, principal, sensitivity, mark == "x"))
    return cases


def test_permissions_matrix_covers_every_action() -> None:
    assert set(OPEN) == set(RESTRICTED) == set(ACTIONS)


@pytest.mark.parametrize(("action", "principal", "sensitivity", "allowed"), _cases())
def test_permissions_matrix(action: str, principal: str, sensitivity: str, allowed: bool) -> None:
    actor = PRINCIPALS[principal]
    assert can(actor, action, sensitivity) is allowed
    if allowed:
        require(actor, action, sensitivity)
    else:
        with pytest.raises(PermissionDenied):
            require(actor, action, sensitivity)


def test_permissions_a_token_narrows_but_never_widens() -> None:
    token = Actor("e", "editor", scopes=frozenset({"read", "manage_users"}))
    assert can(token, "read")
    assert not can(token, "ingest")  # the role allows it, the token does not
    assert not can(token, "manage_users")  # the token names it, the role does not


def test_permissions_denial_names_action_and_role_but_no_value() -> None:
    with pytest.raises(PermissionDenied) as raised:
        require(Actor("vic", "viewer"), "read", "restricted")
    assert str(raised.value).startswith("vic (viewer) may not read restricted records")


def test_permissions_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        can(Actor("a", "admin"), "delete_everything")


class Row:
    def __init__(self, name: str, sensitivity: str) -> None:
        self.name, self.sensitivity = name, sensitivity


def test_permissions_readable_filters_rows_and_levels() -> None:
    rows = [Row("a", "public"), Row("b", "restricted"), Row("c", "internal")]
    assert [r.name for r in readable(Actor("v", "viewer"), rows)] == ["a", "c"]
    assert [r.name for r in readable(Actor("v", "viewer", cleared=True), rows)] == ["a", "b", "c"]
    assert readable_levels(Actor("e", "editor"), "publish") == ("public", "internal")
    assert readable_levels(Actor("v", "viewer"), "ingest") == ()
