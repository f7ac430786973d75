"""The events and audit entries of many creations at once: what a bulk import records.

Recording one change builds a [`DomainEvent`][b2b_customers.domain.DomainEvent]
and an [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry] through their
constructors, which check every field. Of a batch of creations, most fields
are the same for all (the event name, the actor, the moment): a
[`Creations`][b2b_customers.domain.creations.Creations] checks those once,
when it is built, and then checks for each creation only what differs (the
event id, the aggregate id, the company, the payload's keys). The events and
entries it makes are the very objects, with the same values, that the
constructors would make: no field goes unchecked, none is checked twice.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from attrs import field, frozen

from b2b_customers.domain.audit import ActorKind, AuditLogEntry
from b2b_customers.domain.events import DomainEvent
from b2b_customers.domain.values import has_text_keys, identifier
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, EventId

if TYPE_CHECKING:
    from collections.abc import Iterable


__all__ = ["Created", "Creations"]

T = TypeVar("T")


@frozen
class Created:
    """One creation of a batch: what differs from the others.

    Attributes:
        event_id: The id of its event (and audit entry).
        aggregate_id: The id of the aggregate created.
        company_id: The company it belongs to, if any.
        state: The converter's form of the aggregate created: the event's
            payload and the audit entry's ``after`` (JSON-ready, text keys).
    """

    event_id: EventId
    aggregate_id: str
    company_id: CompanyId | None
    state: Mapping[str, Any]


@frozen(kw_only=True)
class Creations:
    """Many aggregates of one kind created by one actor at one moment.

    Building it checks the fields its events and entries share, through a
    sample event and entry (the constructors' own checks and messages).

    Attributes:
        name: The events' name, such as ``"company.created"``.
        occurred_at: When (timezone-aware).
        actor_id: Who created them (``None``: the system).
        actor_kind: Customer, seller or system.

    Raises:
        ValidationError: A shared field is not valid.
    """

    name: str
    occurred_at: datetime
    actor_id: str | None
    actor_kind: ActorKind = field(converter=ActorKind)
    _event: DomainEvent = field(init=False, repr=False, eq=False)
    _entry: AuditLogEntry = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        """Check the shared fields once, as the constructors do."""
        sample = {"created": True}
        event = DomainEvent(
            id="sample",
            name=self.name,
            aggregate_type=_aggregate_type(self.name),
            aggregate_id="sample",
            occurred_at=self.occurred_at,
            actor=self.actor_id,
            payload=sample,
        )
        entry = AuditLogEntry(
            id="sample",
            occurred_at=self.occurred_at,
            actor_id=self.actor_id,
            actor_kind=self.actor_kind,
            action=self.name,
            aggregate_type=event.aggregate_type,
            aggregate_id="sample",
            after=sample,
        )
        object.__setattr__(self, "_event", event)
        object.__setattr__(self, "_entry", entry)

    def recorded(self, creations: Iterable[Created]) -> list[tuple[DomainEvent, AuditLogEntry]]:
        """Return the event and audit entry of each creation, in order.

        The event's payload and the entry's ``after`` are one read-only copy
        of the creation's ``state``.

        Raises:
            ValidationError: A creation's ids or state are not valid (the
                message names the field, as the constructors do).
        """
        made = []
        event, entry = self._event, self._entry
        for creation in creations:
            _check(creation)
            state = MappingProxyType(dict(creation.state))
            made.append(
                (
                    _copy(
                        event,
                        id=creation.event_id,
                        aggregate_id=creation.aggregate_id,
                        company_id=creation.company_id,
                        payload=state,
                    ),
                    _copy(
                        entry,
                        id=creation.event_id,
                        aggregate_id=creation.aggregate_id,
                        company_id=creation.company_id,
                        after=state,
                    ),
                )
            )
        return made


_EVENT_ID = attrs.fields(DomainEvent).id
_AGGREGATE_ID = attrs.fields(DomainEvent).aggregate_id
_COMPANY_ID = attrs.fields(DomainEvent).company_id
_PAYLOAD = attrs.fields(DomainEvent).payload


def _aggregate_type(name: object) -> str:
    """The aggregate type an event name begins with (the event checks the name itself)."""
    return name.split(".", 1)[0] if isinstance(name, str) else ""


def _check(creation: Created) -> None:
    """Check what differs between the creations of a batch, as the constructors would."""
    identifier(None, _EVENT_ID, creation.event_id)
    identifier(None, _AGGREGATE_ID, creation.aggregate_id)
    if creation.company_id is not None:
        identifier(None, _COMPANY_ID, creation.company_id)
    state: object = creation.state
    if not isinstance(state, Mapping) or not has_text_keys(state):
        raise ValidationError("must be a mapping with text keys (JSON-ready)", field="payload")


def _copy(sample: T, **changes: Any) -> T:  # noqa: ANN401  (checked field values)
    """Return a copy of a checked ``sample`` with ``changes``, each checked already.

    The constructor is not run again: every field is either the sample's
    (checked when it was built) or a change `_check` checked.
    """
    kind: type = type(sample)
    copy: T = object.__new__(kind)
    for name in _names(kind):
        object.__setattr__(copy, name, changes[name] if name in changes else getattr(sample, name))
    return copy


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(attribute.name for attribute in attrs.fields(kind))
