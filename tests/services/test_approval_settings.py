"""Approval settings through the services, and what they change for requests, on every store.

Policies, approval groups, approver limits, managers and customer groups are
written through services that check who acts, validate against the store and
record an event with its audit entry; nothing here opens a unit of work to
write.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers import connect
from b2b_customers.approvals import (
    ApprovalPolicy,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    CustomerApprover,
    GroupApprover,
    ManagerApprover,
    RoleApprover,
    SellerApprover,
)
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import (
    CurrencyMismatch,
    NotFound,
    OrderDenied,
    PermissionDenied,
    ValidationError,
)
from b2b_customers.exchange_rates import FixedRates
from b2b_customers.ids import (
    ApprovalGroupId,
    ApprovalPolicyId,
    CompanyId,
    CustomerId,
    SequentialIds,
)
from b2b_customers.limits import (
    CalendarPeriod,
    LimitScope,
    OrderTotalLimit,
    Outcome,
    QuantityLimit,
)
from b2b_customers.limits.periods import window_of
from b2b_customers.ports import ApprovalQuery
from b2b_customers.services import Staff, StaffRole

from .conftest import STAFF, eur
from .conftest import invite as invite_to

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.app import App
    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.clock import ManualClock
    from b2b_customers.domain import Customer

    from .conftest import Shop

ACME = CompanyId("acme")
REP = Staff(id="s-rep", name="Sam Sales", roles={StaffRole.SALES_REP})
CONTROLLER = Staff(id="s-credit", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})


def events(app: App) -> list[str]:
    with app.store.unit_of_work() as uow:
        return [entry.event.name for entry in uow.outbox.pending(limit=1000)]


def audited(app: App, company: CompanyId = ACME) -> list[str]:
    return [entry.action for entry in app.audit.for_company(actor=STAFF, company_id=company).items]


def invite(shop: Shop, name: str, role: Role, company: str = "acme") -> Customer:
    return invite_to(shop.app, name, role, company)


def two_tiers(*, finance_from: str = "5000", company: str | None = "acme") -> ApprovalPolicy:
    return ApprovalPolicy(
        id=ApprovalPolicyId(f"{company or 'seller'}-policy"),
        name="Lead, then finance",
        company_id=None if company is None else CompanyId(company),
        tiers=[
            ApprovalTier(
                name="Lead", all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.ADMIN)])]
            ),
            ApprovalTier(
                name="Finance",
                at_least=eur(finance_from),
                all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.FINANCE)])],
            ),
        ],
    )


def submit(shop: Shop, buyer: Customer, amount: str | int) -> ApprovalRequest:
    request = shop.app.orders.place(actor=buyer, order=shop.order(buyer, amount)).request
    assert request is not None
    return request


class TestPolicies:
    def test_an_admin_saves_the_companys_policy_and_requests_follow_it(self, shop: Shop) -> None:
        stored = shop.app.approval_settings.save_policy(actor=shop.anna, policy=two_tiers())
        assert stored.version == 1
        request = submit(shop, shop.rita, 5000)
        assert [tier.name for tier in request.tiers] == ["Lead", "Finance"]  # inclusive: 5,000
        assert request.policy_version == 1
        assert "approval_policy.saved" in events(shop.app)
        assert "approval_policy.saved" in audited(shop.app)

    def test_saving_again_makes_a_new_version_that_new_requests_record(self, shop: Shop) -> None:
        settings = shop.app.approval_settings
        settings.save_policy(actor=shop.anna, policy=two_tiers())
        first = submit(shop, shop.rita, 100)
        second_version = settings.save_policy(actor=shop.anna, policy=two_tiers(finance_from="50"))
        assert second_version.version == 2
        later = submit(shop, shop.rita, 100)
        assert (first.policy_version, later.policy_version) == (1, 2)
        assert [tier.name for tier in later.tiers] == ["Lead", "Finance"]

    def test_a_policy_with_a_gap_is_refused_when_saved(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        gappy = ApprovalPolicy(
            id=ApprovalPolicyId("gappy"),
            name="Only big orders",
            company_id=ACME,
            tiers=[
                ApprovalTier(
                    name="Big",
                    at_least=eur(5000),
                    all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.ADMIN)])],
                )
            ],
        )
        before = snapshot()
        with pytest.raises(ValidationError, match=r"0\.00 EUR up to below 5,000\.00 EUR"):
            shop.app.approval_settings.save_policy(actor=shop.anna, policy=gappy)
        assert snapshot() == before

    def test_thresholds_in_another_currency_are_refused(self, shop: Shop) -> None:
        usd = ApprovalPolicy(
            id=ApprovalPolicyId("usd"),
            name="USD",
            company_id=ACME,
            tiers=[
                ApprovalTier(
                    name="All",
                    up_to=Money(10**9, "USD"),
                    all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.ADMIN)])],
                )
            ],
        )
        with pytest.raises(CurrencyMismatch, match="give its thresholds in EUR"):
            shop.app.approval_settings.save_policy(actor=shop.anna, policy=usd)

    def test_a_policy_naming_an_unknown_group_or_customer_is_refused(self, shop: Shop) -> None:
        for selector, what in (
            (GroupApprover(group_id=ApprovalGroupId("nope")), "approval group 'nope'"),
            (CustomerApprover(customer_id=CustomerId("nobody")), "customer 'nobody'"),
        ):
            policy = ApprovalPolicy(
                id=ApprovalPolicyId("p"),
                name="p",
                company_id=ACME,
                tiers=[ApprovalTier(name="t", all_of=[ApprovalRule(any_of=[selector])])],
            )
            with pytest.raises(ValidationError, match=what):
                shop.app.approval_settings.save_policy(actor=shop.anna, policy=policy)

    def test_a_second_policy_for_the_company_is_refused(self, shop: Shop) -> None:
        shop.app.approval_settings.save_policy(actor=shop.anna, policy=two_tiers())
        other = two_tiers()
        other = ApprovalPolicy(
            id=ApprovalPolicyId("other"), name="x", company_id=ACME, tiers=other.tiers
        )
        with pytest.raises(ValidationError, match="already has policy 'acme-policy'"):
            shop.app.approval_settings.save_policy(actor=shop.anna, policy=other)
        taken = ApprovalPolicy(
            id=ApprovalPolicyId("acme-policy"), name="x", company_id=None, tiers=other.tiers
        )
        with pytest.raises(ValidationError, match="is the id of the policy of company 'acme'"):
            shop.app.approval_settings.save_policy(actor=REP, policy=taken)

    def test_who_may_save_a_policy(self, shop: Shop, snapshot: Callable[[], object]) -> None:
        before = snapshot()
        for outsider in (shop.bob, shop.olga, CONTROLLER):
            with pytest.raises((PermissionDenied, NotFound)):
                shop.app.approval_settings.save_policy(actor=outsider, policy=two_tiers())
        with pytest.raises(PermissionDenied, match="seller-wide policy"):
            shop.app.approval_settings.save_policy(actor=shop.anna, policy=two_tiers(company=None))
        assert snapshot() == before
        assert shop.app.approval_settings.save_policy(actor=shop.hanna, policy=two_tiers()).version
        seller_wide = shop.app.approval_settings.save_policy(
            actor=REP, policy=two_tiers(company=None)
        )
        assert seller_wide.company_id is None

    def test_removing_the_policy_brings_back_the_default_rules(self, shop: Shop) -> None:
        settings = shop.app.approval_settings
        stored = settings.save_policy(actor=shop.anna, policy=two_tiers())
        settings.remove_policy(actor=shop.anna, policy=stored.id)
        assert submit(shop, shop.rita, 5000).policy_id != stored.id
        assert "approval_policy.removed" in events(shop.app)
        with pytest.raises(NotFound):
            settings.remove_policy(actor=shop.anna, policy=stored.id)


class TestApprovalGroups:
    def test_the_group_overrides_the_standard_approvers(self, shop: Shop) -> None:
        paula = invite(shop, "Paula Purchasing", Role.APPROVER)
        group = shop.app.approval_settings.save_group(
            actor=shop.anna, company=ACME, name="Purchasing", members=[paula.id]
        )
        assert group.member_ids == {paula.id}
        request = submit(shop, shop.bob, 1500)
        eligible = shop.app.approvals.eligible_approvers(actor=shop.anna, request=request.id)
        assert [candidate.id for candidate in eligible] == [paula.id]
        assert "approval_group.saved" in events(shop.app)

    def test_saving_again_replaces_the_members_and_removing_restores_the_roles(
        self, shop: Shop
    ) -> None:
        settings = shop.app.approval_settings
        paula = invite(shop, "Paula Purchasing", Role.APPROVER)
        first = settings.save_group(actor=shop.anna, company=ACME, name="P", members=[paula.id])
        second = settings.save_group(actor=shop.anna, company=ACME, name="P", roles=["admin"])
        assert (second.id, second.version, second.member_ids) == (first.id, 2, frozenset())
        settings.remove_group(actor=shop.anna, company=ACME)
        request = submit(shop, shop.bob, 1500)
        eligible = shop.app.approvals.eligible_approvers(actor=shop.anna, request=request.id)
        assert shop.anna.id in [candidate.id for candidate in eligible]
        assert "approval_group.removed" in events(shop.app)

    def test_a_member_of_another_company_is_refused(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        before = snapshot()
        with pytest.raises(ValidationError, match="is not a customer of 'acme'"):
            shop.app.approval_settings.save_group(
                actor=shop.anna, company=ACME, name="P", members=[shop.olga.id]
            )
        with pytest.raises(NotFound):
            shop.app.approval_settings.save_group(
                actor=shop.anna, company=ACME, name="P", members=[CustomerId("ghost")]
            )
        with pytest.raises(PermissionDenied):
            shop.app.approval_settings.save_group(actor=shop.bob, company=ACME, name="P")
        assert snapshot() == before


class TestApproverLimits:
    def test_a_limit_below_the_order_escalates_it(self, shop: Shop) -> None:
        settings = shop.app.approval_settings
        limit = settings.set_approver_limit(
            actor=shop.anna, company=ACME, customer=shop.anna.id, maximum=eur(2000)
        )
        request = submit(shop, shop.bob, 2500)
        assert request.escalated_to == CompanyId("hold")
        changed = settings.set_approver_limit(
            actor=shop.anna, company=ACME, customer=shop.anna.id, maximum=eur(3000)
        )
        assert (changed.id, changed.version) == (limit.id, 2)
        assert not submit(shop, shop.bob, 2500).escalated
        settings.remove_approver_limit(actor=shop.anna, limit=limit.id)
        assert [e for e in events(shop.app) if e.startswith("approver_limit.")] == [
            "approver_limit.set",
            "approver_limit.set",
            "approver_limit.removed",
        ]

    def test_a_role_limit_applies_to_every_holder(self, shop: Shop) -> None:
        shop.app.approval_settings.set_approver_limit(
            actor=shop.anna, company=ACME, role=Role.ADMIN, maximum=eur(2000)
        )
        assert submit(shop, shop.bob, 2500).escalated

    def test_a_cap_per_period_stops_the_approver_once_spent_until_the_next_period(
        self, shop: Shop
    ) -> None:
        settings = shop.app.approval_settings
        limit = settings.set_approver_limit(
            actor=shop.anna,
            company=ACME,
            customer=shop.anna.id,
            maximum=eur(2000),
            per_period=eur(2500),
            period=CalendarPeriod(unit="month"),
        )
        assert (limit.per_period, limit.period) == (eur(2500), CalendarPeriod(unit="month"))
        for amount in (1200, 1300):  # 2,500 in all: the cap is inclusive
            request = submit(shop, shop.bob, amount)
            assert not request.escalated
            approved = shop.app.approvals.approve(actor=shop.anna, request=request.id)
            assert approved.status is ApprovalStatus.APPROVED
        over = submit(shop, shop.bob, 1001)
        assert over.escalated_to == CompanyId("hold")
        with pytest.raises(PermissionDenied, match="Eligible now: Hanna"):
            shop.app.approvals.approve(actor=shop.anna, request=over.id)
        shop.clock.advance(timedelta(days=30))  # 1 May in Berlin: a new month
        assert not submit(shop, shop.bob, 1100).escalated

    def test_a_pending_request_is_out_of_reach_once_the_cap_is_spent(self, shop: Shop) -> None:
        shop.app.approval_settings.set_approver_limit(
            actor=shop.anna,
            company=ACME,
            role=Role.ADMIN,
            maximum=eur(2000),
            per_period=eur(2000),
            period=CalendarPeriod(unit="quarter"),
        )
        first, second = submit(shop, shop.bob, 1500), submit(shop, shop.bob, 1400)
        assert not first.escalated
        assert not second.escalated
        shop.app.approvals.approve(actor=shop.anna, request=first.id)
        eligible = shop.app.approvals.eligible_approvers(actor=shop.anna, request=second.id)
        assert shop.anna.id not in {candidate.id for candidate in eligible}

    def test_leaving_out_the_cap_removes_it(self, shop: Shop) -> None:
        settings = shop.app.approval_settings
        capped = settings.set_approver_limit(
            actor=shop.anna,
            company=ACME,
            customer=shop.anna.id,
            maximum=eur(2000),
            per_period=eur(1),
            period=CalendarPeriod(unit="day"),
        )
        assert submit(shop, shop.bob, 1500).escalated
        plain = settings.set_approver_limit(
            actor=shop.anna, company=ACME, customer=shop.anna.id, maximum=eur(2000)
        )
        assert (plain.id, plain.per_period, plain.period) == (capped.id, None, None)
        assert not submit(shop, shop.rita, 1500).escalated

    def test_bad_caps_per_period_are_refused(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        settings = shop.app.approval_settings
        before = snapshot()

        def cap(**arguments: object) -> None:
            settings.set_approver_limit(
                actor=shop.anna,
                company=ACME,
                customer=shop.anna.id,
                maximum=eur(2000),
                **arguments,  # type: ignore[arg-type]
            )

        with pytest.raises(ValidationError, match="give both or neither"):
            cap(per_period=eur(100))
        with pytest.raises(ValidationError, match="give both or neither"):
            cap(period=CalendarPeriod(unit="month"))
        with pytest.raises(ValidationError, match="more than zero"):
            cap(per_period=eur(0), period=CalendarPeriod(unit="month"))
        with pytest.raises(CurrencyMismatch, match="company's currency"):
            cap(per_period=Money(100, "USD"), period=CalendarPeriod(unit="month"))
        with pytest.raises(ValidationError, match="period"):
            cap(per_period=eur(100), period="month")
        assert snapshot() == before

    def test_bad_limits_are_refused(self, shop: Shop, snapshot: Callable[[], object]) -> None:
        settings = shop.app.approval_settings
        before = snapshot()
        with pytest.raises(CurrencyMismatch, match="in EUR, not USD"):
            settings.set_approver_limit(
                actor=shop.anna, company=ACME, customer=shop.anna.id, maximum=Money(5, "USD")
            )
        with pytest.raises(ValidationError, match="not a member of 'acme'"):
            settings.set_approver_limit(
                actor=shop.anna, company=ACME, customer=shop.olga.id, maximum=eur(5)
            )
        with pytest.raises(ValidationError, match="exactly one of"):
            settings.set_approver_limit(actor=shop.anna, company=ACME, maximum=eur(5))
        with pytest.raises(PermissionDenied):
            settings.set_approver_limit(
                actor=shop.bob, company=ACME, customer=shop.bob.id, maximum=eur(5)
            )
        assert snapshot() == before


@settings(
    max_examples=min(30, settings().max_examples),  # each example places and approves up to 8
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=1001, max_value=1900), st.integers(min_value=0, max_value=4)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_an_approvers_approved_total_in_any_period_never_exceeds_their_cap(
    shop: Shop, steps: list[tuple[int, int]]
) -> None:
    """Whatever orders come in, and when, the total Anna approves in one week stays within 3,000.

    On every store; one shop serves all examples, so the history grows
    across them and each example checks every week so far.
    """
    clock = shop.clock
    shop.app.credit.set_credit_limit(actor=STAFF, company="acme", credit_limit=eur(10**9))
    week = CalendarPeriod(unit="week")
    shop.app.approval_settings.set_approver_limit(
        actor=shop.anna,
        company=ACME,
        customer=shop.anna.id,
        maximum=eur(2000),
        per_period=eur(3000),
        period=week,
    )
    for amount, days in steps:
        clock.advance(timedelta(days=days))
        try:
            request = submit(shop, shop.bob, amount)
            shop.app.approvals.approve(actor=shop.anna, request=request.id)
        except (OrderDenied, PermissionDenied):
            continue  # over the credit line, or beyond Anna's cap: someone else's
    approved: list[ApprovalRequest] = []
    offset: int | None = 0
    with shop.app.store.unit_of_work() as uow:
        while offset is not None:
            page = uow.approvals.search(
                ApprovalQuery(approver_id=shop.anna.id, offset=offset, limit=100)
            )
            approved.extend(page.items)
            offset = page.next_offset
    per_week: dict[object, Decimal] = {}
    for request in approved:
        (verdict,) = [v for v in request.approvals if v.approver_id == shop.anna.id]
        start = window_of(week, verdict.at, time_zone="Europe/Berlin").start
        per_week[start] = per_week.get(start, Decimal(0)) + request.order.total.amount
    assert all(total <= Decimal(3000) for total in per_week.values())


class TestManagersAndCustomerGroups:
    def test_the_manager_named_approves_under_a_manager_rule(self, shop: Shop) -> None:
        max_ = invite(shop, "Max Manager", Role.BUYER)
        shop.app.customers.set_manager(actor=shop.anna, customer=shop.rita.id, manager=max_.id)
        policy = ApprovalPolicy(
            id=ApprovalPolicyId("manager"),
            name="The manager",
            company_id=ACME,
            tiers=[ApprovalTier(name="Lead", all_of=[ApprovalRule(any_of=[ManagerApprover()])])],
        )
        shop.app.approval_settings.save_policy(actor=shop.anna, policy=policy)
        request = submit(shop, shop.rita, 100)
        eligible = shop.app.approvals.eligible_approvers(actor=shop.anna, request=request.id)
        assert [candidate.id for candidate in eligible] == [max_.id]

    def test_a_manager_from_elsewhere_or_oneself_is_refused(self, shop: Shop) -> None:
        customers = shop.app.customers
        with pytest.raises(ValidationError, match="works for none of the companies"):
            customers.set_manager(actor=shop.anna, customer=shop.rita.id, manager=shop.olga.id)
        with pytest.raises(ValidationError, match="own manager"):
            customers.set_manager(actor=shop.anna, customer=shop.rita.id, manager=shop.rita.id)
        with pytest.raises(PermissionDenied):
            customers.set_manager(actor=shop.bob, customer=shop.rita.id, manager=shop.anna.id)
        # A manager at the holding above is fine; so is removing the manager.
        assert customers.set_manager(
            actor=shop.anna, customer=shop.rita.id, manager=shop.hanna.id
        ).manager_id == (shop.hanna.id)
        removed = customers.set_manager(actor=shop.anna, customer=shop.rita.id, manager=None)
        assert removed.manager_id is None

    def test_staff_keep_custom_customer_groups_that_limits_can_target(self, shop: Shop) -> None:
        group = shop.app.customers.create_group(actor=REP, name="Trusted", members=[shop.bob.id])
        changed = shop.app.customers.change_group(
            actor=REP, group=group.id, add=[shop.rita.id], remove=[shop.bob.id]
        )
        assert changed.member_ids == {shop.rita.id}
        limit = shop.app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="group", company_id=ACME, target=group.id),
            rule=OrderTotalLimit(maximum=eur(50)),
            on_exceed="deny",
        )
        assert limit.scope.target == group.id
        decision = shop.app.orders.check(actor=shop.rita, order=shop.order(shop.rita, 60))
        assert decision.outcome is Outcome.DENIED
        assert {"customer_group.created", "customer_group.changed"} <= set(events(shop.app))

    def test_customer_groups_are_staffs_and_company_groups_follow_the_company(
        self, shop: Shop
    ) -> None:
        with pytest.raises(PermissionDenied):
            shop.app.customers.create_group(actor=shop.anna, name="Mine")
        with shop.app.store.unit_of_work() as uow:
            automatic = uow.groups.for_company(ACME)
        with pytest.raises(ValidationError, match="follows the customers of 'acme'"):
            shop.app.customers.change_group(actor=REP, group=automatic.id, add=[shop.olga.id])
        with pytest.raises(NotFound):
            shop.app.customers.create_group(actor=REP, name="X", members=[CustomerId("ghost")])


class TestCompletingTheCheckout:
    def test_the_approver_completes_the_checkout(self, shop: Shop) -> None:
        paula = invite(shop, "Paula Purchasing", Role.APPROVER)
        request = submit(shop, shop.bob, 1500)
        shop.app.approvals.approve(actor=paula, request=request.id)
        placement = shop.app.approvals.complete(actor=paula, request=request.id)
        assert placement.placed
        assert placement.request is not None
        assert placement.request.status is ApprovalStatus.COMPLETED
        assert placement.request.audit[-1].actor_id == paula.id

    def test_an_approver_who_did_not_approve_may_not(self, shop: Shop) -> None:
        paula = invite(shop, "Paula Purchasing", Role.APPROVER)
        request = submit(shop, shop.bob, 1500)
        shop.app.approvals.approve(actor=shop.anna, request=request.id)
        with pytest.raises(PermissionDenied):
            shop.app.approvals.complete(actor=paula, request=request.id)

    def test_staff_who_approved_complete_it_too(self, shop: Shop) -> None:
        for company in ("acme", "hold"):  # nobody in the group covers it: the seller decides
            shop.app.approval_settings.set_approver_limit(
                actor=STAFF, company=CompanyId(company), role=Role.ADMIN, maximum=eur(100)
            )
        request = submit(shop, shop.bob, 1500)
        assert request.at_seller
        shop.app.approvals.approve(actor=CONTROLLER, request=request.id)
        assert shop.app.approvals.complete(actor=CONTROLLER, request=request.id).placed


class TestConnect:
    def test_seller_approvers_given_to_connect_limit_staff(self, clock: ManualClock) -> None:
        desk = SellerApprover(id=CONTROLLER.id, name="Sales desk", maximum=Money(100, "EUR"))
        app = connect("memory://", clock=clock, ids=SequentialIds("c-"), seller_approvers=[desk])
        assert app.seller_approvers == (desk,)
        app.companies.onboard(actor=STAFF, id="acme", name="ACME", currency="EUR")
        rita = invite_to(app, "Rita Requester", Role.REQUESTER)
        order = app.orders.place(actor=rita, order=one_line(rita, "500"))
        assert order.request is not None
        with pytest.raises(PermissionDenied, match=r"up to 100\.00 EUR"):
            app.approvals.approve(actor=CONTROLLER, request=order.request.id)

    def test_exchange_rates_given_to_connect_convert_limits(self, clock: ManualClock) -> None:
        rates = FixedRates({("USD", "EUR"): Decimal("0.5")})
        app = connect("memory://", clock=clock, rates=rates)
        app.companies.onboard(actor=STAFF, id="acme", name="ACME", currency="EUR")
        bob = invite_to(app, "Bob Buyer", Role.BUYER)
        app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="company", company_id=ACME),
            rule=OrderTotalLimit(maximum=eur(50)),
        )
        in_dollars = one_line(bob, "120", currency="USD")
        decision = app.orders.check(actor=bob, order=in_dollars)
        assert decision.outcome is Outcome.APPROVAL_REQUIRED  # 120 USD = 60 EUR > 50 EUR
        assert connect("memory://", clock=clock).seller_approvers == ()


def one_line(buyer: Customer, amount: str, currency: str = "EUR") -> OrderDraft:
    return OrderDraft(
        company_id=ACME,
        buyer_id=buyer.id,
        lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=Money(amount, currency))],
    )


class TestParentUnitsApprove:
    @staticmethod
    def policy(*, parent_units_approve: bool) -> ApprovalPolicy:
        return attrs.evolve(
            two_tiers(finance_from="1000000"), parent_units_approve=parent_units_approve
        )

    def test_off_by_default_the_parent_waits_for_an_escalation(self, shop: Shop) -> None:
        peter = invite(shop, "Peter Parent", Role.APPROVER, company="hold")
        shop.app.approval_settings.save_policy(
            actor=shop.anna, policy=self.policy(parent_units_approve=False)
        )
        request = submit(shop, shop.bob, 1500)
        eligible = shop.app.approvals.eligible_approvers(actor=shop.anna, request=request.id)
        assert [candidate.id for candidate in eligible] == [shop.anna.id]
        with pytest.raises(NotFound):  # he does not even see it
            shop.app.approvals.approve(actor=peter, request=request.id)

    def test_switched_on_the_parent_units_approvers_approve_directly(self, shop: Shop) -> None:
        peter = invite(shop, "Peter Parent", Role.APPROVER, company="hold")
        shop.app.approval_settings.save_policy(
            actor=shop.anna, policy=self.policy(parent_units_approve=True)
        )
        request = submit(shop, shop.bob, 1500)
        assert not request.escalated
        eligible = shop.app.approvals.eligible_approvers(actor=shop.anna, request=request.id)
        assert {candidate.id for candidate in eligible} == {shop.anna.id, shop.hanna.id, peter.id}
        approved = shop.app.approvals.approve(actor=peter, request=request.id)
        assert approved.status is ApprovalStatus.APPROVED
        assert "a parent unit" in next(
            candidate.basis for candidate in eligible if candidate.id == peter.id
        )

    def test_a_parent_units_approver_keeps_their_limit_there(self, shop: Shop) -> None:
        peter = invite(shop, "Peter Parent", Role.APPROVER, company="hold")
        shop.app.approval_settings.set_approver_limit(
            actor=STAFF, company=CompanyId("hold"), customer=peter.id, maximum=eur(1200)
        )
        shop.app.approval_settings.save_policy(
            actor=shop.anna, policy=self.policy(parent_units_approve=True)
        )
        request = submit(shop, shop.bob, 1500)
        eligible = shop.app.approvals.eligible_approvers(actor=shop.anna, request=request.id)
        assert peter.id not in {candidate.id for candidate in eligible}


class TestTiersChosenByTheRuleCrossed:
    def test_a_quantity_tier_applies_only_to_orders_that_crossed_the_quantity_limit(
        self, shop: Shop
    ) -> None:
        admins = [ApprovalRule(any_of=[RoleApprover(role=Role.ADMIN)])]
        policy = ApprovalPolicy(
            id=ApprovalPolicyId("by-rule"),
            name="Lead, and the warehouse for bulk orders",
            company_id=ACME,
            tiers=[
                ApprovalTier(name="Lead", all_of=admins),
                ApprovalTier(name="Warehouse", all_of=admins, when_crossed={"quantity"}),
            ],
        )
        shop.app.approval_settings.save_policy(actor=shop.anna, policy=policy)
        shop.app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="company", company_id=ACME),
            rule=QuantityLimit(max_quantity=5),
        )
        bulk = OrderDraft(
            company_id=ACME,
            buyer_id=shop.bob.id,
            lines=[OrderLine(sku="SCREW", quantity=10, unit_price=eur(1))],
        )
        routes = shop.app.approvals.approvers_for(actor=shop.bob, order=bulk)
        assert [route.name for route in routes] == ["Lead", "Warehouse"]
        assert [tier.name for tier in submit(shop, shop.bob, 1500).tiers] == ["Lead"]
