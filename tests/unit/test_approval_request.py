"""The approval request's life: submit, approve, reject, cancel, expire, complete, and the audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
import pytest
from moneyed import Money

from b2b_customers.approvals import (
    EMPORIX_STATUS,
    FINAL_STATUSES,
    ActorKind,
    ApprovalAction,
    ApprovalDirectory,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    CreditEffect,
    RoleApprover,
    SellerApprover,
    SellerApprovers,
    StandardApprovers,
    Validity,
    credit_effect,
    due_for_expiry,
    eligible_approvers,
    expire_due,
    from_emporix,
    to_emporix,
)
from b2b_customers.domain import Customer, CustomerStatus, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, ResourceType
from b2b_customers.errors import InvalidTransition, PermissionDenied, ValidationError
from b2b_customers.ids import ApprovalPolicyId, ApprovalRequestId, CompanyId, CustomerId, OrderId
from b2b_customers.limits import Decision, Outcome, RuleResult
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    from collections.abc import Callable

ACME = CompanyId("acme")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def person(name: str, *roles: Role, company: CompanyId = ACME) -> Customer:
    customer = Customer(
        id=CustomerId(name), email=f"{name}@example.com", first_name=name.title(), last_name="X"
    )
    return customer.with_roles(company, roles)


RITA = person("rita", Role.REQUESTER)
ANNA = person("anna", Role.ADMIN)
ADAM = person("adam", Role.ADMIN)
BOB = person("bob", Role.BUYER)
FINN = person("finn", Role.FINANCE)
ZOE = person("zoe", Role.ADMIN, company=CompanyId("other"))
SAM = SellerApprover(id="sam", name="Sam Seller")
DIRECTORY = ApprovalDirectory(customers=[RITA, ANNA, ADAM, BOB, FINN, ZOE], seller_approvers=[SAM])
TWO_TIERS = ApprovalPolicy(
    id=ApprovalPolicyId("two"),
    name="Admin, then finance",
    company_id=ACME,
    tiers=[
        ApprovalTier(name="Admin", all_of=[ApprovalRule(any_of=[StandardApprovers()])]),
        ApprovalTier(
            name="Finance", all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.FINANCE)])]
        ),
    ],
)


def draft(amount: str = "1200", *, buyer: Customer = RITA, resource_id: str | None = "cart-1"):
    return OrderDraft(
        company_id=ACME,
        buyer_id=buyer.id,
        resource_id=resource_id,
        resource_type=ResourceType.CART,
        lines=[OrderLine(sku="DRILL", quantity=2, unit_price=Money(Decimal(amount) / 2, "EUR"))],
    )


def decision_for(order: OrderDraft, outcome: Outcome = Outcome.APPROVAL_REQUIRED) -> Decision:
    return Decision(
        outcome=outcome,
        results=[RuleResult(rule="requester", outcome=outcome, message="Rita is a requester")],
        order_total=order.total,
        evaluated_at=NOW,
        approver_roles=("admin",) if outcome is Outcome.APPROVAL_REQUIRED else (),
    )


def submit(
    *, policy: ApprovalPolicy | None = None, comment: str | None = "for project Q3"
) -> ApprovalRequest:
    order = draft()
    return ApprovalRequest.submit(
        id=ApprovalRequestId("r-1"),
        order=order,
        decision=decision_for(order),
        requester=RITA,
        directory=DIRECTORY,
        at=NOW,
        comment=comment,
        policy=policy,
    )


PENDING = submit()
APPROVED = PENDING.approve(ANNA, at=LATER, directory=DIRECTORY, comment="ok")


def finals() -> dict[ApprovalStatus, ApprovalRequest]:
    later = LATER + timedelta(hours=1)
    return {
        ApprovalStatus.REJECTED: PENDING.reject(
            ANNA, at=LATER, reason="too expensive", directory=DIRECTORY
        ),
        ApprovalStatus.CANCELLED: PENDING.cancel(RITA, at=LATER),
        ApprovalStatus.EXPIRED: PENDING.expire(at=PENDING.expires_at),
        ApprovalStatus.COMPLETED: APPROVED.complete(OrderId("o-1"), at=later, actor=RITA),
    }


class TestSubmitting:
    """A decision of "approval required" becomes a pending request with snapshots."""

    def test_a_request_snapshots_the_order_decision_and_policy(self):
        assert PENDING.status is ApprovalStatus.PENDING
        assert (PENDING.resource_type, PENDING.resource_id) == (ResourceType.CART, "cart-1")
        assert PENDING.order == draft()
        assert PENDING.decision.outcome is Outcome.APPROVAL_REQUIRED
        assert PENDING.policy.id == "builtin-standard"
        assert PENDING.comment == "for project Q3"
        assert PENDING.expires_at == NOW + timedelta(days=7)

    def test_the_submission_is_the_first_audit_entry(self):
        (entry,) = PENDING.audit
        assert (entry.action, entry.actor_id, entry.before, entry.after) == (
            ApprovalAction.SUBMIT,
            "rita",
            None,
            ApprovalStatus.PENDING,
        )
        assert entry.event_name == "approval.requested"
        assert entry.credit_effect is CreditEffect.RESERVE

    def test_the_policys_validity_sets_the_expiry(self):
        monthly = attrs.evolve(TWO_TIERS, validity=Validity(months=1))
        assert submit(policy=monthly).expires_at == datetime(2026, 4, 2, 9, tzinfo=UTC)

    @pytest.mark.parametrize("outcome", [Outcome.ALLOWED, Outcome.DENIED])
    def test_only_a_decision_of_approval_required_is_submitted(self, outcome):
        order = draft()
        with pytest.raises(ValidationError, match="not approval_required") as raised:
            ApprovalRequest.submit(
                id=ApprovalRequestId("r"),
                order=order,
                decision=decision_for(order, outcome),
                requester=RITA,
                directory=DIRECTORY,
                at=NOW,
            )
        assert raised.value.field == "decision"

    def test_a_decision_for_another_total_is_refused(self):
        with pytest.raises(ValidationError, match="decide again for this order"):
            ApprovalRequest.submit(
                id=ApprovalRequestId("r"),
                order=draft("999"),
                decision=decision_for(draft()),
                requester=RITA,
                directory=DIRECTORY,
                at=NOW,
            )

    def test_a_decision_from_the_future_is_refused(self):
        order = draft()
        with pytest.raises(ValidationError, match="pass the current time"):
            ApprovalRequest.submit(
                id=ApprovalRequestId("r"),
                order=order,
                decision=decision_for(order),
                requester=RITA,
                directory=DIRECTORY,
                at=NOW - timedelta(seconds=1),
            )

    def test_someone_elses_order_is_refused(self):
        order = draft(buyer=BOB)
        with pytest.raises(ValidationError, match="not the requester 'rita'"):
            ApprovalRequest.submit(
                id=ApprovalRequestId("r"),
                order=order,
                decision=decision_for(order),
                requester=RITA,
                directory=DIRECTORY,
                at=NOW,
            )

    def test_an_inactive_requester_may_not_ask(self):
        gone = attrs.evolve(RITA, status=CustomerStatus.INACTIVE)
        order = draft()
        with pytest.raises(PermissionDenied, match="cannot ask for approval"):
            ApprovalRequest.submit(
                id=ApprovalRequestId("r"),
                order=order,
                decision=decision_for(order),
                requester=gone,
                directory=DIRECTORY,
                at=NOW,
            )

    def test_a_request_names_its_resource(self):
        order = draft(resource_id=None)
        with pytest.raises(ValidationError, match="give resource_id"):
            ApprovalRequest.submit(
                id=ApprovalRequestId("r"),
                order=order,
                decision=decision_for(order),
                requester=RITA,
                directory=DIRECTORY,
                at=NOW,
            )

    def test_a_naive_time_is_refused(self):
        order = draft()
        with pytest.raises(ValidationError, match="timezone-aware"):
            ApprovalRequest.submit(
                id=ApprovalRequestId("r"),
                order=order,
                decision=decision_for(order),
                requester=RITA,
                directory=DIRECTORY,
                at=NOW.replace(tzinfo=None),
            )


class TestApproving:
    """The approval that satisfies the last tier approves the request."""

    def test_an_eligible_approver_approves_and_the_audit_says_so(self):
        assert APPROVED.status is ApprovalStatus.APPROVED
        (verdict,) = APPROVED.approvals
        assert (verdict.approver_id, verdict.at, verdict.comment) == ("anna", LATER, "ok")
        assert verdict.basis == "admin at 'acme', as the decision named"
        entry = APPROVED.audit[-1]
        assert (entry.action, entry.actor_id, entry.at, entry.comment, entry.tier) == (
            ApprovalAction.APPROVE,
            "anna",
            LATER,
            "ok",
            0,
        )
        assert (entry.before, entry.after) == (ApprovalStatus.PENDING, ApprovalStatus.APPROVED)
        assert entry.event_name == "approval.approved"
        assert entry.credit_effect is CreditEffect.KEEP

    def test_an_approval_that_leaves_tiers_open_keeps_the_request_pending(self):
        once = submit(policy=TWO_TIERS).approve(ANNA, at=LATER, directory=DIRECTORY)
        assert once.status is ApprovalStatus.PENDING
        assert once.audit[-1].event_name == "approval.approval_recorded"
        assert once.approve(FINN, at=LATER, directory=DIRECTORY).status is ApprovalStatus.APPROVED

    def test_nobody_approves_their_own_request(self):
        admin_request = attrs.evolve(RITA, memberships=ANNA.memberships)
        order = draft()
        request = ApprovalRequest.submit(
            id=ApprovalRequestId("r"),
            order=order,
            decision=decision_for(order),
            requester=admin_request,
            directory=DIRECTORY,
            at=NOW,
        )
        with pytest.raises(PermissionDenied, match="segregation of duties"):
            request.approve(admin_request, at=LATER, directory=DIRECTORY)

    def test_a_policy_flag_may_allow_self_approval(self):
        lenient = ApprovalPolicy(
            id=ApprovalPolicyId("lenient"),
            name="Self-approval allowed",
            tiers=[ApprovalTier(name="Admin", all_of=[ApprovalRule(any_of=[StandardApprovers()])])],
            allow_self_approval=True,
        )
        admin = attrs.evolve(RITA, memberships=ANNA.memberships)
        directory = ApprovalDirectory(customers=[admin, ANNA])
        order = draft()
        request = ApprovalRequest.submit(
            id=ApprovalRequestId("r"),
            order=order,
            decision=decision_for(order),
            requester=admin,
            directory=directory,
            at=NOW,
            policy=lenient,
        )
        approved = request.approve(admin, at=LATER, directory=directory)
        assert approved.status is ApprovalStatus.APPROVED

    def test_an_approver_acts_once_per_request(self):
        once = submit(policy=TWO_TIERS).approve(ANNA, at=LATER, directory=DIRECTORY)
        with pytest.raises(PermissionDenied, match="acts once per request"):
            once.approve(ANNA, at=LATER, directory=DIRECTORY)
        with pytest.raises(PermissionDenied, match="acts once per request"):
            once.reject(ANNA, at=LATER, reason="changed my mind", directory=DIRECTORY)

    def test_someone_from_another_company_may_not_approve(self):
        with pytest.raises(PermissionDenied, match=r"Zoe X \(zoe\) may not approve tier"):
            PENDING.approve(ZOE, at=LATER, directory=DIRECTORY)

    def test_an_approved_request_takes_no_more_approvals(self):
        with pytest.raises(InvalidTransition, match="already approved"):
            APPROVED.approve(ADAM, at=LATER, directory=DIRECTORY)

    def test_time_does_not_run_backwards(self):
        with pytest.raises(ValidationError, match="before the request's last change"):
            APPROVED.complete(OrderId("o-1"), at=NOW)

    def test_something_that_is_not_an_actor_is_refused(self):
        with pytest.raises(ValidationError, match="a Customer or a SellerApprover"):
            PENDING.approve("anna", at=LATER, directory=DIRECTORY)  # type: ignore[arg-type]


class TestRejecting:
    """Any required approver rejects the whole request, with a reason."""

    def test_a_rejection_rejects_the_whole_request(self):
        rejected = finals()[ApprovalStatus.REJECTED]
        assert rejected.status is ApprovalStatus.REJECTED
        assert rejected.rejection is not None
        assert rejected.rejection.comment == "too expensive"
        entry = rejected.audit[-1]
        assert (entry.action, entry.comment, entry.credit_effect) == (
            ApprovalAction.REJECT,
            "too expensive",
            CreditEffect.RELEASE,
        )

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_rejecting_needs_a_reason(self, reason):
        with pytest.raises(ValidationError, match="give a reason to reject") as raised:
            PENDING.reject(ANNA, at=LATER, reason=reason, directory=DIRECTORY)
        assert raised.value.field == "reason"

    def test_an_approver_of_a_later_tier_may_reject_before_their_turn(self):
        two = submit(policy=TWO_TIERS)
        rejected = two.reject(FINN, at=LATER, reason="no budget", directory=DIRECTORY)
        assert rejected.status is ApprovalStatus.REJECTED
        assert rejected.tiers[1].rejections[0].approver_id == "finn"

    def test_the_requester_withdraws_rather_than_rejects(self):
        with pytest.raises(PermissionDenied, match="withdraw it with cancel"):
            PENDING.reject(RITA, at=LATER, reason="oops", directory=DIRECTORY)

    def test_someone_not_eligible_may_not_reject(self):
        with pytest.raises(PermissionDenied, match="only an eligible approver"):
            PENDING.reject(BOB, at=LATER, reason="no", directory=DIRECTORY)

    def test_an_approved_request_is_not_rejected_any_more(self):
        with pytest.raises(InvalidTransition, match="already approved"):
            APPROVED.reject(ADAM, at=LATER, reason="late", directory=DIRECTORY)


class TestCancelling:
    """The requester withdraws; an admin, a seller approver or the system closes, with a reason."""

    def test_the_requester_withdraws_without_a_reason(self):
        cancelled = PENDING.cancel(RITA, at=LATER)
        assert cancelled.status is ApprovalStatus.CANCELLED
        assert cancelled.audit[-1].credit_effect is CreditEffect.RELEASE

    def test_an_admin_closes_with_a_reason(self):
        with pytest.raises(ValidationError, match="give a reason"):
            PENDING.cancel(ANNA, at=LATER)
        closed = PENDING.cancel(ANNA, at=LATER, reason="duplicate of r-0")
        assert closed.audit[-1].comment == "duplicate of r-0"

    def test_a_seller_approver_and_the_system_close_with_a_reason(self):
        assert PENDING.cancel(SAM, at=LATER, reason="cart changed").is_final
        closed = PENDING.cancel(None, at=LATER, reason="cart changed")
        assert closed.audit[-1].actor_kind is ActorKind.SYSTEM

    def test_another_customer_may_not_cancel(self):
        with pytest.raises(PermissionDenied, match="only the requester withdraws it"):
            PENDING.cancel(BOB, at=LATER, reason="not mine")

    def test_an_approved_request_may_still_be_withdrawn(self):
        later = LATER + timedelta(minutes=5)
        assert APPROVED.cancel(RITA, at=later).status is ApprovalStatus.CANCELLED


class TestExpiry:
    """A request is expired from the instant expires_at on, swept or not."""

    @pytest.mark.parametrize(
        "act",
        [
            lambda r, at: r.approve(ANNA, at=at, directory=DIRECTORY),
            lambda r, at: r.reject(ANNA, at=at, reason="no", directory=DIRECTORY),
            lambda r, at: r.cancel(RITA, at=at),
        ],
        ids=["approve", "reject", "cancel"],
    )
    def test_acting_at_exactly_expires_at_is_refused(self, act):
        with pytest.raises(InvalidTransition, match=r"expired at .*; submit anew"):
            act(PENDING, PENDING.expires_at)
        assert act(PENDING, PENDING.expires_at - timedelta(microseconds=1)).status in {
            ApprovalStatus.APPROVED,
            ApprovalStatus.REJECTED,
            ApprovalStatus.CANCELLED,
        }

    def test_an_approved_request_without_an_order_expires_too(self):
        with pytest.raises(InvalidTransition, match="submit anew"):
            APPROVED.complete(OrderId("o-1"), at=APPROVED.expires_at)
        expired = APPROVED.expire(at=APPROVED.expires_at)
        assert expired.status is ApprovalStatus.EXPIRED
        assert "no order placed" in (expired.audit[-1].comment or "")

    def test_a_request_is_not_expired_before_it_is_due(self):
        with pytest.raises(InvalidTransition, match="is not due"):
            PENDING.expire(at=PENDING.expires_at - timedelta(microseconds=1))

    def test_the_status_at_a_moment_says_expired_before_the_sweep(self):
        assert PENDING.status_at(PENDING.expires_at - timedelta(microseconds=1)).is_open
        assert PENDING.status_at(PENDING.expires_at) is ApprovalStatus.EXPIRED
        assert PENDING.status is ApprovalStatus.PENDING

    def test_the_sweep_expires_every_due_request_and_nothing_else(self):
        fresh = attrs.evolve(submit(), id=ApprovalRequestId("r-2"))
        cancelled = finals()[ApprovalStatus.CANCELLED]
        swept = expire_due([PENDING, APPROVED, cancelled], at=PENDING.expires_at)
        assert [request.status for request in swept] == [ApprovalStatus.EXPIRED] * 2
        assert all(entry.audit[-1].actor_kind is ActorKind.SYSTEM for entry in swept)
        assert expire_due(swept, at=PENDING.expires_at) == []
        assert due_for_expiry([fresh], at=fresh.expires_at - timedelta(seconds=1)) == []


class TestCompleting:
    """An approved request is completed by linking the order placed from it."""

    def test_completing_links_the_order(self):
        completed = finals()[ApprovalStatus.COMPLETED]
        assert (completed.status, completed.order_id) == (ApprovalStatus.COMPLETED, "o-1")
        assert completed.audit[-1].credit_effect is CreditEffect.CONVERT
        assert completed.audit[-1].event_name == "approval.completed"

    def test_a_pending_request_is_not_completed(self):
        with pytest.raises(InvalidTransition, match="tier 'Approval' needs approval"):
            PENDING.complete(OrderId("o-1"), at=LATER)


class TestFinalIsFinal:
    """Rejected, expired, cancelled and completed requests never change again."""

    @pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
    def test_every_move_on_a_final_request_is_refused(self, status: ApprovalStatus) -> None:
        request = finals()[status]
        late = request.last_changed_at + timedelta(seconds=1)
        moves: list[Callable[[], ApprovalRequest]] = [
            lambda: request.approve(ADAM, at=late, directory=DIRECTORY),
            lambda: request.reject(ADAM, at=late, reason="no", directory=DIRECTORY),
            lambda: request.cancel(RITA, at=late),
            lambda: request.expire(at=max(late, request.expires_at)),
            lambda: request.complete(OrderId("o-2"), at=late),
            lambda: request.reroute(DIRECTORY, at=late),
        ]
        for move in moves:
            with pytest.raises(InvalidTransition):
                move()


class TestStatusNames:
    """Our statuses under Emporix's names."""

    def test_the_mapping_names_every_status(self):
        assert set(EMPORIX_STATUS) == set(ApprovalStatus)
        assert to_emporix("rejected") == "DECLINED"
        assert to_emporix(ApprovalStatus.CANCELLED) == "CLOSED"
        assert to_emporix(ApprovalStatus.COMPLETED) == "APPROVED"

    @pytest.mark.parametrize(
        ("name", "status"),
        [
            ("PENDING", ApprovalStatus.PENDING),
            ("approved", ApprovalStatus.APPROVED),
            (" DECLINED ", ApprovalStatus.REJECTED),
            ("EXPIRED", ApprovalStatus.EXPIRED),
            ("CLOSED", ApprovalStatus.CANCELLED),
        ],
    )
    def test_emporix_names_read_back(self, name, status):
        assert from_emporix(name) is status

    def test_an_unknown_emporix_name_is_refused(self):
        with pytest.raises(ValidationError, match="not an Emporix approval status"):
            from_emporix("WITHDRAWN")

    @pytest.mark.parametrize(
        ("before", "after", "effect"),
        [
            (None, ApprovalStatus.PENDING, CreditEffect.RESERVE),
            (ApprovalStatus.PENDING, ApprovalStatus.PENDING, CreditEffect.KEEP),
            (ApprovalStatus.PENDING, ApprovalStatus.APPROVED, CreditEffect.KEEP),
            (ApprovalStatus.PENDING, ApprovalStatus.REJECTED, CreditEffect.RELEASE),
            (ApprovalStatus.APPROVED, ApprovalStatus.EXPIRED, CreditEffect.RELEASE),
            (ApprovalStatus.APPROVED, ApprovalStatus.CANCELLED, CreditEffect.RELEASE),
            (ApprovalStatus.APPROVED, ApprovalStatus.COMPLETED, CreditEffect.CONVERT),
        ],
    )
    def test_each_move_says_what_it_means_for_credit(self, before, after, effect):
        assert credit_effect(before, after) is effect


class TestStoredRequests:
    """A stored request that breaks the rules is refused when read back."""

    converter = make_converter()

    def test_an_approved_request_with_an_open_tier_is_refused(self):
        data = self.converter.unstructure(PENDING)
        data["status"] = "approved"
        data["audit"][0]["after"] = "approved"
        with pytest.raises(ValidationError, match="has every tier satisfied"):
            self.converter.structure(data, ApprovalRequest)

    def test_a_broken_audit_chain_is_refused(self):
        data = self.converter.unstructure(APPROVED)
        data["audit"][1]["before"] = "approved"
        with pytest.raises(ValidationError, match="each audit entry starts from"):
            self.converter.structure(data, ApprovalRequest)

    def test_a_verdict_after_expiry_is_refused(self):
        data = self.converter.unstructure(APPROVED)
        data["tiers"][0]["approvals"][0]["at"] = APPROVED.expires_at.isoformat()
        with pytest.raises(ValidationError, match="outside the request's life"):
            self.converter.structure(data, ApprovalRequest)

    def test_a_completed_request_links_its_order(self):
        data = self.converter.unstructure(finals()[ApprovalStatus.COMPLETED])
        data["order_id"] = None
        with pytest.raises(ValidationError, match="links its order") as raised:
            self.converter.structure(data, ApprovalRequest)
        assert raised.value.field == "order_id"

    def test_selectors_are_stored_with_the_kind_that_names_them(self):
        seller = ApprovalRule(any_of=[SellerApprovers(), RoleApprover(role=Role.ADMIN)])
        assert self.converter.unstructure(seller)["any_of"] == [
            {"kind": "seller_approvers"},
            {"kind": "role_approver", "role": "admin"},
        ]


class TestWhatARequestSays:
    """Properties a service reads: the policy followed, and whether credit is held."""

    def test_a_request_names_the_policy_and_version_it_follows(self):
        stored = attrs.evolve(TWO_TIERS, version=3)
        request = submit(policy=stored)
        assert (request.policy_id, request.policy_version) == ("two", 3)

    def test_credit_is_held_while_the_request_is_open(self):
        assert PENDING.holds_credit
        assert APPROVED.holds_credit
        assert not any(request.holds_credit for request in finals().values())


class TestVoluntaryRequestsAndPreferredApprovers:
    """A buyer may ask for approval no rule requires, and name whom they would like."""

    def voluntary(self, **options: object) -> ApprovalRequest:
        order = draft("100", buyer=BOB)
        return ApprovalRequest.submit(
            id=ApprovalRequestId("r-v"),
            order=order,
            decision=decision_for(order, Outcome.ALLOWED),
            requester=BOB,
            directory=DIRECTORY,
            at=NOW,
            voluntary=True,
            **options,  # type: ignore[arg-type]
        )

    def test_an_allowed_order_becomes_a_voluntary_request_that_admins_approve(self):
        request = self.voluntary()
        assert (request.voluntary, request.status) == (True, ApprovalStatus.PENDING)
        assert request.decision.outcome is Outcome.ALLOWED
        assert {c.id for c in eligible_approvers(request, DIRECTORY)} == {"anna", "adam"}
        approved = request.approve(ANNA, at=LATER, directory=DIRECTORY)
        assert approved.status is ApprovalStatus.APPROVED

    def test_a_voluntary_request_needs_a_decision_that_allows_the_order(self):
        order = draft()
        with pytest.raises(ValidationError, match="voluntary request is for an order the rules"):
            ApprovalRequest.submit(
                id=ApprovalRequestId("r-x"),
                order=order,
                decision=decision_for(order),
                requester=RITA,
                directory=DIRECTORY,
                at=NOW,
                voluntary=True,
            )
        with pytest.raises(ValidationError, match="only a voluntary one does"):
            attrs.evolve(PENDING, voluntary=True)
        with pytest.raises(ValidationError, match="only a voluntary one does"):
            attrs.evolve(self.voluntary(), voluntary=False)

    def test_the_preferred_approver_is_recorded_and_listed_first(self):
        request = self.voluntary(preferred_approver=CustomerId("anna"))
        assert request.preferred_approver_id == "anna"
        assert [c.id for c in eligible_approvers(request, DIRECTORY)] == ["anna", "adam"]
        adam_first = self.voluntary(preferred_approver=CustomerId("adam"))
        assert [c.id for c in eligible_approvers(adam_first, DIRECTORY)] == ["adam", "anna"]
        # Preferred, not exclusive: another eligible approver may still approve.
        assert adam_first.approve(ANNA, at=LATER, directory=DIRECTORY).status is (
            ApprovalStatus.APPROVED
        )

    @pytest.mark.parametrize("who", ["finn", "bob", "zoe", "nobody"])
    def test_a_preferred_approver_must_be_eligible_for_the_first_tier(self, who):
        with pytest.raises(ValidationError, match="choose one of the eligible approvers") as bad:
            self.voluntary(preferred_approver=CustomerId(who))
        assert bad.value.field == "preferred_approver"
        assert "'adam'" in str(bad.value)

    def test_a_voluntary_request_round_trips_through_the_converter(self):
        request = self.voluntary(preferred_approver=CustomerId("adam"))
        converter = make_converter()
        assert converter.structure(converter.unstructure(request), ApprovalRequest) == request
