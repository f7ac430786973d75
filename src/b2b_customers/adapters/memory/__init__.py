"""The in-memory store: dicts behind a lock, for tests, notebooks and demos.

[`MemoryStore`][b2b_customers.adapters.memory.MemoryStore] keeps the committed state of every
repository in dictionaries, with secondary indexes (account number, email, tax number,
parent to children, company to locations / contacts / customers / limits /
orders / credit account / approval requests, policies, groups and approver
limits, customer to contacts, groups, orders and approval requests, open
approval requests) so that look-ups do not scan.

Two kinds of state are not rows. A credit account's **ledger** is
append-only: a unit of work keeps the entries it appends, and the account's
version makes two units of work that append to one ledger conflict. The
**spend buckets** of the order history (per spend key, local day, currency,
pending or not) are kept as running sums: a unit of work keeps its changes as
deltas, added on commit, so
[`MemoryOrderRepository.spent`][b2b_customers.adapters.memory.MemoryOrderRepository.spent] is one
look-up per day of the window.

A [`MemoryUnitOfWork`][b2b_customers.adapters.memory.MemoryUnitOfWork] never copies the store. It
keeps a write buffer per table: the rows it added or changed, the ids it removed, and the version
each touched row had when it first touched it. Its reads lay that buffer over
the committed state, so it sees its own changes and nobody else does.
[`MemoryUnitOfWork.commit`][b2b_customers.adapters.memory.MemoryUnitOfWork.commit] takes the
store-wide lock, checks that no other unit of work committed a newer version of a touched row in the
meantime ([`StaleVersion`][b2b_customers.StaleVersion]), re-checks every unique key and
reference against the state it is about to join, and only then applies the
whole buffer, recorded events included. Any failure leaves the store as it
was.

The isolation level is "read committed": a read sees the latest committed
state plus the unit of work's own changes; writes are checked optimistically
at commit. A store may be shared by many threads; a unit of work belongs to
one thread at a time.

Example::

    from b2b_customers.adapters.memory import MemoryStore
    from b2b_customers.domain import Company

    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.companies.add(Company(id="acme", name="ACME GmbH", currency="EUR"))
        uow.commit()

The package is split by area: `tables`
(tables, indexes, write buffers), `store`
(the store and the unit of work) and one module per repository.
"""

from __future__ import annotations

from b2b_customers.adapters.memory.approval_groups import MemoryApprovalGroupRepository
from b2b_customers.adapters.memory.approval_policies import MemoryApprovalPolicyRepository
from b2b_customers.adapters.memory.approvals import MemoryApprovalRepository
from b2b_customers.adapters.memory.approver_limits import MemoryApproverLimitRepository
from b2b_customers.adapters.memory.audit import MemoryAuditLog
from b2b_customers.adapters.memory.companies import MemoryCompanyRepository
from b2b_customers.adapters.memory.contacts import MemoryContactRepository
from b2b_customers.adapters.memory.credit import MemoryCreditRepository
from b2b_customers.adapters.memory.customers import MemoryCustomerRepository
from b2b_customers.adapters.memory.groups import MemoryCustomerGroupRepository
from b2b_customers.adapters.memory.limits import MemoryLimitRepository
from b2b_customers.adapters.memory.locations import MemoryLocationRepository
from b2b_customers.adapters.memory.orders import MemoryOrderRepository
from b2b_customers.adapters.memory.outbox import MemoryOutbox
from b2b_customers.adapters.memory.payment_terms import MemoryPaymentTermsRepository
from b2b_customers.adapters.memory.store import MemoryStore, MemoryUnitOfWork

__all__ = [
    "MemoryApprovalGroupRepository",
    "MemoryApprovalPolicyRepository",
    "MemoryApprovalRepository",
    "MemoryApproverLimitRepository",
    "MemoryAuditLog",
    "MemoryCompanyRepository",
    "MemoryContactRepository",
    "MemoryCreditRepository",
    "MemoryCustomerGroupRepository",
    "MemoryCustomerRepository",
    "MemoryLimitRepository",
    "MemoryLocationRepository",
    "MemoryOrderRepository",
    "MemoryOutbox",
    "MemoryPaymentTermsRepository",
    "MemoryStore",
    "MemoryUnitOfWork",
]
