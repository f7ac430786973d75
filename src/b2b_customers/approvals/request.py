"""The approval request: an order that a rule stopped, waiting for the right people's sign-off.

An [`ApprovalRequest`][b2b_customers.approvals.ApprovalRequest] is an immutable aggregate. Each
method checks the move and returns a **new** request with one more audit entry, or raises and
changes nothing:

* [`submit`][b2b_customers.approvals.ApprovalRequest.submit] turns a decision of "approval required"
  into a pending request: it snapshots the order, the decision and the
  policy, sets ``expires_at = submitted_at + policy.validity``, and routes
  every tier that applies (escalating where needed).
* [`approve`][b2b_customers.approvals.ApprovalRequest.approve] records one approval on the current
  tier; the one that satisfies the last tier approves the request.
* [`reject`][b2b_customers.approvals.ApprovalRequest.reject] (a reason is required): any eligible
  approver of a tier not yet satisfied rejects the **whole** request.
* [`cancel`][b2b_customers.approvals.ApprovalRequest.cancel]: the requester withdraws it, or an
  admin of the company, a seller approver or the system closes it (with a reason).
* [`expire`][b2b_customers.approvals.ApprovalRequest.expire]: from ``expires_at`` on.
* [`complete`][b2b_customers.approvals.ApprovalRequest.complete]: links the order placed from an
  approved request.
* [`update_comment`][b2b_customers.approvals.ApprovalRequest.update_comment]: the requester rewrites
  the comment of a pending request (an audit entry keeps the new text).

**Voluntary requests.** A buyer may ask for approval of an order no rule
stops (``voluntary=True``, with a decision that allows it): the request is
routed by the same policy, its decision roles taken as
`VOLUNTARY_APPROVER_ROLES`
(an admin, as when a limit is crossed). Any request may name a **preferred
approver**, who must be eligible for its first tier when it is submitted; the
request records them and lists them first among the eligible approvers.

**Segregation of duties.** Nobody approves their own request, unless the
policy's ``allow_self_approval`` says so (off by default); an approver acts
once per request (one approval or one rejection); rejecting needs a reason.

**Expiry.** A request is expired from the instant ``expires_at`` on, whether
or not anyone has marked it so: acting at exactly ``expires_at`` or later is
refused with [`InvalidTransition`][b2b_customers.InvalidTransition], and only
[`expire`][b2b_customers.approvals.ApprovalRequest.expire] (or the sweep,
[`expire_due`][b2b_customers.approvals.expire_due]) is left. Time is always passed
in (``at=``); it never runs backwards within a request.

**Final is final.** Rejected, expired, cancelled and completed requests
never change again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen

from b2b_customers.approvals.actors import Actor, ActorKind, actor_kind, describe
from b2b_customers.approvals.audit import ApprovalAction, AuditEntry
from b2b_customers.approvals.policy import ApprovalPolicy
from b2b_customers.approvals.progress import TierProgress, Verdict
from b2b_customers.approvals.routing import (
    RoutingCase,
    assess_approver,
    crossed_by,
    eligible_approvers,
    plan_routes,
    recorded_routes,
)
from b2b_customers.approvals.status import ApprovalStatus, ensure_transition
from b2b_customers.domain.customer import Customer
from b2b_customers.domain.membership import Role
from b2b_customers.domain.money import format_money
from b2b_customers.domain.order import OrderDraft, ResourceType
from b2b_customers.domain.values import (
    aware_datetime,
    flag,
    identifier,
    items_of,
    of_type,
    optional,
    strip_optional,
    text,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import InvalidTransition, PermissionDenied, ValidationError
from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId, OrderId
from b2b_customers.limits.decision import Decision, Outcome

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.approvals.directory import ApprovalDirectory
    from b2b_customers.approvals.routing import Candidate, TierRoute

__all__ = ["VOLUNTARY_APPROVER_ROLES", "ApprovalRequest"]

_MAX_COMMENT = 2000

VOLUNTARY_APPROVER_ROLES = ("admin",)
"""Whom a voluntary request names as the decision's approvers (no rule named any)."""


def _tiers_of(value: Iterable[TierProgress]) -> tuple[TierProgress, ...]:
    items = items_of(value)
    return cast("tuple[TierProgress, ...]", value) if items is None else tuple(items)


def _tiers(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(item, TierProgress) for item in value)
    ):
        raise ValidationError("must be a non-empty list of TierProgress", field=attribute.name)


def _audit_of(value: Iterable[AuditEntry]) -> tuple[AuditEntry, ...]:
    items = items_of(value)
    return cast("tuple[AuditEntry, ...]", value) if items is None else tuple(items)


def _audit(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(item, AuditEntry) for item in value)
    ):
        raise ValidationError(
            "must be a non-empty list of AuditEntry, starting with the submission",
            field=attribute.name,
        )


@frozen(kw_only=True)
class ApprovalRequest(Versioned):
    """An order (or cart, or quote) waiting for approval, with everything said and done about it.

    Build one with [`submit`][b2b_customers.approvals.ApprovalRequest.submit]; change it only
    through its methods.

    Attributes:
        id: The request's id.
        company_id: The requester's company.
        requester_id: The customer who asked.
        resource_type: Cart, order or quote.
        resource_id: The shop's id of the cart, order or quote.
        order: A snapshot of the order as submitted.
        decision: A snapshot of the decision that required approval.
        policy: A snapshot of the policy followed (its ``id`` and ``version``
            say which policy, and which version of it).
        submitted_at: When it was submitted.
        expires_at: When it expires (``submitted_at + policy.validity``).
        tiers: The tiers that apply, in order, with their routing and verdicts.
        status: Pending, approved, rejected, expired, cancelled or completed.
        comment: The requester's comment.
        order_id: The order placed from it, once completed.
        audit: Every action, oldest first.
        voluntary: The requester asked for approval although the decision
            allowed the order.
        preferred_approver_id: The approver the requester asked for (eligible
            for the first tier when submitted), listed first among the
            eligible approvers.
    """

    id: ApprovalRequestId = field(converter=ApprovalRequestId, validator=identifier)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    requester_id: CustomerId = field(converter=CustomerId, validator=identifier)
    resource_type: ResourceType = field(converter=ResourceType)
    resource_id: str = field(validator=identifier)
    order: OrderDraft = field(validator=of_type(OrderDraft))
    decision: Decision = field(validator=of_type(Decision))
    policy: ApprovalPolicy = field(validator=of_type(ApprovalPolicy))
    submitted_at: datetime = field(validator=aware_datetime)
    expires_at: datetime = field(validator=aware_datetime)
    tiers: tuple[TierProgress, ...] = field(converter=_tiers_of, validator=_tiers)
    audit: tuple[AuditEntry, ...] = field(converter=_audit_of, validator=_audit)
    status: ApprovalStatus = field(default=ApprovalStatus.PENDING, converter=ApprovalStatus)
    comment: str | None = field(
        default=None, converter=strip_optional, validator=optional(text(max_length=_MAX_COMMENT))
    )
    order_id: OrderId | None = field(
        default=None, converter=attrs.converters.optional(OrderId), validator=optional(identifier)
    )
    voluntary: bool = field(default=False, validator=flag)
    preferred_approver_id: CustomerId | None = field(
        default=None,
        converter=attrs.converters.optional(CustomerId),
        validator=optional(identifier),
    )

    def __attrs_post_init__(self) -> None:
        self._check_snapshots()
        self._check_tiers()
        self._check_audit()
        self._check_status()

    # -- building one

    @classmethod
    def submit(
        cls,
        *,
        id: ApprovalRequestId | str,  # noqa: A002  (the entity's own field name)
        order: OrderDraft,
        decision: Decision,
        requester: Customer,
        directory: ApprovalDirectory,
        at: datetime,
        comment: str | None = None,
        resource_id: str | None = None,
        policy: ApprovalPolicy | None = None,
        voluntary: bool = False,
        preferred_approver: CustomerId | None = None,
    ) -> ApprovalRequest:
        """Turn a decision of "approval required" into a pending request.

        Args:
            id: The new request's id.
            order: The order the decision was made for.
            decision: The engine's decision; its outcome must be approval required.
            requester: The customer placing the order.
            directory: Who may approve (and the company tree, for escalation).
            at: Now, from the injected clock.
            comment: The requester's comment for the approvers.
            resource_id: The shop's id of the cart, order or quote (defaults to
                ``order.resource_id``).
            policy: The policy to follow (defaults to the directory's
                [`policy_for`][b2b_customers.approvals.ApprovalDirectory.policy_for]
                the order's company).
            voluntary: The requester asks although the decision allows the
                order (the decision must then say allowed).
            preferred_approver: The customer the requester would like to
                approve; they must be eligible for the first tier.

        Raises:
            ValidationError: The decision is not "approval required" (nor
                "allowed" for a voluntary request), was made for another
                total, or after ``at``; the order names another buyer; no
                resource id is given; no tier applies; the preferred approver
                is not eligible for the first tier.
            PermissionDenied: The requester is inactive or may not order for the
                company.
            CurrencyMismatch: A threshold or an approver limit is in another
                currency than the order.
        """
        _ensure_aware(at)
        _ensure_may_request(requester, order, decision, at, voluntary=voluntary)
        chosen = policy if policy is not None else directory.policy_for(order.company_id)
        case = RoutingCase(
            company_id=order.company_id,
            requester_id=requester.id,
            total=order.total,
            approver_roles=VOLUNTARY_APPROVER_ROLES if voluntary else decision.approver_roles,
            crossed=crossed_by(decision),
            policy=chosen,
        )
        routes = plan_routes(case, directory)
        if preferred_approver is not None:
            _ensure_preferred_eligible(preferred_approver, routes[0])
        resource = resource_id if resource_id is not None else order.resource_id
        if resource is None:
            raise ValidationError(
                "name the cart, order or quote the request is for: give resource_id, or set "
                "it on the order",
                field="resource_id",
            )
        entries = [
            AuditEntry(
                at=at,
                action=ApprovalAction.SUBMIT,
                actor_kind=ActorKind.CUSTOMER,
                actor_id=requester.id,
                after=ApprovalStatus.PENDING,
                comment=comment,
            )
        ]
        entries.extend(
            AuditEntry(
                at=at,
                action=ApprovalAction.ESCALATE,
                actor_kind=ActorKind.SYSTEM,
                before=ApprovalStatus.PENDING,
                after=ApprovalStatus.PENDING,
                comment=route.reason,
                tier=route.tier,
            )
            for route in routes
            if route.escalated
        )
        return cls(
            id=id,
            company_id=order.company_id,
            requester_id=requester.id,
            resource_type=order.resource_type,
            resource_id=resource,
            order=order,
            decision=decision,
            policy=chosen,
            submitted_at=at,
            expires_at=chosen.validity.after(at),
            tiers=tuple(
                TierProgress(
                    tier=route.tier,
                    name=route.name,
                    required=route.required,
                    level=route.level,
                    approver_company_id=route.approver_company_id,
                )
                for route in routes
            ),
            audit=tuple(entries),
            comment=comment,
            voluntary=voluntary,
            preferred_approver_id=preferred_approver,
        )

    # -- what it says

    @property
    def approver_roles(self) -> tuple[str, ...]:
        """The roles routing reads for the decision's approvers (a voluntary request's own)."""
        return VOLUNTARY_APPROVER_ROLES if self.voluntary else self.decision.approver_roles

    @property
    def is_open(self) -> bool:
        """Whether the request can still move (pending or approved)."""
        return self.status.is_open

    @property
    def is_final(self) -> bool:
        """Whether the request never changes again."""
        return self.status.is_final

    @property
    def policy_id(self) -> str:
        """The id of the policy the request follows (from its snapshot)."""
        return self.policy.id

    @property
    def policy_version(self) -> int:
        """The stored version of that policy when the request was submitted (0: built in)."""
        return self.policy.version

    @property
    def holds_credit(self) -> bool:
        """Whether the order's amount should be reserved now: while pending or approved."""
        return self.status.is_open

    @property
    def current_tier(self) -> TierProgress | None:
        """The first tier not yet satisfied (``None`` when all are)."""
        return next((progress for progress in self.tiers if not progress.satisfied), None)

    @property
    def approvals(self) -> tuple[Verdict, ...]:
        """Every approval recorded, tier by tier."""
        return tuple(verdict for progress in self.tiers for verdict in progress.approvals)

    @property
    def rejection(self) -> Verdict | None:
        """The rejection, if the request was rejected."""
        return next((v for progress in self.tiers for v in progress.rejections), None)

    @property
    def acted(self) -> frozenset[str]:
        """Everyone who has approved or rejected (they may not act again)."""
        return frozenset(
            verdict.approver_id
            for progress in self.tiers
            for verdict in (*progress.approvals, *progress.rejections)
        )

    @property
    def escalated(self) -> bool:
        """Whether any tier is routed above the requester's company."""
        return any(progress.escalated for progress in self.tiers)

    @property
    def escalated_to(self) -> CompanyId | None:
        """The highest company a tier is escalated to (``None`` if none is, or at the seller)."""
        highest = max(self.tiers, key=lambda progress: progress.level)
        return highest.approver_company_id if highest.escalated else None

    @property
    def at_seller(self) -> bool:
        """Whether any tier waits for a seller-side approver."""
        return any(progress.at_seller for progress in self.tiers)

    @property
    def last_changed_at(self) -> datetime:
        """When the last action happened."""
        return self.audit[-1].at

    def is_expired_at(self, at: datetime) -> bool:
        """Tell whether the request is expired at ``at``: marked so, or open and due."""
        _ensure_aware(at)
        return self.status is ApprovalStatus.EXPIRED or (self.is_open and at >= self.expires_at)

    def status_at(self, at: datetime) -> ApprovalStatus:
        """Return the status as of ``at``: ``expired`` for an open request past ``expires_at``."""
        return ApprovalStatus.EXPIRED if self.is_expired_at(at) else self.status

    # -- moves

    def approve(
        self,
        approver: Actor,
        *,
        at: datetime,
        directory: ApprovalDirectory,
        comment: str | None = None,
    ) -> ApprovalRequest:
        """Record ``approver``'s approval on the current tier.

        The approval that satisfies the last tier approves the request.

        Args:
            approver: The customer (or seller approver) approving, as loaded now.
            at: Now.
            directory: Who may approve, now.
            comment: The approver's comment.

        Raises:
            InvalidTransition: The request is not pending, or expired at ``at``.
            PermissionDenied: ``approver`` asked for it (and the policy does not
                allow self-approval), has acted already, is not eligible for the
                current tier, or would fill no open place of it.
            ValidationError: ``at`` is naive or before the last change.
            CurrencyMismatch: An approver limit is in another currency.
        """
        self._ensure_may_act(ApprovalStatus.APPROVED, at, "approve")
        kind = actor_kind(approver)
        progress = self.current_tier
        if progress is None:  # pragma: no cover  (a pending request always has an open tier)
            msg = f"request {self.id!r} is pending with every tier satisfied"
            raise InvalidTransition(msg)
        self._ensure_not_acted(approver)
        self._ensure_not_requester(approver, "approve")
        assessment = assess_approver(approver, self, progress, directory)
        candidate = assessment.candidate
        if candidate is None:
            raise PermissionDenied(
                f"{describe(approver)} may not approve tier {progress.name!r} of request "
                f"{self.id!r}{_routed(progress)}: {'; '.join(assessment.reasons)}. "
                f"{_eligible_sentence(eligible_approvers(self, directory))}"
            )
        if not progress.would_fill(candidate.places):
            raise PermissionDenied(
                f"{describe(approver)} qualifies for tier {progress.name!r} only in places "
                "already filled; it still needs someone else. "
                f"{_eligible_sentence(eligible_approvers(self, directory))}"
            )
        verdict = Verdict(
            approver_id=approver.id,
            approver_kind=kind,
            at=at,
            comment=comment,
            basis=candidate.basis,
            limit=candidate.limit,
            places=candidate.places,
        )
        tiers = tuple(
            item.with_approval(verdict) if item.tier == progress.tier else item
            for item in self.tiers
        )
        done = all(item.satisfied for item in tiers)
        after = ApprovalStatus.APPROVED if done else ApprovalStatus.PENDING
        moved = self._moved(
            after,
            ApprovalAction.APPROVE,
            at=at,
            actor=approver,
            comment=comment,
            tier=progress.tier,
            tiers=tiers,
        )
        # Someone who approved one tier cannot approve the next: if that leaves a
        # later tier without enough approvers where it waits, escalate it now.
        return _rerouted(moved, directory, at, only_unstaffed=True) if not done else moved

    def reject(
        self,
        approver: Actor,
        *,
        at: datetime,
        reason: str,
        directory: ApprovalDirectory,
    ) -> ApprovalRequest:
        """Reject the whole request, as an eligible approver of a tier not yet satisfied.

        Args:
            approver: The customer (or seller approver) rejecting.
            at: Now.
            reason: Why; required, shown to the requester.
            directory: Who may approve, now.

        Raises:
            ValidationError: ``reason`` is blank; ``at`` is naive or before the
                last change.
            InvalidTransition: The request is not pending, or expired at ``at``.
            PermissionDenied: ``approver`` asked for it (withdraw with
                [`cancel`][b2b_customers.approvals.ApprovalRequest.cancel] instead), has acted
                already, or is not eligible for any tier still open.
        """
        self._ensure_may_act(ApprovalStatus.REJECTED, at, "reject")
        text_reason = _required_reason(reason, "reject")
        kind = actor_kind(approver)
        self._ensure_not_acted(approver)
        if approver.id == self.requester_id:
            raise PermissionDenied(
                f"{describe(approver)} asked for request {self.id!r} and cannot reject it; "
                "withdraw it with cancel() instead"
            )
        reasons: list[str] = []
        for progress in self.tiers:
            if progress.satisfied:
                continue
            assessment = assess_approver(approver, self, progress, directory)
            if assessment.candidate is not None:
                verdict = Verdict(
                    approver_id=approver.id,
                    approver_kind=kind,
                    at=at,
                    comment=text_reason,
                    basis=assessment.candidate.basis,
                    limit=assessment.candidate.limit,
                )
                tiers = tuple(
                    item.with_rejection(verdict) if item.tier == progress.tier else item
                    for item in self.tiers
                )
                return self._moved(
                    ApprovalStatus.REJECTED,
                    ApprovalAction.REJECT,
                    at=at,
                    actor=approver,
                    comment=text_reason,
                    tier=progress.tier,
                    tiers=tiers,
                )
            reasons.extend(assessment.reasons)
        raise PermissionDenied(
            f"{describe(approver)} may not reject request {self.id!r}: only an eligible approver "
            f"of a tier still open may ({'; '.join(dict.fromkeys(reasons))}). "
            f"{_eligible_sentence(eligible_approvers(self, directory))}"
        )

    def cancel(
        self, actor: Actor | None, *, at: datetime, reason: str | None = None
    ) -> ApprovalRequest:
        """Withdraw (the requester) or close (an admin, a seller approver, the system) the request.

        Args:
            actor: The requester, an admin of the company, a seller approver,
                or ``None`` for the system (e.g. the cart changed).
            at: Now.
            reason: Why; required from anyone but the requester.

        Raises:
            InvalidTransition: The request is final, or expired at ``at``.
            PermissionDenied: ``actor`` is a customer who neither asked for it
                nor is an admin of the company.
            ValidationError: A reason is needed and missing; ``at`` is naive or
                before the last change.
        """
        self._ensure_may_act(ApprovalStatus.CANCELLED, at, "cancel")
        actor_kind(actor)
        if isinstance(actor, Customer) and actor.id == self.requester_id:
            comment = strip_optional(reason)
        else:
            if isinstance(actor, Customer) and Role.ADMIN not in actor.roles_in(self.company_id):
                raise PermissionDenied(
                    f"{describe(actor)} may not cancel request {self.id!r}: only the requester "
                    f"withdraws it, or an admin of {self.company_id!r}, a seller approver or the "
                    "system closes it"
                )
            comment = _required_reason(reason, "close someone else's request")
        return self._moved(
            ApprovalStatus.CANCELLED, ApprovalAction.CANCEL, at=at, actor=actor, comment=comment
        )

    def expire(self, *, at: datetime) -> ApprovalRequest:
        """Mark the request expired: allowed from ``expires_at`` on.

        Raises:
            InvalidTransition: The request is final, or not due before ``expires_at``.
            ValidationError: ``at`` is naive or before the last change.
        """
        _ensure_aware(at)
        ensure_transition(self.status, ApprovalStatus.EXPIRED)
        self._ensure_forward(at)
        if at < self.expires_at:
            raise InvalidTransition(
                f"request {self.id!r} is not due: it expires at {self.expires_at.isoformat()}, "
                f"not {at.isoformat()}; cancel it to close it earlier"
            )
        return self._moved(
            ApprovalStatus.EXPIRED,
            ApprovalAction.EXPIRE,
            at=at,
            actor=None,
            comment=f"not decided by {self.expires_at.isoformat()}"
            if self.status is ApprovalStatus.PENDING
            else f"approved, but no order placed by {self.expires_at.isoformat()}",
        )

    def complete(
        self, order_id: OrderId | str, *, at: datetime, actor: Actor | None = None
    ) -> ApprovalRequest:
        """Link the order placed from this approved request; it is then completed.

        Args:
            order_id: The id of the order placed.
            at: Now.
            actor: Who placed it (the requester or an approver); ``None`` for the system.

        Raises:
            InvalidTransition: The request is not approved, or expired at ``at``.
            ValidationError: ``order_id`` is not an id; ``at`` is naive or
                before the last change.
        """
        self._ensure_may_act(ApprovalStatus.COMPLETED, at, "complete")
        actor_kind(actor)
        return self._moved(
            ApprovalStatus.COMPLETED,
            ApprovalAction.COMPLETE,
            at=at,
            actor=actor,
            comment=f"order {order_id} placed",
            order_id=OrderId(order_id),
        )

    def update_comment(
        self, requester: Actor, *, at: datetime, comment: str | None
    ) -> ApprovalRequest:
        """Replace the requester's comment on a pending request; an audit entry records it.

        Args:
            requester: The customer who asked (nobody else may).
            at: Now.
            comment: The new comment (``None`` or blank removes it).

        Raises:
            PermissionDenied: ``requester`` did not ask for the request.
            InvalidTransition: The request is not pending, or expired at ``at``.
            ValidationError: The comment is too long; ``at`` is naive or
                before the last change.
        """
        self._ensure_may_act(ApprovalStatus.PENDING, at, "change its comment", same=True)
        if not isinstance(requester, Customer) or requester.id != self.requester_id:
            raise PermissionDenied(
                f"{describe(requester)} did not ask for request {self.id!r}; only the requester "
                "changes its comment"
            )
        changed = attrs.evolve(self, comment=comment)
        return changed._moved(  # noqa: SLF001  (the same class)
            ApprovalStatus.PENDING,
            ApprovalAction.COMMENT,
            at=at,
            actor=requester,
            comment=changed.comment,
        )

    def reroute(self, directory: ApprovalDirectory, *, at: datetime) -> ApprovalRequest:
        """Route afresh the tiers nobody has approved yet, after the directory changed.

        Returns the request itself when no tier moves; otherwise a copy with an
        ``escalate`` audit entry per tier moved.

        Raises:
            InvalidTransition: The request is not pending, or expired at ``at``.
            ValidationError: ``at`` is naive or before the last change.
        """
        self._ensure_may_act(ApprovalStatus.PENDING, at, "reroute", same=True)
        return _rerouted(self, directory, at, only_unstaffed=False)

    # -- helpers

    def _moved(
        self,
        after: ApprovalStatus,
        action: ApprovalAction,
        *,
        at: datetime,
        actor: Actor | None,
        comment: str | None,
        tier: int | None = None,
        tiers: tuple[TierProgress, ...] | None = None,
        order_id: OrderId | None = None,
    ) -> ApprovalRequest:
        entry = AuditEntry(
            at=at,
            action=action,
            actor_kind=actor_kind(actor),
            actor_id=actor.id if actor is not None else None,
            before=self.status,
            after=after,
            comment=comment,
            tier=tier,
        )
        changes: dict[str, Any] = {"status": after, "audit": (*self.audit, entry)}
        if tiers is not None:
            changes["tiers"] = tiers
        if order_id is not None:
            changes["order_id"] = order_id
        return attrs.evolve(self, **changes)

    def _ensure_may_act(
        self, after: ApprovalStatus, at: datetime, verb: str, *, same: bool = False
    ) -> None:
        """Refuse to act on a final request, backwards in time, once expired, or out of order."""
        _ensure_aware(at)
        if self.status.is_final:
            ensure_transition(self.status, after)  # says the status is final
        self._ensure_forward(at)
        if at >= self.expires_at:
            raise InvalidTransition(
                f"request {self.id!r} expired at {self.expires_at.isoformat()} and cannot {verb} "
                f"at {at.isoformat()}; submit anew"
            )
        waiting = self.current_tier
        if same and self.status is not ApprovalStatus.PENDING:
            raise InvalidTransition(
                f"request {self.id!r} is {self.status.value}; only a pending request can {verb}"
            )
        if self.status is ApprovalStatus.APPROVED and after in {
            ApprovalStatus.APPROVED,
            ApprovalStatus.REJECTED,
        }:
            raise InvalidTransition(
                f"request {self.id!r} is already approved and cannot {verb} any more; place the "
                "order (complete) or cancel it"
            )
        if after is ApprovalStatus.COMPLETED and waiting is not None:
            raise InvalidTransition(
                f"request {self.id!r} is still pending: tier {waiting.name!r} needs approval "
                "before an order can be placed from it"
            )
        if not same:
            ensure_transition(self.status, after)

    def _ensure_forward(self, at: datetime) -> None:
        if at < self.last_changed_at:
            raise ValidationError(
                f"{at.isoformat()} is before the request's last change at "
                f"{self.last_changed_at.isoformat()}; pass the current time",
                field="at",
            )

    def _ensure_not_acted(self, approver: Actor) -> None:
        if approver.id in self.acted:
            raise PermissionDenied(
                f"{describe(approver)} has already acted on request {self.id!r}; an approver "
                "acts once per request"
            )

    def _ensure_not_requester(self, approver: Actor, verb: str) -> None:
        if approver.id == self.requester_id and not self.policy.allow_self_approval:
            raise PermissionDenied(
                f"{describe(approver)} asked for request {self.id!r} and may not {verb} it "
                f"(segregation of duties); policy {self.policy.id!r} does not allow "
                "self-approval"
            )

    # -- invariants

    def _check_snapshots(self) -> None:
        if self.order.company_id != self.company_id or self.order.buyer_id != self.requester_id:
            raise ValidationError(
                "the order snapshot must be the requester's order for the request's company",
                field="order",
            )
        if self.voluntary != (self.decision.outcome is Outcome.ALLOWED):
            raise ValidationError(
                "a voluntary request keeps a decision that allowed the order, and only a "
                "voluntary one does",
                field="voluntary",
            )
        if self.expires_at <= self.submitted_at:
            raise ValidationError("must be after submitted_at", field="expires_at")

    def _check_tiers(self) -> None:
        positions = [progress.tier for progress in self.tiers]
        if positions != sorted(set(positions)) or positions[-1] >= len(self.policy.tiers):
            raise ValidationError(
                f"tiers must name distinct positions of the policy's {len(self.policy.tiers)} "
                f"tiers in order, got {positions}",
                field="tiers",
            )
        verdicts = [
            verdict
            for progress in self.tiers
            for verdict in (*progress.approvals, *progress.rejections)
        ]
        ids = [verdict.approver_id for verdict in verdicts]
        if len(ids) != len(set(ids)):
            raise ValidationError(
                "an approver acts once per request; the tiers record someone twice", field="tiers"
            )
        for verdict in verdicts:
            if not self.submitted_at <= verdict.at < self.expires_at:
                raise ValidationError(
                    f"a verdict at {verdict.at.isoformat()} lies outside the request's life "
                    f"({self.submitted_at.isoformat()} to {self.expires_at.isoformat()})",
                    field="tiers",
                )

    def _check_audit(self) -> None:
        first = self.audit[0]
        if first.action is not ApprovalAction.SUBMIT or first.at != self.submitted_at:
            raise ValidationError(
                "the audit trail starts with the submission, at submitted_at", field="audit"
            )
        for earlier, later in zip(self.audit, self.audit[1:], strict=False):
            if later.before != earlier.after or later.at < earlier.at:
                raise ValidationError(
                    "each audit entry starts from the status the previous one left, no earlier "
                    "than it",
                    field="audit",
                )
        if self.audit[-1].after is not self.status:
            raise ValidationError(
                f"the audit trail ends in {self.audit[-1].after.value} but the status is "
                f"{self.status.value}",
                field="status",
            )

    def _check_status(self) -> None:
        satisfied = all(progress.satisfied for progress in self.tiers)
        approved = self.status in {ApprovalStatus.APPROVED, ApprovalStatus.COMPLETED}
        if approved and not satisfied:
            raise ValidationError(
                f"a {self.status.value} request has every tier satisfied", field="status"
            )
        if self.status is ApprovalStatus.PENDING and satisfied:
            raise ValidationError(
                "a request with every tier satisfied is approved, not pending", field="status"
            )
        if (self.rejection is not None) != (self.status is ApprovalStatus.REJECTED):
            raise ValidationError(
                "a rejected request records its rejection, and only a rejected one does",
                field="status",
            )
        if (self.order_id is not None) != (self.status is ApprovalStatus.COMPLETED):
            raise ValidationError(
                "a completed request links its order, and only a completed one does",
                field="order_id",
            )


def _rerouted(
    request: ApprovalRequest, directory: ApprovalDirectory, at: datetime, *, only_unstaffed: bool
) -> ApprovalRequest:
    """Route afresh the tiers nobody has approved (only the unstaffed ones, if so asked)."""
    fresh = {route.tier: route for route in plan_routes(RoutingCase.of(request), directory)}
    staffed = (
        {route.tier: route.staffed for route in recorded_routes(request, directory)}
        if only_unstaffed
        else {}
    )
    tiers: list[TierProgress] = []
    entries: list[AuditEntry] = []
    for progress in request.tiers:
        route = fresh.get(progress.tier)
        if (
            route is None
            or progress.approvals
            or staffed.get(progress.tier, False)
            or (route.level, route.approver_company_id)
            == (progress.level, progress.approver_company_id)
        ):
            tiers.append(progress)
            continue
        tiers.append(
            attrs.evolve(progress, level=route.level, approver_company_id=route.approver_company_id)
        )
        entries.append(
            AuditEntry(
                at=at,
                action=ApprovalAction.ESCALATE,
                actor_kind=ActorKind.SYSTEM,
                before=request.status,
                after=request.status,
                comment=f"tier {route.name!r} rerouted: {route.reason}",
                tier=route.tier,
            )
        )
    if not entries:
        return request
    return attrs.evolve(request, tiers=tuple(tiers), audit=(*request.audit, *entries))


def _ensure_aware(at: datetime) -> None:
    raw: object = at
    if not isinstance(raw, datetime) or raw.utcoffset() is None:
        raise ValidationError(
            f"must be a timezone-aware datetime (the injected clock's now()), got {at!r}",
            field="at",
        )


def _ensure_preferred_eligible(preferred: CustomerId, first: TierRoute) -> None:
    """Refuse a preferred approver who may not approve the first tier where it is routed."""
    eligible = [candidate.id for candidate in first.candidates]
    if preferred not in eligible:
        named = ", ".join(repr(key) for key in eligible) or "nobody"
        raise ValidationError(
            f"{preferred!r} may not approve tier {first.name!r} of this order, so cannot be its "
            f"preferred approver; choose one of the eligible approvers: {named}",
            field="preferred_approver",
        )


def _ensure_may_request(
    requester: Customer,
    order: OrderDraft,
    decision: Decision,
    at: datetime,
    *,
    voluntary: bool = False,
) -> None:
    if voluntary and decision.outcome is not Outcome.ALLOWED:
        raise ValidationError(
            f"the decision says {decision.outcome.value}: a voluntary request is for an order "
            "the rules allow; submit it as a required one (voluntary=False)",
            field="voluntary",
        )
    if not voluntary and decision.outcome is not Outcome.APPROVAL_REQUIRED:
        advice = (
            "place the order directly"
            if decision.outcome is Outcome.ALLOWED
            else "a denied order cannot be approved; change the order or the limits"
        )
        raise ValidationError(
            f"the decision says {decision.outcome.value}, not approval_required: {advice}",
            field="decision",
        )
    if decision.order_total != order.total:
        raise ValidationError(
            f"the decision was made for an order of {format_money(decision.order_total)}, this "
            f"one totals {format_money(order.total)}; decide again for this order",
            field="decision",
        )
    if decision.evaluated_at > at:
        raise ValidationError(
            f"the decision was made at {decision.evaluated_at.isoformat()}, after "
            f"{at.isoformat()}; pass the current time",
            field="decision",
        )
    if order.buyer_id != requester.id:
        raise ValidationError(
            f"the order names buyer {order.buyer_id!r}, not the requester {requester.id!r}",
            field="order",
        )
    membership = requester.membership_in(order.company_id)
    if not requester.acts_for(order.company_id) or membership is None or not membership.may_order:
        raise PermissionDenied(
            f"{describe(requester)} may not order for {order.company_id!r} (inactive, or no "
            "admin, buyer or requester role there), so cannot ask for approval"
        )


def _required_reason(reason: str | None, verb: str) -> str:
    raw: object = reason
    cleaned = raw.strip() if isinstance(raw, str) else ""
    if not cleaned:
        raise ValidationError(
            f"give a reason to {verb}; it is shown to the requester", field="reason"
        )
    if len(cleaned) > _MAX_COMMENT:
        raise ValidationError(f"must be at most {_MAX_COMMENT} characters", field="reason")
    return cleaned


def _routed(progress: TierProgress) -> str:
    if progress.at_seller:
        return " (escalated to the seller side)"
    if progress.escalated:
        return f" (escalated to {progress.approver_company_id!r})"
    return ""


def _eligible_sentence(candidates: tuple[Candidate, ...]) -> str:
    if not candidates:
        return "Nobody eligible can approve it now; see route() for where it waits."
    names = ", ".join(f"{c.name} ({c.id}: {c.basis})" for c in candidates)
    return f"Eligible now: {names}."
