"""qiscan reaches REDCap through its client wrapper only: nothing calls PyCap's private methods,
whose names and payloads change between PyCap releases without notice."""

from __future__ import annotations

import re
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "plugin"
PRIVATE_PYCAP = re.compile(r"\.project\._[a-z]|\bcall\(\s*[\"']_")


def test_no_module_calls_a_private_pycap_method():
    found = [
        f"{path.relative_to(PLUGIN)}:{number}: {line.strip()}"
        for path in sorted(PLUGIN.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PRIVATE_PYCAP.search(line)
    ]
    assert found == []
