"""What every repository of the export does: add, save, remove and get the rows of one kind."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import attrs
from attrs import frozen

from b2b_customers.domain import Versioned
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion
from b2b_customers.queries import page

if TYPE_CHECKING:
    from b2b_customers.ports import Page
    from json_erp.table import Table
    from json_erp.workspace import Workspace

__all__ = ["Repository", "Unique", "page_of"]

R = TypeVar("R", bound=Versioned)
T = TypeVar("T")


@frozen
class Unique(Generic[R]):
    """A unique rule: no two rows of a kind may share a key.

    Attributes:
        keys: The keys of a row under this rule (none: the rule does not apply).
        message: What to tell the caller, given the new row and the id of the
            row holding its key.
        error: The error to raise, given the message and the holder's id
            (`AlreadyExists`, or a subclass naming the holder).
    """

    keys: Callable[[R], Iterable[Hashable]]
    message: Callable[[R, str], str]
    error: Callable[[str, str], AlreadyExists] = attrs.field(
        default=lambda message, _holder: AlreadyExists(message)
    )


class Repository(Generic[R]):
    """The rows of one kind, as one unit of work sees them.

    Subclasses name their ``entity`` (for messages), their ``unique`` rules,
    and override `_check_references` and `_check_change`. Every
    write runs inside `Workspace.write`, so a refused one writes nothing (and
    fails the unit of work: it may not commit).

    Args:
        work: The unit of work's workspace.
        table: The table of this repository's kind.
    """

    entity: ClassVar[str]
    unique: ClassVar[tuple[Unique[Any], ...]] = ()

    def __init__(self, work: Workspace, table: Table[R]) -> None:
        self._work = work
        self._table = table

    def _find(self, key: str) -> R:
        row = self._table.get(key)
        if row is None:
            raise NotFound(self.entity, key)
        return row

    def _insert(self, row: R) -> R:
        """Store a new row with version 1 and the clock's time; return it."""
        with self._work.write():
            self._check_references(row)
            key = self._table.kind.key(row)
            if self._table.get(key) is not None:
                raise AlreadyExists(
                    f"a {self.entity} with id {key!r} exists already; choose another id, "
                    "or load and save the stored one"
                )
            now = self._work.clock.now()
            stamped = attrs.evolve(row, version=1, created_at=now, updated_at=now)
            self._check_unique(stamped)
            self._table.put(stamped)
            return stamped

    def _insert_many(self, rows: Iterable[R]) -> list[R]:
        """Store many new rows, all or none."""
        with self._work.write():
            return [self._insert(row) for row in rows]

    def _stored_for_update(self, row: R) -> R:
        """Return the stored row that ``row`` is a changed copy of.

        Raises:
            NotFound: No row has this key.
            StaleVersion: ``row`` is not a copy of the stored version.
        """
        key = self._table.kind.key(row)
        stored = self._find(key)
        if row.version != stored.version:
            raise StaleVersion(
                f"{self.entity} {key!r} is at version {stored.version}, but the copy saved "
                f"is version {row.version}; reload it, apply the change again and save"
            )
        return stored

    def _update(self, row: R) -> R:
        """Store a changed copy with the next version; return it."""
        with self._work.write():
            stored = self._stored_for_update(row)
            self._check_change(stored, row)
            self._check_references(row)
            stamped = attrs.evolve(
                row,
                version=stored.version + 1,
                created_at=stored.created_at,
                updated_at=self._work.clock.now(),
            )
            self._check_unique(stamped)
            self._table.put(stamped)
            return stamped

    def _delete(self, key: str) -> None:
        with self._work.write():
            self._find(key)
            self._table.delete(key)

    def _check_unique(self, row: R) -> None:
        """Raise `AlreadyExists` when another row holds one of ``row``'s unique keys."""
        key_of = self._table.kind.key
        row_key = key_of(row)
        for rule in self.unique:
            wanted = set(rule.keys(row))
            if not wanted:
                continue
            for other in self._table:
                if key_of(other) != row_key and wanted.intersection(rule.keys(other)):
                    holder = key_of(other)
                    raise rule.error(rule.message(row, holder), holder)

    def _check_references(self, row: R) -> None:
        """Raise when ``row`` names something that does not exist (a hook)."""

    def _check_change(self, stored: R, changed: R) -> None:
        """Raise when ``changed`` alters what may not change (a hook)."""


def page_of(matches: list[T], offset: int, limit: int) -> Page[T]:
    """Return the page of ``matches`` from ``offset``, at most ``limit`` long."""
    return page(matches, offset, limit)
