"""Fields a caller passes by name to a service: checked against the entity, never a TypeError.

Services that take ``**fields`` (add a location, update one) build or change
an attrs entity with them. A misspelt field, or one the store owns (id,
company, version, timestamps), is refused with a
[`ValidationError`][b2b_customers.ValidationError] naming the fields that may be
given, before anything is read or written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from attrs import AttrsInstance

__all__ = ["STORE_OWNED", "check_fields", "evolved"]

T = TypeVar("T", bound="AttrsInstance")

STORE_OWNED = frozenset({"id", "version", "created_at", "updated_at"})
"""Fields the store (or the service) sets: never given by a caller."""


def check_fields(cls: type[Any], given: Collection[str], *, fixed: Collection[str] = ()) -> None:
    """Refuse fields ``cls`` does not have, the store's own, and those in ``fixed``.

    Args:
        cls: An attrs class.
        given: The names the caller passed.
        fixed: Further names the caller may not pass here (the service sets them).

    Raises:
        ValidationError: Naming the refused fields and the ones that may be given.
    """
    known = {attribute.name for attribute in attrs.fields(cls)}
    refused = set(STORE_OWNED) | set(fixed)
    wrong = sorted(name for name in given if name not in known or name in refused)
    if wrong:
        allowed = ", ".join(sorted(known - refused))
        raise ValidationError(
            f"{cls.__name__} has no field you may set named {', '.join(map(repr, wrong))}; "
            f"give any of: {allowed}",
            field=wrong[0],
        )


def evolved(entity: T, changes: Mapping[str, Any], *, fixed: Collection[str] = ()) -> T:
    """Return ``entity`` with ``changes`` applied, after `check_fields`.

    Raises:
        ValidationError: A field may not be changed, or a new value is not valid.
    """
    check_fields(type(entity), changes, fixed=fixed)
    return attrs.evolve(entity, **changes)  # type: ignore[misc]  # the plugin misses the bound
