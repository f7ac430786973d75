"""Credit accounts and their ledgers, in ``credit_accounts.json`` and ``ledger_entries.json``.

An account is a row like any other. Its ledger entries are rows of their own
kind, appended by :meth:`JsonCreditRepository.save` together with the
account they belong to and never changed afterwards. The account's version
is what makes two units of work appending to one ledger conflict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.credit import CreditAccount
from b2b_customers.credit.ledger import ensure_continues
from b2b_customers.errors import AlreadyExists, NotFound, ValidationError
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from collections.abc import Sequence
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
    """Credit accounts and their ledgers. Implements :class:`~b2b_customers.ports.CreditRepository`.

    Entry ids are unique across every ledger of the store.

    Args:
        work: The unit of work's workspace.
        table: The credit accounts.
        ledger: The ledger entries of every account.
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
        self, work: Workspace, table: Table[CreditAccount], ledger: Table[LedgerEntry]
    ) -> None:
        super().__init__(work, table)
        self._ledger = ledger

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

        Raises:
            NotFound: No account has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The entries do not continue the ledger, belong to
                another account, or the account's companies do not exist.
            AlreadyExists: An entry id is taken, or a shared company is
                covered by another account.
        """
        appended = tuple(entries)
        with self._work.atomic():
            stored = self._stored_for_update(account)
            ensure_continues(
                appended,
                account_id=account.id,
                stored_last_sequence=stored.last_sequence,
                last_sequence=account.last_sequence,
            )
            saved = self._update(account)
            for entry in appended:
                if self._ledger.get(entry.id) is not None:
                    raise AlreadyExists(
                        f"a ledger entry with id {entry.id!r} exists already; "
                        "give every entry an id of its own"
                    )
                self._ledger.put(entry)
            return saved

    def get(self, account_id: CreditAccountId) -> CreditAccount:
        """Return the account with ``account_id``.

        Raises:
            NotFound: No account has this id.
        """
        return self._find(account_id)

    def for_company(self, company_id: CompanyId, *, lock: bool = False) -> CreditAccount:  # noqa: ARG002
        """Return the account whose line a company's orders draw on (owned or shared).

        ``lock`` asks to hold the account against other writers until the unit
        of work ends. This store has one writer at a time (its writer lock),
        and saves are version-checked, so there is nothing more to do.

        Raises:
            NotFound: No account covers the company.
        """
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
