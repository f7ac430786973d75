"""Fault injection: a store that fails at the k-th write, to prove a call leaves nothing behind.

Wrap any [`Store`][b2b_customers.ports.Store] (memory, SQL, an ERP adapter) in a
[`FailingStore`][b2b_customers.testing.faults.FailingStore] and hand it to
[`App`][b2b_customers.App]. Every write made through it is counted: ``add``, ``add_many``, ``save``,
``remove`` (and the other names in [`WRITE_METHODS`][b2b_customers.testing.faults.WRITE_METHODS]) on
any repository of a unit of work, [`record`][b2b_customers.ports.UnitOfWork.record] and
[`commit`][b2b_customers.ports.UnitOfWork.commit] itself. With ``fail_at=k`` the
k-th write raises [`InjectedFault`][b2b_customers.testing.faults.InjectedFault] instead of reaching
the store, as a dropped connection would; without it the store only counts, to learn how many
writes a call makes::

    counting = FailingStore(app.store)
    App(counting).companies.onboard(actor=staff, name="ACME", currency="EUR")
    counting.writes     # ['companies.add', 'groups.add', 'record', 'audit.append', 'commit']

Compare [`snapshot`][b2b_customers.testing.snapshot.snapshot] before and after a
failed call: a store that keeps the unit-of-work contract shows no change.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Self

from b2b_customers.errors import StorageError
from b2b_customers.ports import RecordsCreations, UnitOfWork

if TYPE_CHECKING:
    from types import TracebackType

    from b2b_customers.ports import Clock, Store

__all__ = ["REPOSITORIES", "WRITE_METHODS", "FailingStore", "InjectedFault"]

WRITE_METHODS = frozenset(
    {
        "add",
        "add_many",
        "add_members",
        "save",
        "remove",
        "record",
        "append",
        "append_many",
        "mark_published",
    }
)
"""The repository methods that change the store; each call counts as one write."""

REPOSITORIES = tuple(inspect.get_annotations(UnitOfWork))
"""The repositories of a unit of work (every attribute the port declares)."""


class InjectedFault(StorageError):
    """The failure a `FailingStore` raises at the write it was told to fail.

    Attributes:
        position: Which write (counting from 1) failed.
        write: What the write was: ``"companies.add"``, ``"record"``, ``"commit"``, ...
    """

    def __init__(self, position: int, write: str) -> None:
        super().__init__(
            f"injected failure at write {position} ({write}); the store is unavailable, "
            "try again later"
        )
        self.position = position
        self.write = write


class FailingStore:
    """A store that counts the writes made through it and fails the one it is told to.

    Implements [`Store`][b2b_customers.ports.Store] around another store; reads
    pass through untouched.

    Args:
        store: The store to wrap.
        fail_at: Fail the write at this position (counting from 1, over every
            unit of work opened through this wrapper); ``None`` only counts.

    Attributes:
        writes: Every write made so far, in order (``"companies.add"``, ...),
            including the one that failed.
        injected: The fault raised, once it has been.
        clock: The wrapped store's clock.
    """

    def __init__(self, store: Store, *, fail_at: int | None = None) -> None:
        self._store = store
        self._fail_at = fail_at
        self.clock: Clock = store.clock
        self.writes: list[str] = []
        self.injected: InjectedFault | None = None

    def unit_of_work(self) -> UnitOfWork:
        """Return a unit of work of the wrapped store whose writes are counted."""
        return _FailingUnitOfWork(self, self._store.unit_of_work())

    def dispose(self) -> None:
        """Dispose of the wrapped store."""
        self._store.dispose()

    def write(self, name: str) -> None:
        """Count one write; raise if it is the one to fail.

        Args:
            name: What is written (``"companies.add"``, ``"commit"``).

        Raises:
            InjectedFault: This is the write at position ``fail_at``.
        """
        self.writes.append(name)
        if len(self.writes) == self._fail_at:
            self.injected = InjectedFault(self._fail_at, name)
            raise self.injected


class _FailingRepository:
    """A repository whose writes go through `FailingStore.write` first."""

    def __init__(self, faults: FailingStore, name: str, repository: object) -> None:
        self._faults = faults
        self._name = name
        self._repository = repository

    def __getattr__(self, attribute: str) -> Any:  # noqa: ANN401  (whatever the repository has)
        value = getattr(self._repository, attribute)
        if attribute not in WRITE_METHODS or not callable(value):
            return value

        def write(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            self._faults.write(f"{self._name}.{attribute}")
            return value(*args, **kwargs)

        return write


class _FailingUnitOfWork:
    """A unit of work whose repositories, ``record`` and ``commit`` count as writes."""

    def __init__(self, faults: FailingStore, uow: UnitOfWork) -> None:
        self._faults = faults
        self._uow = uow
        for name in REPOSITORIES:
            setattr(self, name, _FailingRepository(faults, name, getattr(uow, name)))
        if isinstance(uow, RecordsCreations):  # offered only where the wrapped one has it
            record_creations = uow.record_creations

            def record_creations_counted(creations: Any, created: Any) -> None:  # noqa: ANN401
                """Count recording many creations as a write, then record them."""
                faults.write("record_creations")
                record_creations(creations, created)

            self.record_creations = record_creations_counted

    def __enter__(self) -> Self:
        self._uow.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._uow.__exit__(exc_type, exc, traceback)

    def __getattr__(self, attribute: str) -> Any:  # noqa: ANN401  (rollback, committed_events, ...)
        return getattr(self._uow, attribute)

    def commit(self) -> None:
        """Count the commit as a write, then commit."""
        self._faults.write("commit")
        self._uow.commit()

    def record(self, event: Any) -> None:  # noqa: ANN401  (a DomainEvent)
        """Count recording an event as a write, then record it."""
        self._faults.write("record")
        self._uow.record(event)
