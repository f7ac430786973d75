"""The company: a legal entity that buys from the seller.

Companies form a tree (a head office with subsidiaries); the rules for the
tree itself live in `b2b_customers.domain.hierarchy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import IntEnum
from types import MappingProxyType
from typing import NoReturn

import attrs
from attrs import field, frozen

from b2b_customers.domain.values import (
    CustomFieldValue,
    DomainEnum,
    country_code,
    currency_code,
    custom_fields,
    flag,
    freeze_custom_fields,
    identifier,
    normalize_code,
    of_type,
    optional,
    strip,
    strip_optional,
    tags,
    text,
    time_zone,
    to_codes,
    to_member,
    to_tags,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import InvalidTransition, ValidationError
from b2b_customers.ids import CompanyId

__all__ = [
    "Company",
    "CompanyKind",
    "CompanyStatus",
    "CustomerType",
    "LegalInfo",
    "SalesTax",
    "SalesTaxType",
    "Weekday",
]

_MAX_CODE_LENGTH = 64
_MAX_JURISDICTION_LENGTH = 16


class CompanyStatus(DomainEnum):
    """Whether a company may order.

    Only an ``ACTIVE`` company places orders; ``ON_HOLD`` is a temporary stop
    (for instance a credit hold), ``INACTIVE`` a closed account.
    """

    ACTIVE = "active"
    INACTIVE = "inactive"
    ON_HOLD = "on_hold"


class CustomerType(DomainEnum):
    """Whether the account is a business or a private individual."""

    BUSINESS = "business"
    INDIVIDUAL = "individual"


class CompanyKind(DomainEnum):
    """A top-level company or a subsidiary; derived from having a parent."""

    COMPANY = "company"
    SUBSIDIARY = "subsidiary"


class SalesTaxType(DomainEnum):
    """How sales tax applies: only ``TAXABLE`` companies pay it (outside exempt jurisdictions)."""

    TAXABLE = "taxable"
    GOVERNMENT = "government"
    WHOLESALE = "wholesale"
    OTHER = "other"


class Weekday(IntEnum):
    """The first day of a company's calendar week (``datetime.weekday()`` numbering)."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        raise ValidationError(
            f"{value!r} is not a weekday; use 0 (Monday) to 6 (Sunday) or Weekday.MONDAY ..."
        )


_SALES_TAX_TYPE = to_member(SalesTaxType)
_COMPANY_STATUS = to_member(CompanyStatus)
_CUSTOMER_TYPE = to_member(CustomerType)
_WEEKDAY = to_member(Weekday)


def _sales_tax_type(value: SalesTaxType | str) -> SalesTaxType:
    return _SALES_TAX_TYPE(value)


def _company_status(value: CompanyStatus | str) -> CompanyStatus:
    return _COMPANY_STATUS(value)


def _customer_type(value: CustomerType | str) -> CustomerType:
    return _CUSTOMER_TYPE(value)


def _weekday(value: Weekday | int) -> Weekday:
    return _WEEKDAY(value)


def _jurisdictions(
    instance: SalesTax, attribute: attrs.Attribute[frozenset[str]], value: frozenset[str]
) -> None:
    tags(instance, attribute, value)
    too_long = sorted(code for code in value if len(code) > _MAX_JURISDICTION_LENGTH)
    if too_long:
        raise ValidationError(
            f"jurisdiction codes are at most {_MAX_JURISDICTION_LENGTH} characters "
            f"(such as 'CA' or 'US-NY'), got {too_long}",
            field=attribute.name,
        )


@frozen(kw_only=True)
class SalesTax:
    """A company's (or a location's) sales tax set-up.

    Attributes:
        type: ``TAXABLE``, or one of the non-taxable types.
        exemption_jurisdictions: State or region codes (``"CA"``, ``"US-NY"``)
            where a taxable company is exempt. Only a ``TAXABLE`` company lists
            them: the other types are exempt everywhere.
    """

    type: SalesTaxType = field(
        default=SalesTaxType.TAXABLE,
        converter=_sales_tax_type,
    )
    exemption_jurisdictions: frozenset[str] = field(
        factory=frozenset, converter=to_codes, validator=_jurisdictions
    )

    def __attrs_post_init__(self) -> None:
        if self.type is not SalesTaxType.TAXABLE and self.exemption_jurisdictions:
            raise ValidationError(
                f"a {self.type.value} company is exempt everywhere; exemption jurisdictions "
                "apply only to taxable companies, so leave them empty",
                field="exemption_jurisdictions",
            )

    def is_exempt_in(self, jurisdiction: str) -> bool:
        """Tell whether no sales tax is due in ``jurisdiction``."""
        return (
            self.type is not SalesTaxType.TAXABLE
            or normalize_code(jurisdiction) in self.exemption_jurisdictions
        )


@frozen(kw_only=True)
class LegalInfo:
    """How the company is registered.

    Attributes:
        legal_name: The registered name, e.g. ``"ACME Gesellschaft mbH"``.
        registration_date: When it was registered.
        registration_agency: The registry, e.g. ``"Amtsgericht Berlin"``.
        country: ISO 3166-1 alpha-2 code of the country of registration.
        registration_id: The number in that registry, e.g. ``"HRB 12345"``.
        tax_registration_number: The VAT or tax id, e.g. ``"DE123456789"``.
    """

    legal_name: str = field(converter=strip, validator=text())
    registration_date: date | None = field(default=None, validator=optional(of_type(date)))
    registration_agency: str | None = field(
        default=None, converter=strip_optional, validator=optional(text())
    )
    country: str | None = field(
        default=None,
        converter=attrs.converters.optional(normalize_code),
        validator=optional(country_code),
    )
    registration_id: str | None = field(
        default=None,
        converter=strip_optional,
        validator=optional(text(max_length=_MAX_CODE_LENGTH)),
    )
    tax_registration_number: str | None = field(
        default=None,
        converter=strip_optional,
        validator=optional(text(max_length=_MAX_CODE_LENGTH)),
    )


def _frozen_fields() -> Mapping[str, CustomFieldValue]:
    return MappingProxyType({})


@frozen(kw_only=True)
class Company(Versioned):
    """A legal entity that buys from the seller, possibly part of a group.

    Create one with at least an id, a name and a currency; everything else has
    a sensible default. Companies are immutable: change one with
    `attrs.evolve` or the methods below, which return a new copy and
    validate it.

    Attributes:
        id: The company's id.
        name: The name shown to people.
        currency: Default ISO 4217 currency; limits and credit are kept in it.
        time_zone: IANA time zone; budget periods (days, months) are counted in it.
        parent_id: The parent company, for a subsidiary; ``None`` at the top.
        status: Active, on hold or inactive.
        customer_type: Business or individual.
        account_number: The seller's account number for it; unique when set.
        legal_info: Registration and tax identifiers.
        sales_tax: Taxable or not, and where exempt.
        default_store: The store code orders are placed in.
        bill_to_id: The company that pays this one's invoices (``None``: itself).
        master_id: The company that oversees and pays for a group of accounts.
        term_customer: Whether it buys on payment terms (invoice), not prepaid.
        allow_store_pickup: Whether it may collect orders at a store.
        allow_cash_on_delivery: Whether it may pay on delivery.
        allow_payments_on_account: Whether it may pay without an order or invoice.
        test_record: A test account, kept out of reports and ERP exports.
        forecast_code: Code for the seller's sales forecasting.
        week_starts_on: First day of the company's calendar week (Monday).
        specific_products: SKUs only this company may buy (its private catalog).
        tags: Free labels such as ``"at-risk"`` or ``"tier-1"``.
        custom_fields: The seller's own fields (industry, territory, ...).
    """

    id: CompanyId = field(converter=CompanyId, validator=identifier)
    name: str = field(converter=strip, validator=text())
    currency: str = field(converter=normalize_code, validator=currency_code)
    time_zone: str = field(default="UTC", converter=strip, validator=time_zone)
    parent_id: CompanyId | None = field(
        default=None, converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    status: CompanyStatus = field(
        default=CompanyStatus.ACTIVE,
        converter=_company_status,
    )
    customer_type: CustomerType = field(
        default=CustomerType.BUSINESS,
        converter=_customer_type,
    )
    account_number: str | None = field(
        default=None,
        converter=strip_optional,
        validator=optional(text(max_length=_MAX_CODE_LENGTH)),
    )
    legal_info: LegalInfo | None = field(default=None, validator=optional(of_type(LegalInfo)))
    sales_tax: SalesTax = field(factory=SalesTax, validator=of_type(SalesTax))
    default_store: str | None = field(
        default=None,
        converter=strip_optional,
        validator=optional(text(max_length=_MAX_CODE_LENGTH)),
    )
    bill_to_id: CompanyId | None = field(
        default=None, converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    master_id: CompanyId | None = field(
        default=None, converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    term_customer: bool = field(default=False, validator=flag)
    allow_store_pickup: bool = field(default=False, validator=flag)
    allow_cash_on_delivery: bool = field(default=False, validator=flag)
    allow_payments_on_account: bool = field(default=False, validator=flag)
    test_record: bool = field(default=False, validator=flag)
    forecast_code: str | None = field(
        default=None,
        converter=strip_optional,
        validator=optional(text(max_length=_MAX_CODE_LENGTH)),
    )
    week_starts_on: Weekday = field(
        default=Weekday.MONDAY,
        converter=_weekday,
    )
    specific_products: frozenset[str] = field(factory=frozenset, converter=to_tags, validator=tags)
    tags: frozenset[str] = field(factory=frozenset, converter=to_tags, validator=tags)
    custom_fields: Mapping[str, CustomFieldValue] = field(
        factory=_frozen_fields, converter=freeze_custom_fields, validator=custom_fields, hash=False
    )

    def __attrs_post_init__(self) -> None:
        for name, other in (
            ("parent_id", self.parent_id),
            ("bill_to_id", self.bill_to_id),
            ("master_id", self.master_id),
        ):
            if other == self.id:
                raise ValidationError(
                    f"a company cannot name itself ({self.id!r}); leave {name} empty instead",
                    field=name,
                )

    @property
    def kind(self) -> CompanyKind:
        """``SUBSIDIARY`` when the company has a parent, else ``COMPANY``."""
        return CompanyKind.SUBSIDIARY if self.parent_id is not None else CompanyKind.COMPANY

    @property
    def may_order(self) -> bool:
        """Whether the company's buyers may place orders at all (it is active)."""
        return self.status is CompanyStatus.ACTIVE

    def with_status(self, status: CompanyStatus | str) -> Company:
        """Return a copy in ``status``.

        Raises:
            InvalidTransition: The company is in that status already.
            ValidationError: ``status`` is not a company status.
        """
        changed = attrs.evolve(self, status=status)
        if changed.status is self.status:
            raise InvalidTransition(
                f"company {self.id!r} is {self.status.value} already; nothing to change"
            )
        return changed

    def put_on_hold(self) -> Company:
        """Return a copy on hold: its buyers cannot order until it is activated."""
        return self.with_status(CompanyStatus.ON_HOLD)

    def activate(self) -> Company:
        """Return an active copy (from on hold or inactive)."""
        return self.with_status(CompanyStatus.ACTIVE)

    def deactivate(self) -> Company:
        """Return an inactive copy: a closed account."""
        return self.with_status(CompanyStatus.INACTIVE)
