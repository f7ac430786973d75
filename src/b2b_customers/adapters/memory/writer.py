"""The memory store's write lock: one unit of work at a time may take scarce amounts.

SQLite has one writer at a time and PostgreSQL locks rows; the memory store
gets the same guarantee from this lock. A unit of work takes it before it
reads what a conditional write depends on (a budget's spend, a credit line's
totals) and keeps it until it commits or rolls back, so that no other unit
of work can slip an order in between its read and its write.
"""

from __future__ import annotations

import threading

from b2b_customers.errors import StorageError

__all__: list[str] = []

WAIT_SECONDS = 30.0
"""How long a unit of work waits for the write lock before it gives up."""


class _Writer:
    """A lock held by one unit of work (not one thread) until it ends."""

    __slots__ = ("_holder", "_lock", "_thread")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: object | None = None
        self._thread: int | None = None

    def acquire(self, owner: object) -> None:
        """Hold the lock for ``owner`` (again: nothing happens).

        Raises:
            StorageError: Another unit of work of the same thread holds it
                (waiting would never end), or it was not free in time.
        """
        if self._holder is owner:
            return
        if self._holder is not None and self._thread == threading.get_ident():
            raise StorageError(
                "another unit of work of this thread is writing to the store; commit or leave "
                "it before this one takes credit or a budget"
            )
        if not self._lock.acquire(timeout=WAIT_SECONDS):
            raise StorageError(
                f"the store's write lock was not free within {WAIT_SECONDS:.0f} s; try again"
            )
        self._holder = owner
        self._thread = threading.get_ident()

    def release(self, owner: object) -> None:
        """Let go of the lock if ``owner`` holds it."""
        if self._holder is owner:
            self._holder = None
            self._thread = None
            self._lock.release()
