"""The customer: a person with memberships in companies, a role set in each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import Customer, CustomerStatus, Membership, Role
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from b2b_customers.ids import CompanyId, CustomerId


def cid(name: str) -> CompanyId:
    return cast("CompanyId", name)


def anna(**changes: Any) -> Customer:
    return Customer(
        **{
            "id": "anna",
            "email": "anna@acme.example",
            "first_name": "Anna",
            "last_name": "Schmidt",
            **changes,
        }
    )


def member(company: str, *roles: str) -> Membership:
    return Membership(company_id=company, roles=roles or ("buyer",))


class TestCustomer:
    """A customer validates and normalises itself."""

    def test_has_sensible_defaults(self) -> None:
        customer = anna()
        assert customer.status is CustomerStatus.ACTIVE
        assert customer.phones == ()
        assert customer.memberships == ()
        assert customer.title is None
        assert customer.version == 0

    def test_normalises_email_and_names(self) -> None:
        customer = anna(email="  Anna@ACME.Example ", first_name=" Anna ", title="  ")
        assert customer.email == "anna@acme.example"
        assert customer.first_name == "Anna"
        assert customer.title is None

    def test_display_name(self) -> None:
        assert anna().display_name == "Anna Schmidt"

    @pytest.mark.parametrize(
        ("status", "active"),
        [("active", True), ("invited", False), ("inactive", False)],
    )
    def test_only_an_active_customer_may_act(self, status: str, *, active: bool) -> None:
        assert anna(status=status).is_active is active

    def test_cannot_be_their_own_manager(self) -> None:
        with pytest.raises(ValidationError, match="own manager") as info:
            anna(manager_id="anna")
        assert info.value.field == "manager_id"

    def test_may_have_a_manager(self) -> None:
        assert anna(manager_id="boss").manager_id == "boss"

    def test_keeps_up_to_ten_phone_numbers_in_order(self) -> None:
        phones = [f"+49 30 {1000 + n}" for n in range(10)]
        assert anna(phones=phones).phones == tuple(phones)

    def test_refuses_more_than_ten_phone_numbers(self) -> None:
        with pytest.raises(ValidationError) as info:
            anna(phones=[f"+49 30 {1000 + n}" for n in range(11)])
        assert info.value.field == "phones"

    def test_preferred_language_is_short(self) -> None:
        assert anna(preferred_language=" de-DE ").preferred_language == "de-DE"
        with pytest.raises(ValidationError) as info:
            anna(preferred_language="x" * 36)
        assert info.value.field == "preferred_language"


class TestMemberships:
    """One membership per company, kept in company order."""

    def test_memberships_are_sorted_by_company(self) -> None:
        customer = anna(memberships=[member("zeta"), member("alpha"), member("mid")])
        assert [item.company_id for item in customer.memberships] == ["alpha", "mid", "zeta"]

    @given(st.permutations([member("a"), member("b", "finance"), member("c", "admin")]))
    def test_order_given_does_not_matter(self, memberships: list[Membership]) -> None:
        assert anna(memberships=memberships) == anna(
            memberships=[member("a"), member("b", "finance"), member("c", "admin")]
        )

    def test_one_membership_per_company(self) -> None:
        with pytest.raises(ValidationError, match="more than once") as info:
            anna(memberships=[member("acme"), member("acme", "finance")])
        assert info.value.field == "memberships"

    @pytest.mark.parametrize("memberships", ["acme", [{"company_id": "acme"}], [None]])
    def test_memberships_must_be_membership_objects(self, memberships: object) -> None:
        with pytest.raises(ValidationError) as info:
            anna(memberships=memberships)
        assert info.value.field == "memberships"

    def test_company_ids(self) -> None:
        customer = anna(memberships=[member("acme"), member("globex", "approver")])
        assert customer.company_ids == {"acme", "globex"}

    def test_membership_in(self) -> None:
        customer = anna(memberships=[member("acme", "admin")])
        assert customer.membership_in(cid("acme")) == member("acme", "admin")
        assert customer.membership_in(cid("globex")) is None

    def test_roles_in(self) -> None:
        customer = anna(memberships=[member("acme", "buyer", "finance")])
        assert customer.roles_in(cid("acme")) == {Role.BUYER, Role.FINANCE}
        assert customer.roles_in(cid("globex")) == frozenset()


class TestWithRoles:
    """with_roles joins a company or replaces the roles held there."""

    def test_joins_a_new_company(self) -> None:
        customer = anna().with_roles(cid("acme"), ["buyer"])
        assert customer.roles_in(cid("acme")) == {Role.BUYER}

    def test_replaces_the_roles_in_a_company(self) -> None:
        customer = anna(memberships=[member("acme", "buyer", "finance")])
        changed = customer.with_roles(cid("acme"), [Role.REQUESTER])
        assert changed.roles_in(cid("acme")) == {Role.REQUESTER}
        assert len(changed.memberships) == 1

    def test_leaves_other_companies_alone(self) -> None:
        customer = anna(memberships=[member("acme"), member("globex", "admin")])
        changed = customer.with_roles(cid("acme"), ["approver"])
        assert changed.membership_in(cid("globex")) == member("globex", "admin")

    def test_returns_a_copy(self) -> None:
        customer = anna()
        customer.with_roles(cid("acme"), ["buyer"])
        assert customer.memberships == ()

    def test_refuses_roles_that_break_the_rule(self) -> None:
        with pytest.raises(ValidationError) as info:
            anna().with_roles(cid("acme"), ["buyer", "admin"])
        assert info.value.field == "roles"

    def test_refuses_no_roles(self) -> None:
        with pytest.raises(ValidationError, match="at least one role"):
            anna(memberships=[member("acme")]).with_roles(cid("acme"), [])

    @given(st_b2b.customers(), st_b2b.company_ids(), st_b2b.role_sets())
    def test_afterwards_holds_exactly_the_roles_given(
        self, customer: Customer, company: CompanyId, roles: frozenset[Role]
    ) -> None:
        changed = customer.with_roles(company, roles)
        assert changed.roles_in(company) == roles
        assert changed.company_ids == customer.company_ids | {company}
        for other in customer.company_ids - {company}:
            assert changed.roles_in(other) == customer.roles_in(other)


class TestLeave:
    """leave drops one membership."""

    def test_drops_the_membership(self) -> None:
        customer = anna(memberships=[member("acme"), member("globex")])
        assert customer.leave(cid("acme")).company_ids == {"globex"}

    def test_not_a_member_is_not_found(self) -> None:
        with pytest.raises(NotFound, match="Membership"):
            anna().leave(cid("acme"))

    @given(st_b2b.customers(), st_b2b.role_sets())
    def test_leave_undoes_joining(self, customer: Customer, roles: frozenset[Role]) -> None:
        company = cid("Not-Yet-A-Member")  # upper case: never drawn by ids()
        assert customer.with_roles(company, roles).leave(company) == customer

    def test_the_rest_of_the_customer_is_unchanged(self) -> None:
        customer = anna(memberships=[member("acme")], phones=["+49 30 1234"])
        assert attrs.evolve(customer.leave(cid("acme")), memberships=customer.memberships) == (
            customer
        )


class TestStandingPerCompany:
    """A customer acts for a company only while they and their membership there are active."""

    @staticmethod
    def member(status: str = "active", standing: str = "active") -> Customer:
        customer = Customer(
            id=cast("CustomerId", "c1"), email="c1@acme.example", first_name="C", last_name="One"
        )
        customer = customer.with_roles(cid("acme"), ["admin"]).with_roles(cid("bolt"), ["buyer"])
        return attrs.evolve(
            customer.with_status_in(cid("acme"), standing), status=CustomerStatus(status)
        )

    @pytest.mark.parametrize(
        ("status", "standing", "combined"),
        [
            ("active", "active", "active"),
            ("active", "inactive", "inactive"),
            ("active", "invited", "invited"),
            ("invited", "active", "invited"),
            ("invited", "inactive", "inactive"),
            ("inactive", "active", "inactive"),
            ("inactive", "invited", "inactive"),
        ],
    )
    def test_the_standing_combines_both_statuses(
        self, status: str, standing: str, combined: str
    ) -> None:
        customer = self.member(status, standing)
        assert customer.status_in(cid("acme")) is CustomerStatus(combined)
        assert customer.acts_for(cid("acme")) is (combined == "active")
        assert customer.acting_roles_in(cid("acme")) == (
            {Role.ADMIN} if combined == "active" else frozenset()
        )
        assert customer.roles_in(cid("acme")) == {Role.ADMIN}  # held, whatever the standing

    def test_a_deactivated_membership_leaves_the_others_alone(self) -> None:
        customer = self.member(standing="inactive")
        assert customer.acts_for(cid("bolt"))
        assert customer.status_in(cid("nowhere")) is None

    def test_changing_roles_keeps_the_standing(self) -> None:
        customer = self.member(standing="inactive").with_roles(cid("acme"), ["finance"])
        assert customer.status_in(cid("acme")) is CustomerStatus.INACTIVE

    def test_a_new_membership_of_an_invited_customer_is_an_invitation(self) -> None:
        invited = attrs.evolve(self.member(), status=CustomerStatus.INVITED)
        joined = invited.with_roles(cid("new"), ["buyer"])
        assert joined.membership_in(cid("new")).status is CustomerStatus.INVITED  # type: ignore[union-attr]
        accepted = joined.accepting_invitations()
        assert accepted.membership_in(cid("new")).is_active  # type: ignore[union-attr]

    def test_the_standing_at_a_company_not_joined_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            self.member().with_status_in(cid("nowhere"), "inactive")
