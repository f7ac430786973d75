"""The standard approval rules (Emporix's), one test per rule, on both sides of each boundary.

The company limit is 1,000.00 EUR per order: 1,000.00 is within it, 1,000.01 crosses it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from moneyed import Money

from b2b_customers.approvals import (
    DEFAULT_POLICY,
    ApprovalDirectory,
    ApprovalGroup,
    ApprovalRequest,
    ApprovalStatus,
    is_approval_required,
)
from b2b_customers.domain import Company, Customer, CustomerStatus, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import CurrencyMismatch, PermissionDenied, ValidationError
from b2b_customers.ids import (
    ApprovalGroupId,
    ApprovalRequestId,
    CompanyId,
    CustomerId,
    LimitId,
)
from b2b_customers.limits import (
    Decision,
    DecisionContext,
    LimitScope,
    OrderTotalLimit,
    Outcome,
    PurchasingLimit,
    SpendTotals,
    decide,
)

ACME = CompanyId("acme")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
LIMIT = Money("1000.00", "EUR")
AT_LIMIT = Decimal("1000.00")
ABOVE = Decimal("1000.01")


def person(name: str, *roles: Role, **extra: object) -> Customer:
    customer = Customer(
        id=CustomerId(name),
        email=f"{name}@acme.example",
        first_name=name.title(),
        last_name="Example",
        **extra,  # type: ignore[arg-type]
    )
    return customer.with_roles(ACME, roles)


RITA = person("rita", Role.REQUESTER)
BOB = person("bob", Role.BUYER)
BEA = person("bea", Role.BUYER)
ANNA = person("anna", Role.ADMIN)
OTTO = person("otto", Role.APPROVER)
CARL = person("carl", Role.BUYER)
COMPANY = Company(id=ACME, name="ACME GmbH", currency="EUR")
COMPANY_LIMIT = PurchasingLimit(
    id=LimitId("per-order"),
    name="Company limit",
    scope=LimitScope(kind="company", company_id=ACME),
    rule=OrderTotalLimit(maximum=LIMIT),
)
DIRECTORY = ApprovalDirectory(customers=[RITA, BOB, BEA, ANNA, OTTO, CARL])


def order(buyer: Customer, amount: Decimal, currency: str = "EUR") -> OrderDraft:
    return OrderDraft(
        company_id=ACME,
        buyer_id=buyer.id,
        resource_id="cart-1",
        lines=[OrderLine(sku="DRILL", quantity=1, unit_price=Money(amount, currency))],
    )


def decision(draft: OrderDraft, buyer: Customer) -> Decision:
    context = DecisionContext(
        company=COMPANY, buyer=buyer, limits=[COMPANY_LIMIT], spend=SpendTotals({ACME: "UTC"})
    )
    return decide(draft, context, NOW)


def submitted(
    buyer: Customer, amount: Decimal, directory: ApprovalDirectory = DIRECTORY
) -> ApprovalRequest:
    draft = order(buyer, amount)
    return ApprovalRequest.submit(
        id=ApprovalRequestId("r-1"),
        order=draft,
        decision=decision(draft, buyer),
        requester=buyer,
        directory=directory,
        at=NOW,
    )


def approve(request: ApprovalRequest, approver: Customer, directory: ApprovalDirectory = DIRECTORY):
    return request.approve(approver, at=NOW, directory=directory)


class TestAdmins:
    """An admin orders without approval."""

    @pytest.mark.parametrize("amount", [AT_LIMIT, ABOVE, Decimal(1_000_000)])
    def test_an_admin_orders_without_approval_whatever_the_amount(self, amount):
        assert not is_approval_required(ANNA, order(ANNA, amount), company_limit=LIMIT)


class TestBuyers:
    """A buyer orders up to the company limit; above it, an admin approves."""

    def test_a_buyer_orders_up_to_the_limit_without_approval(self):
        assert not is_approval_required(BOB, order(BOB, AT_LIMIT), company_limit=LIMIT)
        assert decision(order(BOB, AT_LIMIT), BOB).outcome is Outcome.ALLOWED

    def test_a_buyer_needs_approval_one_cent_above_the_limit(self):
        assert is_approval_required(BOB, order(BOB, ABOVE), company_limit=LIMIT)
        assert decision(order(BOB, ABOVE), BOB).outcome is Outcome.APPROVAL_REQUIRED

    def test_a_buyer_without_a_company_limit_never_needs_approval(self):
        assert not is_approval_required(BOB, order(BOB, Decimal(10**9)))

    def test_above_the_limit_an_admin_approves_a_buyers_order(self):
        assert approve(submitted(BOB, ABOVE), ANNA).status is ApprovalStatus.APPROVED

    def test_above_the_limit_another_buyer_may_not_approve_a_buyers_order(self):
        with pytest.raises(PermissionDenied, match=r"Bea Example \(bea\) may not approve"):
            approve(submitted(BOB, ABOVE), BEA)


class TestRequesters:
    """A requester needs approval for every order: buyer or admin up to the limit, admin above."""

    @pytest.mark.parametrize("amount", [Decimal("0.01"), AT_LIMIT, ABOVE])
    def test_a_requester_needs_approval_for_every_order(self, amount):
        assert is_approval_required(RITA, order(RITA, amount), company_limit=LIMIT)
        assert decision(order(RITA, amount), RITA).outcome is Outcome.APPROVAL_REQUIRED

    def test_up_to_the_limit_a_buyer_may_approve_a_requesters_order(self):
        assert approve(submitted(RITA, AT_LIMIT), BOB).status is ApprovalStatus.APPROVED

    def test_up_to_the_limit_an_admin_may_approve_a_requesters_order(self):
        assert approve(submitted(RITA, AT_LIMIT), ANNA).status is ApprovalStatus.APPROVED

    def test_above_the_limit_a_buyer_may_not_approve_a_requesters_order(self):
        with pytest.raises(PermissionDenied, match="Eligible now: Anna Example"):
            approve(submitted(RITA, ABOVE), BOB)

    def test_above_the_limit_an_admin_approves_a_requesters_order(self):
        assert approve(submitted(RITA, ABOVE), ANNA).status is ApprovalStatus.APPROVED


class TestApproverRole:
    """Holders of the approver duty role approve in both cases (this library's addition)."""

    @pytest.mark.parametrize("amount", [AT_LIMIT, ABOVE])
    def test_an_approver_approves_within_and_above_the_limit(self, amount):
        assert approve(submitted(RITA, amount), OTTO).status is ApprovalStatus.APPROVED


class TestApprovalGroups:
    """A company's approval group with members overrides the standard roles."""

    GROUP = ApprovalGroup(
        id=ApprovalGroupId("approvers"), company_id=ACME, name="Approvers", member_ids={CARL.id}
    )

    def test_with_an_approval_group_only_its_members_approve(self):
        directory = ApprovalDirectory(customers=DIRECTORY.customers.values(), groups=[self.GROUP])
        request = submitted(RITA, ABOVE, directory)
        with pytest.raises(PermissionDenied, match="Eligible now: Carl Example"):
            approve(request, ANNA, directory)
        assert approve(request, CARL, directory).status is ApprovalStatus.APPROVED

    def test_a_group_may_name_its_members_by_role(self):
        by_role = ApprovalGroup(
            id=ApprovalGroupId("admins"), company_id=ACME, name="Admins", roles={Role.ADMIN}
        )
        directory = ApprovalDirectory(customers=DIRECTORY.customers.values(), groups=[by_role])
        request = submitted(RITA, AT_LIMIT, directory)
        with pytest.raises(PermissionDenied):
            approve(request, BOB, directory)  # a buyer would do without the group
        assert approve(request, ANNA, directory).status is ApprovalStatus.APPROVED

    def test_a_group_without_active_members_changes_nothing(self):
        gone = person("gone", Role.ADMIN, status=CustomerStatus.INACTIVE)
        group = ApprovalGroup(
            id=ApprovalGroupId("empty"), company_id=ACME, name="Empty", member_ids={gone.id}
        )
        directory = ApprovalDirectory(
            customers=[*DIRECTORY.customers.values(), gone], groups=[group]
        )
        approved = approve(submitted(RITA, AT_LIMIT, directory), BOB, directory)
        assert approved.status is ApprovalStatus.APPROVED


class TestDefaultPolicy:
    """Companies without a policy of their own follow the built-in one."""

    def test_a_company_without_a_policy_follows_the_standard_rules(self):
        assert DIRECTORY.policy_for(ACME) is DEFAULT_POLICY
        assert submitted(RITA, AT_LIMIT).policy == DEFAULT_POLICY

    def test_requests_under_the_standard_rules_live_seven_days(self):
        request = submitted(RITA, AT_LIMIT)
        assert (request.expires_at - request.submitted_at).days == 7


class TestTheQuestionRefusesWhatItCannotAnswer:
    """``is_approval_required`` says what is wrong with its question."""

    def test_an_order_of_another_buyer_is_refused(self):
        with pytest.raises(ValidationError, match="names buyer 'bob'"):
            is_approval_required(RITA, order(BOB, AT_LIMIT))

    def test_an_inactive_customer_may_not_order(self):
        gone = person("gone", Role.BUYER, status=CustomerStatus.INACTIVE)
        with pytest.raises(PermissionDenied, match="inactive"):
            is_approval_required(gone, order(gone, AT_LIMIT))

    def test_a_customer_without_a_purchasing_role_may_not_order(self):
        with pytest.raises(PermissionDenied, match="no purchasing role"):
            is_approval_required(OTTO, order(OTTO, AT_LIMIT))

    def test_a_limit_in_another_currency_is_refused(self):
        with pytest.raises(CurrencyMismatch, match="in the order's currency"):
            is_approval_required(BOB, order(BOB, AT_LIMIT, "USD"), company_limit=LIMIT)
