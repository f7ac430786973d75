"""Credit accounts, their append-only ledgers and open reservations, in memory.

An account is a row like any other (versioned, buffered, checked on commit)
for its terms. Its totals move only by
[`MemoryCreditRepository.book`][b2b_customers.adapters.memory.MemoryCreditRepository.book], which
takes the store's write lock first (held until the unit of work ends, like SQLite's), re-checks the
credit rule on the totals as they stand and writes the moved totals without a new version. ``save``
takes the same lock and keeps the stored totals, so a change of terms never loses a booking.
Ledger entries are appended, never changed, so a unit of work keeps only the
entries it appends (`_LedgerBuffer`); reservations are rows keyed by
account and reference (`_ReservationBuffer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Undo, _Unique
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.booking import reservation_moves
from b2b_customers.credit.payment_terms import terms_key
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from b2b_customers.credit.ledger import LedgerEntry
    from b2b_customers.credit.reservation import Reservation
    from b2b_customers.ids import CompanyId, CreditAccountId

__all__ = ["MemoryCreditRepository"]


def _covered(account: CreditAccount) -> list[CompanyId]:
    return [account.company_id, *sorted(account.shared_with)]


_CREDIT: _Schema[CreditAccount] = _Schema(
    entity="CreditAccount",
    ident=lambda account: account.id,
    indexes={"covers": _covered},
    unique=[
        _Unique(
            "covers",
            lambda account, holder: (
                f"a company of credit account {account.id!r} "
                f"({', '.join(map(repr, _covered(account)))}) draws on account {holder!r} "
                "already; a company draws on one credit line: take it off that account first"
            ),
        )
    ],
)


class _Ledger:
    """The committed ledger entries: by account in sequence order, and every entry id."""

    __slots__ = ("by_account", "ids")

    def __init__(self) -> None:
        self.by_account: dict[str, list[LedgerEntry]] = {}
        self.ids: set[str] = set()


class _LedgerBuffer:
    """One unit of work's entries to append, read after the committed ones."""

    __slots__ = ("_journal", "appended", "base", "ids")

    def __init__(self, base: _Ledger, journal: list[_Undo]) -> None:
        self.base = base
        self.appended: dict[str, list[LedgerEntry]] = {}
        self.ids: set[str] = set()
        self._journal = journal

    def entries(self, account_id: str) -> list[LedgerEntry]:
        return [*self.base.by_account.get(account_id, ()), *self.appended.get(account_id, ())]

    def taken(self, entry_id: str) -> bool:
        return entry_id in self.base.ids or entry_id in self.ids

    def append(self, account_id: str, entries: Sequence[LedgerEntry]) -> None:
        if not entries:
            return
        pending = self.appended.setdefault(account_id, [])
        pending.extend(entries)
        new_ids = {entry.id for entry in entries}
        self.ids.update(new_ids)

        def undo() -> None:
            del pending[len(pending) - len(entries) :]
            if not pending:
                self.appended.pop(account_id, None)
            self.ids.difference_update(new_ids)

        self._journal.append(undo)

    def check_versions(self) -> None:
        """Refuse entry ids committed meanwhile, and entries that no longer continue a ledger.

        The account's version, checked before, already guards the sequence:
        the second check only keeps the ledger whole should that ever fail.
        """
        taken = sorted(self.ids & self.base.ids)
        if taken:
            raise AlreadyExists(
                f"another unit of work added ledger entries {', '.join(map(repr, taken))} "
                "first; give every entry an id of its own"
            )
        for account_id, entries in self.appended.items():
            committed = self.base.by_account.get(account_id)
            last = committed[-1].sequence if committed else 0
            if entries[0].sequence != last + 1:
                raise StaleVersion(
                    f"another unit of work appended to the ledger of credit account "
                    f"{account_id!r}; reload the account and apply the change again"
                )

    def apply(self) -> None:
        for account_id, entries in self.appended.items():
            self.base.by_account.setdefault(account_id, []).extend(entries)
        self.base.ids.update(self.ids)

    def clear(self) -> None:
        self.appended = {}
        self.ids = set()


class _ReservationBuffer:
    """One unit of work's changes to the open reservations, read over the committed ones.

    Only a unit of work holding the store's write lock changes reservations,
    so the committed ones cannot move under it: commit has nothing to check.
    """

    __slots__ = ("_journal", "base", "changed")

    def __init__(self, base: dict[tuple[str, str], Reservation], journal: list[_Undo]) -> None:
        self.base = base
        self.changed: dict[tuple[str, str], Reservation | None] = {}  # None: removed
        self._journal = journal

    def get(self, account_id: str, reference: str) -> Reservation | None:
        key = (account_id, reference)
        return self.changed[key] if key in self.changed else self.base.get(key)

    def of(self, account_id: str) -> list[Reservation]:
        keys = {key for key in self.base if key[0] == account_id}
        keys.update(key for key in self.changed if key[0] == account_id)
        found = [row for key in keys if (row := self.get(*key)) is not None]
        return sorted(found, key=lambda row: row.reference)

    def put(self, account_id: str, reference: str, row: Reservation | None) -> None:
        key = (account_id, reference)
        had, previous = key in self.changed, self.changed.get(key)
        self.changed[key] = row

        def undo() -> None:
            if had:
                self.changed[key] = previous
            else:
                self.changed.pop(key, None)

        self._journal.append(undo)

    def check_versions(self) -> None:
        """Nothing to check: the write lock kept every other writer out."""

    def apply(self) -> None:
        for key, row in self.changed.items():
            if row is None:
                self.base.pop(key, None)
            else:
                self.base[key] = row

    def clear(self) -> None:
        self.changed = {}


class MemoryCreditRepository(_Repository[CreditAccount]):
    """Credit accounts and their ledgers, in memory.

    Implements [`CreditRepository`][b2b_customers.ports.CreditRepository]. Entry ids
    are unique across every ledger of the store.
    """

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
        self._work.hold_writer()

        def store() -> CreditAccount:
            stored = self._stored_for_update(account)
            return self._update(account.with_totals_of(stored))

        return self._atomically(store)

    def book(
        self, entry: LedgerEntry, *, within_limit: bool = False, off_hold: bool = False
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Append ``entry`` and move the account's totals, under the store's write lock.

        Raises:
            NotFound: No account has this id, or the reservation named is not open.
            CreditOnHold: ``within_limit`` or ``off_hold``, and the account is on hold.
            InsufficientCredit: ``within_limit`` and the credit does not cover it.
            ValidationError: The reference holds a reservation already, or a
                release's amount is not the reservation's.
            AlreadyExists: The entry's id is taken.
        """
        self._work.hold_writer()

        def store() -> tuple[CreditAccount, LedgerEntry]:
            account = self._find(entry.account_id)
            if within_limit or off_hold:
                refused = account.refusal(entry.amount, within_limit=within_limit)
                if refused is not None:
                    raise refused
            if self._work.ledger.taken(entry.id):
                raise AlreadyExists(
                    f"a ledger entry with id {entry.id!r} exists already; "
                    "give every entry an id of its own"
                )
            numbered = entry.numbered(account.last_sequence + 1)
            rows = self._work.reservations
            for move in reservation_moves(numbered):
                held = rows.get(account.id, move.reference)
                rows.put(account.id, move.reference, move.applied_to(held, account.id))
            booked = account.apply(numbered)
            self._buffer.put(booked)  # same version: booking never conflicts with a save
            self._work.ledger.append(account.id, [numbered])
            return booked, numbered

        return self._atomically(store)

    def reservation(self, account_id: CreditAccountId, reference: str) -> Reservation:
        """Return the open reservation held on the account for ``reference``.

        Raises:
            NotFound: The account holds no reservation for it.
        """
        with self._lock:
            found = self._work.reservations.get(account_id, reference)
        if found is None:
            raise NotFound("Reservation", reference, by="order reference")
        return found

    def reservations(self, account_id: CreditAccountId) -> list[Reservation]:
        """Return the account's open reservations, sorted by reference.

        Raises:
            NotFound: No account has this id.
        """
        with self._lock:
            self._find(account_id)
            return self._work.reservations.of(account_id)

    def get(self, account_id: CreditAccountId) -> CreditAccount:
        """Return the account with ``account_id``.

        Raises:
            NotFound: No account has this id.
        """
        with self._lock:
            return self._find(account_id)

    def for_company(self, company_id: CompanyId, *, lock: bool = False) -> CreditAccount:
        """Return the account whose line a company's orders draw on (owned or shared).

        With ``lock``, take the store's write lock first: every booking takes
        it too, so none changes the totals read here until this unit of work
        ends.

        Raises:
            NotFound: No account covers the company.
        """
        if lock:
            self._work.hold_writer()
        with self._lock:
            found = self._buffer.rows("covers", company_id)
        if not found:
            raise NotFound("CreditAccount", company_id, by="company")
        return min(found, key=lambda row: row.id)

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
        with self._lock:
            self._find(account_id)
            found = self._work.ledger.entries(account_id)
        return [
            entry
            for entry in found
            if (since is None or entry.occurred_at >= since)
            and (until is None or entry.occurred_at < until)
        ]

    def using_terms(self, code: str) -> list[CreditAccountId]:
        """Return the ids of the accounts whose payment terms ``code`` names, sorted."""
        key = terms_key(code)
        with self._lock:
            found = [row.id for row in self._buffer.all() if terms_key(row.payment_terms) == key]
        return sorted(found)

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
