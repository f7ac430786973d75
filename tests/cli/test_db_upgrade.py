"""``b2b-customers db upgrade`` on SQLite and PostgreSQL, and the errors of unusable databases."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy

from b2b_customers.adapters.sql import HEAD_REVISION

from .conftest import EXAMPLES, snapshot


class TestOnSqlite:
    def test_creates_the_file_and_the_tables(self, cli, tmp_path):
        url = f"sqlite:///{tmp_path / 'new.db'}"
        result = cli("db", "upgrade", "--url", url)
        assert result.code == 0, result.err
        assert f"is at schema revision {HEAD_REVISION}" in result.out
        assert "companies" in snapshot(url)

    def test_running_it_again_changes_nothing(self, cli, shop):
        before = snapshot(shop)
        assert cli("db", "upgrade", "--url", shop).code == 0
        assert snapshot(shop) == before

    def test_the_url_may_come_from_the_environment(self, cli, tmp_path, monkeypatch):
        monkeypatch.setenv("B2B_CUSTOMERS_URL", f"sqlite:///{tmp_path / 'env.db'}")
        assert cli("db", "upgrade").code == 0
        assert (tmp_path / "env.db").exists()

    def test_a_schema_is_refused_for_sqlite(self, cli, tmp_path):
        result = cli("db", "upgrade", "--url", f"sqlite:///{tmp_path / 'x.db'}", "--schema", "t1")
        assert result.code == 2
        assert "schema: a schema (one per tenant) is a PostgreSQL feature" in result.err

    def test_a_folder_that_does_not_exist_is_a_user_error(self, cli, tmp_path):
        result = cli("db", "upgrade", "--url", f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}")
        assert result.code == 2
        assert "unable to open database file" in result.err


class TestArguments:
    def test_without_url_or_variable_says_how_to_name_the_database(self, cli, monkeypatch):
        monkeypatch.delenv("B2B_CUSTOMERS_URL", raising=False)
        result = cli("db", "upgrade")
        assert result.code == 2
        assert "say which database: give --url sqlite:///shop.db" in result.err
        assert "or set B2B_CUSTOMERS_URL" in result.err

    def test_url_is_shown_as_optional_with_the_variable_as_default(self, cli, monkeypatch):
        monkeypatch.setenv("B2B_CUSTOMERS_URL", "postgresql+psycopg://u:s3cret@db/shop")
        result = cli("export", "--help")
        assert result.code == 0
        assert "[--url URL]" in " ".join(result.out.split())
        assert "B2B_CUSTOMERS_URL, now postgresql+psycopg://u:***@db/shop" in " ".join(
            result.out.split()
        )
        assert "s3cret" not in result.out

    def test_url_comes_from_the_variable(self, cli, monkeypatch, tmp_path):
        url = f"sqlite:///{tmp_path / 'env.db'}"
        monkeypatch.setenv("B2B_CUSTOMERS_URL", url)
        assert cli("db", "upgrade").code == 0
        assert (tmp_path / "env.db").is_file()

    def test_an_unknown_command_exits_2(self, cli):
        result = cli("frobnicate")
        assert result.code == 2
        assert "invalid choice" in result.err

    def test_help_exits_0(self, cli):
        result = cli("--help")
        assert result.code == 0
        assert "check-order" in result.out


def _postgres_url() -> str:
    url = os.environ.get("B2B_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set B2B_TEST_POSTGRES_URL: PostgreSQL tests may not skip in CI")
        pytest.skip("B2B_TEST_POSTGRES_URL is not set")
    return url


@pytest.mark.postgresql
class TestOnPostgresql:
    def test_creates_a_fresh_schema_and_a_command_can_use_it(self, cli):
        url = _postgres_url()
        schema = f"cli_{uuid.uuid4().hex[:12]}"
        try:
            result = cli("db", "upgrade", "--url", url, "--schema", schema)
            assert result.code == 0, result.err
            assert f"(schema {schema}) is at schema revision {HEAD_REVISION}" in result.out
            assert "b2b:***@" in result.out  # the password is not printed
            result = cli(
                "import", "companies", EXAMPLES / "companies.csv", "--url", url, "--schema", schema
            )
            assert result.code == 0, result.err
        finally:
            engine = sqlalchemy.create_engine(url)
            with engine.begin() as connection:
                connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()

    def test_an_unmigrated_schema_says_to_run_db_upgrade(self, cli):
        url = _postgres_url()
        schema = f"cli_{uuid.uuid4().hex[:12]}"  # never created
        result = cli("export", "--url", url, "--schema", schema)
        assert result.code == 2
        assert f"db upgrade --url {url.replace(':b2b@', ':***@')} --schema {schema}`" in result.err

    def test_an_unreachable_server_is_one_line_and_exit_2(self, cli):
        _postgres_url()
        url = "postgresql+psycopg://b2b:secret@127.0.0.1:1/b2b"
        for argv in (("db", "upgrade"), ("export",)):
            result = cli(*argv, "--url", url)
            assert result.code == 2
            assert "the database failed" in result.err
            assert len(result.err.splitlines()) == 1
            assert "Traceback" not in result.err
            assert "secret" not in result.err
