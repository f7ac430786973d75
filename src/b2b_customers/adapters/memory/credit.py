"""Credit accounts and their append-only ledgers, in memory.

An account is a row like any other (versioned, buffered, checked on commit).
Its ledger entries are not rows: they are appended, never changed, so a unit
of work keeps only the entries it appends (:class:`_LedgerBuffer`). An
account's ``save`` checks that the entries continue the ledger it read; the
account's version, checked on commit, makes sure nobody appended in between.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Undo, _Unique
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.ledger import ensure_continues
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from b2b_customers.credit.ledger import LedgerEntry
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


class MemoryCreditRepository(_Repository[CreditAccount]):
    """Credit accounts and their ledgers, in memory.

    Implements :class:`~b2b_customers.ports.CreditRepository`. Entry ids
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

    def save(self, account: CreditAccount, entries: Sequence[LedgerEntry] = ()) -> CreditAccount:
        """Store a changed account and append ``entries`` to its ledger, in one step.

        The entries must continue the stored ledger: sequences ``stored
        last_sequence + 1`` onwards, without gaps, ending at the account's
        ``last_sequence``.

        Raises:
            NotFound: No account has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The entries do not continue the ledger, belong to
                another account, or the account's companies do not exist.
            AlreadyExists: An entry id is taken, or a shared company is
                covered by another account.
        """
        appended = tuple(entries)

        def store() -> CreditAccount:
            stored = self._stored_for_update(account)
            self._check_entries(stored, account, appended)
            saved = self._update(account)
            self._work.ledger.append(account.id, appended)
            return saved

        return self._atomically(store)

    def get(self, account_id: CreditAccountId) -> CreditAccount:
        """Return the account with ``account_id``.

        Raises:
            NotFound: No account has this id.
        """
        with self._lock:
            return self._find(account_id)

    def for_company(self, company_id: CompanyId, *, lock: bool = False) -> CreditAccount:  # noqa: ARG002
        """Return the account whose line a company's orders draw on (owned or shared).

        ``lock`` changes nothing here: the memory store checks versions under
        one lock at commit, and lives in one process.

        Raises:
            NotFound: No account covers the company.
        """
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

    def _check_entries(
        self, stored: CreditAccount, account: CreditAccount, entries: Sequence[LedgerEntry]
    ) -> None:
        ensure_continues(
            entries,
            account_id=account.id,
            stored_last_sequence=stored.last_sequence,
            last_sequence=account.last_sequence,
        )
        seen: set[str] = set()
        for entry in entries:
            if entry.id in seen or self._work.ledger.taken(entry.id):
                raise AlreadyExists(
                    f"a ledger entry with id {entry.id!r} exists already; "
                    "give every entry an id of its own"
                )
            seen.add(entry.id)

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
