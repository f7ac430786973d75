"""The audit trail: every action on a request leaves an entry, appended, never changed.

An [`AuditEntry`][b2b_customers.approvals.AuditEntry] says who did what and when, with their
comment, the tier concerned, and the status before and after. The trail starts with the
submission (``before`` is ``None``) and each entry's ``before`` is the
previous entry's ``after``; the last ``after`` is the request's status.

Each entry also says what a service must do next: the domain event to emit
([`AuditEntry.event_name`][b2b_customers.approvals.AuditEntry.event_name], such as
``approval.approved``) and what it means for reserved credit
([`AuditEntry.credit_effect`][b2b_customers.approvals.AuditEntry.credit_effect]).
"""

from __future__ import annotations

from datetime import datetime

from attrs import field, frozen

from b2b_customers.approvals.actors import ActorKind
from b2b_customers.approvals.status import ApprovalStatus, CreditEffect, credit_effect
from b2b_customers.domain.values import (
    DomainEnum,
    aware_datetime,
    identifier,
    optional,
    strip_optional,
    text,
)
from b2b_customers.errors import ValidationError

__all__ = ["ApprovalAction", "AuditEntry"]


def _optional_status(value: ApprovalStatus | str | None) -> ApprovalStatus | None:
    return None if value is None else ApprovalStatus(value)


class ApprovalAction(DomainEnum):
    """What was done to a request."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"
    COMPLETE = "complete"
    ESCALATE = "escalate"
    COMMENT = "comment"


# The event names issue 5 (and Emporix's webhooks) use: a submitted request is "requested".
_EVENT_VERB = {
    ApprovalAction.SUBMIT: "requested",
    ApprovalAction.APPROVE: "approved",
    ApprovalAction.REJECT: "rejected",
    ApprovalAction.CANCEL: "cancelled",
    ApprovalAction.EXPIRE: "expired",
    ApprovalAction.COMPLETE: "completed",
    ApprovalAction.ESCALATE: "escalated",
    ApprovalAction.COMMENT: "comment_updated",
}


@frozen(kw_only=True)
class AuditEntry:
    """One action on a request.

    Attributes:
        at: When (the injected clock's time).
        action: What was done.
        actor_kind: ``customer``, ``seller`` or ``system``.
        actor_id: Who (``None`` for the system).
        before: The status before (``None`` for the submission).
        after: The status after.
        comment: The actor's comment or reason, or the system's explanation.
        tier: The position of the tier concerned, if any.
    """

    at: datetime = field(validator=aware_datetime)
    action: ApprovalAction = field(converter=ApprovalAction)
    actor_kind: ActorKind = field(converter=ActorKind)
    after: ApprovalStatus = field(converter=ApprovalStatus)
    before: ApprovalStatus | None = field(default=None, converter=_optional_status)
    actor_id: str | None = field(default=None, validator=optional(identifier))
    comment: str | None = field(
        default=None, converter=strip_optional, validator=optional(text(max_length=2000))
    )
    tier: int | None = None

    def __attrs_post_init__(self) -> None:
        if (self.actor_kind is ActorKind.SYSTEM) != (self.actor_id is None):
            raise ValidationError(
                "name the actor for a customer or seller action, and none for the system",
                field="actor_id",
            )
        if (self.before is None) != (self.action is ApprovalAction.SUBMIT):
            raise ValidationError("only the submission has no status before it", field="before")
        tier: object = self.tier
        if tier is not None and (not isinstance(tier, int) or isinstance(tier, bool) or tier < 0):
            raise ValidationError(f"must be a tier position >= 0, got {tier!r}", field="tier")

    @property
    def changed_status(self) -> bool:
        """Whether the action moved the request to another status."""
        return self.before != self.after

    @property
    def credit_effect(self) -> CreditEffect:
        """What the action means for reserved credit (see `credit_effect`)."""
        return credit_effect(self.before, self.after)

    @property
    def event_name(self) -> str:
        """The domain event a service emits for it: ``approval.requested``, ...

        An approval that leaves the request pending is
        ``approval.approval_recorded``; the one that approves it is
        ``approval.approved``.
        """
        if self.action is ApprovalAction.APPROVE and self.after is not ApprovalStatus.APPROVED:
            return "approval.approval_recorded"
        return f"approval.{_EVENT_VERB[self.action]}"
