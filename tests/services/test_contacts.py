"""Contacts: members named as contacts with subscriptions, one primary per type, audited.

Every test runs on the memory store, an SQLite file and PostgreSQL (``conftest.app``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from b2b_customers.domain import ContactType, Customer, NotificationEvent, Role
from b2b_customers.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId
from b2b_customers.services import Staff, StaffRole
from tests.services.recording import CONVERTER, audit_of, events_of, snapshot

if TYPE_CHECKING:
    from b2b_customers.app import App

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
ACME = CompanyId("acme")
NORTH = CompanyId("north")


def _member(app: App, email: str, company: CompanyId, *roles: Role) -> Customer:
    return app.customers.invite(
        actor=REP,
        company=company,
        email=email,
        first_name=email.split("@", maxsplit=1)[0].title(),
        last_name="Person",
        roles=roles or [Role.CONTACT],
        active=True,
    )


@pytest.fixture
def acme(app: App) -> App:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=ACME, name="North")
    return app


def test_assigning_a_contact_stores_it_and_leaves_one_audit_entry(acme: App) -> None:
    carl = _member(acme, "carl@acme.example", ACME)
    before = len(audit_of(acme, "acme"))
    contact = acme.contacts.assign(
        actor=REP,
        company=ACME,
        customer=carl.id,
        type="billing",
        primary=True,
        subscriptions=["invoice_posted", NotificationEvent.STATEMENTS],
    )
    assert (contact.type, contact.is_primary) == (ContactType.BILLING, True)
    assert contact.subscriptions == {NotificationEvent.INVOICE_POSTED, NotificationEvent.STATEMENTS}
    entries = audit_of(acme, "acme")[before:]
    assert [(e.action, e.aggregate_type, e.aggregate_id) for e in entries] == [
        ("contact.assigned", "contact", contact.id)
    ]
    assert (entries[0].before, entries[0].after) == (None, CONVERTER.unstructure(contact))
    assert events_of(acme)[-1] == ("contact.assigned", contact.id)
    assert acme.contacts.for_company(actor=REP, company=ACME) == [contact]


def test_a_new_primary_takes_the_flag_from_the_old_one(acme: App) -> None:
    carl = _member(acme, "carl@acme.example", ACME)
    dora = _member(acme, "dora@acme.example", ACME, Role.BUYER)
    first = acme.contacts.assign(actor=REP, company=ACME, customer=carl.id, primary=True)
    before = len(audit_of(acme, "acme"))
    second = acme.contacts.assign(actor=REP, company=ACME, customer=dora.id, primary=True)
    entries = audit_of(acme, "acme")[before:]
    assert [(e.action, e.aggregate_id) for e in entries] == [
        ("contact.updated", first.id),
        ("contact.assigned", second.id),
    ]
    assert entries[0].changed_fields == ["is_primary", "version"]
    primaries = [c.id for c in acme.contacts.for_company(actor=REP, company=ACME) if c.is_primary]
    assert primaries == [second.id]


def test_changing_and_removing_are_audited_with_before_and_after(acme: App) -> None:
    carl = _member(acme, "carl@acme.example", ACME)
    contact = acme.contacts.assign(actor=REP, company=ACME, customer=carl.id)
    changed = acme.contacts.change(
        actor=REP, contact=contact.id, type="logistics", subscriptions=["shipment"]
    )
    assert (changed.type, changed.subscriptions, changed.is_primary) == (
        ContactType.LOGISTICS,
        frozenset({NotificationEvent.SHIPMENT}),
        False,
    )
    updated = audit_of(acme, "acme")[-1]
    assert (updated.action, updated.before, updated.after) == (
        "contact.updated",
        {"subscriptions": [], "type": "contact", "version": 1},
        {"subscriptions": ["shipment"], "type": "logistics", "version": 2},
    )
    removed = acme.contacts.remove(actor=REP, contact=contact.id)
    assert removed == changed
    last = audit_of(acme, "acme")[-1]
    assert (last.action, last.before, last.after) == (
        "contact.removed",
        CONVERTER.unstructure(changed),
        None,
    )
    assert acme.contacts.for_company(actor=REP, company=ACME) == []
    with acme.store.unit_of_work() as uow:
        assert ACME in uow.customers.get(carl.id).company_ids  # still a member


def test_only_members_of_the_company_become_its_contacts(acme: App) -> None:
    outsider = _member(acme, "out@north.example", NORTH)
    before = snapshot(acme)
    with pytest.raises(ValidationError, match="not a member"):
        acme.contacts.assign(actor=REP, company=ACME, customer=outsider.id)
    with pytest.raises(NotFound):
        acme.contacts.assign(actor=REP, company=ACME, customer=CustomerId("nobody"))
    with pytest.raises(ValidationError, match="notification"):
        acme.contacts.assign(actor=REP, company=NORTH, customer=outsider.id, subscriptions=["x"])
    assert snapshot(acme) == before


def test_a_customer_is_assigned_once_per_company_and_the_refusal_writes_nothing(
    acme: App,
) -> None:
    carl = _member(acme, "carl@acme.example", ACME)
    acme.contacts.assign(actor=REP, company=ACME, customer=carl.id)
    before = snapshot(acme)
    with pytest.raises(AlreadyExists):
        acme.contacts.assign(actor=REP, company=ACME, customer=carl.id, type="billing")
    with pytest.raises(NotFound):
        acme.contacts.change(actor=REP, contact=ContactAssignmentId("nowhere"), primary=True)
    assert snapshot(acme) == before


def test_admins_of_the_company_or_above_manage_contacts_others_do_not(acme: App) -> None:
    anna = _member(acme, "anna@acme.example", ACME, Role.ADMIN)
    nils = _member(acme, "nils@north.example", NORTH, Role.ADMIN)
    bob = _member(acme, "bob@acme.example", ACME, Role.BUYER)
    nora = _member(acme, "nora@north.example", NORTH)
    carl = _member(acme, "carl@acme.example", ACME)
    assigned = acme.contacts.assign(actor=anna, company=NORTH, customer=nora.id, primary=True)
    assert audit_of(acme, "north")[-1].actor_id == anna.id
    before = snapshot(acme)
    with pytest.raises(NotFound):
        acme.contacts.assign(actor=nils, company=ACME, customer=carl.id)  # not above: unseen
    with pytest.raises(PermissionDenied):
        acme.contacts.assign(actor=bob, company=ACME, customer=carl.id)  # not an admin
    with pytest.raises(NotFound):  # a buyer at ACME does not see North
        acme.contacts.remove(actor=bob, contact=assigned.id)
    assert snapshot(acme) == before
    acme.contacts.change(actor=nils, contact=assigned.id, subscriptions=["statements"])
