"""The report kinds, declared once: which kinds an instrument's snapshot makes, and in which
formats each kind comes. ``qiscan report`` and the service's report requests both ask here, so
a report that cannot be made is refused at once, with what would work, never failed later.
"""

from __future__ import annotations

from typing import get_args

from instruments.model import Instrument
from reports.model import ReportKind
from reports.render import FORMATS

KINDS: tuple[str, ...] = get_args(ReportKind)
# CSV and JSON write a report's tidy result table; practice feedback has none (it compares one
# practice with the cohort in words and charts), so it comes as a page, a PDF or a workbook.
TIDY_FORMATS = ("csv", "json")
WITHOUT_TIDY = ("practice",)
NEEDS = {
    "committee": "a survey of one row per respondent, without waves",
    "practice": "waves of units (practices)",
    "cohort": "waves of units (practices)",
    "coding": "a coding instrument",
    "quality": "any snapshot",
}


def report_kinds(instrument: Instrument) -> tuple[str, ...]:
    """The report kinds an instrument's snapshot makes, in KINDS' order: the committee summary
    reads a survey of one row per respondent, practice feedback and cohort progress read waves
    of units, coder agreement a coding block, and every snapshot has a data-quality report."""
    fits = {
        "committee": instrument.kind == "survey" and instrument.waves is None,
        "practice": instrument.waves is not None and instrument.unit is not None,
        "cohort": instrument.waves is not None and instrument.unit is not None,
        "coding": instrument.coding is not None,
        "quality": True,
    }
    return tuple(kind for kind in KINDS if fits[kind])


def report_formats(kind: str) -> tuple[str, ...]:
    """The formats a report of ``kind`` is made in."""
    if kind in WITHOUT_TIDY:
        return tuple(fmt for fmt in FORMATS if fmt not in TIDY_FORMATS)
    return FORMATS


def unfit(kind: str, instrument: Instrument, fmt: str | None = None) -> str:
    """Why the ``kind`` report (in ``fmt``) cannot be made of ``instrument``'s snapshot, saying
    what would work; "" when it can."""
    fits = report_kinds(instrument)
    if kind not in fits:
        return (
            f"a {kind} report needs {NEEDS[kind]}; '{instrument.id}' makes "
            f"{', '.join(fits)} report(s)"
        )
    if fmt is not None and fmt not in report_formats(kind):
        return f"a {kind} report is made as {', '.join(report_formats(kind))}, not {fmt}"
    return ""
