"""Reading an instrument needs neither pandas nor numpy: ``import instruments``, loading a shipped
instrument and ``qiscan instruments list`` start without them (issue 15: the command line starts
fast), while the logic evaluators, which do need them, are still found under their public names."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "pandas")


def heavy_modules_after(code: str) -> list[str]:
    """The heavy libraries in ``sys.modules`` once ``code`` has run in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps(sorted(set({HEAVY!r}) & set(sys.modules))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_loading_a_shipped_instrument_imports_neither_pandas_nor_numpy() -> None:
    code = (
        "import instruments\n"
        "loaded = instruments.load_shipped('provider_scan')\n"
        "assert loaded.ok and loaded.instrument is not None, loaded.problems\n"
    )
    assert heavy_modules_after(code) == []


def test_listing_the_shipped_instruments_imports_neither_pandas_nor_numpy() -> None:
    code = (
        "from click.testing import CliRunner\n"
        "from plugin.cli import main\n"
        "result = CliRunner().invoke(main, ['instruments', 'list', '--json'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'provider_scan' in result.output\n"
    )
    assert heavy_modules_after(code) == []


def test_the_evaluators_are_found_under_their_public_names_when_used() -> None:
    code = (
        "from instruments.logic import Context, evaluate, evaluate_frame, parse, truthy\n"
        "import pandas as pd\n"
        "expr = parse('[a] > 1')\n"
        "assert truthy(evaluate(expr, {'a': '2'}, Context()))\n"
        "assert evaluate_frame(expr, pd.DataFrame({'a': ['2', '0']})).tolist() == [True, False]\n"
    )
    assert heavy_modules_after(code) == list(HEAVY)
