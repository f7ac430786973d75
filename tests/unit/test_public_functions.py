"""Every public function refuses hostile arguments with the library's own errors.

The services are fuzzed method by method (tests/services/test_fuzzing.py);
this is the same promise for the functions the public packages export
(`decide`, `statement`, `route`, `simulate`, ...): whatever a careless or
hostile caller passes (None, numbers for text, lone surrogates, NaN and
huge decimals, naive datetimes, objects of no expected class), what
escapes is a [`B2BError`][b2b_customers.B2BError] or nothing, never a
``TypeError``, ``AttributeError`` or a py-moneyed error from inside.

The functions are found, not listed: one added to a package's ``__all__``
later is checked too.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.errors import B2BError
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from collections.abc import Callable

PACKAGES = (
    "b2b_customers",
    "b2b_customers.approvals",
    "b2b_customers.clock",
    "b2b_customers.credit",
    "b2b_customers.domain",
    "b2b_customers.exchange_rates",
    "b2b_customers.ids",
    "b2b_customers.limits",
    "b2b_customers.queries",
    "b2b_customers.recording",
    "b2b_customers.serialization",
    "b2b_customers.services",
)
"""The packages a user imports from (docs/reference/index.md)."""

NOT_CALLED = frozenset({"b2b_customers.connect"})
"""Functions that would act on the machine (``connect`` opens the database its URL names)."""


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    found: dict[int, tuple[str, Callable[..., Any]]] = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            qualified = f"{package}.{name}"
            if inspect.isfunction(value) and qualified not in NOT_CALLED:
                found.setdefault(id(value), (qualified, value))
    return sorted(found.values())


FUNCTIONS = _public_functions()


def test_the_sweep_finds_the_public_functions() -> None:
    names = {name for name, _ in FUNCTIONS}
    assert {"b2b_customers.limits.decide", "b2b_customers.credit.statement"} <= names
    assert len(FUNCTIONS) > 40


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_a_public_function_raises_only_library_errors_on_hostile_arguments(
    name: str, function: Callable[..., Any]
) -> None:
    """Each required argument gets a hostile value; optional ones are left out or hostile too."""
    parameters = [
        parameter
        for parameter in inspect.signature(function).parameters.values()
        if parameter.kind not in {parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD}
    ]

    @given(st.data())
    def check(data: st.DataObject) -> None:
        positional: list[object] = []
        keywords: dict[str, object] = {}
        for parameter in parameters:
            optional = parameter.default is not parameter.empty
            if optional and data.draw(st.booleans(), label=f"leave {parameter.name} out"):
                continue
            value = data.draw(st_b2b.hostile_values(), label=parameter.name)
            if parameter.kind is parameter.KEYWORD_ONLY:
                keywords[parameter.name] = value
            elif parameter.kind is parameter.POSITIONAL_ONLY or not keywords:
                positional.append(value)
            else:
                keywords[parameter.name] = value
        with contextlib.suppress(B2BError):  # a library error is an answer; nothing else is
            function(*positional, **keywords)

    del name
    check()
