"""Services: one unit of work each, authorized first, events recorded, nothing written on failure.

Every test runs on the memory store, an SQLite file and PostgreSQL (``conftest.app``).
"""

from __future__ import annotations

import pytest
from moneyed import Money

from b2b_customers.app import App, connect
from b2b_customers.domain import CompanyStatus, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import HierarchyError, NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, CustomerId, LimitId
from b2b_customers.limits import LimitScope, OrderTotalLimit, Outcome, PurchasingLimit
from b2b_customers.ports import CompanyQuery
from b2b_customers.services import Staff, StaffRole

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
CONTROLLER = Staff(id="s-2", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})


def companies_in(app: App) -> list[str]:
    with app.store.unit_of_work() as uow:
        return [c.id for c in uow.companies.search(CompanyQuery(limit=1000)).items]


def test_staff_onboard_a_company_with_its_group_and_an_event(app: App) -> None:
    acme = app.companies.onboard(
        actor=REP, id="acme", name="ACME GmbH", currency="EUR", time_zone="Europe/Berlin"
    )
    with app.store.unit_of_work() as uow:
        assert uow.groups.for_company(acme.id).name == "ACME GmbH customers"
        events = [entry.event for entry in uow.outbox.pending()]
    assert [(e.name, e.aggregate_id, e.actor) for e in events] == [
        ("company.created", "acme", "s-1")
    ]
    assert events[0].payload["currency"] == "EUR"


def test_a_subsidiary_inherits_currency_and_zone(app: App) -> None:
    app.companies.onboard(
        actor=REP, id="acme", name="ACME", currency="CHF", time_zone="Europe/Zurich"
    )
    north = app.companies.add_subsidiary(actor=REP, parent=CompanyId("acme"), name="North")
    assert (north.parent_id, north.currency, north.time_zone) == ("acme", "CHF", "Europe/Zurich")


def test_a_customer_may_not_onboard_and_nothing_is_written(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    anna = app.customers.invite(
        actor=REP,
        company=CompanyId("acme"),
        email="anna@acme.example",
        first_name="Anna",
        last_name="Admin",
        roles=[Role.ADMIN],
        active=True,
    )
    with pytest.raises(PermissionDenied):
        app.companies.onboard(actor=anna, id="rogue", name="Rogue", currency="EUR")
    assert companies_in(app) == ["acme"]


def test_an_admin_manages_users_of_the_subtree_but_a_buyer_does_not(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=CompanyId("acme"), name="North")
    anna = app.customers.invite(
        actor=REP,
        company=CompanyId("acme"),
        email="anna@acme.example",
        first_name="Anna",
        last_name="Admin",
        roles=[Role.ADMIN],
        active=True,
    )
    bob = app.customers.invite(
        actor=anna,
        company=CompanyId("north"),
        email="bob@acme.example",
        first_name="Bob",
        last_name="Buyer",
        roles=[Role.BUYER],
        active=True,
    )
    with pytest.raises(PermissionDenied):
        app.customers.invite(
            actor=bob,
            company=CompanyId("north"),
            email="eve@acme.example",
            first_name="Eve",
            last_name="E",
            roles=[Role.ADMIN],
        )
    with pytest.raises(
        PermissionDenied
    ):  # no privilege escalation: a buyer cannot make himself admin
        app.customers.assign_roles(
            actor=bob, customer=bob.id, company=CompanyId("north"), roles=[Role.ADMIN]
        )
    with app.store.unit_of_work() as uow:
        assert uow.customers.get(bob.id).roles_in(CompanyId("north")) == {Role.BUYER}
        assert bob.id in uow.groups.for_company(CompanyId("north")).member_ids


def test_a_bad_role_combination_writes_nothing(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    with pytest.raises(ValidationError):
        app.customers.invite(
            actor=REP,
            company=CompanyId("acme"),
            email="x@acme.example",
            first_name="X",
            last_name="Y",
            roles=[Role.ADMIN, Role.BUYER],
        )
    with app.store.unit_of_work() as uow:
        assert uow.groups.for_company(CompanyId("acme")).member_ids == frozenset()
        assert [e.event.name for e in uow.outbox.pending()] == ["company.created"]


def test_a_move_that_makes_a_cycle_is_refused_and_changes_nothing(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=CompanyId("acme"), name="North")
    admin = Staff(id="s-9", name="Ada Admin", roles={StaffRole.ADMINISTRATOR})
    with pytest.raises(HierarchyError):
        app.companies.move(actor=admin, company_id=CompanyId("acme"), new_parent=CompanyId("north"))
    with pytest.raises(PermissionDenied):
        app.companies.move(actor=REP, company_id=CompanyId("north"), new_parent=None)
    assert app.companies.get(actor=REP, company_id=CompanyId("acme")).parent_id is None


def test_orders_are_checked_against_the_stored_limits(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    bob = app.customers.invite(
        actor=REP,
        company=CompanyId("acme"),
        email="bob@acme.example",
        first_name="Bob",
        last_name="Buyer",
        roles=[Role.BUYER],
        active=True,
    )
    with app.store.unit_of_work() as uow:
        uow.limits.add(
            PurchasingLimit(
                id=LimitId("cap"),
                scope=LimitScope(kind="company", company_id=CompanyId("acme")),
                rule=OrderTotalLimit(maximum=Money(500, "EUR")),
            )
        )
        uow.commit()

    def order(amount: str, buyer: CustomerId = bob.id) -> OrderDraft:
        return OrderDraft(
            company_id=CompanyId("acme"),
            buyer_id=buyer,
            lines=[OrderLine(sku="S", quantity=1, unit_price=Money(amount, "EUR"))],
        )

    assert app.orders.check(actor=bob, order=order("500")).outcome is Outcome.ALLOWED
    assert app.orders.check(actor=bob, order=order("500.01")).outcome is Outcome.APPROVAL_REQUIRED
    app.companies.put_on_hold(actor=CONTROLLER, company_id=CompanyId("acme"))
    assert app.orders.check(actor=bob, order=order("1")).outcome is Outcome.DENIED
    with pytest.raises(PermissionDenied, match="only on their own orders"):
        app.orders.check(actor=bob, order=order("1", buyer=CustomerId("someone-else")))
    assert (
        app.companies.get(actor=REP, company_id=CompanyId("acme")).status is CompanyStatus.ON_HOLD
    )


def test_an_invited_customer_acts_only_once_activated(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    ivy = app.customers.invite(
        actor=REP,
        company=CompanyId("acme"),
        email="ivy@acme.example",
        first_name="Ivy",
        last_name="I",
        roles=[Role.ADMIN],
    )
    with pytest.raises(NotFound):  # an invited customer sees nothing yet
        app.companies.get(actor=ivy, company_id=CompanyId("acme"))
    ivy = app.customers.activate(actor=ivy, customer=ivy.id)
    assert app.companies.get(actor=ivy, company_id=CompanyId("acme")).id == "acme"


def test_an_unknown_url_is_refused_with_the_forms_that_work() -> None:
    with pytest.raises(ValidationError, match="memory://"):
        connect("mysql://nope")
