"""The tidy statistics table of simulated scans, equal to the one recorded before the counting
was vectorised: every value, every row, every row's order, exactly.

The golden file holds three runs (column ``run``): the providers' scan overall; by organisation
type with counts below 5 withheld and Holm's adjustment; and the readiness assessment over its
waves with the "NA" code kept as an answer. To record it again (only for an intended change of
the numbers, checked by eye), run this file with the repository on the path:
``PYTHONPATH=. .venv/bin/python tests/scoring/test_statistics_golden.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandas.testing as pdt

from instruments import load_shipped
from plugin.simulate import simulate
from scoring.decode import decode
from scoring.questions import Options
from scoring.statistics import statistics_table
from scoring.tidy import TIDY_COLUMNS
from tests.scoring.redcap_export import export_frame

GOLDEN = Path(__file__).parent.parent / "fixtures" / "golden" / "statistics_tables.csv.gz"
NUMBERS = ["value", "n", "ci_low", "ci_high"]
TEXTS = [column for column in TIDY_COLUMNS if column not in NUMBERS]


def tables() -> pd.DataFrame:
    """The three runs' tidy tables, one after another, each row naming its run."""
    providers = load_shipped("provider_scan").unwrap()
    readiness = load_shipped("practice_readiness").unwrap()
    scan = decode(export_frame(providers, simulate(providers, seed=16, n=60)), providers)
    practices = decode(export_frame(readiness, simulate(readiness, seed=16, n=8)), readiness)
    runs = {
        "providers overall": statistics_table(scan),
        "providers by org_type, withheld below 5, Holm": statistics_table(
            scan, Options(suppress_below=5, adjust="holm"), by="org_type"
        ),
        "readiness waves, NA kept": statistics_table(
            practices, Options(keep_missing=("NA",)), waves=True
        ),
    }
    return pd.concat([table.assign(run=name) for name, table in runs.items()], ignore_index=True)


def read_golden() -> pd.DataFrame:
    return pd.read_csv(
        GOLDEN,
        dtype={column: "str" for column in [*TEXTS, "run"]},
        keep_default_na=False,
        na_values={column: [""] for column in NUMBERS},
    )


def test_the_tidy_tables_equal_the_recorded_ones_exactly() -> None:
    expected = read_golden()
    actual = tables()
    assert len(actual) == len(expected)
    pdt.assert_frame_equal(actual, expected, check_exact=True)


if __name__ == "__main__":
    tables().to_csv(GOLDEN, index=False, compression={"method": "gzip", "mtime": 0})
