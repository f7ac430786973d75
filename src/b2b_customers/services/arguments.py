"""Checks of what a caller hands a service, before the store is touched.

A service is called from an application's request handler, with whatever
arrived: an int where an id belongs, a field name misspelt. These checks turn
each into a :class:`~b2b_customers.errors.ValidationError` that names the
argument, so no ``TypeError`` or database error escapes and nothing is read
or written.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from b2b_customers.domain.values import identifier, items_of
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

__all__ = ["checked_choice", "checked_fields", "checked_id", "checked_ids", "checked_instance"]

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

_STORE_MANAGED = frozenset({"version", "created_at", "updated_at"})


def checked_id(value: T, argument: str) -> T:
    """Return ``value`` if it is a valid id.

    Raises:
        ValidationError: It is not a non-empty string of at most 64
            characters without surrounding spaces (naming ``argument``).
    """
    identifier(None, cast("attrs.Attribute[Any]", _Named(argument)), value)
    return value


def checked_ids(value: Any, argument: str) -> frozenset[Any]:  # noqa: ANN401
    """Return the ids of a collection (a list, a set) as a frozenset.

    Raises:
        ValidationError: It is a lone value (text included) or holds
            something that is not an id (naming ``argument``).
    """
    items = items_of(value)
    if items is None:
        raise ValidationError(
            f"must be a collection of ids, got {type(value).__name__}", field=argument
        )
    return frozenset(checked_id(item, argument) for item in items)


def checked_instance(value: Any, kind: type[T], argument: str) -> T:  # noqa: ANN401
    """Return ``value`` if it is a ``kind``.

    Raises:
        ValidationError: It is something else (naming ``argument``).
    """
    if not isinstance(value, kind):
        raise ValidationError(
            f"must be a {kind.__name__}, got {type(value).__name__}", field=argument
        )
    return value


def checked_choice(value: object, kind: type[E], argument: str) -> E:
    """Return ``value`` as a member of the enum ``kind`` (given as the member or its value).

    Raises:
        ValidationError: It is neither (naming ``argument`` and the choices).
    """
    try:
        return kind(value)
    except (ValueError, TypeError):
        choices = ", ".join(repr(member.value) for member in kind)
        raise ValidationError(
            f"{value!r} is not a {kind.__name__}; choose from {choices}", field=argument
        ) from None


def checked_fields(
    entity: type[Any], fields: Mapping[str, Any], *, reserved: Collection[str] = ()
) -> dict[str, Any]:
    """Return ``fields`` if each names a field of ``entity`` a caller may set.

    Args:
        entity: The attrs class the fields are for.
        fields: The extra keyword arguments a service took.
        reserved: Fields the service sets itself (besides the store's
            ``version``, ``created_at`` and ``updated_at``).

    Raises:
        ValidationError: A name is not a field of ``entity``, or one the
            caller may not set.
    """
    known = {field.name for field in attrs.fields(entity)}
    closed = _STORE_MANAGED | set(reserved)
    for name in fields:
        if name not in known:
            choices = ", ".join(sorted(known - closed))
            raise ValidationError(
                f"{entity.__name__} has no field {name!r}; choose from {choices}", field=name
            )
        if name in closed:
            raise ValidationError(
                f"is set by the library, not by the caller; leave {name!r} out", field=name
            )
    return dict(fields)


@attrs.frozen
class _Named:
    """Stands in for an attrs attribute, so the domain's validators name the argument."""

    name: str
