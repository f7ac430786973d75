"""The contract of purchasing limits: add, save, remove, get and ``set_on``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given
from moneyed import Money

from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits.periods import CalendarPeriod
from b2b_customers.limits.rules import (
    BudgetLimit,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    PurchasingLimit,
    ScopeKind,
)
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _commit,
    _company,
    _ids,
    _read,
    _refused,
    _stamped,
)

if TYPE_CHECKING:
    from b2b_customers.clock import ManualClock
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["LimitContract"]


def _limit(limit_id: str, company_id: str, **fields: Any) -> PurchasingLimit:  # noqa: ANN401  (any PurchasingLimit field)
    fields.setdefault("scope", LimitScope(kind=ScopeKind.COMPANY, company_id=CompanyId(company_id)))
    fields.setdefault("rule", OrderTotalLimit(maximum=Money(Decimal(500), "EUR")))
    return PurchasingLimit(id=LimitId(limit_id), **fields)


def _on(limit: PurchasingLimit, company_id: str) -> PurchasingLimit:
    """Return ``limit`` with its scope set on ``company_id``."""
    return attrs.evolve(limit, scope=attrs.evolve(limit.scope, company_id=CompanyId(company_id)))


class LimitContract(ContractBase):
    """Purchasing limits."""

    def _limit_world(self, store: Store) -> None:
        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company("acme"), _company("bolt"), _company("cato", parent_id="acme")]
            ),
        )

    def test_adding_a_limit_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the limit at version 1, created and updated now."""
        self._limit_world(store)
        limit = _limit("lim1", "acme", name="Order cap")
        stored = _commit(store, lambda uow: uow.limits.add(limit))
        assert stored == _stamped(limit, 1, START, START)
        assert _read(store, lambda uow: uow.limits.get(limit.id)) == stored

    def test_a_stored_limit_keeps_every_field(self) -> None:
        """Whatever a valid limit holds (any scope, any rule, any period) comes back unchanged."""

        @self._property()
        @given(st_b2b.purchasing_limits().map(lambda limit: _on(limit, "acme")))
        def check(limit: PurchasingLimit) -> None:
            with self._fresh_store() as (store, _clock):
                self._limit_world(store)
                stored = _commit(store, lambda uow: uow.limits.add(limit))
                assert stored == _stamped(limit, 1, START, START)
                assert _read(store, lambda uow: uow.limits.get(limit.id)) == stored
                assert _read(store, lambda uow: uow.limits.set_on([CompanyId("acme")])) == [stored]

        check()

    def test_saving_a_limit_increments_the_version(self, store: Store, clock: ManualClock) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at``, keeping ``created_at``."""
        self._limit_world(store)
        stored = _commit(store, lambda uow: uow.limits.add(_limit("lim1", "acme")))
        later = clock.advance(timedelta(minutes=3))
        budget = BudgetLimit(
            maximum=Money(Decimal(5000), "EUR"), period=CalendarPeriod(unit="month")
        )
        changed = attrs.evolve(stored, rule=budget, on_exceed=OnExceed.DENY, active=False)
        saved = _commit(store, lambda uow: uow.limits.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        assert _read(store, lambda uow: uow.limits.get(stored.id)) == saved

    def test_adding_a_limit_with_a_taken_id_raises_already_exists(self, store: Store) -> None:
        """Limit ids are unique, committed or added in the same unit of work."""
        self._limit_world(store)
        _commit(store, lambda uow: uow.limits.add(_limit("lim1", "acme")))
        _refused(store, AlreadyExists, lambda uow: uow.limits.add(_limit("lim1", "bolt")))
        with store.unit_of_work() as uow:
            uow.limits.add(_limit("lim2", "bolt"))
            with pytest.raises(AlreadyExists):
                uow.limits.add(_limit("lim2", "acme"))
        with store.unit_of_work() as uow:
            assert _ids(uow.limits.set_on([CompanyId("acme")])) == ["lim1"]
            assert uow.limits.set_on([CompanyId("bolt")]) == []

    def test_a_limit_on_a_missing_company_raises_validation_error(self, store: Store) -> None:
        """A limit's scope must name a stored company, on ``add`` and on ``save``."""
        self._limit_world(store)
        stored = _commit(store, lambda uow: uow.limits.add(_limit("lim1", "acme")))
        _refused(
            store,
            ValidationError,
            lambda uow: uow.limits.add(_limit("lim2", "nowhere")),
            lambda uow: uow.limits.save(_on(stored, "nowhere")),
        )
        assert _read(store, lambda uow: uow.limits.get(stored.id)) == stored
        assert _read(store, lambda uow: uow.limits.set_on([CompanyId("nowhere")])) == []

    def test_saving_a_stale_or_unknown_limit_is_refused(self, store: Store) -> None:
        """A copy of an older version raises ``StaleVersion``; an unknown id ``NotFound``."""
        self._limit_world(store)
        stored = _commit(store, lambda uow: uow.limits.add(_limit("lim1", "acme")))
        _commit(store, lambda uow: uow.limits.save(attrs.evolve(stored, name="Renamed")))
        _refused(
            store, StaleVersion, lambda uow: uow.limits.save(attrs.evolve(stored, name="Stale"))
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.limits.save(_limit("ghost", "acme", version=1)),
            lambda uow: uow.limits.get(LimitId("ghost")),
        )
        assert _read(store, lambda uow: uow.limits.get(stored.id)).name == "Renamed"
        assert _ids(_read(store, lambda uow: uow.limits.set_on([CompanyId("acme")]))) == ["lim1"]

    def test_removing_a_limit_deletes_it(self, store: Store) -> None:
        """A removed limit is gone, from ``get`` and from ``set_on``; its id is free again."""
        self._limit_world(store)
        _commit(store, lambda uow: uow.limits.add(_limit("lim1", "acme")))
        _commit(store, lambda uow: uow.limits.remove(LimitId("lim1")))
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.limits.get(LimitId("lim1"))
            assert uow.limits.set_on([CompanyId("acme")]) == []
        _refused(store, NotFound, lambda uow: uow.limits.remove(LimitId("lim1")))
        _commit(store, lambda uow: uow.limits.add(_limit("lim1", "bolt")))
        assert _ids(_read(store, lambda uow: uow.limits.set_on([CompanyId("bolt")]))) == ["lim1"]

    def test_set_on_returns_the_limits_of_any_of_the_companies_sorted_by_id(
        self, store: Store
    ) -> None:
        """``set_on`` finds limits by the company they are set on, active or not, once each."""
        self._limit_world(store)

        def add(uow: UnitOfWork) -> None:
            uow.limits.add(_limit("z-acme", "acme"))
            uow.limits.add(_limit("a-acme-off", "acme", active=False))
            uow.limits.add(
                _limit(
                    "m-acme-group",
                    "acme",
                    scope=LimitScope(
                        kind=ScopeKind.COMPANY, company_id=CompanyId("acme"), include_subtree=True
                    ),
                )
            )
            uow.limits.add(
                _limit(
                    "b-cato-buyer",
                    "cato",
                    scope=LimitScope(
                        kind=ScopeKind.CUSTOMER, company_id=CompanyId("cato"), target="ann"
                    ),
                )
            )
            uow.limits.add(_limit("c-bolt", "bolt"))

        _commit(store, add)
        with store.unit_of_work() as uow:
            acme, cato, bolt = CompanyId("acme"), CompanyId("cato"), CompanyId("bolt")
            assert _ids(uow.limits.set_on([acme])) == ["a-acme-off", "m-acme-group", "z-acme"]
            assert _ids(uow.limits.set_on([cato, acme, acme])) == [
                "a-acme-off",
                "b-cato-buyer",
                "m-acme-group",
                "z-acme",
            ]
            assert _ids(uow.limits.set_on(iter([bolt, CompanyId("nowhere")]))) == ["c-bolt"]
            assert uow.limits.set_on([]) == []

    def test_set_on_follows_uncommitted_changes_of_the_unit_of_work(self, store: Store) -> None:
        """Inside a unit of work, moved, added and removed limits show in ``set_on`` at once."""
        self._limit_world(store)
        moving = _commit(store, lambda uow: uow.limits.add(_limit("lim1", "acme")))
        _commit(store, lambda uow: uow.limits.add(_limit("lim2", "acme")))
        with store.unit_of_work() as uow:
            uow.limits.save(_on(moving, "bolt"))
            uow.limits.remove(LimitId("lim2"))
            uow.limits.add(_limit("lim3", "acme"))
            assert _ids(uow.limits.set_on([CompanyId("acme")])) == ["lim3"]
            assert _ids(uow.limits.set_on([CompanyId("bolt")])) == ["lim1"]
            with store.unit_of_work() as other:
                assert _ids(other.limits.set_on([CompanyId("acme")])) == ["lim1", "lim2"]
        assert _ids(_read(store, lambda uow: uow.limits.set_on([CompanyId("acme")]))) == [
            "lim1",
            "lim2",
        ]
