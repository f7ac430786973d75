"""Bulk imports: read once, checked and written batch by batch, all or nothing.

An import reads its source once, in batches of [`BATCH`][b2b_customers.services.bulk_import.BATCH],
so a large file never has to fit in memory: each batch is checked (each item on its own,
against the items before it and against the store) and, while no item so far
was bad, written at once with its side effects (automatic customer groups,
events, audit entries), batched too. After the last batch come the checks
that need every item (references, cycles). Everything happens in one unit
of work, committed only at the end: if any item is bad, the import goes on
checking (so every problem is reported, not only the first) but writes
nothing more, and the unit of work is rolled back; if a write fails, the
error names the batch's positions and nothing is written either.

A source is any iterable (a list, or an object whose ``__iter__`` reads a
file) of entities, or of [`ImportItem`][b2b_customers.services.bulk_import.ImportItem] (an entity is
item 1, 2, ... by its place). An item holds the entity, or the
[`ValidationError`][b2b_customers.ValidationError] building it raised, so that
every bad item is reported: problems come back in
[`ImportRejected`][b2b_customers.services.bulk_import.ImportRejected], each with the item's position
(a line number, say) and the field at fault.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any, Generic, Protocol, TypeAlias, TypeVar

from attrs import frozen

from b2b_customers.arguments import STREAMED, checked_instance
from b2b_customers.errors import B2BError, PermissionDenied, ValidationError
from b2b_customers.services.authorization import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Staff,
    actor_name,
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
    "ImportSource",
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
"""Told ``("importing", n)`` after each batch of ``n`` items (``"checking"`` if checking only)."""


@frozen
class ImportItem(Generic[E]):
    """One item of an import source.

    Attributes:
        position: Where it is in the source (a line number, say); problems name it.
        entity: The entity, or the error building it raised.
    """

    position: int
    entity: E | ValidationError


ImportSource: TypeAlias = Annotated[Iterable[E | ImportItem[E]], STREAMED]
"""What an import reads: entities or import items, from a list or a stream read once.

A list is checked item by item at the service boundary; any other iterable
(a file's rows) is read as the import goes (see ``STREAMED`` in
``b2b_customers.arguments``), never held whole.
"""


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
            f"{actor_name(actor)} may not import {what}: bulk imports are for the seller's staff"
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
    """Check and (unless ``check_only``) write every item of ``source``, batch by batch.

    The caller authorizes first. ``source`` is read once; see the module
    docstring for how batches are checked and written. Returns how many
    items there are.

    Raises:
        ImportRejected: Some items are bad (every problem is listed); nothing was written.
        ValidationError: ``source`` is not an iterable, ``check_only`` not a flag,
            ``progress`` not callable.
        B2BError: A write failed (the message names the batch's positions);
            nothing was written.
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
    step = "checking" if check_only else "importing"
    with context.store.unit_of_work() as uow, _collector_between_batches() as batch_done:
        count, problems = 0, list[ImportProblem]()
        for batch in _batches(source, entity):
            good = _good_items(batch, checks, problems)
            problems += checks.batch(uow, good)
            if not problems and not check_only:
                _write(uow, writes, batch, [item for _, item in good])
            count += len(batch)
            told(step, len(batch))
            batch_done()
        problems += checks.whole(uow)
        if problems:
            raise ImportRejected(problems)  # leaving the unit of work rolls back every batch
        if not check_only:
            writes.finish(uow)
            uow.commit()
    return count


COLLECT_EVERY = 20
"""How many batches an import runs between two runs of the cyclic garbage collector."""


@contextmanager
def _collector_between_batches() -> Iterator[Callable[[], None]]:
    """Run the cyclic garbage collector every `COLLECT_EVERY` batches, not all along.

    An import makes and drops many small objects per batch and keeps few;
    left to itself, the collector would walk them again and again (a fifth
    of an import's time) to find next to no garbage. Reference counting still
    frees what is dropped; the collector runs on, as before, after the import.
    """
    if not gc.isenabled():
        yield _silent_batch
        return
    batches = 0

    def batch_done() -> None:
        nonlocal batches
        batches += 1
        if batches % COLLECT_EVERY == 0:
            gc.collect()

    gc.disable()
    try:
        yield batch_done
    finally:
        gc.enable()


def _silent_batch() -> None:
    """Nothing to do after a batch."""


def _good_items(
    batch: list[ImportItem[E]], checks: ImportChecks[E], problems: list[ImportProblem]
) -> list[tuple[int, E]]:
    """Return the items of ``batch`` fine on their own; add the others' problems to ``problems``."""
    good: list[tuple[int, E]] = []
    for item in batch:
        if isinstance(item.entity, ValidationError):
            error = item.entity
            problems.append(ImportProblem(item.position, error.field, error.reason))
            continue
        found = checks.item(item.position, item.entity)
        if found:
            problems += found
        else:
            good.append((item.position, item.entity))
    return good


def _write(
    uow: UnitOfWork, writes: ImportWrites[E], batch: list[ImportItem[E]], entities: list[E]
) -> None:
    """Write a checked batch; a failure names the batch's positions (and ends the import)."""
    try:
        writes.batch(uow, entities)
    except B2BError as error:
        first, last = batch[0].position, batch[-1].position
        error.args = (f"writing items {first} to {last} failed: {error}; nothing was imported",)
        raise
    _log.info("import: wrote a batch of %d", len(entities))


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
