"""The instruments qiscan ships as package data (``instruments/definitions/*.json``)."""

from __future__ import annotations

from importlib import resources

from instruments.loader import load_instrument
from instruments.problems import ValidationResult

PACKAGE = "instruments.definitions"


def shipped_names() -> list[str]:
    """The instruments qiscan ships, by name (their file names), sorted."""
    folder = resources.files(PACKAGE)
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def load_shipped(name: str) -> ValidationResult:
    """Load and check a shipped instrument by id; KeyError (with the valid names) if unknown."""
    names = shipped_names()
    if name not in names:
        raise KeyError(f"no shipped instrument '{name}'; choose from: {', '.join(names)}")
    text = resources.files(PACKAGE).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return load_instrument(text, name=f"{name}.json")
