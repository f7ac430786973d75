"""The value rules inside entities: converters normalise, validators refuse with the field named."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.domain import (
    CompanyKind,
    CompanyStatus,
    ContactType,
    CustomerStatus,
    CustomerType,
    GroupKind,
    LocationType,
    NotificationEvent,
    Role,
    SalesTaxType,
)
from b2b_customers.domain.values import (
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    DomainEnum,
    aware_datetime,
    country_code,
    currency_code,
    custom_fields,
    email_address,
    flag,
    freeze_custom_fields,
    freeze_mapping,
    identifier,
    is_known_time_zone,
    items_of,
    money_amount,
    normalize_code,
    normalize_email,
    of_type,
    optional,
    phone_number,
    storable_text,
    strip,
    strip_optional,
    tags,
    text,
    text_defect,
    time_zone,
    to_codes,
    to_emails,
    to_frozenset,
    to_tags,
    to_texts,
    to_tuple,
    version_number,
)
from b2b_customers.errors import ValidationError
from b2b_customers.testing import strategies as st_b2b


@attrs.frozen
class Probe:
    """An entity with one field, to hand validators a real attribute."""

    price: Any


FIELD = attrs.fields(Probe).price


def refusal(validator: Any, value: Any) -> str | None:
    """Return the message when ``validator`` refuses ``value``, ``None`` when it accepts it."""
    try:
        validator(None, FIELD, value)
    except ValidationError as error:
        return str(error)
    return None


def accepts(validator: Any, value: Any) -> bool:
    return refusal(validator, value) is None


def refuses(validator: Any, value: Any) -> bool:
    """Tell whether ``validator`` refuses ``value`` with a message naming the field."""
    message = refusal(validator, value)
    return message is not None and message.startswith("price: ")


class TestConverters:
    """Converters normalise what they understand and pass the rest on untouched."""

    def test_strip_trims_text(self) -> None:
        assert strip("  ACME \n") == "ACME"

    def test_strip_passes_other_values_on(self) -> None:
        marker = object()
        assert strip(marker) is marker  # type: ignore[arg-type]

    @pytest.mark.parametrize(("value", "expected"), [("  ", None), ("", None), (" x ", "x")])
    def test_strip_optional_turns_blank_into_none(self, value: str, expected: str | None) -> None:
        assert strip_optional(value) == expected

    def test_strip_optional_keeps_none(self) -> None:
        assert strip_optional(None) is None

    def test_normalize_code_strips_and_upper_cases(self) -> None:
        assert normalize_code(" eur ") == "EUR"
        lone: Any = 5
        assert normalize_code(lone) is lone

    def test_normalize_email_strips_and_lower_cases(self) -> None:
        assert normalize_email(" Anna@ACME.Example ") == "anna@acme.example"

    @given(st_b2b.emails())
    def test_normalize_email_is_idempotent(self, email: str) -> None:
        assert normalize_email(normalize_email(email.upper())) == email

    @pytest.mark.parametrize("value", ["abc", b"abc", {"a": 1}, 5, None])
    def test_items_of_treats_text_mappings_and_scalars_as_lone_values(self, value: object) -> None:
        assert items_of(value) is None

    def test_items_of_lists_any_other_collection(self) -> None:
        assert items_of(["a", "b"]) == ["a", "b"]
        assert items_of(("a",)) == ["a"]
        assert items_of(x for x in "ab") == ["a", "b"]
        assert sorted(items_of({"b", "a"}) or []) == ["a", "b"]

    def test_to_frozenset_and_to_tuple_collect_items(self) -> None:
        assert to_frozenset(["a", "a", "b"]) == frozenset({"a", "b"})
        assert to_tuple(iter(["b", "a"])) == ("b", "a")

    def test_collection_converters_pass_lone_values_on(self) -> None:
        lone: Any = "abc"
        for convert in (to_frozenset, to_tuple, to_tags, to_codes, to_texts, to_emails):
            assert convert(lone) is lone

    def test_to_tags_strips_each_tag(self) -> None:
        assert to_tags([" vip ", "vip", "tier-1"]) == frozenset({"vip", "tier-1"})

    def test_to_codes_upper_cases_each_code(self) -> None:
        assert to_codes(["ca", " us-ny "]) == frozenset({"CA", "US-NY"})

    def test_to_texts_strips_and_keeps_order(self) -> None:
        assert to_texts([" 2 ", "1"]) == ("2", "1")

    def test_to_emails_normalises_and_keeps_order(self) -> None:
        assert to_emails(["B@X.DE", " a@x.de"]) == ("b@x.de", "a@x.de")

    def test_freeze_custom_fields_strips_keys_and_is_read_only(self) -> None:
        source = {" industry ": "tools"}
        frozen = freeze_custom_fields(source)
        assert dict(frozen) == {"industry": "tools"}
        source["industry"] = "changed"
        assert dict(frozen) == {"industry": "tools"}
        with pytest.raises(TypeError):
            frozen["x"] = 1  # type: ignore[index]

    def test_freeze_mapping_copies_into_a_read_only_mapping(self) -> None:
        source: dict[str, Any] = {"a": 1}
        frozen = freeze_mapping(source)
        source["b"] = 2
        assert dict(frozen) == {"a": 1}
        assert isinstance(frozen, Mapping)
        with pytest.raises(TypeError):
            frozen["c"] = 3  # type: ignore[index]

    def test_freezers_pass_non_mappings_on(self) -> None:
        assert freeze_custom_fields(["a"]) == ["a"]  # type: ignore[arg-type, comparison-overlap]
        assert freeze_mapping(["a"]) == ["a"]  # type: ignore[arg-type, comparison-overlap]


class TestDomainEnum:
    """Text enums accept their values and explain a wrong one."""

    def test_accepts_a_value(self) -> None:
        assert CompanyStatus("on_hold") is CompanyStatus.ON_HOLD

    def test_is_its_value_as_text(self) -> None:
        assert str(LocationType.SHIP_TO) == "ship_to"
        assert isinstance(LocationType.SHIP_TO, str)
        assert f"{LocationType.SHIP_TO}" == "ship_to"

    def test_refuses_an_unknown_value_with_the_choices(self) -> None:
        with pytest.raises(ValidationError, match="'x' is not a CompanyStatus; choose from"):
            CompanyStatus("x")

    def test_refusal_is_still_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="active"):
            CompanyStatus("Active")

    @pytest.mark.parametrize(
        "enum",
        [
            CompanyStatus,
            CustomerType,
            CompanyKind,
            SalesTaxType,
            LocationType,
            CustomerStatus,
            Role,
            ContactType,
            NotificationEvent,
            GroupKind,
        ],
    )
    def test_entity_enums_are_domain_enums_of_lower_case_text(self, enum: type[DomainEnum]) -> None:
        assert issubclass(enum, DomainEnum)
        for member in enum:
            assert member.value == member.name.lower()


class TestValidators:
    """Each validator accepts what is right and refuses the rest, naming the field."""

    def test_optional_accepts_none_and_checks_anything_else(self) -> None:
        assert accepts(optional(flag), None)
        assert refuses(optional(flag), "yes")

    def test_of_type(self) -> None:
        assert accepts(of_type(int, str), 1)
        assert accepts(of_type(int, str), "1")
        assert refuses(of_type(int, str), 1.0)

    def test_flag(self) -> None:
        for good in (True, False):
            assert accepts(flag, good)
        for bad in (1, 0, "true", None):
            assert refuses(flag, bad)

    def test_text(self) -> None:
        assert accepts(text(), "ACME")
        assert accepts(text(), "x" * MAX_NAME_LENGTH)
        for value in ("", "x" * (MAX_NAME_LENGTH + 1), 5, None):
            assert refuses(text(), value)

    def test_text_with_a_shorter_maximum(self) -> None:
        assert accepts(text(max_length=3), "abc")
        assert refuses(text(max_length=3), "abcd")

    def test_identifier(self) -> None:
        assert accepts(identifier, "c1")
        assert accepts(identifier, "x" * 64)
        for value in ("", " c1", "c1\n", "x" * 65, 1, None):
            assert refuses(identifier, value)

    def test_currency_code(self) -> None:
        assert accepts(currency_code, "EUR")
        assert accepts(currency_code, "JPY")
        for value in ("eur", "EU", "EURO", "XYZ", 978, None):
            assert refuses(currency_code, value)

    @given(st_b2b.countries())
    def test_country_code_accepts_iso_codes(self, code: str) -> None:
        assert accepts(country_code, code)

    @pytest.mark.parametrize("value", ["de", "DEU", "UK", "", None, ["DE"]])
    def test_country_code_refuses_the_rest(self, value: object) -> None:
        assert refuses(country_code, value)

    @given(st_b2b.time_zones())
    def test_time_zone_accepts_iana_names(self, name: str) -> None:
        assert is_known_time_zone(name)
        assert accepts(time_zone, name)

    @pytest.mark.parametrize("value", ["CET+1", "europe/berlin", "Mars/Olympus", "", 1])
    def test_time_zone_refuses_the_rest(self, value: object) -> None:
        assert refuses(time_zone, value)

    @given(st_b2b.emails())
    def test_email_address_accepts_generated_addresses(self, email: str) -> None:
        assert accepts(email_address, email)

    @pytest.mark.parametrize(
        "value", ["a@b.co", "first.last+tag@sub.acme.example", "x_y-z@acme-corp.de"]
    )
    def test_email_address_accepts_common_forms(self, value: str) -> None:
        assert accepts(email_address, value)

    @pytest.mark.parametrize("value", ["anna", "anna@acme", "a@b@c.de", "a b@c.de", "", None])
    def test_email_address_refuses_the_rest(self, value: object) -> None:
        assert refuses(email_address, value)

    @given(st_b2b.phone_numbers())
    def test_phone_number_accepts_generated_numbers(self, phone: str) -> None:
        assert accepts(phone_number, phone)

    @pytest.mark.parametrize(
        "value",
        ["+49 30 1234567", "+1 (555) 123-4567 x89", "030/1234567", "+49 30 123 ext. 12", "1234"],
    )
    def test_phone_number_accepts_common_forms(self, value: str) -> None:
        assert accepts(phone_number, value)

    @pytest.mark.parametrize("value", ["123", "+49 abc", "1" * 33, "", "++1234", 1234567])
    def test_phone_number_refuses_the_rest(self, value: object) -> None:
        assert refuses(phone_number, value)

    def test_tags(self) -> None:
        assert accepts(tags, frozenset({"vip", "t" * MAX_TAG_LENGTH}))
        assert accepts(tags, frozenset())
        assert refuses(tags, frozenset({""}))
        assert refuses(tags, frozenset({"t" * 65}))
        assert refuses(tags, frozenset({1}))
        assert refuses(tags, ["vip"])

    def test_custom_fields(self) -> None:
        assert accepts(custom_fields, {"industry": "tools", "staff": 12, "vip": False})
        assert refuses(custom_fields, {"rate": 0.5})
        assert refuses(custom_fields, {"rate": Decimal("0.5")})
        assert refuses(custom_fields, {"": "x"})
        assert refuses(custom_fields, {"k" * 65: "x"})
        assert refuses(custom_fields, {"nested": {"a": 1}})
        assert refuses(custom_fields, [("a", 1)])

    @given(st_b2b.aware_datetimes())
    def test_aware_datetime_accepts_aware_datetimes(self, at: datetime) -> None:
        assert accepts(aware_datetime, at)

    def test_aware_datetime_accepts_named_zones(self) -> None:
        assert accepts(
            aware_datetime, datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"))
        )
        assert accepts(aware_datetime, datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))))

    def test_aware_datetime_refuses_naive_datetimes_and_other_values(self) -> None:
        assert refuses(aware_datetime, datetime(2026, 1, 1))  # noqa: DTZ001
        assert refuses(aware_datetime, "2026-01-01T00:00:00+00:00")
        assert refuses(aware_datetime, datetime(2026, 1, 1, tzinfo=UTC).date())

    @given(st.integers(min_value=0))
    def test_version_number_accepts_zero_and_up(self, version: int) -> None:
        assert accepts(version_number, version)

    @pytest.mark.parametrize("value", [-1, True, False, 1.0, "1", None])
    def test_version_number_refuses_the_rest(self, value: object) -> None:
        assert refuses(version_number, value)

    def test_money_amount(self) -> None:
        validate = money_amount()
        assert accepts(validate, Money("-5.00", "EUR"))
        assert refuses(validate, Decimal(5))
        assert refuses(validate, "5 EUR")
        assert refuses(validate, Money(Decimal("NaN"), "EUR"))
        assert refuses(validate, Money(Decimal("Infinity"), "EUR"))

    def test_money_amount_not_below_zero(self) -> None:
        validate = money_amount(non_negative=True)
        assert accepts(validate, Money("0", "EUR"))
        assert refuses(validate, Money("-0.01", "EUR"))


UNSTORABLE = {
    "a NUL character": ("ACME\x00 GmbH", "NUL character"),
    "a lone high surrogate": ("ACME \ud800", "lone surrogate"),
    "a lone low surrogate": ("\udfffACME", "lone surrogate"),
}
"""Text no store keeps, and what the refusal says."""

TEXT_VALIDATORS = {
    "text": (text(), lambda bad: bad),
    "identifier": (identifier, lambda bad: bad.replace(" ", "-")),
    "email_address": (email_address, lambda bad: f"x{bad.replace(' ', '')}@acme.example"),
    "storable_text": (storable_text, lambda bad: bad),
    "tags": (tags, lambda bad: frozenset({"ok", bad})),
    "custom_fields key": (custom_fields, lambda bad: {bad: 1}),
    "custom_fields value": (custom_fields, lambda bad: {"note": bad}),
}
"""Every validator that takes text, and how to hand it the bad text."""


class TestStorableText:
    """Every text validator refuses a NUL character and lone surrogates, naming the field."""

    @pytest.mark.parametrize("validator", TEXT_VALIDATORS.values(), ids=TEXT_VALIDATORS.keys())
    @pytest.mark.parametrize("case", UNSTORABLE.values(), ids=UNSTORABLE.keys())
    def test_refuses_text_a_store_cannot_keep(
        self, validator: tuple[Any, Any], case: tuple[str, str]
    ) -> None:
        check, wrap = validator
        bad, reason = case
        message = refusal(check, wrap(bad))
        assert message is not None
        assert message.startswith("price: ")
        assert reason in message

    @given(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1))
    def test_accepts_every_other_text(self, value: str) -> None:
        assert text_defect(value) is None
        assert accepts(storable_text, value)

    @given(st.text(min_size=1))
    def test_a_defect_is_reported_exactly_when_utf8_or_nul_refuse_it(self, value: str) -> None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            encodable = False
        else:
            encodable = True
        assert (text_defect(value) is None) == (encodable and "\x00" not in value)

    def test_right_to_left_and_combining_text_is_kept(self) -> None:
        assert accepts(text(), "شركة أكمي \u200f\u0301")


class TestInstants:
    """An instant is aware and exists in UTC, where the stores keep it."""

    @pytest.mark.parametrize(
        "value",
        [
            datetime.max.replace(tzinfo=timezone(-timedelta(hours=14))),
            datetime.min.replace(tzinfo=timezone(timedelta(hours=1))),
        ],
    )
    def test_refuses_datetimes_outside_the_years_1_to_9999_in_utc(self, value: datetime) -> None:
        message = refusal(aware_datetime, value)
        assert message is not None
        assert "years 1 to 9999 in UTC" in message

    def test_accepts_the_extremes_that_exist_in_utc(self) -> None:
        assert accepts(aware_datetime, datetime.max.replace(tzinfo=UTC))
        assert accepts(aware_datetime, datetime.min.replace(tzinfo=timezone(-timedelta(hours=1))))
