"""Approver selectors: the building blocks of a tier, each naming who may approve.

A selector is read **at a company**: the requester's company, or, after an
escalation, an ancestor of it (see `b2b_customers.approvals.routing`).

* [`RoleApprover`][b2b_customers.approvals.RoleApprover]: customers holding a role there (``admin``,
  ``approver``, ``finance``, ...).
* [`GroupApprover`][b2b_customers.approvals.GroupApprover]: the members of a named approval group.
* [`CustomerApprover`][b2b_customers.approvals.CustomerApprover]: one named customer.
* [`ManagerApprover`][b2b_customers.approvals.ManagerApprover]: the requester's manager
  (``Customer.manager_id``).
* [`DecisionApprovers`][b2b_customers.approvals.DecisionApprovers]: the roles the engine's
  [`Decision`][b2b_customers.limits.Decision] named (``admin``, or ``admin`` and
  ``buyer`` when no limit was crossed; ``seller`` for the seller's approvers).
* [`CompanyApprovers`][b2b_customers.approvals.CompanyApprovers]: the company's approvers: its
  approval group when it has members, otherwise its admins and holders of the approver role. An
  escalated tier asks for these at the ancestor.
* [`StandardApprovers`][b2b_customers.approvals.StandardApprovers]: the standard rules: the
  company's approval group when it has members (it *overrides* the standard roles),
  otherwise [`DecisionApprovers`][b2b_customers.approvals.DecisionApprovers] plus holders of the
  approver role. The built-in policy is one tier of this selector.
* [`SellerApprovers`][b2b_customers.approvals.SellerApprovers]: the seller-side approvers.

Every selector is data: stored in a policy with a ``"kind"`` key naming the
class (``{"kind": "role_approver", "role": "admin"}``).
"""

from __future__ import annotations

from attrs import field, frozen

from b2b_customers.domain.membership import Role
from b2b_customers.domain.values import identifier
from b2b_customers.ids import ApprovalGroupId, CustomerId

__all__ = [
    "ApproverSelector",
    "CompanyApprovers",
    "CustomerApprover",
    "DecisionApprovers",
    "GroupApprover",
    "ManagerApprover",
    "RoleApprover",
    "SellerApprovers",
    "StandardApprovers",
    "describe_selector",
]


@frozen(kw_only=True)
class RoleApprover:
    """Customers holding ``role`` at the company.

    Attributes:
        role: The role, such as ``admin`` or ``approver``.
    """

    role: Role = field(converter=Role)


@frozen(kw_only=True)
class GroupApprover:
    """The members of an approval group (its listed customers and its role holders).

    Attributes:
        group_id: The [`ApprovalGroup`][b2b_customers.approvals.ApprovalGroup]'s id.
    """

    group_id: ApprovalGroupId = field(converter=ApprovalGroupId, validator=identifier)


@frozen(kw_only=True)
class CustomerApprover:
    """One named customer.

    Attributes:
        customer_id: The customer's id.
    """

    customer_id: CustomerId = field(converter=CustomerId, validator=identifier)


@frozen
class ManagerApprover:
    """The requester's manager (``Customer.manager_id``); nobody when they have none."""


@frozen
class DecisionApprovers:
    """Holders of the roles the decision named (``Decision.approver_roles``)."""


@frozen
class CompanyApprovers:
    """The company's approval group when it has members, else its admins and approvers."""


@frozen
class StandardApprovers:
    """The standard approvers: the approval group when it has members, else the decision's roles.

    Without an approval group this is
    [`DecisionApprovers`][b2b_customers.approvals.DecisionApprovers] plus holders of the
    ``approver`` role; with one, only its members.
    """


@frozen
class SellerApprovers:
    """The seller-side approvers listed in the directory."""


ApproverSelector = (
    RoleApprover
    | GroupApprover
    | CustomerApprover
    | ManagerApprover
    | DecisionApprovers
    | CompanyApprovers
    | StandardApprovers
    | SellerApprovers
)
"""Every kind of selector a tier's rule can hold."""


def describe_selector(selector: ApproverSelector) -> str:
    """Say in words whom ``selector`` names: ``"an admin"``, ``"the requester's manager"``."""
    if isinstance(selector, RoleApprover):
        article = "an" if selector.role.value[0] in "aeiou" else "a"
        return f"{article} {selector.role.value}"
    if isinstance(selector, GroupApprover):
        return f"a member of approval group {selector.group_id!r}"
    if isinstance(selector, CustomerApprover):
        return f"customer {selector.customer_id!r}"
    if isinstance(selector, ManagerApprover):
        return "the requester's manager"
    if isinstance(selector, DecisionApprovers):
        return "someone holding a role the decision named"
    if isinstance(selector, CompanyApprovers):
        return "one of the company's approvers"
    if isinstance(selector, StandardApprovers):
        return "a standard approver (approval group, or the decision's roles)"
    return "a seller-side approver"
