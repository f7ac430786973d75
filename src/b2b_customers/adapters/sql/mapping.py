"""Entities to rows and rows to entities, through the library's one converter.

Every aggregate row keeps the converter's JSON form of the entity in ``data``
(what reads structure back, so nothing is lost) and copies into plain columns
what queries filter and sort by: lower-cased names, status, account and tax
numbers, flags and references. Tags, custom fields, memberships and group
members get rows of their own, so they can be indexed.

Writing: `encode` is the converter's unstructuring (cattrs' generated,
specialised function per entity class, registered once) as compact JSON
text. Bookkeeping fields are set with `stamped`, which builds the copy
through the entity's constructor, so every stored entity was validated.

Reading: `decode` parses the ``data`` column and structures it with
cattrs' generated function for the class, made once per class with the
converter's own hooks: unknown keys are refused, and fields the entity
converts itself (text, codes, tags, enums, custom fields) go to its
constructor as they are, so each value is checked once, by the entity's own
validators. Anything wrong with a row (not JSON, a missing or unknown key, a
value the entity refuses) raises [`DamagedRow`][b2b_customers.DamagedRow]
naming the table, the key and, through the converter's detailed structuring,
the path of the first bad field. Values kept in plain columns are checked by
the same rule (`decimal_amount`, `stored_time`).

A `Decoder` remembers the latest entities by their JSON text, so a hot
read of an unchanged row skips parsing and structuring; with ``cache_size=0``
every read decodes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring
from json.scanner import make_scanner
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import attrs
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import (
    make_dict_structure_fn_from_attrs,
    make_dict_unstructure_fn,
    override,
)

from b2b_customers.approvals.approver_limits import ApproverLimit
from b2b_customers.approvals.groups import ApprovalGroup
from b2b_customers.approvals.policy import ApprovalPolicy
from b2b_customers.approvals.request import ApprovalRequest
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.ledger import LedgerEntry
from b2b_customers.credit.payment_terms import PaymentTerms
from b2b_customers.domain import (
    Company,
    ContactAssignment,
    Customer,
    CustomerGroup,
    DomainEvent,
    Location,
    Versioned,
)
from b2b_customers.domain.audit import AuditLogEntry
from b2b_customers.domain.order import OrderRecord
from b2b_customers.domain.values import DomainEnum
from b2b_customers.errors import B2BError, DamagedRow, ValidationError
from b2b_customers.limits.rules import PurchasingLimit
from b2b_customers.serialization import Converter, make_converter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection
    from sqlalchemy.sql.expression import Executable

    from b2b_customers.domain.creations import Created, Creations
    from b2b_customers.domain.values import CustomFieldValue

__all__ = [
    "AUDIT_COLUMNS",
    "COMPANY_COLUMNS",
    "COMPANY_FIELD_COLUMNS",
    "COMPANY_TAG_COLUMNS",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_TAG_COLUMNS",
    "GROUP_COLUMNS",
    "GROUP_MEMBER_COLUMNS",
    "MAX_STORED_AMOUNT",
    "MEMBERSHIP_COLUMNS",
    "ORDER_COLUMNS",
    "OUTBOX_COLUMNS",
    "TABLE_OF",
    "Decoder",
    "Stamp",
    "amount_key",
    "audit_values",
    "bookkeeping",
    "company_field_rows",
    "company_tag_rows",
    "company_values",
    "contact_row",
    "converter",
    "creation_values",
    "custom_field_key",
    "customer_tag_rows",
    "customer_values",
    "decimal_amount",
    "decode",
    "encode",
    "event_values",
    "group_member_values",
    "group_values",
    "json_value",
    "load",
    "location_row",
    "membership_rows",
    "order_values",
    "stamped",
    "state_json",
    "stored_bookkeeping",
    "stored_time",
    "stored_version",
    "utc",
]

V = TypeVar("V", bound=Versioned)
T = TypeVar("T")

Row = dict[str, Any]

_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DATETIME on SQLite
_encode_json = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False
).encode
_json_decoder = json.JSONDecoder()
_decode_json = _json_decoder.decode
# What decode runs after its white space checks (see _parse_json); the stubs mistype it.
_scan_json = make_scanner(cast("Any", _json_decoder))
_text: Callable[[str], str] = encode_basestring  # a JSON string, as json.dumps writes it

TABLE_OF: Final[Mapping[type, str]] = {
    Company: "companies",
    Customer: "customers",
    Location: "locations",
    ContactAssignment: "contact_assignments",
    CustomerGroup: "customer_groups",
    DomainEvent: "outbox",
    PurchasingLimit: "purchasing_limits",
    CreditAccount: "credit_accounts",
    LedgerEntry: "ledger_entries",
    OrderRecord: "orders",
    ApprovalRequest: "approval_requests",
    ApprovalPolicy: "approval_policies",
    ApprovalGroup: "approval_groups",
    ApproverLimit: "approver_limits",
    PaymentTerms: "payment_terms",
    AuditLogEntry: "audit_log",
}
"""The table whose ``data`` column holds each stored entity class."""


# -- the converter and its specialised functions


@functools.cache
def converter() -> Converter:
    """The converter every SQL store shares (it is stateless once configured).

    It is [`make_converter`][b2b_customers.serialization.make_converter]'s, with cattrs'
    generated unstructuring function registered once for each stored class.
    """
    shared = make_converter()
    for cls in TABLE_OF:
        shared.register_unstructure_hook(cls, make_dict_unstructure_fn(cls, shared))
    return shared


@functools.cache
def _row_converter() -> Converter:
    """A converter like `converter` whose entity hooks are made for reading rows.

    The hooks are cattrs' generated functions without the bookkeeping of
    detailed validation (a row that fails is structured again by
    `converter`, which names the bad field), and they hand the fields
    an entity converts itself to its constructor unchanged.
    """
    fast = make_converter()
    fast.register_structure_hook(datetime, _stored_moment)
    fast.register_structure_hook_factory(_is_optional, lambda cl: _optional_hook(cl, fast))
    fast.register_structure_hook_factory(attrs.has, lambda cl: _row_structure_fn(cl, fast))
    # The converter reads a customer through a hook of its own (for memberships stored
    # without a status); a row that has them all is read the quick way, one without fails
    # here and is read by the converter.
    fast.register_structure_hook(Customer, _row_structure_fn(Customer, fast))
    return fast


def _stored_moment(value: Any, _type: type) -> datetime:  # noqa: ANN401  (JSON as parsed)
    """An ISO 8601 text with an offset, as the converter writes a timezone-aware datetime."""
    moment = datetime.fromisoformat(value)  # TypeError for anything but text
    if moment.tzinfo is None:  # the offsets fromisoformat reads are fixed: set means aware
        raise ValidationError(f"must be a timezone-aware ISO 8601 date and time, got {value!r}")
    return moment


def _is_optional(cl: Any) -> bool:  # noqa: ANN401  (any annotation)
    arguments = typing.get_args(cl)
    return (
        typing.get_origin(cl) in {typing.Union, types.UnionType}
        and len(arguments) == 2  # noqa: PLR2004  (a type and None)
        and type(None) in arguments
    )


def _optional_hook(cl: Any, fast: Converter) -> Callable[[Any, Any], Any]:  # noqa: ANN401
    """``T | None``: ``None``, or what ``T``'s hook makes (looked up once, not per value)."""
    inner = next(kind for kind in typing.get_args(cl) if kind is not type(None))
    hook = fast.get_structure_hook(inner)

    def structure(value: Any, _type: Any) -> Any:  # noqa: ANN401
        return None if value is None else hook(value, inner)

    return structure


def _row_structure_fn(cl: type, fast: Converter) -> Callable[[Any, Any], Any]:
    attrs.resolve_types(cl)
    options: dict[str, Any] = {
        field.name: override(struct_hook=fast.get_structure_hook(field.type))
        for field in attrs.fields(cl)
        if field.converter is not None and not _entity_converts(field.type)
    }
    options["_cattrs_forbid_extra_keys"] = False  # checked below, without building a set
    options["_cattrs_prefer_attrib_converters"] = True
    options["_cattrs_detailed_validation"] = False
    # Every field is passed as the row has it: no per-key "is it there?" and no dict of
    # optional arguments. A row without some key (written before a field was added)
    # fails here and is structured by the converter, which fills in the default.
    every_field = [
        field.evolve(default=attrs.NOTHING, converter=_AS_GIVEN)
        if field.converter is None and field.validator is not None and _checked_text(field.type)
        else field.evolve(default=attrs.NOTHING)
        for field in attrs.fields(cl)
    ]
    generated: Callable[[Any, Any], Any] = make_dict_structure_fn_from_attrs(
        every_field, cl, fast, **options
    )
    known = frozenset(field.alias for field in attrs.fields(cl))

    def structure(value: Any, _type: Any) -> Any:  # noqa: ANN401  (JSON as parsed)
        if not value.keys() <= known:
            raise ForbiddenExtraKeysError("", cl, set(value.keys()) - known)
        return generated(value, _type)

    return structure


def _as_given(value: object) -> object:
    return value


# Marks, for the generated code only, a field the entity checks itself: it gets the value as is.
_AS_GIVEN: Final = attrs.Converter(_as_given)


def _checked_text(field_type: Any) -> bool:  # noqa: ANN401  (any annotation)
    """Text, an id or a flag (or ``None``): the entity's validator checks its type itself."""
    if typing.get_origin(field_type) in {typing.Union, types.UnionType}:
        arguments = typing.get_args(field_type)
        return all(kind is type(None) or _checked_text(kind) for kind in arguments)
    return field_type in {str, bool} or getattr(field_type, "__supertype__", None) is str


def _entity_converts(field_type: Any) -> bool:  # noqa: ANN401  (any annotation)
    """Whether an entity's converter takes this field's JSON form as it is.

    Text (and ids), text enums, sets and tuples of text, and mappings of JSON
    scalars (custom fields) are in JSON what the entity's converter expects;
    anything else (money, dates, nested entities, whole-number enums, which
    would take ``true`` for 1) goes through the converter's hook first.
    """
    origin = typing.get_origin(field_type)
    arguments = typing.get_args(field_type)
    if origin in {typing.Union, types.UnionType}:
        return all(kind is type(None) or _entity_converts(kind) for kind in arguments)
    if field_type is str or getattr(field_type, "__supertype__", None) is str:
        return True
    if isinstance(field_type, type) and issubclass(field_type, DomainEnum):
        return True
    if origin in {frozenset, tuple}:
        return arguments in {(str,), (str, Ellipsis)}
    if origin is Mapping and len(arguments) == 2:  # noqa: PLR2004  (key and value types)
        value_type = arguments[1]
        return value_type is Any or typing.get_origin(value_type) in {
            typing.Union,
            types.UnionType,
        }
    return False


def encode(entity: object) -> str:
    """Return the converter's form of an entity as compact JSON text (for a ``data`` column)."""
    return _encode_json(converter().unstructure(entity))


def decode(cls: type[T], data: Any, *, table: str | None = None, key: object = None) -> T:  # noqa: ANN401  (JSON as the driver returns it)
    """Build a ``cls`` from a ``data`` column (JSON text, or the driver's parsed JSON).

    Args:
        cls: The entity class.
        data: The column's value.
        table: The table read, for the error (default: the class's table).
        key: The row's key, for the error (default: the ``id`` in the data).

    Raises:
        DamagedRow: The value is not the JSON form of a valid ``cls``.
    """
    table = table or TABLE_OF.get(cls, cls.__name__)
    parsed = json_value(data, table=table, key=key, field="data")
    if type(parsed) is not dict:
        message = f"not a JSON object describing a {cls.__name__}: {parsed!r:.80}"
        raise DamagedRow(table, key, message)
    try:
        entity: T = _row_hook(cls)(parsed, cls)
    except Exception:  # noqa: BLE001  (anything the row makes an entity raise)
        return _structured_slowly(cls, parsed, table, key)
    return entity


def _row_hook(cls: type) -> Callable[[Any, Any], Any]:
    """The generated function that reads a ``cls`` from a row, looked up once per class."""
    hook = _row_hooks.get(cls)
    if hook is None:
        hook = _row_hooks[cls] = _row_converter().get_structure_hook(cls)
    return hook


_row_hooks: dict[type, Callable[[Any, Any], Any]] = {}


def _structured_slowly(cls: type[T], parsed: dict[str, Any], table: str | None, key: object) -> T:
    """Structure a row the quick way refused with the converter itself, or say what is damaged.

    The converter fills in the defaults of keys a row lacks (a row written
    before a field was added) and names the path of the first bad field.
    """
    try:
        return converter().structure(parsed, cls)
    except ValidationError as explained:
        if explained.field == "id":  # the id in the data is the damage: it names nothing
            parsed = {}
        raise _damaged(
            cls, table, _key_of(parsed, key), explained.reason, field=explained.field
        ) from None
    except Exception as unexplained:  # noqa: BLE001  (say what it is, whatever it is)
        raise _damaged(cls, table, _key_of(parsed, key), _reason(unexplained)) from None


def _key_of(parsed: dict[str, Any], key: object) -> object:
    if key is not None:
        return key
    found = parsed.get("id")
    return found if isinstance(found, str) else None


def _reason(error: Exception) -> str:
    if isinstance(error, B2BError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _damaged(
    cls: type, table: str | None, key: object, reason: str, *, field: str | None = None
) -> DamagedRow:
    return DamagedRow(table or TABLE_OF.get(cls, cls.__name__), key, reason, field=field)


def load(cls: type[T], data: Any, *, key: object = None) -> T:  # noqa: ANN401  (JSON as the driver returns it)
    """Build an entity from a ``data`` column (see `decode`)."""
    return decode(cls, data, key=key)


class Decoder:
    """Builds entities from ``data`` columns, remembering the latest ones by their JSON text.

    Entities are immutable and the converter's form is lossless, so the same
    text always makes an equal entity: a row read again unchanged is not
    parsed and structured again. A changed row has other text (its version
    and ``updated_at`` at least), so nothing stale is ever returned. A
    damaged row is never remembered: every read of it raises.

    Args:
        size: How many entities to remember (least recently used go first);
            0 remembers none.
    """

    __slots__ = ("_cached", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._cached: Callable[..., Any] = decode
        if size > 0:
            self._cached = functools.lru_cache(maxsize=size)(decode)

    def __call__(self, cls: type[T], data: Any, key: object = None) -> T:  # noqa: ANN401  (JSON as the driver returns it)
        """Return the ``cls`` a ``data`` column holds (JSON text, or the driver's dict).

        Raises:
            DamagedRow: The row does not hold a valid ``cls``; ``key`` (or the
                id in the data) names it.
        """
        if isinstance(data, str):
            entity: T = self._cached(cls, data, key=key)
            return entity
        return decode(cls, data, key=key)

    def clear(self) -> None:
        """Forget every remembered entity."""
        clear = getattr(self._cached, "cache_clear", None)
        if clear is not None:
            clear()


# -- values kept in plain columns


def json_value(value: Any, *, table: str, key: object, field: str) -> Any:  # noqa: ANN401  (any JSON)
    """Return the JSON a column holds (text, or what the driver parsed already), or raise.

    Raises:
        DamagedRow: The text is not JSON; ``table``, ``key`` and ``field`` name the column.
    """
    if not isinstance(value, str | bytes):
        return value
    try:
        return _parse_json(value if isinstance(value, str) else value.decode())
    except (ValueError, UnicodeDecodeError) as error:
        raise DamagedRow(table, key, f"not JSON text ({error})", field=field) from None


def _parse_json(text: str) -> Any:  # noqa: ANN401  (any JSON)
    """``json.loads``, a little quicker for text that is one JSON value and nothing else."""
    try:
        parsed, end = _scan_json(text, 0)
    except StopIteration:  # nothing JSON at the start: let decode say what is wrong
        end = -1
    if end != len(text):  # white space around it, or something after it
        return _decode_json(text)
    return parsed


MAX_STORED_AMOUNT: Final = Decimal("1E+18")
"""Amounts read from a plain column must lie within +- this bound (SQL stores them exactly)."""


def decimal_amount(
    value: object,
    *,
    table: str,
    key: object,
    field: str = "amount",
    non_negative: bool = False,
) -> Decimal:
    """Return an amount read from a plain column as a finite ``Decimal``, or raise.

    A column of a numeric type arrives as a ``Decimal`` (PostgreSQL), a text
    column as text (SQLite): both are checked to be a finite number within
    `MAX_STORED_AMOUNT` (and not below zero when ``non_negative``).

    Raises:
        DamagedRow: The value is not such an amount; ``table`` and ``key`` name the row.
    """
    amount: Decimal | None = None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str | int) and not isinstance(value, bool):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise DamagedRow(table, key, f"must be a decimal amount, got {value!r:.80}", field=field)
    if abs(amount) > MAX_STORED_AMOUNT or (non_negative and amount < 0):
        bound = "0" if non_negative else f"-{MAX_STORED_AMOUNT}"
        raise DamagedRow(
            table,
            key,
            f"must lie between {bound} and {MAX_STORED_AMOUNT}, got {amount}",
            field=field,
        )
    return amount


def stored_version(value: object, *, table: str, key: object) -> int:
    """Return a ``version`` column's value, a whole number from 1 up, or raise.

    Raises:
        DamagedRow: The value is anything else; ``table`` and ``key`` name the row.
    """
    if type(value) is int and value >= 1:
        return value
    raise DamagedRow(table, key, f"must be a whole number >= 1, got {value!r:.80}", field="version")


def stored_bookkeeping(
    connection: Connection,
    statement: Executable,
    parameters: Mapping[str, Any] | None = None,
    *,
    table: str,
    key: object,
) -> tuple[Any, ...] | None:
    """Read one row's ``version``, ``created_at`` (the statement's first columns) and the rest.

    The version and the creation time are checked (`stored_version`,
    `stored_time`); a column the driver cannot read at all is damage too.

    Returns:
        The row, or ``None`` when there is none.

    Raises:
        DamagedRow: A column does not hold what the library writes.
    """
    try:
        row = connection.execute(statement, parameters).first()
    except (ValueError, TypeError, OverflowError) as error:  # a driver's converter failed
        raise DamagedRow(table, key, f"a column cannot be read ({error})") from None
    if row is None:
        return None
    version, created_at, *rest = row
    return (
        stored_version(version, table=table, key=key),
        stored_time(created_at, table=table, key=key),
        *rest,
    )


def utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC: timestamp columns hold UTC, so they sort as instants."""
    return moment.astimezone(UTC)


def stored_time(
    value: object, *, table: str = "?", key: object = None, field: str = "created_at"
) -> datetime:
    """Return a timestamp read from a column as an aware UTC datetime (SQLite drops the zone).

    Raises:
        DamagedRow: The value is not a date and time.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):  # a text column or a driver that does not convert
        try:
            return stored_time(datetime.fromisoformat(value))
        except ValueError:
            pass
    raise DamagedRow(table, key, f"must be a date and time, got {value!r:.80}", field=field)


# -- bookkeeping


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
        """Return a copy of ``entity`` with this version and these times (validated)."""
        return attrs.evolve(
            entity, version=self.version, created_at=self.created_at, updated_at=self.updated_at
        )

    def times(self, *, raw: bool) -> tuple[Any, Any]:
        """Return ``(created_at, updated_at)`` as the columns take them (text for raw SQLite)."""
        if raw:
            return self.created_text, self.updated_text
        return self.created_utc, self.updated_utc


def stamped(entity: V, *, version: int, created_at: datetime, updated_at: datetime) -> V:
    """Return a copy of ``entity`` with new bookkeeping fields, built by its constructor."""
    return attrs.evolve(entity, version=version, created_at=created_at, updated_at=updated_at)


def custom_field_key(value: CustomFieldValue) -> tuple[str, str]:
    """Return a custom field value as stored: its JSON text and a digest to index it by.

    JSON keeps the type, so the flag ``true``, the number ``1`` and the text
    ``"1"`` stay three different values, as they are in the domain.
    """
    encoded = json.dumps(value, ensure_ascii=False)
    return encoded, hashlib.blake2b(encoded.encode(), digest_size=16).hexdigest()


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
"""The columns of `company_values`, in order."""


def company_values(company: Company, stamp: Stamp, *, raw: bool) -> tuple[Any, ...]:
    """Return the ``companies`` row of a company stamped with ``stamp`` (see ``COMPANY_COLUMNS``).

    Args:
        company: The stamped company (`Stamp.apply`).
        stamp: Its version and times.
        raw: Give the times as text, ready for the SQLite driver, instead of
            datetimes for SQLAlchemy. ``data`` is JSON text either way (bind it
            with `json_text`).
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
        company.status.value,
        company.account_number,
        None if info is None else info.tax_registration_number,
        None if info is None else info.country,
        encode(company),
    )


COMPANY_TAG_COLUMNS: Final = ("company_id", "tag")
"""The columns of `company_tag_rows`."""


def company_tag_rows(company: Company) -> list[tuple[str, str]]:
    """Return the ``company_tags`` rows of a company."""
    return [(company.id, tag) for tag in sorted(company.tags)]


COMPANY_FIELD_COLUMNS: Final = ("company_id", "key", "value", "value_hash")
"""The columns of `company_field_rows`."""


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
"""The columns of `customer_values`, in order."""


def customer_values(customer: Customer, stamp: Stamp, *, raw: bool) -> tuple[Any, ...]:
    """Return the ``customers`` row of a customer stamped with ``stamp`` (see ``CUSTOMER_COLUMNS``).

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
        customer.status.value,
        encode(customer),
    )


MEMBERSHIP_COLUMNS: Final = ("customer_id", "company_id", "role", "status")
"""The columns of `membership_rows`."""


def membership_rows(customer: Customer) -> list[tuple[str, str, str, str]]:
    """Return the ``memberships`` rows of a customer: one per role held in a company.

    Each row carries the membership's status, so a search can filter on it.
    """
    return [
        (customer.id, membership.company_id, role.value, membership.status.value)
        for membership in customer.memberships
        for role in membership.roles
    ]


CUSTOMER_TAG_COLUMNS: Final = ("customer_id", "tag")
"""The columns of `customer_tag_rows`."""


def customer_tag_rows(customer: Customer) -> list[tuple[str, str]]:
    """Return the ``customer_tags`` rows of a customer."""
    return [(customer.id, tag) for tag in sorted(customer.tags)]


# -- orders (the lean builders below are the lead's to replace with ``encode``)

# The fields the order JSON builder knows; if an order changes, the converter steps in.
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
    "decision",
)
"""The columns of `order_values`, in order."""


def amount_key(amount: Decimal) -> str:
    """Return text that sorts as the (non-negative) ``amount`` does, equal for equal amounts.

    ``Decimal("2.50")`` and ``Decimal("2.5")`` give the same key; ``10`` sorts
    after ``9.99``.
    """
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    return f"{whole.zfill(_AMOUNT_DIGITS)}.{fraction.rstrip('0')}"


def order_values(
    order: OrderRecord, stamp: Stamp, posting: str, *, raw: bool, decision: str | None = None
) -> tuple[Any, ...]:
    """Return the ``orders`` row of ``order`` with ``stamp`` (see ``ORDER_COLUMNS``).

    Args:
        order: The order, stamped with ``stamp``.
        stamp: Its version and times.
        posting: The JSON text of where its spend is booked.
        raw: Give the times as text, ready for the SQLite driver (see
            `company_values`); ``posting``, ``data`` and ``decision``
            are JSON text either way.
        decision: The JSON text of what the order was decided on, if recorded.
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
        order.status.value,
        placed.strftime(_SQLITE_TIME) if raw else placed,
        amount_key(order.total.amount),
        posting,
        encode(order),
        decision,
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


GROUP_COLUMNS: Final = ("id", "version", "created_at", "updated_at", "kind", "company_id", "data")
"""The columns of `group_values`, in order."""


def group_values(group: CustomerGroup, stamp: Stamp, *, raw: bool) -> tuple[Any, ...]:
    """Return the ``customer_groups`` row of a group stamped with ``stamp`` (see ``GROUP_COLUMNS``).

    ``raw`` as for `company_values`; ``data`` is JSON text.
    """
    created, updated = stamp.times(raw=raw)
    return (
        group.id,
        stamp.version,
        created,
        updated,
        group.kind.value,
        group.company_id,
        encode(group),
    )


GROUP_MEMBER_COLUMNS: Final = ("group_id", "customer_id")
"""The columns of `group_member_values`."""


def group_member_values(group: CustomerGroup) -> list[tuple[str, str]]:
    """Return the ``customer_group_members`` rows of a group (see ``GROUP_MEMBER_COLUMNS``)."""
    return [(group.id, member) for member in sorted(group.member_ids)]


OUTBOX_COLUMNS: Final = (
    "event_id",
    "name",
    "aggregate_type",
    "aggregate_id",
    "company_id",
    "occurred_at",
    "published_at",
    "data",
)
"""The columns of `event_values`, in order."""


def event_values(
    event: DomainEvent, *, raw: bool, payload_json: str | None = None
) -> tuple[Any, ...]:
    """Return the ``outbox`` row of an event not yet published (see ``OUTBOX_COLUMNS``).

    Args:
        event: The event.
        raw: Give the time as text, ready for the SQLite driver (see
            `company_values`). ``data`` is JSON text either way.
        payload_json: The payload's `state_json`, when the caller has it already.
    """
    head = _event_head(
        event_id=event.id,
        name=event.name,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        occurred_at=_iso(event.occurred_at),
        company_id=event.company_id,
        actor=event.actor,
    )
    return (
        event.id,
        event.name,
        event.aggregate_type,
        event.aggregate_id,
        event.company_id,
        _moment(event.occurred_at, raw=raw),
        None,
        _json_with(event, head, "payload", event.payload, payload_json),
    )


AUDIT_COLUMNS: Final = (
    "entry_id",
    "occurred_at",
    "company_id",
    "aggregate_type",
    "aggregate_id",
    "action",
    "actor_id",
    "data",
)
"""The columns of `audit_values`, in order."""


def audit_values(
    entry: AuditLogEntry, *, raw: bool, after_json: str | None = None
) -> tuple[Any, ...]:
    """Return the ``audit_log`` row of an entry (see ``AUDIT_COLUMNS``).

    ``raw`` as for `event_values`; ``after_json``: the `state_json` of
    ``entry.after``, when the caller has it already.
    """
    head = _entry_head(
        entry_id=entry.id,
        occurred_at=_iso(entry.occurred_at),
        actor_id=entry.actor_id,
        actor_kind=entry.actor_kind.value,
        action=entry.action,
        aggregate_type=entry.aggregate_type,
        aggregate_id=entry.aggregate_id,
        company_id=entry.company_id,
        before=_sorted(entry.before),
    )
    return (
        entry.id,
        _moment(entry.occurred_at, raw=raw),
        entry.company_id,
        entry.aggregate_type,
        entry.aggregate_id,
        entry.action,
        entry.actor_id,
        _json_with(entry, head, "after", entry.after, after_json),
    )


def _event_head(
    *,
    event_id: str,
    name: str,
    aggregate_type: str,
    aggregate_id: str,
    occurred_at: str,
    company_id: str | None,
    actor: str | None,
) -> dict[str, Any]:
    """An event's converter form but its payload, in the converter's field order."""
    return {
        "id": event_id,
        "name": name,
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "occurred_at": occurred_at,
        "company_id": company_id,
        "actor": actor,
    }


def _entry_head(
    *,
    entry_id: str,
    occurred_at: str,
    actor_id: str | None,
    actor_kind: str,
    action: str,
    aggregate_type: str,
    aggregate_id: str,
    company_id: str | None,
    before: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """An audit entry's converter form but its ``after``, in the converter's field order."""
    return {
        "id": entry_id,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_kind": actor_kind,
        "action": action,
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "company_id": company_id,
        "before": before,
    }


# Stand-ins for the values that differ between the rows of a batch (no id holds a NUL).
_ID, _AGGREGATE, _COMPANY = "\x00id", "\x00aggregate", "\x00company"


def _cut(head: dict[str, Any], last: str) -> tuple[str, str, str, str]:
    """``head``'s JSON text, then ``"last":``, cut where the id, aggregate and company go."""
    rest = f'{_encode_json(head)[:-1]},"{last}":'
    pieces = []
    for stand_in in (_ID, _AGGREGATE, _COMPANY):
        piece, _, rest = rest.partition(_encode_json(stand_in))
        pieces.append(piece)
    return pieces[0], pieces[1], pieces[2], rest


def creation_values(
    creations: Creations,
    created: Sequence[Created],
    aggregate_ids: Sequence[str],
    state_texts: Sequence[str],
    *,
    raw: bool,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Return the ``outbox`` and ``audit_log`` rows of many creations, made without events.

    The rows of each creation are those `event_values` and `audit_values`
    give its event and entry (see [`Creations`][b2b_customers.domain.creations.Creations]),
    their JSON built around ``state_texts``: each aggregate's JSON, its ``data``
    as its repository wrote it. The heads are those two functions' own, cut
    once per batch around the values that differ. The checks are the caller's
    ([`Creations.check`][b2b_customers.domain.creations.Creations.check], which
    also gives ``aggregate_ids``).
    """
    name, actor = creations.name, creations.actor_id
    aggregate_type = name.split(".", 1)[0]
    moment = _moment(creations.occurred_at, raw=raw)
    when = _iso(creations.occurred_at)
    e0, e1, e2, e3 = _cut(
        _event_head(
            event_id=_ID,
            name=name,
            aggregate_type=aggregate_type,
            aggregate_id=_AGGREGATE,
            occurred_at=when,
            company_id=_COMPANY,
            actor=actor,
        ),
        "payload",
    )
    a0, a1, a2, a3 = _cut(
        _entry_head(
            entry_id=_ID,
            occurred_at=when,
            actor_id=actor,
            actor_kind=creations.actor_kind.value,
            action=name,
            aggregate_type=aggregate_type,
            aggregate_id=_AGGREGATE,
            company_id=_COMPANY,
            before=None,
        ),
        "after",
    )
    events, entries = [], []
    for creation, aggregate_id, state in zip(created, aggregate_ids, state_texts, strict=True):
        event_id, company = creation.event_id, creation.company_id
        i, a = _text(event_id), _text(aggregate_id)
        c = "null" if company is None else _text(company)
        events.append(
            (
                event_id,
                name,
                aggregate_type,
                aggregate_id,
                company,
                moment,
                None,
                f"{e0}{i}{e1}{a}{e2}{c}{e3}{state}}}",
            )
        )
        entries.append(
            (
                event_id,
                moment,
                company,
                aggregate_type,
                aggregate_id,
                name,
                actor,
                f"{a0}{i}{a1}{a}{a2}{c}{a3}{state}}}",
            )
        )
    return events, entries


def state_json(state: Mapping[str, Any]) -> str | None:
    """Return the JSON text of an event's payload or an entry's state, if JSON takes it as it is.

    Most of the time it is the converter's form of an aggregate already;
    ``None`` when some value is not plain JSON (a set, a date, money), which
    only the converter writes.
    """
    try:
        return _encode_json(_sorted(state))
    except (TypeError, ValueError):
        return None


def _json_with(
    entity: object,
    head: dict[str, Any],
    last: str,
    state: Mapping[str, Any] | None,
    state_text: str | None,
) -> str:
    """Return ``entity``'s converter form as JSON text: ``head``, then ``last``, its state.

    The state's text is written into the head's (the same text as encoding
    the whole form at once); a state JSON does not take as it is sends the
    whole entity through the converter.
    """
    if state is None:
        state_text = "null"
    elif state_text is None:
        state_text = state_json(state)
    try:
        if state_text is None:
            raise TypeError(last)  # noqa: TRY301  (the converter's way, below)
        return f'{_encode_json(head)[:-1]},"{last}":{state_text}}}'
    except (TypeError, ValueError):
        return encode(entity)


def _sorted(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A mapping's top-level keys in order, as the converter writes them."""
    return None if state is None else {key: state[key] for key in sorted(state)}


_last_iso: tuple[datetime | None, str] = (None, "")


def _iso(moment: datetime) -> str:
    """``moment.isoformat()``, kept for the same object: the events of a batch share their moment.

    Kept by identity: equal moments in other time zones are written otherwise.
    """
    global _last_iso  # noqa: PLW0603  (a one-entry memo, replaced whole)
    last = _last_iso
    if last[0] is moment:
        return last[1]
    text = moment.isoformat()
    _last_iso = (moment, text)
    return text


@functools.lru_cache(maxsize=16)
def _moment(moment: datetime, *, raw: bool) -> Any:  # noqa: ANN401  (text or a datetime)
    """A moment as a timestamp column takes it: UTC, as text for the raw SQLite driver."""
    instant = utc(moment)
    return instant.strftime(_SQLITE_TIME) if raw else instant
