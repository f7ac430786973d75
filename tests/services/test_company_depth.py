"""The company tree never grows deeper than MAX_DEPTH, and a read never cuts it short.

A company moves with its whole subtree, so a move is refused when the new
parent's level plus the subtree's height passes `MAX_DEPTH`, on every
store. A tree that is deeper anyway (damaged data) makes ``ancestors`` and
``descendants`` raise rather than answer with part of it.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest
import sqlalchemy

from b2b_customers.adapters.sql.tables import companies
from b2b_customers.domain import MAX_DEPTH, CompanyTree, Role
from b2b_customers.errors import HierarchyError
from b2b_customers.ids import CompanyId
from tests.services.world import ADMINISTRATOR, REP

if TYPE_CHECKING:
    from b2b_customers.app import App

CHAIN = 40
"""Companies in each of the two chains: together deeper than MAX_DEPTH."""


def chain(app: App, prefix: str, length: int = CHAIN) -> list[CompanyId]:
    """Build ``prefix0`` > ``prefix1`` > ... (``length`` levels); return the ids, top first."""
    ids = [CompanyId(f"{prefix}{level}") for level in range(length)]
    app.companies.onboard(actor=REP, id=ids[0], name=f"{prefix} top", currency="EUR")
    for parent, child in itertools.pairwise(ids):
        app.companies.add_subsidiary(actor=REP, id=child, parent=parent, name=f"{child} GmbH")
    return ids


def ancestor_ids(app: App, company: CompanyId) -> list[CompanyId]:
    with app.store.unit_of_work() as uow:
        return [ancestor.id for ancestor in uow.companies.ancestors(company)]


@pytest.fixture
def two_chains(app: App) -> tuple[list[CompanyId], list[CompanyId]]:
    return chain(app, "a"), chain(app, "b")


# Moving b[cut] takes CHAIN - cut levels under a[-1], which sits at level CHAIN.
DEEPEST_ALLOWED_CUT = 2 * CHAIN - MAX_DEPTH


class TestMovingSubtrees:
    """A move counts the levels the company takes along, on every store."""

    @pytest.mark.parametrize("cut", [0, DEEPEST_ALLOWED_CUT - 1])
    def test_a_move_past_max_depth_is_refused_and_changes_nothing(
        self, app: App, two_chains: tuple[list[CompanyId], list[CompanyId]], cut: int
    ) -> None:
        a, b = two_chains
        with pytest.raises(HierarchyError, match=f"deeper than {MAX_DEPTH} levels") as info:
            app.companies.move(actor=ADMINISTRATOR, company_id=b[cut], new_parent=a[-1])
        assert info.value.field == "parent_id"
        assert ancestor_ids(app, b[-1]) == list(reversed(b[:-1]))

    def test_a_move_to_exactly_max_depth_is_allowed_and_reads_whole(
        self, app: App, two_chains: tuple[list[CompanyId], list[CompanyId]]
    ) -> None:
        a, b = two_chains
        app.companies.move(actor=ADMINISTRATOR, company_id=b[DEEPEST_ALLOWED_CUT], new_parent=a[-1])
        leaf_ancestors = ancestor_ids(app, b[-1])
        assert len(leaf_ancestors) == MAX_DEPTH - 1
        assert leaf_ancestors[-1] == a[0]
        with app.store.unit_of_work() as uow:
            below_top = [company.id for company in uow.companies.descendants(a[0])]
        assert below_top == a[1:] + b[DEEPEST_ALLOWED_CUT:]

    def test_the_top_companys_admin_still_sees_the_deepest_leaf(
        self, app: App, two_chains: tuple[list[CompanyId], list[CompanyId]]
    ) -> None:
        a, b = two_chains
        app.companies.move(actor=ADMINISTRATOR, company_id=b[DEEPEST_ALLOWED_CUT], new_parent=a[-1])
        admin = app.customers.invite(
            actor=REP,
            company=a[0],
            email="root@a.example",
            first_name="Root",
            last_name="Admin",
            roles=[Role.ADMIN],
            active=True,
        )
        assert app.companies.get(actor=admin, company_id=b[-1]).id == b[-1]

    def test_a_move_that_adds_no_depth_stays_allowed(
        self, app: App, two_chains: tuple[list[CompanyId], list[CompanyId]]
    ) -> None:
        a, b = two_chains
        app.companies.move(actor=ADMINISTRATOR, company_id=b[1], new_parent=a[0])
        assert ancestor_ids(app, b[-1]) == [*reversed(b[1:-1]), a[0]]


@pytest.mark.parametrize(
    "app", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_a_stored_tree_deeper_than_max_depth_is_reported_not_cut_short(app: App) -> None:
    a, b = chain(app, "a"), chain(app, "b")
    # Damage the store behind the library's back: hang chain b under a's leaf.
    engine = app.store.engine  # type: ignore[attr-defined]
    table = companies.to_metadata(sqlalchemy.MetaData(), schema=app.store.schema)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.update(table).where(table.c.id == b[0]).values(parent_id=a[-1])
        )
    with app.store.unit_of_work() as uow, pytest.raises(HierarchyError, match="damaged"):
        uow.companies.ancestors(b[-1])
    with app.store.unit_of_work() as uow, pytest.raises(HierarchyError, match="damaged"):
        uow.companies.descendants(a[0])


class TestCompanyTree:
    """The plain statement of the rules refuses the same moves and never truncates."""

    def test_ensure_can_move_counts_the_subtree(self) -> None:
        parents: dict[CompanyId, CompanyId | None] = {}
        for prefix in "ab":
            for level in range(CHAIN):
                parents[CompanyId(f"{prefix}{level}")] = (
                    CompanyId(f"{prefix}{level - 1}") if level else None
                )
        tree = CompanyTree(parents)
        assert tree.height(CompanyId("b0")) == CHAIN
        with pytest.raises(HierarchyError):
            tree.ensure_can_move(CompanyId(f"b{DEEPEST_ALLOWED_CUT - 1}"), CompanyId("a39"))
        tree.ensure_can_move(CompanyId(f"b{DEEPEST_ALLOWED_CUT}"), CompanyId("a39"))

    def test_ancestors_and_descendants_of_a_too_deep_tree_raise(self) -> None:
        deep = MAX_DEPTH + 16
        tree = CompanyTree(
            {CompanyId(f"c{i}"): CompanyId(f"c{i - 1}") if i else None for i in range(deep)}
        )
        with pytest.raises(HierarchyError, match="damaged"):
            tree.ancestors(CompanyId(f"c{deep - 1}"))
        with pytest.raises(HierarchyError, match="damaged"):
            tree.descendants(CompanyId("c0"))
        assert len(tree.ancestors(CompanyId(f"c{MAX_DEPTH - 1}"))) == MAX_DEPTH - 1
