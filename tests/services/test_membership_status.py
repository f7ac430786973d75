"""A customer's standing is kept per company: each company's admin changes it at their own only."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.domain import CustomerStatus, Role
from b2b_customers.errors import InvalidTransition, NotFound, PermissionDenied
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.limits import Outcome
from b2b_customers.testing.snapshot import snapshot
from tests.services.world import ACME, CONTROLLER, GLOBEX, NORTH, REP, World, order, seed

if TYPE_CHECKING:
    from b2b_customers.app import App
    from b2b_customers.domain import Customer


def shared_bob(app: App) -> World:
    """The world, with Globex off hold and Bob a buyer at both North and Globex."""
    world = seed(app)
    app.companies.activate(actor=CONTROLLER, company_id=GLOBEX)
    app.customers.assign_roles(actor=REP, customer=world.bob.id, company=GLOBEX, roles=["buyer"])
    return world


def stored(app: App, customer: CustomerId) -> Customer:
    with app.store.unit_of_work() as uow:
        return uow.customers.get(customer)


def test_an_admin_deactivates_a_shared_customer_at_their_own_company_only(app: App) -> None:
    world = shared_bob(app)
    seen = app.customers.deactivate(actor=world.carl, customer=world.bob.id, company=GLOBEX)
    assert seen.company_ids == {GLOBEX}  # Carl sees Bob's Globex membership, no more
    assert seen.status_in(GLOBEX) is CustomerStatus.INACTIVE
    bob = stored(app, world.bob.id)
    assert bob.status is CustomerStatus.ACTIVE
    assert bob.membership_in(NORTH).status is CustomerStatus.ACTIVE  # type: ignore[union-attr]
    assert bob.membership_in(GLOBEX).status is CustomerStatus.INACTIVE  # type: ignore[union-attr]
    # Bob still acts for North, and has no authority at Globex.
    assert app.orders.check(actor=world.bob, order=order(NORTH, bob.id)).outcome is (
        Outcome.ALLOWED
    )
    assert app.companies.get(actor=world.bob, company_id=NORTH).id == NORTH
    before = snapshot(app.store)
    with pytest.raises(NotFound):
        app.companies.get(actor=world.bob, company_id=GLOBEX)
    with pytest.raises(NotFound):
        app.orders.place(actor=world.bob, order=order(GLOBEX, bob.id))
    assert snapshot(app.store) == before
    # Globex's admin still sees the member (to activate them again), who may not order there.
    decision = app.orders.check(actor=world.carl, order=order(GLOBEX, bob.id))
    assert decision.outcome is Outcome.DENIED
    assert "inactive at Globex" in decision.explain()
    again = app.customers.activate(actor=world.carl, customer=world.bob.id, company=GLOBEX)
    assert again.status_in(GLOBEX) is CustomerStatus.ACTIVE
    assert app.companies.get(actor=world.bob, company_id=GLOBEX).id == GLOBEX


def test_an_admin_lists_who_is_deactivated_at_their_company(app: App) -> None:
    world = shared_bob(app)
    app.customers.deactivate(actor=world.carl, customer=world.bob.id, company=GLOBEX)

    def listed(company: CompanyId, standing: str) -> list[CustomerId]:
        page = app.customers.search(actor=REP, company=company, membership_status=standing)
        return [customer.id for customer in page.items]

    assert listed(GLOBEX, "inactive") == [world.bob.id]
    assert world.bob.id not in listed(GLOBEX, "active")
    assert listed(NORTH, "inactive") == []  # still in standing at North
    assert world.bob.id in listed(NORTH, "active")
    page = app.customers.search(actor=world.carl, company=GLOBEX, membership_status="inactive")
    assert [customer.id for customer in page.items] == [world.bob.id]
    app.customers.activate(actor=world.carl, customer=world.bob.id, company=GLOBEX)
    assert listed(GLOBEX, "inactive") == []


def test_an_admin_never_changes_a_customers_standing_at_another_company(app: App) -> None:
    world = shared_bob(app)
    before = snapshot(app.store)
    with pytest.raises(NotFound):  # North is not Carl's to see
        app.customers.deactivate(actor=world.carl, customer=world.bob.id, company=NORTH)
    with pytest.raises(NotFound):
        app.customers.deactivate(actor=world.carl, customer=world.anna.id, company=ACME)
    with pytest.raises(PermissionDenied, match="company="):  # nor everywhere at once
        app.customers.deactivate(actor=world.carl, customer=world.bob.id)
    with pytest.raises(PermissionDenied, match="company="):
        app.customers.deactivate(actor=world.anna, customer=world.bob.id)
    with pytest.raises(PermissionDenied):  # a buyer manages no one's standing
        app.customers.deactivate(actor=world.bob, customer=world.carl.id, company=GLOBEX)
    assert snapshot(app.store) == before


def test_a_customer_who_is_no_member_answers_like_one_who_does_not_exist(app: App) -> None:
    world = shared_bob(app)
    before = snapshot(app.store)
    with pytest.raises(NotFound) as stranger:
        app.customers.deactivate(actor=world.carl, customer=world.anna.id, company=GLOBEX)
    with pytest.raises(NotFound) as nobody:
        app.customers.deactivate(actor=world.carl, customer=CustomerId("nobody"), company=GLOBEX)
    assert str(stranger.value).replace(world.anna.id, "?") == str(nobody.value).replace(
        "nobody", "?"
    )
    assert snapshot(app.store) == before


def test_the_standing_moves_only_between_different_statuses(app: App) -> None:
    world = shared_bob(app)
    before = snapshot(app.store)
    with pytest.raises(InvalidTransition, match="active at"):
        app.customers.activate(actor=world.carl, customer=world.bob.id, company=GLOBEX)
    assert snapshot(app.store) == before
    app.customers.deactivate(actor=world.carl, customer=world.bob.id, company=GLOBEX)
    with pytest.raises(InvalidTransition, match="inactive at"):
        app.customers.deactivate(actor=world.carl, customer=world.bob.id, company=GLOBEX)


def test_a_customer_steps_down_at_one_company_themselves(app: App) -> None:
    world = shared_bob(app)
    app.customers.deactivate(actor=world.bob, customer=world.bob.id, company=GLOBEX)
    assert stored(app, world.bob.id).acts_for(NORTH)
    with pytest.raises(NotFound):  # and may not take it back: Globex decides
        app.customers.activate(actor=world.bob, customer=world.bob.id, company=GLOBEX)


def test_global_status_is_the_customers_or_staffs_and_leaves_each_standing_alone(
    app: App,
) -> None:
    world = shared_bob(app)
    app.customers.deactivate(actor=world.carl, customer=world.bob.id, company=GLOBEX)
    gone = app.customers.deactivate(actor=REP, customer=world.bob.id)
    assert gone.status is CustomerStatus.INACTIVE
    assert not gone.acts_for(NORTH)
    back = app.customers.activate(actor=REP, customer=world.bob.id)
    assert back.acts_for(NORTH)
    assert not back.acts_for(GLOBEX)  # Globex's own decision stands


def test_an_invited_customer_signing_in_accepts_their_invitations(app: App) -> None:
    world = seed(app)
    assert world.ivy.membership_in(NORTH).status is CustomerStatus.INVITED  # type: ignore[union-attr]
    assert not world.ivy.acts_for(NORTH)
    ivy = app.customers.activate(actor=world.ivy, customer=world.ivy.id)
    assert ivy.membership_in(NORTH).status is CustomerStatus.ACTIVE  # type: ignore[union-attr]
    assert ivy.acts_for(NORTH)


def test_an_approver_deactivated_at_the_company_is_no_longer_routed_to(app: App) -> None:
    world = seed(app)
    app.customers.assign_roles(
        actor=REP, customer=world.anna.id, company=ACME, roles=[Role.ADMIN, Role.APPROVER]
    )
    app.companies.activate(actor=CONTROLLER, company_id=GLOBEX)
    app.customers.assign_roles(actor=REP, customer=world.anna.id, company=GLOBEX, roles=["buyer"])
    bea = app.customers.invite(
        actor=REP,
        company=ACME,
        email="bea@acme.example",
        first_name="Bea",
        last_name="Example",
        roles=["buyer"],
        active=True,
    )
    big = order(ACME, bea.id, "600")  # over ACME's 500 EUR cap: approval required
    routed = app.approvals.approvers_for(actor=bea, order=big)
    assert world.anna.id in {a.id for tier in routed for a in tier.candidates}
    app.customers.deactivate(actor=REP, customer=world.anna.id, company=ACME)
    routed = app.approvals.approvers_for(actor=bea, order=big)
    assert world.anna.id not in {a.id for tier in routed for a in tier.candidates}
    assert stored(app, world.anna.id).acts_for(GLOBEX)


# -- data stored before memberships had a status


@pytest.mark.parametrize(
    "app", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
@pytest.mark.parametrize(
    ("status", "membership"),
    [("invited", "invited"), ("active", "active"), ("inactive", "active")],
)
def test_a_membership_stored_without_a_status_reads_as_the_customers_standing(
    app: App, status: str, membership: str
) -> None:
    world = seed(app)
    if status == "inactive":
        app.customers.deactivate(actor=REP, customer=world.bob.id)
    elif status == "invited":
        world = World(anna=world.anna, bob=world.ivy, ivy=world.ivy, carl=world.carl)
    store = app.store
    assert isinstance(store, SqlStore)  # stored data: the memory store keeps objects
    table = f'"{store.schema}"."customers"' if store.schema else '"customers"'
    with store.engine.begin() as connection:
        text = connection.execute(
            sqlalchemy.text(f"SELECT CAST(data AS TEXT) FROM {table} WHERE id = :id"),  # noqa: S608  (our own table)
            {"id": world.bob.id},
        ).scalar_one()
        written = json.loads(text)
        assert written["status"] == status
        for item in written["memberships"]:
            del item["status"]
        value = "CAST(:data AS JSONB)" if store.dialect == "postgresql" else ":data"
        connection.execute(
            sqlalchemy.text(f"UPDATE {table} SET data = {value} WHERE id = :id"),  # noqa: S608  (our own table)
            {"data": json.dumps(written), "id": world.bob.id},
        )
    bob = stored(app, world.bob.id)
    assert {item.status.value for item in bob.memberships} == {membership}
    assert bob.acts_for(NORTH) is (status == "active")
