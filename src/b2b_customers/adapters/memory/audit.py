"""The audit log, in memory: an append-only list with indexes by company and aggregate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2b_customers.domain import AuditLogEntry
from b2b_customers.errors import AlreadyExists, ValidationError
from b2b_customers.ports import AuditQuery, Page
from b2b_customers.queries import select

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.adapters.memory.store import _Workspace
    from b2b_customers.adapters.memory.tables import _Undo
    from b2b_customers.ids import CompanyId

__all__ = ["MemoryAuditLog"]


class _Log:
    """The committed log: entries in the order they were appended, and two indexes."""

    def __init__(self) -> None:
        self.entries: list[AuditLogEntry] = []
        self.ids: set[str] = set()
        self.by_company: dict[str, list[int]] = {}
        self.by_aggregate: dict[tuple[str, str], list[int]] = {}

    def append(self, entry: AuditLogEntry) -> None:
        position = len(self.entries)
        self.entries.append(entry)
        self.ids.add(entry.id)
        if entry.company_id is not None:
            self.by_company.setdefault(entry.company_id, []).append(position)
        key = (entry.aggregate_type, entry.aggregate_id)
        self.by_aggregate.setdefault(key, []).append(position)


class _LogBuffer:
    """One unit of work's appended entries, waiting for commit."""

    def __init__(self, log: _Log, journal: list[_Undo]) -> None:
        self.log = log
        self.appended: list[AuditLogEntry] = []
        self._journal = journal

    def taken(self, entry_id: str) -> bool:
        return entry_id in self.log.ids or any(entry.id == entry_id for entry in self.appended)

    def append(self, entry: AuditLogEntry) -> None:
        self.appended.append(entry)

        def undo() -> None:
            self.appended.remove(entry)

        self._journal.append(undo)

    def check_versions(self) -> None:
        taken = sorted(entry.id for entry in self.appended if entry.id in self.log.ids)
        if taken:
            raise AlreadyExists(
                f"another unit of work appended audit entries {', '.join(map(repr, taken))} "
                "first; give every entry an id of its own"
            )

    def apply(self) -> None:
        for entry in self.appended:
            self.log.append(entry)

    def clear(self) -> None:
        self.appended = []


class MemoryAuditLog:
    """The audit log seen from one unit of work.

    Implements [`AuditLog`][b2b_customers.ports.AuditLog]. Entries appended here
    are read back by this unit of work at once, and join the log (after
    every committed entry) when it commits.
    """

    def __init__(self, work: _Workspace, buffer: _LogBuffer) -> None:
        self._work = work
        self._buffer = buffer

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
        with self._work.lock:
            if self._buffer.taken(entry.id):
                raise AlreadyExists(
                    f"an audit entry with id {entry.id!r} is in the log already; "
                    "give every entry an id of its own"
                )
            self._buffer.append(entry)
        return entry

    def append_many(self, entries: Iterable[AuditLogEntry]) -> list[AuditLogEntry]:
        """Add entries at the end of the log, in this order, all or none; return them.

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
        with self._work.lock:
            seen = {entry.id for entry in self._buffer.appended}
            for entry in items:
                if entry.id in seen or entry.id in self._buffer.log.ids:
                    raise AlreadyExists(
                        f"an audit entry with id {entry.id!r} is in the log already; "
                        "give every entry an id of its own"
                    )
                seen.add(entry.id)
            for entry in items:
                self._buffer.append(entry)
        return items

    def for_company(
        self, company_id: CompanyId, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the entries of one company (default: the first 50)."""
        query = query or AuditQuery()
        with self._work.lock:
            log = self._buffer.log
            committed = [log.entries[at] for at in log.by_company.get(company_id, ())]
            mine = [e for e in self._buffer.appended if e.company_id == company_id]
            return _select([*committed, *mine], query)

    def for_aggregate(
        self, aggregate_type: str, aggregate_id: str, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the history of one aggregate, whatever its company."""
        query = attrs.evolve(
            query or AuditQuery(), aggregate_type=aggregate_type, aggregate_id=aggregate_id
        )
        key = (aggregate_type, aggregate_id)
        with self._work.lock:
            log = self._buffer.log
            committed = [log.entries[at] for at in log.by_aggregate.get(key, ())]
            mine = [e for e in self._buffer.appended if (e.aggregate_type, e.aggregate_id) == key]
            return _select([*committed, *mine], query)


def _select(entries: Iterable[AuditLogEntry], query: AuditQuery) -> Page[AuditLogEntry]:
    """Filter entries (given in append order) and sort them by time, keeping that order."""
    return select(query, entries)
