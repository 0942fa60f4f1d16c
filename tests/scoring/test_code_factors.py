"""Answers read by their distinct values give what reading every row as text gave.

``frequencies`` and its kin read a decoded choice column by its categories and a missing-code
column by its distinct codes (:func:`scoring.proportions.code_factors`); each answer must still
read as ``str`` of the value, NaN where missing, exactly as row-by-row text conversion did.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.proportions import as_codes, code_factors
from scoring.questions import as_numbers
from scoring.respondents import written

RNG = np.random.default_rng(16)
CODES = np.array(["1", "2", "10", "NA", None], dtype=object)
CASES = {
    "categorical of str codes": pd.Series(
        pd.Categorical(RNG.choice(CODES, 500), categories=["1", "2", "10", "NA", "99"])
    ),
    "categorical of numbers": pd.Series(pd.Categorical(RNG.choice([1.0, 2.5, np.nan], 500))),
    "object, str or None": pd.Series(RNG.choice(CODES, 500), dtype=object),
    "object, mixed types": pd.Series([1, "1", 1.0, True, None, np.nan, "x"] * 20, dtype=object),
    "float": pd.Series(RNG.choice([1.0, 2.0, np.nan], 500)),
    "str dtype": pd.Series(RNG.choice(CODES, 500), dtype="str"),
}


def text_row_by_row(values: pd.Series) -> list[object]:
    """The definition: ``str`` of each present value, NaN for each missing one."""
    return [str(value) if pd.notna(value) else np.nan for value in values.astype(object)]


@pytest.mark.parametrize("name", list(CASES))
def test_codes_read_by_distinct_value_equal_the_row_by_row_text(name: str) -> None:
    values = CASES[name]
    codes = as_codes(values, "answers")
    expected = text_row_by_row(values)
    assert codes.index.equals(values.index) and codes.dtype == object
    assert [c if isinstance(c, str) else "<NaN>" for c in codes] == [
        c if isinstance(c, str) else "<NaN>" for c in expected
    ]
    factors, texts = code_factors(values, "answers")
    assert sorted(set(texts)) == sorted({c for c in expected if isinstance(c, str)})
    assert len(texts) == len(set(texts)) and (factors >= -1).all()


def test_an_empty_text_is_refused_whichever_way_it_is_read() -> None:
    for values in (pd.Series(["1", ""], dtype=object), pd.Series(pd.Categorical(["1", ""]))):
        with pytest.raises(ValueError, match="empty strings; use NaN"):
            code_factors(values, "answers")


def test_choice_codes_read_as_numbers_equal_reading_each_row() -> None:
    values = CASES["categorical of str codes"]
    expected = pd.to_numeric(values.astype("object"), errors="coerce").astype(float)
    pd.testing.assert_series_equal(as_numbers(values), expected, check_exact=True)


def test_written_cells_are_those_with_more_than_white_space() -> None:
    texts = np.array(["", " ", "\t", "a", " b ", None, np.nan, "0"] * 10, dtype=object)
    expected = (pd.Series(texts, dtype=object).astype(str).str.strip() != "").to_numpy(bool)
    assert (written(texts) == expected).all()
    assert written(np.array([], dtype=object)).shape == (0,)
