"""The seller's payment terms, in memory, keyed by the key of their code."""

from __future__ import annotations

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema
from b2b_customers.credit.payment_terms import PaymentTerms, terms_key
from b2b_customers.errors import AlreadyExists, NotFound, ValidationError

__all__ = ["MemoryPaymentTermsRepository"]


_PAYMENT_TERMS: _Schema[PaymentTerms] = _Schema(
    entity="PaymentTerms",
    ident=lambda terms: terms.key,
    indexes={},
)


class MemoryPaymentTermsRepository(_Repository[PaymentTerms]):
    """The seller's payment terms, in memory: one per code (compared by key).

    Implements [PaymentTermsRepository][b2b_customers.ports.PaymentTermsRepository].
    """

    def add(self, terms: PaymentTerms) -> PaymentTerms:
        """Store new terms; return the stored copy (version 1).

        Takes the store's write lock first, as `remove` does.

        Raises:
            AlreadyExists: Terms with the same code (by key) are stored already.
            ValidationError: ``terms`` is not a [PaymentTerms][b2b_customers.credit.PaymentTerms].
        """
        _require_terms(terms)
        self._work.hold_writer()
        with self._lock:
            held = self._buffer.get(terms.key)
            if held is not None:
                raise AlreadyExists(_taken(terms, held))
            return self._insert(terms)

    def save(self, terms: PaymentTerms) -> PaymentTerms:
        """Store a changed copy of stored terms; return the stored copy (version + 1).

        Takes the store's write lock first, as `remove` does: an account
        moving onto the terms meanwhile is seen by the checks that follow.

        Raises:
            NotFound: No terms with this code are stored.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: ``terms`` is not a [PaymentTerms][b2b_customers.credit.PaymentTerms].
        """
        _require_terms(terms)
        self._work.hold_writer()
        return self._update(terms)

    def remove(self, code: str) -> None:
        """Delete the terms with this code.

        Takes the store's write lock first, so a removal (like an addition
        or a save) waits for a unit of work that read the terms with
        ``lock=True`` to name them (and that one, for the removal).

        Raises:
            NotFound: No terms with this code are stored.
        """
        self._work.hold_writer()
        key = terms_key(code)
        with self._lock:
            if self._buffer.get(key) is None:
                raise NotFound("PaymentTerms", code, by="code")
            self._delete(key)

    def get(self, code: str, *, lock: bool = False) -> PaymentTerms:
        """Return the stored terms with this code (compared by key).

        With ``lock``, take the store's write lock first (one writer at a
        time), so a removal in another unit of work waits for this one.

        Raises:
            NotFound: No terms with this code are stored.
        """
        if lock:
            self._work.hold_writer()
        key = terms_key(code)
        with self._lock:
            found = self._buffer.get(key)
        if found is None:
            raise NotFound("PaymentTerms", code, by="code")
        return found

    def all(self) -> list[PaymentTerms]:
        """Return every stored terms, sorted by the key of their code."""
        with self._lock:
            found = list(self._buffer.all())
        return sorted(found, key=lambda terms: terms.key)


def _taken(terms: PaymentTerms, held: PaymentTerms) -> str:
    return (
        f"payment terms {held.code!r} are stored already, and {terms.code!r} names the same "
        "terms; load and save those, or choose another code"
    )


def _require_terms(terms: object) -> None:
    if not isinstance(terms, PaymentTerms):
        raise ValidationError(f"expected PaymentTerms, got {type(terms).__name__} {terms!r}")
