"""Reading each column once: a column read as codes into distinct texts is the column read as
text, text equality through distinct texts is ``==``, and one FrameLogic evaluating many
expressions over a frame with blanks of every kind agrees with the per-record evaluator."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from instruments.logic import Context, FrameLogic, evaluate, evaluate_frame, parse, truthy_frame
from instruments.logic.vector import column_factors, column_texts
from instruments.logic.vector_values import TextVec

CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.sampled_from(["", "0", "1", " 2 ", "NA", "abc"]),
    st.text(max_size=3),
)
DTYPES = st.sampled_from([None, object, "str", "string"])


@given(cells=st.lists(CELLS, max_size=12), dtype=DTYPES)
def test_column_codes_spell_the_column_texts(cells: list[object], dtype: object) -> None:
    column = pd.Series(cells, dtype=dtype)
    codes, uniques = column_factors(column)
    assert uniques.is_unique
    assert uniques.to_numpy(dtype=object)[codes].tolist() == column_texts(column).tolist()


@given(numbers=st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), max_size=12))
def test_number_column_codes_spell_the_column_texts(numbers: list[float | None]) -> None:
    column = pd.Series(numbers, dtype=np.float64)
    codes, uniques = column_factors(column)
    assert uniques.to_numpy(dtype=object)[codes].tolist() == column_texts(column).tolist()


@given(
    left=st.lists(st.sampled_from(["", "a", "b", "1", "1.0"]), min_size=1, max_size=10),
    data=st.data(),
)
def test_text_equality_through_distinct_texts_is_exact(left: list[str], data) -> None:
    right = data.draw(
        st.lists(st.sampled_from(["", "a", "c", "1"]), min_size=len(left), max_size=len(left))
    )
    first = TextVec(np.array(left, dtype=object))
    second = TextVec(np.array(right, dtype=object))
    expected = [a == b for a, b in zip(left, right, strict=True)]
    assert first.equals(second).tolist() == expected
    assert second.equals(first).tolist() == expected


EXPRESSIONS = [
    "([qi_done] = '2' or [qi_done] = '3') and [barriers(7)] = '1' and [size] >= 5",
    "[qi_done] <> '' and [size] < 12",
    "'5' <= [size] or [size] = 'NA'",
    "[size] = '' or [note] = 'x'",
    "[note] > 'b'",
    "round(mean([a], [b], [size]) * 25 - 25, 1)",
    "sum([a], [size]) / 2 = [b]",
    "if([a] > 2, [note], [size])",
    "[barriers(7)] = 1 and [barriers(8)] <> '1'",
    "[e2][size] = [size] and [e1][qi_done] = '2'",
]
CONTEXT = Context(missing_codes=frozenset({"NA"}), checkbox_fields=frozenset({"barriers"}))


def _frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(16)

    def pick(*cells: object) -> list[object]:
        return [cells[i] for i in rng.integers(0, len(cells), rows)]

    return pd.DataFrame(
        {
            "record_id": [str(i // 2) for i in range(rows)],
            "redcap_event_name": ["e1", "e2"] * (rows // 2),
            "qi_done": pick("1", "2", "3", "", None),
            "barriers___7": pick("0", "1", float("nan")),
            "barriers___8": pick("0", "1"),
            "size": pd.Series(pick("1", "5", "12", "", "NA", None, " 5 "), dtype="str"),
            "note": pd.Series(pick("a", "x", "", "b", "NA", None), dtype=object),
            "a": pick("1", "2", "3", "4", "5", ""),
            "b": pick("1", "2", "3", ""),
        },
        index=rng.permutation(rows) + 10,
    )


def _per_record(text: str, frame: pd.DataFrame) -> list[object]:
    records = frame.to_dict("records")
    by_record: dict[str, dict[str, dict[str, object]]] = {}
    for record in records:
        by_record.setdefault(record["record_id"], {}).setdefault(
            record["redcap_event_name"], record
        )
    return [
        evaluate(text, record, CONTEXT, events=by_record[record["record_id"]]) for record in records
    ]


def test_one_frame_logic_for_many_expressions_agrees_with_per_record_evaluation() -> None:
    frame = _frame(400)
    logic = FrameLogic(frame, CONTEXT)
    for text in EXPRESSIONS:
        shared = logic.evaluate(text)
        alone = evaluate_frame(text, frame, CONTEXT)
        pd.testing.assert_series_equal(shared, alone)
        expected = _per_record(text, frame)
        got = [None if isinstance(v, float) and np.isnan(v) else v for v in shared.tolist()]
        assert got == expected, text
        assert list(shared.index) == list(frame.index)
    assert truthy_frame(logic.evaluate(parse(EXPRESSIONS[0]))).dtype == bool
