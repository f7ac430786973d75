"""Who may approve: tiers, selectors, approver limits and escalation up the company tree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from moneyed import Money

from b2b_customers.approvals import (
    ActorKind,
    ApprovalAction,
    ApprovalDirectory,
    ApprovalGroup,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    ApproverLimit,
    CompanyApprovers,
    CustomerApprover,
    DecisionApprovers,
    GroupApprover,
    ManagerApprover,
    RoleApprover,
    SellerApprover,
    SellerApprovers,
    StandardApprovers,
    Validity,
    crossed_by,
    default_policy,
    eligible_approvers,
    recorded_routes,
    route,
)
from b2b_customers.approvals.progress import filled_places
from b2b_customers.domain import Customer, CustomerStatus, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import CurrencyMismatch, PermissionDenied, ValidationError
from b2b_customers.ids import (
    ApprovalGroupId,
    ApprovalPolicyId,
    ApprovalRequestId,
    ApproverLimitId,
    CompanyId,
    CustomerId,
)
from b2b_customers.limits import CalendarPeriod, Decision, Outcome, RuleResult

ACME, HQ, GROUP = CompanyId("acme"), CompanyId("hq"), CompanyId("group")
TREE = {ACME: HQ, HQ: GROUP, GROUP: None}
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def eur(amount: str | int) -> Money:
    return Money(Decimal(amount), "EUR")


def person(name: str, company: CompanyId, *roles: Role, **extra: object) -> Customer:
    customer = Customer(
        id=CustomerId(name),
        email=f"{name}@example.com",
        first_name=name.title(),
        last_name="Example",
        **extra,  # type: ignore[arg-type]
    )
    return customer.with_roles(company, roles)


RITA = person("rita", ACME, Role.REQUESTER, manager_id="max")
MAX = person("max", ACME, Role.BUYER)
ANNA = person("anna", ACME, Role.ADMIN)
ADAM = person("adam", ACME, Role.ADMIN)
FIONA = person("fiona", ACME, Role.FINANCE, Role.APPROVER)
HANK = person("hank", HQ, Role.ADMIN)
HOLLY = person("holly", HQ, Role.ADMIN)
GINA = person("gina", GROUP, Role.ADMIN)
SAM = SellerApprover(id="sam", name="Sam Seller", maximum=eur(50_000))
PEOPLE = [RITA, MAX, ANNA, ADAM, FIONA, HANK, HOLLY, GINA]


def limit(name: str, company: CompanyId, maximum: str, **subject: object) -> ApproverLimit:
    return ApproverLimit(
        id=ApproverLimitId(name),
        company_id=company,
        maximum=eur(maximum),
        **subject,  # type: ignore[arg-type]
    )


def directory(**changes: object) -> ApprovalDirectory:
    fields: dict[str, object] = {
        "customers": PEOPLE,
        "parents": TREE,
        "seller_approvers": [SAM],
    }
    fields.update(changes)
    return ApprovalDirectory(**fields)  # type: ignore[arg-type]


def policy(*tiers: ApprovalTier, **flags: object) -> ApprovalPolicy:
    return ApprovalPolicy(
        id=ApprovalPolicyId("p"),
        name="Test policy",
        company_id=ACME,
        tiers=tiers,
        **flags,  # type: ignore[arg-type]
    )


def tier(
    name: str, *rules: ApprovalRule, at_least: Money | None = None, up_to: Money | None = None
) -> ApprovalTier:
    return ApprovalTier(name=name, all_of=rules, at_least=at_least, up_to=up_to)


def anyone(*selectors: object, count: int = 1) -> ApprovalRule:
    return ApprovalRule(any_of=selectors, count=count)  # type: ignore[arg-type]


def submit(
    amount: str | int,
    where: ApprovalDirectory,
    *,
    rules: ApprovalPolicy | None = None,
    roles: tuple[str, ...] = ("admin",),
    requester: Customer = RITA,
) -> ApprovalRequest:
    draft = OrderDraft(
        company_id=ACME,
        buyer_id=requester.id,
        resource_id="cart-1",
        lines=[OrderLine(sku="DRILL", quantity=1, unit_price=eur(amount))],
    )
    verdict = Decision(
        outcome=Outcome.APPROVAL_REQUIRED,
        results=[
            RuleResult(rule="requester", outcome=Outcome.APPROVAL_REQUIRED, message="Needs it")
        ],
        order_total=draft.total,
        evaluated_at=NOW,
        approver_roles=roles,
    )
    return ApprovalRequest.submit(
        id=ApprovalRequestId("r-1"),
        order=draft,
        decision=verdict,
        requester=requester,
        directory=where,
        at=NOW,
        policy=rules,
    )


def ids(request: ApprovalRequest, where: ApprovalDirectory) -> list[str]:
    return [candidate.id for candidate in eligible_approvers(request, where)]


class TestApproverLimits:
    """An approver may approve up to their own limit, inclusive."""

    def test_an_approver_with_a_limit_of_x_approves_an_order_of_exactly_x(self):
        where = directory(limits=[limit("a", ACME, "1500.00", customer_id="anna")])
        request = submit("1500.00", where)
        assert "anna" in ids(request, where)
        assert request.approve(ANNA, at=NOW, directory=where).status is ApprovalStatus.APPROVED

    def test_one_cent_more_is_beyond_the_limit(self):
        where = directory(
            limits=[
                limit("a", ACME, "1500.00", customer_id="anna"),
                limit("b", ACME, "1500.00", customer_id="adam"),
                limit("c", ACME, "1500.00", role=Role.APPROVER),
            ]
        )
        request = submit("1500.01", where)
        assert request.escalated_to == HQ
        with pytest.raises(PermissionDenied, match="escalated to 'hq'"):
            request.approve(ANNA, at=NOW, directory=where)

    def test_a_customers_own_limit_wins_over_the_limit_of_their_role(self):
        where = directory(
            limits=[
                limit("role", ACME, "100", role=Role.ADMIN),
                limit("own", ACME, "5000", customer_id="anna"),
            ]
        )
        assert ids(submit("4000", where), where) == ["anna", "fiona"]

    def test_without_an_own_limit_the_highest_limit_of_their_roles_applies(self):
        where = directory(
            limits=[
                limit("finance", ACME, "100", role=Role.FINANCE),
                limit("approver", ACME, "3000", role=Role.APPROVER),
            ]
        )
        assert where.maximum_of(FIONA, ACME) == eur(3000)
        assert "fiona" in ids(submit("3000", where), where)
        assert "fiona" not in ids(submit("3000.01", where), where)

    def test_approvers_without_a_limit_are_unlimited_by_default(self):
        where = directory()
        assert ids(submit(10**8, where), where) == ["adam", "anna", "fiona"]

    def test_a_policy_may_require_every_approver_to_have_a_limit(self):
        strict = policy(
            tier("Admins", anyone(RoleApprover(role=Role.ADMIN))), approvers_need_limit=True
        )
        where = directory(limits=[limit("a", ACME, "500", customer_id="adam")])
        request = submit("400", where, rules=strict)
        assert ids(request, where) == ["adam"]
        with pytest.raises(PermissionDenied, match="has no approver limit"):
            request.approve(ANNA, at=NOW, directory=where)

    def test_a_limit_in_another_currency_is_refused(self):
        where = directory(
            limits=[
                ApproverLimit(
                    id=ApproverLimitId("usd"),
                    company_id=ACME,
                    customer_id=CustomerId("anna"),
                    maximum=Money(100, "USD"),
                )
            ]
        )
        with pytest.raises(CurrencyMismatch, match="in the order's currency"):
            submit("50", where)


class TestApproverLimitsPerPeriod:
    """A cap per period counts what the approver approved in the window so far."""

    def capped(self, approved: str | None) -> ApprovalDirectory:
        cap = limit(
            "a",
            ACME,
            "5000",
            customer_id="anna",
            per_period=eur(3000),
            period=CalendarPeriod(unit="month"),
        )
        so_far = {} if approved is None else {("anna", ACME): eur(approved)}
        return directory(limits=[cap], approved_in_period=so_far)

    def test_an_approver_is_eligible_while_this_request_fits_in_what_is_left(self):
        where = self.capped("2000")
        assert "anna" in ids(submit("1000", where), where)  # 3,000 in all: inclusive
        assert "anna" not in ids(submit("1000.01", where), where)
        assert "anna" in ids(submit("3000", self.capped(None)), self.capped(None))

    def test_past_the_cap_the_approver_is_told_why(self):
        where = self.capped("2500")
        request = submit("600", where)
        with pytest.raises(PermissionDenied, match=r"has approved 2,500\.00 EUR in this one"):
            request.approve(ANNA, at=NOW, directory=where)

    def test_a_cap_needs_a_period_a_positive_amount_and_the_limits_currency(self):
        month = CalendarPeriod(unit="month")
        with pytest.raises(ValidationError, match="give both or neither"):
            limit("a", ACME, "5000", customer_id="anna", per_period=eur(1))
        with pytest.raises(ValidationError, match="give both or neither"):
            limit("a", ACME, "5000", customer_id="anna", period=month)
        with pytest.raises(ValidationError, match="more than zero"):
            limit("a", ACME, "5000", customer_id="anna", per_period=eur(0), period=month)
        with pytest.raises(CurrencyMismatch, match="company's currency"):
            limit("a", ACME, "5000", customer_id="anna", per_period=Money(1, "USD"), period=month)


class TestEscalation:
    """When nobody at the requester's company can cover the amount, the request goes up."""

    LOW = (
        limit("acme-admins", ACME, "1000", role=Role.ADMIN),
        limit("acme-approvers", ACME, "1000", role=Role.APPROVER),
        limit("hq-admins", HQ, "10000", role=Role.ADMIN),
        limit("group-admins", GROUP, "20000", role=Role.ADMIN),
    )

    def test_within_the_companys_limits_nothing_escalates(self):
        where = directory(limits=self.LOW)
        request = submit("1000", where)
        assert not request.escalated
        assert request.tiers[0].approver_company_id == ACME

    def test_above_them_the_parents_approvers_approve(self):
        where = directory(limits=self.LOW)
        request = submit("1000.01", where)
        assert (request.tiers[0].level, request.escalated_to) == (1, HQ)
        assert ids(request, where) == ["hank", "holly"]
        assert request.approve(HANK, at=NOW, directory=where).status is ApprovalStatus.APPROVED

    def test_above_the_parents_limits_the_grandparents_approve(self):
        where = directory(limits=self.LOW)
        request = submit("10000.01", where)
        assert (request.tiers[0].level, request.escalated_to) == (2, GROUP)
        assert ids(request, where) == ["gina"]

    def test_above_every_company_a_seller_approver_approves(self):
        where = directory(limits=self.LOW)
        request = submit("20000.01", where)
        assert request.at_seller
        assert request.tiers[0].level == 3
        assert ids(request, where) == ["sam"]
        approved = request.approve(SAM, at=NOW, directory=where)
        assert approved.status is ApprovalStatus.APPROVED
        assert approved.approvals[0].approver_kind is ActorKind.SELLER

    def test_beyond_every_limit_the_request_waits_at_the_seller_unstaffed(self):
        where = directory(limits=self.LOW)
        request = submit("50000.01", where)
        assert request.at_seller
        assert eligible_approvers(request, where) == ()
        (planned,) = route(request, where)
        assert not planned.staffed
        assert "list one with a limit that covers it" in planned.reason

    def test_every_escalation_leaves_an_audit_entry(self):
        request = submit("10000.01", directory(limits=self.LOW))
        submit_entry, escalation = request.audit
        assert submit_entry.action is ApprovalAction.SUBMIT
        assert escalation.action is ApprovalAction.ESCALATE
        assert escalation.actor_kind is ActorKind.SYSTEM
        assert escalation.before is escalation.after is ApprovalStatus.PENDING
        assert "at 'acme'" in (escalation.comment or "")
        assert "escalated to 'group'" in (escalation.comment or "")

    def test_an_escalated_tier_needs_as_many_approvals_as_before(self):
        four_eyes = policy(tier("Two admins", anyone(RoleApprover(role=Role.ADMIN), count=2)))
        where = directory(limits=self.LOW)
        request = submit("5000", where, rules=four_eyes)
        assert (request.escalated_to, request.tiers[0].required) == (HQ, 2)
        once = request.approve(HANK, at=NOW, directory=where)
        assert once.status is ApprovalStatus.PENDING
        assert once.approve(HOLLY, at=NOW, directory=where).status is ApprovalStatus.APPROVED

    def test_a_parents_approval_group_overrides_its_admins(self):
        group = ApprovalGroup(
            id=ApprovalGroupId("hq"), company_id=HQ, name="HQ approvers", member_ids={HOLLY.id}
        )
        where = directory(limits=self.LOW, groups=[group])
        request = submit("5000", where)
        assert ids(request, where) == ["holly"]

    def test_a_seller_approver_must_be_listed(self):
        where = directory(limits=self.LOW)
        request = submit("30000", where)
        stranger = SellerApprover(id="eve", name="Eve")
        with pytest.raises(PermissionDenied, match="not a listed seller approver"):
            request.approve(stranger, at=NOW, directory=where)

    def test_a_decision_naming_the_seller_lets_seller_approvers_approve_at_once(self):
        tiers = policy(tier("Named", anyone(DecisionApprovers())))
        where = directory()
        request = submit("10", where, rules=tiers, roles=("seller",))
        assert not request.escalated
        assert ids(request, where) == ["sam"]

    def test_rerouting_brings_a_tier_back_when_someone_can_now_cover_it(self):
        where = directory(limits=self.LOW)
        request = submit("5000", where)
        assert request.escalated_to == HQ
        assert request.reroute(where, at=NOW) is request  # nothing changed
        raised = directory(limits=[*self.LOW, limit("anna", ACME, "5000", customer_id="anna")])
        rerouted = request.reroute(raised, at=NOW + timedelta(hours=1))
        assert not rerouted.escalated
        assert rerouted.audit[-1].action is ApprovalAction.ESCALATE
        assert ids(rerouted, raised) == ["anna"]

    def test_routing_checks_the_directory_of_the_moment(self):
        where = directory()
        request = submit("100", where)
        demoted = directory(
            customers=[*PEOPLE[:2], ANNA.with_roles(ACME, [Role.BUYER]), *PEOPLE[3:]]
        )
        with pytest.raises(PermissionDenied, match="is not"):
            request.approve(ANNA, at=NOW, directory=demoted)

    def test_an_inactive_approver_is_not_eligible(self):
        request = submit("100", directory())
        asleep = attrs.evolve(ADAM, status=CustomerStatus.INACTIVE)
        where = directory(customers=[asleep if p.id == ADAM.id else p for p in PEOPLE])
        assert "adam" not in ids(request, where)
        with pytest.raises(PermissionDenied, match="is inactive"):
            request.approve(ADAM, at=NOW, directory=where)


class TestTiers:
    """Tiers in sequence; each an AND of ORs; thresholds pick the tiers that apply."""

    TWO_TIERS = policy(
        tier("Lead", anyone(ManagerApprover(), RoleApprover(role=Role.ADMIN))),
        tier(
            "Finance",
            anyone(RoleApprover(role=Role.FINANCE)),
            anyone(CompanyApprovers()),
            at_least=eur(10_000),
        ),
    )

    def test_a_threshold_tier_does_not_apply_below_its_amount(self):
        request = submit("9999.99", directory(), rules=self.TWO_TIERS)
        assert [progress.name for progress in request.tiers] == ["Lead"]

    def test_a_threshold_tier_applies_from_its_amount_on(self):
        request = submit("10000", directory(), rules=self.TWO_TIERS)
        assert [progress.name for progress in request.tiers] == ["Lead", "Finance"]
        assert request.tiers[1].required == 2

    def test_both_thresholds_are_inclusive(self):
        small = tier("Small", anyone(ManagerApprover()), up_to=eur(100))
        big = tier("Big", anyone(RoleApprover(role=Role.ADMIN)), at_least=eur(100))
        tiers = policy(small, big)
        assert [p.name for p in submit("99.99", directory(), rules=tiers).tiers] == ["Small"]
        assert [p.name for p in submit("100", directory(), rules=tiers).tiers] == ["Small", "Big"]
        assert [p.name for p in submit("100.01", directory(), rules=tiers).tiers] == ["Big"]

    def test_a_threshold_compares_the_total_as_invoiced(self):
        big = policy(tier("Big", anyone(RoleApprover(role=Role.ADMIN)), at_least=eur("100.01")))
        assert big.applicable_tiers(eur("100.005")) == (0,)
        assert big.applicable_tiers(eur("100.004")) == ()

    def test_tiers_are_approved_in_sequence(self):
        where = directory()
        request = submit("20000", where, rules=self.TWO_TIERS)
        assert ids(request, where) == ["adam", "anna", "max"]
        with pytest.raises(PermissionDenied, match="may not approve tier 'Lead'"):
            request.approve(FIONA, at=NOW, directory=where)
        after_lead = request.approve(MAX, at=NOW, directory=where, comment="fine by me")
        assert after_lead.status is ApprovalStatus.PENDING
        assert after_lead.current_tier is not None
        assert after_lead.current_tier.name == "Finance"

    def test_one_approver_fills_one_place_of_an_and(self):
        where = directory()
        lead_done = submit("20000", where, rules=self.TWO_TIERS).approve(
            MAX, at=NOW, directory=where
        )
        # Fiona is finance AND an approver: she may fill either place, not both.
        with_fiona = lead_done.approve(FIONA, at=NOW, directory=where)
        assert with_fiona.status is ApprovalStatus.PENDING
        assert ids(with_fiona, where) == ["adam", "anna"]
        done = with_fiona.approve(ANNA, at=NOW, directory=where)
        assert done.status is ApprovalStatus.APPROVED
        assert {v.approver_id for v in done.approvals} == {"max", "fiona", "anna"}

    def test_an_approver_who_only_fits_filled_places_is_refused(self):
        tiers = policy(
            tier(
                "Both",
                anyone(RoleApprover(role=Role.ADMIN)),
                anyone(RoleApprover(role=Role.FINANCE)),
            )
        )
        where = directory()
        once = submit("100", where, rules=tiers).approve(ANNA, at=NOW, directory=where)
        with pytest.raises(PermissionDenied, match="only in places already filled"):
            once.approve(ADAM, at=NOW, directory=where)

    def test_a_rule_may_ask_for_several_approvals(self):
        tiers = policy(tier("Two admins", anyone(RoleApprover(role=Role.ADMIN), count=2)))
        where = directory()
        once = submit("100", where, rules=tiers).approve(ANNA, at=NOW, directory=where)
        assert once.status is ApprovalStatus.PENDING
        assert once.approve(ADAM, at=NOW, directory=where).status is ApprovalStatus.APPROVED

    def test_a_named_customer_approves_wherever_they_work(self):
        tiers = policy(tier("CFO", anyone(CustomerApprover(customer_id=CustomerId("gina")))))
        where = directory()
        assert ids(submit("100", where, rules=tiers), where) == ["gina"]

    def test_a_named_group_approves(self):
        group = ApprovalGroup(
            id=ApprovalGroupId("controllers"),
            company_id=ACME,
            name="Controllers",
            member_ids={FIONA.id},
        )
        tiers = policy(tier("Controlling", anyone(GroupApprover(group_id=group.id))))
        where = directory(groups=[group])
        assert ids(submit("100", where, rules=tiers), where) == ["fiona"]

    def test_the_requesters_manager_is_found_in_the_directory(self):
        tiers = policy(tier("Manager", anyone(ManagerApprover())))
        where = directory()
        assert ids(submit("100", where, rules=tiers), where) == ["max"]

    def test_without_a_manager_the_manager_tier_escalates(self):
        tiers = policy(tier("Manager", anyone(ManagerApprover())))
        where = directory()
        request = submit("100", where, rules=tiers, requester=ANNA)
        assert request.escalated_to == HQ

    def test_seller_approvers_may_be_asked_for_in_any_tier(self):
        tiers = policy(
            tier("Lead", anyone(StandardApprovers())), tier("Seller", anyone(SellerApprovers()))
        )
        where = directory()
        request = submit("100", where, rules=tiers)
        assert not request.tiers[1].escalated
        lead = request.approve(ANNA, at=NOW, directory=where)
        assert ids(lead, where) == ["sam"]

    def test_a_later_tier_left_without_approvers_escalates_after_an_approval(self):
        tiers = policy(
            tier("One", anyone(RoleApprover(role=Role.ADMIN))),
            tier("Two", anyone(RoleApprover(role=Role.ADMIN))),
        )
        only_anna = directory(customers=[RITA, ANNA, HANK])
        request = submit("100", only_anna, rules=tiers)
        assert not request.escalated
        after = request.approve(ANNA, at=NOW, directory=only_anna)
        assert after.tiers[1].approver_company_id == HQ
        assert after.audit[-1].action is ApprovalAction.ESCALATE
        assert ids(after, only_anna) == ["hank"]

    def test_no_tier_for_the_amount_is_refused(self):
        only_big = policy(tier("Big", anyone(RoleApprover(role=Role.ADMIN)), at_least=eur(1000)))
        with pytest.raises(ValidationError, match="no tier of policy 'p' applies"):
            submit("10", directory(), rules=only_big)

    def test_a_threshold_in_another_currency_is_refused(self):
        usd = policy(tier("Big", anyone(RoleApprover(role=Role.ADMIN)), at_least=Money(1, "USD")))
        with pytest.raises(CurrencyMismatch, match="thresholds in the order's currency"):
            submit("10", directory(), rules=usd)

    def test_recorded_routes_say_who_may_act_where_each_tier_waits(self):
        where = directory()
        request = submit("20000", where, rules=self.TWO_TIERS)
        lead, finance = recorded_routes(request, where)
        assert lead.staffed
        assert finance.staffed
        assert {c.id for c in finance.candidates} == {"adam", "anna", "fiona"}


class TestPolicies:
    """Policies validate themselves and say which one applies."""

    def test_the_companys_own_policy_wins_over_the_seller_wide_one(self):
        seller_wide = default_policy(
            policy_id=ApprovalPolicyId("std-14"), validity=Validity(days=14)
        )
        own = policy(tier("Lead", anyone(ManagerApprover())))
        assert directory(policies=[seller_wide]).policy_for(ACME) == seller_wide
        assert directory(policies=[seller_wide, own]).policy_for(ACME) == own

    def test_two_policies_for_one_company_are_refused(self):
        with pytest.raises(ValidationError, match="a policy is given twice"):
            directory(policies=[policy(tier("A", anyone(ManagerApprover())))] * 2)

    def test_two_approval_groups_for_one_company_are_refused(self):
        group = ApprovalGroup(id=ApprovalGroupId("g"), company_id=ACME, name="G")
        with pytest.raises(ValidationError, match="an approval group is given twice"):
            directory(groups=[group, group])

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"tiers": ()}, "a policy needs 1 to 10 ApprovalTier"),
            ({"validity": "7 days"}, "must be a Validity"),
        ],
    )
    def test_a_policy_says_what_is_wrong(self, changes, message):
        fields = {"id": "p", "name": "P", "tiers": (tier("A", anyone(ManagerApprover())),)}
        with pytest.raises(ValidationError, match=message):
            ApprovalPolicy(**{**fields, **changes})

    def test_a_rule_needs_a_selector(self):
        with pytest.raises(ValidationError, match="give 1 to 20 approver selectors"):
            ApprovalRule(any_of=())

    def test_a_rule_refuses_what_is_not_a_selector(self):
        with pytest.raises(ValidationError, match="is not an approver selector"):
            ApprovalRule(any_of=("admin",))  # type: ignore[arg-type]

    def test_a_tier_that_no_order_fits_is_refused(self):
        with pytest.raises(ValidationError, match="no order is both"):
            tier("Never", anyone(ManagerApprover()), at_least=eur(100), up_to=eur("99.99"))

    def test_a_validity_of_nothing_is_refused(self):
        with pytest.raises(ValidationError, match="longer than nothing"):
            Validity()

    def test_a_validity_counts_calendar_months(self):
        january_end = datetime(2026, 1, 31, 12, tzinfo=UTC)
        assert Validity(months=1).after(january_end) == datetime(2026, 2, 28, 12, tzinfo=UTC)
        assert Validity(weeks=1, hours=2).describe() == "1 week 2 hours"


class TestMatching:
    """Approvals fill places one each: a maximum matching."""

    @pytest.mark.parametrize(
        ("options", "filled"),
        [
            ([], 0),
            ([frozenset({0, 1}), frozenset({0})], 2),
            ([frozenset({0}), frozenset({0})], 1),
            ([frozenset({0, 1}), frozenset({1, 2}), frozenset({0})], 3),
            ([frozenset()], 0),
        ],
    )
    def test_distinct_approvers_fill_as_many_places_as_a_matching_allows(self, options, filled):
        assert filled_places(options) == filled


class TestAPolicyCoversEveryTotal:
    """``check_covers``: what saving a policy refuses, before any buyer meets it."""

    ADMIN = anyone(RoleApprover(role=Role.ADMIN))

    def test_a_tier_without_thresholds_covers_everything(self):
        policy(tier("All", self.ADMIN)).check_covers("EUR")

    def test_adjacent_inclusive_ranges_leave_no_gap(self):
        policy(
            tier("Small", self.ADMIN, up_to=eur(1000)),
            tier("Big", self.ADMIN, at_least=eur("1000.01")),
        ).check_covers("EUR")

    def test_overlapping_ranges_are_fine(self):
        policy(
            tier("Small", self.ADMIN, up_to=eur(1000)),
            tier("Big", self.ADMIN, at_least=eur(1000)),
        ).check_covers("EUR")

    def test_a_gap_between_tiers_is_named(self):
        gappy = policy(
            tier("Small", self.ADMIN, up_to=eur(1000)),
            tier("Big", self.ADMIN, at_least=eur(2000)),
        )
        with pytest.raises(ValidationError, match=r"1,000\.01 EUR up to below 2,000\.00 EUR"):
            gappy.check_covers("EUR")

    def test_small_orders_without_a_tier_are_refused(self):
        with pytest.raises(ValidationError, match=r"0\.00 EUR up to below 5,000\.00 EUR"):
            policy(tier("Big", self.ADMIN, at_least=eur(5000))).check_covers("EUR")

    def test_large_orders_without_a_tier_are_refused(self):
        with pytest.raises(ValidationError, match=r"100\.01 EUR and above"):
            policy(tier("Small", self.ADMIN, up_to=eur(100))).check_covers("EUR")

    def test_a_threshold_in_another_currency_is_refused(self):
        usd = policy(tier("All", self.ADMIN), tier("Big", self.ADMIN, at_least=Money(1, "USD")))
        with pytest.raises(CurrencyMismatch, match="give its thresholds in EUR"):
            usd.check_covers("EUR")


class TestATierChosenByTheRuleCrossed:
    ADMIN = anyone(RoleApprover(role=Role.ADMIN))

    def rules(self) -> ApprovalPolicy:
        return policy(
            tier("Lead", self.ADMIN),
            ApprovalTier(name="Budget owner", all_of=[self.ADMIN], when_crossed={"budget"}),
            ApprovalTier(name="Requests", all_of=[self.ADMIN], when_crossed={"requester"}),
        )

    def test_only_the_tiers_of_the_rules_crossed_apply(self):
        request = submit("100", directory(), rules=self.rules())  # the requester rule crossed
        assert [progress.name for progress in request.tiers] == ["Lead", "Requests"]

    def test_the_decision_names_what_it_crossed(self):
        request = submit("100", directory(), rules=self.rules())
        assert crossed_by(request.decision) == {"requester"}

    def test_without_the_decision_every_tier_is_read_by_the_total(self):
        assert self.rules().applicable_tiers(eur(100)) == (0, 1, 2)
        assert self.rules().applicable_tiers(eur(100), frozenset({"budget"})) == (0, 1)

    def test_coverage_counts_only_tiers_that_always_apply(self):
        only_conditional = policy(
            ApprovalTier(name="Budget owner", all_of=[self.ADMIN], when_crossed={"budget"})
        )
        with pytest.raises(ValidationError, match=r"0\.00 EUR and above"):
            only_conditional.check_covers("EUR")
        self.rules().check_covers("EUR")

    def test_a_rule_name_must_be_an_identifier(self):
        with pytest.raises(ValidationError, match="when_crossed"):
            ApprovalTier(name="x", all_of=[self.ADMIN], when_crossed={""})
