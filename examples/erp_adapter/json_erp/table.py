"""One kind's rows as a unit of work sees them: the committed rows, copied on first write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from json_erp.kinds import Kind

__all__ = ["Table"]

T = TypeVar("T")


class Table(Generic[T]):
    """One kind's rows as one unit of work sees them.

    Until the unit of work writes to it, the table reads the store's committed
    rows, so it sees what others commit. Its first write takes the store's
    writer lock (``begin_write``) and copies the committed rows; from then on it
    reads and writes its own copy, which the unit of work hands to the store
    on commit and throws away on rollback. Every write appends an undo step to
    the unit of work's journal, so a failed operation can be taken back whole.

    Args:
        kind: The kind of row.
        committed: Returns the store's committed rows of a kind.
        begin_write: Called before every write (takes the writer lock once).
        journal: The unit of work's undo steps.
    """

    def __init__(
        self,
        kind: Kind[T],
        committed: Callable[[Kind[T]], Mapping[str, T]],
        begin_write: Callable[[], None],
        journal: list[Callable[[], None]],
    ) -> None:
        self.kind = kind
        self._committed = committed
        self._begin_write = begin_write
        self._journal = journal
        self._copy: dict[str, T] | None = None

    @property
    def rows(self) -> Mapping[str, T]:
        """Every row by key: this unit of work's copy, or the committed rows."""
        return self._copy if self._copy is not None else self._committed(self.kind)

    @property
    def changed_rows(self) -> Mapping[str, T] | None:
        """The copy to commit, or ``None`` when this unit of work wrote nothing here."""
        return self._copy

    def get(self, key: str) -> T | None:
        """Return the row with ``key``, or ``None``."""
        return self.rows.get(key)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self.rows.values()))

    def put(self, row: T) -> None:
        """Add or replace a row (in this unit of work's copy)."""
        rows = self._writable()
        key = self.kind.key(row)
        self._remember(key, rows.get(key))
        rows[key] = row

    def delete(self, key: str) -> None:
        """Remove the row with ``key`` (in this unit of work's copy)."""
        rows = self._writable()
        self._remember(key, rows.pop(key, None))

    def reset(self) -> None:
        """Forget the copy: read the committed rows again."""
        self._copy = None

    def _writable(self) -> dict[str, T]:
        self._begin_write()
        if self._copy is None:
            self._copy = dict(self._committed(self.kind))
        return self._copy

    def _remember(self, key: str, before: T | None) -> None:
        rows = self._writable()

        def undo() -> None:
            if before is None:
                rows.pop(key, None)
            else:
                rows[key] = before

        self._journal.append(undo)
