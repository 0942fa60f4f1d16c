"""Branching logic for the respondent's browser: the parsed logic tree as JSON for
``static/branching.js``, and the block of data a survey page hands that script.

The server's parser (:mod:`instruments.logic.parser`) reads the logic once; this module turns
its tree into plain JSON, so the browser never parses REDCap syntax and both sides read the same
tree. The script reproduces :mod:`instruments.logic.values`, :mod:`instruments.logic.scalar` and
:mod:`instruments.logic.scalar_functions` for every construct compiled here;
``tests/localcap/test_branching_js.py`` holds the two evaluators to the same answers.

A tree node is an object with a ``kind``:

* ``{"kind": "number" | "text" | "bool", "value": ...}``: a literal;
* ``{"kind": "ref", "field", "column", "event", "checkbox"}``: ``[field]``, ``[field(code)]``
  (``column`` is the export column ``field___code`` and ``checkbox`` true) or ``[event][field]``;
* ``{"kind": "negate" | "not", "operand"}``;
* ``{"kind": "arith" | "compare" | "logical", "op", "left", "right"}``;
* ``{"kind": "call", "name", "args"}``.

Not compiled (:func:`compile_logic` gives None, and the page leaves the question as the server
rendered it): the ``^`` operator and the functions ``exponential`` and ``log``, whose last bit
depends on the maths library (numpy's and the browser's may differ), and logic that does not
parse. ``round`` of values below about 1e-90, or to more than 105 decimals, may differ in the
last bit for the same reason (numpy's ``10.0 ** k`` is not correctly rounded there).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import Any

from instruments.logic import LogicError
from instruments.logic.lookup import column_of
from instruments.logic.nodes import (
    Arithmetic,
    BoolLit,
    Call,
    Comparison,
    Logical,
    Negate,
    Node,
    Not,
    NumberLit,
    Reference,
    StringLit,
)
from instruments.naming import checkbox_column
from plugin.localcap.project import Field, Project
from plugin.localcap.record_filters import logic_context
from plugin.localcap.survey_answers import date_order
from plugin.localcap.survey_checks import parsed

Tree = dict[str, Any]

SCRIPT_ID = "qiscan-branching"
UNSUPPORTED_FUNCTIONS = frozenset({"exponential", "log"})
UNSUPPORTED_OPERATORS = frozenset({"^"})


class NotCompiled(Exception):
    """A construct the browser's evaluator does not implement."""


def compile_logic(text: str) -> Tree | None:
    """The JSON tree of logic ``text``, or None when it does not parse or uses something the
    browser does not evaluate (see the module docstring)."""
    if not text.strip():
        return None
    try:
        return compile_node(parsed(text).root)
    except (LogicError, NotCompiled):
        return None


def compile_node(node: Node) -> Tree:
    """One node and its subtree as JSON; NotCompiled for a construct the script lacks."""
    match node:
        case NumberLit(value=value):
            return {"kind": "number", "value": value}
        case StringLit(value=value):
            return {"kind": "text", "value": value}
        case BoolLit(value=value):
            return {"kind": "bool", "value": value}
        case Reference(field=field, event=event, code=code):
            return {
                "kind": "ref",
                "field": field,
                "column": column_of(node),
                "event": event,
                "checkbox": code is not None,
            }
        case Negate(operand=operand):
            return {"kind": "negate", "operand": compile_node(operand)}
        case Not(operand=operand):
            return {"kind": "not", "operand": compile_node(operand)}
        case Arithmetic(op=op, left=left, right=right):
            if op in UNSUPPORTED_OPERATORS:
                raise NotCompiled(op)
            return _binary("arith", op, left, right)
        case Comparison(op=op, left=left, right=right):
            return _binary("compare", op, left, right)
        case Logical(op=op, left=left, right=right):
            return _binary("logical", op, left, right)
        case Call(name=name, args=args):
            if name in UNSUPPORTED_FUNCTIONS:
                raise NotCompiled(name)
            return {"kind": "call", "name": name, "args": [compile_node(arg) for arg in args]}
    raise NotCompiled(type(node).__name__)


def _binary(kind: str, op: str, left: Node, right: Node) -> Tree:
    return {"kind": kind, "op": op, "left": compile_node(left), "right": compile_node(right)}


def page_context(project: Project, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What the script needs beyond the values: the project's missing-data codes, its checkbox
    fields with each option's column, the record-id and event columns, and the server's clock
    for ``'today'``/``'now'`` (so the page and the server read the same day)."""
    context = logic_context(project)
    moment = (now or datetime.datetime.now()).replace(microsecond=0, tzinfo=None)
    return {
        "missing_codes": sorted(context.missing_codes),
        "checkboxes": {
            item.name: {code: checkbox_column(item.name, code) for code, _ in item.choices}
            for item in project.fields
            if item.is_checkbox
        },
        "record_id": context.record_id,
        "event_column": context.event_column,
        "now": moment.strftime("%Y-%m-%d %H:%M:%S"),
        "dates": {item.name: date_order(item) for item in project.fields if date_order(item)},
    }


def page_logic(
    project: Project, fields: Iterable[Field], now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The branching block of a survey page, without ``values``.

    ``fields`` are every question of the survey (all its pages, in order), since a question
    hidden on another page is blanked and may hide one on this page. ``logic`` maps each field
    whose branching logic compiles to its tree (a field with no logic, or logic the script cannot
    evaluate, is absent: the server decides it). ``erase`` lists the questions whose answers the
    server blanks while they are hidden (those holding data), so other logic reads them blank.
    The caller adds ``values``: every column as the server has it apart from this page's form
    (the stored row, answers carried from earlier pages, the event column of a longitudinal
    project); the answers read from the page's form override them.
    """
    logic: dict[str, Tree] = {}
    erase: list[str] = []
    for item in fields:
        tree = compile_logic(item.row.get("branching_logic", ""))
        if tree is None:
            continue
        logic[item.name] = tree
        if item.holds_data and item.name != project.record_id:
            erase.append(item.name)
    return {"logic": logic, "erase": erase, "context": page_context(project, now)}


def referenced_values(block: dict[str, Any], values: Mapping[str, str]) -> dict[str, str]:
    """The ``values`` entry of ``block``: the columns its logic refers to (and the event column),
    as the server holds them in ``values``. Only these go to the page, so the respondent's
    browser is not sent data its branching does not read; a column ``values`` lacks stays absent,
    so the script, like the server, shows a question whose logic names an unknown field. The
    answers the script reads from the form override these."""
    wanted = {block["context"]["event_column"]}
    for tree in block["logic"].values():
        wanted.update(_columns(tree))
    return {column: values[column] for column in sorted(wanted) if column in values}


def _columns(tree: Tree) -> set[str]:
    if tree["kind"] == "ref":
        return {tree["column"]}
    children = [tree.get("operand"), tree.get("left"), tree.get("right"), *tree.get("args", [])]
    return set().union(*(_columns(child) for child in children if child is not None))


def script_json(block: dict[str, Any]) -> str:
    """``block`` as JSON safe to place inside ``<script type="application/json">``: ``<``,
    ``>`` and ``&`` are escaped, so a label or value holding ``</script>`` cannot end the
    element. Mark the result safe in the template (``{{ text | safe }}``)."""
    text = json.dumps(block, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text
