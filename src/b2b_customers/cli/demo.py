"""``b2b-customers demo``: a company group, its buyers, limits and credit, on an SQLite file.

It builds a realistic scenario in an embedded SQLite database (set up through
the stores), then orders, approves, expires and holds credit through the same
services an application uses ([`App`][b2b_customers.App]), and says in
plain words what happens. The database file stays behind so it can be opened.
"""

from __future__ import annotations

import pathlib
import tempfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from moneyed import Money

from b2b_customers.app import App
from b2b_customers.cli.exit_codes import ExitCode
from b2b_customers.clock import ManualClock
from b2b_customers.credit import AgingBucket, CreditAccount, OpenItem, age, statement
from b2b_customers.credit.payment_terms import NET_30
from b2b_customers.domain import (
    Address,
    Company,
    ContactAssignment,
    ContactType,
    Customer,
    CustomerGroup,
    LegalInfo,
    Location,
    LocationType,
    NotificationEvent,
    Role,
)
from b2b_customers.domain.money import format_money
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import MissingDependency, OrderDenied
from b2b_customers.ids import (
    CompanyId,
    ContactAssignmentId,
    CreditAccountId,
    CustomerGroupId,
    CustomerId,
    LimitId,
    LocationId,
    SequentialIds,
)
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    Decision,
    LimitScope,
    OrderTotalLimit,
    PoNumberRequired,
    PurchasingLimit,
)
from b2b_customers.services.authorization import Staff, StaffRole

if TYPE_CHECKING:
    import argparse

    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.ports import Store
    from b2b_customers.services.placement import Placement

__all__ = ["add_arguments", "run"]

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HQ, NORTH, SOUTH, HAMBURG = (
    CompanyId("acme"),
    CompanyId("acme-north"),
    CompanyId("acme-south"),
    CompanyId("acme-hamburg"),
)
ANNA, BOB, RITA, FIONA = (
    CustomerId("anna"),
    CustomerId("bob"),
    CustomerId("rita"),
    CustomerId("fiona"),
)
ACCOUNT = CreditAccountId("credit-acme")
STAFF = Staff(id="ops", name="Seller operations", roles={StaffRole.ADMINISTRATOR})
"""The seller's side: posts invoices, holds credit, runs the scheduled expiry sweep."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options to its sub-command parser."""
    parser.add_argument(
        "--db",
        type=pathlib.Path,
        default=pathlib.Path(tempfile.gettempdir()) / "b2b_customers_demo.db",
        help="the SQLite file to (re)create (default: in the temporary folder)",
    )


def run(arguments: argparse.Namespace) -> int:
    """Build the scenario in a fresh SQLite file and walk through it; return the exit status."""
    path: pathlib.Path = arguments.db
    store = _sqlite_store(path)
    clock = store.clock
    assert isinstance(clock, ManualClock)  # noqa: S101  (the demo made it)
    app = App(store, ids=SequentialIds("demo-"))
    say = _Narrator()

    say.title(f"The database: {path}")
    _onboard(store)
    anna, bob, rita = _customers(store, ANNA, BOB, RITA)
    say.line("ACME Group (Berlin) with ACME North (and its Hamburg branch) and ACME South.")
    say.line("Anna is admin and approver at head office, Bob buys for North, Rita is a")
    say.line("requester at South, Fiona is the finance contact who receives invoices.")

    say.title("The rules")
    for limit in _limits():
        say.line(f"{limit.name}: {limit.on_exceed.value} when crossed")
    say.line("Credit: one 30,000.00 EUR line for the whole group, invoices due Net 30.")
    say.line("Approval requests expire after 7 days if nobody decides.")

    say.title("1. Bob orders drills for 1,200.00 EUR")
    _allowed(app, clock, say, bob)
    say.title("2. Bob orders a generator for 6,600.00 EUR")
    _approved(app, clock, say, bob, anna)
    say.title("3. Rita (a requester at South) orders paper for 180.00 EUR")
    _expired(app, clock, say, rita)
    say.title("4. The group's credit goes on hold")
    _held(app, clock, say, bob)
    say.title("5. Statement and aging")
    _statement(store, say)
    say.title("Done")
    say.line(f"Open the database with any SQLite tool: sqlite3 {path}")
    return ExitCode.OK


# -- the steps


def _allowed(app: App, clock: ManualClock, say: _Narrator, bob: Customer) -> None:
    first = app.orders.place(actor=bob, order=_order(BOB, NORTH, "DRILL-9", 2, "600"))
    say.decision(first.decision)
    clock.advance(timedelta(days=1))
    app.credit.post_invoice(
        actor=STAFF, company=NORTH, invoice="inv-1", amount=first.order.total, order=first.order.id
    )
    say.line("Placed; credit reserved, then invoiced: 1,200.00 EUR due in 30 days.")


def _approved(app: App, clock: ManualClock, say: _Narrator, bob: Customer, anna: Customer) -> None:
    clock.advance(timedelta(days=2))
    big = _order(BOB, NORTH, "GEN-40", 1, "6600", po_number="PO-4471")
    pending = app.orders.place(actor=bob, order=big)
    say.decision(pending.decision)
    request = _request(pending)
    say.line("Waiting for approval, with its credit reserved.")
    say.line(_routed(app, bob, request))
    clock.advance(timedelta(hours=3))
    app.approvals.approve(actor=anna, request=request.id)
    placed = app.approvals.complete(actor=bob, request=request.id)
    say.line(f"Anna approves it; Bob completes it: the order is {placed.order.status.value}.")


def _expired(app: App, clock: ManualClock, say: _Narrator, rita: Customer) -> None:
    paper = app.orders.place(actor=rita, order=_order(RITA, SOUTH, "PAPER-A4", 40, "4.50"))
    say.decision(paper.decision)
    request = _request(paper)
    say.line(_routed(app, rita, request))
    say.line(f"Reserved on the credit line now: {format_money(_reserved(app.store))}.")
    clock.advance(request.expires_at - clock.now() + timedelta(minutes=1))
    expired = app.automations.expire_due_approvals(actor=STAFF)
    say.line(f"Nobody decides by {request.expires_at:%Y-%m-%d %H:%M}; the scheduled sweep")
    say.line(
        f"expires {len(expired)} request and releases its credit: "
        f"reserved now {format_money(_reserved(app.store))}."
    )


def _held(app: App, clock: ManualClock, say: _Narrator, bob: Customer) -> None:
    clock.advance(timedelta(days=40))
    app.credit.place_hold(actor=STAFF, company=HQ, reason="invoice inv-1 is overdue")
    say.line("The seller holds the account (invoice inv-1 is overdue); Bob orders again:")
    try:
        app.orders.place(actor=bob, order=_order(BOB, NORTH, "DRILL-9", 1, "600"))
    except OrderDenied as error:
        say.decision(error.decision)
    else:  # pragma: no cover  (the hold denies it)
        say.line("Unexpectedly placed.")


# -- building the scenario


def _sqlite_store(path: pathlib.Path) -> Store:
    try:
        from b2b_customers.adapters.sql import SqlStore, migrate  # noqa: PLC0415
    except ImportError:
        raise MissingDependency(
            'the demo keeps its data in SQLite: pip install "b2b-customers[sql]"'
        ) from None
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate(url)
    return SqlStore(url, clock=ManualClock(START))


def _onboard(store: Store) -> None:
    zone = "Europe/Berlin"
    companies = [
        Company(
            id=HQ,
            name="ACME Group",
            currency="EUR",
            time_zone=zone,
            account_number="C-10001",
            term_customer=True,
            legal_info=LegalInfo(
                legal_name="ACME Group AG", country="DE", tax_registration_number="DE123456789"
            ),
        ),
        Company(
            id=NORTH,
            name="ACME North",
            currency="EUR",
            time_zone=zone,
            parent_id=HQ,
            bill_to_id=HQ,
            account_number="C-10002",
            term_customer=True,
        ),
        Company(
            id=HAMBURG,
            name="ACME Hamburg",
            currency="EUR",
            time_zone=zone,
            parent_id=NORTH,
            bill_to_id=HQ,
            account_number="C-10003",
        ),
        Company(
            id=SOUTH,
            name="ACME South",
            currency="EUR",
            time_zone=zone,
            parent_id=HQ,
            bill_to_id=HQ,
            account_number="C-10004",
            term_customer=True,
        ),
    ]
    people = [
        (ANNA, "anna@acme.example", "Anna", "Admin", HQ, [Role.ADMIN, Role.APPROVER]),
        (BOB, "bob@acme.example", "Bob", "Buyer", NORTH, [Role.BUYER]),
        (RITA, "rita@acme.example", "Rita", "Requester", SOUTH, [Role.REQUESTER]),
        (FIONA, "fiona@acme.example", "Fiona", "Finance", HQ, [Role.FINANCE, Role.CONTACT]),
    ]
    with store.unit_of_work() as uow:
        uow.companies.add_many(companies)
        uow.locations.add(
            Location(
                id=LocationId("hq-office"),
                company_id=HQ,
                name="Head office",
                type=LocationType.HEADQUARTER,
                address=Address(
                    lines=["Friedrichstr. 1"], city="Berlin", postcode="10117", country="DE"
                ),
                is_default_billing=True,
            )
        )
        uow.locations.add(
            Location(
                id=LocationId("hamburg-yard"),
                company_id=HAMBURG,
                name="Yard",
                type=LocationType.SHIP_TO,
                address=Address(lines=["Hafenweg 9"], city="Hamburg", country="DE"),
                is_default_shipping=True,
            )
        )
        customers = [
            Customer(id=cid, email=email, first_name=first, last_name=last).with_roles(
                company, roles
            )
            for cid, email, first, last, company, roles in people
        ]
        uow.customers.add_many(customers)
        for company in companies:
            members = [c.id for c in customers if c.membership_in(company.id) is not None]
            group = CustomerGroup.for_company(
                CustomerGroupId(f"group-{company.id}"), company.id, company.name
            )
            uow.groups.add(group.with_members(members))
        uow.contacts.add(
            ContactAssignment(
                id=ContactAssignmentId("contact-fiona"),
                company_id=HQ,
                customer_id=FIONA,
                type=ContactType.BILLING,
                is_primary=True,
                subscriptions={
                    NotificationEvent.INVOICE_POSTED,
                    NotificationEvent.SELL_TO_INVOICE_POSTED,
                    NotificationEvent.STATEMENTS,
                },
            )
        )
        for limit in _limits():
            uow.limits.add(limit)
        uow.credit.add(
            CreditAccount(
                id=ACCOUNT,
                company_id=HQ,
                shared_with={NORTH, SOUTH, HAMBURG},
                currency="EUR",
                credit_limit=Money("30000", "EUR"),
                payment_terms=NET_30.code,
            )
        )
        uow.commit()


def _limits() -> list[PurchasingLimit]:
    return [
        PurchasingLimit(
            id=LimitId("north-per-order"),
            name="North's per-order limit of 5,000.00 EUR",
            scope=LimitScope(kind="company", company_id=NORTH),
            rule=OrderTotalLimit(maximum=Money("5000", "EUR")),
            on_exceed="approval",
        ),
        PurchasingLimit(
            id=LimitId("group-monthly"),
            name="The group's monthly budget of 25,000.00 EUR",
            scope=LimitScope(kind="company", company_id=HQ, include_subtree=True),
            rule=BudgetLimit(maximum=Money("25000", "EUR"), period=CalendarPeriod(unit="month")),
            on_exceed="approval",
        ),
        PurchasingLimit(
            id=LimitId("po-above-2000"),
            name="A PO number above 2,000.00 EUR",
            scope=LimitScope(kind="company", company_id=HQ, include_subtree=True),
            rule=PoNumberRequired(above=Money("2000", "EUR")),
            on_exceed="deny",
        ),
    ]


# -- ordering


def _order(
    buyer: CustomerId,
    company: CompanyId,
    sku: str,
    quantity: int,
    price: str,
    *,
    po_number: str | None = None,
) -> OrderDraft:
    line = OrderLine(sku=sku, quantity=quantity, unit_price=Money(price, "EUR"))
    return OrderDraft(company_id=company, buyer_id=buyer, lines=[line], po_number=po_number)


def _customers(store: Store, *ids: CustomerId) -> list[Customer]:
    with store.unit_of_work() as uow:
        return [uow.customers.get(customer_id) for customer_id in ids]


def _request(placement: Placement) -> ApprovalRequest:
    assert placement.request is not None  # noqa: S101  (the rules ask for approval)
    return placement.request


def _routed(app: App, actor: Customer, request: ApprovalRequest) -> str:
    candidates = app.approvals.eligible_approvers(actor=actor, request=request.id)
    names = ", ".join(f"{c.name} ({c.basis})" for c in candidates) or "nobody"
    return f"Routed to: {names}."


def _reserved(store: Store) -> Money:
    with store.unit_of_work() as uow:
        return uow.credit.get(ACCOUNT).reserved


def _statement(store: Store, say: _Narrator) -> None:
    now = store.clock.now()
    with store.unit_of_work() as uow:
        account = uow.credit.get(ACCOUNT)
        entries = uow.credit.entries(ACCOUNT)
    report = statement(
        ACCOUNT,
        entries,
        "EUR",
        start=START,
        end=now,
        first_day=START.date(),
        last_day=(now - timedelta(days=1)).date(),
    )
    say.line(f"Opening balance {format_money(report.opening_balance)}")
    for entry in report.entries:
        say.line(
            f"  {entry.occurred_at:%Y-%m-%d} {entry.kind.value:<12} {entry.reference:<10} "
            f"{format_money(entry.amount):>14}"
        )
    say.line(
        f"Closing balance {format_money(report.closing_balance)}; still reserved "
        f"{format_money(account.reserved)}; available {format_money(account.available)}"
    )
    items = [
        OpenItem.for_instalment(entry.reference or "", entry.occurred_at.date(), instalment)
        for entry in report.entries
        if entry.reference == "inv-1"
        for instalment in NET_30.schedule(entry.amount, entry.occurred_at.date())
    ]
    aging = age(items, now.date(), "EUR")
    buckets = ", ".join(
        f"{bucket.label}: {format_money(aging.totals[bucket])}"
        for bucket in AgingBucket
        if aging.totals[bucket].amount
    )
    say.line(f"Aging on {now.date()}: {buckets}")


class _Narrator:
    """Prints the walk-through."""

    def title(self, text: str) -> None:
        print(f"\n{text}")

    def line(self, text: str) -> None:
        print(f"   {text}")

    def decision(self, decision: Decision) -> None:
        for line in decision.explain().splitlines():
            self.line(line)
