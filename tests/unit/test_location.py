"""Locations and their postal addresses."""

from __future__ import annotations

from typing import Any

import pytest

from b2b_customers.domain import Address, Location, LocationType, SalesTax, SalesTaxType
from b2b_customers.errors import ValidationError

BERLIN = Address(lines=["Main Street 1"], city="Berlin", country="DE")


def site(**changes: Any) -> Location:
    return Location(
        **{"id": "hq", "company_id": "acme", "name": "Head office", "address": BERLIN, **changes}
    )


class TestAddress:
    """A postal address: one to four lines, a city and a country."""

    def test_normalises_lines_city_and_country(self) -> None:
        address = Address(
            lines=[" Main Street 1 ", "  ", "Building B"],
            city=" Berlin ",
            country=" de ",
            postcode=" ",
        )
        assert address.lines == ("Main Street 1", "Building B")
        assert address.city == "Berlin"
        assert address.country == "DE"
        assert address.postcode is None

    def test_keeps_up_to_four_lines(self) -> None:
        assert len(Address(lines=["a", "b", "c", "d"], city="X", country="FR").lines) == 4

    @pytest.mark.parametrize("lines", [[], ["  "], ["a", "b", "c", "d", "e"], "Main Street 1"])
    def test_refuses_too_few_or_too_many_lines(self, lines: object) -> None:
        with pytest.raises(ValidationError, match="1 to 4 address lines") as info:
            Address(lines=lines, city="Berlin", country="DE")  # type: ignore[arg-type]
        assert info.value.field == "lines"

    def test_refuses_a_line_too_long(self) -> None:
        with pytest.raises(ValidationError) as info:
            Address(lines=["x" * 256], city="Berlin", country="DE")
        assert info.value.field == "lines"

    def test_postcode_is_short(self) -> None:
        assert (
            Address(lines=["a"], city="X", country="NL", postcode="1234 AB").postcode == "1234 AB"
        )
        with pytest.raises(ValidationError) as info:
            Address(lines=["a"], city="X", country="NL", postcode="1" * 17)
        assert info.value.field == "postcode"


class TestLocation:
    """A location of a company."""

    def test_has_sensible_defaults(self) -> None:
        location = site()
        assert location.type is LocationType.OFFICE
        assert not location.is_primary
        assert location.emails == ()
        assert location.sales_tax is None

    def test_accepts_its_type_as_text(self) -> None:
        assert site(type="ship_to").type is LocationType.SHIP_TO

    def test_normalises_emails_and_phones_in_order(self) -> None:
        location = site(
            emails=[" B@Acme.Example", "a@acme.example"], phones=[" +49 30 1 ", "040 22"]
        )
        assert location.emails == ("b@acme.example", "a@acme.example")
        assert location.phones == ("+49 30 1", "040 22")

    def test_refuses_an_email_listed_twice_in_any_case(self) -> None:
        with pytest.raises(ValidationError, match="twice") as info:
            site(emails=["a@acme.example", "A@ACME.example"])
        assert info.value.field == "emails"

    def test_refuses_more_than_ten_phone_numbers(self) -> None:
        with pytest.raises(ValidationError, match="at most 10") as info:
            site(phones=[f"+49 30 {1000 + n}" for n in range(11)])
        assert info.value.field == "phones"

    def test_address_must_be_an_address(self) -> None:
        with pytest.raises(ValidationError) as info:
            site(address={"lines": ["a"], "city": "Berlin", "country": "DE"})
        assert info.value.field == "address"

    def test_own_sales_tax_overrides_the_companys(self) -> None:
        exempt = SalesTax(type=SalesTaxType.GOVERNMENT)
        assert site(sales_tax=exempt).effective_sales_tax(SalesTax()) == exempt

    def test_without_its_own_sales_tax_uses_the_companys(self) -> None:
        company_tax = SalesTax(exemption_jurisdictions=["CA"])
        assert site().effective_sales_tax(company_tax) == company_tax
