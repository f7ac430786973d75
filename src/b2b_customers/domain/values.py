"""The rules for the plain values inside entities: names, codes, emails, tags, times.

Each rule is an attrs converter (to normalise what a caller passes) or an
attrs validator (to refuse what cannot be right). Validators raise
[`ValidationError`][b2b_customers.ValidationError] naming the field and what a
right value looks like; they never raise a bare ``TypeError``.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar, cast

import attrs
from moneyed import Money, get_currency
from moneyed.classes import CurrencyDoesNotExist

from b2b_customers.domain.countries import ISO_3166_ALPHA_2
from b2b_customers.domain.money import amount_defect
from b2b_customers.errors import ValidationError
from b2b_customers.ids import MAX_ID_LENGTH

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_TAG_LENGTH",
    "CustomFieldValue",
    "DomainEnum",
    "aware_datetime",
    "checked_id",
    "country_code",
    "currency_code",
    "custom_fields",
    "datetime_defect",
    "email_address",
    "flag",
    "freeze_custom_fields",
    "freeze_mapping",
    "has_text_keys",
    "identifier",
    "is_known_time_zone",
    "items_of",
    "money_amount",
    "normalize_code",
    "normalize_email",
    "of_type",
    "optional",
    "phone_number",
    "storable_text",
    "strip",
    "strip_optional",
    "tags",
    "text",
    "text_defect",
    "time_zone",
    "to_codes",
    "to_emails",
    "to_frozenset",
    "to_member",
    "to_tags",
    "to_texts",
    "to_tuple",
    "version_number",
]

MAX_NAME_LENGTH = 255
"""The longest name, legal name or address line the library accepts."""

MAX_TAG_LENGTH = 64
"""The longest tag or custom field key."""

CustomFieldValue = str | int | bool
"""What a custom field may hold: text, a whole number or a flag (never a float)."""

T = TypeVar("T")
Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]+(\s*(ext\.?|x)\s*[0-9]+)?$", re.IGNORECASE)
_MIN_PHONE_DIGITS = 4
_MAX_PHONE_LENGTH = 32
_MAX_EMAIL_LENGTH = 254


def _fail(attribute: attrs.Attribute[Any], message: str) -> NoReturn:
    raise ValidationError(message, field=attribute.name)


def text_defect(value: str) -> str | None:
    r"""Say why ``value`` cannot be stored as text, or return ``None`` when it can.

    Two things no store keeps: the NUL character (PostgreSQL refuses it in
    text and JSON) and a lone surrogate such as ``"\ud800"`` (half of a
    UTF-16 pair, which UTF-8 cannot encode). Both arrive from a broken
    decoder or a hostile client, never from a person typing.
    """
    if _plain_ascii(value):
        return None  # the common case, at C speed: ASCII holds no surrogate
    nul = value.find("\x00")
    if nul >= 0:
        return f"must not contain the NUL character (found at position {nul}); remove it"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"must be valid Unicode text, but holds a lone surrogate "
            f"{value[error.start]!r} at position {error.start} that UTF-8 cannot encode; "
            "decode the input as UTF-8 before passing it"
        )
    return None


def has_text_keys(value: Mapping[Any, Any]) -> bool:
    """Whether every key of ``value`` is text (the keys' types gathered at C speed)."""
    return set(map(type, value)) <= {str} or all(isinstance(key, str) for key in value)


def _plain_ascii(value: str) -> bool:
    """Whether ``value`` is ASCII without NUL: storable text, as `text_defect` would say."""
    return value.isascii() and "\x00" not in value


def storable_text(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require text that every store can keep: no NUL character, no lone surrogate."""
    if not isinstance(value, str):
        _fail(attribute, f"must be text, got {type(value).__name__} {value!r}")
    defect = text_defect(value)
    if defect is not None:
        _fail(attribute, defect)


# -- converters: normalise what the caller passed, leave the rest for validators


def strip(value: str) -> str:
    """Strip surrounding white space from text; pass anything else to the validator."""
    raw: object = value
    return raw.strip() if isinstance(raw, str) else value


def strip_optional(value: str | None) -> str | None:
    """Strip text and turn blank text into ``None``: an empty optional field is absent."""
    raw: object = value
    return (raw.strip() or None) if isinstance(raw, str) else value


def normalize_code(value: str) -> str:
    """Strip and upper-case a code such as ``" eur "`` or ``"de"``."""
    raw: object = value
    return raw.strip().upper() if isinstance(raw, str) else value


def normalize_email(value: str) -> str:
    """Strip and lower-case an email address: addresses are compared without case."""
    raw: object = value
    return raw.strip().lower() if isinstance(raw, str) else value


_PLAIN_COLLECTIONS = frozenset({list, tuple, set, frozenset})


def items_of(value: object) -> list[Any] | None:
    """Return the items of a collection, or ``None`` for a lone value (text counts as lone)."""
    if type(value) in _PLAIN_COLLECTIONS:  # the common case, without the ABC checks below
        return list(cast("Iterable[Any]", value))
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return None
    return list(value)


def to_frozenset(value: Iterable[T]) -> frozenset[T]:
    """Turn any collection into a frozenset; pass a lone value to the validator."""
    items = items_of(value)
    return cast("frozenset[T]", value) if items is None else frozenset(items)


def to_tuple(value: Iterable[T]) -> tuple[T, ...]:
    """Turn any collection into a tuple, keeping its order; pass a lone value on."""
    items = items_of(value)
    return cast("tuple[T, ...]", value) if items is None else tuple(items)


def to_tags(value: Iterable[str]) -> frozenset[str]:
    """Strip each tag and collect them into a frozenset."""
    items = items_of(value)
    return cast("frozenset[str]", value) if items is None else frozenset(map(strip, items))


def to_codes(value: Iterable[str]) -> frozenset[str]:
    """Strip and upper-case each code (``"ca"`` to ``"CA"``) into a frozenset."""
    items = items_of(value)
    return cast("frozenset[str]", value) if items is None else frozenset(map(normalize_code, items))


def to_texts(value: Iterable[str]) -> tuple[str, ...]:
    """Strip each text of a list (phone numbers, ...), keeping the order."""
    items = items_of(value)
    return cast("tuple[str, ...]", value) if items is None else tuple(map(strip, items))


def to_emails(value: Iterable[str]) -> tuple[str, ...]:
    """Normalise each email address of a list, keeping the order."""
    items = items_of(value)
    return cast("tuple[str, ...]", value) if items is None else tuple(map(normalize_email, items))


def freeze_custom_fields(
    value: Mapping[str, CustomFieldValue],
) -> Mapping[str, CustomFieldValue]:
    """Copy custom fields into a read-only mapping, so an entity stays immutable."""
    raw: object = value
    if type(raw) is not dict and not isinstance(raw, Mapping):  # a dict is the common case
        return value
    return MappingProxyType({strip(key): item for key, item in raw.items()})


def freeze_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """Copy a mapping into a read-only one, so an entity stays immutable."""
    raw: object = value
    return MappingProxyType(dict(raw)) if isinstance(raw, Mapping) else value


class DomainEnum(StrEnum):
    """A text enum that explains a wrong value: ``Status("x")`` raises ValidationError.

    Entities use the enum class itself as the attrs converter, so a caller may
    pass ``"active"`` as well as ``CompanyStatus.ACTIVE``.
    """

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        choices = ", ".join(repr(member.value) for member in cls)
        raise ValidationError(f"{value!r} is not a {cls.__name__}; choose from {choices}")


E = TypeVar("E", bound=Enum)


def to_member(enum: type[E]) -> Callable[[Any], E]:
    """Return a converter to a member of ``enum``: by a dictionary look-up when it can.

    It gives what ``enum(value)`` gives (and raises what it raises), without
    the cost of calling the enum class for the common case, a known value.
    """
    by_value: dict[Any, E] = {member.value: member for member in enum}

    def convert(value: Any) -> E:  # noqa: ANN401  (whatever the caller passed)
        try:
            return by_value[value]
        except (KeyError, TypeError):  # unknown, or unhashable: let the enum say what is wrong
            return enum(value)

    convert.__name__ = convert.__qualname__ = f"to_{enum.__name__}"
    return convert


# -- validators: refuse what cannot be right


def optional(validator: Validator) -> Validator:
    """Wrap a validator so that ``None`` is accepted too."""

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if value is not None:
            validator(instance, attribute, value)

    return validate


def of_type(*types: type) -> Validator:
    """Require an instance of one of ``types``."""
    names = " or ".join(kind.__name__ for kind in types)

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if not isinstance(value, types):
            _fail(attribute, f"must be a {names}, got {type(value).__name__} {value!r}")

    return validate


def flag(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require ``True`` or ``False`` (not 0, 1 or "yes")."""
    if not isinstance(value, bool):
        _fail(attribute, f"must be True or False, got {value!r}")


def text(*, max_length: int = MAX_NAME_LENGTH) -> Validator:
    """Require non-blank text of at most ``max_length`` characters."""

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if type(value) is str and 0 < len(value) <= max_length and _plain_ascii(value):
            return  # the common case, checked at C speed
        if not isinstance(value, str):
            _fail(attribute, f"must be text, got {type(value).__name__} {value!r}")
        if not value:
            _fail(attribute, "must not be empty; give a name or leave the field out")
        storable_text(_instance, attribute, value)
        if len(value) > max_length:
            _fail(attribute, f"must be at most {max_length} characters, got {len(value)}")

    return validate


def identifier(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require an id: non-empty text of at most 64 characters, no surrounding spaces."""
    if (
        type(value) is str
        and 0 < len(value) <= MAX_ID_LENGTH
        and _plain_ascii(value)
        and not value[0].isspace()
        and not value[-1].isspace()
    ):
        return  # the common case, checked at C speed
    if not isinstance(value, str) or not value or value != value.strip():
        _fail(attribute, f"must be a non-empty id without surrounding spaces, got {value!r}")
    storable_text(_instance, attribute, value)
    if len(value) > MAX_ID_LENGTH:
        _fail(attribute, f"must be at most {MAX_ID_LENGTH} characters, got {len(value)}")


@attrs.frozen
class _Named:
    """Stands in for an attrs attribute, so the validators here name a function's argument."""

    name: str


def checked_id(value: T, argument: str) -> T:
    """Return ``value`` if it is a valid id (see `identifier`).

    Raises:
        ValidationError: It is not a non-empty string of at most 64
            characters without surrounding spaces (naming ``argument``).
    """
    identifier(None, cast("attrs.Attribute[Any]", _Named(argument)), value)
    return value


def currency_code(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require an ISO 4217 currency code known to py-moneyed, such as ``"EUR"``."""
    if not isinstance(value, str) or len(value) != 3:  # noqa: PLR2004 (ISO 4217 codes have three letters)
        _fail(
            attribute, f"must be a three-letter ISO 4217 currency code such as 'EUR', got {value!r}"
        )
    try:
        get_currency(value)
    except CurrencyDoesNotExist:
        _fail(
            attribute, f"{value!r} is not an ISO 4217 currency code; use one such as 'EUR' or 'USD'"
        )


def country_code(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require an ISO 3166-1 alpha-2 country code, such as ``"DE"``."""
    if not isinstance(value, str) or value not in ISO_3166_ALPHA_2:
        _fail(
            attribute,
            f"must be an ISO 3166-1 alpha-2 country code such as 'DE' or 'US', got {value!r}",
        )


# Names that mean "whatever this server is set to": a company's zone must not depend on the host.
_SERVER_DEPENDENT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _SERVER_DEPENDENT_ZONES


def is_known_time_zone(name: str) -> bool:
    """Tell whether ``name`` is an IANA time zone known to this machine."""
    return name in _time_zones()


def time_zone(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require an IANA time zone name, such as ``"Europe/Berlin"``."""
    if not isinstance(value, str) or not is_known_time_zone(value):
        _fail(
            attribute,
            f"must be an IANA time zone name such as 'Europe/Berlin' or 'UTC', got {value!r}",
        )


def email_address(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require an email address of the form ``name@domain.tld``."""
    if not isinstance(value, str) or len(value) > _MAX_EMAIL_LENGTH or not _EMAIL.match(value):
        _fail(attribute, f"must be an email address like 'anna@acme.example', got {value!r}")
    storable_text(_instance, attribute, value)


def phone_number(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require a phone number: digits, spaces, ``+ ( ) - . /`` and an optional extension."""
    if (
        not isinstance(value, str)
        or len(value) > _MAX_PHONE_LENGTH
        or not _PHONE.match(value)
        or sum(char.isdigit() for char in value) < _MIN_PHONE_DIGITS
    ):
        _fail(
            attribute,
            f"must be a phone number such as '+49 30 1234567' (at least {_MIN_PHONE_DIGITS} "
            f"digits, at most {_MAX_PHONE_LENGTH} characters), got {value!r}",
        )


def tags(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require a set of non-empty tags of at most 64 characters each."""
    if not isinstance(value, frozenset):
        _fail(attribute, f"must be a collection of tags, got {type(value).__name__}")
    for tag in value:
        if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LENGTH:
            _fail(
                attribute,
                f"every tag must be text of 1 to {MAX_TAG_LENGTH} characters, got {tag!r}",
            )
        storable_text(_instance, attribute, tag)


def custom_fields(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require a mapping of short text keys to text, whole numbers or flags."""
    if type(value) is not MappingProxyType and not isinstance(value, Mapping):
        _fail(attribute, f"must be a mapping of field names to values, got {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > MAX_TAG_LENGTH:
            _fail(attribute, f"keys must be text of 1 to {MAX_TAG_LENGTH} characters, got {key!r}")
        storable_text(_instance, attribute, key)
        if not isinstance(item, str | int | bool):
            _fail(
                attribute,
                f"{key!r} must be text, a whole number or true/false "
                f"(store decimals as text), got {type(item).__name__} {item!r}",
            )
        if isinstance(item, str):
            storable_text(_instance, attribute, item)


def datetime_defect(value: datetime) -> str | None:
    """Say why ``value`` cannot be kept as an instant, or return ``None`` when it can.

    It must be timezone-aware (a naive one is ambiguous across hosts), and
    its UTC time must fall within years 1 to 9999 (stores keep instants in
    UTC: ``datetime.max`` in UTC-14 cannot be).
    """
    if value.utcoffset() is None:
        return f"must be a timezone-aware datetime (e.g. datetime.now(UTC)), got {value!r}"
    try:
        value.astimezone(UTC)
    except OverflowError:
        return f"must fall within the years 1 to 9999 in UTC, got {value.isoformat()}"
    return None


def aware_datetime(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require a timezone-aware datetime that exists in UTC (see `datetime_defect`)."""
    if not isinstance(value, datetime):
        _fail(
            attribute,
            f"must be a timezone-aware datetime (e.g. datetime.now(UTC)), got {value!r}",
        )
    defect = datetime_defect(value)
    if defect is not None:
        _fail(attribute, defect)


def version_number(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    """Require a version: a whole number of zero (never saved) or more."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        _fail(attribute, f"must be a whole number >= 0, got {value!r}")


def money_amount(*, non_negative: bool = False) -> Validator:
    """Require a `moneyed.Money` with an exact amount (optionally not below zero).

    The amount's bound is [`amount_defect`][b2b_customers.domain.money.amount_defect]'s.
    """

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if not isinstance(value, Money) or not isinstance(value.amount, Decimal):
            _fail(attribute, f"must be a Money such as Money('100.00', 'EUR'), got {value!r}")
        defect = amount_defect(value.amount)
        if defect is not None:
            _fail(attribute, defect)
        if non_negative and value.amount < 0:
            _fail(attribute, f"must not be negative, got {value.amount} {value.currency.code}")

    return validate
