"""Providers against supporters on a question both surveys ask with the same choice codes.

The two groups are independent samples of different organisations, so the comparison is a test
of independence on the option-by-group counts (chi-square, or Fisher's exact test when expected
counts are small: :func:`scoring.independence.independence_test`) and, for a two-option
question, the difference of the two percentages with Newcombe's interval
(:func:`scoring.groups.compare_option`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from instruments.labels import plain_text
from instruments.model import Field
from reports.committee_questions import (
    Group,
    Names,
    withheld,
)
from reports.model import Block, Cell, Column, Suppressed, Table, Text
from scoring.groups import compare_option
from scoring.independence import independence_test
from scoring.proportions import FrequencyTable
from scoring.small_cells import small_cells

TEST_COLUMNS = (
    Column("test", "Test"),
    Column("statistic", "Statistic", "number", 2),
    Column("df", "df", "integer"),
    Column("p_value", "p-value", "p_value", 3),
    Column("cramers_v", "Cramér's V", "number", 2),
    Column("n", "n", "integer"),
)


def comparable(first: Field, second: Field) -> bool:
    """Both single-choice questions with the same choice codes (their wording may differ)."""
    return (
        first.single_choice
        and second.single_choice
        and sorted(first.choice_codes()) == sorted(second.choice_codes())
    )


def comparison_blocks(
    groups: tuple[Group, Group],
    tables: tuple[FrequencyTable, FrequencyTable],
    fld: Field,
    names: Names,
    below: int | None,
) -> list[Block]:
    """The test of independence and (two options) the difference: a sentence on the page, and
    the table of its numbers for the workbook; the groups' percents are in the table above."""
    first, second = groups
    codes = list(tables[0].table.index)
    ordered = (tables[0].table, tables[1].table.loc[codes])

    empty = [g.title.lower() for g, t in zip(groups, tables, strict=True) if t.denominator == 0]
    if empty:
        return [Text(f"Not compared: no {' or '.join(empty)} answered this question.")]
    # Each group's own table above has its counts and percents: only the test is new here.
    note = (
        f"Of those who answered ({tables[0].denominator} {first.title.lower()}, "
        f"{tables[1].denominator} {second.title.lower()})"
    )
    if list(ordered[0]["label"]) != list(ordered[1]["label"]):
        note += f"; options are worded as the {first.title.lower()}' survey words them"
    counts = pd.DataFrame({g.title: t["count"] for g, t in zip(groups, ordered, strict=True)})
    test = independence_test(counts)
    row: dict[str, Cell] = {
        "test": test.method if test.method != "none" else f"not computed: {test.note}",
        "statistic": _number(test.statistic),
        "df": test.df,
        "p_value": _number(test.p_value),
        "cramers_v": _number(test.cramers_v),
        "n": test.n,
    }
    test_columns: tuple[Column, ...] = TEST_COLUMNS
    test_note = test.note
    label = plain_text(str(ordered[0].loc[codes[0], "label"]))
    if len(codes) == 2:
        extra, extra_note = _difference(groups, tables, codes[0], below)
        row |= extra
        test_columns = (
            *TEST_COLUMNS,
            Column("difference", f"Difference in % '{label}' (points)", "number"),
            Column("diff_low", "95% interval from", "number"),
            Column("diff_high", "to", "number"),
        )
        test_note = "; ".join(n for n in (test_note, extra_note) if n)
    test_note = "; ".join(n for n in (note, test_note) if n)
    table = Table(
        names.take(f"test {fld.name}"),
        f"Test between {first.title.lower()} and {second.title.lower()}",
        test_columns,
        (row,),
        note=test_note + ".",
        workbook_only=True,  # the page says it in a sentence (test_words)
    )
    return [table, Text(test_words(row, label if len(codes) == 2 else ""), "note")]


def test_words(row: Mapping[str, Cell], option: str = "") -> str:
    """The test's row in a sentence: "Pearson chi-square 6.28 on 2 df, p = 0.043, Cramér's V
    0.16" (and, for two options, the difference in the first with its interval)."""
    if row["statistic"] is None:
        return f"Test {row['test']}."
    words = f"{row['test']} {row['statistic']:.2f}"
    if row["df"] is not None:
        words += f" on {row['df']} df"
    p = row["p_value"]
    words += ", p " + ("< 0.001" if isinstance(p, float) and p < 0.001 else f"= {p:.3f}")
    if isinstance(row["cramers_v"], float):
        words += f", Cramér's V {row['cramers_v']:.2f}"
    difference = row.get("difference")
    if isinstance(difference, float):
        low, high = row["diff_low"], row["diff_high"]
        words += (
            f"; the difference in '{option}' is {difference:+.1f} points (95% CI "
            f"{low:+.1f} to {high:+.1f})"
        )
    elif isinstance(difference, Suppressed):
        words += f"; the difference in '{option}' is withheld ({difference.reason})"
    return words + "."


def _difference(
    groups: tuple[Group, Group],
    tables: tuple[FrequencyTable, FrequencyTable],
    code: str,
    below: int | None,
) -> tuple[dict[str, Cell], str]:
    """The first option's percent in the first group minus the second's, in points."""
    names = f"{groups[0].title.lower()} minus {groups[1].title.lower()}"
    counts = pd.Series([t.table["count"].to_dict()[code] for t in tables], dtype="int64")
    if below is not None and small_cells(counts, below).any():
        mark = withheld(below)
        return {"difference": mark, "diff_low": mark, "diff_high": mark}, (
            f"difference withheld: a count below {below}"
        )
    found = compare_option(tables[0], tables[1], code)
    cells: dict[str, Cell] = {
        "difference": _number(100 * found.value),
        "diff_low": _number(100 * found.ci_low),
        "diff_high": _number(100 * found.ci_high),
    }
    return cells, f"difference is {names}, with Newcombe's hybrid score interval"


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value
