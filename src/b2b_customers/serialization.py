"""One converter between entities and JSON-ready dicts, lossless both ways.

>>> from b2b_customers.domain import Company
>>> from b2b_customers.serialization import make_converter
>>> converter = make_converter()
>>> data = converter.unstructure(Company(id="c1", name="ACME", currency="EUR"))
>>> data["currency"], data["status"]
('EUR', 'active')
>>> converter.structure(data, Company) == Company(id="c1", name="ACME", currency="EUR")
True

The forms chosen:

* ``Money`` as ``{"amount": "12.345", "currency": "EUR"}``: the exact
  amount as a string, never cattrs' rounded display string, never a float.
* ``Decimal`` as a string; ``datetime`` (timezone-aware only) and ``date``
  as ISO 8601; enums by value.
* Sets as sorted lists and tuples as lists, so equal entities give equal
  JSON.

Structuring refuses unknown keys (a typo is an error, not silently dropped)
and raises :class:`~b2b_customers.errors.ValidationError` naming the path of
the offending field, such as ``legal_info.country``.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, IntEnum, StrEnum
from typing import Any, TypeVar

import cattrs
from cattrs.errors import (
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from moneyed import Money

from b2b_customers.domain.money import money
from b2b_customers.errors import B2BError, ValidationError

__all__ = ["Converter", "make_converter"]

T = TypeVar("T")


class Converter(cattrs.Converter):
    """A cattrs converter whose ``structure`` raises the library's own errors.

    Build one with :func:`make_converter`; do not configure cattrs' global
    converter.
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
    converter.register_unstructure_hook_func(
        _is_tuple, lambda value: [converter.unstructure(item) for item in value]
    )
    converter.register_unstructure_hook_func(
        _is_mapping, lambda value: {key: converter.unstructure(item) for key, item in value.items()}
    )
    converter.register_structure_hook_func(_is_mapping, _structure_mapping)
    return converter


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


def _structure_mapping(value: Any, _type: type) -> Mapping[str, Any]:  # noqa: ANN401
    # Mappings in entities hold JSON scalars (custom fields, event payloads);
    # the entity's own validator checks the values.
    if not isinstance(value, Mapping):
        raise ValidationError(f"must be a mapping (a JSON object), got {type(value).__name__}")
    return dict(value)


def _is_set(cl: Any) -> bool:  # noqa: ANN401
    return typing.get_origin(cl) in {frozenset, set} or cl in {frozenset, set}


def _is_tuple(cl: Any) -> bool:  # noqa: ANN401
    return typing.get_origin(cl) is tuple


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
            return _first_problem(inner, _join(path, attribute_note.name))
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
        # cattrs' note already names the missing field.
        return path, "is required but missing"
    return path, f"invalid value: {error}"


def _join(path: str, name: str) -> str:
    if not name:
        return path
    return f"{path}.{name}" if path else name
