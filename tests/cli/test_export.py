"""``b2b-customers export``: JSON through the converter, in a stable order."""

from __future__ import annotations

import json

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.credit import CreditAccount
from b2b_customers.domain import Company, ContactAssignment, Customer, CustomerGroup
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.serialization import make_converter

from .conftest import WALKTHROUGH, import_examples


def test_exports_every_kind_that_structures_back_to_the_stored_entities(cli, shop):
    import_examples(cli, shop)
    result = cli("export", "--url", shop)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert list(document) == sorted(document)
    converter = make_converter()
    companies = converter.structure(document["companies"], list[Company])
    customers = converter.structure(document["customers"], list[Customer])
    contacts = converter.structure(document["contacts"], list[ContactAssignment])
    groups = converter.structure(document["groups"], list[CustomerGroup])
    with SqlStore(shop) as store, store.unit_of_work() as uow:
        assert companies == uow.companies.get_many(c.id for c in companies)
        assert customers == uow.customers.get_many(c.id for c in customers)
        stored_contacts = [
            contact
            for company in ("acme", "globex")
            for contact in uow.contacts.for_company(CompanyId(company))
        ]
        assert contacts == sorted(stored_contacts, key=lambda contact: contact.id)
        assert groups == uow.groups.all()
    assert [c.id for c in companies] == sorted(c.id for c in companies)
    assert len(companies) == 5
    assert customers[0].id == CustomerId("anna")
    assert document["locations"] == []
    assert document["limits"] == []


def test_two_exports_of_the_same_data_are_equal(cli, shop):
    import_examples(cli, shop)
    assert cli("export", "--url", shop).out == cli("export", "--url", shop).out


def test_what_chooses_the_kinds_and_out_writes_a_file(cli, shop, tmp_path):
    import_examples(cli, shop)
    out = tmp_path / "export.json"
    result = cli("export", "--url", shop, "--what", "customers, companies", "--out", out)
    assert result.code == 0
    assert "Exported 5 companies, 5 customers" in result.out
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) == {"format", "library_version", "companies", "customers"}


def test_an_unknown_kind_is_a_user_error(cli, shop):
    result = cli("export", "--url", shop, "--what", "companies,invoices")
    assert result.code == 2
    assert "--what: cannot export 'invoices'" in result.err


def test_an_output_file_that_cannot_be_written_is_a_user_error(cli, shop, tmp_path):
    result = cli("export", "--url", shop, "--out", tmp_path / "no" / "such" / "dir.json")
    assert result.code == 2
    assert "No such file or directory" in result.err


def test_exports_credit_approvals_and_orders(cli, shop):
    import_examples(cli, shop, WALKTHROUGH)
    result = cli("export", "--url", shop, "--what", "credit,approvals,orders,limits")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    accounts = make_converter().structure(document["credit"], list[CreditAccount])
    assert sorted(account.company_id for account in accounts) == ["acme", "globex"]
    assert len(document["limits"]) == 3
    assert document["approvals"] == []
    assert document["orders"] == []
