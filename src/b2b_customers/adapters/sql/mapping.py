"""Entities to rows and rows to entities, through the library's converter.

Every aggregate row keeps the converter's JSON form of the entity in ``data``
(what reads structure back, so nothing is lost) and copies into plain columns
what queries filter and sort by: lower-cased names, status, account and tax
numbers, flags and references. Tags, custom fields, memberships and group
members get rows of their own, so they can be indexed.

Bulk imports write companies and customers by the hundred thousand, so their
rows are built lean: the bookkeeping fields are prepared once per batch
(:class:`Stamp`), the stored copies are made without validating every field
again, and the JSON form comes from builders that give exactly what the
converter gives (a test holds them to it; should the entities gain a field
the builders do not know, the converter is used instead). On SQLite the
values come ready for the driver (``raw``), so the rows bypass SQLAlchemy's
per-row processing. Order history is imported by the million, so orders get
a lean builder too (:func:`order_values`).

Reads go the other way through a :class:`Decoder`: the ``data`` column is
read as JSON text and the entity built from it is remembered by that text
(entities are immutable, and equal text makes equal entities), so a hot
read of an unchanged row skips JSON parsing and the converter.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
from collections.abc import Callable
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import attrs

from b2b_customers.domain import (
    Company,
    CompanyStatus,
    ContactAssignment,
    Customer,
    CustomerGroup,
    CustomerStatus,
    CustomerType,
    DomainEvent,
    LegalInfo,
    Location,
    Membership,
    Role,
    SalesTax,
    SalesTaxType,
    Versioned,
    Weekday,
)
from b2b_customers.domain.order import OrderLine, OrderRecord, OrderStatus
from b2b_customers.errors import B2BError, ValidationError
from b2b_customers.serialization import Converter, make_converter

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

    from moneyed import Money

    from b2b_customers.domain.values import CustomFieldValue

__all__ = [
    "COMPANY_COLUMNS",
    "COMPANY_FIELD_COLUMNS",
    "COMPANY_TAG_COLUMNS",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_TAG_COLUMNS",
    "MEMBERSHIP_COLUMNS",
    "ORDER_COLUMNS",
    "Decoder",
    "Stamp",
    "amount_key",
    "bookkeeping",
    "company_field_rows",
    "company_from",
    "company_json",
    "company_tag_rows",
    "company_values",
    "contact_row",
    "converter",
    "custom_field_key",
    "customer_json",
    "customer_tag_rows",
    "customer_values",
    "event_row",
    "group_member_rows",
    "group_row",
    "load",
    "location_row",
    "membership_rows",
    "order_json",
    "order_values",
    "stamped",
    "stored_time",
    "utc",
]

V = TypeVar("V", bound=Versioned)
T = TypeVar("T")

Row = dict[str, Any]

_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DATETIME on SQLite
_encode_json = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode
_text: Callable[[str], str] = encode_basestring  # a JSON string, as json.dumps writes it


@functools.cache
def converter() -> Converter:
    """The converter every SQL store shares (it is stateless once configured)."""
    return make_converter()


def utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC: timestamp columns hold UTC, so they sort as instants."""
    return moment.astimezone(UTC)


def stored_time(value: datetime) -> datetime:
    """Return a timestamp read from a column as an aware UTC datetime (SQLite drops the zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load(cls: type[T], data: Any) -> T:  # noqa: ANN401  (JSON as the driver returns it)
    """Build an entity from a ``data`` column (a dict, or JSON text on some drivers)."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    direct = _DIRECT.get(cls)
    if direct is not None:
        entity: T | None = direct(data)
        if entity is not None:
            return entity
    return converter().structure(data, cls)


def _decode(cls: type[Any], text: str) -> Any:  # noqa: ANN401  (any entity)
    return load(cls, text)


class Decoder:
    """Builds entities from ``data`` columns, remembering the latest ones by their JSON text.

    Companies, read by the thousand in trees and lists, are built by calling
    their constructor directly (:func:`company_from`), which validates every
    field as the converter's way does, at a fraction of the cost; anything
    the direct way does not expect goes the converter's way.

    Entities are immutable and the converter's form is lossless, so the same
    text always makes an equal entity: a row read again unchanged is not
    parsed and structured again. A changed row has other text (its version
    and ``updated_at`` at least), so nothing stale is ever returned.

    Args:
        size: How many entities to remember (least recently used go first);
            0 remembers none.
    """

    __slots__ = ("_cached", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._cached: Callable[[type[Any], str], Any] = _decode
        if size > 0:
            self._cached = cast(
                "Callable[[type[Any], str], Any]", functools.lru_cache(maxsize=size)(_decode)
            )

    def __call__(self, cls: type[T], data: Any) -> T:  # noqa: ANN401  (JSON as the driver returns it)
        """Return the ``cls`` a ``data`` column holds (JSON text, or the driver's dict)."""
        if isinstance(data, str):
            entity: T = self._cached(cls, data)
            return entity
        return load(cls, data)

    def clear(self) -> None:
        """Forget every remembered entity."""
        clear = getattr(self._cached, "cache_clear", None)
        if clear is not None:
            clear()


class Stamp:
    """The bookkeeping fields one write gives its aggregates, prepared once per batch.

    Args:
        version: The version stored (1 for a new aggregate).
        created_at: When the aggregate was first stored.
        updated_at: When it was stored now.

    Raises:
        ValidationError: A time is naive (the store's clock is broken).
    """

    __slots__ = (
        "created_at",
        "created_iso",
        "created_text",
        "created_utc",
        "json_head",
        "updated_at",
        "updated_iso",
        "updated_text",
        "updated_utc",
        "version",
    )

    def __init__(self, version: int, created_at: datetime, updated_at: datetime) -> None:
        for name, moment in (("created_at", created_at), ("updated_at", updated_at)):
            if moment.utcoffset() is None:
                raise ValidationError(
                    f"the store's clock returned a naive datetime ({moment!r}); give the store "
                    "a clock that returns timezone-aware datetimes",
                    field=name,
                )
        self.version = version
        self.created_at = created_at
        self.updated_at = updated_at
        self.created_iso = created_at.isoformat()  # as the converter writes it
        self.updated_iso = updated_at.isoformat()
        self.created_utc = utc(created_at)  # what a timestamp column holds
        self.updated_utc = utc(updated_at)
        self.created_text = self.created_utc.strftime(_SQLITE_TIME)  # the same, for SQLite
        self.updated_text = self.updated_utc.strftime(_SQLITE_TIME)
        self.json_head = (  # how the JSON form of an entity stored with this stamp begins
            f'{{"version":{version},"created_at":{_text(self.created_iso)},'
            f'"updated_at":{_text(self.updated_iso)},'
        )

    def apply(self, entity: V) -> V:
        """Return a copy of ``entity`` with this version and these times.

        The entity validated itself when it was made, and the stamp is valid,
        so the copy is made without validating every field again.
        """
        cls = type(entity)
        getter, setters = _copier(cls)
        copy = object.__new__(cls)
        for assign, value in zip(setters, getter(entity), strict=True):
            assign(copy, value)
        object.__setattr__(copy, "version", self.version)
        object.__setattr__(copy, "created_at", self.created_at)
        object.__setattr__(copy, "updated_at", self.updated_at)
        return copy

    def times(self, *, raw: bool) -> tuple[Any, Any]:
        """Return ``(created_at, updated_at)`` as the columns take them (text for raw SQLite)."""
        if raw:
            return self.created_text, self.updated_text
        return self.created_utc, self.updated_utc


def stamped(entity: V, *, version: int, created_at: datetime, updated_at: datetime) -> V:
    """Return a copy of ``entity`` with new bookkeeping fields (see :meth:`Stamp.apply`)."""
    return Stamp(version, created_at, updated_at).apply(entity)


_BOOKKEEPING = frozenset({"version", "created_at", "updated_at"})


_Copier = tuple[Callable[[Any], tuple[Any, ...]], list[Callable[[Any, Any], None]]]
_copiers: dict[type, _Copier] = {}


def _copier(cls: type) -> _Copier:
    """Return how to read every field but the bookkeeping ones, and how to set each."""
    found = _copiers.get(cls)
    if found is None:
        names = [field.name for field in attrs.fields(cls) if field.name not in _BOOKKEEPING]
        several = operator.attrgetter(*names)

        def getter(entity: Any) -> tuple[Any, ...]:  # noqa: ANN401  (any entity)
            return (several(entity),)

        # attrgetter of several names returns a tuple; of one name, the bare value
        read: Callable[[Any], tuple[Any, ...]] = several if len(names) > 1 else getter
        found = (read, [getattr(cls, name).__set__ for name in names])
        _copiers[cls] = found
    return found


def custom_field_key(value: CustomFieldValue) -> tuple[str, str]:
    """Return a custom field value as stored: its JSON text and a digest to index it by.

    JSON keeps the type, so the flag ``true``, the number ``1`` and the text
    ``"1"`` stay three different values, as they are in the domain.
    """
    encoded = json.dumps(value, ensure_ascii=False)
    return encoded, hashlib.blake2b(encoded.encode(), digest_size=16).hexdigest()


def _fields(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


# The fields the fast JSON builders below know; if an entity changes, they step aside.
_KNOWN_FIELDS: Final = {
    Company: (
        "version created_at updated_at id name currency time_zone parent_id status "
        "customer_type account_number legal_info sales_tax default_store bill_to_id master_id "
        "term_customer allow_store_pickup allow_cash_on_delivery allow_payments_on_account "
        "test_record forecast_code week_starts_on specific_products tags custom_fields"
    ).split(),
    LegalInfo: (
        "legal_name registration_date registration_agency country registration_id "
        "tax_registration_number"
    ).split(),
    SalesTax: ["type", "exemption_jurisdictions"],
    Customer: (
        "version created_at updated_at id email first_name last_name status phones title "
        "preferred_language manager_id memberships tags custom_fields"
    ).split(),
    Membership: ["company_id", "roles"],
    OrderRecord: (
        "version created_at updated_at id company_id buyer_id total placed_at status "
        "location_id lines po_number"
    ).split(),
    OrderLine: ["sku", "quantity", "unit_price", "category"],
}
_FAST_COMPANY: Final = all(
    _fields(cls) == tuple(_KNOWN_FIELDS[cls]) for cls in (Company, LegalInfo, SalesTax)
)
_FAST_CUSTOMER: Final = all(
    _fields(cls) == tuple(_KNOWN_FIELDS[cls]) for cls in (Customer, Membership)
)
_FAST_ORDER: Final = all(
    _fields(cls) == tuple(_KNOWN_FIELDS[cls]) for cls in (OrderRecord, OrderLine)
)


def _optional(text: str | None) -> str:
    return "null" if text is None else _text(text)


def _flag(value: bool) -> str:  # noqa: FBT001  (a JSON literal for a flag)
    return "true" if value else "false"


def _texts(items: frozenset[str]) -> str:
    return "[" + ",".join(map(_text, sorted(items))) + "]" if items else "[]"


def _mapping(fields: Mapping[str, Any]) -> str:
    return _encode_json({key: fields[key] for key in sorted(fields)}) if fields else "{}"


# An enum member's value by dict look-up: quicker than the ``value`` property.
_value: Final[Callable[[Any], Any]] = {
    member: member.value
    for enum in (
        CompanyStatus,
        CustomerType,
        SalesTaxType,
        Weekday,
        CustomerStatus,
        Role,
        OrderStatus,
    )
    for member in enum
}.__getitem__


# -- companies

COMPANY_COLUMNS: Final = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "name",
    "name_lower",
    "parent_id",
    "bill_to_id",
    "master_id",
    "status",
    "account_number",
    "tax_registration_number",
    "country",
    "data",
)
"""The columns of :func:`company_values`, in order."""


def company_json(company: Company, stamp: Stamp) -> str:
    """Return the converter's form of ``company`` as stored with ``stamp``, as JSON text."""
    if not _FAST_COMPANY:  # pragma: no cover  (only when Company gained a field)
        return _encode_json(converter().unstructure(stamp.apply(company)))
    return "".join(
        (
            stamp.json_head,
            '"id":',
            _text(company.id),
            ',"name":',
            _text(company.name),
            ',"currency":',
            _text(company.currency),
            ',"time_zone":',
            _text(company.time_zone),
            ',"parent_id":',
            _optional(company.parent_id),
            ',"status":',
            _text(_value(company.status)),
            ',"customer_type":',
            _text(_value(company.customer_type)),
            ',"account_number":',
            _optional(company.account_number),
            ',"legal_info":',
            _legal_info(company.legal_info),
            ',"sales_tax":',
            _sales_tax(company.sales_tax),
            ',"default_store":',
            _optional(company.default_store),
            ',"bill_to_id":',
            _optional(company.bill_to_id),
            ',"master_id":',
            _optional(company.master_id),
            ',"term_customer":',
            _flag(company.term_customer),
            ',"allow_store_pickup":',
            _flag(company.allow_store_pickup),
            ',"allow_cash_on_delivery":',
            _flag(company.allow_cash_on_delivery),
            ',"allow_payments_on_account":',
            _flag(company.allow_payments_on_account),
            ',"test_record":',
            _flag(company.test_record),
            ',"forecast_code":',
            _optional(company.forecast_code),
            ',"week_starts_on":',
            str(_value(company.week_starts_on)),
            ',"specific_products":',
            _texts(company.specific_products),
            ',"tags":',
            _texts(company.tags),
            ',"custom_fields":',
            _mapping(company.custom_fields),
            "}",
        )
    )


def _legal_info(info: LegalInfo | None) -> str:
    if info is None:
        return "null"
    registered = info.registration_date
    return "".join(
        (
            '{"legal_name":',
            _text(info.legal_name),
            ',"registration_date":',
            "null" if registered is None else _text(registered.isoformat()),
            ',"registration_agency":',
            _optional(info.registration_agency),
            ',"country":',
            _optional(info.country),
            ',"registration_id":',
            _optional(info.registration_id),
            ',"tax_registration_number":',
            _optional(info.tax_registration_number),
            "}",
        )
    )


def _sales_tax(tax: SalesTax) -> str:
    return "".join(
        (
            '{"type":',
            _text(_value(tax.type)),
            ',"exemption_jurisdictions":',
            _texts(tax.exemption_jurisdictions),
            "}",
        )
    )


_COMPANY_KEYS: Final = frozenset(_KNOWN_FIELDS[Company])
_LEGAL_INFO_KEYS: Final = frozenset(_KNOWN_FIELDS[LegalInfo])
_SALES_TAX_KEYS: Final = frozenset(_KNOWN_FIELDS[SalesTax])
_COMPANY_TEXTS: Final = ("status", "customer_type")
_COMPANY_FLAGS: Final = (
    "term_customer",
    "allow_store_pickup",
    "allow_cash_on_delivery",
    "allow_payments_on_account",
    "test_record",
)


def _moment(value: object) -> datetime | None:
    """An ISO 8601 text as a datetime (the entity checks it is aware); raises on anything else."""
    if value is None:
        return None
    if type(value) is not str:
        raise TypeError(value)
    return datetime.fromisoformat(value)


def _plain_list(value: object) -> list[Any]:
    if type(value) is not list:
        raise TypeError(value)
    return value


def company_from(data: Any) -> Company | None:  # noqa: ANN401  (JSON as parsed)
    """Build a company from its converter form by calling the constructors directly.

    The constructors validate every field, as they do on the converter's way;
    this skips the converter's dispatch, which costs several times more. It
    returns ``None`` for anything but the exact form :func:`company_json`
    writes (a missing or extra key, a value of another JSON type, a value
    the entity refuses), so that the converter builds it or says what is wrong.
    """
    if not _FAST_COMPANY or type(data) is not dict or data.keys() != _COMPANY_KEYS:
        return None
    try:
        legal = data["legal_info"]
        tax = data["sales_tax"]
        if type(tax) is not dict or tax.keys() != _SALES_TAX_KEYS:
            return None
        if legal is not None and (type(legal) is not dict or legal.keys() != _LEGAL_INFO_KEYS):
            return None
        if (
            type(data["version"]) is not int
            or type(data["week_starts_on"]) is not int
            or type(data["custom_fields"]) is not dict
            or type(tax["type"]) is not str
            or any(type(data[name]) is not str for name in _COMPANY_TEXTS)
            or any(type(data[name]) is not bool for name in _COMPANY_FLAGS)
        ):
            return None
        if legal is not None:
            registered = legal["registration_date"]
            if registered is not None and type(registered) is not str:
                return None
            legal = LegalInfo(
                legal_name=legal["legal_name"],
                registration_date=None if registered is None else date.fromisoformat(registered),
                registration_agency=legal["registration_agency"],
                country=legal["country"],
                registration_id=legal["registration_id"],
                tax_registration_number=legal["tax_registration_number"],
            )
        return Company(
            version=data["version"],
            created_at=_moment(data["created_at"]),
            updated_at=_moment(data["updated_at"]),
            id=data["id"],
            name=data["name"],
            currency=data["currency"],
            time_zone=data["time_zone"],
            parent_id=data["parent_id"],
            status=CompanyStatus(data["status"]),
            customer_type=CustomerType(data["customer_type"]),
            account_number=data["account_number"],
            legal_info=legal,
            sales_tax=SalesTax(
                type=SalesTaxType(tax["type"]),
                exemption_jurisdictions=_plain_list(tax["exemption_jurisdictions"]),
            ),
            default_store=data["default_store"],
            bill_to_id=data["bill_to_id"],
            master_id=data["master_id"],
            term_customer=data["term_customer"],
            allow_store_pickup=data["allow_store_pickup"],
            allow_cash_on_delivery=data["allow_cash_on_delivery"],
            allow_payments_on_account=data["allow_payments_on_account"],
            test_record=data["test_record"],
            forecast_code=data["forecast_code"],
            week_starts_on=Weekday(data["week_starts_on"]),
            specific_products=_plain_list(data["specific_products"]),
            tags=_plain_list(data["tags"]),
            custom_fields=data["custom_fields"],
        )
    except (B2BError, ValueError, TypeError, KeyError, AttributeError):
        return None


_DIRECT: Final[dict[type, Callable[[Any], Any]]] = {Company: company_from}


def company_values(company: Company, stamp: Stamp, *, raw: bool) -> tuple[Any, ...]:
    """Return the ``companies`` row of ``company`` with ``stamp`` (see ``COMPANY_COLUMNS``).

    Args:
        company: The company.
        stamp: Its version and times.
        raw: Give the times as text, ready for the SQLite driver, instead of
            datetimes for SQLAlchemy. ``data`` is JSON text either way (bind it
            with :func:`~b2b_customers.adapters.sql.queries.json_text`).
    """
    info = company.legal_info
    created, updated = stamp.times(raw=raw)
    return (
        company.id,
        stamp.version,
        created,
        updated,
        company.name,
        company.name.lower(),
        company.parent_id,
        company.bill_to_id,
        company.master_id,
        _value(company.status),
        company.account_number,
        None if info is None else info.tax_registration_number,
        None if info is None else info.country,
        company_json(company, stamp),
    )


COMPANY_TAG_COLUMNS: Final = ("company_id", "tag")
"""The columns of :func:`company_tag_rows`."""


def company_tag_rows(company: Company) -> list[tuple[str, str]]:
    """Return the ``company_tags`` rows of a company."""
    return [(company.id, tag) for tag in sorted(company.tags)]


COMPANY_FIELD_COLUMNS: Final = ("company_id", "key", "value", "value_hash")
"""The columns of :func:`company_field_rows`."""


def company_field_rows(company: Company) -> list[tuple[str, str, str, str]]:
    """Return the ``company_custom_fields`` rows of a company."""
    rows: list[tuple[str, str, str, str]] = []
    for key, value in sorted(company.custom_fields.items()):
        encoded, digest = custom_field_key(value)
        rows.append((company.id, key, encoded, digest))
    return rows


# -- customers

CUSTOMER_COLUMNS: Final = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "email",
    "last_name",
    "first_name_lower",
    "last_name_lower",
    "status",
    "data",
)
"""The columns of :func:`customer_values`, in order."""


def customer_json(customer: Customer, stamp: Stamp) -> str:
    """Return the converter's form of ``customer`` as stored with ``stamp``, as JSON text."""
    if not _FAST_CUSTOMER:  # pragma: no cover  (only when Customer gained a field)
        return _encode_json(converter().unstructure(stamp.apply(customer)))
    memberships = ",".join(
        '{"company_id":'
        + _text(membership.company_id)
        + ',"roles":'
        + _roles(membership.roles)
        + "}"
        for membership in customer.memberships
    )
    return "".join(
        (
            stamp.json_head,
            '"id":',
            _text(customer.id),
            ',"email":',
            _text(customer.email),
            ',"first_name":',
            _text(customer.first_name),
            ',"last_name":',
            _text(customer.last_name),
            ',"status":',
            _text(_value(customer.status)),
            ',"phones":[',
            ",".join(map(_text, customer.phones)),
            '],"title":',
            _optional(customer.title),
            ',"preferred_language":',
            _optional(customer.preferred_language),
            ',"manager_id":',
            _optional(customer.manager_id),
            ',"memberships":[',
            memberships,
            '],"tags":',
            _texts(customer.tags),
            ',"custom_fields":',
            _mapping(customer.custom_fields),
            "}",
        )
    )


def _roles(roles: frozenset[Role]) -> str:
    return "[" + ",".join(map(_text, sorted(map(_value, roles)))) + "]"


def customer_values(customer: Customer, stamp: Stamp, *, raw: bool) -> tuple[Any, ...]:
    """Return the ``customers`` row of ``customer`` with ``stamp`` (see ``CUSTOMER_COLUMNS``).

    The email is lower-case already: the domain normalises it.
    """
    created, updated = stamp.times(raw=raw)
    return (
        customer.id,
        stamp.version,
        created,
        updated,
        customer.email,
        customer.last_name,
        customer.first_name.lower(),
        customer.last_name.lower(),
        _value(customer.status),
        customer_json(customer, stamp),
    )


MEMBERSHIP_COLUMNS: Final = ("customer_id", "company_id", "role")
"""The columns of :func:`membership_rows`."""


def membership_rows(customer: Customer) -> list[tuple[str, str, str]]:
    """Return the ``memberships`` rows of a customer: one per role held in a company."""
    return [
        (customer.id, membership.company_id, _value(role))
        for membership in customer.memberships
        for role in membership.roles
    ]


CUSTOMER_TAG_COLUMNS: Final = ("customer_id", "tag")
"""The columns of :func:`customer_tag_rows`."""


def customer_tag_rows(customer: Customer) -> list[tuple[str, str]]:
    """Return the ``customer_tags`` rows of a customer."""
    return [(customer.id, tag) for tag in sorted(customer.tags)]


# -- orders

_AMOUNT_DIGITS = 40

ORDER_COLUMNS: Final = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "company_id",
    "buyer_id",
    "location_id",
    "status",
    "placed_at",
    "total_key",
    "posting",
    "data",
)
"""The columns of :func:`order_values`, in order."""


def amount_key(amount: Decimal) -> str:
    """Return text that sorts as the (non-negative) ``amount`` does, equal for equal amounts.

    ``Decimal("2.50")`` and ``Decimal("2.5")`` give the same key; ``10`` sorts
    after ``9.99``.
    """
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    return f"{whole.zfill(_AMOUNT_DIGITS)}.{fraction.rstrip('0')}"


def _money(value: Money) -> str:
    return (
        '{"amount":' + _text(str(value.amount)) + ',"currency":' + _text(value.currency.code) + "}"
    )


def _order_line(line: OrderLine) -> str:
    return "".join(
        (
            '{"sku":',
            _text(line.sku),
            ',"quantity":',
            str(line.quantity),
            ',"unit_price":',
            _money(line.unit_price),
            ',"category":',
            _optional(line.category),
            "}",
        )
    )


def order_json(order: OrderRecord, stamp: Stamp) -> str:
    """Return the converter's form of ``order`` as stored with ``stamp``, as JSON text."""
    if not _FAST_ORDER:  # pragma: no cover  (only when OrderRecord gained a field)
        return _encode_json(converter().unstructure(stamp.apply(order)))
    return "".join(
        (
            stamp.json_head,
            '"id":',
            _text(order.id),
            ',"company_id":',
            _text(order.company_id),
            ',"buyer_id":',
            _text(order.buyer_id),
            ',"total":',
            _money(order.total),
            ',"placed_at":',
            _text(order.placed_at.isoformat()),
            ',"status":',
            _text(_value(order.status)),
            ',"location_id":',
            _optional(order.location_id),
            ',"lines":[',
            ",".join(map(_order_line, order.lines)),
            '],"po_number":',
            _optional(order.po_number),
            "}",
        )
    )


def order_values(order: OrderRecord, stamp: Stamp, posting: str, *, raw: bool) -> tuple[Any, ...]:
    """Return the ``orders`` row of ``order`` with ``stamp`` (see ``ORDER_COLUMNS``).

    Args:
        order: The order.
        stamp: Its version and times.
        posting: The JSON text of where its spend is booked.
        raw: Give the times as text, ready for the SQLite driver (see
            :func:`company_values`); ``posting`` and ``data`` are JSON text either way.
    """
    created, updated = stamp.times(raw=raw)
    placed = utc(order.placed_at)
    return (
        order.id,
        stamp.version,
        created,
        updated,
        order.company_id,
        order.buyer_id,
        order.location_id,
        _value(order.status),
        placed.strftime(_SQLITE_TIME) if raw else placed,
        amount_key(order.total.amount),
        posting,
        order_json(order, stamp),
    )


# -- locations, contacts, groups and events: one at a time, through SQLAlchemy


def _dump(entity: Any) -> Any:  # noqa: ANN401  (the converter's JSON-ready form)
    return converter().unstructure(entity)


def bookkeeping(entity: Versioned) -> Row:
    """Return the ``version``, ``created_at`` and ``updated_at`` columns of a stamped entity."""
    if entity.created_at is None or entity.updated_at is None:  # pragma: no cover
        message = "store an entity only after stamping it with its timestamps"
        raise ValidationError(message)
    return {
        "version": entity.version,
        "created_at": utc(entity.created_at),
        "updated_at": utc(entity.updated_at),
    }


def location_row(location: Location) -> Row:
    """Return the ``locations`` row of a stamped location."""
    return {
        "id": location.id,
        **bookkeeping(location),
        "company_id": location.company_id,
        "is_primary": location.is_primary,
        "is_default_billing": location.is_default_billing,
        "is_default_shipping": location.is_default_shipping,
        "data": _dump(location),
    }


def contact_row(contact: ContactAssignment) -> Row:
    """Return the ``contact_assignments`` row of a stamped assignment."""
    return {
        "id": contact.id,
        **bookkeeping(contact),
        "company_id": contact.company_id,
        "customer_id": contact.customer_id,
        "type": contact.type.value,
        "is_primary": contact.is_primary,
        "data": _dump(contact),
    }


def group_row(group: CustomerGroup) -> Row:
    """Return the ``customer_groups`` row of a stamped group."""
    return {
        "id": group.id,
        **bookkeeping(group),
        "kind": group.kind.value,
        "company_id": group.company_id,
        "data": _dump(group),
    }


def group_member_rows(group: CustomerGroup) -> list[Row]:
    """Return the ``customer_group_members`` rows of a group."""
    return [{"group_id": group.id, "customer_id": member} for member in sorted(group.member_ids)]


def event_row(event: DomainEvent) -> Row:
    """Return the ``outbox`` row of an event not yet published."""
    return {
        "event_id": event.id,
        "name": event.name,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "company_id": event.company_id,
        "occurred_at": utc(event.occurred_at),
        "published_at": None,
        "data": _dump(event),
    }
