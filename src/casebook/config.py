"""Configuration: one object built from flags, environment and an optional casebook.toml.

Every setting is declared once, in SETTINGS; docs/configuration.md lists them and a
test checks the two agree.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from casebook.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "CASEBOOK_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "db",
        "sqlite:///casebook-data/casebook.sqlite",
        "Database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB",
    ),
    Setting("user", None, "Who is acting; recorded in the audit log (default: your login)"),
    Setting(
        "cli_auth",
        "local",
        "How a CLI user proves who they are: local (trust --user / the login), "
        "password (CASEBOOK_PASSWORD or a prompt) or token (CASEBOOK_TOKEN)",
    ),
    Setting("jurisdiction", "hk", "Which law catalogue to use"),
    Setting("batch_size", 500, "Sources written per transaction during ingest"),
    Setting("max_document_mb", 10.0, "Largest single report accepted, in MB"),
    Setting(
        "near_duplicate_threshold",
        0.8,
        "Word-shingle similarity above which a report is linked to an earlier copy",
    ),
    Setting("fetch_timeout", 30.0, "Seconds to wait for a URL when ingesting"),
    Setting(
        "resolve_link_threshold",
        0.9,
        "Identity score at or above which a mention is linked automatically (reversible)",
    ),
    Setting(
        "resolve_review_threshold",
        0.5,
        "Identity score at or above which a mention is "
        "queued for review; below it a new person is proposed",
    ),
    Setting(
        "key",
        None,
        "Passphrase of an encrypted SQLite store (prefer key_file; never on the command line)",
    ),
    Setting("key_file", None, "File whose first line is the encrypted store's passphrase"),
)


@dataclass(frozen=True)
class Config:
    db: str = SETTINGS[0].default
    user: str | None = None
    cli_auth: str = "local"
    jurisdiction: str = "hk"
    batch_size: int = 500
    max_document_mb: float = 10.0
    near_duplicate_threshold: float = 0.8
    fetch_timeout: float = 30.0
    resolve_link_threshold: float = 0.9
    resolve_review_threshold: float = 0.5
    key: str | None = field(default=None, repr=False)  # never shown in a repr or message
    key_file: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        return self.user or _login_name()

    @property
    def max_document_bytes(self) -> int:
        return int(self.max_document_mb * 1024 * 1024)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def load_config(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    toml_path: Path | None = None,
) -> Config:
    """Flags override the environment, which overrides casebook.toml, which overrides defaults."""
    environ = os.environ if environ is None else environ
    toml_path = toml_path or Path(environ.get("CASEBOOK_CONFIG", "casebook.toml"))
    values: dict[str, Any] = {}
    values.update(_read_toml(toml_path))
    values.update({s.name: environ[s.env] for s in SETTINGS if s.env in environ})
    values.update({k: v for k, v in (flags or {}).items() if v is not None})
    return _build(values, toml_path)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    section = data.get("casebook", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [casebook] must be a table")
    return section


def _build(values: dict[str, Any], origin: Path) -> Config:
    known = {f.name: f for f in fields(Config) if f.name != "extra"}
    defaults = Config()
    problems: list[str] = []
    settled: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in known:
            problems.append(f"unknown setting {name!r} (known: {', '.join(sorted(known))})")
            continue
        expected = type(getattr(defaults, name)) if getattr(defaults, name) is not None else str
        try:
            settled[name] = expected(raw)
        except (TypeError, ValueError):
            problems.append(f"setting {name!r}: {raw!r} is not a {expected.__name__}")
    if problems:
        raise ConfigError(f"configuration ({origin} / environment / flags): " + "; ".join(problems))
    return Config(**settled)
