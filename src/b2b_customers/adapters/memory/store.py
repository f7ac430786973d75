"""The store, its committed state, and one unit of work's view of it."""

from __future__ import annotations

import itertools
import threading
from typing import TYPE_CHECKING, Self

import attrs

from b2b_customers.adapters.memory.approval_groups import (
    _APPROVAL_GROUPS,
    MemoryApprovalGroupRepository,
)
from b2b_customers.adapters.memory.approval_policies import (
    _APPROVAL_POLICIES,
    MemoryApprovalPolicyRepository,
)
from b2b_customers.adapters.memory.approvals import _APPROVALS, MemoryApprovalRepository
from b2b_customers.adapters.memory.approver_limits import (
    _APPROVER_LIMITS,
    MemoryApproverLimitRepository,
)
from b2b_customers.adapters.memory.audit import MemoryAuditLog, _Log, _LogBuffer
from b2b_customers.adapters.memory.companies import _COMPANIES, MemoryCompanyRepository
from b2b_customers.adapters.memory.contacts import _CONTACTS, MemoryContactRepository
from b2b_customers.adapters.memory.credit import (
    _CREDIT,
    MemoryCreditRepository,
    _Ledger,
    _LedgerBuffer,
    _ReservationBuffer,
)
from b2b_customers.adapters.memory.customers import _CUSTOMERS, MemoryCustomerRepository
from b2b_customers.adapters.memory.groups import _GROUPS, MemoryCustomerGroupRepository
from b2b_customers.adapters.memory.guard import guarded
from b2b_customers.adapters.memory.limits import _LIMITS, MemoryLimitRepository
from b2b_customers.adapters.memory.locations import _LOCATIONS, MemoryLocationRepository
from b2b_customers.adapters.memory.orders import (
    _ORDERS,
    MemoryOrderRepository,
    _Spend,
    _SpendBuffer,
)
from b2b_customers.adapters.memory.outbox import MemoryOutbox
from b2b_customers.adapters.memory.payment_terms import (
    _PAYMENT_TERMS,
    MemoryPaymentTermsRepository,
)
from b2b_customers.adapters.memory.tables import _Buffer, _Pending, _Table, _Undo
from b2b_customers.adapters.memory.writer import _Writer
from b2b_customers.clock import SystemClock
from b2b_customers.errors import AlreadyExists, StorageError
from b2b_customers.ports import (
    ApprovalGroupRepository,
    ApprovalPolicyRepository,
    ApprovalRepository,
    ApproverLimitRepository,
    AuditLog,
    Clock,
    CompanyRepository,
    ContactRepository,
    CreditRepository,
    CustomerGroupRepository,
    CustomerRepository,
    LimitRepository,
    LocationRepository,
    OrderRepository,
    Outbox,
    OutboxEntry,
    PaymentTermsRepository,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from types import TracebackType

    from b2b_customers.credit.reservation import Reservation
    from b2b_customers.domain import Company, DomainEvent
    from b2b_customers.ids import CompanyId, EventId


__all__ = ["MemoryStore", "MemoryUnitOfWork"]

_REPOSITORIES = (
    "companies",
    "locations",
    "customers",
    "contacts",
    "groups",
    "limits",
    "credit",
    "orders",
    "approvals",
    "approval_policies",
    "approval_groups",
    "approver_limits",
    "payment_terms",
    "audit",
    "outbox",
)


class _State:
    """What a store has committed: the tables and the outbox, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.writer = _Writer()
        self.companies = _Table(_COMPANIES)
        self.locations = _Table(_LOCATIONS)
        self.customers = _Table(_CUSTOMERS)
        self.contacts = _Table(_CONTACTS)
        self.groups = _Table(_GROUPS)
        self.limits = _Table(_LIMITS)
        self.credit = _Table(_CREDIT)
        self.ledger = _Ledger()
        self.reservations: dict[tuple[str, str], Reservation] = {}
        self.orders = _Table(_ORDERS)
        self.spend = _Spend()
        self.approvals = _Table(_APPROVALS)
        self.approval_policies = _Table(_APPROVAL_POLICIES)
        self.approval_groups = _Table(_APPROVAL_GROUPS)
        self.approver_limits = _Table(_APPROVER_LIMITS)
        self.payment_terms = _Table(_PAYMENT_TERMS)
        self.audit = _Log()
        self.events: dict[EventId, OutboxEntry] = {}
        self.unpublished: dict[int, EventId] = {}  # position -> event id, oldest first
        self.positions = itertools.count(1)


class _Workspace:
    """One unit of work's pending changes: a buffer per table, events and marks."""

    def __init__(self, state: _State, clock: Clock) -> None:
        self.state = state
        self.lock = state.lock
        self.clock = clock
        self.journal: list[_Undo] = []
        self.companies = _Buffer(state.companies, self.journal)
        self.locations = _Buffer(state.locations, self.journal)
        self.customers = _Buffer(state.customers, self.journal)
        self.contacts = _Buffer(state.contacts, self.journal)
        self.groups = _Buffer(state.groups, self.journal)
        self.limits = _Buffer(state.limits, self.journal)
        self.credit = _Buffer(state.credit, self.journal)
        self.ledger = _LedgerBuffer(state.ledger, self.journal)
        self.reservations = _ReservationBuffer(state.reservations, self.journal)
        self.orders = _Buffer(state.orders, self.journal)
        self.spend = _SpendBuffer(state.spend, self.journal)
        self.approvals = _Buffer(state.approvals, self.journal)
        self.approval_policies = _Buffer(state.approval_policies, self.journal)
        self.approval_groups = _Buffer(state.approval_groups, self.journal)
        self.approver_limits = _Buffer(state.approver_limits, self.journal)
        self.payment_terms = _Buffer(state.payment_terms, self.journal)
        self.audit = _LogBuffer(state.audit, self.journal)
        # Commit checks in this order: an account's version before its ledger's entries.
        self.buffers: tuple[_Pending, ...] = (
            self.approvals,
            self.approval_policies,
            self.approval_groups,
            self.approver_limits,
            self.payment_terms,
            self.companies,
            self.locations,
            self.customers,
            self.contacts,
            self.groups,
            self.limits,
            self.credit,
            self.ledger,
            self.reservations,
            self.orders,
            self.spend,
            self.audit,
        )
        self.rechecks: list[Callable[[], None]] = []  # filled in by the repositories
        self.failure: BaseException | None = None
        self.recorded: list[DomainEvent] = []
        self.marks: dict[EventId, datetime] = {}

    def fail(self, error: BaseException) -> None:
        """Remember that a write failed: the unit of work may not commit any more."""
        if self.failure is None:
            self.failure = error

    def hold_writer(self) -> None:
        """Take the store's write lock until this unit of work commits or rolls back."""
        self.state.writer.acquire(self)

    def company_exists(self, company_id: CompanyId) -> bool:
        return self.companies.get(company_id) is not None

    def below(self, company_id: CompanyId) -> list[Company]:
        """Every company under ``company_id``: level by level, by id within a level."""
        found: list[Company] = []
        level = [company_id]
        while level:
            below = sorted(
                (child for parent in level for child in self.companies.rows("parent", parent)),
                key=lambda row: row.id,
            )
            found.extend(below)
            level = [child.id for child in below]
        return found

    def above(self, company_id: CompanyId) -> list[CompanyId]:
        """The ids of the parent, grandparent, ... of ``company_id``, nearest first."""
        found: list[CompanyId] = []
        company = self.companies.get(company_id)
        while company is not None and company.parent_id is not None:
            found.append(company.parent_id)
            company = self.companies.get(company.parent_id)
        return found

    def event_taken(self, event_id: EventId) -> bool:
        return event_id in self.state.events

    def commit(self) -> list[DomainEvent]:
        """Check everything, then apply everything; return the events committed."""
        if self.failure is not None:
            raise StorageError(
                f"a write of this unit of work failed ({self.failure}), so it may not commit; "
                "leave its 'with' block (or roll back) and start again"
            )
        state = self.state
        with state.lock:
            for buffer in self.buffers:
                buffer.check_versions()
            for recheck in self.rechecks:
                recheck()
            taken = sorted(event.id for event in self.recorded if self.event_taken(event.id))
            if taken:
                raise AlreadyExists(
                    f"events {', '.join(map(repr, taken))} are in the outbox already; "
                    "give every event an id of its own"
                )
            for buffer in self.buffers:
                buffer.apply()
            for event in self.recorded:
                position = next(state.positions)
                state.events[event.id] = OutboxEntry(position=position, event=event)
                state.unpublished[position] = event.id
            for event_id, published_at in self.marks.items():
                entry = state.events.get(event_id)
                if entry is not None and entry.published_at is None:
                    state.events[event_id] = attrs.evolve(entry, published_at=published_at)
                    del state.unpublished[entry.position]
            committed = self.recorded
            self.clear()
            return committed

    def clear(self) -> None:
        for buffer in self.buffers:
            buffer.clear()
        self.journal.clear()
        self.recorded = []
        self.marks = {}
        self.failure = None
        self.state.writer.release(self)

    def undo_to(self, mark: int) -> None:
        while len(self.journal) > mark:
            self.journal.pop()()


class MemoryStore:
    """A store that keeps everything in memory; see the module docstring.

    Args:
        clock: Stamps ``created_at`` / ``updated_at`` and ``published_at``;
            the system clock (UTC) when ``None``.

    Attributes:
        clock: The store's clock.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._state = _State()

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Return a new unit of work over this store (begin it with ``with``)."""
        return MemoryUnitOfWork(self)

    def dispose(self) -> None:
        """Do nothing: a memory store holds no connections or files (the data stays)."""

    def __repr__(self) -> str:
        state = self._state
        with state.lock:
            return (
                f"<MemoryStore companies={len(state.companies.rows)} "
                f"customers={len(state.customers.rows)} events={len(state.events)}>"
            )


# -- the unit of work


class MemoryUnitOfWork:
    """One transaction over a [`MemoryStore`][b2b_customers.adapters.memory.MemoryStore].

    Implements [`UnitOfWork`][b2b_customers.ports.UnitOfWork]. Changes go to a
    write buffer and reach the store on
    [`commit`][b2b_customers.adapters.memory.MemoryUnitOfWork.commit]; see the module docstring for
    the checks made then. The buffer starts empty again after every commit and rollback, so one unit
    of work may commit several times.

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
        credit: The credit account repository, with the ledgers.
        orders: The order history, with the spend totals.
        approvals: The approval requests.
        approval_policies: The approval policies.
        approval_groups: The approval groups.
        approver_limits: The approver limits.
        payment_terms: The seller's payment terms.
        audit: The audit log.
        outbox: The outbox.
    """

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        state = store._state  # noqa: SLF001  (the store hands its state to its own units of work)
        self._work = _Workspace(state, store.clock)
        self._committed: list[DomainEvent] = []
        self.companies: CompanyRepository = MemoryCompanyRepository(
            self._work, self._work.companies
        )
        self.locations: LocationRepository = MemoryLocationRepository(
            self._work, self._work.locations
        )
        self.customers: CustomerRepository = MemoryCustomerRepository(
            self._work, self._work.customers
        )
        self.contacts: ContactRepository = MemoryContactRepository(self._work, self._work.contacts)
        self.groups: CustomerGroupRepository = MemoryCustomerGroupRepository(
            self._work, self._work.groups
        )
        self.limits: LimitRepository = MemoryLimitRepository(self._work, self._work.limits)
        self.credit: CreditRepository = MemoryCreditRepository(self._work, self._work.credit)
        self.orders: OrderRepository = MemoryOrderRepository(self._work, self._work.orders)
        self.approvals: ApprovalRepository = MemoryApprovalRepository(
            self._work, self._work.approvals
        )
        self.approval_policies: ApprovalPolicyRepository = MemoryApprovalPolicyRepository(
            self._work, self._work.approval_policies
        )
        self.approval_groups: ApprovalGroupRepository = MemoryApprovalGroupRepository(
            self._work, self._work.approval_groups
        )
        self.approver_limits: ApproverLimitRepository = MemoryApproverLimitRepository(
            self._work, self._work.approver_limits
        )
        self.payment_terms: PaymentTermsRepository = MemoryPaymentTermsRepository(
            self._work, self._work.payment_terms
        )
        self.audit: AuditLog = MemoryAuditLog(self._work, self._work.audit)
        self.outbox: Outbox = MemoryOutbox(self._work)
        for name in _REPOSITORIES:
            setattr(self, name, guarded(getattr(self, name), self._work.fail))

    def __enter__(self) -> Self:
        """Begin the transaction."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the transaction, rolling back whatever was not committed."""
        self.rollback()

    def commit(self) -> None:
        """Make every change and recorded event permanent and visible, all at once.

        Raises:
            StaleVersion: Another unit of work committed a newer version of a
                row this one changed or removed (nothing of this one is written).
            AlreadyExists: Another unit of work committed a row with an id or
                unique key this one also used.
            HierarchyError: Another unit of work moved a company so that this
                one's moves would make a cycle.
        """
        self._committed = self._work.commit()

    def rollback(self) -> None:
        """Throw away every change, recorded event and mark since the last commit."""
        self._work.clear()

    def record(self, event: DomainEvent) -> None:
        """Store ``event`` in the outbox with this transaction's changes.

        Raises:
            AlreadyExists: An event with this id is in the outbox already.
        """
        work = self._work
        with work.lock:
            if work.event_taken(event.id) or any(
                recorded.id == event.id for recorded in work.recorded
            ):
                raise AlreadyExists(
                    f"an event with id {event.id!r} is in the outbox already; "
                    "give every event an id of its own"
                )
        work.recorded.append(event)

    @property
    def committed_events(self) -> list[DomainEvent]:
        """The events of the last commit, for in-process handlers."""
        return list(self._committed)
