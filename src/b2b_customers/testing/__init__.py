"""Test support shipped with the library, for its own tests and for yours.

* [`b2b_customers.testing.strategies`][]: Hypothesis strategies for every entity.
* [`b2b_customers.testing.contract`][]: the repository contract suite that
  every store (memory, SQL, an ERP adapter) passes; subclass
  [`StoreContract`][b2b_customers.testing.contract.StoreContract] to run it.
* [`b2b_customers.testing.faults`][]: a store wrapper that fails the k-th
  write, to prove that a failed call leaves nothing behind.
* [`b2b_customers.testing.snapshot`][]: everything a store holds, as plain
  data, to compare before and after.

Its modules need Hypothesis and pytest: install the ``testing`` extra,
``pip install "b2b-customers[testing]"``. Without them, importing this
package raises ``b2b_customers.errors.MissingDependency`` (an
``ImportError``) that says so.
"""

import importlib.util

from b2b_customers.errors import MissingDependency

_NEEDED = ("hypothesis", "pytest")

_missing = [name for name in _NEEDED if importlib.util.find_spec(name) is None]
if _missing:
    raise MissingDependency(
        f"b2b_customers.testing needs {' and '.join(_missing)}, which "
        f"{'is' if len(_missing) == 1 else 'are'} not installed; "
        'pip install "b2b-customers[testing]"'
    )
