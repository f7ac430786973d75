"""A small shop every reliability harness starts from, and the service calls it runs there.

`seed` builds it through the services themselves: ACME with its
subsidiary North, and Globex (on hold); Anna (admin of ACME), Bob (buyer at
North), Ivy (invited to North) and Carl (admin of Globex); a 500 EUR order cap
on ACME.

`SCENARIOS` is the registry the fault-injection test walks: one
successful call per service method that writes. Covering a new method is one
entry: its name (``"service.method"``, as on `App`)
and a function that makes the call in the seeded world (``prepare`` puts the
world in the state the call needs first, outside the measured call: a
credit line, an invoice, a hold, a placed order, an approval request pending,
approved or past its expiry, locations, a contact).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import attrs
from attrs import frozen
from moneyed import Money

from b2b_customers.app import App, connect
from b2b_customers.approvals import ApprovalPolicy, ApprovalRule, ApprovalTier, RoleApprover
from b2b_customers.clock import ManualClock
from b2b_customers.credit import (
    NET_30,
    Allocation,
    DaysAfterInvoice,
    EarlyPaymentDiscount,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
)
from b2b_customers.domain import Address, Company, Customer, Membership, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord, OrderStatus
from b2b_customers.ids import ApprovalPolicyId, CompanyId, CustomerId, LimitId, OrderId
from b2b_customers.limits import LimitScope, OrderTotalLimit, PurchasingLimit
from b2b_customers.ports import ApprovalQuery, OrderQuery
from b2b_customers.services import Staff, StaffRole

if TYPE_CHECKING:
    from b2b_customers.approvals import ApprovalRequest, ApproverLimit
    from b2b_customers.domain import CustomerGroup

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


def eur(amount: str) -> Money:
    """``Money(amount, "EUR")``."""
    return Money(amount, "EUR")


KIEL = Address(lines=["Am Hafen 3"], city="Kiel", country="DE", postcode="24103")


# -- preparing the world for the newer services (outside the measured call)


def open_credit(app: App, _world: World | None = None) -> None:
    """ACME's 5,000 EUR credit line, shared with North."""
    app.credit.open_account(
        actor=CONTROLLER, company=ACME, credit_limit=eur("5000"), shared_with=[NORTH]
    )


def invoiced(app: App, world: World | None = None) -> None:
    """The credit line, and a 100 EUR invoice to North dated 1 January (overdue)."""
    open_credit(app, world)
    invoice_north(app)


def invoice_north(app: App) -> None:
    """A 100 EUR invoice to North dated 1 January (overdue), on the open credit line."""
    app.credit.post_invoice(
        actor=CONTROLLER,
        company=NORTH,
        invoice="inv-1",
        amount=eur("100"),
        invoice_date=date(2026, 1, 1),
    )


def paid_on_account(app: App, world: World | None = None) -> None:
    """The invoice to North, and a 60 EUR advance paid on account."""
    invoiced(app, world)
    app.credit.record_payment(
        actor=CONTROLLER, company=ACME, payment="adv-1", amount=eur("60"), on_account=True
    )


def bypassed(app: App, world: World) -> None:
    """The credit line, and Bob (North) may order past its limit."""
    open_credit(app, world)
    app.credit.grant_credit_bypass(
        actor=CONTROLLER, company=NORTH, customer=world.bob.id, reason="key account"
    )


def checks_invoices(app: App, world: World | None = None) -> None:
    """The credit line, checking credit when an invoice is posted."""
    open_credit(app, world)
    app.credit.set_invoice_credit_check(actor=CONTROLLER, company=ACME, enabled=True)


def on_hold(app: App, world: World | None = None) -> None:
    """The credit line, on hold."""
    open_credit(app, world)
    app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="disputed invoices")


def placed(app: App, world: World) -> None:
    """The credit line, and an order of Bob's placed at North."""
    open_credit(app, world)
    app.orders.place(actor=world.bob, order=order(NORTH, world.bob.id))


def the_order(app: App) -> OrderRecord:
    """The one order the store holds."""
    with app.store.unit_of_work() as uow:
        (record,) = uow.orders.history(OrderQuery(limit=2)).items
        return record


def with_bea(app: App, world: World) -> None:
    """The credit line, and Bea, a buyer at ACME (its 500 EUR cap applies to her)."""
    open_credit(app, world)
    _invite(app, ACME, "bea", Role.BUYER)


def lapsed(app: App, world: World) -> None:
    """North ordered every 5 days, the last 30 days ago: it has lapsed."""
    now = app.store.clock.now()
    with app.store.unit_of_work() as uow:
        for days in (30, 35, 40, 45):
            uow.orders.add(
                OrderRecord(
                    id=OrderId(f"north-{days}"),
                    company_id=NORTH,
                    buyer_id=world.bob.id,
                    total=eur("10"),
                    placed_at=now - timedelta(days=days),
                    status=OrderStatus.PLACED,
                    lines=(OrderLine(sku="A", quantity=1, unit_price=eur("10")),),
                )
            )
        uow.commit()


def pending(app: App, world: World) -> None:
    """The credit line, and a 600 EUR order of Bea (buyer at ACME) waiting for Anna."""
    with_bea(app, world)
    placement = app.orders.place(actor=bea(app), order=order(ACME, bea(app).id, "600"))
    assert placement.request is not None


def bea(app: App) -> Customer:
    """Bea, the buyer at ACME some scenarios invite."""
    with app.store.unit_of_work() as uow:
        return uow.customers.get_by_email("bea@acme.example")


def approved(app: App, world: World) -> None:
    """Bea's request, approved by Anna."""
    pending(app, world)
    app.approvals.approve(actor=world.anna, request=the_request(app).id)


def overdue_request(app: App, world: World) -> None:
    """Bea's request, past its expiry."""
    pending(app, world)
    clock = app.store.clock
    assert isinstance(clock, ManualClock)
    clock.advance(the_request(app).expires_at - clock.now() + timedelta(seconds=1))


def expiring_soon(app: App, world: World) -> None:
    """Bea's request, five hours before its expiry."""
    pending(app, world)
    clock = app.store.clock
    assert isinstance(clock, ManualClock)
    clock.advance(the_request(app).expires_at - clock.now() - timedelta(hours=5))


def the_request(app: App) -> ApprovalRequest:
    """The one approval request the store holds."""
    with app.store.unit_of_work() as uow:
        (request,) = uow.approvals.search(ApprovalQuery(limit=2)).items
        return request


def requester(app: App) -> Customer:
    """Who made the one approval request."""
    with app.store.unit_of_work() as uow:
        return uow.customers.get(the_request(app).requester_id)


def located(app: App, _world: World | None = None) -> None:
    """Two locations of ACME: HQ (primary) and the Kiel depot."""
    app.locations.add(actor=REP, company=ACME, name="HQ", address=KIEL)
    app.locations.add(actor=REP, company=ACME, name="Depot", address=KIEL)


def location(app: App, name: str) -> Any:
    """ACME's location of that name."""
    with app.store.unit_of_work() as uow:
        return next(loc for loc in uow.locations.for_company(ACME) if loc.name == name)


def with_contact(app: App, world: World) -> None:
    """Anna is ACME's primary contact."""
    app.contacts.assign(actor=REP, company=ACME, customer=world.anna.id, primary=True)


def the_contact(app: App) -> Any:
    """ACME's one contact assignment."""
    with app.store.unit_of_work() as uow:
        (contact,) = uow.contacts.for_company(ACME)
        return contact


def north_limit() -> tuple[LimitScope, OrderTotalLimit]:
    """A 300 EUR order cap on North."""
    return LimitScope(kind="company", company_id=NORTH), OrderTotalLimit(maximum=eur("300"))


def acme_policy() -> ApprovalPolicy:
    """ACME's policy: its admins approve every request."""
    return ApprovalPolicy(
        id=ApprovalPolicyId("acme-policy"),
        name="Admins approve",
        company_id=ACME,
        tiers=[
            ApprovalTier(
                name="Admin", all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.ADMIN)])]
            )
        ],
    )


def with_policy(app: App, _world: World | None = None) -> None:
    """ACME's policy, saved."""
    app.approval_settings.save_policy(actor=REP, policy=acme_policy())


TWO_TEN_NET_30 = PaymentTerms(
    code="2-10-NET30",
    name="2% 10, net 30",
    instalments=[
        InstalmentTerm(portion=PercentPortion(percent=100), due=DaysAfterInvoice(days=30))
    ],
    discount=EarlyPaymentDiscount(within_days=10, percent=2),
)
"""The seller's own terms: 2% off within 10 days, else net 30."""


def with_terms(app: App, _world: World | None = None) -> None:
    """The seller's 2/10 net 30 terms, stored."""
    app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)


def credit_and_terms(app: App, world: World) -> None:
    """ACME's credit line, and the seller's 2/10 net 30 terms."""
    open_credit(app, world)
    with_terms(app, world)


def with_group(app: App, world: World) -> None:
    """ACME's approval group: Anna."""
    app.approval_settings.save_group(
        actor=REP, company=ACME, name="Approvers", members=[world.anna.id]
    )


def with_approver_limit(app: App, world: World) -> None:
    """Anna may approve up to 1,000 EUR at ACME."""
    app.approval_settings.set_approver_limit(
        actor=REP, company=ACME, customer=world.anna.id, maximum=eur("1000")
    )


def the_approver_limit(app: App) -> ApproverLimit:
    """ACME's one approver limit."""
    with app.store.unit_of_work() as uow:
        (limit,) = uow.approver_limits.for_companies([ACME])
        return limit


def bob_deactivated_at_north(app: App, world: World) -> None:
    """Bob, deactivated at North by Anna (ACME's admin): he keeps the membership."""
    app.customers.deactivate(actor=world.anna, customer=world.bob.id, company=NORTH)


def with_customer_group(app: App, world: World) -> None:
    """A custom customer group "Trusted" holding Bob."""
    app.customers.create_group(actor=REP, name="Trusted", members=[world.bob.id])


def customer_group(app: App, name: str = "Trusted") -> CustomerGroup:
    """The customer group of that name."""
    with app.store.unit_of_work() as uow:
        return next(group for group in uow.groups.all() if group.name == name)


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
        "companies.import_many",
        lambda app, _w: app.companies.import_many(
            actor=REP,
            companies=[
                Company(id=CompanyId("initech-x"), name="Initech X", currency="USD"),
                Company(
                    id=CompanyId("initech"),
                    name="Initech",
                    currency="USD",
                    parent_id=NORTH,
                ),
            ],
        ),
    ),
    Scenario(
        "customers.import_many",
        lambda app, _w: app.customers.import_many(
            actor=REP,
            customers=[
                Customer(
                    id=CustomerId("zoe"),
                    email="zoe@north.example",
                    first_name="Zoe",
                    last_name="Example",
                    memberships=[Membership(company_id=NORTH, roles={Role.BUYER})],
                )
            ],
        ),
    ),
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
        "companies.edit",
        lambda app, w: app.companies.edit(actor=w.anna, company_id=ACME, name="ACME SE"),
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
    Scenario(
        "customers.set_manager",
        lambda app, w: app.customers.set_manager(
            actor=w.anna, customer=w.bob.id, manager=w.anna.id
        ),
    ),
    Scenario(
        "customers.create_group",
        lambda app, w: app.customers.create_group(actor=REP, name="VIP", members=[w.bob.id]),
    ),
    Scenario(
        "customers.change_group",
        lambda app, w: app.customers.change_group(
            actor=REP, group=customer_group(app).id, add=[w.anna.id], remove=[w.bob.id]
        ),
        prepare=with_customer_group,
    ),
    # -- approval settings
    Scenario(
        "approval_settings.save_policy",
        lambda app, w: app.approval_settings.save_policy(actor=w.anna, policy=acme_policy()),
    ),
    Scenario(  # a new version of the stored one
        "approval_settings.save_policy",
        lambda app, w: app.approval_settings.save_policy(actor=w.anna, policy=acme_policy()),
        prepare=with_policy,
    ),
    Scenario(
        "approval_settings.remove_policy",
        lambda app, w: app.approval_settings.remove_policy(
            actor=w.anna, policy=ApprovalPolicyId("acme-policy")
        ),
        prepare=with_policy,
    ),
    Scenario(
        "approval_settings.save_group",
        lambda app, w: app.approval_settings.save_group(
            actor=w.anna, company=ACME, name="Approvers", members=[w.anna.id]
        ),
    ),
    Scenario(
        "approval_settings.remove_group",
        lambda app, w: app.approval_settings.remove_group(actor=w.anna, company=ACME),
        prepare=with_group,
    ),
    Scenario(
        "approval_settings.set_approver_limit",
        lambda app, w: app.approval_settings.set_approver_limit(
            actor=w.anna, company=ACME, role=Role.ADMIN, maximum=eur("2000")
        ),
    ),
    Scenario(  # changes the stored one
        "approval_settings.set_approver_limit",
        lambda app, w: app.approval_settings.set_approver_limit(
            actor=w.anna, company=ACME, customer=w.anna.id, maximum=eur("2000")
        ),
        prepare=with_approver_limit,
    ),
    Scenario(
        "approval_settings.remove_approver_limit",
        lambda app, w: app.approval_settings.remove_approver_limit(
            actor=w.anna, limit=the_approver_limit(app).id
        ),
        prepare=with_approver_limit,
    ),
    Scenario(
        "customers.update",
        lambda app, w: app.customers.update(actor=w.bob, customer=w.bob.id, title="Buyer"),
    ),
    Scenario(  # at one company: Bob's standing at North
        "customers.deactivate",
        lambda app, w: app.customers.deactivate(actor=w.anna, customer=w.bob.id, company=NORTH),
    ),
    Scenario(  # everywhere: staff only (or the customer)
        "customers.deactivate",
        lambda app, w: app.customers.deactivate(actor=REP, customer=w.bob.id),
    ),
    Scenario(  # at one company, again
        "customers.activate",
        lambda app, w: app.customers.activate(actor=w.anna, customer=w.bob.id, company=NORTH),
        prepare=bob_deactivated_at_north,
    ),
    # -- orders and approvals
    Scenario(
        "orders.place",
        lambda app, w: app.orders.place(actor=w.bob, order=order(NORTH, w.bob.id)),
        prepare=open_credit,
    ),
    Scenario(  # approval required: the order, its reservation and the request
        "orders.place",
        lambda app, _w: app.orders.place(actor=bea(app), order=order(ACME, bea(app).id, "600")),
        prepare=with_bea,
    ),
    Scenario(  # a voluntary request: the order waits, its credit reserved, a request made
        "approvals.request",
        lambda app, w: app.approvals.request(
            actor=w.bob, order=order(NORTH, w.bob.id), comment="please check"
        ),
        prepare=open_credit,
    ),
    Scenario(
        "orders.reorder",
        lambda app, w: app.orders.reorder(actor=w.bob, order_id=the_order(app).id),
        prepare=placed,
    ),
    Scenario(
        "approvals.approve",
        lambda app, w: app.approvals.approve(actor=w.anna, request=the_request(app).id),
        prepare=pending,
    ),
    Scenario(
        "approvals.reject",
        lambda app, w: app.approvals.reject(
            actor=w.anna, request=the_request(app).id, reason="too much"
        ),
        prepare=pending,
    ),
    Scenario(
        "approvals.cancel",
        lambda app, _w: app.approvals.cancel(actor=requester(app), request=the_request(app).id),
        prepare=pending,
    ),
    Scenario(
        "approvals.complete",
        lambda app, _w: app.approvals.complete(actor=requester(app), request=the_request(app).id),
        prepare=approved,
    ),
    Scenario(
        "approvals.update_comment",
        lambda app, _w: app.approvals.update_comment(
            actor=requester(app), request=the_request(app).id, comment="For the Q3 project"
        ),
        prepare=pending,
    ),
    Scenario(
        "approvals.expire_due",
        lambda app, _w: app.approvals.expire_due(actor=ADMINISTRATOR),
        prepare=overdue_request,
    ),
    Scenario(
        "automations.expire_due_approvals",
        lambda app, _w: app.automations.expire_due_approvals(actor=ADMINISTRATOR),
        prepare=overdue_request,
    ),
    # -- credit
    Scenario(
        "credit.open_account",
        lambda app, _w: app.credit.open_account(
            actor=CONTROLLER, company=ACME, credit_limit=eur("5000"), shared_with=[NORTH]
        ),
    ),
    Scenario(
        "credit.set_credit_limit",
        lambda app, _w: app.credit.set_credit_limit(
            actor=CONTROLLER, company=ACME, credit_limit=eur("7000")
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.set_payment_terms",
        lambda app, _w: app.credit.set_payment_terms(
            actor=CONTROLLER, company=ACME, payment_terms="NET60"
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.save_payment_terms",
        lambda app, _w: app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30),
    ),
    Scenario(  # replaces the stored terms: a new version
        "credit.save_payment_terms",
        lambda app, _w: app.credit.save_payment_terms(
            actor=CONTROLLER, terms=attrs.evolve(TWO_TEN_NET_30, name="2/10 net 30")
        ),
        prepare=with_terms,
    ),
    Scenario(  # the preset's code, stored in its place
        "credit.save_payment_terms",
        lambda app, _w: app.credit.save_payment_terms(
            actor=CONTROLLER, terms=attrs.evolve(NET_30, name="Thirty days net")
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.remove_payment_terms",
        lambda app, _w: app.credit.remove_payment_terms(actor=CONTROLLER, code="2-10-net30"),
        prepare=with_terms,
    ),
    Scenario(
        "credit.set_payment_terms",
        lambda app, _w: app.credit.set_payment_terms(
            actor=CONTROLLER, company=ACME, payment_terms="2-10-NET30"
        ),
        prepare=credit_and_terms,
    ),
    Scenario(
        "credit.set_auto_hold",
        lambda app, _w: app.credit.set_auto_hold(actor=CONTROLLER, company=ACME, after_days=45),
        prepare=open_credit,
    ),
    Scenario(
        "credit.set_overdue_hold_amount",
        lambda app, _w: app.credit.set_overdue_hold_amount(
            actor=CONTROLLER, company=ACME, amount=eur("1000")
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.set_credit_control",
        lambda app, _w: app.credit.set_credit_control(
            actor=CONTROLLER, company=ACME, control="warn"
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.set_invoice_credit_check",
        lambda app, _w: app.credit.set_invoice_credit_check(
            actor=CONTROLLER, company=ACME, enabled=True
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.grant_credit_bypass",
        lambda app, w: app.credit.grant_credit_bypass(
            actor=CONTROLLER, company=NORTH, customer=w.bob.id, reason="key account"
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.revoke_credit_bypass",
        lambda app, w: app.credit.revoke_credit_bypass(
            actor=CONTROLLER, company=NORTH, customer=w.bob.id
        ),
        prepare=bypassed,
    ),
    Scenario(
        "credit.post_invoice",
        lambda app, _w: app.credit.post_invoice(
            actor=CONTROLLER, company=NORTH, invoice="inv-2", amount=eur("250")
        ),
        prepare=open_credit,
    ),
    Scenario(  # an account that checks credit on invoices: its row is locked for the check
        "credit.post_invoice",
        lambda app, _w: app.credit.post_invoice(
            actor=CONTROLLER, company=NORTH, invoice="inv-2", amount=eur("250")
        ),
        prepare=checks_invoices,
    ),
    Scenario(
        "credit.record_payment",
        lambda app, _w: app.credit.record_payment(
            actor=CONTROLLER, company=ACME, payment="pay-1", amount=eur("100")
        ),
        prepare=invoiced,
    ),
    Scenario(
        "credit.record_payment",
        lambda app, _w: app.credit.record_payment(
            actor=CONTROLLER,
            company=ACME,
            payment="pay-2",
            amount=eur("150"),
            paid_on=date(2026, 1, 5),
            allocations=[Allocation(invoice_id="inv-1")],
        ),
        prepare=invoiced,
    ),
    Scenario(
        "credit.allocate_payment",
        lambda app, _w: app.credit.allocate_payment(
            actor=CONTROLLER,
            company=ACME,
            payment="adv-1",
            allocations=[Allocation(invoice_id="inv-1")],
        ),
        prepare=paid_on_account,
    ),
    Scenario(
        "credit.issue_credit_note",
        lambda app, _w: app.credit.issue_credit_note(
            actor=CONTROLLER, company=ACME, note="cn-1", amount=eur("40")
        ),
        prepare=invoiced,
    ),
    Scenario(
        "credit.adjust",
        lambda app, _w: app.credit.adjust(
            actor=CONTROLLER, company=ACME, amount=eur("-5"), reason="goodwill"
        ),
        prepare=open_credit,
    ),
    Scenario(
        "credit.place_hold",
        lambda app, _w: app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="overdue"),
        prepare=open_credit,
    ),
    Scenario(
        "credit.lift_hold",
        lambda app, _w: app.credit.lift_hold(actor=CONTROLLER, company=ACME),
        prepare=on_hold,
    ),
    Scenario(
        "credit.override_hold",
        lambda app, _w: app.credit.override_hold(
            actor=CONTROLLER, company=NORTH, order="o-9", amount=eur("200"), reason="CFO agreed"
        ),
        prepare=on_hold,
    ),
    # -- limits
    Scenario(
        "limits.set",
        lambda app, _w: app.limits.set(
            actor=ADMINISTRATOR, scope=north_limit()[0], rule=north_limit()[1], name="North cap"
        ),
    ),
    Scenario(
        "limits.change",
        lambda app, _w: app.limits.change(
            actor=ADMINISTRATOR,
            limit=LimitId("acme-cap"),
            rule=OrderTotalLimit(maximum=eur("700")),
        ),
    ),
    Scenario(
        "limits.remove",
        lambda app, _w: app.limits.remove(actor=ADMINISTRATOR, limit=LimitId("acme-cap")),
    ),
    # -- locations
    Scenario(
        "locations.add",
        lambda app, _w: app.locations.add(actor=REP, company=ACME, name="HQ", address=KIEL),
    ),
    Scenario(  # a second location: the flags stay with the first
        "locations.add",
        lambda app, _w: app.locations.add(
            actor=REP, company=ACME, name="Annex", address=KIEL, is_primary=True
        ),
        prepare=located,
    ),
    Scenario(
        "locations.update",
        lambda app, _w: app.locations.update(
            actor=REP, location=location(app, "Depot").id, name="Kiel depot"
        ),
        prepare=located,
    ),
    Scenario(
        "locations.make_primary",
        lambda app, _w: app.locations.make_primary(actor=REP, location=location(app, "Depot").id),
        prepare=located,
    ),
    Scenario(
        "locations.set_default_billing",
        lambda app, _w: app.locations.set_default_billing(
            actor=REP, location=location(app, "Depot").id
        ),
        prepare=located,
    ),
    Scenario(
        "locations.set_default_shipping",
        lambda app, _w: app.locations.set_default_shipping(
            actor=REP, location=location(app, "Depot").id
        ),
        prepare=located,
    ),
    Scenario(
        "locations.remove",
        lambda app, _w: app.locations.remove(
            actor=REP, location=location(app, "HQ").id, new_primary=location(app, "Depot").id
        ),
        prepare=located,
    ),
    # -- contacts
    Scenario(
        "contacts.assign",
        lambda app, w: app.contacts.assign(
            actor=REP, company=ACME, customer=w.anna.id, primary=True, subscriptions=[]
        ),
    ),
    Scenario(
        "contacts.change",
        lambda app, _w: app.contacts.change(
            actor=REP, contact=the_contact(app).id, primary=False, type="billing"
        ),
        prepare=with_contact,
    ),
    Scenario(
        "contacts.remove",
        lambda app, _w: app.contacts.remove(actor=REP, contact=the_contact(app).id),
        prepare=with_contact,
    ),
    # -- automations
    Scenario(
        "automations.hold_overdue_accounts",
        lambda app, _w: app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=30),
        prepare=invoiced,
    ),
    Scenario(  # records a company.lapsed event for each
        "automations.lapsed_customers",
        lambda app, _w: app.automations.lapsed_customers(actor=REP),
        prepare=lapsed,
    ),
    Scenario(  # records an approval.expiring_soon event for each
        "automations.approval_expiry_reminders",
        lambda app, _w: app.automations.approval_expiry_reminders(actor=ADMINISTRATOR),
        prepare=expiring_soon,
    ),
    Scenario(  # records an invoice.reminder_due event for each
        "automations.due_invoice_reminders",
        lambda app, _w: app.automations.due_invoice_reminders(actor=CONTROLLER),
        prepare=invoiced,
    ),
)
"""One writing call per service method that writes (or more, for distinct paths)."""

READ_ONLY = frozenset(
    {
        "companies.get",
        "companies.visible_to",
        "companies.search",
        "companies.children",
        "companies.ancestors",
        "companies.descendants",
        "companies.paid_for",
        "customers.get",
        "customers.search",
        "orders.check",
        "orders.get",
        "orders.history",
        "orders.replay",
        "approvals.get",
        "approvals.search",
        "approvals.eligible_approvers",
        "approvals.is_approval_required",
        "approvals.approvers_for",
        "credit.account",
        "credit.statement",
        "credit.aging",
        "credit.open_items",
        "credit.receivables_aging",
        "credit.payment_terms",
        "credit.list_payment_terms",
        "limits.for_company",
        "locations.for_company",
        "contacts.for_company",
        "audit.for_company",
    }
)
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
    Scenario("companies.search", lambda app, w: app.companies.search(actor=w.anna, text="acme")),
    Scenario(
        "companies.children", lambda app, w: app.companies.children(actor=w.anna, company_id=ACME)
    ),
    Scenario(
        "companies.ancestors",
        lambda app, w: app.companies.ancestors(actor=w.anna, company_id=NORTH),
    ),
    Scenario(
        "companies.descendants",
        lambda app, w: app.companies.descendants(actor=w.anna, company_id=ACME),
    ),
    Scenario(
        "companies.paid_for", lambda app, w: app.companies.paid_for(actor=w.anna, company_id=ACME)
    ),
    Scenario("customers.get", lambda app, w: app.customers.get(actor=w.anna, customer=w.bob.id)),
    Scenario("customers.search", lambda app, w: app.customers.search(actor=w.anna, company=ACME)),
    Scenario(
        "orders.check",
        lambda app, w: app.orders.check(actor=w.bob, order=order(NORTH, w.bob.id)),
    ),
    Scenario(
        "orders.get",
        lambda app, w: app.orders.get(actor=w.bob, order_id=the_order(app).id),
        prepare=placed,
    ),
    Scenario(
        "orders.history",
        lambda app, w: app.orders.history(actor=w.anna, company=NORTH),
        prepare=placed,
    ),
    Scenario(
        "orders.replay",
        lambda app, w: app.orders.replay(actor=w.bob, order_id=the_order(app).id),
        prepare=placed,
    ),
    Scenario(
        "approvals.get",
        lambda app, w: app.approvals.get(actor=w.anna, request=the_request(app).id),
        prepare=pending,
    ),
    Scenario(
        "approvals.search",
        lambda app, w: app.approvals.search(actor=w.anna, company=ACME),
        prepare=pending,
    ),
    Scenario(
        "approvals.eligible_approvers",
        lambda app, w: app.approvals.eligible_approvers(actor=w.anna, request=the_request(app).id),
        prepare=pending,
    ),
    Scenario(
        "approvals.is_approval_required",
        lambda app, w: app.approvals.is_approval_required(
            actor=w.anna, order=order(ACME, w.anna.id, "600")
        ),
    ),
    Scenario(
        "approvals.approvers_for",
        lambda app, _w: app.approvals.approvers_for(
            actor=bea(app), order=order(ACME, bea(app).id, "600")
        ),
        prepare=with_bea,
    ),
    Scenario(
        "credit.account",
        lambda app, w: app.credit.account(actor=w.anna, company=ACME),
        prepare=invoiced,
    ),
    Scenario(
        "credit.statement",
        lambda app, _w: app.credit.statement(
            actor=CONTROLLER, company=ACME, start=date(2026, 1, 1), end=date(2026, 4, 1)
        ),
        prepare=invoiced,
    ),
    Scenario(
        "credit.aging",
        lambda app, _w: app.credit.aging(actor=CONTROLLER, company=ACME),
        prepare=invoiced,
    ),
    Scenario(
        "credit.open_items",
        lambda app, _w: app.credit.open_items(actor=CONTROLLER, company=NORTH),
        prepare=paid_on_account,
    ),
    Scenario(
        "credit.receivables_aging",
        lambda app, _w: app.credit.receivables_aging(actor=CONTROLLER, boundaries=(15, 45)),
        prepare=invoiced,
    ),
    Scenario(
        "credit.payment_terms",
        lambda app, _w: app.credit.payment_terms(actor=CONTROLLER, code="2-10-NET30"),
        prepare=with_terms,
    ),
    Scenario(
        "credit.list_payment_terms",
        lambda app, _w: app.credit.list_payment_terms(actor=CONTROLLER),
        prepare=with_terms,
    ),
    Scenario(
        "limits.for_company", lambda app, w: app.limits.for_company(actor=w.anna, company=ACME)
    ),
    Scenario(
        "locations.for_company",
        lambda app, w: app.locations.for_company(actor=w.anna, company=ACME),
        prepare=located,
    ),
    Scenario(
        "contacts.for_company",
        lambda app, w: app.contacts.for_company(actor=w.anna, company=ACME),
        prepare=with_contact,
    ),
    Scenario(
        "audit.for_company",
        lambda app, w: app.audit.for_company(actor=w.anna, company_id=ACME),
    ),
)
"""One call per read-only method."""


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
