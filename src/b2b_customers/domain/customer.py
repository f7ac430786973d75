"""The customer: a person who logs in and buys for one or more companies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, cast

import attrs
from attrs import field, frozen

from b2b_customers.domain.membership import Membership, Role
from b2b_customers.domain.standing import CustomerStatus, standing
from b2b_customers.domain.values import (
    CustomFieldValue,
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
        status: Invited, active or inactive: the customer's own status,
            everywhere. Each membership has a status of its own, the
            customer's standing at that company.
        phones: Phone numbers, first is preferred.
        title: Job title (``"Head of Procurement"``).
        preferred_language: BCP 47 language tag such as ``"de-DE"``.
        manager_id: The customer's manager, for approval rules that route to them.
        memberships: The companies the customer acts for, with roles in each.
        tags: Free labels.
        custom_fields: The seller's own fields.
    """

    id: CustomerId = field(converter=CustomerId, validator=identifier)
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
    manager_id: CustomerId | None = field(
        default=None,
        converter=attrs.converters.optional(CustomerId),
        validator=optional(identifier),
    )
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
        """Whether the customer may act at all (log in).

        At one company, see [acts_for][b2b_customers.domain.customer.Customer.acts_for].
        """
        return self.status is CustomerStatus.ACTIVE

    @property
    def company_ids(self) -> frozenset[CompanyId]:
        """The companies the customer acts for."""
        return frozenset(item.company_id for item in self.memberships)

    def membership_in(self, company_id: CompanyId) -> Membership | None:
        """Return the customer's membership of ``company_id``, if any."""
        return next((item for item in self.memberships if item.company_id == company_id), None)

    def roles_in(self, company_id: CompanyId) -> frozenset[Role]:
        """Return the roles held in ``company_id``, whatever the standing (none: not a member).

        What the customer acts with there is
        [acting_roles_in][b2b_customers.domain.customer.Customer.acting_roles_in].
        """
        membership = self.membership_in(company_id)
        return membership.roles if membership is not None else frozenset()

    def status_in(self, company_id: CompanyId | str) -> CustomerStatus | None:
        """Return the customer's standing at ``company_id`` (``None`` when not a member).

        Inactive when the customer or the membership is; else invited when
        either is; else active.
        """
        company_id = CompanyId(company_id)
        membership = self.membership_in(company_id)
        return None if membership is None else standing(self.status, membership.status)

    def acts_for(self, company_id: CompanyId | str) -> bool:
        """Whether the customer may act for ``company_id``: a member, active there and at all."""
        company_id = CompanyId(company_id)
        return self.status_in(company_id) is CustomerStatus.ACTIVE

    def acting_roles_in(self, company_id: CompanyId | str) -> frozenset[Role]:
        """Return the roles the customer acts with at ``company_id``: none unless acting for it."""
        company_id = CompanyId(company_id)
        return self.roles_in(company_id) if self.acts_for(company_id) else frozenset()

    def with_roles(self, company_id: CompanyId | str, roles: Iterable[Role | str]) -> Customer:
        """Return a copy holding exactly ``roles`` in ``company_id`` (joining it if need be).

        A member keeps their standing there; a new membership is invited for
        an invited customer (they accept it when they first sign in), else active.

        Raises:
            ValidationError: The roles break the role rule
                (see [`Membership`][b2b_customers.domain.Membership]).
        """
        company_id = CompanyId(company_id)
        current = self.membership_in(company_id)
        if current is not None:
            status = current.status
        elif self.status is CustomerStatus.INVITED:
            status = CustomerStatus.INVITED
        else:
            status = CustomerStatus.ACTIVE
        membership = Membership(company_id=company_id, roles=roles, status=status)
        others = tuple(item for item in self.memberships if item.company_id != company_id)
        return attrs.evolve(self, memberships=(*others, membership))

    def with_status_in(self, company_id: CompanyId | str, status: CustomerStatus | str) -> Customer:
        """Return a copy whose standing at ``company_id`` (the membership's status) is ``status``.

        Raises:
            NotFound: The customer is not a member of ``company_id``.
            ValidationError: ``status`` is not a status.
        """
        company_id = CompanyId(company_id)
        current = self.membership_in(company_id)
        if current is None:
            raise NotFound("Membership", f"{self.id} in {company_id}", by="customer and company")
        changed = attrs.evolve(current, status=status)
        others = tuple(item for item in self.memberships if item.company_id != company_id)
        return attrs.evolve(self, memberships=(*others, changed))

    def accepting_invitations(self) -> Customer:
        """Return a copy whose invited memberships are active (what signing in first does)."""
        return attrs.evolve(
            self,
            memberships=tuple(
                attrs.evolve(item, status=CustomerStatus.ACTIVE)
                if item.status is CustomerStatus.INVITED
                else item
                for item in self.memberships
            ),
        )

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
