"""The repository contract: the test suite every store must pass.

Subclass [`StoreContract`][b2b_customers.testing.contract.StoreContract], say how to make a store,
and pytest runs
the whole suite against it::

    from b2b_customers.testing.contract import StoreContract

    class TestMyErpStore(StoreContract):
        def make_store(self, clock):
            return MyErpStore(clock=clock, url=...)

        def dispose_store(self, store):  # optional
            store.close()

Every test gets a fresh store made by
[`StoreContract.make_store`][b2b_customers.testing.contract.StoreContract.make_store] with a
[`ManualClock`][b2b_customers.clock.ManualClock] standing at
[`START`][b2b_customers.testing.contract.START], and uses nothing but the public protocols of
[`b2b_customers.ports`][]. The property-based tests (Hypothesis) make a fresh store per example; set
`StoreContract.property_examples` lower for a slow store.

Add ``pytest.register_assert_rewrite("b2b_customers.testing.contract")`` to
your ``conftest.py`` for pytest's detailed assertion messages.

The suite is split by area, one module and one mixin class each
(``companies``, ``locations``, ``customers``, ``contacts``, ``groups``,
``transactions``, ``outbox``, ``limits``, ``credit``, ``orders``,
``spend``, ``approvals``, ``audit`` and ``payment_terms``);
[`StoreContract`][b2b_customers.testing.contract.StoreContract] combines them all. ``spend`` ends
with a property that records random orders (random trees, time zones, times and status changes)
through the store and through the reference [`SpendTotals`][b2b_customers.limits.SpendTotals], and
checks that both give the same ``spent`` for random keys and windows.

Where [`b2b_customers.ports`][] leaves room, the suite settles it:

* **Descending** sorts reverse the whole order, id tie-break included: a
  descending list is the ascending one reversed.
* Companies **without an account number** sort after all others (ascending),
  so they come first in a descending list.
* Orders are checked on names and ids of lower-case ASCII letters and
  digits, so a database whose collation orders those as Python does passes.
* ``get_many`` lists each company or customer once, even when asked twice;
  ``find_by_tax_id`` sorts by id.
* A customer query with ``include_subtree`` and ``role`` matches a role held
  in any company of the subtree.
* A **failed write** (any error the ports document, raised by ``add``,
  ``add_many``, ``save``, ``remove``, ``book``, ``append`` or
  ``mark_published``) ends its unit of work: nothing of it since its last
  commit is written, not even the changes made before the failed write, and
  ``commit`` raises [`StorageError`][b2b_customers.StorageError] until
  ``rollback``, after which the unit of work may be used again. The suite
  therefore makes each refused write in a unit of work of its own, and checks
  with fresh ones that nothing was written; it never goes on using a unit of
  work after a write raised in it (but for ``rollback``). A read that raises
  (``NotFound`` from a look-up, ``ValidationError`` from a bad query) leaves
  the unit of work usable.
* ``save`` keeps the stored ``created_at``, whatever the copy says.
* Outbox marks made with ``mark_published`` are part of the unit of work:
  dropped if it does not commit.
* ``set_on`` lists each limit once, sorted by id, however often a company
  is named.
* Ledger entry ids are unique across the store, not only within one ledger.
  ``credit.book`` numbers each entry itself (the next sequence of its
  account), re-checks the credit rule on the stored totals when asked
  (``within_limit``), and keeps the reservation rows in step; ``save``
  changes an account's terms and never its totals.
* The history's ``include_subtree`` takes the company tree as it stands
  when asked. Spend, by contrast, is booked when an order is recorded: for
  the subtrees of the company's ancestors *then*, on the local day in the
  company's time zone *then*; a later status change moves exactly that
  spend, even after the company moved or changed its time zone.
* Sorting the history by total compares the amounts alone, whatever their
  currency (ties by id).
* ``spent`` leaves out currencies whose spend is zero (``{}`` when none).
* Approval requests are compared by instant: ``due(at)`` includes a request
  whose ``expires_at`` equals ``at`` (in any time zone) and not one a
  microsecond later; lists of requests sort by submission (or expiry) time,
  then id. ``save`` refuses a request moved to another company, requester or
  resource, or whose audit trail does not begin with the stored one.
* ``for_companies`` (approval groups, approver limits) lists each once,
  sorted by id, however often a company is named. Approval group members
  must be stored customers.
* The audit log lists entries by ``occurred_at`` (compared as instants),
  entries of the same instant in the order they were appended; an entry
  names a company or none, and a company's list holds only entries naming
  it. An entry whose id is taken is refused, in the log or in the unit of
  work.
* Payment terms are one per code as
  [terms_key][b2b_customers.credit.terms_key] compares codes: ``get``,
  ``remove`` and ``credit.using_terms`` take any spelling of a code, and
  ``all`` sorts by that key.
* Two units of work may be open at once. When both read an aggregate and one
  saves and commits it, the other's save of its older copy raises
  [`StaleVersion`][b2b_customers.StaleVersion] (on ``save`` or on
  ``commit``) and none of its changes is written. (The suite never lets two
  open units of work write at the same time, which a single-writer database
  such as SQLite would make wait.)
"""

from __future__ import annotations

from b2b_customers.testing.contract._support import START
from b2b_customers.testing.contract.approvals import ApprovalContract
from b2b_customers.testing.contract.audit import AuditContract
from b2b_customers.testing.contract.companies import CompanyContract
from b2b_customers.testing.contract.contacts import ContactContract
from b2b_customers.testing.contract.credit import CreditContract
from b2b_customers.testing.contract.customers import CustomerContract
from b2b_customers.testing.contract.groups import CustomerGroupContract
from b2b_customers.testing.contract.limits import LimitContract
from b2b_customers.testing.contract.locations import LocationContract
from b2b_customers.testing.contract.orders import OrderContract
from b2b_customers.testing.contract.outbox import OutboxContract
from b2b_customers.testing.contract.payment_terms import PaymentTermsContract
from b2b_customers.testing.contract.spend import SpendContract
from b2b_customers.testing.contract.transactions import TransactionContract

__all__ = ["START", "StoreContract"]


class StoreContract(
    CompanyContract,
    LocationContract,
    CustomerContract,
    ContactContract,
    CustomerGroupContract,
    TransactionContract,
    OutboxContract,
    LimitContract,
    CreditContract,
    OrderContract,
    SpendContract,
    ApprovalContract,
    AuditContract,
    PaymentTermsContract,
):
    """The contract suite: subclass it, implement `make_store`, and run pytest.

    The class name does not start with ``Test``, so pytest collects only
    your subclass. Its tests use fixtures ``clock`` (a
    [`ManualClock`][b2b_customers.clock.ManualClock] at
    [`START`][b2b_customers.testing.contract.START]) and ``store`` (made by
    [`make_store`][b2b_customers.testing.contract.StoreContract.make_store], released by
    [`dispose_store`][b2b_customers.testing.contract.StoreContract.dispose_store]); override either
    fixture if you must.

    Attributes:
        property_examples: How many examples each property-based test tries;
            every example makes a fresh store, so lower it for a slow one.
    """
