"""Agreement between coders of a coding instrument: per theme code and pooled over all codes.

Every number comes from :func:`scoring.agreement.agreement_by_code` on the saved coding
records (:func:`scoring.coding_stats.coding_frame`): percent agreement, Cohen's kappa (two
coders) or Fleiss' kappa (three or more) with the Landis & Koch reading, and Krippendorff's
alpha (nominal) with Krippendorff's reading. A checkbox code is compared option by option, so
each theme is one row, named by its option label; a single-choice code is named by its field
label. The tidy rows are :func:`scoring.coding_stats.coding_rows`, the same numbers.
"""

from __future__ import annotations

import math

from instruments.model import Instrument
from instruments.naming import checkbox_column
from reports.model import (
    Bar,
    BarChart,
    Block,
    Cell,
    Column,
    Provenance,
    Report,
    Section,
    Table,
    Text,
    with_simulated,
)
from scoring.agreement import AgreementResult, agreement_by_code
from scoring.coding_stats import coding_frame, coding_rows
from scoring.decode import Responses
from scoring.tidy import tidy_frame

OVERALL = "overall"
KAPPA_NAMES = {
    "cohen_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "pooled_kappa": "pooled kappa (De Vries et al. 2008)",
}


def build_coding(responses: Responses, *, provenance: Provenance) -> Report:
    """The coder-agreement report of a coding instrument's responses.

    Raises ValueError for an instrument without a ``coding`` block."""
    instrument = responses.instrument
    coding = instrument.coding
    if coding is None:
        raise ValueError(
            f"instrument '{instrument.id}' declares no coding block: there are no coders to "
            "compare; build a coding report from a coding instrument such as qualitative_coding"
        )
    results = agreement_by_code(
        coding_frame(responses), coding.unit_field, coding.coder_field, coding.codes
    )
    names = code_labels(instrument)
    codes = [r for r in results if r.code != OVERALL]
    sections = (
        Section("About this report", _about(instrument, codes)),
        Section(
            "Agreement by code",
            (_table(results, names), _chart(codes, names), _details(results, names)),
        ),
    )
    return Report(
        kind="coding",
        title=f"{instrument.title}: agreement between coders",
        subtitle=f"{len(codes)} codes compared",
        sections=sections,
        provenance=with_simulated(provenance, responses),
        tidy=tidy_frame(coding_rows(responses)),
    )


def code_labels(instrument: Instrument) -> dict[str, tuple[str, str]]:
    """Compared column -> (its label, its field's name): a checkbox option by its label, a
    single code by its field's label."""
    coding = instrument.coding
    fields = instrument.field_map()
    labels: dict[str, tuple[str, str]] = {OVERALL: ("All codes (pooled)", "")}
    for code in coding.codes if coding is not None else []:
        fld = fields[code]
        if fld.type == "checkbox":
            for choice in fld.choices:
                label = choice.label or choice.code
                labels[checkbox_column(fld.name, choice.code)] = (label, fld.name)
        else:
            labels[code] = (fld.label, fld.name)
    return labels


def _about(instrument: Instrument, codes: list[AgreementResult]) -> tuple[Block, ...]:
    unit = instrument.unit.label if instrument.unit is not None else "unit"
    lead = Text(
        f"How closely the coders agree when they code the same {unit}s independently, for "
        "each theme code and pooled over all codes: the share of agreeing coder pairs, kappa "
        "(agreement beyond chance) with the Landis & Koch reading, and Krippendorff's alpha "
        "with Krippendorff's reading (0.800 and above reliable, 0.667 to 0.800 tentative).",
        "lead",
    )
    if not codes:
        return (lead,)
    compared = max(r.percent.n for r in codes)
    single = max(r.percent.n_excluded for r in codes)
    coders = max(r.n_coders for r in codes)
    text = (
        f"{compared} {unit}s were coded independently by two or more coders "
        f"({coders} coders in all)."
    )
    if single:
        text += f" {single} {unit}(s) coded by one coder only are left out of the comparison."
    return lead, Text(text, "note")


def _table(results: list[AgreementResult], names: dict[str, tuple[str, str]]) -> Table:
    """The headline figures per code, narrow enough for a page: details go to the next table."""
    columns = (
        Column("code", "Code"),
        Column("n", "Units compared", "integer"),
        Column("percent", "Percent agreement", "percent", 1),
        Column("kappa", "Kappa", "number", 2),
        Column("kappa_reading", "Landis & Koch reading"),
        Column("alpha", "Krippendorff's alpha", "number", 2),
        Column("alpha_reading", "Krippendorff's reading"),
    )
    rows: list[dict[str, Cell]] = []
    for result in results:
        label, _ = names.get(result.code, (result.code, ""))
        rows.append(
            {
                "code": label,
                "n": result.percent.n,
                # a share of coder pairs, shown as a percent like every other percent column
                "percent": _cell(result.percent.value * 100.0),
                "kappa": _cell(result.kappa.value),
                "kappa_reading": result.kappa.reading,
                "alpha": _cell(result.alpha.value),
                "alpha_reading": result.alpha.reading,
            }
        )
    note = (
        "Units compared: units rated by two or more coders (for the pooled row, unit-code "
        "pairs). Kappa: Cohen's for two coders, Fleiss' for three or more; the next table says "
        "which, with its interval. The pooled row averages the codes' observed and chance "
        "agreement with equal weights."
    )
    return Table("agreement", "Agreement by code", columns, tuple(rows), note)


def _details(results: list[AgreementResult], names: dict[str, tuple[str, str]]) -> Table:
    columns = (
        Column("code", "Code"),
        Column("field", "Field"),
        Column("coders", "Coders", "integer"),
        Column("kappa_kind", "Kappa used"),
        Column("kappa_n", "Units in kappa", "integer"),
        Column("kappa_low", "Kappa 95% CI from", "number", 2),
        Column("kappa_high", "to", "number", 2),
        Column("note", "Note"),
    )
    rows: list[dict[str, Cell]] = []
    for result in results:
        label, field = names.get(result.code, (result.code, ""))
        notes = (result.percent.note, result.kappa.note, result.alpha.note)
        rows.append(
            {
                "code": label,
                "field": field,
                "coders": result.n_coders,
                "kappa_kind": KAPPA_NAMES.get(result.kappa.statistic, result.kappa.statistic),
                "kappa_n": result.kappa.n,
                "kappa_low": _cell(result.kappa.ci_low),
                "kappa_high": _cell(result.kappa.ci_high),
                "note": "; ".join(dict.fromkeys(n for n in notes if n)),
            }
        )
    note = (
        "Cohen's kappa has an asymptotic 95% CI; Fleiss' has none here, and leaves out units "
        "not rated by the usual number of coders."
    )
    return Table("agreement_details", "How each kappa was computed", columns, tuple(rows), note)


def _chart(codes: list[AgreementResult], names: dict[str, tuple[str, str]]) -> BarChart:
    bars = []
    undefined: list[str] = []
    below_zero: list[str] = []
    for result in codes:
        label = names.get(result.code, (result.code, ""))[0]
        kappa = result.kappa
        if math.isnan(kappa.value):
            undefined.append(label)
            continue
        if kappa.value < 0:
            below_zero.append(label)
        bars.append(Bar(label, kappa.value, kappa.ci_low, kappa.ci_high, note=kappa.reading))
    notes = ["Kappa per code on a 0 to 1 axis, with its 95% CI where there is one."]
    if below_zero:
        notes.append(f"Below 0 (less agreement than chance): {', '.join(below_zero)}.")
    if undefined:
        notes.append(f"Kappa undefined, not drawn: {', '.join(undefined)}.")
    return BarChart("Kappa by code", tuple(bars), unit="", max_value=1.0, note=" ".join(notes))


def _cell(value: float) -> float | None:
    """A number, or a blank cell where the statistic is undefined (the note says why)."""
    return None if math.isnan(value) else float(value)
