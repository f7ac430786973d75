"""The standard approval rules, as a built-in policy and as the "may I check out?" question.

The rules (Emporix's admin / buyer / requester model), for a company without a
policy of its own:

* An **admin** orders without approval.
* A **buyer** orders without approval up to the company limit (inclusive);
  above it, an **admin** approves.
* A **requester** needs approval for every order: up to the limit a
  **buyer or an admin** approves, above it only an **admin**.
* When the company has an **approval group** with members, it overrides
  these roles: only its members approve.
* Holders of the **approver** duty role (this library's addition) approve in
  both cases, within their approver limit.

[`is_approval_required`][b2b_customers.approvals.is_approval_required] answers the first three for a
company limit (Emporix's "permitted" check), with the engine's rule of whom a limit binds
([`binds`][b2b_customers.limits.PurchasingLimit.binds]: by default an approval
limit on the company does not bind its admins). The engine's
[`decide`][b2b_customers.limits.decide] applies the same role rule and every
purchasing limit besides, and names the approver roles in
`approver_roles` (``admin``, or
``admin`` and ``buyer`` when no limit was crossed);
[`DEFAULT_POLICY`][b2b_customers.approvals.DEFAULT_POLICY] reads those roles through one tier of
[`StandardApprovers`][b2b_customers.approvals.StandardApprovers]. So a company with the
built-in rules and a company with a policy of its own go through the very
same routing and state machine.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING

from b2b_customers.approvals.policy import ApprovalPolicy, ApprovalRule, ApprovalTier, Validity
from b2b_customers.approvals.selectors import StandardApprovers
from b2b_customers.arguments import checked_arguments
from b2b_customers.domain.membership import Role
from b2b_customers.domain.money import format_money
from b2b_customers.errors import CurrencyMismatch, PermissionDenied, ValidationError
from b2b_customers.ids import ApprovalPolicyId, LimitId
from b2b_customers.limits.rules import LimitScope, OrderTotalLimit, PurchasingLimit, ScopeKind

if TYPE_CHECKING:
    from moneyed import Money

    from b2b_customers.domain.customer import Customer
    from b2b_customers.domain.order import OrderDraft
    from b2b_customers.ids import CompanyId

__all__ = ["DEFAULT_POLICY", "DEFAULT_POLICY_ID", "default_policy", "is_approval_required"]

DEFAULT_POLICY_ID = ApprovalPolicyId("builtin-standard")
"""The id of the built-in policy (do not give a policy of your own this id)."""


def default_policy(
    *,
    validity: Validity | None = None,
    policy_id: ApprovalPolicyId = DEFAULT_POLICY_ID,
    company_id: CompanyId | None = None,
) -> ApprovalPolicy:
    """Return the standard approval rules as a policy: one tier of `StandardApprovers`.

    Use it to keep the standard rules with another validity, seller-wide or for
    one company: ``default_policy(validity=Validity(days=14), policy_id="std-14")``.

    Args:
        validity: How long requests live (default 7 days).
        policy_id: The policy's id.
        company_id: The company it is for; ``None`` for seller-wide.
    """
    return ApprovalPolicy(
        id=policy_id,
        name="Standard approvers",
        company_id=company_id,
        tiers=(
            ApprovalTier(name="Approval", all_of=(ApprovalRule(any_of=(StandardApprovers(),)),)),
        ),
        validity=validity if validity is not None else Validity(days=7),
    )


DEFAULT_POLICY = default_policy()
"""The built-in policy: the standard approval rules, requests valid for 7 days."""


@checked_arguments
def is_approval_required(
    actor: Customer, order: OrderDraft, *, company_limit: Money | PurchasingLimit | None = None
) -> bool:
    """Tell whether ``actor`` needs approval to place ``order`` under the role rule.

    The company limit binds whom
    [`PurchasingLimit.binds`][b2b_customers.limits.PurchasingLimit.binds] says, as in the engine:
    given as an amount it is an approval limit on the whole company, which by default does not bind
    admins (Emporix).

    Args:
        actor: The customer placing the order.
        order: The order; its ``buyer_id`` must be ``actor``.
        company_limit: The company's per-order limit (inclusive): an amount, or
            a stored [`PurchasingLimit`][b2b_customers.limits.PurchasingLimit] holding an
            [`OrderTotalLimit`][b2b_customers.limits.OrderTotalLimit] (then its
            ``exempt_roles`` count); ``None`` for no limit.

    Returns:
        ``True`` for a requester, whatever the amount; for anyone else, whether
        the limit binds them and the order total exceeds it (so ``False`` for
        an admin under the default rule).

    Raises:
        ValidationError: The order names another buyer, or ``company_limit``
            is a limit of another kind than an order total.
        PermissionDenied: ``actor`` is not active, or holds no purchasing role
            (admin, buyer, requester) at the order's company.
        CurrencyMismatch: ``company_limit`` is in another currency than the order.
    """
    if order.buyer_id != actor.id:
        raise ValidationError(
            f"the order names buyer {order.buyer_id!r}, not {actor.id!r}; ask for the customer "
            "who places it",
            field="buyer_id",
        )
    if not actor.is_active:
        raise PermissionDenied(
            f"{actor.display_name} is {actor.status.value} and may not order; activate them first"
        )
    membership = actor.membership_in(order.company_id)
    if membership is not None and not membership.is_active:
        raise PermissionDenied(
            f"{actor.display_name} is {membership.status.value} at {order.company_id!r} and "
            "may not order for it; activate them there first"
        )
    role = membership.purchasing_role if membership is not None else None
    if membership is None or role is None:
        raise PermissionDenied(
            f"{actor.display_name} holds no purchasing role (admin, buyer or requester) at "
            f"{order.company_id!r} and may not order for it"
        )
    if role is Role.REQUESTER:
        return True
    limit = _as_company_limit(company_limit, order)
    if limit is None or not limit.binds(membership.roles):
        return False
    maximum = typing.cast("OrderTotalLimit", limit.rule).maximum
    total = order.total
    if maximum.currency != total.currency:
        raise CurrencyMismatch(
            f"the company limit of {format_money(maximum)} meets an order in "
            f"{total.currency.code}; give the limit in the order's currency"
        )
    return bool(total.amount > maximum.amount)


def _as_company_limit(
    company_limit: Money | PurchasingLimit | None, order: OrderDraft
) -> PurchasingLimit | None:
    """Read an amount as the company's approval limit on order totals; check a given limit."""
    if company_limit is None:
        return None
    if isinstance(company_limit, PurchasingLimit):
        if not isinstance(company_limit.rule, OrderTotalLimit):
            raise ValidationError(
                "the company limit must be an OrderTotalLimit (a per-order limit), got "
                f"{type(company_limit.rule).__name__}",
                field="company_limit",
            )
        return company_limit
    return PurchasingLimit(
        id=LimitId("company-limit"),
        scope=LimitScope(kind=ScopeKind.COMPANY, company_id=order.company_id),
        rule=OrderTotalLimit(maximum=company_limit),
    )
