"""The audit log through the services: one entry per change, before and after, read by auditors.

Every test runs on the memory store, an SQLite file and PostgreSQL (``conftest.app``).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from unittest.mock import ANY

import pytest

from b2b_customers.domain import ActorKind, AuditLogEntry, Role
from b2b_customers.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId
from b2b_customers.services import Staff, StaffRole
from tests.services.recording import CONVERTER, audit_of, events_of, snapshot

if TYPE_CHECKING:
    from b2b_customers.app import App
    from b2b_customers.clock import ManualClock

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
CONTROLLER = Staff(id="s-2", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})
ADMIN = Staff(id="s-9", name="Ada Admin", roles={StaffRole.ADMINISTRATOR})
ACME = CompanyId("acme")
NORTH = CompanyId("north")


def _history(app: App, aggregate_type: str, aggregate_id: str) -> list[AuditLogEntry]:
    with app.store.unit_of_work() as uow:
        return list(uow.audit.for_aggregate(aggregate_type, aggregate_id).items)


def _rebuilt(entries: list[AuditLogEntry]) -> dict[str, Any] | None:
    state: dict[str, Any] | None = None
    for entry in entries:
        state = entry.applied_to(state)
    return state


def test_every_company_change_leaves_exactly_one_entry_with_before_and_after(app: App) -> None:
    acme = app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    north = app.companies.add_subsidiary(actor=REP, id="north", parent=ACME, name="North")
    app.companies.put_on_hold(actor=CONTROLLER, company_id=ACME)
    # Lifting a hold needs the permission to hold companies (a sales rep lacks it).
    active = app.companies.activate(actor=CONTROLLER, company_id=ACME)
    moved = app.companies.move(actor=ADMIN, company_id=NORTH, new_parent=None)
    closed = app.companies.deactivate(actor=REP, company_id=NORTH)
    acme_log = _history(app, "company", "acme")
    assert [(e.action, e.actor_id) for e in acme_log] == [
        ("company.created", "s-1"),
        ("company.put_on_hold", "s-2"),
        ("company.activated", "s-2"),
    ]
    assert (acme_log[0].before, acme_log[0].after) == (None, CONVERTER.unstructure(acme))
    # A change keeps only the fields that changed, before and after.
    assert [(e.before, e.after) for e in acme_log[1:]] == [
        ({"status": "active", "version": 1}, {"status": "on_hold", "version": 2}),
        ({"status": "on_hold", "version": 2}, {"status": "active", "version": 3}),
    ]
    assert _rebuilt(acme_log) == CONVERTER.unstructure(active) | {"updated_at": ANY}
    north_log = _history(app, "company", "north")
    assert [e.action for e in north_log] == [
        "company.created",
        "company.moved",
        "company.deactivated",
    ]
    assert north_log[1].changed_fields == ["parent_id", "version"]
    assert north_log[0].after == CONVERTER.unstructure(north)
    assert north_log[1].after == {"parent_id": None, "version": moved.version}
    assert north_log[2].after == {"status": "inactive", "version": closed.version}
    assert _rebuilt(north_log) == CONVERTER.unstructure(closed) | {"updated_at": ANY}
    assert all(e.actor_kind is ActorKind.SELLER for e in acme_log + north_log)
    # One entry per event, with the event's id.
    with app.store.unit_of_work() as uow:
        event_ids = [entry.event.id for entry in uow.outbox.pending(limit=100)]
    assert sorted(event_ids) == sorted(e.id for e in acme_log + north_log)


def test_every_customer_change_leaves_exactly_one_entry(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    bob = app.customers.invite(
        actor=REP,
        company=ACME,
        email="bob@acme.example",
        first_name="Bob",
        last_name="Buyer",
        roles=[Role.BUYER],
    )
    active = app.customers.activate(actor=bob, customer=bob.id)
    approver = app.customers.assign_roles(
        actor=REP, customer=bob.id, company=ACME, roles=[Role.BUYER, Role.APPROVER]
    )
    gone = app.customers.remove_from_company(actor=REP, customer=bob.id, company=ACME)
    log = _history(app, "customer", bob.id)
    assert [(e.action, e.actor_id, e.actor_kind) for e in log] == [
        ("customer.created", "s-1", ActorKind.SELLER),
        ("customer.updated", bob.id, ActorKind.CUSTOMER),
        ("customer.updated", "s-1", ActorKind.SELLER),
        ("customer.updated", "s-1", ActorKind.SELLER),
    ]
    states = [CONVERTER.unstructure(s) for s in (bob, active, approver, gone)]
    assert (log[0].before, log[0].after) == (None, states[0])
    for entry, (before, after) in zip(log[1:], itertools.pairwise(states), strict=True):
        assert entry.before == {key: before[key] for key in entry.changed_fields}
        assert entry.after == {key: after[key] for key in entry.changed_fields}
    assert _rebuilt(log) == states[-1] | {"updated_at": ANY}
    assert [e.action for e in audit_of(app, "acme")] == [
        "company.created",
        "customer.created",
        "customer.updated",
        "customer.updated",
    ]  # the activation names no company


def test_a_failed_call_leaves_no_audit_entry(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR", account_number="A1")
    bob = app.customers.invite(
        actor=REP,
        company=ACME,
        email="bob@acme.example",
        first_name="Bob",
        last_name="Buyer",
        roles=[Role.BUYER],
        active=True,
    )
    before = snapshot(app)
    with pytest.raises(AlreadyExists):
        app.companies.onboard(
            actor=REP, id="acme2", name="Copy", currency="EUR", account_number="A1"
        )
    with pytest.raises(PermissionDenied):
        app.companies.put_on_hold(actor=bob, company_id=ACME)
    with pytest.raises(ValidationError):
        app.customers.assign_roles(
            actor=REP, customer=bob.id, company=ACME, roles=[Role.ADMIN, Role.BUYER]
        )
    assert snapshot(app) == before
    assert len(audit_of(app, "acme")) == len(events_of(app)) == 2


@pytest.fixture
def tree(app: App) -> App:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=ACME, name="North")
    app.companies.onboard(actor=REP, id="bolt", name="Bolt", currency="EUR")
    return app


def _person(app: App, email: str, company: CompanyId, role: Role):
    return app.customers.invite(
        actor=REP,
        company=company,
        email=email,
        first_name="P",
        last_name=email.split("@", maxsplit=1)[0],
        roles=[role],
        active=True,
    )


def test_auditors_read_the_companies_they_oversee_and_nobody_else_does(tree: App) -> None:
    anna = _person(tree, "anna@acme.example", ACME, Role.ADMIN)
    fred = _person(tree, "fred@acme.example", ACME, Role.FINANCE)
    bob = _person(tree, "bob@acme.example", ACME, Role.BUYER)
    eve = _person(tree, "eve@bolt.example", CompanyId("bolt"), Role.ADMIN)
    for auditor in (anna, fred, CONTROLLER, ADMIN):
        page = tree.audit.for_company(actor=auditor, company_id=NORTH)
        assert [e.action for e in page.items] == ["company.created"]
    assert tree.audit.for_company(actor=anna, company_id=ACME).total == 4  # created, 3 invited
    for outsider in (bob, eve, REP):  # eve does not even see ACME: it is not found
        with pytest.raises(NotFound if outsider is eve else PermissionDenied):
            tree.audit.for_company(actor=outsider, company_id=ACME)


def test_the_audit_query_filters_by_time_and_aggregate_and_pages(
    tree: App, clock: ManualClock
) -> None:
    start = clock.now()
    clock.advance(timedelta(hours=1))
    _person(tree, "anna@acme.example", ACME, Role.ADMIN)
    clock.advance(timedelta(hours=1))
    tree.companies.put_on_hold(actor=CONTROLLER, company_id=ACME)
    later = start + timedelta(hours=1)

    def actions(**query: object) -> list[str]:
        page = tree.audit.for_company(actor=CONTROLLER, company_id=ACME, **query)  # type: ignore[arg-type]
        return [e.action for e in page.items]

    assert actions() == ["company.created", "customer.created", "company.put_on_hold"]
    assert actions(since=later) == ["customer.created", "company.put_on_hold"]
    assert actions(until=later) == ["company.created"]
    assert actions(aggregate_type="customer") == ["customer.created"]
    assert actions(aggregate_id="acme") == ["company.created", "company.put_on_hold"]
    assert actions(offset=1, limit=1) == ["customer.created"]
    with pytest.raises(ValidationError):
        tree.audit.for_company(actor=CONTROLLER, company_id=ACME, since=datetime(2026, 4, 1))  # noqa: DTZ001
    with pytest.raises(ValidationError):
        tree.audit.for_company(actor=CONTROLLER, company_id=ACME, limit=0)
