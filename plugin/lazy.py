"""Package names imported on first use, so that importing one light module of a package (the
snapshot store, localcap's admin client, an error class) does not load the heavy ones beside it
(Flask apps, PyCap, the PDF engine): ``qiscan stats`` and ``qiscan --help`` start in a fraction of
the time."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) for ``package`` that imports each name of ``homes``
    (name -> the module that defines it) when it is first asked for."""

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        return getattr(importlib.import_module(home), name)

    return attribute
