"""The outbox, in the export's ``outbox.json``: committed events waiting to be published."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2b_customers.errors import AlreadyExists, ValidationError
from b2b_customers.ports import OutboxEntry

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from b2b_customers.domain import DomainEvent
    from b2b_customers.ids import EventId
    from json_erp.table import Table
    from json_erp.workspace import Workspace

__all__ = ["JsonOutbox"]


class JsonOutbox:
    """The outbox seen from one unit of work. Implements `Outbox`.

    Events recorded and marks made in a unit of work wait in it; they join the
    outbox when it commits and are dropped when it rolls back. Positions are
    given at commit, under the writer lock, so they follow commit order.

    Args:
        work: The unit of work's workspace.
        table: The committed outbox entries, by event id.
    """

    def __init__(self, work: Workspace, table: Table[OutboxEntry]) -> None:
        self._work = work
        self._table = table
        self.recorded: list[DomainEvent] = []
        self._marks: dict[EventId, datetime] = {}

    def pending(self, *, limit: int = 100) -> list[OutboxEntry]:
        """Return the oldest events not yet published, oldest first.

        Events this unit of work marked published are left out at once.

        Raises:
            ValidationError: ``limit`` is not a whole number of at least 1.
        """
        size: object = limit
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValidationError(f"must be a whole number >= 1, got {limit!r}", field="limit")
        waiting = sorted(
            (
                entry
                for entry in self._table
                if entry.published_at is None and entry.event.id not in self._marks
            ),
            key=lambda entry: entry.position,
        )
        return waiting[:limit]

    def mark_published(self, event_ids: Sequence[EventId]) -> None:
        """Mark these events published at the store's clock, on commit; unknown ids are ignored.

        An event marked twice keeps the time it was first published.
        """
        with self._work.write():
            now = self._work.clock.now()
            for event_id in event_ids:
                self._marks.setdefault(event_id, now)

    def record(self, event: DomainEvent) -> None:
        """Keep ``event`` for the outbox, to join it on commit.

        Raises:
            AlreadyExists: An event with this id is in the outbox or recorded already.
        """
        if self._table.get(event.id) is not None or any(
            recorded.id == event.id for recorded in self.recorded
        ):
            raise AlreadyExists(
                f"an event with id {event.id!r} is in the outbox already; "
                "give every event an id of its own"
            )
        self.recorded.append(event)

    @property
    def has_changes(self) -> bool:
        """Whether there are recorded events or marks to commit."""
        return bool(self.recorded or self._marks)

    def write(self) -> list[DomainEvent]:
        """Put the recorded events and the marks into the outbox; return the events.

        The unit of work calls this in its commit, holding the writer lock.

        Raises:
            AlreadyExists: Another unit of work committed an event with one of these ids.
        """
        position = len(self._table.rows)
        for event in self.recorded:
            if self._table.get(event.id) is not None:
                raise AlreadyExists(
                    f"another unit of work put an event with id {event.id!r} in the outbox "
                    "first; give every event an id of its own"
                )
            position += 1
            self._table.put(OutboxEntry(position=position, event=event))
        for event_id, published_at in self._marks.items():
            entry = self._table.get(event_id)
            if entry is not None and entry.published_at is None:
                self._table.put(attrs.evolve(entry, published_at=published_at))
        return list(self.recorded)

    def clear(self) -> None:
        """Drop the recorded events and the marks."""
        self.recorded.clear()
        self._marks.clear()
