"""The audit log, in the export's ``audit_log.json``: append-only, oldest first.

The file holds every entry as an `AuditRow`: the entry as the
library's converter writes it, and its position in the log. The file is
sorted by entry id like every other kind, so the position keeps the order
entries were appended in. A list is sorted by ``occurred_at`` and then by
position, so entries of the same instant come in append order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from attrs import frozen

from b2b_customers.domain import AuditLogEntry
from b2b_customers.errors import AlreadyExists, ValidationError
from b2b_customers.ports import AuditQuery
from b2b_customers.queries import select

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import CompanyId
    from b2b_customers.ports import Page
    from json_erp.table import Table
    from json_erp.workspace import Workspace

__all__ = ["AuditRow", "JsonAuditLog"]


@frozen(kw_only=True)
class AuditRow:
    """One entry of the audit log, as the export keeps it.

    Attributes:
        position: Where it stands in the log: 1 for the first entry appended,
            one more for each after it.
        entry: The entry.
    """

    position: int
    entry: AuditLogEntry


class JsonAuditLog:
    """The audit log seen from one unit of work. Implements `AuditLog`.

    An append is a write like any other: it takes the writer lock, so
    positions follow the order entries are appended in across units of
    work; the entry is read back by this unit of work at once, written to
    the file on commit and dropped on rollback. There is nothing to change
    or remove an entry with.

    Args:
        work: The unit of work's workspace.
        table: The log's rows, by entry id.
    """

    def __init__(self, work: Workspace, table: Table[AuditRow]) -> None:
        self._work = work
        self._table = table

    def append(self, entry: AuditLogEntry) -> AuditLogEntry:
        """Add an entry at the end of the log; return it.

        Raises:
            AlreadyExists: An entry with this id is in the log already.
            ValidationError: ``entry`` is not an `AuditLogEntry`.
        """
        with self._work.write():
            if not isinstance(entry, AuditLogEntry):
                raise ValidationError(
                    f"append takes an AuditLogEntry, got {type(entry).__name__}", field="entry"
                )
            # Take the lock before looking: the check and the append then see the same log.
            self._work.begin_write()
            if self._table.get(entry.id) is not None:
                raise AlreadyExists(
                    f"an audit entry with id {entry.id!r} is in the log already; "
                    "give every entry an id of its own"
                )
            self._table.put(AuditRow(position=len(self._table.rows) + 1, entry=entry))
        return entry

    def append_many(self, entries: Iterable[AuditLogEntry]) -> list[AuditLogEntry]:
        """Add entries at the end of the log, in this order, all or none; return them.

        Raises:
            AlreadyExists: An entry's id is in the log already, or given twice.
            ValidationError: An item is not an `AuditLogEntry`.
        """
        with self._work.write():
            return [self.append(entry) for entry in entries]

    def for_company(
        self, company_id: CompanyId, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the entries of one company (default: the first 50)."""
        query = query if query is not None else AuditQuery()
        return _select((row for row in self._table if row.entry.company_id == company_id), query)

    def for_aggregate(
        self, aggregate_type: str, aggregate_id: str, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the history of one aggregate, whatever its company."""
        query = attrs.evolve(
            query if query is not None else AuditQuery(),
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
        )
        return _select(self._table, query)


def _select(rows: Iterable[AuditRow], query: AuditQuery) -> Page[AuditLogEntry]:
    """Return one page of the rows' entries, as `b2b_customers.queries` selects them."""
    in_order = sorted(rows, key=lambda row: row.position)  # append order within an instant
    return select(query, [row.entry for row in in_order])
