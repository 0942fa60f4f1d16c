"""The command line's list of commands: each names a real command, and says of it what its own
help says, though ``qiscan --help`` imports none of them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from plugin.cli import COMMANDS, load_command, main


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_command_is_the_command_with_its_own_help(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.get_short_help_str(limit=200) == COMMANDS[name][2]


def test_qiscan_help_lists_every_command_without_importing_any() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from plugin.cli import COMMANDS, main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "modules = {module for module, _, _ in COMMANDS.values()}\n"
        "heavy = {'pandas', 'scipy', 'flask', 'weasyprint'}\n"
        "print(sorted((modules | heavy) & set(sys.modules)))\n"
        "print(all(name in result.output for name in COMMANDS))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert found[:2] == ["[]", "True"]


def test_a_listed_command_runs() -> None:
    result = CliRunner().invoke(main, ["instruments", "list", "--json"])
    assert result.exit_code == 0 and '"provider_scan"' in result.output
