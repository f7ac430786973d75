"""Everything public under ``b2b_customers.credit`` is importable from the package itself."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from b2b_customers import credit

MODULES = sorted(
    module.name
    for module in pkgutil.iter_modules(credit.__path__)
    if not module.name.startswith("_")
)


def test_the_package_lists_its_own_names_sorted_and_once() -> None:
    assert sorted(set(credit.__all__)) == sorted(credit.__all__)
    for name in credit.__all__:
        assert hasattr(credit, name), name


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_of_a_credit_module_is_exported_by_the_package(name: str) -> None:
    module = importlib.import_module(f"b2b_customers.credit.{name}")
    public = getattr(module, "__all__", None)
    assert public is not None, f"b2b_customers.credit.{name} declares no __all__"
    missing = [item for item in public if item not in credit.__all__]
    assert missing == [], f"export {missing} from b2b_customers.credit"
    for item in public:
        assert getattr(credit, item) is getattr(module, item), item
