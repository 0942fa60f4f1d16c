"""Cronbach's alpha, the Feldt interval and item analysis against published values and plain
formulas written out here (never against this module's own output)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import f as f_dist

from instruments import load_instrument
from scoring.reliability import cronbach_alpha, feldt_interval, item_total

ATTITUDE = Path(__file__).parent.parent / "fixtures" / "attitude.csv"
# Shrout & Fleiss (1979), Psychol Bull 86:420-428, Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = pd.DataFrame(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    columns=["j1", "j2", "j3", "j4"],
    dtype=float,
)


@pytest.fixture(scope="module")
def attitude() -> pd.DataFrame:
    return pd.read_csv(ATTITUDE).astype(float)


def plain_alpha(frame: pd.DataFrame) -> float:
    """alpha = k/(k-1) (1 - sum of item variances / variance of the total score)."""
    k = frame.shape[1]
    item_variances = sum(float(np.var(frame[c].to_numpy(), ddof=1)) for c in frame.columns)
    total_variance = float(np.var(frame.sum(axis=1).to_numpy(), ddof=1))
    return k / (k - 1) * (1 - item_variances / total_variance)


def test_the_typed_attitude_data_matches_r_summary(attitude: pd.DataFrame) -> None:
    # R: summary(attitude) (Mean row) and sapply(attitude, quantile) (type 7 = numpy "linear").
    assert attitude.shape == (30, 7)
    means = {"rating": 64.63, "complaints": 66.6, "privileges": 53.13, "learning": 56.37}
    means |= {"raises": 64.63, "critical": 74.77, "advance": 42.93}
    for column, mean in means.items():
        assert attitude[column].mean() == pytest.approx(mean, abs=0.005), column
    assert attitude["rating"].mean() == pytest.approx(64.63333, abs=1e-5)
    first_quartile = [58.75, 58.5, 45.0, 47.0, 58.25, 69.25, 35.0]
    third_quartile = [71.75, 77.0, 62.5, 66.75, 71.0, 80.0, 47.75]
    q = np.percentile(attitude.to_numpy(), [25, 75], axis=0, method="linear")
    np.testing.assert_allclose(q[0], first_quartile)
    np.testing.assert_allclose(q[1], third_quartile)
    assert attitude.min().tolist() == [40, 37, 30, 34, 43, 49, 25]
    assert attitude.max().tolist() == [85, 90, 83, 75, 88, 92, 72]


def test_alpha_of_attitude_matches_psych(attitude: pd.DataFrame) -> None:
    # R: psych::alpha(attitude)$total prints raw_alpha 0.8431, std.alpha 0.8391 (no missing data).
    result = cronbach_alpha(attitude)
    assert result.value == pytest.approx(0.8431, abs=5e-5)
    assert result.standardized == pytest.approx(0.8391, abs=5e-5)
    assert (result.n, result.n_rows, result.n_items) == (30, 30, 7)
    assert result.missing == "listwise"
    assert "listwise" in result.method
    assert result.note == ""


def test_judges_as_items_give_icc_c_k() -> None:
    # Shrout & Fleiss (1979) Table 4: ICC(3,4) = .91; alpha equals ICC(C,k) (McGraw & Wong
    # 1996), 0.9093 to four places (measurement-notes 2.4).
    result = cronbach_alpha(SHROUT_FLEISS)
    assert result.value == pytest.approx(0.9093, abs=5e-5)
    assert result.value == pytest.approx(plain_alpha(SHROUT_FLEISS), rel=1e-12)


def test_feldt_interval_matches_published_r_output() -> None:
    # R: feldt1.return(0.913, 873, 20, 0.95, 0) (Chris Evans, MRC CBU statswiki "cafun")
    # prints 0.9044024 and 0.9211588.
    interval = feldt_interval(0.913, 873, 20, 0.95)
    assert interval.low == pytest.approx(0.9044024, abs=5e-8)
    assert interval.high == pytest.approx(0.9211588, abs=5e-8)
    assert interval.method == "feldt"


def test_alpha_interval_is_feldts_formula(attitude: pd.DataFrame) -> None:
    # Feldt, Woodruff & Salih (1987) p. 95 formulas 6-7, with scipy's F quantiles written out.
    result = cronbach_alpha(attitude, confidence=0.90)
    n, k = 30, 7
    low = 1 - (1 - result.value) * f_dist.ppf(0.95, n - 1, (n - 1) * (k - 1))
    high = 1 - (1 - result.value) * f_dist.ppf(0.05, n - 1, (n - 1) * (k - 1))
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert result.ci_low < result.value < result.ci_high
    assert result.confidence == 0.90


def test_item_total_statistics_match_a_plain_loop(attitude: pd.DataFrame) -> None:
    analysis = item_total(attitude)
    table = analysis.frame()
    for item in attitude.columns:
        rest = attitude.drop(columns=item)
        r = np.corrcoef(attitude[item].to_numpy(), rest.sum(axis=1).to_numpy())[0, 1]
        assert table.loc[item, "r_drop"] == pytest.approx(r, rel=1e-10), item
        assert table.loc[item, "alpha_if_deleted"] == pytest.approx(plain_alpha(rest), rel=1e-10)
        assert table.loc[item, "mean"] == pytest.approx(attitude[item].mean())
        assert table.loc[item, "sd"] == pytest.approx(attitude[item].std(ddof=1))
    assert analysis.alpha.value == pytest.approx(plain_alpha(attitude), rel=1e-12)


def test_listwise_uses_complete_rows_only(attitude: pd.DataFrame) -> None:
    holes = attitude.copy()
    holes.iloc[0, 0] = np.nan
    holes.iloc[3, 2] = np.nan
    holes.iloc[3, 4] = np.nan
    result = cronbach_alpha(holes, missing="listwise")
    complete = holes.dropna()
    assert (result.n, result.n_rows) == (28, 30)
    assert result.value == pytest.approx(plain_alpha(complete), rel=1e-12)
    assert result.value != pytest.approx(plain_alpha(attitude), rel=1e-6)


def test_pairwise_uses_every_covariance_pandas_computes(attitude: pd.DataFrame) -> None:
    holes = attitude.copy()
    holes.iloc[0, 0] = np.nan
    holes.iloc[3, 2] = np.nan
    holes.iloc[5, 2] = np.nan
    result = cronbach_alpha(holes, missing="pairwise")
    # R: cov(x, use = "pairwise.complete.obs") == pandas DataFrame.cov (pairwise, pair means).
    cov = holes.cov().to_numpy()
    k = cov.shape[0]
    expected = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    assert result.value == pytest.approx(expected, rel=1e-10)
    smallest = min(
        int((holes[a].notna() & holes[b].notna()).sum())
        for a in holes.columns
        for b in holes.columns
        if a != b
    )
    assert result.n == smallest == 27
    assert result.missing == "pairwise"
    assert result.value != pytest.approx(cronbach_alpha(holes).value, rel=1e-6)


def test_pairwise_equals_listwise_without_missing_data(attitude: pd.DataFrame) -> None:
    pairwise = cronbach_alpha(attitude, missing="pairwise")
    listwise = cronbach_alpha(attitude, missing="listwise")
    assert pairwise.value == pytest.approx(listwise.value, rel=1e-12)
    assert pairwise.n == listwise.n == 30


def _scale_instrument(reverse: list[str]) -> Any:
    likert = [{"code": str(i), "label": str(i)} for i in range(1, 6)]
    fields: list[dict[str, Any]] = [
        {"name": "record_id", "form": "f", "type": "text", "label": "ID"}
    ]
    fields += [
        {"name": name, "form": "f", "type": "radio", "label": name, "choices": likert}
        for name in ("a", "b", "c")
    ]
    data = {
        "id": "rel",
        "version": "1.0.0",
        "title": "Reliability test",
        "kind": "survey",
        "respondent": "anyone",
        "source": {"citation": "Written for the tests."},
        "record_id": "record_id",
        "forms": [{"name": "f", "label": "F"}],
        "fields": fields,
        "scales": [{"name": "s", "label": "S", "items": ["a", "b", "c"], "reverse": reverse}],
    }
    return load_instrument(data, name="rel.json").unwrap()


def test_reverse_keyed_items_are_flipped_before_alpha() -> None:
    items = pd.DataFrame(
        {
            "a": [1, 2, 3, 4, 5, 4, 2],
            "b": [2, 2, 3, 5, 5, 4, 1],
            "c": [5, 4, 3, 2, 1, 1, 4],  # worded the other way
            "other": [9, 9, 9, 9, 9, 9, 9],
        },
        dtype=float,
    )
    inst = _scale_instrument(["c"])
    keyed = cronbach_alpha(items, inst.scales[0], instrument=inst)
    flipped = items[["a", "b"]].assign(c=6 - items["c"])  # 1..5 reversed by hand: (1 + 5) - x
    assert keyed.value == pytest.approx(plain_alpha(flipped), rel=1e-12)
    assert keyed.value > 0.8
    assert cronbach_alpha(items[["a", "b", "c"]]).value < 0  # unkeyed: the items cancel
    analysis = item_total(items, inst.scales[0], instrument=inst)
    assert [line.item for line in analysis.items] == ["a", "b", "c"]


def test_one_item_gives_nan_with_a_reason(attitude: pd.DataFrame) -> None:
    result = cronbach_alpha(attitude[["rating"]])
    assert np.isnan(result.value) and np.isnan(result.ci_low)
    assert result.note == "alpha needs at least 2 items; got 1"
    line = item_total(attitude[["rating"]]).items[0]
    assert np.isnan(line.r_drop) and "no rest score" in line.note


def test_too_few_respondents_give_nan_with_a_reason(attitude: pd.DataFrame) -> None:
    result = cronbach_alpha(attitude.head(1))
    assert np.isnan(result.value)
    assert result.note == "1 complete respondent(s) (listwise); alpha needs at least 2"
    sparse = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, 2.0, 2.0], "c": [1, 2, 3.0]})
    pairwise = cronbach_alpha(sparse, missing="pairwise")
    assert np.isnan(pairwise.value) and pairwise.n == 1
    assert "'a' and 'b' share 1 respondent(s)" in pairwise.note


def test_zero_variance_is_reported_not_warned() -> None:
    constant_item = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 3, 3, 5], "c": [3.0] * 4})
    result = cronbach_alpha(constant_item)
    assert result.value == pytest.approx(plain_alpha(constant_item), rel=1e-12)
    assert np.isnan(result.standardized)
    assert "zero variance" in result.note
    flat = pd.DataFrame({"a": [2.0] * 5, "b": [3.0] * 5})
    assert np.isnan(cronbach_alpha(flat).value)
    assert cronbach_alpha(flat).note == "the total score has zero variance"


def test_all_missing_rows_are_dropped_under_both_policies(attitude: pd.DataFrame) -> None:
    padded = pd.concat([attitude, pd.DataFrame(np.nan, index=[90, 91], columns=attitude.columns)])
    for policy in ("listwise", "pairwise"):
        result = cronbach_alpha(padded, missing=policy)
        assert result.value == pytest.approx(0.8431, abs=5e-5)
        assert (result.n, result.n_rows) == (30, 32)


def test_misuse_raises_clear_errors(attitude: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="missing='everything' is not a policy"):
        cronbach_alpha(attitude, missing="everything")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence=1.5 must lie strictly between 0 and 1"):
        cronbach_alpha(attitude, confidence=1.5)
    with pytest.raises(ValueError, match="must be numeric"):
        cronbach_alpha(attitude.assign(rating="high"))


likert_frames = arrays(
    np.float64,
    st.tuples(st.integers(3, 25), st.integers(2, 6)),
    elements=st.integers(1, 5).map(float),
)


@settings(max_examples=80, deadline=None)
@given(likert_frames)
@example(np.array([[1.0, 2.0], [3.0, 1.0], [1.0, 2.0]]))  # r = -1 up to rounding
@example(np.array([[1.0, 3, 4, 5], [1, 2, 5, 5], [1, 2, 5, 5]]))  # total variance ~5.6e-17
def test_alpha_is_the_variance_formula_and_standardised_is_alpha_of_z_scores(
    values: np.ndarray,
) -> None:
    frame = pd.DataFrame(values, columns=[f"i{j}" for j in range(values.shape[1])])
    result = cronbach_alpha(frame)
    sd = frame.std(ddof=1)
    if frame.sum(axis=1).var(ddof=1) == 0:
        assert np.isnan(result.value)
        return
    if (sd == 0).any():
        assert np.isnan(result.standardized) and "zero variance" in result.note
        return
    assert result.value == pytest.approx(plain_alpha(frame), rel=1e-9, abs=1e-9)
    # Standardised alpha is the alpha of the z-scored items (psych::alpha std.alpha).
    z = (frame - frame.mean()) / sd
    if z.sum(axis=1).var(ddof=1) < 1e-12:  # mean r = -1/(k-1): 1 + (k-1) r = 0
        assert np.isnan(result.standardized)
        return
    assert result.standardized == pytest.approx(plain_alpha(z), rel=1e-9, abs=1e-9)
    low, high = result.ci_low, result.ci_high
    assert low <= result.value <= high
