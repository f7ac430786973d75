"""``b2b-customers import``: all or nothing, every bad row reported with line and column."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.domain import ContactType, Role
from b2b_customers.ids import CompanyId, CustomerId

from .conftest import EXAMPLES, import_examples, snapshot

if TYPE_CHECKING:
    import pathlib

HEADER = "id,name,currency,parent_id,account_number"


def write(tmp_path: pathlib.Path, text: str, name: str = "rows.csv") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestTheExampleFiles:
    def test_import_companies_customers_and_contacts(self, cli, shop):
        import_examples(cli, shop)
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            north = uow.companies.get(CompanyId("acme-north"))
            bob = uow.customers.get(CustomerId("bob"))
            fiona = uow.customers.get(CustomerId("fiona"))
            contacts = uow.contacts.for_company(CompanyId("acme"))
            group = uow.groups.for_company(CompanyId("acme"))
            events = uow.outbox.pending(limit=100)
        assert north.parent_id == "acme"
        assert north.bill_to_id == "acme"
        assert north.custom_fields == {"industry": "construction"}
        assert bob.roles_in(north.id) == {Role.BUYER}
        assert bob.manager_id == "anna"
        assert fiona.roles_in(CompanyId("acme")) == {Role.FINANCE, Role.CONTACT}
        assert {contact.type for contact in contacts} == {ContactType.BILLING, ContactType.PRIMARY}
        assert group.member_ids == {"anna", "fiona"}
        names = [entry.event.name for entry in events]
        assert names.count("company.created") == 5
        assert names.count("customer.created") == 5
        assert names.count("contact.assigned") == 3
        assert {entry.event.actor for entry in events} == {"command-line"}

    def test_says_how_many_were_imported(self, cli, shop):
        result = cli("import", "companies", EXAMPLES / "companies.csv", "--url", shop)
        assert result.code == 0
        assert "Imported 5 companies" in result.out
        assert result.err == ""  # stderr is no terminal: no progress bar

    def test_one_row_is_one_company(self, cli, shop, tmp_path):
        path = write(tmp_path, "id,name,currency\na,A,EUR\n")
        result = cli("import", "companies", path, "--url", shop)
        assert "Imported 1 company from" in result.out

    def test_subsidiaries_may_come_before_their_parents(self, cli, shop, tmp_path):
        path = write(tmp_path, f"{HEADER}\nc,C,EUR,b,\nb,B,EUR,a,\na,A,EUR,,\n")
        assert cli("import", "companies", path, "--url", shop).code == 0
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            assert [c.id for c in uow.companies.ancestors(CompanyId("c"))] == ["b", "a"]

    def test_check_only_writes_nothing(self, cli, shop):
        before = snapshot(shop)
        result = cli(
            "import", "companies", EXAMPLES / "companies.csv", "--url", shop, "--check-only"
        )
        assert result.code == 0
        assert "5 companies are fine; nothing was written" in result.out
        assert snapshot(shop) == before


class TestBadRows:
    def test_every_bad_row_is_reported_and_nothing_is_written(self, cli, shop, tmp_path):
        path = write(
            tmp_path,
            f"{HEADER}\n"
            "a,A,EUR,,\n"
            "b,B,EURO,,\n"  # line 3: currency
            ",C,EUR,,\n"  # line 4: id
            "d,D,EUR,nowhere,\n"  # line 5: parent
            "a,A again,EUR,,\n"  # line 6: id twice
            "e,E,EUR,,\n",
        )
        before = snapshot(shop)
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 1
        lines = result.err.splitlines()
        assert any("line 3, column currency:" in line and "ISO 4217" in line for line in lines)
        assert any("line 4, column id:" in line for line in lines)
        assert any("line 5, column parent_id: no company 'nowhere'" in line for line in lines)
        assert any("line 6, column id: the id 'a' is on line 2 already" in line for line in lines)
        assert "4 bad rows; nothing was imported" in result.err
        assert "Traceback" not in result.err
        assert snapshot(shop) == before

    def test_a_cycle_in_the_file_is_reported_on_each_of_its_rows(self, cli, shop, tmp_path):
        path = write(tmp_path, f"{HEADER}\na,A,EUR,b,\nb,B,EUR,a,\nc,C,EUR,,\n")
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 1
        assert "line 2, column parent_id" in result.err
        assert "line 3, column parent_id" in result.err
        assert "line 4" not in result.err

    def test_a_taken_account_number_or_email_is_reported(self, cli, shop, tmp_path):
        import_examples(cli, shop)
        companies = write(tmp_path, f"{HEADER}\nnew,New,EUR,,C-10001\n")
        result = cli("import", "companies", companies, "--url", shop)
        assert result.code == 1
        assert "line 2, column account_number" in result.err
        assert "belongs to company 'acme'" in result.err
        customers = write(
            tmp_path,
            "id,email,first_name,last_name,memberships\n"
            "bobby,BOB@acme.example,Bob,B,acme:buyer\n"
            "zed,zed@acme.example,Zed,Z,nowhere:buyer\n"
            "yan,yan@acme.example,Yan,Y,acme:buyer+admin\n",
            "customers.csv",
        )
        before = snapshot(shop)
        result = cli("import", "customers", customers, "--url", shop)
        assert result.code == 1
        assert "line 2, column email" in result.err
        assert "line 3, column memberships: no company 'nowhere'" in result.err
        assert "line 4, column memberships" in result.err
        assert snapshot(shop) == before

    def test_contacts_need_stored_companies_and_customers(self, cli, shop, tmp_path):
        import_examples(cli, shop)
        path = write(
            tmp_path,
            "company_id,customer_id,type,is_primary,subscriptions\n"
            "nowhere,bob,,,\n"
            "acme,nobody,,,\n"
            "acme,fiona,billing,,\n"  # fiona is a contact of acme already
            "acme-north,bob,billing,maybe,\n"
            "acme-north,rita,logistics,,pigeon_post\n",
        )
        result = cli("import", "contacts", path, "--url", shop)
        assert result.code == 1
        for expected in (
            "line 2, column company_id",
            "line 3, column customer_id",
            "line 4, column customer_id: customer 'fiona' is a contact of 'acme' already",
            "line 5, column is_primary: write true or false",
            "line 6, column subscriptions: unknown notification 'pigeon_post'",
        ):
            assert expected in result.err

    def test_a_row_with_too_many_cells_is_reported(self, cli, shop, tmp_path):
        path = write(tmp_path, f"{HEADER}\na,A,EUR,,,extra\n")
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 1
        assert "line 2: has 6 cells but the header names 5 columns" in result.err


class TestBadFiles:
    def test_unknown_and_missing_columns_are_reported_from_the_header(self, cli, shop, tmp_path):
        path = write(tmp_path, "id,nmae,currency\na,A,EUR\n")
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 1
        assert "line 1, column name: this column is required" in result.err
        assert "line 1: unknown column 'nmae'; the columns are id, name, currency" in result.err

    def test_the_columns_are_listed_once_however_many_are_unknown(self, cli, shop, tmp_path):
        path = write(tmp_path, "id,name,currency,a,b,c,d,e,f,g\n")
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 1
        assert "unknown columns 'a', 'b', 'c', 'd', 'e', 'f', 'g'" in result.err
        assert result.err.count("the columns are") == 1

    def test_an_empty_file_is_a_user_error(self, cli, shop, tmp_path):
        result = cli("import", "companies", write(tmp_path, ""), "--url", shop)
        assert result.code == 2
        assert "is empty; the first line names the columns" in result.err

    def test_a_file_that_is_not_utf8_is_a_user_error(self, cli, shop, tmp_path):
        path = tmp_path / "latin1.csv"
        path.write_bytes(f"{HEADER}\na,Müller,EUR,,\n".encode("latin-1"))
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 2
        assert "is not UTF-8 text" in result.err
        assert len(result.err.splitlines()) == 1

    def test_a_missing_file_is_a_user_error(self, cli, shop, tmp_path):
        result = cli("import", "companies", tmp_path / "nope.csv", "--url", shop)
        assert result.code == 2
        assert "nope.csv: No such file or directory" in result.err

    def test_an_excel_byte_order_mark_is_fine(self, cli, shop, tmp_path):
        path = tmp_path / "excel.csv"
        path.write_bytes(f"{HEADER}\na,A,EUR,,\n".encode("utf-8-sig"))
        assert cli("import", "companies", path, "--url", shop).code == 0


class TestDatabases:
    def test_a_database_file_that_does_not_exist_is_not_created(self, cli, tmp_path):
        url = f"sqlite:///{tmp_path / 'missing.db'}"
        result = cli("import", "companies", EXAMPLES / "companies.csv", "--url", url)
        assert result.code == 2
        assert "no database file at" in result.err
        assert "b2b-customers db upgrade --url" in result.err
        assert not (tmp_path / "missing.db").exists()

    def test_an_unmigrated_database_says_to_run_db_upgrade(self, cli, tmp_path):
        path = tmp_path / "empty.db"
        path.touch()
        url = f"sqlite:///{path}"
        result = cli("import", "companies", EXAMPLES / "companies.csv", "--url", url)
        assert result.code == 2
        assert "has no b2b-customers tables" in result.err
        assert f"run `b2b-customers db upgrade --url {url}`" in result.err
        assert "Traceback" not in result.err

    @pytest.mark.parametrize("url", ["memory://", "sqlite://", "mysql://host/db"])
    def test_a_url_that_keeps_nothing_is_refused(self, cli, url):
        result = cli("import", "companies", EXAMPLES / "companies.csv", "--url", url)
        assert result.code == 2
        assert "--url:" in result.err


class TestSeparators:
    def test_a_semicolon_separated_file_as_excel_writes_it_in_europe(self, cli, shop, tmp_path):
        path = tmp_path / "excel.csv"
        path.write_bytes('\ufeffid;name;currency;tags\r\nmuc;München GmbH;EUR;"a;b"\r\n'.encode())
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 0, result.err
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            company = uow.companies.get(CompanyId("muc"))
        assert (company.name, company.tags) == ("München GmbH", frozenset({"a", "b"}))

    def test_a_tab_separated_file(self, cli, shop, tmp_path):
        path = write(tmp_path, "id\tname\tcurrency\nx\tX, Inc.\tUSD\n")
        assert cli("import", "companies", path, "--url", shop).code == 0
        with SqlStore(shop) as store, store.unit_of_work() as uow:
            assert uow.companies.get(CompanyId("x")).name == "X, Inc."

    def test_a_row_with_too_many_cells_is_reported(self, cli, shop, tmp_path):
        path = write(tmp_path, "id;name;currency\na;A;EUR;extra\n")
        result = cli("import", "companies", path, "--url", shop)
        assert result.code == 1
        assert "line 2: has 4 cells but the header names 3 columns" in result.err


class TestHelp:
    def test_import_help_lists_the_columns_of_every_kind(self, cli):
        result = cli("import", "--help")
        assert result.code == 0
        text = " ".join(result.out.split())
        assert "companies: id*, name*, currency*, time_zone," in text
        assert "customers: id*, email*, first_name*, last_name*," in text
        assert "limits: company_id*, scope, target," in text
        assert "credit: company_id*, credit_limit*," in text
        assert "semicolons" in text

    def test_every_command_describes_itself(self, cli):
        for command in (
            ["demo"],
            ["db"],
            ["db", "upgrade"],
            ["import"],
            ["export"],
            ["check-order"],
        ):
            result = cli(*command, "--help")
            assert result.code == 0
            _usage, _, rest = result.out.partition("\n\n")
            description = rest.split("\n\n", 1)[0]
            assert not description.startswith(("positional", "options")), command
