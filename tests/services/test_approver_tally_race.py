"""One approver approving several requests at the same moment never passes their cap per period.

Anna may approve 2,500 EUR a week. Four requests of 1,100 EUR wait for her;
four threads approve one each, released together. Without a lock each
approval would read the same "approved so far this week" and all four would
pass; with the approver's tally held (see
[ApproverLimitRepository.hold_tally][b2b_customers.ports.ApproverLimitRepository.hold_tally])
exactly two do and the others are told she is past her cap. Run on the
memory store, an SQLite file and PostgreSQL, a few weeks in a row.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from b2b_customers.errors import ConflictError, PermissionDenied
from b2b_customers.limits import CalendarPeriod
from b2b_customers.ports import ApprovalQuery

from .conftest import STAFF, eur

if TYPE_CHECKING:
    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.errors import B2BError

    from .conftest import Shop

WEEKS = 3
REQUESTS = 4


def _approve_together(shop: Shop, requests: list[ApprovalRequest]) -> list[B2BError | None]:
    """Approve each request as Anna in its own thread, all released at once."""
    start = threading.Barrier(len(requests))
    outcomes: list[B2BError | None] = [None] * len(requests)

    def approve(position: int) -> None:
        start.wait()
        try:
            shop.app.approvals.approve(actor=shop.anna, request=requests[position].id)
        except (PermissionDenied, ConflictError) as error:
            outcomes[position] = error

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_approvals_by_one_approver_stay_within_the_cap(shop: Shop) -> None:
    shop.app.approval_settings.set_approver_limit(
        actor=shop.anna,
        company="acme",
        customer=shop.anna.id,
        maximum=eur(2000),
        per_period=eur(2500),
        period=CalendarPeriod(unit="week"),
    )
    shop.app.credit.set_credit_limit(
        actor=STAFF, company="acme", credit_limit=eur(1100 * REQUESTS * WEEKS), reason="room"
    )
    for week in range(WEEKS):
        requests = []
        for _ in range(REQUESTS):
            placed = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1100))
            assert placed.request is not None
            requests.append(placed.request)
        outcomes = _approve_together(shop, requests)
        refused = [error for error in outcomes if error is not None]
        assert all(isinstance(error, PermissionDenied) for error in refused), refused
        with shop.app.store.unit_of_work() as uow:
            approved = uow.approvals.search(
                ApprovalQuery(approver_id=shop.anna.id, limit=100)
            ).items
        this_week = [r for r in approved if r.id in {request.id for request in requests}]
        assert sum((r.order.total.amount for r in this_week), Decimal(0)) <= Decimal(2500)
        assert len(this_week) == REQUESTS - len(refused) == 2, f"week {week}: {outcomes}"
        shop.clock.advance(timedelta(weeks=1))
