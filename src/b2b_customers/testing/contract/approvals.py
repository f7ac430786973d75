"""The contract of approvals: requests, policies, approval groups and approver limits.

The requests stored here are made by the workflow itself
([`submit`][b2b_customers.approvals.ApprovalRequest.submit], ``approve``,
``reject``, ...), in a small world: ``acme`` under ``hq``, and ``bolt``; Rita
requests at acme, Anna is an admin there (up to 1,000 EUR, so larger orders
escalate to hq), Hank an admin at hq, Fiona in finance at acme, and Bea
requests at bolt, where Bert is the admin.
"""

from __future__ import annotations

from datetime import date, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.approvals import (
    ApprovalDirectory,
    ApprovalGroup,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    ApproverLimit,
    RoleApprover,
    StandardApprovers,
    eligible_approvers,
    expire_due,
)
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, ResourceType
from b2b_customers.errors import (
    AlreadyExists,
    NotFound,
    OpenRequestExists,
    StaleVersion,
    ValidationError,
)
from b2b_customers.ids import (
    ApprovalGroupId,
    ApprovalPolicyId,
    ApprovalRequestId,
    ApproverLimitId,
    CompanyId,
    CustomerId,
    OrderId,
)
from b2b_customers.limits import Decision, Outcome, RecurrencePeriod, RuleResult
from b2b_customers.ports import ApprovalQuery
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _all_pages,
    _commit,
    _company,
    _customer,
    _ids,
    _member,
    _read,
    _refused,
    _stamped,
    _waits_for,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from b2b_customers.clock import ManualClock
    from b2b_customers.ports import Page, Store, UnitOfWork

__all__ = ["ApprovalContract"]

_ACME, _HQ, _BOLT = CompanyId("acme"), CompanyId("hq"), CompanyId("bolt")
_MINUTE = timedelta(minutes=1)
_MICROSECOND = timedelta(microseconds=1)


def _person(name: str, company_id: CompanyId, role: Role) -> Customer:
    return _customer(name, memberships=(_member(company_id, role),))


_RITA = _person("rita", _ACME, Role.REQUESTER)
_ANNA = _person("anna", _ACME, Role.ADMIN)
_HANK = _person("hank", _HQ, Role.ADMIN)
_FIONA = _person("fiona", _ACME, Role.FINANCE)
_BEA = _person("bea", _BOLT, Role.REQUESTER)
_BERT = _person("bert", _BOLT, Role.ADMIN)
_PEOPLE = (_RITA, _ANNA, _HANK, _FIONA, _BEA, _BERT)

_LEAD_THEN_FINANCE = ApprovalPolicy(
    id=ApprovalPolicyId("acme-policy"),
    name="Lead, then finance",
    company_id=_ACME,
    tiers=(
        ApprovalTier(name="Lead", all_of=(ApprovalRule(any_of=(StandardApprovers(),)),)),
        ApprovalTier(
            name="Finance", all_of=(ApprovalRule(any_of=(RoleApprover(role=Role.FINANCE),)),)
        ),
    ),
)
_LEAD_ONLY = ApprovalPolicy(
    id=ApprovalPolicyId("seller-policy"),
    name="Lead",
    tiers=(ApprovalTier(name="Lead", all_of=(ApprovalRule(any_of=(StandardApprovers(),)),)),),
)
_ADMINS_UP_TO_1000 = ApproverLimit(
    id=ApproverLimitId("acme-admins"),
    company_id=_ACME,
    role=Role.ADMIN,
    maximum=Money(Decimal(1000), "EUR"),
)
_DIRECTORY = ApprovalDirectory(
    customers=_PEOPLE,
    parents={_ACME: _HQ, _HQ: None, _BOLT: None},
    limits=(_ADMINS_UP_TO_1000,),
    policies=(_LEAD_THEN_FINANCE, _LEAD_ONLY),
)


def _submitted(
    request_id: str,
    *,
    requester: Customer = _RITA,
    amount: int = 500,
    at: datetime = START,
    resource_id: str | None = None,
    resource_type: ResourceType = ResourceType.CART,
    directory: ApprovalDirectory = _DIRECTORY,
) -> ApprovalRequest:
    """A pending request of ``requester`` for an order of ``amount`` EUR, submitted ``at``.

    Each request is for a cart of its own (``cart-<id>``) unless ``resource_id`` says otherwise.
    """
    membership = requester.memberships[0]
    order = OrderDraft(
        company_id=membership.company_id,
        buyer_id=requester.id,
        resource_id=resource_id if resource_id is not None else f"cart-{request_id}",
        resource_type=resource_type,
        lines=(OrderLine(sku="DRILL", quantity=1, unit_price=Money(Decimal(amount), "EUR")),),
    )
    decision = Decision(
        outcome=Outcome.APPROVAL_REQUIRED,
        results=(
            RuleResult(rule="requester", outcome=Outcome.APPROVAL_REQUIRED, message="Needs it"),
        ),
        order_total=order.total,
        evaluated_at=at,
        approver_roles=("admin",),
    )
    return ApprovalRequest.submit(
        id=ApprovalRequestId(request_id),
        order=order,
        decision=decision,
        requester=requester,
        directory=directory,
        at=at,
        comment="for the new site",
    )


def _approve_once(
    request: ApprovalRequest, at: datetime, directory: ApprovalDirectory = _DIRECTORY
) -> ApprovalRequest:
    candidate = eligible_approvers(request, directory)[0]
    approver = directory.customer(candidate.id)
    assert approver is not None
    return request.approve(approver, at=at, directory=directory, comment="fine by me")


def _approved(request: ApprovalRequest, at: datetime) -> ApprovalRequest:
    while request.status is ApprovalStatus.PENDING:
        request = _approve_once(request, at)
    return request


def _in(status: ApprovalStatus, request: ApprovalRequest, at: datetime) -> ApprovalRequest:
    """``request`` moved on, by the workflow, to ``status`` (at ``at``; expired at its expiry)."""
    if status is ApprovalStatus.PENDING:
        return request
    if status is ApprovalStatus.APPROVED:
        return _approved(request, at)
    if status is ApprovalStatus.COMPLETED:
        return _approved(request, at).complete(OrderId(f"o-{request.id}"), at=at, actor=_RITA)
    if status is ApprovalStatus.REJECTED:
        candidate = eligible_approvers(request, _DIRECTORY)[0]
        rejecter = _DIRECTORY.customer(candidate.id)
        assert rejecter is not None
        return request.reject(rejecter, at=at, reason="over budget", directory=_DIRECTORY)
    if status is ApprovalStatus.CANCELLED:
        requester = _DIRECTORY.customer(request.requester_id)
        assert requester is not None
        return request.cancel(requester, at=at)
    return request.expire(at=request.expires_at)


def _policy(policy_id: str, company_id: CompanyId | None) -> ApprovalPolicy:
    return attrs.evolve(_LEAD_ONLY, id=ApprovalPolicyId(policy_id), company_id=company_id)


def _group(group_id: str, company_id: CompanyId, *members: CustomerId) -> ApprovalGroup:
    return ApprovalGroup(
        id=ApprovalGroupId(group_id),
        company_id=company_id,
        name=f"approvers {group_id}",
        member_ids=frozenset(members),
    )


def _approver_limit(
    limit_id: str,
    company_id: CompanyId,
    *,
    customer_id: str | None = None,
    role: Role | None = None,
    maximum: int = 1000,
) -> ApproverLimit:
    return ApproverLimit(
        id=ApproverLimitId(limit_id),
        company_id=company_id,
        customer_id=CustomerId(customer_id) if customer_id is not None else None,
        role=role,
        maximum=Money(Decimal(maximum), "EUR"),
    )


class ApprovalContract(ContractBase):
    """Approval requests, policies, approval groups and approver limits."""

    def _approval_world(self, store: Store) -> None:
        def add(uow: UnitOfWork) -> None:
            uow.companies.add_many(
                [_company("hq"), _company("acme", parent_id="hq"), _company("bolt")]
            )
            uow.customers.add_many(_PEOPLE)

        _commit(store, add)

    # -- requests: add, get, save

    def test_adding_a_request_stamps_version_one_and_the_clock_time(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``add`` returns the request at version 1, created and updated at the store's time."""
        self._approval_world(store)
        later = clock.advance(timedelta(hours=2))
        request = _submitted("r1")
        stored = _commit(store, lambda uow: uow.approvals.add(request))
        assert stored == _stamped(request, 1, later, later)
        assert _read(store, lambda uow: uow.approvals.get(request.id)) == stored

    def test_a_request_keeps_its_tiers_escalation_and_audit_through_every_save(
        self, store: Store, clock: ManualClock
    ) -> None:
        """A request run through the workflow, with the set-up read from the store, round-trips.

        The policy, the approver limit and the company tree come from the
        repositories; the request escalates its first tier to hq, collects two
        approvals and is completed, and is stored after every move.
        """
        self._approval_world(store)

        def set_up(uow: UnitOfWork) -> None:
            uow.approval_policies.add(_LEAD_THEN_FINANCE)
            uow.approver_limits.add(_ADMINS_UP_TO_1000)

        _commit(store, set_up)

        def directory(uow: UnitOfWork) -> ApprovalDirectory:
            chain = [_ACME, *(company.id for company in uow.companies.ancestors(_ACME))]
            return ApprovalDirectory(
                customers=uow.customers.get_many(person.id for person in _PEOPLE),
                groups=uow.approval_groups.for_companies(chain),
                limits=uow.approver_limits.for_companies(chain),
                policies=[uow.approval_policies.for_company(_ACME)],
                parents={_ACME: _HQ, _HQ: None},
            )

        where = _read(store, directory)
        submitted = _submitted("r1", amount=5000, directory=where)
        assert submitted.tiers[0].approver_company_id == _HQ
        current = _commit(store, lambda uow: uow.approvals.add(submitted))
        moves: list[Callable[[ApprovalRequest], ApprovalRequest]] = [
            lambda request: _approve_once(request, START + _MINUTE, where),  # hank, at hq
            lambda request: _approve_once(request, START + 2 * _MINUTE, where),  # fiona
            lambda request: request.complete(OrderId("o-1"), at=START + 3 * _MINUTE, actor=_RITA),
        ]
        for version, move in enumerate(moves, start=2):
            later = clock.advance(_MINUTE)
            moved = move(current)

            def save(uow: UnitOfWork, moved: ApprovalRequest = moved) -> ApprovalRequest:
                return uow.approvals.save(moved)

            current = _commit(store, save)
            assert current == _stamped(moved, version, START, later)
            assert _read(store, lambda uow: uow.approvals.get(submitted.id)) == current
        final = _read(store, lambda uow: uow.approvals.get(submitted.id))
        assert final.status is ApprovalStatus.COMPLETED
        assert [entry.event_name for entry in final.audit] == [
            "approval.requested",
            "approval.escalated",
            "approval.approval_recorded",
            "approval.approved",
            "approval.completed",
        ]
        assert [verdict.approver_id for verdict in final.approvals] == ["hank", "fiona"]
        assert final.policy == _stamped(_LEAD_THEN_FINANCE, 1, START, START)

        def approved_by(approver_id: str, since: datetime | None = None) -> list[str]:
            query = ApprovalQuery(approver_id=approver_id, approved_since=since)
            return _ids(_read(store, lambda uow: uow.approvals.search(query)))

        assert approved_by("hank") == approved_by("fiona") == ["r1"]
        assert approved_by(_RITA.id) == []  # asked, did not approve
        assert approved_by("nobody") == []
        # approved_since is inclusive, counts the approver's own approval, in any offset
        assert approved_by("hank", START + _MINUTE) == ["r1"]
        assert approved_by("hank", (START + _MINUTE).astimezone(timezone(timedelta(hours=5)))) == [
            "r1"
        ]
        assert approved_by("hank", START + _MINUTE + timedelta(microseconds=1)) == []
        assert approved_by("fiona", START + 2 * _MINUTE) == ["r1"]

    def test_a_stored_request_keeps_every_field(self) -> None:
        """Whatever the workflow makes, in any status, comes back from the store unchanged."""

        @self._property()
        @given(st_b2b.approval_requests())
        def check(request: ApprovalRequest) -> None:
            with self._fresh_store() as (store, _clock):

                def add(uow: UnitOfWork) -> ApprovalRequest:
                    uow.companies.add(_company(request.company_id))
                    uow.customers.add(_customer(request.requester_id, email="r@example.com"))
                    return uow.approvals.add(request)

                stored = _commit(store, add)
                assert stored == _stamped(request, 1, START, START)
                assert _read(store, lambda uow: uow.approvals.get(request.id)) == stored

        check()

    def test_saving_a_stale_or_unknown_request_is_refused(self, store: Store) -> None:
        """A copy of an older version raises ``StaleVersion``; an unknown id ``NotFound``."""
        self._approval_world(store)
        stored = _commit(store, lambda uow: uow.approvals.add(_submitted("r1")))
        saved = _commit(store, lambda uow: uow.approvals.save(_approve_once(stored, START)))
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.approvals.save(stored.cancel(_RITA, at=START + _MINUTE)),
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.approvals.save(attrs.evolve(_submitted("ghost"), version=1)),
            lambda uow: uow.approvals.get(ApprovalRequestId("ghost")),
        )
        assert _read(store, lambda uow: uow.approvals.get(stored.id)) == saved
        assert _ids(_read(store, lambda uow: uow.approvals.search())) == ["r1"]

    def test_a_request_id_is_taken_once(self, store: Store) -> None:
        """Request ids are unique, committed or added in the same unit of work."""
        self._approval_world(store)
        first = _commit(store, lambda uow: uow.approvals.add(_submitted("r1")))
        _refused(
            store, AlreadyExists, lambda uow: uow.approvals.add(_submitted("r1", requester=_BEA))
        )
        with store.unit_of_work() as uow:
            uow.approvals.add(_submitted("r2"))
            with pytest.raises(AlreadyExists):
                uow.approvals.add(_submitted("r2", requester=_BEA))
        assert _read(store, lambda uow: uow.approvals.search()).items == (first,)

    def test_a_resource_has_at_most_one_open_request(self, store: Store) -> None:
        """A second pending or approved request for a company's cart raises ``OpenRequestExists``.

        The error names the open request. Another company's cart of the same
        id, or a quote of that id, is another resource; once the open request
        is final, the cart may be submitted again.
        """
        self._approval_world(store)
        first = _commit(store, lambda uow: uow.approvals.add(_submitted("r1", resource_id="c")))
        with store.unit_of_work() as uow, pytest.raises(OpenRequestExists) as refused:
            uow.approvals.add(_submitted("r2", resource_id="c"))
        assert refused.value.request_id == "r1"
        approved = _commit(store, lambda uow: uow.approvals.save(_approved(first, START)))
        with store.unit_of_work() as uow, pytest.raises(OpenRequestExists) as refused:
            uow.approvals.add(_submitted("r2", requester=_ANNA, resource_id="c"))
        assert refused.value.request_id == "r1"

        def others(uow: UnitOfWork) -> None:
            uow.approvals.add(_submitted("r3", requester=_BEA, resource_id="c"))
            uow.approvals.add(_submitted("r4", resource_id="c", resource_type=ResourceType.QUOTE))
            uow.approvals.add(
                _in(ApprovalStatus.CANCELLED, _submitted("r5", resource_id="c"), START)
            )

        _commit(store, others)
        _commit(store, lambda uow: uow.approvals.save(approved.cancel(_RITA, at=START + _MINUTE)))
        _commit(store, lambda uow: uow.approvals.add(_submitted("r6", resource_id="c")))
        with store.unit_of_work() as uow:
            uow.approvals.add(_submitted("r7", resource_id="d"))
            with pytest.raises(OpenRequestExists) as refused:
                uow.approvals.add(_submitted("r8", resource_id="d"))
        assert refused.value.request_id == "r7"
        assert _ids(_read(store, lambda uow: uow.approvals.search())) == [
            "r6",
            "r5",
            "r4",
            "r3",
            "r1",
        ]

    def test_of_two_units_of_work_opening_a_request_for_one_cart_the_later_is_refused(
        self, store: Store
    ) -> None:
        """Both saw the cart free; the one that writes second raises ``OpenRequestExists``.

        Nothing of the later unit of work is written: neither its request nor
        anything else it did.
        """
        self._approval_world(store)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            for uow in (first, second):
                assert uow.approvals.search(ApprovalQuery(resource_id="c")).items == ()
            first.approvals.add(_submitted("r1", resource_id="c"))
            first.commit()

            def add_and_commit() -> None:  # the refusal may come from either call
                second.approval_policies.add(_policy("p1", _ACME))
                second.approvals.add(_submitted("r2", requester=_ANNA, resource_id="c"))
                second.commit()

            with pytest.raises(OpenRequestExists) as refused:
                add_and_commit()
        assert refused.value.request_id == "r1"
        assert _ids(_read(store, lambda uow: uow.approvals.search())) == ["r1"]
        assert _read(store, lambda uow: uow.approval_policies.all()) == []

    def test_a_request_of_a_missing_company_or_requester_raises_validation_error(
        self, store: Store
    ) -> None:
        """A request names a stored company and a stored customer."""
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        _refused(
            store,
            ValidationError,
            lambda uow: uow.approvals.add(_submitted("r1")),  # rita is not stored
            lambda uow: uow.approvals.add(_submitted("r2", requester=_BEA)),  # neither bolt nor bea
        )
        assert _read(store, lambda uow: uow.approvals.search()).items == ()

        def add(uow: UnitOfWork) -> None:
            uow.customers.add(_RITA)
            uow.approvals.add(_submitted("r3"))

        _commit(store, add)
        assert _ids(_read(store, lambda uow: uow.approvals.search())) == ["r3"]

    def test_a_saved_request_keeps_its_company_requester_and_resource(self, store: Store) -> None:
        """``save`` refuses a copy moved to another company, requester or resource."""
        self._approval_world(store)
        stored = _commit(store, lambda uow: uow.approvals.add(_submitted("r1")))
        bea_asks = _submitted("r1", requester=_BEA)
        for changed in (
            attrs.evolve(bea_asks, version=1),
            attrs.evolve(stored, resource_id="cart-2"),
            attrs.evolve(stored, resource_type=ResourceType.QUOTE),
        ):

            def save(uow: UnitOfWork, changed: ApprovalRequest = changed) -> ApprovalRequest:
                return uow.approvals.save(changed)

            _refused(store, ValidationError, save)
        assert _read(store, lambda uow: uow.approvals.get(stored.id)) == stored

    def test_the_audit_trail_is_append_only(self, store: Store) -> None:
        """A copy whose trail does not continue the stored one is refused, even at its version."""
        self._approval_world(store)
        stored = _commit(store, lambda uow: uow.approvals.add(_submitted("r1")))
        once = _commit(store, lambda uow: uow.approvals.save(_approve_once(stored, START)))
        other_history = attrs.evolve(stored.cancel(_RITA, at=START + _MINUTE), version=once.version)
        trimmed = attrs.evolve(once, audit=once.audit[:1], tiers=stored.tiers)
        _refused(
            store,
            ValidationError,
            lambda uow: uow.approvals.save(other_history),
            lambda uow: uow.approvals.save(trimmed),
        )
        assert _read(store, lambda uow: uow.approvals.get(stored.id)) == once
        moved_on = _approve_once(once, START + _MINUTE)
        assert _commit(store, lambda uow: uow.approvals.save(moved_on)).version == 3
        assert _read(store, lambda uow: uow.approvals.get(stored.id)).status is (
            ApprovalStatus.APPROVED
        )

    # -- requests: look-ups

    def test_open_for_company_lists_pending_and_approved_requests_oldest_first(
        self, store: Store
    ) -> None:
        """Final requests and other companies' are left out; ties are broken by id."""
        self._approval_world(store)
        later = START + _MINUTE

        def add(uow: UnitOfWork) -> None:
            uow.approvals.add(_submitted("r-late", at=START + 2 * _MINUTE))
            uow.approvals.add(_in(ApprovalStatus.APPROVED, _submitted("r-b"), later))
            uow.approvals.add(_submitted("r-a"))
            for status in (
                ApprovalStatus.REJECTED,
                ApprovalStatus.CANCELLED,
                ApprovalStatus.COMPLETED,
                ApprovalStatus.EXPIRED,
            ):
                uow.approvals.add(_in(status, _submitted(f"r-{status.value}"), later))
            uow.approvals.add(_submitted("r-bolt", requester=_BEA))

        _commit(store, add)
        with store.unit_of_work() as uow:
            assert _ids(uow.approvals.open_for_company(_ACME)) == ["r-a", "r-b", "r-late"]
            assert _ids(uow.approvals.open_for_company(_BOLT)) == ["r-bolt"]
            assert uow.approvals.open_for_company(_HQ) == []
            assert uow.approvals.open_for_company(CompanyId("nowhere")) == []
            pending = uow.approvals.get(ApprovalRequestId("r-late"))
            uow.approvals.save(_in(ApprovalStatus.CANCELLED, pending, START + 3 * _MINUTE))
            uow.approvals.add(_submitted("r-new", at=START + 4 * _MINUTE))
            assert _ids(uow.approvals.open_for_company(_ACME)) == ["r-a", "r-b", "r-new"]
            with store.unit_of_work() as other:
                assert _ids(other.approvals.open_for_company(_ACME)) == ["r-a", "r-b", "r-late"]

    def test_due_includes_a_request_due_exactly_at_at_but_not_a_microsecond_later(
        self, store: Store
    ) -> None:
        """``due(at)`` lists open requests with ``expires_at <= at``, soonest first, ties by id."""
        self._approval_world(store)
        first = _submitted("r-first")
        expiry = first.expires_at

        def add(uow: UnitOfWork) -> None:
            uow.approvals.add(first)
            uow.approvals.add(_submitted("r-later", at=START + _MICROSECOND))
            uow.approvals.add(_submitted("a-same", requester=_BEA))
            uow.approvals.add(_in(ApprovalStatus.APPROVED, _submitted("r-approved"), START))
            uow.approvals.add(_in(ApprovalStatus.CANCELLED, _submitted("r-gone"), START))
            uow.approvals.add(_submitted("r-early", at=START - _MINUTE))

        _commit(store, add)
        with store.unit_of_work() as uow:
            assert uow.approvals.due(expiry - 2 * _MINUTE) == []
            assert _ids(uow.approvals.due(expiry - _MINUTE)) == ["r-early"]
            due = ["r-early", "a-same", "r-approved", "r-first"]
            assert _ids(uow.approvals.due(expiry)) == due
            assert _ids(uow.approvals.due(expiry + _MICROSECOND)) == [*due, "r-later"]
            assert _ids(uow.approvals.due(expiry, limit=2)) == due[:2]
            elsewhere = expiry.astimezone(timezone(timedelta(hours=-5)))
            assert _ids(uow.approvals.due(elsewhere)) == due

    def test_due_follows_the_sweep(self, store: Store) -> None:
        """Requests expired by the sweep and saved are no longer due."""
        self._approval_world(store)
        _commit(
            store,
            lambda uow: [
                uow.approvals.add(_submitted(f"r{n}", at=START + n * _MINUTE)) for n in (1, 2)
            ],
        )
        at = _submitted("x", at=START + _MINUTE).expires_at
        with store.unit_of_work() as uow:
            expired = expire_due(uow.approvals.due(at), at=at)
            assert _ids(expired) == ["r1"]
            for request in expired:
                uow.approvals.save(request)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.approvals.due(at) == []
            assert uow.approvals.get(ApprovalRequestId("r1")).status is ApprovalStatus.EXPIRED

    def test_due_refuses_a_naive_time_and_a_bad_limit(self, store: Store) -> None:
        """``at`` must be timezone-aware; ``limit`` a whole number >= 1."""
        with store.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.approvals.due(START.replace(tzinfo=None))
            for limit in (0, -1, 1.5, True):
                with pytest.raises(ValidationError):
                    uow.approvals.due(START, limit=limit)  # type: ignore[arg-type]

    def test_for_requester_lists_every_status_oldest_first(self, store: Store) -> None:
        """``for_requester`` lists a customer's requests, open or final, by submission and id."""
        self._approval_world(store)

        def add(uow: UnitOfWork) -> None:
            uow.approvals.add(_submitted("r-3", at=START + 2 * _MINUTE))
            uow.approvals.add(_in(ApprovalStatus.REJECTED, _submitted("r-2"), START + _MINUTE))
            uow.approvals.add(_in(ApprovalStatus.COMPLETED, _submitted("r-1"), START + _MINUTE))
            uow.approvals.add(_submitted("r-bea", requester=_BEA))

        _commit(store, add)
        with store.unit_of_work() as uow:
            assert _ids(uow.approvals.for_requester(_RITA.id)) == ["r-1", "r-2", "r-3"]
            assert _ids(uow.approvals.for_requester(_BEA.id)) == ["r-bea"]
            assert uow.approvals.for_requester(_ANNA.id) == []

    def test_search_filters_sorts_and_pages_requests(self, store: Store) -> None:
        """Filters combine (AND); newest first by default, ties by id; pages add up."""
        self._approval_world(store)
        later = START + 10 * _MINUTE
        rows = [
            ("r1", _RITA, 0, "cart-1", ResourceType.CART, ApprovalStatus.PENDING),
            ("r2", _RITA, 1, "quote-7", ResourceType.QUOTE, ApprovalStatus.APPROVED),
            ("r3", _RITA, 1, "cart-1", ResourceType.CART, ApprovalStatus.CANCELLED),
            ("r4", _BEA, 2, "cart-1", ResourceType.CART, ApprovalStatus.PENDING),
            ("r5", _BEA, 3, "order-9", ResourceType.ORDER, ApprovalStatus.REJECTED),
            ("r0", _RITA, 3, "cart-2", ResourceType.CART, ApprovalStatus.PENDING),
        ]

        def add(uow: UnitOfWork) -> None:
            for request_id, requester, minutes, resource, kind, status in rows:
                submitted = _submitted(
                    request_id,
                    requester=requester,
                    at=START + minutes * _MINUTE,
                    resource_id=resource,
                    resource_type=kind,
                )
                uow.approvals.add(_in(status, submitted, later))

        _commit(store, add)

        def search(**filters: object) -> list[str]:
            query = ApprovalQuery(**filters)  # type: ignore[arg-type]
            return _ids(_read(store, lambda uow: uow.approvals.search(query)))

        assert search() == ["r5", "r0", "r4", "r3", "r2", "r1"]
        assert search(descending=False) == ["r1", "r2", "r3", "r4", "r0", "r5"]
        assert search(company_id=_ACME) == ["r0", "r3", "r2", "r1"]
        assert search(requester_id=_BEA.id) == ["r5", "r4"]
        assert search(status=ApprovalStatus.PENDING) == ["r0", "r4", "r1"]
        assert search(status="pending", company_id=_BOLT) == ["r4"]
        assert search(resource_type=ResourceType.CART, resource_id="cart-1") == ["r4", "r3", "r1"]
        assert search(resource_id="cart-1", company_id=_ACME, status="cancelled") == ["r3"]
        assert search(resource_type="order") == ["r5"]
        assert search(company_id=_HQ) == []

        for descending in (True, False):

            def page(offset: int, *, descending: bool = descending) -> Page[ApprovalRequest]:
                query = ApprovalQuery(descending=descending, offset=offset, limit=4)
                return _read(store, lambda uow: uow.approvals.search(query))

            assert _ids(_all_pages(page)) == search(descending=descending)
        beyond = _read(store, lambda uow: uow.approvals.search(ApprovalQuery(offset=50)))
        assert (beyond.items, beyond.total, beyond.next_offset) == ((), 6, None)

    # -- requests: transactions

    def test_approval_changes_roll_back_with_the_unit_of_work(self, store: Store) -> None:
        """Approval writes left without ``commit`` are gone; a failed write changes nothing."""
        self._approval_world(store)
        kept = _commit(store, lambda uow: uow.approvals.add(_submitted("r1")))
        with store.unit_of_work() as uow:
            uow.approvals.save(_approve_once(kept, START))
            uow.approvals.add(_submitted("r2"))
            uow.approval_policies.add(_policy("p1", _ACME))
            uow.approval_groups.add(_group("g1", _ACME, _ANNA.id))
            uow.approver_limits.add(_approver_limit("l1", _ACME, customer_id="anna"))
            assert _ids(uow.approvals.open_for_company(_ACME)) == ["r1", "r2"]
        with store.unit_of_work() as uow:
            assert uow.approvals.get(kept.id) == kept
            assert _ids(uow.approvals.search()) == ["r1"]
            assert uow.approval_policies.all() == []
            assert uow.approval_groups.for_companies([_ACME]) == []
            assert uow.approver_limits.for_companies([_ACME]) == []
            uow.approvals.add(_submitted("r3"))
            with pytest.raises(AlreadyExists):
                uow.approvals.add(_submitted("r3"))
            uow.rollback()
            with pytest.raises(ValidationError):
                uow.approval_groups.add(_group("g2", _ACME, CustomerId("nobody")))
            uow.rollback()
            uow.approvals.add(_submitted("r4"))
            uow.commit()
        assert _ids(_read(store, lambda uow: uow.approvals.search())) == ["r4", "r1"]

    def test_the_later_of_two_units_of_work_moving_one_request_raises_stale_version(
        self, store: Store
    ) -> None:
        """Two approvers act on one request at once: the second writes nothing."""
        self._approval_world(store)
        stored = _commit(store, lambda uow: uow.approvals.add(_submitted("r1")))
        with store.unit_of_work() as first, store.unit_of_work() as second:
            mine = first.approvals.get(stored.id)
            theirs = second.approvals.get(stored.id)
            first.approvals.save(_approve_once(mine, START))
            first.commit()
            second.approvals.add(_submitted("r2"))

            def save_and_commit() -> None:  # StaleVersion may come from either call
                second.approvals.save(theirs.cancel(_RITA, at=START + _MINUTE))
                second.commit()

            with pytest.raises(StaleVersion):
                save_and_commit()
        with store.unit_of_work() as uow:
            assert uow.approvals.get(stored.id).version == 2
            assert uow.approvals.get(stored.id).status is not ApprovalStatus.CANCELLED
            assert _ids(uow.approvals.search()) == ["r1"]

    # -- policies

    def test_a_policy_is_added_saved_and_removed(self, store: Store, clock: ManualClock) -> None:
        """``add`` stamps version 1, ``save`` version + 1 (refusing stale copies); ``remove``."""
        self._approval_world(store)
        stored = _commit(store, lambda uow: uow.approval_policies.add(_LEAD_THEN_FINANCE))
        assert stored == _stamped(_LEAD_THEN_FINANCE, 1, START, START)
        later = clock.advance(_MINUTE)
        changed = attrs.evolve(stored, name="Renamed", allow_self_approval=True)
        saved = _commit(store, lambda uow: uow.approval_policies.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.approval_policies.save(attrs.evolve(stored, name="Stale")),
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.approval_policies.save(attrs.evolve(_policy("ghost", None), version=1)),
        )
        assert _read(store, lambda uow: uow.approval_policies.all()) == [saved]
        with store.unit_of_work() as uow:
            uow.approval_policies.remove(stored.id)
            with pytest.raises(NotFound):
                uow.approval_policies.get(stored.id)
            uow.commit()
        _refused(store, NotFound, lambda uow: uow.approval_policies.remove(stored.id))
        assert _read(store, lambda uow: uow.approval_policies.all()) == []

    def test_a_company_has_one_policy_and_the_seller_one(self, store: Store) -> None:
        """A second policy of a company, or a second seller-wide one, is refused."""
        self._approval_world(store)
        _commit(
            store,
            lambda uow: [
                uow.approval_policies.add(_policy("p-acme", _ACME)),
                uow.approval_policies.add(_policy("p-seller", None)),
            ],
        )
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.approval_policies.add(_policy("p-acme-2", _ACME)),
            lambda uow: uow.approval_policies.add(_policy("p-seller-2", None)),
            lambda uow: uow.approval_policies.add(_policy("p-acme", _BOLT)),
        )
        bolt = _commit(store, lambda uow: uow.approval_policies.add(_policy("p-bolt", _BOLT)))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.approval_policies.save(attrs.evolve(bolt, company_id=_ACME)),
            lambda uow: uow.approval_policies.save(attrs.evolve(bolt, company_id=None)),
        )
        assert _ids(_read(store, lambda uow: uow.approval_policies.all())) == [
            "p-acme",
            "p-bolt",
            "p-seller",
        ]

        def hand_over(uow: UnitOfWork) -> None:
            uow.approval_policies.remove(ApprovalPolicyId("p-seller"))
            uow.approval_policies.save(attrs.evolve(bolt, company_id=None))

        _commit(store, hand_over)
        with store.unit_of_work() as uow:
            assert uow.approval_policies.for_company(_ACME).id == "p-acme"
            assert uow.approval_policies.for_company(None).id == "p-bolt"
            with pytest.raises(NotFound):
                uow.approval_policies.for_company(_BOLT)
            assert _ids(uow.approval_policies.all()) == ["p-acme", "p-bolt"]

    def test_a_policy_of_a_missing_company_raises_validation_error(self, store: Store) -> None:
        """A company's policy names a stored company, on ``add`` and on ``save``."""
        self._approval_world(store)
        stored = _commit(store, lambda uow: uow.approval_policies.add(_policy("p1", None)))
        _refused(
            store,
            ValidationError,
            lambda uow: uow.approval_policies.add(_policy("p2", CompanyId("nowhere"))),
            lambda uow: uow.approval_policies.save(
                attrs.evolve(stored, company_id=CompanyId("nowhere"))
            ),
        )
        assert _read(store, lambda uow: uow.approval_policies.all()) == [stored]

    def test_a_stored_policy_keeps_every_field(self) -> None:
        """Whatever a valid policy holds comes back unchanged, seller-wide or a company's."""

        @self._property()
        @given(st_b2b.approval_policies(), st.sampled_from([None, _ACME]))
        def check(drawn: ApprovalPolicy, company_id: CompanyId | None) -> None:
            policy = attrs.evolve(drawn, company_id=company_id)
            with self._fresh_store() as (store, _clock):
                self._approval_world(store)
                stored = _commit(store, lambda uow: uow.approval_policies.add(policy))
                assert stored == _stamped(policy, 1, START, START)
                assert _read(store, lambda uow: uow.approval_policies.for_company(company_id)) == (
                    stored
                )

        check()

    # -- approval groups

    def test_an_approval_group_is_added_saved_and_removed(
        self, store: Store, clock: ManualClock
    ) -> None:
        """Versions, stale copies, unknown ids and removal, as for every aggregate."""
        self._approval_world(store)
        group = attrs.evolve(_group("g1", _ACME, _ANNA.id), roles=frozenset({Role.ADMIN}))
        stored = _commit(store, lambda uow: uow.approval_groups.add(group))
        assert stored == _stamped(group, 1, START, START)
        later = clock.advance(_MINUTE)
        changed = stored.with_member(_FIONA.id)
        saved = _commit(store, lambda uow: uow.approval_groups.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.approval_groups.save(stored.without_member(_ANNA.id)),
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.approval_groups.save(attrs.evolve(_group("ghost", _BOLT), version=1)),
        )
        with store.unit_of_work() as uow:
            assert uow.approval_groups.get(group.id) == saved
            assert uow.approval_groups.for_company(_ACME) == saved
            assert uow.approval_groups.for_companies([_ACME, _BOLT]) == [saved]
            uow.approval_groups.remove(group.id)
            with pytest.raises(NotFound):
                uow.approval_groups.get(group.id)
            with pytest.raises(NotFound):
                uow.approval_groups.for_company(_ACME)
            uow.commit()
        _refused(store, NotFound, lambda uow: uow.approval_groups.remove(group.id))
        _commit(store, lambda uow: uow.approval_groups.add(_group("g2", _ACME)))
        assert _read(store, lambda uow: uow.approval_groups.for_company(_ACME)).id == "g2"

    def test_a_company_has_one_approval_group(self, store: Store) -> None:
        """A second group of a company is refused, on ``add`` and when a group moves."""
        self._approval_world(store)
        _commit(store, lambda uow: uow.approval_groups.add(_group("g1", _ACME)))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.approval_groups.add(_group("g2", _ACME)),
            lambda uow: uow.approval_groups.add(_group("g1", _BOLT)),
        )
        bolt = _commit(store, lambda uow: uow.approval_groups.add(_group("g3", _BOLT)))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.approval_groups.save(attrs.evolve(bolt, company_id=_ACME)),
        )
        _commit(store, lambda uow: uow.approval_groups.add(_group("g4", _HQ)))
        with store.unit_of_work() as uow:
            assert _ids(uow.approval_groups.for_companies([_HQ, _ACME, _ACME])) == ["g1", "g4"]
            assert _ids(uow.approval_groups.for_companies(iter([_BOLT]))) == ["g3"]
            assert uow.approval_groups.for_companies([]) == []
            with pytest.raises(NotFound):
                uow.approval_groups.for_company(CompanyId("nowhere"))

    def test_an_approval_group_names_a_stored_company_and_stored_members(
        self, store: Store
    ) -> None:
        """A missing company or a listed customer who does not exist raises ``ValidationError``."""
        self._approval_world(store)
        stored = _commit(store, lambda uow: uow.approval_groups.add(_group("g1", _ACME)))
        nobody = CustomerId("nobody")
        _refused(
            store,
            ValidationError,
            lambda uow: uow.approval_groups.add(_group("g2", CompanyId("nowhere"))),
            lambda uow: uow.approval_groups.add(_group("g2", _BOLT, _BEA.id, nobody)),
            lambda uow: uow.approval_groups.save(stored.with_member(nobody)),
            lambda uow: uow.approval_groups.save(
                attrs.evolve(stored, company_id=CompanyId("nowhere"))
            ),
        )
        assert _read(store, lambda uow: uow.approval_groups.get(stored.id)) == stored
        assert _read(store, lambda uow: uow.approval_groups.for_companies([_BOLT])) == []
        _commit(store, lambda uow: uow.approval_groups.add(_group("g2", _BOLT, _BEA.id, _BERT.id)))
        assert _read(store, lambda uow: uow.approval_groups.get(stored.id)) == stored

    # -- approver limits

    def test_holding_an_approvers_tally_makes_the_next_holder_wait(self, store: Store) -> None:
        """Two units of work holding one approver's tally queue: the second goes on after the first.

        The approval service holds the acting approver's tally before it
        reads what they approved this period, so this queueing is what keeps
        two approvals at once within a cap per period.
        """
        anna = CustomerId("anna")
        _waits_for(
            store,
            lambda uow: uow.approver_limits.hold_tally(anna),
            lambda uow: uow.approver_limits.hold_tally(anna),
        )

    def test_an_approver_limit_is_added_saved_and_removed(
        self, store: Store, clock: ManualClock
    ) -> None:
        """Versions, stale copies, unknown ids and removal, as for every aggregate."""
        self._approval_world(store)
        limit = _approver_limit("l1", _ACME, customer_id="anna")
        stored = _commit(store, lambda uow: uow.approver_limits.add(limit))
        assert stored == _stamped(limit, 1, START, START)
        later = clock.advance(_MINUTE)
        changed = attrs.evolve(
            stored,
            maximum=Money(Decimal("2500.50"), "EUR"),
            per_period=Money(Decimal("9000.25"), "EUR"),
            period=RecurrencePeriod(
                rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", anchor=date(2026, 1, 5)
            ),
        )
        saved = _commit(store, lambda uow: uow.approver_limits.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        _refused(store, StaleVersion, lambda uow: uow.approver_limits.save(stored))
        _refused(
            store,
            NotFound,
            lambda uow: uow.approver_limits.save(
                attrs.evolve(_approver_limit("ghost", _ACME, role=Role.BUYER), version=1)
            ),
        )
        with store.unit_of_work() as uow:
            assert uow.approver_limits.get(limit.id) == saved
            assert uow.approver_limits.for_companies([_ACME]) == [saved]
            uow.approver_limits.remove(limit.id)
            with pytest.raises(NotFound):
                uow.approver_limits.get(limit.id)
            uow.commit()
        _refused(store, NotFound, lambda uow: uow.approver_limits.remove(limit.id))
        _commit(
            store,
            lambda uow: uow.approver_limits.add(_approver_limit("l2", _ACME, customer_id="anna")),
        )
        assert _ids(_read(store, lambda uow: uow.approver_limits.for_companies([_ACME]))) == ["l2"]

    def test_a_customer_or_role_has_one_approver_limit_per_company(self, store: Store) -> None:
        """One limit per customer and company, one per role and company; the two coexist."""
        self._approval_world(store)

        def add(uow: UnitOfWork) -> None:
            uow.approver_limits.add(_approver_limit("anna-acme", _ACME, customer_id="anna"))
            uow.approver_limits.add(_approver_limit("admins-acme", _ACME, role=Role.ADMIN))
            uow.approver_limits.add(_approver_limit("anna-hq", _HQ, customer_id="anna"))
            uow.approver_limits.add(_approver_limit("admins-hq", _HQ, role=Role.ADMIN))
            uow.approver_limits.add(_approver_limit("finance-acme", _ACME, role=Role.FINANCE))

        _commit(store, add)
        finance = _read(store, lambda uow: uow.approver_limits.get(ApproverLimitId("finance-acme")))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.approver_limits.add(_approver_limit("x", _ACME, customer_id="anna")),
            lambda uow: uow.approver_limits.add(_approver_limit("y", _ACME, role=Role.ADMIN)),
            lambda uow: uow.approver_limits.add(
                _approver_limit("anna-acme", _BOLT, role=Role.BUYER)
            ),
            lambda uow: uow.approver_limits.save(attrs.evolve(finance, role=Role.ADMIN)),
        )
        assert _read(store, lambda uow: uow.approver_limits.get(finance.id)) == finance
        _commit(
            store, lambda uow: uow.approver_limits.save(attrs.evolve(finance, role=Role.APPROVER))
        )
        with store.unit_of_work() as uow:
            assert _ids(uow.approver_limits.for_companies([_ACME])) == [
                "admins-acme",
                "anna-acme",
                "finance-acme",
            ]
            assert _ids(uow.approver_limits.for_companies([_HQ, _ACME, _HQ])) == [
                "admins-acme",
                "admins-hq",
                "anna-acme",
                "anna-hq",
                "finance-acme",
            ]
            assert uow.approver_limits.for_companies([_BOLT, CompanyId("nowhere")]) == []

    def test_an_approver_limit_names_a_stored_company_and_customer(self, store: Store) -> None:
        """A missing company, or a customer who does not exist, raises ``ValidationError``."""
        self._approval_world(store)
        stored = _commit(
            store,
            lambda uow: uow.approver_limits.add(_approver_limit("l1", _ACME, role=Role.ADMIN)),
        )
        _refused(
            store,
            ValidationError,
            lambda uow: uow.approver_limits.add(
                _approver_limit("l2", CompanyId("nowhere"), role=Role.ADMIN)
            ),
            lambda uow: uow.approver_limits.add(_approver_limit("l2", _ACME, customer_id="nobody")),
            lambda uow: uow.approver_limits.save(
                attrs.evolve(stored, role=None, customer_id=CustomerId("nobody"))
            ),
        )
        assert _read(store, lambda uow: uow.approver_limits.get(stored.id)) == stored
        assert _read(store, lambda uow: uow.approver_limits.for_companies([_ACME])) == [stored]
