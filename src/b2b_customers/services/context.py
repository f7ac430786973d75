"""What every service shares: the store, the clock, the id generator, and how an event is made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import frozen

from b2b_customers.arguments import checked_id
from b2b_customers.domain import ActorKind, AuditLogEntry, DomainEvent
from b2b_customers.domain.audit import change_between
from b2b_customers.domain.creations import Created, Creations
from b2b_customers.ids import CompanyId, EventId
from b2b_customers.ports import IdGenerator, Store
from b2b_customers.recording import record_creations
from b2b_customers.serialization import make_converter
from b2b_customers.services.authorization import (
    Actor,
    Permission,
    Staff,
    StoredActor,
    actor_id,
    checked_actor,
    current_actor,
)
from b2b_customers.services.visibility import require_visible

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from decimal import Decimal

    from b2b_customers.credit import CreditAccount
    from b2b_customers.credit.ledger import LedgerEntry
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

    def resolve_actor(self, actor: Actor) -> StoredActor:
        """Return ``actor`` with a customer's id read from the store: the customer as stored now.

        Services call it at their boundary (`checks_arguments`) for an actor
        given as an id; staff and customer objects come back as given (the
        call checks them again, as stored now, in its own unit of work).

        Raises:
            ValidationError: ``actor`` is no actor (nor a valid id).
            PermissionDenied: ``actor`` is an id that names no stored customer.
        """
        checked = checked_actor(actor)
        if not isinstance(checked, str):
            return checked
        with self.store.unit_of_work() as uow:
            return current_actor(uow, checked)

    def authorize(
        self,
        uow: UnitOfWork,
        actor: Actor,
        permission: Permission,
        company_id: CompanyId,
        *,
        argument: str = "company_id",
        ancestors: Sequence[CompanyId] | None = None,
        stored: StoredActor | None = None,
    ) -> None:
        """Refuse (before anything else is read) unless ``actor`` may act for the company.

        Args:
            uow: The open unit of work.
            actor: Who acts.
            permission: What they do.
            company_id: For which company.
            argument: The service's name for ``company_id``, for error messages.
            ancestors: The company's ancestors' ids, nearest first, when the
                use case read them already (they are read otherwise).
            stored: The actor as this unit of work read it from the store,
                when the use case read them already (read otherwise).

        Raises:
            ValidationError: The actor is not one, or ``company_id`` is not an id.
            NotFound: The company does not exist, or the actor (as stored
                now) does not see it: the same answer, so that no one learns
                which ids exist.
            PermissionDenied: The actor sees the company but may not.
        """
        checked_actor(actor)
        checked_id(company_id, argument)
        # The actor as stored now; what the use case read already is not read again.
        require_visible(uow, actor, permission, company_id, ancestors=ancestors, stored=stored)

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
        aggregate_id: str | None = None,
    ) -> DomainEvent:
        """Record a change: a domain event in the outbox and an entry in the audit log.

        Both say what changed, not a copy of the whole aggregate: the audit
        entry of a change holds, in ``before`` and ``after``, only the fields
        that changed (see [`change_between`][b2b_customers.domain.audit.change_between];
        ``version`` among them, so each
        entry follows on from the one before), of a creation the new
        aggregate, of a removal the one removed.

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
            payload: The event's data. When omitted: the converter's dict of
                a created ``entity``; for a change, its id and the fields that
                changed (their new values); for a removal, its id.
            aggregate_id: The aggregate's key, for one keyed otherwise than
                by ``id`` (payment terms: the key of their code).

        Raises:
            AlreadyExists: The id generator gave an id the outbox or audit log holds.
        """
        key: str = entity.id if aggregate_id is None else aggregate_id
        after = _CONVERTER.unstructure(entity)
        audit_before: dict[str, Any] | None = None
        audit_after: dict[str, Any] | None = after
        summary = after
        if removed:
            audit_before = _CONVERTER.unstructure(before if before is not None else entity)
            audit_after, summary = None, {"id": key}
        elif before is not None:
            audit_before, audit_after = change_between(_CONVERTER.unstructure(before), after)
            summary = {"id": key, **audit_after}
        return self._append(
            uow,
            name,
            key,
            actor=actor,
            company_id=company_id,
            payload=payload if payload is not None else summary,
            before=audit_before,
            after=audit_after,
        )

    def record_booking(
        self,
        uow: UnitOfWork,
        name: str,
        account: CreditAccount,
        entry: LedgerEntry,
        *,
        actor: Actor,
        company_id: CompanyId | None,
    ) -> DomainEvent:
        """Record a booked ledger entry: what moved (the entry) and the account's new totals.

        The event and the audit entry carry the change, never a copy of the
        account: their size is the same for the first order on a line and
        the thousandth. The audit entry's ``before`` and ``after`` hold the
        totals the entry moved (``balance``, ``reserved``, ``last_sequence``).
        """
        after = _totals(account.balance.amount, account.reserved.amount, account.last_sequence)
        before = _totals(
            account.balance.amount - entry.balance_change,
            account.reserved.amount - entry.reserved_change,
            entry.sequence - 1,
        )
        payload = {
            "account_id": account.id,
            "entry": _CONVERTER.unstructure(entry),
            **after,
            "available": str(account.available.amount),
            "currency": account.currency,
        }
        return self._append(
            uow,
            name,
            account.id,
            actor=actor,
            company_id=company_id,
            payload=payload,
            before=before,
            after=after,
        )

    def record_many(
        self,
        uow: UnitOfWork,
        name: str,
        entities: Iterable[Any],
        *,
        actor: Actor,
        company_of: Callable[[Any], CompanyId | None],
    ) -> None:
        """Record the creation of many entities: one event and one audit entry each, in batches.

        The events and entries are those `record` makes for each created entity,
        at one moment (one reading of the clock for the batch); the fields they
        share are checked once (see [`Creations`][b2b_customers.domain.creations.Creations]),
        and a unit of work that writes them itself does
        (see [`record_creations`][b2b_customers.recording.record_creations]).

        Args:
            uow: The open unit of work the entities were stored in.
            name: The events' name, such as ``"company.created"``.
            entities: The entities created, as stored.
            actor: Who created them.
            company_of: The company each entity's change belongs to.

        Raises:
            AlreadyExists: The id generator gave an id the outbox or audit log holds.
        """
        creations = Creations(
            name=name,
            occurred_at=self.clock.now(),
            actor_id=actor_id(actor),
            actor_kind=_kind_of(actor),
        )
        record_creations(
            uow,
            creations,
            [Created(EventId(self.ids()), entity, company_of(entity)) for entity in entities],
        )

    def _append(
        self,
        uow: UnitOfWork,
        name: str,
        aggregate_id: str,
        *,
        actor: Actor,
        company_id: CompanyId | None,
        payload: dict[str, Any],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> DomainEvent:
        """Write the event to the outbox and its audit entry, in ``uow``."""
        event, entry = self._change(
            name,
            aggregate_id,
            actor=actor,
            company_id=company_id,
            payload=payload,
            before=before,
            after=after,
        )
        uow.record(event)
        uow.audit.append(entry)
        return event

    def _change(
        self,
        name: str,
        aggregate_id: str,
        *,
        actor: Actor,
        company_id: CompanyId | None,
        payload: dict[str, Any],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> tuple[DomainEvent, AuditLogEntry]:
        """Return the event and the audit entry of one change."""
        event = DomainEvent(
            id=EventId(self.ids()),
            name=name,
            aggregate_type=name.split(".", 1)[0],
            aggregate_id=aggregate_id,
            occurred_at=self.clock.now(),
            company_id=company_id,
            actor=actor_id(actor),
            payload=payload,
        )
        entry = AuditLogEntry(
            id=event.id,
            occurred_at=event.occurred_at,
            actor_id=actor_id(actor),
            actor_kind=_kind_of(actor),
            action=name,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            company_id=company_id,
            before=before,
            after=after,
        )
        return event, entry


def _kind_of(actor: Actor) -> ActorKind:
    return ActorKind.SELLER if isinstance(actor, Staff) else ActorKind.CUSTOMER


def _totals(balance: Decimal, reserved: Decimal, last_sequence: int) -> dict[str, Any]:
    return {"balance": str(balance), "reserved": str(reserved), "last_sequence": last_sequence}
