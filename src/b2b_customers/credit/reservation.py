"""A reservation: credit an open order holds on a line, until it is invoiced or released.

Reservations are rows of their own, not part of the account: the account
keeps only their total (``reserved``), so reserving for one more order costs
the same whether the line holds two open orders or two thousand. A store
keeps one reservation per ``(account, reference)``; an invoice that converts
part of it shrinks it, a release removes it.
"""

from __future__ import annotations

from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.values import identifier, money_amount
from b2b_customers.ids import CreditAccountId

__all__ = ["Reservation"]


@frozen(kw_only=True)
class Reservation:
    """Credit held on an account for one open order (or approval request).

    Attributes:
        account_id: The credit account it is held on.
        reference: The order (or approval request) it is held for.
        amount: How much is held, in the account's currency; always positive.
    """

    account_id: CreditAccountId = field(converter=CreditAccountId, validator=identifier)
    reference: str = field(validator=identifier)
    amount: Money = field(validator=money_amount(non_negative=True))
