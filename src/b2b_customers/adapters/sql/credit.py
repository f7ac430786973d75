"""Credit accounts and their append-only ledgers in SQL.

An account is a versioned row; the companies that draw on it (its owner and
those it is shared with) are rows of ``credit_coverage``, whose primary key
lets a company draw on one line at most. Ledger entries are appended, never
changed: ``save`` checks that they continue the ledger it read, and the
account's version (plus a unique ``(account_id, sequence)``) makes sure
nobody appended in between, so credit is never spent twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select, update

from b2b_customers.adapters.sql.mapping import (
    bookkeeping,
    converter,
    load,
    stamped,
    stored_time,
    utc,
)
from b2b_customers.adapters.sql.queries import data_text, existing, lookup, stale
from b2b_customers.adapters.sql.tables import (
    companies,
    credit_accounts,
    credit_coverage,
    ledger_entries,
)
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.ledger import LedgerEntry, ensure_continues
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy import ColumnElement, Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId, CreditAccountId

__all__ = ["SqlCreditRepository"]

_accounts = credit_accounts
_coverage = credit_coverage
_entries = ledger_entries
_GET = select(data_text(_accounts)).where(_accounts.c.id == bindparam("id"))
_FOR_COMPANY = (
    select(data_text(_accounts))
    .join(_coverage, _coverage.c.account_id == _accounts.c.id)
    .where(_coverage.c.company_id == bindparam("company"))
)
# The same, holding the account row until the transaction ends (PostgreSQL; SQLite
# renders no FOR UPDATE: it has one writer at a time anyway).
_FOR_COMPANY_LOCKED = _FOR_COMPANY.with_for_update(of=_accounts)


def _covered(account: CreditAccount) -> list[CompanyId]:
    return [account.company_id, *sorted(account.shared_with)]


def _account_row(account: CreditAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        **bookkeeping(account),
        "company_id": account.company_id,
        "last_sequence": account.last_sequence,
        "data": converter().unstructure(account),
    }


def _coverage_rows(account: CreditAccount) -> list[dict[str, Any]]:
    return [{"company_id": company, "account_id": account.id} for company in _covered(account)]


def _entry_row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "account_id": entry.account_id,
        "sequence": entry.sequence,
        "occurred_at": utc(entry.occurred_at),
        "data": converter().unstructure(entry),
    }


class SqlCreditRepository:
    """Credit accounts and their ledgers, in SQL.

    Implements :class:`~b2b_customers.ports.CreditRepository`. Entry ids are
    unique across every ledger of the store.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, account: CreditAccount) -> CreditAccount:
        """Store a new account (with no ledger entries yet); return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or one of its companies is covered
                by another account already.
            ValidationError: Its company or a company it is shared with does
                not exist, or ``last_sequence`` is not 0.
        """
        _require_account(account)
        if account.last_sequence != 0:
            raise ValidationError(
                f"a new credit account starts with an empty ledger (last_sequence 0), got "
                f"{account.last_sequence}; add the account first, then save it with its entries",
                field="last_sequence",
            )
        now = self._session.now()
        stored = stamped(account, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            connection.execute(_accounts.insert(), [_account_row(stored)])
            connection.execute(_coverage.insert(), _coverage_rows(stored))
        return stored

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
        _require_account(account)
        appended = tuple(entries)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._explain(connection, account, new=False) or self._taken_entry(
                connection, appended
            )

        with self._session.write(explain) as connection:
            row = connection.execute(
                select(
                    _accounts.c.version, _accounts.c.created_at, _accounts.c.last_sequence
                ).where(_accounts.c.id == account.id)
            ).first()
            if row is None:
                raise NotFound("CreditAccount", account.id)
            version, created_at, last_sequence = row
            if version != account.version:
                raise stale("CreditAccount", account.id, version, account.version)
            _check_entries(last_sequence, account, appended)
            taken = self._taken_entry(connection, appended)
            if taken is not None:
                raise taken
            stored = stamped(
                account, version=version + 1, created_at=stored_time(created_at), updated_at=now
            )
            values = _account_row(stored)
            del values["id"]
            result = connection.execute(
                update(_accounts)
                .where(_accounts.c.id == account.id, _accounts.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("CreditAccount", account.id, version + 1, account.version)
            connection.execute(delete(_coverage).where(_coverage.c.account_id == account.id))
            connection.execute(_coverage.insert(), _coverage_rows(stored))
            if appended:
                connection.execute(_entries.insert(), [_entry_row(entry) for entry in appended])
        return stored

    def get(self, account_id: CreditAccountId) -> CreditAccount:
        """Return the account with ``account_id``.

        Raises:
            NotFound: No account has this id.
        """
        session = self._session
        with session.read() as connection:
            data = connection.execute(_GET, {"id": account_id}).scalar_one_or_none()
        if data is None:
            raise NotFound("CreditAccount", account_id)
        return session.decode(CreditAccount, data)

    def for_company(self, company_id: CompanyId, *, lock: bool = False) -> CreditAccount:
        """Return the account whose line a company's orders draw on (owned or shared).

        With ``lock``, the account's row stays locked (``FOR UPDATE``) until
        the unit of work ends, so concurrent reservers queue on it.

        Raises:
            NotFound: No account covers the company.
        """
        session = self._session
        statement = _FOR_COMPANY_LOCKED if lock else _FOR_COMPANY
        with session.read() as connection:
            data = connection.execute(statement, {"company": company_id}).scalar_one_or_none()
        if data is None:
            raise NotFound("CreditAccount", company_id, by="company")
        return session.decode(CreditAccount, data)

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
        conditions: list[ColumnElement[bool]] = [_entries.c.account_id == account_id]
        if since is not None:
            conditions.append(_entries.c.occurred_at >= utc(since))
        if until is not None:
            conditions.append(_entries.c.occurred_at < utc(until))
        with self._session.read() as connection:
            found = connection.execute(
                select(_accounts.c.id).where(_accounts.c.id == account_id)
            ).first()
            if found is None:
                raise NotFound("CreditAccount", account_id)
            rows = connection.execute(
                select(data_text(_entries)).where(*conditions).order_by(_entries.c.sequence)
            ).scalars()
            return [load(LedgerEntry, data) for data in rows]

    def _taken_entry(
        self, connection: Connection, entries: Sequence[LedgerEntry]
    ) -> AlreadyExists | None:
        ids = [entry.id for entry in entries]
        stored = existing(connection, _entries.c.id, set(ids), self._session.chunk_size)
        seen: set[str] = set()
        for entry_id in ids:
            if entry_id in seen or entry_id in stored:
                return AlreadyExists(
                    f"a ledger entry with id {entry_id!r} exists already; "
                    "give every entry an id of its own"
                )
            seen.add(entry_id)
        return None

    def _explain(
        self, connection: Connection, account: CreditAccount, *, new: bool
    ) -> B2BError | None:
        """Say which rule a write broke: the companies, the id, then the coverage."""
        size = self._session.chunk_size
        covered = _covered(account)
        known = existing(connection, companies.c.id, set(covered), size)
        if account.company_id not in known:
            return ValidationError(
                f"company {account.company_id!r} of credit account {account.id!r} does not "
                "exist; store the company first",
                field="company_id",
            )
        missing = sorted(company for company in account.shared_with if company not in known)
        if missing:
            return ValidationError(
                f"credit account {account.id!r} is shared with {', '.join(map(repr, missing))}, "
                "which does not exist; store the company first or leave it out",
                field="shared_with",
            )
        if (
            new
            and connection.execute(
                select(_accounts.c.id).where(_accounts.c.id == account.id)
            ).first()
        ):
            return AlreadyExists(
                f"a CreditAccount with id {account.id!r} exists already; choose another id, "
                "or load and save the stored one"
            )
        holders = lookup(connection, _coverage.c.company_id, _coverage.c.account_id, covered, size)
        others = sorted({holder for holder in holders.values() if holder != account.id})
        if others:
            return AlreadyExists(
                f"a company of credit account {account.id!r} "
                f"({', '.join(map(repr, covered))}) draws on account {others[0]!r} "
                "already; a company draws on one credit line: take it off that account first"
            )
        return None


def _require_account(account: object) -> None:
    if not isinstance(account, CreditAccount):
        raise ValidationError(f"expected a CreditAccount, got {type(account).__name__} {account!r}")


def _check_entries(
    stored_last: int, account: CreditAccount, entries: Sequence[LedgerEntry]
) -> None:
    ensure_continues(
        entries,
        account_id=account.id,
        stored_last_sequence=stored_last,
        last_sequence=account.last_sequence,
    )
