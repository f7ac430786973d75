"""Credit accounts, their append-only ledgers and open reservations in SQL.

An account is a versioned row for its terms (``data``), with the figures the
credit rule reads as columns: ``credit_limit``, ``on_hold``, ``balance``,
``reserved`` and ``last_sequence``. The companies that draw on it (its owner
and those it is shared with) are rows of ``credit_coverage``, whose primary
key lets a company draw on one line at most.

Booking a ledger entry (`SqlCreditRepository.book`) is **one
conditional statement** on the account row::

    UPDATE credit_accounts
       SET balance = balance + :b, reserved = reserved + :r, last_sequence = last_sequence + 1
     WHERE id = :id [AND NOT on_hold [AND credit_limit - balance - reserved >= :amount]]
    RETURNING ...

followed by the entry's ``INSERT`` and the one reservation row it opens,
shrinks or deletes. The row stays locked from that statement to the end of
the transaction, a few round trips, so concurrent reservations queue for
only that long and can never together pass the limit. On SQLite, which
keeps amounts as text, `DECIMAL_ADD`
and `DECIMAL_COVERS` do the sums
exactly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from moneyed import Money
from sqlalchemy import Text, bindparam, delete, select, update
from sqlalchemy.sql.functions import Function

from b2b_customers.adapters.sql.engines import DECIMAL_ADD, DECIMAL_COVERS
from b2b_customers.adapters.sql.mapping import (
    bookkeeping,
    converter,
    decimal_amount,
    decode,
    json_value,
    stamped,
    stored_time,
    utc,
)
from b2b_customers.adapters.sql.queries import data_text, existing, lookup, stale
from b2b_customers.adapters.sql.tables import (
    companies,
    credit_accounts,
    credit_coverage,
    credit_reservations,
    ledger_entries,
)
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.booking import ReservationMove, reservation_moves
from b2b_customers.credit.ledger import LedgerEntry
from b2b_customers.credit.payment_terms import terms_key
from b2b_customers.credit.reservation import Reservation
from b2b_customers.errors import AlreadyExists, B2BError, DamagedRow, NotFound, ValidationError

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
_reservations = credit_reservations
_TOTALS = ("balance", "reserved", "last_sequence")  # moved by booking only, never by save
_ACCOUNT = (
    _accounts.c.id,
    _accounts.c.balance,
    _accounts.c.reserved,
    _accounts.c.last_sequence,
    data_text(_accounts),
)
_GET = select(*_ACCOUNT).where(_accounts.c.id == bindparam("id"))
_FOR_COMPANY = (
    select(*_ACCOUNT)
    .join(_coverage, _coverage.c.account_id == _accounts.c.id)
    .where(_coverage.c.company_id == bindparam("company"))
)
# The same, holding the account row until the transaction ends (PostgreSQL; SQLite
# renders no FOR UPDATE: the read opens the write transaction instead, see for_company).
_FOR_COMPANY_LOCKED = _FOR_COMPANY.with_for_update(of=_accounts)


def _added(column: ColumnElement[Any], *, postgres: bool) -> ColumnElement[Any]:
    """``column + :change``, exactly (text amounts on SQLite)."""
    if postgres:
        return column + bindparam(f"{column.key}_change", type_=column.type)
    return Function(DECIMAL_ADD, column, bindparam(f"{column.key}_change", type_=Text()))


def _booking(*, postgres: bool, within_limit: bool, off_hold: bool) -> Any:  # noqa: ANN401  (a DML statement)
    column = _accounts.c
    statement = update(_accounts).where(column.id == bindparam("account"))
    if off_hold and not within_limit:
        statement = statement.where(column.on_hold.is_(False))
    if within_limit:
        amount = bindparam("amount", type_=column.reserved.type if postgres else Text())
        covers = (
            column.credit_limit - column.balance - column.reserved >= amount
            if postgres
            else Function(
                DECIMAL_COVERS, column.credit_limit, column.balance, column.reserved, amount
            )
            == 1
        )
        statement = statement.where(column.on_hold.is_(False), covers)
    return statement.values(
        balance=_added(column.balance, postgres=postgres),
        reserved=_added(column.reserved, postgres=postgres),
        last_sequence=column.last_sequence + 1,
    ).returning(*_ACCOUNT)


_BOOK = {
    (postgres, within, off_hold): _booking(
        postgres=postgres, within_limit=within, off_hold=off_hold
    )
    for postgres in (False, True)
    for within in (False, True)
    for off_hold in (False, True)
}
"""``(postgres, within_limit, off_hold)`` -> the conditional update that books one entry."""

_SHRINK = {
    postgres: update(_reservations)
    .where(
        _reservations.c.account_id == bindparam("key_account"),
        _reservations.c.reference == bindparam("key_reference"),
    )
    .values(amount=_added(_reservations.c.amount, postgres=postgres))
    .returning(_reservations.c.amount)
    for postgres in (False, True)
}
_CLOSE = (
    delete(_reservations)
    .where(
        _reservations.c.account_id == bindparam("key_account"),
        _reservations.c.reference == bindparam("key_reference"),
    )
    .returning(_reservations.c.amount)
)
_RESERVATION = select(_reservations.c.amount).where(
    _reservations.c.account_id == bindparam("key_account"),
    _reservations.c.reference == bindparam("key_reference"),
)


def _covered(account: CreditAccount) -> list[CompanyId]:
    return [account.company_id, *sorted(account.shared_with)]


def _terms(account: CreditAccount) -> dict[str, Any]:
    """The account's ``data``: everything but the totals, which are columns of their own."""
    data: dict[str, Any] = converter().unstructure(account)
    for name in _TOTALS:
        data.pop(name, None)
    return data


def _account_row(account: CreditAccount, *, postgres: bool) -> dict[str, Any]:
    return {
        "id": account.id,
        **bookkeeping(account),
        "company_id": account.company_id,
        "credit_limit": _amount(account.credit_limit.amount, postgres=postgres),
        "on_hold": account.on_hold,
        "data": _terms(account),
    }


def _amount(value: Decimal, *, postgres: bool) -> Decimal | str:
    return value if postgres else str(value)


def _account(row: Sequence[Any]) -> CreditAccount:
    """Build an account from its id, terms and total columns (``_ACCOUNT``'s five).

    Raises:
        DamagedRow: A column holds what the library could not have written.
    """
    account_id, balance, reserved, last_sequence, data = row
    table = "credit_accounts"
    terms = json_value(data, table=table, key=account_id, field="data")
    if not isinstance(terms, dict):
        raise DamagedRow(table, account_id, "not a JSON object", field="data")
    currency = terms.get("currency")
    owed = decimal_amount(balance, table=table, key=account_id, field="balance")
    held = decimal_amount(
        reserved, table=table, key=account_id, field="reserved", non_negative=True
    )
    terms = {
        **terms,
        "balance": {"amount": str(owed), "currency": currency},
        "reserved": {"amount": str(held), "currency": currency},
        "last_sequence": last_sequence,
    }
    return decode(CreditAccount, terms, table=table, key=account_id)


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

    Implements [`CreditRepository`][b2b_customers.ports.CreditRepository]. Entry ids are
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

        postgres = self._session.postgres
        row = {
            **_account_row(stored, postgres=postgres),
            "balance": _amount(stored.balance.amount, postgres=postgres),
            "reserved": _amount(stored.reserved.amount, postgres=postgres),
            "last_sequence": 0,
        }
        with self._session.write(explain) as connection:
            connection.execute(_accounts.insert(), [row])
            connection.execute(_coverage.insert(), _coverage_rows(stored))
        return stored

    def save(self, account: CreditAccount) -> CreditAccount:
        """Store a change of the account's terms; the stored totals stay as they are.

        Raises:
            NotFound: No account has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The account's companies do not exist.
            AlreadyExists: A shared company is covered by another account.
        """
        _require_account(account)
        session = self._session
        now = session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._explain(connection, account, new=False)

        with session.write(explain) as connection:
            row = connection.execute(
                select(_accounts.c.version, _accounts.c.created_at, *_ACCOUNT).where(
                    _accounts.c.id == account.id
                )
            ).first()
            if row is None:
                raise NotFound("CreditAccount", account.id)
            version, created_at = row[0], row[1]
            if version != account.version:
                raise stale("CreditAccount", account.id, version, account.version)
            current = _account(row[2:])
            stored = stamped(
                account, version=version + 1, created_at=stored_time(created_at), updated_at=now
            )
            values = _account_row(stored, postgres=session.postgres)
            del values["id"]
            result = connection.execute(
                update(_accounts)
                .where(_accounts.c.id == account.id, _accounts.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("CreditAccount", account.id, version + 1, account.version)
            current_cover, new_cover = _covered(current), _covered(stored)
            if current_cover != new_cover:
                connection.execute(delete(_coverage).where(_coverage.c.account_id == account.id))
                connection.execute(_coverage.insert(), _coverage_rows(stored))
        return stored.with_totals_of(current)

    def book(
        self, entry: LedgerEntry, *, within_limit: bool = False, off_hold: bool = False
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Append ``entry`` and move the account's totals in one conditional statement.

        Raises:
            NotFound: No account has this id, or the reservation named is not open.
            CreditOnHold: ``within_limit`` or ``off_hold``, and the account is on hold.
            InsufficientCredit: ``within_limit`` and the credit does not cover it.
            ValidationError: The reference holds a reservation already, or a
                release's amount is not the reservation's.
            AlreadyExists: The entry's id is taken.
        """
        if not isinstance(entry, LedgerEntry):
            raise ValidationError(
                f"expected a LedgerEntry, got {type(entry).__name__} {entry!r}", field="entry"
            )
        session = self._session
        postgres = session.postgres
        parameters = {
            "account": entry.account_id,
            "balance_change": _amount(entry.balance_change, postgres=postgres),
            "reserved_change": _amount(entry.reserved_change, postgres=postgres),
            "amount": _amount(entry.amount.amount, postgres=postgres),
        }

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._taken_entry(connection, [entry]) or _reservation_taken(entry)

        with session.write(explain) as connection:
            statement = _BOOK[postgres, within_limit, off_hold or within_limit]
            row = connection.execute(statement, parameters).first()
            if row is None:
                raise self._refusal(connection, entry, within_limit=within_limit)
            account = _account(row)
            numbered = entry.numbered(account.last_sequence)
            connection.execute(_entries.insert(), [_entry_row(numbered)])
            for move in reservation_moves(numbered):
                _move_reservation(connection, account, move, postgres=postgres)
        return account, numbered

    def reservation(self, account_id: CreditAccountId, reference: str) -> Reservation:
        """Return the open reservation held on the account for ``reference``.

        Raises:
            NotFound: The account holds no reservation for it.
        """
        with self._session.read() as connection:
            amount = connection.execute(
                select(_reservations.c.amount, data_text(_accounts))
                .join(_accounts, _accounts.c.id == _reservations.c.account_id)
                .where(
                    _reservations.c.account_id == account_id,
                    _reservations.c.reference == reference,
                )
            ).first()
        if amount is None:
            raise NotFound("Reservation", reference, by="order reference")
        return _reservation_row(account_id, reference, amount[0], amount[1])

    def reservations(self, account_id: CreditAccountId) -> list[Reservation]:
        """Return the account's open reservations, sorted by reference.

        Raises:
            NotFound: No account has this id.
        """
        with self._session.read() as connection:
            found = connection.execute(
                select(data_text(_accounts)).where(_accounts.c.id == account_id)
            ).scalar_one_or_none()
            if found is None:
                raise NotFound("CreditAccount", account_id)
            rows = connection.execute(
                select(_reservations.c.reference, _reservations.c.amount)
                .where(_reservations.c.account_id == account_id)
                .order_by(_reservations.c.reference)
            ).all()
        return [_reservation_row(account_id, ref, amount, found) for ref, amount in rows]

    def _refusal(
        self, connection: Connection, entry: LedgerEntry, *, within_limit: bool
    ) -> B2BError:
        """Say why the conditional booking wrote nothing: no account, a hold, too little credit."""
        row = connection.execute(_GET, {"id": entry.account_id}).first()
        if row is None:
            return NotFound("CreditAccount", entry.account_id)
        refused = _account(row).refusal(entry.amount, within_limit=within_limit)
        return refused if refused is not None else NotFound("CreditAccount", entry.account_id)

    def get(self, account_id: CreditAccountId) -> CreditAccount:
        """Return the account with ``account_id``.

        Raises:
            NotFound: No account has this id.
        """
        with self._session.read() as connection:
            row = connection.execute(_GET, {"id": account_id}).first()
        if row is None:
            raise NotFound("CreditAccount", account_id)
        return _account(row)

    def for_company(self, company_id: CompanyId, *, lock: bool = False) -> CreditAccount:
        """Return the account whose line a company's orders draw on (owned or shared).

        With ``lock``, the account's row stays locked (``FOR UPDATE``) until
        the unit of work ends, so concurrent reservers queue on it; on SQLite
        the read opens the write transaction (one writer at a time).

        Raises:
            NotFound: No account covers the company.
        """
        statement = _FOR_COMPANY_LOCKED if lock else _FOR_COMPANY
        session = self._session
        with session.read() as connection:
            if lock:
                session.begin_write(connection)
            row = connection.execute(statement, {"company": company_id}).first()
        if row is None:
            raise NotFound("CreditAccount", company_id, by="company")
        return _account(row)

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
                select(_entries.c.id, data_text(_entries))
                .where(*conditions)
                .order_by(_entries.c.sequence)
            ).all()
            return [
                decode(LedgerEntry, data, table="ledger_entries", key=entry_id)
                for entry_id, data in rows
            ]

    def using_terms(self, code: str) -> list[CreditAccountId]:
        """Return the ids of the accounts whose payment terms ``code`` names, sorted.

        One narrow read of every account's id and terms code; the codes are
        compared in Python, by [terms_key][b2b_customers.credit.terms_key]
        (a database's ``upper`` may not fold the letters Python does).
        """
        key = terms_key(code)
        named = _accounts.c.data["payment_terms"].as_string()
        with self._session.read() as connection:
            rows = connection.execute(select(_accounts.c.id, named)).all()
        return sorted(
            account_id
            for account_id, stored in rows
            if isinstance(stored, str) and terms_key(stored) == key
        )

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


def _reservation_row(
    account_id: CreditAccountId,
    reference: str,
    amount: Decimal | str,
    data: str | bytes | dict[str, Any],
) -> Reservation:
    key = (account_id, reference)
    held = decimal_amount(amount, table="credit_reservations", key=key, non_negative=True)
    terms = json_value(data, table="credit_accounts", key=account_id, field="data")
    currency = str(terms.get("currency")) if isinstance(terms, dict) else ""
    try:
        return Reservation(account_id=account_id, reference=reference, amount=Money(held, currency))
    except (B2BError, TypeError, ValueError) as error:
        raise DamagedRow("credit_reservations", key, str(error), field="amount") from None


def _move_reservation(
    connection: Connection, account: CreditAccount, move: ReservationMove, *, postgres: bool
) -> None:
    """Open, shrink or close one reservation row as ``move`` says."""
    key = {"key_account": account.id, "key_reference": move.reference}
    change = move.change.amount
    if change > 0:
        connection.execute(
            _reservations.insert(),
            [
                {
                    "account_id": account.id,
                    "reference": move.reference,
                    "amount": _amount(change, postgres=postgres),
                }
            ],
        )
        return
    if move.closes:
        held = connection.execute(_CLOSE, key).scalar_one_or_none()
        if held is None:
            raise NotFound("Reservation", move.reference, by="order reference")
        if Decimal(str(held)) != -change:
            raise ValidationError(
                f"reservation {move.reference!r} holds {held}, not the {-change} released from it",
                field="amount",
            )
        return
    left = connection.execute(
        _SHRINK[postgres], {**key, "amount_change": _amount(change, postgres=postgres)}
    ).scalar_one_or_none()
    if left is None:
        raise NotFound("Reservation", move.reference, by="order reference")
    if Decimal(str(left)) < 0:
        raise ValidationError(
            f"reservation {move.reference!r} holds less than the {-change} invoiced against it",
            field="released_reservation",
        )
    if not Decimal(str(left)):
        connection.execute(_CLOSE, key)


def _reservation_taken(entry: LedgerEntry) -> B2BError | None:
    if entry.reference is None:
        return None
    return ValidationError(
        f"order {entry.reference!r} holds a reservation on credit account "
        f"{entry.account_id!r} already; release it first",
        field="reference",
    )


def _require_account(account: object) -> None:
    if not isinstance(account, CreditAccount):
        raise ValidationError(f"expected a CreditAccount, got {type(account).__name__} {account!r}")
