"""The contract of credit accounts and their append-only ledgers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.ledger import LedgerEntry, replay
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, CreditAccountId
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _commit,
    _company,
    _read,
    _stamped,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.clock import ManualClock
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["CreditContract"]

_ACCOUNT = CreditAccountId("acct")


def _eur(amount: int | str) -> Money:
    return Money(Decimal(amount), "EUR")


def _account(account_id: str = _ACCOUNT, company_id: str = "acme", **fields: Any) -> CreditAccount:  # noqa: ANN401  (any CreditAccount field)
    fields.setdefault("currency", "EUR")
    fields.setdefault("credit_limit", _eur(1000))
    return CreditAccount(id=CreditAccountId(account_id), company_id=CompanyId(company_id), **fields)


def _listed(pair: tuple[CreditAccount, LedgerEntry]) -> tuple[CreditAccount, list[LedgerEntry]]:
    """Turn ``(account, entry)`` as the account's methods return it into ``save``'s arguments."""
    account, entry = pair
    return account, [entry]


def _entries(entries: LedgerEntry | tuple[LedgerEntry, ...]) -> list[LedgerEntry]:
    return list(entries) if isinstance(entries, tuple) else [entries]


def _sharing(account: CreditAccount, *company_ids: CompanyId) -> CreditAccount:
    """Return ``account`` shared with exactly ``company_ids``."""
    changes: dict[str, Any] = {"shared_with": frozenset(company_ids)}
    return attrs.evolve(account, **changes)


def _reserve(
    account: CreditAccount, order: str, amount: int, entry_id: str
) -> tuple[CreditAccount, LedgerEntry]:
    return account.reserve(order, _eur(amount), entry_id=entry_id, at=START)


class CreditContract(ContractBase):
    """Credit accounts and their ledgers."""

    def _credit_world(self, store: Store, *accounts: CreditAccount) -> list[CreditAccount]:
        def add(uow: UnitOfWork) -> list[CreditAccount]:
            uow.companies.add_many(
                [_company("acme"), _company("bolt"), _company("cato"), _company("dart")]
            )
            return [uow.credit.add(account) for account in accounts]

        return _commit(store, add)

    def _book(self, store: Store, account: CreditAccount, *entries: LedgerEntry) -> CreditAccount:
        return _commit(store, lambda uow: uow.credit.save(account, entries))

    # -- add, save, get

    def test_adding_an_account_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the account at version 1, created and updated now, with no entries."""
        account = _account(shared_with={CompanyId("bolt")}, balance=_eur(250))
        (stored,) = self._credit_world(store, account)
        assert stored == _stamped(account, 1, START, START)
        with store.unit_of_work() as uow:
            assert uow.credit.get(account.id) == stored
            assert uow.credit.entries(account.id) == []

    def test_a_stored_account_keeps_every_field(self) -> None:
        """Whatever a valid new account holds comes back unchanged (but for the stamps)."""
        accounts = st.sets(st.sampled_from([CompanyId("bolt"), CompanyId("cato")])).flatmap(
            lambda shared: st_b2b.credit_accounts(
                company_id=CompanyId("acme"), last_sequence=0, shared_with=shared
            )
        )

        @self._property()
        @given(accounts)
        def check(account: CreditAccount) -> None:
            with self._fresh_store() as (store, _clock):
                (stored,) = self._credit_world(store, account)
                assert stored == _stamped(account, 1, START, START)
                assert _read(store, lambda uow: uow.credit.get(account.id)) == stored

        check()

    def test_a_stored_ledger_entry_keeps_every_field(self) -> None:
        """Whatever a valid entry holds comes back from ``entries`` unchanged."""
        entries = st_b2b.ledger_entries(account_id=_ACCOUNT, sequence=1)

        @self._property()
        @given(entries)
        def check(entry: LedgerEntry) -> None:
            with self._fresh_store() as (store, _clock):
                (stored,) = self._credit_world(store, _account())
                self._book(store, attrs.evolve(stored, last_sequence=1), entry)
                assert _read(store, lambda uow: uow.credit.entries(_ACCOUNT)) == [entry]

        check()

    def test_saving_an_account_with_entries_appends_them_in_one_step(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``save`` stores version + 1 and appends the entries the account's methods returned."""
        (stored,) = self._credit_world(store, _account())
        later = clock.advance(timedelta(hours=1))
        reserved, first = _reserve(stored, "o1", 100, "e1")
        invoiced, second = reserved.post_invoice(
            "inv-1", _eur(100), entry_id="e2", at=later, order_reference="o1"
        )
        saved = self._book(store, invoiced, first, second)
        assert saved == _stamped(invoiced, 2, START, later)
        with store.unit_of_work() as uow:
            assert uow.credit.get(stored.id) == saved
            assert uow.credit.entries(stored.id) == [first, second]
        paid, third = saved.receive_payment("pay-1", _eur(40), entry_id="e3", at=later)
        again = self._book(store, paid, third)
        assert (again.version, again.last_sequence, again.balance) == (3, 3, _eur(60))
        assert _read(store, lambda uow: uow.credit.entries(stored.id)) == [first, second, third]

    def test_saving_without_entries_leaves_the_ledger_alone(self, store: Store) -> None:
        """A change that moves no figures (a new limit, a hold) appends nothing."""
        (stored,) = self._credit_world(store, _account())
        reserved, entry = _reserve(stored, "o1", 100, "e1")
        booked = self._book(store, reserved, entry)
        raised = self._book(store, booked.with_limit(_eur(2000)))
        held = self._book(store, raised.place_hold("overdue", at=START))
        assert (held.version, held.credit_limit, held.on_hold) == (4, _eur(2000), True)
        assert _read(store, lambda uow: uow.credit.entries(stored.id)) == [entry]

    def test_replaying_the_stored_ledger_gives_the_stored_totals(
        self, store: Store, clock: ManualClock
    ) -> None:
        """The entries as stored add up to the balance and reserved amount as stored."""
        (account,) = self._credit_world(store, _account(credit_limit=_eur(5000)))
        steps: list[Callable[[CreditAccount], tuple[CreditAccount, LedgerEntry]]] = [
            lambda a: _reserve(a, "o1", 300, "e1"),
            lambda a: _reserve(a, "o2", 200, "e2"),
            lambda a: a.post_invoice(
                "inv-1", _eur("310.50"), entry_id="e3", at=clock.now(), order_reference="o1"
            ),
            lambda a: a.release("o2", entry_id="e4", at=clock.now(), actor="ops"),
            lambda a: a.receive_payment("pay-1", _eur(100), entry_id="e5", at=clock.now()),
            lambda a: a.issue_credit_note("cn-1", _eur("10.25"), entry_id="e6", at=clock.now()),
            lambda a: a.adjust(
                _eur(-5), reason="rounding", actor="ops", entry_id="e7", at=clock.now()
            ),
            lambda a: _reserve(a, "o3", 50, "e8"),
        ]
        for step in steps:
            clock.advance(timedelta(hours=1))
            current = _read(store, lambda uow: uow.credit.get(account.id))
            changed, entry = step(current)
            self._book(store, changed, entry)
        with store.unit_of_work() as uow:
            final = uow.credit.get(account.id)
            entries = uow.credit.entries(account.id)
        assert [entry.sequence for entry in entries] == list(range(1, 9))
        totals = replay(entries, final.currency)
        assert (totals.balance, totals.reserved) == (final.balance, final.reserved)
        assert (final.balance, final.reserved) == (_eur("195.25"), _eur(50))

    def test_an_account_must_start_with_an_empty_ledger(self, store: Store) -> None:
        """``add`` refuses an account whose ``last_sequence`` is not 0."""
        self._credit_world(store)
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.credit.add(_account(last_sequence=2))

    def test_an_account_of_a_missing_company_raises_validation_error(self, store: Store) -> None:
        """The owner and every company shared with must exist, on ``add`` and on ``save``."""
        (stored,) = self._credit_world(store, _account())
        with store.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.credit.add(_account("a2", "nowhere"))
            with pytest.raises(ValidationError):
                uow.credit.add(_account("a2", "bolt", shared_with={CompanyId("nowhere")}))
            with pytest.raises(ValidationError):
                uow.credit.save(_sharing(stored, CompanyId("nowhere")))
            uow.commit()
        assert _read(store, lambda uow: uow.credit.get(stored.id)) == stored

    def test_a_company_draws_on_one_account_at_most(self, store: Store) -> None:
        """An id, an owner or a shared company already covered raises ``AlreadyExists``."""
        (stored,) = self._credit_world(store, _account(shared_with={CompanyId("bolt")}))
        with store.unit_of_work() as uow:
            for taken in (
                _account(_ACCOUNT, "cato"),  # the id
                _account("a2", "acme"),  # owner of the other
                _account("a2", "bolt"),  # shared by the other
                _account("a2", "cato", shared_with={CompanyId("acme")}),
                _account("a2", "cato", shared_with={CompanyId("bolt")}),
            ):
                with pytest.raises(AlreadyExists):
                    uow.credit.add(taken)
            other = uow.credit.add(_account("a2", "cato"))
            with pytest.raises(AlreadyExists):
                uow.credit.save(_sharing(other, CompanyId("bolt")))
            uow.credit.save(_sharing(other, CompanyId("dart")))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.credit.get(stored.id) == stored
            assert uow.credit.for_company(CompanyId("dart")).id == "a2"

    def test_a_company_taken_off_an_account_may_join_another(self, store: Store) -> None:
        """Once an account stops covering a company, another may cover it."""
        (first,) = self._credit_world(store, _account(shared_with={CompanyId("bolt")}))
        with store.unit_of_work() as uow:
            uow.credit.save(_sharing(first))
            uow.credit.add(_account("a2", "bolt"))
            uow.commit()
        assert _read(store, lambda uow: uow.credit.for_company(CompanyId("bolt"))).id == "a2"

    def test_saving_a_stale_or_unknown_account_is_refused(self, store: Store) -> None:
        """A copy of an older version raises ``StaleVersion``; an unknown id ``NotFound``."""
        (stored,) = self._credit_world(store, _account())
        self._book(store, stored.with_limit(_eur(10)))
        reserved, entry = _reserve(stored.with_limit(_eur(2000)), "o1", 100, "e1")
        with store.unit_of_work() as uow:
            with pytest.raises(StaleVersion):
                uow.credit.save(reserved, [entry])
            with pytest.raises(NotFound):
                uow.credit.save(_account("ghost", version=1))
            with pytest.raises(NotFound):
                uow.credit.get(CreditAccountId("ghost"))
            with pytest.raises(NotFound):
                uow.credit.entries(CreditAccountId("ghost"))
        with store.unit_of_work() as uow:
            assert uow.credit.get(stored.id).credit_limit == _eur(10)
            assert uow.credit.entries(stored.id) == []

    # -- the ledger must go on without gaps

    def test_entries_that_do_not_continue_the_ledger_raise_validation_error(
        self, store: Store
    ) -> None:
        """Gaps, repeats, a wrong end or another account's entries: refused, nothing written."""
        (stored,) = self._credit_world(store, _account())
        stored = self._book(store, *_reserve(stored, "o0", 10, "e0"))  # sequence 1
        reserved, entry = _reserve(stored, "o1", 100, "e1")  # sequence 2
        _other, foreign = _reserve(_account("a2", "bolt"), "o9", 5, "x1")
        bad_saves: list[tuple[CreditAccount, list[LedgerEntry]]] = [
            (reserved, []),  # the account moved on, the ledger did not
            (stored, [entry]),  # an entry the account does not count
            (attrs.evolve(reserved, last_sequence=3), [attrs.evolve(entry, sequence=3)]),  # gap
            (reserved, [attrs.evolve(entry, sequence=1)]),  # repeats a stored sequence
            (
                attrs.evolve(reserved, last_sequence=3),
                [entry, attrs.evolve(entry, id="e2", sequence=2)],
            ),
            (reserved, [attrs.evolve(entry, account_id=CreditAccountId("a2"))]),
            (attrs.evolve(reserved, last_sequence=3), [entry, attrs.evolve(foreign, sequence=3)]),
            (attrs.evolve(stored, last_sequence=0), []),  # the ledger cannot shrink
        ]
        with store.unit_of_work() as uow:
            for account, entries in bad_saves:
                with pytest.raises(ValidationError):
                    uow.credit.save(account, entries)
            assert uow.credit.get(stored.id) == stored
            assert [e.id for e in uow.credit.entries(stored.id)] == ["e0"]
            uow.credit.save(reserved, [entry])  # the unit of work goes on
            uow.commit()
        assert [e.id for e in _read(store, lambda uow: uow.credit.entries(stored.id))] == [
            "e0",
            "e1",
        ]

    def test_a_taken_entry_id_raises_already_exists(self, store: Store) -> None:
        """Entry ids are unique across every ledger of the store, and within one save."""
        first, second = self._credit_world(store, _account(), _account("a2", "bolt"))
        first = self._book(store, *_reserve(first, "o1", 10, "e1"))
        with store.unit_of_work() as uow:
            second = uow.credit.save(*_listed(_reserve(second, "o5", 10, "e5")))
            reserved, entry = _reserve(first, "o2", 10, "e2")
            twice, again = _reserve(reserved, "o3", 10, "e2")
            for account, entries in (
                (_reserve(first, "o2", 10, "e1")),  # in this ledger
                (_reserve(first, "o2", 10, "e5")),  # in another ledger, not yet committed
                (twice, (entry, again)),  # twice in one save
            ):
                with pytest.raises(AlreadyExists):
                    uow.credit.save(account, _entries(entries))
            assert [e.id for e in uow.credit.entries(first.id)] == ["e1"]
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.credit.get(first.id) == first
            with pytest.raises(AlreadyExists):
                uow.credit.save(*_listed(_reserve(first, "o2", 10, "e5")))  # committed
            assert [e.id for e in uow.credit.entries(first.id)] == ["e1"]
            assert [e.id for e in uow.credit.entries(second.id)] == ["e5"]

    # -- concurrency and transactions

    def test_two_concurrent_reservations_cannot_both_pass(self, store: Store) -> None:
        """Both read the account and reserve: the first commit wins, the second is stale."""
        (stored,) = self._credit_world(store, _account(credit_limit=_eur(150)))
        with store.unit_of_work() as first, store.unit_of_work() as second:
            mine = first.credit.get(stored.id)
            theirs = second.credit.get(stored.id)
            first.credit.save(*_listed(_reserve(mine, "o1", 100, "e1")))
            first.commit()
            late, late_entry = _reserve(theirs, "o2", 100, "e2")  # fits the copy it read

            def reserve_and_commit() -> None:  # StaleVersion may come from either call
                second.credit.save(late, [late_entry])
                second.commit()

            with pytest.raises(StaleVersion):
                reserve_and_commit()
        with store.unit_of_work() as uow:
            account = uow.credit.get(stored.id)
            assert (account.version, account.reserved, account.last_sequence) == (2, _eur(100), 1)
            assert [e.id for e in uow.credit.entries(stored.id)] == ["e1"]

    def test_a_stale_reservation_in_a_later_unit_of_work_is_refused(self, store: Store) -> None:
        """A copy read before another unit of work committed cannot be saved afterwards."""
        (stored,) = self._credit_world(store, _account(credit_limit=_eur(150)))
        copies = [_read(store, lambda uow: uow.credit.get(stored.id)) for _ in range(2)]
        self._book(store, *_reserve(copies[0], "o1", 100, "e1"))
        with store.unit_of_work() as uow:

            def reserve_and_commit() -> None:  # StaleVersion may come from either call
                uow.credit.save(*_listed(_reserve(copies[1], "o2", 100, "e2")))
                uow.commit()

            with pytest.raises(StaleVersion):
                reserve_and_commit()
        assert [e.id for e in _read(store, lambda uow: uow.credit.entries(stored.id))] == ["e1"]

    def test_entries_of_a_unit_of_work_that_does_not_commit_are_dropped(self, store: Store) -> None:
        """Rolling back drops the account's change and its entries alike."""
        (stored,) = self._credit_world(store, _account())
        with store.unit_of_work() as uow:
            saved = uow.credit.save(*_listed(_reserve(stored, "o1", 100, "e1")))
            assert [e.id for e in uow.credit.entries(stored.id)] == ["e1"]
            uow.rollback()
            assert uow.credit.get(stored.id) == stored
            assert uow.credit.entries(stored.id) == []
            uow.credit.save(*_listed(_reserve(stored, "o1", 100, "e1")))
        with store.unit_of_work() as uow:
            assert uow.credit.get(stored.id) == stored
            assert uow.credit.entries(stored.id) == []
        assert saved.version == 2

    def test_a_unit_of_work_sees_its_own_accounts_and_entries_only(self, store: Store) -> None:
        """Uncommitted accounts and entries show inside their unit of work, nowhere else."""
        self._credit_world(store)
        with store.unit_of_work() as writer:
            added = writer.credit.add(_account(shared_with={CompanyId("bolt")}))
            booked = writer.credit.save(*_listed(_reserve(added, "o1", 100, "e1")))
            assert writer.credit.for_company(CompanyId("bolt")) == booked
            assert [e.id for e in writer.credit.entries(added.id)] == ["e1"]
            with store.unit_of_work() as reader:
                with pytest.raises(NotFound):
                    reader.credit.for_company(CompanyId("bolt"))
                with pytest.raises(NotFound):
                    reader.credit.entries(added.id)
            writer.commit()
        with store.unit_of_work() as reader:
            assert reader.credit.for_company(CompanyId("acme")) == booked
            assert [e.id for e in reader.credit.entries(added.id)] == ["e1"]

    # -- look-ups

    def test_for_company_finds_the_account_owned_or_shared(self, store: Store) -> None:
        """The owner and each company shared with find the account; others ``NotFound``."""
        (stored,) = self._credit_world(
            store, _account(shared_with={CompanyId("bolt"), CompanyId("cato")})
        )
        with store.unit_of_work() as uow:
            for company in ("acme", "bolt", "cato"):
                assert uow.credit.for_company(CompanyId(company)) == stored
            for company in ("dart", "nowhere"):
                with pytest.raises(NotFound):
                    uow.credit.for_company(CompanyId(company))

    def test_entries_since_and_until_pick_a_half_open_span(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``since`` is inclusive and ``until`` exclusive, compared as instants."""
        (account,) = self._credit_world(store, _account())
        hour = timedelta(hours=1)
        for number in range(4):
            at = START + number * hour
            changed, entry = account.reserve(f"o{number}", _eur(10), entry_id=f"e{number}", at=at)
            account = self._book(store, changed, entry)
            clock.advance(hour)
        berlin = timezone(timedelta(hours=1))

        def ids(**span: datetime) -> list[str]:
            found = _read(store, lambda uow: uow.credit.entries(account.id, **span))
            return [entry.id for entry in found]

        assert ids() == ["e0", "e1", "e2", "e3"]
        assert ids(since=START + hour) == ["e1", "e2", "e3"]
        assert ids(until=START + hour) == ["e0"]
        assert ids(since=START + hour, until=START + 3 * hour) == ["e1", "e2"]
        assert ids(since=(START + 2 * hour).astimezone(berlin)) == ["e2", "e3"]
        assert ids(since=START + 9 * hour) == []
