"""One transaction over every repository of the export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from b2b_customers.errors import StorageError
from json_erp.approval_groups import JsonApprovalGroupRepository
from json_erp.approval_policies import JsonApprovalPolicyRepository
from json_erp.approvals import JsonApprovalRepository
from json_erp.approver_limits import JsonApproverLimitRepository
from json_erp.audit import JsonAuditLog
from json_erp.companies import JsonCompanyRepository
from json_erp.contacts import JsonContactRepository
from json_erp.credit import JsonCreditRepository
from json_erp.customers import JsonCustomerRepository
from json_erp.groups import JsonCustomerGroupRepository
from json_erp.limits import JsonLimitRepository
from json_erp.locations import JsonLocationRepository
from json_erp.orders import JsonOrderRepository
from json_erp.outbox import JsonOutbox
from json_erp.payment_terms import JsonPaymentTermsRepository
from json_erp.workspace import Workspace

if TYPE_CHECKING:
    from types import TracebackType

    from b2b_customers.domain import DomainEvent
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
    from json_erp.store import JsonErpStore

__all__ = ["JsonErpUnitOfWork"]


class JsonErpUnitOfWork:
    """One transaction over every repository. Implements `UnitOfWork`.

    Changes go to the unit of work's own copy of the rows (see
    `Workspace`); `commit` writes the files
    of the kinds it changed and makes the copy the store's committed rows.
    Leaving the ``with`` block without committing, or after an exception,
    throws the copy away: the files are never touched. A repository write
    that raises fails the unit of work (see `Workspace.write`): `commit` then refuses,
    and `rollback` starts it afresh.

    Args:
        store: The store to work on.
    """

    def __init__(self, store: JsonErpStore) -> None:
        self._store = store
        self._work = work = Workspace(store)
        self._committed: list[DomainEvent] = []
        self.companies: CompanyRepository = JsonCompanyRepository(work, work.companies)
        self.locations: LocationRepository = JsonLocationRepository(work, work.locations)
        self.customers: CustomerRepository = JsonCustomerRepository(work, work.customers)
        self.contacts: ContactRepository = JsonContactRepository(work, work.contacts)
        self.groups: CustomerGroupRepository = JsonCustomerGroupRepository(
            work, work.customer_groups
        )
        self.limits: LimitRepository = JsonLimitRepository(work, work.purchasing_limits)
        self.credit: CreditRepository = JsonCreditRepository(
            work, work.credit_accounts, work.ledger_entries, work.credit_reservations
        )
        self.orders: OrderRepository = JsonOrderRepository(work, work.orders, work.spend_postings)
        self.approvals: ApprovalRepository = JsonApprovalRepository(work, work.approval_requests)
        self.approval_policies: ApprovalPolicyRepository = JsonApprovalPolicyRepository(
            work, work.approval_policies
        )
        self.approval_groups: ApprovalGroupRepository = JsonApprovalGroupRepository(
            work, work.approval_groups
        )
        self.approver_limits: ApproverLimitRepository = JsonApproverLimitRepository(
            work, work.approver_limits
        )
        self.payment_terms: PaymentTermsRepository = JsonPaymentTermsRepository(
            work, work.payment_terms
        )
        self.audit: AuditLog = JsonAuditLog(work, work.audit_log)
        self._outbox = JsonOutbox(work, work.outbox)
        self.outbox: Outbox = self._outbox

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
        """Write every change and recorded event to the export, all at once.

        Raises:
            AlreadyExists: Another unit of work committed an event with an id
                this one recorded (nothing of this one is written).
            StorageError: A repository write of this unit of work failed
                (nothing of it is written; roll back, or leave the ``with``
                block, and start again); or a file could not be written
                (nothing is written; the unit of work keeps its changes, so it
                may retry or roll back).
            ConflictError: Another unit of work kept the writer lock too long.
        """
        work = self._work
        if work.failure is not None:
            raise StorageError(
                f"a write of this unit of work failed ({work.failure}), so none of its "
                "changes may be committed; roll back (or leave the 'with' block) and start again"
            )
        events: list[DomainEvent] = []
        if self._outbox.has_changes:
            work.begin_write()
            with work.atomic():
                events = self._outbox.write()
                self._store.publish(work.changes())
        elif work.writing:
            self._store.publish(work.changes())
        self._outbox.clear()
        work.finish()
        self._committed = events

    def rollback(self) -> None:
        """Throw away every change, recorded event and mark since the last commit."""
        self._outbox.clear()
        self._work.finish()

    def record(self, event: DomainEvent) -> None:
        """Store ``event`` in the outbox with this transaction's changes.

        Raises:
            AlreadyExists: An event with this id is in the outbox already.
        """
        self._outbox.record(event)

    @property
    def committed_events(self) -> list[DomainEvent]:
        """The events of the last commit, for in-process handlers."""
        return list(self._committed)
