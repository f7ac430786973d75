"""Routing: who may approve each tier of a request, and escalation up the company tree.

For each tier that applies, [`route`][b2b_customers.approvals.route] looks for approvers in this
order and stops at the first level where the tier **can be satisfied** (enough
distinct eligible approvers to fill every place):

1. **The requester's company**, reading the tier's selectors there.
2. **Its parent**, then the grandparent, up to the top: the escalated tier
   needs as many approvals as before (four eyes stay four eyes), each from
   the ancestor's approvers ([`CompanyApprovers`][b2b_customers.approvals.CompanyApprovers]:
   its approval group when it has members, else its admins and approvers).
3. **The seller side**: the directory's
   [`SellerApprover`][b2b_customers.approvals.SellerApprover] people. When not even
   they can cover the amount the tier still waits there, and
   `TierRoute.staffed` is ``False``: configure a seller approver.

An approver is **eligible** at a level when all of these hold:

* they match a selector of an open place of the tier, read at that level's
  company;
* they are active, and in standing at the company whose role they act in
  (a membership deactivated there matches no selector);
* they are not the requester (segregation of duties), unless the policy's
  ``allow_self_approval`` says otherwise;
* their approver limit covers the order total (inclusive: a limit of X
  approves an order of exactly X); without a limit they are unlimited,
  unless the policy's ``approvers_need_limit`` says otherwise;
* with a cap per period on that limit, what they have approved in the
  current window plus this order's total stays within it (inclusive; the
  directory's `approved_in_period` holds what they approved so far);
* they have not yet acted on the request (approved or rejected it): an
  approver acts once per request.

The level of each tier is decided when the request is submitted and kept in
the request (`level`), each
escalation with an audit entry. Eligibility itself is always checked
against the directory of the moment, so someone demoted since may no longer
approve. [`reroute`][b2b_customers.approvals.ApprovalRequest.reroute] routes
again the tiers nobody has approved yet, when the directory changed.

With the policy's ``parent_units_approve``, the approvers of every company
above the requester's (each one's approval group, else its admins and
approvers, within their approver limit there) are eligible for a tier at
the requester's company too, beside those its selectors name there.

The requester's manager is looked up in the directory, so list the
requester in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import frozen
from moneyed import Money

from b2b_customers.approvals.actors import SELLER, ActorKind, SellerApprover
from b2b_customers.approvals.approver_limits import covers, within_period_cap
from b2b_customers.approvals.policy import ApprovalPolicy
from b2b_customers.approvals.progress import TierProgress, filled_places
from b2b_customers.approvals.selectors import (
    ApproverSelector,
    CompanyApprovers,
    CustomerApprover,
    DecisionApprovers,
    GroupApprover,
    ManagerApprover,
    RoleApprover,
    SellerApprovers,
    StandardApprovers,
    describe_selector,
)
from b2b_customers.approvals.status import ApprovalStatus
from b2b_customers.arguments import checked_arguments
from b2b_customers.domain.customer import Customer
from b2b_customers.domain.membership import Role
from b2b_customers.domain.money import format_money
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from b2b_customers.approvals.directory import ApprovalDirectory
    from b2b_customers.approvals.policy import ApprovalTier
    from b2b_customers.approvals.request import ApprovalRequest
    from b2b_customers.limits.decision import Decision

__all__ = [
    "Assessment",
    "Candidate",
    "RoutingCase",
    "TierRoute",
    "assess_approver",
    "crossed_by",
    "eligible_approvers",
    "plan_routes",
    "recorded_routes",
    "route",
]

_ROLE_NAMES = {role.value: role for role in Role}


@frozen(kw_only=True)
class Candidate:
    """Someone who may approve, and why.

    Attributes:
        kind: ``customer`` or ``seller``.
        id: Their id.
        name: Their name, for people.
        basis: Why they are eligible (``"admin at 'acme'"``).
        limit: Their approver limit (``None``: unlimited).
        places: The tier's places they qualify for.
    """

    kind: ActorKind
    id: str
    name: str
    basis: str
    limit: Money | None
    places: frozenset[int]


@frozen(kw_only=True)
class Assessment:
    """Whether one actor may approve one tier, and if not, why not.

    Attributes:
        candidate: The actor as an eligible candidate, or ``None``.
        reasons: Why they are not eligible (empty when they are).
    """

    candidate: Candidate | None
    reasons: tuple[str, ...] = ()

    @property
    def eligible(self) -> bool:
        """Whether the actor is eligible."""
        return self.candidate is not None


@frozen(kw_only=True)
class TierRoute:
    """Where one tier is routed, and who is eligible there.

    Attributes:
        tier: The tier's position in the policy.
        name: The tier's name.
        required: How many distinct approvals it needs.
        level: 0 at the requester's company, 1 at its parent, ...; the seller
            side is one above the top.
        approver_company_id: The company whose approvers act; ``None`` for the
            seller side.
        candidates: Everyone eligible there, by kind and id.
        staffed: Whether the candidates can satisfy the tier.
        reason: Why the tier is routed there, in words.
    """

    tier: int
    name: str
    required: int
    level: int
    approver_company_id: CompanyId | None
    candidates: tuple[Candidate, ...]
    staffed: bool
    reason: str

    @property
    def escalated(self) -> bool:
        """Whether the tier is routed above the requester's company."""
        return self.level > 0


@frozen(kw_only=True)
class RoutingCase:
    """The facts of a request that routing reads.

    Attributes:
        company_id: The requester's company.
        requester_id: Who asks.
        total: The order total.
        approver_roles: The roles the decision named.
        policy: The policy the request follows.
        acted: Who has already approved or rejected (they may not act again).
        crossed: The rule kinds and limit ids the decision crossed (for
            tiers chosen by ``when_crossed``); ``None`` when unknown.
    """

    company_id: CompanyId
    requester_id: CustomerId
    total: Money
    approver_roles: tuple[str, ...]
    policy: ApprovalPolicy
    acted: frozenset[str] = frozenset()
    crossed: frozenset[str] | None = None

    @classmethod
    def of(cls, request: ApprovalRequest) -> RoutingCase:
        """Return the facts of ``request``."""
        return cls(
            company_id=request.company_id,
            requester_id=request.requester_id,
            total=request.order.total,
            approver_roles=request.approver_roles,
            policy=request.policy,
            acted=request.acted,
            crossed=crossed_by(request.decision),
        )


@checked_arguments
def crossed_by(decision: Decision) -> frozenset[str]:
    """Return the rule kinds and purchasing limit ids ``decision`` crossed."""
    crossed = [result for result in decision.results if result.crossed]
    return frozenset(
        {result.rule for result in crossed}
        | {result.limit_id for result in crossed if result.limit_id is not None}
    )


@checked_arguments
def plan_routes(case: RoutingCase, directory: ApprovalDirectory) -> tuple[TierRoute, ...]:
    """Route every tier of ``case.policy`` that applies to the order, afresh.

    Raises:
        ValidationError: No tier of the policy applies to the order total.
        CurrencyMismatch: A threshold or an approver limit is in another
            currency than the order.
    """
    positions = case.policy.applicable_tiers(case.total, case.crossed)
    if not positions:
        raise ValidationError(
            f"no tier of policy {case.policy.id!r} applies to an order of "
            f"{format_money(case.total)}; give the policy a tier without thresholds (or with "
            "thresholds that cover this amount)",
            field="policy",
        )
    return tuple(_Router(case, directory).plan(position) for position in positions)


@checked_arguments
def route(request: ApprovalRequest, directory: ApprovalDirectory) -> tuple[TierRoute, ...]:
    """Decide afresh, per tier of ``request``, where it goes and who is eligible there.

    This is where the tiers would be routed now; the request keeps where they
    were routed (see [`reroute`][b2b_customers.approvals.ApprovalRequest.reroute]).

    Raises:
        CurrencyMismatch: An approver limit is in another currency than the order.
    """
    router = _Router(RoutingCase.of(request), directory)
    return tuple(router.plan(progress.tier) for progress in request.tiers)


@checked_arguments
def recorded_routes(
    request: ApprovalRequest, directory: ApprovalDirectory
) -> tuple[TierRoute, ...]:
    """Return, per tier of ``request``, who may act at the level it is routed to now.

    Unlike [`route`][b2b_customers.approvals.route], this keeps each tier where the request routed
    it and leaves out whoever has acted already; ``staffed`` says whether the open
    places can still be filled there.

    Raises:
        CurrencyMismatch: An approver limit is in another currency than the order.
    """
    router = _Router(RoutingCase.of(request), directory)
    result = []
    for progress in request.tiers:
        candidates = tuple(
            candidate
            for candidate in router.candidates(
                progress.tier, progress.level, progress.approver_company_id
            )
            if candidate.id not in request.acted
        )
        options = [verdict.places for verdict in progress.approvals]
        options += [candidate.places for candidate in candidates]
        result.append(
            TierRoute(
                tier=progress.tier,
                name=progress.name,
                required=progress.required,
                level=progress.level,
                approver_company_id=progress.approver_company_id,
                candidates=candidates,
                staffed=filled_places(options) == progress.required,
                reason="as routed",
            )
        )
    return tuple(result)


@checked_arguments
def eligible_approvers(
    request: ApprovalRequest, directory: ApprovalDirectory
) -> tuple[Candidate, ...]:
    """Return who may approve ``request`` now: for its current tier, at the level it is routed to.

    Leaves out whoever has acted already and anyone whose approval would fill
    no open place. The requester's preferred approver, when eligible, comes
    first. Empty when the request is not pending.

    Raises:
        CurrencyMismatch: An approver limit is in another currency than the order.
    """
    progress = request.current_tier
    if progress is None or request.status is not ApprovalStatus.PENDING:
        return ()
    router = _Router(RoutingCase.of(request), directory)
    found = [
        candidate
        for candidate in router.candidates(
            progress.tier, progress.level, progress.approver_company_id
        )
        if candidate.id not in request.acted and progress.would_fill(candidate.places)
    ]
    return tuple(sorted(found, key=lambda candidate: candidate.id != request.preferred_approver_id))


def assess_approver(
    actor: Customer | SellerApprover,
    request: ApprovalRequest,
    progress: TierProgress,
    directory: ApprovalDirectory,
) -> Assessment:
    """Tell whether ``actor`` is eligible for the tier ``progress`` of ``request``, and why not.

    The directory is the authority on the actor too: when it lists them, their
    roles, status and limits are read from it (so a stale copy of a demoted
    approver does not pass); otherwise ``actor`` is taken as given. Having
    acted already is not checked here.

    Raises:
        CurrencyMismatch: The actor's approver limit is in another currency.
    """
    router = _Router(RoutingCase.of(request), directory)
    return router.assess(actor, progress.tier, progress.level, progress.approver_company_id)


# -- the work


class _Router:
    """One routing pass over one request's facts; caches group members per company."""

    def __init__(self, case: RoutingCase, directory: ApprovalDirectory) -> None:
        self.case = case
        self.directory = directory
        self.policy = case.policy
        requester = directory.customer(case.requester_id)
        self.manager_id = requester.manager_id if requester is not None else None
        self.decision_roles = frozenset(
            _ROLE_NAMES[name] for name in case.approver_roles if name in _ROLE_NAMES
        )
        self.seller_named = SELLER in case.approver_roles
        self._groups: dict[CompanyId, frozenset[str]] = {}
        self._ancestors = directory.ancestors(case.company_id)

    # -- levels

    def plan(self, position: int) -> TierRoute:
        tier = self.policy.tiers[position]
        required = tier.required_approvals
        total = format_money(self.case.total)
        levels: list[tuple[int, CompanyId | None]] = [(0, self.case.company_id)]
        levels += [(number, company) for number, company in enumerate(self._ancestors, start=1)]
        levels.append((len(self._ancestors) + 1, None))
        shortfalls: list[str] = []
        for level, company in levels:
            candidates = tuple(
                candidate
                for candidate in self.candidates(position, level, company)
                if candidate.id not in self.case.acted
            )
            staffed = filled_places([c.places for c in candidates]) == required
            if staffed or company is None:
                if level == 0:
                    reason = f"approvers at {company!r} can approve {total}"
                else:
                    where = "the seller side" if company is None else f"{company!r}"
                    reason = "; ".join(shortfalls) + f"; escalated to {where}"
                    if not staffed:
                        reason += (
                            f", where no {required} seller approver(s) can approve {total} "
                            "either: list one with a limit that covers it"
                        )
                return TierRoute(
                    tier=position,
                    name=tier.name,
                    required=required,
                    level=level,
                    approver_company_id=company,
                    candidates=candidates,
                    staffed=staffed,
                    reason=reason,
                )
            shortfalls.append(
                f"at {company!r}, {len(candidates)} eligible approver(s) can approve {total} "
                f"within their limits; tier {tier.name!r} needs {required}"
            )
        msg = "unreachable: the seller level always ends the loop"  # pragma: no cover
        raise AssertionError(msg)  # pragma: no cover

    def places(
        self, position: int, level: int, company: CompanyId | None
    ) -> list[tuple[ApproverSelector, ...]]:
        """The selectors of each place of the tier at a level."""
        tier: ApprovalTier = self.policy.tiers[position]
        if level == 0 and company is not None:
            return [rule.any_of for rule in tier.all_of for _ in range(rule.count)]
        selector: ApproverSelector = SellerApprovers() if company is None else CompanyApprovers()
        return [(selector,)] * tier.required_approvals

    def candidates(
        self, position: int, level: int, company: CompanyId | None
    ) -> tuple[Candidate, ...]:
        places = self.places(position, level, company)
        people: list[Customer | SellerApprover] = []
        if company is not None:
            people.extend(self.directory.customers[key] for key in sorted(self.directory.customers))
        if any(self._may_match_seller(selectors) for selectors in places):
            people.extend(sorted(self.directory.seller_approvers, key=lambda seller: seller.id))
        found = []
        for person in people:
            assessment = self._assess(person, places, company)
            if assessment.candidate is not None:
                found.append(assessment.candidate)
        return tuple(found)

    def assess(
        self,
        actor: Customer | SellerApprover,
        position: int,
        level: int,
        company: CompanyId | None,
    ) -> Assessment:
        return self._assess(actor, self.places(position, level, company), company)

    # -- one person

    def _assess(
        self,
        person: Customer | SellerApprover,
        places: Sequence[tuple[ApproverSelector, ...]],
        company: CompanyId | None,
    ) -> Assessment:
        if isinstance(person, SellerApprover):
            listed = self.directory.seller_approver(person.id)
            if listed is None:
                return Assessment(
                    candidate=None,
                    reasons=(f"{person.name} ({person.id}) is not a listed seller approver",),
                )
            person = listed
        else:
            person = self.directory.customer(person.id) or person
        bases: dict[int, str] = {}
        for number, selectors in enumerate(places):
            basis = self._matches(person, selectors, company)
            if basis is not None:
                bases[number] = basis
        if not bases:
            wanted = " or ".join(
                sorted({describe_selector(item) for selectors in places for item in selectors})
            )
            where = "the seller side" if company is None else repr(company)
            return Assessment(
                candidate=None, reasons=(f"{person.display_name} is not {wanted} at {where}",)
            )
        limit = self._limit(person, company)
        reasons = (*self._refusals(person, limit), *self._period_refusals(person, company))
        if reasons:
            return Assessment(candidate=None, reasons=reasons)
        return Assessment(
            candidate=Candidate(
                kind=ActorKind.SELLER if isinstance(person, SellerApprover) else ActorKind.CUSTOMER,
                id=person.id,
                name=person.display_name,
                basis=bases[min(bases)],
                limit=limit,
                places=frozenset(bases),
            )
        )

    def _refusals(self, person: Customer | SellerApprover, limit: Money | None) -> tuple[str, ...]:
        """Why someone who matches a place may still not approve: status, self, limit."""
        name = person.display_name
        reasons: list[str] = []
        if isinstance(person, Customer) and not person.is_active:
            reasons.append(f"{name} is {person.status.value}")
        if person.id == self.case.requester_id and not self.policy.allow_self_approval:
            reasons.append(
                f"{name} asked for this approval and may not approve it (segregation of duties)"
            )
        if limit is None and self.policy.approvers_need_limit:
            reasons.append(f"{name} has no approver limit, and policy {self.policy.id!r} needs one")
        elif limit is not None and not covers(limit, self.case.total):
            reasons.append(
                f"{name} may approve up to {format_money(limit)}, "
                f"less than {format_money(self.case.total)}"
            )
        return tuple(reasons)

    def _period_refusals(
        self, person: Customer | SellerApprover, company: CompanyId | None
    ) -> tuple[str, ...]:
        """Why approving this request would take someone past their cap per period."""
        if isinstance(person, SellerApprover) or company is None:
            return ()
        unit = self._limit_unit(person, company)
        limit = self.directory.limit_of(person, unit)
        if limit is None or limit.per_period is None:
            return ()
        approved = self.directory.approved_so_far(person, unit)
        if within_period_cap(limit.per_period, approved, self.case.total):
            return ()
        so_far = approved if approved is not None else Money(0, self.case.total.currency)
        reason = (
            f"{person.display_name} may approve up to {format_money(limit.per_period)} per "
            f"period and has approved {format_money(so_far)} in this one; "
            f"{format_money(self.case.total)} more would exceed it"
        )
        return (reason,)

    def _limit(self, person: Customer | SellerApprover, company: CompanyId | None) -> Money | None:
        if isinstance(person, SellerApprover):
            return person.maximum
        if company is None:
            return None
        return self.directory.maximum_of(person, self._limit_unit(person, company))

    def _limit_unit(self, person: Customer, company: CompanyId) -> CompanyId:
        """The company whose approver limit binds ``person`` when approving at ``company``."""
        if not _standing_roles(person, company) and self._parent_units_approve_at(company):
            # A parent unit's approver approves within their limit at their own unit.
            return next((a for a in self._ancestors if _standing_roles(person, a)), company)
        return company

    def _matches(
        self,
        person: Customer | SellerApprover,
        selectors: Iterable[ApproverSelector],
        company: CompanyId | None,
    ) -> str | None:
        for selector in selectors:
            if isinstance(person, SellerApprover):
                basis = self._seller_basis(selector)
            elif company is None:
                basis = None
            else:
                basis = self._customer_basis(person, selector, company)
            if basis is not None:
                return basis
        if isinstance(person, Customer) and self._parent_units_approve_at(company):
            return self._parent_unit_basis(person)
        return None

    def _parent_units_approve_at(self, company: CompanyId | None) -> bool:
        """Whether the policy lets the units above approve at ``company`` (the requester's)."""
        return self.policy.parent_units_approve and company == self.case.company_id

    def _parent_unit_basis(self, customer: Customer) -> str | None:
        """A parent unit's approver, when the policy lets them approve directly."""
        for ancestor in self._ancestors:
            held = _standing_roles(customer, ancestor)
            basis = self._pool_basis(customer, CompanyApprovers(), held, ancestor)
            if basis is not None:
                return f"{basis}, a parent unit"
        return None

    def _may_match_seller(self, selectors: Iterable[ApproverSelector]) -> bool:
        return any(self._seller_basis(selector) is not None for selector in selectors)

    def _seller_basis(self, selector: ApproverSelector) -> str | None:
        if isinstance(selector, SellerApprovers):
            return "seller-side approver"
        if isinstance(selector, DecisionApprovers) and self.seller_named:
            return "seller-side approver, named by the decision"
        return None

    def _customer_basis(
        self, customer: Customer, selector: ApproverSelector, company: CompanyId
    ) -> str | None:
        roles = _standing_roles(customer, company)
        if isinstance(selector, RoleApprover):
            return f"{selector.role.value} at {company!r}" if selector.role in roles else None
        if isinstance(selector, DecisionApprovers):
            return self._decision_basis(roles, company)
        if isinstance(selector, CompanyApprovers | StandardApprovers):
            return self._pool_basis(customer, selector, roles, company)
        return self._named_basis(customer, selector)

    def _named_basis(self, customer: Customer, selector: ApproverSelector) -> str | None:
        """Selectors that name people wherever they work: a group, a customer, the manager."""
        if isinstance(selector, GroupApprover):
            group = self.directory.group(selector.group_id)
            if group is not None and group.includes(customer):
                return f"member of approval group {group.name!r}"
            return None
        if isinstance(selector, CustomerApprover):
            return "named in the policy" if customer.id == selector.customer_id else None
        if isinstance(selector, ManagerApprover):
            return "the requester's manager" if customer.id == self.manager_id else None
        return None  # SellerApprovers name no customer

    def _pool_basis(
        self,
        customer: Customer,
        selector: CompanyApprovers | StandardApprovers,
        roles: frozenset[Role],
        company: CompanyId,
    ) -> str | None:
        """The company's approvers: its approval group if it has members, else by role."""
        members = self._group_members(company)
        if members:
            return self._group_basis(customer, company, members)
        if isinstance(selector, CompanyApprovers):
            held = roles & {Role.ADMIN, Role.APPROVER}
            return f"{min(held).value} at {company!r}" if held else None
        decided = self._decision_basis(roles, company)
        if decided is not None:
            return decided
        return f"approver at {company!r}" if Role.APPROVER in roles else None

    def _decision_basis(self, roles: frozenset[Role], company: CompanyId) -> str | None:
        held = roles & self.decision_roles
        if not held:
            return None
        return f"{min(held).value} at {company!r}, as the decision named"

    def _group_basis(
        self, customer: Customer, company: CompanyId, members: frozenset[str]
    ) -> str | None:
        if customer.id not in members:
            return None
        group = self.directory.group_of(company)
        name = group.name if group is not None else company
        return f"member of approval group {name!r} of {company!r}"

    def _group_members(self, company: CompanyId) -> frozenset[str]:
        if company not in self._groups:
            self._groups[company] = frozenset(
                customer.id for customer in self.directory.group_members_of(company)
            )
        return self._groups[company]


def _standing_roles(customer: Customer, company: CompanyId) -> frozenset[Role]:
    """The roles ``customer`` holds at ``company`` while in standing there.

    A membership deactivated (or only invited) at the company matches no
    selector; a customer inactive everywhere matches, and is refused as inactive.
    """
    membership = customer.membership_in(company)
    return membership.roles if membership is not None and membership.is_active else frozenset()
