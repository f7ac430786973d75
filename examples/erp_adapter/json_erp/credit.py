"""Credit accounts, ledgers and reservations, in ``credit_accounts.json``, ``ledger_entries.json``
and ``credit_reservations.json``.

An account is a row like any other for its terms (``save``). Its totals move
only by `JsonCreditRepository.book`: the store has one writer at a
time (its writer lock, taken at the first write and held to the end of the
unit of work), so booking re-checks the library's credit rule
(`refusal`) on the stored totals
and writes the moved totals, the entry and the reservation change, which
`reservation_moves` lists, as one step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.credit import CreditAccount, Reservation, reservation_moves, terms_key
from b2b_customers.errors import AlreadyExists, NotFound, ValidationError
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from datetime import datetime

    from b2b_customers.credit import LedgerEntry
    from b2b_customers.ids import CompanyId, CreditAccountId
    from json_erp.table import Table
    from json_erp.workspace import Workspace

__all__ = ["JsonCreditRepository"]


def _covered(account: CreditAccount) -> list[CompanyId]:
    """The companies whose orders draw on an account: its own, and those it is shared with."""
    return [account.company_id, *sorted(account.shared_with)]


class JsonCreditRepository(Repository[CreditAccount]):
    """Credit accounts and their ledgers. Implements `CreditRepository`.

    Entry ids are unique across every ledger of the store.

    Args:
        work: The unit of work's workspace.
        table: The credit accounts.
        ledger: The ledger entries of every account.
        reservations: The open reservations of every account.
    """

    entity = "CreditAccount"
    unique = (
        Unique[CreditAccount](
            _covered,
            lambda account, holder: (
                f"a company of credit account {account.id!r} "
                f"({', '.join(map(repr, _covered(account)))}) draws on account {holder!r} "
                "already; a company draws on one credit line: take it off that account first"
            ),
        ),
    )

    def __init__(
        self,
        work: Workspace,
        table: Table[CreditAccount],
        ledger: Table[LedgerEntry],
        reservations: Table[Reservation],
    ) -> None:
        super().__init__(work, table)
        self._ledger = ledger
        self._reservations = reservations

    def add(self, account: CreditAccount) -> CreditAccount:
        """Store a new account (with no ledger entries yet); return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or one of its companies is covered
                by another account already.
            ValidationError: Its company or a company it is shared with does
                not exist, or ``last_sequence`` is not 0.
        """
        if account.last_sequence != 0:
            raise ValidationError(
                f"a new credit account starts with an empty ledger (last_sequence 0), got "
                f"{account.last_sequence}; add the account first, then save it with its entries",
                field="last_sequence",
            )
        return self._insert(account)

    def save(self, account: CreditAccount) -> CreditAccount:
        """Store a change of the account's terms; the stored totals stay as they are.

        Raises:
            NotFound: No account has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The account's companies do not exist.
            AlreadyExists: A shared company is covered by another account.
        """
        with self._work.write():
            self._work.begin_write()
            stored = self._stored_for_update(account)
            return self._update(account.with_totals_of(stored))

    def book(
        self, entry: LedgerEntry, *, within_limit: bool = False, off_hold: bool = False
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Append ``entry`` and move the account's totals, holding the writer lock.

        Raises:
            NotFound: No account has this id, or the reservation named is not open.
            CreditOnHold: ``within_limit`` or ``off_hold``, and the account is on hold.
            InsufficientCredit: ``within_limit`` and the credit does not cover it.
            ValidationError: The reference holds a reservation already, or a
                release's amount is not the reservation's.
            AlreadyExists: The entry's id is taken.
        """
        with self._work.write():
            self._work.begin_write()  # the totals read below are the latest: nobody else writes
            account = self._find(entry.account_id)
            if within_limit or off_hold:
                refused = account.refusal(entry.amount, within_limit=within_limit)
                if refused is not None:
                    raise refused
            if self._ledger.get(entry.id) is not None:
                raise AlreadyExists(
                    f"a ledger entry with id {entry.id!r} exists already; "
                    "give every entry an id of its own"
                )
            numbered = entry.numbered(account.last_sequence + 1)
            for move in reservation_moves(numbered):
                key = f"{account.id}/{move.reference}"
                row = move.applied_to(self._reservations.get(key), account.id)
                if row is None:
                    self._reservations.delete(key)
                else:
                    self._reservations.put(row)
            booked = account.apply(numbered)
            self._table.put(booked)  # the same version: booking never conflicts with a save
            self._ledger.put(numbered)
            return booked, numbered

    def reservation(self, account_id: CreditAccountId, reference: str) -> Reservation:
        """Return the open reservation held on the account for ``reference``.

        Raises:
            NotFound: The account holds no reservation for it.
        """
        found = self._reservations.get(f"{account_id}/{reference}")
        if found is None:
            raise NotFound("Reservation", reference, by="order reference")
        return found

    def reservations(self, account_id: CreditAccountId) -> list[Reservation]:
        """Return the account's open reservations, sorted by reference.

        Raises:
            NotFound: No account has this id.
        """
        self._find(account_id)
        return sorted(
            (row for row in self._reservations if row.account_id == account_id),
            key=lambda row: row.reference,
        )

    def get(self, account_id: CreditAccountId) -> CreditAccount:
        """Return the account with ``account_id``.

        Raises:
            NotFound: No account has this id.
        """
        return self._find(account_id)

    def for_company(self, company_id: CompanyId, *, lock: bool = False) -> CreditAccount:
        """Return the account whose line a company's orders draw on (owned or shared).

        With ``lock``, take the writer lock first (one writer at a time): no
        other unit of work books on the account until this one ends.

        Raises:
            NotFound: No account covers the company.
        """
        if lock:
            self._work.begin_write()
        for account in sorted(self._table, key=lambda row: row.id):
            if company_id in _covered(account):
                return account
        raise NotFound("CreditAccount", company_id, by="company")

    def entries(
        self,
        account_id: CreditAccountId,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[LedgerEntry]:
        """Return the account's ledger entries in sequence order.

        Args:
            account_id: The account.
            since: Only entries that occurred at or after this instant.
            until: Only entries that occurred before this instant.

        Raises:
            NotFound: No account has this id.
        """
        self._find(account_id)
        return sorted(
            (
                entry
                for entry in self._ledger
                if entry.account_id == account_id
                and (since is None or entry.occurred_at >= since)
                and (until is None or entry.occurred_at < until)
            ),
            key=lambda entry: entry.sequence,
        )

    def using_terms(self, code: str) -> list[CreditAccountId]:
        """Return the ids of the accounts whose payment terms ``code`` names, sorted."""
        key = terms_key(code)
        return sorted(row.id for row in self._table if terms_key(row.payment_terms) == key)

    def _check_references(self, row: CreditAccount) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of credit account {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        missing = sorted(
            company for company in row.shared_with if not self._work.company_exists(company)
        )
        if missing:
            raise ValidationError(
                f"credit account {row.id!r} is shared with {', '.join(map(repr, missing))}, "
                "which does not exist; store the company first or leave it out",
                field="shared_with",
            )
