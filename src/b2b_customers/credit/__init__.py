"""Credit: the credit account and its ledger, payment terms, and the aging of open items.

* `account`: [`CreditAccount`][b2b_customers.credit.CreditAccount], holds and overrides.
* `ledger`: the append-only ledger, replay and statements.
* `due_dates`: due-date rules made of steps, and their presets.
* `payment_terms`: instalments, portions, discounts, cash rounding.
* `terms_catalog`: the seller's terms by code.
* `aging`: aging buckets, settlement with discounts and allocations.
* [`open_items`][b2b_customers.credit.open_items.open_items]: open items, advances and statements
  from a ledger.

Everything needed to build payment terms and read receivables is exported here.
"""

from b2b_customers.credit.account import CreditAccount, CreditHold, Override
from b2b_customers.credit.aging import (
    DEFAULT_BOUNDARIES,
    AgeRange,
    AgingBucket,
    AgingReport,
    Allocation,
    OpenItem,
    ReceivablesAging,
    ReceivablesRow,
    Settlement,
    age,
    age_ranges,
    bucket_for,
    days_past_due,
    settle,
)
from b2b_customers.credit.due_dates import (
    AddDays,
    AddMonths,
    DayOfFollowingMonth,
    DayOfMonth,
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    DueDateRule,
    DueDateStep,
    DueDateSteps,
    EndOfMonth,
    MonthsAfterMonthEnd,
    NextWeekday,
    day_of_following_month,
    end_of_month_after,
    months_end_of_month_days,
    net_days,
    next_day_of_month,
)
from b2b_customers.credit.ledger import EntryKind, LedgerEntry, Statement, replay, statement
from b2b_customers.credit.open_items import (
    OpenInvoice,
    OpenItems,
    OpenItemStatement,
    open_item_statement,
    open_items,
)
from b2b_customers.credit.payment_terms import (
    DUE_ON_RECEIPT,
    END_OF_MONTH_30,
    NET_7,
    NET_15,
    NET_30,
    NET_45,
    NET_60,
    NET_90,
    TWO_PART_30_60,
    BalancePortion,
    EarlyPaymentDiscount,
    FixedPortion,
    Instalment,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
    Portion,
    net,
)
from b2b_customers.credit.reservation import Reservation
from b2b_customers.credit.terms_catalog import STANDARD_TERMS, PaymentTermsCatalog

__all__ = [
    "DEFAULT_BOUNDARIES",
    "DUE_ON_RECEIPT",
    "END_OF_MONTH_30",
    "NET_7",
    "NET_15",
    "NET_30",
    "NET_45",
    "NET_60",
    "NET_90",
    "STANDARD_TERMS",
    "TWO_PART_30_60",
    "AddDays",
    "AddMonths",
    "AgeRange",
    "AgingBucket",
    "AgingReport",
    "Allocation",
    "BalancePortion",
    "CreditAccount",
    "CreditHold",
    "DayOfFollowingMonth",
    "DayOfMonth",
    "DaysAfterInvoice",
    "DaysAfterMonthEnd",
    "DueDateRule",
    "DueDateStep",
    "DueDateSteps",
    "EarlyPaymentDiscount",
    "EndOfMonth",
    "EntryKind",
    "FixedPortion",
    "Instalment",
    "InstalmentTerm",
    "LedgerEntry",
    "MonthsAfterMonthEnd",
    "NextWeekday",
    "OpenInvoice",
    "OpenItem",
    "OpenItemStatement",
    "OpenItems",
    "Override",
    "PaymentTerms",
    "PaymentTermsCatalog",
    "PercentPortion",
    "Portion",
    "ReceivablesAging",
    "ReceivablesRow",
    "Reservation",
    "Settlement",
    "Statement",
    "age",
    "age_ranges",
    "bucket_for",
    "day_of_following_month",
    "days_past_due",
    "end_of_month_after",
    "months_end_of_month_days",
    "net",
    "net_days",
    "next_day_of_month",
    "open_item_statement",
    "open_items",
    "replay",
    "settle",
    "statement",
]
