"""Recording a move of an approval request: one domain event per audit entry it appended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.approvals import events_for

if TYPE_CHECKING:
    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.authorization import Actor
    from b2b_customers.services.context import ServiceContext

__all__ = ["record_move"]


def record_move(
    uow: UnitOfWork,
    context: ServiceContext,
    actor: Actor,
    before: ApprovalRequest | None,
    after: ApprovalRequest,
) -> None:
    """Record the events of the move from ``before`` to ``after`` in the unit of work's outbox.

    The names and payloads are those of
    [`events_for`][b2b_customers.approvals.events_for] (``approval.requested``,
    ``approval.escalated``, ``approval.approved``, ...); each is recorded
    through `record`
    with the request before the move, for the audit log.

    Raises:
        ValidationError: ``after`` does not continue ``before``.
    """
    for event in events_for(before, after, event_ids=context.ids):
        context.record(
            uow,
            event.name,
            after,
            actor=actor,
            company_id=after.company_id,
            before=before,
            payload=dict(event.payload),
        )
