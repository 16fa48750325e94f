"""Where a store's key comes from: a setting, a key file, or a prompt.

A key is a `Key`, whose text appears in no repr, str or message, so a key that ends up
in a log line, an exception or a traceback shows as `Key(<hidden>)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from casebook.config import Config
from casebook.errors import ConfigError, StoreKeyError

Ask = Callable[[str], str]
NEW_KEY_ENV = "CASEBOOK_NEW_KEY"


class Key:
    """A store key (a passphrase). Hidden from every repr and str."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        if not secret:
            raise StoreKeyError("the key is empty")
        if "\x00" in secret:  # SQLite would silently cut the key there
            raise StoreKeyError("the key contains a NUL character")
        self._secret = secret

    def __repr__(self) -> str:
        return "Key(<hidden>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(self._secret)

    def reveal(self) -> str:
        """The passphrase itself: only for handing to SQLCipher."""
        return self._secret

    def sql_literal(self) -> str:
        """The passphrase as an SQL string literal, for `PRAGMA key`."""
        return "'" + self._secret.replace("'", "''") + "'"


def configured_key(config: Config) -> Key | None:
    """The key the configuration names (setting `key` or `key_file`), if any."""
    if config.key and config.key_file:
        raise ConfigError("give the store's key either as `key` or as `key_file`, not both")
    if config.key:
        return Key(config.key)
    if config.key_file:
        return read_key_file(Path(config.key_file))
    return None


def read_key_file(path: Path) -> Key:
    """The key in a file: its first line, without the line ending."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StoreKeyError(f"cannot read the key file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise StoreKeyError(f"the key file {path} is not UTF-8 text") from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise StoreKeyError(f"the key file {path} is empty")
    return Key(line)


def ask_key(ask: Ask, prompt: str = "key for the store: ") -> Key:
    """Ask for a key (without echo, when `ask` is getpass)."""
    text = ask(prompt)
    if not text:
        raise StoreKeyError("no key was typed")
    return Key(text)


def ask_new_key(ask: Ask) -> Key:
    """Ask for a new key twice; refuse when the two differ."""
    first = ask_key(ask, "new key: ")
    if ask_key(ask, "new key again: ") != first:
        raise StoreKeyError("the two keys typed differ; nothing was changed")
    return first


def key_for(config: Config, path: Path | None, *, prompt: bool, ask: Ask | None) -> Key | None:
    """The key for the SQLite file at `path`: configured, or typed when asked to or needed.

    Without a configured key, the key is asked for when `prompt` is set, or when the file
    is encrypted and there is someone to ask (`ask`, a terminal).
    """
    from casebook.security.sqlcipher import file_kind

    key = configured_key(config)
    if key is not None:
        return key
    if prompt and ask is None:
        raise StoreKeyError("--key-prompt needs a terminal; use CASEBOOK_KEY_FILE instead")
    needed = path is not None and file_kind(path) == "encrypted"
    if ask is not None and (prompt or needed):
        return ask_key(ask)
    return None


def new_key(key_file: Path | None, ask: Ask | None, environ: dict[str, str] | None = None) -> Key:
    """The new key for `db encrypt` / `db rekey`: a file, CASEBOOK_NEW_KEY, or typed twice."""
    environ = dict(os.environ) if environ is None else environ
    if key_file is not None:
        return read_key_file(key_file)
    if environ.get(NEW_KEY_ENV):
        return Key(environ[NEW_KEY_ENV])
    if ask is None:
        raise StoreKeyError(
            f"no new key: give --new-key-file FILE or {NEW_KEY_ENV}, or run it in a terminal"
        )
    return ask_new_key(ask)
