"""A small shop every reliability harness starts from, and the service calls it runs there.

:func:`seed` builds it through the services themselves: ACME with its
subsidiary North, and Globex (on hold); Anna (admin of ACME), Bob (buyer at
North), Ivy (invited to North) and Carl (admin of Globex); a 500 EUR order cap
on ACME.

:data:`SCENARIOS` is the registry the fault-injection test walks: one
successful call per service method that writes. Covering a new method is one
entry: its name (``"service.method"``, as on :class:`~b2b_customers.app.App`)
and a function that makes the call in the seeded world (``prepare`` puts the
world in the state the call needs first, outside the measured call).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from attrs import frozen
from moneyed import Money

from b2b_customers.app import App, connect
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.ids import CompanyId, CustomerId, LimitId
from b2b_customers.limits import LimitScope, OrderTotalLimit, PurchasingLimit
from b2b_customers.services import Staff, StaffRole

ADMINISTRATOR = Staff(id="s-admin", name="Ada Admin", roles={StaffRole.ADMINISTRATOR})
REP = Staff(id="s-rep", name="Sam Sales", roles={StaffRole.SALES_REP})
CONTROLLER = Staff(id="s-credit", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})

ACME, NORTH, GLOBEX = CompanyId("acme"), CompanyId("north"), CompanyId("globex")


@frozen
class World:
    """The seeded shop: its customers as stored (to act as), by name."""

    anna: Customer
    bob: Customer
    ivy: Customer
    carl: Customer

    @property
    def companies(self) -> tuple[CompanyId, ...]:
        """Every company of the world."""
        return (ACME, NORTH, GLOBEX)

    @property
    def customers(self) -> tuple[Customer, ...]:
        """Every customer of the world."""
        return (self.anna, self.bob, self.ivy, self.carl)

    @property
    def actors(self) -> tuple[Staff | Customer, ...]:
        """Every staff member and customer who may act."""
        return (ADMINISTRATOR, REP, CONTROLLER, *self.customers)


def _invite(
    app: App, company: CompanyId, name: str, role: Role, *, active: bool = True
) -> Customer:
    return app.customers.invite(
        actor=REP,
        company=company,
        email=f"{name}@{company}.example",
        first_name=name.title(),
        last_name="Example",
        roles=[role],
        active=active,
    )


def seed(app: App) -> World:
    """Build the world in ``app``'s (empty) store."""
    app.companies.onboard(
        actor=REP, id=ACME, name="ACME GmbH", currency="EUR", time_zone="Europe/Berlin"
    )
    app.companies.add_subsidiary(actor=REP, id=NORTH, parent=ACME, name="ACME North")
    app.companies.onboard(actor=REP, id=GLOBEX, name="Globex", currency="EUR")
    app.companies.put_on_hold(actor=CONTROLLER, company_id=GLOBEX)
    with app.store.unit_of_work() as uow:
        uow.limits.add(
            PurchasingLimit(
                id=LimitId("acme-cap"),
                scope=LimitScope(kind="company", company_id=ACME),
                rule=OrderTotalLimit(maximum=Money(500, "EUR")),
            )
        )
        uow.commit()
    return World(
        anna=_invite(app, ACME, "anna", Role.ADMIN),
        bob=_invite(app, NORTH, "bob", Role.BUYER),
        ivy=_invite(app, NORTH, "ivy", Role.REQUESTER, active=False),
        carl=_invite(app, GLOBEX, "carl", Role.ADMIN),
    )


def order(company: CompanyId, buyer: CustomerId, amount: str = "100") -> OrderDraft:
    """Return a one-line order draft in EUR."""
    return OrderDraft(
        company_id=company,
        buyer_id=buyer,
        lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=Money(amount, "EUR"))],
    )


@frozen
class Scenario:
    """One service call in the seeded world.

    Attributes:
        method: ``"service.method"`` as reached on the App.
        call: Makes the call.
        prepare: Puts the world in the state the call needs, before it.
    """

    method: str
    call: Callable[[App, World], Any]
    prepare: Callable[[App, World], Any] | None = None


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "companies.onboard",
        lambda app, _w: app.companies.onboard(actor=REP, name="Initech", currency="USD"),
    ),
    Scenario(
        "companies.add_subsidiary",
        lambda app, _w: app.companies.add_subsidiary(actor=REP, parent=NORTH, name="North East"),
    ),
    Scenario(
        "companies.move",
        lambda app, _w: app.companies.move(actor=ADMINISTRATOR, company_id=NORTH, new_parent=None),
    ),
    Scenario(
        "companies.put_on_hold",
        lambda app, _w: app.companies.put_on_hold(actor=CONTROLLER, company_id=ACME),
    ),
    Scenario(
        "companies.activate",
        lambda app, _w: app.companies.activate(actor=CONTROLLER, company_id=GLOBEX),
    ),
    Scenario(
        "companies.deactivate",
        lambda app, w: app.companies.deactivate(actor=w.anna, company_id=NORTH),
    ),
    Scenario(
        "customers.invite",
        lambda app, w: app.customers.invite(
            actor=w.anna,
            company=NORTH,
            email="dora@north.example",
            first_name="Dora",
            last_name="Example",
            roles=[Role.APPROVER],
        ),
    ),
    Scenario(
        "customers.activate",
        lambda app, w: app.customers.activate(actor=w.ivy, customer=w.ivy.id),
    ),
    Scenario(
        "customers.assign_roles",
        lambda app, w: app.customers.assign_roles(
            actor=w.anna, customer=w.bob.id, company=ACME, roles=[Role.FINANCE]
        ),
    ),
    Scenario(
        "customers.remove_from_company",
        lambda app, w: app.customers.remove_from_company(
            actor=w.anna, customer=w.bob.id, company=NORTH
        ),
    ),
)
"""One writing call per service method that writes."""

READ_ONLY = frozenset({"companies.get", "companies.visible_to", "orders.check"})
"""The service methods that never write (the fault-injection test proves it)."""

READ_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("companies.get", lambda app, w: app.companies.get(actor=w.bob, company_id=NORTH)),
    Scenario(
        "companies.visible_to",
        lambda app, w: app.companies.visible_to(
            actor=w.anna,
            companies=[app.companies.get(actor=REP, company_id=c) for c in w.companies],
        ),
    ),
    Scenario(
        "orders.check",
        lambda app, w: app.orders.check(actor=w.bob, order=order(NORTH, w.bob.id)),
    ),
)
"""One call per read-only method."""


NOT_YET_COVERED = frozenset(
    {
        "approvals.approve",
        "approvals.cancel",
        "approvals.complete",
        "approvals.eligible_approvers",
        "approvals.expire_due",
        "approvals.get",
        "approvals.is_approval_required",
        "approvals.reject",
        "approvals.search",
        "audit.for_company",
        "automations.due_invoice_reminders",
        "automations.hold_overdue_accounts",
        "automations.lapsed_customers",
        "contacts.assign",
        "contacts.change",
        "contacts.for_company",
        "contacts.remove",
        "credit.account",
        "credit.adjust",
        "credit.aging",
        "credit.issue_credit_note",
        "credit.lift_hold",
        "credit.open_account",
        "credit.override_hold",
        "credit.place_hold",
        "credit.post_invoice",
        "credit.record_payment",
        "credit.set_auto_hold",
        "credit.set_credit_limit",
        "credit.set_payment_terms",
        "credit.statement",
        "limits.change",
        "limits.for_company",
        "limits.remove",
        "limits.set",
        "locations.add",
        "locations.for_company",
        "locations.make_primary",
        "locations.remove",
        "locations.set_default_billing",
        "locations.set_default_shipping",
        "locations.update",
        "orders.get",
        "orders.history",
        "orders.place",
        "orders.reorder",
    }
)
"""Service methods with neither a fault scenario nor a read scenario yet.

UNCOVERED, on purpose and for now: these services came to main after this
harness was written (orders placement, approvals, credit, limits,
automations, locations, contacts, audit). The coverage test accepts exactly
these, so any *other* new method still fails it; cover one, then delete it
here (the test also fails for a name that is covered or gone).
"""


def service_methods() -> dict[str, Callable[..., Any]]:
    """Every public method of every service of an App, by ``"service.method"``.

    Found by introspection, so a method added to a service is listed at once.
    """
    app = connect("memory://")
    methods: dict[str, Callable[..., Any]] = {}
    for name, service in vars(app).items():
        if not type(service).__module__.startswith("b2b_customers.services."):
            continue
        for method, function in inspect.getmembers(type(service), inspect.isfunction):
            if not method.startswith("_"):
                methods[f"{name}.{method}"] = function
    return methods
