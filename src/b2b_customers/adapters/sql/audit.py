"""The audit log in SQL: one append-only table, read by company or by aggregate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from b2b_customers.adapters.sql.mapping import AUDIT_COLUMNS, audit_values, state_json, utc
from b2b_customers.adapters.sql.queries import page
from b2b_customers.adapters.sql.tables import audit_log
from b2b_customers.domain import AuditLogEntry
from b2b_customers.errors import AlreadyExists, B2BError, ValidationError
from b2b_customers.ports import AuditQuery, Page

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import ColumnElement, Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId

__all__ = ["SqlAuditLog"]

_table = audit_log
_IN_ORDER = (_table.c.occurred_at.asc(), _table.c.position.asc())


class SqlAuditLog:
    """The audit log, in SQL.

    Implements [`AuditLog`][b2b_customers.ports.AuditLog]. Appended entries
    wait in the unit of work and go to the database in one batch, in its
    transaction, before it commits (or before it next reads the log): each is
    written with the change it describes or not at all.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._appended = session.deferred_ids(_table)

    def append(self, entry: AuditLogEntry) -> AuditLogEntry:
        """Add an entry at the end of the log; return it.

        Raises:
            AlreadyExists: An entry with this id is in the log already.
            ValidationError: ``entry`` is not an
                [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry].
        """
        if not isinstance(entry, AuditLogEntry):
            raise ValidationError(
                f"append takes an AuditLogEntry, got {type(entry).__name__}", field="entry"
            )

        if entry.id in self._appended:  # a failed write, though it never reached the database
            raise self._session.fail(
                AlreadyExists(
                    f"an audit entry with id {entry.id!r} was appended in this unit of work "
                    "already; give every entry an id of its own"
                )
            )
        self._session.defer(_table, AUDIT_COLUMNS, self._row(entry), _taken)
        self._appended.add(entry.id)
        return entry

    def append_many(self, entries: Iterable[AuditLogEntry]) -> list[AuditLogEntry]:
        """Add entries at the end of the log, in this order, all or none, in one batch.

        Raises:
            AlreadyExists: An entry's id is in the log already, or given twice.
            ValidationError: An item is not an
                [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry].
        """
        items = list(entries)
        for entry in items:
            if not isinstance(entry, AuditLogEntry):
                raise ValidationError(
                    f"append_many takes AuditLogEntry items, got {type(entry).__name__}",
                    field="entries",
                )
        appended = {entry.id for entry in items}
        if len(appended) < len(items) or appended & self._appended:
            raise self._session.fail(
                AlreadyExists(
                    "an audit entry id is given twice, or was appended in this unit of work "
                    "already; give every entry an id of its own"
                )
            )
        for entry in items:  # sent in one batch with the unit of work's other appends
            self._session.defer(_table, AUDIT_COLUMNS, self._row(entry), _taken)
        self._appended.update(appended)
        return items

    def append_rows(self, ids: set[str], rows: list[tuple[Any, ...]]) -> None:
        """Add ready rows (`creation_values`'s) at the end of the log, all or none.

        ``ids``: the rows' entry ids, each given once (the caller checked).

        Raises:
            AlreadyExists: An id was appended in this unit of work already
                (nothing is added; the unit of work goes on).
        """
        if ids & self._appended:
            raise AlreadyExists(
                "an audit entry id was appended in this unit of work already; "
                "give every entry an id of its own"
            )
        for row in rows:
            self._session.defer(_table, AUDIT_COLUMNS, row, _taken)
        self._appended.update(ids)

    def _row(self, entry: AuditLogEntry) -> tuple[Any, ...]:
        """The entry's row; its state's JSON text is kept for the event that shares it."""
        session = self._session
        after = entry.after
        text = None if after is None else state_json(after)
        if after is not None and text is not None:
            session.remember_state(after, text)
        return audit_values(entry, raw=not session.postgres, after_json=text)

    def for_company(
        self, company_id: CompanyId, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the entries of one company (default: the first 50)."""
        query = query or AuditQuery()
        return self._page([_table.c.company_id == company_id], query)

    def for_aggregate(
        self, aggregate_type: str, aggregate_id: str, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the history of one aggregate, whatever its company."""
        query = attrs.evolve(
            query or AuditQuery(), aggregate_type=aggregate_type, aggregate_id=aggregate_id
        )
        return self._page([], query)

    def _page(
        self, conditions: list[ColumnElement[bool]], query: AuditQuery
    ) -> Page[AuditLogEntry]:
        column = _table.c
        if query.since is not None:
            conditions.append(column.occurred_at >= utc(query.since))
        if query.until is not None:
            conditions.append(column.occurred_at < utc(query.until))
        if query.aggregate_type is not None:
            conditions.append(column.aggregate_type == query.aggregate_type)
        if query.aggregate_id is not None:
            conditions.append(column.aggregate_id == query.aggregate_id)
        self._session.flush()
        with self._session.read() as connection:
            return page(
                connection,
                self._session.decode,
                AuditLogEntry,
                _table,
                conditions=conditions,
                order_by=_IN_ORDER,
                offset=query.offset,
                limit=query.limit,
            )


def _taken(_connection: Connection, violation: Violation) -> B2BError | None:
    if violation.kind != "unique":
        return None
    return AlreadyExists(
        "an audit entry with one of these ids is in the log already; "
        "give every entry an id of its own"
    )
