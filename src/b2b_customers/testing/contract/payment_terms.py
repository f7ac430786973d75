"""The contract of the seller's payment terms: one per code, looked up by any spelling of it."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from moneyed import Money

from b2b_customers.credit import (
    NET_30,
    NET_60,
    CreditAccount,
    DaysAfterInvoice,
    EarlyPaymentDiscount,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
)
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion
from b2b_customers.ids import CompanyId, CreditAccountId
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _commit,
    _company,
    _read,
    _refused,
    _stamped,
    _waits_for,
)

if TYPE_CHECKING:
    from b2b_customers.clock import ManualClock
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["PaymentTermsContract"]


TWO_TEN_NET_30 = PaymentTerms(
    code="2-10-NET30",
    name="2% 10, net 30",
    instalments=[
        InstalmentTerm(portion=PercentPortion(percent=100), due=DaysAfterInvoice(days=30))
    ],
    discount=EarlyPaymentDiscount(within_days=10, percent=2),
)


def _account(account_id: str, company_id: str, terms: str) -> CreditAccount:
    return CreditAccount(
        id=CreditAccountId(account_id),
        company_id=CompanyId(company_id),
        currency="EUR",
        credit_limit=Money(Decimal(1000), "EUR"),
        payment_terms=terms,
    )


class PaymentTermsContract(ContractBase):
    """The seller's payment terms, and the accounts that name them."""

    def test_adding_terms_stamps_version_one_and_finds_them_by_any_spelling(
        self, store: Store
    ) -> None:
        """``add`` returns version 1; ``get`` takes the code in any case, with or without ``-_``."""
        stored = _commit(store, lambda uow: uow.payment_terms.add(TWO_TEN_NET_30))
        assert stored == _stamped(TWO_TEN_NET_30, 1, START, START)
        with store.unit_of_work() as uow:
            for spelling in ("2-10-NET30", "2_10_net30", "2 10 Net 30", "210NET30"):
                assert uow.payment_terms.get(spelling) == stored
            assert uow.payment_terms.get("2-10-net30", lock=True) == stored

    def test_a_stored_terms_keeps_every_field(self) -> None:
        """Whatever valid terms hold (rules, portions, discounts, rounding) comes back unchanged."""

        @self._property()
        @given(st_b2b.payment_terms())
        def check(terms: PaymentTerms) -> None:
            with self._fresh_store() as (store, _clock):
                stored = _commit(store, lambda uow: uow.payment_terms.add(terms))
                assert stored == _stamped(terms, 1, START, START)
                assert _read(store, lambda uow: uow.payment_terms.get(terms.code)) == stored
                assert _read(store, lambda uow: uow.payment_terms.all()) == [stored]

        check()

    def test_one_terms_per_code_however_it_is_spelt(self, store: Store) -> None:
        """A code whose key is taken raises ``AlreadyExists``, committed or in the same unit."""
        _commit(store, lambda uow: uow.payment_terms.add(NET_30))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.payment_terms.add(attrs.evolve(NET_60, code="net_30")),
        )
        with store.unit_of_work() as uow:
            uow.payment_terms.add(NET_60)
            with pytest.raises(AlreadyExists):
                uow.payment_terms.add(attrs.evolve(NET_30, code="Net-60"))
        assert _read(store, lambda uow: uow.payment_terms.all()) == [
            _stamped(NET_30, 1, START, START)
        ]

    def test_saving_terms_increments_the_version(self, store: Store, clock: ManualClock) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at``, keeping ``created_at``."""
        stored = _commit(store, lambda uow: uow.payment_terms.add(TWO_TEN_NET_30))
        later = clock.advance(timedelta(minutes=3))
        changed = attrs.evolve(stored, name="Two ten net thirty", discount=None)
        saved = _commit(store, lambda uow: uow.payment_terms.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        assert _read(store, lambda uow: uow.payment_terms.get("2-10-net30")) == saved

    def test_saving_stale_or_unknown_terms_is_refused(self, store: Store) -> None:
        """A copy of an older version raises ``StaleVersion``; terms never stored ``NotFound``."""
        stored = _commit(store, lambda uow: uow.payment_terms.add(TWO_TEN_NET_30))
        renamed = _commit(
            store, lambda uow: uow.payment_terms.save(attrs.evolve(stored, name="Renamed"))
        )
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.payment_terms.save(attrs.evolve(stored, name="Stale")),
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.payment_terms.save(attrs.evolve(NET_60, version=1)),
        )
        assert _read(store, lambda uow: uow.payment_terms.all()) == [renamed]

    def test_terms_read_with_lock_make_a_removal_wait(self, store: Store) -> None:
        """A unit of work that read terms with ``lock=True`` holds them: a removal waits for it.

        Opening an account or changing its terms reads the terms so; the
        removal then sees the account naming them and is refused, instead of
        leaving an account on terms that no longer exist.
        """
        _commit(store, lambda uow: uow.payment_terms.add(TWO_TEN_NET_30))
        _waits_for(
            store,
            lambda uow: uow.payment_terms.get("2-10-net30", lock=True),
            lambda uow: uow.payment_terms.remove("2-10-net30"),
        )

    def test_a_code_read_with_lock_makes_an_addition_wait_though_nothing_is_stored(
        self, store: Store
    ) -> None:
        """``get(code, lock=True)`` holds the code even when it finds nothing (a preset's code).

        Moving an account onto a preset reads its code so; terms stored for
        that code meanwhile wait, and then see the account (whose currency
        their fixed amounts must fit), instead of crossing it.
        """

        def hold(uow: UnitOfWork) -> None:
            with contextlib.suppress(NotFound):
                uow.payment_terms.get("NET60", lock=True)

        _waits_for(
            store, hold, lambda uow: uow.payment_terms.add(attrs.evolve(NET_60, name="Ours"))
        )

    def test_terms_read_with_lock_make_a_save_wait(self, store: Store) -> None:
        """A unit of work that read terms with ``lock=True`` holds them: a change waits for it.

        Terms given fixed amounts are checked against the accounts naming
        them; an account moving onto them meanwhile is seen by that check.
        """
        stored = _commit(store, lambda uow: uow.payment_terms.add(TWO_TEN_NET_30))
        _waits_for(
            store,
            lambda uow: uow.payment_terms.get("2-10-net30", lock=True),
            lambda uow: uow.payment_terms.save(attrs.evolve(stored, name="Renamed")),
        )

    def test_removed_terms_are_gone(self, store: Store) -> None:
        """``remove`` deletes by any spelling; removing or reading missing terms raises NotFound."""
        _commit(store, lambda uow: uow.payment_terms.add(TWO_TEN_NET_30))
        _commit(store, lambda uow: uow.payment_terms.remove("2_10_net30"))
        assert _read(store, lambda uow: uow.payment_terms.all()) == []
        _refused(
            store,
            NotFound,
            lambda uow: uow.payment_terms.get("2-10-NET30"),
            lambda uow: uow.payment_terms.remove("2-10-NET30"),
        )

    def test_terms_added_but_not_committed_are_not_stored(self, store: Store) -> None:
        """Leaving the unit of work without commit throws the terms away."""
        with store.unit_of_work() as uow:
            uow.payment_terms.add(TWO_TEN_NET_30)
            assert uow.payment_terms.get("2-10-NET30").version == 1  # seen in its own unit
        assert _read(store, lambda uow: uow.payment_terms.all()) == []

    def test_every_terms_is_listed_sorted_by_the_key_of_its_code(self, store: Store) -> None:
        """``all`` sorts by the compared form of the code, not by its spelling."""
        with store.unit_of_work() as uow:
            for terms in (NET_60, attrs.evolve(NET_30, code="net_30"), TWO_TEN_NET_30):
                uow.payment_terms.add(terms)
            uow.commit()
        listed = _read(store, lambda uow: uow.payment_terms.all())
        assert [terms.code for terms in listed] == ["2-10-NET30", "net_30", "NET60"]

    def test_the_accounts_using_terms_are_found_by_any_spelling_of_the_code(
        self, store: Store
    ) -> None:
        """``credit.using_terms`` lists the accounts whose code has the same key, sorted."""
        _commit(
            store,
            lambda uow: uow.companies.add_many([_company("acme"), _company("bolt"), _company("c")]),
        )
        _commit(store, lambda uow: uow.credit.add(_account("k2", "bolt", "net_30")))
        _commit(store, lambda uow: uow.credit.add(_account("k1", "acme", "NET30")))
        _commit(store, lambda uow: uow.credit.add(_account("k3", "c", "NET60")))
        assert _read(store, lambda uow: uow.credit.using_terms("Net-30")) == ["k1", "k2"]
        assert _read(store, lambda uow: uow.credit.using_terms("EOM30")) == []
