"""The company tree: questions about it, and the rule that no move ever makes a cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import MAX_DEPTH, CompanyTree, ensure_acyclic
from b2b_customers.errors import HierarchyError, ValidationError

if TYPE_CHECKING:
    from b2b_customers.ids import CompanyId

Parents = dict["CompanyId", "CompanyId | None"]


def cid(name: str) -> CompanyId:
    return cast("CompanyId", name)


@st.composite
def forests(draw: st.DrawFn, max_size: int = 15) -> Parents:
    """Random company trees, built parent-first: each company's parent was added before it."""
    size = draw(st.integers(1, max_size))
    parents: Parents = {}
    for index in range(size):
        earlier = [cid(f"c{n:02}") for n in range(index)]
        parent = draw(st.none() | st.sampled_from(earlier)) if earlier else None
        parents[cid(f"c{index:02}")] = parent
    return parents


def has_cycle(parents: Parents) -> bool:
    """Walk up from every company; a walk that revisits a company found a cycle."""
    for start in parents:
        seen: set[CompanyId] = set()
        current: CompanyId | None = start
        while current is not None:
            if current in seen:
                return True
            seen.add(current)
            current = parents.get(current)
    return False


def chain(length: int) -> Parents:
    """``length`` companies, each the parent of the next: k0 > k1 > ..."""
    return {cid(f"k{n}"): (cid(f"k{n - 1}") if n else None) for n in range(length)}


GROUP: Parents = {
    cid("group"): None,
    cid("de"): cid("group"),
    cid("fr"): cid("group"),
    cid("berlin"): cid("de"),
    cid("munich"): cid("de"),
    cid("paris"): cid("fr"),
    cid("other"): None,
}


class TestCompanyTree:
    """Examples of tree questions on a small group of companies."""

    tree = CompanyTree(GROUP)

    def test_knows_its_companies(self) -> None:
        assert "berlin" in self.tree
        assert "nowhere" not in self.tree

    def test_parent(self) -> None:
        assert self.tree.parent(cid("berlin")) == "de"
        assert self.tree.parent(cid("group")) is None
        assert self.tree.parent(cid("nowhere")) is None

    def test_children_are_sorted_by_id(self) -> None:
        assert self.tree.children(cid("de")) == ["berlin", "munich"]
        assert self.tree.children(cid("berlin")) == []

    def test_children_is_a_copy(self) -> None:
        self.tree.children(cid("de")).clear()
        assert self.tree.children(cid("de")) == ["berlin", "munich"]

    def test_ancestors_nearest_first(self) -> None:
        assert self.tree.ancestors(cid("munich")) == ["de", "group"]
        assert self.tree.ancestors(cid("group")) == []

    def test_descendants_breadth_first_siblings_by_id(self) -> None:
        assert self.tree.descendants(cid("group")) == ["de", "fr", "berlin", "munich", "paris"]
        assert self.tree.descendants(cid("paris")) == []

    def test_subtree_starts_with_the_company(self) -> None:
        assert self.tree.subtree(cid("fr")) == ["fr", "paris"]

    def test_root(self) -> None:
        assert self.tree.root(cid("munich")) == "group"
        assert self.tree.root(cid("other")) == "other"

    def test_depth(self) -> None:
        assert self.tree.depth(cid("group")) == 0
        assert self.tree.depth(cid("paris")) == 2

    def test_is_within(self) -> None:
        assert self.tree.is_within(cid("berlin"), cid("group"))
        assert self.tree.is_within(cid("berlin"), cid("berlin"))
        assert not self.tree.is_within(cid("berlin"), cid("fr"))
        assert not self.tree.is_within(cid("group"), cid("berlin"))

    def test_moving_under_a_descendant_is_refused(self) -> None:
        with pytest.raises(HierarchyError, match="subsidiaries") as info:
            self.tree.ensure_can_move(cid("de"), cid("munich"))
        assert info.value.field == "parent_id"

    def test_moving_under_itself_is_refused(self) -> None:
        with pytest.raises(HierarchyError):
            self.tree.ensure_can_move(cid("de"), cid("de"))

    def test_moving_to_another_branch_or_the_top_is_allowed(self) -> None:
        self.tree.ensure_can_move(cid("de"), cid("paris"))
        self.tree.ensure_can_move(cid("de"), None)
        self.tree.ensure_can_move(cid("group"), cid("other"))

    def test_hierarchy_error_is_a_validation_error(self) -> None:
        with pytest.raises(ValidationError):
            self.tree.ensure_can_move(cid("group"), cid("paris"))


class TestEnsureAcyclic:
    """The cycle and depth rule, on any parent lookup."""

    def test_a_new_company_may_go_anywhere(self) -> None:
        ensure_acyclic(cid("new"), cid("k5"), chain(10).get)
        ensure_acyclic(cid("new"), None, chain(10).get)

    def test_a_company_may_not_be_its_own_parent(self) -> None:
        with pytest.raises(HierarchyError):
            ensure_acyclic(cid("a"), cid("a"), lambda _company: None)

    def test_a_tree_may_be_max_depth_levels_deep(self) -> None:
        parents = chain(MAX_DEPTH - 1)
        deepest = cid(f"k{MAX_DEPTH - 2}")
        ensure_acyclic(cid("new"), deepest, parents.get)
        placed = CompanyTree({**parents, cid("new"): deepest})
        assert placed.depth(cid("new")) == MAX_DEPTH - 1

    def test_a_tree_may_not_be_deeper_than_max_depth(self) -> None:
        parents = chain(MAX_DEPTH)
        with pytest.raises(HierarchyError, match=f"deeper than {MAX_DEPTH}"):
            ensure_acyclic(cid("new"), cid(f"k{MAX_DEPTH - 1}"), parents.get)

    def test_a_cycle_already_in_the_data_is_caught_not_looped_over(self) -> None:
        broken: Parents = {cid("a"): cid("b"), cid("b"): cid("a")}
        with pytest.raises(HierarchyError):
            ensure_acyclic(cid("x"), cid("a"), broken.get)

    def test_ancestors_report_a_cycle_already_in_the_data_instead_of_cutting_it_short(
        self,
    ) -> None:
        broken: Parents = {cid("a"): cid("b"), cid("b"): cid("a")}
        with pytest.raises(HierarchyError, match="damaged"):
            CompanyTree(broken).ancestors(cid("a"))


class TestTreeProperties:
    """On random trees, the tree's answers agree with each other and with the cycle rule."""

    @given(forests(), st.data())
    def test_a_move_is_refused_exactly_when_it_would_make_a_cycle(
        self, parents: Parents, data: st.DataObject
    ) -> None:
        tree = CompanyTree(parents)
        company = data.draw(st.sampled_from(sorted(parents)))
        new_parent = data.draw(st.none() | st.sampled_from(sorted(parents)))
        would_cycle = has_cycle({**parents, company: new_parent})
        assert would_cycle == (new_parent in tree.subtree(company))
        if would_cycle:
            with pytest.raises(HierarchyError):
                tree.ensure_can_move(company, new_parent)
        else:
            tree.ensure_can_move(company, new_parent)

    @given(forests(), st.data())
    def test_every_allowed_move_keeps_the_tree_acyclic(
        self, parents: Parents, data: st.DataObject
    ) -> None:
        moves = data.draw(
            st.lists(
                st.tuples(
                    st.sampled_from(sorted(parents)), st.none() | st.sampled_from(sorted(parents))
                ),
                max_size=10,
            )
        )
        for company, new_parent in moves:
            try:
                ensure_acyclic(company, new_parent, parents.get)
            except HierarchyError:
                continue
            parents = {**parents, company: new_parent}
            assert not has_cycle(parents)
            tree = CompanyTree(parents)
            assert tree.parent(company) == new_parent
            assert sorted(tree.subtree(tree.root(company))) == sorted(
                other for other in parents if tree.root(other) == tree.root(company)
            )

    @given(forests())
    def test_descendants_and_ancestors_mirror_each_other(self, parents: Parents) -> None:
        tree = CompanyTree(parents)
        for a in parents:
            descendants = set(tree.descendants(a))
            for x in parents:
                assert (x in descendants) == (a in tree.ancestors(x))
                assert tree.is_within(x, a) == (x == a or x in descendants)

    @given(forests())
    def test_subtree_is_the_company_then_its_descendants(self, parents: Parents) -> None:
        tree = CompanyTree(parents)
        for company in parents:
            subtree = tree.subtree(company)
            assert subtree == [company, *tree.descendants(company)]
            assert len(set(subtree)) == len(subtree)

    @given(forests())
    def test_ancestors_follow_parents_up_to_the_root(self, parents: Parents) -> None:
        tree = CompanyTree(parents)
        for company in parents:
            ancestors = tree.ancestors(company)
            chain_up = [company, *ancestors]
            for child, parent in zip(chain_up, ancestors, strict=False):
                assert parents[child] == parent
            assert tree.depth(company) == len(ancestors)
            root = tree.root(company)
            assert parents[root] is None
            assert root == (ancestors[-1] if ancestors else company)

    @given(forests())
    def test_descendants_are_breadth_first(self, parents: Parents) -> None:
        tree = CompanyTree(parents)
        for company in parents:
            depths = [tree.depth(other) for other in tree.descendants(company)]
            assert depths == sorted(depths)

    @given(forests())
    def test_children_are_exactly_the_companies_naming_the_parent(self, parents: Parents) -> None:
        tree = CompanyTree(parents)
        for company in parents:
            children = tree.children(company)
            assert children == sorted(c for c, p in parents.items() if p == company)

    @given(forests())
    def test_every_company_lies_in_exactly_one_root_subtree(self, parents: Parents) -> None:
        tree = CompanyTree(parents)
        roots = [company for company, parent in parents.items() if parent is None]
        covered = [company for root in roots for company in tree.subtree(root)]
        assert sorted(covered) == sorted(parents)
