"""A failed write ends the unit of work, in memory as in SQL.

The SQL store sends each write straight to its transaction (no SAVEPOINT per
write), so a write that fails leaves the transaction rolled back and the unit
of work finished. The memory store could undo one failed call alone, but it
keeps the same promise, so code written against one store behaves the same
on the other: after a repository's write raises,
[`commit`][b2b_customers.adapters.memory.MemoryUnitOfWork.commit] refuses, and the caller leaves the
``with`` block (or rolls back) and starts again.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__: list[str] = []

WRITES = frozenset(
    {
        "add",
        "add_many",
        "add_members",
        "save",
        "remove",
        "book",
        "append",
        "append_many",
        "mark_published",
    }
)
"""The repository methods that write: the ones whose failure ends the unit of work."""


class _Guarded:
    """A repository whose writes, when they raise, mark the unit of work failed."""

    __slots__ = ("_fail", "_repository")

    def __init__(self, repository: object, fail: Callable[[BaseException], None]) -> None:
        self._repository = repository
        self._fail = fail

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401  (whatever the repository offers)
        found = getattr(self._repository, name)
        if name not in WRITES or not callable(found):
            return found

        @functools.wraps(found)
        def write(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            try:
                return found(*args, **kwargs)
            except BaseException as error:
                self._fail(error)
                raise

        return write

    def __repr__(self) -> str:
        return repr(self._repository)


def guarded(repository: Any, fail: Callable[[BaseException], None]) -> Any:  # noqa: ANN401
    """Return ``repository`` with its writes guarded (typed as the repository itself)."""
    return _Guarded(repository, fail)
