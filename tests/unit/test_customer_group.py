"""Customer groups: a company's automatic group, or one the seller keeps by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import CustomerGroup, GroupKind
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId
from b2b_customers.testing import strategies as st_b2b

GROUP = CustomerGroupId("g1")


def uid(name: str) -> CustomerId:
    return CustomerId(name)


def company_group() -> CustomerGroup:
    return CustomerGroup.for_company(CustomerGroupId("g-acme"), CompanyId("acme"), "ACME GmbH")


class TestCustomerGroup:
    """Groups and their members."""

    def test_for_company_builds_an_empty_automatic_group(self) -> None:
        group = company_group()
        assert group.kind is GroupKind.COMPANY
        assert group.company_id == "acme"
        assert group.name == "ACME GmbH customers"
        assert group.member_ids == frozenset()

    def test_custom_is_the_default_kind(self) -> None:
        group = CustomerGroup(id=GROUP, name="Key accounts")
        assert group.kind is GroupKind.CUSTOM
        assert group.company_id is None

    def test_a_company_group_names_its_company(self) -> None:
        with pytest.raises(ValidationError) as info:
            CustomerGroup(id=GROUP, name="G", kind="company")
        assert info.value.field == "company_id"

    def test_only_a_company_group_names_a_company(self) -> None:
        with pytest.raises(ValidationError) as info:
            CustomerGroup(id=GROUP, name="G", kind="custom", company_id=CompanyId("acme"))
        assert info.value.field == "company_id"

    def test_with_member_adds_one(self) -> None:
        group = company_group().with_member(uid("anna"))
        assert group.member_ids == {"anna"}
        assert group.with_member(uid("anna")) == group

    def test_without_member_removes_one(self) -> None:
        group = company_group().with_members([uid("anna"), uid("bob")])
        assert group.without_member(uid("anna")).member_ids == {"bob"}
        assert group.without_member(uid("carol")) == group

    def test_with_members_replaces_all(self) -> None:
        group = company_group().with_members([uid("anna")])
        assert group.with_members([uid("bob"), uid("bob")]).member_ids == {"bob"}

    def test_changes_return_copies(self) -> None:
        group = company_group()
        group.with_member(uid("anna"))
        assert group.member_ids == frozenset()

    @pytest.mark.parametrize("member", ["", " anna", "x" * 65, 5])
    def test_members_must_be_customer_ids(self, member: object) -> None:
        with pytest.raises(ValidationError) as info:
            CustomerGroup(id=GROUP, name="G", member_ids=[member])  # type: ignore[list-item]
        assert info.value.field == "member_ids"

    def test_members_must_be_a_collection(self) -> None:
        with pytest.raises(ValidationError) as info:
            CustomerGroup(id=GROUP, name="G", member_ids="anna")
        assert info.value.field == "member_ids"

    @given(st_b2b.customer_groups(), st.lists(st_b2b.ids(), max_size=6))
    def test_adding_then_removing_members_is_set_arithmetic(
        self, group: CustomerGroup, changes: list[str]
    ) -> None:
        expected: set[str] = set(group.member_ids)
        for index, member in enumerate(changes):
            if index % 2:
                group = group.without_member(uid(member))
                expected.discard(member)
            else:
                group = group.with_member(uid(member))
                expected.add(member)
        assert group.member_ids == expected

    @given(st_b2b.customer_groups(kind="company"))
    def test_generated_company_groups_name_a_company(self, group: CustomerGroup) -> None:
        assert group.kind is GroupKind.COMPANY
        assert group.company_id is not None
