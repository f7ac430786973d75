"""Domain events for approvals: what a move of a request tells the rest of the world.

Every move of an [`ApprovalRequest`][b2b_customers.approvals.ApprovalRequest] appends
[`AuditEntry`][b2b_customers.approvals.AuditEntry] items;
[`events_for`][b2b_customers.approvals.events_for] turns the entries one move appended into
[`DomainEvent`][b2b_customers.domain.DomainEvent]
objects, one per entry, for a service to record with the change::

    approved = request.approve(anna, at=now, directory=directory)
    with store.unit_of_work() as uow:
        uow.approvals.save(approved)
        for event in events_for(request, approved, event_ids=ids):
            uow.record(event)
        uow.commit()

Each event is named by its entry
([`AuditEntry.event_name`][b2b_customers.approvals.AuditEntry.event_name]: ``approval.requested``,
``approval.approval_recorded``, ``approval.approved``, ``approval.rejected``,
``approval.cancelled``, ``approval.expired``, ``approval.completed``, ``approval.escalated``),
happened when the entry says, and names the request (``aggregate_type="approval"``), its company and
the
actor. Its JSON-ready payload:

| Key | Value |
|---|---|
| ``request_id``, ``company_id``, ``requester_id`` | ids |
| ``resource_type``, ``resource_id`` | what the request is for |
| ``action`` | the audit entry's action (``submit``, ``approve``, ...) |
| ``status_before``, ``status_after`` | statuses (``None`` before the submission) |
| ``actor_kind``, ``actor_id`` | ``customer``, ``seller`` or ``system`` (no id) |
| ``comment`` | the comment, the reason, or the system's explanation |
| ``tier``, ``tier_name`` | the tier concerned, if any |
| ``amount`` | the order total, ``{"amount": "1200.00", "currency": "EUR"}`` |
| ``credit_effect`` | ``reserve``, ``keep``, ``release`` or ``convert`` |
| ``expires_at`` | when the request expires (ISO 8601) |
| ``order_id`` | the order placed, on the completion (else ``None``) |
| ``voluntary`` | whether the requester asked though no rule required it |
| ``preferred_approver_id`` | the approver the requester asked for, or ``None`` |
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.approvals.audit import ApprovalAction
from b2b_customers.approvals.request import ApprovalRequest
from b2b_customers.domain.events import DomainEvent
from b2b_customers.errors import ValidationError
from b2b_customers.ids import EventId

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.approvals.audit import AuditEntry

__all__ = ["AGGREGATE_TYPE", "appended", "events_for"]

AGGREGATE_TYPE = "approval"
"""The ``aggregate_type`` of every approval event."""


def appended(before: ApprovalRequest | None, after: ApprovalRequest) -> tuple[AuditEntry, ...]:
    """Return the audit entries ``after`` added to ``before`` (all of them for a new request).

    Args:
        before: The request as it was, or ``None`` when ``after`` was just submitted.
        after: The request after the move.

    Raises:
        ValidationError: ``after`` is another request, or its audit trail does
            not begin with ``before``'s (the trail is append-only).
    """
    _require(after, "after")
    if before is None:
        return after.audit
    _require(before, "before")
    if before.id != after.id:
        raise ValidationError(
            f"compare two copies of one request, not {before.id!r} and {after.id!r}",
            field="after",
        )
    if after.audit[: len(before.audit)] != before.audit:
        raise ValidationError(
            f"the audit trail of request {after.id!r} does not continue the earlier copy's "
            f"{len(before.audit)} entries; pass the request the move started from",
            field="before",
        )
    return after.audit[len(before.audit) :]


def events_for(
    before: ApprovalRequest | None,
    after: ApprovalRequest,
    *,
    event_ids: Callable[[], str],
) -> list[DomainEvent]:
    """Return one domain event per audit entry the move from ``before`` to ``after`` appended.

    Args:
        before: The request as loaded, or ``None`` for a new submission.
        after: The request the move returned.
        event_ids: Mints the events' ids (a
            [`IdGenerator`][b2b_customers.ports.IdGenerator], such as
            [`RandomIds`][b2b_customers.ids.RandomIds]); called once per event.

    Returns:
        The events, in the order of the entries (empty when nothing was appended,
        as after a [`reroute`][b2b_customers.approvals.ApprovalRequest.reroute] that
        moved no tier). Each happened at its entry's ``at``.

    Raises:
        ValidationError: ``after`` does not continue ``before`` (see
            `appended`), or ``event_ids`` returned something that is not an id.
    """
    return [_event(after, entry, EventId(event_ids())) for entry in appended(before, after)]


def _event(request: ApprovalRequest, entry: AuditEntry, event_id: EventId) -> DomainEvent:
    return DomainEvent(
        id=event_id,
        name=entry.event_name,
        aggregate_type=AGGREGATE_TYPE,
        aggregate_id=request.id,
        occurred_at=entry.at,
        company_id=request.company_id,
        actor=entry.actor_id,
        payload=_payload(request, entry),
    )


def _payload(request: ApprovalRequest, entry: AuditEntry) -> dict[str, Any]:
    total = request.order.total
    tier_name = next(
        (progress.name for progress in request.tiers if progress.tier == entry.tier), None
    )
    return {
        "request_id": request.id,
        "company_id": request.company_id,
        "requester_id": request.requester_id,
        "resource_type": request.resource_type.value,
        "resource_id": request.resource_id,
        "action": entry.action.value,
        "status_before": None if entry.before is None else entry.before.value,
        "status_after": entry.after.value,
        "actor_kind": entry.actor_kind.value,
        "actor_id": entry.actor_id,
        "comment": entry.comment,
        "tier": entry.tier,
        "tier_name": tier_name,
        "amount": {"amount": str(total.amount), "currency": total.currency.code},
        "credit_effect": entry.credit_effect.value,
        "expires_at": request.expires_at.isoformat(),
        "order_id": request.order_id if entry.action is ApprovalAction.COMPLETE else None,
        "voluntary": request.voluntary,
        "preferred_approver_id": request.preferred_approver_id,
    }


def _require(request: object, name: str) -> None:
    if not isinstance(request, ApprovalRequest):
        raise ValidationError(
            f"expected an ApprovalRequest, got {type(request).__name__} {request!r}", field=name
        )
