"""One unit of work's view of the export: a table per kind, the writer's lock, the undo journal."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, TypeVar

from b2b_customers.domain import CompanyTree
from json_erp import kinds
from json_erp.table import Table

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from b2b_customers.ids import CompanyId, CustomerId
    from json_erp.kinds import Kind
    from json_erp.store import JsonErpStore

__all__ = ["Workspace"]

T = TypeVar("T")


class Workspace:
    """One unit of work's view of the export, shared by its repositories.

    Reads see the store's committed rows until the unit of work writes; its
    first write takes the store's writer lock, so one unit of work at a time
    writes, always over the latest committed rows. A copy read earlier that
    another unit of work has saved since is then stale, and ``save`` says so.

    Args:
        store: The store whose rows this unit of work reads and changes.
    """

    def __init__(self, store: JsonErpStore) -> None:
        self.store = store
        self.clock = store.clock
        self.journal: list[Callable[[], None]] = []
        self.writing = False
        self.failure: BaseException | None = None
        self.companies = self._table(kinds.COMPANIES)
        self.locations = self._table(kinds.LOCATIONS)
        self.customers = self._table(kinds.CUSTOMERS)
        self.contacts = self._table(kinds.CONTACTS)
        self.customer_groups = self._table(kinds.CUSTOMER_GROUPS)
        self.purchasing_limits = self._table(kinds.PURCHASING_LIMITS)
        self.credit_accounts = self._table(kinds.CREDIT_ACCOUNTS)
        self.ledger_entries = self._table(kinds.LEDGER_ENTRIES)
        self.credit_reservations = self._table(kinds.CREDIT_RESERVATIONS)
        self.orders = self._table(kinds.ORDERS)
        self.spend_postings = self._table(kinds.SPEND_POSTINGS)
        self.approval_requests = self._table(kinds.APPROVAL_REQUESTS)
        self.approval_policies = self._table(kinds.APPROVAL_POLICIES)
        self.approval_groups = self._table(kinds.APPROVAL_GROUPS)
        self.approver_limits = self._table(kinds.APPROVER_LIMITS)
        self.payment_terms = self._table(kinds.PAYMENT_TERMS)
        self.audit_log = self._table(kinds.AUDIT_LOG)
        self.outbox = self._table(kinds.OUTBOX)
        self.tables: tuple[Table[Any], ...] = (
            self.companies,
            self.locations,
            self.customers,
            self.contacts,
            self.customer_groups,
            self.purchasing_limits,
            self.credit_accounts,
            self.ledger_entries,
            self.credit_reservations,
            self.orders,
            self.spend_postings,
            self.approval_requests,
            self.approval_policies,
            self.approval_groups,
            self.approver_limits,
            self.payment_terms,
            self.audit_log,
            self.outbox,
        )

    def _table(self, kind: Kind[T]) -> Table[T]:
        return Table(kind, self.store.committed, self.begin_write, self.journal)

    def begin_write(self) -> None:
        """Take the store's writer lock, unless this unit of work holds it already.

        Raises:
            ConflictError: Another unit of work kept the lock past the store's time-out.
        """
        if not self.writing:
            self.store.lock_for_writing()
            self.writing = True

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Run one operation whole: if it raises, take back every write it made."""
        mark = len(self.journal)
        try:
            yield
        except BaseException:
            while len(self.journal) > mark:
                self.journal.pop()()
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Run one repository write whole; if it raises, the unit of work has failed.

        The write is taken back (`atomic`) and its error kept in
        `failure`. A database adapter without a savepoint per write
        cannot undo one failed statement alone, so the contract lets no unit
        of work commit after a failed write; this store keeps the same
        promise. ``commit`` then raises ``StorageError``; ``rollback`` (or
        leaving the ``with`` block) clears the failure with everything else.
        """
        try:
            with self.atomic():
                yield
        except BaseException as error:
            if self.failure is None:
                self.failure = error
            raise

    def changes(self) -> dict[Kind[Any], Mapping[str, Any]]:
        """The rows of every kind this unit of work wrote to, to commit."""
        return {
            table.kind: rows for table in self.tables if (rows := table.changed_rows) is not None
        }

    def finish(self) -> None:
        """Drop every copy, undo step and failure, and let other units of work write."""
        for table in self.tables:
            table.reset()
        self.journal.clear()
        self.failure = None
        if self.writing:
            self.writing = False
            self.store.unlock()

    # -- look-ups several repositories need

    def company_exists(self, company_id: CompanyId) -> bool:
        """Tell whether a company with this id is stored (as this unit of work sees it)."""
        return self.companies.get(company_id) is not None

    def customer_exists(self, customer_id: CustomerId) -> bool:
        """Tell whether a customer with this id is stored (as this unit of work sees it)."""
        return self.customers.get(customer_id) is not None

    def tree(self) -> CompanyTree:
        """The company tree as this unit of work sees it."""
        return CompanyTree({company.id: company.parent_id for company in self.companies})
