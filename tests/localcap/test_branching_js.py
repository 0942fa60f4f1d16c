"""Branching logic in the respondent's browser agrees with the server.

Debian's headless Chromium runs ``plugin/localcap/static/branching.js`` on the trees
``plugin/localcap/logic_js.py`` compiles, and every answer is compared with the Python evaluator
(``instruments.logic``) and with what the survey page decides (``survey_checks``): every branching
expression of every shipped instrument over generated answer sets, a table of awkward expressions
over generated rows, and a page served under the survey pages' Content-Security-Policy where
clicking answers shows and hides questions. Deliberately broken copies of the script must
disagree, so the table covers each rule it claims to check. Skipped where Chromium is missing;
in CI it must run.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.datastructures import MultiDict

from instruments.dictionary.columns import API_COLUMNS
from instruments.dictionary.compile import compile_dictionary
from instruments.logic import FUNCTIONS, Context, UnknownFieldError, evaluate, parse
from instruments.logic.values import Value, format_number
from instruments.naming import checkbox_column
from instruments.shipped import load_shipped, shipped_names
from plugin.localcap.logic_js import (
    UNSUPPORTED_FUNCTIONS,
    compile_logic,
    page_context,
    page_logic,
    referenced_values,
    script_json,
)
from plugin.localcap.project import Field, Form, Project
from plugin.localcap.record_filters import logic_context
from plugin.localcap.survey_answers import normalised
from plugin.localcap.survey_steps import collected
from plugin.localcap.survey_store import flat_row
from plugin.localcap.survey_view import showing, survey_fields
from tests.service.test_browser import headless_chromium

VALIDATION = "text_validation_type_or_show_slider_number"
SCRIPT = Path(__file__).parents[2] / "plugin" / "localcap" / "static" / "branching.js"
SOURCE = SCRIPT.read_text(encoding="utf-8")
NOW = datetime.datetime(2024, 3, 1, 10, 30, 15)
MISSING = "NA, Not applicable | UNK, Unknown | -99, Refused"
POLICY = "default-src 'none'; script-src 'self'; form-action 'self'"

# Runs a batch in the page: arguments[0] is a list of trees, arguments[1] of value rows,
# arguments[2] the context, arguments[3] the [tree, row] pairs to evaluate.
EVALUATE_BATCH = """
const [trees, rows, context, pairs] = arguments;
const L = window.qiscanLogic;
return pairs.map(([t, r]) => {
  try {
    const v = L.evaluate(trees[t], Object.assign({}, rows[r]), context);
    if (v === null) return ["blank"];
    if (typeof v === "boolean") return ["bool", v];
    if (typeof v === "string") return ["text", v];
    return ["number", L.formatNumber(v)];
  } catch (e) {
    return ["error"];
  }
});
"""
SHOWN_BATCH = """
const [block, rows] = arguments;
return rows.map(row => window.qiscanLogic.shownFields(block, row));
"""


def describe(value: Value) -> list[Any]:
    if value is None:
        return ["blank"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, str):
        return ["text", value]
    return ["number", format_number(value)]


def python_answer(logic: str, row: dict[str, str], context: Context) -> list[Any]:
    try:
        return describe(evaluate(parse(logic), row, context))
    except UnknownFieldError:
        return ["error"]


def project_of(rows: list[dict[str, str]]) -> Project:
    """A localcap project holding the dictionary ``rows`` (one form per form_name)."""
    fields = [
        Field(row["field_name"], row["form_name"], row["field_type"], row["field_label"], row)
        for row in rows
    ]
    forms = [Form(name, name) for name in dict.fromkeys(row["form_name"] for row in rows)]
    return Project(
        project_id=1,
        title="branching",
        creation_time="",
        production_time="",
        in_production=False,
        settings={"missing_data_codes": MISSING},
        fields=fields,
        forms=forms,
        arms=[],
        events=[],
        mappings={},
        repeating={},
        surveys={},
    )


def row_of(name: str, field_type: str, **more: str) -> dict[str, str]:
    row = dict.fromkeys(API_COLUMNS, "")
    row.update(field_name=name, form_name="f", field_type=field_type, field_label=name, **more)
    return row


TABLE_PROJECT = project_of(
    [
        row_of("record_id", "text"),
        *(row_of(name, "text") for name in ("a", "b", "t", "d", "e")),
        row_of("c", "radio", select_choices_or_calculations="1, One | 2, Two | 3, Three"),
        row_of("cb", "checkbox", select_choices_or_calculations="1, A | 2, B | 3, C | -1, None"),
    ]
)

# Each rule of the value model, and each supported function, appears at least once.
TRICKY = [
    # blank, '' and "", numbers against text
    "[a] = ''",
    '[a] = ""',
    "[a] = 0",
    "[a] <> 0",
    "[a] = '0'",
    "[a] = 1.0",
    "[a] = '1.0'",
    "[a] > '9'",
    "[a] > 9",
    "[a] >= ''",
    "[a] < 'b'",
    "[a] < [b]",
    "[a] <= [b]",
    "[a] > [b]",
    "[a] >= [b]",
    "[a] = [b]",
    "[a] <> [b]",
    "[t] > [a]",
    "[t] < 'z'",
    "[t] > '\uff5e'",
    "[a] = 'NA'",
    "[a] = true",
    "true = 1",
    "([a] = [b]) = '1'",
    "[a] = -1",
    # arithmetic with blanks, missing codes, text and division by zero
    "[a] + [b]",
    "[a] - [b]",
    "[a] * [b]",
    "[a] / [b]",
    "[a] + [b] > 3",
    "[a] / 0",
    "-[a]",
    "-[a] = 0",
    "([a] + 1) * 2 = 4",
    "[a] + 'x'",
    "[a] + true",
    "[a] * 10000000000000000",
    # and, or, not
    "[a] = '1' and [b] = '2'",
    "[a] = '1' or [b] = '2'",
    "not [a] = '1'",
    "not([a])",
    "[a] and [b]",
    "[a] or [b]",
    "!([a] > 2) && [b] <> ''",
    "[t] || [a]",
    "[t]",
    # checkboxes, unknown fields, events
    "[cb(1)] = '1'",
    "[cb(2)] = 1",
    "[cb(-1)] = '1'",
    "[cb(2)] = '0'",
    "[cb(1)] + [cb(2)] + [cb(3)] >= 2",
    "[cb] = '1'",
    "[nope] = 1",
    "[cb(9)] = '1'",
    "[event_1_arm_1][a] = '1'",
    "[other_arm_1][a] = ''",
    "[c] = '2' or [c] = '3'",
    # if, nested
    "if([c] = '1', 'x', 'y') = 'x'",
    "if([a] > 5, if([b] > 5, 2, 1), 0)",
    "if([a], [b], [c])",
    "if([a] = '', 'blank', [a])",
    # numeric functions
    "sum([a], [b], [c])",
    "sum([a], [b]) = 0",
    "mean([a], [b])",
    "min([a], [b], [c])",
    "max([a], [b])",
    "min(-[a], 0)",
    "median([a], [b], [c])",
    "median([a], [b])",
    "stdev([a], [b], [c])",
    "round([a] / 3, 2)",
    "round([a], [b])",
    "round([a], -1)",
    "round(-[a] / 4)",
    "roundup([a] / 7, 1)",
    "rounddown([a] / 7, [b])",
    "round(22.45, 1)",
    "round(123456789012344.5)",
    "round([a], 2)",
    "round([a] * 1.005, 2)",
    "abs([a])",
    "sqrt([a])",
    "mod([a], [b])",
    "isnumber([a])",
    "isinteger([a])",
    # missing codes
    "isblankormissingcode([a])",
    "isblanknotmissingcode([a])",
    "ismissingcode([a])",
    "ismissingcode([a] + 0)",
    # text functions
    "contains([t], 'clin')",
    "not_contain([t], [a])",
    "starts_with([t], 'a')",
    "ends_with([t], [a])",
    "left([t], 2)",
    "right([t], [a])",
    "mid([t], [a], 2)",
    "mid([t], [a], [b])",
    "length([t])",
    "find('b', [t])",
    "find([a], [t])",
    "concat([a], '-', [b])",
    "concat([a] / 3)",
    "concat(0.00001 * [a])",
    "concat(-0)",
    "concat(-[a] * 0)",
    "concat_ws(',', [a], [b], [t])",
    "upper([t])",
    "lower([t])",
    "trim([t])",
    "replace_text([t], 'a', 'o')",
    "replace_text([t], [a], '')",
    # dates
    "datediff([d], [e], 'd')",
    "datediff([d], [e], 'y', true)",
    "datediff([d], 'today', 'M')",
    "datediff([d], 'now', 'm', 'ymd', 'true')",
    "datediff([d], [e], 'h', 'false')",
    "datediff([d], [e], [t])",
    "datediff([d], [e], 's', [a])",
    "year([d])",
    "month([e])",
    "day('today')",
    "year('NOW') + month([d])",
]

NUMBERS = ["", "0", "1", "2", "3", "10", "9", "1.0", "-1", " 3 ", "-2.5", ".5", "1.", "007"]
NUMBERS += [
    "1e3",
    "2.675",
    "1.125",
    "123456789012344.5",
    "999.9999999999999",
    "0.9999999999999999",
    "123456.789",
    "1e-7",
]
OTHERS = ["abc", "b", "NA", "-99", "UNK", "ä", "\U0001f600", "\uff5e", "true", "x y", "0x10"]
TEXTS = [
    "",
    "Clinic",
    "abc",
    " a b ",
    "ÄBC",
    "x\U0001f600y",
    "\U0001f600",
    "\uff5e",
    "NA",
    "10",
    "\tpad\x0b",
    "d",
    "y",
]
DATES = ["", "2024-02-29", "2023-02-30", "2024-1-5 7:05", "2024-03-01 12:00:00", "today"]
DATES += [" Today ", "\x1ctoday\u3000", "2024-02-29 23:59:59", "2024-02-29 24:00"]
DATES += ["2024-03-01T10:30", " 2020-01-01 ", "NA", "0000-01-01", "2024-13-01", "now", "1999-12-31"]
EVENTS = [None, "", "event_1_arm_1", "other_arm_1"]


def table_row(rng: random.Random) -> dict[str, str]:
    def number() -> str:
        pool = NUMBERS if rng.random() < 0.75 else OTHERS
        return rng.choice(pool)

    row = {
        "record_id": "1",
        "a": number(),
        "b": number(),
        "t": rng.choice(TEXTS + NUMBERS[:6]),
        "d": rng.choice(DATES),
        "e": rng.choice(DATES),
        "c": rng.choice(["", "1", "2", "3", "NA"]),
    }
    for code in ("1", "2", "3", "_1"):
        row[f"cb___{code}"] = rng.choice(["0", "1", "1", "", " 1"])
    event = rng.choice(EVENTS)
    if event is not None:
        row["redcap_event_name"] = event
    if rng.random() < 0.03:
        del row["b"]
    return row


def edge_rows() -> list[dict[str, str]]:
    """Rows in which every value of every pool appears in every column that draws on it."""
    values = NUMBERS + OTHERS
    count = max(len(values), len(TEXTS), len(DATES))
    rows = []
    for i in range(count):
        row = {
            "record_id": "1",
            "a": values[i % len(values)],
            "b": values[-1 - i % len(values)],
            "t": TEXTS[i % len(TEXTS)],
            "d": DATES[i % len(DATES)],
            "e": DATES[-1 - i % len(DATES)],
            "c": ["", "1", "2", "3", "NA"][i % 5],
        }
        for n, code in enumerate(("1", "2", "3", "_1")):
            row[f"cb___{code}"] = ["0", "1", "", " 1"][(i + n) % 4]
        if EVENTS[i % len(EVENTS)] is not None:
            row["redcap_event_name"] = EVENTS[i % len(EVENTS)] or ""
        rows.append(row)
    return rows


@functools.cache
def table_cases() -> tuple[list[str], list[dict[str, str]], list[tuple[int, int]], list[Any]]:
    """Every tricky expression over the edge rows and 60 generated rows, with the Python
    evaluator's answers."""
    rng = random.Random(14)
    edges = edge_rows()
    rows = edges + [table_row(rng) for _ in range(400)]
    context = dataclasses.replace(logic_context(TABLE_PROJECT), today=NOW)
    pairs = [
        (t, r)
        for t in range(len(TRICKY))
        for r in [*range(len(edges)), *rng.sample(range(len(edges), len(rows)), 60)]
    ]
    expected = [python_answer(TRICKY[t], rows[r], context) for t, r in pairs]
    return TRICKY, rows, pairs, expected


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    started = headless_chromium(tmp_path_factory.mktemp("profile"))
    started.get("about:blank")
    started.execute_script(SOURCE)
    yield started
    started.quit()


def disagreements(browser: WebDriver, source: str) -> list[tuple[str, dict[str, str], Any, Any]]:
    """The table's cases where ``source`` (loaded into the page) and Python disagree."""
    browser.execute_script(source)
    logic, rows, pairs, expected = table_cases()
    trees = [compile_logic(text) for text in logic]
    context = page_context(TABLE_PROJECT, NOW)
    answers = browser.execute_script(EVALUATE_BATCH, trees, rows, context, pairs)
    return [
        (logic[t], rows[r], python, browser_answer)
        for (t, r), python, browser_answer in zip(pairs, expected, answers, strict=True)
        if python != browser_answer
    ]


def test_tricky_expressions_agree_with_the_python_evaluator(browser: WebDriver) -> None:
    found = disagreements(browser, SOURCE)
    assert not found, f"{len(found)} disagreements, first: {found[:5]}"
    answers = {str(answer) for answer in table_cases()[3]}
    assert {"['error']", "['blank']", "['bool', True]", "['bool', False]"} <= answers


def test_the_table_calls_every_function_the_browser_evaluates() -> None:
    used = set().union(*(parse(text).functions() for text in TRICKY))
    assert set(FUNCTIONS) - UNSUPPORTED_FUNCTIONS <= used
    assert all(compile_logic(text) is not None for text in TRICKY)


def test_rounding_agrees_on_random_numbers(browser: WebDriver) -> None:
    browser.execute_script(SOURCE)
    rng = random.Random(1405)
    rows = []
    for _ in range(1500):
        magnitude = 10 ** rng.uniform(-6, 12)
        value = rng.choice([rng.uniform(-1, 1) * magnitude, round(rng.uniform(-50, 50), 3) + 0.005])
        rows.append({"a": repr(value), "b": str(rng.randint(-4, 8))})
    logic = ["round([a], [b])", "roundup([a], [b])", "rounddown([a], [b])", "round([a])"]
    pairs = [(t, r) for r in range(len(rows)) for t in range(len(logic))]
    context = Context()
    expected = [python_answer(logic[t], rows[r], context) for t, r in pairs]
    trees = [compile_logic(text) for text in logic]
    answers = browser.execute_script(EVALUATE_BATCH, trees, rows, {}, pairs)
    wrong = [
        (logic[t], rows[r], e, a)
        for (t, r), e, a in zip(pairs, expected, answers, strict=True)
        if e != a
    ]
    assert not wrong, wrong[:5]


# Each broken copy changes one rule; the table must notice every one.
MUTATIONS = {
    "numbers compared as text": ("return a === b;", "return textOf(left) === textOf(right);"),
    "blank ordered": ('if (leftText === "" || rightText === "") {\n      return false;', "{"),
    "missing codes in arithmetic": ("missing.has(value)) {\n      return null;", "false) {"),
    "text truth": ('number === null ? value !== "" : number !== 0', "number !== 0"),
    "checkbox cell": ('return number !== null && number !== 0 ? "1" : "0";', "return text;"),
    "half to even": ("return floor % 2 === 0 ? floor : floor + 1;", "return floor + 1;"),
    "repr switch": ("exponent < 16", "exponent < 21"),
    "if branches": ("? node.args[1] : node.args[2]", "? node.args[2] : node.args[1]"),
    "sum of blanks": ("return count > 0 ? finite(total) : null;", "return total;"),
    "not": (
        "return !truthy(evalNode(node.operand, state));",
        "return truthy(evalNode(node.operand, state));",
    ),
    "code point order": ("return codeOrder(x) - codeOrder(y);", "return x - y;"),
    "unknown field": ("if (!has(values, node.column)) {", "if (false) {"),
    "signed datediff": ("signed ? difference : Math.abs(difference)", "difference"),
    "minus zero": ('Object.is(number, -0) ? "-0" : "0"', '"0"'),
    "length in code points": (
        "return codePoints(textOf(args[0])).length;",
        "return textOf(args[0]).length;",
    ),
    "python strip": ("var word = pyStrip(text).toLowerCase();", "var word = text.toLowerCase();"),
    "leap years": ("(month === 2 && leap ? 1 : 0)", "0"),
    "event rows": (
        'var text = here ? cellText(state.values, node.column) : "";',
        "var text = cellText(state.values, node.column);",
    ),
    "missing-code test": ('return text === "" || codes.has(text);', 'return text === "";'),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_broken_rule_in_the_script_is_caught(browser: WebDriver, name: str) -> None:
    old, new = MUTATIONS[name]
    assert SOURCE.count(old) == 1, f"mutation '{name}' no longer matches the script"
    try:
        assert disagreements(browser, SOURCE.replace(old, new)), f"'{name}' went unnoticed"
    finally:
        browser.execute_script(SOURCE)


def shipped_forms() -> list[tuple[str, Project, str]]:
    found = []
    for name in shipped_names():
        rows = compile_dictionary([load_shipped(name).unwrap()])
        project = project_of([{**dict.fromkeys(API_COLUMNS, ""), **row} for row in rows])
        for form in project.forms:
            if any(item.row["branching_logic"] for item in project.form_fields(form.name)):
                found.append((name, project, form.name))
    return found


def answer_sets(fields: list[Field], rng: random.Random) -> list[MultiDict]:
    """Submissions as a browser would post them: a choice code, blank, a missing code or an
    unknown code for each choice; ticked options; awkward text."""
    sets = []
    for _ in range(250):
        posted: list[tuple[str, str]] = []
        for item in fields:
            codes = [code for code, _ in item.choices]
            if item.is_checkbox:
                posted += [(item.name, code) for code in codes if rng.random() < 0.35]
            elif codes:
                pick = rng.choice(["", "NA", "99", *codes, *codes])
                if pick:
                    posted.append((item.name, pick))
            elif item.holds_data:
                posted.append((item.name, rng.choice(["", "0", "1", "abc", " 12 ", "NA", "-99"])))
        sets.append(MultiDict(posted))
    return sets


def form_answers(fields: list[Field], posted: MultiDict, stored: dict[str, str]) -> dict[str, str]:
    """What branching.js reads from a page holding ``fields`` (readForm) over the block's
    values: each question's first value, stripped; one 1/0 column per checkbox option."""
    answers = dict(stored)
    for item in fields:
        if item.is_checkbox:
            picked = posted.getlist(item.name)
            for code, _ in item.choices:
                answers[checkbox_column(item.name, code)] = "1" if code in picked else "0"
        elif item.holds_data:
            answers[item.name] = posted.get(item.name, "").strip()
    return answers


def server_decision(project: Project, form: str, posted: MultiDict) -> dict[str, bool]:
    """What the survey page decides for a one-page post of ``form``: its own ``collected``
    (answers read, hidden ones blanked until nothing changes) and ``showing``."""
    fields = survey_fields(project, form)
    visit = SimpleNamespace(
        project=project, fields=fields, pages=[fields], stored=flat_row(project, None)
    )
    with Flask(__name__).test_request_context("/", method="POST", data=posted):
        values = collected(cast(Any, visit), 0)
    shown = showing(project, fields, values)
    return {item.name: item.name in shown for item in fields if item.row["branching_logic"]}


def test_shipped_branching_agrees_with_the_survey_page(browser: WebDriver) -> None:
    browser.execute_script(SOURCE)
    rng = random.Random(2024)
    checked = 0
    for name, project, form in shipped_forms():
        fields = survey_fields(project, form)
        block = page_logic(project, fields, NOW)
        with_logic = [item for item in fields if item.row["branching_logic"]]
        assert [item.name for item in with_logic] == list(block["logic"]), name
        stored = flat_row(project, None)
        posts = answer_sets(fields, rng)
        rows = [form_answers(fields, posted, stored) for posted in posts]
        expected = [server_decision(project, form, posted) for posted in posts]
        assert browser.execute_script(SHOWN_BATCH, block, rows) == expected, f"{name}/{form}"
        for item in with_logic:
            outcomes = {case[item.name] for case in expected}
            assert outcomes == {True, False}, f"{name}/{form}: {item.name} always {outcomes}"
        # Each expression alone, over the same rows, through evaluate().
        context = logic_context(project)
        logic = [item.row["branching_logic"] for item in with_logic]
        pairs = [(t, r) for t in range(len(logic)) for r in range(len(rows))]
        trees = [block["logic"][item.name] for item in with_logic]
        answers = browser.execute_script(EVALUATE_BATCH, trees, rows, block["context"], pairs)
        assert answers == [python_answer(logic[t], rows[r], context) for t, r in pairs]
        checked += len(pairs)
    assert checked > 5000


def test_compile_logic_refuses_what_the_browser_does_not_evaluate() -> None:
    for text in [
        "([a])^(2) > 4",
        "exponential([a]) > 1",
        "log([a], 10) > 1",
        "[a] = 1 and log(2) > 0",
    ]:
        assert compile_logic(text) is None, text
    for text in ["", "   ", "[a] = ", "[a] == 1", "unknown([a])", "[a][b][c] = 1"]:
        assert compile_logic(text) is None, text
    tree = compile_logic("[cb(-1)] = '1' and [ev_arm_1][a] <> ''")
    assert tree is not None
    left, right = tree["left"]["left"], tree["right"]["left"]
    assert left == {
        "kind": "ref",
        "field": "cb",
        "column": "cb____1",
        "event": None,
        "checkbox": True,
    }
    assert right == {
        "kind": "ref",
        "field": "a",
        "column": "a",
        "event": "ev_arm_1",
        "checkbox": False,
    }


def test_answers_are_normalised_as_the_server_stores_them(browser: WebDriver) -> None:
    browser.execute_script(SOURCE)
    texts = [" 03-31-2024 ", "3/1/2024 14:30", "31.12.2024", "2024-03-31T14:30", "1-2-2024x"]
    texts += ["", "12-31-24", "\u30002024-03-31T08:00:00\x1c", "abc", "99-99-2024", "٣-١-2024"]
    fields = [
        Field(name, "f", "text", name, row_of(name, "text", **{VALIDATION: kind}))
        for name, kind in [("m", "date_mdy"), ("d", "datetime_dmy"), ("y", "date_ymd"), ("n", "")]
    ]
    context = page_context(project_of([field.row for field in fields]), NOW)
    cases = [(text, context["dates"].get(field.name)) for field in fields for text in texts]
    script = (
        "return arguments[0].map(([t, o]) => window.qiscanLogic.normalised(t, o ?? undefined));"
    )
    expected = [normalised(field, text) for field in fields for text in texts]
    assert browser.execute_script(script, cases) == expected


def test_page_logic_lists_the_questions_the_script_decides() -> None:
    project = project_of(
        [
            row_of("record_id", "text"),
            row_of("q1", "yesno"),
            row_of("q2", "text", branching_logic="[q1] = '1'"),
            row_of("q3", "text", branching_logic="([q1])^(2) = 1"),
            row_of("note", "descriptive", branching_logic="[q2] <> ''"),
            row_of("q4", "checkbox", select_choices_or_calculations="1, A | 2, B"),
            row_of("when", "text", text_validation_type_or_show_slider_number="date_mdy"),
            row_of("at", "text", text_validation_type_or_show_slider_number="datetime_seconds_ymd"),
        ]
    )
    block = page_logic(project, project.form_fields("f"), NOW)
    assert list(block["logic"]) == ["q2", "note"]
    assert block["erase"] == ["q2"]
    assert block["context"] == {
        "missing_codes": ["-99", "NA", "UNK"],
        "checkboxes": {"q4": {"1": "q4___1", "2": "q4___2"}},
        "record_id": "record_id",
        "event_column": "redcap_event_name",
        "now": "2024-03-01 10:30:15",
        "dates": {"when": "mdy", "at": "ymd"},
    }
    stored = {"q1": "1", "q2": "x", "q4___1": "1", "record_id": "7", "redcap_event_name": "e"}
    assert referenced_values(block, stored) == {"q1": "1", "q2": "x", "redcap_event_name": "e"}
    assert json.loads(script_json({"values": {"x": "</script><b>&"}})) == {
        "values": {"x": "</script><b>&"}
    }
    assert "<" not in script_json({"values": {"x": "</script>"}})


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Branching</title></head><body>
<form method="post">
<input type="hidden" name="__js" value="">
<fieldset id="org_type-question"><legend>Organisation</legend>
{org_types}
</fieldset>
<fieldset id="org_other-question"><label for="org_other">Other</label>
<input type="text" id="org_other" name="org_other"></fieldset>
<fieldset id="topics-question"><legend>Topics</legend>
<label><input type="checkbox" name="topics" value="1"> One</label>
<label><input type="checkbox" name="topics" value="3"> Three</label></fieldset>
<fieldset id="topics_other-question"><label for="topics_other">Other topic</label>
<input type="text" id="topics_other" name="topics_other"></fieldset>
<fieldset id="followup-question"><label for="followup">Follow-up</label>
<input type="text" id="followup" name="followup"></fieldset>
<fieldset id="locked-question"><legend>Read-only</legend>
<label><input type="radio" name="locked" value="1" disabled> Yes</label></fieldset>
<fieldset id="locked_note-question"><p>Shown when the read-only answer is 1</p></fieldset>
<fieldset id="escaped-question"><p>Shown when the stored note reads back intact</p></fieldset>
<button type="submit" name="__action" value="submit">Submit</button>
</form>
<script type="application/json" id="qiscan-branching">{block}</script>
<script src="/static/branching.js"></script>
</body></html>
"""


def page_project() -> Project:
    return project_of(
        [
            row_of("record_id", "text"),
            row_of("age", "text"),
            row_of("stored_note", "notes"),
            row_of("org_type", "radio", select_choices_or_calculations="1, A | 2, B | 5, Other"),
            row_of("org_other", "text", branching_logic="[org_type] = '5'"),
            row_of("topics", "checkbox", select_choices_or_calculations="1, One | 3, Three"),
            row_of("topics_other", "text", branching_logic="[topics(3)] = '1'"),
            row_of("followup", "text", branching_logic="[org_other] <> '' and [age] > 40"),
            row_of("escaped", "descriptive", branching_logic="[stored_note] = '</script>'"),
            row_of("locked", "yesno"),
            row_of("locked_note", "descriptive", branching_logic="[locked] = '1'"),
        ]
    )


@pytest.fixture
def page_server() -> Iterator[str]:
    project = page_project()
    block = page_logic(project, [f for f in project.fields if f.form == "f"], NOW)
    stored = {**flat_row(project, None), "age": "50", "stored_note": "</script>", "locked": "1"}
    block["values"] = referenced_values(block, stored)
    org_types = "\n".join(
        f'<label><input type="radio" name="org_type" value="{code}"> {label}</label>'
        for code, label in project.field_map["org_type"].choices
    )
    html = PAGE.format(org_types=org_types, block=script_json(block)).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/static/branching.js":
                body, kind = SCRIPT.read_bytes(), "text/javascript; charset=utf-8"
            else:
                body, kind = html, "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Security-Policy", POLICY)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/survey"
    server.shutdown()
    server.server_close()


def hidden(browser: WebDriver, field: str) -> bool:
    return browser.find_element(By.ID, f"{field}-question").get_attribute("hidden") is not None


def test_questions_appear_and_disappear_as_the_respondent_answers(
    browser: WebDriver, page_server: str
) -> None:
    browser.get(page_server)
    WebDriverWait(browser, 10).until(
        lambda b: b.find_element(By.NAME, "__js").get_attribute("value") == "1"
    )
    assert hidden(browser, "org_other") and hidden(browser, "topics_other")
    assert hidden(browser, "followup")
    assert not hidden(browser, "org_type") and not hidden(browser, "escaped")
    assert not hidden(browser, "locked_note"), "a disabled control keeps the stored answer"

    browser.find_element(By.CSS_SELECTOR, "input[name=org_type][value='5']").click()
    assert not hidden(browser, "org_other")
    assert browser.find_element(By.ID, "org_other").is_displayed()
    browser.find_element(By.ID, "org_other").send_keys("a clinic")
    assert not hidden(browser, "followup"), "stored age 50 > 40 and the typed answer"

    browser.find_element(By.CSS_SELECTOR, "input[name=org_type][value='2']").click()
    assert hidden(browser, "org_other")
    assert not browser.find_element(By.ID, "org_other").is_displayed()
    assert hidden(browser, "followup"), "a hidden answer reads blank, as the server erases it"
    assert browser.find_element(By.ID, "org_other").get_attribute("value") == "a clinic"

    three = browser.find_element(By.CSS_SELECTOR, "input[name=topics][value='3']")
    three.click()
    assert not hidden(browser, "topics_other")
    three.click()
    assert hidden(browser, "topics_other")

    problems = [
        entry["message"]
        for entry in cast(Any, browser).get_log("browser")
        if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
    ]
    assert not problems, problems
