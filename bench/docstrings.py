"""Docstring coverage: how many public definitions say what they are, per package.

Run: .venv/bin/python bench/docstrings.py [--missing PACKAGE]
Counts, read from the source with ``ast`` (nothing is imported), the public module-level functions
and classes and the public methods of public classes (a name without a leading underscore; dunder
methods are left out), and how many of them have a docstring. Packages are the four layers, with
``plugin`` split into its subpackages. ``--missing PACKAGE`` lists the undocumented definitions of
one package (e.g. ``instruments`` or ``plugin/localcap``) as ``path:line name``.

Not every definition needs a docstring: one whose name says everything (``field_map``,
``to_csv``) is better without one, so the goal is not 100%.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("instruments", "scoring", "reports", "plugin")
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def public(name: str) -> bool:
    return not name.startswith("_")


def definitions(tree: ast.Module) -> Iterator[tuple[str, Definition]]:
    """The public definitions of a module, each with its dotted name."""
    for node in tree.body:
        if not isinstance(node, Definition) or not public(node.name):
            continue
        yield node.name, node
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and public(
                    member.name
                ):
                    yield f"{node.name}.{member.name}", member


def package_of(path: Path) -> str:
    """The package a module is counted under: a layer, or ``plugin/<subpackage>``."""
    parts = path.relative_to(ROOT).parts
    if parts[0] == "plugin" and len(parts) > 2:
        return f"plugin/{parts[1]}"
    return parts[0]


def survey() -> dict[str, list[tuple[str, int, str, bool]]]:
    """Per package: (path, line, name, has a docstring) for every public definition."""
    found: dict[str, list[tuple[str, int, str, bool]]] = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            rows = found.setdefault(package_of(path), [])
            for name, node in definitions(tree):
                documented = ast.get_docstring(node) is not None
                rows.append((str(path.relative_to(ROOT)), node.lineno, name, documented))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--missing", metavar="PACKAGE", help="list one package's undocumented")
    args = parser.parse_args()
    found = survey()
    if args.missing:
        for path, line, name, documented in found.get(args.missing.rstrip("/"), []):
            if not documented:
                print(f"{path}:{line} {name}")
        return
    print(f"{'package':<22} {'public':>7} {'documented':>11} {'share':>6}")
    total = documented_total = 0
    for package, rows in sorted(found.items()):
        documented = sum(row[3] for row in rows)
        total, documented_total = total + len(rows), documented_total + documented
        share = documented / len(rows) if rows else 1.0
        print(f"{package:<22} {len(rows):>7} {documented:>11} {share:>6.0%}")
    print(f"{'all':<22} {total:>7} {documented_total:>11} {documented_total / total:>6.0%}")


if __name__ == "__main__":
    main()
