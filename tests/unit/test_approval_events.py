"""Each move of an approval request becomes domain events: one per audit entry it appended."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from moneyed import Money

from b2b_customers.approvals import (
    ApprovalDirectory,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalTier,
    ApproverLimit,
    RoleApprover,
    StandardApprovers,
    events_for,
)
from b2b_customers.approvals.events import AGGREGATE_TYPE, appended
from b2b_customers.domain import Customer, DomainEvent, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import ValidationError
from b2b_customers.ids import (
    ApprovalPolicyId,
    ApprovalRequestId,
    ApproverLimitId,
    CompanyId,
    CustomerId,
    EventId,
    OrderId,
    SequentialIds,
)
from b2b_customers.limits import Decision, Outcome, RuleResult
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as b2b

ACME, HQ = CompanyId("acme"), CompanyId("hq")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def person(name: str, company: CompanyId, role: Role) -> Customer:
    customer = Customer(
        id=CustomerId(name), email=f"{name}@example.com", first_name=name.title(), last_name="X"
    )
    return customer.with_roles(company, [role])


RITA = person("rita", ACME, Role.REQUESTER)
ANNA = person("anna", ACME, Role.ADMIN)
HANK = person("hank", HQ, Role.ADMIN)
FIONA = person("fiona", ACME, Role.FINANCE)
POLICY = ApprovalPolicy(
    id=ApprovalPolicyId("lead-finance"),
    name="Lead, then finance",
    company_id=ACME,
    tiers=[
        ApprovalTier(name="Lead", all_of=[ApprovalRule(any_of=[StandardApprovers()])]),
        ApprovalTier(
            name="Finance", all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.FINANCE)])]
        ),
    ],
)
DIRECTORY = ApprovalDirectory(
    customers=[RITA, ANNA, HANK, FIONA],
    parents={ACME: HQ, HQ: None},
    limits=[
        ApproverLimit(
            id=ApproverLimitId("admins"),
            company_id=ACME,
            role=Role.ADMIN,
            maximum=Money(1000, "EUR"),
        )
    ],
    policies=[POLICY],
)


def submit(amount: str) -> ApprovalRequest:
    order = OrderDraft(
        company_id=ACME,
        buyer_id=RITA.id,
        resource_id="cart-1",
        lines=[OrderLine(sku="DRILL", quantity=1, unit_price=Money(Decimal(amount), "EUR"))],
    )
    decision = Decision(
        outcome=Outcome.APPROVAL_REQUIRED,
        results=[RuleResult(rule="requester", outcome=Outcome.APPROVAL_REQUIRED, message="m")],
        order_total=order.total,
        evaluated_at=NOW,
        approver_roles=("admin",),
    )
    return ApprovalRequest.submit(
        id=ApprovalRequestId("r-1"),
        order=order,
        decision=decision,
        requester=RITA,
        directory=DIRECTORY,
        at=NOW,
        comment="for the new site",
    )


ESCALATED = submit("5000.00")  # Anna's limit is 1000 EUR: the lead tier goes up to hq
SMALL = submit("500.00")


def ids() -> SequentialIds:
    return SequentialIds("ev-")


class TestEventsOfASubmission:
    """A new request (``before=None``) gives an event for each of its entries."""

    def test_the_submission_and_its_escalation_become_two_events(self):
        submitted, escalated = events_for(None, ESCALATED, event_ids=ids())
        assert (submitted.id, submitted.name, escalated.id, escalated.name) == (
            "ev-1",
            "approval.requested",
            "ev-2",
            "approval.escalated",
        )
        assert escalated.actor is None
        assert escalated.payload["actor_kind"] == "system"
        assert escalated.payload["tier"] == 0
        assert escalated.payload["tier_name"] == "Lead"
        assert "escalated to 'hq'" in escalated.payload["comment"]

    def test_an_event_names_the_request_its_company_and_the_actor(self):
        (event,) = events_for(None, SMALL, event_ids=ids())
        assert event == DomainEvent(
            id=EventId("ev-1"),
            name="approval.requested",
            aggregate_type=AGGREGATE_TYPE,
            aggregate_id="r-1",
            occurred_at=NOW,
            company_id=ACME,
            actor="rita",
            payload={
                "request_id": "r-1",
                "company_id": "acme",
                "requester_id": "rita",
                "resource_type": "order",
                "resource_id": "cart-1",
                "action": "submit",
                "status_before": None,
                "status_after": "pending",
                "actor_kind": "customer",
                "actor_id": "rita",
                "comment": "for the new site",
                "tier": None,
                "tier_name": None,
                "amount": {"amount": "500.00", "currency": "EUR"},
                "credit_effect": "reserve",
                "expires_at": "2026-03-09T09:00:00+00:00",
                "order_id": None,
                "voluntary": False,
                "preferred_approver_id": None,
            },
        )


class TestEventsOfAMove:
    """Only the entries a move appended become events; each happened at its entry's time."""

    def test_an_approval_that_leaves_the_request_pending_is_recorded_not_approved(self):
        moved = SMALL.approve(ANNA, at=LATER, directory=DIRECTORY, comment="ok")
        (event,) = events_for(SMALL, moved, event_ids=ids())
        assert (event.name, event.occurred_at, event.actor) == (
            "approval.approval_recorded",
            LATER,
            "anna",
        )
        assert (event.payload["status_before"], event.payload["status_after"]) == (
            "pending",
            "pending",
        )
        assert (event.payload["tier_name"], event.payload["comment"]) == ("Lead", "ok")
        assert event.payload["credit_effect"] == "keep"

    def test_the_last_approval_approves_and_completing_converts_the_credit(self):
        once = SMALL.approve(ANNA, at=LATER, directory=DIRECTORY)
        approved = once.approve(FIONA, at=LATER, directory=DIRECTORY)
        completed = approved.complete(OrderId("o-9"), at=LATER, actor=RITA)
        (approval,) = events_for(once, approved, event_ids=ids())
        (completion,) = events_for(approved, completed, event_ids=ids())
        assert (approval.name, approval.payload["status_after"]) == (
            "approval.approved",
            "approved",
        )
        assert approval.payload["order_id"] is None
        assert (completion.name, completion.payload["credit_effect"]) == (
            "approval.completed",
            "convert",
        )
        assert completion.payload["order_id"] == "o-9"

    def test_a_move_over_several_entries_gives_an_event_for_each(self):
        approved = SMALL.approve(ANNA, at=LATER, directory=DIRECTORY).approve(
            FIONA, at=LATER, directory=DIRECTORY
        )
        events = events_for(SMALL, approved, event_ids=ids())
        assert [event.name for event in events] == [
            "approval.approval_recorded",
            "approval.approved",
        ]
        assert [event.id for event in events] == ["ev-1", "ev-2"]

    @pytest.mark.parametrize(
        ("move", "name", "comment", "effect"),
        [
            (
                lambda r: r.reject(ANNA, at=LATER, reason="too dear", directory=DIRECTORY),
                "approval.rejected",
                "too dear",
                "release",
            ),
            (
                lambda r: r.cancel(RITA, at=LATER, reason="not needed"),
                "approval.cancelled",
                "not needed",
                "release",
            ),
            (
                lambda r: r.expire(at=r.expires_at),
                "approval.expired",
                "not decided by 2026-03-09T09:00:00+00:00",
                "release",
            ),
        ],
        ids=["reject", "cancel", "expire"],
    )
    def test_closing_moves_release_the_credit_and_carry_the_reason(
        self, move, name, comment, effect
    ):
        (event,) = events_for(SMALL, move(SMALL), event_ids=ids())
        assert (event.name, event.payload["comment"], event.payload["credit_effect"]) == (
            name,
            comment,
            effect,
        )
        assert event.payload["status_before"] == "pending"

    def test_a_move_that_appended_nothing_gives_no_event(self):
        assert SMALL.reroute(DIRECTORY, at=LATER) is SMALL
        assert events_for(SMALL, SMALL, event_ids=ids()) == []


class TestRefusals:
    """Events come only from two copies of one request, the later continuing the earlier."""

    def test_two_different_requests_are_refused(self):
        other = attrs.evolve(SMALL, id=ApprovalRequestId("r-2"))
        with pytest.raises(ValidationError, match="two copies of one request") as raised:
            events_for(SMALL, other, event_ids=ids())
        assert raised.value.field == "after"

    def test_a_copy_that_does_not_continue_the_earlier_one_is_refused(self):
        approved = SMALL.approve(ANNA, at=LATER, directory=DIRECTORY)
        cancelled = SMALL.cancel(RITA, at=LATER)
        with pytest.raises(ValidationError, match="does not continue"):
            events_for(approved, cancelled, event_ids=ids())
        with pytest.raises(ValidationError, match="does not continue"):
            appended(approved, SMALL)  # backwards

    def test_anything_but_a_request_is_refused(self):
        with pytest.raises(ValidationError, match="expected an ApprovalRequest"):
            events_for(None, "r-1", event_ids=ids())  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="expected an ApprovalRequest"):
            events_for(object(), SMALL, event_ids=ids())  # type: ignore[arg-type]

    def test_an_id_generator_that_returns_no_id_is_refused(self):
        with pytest.raises(ValidationError):
            events_for(None, SMALL, event_ids=lambda: "")


class TestEveryRequest:
    """Whatever the workflow makes, its events mirror its audit trail and travel as JSON."""

    @given(b2b.approval_requests())
    def test_the_events_follow_the_audit_trail(self, request: ApprovalRequest):
        events = events_for(None, request, event_ids=ids())
        assert [event.name for event in events] == [entry.event_name for entry in request.audit]
        assert [event.occurred_at for event in events] == [entry.at for entry in request.audit]
        assert {event.aggregate_id for event in events} == {request.id}
        converter = make_converter()
        for event in events:
            data = json.loads(json.dumps(converter.unstructure(event)))
            assert converter.structure(data, DomainEvent) == event
        assert appended(request, request) == ()
