"""Customer groups: sets of customers that price lists and limits can target.

Every company gets a group of its own, created with it and kept in step with
its customers (nobody adds them by hand), so a
price list can target "everyone at ACME". Sellers may also keep groups of
their own making (``CUSTOM``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen

from b2b_customers.domain.values import (
    DomainEnum,
    identifier,
    items_of,
    optional,
    strip,
    text,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["CustomerGroup", "GroupKind"]


class GroupKind(DomainEnum):
    """``COMPANY``: kept in step with a company's customers; ``CUSTOM``: managed by hand."""

    COMPANY = "company"
    CUSTOM = "custom"


def _member_ids(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, frozenset):
        raise ValidationError("must be a collection of customer ids", field=attribute.name)
    for member in value:
        identifier(instance, attribute, member)


def _customer_ids(value: Iterable[str]) -> frozenset[CustomerId]:
    # Plain str ids are welcome; at run time a CustomerId is the same str.
    items = items_of(value)
    return cast("frozenset[CustomerId]", value if items is None else frozenset(items))


@frozen(kw_only=True)
class CustomerGroup(Versioned):
    """A named set of customers.

    Attributes:
        id: The group's id.
        name: The name shown to the seller's staff.
        kind: ``COMPANY`` (automatic) or ``CUSTOM``.
        company_id: The company whose customers a ``COMPANY`` group follows.
        member_ids: The customers in the group.
    """

    id: CustomerGroupId = field(converter=CustomerGroupId, validator=identifier)
    name: str = field(converter=strip, validator=text())
    kind: GroupKind = field(
        default=GroupKind.CUSTOM,
        converter=GroupKind,
    )
    company_id: CompanyId | None = field(
        default=None, converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    member_ids: frozenset[CustomerId] = field(
        factory=frozenset, converter=_customer_ids, validator=_member_ids
    )

    def __attrs_post_init__(self) -> None:
        if (self.kind is GroupKind.COMPANY) != (self.company_id is not None):
            raise ValidationError(
                "a company group names its company, and only a company group does: set "
                "company_id with kind 'company', or leave it empty with kind 'custom'",
                field="company_id",
            )

    @classmethod
    def for_company(
        cls, group_id: CustomerGroupId, company_id: CompanyId, company_name: str
    ) -> CustomerGroup:
        """Return the automatic group of a new company, still without members."""
        return cls(
            id=group_id,
            name=f"{company_name} customers",
            kind=GroupKind.COMPANY,
            company_id=company_id,
        )

    def with_members(self, member_ids: Iterable[CustomerId]) -> CustomerGroup:
        """Return a copy whose members are exactly ``member_ids``."""
        return attrs.evolve(self, member_ids=frozenset(member_ids))

    def with_member(self, customer_id: CustomerId) -> CustomerGroup:
        """Return a copy that includes ``customer_id``."""
        return attrs.evolve(self, member_ids=self.member_ids | {customer_id})

    def without_member(self, customer_id: CustomerId) -> CustomerGroup:
        """Return a copy that excludes ``customer_id``."""
        return attrs.evolve(self, member_ids=self.member_ids - {customer_id})
