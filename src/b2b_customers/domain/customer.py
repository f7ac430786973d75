"""The customer: a person who logs in and buys for one or more companies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, cast

import attrs
from attrs import field, frozen

from b2b_customers.domain.membership import Membership, Role
from b2b_customers.domain.values import (
    CustomFieldValue,
    DomainEnum,
    custom_fields,
    email_address,
    freeze_custom_fields,
    identifier,
    items_of,
    normalize_email,
    optional,
    phone_number,
    strip,
    strip_optional,
    tags,
    text,
    to_member,
    to_tags,
    to_texts,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ids import CompanyId, CustomerId

__all__ = ["Customer", "CustomerStatus"]

_MAX_PHONES = 10
_MAX_LANGUAGE_LENGTH = 35


class CustomerStatus(DomainEnum):
    """Whether a customer may log in.

    ``INVITED`` has been created but not yet signed in; ``INACTIVE`` may no
    longer log in or act.
    """

    INVITED = "invited"
    ACTIVE = "active"
    INACTIVE = "inactive"


def _phone_list(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, tuple) or len(value) > _MAX_PHONES:
        raise ValidationError(
            f"give at most {_MAX_PHONES} phone numbers as a list", field=attribute.name
        )
    for phone in value:
        phone_number(instance, attribute, phone)


def _memberships(value: Iterable[Membership]) -> tuple[Membership, ...]:
    # Kept sorted by company, so equal customers compare (and serialise) equal.
    items = items_of(value)
    if items is None or not all(isinstance(item, Membership) for item in items):
        return cast("tuple[Membership, ...]", value)
    return tuple(sorted(items, key=lambda item: item.company_id))


def _membership_list(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, tuple) or not all(isinstance(item, Membership) for item in value):
        raise ValidationError("must be a list of Membership", field=attribute.name)
    companies = [item.company_id for item in value]
    twice = sorted({company for company in companies if companies.count(company) > 1})
    if twice:
        raise ValidationError(
            f"lists company {', '.join(twice)} more than once; give one membership per company "
            "with all its roles",
            field=attribute.name,
        )


def _no_fields() -> Mapping[str, CustomFieldValue]:
    return MappingProxyType({})


_CUSTOMER_STATUS = to_member(CustomerStatus)


def _customer_status(value: CustomerStatus | str) -> CustomerStatus:
    return _CUSTOMER_STATUS(value)


@frozen(kw_only=True)
class Customer(Versioned):
    """A person who logs in and buys (or approves, or pays) for companies.

    Attributes:
        id: The customer's id.
        email: Login and contact address; unique, compared without case.
        first_name: Given name.
        last_name: Family name.
        status: Invited, active or inactive.
        phones: Phone numbers, first is preferred.
        title: Job title (``"Head of Procurement"``).
        preferred_language: BCP 47 language tag such as ``"de-DE"``.
        manager_id: The customer's manager, for approval rules that route to them.
        memberships: The companies the customer acts for, with roles in each.
        tags: Free labels.
        custom_fields: The seller's own fields.
    """

    id: CustomerId = field(validator=identifier)
    email: str = field(converter=normalize_email, validator=email_address)
    first_name: str = field(converter=strip, validator=text())
    last_name: str = field(converter=strip, validator=text())
    status: CustomerStatus = field(
        default=CustomerStatus.ACTIVE,
        converter=_customer_status,
    )
    phones: tuple[str, ...] = field(factory=tuple, converter=to_texts, validator=_phone_list)
    title: str | None = field(default=None, converter=strip_optional, validator=optional(text()))
    preferred_language: str | None = field(
        default=None,
        converter=strip_optional,
        validator=optional(text(max_length=_MAX_LANGUAGE_LENGTH)),
    )
    manager_id: CustomerId | None = field(default=None, validator=optional(identifier))
    memberships: tuple[Membership, ...] = field(
        factory=tuple, converter=_memberships, validator=_membership_list
    )
    tags: frozenset[str] = field(factory=frozenset, converter=to_tags, validator=tags)
    custom_fields: Mapping[str, CustomFieldValue] = field(
        factory=_no_fields, converter=freeze_custom_fields, validator=custom_fields, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if self.manager_id == self.id:
            raise ValidationError(
                "a customer cannot be their own manager; leave manager_id empty", field="manager_id"
            )

    @property
    def display_name(self) -> str:
        """First and last name, as shown to people."""
        return f"{self.first_name} {self.last_name}"

    @property
    def is_active(self) -> bool:
        """Whether the customer may act (log in, order, approve)."""
        return self.status is CustomerStatus.ACTIVE

    @property
    def company_ids(self) -> frozenset[CompanyId]:
        """The companies the customer acts for."""
        return frozenset(item.company_id for item in self.memberships)

    def membership_in(self, company_id: CompanyId) -> Membership | None:
        """Return the customer's membership of ``company_id``, if any."""
        return next((item for item in self.memberships if item.company_id == company_id), None)

    def roles_in(self, company_id: CompanyId) -> frozenset[Role]:
        """Return the roles held in ``company_id`` (empty when not a member)."""
        membership = self.membership_in(company_id)
        return membership.roles if membership is not None else frozenset()

    def with_roles(self, company_id: CompanyId, roles: Iterable[Role | str]) -> Customer:
        """Return a copy holding exactly ``roles`` in ``company_id`` (joining it if need be).

        Raises:
            ValidationError: The roles break the role rule
                (see `b2b_customers.domain.membership`).
        """
        membership = Membership(company_id=company_id, roles=roles)
        others = tuple(item for item in self.memberships if item.company_id != company_id)
        return attrs.evolve(self, memberships=(*others, membership))

    def leave(self, company_id: CompanyId) -> Customer:
        """Return a copy that no longer acts for ``company_id``.

        Raises:
            NotFound: The customer is not a member of ``company_id``.
        """
        if self.membership_in(company_id) is None:
            raise NotFound("Membership", f"{self.id} in {company_id}", by="customer and company")
        return attrs.evolve(
            self,
            memberships=tuple(item for item in self.memberships if item.company_id != company_id),
        )
