"""The outbox seen from one unit of work."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.ids import EventId
    from b2b_customers.ports import OutboxEntry

if TYPE_CHECKING:
    from b2b_customers.adapters.memory.store import _Workspace

__all__ = ["MemoryOutbox"]


class MemoryOutbox:
    """The outbox seen from one unit of work.

    Implements [`Outbox`][b2b_customers.ports.Outbox].
    [`pending`][b2b_customers.adapters.memory.MemoryOutbox.pending] lists committed events; events
    recorded in this unit of work join the outbox when it commits. Marks made with
    [`mark_published`][b2b_customers.adapters.memory.MemoryOutbox.mark_published] belong to the unit
    of work too: they apply on commit and are dropped on rollback (this unit of work's
    [`pending`][b2b_customers.adapters.memory.MemoryOutbox.pending] leaves them out at once).
    """

    def __init__(self, work: _Workspace) -> None:
        self._work = work

    def pending(self, *, limit: int = 100) -> list[OutboxEntry]:
        """Return the oldest events not yet published, oldest first.

        Raises:
            ValidationError: ``limit`` is not a whole number of at least 1.
        """
        raw: object = limit
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
            raise ValidationError(f"must be a whole number >= 1, got {limit!r}", field="limit")
        state = self._work.state
        marks = self._work.marks
        with state.lock:
            waiting = (
                state.events[event_id]
                for event_id in state.unpublished.values()
                if event_id not in marks
            )
            return list(itertools.islice(waiting, limit))

    def mark_published(self, event_ids: Sequence[EventId]) -> None:
        """Mark these events published at the store's clock, on commit; unknown ids are ignored.

        An event marked twice keeps the time it was first published.
        """
        now = self._work.clock.now()
        for event_id in event_ids:
            self._work.marks.setdefault(event_id, now)
