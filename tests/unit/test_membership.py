"""The role rule: at most one purchasing role, duty roles combine freely, at least one role."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import DUTY_ROLES, PURCHASING_ROLES, Membership, Role
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId
from b2b_customers.testing import strategies as st_b2b

ACME = CompanyId("acme")
duty_sets = st.frozensets(st.sampled_from(sorted(DUTY_ROLES)))


def refusal(roles: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        Membership(company_id=ACME, roles=roles)  # type: ignore[arg-type]
    assert info.value.field == "roles"
    return info.value


class TestRoleSets:
    """What the rule accepts and refuses."""

    def test_purchasing_and_duty_roles_split_the_roles(self) -> None:
        assert set(Role) == PURCHASING_ROLES | DUTY_ROLES
        assert not PURCHASING_ROLES & DUTY_ROLES

    @pytest.mark.parametrize("role", sorted(PURCHASING_ROLES))
    def test_every_single_purchasing_role_is_accepted(self, role: Role) -> None:
        membership = Membership(company_id=ACME, roles={role})
        assert membership.roles == {role}
        assert membership.purchasing_role is role
        assert membership.may_order

    @pytest.mark.parametrize("role", sorted(DUTY_ROLES))
    def test_every_single_duty_role_is_accepted(self, role: Role) -> None:
        membership = Membership(company_id=ACME, roles={role})
        assert membership.purchasing_role is None
        assert not membership.may_order

    @pytest.mark.parametrize("pair", list(itertools.combinations(sorted(PURCHASING_ROLES), 2)))
    def test_two_purchasing_roles_are_refused(self, pair: tuple[Role, Role]) -> None:
        error = refusal(set(pair))
        for role in pair:
            assert role.value in str(error)

    def test_three_purchasing_roles_are_refused(self) -> None:
        refusal(PURCHASING_ROLES)

    @given(st.sampled_from(sorted(PURCHASING_ROLES)), duty_sets)
    def test_duty_roles_combine_with_a_purchasing_role(
        self, purchasing: Role, duties: frozenset[Role]
    ) -> None:
        membership = Membership(company_id=ACME, roles=duties | {purchasing})
        assert membership.purchasing_role is purchasing
        assert membership.roles == duties | {purchasing}

    @given(duty_sets.filter(bool))
    def test_duty_roles_combine_with_each_other(self, duties: frozenset[Role]) -> None:
        assert Membership(company_id=ACME, roles=duties).roles == duties

    @given(
        st.frozensets(st.sampled_from(sorted(PURCHASING_ROLES)), min_size=2),
        duty_sets,
    )
    def test_duty_roles_do_not_excuse_two_purchasing_roles(
        self, purchasing: frozenset[Role], duties: frozenset[Role]
    ) -> None:
        refusal(purchasing | duties)

    @given(st.frozensets(st.sampled_from(list(Role))))
    def test_a_role_set_is_accepted_exactly_when_it_obeys_the_rule(
        self, roles: frozenset[Role]
    ) -> None:
        obeys = bool(roles) and len(roles & PURCHASING_ROLES) <= 1
        if obeys:
            assert Membership(company_id=ACME, roles=roles).roles == roles
        else:
            refusal(roles)

    @pytest.mark.parametrize("roles", [set(), [], frozenset(), ()])
    def test_no_role_is_refused(self, roles: object) -> None:
        assert "at least one role" in str(refusal(roles))

    def test_strings_are_accepted(self) -> None:
        membership = Membership(company_id=ACME, roles=["buyer", "approver"])
        assert membership.roles == {Role.BUYER, Role.APPROVER}
        assert all(isinstance(role, Role) for role in membership.roles)

    def test_strings_and_members_mix(self) -> None:
        membership = Membership(company_id=ACME, roles={"finance", Role.ADMIN})
        assert membership.roles == {Role.FINANCE, Role.ADMIN}

    def test_two_purchasing_roles_as_strings_are_refused(self) -> None:
        refusal(["buyer", "requester"])

    def test_unknown_roles_are_named(self) -> None:
        error = refusal(["buyer", "owner", "boss"])
        assert "'boss', 'owner'" in str(error)
        assert "choose from" in str(error)

    @pytest.mark.parametrize("roles", ["buyer", None, 5, {"buyer": True}])
    def test_a_lone_value_is_refused(self, roles: object) -> None:
        refusal(roles)

    def test_repeated_roles_count_once(self) -> None:
        assert Membership(company_id=ACME, roles=["buyer", "buyer"]).roles == {Role.BUYER}


class TestMembership:
    """A membership's company and questions about its roles."""

    def test_names_a_company(self) -> None:
        with pytest.raises(ValidationError) as info:
            Membership(company_id=CompanyId(" "), roles={Role.BUYER})
        assert info.value.field == "company_id"

    def test_has(self) -> None:
        membership = Membership(company_id=ACME, roles={Role.BUYER, Role.FINANCE})
        assert membership.has(Role.FINANCE)
        assert not membership.has(Role.APPROVER)

    @given(st_b2b.memberships())
    def test_generated_memberships_obey_the_rule(self, membership: Membership) -> None:
        assert membership.roles
        assert len(membership.roles & PURCHASING_ROLES) <= 1
        assert membership.may_order == (membership.purchasing_role is not None)
