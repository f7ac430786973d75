"""Use cases: one unit of work each, always on behalf of an actor.

* [`authorization`][b2b_customers.services.authorization]: actors, the permission matrix
  and the visibility rule every service applies first.
* [`companies`][b2b_customers.services.companies]: onboard, subsidiaries, moves, holds.
* [`customers`][b2b_customers.services.customers]: invite, activate, roles.
* [`orders`][b2b_customers.services.orders]: decisions from the stored rules;
  place, history, reorder.
* [`approvals`][b2b_customers.services.approvals]: approve, reject, cancel,
  complete and expire approval requests, credit moving with them.
* [`credit`][b2b_customers.services.credit]: credit lines, invoices, payments, holds, aging.
* [`limits`][b2b_customers.services.limits]: purchasing limits on every kind of scope.
* [`automations`][b2b_customers.services.automations]: scheduled sweeps (overdue holds,
  lapsed customers, invoice reminders).
* [`locations`][b2b_customers.services.locations]: addresses and their defaults.
* [`contacts`][b2b_customers.services.contacts]: contact assignments and subscriptions.
* [`notifications`][b2b_customers.services.notifications]: who is notified of an event.
* [`audit`][b2b_customers.services.audit]: a company's audit log.

Every change is recorded by
`record`: a domain event
in the outbox and an audit log entry, in the change's unit of work.

Reach them through [`b2b_customers.connect`][].
"""

from b2b_customers.services.approvals import ApprovalService
from b2b_customers.services.authorization import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Staff,
    StaffRole,
    may,
    require,
)
from b2b_customers.services.automations import (
    AT_RISK,
    Automations,
    HeldAccount,
    InvoiceReminder,
    LapsedCustomer,
)
from b2b_customers.services.credit import CreditService
from b2b_customers.services.limits import LimitService
from b2b_customers.services.orders import OrderService
from b2b_customers.services.placement import Placement
from b2b_customers.services.retries import ConflictRetry

__all__ = [
    "AT_RISK",
    "ROLE_PERMISSIONS",
    "Actor",
    "ApprovalService",
    "Automations",
    "ConflictRetry",
    "CreditService",
    "HeldAccount",
    "InvoiceReminder",
    "LapsedCustomer",
    "LimitService",
    "OrderService",
    "Permission",
    "Placement",
    "Staff",
    "StaffRole",
    "may",
    "require",
]
