"""Auto-approval at checkout: a rule of the company's policy places an order needing approval.

The order service asks `auto_approval`
once the engine said "approval required" (never for a denied order, nor for
a request the buyer asked for themselves). When a rule of the policy
matches, the order is placed as an allowed one would be, and
`record_auto_approval`
records why: the event `order.auto_approved` (and its audit entry) names
the rule, its conditions and the policy with its version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.domain.money import format_money

if TYPE_CHECKING:
    from b2b_customers.approvals import ApprovalPolicy
    from b2b_customers.approvals.auto_approval import AutoApproval
    from b2b_customers.domain.order import OrderDraft, OrderRecord
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.authorization import Actor
    from b2b_customers.services.context import ServiceContext

__all__ = ["auto_approval", "record_auto_approval"]


def auto_approval(
    uow: UnitOfWork, policy: ApprovalPolicy, order: OrderDraft
) -> AutoApproval | None:
    """Return the rule of ``policy`` that lets ``order`` through without approval, if any.

    Reads the buyer's customer groups only when a rule names one.

    Raises:
        CurrencyMismatch: A rule's amount is in another currency than the order.
    """
    if not policy.auto_approve:
        return None
    groups: frozenset[str] = frozenset()
    if any(rule.customer_group_id is not None for rule in policy.auto_approve):
        groups = frozenset(group.id for group in uow.groups.of_customer(order.buyer_id))
    return policy.auto_approval_for(order.total, groups)


def record_auto_approval(
    uow: UnitOfWork,
    context: ServiceContext,
    actor: Actor,
    order: OrderRecord,
    *,
    policy: ApprovalPolicy,
    rule: AutoApproval,
) -> None:
    """Record that ``rule`` of ``policy`` placed ``order`` without approval (event and audit)."""
    context.record(
        uow,
        "order.auto_approved",
        order,
        actor=actor,
        company_id=order.company_id,
        before=order,
        payload={
            "order_id": order.id,
            "rule": rule.name,
            "reason": rule.describe(),
            "up_to": None if rule.up_to is None else format_money(rule.up_to),
            "customer_group_id": rule.customer_group_id,
            "policy_id": policy.id,
            "policy_version": policy.version,
        },
    )
