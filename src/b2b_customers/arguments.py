"""Checks of what a caller hands a service, before the store is touched.

A service is called from an application's request handler, with whatever
arrived: an int where an id belongs, a field name misspelt, ``None`` for an
order, text with a lone surrogate. These checks turn each into a
[`ValidationError`][b2b_customers.ValidationError] that names the argument, so no
``TypeError`` or database error escapes and nothing is read or written.

`checks_arguments` is the boundary: a service class wears it, and each
of its public methods then checks every argument against the method's own
annotations before its body runs (see `conform` for what each
annotation demands).
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import inspect
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import attrs
from moneyed import Money

from b2b_customers import ids
from b2b_customers.domain.money import amount_defect
from b2b_customers.domain.values import (
    checked_id,
    datetime_defect,
    items_of,
    text_defect,
)
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

__all__ = [
    "MAX_WHOLE_NUMBER",
    "STREAMED",
    "argument_types",
    "checked_arguments",
    "checked_choice",
    "checked_fields",
    "checked_id",
    "checked_ids",
    "checked_instance",
    "checks_arguments",
    "conform",
    "library_types",
]

T = TypeVar("T")
E = TypeVar("E", bound=Enum)
P = ParamSpec("P")
R = TypeVar("R")

MAX_WHOLE_NUMBER = 2**63 - 1
"""The largest whole number (in size) a service takes: what a 64-bit database column holds."""

_STORE_MANAGED = frozenset({"version", "created_at", "updated_at"})


class _Streamed:
    """The mark of `STREAMED`."""

    def __repr__(self) -> str:
        return "STREAMED"


STREAMED = _Streamed()
"""Marks an iterable argument the method reads as it goes: ``Annotated[Iterable[X], STREAMED]``.

A collection (a list, a tuple) is checked item by item as usual; any other
iterable (a file's rows, read anew on each pass) is handed over unread, and
the method checks each item as it reads it, so a large source never has to
fit in memory.
"""


def checked_ids(value: Any, argument: str) -> frozenset[Any]:  # noqa: ANN401
    """Return the ids of a collection (a list, a set) as a frozenset.

    Raises:
        ValidationError: It is a lone value (text included) or holds
            something that is not an id (naming ``argument``).
    """
    items = items_of(value)
    if items is None:
        raise ValidationError(
            f"must be a collection of ids, got {type(value).__name__}", field=argument
        )
    return frozenset(checked_id(item, argument) for item in items)


def checked_instance(value: Any, kind: type[T], argument: str) -> T:  # noqa: ANN401
    """Return ``value`` if it is a ``kind``.

    Raises:
        ValidationError: It is something else (naming ``argument``).
    """
    if not isinstance(value, kind):
        raise ValidationError(
            f"must be a {kind.__name__}, got {type(value).__name__}", field=argument
        )
    return value


def checked_choice(value: object, kind: type[E], argument: str) -> E:
    """Return ``value`` as a member of the enum ``kind`` (given as the member or its value).

    Raises:
        ValidationError: It is neither (naming ``argument`` and the choices).
    """
    try:
        return kind(value)
    except (ValueError, TypeError):
        choices = ", ".join(repr(member.value) for member in kind)
        raise ValidationError(
            f"{value!r} is not a {kind.__name__}; choose from {choices}", field=argument
        ) from None


def checked_fields(
    entity: type[Any], fields: Mapping[str, Any], *, reserved: Collection[str] = ()
) -> dict[str, Any]:
    """Return ``fields`` if each names a field of ``entity`` a caller may set.

    Args:
        entity: The attrs class the fields are for.
        fields: The extra keyword arguments a service took.
        reserved: Fields the service sets itself (besides the store's
            ``version``, ``created_at`` and ``updated_at``).

    Raises:
        ValidationError: A name is not a field of ``entity``, or one the
            caller may not set.
    """
    known = {field.name for field in attrs.fields(entity)}
    closed = _STORE_MANAGED | set(reserved)
    for name in fields:
        if name not in known:
            choices = ", ".join(sorted(known - closed))
            raise ValidationError(
                f"{entity.__name__} has no field {name!r}; choose from {choices}", field=name
            )
        if name in closed:
            raise ValidationError(
                f"is set by the library, not by the caller; leave {name!r} out", field=name
            )
    return dict(fields)


def checks_arguments(service: type[T]) -> type[T]:
    """Make every public method of ``service`` check its arguments first.

    A class decorator for the services: each method not starting with ``_``
    is wrapped by `checked_arguments`, so a method added later is
    checked too, with no code of its own.
    """
    for name, member in list(vars(service).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(service, name, checked_arguments(member))
    return service


def checked_arguments(function: Callable[P, R]) -> Callable[P, R]:
    """Wrap ``function`` so that each argument is checked against its annotation first.

    The annotations are read once, at the first call (so types a module
    imports later still resolve). Arguments annotated ``Any`` or ``object``,
    and ``**kwargs``, are left to the method (and the entities it builds).

    An ``actor`` given as a customer's id is then read from the service's
    store (`ServiceContext.resolve_actor`), so the body gets the customer.

    Raises:
        ValidationError: From the wrapped function, before its body runs: an
            argument does not fit its annotation (naming it), or the call
            names an argument the method does not have.
        PermissionDenied: ``actor`` is the id of no stored customer.
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def check_then_call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            raise ValidationError(f"{function.__qualname__}(): {error}") from None
        for name, hint in argument_types(function).items():
            if name in bound.arguments:
                bound.arguments[name] = conform(hint, bound.arguments[name], name)
        actor = bound.arguments.get("actor")
        if isinstance(actor, str):
            bound.arguments["actor"] = _resolved_actor(bound.arguments.get("self"), actor)
        return function(*bound.args, **bound.kwargs)

    return check_then_call


def _resolved_actor(service: object, actor: str) -> object:
    """A customer's id given as ``actor``, read from the service's store.

    Done once, at the boundary, so a service body always has staff or a
    customer object (and checks them again, as stored now, in its own unit of
    work). See `ServiceContext.resolve_actor`.
    """
    resolve = getattr(getattr(service, "_context", None), "resolve_actor", None)
    return actor if resolve is None else resolve(actor)


@functools.cache
def argument_types(function: Callable[..., Any]) -> dict[str, Any]:
    """Return the resolved type of each annotated argument of ``function`` (not ``**kwargs``).

    Only the parameters are resolved: a return type may be imported for type
    checkers alone. A name the function's module imports for type checkers
    only (to keep its imports free of cycles) is looked up among the names
    the library's packages export (`library_types`); the module's own names
    come first.

    Raises:
        NameError: An argument's type is neither importable in the
            function's module nor exported by a package of the library (a
            bug the library's tests catch).
    """
    parameters = {
        name: parameter.annotation
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.annotation is not inspect.Parameter.empty
        and parameter.kind is not inspect.Parameter.VAR_KEYWORD
    }
    namespace = types.SimpleNamespace(__annotations__=parameters)
    known = {**library_types(), **getattr(function, "__globals__", {})}
    return typing.get_type_hints(namespace, globalns=known, include_extras=True)


_TYPE_PACKAGES = (
    "b2b_customers.ids",
    "b2b_customers.domain",
    "b2b_customers.domain.order",
    "b2b_customers.domain.creations",
    "b2b_customers.limits",
    "b2b_customers.credit",
    "b2b_customers.approvals",
    "b2b_customers.ports",
)


@functools.cache
def library_types() -> dict[str, Any]:
    """Every name the library's packages export, and the standard types annotations name.

    Read at the first checked call, when every module is loaded: an
    annotation may then name a type its module imports for type checkers
    only, as most of the library's modules do to keep their imports free of
    cycles.
    """
    names: dict[str, Any] = {
        name: getattr(collections.abc, name) for name in collections.abc.__all__
    }
    names.update(date=date, datetime=datetime, Decimal=Decimal, Money=Money)
    for package in _TYPE_PACKAGES:
        module = importlib.import_module(package)
        names.update((name, getattr(module, name)) for name in getattr(module, "__all__", ()))
    return names


def conform(hint: Any, value: Any, argument: str) -> Any:  # noqa: ANN401
    """Return ``value`` if it fits the type ``hint``, else raise naming ``argument``.

    What each annotation demands, beyond ``isinstance``:

    - an id type (``CompanyId``, ...; ``CompanyId | str``, as the services
      declare ids so that callers may pass plain text): a valid id (`checked_id`);
    - ``str``: text a store can keep (no NUL, no lone surrogate);
    - ``int``: a whole number (not a ``bool``) of at most `MAX_WHOLE_NUMBER`;
    - ``Decimal``, and the amount of a ``Money``: finite and within the bound
      of amounts ([`amount_defect`][b2b_customers.domain.money.amount_defect]);
    - ``datetime``: timezone-aware, within years 1 to 9999 in UTC;
      ``date``: a date, not a datetime;
    - ``Iterable[X]`` and the other collections: a collection (not text),
      each item an ``X``; a one-shot iterator is read into a tuple, which is
      what the method then gets.

    - ``Annotated[Iterable[X], STREAMED]``: as ``Iterable[X]``, but an
      iterable that is no collection is handed over unread (see `STREAMED`).

    Types it cannot check (``Any``, ``object``, protocols) accept anything.

    Raises:
        ValidationError: ``value`` does not fit.
    """
    if typing.get_origin(hint) is typing.Annotated:
        hint, *marks = typing.get_args(hint)
        if (
            STREAMED in marks
            and _is_a(hint, value)
            and not isinstance(value, collections.abc.Collection)
        ):
            return value  # read by the method, which checks each item as it comes
    options = _options(hint)
    if value is None and type(None) in options:
        return None
    for option in options:
        if _is_a(option, value):
            return _refined(option, value, argument)
    raise ValidationError(
        f"must be {' or '.join(map(_described, options))}, "
        f"got {type(value).__name__} {_shown(value)}",
        field=argument,
    )


def _options(hint: Any) -> tuple[Any, ...]:  # noqa: ANN401
    """The types a hint allows; ``CompanyId | str`` (an id, given as plain text) is an id."""
    if typing.get_origin(hint) not in {typing.Union, types.UnionType}:
        return (hint,)
    options = tuple(option for union in typing.get_args(hint) for option in _options(union))
    if any(_is_id_type(option) for option in options):
        return tuple(option for option in options if option is not str)
    return options


def _is_id_type(option: Any) -> bool:  # noqa: ANN401
    return (
        getattr(option, "__supertype__", None) is str
        and getattr(option, "__module__", None) == ids.__name__
    )


_COLLECTIONS = {
    collections.abc.Iterable,
    collections.abc.Collection,
    collections.abc.Sequence,
    list,
    tuple,
    set,
    frozenset,
}


def _is_a(option: Any, value: Any) -> bool:  # noqa: ANN401
    """Whether ``value`` is of the kind ``option`` names (its items are checked later)."""
    if option is Any or option is object:
        return True
    if option is type(None):
        return value is None
    supertype = getattr(option, "__supertype__", None)
    if supertype is not None:
        return _is_a(supertype, value)
    if option is bool:
        return isinstance(value, bool)
    if option is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if option is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    origin = typing.get_origin(option)
    if origin is typing.Literal:
        return value in typing.get_args(option)
    if origin in _COLLECTIONS:
        return isinstance(value, collections.abc.Iterable) and not isinstance(
            value, str | bytes | collections.abc.Mapping
        )
    kind = origin if origin is not None else option
    if not isinstance(kind, type) or _is_unchecked_protocol(kind):
        return True  # a type variable, a callable, a protocol: the method's own concern
    return isinstance(value, kind)


def _is_unchecked_protocol(kind: type) -> bool:
    return bool(getattr(kind, "_is_protocol", False)) and not getattr(
        kind, "_is_runtime_protocol", False
    )


def _refined(option: Any, value: Any, argument: str) -> Any:  # noqa: ANN401
    """Check what ``isinstance`` cannot, and return the value the method gets."""
    if getattr(option, "__supertype__", None) is not None:
        if _is_id_type(option):
            return checked_id(value, argument)
        return _refined(option.__supertype__, value, argument)
    defect: str | None = None
    if isinstance(value, str):
        defect = text_defect(value)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE_NUMBER:
        defect = f"must be at most {MAX_WHOLE_NUMBER} in size, got {_shown(value)}"
    elif isinstance(value, Decimal):
        defect = amount_defect(value)
    elif isinstance(value, Money) and isinstance(value.amount, Decimal):
        defect = amount_defect(value.amount)
    elif isinstance(value, datetime):
        defect = datetime_defect(value)
    if defect is not None:
        raise ValidationError(defect, field=argument)
    if typing.get_origin(option) in _COLLECTIONS:
        return _items(option, value, argument)
    return value


def _items(option: Any, value: Any, argument: str) -> Any:  # noqa: ANN401
    (item_hint, *_) = typing.get_args(option) or (Any,)
    if isinstance(item_hint, typing.TypeVar):  # items of whatever kind the caller has
        return value if isinstance(value, collections.abc.Collection) else tuple(value)
    items = tuple(value)
    checked = tuple(
        conform(item_hint, item, f"{argument}[{index}]") for index, item in enumerate(items)
    )
    if isinstance(value, collections.abc.Collection):
        return value  # the caller's own collection, unchanged
    return checked  # a one-shot iterator, read once


_NAMES: dict[Any, str] = {
    str: "text",
    int: "a whole number",
    bool: "True or False",
    datetime: "a timezone-aware datetime",
    date: "a date",
}


def _described(option: Any) -> str:  # noqa: ANN401
    if option is type(None):
        return "None"
    if option in _NAMES:
        return _NAMES[option]
    if getattr(option, "__supertype__", None) is not None:
        return f"an id ({option.__name__})"
    origin = typing.get_origin(option)
    if origin in _COLLECTIONS:
        (item_hint, *_) = typing.get_args(option) or (Any,)
        return f"a collection (each {' or '.join(map(_described, _options(item_hint)))})"
    if origin is typing.Literal:
        return " or ".join(map(repr, typing.get_args(option)))
    name = str(getattr(origin or option, "__name__", option))
    return f"{'an' if name[:1] in set('AEIOU') else 'a'} {name}"


def _shown(value: object) -> str:
    try:
        shown = repr(value)
    except Exception:  # noqa: BLE001  (a hostile __repr__ must not hide the real error)
        return "(unprintable)"
    return shown if len(shown) <= 80 else f"{shown[:77]}..."  # noqa: PLR2004
