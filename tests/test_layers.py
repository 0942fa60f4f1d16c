"""The import direction of DESIGN.md: ``plugin -> reports -> scoring -> instruments``, with the
command line (``plugin/cli``) a leaf that nothing else imports. Every import is read from the
source, those inside functions too, so an import made late to start fast cannot run the wrong
way unseen."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("instruments", "scoring", "reports", "plugin")  # each may import only those before it


def imported(path: Path) -> set[str]:
    """The modules ``path`` imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_no_layer_above_it(layer: str) -> None:
    above = LAYERS[LAYERS.index(layer) + 1 :]
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(layer)
        for name in sorted(imported(path))
        if any(within(name, higher) for higher in above)
    ]
    assert not wrong, "\n".join(wrong)


def test_nothing_outside_the_command_line_imports_it() -> None:
    """The product's packages; a benchmark (bench/) may time the command line's own steps."""
    cli = ROOT / "plugin" / "cli"
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for layer in LAYERS
        for path in modules(layer)
        if not path.is_relative_to(cli)
        for name in sorted(imported(path))
        if within(name, "plugin.cli")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_reading_of_imports_sees_late_and_nested_ones(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os\n"
        "def f():\n"
        "    from plugin.cli import main\n"
        "    import reports.render as r\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    found = imported(module)
    assert {"os", "plugin.cli", "plugin.cli.main", "reports.render"} <= found
    assert not any(name.endswith("sibling") for name in found)  # relative: within its package
