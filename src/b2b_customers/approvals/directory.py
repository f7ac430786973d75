"""The approval directory: everything eligibility depends on, gathered into one immutable value.

Who may approve depends on data outside a request: the approvers' current
roles and status, the approval groups, the approver limits, the policies,
the company tree (for escalation) and the seller's approvers. Services load
them and pass an [`ApprovalDirectory`][b2b_customers.approvals.ApprovalDirectory]; the workflow
never reads a store.

A directory holds what is current **now**: a customer demoted after a
request was submitted may no longer approve it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from attrs import field, frozen
from moneyed import Money

from b2b_customers.approvals.actors import SellerApprover
from b2b_customers.approvals.approver_limits import ApproverLimit
from b2b_customers.approvals.default_rules import DEFAULT_POLICY
from b2b_customers.approvals.groups import ApprovalGroup
from b2b_customers.approvals.policy import ApprovalPolicy
from b2b_customers.domain.customer import Customer
from b2b_customers.domain.hierarchy import CompanyTree
from b2b_customers.domain.values import items_of
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.ids import ApprovalGroupId, CompanyId, CustomerId

if TYPE_CHECKING:
    from b2b_customers.domain.membership import Role

__all__ = ["ApprovalDirectory"]


def _by_id(value: Iterable[Customer] | Mapping[CustomerId, Customer]) -> Mapping[str, Customer]:
    raw: object = value
    if isinstance(raw, Mapping):
        raw = list(raw.values())
    items = items_of(raw)
    if items is None or not all(isinstance(item, Customer) for item in items):
        raise ValidationError("give the customers as a list of Customer", field="customers")
    result: dict[str, Customer] = {}
    for customer in items:
        if customer.id in result:
            raise ValidationError(
                f"customer {customer.id!r} is listed twice; give each customer once",
                field="customers",
            )
        result[customer.id] = customer
    return MappingProxyType(result)


def _approved(
    value: Mapping[tuple[str, CompanyId], Money],
) -> Mapping[tuple[str, CompanyId], Money]:
    return MappingProxyType(dict(value))


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    items = items_of(value)
    return cast("tuple[Any, ...]", value) if items is None else tuple(items)


def _parents(
    value: Mapping[CompanyId, CompanyId | None] | Mapping[str, str | None],
) -> Mapping[CompanyId, CompanyId | None]:
    # Plain str ids are welcome: at run time a CompanyId is the same str.
    raw: object = value
    if not isinstance(raw, Mapping):
        raise ValidationError(
            "give the company tree as a mapping of each company id to its parent id",
            field="parents",
        )
    return MappingProxyType(dict(raw))


@frozen(kw_only=True)
class ApprovalDirectory:
    """The people, groups, limits, policies and company tree that decide who may approve.

    Attributes:
        customers: The customers who may be approvers (and the requesters),
            as a list; looked up by id.
        groups: Approval groups, at most one per company.
        limits: Approver limits, at most one per customer or role and company.
        policies: Approval policies, at most one per company and one
            seller-wide (``company_id=None``).
        parents: Every company id mapped to its parent (``None`` at the top),
            for escalation up the tree.
        seller_approvers: The seller-side approvers, last step of escalation.
        approved_in_period: What each approver has approved so far in the
            current window of their cap per period, by ``(customer id,
            company id)`` of the limit; missing means nothing yet.
    """

    customers: Mapping[str, Customer] = field(factory=dict, converter=_by_id)
    groups: tuple[ApprovalGroup, ...] = field(factory=tuple, converter=_tuple)
    limits: tuple[ApproverLimit, ...] = field(factory=tuple, converter=_tuple)
    policies: tuple[ApprovalPolicy, ...] = field(factory=tuple, converter=_tuple)
    parents: Mapping[CompanyId, CompanyId | None] = field(factory=dict, converter=_parents)
    seller_approvers: tuple[SellerApprover, ...] = field(factory=tuple, converter=_tuple)
    approved_in_period: Mapping[tuple[str, CompanyId], Money] = field(
        factory=dict, converter=_approved
    )

    def __attrs_post_init__(self) -> None:
        _unique(self.groups, ApprovalGroup, lambda group: group.company_id, "an approval group")
        _unique(
            self.limits,
            ApproverLimit,
            lambda limit: (limit.company_id, limit.customer_id, limit.role),
            "an approver limit",
        )
        _unique(self.policies, ApprovalPolicy, lambda policy: policy.company_id, "a policy")
        _unique(
            self.seller_approvers, SellerApprover, lambda seller: seller.id, "a seller approver"
        )
        CompanyTree(self.parents)  # built once here so a bad tree fails early

    # -- people

    def customer(self, customer_id: str | None) -> Customer | None:
        """Return the customer with ``customer_id``, if listed."""
        return None if customer_id is None else self.customers.get(customer_id)

    def seller_approver(self, seller_id: str) -> SellerApprover | None:
        """Return the seller-side approver with ``seller_id``, if listed."""
        return next((seller for seller in self.seller_approvers if seller.id == seller_id), None)

    def holders(self, company_id: CompanyId, roles: Iterable[Role]) -> list[Customer]:
        """Return the customers acting with any of ``roles`` at ``company_id``, by id."""
        wanted = frozenset(roles)
        return [
            customer for customer in self._sorted() if customer.acting_roles_in(company_id) & wanted
        ]

    # -- groups

    def group(self, group_id: ApprovalGroupId) -> ApprovalGroup | None:
        """Return the approval group with ``group_id``, if listed."""
        return next((group for group in self.groups if group.id == group_id), None)

    def group_of(self, company_id: CompanyId) -> ApprovalGroup | None:
        """Return the approval group of ``company_id``, if it has one."""
        return next((group for group in self.groups if group.company_id == company_id), None)

    def members(self, group: ApprovalGroup) -> list[Customer]:
        """Return the active members of ``group`` (listed, or holding one of its roles), by id."""
        return [customer for customer in self._sorted() if group.includes(customer)]

    def group_members_of(self, company_id: CompanyId) -> list[Customer]:
        """Return the active members of the company's approval group (empty without one)."""
        group = self.group_of(company_id)
        return self.members(group) if group is not None else []

    # -- limits

    def limit_of(self, customer: Customer, company_id: CompanyId) -> ApproverLimit | None:
        """Return the approver limit that applies to ``customer`` at ``company_id``.

        Their own limit wins; otherwise the highest limit of the roles they hold
        there; ``None`` when neither is set.

        Raises:
            CurrencyMismatch: Two role limits that apply are in different currencies.
        """
        own = next(
            (
                limit
                for limit in self.limits
                if limit.company_id == company_id and limit.customer_id == customer.id
            ),
            None,
        )
        if own is not None:
            return own
        roles = customer.roles_in(company_id)
        by_role = [
            limit
            for limit in self.limits
            if limit.company_id == company_id and limit.role is not None and limit.role in roles
        ]
        if not by_role:
            return None
        currencies = {limit.maximum.currency.code for limit in by_role}
        if len(currencies) > 1:
            raise CurrencyMismatch(
                f"the role limits of {customer.id!r} at {company_id!r} are in "
                f"{', '.join(sorted(currencies))}; give a company's limits in one currency"
            )
        return max(by_role, key=lambda limit: (limit.maximum.amount, limit.id))

    def maximum_of(self, customer: Customer, company_id: CompanyId) -> Money | None:
        """Return the amount of `limit_of`, or ``None`` when no limit is set."""
        limit = self.limit_of(customer, company_id)
        return limit.maximum if limit is not None else None

    def approved_so_far(self, customer: Customer, company_id: CompanyId) -> Money | None:
        """Return what ``customer`` approved in this window of their cap at ``company_id``."""
        return self.approved_in_period.get((customer.id, company_id))

    # -- policies and the tree

    def policy_for(self, company_id: CompanyId) -> ApprovalPolicy:
        """Return the policy that applies to ``company_id``.

        Its own policy, else the nearest ancestor's that covers its
        subsidiaries and from which neither it nor a company between has
        opted out, else the seller-wide one, else the built-in
        [`DEFAULT_POLICY`][b2b_customers.approvals.DEFAULT_POLICY] (the standard admin, buyer
        and requester rules).
        """
        own = next((policy for policy in self.policies if policy.company_id == company_id), None)
        if own is not None:
            return own
        below = [company_id]  # the companies between an ancestor and company_id, and it
        for ancestor in self.ancestors(company_id):
            theirs = next((p for p in self.policies if p.company_id == ancestor), None)
            if theirs is not None and theirs.covers(below):
                return theirs
            below.append(ancestor)
        seller_wide = next((policy for policy in self.policies if policy.company_id is None), None)
        return seller_wide if seller_wide is not None else DEFAULT_POLICY

    def ancestors(self, company_id: CompanyId) -> list[CompanyId]:
        """Return the parent, grandparent, ... of ``company_id``, nearest first."""
        return CompanyTree(self.parents).ancestors(company_id)

    def _sorted(self) -> list[Customer]:
        return [self.customers[key] for key in sorted(self.customers)]


def _unique(items: tuple[Any, ...], kind: type, key: Any, what: str) -> None:  # noqa: ANN401
    seen: set[Any] = set()
    for item in items:
        if not isinstance(item, kind):
            raise ValidationError(
                f"expected {kind.__name__} items, got {type(item).__name__} {item!r}"
            )
        identity = key(item)
        if identity in seen:
            raise ValidationError(
                f"{what} is given twice for {identity!r}; keep one (the directory holds what "
                "applies now)"
            )
        seen.add(identity)
