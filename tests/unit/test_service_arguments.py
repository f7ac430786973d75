"""The service boundary: every argument is checked against its annotation before the body runs."""

from __future__ import annotations

import inspect
from collections.abc import Iterable  # noqa: TC003  (Probe checks it at run time)
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.app import App
from b2b_customers.arguments import (
    MAX_WHOLE_NUMBER,
    STREAMED,
    argument_types,
    checked_arguments,
    checks_arguments,
    conform,
)
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId
from tests.services.world import service_methods


@checks_arguments
class Probe:
    """A service with one argument of each kind; each method returns what it got."""

    # Ids as the services declare them: a CompanyId, or plain text, checked as an id.
    def ids(self, *, company: CompanyId | str, parent: CompanyId | str | None = None) -> Any:
        return company, parent

    def words(self, *, name: str, role: Role | str = Role.BUYER) -> Any:
        return name, role

    def numbers(self, *, count: int = 1, factor: Decimal | int = 2, flag: bool = False) -> Any:
        return count, factor, flag

    def times(self, *, since: datetime | None = None, day: date | None = None) -> Any:
        return since, day

    def many(self, *, companies: Iterable[CompanyId | str]) -> Any:
        return companies

    def streamed(self, *, companies: Annotated[Iterable[CompanyId], STREAMED]) -> Any:
        return companies

    def entity(self, *, order: OrderDraft, anything: Any = None, extra: object = None) -> Any:
        return order, anything, extra

    def choice(self, *, side: Literal["left", "right"]) -> str:
        return side

    def price(self, *, maximum: Money) -> Money:
        return maximum

    def _private(self, *, company: CompanyId) -> CompanyId:
        return company


PROBE = Probe()
EAST, WEST = timezone(timedelta(hours=14)), timezone(-timedelta(hours=14))

REFUSED = [
    ("ids", {"company": None}, "company", "an id (CompanyId)"),
    ("ids", {"company": 7}, "company", "an id (CompanyId)"),
    ("ids", {"company": " acme "}, "company", "surrounding spaces"),
    ("ids", {"company": "x" * 65}, "company", "at most 64"),
    ("ids", {"company": "ac\ud800me"}, "company", "lone surrogate"),
    ("ids", {"company": "acme", "parent": "a\x00"}, "parent", "NUL"),
    ("words", {"name": b"ACME"}, "name", "text"),
    ("words", {"name": "\udfff"}, "name", "lone surrogate"),
    ("words", {"name": "ACME", "role": 3}, "role", "a Role or text"),
    ("numbers", {"count": True}, "count", "a whole number"),
    ("numbers", {"count": 1.5}, "count", "a whole number"),
    ("numbers", {"count": 2**64}, "count", f"at most {MAX_WHOLE_NUMBER}"),
    ("numbers", {"factor": Decimal("NaN")}, "factor", "finite"),
    ("numbers", {"factor": Decimal("Infinity")}, "factor", "finite"),
    ("numbers", {"factor": Decimal("1E+30")}, "factor", "less than 10**15"),
    ("numbers", {"factor": 2.0}, "factor", "a Decimal or a whole number"),
    ("numbers", {"flag": 1}, "flag", "True or False"),
    ("times", {"since": datetime(2026, 1, 1)}, "since", "timezone-aware"),  # noqa: DTZ001
    ("times", {"since": "2026-01-01"}, "since", "a timezone-aware datetime or None"),
    ("times", {"since": datetime.max.replace(tzinfo=WEST)}, "since", "years 1 to 9999 in UTC"),
    ("times", {"since": datetime.min.replace(tzinfo=EAST)}, "since", "years 1 to 9999 in UTC"),
    ("times", {"day": datetime(2026, 1, 1, tzinfo=UTC)}, "day", "a date or None"),
    ("many", {"companies": None}, "companies", "a collection"),
    ("many", {"companies": "acme"}, "companies", "a collection"),
    ("many", {"companies": {"acme": 1}}, "companies", "a collection"),
    ("many", {"companies": ["acme", 3]}, "companies[1]", "an id (CompanyId)"),
    ("entity", {"order": None}, "order", "an OrderDraft"),
    ("entity", {"order": object()}, "order", "an OrderDraft"),
    ("choice", {"side": "middle"}, "side", "'left' or 'right'"),
    ("price", {"maximum": Decimal(5)}, "maximum", "a Money"),
    ("price", {"maximum": Money("1E+30", "EUR")}, "maximum", "less than 10**15"),
    ("price", {"maximum": Money("NaN", "EUR")}, "maximum", "finite"),
]


class TestChecksArguments:
    """A decorated service refuses what does not fit, naming the argument, before running."""

    @pytest.mark.parametrize(("method", "arguments", "field", "said"), REFUSED)
    def test_refuses_what_does_not_fit_its_annotation(
        self, method: str, arguments: dict[str, Any], field: str, said: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            getattr(PROBE, method)(**arguments)
        assert info.value.field == field
        assert said in str(info.value)

    @pytest.mark.parametrize(
        ("method", "arguments", "expected"),
        [
            ("ids", {"company": "acme"}, ("acme", None)),
            ("words", {"name": "شركة أكمي", "role": "buyer"}, ("شركة أكمي", "buyer")),
            ("numbers", {"count": -3, "factor": Decimal("1.5")}, (-3, Decimal("1.5"), False)),
            ("times", {"day": date(2026, 1, 1)}, (None, date(2026, 1, 1))),
            ("many", {"companies": {"acme", "north"}}, {"acme", "north"}),
            ("choice", {"side": "left"}, "left"),
            ("price", {"maximum": Money("12.50", "EUR")}, Money("12.50", "EUR")),
        ],
    )
    def test_passes_what_fits_unchanged(
        self, method: str, arguments: dict[str, Any], expected: object
    ) -> None:
        assert getattr(PROBE, method)(**arguments) == expected

    def test_reads_a_one_shot_iterator_once_and_passes_its_items(self) -> None:
        assert PROBE.many(companies=iter([CompanyId("acme"), CompanyId("north")])) == (
            "acme",
            "north",
        )

    def test_hands_a_streamed_source_over_unread(self) -> None:
        source: Any = iter([CompanyId("acme"), 42])
        assert PROBE.streamed(companies=source) is source
        assert next(source) == "acme"  # nothing was read from it

    def test_checks_the_items_of_a_streamed_collection_and_refuses_a_lone_value(self) -> None:
        assert PROBE.streamed(companies=[CompanyId("acme")]) == ["acme"]
        with pytest.raises(ValidationError, match=r"companies\[1\]: must be an id"):
            PROBE.streamed(companies=[CompanyId("acme"), 42])  # type: ignore[list-item]
        with pytest.raises(ValidationError, match="companies: must be a collection"):
            PROBE.streamed(companies="acme")  # type: ignore[arg-type]

    def test_leaves_any_and_object_to_the_method(self) -> None:
        marker = object()
        order = OrderDraft(
            company_id=CompanyId("acme"),
            buyer_id=CustomerId("bob"),
            lines=[OrderLine(sku="A", quantity=1, unit_price=Money(1, "EUR"))],
        )
        assert PROBE.entity(order=order, anything=marker, extra=marker) == (order, marker, marker)

    def test_an_unknown_or_missing_argument_is_a_validation_error(self) -> None:
        with pytest.raises(ValidationError, match="unexpected keyword argument 'compnay'"):
            PROBE.ids(company=CompanyId("acme"), compnay="acme")  # type: ignore[call-arg]
        with pytest.raises(ValidationError, match="missing a required argument: 'company'"):
            PROBE.ids()  # type: ignore[call-arg]

    def test_private_methods_are_not_wrapped(self) -> None:
        assert PROBE._private(company=None) is None  # type: ignore[arg-type]

    def test_wraps_plain_functions_too(self) -> None:
        @checked_arguments
        def named(name: str) -> str:
            return name

        with pytest.raises(ValidationError, match="lone surrogate") as info:
            named("\ud800")
        assert info.value.field == "name"

    @given(st.text())
    def test_text_is_accepted_exactly_when_utf8_can_encode_it_and_it_has_no_nul(
        self, value: str
    ) -> None:
        try:
            value.encode("utf-8")
            storable = "\x00" not in value
        except UnicodeEncodeError:
            storable = False
        try:
            conform(str, value, "name")
        except ValidationError:
            assert not storable
        else:
            assert storable


def test_every_public_service_method_checks_its_arguments_and_every_type_resolves() -> None:
    methods = {**service_methods(), "app.recipients": App.recipients}
    for name, method in methods.items():
        assert hasattr(method, "__wrapped__"), f"{name} does not check its arguments"
        function = method.__wrapped__
        parameters = inspect.signature(function).parameters
        typed = {
            parameter
            for parameter, described in parameters.items()
            if parameter != "self" and described.kind is not inspect.Parameter.VAR_KEYWORD
        }
        assert set(argument_types(function)) == typed, f"{name} has an argument without a type"
