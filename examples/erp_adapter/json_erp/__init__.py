"""A worked ERP adapter: the b2b_customers store over a directory of JSON files.

The directory stands for an ERP's export: one JSON file per kind of row
(``companies.json``, ``customers.json``, ``orders.json``, ...), each row an
entity as the library's converter writes it. The adapter is written against
the public protocols of `b2b_customers.ports` only, and passes the
library's contract suite (`b2b_customers.testing.contract.StoreContract`).

The parts, one idea each:

* `json_erp.store`: `JsonErpStore`, the committed rows and the writer lock.
* `json_erp.export`: the files: read on open, replaced atomically on commit.
* `json_erp.unit_of_work` and `json_erp.workspace`: one transaction,
  working on its own copy of the rows it changes.
* `json_erp.table`: one kind's rows as a unit of work sees them.
* `json_erp.repository`: what every repository does (versions, unique keys).
* one module per repository, and `json_erp.spend` for budget spend.
"""

from json_erp.store import JsonErpStore
from json_erp.unit_of_work import JsonErpUnitOfWork

__all__ = ["JsonErpStore", "JsonErpUnitOfWork"]
