"""The outbox in SQL: domain events stored with the changes they describe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from b2b_customers.adapters.sql.mapping import load, utc
from b2b_customers.adapters.sql.queries import chunked
from b2b_customers.adapters.sql.tables import outbox
from b2b_customers.domain import DomainEvent
from b2b_customers.errors import ValidationError
from b2b_customers.ports import OutboxEntry

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import EventId

__all__ = ["SqlOutbox"]


class SqlOutbox:
    """The outbox seen from one unit of work.

    Implements [`Outbox`][b2b_customers.ports.Outbox]. `pending` lists
    stored events; the events recorded in this unit of work join them when it
    commits. `mark_published` writes in this unit of work's transaction:
    its own `pending` leaves the marked events out at once, everybody
    else's after the commit.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def pending(self, *, limit: int = 100) -> list[OutboxEntry]:
        """Return the oldest events not yet published, oldest first.

        Raises:
            ValidationError: ``limit`` is not a whole number of at least 1.
        """
        raw: object = limit
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
            raise ValidationError(f"must be a whole number >= 1, got {limit!r}", field="limit")
        statement = (
            select(outbox.c.position, outbox.c.data)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.position)
            .limit(limit)
        )
        with self._session.read() as connection:
            rows = connection.execute(statement).all()
        return [
            OutboxEntry(position=position, event=load(DomainEvent, data)) for position, data in rows
        ]

    def mark_published(self, event_ids: Sequence[EventId]) -> None:
        """Mark these events published at the store's clock; unknown ids are ignored.

        An event marked twice keeps the time it was first published. Events
        recorded in this unit of work are marked as they join the outbox.
        """
        session = self._session
        ids = sorted(set(event_ids))
        if not ids:
            return
        now = session.now()
        for event_id in ids:
            session.marks.setdefault(event_id, now)
        with session.write() as connection:
            for chunk in chunked(ids, session.chunk_size):
                connection.execute(
                    update(outbox)
                    .where(outbox.c.event_id.in_(chunk), outbox.c.published_at.is_(None))
                    .values(published_at=utc(now))
                )
