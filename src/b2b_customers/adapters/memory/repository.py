"""What every memory repository does: add, save, remove and get through a buffer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import attrs

from b2b_customers.adapters.memory.tables import R, _Buffer
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion
from b2b_customers.ports import Page

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from b2b_customers.adapters.memory.store import _Workspace

__all__: list[str] = []

T = TypeVar("T")


class _Repository(Generic[R]):
    """What every memory repository does: add, save, remove and get through a buffer."""

    def __init__(self, work: _Workspace, buffer: _Buffer[R]) -> None:
        self._work = work
        self._buffer = buffer
        self._lock = work.lock
        self._clock = work.clock
        work.rechecks.append(self._recheck)

    def _entity(self) -> str:
        return self._buffer.schema.entity

    def _find(self, row_id: str) -> R:
        row = self._buffer.get(row_id)
        if row is None:
            raise NotFound(self._entity(), row_id)
        return row

    def _check_references(self, row: R) -> None:
        """Raise when ``row`` names something that does not exist (a hook)."""

    def _check_change(self, stored: R, changed: R) -> None:
        """Raise when ``changed`` alters what may not change (a hook)."""

    def _insert(self, row: R) -> R:
        with self._lock:
            self._check_references(row)
            row_id = self._buffer.schema.ident(row)
            if self._buffer.get(row_id) is not None:
                raise AlreadyExists(
                    f"a {self._entity()} with id {row_id!r} exists already; choose another id, "
                    "or load and save the stored one"
                )
            now = self._clock.now()
            stamped = attrs.evolve(row, version=1, created_at=now, updated_at=now)
            self._buffer.check_unique(stamped)
            self._buffer.put(stamped)
            return stamped

    def _insert_many(self, rows: Iterable[R]) -> list[R]:
        return self._atomically(lambda: [self._insert(row) for row in rows])

    def _atomically(self, action: Callable[[], T]) -> T:
        """Run ``action`` under the lock; if it fails, undo every write it made."""
        with self._lock:
            mark = len(self._work.journal)
            try:
                return action()
            except BaseException:
                self._work.undo_to(mark)
                raise

    def _stored_for_update(self, row: R) -> R:
        """Return the stored row ``row`` is a changed copy of.

        Raises:
            NotFound: No row has this id.
            StaleVersion: ``row`` is not a copy of the stored version.
        """
        row_id = self._buffer.schema.ident(row)
        stored = self._find(row_id)
        if row.version != stored.version:
            raise StaleVersion(
                f"{self._entity()} {row_id!r} is at version {stored.version}, but the copy "
                f"saved is version {row.version}; reload it, apply the change again and save"
            )
        return stored

    def _update(self, row: R) -> R:
        with self._lock:
            stored = self._stored_for_update(row)
            self._check_change(stored, row)
            self._check_references(row)
            stamped = attrs.evolve(
                row,
                version=stored.version + 1,
                created_at=stored.created_at,
                updated_at=self._clock.now(),
            )
            self._buffer.check_unique(stamped)
            self._buffer.put(stamped)
            return stamped

    def _delete(self, row_id: str) -> None:
        with self._lock:
            self._find(row_id)
            self._buffer.delete(row_id)

    def _recheck(self) -> None:
        """Check every pending row against the committed state it is about to join."""
        for row in self._buffer.written.rows.values():
            self._check_references(row)
            self._buffer.check_unique(row)


def _page(matches: list[T], offset: int, limit: int) -> Page[T]:
    return Page(
        items=tuple(matches[offset : offset + limit]),
        total=len(matches),
        offset=offset,
        limit=limit,
    )
