"""The walkthrough at the top of docs/cli.md, run command by command, ends as the page says."""

from __future__ import annotations

import os
import pathlib
import re
import shlex
from typing import TYPE_CHECKING

from b2b_customers.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "cli.md"


def _commands() -> list[list[str]]:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"^```bash\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    assert block is not None, "docs/cli.md has no walkthrough"
    joined = block.group(1).replace("\\\n", " ")
    return [shlex.split(line) for line in joined.splitlines() if line.strip()]


def _documented_decision() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"^```text\n(Approval required.*?)^```", text, re.DOTALL | re.MULTILINE)
    assert block is not None, "docs/cli.md shows no decision"
    return block.group(1).splitlines()


def test_the_walkthrough_reaches_approval_required_from_the_files_alone(
    cli, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(ROOT)  # the page names the example files relative to the repository
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    results = []
    for command in _commands():
        assert command[0] == "b2b-customers"
        argv = [url if item == "sqlite:///shop.db" else item for item in command[1:]]
        argv = [os.fspath(tmp_path / item) if item == "shop.json" else item for item in argv]
        results.append(cli(*argv))
    *setup, decision, export = results
    assert all(result.code == ExitCode.OK for result in setup), [r.err for r in setup]
    assert decision.code == ExitCode.APPROVAL_REQUIRED
    documented = _documented_decision()
    printed = decision.out.splitlines()
    assert printed[:-1] == documented[:-1]  # the last line says when it was decided
    assert printed[-1].startswith("Order total 12,662.50 EUR; decided at ")
    assert export.code == ExitCode.OK
    assert (tmp_path / "shop.json").is_file()
