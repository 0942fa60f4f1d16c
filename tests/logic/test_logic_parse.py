"""Parsing REDCap logic: tree shapes, rendering back, references, and every kind of error."""

from __future__ import annotations

import pytest

from instruments.logic import (
    Arithmetic,
    BoolLit,
    Call,
    Comparison,
    Logical,
    LogicError,
    Negate,
    Not,
    NumberLit,
    Reference,
    StringLit,
    evaluate,
    parse,
    truthy,
)

from .test_logic_golden import CASES


def test_tree_of_typical_branching_logic() -> None:
    expr = parse('[sex] = "0" and [given_birth] = "1"')
    assert expr.root == Logical(
        "and",
        Comparison("=", Reference("sex"), StringLit("0")),
        Comparison("=", Reference("given_birth"), StringLit("1")),
    )


@pytest.mark.parametrize(
    ("text", "root"),
    [
        (
            "1 + 2 * 3",
            Arithmetic("+", NumberLit(1.0), Arithmetic("*", NumberLit(2.0), NumberLit(3.0))),
        ),
        (
            "10 - 4 - 3",
            Arithmetic("-", Arithmetic("-", NumberLit(10.0), NumberLit(4.0)), NumberLit(3.0)),
        ),
        ("2^3^2", Arithmetic("^", NumberLit(2.0), Arithmetic("^", NumberLit(3.0), NumberLit(2.0)))),
        ("-2^2", Negate(Arithmetic("^", NumberLit(2.0), NumberLit(2.0)))),
        ("-1", Negate(NumberLit(1.0))),
        (
            "[a] or [b] and [c]",
            Logical("or", Reference("a"), Logical("and", Reference("b"), Reference("c"))),
        ),
        ("not [a] = 1", Not(Comparison("=", Reference("a"), NumberLit(1.0)))),
        ("![a] = 1", Not(Comparison("=", Reference("a"), NumberLit(1.0)))),
        ("[a] != 1", Comparison("<>", Reference("a"), NumberLit(1.0))),
        (
            "[a] && [b] || [c]",
            Logical("or", Logical("and", Reference("a"), Reference("b")), Reference("c")),
        ),
        ("TRUE", BoolLit(True)),
        ("[a:value]", Reference("a")),
        ("[e1][a(2)]", Reference("a", "e1", "2")),
        ("ROUND([a], 1)", Call("round", (Reference("a"), NumberLit(1.0)))),
    ],
)
def test_tree_shapes(text: str, root: object) -> None:
    assert parse(text).root == root


def test_spellings_normalise_to_one_tree() -> None:
    assert parse("[a] <> 1 AND NOT([b])") == parse("[a] != 1 && !([b])")


def test_comment_lines_are_removed_and_positions_kept() -> None:
    text = "// show adults only\n  # (REDCap strips these)\n[age] >= 18"
    expr = parse(text)
    assert expr.render() == "[age] >= 18"
    assert expr.references()[0].position == text.index("[age]")


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ('[sex] = "0" and [given_birth] = "1"', '[sex] = "0" and [given_birth] = "1"'),
        (
            "round(([weight]*10000)/(([height])^(2)),1)",
            "round([weight] * 10000 / ([height])^(2), 1)",
        ),
        (
            "rounddown(datediff([dob],'today','y'))",
            'rounddown(datediff([dob], "today", "y"))',
        ),
        ("[a] != 1 && ![b]", "[a] <> 1 and not([b])"),
        ("([a] = 1 or [b] = 1) and [c] = 1", "([a] = 1 or [b] = 1) and [c] = 1"),
        ("[a] - ([b] - [c])", "[a] - ([b] - [c])"),
        ("[a] - [b] - [c]", "[a] - [b] - [c]"),
        ("(not([a])) = 1", "(not([a])) = 1"),
        ("-([a] + 1)", "-([a] + 1)"),
        ("[x] = 'say \"hi\"'", "[x] = 'say \"hi\"'"),
        ("[e1][cb(-1)] = '1'", '[e1][cb(-1)] = "1"'),
        ("3.50 + .5", "3.5 + 0.5"),
    ],
)
def test_render_is_readable_redcap(text: str, rendered: str) -> None:
    expr = parse(text)
    assert expr.render() == rendered
    assert parse(rendered) == expr


@pytest.mark.parametrize("text", [text for text, _ in CASES])
def test_render_round_trips_every_golden_case(text: str) -> None:
    expr = parse(text)
    assert parse(expr.render()) == expr
    assert parse(expr.render()).root == expr.root


def test_references_and_what_they_name() -> None:
    text = '[e1][a] = 1 and [b(2)] = "1" or sum([c], [e2][d(x)]) > datediff([dob], "today", "y")'
    expr = parse(text)
    assert expr.fields() == {"a", "b", "c", "d", "dob"}
    assert expr.checkbox_terms() == {("b", "2"), ("d", "x")}
    assert expr.events() == {"e1", "e2"}
    assert expr.functions() == {"sum", "datediff"}
    found = [(r.event, r.field, r.code, r.position) for r in expr.references()]
    assert found == [
        ("e1", "a", None, 0),
        (None, "b", "2", text.index("[b(2)]")),
        (None, "c", None, text.index("[c]")),
        ("e2", "d", "x", text.index("[e2]")),
        (None, "dob", None, text.index("[dob]")),
    ]


def test_field_value_modifier_is_normalised() -> None:
    assert parse("[a:value] = 1").fields() == {"a"}
    assert parse("[a:value] = 1") == parse("[a] = 1")


SYNTAX_ERRORS = [
    ("[a] = 1)", r"unexpected '\)' at character 8", 7),
    ('"abc', "unterminated string starting at character 1", 0),
    ("[a] = 'x", "unterminated string starting at character 7", 6),
    ("[a = 1", r"unbalanced '\[' at character 1", 0),
    ("[a]] = 1", r"unbalanced '\]' at character 4", 3),
    ("([a] = 1", r"unbalanced '\(' at character 1", 0),
    ("sum([a], 2", r"unbalanced '\(' \(opened by sum\(\) at character 4", 3),
    ("[a] = ", "unexpected end of logic at character 7", 6),
    ("[a] = 1 and", "unexpected end of logic at character 12", 11),
    ("[a] == 1", "'==' is not REDCap syntax; use '='", 4),
    ("[a] & [b]", "unexpected character '&' at character 5; a single '&'", 4),
    ("[a] @ 1", "unexpected character '@' at character 5", 4),
    ("1 < [x] < 5", "comparisons cannot be chained at character 9", 8),
    ("1 2", "unexpected number 2 at character 3", 2),
    ("(1, 2)", "unexpected ',' at character 3; expected '\\)'", 2),
    ("()", r"unexpected '\)' at character 2", 1),
    ("a = 1", r"unexpected name 'a' at character 1; field names go in square brackets: \[a\]", 0),
    ("sum + 1", r"function 'sum' needs its arguments in parentheses at character 1", 0),
    ("and [a]", "unexpected name 'and' at character 1", 0),
    ("", "empty logic at character 1", 0),
    ("// only a comment\n", "empty logic", 0),
    ("[a:label] = 1", "the ':label' modifier is not supported in logic at character 1", 0),
    ("[a b] = 1", r"invalid field reference '\[a b\]' at character 1", 0),
    ("[] = 1", r"invalid field reference '\[\]' at character 1", 0),
    ("[2] = 1", r"invalid field reference '\[2\]' at character 1", 0),
    ("[cb(1)][a] = 1", r"invalid field reference '\[cb\(1\)\]' at character 1", 0),
    ("[e][a][b] = 1", "too many bracketed parts in one reference at character 1", 0),
    ("9" * 400, "number too large at character 1", 0),
]


@pytest.mark.parametrize(("text", "match", "position"), SYNTAX_ERRORS)
def test_syntax_errors(text: str, match: str, position: int) -> None:
    with pytest.raises(LogicError, match=match) as caught:
        parse(text)
    assert caught.value.kind == "syntax"
    assert caught.value.position == position
    assert caught.value.message == str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "match", "position"),
    [
        ("foo([a])", "unknown function 'foo' at character 1", 0),
        ("[a] + sqr(4)", "unknown function 'sqr' at character 7; did you mean 'sqrt'\\?", 6),
        ("ROUNDUPP(1)", "unknown function 'ROUNDUPP' at character 1; did you mean 'roundup'\\?", 0),
        ("calcdate([a], 1, 'd')", "unknown function 'calcdate'", 0),
    ],
)
def test_unknown_functions(text: str, match: str, position: int) -> None:
    with pytest.raises(LogicError, match=match) as caught:
        parse(text)
    assert caught.value.kind == "unknown_function"
    assert caught.value.position == position


@pytest.mark.parametrize(
    ("text", "match", "position"),
    [
        ("round(1, 2, 3)", "function 'round' takes 1 to 2 arguments, got 3 at character 1", 0),
        ("if(1, 2)", "function 'if' takes 3 arguments, got 2 at character 1", 0),
        ("1 + sum()", "function 'sum' takes at least 1 argument, got 0 at character 5", 4),
        ("concat_ws(',')", "function 'concat_ws' takes at least 2 arguments, got 1", 0),
        ("datediff([a], [b])", "function 'datediff' takes 3 to 5 arguments, got 2", 0),
        ("abs(1, 2)", "function 'abs' takes 1 argument, got 2", 0),
    ],
)
def test_arity_errors(text: str, match: str, position: int) -> None:
    with pytest.raises(LogicError, match=match) as caught:
        parse(text)
    assert caught.value.kind == "arity"
    assert caught.value.position == position


@pytest.mark.parametrize(
    ("text", "match", "position"),
    [
        ("[current-instance] = 1", r"smart variable \[current-instance\] is not supported", 0),
        ("[a] = [event-name]", r"smart variable \[event-name\] is not supported", 6),
        ('[user-name] = "x"', r"smart variable \[user-name\] is not supported", 0),
        ("[previous-instance] > 1", r"smart variable \[previous-instance\]", 0),
        ("[last-instance] > 1", r"smart variable \[last-instance\]", 0),
        ('[record-name] = "1"', r"smart variable \[record-name\]", 0),
        ("[event-name:label] = 'x'", r"smart variable \[event-name:label\]", 0),
        ("[a][current-instance] = 1", r"smart variable \[current-instance\]", 3),
        ("[a][2] = 1", r"instance references are not supported: \[2\] at character 4", 3),
        ("[e1][a][3] = 1", r"instance references are not supported: \[3\] at character 8", 7),
    ],
)
def test_smart_variables_and_instances(text: str, match: str, position: int) -> None:
    with pytest.raises(LogicError, match=match) as caught:
        parse(text)
    assert caught.value.kind == "smart_variable"
    assert caught.value.position == position


def test_checkbox_code_with_a_hyphen_is_not_a_smart_variable() -> None:
    assert parse("[cb(-1)] = '1'").checkbox_terms() == {("cb", "-1")}


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("(" * 150 + "[a]" + ")" * 150 + " = '1'", 40),  # issue 12: RecursionError before
        ("not " * 2000 + "[a] = '1'", 160),
        ("-" * 2000 + "1", 40),
        ("abs(" * 150 + "1" + ")" * 150, 160),
    ],
)
def test_logic_nested_too_deep_is_refused_where_it_goes_too_deep(text: str, position: int) -> None:
    with pytest.raises(LogicError, match="nests parentheses, calls or operators more than 40"):
        parse(text)
    with pytest.raises(LogicError) as caught:
        parse(text)
    assert caught.value.kind == "nesting" and caught.value.position == position


def test_a_chain_too_long_for_the_tree_is_refused_and_a_long_one_still_evaluates() -> None:
    """Evaluating and rendering walk the tree recursively: 600 ``or`` terms overflowed them."""
    terms = [f"[a{i}] = '1'" for i in range(600)]
    with pytest.raises(LogicError, match="nested more than 250 levels deep") as caught:
        parse(" or ".join(terms))
    assert caught.value.kind == "nesting"
    allowed = parse(" or ".join(terms[:240]))
    assert parse(allowed.render()) == allowed
    assert truthy(evaluate(allowed, {f"a{i}": "1" if i == 239 else "0" for i in range(240)}))
    nested = "(" * 40 + "[a]" + ")" * 40 + " = '1'"
    assert parse(nested).render() == '[a] = "1"'
