"""Purchasing-limit use cases on every store: set, change, remove, and which apply."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from moneyed import Money

from b2b_customers.domain import Role
from b2b_customers.errors import CurrencyMismatch, NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId
from b2b_customers.limits import LimitScope, OrderTotalLimit, QuantityLimit
from b2b_customers.services import Staff, StaffRole
from tests.services.store_snapshot import snapshot

if TYPE_CHECKING:
    from b2b_customers.app import App

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
ADMIN = Staff(id="s-9", name="Ada Admin", roles={StaffRole.ADMINISTRATOR})
ACME = CompanyId("acme")
NORTH = CompanyId("north")


def group(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=ACME, name="North")


def test_limits_on_every_kind_of_scope_and_which_apply(app: App) -> None:
    group(app)
    bob = app.customers.invite(
        actor=REP,
        company=NORTH,
        email="bob@acme.example",
        first_name="Bob",
        last_name="B",
        roles=[Role.BUYER],
        active=True,
    )
    cap = OrderTotalLimit(maximum=Money("500", "EUR"))
    shared = app.limits.set(
        actor=ADMIN,
        scope=LimitScope(kind="company", company_id=ACME, include_subtree=True),
        rule=cap,
    )
    own = app.limits.set(actor=ADMIN, scope=LimitScope(kind="company", company_id=ACME), rule=cap)
    buyer = app.limits.set(
        actor=ADMIN,
        scope=LimitScope(kind="customer", company_id=NORTH, target=bob.id),
        rule=QuantityLimit(max_quantity=10),
        on_exceed="deny",
    )
    role = app.limits.set(
        actor=ADMIN,
        scope=LimitScope(kind="role", company_id=NORTH, target="buyer"),
        rule=cap,
        name="Buyers' cap",
    )
    applying = {limit.id for limit in app.limits.for_company(actor=REP, company=NORTH)}
    assert applying == {shared.id, buyer.id, role.id}
    assert own.id not in applying

    changed = app.limits.change(actor=ADMIN, limit=role.id, active=False, name="Old cap")
    assert (changed.active, changed.name, changed.version) == (False, "Old cap", 2)
    assert role.id not in {x.id for x in app.limits.for_company(actor=REP, company=NORTH)}
    assert role.id in {
        x.id for x in app.limits.for_company(actor=REP, company=NORTH, include_inactive=True)
    }
    app.limits.remove(actor=ADMIN, limit=buyer.id)
    with app.store.unit_of_work() as uow:
        with pytest.raises(NotFound):
            uow.limits.get(buyer.id)
        names = [entry.event.name for entry in uow.outbox.pending()]
    assert names[-6:] == [
        "limit.set",
        "limit.set",
        "limit.set",
        "limit.set",
        "limit.changed",
        "limit.removed",
    ]


def test_managing_limits_needs_the_permission_and_a_refusal_writes_nothing(app: App) -> None:
    group(app)
    cap = OrderTotalLimit(maximum=Money("500", "EUR"))
    limit = app.limits.set(actor=ADMIN, scope=LimitScope(kind="company", company_id=ACME), rule=cap)
    before = snapshot(app)
    with pytest.raises(PermissionDenied):
        app.limits.set(actor=REP, scope=LimitScope(kind="company", company_id=ACME), rule=cap)
    with pytest.raises(PermissionDenied):
        app.limits.change(actor=REP, limit=limit.id, active=False)
    with pytest.raises(PermissionDenied):
        app.limits.remove(actor=REP, limit=limit.id)
    assert snapshot(app) == before


def test_a_limit_must_fit_its_company(app: App) -> None:
    group(app)
    before = snapshot(app)
    with pytest.raises(CurrencyMismatch):
        app.limits.set(
            actor=ADMIN,
            scope=LimitScope(kind="company", company_id=ACME),
            rule=OrderTotalLimit(maximum=Money("5", "USD")),
        )
    with pytest.raises(NotFound):
        app.limits.set(
            actor=ADMIN,
            scope=LimitScope(kind="location", company_id=ACME, target="nowhere"),
            rule=QuantityLimit(max_quantity=1),
        )
    with pytest.raises(ValidationError):
        app.limits.set(actor=ADMIN, scope="acme", rule=QuantityLimit(max_quantity=1))  # type: ignore[arg-type]
    assert snapshot(app) == before
