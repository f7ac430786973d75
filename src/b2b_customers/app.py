"""One entry point: ``connect(url)`` gives an [`App`][b2b_customers.App] with every service.

```python
from b2b_customers import connect
app = connect("memory://")
app.store.__class__.__name__  # 'MemoryStore'
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.arguments import checked_arguments
from b2b_customers.domain import DomainEvent
from b2b_customers.errors import MissingDependency, ValidationError
from b2b_customers.ids import RandomIds
from b2b_customers.services.approval_settings import ApprovalSettingsService
from b2b_customers.services.approvals import ApprovalService
from b2b_customers.services.audit import AuditService
from b2b_customers.services.automations import Automations
from b2b_customers.services.companies import CompanyService
from b2b_customers.services.contacts import ContactService
from b2b_customers.services.context import ServiceContext
from b2b_customers.services.credit import CreditService
from b2b_customers.services.customers import CustomerService
from b2b_customers.services.limits import LimitService
from b2b_customers.services.locations import LocationService
from b2b_customers.services.notifications import Recipient, recipients
from b2b_customers.services.orders import OrderService

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.approvals import SellerApprover
    from b2b_customers.ports import Clock, ExchangeRates, IdGenerator, Store

__all__ = ["App", "connect"]


class App:
    """The library's services over one store.

    Attributes:
        store: The store every service uses.
        companies: Onboard, move, hold, activate and deactivate companies.
        customers: Invite customers and manage their roles.
        orders: Check, place and reorder orders; the order history.
        approvals: Approve, reject, cancel, complete and expire approval requests.
        approval_settings: A company's approval policy, approval group and
            approver limits.
        credit: Credit accounts, invoices, payments, holds, statements and aging.
        limits: Set, change, remove and list purchasing limits.
        automations: Scheduled sweeps: overdue holds, lapsed customers, reminders.
        locations: Add and update a company's addresses and its defaults.
        contacts: Assign customers as a company's contacts, with subscriptions.
        audit: Read a company's audit log.
        seller_approvers: The seller-side approvers every service uses.

    Args:
        store: Where the data lives.
        ids: The id generator (random UUIDs by default).
        seller_approvers: The seller-side approvers, with their limits: the
            last step of escalation, and how staff who decide approvals are
            limited (staff not listed approve without a limit).
        rates: Exchange rates, for limits in another currency than an order.
    """

    def __init__(
        self,
        store: Store,
        *,
        ids: IdGenerator | None = None,
        seller_approvers: Sequence[SellerApprover] = (),
        rates: ExchangeRates | None = None,
    ) -> None:
        context = ServiceContext(store=store, ids=ids or RandomIds())
        self.store = store
        self.seller_approvers = tuple(seller_approvers)
        self.companies = CompanyService(context)
        self.customers = CustomerService(context)
        self.orders = OrderService(context, seller_approvers=self.seller_approvers, rates=rates)
        self.approvals = ApprovalService(
            context, seller_approvers=self.seller_approvers, rates=rates
        )
        self.approval_settings = ApprovalSettingsService(context)
        self.credit = CreditService(context)
        self.limits = LimitService(context)
        self.automations = Automations(context)
        self.locations = LocationService(context)
        self.contacts = ContactService(context)
        self.audit = AuditService(context)

    @checked_arguments
    def recipients(self, event: DomainEvent) -> list[Recipient]:
        """Return who should be notified of ``event``, from the contacts' subscriptions.

        See [`b2b_customers.services.notifications.recipients`][].
        """
        with self.store.unit_of_work() as uow:
            return recipients(event, uow)


def connect(
    url: str = "memory://",
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    migrate: bool = True,
    schema: str | None = None,
    seller_approvers: Sequence[SellerApprover] = (),
    rates: ExchangeRates | None = None,
) -> App:
    """Open a store and return the services over it.

    Args:
        url: ``memory://`` (for notebooks and tests), ``sqlite:///shop.db``
            (the embedded default; ``sqlite://`` keeps it in memory) or
            ``postgresql+psycopg://user:password@host/db``.
        clock: The clock to use (the system's by default).
        ids: The id generator (random UUIDs by default).
        migrate: Bring an SQL database to the current schema first.
        schema: A PostgreSQL schema (one per tenant).
        seller_approvers: The seller-side approvers (see [`App`][b2b_customers.App]).
        rates: Exchange rates, for limits in another currency than an order.

    Raises:
        ValidationError: The URL is not one of those forms.
        MissingDependency: An SQL URL without the ``sql`` extra installed.
    """
    if url == "memory://":
        from b2b_customers.adapters.memory import MemoryStore  # noqa: PLC0415

        return App(
            MemoryStore(clock=clock), ids=ids, seller_approvers=seller_approvers, rates=rates
        )
    if not url.startswith(("sqlite", "postgresql")):
        raise ValidationError(
            f"unknown store URL {url!r}; use memory://, sqlite:///path.db or "
            "postgresql+psycopg://user:password@host/db",
            field="url",
        )
    try:
        from b2b_customers.adapters.sql import SqlStore  # noqa: PLC0415
        from b2b_customers.adapters.sql import migrate as migrate_database  # noqa: PLC0415
    except ImportError:
        raise MissingDependency(
            'SQL stores need the sql extra: pip install "b2b-customers[sql]" '
            '(and "b2b-customers[postgres]" for PostgreSQL)'
        ) from None
    if migrate and url not in {"sqlite://", "sqlite:///:memory:"}:
        migrate_database(url, schema=schema)
    return App(
        SqlStore(url, schema=schema, clock=clock),
        ids=ids,
        seller_approvers=seller_approvers,
        rates=rates,
    )
