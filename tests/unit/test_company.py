"""The company: defaults, normalisation, self-references, status changes, tax and legal info."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import (
    Company,
    CompanyKind,
    CompanyStatus,
    CustomerType,
    LegalInfo,
    SalesTax,
    SalesTaxType,
    Weekday,
)
from b2b_customers.errors import InvalidTransition, ValidationError
from b2b_customers.testing import strategies as st_b2b


def acme(**changes: Any) -> Company:
    return Company(**{"id": "acme", "name": "ACME GmbH", "currency": "EUR", **changes})


class TestCompany:
    """A company validates itself and changes only through validated copies."""

    def test_has_sensible_defaults(self) -> None:
        company = acme()
        assert company.time_zone == "UTC"
        assert company.status is CompanyStatus.ACTIVE
        assert company.customer_type is CustomerType.BUSINESS
        assert company.sales_tax == SalesTax(type=SalesTaxType.TAXABLE)
        assert company.week_starts_on is Weekday.MONDAY
        assert company.version == 0
        assert company.created_at is None
        assert company.tags == frozenset()
        assert dict(company.custom_fields) == {}
        assert not company.term_customer

    def test_normalises_what_people_type(self) -> None:
        company = acme(
            name="  ACME GmbH ",
            currency=" eur",
            time_zone=" Europe/Berlin ",
            account_number="  ",
            tags=[" vip ", "vip"],
        )
        assert company.name == "ACME GmbH"
        assert company.currency == "EUR"
        assert company.time_zone == "Europe/Berlin"
        assert company.account_number is None
        assert company.tags == frozenset({"vip"})

    def test_accepts_enum_values_as_text(self) -> None:
        company = acme(status="on_hold", customer_type="individual", week_starts_on=6)
        assert company.status is CompanyStatus.ON_HOLD
        assert company.customer_type is CustomerType.INDIVIDUAL
        assert company.week_starts_on is Weekday.SUNDAY

    def test_is_immutable(self) -> None:
        company = acme()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            company.name = "Other"  # type: ignore[misc]

    def test_custom_fields_are_a_read_only_copy(self) -> None:
        fields: dict[str, str | int | bool] = {"industry": "tools"}
        company = acme(custom_fields=fields)
        fields["industry"] = "food"
        assert company.custom_fields["industry"] == "tools"
        with pytest.raises(TypeError):
            company.custom_fields["industry"] = "food"  # type: ignore[index]

    @given(st_b2b.companies())
    def test_equal_companies_hash_equal(self, company: Company) -> None:
        twin = attrs.evolve(company, custom_fields=dict(company.custom_fields))
        assert twin == company
        assert hash(twin) == hash(company)

    def test_companies_differing_in_custom_fields_are_not_equal(self) -> None:
        assert acme(custom_fields={"a": 1}) != acme(custom_fields={"a": 2})

    @pytest.mark.parametrize("field", ["parent_id", "bill_to_id", "master_id"])
    def test_cannot_name_itself(self, field: str) -> None:
        with pytest.raises(ValidationError, match="cannot name itself") as info:
            acme(**{field: "acme"})
        assert info.value.field == field

    def test_may_name_other_companies(self) -> None:
        company = acme(parent_id="group", bill_to_id="payer", master_id="group")
        assert (company.parent_id, company.bill_to_id, company.master_id) == (
            "group",
            "payer",
            "group",
        )

    def test_is_a_subsidiary_when_it_has_a_parent(self) -> None:
        assert acme(parent_id="group").kind is CompanyKind.SUBSIDIARY

    def test_is_a_company_at_the_top(self) -> None:
        assert acme().kind is CompanyKind.COMPANY

    @pytest.mark.parametrize(
        ("status", "may_order"),
        [(CompanyStatus.ACTIVE, True), (CompanyStatus.ON_HOLD, False), ("inactive", False)],
    )
    def test_only_an_active_company_may_order(
        self, status: CompanyStatus | str, *, may_order: bool
    ) -> None:
        assert acme(status=status).may_order is may_order


class TestCompanyStatus:
    """Status changes return a copy and refuse a change to the same status."""

    def test_put_on_hold_returns_a_copy_on_hold(self) -> None:
        company = acme()
        held = company.put_on_hold()
        assert held.status is CompanyStatus.ON_HOLD
        assert company.status is CompanyStatus.ACTIVE
        assert attrs.evolve(held, status=CompanyStatus.ACTIVE) == company

    def test_activate_from_on_hold(self) -> None:
        assert acme(status="on_hold").activate().status is CompanyStatus.ACTIVE

    def test_activate_from_inactive(self) -> None:
        assert acme(status="inactive").activate().status is CompanyStatus.ACTIVE

    def test_deactivate_closes_the_account(self) -> None:
        assert acme().deactivate().status is CompanyStatus.INACTIVE

    @pytest.mark.parametrize("status", list(CompanyStatus))
    def test_changing_to_the_same_status_is_refused(self, status: CompanyStatus) -> None:
        with pytest.raises(InvalidTransition, match="already"):
            acme(status=status).with_status(status)

    def test_with_status_accepts_text(self) -> None:
        assert acme().with_status("on_hold").status is CompanyStatus.ON_HOLD

    def test_with_status_refuses_an_unknown_status(self) -> None:
        with pytest.raises(ValidationError, match="not a CompanyStatus"):
            acme().with_status("suspended")

    @given(st_b2b.companies(), st.sampled_from(CompanyStatus))
    def test_status_change_keeps_every_other_field(
        self, company: Company, status: CompanyStatus
    ) -> None:
        if status is company.status:
            with pytest.raises(InvalidTransition):
                company.with_status(status)
        else:
            changed = company.with_status(status)
            assert changed.status is status
            assert attrs.evolve(changed, status=company.status) == company


class TestSalesTax:
    """Only a taxable company lists exemptions; the others are exempt everywhere."""

    def test_taxable_by_default_and_nowhere_exempt(self) -> None:
        tax = SalesTax()
        assert tax.type is SalesTaxType.TAXABLE
        assert not tax.is_exempt_in("CA")

    def test_taxable_company_is_exempt_where_listed(self) -> None:
        tax = SalesTax(exemption_jurisdictions=["ca", " us-ny "])
        assert tax.exemption_jurisdictions == frozenset({"CA", "US-NY"})
        assert tax.is_exempt_in("CA")
        assert tax.is_exempt_in(" us-ny")
        assert not tax.is_exempt_in("TX")

    @pytest.mark.parametrize("kind", ["government", "wholesale", "other"])
    def test_non_taxable_types_are_exempt_everywhere(self, kind: str) -> None:
        assert SalesTax(type=kind).is_exempt_in("TX")

    @pytest.mark.parametrize("kind", ["government", "wholesale", "other"])
    def test_non_taxable_types_list_no_exemptions(self, kind: str) -> None:
        with pytest.raises(ValidationError, match="exempt everywhere") as info:
            SalesTax(type=kind, exemption_jurisdictions=["CA"])
        assert info.value.field == "exemption_jurisdictions"

    def test_jurisdiction_codes_are_short(self) -> None:
        assert SalesTax(exemption_jurisdictions=["X" * 16]).is_exempt_in("X" * 16)
        with pytest.raises(ValidationError, match="at most 16") as info:
            SalesTax(exemption_jurisdictions=["X" * 17])
        assert info.value.field == "exemption_jurisdictions"

    def test_jurisdiction_codes_are_not_blank(self) -> None:
        with pytest.raises(ValidationError):
            SalesTax(exemption_jurisdictions=[" "])


class TestLegalInfo:
    """Registration details: a legal name and optional, normalised identifiers."""

    def test_needs_only_a_legal_name(self) -> None:
        info = LegalInfo(legal_name=" ACME Gesellschaft mbH ")
        assert info.legal_name == "ACME Gesellschaft mbH"
        assert info.country is None
        assert info.registration_date is None

    def test_normalises_country_and_blank_identifiers(self) -> None:
        info = LegalInfo(
            legal_name="ACME", country=" de ", registration_id="  ", tax_registration_number=" DE1 "
        )
        assert info.country == "DE"
        assert info.registration_id is None
        assert info.tax_registration_number == "DE1"

    def test_registration_date_is_a_date(self) -> None:
        assert LegalInfo(
            legal_name="ACME", registration_date=date(2001, 2, 3)
        ).registration_date == date(2001, 2, 3)
        with pytest.raises(ValidationError) as info:
            LegalInfo(legal_name="ACME", registration_date="2001-02-03")  # type: ignore[arg-type]
        assert info.value.field == "registration_date"

    def test_identifiers_are_at_most_64_characters(self) -> None:
        with pytest.raises(ValidationError) as info:
            LegalInfo(legal_name="ACME", registration_id="R" * 65)
        assert info.value.field == "registration_id"

    def test_company_accepts_only_legal_info_objects(self) -> None:
        assert acme(legal_info=LegalInfo(legal_name="ACME")).legal_info == LegalInfo(
            legal_name="ACME"
        )
        with pytest.raises(ValidationError) as info:
            acme(legal_info={"legal_name": "ACME"})
        assert info.value.field == "legal_info"
