"""The contract of credit accounts, their append-only ledgers and open reservations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.credit.account import CreditAccount, Override
from b2b_customers.credit.booking import reservation_moves
from b2b_customers.credit.ledger import LedgerEntry, replay
from b2b_customers.credit.reservation import Reservation
from b2b_customers.errors import (
    AlreadyExists,
    B2BError,
    CreditOnHold,
    InsufficientCredit,
    NotFound,
    StaleVersion,
    ValidationError,
)
from b2b_customers.ids import CompanyId, CreditAccountId
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _commit,
    _company,
    _read,
    _stamped,
    _waits_for,
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


def _sharing(account: CreditAccount, *company_ids: CompanyId) -> CreditAccount:
    """Return ``account`` shared with exactly ``company_ids``."""
    changes: dict[str, Any] = {"shared_with": frozenset(company_ids)}
    return attrs.evolve(account, **changes)


def _reservation(order: str, amount: int, entry_id: str, *, at: datetime = START) -> LedgerEntry:
    """A reservation entry for ``order`` on the contract's account (numbered by the store)."""
    _, entry = _account(credit_limit=_eur(10**9)).reserve(
        order, _eur(amount), entry_id=entry_id, at=at
    )
    return entry


def _held(store: Store, account_id: str = _ACCOUNT) -> dict[str, Money]:
    found = _read(store, lambda uow: uow.credit.reservations(CreditAccountId(account_id)))
    return {row.reference: row.amount for row in found}


class CreditContract(ContractBase):
    """Credit accounts, their ledgers and reservations."""

    def _credit_world(self, store: Store, *accounts: CreditAccount) -> list[CreditAccount]:
        def add(uow: UnitOfWork) -> list[CreditAccount]:
            uow.companies.add_many(
                [_company("acme"), _company("bolt"), _company("cato"), _company("dart")]
            )
            return [uow.credit.add(account) for account in accounts]

        return _commit(store, add)

    def _book(
        self,
        store: Store,
        entry: LedgerEntry,
        *,
        within_limit: bool = False,
        off_hold: bool = False,
    ) -> tuple[CreditAccount, LedgerEntry]:
        return _commit(
            store,
            lambda uow: uow.credit.book(entry, within_limit=within_limit, off_hold=off_hold),
        )

    def _save(self, store: Store, account: CreditAccount) -> CreditAccount:
        return _commit(store, lambda uow: uow.credit.save(account))

    def _refused(
        self,
        store: Store,
        error: type[B2BError],
        entry: LedgerEntry,
        *,
        within_limit: bool = False,
        off_hold: bool = False,
    ) -> None:
        """Booking ``entry`` raises ``error``, and nothing of it is stored."""
        account = _read(store, lambda uow: uow.credit.get(entry.account_id))
        entries = _read(store, lambda uow: uow.credit.entries(entry.account_id))
        held = _held(store, entry.account_id)
        with store.unit_of_work() as uow, pytest.raises(error):
            uow.credit.book(entry, within_limit=within_limit, off_hold=off_hold)
        assert _read(store, lambda uow: uow.credit.get(entry.account_id)) == account
        assert _read(store, lambda uow: uow.credit.entries(entry.account_id)) == entries
        assert _held(store, entry.account_id) == held

    # -- add, save, get

    def test_adding_an_account_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the account at version 1, created and updated now, with no entries."""
        account = _account(shared_with={CompanyId("bolt")}, balance=_eur(250))
        (stored,) = self._credit_world(store, account)
        assert stored == _stamped(account, 1, START, START)
        with store.unit_of_work() as uow:
            assert uow.credit.get(account.id) == stored
            assert uow.credit.entries(account.id) == []
            assert uow.credit.reservations(account.id) == []

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
        """Whatever a valid entry holds comes back from ``entries`` unchanged, numbered 1."""
        entries = st_b2b.ledger_entries(account_id=_ACCOUNT).filter(
            lambda entry: (
                all(move.change.amount > 0 for move in reservation_moves(entry))
                and entry.reserved_change >= 0
            )
        )

        @self._property()
        @given(entries)
        def check(entry: LedgerEntry) -> None:
            with self._fresh_store() as (store, _clock):
                self._credit_world(store, _account())
                _, booked = self._book(store, entry)
                assert booked == entry.numbered(1)
                assert _read(store, lambda uow: uow.credit.entries(_ACCOUNT)) == [booked]

        check()

    def test_booking_moves_the_totals_and_numbers_the_entries(
        self, store: Store, clock: ManualClock
    ) -> None:
        """Each booking appends the next sequence and moves balance and reserved; no new version."""
        (stored,) = self._credit_world(store, _account())
        later = clock.advance(timedelta(hours=1))
        reserved, first = self._book(store, _reservation("o1", 100, "e1"), within_limit=True)
        assert (reserved.reserved, reserved.last_sequence, reserved.version) == (_eur(100), 1, 1)
        held = _read(store, lambda uow: uow.credit.reservation(_ACCOUNT, "o1"))
        assert held == Reservation(account_id=_ACCOUNT, reference="o1", amount=_eur(100))
        _, drafted = reserved.post_invoice(
            "inv-1", _eur(100), entry_id="e2", at=later, reservation=held
        )
        invoiced, second = self._book(store, drafted)
        assert (invoiced.balance, invoiced.reserved, second.sequence) == (_eur(100), _eur(0), 2)
        assert _held(store) == {}
        _, payment = invoiced.receive_payment("pay-1", _eur(40), entry_id="e3", at=later)
        paid, third = self._book(store, payment)
        assert (paid.version, paid.last_sequence, paid.balance) == (1, 3, _eur(60))
        assert paid == _read(store, lambda uow: uow.credit.get(stored.id))
        assert _read(store, lambda uow: uow.credit.entries(stored.id)) == [first, second, third]

    def test_an_invoice_for_part_of_an_order_converts_that_part_only(self, store: Store) -> None:
        """A down payment of 500 on a 1,000 reservation leaves 500 reserved."""
        self._credit_world(store, _account(credit_limit=_eur(5000)))
        account, _ = self._book(store, _reservation("o1", 1000, "e1"), within_limit=True)
        held = _read(store, lambda uow: uow.credit.reservation(_ACCOUNT, "o1"))
        _, drafted = account.post_invoice(
            "inv-1", _eur(500), entry_id="e2", at=START, reservation=held
        )
        invoiced, _ = self._book(store, drafted)
        assert (invoiced.balance, invoiced.reserved) == (_eur(500), _eur(500))
        assert _held(store) == {"o1": _eur(500)}

    def test_saving_terms_keeps_the_booked_totals(self, store: Store) -> None:
        """``save`` changes terms (version + 1) and never the totals, even from an old copy."""
        (stored,) = self._credit_world(store, _account())
        booked, entry = self._book(store, _reservation("o1", 100, "e1"), within_limit=True)
        raised = self._save(store, stored.with_limit(_eur(2000)))  # read before the booking
        assert (raised.version, raised.credit_limit, raised.reserved) == (2, _eur(2000), _eur(100))
        held = self._save(store, raised.place_hold("overdue", at=START))
        assert (held.version, held.on_hold, held.last_sequence) == (3, True, booked.last_sequence)
        assert _read(store, lambda uow: uow.credit.get(stored.id)) == held
        assert _read(store, lambda uow: uow.credit.entries(stored.id)) == [entry]

    def test_replaying_the_stored_ledger_gives_the_stored_totals(
        self, store: Store, clock: ManualClock
    ) -> None:
        """The entries add up to the stored balance and reserved; reserved is the open rows' sum."""
        self._credit_world(store, _account(credit_limit=_eur(5000)))

        def held(order: str) -> Callable[[UnitOfWork], Reservation]:
            return lambda uow: uow.credit.reservation(_ACCOUNT, order)

        steps: list[Callable[[CreditAccount, UnitOfWork], tuple[CreditAccount, LedgerEntry]]] = [
            lambda a, _: a.reserve("o1", _eur(300), entry_id="e1", at=clock.now()),
            lambda a, _: a.reserve("o2", _eur(200), entry_id="e2", at=clock.now()),
            lambda a, uow: a.post_invoice(
                "inv-1", _eur("310.50"), entry_id="e3", at=clock.now(), reservation=held("o1")(uow)
            ),
            lambda a, uow: a.release(held("o2")(uow), entry_id="e4", at=clock.now(), actor="ops"),
            lambda a, _: a.receive_payment("pay-1", _eur(100), entry_id="e5", at=clock.now()),
            lambda a, _: a.issue_credit_note("cn-1", _eur("10.25"), entry_id="e6", at=clock.now()),
            lambda a, _: a.adjust(
                _eur(-5), reason="rounding", actor="ops", entry_id="e7", at=clock.now()
            ),
            lambda a, _: a.reserve("o3", _eur(50), entry_id="e8", at=clock.now()),
            lambda a, uow: a.post_invoice(
                "inv-2", _eur(20), entry_id="e9", at=clock.now(), reservation=held("o3")(uow)
            ),
        ]
        for step in steps:
            clock.advance(timedelta(hours=1))
            with store.unit_of_work() as uow:
                _, entry = step(uow.credit.get(_ACCOUNT), uow)
                uow.credit.book(entry)
                uow.commit()
        with store.unit_of_work() as uow:
            final = uow.credit.get(_ACCOUNT)
            entries = uow.credit.entries(_ACCOUNT)
            open_rows = uow.credit.reservations(_ACCOUNT)
        assert [entry.sequence for entry in entries] == list(range(1, 10))
        totals = replay(entries, final.currency)
        assert (totals.balance, totals.reserved) == (final.balance, final.reserved)
        assert (final.balance, final.reserved) == (_eur("215.25"), _eur(30))
        assert sum((row.amount for row in open_rows), _eur(0)) == final.reserved

    def test_an_account_must_start_with_an_empty_ledger(self, store: Store) -> None:
        """``add`` refuses an account whose ``last_sequence`` is not 0."""
        self._credit_world(store)
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.credit.add(_account(last_sequence=2))

    def test_an_account_of_a_missing_company_raises_validation_error(self, store: Store) -> None:
        """The owner and every company shared with must exist, on ``add`` and on ``save``."""
        (stored,) = self._credit_world(store, _account())
        attempts: list[Callable[[UnitOfWork], object]] = [
            lambda uow: uow.credit.add(_account("a2", "nowhere")),
            lambda uow: uow.credit.add(_account("a2", "bolt", shared_with={CompanyId("nowhere")})),
            lambda uow: uow.credit.save(_sharing(stored, CompanyId("nowhere"))),
        ]
        for attempt in attempts:
            with store.unit_of_work() as uow, pytest.raises(ValidationError):
                attempt(uow)
        assert _read(store, lambda uow: uow.credit.get(stored.id)) == stored

    def test_a_company_draws_on_one_account_at_most(self, store: Store) -> None:
        """An id, an owner or a shared company already covered raises ``AlreadyExists``."""
        (stored,) = self._credit_world(store, _account(shared_with={CompanyId("bolt")}))
        for taken in (
            _account(_ACCOUNT, "cato"),  # the id
            _account("a2", "acme"),  # owner of the other
            _account("a2", "bolt"),  # shared by the other
            _account("a2", "cato", shared_with={CompanyId("acme")}),
            _account("a2", "cato", shared_with={CompanyId("bolt")}),
        ):
            with store.unit_of_work() as uow, pytest.raises(AlreadyExists):
                uow.credit.add(taken)
        other = _commit(store, lambda uow: uow.credit.add(_account("a2", "cato")))
        with store.unit_of_work() as uow, pytest.raises(AlreadyExists):
            uow.credit.save(_sharing(other, CompanyId("bolt")))
        self._save(store, _sharing(other, CompanyId("dart")))
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
        self._save(store, stored.with_limit(_eur(10)))
        with store.unit_of_work() as uow, pytest.raises(StaleVersion):
            uow.credit.save(stored.with_limit(_eur(2000)))
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.credit.get(CreditAccountId("ghost"))
            with pytest.raises(NotFound):
                uow.credit.entries(CreditAccountId("ghost"))
            with pytest.raises(NotFound):
                uow.credit.reservations(CreditAccountId("ghost"))
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            uow.credit.save(_account("ghost", version=1))
        with store.unit_of_work() as uow:
            assert uow.credit.get(stored.id).credit_limit == _eur(10)
            assert uow.credit.entries(stored.id) == []

    # -- the conditional write

    def test_an_account_read_with_lock_makes_a_booking_wait(self, store: Store) -> None:
        """``for_company(lock=True)`` holds the totals it read: a booking elsewhere waits.

        An invoice's credit check reads the account so and books after it:
        no reservation may slip in between.
        """
        self._credit_world(store, _account(credit_limit=_eur(150)))
        _waits_for(
            store,
            lambda uow: uow.credit.for_company(CompanyId("acme"), lock=True),
            lambda uow: uow.credit.book(_reservation("o1", 100, "e1"), within_limit=True),
        )
        assert _held(store) == {}  # the waiting unit of work was left without commit

    def test_a_reservation_within_the_limit_is_checked_when_it_is_written(
        self, store: Store
    ) -> None:
        """Up to the limit passes (equal too); a cent more raises; a hold refuses any."""
        (stored,) = self._credit_world(store, _account(credit_limit=_eur(150)))
        self._book(store, _reservation("o1", 100, "e1"), within_limit=True)
        self._refused(store, InsufficientCredit, _reservation("o2", 51, "e2"), within_limit=True)
        self._book(store, _reservation("o2", 50, "e2"), within_limit=True)
        current = _read(store, lambda uow: uow.credit.get(stored.id))
        self._save(store, current.with_limit(_eur(1000)).place_hold("overdue", at=START))
        self._refused(store, CreditOnHold, _reservation("o3", 1, "e3"), within_limit=True)
        assert _held(store) == {"o1": _eur(100), "o2": _eur(50)}

    def test_off_hold_books_past_the_limit_but_not_past_a_hold(self, store: Store) -> None:
        """``off_hold`` (a reservation the decision let past the limit) still stops at a hold.

        The hold is checked on the account as stored when the entry is
        written, so one placed after the decision read the account counts.
        """
        self._credit_world(store, _account(credit_limit=_eur(10)))
        booked, _ = self._book(store, _reservation("o1", 500, "e1"), off_hold=True)
        assert booked.reserved == _eur(500)
        assert booked.available == _eur(-490)
        self._save(store, booked.place_hold("overdue", at=START))
        self._refused(store, CreditOnHold, _reservation("o2", 1, "e2"), off_hold=True)
        assert _held(store) == {"o1": _eur(500)}

    def test_an_override_books_past_the_hold_and_the_limit(self, store: Store) -> None:
        """Without ``within_limit`` (an override the service authorised), the store books it."""
        (stored,) = self._credit_world(store, _account(credit_limit=_eur(10)))
        held = self._save(store, stored.place_hold("overdue", at=START))
        override = Override(actor="boss", reason="key account")
        _, entry = (
            held.with_limit(_eur(10**9))
            .lift_hold()
            .reserve("o1", _eur(500), entry_id="e1", at=START, override=override)
        )
        account, booked = self._book(store, entry)
        assert (account.reserved, account.available, booked.override) == (
            _eur(500),
            _eur(-490),
            True,
        )

    def test_reservations_are_one_per_reference_and_released_whole(self, store: Store) -> None:
        """A second reservation for a reference, or a release of none or of more: refused."""
        self._credit_world(store, _account(), _account("a2", "bolt"))
        account, _ = self._book(store, _reservation("o1", 100, "e1"))
        self._refused(store, ValidationError, _reservation("o1", 5, "e2"))
        ghost = Reservation(account_id=_ACCOUNT, reference="o9", amount=_eur(5))
        self._refused(store, NotFound, account.release(ghost, entry_id="e3", at=START)[1])
        wrong = Reservation(account_id=_ACCOUNT, reference="o1", amount=_eur(60))
        self._refused(store, ValidationError, account.release(wrong, entry_id="e4", at=START)[1])
        elsewhere, _ = self._book(
            store, attrs.evolve(_reservation("o1", 7, "x1"), account_id=CreditAccountId("a2"))
        )
        assert elsewhere.reserved == _eur(7)  # the same reference on another account is fine
        right = Reservation(account_id=_ACCOUNT, reference="o1", amount=_eur(100))
        released, entry = self._book(store, account.release(right, entry_id="e5", at=START)[1])
        assert (released.reserved, entry.sequence, _held(store)) == (_eur(0), 2, {})

    def test_a_taken_entry_id_raises_already_exists(self, store: Store) -> None:
        """Entry ids are unique across every ledger of the store."""
        self._credit_world(store, _account(), _account("a2", "bolt"))
        self._book(store, _reservation("o1", 10, "e1"))
        self._refused(store, AlreadyExists, _reservation("o2", 10, "e1"))
        _, payment = _account("a2", "bolt").receive_payment("p1", _eur(5), entry_id="e1", at=START)
        self._refused(store, AlreadyExists, payment)
        assert [e.id for e in _read(store, lambda uow: uow.credit.entries(_ACCOUNT))] == ["e1"]

    def test_a_booking_on_an_unknown_account_raises_not_found(self, store: Store) -> None:
        """Nothing is written for an account that does not exist."""
        self._credit_world(store)
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            uow.credit.book(_reservation("o1", 10, "e1"), within_limit=True)

    # -- concurrency and transactions

    def test_two_concurrent_reservations_cannot_both_pass(self, store: Store) -> None:
        """Both read the account with room for one; the second booking finds the line full."""
        (stored,) = self._credit_world(store, _account(credit_limit=_eur(150)))
        with store.unit_of_work() as first:
            mine = first.credit.get(stored.id)
            theirs = _read(store, lambda uow: uow.credit.get(stored.id))
            _, entry = mine.reserve("o1", _eur(100), entry_id="e1", at=START)
            first.credit.book(entry, within_limit=True)
            first.commit()
        late = theirs.reserve("o2", _eur(100), entry_id="e2", at=START)[1]  # fits the copy read
        self._refused(store, InsufficientCredit, late, within_limit=True)
        with store.unit_of_work() as uow:
            account = uow.credit.get(stored.id)
            assert (account.reserved, account.last_sequence) == (_eur(100), 1)
            assert [e.id for e in uow.credit.entries(stored.id)] == ["e1"]

    def test_ledger_entries_of_a_unit_of_work_that_does_not_commit_are_dropped(
        self, store: Store
    ) -> None:
        """Rolling back drops the totals, the entries and the reservations alike."""
        (stored,) = self._credit_world(store, _account())
        with store.unit_of_work() as uow:
            uow.credit.book(_reservation("o1", 100, "e1"), within_limit=True)
            assert [e.id for e in uow.credit.entries(stored.id)] == ["e1"]
            assert [row.reference for row in uow.credit.reservations(stored.id)] == ["o1"]
            uow.rollback()
            assert uow.credit.get(stored.id) == stored
            assert uow.credit.entries(stored.id) == []
            assert uow.credit.reservations(stored.id) == []
            uow.credit.book(_reservation("o1", 100, "e1"), within_limit=True)
        with store.unit_of_work() as uow:
            assert uow.credit.get(stored.id) == stored
            assert uow.credit.entries(stored.id) == []
            assert uow.credit.reservations(stored.id) == []

    def test_a_unit_of_work_sees_its_own_accounts_and_entries_only(self, store: Store) -> None:
        """Uncommitted accounts and entries show inside their unit of work, nowhere else."""
        self._credit_world(store)
        with store.unit_of_work() as writer:
            added = writer.credit.add(_account(shared_with={CompanyId("bolt")}))
            booked, _ = writer.credit.book(_reservation("o1", 100, "e1"))
            assert writer.credit.for_company(CompanyId("bolt")) == booked
            assert [e.id for e in writer.credit.entries(added.id)] == ["e1"]
            writer.commit()
        with store.unit_of_work() as reader:
            assert reader.credit.for_company(CompanyId("acme")) == booked
            assert [e.id for e in reader.credit.entries(added.id)] == ["e1"]

    def test_an_uncommitted_account_is_invisible_to_others(self, store: Store) -> None:
        """Another unit of work does not see an account added but not committed."""
        self._credit_world(store)
        with store.unit_of_work() as writer:
            added = writer.credit.add(_account(shared_with={CompanyId("bolt")}))
            with store.unit_of_work() as reader:
                with pytest.raises(NotFound):
                    reader.credit.for_company(CompanyId("bolt"))
                with pytest.raises(NotFound):
                    reader.credit.entries(added.id)

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

    def test_reservations_are_listed_by_reference(self, store: Store) -> None:
        """``reservations`` lists the open ones sorted by reference; ``reservation`` finds one."""
        self._credit_world(store, _account())
        for number, order in enumerate(["o3", "o1", "o2"]):
            self._book(store, _reservation(order, 10 + number, f"e{number}"))
        assert list(_held(store)) == ["o1", "o2", "o3"]
        with store.unit_of_work() as uow:
            assert uow.credit.reservation(_ACCOUNT, "o2").amount == _eur(12)
            with pytest.raises(NotFound):
                uow.credit.reservation(_ACCOUNT, "o9")

    def test_entries_since_and_until_pick_a_half_open_span(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``since`` is inclusive and ``until`` exclusive, compared as instants."""
        (account,) = self._credit_world(store, _account())
        hour = timedelta(hours=1)
        for number in range(4):
            at = START + number * hour
            self._book(store, _reservation(f"o{number}", 10, f"e{number}", at=at))
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
