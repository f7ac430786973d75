"""The library logs what an operator needs, under ``b2b_customers``, and prints nothing."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

import pytest

from b2b_customers.adapters.sql import HEAD_REVISION, migrate
from tests.services.test_automations import CONTROLLER, invoiced

if TYPE_CHECKING:
    import pathlib

    from b2b_customers.app import App


def test_the_package_logger_has_a_null_handler():
    handlers = logging.getLogger("b2b_customers").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


@pytest.mark.sqlite
def test_migrate_logs_the_upgrade_and_then_that_nothing_was_to_do(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with caplog.at_level(logging.DEBUG, logger="b2b_customers"):
        migrate(url)
        first = [r.getMessage() for r in caplog.records if r.name.startswith("b2b_customers")]
        caplog.clear()
        migrate(url)
        second = [r.getMessage() for r in caplog.records if r.name.startswith("b2b_customers")]
    assert any(f"from empty to {HEAD_REVISION}" in message for message in first), first
    assert any("is up to date" in message for message in second), second
    assert capsys.readouterr() == ("", "")


def test_holding_an_overdue_account_is_logged_with_its_reason(
    app: App, caplog: pytest.LogCaptureFixture
):
    invoiced(app, invoice_date=date(2026, 2, 20))
    with caplog.at_level(logging.INFO, logger="b2b_customers.services.automations"):
        (held,) = app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=9)
    messages = [record.getMessage() for record in caplog.records]
    assert (
        f"held credit account {held.account.id}: invoice inv-1 is 10 days overdue" in (messages[0])
    )
    assert messages[-1] == "held 1 of 1 credit account(s) found overdue"
