"""Who is acting on the command line: the one function every CLI command calls.

`cli_auth` (a setting) says how a CLI user proves who they are:
- `local` (the default, for a laptop): the user named by --user / CASEBOOK_USER / the OS
  login is trusted, because whoever can run casebook as that OS user can open the store
  file anyway. The user must exist in the store and be enabled.
- `password`: the named user's password, from CASEBOOK_PASSWORD or a prompt, checked with
  login throttling. For a shared store (PostgreSQL) where the database login is shared.
- `token`: an API token in CASEBOOK_TOKEN; the user is the token's owner, narrowed to its
  scopes.
A token in CASEBOOK_TOKEN is used whatever `cli_auth` says.
"""

from __future__ import annotations

from collections.abc import Callable

from casebook.config import Config
from casebook.security.accounts import LoginError, local_actor, login
from casebook.security.permissions import Actor
from casebook.security.tokens import token_actor
from casebook.store.engine import Store

MODES = ("local", "password", "token")


def identify(
    store: Store, config: Config, *, token: str | None, password: Callable[[], str | None]
) -> Actor:
    """The acting user, authenticated as `config.cli_auth` says; LoginError if not."""
    if config.cli_auth not in MODES:
        raise LoginError(f"cli_auth must be one of {', '.join(MODES)}, not {config.cli_auth!r}")
    if token:
        return token_actor(store, token)
    if config.cli_auth == "token":
        raise LoginError("cli_auth is 'token': put an API token in CASEBOOK_TOKEN")
    if config.cli_auth == "password":
        given = password()
        if not given:
            raise LoginError(
                "cli_auth is 'password': give it in CASEBOOK_PASSWORD or at the prompt"
            )
        return login(store, config.actor, given)
    return local_actor(store, config.actor)
