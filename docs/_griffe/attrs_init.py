"""A Griffe extension: attrs classes show the constructor attrs writes for them.

Griffe reads source code, and an attrs class has no ``__init__`` in its
source, so the reference would show ``Company`` with no parameters at all.
This extension asks attrs itself (importing the class) which arguments the
generated ``__init__`` takes, in which order, keyword-only or not and under
which alias, and takes each one's annotation and default from the source, so
types stay cross-referenced. mkdocs.yml loads it for mkdocstrings; a class
it cannot import is left as Griffe saw it.
"""

from __future__ import annotations

import importlib
import logging
import pathlib
import sys
from typing import Any

import attrs
import griffe

_SRC = pathlib.Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:  # document this tree's code, not an installed copy
    sys.path.insert(0, str(_SRC))

_FIELD_FUNCTIONS = {"field", "attrib", "ib"}
_log = logging.getLogger(__name__)


def _runtime_class(cls: griffe.Class) -> type | None:
    try:
        obj: Any = importlib.import_module(cls.module.path)
        for part in cls.path.removeprefix(cls.module.path + ".").split("."):
            obj = getattr(obj, part)
    except Exception:  # noqa: BLE001  (a module that cannot import stays as Griffe read it)
        _log.debug("attrs_init: cannot import %s", cls.path)
        return None
    return obj if isinstance(obj, type) else None


def _keyword(call: griffe.ExprCall, name: str) -> object:
    for argument in call.arguments:
        if getattr(argument, "name", None) == name:
            return getattr(argument, "value", None)
    return None


def _default(
    field: attrs.Attribute[Any], source: griffe.Object | griffe.Alias | None
) -> str | None:
    """How the default reads in the source (``CompanyStatus.ACTIVE``, ``frozenset()``)."""
    if field.default is attrs.NOTHING:
        return None
    value = getattr(source, "value", None)
    if (
        isinstance(value, griffe.ExprCall)
        and str(value.function).rsplit(".", 1)[-1] in _FIELD_FUNCTIONS
    ):
        if (default := _keyword(value, "default")) is not None:
            text = str(default)
            return (
                f"{text.removeprefix('Factory(').removesuffix(')')}()"
                if text.startswith("Factory(")
                else text
            )
        if (factory := _keyword(value, "factory")) is not None:
            return f"{factory}()"
    elif value is not None:
        return str(value)
    factory = getattr(field.default, "factory", None)
    if factory is not None:  # attrs.Factory(...)
        return f"{getattr(factory, '__name__', 'factory')}()"
    return repr(field.default)


def _set_init(cls: griffe.Class) -> None:
    runtime = _runtime_class(cls)
    if runtime is None or not attrs.has(runtime):
        return
    parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
    members = cls.all_members
    for field in attrs.fields(runtime):
        if not field.init:
            continue
        source = members.get(field.name)
        annotation = getattr(source, "annotation", None) if source is not None else None
        parameters.append(
            griffe.Parameter(
                field.alias or field.name.lstrip("_"),
                annotation=annotation if annotation is not None else None,
                kind=griffe.ParameterKind.keyword_only
                if field.kw_only
                else griffe.ParameterKind.positional_or_keyword,
                default=_default(field, source),
            )
        )
    init = griffe.Function(
        "__init__",
        lineno=0,
        endlineno=0,
        parent=cls,
        parameters=griffe.Parameters(*parameters),
        returns="None",
    )
    cls.set_member("__init__", init)


def _walk(obj: griffe.Module | griffe.Class, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if isinstance(obj, griffe.Class) and "__init__" not in obj.members:
        _set_init(obj)
    for member in list(obj.members.values()):
        if not member.is_alias and isinstance(member, griffe.Module | griffe.Class):
            _walk(member, seen)


class AttrsInit(griffe.Extension):
    """Give every attrs class without a hand-written ``__init__`` the one attrs generates."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: object) -> None:  # noqa: ARG002
        """Add the constructors once the package is loaded (aliases can be followed then)."""
        _walk(pkg, set())
