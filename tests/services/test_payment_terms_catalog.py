"""The seller's payment terms, stored: defined, replaced, removed, read and used by accounts."""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
import pytest
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.app import App, connect
from b2b_customers.clock import ManualClock
from b2b_customers.credit import (
    NET_30,
    STANDARD_TERMS,
    BalancePortion,
    DaysAfterInvoice,
    EarlyPaymentDiscount,
    FixedPortion,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
    end_of_month_after,
)
from b2b_customers.errors import (
    B2BError,
    CurrencyMismatch,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationError,
)
from b2b_customers.ids import SequentialIds
from tests.services.conftest import NOW
from tests.services.conftest import _empty as empty
from tests.services.store_snapshot import snapshot
from tests.services.test_credit import ACME, CONTROLLER, NORTH, REP, acme_with_account, events

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable


INVOICED = date(2026, 4, 1)
TWO_TEN_NET_30 = PaymentTerms(
    code="2-10-NET30",
    name="2% 10, net 30",
    instalments=[
        InstalmentTerm(portion=PercentPortion(percent=100), due=DaysAfterInvoice(days=30))
    ],
    discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2)),
)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def due_dates(app: App, invoice: str, amount: str = "100.00") -> list[date]:
    entry = app.credit.post_invoice(
        actor=CONTROLLER, company=ACME, invoice=invoice, amount=eur(amount), invoice_date=INVOICED
    )
    return [instalment.due_date for instalment in entry.instalments]


class TestDefiningTerms:
    def test_stored_terms_are_versioned_and_read_back_by_any_spelling(self, app: App) -> None:
        stored = app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        assert (stored.version, stored.created_at) == (1, NOW)
        assert app.credit.payment_terms(actor=CONTROLLER, code="2_10_net30") == stored
        assert events(app) == ["payment_terms.saved"]

    def test_fresh_terms_replace_those_stored_under_the_code(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        replaced = app.credit.save_payment_terms(
            actor=CONTROLLER, terms=attrs.evolve(TWO_TEN_NET_30, code="2_10_net30", name="New")
        )
        assert (replaced.version, replaced.name, replaced.code) == (2, "New", "2_10_net30")
        assert app.credit.list_payment_terms(actor=CONTROLLER).count(replaced) == 1

    def test_a_stale_copy_is_refused_and_writes_nothing(self, app: App) -> None:
        first = app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        app.credit.save_payment_terms(actor=CONTROLLER, terms=attrs.evolve(first, name="B"))
        before = snapshot(app)
        with pytest.raises(StaleVersion):
            app.credit.save_payment_terms(actor=CONTROLLER, terms=attrs.evolve(first, name="C"))
        assert snapshot(app) == before

    def test_the_change_is_audited_with_what_changed(self, app: App) -> None:
        first = app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        app.credit.save_payment_terms(actor=CONTROLLER, terms=attrs.evolve(first, name="B"))
        with app.store.unit_of_work() as uow:
            history = uow.audit.for_aggregate("payment_terms", "210NET30").items
        assert [entry.action for entry in history] == ["payment_terms.saved"] * 2
        assert history[0].before is None
        assert history[1].after is not None
        assert history[1].after["name"] == "B"
        assert {entry.actor_id for entry in history} == {CONTROLLER.id}

    def test_only_staff_who_manage_credit_define_terms(self, app: App) -> None:
        with pytest.raises(PermissionDenied):
            app.credit.save_payment_terms(actor=REP, terms=TWO_TEN_NET_30)
        with pytest.raises(PermissionDenied):
            app.credit.list_payment_terms(actor=REP)
        assert app.credit.list_payment_terms(actor=CONTROLLER) == STANDARD_TERMS.listed()

    def test_the_list_holds_stored_terms_in_place_of_the_presets_they_replace(
        self, app: App
    ) -> None:
        thirty = app.credit.save_payment_terms(
            actor=CONTROLLER, terms=attrs.evolve(NET_30, name="Thirty days")
        )
        own = app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        listed = app.credit.list_payment_terms(actor=CONTROLLER)
        assert thirty in listed
        assert own in listed
        assert NET_30 not in listed
        assert len(listed) == len(STANDARD_TERMS.listed()) + 1
        assert [terms.key for terms in listed] == sorted(terms.key for terms in listed)
        assert app.credit.payment_terms(actor=CONTROLLER, code="EOM30").version == 0

    def test_reading_unknown_terms_raises_not_found(self, app: App) -> None:
        with pytest.raises(NotFound):
            app.credit.payment_terms(actor=CONTROLLER, code="NET31")


class TestAccountsNameTermsByCode:
    def test_an_account_may_name_stored_terms_and_invoices_follow_them(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        acme_with_account(app, terms="2-10-net30")
        assert app.credit.account(actor=CONTROLLER, company=ACME).payment_terms == "2-10-NET30"
        entry = app.credit.post_invoice(
            actor=CONTROLLER, company=ACME, invoice="i1", amount=eur("100"), invoice_date=INVOICED
        )
        (only,) = entry.instalments
        assert only.discount == eur("2.00")

    def test_an_unknown_code_is_refused_naming_the_known_ones(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        acme_with_account(app)
        before = snapshot(app)
        with pytest.raises(ValidationError) as raised:
            app.credit.set_payment_terms(actor=CONTROLLER, company=ACME, payment_terms="NET31")
        message = str(raised.value)
        assert "'NET31'" in message
        assert "2-10-NET30, " in message
        assert "NET30, " in message
        assert snapshot(app) == before

    def test_stored_terms_come_before_the_preset_of_the_same_code(self, app: App) -> None:
        acme_with_account(app)  # on NET30
        assert due_dates(app, "i1") == [date(2026, 5, 1)]
        app.credit.save_payment_terms(
            actor=CONTROLLER,
            terms=PaymentTerms(
                code="net_30",
                name="End of the month after 30 days",
                instalments=[
                    InstalmentTerm(portion=PercentPortion(percent=100), due=end_of_month_after(30))
                ],
            ),
        )
        assert due_dates(app, "i2") == [date(2026, 5, 31)]
        assert app.credit.account(actor=CONTROLLER, company=NORTH).payment_terms == "NET30"

    def test_an_account_opened_without_terms_is_due_net_30(self, app: App) -> None:
        app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
        account = app.credit.open_account(actor=CONTROLLER, company=ACME, credit_limit=eur("50"))
        assert account.payment_terms == "NET30"
        assert due_dates(app, "i1", "10.00") == [date(2026, 5, 1)]


class TestRemovingTerms:
    def test_unused_terms_are_removed_with_an_event(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        app.credit.remove_payment_terms(actor=CONTROLLER, code="2-10-net30")
        assert events(app)[-1] == "payment_terms.removed"
        with pytest.raises(NotFound):
            app.credit.payment_terms(actor=CONTROLLER, code="2-10-NET30")

    def test_terms_an_account_names_are_not_removed(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        acme_with_account(app, terms="2-10-NET30")
        before = snapshot(app)
        with pytest.raises(ValidationError) as raised:
            app.credit.remove_payment_terms(actor=CONTROLLER, code="2_10_NET30")
        assert "'x-" in str(raised.value)  # the account's id
        assert "set_payment_terms" in str(raised.value)
        assert snapshot(app) == before
        app.credit.set_payment_terms(actor=CONTROLLER, company=ACME, payment_terms="NET60")
        app.credit.remove_payment_terms(actor=CONTROLLER, code="2_10_NET30")

    def test_presets_cannot_be_removed(self, app: App) -> None:
        with pytest.raises(NotFound):
            app.credit.remove_payment_terms(actor=CONTROLLER, code="NET30")

    def test_only_staff_who_manage_credit_remove_terms(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30)
        with pytest.raises(PermissionDenied):
            app.credit.remove_payment_terms(actor=REP, code="2-10-NET30")


def test_terms_saved_by_another_process_count_at_once(tmp_path: pathlib.Path) -> None:
    """Two apps on one database: nothing is cached between calls."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = ManualClock(NOW)
    ours = connect(url, clock=clock, ids=SequentialIds("a-"))
    acme_with_account(ours)
    theirs = connect(url, clock=clock, ids=SequentialIds("b-"))
    theirs.credit.save_payment_terms(
        actor=CONTROLLER, terms=attrs.evolve(NET_30, code="NET30", discount=TWO_TEN_NET_30.discount)
    )
    (only,) = ours.credit.post_invoice(
        actor=CONTROLLER, company=ACME, invoice="i1", amount=eur("100"), invoice_date=INVOICED
    ).instalments
    assert only.discount == eur("2.00")
    theirs.credit.save_payment_terms(actor=CONTROLLER, terms=NET_30)  # back to the preset's shape
    (plain,) = ours.credit.post_invoice(
        actor=CONTROLLER, company=ACME, invoice="i2", amount=eur("100"), invoice_date=INVOICED
    ).instalments
    assert plain.discount is None


def _attempt_while_an_account_moves_onto(
    postgres_schema: tuple[str, str],
    code: str,
    *,
    prepare: Callable[[App], object],
    attempt: Callable[[App], object],
) -> tuple[App, BaseException | None]:
    """Run ``attempt`` in a thread while ACME's account moves onto ``code`` (set_payment_terms).

    The move holds ``code`` (``get(code, lock=True)``, stored terms or a
    preset's code) and the account; the attempt must wait for its commit.
    Returns the app and what the attempt raised (``None``: nothing).
    """
    url, schema = postgres_schema
    empty(url, schema)
    store = SqlStore(url, schema=schema, clock=ManualClock(NOW))
    app = App(store, ids=SequentialIds("p-"))
    prepare(app)
    acme_with_account(app)  # in EUR
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            attempt(app)
        except B2BError as error:
            outcome.append(error)
        else:
            outcome.append(None)

    with store.unit_of_work() as uow:
        with contextlib.suppress(NotFound):  # a preset's code: nothing stored, held all the same
            uow.payment_terms.get(code, lock=True)
        account = uow.credit.for_company(ACME, lock=True)
        other = threading.Thread(target=run)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive(), "the other unit of work did not wait for the account's move"
        uow.credit.save(attrs.evolve(account, payment_terms=code))
        uow.commit()
    other.join(timeout=10)
    return app, outcome[0]


@pytest.mark.postgresql
def test_a_removal_waits_for_an_account_naming_the_terms_and_then_sees_it(
    postgres_schema: tuple[str, str],
) -> None:
    """On PostgreSQL the two cannot cross: the removal waits for the lock, then refuses."""
    app, error = _attempt_while_an_account_moves_onto(
        postgres_schema,
        "2-10-NET30",
        prepare=lambda app: app.credit.save_payment_terms(actor=CONTROLLER, terms=TWO_TEN_NET_30),
        attempt=lambda app: app.credit.remove_payment_terms(actor=CONTROLLER, code="2-10-NET30"),
    )
    try:
        assert isinstance(error, ValidationError)
        assert app.credit.payment_terms(actor=CONTROLLER, code="2-10-NET30").version == 1
    finally:
        app.store.dispose()


# A deposit of 100 USD, the rest in 30 days: fits accounts in USD only.
USD_DEPOSIT = PaymentTerms(
    code="USD-DEPOSIT",
    name="100 USD now, the rest in 30 days",
    instalments=[
        InstalmentTerm(
            portion=FixedPortion(amount=Money(100, "USD")), due=DaysAfterInvoice(days=0)
        ),
        InstalmentTerm(portion=BalancePortion(), due=DaysAfterInvoice(days=30)),
    ],
)


class TestTermsWithFixedAmountsFitTheirCurrency:
    def test_terms_know_the_currency_of_their_fixed_amounts(self) -> None:
        assert USD_DEPOSIT.currency == "USD"
        assert TWO_TEN_NET_30.currency is None  # percentages only: any currency

    def test_an_account_in_another_currency_may_not_name_them(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=USD_DEPOSIT)
        acme_with_account(app)  # in EUR
        before = snapshot(app)
        with pytest.raises(CurrencyMismatch, match="fixed amounts in USD"):
            app.credit.set_payment_terms(
                actor=CONTROLLER, company=ACME, payment_terms="USD-DEPOSIT"
            )
        assert snapshot(app) == before

    def test_an_account_in_another_currency_is_not_opened_on_them(self, app: App) -> None:
        app.credit.save_payment_terms(actor=CONTROLLER, terms=USD_DEPOSIT)
        with pytest.raises(CurrencyMismatch, match="in EUR"):
            acme_with_account(app, terms="USD-DEPOSIT")  # the companies are onboarded first
        assert snapshot(app)["accounts"] == {}

    def test_terms_an_account_in_another_currency_names_are_not_given_fixed_amounts(
        self, app: App
    ) -> None:
        acme_with_account(app, terms="NET30")  # in EUR
        before = snapshot(app)
        with pytest.raises(CurrencyMismatch, match="x-"):  # names the account
            app.credit.save_payment_terms(
                actor=CONTROLLER, terms=attrs.evolve(USD_DEPOSIT, code="NET30")
            )
        assert snapshot(app) == before


@pytest.mark.postgresql
def test_terms_for_a_presets_code_wait_for_an_account_moving_onto_the_preset(
    postgres_schema: tuple[str, str],
) -> None:
    """No stored row to lock: the code itself is locked, so the two cannot cross."""
    app, error = _attempt_while_an_account_moves_onto(
        postgres_schema,
        "NET60",
        prepare=lambda _app: None,  # NET60 is a preset: nothing to store first
        attempt=lambda app: app.credit.save_payment_terms(
            actor=CONTROLLER, terms=attrs.evolve(USD_DEPOSIT, code="NET60")
        ),
    )
    try:
        assert isinstance(error, CurrencyMismatch)
        assert app.credit.payment_terms(actor=CONTROLLER, code="NET60").currency is None
    finally:
        app.store.dispose()
