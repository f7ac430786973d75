"""Tables, secondary indexes and the write buffers units of work keep over them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import attrs

from b2b_customers.domain import Versioned
from b2b_customers.errors import AlreadyExists, StaleVersion

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet

__all__: list[str] = []


R = TypeVar("R", bound=Versioned)

_Undo = Callable[[], None]


# -- tables, indexes and write buffers


def _already_exists(message: str, _holder: str) -> AlreadyExists:
    return AlreadyExists(message)


@attrs.frozen
class _Unique(Generic[R]):
    """A unique rule: at most one row may have each key of ``index``."""

    index: str
    message: Callable[[R, str], str]  # (the row, the id holding the key) -> what to fix
    # (the message, the id holding the key) -> the error; a subclass may name the holder
    error: Callable[[str, str], AlreadyExists] = _already_exists


@attrs.frozen
class _Schema(Generic[R]):
    """What a table stores and how it is indexed."""

    entity: str
    ident: Callable[[R], str]
    indexes: Mapping[str, Callable[[R], Iterable[Hashable]]]
    unique: Sequence[_Unique[R]] = ()


class _Pending(Protocol):  # noqa: PYI046  (store.py uses it)
    """A unit of work's buffer for one table, as commit sees it."""

    def check_versions(self) -> None: ...
    def apply(self) -> None: ...
    def clear(self) -> None: ...


class _Index(Generic[R]):
    """Maps each key to the ids of the rows that have it."""

    __slots__ = ("_buckets", "_keys_of")

    def __init__(self, keys_of: Callable[[R], Iterable[Hashable]]) -> None:
        self._keys_of = keys_of
        self._buckets: dict[Hashable, set[str]] = {}

    def add(self, row_id: str, row: R) -> None:
        for key in self._keys_of(row):
            self._buckets.setdefault(key, set()).add(row_id)

    def remove(self, row_id: str, row: R) -> None:
        for key in self._keys_of(row):
            bucket = self._buckets.get(key)
            if bucket is not None:
                bucket.discard(row_id)
                if not bucket:
                    del self._buckets[key]

    def keys(self, row: R) -> Iterable[Hashable]:
        return self._keys_of(row)

    def ids(self, key: Hashable) -> AbstractSet[str]:
        return self._buckets.get(key, frozenset())


class _Table(Generic[R]):
    """Rows by id, with the secondary indexes of the schema."""

    __slots__ = ("indexes", "rows", "schema")

    def __init__(self, schema: _Schema[R]) -> None:
        self.schema = schema
        self.rows: dict[str, R] = {}
        self.indexes = {name: _Index(keys_of) for name, keys_of in schema.indexes.items()}

    def put(self, row: R) -> None:
        row_id = self.schema.ident(row)
        old = self.rows.get(row_id)
        if old is not None:
            for index in self.indexes.values():
                index.remove(row_id, old)
        self.rows[row_id] = row
        for index in self.indexes.values():
            index.add(row_id, row)

    def delete(self, row_id: str) -> None:
        old = self.rows.pop(row_id, None)
        if old is not None:
            for index in self.indexes.values():
                index.remove(row_id, old)


class _Buffer(Generic[R]):
    """One unit of work's pending changes to one table, read over the committed table.

    ``expected`` holds, for every id the unit of work wrote or removed, the
    committed version it started from (``None``: the id was free); commit
    refuses to go on when the committed table has moved since.
    """

    __slots__ = ("_journal", "base", "deleted", "expected", "schema", "written")

    def __init__(self, base: _Table[R], journal: list[_Undo]) -> None:
        self.base = base
        self.schema = base.schema
        self.written: _Table[R] = _Table(base.schema)
        self.deleted: set[str] = set()
        self.expected: dict[str, int | None] = {}
        self._journal = journal

    # reads: the buffer over the committed rows

    def get(self, row_id: str) -> R | None:
        row = self.written.rows.get(row_id)
        if row is not None:
            return row
        if row_id in self.deleted:
            return None
        return self.base.rows.get(row_id)

    def _shadowed(self, row_id: str) -> bool:
        return row_id in self.written.rows or row_id in self.deleted

    def ids(self, index: str, key: Hashable) -> set[str]:
        found = set(self.written.indexes[index].ids(key))
        found.update(
            row_id for row_id in self.base.indexes[index].ids(key) if not self._shadowed(row_id)
        )
        return found

    def rows(self, index: str, key: Hashable) -> list[R]:
        return [row for row_id in self.ids(index, key) if (row := self.get(row_id)) is not None]

    def all(self) -> Iterator[R]:
        yield from self.written.rows.values()
        for row_id, row in self.base.rows.items():
            if not self._shadowed(row_id):
                yield row

    def check_unique(self, row: R) -> None:
        """Raise `AlreadyExists` when another row holds one of ``row``'s unique keys."""
        row_id = self.schema.ident(row)
        for rule in self.schema.unique:
            for key in self.written.indexes[rule.index].keys(row):
                holders = sorted(self.ids(rule.index, key) - {row_id})
                if holders:
                    raise rule.error(rule.message(row, holders[0]), holders[0])

    # writes, each with an undo step in the journal

    def _remember(self, row_id: str) -> None:
        previous_row = self.written.rows.get(row_id)
        was_deleted = row_id in self.deleted
        had_expected = row_id in self.expected
        previous_expected = self.expected.get(row_id)
        if not had_expected:
            committed = self.base.rows.get(row_id)
            self.expected[row_id] = None if committed is None else committed.version

        def undo() -> None:
            if previous_row is None:
                self.written.delete(row_id)
            else:
                self.written.put(previous_row)
            if was_deleted:
                self.deleted.add(row_id)
            else:
                self.deleted.discard(row_id)
            if had_expected:
                self.expected[row_id] = previous_expected
            else:
                self.expected.pop(row_id, None)

        self._journal.append(undo)

    def put(self, row: R) -> None:
        row_id = self.schema.ident(row)
        self._remember(row_id)
        self.written.put(row)
        self.deleted.discard(row_id)

    def delete(self, row_id: str) -> None:
        self._remember(row_id)
        self.written.delete(row_id)
        if self.expected[row_id] is None:
            # Added and removed in this unit of work: nothing to do at commit.
            del self.expected[row_id]
        else:
            self.deleted.add(row_id)

    # commit

    def check_versions(self) -> None:
        """Refuse to commit over rows another unit of work changed since this one touched them."""
        for row_id, expected in self.expected.items():
            committed = self.base.rows.get(row_id)
            version = None if committed is None else committed.version
            if version == expected:
                continue
            entity = self.schema.entity
            if expected is None:
                raise AlreadyExists(
                    f"another unit of work added a {entity} with id {row_id!r} first; "
                    "choose another id, or load and change the stored one"
                )
            if version is None:
                raise StaleVersion(
                    f"another unit of work removed {entity} {row_id!r} after this one read "
                    f"version {expected}; nothing was written"
                )
            raise StaleVersion(
                f"another unit of work saved version {version} of {entity} {row_id!r} after "
                f"this one read version {expected}; nothing was written. Reload it, apply the "
                "change again and commit"
            )

    def apply(self) -> None:
        for row_id in self.deleted:
            self.base.delete(row_id)
        for row in self.written.rows.values():
            self.base.put(row)

    def clear(self) -> None:
        self.written = _Table(self.schema)
        self.deleted.clear()
        self.expected.clear()


def _present(*keys: Hashable | None) -> list[Hashable]:
    return [key for key in keys if key is not None]
