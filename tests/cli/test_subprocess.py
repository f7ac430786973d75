"""``python -m b2b_customers`` end to end in a real process: statuses and no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import EXAMPLES


def b2b(*argv: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own command line)
        [sys.executable, "-m", "b2b_customers", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow  # three programs started: ~4 s
def test_upgrade_import_and_check_an_order(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert b2b("db", "upgrade", "--url", url).returncode == 0
    for kind in ("companies", "customers", "contacts"):
        done = b2b("import", kind, EXAMPLES / f"{kind}.csv", "--url", url)
        assert done.returncode == 0, done.stderr
    checked = b2b(
        "check-order", "--url", url, "--company", "acme", "--buyer", "anna", "--line", "X:1:9.99"
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("Allowed: 9.99 EUR")


def test_a_user_error_is_one_line_without_a_traceback(tmp_path):
    failed = b2b("export", "--url", f"sqlite:///{tmp_path / 'missing.db'}")
    assert failed.returncode == 2
    assert failed.stderr.startswith("b2b-customers: error: there is no database file at")
    assert len(failed.stderr.splitlines()) == 1
    assert failed.stdout == ""


@pytest.mark.slow  # a program started and piped: ~4 s
def test_a_reader_that_goes_away_ends_the_export_quietly(tmp_path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert b2b("db", "upgrade", "--url", url).returncode == 0
    for kind in ("companies", "customers"):
        assert b2b("import", kind, EXAMPLES / f"{kind}.csv", "--url", url).returncode == 0
    process = subprocess.Popen(  # noqa: S603  (our own command line)
        [sys.executable, "-m", "b2b_customers", "export", "--url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # as `| head` does once it has read its lines
    status = process.wait(timeout=120)
    error = process.stderr.read().decode()
    process.stderr.close()
    assert status == 141
    assert error == ""
