"""Translating what the database drivers raise into the library's own errors.

Nothing raised by SQLAlchemy, sqlite3 or psycopg leaves the SQL adapter: a
repository either explains a constraint violation in the words of the domain
(see [`classify`][b2b_customers.adapters.sql.errors.classify]) or hands the error to
[`translate`][b2b_customers.adapters.sql.errors.translate], which maps

* unique and primary key violations to [`AlreadyExists`][b2b_customers.AlreadyExists],
* foreign key, not-null and check violations to [`ValidationError`][b2b_customers.ValidationError],
* a missing table, column or schema to [`SchemaNotReady`][b2b_customers.SchemaNotReady],
* serialization failures to [`StaleVersion`][b2b_customers.StaleVersion],
  dead locks and lock time-outs to [`ConflictError`][b2b_customers.ConflictError],
* and everything else to [`StorageError`][b2b_customers.StorageError].
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from attrs import frozen
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.errors import (
    AlreadyExists,
    B2BError,
    ConflictError,
    SchemaNotReady,
    StaleVersion,
    StorageError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MIGRATE_HINT", "Violation", "classify", "schema_not_ready", "translate"]

MIGRATE_HINT = (
    "run b2b_customers.adapters.sql.migrate(url) (or SqlStore.migrate()) to create or "
    "upgrade the schema"
)
"""What every [`SchemaNotReady`][b2b_customers.SchemaNotReady] message tells the reader to do."""

ViolationKind = Literal["unique", "foreign_key", "not_null", "check"]

_PG_VIOLATIONS: dict[str, ViolationKind] = {
    "23505": "unique",
    "23503": "foreign_key",
    "23502": "not_null",
    "23514": "check",
}
_PG_SCHEMA_MISSING = frozenset({"42P01", "42703", "3F000"})  # undefined table / column / schema
_PG_SERIALIZATION_FAILURE = "40001"
_PG_DEADLOCK = "40P01"
_PG_LOCK_TIMEOUT = "55P03"

_SQLITE_VIOLATIONS: dict[str, ViolationKind] = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_CHECK": "check",
}
_SQLITE_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_BUSY_SNAPSHOT"})
_SQLITE_SCHEMA_MISSING = re.compile(r"no such (table|column)", re.IGNORECASE)
_SQLITE_UNIQUE_COLUMNS = re.compile(r"UNIQUE constraint failed: (.+)$")


@frozen
class Violation:
    """A constraint the database refused a write for.

    Attributes:
        kind: ``"unique"`` (primary keys too), ``"foreign_key"``, ``"not_null"`` or ``"check"``.
        constraint: The constraint's name (see
            `NAMING_CONVENTION`), when
            the driver tells it; SQLite names unique keys but not foreign keys.
    """

    kind: ViolationKind
    constraint: str | None


def _unique_keys_by_columns() -> dict[str, str]:
    """Map SQLite's "table.a, table.b" wording of each unique key to the key's name."""
    found: dict[str, str] = {}
    for table in metadata.tables.values():
        keys: list[tuple[str, list[str]]] = [
            (str(constraint.name), [column.name for column in constraint.columns])
            for constraint in table.constraints
            if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint)
        ]
        keys.extend(
            (str(index.name), [column.name for column in index.columns])
            for index in table.indexes
            if index.unique
        )
        for name, columns in keys:
            found[", ".join(f"{table.name}.{column}" for column in columns)] = name
    return found


_SQLITE_UNIQUE_KEYS = _unique_keys_by_columns()


def _driver_error(error: BaseException) -> BaseException | None:
    return error.orig if isinstance(error, DBAPIError) else None


def classify(error: BaseException) -> Violation | None:
    """Tell which constraint a database error reports, or ``None`` when it is no violation.

    Args:
        error: What SQLAlchemy raised (a `sqlalchemy.exc.DBAPIError` wraps the driver's).

    Returns:
        The violation, or ``None`` for any other error.
    """
    orig = _driver_error(error)
    if orig is None:
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        kind = _PG_VIOLATIONS.get(sqlstate)
        if kind is None:
            return None
        diag = getattr(orig, "diag", None)
        constraint = getattr(diag, "constraint_name", None)
        return Violation(kind, constraint if isinstance(constraint, str) else None)
    errorname = getattr(orig, "sqlite_errorname", None)
    if isinstance(errorname, str):
        kind = _SQLITE_VIOLATIONS.get(errorname)
        if kind is None:
            return None
        constraint = None
        if kind == "unique":
            match = _SQLITE_UNIQUE_COLUMNS.search(str(orig))
            if match is not None:
                constraint = _SQLITE_UNIQUE_KEYS.get(match.group(1).strip())
        return Violation(kind, constraint)
    return None


def schema_not_ready(detail: str) -> SchemaNotReady:
    """Return the error for a missing or outdated schema, saying how to fix it."""
    return SchemaNotReady(f"the database schema is not ready ({detail}); {MIGRATE_HINT}")


def _is_schema_missing(orig: BaseException) -> bool:
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in _PG_SCHEMA_MISSING
    return bool(_SQLITE_SCHEMA_MISSING.search(str(orig)))


def _is_busy(orig: BaseException) -> bool:
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate == _PG_LOCK_TIMEOUT
    errorname = getattr(orig, "sqlite_errorname", None)
    return errorname in _SQLITE_BUSY or "database is locked" in str(orig)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def translate(error: BaseException, messages: Mapping[str, str] | None = None) -> B2BError:
    """Return the library's error for what the database (or SQLAlchemy) raised.

    Args:
        error: The exception caught around a database call.
        messages: Specific messages by constraint name, for the violations the
            caller can explain better than this generic translation.

    Returns:
        An error of the library's hierarchy; raise it ``from error``.
    """
    if isinstance(error, B2BError):
        return error
    violation = classify(error)
    if violation is not None:
        return _violated(violation, (messages or {}).get(violation.constraint or ""))
    orig = _driver_error(error)
    if orig is not None:
        return _driver_failed(orig)
    if isinstance(error, SQLAlchemyError):
        return StorageError(f"the database layer failed: {_first_line(error)}")
    return StorageError(f"the database failed: {_first_line(error)}")


def _violated(violation: Violation, specific: str | None) -> B2BError:
    named = f" ({violation.constraint})" if violation.constraint else ""
    if violation.kind == "unique":
        return AlreadyExists(specific or f"a unique key is taken{named}; choose another value")
    if violation.kind == "foreign_key":
        return ValidationError(
            specific or f"a reference names something that does not exist{named}; store it first"
        )
    return ValidationError(specific or f"the database refused a value{named}")


def _driver_failed(orig: BaseException) -> B2BError:
    sqlstate = getattr(orig, "sqlstate", None)
    if _is_schema_missing(orig):
        return schema_not_ready(_first_line(orig))
    if sqlstate == _PG_SERIALIZATION_FAILURE:
        return StaleVersion(
            "another unit of work changed the same data concurrently; nothing was written. "
            "Reload, apply the change again and commit"
        )
    if sqlstate == _PG_DEADLOCK:
        return ConflictError(
            "two units of work waited for each other (a dead lock); nothing was written, "
            "retry the unit of work"
        )
    if _is_busy(orig):
        return ConflictError(
            "another unit of work holds the write lock for too long; nothing was written, "
            "retry the unit of work (or raise the store's lock_timeout)"
        )
    return StorageError(f"the database failed: {_first_line(orig)}")
