"""What a customer may do for a company: the roles of a membership.

The role rule (after the admin / buyer / requester model of B2B shops such as
Emporix):

* A membership holds **at most one purchasing role**: ``ADMIN`` (manages the
  company's users and approves), ``BUYER`` (orders up to the limits) or
  ``REQUESTER`` (every order needs approval).
* The **duty roles** ``APPROVER`` (may approve others' orders), ``FINANCE``
  (sees invoices, statements and credit) and ``CONTACT`` (named as a contact
  person, may not order) combine freely with each other and with a
  purchasing role.
* A membership has at least one role.

A membership also has a status, the customer's standing at that company
([CustomerStatus][b2b_customers.domain.CustomerStatus]): invited, active or
deactivated there. It is the company's own: deactivating a customer at one
company leaves their memberships of the others as they are.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen

from b2b_customers.domain.standing import CustomerStatus
from b2b_customers.domain.values import DomainEnum, identifier, items_of, to_member
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["DUTY_ROLES", "PURCHASING_ROLES", "Membership", "Role"]


class Role(DomainEnum):
    """A customer's role in a company."""

    ADMIN = "admin"
    BUYER = "buyer"
    REQUESTER = "requester"
    APPROVER = "approver"
    FINANCE = "finance"
    CONTACT = "contact"


PURCHASING_ROLES = frozenset({Role.ADMIN, Role.BUYER, Role.REQUESTER})
"""The roles that place orders; a membership holds at most one of them."""

DUTY_ROLES = frozenset({Role.APPROVER, Role.FINANCE, Role.CONTACT})
"""The roles that combine freely with each other and with a purchasing role."""


def _to_roles(value: Iterable[Role | str]) -> frozenset[Role]:
    items = items_of(value)
    if items is None:
        return cast("frozenset[Role]", value)  # the validator says what is wrong
    converted: set[Any] = set()
    for item in items:
        try:
            converted.add(Role(item))
        except ValueError:
            # The validator names every unknown one (by repr, if it cannot go in a set).
            converted.add(item if isinstance(item, Hashable) else repr(item))
    return frozenset(converted)


def _roles(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, frozenset) or not value:
        raise ValidationError(
            "give at least one role, e.g. {'buyer'} or {'admin', 'approver'}", field=attribute.name
        )
    unknown = sorted(repr(role) for role in value if not isinstance(role, Role))
    if unknown:
        choices = ", ".join(repr(role.value) for role in Role)
        raise ValidationError(
            f"unknown role {', '.join(unknown)}; choose from {choices}", field=attribute.name
        )
    purchasing = sorted(role.value for role in value & PURCHASING_ROLES)
    if len(purchasing) > 1:
        raise ValidationError(
            f"a customer holds one of admin, buyer or requester per company, not "
            f"{' and '.join(purchasing)}; keep one (approver, finance and contact combine freely)",
            field=attribute.name,
        )


_MEMBERSHIP_STATUS = to_member(CustomerStatus)


def _membership_status(value: CustomerStatus | str) -> CustomerStatus:
    return _MEMBERSHIP_STATUS(value)


@frozen(kw_only=True)
class Membership:
    """A customer's roles in one company, and their standing there.

    Attributes:
        company_id: The company the customer acts for.
        roles: The roles held there; see the module docstring for the rule.
        status: The customer's standing at this company: invited (not yet
            accepted), active, or inactive (deactivated there). The customer
            acts for the company only while this and their own status are
            both active ([Customer.acts_for][b2b_customers.domain.customer.Customer.acts_for]).
    """

    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    roles: frozenset[Role] = field(converter=_to_roles, validator=_roles)
    status: CustomerStatus = field(default=CustomerStatus.ACTIVE, converter=_membership_status)

    @property
    def purchasing_role(self) -> Role | None:
        """The one purchasing role held (admin, buyer or requester), if any."""
        return next(iter(self.roles & PURCHASING_ROLES), None)

    @property
    def is_active(self) -> bool:
        """Whether the membership is in standing (the customer's own status aside)."""
        return self.status is CustomerStatus.ACTIVE

    @property
    def may_order(self) -> bool:
        """Whether the customer may put orders (or order requests) for this company."""
        return self.purchasing_role is not None

    def has(self, role: Role) -> bool:
        """Tell whether the membership holds ``role``."""
        return role in self.roles
