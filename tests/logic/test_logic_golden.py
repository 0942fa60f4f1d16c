"""Golden values for every operator and every function, per record and over a frame.

Each case is evaluated twice: by ``evaluate`` on the record and by ``evaluate_frame`` on a one-row
frame holding it. Both must give the expected value (``None`` for blank; the frame gives NaN or
None there).
"""

from __future__ import annotations

import datetime
import math

import pandas as pd
import pytest

from instruments.logic import Context, evaluate, evaluate_frame, parse

RECORD = {
    "record_id": "1",
    "redcap_event_name": "baseline_arm_1",
    "n1": "3",
    "n2": "4.5",
    "neg": "-2",
    "zero": "0",
    "blank": "",
    "txt": "Hello World",
    "na": "NA",
    "m99": "-99",
    "sp": " 2 ",
    "dob": "1990-07-15",
    "visit": "2024-06-01 10:30",
    "bad_date": "2023-02-30",
    "cb___1": "1",
    "cb___2": "0",
    "cb___3": "",
    "cb____1": "1",
}
CONTEXT = Context(
    missing_codes=frozenset({"NA", "-99"}),
    checkbox_fields=frozenset({"cb"}),
    today=datetime.date(2024, 6, 1),
)

LITERALS_AND_REFERENCES = [
    ("3", 3.0),
    ("2.5", 2.5),
    (".5", 0.5),
    ("-1", -1.0),
    ('"abc"', "abc"),
    ("'abc'", "abc"),
    ('""', None),
    ("true", True),
    ("FALSE", False),
    ("[n1]", "3"),
    ("[blank]", None),
    ("[txt:value]", "Hello World"),
    ("[cb(1)]", "1"),
    ("[cb(2)]", "0"),
    ("[cb(3)]", "0"),
    ("[cb(-1)]", "1"),
    ("[baseline_arm_1][n1]", "3"),
]

ARITHMETIC = [
    ("[n1] + [n2]", 7.5),
    ("[n1] - 5", -2.0),
    ("[n1] * [n2]", 13.5),
    ("[n2] / [n1]", 1.5),
    ("[n1] / [zero]", None),
    ("(2)^(10)", 1024.0),
    ("[n1] ^ 2", 9.0),
    ("(-8)^(0.5)", None),
    ("(10)^(400)", None),
    ("2^-1", 0.5),
    ("-2^2", -4.0),
    ("2^3^2", 512.0),
    ("[blank] + 1", None),
    ("[txt] + 1", None),
    ("[na] + 1", None),
    ("[m99] + 1", None),
    ("[sp] * 2", 4.0),
    ("1 + 2 * 3", 7.0),
    ("(1 + 2) * 3", 9.0),
    ("10 - 4 - 3", 3.0),
    ("100 / 10 / 5", 2.0),
    ("-[n1]", -3.0),
    ("--[n1]", 3.0),
    ("-[blank]", None),
    ("([n1] > 1) + ([n2] > 9)", 1.0),
]

COMPARISONS = [
    ("[n1] = 3", True),
    ('[n1] = "3"', True),
    ('"1" = "1.0"', True),
    ("[sp] = 2", True),
    ('[blank] = ""', True),
    ("[blank] = ''", True),
    ("[blank] = 0", False),
    ('[na] = "NA"', True),
    ("[m99] = -99", True),
    ('[txt] = "hello world"', False),
    ("[n1] <> 3", False),
    ("[n1] != 4", True),
    ('[blank] <> ""', False),
    ("[n1] < 4", True),
    ("[n1] <= 3", True),
    ("[n1] > [n2]", False),
    ("[n1] >= 3.0", True),
    ("[blank] < 5", False),
    ("[blank] > 5", False),
    ('[blank] >= ""', False),
    ('"abc" < "abd"', True),
    ('"b" > "abc"', True),
    ('[n1] < "a"', True),
    ("10 > 9", True),
    ('"10" > "9"', True),
    ("[na] > 1", True),
    ("([n1] = 3) = 1", True),
]

BOOLEANS = [
    ("[n1] = 3 and [n2] = 4.5", True),
    ("[n1] = 3 AND [n2] = 0", False),
    ("[n1] = 0 or [n2] = 4.5", True),
    ("[n1] = 0 Or [n2] = 0", False),
    ("[n1] = 3 && [zero] = 0", True),
    ("[n1] = 0 || [zero] = 0", True),
    ("not([n1] = 3)", False),
    ("NOT [n1] = 3", False),
    ("!([n1] = 3)", False),
    ("![blank]", True),
    ("not(not([zero]))", False),
    ("[txt] and 1", True),
    ("[zero] or [blank]", False),
    ('"0" or 0', False),
    ("[na] and 1", True),
    ("[n1] = 0 or [n2] = 4.5 and [zero] = 1", False),
    ("([n1] = 0 or [n2] = 4.5) and [zero] = 0", True),
]

FUNCTIONS = [
    ('if([n1] > 2, "big", "small")', "big"),
    ("if([blank], 1, 2)", 2.0),
    ("IF([txt], [n1], 0)", "3"),
    ('if([zero], "a", "")', None),
    ("sum([n1], [n2], [blank])", 7.5),
    ("sum([blank], [txt])", None),
    ("sum([n1], [na], [m99])", 3.0),
    ("SUM(1)", 1.0),
    ("mean([n1], [n2], [blank])", 3.75),
    ("mean([blank])", None),
    ("min([n1], [n2], [neg])", -2.0),
    ("min([blank], [txt])", None),
    ("max([n1], [n2], [neg], [blank])", 4.5),
    ("median(5, 1, 3)", 3.0),
    ("median(4, 1, 3, 2)", 2.5),
    ("median([blank], 7)", 7.0),
    ("median([blank])", None),
    # R: sd(c(2, 4, 4, 4, 5, 5, 7, 9))
    ("stdev(2, 4, 4, 4, 5, 5, 7, 9)", pytest.approx(2.138089935299395)),
    # R: sd(c(3, 4.5))
    ("stdev([n1], [blank], [n2])", pytest.approx(1.0606601717798212)),
    ("stdev(5)", None),
    ("round(2.5)", 3.0),
    ("round(-2.5)", -3.0),
    ("round(22.45, 1)", 22.5),
    ("round(1.005, 2)", 1.01),
    ("round(1234.5678, 2)", 1234.57),
    ("round(1234, -2)", 1200.0),
    ("round([n2])", 5.0),
    ("round(-0.4)", 0.0),
    ("round(2.5, 1.9)", 2.5),
    ("round([blank], 1)", None),
    ("round(1, [blank])", None),
    ("roundup(1.1)", 2.0),
    ("roundup(1.21, 1)", 1.3),
    ("roundup(1.1, 1)", 1.1),
    ("roundup(-1.5)", -1.0),
    ("rounddown(1.9)", 1.0),
    ("rounddown(1.29, 1)", 1.2),
    ("rounddown(-1.5)", -2.0),
    ("rounddown(33.99)", 33.0),
    ("abs([neg])", 2.0),
    ("abs([blank])", None),
    ("sqrt(16)", 4.0),
    ("sqrt(-1)", None),
    ("exponential(0)", 1.0),
    ("exponential(1)", pytest.approx(math.e)),
    ("log(1)", 0.0),
    ("log(100, 10)", pytest.approx(2.0)),
    ("log(8, 2)", pytest.approx(3.0)),
    ("log(0)", None),
    ("log(5, 1)", None),
    ("mod(10, 3)", 1.0),
    ("mod(-10, 3)", -1.0),
    ("mod(5.5, 2)", 1.5),
    ("mod(1, 0)", None),
    ("datediff('2024-01-01', '2024-01-31', 'd')", 30.0),
    ("datediff('2024-01-31', '2024-01-01', 'd')", 30.0),
    ("datediff('2024-01-31', '2024-01-01', 'd', true)", -30.0),
    ("datediff('2024-01-31', '2024-01-01', 'd', 'true')", -30.0),
    ("datediff('2024-01-31', '2024-01-01', 'd', false)", 30.0),
    ("datediff('2024-01-31', '2024-01-01', 'd', 'ymd', true)", -30.0),
    ("datediff('2024-01-31', '2024-01-01', 'd', 'dmy')", 30.0),
    ("datediff('2024-01-01', '2024-01-02', 'h')", 24.0),
    ("datediff('2024-01-01 10:00', '2024-01-01 10:30', 'm')", 30.0),
    ("datediff('2024-01-01 10:00:00', '2024-01-01 10:00:45', 's')", 45.0),
    ("datediff('2024-01-01', '2024-01-31', 'M')", pytest.approx(30 / 30.44)),
    ("datediff('2023-06-01', 'today', 'y')", pytest.approx(366 / 365.2425)),
    ("rounddown(datediff([dob], 'today', 'y'))", 33.0),
    ("datediff([visit], 'now', 'm')", 630.0),
    ("datediff([blank], 'today', 'd')", None),
    ("datediff([bad_date], 'today', 'd')", None),
    ("datediff('2024-01-01', '2024-01-02', 'w')", None),
    ("isnumber([n2])", True),
    ("isnumber([txt])", False),
    ("isnumber([blank])", False),
    ("isnumber([sp])", True),
    ('isnumber("1e3")', True),
    ("isinteger([n1])", True),
    ("isinteger([n2])", False),
    ('isinteger("2.0")', True),
    ("isinteger([txt])", False),
    ("year([dob])", 1990.0),
    ("month([dob])", 7.0),
    ("day([visit])", 1.0),
    ("year('today')", 2024.0),
    ("year([blank])", None),
    ("month([bad_date])", None),
    ('contains([txt], "WORLD")', True),
    ('contains([txt], "xyz")', False),
    ('not_contain([txt], "world")', False),
    ('not_contain([txt], "xyz")', True),
    ('starts_with([txt], "hello")', True),
    ('starts_with([txt], "world")', False),
    ('ends_with([txt], "WORLD")', True),
    ('ends_with([txt], "hello")', False),
    ("left([txt], 5)", "Hello"),
    ("left([txt], 0)", None),
    ("left([txt], 100)", "Hello World"),
    ("left([txt], [blank])", None),
    ("right([txt], 5)", "World"),
    ("right([txt], -1)", None),
    ("right([txt], 100)", "Hello World"),
    ("length([txt])", 11.0),
    ("length([blank])", 0.0),
    ("length(12.50)", 4.0),
    ("mid([txt], 7, 3)", "Wor"),
    ("mid([txt], 0, 2)", "He"),
    ("mid([txt], 10, 10)", "ld"),
    ("mid([txt], 2, [blank])", None),
    ('find("world", [txt])', 7.0),
    ('find("xyz", [txt])', 0.0),
    ('concat([n1], "-", [txt])', "3-Hello World"),
    ("concat([blank])", None),
    ("concat(1.50, true)", "1.51"),
    ('concat_ws(", ", [n1], [blank], [n2])', "3, 4.5"),
    ('concat_ws("-", [blank])', None),
    ("upper([txt])", "HELLO WORLD"),
    ("lower([txt])", "hello world"),
    ('trim("  a b  ")', "a b"),
    ("trim([sp])", "2"),
    ('replace_text([txt], "o", "0")', "Hell0 W0rld"),
    ('replace_text([txt], "O", "0")', "Hello World"),
    ('replace_text([txt], "", "x")', "Hello World"),
    ("isblankormissingcode([blank])", True),
    ("isblankormissingcode([na])", True),
    ("isblankormissingcode([n1])", False),
    ("isblanknotmissingcode([blank])", True),
    ("isblanknotmissingcode([na])", False),
    ("isblanknotmissingcode([n1])", False),
    ("ismissingcode([m99])", True),
    ("ismissingcode([blank])", False),
    ("ismissingcode([n1])", False),
]

CASES = LITERALS_AND_REFERENCES + ARITHMETIC + COMPARISONS + BOOLEANS + FUNCTIONS


def _frame_value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _assert_value(actual: object, expected: object) -> None:
    if expected is None or isinstance(expected, bool):
        assert actual is expected
    else:
        assert actual == expected
        assert type(actual) is type(expected) or not isinstance(expected, str | float)


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_scalar_golden(text: str, expected: object) -> None:
    _assert_value(evaluate(parse(text), RECORD, CONTEXT), expected)


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_frame_golden(text: str, expected: object) -> None:
    frame = pd.DataFrame([RECORD], index=["only"])
    result = evaluate_frame(parse(text), frame, CONTEXT)
    assert list(result.index) == ["only"]
    _assert_value(_frame_value(result.iloc[0]), expected)


def test_every_function_has_a_golden_case() -> None:
    from instruments.logic import FUNCTIONS as CATALOGUE

    covered = set().union(*(parse(text).functions() for text, _ in CASES))
    assert covered == set(CATALOGUE)


def test_every_operator_has_a_golden_case() -> None:
    spellings = ["+", "-", "*", "/", "^", "=", "<>", "!=", "<", "<=", ">", ">="]
    spellings += [" and ", " or ", "&&", "||", "not", "!"]
    texts = " ".join(text.lower() for text, _ in CASES)
    assert all(spelling in texts for spelling in spellings)
