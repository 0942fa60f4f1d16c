"""Evaluation beyond single values: unknown fields, checkbox fields, cross-event references,
frame result types and indexes, the clock, and how results read as branching logic."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from instruments.logic import (
    CheckboxFieldError,
    Context,
    UnknownFieldError,
    evaluate,
    evaluate_frame,
    parse,
    truthy,
    truthy_frame,
)

RECORD = {"record_id": "1", "age": "40", "cb___1": "1", "cb___2": "0"}
CHECKBOXES = Context(checkbox_fields=frozenset({"cb"}))


@pytest.mark.parametrize(
    ("text", "field", "column"),
    [
        ("[agee] > 18", "agee", "agee"),
        ("if(1, 1, [nope])", "nope", "nope"),
        ("[cb(9)] = '1'", "cb", "cb___9"),
        ("[e1][nope] = 1", "nope", "nope"),
    ],
)
def test_unknown_fields_raise_key_errors(text: str, field: str, column: str) -> None:
    frame = pd.DataFrame([{**RECORD, "redcap_event_name": "e1"}])
    for run in (
        lambda: evaluate(text, RECORD),
        lambda: evaluate_frame(text, frame),
    ):
        with pytest.raises(UnknownFieldError, match=f"unknown field '{field}'") as caught:
            run()
        assert isinstance(caught.value, KeyError)
        assert caught.value.field == field
        assert caught.value.column == column


def test_unknown_field_message_names_the_checkbox_column() -> None:
    with pytest.raises(UnknownFieldError, match=r"'cb' \(column 'cb___9'\)"):
        evaluate("[cb(9)] = '1'", RECORD)


def test_bare_checkbox_field_is_an_error() -> None:
    record = {**RECORD, "cb": "1"}
    with pytest.raises(CheckboxFieldError, match=r"\[cb\] is a checkbox field: .*\[cb\(code\)\]"):
        evaluate("[cb] = '1'", record, CHECKBOXES)
    with pytest.raises(CheckboxFieldError, match=r"\[cb\] is a checkbox field"):
        evaluate_frame("[cb] = '1'", pd.DataFrame([record]), CHECKBOXES)
    assert evaluate("[cb(1)] = '1' and [cb(2)] = '0'", record, CHECKBOXES) is True


def test_checkbox_terms_read_any_nonzero_number_as_checked() -> None:
    frame = pd.DataFrame({"cb___1": ["1", "0", "", "1.0", "x"]})
    expected = ["1", "0", "0", "1", "0"]
    assert evaluate_frame("[cb(1)]", frame).tolist() == expected
    assert [evaluate("[cb(1)]", row) for row in frame.to_dict("records")] == expected


def test_cross_event_reference_per_record() -> None:
    record = {"record_id": "7", "redcap_event_name": "baseline_arm_1", "weight": "70"}
    events = {"month_6_arm_1": {"record_id": "7", "weight": "64.5"}}
    text = "[month_6_arm_1][weight] - [baseline_arm_1][weight]"
    assert evaluate(text, record, events=events) == -5.5
    assert evaluate("[month_12_arm_1][weight]", record, events=events) is None
    assert evaluate("[month_6_arm_1][weight]", record) is None


def test_cross_event_reference_in_frames_never_crosses_records() -> None:
    frame = pd.DataFrame(
        {
            "record_id": ["1", "1", "2", "3", "3", "2"],
            "redcap_event_name": ["base", "m6", "base", "m6", "base", "m6"],
            "weight": ["70", "64", "80", "55", "", "82"],
        },
        index=["a", "b", "c", "d", "e", "f"],
    )
    change = evaluate_frame("[m6][weight] - [base][weight]", frame)
    assert list(change.index) == list(frame.index)
    np.testing.assert_array_equal(change.to_numpy(), [-6.0, -6.0, 2.0, np.nan, np.nan, 2.0])
    baseline = evaluate_frame("[base][weight]", frame)
    assert baseline.tolist() == ["70", "70", "80", None, None, "80"]


def test_cross_event_reference_takes_the_first_row_of_a_repeated_event() -> None:
    frame = pd.DataFrame(
        {
            "record_id": ["1", "1", "1"],
            "redcap_event_name": ["visit", "visit", "base"],
            "score": ["5", "6", "1"],
        }
    )
    # A row of the event reads itself; other rows read the record's first row of that event.
    assert evaluate_frame("[visit][score]", frame).tolist() == ["5", "6", "5"]


def test_cross_event_reference_in_frames_needs_the_key_columns() -> None:
    frame = pd.DataFrame({"record_id": ["1"], "weight": ["70"]})
    with pytest.raises(UnknownFieldError, match="needs column 'redcap_event_name'"):
        evaluate_frame("[m6][weight] > 1", frame)
    keyed = Context(record_id="study_id", event_column="event")
    frame = pd.DataFrame({"study_id": ["1", "1"], "event": ["b", "m6"], "weight": ["1", "2"]})
    assert evaluate_frame("[m6][weight]", frame, keyed).tolist() == ["2", "2"]


@pytest.mark.parametrize(
    ("text", "dtype", "values"),
    [
        ("[age] >= 18", np.dtype(bool), [True, False, False]),
        ("[age] * 2", np.dtype(np.float64), [80.0, 34.0, np.nan]),
        ("[age]", np.dtype(object), ["40", "17", None]),
        ('if([age] >= 18, "adult", [age] + 0)', np.dtype(object), ["adult", 17.0, None]),
    ],
)
def test_frame_result_types(text: str, dtype: np.dtype, values: list[object]) -> None:
    frame = pd.DataFrame({"age": ["40", "17", ""]}, index=[10, 5, 7])
    result = evaluate_frame(parse(text), frame)
    assert result.dtype == dtype
    assert list(result.index) == [10, 5, 7]
    expected = pd.Series(values, index=[10, 5, 7], dtype=dtype)
    pd.testing.assert_series_equal(result, expected)


def test_frames_with_missing_cells_and_numeric_columns() -> None:
    frame = pd.DataFrame({"age": [40, 17, None], "name": ["a", None, np.nan]})
    assert evaluate_frame("[age] >= 18", frame).tolist() == [True, False, False]
    assert evaluate_frame('[name] = ""', frame).tolist() == [False, True, True]
    records = frame.to_dict("records")
    assert [evaluate("[age] >= 18", record) for record in records] == [True, False, False]
    assert [evaluate('[name] = ""', record) for record in records] == [False, True, True]


def test_empty_frame_gives_an_empty_series() -> None:
    frame = pd.DataFrame({"age": pd.Series([], dtype=object)})
    result = evaluate_frame("[age] >= 18", frame)
    assert result.dtype == bool
    assert len(result) == 0


def test_clock_from_context() -> None:
    record = {"d": "2024-06-01"}
    noon = Context(today=datetime.datetime(2024, 6, 1, 12, 0))
    assert evaluate("datediff([d], 'now', 'h')", record, noon) == 12.0
    assert evaluate("datediff([d], 'today', 'h')", record, noon) == 0.0
    assert evaluate("datediff('2000-01-01', 'today', 'd') > 8000", record) is True


def test_missing_codes_blank_in_arithmetic_but_literal_in_comparison() -> None:
    context = Context(missing_codes=frozenset({"-99", "UNK"}))
    record = {"x": "-99", "y": "UNK"}
    assert evaluate("[x] + 1", record, context) is None
    assert evaluate("[x] + 1", record) == -98.0
    assert evaluate("[x] = -99", record, context) is True
    assert evaluate("[y] = 'UNK' and ismissingcode([y])", record, context) is True
    assert evaluate("mean([x], 3)", record, context) == 3.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (None, False),
        (float("nan"), False),
        (0.0, False),
        (-0.0, False),
        (2.5, True),
        ("", False),
        ("0", False),
        (" 0.0 ", False),
        ("1", True),
        ("abc", True),
        ("NA", True),
        (np.float64(0), False),
        (np.True_, True),
    ],
)
def test_truthy(value: object, expected: bool) -> None:
    assert truthy(value) is expected
    series = pd.Series([value], dtype=object)
    assert truthy_frame(series).tolist() == [expected]


def test_truthy_frame_keeps_the_index_and_reads_every_result_type() -> None:
    frame = pd.DataFrame({"a": ["2", "0", "", "x"]}, index=list("wxyz"))
    for text in ("[a]", "[a] * 1", "[a] > 0", 'if([a] = "x", [a], [a] * 1)'):
        result = evaluate_frame(text, frame)
        read = truthy_frame(result)
        assert read.dtype == bool
        assert list(read.index) == list("wxyz")
        assert read.tolist() == [truthy(evaluate(text, row)) for row in frame.to_dict("records")]
    nullable = pd.Series([True, None, False], dtype="boolean")
    assert truthy_frame(nullable).tolist() == [True, False, False]
