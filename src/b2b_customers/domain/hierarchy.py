"""The company tree: parents, subsidiaries, and the rule that it has no cycles.

[`CompanyTree`][b2b_customers.domain.CompanyTree] answers tree questions from a mapping of each
company to its parent. Stores answer the same questions with their own queries (a
recursive CTE in SQL); this class is the plain statement of the rules that
the memory adapter, services and tests use.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from b2b_customers.domain.values import checked_id
from b2b_customers.errors import HierarchyError, ValidationError
from b2b_customers.ids import CompanyId

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping


__all__ = ["MAX_DEPTH", "CompanyTree", "ensure_acyclic", "subtree_height", "too_deep"]

MAX_DEPTH = 64
"""The deepest a company tree may be (a guard against runaway data, not a business rule)."""


def ensure_acyclic(
    company_id: CompanyId,
    new_parent_id: CompanyId | None,
    parent_of: Callable[[CompanyId], CompanyId | None],
    *,
    height: int = 1,
) -> None:
    """Refuse to put ``company_id`` under ``new_parent_id``: no cycle, no tree too deep.

    A company moves with its whole subtree, so the deepest level after the
    move is the new parent's level plus the subtree's ``height``.

    Args:
        company_id: The company being moved (or created).
        new_parent_id: Its proposed parent; ``None`` makes it a top-level company.
        parent_of: Looks up the current parent of a company.
        height: How many levels the company's subtree has, itself included
            (1 for a company without subsidiaries; see `subtree_height`).

    Raises:
        HierarchyError: ``new_parent_id`` is ``company_id`` itself or one of its
            descendants, or the resulting tree would be deeper than
            [`MAX_DEPTH`][b2b_customers.domain.MAX_DEPTH].
        ValidationError: An id is not one, ``parent_of`` cannot be called,
            or ``height`` is not a whole number of at least 1.
    """
    checked_id(company_id, "company_id")
    if new_parent_id is not None:
        checked_id(new_parent_id, "new_parent_id")
    if not callable(parent_of):
        raise ValidationError(
            f"parent_of must look up a company's parent (a callable), got {parent_of!r}",
            field="parent_of",
        )
    if not _is_level_count(height):
        raise ValidationError(
            f"height must be a whole number of at least 1, got {height!r}", field="height"
        )
    depth = height
    if depth > MAX_DEPTH:
        raise _deeper(company_id, new_parent_id, height)
    current = new_parent_id
    while current is not None:
        if current == company_id:
            raise HierarchyError(
                f"company {company_id!r} cannot be placed under {new_parent_id!r}: "
                f"{new_parent_id!r} is {company_id!r} itself or one of its subsidiaries. "
                "Choose a parent outside its subtree.",
                field="parent_id",
            )
        depth += 1
        if depth > MAX_DEPTH:
            raise _deeper(company_id, new_parent_id, height)
        current = parent_of(current)


def _is_level_count(value: object) -> bool:
    """Whether ``value`` is a whole number of levels (not a ``bool``), at least 1."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _deeper(company_id: CompanyId, new_parent_id: CompanyId | None, height: int) -> HierarchyError:
    levels = "1 level" if height == 1 else f"{height} levels, its subsidiaries included"
    return HierarchyError(
        f"placing company {company_id!r} ({levels}) under {new_parent_id!r} makes the tree "
        f"deeper than {MAX_DEPTH} levels; choose a parent nearer the top",
        field="parent_id",
    )


def subtree_height(
    company_id: CompanyId, children_of: Callable[[CompanyId], Iterable[CompanyId]]
) -> int:
    """Return how many levels the subtree of ``company_id`` has, itself included.

    Counting stops past [`MAX_DEPTH`][b2b_customers.domain.MAX_DEPTH] (so damaged data that loops
    ends), which is enough for [`ensure_acyclic`][b2b_customers.domain.ensure_acyclic] to refuse the
    move.

    Args:
        company_id: The top of the subtree.
        children_of: Looks up the direct subsidiaries of a company.
    """
    height = 0
    level = [company_id]
    while level and height <= MAX_DEPTH:
        height += 1
        level = [child for parent in level for child in children_of(parent)]
    return height


def too_deep(company_id: CompanyId) -> HierarchyError:
    """Return the error for a stored tree deeper than `MAX_DEPTH` above or below a company.

    Moves and inserts never build one; a store that finds one says so rather
    than answering with part of the tree.
    """
    return HierarchyError(
        f"the company tree around {company_id!r} is deeper than {MAX_DEPTH} levels or loops: "
        "the stored tree is damaged; move companies nearer the top (set their parent_id)",
        field="parent_id",
    )


class CompanyTree:
    """A read-only view of the company tree, built from each company's parent.

    Ids may be given as plain ``str``; the tree answers with ``CompanyId``.

    Args:
        parents: Every company id mapped to its parent id (``None`` at the top).
    """

    def __init__(
        self, parents: Mapping[CompanyId, CompanyId | None] | Mapping[str, str | None]
    ) -> None:
        # Keyed by plain text, which a CompanyId is at run time, so str ids look up too.
        self._parents: dict[str, CompanyId | None] = {
            child: None if parent is None else CompanyId(parent)
            for child, parent in parents.items()
        }
        self._children: defaultdict[str, list[CompanyId]] = defaultdict(list)
        for child, parent in self._parents.items():
            if parent is not None:
                self._children[parent].append(CompanyId(child))
        for children in self._children.values():
            children.sort()

    def __contains__(self, company_id: object) -> bool:
        return company_id in self._parents

    def parent(self, company_id: CompanyId | str) -> CompanyId | None:
        """Return the parent of ``company_id`` (``None`` for a top-level company)."""
        return self._parents.get(company_id)

    def children(self, company_id: CompanyId | str) -> list[CompanyId]:
        """Return the direct subsidiaries of ``company_id``, sorted by id."""
        return list(self._children.get(company_id, ()))

    def ancestors(self, company_id: CompanyId | str) -> list[CompanyId]:
        """Return the parent, grandparent, ... of ``company_id``, nearest first.

        Raises:
            HierarchyError: The chain is longer than [`MAX_DEPTH`][b2b_customers.domain.MAX_DEPTH]
                or loops.
        """
        result: list[CompanyId] = []
        current = self._parents.get(company_id)
        while current is not None:
            if len(result) >= MAX_DEPTH:
                raise too_deep(CompanyId(company_id))
            result.append(current)
            current = self._parents.get(current)
        return result

    def descendants(self, company_id: CompanyId | str) -> list[CompanyId]:
        """Return every company below ``company_id``: nearest levels first, by id within a level.

        Raises:
            HierarchyError: The subtree is deeper than [`MAX_DEPTH`][b2b_customers.domain.MAX_DEPTH]
                levels or loops.
        """
        return list(self._walk(company_id))[1:]

    def subtree(self, company_id: CompanyId | str) -> list[CompanyId]:
        """Return ``company_id`` followed by all its descendants."""
        return list(self._walk(company_id))

    def root(self, company_id: CompanyId | str) -> CompanyId:
        """Return the top-level company of the tree ``company_id`` belongs to."""
        ancestors = self.ancestors(company_id)
        return ancestors[-1] if ancestors else CompanyId(company_id)

    def depth(self, company_id: CompanyId | str) -> int:
        """Return how many ancestors ``company_id`` has (0 at the top)."""
        return len(self.ancestors(company_id))

    def is_within(self, company_id: CompanyId | str, ancestor_id: CompanyId | str) -> bool:
        """Tell whether ``company_id`` is ``ancestor_id`` or lies below it."""
        return company_id == ancestor_id or ancestor_id in self.ancestors(company_id)

    def height(self, company_id: CompanyId | str) -> int:
        """Return how many levels the subtree of ``company_id`` has; see `subtree_height`."""
        return subtree_height(CompanyId(company_id), self.children)

    def ensure_can_move(
        self, company_id: CompanyId | str, new_parent_id: CompanyId | str | None
    ) -> None:
        """Refuse a move that would make a cycle or too deep a tree; see `ensure_acyclic`."""
        ensure_acyclic(
            CompanyId(company_id),
            None if new_parent_id is None else CompanyId(new_parent_id),
            self.parent,
            height=self.height(company_id),
        )

    def _walk(self, company_id: CompanyId | str) -> Iterator[CompanyId]:
        level = [CompanyId(company_id)]
        for _ in range(MAX_DEPTH):
            yield from level
            level = sorted(child for parent in level for child in self._children.get(parent, ()))
            if not level:
                return
        raise too_deep(CompanyId(company_id))
