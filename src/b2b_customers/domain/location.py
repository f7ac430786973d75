"""Locations: the addresses of a company (head office, branches, ship-to, bill-to).

The rules that tie a company's locations together (exactly one primary, at
most one default billing and one default shipping address) live in
`b2b_customers.domain.address_book`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, cast

import attrs
from attrs import field, frozen

from b2b_customers.domain.company import SalesTax
from b2b_customers.domain.values import (
    CustomFieldValue,
    DomainEnum,
    country_code,
    custom_fields,
    email_address,
    flag,
    freeze_custom_fields,
    identifier,
    items_of,
    normalize_code,
    of_type,
    optional,
    phone_number,
    strip,
    strip_optional,
    tags,
    text,
    to_emails,
    to_tags,
    to_texts,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, LocationId

__all__ = ["Address", "Location", "LocationType"]

_MAX_ADDRESS_LINES = 4
_MAX_POSTCODE_LENGTH = 16
_MAX_CONTACT_POINTS = 10


class LocationType(DomainEnum):
    """What a location is for."""

    HEADQUARTER = "headquarter"
    WAREHOUSE = "warehouse"
    OFFICE = "office"
    BRANCH = "branch"
    SHIP_TO = "ship_to"
    BILL_TO = "bill_to"


def _address_lines(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, tuple) or not 1 <= len(value) <= _MAX_ADDRESS_LINES:
        raise ValidationError(
            f"give 1 to {_MAX_ADDRESS_LINES} address lines (street and number first), "
            f"got {value!r}",
            field=attribute.name,
        )
    for line in value:
        text()(_instance, attribute, line)


def _address_lines_of(value: Iterable[str]) -> tuple[str, ...]:
    items = items_of(value)
    if items is None:
        return cast("tuple[str, ...]", value)  # the validator says what is wrong
    return tuple(line for line in map(strip, items) if line != "")


@frozen(kw_only=True)
class Address:
    """A postal address.

    Attributes:
        lines: One to four lines, street and number first.
        city: The city or town.
        country: ISO 3166-1 alpha-2 code, such as ``"DE"``.
        postcode: Postal or ZIP code, where the country uses one.
        region: State, province or county, where it matters (``"CA"``).
    """

    lines: tuple[str, ...] = field(converter=_address_lines_of, validator=_address_lines)
    city: str = field(converter=strip, validator=text())
    country: str = field(converter=normalize_code, validator=country_code)
    postcode: str | None = field(
        default=None,
        converter=strip_optional,
        validator=optional(text(max_length=_MAX_POSTCODE_LENGTH)),
    )
    region: str | None = field(default=None, converter=strip_optional, validator=optional(text()))


def _each(validator: Any) -> Any:  # noqa: ANN401
    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if not isinstance(value, tuple) or len(value) > _MAX_CONTACT_POINTS:
            raise ValidationError(
                f"give at most {_MAX_CONTACT_POINTS} entries as a list, got {value!r}",
                field=attribute.name,
            )
        if len(set(value)) != len(value):
            raise ValidationError(f"lists an entry twice: {value!r}", field=attribute.name)
        for item in value:
            validator(instance, attribute, item)

    return validate


def _no_fields() -> Mapping[str, CustomFieldValue]:
    return MappingProxyType({})


@frozen(kw_only=True)
class Location(Versioned):
    """An address of a company, with what it is used for.

    Attributes:
        id: The location's id.
        company_id: The company it belongs to.
        name: A name people recognise (``"Munich warehouse"``).
        type: Head office, warehouse, office, branch, ship-to or bill-to.
        address: The postal address.
        emails: Email addresses for this location, first is preferred.
        phones: Phone numbers for this location, first is preferred.
        is_primary: The company's primary address (exactly one per company).
        is_default_billing: Where invoices go by default (at most one).
        is_default_shipping: Where goods go by default (at most one).
        sales_tax: A branch's own tax set-up; ``None`` uses the company's.
        tags: Free labels.
        custom_fields: The seller's own fields.
    """

    id: LocationId = field(converter=LocationId, validator=identifier)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    name: str = field(converter=strip, validator=text())
    type: LocationType = field(
        default=LocationType.OFFICE,
        converter=LocationType,
    )
    address: Address = field(validator=of_type(Address))
    emails: tuple[str, ...] = field(
        factory=tuple, converter=to_emails, validator=_each(email_address)
    )
    phones: tuple[str, ...] = field(
        factory=tuple, converter=to_texts, validator=_each(phone_number)
    )
    is_primary: bool = field(default=False, validator=flag)
    is_default_billing: bool = field(default=False, validator=flag)
    is_default_shipping: bool = field(default=False, validator=flag)
    sales_tax: SalesTax | None = field(default=None, validator=optional(of_type(SalesTax)))
    tags: frozenset[str] = field(factory=frozenset, converter=to_tags, validator=tags)
    custom_fields: Mapping[str, CustomFieldValue] = field(
        factory=_no_fields, converter=freeze_custom_fields, validator=custom_fields, hash=False
    )

    def effective_sales_tax(self, company_tax: SalesTax) -> SalesTax:
        """Return this location's own tax set-up, or the company's when it has none."""
        return self.sales_tax if self.sales_tax is not None else company_tax
