"""The permission matrix and the visibility rule, against an independent statement of the policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import Customer, CustomerStatus, Role
from b2b_customers.errors import PermissionDenied
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.services.authorization import (
    ROLE_PERMISSIONS,
    Permission,
    Staff,
    StaffRole,
    may,
    require,
)

HQ, BRANCH, OTHER = CompanyId("hq"), CompanyId("branch"), CompanyId("other")


def customer(
    company: CompanyId, *roles: Role, status: CustomerStatus = CustomerStatus.ACTIVE
) -> Customer:
    person = Customer(
        id=CustomerId("pat"), email="pat@x.example", first_name="Pat", last_name="P", status=status
    )
    return person.with_roles(company, roles)


class TestTheMatrix:
    def test_every_role_has_a_row(self) -> None:
        assert set(ROLE_PERMISSIONS) == set(Role) | set(StaffRole)

    def test_only_staff_onboard_companies_and_manage_credit(self) -> None:
        for role in Role:
            assert Permission.ONBOARD_COMPANY not in ROLE_PERMISSIONS[role]
            assert Permission.MANAGE_CREDIT not in ROLE_PERMISSIONS[role]
            assert Permission.OVERRIDE_CREDIT_HOLD not in ROLE_PERMISSIONS[role]

    def test_a_contact_may_only_look_at_the_company(self) -> None:
        assert ROLE_PERMISSIONS[Role.CONTACT] == {Permission.VIEW_COMPANY}

    def test_the_administrator_may_do_everything(self) -> None:
        assert ROLE_PERMISSIONS[StaffRole.ADMINISTRATOR] == set(Permission)


class TestVisibility:
    def test_a_buyer_acts_for_their_own_company(self) -> None:
        assert may(customer(BRANCH, Role.BUYER), Permission.PLACE_ORDERS, BRANCH, [HQ])

    def test_a_buyer_of_the_branch_does_not_see_the_head_office(self) -> None:
        assert not may(customer(BRANCH, Role.BUYER), Permission.VIEW_COMPANY, HQ)

    def test_a_head_office_admin_oversees_the_branches(self) -> None:
        admin = customer(HQ, Role.ADMIN)
        assert may(admin, Permission.MANAGE_CUSTOMERS, BRANCH, [HQ])
        assert not may(admin, Permission.VIEW_COMPANY, OTHER, [])

    def test_a_head_office_buyer_does_not_reach_the_branches(self) -> None:
        assert not may(customer(HQ, Role.BUYER), Permission.PLACE_ORDERS, BRANCH, [HQ])

    def test_an_inactive_customer_may_do_nothing(self) -> None:
        gone = customer(HQ, Role.ADMIN, status=CustomerStatus.INACTIVE)
        assert not any(may(gone, permission, HQ) for permission in Permission)

    def test_staff_see_every_company(self) -> None:
        rep = Staff(id="s1", name="Sam Sales", roles={StaffRole.SALES_REP})
        assert may(rep, Permission.ONBOARD_COMPANY, OTHER)
        assert not may(rep, Permission.OVERRIDE_CREDIT_HOLD, OTHER)

    def test_a_refusal_names_who_what_and_where(self) -> None:
        with pytest.raises(PermissionDenied, match=r"Pat P may not place orders for company 'hq'"):
            require(customer(BRANCH, Role.BUYER), Permission.PLACE_ORDERS, HQ)


# An independent statement of the policy, written from the module docstring.
def expected(
    roles_by_company: dict[CompanyId, frozenset[Role]],
    permission: Permission,
    company: CompanyId,
    ancestors: list[CompanyId],
) -> bool:
    if company in roles_by_company:
        granted = roles_by_company[company]
    else:
        granted = frozenset()
        for ancestor in ancestors:
            reach = roles_by_company.get(ancestor, frozenset()) & {Role.ADMIN, Role.FINANCE}
            if reach:
                granted = reach
                break
    return any(permission in ROLE_PERMISSIONS[role] for role in granted)


companies = st.sampled_from([CompanyId(name) for name in ("a", "b", "c", "d", "e")])
purchasing = st.none() | st.sampled_from([Role.ADMIN, Role.BUYER, Role.REQUESTER])
duties = st.frozensets(st.sampled_from([Role.APPROVER, Role.FINANCE, Role.CONTACT]))


@given(
    memberships=st.dictionaries(
        companies,
        st.tuples(purchasing, duties)
        .map(lambda pair: pair[1] | ({pair[0]} if pair[0] else set()))
        .filter(bool),
        max_size=3,
    ),
    chain=st.lists(companies, min_size=1, max_size=5, unique=True),
    permission=st.sampled_from(Permission),
)
def test_the_rule_agrees_with_an_independent_statement(
    memberships: dict[CompanyId, frozenset[Role]], chain: list[CompanyId], permission: Permission
) -> None:
    person = Customer(id=CustomerId("pat"), email="pat@x.example", first_name="Pat", last_name="P")
    for company, roles in memberships.items():
        person = person.with_roles(company, roles)
    company, ancestors = chain[0], chain[1:]
    assert may(person, permission, company, ancestors) == expected(
        {c: frozenset(r) for c, r in memberships.items()}, permission, company, ancestors
    )
    # No privilege escalation: nothing a customer may do lies outside their roles' rows.
    if may(person, permission, company, ancestors):
        assert any(
            permission in ROLE_PERMISSIONS[role] for roles in memberships.values() for role in roles
        )
