"""The services keep the permission policy, whoever acts and whatever the company tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.app import connect
from b2b_customers.approvals import ApprovalPolicy, ApprovalRule, ApprovalTier, RoleApprover
from b2b_customers.domain import Company, CompanyStatus, Customer, CustomerStatus, Role
from b2b_customers.errors import (
    B2BError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from b2b_customers.ids import ApprovalPolicyId, CompanyId, CustomerId, LocationId, SequentialIds
from b2b_customers.services import Actor, Staff, StaffRole
from b2b_customers.services.visibility import decision_for, require_buyer_of, require_location_of
from b2b_customers.testing import strategies
from b2b_customers.testing.snapshot import snapshot
from tests.services.world import (
    ACME,
    ADMINISTRATOR,
    CONTROLLER,
    GLOBEX,
    NORTH,
    READ_SCENARIOS,
    REP,
    SCENARIOS,
    Scenario,
    World,
    approved,
    eur,
    located,
    location,
    open_credit,
    order,
    pending,
    placed,
    requester,
    seed,
    the_request,
)

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
    "place orders": {"admin", "buyer", "requester", "administrator"},
    "manage approvals": {"admin", "sales_rep", "administrator"},
    "decide approvals": {"admin", "approver", "credit_controller", "administrator"},
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
        company, or else with the admin / finance roles of the nearest ancestor holding any;
        only memberships in standing (active) count."""
        if isinstance(actor, Staff):
            return {role.value for role in actor.roles}
        if actor.status is not CustomerStatus.ACTIVE:
            return set()
        held: dict[str, set[str]] = {
            m.company_id: {r.value for r in m.roles}
            for m in actor.memberships
            if m.status is CustomerStatus.ACTIVE
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
            # Mostly in standing; some deactivated (or invited) at this company only.
            standing = draw(st.sampled_from([*[CustomerStatus.ACTIVE] * 3, *CustomerStatus]))
            customer = customer.with_status_in(company, standing)
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
    "activate_membership",
    "deactivate_membership",
    "move",
    "put_on_hold",
    "activate",
    "deactivate",
    "add_subsidiary",
    "onboard",
    "save_policy",
    "save_seller_policy",
    "save_group",
    "set_approver_limit",
    "set_manager",
    "create_group",
    "approvers_for",
    "request_approval",
    "remove_group",
    "expiry_reminders",
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
        "by_id": draw(st.booleans()),  # a customer acts by their id, or as an object
    }


def expected(shop: Shop, actor: Staff | Customer, move: dict[str, Any]) -> bool:  # noqa: C901, PLR0912  (one branch per call: the policy reads as one list)
    """Whether the policy lets ``actor`` make the call."""
    call, company, other = move["call"], move["company"], move["other"]
    target = shop.customers[move["customer"]]
    if call == "get":
        return shop.may(actor, "view company", company)
    if call in {"check", "approvers_for"}:
        if not shop.may(actor, "check orders", company):
            return False
        # A customer checks their own orders, or (as the company's own admin) anyone's.
        return (
            isinstance(actor, Staff)
            or actor.id == target.id
            or "admin" in shop.acting_roles(actor, company)
        )
    if call == "request_approval":
        # A customer asks for approval of their own orders; staff who place orders, for anyone.
        return shop.may(actor, "place orders", company) and (
            isinstance(actor, Staff) or actor.id == target.id
        )
    if call in {"invite", "remove_from_company"}:
        return shop.may(actor, "manage customers", company)
    if call == "assign_roles":  # joining a company needs managing the customer everywhere
        return shop.may(actor, "manage customers", company) and (
            company in {m.company_id for m in target.memberships} or shop.manages(actor, target)
        )
    if call == "activate_customer":  # everywhere: an invited self, or staff
        if (
            isinstance(actor, Customer)
            and actor.id == target.id
            and (target.status is CustomerStatus.INVITED)
        ):
            return True
        return isinstance(actor, Staff) and shop.manages(actor, target)
    if call in {"activate_membership", "deactivate_membership"}:  # at one company
        membership = target.membership_in(CompanyId(company))
        own = (
            isinstance(actor, Customer)
            and actor.id == target.id
            and actor.status is CustomerStatus.ACTIVE
            and membership is not None
            and membership.status
            is (CustomerStatus.INVITED if call == "activate_membership" else CustomerStatus.ACTIVE)
        )
        return own or shop.may(actor, "manage customers", company)
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
    if call in {"save_policy", "save_group", "set_approver_limit", "remove_group"}:
        return shop.may(actor, "manage approvals", company)
    if call in {"save_seller_policy", "create_group", "expiry_reminders"}:
        action = {
            "save_seller_policy": "manage approvals",
            "create_group": "manage customers",
            "expiry_reminders": "decide approvals",
        }[call]
        return isinstance(actor, Staff) and bool({r.value for r in actor.roles} & MAY[action])
    if call == "set_manager":
        return shop.manages(actor, target)
    assert call in {"onboard", "visible_to"}
    return call == "visible_to" or (
        isinstance(actor, Staff) and shop.may(actor, "onboard company", company)
    )


def make(app: App, actor: Actor, move: dict[str, Any]) -> Any:
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
        "activate_membership": lambda: app.customers.activate(
            actor=actor, customer=customer, company=company
        ),
        "deactivate_membership": lambda: app.customers.deactivate(
            actor=actor, customer=customer, company=company
        ),
        "move": lambda: app.companies.move(actor=actor, company_id=company, new_parent=other),
        "put_on_hold": lambda: app.companies.put_on_hold(actor=actor, company_id=company),
        "activate": lambda: app.companies.activate(actor=actor, company_id=company),
        "deactivate": lambda: app.companies.deactivate(actor=actor, company_id=company),
        "add_subsidiary": lambda: app.companies.add_subsidiary(
            actor=actor, parent=company, name="Sub"
        ),
        "onboard": lambda: app.companies.onboard(actor=actor, name="New", currency="EUR"),
        "save_policy": lambda: app.approval_settings.save_policy(
            actor=actor, policy=admins_approve(company)
        ),
        "save_seller_policy": lambda: app.approval_settings.save_policy(
            actor=actor, policy=admins_approve(None)
        ),
        "save_group": lambda: app.approval_settings.save_group(
            actor=actor, company=company, name="Approvers", roles=move["roles"]
        ),
        "set_approver_limit": lambda: app.approval_settings.set_approver_limit(
            actor=actor, company=company, role=Role.ADMIN, maximum=Money(100, "EUR")
        ),
        "set_manager": lambda: app.customers.set_manager(
            actor=actor, customer=customer, manager=None
        ),
        "create_group": lambda: app.customers.create_group(actor=actor, name="Trusted"),
        "approvers_for": lambda: app.approvals.approvers_for(
            actor=actor, order=order(company, customer)
        ),
        "request_approval": lambda: app.approvals.request(
            actor=actor, order=order(company, customer)
        ),
        "remove_group": lambda: app.approval_settings.remove_group(actor=actor, company=company),
        "expiry_reminders": lambda: app.automations.approval_expiry_reminders(actor=actor),
    }
    return calls[move["call"]]()


def admins_approve(company: CompanyId | None) -> ApprovalPolicy:
    """A policy for ``company`` (seller-wide for ``None``) in which its admins approve."""
    return ApprovalPolicy(
        id=ApprovalPolicyId(f"policy-{company or 'seller'}"),
        name="Admins approve",
        company_id=company,
        tiers=[
            ApprovalTier(
                name="Admin", all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.ADMIN)])]
            )
        ],
    )


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
        acting = actor.id if move["by_id"] and isinstance(actor, Customer) else actor
        if move["call"] == "visible_to":
            with app.store.unit_of_work() as uow:
                stored = uow.companies.get_many(ids)
            seen = app.companies.visible_to(actor=acting, companies=stored)
            assert {c.id for c in seen} == {c for c in ids if shop.may(actor, "view company", c)}
            continue
        try:
            result = make(app, acting, move)
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
    """A customer changed memberships only where they manage customers (or their own
    standing), and no one's status but an invited self's."""
    for customer_id, now in after.customers.items():
        was = before.customers.get(customer_id)
        if was is None:
            continue
        changed = {m.company_id for m in set(was.memberships) ^ set(now.memberships)}
        for company in changed:
            old, new = was.membership_in(company), now.membership_in(company)
            own_standing = (
                customer_id == actor.id
                and old is not None
                and new is not None
                and old.roles == new.roles
            )
            assert own_standing or before.may(actor, "manage customers", company), (
                f"{actor.id} changed {customer_id}'s membership of {company} without managing it"
            )
        if was.status is not now.status:  # global: only an invited self (staff aside)
            assert customer_id == actor.id, f"{actor.id} changed {customer_id}'s status"
            assert was.status is CustomerStatus.INVITED
        joined = {m.company_id for m in now.memberships} - {m.company_id for m in was.memberships}
        if joined:
            assert before.manages(actor, was), f"{actor.id} pulled {customer_id} into {joined}"


@given(data=st.data())
def test_the_services_keep_the_policy_on_the_memory_store(data: st.DataObject) -> None:
    check_policy(connect("memory://", ids=SequentialIds("n-")), data)


# A fresh SQLite database per example costs a quarter of a second to migrate.
@settings(max_examples=min(15, settings().max_examples))  # fewer in a quick run
@given(data=st.data())
def test_the_services_keep_the_policy_on_sqlite(data: st.DataObject) -> None:
    app = connect("sqlite://", ids=SequentialIds("n-"))
    try:
        check_policy(app, data)
    finally:
        app.store.dispose()


# -- authority is what the store says now


def _finance_of_acme(app: App) -> Customer:
    return app.customers.invite(
        actor=REP,
        company=ACME,
        email="fiona@acme.example",
        first_name="Fiona",
        last_name="Finance",
        roles=["finance"],
        active=True,
    )


def test_a_customer_removed_from_a_company_acts_there_with_no_authority(app: App) -> None:
    world = seed(app)
    placed(app, world)
    fiona = _finance_of_acme(app)  # kept by the caller, as a session would
    assert app.audit.for_company(actor=fiona, company_id=ACME).total > 0
    app.customers.remove_from_company(actor=world.anna, customer=fiona.id, company=ACME)
    before = snapshot(app.store)
    with pytest.raises(NotFound):
        app.audit.for_company(actor=fiona, company_id=ACME)
    with pytest.raises(NotFound):
        app.orders.history(actor=fiona, company=NORTH)
    with pytest.raises((NotFound, PermissionDenied)):
        app.credit.account(actor=fiona, company=ACME)
    assert snapshot(app.store) == before


def test_a_deactivated_customer_acting_with_an_active_copy_may_do_nothing(app: App) -> None:
    world = seed(app)
    app.customers.deactivate(actor=REP, customer=world.anna.id)
    assert world.anna.status is CustomerStatus.ACTIVE  # the stale copy
    before = snapshot(app.store)
    with pytest.raises(NotFound):
        app.companies.get(actor=world.anna, company_id=ACME)
    with pytest.raises(NotFound):
        app.companies.edit(actor=world.anna, company_id=ACME, name="Mine now")
    with pytest.raises(NotFound):
        app.customers.invite(
            actor=world.anna,
            company=ACME,
            email="x@acme.example",
            first_name="X",
            last_name="Y",
            roles=["admin"],
        )
    assert snapshot(app.store) == before


def test_a_removed_requester_no_longer_completes_their_approved_request(app: App) -> None:
    world = seed(app)
    approved(app, world)
    asker = requester(app)
    app.customers.remove_from_company(actor=world.anna, customer=asker.id, company=ACME)
    before = snapshot(app.store)
    with pytest.raises((NotFound, PermissionDenied)):
        app.approvals.complete(actor=asker, request=the_request(app).id)
    assert snapshot(app.store) == before


def test_an_approved_request_is_not_completed_while_the_company_is_on_hold(app: App) -> None:
    world = seed(app)
    approved(app, world)
    app.companies.put_on_hold(actor=CONTROLLER, company_id=ACME)
    before = snapshot(app.store)
    with pytest.raises(InvalidTransition, match="on_hold"):
        app.approvals.complete(actor=requester(app), request=the_request(app).id)
    assert snapshot(app.store) == before
    app.companies.activate(actor=CONTROLLER, company_id=ACME)
    assert app.approvals.complete(actor=requester(app), request=the_request(app).id).placed


# -- one company's admin never reaches another company's customers


def test_an_admin_cannot_pull_another_companys_customer_in(app: App) -> None:
    world = seed(app)
    app.companies.activate(actor=CONTROLLER, company_id=GLOBEX)
    before = snapshot(app.store)
    with pytest.raises(NotFound) as foreign:
        app.customers.assign_roles(
            actor=world.carl, customer=world.ivy.id, company=GLOBEX, roles=["admin"]
        )
    with pytest.raises(NotFound) as unknown:
        app.customers.assign_roles(
            actor=world.carl, customer=CustomerId("nobody"), company=GLOBEX, roles=["admin"]
        )
    assert str(foreign.value).replace(world.ivy.id, "?") == str(unknown.value).replace(
        "nobody", "?"
    )
    for call in (app.customers.activate, app.customers.deactivate, app.customers.get):
        with pytest.raises(NotFound):
            call(actor=world.carl, customer=world.ivy.id)
    with pytest.raises(NotFound):
        app.customers.update(actor=world.carl, customer=world.ivy.id, first_name="Mallory")
    with pytest.raises((NotFound, PermissionDenied)):
        app.customers.remove_from_company(actor=world.carl, customer=world.ivy.id, company=NORTH)
    assert snapshot(app.store) == before


def test_a_shared_customer_is_seen_and_changed_by_each_company_only_for_itself(
    app: App,
) -> None:
    world = seed(app)
    app.companies.activate(actor=CONTROLLER, company_id=GLOBEX)
    shared = app.customers.assign_roles(
        actor=REP, customer=world.bob.id, company=GLOBEX, roles=["buyer"]
    )
    assert shared.company_ids == {NORTH, GLOBEX}
    seen = app.customers.get(actor=world.carl, customer=world.bob.id)
    assert seen.company_ids == {GLOBEX}  # not Bob's roles at North
    changed = app.customers.assign_roles(
        actor=world.carl, customer=world.bob.id, company=GLOBEX, roles=["requester"]
    )
    assert changed.company_ids == {GLOBEX}
    before = snapshot(app.store)
    with pytest.raises(PermissionDenied):
        app.customers.deactivate(actor=world.carl, customer=world.bob.id)
    with pytest.raises(PermissionDenied):
        app.customers.update(actor=world.carl, customer=world.bob.id, email="bob@globex.example")
    assert snapshot(app.store) == before
    left = app.customers.remove_from_company(
        actor=world.carl, customer=world.bob.id, company=GLOBEX
    )
    assert left.company_ids == frozenset()
    assert app.customers.get(actor=REP, customer=world.bob.id).company_ids == {NORTH}


def test_who_may_change_a_customers_own_standing(app: App) -> None:
    world = seed(app)
    assert app.customers.activate(actor=world.ivy, customer=world.ivy.id).is_active
    assert app.customers.update(actor=world.bob, customer=world.bob.id, title="Buyer").title == (
        "Buyer"
    )
    with pytest.raises(PermissionDenied, match="company="):  # an admin names their company
        app.customers.deactivate(actor=world.anna, customer=world.bob.id)
    assert app.customers.deactivate(actor=REP, customer=world.bob.id).status is (
        CustomerStatus.INACTIVE
    )
    with pytest.raises(NotFound):  # an inactive customer sees nothing, not even themselves
        app.customers.activate(actor=world.bob, customer=world.bob.id)
    assert app.customers.activate(actor=REP, customer=world.bob.id).is_active


def test_buyers_and_locations_of_another_company_are_not_found(app: App) -> None:
    world = seed(app)
    located(app, world)
    depot = location(app, "Depot")
    app.companies.activate(actor=CONTROLLER, company_id=GLOBEX)
    with app.store.unit_of_work() as uow:
        errors = []
        for buyer in (world.bob.id, CustomerId("nobody")):
            with pytest.raises(NotFound) as error:
                require_buyer_of(uow, world.carl, buyer, GLOBEX)
            errors.append(str(error.value).replace(buyer, "?"))
        assert errors[0] == errors[1]
        assert require_buyer_of(uow, world.anna, world.bob.id, NORTH).id == world.bob.id
        with pytest.raises(PermissionDenied):
            require_buyer_of(uow, world.bob, world.anna.id, NORTH)
        assert require_location_of(uow, depot.id, ACME).id == depot.id
        for place in (depot.id, LocationId("nowhere")):
            with pytest.raises(NotFound) as error:
                require_location_of(uow, place, GLOBEX)
            assert "acme" not in str(error.value).lower()


def test_who_may_not_view_credit_learns_only_within_or_over(app: App) -> None:
    world = seed(app)
    open_credit(app, world)
    decision = app.orders.check(actor=ADMINISTRATOR, order=order(NORTH, world.bob.id, "100"))
    (credit,) = [r for r in decision.results if r.rule == "credit"]
    assert credit.limit == eur("5000")
    # A sales rep checking the same order learns only that it is within the credit.
    told = app.orders.check(actor=REP, order=order(NORTH, world.bob.id, "100"))
    assert told == decision.without_credit_figures()
    with app.store.unit_of_work() as uow:
        as_buyer = decision_for(uow, world.bob, decision, NORTH)
        as_admin = decision_for(uow, world.anna, decision, NORTH)
    assert as_admin == decision
    (hidden,) = [r for r in as_buyer.results if r.rule == "credit"]
    assert hidden.outcome is credit.outcome
    assert (hidden.limit, hidden.spent, hidden.remaining) == (None, None, None)
    assert "5,000" not in as_buyer.explain() + hidden.message
    assert "within" in hidden.message


# -- companies as services


def test_a_company_admin_edits_the_profile_and_staff_the_sellers_fields(app: App) -> None:
    world = seed(app)
    renamed = app.companies.edit(actor=world.anna, company_id=ACME, name="ACME SE")
    assert renamed.name == "ACME SE"
    before = snapshot(app.store)
    with pytest.raises(PermissionDenied, match="tags"):
        app.companies.edit(actor=world.anna, company_id=ACME, tags={"vip"})
    with pytest.raises(NotFound):
        app.companies.edit(actor=world.carl, company_id=ACME, name="Taken")
    with pytest.raises(ValidationError):
        app.companies.edit(actor=REP, company_id=ACME, currency="USD")
    assert snapshot(app.store) == before
    tagged = app.companies.edit(actor=REP, company_id=ACME, tags={"vip"}, custom_fields={"t": 1})
    assert tagged.tags == {"vip"}
    entries = app.audit.for_company(
        actor=CONTROLLER, company_id=ACME, aggregate_type="company"
    ).items
    assert entries[-1].action == "company.updated"


def test_company_searches_and_the_tree_show_only_what_the_actor_sees(app: App) -> None:
    world = seed(app)

    def ids(companies: Sequence[Company]) -> list[str]:
        return sorted(company.id for company in companies)

    assert ids(app.companies.search(actor=REP).items) == sorted([ACME, NORTH, GLOBEX])
    assert ids(app.companies.search(actor=world.anna).items) == sorted([ACME, NORTH])
    assert ids(app.companies.search(actor=world.bob).items) == [NORTH]
    assert ids(app.companies.search(actor=world.carl, text="acme").items) == []
    assert ids(app.companies.descendants(actor=world.anna, company_id=ACME)) == [NORTH]
    assert ids(app.companies.ancestors(actor=world.bob, company_id=NORTH)) == []
    assert ids(app.companies.ancestors(actor=world.anna, company_id=NORTH)) == [ACME]
    with pytest.raises(NotFound):
        app.companies.children(actor=world.carl, company_id=ACME)


def test_a_bill_to_s_finance_sees_the_accounts_it_pays_for(app: App) -> None:
    world = seed(app)
    placed(app, world)
    payer = app.companies.onboard(actor=REP, id=CompanyId("payer"), name="Payer", currency="EUR")
    fiona = app.customers.invite(
        actor=REP,
        company=payer.id,
        email="fiona@payer.example",
        first_name="Fiona",
        last_name="Finance",
        roles=["finance"],
        active=True,
    )
    with pytest.raises(NotFound):
        app.orders.history(actor=fiona, company=NORTH)
    app.companies.edit(actor=REP, company_id=NORTH, bill_to_id=payer.id)
    assert [c.id for c in app.companies.paid_for(actor=fiona, company_id=payer.id)] == [NORTH]
    assert app.orders.history(actor=fiona, company=NORTH).total == 1
    assert {c.id for c in app.companies.search(actor=fiona).items} == {payer.id, NORTH}
    with pytest.raises(PermissionDenied):  # paying is not managing
        app.companies.edit(actor=fiona, company_id=NORTH, name="Paid")
    with pytest.raises(NotFound):  # nor seeing the head office
        app.companies.get(actor=fiona, company_id=ACME)


# -- every service method x every actor relation: nothing of another company leaks or changes
#
# The registry of the fault-injection test holds one call per service method, on
# ACME's group (ACME, its subsidiary North) or on Globex. Here each call is made
# again, the actor swapped for someone standing in a given relation to those
# companies; what they must not learn are the names and emails of the people and
# companies they do not see (the ids they typed themselves may come back).

SOUTH, INITECH = CompanyId("south"), CompanyId("initech")
"""A sibling of North under ACME, and a company of its own, unrelated to the others."""

GROUP_SECRETS = (
    "ACME GmbH",
    "ACME North",
    "Globex",
    "@acme.example",
    "@north.example",
    "@globex.example",
    "Anna Example",
    "Bob Example",
    "Ivy Example",
    "Carl Example",
    "Bea Example",
    "Am Hafen",
)
"""What an outsider of ACME's group and of Globex may never read."""

ACME_PEOPLE = ("@acme.example", "Anna Example", "Bea Example", "Am Hafen")
"""What a member of North (a child) may not read of its parent, ACME."""

NORTH_PEOPLE = ("@north.example", "Bob Example", "Ivy Example")
"""What a buyer-like member of ACME (no role that reaches down) may not read of North."""

CUSTOMER_ROLES = ("contact", "approver", "finance", "requester", "buyer", "admin")
NARROW_ROLES = ("buyer", "requester", "approver", "contact")


class ActingAs:
    """An App whose every service call is made by ``actor``, whoever the call names."""

    def __init__(self, app: App, actor: Staff | Customer) -> None:
        self._app, self._actor = app, actor

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._app, name)
        if not type(target).__module__.startswith("b2b_customers.services."):
            return target
        return _Service(target, self._actor)


class _Service:
    def __init__(self, service: Any, actor: Staff | Customer) -> None:
        self._service, self._actor = service, actor

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._service, name)

        def call(**arguments: Any) -> Any:
            return method(**{**arguments, "actor": self._actor})

        return call


def _people(app: App) -> dict[str, list[Customer]]:
    """The actors by relation to ACME's group, invited (and changed) by staff."""

    def member(company: CompanyId, name: str, role: str) -> Customer:
        return app.customers.invite(
            actor=REP,
            company=company,
            email=f"{name}-{role}@{company}.example",
            first_name=f"{name}{role}".title(),
            last_name="Outsider",
            roles=[role],
            active=True,
        )

    app.companies.add_subsidiary(actor=REP, id=SOUTH, parent=ACME, name="South")
    app.companies.onboard(actor=REP, id=INITECH, name="Initech", currency="EUR")
    removed = member(ACME, "rita", "admin")
    app.customers.remove_from_company(actor=REP, customer=removed.id, company=ACME)
    deactivated = member(ACME, "dave", "finance")
    app.customers.deactivate(actor=REP, customer=deactivated.id)

    def deactivated_here(company: CompanyId, name: str, role: str) -> Customer:
        """Active at Initech, deactivated at ``company`` (acting with the object from before)."""
        person = member(company, name, role)
        app.customers.assign_roles(actor=REP, customer=person.id, company=INITECH, roles=[role])
        app.customers.deactivate(actor=REP, customer=person.id, company=company)
        return person

    return {
        "sibling": [member(SOUTH, "sib", role) for role in CUSTOMER_ROLES],
        "unrelated": [member(INITECH, "uno", role) for role in CUSTOMER_ROLES],
        "removed": [removed],  # acting with the object from before the removal
        "deactivated": [deactivated],  # acting with the object from while active
        "deactivated here": [
            *(deactivated_here(ACME, "dh", role) for role in ("admin", "finance", "buyer")),
            deactivated_here(NORTH, "dn", "admin"),
        ],
        "child": [member(NORTH, "kid", role) for role in CUSTOMER_ROLES],
        "parent": [member(ACME, "pa", role) for role in NARROW_ROLES],
    }


def _leaks(found: object, secrets: Sequence[str]) -> list[str]:
    text = repr(found) + (str(found) if isinstance(found, BaseException) else "")
    return [secret for secret in secrets if secret in text]


def _call(app: App, actor: Staff | Customer, scenario: Scenario, world: World) -> object:
    """Return what the call answered: its result or the library error it raised."""
    try:
        return scenario.call(ActingAs(app, actor), world)  # type: ignore[arg-type]
    except B2BError as error:
        return error


@pytest.mark.slow  # a fresh world per scenario, every service method: minutes in all
@pytest.mark.parametrize("scenario", [*SCENARIOS, *READ_SCENARIOS], ids=lambda s: s.method)
def test_no_call_reveals_or_changes_what_the_actor_does_not_see(
    app: App, scenario: Scenario
) -> None:
    world = seed(app)
    people = _people(app)
    if scenario.prepare is not None:
        scenario.prepare(app, world)
    before = snapshot(app.store)
    for relation in ("sibling", "unrelated", "removed", "deactivated", "deactivated here"):
        for actor in people[relation]:
            answer = _call(app, actor, scenario, world)
            leaked = _leaks(answer, GROUP_SECRETS)
            assert not leaked, f"{scenario.method} by a {relation} {actor.id} revealed {leaked}"
            assert snapshot(app.store) == before, f"{scenario.method} by a {relation} wrote"
    # A member of North, or of ACME without a role reaching down, may act on what they
    # see; once a call of theirs wrote, the world has moved on: stop there.
    for relation, secrets in (("child", ACME_PEOPLE), ("parent", NORTH_PEOPLE)):
        for actor in people[relation]:
            answer = _call(app, actor, scenario, world)
            leaked = _leaks(answer, secrets)
            assert not leaked, f"{scenario.method} by a {relation} {actor.id} revealed {leaked}"
            if snapshot(app.store) != before:
                return


@pytest.mark.slow  # a fresh world per scenario, every service method: minutes in all
@pytest.mark.parametrize("scenario", [*SCENARIOS, *READ_SCENARIOS], ids=lambda s: s.method)
def test_staff_of_every_role_are_refused_cleanly_or_served(app: App, scenario: Scenario) -> None:
    world = seed(app)
    if scenario.prepare is not None:
        scenario.prepare(app, world)
    nobody = Staff(id="s-none", name="No Role", roles=set())
    for actor in (nobody, REP, CONTROLLER, ADMINISTRATOR):
        before = snapshot(app.store)
        answer = _call(app, actor, scenario, world)
        if not isinstance(answer, B2BError):
            return  # served (and, for a write, the world has moved on)
        assert snapshot(app.store) == before, f"{scenario.method} refused {actor.id}, but wrote"
    # Refused to every staff role: a move only the company's own people make (approving
    # a tier that has not escalated to the seller).
    # Or one only the requester makes (their comment).
    assert scenario.method in {
        "approvals.approve",
        "approvals.reject",
        "approvals.cancel",
        "approvals.update_comment",
    }


def test_a_removed_requester_no_longer_lists_their_requests_there(app: App) -> None:
    world = seed(app)
    pending(app, world)
    asker = requester(app)
    assert app.approvals.search(actor=asker).total == 1
    app.customers.remove_from_company(actor=world.anna, customer=asker.id, company=ACME)
    assert app.approvals.search(actor=asker).total == 0
    with pytest.raises(NotFound):
        app.approvals.get(actor=asker, request=the_request(app).id)


def test_who_is_deactivated_at_acmes_group_still_acts_at_initech(app: App) -> None:
    seed(app)
    for person in _people(app)["deactivated here"]:
        assert app.companies.get(actor=person, company_id=INITECH).id == INITECH
        with pytest.raises(NotFound):
            app.companies.get(actor=person, company_id=NORTH)


# -- a customer's id as the actor


def test_a_customer_acts_by_id_with_what_is_stored_now(app: App) -> None:
    world = seed(app)
    placed(app, world)
    fiona = _finance_of_acme(app)
    assert app.audit.for_company(actor=fiona.id, company_id=ACME).total > 0
    assert app.orders.check(actor=world.bob.id, order=order(NORTH, world.bob.id)).outcome
    mine = app.customers.update(actor=world.bob.id, customer=world.bob.id, title="Buyer")
    entries = app.audit.for_company(actor=CONTROLLER, company_id=NORTH).items
    assert mine.title == "Buyer"
    assert entries[-1].actor_id == world.bob.id
    app.customers.deactivate(actor=world.anna.id, customer=fiona.id, company=ACME)
    before = snapshot(app.store)
    with pytest.raises(NotFound):
        app.audit.for_company(actor=fiona.id, company_id=ACME)
    with pytest.raises(PermissionDenied):  # the id form is no way round "own orders only"
        app.orders.place(actor=world.bob.id, order=order(NORTH, world.anna.id))
    assert snapshot(app.store) == before


def test_the_id_of_no_stored_customer_may_do_nothing(app: App) -> None:
    world = seed(app)
    before = snapshot(app.store)
    for call in (
        lambda: app.companies.get(actor=CustomerId("nobody"), company_id=ACME),
        lambda: app.customers.get(actor=CustomerId("nobody"), customer=world.bob.id),
        lambda: app.companies.onboard(actor=CustomerId("nobody"), name="Mine", currency="EUR"),
        # Plain text works too, at run time (type checkers ask for a CustomerId).
        lambda: app.orders.check(actor="nobody", order=order(NORTH, world.bob.id)),  # type: ignore[arg-type]
    ):
        with pytest.raises(PermissionDenied, match="no customer with id 'nobody'"):
            call()
    with pytest.raises(ValidationError, match="actor"):
        app.companies.get(actor=CustomerId(" nobody"), company_id=ACME)
    assert snapshot(app.store) == before
