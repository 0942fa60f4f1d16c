"""The data-dictionary appendix: one row per field of an instrument, as a report Table.

Reports print it so a reader can see exactly what was asked, of whom (branching logic) and in
what form (choices, validation), next to the numbers that came from it.
"""

from __future__ import annotations

from instruments.dictionary.choices import format_choices
from instruments.labels import plain_text
from instruments.model import Choice, Field, Instrument
from reports.model import Cell, Column, Table

COLUMNS = (
    Column("field", "Field"),
    Column("form", "Form"),
    Column("label", "Question"),
    Column("choices", "Choices, calculation or validation"),
    Column("branching", "Shown when (branching logic)"),
)
SHEET_NAME_MAX = 31


def dictionary_table(instrument: Instrument, *, name: str = "") -> Table:
    """Every field of ``instrument`` (the record id and descriptive text included), in order;
    the Form column only when the instrument has more than one form.

    ``name`` is the table's unique name in its report (default ``dictionary <id>``, cut to the
    31 characters of an XLSX sheet name)."""
    rows: list[dict[str, Cell]] = [
        {
            "field": fld.name,
            "form": fld.form,
            "label": plain_text(fld.label),
            "choices": _choices(fld) or _validation(fld) or fld.type,
            "branching": fld.branching_logic,
        }
        for fld in instrument.fields
    ]
    columns: tuple[Column, ...] = COLUMNS
    if len({fld.form for fld in instrument.fields}) <= 1:
        # One form: the column would repeat the instrument's id on every row.
        columns = tuple(c for c in COLUMNS if c.key != "form")
        for row in rows:
            del row["form"]
    return Table(
        name=(name or f"dictionary {instrument.id}")[:SHEET_NAME_MAX],
        title=(
            f"Data dictionary: {instrument.title} ({instrument.id}, version {instrument.version})"
        ),
        columns=columns,
        rows=tuple(rows),
        note=f"{len(rows)} fields; choices are written as REDCap stores them (code, label).",
    )


def _choices(fld: Field) -> str:
    if fld.type in ("yesno", "truefalse"):
        fixed = [Choice(code, label) for code, label in fld.choice_labels().items()]
        return format_choices(fixed)
    if fld.choices:
        return format_choices([Choice(c.code, plain_text(c.shown)) for c in fld.choices])
    if fld.type == "calc":
        return fld.calculation
    return ""


def _validation(fld: Field) -> str:
    if fld.type == "slider":
        # REDCap's slider runs 0..100 unless the field says otherwise.
        low = fld.slider.min if fld.slider is not None and fld.slider.min else "0"
        high = fld.slider.max if fld.slider is not None and fld.slider.max else "100"
        return f"slider, {low} to {high}"
    if fld.validation is None:
        return ""
    bounds = [
        f"{word} {value}"
        for word, value in (("min", fld.validation.min), ("max", fld.validation.max))
        if value
    ]
    return fld.validation.type + (f" ({', '.join(bounds)})" if bounds else "")
