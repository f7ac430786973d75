"""Locations: added and changed by those who manage the company, flags kept unique, audited.

Every test runs on the memory store, an SQLite file and PostgreSQL (``conftest.app``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from b2b_customers.domain import Address, Role
from b2b_customers.errors import NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, LocationId
from b2b_customers.services import Staff, StaffRole
from tests.services.recording import CONVERTER, audit_of, events_of, snapshot

if TYPE_CHECKING:
    from b2b_customers.app import App

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
KIEL = Address(lines=["Am Hafen 3"], city="Kiel", country="DE", postcode="24103")
GRAZ = Address(lines=["Hauptplatz 1"], city="Graz", country="AT", postcode="8010")


@pytest.fixture
def acme(app: App) -> App:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=CompanyId("acme"), name="North")
    return app


def _member(app: App, email: str, company: str, role: Role):
    return app.customers.invite(
        actor=REP,
        company=CompanyId(company),
        email=email,
        first_name=email.split("@", maxsplit=1)[0].title(),
        last_name="Person",
        roles=[role],
        active=True,
    )


def test_the_first_location_becomes_primary_and_leaves_one_audit_entry(acme: App) -> None:
    before = len(audit_of(acme, "acme"))
    kiel = acme.locations.add(actor=REP, company=CompanyId("acme"), name="Kiel", address=KIEL)
    assert kiel.is_primary
    entries = audit_of(acme, "acme")[before:]
    assert [(e.action, e.aggregate_id, e.actor_id) for e in entries] == [
        ("location.created", kiel.id, "s-1")
    ]
    assert entries[0].before is None
    assert entries[0].after == CONVERTER.unstructure(kiel)
    assert events_of(acme)[-1] == ("location.created", kiel.id)


def test_a_default_moves_from_one_location_to_another_and_both_changes_are_audited(
    acme: App,
) -> None:
    company = CompanyId("acme")
    kiel = acme.locations.add(
        actor=REP, company=company, name="Kiel", address=KIEL, is_default_billing=True
    )
    graz = acme.locations.add(actor=REP, company=company, name="Graz", address=GRAZ)
    before = len(audit_of(acme, "acme"))
    acme.locations.set_default_billing(actor=REP, location=graz.id)
    entries = audit_of(acme, "acme")[before:]
    assert [(e.action, e.aggregate_id) for e in entries] == [
        ("location.updated", kiel.id),
        ("location.updated", graz.id),
    ]
    assert entries[0].before is not None
    assert entries[0].after is not None
    assert (entries[0].before["is_default_billing"], entries[0].after["is_default_billing"]) == (
        True,
        False,
    )
    assert entries[1].changed_fields == ["is_default_billing", "version"]  # the clock stood still
    book = {loc.name: loc for loc in acme.locations.for_company(actor=REP, company=company)}
    assert (book["Kiel"].is_default_billing, book["Graz"].is_default_billing) == (False, True)


def test_shipping_default_and_primary_move_the_same_way(acme: App) -> None:
    company = CompanyId("acme")
    kiel = acme.locations.add(actor=REP, company=company, name="Kiel", address=KIEL)
    graz = acme.locations.add(actor=REP, company=company, name="Graz", address=GRAZ)
    acme.locations.set_default_shipping(actor=REP, location=graz.id)
    moved = acme.locations.make_primary(actor=REP, location=graz.id)
    assert (moved.is_primary, moved.is_default_shipping) == (True, True)
    book = {loc.id: loc for loc in acme.locations.for_company(actor=REP, company=company)}
    assert not book[kiel.id].is_primary


def test_an_update_changes_the_fields_given_and_records_before_and_after(acme: App) -> None:
    kiel = acme.locations.add(actor=REP, company=CompanyId("acme"), name="Kiel", address=KIEL)
    renamed = acme.locations.update(actor=REP, location=kiel.id, name="Kiel harbour", tags=["sea"])
    assert (renamed.name, renamed.tags, renamed.version) == ("Kiel harbour", frozenset({"sea"}), 2)
    last = audit_of(acme, "acme")[-1]
    assert last.before == {"name": "Kiel", "tags": [], "version": 1}
    assert last.after == {"name": "Kiel harbour", "tags": ["sea"], "version": 2}
    assert last.applied_to(CONVERTER.unstructure(kiel)) == CONVERTER.unstructure(renamed) | {
        "updated_at": CONVERTER.unstructure(kiel)["updated_at"]
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"colour": "red"},
        {"company_id": "north"},
        {"version": 7},
        {"id": "other"},
        {"is_primary": False},
        {"name": ""},
    ],
)
def test_a_refused_update_writes_nothing(acme: App, changes: dict[str, object]) -> None:
    kiel = acme.locations.add(actor=REP, company=CompanyId("acme"), name="Kiel", address=KIEL)
    before = snapshot(acme)
    with pytest.raises(ValidationError):
        acme.locations.update(actor=REP, location=kiel.id, **changes)
    assert snapshot(acme) == before


def test_an_unknown_field_on_add_is_refused_before_anything_is_written(acme: App) -> None:
    before = snapshot(acme)
    with pytest.raises(ValidationError, match="colour"):
        acme.locations.add(
            actor=REP, company=CompanyId("acme"), name="Kiel", address=KIEL, colour="red"
        )
    with pytest.raises(NotFound):
        acme.locations.add(actor=REP, company=CompanyId("nowhere"), name="Kiel", address=KIEL)
    assert snapshot(acme) == before


def test_admins_above_manage_locations_but_buyers_and_strangers_do_not(acme: App) -> None:
    anna = _member(acme, "anna@acme.example", "acme", Role.ADMIN)
    bob = _member(acme, "bob@acme.example", "north", Role.BUYER)
    acme.companies.onboard(actor=REP, id="bolt", name="Bolt", currency="EUR")
    eve = _member(acme, "eve@bolt.example", "bolt", Role.ADMIN)
    site = acme.locations.add(actor=anna, company=CompanyId("north"), name="Depot", address=KIEL)
    assert audit_of(acme, "north")[-1].actor_kind.value == "customer"
    before = snapshot(acme)
    for stranger in (bob, eve):  # eve does not see North at all: not found
        refused = NotFound if stranger is eve else PermissionDenied
        with pytest.raises(refused):
            acme.locations.add(actor=stranger, company=CompanyId("north"), name="X", address=GRAZ)
        with pytest.raises(refused):
            acme.locations.update(actor=stranger, location=site.id, name="Mine")
    assert snapshot(acme) == before


def test_removing_the_primary_needs_a_successor(acme: App) -> None:
    company = CompanyId("acme")
    kiel = acme.locations.add(actor=REP, company=company, name="Kiel", address=KIEL)
    graz = acme.locations.add(actor=REP, company=company, name="Graz", address=GRAZ)
    before = snapshot(acme)
    with pytest.raises(ValidationError, match="new_primary"):
        acme.locations.remove(actor=REP, location=kiel.id)
    with pytest.raises(NotFound):
        acme.locations.remove(actor=REP, location=LocationId("nowhere"))
    assert snapshot(acme) == before
    acme.locations.remove(actor=REP, location=kiel.id, new_primary=graz.id)
    removed, promoted = audit_of(acme, "acme")[-2:]
    assert (removed.action, removed.after, removed.before) == (
        "location.removed",
        None,
        CONVERTER.unstructure(kiel),
    )
    assert (promoted.action, promoted.aggregate_id) == ("location.updated", graz.id)
    assert [loc.id for loc in acme.locations.for_company(actor=REP, company=company)] == [graz.id]
