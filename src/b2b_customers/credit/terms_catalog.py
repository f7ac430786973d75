"""The payment terms a seller offers, looked up by the code a credit account stores.

A [CreditAccount][b2b_customers.credit.CreditAccount] keeps the *code* of its
terms (``"NET30"``); a [PaymentTermsCatalog][b2b_customers.credit.PaymentTermsCatalog]
turns that code back into [PaymentTerms][b2b_customers.credit.PaymentTerms] when an
invoice is scheduled. Codes are compared by
[terms_key][b2b_customers.credit.terms_key] (without case,
underscores, hyphens or spaces), so ``"NET_30"``, ``"net30"`` and ``"NET-30"``
name the same terms.

[STANDARD_TERMS][b2b_customers.credit.STANDARD_TERMS] holds the presets (Net
7/15/30/45/60/90, due on receipt, 30 days after end of month, 50% Net 30 / 50%
Net 60). A seller's own terms are stored (``app.credit.save_payment_terms``)
and take precedence over a preset with the same code; the credit service reads
them from the store in the unit of work that needs them, so terms changed by
another process count at once. A catalog of your own may also be built in
memory with
[with_terms][b2b_customers.credit.terms_catalog.PaymentTermsCatalog.with_terms].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from attrs import field, frozen

from b2b_customers.credit.payment_terms import (
    DUE_ON_RECEIPT,
    END_OF_MONTH_30,
    NET_7,
    NET_15,
    NET_30,
    NET_45,
    NET_60,
    NET_90,
    TWO_PART_30_60,
    PaymentTerms,
    terms_key,
)
from b2b_customers.errors import ValidationError

__all__ = ["STANDARD_TERMS", "PaymentTermsCatalog", "terms_key"]


def _by_key(value: Mapping[str, PaymentTerms]) -> Mapping[str, PaymentTerms]:
    return MappingProxyType({terms_key(code): terms for code, terms in value.items()})


@frozen
class PaymentTermsCatalog:
    """Payment terms by code.

    Attributes:
        terms: The terms, keyed by
            [terms_key][b2b_customers.credit.terms_key] of their
            code (and of any alias).
    """

    terms: Mapping[str, PaymentTerms] = field(converter=_by_key)

    @classmethod
    def of(cls, terms: Iterable[PaymentTerms]) -> PaymentTermsCatalog:
        """Return a catalog of ``terms``, each under its own code."""
        return cls({item.code: item for item in terms})

    def with_terms(self, *terms: PaymentTerms) -> PaymentTermsCatalog:
        """Return a copy that also offers ``terms`` (replacing any with the same code)."""
        return PaymentTermsCatalog({**self.terms, **{item.code: item for item in terms}})

    def listed(self) -> list[PaymentTerms]:
        """Return every terms of the catalog once (aliases add none), sorted by code key."""
        # Under its own code first: an alias may still name a preset a stored code replaced.
        distinct = {key: terms for key, terms in self.terms.items() if key == terms.key}
        for terms in self.terms.values():
            distinct.setdefault(terms.key, terms)
        return [distinct[key] for key in sorted(distinct)]

    def __contains__(self, code: object) -> bool:
        """Tell whether ``code`` names terms of the catalog."""
        return isinstance(code, str) and terms_key(code) in self.terms

    def get(self, code: str) -> PaymentTerms:
        """Return the terms ``code`` names.

        Raises:
            ValidationError: No terms of the catalog have that code (the
                message lists those that do).
        """
        if code not in self:
            known = ", ".join(sorted({terms.code for terms in self.terms.values()}))
            raise ValidationError(
                f"unknown payment terms {code!r}; use one of {known}, or define the terms "
                "first (app.credit.save_payment_terms)",
                field="payment_terms",
            )
        return self.terms[terms_key(code)]


STANDARD_TERMS = PaymentTermsCatalog(
    {
        **{
            terms.code: terms
            for terms in (
                DUE_ON_RECEIPT,
                NET_7,
                NET_15,
                NET_30,
                NET_45,
                NET_60,
                NET_90,
                END_OF_MONTH_30,
                TWO_PART_30_60,
            )
        },
        "DUE_ON_RECEIPT": DUE_ON_RECEIPT,
    }
)
"""The preset terms, by code (``"NET30"``, ``"EOM30"``, ...; ``"DUE_ON_RECEIPT"`` too)."""
