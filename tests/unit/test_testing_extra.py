"""Importing ``b2b_customers.testing`` without its extra says which extra to install."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import pytest

from b2b_customers.errors import MissingDependency


def test_without_hypothesis_the_testing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "hypothesis" else real_find_spec(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.delitem(sys.modules, "b2b_customers.testing", raising=False)
    with pytest.raises(ImportError, match=r'pip install "b2b-customers\[testing\]"') as raised:
        importlib.import_module("b2b_customers.testing")
    assert isinstance(raised.value, MissingDependency)
    assert "hypothesis" in str(raised.value)


def test_with_the_extra_the_testing_package_imports():
    assert importlib.import_module("b2b_customers.testing.strategies").__name__.endswith(
        "strategies"
    )
