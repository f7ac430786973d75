"""The services keep the permission policy, whoever acts and whatever the company tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st

from b2b_customers.app import connect
from b2b_customers.domain import Company, CompanyStatus, Customer, CustomerStatus
from b2b_customers.errors import B2BError, PermissionDenied
from b2b_customers.ids import CompanyId, CustomerId, SequentialIds
from b2b_customers.services import Staff, StaffRole
from b2b_customers.testing import strategies
from b2b_customers.testing.snapshot import snapshot
from tests.services.world import CONTROLLER, GLOBEX, order, seed

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from b2b_customers.app import App


def test_only_who_may_hold_a_company_lifts_its_hold(app: App) -> None:
    world = seed(app)
    before = snapshot(app.store)
    with pytest.raises(PermissionDenied, match="hold company"):
        app.companies.activate(actor=world.carl, company_id=GLOBEX)
    with pytest.raises(PermissionDenied, match="hold company"):
        app.companies.deactivate(actor=world.carl, company_id=GLOBEX)
    assert snapshot(app.store) == before
    assert app.companies.activate(actor=CONTROLLER, company_id=GLOBEX).status is (
        CompanyStatus.ACTIVE
    )


# -- the policy, stated again from docs/permissions.md and the authorization module's
#    docstring, without calling b2b_customers.services.authorization

EVERY_ROLE = {"admin", "buyer", "requester", "approver", "finance", "contact"}
EVERY_STAFF = {"sales_rep", "credit_controller", "administrator"}
MAY = {
    "view company": EVERY_ROLE | EVERY_STAFF,
    "onboard company": {"sales_rep", "administrator"},
    "edit company": {"admin", "sales_rep", "administrator"},
    "move company": {"administrator"},
    "hold company": {"credit_controller", "administrator"},
    "manage customers": {"admin", "sales_rep", "administrator"},
    "check orders": {"admin", "buyer", "requester", "sales_rep", "administrator"},
}
"""Who may do what: the rows of the table in docs/permissions.md these services need."""

REACHING_DOWN = {"admin", "finance"}


@frozen
class Shop:
    """What the policy reads: the tree and every customer, as stored now."""

    parents: dict[str, str | None]
    statuses: dict[str, CompanyStatus]
    customers: dict[str, Customer]

    @classmethod
    def read(cls, app: App) -> Shop:
        data = snapshot(app.store)
        companies = data["companies"]
        with app.store.unit_of_work() as uow:
            customers = {c["id"]: uow.customers.get(c["id"]) for c in data["customers"]}
        return cls(
            parents={c["id"]: c["parent_id"] for c in companies},
            statuses={c["id"]: CompanyStatus(c["status"]) for c in companies},
            customers=customers,
        )

    def acting_roles(self, actor: Staff | Customer, company: str) -> set[str]:
        """Staff act with their roles anywhere; an active customer with their roles in the
        company, or else with the admin / finance roles of the nearest ancestor holding any."""
        if isinstance(actor, Staff):
            return {role.value for role in actor.roles}
        if actor.status is not CustomerStatus.ACTIVE:
            return set()
        held: dict[str, set[str]] = {
            m.company_id: {r.value for r in m.roles} for m in actor.memberships
        }
        if company in held:
            return held[company]
        above: str | None = self.parents.get(company)
        while above is not None:
            reaching = held.get(above, set()) & REACHING_DOWN
            if reaching:
                return reaching
            above = self.parents.get(above)
        return set()

    def may(self, actor: Staff | Customer, action: str, company: str) -> bool:
        return bool(self.acting_roles(actor, company) & MAY[action])

    def manages(self, actor: Staff | Customer, target: Customer) -> bool:
        """Staff who manage customers manage anyone; a customer manages a customer only
        where they may manage customers at every company the customer belongs to."""
        if isinstance(actor, Staff):
            return bool({r.value for r in actor.roles} & MAY["manage customers"])
        return bool(target.memberships) and all(
            self.may(actor, "manage customers", m.company_id) for m in target.memberships
        )


# -- random shops and calls

MAX_DEPTH = 4


@st.composite
def shops(draw: st.DrawFn) -> tuple[list[Company], list[Customer]]:
    """A forest of up to seven companies (depth <= 4) and up to five customers in it."""
    companies: list[Company] = []
    depth: dict[str, int] = {}
    for number in range(draw(st.integers(1, 7))):
        roots = [c.id for c in companies if depth[c.id] < MAX_DEPTH]
        parent = draw(st.none() | st.sampled_from(roots)) if roots else None
        company_id = CompanyId(f"c{number}")
        depth[company_id] = 1 if parent is None else depth[parent] + 1
        companies.append(
            Company(id=company_id, name=f"C{number}", currency="EUR", parent_id=parent)
        )
    ids = [c.id for c in companies]
    customers = []
    for number in range(draw(st.integers(1, 5))):
        member_of = draw(st.lists(st.sampled_from(ids), unique=True, min_size=1, max_size=3))
        customer = Customer(
            id=CustomerId(f"u{number}"),
            email=f"u{number}@shop.example",
            first_name=f"U{number}",
            last_name="Example",
            # Mostly active: an inactive customer may do nothing, which is quickly tested.
            status=draw(st.sampled_from([*[CustomerStatus.ACTIVE] * 4, *CustomerStatus])),
        )
        for company in member_of:
            customer = customer.with_roles(company, draw(strategies.role_sets()))
        customers.append(customer)
    return companies, customers


CALLS = (
    "get",
    "visible_to",
    "check",
    "invite",
    "assign_roles",
    "remove_from_company",
    "activate_customer",
    "move",
    "put_on_hold",
    "activate",
    "deactivate",
    "add_subsidiary",
    "onboard",
)


@st.composite
def moves(draw: st.DrawFn, companies: Sequence[str], customers: Sequence[str]) -> dict[str, Any]:
    """One call: who, what, on which company and customer."""
    staff = st.builds(
        Staff,
        id=st.just("s-x"),
        name=st.just("Staff"),
        roles=st.frozensets(st.sampled_from(StaffRole)),
    )
    return {
        "call": draw(st.sampled_from(CALLS)),
        "actor": draw(st.one_of(staff, *[st.sampled_from(customers)] * 3)),
        "company": draw(st.sampled_from(companies)),
        "other": draw(st.none() | st.sampled_from(companies)),
        "customer": draw(st.sampled_from(customers)),
        "roles": draw(strategies.role_sets()),
    }


def expected(shop: Shop, actor: Staff | Customer, move: dict[str, Any]) -> bool:  # noqa: C901  (one branch per call: the policy reads as one list)
    """Whether the policy lets ``actor`` make the call."""
    call, company, other = move["call"], move["company"], move["other"]
    target = shop.customers[move["customer"]]
    if call == "get":
        return shop.may(actor, "view company", company)
    if call == "check":
        if not shop.may(actor, "check orders", company):
            return False
        # A customer checks their own orders, or (as the company's own admin) anyone's.
        return (
            isinstance(actor, Staff)
            or actor.id == target.id
            or "admin" in {r.value for r in actor.roles_in(CompanyId(company))}
        )
    if call in {"invite", "remove_from_company"}:
        return shop.may(actor, "manage customers", company)
    if call == "assign_roles":  # joining a company needs managing the customer everywhere
        return shop.may(actor, "manage customers", company) and (
            company in {m.company_id for m in target.memberships} or shop.manages(actor, target)
        )
    if call == "activate_customer":
        if (
            isinstance(actor, Customer)
            and actor.id == target.id
            and (target.status is CustomerStatus.INVITED)
        ):
            return True
        return shop.manages(actor, target)
    if call == "move":
        return shop.may(actor, "move company", company) and (
            other is None or shop.may(actor, "move company", other)
        )
    if call == "put_on_hold":
        return shop.may(actor, "hold company", company)
    if call in {"activate", "deactivate"}:
        to = CompanyStatus.ACTIVE if call == "activate" else CompanyStatus.INACTIVE
        lifts_hold = CompanyStatus.ON_HOLD in {shop.statuses[company], to}
        return shop.may(actor, "hold company" if lifts_hold else "edit company", company)
    if call == "add_subsidiary":
        return shop.may(actor, "onboard company", company)
    assert call in {"onboard", "visible_to"}
    return call == "visible_to" or (
        isinstance(actor, Staff) and shop.may(actor, "onboard company", company)
    )


def make(app: App, actor: Staff | Customer, move: dict[str, Any]) -> Any:
    """Make the call through the services."""
    company, other = CompanyId(move["company"]), move["other"]
    customer = CustomerId(move["customer"])
    calls: dict[str, Callable[[], Any]] = {
        "get": lambda: app.companies.get(actor=actor, company_id=company),
        "check": lambda: app.orders.check(actor=actor, order=order(company, customer)),
        "invite": lambda: app.customers.invite(
            actor=actor,
            company=company,
            email="new@shop.example",
            first_name="New",
            last_name="Example",
            roles=move["roles"],
            active=True,
        ),
        "assign_roles": lambda: app.customers.assign_roles(
            actor=actor, customer=customer, company=company, roles=move["roles"]
        ),
        "remove_from_company": lambda: app.customers.remove_from_company(
            actor=actor, customer=customer, company=company
        ),
        "activate_customer": lambda: app.customers.activate(actor=actor, customer=customer),
        "move": lambda: app.companies.move(actor=actor, company_id=company, new_parent=other),
        "put_on_hold": lambda: app.companies.put_on_hold(actor=actor, company_id=company),
        "activate": lambda: app.companies.activate(actor=actor, company_id=company),
        "deactivate": lambda: app.companies.deactivate(actor=actor, company_id=company),
        "add_subsidiary": lambda: app.companies.add_subsidiary(
            actor=actor, parent=company, name="Sub"
        ),
        "onboard": lambda: app.companies.onboard(actor=actor, name="New", currency="EUR"),
    }
    return calls[move["call"]]()


def check_policy(app: App, data: st.DataObject) -> None:
    companies, customers = data.draw(shops(), label="shop")
    with app.store.unit_of_work() as uow:
        uow.companies.add_many(companies)
        uow.customers.add_many(customers)
        uow.commit()
    ids = [c.id for c in companies]
    for move in data.draw(
        st.lists(moves(ids, [c.id for c in customers]), min_size=1, max_size=5), label="calls"
    ):
        shop = Shop.read(app)
        actor = move["actor"]
        if isinstance(actor, str):  # a customer acts as currently stored
            actor = shop.customers[actor]
        before = snapshot(app.store)
        allowed = expected(shop, actor, move)
        if move["call"] == "visible_to":
            with app.store.unit_of_work() as uow:
                stored = uow.companies.get_many(ids)
            seen = app.companies.visible_to(actor=actor, companies=stored)
            assert {c.id for c in seen} == {c for c in ids if shop.may(actor, "view company", c)}
            continue
        try:
            result = make(app, actor, move)
        except PermissionDenied:
            assert not allowed, f"{move} was refused, but the policy allows it"
            assert snapshot(app.store) == before, "a refused call wrote"
            continue
        except B2BError:
            assert snapshot(app.store) == before, "a failed call wrote"
            continue
        assert allowed, f"{move} went through, but the policy refuses it"
        if move["call"] == "get":  # no cross-company read: exactly the company asked for
            assert result.id == move["company"]
        if isinstance(actor, Customer):
            no_escalation(shop, Shop.read(app), actor)


def no_escalation(before: Shop, after: Shop, actor: Customer) -> None:
    """A customer changed memberships only where they manage customers, and no one's
    status but an invited self."""
    for customer_id, now in after.customers.items():
        was = before.customers.get(customer_id)
        if was is None:
            continue
        changed = {m.company_id for m in set(was.memberships) ^ set(now.memberships)}
        for company in changed:
            assert before.may(actor, "manage customers", company), (
                f"{actor.id} changed {customer_id}'s roles in {company} without managing it"
            )
        if was.status is not now.status:  # global: only the customer, or who manages them
            assert (
                customer_id == actor.id and was.status is CustomerStatus.INVITED
            ) or before.manages(actor, was)
        joined = {m.company_id for m in now.memberships} - {m.company_id for m in was.memberships}
        if joined:
            assert before.manages(actor, was), f"{actor.id} pulled {customer_id} into {joined}"


@given(data=st.data())
def test_the_services_keep_the_policy_on_the_memory_store(data: st.DataObject) -> None:
    check_policy(connect("memory://", ids=SequentialIds("n-")), data)


# A fresh SQLite database per example costs a quarter of a second to migrate.
@settings(max_examples=15)
@given(data=st.data())
def test_the_services_keep_the_policy_on_sqlite(data: st.DataObject) -> None:
    app = connect("sqlite://", ids=SequentialIds("n-"))
    try:
        check_policy(app, data)
    finally:
        app.store.dispose()  # type: ignore[attr-defined]
