"""CSV output: text a spreadsheet would run as a formula is neutralised, numbers are not."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from reports.tables import to_csv


def test_formula_text_is_neutralised_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame(
        {
            "group": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain", "\tTab"],
            "value": [-0.5, 1.0, np.nan, 2.5, -3.0, 4.0],
        }
    )
    rows = list(csv.DictReader(io.StringIO(to_csv(frame))))
    assert [row["group"] for row in rows] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
        "'\tTab",
    ]
    assert [row["value"] for row in rows] == ["-0.5", "1", "", "2.5", "-3", "4"]
