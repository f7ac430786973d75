"""Bulk imports: every item checked first, then written in batches, all or nothing.

An import reads its source twice, so a large file never has to fit in
memory: once to check every item (each on its own, against the other items
and against the store) and, only if no item is bad, once more to write them
in batches of [`BATCH`][b2b_customers.services.bulk_import.BATCH], with their side effects
(automatic customer groups, events, audit entries) batched too. Both passes run in one unit of
work: if anything fails, nothing is written.

A source is any iterable that can be iterated again (a list, or an object
whose ``__iter__`` reads the file anew) of entities, or of
[`ImportItem`][b2b_customers.services.bulk_import.ImportItem] (an entity is item 1, 2, ... by its
place). An item holds the entity, or the [`ValidationError`][b2b_customers.ValidationError] building
it raised, so that every bad item is reported, not only the first: problems come
back in [`ImportRejected`][b2b_customers.services.bulk_import.ImportRejected], each with the item's
position (a line number, say) and the field at fault.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from itertools import islice
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from attrs import frozen

from b2b_customers.errors import PermissionDenied, ValidationError
from b2b_customers.services.arguments import checked_instance
from b2b_customers.services.authorization import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Staff,
    checked_actor,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = [
    "BATCH",
    "ImportChecks",
    "ImportItem",
    "ImportProblem",
    "ImportProgress",
    "ImportRejected",
    "ImportWrites",
    "first_seen",
    "require_staff",
    "run_import",
    "stored_already",
]

E = TypeVar("E")
E_contra = TypeVar("E_contra", contravariant=True)

_log = logging.getLogger(__name__)

BATCH = 1000
"""How many items are checked against the store, and written, at a time."""

ImportProgress = Callable[[str, int], None]
"""Told ``("checking", n)`` or ``("writing", n)`` after every batch of ``n`` items."""


@frozen
class ImportItem(Generic[E]):
    """One item of an import source.

    Attributes:
        position: Where it is in the source (a line number, say); problems name it.
        entity: The entity, or the error building it raised.
    """

    position: int
    entity: E | ValidationError


@frozen
class ImportProblem:
    """Why one item cannot be imported.

    Attributes:
        position: The item's position in the source.
        field: The field at fault, when the problem is tied to one.
        reason: What is wrong and what would be right.
    """

    position: int
    field: str | None
    reason: str


class ImportRejected(ValidationError):
    """Some items of an import are bad; nothing was imported.

    Attributes:
        problems: Every problem found, by position.
    """

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda problem: problem.position))
        items = len({problem.position for problem in self.problems})
        super().__init__(
            f"{items} bad item{'s' if items != 1 else ''}; nothing was imported. "
            "Fix them and import the whole source again"
        )


class ImportChecks(Protocol[E_contra]):
    """The checks of one kind of import (one object per import: it remembers what it saw)."""

    def item(self, position: int, entity: E_contra) -> list[ImportProblem]:
        """Check one item against those seen before it (and remember it)."""
        ...

    def batch(self, uow: UnitOfWork, items: Sequence[tuple[int, E_contra]]) -> list[ImportProblem]:
        """Check a batch of items against the store."""
        ...

    def whole(self, uow: UnitOfWork) -> list[ImportProblem]:
        """Check what needs every item seen: references, cycles."""
        ...


class ImportWrites(Protocol[E_contra]):
    """The writes of one kind of import."""

    def batch(self, uow: UnitOfWork, entities: Sequence[E_contra]) -> None:
        """Write a batch of checked entities, with their side effects."""
        ...

    def finish(self, uow: UnitOfWork) -> None:
        """Write what waits for the last batch."""
        ...


def require_staff(actor: Actor, permission: Permission, what: str) -> None:
    """Refuse unless ``actor`` is staff whose roles allow ``permission`` for every company.

    Raises:
        ValidationError: ``actor`` is no actor.
        PermissionDenied: It is a customer, or staff without the permission.
    """
    checked_actor(actor)
    if not isinstance(actor, Staff):
        raise PermissionDenied(
            f"{actor.display_name} may not import {what}: bulk imports are for the seller's staff"
        )
    if not any(permission in ROLE_PERMISSIONS[role] for role in actor.roles):
        raise PermissionDenied(
            f"{actor.name} may not import {what}: that needs the "
            f"{permission.value.replace('_', ' ')} permission; ask an administrator"
        )


def run_import(
    context: ServiceContext,
    source: Iterable[ImportItem[E] | E],
    checks: ImportChecks[E],
    writes: ImportWrites[E],
    *,
    entity: type[E],
    check_only: bool = False,
    progress: ImportProgress | None = None,
) -> int:
    """Check every item of ``source``, then (unless ``check_only``) write them all.

    The caller authorizes first. Returns how many items there are.

    Raises:
        ImportRejected: Some items are bad (every problem is listed); nothing was written.
        ValidationError: ``source`` is not an iterable, ``check_only`` not a flag,
            ``progress`` not callable.
        StorageError: The store failed; nothing was written.
    """
    if isinstance(source, str | bytes | Mapping) or not isinstance(source, Iterable):
        raise ValidationError(
            f"give the items as a list (or another iterable) of {entity.__name__} or "
            f"ImportItem, got {type(source).__name__}",
            field="items",
        )
    checked_instance(check_only, bool, "check_only")
    if progress is not None and not callable(progress):
        raise ValidationError("progress is a function of (step, count), or None", field="progress")
    told = progress or _silent
    with context.store.unit_of_work() as uow:
        count, problems = 0, []
        for batch in _batches(source, entity):
            good: list[tuple[int, E]] = []
            for item in batch:
                if isinstance(item.entity, ValidationError):
                    error = item.entity
                    problems.append(ImportProblem(item.position, error.field, error.reason))
                else:
                    problems += checks.item(item.position, item.entity)
                    good.append((item.position, item.entity))
            problems += checks.batch(uow, good)
            count += len(batch)
            told("checking", len(batch))
        problems += checks.whole(uow)
        if problems:
            raise ImportRejected(problems)
        if check_only:
            return count
        for batch in _batches(source, entity):
            writes.batch(uow, [_checked(item) for item in batch])
            _log.info("import: wrote a batch of %d", len(batch))
            told("writing", len(batch))
        writes.finish(uow)
        uow.commit()
    return count


def _checked(item: ImportItem[E]) -> E:
    if isinstance(item.entity, ValidationError):
        raise ValidationError(
            f"item {item.position} was fine when checked and is not now ({item.entity.reason}); "
            "the source changed during the import: import it again"
        )
    return item.entity


def _batches(source: Iterable[ImportItem[E] | E], entity: type[E]) -> Iterator[list[ImportItem[E]]]:
    items = (_item(number, item, entity) for number, item in enumerate(source, start=1))
    while batch := list(islice(items, BATCH)):
        yield batch


def _item(number: int, item: object, entity: type[E]) -> ImportItem[E]:
    """The item at ``number`` of a source, as an `ImportItem` (an error if it is neither)."""
    if isinstance(item, ImportItem):
        if isinstance(item.entity, entity | ValidationError) and isinstance(item.position, int):
            return item
        item = item.entity
    if isinstance(item, entity):
        return ImportItem(number, item)
    return ImportItem(
        number,
        ValidationError(f"expected a {entity.__name__}, got {type(item).__name__}"),
    )


def _silent(_step: str, _count: int) -> None:
    """Progress that nobody watches."""


def stored_already(
    items: Sequence[tuple[int, Any]], stored: AbstractSet[str], what: str
) -> list[ImportProblem]:
    """Report the items whose id the store holds already.

    Args:
        items: The positions and entities of a batch.
        stored: The ids of the batch the store holds.
        what: One entity in words (``"company"``).
    """
    return [
        ImportProblem(position, "id", f"a {what} with id {entity.id!r} exists already")
        for position, entity in items
        if entity.id in stored
    ]


def first_seen(
    seen: dict[object, int],
    key: object,
    position: int,
    field: str,
    what: str,
    *,
    unit: str = "item",
) -> list[ImportProblem]:
    """Report ``key`` if an earlier item had it; else remember it.

    Args:
        seen: The position of the first item with each key.
        key: This item's key (``None``: it has none).
        position: This item's position.
        field: The field the key is in.
        what: The key in words (``"the id"``).
        unit: What a position counts (``"item"``, ``"line"``).
    """
    if key is None:
        return []
    first = seen.setdefault(key, position)
    if first == position:
        return []
    return [
        ImportProblem(
            position,
            field,
            f"{what} {key!r} is on {unit} {first} already; each {unit} needs its own",
        )
    ]
