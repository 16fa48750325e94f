"""Errors a monitor can act on. The CLI turns each into one line and a non-zero exit."""

from __future__ import annotations


class CasebookError(Exception):
    """Base of every error casebook raises on purpose."""


class ConfigError(CasebookError):
    """The configuration (flags, environment, casebook.toml) is unusable."""


class StoreError(CasebookError):
    """The store cannot be opened, migrated or written."""


class CatalogueError(CasebookError):
    """A law catalogue is malformed; the message lists every problem with its location."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("law catalogue is invalid:\n  " + "\n  ".join(problems))


class InputError(CasebookError):
    """One input (file, URL, record) cannot be read; names it and says why."""

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"{origin}: {reason}")


class ImportFormatError(CasebookError):
    """An export file given to `casebook import` is not in the documented format."""


class AuditError(CasebookError):
    """The audit chain is broken."""


class NotFoundError(CasebookError):
    """A record the user named does not exist."""


class UsageError(CasebookError):
    """A command was given an option value it cannot use; says which and what would do."""


class StoreKeyError(StoreError):
    """The store's key is missing or wrong, or a key was given for a store that has none."""


class ConversionError(StoreError):
    """Encrypting, decrypting or re-keying the store did not finish; the store is unchanged."""


class BackupError(StoreError):
    """A backup could not be written, verified or restored."""
