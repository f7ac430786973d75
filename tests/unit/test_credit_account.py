"""The credit account: available credit, reservations, holds, and the ledger that replays it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from moneyed import Money

from b2b_customers.credit.account import CreditAccount, Override
from b2b_customers.credit.booking import reservation_moves
from b2b_customers.credit.ledger import EntryKind, LedgerEntry, replay, statement
from b2b_customers.credit.reservation import Reservation
from b2b_customers.errors import (
    CreditOnHold,
    CurrencyMismatch,
    InsufficientCredit,
    InvalidTransition,
    ValidationError,
)
from b2b_customers.ids import CompanyId, CreditAccountId

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
ACCOUNT = CreditAccountId("acc")
ACME = CompanyId("acme")


def eur(amount: str | int) -> Money:
    return Money(Decimal(amount), "EUR")


def account(limit: str = "1000") -> CreditAccount:
    return CreditAccount(id=ACCOUNT, company_id=ACME, currency="EUR", credit_limit=eur(limit))


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2).map(
    lambda value: eur(str(value))
)


class TestAvailableCredit:
    def test_a_new_account_owes_nothing_and_has_its_whole_line(self) -> None:
        new = account("1000")
        assert (new.balance, new.reserved, new.available) == (eur(0), eur(0), eur(1000))

    def test_reserving_exactly_the_available_credit_is_allowed(self) -> None:
        held, _ = account("1000").reserve("o1", eur("1000"), entry_id="e1", at=T0)
        assert held.available == eur(0)

    def test_one_cent_more_than_available_is_refused(self) -> None:
        with pytest.raises(InsufficientCredit, match=r"1,000\.01 EUR"):
            account("1000").reserve("o1", eur("1000.01"), entry_id="e1", at=T0)

    def test_a_zero_limit_refuses_every_reservation(self) -> None:
        with pytest.raises(InsufficientCredit):
            account("0").reserve("o1", eur("0.01"), entry_id="e1", at=T0)

    def test_utilization_counts_balance_and_reservations(self) -> None:
        held, _ = account("1000").reserve("o1", eur("250"), entry_id="e1", at=T0)
        assert held.utilization == Decimal("0.25")
        assert account("0").utilization is None

    @given(limit=amounts, first=amounts, second=amounts)
    def test_available_is_limit_minus_balance_minus_reserved(
        self, limit: Money, first: Money, second: Money
    ) -> None:
        current = CreditAccount(id=ACCOUNT, company_id=ACME, currency="EUR", credit_limit=limit)
        current, _ = current.post_invoice("inv", first, entry_id="e1", at=T0)
        try:
            current, _ = current.reserve("o1", second, entry_id="e2", at=T0)
        except InsufficientCredit:
            assert second.amount > limit.amount - first.amount
        expected = limit.amount - current.balance.amount - current.reserved.amount
        assert current.available.amount == expected

    @given(limit=amounts, amount=amounts)
    def test_reserve_then_release_restores_the_account(self, limit: Money, amount: Money) -> None:
        before = CreditAccount(id=ACCOUNT, company_id=ACME, currency="EUR", credit_limit=limit)
        try:
            held, _ = before.reserve("o1", amount, entry_id="e1", at=T0)
        except InsufficientCredit:
            assert amount.amount > limit.amount
            return
        reservation = Reservation(account_id=ACCOUNT, reference="o1", amount=amount)
        after, _ = held.release(reservation, entry_id="e2", at=T0)
        assert (after.balance, after.reserved, after.available) == (
            before.balance,
            before.reserved,
            before.available,
        )


class TestEntries:
    def test_an_invoice_converts_its_orders_reservation_into_debt(self) -> None:
        held, _ = account().reserve("o1", eur("300"), entry_id="e1", at=T0)
        reservation = Reservation(account_id=ACCOUNT, reference="o1", amount=eur("300"))
        invoiced, entry = held.post_invoice(
            "inv1", eur("300"), entry_id="e2", at=T0, reservation=reservation
        )
        assert (invoiced.balance, invoiced.reserved) == (eur("300"), eur(0))
        assert (entry.released_reservation, entry.released_from) == (eur("300"), "o1")
        assert invoiced.available == eur("700")

    def test_an_invoice_for_part_of_an_order_converts_only_that_part(self) -> None:
        held, _ = account().reserve("o1", eur("1000"), entry_id="e1", at=T0)
        reservation = Reservation(account_id=ACCOUNT, reference="o1", amount=eur("1000"))
        invoiced, entry = held.post_invoice(
            "inv1", eur("500"), entry_id="e2", at=T0, reservation=reservation
        )
        assert (invoiced.balance, invoiced.reserved) == (eur("500"), eur("500"))
        assert [(m.reference, m.change) for m in reservation_moves(entry)] == [("o1", eur("-500"))]

    def test_an_invoice_larger_than_its_reservation_converts_the_whole_reservation(self) -> None:
        held, _ = account().reserve("o1", eur("100"), entry_id="e1", at=T0)
        reservation = Reservation(account_id=ACCOUNT, reference="o1", amount=eur("100"))
        invoiced, _ = held.post_invoice(
            "inv1", eur("130"), entry_id="e2", at=T0, reservation=reservation
        )
        assert (invoiced.balance, invoiced.reserved) == (eur("130"), eur(0))

    def test_payments_and_credit_notes_reduce_the_balance(self) -> None:
        current, _ = account().post_invoice("inv1", eur("500"), entry_id="e1", at=T0)
        current, _ = current.receive_payment("p1", eur("200"), entry_id="e2", at=T0)
        current, _ = current.issue_credit_note("cn1", eur("50"), entry_id="e3", at=T0)
        assert current.balance == eur("250")

    def test_an_adjustment_needs_a_reason_and_may_be_negative(self) -> None:
        current, entry = account().adjust(
            eur("-20"), reason="rounding write-off", actor="clerk", entry_id="e1", at=T0
        )
        assert current.balance == eur("-20")
        assert entry.kind is EntryKind.ADJUSTMENT
        with pytest.raises(ValidationError, match="reason"):
            account().adjust(eur("5"), reason=" ", actor="clerk", entry_id="e1", at=T0)

    def test_entries_are_numbered_without_gaps(self) -> None:
        current = account()
        numbers = []
        for number in range(1, 4):
            current, entry = current.post_invoice(
                f"inv{number}", eur("10"), entry_id=f"e{number}", at=T0
            )
            numbers.append(entry.sequence)
        assert numbers == [1, 2, 3]
        assert current.last_sequence == 3

    def test_a_reservation_of_another_account_is_refused(self) -> None:
        elsewhere = Reservation(
            account_id=CreditAccountId("other"), reference="o1", amount=eur("10")
        )
        with pytest.raises(ValidationError, match="held on credit account 'other'"):
            account().release(elsewhere, entry_id="e1", at=T0)

    def test_a_reservation_or_release_names_its_order(self) -> None:
        _, entry = account().reserve("o1", eur("10"), entry_id="e1", at=T0)
        with pytest.raises(ValidationError, match="names the order"):
            attrs.evolve(entry, reference=None)

    def test_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            account().reserve("o1", Money("10", "USD"), entry_id="e1", at=T0)
        with pytest.raises(CurrencyMismatch):
            CreditAccount(id=ACCOUNT, company_id=ACME, currency="EUR", credit_limit=Money(5, "USD"))

    def test_a_zero_payment_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="positive"):
            account().receive_payment("p1", eur(0), entry_id="e1", at=T0)


class TestHolds:
    def test_a_hold_refuses_reservations(self) -> None:
        held = account().place_hold("invoice 90 days overdue", at=T0, automatic=True)
        with pytest.raises(CreditOnHold, match="90 days overdue"):
            held.reserve("o1", eur("1"), entry_id="e1", at=T0)

    def test_an_override_goes_past_a_hold_and_is_recorded(self) -> None:
        held = account().place_hold("manual review", at=T0, actor="controller")
        override = Override(actor="controller", reason="CFO approved the Q3 project")
        current, entry = held.reserve("o1", eur("10"), entry_id="e1", at=T0, override=override)
        assert entry.override
        assert (entry.actor, entry.reason) == ("controller", "CFO approved the Q3 project")
        assert current.reserved == eur("10")

    def test_an_override_may_go_past_the_limit(self) -> None:
        override = Override(actor="controller", reason="one-off")
        current, _ = account("100").reserve(
            "o1", eur("150"), entry_id="e1", at=T0, override=override
        )
        assert current.available == eur("-50")

    def test_a_hold_is_placed_once_and_lifted_once(self) -> None:
        held = account().place_hold("review", at=T0)
        with pytest.raises(InvalidTransition):
            held.place_hold("again", at=T0)
        lifted = held.lift_hold()
        assert not lifted.on_hold
        with pytest.raises(InvalidTransition):
            lifted.lift_hold()


class TestStatement:
    def test_a_statement_shows_the_opening_balance_the_entries_and_the_closing_balance(
        self,
    ) -> None:
        current = account()
        entries: list[LedgerEntry] = []
        for day, (kind, amount) in enumerate(
            [("invoice", "100"), ("invoice", "50"), ("payment", "30"), ("invoice", "20")]
        ):
            at = T0 + timedelta(days=day * 10)
            if kind == "invoice":
                current, entry = current.post_invoice(
                    f"i{day}", eur(amount), entry_id=f"e{day}", at=at
                )
            else:
                current, entry = current.receive_payment(
                    f"p{day}", eur(amount), entry_id=f"e{day}", at=at
                )
            entries.append(entry)
        report = statement(
            ACCOUNT,
            entries,
            "EUR",
            start=T0 + timedelta(days=5),
            end=T0 + timedelta(days=25),
            first_day=(T0 + timedelta(days=5)).date(),
            last_day=(T0 + timedelta(days=24)).date(),
        )
        assert report.opening_balance == eur("100")
        assert [entry.reference for entry in report.entries] == ["i1", "p2"]
        assert report.closing_balance == eur("120")


class CreditAccountHistory(RuleBasedStateMachine):
    """Random histories: the running totals always equal the replayed ledger."""

    def __init__(self) -> None:
        super().__init__()
        self.account = account("1000")
        self.entries: list[LedgerEntry] = []
        self.now = T0
        self.orders = 0
        self.open: dict[str, Money] = {}  # the reservation rows a store would keep

    def _append(self, result: tuple[CreditAccount, LedgerEntry]) -> None:
        self.account, entry = result
        self.entries.append(entry)
        for move in reservation_moves(entry):
            left = self.open.get(move.reference, eur(0)) + move.change
            assert left.amount >= 0
            assert not (move.closes and left.amount)
            if left.amount:
                self.open[move.reference] = left
            else:
                self.open.pop(move.reference, None)
        self.now += timedelta(hours=1)

    def _reservation(self, order: str) -> Reservation:
        return Reservation(account_id=ACCOUNT, reference=order, amount=self.open[order])

    def _next_id(self) -> str:
        return f"e{len(self.entries) + 1}"

    @rule(amount=amounts, with_override=st.booleans())
    def reserve(self, amount: Money, with_override: bool) -> None:
        self.orders += 1
        override = Override(actor="controller", reason="test") if with_override else None
        refused = override is None and (
            self.account.on_hold or amount.amount > self.account.available.amount
        )
        if refused:
            with pytest.raises((InsufficientCredit, CreditOnHold)):
                self.account.reserve(
                    f"o{self.orders}", amount, entry_id=self._next_id(), at=self.now
                )
            return
        self._append(
            self.account.reserve(
                f"o{self.orders}", amount, entry_id=self._next_id(), at=self.now, override=override
            )
        )
        if override is None:
            assert self.account.available.amount >= 0

    @precondition(lambda self: bool(self.open))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        order = data.draw(st.sampled_from(sorted(self.open)))
        reservation = self._reservation(order)
        self._append(self.account.release(reservation, entry_id=self._next_id(), at=self.now))

    @rule(amount=amounts, data=st.data())
    def invoice(self, amount: Money, data: st.DataObject) -> None:
        reserved: list[str | None] = [None, *sorted(self.open)]
        order = data.draw(st.sampled_from(reserved))
        self._append(
            self.account.post_invoice(
                f"inv{len(self.entries)}",
                amount,
                entry_id=self._next_id(),
                at=self.now,
                reservation=None if order is None else self._reservation(order),
            )
        )

    @rule(amount=amounts)
    def payment(self, amount: Money) -> None:
        self._append(
            self.account.receive_payment("pay", amount, entry_id=self._next_id(), at=self.now)
        )

    @rule(amount=amounts)
    def credit_note(self, amount: Money) -> None:
        self._append(
            self.account.issue_credit_note("cn", amount, entry_id=self._next_id(), at=self.now)
        )

    @rule()
    def toggle_hold(self) -> None:
        if self.account.on_hold:
            self.account = self.account.lift_hold()
        else:
            self.account = self.account.place_hold("review", at=self.now)

    @invariant()
    def ledger_replay_equals_the_stored_totals(self) -> None:
        totals = replay(self.entries, "EUR")
        assert (totals.balance, totals.reserved) == (self.account.balance, self.account.reserved)

    @invariant()
    def reserved_is_the_sum_of_open_reservations(self) -> None:
        open_total = sum((money.amount for money in self.open.values()), Decimal(0))
        assert self.account.reserved.amount == open_total

    @invariant()
    def available_is_limit_minus_balance_minus_reserved(self) -> None:
        a = self.account
        assert a.available.amount == a.credit_limit.amount - a.balance.amount - a.reserved.amount


TestCreditAccountHistory = CreditAccountHistory.TestCase
