"""The seller's payment terms in SQL: one row per code, keyed by ``code_key``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select

from b2b_customers.adapters.sql.mapping import bookkeeping, converter, stamped
from b2b_customers.adapters.sql.queries import data_text
from b2b_customers.adapters.sql.tables import payment_terms
from b2b_customers.adapters.sql.versioned import update_versioned
from b2b_customers.credit.payment_terms import PaymentTerms, terms_key
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session

__all__ = ["SqlPaymentTermsRepository"]

_table = payment_terms
_GET = select(_table.c.code_key, data_text(_table)).where(_table.c.code_key == bindparam("key"))
_GET_LOCKED = _GET.with_for_update()
_ALL = select(_table.c.code_key, data_text(_table)).order_by(_table.c.code_key)


def _row(terms: PaymentTerms) -> dict[str, Any]:
    return {
        "code_key": terms.key,
        **bookkeeping(terms),
        "code": terms.code,
        "data": converter().unstructure(terms),
    }


class SqlPaymentTermsRepository:
    """The seller's payment terms, in SQL.

    Implements [PaymentTermsRepository][b2b_customers.ports.PaymentTermsRepository].
    The primary key ``code_key`` keeps one terms per code (compared by key).

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, terms: PaymentTerms) -> PaymentTerms:
        """Store new terms; return the stored copy (version 1).

        Raises:
            AlreadyExists: Terms with the same code (by key) are stored already.
            ValidationError: ``terms`` is not a [PaymentTerms][b2b_customers.credit.PaymentTerms].
        """
        _require_terms(terms)
        now = self._session.now()
        stored = stamped(terms, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            held = connection.execute(
                select(_table.c.code).where(_table.c.code_key == terms.key)
            ).scalar_one_or_none()
            if held is None:
                return None
            return AlreadyExists(
                f"payment terms {held!r} are stored already, and {terms.code!r} names the same "
                "terms; load and save those, or choose another code"
            )

        with self._session.write(explain) as connection:
            self._hold(connection, terms.key)
            connection.execute(_table.insert(), [_row(stored)])
        return stored

    def save(self, terms: PaymentTerms) -> PaymentTerms:
        """Store a changed copy of stored terms; return the stored copy (version + 1).

        Raises:
            NotFound: No terms with this code are stored.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: ``terms`` is not a [PaymentTerms][b2b_customers.credit.PaymentTerms].
        """
        _require_terms(terms)
        now = self._session.now()
        with self._session.write() as connection:
            return update_versioned(
                connection,
                _table,
                terms,
                kind="PaymentTerms",
                row=_row,
                now=now,
                key_column="code_key",
                key=terms.key,
            )

    def remove(self, code: str) -> None:
        """Delete the terms with this code.

        Raises:
            NotFound: No terms with this code are stored.
        """
        key = terms_key(code)
        with self._session.write() as connection:
            result = connection.execute(delete(_table).where(_table.c.code_key == key))
            if result.rowcount != 1:
                raise NotFound("PaymentTerms", code, by="code")

    def get(self, code: str, *, lock: bool = False) -> PaymentTerms:
        """Return the stored terms with this code (compared by key).

        With ``lock``, the code stays locked until the transaction ends, stored
        or not: on PostgreSQL an advisory lock on the code (which `add` takes
        too, so terms stored for a preset's code wait for an account moving
        onto the preset, and the other way round) and ``FOR UPDATE`` on the
        row; on SQLite the read opens the write transaction, one writer at a
        time, so a removal or an addition waits for it.

        Raises:
            NotFound: No terms with this code are stored.
            DamagedRow: The row does not hold valid terms.
        """
        key = terms_key(code)
        session = self._session
        with session.read() as connection:
            if lock:
                session.begin_write(connection)
                self._hold(connection, key)
            row = connection.execute(_GET_LOCKED if lock else _GET, {"key": key}).first()
        if row is None:
            raise NotFound("PaymentTerms", code, by="code")
        return self._session.decode(PaymentTerms, row[1], row[0])

    def _hold(self, connection: Connection, key: str) -> None:
        """Lock the code ``key`` to the end of the transaction (PostgreSQL), stored or not."""
        self._session.lock_name(connection, f"payment_terms:{key}")

    def all(self) -> list[PaymentTerms]:
        """Return every stored terms, sorted by the key of their code.

        Raises:
            DamagedRow: A row does not hold valid terms.
        """
        with self._session.read() as connection:
            rows = connection.execute(_ALL).all()
        found = [self._session.decode(PaymentTerms, data, key) for key, data in rows]
        return sorted(found, key=lambda terms: terms.key)  # by Python's order on any database


def _require_terms(terms: object) -> None:
    if not isinstance(terms, PaymentTerms):
        raise ValidationError(f"expected PaymentTerms, got {type(terms).__name__} {terms!r}")
