"""What booking a ledger entry does to the open reservations: the one rule every store follows.

A reservation entry opens a reservation under its reference; a release
closes it (its amount must be the reservation's whole amount); an invoice
that converts a reservation (``released_from``) shrinks it by
``released_reservation``, closing it when nothing is left. Stores apply the
moves this module lists, and the account's ``reserved`` total moves by the
entry's [`reserved_change`][b2b_customers.credit.LedgerEntry.reserved_change],
so ``reserved`` always equals the sum of the open reservations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from attrs import frozen
from moneyed import Money

from b2b_customers.arguments import checked_arguments
from b2b_customers.credit.ledger import EntryKind
from b2b_customers.credit.reservation import Reservation
from b2b_customers.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from b2b_customers.credit.ledger import LedgerEntry
    from b2b_customers.ids import CreditAccountId

__all__ = ["ReservationMove", "reservation_moves"]


@frozen
class ReservationMove:
    """One change to one open reservation.

    Attributes:
        reference: The reservation's reference (the order's).
        change: Positive: opens it with this amount; negative: takes this much off.
        closes: The reservation must be left at zero (a release).
    """

    reference: str
    change: Money
    closes: bool = False

    def applied_to(
        self, held: Reservation | None, account_id: CreditAccountId
    ) -> Reservation | None:
        """Return the reservation after this move (``None``: closed), given the one held.

        Stores without SQL call it to keep their rows; the SQL store does the
        same in its statements.

        Raises:
            ValidationError: It opens a reservation the reference holds
                already, or takes more than is held (a release: other than
                all of it).
            NotFound: It takes from a reservation that is not open.
        """
        if self.change.amount > 0:
            if held is not None:
                raise ValidationError(
                    f"order {self.reference!r} holds a reservation on credit account "
                    f"{account_id!r} already; release it first",
                    field="reference",
                )
            return Reservation(account_id=account_id, reference=self.reference, amount=self.change)
        if held is None:
            raise NotFound("Reservation", self.reference, by="order reference")
        left = held.amount.amount + self.change.amount
        if left < 0 or (self.closes and left):
            raise ValidationError(
                f"reservation {self.reference!r} holds {held.amount.amount}, not the "
                f"{-self.change.amount} released from it",
                field="amount",
            )
        return attrs.evolve(held, amount=Money(left, held.amount.currency)) if left else None


@checked_arguments
def reservation_moves(entry: LedgerEntry) -> list[ReservationMove]:
    """Return how booking ``entry`` changes the open reservations (often not at all)."""
    if entry.kind is EntryKind.RESERVATION and entry.reference is not None:
        return [ReservationMove(entry.reference, entry.amount)]
    if entry.kind is EntryKind.RELEASE and entry.reference is not None:
        return [ReservationMove(entry.reference, -entry.amount, closes=True)]
    if entry.released_from is not None and entry.released_reservation is not None:
        return [ReservationMove(entry.released_from, -entry.released_reservation)]
    return []
