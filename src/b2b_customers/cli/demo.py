"""``b2b-customers demo``: a company group, its buyers, limits and credit, on an SQLite file.

It builds a realistic scenario in an embedded SQLite database, through the
same stores, engine and credit account an application uses, and says in plain
words what happens. The database file stays behind so it can be opened.
"""

from __future__ import annotations

import pathlib
import tempfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import attrs
from moneyed import Money

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
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord, OrderStatus
from b2b_customers.errors import MissingDependency
from b2b_customers.ids import (
    CompanyId,
    ContactAssignmentId,
    CreditAccountId,
    CustomerGroupId,
    CustomerId,
    LimitId,
    LocationId,
    OrderId,
    SequentialIds,
)
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    CreditPosition,
    Decision,
    DecisionContext,
    LimitScope,
    OrderTotalLimit,
    PoNumberRequired,
    PurchasingLimit,
    decide,
)

if TYPE_CHECKING:
    import argparse

    from b2b_customers.ports import Store

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
    say = _Narrator()
    ids = SequentialIds("evt-")

    say.title(f"The database: {path}")
    _onboard(store)
    say.line("ACME Group (Berlin) with ACME North (and its Hamburg branch) and ACME South.")
    say.line("Anna is admin and approver at head office, Bob buys for North, Rita is a")
    say.line("requester at South, Fiona is the finance contact who receives invoices.")

    say.title("The rules")
    for limit in _limits():
        say.line(f"{limit.name}: {limit.on_exceed.value} when crossed")
    say.line("Credit: one 30,000.00 EUR line for the whole group, invoices due Net 30.")

    say.title("1. Bob orders drills for 1,200.00 EUR")
    first = _order(BOB, NORTH, "DRILL-9", 2, "600")
    decision = _decide(store, first)
    say.decision(decision)
    _place(store, first, OrderId("order-1"), decision, entry_id=ids())
    clock.advance(timedelta(days=1))
    _invoice(store, "order-1", "inv-1", Money("1200", "EUR"), entry_id=ids())
    say.line("Placed; credit reserved, then invoiced: 1,200.00 EUR due in 30 days.")

    say.title("2. Bob orders a generator for 6,600.00 EUR")
    clock.advance(timedelta(days=2))
    big = _order(BOB, NORTH, "GEN-40", 1, "6600", po_number="PO-4471")
    decision = _decide(store, big)
    say.decision(decision)
    _place(store, big, OrderId("order-2"), decision, entry_id=ids())
    say.line("Recorded as pending approval, with its credit reserved until Anna decides.")
    clock.advance(timedelta(hours=3))
    _approve(store, OrderId("order-2"))
    say.line("Anna (admin) approves it: the order is placed.")

    say.title("3. Rita (a requester at South) orders paper for 180.00 EUR")
    paper = _order(RITA, SOUTH, "PAPER-A4", 40, "4.50")
    say.decision(_decide(store, paper))

    say.title("4. The group's credit goes on hold")
    clock.advance(timedelta(days=40))
    with store.unit_of_work() as uow:
        account = uow.credit.get(ACCOUNT)
        uow.credit.save(
            account.place_hold("invoice inv-1 is overdue", at=clock.now(), automatic=True)
        )
        uow.commit()
    say.decision(_decide(store, _order(BOB, NORTH, "DRILL-9", 1, "600")))

    say.title("5. Statement and aging")
    _statement(store, say)
    say.title("Done")
    say.line(f"Open the database with any SQLite tool: sqlite3 {path}")
    return ExitCode.OK


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


def _decide(store: Store, order: OrderDraft) -> Decision:
    with store.unit_of_work() as uow:
        company = uow.companies.get(order.company_id)
        ancestors = tuple(c.id for c in uow.companies.ancestors(company.id))
        account = uow.credit.for_company(company.id)
        credit = CreditPosition(
            credit_limit=account.credit_limit,
            balance=account.balance,
            reserved=account.reserved,
            on_hold=account.on_hold,
        )
        context = DecisionContext(
            company=company,
            buyer=uow.customers.get(order.buyer_id),
            limits=uow.limits.set_on((company.id, *ancestors)),
            spend=uow.orders,
            ancestors=ancestors,
            credit=credit,
        )
        return decide(order, context, store.clock.now())


def _place(
    store: Store, order: OrderDraft, order_id: OrderId, decision: Decision, *, entry_id: str
) -> None:
    status = OrderStatus.PLACED if decision.allowed else OrderStatus.PENDING_APPROVAL
    with store.unit_of_work() as uow:
        now = store.clock.now()
        uow.orders.add(OrderRecord.from_draft(order_id, order, now, status))
        account = uow.credit.for_company(order.company_id)
        account, entry = account.reserve(order_id, order.total, entry_id=entry_id, at=now)
        uow.credit.save(account, [entry])
        uow.commit()


def _approve(store: Store, order_id: OrderId) -> None:
    with store.unit_of_work() as uow:
        order = uow.orders.get(order_id)
        uow.orders.save(_with_status(order, OrderStatus.PLACED))
        uow.commit()


def _with_status(order: OrderRecord, status: OrderStatus) -> OrderRecord:
    return attrs.evolve(order, status=status)


def _invoice(store: Store, order_id: str, invoice: str, amount: Money, *, entry_id: str) -> None:
    with store.unit_of_work() as uow:
        account = uow.credit.get(ACCOUNT)
        account, entry = account.post_invoice(
            invoice, amount, entry_id=entry_id, at=store.clock.now(), order_reference=order_id
        )
        uow.credit.save(account, [entry])
        uow.commit()


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
