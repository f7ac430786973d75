"""The events and audit entries of many creations at once: what a bulk import records.

Recording one change builds a [`DomainEvent`][b2b_customers.domain.DomainEvent]
and an [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry] through their
constructors, which check every field. Of a batch of creations, most fields
are the same for all (the event name, the actor, the moment): a
[`Creations`][b2b_customers.domain.creations.Creations] checks those once,
when it is built, and then checks for each creation only what differs (the
event id, the aggregate's id, the company, the payload's keys). The events and
entries it makes are the very objects, with the same values, that the
constructors would make: no field goes unchecked, none is checked twice.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import attrs
from attrs import field, frozen

from b2b_customers.domain.audit import ActorKind, AuditLogEntry
from b2b_customers.domain.events import DomainEvent
from b2b_customers.domain.values import has_text_keys, identifier
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, EventId

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


__all__ = ["Aggregate", "Created", "Creations"]

T = TypeVar("T")


class Aggregate(Protocol):
    """What a creation creates: anything with an ``id`` (a company, a customer)."""

    @property
    def id(self) -> str:
        """The aggregate's id."""
        ...


@frozen
class Created:
    """One creation of a batch: what differs from the others.

    Attributes:
        event_id: The id of its event (and audit entry).
        aggregate: The aggregate created, as stored; its converter form is
            the event's payload and the audit entry's ``after``.
        company_id: The company it belongs to, if any.
    """

    event_id: EventId
    aggregate: Aggregate
    company_id: CompanyId | None


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

    def recorded(
        self, creations: Iterable[Created], state_of: Callable[[Any], Mapping[str, Any]]
    ) -> list[tuple[DomainEvent, AuditLogEntry]]:
        """Return the event and audit entry of each creation, in order.

        The event's payload and the entry's ``after`` are one read-only copy
        of ``state_of(creation.aggregate)``, the aggregate's converter form.

        Raises:
            ValidationError: A creation's ids or state are not valid (the
                message names the field, as the constructors do).
        """
        made = []
        event, entry = self._event, self._entry
        for creation in creations:
            aggregate_id = self.check(creation)
            state: object = state_of(creation.aggregate)
            if not isinstance(state, Mapping) or not has_text_keys(state):
                raise ValidationError(
                    "must be a mapping with text keys (JSON-ready)", field="payload"
                )
            payload = MappingProxyType(dict(state))
            made.append(
                (
                    _copy(
                        event,
                        id=creation.event_id,
                        aggregate_id=aggregate_id,
                        company_id=creation.company_id,
                        payload=payload,
                    ),
                    _copy(
                        entry,
                        id=creation.event_id,
                        aggregate_id=aggregate_id,
                        company_id=creation.company_id,
                        after=payload,
                    ),
                )
            )
        return made

    @staticmethod
    def check(creation: Created) -> str:
        """Check what differs between the creations of a batch, as the constructors would.

        A store that writes the events and entries without making them
        (see [`RecordsCreations`][b2b_customers.ports.RecordsCreations])
        checks each creation so. Returns the aggregate's id.

        Raises:
            ValidationError: The event id, the aggregate's id or the company
                is not a valid id (the message names the field).
        """
        if not isinstance(creation, Created):
            raise ValidationError(
                f"expected a Created, got {type(creation).__name__}", field="creations"
            )
        aggregate_id: object = getattr(creation.aggregate, "id", None)
        identifier(None, _EVENT_ID, creation.event_id)
        identifier(None, _AGGREGATE_ID, aggregate_id)
        if creation.company_id is not None:
            identifier(None, _COMPANY_ID, creation.company_id)
        return cast("str", aggregate_id)


_EVENT_ID = attrs.fields(DomainEvent).id
_AGGREGATE_ID = attrs.fields(DomainEvent).aggregate_id
_COMPANY_ID = attrs.fields(DomainEvent).company_id


def _aggregate_type(name: object) -> str:
    """The aggregate type an event name begins with (the event checks the name itself)."""
    return name.split(".", 1)[0] if isinstance(name, str) else ""


def _copy(sample: T, **changes: Any) -> T:  # noqa: ANN401  (checked field values)
    """Return a copy of a checked ``sample`` with ``changes``, each checked already.

    The constructor is not run again: every field is either the sample's
    (checked when it was built) or a change `Creations.check` checked.
    """
    kind: type = type(sample)
    copy: T = object.__new__(kind)
    for name in _names(kind):
        object.__setattr__(copy, name, changes[name] if name in changes else getattr(sample, name))
    return copy


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(attribute.name for attribute in attrs.fields(kind))
