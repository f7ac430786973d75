"""Recording what many creations change: one event and one audit entry each.

A bulk import hands a unit of work a [`Creations`][b2b_customers.domain.creations.Creations]
(what its events share) and a [`Created`][b2b_customers.domain.creations.Created]
per aggregate. `record_creations` lets a unit of work that can write them
itself do so ([`RecordsCreations`][b2b_customers.ports.RecordsCreations]), and
otherwise records them through the [`UnitOfWork`][b2b_customers.ports.UnitOfWork]
protocol (`record_each`): either way, the same events and entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.arguments import checked_arguments
from b2b_customers.errors import ValidationError
from b2b_customers.ports import RecordsCreations
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.domain.creations import Created, Creations
    from b2b_customers.ports import UnitOfWork

__all__ = ["record_creations", "record_each"]

_CONVERTER = make_converter()


@checked_arguments
def record_creations(uow: UnitOfWork, creations: Creations, created: Sequence[Created]) -> None:
    """Record the event and audit entry of each creation in ``uow``, the fastest way it has.

    Raises:
        ValidationError: ``uow`` is not a unit of work, or a creation's ids
            or state are not valid.
        AlreadyExists: An event id is given twice, or is recorded already.
    """
    _require_unit_of_work(uow)
    if isinstance(uow, RecordsCreations):
        uow.record_creations(creations, created)
    else:
        record_each(uow, creations, created)


@checked_arguments
def record_each(uow: UnitOfWork, creations: Creations, created: Sequence[Created]) -> None:
    """Make each creation's event and audit entry, then append the entries and record the events.

    The entries go first: a store may reuse the text it wrote for an
    entry's state in the event that shares it.

    Raises:
        ValidationError: ``uow`` is not a unit of work, or a creation's ids
            or state are not valid.
        AlreadyExists: An event id is given twice, or is recorded already.
    """
    _require_unit_of_work(uow)
    changes = creations.recorded(created, _CONVERTER.unstructure)
    uow.audit.append_many(entry for _event, entry in changes)
    for event, _entry in changes:
        uow.record(event)


def _require_unit_of_work(uow: object) -> None:
    """Refuse what has no audit log to append to or no ``record`` (a unit of work has both)."""
    audit = getattr(uow, "audit", None)
    if not callable(getattr(uow, "record", None)) or not callable(
        getattr(audit, "append_many", None)
    ):
        raise ValidationError(
            f"uow must be an open unit of work (store.unit_of_work()), got {uow!r}", field="uow"
        )
