"""Random sequences of submit / approve / reject / cancel / advance clock / sweep / complete.

After every step the machine checks, for every request:

* a final status never changes again (the request object stays the very same);
* approved (or completed) means every required tier is satisfied by distinct
  eligible approvers, none of whom is the requester, eligibility being
  checked by an independent model of this small world's rules;
* expired means no approval was recorded at or after ``expires_at``;
* the audit trail only grows, one entry per action, at the clock's time.

And for every attempted action: it succeeds exactly when the model says it
may (``eligible_approvers`` and ``approve`` agree), and it is refused on a
final or expired request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from moneyed import Money

from b2b_customers.approvals import (
    ActorKind,
    ApprovalAction,
    ApprovalDirectory,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    ApproverLimit,
    CompanyApprovers,
    ManagerApprover,
    RoleApprover,
    SellerApprover,
    StandardApprovers,
    TierProgress,
    Validity,
    default_policy,
    eligible_approvers,
    expire_due,
)
from b2b_customers.approvals.progress import filled_places
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import InvalidTransition, PermissionDenied, ValidationError
from b2b_customers.ids import (
    ApprovalPolicyId,
    ApprovalRequestId,
    ApproverLimitId,
    CompanyId,
    CustomerId,
    OrderId,
)
from b2b_customers.limits import Decision, Outcome, RuleResult

ACME, HQ, GROUP = CompanyId("acme"), CompanyId("hq"), CompanyId("group")
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
REFUSALS = (InvalidTransition, PermissionDenied, ValidationError)


def person(name: str, company: CompanyId, *roles: Role, manager: str | None = None) -> Customer:
    return Customer(
        id=CustomerId(name),
        email=f"{name}@example.com",
        first_name=name.title(),
        last_name="Example",
        manager_id=CustomerId(manager) if manager else None,
    ).with_roles(company, roles)


PEOPLE = {
    customer.id: customer
    for customer in [
        person("rita", ACME, Role.REQUESTER, manager="max"),
        person("bob", ACME, Role.BUYER),
        person("max", ACME, Role.BUYER),
        person("anna", ACME, Role.ADMIN),
        person("adam", ACME, Role.ADMIN),
        person("otto", ACME, Role.APPROVER),
        person("finn", ACME, Role.FINANCE),
        person("hank", HQ, Role.ADMIN),
        person("gina", GROUP, Role.ADMIN),
    ]
}
SELLERS = {
    "sam": SellerApprover(id="sam", name="Sam Seller", maximum=Money(100_000, "EUR")),
    "sue": SellerApprover(id="sue", name="Sue Seller"),
}
ACTORS: list[Customer | SellerApprover] = [*PEOPLE.values(), *SELLERS.values()]


def limit(name: str, company: CompanyId, amount: int, **subject: object) -> ApproverLimit:
    return ApproverLimit(
        id=ApproverLimitId(name),
        company_id=company,
        maximum=Money(amount, "EUR"),
        **subject,  # type: ignore[arg-type]
    )


DIRECTORY = ApprovalDirectory(
    customers=PEOPLE.values(),
    parents={ACME: HQ, HQ: GROUP, GROUP: None},
    limits=[
        limit("anna", ACME, 1_000, customer_id="anna"),
        limit("approvers", ACME, 5_000, role=Role.APPROVER),
        limit("hq-admins", HQ, 20_000, role=Role.ADMIN),
    ],
    seller_approvers=SELLERS.values(),
)

# The model's own statement of who may approve how much: (person, company) -> limit.
LIMITS = {
    ("anna", ACME): Decimal(1_000),
    ("otto", ACME): Decimal(5_000),
    ("hank", HQ): Decimal(20_000),
    ("sam", None): Decimal(100_000),
}


def policy(name: str, *tiers: ApprovalTier, **flags: object) -> ApprovalPolicy:
    return ApprovalPolicy(
        id=ApprovalPolicyId(name),
        name=name,
        tiers=tiers,
        validity=Validity(days=2),
        **flags,  # type: ignore[arg-type]
    )


POLICIES = {
    "standard": default_policy(validity=Validity(days=3)),
    "two-tier": policy(
        "two-tier",
        ApprovalTier(
            name="Lead",
            all_of=[ApprovalRule(any_of=[ManagerApprover(), RoleApprover(role=Role.ADMIN)])],
        ),
        ApprovalTier(
            name="Board",
            all_of=[
                ApprovalRule(any_of=[RoleApprover(role=Role.FINANCE)]),
                ApprovalRule(any_of=[CompanyApprovers()]),
            ],
            at_least=Money("2000.01", "EUR"),
        ),
    ),
    "four-eyes": policy(
        "four-eyes",
        ApprovalTier(
            name="Two admins",
            all_of=[ApprovalRule(any_of=[RoleApprover(role=Role.ADMIN)], count=2)],
        ),
    ),
    "lenient": policy(
        "lenient",
        ApprovalTier(name="Anyone", all_of=[ApprovalRule(any_of=[StandardApprovers()])]),
        allow_self_approval=True,
    ),
}


def model_may_fill(actor_id: str, request: ApprovalRequest, progress: TierProgress) -> bool:
    """The model's answer: may ``actor_id`` fill some place of ``progress``, limits included?"""
    company = progress.approver_company_id
    total = request.order.total.amount
    if company is None:
        seller_limit = LIMITS.get((actor_id, None))
        return actor_id in SELLERS and (seller_limit is None or total <= seller_limit)
    customer = PEOPLE.get(CustomerId(actor_id))
    if customer is None:
        return False
    roles = customer.roles_in(company)
    if progress.escalated:
        fits = bool(roles & {Role.ADMIN, Role.APPROVER})
    else:
        tier = request.policy.tiers[progress.tier]
        named = {Role(name) for name in request.decision.approver_roles}
        fits = False
        for rule_ in tier.all_of:
            for selector in rule_.any_of:
                if isinstance(selector, StandardApprovers):
                    fits |= bool(roles & (named | {Role.APPROVER}))
                elif isinstance(selector, ManagerApprover):
                    fits |= actor_id == "max" and request.requester_id == "rita"
                elif isinstance(selector, RoleApprover):
                    fits |= selector.role in roles
                elif isinstance(selector, CompanyApprovers):
                    fits |= bool(roles & {Role.ADMIN, Role.APPROVER})
    own_limit = LIMITS.get((actor_id, company))
    return fits and (own_limit is None or total <= own_limit)


class ApprovalWorkflow(RuleBasedStateMachine):
    """Requests of one small company tree under one drawn policy, driven at random."""

    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.requests: dict[str, ApprovalRequest] = {}
        self.finals: dict[str, ApprovalRequest] = {}
        self.policy = POLICIES["standard"]
        self.numbers = 0

    @initialize(name=st.sampled_from(sorted(POLICIES)))
    def choose_policy(self, name: str) -> None:
        self.policy = POLICIES[name]

    # -- helpers

    def pick(self, index: int) -> tuple[str, ApprovalRequest]:
        key = sorted(self.requests)[index % len(self.requests)]
        return key, self.requests[key]

    def attempt(self, key: str, before: ApprovalRequest, move, *, expires: bool = True):
        refusal: Exception | None = None
        try:
            after = move()
        except REFUSALS as error:
            refusal = error
        if refusal is not None:
            if before.is_final:
                assert isinstance(refusal, InvalidTransition), refusal
            elif expires and self.now >= before.expires_at:
                assert isinstance(refusal, InvalidTransition), refusal
                assert "submit anew" in str(refusal)
            return None
        event(f"{after.audit[-1].action.value}: {before.status.value} -> {after.status.value}")
        assert not before.is_final, "a final request changed"
        if expires:
            assert self.now < before.expires_at, "acted on an expired request"
        assert after.audit[: len(before.audit)] == before.audit, "the audit was rewritten"
        assert len(after.audit) > len(before.audit), "an action left no audit entry"
        assert all(entry.at == self.now for entry in after.audit[len(before.audit) :])
        self.requests[key] = after
        return after

    # -- rules

    @rule(
        requester=st.sampled_from(["rita", "bob", "anna"]),
        cents=st.integers(1, 6_000_000),
        roles=st.sampled_from([("admin",), ("admin", "buyer")]),
    )
    def submit(self, requester: str, cents: int, roles: tuple[str, ...]) -> None:
        self.numbers += 1
        key = f"r-{self.numbers}"
        buyer = PEOPLE[CustomerId(requester)]
        order = OrderDraft(
            company_id=ACME,
            buyer_id=buyer.id,
            resource_id=f"cart-{self.numbers}",
            lines=[OrderLine(sku="X", quantity=1, unit_price=Money(Decimal(cents) / 100, "EUR"))],
        )
        decision = Decision(
            outcome=Outcome.APPROVAL_REQUIRED,
            results=[RuleResult(rule="test", outcome=Outcome.APPROVAL_REQUIRED, message="x")],
            order_total=order.total,
            evaluated_at=self.now,
            approver_roles=roles,
        )
        request = ApprovalRequest.submit(
            id=ApprovalRequestId(key),
            order=order,
            decision=decision,
            requester=buyer,
            directory=DIRECTORY,
            at=self.now,
            policy=self.policy,
        )
        assert request.status is ApprovalStatus.PENDING
        assert request.expires_at == self.now + self.policy.validity.delta
        assert request.audit[0].action is ApprovalAction.SUBMIT
        self.requests[key] = request

    @precondition(lambda self: self.requests)
    @rule(index=st.integers(0, 50), who=st.sampled_from(ACTORS), comment=st.none() | st.just("ok"))
    def approve(self, index: int, who: Customer | SellerApprover, comment: str | None) -> None:
        key, before = self.pick(index)
        live = before.status is ApprovalStatus.PENDING and self.now < before.expires_at
        listed = live and who.id in {c.id for c in eligible_approvers(before, DIRECTORY)}
        after = self.attempt(
            key,
            before,
            lambda: before.approve(who, at=self.now, directory=DIRECTORY, comment=comment),
        )
        assert (after is not None) == listed, "approve() and eligible_approvers() disagree"
        if after is not None:
            progress = before.current_tier
            assert progress is not None
            assert model_may_fill(who.id, before, progress), f"{who.id} was not eligible"
            assert who.id != before.requester_id or before.policy.allow_self_approval

    @precondition(lambda self: self.requests)
    @rule(index=st.integers(0, 50), choice=st.integers(0, 10))
    def approve_as_someone_eligible(self, index: int, choice: int) -> None:
        key, before = self.pick(index)
        candidates = eligible_approvers(before, DIRECTORY) if self.now < before.expires_at else ()
        if not candidates:
            return
        candidate = candidates[choice % len(candidates)]
        who = PEOPLE.get(CustomerId(candidate.id)) or SELLERS[candidate.id]
        after = self.attempt(
            key, before, lambda: before.approve(who, at=self.now, directory=DIRECTORY)
        )
        assert after is not None, f"{candidate.id} was listed as eligible but refused"
        event(f"approved by someone eligible, now {after.status.value}")

    @precondition(lambda self: self.requests)
    @rule(index=st.integers(0, 50), choice=st.integers(0, 10))
    def reject_as_someone_eligible(self, index: int, choice: int) -> None:
        key, before = self.pick(index)
        candidates = [  # a requester withdraws (cancel) rather than rejects, even when lenient
            candidate
            for candidate in (
                eligible_approvers(before, DIRECTORY) if self.now < before.expires_at else ()
            )
            if candidate.id != before.requester_id
        ]
        if not candidates:
            return
        candidate = candidates[choice % len(candidates)]
        who = PEOPLE.get(CustomerId(candidate.id)) or SELLERS[candidate.id]
        after = self.attempt(
            key,
            before,
            lambda: before.reject(who, at=self.now, reason="over budget", directory=DIRECTORY),
        )
        assert after is not None, f"{candidate.id} was listed as eligible but could not reject"
        assert after.status is ApprovalStatus.REJECTED

    @precondition(lambda self: self.requests)
    @rule(
        index=st.integers(0, 50),
        who=st.sampled_from(ACTORS),
        reason=st.sampled_from(["", "too expensive"]),
    )
    def reject(self, index: int, who: Customer | SellerApprover, reason: str) -> None:
        key, before = self.pick(index)
        after = self.attempt(
            key,
            before,
            lambda: before.reject(who, at=self.now, reason=reason, directory=DIRECTORY),
        )
        if after is not None:
            assert reason, "a rejection without a reason went through"
            assert after.status is ApprovalStatus.REJECTED
            assert who.id != before.requester_id
            assert who.id not in before.acted

    @precondition(lambda self: self.requests)
    @rule(
        index=st.integers(0, 50),
        who=st.none() | st.sampled_from(ACTORS),
        reason=st.none() | st.just("cart changed"),
    )
    def cancel(self, index: int, who: Customer | SellerApprover | None, reason: str | None) -> None:
        key, before = self.pick(index)
        after = self.attempt(key, before, lambda: before.cancel(who, at=self.now, reason=reason))
        if after is not None:
            assert after.status is ApprovalStatus.CANCELLED
            requester = who is not None and who.id == before.requester_id
            assert requester or reason, "someone else closed a request without a reason"

    @precondition(lambda self: self.requests)
    @rule(index=st.integers(0, 50), who=st.none() | st.sampled_from(ACTORS))
    def complete(self, index: int, who: Customer | SellerApprover | None) -> None:
        key, before = self.pick(index)
        after = self.attempt(
            key, before, lambda: before.complete(OrderId(f"o-{key}"), at=self.now, actor=who)
        )
        if after is not None:
            assert before.status is ApprovalStatus.APPROVED
            assert after.order_id == f"o-{key}"

    @precondition(lambda self: self.requests)
    @rule(index=st.integers(0, 50))
    def reroute(self, index: int) -> None:
        key, before = self.pick(index)
        if before.status is not ApprovalStatus.PENDING or self.now >= before.expires_at:
            with pytest.raises(InvalidTransition):
                before.reroute(DIRECTORY, at=self.now)
            return
        after = before.reroute(DIRECTORY, at=self.now)
        assert after is before, "nothing changed in the directory, so nothing moves"
        self.requests[key] = after

    @rule(hours=st.integers(0, 40), minutes=st.integers(0, 59))
    def advance_clock(self, hours: int, minutes: int) -> None:
        self.now += timedelta(hours=hours, minutes=minutes)

    @rule()
    def sweep(self) -> None:
        swept = expire_due(self.requests.values(), at=self.now)
        for request in swept:
            before = self.requests[request.id]
            assert before.is_open
            assert self.now >= before.expires_at
            assert request.status is ApprovalStatus.EXPIRED
            assert request.audit[-1].actor_kind is ActorKind.SYSTEM
            event(f"swept: {before.status.value} -> expired")
            self.requests[request.id] = request
        assert not [r for r in self.requests.values() if r.is_open and r.is_expired_at(self.now)]

    # -- invariants

    @invariant()
    def final_states_never_change(self) -> None:
        for key, request in self.requests.items():
            if key in self.finals:
                assert request is self.finals[key], f"final request {key} changed"
            elif request.is_final:
                self.finals[key] = request

    @invariant()
    def approved_means_every_tier_satisfied_by_distinct_eligible_approvers(self) -> None:
        for request in self.requests.values():
            if request.status not in {ApprovalStatus.APPROVED, ApprovalStatus.COMPLETED}:
                continue
            approvers = [verdict.approver_id for verdict in request.approvals]
            assert len(approvers) == len(set(approvers)), "someone approved twice"
            if not request.policy.allow_self_approval:
                assert request.requester_id not in approvers, "the requester approved"
            for progress in request.tiers:
                places = [verdict.places for verdict in progress.approvals]
                assert filled_places(places) == progress.required
                for verdict in progress.approvals:
                    assert model_may_fill(verdict.approver_id, request, progress)

    @invariant()
    def nothing_is_recorded_at_or_after_expiry(self) -> None:
        for request in self.requests.values():
            assert all(verdict.at < request.expires_at for verdict in request.approvals)
            if request.status is ApprovalStatus.EXPIRED:
                assert request.audit[-1].action is ApprovalAction.EXPIRE
                assert request.audit[-1].at >= request.expires_at
                assert all(
                    entry.at < request.expires_at
                    for entry in request.audit
                    if entry.action is not ApprovalAction.EXPIRE
                )

    @invariant()
    def the_audit_tells_the_story(self) -> None:
        for request in self.requests.values():
            assert request.audit[-1].after is request.status
            assert all(entry.at <= self.now for entry in request.audit)


ApprovalWorkflow.TestCase.settings = settings(
    ApprovalWorkflow.TestCase.settings, stateful_step_count=40
)
TestApprovalWorkflow = ApprovalWorkflow.TestCase
