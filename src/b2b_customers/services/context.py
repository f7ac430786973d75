"""What every service shares: the store, the clock, the id generator, and how an event is made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import frozen

from b2b_customers.domain import ActorKind, AuditLogEntry, DomainEvent
from b2b_customers.ids import CompanyId, EventId
from b2b_customers.ports import IdGenerator, Store
from b2b_customers.serialization import make_converter
from b2b_customers.services.arguments import checked_id
from b2b_customers.services.authorization import Actor, Permission, Staff, checked_actor, require

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from b2b_customers.ports import Clock, UnitOfWork

__all__ = ["ServiceContext"]

_CONVERTER = make_converter()


@frozen
class ServiceContext:
    """The infrastructure a service works with.

    Attributes:
        store: Where the data lives.
        ids: Mints ids for new entities and events.
    """

    store: Store
    ids: IdGenerator

    @property
    def clock(self) -> Clock:
        """The store's clock: every service reads the time from it."""
        return self.store.clock

    def authorize(
        self,
        uow: UnitOfWork,
        actor: Actor,
        permission: Permission,
        company_id: CompanyId,
        *,
        argument: str = "company_id",
    ) -> None:
        """Refuse (before anything else is read) unless ``actor`` may act for the company.

        Args:
            uow: The open unit of work.
            actor: Who acts.
            permission: What they do.
            company_id: For which company.
            argument: The service's name for ``company_id``, for error messages.

        Raises:
            ValidationError: The actor is not one, or ``company_id`` is not an id.
            NotFound: The company does not exist.
            PermissionDenied: The actor may not.
        """
        checked_actor(actor)
        checked_id(company_id, argument)
        ancestors = [company.id for company in uow.companies.ancestors(company_id)]
        require(actor, permission, company_id, ancestors)

    def record(
        self,
        uow: UnitOfWork,
        name: str,
        entity: Any,  # noqa: ANN401  (any aggregate with an id)
        *,
        actor: Actor,
        company_id: CompanyId | None,
        before: Any = None,  # noqa: ANN401  (the aggregate before the change)
        removed: bool = False,
        payload: dict[str, Any] | None = None,
    ) -> DomainEvent:
        """Record a change: a domain event in the outbox and an entry in the audit log.

        Both are written in ``uow``, with the change: they are committed with
        it or rolled back with it. The audit entry has the event's id.

        Args:
            uow: The open unit of work the change was made in.
            name: The event's name, ``"<aggregate>.<what happened>"``.
            entity: The aggregate after the change (the one removed, for a removal).
            actor: Who made the change.
            company_id: The company the change belongs to (for visibility
                and per-company queries), if any.
            before: The aggregate before the change; ``None`` when it was
                created. Services always pass it: the audit log keeps
                before -> after.
            removed: The change removed ``entity``: the audit entry keeps
                no ``after``.
            payload: The event's data; the converter's dict of ``entity``
                when omitted.

        Raises:
            AlreadyExists: The id generator gave an id the outbox or audit log holds.
        """
        event, entry = self._change(
            name,
            entity,
            actor=actor,
            company_id=company_id,
            before=before,
            removed=removed,
            payload=payload,
        )
        uow.record(event)
        uow.audit.append(entry)
        return event

    def record_many(
        self,
        uow: UnitOfWork,
        name: str,
        entities: Iterable[Any],
        *,
        actor: Actor,
        company_of: Callable[[Any], CompanyId | None],
    ) -> list[DomainEvent]:
        """Record the creation of many entities: one event each, and the audit entries in one batch.

        The events and entries are those :meth:`record` makes for each entity.

        Args:
            uow: The open unit of work the entities were stored in.
            name: The events' name, such as ``"company.created"``.
            entities: The entities created.
            actor: Who created them.
            company_of: The company each entity's change belongs to.

        Raises:
            AlreadyExists: The id generator gave an id the outbox or audit log holds.
        """
        changes = [
            self._change(name, entity, actor=actor, company_id=company_of(entity))
            for entity in entities
        ]
        for event, _entry in changes:
            uow.record(event)
        uow.audit.append_many(entry for _event, entry in changes)
        return [event for event, _entry in changes]

    def _change(
        self,
        name: str,
        entity: Any,  # noqa: ANN401  (any aggregate with an id)
        *,
        actor: Actor,
        company_id: CompanyId | None,
        before: Any = None,  # noqa: ANN401  (the aggregate before the change)
        removed: bool = False,
        payload: dict[str, Any] | None = None,
    ) -> tuple[DomainEvent, AuditLogEntry]:
        """Return the event and the audit entry of one change (see :meth:`record`)."""
        after = _CONVERTER.unstructure(entity)
        event = DomainEvent(
            id=EventId(self.ids()),
            name=name,
            aggregate_type=name.split(".", 1)[0],
            aggregate_id=entity.id,
            occurred_at=self.clock.now(),
            company_id=company_id,
            actor=actor.id,
            payload=payload if payload is not None else after,
        )
        entry = AuditLogEntry(
            id=event.id,
            occurred_at=event.occurred_at,
            actor_id=actor.id,
            actor_kind=ActorKind.SELLER if isinstance(actor, Staff) else ActorKind.CUSTOMER,
            action=name,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            company_id=company_id,
            before=None if before is None else _CONVERTER.unstructure(before),
            after=None if removed else after,
        )
        return event, entry
