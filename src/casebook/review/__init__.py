"""Review: the human decisions on the record (confirm, edit, reject, link, merge, split,
undo), each audited and undoable. The machine never confirms; only these actions do."""

from casebook.review.actions import ConflictError, Decision, ReviewError

__all__ = ["ConflictError", "Decision", "ReviewError"]
