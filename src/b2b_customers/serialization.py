"""One converter between entities and JSON-ready dicts, lossless both ways.

```python
from b2b_customers.domain import Company
from b2b_customers.serialization import make_converter
converter = make_converter()
data = converter.unstructure(Company(id="c1", name="ACME", currency="EUR"))
data["currency"], data["status"]  # ('EUR', 'active')
converter.structure(data, Company) == Company(id="c1", name="ACME", currency="EUR")  # True
```

The forms chosen:

* ``Money`` as ``{"amount": "12.345", "currency": "EUR"}``: the exact
  amount as a string, never cattrs' rounded display string, never a float.
* ``Decimal`` as a string; ``datetime`` (timezone-aware only) and ``date``
  as ISO 8601; enums by value.
* Sets as sorted lists, tuples as lists and mappings with their keys in
  order, so equal entities give equal JSON.

Structuring refuses unknown keys (a typo is an error, not silently dropped)
and a lone string where a list belongs (``"vip"`` is not the tags
``["v", "i", "p"]``), and raises
[`ValidationError`][b2b_customers.ValidationError] naming the path of the
offending field, such as ``legal_info.country``.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, IntEnum, StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.strategies import configure_tagged_union
from moneyed import Money

from b2b_customers.domain.money import money
from b2b_customers.domain.values import DomainEnum
from b2b_customers.errors import B2BError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Converter", "make_converter"]

T = TypeVar("T")


class Converter(cattrs.Converter):
    """A cattrs converter whose ``structure`` raises the library's own errors.

    Build one with [`make_converter`][b2b_customers.serialization.make_converter]; do not configure
    cattrs' global converter.
    """

    def structure(self, obj: Any, cl: type[T]) -> T:  # noqa: ANN401  (any JSON-ready value)
        """Build a ``cl`` from JSON-ready data.

        Raises:
            ValidationError: The data does not describe a valid ``cl``; the
                error's ``field`` is the path of the first offending field.
        """
        try:
            return super().structure(obj, cl)
        except B2BError:
            raise
        except (
            BaseValidationError,
            ForbiddenExtraKeysError,
            ValueError,
            TypeError,
            KeyError,
        ) as error:
            path, reason = _first_problem(error)
            raise ValidationError(reason, field=path or None) from error


def make_converter() -> Converter:
    """Return a new converter configured for every b2b_customers entity."""
    converter = Converter(forbid_extra_keys=True, detailed_validation=True)

    converter.register_structure_hook(str, _structure_exact(str, "text"))
    converter.register_structure_hook(int, _structure_exact(int, "a whole number"))
    converter.register_structure_hook(bool, _structure_exact(bool, "true or false"))
    # Without these, the str and int hooks above would take str and int enums, and an
    # unknown value would fail in the entity's constructor, where its field is unknown.
    converter.register_structure_hook(DomainEnum, _structure_enum)
    converter.register_structure_hook(IntEnum, _structure_enum)
    # str and int enums would pass through as their base type's identity; give their value.
    for enum_base in (Enum, StrEnum, IntEnum):
        converter.register_unstructure_hook(enum_base, _unstructure_enum)
    converter.register_unstructure_hook(Money, _unstructure_money)
    converter.register_structure_hook(Money, _structure_money)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, _structure_date)

    converter.register_unstructure_hook_func(
        _is_set,
        lambda value: sorted((converter.unstructure(item) for item in value), key=_sort_key),
    )
    converter.register_unstructure_hook_factory(_is_tuple, _unstructure_tuple(converter))
    value_of = _unstructured_value(converter)
    converter.register_unstructure_hook_func(
        _is_mapping, lambda value: {key: value_of(value[key]) for key in sorted(value)}
    )
    converter.register_structure_hook_func(_is_mapping, _structure_mapping(converter))
    # Iterating a string would turn "vip" into the tags {"v", "i", "p"}: refuse lone values.
    converter.register_structure_hook_func(
        lambda cl: _is_set(cl) or _is_homogeneous_tuple(cl), _structure_items(converter)
    )
    converter.register_structure_hook_factory(
        attrs.has, lambda cl: _structure_entity(cl, make_dict_structure_fn(cl, converter))
    )
    for union in _tagged_unions():
        configure_tagged_union(union, converter, tag_generator=_kind_of, tag_name="kind")
    _register_rule_results(converter)
    _read_strict_tier_thresholds(converter)
    _read_membership_status_from_customer(converter)
    return converter


def _register_rule_results(converter: Converter) -> None:
    """Store a rule result's message as its text under ``"message"``, however it was given."""
    # Imported here, like the tagged unions: the limits package imports the domain.
    from b2b_customers.limits.decision import RuleResult  # noqa: PLC0415

    converter.register_unstructure_hook(
        RuleResult,
        make_dict_unstructure_fn(
            RuleResult, converter, _message=override(rename="message", unstruct_hook=str)
        ),
    )
    converter.register_structure_hook(
        RuleResult,
        _structure_entity(
            RuleResult,
            make_dict_structure_fn(
                RuleResult,
                converter,
                _message=override(rename="message", struct_hook=_structure_exact(str, "text")),
            ),
        ),
    )


def _read_strict_tier_thresholds(converter: cattrs.Converter) -> None:
    """Read an approval tier stored with the former strict ``above`` as its inclusive ``at_least``.

    Tiers compare the invoiced total (whole minor units), so "more than X" is
    "at least X plus one minor unit": the same orders, one convention.
    """
    from b2b_customers.approvals.policy import ApprovalTier  # noqa: PLC0415
    from b2b_customers.domain.money import minor_unit_exponent  # noqa: PLC0415

    structure_tier = converter.get_structure_hook(ApprovalTier)

    def structure(value: Any, cl: type) -> Any:  # noqa: ANN401
        if isinstance(value, Mapping) and "above" in value and "at_least" not in value:
            data = dict(value)
            stored = data.pop("above")
            data["at_least"] = None
            if stored is not None:
                above = _structure_money(stored, Money)
                step = Decimal(1).scaleb(-minor_unit_exponent(above.currency.code))
                data["at_least"] = _unstructure_money(Money(above.amount + step, above.currency))
            value = data
        return structure_tier(value, cl)

    converter.register_structure_hook(ApprovalTier, structure)


def _read_membership_status_from_customer(converter: cattrs.Converter) -> None:
    """Read a membership stored without a status (before memberships had one) by the customer's.

    An invited customer's memberships were invitations, so they read as
    invited; every other membership reads as active: the customer's own
    status already said whether they acted, and still does (a deactivated
    customer's memberships come back with them when staff reactivate them,
    as before).
    """
    from b2b_customers.domain.customer import Customer  # noqa: PLC0415

    structure_customer = converter.get_structure_hook(Customer)

    def structure(value: Any, cl: type) -> Any:  # noqa: ANN401
        if isinstance(value, Mapping):
            value = _with_membership_statuses(value)
        return structure_customer(value, cl)

    converter.register_structure_hook(Customer, structure)


def _with_membership_statuses(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a customer's stored data with a status in each membership that lacks one.

    The data as written before memberships had a status: see
    `make_converter`. Data that has them all (or is damaged) comes back as is.
    """
    memberships = data.get("memberships")
    if not isinstance(memberships, list) or all(
        not isinstance(item, Mapping) or "status" in item for item in memberships
    ):
        return data
    status = "invited" if data.get("status") == "invited" else "active"
    return {
        **data,
        "memberships": [
            {**item, "status": status}
            if isinstance(item, Mapping) and "status" not in item
            else item
            for item in memberships
        ],
    }


def _tagged_unions() -> tuple[Any, ...]:
    """The unions of rule classes stored with a ``"kind"`` key naming the class."""
    # Imported here: these modules import the domain, which this module must not need at import.
    from b2b_customers.approvals.selectors import ApproverSelector  # noqa: PLC0415
    from b2b_customers.credit.due_dates import DueDateRule, DueDateStep  # noqa: PLC0415
    from b2b_customers.credit.payment_terms import Portion  # noqa: PLC0415
    from b2b_customers.limits.periods import Period  # noqa: PLC0415
    from b2b_customers.limits.rules import LimitRule  # noqa: PLC0415

    # Inner unions first: configuring a union fetches its members' hooks right away.
    return (Period, DueDateStep, DueDateRule, Portion, LimitRule, ApproverSelector)


def _kind_of(cl: type) -> str:
    """``OrderTotalLimit`` -> ``"order_total_limit"``: the tag a rule is stored under."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cl.__name__).lower()


# -- the hooks


def _structure_exact(kind: type[T], described: str) -> Any:  # noqa: ANN401
    """Accept only values already of ``kind``: JSON keeps types, so "5" is not 5."""

    def structure(value: Any, _type: type) -> T:  # noqa: ANN401
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValidationError(f"must be {described}, got {type(value).__name__} {value!r}")
        return value

    return structure


def _unstructure_enum(value: Enum) -> Any:  # noqa: ANN401
    return value.value


def _structure_enum(value: Any, enum: type[Enum]) -> Enum:  # noqa: ANN401
    kind = int if issubclass(enum, int) else str
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValidationError(
            f"must be one of {_choices(enum)}, got {type(value).__name__} {value!r}"
        )
    try:
        return enum(value)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not a {enum.__name__}; choose from {_choices(enum)}"
        ) from None


def _choices(enum: type[Enum]) -> str:
    return ", ".join(repr(member.value) for member in enum)


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
"""The types whose values are their own JSON form (exactly these: enums and subclasses differ)."""


def _unstructured_value(converter: cattrs.Converter) -> Callable[[Any], Any]:
    """Unstructure a value of any type; JSON scalars, dicts and lists without the hook look-up."""
    unstructure = converter.unstructure

    def value_of(value: Any) -> Any:  # noqa: ANN401
        kind = type(value)
        if kind in _JSON_SCALARS:
            return value
        if kind is dict or kind is MappingProxyType:  # what cattrs does for them, inline
            return {value_of(key): value_of(item) for key, item in value.items()}
        if kind is list:
            return [value_of(item) for item in value]
        return unstructure(value)

    return value_of


def _unstructure_tuple(converter: cattrs.Converter) -> Any:  # noqa: ANN401
    """Unstructure a tuple's items; items of a union type through the union's (tagged) hook."""

    def factory(cl: Any) -> Any:  # noqa: ANN401
        args = typing.get_args(cl)
        item_type = args[0] if _is_homogeneous_tuple(cl) else None
        if typing.get_origin(item_type) in {typing.Union, types.UnionType}:
            # A tuple of rule classes: unstructure each as the union, so it carries its "kind".
            return lambda value: [converter.unstructure(item, item_type) for item in value]
        value_of = _unstructured_value(converter)
        return lambda value: [value_of(item) for item in value]

    return factory


def _structure_items(converter: cattrs.Converter) -> Any:  # noqa: ANN401
    """Structure a set or a homogeneous tuple from a list, noting the index of each bad item."""

    def structure(value: Any, cl: Any) -> Any:  # noqa: ANN401
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise ValidationError(
                f"must be a list (a JSON array), got {type(value).__name__} {value!r}"
            )
        args = typing.get_args(cl)
        item_type = args[0] if args else Any
        hook = converter.get_structure_hook(item_type)
        items: list[Any] = []
        errors: list[Exception] = []
        for index, item in enumerate(value):
            try:
                items.append(hook(item, item_type))
            except Exception as error:  # noqa: BLE001  (collect every item's problem, as cattrs does)
                note = IterableValidationNote(f"Structuring {cl} @ index {index}", index, item_type)
                error.__notes__ = [*getattr(error, "__notes__", []), note]
                errors.append(error)
        if errors:
            raise IterableValidationError(f"While structuring {cl!r}", errors, cl)
        if _is_tuple(cl):
            return tuple(items)
        return set(items) if typing.get_origin(cl) is set or cl is set else frozenset(items)

    return structure


def _structure_entity(cl: type[T], structure: Any) -> Any:  # noqa: ANN401
    """Refuse anything but a mapping before cattrs looks for an entity's keys in it."""

    def structure_entity(value: Any, _type: type) -> T:  # noqa: ANN401
        if not isinstance(value, Mapping):
            raise ValidationError(
                f"must be a mapping (a JSON object) describing a {cl.__name__}, "
                f"got {type(value).__name__} {value!r}"
            )
        return typing.cast("T", structure(value, _type))

    return structure_entity


def _unstructure_money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency.code}


def _structure_money(value: Any, _type: type) -> Money:  # noqa: ANN401
    if isinstance(value, Money):
        return value
    if not isinstance(value, Mapping) or set(value) != {"amount", "currency"}:
        raise ValidationError(
            f"money must look like {{'amount': '12.50', 'currency': 'EUR'}}, got {value!r}"
        )
    return money(value["amount"], value["currency"])


def _structure_decimal(value: Any, _type: type) -> Decimal:  # noqa: ANN401
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(f"must be a decimal string such as '12.50', got {value!r}")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationError(f"must be a decimal string such as '12.50', got {value!r}") from None


def _structure_datetime(value: Any, _type: type) -> datetime:  # noqa: ANN401
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                "must be an ISO 8601 date and time such as "
                f"'2026-01-31T09:00:00+01:00', got {value!r}"
            ) from None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(f"must be a timezone-aware ISO 8601 date and time, got {value!r}")
    return value


def _structure_date(value: Any, _type: type) -> date:  # noqa: ANN401
    if isinstance(value, datetime):
        raise ValidationError(f"must be a date without a time, such as '2026-01-31', got {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(f"must be an ISO 8601 date such as '2026-01-31', got {value!r}")


def _structure_mapping(converter: cattrs.Converter) -> Any:  # noqa: ANN401
    """Structure a JSON object: values of a named type (``Money``) one by one.

    Mappings of JSON scalars (custom fields, event payloads) pass through; the
    entity's own validator checks them.
    """

    def structure(value: Any, cl: Any) -> Mapping[str, Any]:  # noqa: ANN401
        if not isinstance(value, Mapping):
            raise ValidationError(f"must be a mapping (a JSON object), got {type(value).__name__}")
        arguments = typing.get_args(cl)
        item_type = arguments[1] if len(arguments) == 2 else Any  # noqa: PLR2004 (key, value)
        if item_type is Any or typing.get_origin(item_type) in {typing.Union, types.UnionType}:
            return dict(value)
        result = {}
        for key, item in value.items():
            try:
                result[key] = converter.structure(item, item_type)
            except ValidationError as error:
                raise ValidationError(
                    error.reason, field=_join(str(key), error.field or "")
                ) from error
        return result

    return structure


def _is_set(cl: Any) -> bool:  # noqa: ANN401
    return typing.get_origin(cl) in {frozenset, set} or cl in {frozenset, set}


def _is_tuple(cl: Any) -> bool:  # noqa: ANN401
    return typing.get_origin(cl) is tuple


def _is_homogeneous_tuple(cl: Any) -> bool:  # noqa: ANN401
    args = typing.get_args(cl)
    return _is_tuple(cl) and len(args) == 2 and args[1] is Ellipsis  # noqa: PLR2004  (tuple[T, ...])


def _is_mapping(cl: Any) -> bool:  # noqa: ANN401
    return typing.get_origin(cl) is Mapping


def _sort_key(item: Any) -> tuple[str, str]:  # noqa: ANN401
    return (type(item).__name__, str(item.value if isinstance(item, Enum) else item))


# -- turning cattrs' exception groups into one message with a path


def _first_problem(error: BaseException, path: str = "") -> tuple[str, str]:
    if isinstance(error, ForbiddenExtraKeysError):
        keys = ", ".join(sorted(error.extra_fields))
        return path, f"unknown field(s) {keys}; check the spelling against the entity's fields"
    if isinstance(error, ClassValidationError):
        with_notes, without = error.group_exceptions()
        for inner, attribute_note in with_notes:
            # A private field is stored under its public name (``_message`` as ``message``).
            return _first_problem(inner, _join(path, attribute_note.name.lstrip("_")))
        if without:
            return _first_problem(without[0], path)
    if isinstance(error, IterableValidationError):
        with_index, without_index = error.group_exceptions()
        for inner, index_note in with_index:
            return _first_problem(inner, f"{path}[{index_note.index}]")
        if without_index:
            return _first_problem(without_index[0], path)
    if isinstance(error, ValidationError):
        return _join(path, error.field or ""), error.reason
    if isinstance(error, KeyError):
        return path, _missing_key(error, path)
    return path, f"invalid value: {error}"


def _missing_key(error: KeyError, path: str) -> str:
    key = error.args[0] if error.args else None
    if key == "kind":
        return "needs a 'kind' naming its type, such as 'budget_limit'"
    if key is not None and key != path.rsplit(".", 1)[-1]:
        # A tagged union looked its tag up and did not find it.
        return f"unknown kind {key!r}; use one of the documented rule types"
    return "is required but missing"  # cattrs' note already names the missing field


def _join(path: str, name: str) -> str:
    if not name:
        return path
    return f"{path}.{name}" if path else name
