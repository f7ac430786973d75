"""The SQL unit of work: one database transaction over every repository.

A [`SqlUnitOfWork`][b2b_customers.adapters.sql.SqlUnitOfWork] holds one connection from ``with`` to
the end of the block. Reads see the latest committed state and the unit of work's own
changes (PostgreSQL's READ COMMITTED; on SQLite, reads run outside a
transaction until the first write, which takes the write lock with
``BEGIN IMMEDIATE`` so that writers queue instead of failing half-way).

Optimistic concurrency is ``UPDATE ... WHERE id = :id AND version =
:expected``: no row updated means someone else saved first, and
[`StaleVersion`][b2b_customers.StaleVersion] is raised at once.

Recorded events are inserted into the outbox when the unit of work commits,
in the same transaction. On PostgreSQL the insert and the commit happen
under a transaction-scoped advisory lock, so outbox positions increase in
commit order, as the ports promise. A unit of work that records more than
`EVENTS_HELD` events (a bulk import) does not hold them all: each
time that many wait, they leave memory, in its transaction. On SQLite they
go to the outbox at once (the transaction holds the database's write lock
anyway); on PostgreSQL they wait in a temporary table and join the outbox
at commit (see `staged_events`), so the outbox lock is held for that copy,
not for the whole import: other units of work that record events go on.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import bindparam, update
from sqlalchemy.exc import SQLAlchemyError

from b2b_customers.adapters.sql.approval_groups import SqlApprovalGroupRepository
from b2b_customers.adapters.sql.approval_policies import SqlApprovalPolicyRepository
from b2b_customers.adapters.sql.approvals import SqlApprovalRepository
from b2b_customers.adapters.sql.approver_limits import SqlApproverLimitRepository
from b2b_customers.adapters.sql.audit import SqlAuditLog
from b2b_customers.adapters.sql.companies import SqlCompanyRepository
from b2b_customers.adapters.sql.contacts import SqlContactRepository
from b2b_customers.adapters.sql.credit import SqlCreditRepository
from b2b_customers.adapters.sql.customers import SqlCustomerRepository
from b2b_customers.adapters.sql.errors import translate
from b2b_customers.adapters.sql.groups import SqlCustomerGroupRepository
from b2b_customers.adapters.sql.limits import SqlLimitRepository
from b2b_customers.adapters.sql.locations import SqlLocationRepository
from b2b_customers.adapters.sql.mapping import (
    OUTBOX_COLUMNS,
    creation_values,
    encode,
    event_values,
)
from b2b_customers.adapters.sql.orders import SqlOrderRepository
from b2b_customers.adapters.sql.outbox import SqlOutbox
from b2b_customers.adapters.sql.payment_terms import SqlPaymentTermsRepository
from b2b_customers.adapters.sql.queries import insert_rows
from b2b_customers.adapters.sql.session import OUTBOX_LOCK, Session
from b2b_customers.adapters.sql.staged_events import move_staged_events, stage_events
from b2b_customers.adapters.sql.tables import outbox
from b2b_customers.domain import DomainEvent
from b2b_customers.domain.creations import Creations
from b2b_customers.errors import AlreadyExists, B2BError, StorageError, ValidationError
from b2b_customers.recording import record_each

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.store import SqlStore
    from b2b_customers.domain.creations import Created
    from b2b_customers.ports import (
        ApprovalGroupRepository,
        ApprovalPolicyRepository,
        ApprovalRepository,
        ApproverLimitRepository,
        AuditLog,
        CompanyRepository,
        ContactRepository,
        CreditRepository,
        CustomerGroupRepository,
        CustomerRepository,
        LimitRepository,
        LocationRepository,
        OrderRepository,
        Outbox,
        PaymentTermsRepository,
    )

__all__ = ["EVENTS_HELD", "SqlUnitOfWork"]

EVENTS_HELD = 5000
"""The most recorded events a unit of work holds in memory until it commits."""

_EVENT_ID_TAKEN = (
    "another unit of work stored an event with one of these ids first; "
    "give every event an id of its own"
)


class SqlUnitOfWork:
    """One transaction over a [`SqlStore`][b2b_customers.adapters.sql.SqlStore].

    Implements [`UnitOfWork`][b2b_customers.ports.UnitOfWork]; see the module
    docstring for isolation and locking. One unit of work may commit several
    times: each commit ends a transaction, and the next statement begins another.

    Args:
        store: The store it reads and writes.

    Attributes:
        store: The store it reads and writes.
        companies: The company repository.
        locations: The location repository.
        customers: The customer repository.
        contacts: The contact assignment repository.
        groups: The customer group repository.
        limits: The purchasing limit repository.
        credit: The credit account repository (with the ledgers).
        orders: The order history (and its spend buckets).
        approvals: The approval requests.
        approval_policies: The approval policies.
        approval_groups: The approval groups.
        approver_limits: The approver limits.
        payment_terms: The seller's payment terms.
        audit: The audit log.
        outbox: The outbox.
    """

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._session = Session(store)
        self._committed: list[DomainEvent] = []
        self.companies: CompanyRepository = SqlCompanyRepository(self._session)
        self.locations: LocationRepository = SqlLocationRepository(self._session)
        self.customers: CustomerRepository = SqlCustomerRepository(self._session)
        self.contacts: ContactRepository = SqlContactRepository(self._session)
        self.groups: CustomerGroupRepository = SqlCustomerGroupRepository(self._session)
        self.limits: LimitRepository = SqlLimitRepository(self._session)
        self.credit: CreditRepository = SqlCreditRepository(self._session)
        self.orders: OrderRepository = SqlOrderRepository(self._session)
        self.approvals: ApprovalRepository = SqlApprovalRepository(self._session)
        self.approval_policies: ApprovalPolicyRepository = SqlApprovalPolicyRepository(
            self._session
        )
        self.approval_groups: ApprovalGroupRepository = SqlApprovalGroupRepository(self._session)
        self.approver_limits: ApproverLimitRepository = SqlApproverLimitRepository(self._session)
        self.payment_terms: PaymentTermsRepository = SqlPaymentTermsRepository(self._session)
        self._audit = SqlAuditLog(self._session)
        self.audit: AuditLog = self._audit
        self.outbox: Outbox = SqlOutbox(self._session)

    def __enter__(self) -> Self:
        """Begin the transaction (check out a connection).

        Raises:
            StorageError: The unit of work is open already, or the database
                cannot be reached.
            SchemaNotReady: The schema is missing or at another revision.
        """
        if self._session.connection is not None:
            raise StorageError(
                "this unit of work is open already; ask the store for another one "
                "instead of entering the same one twice"
            )
        self._session.clear()
        self._session.connection = self.store.open_connection()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the transaction, rolling back whatever was not committed."""
        connection = self._session.connection
        self._session.connection = None
        self._session.clear()
        if connection is None:
            return
        try:
            connection.rollback()
        except SQLAlchemyError as error:
            if exc_type is None:
                raise translate(error) from error
        finally:
            self.store.close_connection(connection)

    def commit(self) -> None:
        """Store the recorded events, then make every change permanent and visible.

        Raises:
            AlreadyExists: A recorded event's id is in the outbox already.
            StaleVersion: The database refused the transaction as concurrent
                with another (nothing of this one is written).
            StorageError: The database failed (nothing is written).
        """
        session = self._session
        session.flush()
        connection = session.active()
        events = session.recorded
        try:
            if events or session.staged:
                session.begin_write(connection)
                session.lock(connection, OUTBOX_LOCK)
                if session.staged:
                    move_staged_events(connection)
                _insert_events(connection, session, events)
                _publish_marked(connection, session)
            connection.commit()
        except SQLAlchemyError as error:
            with contextlib.suppress(SQLAlchemyError):
                connection.rollback()
            session.clear()
            raise translate(error, {"uq_outbox_event_id": _EVENT_ID_TAKEN}) from error
        self._committed = [] if session.sent_early else list(events)
        session.clear()

    def rollback(self) -> None:
        """Throw away every change, recorded event and mark since the last commit."""
        connection = self._session.connection
        if connection is None:
            self._session.active()  # raises: not open
            return
        self._session.clear()
        try:
            connection.rollback()
        except SQLAlchemyError as error:
            raise translate(error) from error

    def record(self, event: DomainEvent) -> None:
        """Store ``event`` in the outbox with this transaction's changes (at commit).

        Raises:
            AlreadyExists: An event with this id is in the outbox, or was
                recorded in this transaction, already.
            ValidationError: ``event`` is not a [`DomainEvent`][b2b_customers.domain.DomainEvent].
        """
        if not isinstance(event, DomainEvent):
            raise ValidationError(
                f"record takes a DomainEvent, got {type(event).__name__}", field="event"
            )
        session = self._session
        session.active()
        # An id the outbox holds already is refused by its unique constraint at commit.
        if event.id in session.recorded_ids:
            raise AlreadyExists(
                f"an event with id {event.id!r} is in the outbox already; "
                "give every event an id of its own"
            )
        session.recorded.append(event)
        session.recorded_ids.add(event.id)
        if len(session.recorded) >= EVENTS_HELD:
            self._send_recorded()

    def _send_recorded(self) -> None:
        """Send the events recorded so far out of memory, in this transaction.

        On SQLite they join the outbox now; on PostgreSQL they are staged
        until the commit (see `staged_events`).

        Raises:
            AlreadyExists: An event's id is in the outbox already (SQLite; the
                unit of work is rolled back).
            StorageError: The database failed (the unit of work is rolled back).
        """
        session = self._session
        self._send(_event_rows(session, session.recorded))
        session.recorded = []  # their ids stay in recorded_ids: an id recorded again is refused

    def _send(self, rows: list[tuple[Any, ...]]) -> None:
        """Send outbox rows now: into the outbox (SQLite) or the staging table (PostgreSQL)."""
        session = self._session
        with session.write(_event_id_taken) as connection:
            if session.postgres:
                stage_events(connection, session, rows)
            else:
                insert_rows(connection, outbox, OUTBOX_COLUMNS, rows, raw=True)
                _publish_marked(connection, session)
        session.sent_early = True

    def record_creations(self, creations: Creations, created: Sequence[Created]) -> None:
        """Record the event and audit entry of each creation (see ``RecordsCreations``).

        While this unit of work holds its events for `committed_events`
        (fewer than `EVENTS_HELD`), they are made and recorded one by one.
        Past that, the rows are written straight from each aggregate's JSON
        as its ``add_many`` wrote it (`creation_values`): no event or entry
        objects, no second encoding. Nothing is written if a creation is bad.

        Raises:
            ValidationError: A creation's ids are not valid.
            AlreadyExists: An event id is given twice, or was recorded or
                appended in this unit of work already.
        """
        session = self._session
        session.active()
        items = list(created)
        if not session.sent_early and len(session.recorded) + len(items) < EVENTS_HELD:
            record_each(self, creations, items)
            return
        aggregate_ids = [Creations.check(item) for item in items]
        ids: set[str] = {item.event_id for item in items}
        if len(ids) < len(items) or not ids.isdisjoint(session.recorded_ids):
            raise AlreadyExists(
                "an event id is given twice, or was recorded in this unit of work already; "
                "give every event an id of its own"
            )
        texts = [
            session.written_text(item.aggregate) or _state_json(item.aggregate) for item in items
        ]
        events, entries = creation_values(
            creations, items, aggregate_ids, texts, raw=not session.postgres
        )
        self._audit.append_rows(ids, entries)
        session.recorded_ids.update(ids)
        if session.recorded:
            self._send_recorded()
        self._send(events)

    @property
    def committed_events(self) -> list[DomainEvent]:
        """The events of the last commit, for in-process handlers.

        Empty after a commit of more than ``EVENTS_HELD`` events (a bulk
        import), which are not held in memory: read those from the outbox.
        """
        return list(self._committed)

    def __repr__(self) -> str:
        state = "open" if self._session.connection is not None else "closed"
        return f"<SqlUnitOfWork {state} on {self.store!r}>"


def _event_id_taken(_connection: Connection, violation: Violation) -> B2BError | None:
    """Explain a unique violation of the outbox: an event id is taken."""
    return AlreadyExists(_EVENT_ID_TAKEN) if violation.kind == "unique" else None


def _state_json(aggregate: object) -> str:
    """The converter's form of an aggregate no ``add_many`` of this unit of work just wrote.

    Raises:
        ValidationError: It is not a JSON object (as a payload must be).
    """
    try:
        text = encode(aggregate)
    except (TypeError, ValueError):
        text = ""
    if not text.startswith("{"):
        raise ValidationError("must be a mapping with text keys (JSON-ready)", field="payload")
    return text


def _event_rows(session: Session, events: list[DomainEvent]) -> list[tuple[Any, ...]]:
    """The outbox rows of ``events`` (the payload's text reused from its audit entry's)."""
    raw = not session.postgres
    text = session.state_text
    return [event_values(event, raw=raw, payload_json=text(event.payload)) for event in events]


def _insert_events(connection: Connection, session: Session, events: list[DomainEvent]) -> None:
    """Insert ``events`` into the outbox with one ``executemany``."""
    rows = _event_rows(session, events)
    insert_rows(connection, outbox, OUTBOX_COLUMNS, rows, raw=not session.postgres)


def _publish_marked(connection: Connection, session: Session) -> None:
    """Mark published the events just inserted that were marked while held in memory."""
    marked = [
        {"event": event_id, "at": moment}
        for event_id, moment in session.marks.items()
        if event_id in session.recorded_ids
    ]
    if marked:
        connection.execute(
            update(outbox)
            .where(outbox.c.event_id == bindparam("event"), outbox.c.published_at.is_(None))
            .values(published_at=bindparam("at")),
            marked,
        )
