"""The seller's payment terms, in the export's ``payment_terms.json``, keyed by code key."""

from __future__ import annotations

from b2b_customers.credit import PaymentTerms, terms_key
from b2b_customers.errors import AlreadyExists, NotFound, ValidationError
from json_erp.repository import Repository

__all__ = ["JsonPaymentTermsRepository"]


class JsonPaymentTermsRepository(Repository[PaymentTerms]):
    """The seller's payment terms: one per code (compared by key).

    Implements `PaymentTermsRepository`.
    """

    entity = "PaymentTerms"

    def add(self, terms: PaymentTerms) -> PaymentTerms:
        """Store new terms; return the stored copy (version 1).

        Raises:
            AlreadyExists: Terms with the same code (by key) are stored already.
            ValidationError: ``terms`` is not a ``PaymentTerms``.
        """
        with self._work.write():
            _require_terms(terms)
            held = self._table.get(terms.key)
            if held is not None:
                raise AlreadyExists(
                    f"payment terms {held.code!r} are stored already, and {terms.code!r} names "
                    "the same terms; load and save those, or choose another code"
                )
            return self._insert(terms)

    def save(self, terms: PaymentTerms) -> PaymentTerms:
        """Store a changed copy of stored terms; return the stored copy (version + 1).

        Raises:
            NotFound: No terms with this code are stored.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: ``terms`` is not a ``PaymentTerms``.
        """
        with self._work.write():
            _require_terms(terms)
            return self._update(terms)

    def remove(self, code: str) -> None:
        """Delete the terms with this code.

        Raises:
            NotFound: No terms with this code are stored.
        """
        with self._work.write():
            key = terms_key(code)
            if self._table.get(key) is None:
                raise NotFound("PaymentTerms", code, by="code")
            self._delete(key)

    def get(self, code: str, *, lock: bool = False) -> PaymentTerms:
        """Return the stored terms with this code (compared by key).

        With ``lock``, take the writer lock first (one writer at a time), so
        a removal in another unit of work waits for this one.

        Raises:
            NotFound: No terms with this code are stored.
        """
        if lock:
            self._work.begin_write()
        found = self._table.get(terms_key(code))
        if found is None:
            raise NotFound("PaymentTerms", code, by="code")
        return found

    def all(self) -> list[PaymentTerms]:
        """Return every stored terms, sorted by the key of their code."""
        return sorted(self._table, key=lambda row: row.key)


def _require_terms(terms: object) -> None:
    if not isinstance(terms, PaymentTerms):
        raise ValidationError(f"expected PaymentTerms, got {type(terms).__name__} {terms!r}")
