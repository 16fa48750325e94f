"""casebook: an evidence-backed case tracker for human-rights monitors."""

__version__ = "0.1.0"
