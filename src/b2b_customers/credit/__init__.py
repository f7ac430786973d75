"""Credit: the credit account and its ledger, payment terms, and the aging of open items.

* :mod:`~b2b_customers.credit.account`: :class:`CreditAccount`, holds and overrides.
* :mod:`~b2b_customers.credit.ledger`: the append-only ledger, replay and statements.
* :mod:`~b2b_customers.credit.payment_terms` and :mod:`~b2b_customers.credit.due_dates`:
  instalments and when they are due.
* :mod:`~b2b_customers.credit.aging`: aging buckets and oldest-first settlement.
"""

from b2b_customers.credit.account import CreditAccount, CreditHold, Override
from b2b_customers.credit.aging import AgingBucket, AgingReport, OpenItem, age, settle
from b2b_customers.credit.ledger import EntryKind, LedgerEntry, Statement, replay, statement
from b2b_customers.credit.payment_terms import Instalment, PaymentTerms, net
from b2b_customers.credit.reservation import Reservation

__all__ = [
    "AgingBucket",
    "AgingReport",
    "CreditAccount",
    "CreditHold",
    "EntryKind",
    "Instalment",
    "LedgerEntry",
    "OpenItem",
    "Override",
    "PaymentTerms",
    "Reservation",
    "Statement",
    "age",
    "net",
    "replay",
    "settle",
    "statement",
]
