"""The data-quality report: every problem in a raw REDCap export, by record and wave, with why it
matters and what to do about it.

    report = build_quality(records, instrument, provenance=provenance)

It reads the raw export (strings), so it also lists what decoding would refuse (duplicate rows)
or set aside (rows outside the instrument). The checks are :func:`scoring.quality.check_export`;
this module only lays them out. Every kind of problem has its section, even when none was found.
"""

from __future__ import annotations

from collections.abc import Sequence

from instruments.model import Instrument
from instruments.waves import unique_event_names
from reports.dictionary_table import plain_text
from reports.model import Block, Cell, Column, Facts, Provenance, Report, Section, Table, Text
from scoring.quality import EMPTY_RECORD, ExportChecks, check_export, quality_table
from scoring.units import DUPLICATE_UNIT, NO_UNIT_ID
from scoring.units import WHY as UNIT_WHY
from scoring.wave_rows import Records

NONE_FOUND = "None found."
WHERE = (Column("record", "Record"), Column("wave", "Wave"))
VALUE_COLUMNS = (*WHERE, Column("field", "Field"), Column("raw", "Value"), Column("reason", "Why"))

WHY = {
    "columns": "qiscan reads a full export: without these columns their questions look "
    "unanswered. Export every field of the instrument (a report or a forms-only export can leave "
    "columns out) and check again.",
    "duplicates": "Two or more rows claim the same record and wave, so no one can tell which "
    "holds the right answers; every copy is left out of every statistic. Merge the rows in "
    "REDCap, or delete the wrong one, and pull again.",
    "units": "A {unit} id that two or more records give at one wave (ids are compared after "
    "trimming spaces and tabs, so ' P01' is P01): "
    + UNIT_WHY[DUPLICATE_UNIT]
    + " A row without a {unit} id: "
    + UNIT_WHY[NO_UNIT_ID],
    "outside": "These rows belong to events or repeating forms the instrument does not declare, "
    "so no statistic reads them. If they hold real answers, add the event or form to the "
    "instrument; otherwise delete them in REDCap.",
    "empty": "These records hold nothing but their ID, so no statistic counts them; they may be "
    "test records or surveys opened and never answered. Delete them in REDCap if they are not "
    "real.",
    "unknown": "A value that is none of the question's choices usually comes from a changed "
    "choice list or an import. Fix these in REDCap; they are left out of every statistic.",
    "type": "A value that does not fit its field's type: text in a number or date field, a "
    "checkbox that is not 0 or 1, a form status other than 0, 1 or 2. Fix these in REDCap; they "
    "are left out of every statistic.",
    "range": "REDCap lets a user confirm a value outside the field's validation range, and an "
    "import skips the check. These values are counted in the statistics as entered: check each "
    "against its source and correct it in REDCap.",
    "missing": "A missing-data code (such as Don't know) is kept out of every percentage and "
    "reported as its own category. Many codes on one question can mean it is unclear or does not "
    "fit; review its wording.",
    "status": "A form saved as Incomplete (0) or Unverified (1) still counts: its answered "
    "questions are in the statistics and its blank ones count as asked but not answered; a form "
    "never saved counts as not asked. Finish the forms, or mark them Complete, in REDCap.",
    "skipped": "A unit with a later wave but not this one has a gap in its trajectory, so changes "
    "across waves rest on fewer units. Enter the assessment if it took place, or record why it "
    "was missed.",
}


def build_quality(records: Records, instrument: Instrument, *, provenance: Provenance) -> Report:
    """The data-quality report of a raw export of ``instrument``: a summary of the count of
    each kind of problem, then one section per kind (see :mod:`scoring.quality`)."""
    checks = check_export(records, instrument)
    waves = _Waves(instrument)
    sections = [
        _summary(checks),
        _section(
            "Columns missing from the export",
            "columns",
            (Column("column", "Column"),),
            [{"column": c} for c in checks.absent_columns],
        ),
        _duplicates(checks, waves),
        _units(checks, waves),
        *_outside(checks),
        *_invalid(checks, waves),
        _out_of_range(checks, waves),
        _missing(checks),
        _status(checks, waves),
        _skipped(checks, waves),
    ]
    return Report(
        kind="quality",
        title=f"Data quality: {instrument.title}",
        subtitle=f"{instrument.id}, version {instrument.version}: {checks.n_rows} export rows, "
        f"{checks.n_records} records",
        sections=tuple(sections),
        provenance=provenance,
        tidy=quality_table(checks),
        audience="the data manager",
    )


def _summary(checks: ExportChecks) -> Section:
    n = checks.counts()
    items = (
        ("Export read", f"{checks.n_rows} rows, {checks.n_records} records"),
        ("Columns missing from the export", str(n["absent_columns"])),
        (
            "Duplicate rows",
            f"{n['duplicate_rows']} rows for {n['duplicate_keys']} record(s) and wave(s)",
        ),
        (
            f"Duplicate or missing {_unit(checks)} ids",
            f"{n['duplicate_units']} {_unit(checks)} id(s); {n['no_unit_id']} record(s) "
            f"without one",
        ),
        ("Rows outside the instrument", str(n["orphan_rows"])),
        ("Records with no data", str(n["empty_records"])),
        ("Unknown choice codes", str(n["unknown_codes"])),
        ("Values that do not fit their type", str(n["wrong_type"] + n["bad_status"])),
        ("Out-of-range values", str(n["out_of_range"])),
        ("Missing-data codes given", str(n["missing_codes"])),
        (
            "Forms not complete",
            f"{n['incomplete_forms']} incomplete, {n['unverified_forms']} unverified",
        ),
        ("Skipped waves", str(n["skipped_waves"])),
    )
    return Section("Summary", (Facts(items, title="Problems found"),))


def _section(
    title: str,
    why: str,
    columns: tuple[Column, ...],
    rows: Sequence[dict[str, Cell]],
    *,
    lead: Sequence[Block] = (),
    unit: str = "unit",
) -> Section:
    blocks: list[Block] = [Text(WHY[why].format(unit=unit)), *lead]
    if rows:
        blocks.append(Table(why, title, columns, tuple(rows), note=f"{len(rows)} row(s)."))
    else:
        blocks.append(Text(NONE_FOUND, "note"))
    return Section(title, tuple(blocks))


def _duplicates(checks: ExportChecks, waves: _Waves) -> Section:
    rows: list[dict[str, Cell]] = [
        {
            "record": str(d["record"]),
            "wave": waves.of_row(str(d["event"]), str(d["instance"])),
            "event": str(d["event"]),
            "instance": str(d["instance"]),
            "n_rows": int(d["n_rows"]),
        }
        for d in checks.duplicates.to_dict("records")
    ]
    columns = (
        *WHERE,
        Column("event", "Event"),
        Column("instance", "Instance"),
        Column("n_rows", "Rows", "integer"),
    )
    return _section("Duplicate rows", "duplicates", columns, rows)


def _unit(checks: ExportChecks) -> str:
    unit = checks.responses.instrument.unit
    return unit.label if unit is not None else "unit"


def _units(checks: ExportChecks, waves: _Waves) -> Section:
    """Units set aside from every unit-level result (:mod:`scoring.units`), by wave."""
    rows: list[dict[str, Cell]] = [
        {
            "unit": str(u["unit"]),
            "wave": waves.get(str(u["wave"])),
            "records": ", ".join(u["records"]),
            "reason": str(u["reason"]),
        }
        for u in checks.units.to_dict("records")
    ]
    unit = _unit(checks)
    columns = (
        Column("unit", f"{unit.capitalize()} id"),
        Column("wave", "Wave"),
        Column("records", "Records"),
        Column("reason", "Why"),
    )
    return _section(f"Duplicate or missing {unit} ids", "units", columns, rows, unit=unit)


def _outside(checks: ExportChecks) -> list[Section]:
    orphans = checks.orphans
    stray = orphans[orphans["kind"] != EMPTY_RECORD]
    rows: list[dict[str, Cell]] = [
        {
            "record": str(o["record"]),
            "event": str(o["event"]),
            "repeat_instrument": str(o["repeat_instrument"]),
            "instance": str(o["instance"]),
            "reason": str(o["reason"]),
        }
        for o in stray.to_dict("records")
    ]
    columns = (
        Column("record", "Record"),
        Column("event", "Event"),
        Column("repeat_instrument", "Repeating form"),
        Column("instance", "Instance"),
        Column("reason", "Why"),
    )
    empty = orphans[orphans["kind"] == EMPTY_RECORD]
    per_record = empty.groupby("record", sort=False).size()
    empties: list[dict[str, Cell]] = [
        {"record": str(record), "rows": int(count)} for record, count in per_record.items()
    ]
    return [
        _section("Rows outside the instrument", "outside", columns, rows),
        _section(
            "Records with no data",
            "empty",
            (Column("record", "Record"), Column("rows", "Rows", "integer")),
            empties,
        ),
    ]


def _invalid(checks: ExportChecks, waves: _Waves) -> list[Section]:
    invalid = checks.invalid

    def rows(kinds: Sequence[str]) -> list[dict[str, Cell]]:
        return [
            {
                "record": str(v["record"]),
                "wave": waves.get(str(v["wave"])),
                "field": str(v["column"]),
                "raw": str(v["raw"]),
                "reason": str(v["reason"]),
            }
            for v in invalid[invalid["kind"].isin(list(kinds))].to_dict("records")
        ]

    return [
        _section("Unknown choice codes", "unknown", VALUE_COLUMNS, rows(["unknown code"])),
        _section(
            "Values that do not fit their type",
            "type",
            VALUE_COLUMNS,
            rows(["wrong type", "form status"]),
        ),
    ]


def _out_of_range(checks: ExportChecks, waves: _Waves) -> Section:
    rows: list[dict[str, Cell]] = [
        {
            "record": str(v["record"]),
            "wave": waves.get(str(v["wave"])),
            "field": str(v["field"]),
            "raw": str(v["raw"]),
            "allowed": f"{v['min'] or '-'} to {v['max'] or '-'}",
            "reason": str(v["reason"]),
        }
        for v in checks.out_of_range.to_dict("records")
    ]
    columns = (*VALUE_COLUMNS[:4], Column("allowed", "Allowed"), VALUE_COLUMNS[4])
    return _section("Out-of-range values", "range", columns, rows)


def _missing(checks: ExportChecks) -> Section:
    instrument = checks.responses.instrument
    codes = instrument.missing_codes
    fields = instrument.field_map()
    lead: list[Block] = []
    if not codes:
        lead.append(Text("The instrument declares no missing-data codes.", "note"))
    columns = (
        Column("field", "Field"),
        Column("question", "Question"),
        *(Column(f"code_{c.code}", f"{c.code} ({c.label})", "integer") for c in codes),
        Column("total", "Total", "integer"),
    )
    rows: list[dict[str, Cell]] = []
    for found in checks.missing_codes.to_dict("records"):
        name = str(found["field"])
        row: dict[str, Cell] = {"field": name, "question": plain_text(fields[name].label)}
        row |= {f"code_{c.code}": int(found[c.code]) for c in codes}
        row["total"] = int(found["total"])
        rows.append(row)
    return _section("Missing-data codes by field", "missing", columns, rows, lead=lead)


def _status(checks: ExportChecks, waves: _Waves) -> Section:
    forms = checks.responses.instrument.form_map()
    status = checks.form_status
    columns = (
        Column("form", "Form"),
        Column("wave", "Wave"),
        Column("complete", "Complete", "integer"),
        Column("unverified", "Unverified", "integer"),
        Column("incomplete", "Incomplete", "integer"),
        Column("not_saved", "Never saved", "integer"),
        Column("not_a_status", "Not a status", "integer"),
        Column("rows", "Rows", "integer"),
    )
    rows: list[dict[str, Cell]] = [
        {
            "form": forms[str(s["form"])].label,
            "wave": waves.get(str(s["wave"])),
            **{c.key: int(s[c.key]) for c in columns[2:]},
        }
        for s in status.to_dict("records")
    ]
    unfinished = int(status["incomplete"].sum() + status["unverified"].sum())
    blocks: list[Block] = [Text(WHY["status"])]
    if not unfinished:
        blocks.append(Text(NONE_FOUND + " Every saved form is marked Complete.", "note"))
    if rows:
        note = "Each form counted on the waves that hold it; rows set aside above are not counted."
        blocks.append(Table("status", "Form status by wave", columns, tuple(rows), note=note))
    return Section("Incomplete forms", tuple(blocks))


def _skipped(checks: ExportChecks, waves: _Waves) -> Section:
    lead: list[Block] = []
    if checks.responses.instrument.waves is None:
        lead.append(Text("The instrument has no waves.", "note"))
    rows: list[dict[str, Cell]] = [
        {
            "wave": waves.get(str(s["wave"])),
            "n_units": int(s["n_units"]),
            "records": ", ".join(s["records"]),
        }
        for s in checks.skipped_waves.to_dict("records")
    ]
    columns = (
        Column("wave", "Wave"),
        Column("n_units", "Units without it", "integer"),
        Column("records", "Records"),
    )
    return _section("Skipped waves", "skipped", columns, rows, lead=lead)


class _Waves:
    """A wave as a reader knows it: the event's label, or "instance 3" of a repeating form."""

    def __init__(self, instrument: Instrument) -> None:
        waves = instrument.waves
        events = waves.events if waves is not None and waves.mode == "events" else []
        self.repeating = waves is not None and waves.mode == "repeating"
        self.labels = {event.name: event.label for event in events}
        self.by_event = {unique: e.label for unique, e in unique_event_names(instrument).items()}

    def get(self, wave: str) -> str:
        if self.repeating and wave:
            return f"instance {wave}"
        return self.labels.get(wave, wave)

    def of_row(self, event: str, instance: str) -> str:
        """The wave of an export row, from its event name or repeat instance."""
        if event in self.by_event:
            return self.by_event[event]
        return self.get(instance) if instance else event
