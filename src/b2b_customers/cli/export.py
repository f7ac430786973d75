"""``b2b-customers export --url URL [--what companies,customers,...] [--out FILE]``: JSON.

The kinds are companies, locations, customers, contacts, groups, limits,
credit (accounts, with their terms and figures), approvals (requests) and
orders (the order history).

Every entity is written in the library's converter form
([`b2b_customers.serialization`][]), so ``make_converter().structure`` reads
it back unchanged. The order is stable: the kinds in the order below, each
sorted by id, and the keys of every object sorted, so two exports of the same
data are byte for byte equal.
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import TYPE_CHECKING, Any, TypeVar

from b2b_customers import __version__
from b2b_customers.cli.database import store_at
from b2b_customers.cli.exit_codes import ExitCode
from b2b_customers.cli.progress import StepProgress
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ports import (
    MAX_PAGE_SIZE,
    ApprovalQuery,
    CompanyQuery,
    CompanySort,
    CustomerQuery,
    CustomerSort,
    OrderQuery,
)
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from b2b_customers.domain import Company
    from b2b_customers.ports import Page, UnitOfWork

__all__ = ["KINDS", "add_arguments", "run"]

T = TypeVar("T")


def _companies(_uow: UnitOfWork, companies: list[Company]) -> list[Any]:
    return list(companies)


def _locations(uow: UnitOfWork, companies: list[Company]) -> list[Any]:
    return sorted(
        (location for company in companies for location in uow.locations.for_company(company.id)),
        key=lambda location: location.id,
    )


def _customers(uow: UnitOfWork, _companies_seen: list[Company]) -> list[Any]:
    return _every_page(
        lambda offset: uow.customers.search(
            CustomerQuery(sort=CustomerSort.ID, offset=offset, limit=MAX_PAGE_SIZE)
        )
    )


def _contacts(uow: UnitOfWork, companies: list[Company]) -> list[Any]:
    return sorted(
        (contact for company in companies for contact in uow.contacts.for_company(company.id)),
        key=lambda contact: contact.id,
    )


def _groups(uow: UnitOfWork, _companies_seen: list[Company]) -> list[Any]:
    return list(uow.groups.all())


def _limits(uow: UnitOfWork, companies: list[Company]) -> list[Any]:
    return sorted(
        uow.limits.set_on(company.id for company in companies), key=lambda limit: limit.id
    )


def _credit(uow: UnitOfWork, companies: list[Company]) -> list[Any]:
    accounts: dict[str, Any] = {}
    for company in companies:
        try:
            account = uow.credit.for_company(company.id)
        except NotFound:
            continue
        accounts[account.id] = account  # a shared account is found from every sharer
    return [accounts[account_id] for account_id in sorted(accounts)]


def _approvals(uow: UnitOfWork, _companies_seen: list[Company]) -> list[Any]:
    requests = _every_page(
        lambda offset: uow.approvals.search(ApprovalQuery(offset=offset, limit=MAX_PAGE_SIZE))
    )
    return sorted(requests, key=lambda request: request.id)


def _orders(uow: UnitOfWork, _companies_seen: list[Company]) -> list[Any]:
    orders = _every_page(
        lambda offset: uow.orders.history(OrderQuery(offset=offset, limit=MAX_PAGE_SIZE))
    )
    return sorted(orders, key=lambda order: order.id)


def _every_page(page_at: Callable[[int], Page[T]]) -> list[T]:
    """Read page after page, from offset 0 until there is no next one."""
    found: list[T] = []
    offset: int | None = 0
    while offset is not None:
        page = page_at(offset)
        found.extend(page.items)
        offset = page.next_offset
    return found


KINDS: dict[str, Callable[[UnitOfWork, list[Company]], list[Any]]] = {
    "companies": _companies,
    "locations": _locations,
    "customers": _customers,
    "contacts": _contacts,
    "groups": _groups,
    "limits": _limits,
    "credit": _credit,
    "approvals": _approvals,
    "orders": _orders,
}
"""What ``--what`` may name, in the order an export lists them."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the export's options to its sub-command parser."""
    parser.add_argument(
        "--what",
        default=",".join(KINDS),
        metavar="KINDS",
        help=f"comma-separated kinds to export (default: all of {', '.join(KINDS)})",
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        metavar="FILE",
        help="write the JSON to FILE (default: standard output)",
    )


def _kinds(what: str) -> list[str]:
    wanted = [item.strip() for item in what.split(",") if item.strip()]
    unknown = [item for item in wanted if item not in KINDS]
    if unknown or not wanted:
        raise ValidationError(
            f"cannot export {', '.join(map(repr, unknown)) or 'nothing'}; name one or more of "
            f"{', '.join(KINDS)}, separated by commas",
            field="--what",
        )
    return [kind for kind in KINDS if kind in wanted]


def run(arguments: argparse.Namespace) -> int:
    """Write the chosen kinds as one JSON document.

    Raises:
        ValidationError: ``--what`` names an unknown kind.
        SchemaNotReady: The database is not migrated.
        StorageError: The database cannot be reached or failed.
        OSError: The output file cannot be written.
    """
    kinds = _kinds(arguments.what)
    converter = make_converter()
    document: dict[str, Any] = {"format": "b2b-customers export", "library_version": __version__}
    progress = StepProgress("kinds", rows=len(kinds))
    with store_at(arguments.url, schema=arguments.schema) as store, store.unit_of_work() as uow:
        companies = _all_companies(uow)
        for kind in kinds:
            document[kind] = converter.unstructure(KINDS[kind](uow, companies))
            progress("exporting", 1)
    progress.close()
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    out: pathlib.Path | None = arguments.out
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()  # a reader that went away is noticed here, not at exit
    else:
        out.write_text(text, encoding="utf-8")
        counts = ", ".join(f"{len(document[kind]):,} {kind}" for kind in kinds)
        print(f"Exported {counts} to {out}.")
    return ExitCode.OK


def _all_companies(uow: UnitOfWork) -> list[Company]:
    return _every_page(
        lambda offset: uow.companies.search(
            CompanyQuery(sort=CompanySort.ID, offset=offset, limit=MAX_PAGE_SIZE)
        )
    )
