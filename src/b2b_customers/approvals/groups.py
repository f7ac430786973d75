"""Approval groups: the customers of a company who may approve its orders.

A company has at most one approval group; when it has members, they replace
the standard approvers (admins and buyers) for the company's orders.
Its members are the customers it lists **and**, optionally, everyone holding
one of its roles at the company (``roles={"admin"}``: every admin, today's
and tomorrow's). Members who are inactive, or who left the company, do not
count.

When a company's group has members, it **overrides** the standard approver
roles (as in Emporix): only its members approve under the built-in rules
([`StandardApprovers`][b2b_customers.approvals.StandardApprovers]), and only they are the
company's approvers when a subsidiary's request escalates to it
([`CompanyApprovers`][b2b_customers.approvals.CompanyApprovers]). A group without
members changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen

from b2b_customers.domain.membership import Role
from b2b_customers.domain.values import identifier, items_of, strip, text
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import ValidationError
from b2b_customers.ids import ApprovalGroupId, CompanyId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.domain.customer import Customer

__all__ = ["ApprovalGroup"]


def _customer_ids(value: Iterable[str]) -> frozenset[CustomerId]:
    # Plain str ids are welcome; at run time a CustomerId is the same str.
    items = items_of(value)
    return cast("frozenset[CustomerId]", value if items is None else frozenset(items))


def _member_ids(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, frozenset):
        raise ValidationError("must be a collection of customer ids", field=attribute.name)
    for member in value:
        identifier(instance, attribute, member)


def _to_roles(value: Iterable[Role | str]) -> frozenset[Role]:
    items = items_of(value)
    if items is None:
        return cast("frozenset[Role]", value)
    return frozenset(Role(item) for item in items)


def _roles(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, frozenset) or not all(isinstance(role, Role) for role in value):
        raise ValidationError(
            "must be a collection of roles such as {'admin'}", field=attribute.name
        )


@frozen(kw_only=True)
class ApprovalGroup(Versioned):
    """The customers of a company allowed to approve, listed by name and/or by role.

    Attributes:
        id: The group's id.
        company_id: The company whose orders the group approves.
        name: A name shown in explanations (``"Purchasing approvers"``).
        member_ids: Customers in the group.
        roles: Everyone holding one of these roles at the company is in the group too.
    """

    id: ApprovalGroupId = field(converter=ApprovalGroupId, validator=identifier)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    name: str = field(converter=strip, validator=text())
    member_ids: frozenset[CustomerId] = field(
        factory=frozenset, converter=_customer_ids, validator=_member_ids
    )
    roles: frozenset[Role] = field(factory=frozenset, converter=_to_roles, validator=_roles)

    def includes(self, customer: Customer) -> bool:
        """Tell whether ``customer`` is an active member: listed, or holding one of the roles.

        A listed customer counts only while a member of the group's company, in standing there.
        """
        held = customer.acting_roles_in(self.company_id)
        if not held:
            return False
        return customer.id in self.member_ids or bool(held & self.roles)

    def with_member(self, customer_id: CustomerId) -> ApprovalGroup:
        """Return a copy that lists ``customer_id``."""
        return attrs.evolve(self, member_ids=self.member_ids | {customer_id})

    def without_member(self, customer_id: CustomerId) -> ApprovalGroup:
        """Return a copy that no longer lists ``customer_id``."""
        return attrs.evolve(self, member_ids=self.member_ids - {customer_id})
