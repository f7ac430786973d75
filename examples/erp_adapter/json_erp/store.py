"""The store: the committed rows of an export directory, and who may write them."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, TypeVar

from b2b_customers.clock import SystemClock
from b2b_customers.errors import ConflictError
from json_erp.export import ExportDirectory
from json_erp.kinds import ALL_KINDS
from json_erp.unit_of_work import JsonErpUnitOfWork

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from b2b_customers.ports import Clock
    from json_erp.kinds import Kind

__all__ = ["JsonErpStore"]

T = TypeVar("T")


class JsonErpStore:
    """The library's store over a directory of JSON files, one file per kind of row.

    Implements `b2b_customers.ports.Store`. Opening the store reads
    every file; the committed rows stay in memory from then on, and each
    commit replaces the files of the kinds it changed. One process owns the
    directory; within it, any number of threads may read, and one unit of
    work at a time writes (its first write waits for the writer lock).

    Example::

        from b2b_customers.domain import Company
        from json_erp import JsonErpStore

        store = JsonErpStore("erp-export")
        with store.unit_of_work() as uow:
            uow.companies.add(Company(id="acme", name="ACME GmbH", currency="EUR"))
            uow.commit()  # writes erp-export/companies.json

    Args:
        directory: The export directory (created when missing).
        clock: Stamps ``created_at``, ``updated_at`` and ``published_at``;
            the system clock by default.
        lock_timeout: How many seconds a unit of work waits for another to
            commit or roll back before its write gives up.
        durable: Flush each file to the disk before it replaces the old one.

    Raises:
        StorageError: The directory cannot be created, or a file in it cannot
            be read as rows of its kind.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        lock_timeout: float = 10.0,
        durable: bool = True,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.export = ExportDirectory(directory, durable=durable)
        self._lock_timeout = lock_timeout
        self._writer = threading.Lock()
        self._rows: dict[str, dict[str, Any]] = self.export.load(ALL_KINDS)

    def __repr__(self) -> str:
        return f"JsonErpStore({str(self.export.path)!r})"

    def unit_of_work(self) -> JsonErpUnitOfWork:
        """Return a new unit of work (begin it with ``with``)."""
        return JsonErpUnitOfWork(self)

    def dispose(self) -> None:
        """Do nothing: every commit has written and closed its files already."""

    def committed(self, kind: Kind[T]) -> Mapping[str, T]:
        """Return the committed rows of ``kind`` by key (never change them)."""
        rows: Mapping[str, T] = self._rows[kind.name]
        return rows

    def lock_for_writing(self) -> None:
        """Wait for the writer lock; a unit of work takes it before its first write.

        Raises:
            ConflictError: Another unit of work held it longer than ``lock_timeout``.
        """
        if not self._writer.acquire(timeout=self._lock_timeout):
            raise ConflictError(
                f"another unit of work has been writing to {self.export.path} for "
                f"{self._lock_timeout} s; commit or roll it back first, or try again later"
            )

    def unlock(self) -> None:
        """Let the next unit of work write."""
        self._writer.release()

    def publish(self, changes: Mapping[Kind[Any], Mapping[str, Any]]) -> None:
        """Write the changed kinds' files, then make their rows the committed ones.

        The caller holds the writer lock. Each kind's rows are replaced whole,
        in one assignment, so readers see the old rows or the new ones.

        Raises:
            StorageError: A file cannot be written (nothing is committed).
        """
        if not changes:
            return
        self.export.write(changes)
        self._rows = {**self._rows, **{kind.name: dict(rows) for kind, rows in changes.items()}}
