"""Jurisdiction law catalogues: YAML data plus the generic reader that checks them."""

from casebook.laws.catalogue import (
    Catalogue,
    Series,
    known_jurisdictions,
    load_catalogue,
    read_catalogue,
)

__all__ = ["Catalogue", "Series", "known_jurisdictions", "load_catalogue", "read_catalogue"]
