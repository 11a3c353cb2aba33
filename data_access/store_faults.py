"""What went wrong with the store itself, in words: unreachable, read-only, disk full or damaged.

A fault of the store is not a fault of the user's file, so the screen must not tell them to check the file; and it
is not a bug, so it must not show Streamlit's own error box (which talks about Streamlit Cloud). `fault_of(error)`
turns the database driver's error into a `StoreFault` with the app's own wording; the pages (ui/cache.py, the
importer) show it and say that nothing was written.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

NOTHING_WRITTEN = "Nothing was written to the store."


@dataclass(frozen=True)
class StoreFault:
    """One kind of store fault: a short name, what is wrong, and what to do."""

    kind: str  # unreachable, read-only, full, damaged, error
    what: str
    advice: str

    def message(self) -> str:
        """The whole message for the screen: what is wrong, that nothing was written, what to do."""
        return f"{self.what} {NOTHING_WRITTEN} {self.advice}"


UNREACHABLE = StoreFault(
    "unreachable",
    "The app cannot reach its data store: the database did not answer.",
    "Try again in a few minutes; if it goes on, tell whoever runs this site (the database server may be down).",
)
READ_ONLY = StoreFault(
    "read-only",
    "The data store is read-only here, so changes cannot be saved.",
    "Tell whoever runs this site: the store's file or database must be writable by the app.",
)
FULL = StoreFault(
    "full",
    "The data store's disk is full, so the changes could not be saved.",
    "Your file is not at fault: once whoever runs this site has freed some space, import it again.",
)
DAMAGED = StoreFault(
    "damaged",
    "The data store is damaged: its file is not a readable database.",
    "Tell whoever runs this site: restore the store from its latest backup (see the README's section on backups).",
)

# Words in the driver's message (SQLite, PostgreSQL), and PostgreSQL's SQLSTATE codes, for each fault.
_SIGNS: tuple[tuple[StoreFault, tuple[str, ...], tuple[str, ...]], ...] = (
    (FULL, ("disk is full", "no space left", "could not extend file", "disk full"), ("53100", "53200")),
    (READ_ONLY, ("readonly database", "read-only", "read only"), ("25006",)),
    (DAMAGED, ("file is not a database", "disk image is malformed", "database corruption"), ("XX001", "XX002")),
    (
        UNREACHABLE,
        ("unable to open database file", "connection refused", "could not connect", "connection failed", "timeout expired"),
        ("08000", "08001", "08003", "08006", "57P01", "57P03"),
    ),
)


def fault_of(error: BaseException) -> StoreFault | None:
    """The store fault behind `error`, or None when it is not one (a constraint refused a row, say)."""
    orig = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = f"{orig} {error}".lower()
    state = str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")
    for fault, words, states in _SIGNS:
        if state in states or any(word in text for word in words):
            return fault
    return None


def describe(error: BaseException) -> StoreFault:
    """`error` as a store fault; one that is not recognised is named by its first line only (no traceback)."""
    fault = fault_of(error)
    if fault is not None:
        return fault
    orig = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:200]
    return StoreFault("error", f"The data store reported an error ({first_line}).", "Tell whoever runs this site.")


STORE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError)
"""Errors that mean the store itself failed, for `except` clauses around opening and reading it."""
