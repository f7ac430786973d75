"""The audit log: who changed what, when, from what to what.

Every change a service makes is kept as an [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry],
written in the same unit of work as the change (so a rolled-back change leaves no
entry), and never changed or removed afterwards. An entry keeps the
aggregate's converter form before and after the change (``before`` is
``None`` when it was created, ``after`` when it was removed), so an auditor
can see exactly which fields moved.

The entry's id is the id of the domain event recorded with the change: the
outbox says what to announce, the audit log what happened, and the two can be
matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
from attrs import field, frozen

from b2b_customers.domain.values import (
    DomainEnum,
    aware_datetime,
    freeze_mapping,
    has_text_keys,
    identifier,
    optional,
    strip,
    text,
)
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, EventId

__all__ = ["ActorKind", "AuditLogEntry", "change_between"]

_ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


class ActorKind(DomainEnum):
    """What kind of actor did something: a customer, the seller's side, or the system."""

    CUSTOMER = "customer"
    SELLER = "seller"
    SYSTEM = "system"


def _action(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, str) or not _ACTION.match(value):
        raise ValidationError(
            f"must be a dotted lower-case event name such as 'company.created', got {value!r}",
            field=attribute.name,
        )


_UNTRACKED = frozenset({"updated_at"})
"""Fields left out of a change: every save moves them, and the entry has its own time."""


def change_between(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the fields of a change that differ, as the entry's ``(before, after)``.

    Both hold the same keys: each field whose converter value differs (a
    field missing on one side counts as ``None`` there), ``updated_at`` left
    out. Applying ``after`` over the aggregate's earlier state gives the new
    state, so an aggregate's entries, applied in order, rebuild it.
    """
    names = sorted(
        name
        for name in before.keys() | after.keys()
        if name not in _UNTRACKED and before.get(name) != after.get(name)
    )
    return {name: before.get(name) for name in names}, {name: after.get(name) for name in names}


def _state(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if value is None:
        return
    if not isinstance(value, Mapping) or not has_text_keys(value):
        raise ValidationError(
            "must be None or a mapping with text keys (the converter's form of the aggregate)",
            field=attribute.name,
        )


def _optional_state(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else freeze_mapping(value)


@frozen(kw_only=True)
class AuditLogEntry:
    """One change of one aggregate, as the audit log keeps it.

    Attributes:
        id: The id of the domain event recorded with the change.
        occurred_at: When the change was made (timezone-aware, from the store's clock).
        actor_id: Who made it (a customer's or a staff member's id); ``None``
            for the system.
        actor_kind: Customer, seller (staff) or system.
        action: The event name, ``"<aggregate>.<what happened>"``: ``"contact.assigned"``.
        aggregate_type: The kind of aggregate changed, ``"contact"``.
        aggregate_id: The id of the aggregate changed.
        company_id: The company the change belongs to (what per-company
            queries select by), if any.
        before: For a change, the fields that changed, as they were (see
            [`change_between`][b2b_customers.domain.audit.change_between]); for a removal, the whole
            aggregate as it was; ``None`` when the change created it.
        after: For a change, the same fields as they are now; for a
            creation, the whole aggregate; ``None`` when the change removed it.

    Raises:
        ValidationError: A field is not valid, both ``before`` and ``after``
            are ``None``, or a system entry names an actor.
    """

    id: EventId = field(converter=EventId, validator=identifier)
    occurred_at: datetime = field(validator=aware_datetime)
    actor_id: str | None = field(default=None, validator=optional(identifier))
    actor_kind: ActorKind = field(default=ActorKind.SYSTEM, converter=ActorKind)
    action: str = field(validator=_action)
    aggregate_type: str = field(converter=strip, validator=text(max_length=64))
    aggregate_id: str = field(validator=identifier)
    company_id: CompanyId | None = field(
        default=None, converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    before: Mapping[str, Any] | None = field(
        default=None, converter=_optional_state, validator=_state, hash=False
    )
    after: Mapping[str, Any] | None = field(
        default=None, converter=_optional_state, validator=_state, hash=False
    )

    def __attrs_post_init__(self) -> None:
        """Check the fields against each other."""
        if self.before is None and self.after is None:
            raise ValidationError(
                "an audit entry keeps the aggregate before or after the change (or both); "
                "both are None",
                field="after",
            )
        if (self.actor_kind is ActorKind.SYSTEM) != (self.actor_id is None):
            raise ValidationError(
                "name the actor (actor_id) for a customer or seller entry, and none for a "
                f"system entry; got actor_kind={self.actor_kind.value!r}, "
                f"actor_id={self.actor_id!r}",
                field="actor_id",
            )

    def applied_to(self, state: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """Return the aggregate's state after this entry, given its state before.

        A creation gives ``after``; a removal gives ``None``; a change lays
        the changed fields over ``state``. Applying an aggregate's entries in
        order, from ``None``, rebuilds it as the store holds it.
        """
        if self.after is None:
            return None
        if self.before is None or state is None:
            return dict(self.after)
        return {**state, **self.after}

    @property
    def changed_fields(self) -> list[str]:
        """The top-level fields whose value differs between ``before`` and ``after``, sorted."""
        before = self.before or {}
        after = self.after or {}
        return sorted(
            key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )
